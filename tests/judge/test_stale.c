/*
 * test_stale.c - pages stale against the law: judge_stale() under the
 * bundled table of legal events (watchlist/laws.yaml, loaded by the
 * watchlist module as a run loads it), the weekly reminder rule, the
 * phrase folding, and the table's validation (FILE:LINE:COLUMN errors,
 * the fingerprint).
 *
 * The Oise-like page is tests/judge/data/oise-aes-2023.txt: the text our
 * extractor gives of tests/e2e/fixtures/oise-aes-2023.html (stamped
 * 02/03/2023, the 2012 criteria).
 */
#include "common/common.h"
#include "common/similar.h"

#include "judge/judge.h"
#include "tests/common/test.h"
#include "watchlist/watchlist.h"

#define DAY ((time_t)86400)

static struct law_table bundled;

/* The judge's view of the table's first event (the circular of 2025). */
struct view {
	const struct strvec *signs[16];
	struct judge_law law;
};

static void view_of(const struct law_event *e, struct view *v)
{
	memset(v, 0, sizeof(*v));
	for (size_t i = 0; i < e->n_signs && i < PW_ARRAY_SIZE(v->signs); i++)
		v->signs[i] = &e->signs[i].folded;
	v->law = (struct judge_law){ .date = e->date, .new_cites = &e->cited_folded,
				     .old_cites = &e->old_cited_folded, .signs = v->signs,
				     .n_signs = e->n_signs };
}

static void judge(const char *text, const char *stamp, struct judge_stale_verdict *out)
{
	struct view v;
	view_of(&bundled.events[0], &v);
	char *folded = pw_fold_words(text);
	judge_stale(&v.law, folded, stamp, out);
	free(folded);
}

static void test_bundled_table(void)
{
	CHECK_INT(bundled.n, 1);
	CHECK_STR(bundled.events[0].date, "2025-01-23");
	CHECK_STR(bundled.events[0].title, "la circulaire du 23/01/2025");
	CHECK_STR(bundled.events[0].replaces_date, "2012-11-28");
	CHECK(strvec_contains(&bundled.events[0].old_cited_as, "circulaire Valls"));
	CHECK_INT(strlen(bundled.fingerprint), PW_HASH_HEX - 1);
}

/* The real Oise-like page: stamped before the circular, the 2012 work
 * criteria -> flagged by a sign, dated. */
static void test_oise_flagged(void)
{
	char *path = test_path("judge/data/oise-aes-2023.txt");
	struct buf b = BUF_INIT;
	CHECK_INT(pw_read_file(path, &b), 0);
	char *text = buf_detach(&b, NULL);
	struct judge_stale_verdict v;
	judge(text ? text : "", "2023-03-02", &v);
	CHECK_INT(v.why, JUDGE_STALE_SIGN);
	CHECK(!v.undated);
	const struct law_sign *sg = &bundled.events[0].signs[v.index];
	CHECK_STR(sg->phrases.v[0], "5 ans de présence");
	CHECK_STR(sg->phrases.v[1], "8 mois d'activité sur les 24 derniers mois");
	/* the same page stamped after the circular is the page's word: not stale */
	judge(text ? text : "", "2025-02-01", &v);
	CHECK_INT(v.why, JUDGE_STALE_NO);
	free(text);
	free(path);
}

static void test_cases(void)
{
	static const struct {
		const char *name, *text, *stamp;
		enum judge_stale_why want;
		bool undated;
	} rows[] = {
		{ "updated after the event, citing the new circular",
		  "Depuis la circulaire du 23 janvier 2025, il faut 7 ans de présence.", "2025-02-10",
		  JUDGE_STALE_NO, false },
		{ "updated after the event, even with old words",
		  "5 ans de présence et 18 mois de vie commune", "2025-03-01", JUDGE_STALE_NO, false },
		{ "on the day of the event",
		  "circulaire du 28 novembre 2012", "2025-01-23", JUDGE_STALE_NO, false },
		{ "stamped before, without the signs",
		  "Le dossier est à envoyer par courrier. Justificatif de domicile.", "2022-06-05",
		  JUDGE_STALE_NO, false },
		{ "stamped before, one phrase of a sign only",
		  "Vous justifiez de 5 ans de présence en France.", "2023-03-02", JUDGE_STALE_NO, false },
		{ "stamped before, a whole sign, accents, case and spacing aside",
		  "5 ANS DE PRESENCE …\n\n18\u00a0mois   de VIE commune", "2023-03-02",
		  JUDGE_STALE_SIGN, false },
		{ "stamped before, citing the replaced text",
		  "Selon la circulaire du 28 novembre 2012 : …", "2024-12-31", JUDGE_STALE_CITES, false },
		{ "stamped before but citing the new circular too",
		  "circulaire du 23/01/2025 ; ancienne circulaire Valls", "2024-12-31",
		  JUDGE_STALE_NO, false },
		{ "undated, citing the replaced text as in force",
		  "Les critères de la CIRCULAIRE   VALLS s'appliquent.", NULL, JUDGE_STALE_CITES, true },
		{ "undated, with the old criteria only",
		  "5 ans de présence et 18 mois de vie commune", NULL, JUDGE_STALE_NO, false },
		{ "a word inside another is not the phrase",
		  "circulaire Vallsberg", NULL, JUDGE_STALE_NO, false },
	};
	for (size_t i = 0; i < PW_ARRAY_SIZE(rows); i++) {
		struct judge_stale_verdict v;
		judge(rows[i].text, rows[i].stamp, &v);
		if (v.why != rows[i].want || v.undated != rows[i].undated)
			fprintf(stderr, "case '%s': why %d undated %d\n", rows[i].name, (int)v.why,
				(int)v.undated);
		CHECK_INT(v.why, rows[i].want);
		CHECK(v.undated == rows[i].undated);
	}
}

static void test_due(void)
{
	bool rem;
	time_t now = 1764720000;
	CHECK(judge_stale_due(0, now, &rem) && !rem);              /* first time */
	CHECK(!judge_stale_due(now - DAY, now, &rem));            /* known */
	CHECK(!judge_stale_due(now - 7 * DAY + 1, now, &rem));
	CHECK(judge_stale_due(now - 7 * DAY, now, &rem) && rem);   /* a week on */
}

static void test_fold(void)
{
	char *a = pw_fold_words("Circulaire  VALLS,\u00a0« 8 mois » d’activité");
	CHECK_STR(a, " circulaire valls 8 mois d activite ");
	free(a);
	a = pw_fold_words("");
	CHECK_STR(a, " ");
	free(a);
}

/* Every mistake at once, in file order, as FILE:LINE:COLUMN: message. */
static void test_table_errors(void)
{
	static const char bad[] =
		"events:\n"
		"  - date: 2025-02-30\n"                   /* 2 */
		"    name: une circulaire\n"
		"    titel: la circulaire\n"               /* 4: unknown key, no title */
		"    replaces:\n"
		"      name: l'ancienne\n"
		"      date: 2026-01-01\n"                 /* 7: not compared with a bad date */
		"    signs:\n"
		"      - '…'\n"                            /* 9: no word */
		"      - []\n"                             /* 10: empty list */
		"  - date: 2024-01-01\n"                   /* 11: neither signs nor citations */
		"    name: autre\n"
		"    title: le décret\n"
		"    replaces: {name: x, date: 2024-06-01, sources: []}\n"; /* 14 */
	struct law_table t;
	struct strvec errs = STRVEC_INIT;
	law_table_init(&t);
	int n = law_table_load_buffer(&t, "laws.yaml", bad, sizeof(bad) - 1, &errs);
	static const char *const want[] = {
		"laws.yaml:2:5: missing 'title' in an event",
		"laws.yaml:2:11: date '2025-02-30' is not a real date (YYYY-MM-DD)",
		"laws.yaml:4:5: unknown key 'titel' in an event",
		"laws.yaml:9:9: a sign '…' has no word to look for",
		"laws.yaml:10:9: a sign's list of phrases is empty",
		"laws.yaml:11:5: an event needs 'signs' or 'replaces: cited_as' "
		"(what betrays a page written before it)",
		"laws.yaml:14:31: the replaced text's date 2024-06-01 is not before the event's "
		"2024-01-01",
		"laws.yaml:14:43: unknown key 'sources' in replaces",
	};
	CHECK_INT(n, PW_ARRAY_SIZE(want));
	CHECK_INT(errs.n, PW_ARRAY_SIZE(want));
	for (size_t i = 0; i < errs.n && i < PW_ARRAY_SIZE(want); i++)
		CHECK_STR(errs.v[i], want[i]);
	CHECK_INT(t.n, 0);
	law_table_release(&t);
	strvec_release(&errs);

	/* a file that is not there names itself */
	law_table_init(&t);
	CHECK_INT(law_table_load(&t, "/nonexistent/laws.yaml", &errs), 1);
	CHECK(errs.n == 1 && !strncmp(errs.v[0], "/nonexistent/laws.yaml: cannot open", 35));
	law_table_release(&t);
	strvec_release(&errs);
}

/* What matching depends on changes the fingerprint; a comment does not. */
static void test_fingerprint(void)
{
	static const char a[] =
		"events:\n  - {date: 2025-01-23, name: n, title: t,\n"
		"     replaces: {name: o, date: 2012-11-28, cited_as: [circulaire Valls]}}\n";
	static const char b[] =
		"# a comment\nevents:\n  - {date: 2025-01-23, name: another name, title: t,\n"
		"     replaces: {name: o, date: 2012-11-28, cited_as: [Circulaire  VALLS]}}\n";
	static const char c[] =
		"events:\n  - {date: 2025-01-23, name: n, title: t,\n"
		"     replaces: {name: o, date: 2012-11-28, cited_as: [circulaire Valls]},\n"
		"     signs: [5 ans de présence]}\n";
	struct law_table ta, tb, tc;
	struct strvec errs = STRVEC_INIT;
	law_table_init(&ta);
	law_table_init(&tb);
	law_table_init(&tc);
	CHECK_INT(law_table_load_buffer(&ta, "a", a, sizeof(a) - 1, &errs), 0);
	CHECK_INT(law_table_load_buffer(&tb, "b", b, sizeof(b) - 1, &errs), 0);
	CHECK_INT(law_table_load_buffer(&tc, "c", c, sizeof(c) - 1, &errs), 0);
	CHECK_INT(errs.n, 0);
	CHECK_STR(ta.fingerprint, tb.fingerprint);
	CHECK(strcmp(ta.fingerprint, tc.fingerprint) != 0);
	law_table_release(&ta);
	law_table_release(&tb);
	law_table_release(&tc);
	strvec_release(&errs);
}

int main(void)
{
	struct strvec errs = STRVEC_INIT;
	law_table_init(&bundled);
	if (law_table_load(&bundled, WATCHLIST_DIR "/laws.yaml", &errs) || !bundled.n) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.v[i]);
		fprintf(stderr, "cannot load the bundled table of legal events\n");
		return 1;
	}
	strvec_release(&errs);
	TEST_RUN(test_bundled_table);
	TEST_RUN(test_oise_flagged);
	TEST_RUN(test_cases);
	TEST_RUN(test_due);
	TEST_RUN(test_fold);
	TEST_RUN(test_table_errors);
	TEST_RUN(test_fingerprint);
	law_table_release(&bundled);
	return test_finish();
}
