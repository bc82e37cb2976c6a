/*
 * extract_dump - prints the extraction of an HTML file: text, then fields,
 * then the rule. Used to write and review the golden files:
 *   extract_dump PAGE.html BASE_URL [--text]
 */
#include "common/common.h"
#include "crawler/crawler.h"

int main(int argc, char **argv)
{
	struct extraction ex;
	char *err = NULL;
	FILE *f;
	struct buf b = BUF_INIT;
	char chunk[65536];
	size_t n;

	if (argc < 3) {
		fprintf(stderr, "usage: extract_dump PAGE.html BASE_URL [--text]\n");
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (!f) {
		fprintf(stderr, "cannot open '%s': %s\n", argv[1], strerror(errno));
		return 1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	if (extract_html(buf_str(&b), b.len, argv[2], NULL, &ex, &err) < 0) {
		fprintf(stderr, "cannot extract '%s': %s\n", argv[1], err);
		free(err);
		buf_release(&b);
		return 1;
	}
	fputs(ex.text, stdout);
	if (argc < 4 || strcmp(argv[3], "--text")) {
		char *s = fieldset_serialize(&ex.fields);
		printf("----\n%s----\nrule: %s\ntitle: %s\nheading: %s\n", s, ex.rule,
		       ex.title ? ex.title : "(none)", ex.heading ? ex.heading : "(none)");
		free(s);
	}
	extraction_release(&ex);
	buf_release(&b);
	return 0;
}
