/*
 * fuzz_report.c - libFuzzer harness for the renderers fed with hostile
 * text: the input, cut into pieces, becomes every page-derived string of a
 * report (texts, URLs, errors, field values). Each renderer must produce
 * valid UTF-8 when given valid UTF-8, and the HTML must hold no tag that
 * came from the page.
 */
#include "common/common.h"
#include "tests/fuzz/fuzz.h"

#include "reports/report.h"

static char *piece(const uint8_t **p, size_t *left)
{
	const uint8_t *nl = memchr(*p, '\n', *left);
	size_t n = nl ? (size_t)(nl - *p) : *left;
	char *s = xstrndup((const char *)*p, n);
	s[strlen(s)] = '\0';
	*p += nl ? n + 1 : n;
	*left -= nl ? n + 1 : n;
	/* renderers take valid UTF-8 (the crawler guarantees it) */
	if (!utf8_valid(s, strlen(s))) {
		free(s);
		s = xstrdup("?");
	}
	return s;
}

/* Every href="..." of the document names an http or https URL. */
static bool hrefs_are_http(const char *html)
{
	/* a page's own quote is escaped, so href=" can only be ours */
	for (const char *h = strstr(html, "href=\""); h; h = strstr(h + 6, "href=\"")) {
		const char *v = h + 6;
		if (strncasecmp(v, "http://", 7) && strncasecmp(v, "https://", 8))
			return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data;
	size_t left = size;
	struct report r;
	report_init(&r);
	r.title = piece(&p, &left);
	r.started_at = 1767578400;
	r.finished_at = 1767578460;
	for (int k = 0; k < 4; k++) {
		struct report_page *pg = report_add_page(&r);
		pg->id = piece(&p, &left);
		pg->office_name = piece(&p, &left);
		pg->region = piece(&p, &left);
		pg->departement = piece(&p, &left);
		pg->departement_name = piece(&p, &left);
		pg->url = piece(&p, &left);
		pg->final_url = piece(&p, &left);
		pg->status = (enum page_status)(k % 4);
		char *also = piece(&p, &left);
		strvec_push(&pg->also_ids, also);
		strvec_push(&pg->also_names, also);
		free(also);
		if (pg->status == PAGE_UNCHANGED) {
			pg->republished = true;
			pg->page_updated = piece(&p, &left);
		}
		if (pg->status == PAGE_FAILED) {
			pg->failure = PW_FAIL_MOVED;
			pg->error = piece(&p, &left);
			pg->listed = true;
			pg->fail_count = 3;
			pg->failing_since = 1767000000;
		}
		if (pg->status == PAGE_NEW || pg->status == PAGE_CHANGED) {
			pg->text = piece(&p, &left);
			char *v = piece(&p, &left);
			fieldset_add(&pg->fields, "addresses", v);
			fieldset_add(&pg->fields, "links", v);
			free(v);
		}
		if (pg->status == PAGE_CHANGED) {
			struct report_change *ch = xcalloc(1, sizeof(*ch));
			ch->id = 7;
			ch->old_text = piece(&p, &left);
			ch->new_text = xstrdup(pg->text);
			char *v = piece(&p, &left);
			char *minus = xasprintf("-%s", v), *plus = xasprintf("+%s", v);
			fieldset_add(&ch->deltas, "method", minus);
			fieldset_add(&ch->deltas, "addresses", plus);
			free(minus);
			free(plus);
			free(v);
			pg->change = ch;
		}
	}
	/* enough republished pages for "Pour information" to group them */
	for (int k = 0; k < 6; k++) {
		struct report_page *pg = report_add_page(&r);
		pg->id = piece(&p, &left);
		pg->office_name = piece(&p, &left);
		pg->status = PAGE_UNCHANGED;
		pg->republished = true;
	}
	char *outs[3] = { report_render_text(&r), report_render_html(&r), report_render_json(&r) };
	for (int i = 0; i < 3; i++) {
		if (!utf8_valid(outs[i], strlen(outs[i]))) {
			fwrite(outs[i], 1, strlen(outs[i]), stderr);
			fprintf(stderr, "\nfuzz_report: renderer %d gave invalid UTF-8\n", i);
			FUZZ_FAIL("invalid UTF-8 out of a renderer");
		}
	}
	/* no tag from the page: "<script" or "<img" could only come from input,
	 * and every link the HTML renders must point to http(s) (a page's
	 * http URL may well end in "javascript:", a scheme may not) */
	if (strstr(outs[1], "<script") || strstr(outs[1], "<img") || !hrefs_are_http(outs[1])) {
		fwrite(outs[1], 1, strlen(outs[1]), stderr);
		fprintf(stderr, "\nfuzz_report: a tag or a non-http link from the page reached the HTML\n");
		FUZZ_FAIL("a tag or a non-http link from the page reached the HTML");
	}
	for (int i = 0; i < 3; i++)
		free(outs[i]);
	report_release(&r);
	return 0;
}
