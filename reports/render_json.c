/*
 * render_json.c - the "prefwatch-report/1" JSON report.
 *
 * The contract other checks rely on (see the foundation issue):
 *   {"format", "run": {id, started_at, finished_at, pages, new, unchanged,
 *    changed, failed}, "pages": [{id, office, url, status, http_status,
 *    final_url, text (new, changed), change (changed), failure and error
 *    (failed)}]}
 * plus, for tools: run.failed_listed and run.title, run.moved,
 * run.recovered and run.failed_acknowledged (when non-zero); per page region,
 * departement, departement_name, office_name, url_moved, page_updated,
 * fields ({"name": [values]}, all but thresholds), thresholds (when the
 * facts were read by an extractor that reads them: [{kind (duration |
 * count | money | contract | age | reference), condition, subject,
 * value}], crawler/thresholds.c), republished, rules_changed, also_for (ids
 * of the offices whose watchlist served_by names this page's office; only
 * when there are some), and for failed
 * pages failing_since, fail_count, listed and, for a failure an editor
 * acknowledged, acknowledged (true) and reminder (listed tonight as the
 * weekly reminder); for a page whose address moved tonight, watchlist
 * ({file, line} of its entry); for a page readable again after a failure
 * the editors were told of, recovered ({failing_since}); per change detected_at,
 * previous_snapshot_at, diff (unified, lines), fields ([{name, removed,
 * added}], the thresholds apart), thresholds (when some changed:
 * [{change: changed | moved | removed | added, kind, old, new}], old and
 * new a page threshold or null; paired by condition and kind, see
 * reports/diff.c), words ([{old_line, new_line, edits: [{op, text}]}], one entry
 * per changed line paired with its new version, equal runs included as
 * context), moved_lines, reverted_to (ISO time or null), state and, on a
 * reviewed or dismissed change only, review ({by, at, note}).
 * Linked documents, only on pages that link some (and then run.documents
 * {new, changed, removed, failed, failed_listed}): per page "documents":
 * [{url, title, type, status (new|unchanged|changed|failed|removed|replaced),
 * http_status, note, failure (null unless failed), error, fail_count,
 * failing_since, listed, change (null unless changed; a change object
 * as above, with empty fields; for a replaced document, the replaced
 * one's text against this one's), and for a replaced document replaces
 * ({url, title} of the link it takes the place of)}]; run.documents has
 * "replaced" when some are.
 * A page listed tonight as predating a legal event of the editors' table
 * (the night it is first found, then weekly) has "stale_law": [{event
 * (the event's date and title, its identity), law_date, title, undated
 * (the page has no stamp: flagged for citing the replaced text),
 * page_updated (the page's stamp it was judged with, or null), evidence
 * (the phrases found, as in the table, or null), flagged_at (first
 * found), reminder (true: tonight's is the weekly reminder)}], and the
 * run has "stale" (pages so listed) when non-zero.
 * A page searched for its new address (failed as moved, not_found or
 * no_content, the first night) has "relocation": {found, threshold,
 * candidates: [{url, title, score}] (best first, at most 3), searched
 * (French), problems (English)}.
 *
 * Written with json_writer.h, which places the commas and escapes the
 * strings (valid UTF-8 passes through, invalid bytes become U+FFFD, so the
 * output is always valid JSON); times are ISO 8601 UTC. The line breaks
 * below (jw_break) are the report's historical layout, kept byte for byte.
 */
#include "common/common.h"
#include "reports/report.h"
#include "reports/internal.h"
#include "reports/json_writer.h"

#include <unistd.h>

/* The largest JSON report rendered in memory; when written to a file,
 * the largest page entry. */
#define JSON_MAX (64u << 20)
#define JSON_CONTEXT 3

/* Writes what o holds to fd and empties o; -1 with errno. */
static int json_flush(struct buf *o, int fd)
{
	if (pw_write_all(fd, buf_str(o), o->len) < 0)
		return -1;
	buf_reset(o);
	return 0;
}

/* A failure's name; a failure without one is an HTTP error. */
static const char *failure_name(enum pw_failure f)
{
	return pw_failure_name(f)[0] ? pw_failure_name(f) : "http_error";
}

static void key_status(struct json_writer *w, long http_status)
{
	if (http_status)
		jw_key_int(w, "http_status", http_status);
	else
		jw_key_null(w, "http_status");
}

/* {"kind", "condition", "subject", "value"} */
static void json_threshold(struct json_writer *w, const struct threshold *t)
{
	jw_object_begin(w);
	jw_key_string(w, "kind", t->kind);
	jw_key_string(w, "condition", t->condition);
	jw_key_string(w, "subject", t->subject);
	jw_key_string(w, "value", t->value);
	jw_end(w);
}

/* A page's thresholds: [{kind, condition, subject, value}] */
static void json_thresholds(struct json_writer *w, const struct fieldset *fs)
{
	const struct field *f = fieldset_find(fs, "thresholds");
	jw_array_begin(w);
	for (size_t i = 0; f && i < f->values.n; i++) {
		struct threshold t;
		if (!threshold_parse(f->values.v[i], &t))
			continue;
		json_threshold(w, &t);
		threshold_release(&t);
	}
	jw_end(w);
}

/* A change's threshold deltas: [{change (changed|moved|removed|added),
 * kind, old, new (a threshold, or null)}] */
static void json_threshold_delta(struct json_writer *w, const struct fieldset *delta)
{
	const struct field *f = fieldset_find(delta, "thresholds");
	jw_array_begin(w);
	for (size_t i = 0; f && i < f->values.n; i++) {
		struct threshold a, b;
		char op;
		if (!threshold_delta_parse(f->values.v[i], &op, &a, &b))
			continue;
		jw_object_begin(w);
		jw_key_string(w, "change", op == '~' ? "changed" : op == '>' ? "moved" : op == '-' ? "removed"
											: "added");
		jw_key_string(w, "kind", op == '-' ? a.kind : b.kind);
		jw_key(w, "old");
		if (a.kind)
			json_threshold(w, &a);
		else
			jw_null(w);
		jw_key(w, "new");
		if (b.kind)
			json_threshold(w, &b);
		else
			jw_null(w);
		jw_end(w);
		threshold_release(&a);
		threshold_release(&b);
	}
	jw_end(w);
}

/* {"name": [values], ...}; the thresholds apart (json_thresholds) */
static void json_fields(struct json_writer *w, const struct fieldset *fs)
{
	jw_object_begin(w);
	for (size_t i = 0; i < fs->n; i++) {
		if (!strcmp(fs->v[i].name, "thresholds"))
			continue;
		jw_key(w, fs->v[i].name);
		jw_array_begin(w);
		for (size_t j = 0; j < fs->v[i].values.n; j++)
			jw_string(w, fs->v[i].values.v[j]);
		jw_end(w);
	}
	jw_end(w);
}

/* [{"name", "removed": [...], "added": [...]}] from fields_delta() form */
static void json_delta(struct json_writer *w, const struct fieldset *delta)
{
	jw_array_begin(w);
	for (size_t i = 0; i < delta->n; i++) {
		const struct field *f = &delta->v[i];
		if (!strcmp(f->name, "thresholds"))
			continue;  /* json_threshold_delta() */
		jw_object_begin(w);
		jw_key_string(w, "name", f->name);
		for (int pass = 0; pass < 2; pass++) {
			char sign = pass ? '+' : '-';
			jw_key(w, pass ? "added" : "removed");
			jw_array_begin(w);
			for (size_t j = 0; j < f->values.n; j++)
				if (f->values.v[j][0] == sign)
					jw_string(w, f->values.v[j] + 1);
			jw_end(w);
		}
		jw_end(w);
	}
	jw_end(w);
}

static const char *op_name(enum diff_op op)
{
	return op == DIFF_DELETE ? "delete" : op == DIFF_INSERT ? "insert" : "equal";
}

/* The changed lines with their word edits; *moved: lines moved. */
static void json_words(struct json_writer *w, const struct report_change *c, size_t *moved)
{
	struct diff_view v;
	diff_view_build(c->old_text, c->new_text, 0, &v);
	*moved = 0;
	jw_array_begin_lines(w, 6);
	for (size_t i = 0; i < v.n; i++) {
		const struct diff_row *r = &v.v[i];
		*moved += r->moved && r->kind == ROW_INSERT;
		if (r->kind != ROW_CHANGE)
			continue;
		jw_object_begin(w);
		jw_key_int(w, "old_line", (long long)r->old_no);
		jw_key_int(w, "new_line", (long long)r->new_no);
		jw_key(w, "edits");
		jw_array_begin(w);
		for (size_t j = 0; j < r->words.n; j++) {
			jw_object_begin(w);
			jw_key_string(w, "op", op_name(r->words.v[j].op));
			jw_key_string(w, "text", r->words.v[j].text);
			jw_end(w);
		}
		jw_end(w);
		jw_end(w);
	}
	jw_end(w);
	diff_view_release(&v);
}

static void json_change(struct json_writer *w, const struct report_change *c)
{
	size_t moved;
	char *diff = diff_unified(c->old_text, c->new_text, "avant", "après", JSON_CONTEXT);
	jw_object_begin(w);
	jw_key_int(w, "id", (long long)c->id);
	jw_break(w, 5);
	jw_key_time(w, "detected_at", c->detected_at);
	jw_key_time(w, "previous_snapshot_at", c->previous_at);
	jw_key_time(w, "reverted_to", c->reverted_to);
	jw_key_string(w, "state", c->state ? c->state : "pending");
	if (c->state) {
		/* only on a reviewed or dismissed change (stored changes) */
		jw_key(w, "review");
		jw_object_begin(w);
		jw_key_string(w, "by", c->reviewed_by);
		jw_key_time(w, "at", c->reviewed_at);
		jw_key_string(w, "note", c->note);
		jw_end(w);
	}
	if (c->evidence_sha256) {
		/* what `prefwatch evidence ID` writes as WARC */
		char *cmd = xasprintf("prefwatch evidence %lld", (long long)c->id);
		jw_key(w, "evidence");
		jw_object_begin(w);
		jw_key_time(w, "at", c->evidence_at);
		jw_key_string(w, "sha256", c->evidence_sha256);
		jw_key_string(w, "command", cmd);
		jw_end(w);
		free(cmd);
	} else {
		jw_key_null(w, "evidence");
	}
	jw_break(w, 5);
	jw_key_string(w, "diff", diff);
	jw_break(w, 5);
	jw_key(w, "fields");
	json_delta(w, &c->deltas);
	jw_break(w, 5);
	if (fieldset_find(&c->deltas, "thresholds")) {
		jw_key(w, "thresholds");
		json_threshold_delta(w, &c->deltas);
		jw_break(w, 5);
	}
	jw_key(w, "words");
	json_words(w, c, &moved);
	jw_break(w, 5);
	jw_key_int(w, "moved_lines", (long long)moved);
	jw_end(w);
	free(diff);
}

static void json_document(struct json_writer *w, const struct report_document *d)
{
	bool failed = d->status == DOC_FAILED;
	jw_object_begin(w);
	jw_key_string(w, "url", d->url);
	jw_key_string(w, "title", d->title);
	jw_key_string(w, "type", d->type);
	jw_key_string(w, "status", report_doc_status_name(d->status));
	jw_break(w, 5);
	key_status(w, d->http_status);
	jw_key_string(w, "note", d->note);
	jw_key_string(w, "failure", failed ? failure_name(d->failure) : NULL);
	jw_key_string(w, "error", failed ? (d->error ? d->error : fr_doc_failure(d->failure, d->http_status))
				 : NULL);
	jw_key_int(w, "fail_count", failed ? d->fail_count : 0);
	jw_key_time(w, "failing_since", failed ? d->failing_since : 0);
	jw_key_bool(w, "listed", failed && d->listed);
	jw_break(w, 5);
	jw_key(w, "change");
	if ((d->status == DOC_CHANGED || d->status == DOC_REPLACED) && d->change)
		json_change(w, d->change);
	else
		jw_null(w);
	if (d->status == DOC_REPLACED) {
		jw_key(w, "replaces");
		jw_object_begin(w);
		jw_key_string(w, "url", d->replaced_url);
		jw_key_string(w, "title", d->replaced_title);
		jw_end(w);
	}
	jw_end(w);
}

static void json_documents(struct json_writer *w, const struct report_page *p)
{
	jw_array_begin_lines(w, 4);
	for (size_t i = 0; i < p->n_documents; i++)
		if (!p->documents[i].superseded) /* said by the replacement's entry */
			json_document(w, &p->documents[i]);
	jw_end(w);
}

/* The members a failed page adds. */
static void json_failure(struct json_writer *w, const struct report_page *p)
{
	jw_break(w, 3);
	jw_key_string(w, "failure", failure_name(p->failure));
	jw_key_string(w, "error", p->error ? p->error : fr_failure(p->failure, p->http_status));
	jw_key_time(w, "failing_since", p->failing_since);
	jw_key_int(w, "fail_count", p->fail_count);
	jw_key_bool(w, "listed", p->listed);
	if (p->acknowledged) {
		jw_key_bool(w, "acknowledged", true);
		jw_key_bool(w, "reminder", p->ack_reminder);
	}
}

/* -1 (errno set) when a spooled text cannot be read back. */
static int json_page(struct json_writer *w, const struct report *r, const struct report_page *p)
{
	enum page_status st = report_page_effective_status(p);
	jw_object_begin(w);
	jw_key_string(w, "id", p->id);
	jw_key_string(w, "office", p->office_id ? p->office_id : p->id);
	jw_key_string(w, "url", p->url);
	if (p->also_ids.n) {
		jw_key(w, "also_for");
		jw_array_begin(w);
		for (size_t i = 0; i < p->also_ids.n; i++)
			jw_string(w, p->also_ids.v[i]);
		jw_end(w);
	}
	jw_key_string(w, "status", report_page_status_name(st));
	jw_break(w, 3);
	key_status(w, p->http_status);
	jw_key_string(w, "final_url", p->final_url);
	jw_key_bool(w, "url_moved", p->url_moved);
	jw_break(w, 3);
	jw_key_string(w, "region", p->region);
	jw_key_string(w, "departement", p->departement);
	jw_key_string(w, "departement_name", p->departement_name);
	jw_key_string(w, "office_name", p->office_name);
	jw_break(w, 3);
	jw_key_string(w, "page_updated", p->page_updated);
	jw_key_bool(w, "republished", p->republished);
	jw_key_bool(w, "rules_changed", p->rules_changed);
	jw_key(w, "fields");
	json_fields(w, &p->fields);
	if (fieldset_find(&p->fields, "thresholds")) {
		jw_key(w, "thresholds");
		json_thresholds(w, &p->fields);
	}
	if (st == PAGE_NEW || st == PAGE_CHANGED) {
		/* a changed page's text is its change's new text (one copy); a
		 * new page's may be in the report's spool */
		char *t;
		if (report_page_text(r, p, &t) < 0) {
			log_error(_("cannot read back the text of page '%s' for the JSON report: %s"),
				  p->id ? p->id : "?", strerror(errno));
			return -1;
		}
		jw_break(w, 3);
		jw_key_string(w, "text", t ? t : "");
		free(t);
	}
	if (st == PAGE_CHANGED) {
		jw_break(w, 3);
		jw_key(w, "change");
		json_change(w, p->change);
	}
	if (st == PAGE_FAILED)
		json_failure(w, p);
	if (report_page_is_moved(p) && p->watchlist_file && p->watchlist_line > 0) {
		/* where to copy the new address */
		jw_break(w, 3);
		jw_key(w, "watchlist");
		jw_object_begin(w);
		jw_key_string(w, "file", p->watchlist_file);
		jw_key_int(w, "line", p->watchlist_line);
		jw_end(w);
	}
	if (p->n_stale) {
		jw_break(w, 3);
		jw_key(w, "stale_law");
		jw_array_begin(w);
		for (size_t i = 0; i < p->n_stale; i++) {
			const struct report_stale *f = &p->stale[i];
			jw_object_begin(w);
			jw_key_string(w, "event", f->event);
			jw_key_string(w, "law_date", f->law_date);
			jw_key_string(w, "title", f->title);
			jw_key_bool(w, "undated", f->undated);
			jw_key_string(w, "page_updated", f->page_updated);
			jw_key_string(w, "evidence", f->evidence);
			jw_key_time(w, "flagged_at", f->flagged_at);
			jw_key_bool(w, "reminder", f->reminder);
			jw_end(w);
		}
		jw_end(w);
	}
	if (p->relocation) {
		const struct report_relocation *rl = p->relocation;
		jw_break(w, 3);
		jw_key(w, "relocation");
		jw_object_begin(w);
		jw_key_bool(w, "found", rl->found);
		jw_key_double(w, "threshold", rl->threshold, 2);
		jw_key(w, "candidates");
		jw_array_begin(w);
		for (size_t i = 0; i < rl->n; i++) {
			jw_object_begin(w);
			jw_key_string(w, "url", rl->v[i].url);
			jw_key_string(w, "title", rl->v[i].title);
			jw_key_double(w, "score", rl->v[i].score, 4);
			jw_end(w);
		}
		jw_end(w);
		const struct strvec *lists[] = { &rl->searched, &rl->problems };
		const char *names[] = { "searched", "problems" };
		for (size_t k = 0; k < 2; k++) {
			jw_key(w, names[k]);
			jw_array_begin(w);
			for (size_t i = 0; i < lists[k]->n; i++)
				jw_string(w, lists[k]->v[i]);
			jw_end(w);
		}
		jw_end(w);
	}
	if (p->recovered && st != PAGE_FAILED) {
		jw_break(w, 3);
		jw_key(w, "recovered");
		jw_object_begin(w);
		jw_key_time(w, "failing_since", p->was_failing_since);
		jw_end(w);
	}
	if (p->n_documents) {
		jw_break(w, 3);
		jw_key(w, "documents");
		json_documents(w, p);
	}
	jw_end(w);
	return 0;
}

/* "run": the counts, and the additions only when non-zero (older readers
 * see the same object). */
static void json_run(struct json_writer *w, const struct report *r)
{
	struct report_counts c;

	report_count(r, &c);
	jw_object_begin(w);
	if (r->run_id)
		jw_key_int(w, "id", (long long)r->run_id);
	else
		jw_key_null(w, "id");
	jw_key_string(w, "title", r->title);
	jw_key_time(w, "started_at", r->started_at);
	jw_key_time(w, "finished_at", r->finished_at);
	jw_break(w, 2);
	jw_key_int(w, "pages", c.pages);
	jw_key_int(w, "new", c.new_pages);
	jw_key_int(w, "unchanged", c.unchanged);
	jw_key_int(w, "changed", c.changed);
	jw_key_int(w, "failed", c.failed);
	jw_key_int(w, "failed_listed", c.failed_listed);
	if (c.moved)
		jw_key_int(w, "moved", c.moved);
	if (c.recovered)
		jw_key_int(w, "recovered", c.recovered);
	if (c.stale)
		jw_key_int(w, "stale", c.stale);
	if (c.failed_ack)
		jw_key_int(w, "failed_acknowledged", c.failed_ack);
	bool any_docs = false;
	for (size_t i = 0; i < r->n_pages && !any_docs; i++)
		any_docs = r->pages[i].n_documents > 0;
	if (any_docs) {
		jw_break(w, 2);
		jw_key(w, "documents");
		jw_object_begin(w);
		jw_key_int(w, "new", c.doc_new);
		jw_key_int(w, "changed", c.doc_changed);
		jw_key_int(w, "removed", c.doc_removed);
		jw_key_int(w, "failed", c.doc_failed);
		jw_key_int(w, "failed_listed", c.doc_failed_listed);
		if (c.doc_replaced)
			jw_key_int(w, "replaced", c.doc_replaced);
		jw_end(w);
	}
	jw_end(w);
}

/* Page entries are flushed to fd as they are written when fd >= 0, so a
 * report over thousands of new pages never sits whole in memory. Returns
 * -1 (errno set) when writing to fd or reading a spooled text failed, -2
 * when the report (or, when streaming, one page entry) is over JSON_MAX. */
static int json_report(const struct report *r, struct buf *o, int fd)
{
	struct json_writer w;

	jw_init(&w, o);
	jw_object_begin(&w);
	jw_key_string(&w, "format", "prefwatch-report/1");
	jw_break(&w, 1);
	jw_key(&w, "run");
	json_run(&w, r);
	jw_break(&w, 1);
	jw_key(&w, "pages");
	jw_array_begin_lines(&w, 2);
	for (size_t i = 0; i < r->n_pages; i++) {
		if (json_page(&w, r, &r->pages[i]) < 0)
			return -1;
		if (o->toobig)
			return -2;
		if (fd >= 0 && json_flush(o, fd) < 0)
			return -1;
	}
	jw_end(&w);
	jw_end(&w);
	buf_addch(o, '\n');
	if (o->toobig)
		return -2;
	return fd >= 0 ? json_flush(o, fd) : 0;
}

/* What a report over JSON_MAX becomes: never a truncated document. */
static const char too_large[] =
	"{\"format\": \"prefwatch-report/1\", \"error\": \"report too large\"}\n";

char *report_render_json(const struct report *r)
{
	struct buf o;

	buf_init(&o, JSON_MAX);
	int w = json_report(r, &o, -1);
	if (w == 0)
		return buf_detach(&o, NULL);
	buf_release(&o);
	if (w == -2)
		return xstrdup(too_large);
	return xstrdup("{\"format\": \"prefwatch-report/1\", "
		       "\"error\": \"a page's text could not be read back\"}\n");
}

struct json_file {
	const struct report *r;
	const char *path;
};

static int fill_json(int fd, void *arg)
{
	const struct json_file *jf = arg;
	struct buf o;
	buf_init(&o, JSON_MAX);
	int w = json_report(jf->r, &o, fd);
	if (w == -2) {
		log_error(_("a page of the JSON report is over %u MiB: '%s' only says the report is too large"),
			  JSON_MAX >> 20, jf->path);
		buf_reset(&o);
		buf_addstr(&o, too_large);
		w = ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0 ? -1 : json_flush(&o, fd);
	}
	buf_release(&o);
	return w;
}

int report_write_json(const struct report *r, const char *path)
{
	struct json_file jf = { r, path };
	return write_atomic(path, fill_json, &jf);
}
