/*
 * render_text.c - the plain-text report: stdout and the e-mail's text part.
 *
 * Read in an 80-column terminal or a mail client: every line is wrapped at
 * 80 columns on ASCII spaces (never inside a UTF-8 character, never inside
 * a URL, which stays whole so that it remains clickable); no-break spaces
 * of French typography are not break points. Deleted words are marked
 * [-ancien-] and inserted ones {+nouveau+}, as git's --word-diff does.
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

static void wrapf(struct buf *o, const char *prefix, size_t rest, const char *fmt, ...) PW_PRINTF(4, 5);
static void wrapf(struct buf *o, const char *prefix, size_t rest, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	wrap(o, prefix, rest, s);
	free(s);
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

static void page_head(struct buf *o, const struct report_page *p)
{
	char *h = fr_page_heading(p);
	buf_addch(o, '\n');
	wrap(o, "• ", 2, h);
	free(h);
	if (p->url)
		wrap(o, "  ", 2, p->url);
	char *also = fr_also_for(p);
	if (also)
		wrap(o, "  ", 2, also);
	free(also);
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

static void render_diff(struct buf *o, const struct report_change *c, const char *indent)
{
	struct diff_view v;
	struct buf line;

	buf_init(&line, TEXT_MAX);
	diff_view_build(c->old_text, c->new_text, TEXT_CONTEXT, &v);
	if (!v.n) {
		wrap(o, "  ", 2, "Texte identique (seuls les éléments ci-dessus ont changé).");
		goto cleanup;
	}
	buf_printf(o, "\n%sTexte, avec les passages supprimés [-ainsi-] et ajoutés {+ainsi+} :\n",
		   indent);
	for (size_t i = 0; i < v.n; i++) {
		const struct diff_row *r = &v.v[i];
		const char *prefix = "      ";
		buf_reset(&line);
		switch (r->kind) {
		case ROW_GAP:
			buf_addstr(&line, "[…]");
			break;
		case ROW_CONTEXT:
			buf_addstr(&line, r->text);
			break;
		case ROW_DELETE:
			prefix = "    - ";
			buf_printf(&line, "[-%s-]%s", r->text, r->moved ? " (déplacé)" : "");
			break;
		case ROW_INSERT:
			prefix = "    + ";
			buf_printf(&line, "{+%s+}%s", r->text, r->moved ? " (déplacé)" : "");
			break;
		case ROW_CHANGE:
			prefix = "    ~ ";
			words_into(&line, &r->words);
			break;
		}
		wrap(o, prefix, 6, buf_str(&line));
	}

cleanup:
	buf_release(&line);
	diff_view_release(&v);
}

static void render_change(struct buf *o, const struct report_page *p)
{
	const struct report_change *c = p->change;
	char now[11], before[11];
	struct fact_list facts;

	page_head(o, p);
	pw_time_fr(c->detected_at, now);
	if (c->previous_at) {
		pw_time_fr(c->previous_at, before);
		wrapf(o, "  ", 2, "Modification n° %lld détectée le %s ; version précédente du %s.",
		      (long long)c->id, now, before);
	} else {
		wrapf(o, "  ", 2, "Modification n° %lld détectée le %s.", (long long)c->id, now);
	}
	if (c->reverted_to) {
		char back[11];
		pw_time_fr(c->reverted_to, back);
		wrapf(o, "  ", 2, "Texte revenu à la version du %s (ce n'est pas un nouveau texte).", back);
	}
	char *review = fr_review(c);
	if (review)
		wrap(o, "  ", 2, review);
	free(review);
	char *back = fr_recovered(p, c->detected_at);
	if (back)
		wrapf(o, "  ", 2, "%s Le texte a changé pendant l'interruption.", back);
	free(back);
	if (p->url_moved && p->final_url)
		wrapf(o, "  ", 4, "Adresse officielle de la page modifiée : %s → %s",
		      p->url ? p->url : "?", p->final_url);
	facts_from_delta(&c->deltas, &facts);
	for (size_t i = 0; i < facts.n; i++) {
		if (facts.v[i].from)
			wrapf(o, "  ", 4, "%s : %s → %s", facts.v[i].label, facts.v[i].from, facts.v[i].to);
		else
			wrapf(o, "  ", 4, "%s : %s", facts.v[i].label, facts.v[i].to);
	}
	fact_list_release(&facts);
	render_diff(o, c, "  ");
}

/* « Title » (PDF) */
static char *doc_label(const struct report_document *d)
{
	const char *t = d->title && *d->title ? d->title : d->url;
	if (d->type && *d->type)
		return xasprintf("« %s » (%s)", t ? t : "?", d->type);
	return xasprintf("« %s »", t ? t : "?");
}

static void render_document(struct buf *o, const struct report_document *d)
{
	char *label = doc_label(d);
	char when[11];
	buf_addch(o, '\n');
	switch (d->status) {
	case DOC_CHANGED:
		wrapf(o, "  ", 4, "Document modifié : %s", label);
		break;
	case DOC_NEW:
		wrapf(o, "  ", 4, "Nouveau document lié : %s, enregistré comme version de référence.",
		      label);
		break;
	case DOC_REMOVED:
		wrapf(o, "  ", 4, "Document retiré de la page : %s (son historique est conservé).", label);
		break;
	case DOC_REPLACED: {
		struct report_document old = { .url = d->replaced_url, .title = d->replaced_title,
					       .type = d->type };
		char *was = doc_label(&old);
		wrapf(o, "  ", 4, "Document remplacé : %s → %s", was, label);
		free(was);
		if (d->replaced_url)
			wrapf(o, "    ", 4, "Ancien lien : %s", d->replaced_url);
		break;
	}
	case DOC_FAILED: {
		const char *what = fr_doc_failure(d->failure, d->http_status);
		struct buf l;
		buf_init(&l, 4096);
		buf_printf(&l, "Document inaccessible : %s — %s", label, what);
		if (d->failing_since) {
			pw_time_fr(d->failing_since, when);
			buf_printf(&l, ", depuis le %s", when);
		}
		if (d->fail_count > 1)
			buf_printf(&l, " (%d échecs de suite)", d->fail_count);
		buf_addch(&l, '.');
		wrap(o, "  ", 4, buf_str(&l));
		buf_release(&l);
		break;
	}
	case DOC_UNCHANGED:
		break;
	}
	if (d->url && d->status == DOC_REPLACED)
		wrapf(o, "    ", 4, "Nouveau lien : %s", d->url);
	else if (d->url)
		wrap(o, "    ", 4, d->url);
	if (d->note && *d->note)
		wrap(o, "    ", 4, d->note);
	if (d->status == DOC_REPLACED && d->change)
		render_diff(o, d->change, "    ");
	if (d->status == DOC_CHANGED && d->change) {
		const struct report_change *c = d->change;
		char now[11], before[11];
		pw_time_fr(c->detected_at, now);
		if (c->previous_at) {
			pw_time_fr(c->previous_at, before);
			wrapf(o, "    ", 4, "Modification n° %lld détectée le %s ; version précédente du %s.",
			      (long long)c->id, now, before);
		} else {
			wrapf(o, "    ", 4, "Modification n° %lld détectée le %s.", (long long)c->id, now);
		}
		char *review = fr_review(c);
		if (review)
			wrap(o, "    ", 4, review);
		free(review);
		render_diff(o, c, "    ");
	}
	if (d->status == DOC_FAILED) {
		char *detail = fr_failure_detail(d->http_status, d->error);
		if (detail)
			wrapf(o, "    ", 6, "Détail technique : %s", detail);
		free(detail);
	}
	free(label);
}

/* Under the page's office: every document of the page that is news. */
static void render_documents(struct buf *o, const struct report_page *p)
{
	page_head(o, p);
	for (size_t i = 0; i < p->n_documents; i++)
		if (doc_has_news(p, &p->documents[i]))
			render_document(o, &p->documents[i]);
}

/* A new official address: what to copy where. */
static void render_move(struct buf *o, const struct report_page *p)
{
	page_head(o, p);
	wrapf(o, "  ", 2, "L'adresse officielle a changé : %s → %s", p->url ? p->url : "?",
	      p->final_url);
	char *todo = fr_move_instruction(p);
	wrap(o, "  ", 2, todo);
	free(todo);
	if (p->watchlist_line > 0)
		wrapf(o, "    ", 4, "url: %s", p->final_url);
}

/* Where a gone page may be now (fr_relocation_lines()). */
static void render_relocation(struct buf *o, const struct report_page *p)
{
	struct strvec l = STRVEC_INIT;
	page_head(o, p);
	fr_relocation_lines(p, &l);
	for (size_t i = 0; i < l.n; i++)
		wrap(o, "  ", 4, l.v[i]);
	for (size_t i = 0; i < p->relocation->problems.n; i++)
		wrapf(o, "  ", 4, "Détail technique : %s", p->relocation->problems.v[i]);
	strvec_release(&l);
}

static void render_recovered(struct buf *o, const struct report *r, const struct report_page *p)
{
	char *back = fr_recovered(p, r->finished_at ? r->finished_at : r->started_at);
	if (!back)
		return;
	page_head(o, p);
	wrap(o, "  ", 2, back);
	free(back);
}

static void render_failure(struct buf *o, const struct report_page *p)
{
	struct buf l;
	buf_init(&l, 4096);
	page_head(o, p);
	const char *what = fr_failure(p->failure, p->http_status);
	/* capitalised first letter: all the French labels start in ASCII */
	buf_addch(&l, (char)(what[0] >= 'a' && what[0] <= 'z' ? what[0] - 32 : what[0]));
	buf_addstr(&l, what + 1);
	if (p->failing_since) {
		char since[11];
		pw_time_fr(p->failing_since, since);
		buf_printf(&l, ", depuis le %s", since);
	}
	if (p->fail_count > 1)
		buf_printf(&l, " (%d échecs de suite)", p->fail_count);
	buf_addch(&l, '.');
	wrap(o, "  ", 2, buf_str(&l));
	if (p->final_url && (p->failure == PW_FAIL_MOVED || p->url_moved))
		wrapf(o, "  ", 4, "Nouvelle adresse : %s", p->final_url);
	if (p->ack_reminder)
		wrap(o, "  ", 2, "Panne déjà connue (acquittée) : rappel hebdomadaire.");
	char *detail = fr_failure_detail(p->http_status, p->error);
	if (detail)
		wrapf(o, "  ", 4, "Détail technique : %s", detail);
	free(detail);
	buf_release(&l);
}

static void render_fields(struct buf *o, const struct report_page *p)
{
	const struct fieldset *fs = &p->fields;
	for (size_t i = 0; i < fs->n; i++) {
		const struct field *f = &fs->v[i];
		for (size_t j = 0; j < f->values.n; j++) {
			if (fact_shown_elsewhere(p, f->name, f->values.v[j]))
				continue;
			char *v = fr_field_value(f->name, f->values.v[j]);
			wrapf(o, "  ", 4, "%s : %s", fr_field_label(f->name), v);
			free(v);
		}
	}
}

static void render_new(struct buf *o, const struct report_page *p)
{
	page_head(o, p);
	wrap(o, "  ", 2, "Nouvelle page suivie : texte enregistré comme version de référence.");
	render_fields(o, p);
	for (size_t i = 0; i < p->n_documents; i++) {
		const struct report_document *d = &p->documents[i];
		if (d->status != DOC_NEW)
			continue;
		char *label = doc_label(d);
		wrapf(o, "  ", 4, "Document lié, enregistré : %s", label);
		if (d->url)
			wrap(o, "    ", 4, d->url);
		free(label);
	}
}

/* grouped: the page's republication is said in the group entry */
static void render_quiet(struct buf *o, const struct report_page *p, bool grouped)
{
	char *h = fr_page_heading(p);
	if (p->republished && !grouped) {
		char *d = p->page_updated ? fr_field_value("page_updated", p->page_updated) : NULL;
		if (d)
			wrapf(o, "• ", 2, "%s : page republiée le %s, texte inchangé.", h, d);
		else
			wrapf(o, "• ", 2, "%s : page republiée, texte inchangé.", h);
		free(d);
	}
	if (p->rules_changed)
		wrapf(o, "• ", 2, "Règles d'extraction modifiées pour %s ; aucune alerte émise pour ce changement.", h);
	free(h);
}

char *report_render_text(const struct report *r)
{
	struct buf o;
	struct report_counts c;
	size_t n_quiet = 0;

	buf_init(&o, TEXT_MAX);
	report_count(r, &c);
	char *summary = report_summary(r);
	if (r->title && *r->title)
		wrapf(&o, "", 0, "Veille des préfectures — %s", r->title);
	else
		wrap(&o, "", 0, "Veille des préfectures");
	if (r->finished_at || r->started_at) {
		char d[11];
		pw_time_fr(r->finished_at ? r->finished_at : r->started_at, d);
		if (r->run_id)
			wrapf(&o, "", 0, "Vérification n° %lld du %s", (long long)r->run_id, d);
		else
			wrapf(&o, "", 0, "Rapport du %s", d);
	}
	wrap(&o, "", 0, summary);
	free(summary);

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
			buf_addch(&o, '\n');
			wrapf(&o, "", 0, "%d autre%s page%s en échec passager, sous le seuil d'alerte : non détaillée%s.",
			      k, k > 1 ? "s" : "", k > 1 ? "s" : "", k > 1 ? "s" : "");
		}
		if (c.failed_ack) {
			int k = c.failed_ack;
			buf_addch(&o, '\n');
			wrapf(&o, "", 0, "%d page%s en panne connue (acquittée%s) : rappel une fois par semaine.",
			      k, k > 1 ? "s" : "", k > 1 ? "s" : "");
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
		buf_addch(&o, '\n');
		if (group)
			wrapf(&o, "• ", 2, "%zu pages republiées (date de mise à jour changée), texte inchangé : %s.",
			      n_group, group);
		for (size_t i = 0; i < r->n_pages; i++)
			if (page_wants_quiet_line(&r->pages[i]))
				render_quiet(&o, &r->pages[i], group != NULL);
	}
	free(group);
	if (o.toobig)
		buf_addstr(&o, "\n[rapport tronqué : trop volumineux]\n");
	return buf_detach(&o, NULL);
}
