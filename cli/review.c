/*
 * review.c - the editors' review commands: pending, show, history, ack,
 * dismiss, report. They read the store, build the one report model and
 * hand it to the renderers; they never format a change themselves.
 */
#include "common/common.h"

#include <getopt.h>
#include <unistd.h>

#include "cli/cli.h"
#include "reports/report.h"
#include "store/store.h"
#include "watchlist/watchlist.h"

/* The field deltas of a change as they were when it was detected: the
 * change row keeps them. A change recorded without them gets them from
 * the facts of its two texts, except the update stamp (see
 * fields_at_detection()), which the snapshot rows do not keep as it was. */
static void deltas_at_detection(const struct change_record *c, struct fieldset *out)
{
	struct fieldset oldf = FIELDSET_INIT, newf = FIELDSET_INIT, all = FIELDSET_INIT;
	if (c->field_deltas) {
		fieldset_parse(out, c->field_deltas);
		return;
	}
	fieldset_parse(&oldf, c->old_fields);
	fieldset_parse(&newf, c->new_fields);
	fields_delta(&oldf, &newf, &all);
	for (size_t i = 0; i < all.n; i++) {
		if (!strcmp(all.v[i].name, "page_updated"))
			continue;
		for (size_t j = 0; j < all.v[i].values.n; j++)
			fieldset_add(out, all.v[i].name, all.v[i].values.v[j]);
	}
	fieldset_release(&all);
	fieldset_release(&oldf);
	fieldset_release(&newf);
}

/* The page's facts when the change was detected. A snapshot row holds the
 * facts of its text, but its update stamp (page_updated) follows the page
 * for as long as that text is the current one: read later, it is the
 * page's latest stamp (a republication after the change moves it), not
 * the stamp of the change. The stamp at detection is the one the change's
 * deltas added, else the old version's, unchanged by the change. */
static void fields_at_detection(const struct change_record *c, const struct fieldset *deltas,
				struct fieldset *out)
{
	struct fieldset oldf = FIELDSET_INIT, newf = FIELDSET_INIT;
	const char *stamp = NULL;
	bool in_deltas = false;
	fieldset_parse(&newf, c->new_fields);
	for (size_t i = 0; i < newf.n; i++) {
		if (!strcmp(newf.v[i].name, "page_updated"))
			continue;
		fieldset_get(out, newf.v[i].name);
		for (size_t j = 0; j < newf.v[i].values.n; j++)
			fieldset_add(out, newf.v[i].name, newf.v[i].values.v[j]);
	}
	const struct field *d = fieldset_find(deltas, "page_updated");
	for (size_t j = 0; d && j < d->values.n; j++) {
		in_deltas = true;
		if (d->values.v[j][0] == '+')
			stamp = d->values.v[j] + 1;
	}
	fieldset_parse(&oldf, c->old_fields);
	const struct field *of = fieldset_find(&oldf, "page_updated");
	if (!in_deltas && of && of->values.n)
		stamp = of->values.v[0];
	if (stamp)
		fieldset_add(out, "page_updated", stamp);
	fieldset_release(&oldf);
	fieldset_release(&newf);
}

/* The report's change for a stored one: its two texts and, for a page,
 * its deltas as detected (documents have none). */
static struct report_change *change_from_record(const struct change_record *c, bool with_deltas)
{
	struct report_change *ch = xcalloc(1, sizeof(*ch));
	ch->id = c->id;
	ch->detected_at = c->detected_at;
	ch->previous_at = c->old_at;
	ch->old_text = xstrdup(c->old_text);
	ch->new_text = xstrdup(c->new_text);
	if (with_deltas)
		deltas_at_detection(c, &ch->deltas);
	ch->reverted_to = c->reverted_to_at;
	if (c->evidence_sha256) {
		ch->evidence_at = c->evidence_at;
		ch->evidence_sha256 = xstrdup(c->evidence_sha256);
	}
	if (c->state && strcmp(c->state, "pending")) {
		ch->state = xstrdup(c->state);
		ch->reviewed_by = c->reviewed_by ? xstrdup(c->reviewed_by) : NULL;
		ch->reviewed_at = c->reviewed_at;
		ch->note = c->note ? xstrdup(c->note) : NULL;
	}
	return ch;
}

/* The report's page for id: an existing one when reuse (documents attach
 * to their page), else a new one (a page's own change is one entry). */
static struct report_page *page_for(struct report *r, const struct change_record *c,
				    const char *id, bool reuse)
{
	for (size_t i = 0; reuse && i < r->n_pages; i++)
		if (!strcmp(r->pages[i].id, id))
			return &r->pages[i];
	struct report_page *rp = report_add_page(r);
	rp->id = xstrdup(id);
	rp->office_id = xstrdup(c->office_id);
	rp->office_name = xstrdup(c->office_name);
	rp->region = xstrdup(c->region);
	rp->departement = xstrdup(c->departement);
	rp->departement_name = xstrdup(c->departement_name);
	rp->status = PAGE_UNCHANGED;
	return rp;
}

/* A document's change goes under its page (store ids "PAGE/doc/HASH"),
 * titled as the page links it. */
static void add_document_change(struct report *r, const struct change_record *c,
				struct store *st, const char *sep)
{
	char *parent = xstrndup(c->page_id, (size_t)(sep - c->page_id));
	struct report_page *rp = page_for(r, c, parent, true);
	struct store_document *docs = NULL;
	size_t n = 0;
	if (!rp->url)
		rp->url = xstrdup(c->url);
	struct report_document *rd = report_page_add_document(rp);
	rd->url = xstrdup(c->url);
	rd->status = DOC_CHANGED;
	rd->change = change_from_record(c, false);
	if (st && !store_documents_list(st, parent, &docs, &n))
		for (size_t i = 0; i < n; i++)
			if (!strcmp(docs[i].id, c->page_id))
				rd->title = xstrdup(docs[i].title);
	store_documents_free(docs, n);
	free(parent);
}

void cli_report_add_change(struct report *r, const struct change_record *c, struct store *st)
{
	const char *sep = strstr(c->page_id, "/doc/");
	if (sep) {
		add_document_change(r, c, st, sep);
		return;
	}
	struct report_page *rp = page_for(r, c, c->page_id, false);
	rp->url = xstrdup(c->url);
	rp->status = PAGE_CHANGED;
	/* every fact shown is the change's own, never the page's latest */
	rp->change = change_from_record(c, true);
	fields_at_detection(c, &rp->change->deltas, &rp->fields);
	const struct field *upd = fieldset_find(&rp->fields, "page_updated");
	if (upd && upd->values.n)
		rp->page_updated = xstrdup(upd->values.v[0]);
}

/* ---- shared option handling: every command takes --db ---- */

struct review_opts {
	const char *db;
	const char *note, *by;
	const char *json, *text, *html;
	const char *since;
	bool pending, want_html;
	bool failure;               /* ack --failure */
	struct strvec watchlists;  /* --watchlist, owned */
};

static int parse_review_opts(const char *cmd, const char *usage, int argc, char **argv,
			     struct review_opts *o)
{
	/* `show --html` is a switch; `report --html FILE` names a file */
	bool html_file = !strcmp(cmd, "report");
	struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "note", required_argument, NULL, 'n' },
		{ "by", required_argument, NULL, 'b' },
		{ "json", required_argument, NULL, 'j' },
		{ "text", required_argument, NULL, 't' },
		{ "html", html_file ? required_argument : no_argument, NULL, 'H' },
		{ "since", required_argument, NULL, 's' },
		{ "pending", no_argument, NULL, 'p' },
		{ "failure", no_argument, NULL, 'F' },
		{ "watchlist", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': o->db = optarg; break;
		case 'n': o->note = optarg; break;
		case 'b': o->by = optarg; break;
		case 'j': o->json = optarg; break;
		case 't': o->text = optarg; break;
		case 'H':
			o->want_html = true;
			o->html = optarg;
			break;
		case 's': o->since = optarg; break;
		case 'p': o->pending = true; break;
		case 'F':
			if (strcmp(cmd, "ack"))
				return cli_usage_error(cmd, _("unknown option"));
			o->failure = true;
			break;
		case 'w': strvec_push(&o->watchlists, optarg); break;
		case 'h': printf("%s", usage); return -1;
		default: return cli_usage_error(cmd, _("unknown option"));
		}
	}
	return 0;
}

static struct store *open_store(const char *flag)
{
	char *err = NULL;
	struct settings set;
	if (settings_load(&set) < 0) {
		settings_release(&set);
		return NULL;
	}
	char *db = cli_db_path(flag ? flag : settings_get(&set, S_DB));
	settings_release(&set);
	/* reviewing creates nothing: a wrong --db must not leave an empty file */
	if (access(db, F_OK) < 0) {
		log_error(_("no database at '%s' (a first 'prefwatch run' creates it)"), db);
		free(db);
		return NULL;
	}
	struct store *s = store_open(db, &err);
	if (!s) {
		log_error("%s", err);
		free(err);
	}
	free(db);
	return s;
}

/* The watchlist that tells which offices a stored page also serves
 * (`served_by`): --watchlist, else the configuration's, else the bundled
 * ones. Review reads stored changes and must work whatever the watchlist
 * has become, so it is read quietly and only its valid offices are used;
 * its errors are said once, as a warning. false when none can be read. */
static bool review_watchlist(struct watchlist *wl, const struct review_opts *o)
{
	struct settings set;
	struct strvec files = STRVEC_INIT, errs = STRVEC_INIT;
	bool ok = false;
	watchlist_init(wl);
	if (settings_load(&set) < 0)
		goto cleanup;
	const struct strvec *from = o->watchlists.n ? &o->watchlists : &set.watchlists;
	for (size_t i = 0; i < from->n; i++)
		strvec_push(&files, from->v[i]);
	if (!files.n && cli_bundled_watchlists(&files) < 0)
		goto cleanup;
	for (size_t i = 0; i < files.n; i++)
		watchlist_load(wl, files.v[i], &errs);
	watchlist_finish(wl, &errs);
	if (errs.n)
		log_warn(ngettext("the watchlist has %zu error ('prefwatch check' lists them): "
				  "offices it names wrongly are left out",
				  "the watchlist has %zu errors ('prefwatch check' lists them): "
				  "offices it names wrongly are left out", errs.n), errs.n);
	ok = true;
cleanup:
	settings_release(&set);
	strvec_release(&files);
	strvec_release(&errs);
	return ok;
}

/* Names, under each page of r, the offices its office serves (« Concerne
 * aussi : … »), as the nightly report does. */
static void add_also_for(struct report *r, const struct review_opts *o)
{
	struct watchlist wl;
	if (!r->n_pages)
		return;
	if (review_watchlist(&wl, o)) {
		for (size_t i = 0; i < r->n_pages; i++) {
			struct report_page *p = &r->pages[i];
			const struct wl_office *of = p->office_id ? cli_office_find(&wl, p->office_id) : NULL;
			for (size_t j = 0; of && j < of->serves_ids.n; j++) {
				strvec_push(&p->also_ids, of->serves_ids.v[j]);
				strvec_push(&p->also_names, of->serves_names.v[j]);
			}
		}
	}
	watchlist_release(&wl);
}

static int emit(const char *path, char *s)
{
	int rc = 0;
	if (path) {
		if (report_write_file(path, s) < 0) {
			log_error(_("cannot write '%s': %s"), path, report_output_strerror(errno));
			rc = -1;
		}
	} else {
		fputs(s, stdout);
	}
	free(s);
	return rc;
}

/* ---- pending ---- */

struct pending_ctx {
	struct store *st;
	size_t n;
};

/* One line per change, in French (editors read it): id, date, page,
 * office, and what changed, documents named by their title. */
static int print_pending(const struct change_record *c, void *data)
{
	struct pending_ctx *pc = data;
	struct report r;
	char date[11];
	report_init(&r);
	cli_report_add_change(&r, c, pc->st);
	const struct report_page *p = &r.pages[0];
	char *what = report_change_brief(p);
	pw_time_fr(c->detected_at, date);
	printf("%-6lld %s  %-22s %s : %s\n", (long long)c->id, date, p->id,
	       c->office_name ? c->office_name : "", what);
	free(what);
	report_release(&r);
	pc->n++;
	return 0;
}

int cmd_pending(int argc, char **argv)
{
	struct review_opts o = { 0 };
	int prc = parse_review_opts("pending", _("usage: prefwatch pending [--db FILE]\n\n"
				    "Lists the changes not reviewed yet, one per line, in French: id, date,\n"
				    "page, office, what changed.\n"),
				    argc, argv, &o);
	strvec_release(&o.watchlists);
	if (prc)
		return prc < 0 ? EXIT_OK : prc;
	struct store *s = open_store(o.db);
	if (!s)
		return EXIT_DATABASE;
	struct change_filter f = { .pending_only = true };
	struct pending_ctx pc = { s, 0 };
	int rc = store_changes_each(s, &f, print_pending, &pc) < 0 ? EXIT_DATABASE : EXIT_OK;
	if (rc)
		log_error(_("cannot list changes: %s"), store_errmsg(s));
	else if (!pc.n)
		printf("Aucune modification en attente.\n");
	store_close(s);
	return rc;
}

/* ---- show ---- */

int cmd_show(int argc, char **argv)
{
	struct review_opts o = { 0 };
	struct change_record c = { 0 };
	struct report r;
	int rc = EXIT_OK;
	struct store *s = NULL;
	report_init(&r);
	int prc = parse_review_opts("show", _("usage: prefwatch show CHANGE_ID [--html] [--watchlist FILE]... [--db FILE]\n\n"
				    "Shows one change in full: what changed in words, then the diff, and\n"
				    "who reviewed it. --watchlist (else the configured or bundled ones)\n"
				    "names the offices the page also serves.\n"),
				    argc, argv, &o);
	if (prc) {
		rc = prc < 0 ? EXIT_OK : prc;
		goto cleanup;
	}
	if (optind + 1 != argc) {
		rc = cli_usage_error("show", _("expected one change id"));
		goto cleanup;
	}
	int64_t id = cli_parse_id(argv[optind]);
	if (id < 0) {
		rc = cli_usage_error("show", _("'%s' is not a change id"), argv[optind]);
		goto cleanup;
	}
	s = open_store(o.db);
	if (!s) {
		rc = EXIT_DATABASE;
		goto cleanup;
	}
	int g = store_change_get(s, id, &c);
	if (g < 0) {
		log_error(_("cannot read change %lld: %s"), (long long)id, store_errmsg(s));
		rc = EXIT_DATABASE;
	} else if (g > 0) {
		log_error(_("no change with id %lld"), (long long)id);
		rc = EXIT_USAGE;
	} else {
		/* the review (who, when, the note) is in the report itself */
		cli_report_add_change(&r, &c, s);
		/* the legal events the page predates, as last judged */
		if (r.n_pages && cli_stale_report(s, c.page_id, &r.pages[r.n_pages - 1], time(NULL),
						  true) < 0)
			log_warn(_("cannot read the law flags of '%s': %s"), c.page_id, store_errmsg(s));
		add_also_for(&r, &o);
		r.started_at = r.finished_at = c.detected_at;
		emit(o.html, o.want_html ? report_render_html(&r) : report_render_text(&r));
	}
cleanup:
	change_record_release(&c);
	report_release(&r);
	store_close(s);
	strvec_release(&o.watchlists);
	return rc;
}

/* ---- history ---- */

static int print_snapshot(const struct snapshot_info *si, void *data)
{
	(void)data;
	char first[21], last[21];
	pw_time_iso(si->first_seen, first);
	pw_time_iso(si->last_seen, last);
	printf(_("snapshot %-6lld first seen %s  last seen %s  %zu bytes  text %.12s  rules %.12s\n"),
	       (long long)si->id, first, last, si->text_len, si->text_hash ? si->text_hash : "",
	       si->rules_fp ? si->rules_fp : "");
	return 0;
}

static int print_change(const struct change_record *c, void *data)
{
	(void)data;
	char when[21];
	pw_time_iso(c->detected_at, when);
	printf(_("change   %-6lld %s  snapshot %lld -> %lld  %s%s"), (long long)c->id, when,
	       (long long)c->old_snapshot_id, (long long)c->new_snapshot_id, c->state,
	       c->reverted_to_at ? _(" (reverted to an earlier text)") : "");
	if (c->state && strcmp(c->state, "pending")) {
		char at[21] = "?";
		if (c->reviewed_at)
			pw_time_iso(c->reviewed_at, at);
		printf(_(" by %s on %s"), c->reviewed_by ? c->reviewed_by : "?", at);
		if (c->note && *c->note)
			printf(": %s", c->note);
	}
	printf("\n");
	return 0;
}

/* Prints the history of one page; *had false (nothing printed) when the
 * store has none. EXIT_OK or EXIT_DATABASE. */
static int history_of(struct store *s, const char *page, bool *had)
{
	struct change_filter f = { .page_id = page };
	struct page_state st = { 0 };
	int rc = EXIT_OK;
	*had = false;
	if (store_page_state(s, page, &st) < 0) {
		rc = EXIT_DATABASE;
		goto cleanup;
	}
	if (!st.has_snapshot && !st.fail_count)
		goto cleanup;
	*had = true;
	if (store_snapshots_each(s, page, print_snapshot, NULL) < 0 ||
	    store_changes_each(s, &f, print_change, NULL) < 0) {
		rc = EXIT_DATABASE;
		goto cleanup;
	}
	if (st.fail_count) {
		char since[21];
		pw_time_iso(st.failing_since, since);
		printf(_("failing  %d consecutive runs since %s (%s)\n"), st.fail_count, since,
		       st.last_failure ? st.last_failure : "?");
	}
	struct store_law_flags flags;
	if (store_law_flags_get(s, page, &flags) < 0) {
		rc = EXIT_DATABASE;
		goto cleanup;
	}
	for (size_t i = 0; i < flags.n; i++) {
		const struct store_law_flag *lf = &flags.v[i];
		char since[21];
		pw_time_iso(lf->flagged_at, since);
		printf(_("stale    predates %s since %s%s: %s\n"), lf->title, since,
		       lf->undated ? _(" (undated page)") : "", lf->evidence ? lf->evidence : "?");
	}
	store_law_flags_release(&flags);
cleanup:
	if (rc)
		log_error(_("cannot read the history of '%s': %s"), page, store_errmsg(s));
	store_page_state_release(&st);
	return rc;
}

int cmd_history(int argc, char **argv)
{
	struct review_opts o = { 0 };
	struct watchlist wl;
	struct store *s = NULL;
	bool had = false, have_wl = false;
	int rc = EXIT_OK;
	int prc = parse_review_opts("history", _("usage: prefwatch history PAGE_ID|OFFICE_ID [--watchlist FILE]... [--db FILE]\n\n"
				    "Lists every snapshot and change of a page, oldest first, with who\n"
				    "reviewed each change, when, and the note. An office id lists its pages;\n"
				    "an office served by another (served_by) lists the serving office's pages.\n"),
				    argc, argv, &o);
	watchlist_init(&wl);
	if (prc) {
		rc = prc < 0 ? EXIT_OK : prc;
		goto cleanup;
	}
	if (optind + 1 != argc) {
		rc = cli_usage_error("history", _("expected one page id"));
		goto cleanup;
	}
	s = open_store(o.db);
	if (!s) {
		rc = EXIT_DATABASE;
		goto cleanup;
	}
	const char *id = argv[optind];
	rc = history_of(s, id, &had);
	if (rc || had)
		goto cleanup;
	/* not a page of the store: an office, maybe served by another */
	watchlist_release(&wl);
	have_wl = review_watchlist(&wl, &o);
	const struct wl_office *of = have_wl ? cli_office_find(&wl, id) : NULL;
	const struct wl_office *serving = have_wl ? cli_serving_office(&wl, id) : NULL;
	if (serving) {
		printf("%s est traité par %s\n", id, serving->id);
		of = serving;
	}
	for (size_t i = 0; of && i < of->n_pages && !rc; i++) {
		bool one = false;
		if (of->n_pages > 1 || serving)
			printf("%spage %s\n", i ? "\n" : "", of->pages[i].id);
		rc = history_of(s, of->pages[i].id, &one);
		had = had || one;
	}
	if (!rc && !had) {
		log_error(_("no history for page '%s'"), id);
		rc = EXIT_USAGE;
	}
cleanup:
	watchlist_release(&wl);
	store_close(s);
	strvec_release(&o.watchlists);
	return rc;
}

/* ---- ack / dismiss ---- */

/* `ack PAGE_ID...` (or `ack --failure PAGE_ID...`): the editors know the
 * page is failing; until it fails otherwise or reads again, the reports
 * list it once a week. Every id is checked before anything is written. */
static int ack_failures(const struct review_opts *o, const char *by, char **ids, size_t n)
{
	struct store *s = open_store(o->db);
	int rc = EXIT_OK;
	if (!s)
		return EXIT_DATABASE;
	for (size_t i = 0; i < n && rc == EXIT_OK; i++) {
		struct page_state st;
		if (store_page_state_light(s, ids[i], &st) < 0) {
			log_error(_("cannot read page '%s': %s"), ids[i], store_errmsg(s));
			rc = EXIT_DATABASE;
		} else if (st.fail_count <= 0 || !st.last_failure) {
			log_error(_("page '%s' is not failing: nothing to acknowledge"), ids[i]);
			rc = EXIT_USAGE;
		}
		store_page_state_release(&st);
	}
	for (size_t i = 0; i < n && rc == EXIT_OK; i++) {
		int r = store_ack_failure(s, ids[i], by, o->note, time(NULL));
		if (r < 0) {
			log_error(_("cannot acknowledge '%s': %s"), ids[i], store_errmsg(s));
			rc = EXIT_DATABASE;
		} else if (r > 0) {
			log_error("%s", store_errmsg(s));
			rc = EXIT_USAGE;
		} else {
			printf(_("failure of %s acknowledged: listed once a week until it changes\n"), ids[i]);
		}
	}
	store_close(s);
	return rc;
}

/* A stored state ("reviewed", "dismissed", "pending": the database's and
 * the JSON's words, never translated there) in the user's language. */
static const char *state_label(const char *state)
{
	if (!strcmp(state, "reviewed"))
		return _("reviewed");
	if (!strcmp(state, "dismissed"))
		return _("dismissed");
	if (!strcmp(state, "pending"))
		return _("pending");
	return state;
}

static int review(const char *cmd, const char *state, int argc, char **argv)
{
	struct review_opts o = { 0 };
	const char *usage = !strcmp(state, "reviewed")
		? _("usage: prefwatch ack CHANGE_ID... [--note TEXT] [--by NAME] [--db FILE]\n"
		  "       prefwatch ack [--failure] PAGE_ID... [--note TEXT] [--by NAME] [--db FILE]\n\n"
		  "Marks changes as reviewed (the guide is up to date), or acknowledges the\n"
		  "failure of a page: it is then listed once a week, until its kind of\n"
		  "failure changes or the page reads again.\n")
		: _("usage: prefwatch dismiss CHANGE_ID... --note TEXT [--by NAME] [--db FILE]\n\n"
		  "Marks changes as not relevant for the guide.\n");
	int prc = parse_review_opts(cmd, usage, argc, argv, &o);
	strvec_release(&o.watchlists);
	if (prc)
		return prc < 0 ? EXIT_OK : prc;
	if (optind >= argc)
		return cli_usage_error(cmd, _("expected at least one change id"));
	if (!strcmp(state, "dismissed") && (!o.note || !*o.note))
		return cli_usage_error(cmd, _("--note is required: say why the change does not matter"));
	const char *by = o.by ? o.by : getenv("USER") ? getenv("USER") : "unknown";
	/* a page id is never a number: `ack 59-dunkerque` means its failure */
	if (!strcmp(state, "reviewed") && (o.failure || cli_parse_id(argv[optind]) < 0))
		return ack_failures(&o, by, argv + optind, (size_t)(argc - optind));

	int64_t *ids = xcalloc((size_t)(argc - optind), sizeof(*ids));
	size_t n = 0;
	for (int i = optind; i < argc; i++) {
		ids[n] = cli_parse_id(argv[i]);
		if (ids[n] < 0) {
			free(ids);
			return cli_usage_error(cmd, _("'%s' is not a change id"), argv[i]);
		}
		n++;
	}
	struct store *s = open_store(o.db);
	if (!s) {
		free(ids);
		return EXIT_DATABASE;
	}
	/* Check every id first, so that a typo in the list writes nothing. */
	int rc = EXIT_OK;
	for (size_t i = 0; i < n && rc == EXIT_OK; i++) {
		struct change_record c = { 0 };
		int g = store_change_get(s, ids[i], &c);
		if (g < 0) {
			log_error(_("cannot read change %lld: %s"), (long long)ids[i], store_errmsg(s));
			rc = EXIT_DATABASE;
		} else if (g > 0) {
			log_error(_("no change with id %lld"), (long long)ids[i]);
			rc = EXIT_USAGE;
		} else if (strcmp(c.state, "pending")) {
			log_error(_("change %lld is already %s"), (long long)ids[i], state_label(c.state));
			rc = EXIT_USAGE;
		}
		change_record_release(&c);
	}
	for (size_t i = 0; i < n && rc == EXIT_OK; i++) {
		int r = store_change_review(s, ids[i], state, by, o.note, time(NULL));
		if (r < 0) {
			log_error(_("cannot update change %lld: %s"), (long long)ids[i], store_errmsg(s));
			rc = EXIT_DATABASE;
		} else if (r > 0) {
			log_error(_("change %lld cannot be marked %s"), (long long)ids[i], state_label(state));
			rc = EXIT_USAGE;
		} else {
			printf(_("change %lld %s\n"), (long long)ids[i], state_label(state));
		}
	}
	free(ids);
	store_close(s);
	return rc;
}

int cmd_ack(int argc, char **argv)
{
	return review("ack", "reviewed", argc, argv);
}

int cmd_dismiss(int argc, char **argv)
{
	return review("dismiss", "dismissed", argc, argv);
}

/* ---- report ---- */

struct add_ctx {
	struct report *r;
	struct store *st;
};

static int add_change(const struct change_record *c, void *data)
{
	struct add_ctx *a = data;
	cli_report_add_change(a->r, c, a->st);
	return 0;
}

int cmd_report(int argc, char **argv)
{
	struct review_opts o = { 0 };
	struct report r;
	struct store *s = NULL;
	int rc = EXIT_OK;
	report_init(&r);
	int prc = parse_review_opts("report",
		_("usage: prefwatch report [--pending | --since DATE] [--json F] [--text F] [--html F]\n"
		"                        [--watchlist FILE]... [--db FILE]\n\n"
		"Renders stored changes (all, those still pending, or those detected since\n"
		"DATE, given as YYYY-MM-DD) as a report, with who reviewed each change, when\n"
		"and the note. Without a file option the text report goes to stdout.\n"
		"--watchlist (else the configured or bundled ones) names the offices a\n"
		"page also serves.\n"), argc, argv, &o);
	if (prc) {
		rc = prc < 0 ? EXIT_OK : prc;
		goto cleanup;
	}
	if (optind < argc) {
		rc = cli_usage_error("report", _("unexpected argument '%s'"), argv[optind]);
		goto cleanup;
	}
	if (o.pending && o.since) {
		rc = cli_usage_error("report", _("--pending and --since exclude each other"));
		goto cleanup;
	}
	if (o.want_html && !o.html) {
		rc = cli_usage_error("report", _("--html takes a file name"));
		goto cleanup;
	}
	if (report_output_is_stdout(o.json) + report_output_is_stdout(o.text) +
	    report_output_is_stdout(o.html) > 1) {
		rc = cli_usage_error("report", _("only one of --json, --text and --html can be '-' (standard output)"));
		goto cleanup;
	}
	struct change_filter f = { .pending_only = o.pending };
	if (o.since) {
		f.since = pw_time_parse(o.since);
		if (f.since < 0) {
			rc = cli_usage_error("report", _("bad date '%s' (expected YYYY-MM-DD)"), o.since);
			goto cleanup;
		}
	}
	s = open_store(o.db);
	if (!s) {
		rc = EXIT_DATABASE;
		goto cleanup;
	}
	r.started_at = r.finished_at = time(NULL);
	struct add_ctx ac = { &r, s };
	if (store_changes_each(s, &f, add_change, &ac) < 0) {
		log_error(_("cannot read changes: %s"), store_errmsg(s));
		rc = EXIT_DATABASE;
		goto cleanup;
	}
	add_also_for(&r, &o);
	int w = 0;
	if (o.json && report_write_json(&r, o.json) < 0) {
		log_error(_("cannot write '%s': %s"), o.json, report_output_strerror(errno));
		w = -1;
	}
	if (o.html)
		w |= emit(o.html, report_render_html(&r));
	if (o.text || (!o.json && !o.html))
		w |= emit(o.text, report_render_text(&r));
	if (w)
		rc = EXIT_FAILURE_OTHER;
cleanup:
	report_release(&r);
	store_close(s);
	strvec_release(&o.watchlists);
	return rc;
}
