/*
 * outline.c - what the text and HTML reports say, decided once.
 *
 * The sections in their order (changes, addresses to update, linked
 * documents, failures, recoveries, pages stale against the law, new
 * pages, « Pour information »), the
 * pages each lists, the lines of each entry and every French sentence are
 * here; render_text.c and render_html.c only format the outline (see
 * internal.h). A sentence is split into spans only where a format treats
 * a piece differently (a link, a label, a fact's old and new value); a
 * page-derived string stays one span, so each format escapes or wraps it
 * whole.
 */
#include "common/common.h"
#include "reports/report.h"
#include "reports/internal.h"

const char outline_official_page[] = "Page officielle : ";
const char outline_same_text[] = "Texte identique (seuls les éléments ci-dessus ont changé).";
const char outline_gap[] = "[…]";
const char outline_moved_line[] = "(déplacé)";
const char outline_footer[] = "Rapport produit par prefwatch. Les liens mènent aux pages "
			      "officielles des préfectures.";

/* ---- building blocks ---- */

static struct outline_section *add_section(struct outline *o, const char *title, size_t count)
{
	if (o->n == o->alloc) {
		o->alloc = o->alloc ? o->alloc * 2 : 8;
		o->v = xrealloc(o->v, o->alloc * sizeof(*o->v));
	}
	struct outline_section *s = &o->v[o->n++];
	memset(s, 0, sizeof(*s));
	s->title = title;
	s->count = count;
	return s;
}

static struct outline_line *push_line(struct outline_line **v, size_t *n, size_t *alloc,
				      enum line_kind kind, int depth)
{
	if (*n == *alloc) {
		*alloc = *alloc ? *alloc * 2 : 8;
		*v = xrealloc(*v, *alloc * sizeof(**v));
	}
	struct outline_line *l = &(*v)[(*n)++];
	memset(l, 0, sizeof(*l));
	l->kind = kind;
	l->depth = depth;
	return l;
}

/* An entry for page p: its heading, official address, other offices. */
static struct outline_entry *add_entry(struct outline_section *s, const struct report_page *p)
{
	if (s->n == s->alloc) {
		s->alloc = s->alloc ? s->alloc * 2 : 8;
		s->v = xrealloc(s->v, s->alloc * sizeof(*s->v));
	}
	struct outline_entry *e = &s->v[s->n++];
	memset(e, 0, sizeof(*e));
	e->heading = fr_page_heading(p);
	e->url = p->url;
	e->also = fr_also_for(p);
	return e;
}

static struct outline_line *line(struct outline_entry *e, enum line_kind kind, int depth)
{
	return push_line(&e->v, &e->n, &e->alloc, kind, depth);
}

static struct outline_line *section_line(struct outline_section *s, enum line_kind kind)
{
	return push_line(&s->lines, &s->n_lines, &s->alloc_lines, kind, 0);
}

/* Appends a span taking text and url (owned, either may be NULL). */
static void span_take(struct outline_line *l, enum span_kind kind, char *text, char *url)
{
	if (l->n == l->alloc) {
		l->alloc = l->alloc ? l->alloc * 2 : 4;
		l->v = xrealloc(l->v, l->alloc * sizeof(*l->v));
	}
	l->v[l->n++] = (struct span){ kind, text, url };
}

static void span(struct outline_line *l, enum span_kind kind, const char *text)
{
	span_take(l, kind, xstrdup(text ? text : ""), NULL);
}

static void spanf(struct outline_line *l, const char *fmt, ...) PW_PRINTF(2, 3);
static void spanf(struct outline_line *l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	span_take(l, SPAN_TEXT, xvasprintf(fmt, ap), NULL);
	va_end(ap);
}

/* A link to url (may be NULL) shown as label, else as the address. */
static void span_url(struct outline_line *l, const char *url, const char *label)
{
	span_take(l, SPAN_URL, xstrdup(label), xstrdup(url));
}

/* A line of one plain sentence, taken (owned). */
static void sentence(struct outline_entry *e, enum line_kind kind, int depth, char *s)
{
	span_take(line(e, kind, depth), SPAN_TEXT, s, NULL);
}

/* The first letter in upper case: the French failure labels start in ASCII. */
static char *capitalised(const char *s)
{
	char *c = xstrdup(s);
	if (c[0] >= 'a' && c[0] <= 'z')
		c[0] = (char)(c[0] - 32);
	return c;
}

/* ", depuis le 28/11/2026 (3 échecs de suite)." after a failure */
static char *fr_failing(time_t since, int count)
{
	struct buf b = BUF_INIT;
	if (since) {
		char d[11];
		pw_time_fr(since, d);
		buf_printf(&b, ", depuis le %s", d);
	}
	if (count > 1)
		buf_printf(&b, " (%d échecs de suite)", count);
	buf_addch(&b, '.');
	return buf_detach(&b, NULL);
}

/* ---- lines shared by pages and documents ---- */

static void detection(struct outline_entry *e, int depth, const struct report_change *c)
{
	char now[11], before[11];
	pw_time_fr(c->detected_at, now);
	if (c->previous_at) {
		pw_time_fr(c->previous_at, before);
		sentence(e, LINE_NOTE, depth,
			 xasprintf("Modification n° %lld détectée le %s ; version précédente du %s.",
				   (long long)c->id, now, before));
	} else {
		sentence(e, LINE_NOTE, depth,
			 xasprintf("Modification n° %lld détectée le %s.", (long long)c->id, now));
	}
}

static void review(struct outline_entry *e, int depth, const struct report_change *c)
{
	char *r = fr_review(c);
	if (r)
		sentence(e, LINE_REVIEW, depth, r);
	/* the evidence it cites, if kept (prefwatch evidence ID) */
	char *proof = fr_evidence(c);
	if (proof)
		sentence(e, LINE_NOTE, depth, proof);
}

/* NEEDSWORK: the two formats have always worded this sentence apart; one
 * wording would change the goldens, which editors' filters may match. */
static void diff_block(struct outline_entry *e, int depth, const struct report_change *c,
		       enum outline_of of)
{
	struct outline_line *l = line(e, LINE_DIFF, depth);
	l->change = c;
	l->intro_marked = "Texte, avec les passages supprimés [-ainsi-] et ajoutés {+ainsi+} :";
	spanf(l, "Texte %s, passages supprimés ", of == OUTLINE_OF_PAGE ? "de la page" : "du document");
	span(l, SPAN_OLD, "ainsi");
	span(l, SPAN_TEXT, " et ajoutés ");
	span(l, SPAN_NEW, "ainsi");
	span(l, SPAN_TEXT, " :");
}

static void technical_detail(struct outline_entry *e, int depth, long http_status, const char *error)
{
	char *d = fr_failure_detail(http_status, error);
	if (!d)
		return;
	struct outline_line *l = line(e, LINE_DETAIL, depth);
	span(l, SPAN_TEXT, "Détail technique : ");
	span_take(l, SPAN_TEXT, d, NULL);
}

/* « Title » (PDF): the title (else the address) linking to the document */
static void doc_label(struct outline_line *l, const char *url, const char *title, const char *type)
{
	span(l, SPAN_TEXT, "« ");
	span_url(l, url, title && *title ? title : url);
	span(l, SPAN_TEXT, " »");
	if (type && *type)
		spanf(l, " (%s)", type);
}

/* ---- entries ---- */

static void change_entry(struct outline_section *s, const struct report_page *p)
{
	const struct report_change *c = p->change;
	struct outline_entry *e = add_entry(s, p);
	struct fact_list facts;

	detection(e, 0, c);
	if (c->reverted_to) {
		char back[11];
		pw_time_fr(c->reverted_to, back);
		sentence(e, LINE_ALERT, 0,
			 xasprintf("Texte revenu à la version du %s (ce n'est pas un nouveau texte).", back));
	}
	review(e, 0, c);
	char *back = fr_recovered(p, c->detected_at);
	if (back)
		sentence(e, LINE_NOTE, 0, xasprintf("%s Le texte a changé pendant l'interruption.", back));
	free(back);
	if (p->url_moved && p->final_url) {
		struct outline_line *l = line(e, LINE_LINK, 0);
		span(l, SPAN_TEXT, "Adresse officielle de la page modifiée : ");
		span_url(l, p->url, NULL);
		span(l, SPAN_TEXT, " → ");
		span_url(l, p->final_url, NULL);
	}
	report_facts_from_delta(&c->deltas, &facts);
	for (size_t i = 0; i < facts.n; i++) {
		struct outline_line *l = line(e, LINE_FACT, 0);
		span(l, SPAN_LABEL, facts.v[i].label);
		span(l, SPAN_TEXT, " : ");
		if (facts.v[i].from) {
			span(l, SPAN_OLD, facts.v[i].from);
			span(l, SPAN_TEXT, " → ");
			span(l, SPAN_NEW, facts.v[i].to);
		} else {
			span(l, SPAN_VALUE, facts.v[i].to);
		}
	}
	fact_list_release(&facts);
	diff_block(e, 0, c, OUTLINE_OF_PAGE);
}

static const char *doc_headline(enum doc_status st)
{
	switch (st) {
	case DOC_CHANGED: return "Document modifié";
	case DOC_NEW: return "Nouveau document lié";
	case DOC_REMOVED: return "Document retiré de la page";
	case DOC_REPLACED: return "Document remplacé";
	case DOC_FAILED: return "Document inaccessible";
	case DOC_UNCHANGED: break;
	}
	return "Document";
}

/* A document with news, under its page's entry. */
static void document_lines(struct outline_entry *e, const struct report_document *d)
{
	struct outline_line *l = line(e, LINE_DOCUMENT, 1);
	span(l, SPAN_LABEL, doc_headline(d->status));
	span(l, SPAN_TEXT, " : ");
	if (d->status == DOC_REPLACED) {
		doc_label(l, d->replaced_url, d->replaced_title, d->type);
		span(l, SPAN_TEXT, " → ");
	}
	doc_label(l, d->url, d->title, d->type);
	if (d->status == DOC_NEW)
		span(l, SPAN_TEXT, ", enregistré comme version de référence.");
	else if (d->status == DOC_REMOVED)
		span(l, SPAN_TEXT, " (son historique est conservé).");
	else if (d->status == DOC_FAILED) {
		char *when = fr_failing(d->failing_since, d->fail_count);
		spanf(l, " — %s%s", fr_doc_failure(d->failure, d->http_status), when);
		free(when);
	}
	/* (a format with links shows the addresses in the headline) */
	if (d->status == DOC_REPLACED && d->replaced_url)
		sentence(e, LINE_TARGET, 1, xasprintf("Ancien lien : %s", d->replaced_url));
	if (d->url)
		sentence(e, LINE_TARGET, 1, d->status == DOC_REPLACED ? xasprintf("Nouveau lien : %s", d->url)
								      : xstrdup(d->url));
	if (d->note && *d->note)
		sentence(e, LINE_NOTE, 1, xstrdup(d->note));
	if (d->status == DOC_REPLACED && d->change)
		diff_block(e, 1, d->change, OUTLINE_OF_DOCUMENT);
	if (d->status == DOC_CHANGED && d->change) {
		detection(e, 1, d->change);
		review(e, 1, d->change);
		diff_block(e, 1, d->change, OUTLINE_OF_DOCUMENT);
	}
	if (d->status == DOC_FAILED)
		technical_detail(e, 1, d->http_status, d->error);
}

static void documents_entry(struct outline_section *s, const struct report_page *p)
{
	struct outline_entry *e = add_entry(s, p);
	for (size_t i = 0; i < p->n_documents; i++)
		if (report_doc_has_news(p, &p->documents[i]))
			document_lines(e, &p->documents[i]);
}

/* A new official address: what to copy where. */
static void move_entry(struct outline_section *s, const struct report_page *p)
{
	struct outline_entry *e = add_entry(s, p);
	struct outline_line *l = line(e, LINE_ALERT, 0);
	span(l, SPAN_TEXT, "L'adresse officielle a changé : ");
	span_url(l, p->url, NULL);
	span(l, SPAN_TEXT, " → ");
	span_url(l, p->final_url, NULL);
	sentence(e, LINE_NOTE, 0, fr_move_instruction(p));
	if (p->watchlist_line > 0) {
		l = line(e, LINE_CODE, 0);
		span(l, SPAN_TEXT, "url: ");
		span(l, SPAN_TEXT, p->final_url);
	}
}

/* Where a gone page may be now (fr_relocation_lines()). */
static void relocation_entry(struct outline_section *s, const struct report_page *p)
{
	struct outline_entry *e = add_entry(s, p);
	struct strvec l = STRVEC_INIT;
	fr_relocation_lines(p, &l);
	for (size_t i = 0; i < l.n; i++)
		sentence(e, LINE_FACT, 0, xstrdup(l.v[i]));
	for (size_t i = 0; i < p->relocation->problems.n; i++)
		technical_detail(e, 0, 0, p->relocation->problems.v[i]);
	strvec_release(&l);
}

static void failure_entry(struct outline_section *s, const struct report_page *p)
{
	struct outline_entry *e = add_entry(s, p);
	char *what = pw_error_is_truncated(p->failure, p->error)
		? xstrdup("Texte tronqué : la page dépasse 8 Mio ; comparaison suspendue")
		: capitalised(fr_failure(p->failure, p->http_status));
	char *when = fr_failing(p->failing_since, p->fail_count);
	sentence(e, LINE_NOTE, 0, xasprintf("%s%s", what, when));
	free(what);
	free(when);
	if (p->final_url && (p->failure == PW_FAIL_MOVED || p->url_moved)) {
		struct outline_line *l = line(e, LINE_LINK, 0);
		span(l, SPAN_TEXT, "Nouvelle adresse : ");
		span_url(l, p->final_url, NULL);
	}
	if (p->ack_reminder)
		sentence(e, LINE_NOTE, 0, xstrdup("Panne déjà connue (acquittée) : rappel hebdomadaire."));
	technical_detail(e, 0, p->http_status, p->error);
}

static void new_entry(struct outline_section *s, const struct report_page *p)
{
	struct outline_entry *e = add_entry(s, p);
	sentence(e, LINE_NOTE, 0,
		 xstrdup("Nouvelle page suivie : texte enregistré comme version de référence."));
	for (size_t i = 0; i < p->fields.n; i++) {
		const struct field *f = &p->fields.v[i];
		for (size_t j = 0; j < f->values.n; j++) {
			if (fact_shown_elsewhere(p, f->name, f->values.v[j]))
				continue;
			struct outline_line *l = line(e, LINE_FACT, 0);
			span(l, SPAN_LABEL, fr_field_label(f->name));
			span(l, SPAN_TEXT, " : ");
			span_take(l, SPAN_VALUE, fr_field_value(f->name, f->values.v[j]), NULL);
		}
	}
	for (size_t i = 0; i < p->n_documents; i++) {
		const struct report_document *d = &p->documents[i];
		if (d->status != DOC_NEW)
			continue;
		struct outline_line *l = line(e, LINE_LINK, 0);
		span(l, SPAN_TEXT, "Document lié, enregistré : ");
		doc_label(l, d->url, d->title, d->type);
		if (d->url)
			sentence(e, LINE_TARGET, 1, xstrdup(d->url));
	}
}

/* "à la circulaire …", "au décret …", "aux …": the table's title is
 * written with its article, as it reads after « antérieure ». */
static char *fr_to(const char *title)
{
	if (!strncmp(title, "le ", 3))
		return xasprintf("au %s", title + 3);
	if (!strncmp(title, "les ", 4))
		return xasprintf("aux %s", title + 4);
	return xasprintf("à %s", title);
}

/* « Pages antérieures à la loi »: one entry per page, a sentence per
 * legal event it predates. */
static void stale_entry(struct outline_section *s, const struct report_page *p)
{
	struct outline_entry *e = add_entry(s, p);
	for (size_t i = 0; i < p->n_stale; i++) {
		const struct report_stale *f = &p->stale[i];
		char *to = fr_to(f->title ? f->title : "la loi");
		char *stamp = f->page_updated ? fr_field_value("page_updated", f->page_updated) : NULL;
		char *found = f->evidence ? xasprintf(" : « %s »", f->evidence) : xstrdup("");
		if (f->undated || !stamp)
			sentence(e, LINE_ALERT, 0, xasprintf("Page antérieure %s (page non datée) : elle "
							  "cite encore le texte remplacé%s.", to, found));
		else
			sentence(e, LINE_ALERT, 0, xasprintf("Page antérieure %s : mise à jour le %s, elle "
							  "décrit encore le texte remplacé%s.", to, stamp, found));
		if (f->reminder && f->flagged_at) {
			char d[11];
			pw_time_fr(f->flagged_at, d);
			sentence(e, LINE_NOTE, 0, xasprintf("Rappel hebdomadaire : signalée depuis le %s.", d));
		}
		free(to);
		free(stamp);
		free(found);
	}
}

/* « Pour information »: grouped: the page's republication is said in the
 * group's bullet. */
static void quiet_bullets(struct outline_section *s, const struct report_page *p, bool grouped)
{
	char *h = fr_page_heading(p);
	if (p->republished && !grouped) {
		char *d = p->page_updated ? fr_field_value("page_updated", p->page_updated) : NULL;
		if (d)
			spanf(section_line(s, LINE_BULLET), "%s : page republiée le %s, texte inchangé.", h, d);
		else
			spanf(section_line(s, LINE_BULLET), "%s : page republiée, texte inchangé.", h);
		free(d);
	}
	if (p->rules_changed)
		spanf(section_line(s, LINE_BULLET),
		      "Règles d'extraction modifiées pour %s ; aucune alerte émise pour ce changement.", h);
	free(h);
}

/* ---- sections ---- */

static void failures_section(struct outline *o, const struct report *r, const struct report_counts *c)
{
	struct outline_section *s = add_section(o, "Pages inaccessibles", (size_t)c->failed);
	for (size_t i = 0; i < r->n_pages; i++)
		if (report_page_effective_status(&r->pages[i]) == PAGE_FAILED && r->pages[i].listed)
			failure_entry(s, &r->pages[i]);
	if (c->failed > c->failed_listed + c->failed_ack) {
		int k = c->failed - c->failed_listed - c->failed_ack;
		const char *pl = k > 1 ? "s" : "";
		spanf(section_line(s, LINE_SECTION_NOTE),
		      "%d autre%s page%s en échec passager, sous le seuil d'alerte : non détaillée%s.",
		      k, pl, pl, pl);
	}
	if (c->failed_ack) {
		int k = c->failed_ack;
		const char *pl = k > 1 ? "s" : "";
		spanf(section_line(s, LINE_SECTION_NOTE),
		      "%d page%s en panne connue (acquittée%s) : rappel une fois par semaine.", k, pl, pl);
	}
}

static void quiet_section(struct outline *o, const struct report *r)
{
	size_t n_group;
	char *group = republished_group(r, &n_group);
	size_t n = quiet_entries(r, group != NULL);
	if (n) {
		struct outline_section *s = add_section(o, "Pour information", n);
		if (group)
			spanf(section_line(s, LINE_BULLET),
			      "%zu pages republiées (date de mise à jour changée), texte inchangé : %s.",
			      n_group, group);
		for (size_t i = 0; i < r->n_pages; i++)
			if (report_page_wants_quiet_line(&r->pages[i]))
				quiet_bullets(s, &r->pages[i], group != NULL);
	}
	free(group);
}

static void header(struct outline *o, const struct report *r)
{
	o->title = r->title && *r->title ? xasprintf("Veille des préfectures — %s", r->title)
					 : xstrdup("Veille des préfectures");
	if (r->finished_at || r->started_at) {
		char d[11];
		pw_time_fr(r->finished_at ? r->finished_at : r->started_at, d);
		o->subtitle = r->run_id ? xasprintf("Vérification n° %lld du %s", (long long)r->run_id, d)
					: xasprintf("Rapport du %s", d);
	}
	o->summary = report_summary(r);
}

void outline_build(const struct report *r, struct outline *o)
{
	struct report_counts c;
	struct outline_section *s;
	size_t n;

	memset(o, 0, sizeof(*o));
	report_count(r, &c);
	header(o, r);
	if (c.changed) {
		s = add_section(o, "Modifications", (size_t)c.changed);
		for (size_t i = 0; i < r->n_pages; i++)
			if (report_page_effective_status(&r->pages[i]) == PAGE_CHANGED)
				change_entry(s, &r->pages[i]);
	}
	if (c.moved) {
		s = add_section(o, "Adresses à mettre à jour", (size_t)c.moved);
		for (size_t i = 0; i < r->n_pages; i++)
			if (report_page_is_moved(&r->pages[i]))
				move_entry(s, &r->pages[i]);
	}
	n = 0;
	for (size_t i = 0; i < r->n_pages; i++)
		n += r->pages[i].relocation != NULL;
	if (n) {
		s = add_section(o, "Nouvelles adresses probables", n);
		for (size_t i = 0; i < r->n_pages; i++)
			if (r->pages[i].relocation)
				relocation_entry(s, &r->pages[i]);
	}
	n = 0;
	for (size_t i = 0; i < r->n_pages; i++)
		n += report_page_doc_news(&r->pages[i]);
	if (n) {
		s = add_section(o, "Documents liés", n);
		for (size_t i = 0; i < r->n_pages; i++)
			if (report_page_doc_news(&r->pages[i]))
				documents_entry(s, &r->pages[i]);
	}
	if (c.failed)
		failures_section(o, r, &c);
	n = 0;
	for (size_t i = 0; i < r->n_pages; i++)
		n += r->pages[i].recovered && report_page_effective_status(&r->pages[i]) == PAGE_UNCHANGED;
	if (n) {
		time_t now = r->finished_at ? r->finished_at : r->started_at;
		s = add_section(o, "De nouveau accessibles", n);
		for (size_t i = 0; i < r->n_pages; i++) {
			const struct report_page *p = &r->pages[i];
			char *back = report_page_effective_status(p) == PAGE_UNCHANGED ? fr_recovered(p, now) : NULL;
			if (back)
				sentence(add_entry(s, p), LINE_NOTE, 0, back);
		}
	}
	if (c.stale) {
		s = add_section(o, "Pages antérieures à la loi", (size_t)c.stale);
		for (size_t i = 0; i < r->n_pages; i++)
			if (r->pages[i].n_stale)
				stale_entry(s, &r->pages[i]);
	}
	if (c.new_pages) {
		s = add_section(o, "Nouvelles pages", (size_t)c.new_pages);
		for (size_t i = 0; i < r->n_pages; i++)
			if (report_page_effective_status(&r->pages[i]) == PAGE_NEW)
				new_entry(s, &r->pages[i]);
	}
	quiet_section(o, r);
}

static void lines_release(struct outline_line *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < v[i].n; j++) {
			free(v[i].v[j].text);
			free(v[i].v[j].url);
		}
		free(v[i].v);
	}
	free(v);
}

void outline_entry_release(struct outline_entry *e)
{
	free(e->heading);
	free(e->also);
	lines_release(e->v, e->n);
	memset(e, 0, sizeof(*e));
}

void outline_release(struct outline *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->n; i++) {
		struct outline_section *s = &o->v[i];
		for (size_t j = 0; j < s->n; j++)
			outline_entry_release(&s->v[j]);
		free(s->v);
		lines_release(s->lines, s->n_lines);
	}
	free(o->v);
	free(o->title);
	free(o->subtitle);
	free(o->summary);
	memset(o, 0, sizeof(*o));
}
