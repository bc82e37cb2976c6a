/*
 * parse_bench.c - the yardstick of the benchmark: a bare libxml2 HTML parse
 * of each file named on the command line (read, htmlReadMemory, free), and
 * the same pages through prefwatch's whole extraction stage (parse,
 * selection, text, rules, facts), each timed in CPU seconds.
 *
 *   parse_bench FILE...    prints "bare_ms_per_page extract_ms_per_page ratio"
 */
#include "common/common.h"

#include <libxml/HTMLparser.h>

#include "crawler/crawler.h"

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char tmp[65536];
	size_t n;
	if (!f) {
		fprintf(stderr, "parse_bench: cannot open '%s': %s\n", path, strerror(errno));
		exit(2);
	}
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	return buf_detach(&b, len);
}

int main(int argc, char **argv)
{
	double bare = 0, full = 0;
	char *err = NULL;
	struct strvec none = STRVEC_INIT;
	struct extract_rules *rules = extract_rules_new(NULL, &none, &none, &err);
	if (!rules) {
		fprintf(stderr, "parse_bench: %s\n", err);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		size_t len;
		char *html = slurp(argv[i], &len);
		double t0 = cpu_now();
		htmlDocPtr doc = htmlReadMemory(html, (int)len, "http://127.0.0.1/", "UTF-8",
						HTML_PARSE_RECOVER | HTML_PARSE_NONET |
						HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
		xmlFreeDoc(doc);
		double t1 = cpu_now();
		struct extraction ex = { 0 };
		if (extract_html(html, len, "http://127.0.0.1/", rules, &ex, &err) < 0) {
			fprintf(stderr, "parse_bench: '%s': %s\n", argv[i], err);
			free(err);
			err = NULL;
		}
		extraction_release(&ex);
		double t2 = cpu_now();
		bare += t1 - t0;
		full += t2 - t1;
		free(html);
	}
	int n = argc - 1 > 0 ? argc - 1 : 1;
	printf("%.3f %.3f %.2f\n", bare * 1000 / n, full * 1000 / n, bare > 0 ? full / bare : 0.0);
	extract_rules_free(rules);
	return 0;
}
