/*
 * test_report_documents.c - linked documents in the report model and the
 * three renderers: what is news, the French wording under the page's
 * office, escaping of titles and URLs that come from pages, JSON shape.
 * The JSON is left in documents.json for the validity check (json.tool).
 */
#include "common/common.h"
#include "reports/report.h"
#include "tests/common/test.h"

static struct report_page *page(struct report *r, const char *id, enum page_status st)
{
	struct report_page *p = report_add_page(r);
	p->id = xstrdup(id);
	p->office_id = xstrdup(id);
	p->office_name = xstrdup("Préfecture de Laon");
	p->region = xstrdup("Hauts-de-France");
	p->departement = xstrdup("02");
	p->departement_name = xstrdup("Aisne");
	p->url = xasprintf("https://www.aisne.gouv.fr/%s", id);
	p->status = st;
	return p;
}

static struct report_document *doc(struct report_page *p, const char *name, const char *title,
				   enum doc_status st)
{
	struct report_document *d = report_page_add_document(p);
	d->url = xasprintf("https://www.aisne.gouv.fr/docs/%s", name);
	d->title = xstrdup(title);
	d->type = xstrdup("PDF");
	d->status = st;
	return d;
}

static void build(struct report *r)
{
	report_init(r);
	r->run_id = 7;
	r->title = xstrdup("Hauts-de-France");
	r->started_at = r->finished_at = 1773280800; /* 12/03/2026 */
	struct report_page *p = page(r, "02-laon", PAGE_UNCHANGED);
	struct report_document *d = doc(p, "liste.pdf", "Liste des pièces – AES", DOC_CHANGED);
	d->change = xcalloc(1, sizeof(*d->change));
	d->change->id = 12;
	d->change->detected_at = 1773280800;
	d->change->previous_at = 1772000000;
	d->change->old_text = xstrdup("Liste des pièces\nPasseport");
	d->change->new_text = xstrdup("Liste des pièces\nPasseport\nTrois bulletins de salaire.");
	doc(p, "notice.pdf", "Notice <script>alert(1)</script> \"x\"", DOC_NEW);
	doc(p, "formulaire.pdf", "Formulaire de demande", DOC_REMOVED);
	d = doc(p, "bombe.pdf", "Bombe", DOC_FAILED);
	d->failure = PW_FAIL_TOO_LARGE;
	d->error = xstrdup("pdftotext: text larger than 4194304 bytes, stopped (after 0.4 s)");
	d->fail_count = 1;
	d->failing_since = 1773280800;
	d->listed = true;
	d = doc(p, "lent.pdf", "Lent", DOC_FAILED);
	d->failure = PW_FAIL_TIMEOUT;
	d->fail_count = 1;
	d->listed = false;  /* under the threshold: not news */
	doc(p, "stable.pdf", "Stable", DOC_UNCHANGED);
	free(p->documents[5].url);
	p->documents[5].url = xstrdup("javascript:alert(1)");
}

static void test_news_and_counts(void)
{
	struct report r;
	struct report_counts c;
	build(&r);
	report_count(&r, &c);
	CHECK_INT(c.changed, 0);
	CHECK_INT(c.doc_changed, 1);
	CHECK_INT(c.doc_new, 1);
	CHECK_INT(c.doc_removed, 1);
	CHECK_INT(c.doc_failed, 2);
	CHECK_INT(c.doc_failed_listed, 1);
	CHECK(report_has_news(&r));
	char *s = report_summary(&r);
	CHECK_STR(s, "1 page vérifiée — 0 modifiée, 0 inaccessible, 0 nouvelle ; documents liés : "
		     "1 modifié, 1 nouveau, 1 retiré, 1 inaccessible");
	free(s);
	s = report_subject(&r);
	CHECK_CONTAINS(s, "1 document modifié, 1 nouveau document, 1 document retiré, "
			  "1 document inaccessible");
	free(s);
	report_release(&r);

	/* only quiet documents: no news */
	report_init(&r);
	struct report_page *p = page(&r, "02-laon", PAGE_UNCHANGED);
	doc(p, "stable.pdf", "Stable", DOC_UNCHANGED);
	struct report_document *d = doc(p, "lent.pdf", "Lent", DOC_FAILED);
	d->failure = PW_FAIL_TIMEOUT;
	CHECK(!report_has_news(&r));
	report_release(&r);

	/* a new page's documents are its baseline, not news of their own */
	report_init(&r);
	r.run_id = 1;
	p = page(&r, "02-laon", PAGE_NEW);
	p->text = xstrdup("texte");
	doc(p, "liste.pdf", "Liste", DOC_NEW);
	report_count(&r, &c);
	CHECK_INT(c.doc_new, 0);
	char *t = report_render_text(&r);
	CHECK(!strstr(t, "Documents liés ("));
	CHECK_CONTAINS(t, "Document lié, enregistré : « Liste » (PDF)");
	free(t);
	report_release(&r);
}

static void test_text(void)
{
	struct report r;
	build(&r);
	char *t = report_render_text(&r);
	CHECK_CONTAINS(t, "\nDocuments liés (4)\n==================\n");
	CHECK_CONTAINS(t, "• Hauts-de-France › Aisne (02) › Préfecture de Laon\n");
	CHECK_CONTAINS(t, "  Document modifié : « Liste des pièces – AES » (PDF)\n");
	CHECK_CONTAINS(t, "    + {+Trois bulletins de salaire.+}");
	CHECK_CONTAINS(t, "Nouveau document lié : « Notice <script>alert(1)</script> \"x\" » (PDF)");
	CHECK_CONTAINS(t, "Document retiré de la page : « Formulaire de demande » (PDF) (son");
	CHECK_CONTAINS(t, "Document inaccessible : « Bombe » (PDF) — document trop volumineux,");
	CHECK_CONTAINS(t, "Détail technique : pdftotext: text larger than 4194304 bytes");
	CHECK(!strstr(t, "Lent"));
	CHECK(!strstr(t, "Stable"));
	free(t);
	report_release(&r);
}

static void test_html(void)
{
	struct report r;
	build(&r);
	char *h = report_render_html(&r);
	CHECK(utf8_valid(h, strlen(h)));
	CHECK(!strstr(h, "<script"));
	CHECK_CONTAINS(h, "Notice &lt;script&gt;alert(1)&lt;/script&gt; &quot;x&quot;");
	CHECK_CONTAINS(h, "<strong>Document modifié</strong> : « <a href=\"https://www.aisne.gouv.fr/docs/liste.pdf\"");
	CHECK_CONTAINS(h, "Texte du document, passages supprimés");
	/* issue 15: no wdiff marks in HTML, the insertion is the element */
	CHECK_CONTAINS(h, "text-decoration:underline;\">Trois bulletins de salaire.</ins>");
	CHECK(!strstr(h, "href=\"javascript"));
	free(h);
	report_release(&r);
}

static void test_json(void)
{
	struct report r;
	build(&r);
	char *j = report_render_json(&r);
	CHECK_CONTAINS(j, "\"documents\": {\"new\": 1, \"changed\": 1, \"removed\": 1, \"failed\": 2, "
			  "\"failed_listed\": 1}");
	CHECK_CONTAINS(j, "\"documents\": [");
	CHECK_CONTAINS(j, "{\"url\": \"https://www.aisne.gouv.fr/docs/liste.pdf\", \"title\": "
			  "\"Liste des pièces – AES\", \"type\": \"PDF\", \"status\": \"changed\"");
	CHECK_CONTAINS(j, "\"status\": \"removed\"");
	CHECK_CONTAINS(j, "\"failure\": \"too_large\"");
	CHECK_CONTAINS(j, "\"failure\": \"timeout\"");
	CHECK_CONTAINS(j, "+Trois bulletins de salaire.");
	CHECK_CONTAINS(j, "\"title\": \"Notice <script>alert(1)</script> \\\"x\\\"\"");
	CHECK(report_write_file("documents.json", j) == 0);
	free(j);
	report_release(&r);
}

/* A new page whose only fact is the link of a document it lists: the
 * link is said once, with the document, and the HTML has no empty list
 * where the facts would have been. */
static void test_new_page_facts_all_elsewhere(void)
{
	struct report r;
	report_init(&r);
	r.run_id = 1;
	struct report_page *p = page(&r, "02-laon", PAGE_NEW);
	p->text = xstrdup("texte");
	fieldset_add(&p->fields, "links", "https://www.aisne.gouv.fr/docs/liste.pdf");
	doc(p, "liste.pdf", "Liste", DOC_NEW);
	char *t = report_render_text(&r), *h = report_render_html(&r);
	CHECK_CONTAINS(t, "Document lié, enregistré : « Liste » (PDF)\n"
			  "    https://www.aisne.gouv.fr/docs/liste.pdf\n");
	CHECK(!strstr(t, "Lien :"));
	CHECK_CONTAINS(h, "Document lié, enregistré : « <a href=\"https://www.aisne.gouv.fr/docs/liste.pdf\"");
	CHECK(!strstr(h, "padding-left:20px;\">\n</ul>"));
	CHECK(!strstr(h, "<li"));
	free(t);
	free(h);
	report_release(&r);
}

int main(void)
{
	TEST_RUN(test_news_and_counts);
	TEST_RUN(test_text);
	TEST_RUN(test_html);
	TEST_RUN(test_json);
	TEST_RUN(test_new_page_facts_all_elsewhere);
	return test_finish();
}
