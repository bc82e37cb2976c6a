/*
 * json_writer.c - see json_writer.h. The writer holds, per open container,
 * whether anything was written in it yet: that alone decides the comma.
 */
#include "common/common.h"
#include "reports/json_writer.h"

#include <assert.h>

void jw_init(struct json_writer *w, struct buf *out)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->brk = -1;
}

static void add_indent(struct buf *o, int n)
{
	buf_addch(o, '\n');
	while (n-- > 0)
		buf_addch(o, ' ');
}

/* What comes before a member or an element of the innermost container: a
 * comma unless it is the first, then a new line when one was asked for. */
static void separate(struct json_writer *w)
{
	if (!w->depth)
		return;
	bool first = w->open[w->depth - 1].empty;
	int indent = w->open[w->depth - 1].lines;
	if (w->brk >= 0)
		indent = w->brk;
	w->brk = -1;
	w->open[w->depth - 1].empty = false;
	if (!first)
		buf_addch(w->out, ',');
	if (indent >= 0)
		add_indent(w->out, indent);
	else if (!first)
		buf_addch(w->out, ' ');
}

/* Before any value: after its key in an object, else separated from the
 * previous element. */
static void value_begin(struct json_writer *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	assert(!w->depth || w->open[w->depth - 1].array); /* a value in an object needs a key */
	separate(w);
}

static void begin(struct json_writer *w, bool array, int lines, char c)
{
	value_begin(w);
	assert(w->depth < JW_MAX_DEPTH);
	w->open[w->depth].array = array;
	w->open[w->depth].empty = true;
	w->open[w->depth].lines = lines;
	w->depth++;
	buf_addch(w->out, c);
}

void jw_object_begin(struct json_writer *w)
{
	begin(w, false, -1, '{');
}

void jw_array_begin(struct json_writer *w)
{
	begin(w, true, -1, '[');
}

void jw_array_begin_lines(struct json_writer *w, int indent)
{
	assert(indent >= 1);
	begin(w, true, indent, '[');
}

void jw_end(struct json_writer *w)
{
	assert(w->depth > 0 && !w->after_key);
	w->depth--;
	w->brk = -1;
	if (w->open[w->depth].lines >= 0 && !w->open[w->depth].empty)
		add_indent(w->out, w->open[w->depth].lines - 1);
	buf_addch(w->out, w->open[w->depth].array ? ']' : '}');
}

void jw_break(struct json_writer *w, int indent)
{
	assert(indent >= 0);
	w->brk = indent;
}

/* s as a JSON string, escaped (see json_writer.h). */
static void add_quoted(struct buf *o, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0;

	buf_addch(o, '"');
	while (i < len) {
		/* a run of plain ASCII at once: most of a report is */
		size_t run = i;
		while (run < len && p[run] >= 0x20 && p[run] < 0x7F && p[run] != '"' && p[run] != '\\')
			run++;
		if (run > i) {
			buf_add(o, s + i, run - i);
			i = run;
			continue;
		}
		unsigned char c = p[i];
		size_t n = 1;
		if (c == '"' || c == '\\') {
			buf_addch(o, '\\');
			buf_addch(o, (char)c);
		} else if (c == '\n') {
			buf_addstr(o, "\\n");
		} else if (c == '\t') {
			buf_addstr(o, "\\t");
		} else if (c == '\r') {
			buf_addstr(o, "\\r");
		} else if (c < 0x20 || c == 0x7F) {
			buf_printf(o, "\\u%04x", c);
		} else if (c < 0x80) {
			buf_addch(o, (char)c);
		} else if ((n = utf8_seq_len(p + i, len - i)) != 0) {
			buf_add(o, s + i, n);
		} else {
			buf_addstr(o, "\\ufffd");
			n = 1;
		}
		i += n;
	}
	buf_addch(o, '"');
}

void jw_key(struct json_writer *w, const char *key)
{
	assert(w->depth > 0 && !w->open[w->depth - 1].array && !w->after_key);
	separate(w);
	add_quoted(w->out, key);
	buf_addstr(w->out, ": ");
	w->after_key = true;
}

void jw_string(struct json_writer *w, const char *s)
{
	value_begin(w);
	if (s)
		add_quoted(w->out, s);
	else
		buf_addstr(w->out, "null");
}

void jw_int(struct json_writer *w, long long v)
{
	value_begin(w);
	buf_printf(w->out, "%lld", v);
}

void jw_double(struct json_writer *w, double v, int decimals)
{
	value_begin(w);
	/* the C locale's '.': prefwatch never takes LC_NUMERIC from the
	 * environment (cli/main.c) */
	buf_printf(w->out, "%.*f", decimals, v);
}

void jw_bool(struct json_writer *w, bool v)
{
	value_begin(w);
	buf_addstr(w->out, v ? "true" : "false");
}

void jw_null(struct json_writer *w)
{
	value_begin(w);
	buf_addstr(w->out, "null");
}

void jw_time(struct json_writer *w, time_t t)
{
	char iso[21];
	if (!t) {
		jw_null(w);
		return;
	}
	pw_time_iso(t, iso);
	jw_string(w, iso);
}

void jw_key_string(struct json_writer *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_string(w, s);
}

void jw_key_int(struct json_writer *w, const char *key, long long v)
{
	jw_key(w, key);
	jw_int(w, v);
}

void jw_key_double(struct json_writer *w, const char *key, double v, int decimals)
{
	jw_key(w, key);
	jw_double(w, v, decimals);
}

void jw_key_bool(struct json_writer *w, const char *key, bool v)
{
	jw_key(w, key);
	jw_bool(w, v);
}

void jw_key_null(struct json_writer *w, const char *key)
{
	jw_key(w, key);
	jw_null(w);
}

void jw_key_time(struct json_writer *w, const char *key, time_t t)
{
	jw_key(w, key);
	jw_time(w, t);
}

bool jw_is_complete(const struct json_writer *w)
{
	return w->depth == 0 && !w->after_key;
}
