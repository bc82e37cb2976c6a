/*
 * render_html.c - the HTML report: the e-mail's HTML part and --html FILE.
 *
 * One self-contained document that mail clients render: table layout,
 * inline CSS only (many clients drop <style>), no script, no image, no
 * external resource. Deletions and insertions are <del>/<ins> with colours
 * and also the textual markers [-…-] {+…+}, so the report still reads when
 * printed in black and white.
 *
 * Everything that comes from a page or the watchlist is untrusted: every
 * byte goes through html_escape() (& < > " ' escaped, control characters
 * dropped), and only http(s) URLs become links; any other scheme
 * (javascript:, data:, vbscript:, …) is shown as inert text.
 *
 * What is said is the outline's (outline.c); this file only gives it its
 * markup: a tag and a style per kind of line and role of span.
 */
#include "common/common.h"
#include "reports/report.h"
#include "reports/internal.h"

#define HTML_CONTEXT 2
#define HTML_MAX (48u << 20)

/* Colours readable for colour-blind readers too (the markers carry the
 * meaning; the colours only help). */
#define STYLE_DEL "background:#ffe1e1;color:#8b0000;text-decoration:line-through;"
#define STYLE_INS "background:#d9f5dd;color:#0b5a1e;text-decoration:underline;"
#define STYLE_MARK "font-weight:bold;"
#define FONT "font-family:Arial,Helvetica,sans-serif;"
#define MONO "font-family:'DejaVu Sans Mono',Consolas,monospace;"

static void html_escape(struct buf *o, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '&': buf_addstr(o, "&amp;"); break;
		case '<': buf_addstr(o, "&lt;"); break;
		case '>': buf_addstr(o, "&gt;"); break;
		case '"': buf_addstr(o, "&quot;"); break;
		case '\'': buf_addstr(o, "&#39;"); break;
		case '\t': buf_addch(o, ' '); break;
		default:
			/* other control characters are not valid in HTML text */
			if (c >= ' ' && c != 0x7F)
				buf_addch(o, (char)c);
		}
	}
}

/* Appends s escaped; invalid UTF-8 bytes become U+FFFD so the document
 * stays valid whatever the page held. */
static void text(struct buf *o, const char *s)
{
	if (utf8_valid(s, strlen(s))) {
		html_escape(o, s);
		return;
	}
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0;
	while (i < len) {
		size_t n = utf8_seq_len(p + i, len - i);
		if (!n) {
			buf_addstr(o, "\xEF\xBF\xBD");
			i++;
			continue;
		}
		char one[5] = { 0 };
		memcpy(one, s + i, n);
		html_escape(o, one);
		i += n;
	}
}

static void textf(struct buf *o, const char *fmt, ...) PW_PRINTF(2, 3);
static void textf(struct buf *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	text(o, s);
	free(s);
}

/* A link when url is http(s), inert text otherwise. */
static void html_link(struct buf *o, const char *url, const char *label)
{
	if (!url_is_http(url)) {
		buf_addstr(o, "<span style=\"" MONO "\">");
		text(o, url ? url : "");
		buf_addstr(o, "</span>");
		return;
	}
	buf_addstr(o, "<a href=\"");
	text(o, url);
	buf_addstr(o, "\" style=\"color:#0645ad;word-break:break-all;\">");
	text(o, label ? label : url);
	buf_addstr(o, "</a>");
}

/* A field value: a link when it is an http(s) URL, text otherwise. */
static void value(struct buf *o, const char *v)
{
	if (url_is_http(v))
		html_link(o, v, NULL);
	else
		text(o, v);
}

/* A deleted or inserted passage of a diff: coloured and marked. */
static void passage(struct buf *o, enum diff_op op, const char *s)
{
	if (op == DIFF_DELETE)
		buf_addstr(o, "<del style=\"" STYLE_DEL "\"><span style=\"" STYLE_MARK "\">[-</span>");
	else
		buf_addstr(o, "<ins style=\"" STYLE_INS "\"><span style=\"" STYLE_MARK "\">{+</span>");
	text(o, s);
	if (op == DIFF_DELETE)
		buf_addstr(o, "<span style=\"" STYLE_MARK "\">-]</span></del>");
	else
		buf_addstr(o, "<span style=\"" STYLE_MARK "\">+}</span></ins>");
}

static void words(struct buf *o, const struct diff *w)
{
	for (size_t i = 0; i < w->n; i++) {
		const struct diff_edit *e = &w->v[i];
		if (e->op == DIFF_EQUAL)
			text(o, e->text);
		else
			passage(o, e->op, e->text);
	}
}

static void diff_cell(struct buf *o, const char *sign, const char *bg)
{
	buf_printf(o, "<tr><td valign=\"top\" style=\"" MONO "width:20px;color:#555555;"
		   "padding:2px 6px;background:%s;\">%s</td><td style=\"" FONT
		   "padding:2px 6px;background:%s;font-size:14px;line-height:1.4;\">", bg, sign, bg);
}

static void para_open(struct buf *o)
{
	buf_addstr(o, "<p style=\"" FONT "font-size:14px;margin:4px 0;\">");
}

/* The spans of a line: roles as markup, every string escaped. */
static void spans(struct buf *o, const struct outline_line *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct span *sp = &l->v[i];
		switch (sp->kind) {
		case SPAN_TEXT:
			text(o, sp->text);
			break;
		case SPAN_LABEL:
			buf_addstr(o, "<strong>");
			text(o, sp->text);
			buf_addstr(o, "</strong>");
			break;
		case SPAN_URL:
			html_link(o, sp->url, sp->text);
			break;
		case SPAN_VALUE:
			value(o, sp->text);
			break;
		case SPAN_OLD:
			buf_addstr(o, "<del style=\"" STYLE_DEL "\">[-");
			text(o, sp->text);
			buf_addstr(o, "-]</del>");
			break;
		case SPAN_NEW:
			buf_addstr(o, "<ins style=\"" STYLE_INS "\">{+");
			value(o, sp->text);
			buf_addstr(o, "+}</ins>");
			break;
		}
	}
}

static void render_diff(struct buf *o, const struct outline_line *l)
{
	struct diff_view v;
	diff_view_build(l->change->old_text, l->change->new_text, HTML_CONTEXT, &v);
	if (!v.n) {
		buf_addstr(o, "<p style=\"" FONT "font-size:14px;margin:8px 0;\">");
		text(o, outline_same_text);
		buf_addstr(o, "</p>\n");
		goto cleanup;
	}
	buf_addstr(o, "<p style=\"" FONT "font-size:13px;color:#555555;margin:10px 0 4px 0;\">");
	spans(o, l);
	buf_addstr(o, "</p>\n"
		   "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" "
		   "border=\"0\" style=\"border:1px solid #dddddd;border-collapse:collapse;\">\n");
	for (size_t i = 0; i < v.n; i++) {
		const struct diff_row *r = &v.v[i];
		switch (r->kind) {
		case ROW_GAP:
			diff_cell(o, "&nbsp;", "#f6f6f6");
			buf_addstr(o, "<span style=\"color:#777777;\">");
			text(o, outline_gap);
			buf_addstr(o, "</span>");
			break;
		case ROW_CONTEXT:
			diff_cell(o, "&nbsp;", "#ffffff");
			text(o, r->text);
			break;
		case ROW_DELETE:
			diff_cell(o, "−", "#fff5f5");
			passage(o, DIFF_DELETE, r->text);
			break;
		case ROW_INSERT:
			diff_cell(o, "+", "#f3fcf4");
			passage(o, DIFF_INSERT, r->text);
			break;
		case ROW_CHANGE:
			diff_cell(o, "~", "#fffbea");
			words(o, &r->words);
			break;
		}
		if (r->moved && (r->kind == ROW_DELETE || r->kind == ROW_INSERT)) {
			buf_addstr(o, " <em style=\"color:#555555;\">");
			text(o, outline_moved_line);
			buf_addstr(o, "</em>");
		}
		buf_addstr(o, "</td></tr>\n");
	}
	buf_addstr(o, "</table>\n");
cleanup:
	diff_view_release(&v);
}

/* The opening tag of a line of each kind (FACT: a list item; a run of
 * them is one list). */
static const char *line_open(enum line_kind kind)
{
	switch (kind) {
	case LINE_ALERT:
		return "<p style=\"" FONT "font-size:14px;margin:4px 0;font-weight:bold;\">";
	case LINE_REVIEW:
		return "<p style=\"" FONT "font-size:14px;margin:4px 0;color:#333333;font-style:italic;\">";
	case LINE_DETAIL:
		return "<p style=\"" FONT "font-size:12px;color:#555555;margin:4px 0;\">";
	case LINE_DOCUMENT:
		return "<p style=\"" FONT "font-size:14px;margin:10px 0 4px 0;\">";
	case LINE_CODE:
		return "<pre style=\"font-family:monospace;font-size:13px;margin:4px 0;"
		       "white-space:pre-wrap;word-break:break-all;\">";
	case LINE_FACT:
		return "<li style=\"margin:2px 0;\">";
	default:
		return "<p style=\"" FONT "font-size:14px;margin:4px 0;\">";
	}
}

static void render_entry(struct buf *o, const struct outline_entry *e)
{
	buf_addstr(o, "<tr><td style=\"padding:14px 20px 14px 20px;border-top:1px solid #e5e5e5;\">\n"
		   "<h3 style=\"" FONT "font-size:16px;margin:0 0 4px 0;color:#1a1a1a;\">");
	text(o, e->heading);
	buf_addstr(o, "</h3>\n");
	if (e->url) {
		para_open(o);
		text(o, outline_official_page);
		html_link(o, e->url, NULL);
		buf_addstr(o, "</p>\n");
	}
	if (e->also) {
		para_open(o);
		text(o, e->also);
		buf_addstr(o, "</p>\n");
	}
	for (size_t i = 0; i < e->n; i++) {
		const struct outline_line *l = &e->v[i];
		bool fact = l->kind == LINE_FACT;
		if (l->kind == LINE_TARGET)
			continue; /* the links show their addresses */
		if (l->kind == LINE_DIFF) {
			render_diff(o, l);
			continue;
		}
		if (fact && (!i || e->v[i - 1].kind != LINE_FACT))
			buf_addstr(o, "<ul style=\"" FONT "font-size:14px;margin:6px 0;padding-left:20px;\">\n");
		buf_addstr(o, line_open(l->kind));
		spans(o, l);
		buf_addstr(o, fact ? "</li>\n" : l->kind == LINE_CODE ? "</pre>\n" : "</p>\n");
		if (fact && (i + 1 == e->n || e->v[i + 1].kind != LINE_FACT))
			buf_addstr(o, "</ul>\n");
	}
	buf_addstr(o, "</td></tr>\n");
}

static void render_section(struct buf *o, const struct outline_section *s)
{
	buf_addstr(o, "<tr><td style=\"padding:18px 20px 6px 20px;background:#f0f3f7;"
		   "border-top:2px solid #2b4a6f;\"><h2 style=\"" FONT "font-size:19px;margin:0;color:#2b4a6f;\">");
	textf(o, "%s (%zu)", s->title, s->count);
	buf_addstr(o, "</h2></td></tr>\n");
	for (size_t i = 0; i < s->n; i++)
		render_entry(o, &s->v[i]);
	for (size_t i = 0; i < s->n_lines; i++) {
		const struct outline_line *l = &s->lines[i];
		if (l->kind != LINE_BULLET) {
			buf_addstr(o, "<tr><td style=\"padding:10px 20px;\">");
			para_open(o);
			spans(o, l);
			buf_addstr(o, "</p></td></tr>\n");
			continue;
		}
		if (!i || s->lines[i - 1].kind != LINE_BULLET)
			buf_addstr(o, "<tr><td style=\"padding:10px 20px;\"><ul style=\"" FONT
				   "font-size:14px;margin:0;padding-left:20px;color:#333333;\">\n");
		buf_addstr(o, "<li style=\"margin:2px 0;\">");
		spans(o, l);
		buf_addstr(o, "</li>\n");
		if (i + 1 == s->n_lines || s->lines[i + 1].kind != LINE_BULLET)
			buf_addstr(o, "</ul></td></tr>\n");
	}
}

char *report_render_html(const struct report *r)
{
	struct buf o;
	struct outline ol;

	buf_init(&o, HTML_MAX);
	outline_build(r, &ol);
	buf_addstr(&o, "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n"
		   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
	text(&o, ol.title);
	buf_addstr(&o, "</title>\n</head>\n<body style=\"margin:0;padding:0;background:#eef0f3;\">\n"
		   "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" "
		   "style=\"background:#eef0f3;\"><tr><td align=\"center\" style=\"padding:16px 8px;\">\n"
		   "<table role=\"presentation\" width=\"760\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" "
		   "style=\"width:100%;max-width:760px;background:#ffffff;border:1px solid #d0d4da;\">\n"
		   "<tr><td style=\"padding:18px 20px;background:#2b4a6f;\">"
		   "<h1 style=\"" FONT "font-size:22px;margin:0;color:#ffffff;\">");
	text(&o, ol.title);
	buf_addstr(&o, "</h1>\n");
	if (ol.subtitle) {
		buf_addstr(&o, "<p style=\"" FONT "font-size:14px;margin:6px 0 0 0;color:#dfe7f1;\">");
		text(&o, ol.subtitle);
		buf_addstr(&o, "</p>\n");
	}
	buf_addstr(&o, "<p style=\"" FONT "font-size:16px;margin:8px 0 0 0;color:#ffffff;font-weight:bold;\">");
	text(&o, ol.summary);
	buf_addstr(&o, "</p>\n</td></tr>\n");
	for (size_t i = 0; i < ol.n; i++)
		render_section(&o, &ol.v[i]);
	buf_addstr(&o, "<tr><td style=\"padding:14px 20px;border-top:1px solid #e5e5e5;" FONT
		   "font-size:12px;color:#666666;\">");
	text(&o, outline_footer);
	buf_addstr(&o, "</td></tr>\n</table>\n</td></tr></table>\n</body>\n</html>\n");
	outline_release(&ol);
	if (o.toobig) {
		/* a cut document would be broken HTML: say so instead */
		buf_release(&o);
		buf_init(&o, 0);
		buf_addstr(&o, "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>"
			   "Rapport trop volumineux</title></head><body><p>Rapport trop volumineux "
			   "pour être affiché ; voir la version texte.</p></body></html>\n");
	}
	return buf_detach(&o, NULL);
}
