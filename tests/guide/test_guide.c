/*
 * test_guide.c - the guide's model, wording and renderers, without a store.
 *
 * The French the seed guide uses (articles, method sentences, « Sous-
 * préfectures : … »), the grouping headings, the « À vérifier » lines,
 * and hostile page text: nothing a page says becomes markup, emphasis,
 * a script or a javascript: link in either rendering.
 */
#include "common/common.h"
#include "guide/guide.h"
#include "tests/common/test.h"

static void test_articles(void)
{
	CHECK_STR(guide_departement_article("Aisne"), "de l'");
	CHECK_STR(guide_departement_article("Nord"), "du ");
	CHECK_STR(guide_departement_article("Oise"), "de l'");
	CHECK_STR(guide_departement_article("Pas-de-Calais"), "du ");
	CHECK_STR(guide_departement_article("Somme"), "de la ");
	CHECK_STR(guide_departement_article("Ardennes"), "des ");
	CHECK_STR(guide_departement_article("Hauts-de-Seine"), "des ");
	CHECK_STR(guide_departement_article("Haute-Garonne"), "de la ");
	CHECK_STR(guide_departement_article("Hérault"), "de l'");
	CHECK_STR(guide_departement_article("Essonne"), "de l'");
	CHECK_STR(guide_departement_article("Yvelines"), "des ");
	CHECK_STR(guide_departement_article("Paris"), "de ");
	CHECK_STR(guide_departement_article("Val-d'Oise"), "du ");
}

static void test_names_and_methods(void)
{
	char *s = guide_short_name("Sous-préfecture d'Avesnes-sur-Helpe");
	CHECK_STR(s, "Avesnes-sur-Helpe");
	free(s);
	s = guide_short_name("Sous-préfecture de Cambrai");
	CHECK_STR(s, "Cambrai");
	free(s);
	struct strvec m = STRVEC_INIT;
	CHECK(guide_method_sentence(&m) == NULL);
	strvec_push(&m, "letterbox");
	strvec_push(&m, "postal");
	CHECK_STR(guide_method_sentence(&m),
		  "La demande d'admission exceptionnelle au séjour se fait par voie postale.");
	strvec_push(&m, "online_ds");
	CHECK_STR(guide_method_sentence(&m),
		  "La demande d'admission exceptionnelle au séjour se fait par voie dématérialisée.");
	strvec_release(&m);
	struct strvec n = STRVEC_INIT;
	strvec_push(&n, "Péronne");
	strvec_push(&n, "Montdidier");
	strvec_push(&n, "Abbeville");
	strvec_push(&n, "Écouen");
	strvec_push(&n, "Pau");
	guide_sort_names(&n);
	CHECK_STR(n.v[0], "Abbeville");
	CHECK_STR(n.v[1], "Écouen");
	CHECK_STR(n.v[2], "Montdidier");
	CHECK_STR(n.v[3], "Pau");
	CHECK_STR(n.v[4], "Péronne");
	strvec_release(&n);
}

static struct guide *sample(const char *text)
{
	struct guide *g = guide_new(1764979200); /* 06/12/2025 */
	struct guide_departement *d = guide_departement(g, "Hauts-de-France", "02", "Aisne");
	d->prefecture = xstrdup("Préfecture de Laon");
	strvec_push(&d->sous_prefectures, "Soissons");
	strvec_push(&d->sous_prefectures, "Vervins");
	d->n_sous_prefectures_total = 2;
	strvec_push(&d->no_aes, "Sous-préfecture de Soissons");
	strvec_push(&d->no_aes, "Sous-préfecture de Vervins");
	struct guide_office *o = guide_office_add(d, "Préfecture de Laon");
	o->checked_at = 1764892800; /* 05/12/2025 */
	strvec_push(&o->methods, "postal");
	strvec_push(&o->urls, "https://www.aisne.gouv.fr/aes");
	strvec_push(&o->addresses, "Préfecture de l'Aisne, 2 Rue Paul Doumer, 02000 LAON");
	o->text = xstrdup(text);
	return g;
}

static void test_markdown(void)
{
	struct guide *g = sample("# Titre\n\nEnvoyez à l'adresse suivante :\n\nPréfecture de l'Aisne\n"
				 "2 Rue Paul Doumer\n02000 LAON\n\n- un\n- deux\n\n"
				 "Voir [la notice](https://www.aisne.gouv.fr/n.pdf).");
	char *md = guide_render_md(g);
	CHECK_CONTAINS(md, "## Département de l'Aisne (02)\n\nPréfecture de Laon\n\n"
			   "Sous-préfectures : Soissons, Vervins\n\n### Préfecture de Laon\n\n"
			   "Dernière mise à jour : 05/12/2025\n\n"
			   "La demande d'admission exceptionnelle au séjour se fait par voie postale.\n\n"
			   "Les modalités sont consultables ici : <https://www.aisne.gouv.fr/aes>\n\n"
			   "Les modalités sont reproduites ici :\n\n#### Titre\n\n");
	/* the address lines in bold, one line each */
	CHECK_CONTAINS(md, "**Préfecture de l'Aisne**\\\n**2 Rue Paul Doumer**\\\n**02000 LAON**\n\n");
	CHECK_CONTAINS(md, "- un\n- deux\n\n");
	CHECK_CONTAINS(md, "Voir [la notice](https://www.aisne.gouv.fr/n.pdf).");
	CHECK_CONTAINS(md, "### Sous-préfectures\n\nElles ne traitent pas les demandes d'AES.\n");
	CHECK_CONTAINS(md, "Rien : toutes les pages ont été lues");
	CHECK(md[strlen(md) - 1] == '\n' && md[strlen(md) - 2] != '\n');
	free(md);
	guide_free(g);
}

static void test_checks(void)
{
	struct guide *g = sample("Texte.");
	struct guide_office *o = &g->deps[0].offices[0];
	guide_office_check(o, GUIDE_CHECK_PENDING, "https://www.aisne.gouv.fr/aes", 1764892800, NULL, 12);
	guide_office_check(o, GUIDE_CHECK_FAILING, "https://www.aisne.gouv.fr/b", 1764806400,
			   "not_found", 0);
	char *md = guide_render_md(g);
	CHECK_CONTAINS(md, "## À vérifier avant publication (2)\n\n- Préfecture de Laon (02) : un "
			   "changement de la page https://www.aisne.gouv.fr/aes, détecté le 05/12/2025, "
			   "attend sa relecture (prefwatch show 12)");
	CHECK_CONTAINS(md, "### Préfecture de Laon\n\n**À vérifier : un changement de la page");
	CHECK_CONTAINS(md, "**À vérifier : la page https://www.aisne.gouv.fr/b ne peut plus être lue "
			   "depuis le 04/12/2025 (la page n'existe plus)");
	char *html = guide_render_html(g);
	CHECK_CONTAINS(html, "<p class=\"check\">À vérifier : un changement de la page");
	free(html);
	free(md);
	guide_free(g);
}

static void test_hostile(void)
{
	struct guide *g = sample("# <script>alert(1)</script>\n\n"
				 "*gras* _souligné_ `code` <b>x</b> &amp; $x$ @cite\n\n"
				 "[clic](javascript:alert(1)) [ok](https://a.fr/x_(y)) "
				 "[img](data:text/html,<b>)\n\n"
				 "- <img src=x onerror=alert(1)>\n\n"
				 "=====\n"
				 "---");
	struct guide_departement *d = &g->deps[0];
	free(d->offices[0].title);
	d->offices[0].title = xstrdup("<i>Préfecture</i> & \"co\"");
	char *md = guide_render_md(g);
	CHECK(!strstr(md, "<script>"));
	CHECK(!strstr(md, "javascript:"));
	CHECK(!strstr(md, "data:text"));
	CHECK_CONTAINS(md, "#### \\<script\\>alert(1)\\</script\\>");
	CHECK_CONTAINS(md, "\\*gras\\* \\_souligné\\_ \\`code\\` \\<b\\>x\\</b\\> \\&amp; \\$x\\$ \\@cite");
	CHECK_CONTAINS(md, "clic [ok](https://a.fr/x_%28y%29) img");
	CHECK_CONTAINS(md, "- \\<img src=x onerror=alert(1)\\>");
	CHECK_CONTAINS(md, "\\=====\\\n\\---");
	CHECK_CONTAINS(md, "### \\<i\\>Préfecture\\</i\\> & \"co\"");
	char *html = guide_render_html(g);
	CHECK(!strstr(html, "<script"));
	CHECK(!strstr(html, "<img"));
	CHECK(!strstr(html, "javascript:"));
	CHECK(!strstr(html, "<i>"));
	CHECK_CONTAINS(html, "<h4>&lt;script&gt;alert(1)&lt;/script&gt;</h4>");
	CHECK_CONTAINS(html, "<a href=\"https://a.fr/x_(y)\">ok</a>");
	CHECK_CONTAINS(html, "<h3>&lt;i&gt;Préfecture&lt;/i&gt; &amp; &quot;co&quot;</h3>");
	/* self-contained: no resource outside the file */
	CHECK(!strstr(html, "<link"));
	CHECK(!strstr(html, " src=\""));
	CHECK(!strstr(html, "@import"));
	CHECK_CONTAINS(html, "@page{size:A4");
	CHECK_CONTAINS(html, "<thead><tr><td>Région Hauts-de-France — Département de l&#39;Aisne (02) — "
			     "état au 06/12/2025</td></tr></thead>");
	free(html);
	free(md);
	guide_free(g);
}

static void test_grouping_headings(void)
{
	struct guide *g = guide_new(0);
	struct guide_departement *d = guide_departement(g, "Hauts-de-France", "59", "Nord");
	CHECK(guide_departement(g, "Hauts-de-France", "59", "Nord") == d);
	d->n_sous_prefectures_total = 5;
	strvec_push(&d->no_aes, "Sous-préfecture de Valenciennes");
	char *md = guide_render_md(g);
	CHECK_CONTAINS(md, "## Département du Nord (59)\n\n### Sous-préfecture de Valenciennes\n\n"
			   "Elle ne traite pas les demandes d'AES.\n");
	free(md);
	strvec_push(&d->no_aes, "Sous-préfecture de Cambrai");
	md = guide_render_md(g);
	CHECK_CONTAINS(md, "### Sous-préfectures Valenciennes et Cambrai\n\nElles ne traitent pas");
	free(md);
	guide_free(g);
}

int main(void)
{
	TEST_RUN(test_articles);
	TEST_RUN(test_names_and_methods);
	TEST_RUN(test_markdown);
	TEST_RUN(test_checks);
	TEST_RUN(test_hostile);
	TEST_RUN(test_grouping_headings);
	return test_finish();
}
