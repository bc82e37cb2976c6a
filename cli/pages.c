/*
 * pages.c - what a page's fetch means, decided against its stored state.
 *
 * Each finished fetch of a page comes here (cli_page_fetched()): a failure
 * keeps the stored snapshot and grows the page's failure streak; a 304 or
 * the same bytes under the same rules is unchanged without a parse; a new
 * text is fetched once more and believed only if the second fetch gives it
 * again; when the page's rules changed since its latest snapshot, the
 * stored HTML is re-extracted first and kept as a quiet baseline. Every
 * outcome is committed in its own transaction and added to the report.
 */
#include "common/common.h"
#include "common/url.h"

#include <assert.h>

#include "cli/cli.h"
#include "cli/run.h"
#include "crawler/crawler.h"
#include "judge/judge.h"
#include "reports/report.h"
#include "store/store.h"
#include "watchlist/watchlist.h"

/* ---- small helpers ---- */

bool str_eq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
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
		log_error(_("cannot store page '%s': %s"), job->page->id, store_errmsg(ctx->store));
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
			 const struct fetch_result *res, bool ok)
{
	rp->http_status = res->http_status;
	free(rp->final_url);
	rp->final_url = xstrdup(res->final_url);
	if (ok) {
		struct judge_state st = { .final_url = job->st.final_url };
		struct judge_fetch f = {
			.permanent_redirect = res->permanent_redirect,
			.url = job->page->url,
			.final_url = res->final_url,
		};
		/* the official address changed: the editors must copy it */
		rp->url_moved = judge_moved(&st, &f);
	} else {
		rp->url_moved = false;
	}
}

/* ---- outcomes ---- */

static void page_failed(struct run_ctx *ctx, struct page_job *job, const struct fetch_result *res,
			const struct judge_decision *d, const char *error)
{
	struct report_page *rp = &ctx->report->pages[job->rp];
	struct page_outcome o = { 0 };
	struct outcome_ids ids;
	fill_fetch(&o, res);
	o.kind = OUTCOME_FAILED;
	o.failure = d->failure;
	o.error = error;
	o.ack_reminded = d->reminder;
	commit(ctx, job, &o, &ids);

	report_fetch(rp, job, res, false);
	rp->status = PAGE_FAILED;
	rp->failure = d->failure;
	rp->error = xstrdup(error ? error : pw_failure_name(d->failure));
	rp->fail_count = d->fail_count;
	rp->failing_since = d->failing_since;
	rp->listed = d->listed;
	rp->acknowledged = d->acknowledged;
	rp->ack_reminder = d->reminder;
	ctx->counts.failed++;
	log_info(_("%s: failed (%s): %s"), job->page->id, pw_failure_name(d->failure), rp->error);
	if (d->search_new_address)
		relocate_want(ctx, job, res);
}

static void page_unchanged(struct run_ctx *ctx, struct page_job *job, const struct fetch_result *res,
			   const char *body_hash, const struct extraction *ex, bool republished,
			   const struct fieldset *stored)
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

	report_fetch(rp, job, res, true);
	rp->status = PAGE_UNCHANGED;
	if (ex) {
		const char *now = field_first(&ex->fields, "page_updated");
		rp->page_updated = xstrdup(now);
		rp->republished = republished;
	}
	ctx->counts.unchanged++;
	log_debug("%s: unchanged", job->page->id);
	if (ex) {
		follow_documents(ctx, job, res->final_url, ex->text, &ex->fields);
	} else {
		/* 304 or same bytes: the stored text holds the same links
		 * (stored: job->st.fields as the caller parsed them) */
		follow_documents(ctx, job, res->final_url ? res->final_url : job->st.final_url,
				 job->st.text, stored);
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
	struct store_exchange xe;
	char xsha[65];

	fill_fetch(&o, res);
	o.kind = is_new ? OUTCOME_NEW : OUTCOME_CHANGED;
	/* the version starts here: keep what was served, as proof */
	if (cli_exchange_of(res, &xe, xsha))
		o.exchange = &xe;
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

	report_fetch(rp, job, res, true);
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
		if (o.exchange && ids.change_id) {
			ch->evidence_at = xe.at;
			ch->evidence_sha256 = xstrdup(xsha);
		}
		rp->change = ch;
		ctx->counts.changed++;
		log_info(_("%s: changed (change #%lld)"), job->page->id, (long long)ids.change_id);
	} else {
		ctx->counts.new_pages++;
		log_info(_("%s: new"), job->page->id);
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
		log_warn(_("%s: cannot read the stored page to re-extract it: %s"), job->page->id,
			 store_errmsg(ctx->store));
		goto cleanup;
	}
	if (extract_html(html, len, job->st.final_url ? job->st.final_url : job->page->url,
			 job->rules, &ex, &err) < 0) {
		log_warn(_("%s: cannot re-extract the stored page: %s"), job->page->id, err);
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

	/* an upgraded extractor is not a rule change the editors made */
	ctx->report->pages[job->rp].rules_changed =
		!extract_rules_only_extractor_changed(job->rules, job->st.rules_fp);
	log_info(_("%s: extraction rules changed, stored page re-extracted as the new baseline"),
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
		log_error(_("cannot read the state of '%s': %s"), job->page->id, store_errmsg(ctx->store));
		ctx->db_error = true;
		return;
	}
	job->st.text = full.text;
	job->st.fields = full.fields;
	full.text = full.fields = NULL;
	store_page_state_release(&full);
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

/* The engine's view of a job's stored state (borrowed from job->st). */
static void state_view(const struct page_job *job, const struct fieldset *stored_fields,
		       struct judge_state *st)
{
	*st = (struct judge_state){
		.has_snapshot = job->st.has_snapshot,
		.text = job->st.text,
		.body_hash = job->st.body_hash,
		.rules_fp = job->st.rules_fp,
		.final_url = job->st.final_url,
		.page_updated = field_first(stored_fields, "page_updated"),
		.fail_count = job->st.fail_count,
		.failing_since = job->st.failing_since,
		.last_failure = pw_failure_from_name(job->st.last_failure),
		.ack_failure = pw_failure_from_name(job->st.ack_failure),
		.ack_at = job->st.ack_at,
		.ack_reminded_at = job->st.ack_reminded_at,
	};
}

void page_first_free(struct page_first *f)
{
	if (!f)
		return;
	extraction_release(&f->ex);
	fetch_result_release(&f->res);
	free(f);
}

static void fetch_view(const struct page_job *job, const struct fetch_result *res,
		       const char *hash, struct judge_fetch *f)
{
	*f = (struct judge_fetch){
		.confirming = job->confirming,
		.failure = res->failure,
		.not_modified = res->not_modified,
		.body_hash = hash,
		.first_hash = job->first ? job->first->hash : "",
		.permanent_redirect = res->permanent_redirect,
		.url = job->page->url,
		.final_url = res->final_url,
	};
}

/* Fetches the page again before believing its new text (ex, moved into
 * the job). Pages awaiting confirmation can be many (their second fetch
 * queues behind the others of the same host): keep the first fetch's
 * text, hash and headers, not its bodies. */
static void ask_confirmation(struct crawler *c, struct run_ctx *ctx, struct page_job *job,
			     struct fetch_result *res, const char *hash, struct extraction *ex)
{
	ctx->done--;
	job->confirming = true;
	struct page_first *f = xcalloc(1, sizeof(*f));
	page_first_free(job->first);
	job->first = f;
	f->ex = *ex;
	memset(ex, 0, sizeof(*ex));
	f->res = *res;
	memset(res, 0, sizeof(*res));
	memcpy(f->hash, hash, PW_HASH_HEX);
	free(f->res.body);
	free(f->res.html);
	f->res.body = f->res.html = NULL;
	f->res.body_len = f->res.html_len = 0;
	struct fetch_request again = { .url = job->page->url, .data = job };
	crawler_add(c, &again);
}

/* Acts on the engine's verdict for a fetch (and, after EXTRACT, its text). */
static void page_act(struct crawler *c, struct run_ctx *ctx, struct page_job *job,
		     struct fetch_result *res, const char *hash, struct extraction *ex,
		     const struct judge_decision *d, const char *error,
		     const struct fieldset *stored)
{
	if (d->recovered && d->verdict != JUDGE_CONFIRM) {
		/* the editors were told it failed: tell them it reads again */
		struct report_page *rp = &ctx->report->pages[job->rp];
		rp->recovered = true;
		rp->was_failing_since = job->st.failing_since;
		log_info(_("%s: readable again (failing since %lld)"), job->page->id,
			 (long long)job->st.failing_since);
	}
	switch (d->verdict) {
	case JUDGE_FAILED:
		page_failed(ctx, job, res, d, error);
		break;
	case JUDGE_UNCHANGED:
		page_unchanged(ctx, job, res, hash, ex->text ? ex : NULL, d->republished, stored);
		break;
	case JUDGE_FLICKER:
		log_info(_("%s: text changed then changed back within the run; not reported"),
			 job->page->id);
		page_unchanged(ctx, job, res->failure && job->first ? &job->first->res : res, NULL, NULL,
			       false, stored);
		break;
	case JUDGE_NEW:
		page_has_text(ctx, job, res, hash, ex, true);
		break;
	case JUDGE_CHANGED:
		/* the second fetch holds the first one's text: its body is the one stored */
		page_has_text(ctx, job, res, hash, &job->first->ex, false);
		break;
	case JUDGE_CONFIRM:
		ask_confirmation(c, ctx, job, res, hash, ex);
		break;
	case JUDGE_EXTRACT:
	case JUDGE_REBASE:
	case JUDGE_BASELINE:
		/* handled by cli_page_fetched() / not given for pages */
		assert(!"verdict not acted on here");
		break;
	}
}

void cli_page_fetched(struct crawler *c, struct page_job *job, struct fetch_result *res,
		  struct run_ctx *ctx)
{
	struct extraction ex = { 0 };
	struct fieldset stored_fields = FIELDSET_INIT;
	char *err = NULL, *msg = NULL;
	char hash[PW_HASH_HEX] = "";
	const char *error = res->error;
	struct judge_policy pol = {
		.item = JUDGE_PAGE,
		.rules_fp = extract_rules_fingerprint(job->rules),
		.failure_threshold = ctx->failure_threshold,
	};
	struct judge_state st;
	struct judge_fetch f;
	struct judge_decision d;
	bool confirming = job->confirming;

	load_text(ctx, job);
	fieldset_parse(&stored_fields, job->st.fields);
	state_view(job, &stored_fields, &st);
	if (!res->failure && !res->not_modified && res->body_hash[0])
		memcpy(hash, res->body_hash, sizeof(hash));   /* hashed as it arrived */
	else if (!res->failure && !res->not_modified)
		pw_hash_hex(res->body, res->body_len, hash);
	fetch_view(job, res, hash, &f);
	judge_fetch(&pol, &st, &f, time(NULL), &d);

	if (d.verdict == JUDGE_EXTRACT) {
		struct judge_text t = {
			.confirming = confirming,
			.first_text = job->first ? job->first->ex.text : NULL,
		};
		if (extract_html(res->html, res->html_len, res->final_url, job->rules, &ex, &err) < 0) {
			t.failure = PW_FAIL_BAD_CONTENT;
			error = err;
		} else if (ex.truncated) {
			/* judge_text() fails it: never diffed as if whole */
			t.truncated = true;
			error = PW_ERROR_TEXT_TRUNCATED;
		} else if (!confirming) {
			t.failure = crawler_classify(job->page->url, res, &ex);
			if (t.failure) {
				msg = xasprintf("%s (HTTP %ld, %s)", pw_failure_name(t.failure),
						res->http_status,
						res->final_url ? res->final_url : job->page->url);
				error = msg;
			}
		}
		t.text = ex.text;
		t.page_updated = field_first(&ex.fields, "page_updated");
		judge_text(&pol, &st, &t, time(NULL), &d);
		if (d.verdict == JUDGE_REBASE) {
			rebase_on_new_rules(ctx, job);
			fieldset_release(&stored_fields);
			fieldset_parse(&stored_fields, job->st.fields);
			state_view(job, &stored_fields, &st);
			t.rebased = true;
			judge_text(&pol, &st, &t, time(NULL), &d);
		}
	}

	/* a page awaiting confirmation is not done yet; every other path is */
	ctx->done++;
	show_progress(ctx, job->page->url);
	if (confirming)
		job->confirming = false;
	page_act(c, ctx, job, res, hash, &ex, &d, error, &stored_fields);
	if (confirming) {
		page_first_free(job->first);
		job->first = NULL;
	}

	if (!job->confirming)
		drop_text(job);
	fieldset_release(&stored_fields);
	extraction_release(&ex);
	free(err);
	free(msg);
}
