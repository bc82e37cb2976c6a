/*
 * documents.c - the documents a page links, watched like pages.
 *
 * Once a page's outcome is known (not failed), the documents its text
 * links (crawler's doc_links_find(): PDF, DOC, DOCX, ODT on its own site
 * or defaults.document_domains; `documents: none` and `max_documents` per
 * page) are recorded as the page's links, and each is fetched through the
 * same crawler run (crawler_add_document()) and decided like a page, under
 * its own store id: new, unchanged (a byte-only change with the same text
 * too), changed (confirmed by a second fetch), failed with a kind. A
 * fetched document with new bytes waits in a temp file for the crawler's
 * conversion pool (convert_pool.c: worker threads converting while the
 * crawl goes on), so that a slow or hostile file never stalls the other
 * transfers; its text is judged, stored and reported here, on the main
 * thread, when the pool gives it back (from the crawler's callbacks, then
 * waiting for the last ones after the crawl), and a changed one queues its
 * confirming fetch then. Without a pool (no thread could start) the
 * documents are converted one at a time after each crawler run. A link
 * gone from the page is reported once as removed; its history stays. A
 * document's news goes under its page in the report, whatever the page's
 * own status.
 */
#include "common/common.h"

#include <assert.h>
#include <fcntl.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/run.h"
#include "crawler/crawler.h"
#include "judge/judge.h"
#include "reports/report.h"
#include "store/store.h"
#include "watchlist/watchlist.h"

/* ---- linked documents ---- */

static void doc_policy(const struct run_ctx *ctx, struct judge_policy *pol)
{
	*pol = (struct judge_policy){
		.item = JUDGE_DOCUMENT,
		.rules_fp = DOC_RULES_FP,
		.failure_threshold = ctx->failure_threshold,
	};
}

/* The engine's view of a document's stored state (borrowed). */
static void doc_state_view(const struct doc_job *dj, struct judge_state *st)
{
	*st = (struct judge_state){
		.has_snapshot = dj->st.has_snapshot,
		.text = dj->st.text,
		.body_hash = dj->st.body_hash,
		.rules_fp = dj->st.rules_fp,
		.final_url = dj->st.final_url,
		.fail_count = dj->st.fail_count,
		.failing_since = dj->st.failing_since,
	};
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
	dj->done = true;
	ctx->docs_done++;
	if (store_commit_page(ctx->store, ctx->run_id, o, ids) < 0) {
		log_error(_("cannot store document '%s' of page '%s': %s"), dj->url, dj->pj->page->id,
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
	struct judge_policy pol;
	struct judge_state st;
	struct judge_decision d;

	doc_policy(ctx, &pol);
	doc_state_view(dj, &st);
	judge_failure(&pol, &st, failure, time(NULL), &d);
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
	rd->fail_count = d.fail_count;
	rd->failing_since = d.failing_since;
	rd->listed = d.listed;
	log_info(_("%s: document '%s' failed (%s): %s"), dj->pj->page->id, dj->url,
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
	struct store_exchange xe;
	char xsha[65];
	fill_fetch(&o, res);
	o.kind = kind;
	o.text = text;
	/* every document version keeps what was served, as proof */
	if (cli_exchange_of(res, &xe, xsha))
		o.exchange = &xe;
	o.raw = res->body;
	o.raw_len = res->body_len;
	o.body_hash = hash;
	o.rules_fp = DOC_RULES_FP;
	doc_commit(ctx, dj, &o, &ids);

	rd->http_status = res->http_status;
	if (kind == OUTCOME_BASELINE) {
		rd->status = DOC_UNCHANGED;
		log_info(_("%s: document '%s' text stored again under %s"), dj->pj->page->id, dj->url,
			 DOC_RULES_FP);
		return;
	}
	if (kind == OUTCOME_NEW && dj->replaces) {
		/* the removed link's entry gives way to one « remplacé » with
		 * the diff of the two texts */
		struct report_document *gone =
			&ctx->report->pages[dj->pj->rp].documents[dj->replaced_rd];
		rd = doc_report(ctx, dj);
		rd->status = DOC_REPLACED;
		rd->replaced_url = xstrdup(gone->url);
		rd->replaced_title = xstrdup(gone->title);
		gone->superseded = true;
		struct report_change *ch = xcalloc(1, sizeof(*ch));
		ch->detected_at = o.at;
		ch->old_text = xstrdup(dj->replaced_text ? dj->replaced_text : "");
		ch->new_text = xstrdup(text);
		rd->change = ch;
		log_info(_("%s: document '%s' replaced by '%s'"), dj->pj->page->id, rd->replaced_url,
			 dj->url);
		return;
	}
	if (kind == OUTCOME_NEW) {
		rd->status = DOC_NEW;
		log_info(_("%s: new document '%s'"), dj->pj->page->id, dj->url);
		return;
	}
	struct report_change *ch = xcalloc(1, sizeof(*ch));
	ch->id = ids.change_id;
	ch->detected_at = o.at;
	ch->previous_at = dj->st.snapshot_at;
	ch->old_text = xstrdup(dj->st.text ? dj->st.text : "");
	ch->new_text = xstrdup(text);
	ch->reverted_to = ids.reverted_to ? ids.reverted_to_at : 0;
	if (o.exchange && ids.change_id) {
		ch->evidence_at = xe.at;
		ch->evidence_sha256 = xstrdup(xsha);
	}
	rd->status = DOC_CHANGED;
	rd->change = ch;
	log_info(_("%s: document '%s' changed (change #%lld)"), dj->pj->page->id, dj->url,
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

/* The confirmed text (the first fetch's) is stored as a change. */
static void doc_changed(struct run_ctx *ctx, struct doc_job *dj)
{
	struct report_document *rd = doc_report(ctx, dj);
	free(rd->note);
	rd->note = dj->first_note;
	dj->first_note = NULL;
	doc_has_text(ctx, dj, &dj->first_res, dj->first_hash, dj->first_text, OUTCOME_CHANGED);
}

static void doc_flicker(struct run_ctx *ctx, struct doc_job *dj)
{
	log_info(_("%s: document '%s' changed then changed back within the run; not reported"),
		 dj->pj->page->id, dj->url);
	doc_unchanged(ctx, dj, &dj->first_res, NULL, false);
}

/* Acts on a verdict that needs no new text stored: error is the
 * failure's message (the crawler's, or the converter's). */
static void doc_act(struct run_ctx *ctx, struct doc_job *dj, const struct fetch_result *res,
		    const char *hash, const struct judge_decision *d, const char *error)
{
	switch (d->verdict) {
	case JUDGE_FAILED:
		doc_failed(ctx, dj, res, d->failure, error);
		break;
	case JUDGE_UNCHANGED:
		doc_unchanged(ctx, dj, res, res->not_modified ? NULL : hash, false);
		break;
	case JUDGE_CHANGED:
		doc_changed(ctx, dj);
		break;
	case JUDGE_FLICKER:
		doc_flicker(ctx, dj);
		break;
	default:
		assert(!"verdict not acted on here");
		break;
	}
}

/* Reads the stored text a conversion is compared with: only a document
 * whose bytes changed needs it, the others' fetches are decided on the
 * light state (validators, hash, streak). 0, or -1 (logged). */
static int doc_load_text(struct run_ctx *ctx, struct doc_job *dj)
{
	struct page_state full;
	if (!dj->light)
		return 0;
	if (store_page_state(ctx->store, dj->id, &full) < 0) {
		log_error(_("cannot read the state of document '%s': %s"), dj->url,
			  store_errmsg(ctx->store));
		ctx->db_error = true;
		return -1;
	}
	store_page_state_release(&dj->st);
	dj->st = full;
	dj->light = false;
	return 0;
}

/* Texts over this are converted again rather than kept, and the cache
 * holds at most DOC_CACHE_N texts and DOC_CACHE_BYTES in all (a PDF's
 * text is typically 2-20 KB). */
#define DOC_CACHE_TEXT_MAX (256u << 10)
#define DOC_CACHE_BYTES (4u << 20)

static void doc_text_copy(struct doc_text *dst, const struct doc_text *src)
{
	*dst = (struct doc_text){
		.type = src->type,
		.kind = src->kind,
		.text = xstrdup(src->text),
		.note = xstrdup(src->note),
		.failure = src->failure,
	};
}

/* The cache key of a document's text: same hash, same content type and
 * same type by URL decide the converter, and a converter's output depends
 * on nothing else. Owned. */
static char *doc_key(const struct fetch_result *res, const char *hash, const char *url)
{
	return xasprintf("%s|%s|%s", hash, res->content_type ? res->content_type : "",
			 doc_type_name(doc_type_from_url(url)));
}

static const struct doc_cache_entry *doc_cache_find(const struct run_ctx *ctx, const char *key)
{
	for (size_t i = 0; i < DOC_CACHE_N; i++)
		if (ctx->doc_cache[i].key && !strcmp(ctx->doc_cache[i].key, key))
			return &ctx->doc_cache[i];
	return NULL;
}

/* Keeps a successful conversion's text (a copy) under key. */
static void doc_cache_put(struct run_ctx *ctx, const char *key, const struct doc_text *dt)
{
	size_t tlen = dt->text ? strlen(dt->text) : 0;
	if (tlen > DOC_CACHE_TEXT_MAX || doc_cache_find(ctx, key))
		return;
	struct doc_cache_entry *e = &ctx->doc_cache[ctx->doc_cache_next];
	ctx->doc_cache_next = (ctx->doc_cache_next + 1) % DOC_CACHE_N;
	if (e->dt.text)
		ctx->doc_cache_bytes -= strlen(e->dt.text);
	free(e->key);
	doc_text_release(&e->dt);
	e->key = NULL;
	if (ctx->doc_cache_bytes + tlen > DOC_CACHE_BYTES)
		return;   /* full: this one is not kept */
	ctx->doc_cache_bytes += tlen;
	e->key = xstrdup(key);
	doc_text_copy(&e->dt, dt);
}

/* doc_extract(), unless the same bytes (doc_key()) were converted earlier
 * in the run. Only successes are kept; a failure may be a limit reached
 * under load. */
static int doc_text_of(struct run_ctx *ctx, const struct fetch_result *res, const char *hash,
		       const char *url, struct doc_text *dt)
{
	char *key = doc_key(res, hash, url);
	const struct doc_cache_entry *e = doc_cache_find(ctx, key);
	if (e) {
		doc_text_copy(dt, &e->dt);
		free(key);
		return 0;
	}
	log_debug("'%s': converting %zu bytes", url, res->body_len);
	int rc = doc_extract(res->body, res->body_len, res->content_type, url, &ctx->doc_limits, dt);
	if (rc == 0)
		doc_cache_put(ctx, key, dt);
	free(key);
	return rc;
}

void doc_cache_release(struct run_ctx *ctx)
{
	for (size_t i = 0; i < DOC_CACHE_N; i++) {
		free(ctx->doc_cache[i].key);
		ctx->doc_cache[i].key = NULL;
		doc_text_release(&ctx->doc_cache[i].dt);
	}
	ctx->doc_cache_bytes = 0;
}

/* A fetched document with new bytes: its text (dt, rc: doc_extract()'s
 * or the cache's) decides. */
static void doc_judge(struct crawler *c, struct doc_job *dj, struct run_ctx *ctx,
		      struct fetch_result *res, const char *hash, struct doc_text *dtp, int rc)
{
	char *text = NULL, *note = NULL;
	struct doc_text dt = *dtp;
	struct judge_policy pol;
	struct judge_state st;
	struct judge_decision d;
	bool confirming = dj->confirming;

	memset(dtp, 0, sizeof(*dtp));   /* dt is ours now */
	if (doc_load_text(ctx, dj) < 0) {
		doc_text_release(&dt);
		return;
	}
	doc_policy(ctx, &pol);
	doc_state_view(dj, &st);
	struct judge_text t = {
		.confirming = confirming,
		.failure = rc < 0 ? dt.failure : PW_FAIL_NONE,
		.first_text = dj->first_text,
	};
	if (rc == 0) {
		text = doc_stored_text(&dt, hash, &note);
		t.text = text;
		struct report_document *rd = doc_report(ctx, dj);
		if (!confirming && dt.type != DOC_TYPE_UNKNOWN && (!rd->type || !*rd->type)) {
			free(rd->type);
			rd->type = xstrdup(doc_type_name(dt.type));
		}
		if (!confirming && dt.seconds > 1)
			log_info(_("%s: document '%s': text in %.1f s"), dj->pj->page->id, dj->url,
				 dt.seconds);
	}
	judge_text(&pol, &st, &t, time(NULL), &d);

	struct report_document *rd = doc_report(ctx, dj);
	switch (d.verdict) {
	case JUDGE_NEW:
	case JUDGE_BASELINE:
		/* first text, or first under this normaliser: a baseline */
		rd->note = note;
		note = NULL;
		doc_has_text(ctx, dj, res, hash, text,
			     d.verdict == JUDGE_NEW ? OUTCOME_NEW : OUTCOME_BASELINE);
		break;
	case JUDGE_UNCHANGED:
		/* same text from other bytes (a re-export): keep today's file */
		rd->note = note;
		note = NULL;
		doc_unchanged(ctx, dj, res, hash, true);
		break;
	case JUDGE_CONFIRM: {
		/* believe a new text only if a second fetch gives it too */
		dj->confirming = true;
		dj->first_text = text;
		dj->first_note = note;
		text = note = NULL;
		memcpy(dj->first_hash, hash, PW_HASH_HEX);
		dj->first_res = *res;
		memset(res, 0, sizeof(*res));
		struct fetch_request again = { .url = dj->url, .data = dj };
		crawler_add_document(c, &again);
		break;
	}
	default:
		doc_act(ctx, dj, res, hash, &d, dt.error);
		break;
	}
	doc_text_release(&dt);
	free(text);
	free(note);
}

/* A fetched document with new bytes, converted here (or its text found
 * in the run's cache), then judged. */
static void doc_decide(struct crawler *c, struct doc_job *dj, struct run_ctx *ctx,
		       struct fetch_result *res)
{
	char hash[PW_HASH_HEX];
	struct doc_text dt;
	pw_hash_hex(res->body, res->body_len, hash);
	int rc = doc_text_of(ctx, res, hash, res->final_url ? res->final_url : dj->url, &dt);
	doc_judge(c, dj, ctx, res, hash, &dt, rc);
}

/* Moves the body to a private temp file (dj->spill) and the result into
 * dj->held. -1 (nothing moved, said) if the file cannot be written: the
 * caller converts at once instead. */
static int doc_spill(struct doc_job *dj, struct fetch_result *res)
{
	char *path = NULL;
	int fd = pw_tmpfile("prefwatch-body", &path);
	if (fd < 0)
		goto fail;
	int w = pw_write_all(fd, res->body, res->body_len);
	int saved = errno;
	if (close(fd) < 0 && !w) {
		w = -1;
		saved = errno;
	}
	if (w < 0) {
		unlink(path);
		errno = saved;
		goto fail;
	}
	dj->spill = path;
	dj->held = *res;
	memset(res, 0, sizeof(*res));
	free(dj->held.body);
	dj->held.body = NULL;
	dj->pending_next = NULL;
	return 0;
fail:
	log_warn(_("cannot keep '%s' for later conversion (%s): converting it now"), dj->url,
		 strerror(errno));
	free(path);
	return -1;
}

static int read_back(const char *path, size_t len, char **out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *b = xmalloc(len + 1);
	if (fd < 0 || pw_read_exact(fd, b, len) < 0) {
		if (fd >= 0)
			close(fd);
		free(b);
		return -1;
	}
	close(fd);
	b[len] = '\0';
	*out = b;
	return 0;
}

/* A spilled document's body read back, converted here (or found in the
 * cache) and decided; its temp file removed. */
static void doc_decide_held(struct run_ctx *ctx, struct doc_job *dj)
{
	struct fetch_result *res = &dj->held;
	if (read_back(dj->spill, res->body_len, &res->body) < 0)
		doc_failed(ctx, dj, res, PW_FAIL_BAD_CONTENT, "cannot read back the fetched file");
	else
		doc_decide(ctx->crawler, dj, ctx, res);
	unlink(dj->spill);
	free(dj->spill);
	dj->spill = NULL;
	fetch_result_release(res);
}

/* Converts the documents fetched during the last crawler run, one at a
 * time; changed ones queue their confirming fetch for the next run. A
 * SIGTERM stops it between two files (the others' temp files go with
 * their jobs), not after thousands of conversions. */
void process_pending(struct run_ctx *ctx)
{
	while (ctx->pending && !crawler_stopped(ctx->crawler)) {
		struct doc_job *dj = ctx->pending;
		ctx->pending = dj->pending_next;
		if (!ctx->pending)
			ctx->pending_tail = &ctx->pending;
		doc_decide_held(ctx, dj);
	}
}

/* Hands a spilled document (dj->conv_key set) to the pool: the file is
 * the pool's from now on. */
static void doc_start(struct run_ctx *ctx, struct doc_job *dj, struct doc_inflight *f)
{
	const char *url = dj->held.final_url ? dj->held.final_url : dj->url;
	struct convert_job job = {
		.path = dj->spill,
		.len = dj->held.body_len,
		.content_type = dj->held.content_type,
		.url = url,
		.data = dj,
	};
	f->converting = true;
	log_debug("'%s': converting %zu bytes", url, dj->held.body_len);
	convert_pool_submit(ctx->pool, &job);
	free(dj->spill);
	dj->spill = NULL;
}

static void inflight_wait(struct doc_inflight *f, struct doc_job *dj)
{
	dj->pending_next = NULL;
	*f->waiters_tail = dj;
	f->waiters_tail = &dj->pending_next;
}

/* A document with new bytes while the pool runs: decided now when the run
 * already has their text, else spilled and converted by the pool, or
 * waiting for the same bytes' conversion under another address. */
static void doc_submit(struct crawler *c, struct doc_job *dj, struct run_ctx *ctx,
		       struct fetch_result *res, const char *hash)
{
	char *key = doc_key(res, hash, res->final_url ? res->final_url : dj->url);
	if (doc_cache_find(ctx, key) || doc_spill(dj, res) < 0) {
		free(key);
		doc_decide(c, dj, ctx, res);
		return;
	}
	struct doc_inflight *f = (struct doc_inflight *)strmap_get(&ctx->inflight, key);
	if (!f) {
		f = xcalloc(1, sizeof(*f));
		f->key = key;
		f->waiters_tail = &f->waiters;
		f->next = ctx->inflight_all;
		ctx->inflight_all = f;
		strmap_put(&ctx->inflight, f->key, f);
	} else {
		free(key);
	}
	dj->conv_key = xstrdup(f->key);
	if (f->converting) {
		log_debug("'%s': the same bytes are being converted, waiting for their text", dj->url);
		inflight_wait(f, dj);
	} else {
		doc_start(ctx, dj, f);
	}
}

/* The documents that waited for f's conversion, now that it ended: from
 * the cache when it kept the text, else the first of them is converted
 * and the others wait again. */
static void inflight_release_waiters(struct run_ctx *ctx, struct doc_inflight *f)
{
	struct doc_job *w = f->waiters;
	f->waiters = NULL;
	f->waiters_tail = &f->waiters;
	while (w) {
		struct doc_job *next = w->pending_next;
		w->pending_next = NULL;
		if (f->converting) {
			inflight_wait(f, w);
		} else if (!doc_cache_find(ctx, f->key)) {
			doc_start(ctx, w, f);
		} else {
			free(w->conv_key);
			w->conv_key = NULL;
			doc_decide_held(ctx, w);
		}
		w = next;
	}
}

/* A conversion came back from the pool: its document is decided, then
 * those that waited for the same bytes. */
static void doc_converted(struct run_ctx *ctx, struct convert_result *r)
{
	struct doc_job *dj = r->data;
	struct fetch_result *res = &dj->held;
	struct doc_inflight *f = (struct doc_inflight *)strmap_get(&ctx->inflight, dj->conv_key);
	if (!r->body) {
		doc_failed(ctx, dj, res, PW_FAIL_BAD_CONTENT, r->dt.error);
	} else {
		char hash[PW_HASH_HEX];
		res->body = r->body;
		r->body = NULL;
		if (r->rc == 0)
			doc_cache_put(ctx, dj->conv_key, &r->dt);
		pw_hash_hex(res->body, res->body_len, hash);
		doc_judge(ctx->crawler, dj, ctx, res, hash, &r->dt, r->rc);
	}
	fetch_result_release(res);
	convert_result_release(r);
	free(dj->conv_key);
	dj->conv_key = NULL;
	if (f) {
		f->converting = false;
		inflight_release_waiters(ctx, f);
	}
}

/* How long one call from the crawler may spend deciding conversions: a
 * new document's store work takes milliseconds, and while it runs no
 * host's next request starts; the rest waits for the next call. */
#define DOCS_COLLECT_MS 20

static double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void docs_collect(struct run_ctx *ctx)
{
	struct convert_result r;
	double until = mono_ms() + DOCS_COLLECT_MS;
	while (ctx->pool && !crawler_stopped(ctx->crawler) && convert_pool_collect(ctx->pool, &r)) {
		doc_converted(ctx, &r);
		if (mono_ms() >= until) {
			/* results may be left: the crawler tops up, then comes back */
			crawler_wakeup(ctx->crawler);
			break;
		}
	}
}

bool docs_converting(struct run_ctx *ctx)
{
	return ctx->pool && convert_pool_outstanding(ctx->pool) > 0;
}

void docs_wait(struct run_ctx *ctx, long timeout_ms)
{
	struct convert_result r;
	if (!ctx->pool || crawler_stopped(ctx->crawler))
		return;
	if (convert_pool_wait(ctx->pool, &r, timeout_ms))
		doc_converted(ctx, &r);
	docs_collect(ctx);
}

void docs_inflight_release(struct run_ctx *ctx)
{
	while (ctx->inflight_all) {
		struct doc_inflight *f = ctx->inflight_all;
		ctx->inflight_all = f->next;
		free(f->key);
		free(f);
	}
	strmap_release(&ctx->inflight);
}

void on_doc_fetched(struct crawler *c, struct doc_job *dj, struct run_ctx *ctx,
		    struct fetch_result *res)
{
	char hash[PW_HASH_HEX] = "";
	struct judge_policy pol;
	struct judge_state st;
	struct judge_decision d;

	doc_policy(ctx, &pol);
	doc_state_view(dj, &st);
	if (!res->failure && !res->not_modified && res->body_hash[0])
		memcpy(hash, res->body_hash, sizeof(hash));   /* hashed as it arrived */
	else if (!res->failure && !res->not_modified)
		pw_hash_hex(res->body, res->body_len, hash);
	struct judge_fetch f = {
		.confirming = dj->confirming,
		.failure = res->failure,
		.not_modified = res->not_modified,
		.body_hash = hash,
		.first_hash = dj->first_hash,
	};
	judge_fetch(&pol, &st, &f, time(NULL), &d);
	if (d.verdict != JUDGE_EXTRACT) {
		doc_act(ctx, dj, res, hash, &d, res->error);
	} else if (ctx->pool) {
		doc_submit(c, dj, ctx, res, hash);
	} else if (doc_spill(dj, res) < 0) {
		doc_decide(c, dj, ctx, res);
	} else {
		*ctx->pending_tail = dj;
		ctx->pending_tail = &dj->pending_next;
	}
}

/* Titles equal but for case and spacing (ASCII), and not empty. */
static bool same_title(const char *a, const char *b)
{
	if (!a || !b)
		return false;
	size_t n = 0;
	for (;;) {
		while (*a == ' ')
			a++;
		while (*b == ' ')
			b++;
		if (!*a || !*b)
			return !*a && !*b && n > 0;
		char ca = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
		char cb = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;
		if (ca != cb)
			return false;
		a++, b++, n++;
	}
}

static bool known_has(const struct store_document *known, size_t n, const char *url)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(known[i].url, url))
			return true;
	return false;
}

/* A form whose link changed is the same document under a new URL: pairs
 * each never-seen link with a link gone tonight of the same title, then,
 * if exactly one of each is left, those two (same place on the page).
 * replaced[j] gets the index in known of what link j replaces, or
 * SIZE_MAX; removed_rd[i] is SIZE_MAX for a known link still present. */
static void pair_replacements(const struct doc_links *links, const struct store_document *known,
			      size_t n_known, const size_t *removed_rd, size_t *replaced)
{
	bool *taken = xcalloc(n_known ? n_known : 1, sizeof(*taken));
	size_t left_new = 0, last_new = 0, left_gone = 0, last_gone = 0;
	for (size_t j = 0; j < links->n; j++) {
		replaced[j] = SIZE_MAX;
		if (known_has(known, n_known, links->v[j].url))
			continue;
		for (size_t i = 0; i < n_known; i++) {
			if (removed_rd[i] == SIZE_MAX || taken[i] || !known[i].has_snapshot ||
			    !same_title(known[i].title, links->v[j].title))
				continue;
			taken[i] = true;
			replaced[j] = i;
			break;
		}
		if (replaced[j] == SIZE_MAX) {
			left_new++;
			last_new = j;
		}
	}
	for (size_t i = 0; i < n_known; i++)
		if (removed_rd[i] != SIZE_MAX && !taken[i] && known[i].has_snapshot) {
			left_gone++;
			last_gone = i;
		}
	if (left_new == 1 && left_gone == 1)
		replaced[last_new] = last_gone;
	free(taken);
}

static bool links_have(const struct doc_links *l, const char *url)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].url, url))
			return true;
	return false;
}

/* The links the store holds for the page are exactly tonight's (each
 * linked under the same title, none other linked): recording them again
 * would write nothing, so a quiet night spends no transaction on it. */
static bool links_as_stored(const struct doc_links *links, const struct store_document *known,
			    size_t n_known)
{
	size_t linked = 0;
	for (size_t i = 0; i < n_known; i++)
		if (known[i].linked)
			linked++;
	if (linked != links->n)
		return false;
	for (size_t j = 0; j < links->n; j++) {
		size_t i = 0;
		while (i < n_known && (!known[i].linked || strcmp(known[i].url, links->v[j].url)))
			i++;
		if (i == n_known || !str_eq(known[i].title, links->v[j].title))
			return false;
	}
	return true;
}

/* The page's outcome is stored and its text is known: record the
 * documents it links now, report the links gone, fetch the others. */
void follow_documents(struct run_ctx *ctx, struct page_job *job, const char *base_url,
			     const char *text, const struct fieldset *fields)
{
	const struct wl_page *p = job->page;
	struct report_page *rp = &ctx->report->pages[job->rp];
	struct doc_links links = { 0 };
	struct store_document *known = NULL;
	struct store_document_link *sl = NULL;
	size_t n_known = 0;
	size_t *removed_rd = NULL, *replaced = NULL;

	if (job->docs_followed || p->documents == WL_DOCS_NONE || !text || !fields)
		return;
	job->docs_followed = true;
	size_t max = p->max_documents >= 0 ? (size_t)p->max_documents : DOC_MAX_DEFAULT;
	/* borrowed view: doc_links_find() only reads text and fields */
	struct extraction view = { .text = (char *)text, .fields = *fields };
	doc_links_find(&view, base_url ? base_url : p->url, ctx->doc_domains, max, &links);

	if (store_documents_list(ctx->store, p->id, &known, &n_known) < 0)
		goto db_error;
	if (!links.n && !n_known)
		goto cleanup; /* most pages link no document: no transaction */
	if (!links_as_stored(&links, known, n_known)) {
		sl = xcalloc(links.n ? links.n : 1, sizeof(*sl));
		for (size_t i = 0; i < links.n; i++) {
			sl[i].url = links.v[i].url;
			sl[i].title = links.v[i].title;
		}
		if (store_documents_sync(ctx->store, p->id, sl, links.n, time(NULL)) < 0)
			goto db_error;
	}

	/* links gone from the page: reported as removed, unless a new link
	 * turns out to replace one (see pair_replacements()) */
	removed_rd = xcalloc(n_known ? n_known : 1, sizeof(*removed_rd));
	for (size_t i = 0; i < n_known; i++) {
		removed_rd[i] = SIZE_MAX;
		if (!known[i].linked || links_have(&links, known[i].url))
			continue;
		removed_rd[i] = rp->n_documents;
		struct report_document *rd = report_page_add_document(rp);
		rd->url = xstrdup(known[i].url);
		rd->title = xstrdup(known[i].title);
		rd->type = xstrdup(doc_type_name(doc_type_from_url(known[i].url)));
		rd->status = DOC_REMOVED;
		log_info(_("%s: document '%s' no longer linked"), p->id, known[i].url);
	}
	replaced = xcalloc(links.n ? links.n : 1, sizeof(*replaced));
	pair_replacements(&links, known, n_known, removed_rd, replaced);
	for (size_t i = 0; i < links.n; i++) {
		struct doc_job *dj = xcalloc(1, sizeof(*dj));
		dj->kind = JOB_DOCUMENT;
		dj->pj = job;
		dj->id = store_document_id(p->id, links.v[i].url);
		dj->url = xstrdup(links.v[i].url);
		dj->next = ctx->docs;
		ctx->docs = dj;
		if (store_page_state_light(ctx->store, dj->id, &dj->st) < 0) {
			log_error(_("cannot read the state of document '%s': %s"), dj->url,
				  store_errmsg(ctx->store));
			ctx->db_error = true;
			continue;
		}
		dj->light = true;
		dj->rd = rp->n_documents;
		struct report_document *rd = report_page_add_document(rp);
		rd->url = xstrdup(links.v[i].url);
		rd->title = xstrdup(links.v[i].title);
		rd->type = xstrdup(doc_type_name(links.v[i].type));
		rd->status = DOC_UNCHANGED;
		if (replaced[i] != SIZE_MAX && !dj->st.has_snapshot) {
			const struct store_document *old = &known[replaced[i]];
			struct page_state ost;
			if (store_page_state(ctx->store, old->id, &ost) == 0 && ost.has_snapshot) {
				dj->replaces = true;
				dj->replaced_rd = removed_rd[replaced[i]];
				dj->replaced_text = ost.text;
				ost.text = NULL;
			}
			store_page_state_release(&ost);
		}
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
	log_error(_("cannot record the documents of '%s': %s"), p->id, store_errmsg(ctx->store));
	ctx->db_error = true;
cleanup:
	free(removed_rd);
	free(replaced);
	free(sl);
	store_documents_free(known, n_known);
	doc_links_release(&links);
}

void docs_sweep(struct run_ctx *ctx)
{
	if (ctx->docs_done < 64)
		return;
	struct doc_job **pp = &ctx->docs;
	while (*pp) {
		struct doc_job *dj = *pp;
		if (dj->done) {
			*pp = dj->next;
			cli_doc_job_free(dj);
		} else {
			pp = &dj->next;
		}
	}
	ctx->docs_done = 0;
}

void cli_doc_job_free(struct doc_job *dj)
{
	if (dj->spill)
		unlink(dj->spill);   /* an interrupted run */
	free(dj->spill);
	free(dj->conv_key);
	fetch_result_release(&dj->held);
	store_page_state_release(&dj->st);
	fetch_result_release(&dj->first_res);
	free(dj->first_text);
	free(dj->first_note);
	free(dj->replaced_text);
	free(dj->id);
	free(dj->url);
	free(dj);
}

