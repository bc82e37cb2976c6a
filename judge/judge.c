/*
 * judge.c - the decision engine (see judge.h for the state machine).
 *
 * Every function here is a pure function of its arguments. The rules it
 * encodes were in the entry layer before (cli/pages.c, cli/documents.c,
 * one copy for pages, one for documents); they are the product's promise:
 * never miss a change (any other text is confirmed, then reported), never
 * cry wolf (a text must come back twice to be believed, and a change of
 * our own rules is a quiet baseline), and a broken page is a failure with
 * a streak, never a change.
 */
#include "common/common.h"

#include "judge/judge.h"

static bool same_str(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

const char *judge_verdict_name(enum judge_verdict v)
{
	static const char *const names[] = {
		[JUDGE_FAILED] = "failed",     [JUDGE_UNCHANGED] = "unchanged",
		[JUDGE_EXTRACT] = "extract",   [JUDGE_REBASE] = "rebase",
		[JUDGE_NEW] = "new",           [JUDGE_BASELINE] = "baseline",
		[JUDGE_CONFIRM] = "confirm",   [JUDGE_CHANGED] = "changed",
		[JUDGE_FLICKER] = "flicker",
	};
	return (unsigned)v < sizeof(names) / sizeof(names[0]) ? names[v] : "?";
}

bool judge_listed_at_once(enum judge_item item, enum pw_failure f)
{
	if (f == PW_FAIL_MOVED || f == PW_FAIL_NOT_FOUND || f == PW_FAIL_NO_CONTENT)
		return true;
	/* a document's bytes are what they are: they fail the same way
	 * tomorrow, so a grace night would only delay the news */
	return item == JUDGE_DOCUMENT && (f == PW_FAIL_BAD_CONTENT || f == PW_FAIL_TOO_LARGE);
}

bool judge_moved(const struct judge_state *st, const struct judge_fetch *f)
{
	return f->permanent_redirect && f->final_url && f->url && strcmp(f->final_url, f->url) &&
	       /* said once: the night the page starts redirecting there */
	       !same_str(f->final_url, st->final_url);
}

void judge_failure(const struct judge_policy *pol, const struct judge_state *st,
		   enum pw_failure failure, time_t now, struct judge_decision *out)
{
	long threshold = pol->failure_threshold > 0 ? pol->failure_threshold : 1;
	memset(out, 0, sizeof(*out));
	out->verdict = JUDGE_FAILED;
	out->failure = failure;
	out->fail_count = st->fail_count + 1;
	out->failing_since = st->failing_since ? st->failing_since : now;
	out->listed = out->fail_count >= threshold || judge_listed_at_once(pol->item, failure);
	/* once per streak: a search every night would cost the site the same
	 * requests for the same answer */
	out->search_new_address = pol->item == JUDGE_PAGE && st->fail_count == 0 &&
				  (failure == PW_FAIL_MOVED || failure == PW_FAIL_NOT_FOUND ||
				   failure == PW_FAIL_NO_CONTENT);
	if (st->fail_count > 0 && st->ack_failure != PW_FAIL_NONE && st->ack_failure == failure) {
		/* known to the editors: a weekly reminder, not a nightly alarm */
		time_t last = st->ack_reminded_at > st->ack_at ? st->ack_reminded_at : st->ack_at;
		out->acknowledged = true;
		out->reminder = now - last >= JUDGE_ACK_REMIND_SECONDS;
		out->listed = out->reminder;
	}
}

/* Whether the editors were told of the item's current failure streak. */
static bool streak_was_told(const struct judge_policy *pol, const struct judge_state *st)
{
	long threshold = pol->failure_threshold > 0 ? pol->failure_threshold : 1;
	if (st->fail_count <= 0)
		return false;
	return st->fail_count >= threshold || st->ack_failure != PW_FAIL_NONE ||
	       judge_listed_at_once(pol->item, st->last_failure);
}

static void verdict(struct judge_decision *out, enum judge_verdict v,
		    const struct judge_policy *pol, const struct judge_state *st)
{
	memset(out, 0, sizeof(*out));
	out->verdict = v;
	/* a first text after failures is new, not "back" */
	out->recovered = st->has_snapshot && streak_was_told(pol, st);
}

void judge_fetch(const struct judge_policy *pol, const struct judge_state *st,
		 const struct judge_fetch *f, time_t now, struct judge_decision *out)
{
	if (f->confirming) {
		/* The confirming fetch asks for the whole body (no validators):
		 * a failure or a 304 cannot confirm the first text. */
		if (f->failure || f->not_modified)
			verdict(out, JUDGE_FLICKER, pol, st);
		else if (same_str(f->body_hash, f->first_hash))
			verdict(out, JUDGE_CHANGED, pol, st); /* same bytes, same rules: same text */
		else
			verdict(out, JUDGE_EXTRACT, pol, st);
	} else if (f->failure) {
		judge_failure(pol, st, f->failure, now, out);
	} else if (f->not_modified) {
		verdict(out, JUDGE_UNCHANGED, pol, st);
	} else if (st->has_snapshot && same_str(f->body_hash, st->body_hash) &&
		   same_str(pol->rules_fp, st->rules_fp)) {
		/* the same bytes under the same rules give the same text: no parse */
		verdict(out, JUDGE_UNCHANGED, pol, st);
	} else {
		verdict(out, JUDGE_EXTRACT, pol, st);
	}
}

void judge_text(const struct judge_policy *pol, const struct judge_state *st,
		const struct judge_text *t, time_t now, struct judge_decision *out)
{
	/* a cut text is not the page's text: never diffed as if whole */
	enum pw_failure failure = t->truncated ? PW_FAIL_TOO_LARGE : t->failure;
	if (t->confirming) {
		/* believed only if the second fetch gives the same text again */
		verdict(out, !failure && same_str(t->text, t->first_text) ? JUDGE_CHANGED
									  : JUDGE_FLICKER,
			pol, st);
		return;
	}
	if (failure) {
		judge_failure(pol, st, failure, now, out);
		/* the same page is cut the same way tomorrow: no grace night */
		if (t->truncated && !out->acknowledged)
			out->listed = true;
		return;
	}
	if (!st->has_snapshot) {
		verdict(out, JUDGE_NEW, pol, st);
		return;
	}
	if (!same_str(pol->rules_fp, st->rules_fp) && !t->rebased) {
		/* Our rules changed, not the page. A page's stored body is
		 * re-extracted and becomes the baseline it is compared with; a
		 * document's new text is the baseline (its converters' output
		 * is what changed). */
		verdict(out, pol->item == JUDGE_PAGE ? JUDGE_REBASE : JUDGE_BASELINE, pol, st);
		return;
	}
	if (same_str(t->text, st->text)) {
		verdict(out, JUDGE_UNCHANGED, pol, st);
		/* same text, other update stamp: a quiet line, not an alert */
		out->republished = t->page_updated && st->page_updated &&
				   strcmp(t->page_updated, st->page_updated);
		return;
	}
	verdict(out, JUDGE_CONFIRM, pol, st);
}

/* ---- stale against the law ---- */

static bool cites(const struct strvec *phrases, const char *folded, size_t *index)
{
	for (size_t i = 0; phrases && i < phrases->n; i++) {
		if (strstr(folded, phrases->v[i])) {
			*index = i;
			return true;
		}
	}
	return false;
}

static bool shows_sign(const struct judge_law *law, const char *folded, size_t *index)
{
	for (size_t i = 0; i < law->n_signs; i++) {
		const struct strvec *sg = law->signs[i];
		size_t j = 0;
		while (j < sg->n && strstr(folded, sg->v[j]))
			j++;
		if (sg->n && j == sg->n) {
			*index = i;
			return true;
		}
	}
	return false;
}

void judge_stale(const struct judge_law *law, const char *folded, const char *page_updated,
		 struct judge_stale_verdict *out)
{
	size_t i;
	memset(out, 0, sizeof(*out));
	if (!folded || cites(law->new_cites, folded, &i))
		return;
	bool dated = page_updated && strlen(page_updated) >= 10;
	/* ISO dates compare as strings; only the day counts (a page updated
	 * on the day of the event may already follow it) */
	if (dated && strncmp(page_updated, law->date, 10) >= 0)
		return;
	if (cites(law->old_cites, folded, &out->index))
		out->why = JUDGE_STALE_CITES;
	else if (dated && shows_sign(law, folded, &out->index))
		out->why = JUDGE_STALE_SIGN;
	out->undated = out->why != JUDGE_STALE_NO && !dated;
}

bool judge_stale_due(time_t reported_at, time_t now, bool *reminder)
{
	*reminder = false;
	if (!reported_at)
		return true;
	if (now - reported_at >= JUDGE_STALE_REMIND_SECONDS) {
		*reminder = true;
		return true;
	}
	return false;
}
