/*
 * check.c - `prefwatch check` (validate watchlists) and `prefwatch test`
 * (show what would be extracted from one page, so an editor can write and
 * check a page's rules before adding it).
 */
#include "common/common.h"
#include "common/url.h"

#include <getopt.h>

#include "cli/cli.h"
#include "crawler/crawler.h"
#include "watchlist/watchlist.h"

/* A file named like the bundled table of legal events is one, wherever
 * it is (`prefwatch check watchlist/NAME.yaml ...` checks it too). */
static bool is_laws_file(const char *path)
{
	const char *base = strrchr(path, '/');
	return !strcmp(base ? base + 1 : path, CLI_LAWS_FILE);
}

int cmd_check(int argc, char **argv)
{
	struct watchlist wl;
	struct law_table laws;
	struct strvec files = STRVEC_INIT;
	char *laws_path = NULL;
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf(_("usage: prefwatch check [--laws FILE] [FILE...]\n\n"
		       "Validates watchlist files (the bundled ones by default) and prints\n"
		       "every error as FILE:LINE:COLUMN: message. Fetches nothing.\n"
		       "The table of legal events (a file named laws.yaml, --laws FILE, or\n"
		       "without FILE the bundled one) is validated too.\n"));
		return EXIT_OK;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--laws") && i + 1 < argc) {
			free(laws_path);
			laws_path = xstrdup(argv[++i]);
		} else if (is_laws_file(argv[i])) {
			free(laws_path);
			laws_path = xstrdup(argv[i]);
		} else {
			strvec_push(&files, argv[i]);
		}
	}
	/* no argument: the bundled watchlists and table */
	bool bundled = !files.n && !laws_path;
	watchlist_init(&wl);
	law_table_init(&laws);
	int n = 0;
	if (files.n || bundled)
		n = cli_load_watchlists(&wl, &files);
	if (n >= 0 && (laws_path || bundled)) {
		if (!laws_path)
			laws_path = cli_bundled_laws();
		if (laws_path)
			n += cli_load_laws(&laws, laws_path);
	}
	int rc = EXIT_OK;
	if (n < 0) {
		rc = EXIT_USAGE;
	} else if (n > 0) {
		fprintf(stderr, ngettext("prefwatch: %d error\n", "prefwatch: %d errors\n", (unsigned long)n), n);
		rc = EXIT_USAGE;
	} else {
		if (files.n || bundled) {
			size_t np = watchlist_page_count(&wl);
			char *offices = xasprintf(ngettext("%zu office", "%zu offices", wl.n_offices),
						  wl.n_offices);
			char *pages = xasprintf(ngettext("%zu page", "%zu pages", np), np);
			/* TRANSLATORS: "3 offices, 4 pages: ok" */
			printf(_("%s, %s: ok\n"), offices, pages);
			free(offices);
			free(pages);
		}
		if (laws.file)
			printf(ngettext("%s: %zu legal event: ok\n", "%s: %zu legal events: ok\n", laws.n),
			       laws.file, laws.n);
	}
	law_table_release(&laws);
	watchlist_release(&wl);
	strvec_release(&files);
	free(laws_path);
	return rc;
}

/* ---- test ---- */

struct test_opts {
	const char *select;
	struct strvec exclude, ignore, watchlists;
	const char *file;
	bool html;
};

struct one_fetch {
	struct fetch_result res;
	bool done;
};

static void keep_result(struct crawler *c, const struct fetch_request *req,
			struct fetch_result *res, void *data)
{
	(void)c;
	(void)req;
	struct one_fetch *of = data;
	of->res = *res;
	memset(res, 0, sizeof(*res));
	of->done = true;
}

static void print_fields(const struct fieldset *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		printf("%s:", fs->v[i].name);
		if (!fs->v[i].values.n)
			printf(_(" (none)"));
		printf("\n");
		for (size_t j = 0; j < fs->v[i].values.n; j++) {
			/* a threshold's parts (KIND, CONDITION, SUBJECT, VALUE) are
			 * tab-separated: shown with visible separators */
			const char *v = fs->v[i].values.v[j];
			printf("  - ");
			for (; *v; v++)
				fputs(*v == '\t' ? " | " : (char[2]){ *v, 0 }, stdout);
			printf("\n");
		}
	}
}

static int parse_test_opts(int argc, char **argv, struct test_opts *o)
{
	static const struct option longopts[] = {
		{ "select", required_argument, NULL, 's' },
		{ "exclude", required_argument, NULL, 'x' },
		{ "ignore", required_argument, NULL, 'i' },
		{ "file", required_argument, NULL, 'f' },
		{ "watchlist", required_argument, NULL, 'w' },
		{ "html", no_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 's': o->select = optarg; break;
		case 'x': strvec_push(&o->exclude, optarg); break;
		case 'i': strvec_push(&o->ignore, optarg); break;
		case 'f': o->file = optarg; break;
		case 'w': strvec_push(&o->watchlists, optarg); break;
		case 'H': o->html = true; break;
		case 'h':
			printf(_("usage: prefwatch test URL|PAGE_ID [--select XPATH] [--exclude XPATH]...\n"
			       "                      [--ignore REGEX]... [--html] [--watchlist FILE]...\n"
			       "       prefwatch test --file PAGE.html [URL] [--select ...]\n\n"
			       "Fetches one page now (or reads a saved file) and prints the extracted\n"
			       "text, then the facts found in it, then which rule selected the content.\n"
			       "A PAGE_ID takes the page's rules from the watchlist; the options add to\n"
			       "or replace them. --html also prints the decoded HTML.\n"));
			return -1;
		default: return cli_usage_error("test", _("unknown option"));
		}
	}
	return 0;
}

static void strvec_push_all(struct strvec *to, const struct strvec *from)
{
	for (size_t i = 0; i < from->n; i++)
		strvec_push(to, from->v[i]);
}

/* The rules of the page id *url in the watchlists (its select, exclude,
 * ignore and ignore_params, after the defaults' ignore patterns); *url
 * becomes the page's URL (borrowed from wl). EXIT_OK or the exit code. */
static int test_page_rules(struct watchlist *wl, struct test_opts *o, const char **url,
			   const char **select, struct strvec *exclude, struct strvec *ignore,
			   struct strvec *params)
{
	if (cli_load_watchlists(wl, &o->watchlists))
		return EXIT_USAGE;
	const struct wl_page *p = watchlist_find_page(wl, *url);
	if (!p)
		return cli_usage_error("test", _("no page '%s' in the watchlist"), *url);
	*url = p->url;
	*select = p->select;
	strvec_push_all(exclude, &p->exclude);
	strvec_push_all(ignore, &wl->defaults.ignore);
	strvec_push_all(ignore, &p->ignore);
	strvec_push_all(params, &wl->defaults.ignore_params);
	strvec_push_all(params, &p->ignore_params);
	return EXIT_OK;
}

/* The watchlist's rule, for a URL typed here too: a password in it would
 * go in clear over http and into the terminal's scrollback. EXIT_OK or
 * the exit code, said. */
static int test_refuse_credentials(const char *url)
{
	struct pw_url u = PW_URL_INIT;
	bool creds = pw_url_parse(url, &u, NULL) == 0 && u.has_userinfo;
	pw_url_release(&u);
	if (!creds)
		return EXIT_OK;
	char *shown = pw_url_redact(url);
	int rc = cli_usage_error("test", _("url '%s' holds a user name or password: "
			     "put credentials in ~/.netrc"), shown);
	free(shown);
	return rc;
}

/* Fetches url into of (the crawler kept in *c for the caller to free).
 * EXIT_OK or the exit code, said. */
static int test_fetch(const char *url, const struct watchlist *wl, struct crawler **c,
		      struct one_fetch *of)
{
	struct crawler_config cfg;
	char *err = NULL;
	crawler_config_init(&cfg);
	cfg.host_delay_ms = 0;
	cfg.resolve = &wl->defaults.resolve;
	*c = crawler_new(&cfg, &err);
	if (!*c) {
		log_error("%s", err);
		free(err);
		return EXIT_FAILURE_OTHER;
	}
	struct fetch_request req = { .url = url };
	crawler_add(*c, &req);
	crawler_run(*c, keep_result, of);
	if (!of->done || of->res.failure) {
		fprintf(stderr, _("prefwatch test: cannot fetch '%s': %s (%s)\n"), url,
			of->res.error ? of->res.error : "interrupted",
			pw_failure_name(of->res.failure));
		return EXIT_PAGES_FAILED;
	}
	return EXIT_OK;
}

/* A saved page (at most 64 MiB) decoded to UTF-8 as a fetched one would
 * be, its charset from its meta tag or sniffed. EXIT_OK or EXIT_USAGE,
 * said. */
static int test_read(const char *file, char **html, size_t *html_len, char **charset)
{
	struct buf raw = BUF_INIT;
	buf_init(&raw, 64u << 20);
	if (pw_read_file(file, &raw) < 0) {
		log_error(_("cannot read '%s': %s"), file, strerror(errno));
		buf_release(&raw);
		return EXIT_USAGE;
	}
	*html = charset_to_utf8(buf_str(&raw), raw.len, NULL, html_len, charset);
	buf_release(&raw);
	return EXIT_OK;
}

/* The text, facts, rule (and fetch, and HTML) of what was extracted. */
static void test_print(const struct test_opts *o, const struct extraction *ex,
		       const struct one_fetch *of, const char *url, const char *base,
		       const char *charset, const char *html)
{
	printf("%s\n", ex->text);
	printf(_("\n---- fields ----\n"));
	print_fields(&ex->fields);
	printf(_("\n---- rule ----\n%s\n"), ex->rule ? ex->rule : "?");
	if (!o->file) {
		enum pw_failure f = crawler_classify(url, &of->res, ex);
		printf(_("\n---- fetch ----\nHTTP %ld, %s, charset %s%s%s\n"), of->res.http_status, base,
		       charset ? charset : "?", f ? _(", classified as ") : "", pw_failure_name(f));
	}
	if (!*ex->text)
		fprintf(stderr, _("prefwatch test: the rule selects no text (no_content)\n"));
	if (o->html)
		printf(_("\n---- html ----\n%s\n"), html);
}

int cmd_test(int argc, char **argv)
{
	struct test_opts o = { 0 };
	struct watchlist wl;
	struct strvec exclude = STRVEC_INIT, ignore = STRVEC_INIT, params = STRVEC_INIT;
	struct extract_rules *rules = NULL;
	struct crawler *c = NULL;
	struct one_fetch of = { 0 };
	struct extraction ex = { 0 };
	char *html = NULL, *charset = NULL, *err = NULL, *base = NULL;
	size_t html_len = 0;
	const char *select = NULL, *url = NULL;
	int rc = EXIT_OK;

	watchlist_init(&wl);
	int prc = parse_test_opts(argc, argv, &o);
	if (prc) {
		rc = prc < 0 ? EXIT_OK : prc;
		goto cleanup;
	}
	url = optind < argc ? argv[optind++] : NULL;
	if (optind < argc || (!url && !o.file)) {
		rc = cli_usage_error("test", _("expected one URL or page id (or --file)"));
		goto cleanup;
	}

	/* A page id brings its rules (and the defaults' ignore patterns). */
	if (url && !strstr(url, "://") &&
	    (rc = test_page_rules(&wl, &o, &url, &select, &exclude, &ignore, &params)))
		goto cleanup;
	if (url && strstr(url, "://") && (rc = test_refuse_credentials(url)))
		goto cleanup;
	/* the options add to the page's rules, --select replaces its own */
	select = o.select ? o.select : select;
	strvec_push_all(&exclude, &o.exclude);
	strvec_push_all(&ignore, &o.ignore);
	rules = extract_rules_new_params(select, &exclude, &ignore, &params, &err);
	if (!rules) {
		rc = cli_usage_error("test", "%s", err);
		goto cleanup;
	}

	if (o.file) {
		if ((rc = test_read(o.file, &html, &html_len, &charset)))
			goto cleanup;
		base = url ? xstrdup(url) : xasprintf("file://%s", o.file);
	} else {
		if ((rc = test_fetch(url, &wl, &c, &of)))
			goto cleanup;
		html = of.res.html;  /* taken */
		of.res.html = NULL;
		html_len = of.res.html_len;
		charset = xstrdup(of.res.charset);
		base = xstrdup(of.res.final_url ? of.res.final_url : url);
	}

	if (extract_html(html, html_len, base, rules, &ex, &err) < 0) {
		log_error(_("cannot extract: %s"), err);
		rc = EXIT_PAGES_FAILED;
		goto cleanup;
	}
	test_print(&o, &ex, &of, url, base, charset, html);

cleanup:
	extraction_release(&ex);
	fetch_result_release(&of.res);
	crawler_free(c);
	extract_rules_free(rules);
	watchlist_release(&wl);
	strvec_release(&exclude);
	strvec_release(&ignore);
	strvec_release(&params);
	strvec_release(&o.exclude);
	strvec_release(&o.ignore);
	strvec_release(&o.watchlists);
	free(html);
	free(charset);
	free(base);
	free(err);
	return rc;
}
