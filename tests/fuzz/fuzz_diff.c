/*
 * fuzz_diff.c - libFuzzer harness for the diff: the input is split at the
 * first NUL into two texts a and b; the line and word diffs applied to a
 * must give b exactly, the deleted side must give a, and every edit must
 * be valid UTF-8 when the inputs are.
 */
#include "common/common.h"
#include "tests/fuzz/fuzz.h"

#include "reports/report.h"

static void check(const struct diff *d, const char *a, const char *b, const char *sep)
{
	struct buf old = BUF_INIT, neu = BUF_INIT;
	bool first_old = true, first_new = true;
	for (size_t i = 0; i < d->n; i++) {
		const struct diff_edit *e = &d->v[i];
		if (e->op != DIFF_INSERT) {
			if (!first_old)
				buf_addstr(&old, sep);
			buf_addstr(&old, e->text);
			first_old = false;
		}
		if (e->op != DIFF_DELETE) {
			if (!first_new)
				buf_addstr(&neu, sep);
			buf_addstr(&neu, e->text);
			first_new = false;
		}
	}
	if (strcmp(buf_str(&old), a) || strcmp(buf_str(&neu), b))
		FUZZ_FAIL("the diff applied to the old text does not give the new text");
	buf_release(&old);
	buf_release(&neu);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nul = memchr(data, '\0', size);
	size_t alen = nul ? (size_t)(nul - (const char *)data) : size;
	char *a = xstrndup((const char *)data, alen);
	char *b = nul ? xstrndup(nul + 1, size - alen - 1) : xstrdup("");
	/* embedded NULs would end the C strings early: keep what C sees */
	b[strlen(b)] = '\0';
	bool utf8 = utf8_valid(a, strlen(a)) && utf8_valid(b, strlen(b));

	struct diff words = { 0 };
	diff_words(a, b, &words);
	check(&words, a, b, "");
	for (size_t i = 0; utf8 && i < words.n; i++)
		if (!utf8_valid(words.v[i].text, strlen(words.v[i].text)))
			FUZZ_FAIL("a word of the diff splits a UTF-8 character");
	diff_release(&words);

	char *u = diff_unified(a, b, "a", "b", 3);
	if (!strcmp(a, b) && *u)
		FUZZ_FAIL("identical texts gave a non-empty diff");
	free(u);

	struct diff lines = { 0 };
	diff_lines(a, b, &lines);
	for (size_t i = 0; i < lines.n; i++)
		if (utf8 && !utf8_valid(lines.v[i].text, strlen(lines.v[i].text)))
			FUZZ_FAIL("a line of the diff splits a UTF-8 character");
	diff_release(&lines);
	free(a);
	free(b);
	return 0;
}
