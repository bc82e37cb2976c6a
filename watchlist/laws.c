/*
 * laws.c - the editors' table of legal events (see watchlist.h).
 *
 * Read with the same strict YAML reader as the watchlist, so that an
 * editor gets the same "FILE:LINE:COLUMN: message" for every mistake, all
 * at once. The table is small (a handful of events): nothing here needs
 * to be fast. Matching is judge_stale()'s; this file only validates and
 * folds the phrases once.
 */
#include "common/common.h"
#include "common/similar.h"

#include "watchlist/watchlist.h"

void law_table_init(struct law_table *t)
{
	memset(t, 0, sizeof(*t));
}

static void event_release(struct law_event *e)
{
	free(e->date);
	free(e->name);
	free(e->title);
	free(e->key);
	strvec_release(&e->cited_as);
	strvec_release(&e->cited_folded);
	free(e->replaces_name);
	free(e->replaces_date);
	strvec_release(&e->old_cited_as);
	strvec_release(&e->old_cited_folded);
	for (size_t i = 0; i < e->n_signs; i++) {
		strvec_release(&e->signs[i].phrases);
		strvec_release(&e->signs[i].folded);
	}
	free(e->signs);
}

void law_table_release(struct law_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		event_release(&t->events[i]);
	free(t->events);
	free(t->file);
	memset(t, 0, sizeof(*t));
}

/* A real calendar date written YYYY-MM-DD (a typo such as 2025-13-01 or
 * 2025-02-30 would silently flag every page, or none). */
static bool valid_date(const char *s)
{
	static const int days[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
	if (y < 1900 || m < 1 || m > 12 || d < 1 || d > days[m - 1])
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return !(m == 2 && d == 29 && !leap);
}

/* A non-empty scalar (a phrase, a name); NULL with an error otherwise. */
static const char *text_of(struct strvec *errs, const char *file, const struct ynode *n,
			   const char *what)
{
	if (!yaml_expect(errs, file, n, YNODE_SCALAR, what))
		return NULL;
	if (ynode_is_null(n) || !*n->value) {
		yaml_err(errs, file, n, _("%s is empty"), what);
		return NULL;
	}
	return n->value;
}

/* A required key of map: its node, or NULL with "missing 'key' in WHAT". */
static const struct ynode *required(struct strvec *errs, const char *file, const struct ynode *map,
				    const char *key, const char *what)
{
	const struct ynode *n = ynode_get(map, key);
	if (!n)
		yaml_err(errs, file, map, _("missing '%s' in %s"), key, what);
	return n;
}

static char *date_of(struct strvec *errs, const char *file, const struct ynode *n, const char *what)
{
	const char *v = text_of(errs, file, n, what);
	if (!v)
		return NULL;
	if (!valid_date(v)) {
		yaml_err(errs, file, n, _("%s '%s' is not a real date (YYYY-MM-DD)"), what, v);
		return NULL;
	}
	return xstrdup(v);
}

/* A phrase into as-written and folded lists; a phrase without any word
 * ("…", "--") would match every page. */
static int add_phrase(struct strvec *errs, const char *file, const struct ynode *n,
		      const char *what, struct strvec *raw, struct strvec *folded)
{
	const char *v = text_of(errs, file, n, what);
	if (!v)
		return -1;
	char *f = pw_fold_words(v);
	if (!strcmp(f, " ")) {
		yaml_err(errs, file, n, _("%s '%s' has no word to look for"), what, v);
		free(f);
		return -1;
	}
	strvec_push(raw, v);
	strvec_push_nodup(folded, f);
	return 0;
}

/* cited_as: a sequence of phrases (optional). */
static void phrases_of(struct strvec *errs, const char *file, const struct ynode *n,
		       const char *what, struct strvec *raw, struct strvec *folded)
{
	if (!n || !yaml_expect(errs, file, n, YNODE_SEQ, what))
		return;
	for (size_t i = 0; i < n->n; i++)
		add_phrase(errs, file, n->items[i], "a phrase", raw, folded);
}

static void signs_of(struct strvec *errs, const char *file, const struct ynode *n,
		     struct law_event *e)
{
	if (!n || !yaml_expect(errs, file, n, YNODE_SEQ, "signs"))
		return;
	e->signs = xcalloc(n->n + 1, sizeof(*e->signs));
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *it = n->items[i];
		struct law_sign *sg = &e->signs[e->n_signs++];
		if (it->kind == YNODE_SEQ) {
			if (!it->n)
				yaml_err(errs, file, it, _("a sign's list of phrases is empty"));
			for (size_t j = 0; j < it->n; j++)
				add_phrase(errs, file, it->items[j], "a phrase", &sg->phrases, &sg->folded);
		} else {
			add_phrase(errs, file, it, "a sign", &sg->phrases, &sg->folded);
		}
	}
}

static void event_of(struct strvec *errs, const char *file, const struct ynode *n,
		     struct law_event *e)
{
	static const char *const keys[] = { "date", "name", "title", "cited_as", "replaces",
					    "signs", NULL };
	static const char *const rkeys[] = { "name", "date", "cited_as", NULL };
	const struct ynode *v;
	e->line = n->line;
	if (!yaml_expect(errs, file, n, YNODE_MAP, "an event"))
		return;
	yaml_check_keys(errs, file, n, keys, "an event");
	if ((v = required(errs, file, n, "date", "an event")))
		e->date = date_of(errs, file, v, "date");
	if ((v = required(errs, file, n, "name", "an event")))
		e->name = xstrdup(text_of(errs, file, v, "name"));
	if ((v = required(errs, file, n, "title", "an event")))
		e->title = xstrdup(text_of(errs, file, v, "title"));
	phrases_of(errs, file, ynode_get(n, "cited_as"), "cited_as", &e->cited_as, &e->cited_folded);
	const struct ynode *r = required(errs, file, n, "replaces", "an event");
	if (r && yaml_expect(errs, file, r, YNODE_MAP, "replaces")) {
		yaml_check_keys(errs, file, r, rkeys, "replaces");
		if ((v = required(errs, file, r, "name", "replaces")))
			e->replaces_name = xstrdup(text_of(errs, file, v, "name"));
		if ((v = required(errs, file, r, "date", "replaces")))
			e->replaces_date = date_of(errs, file, v, "date");
		phrases_of(errs, file, ynode_get(r, "cited_as"), "cited_as", &e->old_cited_as,
			   &e->old_cited_folded);
	}
	signs_of(errs, file, ynode_get(n, "signs"), e);
	if (!e->n_signs && !e->old_cited_as.n)
		yaml_err(errs, file, n, _("an event needs 'signs' or 'replaces: cited_as' "
			 "(what betrays a page written before it)"));
	if (e->date && e->replaces_date && strcmp(e->replaces_date, e->date) >= 0)
		yaml_err(errs, file, ynode_get(r, "date"), _("the replaced text's date %s is not "
			 "before the event's %s"), e->replaces_date, e->date);
	if (e->date && e->title)
		e->key = xasprintf("%s %s", e->date, e->title);
}

/* What matching depends on, in order: a table edited in a comment or in
 * a name only keeps its fingerprint, so no page is re-evaluated for it. */
static void fingerprint(struct law_table *t)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < t->n; i++) {
		const struct law_event *e = &t->events[i];
		buf_printf(&b, "E%s\n%s\n", e->date, e->title);
		for (size_t j = 0; j < e->cited_folded.n; j++)
			buf_printf(&b, "N%s\n", e->cited_folded.v[j]);
		for (size_t j = 0; j < e->old_cited_folded.n; j++)
			buf_printf(&b, "O%s\n", e->old_cited_folded.v[j]);
		for (size_t j = 0; j < e->n_signs; j++) {
			buf_addstr(&b, "S");
			for (size_t k = 0; k < e->signs[j].folded.n; k++)
				buf_printf(&b, "%s\t", e->signs[j].folded.v[k]);
			buf_addstr(&b, "\n");
		}
	}
	pw_hash_hex(buf_str(&b), b.len, t->fingerprint);
	buf_release(&b);
}

/* Line and column of "FILE:LINE:COLUMN: ..." (0 when it has none). */
static void err_pos(const char *msg, size_t skip, long *line, long *column)
{
	char *end;
	*line = *column = 0;
	if (strlen(msg) <= skip || msg[skip] != ':')
		return;
	*line = strtol(msg + skip + 1, &end, 10);
	if (*end == ':')
		*column = strtol(end + 1, NULL, 10);
}

/* The errors from index `from` on in file order, as the watchlist's are
 * (validation walks keys in a fixed order, not the editor's); insertion
 * sort, stable. */
static void sort_errors(struct strvec *errs, size_t from, const char *file)
{
	size_t skip = strlen(file);
	for (size_t i = from + 1; i < errs->n; i++) {
		char *cur = errs->v[i];
		long l, c, pl, pc;
		size_t j = i;
		err_pos(cur, skip, &l, &c);
		for (; j > from; j--) {
			err_pos(errs->v[j - 1], skip, &pl, &pc);
			if (pl < l || (pl == l && pc <= c))
				break;
			errs->v[j] = errs->v[j - 1];
		}
		errs->v[j] = cur;
	}
}

static int load_doc(struct law_table *t, struct yaml_doc *doc, struct strvec *errs, size_t before)
{
	const char *file = doc->file;
	const struct ynode *events;
	if (errs->n > before)
		goto done;
	if (!doc->root) {
		yaml_err(errs, file, NULL, _("the table of legal events is empty (expected 'events:')"));
		goto done;
	}
	if (!yaml_expect(errs, file, doc->root, YNODE_MAP, "the file"))
		goto done;
	static const char *const top[] = { "events", NULL };
	yaml_check_keys(errs, file, doc->root, top, "the file");
	events = required(errs, file, doc->root, "events", "the file");
	if (!events || !yaml_expect(errs, file, events, YNODE_SEQ, "events"))
		goto done;
	t->events = xcalloc(events->n + 1, sizeof(*t->events));
	for (size_t i = 0; i < events->n; i++) {
		struct law_event *e = &t->events[t->n++];
		event_of(errs, file, events->items[i], e);
		for (size_t j = 0; e->key && j + 1 < t->n; j++)
			if (t->events[j].key && !strcmp(t->events[j].key, e->key))
				yaml_err(errs, file, events->items[i], _("duplicate event '%s' (also at "
					 "line %d)"), e->key, t->events[j].line);
	}
done:
	if (errs->n > before) {
		sort_errors(errs, before, file);
		law_table_release(t);
		return (int)(errs->n - before);
	}
	t->file = xstrdup(file);
	fingerprint(t);
	return 0;
}

int law_table_load(struct law_table *t, const char *path, struct strvec *errs)
{
	struct yaml_doc doc;
	size_t before = errs->n;
	yaml_doc_load(&doc, path, errs);
	int n = load_doc(t, &doc, errs, before);
	yaml_doc_release(&doc);
	return n;
}

int law_table_load_buffer(struct law_table *t, const char *name, const char *data, size_t len,
			  struct strvec *errs)
{
	struct yaml_doc doc;
	size_t before = errs->n;
	yaml_doc_parse(&doc, name, data, len, errs);
	int n = load_doc(t, &doc, errs, before);
	yaml_doc_release(&doc);
	return n;
}
