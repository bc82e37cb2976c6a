/*
 * run.c - `prefwatch run`: the nightly job.
 *
 * watchlist -> crawler (fetch, extract, classify) -> store -> report.
 *
 * Every page is fetched through one crawler run; each finished fetch comes
 * back to on_fetched(), which decides what it means against the page's
 * stored state and commits that page's outcome in its own transaction, so
 * a run killed at any point keeps every page it finished. A text that
 * differs from the stored one is fetched once more before it is believed
 * (pages that flicker between two versions are not changes).
 *
 * When a page's extraction rules changed since its latest snapshot, the
 * stored HTML is re-extracted with the new rules first and stored as a
 * baseline, so that our own rule change is never reported as a change of
 * procedure.
 *
 * Linked documents: once a page's outcome is known (not failed), the
 * documents its text links (crawler's doc_links_find(): PDF, DOC, DOCX,
 * ODT on its own site or defaults.document_domains; `documents: none`
 * and `max_documents` per page) are recorded as the page's links, and
 * each is fetched through the same crawler run (crawler_add_document())
 * and decided like a page, under its own store id: new, unchanged (a
 * byte-only change with the same text too), changed (confirmed by a
 * second fetch), failed with a kind. A fetched document with new bytes
 * waits in a temp file and is converted after the crawler run (then the
 * confirming fetches make another run), so that a slow or hostile file
 * never stalls the other transfers. A link gone from the page is
 * reported once as removed; its history stays. A document's news goes
 * under its page in the report, whatever the page's own status.
 */
#include "common/common.h"

#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include "cli/cli.h"
#include "crawler/crawler.h"
#include "reports/report.h"
#include "store/store.h"
#include "watchlist/watchlist.h"

struct run_opts {
	struct settings set;        /* configuration file, then flags */
	struct strvec only;
	enum log_level level;
};

enum job_kind { JOB_PAGE, JOB_DOCUMENT };

struct page_job {
	enum job_kind kind;         /* first: the crawler's data is either job */
	const struct wl_page *page;
	struct extract_rules *rules;
	struct page_state st;
	size_t rp;                  /* index of its page in the report */
	bool confirming;            /* second fetch of a changed text */
	bool light;                 /* st.text and st.fields not loaded (see load_text) */
	struct extraction first;    /* the first fetch's extraction */
	struct fetch_result first_res; /* its headers (bodies dropped) */
	char first_hash[PW_HASH_HEX]; /* hash of its body */
	bool docs_followed;
};

/* One linked document of a page, fetched in the same run. */
struct doc_job {
	enum job_kind kind;
	struct page_job *pj;        /* its page */
	char *id;                   /* store id (store_document_id()) */
	char *url;
	struct page_state st;
	size_t rd;                  /* index in its report page's documents */
	bool confirming;
	char *first_text;           /* the first fetch's text, when confirming */
	char *first_note;
	char first_hash[PW_HASH_HEX];
	struct fetch_result first_res;
	struct fetch_result held;   /* fetched, waiting for its conversion; the
				     * body is in the file `spill` meanwhile */
	char *spill;
	struct doc_job *pending_next;
	struct doc_job *next;       /* every doc job of the run, for cleanup */
};

/* Text stored for a document (normalised) under this fingerprint: a
 * change of our normaliser must not read as a change of the document. */
#define DOC_RULES_FP "document-text/1"
#define DOC_MAX_DEFAULT 20

struct run_ctx {
	struct store *store;
	struct crawler *crawler;
	struct report *report;
	int64_t run_id;
	struct run_counts counts;
	long failure_threshold;
	bool db_error;
	size_t done, total;         /* pages finished, for the progress line */
	bool progress;              /* stderr is a terminal and not --quiet */
	const struct strvec *doc_domains;
	struct doc_limits doc_limits;
	struct doc_job *docs;       /* owned list */
	/* fetched documents waiting for their converter, which runs between
	 * crawler runs so that a slow file never stalls other transfers */
	struct doc_job *pending, **pending_tail;
};

static void follow_documents(struct run_ctx *ctx, struct page_job *job, const char *base_url,
			     const char *text, const struct fieldset *fields);

static struct crawler *volatile running_crawler;

static void on_signal(int sig)
{
	(void)sig;
	if (running_crawler)
		crawler_stop(running_crawler);
}

/* ---- small helpers ---- */

static bool str_eq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

static bool listed_at_once(enum pw_failure f)
{
	/* these usually mean the guide needs a new URL: no grace night */
	return f == PW_FAIL_MOVED || f == PW_FAIL_NOT_FOUND || f == PW_FAIL_NO_CONTENT;
}

static const char *field_first(const struct fieldset *fs, const char *name)
{
	const struct field *f = fieldset_find(fs, name);
	return f && f->values.n ? f->values.v[0] : NULL;
}

static void copy_fields(struct fieldset *dst, const struct fieldset *src)
{
	for (size_t i = 0; i < src->n; i++) {
		fieldset_get(dst, src->v[i].name);
		for (size_t j = 0; j < src->v[i].values.n; j++)
			fieldset_add(dst, src->v[i].name, src->v[i].values.v[j]);
	}
}

static void commit(struct run_ctx *ctx, struct page_job *job, struct page_outcome *o,
		   struct outcome_ids *ids)
{
	memset(ids, 0, sizeof(*ids));
	o->page_id = job->page->id;
	o->at = time(NULL);
	if (store_commit_page(ctx->store, ctx->run_id, o, ids) < 0) {
		log_error("cannot store page '%s': %s", job->page->id, store_errmsg(ctx->store));
		ctx->db_error = true;
	}
}

static void fill_fetch(struct page_outcome *o, const struct fetch_result *res)
{
	o->http_status = res->http_status;
	o->final_url = res->final_url;
	o->etag = res->etag;
	o->last_modified = res->last_modified;
	o->bytes = res->body_len;
	o->seconds = res->seconds;
}

static void report_fetch(struct report_page *rp, const struct page_job *job,
			 const struct fetch_result *res)
{
	rp->http_status = res->http_status;
	free(rp->final_url);
	rp->final_url = xstrdup(res->final_url);
	/* crawler_classify() already ruled out a site reorganisation: a
	 * permanent redirect to a page still holding the text means the
	 * official address changed, which the editors must copy. */
	rp->url_moved = res->permanent_redirect && res->final_url &&
			strcmp(res->final_url, job->page->url) &&
			/* said once: the night the page starts redirecting there */
			!str_eq(res->final_url, job->st.final_url);
}

/* ---- outcomes ---- */

static void page_failed(struct run_ctx *ctx, struct page_job *job, const struct fetch_result *res,
			enum pw_failure failure, const char *error)
{
	struct report_page *rp = &ctx->report->pages[job->rp];
	struct page_outcome o = { 0 };
	struct outcome_ids ids;
	fill_fetch(&o, res);
	o.kind = OUTCOME_FAILED;
	o.failure = failure;
	o.error = error;
	commit(ctx, job, &o, &ids);

	report_fetch(rp, job, res);
	rp->url_moved = false;
	rp->status = PAGE_FAILED;
	rp->failure = failure;
	rp->error = xstrdup(error ? error : pw_failure_name(failure));
	rp->fail_count = job->st.fail_count + 1;
	rp->failing_since = job->st.failing_since ? job->st.failing_since : time(NULL);
	rp->listed = rp->fail_count >= ctx->failure_threshold || listed_at_once(failure);
	ctx->counts.failed++;
	log_info("%s: failed (%s): %s", job->page->id, pw_failure_name(failure), rp->error);
}

static void page_unchanged(struct run_ctx *ctx, struct page_job *job, const struct fetch_result *res,
			   const char *body_hash, const struct extraction *ex)
{
	struct report_page *rp = &ctx->report->pages[job->rp];
	struct page_outcome o = { 0 };
	struct outcome_ids ids;
	char *fields = NULL;
	fill_fetch(&o, res);
	o.kind = OUTCOME_UNCHANGED;
	o.body_hash = body_hash;
	if (ex) {
		/* same text from other bytes: keep today's facts (the update
		 * stamp may have moved) so that the next night compares stamps
		 * against this one. The raw body stays the one the text was first
		 * seen in: compressing every noisy page every night would be the
		 * run's main cost, and re-extraction only needs one body per text. */
		fields = fieldset_serialize(&ex->fields);
		o.fields = fields;
	}
	commit(ctx, job, &o, &ids);
	free(fields);

	report_fetch(rp, job, res);
	rp->status = PAGE_UNCHANGED;
	if (ex) {
		/* same text, other update stamp: a quiet line, not an alert */
		struct fieldset old = FIELDSET_INIT;
		fieldset_parse(&old, job->st.fields);
		const char *now = field_first(&ex->fields, "page_updated");
		const char *was = field_first(&old, "page_updated");
		if (now) {
			rp->page_updated = xstrdup(now);
			rp->republished = was && strcmp(now, was);
		}
		fieldset_release(&old);
	}
	ctx->counts.unchanged++;
	log_debug("%s: unchanged", job->page->id);
	if (ex) {
		follow_documents(ctx, job, res->final_url, ex->text, &ex->fields);
	} else {
		/* 304 or same bytes: the stored text holds the same links */
		struct fieldset stored = FIELDSET_INIT;
		fieldset_parse(&stored, job->st.fields);
		follow_documents(ctx, job, res->final_url ? res->final_url : job->st.final_url,
				 job->st.text, &stored);
		fieldset_release(&stored);
	}
}

static void page_has_text(struct run_ctx *ctx, struct page_job *job, const struct fetch_result *res,
			  const char *body_hash, const struct extraction *ex, bool is_new)
{
	struct report_page *rp = &ctx->report->pages[job->rp];
	struct page_outcome o = { 0 };
	struct outcome_ids ids;
	struct fieldset old_fields = FIELDSET_INIT;
	struct fieldset deltas = FIELDSET_INIT;
	char *fields = fieldset_serialize(&ex->fields);
	char *serial_deltas = NULL;

	fill_fetch(&o, res);
	o.kind = is_new ? OUTCOME_NEW : OUTCOME_CHANGED;
	o.text = ex->text;
	o.fields = fields;
	o.raw = res->html;
	o.raw_len = res->html_len;
	o.body_hash = body_hash;
	o.rules_fp = extract_rules_fingerprint(job->rules);
	if (!is_new) {
		fieldset_parse(&old_fields, job->st.fields);
		fields_delta(&old_fields, &ex->fields, &deltas);
		serial_deltas = fieldset_serialize(&deltas);
		o.field_deltas = serial_deltas;
	}
	commit(ctx, job, &o, &ids);

	report_fetch(rp, job, res);
	rp->status = is_new ? PAGE_NEW : PAGE_CHANGED;
	rp->text = xstrdup(ex->text);
	copy_fields(&rp->fields, &ex->fields);
	rp->page_updated = xstrdup(field_first(&ex->fields, "page_updated"));
	if (!is_new) {
		struct report_change *ch = xcalloc(1, sizeof(*ch));
		ch->id = ids.change_id;
		ch->detected_at = o.at;
		ch->previous_at = job->st.snapshot_at;
		ch->old_text = xstrdup(job->st.text);
		ch->new_text = xstrdup(ex->text);
		copy_fields(&ch->deltas, &deltas);
		ch->reverted_to = ids.reverted_to ? ids.reverted_to_at : 0;
		rp->change = ch;
		ctx->counts.changed++;
		log_info("%s: changed (change #%lld)", job->page->id, (long long)ids.change_id);
	} else {
		ctx->counts.new_pages++;
		log_info("%s: new", job->page->id);
	}
	follow_documents(ctx, job, res->final_url, ex->text, &ex->fields);
	free(fields);
	free(serial_deltas);
	fieldset_release(&old_fields);
	fieldset_release(&deltas);
}

/* The page's rules differ from those its latest snapshot was extracted
 * with: re-extract the stored HTML with today's rules and make that the
 * baseline, so only a real change of the page is reported. */
static void rebase_on_new_rules(struct run_ctx *ctx, struct page_job *job)
{
	char *html = NULL, *err = NULL;
	size_t len = 0;
	struct extraction ex = { 0 };
	const char *fp = extract_rules_fingerprint(job->rules);

	if (store_snapshot_raw(ctx->store, job->st.snapshot_id, &html, &len) < 0) {
		log_warn("%s: cannot read the stored page to re-extract it: %s", job->page->id,
			 store_errmsg(ctx->store));
		goto cleanup;
	}
	if (extract_html(html, len, job->st.final_url ? job->st.final_url : job->page->url,
			 job->rules, &ex, &err) < 0) {
		log_warn("%s: cannot re-extract the stored page: %s", job->page->id, err);
		goto cleanup;
	}
	struct page_outcome o = { 0 };
	struct outcome_ids ids;
	char *fields = fieldset_serialize(&ex.fields);
	o.kind = OUTCOME_BASELINE;
	o.text = ex.text;
	o.fields = fields;
	o.raw = html;
	o.raw_len = len;
	o.rules_fp = fp;
	o.body_hash = job->st.body_hash;
	o.final_url = job->st.final_url;
	o.etag = job->st.etag;
	o.last_modified = job->st.last_modified;
	commit(ctx, job, &o, &ids);
	free(fields);

	ctx->report->pages[job->rp].rules_changed = true;
	log_info("%s: extraction rules changed, stored page re-extracted as the new baseline",
		 job->page->id);
	free(job->st.text);
	job->st.text = ex.text;
	ex.text = NULL;
	free(job->st.fields);
	job->st.fields = fieldset_serialize(&ex.fields);
	free(job->st.rules_fp);
	job->st.rules_fp = xstrdup(fp);

cleanup:
	extraction_release(&ex);
	free(html);
	free(err);
}

/* A page's stored text and facts are loaded only while its fetch is being
 * decided, then dropped: holding every page's text from the start would
 * make a run's memory grow with the number of pages. */
static void load_text(struct run_ctx *ctx, struct page_job *job)
{
	struct page_state full = { 0 };
	if (!job->light)
		return;
	job->light = false;
	if (store_page_state(ctx->store, job->page->id, &full) < 0) {
		log_error("cannot read the state of '%s': %s", job->page->id, store_errmsg(ctx->store));
		ctx->db_error = true;
		return;
	}
	job->st.text = full.text;
	job->st.fields = full.fields;
	full.text = full.fields = NULL;
	page_state_release(&full);
}

static void drop_text(struct page_job *job)
{
	free(job->st.text);
	free(job->st.fields);
	job->st.text = job->st.fields = NULL;
	job->light = true;
}

/* "[123/400] www.nord.gouv.fr" on a terminal only, never in cron output. */
static void show_progress(struct run_ctx *ctx, const char *url)
{
	if (!ctx->progress)
		return;
	const char *host = strstr(url, "://");
	host = host ? host + 3 : url;
	int hlen = (int)strcspn(host, "/:?#");
	fprintf(stderr, "\r\033[K[%zu/%zu] %.*s", ctx->done, ctx->total, hlen > 60 ? 60 : hlen, host);
	if (ctx->done == ctx->total)
		fputc('\n', stderr);
}

/* ---- linked documents ---- */

static bool doc_listed_at_once(enum pw_failure f)
{
	/* the same bytes fail the same way tomorrow: no grace night */
	return listed_at_once(f) || f == PW_FAIL_BAD_CONTENT || f == PW_FAIL_TOO_LARGE;
}

static struct report_document *doc_report(struct run_ctx *ctx, const struct doc_job *dj)
{
	return &ctx->report->pages[dj->pj->rp].documents[dj->rd];
}

static void doc_commit(struct run_ctx *ctx, struct doc_job *dj, struct page_outcome *o,
		       struct outcome_ids *ids)
{
	memset(ids, 0, sizeof(*ids));
	o->page_id = dj->id;
	o->at = time(NULL);
	if (store_commit_page(ctx->store, ctx->run_id, o, ids) < 0) {
		log_error("cannot store document '%s' of page '%s': %s", dj->url, dj->pj->page->id,
			  store_errmsg(ctx->store));
		ctx->db_error = true;
	}
}

static void doc_failed(struct run_ctx *ctx, struct doc_job *dj, const struct fetch_result *res,
		       enum pw_failure failure, const char *error)
{
	struct report_document *rd = doc_report(ctx, dj);
	struct page_outcome o = { 0 };
	struct outcome_ids ids;
	fill_fetch(&o, res);
	o.kind = OUTCOME_FAILED;
	o.failure = failure;
	o.error = error;
	doc_commit(ctx, dj, &o, &ids);

	rd->status = DOC_FAILED;
	rd->http_status = res->http_status;
	rd->failure = failure;
	free(rd->error);
	rd->error = xstrdup(error ? error : pw_failure_name(failure));
	rd->fail_count = dj->st.fail_count + 1;
	rd->failing_since = dj->st.failing_since ? dj->st.failing_since : time(NULL);
	rd->listed = rd->fail_count >= ctx->failure_threshold || doc_listed_at_once(failure);
	log_info("%s: document '%s' failed (%s): %s", dj->pj->page->id, dj->url,
		 pw_failure_name(failure), rd->error);
}

/* raw and hash NULL: a 304, or a text that changed back within the run. */
static void doc_unchanged(struct run_ctx *ctx, struct doc_job *dj, const struct fetch_result *res,
			  const char *hash, bool keep_raw)
{
	struct report_document *rd = doc_report(ctx, dj);
	struct page_outcome o = { 0 };
	struct outcome_ids ids;
	fill_fetch(&o, res);
	o.kind = OUTCOME_UNCHANGED;
	o.body_hash = hash;
	if (keep_raw && res->body) {
		/* same text from other bytes (a re-export): keep today's file */
		o.raw = res->body;
		o.raw_len = res->body_len;
	}
	doc_commit(ctx, dj, &o, &ids);
	rd->status = DOC_UNCHANGED;
	rd->http_status = res->http_status;
	log_debug("%s: document '%s' unchanged", dj->pj->page->id, dj->url);
}

/* kind: OUTCOME_NEW, OUTCOME_CHANGED, or OUTCOME_BASELINE (the text under
 * a new normaliser: stored, not reported). */
static void doc_has_text(struct run_ctx *ctx, struct doc_job *dj, const struct fetch_result *res,
			 const char *hash, const char *text, enum outcome_kind kind)
{
	struct report_document *rd = doc_report(ctx, dj);
	struct page_outcome o = { 0 };
	struct outcome_ids ids;
	fill_fetch(&o, res);
	o.kind = kind;
	o.text = text;
	o.raw = res->body;
	o.raw_len = res->body_len;
	o.body_hash = hash;
	o.rules_fp = DOC_RULES_FP;
	doc_commit(ctx, dj, &o, &ids);

	rd->http_status = res->http_status;
	if (kind == OUTCOME_BASELINE) {
		rd->status = DOC_UNCHANGED;
		log_info("%s: document '%s' text stored again under %s", dj->pj->page->id, dj->url,
			 DOC_RULES_FP);
		return;
	}
	if (kind == OUTCOME_NEW) {
		rd->status = DOC_NEW;
		log_info("%s: new document '%s'", dj->pj->page->id, dj->url);
		return;
	}
	struct report_change *ch = xcalloc(1, sizeof(*ch));
	ch->id = ids.change_id;
	ch->detected_at = o.at;
	ch->previous_at = dj->st.snapshot_at;
	ch->old_text = xstrdup(dj->st.text ? dj->st.text : "");
	ch->new_text = xstrdup(text);
	ch->reverted_to = ids.reverted_to ? ids.reverted_to_at : 0;
	rd->status = DOC_CHANGED;
	rd->change = ch;
	log_info("%s: document '%s' changed (change #%lld)", dj->pj->page->id, dj->url,
		 (long long)ids.change_id);
}

/* The text kept for a document: its text, or for a file without one (a
 * scan, a type without converter) a line naming its hash, so that a new
 * file still shows as a change. Owned. *note gets the French note. */
static char *doc_stored_text(const struct doc_text *dt, const char *hash, char **note)
{
	*note = NULL;
	if (dt->kind == DOC_TEXT_OK)
		return xstrdup(dt->text);
	if (dt->kind == DOC_TEXT_SCAN)
		*note = xstrdup("Document sans texte (numérisé ?) : suivi par son empreinte, "
				"toute modification du fichier sera signalée.");
	else if (dt->type != DOC_TYPE_UNKNOWN)
		*note = xasprintf("Format %s non converti en texte sur ce serveur : suivi par son "
				  "empreinte, toute modification du fichier sera signalée.",
				  doc_type_name(dt->type));
	else
		*note = xstrdup("Format de fichier non pris en charge : suivi par son empreinte, "
				"toute modification du fichier sera signalée.");
	return xasprintf("[Fichier %s%ssans texte extrait — empreinte %s]", doc_type_name(dt->type),
			 dt->type != DOC_TYPE_UNKNOWN ? " " : "", hash);
}

/* Text of a fetched document: 0 with *text (owned), or -1 after
 * committing the failure. */
static int doc_read(struct run_ctx *ctx, struct doc_job *dj, const struct fetch_result *res,
		    const char *hash, char **text, char **note)
{
	struct doc_text dt;
	int rc = doc_extract(res->body, res->body_len, res->content_type,
			     res->final_url ? res->final_url : dj->url, &ctx->doc_limits, &dt);
	if (rc < 0) {
		doc_failed(ctx, dj, res, dt.failure, dt.error);
	} else {
		*text = doc_stored_text(&dt, hash, note);
		struct report_document *rd = doc_report(ctx, dj);
		if (dt.type != DOC_TYPE_UNKNOWN && (!rd->type || !*rd->type)) {
			free(rd->type);
			rd->type = xstrdup(doc_type_name(dt.type));
		}
		if (dt.seconds > 1)
			log_info("%s: document '%s': text in %.1f s", dj->pj->page->id, dj->url,
				 dt.seconds);
	}
	doc_text_release(&dt);
	return rc;
}

static void doc_confirm(struct run_ctx *ctx, struct doc_job *dj, struct fetch_result *res)
{
	char hash[PW_HASH_HEX], first_hash[PW_HASH_HEX];
	bool same = false;
	char *text = NULL, *note = NULL;
	struct doc_text dt;

	pw_hash_hex(dj->first_res.body, dj->first_res.body_len, first_hash);
	if (!res->failure && !res->not_modified) {
		pw_hash_hex(res->body, res->body_len, hash);
		if (!strcmp(hash, first_hash)) {
			same = true;
		} else if (!doc_extract(res->body, res->body_len, res->content_type, dj->url,
					&ctx->doc_limits, &dt)) {
			text = doc_stored_text(&dt, hash, &note);
			same = !strcmp(text, dj->first_text);
		}
		if (text)
			doc_text_release(&dt);
	}
	struct report_document *rd = doc_report(ctx, dj);
	if (same) {
		free(rd->note);
		rd->note = dj->first_note;
		dj->first_note = NULL;
		doc_has_text(ctx, dj, &dj->first_res, first_hash, dj->first_text, OUTCOME_CHANGED);
	} else {
		log_info("%s: document '%s' changed then changed back within the run; not reported",
			 dj->pj->page->id, dj->url);
		doc_unchanged(ctx, dj, &dj->first_res, NULL, false);
	}
	free(text);
	free(note);
}

/* A fetched document with a new body: its text decides. */
static void doc_decide(struct crawler *c, struct doc_job *dj, struct run_ctx *ctx,
		       struct fetch_result *res)
{
	char hash[PW_HASH_HEX];
	char *text = NULL, *note = NULL;

	pw_hash_hex(res->body, res->body_len, hash);
	if (doc_read(ctx, dj, res, hash, &text, &note) < 0)
		return;
	struct report_document *rd = doc_report(ctx, dj);
	if (!dj->st.has_snapshot || !str_eq(dj->st.rules_fp, DOC_RULES_FP)) {
		/* first text, or first under this normaliser: a baseline */
		rd->note = note;
		note = NULL;
		doc_has_text(ctx, dj, res, hash, text,
			     dj->st.has_snapshot ? OUTCOME_BASELINE : OUTCOME_NEW);
	} else if (str_eq(text, dj->st.text)) {
		rd->note = note;
		note = NULL;
		doc_unchanged(ctx, dj, res, hash, true);
	} else {
		/* believe a new text only if a second fetch gives it too */
		dj->confirming = true;
		dj->first_text = text;
		dj->first_note = note;
		text = note = NULL;
		memcpy(dj->first_hash, hash, sizeof(hash));
		dj->first_res = *res;
		memset(res, 0, sizeof(*res));
		struct fetch_request again = { .url = dj->url, .data = dj };
		crawler_add_document(c, &again);
	}
	free(text);
	free(note);
}

/* Moves the body to a private temp file and the result into dj->held,
 * queued for process_pending(). -1 (nothing moved) if the file cannot be
 * written: the caller converts at once instead. */
static int doc_defer(struct run_ctx *ctx, struct doc_job *dj, struct fetch_result *res)
{
	const char *tmpdir = getenv("TMPDIR");
	char *path = xasprintf("%s/prefwatch-body-XXXXXX", tmpdir && *tmpdir == '/' ? tmpdir : "/tmp");
	int fd = mkstemp(path);
	size_t off = 0;
	if (fd < 0)
		goto fail;
	while (off < res->body_len) {
		ssize_t w = write(fd, res->body + off, res->body_len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	if (close(fd) < 0 || off < res->body_len) {
		unlink(path);
		goto fail;
	}
	dj->spill = path;
	dj->held = *res;
	memset(res, 0, sizeof(*res));
	free(dj->held.body);
	dj->held.body = NULL;
	dj->pending_next = NULL;
	*ctx->pending_tail = dj;
	ctx->pending_tail = &dj->pending_next;
	return 0;
fail:
	log_warn("cannot keep '%s' for later conversion (%s): converting it now", dj->url,
		 strerror(errno));
	free(path);
	return -1;
}

static int read_back(const char *path, size_t len, char **out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *b = xmalloc(len + 1);
	size_t off = 0;
	if (fd < 0)
		goto fail;
	while (off < len) {
		ssize_t r = read(fd, b + off, len - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		off += (size_t)r;
	}
	close(fd);
	if (off < len)
		goto fail;
	b[len] = '\0';
	*out = b;
	return 0;
fail:
	free(b);
	return -1;
}

/* Converts the documents fetched during the last crawler run, one at a
 * time; changed ones queue their confirming fetch for the next run. */
static void process_pending(struct run_ctx *ctx)
{
	while (ctx->pending) {
		struct doc_job *dj = ctx->pending;
		ctx->pending = dj->pending_next;
		if (!ctx->pending)
			ctx->pending_tail = &ctx->pending;
		struct fetch_result *res = &dj->held;
		if (read_back(dj->spill, res->body_len, &res->body) < 0)
			doc_failed(ctx, dj, res, PW_FAIL_BAD_CONTENT, "cannot read back the fetched file");
		else if (dj->confirming)
			doc_confirm(ctx, dj, res);
		else
			doc_decide(ctx->crawler, dj, ctx, res);
		unlink(dj->spill);
		free(dj->spill);
		dj->spill = NULL;
		fetch_result_release(res);
	}
}

static void on_doc_fetched(struct crawler *c, struct doc_job *dj, struct run_ctx *ctx,
			   struct fetch_result *res)
{
	char hash[PW_HASH_HEX];

	if (res->failure) {
		if (dj->confirming)
			doc_confirm(ctx, dj, res);
		else
			doc_failed(ctx, dj, res, res->failure, res->error);
		return;
	}
	if (res->not_modified) {
		if (dj->confirming)
			doc_confirm(ctx, dj, res);
		else
			doc_unchanged(ctx, dj, res, NULL, false);
		return;
	}
	pw_hash_hex(res->body, res->body_len, hash);
	if (dj->confirming) {
		/* the same bytes again confirm without a conversion */
		if (!strcmp(hash, dj->first_hash) || doc_defer(ctx, dj, res) < 0)
			doc_confirm(ctx, dj, res);
		return;
	}
	if (dj->st.has_snapshot && str_eq(hash, dj->st.body_hash) &&
	    str_eq(dj->st.rules_fp, DOC_RULES_FP)) {
		doc_unchanged(ctx, dj, res, hash, false);
		return;
	}
	if (doc_defer(ctx, dj, res) < 0)
		doc_decide(c, dj, ctx, res);
}

static bool links_have(const struct doc_links *l, const char *url)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].url, url))
			return true;
	return false;
}

/* The page's outcome is stored and its text is known: record the
 * documents it links now, report the links gone, fetch the others. */
static void follow_documents(struct run_ctx *ctx, struct page_job *job, const char *base_url,
			     const char *text, const struct fieldset *fields)
{
	const struct wl_page *p = job->page;
	struct report_page *rp = &ctx->report->pages[job->rp];
	struct doc_links links = { 0 };
	struct store_document *known = NULL;
	struct store_document_link *sl = NULL;
	size_t n_known = 0;

	if (job->docs_followed || p->documents == WL_DOCS_NONE || !text || !fields)
		return;
	job->docs_followed = true;
	size_t max = p->max_documents >= 0 ? (size_t)p->max_documents : DOC_MAX_DEFAULT;
	/* borrowed view: doc_links_find() only reads text and fields */
	struct extraction view = { .text = (char *)text, .fields = *fields };
	doc_links_find(&view, base_url ? base_url : p->url, ctx->doc_domains, max, &links);

	if (store_documents_list(ctx->store, p->id, &known, &n_known) < 0)
		goto db_error;
	sl = xcalloc(links.n ? links.n : 1, sizeof(*sl));
	for (size_t i = 0; i < links.n; i++) {
		sl[i].url = links.v[i].url;
		sl[i].title = links.v[i].title;
	}
	if (store_documents_sync(ctx->store, p->id, sl, links.n, time(NULL)) < 0)
		goto db_error;

	for (size_t i = 0; i < n_known; i++) {
		if (!known[i].linked || links_have(&links, known[i].url))
			continue;
		struct report_document *rd = report_page_add_document(rp);
		rd->url = xstrdup(known[i].url);
		rd->title = xstrdup(known[i].title);
		rd->type = xstrdup(doc_type_name(doc_type_from_url(known[i].url)));
		rd->status = DOC_REMOVED;
		log_info("%s: document '%s' no longer linked", p->id, known[i].url);
	}
	for (size_t i = 0; i < links.n; i++) {
		struct doc_job *dj = xcalloc(1, sizeof(*dj));
		dj->kind = JOB_DOCUMENT;
		dj->pj = job;
		dj->id = store_document_id(p->id, links.v[i].url);
		dj->url = xstrdup(links.v[i].url);
		dj->next = ctx->docs;
		ctx->docs = dj;
		if (store_page_state(ctx->store, dj->id, &dj->st) < 0) {
			log_error("cannot read the state of document '%s': %s", dj->url,
				  store_errmsg(ctx->store));
			ctx->db_error = true;
			continue;
		}
		dj->rd = rp->n_documents;
		struct report_document *rd = report_page_add_document(rp);
		rd->url = xstrdup(links.v[i].url);
		rd->title = xstrdup(links.v[i].title);
		rd->type = xstrdup(doc_type_name(links.v[i].type));
		rd->status = DOC_UNCHANGED;
		bool cond = dj->st.has_snapshot && str_eq(dj->st.rules_fp, DOC_RULES_FP);
		struct fetch_request req = {
			.url = dj->url,
			.etag = cond ? dj->st.etag : NULL,
			.last_modified = cond ? dj->st.last_modified : NULL,
			.data = dj,
		};
		crawler_add_document(ctx->crawler, &req);
	}
	goto cleanup;
db_error:
	log_error("cannot record the documents of '%s': %s", p->id, store_errmsg(ctx->store));
	ctx->db_error = true;
cleanup:
	free(sl);
	store_documents_free(known, n_known);
	doc_links_release(&links);
}

static void doc_job_free(struct doc_job *dj)
{
	if (dj->spill)
		unlink(dj->spill);   /* an interrupted run */
	free(dj->spill);
	fetch_result_release(&dj->held);
	page_state_release(&dj->st);
	fetch_result_release(&dj->first_res);
	free(dj->first_text);
	free(dj->first_note);
	free(dj->id);
	free(dj->url);
	free(dj);
}

/* ---- the crawler callback ---- */

static void confirm_change(struct run_ctx *ctx, struct page_job *job, struct fetch_result *res)
{
	struct extraction ex = { 0 };
	char *err = NULL;
	char again[PW_HASH_HEX];
	bool same = false;

	if (!res->failure && !res->not_modified) {
		pw_hash_hex(res->body, res->body_len, again);
		/* the same bytes under the same rules give the same text */
		if (!strcmp(again, job->first_hash))
			same = true;
		else if (!extract_html(res->html, res->html_len, res->final_url, job->rules, &ex, &err))
			same = !strcmp(ex.text, job->first.text);
	}
	/* The second fetch holds the same text: its body is the one stored. */
	if (same)
		page_has_text(ctx, job, res, again, &job->first, false);
	else {
		log_info("%s: text changed then changed back within the run; not reported",
			 job->page->id);
		page_unchanged(ctx, job, res->failure ? &job->first_res : res, NULL, NULL);
	}
	extraction_release(&ex);
	free(err);
}

static void on_fetched(struct crawler *c, const struct fetch_request *req,
		       struct fetch_result *res, void *data)
{
	struct run_ctx *ctx = data;
	if (*(const enum job_kind *)req->data == JOB_DOCUMENT) {
		on_doc_fetched(c, req->data, ctx, res);
		return;
	}
	struct page_job *job = req->data;
	struct extraction ex = { 0 };
	char *err = NULL;
	char hash[PW_HASH_HEX];
	const char *fp = extract_rules_fingerprint(job->rules);

	load_text(ctx, job);
	if (job->confirming) {
		job->confirming = false;
		confirm_change(ctx, job, res);
		ctx->done++;
		show_progress(ctx, job->page->url);
		goto cleanup;
	}
	/* a page awaiting confirmation is not done yet; every other path is */
	ctx->done++;
	show_progress(ctx, job->page->url);
	if (res->failure) {
		page_failed(ctx, job, res, res->failure, res->error);
		goto cleanup;
	}
	if (res->not_modified) {
		page_unchanged(ctx, job, res, NULL, NULL);
		goto cleanup;
	}

	/* The same bytes under the same rules give the same text: no parse. */
	pw_hash_hex(res->body, res->body_len, hash);
	if (job->st.has_snapshot && str_eq(hash, job->st.body_hash) && str_eq(fp, job->st.rules_fp)) {
		page_unchanged(ctx, job, res, hash, NULL);
		goto cleanup;
	}

	if (extract_html(res->html, res->html_len, res->final_url, job->rules, &ex, &err) < 0) {
		page_failed(ctx, job, res, PW_FAIL_BAD_CONTENT, err);
		goto cleanup;
	}
	enum pw_failure f = crawler_classify(job->page->url, res, &ex);
	if (f != PW_FAIL_NONE) {
		char *msg = xasprintf("%s (HTTP %ld, %s)", pw_failure_name(f), res->http_status,
				      res->final_url ? res->final_url : job->page->url);
		page_failed(ctx, job, res, f, msg);
		free(msg);
		goto cleanup;
	}
	if (!job->st.has_snapshot) {
		page_has_text(ctx, job, res, hash, &ex, true);
		goto cleanup;
	}
	if (!str_eq(fp, job->st.rules_fp))
		rebase_on_new_rules(ctx, job);
	if (str_eq(ex.text, job->st.text)) {
		page_unchanged(ctx, job, res, hash, &ex);
		goto cleanup;
	}

	/* Believe a change only if a second fetch gives the same text. */
	ctx->done--;
	job->confirming = true;
	job->first = ex;
	memset(&ex, 0, sizeof(ex));
	job->first_res = *res;
	memset(res, 0, sizeof(*res));
	/* Pages awaiting confirmation can be many (their second fetch queues
	 * behind the others of the same host): keep the first fetch's text,
	 * hash and headers, not its bodies. */
	memcpy(job->first_hash, hash, sizeof(hash));
	free(job->first_res.body);
	free(job->first_res.html);
	job->first_res.body = job->first_res.html = NULL;
	job->first_res.body_len = job->first_res.html_len = 0;
	struct fetch_request again = { .url = job->page->url, .data = job };
	crawler_add(c, &again);

cleanup:
	if (!job->confirming)
		drop_text(job);
	extraction_release(&ex);
	free(err);
}

/* ---- setup ---- */

static void run_usage(FILE *out)
{
	fprintf(out,
		"usage: prefwatch run [--watchlist FILE]... [--db FILE] [--only ID]...\n"
		"                     [--json FILE] [--text FILE] [--html FILE]\n"
		"                     [--jobs N] [--host-delay MS] [--quiet|--verbose]\n"
		"                     [--mail] [--mail-always] [--smtp-url URL] [--mail-from ADDR]\n"
		"                     [--mail-to ADDR]... [--sendmail PATH]\n\n"
		"Fetches every page of the watchlist (the bundled ones by default), compares\n"
		"its procedure text with the stored snapshot, stores the outcome and writes\n"
		"the report (French). The text report goes to --text FILE, or to stdout only\n"
		"when there is something to report, so that cron mails it only then.\n"
		"--mail sends the report by e-mail when there is something to report\n"
		"(--mail-always: every night); a report that cannot be sent is kept and\n"
		"sent by the next run. Flags override the configuration file.\n");
}

static int parse_run_opts(int argc, char **argv, struct run_opts *o)
{
	static const struct option longopts[] = {
		{ "watchlist", required_argument, NULL, 'w' },
		{ "db", required_argument, NULL, 'd' },
		{ "only", required_argument, NULL, 'o' },
		{ "json", required_argument, NULL, 'j' },
		{ "text", required_argument, NULL, 't' },
		{ "html", required_argument, NULL, 'H' },
		{ "jobs", required_argument, NULL, 'J' },
		{ "host-delay", required_argument, NULL, 'D' },
		{ "mail", no_argument, NULL, 'm' },
		{ "mail-always", no_argument, NULL, 'A' },
		{ "smtp-url", required_argument, NULL, 'S' },
		{ "mail-from", required_argument, NULL, 'F' },
		{ "mail-to", required_argument, NULL, 'T' },
		{ "sendmail", required_argument, NULL, 'M' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *cl = "command line";
	struct settings *s = &o->set;
	int c;
	long v;
	char *end;
	optind = 1;
	while ((c = getopt_long(argc, argv, "w:d:o:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'w': settings_set_list(&s->watchlists, &s->watchlists_origin, optarg, cl); break;
		case 'd': settings_set(s, S_DB, optarg, cl); break;
		case 'o': strvec_push(&o->only, optarg); break;
		case 'j': settings_set(s, S_JSON, optarg, cl); break;
		case 't': settings_set(s, S_TEXT, optarg, cl); break;
		case 'H': settings_set(s, S_HTML, optarg, cl); break;
		case 'J':
			v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 256)
				return cli_usage_error("run", "--jobs takes a number from 1 to 256");
			settings_set(s, S_JOBS, optarg, cl);
			break;
		case 'D':
			v = strtol(optarg, &end, 10);
			if (*end || v < 0 || v > 600000)
				return cli_usage_error("run", "--host-delay takes milliseconds (0 to 600000)");
			settings_set(s, S_HOST_DELAY, optarg, cl);
			break;
		case 'm': settings_set(s, S_MAIL, "true", cl); break;
		case 'A':
			settings_set(s, S_MAIL, "true", cl);
			settings_set(s, S_MAIL_ALWAYS, "true", cl);
			break;
		case 'S': settings_set(s, S_SMTP_URL, optarg, cl); break;
		case 'F': settings_set(s, S_MAIL_FROM, optarg, cl); break;
		case 'T': settings_set_list(&s->mail_to, &s->mail_to_origin, optarg, cl); break;
		case 'M': settings_set(s, S_SENDMAIL, optarg, cl); break;
		case 'q': o->level = LOG_ERROR; break;
		case 'v': o->level = LOG_DEBUG; break;
		case 'h': run_usage(stdout); return -1;
		default: return cli_usage_error("run", "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage_error("run", "unexpected argument '%s'", argv[optind]);
	return 0;
}

static int load_watchlists(struct watchlist *wl, struct strvec *files)
{
	struct strvec errs = STRVEC_INIT;
	if (!files->n && cli_bundled_watchlists(files) < 0) {
		log_error("no bundled watchlist found; name one with --watchlist");
		return -1;
	}
	for (size_t i = 0; i < files->n; i++)
		watchlist_load(wl, files->v[i], &errs);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.v[i]);
	int n = (int)errs.n;
	strvec_release(&errs);
	return n ? -1 : 0;
}

static bool selected(const struct run_opts *o, const struct wl_page *p)
{
	if (!o->only.n)
		return true;
	return strvec_contains(&o->only, p->id) || strvec_contains(&o->only, p->office->id);
}

/* flock on a file beside the database: one run at a time per database. */
static int take_lock(const char *db, int *fd_out)
{
	char *path = xasprintf("%s.lock", db);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_error("cannot open lock file '%s': %s", path, strerror(errno));
		free(path);
		return EXIT_DATABASE;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		log_error("another prefwatch run is using '%s' (lock '%s' is held)", db, path);
		close(fd);
		free(path);
		return EXIT_RUNNING;
	}
	free(path);
	*fd_out = fd;
	return 0;
}

static void sync_pages(struct store *s, const struct watchlist *wl, bool *db_error)
{
	size_t n = watchlist_page_count(wl), k = 0;
	struct store_page_info *infos = xcalloc(n ? n : 1, sizeof(*infos));
	for (size_t i = 0; i < wl->n_offices; i++) {
		const struct wl_office *of = &wl->offices[i];
		for (size_t j = 0; j < of->n_pages; j++) {
			struct store_page_info *pi = &infos[k++];
			pi->id = of->pages[j].id;
			pi->url = of->pages[j].url;
			pi->office_id = of->id;
			pi->office_name = of->name;
			pi->office_kind = office_kind_name(of->kind);
			pi->region = of->region;
			pi->departement = of->departement;
			pi->departement_name = of->departement_name;
		}
	}
	if (store_sync_pages(s, infos, k) < 0) {
		log_error("cannot record the watchlist's pages: %s", store_errmsg(s));
		*db_error = true;
	}
	free(infos);
}

static void crawler_settings(struct crawler_config *cfg, const struct wl_defaults *d,
			     const struct run_opts *o)
{
	crawler_config_init(cfg);
	cfg->jobs = settings_long(&o->set, S_JOBS);
	cfg->host_delay_ms = settings_long(&o->set, S_HOST_DELAY);
	if (d->connect_timeout > 0)
		cfg->connect_timeout = d->connect_timeout;
	if (d->timeout > 0)
		cfg->timeout = d->timeout;
	if (d->low_speed_limit > 0)
		cfg->low_speed_limit = d->low_speed_limit;
	if (d->low_speed_time > 0)
		cfg->low_speed_time = d->low_speed_time;
	if (d->max_body > 0)
		cfg->max_body = d->max_body;
	cfg->user_agent_url = d->user_agent_url;
	cfg->ca_bundle = d->ca_bundle;
}

/* Fills the report's identity of a page from the watchlist. */
static void report_identity(struct report_page *rp, const struct wl_page *p)
{
	rp->id = xstrdup(p->id);
	rp->office_id = xstrdup(p->office->id);
	rp->office_name = xstrdup(p->office->name);
	rp->region = xstrdup(p->office->region);
	rp->departement = xstrdup(p->office->departement);
	rp->departement_name = xstrdup(p->office->departement_name);
	rp->url = xstrdup(p->url);
}

static char *report_title(const struct watchlist *wl, const struct run_opts *o)
{
	struct strvec regions = STRVEC_INIT;
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < wl->n_offices; i++) {
		const struct wl_office *of = &wl->offices[i];
		for (size_t j = 0; j < of->n_pages; j++)
			if (selected(o, &of->pages[j]) && !strvec_contains(&regions, of->region))
				strvec_push(&regions, of->region);
	}
	for (size_t i = 0; i < regions.n; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", regions.v[i]);
	strvec_release(&regions);
	return buf_detach(&b, NULL);
}

/* Changes committed by an earlier run but never reported (that run was
 * killed, or its report was not delivered) are reported now, once. */
struct earlier_ctx {
	struct report *report;
	int64_t run_id;
	struct store *store;
};

static int add_earlier_change(const struct change_record *c, void *data)
{
	struct earlier_ctx *e = data;
	if (c->run_id != e->run_id)
		cli_report_add_change(e->report, c, e->store);
	return 0;
}

static int write_outputs(const struct report *r, const struct run_opts *o)
{
	int rc = 0;
	const char *text = settings_get(&o->set, S_TEXT);
	struct { const char *path; char *(*render)(const struct report *); } outs[] = {
		{ settings_get(&o->set, S_JSON), report_render_json },
		{ text, report_render_text },
		{ settings_get(&o->set, S_HTML), report_render_html },
	};
	for (size_t i = 0; i < PW_ARRAY_SIZE(outs); i++) {
		if (!outs[i].path)
			continue;
		char *s = outs[i].render(r);
		if (report_write_file(outs[i].path, s) < 0) {
			log_error("cannot write '%s': %s", outs[i].path, strerror(errno));
			rc = -1;
		}
		free(s);
	}
	if (!text && report_has_news(r)) {
		char *s = report_render_text(r);
		fputs(s, stdout);
		fflush(stdout);
		free(s);
	}
	return rc;
}

static void mark_reported(struct store *s, const struct report *r, bool *db_error)
{
	size_t cap = r->n_pages + 1;
	for (size_t i = 0; i < r->n_pages; i++)
		cap += r->pages[i].n_documents;
	int64_t *ids = xcalloc(cap, sizeof(*ids));
	size_t n = 0;
	for (size_t i = 0; i < r->n_pages; i++) {
		if (r->pages[i].change && r->pages[i].change->id)
			ids[n++] = r->pages[i].change->id;
		for (size_t j = 0; j < r->pages[i].n_documents; j++)
			if (r->pages[i].documents[j].change && r->pages[i].documents[j].change->id)
				ids[n++] = r->pages[i].documents[j].change->id;
	}
	if (n && store_changes_mark_reported(s, ids, n, time(NULL)) < 0) {
		log_error("cannot mark changes as reported: %s", store_errmsg(s));
		*db_error = true;
	}
	free(ids);
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = { .level = LOG_WARN };
	struct watchlist wl;
	struct report report;
	struct run_ctx ctx = { 0 };
	struct page_job *jobs = NULL;
	size_t n_jobs = 0;
	char *db = NULL, *err = NULL;
	int lock_fd = -1;
	int rc = EXIT_OK;

	watchlist_init(&wl);
	report_init(&report);
	if (settings_load(&o.set) < 0) {
		rc = EXIT_USAGE;
		goto cleanup;
	}
	int prc = parse_run_opts(argc, argv, &o);
	if (prc) {
		rc = prc < 0 ? EXIT_OK : prc;
		goto cleanup;
	}
	log_set_level(o.level);

	if (load_watchlists(&wl, &o.set.watchlists) < 0) {
		rc = EXIT_USAGE;
		goto cleanup;
	}
	bool mail_on = settings_bool(&o.set, S_MAIL);
	if (mail_on && cli_mail_check(&o.set) < 0) {
		rc = EXIT_USAGE;
		goto cleanup;
	}
	db = cli_db_path(settings_get(&o.set, S_DB));
	if ((rc = take_lock(db, &lock_fd)))
		goto cleanup;
	ctx.store = store_open(db, &err);
	if (!ctx.store) {
		log_error("%s", err);
		rc = EXIT_DATABASE;
		goto cleanup;
	}
	ctx.report = &report;
	ctx.doc_domains = &wl.defaults.document_domains;
	ctx.pending_tail = &ctx.pending;
	doc_limits_init(&ctx.doc_limits);
	ctx.failure_threshold = wl.defaults.failure_threshold > 0 ? wl.defaults.failure_threshold : 2;
	sync_pages(ctx.store, &wl, &ctx.db_error);

	/* One job per selected page, with its compiled rules and stored state. */
	jobs = xcalloc(watchlist_page_count(&wl) + 1, sizeof(*jobs));
	for (size_t i = 0; i < wl.n_offices; i++) {
		for (size_t j = 0; j < wl.offices[i].n_pages; j++) {
			const struct wl_page *p = &wl.offices[i].pages[j];
			if (!selected(&o, p))
				continue;
			struct page_job *job = &jobs[n_jobs];
			struct strvec ignore = STRVEC_INIT;
			for (size_t k = 0; k < wl.defaults.ignore.n; k++)
				strvec_push(&ignore, wl.defaults.ignore.v[k]);
			for (size_t k = 0; k < p->ignore.n; k++)
				strvec_push(&ignore, p->ignore.v[k]);
			job->page = p;
			job->rules = extract_rules_new(p->select, &p->exclude, &ignore, &err);
			strvec_release(&ignore);
			if (!job->rules) {
				/* the watchlist validated these: only a bug gets here */
				log_error("%s: %s", p->id, err);
				rc = EXIT_USAGE;
				goto cleanup;
			}
			if (store_page_state(ctx.store, p->id, &job->st) < 0) {
				log_error("cannot read the state of '%s': %s", p->id, store_errmsg(ctx.store));
				rc = EXIT_DATABASE;
				goto cleanup;
			}
			drop_text(job);
			job->rp = report.n_pages;
			report_identity(report_add_page(&report), p);
			n_jobs++;
		}
	}
	if (o.only.n && !n_jobs) {
		rc = cli_usage_error("run", "--only matches no page of the watchlist");
		goto cleanup;
	}
	report.title = report_title(&wl, &o);

	struct crawler_config cfg;
	crawler_settings(&cfg, &wl.defaults, &o);
	ctx.crawler = crawler_new(&cfg, &err);
	if (!ctx.crawler) {
		log_error("%s", err);
		rc = EXIT_FAILURE_OTHER;
		goto cleanup;
	}
	report.started_at = time(NULL);
	if (store_run_begin(ctx.store, report.started_at, &ctx.run_id) < 0) {
		log_error("cannot start a run: %s", store_errmsg(ctx.store));
		rc = EXIT_DATABASE;
		goto cleanup;
	}
	report.run_id = ctx.run_id;
	ctx.total = n_jobs;
	ctx.progress = isatty(STDERR_FILENO) && o.level >= LOG_WARN;
	for (size_t i = 0; i < n_jobs; i++) {
		struct page_job *job = &jobs[i];
		/* conditional headers only when a 304 would mean "same text" */
		bool same_rules = str_eq(extract_rules_fingerprint(job->rules), job->st.rules_fp);
		struct fetch_request req = {
			.url = job->page->url,
			.etag = same_rules ? job->st.etag : NULL,
			.last_modified = same_rules ? job->st.last_modified : NULL,
			.data = job,
		};
		crawler_add(ctx.crawler, &req);
	}

	struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
	sigemptyset(&sa.sa_mask);
	running_crawler = ctx.crawler;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	/* documents fetched in a run are converted after it, and the
	 * confirming fetches they need make another run */
	int crc;
	while ((crc = crawler_run(ctx.crawler, on_fetched, &ctx)) == 0 && ctx.pending)
		process_pending(&ctx);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	running_crawler = NULL;
	if (crc < 0) {
		log_error("run interrupted: pages finished so far are stored");
		rc = EXIT_FAILURE_OTHER;
		goto cleanup;
	}

	/* pages never called back (cannot happen unless interrupted) are dropped */
	struct earlier_ctx ec = { &report, ctx.run_id, ctx.store };
	struct change_filter cf = { .unreported_only = true };
	if (store_changes_each(ctx.store, &cf, add_earlier_change, &ec) < 0) {
		log_error("cannot read earlier changes: %s", store_errmsg(ctx.store));
		ctx.db_error = true;
	}
	report.finished_at = time(NULL);
	ctx.counts.pages = (int)n_jobs;
	int mail_rc = EXIT_OK;
	if (write_outputs(&report, &o) < 0) {
		rc = EXIT_FAILURE_OTHER;
	} else {
		bool to_mail = mail_on && (report_has_news(&report) ||
					   settings_bool(&o.set, S_MAIL_ALWAYS));
		if (to_mail && cli_mail_enqueue(ctx.store, &report, report.finished_at) < 0)
			ctx.db_error = true;
		mark_reported(ctx.store, &report, &ctx.db_error);
		if (mail_on)
			mail_rc = cli_mail_flush(ctx.store, &o.set);
	}
	if (store_run_finish(ctx.store, ctx.run_id, report.finished_at, &ctx.counts) < 0) {
		log_error("cannot finish the run: %s", store_errmsg(ctx.store));
		ctx.db_error = true;
	}
	if (ctx.db_error || mail_rc == EXIT_DATABASE)
		rc = EXIT_DATABASE;
	else if (!rc && mail_rc)
		rc = mail_rc;
	else if (!rc && ctx.counts.failed)
		rc = EXIT_PAGES_FAILED;
	log_info("%d pages: %d new, %d unchanged, %d changed, %d failed", ctx.counts.pages,
		 ctx.counts.new_pages, ctx.counts.unchanged, ctx.counts.changed, ctx.counts.failed);

cleanup:
	for (size_t i = 0; jobs && i < n_jobs + 1; i++) {
		extract_rules_free(jobs[i].rules);
		page_state_release(&jobs[i].st);
		extraction_release(&jobs[i].first);
		fetch_result_release(&jobs[i].first_res);
	}
	free(jobs);
	while (ctx.docs) {
		struct doc_job *next = ctx.docs->next;
		doc_job_free(ctx.docs);
		ctx.docs = next;
	}
	crawler_free(ctx.crawler);
	store_close(ctx.store);
	if (lock_fd >= 0)
		close(lock_fd);
	report_release(&report);
	watchlist_release(&wl);
	settings_release(&o.set);
	strvec_release(&o.only);
	free(db);
	free(err);
	return rc;
}
