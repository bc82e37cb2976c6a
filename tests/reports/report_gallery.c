/*
 * report_gallery.c - a report with every kind of entry, for the eyes and
 * for the layout check in Chromium (chromium_layout.py).
 *
 * Builds one report holding a change of a formatted procedure text
 * (headings, lists, links, an address block, long addresses and words,
 * folded paragraphs), a reviewed change, a text back to an old version, a
 * moved page, a search for a gone page's new address, linked documents
 * (changed, new, removed, replaced, failing), failures (listed, an
 * acknowledged one's weekly reminder, acknowledged and silent, under the
 * threshold), a recovery, a new page and « Pour information », and writes
 * its HTML and text reports as gallery.html and gallery.txt in the
 * working directory (the build tree). Checks that every section is in
 * both.
 */
#include "common/common.h"
#include "reports/report.h"

#include "tests/common/test.h"

#define NOW 1796263200 /* 03/12/2026 02:00 UTC */

static struct report_page *page(struct report *r, const char *id, const char *office,
				enum page_status st)
{
	struct report_page *p = report_add_page(r);
	p->id = xstrdup(id);
	p->office_id = xstrdup(id);
	p->office_name = xstrdup(office);
	p->region = xstrdup("Hauts-de-France");
	p->departement = xstrdup("02");
	p->departement_name = xstrdup("Aisne");
	p->url = xasprintf("https://www.aisne.gouv.fr/Demarches-administratives/Etrangers-en-France/"
			   "Admission-exceptionnelle-au-sejour-%s", id);
	p->status = st;
	p->http_status = st == PAGE_FAILED ? 0 : 200;
	return p;
}

static struct report_change *change(struct report_page *p, int64_t id, const char *a, const char *b)
{
	struct report_change *c = xcalloc(1, sizeof(*c));
	c->id = id;
	c->detected_at = NOW;
	c->previous_at = NOW - 86400 * 40;
	c->old_text = xstrdup(a);
	c->new_text = xstrdup(b);
	p->change = c;
	p->status = PAGE_CHANGED;
	if (!p->final_url)
		p->final_url = xstrdup(p->url);
	return c;
}

static struct report_document *doc(struct report_page *p, const char *name, const char *title,
				   enum doc_status st)
{
	struct report_document *d = report_page_add_document(p);
	d->url = xasprintf("https://www.aisne.gouv.fr/content/download/48213/312845/file/%s", name);
	d->title = xstrdup(title);
	d->type = xstrdup("PDF");
	d->status = st;
	return d;
}

static const char *const intro =
	"# Admission exceptionnelle au séjour\n\n"
	"## Qui peut déposer une demande ?\n\n";

static void procedure(struct buf *b, bool v2)
{
	buf_addstr(b, intro);
	for (int i = 1; i <= 6; i++)
		buf_printf(b, "Paragraphe de présentation numéro %d, identique d'une version à l'autre, "
			   "qui explique le cadre de la demande.\n\n", i);
	buf_addstr(b, "## Comment déposer la demande ?\n\n");
	buf_addstr(b, v2 ? "La demande se fait **en ligne** sur [la plateforme démarches simplifiées]"
			   "(https://www.demarches-simplifiees.fr/commencer/admission-exceptionnelle-au-sejour-aisne-02-2026"
			   "?utm_source=prefecture&parametre_tres_long_sans_espace=abcdefghijklmnopqrstuvwxyz0123456789).\n\n"
			 : "La demande se fait **par voie postale** à l'adresse suivante :\n\n");
	buf_addstr(b, "Préfecture de l'Aisne\nBureau de l'immigration et de l'intégration\n");
	buf_addstr(b, v2 ? "12 rue Fernand Christ\n" : "2 rue Paul Doumer\n");
	buf_addstr(b, "02000 LAON\n\n");
	buf_addstr(b, "### Pièces à fournir\n\n");
	buf_addstr(b, "- une lettre de motivation précisant les motifs humanitaires ou professionnels ;\n");
	buf_addstr(b, v2 ? "- les justificatifs de présence en France depuis 3 ans au moins ;\n"
			 : "- les justificatifs de présence en France depuis 5 ans au moins ;\n");
	buf_addstr(b, "  - bulletins de salaire, avis d'imposition\n");
	buf_addstr(b, "- le formulaire [cerfa n° 15186*03](https://www.formulaires.service-public.fr/gf/cerfa_15186.do)\n");
	if (v2)
		buf_addstr(b, "- une adresse électronique valide\n");
	buf_addstr(b, "\n");
	for (int i = 1; i <= 12; i++)
		buf_printf(b, "Paragraphe de fin numéro %d, inchangé.\n\n", i);
	buf_addstr(b, v2 ? "Mot très long : anticonstitutionnellementanticonstitutionnellementanticonstitutionnellement.\n"
			 : "Dernier paragraphe.\n");
}

static void build(struct report *r)
{
	struct report_page *p;
	struct report_change *c;
	struct report_document *d;
	struct buf a = BUF_INIT, b = BUF_INIT;

	report_init(r);
	r->run_id = 412;
	r->started_at = NOW;
	r->finished_at = NOW + 400;
	r->title = xstrdup("Hauts-de-France");

	/* a change of a formatted procedure, with field deltas and another office served */
	p = page(r, "02-laon", "Préfecture de Laon", PAGE_CHANGED);
	procedure(&a, false);
	procedure(&b, true);
	struct fieldset of = FIELDSET_INIT;
	fieldset_add(&of, "method", "postal");
	fieldset_add(&of, "addresses", "Préfecture de l'Aisne, 2 rue Paul Doumer, 02000 LAON");
	fieldset_add(&p->fields, "method", "online");
	fieldset_add(&p->fields, "addresses", "Préfecture de l'Aisne, 12 rue Fernand Christ, 02000 LAON");
	fieldset_add(&p->fields, "forms", "https://www.demarches-simplifiees.fr/commencer/admission-exceptionnelle-au-sejour-aisne-02-2026");
	c = change(p, 901, buf_str(&a), buf_str(&b));
	fields_delta(&of, &p->fields, &c->deltas);
	fieldset_release(&of);
	c->evidence_at = NOW;
	c->evidence_sha256 = xstrdup("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
	strvec_push(&p->also_ids, "02-soissons");
	strvec_push(&p->also_names, "Sous-préfecture de Soissons");

	/* a reviewed change whose text is back to an old version */
	p = page(r, "02-vervins", "Sous-préfecture de Vervins", PAGE_CHANGED);
	c = change(p, 902, "Accueil sur rendez-vous le mardi.\n", "Accueil sur rendez-vous le jeudi.\n");
	c->reverted_to = NOW - 86400 * 300;
	c->state = xstrdup("reviewed");
	c->reviewed_by = xstrdup("claire");
	c->reviewed_at = NOW + 3600;
	c->note = xstrdup("guide mis à jour");

	/* a new official address (a permanent redirect to the text) */
	p = page(r, "02-chateau-thierry", "Sous-préfecture de Château-Thierry", PAGE_UNCHANGED);
	p->url_moved = true;
	p->final_url = xstrdup("https://www.aisne.gouv.fr/Actions-de-l-Etat/Immigration-et-integration/"
			       "Sejour-des-etrangers/Admission-exceptionnelle-au-sejour-AES-Chateau-Thierry");
	p->watchlist_file = xstrdup("watchlist/hauts-de-france.yaml");
	p->watchlist_line = 42;

	/* a gone page and the search for where it is now */
	p = page(r, "59-lille", "Préfecture de Lille", PAGE_FAILED);
	p->failure = PW_FAIL_NOT_FOUND;
	p->http_status = 404;
	p->error = xstrdup("HTTP 404 Not Found");
	p->failing_since = NOW;
	p->fail_count = 1;
	p->listed = true;
	p->relocation = xcalloc(1, sizeof(*p->relocation));
	p->relocation->v = xcalloc(2, sizeof(*p->relocation->v));
	p->relocation->n = 2;
	p->relocation->v[0].url = xstrdup("https://www.nord.gouv.fr/Demarches/Etrangers/Admission-exceptionnelle-au-sejour-2026");
	p->relocation->v[0].title = xstrdup("Admission exceptionnelle au séjour");
	p->relocation->v[0].score = 0.93;
	p->relocation->v[1].url = xstrdup("https://www.nord.gouv.fr/Demarches/Etrangers/Titres-de-sejour");
	p->relocation->v[1].score = 0.41;
	p->relocation->found = true;
	p->relocation->threshold = 0.8;
	strvec_push(&p->relocation->searched, "plan du site : 1 204 adresses");
	strvec_push(&p->relocation->problems, "sitemap 'https://www.nord.gouv.fr/sitemap.xml': too large");

	/* linked documents: changed, new, removed, replaced, failing */
	p = page(r, "02-saint-quentin", "Sous-préfecture de Saint-Quentin", PAGE_UNCHANGED);
	d = doc(p, "liste-des-pieces-admission-exceptionnelle-au-sejour-2026.pdf", "Liste des pièces – AES", DOC_CHANGED);
	d->change = xcalloc(1, sizeof(*d->change));
	d->change->id = 903;
	d->change->detected_at = NOW;
	d->change->old_text = xstrdup("Liste des pièces\n\n- passeport\n- justificatif de domicile\n");
	d->change->new_text = xstrdup("Liste des pièces\n\n- passeport\n- justificatif de domicile de moins de 3 mois\n"
				      "- trois bulletins de salaire\n");
	doc(p, "notice.pdf", "Notice explicative", DOC_NEW);
	doc(p, "formulaire-2019.pdf", "Formulaire de demande (2019)", DOC_REMOVED);
	d = doc(p, "formulaire-2026.pdf", "Formulaire de demande", DOC_REPLACED);
	d->replaced_url = xstrdup("https://www.aisne.gouv.fr/content/download/1/2/file/formulaire-2025.pdf");
	d->replaced_title = xstrdup("Formulaire de demande");
	d->change = xcalloc(1, sizeof(*d->change));
	d->change->id = 904;
	d->change->detected_at = NOW;
	d->change->old_text = xstrdup("Formulaire 2025\n\nNom, prénom\n");
	d->change->new_text = xstrdup("Formulaire 2026\n\nNom, prénom, adresse électronique\n");
	d = doc(p, "enorme.pdf", "Guide complet", DOC_FAILED);
	d->failure = PW_FAIL_TOO_LARGE;
	d->error = xstrdup("pdftotext: text larger than 4194304 bytes, stopped");
	d->failing_since = NOW - 86400 * 3;
	d->fail_count = 3;
	d->listed = true;

	/* failures: listed, an acknowledged one's weekly reminder, acknowledged
	 * and silent, one under the threshold */
	p = page(r, "60-beauvais", "Préfecture de Beauvais", PAGE_FAILED);
	p->failure = PW_FAIL_HTTP_ERROR;
	p->http_status = 503;
	p->error = xstrdup("HTTP 503 Service Unavailable");
	p->failing_since = NOW - 86400 * 4;
	p->fail_count = 4;
	p->listed = true;
	p = page(r, "60-compiegne", "Sous-préfecture de Compiègne", PAGE_FAILED);
	p->failure = PW_FAIL_DNS;
	p->error = xstrdup("Could not resolve host: www.oise.gouv.fr");
	p->failing_since = NOW - 86400 * 30;
	p->fail_count = 30;
	p->listed = true;
	p->acknowledged = true;
	p->ack_reminder = true;
	p = page(r, "60-senlis", "Sous-préfecture de Senlis", PAGE_FAILED);
	p->failure = PW_FAIL_TIMEOUT;
	p->failing_since = NOW - 86400 * 10;
	p->fail_count = 10;
	p->acknowledged = true;
	p = page(r, "60-clermont", "Sous-préfecture de Clermont", PAGE_FAILED);
	p->failure = PW_FAIL_TIMEOUT;
	p->fail_count = 1;

	/* a recovery */
	p = page(r, "80-amiens", "Préfecture d'Amiens", PAGE_UNCHANGED);
	p->recovered = true;
	p->was_failing_since = NOW - 86400 * 6;

	/* a new page */
	p = page(r, "80-abbeville", "Sous-préfecture d'Abbeville", PAGE_NEW);
	p->final_url = xstrdup(p->url);
	p->text = xstrdup("## Accueil des étrangers\n\nSur rendez-vous uniquement.\n");
	fieldset_add(&p->fields, "method", "appointment");
	fieldset_add(&p->fields, "phones", "03 22 97 80 80");
	fieldset_add(&p->fields, "emails", "sp-abbeville-etrangers@somme.gouv.fr");

	/* « Pour information » */
	p = page(r, "80-peronne", "Sous-préfecture de Péronne", PAGE_UNCHANGED);
	p->republished = true;
	p->page_updated = xstrdup("2026-12-01");
	p = page(r, "80-montdidier", "Sous-préfecture de Montdidier", PAGE_UNCHANGED);
	p->rules_changed = true;

	buf_release(&a);
	buf_release(&b);
}

/* Whether the declarations of a style attribute (st, n bytes) set the
 * property name. */
static bool style_sets(const char *st, size_t n, const char *name)
{
	size_t k = strlen(name);
	for (size_t i = 0; i < n;) {
		while (i < n && st[i] == ' ')
			i++;
		if (n - i > k && !strncmp(st + i, name, k) && st[i + k] == ':')
			return true;
		while (i < n && st[i] != ';')
			i++;
		i++;
	}
	return false;
}

/* Dark modes that recolour a message keep it readable when no element
 * sets a text colour without its background or the reverse: count those
 * that do. */
static int unpaired_colours(const char *h)
{
	int bad = 0;
	for (const char *s = h; (s = strstr(s, "style=\"")); ) {
		s += 7;
		size_t n = strcspn(s, "\"");
		if (style_sets(s, n, "color") != style_sets(s, n, "background")) {
			fprintf(stderr, "  colour without its background (or the reverse): %.*s\n", (int)n, s);
			bad++;
		}
		s += n;
	}
	return bad;
}

static void test_gallery(void)
{
	static const char *const sections[] = {
		"Modifications (2)", "Adresses à mettre à jour (1)", "Nouvelles adresses probables (1)",
		"Documents liés (", "Pages inaccessibles (", "De nouveau accessibles (1)",
		"Nouvelles pages (1)", "Pour information (2)",
	};
	struct report r;
	build(&r);
	char *h = report_render_html(&r), *t = report_render_text(&r);
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		CHECK_CONTAINS(h, sections[i]);
		CHECK_CONTAINS(t, sections[i]);
	}
	CHECK_CONTAINS(h, "paragraphes inchangés");
	CHECK_CONTAINS(h, "<address ");
	CHECK_CONTAINS(h, "rappel hebdomadaire");
	CHECK_CONTAINS(h, "Document remplacé");
	CHECK(!strstr(h, "{+") && !strstr(h, "[-"));
	CHECK_INT(unpaired_colours(h), 0);
	CHECK_CONTAINS(h, "<meta name=\"color-scheme\" content=\"light\">");
	CHECK(!strstr(h, "<style") && !strstr(h, "<script") && !strstr(h, "<img") && !strstr(h, "url("));
	/* the text part stands alone: the same entries, its own marks */
	CHECK_CONTAINS(t, "{+");
	CHECK_CONTAINS(t, "https://www.aisne.gouv.fr/content/download/48213/312845/file/notice.pdf");
	CHECK(report_write_file("gallery.html", h) == 0);
	CHECK(report_write_file("gallery.txt", t) == 0);
	free(h);
	free(t);
	report_release(&r);
}

int main(int argc, char **argv)
{
	test_select(argc, argv);
	TEST_RUN(test_gallery);
	return test_finish();
}
