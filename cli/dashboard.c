/*
 * dashboard.c - `prefwatch dashboard -o DIR` and `run --dashboard DIR`:
 * the static site of the whole watch.
 *
 * The watchlist gives the outline (régions, départements, offices in its
 * order, as for the guide: who serves whom, who does not handle AES); the
 * store gives each page's state (its facts, its failure streak, when it
 * was last fetched, a proposed new address), its versions and its
 * changes. This file only reads both into the dashboard model
 * (reports/dashboard.h), which renders the site and writes it in one step.
 * The store is only read.
 */
#include "common/common.h"
#include "cli/cli.h"
#include "reports/dashboard.h"
#include "reports/report.h"
#include "store/store.h"
#include "watchlist/watchlist.h"

#include <getopt.h>
#include <unistd.h>

static void dashboard_usage(FILE *out)
{
	fprintf(out,
		_("usage: prefwatch dashboard -o DIR [--watchlist FILE]... [--db FILE]\n\n"
		"Writes the dashboard, a static site (HTML and CSS, usable from disk):\n"
		"the offices by région and département with their status, a page per\n"
		"office with every version and change, the changes to review, this week's\n"
		"and this month's changes, and maps of France by method of filing and by\n"
		"status. DIR is replaced in one step (the new site is written beside it,\n"
		"then exchanged with it); it must be absent, empty or an earlier dashboard.\n"));
}

/* Where each page's changes go: page id -> its office (by index, as the
 * offices' arrays do not move once the outline is built). */
struct office_ref {
	struct dash_office *o;
};

struct fill_ctx {
	struct strmap by_page;      /* page id -> struct office_ref */
	struct office_ref *refs;
	struct store *st;
};

static int add_change(const struct change_record *c, void *data)
{
	struct fill_ctx *fc = data;
	/* "PAGE/doc/HASH": a linked document's change is its page's office's */
	const char *slash = strchr(c->page_id, '/');
	char *page = slash ? xstrndup(c->page_id, (size_t)(slash - c->page_id)) : xstrdup(c->page_id);
	const struct office_ref *ref = strmap_get(&fc->by_page, page);
	free(page);
	if (!ref)
		return 0;           /* a page no longer in the watchlist */
	struct dash_office *o = ref->o;
	struct dash_change *dc = dash_office_add_change(o);
	dc->id = c->id;
	dc->page_id = xstrdup(c->page_id);
	cli_report_add_change(&dc->report, c, fc->st);
	dc->report.started_at = dc->report.finished_at = c->detected_at;
	if (c->detected_at > o->last_change)
		o->last_change = c->detected_at;
	if (c->state && !strcmp(c->state, "pending"))
		o->pending++;
	return 0;
}

static int add_version(const struct snapshot_info *si, void *data)
{
	struct dash_version *v = dash_office_add_version(((struct office_ref *)data)->o);
	v->id = si->id;
	v->first_seen = si->first_seen;
	v->last_seen = si->last_seen;
	v->text_len = si->text_len;
	return 0;
}

/* One page's state into its office. 0, or -1 on a database error (said). */
static int fill_page(struct store *st, const struct wl_page *pg, struct office_ref *ref)
{
	struct dash_office *o = ref->o;
	struct page_state ps = { 0 };
	struct page_checks pc = { 0 };
	int rc = -1;
	if (store_page_state(st, pg->id, &ps) < 0 || store_page_checks(st, pg->id, &pc) < 0)
		goto cleanup;
	if (pc.last_fetch_at > o->last_check)
		o->last_check = pc.last_fetch_at;
	if (!ps.has_snapshot)
		o->never_read = true;
	if (ps.fail_count > 0 && ps.failing_since) {
		if (!o->failing_since || ps.failing_since < o->failing_since) {
			o->failing_since = ps.failing_since;
			free(o->failure);
			o->failure = xstrdup(ps.last_failure);
		}
		/* a proposal made for this failure, not for an older one */
		if (pc.proposed_url && pc.proposed_at >= ps.failing_since && !o->relocation_url) {
			o->relocation_url = xstrdup(pc.proposed_url);
			o->relocation_score = pc.proposed_score;
		}
	}
	/* « antérieure à la loi »: the flags the last run's judge_stale() left
	 * in the store (cli/stale.c) */
	struct store_law_flags lf = { 0 };
	if (store_law_flags_get(st, pg->id, &lf) < 0)
		goto cleanup;
	if (lf.n)
		o->stale_law = true;
	store_law_flags_release(&lf);
	struct fieldset fs = FIELDSET_INIT;
	if (ps.fields && fieldset_parse(&fs, ps.fields) == 0) {
		const struct field *m = fieldset_find(&fs, "method");
		for (size_t k = 0; m && k < m->values.n; k++)
			if (!strvec_contains(&o->methods, m->values.v[k]))
				strvec_push(&o->methods, m->values.v[k]);
	}
	fieldset_release(&fs);
	size_t first = o->n_versions;
	if (store_snapshots_each(st, pg->id, add_version, ref) < 0)
		goto cleanup;
	for (size_t i = first; i < o->n_versions; i++)
		o->versions[i].page_id = xstrdup(pg->id);
	rc = 0;
cleanup:
	if (rc < 0)
		log_error(_("cannot read page '%s': %s"), pg->id, store_errmsg(st));
	store_page_checks_release(&pc);
	store_page_state_release(&ps);
	return rc;
}

/* The model from the watchlist (its order) and the store. 0, or -1 on a
 * database error (said). */
static int build(struct dashboard *d, const struct watchlist *wl, struct store *st)
{
	struct fill_ctx fc = { STRMAP_INIT, NULL, st };
	int rc = -1;
	/* the outline first: offices' addresses are stable only once every
	 * office of a département is added */
	for (size_t i = 0; i < wl->n_offices; i++) {
		const struct wl_office *of = &wl->offices[i];
		struct dash_departement *dep =
			dashboard_departement(d, of->region, of->departement, of->departement_name);
		struct dash_office *o = dashboard_office_add(dep, of->id, of->name);
		o->prefecture = of->kind == OFFICE_PREFECTURE;
		o->served_by = xstrdup(of->served_by);
		o->handles_aes = of->handles_aes;
		for (size_t k = 0; k < of->n_pages; k++)
			strvec_push(&o->urls, of->pages[k].url);
	}
	fc.refs = xcalloc(wl->n_offices + 1, sizeof(*fc.refs));
	struct strmap by_office = STRMAP_INIT;
	for (size_t i = 0, n = 0; i < d->n_deps; i++)
		for (size_t k = 0; k < d->deps[i].n_offices; k++) {
			fc.refs[n].o = &d->deps[i].offices[k];
			strmap_put(&by_office, fc.refs[n].o->id, &fc.refs[n]);
			n++;
		}
	for (size_t i = 0; i < wl->n_offices; i++) {
		const struct wl_office *of = &wl->offices[i];
		struct office_ref *ref = (struct office_ref *)strmap_get(&by_office, of->id);
		for (size_t k = 0; ref && k < of->n_pages; k++) {
			strmap_put(&fc.by_page, of->pages[k].id, ref);
			if (fill_page(st, &of->pages[k], ref) < 0) {
				strmap_release(&by_office);
				goto cleanup;
			}
		}
	}
	strmap_release(&by_office);
	if (store_changes_each(st, NULL, add_change, &fc) < 0) {
		log_error(_("cannot read changes: %s"), store_errmsg(st));
		goto cleanup;
	}
	rc = 0;
cleanup:
	strmap_release(&fc.by_page);
	free(fc.refs);
	return rc;
}

int cli_dashboard_write(struct store *st, const struct watchlist *wl, const char *dir)
{
	struct dashboard *d = dashboard_new(time(NULL));
	struct dash_site site = { 0 };
	char *err = NULL;
	int rc = EXIT_OK;
	if (build(d, wl, st) < 0) {
		rc = EXIT_DATABASE;
		goto cleanup;
	}
	dashboard_render(d, &site);
	if (dashboard_write(&site, dir, &err) < 0) {
		log_error(_("cannot write the dashboard: %s"), err);
		rc = EXIT_FAILURE_OTHER;
	}
cleanup:
	free(err);
	dash_site_release(&site);
	dashboard_free(d);
	return rc;
}

int cmd_dashboard(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "watchlist", required_argument, NULL, 'w' },
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct watchlist wl;
	struct settings set;
	struct strvec files = STRVEC_INIT, watchlists = STRVEC_INIT;
	struct store *st = NULL;
	const char *output = NULL, *dbflag = NULL;
	char *db = NULL, *err = NULL;
	int rc = EXIT_OK, c;
	watchlist_init(&wl);
	settings_init(&set);
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case 'w': strvec_push(&watchlists, optarg); break;
		case 'd': dbflag = optarg; break;
		case 'h':
			dashboard_usage(stdout);
			goto cleanup;
		default:
			rc = EXIT_USAGE;
			goto cleanup;
		}
	}
	if (optind < argc) {
		rc = cli_usage_error("dashboard", _("unexpected argument '%s'"), argv[optind]);
		goto cleanup;
	}
	if (!output || !*output) {
		rc = cli_usage_error("dashboard", _("-o DIR is required"));
		goto cleanup;
	}
	settings_release(&set);
	if (settings_load(&set) < 0) {
		rc = EXIT_USAGE;
		goto cleanup;
	}
	const struct strvec *from = watchlists.n ? &watchlists : &set.watchlists;
	for (size_t i = 0; i < from->n; i++)
		strvec_push(&files, from->v[i]);
	if (cli_load_watchlists(&wl, &files)) {
		rc = EXIT_USAGE;
		goto cleanup;
	}
	db = cli_db_path(dbflag ? dbflag : settings_get(&set, S_DB));
	/* a dashboard creates nothing: a wrong --db must not leave an empty file */
	if (access(db, F_OK) < 0) {
		log_error(_("no database at '%s' (a first 'prefwatch run' creates it)"), db);
		rc = EXIT_DATABASE;
		goto cleanup;
	}
	st = store_open(db, &err);
	if (!st) {
		log_error("%s", err);
		rc = EXIT_DATABASE;
		goto cleanup;
	}
	rc = cli_dashboard_write(st, &wl, output);
cleanup:
	store_close(st);
	free(err);
	free(db);
	strvec_release(&files);
	strvec_release(&watchlists);
	watchlist_release(&wl);
	settings_release(&set);
	return rc;
}
