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

static void words(struct buf *o, const struct diff *w)
{
	for (size_t i = 0; i < w->n; i++) {
		const struct diff_edit *e = &w->v[i];
		if (e->op == DIFF_DELETE) {
			buf_addstr(o, "<del style=\"" STYLE_DEL "\"><span style=\"" STYLE_MARK "\">[-</span>");
			text(o, e->text);
			buf_addstr(o, "<span style=\"" STYLE_MARK "\">-]</span></del>");
		} else if (e->op == DIFF_INSERT) {
			buf_addstr(o, "<ins style=\"" STYLE_INS "\"><span style=\"" STYLE_MARK "\">{+</span>");
			text(o, e->text);
			buf_addstr(o, "<span style=\"" STYLE_MARK "\">+}</span></ins>");
		} else {
			text(o, e->text);
		}
	}
}

static void diff_cell(struct buf *o, const char *sign, const char *bg)
{
	buf_printf(o, "<tr><td valign=\"top\" style=\"" MONO "width:20px;color:#555555;"
		   "padding:2px 6px;background:%s;\">%s</td><td style=\"" FONT
		   "padding:2px 6px;background:%s;font-size:14px;line-height:1.4;\">", bg, sign, bg);
}

static void render_diff(struct buf *o, const struct report_change *c, const char *what)
{
	struct diff_view v;
	diff_view_build(c->old_text, c->new_text, HTML_CONTEXT, &v);
	if (!v.n) {
		buf_addstr(o, "<p style=\"" FONT "font-size:14px;margin:8px 0;\">Texte identique "
			   "(seuls les éléments ci-dessus ont changé).</p>\n");
		goto cleanup;
	}
	buf_addstr(o, "<p style=\"" FONT "font-size:13px;color:#555555;margin:10px 0 4px 0;\">"
		   "Texte ");
	text(o, what);
	buf_addstr(o, ", passages supprimés "
		   "<del style=\"" STYLE_DEL "\">[-ainsi-]</del> et ajoutés "
		   "<ins style=\"" STYLE_INS "\">{+ainsi+}</ins> :</p>\n"
		   "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" "
		   "border=\"0\" style=\"border:1px solid #dddddd;border-collapse:collapse;\">\n");
	for (size_t i = 0; i < v.n; i++) {
		const struct diff_row *r = &v.v[i];
		switch (r->kind) {
		case ROW_GAP:
			diff_cell(o, "&nbsp;", "#f6f6f6");
			buf_addstr(o, "<span style=\"color:#777777;\">[…]</span>");
			break;
		case ROW_CONTEXT:
			diff_cell(o, "&nbsp;", "#ffffff");
			text(o, r->text);
			break;
		case ROW_DELETE:
			diff_cell(o, "−", "#fff5f5");
			buf_addstr(o, "<del style=\"" STYLE_DEL "\"><span style=\"" STYLE_MARK "\">[-</span>");
			text(o, r->text);
			buf_addstr(o, "<span style=\"" STYLE_MARK "\">-]</span></del>");
			if (r->moved)
				buf_addstr(o, " <em style=\"color:#555555;\">(déplacé)</em>");
			break;
		case ROW_INSERT:
			diff_cell(o, "+", "#f3fcf4");
			buf_addstr(o, "<ins style=\"" STYLE_INS "\"><span style=\"" STYLE_MARK "\">{+</span>");
			text(o, r->text);
			buf_addstr(o, "<span style=\"" STYLE_MARK "\">+}</span></ins>");
			if (r->moved)
				buf_addstr(o, " <em style=\"color:#555555;\">(déplacé)</em>");
			break;
		case ROW_CHANGE:
			diff_cell(o, "~", "#fffbea");
			words(o, &r->words);
			break;
		}
		buf_addstr(o, "</td></tr>\n");
	}
	buf_addstr(o, "</table>\n");
cleanup:
	diff_view_release(&v);
}

static void para_open(struct buf *o)
{
	buf_addstr(o, "<p style=\"" FONT "font-size:14px;margin:4px 0;\">");
}

static void page_head(struct buf *o, const struct report_page *p)
{
	char *h = fr_page_heading(p);
	buf_addstr(o, "<tr><td style=\"padding:14px 20px 14px 20px;border-top:1px solid #e5e5e5;\">\n"
		   "<h3 style=\"" FONT "font-size:16px;margin:0 0 4px 0;color:#1a1a1a;\">");
	text(o, h);
	buf_addstr(o, "</h3>\n");
	free(h);
	if (p->url) {
		para_open(o);
		buf_addstr(o, "Page officielle : ");
		html_link(o, p->url, NULL);
		buf_addstr(o, "</p>\n");
	}
	char *also = fr_also_for(p);
	if (also) {
		para_open(o);
		text(o, also);
		buf_addstr(o, "</p>\n");
	}
	free(also);
}

static void page_tail(struct buf *o)
{
	buf_addstr(o, "</td></tr>\n");
}

/* « Détail technique » of a failure (status code, crawler's message),
 * smaller, after the editor's sentence; nothing when there is none. */
static void detail(struct buf *o, long http_status, const char *error)
{
	char *d = fr_failure_detail(http_status, error);
	if (!d)
		return;
	buf_addstr(o, "<p style=\"" FONT "font-size:12px;color:#555555;margin:4px 0;\">Détail technique : ");
	text(o, d);
	buf_addstr(o, "</p>\n");
	free(d);
}

/* Who reviewed a stored change, when and why; nothing while pending. */
static void review_line(struct buf *o, const struct report_change *c)
{
	char *r = fr_review(c);
	if (!r)
		return;
	buf_addstr(o, "<p style=\"" FONT "font-size:14px;margin:4px 0;color:#333333;font-style:italic;\">");
	text(o, r);
	buf_addstr(o, "</p>\n");
	free(r);
}

static void render_change(struct buf *o, const struct report_page *p)
{
	const struct report_change *c = p->change;
	char now[11], before[11];
	struct fact_list facts;

	page_head(o, p);
	pw_time_fr(c->detected_at, now);
	para_open(o);
	if (c->previous_at) {
		pw_time_fr(c->previous_at, before);
		textf(o, "Modification n° %lld détectée le %s ; version précédente du %s.",
		      (long long)c->id, now, before);
	} else {
		textf(o, "Modification n° %lld détectée le %s.", (long long)c->id, now);
	}
	buf_addstr(o, "</p>\n");
	if (c->reverted_to) {
		char back[11];
		pw_time_fr(c->reverted_to, back);
		buf_addstr(o, "<p style=\"" FONT "font-size:14px;margin:4px 0;font-weight:bold;\">");
		textf(o, "Texte revenu à la version du %s (ce n'est pas un nouveau texte).", back);
		buf_addstr(o, "</p>\n");
	}
	review_line(o, c);
	char *back = fr_recovered(p, c->detected_at);
	if (back) {
		para_open(o);
		textf(o, "%s Le texte a changé pendant l'interruption.", back);
		buf_addstr(o, "</p>\n");
		free(back);
	}
	if (p->url_moved && p->final_url) {
		para_open(o);
		buf_addstr(o, "Adresse officielle de la page modifiée : ");
		html_link(o, p->url, NULL);
		buf_addstr(o, " → ");
		html_link(o, p->final_url, NULL);
		buf_addstr(o, "</p>\n");
	}
	facts_from_delta(&c->deltas, &facts);
	if (facts.n) {
		buf_addstr(o, "<ul style=\"" FONT "font-size:14px;margin:6px 0;padding-left:20px;\">\n");
		for (size_t i = 0; i < facts.n; i++) {
			buf_addstr(o, "<li style=\"margin:2px 0;\"><strong>");
			text(o, facts.v[i].label);
			buf_addstr(o, "</strong> : ");
			if (facts.v[i].from) {
				buf_addstr(o, "<del style=\"" STYLE_DEL "\">[-");
				text(o, facts.v[i].from);
				buf_addstr(o, "-]</del> → <ins style=\"" STYLE_INS "\">{+");
				value(o, facts.v[i].to);
				buf_addstr(o, "+}</ins>");
			} else {
				value(o, facts.v[i].to);
			}
			buf_addstr(o, "</li>\n");
		}
		buf_addstr(o, "</ul>\n");
	}
	fact_list_release(&facts);
	render_diff(o, c, "de la page");
	page_tail(o);
}

static void doc_label(struct buf *o, const struct report_document *d)
{
	const char *t = d->title && *d->title ? d->title : d->url;
	buf_addstr(o, "« ");
	html_link(o, d->url, t);
	buf_addstr(o, " »");
	if (d->type && *d->type)
		textf(o, " (%s)", d->type);
}

static void render_document(struct buf *o, const struct report_document *d)
{
	buf_addstr(o, "<p style=\"" FONT "font-size:14px;margin:10px 0 4px 0;\"><strong>");
	switch (d->status) {
	case DOC_CHANGED: text(o, "Document modifié"); break;
	case DOC_NEW: text(o, "Nouveau document lié"); break;
	case DOC_REMOVED: text(o, "Document retiré de la page"); break;
	case DOC_REPLACED: text(o, "Document remplacé"); break;
	case DOC_FAILED: text(o, "Document inaccessible"); break;
	case DOC_UNCHANGED: text(o, "Document"); break;
	}
	buf_addstr(o, "</strong> : ");
	if (d->status == DOC_REPLACED) {
		struct report_document old = { .url = d->replaced_url, .title = d->replaced_title,
					       .type = d->type };
		doc_label(o, &old);
		text(o, " → ");
	}
	doc_label(o, d);
	if (d->status == DOC_NEW)
		text(o, ", enregistré comme version de référence.");
	else if (d->status == DOC_REMOVED)
		text(o, " (son historique est conservé).");
	else if (d->status == DOC_FAILED) {
		const char *what = fr_doc_failure(d->failure, d->http_status);
		textf(o, " — %s", what);
		if (d->failing_since) {
			char since[11];
			pw_time_fr(d->failing_since, since);
			textf(o, ", depuis le %s", since);
		}
		if (d->fail_count > 1)
			textf(o, " (%d échecs de suite)", d->fail_count);
		text(o, ".");
	}
	buf_addstr(o, "</p>\n");
	if (d->note && *d->note) {
		para_open(o);
		text(o, d->note);
		buf_addstr(o, "</p>\n");
	}
	if (d->status == DOC_CHANGED && d->change) {
		const struct report_change *c = d->change;
		char now[11], before[11];
		pw_time_fr(c->detected_at, now);
		para_open(o);
		if (c->previous_at) {
			pw_time_fr(c->previous_at, before);
			textf(o, "Modification n° %lld détectée le %s ; version précédente du %s.",
			      (long long)c->id, now, before);
		} else {
			textf(o, "Modification n° %lld détectée le %s.", (long long)c->id, now);
		}
		buf_addstr(o, "</p>\n");
		review_line(o, c);
		render_diff(o, c, "du document");
	}
	if (d->status == DOC_REPLACED && d->change)
		render_diff(o, d->change, "du document");
	if (d->status == DOC_FAILED)
		detail(o, d->http_status, d->error);
}

static void render_documents(struct buf *o, const struct report_page *p)
{
	page_head(o, p);
	for (size_t i = 0; i < p->n_documents; i++)
		if (doc_has_news(p, &p->documents[i]))
			render_document(o, &p->documents[i]);
	page_tail(o);
}

/* A new official address: what to copy where. */
static void render_move(struct buf *o, const struct report_page *p)
{
	page_head(o, p);
	buf_addstr(o, "<p style=\"" FONT "font-size:14px;margin:4px 0;font-weight:bold;\">");
	buf_addstr(o, "L'adresse officielle a changé : ");
	html_link(o, p->url, NULL);
	buf_addstr(o, " → ");
	html_link(o, p->final_url, NULL);
	buf_addstr(o, "</p>\n");
	char *todo = fr_move_instruction(p);
	para_open(o);
	text(o, todo);
	buf_addstr(o, "</p>\n");
	free(todo);
	if (p->watchlist_line > 0) {
		buf_addstr(o, "<pre style=\"font-family:monospace;font-size:13px;margin:4px 0;"
			   "white-space:pre-wrap;word-break:break-all;\">url: ");
		text(o, p->final_url);
		buf_addstr(o, "</pre>\n");
	}
	page_tail(o);
}

/* Where a gone page may be now (fr_relocation_lines()). */
static void render_relocation(struct buf *o, const struct report_page *p)
{
	struct strvec l = STRVEC_INIT;
	page_head(o, p);
	fr_relocation_lines(p, &l);
	for (size_t i = 0; i < l.n; i++) {
		para_open(o);
		text(o, l.v[i]);
		buf_addstr(o, "</p>\n");
	}
	for (size_t i = 0; i < p->relocation->problems.n; i++)
		detail(o, 0, p->relocation->problems.v[i]);
	strvec_release(&l);
	page_tail(o);
}

static void render_recovered(struct buf *o, const struct report *r, const struct report_page *p)
{
	char *back = fr_recovered(p, r->finished_at ? r->finished_at : r->started_at);
	if (!back)
		return;
	page_head(o, p);
	para_open(o);
	text(o, back);
	buf_addstr(o, "</p>\n");
	free(back);
	page_tail(o);
}

static void render_failure(struct buf *o, const struct report_page *p)
{
	page_head(o, p);
	para_open(o);
	const char *what = fr_failure(p->failure, p->http_status);
	textf(o, "%c%s", what[0] >= 'a' && what[0] <= 'z' ? what[0] - 32 : what[0], what + 1);
	if (p->failing_since) {
		char since[11];
		pw_time_fr(p->failing_since, since);
		textf(o, ", depuis le %s", since);
	}
	if (p->fail_count > 1)
		textf(o, " (%d échecs de suite)", p->fail_count);
	buf_addstr(o, ".</p>\n");
	if (p->final_url && (p->failure == PW_FAIL_MOVED || p->url_moved)) {
		para_open(o);
		buf_addstr(o, "Nouvelle adresse : ");
		html_link(o, p->final_url, NULL);
		buf_addstr(o, "</p>\n");
	}
	if (p->ack_reminder) {
		para_open(o);
		buf_addstr(o, "Panne déjà connue (acquittée) : rappel hebdomadaire.</p>\n");
	}
	detail(o, p->http_status, p->error);
	page_tail(o);
}

static void render_new(struct buf *o, const struct report_page *p)
{
	page_head(o, p);
	para_open(o);
	buf_addstr(o, "Nouvelle page suivie : texte enregistré comme version de référence.</p>\n");
	if (p->fields.n) {
		buf_addstr(o, "<ul style=\"" FONT "font-size:14px;margin:6px 0;padding-left:20px;\">\n");
		for (size_t i = 0; i < p->fields.n; i++) {
			const struct field *f = &p->fields.v[i];
			for (size_t j = 0; j < f->values.n; j++) {
				if (fact_shown_elsewhere(p, f->name, f->values.v[j]))
					continue;
				char *v = fr_field_value(f->name, f->values.v[j]);
				buf_addstr(o, "<li style=\"margin:2px 0;\"><strong>");
				text(o, fr_field_label(f->name));
				buf_addstr(o, "</strong> : ");
				value(o, v);
				buf_addstr(o, "</li>\n");
				free(v);
			}
		}
		buf_addstr(o, "</ul>\n");
	}
	for (size_t i = 0; i < p->n_documents; i++) {
		const struct report_document *d = &p->documents[i];
		if (d->status != DOC_NEW)
			continue;
		para_open(o);
		buf_addstr(o, "Document lié, enregistré : ");
		doc_label(o, d);
		buf_addstr(o, "</p>\n");
	}
	page_tail(o);
}

/* grouped: the page's republication is said in the group entry */
static void render_quiet(struct buf *o, const struct report_page *p, bool grouped)
{
	char *h = fr_page_heading(p);
	if (p->republished && !grouped) {
		char *d = p->page_updated ? fr_field_value("page_updated", p->page_updated) : NULL;
		buf_addstr(o, "<li style=\"margin:2px 0;\">");
		if (d)
			textf(o, "%s : page republiée le %s, texte inchangé.", h, d);
		else
			textf(o, "%s : page republiée, texte inchangé.", h);
		buf_addstr(o, "</li>\n");
		free(d);
	}
	if (p->rules_changed) {
		buf_addstr(o, "<li style=\"margin:2px 0;\">");
		textf(o, "Règles d'extraction modifiées pour %s ; aucune alerte émise pour ce changement.", h);
		buf_addstr(o, "</li>\n");
	}
	free(h);
}

static void section(struct buf *o, const char *title, size_t count)
{
	buf_addstr(o, "<tr><td style=\"padding:18px 20px 6px 20px;background:#f0f3f7;"
		   "border-top:2px solid #2b4a6f;\"><h2 style=\"" FONT "font-size:19px;margin:0;color:#2b4a6f;\">");
	textf(o, "%s (%zu)", title, count);
	buf_addstr(o, "</h2></td></tr>\n");
}

char *report_render_html(const struct report *r)
{
	struct buf o;
	struct report_counts c;
	size_t n_quiet = 0;

	buf_init(&o, HTML_MAX);
	report_count(r, &c);
	char *summary = report_summary(r);
	char *title = r->title && *r->title ? xasprintf("Veille des préfectures — %s", r->title)
					    : xstrdup("Veille des préfectures");

	buf_addstr(&o, "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n"
		   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
	text(&o, title);
	buf_addstr(&o, "</title>\n</head>\n<body style=\"margin:0;padding:0;background:#eef0f3;\">\n"
		   "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" "
		   "style=\"background:#eef0f3;\"><tr><td align=\"center\" style=\"padding:16px 8px;\">\n"
		   "<table role=\"presentation\" width=\"760\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" "
		   "style=\"width:100%;max-width:760px;background:#ffffff;border:1px solid #d0d4da;\">\n"
		   "<tr><td style=\"padding:18px 20px;background:#2b4a6f;\">"
		   "<h1 style=\"" FONT "font-size:22px;margin:0;color:#ffffff;\">");
	text(&o, title);
	buf_addstr(&o, "</h1>\n");
	if (r->finished_at || r->started_at) {
		char d[11];
		pw_time_fr(r->finished_at ? r->finished_at : r->started_at, d);
		buf_addstr(&o, "<p style=\"" FONT "font-size:14px;margin:6px 0 0 0;color:#dfe7f1;\">");
		if (r->run_id)
			textf(&o, "Vérification n° %lld du %s", (long long)r->run_id, d);
		else
			textf(&o, "Rapport du %s", d);
		buf_addstr(&o, "</p>\n");
	}
	buf_addstr(&o, "<p style=\"" FONT "font-size:16px;margin:8px 0 0 0;color:#ffffff;font-weight:bold;\">");
	text(&o, summary);
	buf_addstr(&o, "</p>\n</td></tr>\n");

	if (c.changed) {
		section(&o, "Modifications", (size_t)c.changed);
		for (size_t i = 0; i < r->n_pages; i++)
			if (page_effective_status(&r->pages[i]) == PAGE_CHANGED)
				render_change(&o, &r->pages[i]);
	}
	if (c.moved) {
		section(&o, "Adresses à mettre à jour", (size_t)c.moved);
		for (size_t i = 0; i < r->n_pages; i++)
			if (page_is_moved(&r->pages[i]))
				render_move(&o, &r->pages[i]);
	}
	size_t n_reloc = 0;
	for (size_t i = 0; i < r->n_pages; i++)
		n_reloc += r->pages[i].relocation != NULL;
	if (n_reloc) {
		section(&o, "Nouvelles adresses probables", n_reloc);
		for (size_t i = 0; i < r->n_pages; i++)
			if (r->pages[i].relocation)
				render_relocation(&o, &r->pages[i]);
	}
	size_t n_docs = 0;
	for (size_t i = 0; i < r->n_pages; i++)
		n_docs += page_doc_news(&r->pages[i]);
	if (n_docs) {
		section(&o, "Documents liés", n_docs);
		for (size_t i = 0; i < r->n_pages; i++)
			if (page_doc_news(&r->pages[i]))
				render_documents(&o, &r->pages[i]);
	}
	if (c.failed) {
		section(&o, "Pages inaccessibles", (size_t)c.failed);
		for (size_t i = 0; i < r->n_pages; i++)
			if (page_effective_status(&r->pages[i]) == PAGE_FAILED && r->pages[i].listed)
				render_failure(&o, &r->pages[i]);
		if (c.failed > c.failed_listed + c.failed_ack) {
			int k = c.failed - c.failed_listed - c.failed_ack;
			buf_addstr(&o, "<tr><td style=\"padding:10px 20px;\">");
			para_open(&o);
			textf(&o, "%d autre%s page%s en échec passager, sous le seuil d'alerte : non détaillée%s.",
			      k, k > 1 ? "s" : "", k > 1 ? "s" : "", k > 1 ? "s" : "");
			buf_addstr(&o, "</p></td></tr>\n");
		}
		if (c.failed_ack) {
			int k = c.failed_ack;
			buf_addstr(&o, "<tr><td style=\"padding:10px 20px;\">");
			para_open(&o);
			textf(&o, "%d page%s en panne connue (acquittée%s) : rappel une fois par semaine.",
			      k, k > 1 ? "s" : "", k > 1 ? "s" : "");
			buf_addstr(&o, "</p></td></tr>\n");
		}
	}
	size_t n_back = 0;
	for (size_t i = 0; i < r->n_pages; i++)
		n_back += r->pages[i].recovered && page_effective_status(&r->pages[i]) == PAGE_UNCHANGED;
	if (n_back) {
		section(&o, "De nouveau accessibles", n_back);
		for (size_t i = 0; i < r->n_pages; i++)
			if (page_effective_status(&r->pages[i]) == PAGE_UNCHANGED)
				render_recovered(&o, r, &r->pages[i]);
	}
	if (c.new_pages) {
		section(&o, "Nouvelles pages", (size_t)c.new_pages);
		for (size_t i = 0; i < r->n_pages; i++)
			if (page_effective_status(&r->pages[i]) == PAGE_NEW)
				render_new(&o, &r->pages[i]);
	}
	size_t n_group;
	char *group = republished_group(r, &n_group);
	n_quiet = quiet_entries(r, group != NULL);
	if (n_quiet) {
		section(&o, "Pour information", n_quiet);
		buf_addstr(&o, "<tr><td style=\"padding:10px 20px;\"><ul style=\"" FONT
			   "font-size:14px;margin:0;padding-left:20px;color:#333333;\">\n");
		if (group) {
			buf_addstr(&o, "<li style=\"margin:2px 0;\">");
			textf(&o, "%zu pages republiées (date de mise à jour changée), texte inchangé : %s.",
			      n_group, group);
			buf_addstr(&o, "</li>\n");
		}
		for (size_t i = 0; i < r->n_pages; i++)
			if (page_wants_quiet_line(&r->pages[i]))
				render_quiet(&o, &r->pages[i], group != NULL);
		buf_addstr(&o, "</ul></td></tr>\n");
	}
	free(group);
	buf_addstr(&o, "<tr><td style=\"padding:14px 20px;border-top:1px solid #e5e5e5;" FONT
		   "font-size:12px;color:#666666;\">Rapport produit par prefwatch. Les liens mènent aux pages officielles des préfectures."
		   "</td></tr>\n</table>\n</td></tr></table>\n</body>\n</html>\n");
	if (o.toobig) {
		/* a cut document would be broken HTML: say so instead */
		buf_release(&o);
		buf_init(&o, 0);
		buf_addstr(&o, "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>"
			   "Rapport trop volumineux</title></head><body><p>Rapport trop volumineux "
			   "pour être affiché ; voir la version texte.</p></body></html>\n");
	}
	free(summary);
	free(title);
	return buf_detach(&o, NULL);
}
