/* test_charset.c - charset_to_utf8() on byte strings. */
#include "common/common.h"
#include "crawler/crawler.h"

#include "tests/common/test.h"

static char *decode(const char *body, size_t len, const char *ct, char **cs)
{
	size_t out_len = 0;
	char *out = charset_to_utf8(body, len, ct, &out_len, cs);
	CHECK(out != NULL);
	CHECK_INT(out_len, strlen(out));
	CHECK(utf8_valid(out, out_len));
	return out;
}

#define DECODE(lit, ct, cs) decode(lit, sizeof(lit) - 1, ct, cs)

/* é œ ’ « » in ISO-8859-1 labelled bytes: œ (0x9C) and ’ (0x92) only
 * exist in Windows-1252, which browsers use for latin1 labels */
static void test_latin1_label_is_cp1252(void)
{
	char *cs = NULL;
	char *s = DECODE("caf\xE9 \x9C" "uvre l\x92" "an \xAB" "x\xBB", "text/html; charset=ISO-8859-1", &cs);
	CHECK_STR(s, "café œuvre l’an «x»");
	CHECK_STR(cs, "windows-1252");
	free(s);
	free(cs);
}

static void test_cp1252_label(void)
{
	char *cs = NULL;
	char *s = DECODE("\x80 \x85 \x96\x97", "text/html;charset=\"windows-1252\"", &cs);
	CHECK_STR(s, "€ … –—");
	CHECK_STR(cs, "windows-1252");
	free(s);
	free(cs);
}

static void test_http_label_wins_over_meta(void)
{
	char *cs = NULL;
	char *s = DECODE("<meta charset=\"utf-8\"><p>\xE9</p>", "text/html; charset=iso-8859-1", &cs);
	CHECK_STR(s, "<meta charset=\"utf-8\"><p>é</p>");
	CHECK_STR(cs, "windows-1252");
	free(s);
	free(cs);
}

static void test_meta_charset(void)
{
	char *cs = NULL;
	char *s = DECODE("<html><head><META CHARSET='windows-1252'></head><p>\x93x\x94</p>", "text/html", &cs);
	CHECK_CONTAINS(s, "<p>“x”</p>");
	CHECK_STR(cs, "windows-1252");
	free(s);
	free(cs);
}

static void test_meta_http_equiv(void)
{
	char *cs = NULL;
	char *s = DECODE("<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-15\">"
			 "<p>\xA4</p>", NULL, &cs);
	CHECK_CONTAINS(s, "<p>€</p>");   /* 0xA4 is € in latin-9, ¤ in latin-1 */
	CHECK_STR(cs, "iso-8859-15");
	free(s);
	free(cs);
}

static void test_meta_beyond_scan_window_ignored(void)
{
	struct buf b = BUF_INIT;
	buf_addstr(&b, "<html><head>");
	for (int i = 0; i < 500; i++)
		buf_addstr(&b, "<!-- padding -->");
	buf_addstr(&b, "<meta charset=\"iso-8859-15\"><p>\xA4</p>");
	char *cs = NULL;
	char *s = decode(b.ptr, b.len, NULL, &cs);
	/* not valid UTF-8, no label seen: Windows-1252 where 0xA4 is ¤ */
	CHECK_CONTAINS(s, "<p>¤</p>");
	CHECK_STR(cs, "windows-1252");
	free(s);
	free(cs);
	buf_release(&b);
}

static void test_bom_utf8(void)
{
	char *cs = NULL;
	char *s = DECODE("\xEF\xBB\xBF<p>\xC3\xA9</p>", NULL, &cs);
	CHECK_STR(s, "<p>é</p>");
	CHECK_STR(cs, "utf-8");
	free(s);
	free(cs);
}

static void test_bom_utf16le(void)
{
	char *cs = NULL;
	static const char b[] = "\xFF\xFE<\0p\0>\0\xE9\0\x53\x01<\0";
	char *s = decode(b, sizeof(b) - 1, "text/html", &cs);
	CHECK_STR(s, "<p>éœ<");
	CHECK_STR(cs, "utf-16le");
	free(s);
	free(cs);
}

static void test_bom_utf16be(void)
{
	char *cs = NULL;
	static const char b[] = "\xFE\xFF\0<\0p\0>\x20\x19";
	char *s = decode(b, sizeof(b) - 1, NULL, &cs);
	CHECK_STR(s, "<p>’");
	CHECK_STR(cs, "utf-16be");
	free(s);
	free(cs);
}

static void test_unlabelled_valid_utf8(void)
{
	char *cs = NULL;
	char *s = DECODE("<p>\xC5\x93 \xE2\x80\x99</p>", "text/html", &cs);
	CHECK_STR(s, "<p>œ ’</p>");
	CHECK_STR(cs, "utf-8");
	free(s);
	free(cs);
}

static void test_unlabelled_invalid_utf8_falls_back(void)
{
	char *cs = NULL;
	char *s = DECODE("<p>d\xE9marche \xAB" "AES\xBB</p>", NULL, &cs);
	CHECK_STR(s, "<p>démarche «AES»</p>");
	CHECK_STR(cs, "windows-1252");
	free(s);
	free(cs);
}

/* a legacy page wrongly labelled UTF-8 (every non-ASCII byte invalid) */
static void test_mislabelled_utf8_falls_back(void)
{
	char *cs = NULL;
	char *s = DECODE("<p>pr\xE9" "fecture</p>", "text/html; charset=utf-8", &cs);
	CHECK_STR(s, "<p>préfecture</p>");
	CHECK_STR(cs, "windows-1252");
	free(s);
	free(cs);
}

/* a real UTF-8 page with one broken sequence keeps UTF-8 */
static void test_mostly_utf8_gets_replacement(void)
{
	char *cs = NULL;
	char *s = DECODE("<p>\xC3\xA9t\xC3 \xE9</p>", "text/html; charset=utf-8", &cs);
	CHECK_STR(s, "<p>ét\xEF\xBF\xBD \xEF\xBF\xBD</p>");
	CHECK_STR(cs, "utf-8");
	free(s);
	free(cs);
}

static void test_nul_bytes_dropped(void)
{
	char *cs = NULL;
	static const char b[] = "<p>a\0b</p>";
	char *s = decode(b, sizeof(b) - 1, "text/html; charset=utf-8", &cs);
	CHECK_STR(s, "<p>ab</p>");
	free(s);
	free(cs);
	s = decode(b, sizeof(b) - 1, "text/html; charset=windows-1252", &cs);
	CHECK_STR(s, "<p>ab</p>");
	free(s);
	free(cs);
}

static void test_unknown_label_sniffs(void)
{
	char *cs = NULL;
	char *s = DECODE("<p>\xC3\xA9</p>", "text/html; charset=x-no-such-charset", &cs);
	CHECK_STR(s, "<p>é</p>");
	CHECK_STR(cs, "utf-8");
	free(s);
	free(cs);
}

static void test_iconv_invalid_bytes_replaced(void)
{
	char *cs = NULL;
	/* 0x80 is unassigned in Shift_JIS alone; output must stay valid */
	char *s = DECODE("<p>\x82\xA0\x80x</p>", "text/html; charset=shift_jis", &cs);
	CHECK_CONTAINS(s, "あ");
	CHECK_CONTAINS(s, "x</p>");
	free(s);
	free(cs);
}

static void test_empty_body(void)
{
	char *cs = NULL;
	size_t n = 42;
	char *s = charset_to_utf8(NULL, 0, NULL, &n, &cs);
	CHECK_STR(s, "");
	CHECK_INT(n, 0);
	CHECK_STR(cs, "utf-8");
	free(s);
	free(cs);
}

int main(void)
{
	TEST_RUN(test_latin1_label_is_cp1252);
	TEST_RUN(test_cp1252_label);
	TEST_RUN(test_http_label_wins_over_meta);
	TEST_RUN(test_meta_charset);
	TEST_RUN(test_meta_http_equiv);
	TEST_RUN(test_meta_beyond_scan_window_ignored);
	TEST_RUN(test_bom_utf8);
	TEST_RUN(test_bom_utf16le);
	TEST_RUN(test_bom_utf16be);
	TEST_RUN(test_unlabelled_valid_utf8);
	TEST_RUN(test_unlabelled_invalid_utf8_falls_back);
	TEST_RUN(test_mislabelled_utf8_falls_back);
	TEST_RUN(test_mostly_utf8_gets_replacement);
	TEST_RUN(test_nul_bytes_dropped);
	TEST_RUN(test_unknown_label_sniffs);
	TEST_RUN(test_iconv_invalid_bytes_replaced);
	TEST_RUN(test_empty_body);
	return test_finish();
}
