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

static struct report_change *change_from_record(const struct change_record *c,
						 const struct fieldset *new_fields)
{
	struct report_change *ch = xcalloc(1, sizeof(*ch));
	struct fieldset oldf = FIELDSET_INIT;
	ch->id = c->id;
	ch->detected_at = c->detected_at;
	ch->previous_at = c->old_at;
	ch->old_text = xstrdup(c->old_text);
	ch->new_text = xstrdup(c->new_text);
	if (new_fields) {
		fieldset_parse(&oldf, c->old_fields);
		fields_delta(&oldf, new_fields, &ch->deltas);
		fieldset_release(&oldf);
	}
	ch->reverted_to = c->reverted_to_at;
	if (c->state && strcmp(c->state, "pending"))
		ch->state = xstrdup(c->state);
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
	rd->change = change_from_record(c, NULL);
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
	fieldset_parse(&rp->fields, c->new_fields);
	const struct field *upd = fieldset_find(&rp->fields, "page_updated");
	if (upd && upd->values.n)
		rp->page_updated = xstrdup(upd->values.v[0]);
	rp->change = change_from_record(c, &rp->fields);
}

/* ---- shared option handling: every command takes --db ---- */

struct review_opts {
	const char *db;
	const char *note, *by;
	const char *json, *text, *html;
	const char *since;
	bool pending, want_html;
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
		case 'h': printf("%s", usage); return -1;
		default: return cli_usage_error(cmd, "unknown option");
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
		log_error("no database at '%s' (a first 'prefwatch run' creates it)", db);
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

static int emit(const char *path, char *s)
{
	int rc = 0;
	if (path) {
		if (report_write_file(path, s) < 0) {
			log_error("cannot write '%s': %s", path, report_output_strerror(errno));
			rc = -1;
		}
	} else {
		fputs(s, stdout);
	}
	free(s);
	return rc;
}

/* ---- pending ---- */

static int print_pending(const struct change_record *c, void *data)
{
	(void)data;
	char date[21];
	struct fieldset oldf = FIELDSET_INIT, newf = FIELDSET_INIT, d = FIELDSET_INIT;
	struct buf what = BUF_INIT;
	fieldset_parse(&oldf, c->old_fields);
	fieldset_parse(&newf, c->new_fields);
	fields_delta(&oldf, &newf, &d);
	for (size_t i = 0; i < d.n; i++)
		buf_printf(&what, "%s%s", i ? ", " : "", d.v[i].name);
	pw_time_iso(c->detected_at, date);
	printf("%-6lld %.10s  %-22s %s  %s%s\n", (long long)c->id, date, c->page_id,
	       c->office_name ? c->office_name : "", c->reverted_to_at ? "reverted; " : "",
	       what.len ? buf_str(&what) : "text");
	buf_release(&what);
	fieldset_release(&oldf);
	fieldset_release(&newf);
	fieldset_release(&d);
	return 0;
}

int cmd_pending(int argc, char **argv)
{
	struct review_opts o = { 0 };
	int prc = parse_review_opts("pending", "usage: prefwatch pending [--db FILE]\n\n"
				    "Lists the changes not reviewed yet: id, date, page, office, what changed.\n",
				    argc, argv, &o);
	if (prc)
		return prc < 0 ? EXIT_OK : prc;
	struct store *s = open_store(o.db);
	if (!s)
		return EXIT_DATABASE;
	struct change_filter f = { .pending_only = true };
	int rc = store_changes_each(s, &f, print_pending, NULL) < 0 ? EXIT_DATABASE : EXIT_OK;
	if (rc)
		log_error("cannot list changes: %s", store_errmsg(s));
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
	int prc = parse_review_opts("show", "usage: prefwatch show CHANGE_ID [--html] [--db FILE]\n\n"
				    "Shows one change in full: what changed in words, then the diff.\n",
				    argc, argv, &o);
	if (prc)
		return prc < 0 ? EXIT_OK : prc;
	if (optind + 1 != argc)
		return cli_usage_error("show", "expected one change id");
	int64_t id = cli_parse_id(argv[optind]);
	if (id < 0)
		return cli_usage_error("show", "'%s' is not a change id", argv[optind]);
	struct store *s = open_store(o.db);
	if (!s)
		return EXIT_DATABASE;
	report_init(&r);
	int g = store_change_get(s, id, &c);
	if (g < 0) {
		log_error("cannot read change %lld: %s", (long long)id, store_errmsg(s));
		rc = EXIT_DATABASE;
	} else if (g > 0) {
		log_error("no change with id %lld", (long long)id);
		rc = EXIT_USAGE;
	} else {
		cli_report_add_change(&r, &c, s);
		r.started_at = r.finished_at = c.detected_at;
		emit(o.html, o.want_html ? report_render_html(&r) : report_render_text(&r));
		if (c.state && strcmp(c.state, "pending")) {
			char when[21];
			pw_time_iso(c.reviewed_at, when);
			printf("\n%s by %s on %.10s%s%s\n", c.state, c.reviewed_by ? c.reviewed_by : "?",
			       when, c.note ? ": " : "", c.note ? c.note : "");
		}
	}
	change_record_release(&c);
	report_release(&r);
	store_close(s);
	return rc;
}

/* ---- history ---- */

static int print_snapshot(const struct snapshot_info *si, void *data)
{
	(void)data;
	char first[21], last[21];
	pw_time_iso(si->first_seen, first);
	pw_time_iso(si->last_seen, last);
	printf("snapshot %-6lld first seen %s  last seen %s  %zu bytes  text %.12s  rules %.12s\n",
	       (long long)si->id, first, last, si->text_len, si->text_hash ? si->text_hash : "",
	       si->rules_fp ? si->rules_fp : "");
	return 0;
}

static int print_change(const struct change_record *c, void *data)
{
	(void)data;
	char when[21];
	pw_time_iso(c->detected_at, when);
	printf("change   %-6lld %s  snapshot %lld -> %lld  %s%s\n", (long long)c->id, when,
	       (long long)c->old_snapshot_id, (long long)c->new_snapshot_id, c->state,
	       c->reverted_to_at ? " (reverted to an earlier text)" : "");
	return 0;
}

int cmd_history(int argc, char **argv)
{
	struct review_opts o = { 0 };
	int prc = parse_review_opts("history", "usage: prefwatch history PAGE_ID [--db FILE]\n\n"
				    "Lists every snapshot and change of a page, oldest first.\n",
				    argc, argv, &o);
	if (prc)
		return prc < 0 ? EXIT_OK : prc;
	if (optind + 1 != argc)
		return cli_usage_error("history", "expected one page id");
	struct store *s = open_store(o.db);
	if (!s)
		return EXIT_DATABASE;
	const char *page = argv[optind];
	struct change_filter f = { .page_id = page };
	int rc = EXIT_OK;
	struct page_state st = { 0 };
	if (store_page_state(s, page, &st) < 0 ||
	    store_snapshots_each(s, page, print_snapshot, NULL) < 0 ||
	    store_changes_each(s, &f, print_change, NULL) < 0) {
		log_error("cannot read the history of '%s': %s", page, store_errmsg(s));
		rc = EXIT_DATABASE;
	} else if (!st.has_snapshot && !st.fail_count) {
		log_error("no history for page '%s'", page);
		rc = EXIT_USAGE;
	} else if (st.fail_count) {
		char since[21];
		pw_time_iso(st.failing_since, since);
		printf("failing  %d consecutive runs since %s (%s)\n", st.fail_count, since,
		       st.last_failure ? st.last_failure : "?");
	}
	page_state_release(&st);
	store_close(s);
	return rc;
}

/* ---- ack / dismiss ---- */

static int review(const char *cmd, const char *state, int argc, char **argv)
{
	struct review_opts o = { 0 };
	const char *usage = !strcmp(state, "reviewed")
		? "usage: prefwatch ack CHANGE_ID... [--note TEXT] [--by NAME] [--db FILE]\n\n"
		  "Marks changes as reviewed (the guide is up to date).\n"
		: "usage: prefwatch dismiss CHANGE_ID... --note TEXT [--by NAME] [--db FILE]\n\n"
		  "Marks changes as not relevant for the guide.\n";
	int prc = parse_review_opts(cmd, usage, argc, argv, &o);
	if (prc)
		return prc < 0 ? EXIT_OK : prc;
	if (optind >= argc)
		return cli_usage_error(cmd, "expected at least one change id");
	if (!strcmp(state, "dismissed") && (!o.note || !*o.note))
		return cli_usage_error(cmd, "--note is required: say why the change does not matter");
	const char *by = o.by ? o.by : getenv("USER") ? getenv("USER") : "unknown";

	int64_t *ids = xcalloc((size_t)(argc - optind), sizeof(*ids));
	size_t n = 0;
	for (int i = optind; i < argc; i++) {
		ids[n] = cli_parse_id(argv[i]);
		if (ids[n] < 0) {
			free(ids);
			return cli_usage_error(cmd, "'%s' is not a change id", argv[i]);
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
			log_error("cannot read change %lld: %s", (long long)ids[i], store_errmsg(s));
			rc = EXIT_DATABASE;
		} else if (g > 0) {
			log_error("no change with id %lld", (long long)ids[i]);
			rc = EXIT_USAGE;
		} else if (strcmp(c.state, "pending")) {
			log_error("change %lld is already %s", (long long)ids[i], c.state);
			rc = EXIT_USAGE;
		}
		change_record_release(&c);
	}
	for (size_t i = 0; i < n && rc == EXIT_OK; i++) {
		int r = store_change_review(s, ids[i], state, by, o.note, time(NULL));
		if (r < 0) {
			log_error("cannot update change %lld: %s", (long long)ids[i], store_errmsg(s));
			rc = EXIT_DATABASE;
		} else if (r > 0) {
			log_error("change %lld cannot be marked %s", (long long)ids[i], state);
			rc = EXIT_USAGE;
		} else {
			printf("change %lld %s\n", (long long)ids[i], state);
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
	int prc = parse_review_opts("report",
		"usage: prefwatch report [--pending | --since DATE] [--json F] [--text F] [--html F] [--db FILE]\n\n"
		"Renders stored changes (all, those still pending, or those detected since\n"
		"DATE, given as YYYY-MM-DD) as a report. Without a file option the text\n"
		"report goes to stdout.\n", argc, argv, &o);
	if (prc)
		return prc < 0 ? EXIT_OK : prc;
	if (optind < argc)
		return cli_usage_error("report", "unexpected argument '%s'", argv[optind]);
	if (o.pending && o.since)
		return cli_usage_error("report", "--pending and --since exclude each other");
	if (o.want_html && !o.html)
		return cli_usage_error("report", "--html takes a file name");
	if (report_output_is_stdout(o.json) + report_output_is_stdout(o.text) +
	    report_output_is_stdout(o.html) > 1)
		return cli_usage_error("report", "only one of --json, --text and --html can be '-' (standard output)");
	struct change_filter f = { .pending_only = o.pending };
	if (o.since) {
		f.since = pw_time_parse(o.since);
		if (f.since < 0)
			return cli_usage_error("report", "bad date '%s' (expected YYYY-MM-DD)", o.since);
	}
	struct store *s = open_store(o.db);
	if (!s)
		return EXIT_DATABASE;
	report_init(&r);
	int rc = EXIT_OK;
	r.started_at = r.finished_at = time(NULL);
	struct add_ctx ac = { &r, s };
	if (store_changes_each(s, &f, add_change, &ac) < 0) {
		log_error("cannot read changes: %s", store_errmsg(s));
		rc = EXIT_DATABASE;
		goto cleanup;
	}
	int w = 0;
	if (o.json && report_write_json(&r, o.json) < 0) {
		log_error("cannot write '%s': %s", o.json, report_output_strerror(errno));
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
	return rc;
}
