/*
 * test_dashboard.c - the dashboard's renderer over a model built here,
 * and the site written to disk in one step.
 *
 * The model has four départements (one overseas), offices of every
 * status, a served office, a change that moves the method from post to
 * online, and hostile strings where the watchlist and the pages put
 * theirs. The files are checked as text: which exist, what the map
 * colours each département, what the views say, that nothing hostile
 * is markup.
 */
#include "common/common.h"
#include "reports/dashboard.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/common/test.h"

#define DAY (24 * 60 * 60)
static const time_t NOW = 1796000000;   /* 2026-11-29 */

static const char *file(const struct dash_site *s, const char *path)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].path, path))
			return s->v[i].data;
	fprintf(stderr, "no file '%s' in the site\n", path);
	return NULL;
}

static struct dash_office *office(struct dash_departement *dep, const char *id, const char *name,
				  const char *method, const char *method2)
{
	struct dash_office *o = dashboard_office_add(dep, id, name);
	strvec_push(&o->urls, "https://www.example.gouv.fr/aes");
	if (method)
		strvec_push(&o->methods, method);
	if (method2)
		strvec_push(&o->methods, method2);
	o->last_check = NOW - 3600;
	return o;
}

static struct dashboard *model(void)
{
	struct dashboard *d = dashboard_new(NOW);
	struct dash_departement *aisne = dashboard_departement(d, "Hauts-de-France", "02", "Aisne");
	struct dash_departement *nord = dashboard_departement(d, "Hauts-de-France", "59", "Nord");
	struct dash_departement *corse = dashboard_departement(d, "Corse", "2A", "Corse-du-Sud");
	struct dash_departement *reu = dashboard_departement(d, "La Réunion", "974", "La Réunion");
	CHECK(dashboard_departement(d, "Hauts-de-France", "02", "Aisne") == aisne);

	/* 02: one postal office, whose page moved to online (a pending change) */
	struct dash_office *laon = office(aisne, "02-laon", "Préfecture de Laon", "online", NULL);
	laon->prefecture = true;
	laon->pending = 1;
	laon->last_change = NOW - 2 * DAY;
	struct dash_version *v = dash_office_add_version(laon);
	v->page_id = xstrdup("02-laon");
	v->id = 1;
	v->first_seen = NOW - 40 * DAY;
	v->last_seen = NOW - 2 * DAY;
	v->text_len = 120;
	struct dash_change *c = dash_office_add_change(laon);
	c->id = 7;
	c->page_id = xstrdup("02-laon");
	struct report_page *p = report_add_page(&c->report);
	p->id = xstrdup("02-laon");
	p->office_id = xstrdup("02-laon");
	p->office_name = xstrdup("Préfecture de Laon");
	p->url = xstrdup("https://www.example.gouv.fr/aes");
	p->status = PAGE_CHANGED;
	p->change = xcalloc(1, sizeof(*p->change));
	p->change->id = 7;
	p->change->detected_at = NOW - 2 * DAY;
	p->change->old_text = xstrdup("Envoyez le dossier par courrier.");
	p->change->new_text = xstrdup("Déposez la demande en ligne <script>alert(1)</script>.");
	fieldset_add(&p->change->deltas, "method", "-postal");
	fieldset_add(&p->change->deltas, "method", "+online");

	/* 59: a postal préfecture, an appointment sous-préfecture (mixte),
	 * a failing one with a proposed address, and a served one */
	office(nord, "59-lille", "Préfecture du Nord", "postal", "letterbox")->prefecture = true;
	office(nord, "59-douai", "Sous-préfecture de Douai", "appointment", NULL);
	struct dash_office *cam = dashboard_office_add(nord, "59-cambrai", "Sous-préfecture de Cambrai");
	cam->served_by = xstrdup("59-douai");
	struct dash_office *dk = office(nord, "59-dunkerque",
					"Sous-préfecture \"><img src=x onerror=alert(1)>", NULL, NULL);
	dk->failing_since = NOW - 3 * DAY - 60;
	dk->failure = xstrdup("not_found");
	dk->relocation_url = xstrdup("javascript:alert(1)");
	dk->relocation_score = 0.8;

	/* 2A: online; 974: never read, its name hostile */
	office(corse, "2a-ajaccio", "Préfecture d'Ajaccio", "online_ds", NULL);
	struct dash_office *r = office(reu, "974-saint-denis",
				       "Préfecture <script>alert('x')</script>", NULL, NULL);
	r->never_read = true;
	return d;
}

static void test_methods_and_statuses(void)
{
	struct strvec m = STRVEC_INIT;
	CHECK_INT(dash_method_of(&m), DASH_METHOD_UNKNOWN);
	strvec_push(&m, "postal");
	strvec_push(&m, "letterbox");
	CHECK_INT(dash_method_of(&m), DASH_METHOD_POSTAL);
	strvec_push(&m, "online");
	CHECK_INT(dash_method_of(&m), DASH_METHOD_MIXED);
	strvec_release(&m);
	strvec_push(&m, "in_person");
	strvec_push(&m, "appointment");
	CHECK_INT(dash_method_of(&m), DASH_METHOD_APPOINTMENT);
	strvec_release(&m);

	struct dashboard *d = model();
	CHECK_INT(dash_office_status(&d->deps[0].offices[0]), DASH_STATUS_PENDING);
	CHECK_INT(dash_office_status(&d->deps[1].offices[3]), DASH_STATUS_RELOCATED);
	CHECK_INT(dash_office_status(&d->deps[2].offices[0]), DASH_STATUS_UP_TO_DATE);
	CHECK_INT(dash_office_status(&d->deps[3].offices[0]), DASH_STATUS_NEVER_READ);
	/* issue 14's slot: wired, false by default */
	d->deps[2].offices[0].stale_law = true;
	CHECK_INT(dash_office_status(&d->deps[2].offices[0]), DASH_STATUS_STALE_LAW);
	dashboard_free(d);
}

static void test_render(void)
{
	struct dashboard *d = model();
	struct dash_site s = { 0 };
	dashboard_render(d, &s);
	static const char *const want[] = {
		"index.html", "map.html", "map-status.html", "pending.html", "week.html",
		"month.html", "style.css", "site.js", "office/02-laon.html", "office/59-lille.html",
		"office/59-cambrai.html", "office/59-dunkerque.html", "office/974-saint-denis.html",
		"change/7.html",
	};
	for (size_t i = 0; i < PW_ARRAY_SIZE(want); i++)
		CHECK(file(&s, want[i]) != NULL);
	const char *idx = file(&s, "index.html");
	const char *map = file(&s, "map.html");
	const char *st = file(&s, "map-status.html");
	const char *week = file(&s, "week.html");
	const char *pending = file(&s, "pending.html");
	if (!idx || !map || !st || !week || !pending)
		goto cleanup;
	/* statuses in words */
	CHECK_CONTAINS(idx, "modifié — à revoir");
	CHECK_CONTAINS(idx, "inaccessible depuis 3 jours — nouvelle adresse probable");
	CHECK_CONTAINS(idx, "jamais lu");
	CHECK_CONTAINS(idx, "<h3 id=\"dep-2a\">2A — Corse-du-Sud</h3>");
	CHECK_CONTAINS(idx, "traité par Sous-préfecture de Douai");
	/* the map: one value per département, 101 of them, linked when watched */
	CHECK_CONTAINS(map, "<a href=\"index.html#dep-02\"><path data-dep=\"02\" data-value=\"online\"");
	CHECK_CONTAINS(map, "<path data-dep=\"59\" data-value=\"mixed\"");
	CHECK_CONTAINS(map, "<path data-dep=\"2A\" data-value=\"online\"");
	CHECK_CONTAINS(map, "<a href=\"index.html#dep-974\"><path data-dep=\"974\" data-value=\"unknown\"");
	CHECK_CONTAINS(map, "<path data-dep=\"03\" data-value=\"unknown\"");
	CHECK(!strstr(map, "href=\"index.html#dep-03\""));
	size_t n = 0;
	for (const char *q = map; (q = strstr(q, "<path data-dep=")); q++)
		n++;
	CHECK_INT(n, 101);
	CHECK_CONTAINS(map, "CC BY 4.0");
	CHECK_CONTAINS(st, "<path data-dep=\"59\" data-value=\"relocated\"");
	CHECK_CONTAINS(st, "<path data-dep=\"02\" data-value=\"pending\"");
	CHECK_CONTAINS(st, "<path data-dep=\"974\" data-value=\"never_read\"");
	/* the week's moves, and the pending list */
	CHECK_CONTAINS(week, "voie postale → en ligne");
	CHECK_CONTAINS(week, "office/02-laon.html#change-7");
	CHECK_CONTAINS(pending, "change/7.html");
	CHECK_CONTAINS(file(&s, "office/02-laon.html"), "id=\"change-7\"");
	CHECK_CONTAINS(file(&s, "office/02-laon.html"), "Mode de dépôt : voie postale → en ligne");
	/* hostile strings are text, in every file */
	for (size_t i = 0; i < s.n; i++) {
		const char *t = s.v[i].data;
		if (strstr(t, "<script>alert") || strstr(t, "<img") ||
		    strstr(t, "href=\"javascript:"))
			fprintf(stderr, "hostile markup in '%s'\n", s.v[i].path);
		CHECK(!strstr(t, "<script>alert") && !strstr(t, "<img"));
		CHECK(!strstr(t, "href=\"javascript:"));
	}
	CHECK_CONTAINS(idx, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
	CHECK_CONTAINS(idx, "Sous-préfecture &quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
	CHECK_CONTAINS(file(&s, "office/59-dunkerque.html"), "<code>javascript:alert(1)</code>");
cleanup:
	dash_site_release(&s);
	dashboard_free(d);
}

static bool is_dir(const char *p)
{
	struct stat st;
	return lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static void test_write_swaps_whole_site(void)
{
	struct dashboard *d = model();
	struct dash_site s = { 0 };
	char *err = NULL;
	dashboard_render(d, &s);
	char *dir = xasprintf("%s/site", test_tmpdir());
	char *stale = xasprintf("%s/office/stale.html", dir);
	char *idx = xasprintf("%s/index.html", dir);
	CHECK_INT(dashboard_write(&s, dir, &err), 0);
	CHECK(access(idx, R_OK) == 0);
	FILE *f = fopen(stale, "w");
	CHECK(f != NULL);
	if (f)
		fclose(f);
	/* again, with a trailing slash: replaced whole, nothing left beside */
	char *slashed = xasprintf("%s/", dir);
	CHECK_INT(dashboard_write(&s, slashed, &err), 0);
	free(err);
	err = NULL;
	CHECK(access(stale, F_OK) < 0);
	CHECK(access(idx, R_OK) == 0);
	char *marker = xasprintf("%s/.prefwatch-dashboard", dir);
	CHECK(access(marker, R_OK) == 0);
	struct stat st;
	CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0755);

	/* not ours and not empty: refused, untouched */
	char *mine = xasprintf("%s/mine", test_tmpdir());
	char *keep = xasprintf("%s/keep.txt", mine);
	CHECK(mkdir(mine, 0755) == 0);
	f = fopen(keep, "w");
	if (f)
		fclose(f);
	CHECK_INT(dashboard_write(&s, mine, &err), -1);
	CHECK(err && strstr(err, "refusing to replace"));
	free(err);
	err = NULL;
	CHECK(access(keep, F_OK) == 0);
	/* a file: refused */
	CHECK_INT(dashboard_write(&s, keep, &err), -1);
	CHECK(err && strstr(err, "is not a directory"));
	free(err);
	err = NULL;
	/* an empty directory is taken */
	char *empty = xasprintf("%s/empty", test_tmpdir());
	CHECK(mkdir(empty, 0755) == 0);
	CHECK_INT(dashboard_write(&s, empty, &err), 0);
	CHECK(is_dir(empty));
	/* nothing left beside them: only site, mine, empty */
	DIR *dh = opendir(test_tmpdir());
	struct dirent *e;
	while (dh && (e = readdir(dh))) {
		if (!strncmp(e->d_name, ".site.", 6) || !strncmp(e->d_name, ".empty.", 7))
			fprintf(stderr, "left beside the site: %s\n", e->d_name);
		CHECK(strncmp(e->d_name, ".site.", 6) && strncmp(e->d_name, ".empty.", 7));
	}
	if (dh)
		closedir(dh);
	free(err);
	free(empty);
	free(keep);
	free(mine);
	free(marker);
	free(slashed);
	free(idx);
	free(stale);
	free(dir);
	dash_site_release(&s);
	dashboard_free(d);
}

int main(int argc, char **argv)
{
	test_select(argc, argv);
	TEST_RUN(test_methods_and_statuses);
	TEST_RUN(test_render);
	TEST_RUN(test_write_swaps_whole_site);
	return test_finish();
}
