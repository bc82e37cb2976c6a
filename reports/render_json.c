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
 * fields ({"name": [values]}), republished, rules_changed, also_for (ids
 * of the offices whose watchlist served_by names this page's office; only
 * when there are some), and for failed
 * pages failing_since, fail_count, listed and, for a failure an editor
 * acknowledged, acknowledged (true) and reminder (listed tonight as the
 * weekly reminder); for a page whose address moved tonight, watchlist
 * ({file, line} of its entry); for a page readable again after a failure
 * the editors were told of, recovered ({failing_since}); per change detected_at,
 * previous_snapshot_at, diff (unified, lines), fields ([{name, removed,
 * added}]), words ([{old_line, new_line, edits: [{op, text}]}], one entry
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
 * A page searched for its new address (failed as moved, not_found or
 * no_content, the first night) has "relocation": {found, threshold,
 * candidates: [{url, title, score}] (best first, at most 3), searched
 * (French), problems (English)}.
 *
 * A hand-written writer: strings are escaped as RFC 8259 asks (", \ and
 * control characters, the latter as \u00XX), valid UTF-8 passes through,
 * invalid bytes become U+FFFD so the output is always valid JSON. Times
 * are ISO 8601 UTC.
 */
#include "common/common.h"
#include "reports/report.h"
#include "reports/internal.h"

#include <unistd.h>

/* The largest JSON report rendered in memory; when written to a file,
 * the largest page entry. */
#define JSON_MAX (64u << 20)
#define JSON_CONTEXT 3

/* Writes what o holds to fd and empties o; -1 with errno. */
static int json_flush(struct buf *o, int fd)
{
	if (write_all(fd, buf_str(o), o->len) < 0)
		return -1;
	buf_reset(o);
	return 0;
}

static void json_str(struct buf *o, const char *s)
{
	if (!s) {
		buf_addstr(o, "null");
		return;
	}
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0;
	buf_addch(o, '"');
	while (i < len) {
		unsigned char c = p[i];
		if (c == '"' || c == '\\') {
			buf_addch(o, '\\');
			buf_addch(o, (char)c);
			i++;
		} else if (c < 0x20 || c == 0x7F) {
			switch (c) {
			case '\n': buf_addstr(o, "\\n"); break;
			case '\t': buf_addstr(o, "\\t"); break;
			case '\r': buf_addstr(o, "\\r"); break;
			default: buf_printf(o, "\\u%04x", c);
			}
			i++;
		} else if (c < 0x80) {
			buf_addch(o, (char)c);
			i++;
		} else {
			size_t n = utf8_seq_len(p + i, len - i);
			if (n) {
				buf_add(o, s + i, n);
				i += n;
			} else {
				buf_addstr(o, "\\ufffd");
				i++;
			}
		}
	}
	buf_addch(o, '"');
}

static void json_time(struct buf *o, time_t t)
{
	if (!t) {
		buf_addstr(o, "null");
		return;
	}
	char iso[21];
	pw_time_iso(t, iso);
	json_str(o, iso);
}

static void key(struct buf *o, const char *k)
{
	json_str(o, k);
	buf_addstr(o, ": ");
}

static void json_fields(struct buf *o, const struct fieldset *fs)
{
	buf_addch(o, '{');
	for (size_t i = 0; i < fs->n; i++) {
		if (i)
			buf_addstr(o, ", ");
		key(o, fs->v[i].name);
		buf_addch(o, '[');
		for (size_t j = 0; j < fs->v[i].values.n; j++) {
			if (j)
				buf_addstr(o, ", ");
			json_str(o, fs->v[i].values.v[j]);
		}
		buf_addch(o, ']');
	}
	buf_addch(o, '}');
}

static void json_delta(struct buf *o, const struct fieldset *delta)
{
	buf_addch(o, '[');
	for (size_t i = 0; i < delta->n; i++) {
		const struct field *f = &delta->v[i];
		buf_addstr(o, i ? ", {" : "{");
		key(o, "name");
		json_str(o, f->name);
		for (int pass = 0; pass < 2; pass++) {
			char sign = pass ? '+' : '-';
			bool first = true;
			buf_addstr(o, ", ");
			key(o, pass ? "added" : "removed");
			buf_addch(o, '[');
			for (size_t j = 0; j < f->values.n; j++) {
				if (f->values.v[j][0] != sign)
					continue;
				if (!first)
					buf_addstr(o, ", ");
				json_str(o, f->values.v[j] + 1);
				first = false;
			}
			buf_addch(o, ']');
		}
		buf_addch(o, '}');
	}
	buf_addch(o, ']');
}

static const char *op_name(enum diff_op op)
{
	return op == DIFF_DELETE ? "delete" : op == DIFF_INSERT ? "insert" : "equal";
}

static void json_words(struct buf *o, const struct report_change *c, size_t *moved)
{
	struct diff_view v;
	bool first = true;
	diff_view_build(c->old_text, c->new_text, 0, &v);
	*moved = 0;
	buf_addch(o, '[');
	for (size_t i = 0; i < v.n; i++) {
		const struct diff_row *r = &v.v[i];
		*moved += r->moved && r->kind == ROW_INSERT;
		if (r->kind != ROW_CHANGE)
			continue;
		buf_addstr(o, first ? "\n      {" : ",\n      {");
		first = false;
		key(o, "old_line");
		buf_printf(o, "%zu, ", r->old_no);
		key(o, "new_line");
		buf_printf(o, "%zu, ", r->new_no);
		key(o, "edits");
		buf_addch(o, '[');
		for (size_t j = 0; j < r->words.n; j++) {
			buf_addstr(o, j ? ", {" : "{");
			key(o, "op");
			json_str(o, op_name(r->words.v[j].op));
			buf_addstr(o, ", ");
			key(o, "text");
			json_str(o, r->words.v[j].text);
			buf_addch(o, '}');
		}
		buf_addstr(o, "]}");
	}
	buf_addstr(o, first ? "]" : "\n     ]");
	diff_view_release(&v);
}

static void json_change(struct buf *o, const struct report_change *c)
{
	size_t moved;
	char *diff = diff_unified(c->old_text, c->new_text, "avant", "après", JSON_CONTEXT);
	buf_addstr(o, "{");
	key(o, "id");
	buf_printf(o, "%lld", (long long)c->id);
	buf_addstr(o, ",\n     ");
	key(o, "detected_at");
	json_time(o, c->detected_at);
	buf_addstr(o, ", ");
	key(o, "previous_snapshot_at");
	json_time(o, c->previous_at);
	buf_addstr(o, ", ");
	key(o, "reverted_to");
	json_time(o, c->reverted_to);
	buf_addstr(o, ", ");
	key(o, "state");
	json_str(o, c->state ? c->state : "pending");
	if (c->state) {
		/* only on a reviewed or dismissed change (stored changes) */
		buf_addstr(o, ", ");
		key(o, "review");
		buf_addstr(o, "{");
		key(o, "by");
		json_str(o, c->reviewed_by);
		buf_addstr(o, ", ");
		key(o, "at");
		json_time(o, c->reviewed_at);
		buf_addstr(o, ", ");
		key(o, "note");
		json_str(o, c->note);
		buf_addstr(o, "}");
	}
	buf_addstr(o, ",\n     ");
	key(o, "diff");
	json_str(o, diff);
	buf_addstr(o, ",\n     ");
	key(o, "fields");
	json_delta(o, &c->deltas);
	buf_addstr(o, ",\n     ");
	key(o, "words");
	json_words(o, c, &moved);
	buf_addstr(o, ",\n     ");
	key(o, "moved_lines");
	buf_printf(o, "%zu}", moved);
	free(diff);
}

static void json_documents(struct buf *o, const struct report_page *p)
{
	buf_addstr(o, "[");
	bool first = true;
	for (size_t i = 0; i < p->n_documents; i++) {
		const struct report_document *d = &p->documents[i];
		bool failed = d->status == DOC_FAILED;
		if (d->superseded)
			continue; /* said by the replacement's entry */
		buf_addstr(o, first ? "\n    {" : ",\n    {");
		first = false;
		key(o, "url");
		json_str(o, d->url);
		buf_addstr(o, ", ");
		key(o, "title");
		json_str(o, d->title);
		buf_addstr(o, ", ");
		key(o, "type");
		json_str(o, d->type);
		buf_addstr(o, ", ");
		key(o, "status");
		json_str(o, doc_status_name(d->status));
		buf_addstr(o, ",\n     ");
		key(o, "http_status");
		if (d->http_status)
			buf_printf(o, "%ld", d->http_status);
		else
			buf_addstr(o, "null");
		buf_addstr(o, ", ");
		key(o, "note");
		json_str(o, d->note);
		buf_addstr(o, ", ");
		key(o, "failure");
		if (failed)
			json_str(o, pw_failure_name(d->failure)[0] ? pw_failure_name(d->failure) : "http_error");
		else
			buf_addstr(o, "null");
		buf_addstr(o, ", ");
		key(o, "error");
		json_str(o, failed ? (d->error ? d->error : fr_doc_failure(d->failure, d->http_status)) : NULL);
		buf_addstr(o, ", ");
		key(o, "fail_count");
		buf_printf(o, "%d, ", failed ? d->fail_count : 0);
		key(o, "failing_since");
		json_time(o, failed ? d->failing_since : 0);
		buf_addstr(o, ", ");
		key(o, "listed");
		buf_addstr(o, failed && d->listed ? "true" : "false");
		buf_addstr(o, ",\n     ");
		key(o, "change");
		if ((d->status == DOC_CHANGED || d->status == DOC_REPLACED) && d->change)
			json_change(o, d->change);
		else
			buf_addstr(o, "null");
		if (d->status == DOC_REPLACED) {
			buf_addstr(o, ", ");
			key(o, "replaces");
			buf_addch(o, '{');
			key(o, "url");
			json_str(o, d->replaced_url);
			buf_addstr(o, ", ");
			key(o, "title");
			json_str(o, d->replaced_title);
			buf_addch(o, '}');
		}
		buf_addstr(o, "}");
	}
	buf_addstr(o, p->n_documents ? "\n   ]" : "]");
}

/* -1 (errno set) when a spooled text cannot be read back. */
static int json_page(struct buf *o, const struct report *r, const struct report_page *p)
{
	enum page_status st = page_effective_status(p);
	buf_addstr(o, "  {");
	key(o, "id");
	json_str(o, p->id);
	buf_addstr(o, ", ");
	key(o, "office");
	json_str(o, p->office_id ? p->office_id : p->id);
	buf_addstr(o, ", ");
	key(o, "url");
	json_str(o, p->url);
	if (p->also_ids.n) {
		buf_addstr(o, ", ");
		key(o, "also_for");
		buf_addch(o, '[');
		for (size_t i = 0; i < p->also_ids.n; i++) {
			buf_addstr(o, i ? ", " : "");
			json_str(o, p->also_ids.v[i]);
		}
		buf_addch(o, ']');
	}
	buf_addstr(o, ", ");
	key(o, "status");
	json_str(o, page_status_name(st));
	buf_addstr(o, ",\n   ");
	key(o, "http_status");
	if (p->http_status)
		buf_printf(o, "%ld", p->http_status);
	else
		buf_addstr(o, "null");
	buf_addstr(o, ", ");
	key(o, "final_url");
	json_str(o, p->final_url);
	buf_addstr(o, ", ");
	key(o, "url_moved");
	buf_addstr(o, p->url_moved ? "true" : "false");
	buf_addstr(o, ",\n   ");
	key(o, "region");
	json_str(o, p->region);
	buf_addstr(o, ", ");
	key(o, "departement");
	json_str(o, p->departement);
	buf_addstr(o, ", ");
	key(o, "departement_name");
	json_str(o, p->departement_name);
	buf_addstr(o, ", ");
	key(o, "office_name");
	json_str(o, p->office_name);
	buf_addstr(o, ",\n   ");
	key(o, "page_updated");
	json_str(o, p->page_updated);
	buf_addstr(o, ", ");
	key(o, "republished");
	buf_addstr(o, p->republished ? "true" : "false");
	buf_addstr(o, ", ");
	key(o, "rules_changed");
	buf_addstr(o, p->rules_changed ? "true" : "false");
	buf_addstr(o, ", ");
	key(o, "fields");
	json_fields(o, &p->fields);
	if (st == PAGE_NEW || st == PAGE_CHANGED) {
		buf_addstr(o, ",\n   ");
		key(o, "text");
		/* a changed page's text is its change's new text (one copy); a
		 * new page's may be in the report's spool */
		char *t;
		if (report_page_text(r, p, &t) < 0) {
			log_error("cannot read back the text of page '%s' for the JSON report: %s",
				  p->id ? p->id : "?", strerror(errno));
			return -1;
		}
		json_str(o, t ? t : "");
		free(t);
	}
	if (st == PAGE_CHANGED) {
		buf_addstr(o, ",\n   ");
		key(o, "change");
		json_change(o, p->change);
	}
	if (st == PAGE_FAILED) {
		buf_addstr(o, ",\n   ");
		key(o, "failure");
		json_str(o, pw_failure_name(p->failure)[0] ? pw_failure_name(p->failure) : "http_error");
		buf_addstr(o, ", ");
		key(o, "error");
		json_str(o, p->error ? p->error : fr_failure(p->failure, p->http_status));
		buf_addstr(o, ", ");
		key(o, "failing_since");
		json_time(o, p->failing_since);
		buf_addstr(o, ", ");
		key(o, "fail_count");
		buf_printf(o, "%d", p->fail_count);
		buf_addstr(o, ", ");
		key(o, "listed");
		buf_addstr(o, p->listed ? "true" : "false");
		if (p->acknowledged) {
			buf_addstr(o, ", ");
			key(o, "acknowledged");
			buf_addstr(o, "true, ");
			key(o, "reminder");
			buf_addstr(o, p->ack_reminder ? "true" : "false");
		}
	}
	if (page_is_moved(p) && p->watchlist_file && p->watchlist_line > 0) {
		/* where to copy the new address */
		buf_addstr(o, ",\n   ");
		key(o, "watchlist");
		buf_addch(o, '{');
		key(o, "file");
		json_str(o, p->watchlist_file);
		buf_addstr(o, ", ");
		key(o, "line");
		buf_printf(o, "%d}", p->watchlist_line);
	}
	if (p->relocation) {
		const struct report_relocation *rl = p->relocation;
		buf_addstr(o, ",\n   ");
		key(o, "relocation");
		buf_printf(o, "{\"found\": %s, \"threshold\": %.2f, ", rl->found ? "true" : "false",
			   rl->threshold);
		key(o, "candidates");
		buf_addch(o, '[');
		for (size_t i = 0; i < rl->n; i++) {
			buf_addstr(o, i ? ", {" : "{");
			key(o, "url");
			json_str(o, rl->v[i].url);
			buf_addstr(o, ", ");
			key(o, "title");
			if (rl->v[i].title)
				json_str(o, rl->v[i].title);
			else
				buf_addstr(o, "null");
			buf_printf(o, ", \"score\": %.4f}", rl->v[i].score);
		}
		buf_addstr(o, "], ");
		const struct strvec *lists[] = { &rl->searched, &rl->problems };
		const char *names[] = { "searched", "problems" };
		for (size_t k = 0; k < 2; k++) {
			buf_addstr(o, k ? ", " : "");
			key(o, names[k]);
			buf_addch(o, '[');
			for (size_t i = 0; i < lists[k]->n; i++) {
				buf_addstr(o, i ? ", " : "");
				json_str(o, lists[k]->v[i]);
			}
			buf_addch(o, ']');
		}
		buf_addch(o, '}');
	}
	if (p->recovered && st != PAGE_FAILED) {
		buf_addstr(o, ",\n   ");
		key(o, "recovered");
		buf_addch(o, '{');
		key(o, "failing_since");
		json_time(o, p->was_failing_since);
		buf_addch(o, '}');
	}
	if (p->n_documents) {
		buf_addstr(o, ",\n   ");
		key(o, "documents");
		json_documents(o, p);
	}
	buf_addstr(o, "}");
	return 0;
}

/* Page entries are flushed to fd as they are written when fd >= 0, so a
 * report over thousands of new pages never sits whole in memory. Returns
 * -1 (errno set) when writing to fd or reading a spooled text failed, -2
 * when the report (or, when streaming, one page entry) is over JSON_MAX. */
static int json_report(const struct report *r, struct buf *o, int fd)
{
	struct report_counts c;

	report_count(r, &c);
	buf_addstr(o, "{\"format\": \"prefwatch-report/1\",\n \"run\": {");
	key(o, "id");
	if (r->run_id)
		buf_printf(o, "%lld", (long long)r->run_id);
	else
		buf_addstr(o, "null");
	buf_addstr(o, ", ");
	key(o, "title");
	json_str(o, r->title);
	buf_addstr(o, ", ");
	key(o, "started_at");
	json_time(o, r->started_at);
	buf_addstr(o, ", ");
	key(o, "finished_at");
	json_time(o, r->finished_at);
	buf_printf(o, ",\n  \"pages\": %d, \"new\": %d, \"unchanged\": %d, \"changed\": %d, "
		   "\"failed\": %d, \"failed_listed\": %d",
		   c.pages, c.new_pages, c.unchanged, c.changed, c.failed, c.failed_listed);
	/* additions, only when non-zero (older readers see the same object) */
	if (c.moved)
		buf_printf(o, ", \"moved\": %d", c.moved);
	if (c.recovered)
		buf_printf(o, ", \"recovered\": %d", c.recovered);
	if (c.failed_ack)
		buf_printf(o, ", \"failed_acknowledged\": %d", c.failed_ack);
	bool any_docs = false;
	for (size_t i = 0; i < r->n_pages && !any_docs; i++)
		any_docs = r->pages[i].n_documents > 0;
	if (any_docs) {
		buf_printf(o, ",\n  \"documents\": {\"new\": %d, \"changed\": %d, \"removed\": %d, "
			   "\"failed\": %d, \"failed_listed\": %d",
			   c.doc_new, c.doc_changed, c.doc_removed, c.doc_failed, c.doc_failed_listed);
		if (c.doc_replaced)
			buf_printf(o, ", \"replaced\": %d", c.doc_replaced);
		buf_addch(o, '}');
	}
	buf_addstr(o, "},\n \"pages\": [");
	for (size_t i = 0; i < r->n_pages; i++) {
		buf_addstr(o, i ? ",\n" : "\n");
		if (json_page(o, r, &r->pages[i]) < 0)
			return -1;
		if (o->toobig)
			return -2;
		if (fd >= 0 && json_flush(o, fd) < 0)
			return -1;
	}
	buf_addstr(o, r->n_pages ? "\n ]}\n" : "]}\n");
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
		log_error("a page of the JSON report is over %u MiB: '%s' only says the report is too large",
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
