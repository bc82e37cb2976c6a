/*
 * test_json_writer.c - the JSON writer on its own: where commas, colons
 * and line breaks go in nested and empty containers, how every kind of
 * string is escaped (control characters, quotes, invalid UTF-8), values of
 * each type, output streamed through an emptied buffer, a capped buffer.
 */
#include "common/common.h"
#include "reports/json_writer.h"
#include "tests/common/test.h"

/* s written as one JSON string */
static char *quoted(const char *s)
{
	struct buf o;
	struct json_writer w;
	buf_init(&o, 0);
	jw_init(&w, &o);
	jw_string(&w, s);
	CHECK(jw_is_complete(&w));
	return buf_detach(&o, NULL);
}

#define CHECK_QUOTED(in, want) do { \
	char *q_ = quoted(in); \
	CHECK_STR(q_, want); \
	free(q_); \
} while (0)

static void test_escaping(void)
{
	CHECK_QUOTED("", "\"\"");
	CHECK_QUOTED("plain text", "\"plain text\"");
	CHECK_QUOTED("say \"hi\" \\o/", "\"say \\\"hi\\\" \\\\o/\"");
	CHECK_QUOTED("a\nb\tc\rd", "\"a\\nb\\tc\\rd\"");
	CHECK_QUOTED("\x01\x1f\x7f\x08\x0c", "\"\\u0001\\u001f\\u007f\\u0008\\u000c\"");
	/* '/' and non-ASCII need no escape: valid UTF-8 passes through */
	CHECK_QUOTED("https://x.fr/é€𝄞", "\"https://x.fr/é€𝄞\"");
	CHECK_QUOTED("<script>&amp;'", "\"<script>&amp;'\"");
	/* every invalid byte is one U+FFFD: a lone continuation byte, a
	 * truncated sequence, an overlong '/', a byte never valid */
	CHECK_QUOTED("a\x80z", "\"a\\ufffdz\"");
	CHECK_QUOTED("\xe2\x82", "\"\\ufffd\\ufffd\"");
	CHECK_QUOTED("\xc0\xaf", "\"\\ufffd\\ufffd\"");
	CHECK_QUOTED("\xff" "é", "\"\\ufffdé\"");
	/* keys are escaped like values */
	struct buf o;
	struct json_writer w;
	buf_init(&o, 0);
	jw_init(&w, &o);
	jw_object_begin(&w);
	jw_key_string(&w, "a\"b\n", "v");
	jw_end(&w);
	CHECK_STR(buf_str(&o), "{\"a\\\"b\\n\": \"v\"}");
	buf_release(&o);
}

static void test_commas_and_values(void)
{
	struct buf o;
	struct json_writer w;
	buf_init(&o, 0);
	jw_init(&w, &o);
	jw_object_begin(&w);
	jw_key_string(&w, "s", "x");
	jw_key_string(&w, "none", NULL);
	jw_key_int(&w, "n", -42);
	jw_key_int(&w, "big", 9007199254740993LL);
	jw_key_bool(&w, "t", true);
	jw_key_bool(&w, "f", false);
	jw_key_null(&w, "z");
	jw_key_time(&w, "at", 1764208800);
	jw_key_time(&w, "never", 0);
	jw_key(&w, "empty_o");
	jw_object_begin(&w);
	jw_end(&w);
	jw_key(&w, "empty_a");
	jw_array_begin(&w);
	jw_end(&w);
	jw_key(&w, "a");
	jw_array_begin(&w);
	jw_int(&w, 1);
	jw_string(&w, "two");
	jw_object_begin(&w);
	jw_key_int(&w, "k", 3);
	jw_key(&w, "in");
	jw_array_begin(&w);
	jw_array_begin(&w);
	jw_end(&w);
	jw_null(&w);
	jw_end(&w);
	jw_end(&w);
	jw_bool(&w, true);
	jw_time(&w, 0);
	jw_end(&w);
	CHECK(!jw_is_complete(&w));
	jw_end(&w);
	CHECK(jw_is_complete(&w));
	CHECK_STR(buf_str(&o),
		  "{\"s\": \"x\", \"none\": null, \"n\": -42, \"big\": 9007199254740993, "
		  "\"t\": true, \"f\": false, \"z\": null, \"at\": \"2025-11-27T02:00:00Z\", "
		  "\"never\": null, \"empty_o\": {}, \"empty_a\": [], "
		  "\"a\": [1, \"two\", {\"k\": 3, \"in\": [[], null]}, true, null]}");
	buf_release(&o);
}

/* jw_break() and jw_array_begin_lines(): the report's layout */
static void test_line_breaks(void)
{
	struct buf o;
	struct json_writer w;
	buf_init(&o, 0);
	jw_init(&w, &o);
	jw_object_begin(&w);
	jw_key_int(&w, "a", 1);
	jw_break(&w, 2);
	jw_key_int(&w, "b", 2);
	jw_key_int(&w, "c", 3);
	jw_key(&w, "lines");
	jw_array_begin_lines(&w, 4);
	jw_int(&w, 1);
	jw_object_begin(&w);
	/* a break before the first member: a new line, no comma */
	jw_break(&w, 6);
	jw_key_int(&w, "x", 1);
	jw_end(&w);
	jw_end(&w);
	jw_key(&w, "none");
	jw_array_begin_lines(&w, 4);
	jw_end(&w);
	/* a break left pending when its container ends is dropped */
	jw_break(&w, 9);
	jw_end(&w);
	CHECK_STR(buf_str(&o),
		  "{\"a\": 1,\n  \"b\": 2, \"c\": 3, \"lines\": [\n    1,\n    {\n      \"x\": 1}\n   ], "
		  "\"none\": []}");
	buf_release(&o);
}

/* The writer keeps no output: emptying the buffer between members (what
 * report_write_json() does after each page) changes nothing. */
static void test_streamed(void)
{
	struct buf whole, part, joined;
	struct json_writer a, b;
	buf_init(&whole, 0);
	buf_init(&part, 0);
	buf_init(&joined, 0);
	jw_init(&a, &whole);
	jw_init(&b, &part);
	for (int pass = 0; pass < 2; pass++) {
		struct json_writer *w = pass ? &b : &a;
		jw_object_begin(w);
		jw_key(w, "pages");
		jw_array_begin_lines(w, 2);
		for (int i = 0; i < 3; i++) {
			jw_object_begin(w);
			jw_key_int(w, "i", i);
			jw_end(w);
			if (pass) {
				buf_addstr(&joined, buf_str(&part));
				buf_reset(&part);
			}
		}
		jw_end(w);
		jw_end(w);
	}
	buf_addstr(&joined, buf_str(&part));
	CHECK_STR(buf_str(&joined), buf_str(&whole));
	CHECK_STR(buf_str(&whole), "{\"pages\": [\n  {\"i\": 0},\n  {\"i\": 1},\n  {\"i\": 2}\n ]}");
	buf_release(&whole);
	buf_release(&part);
	buf_release(&joined);
}

/* Past the buffer's cap the caller sees toobig; nothing is overrun. */
static void test_capped(void)
{
	struct buf o;
	struct json_writer w;
	buf_init(&o, 16);
	jw_init(&w, &o);
	jw_object_begin(&w);
	jw_key_string(&w, "text", "far more than sixteen bytes of text");
	jw_end(&w);
	CHECK(o.toobig);
	CHECK(o.len <= 16);
	buf_release(&o);
}

int main(void)
{
	TEST_RUN(test_escaping);
	TEST_RUN(test_commas_and_values);
	TEST_RUN(test_line_breaks);
	TEST_RUN(test_streamed);
	TEST_RUN(test_capped);
	return test_finish();
}
