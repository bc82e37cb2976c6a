/*
 * test_judge.c - the decision engine, driven directly.
 *
 * First a table: each row is a stored state, one fetch (and its text when
 * the fetch asks for a parse), and the expected verdict with its streak.
 * Then a property test: random sequences of nights (text changes, noise,
 * failures of every kind, 304s, flicker between the two fetches of a
 * change, rule changes) run through the engine with a small simulated
 * store, against a naive reference of what must be reported; they must
 * agree night by night, and nothing is reported twice.
 */
#include "common/common.h"

#include "judge/judge.h"
#include "tests/common/test.h"

#define DOC_FP "d1"
#define T0 ((time_t)1764720000) /* 2025-12-03 00:00 UTC */
#define DAY ((time_t)86400)

/* ---------------- the table ---------------- */

enum stage { AT_FETCH, AT_TEXT };

struct row {
	const char *name;
	enum judge_item item;
	long threshold;
	const char *rules_fp;           /* this run's rules */
	struct judge_state st;
	enum stage stage;
	struct judge_fetch f;           /* AT_FETCH */
	struct judge_text t;            /* AT_TEXT */
	enum judge_verdict want;
	int want_fail_count;            /* FAILED */
	time_t want_since;
	bool want_listed;
	bool want_republished;
	bool want_ack, want_reminder;   /* FAILED */
	bool want_recovered;            /* not FAILED */
	bool want_search;               /* FAILED: search_new_address */
};

/* Rows override the defaults of STORED() and FIRST() field by field. */
#pragma GCC diagnostic ignored "-Woverride-init"

/* A page stored with text "A" from body hash "h1" under rules "r1". */
#define STORED(...) { .has_snapshot = true, .text = "A", .body_hash = "h1", \
	.rules_fp = "r1", .final_url = "https://p.fr/aes", .page_updated = "2023-02-02", \
	__VA_ARGS__ }
#define FIRST(...) { .url = "https://p.fr/aes", .final_url = "https://p.fr/aes", __VA_ARGS__ }

static const struct row rows[] = {
	/* a page that seems to have moved searches its new address once (the
	 * first night of its streak: the rows "listed at once" below) */
	{ "second night of a 404: no new search", JUDGE_PAGE, 2, "r1",
	  STORED(.fail_count = 1, .failing_since = T0 - DAY, .last_failure = PW_FAIL_NOT_FOUND),
	  AT_FETCH, .f = FIRST(.failure = PW_FAIL_NOT_FOUND), .want = JUDGE_FAILED,
	  .want_fail_count = 2, .want_since = T0 - DAY, .want_listed = true },
	{ "a 404 after a timeout streak: no search", JUDGE_PAGE, 2, "r1",
	  STORED(.fail_count = 1, .failing_since = T0 - DAY, .last_failure = PW_FAIL_TIMEOUT),
	  AT_FETCH, .f = FIRST(.failure = PW_FAIL_NOT_FOUND), .want = JUDGE_FAILED,
	  .want_fail_count = 2, .want_since = T0 - DAY, .want_listed = true },
	{ "a timeout does not search", JUDGE_PAGE, 1, "r1", STORED(), AT_FETCH,
	  .f = FIRST(.failure = PW_FAIL_TIMEOUT), .want = JUDGE_FAILED, .want_fail_count = 1,
	  .want_since = T0, .want_listed = true },
	{ "a document's 404 does not search", JUDGE_DOCUMENT, 2, "d1", STORED(.rules_fp = "d1"),
	  AT_FETCH, .f = FIRST(.failure = PW_FAIL_NOT_FOUND), .want = JUDGE_FAILED,
	  .want_fail_count = 1, .want_since = T0, .want_listed = true },
	/* failures and their streaks */
	{ "first failure of a page waits a night", JUDGE_PAGE, 2, "r1", STORED(), AT_FETCH,
	  .f = FIRST(.failure = PW_FAIL_TIMEOUT), .want = JUDGE_FAILED,
	  .want_fail_count = 1, .want_since = T0, .want_listed = false },
	{ "second failure is listed", JUDGE_PAGE, 2, "r1",
	  STORED(.fail_count = 1, .failing_since = T0 - DAY), AT_FETCH,
	  .f = FIRST(.failure = PW_FAIL_CONNECT), .want = JUDGE_FAILED,
	  .want_fail_count = 2, .want_since = T0 - DAY, .want_listed = true },
	{ "threshold 3: second failure not yet listed", JUDGE_PAGE, 3, "r1",
	  STORED(.fail_count = 1, .failing_since = T0 - DAY), AT_FETCH,
	  .f = FIRST(.failure = PW_FAIL_HTTP_ERROR), .want = JUDGE_FAILED,
	  .want_fail_count = 2, .want_since = T0 - DAY, .want_listed = false },
	{ "threshold 0 means 1", JUDGE_PAGE, 0, "r1", STORED(), AT_FETCH,
	  .f = FIRST(.failure = PW_FAIL_DNS), .want = JUDGE_FAILED,
	  .want_fail_count = 1, .want_since = T0, .want_listed = true },
	{ "a 404 is listed at once", JUDGE_PAGE, 2, "r1", STORED(), AT_FETCH,
	  .f = FIRST(.failure = PW_FAIL_NOT_FOUND), .want = JUDGE_FAILED,
	  .want_fail_count = 1, .want_since = T0, .want_listed = true,
	  .want_search = true },
	{ "a move to the home page is listed at once", JUDGE_PAGE, 2, "r1", STORED(), AT_FETCH,
	  .f = FIRST(.failure = PW_FAIL_MOVED), .want = JUDGE_FAILED,
	  .want_fail_count = 1, .want_since = T0, .want_listed = true,
	  .want_search = true },
	{ "a page without text (classified) is listed at once", JUDGE_PAGE, 2, "r1", STORED(),
	  AT_TEXT, .t = { .failure = PW_FAIL_NO_CONTENT }, .want = JUDGE_FAILED,
	  .want_fail_count = 1, .want_since = T0, .want_listed = true,
	  .want_search = true },
	{ "a soft 404 (classified) is listed at once", JUDGE_PAGE, 2, "r1", STORED(), AT_TEXT,
	  .t = { .failure = PW_FAIL_NOT_FOUND, .text = "Page introuvable" },
	  .want = JUDGE_FAILED, .want_fail_count = 1, .want_since = T0, .want_listed = true,
	  .want_search = true },
	{ "a text cut at its cap fails too_large, listed at once, not compared", JUDGE_PAGE, 2,
	  "r1", STORED(), AT_TEXT, .t = { .truncated = true, .text = "A cut" },
	  .want = JUDGE_FAILED, .want_fail_count = 1, .want_since = T0, .want_listed = true },
	{ "a text cut at its cap confirms nothing", JUDGE_PAGE, 2, "r1", STORED(), AT_TEXT,
	  .t = { .confirming = true, .truncated = true, .text = "B", .first_text = "B" },
	  .want = JUDGE_FLICKER },
	{ "a page's unparsable body waits a night", JUDGE_PAGE, 2, "r1", STORED(), AT_TEXT,
	  .t = { .failure = PW_FAIL_BAD_CONTENT }, .want = JUDGE_FAILED,
	  .want_fail_count = 1, .want_since = T0, .want_listed = false },
	{ "a document's unconvertible file is listed at once", JUDGE_DOCUMENT, 2, "d1",
	  STORED(.rules_fp = "d1"), AT_TEXT, .t = { .failure = PW_FAIL_BAD_CONTENT },
	  .want = JUDGE_FAILED, .want_fail_count = 1, .want_since = T0, .want_listed = true },
	{ "a document too large is listed at once", JUDGE_DOCUMENT, 2, "d1",
	  STORED(.rules_fp = "d1"), AT_FETCH, .f = FIRST(.failure = PW_FAIL_TOO_LARGE),
	  .want = JUDGE_FAILED, .want_fail_count = 1, .want_since = T0, .want_listed = true },
	{ "a page too large waits a night", JUDGE_PAGE, 2, "r1", STORED(), AT_FETCH,
	  .f = FIRST(.failure = PW_FAIL_TOO_LARGE), .want = JUDGE_FAILED,
	  .want_fail_count = 1, .want_since = T0, .want_listed = false },
	{ "a never-read page fails too", JUDGE_PAGE, 2, "r1", { 0 }, AT_FETCH,
	  .f = FIRST(.failure = PW_FAIL_TLS), .want = JUDGE_FAILED,
	  .want_fail_count = 1, .want_since = T0, .want_listed = false },

	/* no parse needed */
	{ "304 is unchanged", JUDGE_PAGE, 2, "r1", STORED(), AT_FETCH,
	  .f = FIRST(.not_modified = true), .want = JUDGE_UNCHANGED },
	{ "304 after failures recovers", JUDGE_PAGE, 2, "r1",
	  STORED(.fail_count = 4, .failing_since = T0 - 4 * DAY), AT_FETCH,
	  .f = FIRST(.not_modified = true), .want = JUDGE_UNCHANGED, .want_recovered = true },
	{ "same bytes, same rules: no parse", JUDGE_PAGE, 2, "r1", STORED(), AT_FETCH,
	  .f = FIRST(.body_hash = "h1"), .want = JUDGE_UNCHANGED },
	{ "same bytes, other rules: parse", JUDGE_PAGE, 2, "r2", STORED(), AT_FETCH,
	  .f = FIRST(.body_hash = "h1"), .want = JUDGE_EXTRACT },
	{ "other bytes: parse", JUDGE_PAGE, 2, "r1", STORED(), AT_FETCH,
	  .f = FIRST(.body_hash = "h2"), .want = JUDGE_EXTRACT },
	{ "never read: parse", JUDGE_PAGE, 2, "r1", { 0 }, AT_FETCH,
	  .f = FIRST(.body_hash = "h1"), .want = JUDGE_EXTRACT },
	{ "document: same bytes, same normaliser", JUDGE_DOCUMENT, 2, "d1",
	  STORED(.rules_fp = "d1"), AT_FETCH, .f = FIRST(.body_hash = "h1"),
	  .want = JUDGE_UNCHANGED },

	/* the text decides */
	{ "first text is new", JUDGE_PAGE, 2, "r1", { 0 }, AT_TEXT, .t = { .text = "A" },
	  .want = JUDGE_NEW },
	{ "first text after failures is new", JUDGE_PAGE, 2, "r1",
	  { .fail_count = 3, .failing_since = T0 - 3 * DAY }, AT_TEXT, .t = { .text = "A" },
	  .want = JUDGE_NEW },
	{ "same text from other bytes", JUDGE_PAGE, 2, "r1", STORED(), AT_TEXT,
	  .t = { .text = "A", .page_updated = "2023-02-02" }, .want = JUDGE_UNCHANGED },
	{ "same text, stamp moved: republished", JUDGE_PAGE, 2, "r1", STORED(), AT_TEXT,
	  .t = { .text = "A", .page_updated = "2026-12-01" }, .want = JUDGE_UNCHANGED,
	  .want_republished = true },
	{ "same text, stamp appears: not republished", JUDGE_PAGE, 2, "r1",
	  STORED(.page_updated = NULL), AT_TEXT, .t = { .text = "A", .page_updated = "2026-12-01" },
	  .want = JUDGE_UNCHANGED },
	{ "other text: confirm", JUDGE_PAGE, 2, "r1", STORED(), AT_TEXT, .t = { .text = "B" },
	  .want = JUDGE_CONFIRM },
	{ "other text while failing: confirm", JUDGE_PAGE, 2, "r1",
	  STORED(.fail_count = 2, .failing_since = T0 - 2 * DAY), AT_TEXT, .t = { .text = "B" },
	  .want = JUDGE_CONFIRM, .want_recovered = true },
	{ "page rules changed: rebase first", JUDGE_PAGE, 2, "r2", STORED(), AT_TEXT,
	  .t = { .text = "B" }, .want = JUDGE_REBASE },
	{ "page rules changed, rebased, same text", JUDGE_PAGE, 2, "r2",
	  STORED(.rules_fp = "r2", .text = "B"), AT_TEXT, .t = { .text = "B", .rebased = true },
	  .want = JUDGE_UNCHANGED },
	{ "page rules changed, stored body unreadable: compare anyway", JUDGE_PAGE, 2, "r2",
	  STORED(), AT_TEXT, .t = { .text = "B", .rebased = true }, .want = JUDGE_CONFIRM },
	{ "document normaliser changed: baseline", JUDGE_DOCUMENT, 2, "d2",
	  STORED(.rules_fp = "d1"), AT_TEXT, .t = { .text = "B" }, .want = JUDGE_BASELINE },
	{ "document other text: confirm", JUDGE_DOCUMENT, 2, "d1", STORED(.rules_fp = "d1"),
	  AT_TEXT, .t = { .text = "B" }, .want = JUDGE_CONFIRM },
	{ "document same text from a re-export", JUDGE_DOCUMENT, 2, "d1",
	  STORED(.rules_fp = "d1"), AT_TEXT, .t = { .text = "A" }, .want = JUDGE_UNCHANGED },

	/* the confirming fetch */
	{ "confirm: same bytes as the first", JUDGE_PAGE, 2, "r1", STORED(), AT_FETCH,
	  .f = FIRST(.confirming = true, .body_hash = "h2", .first_hash = "h2"),
	  .want = JUDGE_CHANGED },
	{ "confirm: other bytes, parse", JUDGE_PAGE, 2, "r1", STORED(), AT_FETCH,
	  .f = FIRST(.confirming = true, .body_hash = "h3", .first_hash = "h2"),
	  .want = JUDGE_EXTRACT },
	{ "confirm: failure is flicker, not a failure", JUDGE_PAGE, 2, "r1", STORED(), AT_FETCH,
	  .f = FIRST(.confirming = true, .failure = PW_FAIL_TIMEOUT, .first_hash = "h2"),
	  .want = JUDGE_FLICKER },
	{ "confirm: 304 cannot confirm", JUDGE_PAGE, 2, "r1", STORED(), AT_FETCH,
	  .f = FIRST(.confirming = true, .not_modified = true, .first_hash = "h2"),
	  .want = JUDGE_FLICKER },
	{ "confirm: same text from other bytes", JUDGE_PAGE, 2, "r1", STORED(), AT_TEXT,
	  .t = { .confirming = true, .text = "B", .first_text = "B" }, .want = JUDGE_CHANGED },
	{ "confirm: back to the stored text", JUDGE_PAGE, 2, "r1", STORED(), AT_TEXT,
	  .t = { .confirming = true, .text = "A", .first_text = "B" }, .want = JUDGE_FLICKER },
	{ "confirm: a third text", JUDGE_PAGE, 2, "r1", STORED(), AT_TEXT,
	  .t = { .confirming = true, .text = "C", .first_text = "B" }, .want = JUDGE_FLICKER },
	{ "confirm: unparsable second body", JUDGE_PAGE, 2, "r1", STORED(), AT_TEXT,
	  .t = { .confirming = true, .failure = PW_FAIL_BAD_CONTENT, .first_text = "B" },
	  .want = JUDGE_FLICKER },
	{ "document confirm: same text", JUDGE_DOCUMENT, 2, "d1", STORED(.rules_fp = "d1"),
	  AT_TEXT, .t = { .confirming = true, .text = "B", .first_text = "B" },
	  .want = JUDGE_CHANGED },

	/* acknowledged failures */
#define FAILING(kind, n, ...) STORED(.fail_count = n, .failing_since = T0 - n * DAY, \
	.last_failure = kind, __VA_ARGS__)
	{ "acknowledged: the same kind is not listed", JUDGE_PAGE, 2, "r1",
	  FAILING(PW_FAIL_NOT_FOUND, 3, .ack_failure = PW_FAIL_NOT_FOUND, .ack_at = T0 - 2 * DAY),
	  AT_FETCH, .f = FIRST(.failure = PW_FAIL_NOT_FOUND), .want = JUDGE_FAILED,
	  .want_fail_count = 4, .want_since = T0 - 3 * DAY, .want_listed = false, .want_ack = true },
	{ "acknowledged a week ago: the weekly reminder", JUDGE_PAGE, 2, "r1",
	  FAILING(PW_FAIL_NOT_FOUND, 9, .ack_failure = PW_FAIL_NOT_FOUND, .ack_at = T0 - 7 * DAY),
	  AT_FETCH, .f = FIRST(.failure = PW_FAIL_NOT_FOUND), .want = JUDGE_FAILED,
	  .want_fail_count = 10, .want_since = T0 - 9 * DAY, .want_listed = true, .want_ack = true,
	  .want_reminder = true },
	{ "reminded three days ago: quiet again", JUDGE_PAGE, 2, "r1",
	  FAILING(PW_FAIL_NOT_FOUND, 12, .ack_failure = PW_FAIL_NOT_FOUND,
		  .ack_at = T0 - 10 * DAY, .ack_reminded_at = T0 - 3 * DAY),
	  AT_FETCH, .f = FIRST(.failure = PW_FAIL_NOT_FOUND), .want = JUDGE_FAILED,
	  .want_fail_count = 13, .want_since = T0 - 12 * DAY, .want_listed = false, .want_ack = true },
	{ "acknowledged a soft 404 (classified): not listed", JUDGE_PAGE, 2, "r1",
	  FAILING(PW_FAIL_NOT_FOUND, 2, .ack_failure = PW_FAIL_NOT_FOUND, .ack_at = T0 - DAY),
	  AT_TEXT, .t = { .failure = PW_FAIL_NOT_FOUND }, .want = JUDGE_FAILED,
	  .want_fail_count = 3, .want_since = T0 - 2 * DAY, .want_listed = false, .want_ack = true },
	{ "another kind ends the acknowledgement", JUDGE_PAGE, 2, "r1",
	  FAILING(PW_FAIL_NOT_FOUND, 3, .ack_failure = PW_FAIL_NOT_FOUND, .ack_at = T0 - DAY),
	  AT_FETCH, .f = FIRST(.failure = PW_FAIL_TIMEOUT), .want = JUDGE_FAILED,
	  .want_fail_count = 4, .want_since = T0 - 3 * DAY, .want_listed = true },

	/* recoveries */
	{ "back after a listed streak (304)", JUDGE_PAGE, 2, "r1", FAILING(PW_FAIL_TIMEOUT, 2),
	  AT_FETCH, .f = FIRST(.not_modified = true), .want = JUDGE_UNCHANGED,
	  .want_recovered = true },
	{ "back after a 404, listed at once (same bytes)", JUDGE_PAGE, 2, "r1",
	  FAILING(PW_FAIL_NOT_FOUND, 1), AT_FETCH, .f = FIRST(.body_hash = "h1"),
	  .want = JUDGE_UNCHANGED, .want_recovered = true },
	{ "back after an acknowledged failure", JUDGE_PAGE, 5, "r1",
	  FAILING(PW_FAIL_HTTP_ERROR, 2, .ack_failure = PW_FAIL_HTTP_ERROR, .ack_at = T0 - DAY),
	  AT_TEXT, .t = { .text = "A" }, .want = JUDGE_UNCHANGED, .want_recovered = true },
	{ "an unlisted blip is no news when it ends", JUDGE_PAGE, 2, "r1",
	  FAILING(PW_FAIL_TIMEOUT, 1), AT_FETCH, .f = FIRST(.not_modified = true),
	  .want = JUDGE_UNCHANGED },
	{ "back with another text: confirm, still a recovery", JUDGE_PAGE, 2, "r1",
	  FAILING(PW_FAIL_CONNECT, 4), AT_TEXT, .t = { .text = "B" }, .want = JUDGE_CONFIRM,
	  .want_recovered = true },
	{ "back with another text, confirmed", JUDGE_PAGE, 2, "r1", FAILING(PW_FAIL_CONNECT, 4),
	  AT_TEXT, .t = { .confirming = true, .text = "B", .first_text = "B" },
	  .want = JUDGE_CHANGED, .want_recovered = true },
	{ "a document back after a listed failure", JUDGE_DOCUMENT, 2, "d1",
	  FAILING(PW_FAIL_BAD_CONTENT, 1, .rules_fp = "d1"), AT_TEXT, .t = { .text = "A" },
	  .want = JUDGE_UNCHANGED, .want_recovered = true },
	{ "never read, then read: new, not back", JUDGE_PAGE, 2, "r1",
	  { .fail_count = 5, .failing_since = T0 - 5 * DAY, .last_failure = PW_FAIL_DNS }, AT_TEXT,
	  .t = { .text = "A" }, .want = JUDGE_NEW },
};

static void test_table(void)
{
	for (size_t i = 0; i < PW_ARRAY_SIZE(rows); i++) {
		const struct row *r = &rows[i];
		struct judge_policy pol = { .item = r->item, .rules_fp = r->rules_fp,
					    .failure_threshold = r->threshold };
		struct judge_decision d;
		memset(&d, 0x5a, sizeof(d)); /* every field must be set */
		if (r->stage == AT_FETCH)
			judge_fetch(&pol, &r->st, &r->f, T0, &d);
		else
			judge_text(&pol, &r->st, &r->t, T0, &d);
		if (d.verdict != r->want)
			fprintf(stderr, "row '%s': verdict %s, expected %s\n", r->name,
				judge_verdict_name(d.verdict), judge_verdict_name(r->want));
		CHECK_INT(d.verdict, r->want);
		if (r->want == JUDGE_FAILED) {
			CHECK_INT(d.fail_count, r->want_fail_count);
			CHECK_INT(d.failing_since, r->want_since);
			CHECK_INT(d.listed, r->want_listed);
			if (d.listed != r->want_listed)
				fprintf(stderr, "row '%s': listed %d\n", r->name, d.listed);
			CHECK_INT(d.acknowledged, r->want_ack);
			CHECK_INT(d.reminder, r->want_reminder);
			CHECK_INT(d.recovered, false);
			if (d.search_new_address != r->want_search)
				fprintf(stderr, "row '%s': search_new_address %d\n", r->name,
					d.search_new_address);
			CHECK_INT(d.search_new_address, r->want_search);
		} else {
			CHECK_INT(d.fail_count, 0);
			CHECK_INT(d.listed, false);
			CHECK_INT(d.acknowledged, false);
			CHECK_INT(d.search_new_address, false);
			if (d.recovered != r->want_recovered)
				fprintf(stderr, "row '%s': recovered %d\n", r->name, d.recovered);
			CHECK_INT(d.recovered, r->want_recovered);
		}
		CHECK_INT(d.republished, r->want_republished);
	}
}

static void test_moved(void)
{
	struct judge_state st = STORED();
	struct judge_fetch f = FIRST(.permanent_redirect = true,
				     .final_url = "https://p.fr/Demarches/aes");
	CHECK(judge_moved(&st, &f));
	/* said once: the next night the stored final URL is the new one */
	st.final_url = "https://p.fr/Demarches/aes";
	CHECK(!judge_moved(&st, &f));
	/* a temporary redirect is not a new official address */
	st.final_url = "https://p.fr/aes";
	f.permanent_redirect = false;
	CHECK(!judge_moved(&st, &f));
	/* a permanent redirect to itself (normalised) is no move */
	f.permanent_redirect = true;
	f.final_url = "https://p.fr/aes";
	CHECK(!judge_moved(&st, &f));
	f.final_url = NULL;
	CHECK(!judge_moved(&st, &f));
}

static void test_names(void)
{
	CHECK_STR(judge_verdict_name(JUDGE_CONFIRM), "confirm");
	CHECK_STR(judge_verdict_name(JUDGE_FLICKER), "flicker");
	CHECK_STR(judge_verdict_name((enum judge_verdict)99), "?");
}

/* ---------------- the property test ---------------- */

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	/* xorshift64*: deterministic, so a failure replays from its seed */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ULL) >> 33) % n;
}

/* What the site serves in one fetch. Texts are one letter; "G" stands for
 * a soft 404 (a page saying it is gone), which the classifier refuses. */
struct served {
	enum pw_failure failure;
	char text;                  /* 'A'..'D', 'G' */
	int noise;                  /* changes the bytes, not the text */
};

/* The body's bytes as a string, and its "hash" (the bytes themselves: the
 * engine only compares hashes for equality). */
static void body_of(const struct served *s, char *out, size_t n)
{
	snprintf(out, n, "%c#%d", s->text, s->noise);
}

/* Extraction under rules r: rules "r2" write the text in lower case, so a
 * rule change alone changes every text and must still report nothing. */
static void extract_sim(const char *body, const char *rules, char *out)
{
	out[0] = body[0];
	out[1] = '\0';
	if (!strcmp(rules, "r2") && out[0] != 'G')
		out[0] = (char)(out[0] - 'A' + 'a');
}

struct sim_store {
	bool has;
	char text[4], body[32], rules[4];
	int fail_count;
	time_t failing_since;
};

struct night_report {
	bool is_new, changed, failed, listed;
	char old_text, new_text;   /* world letters */
	int fail_count;
};

static char world_letter(char c)
{
	return c >= 'a' && c <= 'd' ? (char)(c - 'a' + 'A') : c;
}

static void sim_state(const struct sim_store *s, struct judge_state *st)
{
	*st = (struct judge_state){
		.has_snapshot = s->has,
		.text = s->has ? s->text : NULL,
		.body_hash = s->has ? s->body : NULL,
		.rules_fp = s->has ? s->rules : NULL,
		.fail_count = s->fail_count,
		.failing_since = s->failing_since,
	};
}

/* One night through the engine, acting on each verdict as cli/ does. */
static void engine_night(struct sim_store *s, enum judge_item item, const char *rules,
			 const struct served *first, const struct served *second, time_t now,
			 struct night_report *rep)
{
	struct judge_policy pol = { .item = item, .rules_fp = rules, .failure_threshold = 2 };
	struct judge_state st;
	struct judge_decision d;
	char body[32], text[4], body2[32], text2[4];
	bool not_modified = false;

	memset(rep, 0, sizeof(*rep));
	sim_state(s, &st);
	body_of(first, body, sizeof(body));
	/* the server answers 304 to our validators when the bytes are the same */
	if (!first->failure && s->has && !strcmp(body, s->body) && first->noise % 3 == 0)
		not_modified = true;
	struct judge_fetch f = { .failure = first->failure, .not_modified = not_modified,
				 .body_hash = body };
	judge_fetch(&pol, &st, &f, now, &d);
	if (d.verdict == JUDGE_EXTRACT) {
		extract_sim(body, rules, text);
		struct judge_text t = { .text = text,
					.failure = text[0] == 'G' ? PW_FAIL_NOT_FOUND : PW_FAIL_NONE };
		judge_text(&pol, &st, &t, now, &d);
		if (d.verdict == JUDGE_REBASE) {
			extract_sim(s->body, rules, s->text);
			snprintf(s->rules, sizeof(s->rules), "%s", rules);
			sim_state(s, &st);
			t.rebased = true;
			judge_text(&pol, &st, &t, now, &d);
		}
		if (d.verdict == JUDGE_CONFIRM) {
			body_of(second, body2, sizeof(body2));
			struct judge_fetch f2 = { .confirming = true, .failure = second->failure,
						  .body_hash = body2, .first_hash = body };
			judge_fetch(&pol, &st, &f2, now, &d);
			if (d.verdict == JUDGE_EXTRACT) {
				extract_sim(body2, rules, text2);
				struct judge_text t2 = { .confirming = true, .text = text2,
							 .first_text = text };
				judge_text(&pol, &st, &t2, now, &d);
			}
		}
	}
	switch (d.verdict) {
	case JUDGE_FAILED:
		s->fail_count = d.fail_count;
		s->failing_since = d.failing_since;
		rep->failed = true;
		rep->listed = d.listed;
		rep->fail_count = d.fail_count;
		return;
	case JUDGE_NEW:
		rep->is_new = true;
		break;
	case JUDGE_CHANGED:
		rep->changed = true;
		rep->old_text = world_letter(s->text[0]);
		rep->new_text = world_letter(text[0]);
		break;
	case JUDGE_BASELINE:
	case JUDGE_UNCHANGED:
	case JUDGE_FLICKER:
		break;
	default:
		CHECK(!"unexpected final verdict");
		return;
	}
	if (d.verdict == JUDGE_NEW || d.verdict == JUDGE_CHANGED || d.verdict == JUDGE_BASELINE) {
		s->has = true;
		memcpy(s->text, text, sizeof(text));
		snprintf(s->body, sizeof(s->body), "%s", body);
		snprintf(s->rules, sizeof(s->rules), "%s", rules);
	} else if (d.verdict == JUDGE_UNCHANGED && !not_modified) {
		snprintf(s->body, sizeof(s->body), "%s", body); /* the latest body of that text */
	}
	s->fail_count = 0;
	s->failing_since = 0;
}

/* The reference: a few lines saying what must be reported. */
struct ref_store {
	char text;                  /* world letter stored, 0 if none */
	int streak;
};

static void reference_night(struct ref_store *r, enum judge_item item,
			    const struct served *first, const struct served *second,
			    struct night_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	if (first->failure || first->text == 'G') {
		enum pw_failure f = first->failure ? first->failure : PW_FAIL_NOT_FOUND;
		r->streak++;
		rep->failed = true;
		rep->fail_count = r->streak;
		rep->listed = r->streak >= 2 || judge_listed_at_once(item, f);
		return;
	}
	r->streak = 0;
	if (!r->text) {
		rep->is_new = true;
		r->text = first->text;
	} else if (first->text != r->text && !second->failure && second->text == first->text) {
		rep->changed = true;
		rep->old_text = r->text;
		rep->new_text = first->text;
		r->text = first->text;
	}
}

static void random_served(struct served *s, char base)
{
	uint32_t roll = rnd(100);
	static const enum pw_failure kinds[] = { PW_FAIL_DNS, PW_FAIL_CONNECT, PW_FAIL_TIMEOUT,
						 PW_FAIL_HTTP_ERROR, PW_FAIL_NOT_FOUND,
						 PW_FAIL_MOVED, PW_FAIL_TOO_LARGE };
	memset(s, 0, sizeof(*s));
	s->text = base;
	s->noise = (int)rnd(4);
	if (roll < 12)
		s->failure = kinds[rnd(PW_ARRAY_SIZE(kinds))];
	else if (roll < 16)
		s->text = 'G';
}

static void run_sequence(uint64_t seed, enum judge_item item)
{
	struct sim_store s = { 0 };
	struct ref_store r = { 0 };
	char world = (char)('A' + rnd(4));
	const char *rules = item == JUDGE_PAGE ? "r1" : DOC_FP;
	char last_new = 0;
	int news = 0;

	for (int night = 0; night < 40; night++) {
		time_t now = T0 + night * DAY;
		if (item == JUDGE_PAGE && rnd(25) == 0)
			/* our rules change: every text reads otherwise, and
			 * nothing must be reported for it (documents' baselines
			 * under a new normaliser are rows of the table) */
			rules = !strcmp(rules, "r1") ? "r2" : "r1";
		struct served first, second;
		random_served(&first, world);
		random_served(&second, rnd(8) == 0 ? (char)('A' + rnd(4)) : first.text);
		if (first.text == 'G')
			second.text = 'G';

		struct night_report got, want;
		engine_night(&s, item, rules, &first, &second, now, &got);
		reference_night(&r, item, &first, &second, &want);
		if (got.changed != want.changed || got.is_new != want.is_new ||
		    got.failed != want.failed || got.listed != want.listed ||
		    got.fail_count != want.fail_count || got.old_text != want.old_text ||
		    got.new_text != want.new_text) {
			fprintf(stderr,
				"seed %llu item %d night %d: engine new=%d changed=%d %c->%c failed=%d/%d listed=%d,"
				" reference new=%d changed=%d %c->%c failed=%d/%d listed=%d\n",
				(unsigned long long)seed, item, night, got.is_new, got.changed,
				got.old_text ? got.old_text : '-', got.new_text ? got.new_text : '-',
				got.failed, got.fail_count, got.listed, want.is_new, want.changed,
				want.old_text ? want.old_text : '-', want.new_text ? want.new_text : '-',
				want.failed, want.fail_count, want.listed);
			CHECK(!"engine and reference disagree");
			return;
		}
		/* nothing reported twice: a change leads from the text last
		 * reported (or first seen) to another one */
		if (got.is_new) {
			news++;
			last_new = got.new_text ? got.new_text : world_letter(s.text[0]);
		}
		if (got.changed) {
			CHECK(got.old_text != got.new_text);
			CHECK(got.old_text == last_new);
			last_new = got.new_text;
		}
	}
	CHECK(news <= 1);
}

static void test_property(void)
{
	for (uint64_t seed = 1; seed <= 3000; seed++) {
		rng_state = seed * 0x9E3779B97F4A7C15ULL;
		run_sequence(seed, seed % 3 ? JUDGE_PAGE : JUDGE_DOCUMENT);
		if (test_current_failed)
			return;
	}
}

int main(void)
{
	TEST_RUN(test_table);
	TEST_RUN(test_moved);
	TEST_RUN(test_names);
	TEST_RUN(test_property);
	return test_finish();
}
