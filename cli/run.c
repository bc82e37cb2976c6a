/*
 * run.c - `prefwatch run`: the nightly job.
 *
 * watchlist -> crawler (fetch, extract, classify) -> store -> report.
 *
 * This file parses the options, loads the watchlist and the pages' stored
 * state, runs the crawler (pages first, then the documents they link, in
 * further crawler runs while some wait for a confirming fetch), and writes
 * the report: files, stdout when there is news, and mail through the
 * outbox. What a fetch means is decided in pages.c and documents.c; each
 * outcome is committed in its own transaction, so a run killed at any
 * point keeps every page it finished.
 */
#include "common/common.h"

#include <getopt.h>
#include <signal.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/run.h"
#include "crawler/crawler.h"
#include "reports/report.h"
#include "store/store.h"
#include "watchlist/watchlist.h"

struct run_opts {
	struct settings set;        /* configuration file, then flags */
	const char *laws;           /* --laws FILE, else the bundled table */
	struct strvec only;
	enum log_level level;
	const char *dashboard;      /* --dashboard DIR, written after the report */
};

static struct crawler *volatile running_crawler;

static void on_signal(int sig)
{
	(void)sig;
	if (running_crawler)
		crawler_stop(running_crawler);
}

/* ---- the crawler callback ---- */

/* The crawler's data is a page job or a document job (first member). */
static void on_fetched(struct crawler *c, const struct fetch_request *req,
		       struct fetch_result *res, void *data)
{
	docs_sweep(data);
	docs_collect(data);
	if (*(const enum job_kind *)req->data == JOB_DOCUMENT)
		on_doc_fetched(c, req->data, data, res);
	else
		cli_page_fetched(c, req->data, res, data);
}

/* ---- setup ---- */

static void run_usage(FILE *out)
{
	fprintf(out,
		_("usage: prefwatch run [--watchlist FILE]... [--db FILE] [--only ID]...\n"
		"                     [--json FILE] [--text FILE] [--html FILE]\n"
		"                     [--jobs N] [--host-delay MS] [--quiet|--verbose]\n"
		"                     [--mail] [--mail-always] [--smtp-url URL] [--mail-from ADDR]\n"
		"                     [--mail-to ADDR]... [--sendmail PATH] [--laws FILE]\n"
		"                     [--dashboard DIR]\n\n"
		"Fetches every page of the watchlist (the bundled ones by default), compares\n"
		"its procedure text with the stored snapshot, stores the outcome and writes\n"
		"the report (French). The text report goes to --text FILE, or to stdout only\n"
		"when there is something to report, so that cron mails it only then.\n"
		"A FILE of '-' is stdout (then the text report is not printed there too);\n"
		"devices and FIFOs are written in place, regular files replaced atomically.\n"
		"--mail sends the report by e-mail when there is something to report\n"
		"(--mail-always: every night); a report that cannot be sent is kept and\n"
		"sent by the next run. --dashboard DIR writes the dashboard (see\n"
		"'prefwatch dashboard --help') after the report.\n"
		"Flags override the configuration file.\n"
		"--laws FILE: the table of legal events pages are judged against (else the\n"
		"bundled laws.yaml beside the watchlists).\n"));
}

static int parse_run_opts(int argc, char **argv, struct run_opts *o)
{
	static const struct option longopts[] = {
		{ "watchlist", required_argument, NULL, 'w' },
		{ "db", required_argument, NULL, 'd' },
		{ "only", required_argument, NULL, 'o' },
		{ "json", required_argument, NULL, 'j' },
		{ "text", required_argument, NULL, 't' },
		{ "html", required_argument, NULL, 'H' },
		{ "jobs", required_argument, NULL, 'J' },
		{ "host-delay", required_argument, NULL, 'D' },
		{ "mail", no_argument, NULL, 'm' },
		{ "mail-always", no_argument, NULL, 'A' },
		{ "smtp-url", required_argument, NULL, 'S' },
		{ "mail-from", required_argument, NULL, 'F' },
		{ "mail-to", required_argument, NULL, 'T' },
		{ "sendmail", required_argument, NULL, 'M' },
		{ "laws", required_argument, NULL, 'L' },
		{ "dashboard", required_argument, NULL, 'B' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *cl = "command line";
	struct settings *s = &o->set;
	int c;
	long v;
	char *end;
	optind = 1;
	while ((c = getopt_long(argc, argv, "w:d:o:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'w': settings_set_list(&s->watchlists, &s->watchlists_origin, optarg, cl); break;
		case 'd': settings_set(s, S_DB, optarg, cl); break;
		case 'o': strvec_push(&o->only, optarg); break;
		case 'j': settings_set(s, S_JSON, optarg, cl); break;
		case 't': settings_set(s, S_TEXT, optarg, cl); break;
		case 'H': settings_set(s, S_HTML, optarg, cl); break;
		case 'J':
			v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 256)
				return cli_usage_error("run", _("--jobs takes a number from 1 to 256"));
			settings_set(s, S_JOBS, optarg, cl);
			break;
		case 'D':
			v = strtol(optarg, &end, 10);
			if (*end || v < 0 || v > 600000)
				return cli_usage_error("run", _("--host-delay takes milliseconds (0 to 600000)"));
			settings_set(s, S_HOST_DELAY, optarg, cl);
			break;
		case 'm': settings_set(s, S_MAIL, "true", cl); break;
		case 'A':
			settings_set(s, S_MAIL, "true", cl);
			settings_set(s, S_MAIL_ALWAYS, "true", cl);
			break;
		case 'S': settings_set(s, S_SMTP_URL, optarg, cl); break;
		case 'F': settings_set(s, S_MAIL_FROM, optarg, cl); break;
		case 'T': settings_set_list(&s->mail_to, &s->mail_to_origin, optarg, cl); break;
		case 'M': settings_set(s, S_SENDMAIL, optarg, cl); break;
		case 'L': o->laws = optarg; break;
		case 'B': o->dashboard = optarg; break;
		case 'q': o->level = LOG_ERROR; break;
		case 'v': o->level = LOG_DEBUG; break;
		case 'h': run_usage(stdout); return -1;
		default: return cli_usage_error("run", _("unknown option"));
		}
	}
	if (optind < argc)
		return cli_usage_error("run", _("unexpected argument '%s'"), argv[optind]);
	return 0;
}

static bool selected(const struct run_opts *o, const struct wl_page *p)
{
	if (!o->only.n)
		return true;
	return strvec_contains(&o->only, p->id) || strvec_contains(&o->only, p->office->id);
}

static void sync_pages(struct store *s, const struct watchlist *wl, bool *db_error)
{
	size_t n = watchlist_page_count(wl), k = 0;
	struct store_page_info *infos = xcalloc(n ? n : 1, sizeof(*infos));
	for (size_t i = 0; i < wl->n_offices; i++) {
		const struct wl_office *of = &wl->offices[i];
		for (size_t j = 0; j < of->n_pages; j++) {
			struct store_page_info *pi = &infos[k++];
			pi->id = of->pages[j].id;
			pi->url = of->pages[j].url;
			pi->office_id = of->id;
			pi->office_name = of->name;
			pi->office_kind = office_kind_name(of->kind);
			pi->region = of->region;
			pi->departement = of->departement;
			pi->departement_name = of->departement_name;
		}
	}
	if (store_sync_pages(s, infos, k) < 0) {
		log_error(_("cannot record the watchlist's pages: %s"), store_errmsg(s));
		*db_error = true;
	}
	free(infos);
}

static void crawler_settings(struct crawler_config *cfg, const struct wl_defaults *d,
			     const struct run_opts *o)
{
	crawler_config_init(cfg);
	cfg->jobs = settings_long(&o->set, S_JOBS);
	cfg->host_delay_ms = settings_long(&o->set, S_HOST_DELAY);
	/* one connection per host: a night of all France asks each préfecture
	 * site for a page at a time, the host delay apart (issue 22) */
	cfg->per_host = 1;
	if (d->connect_timeout > 0)
		cfg->connect_timeout = d->connect_timeout;
	if (d->timeout > 0)
		cfg->timeout = d->timeout;
	if (d->low_speed_limit > 0)
		cfg->low_speed_limit = d->low_speed_limit;
	if (d->low_speed_time > 0)
		cfg->low_speed_time = d->low_speed_time;
	if (d->max_body > 0)
		cfg->max_body = d->max_body;
	cfg->user_agent_url = d->user_agent_url;
	cfg->ca_bundle = d->ca_bundle;
	cfg->resolve = &d->resolve;
}

/* Fills the report's identity of a page from the watchlist. */
static void report_identity(struct report_page *rp, const struct wl_page *p)
{
	rp->id = xstrdup(p->id);
	rp->office_id = xstrdup(p->office->id);
	rp->office_name = xstrdup(p->office->name);
	rp->region = xstrdup(p->office->region);
	rp->departement = xstrdup(p->office->departement);
	rp->departement_name = xstrdup(p->office->departement_name);
	rp->url = xstrdup(p->url);
	rp->watchlist_file = xstrdup(p->file);
	rp->watchlist_line = p->line;
	for (size_t i = 0; i < p->office->serves_ids.n; i++) {
		strvec_push(&rp->also_ids, p->office->serves_ids.v[i]);
		strvec_push(&rp->also_names, p->office->serves_names.v[i]);
	}
}

static char *report_title(const struct watchlist *wl, const struct run_opts *o)
{
	struct strvec regions = STRVEC_INIT;
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < wl->n_offices; i++) {
		const struct wl_office *of = &wl->offices[i];
		for (size_t j = 0; j < of->n_pages; j++)
			if (selected(o, &of->pages[j]) && !strvec_contains(&regions, of->region))
				strvec_push(&regions, of->region);
	}
	for (size_t i = 0; i < regions.n; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", regions.v[i]);
	strvec_release(&regions);
	return buf_detach(&b, NULL);
}

/* Changes committed by an earlier run but never reported (that run was
 * killed, or its report was not delivered) are reported now, once. */
struct earlier_ctx {
	struct report *report;
	int64_t run_id;
	struct store *store;
};

static int add_earlier_change(const struct change_record *c, void *data)
{
	struct earlier_ctx *e = data;
	if (c->run_id != e->run_id)
		cli_report_add_change(e->report, c, e->store);
	return 0;
}

/* At most one output may be standard output ("-", /dev/stdout): two
 * reports interleaved on one stream are neither. */
static int check_outputs(const struct run_opts *o)
{
	const enum setting_id ids[] = { S_JSON, S_TEXT, S_HTML };
	int n = 0;
	for (size_t i = 0; i < PW_ARRAY_SIZE(ids); i++)
		n += report_output_is_stdout(settings_get(&o->set, ids[i]));
	if (n > 1)
		return cli_usage_error("run", _("only one of --json, --text and --html can be '-' (standard output)"));
	return 0;
}

/* What became of the report's outputs. */
struct outputs_result {
	bool failed;            /* a --json, --text or --html output was not written */
	bool on_stdout;         /* the text report reached stdout whole */
	struct strvec failed_paths;
};

/* The French lines said under the stdout report when a file output failed:
 * the changes are marked as reported (the editors have them here, through
 * cron's mail), so the note says where to find them again. */
static void say_outputs_failed(const struct outputs_result *res)
{
	printf("\nAttention : le rapport n'a pas pu être écrit dans ");
	for (size_t i = 0; i < res->failed_paths.n; i++)
		printf("%s« %s »", i ? (i + 1 == res->failed_paths.n ? " et " : ", ") : "",
		       res->failed_paths.v[i]);
	printf(" (voir les erreurs ci-dessus). Les changements de ce rapport ne seront pas "
	       "signalés à nouveau : « prefwatch report --pending » les redonne tant qu'ils "
	       "ne sont pas revus.\n");
}

/* Writes the report files and, when there is news and no file took stdout,
 * the text report on stdout (so cron mails it only then). A failed file
 * output does not keep the others, or stdout, from being written. */
static void write_outputs(const struct report *r, const struct run_opts *o,
			  struct outputs_result *res)
{
	const char *text = settings_get(&o->set, S_TEXT);
	const char *json = settings_get(&o->set, S_JSON);
	const char *html = settings_get(&o->set, S_HTML);
	/* the text last: on stdout it can then say what failed before it */
	struct { const char *path; char *(*render)(const struct report *); } outs[] = {
		{ html, report_render_html },
		{ text, report_render_text },
	};
	/* the JSON holds every new page's text: written as it is rendered */
	if (json && report_write_json(r, json) < 0) {
		log_error(_("cannot write '%s': %s"), json, report_output_strerror(errno));
		strvec_push(&res->failed_paths, json);
	}
	for (size_t i = 0; i < PW_ARRAY_SIZE(outs); i++) {
		if (!outs[i].path)
			continue;
		char *s = outs[i].render(r);
		if (report_write_file(outs[i].path, s) < 0) {
			log_error(_("cannot write '%s': %s"), outs[i].path, report_output_strerror(errno));
			strvec_push(&res->failed_paths, outs[i].path);
		} else if (outs[i].path == text && report_output_is_stdout(text)) {
			if (res->failed_paths.n)
				say_outputs_failed(res);
			res->on_stdout = fflush(stdout) == 0 && !ferror(stdout);
		}
		free(s);
	}
	res->failed = res->failed_paths.n > 0;
	bool stdout_taken = report_output_is_stdout(json) || report_output_is_stdout(text) ||
			    report_output_is_stdout(html);
	if (!text && !stdout_taken && report_has_news(r)) {
		char *s = report_render_text(r);
		fputs(s, stdout);
		if (res->failed)
			say_outputs_failed(res);
		res->on_stdout = fflush(stdout) == 0 && !ferror(stdout);
		if (!res->on_stdout) {
			log_error(_("cannot write the report on standard output: %s"),
				  report_output_strerror(errno));
			res->failed = true;
		}
		free(s);
	}
}

static void mark_reported(struct store *s, const struct report *r, bool *db_error)
{
	size_t cap = r->n_pages + 1;
	for (size_t i = 0; i < r->n_pages; i++)
		cap += r->pages[i].n_documents;
	int64_t *ids = xcalloc(cap, sizeof(*ids));
	size_t n = 0;
	for (size_t i = 0; i < r->n_pages; i++) {
		if (r->pages[i].change && r->pages[i].change->id)
			ids[n++] = r->pages[i].change->id;
		for (size_t j = 0; j < r->pages[i].n_documents; j++)
			if (r->pages[i].documents[j].change && r->pages[i].documents[j].change->id)
				ids[n++] = r->pages[i].documents[j].change->id;
	}
	if (n && store_changes_mark_reported(s, ids, n, time(NULL)) < 0) {
		log_error(_("cannot mark changes as reported: %s"), store_errmsg(s));
		*db_error = true;
	}
	if (cli_stale_mark_reported(s, r, time(NULL)) < 0) {
		log_error(_("cannot mark stale pages as reported: %s"), store_errmsg(s));
		*db_error = true;
	}
	free(ids);
}

/* Every page of the run against the table of legal events (evaluated
 * again only where its text or the table changed), and the flags due
 * tonight into its report entry. A page's failure here is said and the
 * others go on. */
static void stale_pass(struct run_ctx *ctx, const struct law_table *laws,
		       const struct page_job *jobs, size_t n_jobs)
{
	time_t now = time(NULL);
	for (size_t i = 0; i < n_jobs; i++) {
		const char *id = jobs[i].page->id;
		if (cli_stale_refresh(ctx->store, laws, id, now) < 0 ||
		    cli_stale_report(ctx->store, id, &ctx->report->pages[jobs[i].rp], now, false) < 0) {
			log_error(_("cannot judge '%s' against the law: %s"), id, store_errmsg(ctx->store));
			ctx->db_error = true;
		}
	}
}

/* --only with a served office's id runs the serving office's pages */
static void only_serving_offices(struct run_opts *o, const struct watchlist *wl)
{
	for (size_t i = 0, n = o->only.n; i < n; i++) {
		const struct wl_office *by = cli_serving_office(wl, o->only.v[i]);
		if (!by)
			continue;
		if (o->level >= LOG_WARN)
			fprintf(stderr, "prefwatch: %s est traité par %s\n", o->only.v[i], by->id);
		if (!strvec_contains(&o->only, by->id))
			strvec_push(&o->only, by->id);
	}
}

/* One job per selected page, with its compiled rules, its stored state
 * (without text) and its entry in the report. 0 or an exit status. */
static int make_jobs(const struct run_opts *o, const struct watchlist *wl, struct run_ctx *ctx,
		     struct rules_cache *rules, struct page_job **jobs, size_t *n_jobs)
{
	char *err = NULL;
	*jobs = xcalloc(watchlist_page_count(wl) + 1, sizeof(**jobs));
	report_reserve_pages(ctx->report, watchlist_page_count(wl));
	for (size_t i = 0; i < wl->n_offices; i++) {
		for (size_t j = 0; j < wl->offices[i].n_pages; j++) {
			const struct wl_page *p = &wl->offices[i].pages[j];
			if (!selected(o, p))
				continue;
			struct page_job *job = &(*jobs)[*n_jobs];
			job->page = p;
			job->rules = rules_cache_get(rules, wl, p, &err);
			if (!job->rules) {
				/* the watchlist validated these: only a bug gets here */
				log_error("%s: %s", p->id, err);
				free(err);
				return EXIT_USAGE;
			}
			if (store_page_state_light(ctx->store, p->id, &job->st) < 0) {
				log_error(_("cannot read the state of '%s': %s"), p->id, store_errmsg(ctx->store));
				return EXIT_DATABASE;
			}
			drop_text(job);
			job->rp = ctx->report->n_pages;
			report_identity(report_add_page(ctx->report), p);
			(*n_jobs)++;
		}
	}
	if (o->only.n && !*n_jobs)
		return cli_usage_error("run", _("--only matches no page of the watchlist"));
	return 0;
}

static void queue_pages(struct run_ctx *ctx, struct page_job *jobs, size_t n_jobs)
{
	for (size_t i = 0; i < n_jobs; i++) {
		struct page_job *job = &jobs[i];
		/* conditional headers only when a 304 would mean "same text" */
		bool same_rules = str_eq(extract_rules_fingerprint(job->rules), job->st.rules_fp);
		struct fetch_request req = {
			.url = job->page->url,
			.etag = same_rules ? job->st.etag : NULL,
			.last_modified = same_rules ? job->st.last_modified : NULL,
			.data = job,
		};
		crawler_add(ctx->crawler, &req);
	}
}

/* The crawler waits (network, host delays): the fetch records grouped so
 * far go to disk, so that a quiet spell never holds the write lock. */
static void crawl_idle(void *arg)
{
	struct run_ctx *ctx = arg;
	docs_collect(ctx);
	if (store_group_flush(ctx->store, 50) < 0) {
		log_error(_("cannot store tonight's fetches: %s"), store_errmsg(ctx->store));
		ctx->db_error = true;
	}
}

/* A conversion finished on a worker thread: the crawler's wait ends, so
 * that its idle callback collects it. */
static void conversion_posted(void *crawler)
{
	crawler_wakeup(crawler);
}

/* The conversion pool for the crawl; without one (no thread could start)
 * documents are converted between crawler runs. */
static void pool_start(struct run_ctx *ctx)
{
	char *err = NULL;
	ctx->pool = convert_pool_new(ctx->converters, &ctx->doc_limits, conversion_posted,
				     ctx->crawler, &err);
	if (!ctx->pool) {
		log_warn(_("%s: converting documents after each crawler run instead"), err);
		free(err);
	}
}

/* Runs the crawler until every page and document is decided; SIGINT and
 * SIGTERM stop it cleanly (what is finished is stored). 0 or -1. Fetches
 * that bring no news are committed in groups (store_group_commits()):
 * on a quiet night a transaction per URL cost more than the fetch. */
static int crawl(struct run_ctx *ctx)
{
	struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term, old_pipe;
	struct sigaction ign = { .sa_handler = SIG_IGN };
	sigemptyset(&sa.sa_mask);
	sigemptyset(&ign.sa_mask);
	running_crawler = ctx->crawler;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	/* the converters' pw_child_run() ignores SIGPIPE while a child runs
	 * and restores it after; from two threads one's restore would end
	 * the other's ignore, so it stays ignored for the whole crawl */
	sigaction(SIGPIPE, &ign, &old_pipe);
	/* documents are converted by the pool while the crawl goes on; the
	 * crawler run ends when nothing is left to fetch, then the last
	 * conversions are waited for, and the confirming fetches they need
	 * make another run */
	int crc;
	store_group_commits(ctx->store, true);
	crawler_set_idle(ctx->crawler, crawl_idle, ctx);
	pool_start(ctx);
	while ((crc = crawler_run(ctx->crawler, on_fetched, ctx)) == 0 &&
	       (ctx->pending || docs_converting(ctx))) {
		if (ctx->pending) {
			process_pending(ctx);
		} else {
			docs_wait(ctx, 200);
			crawl_idle(ctx);
		}
		/* the documents decided here are not kept until the report
		 * is rendered (a first night's 21,000 at 10,000 pages) */
		docs_sweep(ctx);
	}
	/* an interrupted run: the queued files are removed, the running
	 * conversions end within their wall-clock limit */
	convert_pool_free(ctx->pool);
	ctx->pool = NULL;
	docs_sweep(ctx);
	crawler_set_idle(ctx->crawler, NULL, NULL);
	if (store_group_commits(ctx->store, false) < 0) {
		log_error(_("cannot store tonight's fetches: %s"), store_errmsg(ctx->store));
		ctx->db_error = true;
	}
	/* then, for the pages gone tonight, where they went */
	if (crc == 0)
		crc = relocate_search(ctx);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	running_crawler = NULL;
	return crc < 0 ? -1 : 0;
}

/* Adds earlier unreported changes, writes the outputs, queues and sends
 * the mail, marks what the editors got as reported, closes the run.
 * Returns the run's exit status. */
static int finish_run(struct run_ctx *ctx, const struct run_opts *o, size_t n_jobs)
{
	struct report *report = ctx->report;
	int rc = EXIT_OK, mail_rc = EXIT_OK;
	bool mail_on = settings_bool(&o->set, S_MAIL);

	/* pages never called back (cannot happen unless interrupted) are dropped */
	struct earlier_ctx ec = { report, ctx->run_id, ctx->store };
	struct change_filter cf = { .unreported_only = true };
	if (store_changes_each(ctx->store, &cf, add_earlier_change, &ec) < 0) {
		log_error(_("cannot read earlier changes: %s"), store_errmsg(ctx->store));
		ctx->db_error = true;
	}
	report->finished_at = time(NULL);
	ctx->counts.pages = (int)n_jobs;
	struct outputs_result out = { .failed_paths = STRVEC_INIT };
	write_outputs(report, o, &out);
	bool to_mail = mail_on && (report_has_news(report) ||
				   settings_bool(&o->set, S_MAIL_ALWAYS));
	bool queued = false;
	if (to_mail) {
		if (cli_mail_enqueue(ctx->store, report, report->finished_at) < 0)
			ctx->db_error = true;
		else
			queued = true;
	}
	/* Reported once the editors have it: every output written, or the
	 * text on stdout (cron mails it), or the mail queued (the outbox keeps
	 * it until sent). A report that reached none of them is repeated by
	 * the next run. */
	if (!out.failed || out.on_stdout || queued)
		mark_reported(ctx->store, report, &ctx->db_error);
	if (out.failed)
		rc = EXIT_FAILURE_OTHER;
	if (mail_on)
		mail_rc = cli_mail_flush(ctx->store, &o->set);
	strvec_release(&out.failed_paths);
	if (store_run_finish(ctx->store, ctx->run_id, report->finished_at, &ctx->counts) < 0) {
		log_error(_("cannot finish the run: %s"), store_errmsg(ctx->store));
		ctx->db_error = true;
	}
	/* after the report: a dashboard that cannot be written loses nothing */
	if (o->dashboard) {
		int drc = cli_dashboard_write(ctx->store, ctx->wl, o->dashboard);
		if (drc == EXIT_DATABASE)
			ctx->db_error = true;
		else if (drc && !rc)
			rc = drc;
	}
	if (ctx->db_error || mail_rc == EXIT_DATABASE)
		rc = EXIT_DATABASE;
	else if (!rc && mail_rc)
		rc = mail_rc;
	else if (!rc && ctx->counts.failed)
		rc = EXIT_PAGES_FAILED;
	log_info(_("%d pages: %d new, %d unchanged, %d changed, %d failed"), ctx->counts.pages,
		 ctx->counts.new_pages, ctx->counts.unchanged, ctx->counts.changed,
		 ctx->counts.failed);
	return rc;
}

/* The run's context around its report, watchlist and limits. */
static void ctx_setup(struct run_ctx *ctx, struct report *report, struct watchlist *wl)
{
	ctx->report = report;
	ctx->wl = wl;
	ctx->doc_domains = &wl->defaults.document_domains;
	ctx->pending_tail = &ctx->pending;
	doc_limits_init(&ctx->doc_limits);
	ctx->inflight = (struct strmap)STRMAP_INIT;
	ctx->failure_threshold = wl->defaults.failure_threshold > 0 ? wl->defaults.failure_threshold : 2;
}

/* The crawler, and the run in the store. EXIT_OK or the exit code, said. */
static int begin_run(struct run_ctx *ctx, const struct watchlist *wl, const struct run_opts *o,
		     struct report *report)
{
	struct crawler_config cfg;
	char *err = NULL;
	crawler_settings(&cfg, &wl->defaults, o);
	ctx->crawler = crawler_new(&cfg, &err);
	if (!ctx->crawler) {
		log_error("%s", err);
		free(err);
		return EXIT_FAILURE_OTHER;
	}
	report->started_at = time(NULL);
	if (store_run_begin(ctx->store, report->started_at, &ctx->run_id) < 0) {
		log_error(_("cannot start a run: %s"), store_errmsg(ctx->store));
		return EXIT_DATABASE;
	}
	report->run_id = ctx->run_id;
	return EXIT_OK;
}

/* The page jobs (n_jobs and the spare one) and the document jobs left. */
static void jobs_free(struct run_ctx *ctx, struct page_job *jobs, size_t n_jobs)
{
	for (size_t i = 0; jobs && i < n_jobs + 1; i++) {
		store_page_state_release(&jobs[i].st);
		page_first_free(jobs[i].first);
	}
	free(jobs);
	while (ctx->docs) {
		struct doc_job *next = ctx->docs->next;
		cli_doc_job_free(ctx->docs);
		ctx->docs = next;
	}
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = { .level = LOG_WARN };
	struct watchlist wl;
	struct report report;
	struct run_ctx ctx = { 0 };
	struct page_job *jobs = NULL;
	struct rules_cache rules = { STRMAP_INIT, STRVEC_INIT, NULL, 0 };
	struct law_table laws;
	size_t n_jobs = 0;
	char *db = NULL;
	int lock_fd = -1;
	int rc = EXIT_OK;

	watchlist_init(&wl);
	law_table_init(&laws);
	report_init(&report);
	if (settings_load(&o.set) < 0) {
		rc = EXIT_USAGE;
		goto cleanup;
	}
	int prc = parse_run_opts(argc, argv, &o);
	if (prc) {
		rc = prc < 0 ? EXIT_OK : prc;
		goto cleanup;
	}
	log_set_level(o.level);
	if (cli_load_watchlists(&wl, &o.set.watchlists)) {
		rc = EXIT_USAGE;
		goto cleanup;
	}
	if (cli_load_laws(&laws, o.laws)) {
		rc = EXIT_USAGE;
		goto cleanup;
	}
	only_serving_offices(&o, &wl);
	if (settings_bool(&o.set, S_MAIL) && cli_mail_check(&o.set) < 0) {
		rc = EXIT_USAGE;
		goto cleanup;
	}
	if ((rc = check_outputs(&o)))
		goto cleanup;
	db = cli_db_path(settings_get(&o.set, S_DB));
	if ((rc = cli_open_locked(db, true, &lock_fd, &ctx.store)))
		goto cleanup;
	ctx_setup(&ctx, &report, &wl);
	ctx.converters = (int)settings_long(&o.set, S_CONVERTERS);
	ctx.doc_limits.converter_dir = settings_get(&o.set, S_CONVERTER_DIR);
	sync_pages(ctx.store, &wl, &ctx.db_error);
	if ((rc = make_jobs(&o, &wl, &ctx, &rules, &jobs, &n_jobs)))
		goto cleanup;
	report.title = report_title(&wl, &o);

	if ((rc = begin_run(&ctx, &wl, &o, &report)))
		goto cleanup;
	ctx.total = n_jobs;
	ctx.progress = isatty(STDERR_FILENO) && o.level >= LOG_WARN;
	queue_pages(&ctx, jobs, n_jobs);
	if (crawl(&ctx) < 0) {
		log_error(_("run interrupted: pages finished so far are stored"));
		rc = EXIT_FAILURE_OTHER;
		goto cleanup;
	}
	stale_pass(&ctx, &laws, jobs, n_jobs);
	rc = finish_run(&ctx, &o, n_jobs);

cleanup:
	jobs_free(&ctx, jobs, n_jobs);
	rules_cache_release(&rules);
	doc_cache_release(&ctx);
	docs_inflight_release(&ctx);
	relocate_free(&ctx);
	crawler_free(ctx.crawler);
	store_close(ctx.store);
	cli_unlock(lock_fd);
	report_release(&report);
	watchlist_release(&wl);
	law_table_release(&laws);
	settings_release(&o.set);
	strvec_release(&o.only);
	free(db);
	return rc;
}
