/*
 * test_report_html.c - the formatted diff of the HTML report (issue 15).
 *
 * A change of a Markdown-like canonical text (crawler/extract.c's output:
 * headings, lists, links, address blocks) rendered by report_render_html():
 * the blocks come out as HTML elements, the edits as <del>/<ins> inside
 * them, unchanged blocks far from a change folded and counted, every page
 * byte escaped, no wdiff mark anywhere.
 */
#include "common/common.h"
#include "reports/report.h"

#include <time.h>

#include "tests/common/test.h"

/* The HTML of a report of one change from old_text to new_text: the part
 * holding the formatted text (from the sentence above it to the end of
 * its frame), owned. */
static char *diff_html(const char *old_text, const char *new_text)
{
	struct report r;
	report_init(&r);
	r.run_id = 5;
	struct report_page *p = report_add_page(&r);
	p->id = xstrdup("02-laon");
	p->office_id = xstrdup("02-laon");
	p->office_name = xstrdup("Préfecture de Laon");
	p->url = xstrdup("https://www.aisne.gouv.fr/aes");
	p->status = PAGE_CHANGED;
	p->http_status = 200;
	struct report_change *c = xcalloc(1, sizeof(*c));
	c->id = 7;
	c->detected_at = 1764554400;
	c->old_text = xstrdup(old_text);
	c->new_text = xstrdup(new_text);
	p->change = c;
	char *h = report_render_html(&r);
	report_release(&r);
	const char *from = strstr(h, "Texte de la page");
	from = from ? strstr(from, "<div ") : NULL;
	const char *to = from ? strstr(from, "\n</div>\n") : NULL;
	CHECK(from && to);
	char *part = from && to ? xstrndup(from, (size_t)(to - from)) : xstrdup("");
	/* the marks of the text report never reach the HTML */
	CHECK(!strstr(h, "[-") && !strstr(h, "-]") && !strstr(h, "{+") && !strstr(h, "+}"));
	free(h);
	return part;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *s = hay; (s = strstr(s, needle)); s++)
		n++;
	return n;
}

/* Every <del>, <ins>, <a>, <li> and block element is closed. */
static void check_balanced(const char *h)
{
	static const char *const tags[][2] = {
		{ "<del ", "</del>" }, { "<ins ", "</ins>" }, { "<a ", "</a>" }, { "<li ", "</li>" },
		{ "<ul ", "</ul>" }, { "<p ", "</p>" }, { "<h4 ", "</h4>" }, { "<h5 ", "</h5>" },
		{ "<address ", "</address>" }, { "<strong>", "</strong>" }, { "<em", "</em>" },
	};
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		if (count(h, tags[i][0]) != count(h, tags[i][1]))
			fprintf(stderr, "  %s: %zu opened, %zu closed\n", tags[i][0], count(h, tags[i][0]),
				count(h, tags[i][1]));
		CHECK_INT(count(h, tags[i][0]), count(h, tags[i][1]));
	}
}

static void test_headings_and_paragraphs(void)
{
	char *h = diff_html("## Dépôt de la demande\n\nLa demande se fait par voie postale.\n\n"
			    "### Pièces à fournir\n\nUn justificatif de domicile.\n",
			    "## Dépôt de la demande\n\nLa demande se fait en ligne.\n\n"
			    "### Pièces à fournir\n\nUn justificatif de domicile.\n");
	CHECK_CONTAINS(h, ">Dépôt de la demande</h4>");
	CHECK_CONTAINS(h, ">Pièces à fournir</h5>");
	CHECK(!strstr(h, "##"));
	/* the edit inside its paragraph, words struck out and underlined */
	CHECK_CONTAINS(h, ">La demande se fait <del style=\"background:#ffe1e1;color:#8b0000;"
		       "text-decoration:line-through;\">par voie postale</del><ins style=\"background:#d9f5dd;"
		       "color:#0b5a1e;text-decoration:underline;\">en ligne</ins>.</p>");
	check_balanced(h);
	free(h);
}

static void test_lists(void)
{
	char *h = diff_html("Le dossier comprend :\n\n- une lettre de motivation ;\n- un passeport ;\n"
			    "  - ou une carte consulaire\n1. remplir le formulaire\n2. l'envoyer\n",
			    "Le dossier comprend :\n\n- une lettre de motivation signée ;\n- un passeport ;\n"
			    "  - ou une carte consulaire\n1. remplir le formulaire\n2. l'envoyer par la poste\n");
	/* one list, its items with their markers, the nested one indented */
	CHECK_INT(count(h, "<ul "), 1);
	CHECK_INT(count(h, "<li "), 5);
	CHECK_CONTAINS(h, "•</span>&nbsp;une lettre de motivation <ins ");
	CHECK_CONTAINS(h, "<li style=\"margin:3px 0 3px 18px;\">");
	CHECK_CONTAINS(h, "1.</span>&nbsp;remplir le formulaire</li>");
	CHECK_CONTAINS(h, "2.</span>&nbsp;l&#39;envoyer<ins ");
	/* the changed items carry the margin bar, the others do not */
	CHECK_INT(count(h, "border-left:3px solid #9a6b00"), 2);
	CHECK(!strstr(h, ">- ") && !strstr(h, "&nbsp;- "));
	check_balanced(h);
	free(h);
}

static void test_links(void)
{
	char *h = diff_html("Déposez la demande sur [la plateforme](https://www.demarches-simplifiees.fr/aes-02).\n\n"
			    "Notice : [Formulaire](https://www.aisne.gouv.fr/notice-v1.pdf)\n\n"
			    "Voir https://www.aisne.gouv.fr/aes.\n",
			    "Déposez la demande sur [la plateforme](https://www.demarches-simplifiees.fr/aes-02).\n\n"
			    "Notice : [Formulaire](https://www.aisne.gouv.fr/notice-v2.pdf)\n\n"
			    "Voir https://www.aisne.gouv.fr/aes-2026.\n");
	/* the link and its address, both live */
	CHECK_CONTAINS(h, "<a href=\"https://www.demarches-simplifiees.fr/aes-02\" style=\"color:#0645ad;");
	CHECK_CONTAINS(h, ">la plateforme</a> (<a href=\"https://www.demarches-simplifiees.fr/aes-02\"");
	CHECK_CONTAINS(h, ">https://www.demarches-simplifiees.fr/aes-02</a>).");
	/* a changed address: the edit inside the address shown */
	CHECK_CONTAINS(h, ">https://www.aisne.gouv.fr/notice-</a><del ");
	CHECK_CONTAINS(h, ">v1</a></del><ins ");
	CHECK_CONTAINS(h, ">v2</a></ins>");
	/* a bare address is a link, without the sentence's full stop */
	CHECK_CONTAINS(h, "<a href=\"https://www.aisne.gouv.fr/aes-2026\"");
	CHECK(!strstr(h, "aes-2026.\""));
	CHECK(!strstr(h, "]("));
	check_balanced(h);
	free(h);
}

static void test_emphasis(void)
{
	char *h = diff_html("Envoyez **par courrier** le *cerfa 15186*03* avant le 15186*03 et 2*3.\n",
			    "Envoyez **par courrier recommandé** le *cerfa 15186*03* avant le 15186*03 et 2*3.\n");
	CHECK_CONTAINS(h, "<strong>par courrier</strong><ins ");
	CHECK_CONTAINS(h, "<ins style=\"background:#d9f5dd;color:#0b5a1e;text-decoration:underline;\">"
		       "<strong> recommandé</strong></ins>");
	CHECK_CONTAINS(h, "<em>cerfa 15186*03</em>");
	/* a star inside a word is text */
	CHECK_CONTAINS(h, "avant le 15186*03 et 2*3.");
	check_balanced(h);
	free(h);
}

static void test_address_block(void)
{
	char *h = diff_html("Adressez votre dossier à :\n\nPréfecture de l'Aisne\n2 rue Paul Doumer\n02000 LAON\n\n"
			    "Aucun dépôt au guichet.\n",
			    "Adressez votre dossier à :\n\nPréfecture de l'Aisne\n12 rue Fernand Christ\n02000 LAON\n\n"
			    "Aucun dépôt au guichet.\n");
	CHECK_INT(count(h, "<address "), 1);
	CHECK_CONTAINS(h, ">Préfecture de l&#39;Aisne<br>\n");
	CHECK_CONTAINS(h, "text-decoration:line-through;\">2 rue Paul Doumer</del><br>\n<ins ");
	CHECK_CONTAINS(h, "<br>\n02000 LAON</address>");
	CHECK_CONTAINS(h, ">Aucun dépôt au guichet.</p>");
	check_balanced(h);
	free(h);
}

/* n paragraphs "Paragraphe inchangé numéro i." from i = first */
static void paragraphs(struct buf *b, int first, int n)
{
	for (int i = first; i < first + n; i++)
		buf_printf(b, "Paragraphe inchangé numéro %d.\n\n", i);
}

static void test_folding(void)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	/* 5 unchanged, a change, 12 unchanged, a change, 3 unchanged, a change, 1 unchanged */
	paragraphs(&a, 1, 5);
	paragraphs(&b, 1, 5);
	buf_addstr(&a, "Dépôt par voie postale.\n\n");
	buf_addstr(&b, "Dépôt en ligne.\n\n");
	paragraphs(&a, 6, 12);
	paragraphs(&b, 6, 12);
	buf_addstr(&a, "Délai de deux mois.\n\n");
	buf_addstr(&b, "Délai de trois mois.\n\n");
	paragraphs(&a, 18, 3);
	paragraphs(&b, 18, 3);
	buf_addstr(&a, "Ancienne fin.\n\n");
	buf_addstr(&b, "Nouvelle fin.\n\n");
	paragraphs(&a, 21, 1);
	paragraphs(&b, 21, 1);
	char *h = diff_html(buf_str(&a), buf_str(&b));
	/* one paragraph of context each side of a change: 4 folded before the
	 * first, 10 between the first two; the 3 between the last two and
	 * the last paragraph are shown (a fold of one would hide nothing) */
	CHECK_CONTAINS(h, "… 4 paragraphes inchangés …");
	CHECK_CONTAINS(h, "… 10 paragraphes inchangés …");
	CHECK_INT(count(h, "paragraphes inchangés"), 2);
	CHECK(!strstr(h, "numéro 4.") && strstr(h, "numéro 5."));
	CHECK(strstr(h, "numéro 6.") && !strstr(h, "numéro 7.") && !strstr(h, "numéro 16."));
	CHECK(strstr(h, "numéro 17.") && strstr(h, "numéro 18.") && strstr(h, "numéro 19."));
	CHECK(strstr(h, "numéro 20.") && strstr(h, "numéro 21."));
	/* in the order of the text */
	const char *f1 = strstr(h, "… 4 "), *p5 = strstr(h, "numéro 5."), *c1 = strstr(h, "en ligne");
	const char *f2 = strstr(h, "… 10 "), *p17 = strstr(h, "numéro 17.");
	CHECK(f1 && p5 && c1 && f2 && p17 && f1 < p5 && p5 < c1 && c1 < f2 && f2 < p17);
	free(h);

	/* one paragraph away from the change: nothing to fold */
	h = diff_html("Un.\n\nDeux.\n\nTrois.\n", "Un.\n\nDeux.\n\nTrois, modifié.\n");
	CHECK(!strstr(h, "inchangé"));
	CHECK(strstr(h, "Un.") && strstr(h, "Deux."));
	free(h);
	h = diff_html("Un.\n\nDeux.\n\nTrois.\n\nQuatre.\n", "Un.\n\nDeux.\n\nTrois.\n\nQuatre, modifié.\n");
	CHECK_CONTAINS(h, "… 2 paragraphes inchangés …");
	free(h);
	buf_release(&a);
	buf_release(&b);
}

static void test_inserted_and_deleted_blocks(void)
{
	char *h = diff_html("### Horaires\n\nLe lundi.\n\nAncien paragraphe retiré.\n\nFin.\n",
			    "### Horaires\n\nLe lundi.\n\nFin.\n\n- nouvelle pièce demandée\n");
	/* a removed paragraph: one element, struck out, red bar */
	CHECK_CONTAINS(h, "border-left:3px solid #b3261e;padding-left:8px;\"><del style=\"background:#ffe1e1;"
		       "color:#8b0000;text-decoration:line-through;\">Ancien paragraphe retiré.</del></p>");
	/* an added list item, underlined, green bar */
	CHECK_CONTAINS(h, "border-left:3px solid #1e7b34;padding-left:8px;\"><span style=\"color:#555555;"
		       "background:#ffffff;\">•</span>&nbsp;<ins style=\"background:#d9f5dd;color:#0b5a1e;"
		       "text-decoration:underline;\">nouvelle pièce demandée</ins></li>");
	/* "Fin." is its own paragraph, not joined to the deleted one */
	CHECK_CONTAINS(h, ">Fin.</p>");
	check_balanced(h);
	free(h);
}

static void test_escaping(void)
{
	char *h = diff_html("Texte <b>sûr</b>.\n\n[ici](https://ok.example/a)\n",
			    "Texte <script>alert(1)</script> & \"guillemets\".\n\n"
			    "[<img src=x onerror=alert(2)>](javascript:alert(3)) et "
			    "[lien](https://ok.example/?a=\"><script>alert(4)</script>)\n\n"
			    "**<i>gras</i>** [x](data:text/html,<script>alert(5)</script>)\n");
	CHECK(!strstr(h, "<script") && !strstr(h, "<img") && !strstr(h, "<b>") && !strstr(h, "<i>"));
	CHECK(!strstr(h, "href=\"javascript") && !strstr(h, "href=\"data"));
	CHECK_CONTAINS(h, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;guillemets&quot;.");
	/* a link to another scheme: its text and address inert */
	CHECK_CONTAINS(h, "&lt;img src=x onerror=alert(2)&gt;");
	CHECK_CONTAINS(h, "javascript:alert(3)</span>");
	/* an http(s) address is escaped inside the attribute */
	CHECK_CONTAINS(h, "<a href=\"https://ok.example/?a=&quot;&gt;&lt;script&gt;alert(4)&lt;/script&gt;\"");
	CHECK_CONTAINS(h, "<strong>&lt;i&gt;gras&lt;/i&gt;</strong>");
	check_balanced(h);
	free(h);

	/* invalid UTF-8 and control characters from a page */
	h = diff_html("Un texte.\n", "Un \xff\xfe texte\x01\x1b[31m.\n");
	CHECK(utf8_valid(h, strlen(h)));
	CHECK(!strstr(h, "\x01") && !strstr(h, "\x1b"));
	CHECK_CONTAINS(h, "\xEF\xBF\xBD");
	free(h);
}

/* A one-line page of megabytes: shown as escaped text, in bounded time;
 * a long line of unclosed markup: parsed in bounded time. */
static void test_huge_line(void)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	for (int i = 0; i < 40000; i++)
		buf_addstr(&a, "mot **gras** [<lien>](https://x.example/?a=1&b=2) ");
	buf_addstr(&b, buf_str(&a));
	buf_addstr(&a, "fin.\n");
	buf_addstr(&b, "fin modifiée.\n");
	CHECK(a.len > (1u << 20));
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	char *h = diff_html(buf_str(&a), buf_str(&b));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	fprintf(stderr, "  a changed line of %zu bytes: %.2f s, %zu bytes of HTML\n", a.len, secs, strlen(h));
	CHECK(secs < 30.0);
	CHECK_CONTAINS(h, "[&lt;lien&gt;](https://x.example/?a=1&amp;b=2)");
	/* too long to pair with its new version (diff.c): deleted, then inserted */
	CHECK_CONTAINS(h, "fin.</del>");
	CHECK_CONTAINS(h, "fin modifiée.</ins>");
	CHECK(!strstr(h, "<lien>") && !strstr(h, "<a "));
	free(h);

	/* a line of hostile brackets and stars under the parse limit: each
	 * one opens a link or an emphasis that never closes */
	buf_reset(&a);
	buf_reset(&b);
	while (a.len < 60000)
		buf_addstr(&a, "*a[b](c(**x[");
	buf_addstr(&b, buf_str(&a));
	buf_addstr(&b, " fin");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	h = diff_html(buf_str(&a), buf_str(&b));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	fprintf(stderr, "  a line of %zu bytes of brackets and stars: %.2f s\n", a.len, secs);
	CHECK(secs < 10.0);
	CHECK_CONTAINS(h, " fin</ins>");
	free(h);
	buf_release(&a);
	buf_release(&b);
}

int main(int argc, char **argv)
{
	test_select(argc, argv);
	TEST_RUN(test_headings_and_paragraphs);
	TEST_RUN(test_lists);
	TEST_RUN(test_links);
	TEST_RUN(test_emphasis);
	TEST_RUN(test_address_block);
	TEST_RUN(test_folding);
	TEST_RUN(test_inserted_and_deleted_blocks);
	TEST_RUN(test_escaping);
	TEST_RUN(test_huge_line);
	return test_finish();
}
