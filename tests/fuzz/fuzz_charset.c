/*
 * fuzz_charset.c - libFuzzer harness for charset decoding: any bytes with
 * any Content-Type give valid UTF-8 of the length reported.
 */
#include "common/common.h"
#include "tests/fuzz/fuzz.h"

#include "crawler/crawler.h"

static const char *const content_types[] = {
	NULL, "text/html", "text/html; charset=utf-8", "text/html; charset=ISO-8859-1",
	"text/html; charset=windows-1252", "text/html; charset=\"utf-16\"",
	"text/html;charset=x-unknown-charset", "text/html; charset=",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	const char *ct = content_types[data[0] % PW_ARRAY_SIZE(content_types)];
	size_t len = 0;
	char *cs = NULL;
	char *out = charset_to_utf8((const char *)data + 1, size - 1, ct, &len, &cs);
	if (!out || !utf8_valid(out, len) || out[len] != '\0')
		FUZZ_FAIL("charset_to_utf8 gave no text, invalid UTF-8 or a wrong length");
	free(out);
	free(cs);
	return 0;
}
