/*
 * pages.c - what a page's fetch means, decided against its stored state.
 *
 * Each finished fetch of a page comes here (page_fetched()): a failure
 * keeps the stored snapshot and grows the page's failure streak; a 304 or
 * the same bytes under the same rules is unchanged without a parse; a new
 * text is fetched once more and believed only if the second fetch gives it
 * again; when the page's rules changed since its latest snapshot, the
 * stored HTML is re-extracted first and kept as a quiet baseline. Every
 * outcome is committed in its own transaction and added to the report.
 */
#include "common/common.h"
#include "common/url.h"

#include "cli/cli.h"
#include "cli/run.h"
#include "crawler/crawler.h"
#include "reports/report.h"
#include "store/store.h"
#include "watchlist/watchlist.h"

/* ---- small helpers ---- */

bool str_eq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

bool listed_at_once(enum pw_failure f)
{
	/* these usually mean the guide needs a new URL: no grace night */
	return f == PW_FAIL_MOVED || f == PW_FAIL_NOT_FOUND || f == PW_FAIL_NO_CONTENT;
}

const char *field_first(const struct fieldset *fs, const char *name)
{
	const struct field *f = fieldset_find(fs, name);
	return f && f->values.n ? f->values.v[0] : NULL;
}

void copy_fields(struct fieldset *dst, const struct fieldset *src)
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

void fill_fetch(struct page_outcome *o, const struct fetch_result *res)
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
	if (is_new)
		report_page_keep_text(ctx->report, rp, ex->text);
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

void drop_text(struct page_job *job)
{
	free(job->st.text);
	free(job->st.fields);
	job->st.text = job->st.fields = NULL;
	job->light = true;
}

/* "[123/400] www.nord.gouv.fr" on a terminal only, never in cron output. */
void show_progress(struct run_ctx *ctx, const char *url)
{
	if (!ctx->progress)
		return;
	char *host = pw_url_host(url);
	int hlen = (int)strlen(host);
	fprintf(stderr, "\r\033[K[%zu/%zu] %.*s", ctx->done, ctx->total, hlen > 60 ? 60 : hlen, host);
	free(host);
	if (ctx->done == ctx->total)
		fputc('\n', stderr);
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

void page_fetched(struct crawler *c, struct page_job *job, struct fetch_result *res,
		  struct run_ctx *ctx)
{
	struct extraction ex = { 0 };
	char *err = NULL;
	char hash[PW_HASH_HEX];
	const char *fp = extract_rules_fingerprint(job->rules);

	load_text(ctx, job);
	if (job->confirming) {
		job->confirming = false;
		confirm_change(ctx, job, res);
		extraction_release(&job->first);
		fetch_result_release(&job->first_res);
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

