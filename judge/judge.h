/*
 * judge.h - what a fetch means: the decision engine of a run.
 *
 * A watched item is a page of the watchlist or a document a page links
 * (a document is judged like a page with a parent). For each fetch of an
 * item the engine takes the item's stored state, this fetch's outcome and,
 * once it is known, its text, and says what happened: failed (with its
 * streak and whether to list it), unchanged (without or after a parse),
 * new, a new text to confirm by a second fetch, confirmed changed, changed
 * back within the run (flicker), or a baseline under new rules.
 *
 * It is pure: no SQLite, no curl, no printing, no clock of its own (the
 * caller passes `now`). The entry layer (cli/) runs the fetches and the
 * extractions the verdicts ask for, stores what the verdicts say and puts
 * them in the report; tests drive the engine directly (tests/judge/).
 *
 * The state machine, per item and per run:
 *
 *   fetch --failure--------------------------------> FAILED
 *         --304, or same bytes under same rules----> UNCHANGED
 *         --new bytes--> EXTRACT --(caller parses)--> judge_text():
 *              extraction or classification failed -> FAILED
 *              no stored text ----------------------> NEW
 *              rules changed since the stored text:
 *                 page -> REBASE (re-extract the stored body under today's
 *                         rules, then judge_text() again, rebased)
 *                 document -> BASELINE (stored quietly, not compared)
 *              same text ---------------------------> UNCHANGED (republished
 *                                                      when the stamp moved)
 *              other text --------------------------> CONFIRM (fetch again)
 *   a verdict other than FAILED after a streak the editors were told of
 *   (listed or acknowledged) is also a recovery, announced once
 *   FAILED of the kind an editor acknowledged is listed only as a weekly
 *   reminder; another kind ends the acknowledgement
 *   FAILED of a page as moved, not_found or no_content, the first night
 *   of its streak, also asks to search the site for the new address
 *
 *   confirming fetch --failure, or 304-------------> FLICKER
 *                    --same bytes as the first------> CHANGED
 *                    --other bytes--> EXTRACT --> judge_text():
 *                         same text as the first ---> CHANGED
 *                         anything else ------------> FLICKER
 *
 * Borrowed pointers stay the caller's; the engine keeps nothing.
 */
#ifndef PREFWATCH_JUDGE_H
#define PREFWATCH_JUDGE_H

#include "common/common.h"

enum judge_item { JUDGE_PAGE, JUDGE_DOCUMENT };

/* What the store holds of an item (borrowed view; NULL strings mean none). */
struct judge_state {
	bool has_snapshot;
	const char *text;
	const char *body_hash;      /* hash of the last good body */
	const char *rules_fp;       /* rules the stored text was extracted with */
	const char *final_url;      /* where the last good fetch ended */
	const char *page_updated;   /* the stored text's own update stamp (ISO) */
	int fail_count;             /* consecutive failed runs */
	time_t failing_since;       /* first failure of the streak, 0 if none */
	enum pw_failure last_failure; /* the streak's latest kind */
	/* an editor acknowledged the streak's failure (`prefwatch ack PAGE`) */
	enum pw_failure ack_failure;  /* the kind acknowledged, NONE if none */
	time_t ack_at;
	time_t ack_reminded_at;     /* last weekly reminder, 0 if none yet */
};

/* An acknowledged failure is listed again once this long after the
 * acknowledgement or its last reminder, while it lasts. */
#define JUDGE_ACK_REMIND_SECONDS ((time_t)7 * 24 * 3600)

/* How this run judges an item. */
struct judge_policy {
	enum judge_item item;
	const char *rules_fp;       /* the rules this run extracts with */
	long failure_threshold;     /* failed runs before a failure is listed (>= 1) */
};

/* This fetch, as the crawler gave it. */
struct judge_fetch {
	bool confirming;            /* the second fetch of a text to confirm */
	enum pw_failure failure;    /* PW_FAIL_NONE when a body came back */
	bool not_modified;          /* 304 */
	const char *body_hash;      /* of the body, when one came back */
	const char *first_hash;     /* confirming: the first fetch's body hash */
	/* for judge_moved() */
	bool permanent_redirect;
	const char *url;            /* the watched URL */
	const char *final_url;      /* where the fetch ended */
};

/* The text of a fetch with new bytes, once the caller extracted it. */
struct judge_text {
	bool confirming;
	/* extraction failed (failure set) or classified the page as not the
	 * procedure (moved, not_found, no_content: failure set) */
	enum pw_failure failure;
	bool truncated;             /* the text reached the extraction's cap and
				     * was cut: a too_large failure, never
				     * compared (nor believed when confirming) */
	const char *text;           /* when failure is PW_FAIL_NONE */
	const char *page_updated;   /* its update stamp (ISO) or NULL */
	const char *first_text;     /* confirming: the first fetch's text */
	bool rebased;               /* the stored text was re-extracted under
				     * today's rules already (after REBASE) */
};

enum judge_verdict {
	JUDGE_FAILED,      /* store the failure; the stored text stays */
	JUDGE_UNCHANGED,   /* nothing new; the streak is reset */
	JUDGE_EXTRACT,     /* new bytes: extract, then judge_text() */
	JUDGE_REBASE,      /* re-extract the stored body under today's rules,
			    * store it as a quiet baseline, judge_text() again */
	JUDGE_NEW,         /* first text: stored, reported as new */
	JUDGE_BASELINE,    /* text under new rules: stored, not reported */
	JUDGE_CONFIRM,     /* a new text: fetch again before believing it */
	JUDGE_CHANGED,     /* confirmed: store the first fetch's text, a change */
	JUDGE_FLICKER      /* changed then back within the run: unchanged, not reported */
};
const char *judge_verdict_name(enum judge_verdict v); /* "failed", ... */

struct judge_decision {
	enum judge_verdict verdict;
	/* FAILED */
	enum pw_failure failure;
	int fail_count;             /* the streak including this failure */
	time_t failing_since;
	bool listed;                /* shown to the editors tonight */
	bool acknowledged;          /* an editor acknowledged this kind of failure */
	bool reminder;              /* acknowledged, listed tonight as the weekly reminder */
	/* the page seems to have a new address (moved, not_found, no_content)
	 * and this is the first night of the streak: look for it on the site
	 * tonight, once (a page only; a document's new address is its page's) */
	bool search_new_address;
	/* UNCHANGED after a parse: the page's own stamp moved */
	bool republished;
	/* not FAILED: the item reads again after a failure the editors were
	 * told of (listed, or acknowledged); its streak began at
	 * st->failing_since */
	bool recovered;
};

/* Judges a fetch before any parse. */
void judge_fetch(const struct judge_policy *pol, const struct judge_state *st,
		 const struct judge_fetch *f, time_t now, struct judge_decision *out);

/* Judges the text of a fetch judge_fetch() sent to EXTRACT. */
void judge_text(const struct judge_policy *pol, const struct judge_state *st,
		const struct judge_text *t, time_t now, struct judge_decision *out);

/* A failure's streak and listing (what judge_fetch() and judge_text() use). */
void judge_failure(const struct judge_policy *pol, const struct judge_state *st,
		   enum pw_failure failure, time_t now, struct judge_decision *out);

/* Failures that usually mean the guide needs a new URL (or, for a
 * document, that the same bytes fail the same way tomorrow): listed the
 * first night, without a grace night. */
bool judge_listed_at_once(enum judge_item item, enum pw_failure f);

/* Whether a fetch that was not a failure ended, by a permanent redirect,
 * at a new official address (not the watched URL, not where the last good
 * fetch ended): said once, the night the page starts redirecting there.
 * (crawler_classify() already ruled out a redirect to a page without the
 * text, such as a site's home page.) */
bool judge_moved(const struct judge_state *st, const struct judge_fetch *f);

/* ---- stale against the law ----
 *
 * A legal event (watchlist's law table, folded phrases: pw_fold_words())
 * makes a page stale when the page still describes the text it replaced:
 *
 *   the page cites the event's own text (cited_as) -------> not stale
 *   stamped (page_updated) on or after the event's date ---> not stale
 *   stamped before it, and shows a sign (every phrase of
 *     one of the signs) or cites the replaced text -------> stale
 *   not stamped, and cites the replaced text -------------> stale, undated
 *     (a sign alone is not enough without a stamp: criteria such as
 *     « 5 ans de présence » may still be true of a recent page)
 *   anything else ------------------------------------------> not stale
 *
 * A flag is listed the night it is first raised, then once a week while
 * it lasts (judge_stale_due()); a flag that no longer applies goes away
 * without a word. Borrowed pointers stay the caller's. */
struct judge_law {
	const char *date;                 /* "YYYY-MM-DD" */
	const struct strvec *new_cites;   /* folded citations of the event's text */
	const struct strvec *old_cites;   /* folded citations of the replaced text */
	const struct strvec *const *signs; /* each: folded phrases that must all appear */
	size_t n_signs;
};

enum judge_stale_why { JUDGE_STALE_NO, JUDGE_STALE_CITES, JUDGE_STALE_SIGN };

struct judge_stale_verdict {
	enum judge_stale_why why;
	bool undated;               /* stale, and the page has no stamp */
	size_t index;               /* CITES: which old citation; SIGN: which sign */
};

/* Judges folded (pw_fold_words() of the page's text) against law, given
 * the page's own update stamp (ISO "YYYY-MM-DD...", or NULL). */
void judge_stale(const struct judge_law *law, const char *folded, const char *page_updated,
		 struct judge_stale_verdict *out);

/* A stale flag is listed again this long after it was last listed. */
#define JUDGE_STALE_REMIND_SECONDS ((time_t)7 * 24 * 3600)
/* Whether a flag last listed at reported_at (0: never) is listed tonight;
 * *reminder says it is the weekly reminder rather than the first time. */
bool judge_stale_due(time_t reported_at, time_t now, bool *reminder);

#endif
