/*
 * test_report.c - the report model, the three renderers and their goldens.
 *
 * A fixed scenario (a nightly run over the Hauts-de-France offices: an
 * address change, a method change postal -> online, a page back to an
 * earlier text, a moved page, a 404, a new page, an unchanged page and a
 * republished one) is rendered as text, HTML and JSON and compared byte for
 * byte with tests/reports/golden/. REGEN=1 rewrites the goldens (read them
 * before committing). The rendered files are also left in the build
 * directory for the JSON and Chromium checks.
 *
 * The hostile test feeds markup, event handlers and javascript: URLs as
 * page content and parses the HTML output with libxml2 to prove none of it
 * became live.
 */
#include "common/common.h"
#include "reports/report.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "tests/common/test.h"

static time_t at(const char *iso)
{
	time_t t = pw_time_parse(iso);
	if (t < 0)
		abort();
	return t;
}

static struct report_page *page(struct report *r, const char *id, const char *dep,
				const char *dep_name, const char *office, const char *url)
{
	struct report_page *p = report_add_page(r);
	p->id = xstrdup(id);
	p->office_id = xstrdup(id);
	p->office_name = xstrdup(office);
	p->region = xstrdup("Hauts-de-France");
	p->departement = xstrdup(dep);
	p->departement_name = xstrdup(dep_name);
	p->url = xstrdup(url);
	return p;
}

static struct report_change *change(struct report_page *p, int64_t id, const char *old_text,
				    const char *new_text, const struct fieldset *old_f)
{
	struct report_change *c = xcalloc(1, sizeof(*c));
	c->id = id;
	c->detected_at = at("2026-11-27T02:04:12Z");
	c->old_text = xstrdup(old_text);
	c->new_text = xstrdup(new_text);
	fields_delta(old_f, &p->fields, &c->deltas);
	p->status = PAGE_CHANGED;
	p->text = xstrdup(new_text);
	p->http_status = 200;
	if (!p->final_url)
		p->final_url = xstrdup(p->url);
	p->change = c;
	return c;
}

static const char laon_old[] =
	"Admission exceptionnelle au séjour\n"
	"Dernière mise à jour : 02/02/2023\n"
	"La demande d'admission exceptionnelle au séjour se fait par voie postale.\n"
	"Adressez votre dossier complet à :\n"
	"Préfecture de l'Aisne – Bureau de l'immigration et de l'intégration\n"
	"2 rue Paul Doumer\n"
	"02000 Laon\n"
	"Tout dossier de demande doit comporter :\n"
	"– une lettre précisant les motifs humanitaires ou professionnels de votre demande ;\n"
	"– les justificatifs de votre présence en France depuis 5 ans au moins ;\n"
	"– un justificatif de domicile de moins de 3 mois.\n"
	"Aucun dossier ne sera accepté au guichet.\n"
	"Vous recevrez un accusé de réception par courrier.\n";

static const char laon_new[] =
	"Admission exceptionnelle au séjour\n"
	"Aucun dossier ne sera accepté au guichet.\n"
	"Dernière mise à jour : 14/11/2026\n"
	"La demande d'admission exceptionnelle au séjour se fait par voie postale.\n"
	"Adressez votre dossier complet à :\n"
	"Préfecture de l'Aisne – Bureau de l'immigration et de l'intégration\n"
	"Cité administrative, 12 rue Fernand Christ\n"
	"02000 Laon\n"
	"Tout dossier de demande doit comporter :\n"
	"– une lettre précisant les motifs humanitaires ou professionnels de votre demande ;\n"
	"– les justificatifs de votre présence en France depuis 5 ans au moins ;\n"
	"– un justificatif de domicile de moins de 3 mois.\n"
	"Vous recevrez un accusé de réception par courrier.\n";

static const char beauvais_old[] =
	"Régularisation : admission exceptionnelle au séjour\n"
	"Les demandes sont déposées par voie postale, dossier complet uniquement, à l'adresse suivante :\n"
	"Préfecture de l'Oise, Service de l'immigration, 1 place de la Préfecture, 60000 Beauvais\n"
	"Vous devez justifier d'une résidence habituelle en France depuis 5 ans.\n"
	"Pour toute question : pref-sejour@oise.gouv.fr\n";

static const char beauvais_new[] =
	"Régularisation : admission exceptionnelle au séjour\n"
	"Les demandes sont déposées en ligne, sur le site de l'administration numérique des étrangers en France (ANEF) :\n"
	"https://administration-etrangers-en-france.interieur.gouv.fr/particuliers/#/\n"
	"Vous devez justifier d'une résidence habituelle en France depuis 3 ans.\n"
	"Pour toute question : pref-sejour@oise.gouv.fr\n";

static const char arras_old[] =
	"Admission exceptionnelle au séjour\n"
	"Prise de rendez-vous uniquement par courriel : pref-aes@pas-de-calais.gouv.fr\n"
	"Les rendez-vous sont donnés dans un délai de deux mois.\n";

static const char arras_new[] =
	"Admission exceptionnelle au séjour\n"
	"Prise de rendez-vous uniquement par courriel : pref-aes@pas-de-calais.gouv.fr\n"
	"Les rendez-vous sont donnés dans un délai de trois mois.\n";

static void build_scenario(struct report *r)
{
	struct fieldset of = FIELDSET_INIT;
	struct report_page *p;
	struct report_change *c;

	report_init(r);
	r->run_id = 3;
	r->started_at = at("2026-11-27T02:00:00Z");
	r->finished_at = at("2026-11-27T02:06:41Z");
	r->title = xstrdup("Hauts-de-France");

	/* 1. address change */
	p = page(r, "02-laon", "02", "Aisne", "Préfecture de Laon",
		 "https://www.aisne.gouv.fr/Demarches/Etrangers/Admission-exceptionnelle-au-sejour");
	fieldset_add(&of, "method", "postal");
	fieldset_add(&of, "addresses", "2 rue Paul Doumer, 02000 Laon");
	fieldset_add(&of, "page_updated", "2023-02-02");
	fieldset_add(&p->fields, "method", "postal");
	fieldset_add(&p->fields, "addresses", "Cité administrative, 12 rue Fernand Christ, 02000 Laon");
	fieldset_add(&p->fields, "page_updated", "2026-11-14");
	p->page_updated = xstrdup("2026-11-14");
	c = change(p, 12, laon_old, laon_new, &of);
	c->previous_at = at("2026-03-12T02:03:00Z");
	fieldset_release(&of);

	/* 2. method change postal -> online */
	p = page(r, "60-beauvais", "60", "Oise", "Préfecture de Beauvais",
		 "https://www.oise.gouv.fr/Demarches/Etrangers/AES");
	fieldset_add(&of, "method", "postal");
	fieldset_add(&of, "addresses", "Préfecture de l'Oise, Service de l'immigration, 1 place de la Préfecture, 60000 Beauvais");
	fieldset_add(&of, "emails", "pref-sejour@oise.gouv.fr");
	fieldset_add(&p->fields, "method", "online");
	fieldset_add(&p->fields, "emails", "pref-sejour@oise.gouv.fr");
	fieldset_add(&p->fields, "forms", "https://administration-etrangers-en-france.interieur.gouv.fr/particuliers/#/");
	c = change(p, 13, beauvais_old, beauvais_new, &of);
	c->previous_at = at("2025-09-30T02:01:00Z");
	fieldset_release(&of);

	/* 3. back to an earlier text */
	p = page(r, "62-arras", "62", "Pas-de-Calais", "Préfecture d'Arras",
		 "https://www.pas-de-calais.gouv.fr/Demarches/Etrangers/Admission-exceptionnelle");
	fieldset_add(&of, "method", "appointment");
	fieldset_add(&of, "method", "email");
	fieldset_add(&p->fields, "method", "appointment");
	fieldset_add(&p->fields, "method", "email");
	c = change(p, 14, arras_old, arras_new, &of);
	c->previous_at = at("2026-10-02T02:02:00Z");
	c->reverted_to = at("2026-03-12T02:02:30Z");
	fieldset_release(&of);

	/* 4. moved */
	p = page(r, "59-lille", "59", "Nord", "Préfecture de Lille",
		 "https://www.nord.gouv.fr/Demarches/Etrangers/Admission-exceptionnelle-au-sejour");
	p->status = PAGE_FAILED;
	p->failure = PW_FAIL_MOVED;
	p->http_status = 301;
	p->final_url = xstrdup("https://www.nord.gouv.fr/Actualites/Accueil-des-etrangers");
	p->error = xstrdup("redirected to a page without the procedure text");
	p->failing_since = at("2026-11-24T02:01:00Z");
	p->fail_count = 4;
	p->listed = true;

	/* 5. 404 */
	p = page(r, "80-amiens", "80", "Somme", "Préfecture d'Amiens",
		 "https://www.somme.gouv.fr/Demarches/Etrangers/Regularisation");
	p->status = PAGE_FAILED;
	p->failure = PW_FAIL_NOT_FOUND;
	p->http_status = 404;
	p->error = xstrdup("HTTP 404 Not Found");
	p->failing_since = at("2026-11-25T02:05:00Z");
	p->fail_count = 3;
	p->listed = true;

	/* 6. new page */
	p = page(r, "02-soissons", "02", "Aisne", "Sous-préfecture de Soissons",
		 "https://www.aisne.gouv.fr/Demarches/Etrangers/Sous-prefecture-de-Soissons");
	p->status = PAGE_NEW;
	p->http_status = 200;
	p->final_url = xstrdup(p->url);
	p->text = xstrdup("Accueil des étrangers à Soissons\nSur rendez-vous uniquement, au 03 23 76 39 39.\n");
	fieldset_add(&p->fields, "method", "appointment");
	fieldset_add(&p->fields, "phones", "03 23 76 39 39");

	/* 7. unchanged */
	p = page(r, "02-saint-quentin", "02", "Aisne", "Sous-préfecture de Saint-Quentin",
		 "https://www.aisne.gouv.fr/Demarches/Etrangers/Sous-prefecture-de-Saint-Quentin");
	p->status = PAGE_UNCHANGED;
	p->http_status = 200;

	/* 8. republished, text unchanged */
	p = page(r, "62-boulogne", "62", "Pas-de-Calais", "Sous-préfecture de Boulogne-sur-Mer",
		 "https://www.pas-de-calais.gouv.fr/Demarches/Etrangers/Boulogne");
	p->status = PAGE_UNCHANGED;
	p->http_status = 200;
	p->republished = true;
	p->page_updated = xstrdup("2026-11-26");
}

static bool regen(void)
{
	const char *e = getenv("REGEN");
	return e && !strcmp(e, "1");
}

static void write_file(const char *path, const char *s)
{
	if (report_write_file(path, s) < 0)
		fprintf(stderr, "cannot write '%s': %s\n", path, strerror(errno));
}

/* Compares out with the golden file (or rewrites it), and leaves a copy in
 * the working directory (the build tree) for the other ctest checks. */
static void check_golden(const char *name, const char *out)
{
	char *rel = xasprintf("reports/golden/%s", name);
	char *path = test_path(rel);
	write_file(name, out);
	if (regen()) {
		write_file(path, out);
		fprintf(stderr, "  rewrote %s\n", path);
	} else if (access(path, R_OK)) {
		fprintf(stderr, "  missing golden %s (run with REGEN=1)\n", path);
		CHECK(false);
	} else {
		char *want = test_read_file(rel, NULL);
		if (strcmp(want, out)) {
			fprintf(stderr, "  %s differs from the golden; see %s in the build dir "
				"(diff -u %s %s)\n", name, name, path, name);
			CHECK(false);
		}
		free(want);
	}
	free(path);
	free(rel);
}

static size_t columns(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	return c;
}

static void test_summary_and_counts(void)
{
	struct report r;
	struct report_counts c;
	build_scenario(&r);
	report_count(&r, &c);
	CHECK_INT(c.pages, 8);
	CHECK_INT(c.changed, 3);
	CHECK_INT(c.failed, 2);
	CHECK_INT(c.failed_listed, 2);
	CHECK_INT(c.new_pages, 1);
	CHECK_INT(c.unchanged, 2);
	CHECK(report_has_news(&r));
	char *s = report_summary(&r);
	CHECK_STR(s, "8 pages vérifiées — 3 modifiées, 2 inaccessibles, 1 nouvelle");
	free(s);
	s = report_subject(&r);
	CHECK_STR(s, "[prefwatch] Hauts-de-France : 3 modalités modifiées, 2 pages inaccessibles, 1 nouvelle page");
	free(s);
	report_release(&r);
	report_release(&r); /* released twice: a no-op */

	/* singular for 0 and 1, and no news in a quiet run */
	report_init(&r);
	r.run_id = 4;
	struct report_page *p = page(&r, "x", "02", "Aisne", "X", "https://x.gouv.fr/");
	p->status = PAGE_FAILED;
	p->failure = PW_FAIL_TIMEOUT;
	s = report_summary(&r);
	CHECK_STR(s, "1 page vérifiée — 0 modifiée, 1 inaccessible, 0 nouvelle");
	free(s);
	CHECK(!report_has_news(&r));        /* under the threshold */
	r.title = xstrdup("Aisne");
	s = report_subject(&r);
	CHECK_STR(s, "[prefwatch] Aisne : rien à signaler");
	free(s);
	p->listed = true;
	CHECK(report_has_news(&r));
	s = report_subject(&r);
	CHECK_STR(s, "[prefwatch] Aisne : 1 page inaccessible");
	free(s);
	p->status = PAGE_UNCHANGED;
	p->rules_changed = true;
	CHECK(!report_has_news(&r));
	report_release(&r);

	/* reports built from stored changes count changes */
	report_init(&r);
	s = report_summary(&r);
	CHECK_STR(s, "0 modification — 0 inaccessible, 0 nouvelle");
	free(s);
	CHECK_STR(report_page_status_name(PAGE_CHANGED), "changed");
	CHECK_STR(report_page_status_name(PAGE_NEW), "new");
	report_release(&r);
}

static void test_golden_text(void)
{
	struct report r;
	build_scenario(&r);
	char *t = report_render_text(&r);
	check_golden("report.txt", t);

	/* readable in 80 columns: only an unbreakable word (a URL) may overflow */
	for (const char *l = t; *l;) {
		const char *eol = strchr(l, '\n');
		size_t n = eol ? (size_t)(eol - l) : strlen(l);
		if (columns(l, n) > 80) {
			const char *sp = l;
			while (*sp == ' ')
				sp++;
			bool one_word = !memchr(sp, ' ', n - (size_t)(sp - l)) ||
					(sp[0] != '\0' && !memchr(sp + 2, ' ', n - (size_t)(sp + 2 - l)));
			if (!one_word)
				fprintf(stderr, "  line over 80 columns: %.*s\n", (int)n, l);
			CHECK(one_word);
		}
		l = eol ? eol + 1 : l + n;
	}
	CHECK(utf8_valid(t, strlen(t)));
	CHECK(!strstr(t, " \n"));          /* no trailing spaces */
	CHECK_CONTAINS(t, "8 pages vérifiées — 3 modifiées, 2 inaccessibles, 1 nouvelle");
	CHECK_CONTAINS(t, "Hauts-de-France › Aisne (02) › Préfecture de Laon");
	CHECK_CONTAINS(t, "Mode de dépôt : voie postale → en ligne");
	CHECK_CONTAINS(t, "[-5-]{+3+} ans.");
	CHECK_CONTAINS(t, "[-02/02/2023-]{+14/11/2026+}");
	CHECK_CONTAINS(t, "(déplacé)");
	CHECK_CONTAINS(t, "revenu à la version du 12/03/2026");
	/* issue 21: the editor's sentence, the status code under « Détail technique » */
	CHECK_CONTAINS(t, "Page déplacée (l'adresse mène désormais à une page sans la procédure), depuis\n"
		       "  le 24/11/2026 (4 échecs de suite).");
	CHECK_CONTAINS(t, "Détail technique : HTTP 301 — redirected to a page without the procedure text\n");
	CHECK_CONTAINS(t, "Page introuvable (le site dit qu'elle n'existe pas ou plus), depuis le\n"
		       "  25/11/2026 (3 échecs de suite).");
	CHECK_CONTAINS(t, "Détail technique : HTTP 404 Not Found\n");
	CHECK(!strstr(t, "(HTTP") && !strstr(t, "(404)"));
	CHECK_CONTAINS(t, "page republiée le 26/11/2026, texte inchangé");
	CHECK(!strstr(t, "Saint-Quentin"));    /* unchanged pages are not listed */
	free(t);
	report_release(&r);
}

/* Walks the parsed HTML: counts script-like elements, on* attributes and
 * links that are not http(s). */
static void scan_html(xmlNode *n, int *bad, int *links)
{
	for (; n; n = n->next) {
		if (n->type == XML_ELEMENT_NODE) {
			const char *name = (const char *)n->name;
			if (!strcasecmp(name, "script") || !strcasecmp(name, "img") ||
			    !strcasecmp(name, "iframe") || !strcasecmp(name, "object") ||
			    !strcasecmp(name, "embed") || !strcasecmp(name, "link") ||
			    !strcasecmp(name, "svg") || !strcasecmp(name, "form")) {
				fprintf(stderr, "  live element <%s>\n", name);
				(*bad)++;
			}
			for (xmlAttr *a = n->properties; a; a = a->next) {
				const char *an = (const char *)a->name;
				xmlChar *v = xmlNodeListGetString(n->doc, a->children, 1);
				if (!strncasecmp(an, "on", 2)) {
					fprintf(stderr, "  event attribute %s\n", an);
					(*bad)++;
				}
				if (!strcasecmp(an, "href") || !strcasecmp(an, "src")) {
					(*links)++;
					if (!v || (strncmp((char *)v, "https://", 8) && strncmp((char *)v, "http://", 7))) {
						fprintf(stderr, "  link to %s\n", v ? (char *)v : "(null)");
						(*bad)++;
					}
				}
				if (!strcasecmp(an, "style") && v && strstr((char *)v, "url(")) {
					fprintf(stderr, "  external resource in style\n");
					(*bad)++;
				}
				xmlFree(v);
			}
		}
		scan_html(n->children, bad, links);
	}
}

static void check_html_inert(const char *html, int *links)
{
	int bad = 0;
	*links = 0;
	htmlDocPtr doc = htmlReadMemory(html, (int)strlen(html), "report.html", "UTF-8",
					HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
	CHECK(doc != NULL);
	if (doc)
		scan_html(xmlDocGetRootElement(doc), &bad, links);
	CHECK_INT(bad, 0);
	xmlFreeDoc(doc);
}

static void test_golden_html(void)
{
	struct report r;
	int links;
	build_scenario(&r);
	char *h = report_render_html(&r);
	check_golden("report.html", h);
	check_html_inert(h, &links);
	CHECK(links >= 8);
	CHECK(utf8_valid(h, strlen(h)));
	CHECK_CONTAINS(h, "<del");
	CHECK_CONTAINS(h, "<ins");
	/* issue 15: the edit marked by the elements alone, no wdiff marks */
	CHECK_CONTAINS(h, "line-through;\">5</del><ins style=\"background:#d9f5dd;color:#0b5a1e;"
		       "text-decoration:underline;\">3</ins> ans.");
	CHECK(!strstr(h, "[-") && !strstr(h, "-]") && !strstr(h, "{+") && !strstr(h, "+}"));
	/* the address block, its lines kept, and the changed line in it */
	CHECK_CONTAINS(h, "<address");
	CHECK_CONTAINS(h, "Bureau de l&#39;immigration et de l&#39;intégration<br>\n<del");
	CHECK_CONTAINS(h, "</ins><br>\n02000 Laon</address>");
	/* one column of 640 px at most, that no content widens */
	CHECK_CONTAINS(h, "max-width:640px;table-layout:fixed;");
	CHECK_CONTAINS(h, "<meta name=\"color-scheme\" content=\"light\">");
	CHECK_CONTAINS(h, "version précédente du 12/03/2026");
	CHECK(!strstr(h, "<script"));
	CHECK(!strstr(h, "<style"));       /* inline CSS only */
	CHECK(!strstr(h, "src="));
	free(h);
	report_release(&r);
}

static void test_golden_json(void)
{
	struct report r;
	build_scenario(&r);
	char *j = report_render_json(&r);
	check_golden("report.json", j);
	CHECK_CONTAINS(j, "\"format\": \"prefwatch-report/1\"");
	CHECK_CONTAINS(j, "\"changed\": 3, \"failed\": 2");
	CHECK_CONTAINS(j, "{\"op\": \"delete\", \"text\": \"5\"}, {\"op\": \"insert\", \"text\": \"3\"}");
	CHECK_CONTAINS(j, "\"reverted_to\": \"2026-03-12T02:02:30Z\"");
	CHECK_CONTAINS(j, "\"reverted_to\": null");
	CHECK_CONTAINS(j, "{\"name\": \"method\", \"removed\": [\"postal\"], \"added\": [\"online\"]}");
	CHECK_CONTAINS(j, "\"failure\": \"moved\"");
	CHECK_CONTAINS(j, "\"failure\": \"not_found\"");
	CHECK_CONTAINS(j, "@@ -1,13 +1,13 @@");
	free(j);
	report_release(&r);
}

/* A new page's text is spooled out of the heap and comes back whole in the
 * JSON, whether rendered in memory or streamed to a file. */
static void test_json_streamed_with_spooled_texts(void)
{
	struct report r;
	char *saved_tmpdir = getenv("TMPDIR") ? xstrdup(getenv("TMPDIR")) : NULL;
	CHECK_INT(setenv("TMPDIR", test_tmpdir(), 1), 0);
	build_scenario(&r);
	struct buf longtext = BUF_INIT;
	for (int i = 0; i < 400; i++)
		buf_printf(&longtext, "Ligne %d : dépôt « en ligne » — pièce n° %d\n", i, i);
	struct report_page *big = report_add_page(&r);
	big->id = xstrdup("80-amiens-nouvelle");
	big->url = xstrdup("https://www.somme.gouv.fr/nouvelle");
	big->status = PAGE_NEW;
	report_page_keep_text(&r, big, buf_str(&longtext));
	struct report_page *small = report_add_page(&r);
	small->id = xstrdup("80-abbeville-nouvelle");
	small->url = xstrdup("https://www.somme.gouv.fr/courte");
	small->status = PAGE_NEW;
	report_page_keep_text(&r, small, "Texte court.");

	/* the long one left the heap, the short one stayed */
	CHECK(big->text == NULL);
	CHECK_INT(big->spool_len, longtext.len);
	CHECK_STR(small->text, "Texte court.");
	char *back = NULL;
	CHECK_INT(report_page_text(&r, big, &back), 0);
	CHECK_STR(back, buf_str(&longtext));
	free(back);
	/* the spool is unlinked, and no child inherits it (where it lives:
	 * test_spool_in_tmpdir) */
	CHECK(r.has_spool);
	CHECK((fcntl(r.spool_fd, F_GETFD) & FD_CLOEXEC) != 0);
	struct stat sst;
	CHECK_INT(fstat(r.spool_fd, &sst), 0);
	CHECK_INT(sst.st_nlink, 0);

	char *mem = report_render_json(&r);
	char *path = xasprintf("%s/report.json", test_tmpdir());
	CHECK_INT(report_write_json(&r, path), 0);
	char *file = test_read_file(path, NULL);
	CHECK_STR(file, mem);
	CHECK_CONTAINS(file, "Ligne 399 : dépôt « en ligne » — pièce n° 399\\n");
	CHECK_CONTAINS(file, "\"text\": \"Texte court.\"");
	struct stat st;
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0644);
	free(file);
	free(mem);
	free(path);

	path = xasprintf("%s/no/such/dir/report.json", test_tmpdir());
	errno = 0;
	CHECK_INT(report_write_json(&r, path), -1);
	CHECK_INT(errno, ENOENT);
	free(path);

	/* a spool cut short is an error, never a silently shorter text */
	CHECK_INT(ftruncate(r.spool_fd, 10), 0);
	back = NULL;
	errno = 0;
	CHECK_INT(report_page_text(&r, big, &back), -1);
	CHECK(back == NULL);
	CHECK_INT(errno, EIO);
	path = xasprintf("%s/cut.json", test_tmpdir());
	CHECK_INT(report_write_json(&r, path), -1);
	CHECK(access(path, F_OK) != 0);     /* nothing half-written left behind */
	free(path);
	if (saved_tmpdir)
		setenv("TMPDIR", saved_tmpdir, 1);
	else
		unsetenv("TMPDIR");
	free(saved_tmpdir);
	buf_release(&longtext);
	report_release(&r);
}

/* A site that re-stamps many pages gets one grouped entry under "Pour
 * information"; a few republished pages keep a line each. */
static void test_republished_grouped(void)
{
	for (int many = 0; many < 2; many++) {
		struct report r;
		report_init(&r);
		r.run_id = 4;
		size_t n = many ? (size_t)7 : 3;
		for (size_t i = 0; i < n; i++) {
			char *id = xasprintf("59-bureau-%zu", i), *name = xasprintf("Bureau %zu", i);
			struct report_page *p = page(&r, id, "59", "Nord", name, "https://www.nord.gouv.fr/p");
			p->status = PAGE_UNCHANGED;
			p->republished = true;
			p->page_updated = xstrdup("2026-11-20");
			free(id);
			free(name);
		}
		struct report_page *p = page(&r, "62-arras", "62", "Pas-de-Calais", "Préfecture d'Arras",
					     "https://www.pas-de-calais.gouv.fr/p");
		p->status = PAGE_UNCHANGED;
		p->rules_changed = true;
		char *t = report_render_text(&r), *h = report_render_html(&r);
		CHECK_CONTAINS(t, "Règles d'extraction modifiées pour");
		CHECK_CONTAINS(h, "Règles d&#39;extraction modifiées pour");
		if (many) {
			char *line = xasprintf("%zu pages republiées (date de mise à jour changée), texte", n);
			CHECK_CONTAINS(t, line);
			CHECK_CONTAINS(h, line);
			free(line);
			CHECK(strstr(t, "page republiée le") == NULL);
			CHECK(strstr(h, "page republiée le") == NULL);
			CHECK_CONTAINS(t, "Bureau 0");
			CHECK_CONTAINS(t, "Bureau 6");
		} else {
			CHECK(strstr(t, "pages republiées") == NULL);
			size_t lines = 0;
			for (const char *q = t; (q = strstr(q, "page republiée le 20/11/2026")); q++)
				lines++;
			CHECK_INT(lines, 3);
		}
		free(t);
		free(h);
		report_release(&r);
	}
}

/* A page that serves other offices says so under its heading, in every
 * format. */
/* Pages stale against the law: their own section, its count, the
 * sentences (dated, undated, « au » before a masculine title, the weekly
 * reminder), the subject and summary, news on a night without any other,
 * and the JSON's stale_law and run.stale; HTML escapes page-derived text. */
static void test_stale_law(void)
{
	struct report r;
	report_init(&r);
	r.run_id = 3;
	r.started_at = r.finished_at = at("2026-12-03T02:00:00Z");
	struct report_page *oise = page(&r, "60-beauvais", "60", "Oise", "Préfecture de l'Oise",
					"https://www.oise.gouv.fr/aes");
	struct report_page *quiet = page(&r, "02-laon", "02", "Aisne", "Préfecture de l'Aisne",
					 "https://www.aisne.gouv.fr/aes");
	struct report_page *bob = page(&r, "93-bobigny", "93", "Seine-Saint-Denis",
				       "Préfecture <de> Bobigny", "https://www.seine-saint-denis.gouv.fr/aes");
	oise->status = quiet->status = bob->status = PAGE_UNCHANGED;
	CHECK(!report_has_news(&r));
	struct report_stale *f = report_page_add_stale(oise);
	f->event = xstrdup("2025-01-23 la circulaire du 23/01/2025");
	f->law_date = xstrdup("2025-01-23");
	f->title = xstrdup("la circulaire du 23/01/2025");
	f->evidence = xstrdup("5 ans de présence » et « 18 mois de vie commune");
	f->page_updated = xstrdup("2023-03-02");
	f->flagged_at = at("2026-11-26T02:00:00Z");
	f->reminder = true;
	f = report_page_add_stale(bob);
	f->event = xstrdup("2025-01-23 la circulaire du 23/01/2025");
	f->title = xstrdup("le décret <du> 1er mars");
	f->evidence = xstrdup("circulaire Valls");
	f->undated = true;
	CHECK(report_has_news(&r));
	char *t = report_render_text(&r), *h = report_render_html(&r), *j = report_render_json(&r);
	char *subj = report_subject(&r), *sum = report_summary(&r);
	CHECK_CONTAINS(t, "Pages antérieures à la loi (2)\n");
	CHECK_CONTAINS(t, "  Page antérieure à la circulaire du 23/01/2025 : mise à jour le 02/03/2023,\n"
		       "  elle décrit encore le texte remplacé : « 5 ans de présence » et « 18 mois de\n"
		       "  vie commune ».\n"
		       "  Rappel hebdomadaire : signalée depuis le 26/11/2026.\n");
	CHECK_CONTAINS(t, "  Page antérieure au décret <du> 1er mars (page non datée) : elle cite encore le\n"
		       "  texte remplacé : « circulaire Valls ».\n");
	CHECK(!strstr(t, "Aisne"));
	CHECK_CONTAINS(h, "Page antérieure au décret &lt;du&gt; 1er mars (page non datée)");
	CHECK_CONTAINS(subj, "2 pages antérieures à la loi");
	CHECK_CONTAINS(sum, " ; 2 pages antérieures à la loi");
	CHECK_CONTAINS(j, "\"stale\": 2");
	CHECK_CONTAINS(j, "\"stale_law\": [{\"event\": \"2025-01-23 la circulaire du 23/01/2025\", "
		       "\"law_date\": \"2025-01-23\", \"title\": \"la circulaire du 23/01/2025\", "
		       "\"undated\": false, \"page_updated\": \"2023-03-02\"");
	CHECK_CONTAINS(j, "\"flagged_at\": \"2026-11-26T02:00:00Z\", \"reminder\": true}]");
	CHECK_CONTAINS(j, "\"undated\": true, \"page_updated\": null");
	free(t);
	free(h);
	free(j);
	free(subj);
	free(sum);
	report_release(&r);
}

static void test_also_for(void)
{
	struct report r;
	build_scenario(&r);
	struct report_page *p = &r.pages[0];
	strvec_push(&p->also_ids, "59-cambrai");
	strvec_push(&p->also_names, "Sous-préfecture de Cambrai");
	strvec_push(&p->also_ids, "59-le-cateau");
	strvec_push(&p->also_names, "Antenne <du> Cateau");
	char *t = report_render_text(&r), *h = report_render_html(&r), *j = report_render_json(&r);
	CHECK_CONTAINS(t, "Concerne aussi : Sous-préfecture de Cambrai et Antenne <du> Cateau (même\n"
		       "  procédure).");
	CHECK_CONTAINS(h, "Concerne aussi : Sous-préfecture de Cambrai et Antenne &lt;du&gt; Cateau "
		       "(même procédure).");
	CHECK_CONTAINS(j, "\"also_for\": [\"59-cambrai\", \"59-le-cateau\"]");
	/* only that page */
	const char *first = strstr(j, "\"also_for\"");
	CHECK(first && !strstr(first + 1, "\"also_for\""));
	free(t);
	free(h);
	free(j);
	report_release(&r);
}

static void test_hostile_html(void)
{
	struct report r;
	struct report_page *p;
	int links;

	report_init(&r);
	r.run_id = 9;
	r.title = xstrdup("<script>alert('titre')</script>");
	p = page(&r, "evil", "<b>99</b>", "Dép\"art'ement", "<img src=x onerror=alert(1)>",
		 "javascript:alert(document.cookie)");
	p->status = PAGE_CHANGED;
	p->final_url = xstrdup("https://evil.example/\"onmouseover=\"alert(1)");
	p->url_moved = true;
	fieldset_add(&p->fields, "forms", "javascript:alert(3)");
	fieldset_add(&p->fields, "links", "data:text/html,<script>alert(4)</script>");
	fieldset_add(&p->fields, "links", "VBScript:msgbox(5)");
	struct fieldset none = FIELDSET_INIT;
	change(p, 1, "Texte sûr\n",
	       "Texte sûr\n<script>alert(2)</script>\n</td></tr></table><a href='javascript:alert(6)'>clic</a>\n"
	       "<img src=x onerror=alert(7)> \"quotes\" & 'apostrophes'\n\x01\x1b[31mcontrol\n\xff\xfe invalid\n",
	       &none);
	p = page(&r, "evil2", "00", "Nulle part", "Préfecture <iframe src=//evil>",
		 "https://ok.example/a?b=1&c=\"2\"");
	p->status = PAGE_FAILED;
	p->failure = PW_FAIL_MOVED;
	p->listed = true;
	p->final_url = xstrdup("javascript:alert(8)");
	p->error = xstrdup("</p><script>alert(9)</script>");
	p = page(&r, "evil3", "00", "Nulle part", "<svg onload=alert(10)>", "https://ok.example/n");
	p->status = PAGE_NEW;
	p->text = xstrdup("<style>body{background:url(https://evil/x)}</style>");
	fieldset_add(&p->fields, "forms", "https://ok.example/f?x=\"><script>alert(11)</script>");
	fieldset_add(&p->fields, "forms", " javascript:alert(12)");

	char *h = report_render_html(&r);
	check_html_inert(h, &links);
	CHECK(links >= 2);                 /* the real http(s) links stay links */
	CHECK(utf8_valid(h, strlen(h)));
	CHECK_CONTAINS(h, "&lt;script&gt;alert(2)&lt;/script&gt;");
	CHECK_CONTAINS(h, "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;");
	CHECK_CONTAINS(h, "&lt;img src=x onerror=alert(1)&gt;");
	CHECK_CONTAINS(h, "&quot;quotes&quot; &amp; &#39;apostrophes&#39;");
	CHECK_CONTAINS(h, "javascript:alert(document.cookie)</span>");
	CHECK_CONTAINS(h, "href=\"https://ok.example/a?b=1&amp;c=&quot;2&quot;\"");
	CHECK_CONTAINS(h, "\xEF\xBF\xBD");   /* invalid bytes shown as U+FFFD */
	CHECK(!strstr(h, "\x01"));
	CHECK(!strstr(h, "\x1b"));
	/* the forged </table> is escaped, so the layout tables still balance */
	size_t open = 0, close = 0;
	for (const char *s = h; (s = strstr(s, "<table")); s++)
		open++;
	for (const char *s = h; (s = strstr(s, "</table>")); s++)
		close++;
	CHECK_INT(open, close);
	free(h);

	/* the same content stays valid JSON text and plain text */
	char *j = report_render_json(&r);
	CHECK(utf8_valid(j, strlen(j)));
	CHECK_CONTAINS(j, "\\u0001\\u001b[31mcontrol");
	CHECK_CONTAINS(j, "\\ufffd\\ufffd invalid");
	CHECK_CONTAINS(j, "\"Dép\\\"art'ement\"");
	CHECK_CONTAINS(j, "\"http_status\": null");
	write_file("hostile.json", j);
	free(j);
	char *t = report_render_text(&r);
	CHECK(!strstr(t, "\x1b"));
	free(t);
	report_release(&r);
}

static void test_write_file(void)
{
	char *path = xasprintf("%s/out.txt", test_tmpdir());
	CHECK_INT(report_write_file(path, "premier\n"), 0);
	CHECK_INT(report_write_file(path, "second\n"), 0);
	char *got = test_read_file(path, NULL);
	CHECK_STR(got, "second\n");
	free(got);
	struct stat st;
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0644);
	free(path);
	path = xasprintf("%s/no/such/dir/out.txt", test_tmpdir());
	errno = 0;
	CHECK_INT(report_write_file(path, "x"), -1);
	CHECK_INT(errno, ENOENT);
	free(path);
}

static void test_text_wrapping(void)
{
	struct report r;
	report_init(&r);
	r.run_id = 1;
	struct report_page *p = page(&r, "w", "02", "Aisne", "Préfecture", "https://www.aisne.gouv.fr/");
	struct fieldset none = FIELDSET_INIT;
	struct buf longline = BUF_INIT;
	for (int i = 0; i < 40; i++)
		buf_addstr(&longline, "éèêë àâ ");
	buf_addstr(&longline, "https://www.aisne.gouv.fr/une/adresse/très/longue/qui/ne/doit/pas/être/coupée/au/milieu/du/lien\n");
	change(p, 7, "a\n", buf_str(&longline), &none);
	char *t = report_render_text(&r);
	CHECK(utf8_valid(t, strlen(t)));
	CHECK_CONTAINS(t, "https://www.aisne.gouv.fr/une/adresse/très/longue/qui/ne/doit/pas/être/coupée/au/milieu/du/lien");
	for (const char *l = t; *l;) {
		const char *eol = strchr(l, '\n');
		size_t n = eol ? (size_t)(eol - l) : strlen(l);
		if (columns(l, n) > 80)
			CHECK(strstr(l, "https://") && strstr(l, "https://") < l + n);
		l = eol ? eol + 1 : l + n;
	}
	free(t);
	buf_release(&longline);
	report_release(&r);
}

/* The French sentences of the less common cases. */
static void test_wording(void)
{
	struct report r;
	struct fieldset of = FIELDSET_INIT;
	report_init(&r);
	r.run_id = 5;
	struct report_page *p = page(&r, "a", "02", "Aisne", "Préfecture de Laon", "https://old.example/aes");
	fieldset_add(&of, "emails", "aes@aisne.gouv.fr");
	fieldset_add(&of, "method", "in_person");
	fieldset_add(&p->fields, "method", "appointment");
	fieldset_add(&p->fields, "method", "email");
	p->final_url = xstrdup("https://new.example/aes");
	p->url_moved = true;
	change(p, 2, "x\n", "y\n", &of);
	p = page(&r, "b", "02", "Aisne", "Sous-préfecture de Vervins", "https://v.example/");
	p->status = PAGE_UNCHANGED;
	p->rules_changed = true;
	p = page(&r, "c", "02", "Aisne", "Sous-préfecture de Soissons", "https://s.example/");
	p->status = PAGE_FAILED;
	p->failure = PW_FAIL_TIMEOUT;
	p->fail_count = 1;
	p = page(&r, "d", "02", "Aisne", "Sous-préfecture de Château-Thierry", "https://c.example/");
	p->status = PAGE_FAILED;
	p->failure = PW_FAIL_DNS;
	p->listed = true;
	p->failing_since = at("2026-11-01T02:00:00Z");
	p->fail_count = 27;
	fieldset_release(&of);

	char *t = report_render_text(&r);
	CHECK_CONTAINS(t, "4 pages vérifiées — 1 modifiée, 2 inaccessibles, 0 nouvelle");
	CHECK_CONTAINS(t, "Mode de dépôt : au guichet → sur rendez-vous\n");
	CHECK_CONTAINS(t, "Mode de dépôt ajouté : par courriel\n");
	CHECK_CONTAINS(t, "Courriel retiré : aes@aisne.gouv.fr\n");
	CHECK_CONTAINS(t, "Adresse officielle de la page modifiée : https://old.example/aes →\n    https://new.example/aes\n");
	CHECK_CONTAINS(t, "Nom de domaine introuvable, depuis le 01/11/2026 (27 échecs de suite).");
	CHECK_CONTAINS(t, "1 autre page en échec passager, sous le seuil d'alerte : non détaillée.");
	CHECK_CONTAINS(t, "• Règles d'extraction modifiées pour Hauts-de-France › Aisne (02) ›");
	CHECK_CONTAINS(t, "Vervins ; aucune alerte émise pour ce changement.");
	CHECK(!strstr(t, "délai dépassé"));   /* the unlisted failure is not detailed */
	free(t);
	char *h = report_render_html(&r);
	CHECK_CONTAINS(h, "<strong>Courriel retiré</strong> : aes@aisne.gouv.fr");
	CHECK_CONTAINS(h, "Règles d&#39;extraction modifiées");
	free(h);
	report_release(&r);
}

/* A report built from stored changes (prefwatch show / report): no run. */
static void test_stored_change_report(void)
{
	struct report r;
	struct fieldset none = FIELDSET_INIT;
	report_init(&r);
	r.started_at = r.finished_at = at("2026-11-20T08:00:00Z");
	struct report_page *p = page(&r, "02-laon", "02", "Aisne", "Préfecture de Laon",
				     "https://www.aisne.gouv.fr/AES");
	struct report_change *c = change(p, 41, "Titre\n\nAncien paragraphe.\n", "Titre\n\nNouveau paragraphe.\n\n", &none);
	c->state = xstrdup("reviewed");
	char *t = report_render_text(&r);
	CHECK_CONTAINS(t, "Rapport du 20/11/2026\n1 modification — 0 inaccessible, 0 nouvelle\n");
	CHECK_CONTAINS(t, "Modification n° 41 détectée le 27/11/2026.");
	CHECK_CONTAINS(t, "    ~ [-Ancien-]{+Nouveau+} paragraphe.\n");
	/* issue 21: the empty line after the paragraph is not an insertion */
	CHECK(!strstr(t, "{++}"));
	CHECK(!strstr(t, "    + \n") && !strstr(t, "    +\n"));
	CHECK(!strstr(t, " \n"));
	CHECK_CONTAINS(t, "  Relue (guide à jour).\n");
	free(t);
	char *j = report_render_json(&r);
	CHECK_CONTAINS(j, "\"run\": {\"id\": null");
	CHECK_CONTAINS(j, "\"state\": \"reviewed\"");
	CHECK_CONTAINS(j, "\"previous_snapshot_at\": null");
	free(j);
	char *s = report_subject(&r);
	CHECK_STR(s, "[prefwatch] 1 modalité modifiée");
	free(s);
	report_release(&r);
}

/* The number a section heading shows, e.g. 8 for "Pour information (8)";
 * -1 when the heading is absent. */
static long heading_count(const char *t, const char *title)
{
	char *h = xasprintf("%s (", title);
	const char *p = strstr(t, h);
	long n = p ? strtol(p + strlen(h), NULL, 10) : -1;
	free(h);
	return n;
}

/* Bullets ("• " at the start of a line) from the heading `title` to the
 * next heading or the end. */
static long text_bullets_after(const char *t, const char *title)
{
	const char *p = strstr(t, title);
	long n = 0;
	if (!p)
		return -1;
	p = strchr(p, '\n');
	for (; p && *p; p = strchr(p + 1, '\n')) {
		const char *l = p + 1;
		if (!strncmp(l, "• ", strlen("• ")))
			n++;
		else if (*l && *l != ' ' && *l != '\n' && *l != '=')
			break;         /* the next section's heading */
	}
	return n;
}

/* Issue 21: « Pour information (6) » headed ten bullets. The heading
 * counts the entries listed: the grouped republished entry once, and each
 * quiet fact of a page (republished, rules changed, moved) once. */
static void test_quiet_count_matches_entries(void)
{
	for (int many = 0; many < 2; many++) {
		struct report r;
		report_init(&r);
		r.run_id = 4;
		size_t n = many ? 7 : 3;
		for (size_t i = 0; i < n; i++) {
			char *id = xasprintf("59-bureau-%zu", i), *name = xasprintf("Bureau %zu", i);
			struct report_page *p = page(&r, id, "59", "Nord", name, "https://www.nord.gouv.fr/p");
			p->status = PAGE_UNCHANGED;
			p->republished = true;
			p->page_updated = xstrdup("2026-11-20");
			p->rules_changed = i < 2;   /* two of them also re-extracted */
			free(id);
			free(name);
		}
		struct report_page *p = page(&r, "62-arras", "62", "Pas-de-Calais", "Préfecture d'Arras",
					     "https://www.pas-de-calais.gouv.fr/p");
		p->status = PAGE_UNCHANGED;
		p->rules_changed = true;
		p = page(&r, "80-amiens", "80", "Somme", "Préfecture d'Amiens", "https://www.somme.gouv.fr/a");
		p->status = PAGE_UNCHANGED;
		p->url_moved = true;
		p->final_url = xstrdup("https://www.somme.gouv.fr/b");

		char *t = report_render_text(&r), *h = report_render_html(&r);
		/* grouped: 1 group + 2 + 1 rules; else 3 + 2 + 1; the move is
		 * an instruction in a section of its own */
		long want = many ? 4 : 6;
		CHECK_INT(heading_count(t, "Adresses à mettre à jour"), 1);
		CHECK_INT(text_bullets_after(t, "Adresses à mettre à jour ("), 1);
		CHECK_INT(heading_count(h, "Adresses à mettre à jour"), 1);
		CHECK_INT(heading_count(t, "Pour information"), want);
		CHECK_INT(text_bullets_after(t, "Pour information ("), want);
		CHECK_INT(heading_count(h, "Pour information"), want);
		const char *sec = strstr(h, "Pour information (");
		long lis = 0;
		for (const char *q = sec; q && (q = strstr(q, "<li")); q++)
			lis++;
		CHECK_INT(lis, want);
		free(t);
		free(h);
		report_release(&r);
	}
}

/* Issue 21: every failure reads as a sentence an editor understands; the
 * status code and the crawler's message stay under « Détail technique ». */
static void test_failure_wording(void)
{
	struct report r;
	report_init(&r);
	r.run_id = 6;
	struct report_page *p = page(&r, "soft", "59", "Nord", "Sous-préfecture de Douai", "https://d.example/aes");
	p->status = PAGE_FAILED;
	p->failure = PW_FAIL_NOT_FOUND;
	p->http_status = 200;
	p->error = xstrdup("soft 404: the page says it does not exist");
	p->listed = true;
	struct report_document *d = report_page_add_document(p);
	d->url = xstrdup("https://d.example/notice.pdf");
	d->title = xstrdup("Notice");
	d->status = DOC_FAILED;
	d->failure = PW_FAIL_NOT_FOUND;
	d->http_status = 200;
	d->listed = true;
	static const enum pw_failure kinds[] = {
		PW_FAIL_DNS, PW_FAIL_CONNECT, PW_FAIL_TLS, PW_FAIL_TIMEOUT, PW_FAIL_HTTP_ERROR,
		PW_FAIL_NOT_FOUND, PW_FAIL_MOVED, PW_FAIL_BLOCKED, PW_FAIL_TOO_LARGE,
		PW_FAIL_NO_CONTENT, PW_FAIL_BAD_CONTENT, PW_FAIL_NONE,
	};
	static const long codes[] = { 0, 0, 0, 0, 503, 404, 301, 403, 200, 200, 200, 0 };
	for (size_t i = 0; i < PW_ARRAY_SIZE(kinds); i++) {
		char *id = xasprintf("k%zu", i);
		p = page(&r, id, "02", "Aisne", id, "https://k.example/");
		p->status = PAGE_FAILED;
		p->failure = kinds[i];
		p->http_status = codes[i];
		p->error = xasprintf("curl: (%zu) technical message", i);
		p->listed = true;
		free(id);
	}
	char *t = report_render_text(&r), *h = report_render_html(&r);
	CHECK_CONTAINS(t, "  Page introuvable (la page répond, mais son contenu dit qu'elle n'existe plus).\n");
	CHECK_CONTAINS(t, "Détail technique : HTTP 200 — soft 404: the page says it does not exist\n");
	CHECK_CONTAINS(t, "Document inaccessible : « Notice » — document introuvable (le lien répond,");
	CHECK_CONTAINS(t, "    Détail technique : HTTP 200\n");
	CHECK_CONTAINS(h, "Page introuvable (la page répond, mais son contenu dit qu&#39;elle n&#39;existe plus).");
	CHECK_CONTAINS(h, "Détail technique : HTTP 200 — soft 404: the page says it does not exist</p>");
	/* a blocked redirect is our refusal, not the site's */
	p = page(&r, "redirected", "02", "Aisne", "redirected", "https://k.example/r");
	p->status = PAGE_FAILED;
	p->failure = PW_FAIL_BLOCKED;
	p->http_status = 302;
	p->listed = true;
	free(t);
	free(h);
	t = report_render_text(&r);
	h = report_render_html(&r);
	CHECK_CONTAINS(t, "Redirection refusée : la page renvoie vers une adresse du réseau local.");
	CHECK_CONTAINS(t, "Le site répond par une erreur (panne ou surcharge du serveur).\n"
		       "  Détail technique : HTTP 503 — curl: (4) technical message\n");
	/* no code, no library word in the sentences: they are all in details */
	for (const char *l = t; *l;) {
		const char *eol = strchr(l, '\n');
		size_t n = eol ? (size_t)(eol - l) : strlen(l);
		char *line = xstrndup(l, n);
		if (!strstr(line, "Détail technique") && !strstr(line, "https://")) {
			CHECK(!strstr(line, "HTTP"));
			CHECK(!strstr(line, "curl"));
			CHECK(!strstr(line, "(404)") && !strstr(line, "(200)"));
		}
		free(line);
		l = eol ? eol + 1 : l + n;
	}
	CHECK(!strstr(h, "(HTTP 200)") && !strstr(h, "(404)"));
	free(t);
	free(h);
	report_release(&r);
}

/* Issue 21: a diff never prints an empty insertion or deletion (the blank
 * line separating blocks), in text and HTML. */
static void test_no_empty_edits(void)
{
	struct report r;
	struct fieldset none = FIELDSET_INIT;
	report_init(&r);
	r.run_id = 7;
	struct report_page *p = page(&r, "b", "02", "Aisne", "Préfecture", "https://b.example/");
	change(p, 3, "Titre\n\nPremier paragraphe.\n\nAncien paragraphe à retirer.\n\nFin.\n",
	       "Titre\n\nPremier paragraphe.\n\nParagraphe tout neuf ajouté ici.\n\nAutre ajout.\n\nFin.\n",
	       &none);
	p = page(&r, "c", "02", "Aisne", "Sous-préfecture", "https://c.example/");
	change(p, 4, "A\n\nB\n", "A\n\n\nB\n", &none);   /* only a blank line added */
	char *t = report_render_text(&r), *h = report_render_html(&r);
	CHECK(!strstr(t, "{++}") && !strstr(t, "[--]"));
	CHECK(!strstr(t, "    +\n") && !strstr(t, "    -\n"));
	CHECK_CONTAINS(t, "    + {+Paragraphe tout neuf ajouté ici.+}\n");
	CHECK_CONTAINS(t, "    + {+Autre ajout.+}\n");
	CHECK_CONTAINS(t, "    - [-Ancien paragraphe à retirer.-]\n");
	CHECK_CONTAINS(t, "Texte identique (seuls les éléments ci-dessus ont changé).");
	CHECK(!strstr(h, "{+</span><span style=\"font-weight:bold;\">+}"));
	CHECK(!strstr(h, "[-</span><span style=\"font-weight:bold;\">-]"));
	free(t);
	free(h);
	report_release(&r);
}

/* The one line `prefwatch pending` prints per change. */
static void test_change_brief(void)
{
	struct report r;
	struct fieldset of = FIELDSET_INIT;
	report_init(&r);
	struct report_page *p = page(&r, "a", "02", "Aisne", "Préfecture de Laon", "https://a.example/");
	fieldset_add(&of, "method", "postal");
	fieldset_add(&p->fields, "method", "online");
	fieldset_add(&p->fields, "emails", "x@y.fr");
	change(p, 1, "x\n", "y\n", &of);
	char *b = report_change_brief(p);
	CHECK_STR(b, "Mode de dépôt, Courriel et texte modifiés");
	free(b);
	fieldset_release(&of);
	p = page(&r, "b", "02", "Aisne", "Préfecture", "https://b.example/");
	struct report_change *c = change(p, 2, "x\n", "y\n", &of);
	b = report_change_brief(p);
	CHECK_STR(b, "texte modifié");
	free(b);
	c->reverted_to = at("2026-03-12T02:00:00Z");
	b = report_change_brief(p);
	CHECK_STR(b, "texte revenu à la version du 12/03/2026");
	free(b);
	p = page(&r, "c", "02", "Aisne", "Préfecture", "https://c.example/");
	struct report_document *d = report_page_add_document(p);
	d->url = xstrdup("https://c.example/n.pdf");
	d->title = xstrdup("Notice de renseignements");
	d->type = xstrdup("PDF");
	d->status = DOC_CHANGED;
	d->change = xcalloc(1, sizeof(*d->change));
	b = report_change_brief(p);
	CHECK_STR(b, "document « Notice de renseignements » (PDF) modifié");
	free(b);
	report_release(&r);
}

/* A hostile pair of big texts renders in bounded time, all formats. */
static void test_big_change_bounded(void)
{
	struct report r;
	struct buf a = BUF_INIT, b = BUF_INIT;
	struct fieldset none = FIELDSET_INIT;
	report_init(&r);
	r.run_id = 2;
	struct report_page *p = page(&r, "big", "02", "Aisne", "Préfecture", "https://www.aisne.gouv.fr/");
	for (int i = 0; i < 20000; i++) {
		buf_printf(&a, "ligne %d du texte d'origine avec quelques mots communs %d\n", i, i * 7);
		buf_printf(&b, "ligne %d du texte modifié avec quelques mots communs %d\n", i, i * 3);
	}
	change(p, 1, buf_str(&a), buf_str(&b), &none);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	char *t = report_render_text(&r), *h = report_render_html(&r), *j = report_render_json(&r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	fprintf(stderr, "  20000 changed lines, three formats: %.2f s, %zu/%zu/%zu bytes\n",
		secs, strlen(t), strlen(h), strlen(j));
	CHECK(secs < 60.0);
	CHECK_CONTAINS(t, "ligne 19999 du texte");
	free(t);
	free(h);
	free(j);
	buf_release(&a);
	buf_release(&b);
	report_release(&r);
}

/* The spool lives in $TMPDIR: its name is only in /proc (a bare chroot
 * has none: then skipped, as its own ctest entry). */
static void test_spool_in_tmpdir(void)
{
	if (access("/proc/self/fd", X_OK) < 0) {
		test_skip("/proc is not mounted here: no name to read for the spool's descriptor");
		return;
	}
	struct report r;
	char *saved_tmpdir = getenv("TMPDIR") ? xstrdup(getenv("TMPDIR")) : NULL;
	CHECK_INT(setenv("TMPDIR", test_tmpdir(), 1), 0);
	build_scenario(&r);
	struct buf longtext = BUF_INIT;
	for (int i = 0; i < 400; i++)
		buf_printf(&longtext, "Ligne %d : dépôt « en ligne » — pièce n° %d\n", i, i);
	struct report_page *big = report_add_page(&r);
	big->id = xstrdup("80-amiens-nouvelle");
	big->url = xstrdup("https://www.somme.gouv.fr/nouvelle");
	big->status = PAGE_NEW;
	report_page_keep_text(&r, big, buf_str(&longtext));
	CHECK(r.has_spool);
	char *link = xasprintf("/proc/self/fd/%d", r.spool_fd), target[4096];
	ssize_t tl = readlink(link, target, sizeof(target) - 1);
	CHECK(tl > 0);
	target[tl > 0 ? tl : 0] = '\0';
	CHECK(strncmp(target, test_tmpdir(), strlen(test_tmpdir())) == 0);
	CHECK_CONTAINS(target, "(deleted)");
	free(link);
	if (saved_tmpdir)
		setenv("TMPDIR", saved_tmpdir, 1);
	else
		unsetenv("TMPDIR");
	free(saved_tmpdir);
	buf_release(&longtext);
	report_release(&r);
}

int main(int argc, char **argv)
{
	test_select(argc, argv);
	TEST_RUN(test_summary_and_counts);
	TEST_RUN(test_golden_text);
	TEST_RUN(test_golden_html);
	TEST_RUN(test_golden_json);
	TEST_RUN(test_json_streamed_with_spooled_texts);
	TEST_RUN(test_spool_in_tmpdir);
	TEST_RUN(test_republished_grouped);
	TEST_RUN(test_also_for);
	TEST_RUN(test_stale_law);
	TEST_RUN(test_hostile_html);
	TEST_RUN(test_write_file);
	TEST_RUN(test_text_wrapping);
	TEST_RUN(test_wording);
	TEST_RUN(test_stored_change_report);
	TEST_RUN(test_big_change_bounded);
	TEST_RUN(test_quiet_count_matches_entries);
	TEST_RUN(test_failure_wording);
	TEST_RUN(test_no_empty_edits);
	TEST_RUN(test_change_brief);
	xmlCleanupParser();
	return test_finish();
}
