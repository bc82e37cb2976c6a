/*
 * render_text.c - the plain-text report: stdout and the e-mail's text part.
 *
 * Read in an 80-column terminal or a mail client: every line is wrapped at
 * 80 columns on ASCII spaces (never inside a UTF-8 character, never inside
 * a URL, which stays whole so that it remains clickable); no-break spaces
 * of French typography are not break points. Deleted words are marked
 * [-ancien-] and inserted ones {+nouveau+}, as git's --word-diff does.
 *
 * What is said is the outline's (outline.c); this file only lays it out:
 * indentation by depth and kind, wrapping, the diff's margin.
 */
#include "common/common.h"
#include "reports/report.h"
#include "reports/internal.h"

#define TEXT_WIDTH 80
/* Lines of unchanged text shown around each change. */
#define TEXT_CONTEXT 2
/* A report is at most this big; past it the rest is cut, not the memory. */
#define TEXT_MAX (32u << 20)

/* Display columns of s[0..n): one per character (French text has no wide
 * characters worth measuring). */
static size_t columns(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	return c;
}

static void add_spaces(struct buf *o, size_t n)
{
	while (n--)
		buf_addch(o, ' ');
}

/* Appends prefix then s wrapped at TEXT_WIDTH, continuation lines indented
 * by `rest` spaces. Control characters from pages are shown as spaces. */
static void wrap(struct buf *o, const char *prefix, size_t rest, const char *s)
{
	size_t col = columns(prefix, strlen(prefix));
	buf_addstr(o, prefix);
	bool at_line_start = true;
	while (*s) {
		/* a word is everything up to the next ASCII space */
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		size_t n = 0;
		while (s[n] && s[n] != ' ')
			n++;
		size_t w = columns(s, n);
		if (!at_line_start && col + 1 + w > TEXT_WIDTH) {
			buf_addch(o, '\n');
			add_spaces(o, rest);
			col = rest;
			at_line_start = true;
		}
		if (!at_line_start) {
			buf_addch(o, ' ');
			col++;
		}
		for (size_t i = 0; i < n; i++)
			buf_addch(o, (unsigned char)s[i] < ' ' || s[i] == 0x7F ? ' ' : s[i]);
		col += w;
		at_line_start = false;
		s += n;
	}
	/* an empty line gets no trailing indentation */
	while (o->len && o->ptr[o->len - 1] == ' ') {
		o->len--;
		o->ptr[o->len] = '\0';
	}
	buf_addch(o, '\n');
}

static void section(struct buf *o, const char *title, size_t count)
{
	char *t = xasprintf("%s (%zu)", title, count);
	buf_printf(o, "\n%s\n", t);
	size_t n = columns(t, strlen(t));
	while (n--)
		buf_addch(o, '=');
	buf_addstr(o, "\n");
	free(t);
}

static void words_into(struct buf *line, const struct diff *w)
{
	for (size_t i = 0; i < w->n; i++) {
		const struct diff_edit *e = &w->v[i];
		if (e->op == DIFF_DELETE)
			buf_printf(line, "[-%s-]", e->text);
		else if (e->op == DIFF_INSERT)
			buf_printf(line, "{+%s+}", e->text);
		else
			buf_addstr(line, e->text);
	}
}

/* The diff rows, marked -/+/~ in the margin and [-…-]{+…+} inline. */
static void render_diff(struct buf *o, const struct outline_line *l, const char *indent)
{
	struct diff_view v;
	struct buf line;

	buf_init(&line, TEXT_MAX);
	diff_view_build(l->change->old_text, l->change->new_text, TEXT_CONTEXT, &v);
	if (!v.n) {
		wrap(o, "  ", 2, outline_same_text);
		goto cleanup;
	}
	buf_printf(o, "\n%s%s\n", indent, l->intro_marked);
	for (size_t i = 0; i < v.n; i++) {
		const struct diff_row *r = &v.v[i];
		const char *prefix = "      ";
		buf_reset(&line);
		switch (r->kind) {
		case ROW_GAP:
			buf_addstr(&line, outline_gap);
			break;
		case ROW_CONTEXT:
			buf_addstr(&line, r->text);
			break;
		case ROW_DELETE:
			prefix = "    - ";
			buf_printf(&line, "[-%s-]", r->text);
			break;
		case ROW_INSERT:
			prefix = "    + ";
			buf_printf(&line, "{+%s+}", r->text);
			break;
		case ROW_CHANGE:
			prefix = "    ~ ";
			words_into(&line, &r->words);
			break;
		}
		if (r->moved && (r->kind == ROW_DELETE || r->kind == ROW_INSERT))
			buf_printf(&line, " %s", outline_moved_line);
		wrap(o, prefix, 6, buf_str(&line));
	}

cleanup:
	buf_release(&line);
	diff_view_release(&v);
}

/* The spans of a line as plain text: roles do not show, a link is its
 * text (the address is on a line of its own where it matters). */
static void spans_into(struct buf *b, const struct outline_line *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct span *sp = &l->v[i];
		if (sp->kind == SPAN_URL)
			buf_addstr(b, sp->text ? sp->text : sp->url ? sp->url : "?");
		else
			buf_addstr(b, sp->text);
	}
}

/* A line of an entry: indented by its depth; facts, addresses and
 * details hang their continuation lines. */
static void render_line(struct buf *o, const struct outline_line *l)
{
	size_t indent = 2 + 2 * (size_t)l->depth, rest = indent;
	char prefix[16];
	struct buf b;

	switch (l->kind) {
	case LINE_DIFF:
		memset(prefix, ' ', indent);
		prefix[indent] = '\0';
		render_diff(o, l, prefix);
		return;
	case LINE_DOCUMENT:
		buf_addch(o, '\n');
		indent -= 2;
		rest = indent + 2;
		break;
	case LINE_CODE:
		indent += 2;
		rest = indent;
		break;
	case LINE_FACT:
	case LINE_LINK:
	case LINE_DETAIL:
		rest += 2;
		break;
	default:
		break;
	}
	memset(prefix, ' ', indent);
	prefix[indent] = '\0';
	buf_init(&b, TEXT_MAX);
	spans_into(&b, l);
	wrap(o, prefix, rest, buf_str(&b));
	buf_release(&b);
}

static void render_entry(struct buf *o, const struct outline_entry *e)
{
	buf_addch(o, '\n');
	wrap(o, "• ", 2, e->heading);
	if (e->url)
		wrap(o, "  ", 2, e->url);
	if (e->also)
		wrap(o, "  ", 2, e->also);
	for (size_t i = 0; i < e->n; i++)
		render_line(o, &e->v[i]);
}

/* Each entry is freed once written: the text grows as the outline shrinks. */
static void render_section(struct buf *o, struct outline_section *s)
{
	struct buf b;

	section(o, s->title, s->count);
	for (size_t i = 0; i < s->n; i++) {
		render_entry(o, &s->v[i]);
		outline_entry_release(&s->v[i]);
	}
	buf_init(&b, TEXT_MAX);
	for (size_t i = 0; i < s->n_lines; i++) {
		const struct outline_line *l = &s->lines[i];
		bool bullet = l->kind == LINE_BULLET;
		/* a blank line before each note, and before a list of bullets */
		if (!bullet || !i || s->lines[i - 1].kind != LINE_BULLET)
			buf_addch(o, '\n');
		buf_reset(&b);
		spans_into(&b, l);
		wrap(o, bullet ? "• " : "", bullet ? 2 : 0, buf_str(&b));
	}
	buf_release(&b);
}

char *report_render_text(const struct report *r)
{
	struct buf o;
	struct outline ol;

	buf_init(&o, TEXT_MAX);
	outline_build(r, &ol);
	wrap(&o, "", 0, ol.title);
	if (ol.subtitle)
		wrap(&o, "", 0, ol.subtitle);
	wrap(&o, "", 0, ol.summary);
	for (size_t i = 0; i < ol.n; i++)
		render_section(&o, &ol.v[i]);
	outline_release(&ol);
	if (o.toobig)
		buf_addstr(&o, "\n[rapport tronqué : trop volumineux]\n");
	return buf_detach(&o, NULL);
}
