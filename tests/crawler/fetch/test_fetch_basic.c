/*
 * test_fetch_basic.c - the crawler API from C against the test server
 * started with the C launcher (tests/server/test_server.c): a page comes
 * back decoded with its validators, and the request carries the
 * User-Agent and the conditional headers.
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

int main(void)
{
	snprintf(root, sizeof(root), "%s/www", test_tmpdir());
	if (mkdir(root, 0755) < 0 || test_server_start(root, &port) < 0) {
		fprintf(stderr, "cannot start the test server\n");
		return 1;
	}
	TEST_RUN(test_page_and_validators);
	test_server_stop();
	return test_finish();
}
