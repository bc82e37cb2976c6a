/*
 * evidence.c - `prefwatch evidence`, `verify` and `prune`: the stored HTTP
 * exchanges as WARC 1.1 files, their digests checked, the uncited ones
 * dropped.
 *
 * A run keeps the exchange behind every version that starts (pages.c,
 * documents.c call cli_exchange_of()); these commands only read it back
 * (evidence), read a file (verify) or delete what no change cites (prune).
 */
#include "common/common.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <getopt.h>
#include <unistd.h>

#include "cli/cli.h"
#include "crawler/crawler.h"
#include "evidence/evidence.h"
#include "store/store.h"

bool cli_exchange_of(const struct fetch_result *res, struct store_exchange *x,
		     char sha[EVIDENCE_SHA256_HEX])
{
	const struct fetch_exchange *fx = res->exchange;
	if (!fx || !res->final_url)
		return false;
	const char *body = fx->body ? fx->body : res->body;
	size_t len = fx->body ? fx->body_len : res->body_len;
	if (!body)
		return false;
	evidence_sha256_hex(body, len, sha);
	*x = (struct store_exchange){
		.target_uri = res->final_url,
		.at = fx->at,
		.ip = fx->ip,
		.request = fx->request,
		.request_len = fx->request_len,
		.response = fx->response,
		.response_len = fx->response_len,
		.body = body,
		.body_len = len,
		.body_sha256 = sha,
	};
	return true;
}

/* The database named by --db or the configuration; NULL (said) when it
 * does not exist: these commands never create one. */
static struct store *open_existing(const char *flag)
{
	struct settings set;
	struct store *s = NULL;
	char *err = NULL, *db = NULL;
	if (settings_load(&set) < 0)
		goto cleanup;
	db = cli_db_path(flag ? flag : settings_get(&set, S_DB));
	if (access(db, F_OK) < 0) {
		log_error(_("no database at '%s' (a first 'prefwatch run' creates it)"), db);
		goto cleanup;
	}
	s = store_open(db, &err);
	if (!s)
		log_error("%s", err);
cleanup:
	settings_release(&set);
	free(db);
	free(err);
	return s;
}

/* ---- evidence ---- */

struct export_ctx {
	struct store *st;
	struct warc_writer *w;
	size_t n;
	int rc;
};

static int export_one(const struct store_exchange_info *x, void *data)
{
	struct export_ctx *e = data;
	struct store_exchange_data d;
	char *err = NULL, *extra = NULL;

	if (store_exchange_read(e->st, x->id, &d) < 0) {
		log_error(_("cannot read exchange %lld: %s"), (long long)x->id, store_errmsg(e->st));
		e->rc = EXIT_DATABASE;
		return 1;
	}
	/* what the exchange proves, in the store's terms */
	extra = xasprintf("Prefwatch-Page: %s\r\nPrefwatch-Snapshot: %lld\r\n%s",
			  x->page_id, (long long)x->snapshot_id, "");
	if (x->change_id > 0) {
		char *more = xasprintf("%sPrefwatch-Change: %lld\r\n", extra,
				       (long long)x->change_id);
		free(extra);
		extra = more;
	}
	struct warc_exchange wx = {
		.target_uri = x->target_uri,
		.at = x->at,
		.ip = x->ip,
		.request = d.request,
		.request_len = d.request_len,
		.response = d.response,
		.response_len = d.response_len,
		.body = d.body,
		.body_len = d.body_len,
		.extra = extra,
	};
	if (warc_write_exchange(e->w, &wx, &err) < 0) {
		log_error(_("cannot write exchange %lld: %s"), (long long)x->id, err);
		e->rc = EXIT_FAILURE_OTHER;
	} else {
		e->n++;
	}
	free(err);
	free(extra);
	store_exchange_data_release(&d);
	return e->rc != EXIT_OK;
}

static const char evidence_usage[] = N_(
	"usage: prefwatch evidence CHANGE_ID|PAGE_ID [--all] -o FILE.warc.gz [--db FILE]\n\n"
	"Writes the HTTP exchanges kept as proof as a WARC 1.1 file (warcinfo,\n"
	"request and response records, one gzip member each, SHA-256 digests):\n"
	"  CHANGE_ID   the exchanges of the change's old and new texts\n"
	"  PAGE_ID     the exchange of the page's current text\n"
	"  --all       every exchange kept for the page (of the change) and its documents\n"
	"'-o -' writes to standard output. 'prefwatch verify FILE' checks the digests.\n");

/* What `evidence` names: a number is a change; a page whose id is a
 * number is reached when no change has it. 0 with *change_id (0 for a
 * page) and *page (owned) set, or an exit status after saying why. */
static int evidence_target(struct store *st, const char *what, int64_t *change_id, char **page)
{
	int64_t id = cli_parse_id(what);
	if (id > 0) {
		struct change_record c = { 0 };
		int g = store_change_get(st, id, &c);
		if (g < 0) {
			log_error(_("cannot read change %lld: %s"), (long long)id, store_errmsg(st));
			return EXIT_DATABASE;
		}
		if (g == 0) {
			*change_id = id;
			*page = xstrdup(c.page_id);
			change_record_release(&c);
			return 0;
		}
		change_record_release(&c);
	}
	struct page_state ps;
	if (store_page_state_light(st, what, &ps) < 0) {
		log_error(_("cannot read page '%s': %s"), what, store_errmsg(st));
		return EXIT_DATABASE;
	}
	bool known = ps.has_snapshot || ps.final_url || ps.fail_count;
	store_page_state_release(&ps);
	if (!known) {
		log_error(_("no change or page '%s' in the database"), what);
		return EXIT_USAGE;
	}
	*page = xstrdup(what);
	return 0;
}

/* The output: stdout for "-", else a temporary file next to out (*tmp,
 * owned) renamed over it by evidence_close(). NULL after saying why. */
static FILE *evidence_open(const char *out, char **tmp)
{
	FILE *f = NULL;
	if (!strcmp(out, "-"))
		return stdout;
	*tmp = xasprintf("%s.tmpXXXXXX", out);
	int fd = mkstemp(*tmp);
	if (fd < 0 || !(f = fdopen(fd, "wb"))) {
		log_error(_("cannot write '%s': %s"), out, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(*tmp);
		*tmp = NULL;
		return NULL;
	}
	/* mkstemp's 0600: a file to hand over, like any the user writes */
	mode_t um = umask(0);
	umask(um);
	if (fchmod(fileno(f), 0666 & ~um) != 0)
		log_warn(_("cannot set the mode of '%s': %s"), *tmp, strerror(errno));
	return f;
}

/* Flushes f to disk and puts the file in place; *f and *tmp are NULL
 * afterwards when done. 0, or -1 after saying why. */
static int evidence_close(const char *out, FILE **f, char **tmp)
{
	if (fflush(*f) != 0 || (*f != stdout && fsync(fileno(*f)) != 0)) {
		log_error(_("cannot write '%s': %s"), out, strerror(errno));
		return -1;
	}
	if (*f == stdout)
		return 0;
	int cr = fclose(*f);
	*f = NULL;
	if (cr != 0 || rename(*tmp, out) != 0) {
		log_error(_("cannot write '%s': %s"), out, strerror(errno));
		return -1;
	}
	free(*tmp);
	*tmp = NULL;
	return 0;
}

int cmd_evidence(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *db = NULL, *out = NULL;
	bool all = false;
	struct store *st = NULL;
	struct warc_writer *w = NULL;
	char *tmp = NULL, *err = NULL, *fields = NULL, *page = NULL;
	FILE *f = NULL;
	int64_t change_id = 0;
	int opt, rc = EXIT_OK;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:d:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd': db = optarg; break;
		case 'o': out = optarg; break;
		case 'a': all = true; break;
		case 'h': printf("%s", _(evidence_usage)); return EXIT_OK;
		default: return cli_usage_error("evidence", _("unknown option"));
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("evidence", _("expected one change id or page id"));
	if (!out)
		return cli_usage_error("evidence", _("missing -o FILE.warc.gz"));
	st = open_existing(db);
	if (!st)
		return EXIT_DATABASE;

	const char *what = argv[optind];
	if ((rc = evidence_target(st, what, &change_id, &page)))
		goto cleanup;
	if (!(f = evidence_open(out, &tmp))) {
		rc = EXIT_FAILURE_OTHER;
		goto cleanup;
	}
	w = warc_writer_new(f);
	const char *slash = strrchr(out, '/');
	fields = change_id ? xasprintf("description: evidence of prefwatch change %lld (page %s)\r\n"
				       "prefwatch-change: %lld\r\nprefwatch-page: %s\r\n",
				       (long long)change_id, page, (long long)change_id, page)
			   : xasprintf("description: evidence of prefwatch page %s%s\r\n"
				       "prefwatch-page: %s\r\n",
				       page, all ? " (every version kept)" : " (current version)",
				       page);
	if (warc_write_warcinfo(w, strcmp(out, "-") ? (slash ? slash + 1 : out) : NULL, fields,
				&err) < 0) {
		log_error(_("cannot write '%s': %s"), out, err);
		rc = EXIT_FAILURE_OTHER;
		goto cleanup;
	}
	struct export_ctx e = { .st = st, .w = w, .rc = EXIT_OK };
	int walk = all ? store_exchanges_each(st, 0, page, true, export_one, &e)
		       : store_exchanges_each(st, change_id, change_id ? NULL : page, false,
					      export_one, &e);
	if (walk < 0) {
		log_error(_("cannot list exchanges: %s"), store_errmsg(st));
		rc = EXIT_DATABASE;
		goto cleanup;
	}
	if (e.rc != EXIT_OK) {
		rc = e.rc;
		goto cleanup;
	}
	if (!e.n) {
		if (change_id)
			log_error(_("no exchange is kept for change '%s' (kept since schema 5, for every new "
				    "version; 'prefwatch prune' may have dropped it)"), what);
		else
			log_error(_("no exchange is kept for page '%s' (kept since schema 5, for every new "
				    "version; 'prefwatch prune' may have dropped it)"), what);
		rc = EXIT_USAGE;
		goto cleanup;
	}
	if (evidence_close(out, &f, &tmp) < 0) {
		rc = EXIT_FAILURE_OTHER;
		goto cleanup;
	}
	log_info(ngettext("%zu exchange written to '%s'", "%zu exchanges written to '%s'", e.n), e.n, out);
cleanup:
	warc_writer_free(w);
	if (f && f != stdout)
		fclose(f);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	store_close(st);
	free(fields);
	free(page);
	free(err);
	return rc;
}

/* ---- verify ---- */

static void print_check(const struct warc_record_check *r, void *ctx)
{
	const char *path = ctx;
	if (r->problem)
		printf(_("FAILED  record %zu (%s%s%s) at offset %zu: %s\n"), r->index, r->type,
		       r->target_uri ? " " : "", r->target_uri ? r->target_uri : "", r->offset,
		       r->problem);
	else
		printf(_("ok      record %zu (%s%s%s)%s\n"), r->index, r->type,
		       r->target_uri ? " " : "", r->target_uri ? r->target_uri : "",
		       r->payload_checked ? ": block and payload digests match"
					  : ": block digest matches");
	(void)path;
}

int cmd_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct warc_verify_counts n;
	char *err = NULL;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			printf(_("usage: prefwatch verify FILE.warc.gz\n\n"
			       "Reads a WARC file record by record and checks every WARC-Block-Digest\n"
			       "and WARC-Payload-Digest (sha256 or sha1, hex or base32). Exit status 0\n"
			       "when every record has a block digest and every digest matches, 1 when\n"
			       "one does not, 2 when the file cannot be read as WARC.\n"));
			return EXIT_OK;
		default:
			return cli_usage_error("verify", _("unknown option"));
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("verify", _("expected one WARC file"));
	const char *path = argv[optind];
	if (warc_verify(path, print_check, (void *)path, &n, &err) < 0) {
		log_error("%s", err);
		free(err);
		return EXIT_USAGE;
	}
	if (n.failed) {
		printf(_("%zu of %zu records FAILED verification: '%s' is not what prefwatch wrote\n"),
		       n.failed, n.records, path);
		return EXIT_PAGES_FAILED;
	}
	printf(_("%zu records, every digest matches\n"), n.records);
	return EXIT_OK;
}

/* ---- prune ---- */

int cmd_prune(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "keep-evidence", no_argument, NULL, 'k' },
		{ "before", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct settings s;
	struct store *st = NULL;
	char *db = NULL;
	const char *before_s = NULL;
	bool keep = false;
	time_t before = 0;
	size_t nx = 0, nb = 0;
	int opt, rc = EXIT_OK, lock_fd = -1;

	if (settings_load(&s) < 0) {
		settings_release(&s);
		return EXIT_USAGE;
	}
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd': settings_set(&s, S_DB, optarg, "command line"); break;
		case 'k': keep = true; break;
		case 'b': before_s = optarg; break;
		case 'h':
			printf(_("usage: prefwatch prune --keep-evidence [--before YYYY-MM-DD] [--db FILE]\n\n"
			       "Deletes the kept HTTP exchanges that no change cites (an exchange is\n"
			       "cited when it proves a change's old or new text), kept before the\n"
			       "date if given, and the bodies no exchange uses any more. An exchange\n"
			       "a change cites is never deleted.\n"));
			goto cleanup;
		default:
			rc = cli_usage_error("prune", _("unknown option"));
			goto cleanup;
		}
	}
	if (optind != argc) {
		rc = cli_usage_error("prune", _("unexpected argument '%s'"), argv[optind]);
		goto cleanup;
	}
	if (!keep) {
		/* the only mode there is: say so rather than guess */
		rc = cli_usage_error("prune", _("--keep-evidence is required (exchanges a change cites "
				     "are never deleted)"));
		goto cleanup;
	}
	if (before_s && (before = pw_time_parse(before_s)) < 0) {
		rc = cli_usage_error("prune", _("bad date '%s' (expected YYYY-MM-DD)"), before_s);
		goto cleanup;
	}
	db = cli_db_path(settings_get(&s, S_DB));
	if (access(db, F_OK) < 0) {
		log_error(_("no database at '%s' (a first 'prefwatch run' creates it)"), db);
		rc = EXIT_DATABASE;
		goto cleanup;
	}
	if ((rc = cli_open_locked(db, true, &lock_fd, &st)))
		goto cleanup;
	if (store_prune_exchanges(st, before, &nx, &nb) < 0) {
		log_error(_("cannot prune '%s': %s"), db, store_errmsg(st));
		rc = EXIT_DATABASE;
		goto cleanup;
	}
	char *xs = xasprintf(ngettext("%zu exchange", "%zu exchanges", nx), nx);
	char *bs = xasprintf(ngettext("%zu body", "%zu bodies", nb), nb);
	/* TRANSLATORS: "3 exchanges and 2 bodies deleted; ..." */
	printf(_("%s and %s deleted; every exchange a change cites is kept\n"), xs, bs);
	free(xs);
	free(bs);
cleanup:
	store_close(st);
	cli_unlock(lock_fd);
	settings_release(&s);
	free(db);
	return rc;
}
