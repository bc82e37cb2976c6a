/*
 * fetch_driver.c - runs the crawler's fetching over URLs given on the
 * command line and prints one JSON line per result, for test_fetch.py.
 *
 *   fetch_driver [--jobs N] [--per-host N] [--host-delay MS]
 *                [--connect-timeout S] [--timeout S] [--low-speed-limit B]
 *                [--low-speed-time S] [--max-body B] [--max-redirects N]
 *                [--max-attempts N] [--retry-after-cap S] [--backoff-ms MS]
 *                [--ua-url URL] [--ca-bundle FILE]
 *                [--resolve HOST:PORT:ADDRESS]... (the watchlist's resolve:)
 *                [--etag E] [--last-modified D]     (for every URL)
 *                [--then URL]        (queued from the first callback)
 *                [--stop-after-ms MS] (SIGALRM handler calls crawler_stop)
 *                [--quiet 1]         (print failed results and the summary only;
 *                                     for measuring the fetch loop)
 *                URL...
 *
 * Result lines: {"url":..., "failure":..., "error":..., "http_status":...,
 * "not_modified":..., "final_url":..., "redirected":..., "permanent_redirect":...,
 * "etag":..., "last_modified":..., "content_type":..., "body_len":...,
 * "body_hash":..., "body_hash_whole":..., "html":..., "charset":..., "attempts":..., "seconds":...}; then one line
 * {"run": rc, "elapsed": s, "results": n}.
 */
#include "common/common.h"
#include "common/url.h"
#include "crawler/crawler.h"

#include <signal.h>
#include <sys/time.h>

static struct crawler *the_crawler;
static const char *then_url;
static int results;
static int failures;
static bool quiet;

static void on_alarm(int sig)
{
	(void)sig;
	crawler_stop(the_crawler);
}

static void json_str(const char *s, size_t len)
{
	if (!s) {
		fputs("null", stdout);
		return;
	}
	putchar('"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void field(const char *name, const char *s)
{
	printf(", \"%s\": ", name);
	json_str(s, s ? strlen(s) : 0);
}

static void hex_field(const char *name, const char *s, size_t len)
{
	printf(", \"%s\": \"", name);
	for (size_t i = 0; i < len; i++)
		printf("%02x", (unsigned char)s[i]);
	putchar('"');
}

/* The exchange kept for evidence; its bytes in hex (they may be binary). */
static void exchange_field(const struct fetch_result *res)
{
	const struct fetch_exchange *x = res->exchange;
	if (!x) {
		fputs(", \"exchange\": null", stdout);
		return;
	}
	fputs(", \"exchange\": {\"request\": ", stdout);
	json_str(x->request, x->request_len);
	fputs(", \"response\": ", stdout);
	json_str(x->response, x->response_len);
	if (x->body)
		hex_field("body_hex", x->body, x->body_len);
	else
		fputs(", \"body_hex\": null", stdout);
	field("encoding", x->encoding);
	field("ip", x->ip);
	printf(", \"at\": %lld}", (long long)x->at);
}

static void on_done(struct crawler *c, const struct fetch_request *req,
		    struct fetch_result *res, void *ctx)
{
	(void)ctx;
	results++;
	if (res->failure != PW_FAIL_NONE)
		failures++;
	if (quiet && res->failure == PW_FAIL_NONE)
		goto done;
	fputs("{\"url\": ", stdout);
	json_str(req->url, strlen(req->url));
	field("failure", pw_failure_name(res->failure));
	field("error", res->error);
	printf(", \"http_status\": %ld, \"not_modified\": %s", res->http_status,
	       res->not_modified ? "true" : "false");
	field("final_url", res->final_url);
	printf(", \"redirected\": %s, \"permanent_redirect\": %s",
	       res->redirected ? "true" : "false", res->permanent_redirect ? "true" : "false");
	field("etag", res->etag);
	field("last_modified", res->last_modified);
	field("content_type", res->content_type);
	printf(", \"body_len\": %zu", res->body_len);
	/* the hash the crawler took as the bytes came, beside the one-shot
	 * hash of the body it hands over: they must agree */
	field("body_hash", res->body_hash);
	if (res->body) {
		char whole[PW_HASH_HEX];
		pw_hash_hex(res->body, res->body_len, whole);
		field("body_hash_whole", whole);
	} else {
		field("body_hash_whole", NULL);
	}
	fputs(", \"html\": ", stdout);
	json_str(res->html, res->html_len);
	field("charset", res->charset);
	exchange_field(res);
	printf(", \"attempts\": %d, \"seconds\": %.3f}\n", res->attempts, res->seconds);
	fflush(stdout);
done:
	/* the callback may steal: check that the crawler copes */
	free(res->html);
	res->html = NULL;
	if (then_url) {
		struct fetch_request r = { then_url, NULL, NULL, NULL };
		then_url = NULL;
		crawler_add(c, &r);
	}
}

int main(int argc, char **argv)
{
	struct crawler_config cfg;
	const char *etag = NULL, *lm = NULL;
	struct strvec resolve = STRVEC_INIT;
	long stop_after = 0;
	char *err = NULL;
	int i;

	/* as prefwatch's main does: IDN hosts need a UTF-8 LC_CTYPE */
	pw_locale_init();
	crawler_config_init(&cfg);
	cfg.resolve = &resolve;
	for (i = 1; i < argc && !strncmp(argv[i], "--", 2); i += 2) {
		const char *o = argv[i] + 2, *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v) {
			fprintf(stderr, "option '%s' needs a value\n", argv[i]);
			return 2;
		}
		long n = strtol(v, NULL, 10);
		if (!strcmp(o, "jobs")) cfg.jobs = n;
		else if (!strcmp(o, "per-host")) cfg.per_host = n;
		else if (!strcmp(o, "host-delay")) cfg.host_delay_ms = n;
		else if (!strcmp(o, "connect-timeout")) cfg.connect_timeout = n;
		else if (!strcmp(o, "timeout")) cfg.timeout = n;
		else if (!strcmp(o, "low-speed-limit")) cfg.low_speed_limit = n;
		else if (!strcmp(o, "low-speed-time")) cfg.low_speed_time = n;
		else if (!strcmp(o, "max-body")) cfg.max_body = n;
		else if (!strcmp(o, "max-redirects")) cfg.max_redirects = n;
		else if (!strcmp(o, "max-attempts")) cfg.max_attempts = n;
		else if (!strcmp(o, "retry-after-cap")) cfg.retry_after_cap = n;
		else if (!strcmp(o, "backoff-ms")) cfg.backoff_ms = n;
		else if (!strcmp(o, "ua-url")) cfg.user_agent_url = v;
		else if (!strcmp(o, "ca-bundle")) cfg.ca_bundle = v;
		else if (!strcmp(o, "etag")) etag = v;
		else if (!strcmp(o, "last-modified")) lm = v;
		else if (!strcmp(o, "then")) then_url = v;
		else if (!strcmp(o, "stop-after-ms")) stop_after = n;
		else if (!strcmp(o, "quiet")) quiet = n != 0;
		else if (!strcmp(o, "resolve")) strvec_push(&resolve, v);
		else {
			fprintf(stderr, "unknown option '%s'\n", argv[i]);
			return 2;
		}
	}

	the_crawler = crawler_new(&cfg, &err);
	if (!the_crawler) {
		fprintf(stderr, "%s\n", err);
		free(err);
		return 1;
	}
	for (; i < argc; i++) {
		struct fetch_request r = { argv[i], etag, lm, NULL };
		crawler_add(the_crawler, &r);
	}
	if (stop_after > 0) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_alarm;
		sigaction(SIGALRM, &sa, NULL);
		struct itimerval it;
		memset(&it, 0, sizeof(it));
		it.it_value.tv_sec = stop_after / 1000;
		it.it_value.tv_usec = (stop_after % 1000) * 1000;
		setitimer(ITIMER_REAL, &it, NULL);
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = crawler_run(the_crawler, on_done, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("{\"run\": %d, \"elapsed\": %.3f, \"results\": %d, \"failures\": %d}\n", rc,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, results,
	       failures);
	crawler_free(the_crawler);
	strvec_release(&resolve);
	return 0;
}
