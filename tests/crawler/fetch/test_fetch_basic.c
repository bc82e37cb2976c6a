/*
 * test_fetch_basic.c - the crawler API from C against the test server
 * started with the C launcher (tests/server/test_server.c): a page comes
 * back decoded with its validators, and the request carries the
 * User-Agent and the conditional headers; a page's linked documents are
 * fetched before the pages still queued on the same host.
 */
#include "common/common.h"
#include "crawler/crawler.h"

#include <sys/stat.h>

#include "tests/common/test.h"
#include "tests/server/test_server.h"

static char root[512];
static int port;

struct seen {
	int n;
	struct fetch_result res;    /* the last one, stolen */
	void *data;
};

static void on_done(struct crawler *c, const struct fetch_request *req,
		    struct fetch_result *res, void *ctx)
{
	(void)c;
	struct seen *s = ctx;
	s->n++;
	s->data = req->data;
	fetch_result_release(&s->res);
	s->res = *res;
	/* steal everything: the crawler must not free it */
	memset(res, 0, sizeof(*res));
}

static void write_file(const char *name, const char *content)
{
	char *path = xasprintf("%s/%s", root, name);
	FILE *f = fopen(path, "wb");
	CHECK(f != NULL);
	if (f) {
		fputs(content, f);
		fclose(f);
	}
	free(path);
}

static void test_page_and_validators(void)
{
	write_file("page.html", "<html><body><main>Dépôt de la demande</main></body></html>");
	write_file("_routes.json", "{\"/page.html\": {\"etag\": \"\\\"v1\\\"\", "
		   "\"last_modified\": \"Wed, 01 Jan 2025 00:00:00 GMT\"}}");
	struct crawler_config cfg;
	crawler_config_init(&cfg);
	cfg.host_delay_ms = 0;
	char *err = NULL;
	struct crawler *c = crawler_new(&cfg, &err);
	CHECK(c != NULL);
	if (!c)
		return;
	char *url = xasprintf("http://127.0.0.1:%d/page.html", port);
	int tag = 7;
	struct fetch_request req = { url, NULL, NULL, &tag };
	crawler_add(c, &req);
	struct seen s = { 0 };
	CHECK_INT(crawler_run(c, on_done, &s), 0);
	CHECK_INT(s.n, 1);
	CHECK(s.data == &tag);
	CHECK_INT(s.res.failure, PW_FAIL_NONE);
	CHECK_INT(s.res.http_status, 200);
	CHECK_STR(s.res.html, "<html><body><main>Dépôt de la demande</main></body></html>");
	CHECK_STR(s.res.etag, "\"v1\"");
	CHECK_STR(s.res.last_modified, "Wed, 01 Jan 2025 00:00:00 GMT");
	CHECK_STR(s.res.content_type, "text/html; charset=utf-8");
	CHECK_STR(s.res.charset, "utf-8");
	CHECK_STR(s.res.final_url, url);
	CHECK(!s.res.redirected);
	CHECK_INT(s.res.attempts, 1);

	/* second run with the validators: 304, no body */
	struct fetch_request req2 = { url, "\"v1\"", "Wed, 01 Jan 2025 00:00:00 GMT", NULL };
	crawler_add(c, &req2);
	CHECK_INT(crawler_run(c, on_done, &s), 0);
	CHECK_INT(s.n, 2);
	CHECK_INT(s.res.failure, PW_FAIL_NONE);
	CHECK(s.res.not_modified);
	CHECK_INT(s.res.http_status, 304);
	CHECK(s.res.html == NULL);
	CHECK_INT(s.res.body_len, 0);

	size_t len;
	char *log = test_read_file(test_server_log(), &len);
	CHECK_CONTAINS(log, "\"User-Agent\": \"prefwatch/" PREFWATCH_VERSION
			    " (+https://www.gisti.org/prefwatch)\"");
	CHECK_CONTAINS(log, "\"If-None-Match\": \"\\\"v1\\\"\"");
	CHECK_CONTAINS(log, "\"If-Modified-Since\": \"Wed, 01 Jan 2025 00:00:00 GMT\"");
	free(log);
	fetch_result_release(&s.res);
	free(url);
	crawler_free(c);
}

/* Completion order, by URL path: a document queued from a page's
 * callback is taken before the host's queued pages, so that the caller's
 * document jobs do not wait for the whole watchlist (issue 19: 20,000 of
 * them were held at once on a 10,000-page night). */
struct order {
	struct { char v[8][32]; int n; } seen;
	char *doc_url;
};

static void on_order(struct crawler *c, const struct fetch_request *req,
		     struct fetch_result *res, void *ctx)
{
	struct order *o = ctx;
	const char *path = strrchr(req->url, '/');
	if (o->seen.n < 8)
		snprintf(o->seen.v[o->seen.n++], 32, "%s", path ? path + 1 : req->url);
	if (!strcmp(path ? path + 1 : "", "p1.html")) {
		struct fetch_request d = { o->doc_url, NULL, NULL, NULL };
		crawler_add_document(c, &d);
	}
	(void)res;
}

static void test_documents_before_queued_pages(void)
{
	write_file("p1.html", "<html><body><main>un</main></body></html>");
	write_file("p2.html", "<html><body><main>deux</main></body></html>");
	write_file("p3.html", "<html><body><main>trois</main></body></html>");
	write_file("d1.pdf", "%PDF-1.4 not really");
	struct crawler_config cfg;
	crawler_config_init(&cfg);
	cfg.host_delay_ms = 0;
	cfg.jobs = 1;
	cfg.per_host = 1;
	char *err = NULL;
	struct crawler *c = crawler_new(&cfg, &err);
	CHECK(c != NULL);
	if (!c)
		return;
	char *urls[3];
	for (int i = 0; i < 3; i++) {
		urls[i] = xasprintf("http://127.0.0.1:%d/p%d.html", port, i + 1);
		struct fetch_request req = { urls[i], NULL, NULL, NULL };
		crawler_add(c, &req);
	}
	struct order o = { .doc_url = xasprintf("http://127.0.0.1:%d/d1.pdf", port) };
	CHECK_INT(crawler_run(c, on_order, &o), 0);
	CHECK_INT(o.seen.n, 4);
	CHECK_STR(o.seen.v[0], "p1.html");
	CHECK_STR(o.seen.v[1], "d1.pdf");
	CHECK_STR(o.seen.v[2], "p2.html");
	CHECK_STR(o.seen.v[3], "p3.html");
	for (int i = 0; i < 3; i++)
		free(urls[i]);
	free(o.doc_url);
	crawler_free(c);
}

int main(void)
{
	snprintf(root, sizeof(root), "%s/www", test_tmpdir());
	if (mkdir(root, 0755) < 0 || test_server_start(root, &port) < 0) {
		fprintf(stderr, "cannot start the test server\n");
		return 1;
	}
	TEST_RUN(test_page_and_validators);
	TEST_RUN(test_documents_before_queued_pages);
	test_server_stop();
	return test_finish();
}
