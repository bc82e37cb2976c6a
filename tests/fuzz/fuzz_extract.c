/*
 * fuzz_extract.c - libFuzzer harness: HTML -> canonical text, the whole
 * extraction stage, with the built-in rules and with select/exclude/ignore
 * rules. Checks the contract on every input: the text is valid UTF-8 and
 * holds no NUL, and extracting it twice gives the same text.
 */
#include "common/common.h"
#include "tests/fuzz/fuzz.h"

#include "crawler/crawler.h"

static struct extract_rules *builtin, *custom;

static void setup(void)
{
	struct strvec none = STRVEC_INIT, ex = STRVEC_INIT, ig = STRVEC_INIT;
	char *err = NULL;
	strvec_push(&ex, "//div[@class='share']");
	strvec_push(&ex, "//aside");
	strvec_push(&ig, "Vu \\d+ fois");
	strvec_push(&ig, "(?i)token[:=]\\s*\\w+");
	builtin = extract_rules_new(NULL, &none, &none, &err);
	custom = extract_rules_new("//main | //article", &ex, &ig, &err);
	if (!builtin || !custom)
		FUZZ_FAIL("the extraction rules do not compile");
	strvec_release(&ex);
	strvec_release(&ig);
}

static void one(const char *html, size_t len, const struct extract_rules *r)
{
	struct extraction a = { 0 }, b = { 0 };
	char *err = NULL;
	if (extract_html(html, len, "https://www.aisne.gouv.fr/Demarches/page", r, &a, &err) == 0) {
		if (!utf8_valid(a.text, strlen(a.text)) || strlen(a.text) != a.text_len)
			FUZZ_FAIL("extracted text is invalid UTF-8 or its length is wrong");
		if (extract_html(html, len, "https://www.aisne.gouv.fr/Demarches/page", r, &b, &err) == 0 &&
		    strcmp(a.text, b.text))
			FUZZ_FAIL("extraction is not deterministic");
	}
	extraction_release(&a);
	extraction_release(&b);
	free(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!builtin)
		setup();
	/* extract_html takes UTF-8: decode first, as the crawler does */
	size_t len = 0;
	char *cs = NULL;
	char *html = charset_to_utf8((const char *)data, size, "text/html", &len, &cs);
	one(html, len, builtin);
	one(html, len, custom);
	free(html);
	free(cs);
	return 0;
}
