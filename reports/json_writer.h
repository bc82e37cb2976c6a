/*
 * json_writer.h - a small JSON writer: commas, keys and escaping in one place.
 *
 * After git's json-writer.h: the caller says what it writes (an object, a
 * key and its value, an array and its elements) and the writer places the
 * separators (", " between members, ": " after a key) and escapes every
 * string as RFC 8259 asks: '"', '\\' and control characters (the latter
 * as \n, \t, \r or \u00XX, DEL too), valid UTF-8 passing through and each
 * invalid byte becoming \ufffd, so the output is valid JSON whatever a page
 * held. Times are ISO 8601 UTC strings, and 0 is null.
 *
 * Layout is the caller's, told in two ways: jw_break() puts the next member
 * on a new line, and jw_array_begin_lines() an array whose elements each
 * start a line. The writer appends to a caller's struct buf and keeps no
 * output of its own, so the caller may write out and empty the buffer
 * between two members (a report streamed page by page); a capped buffer's
 * overflow is the buffer's toobig flag, for the caller to check.
 *
 * Misuse (a value without a key in an object, a key in an array, an end
 * with nothing open, nesting deeper than JW_MAX_DEPTH) is a programmer
 * error: assert().
 */
#ifndef PREFWATCH_REPORTS_JSON_WRITER_H
#define PREFWATCH_REPORTS_JSON_WRITER_H

#include "common/common.h"

#define JW_MAX_DEPTH 32

struct json_writer {
	struct buf *out;           /* borrowed: where the text goes */
	int depth;                 /* open containers */
	struct {
		bool array;        /* else an object */
		bool empty;        /* nothing written in it yet */
		int lines;         /* jw_array_begin_lines(): element indent, else -1 */
	} open[JW_MAX_DEPTH];
	int brk;                   /* jw_break(): next member's indent, else -1 */
	bool after_key;            /* a key was written: its value comes next */
};

/* Writes to out (borrowed, must outlive the writer); nothing to release. */
void jw_init(struct json_writer *w, struct buf *out);

void jw_object_begin(struct json_writer *w);
void jw_array_begin(struct json_writer *w);
/* An array whose every element starts a new line indented by `indent`
 * spaces, its closing bracket on a line of its own one column left (an
 * empty one is "[]"). */
void jw_array_begin_lines(struct json_writer *w, int indent);
/* Ends the innermost open object or array. */
void jw_end(struct json_writer *w);
/* The next member of the current object (or element of the current array)
 * starts a new line indented by `indent` spaces, after its comma. */
void jw_break(struct json_writer *w, int indent);

/* A key in the current object; its value (or container) follows. */
void jw_key(struct json_writer *w, const char *key);

/* Values: an array's elements, or after jw_key(). */
void jw_string(struct json_writer *w, const char *s);   /* NULL: null */
void jw_int(struct json_writer *w, long long v);
void jw_double(struct json_writer *w, double v, int decimals); /* fixed point */
void jw_bool(struct json_writer *w, bool v);
void jw_null(struct json_writer *w);
void jw_time(struct json_writer *w, time_t t);          /* 0: null */

/* jw_key() and the value, in one call. */
void jw_key_string(struct json_writer *w, const char *key, const char *s);
void jw_key_int(struct json_writer *w, const char *key, long long v);
void jw_key_double(struct json_writer *w, const char *key, double v, int decimals);
void jw_key_bool(struct json_writer *w, const char *key, bool v);
void jw_key_null(struct json_writer *w, const char *key);
void jw_key_time(struct json_writer *w, const char *key, time_t t);

/* True when every container begun has been ended. */
bool jw_is_complete(const struct json_writer *w);

#endif
