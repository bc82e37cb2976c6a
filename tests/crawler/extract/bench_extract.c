/*
 * bench_extract.c - throughput of extract_html() against libxml2's bare
 * parse of the same page (the real nord.gouv.fr home page, 112 KB).
 *
 * Informational: it prints the per-page times and their ratio and fails
 * only if extraction itself fails or gives different text across runs
 * (the timing is not asserted: CI machines and sanitizers vary too much).
 * Set PW_BENCH_N to change the number of rounds (default 100).
 */
#include "common/common.h"
#include "tests/common/test.h"
#include "crawler/crawler.h"

#include <libxml/HTMLparser.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_throughput(void)
{
	size_t len;
	char *html = test_read_file("crawler/extract/fixtures/nord-accueil-2018.html", &len);
	const char *env = getenv("PW_BENCH_N");
	int n = env ? atoi(env) : 100;
	char *first = NULL;
	double t0, t_extract, t_parse;

	if (n < 1)
		n = 1;
	/* Warm-up: built-in patterns compile on first use. */
	struct extraction ex;
	char *err = NULL;
	CHECK_INT(extract_html(html, len, "http://www.nord.gouv.fr/", NULL, &ex, &err), 0);
	first = xstrdup(ex.text);
	extraction_release(&ex);

	/* Interleaved rounds, and the best round of each kind: the machine
	 * may be busy with other work, and the minimum is what the code costs. */
	double sum_x = 0, sum_p = 0, min_x = 1e9, min_p = 1e9;
	for (int i = 0; i < n; i++) {
		t0 = now();
		CHECK_INT(extract_html(html, len, "http://www.nord.gouv.fr/", NULL, &ex, &err), 0);
		if (i == n - 1)
			CHECK_STR(ex.text, first);
		extraction_release(&ex);
		t_extract = now() - t0;

		t0 = now();
		htmlDocPtr doc = htmlReadMemory(html, (int)len, "http://www.nord.gouv.fr/", "UTF-8",
						HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
						HTML_PARSE_NOWARNING);
		CHECK(doc != NULL);
		xmlFreeDoc(doc);
		t_parse = now() - t0;

		sum_x += t_extract;
		sum_p += t_parse;
		if (t_extract < min_x)
			min_x = t_extract;
		if (t_parse < min_p)
			min_p = t_parse;
	}
	printf("bench: %zu-byte page, %d rounds: extract %.3f ms/page (best %.3f), "
	       "bare htmlReadMemory %.3f ms/page (best %.3f), ratio %.2f (best-to-best %.2f)\n",
	       len, n, sum_x / n * 1e3, min_x * 1e3, sum_p / n * 1e3, min_p * 1e3,
	       sum_x / sum_p, min_x / min_p);
	free(first);
	free(html);
}

int main(void)
{
	TEST_RUN(test_throughput);
	return test_finish();
}
