/*
 * test_store_crash.c - SIGKILL a writer at random moments, then check.
 *
 * A child process commits page outcomes in a loop (with reviews, reported
 * marks and page syncs in between, as a run and an editor would), and
 * after each write that returned 0 it writes a record of it to a pipe.
 * The parent kills it with SIGKILL after a random delay, then reopens the
 * file: PRAGMA integrity_check must say "ok", every outcome the child
 * reported must be there exactly once, the tables must agree with each
 * other (nothing half-written), and a later writer must carry on. At most
 * one outcome per kill may be present without having been reported (the
 * child died between COMMIT and its write to the pipe).
 *
 * The seed is printed; PW_CRASH_SEED=N replays a sequence.
 */
#include "common/common.h"
#include "store/store.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "tests/common/test.h"

#define ITERATIONS 20
#define NPAGES 5

/* kind: an enum outcome_kind, or one of these for other writes */
enum { REC_REVIEWED = 100, REC_REPORTED = 101 };

struct record {
	int iter;
	int seq;
	int kind;
	int64_t change_id;      /* CHANGED, REVIEWED, REPORTED */
};

static const char *const page_ids[NPAGES] = { "02-laon", "02-soissons", "59-lille",
					      "60-beauvais", "80-amiens" };

static char *token(int iter, int seq)
{
	return xasprintf("i%d-s%d", iter, seq);
}

static struct store_page_info sync_pages[NPAGES];

/* The writer: never returns. */
static void child_loop(const char *path, int iter, int fd)
{
	char *err = NULL;
	struct store *s = store_open(path, &err);
	if (!s) {
		fprintf(stderr, "child: %s\n", err);
		_exit(2);
	}
	int64_t run = 0;
	if (store_run_begin(s, 1000 + iter, &run) < 0)
		_exit(3);
	size_t n = 24 * 1024;
	char *body = xmalloc(n);
	uint64_t x = 0x9E3779B97F4A7C15ULL ^ (uint64_t)iter;
	for (int seq = 0; seq < 100000; seq++) {
		const char *page = page_ids[seq % NPAGES];
		struct page_state st;
		if (store_page_state(s, page, &st) < 0)
			_exit(4);
		char *tok = token(iter, seq);
		struct page_outcome o = { 0 };
		o.page_id = page;
		o.at = 1000000 + iter * 100000 + seq;
		o.etag = tok;  /* identifies the outcome in fetches */
		if (!st.has_snapshot)
			o.kind = OUTCOME_NEW;
		else if (seq % 4 == 3)
			o.kind = OUTCOME_FAILED;
		else
			o.kind = OUTCOME_CHANGED;
		store_page_state_release(&st);
		if (o.kind == OUTCOME_FAILED) {
			o.failure = PW_FAIL_TIMEOUT;
			o.error = "timed out";
		} else {
			/* half-compressible bodies, so each commit writes some pages */
			for (size_t k = 0; k < n; k += 2) {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				body[k] = (char)x;
				body[k + 1] = 'a';
			}
			o.http_status = 200;
			o.text = tok;
			o.raw = body;
			o.raw_len = n;
			o.rules_fp = "r1";
		}
		struct outcome_ids ids;
		if (store_commit_page(s, run, &o, &ids) < 0) {
			fprintf(stderr, "child: %s\n", store_errmsg(s));
			_exit(5);
		}
		struct record r = { iter, seq, (int)o.kind, ids.change_id };
		if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
			_exit(6);
		free(tok);

		/* the other writes of a run and of an editor, killed too */
		if (ids.change_id && seq % 3 == 0) {
			if (store_change_review(s, ids.change_id, "reviewed", "crash", "note", o.at))
				_exit(7);
			r.kind = REC_REVIEWED;
			if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
				_exit(6);
		} else if (ids.change_id && seq % 3 == 1) {
			if (store_changes_mark_reported(s, &ids.change_id, 1, o.at))
				_exit(8);
			r.kind = REC_REPORTED;
			if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
				_exit(6);
		}
		if (seq % 50 == 49 && store_sync_pages(s, sync_pages, NPAGES) < 0)
			_exit(9);
	}
	_exit(0);
}

static long long q_int(sqlite3 *db, const char *sql, const char *arg)
{
	sqlite3_stmt *st = NULL;
	long long v = -999;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
		return v;
	}
	if (arg)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void check_database(const char *path, const struct record *recs, size_t nrecs,
			   int kills)
{
	sqlite3 *db = NULL;
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_stmt *st = NULL;
	CHECK_INT(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
	CHECK_INT(sqlite3_step(st), SQLITE_ROW);
	CHECK_STR((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	CHECK_INT(q_int(db, "SELECT count(*) FROM pragma_foreign_key_check", NULL), 0);

	/* every reported outcome exactly once */
	int missing = 0;
	for (size_t i = 0; i < nrecs; i++) {
		char id[32];
		snprintf(id, sizeof(id), "%lld", (long long)recs[i].change_id);
		if (recs[i].kind == REC_REVIEWED) {
			if (q_int(db, "SELECT count(*) FROM changes WHERE id = ? AND state = 'reviewed'"
				  " AND reviewed_by = 'crash'", id) != 1)
				missing++;
			continue;
		}
		if (recs[i].kind == REC_REPORTED) {
			if (q_int(db, "SELECT count(*) FROM changes WHERE id = ? AND reported_at IS NOT NULL",
				  id) != 1)
				missing++;
			continue;
		}
		if (recs[i].kind == OUTCOME_CHANGED &&
		    q_int(db, "SELECT count(*) FROM changes WHERE id = ?", id) != 1)
			missing++;
		char *tok = token(recs[i].iter, recs[i].seq);
		if (q_int(db, "SELECT count(*) FROM fetches WHERE etag = ?", tok) != 1)
			missing++;
		if (recs[i].kind != OUTCOME_FAILED &&
		    q_int(db, "SELECT count(*) FROM snapshots WHERE text = ?", tok) != 1)
			missing++;
		free(tok);
	}
	CHECK_INT(missing, 0);
	long long outcomes = 0;
	for (size_t i = 0; i < nrecs; i++)
		outcomes += recs[i].kind < REC_REVIEWED;
	long long fetches = q_int(db, "SELECT count(*) FROM fetches", NULL);
	CHECK(fetches >= outcomes && fetches <= outcomes + kills);
	CHECK_INT(q_int(db, "SELECT count(*) FROM pages WHERE active = 1", NULL), NPAGES);
	CHECK_INT(q_int(db, "SELECT count(*) FROM changes WHERE state = 'reviewed' AND"
			" (reviewed_at IS NULL OR note IS NOT 'note')", NULL), 0);
	CHECK_INT(q_int(db, "SELECT count(*) - count(DISTINCT etag) FROM fetches", NULL), 0);

	/* the tables agree: nothing half-written */
	CHECK_INT(q_int(db, "SELECT count(*) FROM fetches f WHERE f.failure IS NULL AND NOT EXISTS"
			" (SELECT 1 FROM snapshots s WHERE s.text = f.etag)", NULL), 0);
	CHECK_INT(q_int(db, "SELECT count(*) FROM snapshots s WHERE NOT EXISTS"
			" (SELECT 1 FROM fetches f WHERE f.etag = s.text AND f.failure IS NULL)", NULL), 0);
	CHECK_INT(q_int(db, "SELECT count(*) - count(DISTINCT page_id) FROM snapshots", NULL),
		  q_int(db, "SELECT count(*) FROM changes", NULL));
	CHECK_INT(q_int(db, "SELECT count(*) FROM pages p WHERE p.current_snapshot IS NOT"
			" (SELECT max(id) FROM snapshots s WHERE s.page_id = p.id)", NULL), 0);
	CHECK_INT(q_int(db, "SELECT count(*) FROM changes c WHERE c.old_snapshot IS NOT"
			" (SELECT max(id) FROM snapshots s WHERE s.page_id = c.page_id"
			"  AND s.id < c.new_snapshot)", NULL), 0);
	CHECK_INT(q_int(db, "SELECT count(*) FROM pages p WHERE p.fail_count <>"
			" (SELECT count(*) FROM fetches f WHERE f.page_id = p.id AND f.failure IS NOT NULL"
			"  AND f.id > COALESCE((SELECT max(id) FROM fetches g WHERE g.page_id = p.id"
			"  AND g.failure IS NULL), 0))", NULL), 0);
	sqlite3_close(db);
}

static void test_sigkill_during_commits(void)
{
	char *path = xasprintf("%s/crash.db", test_tmpdir());
	const char *env = getenv("PW_CRASH_SEED");
	unsigned seed = env ? (unsigned)strtoul(env, NULL, 10) : (unsigned)time(NULL) ^ (unsigned)getpid();
	fprintf(stderr, "seed %u (PW_CRASH_SEED to replay)\n", seed);
	srand(seed);

	char *err = NULL;
	struct store *s = store_open(path, &err);
	CHECK(s != NULL);
	if (!s) {
		fprintf(stderr, "%s\n", err);
		free(err);
		free(path);
		return;
	}
	for (int i = 0; i < NPAGES; i++) {
		sync_pages[i].id = page_ids[i];
		sync_pages[i].url = "http://127.0.0.1/";
	}
	CHECK_INT(store_sync_pages(s, sync_pages, NPAGES), 0);
	store_close(s);

	struct record *recs = NULL;
	size_t nrecs = 0, alloc = 0;
	long long total_ms = 0;
	for (int iter = 0; iter < ITERATIONS; iter++) {
		int fds[2];
		CHECK_INT(pipe(fds), 0);
		pid_t pid = fork();
		if (pid == 0) {
			close(fds[0]);
			child_loop(path, iter, fds[1]);
		}
		close(fds[1]);
		int ms = 5 + rand() % 150;
		total_ms += ms;
		usleep((useconds_t)ms * 1000);
		kill(pid, SIGKILL);
		int status = 0;
		waitpid(pid, &status, 0);
		CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

		struct record r;
		size_t before = nrecs;
		while (read(fds[0], &r, sizeof(r)) == (ssize_t)sizeof(r)) {
			if (nrecs == alloc) {
				alloc = alloc ? alloc * 2 : 1024;
				recs = xrealloc(recs, alloc * sizeof(*recs));
			}
			recs[nrecs++] = r;
		}
		close(fds[0]);
		fprintf(stderr, "iteration %d: killed after %d ms, %zu writes reported\n", iter, ms,
			nrecs - before);
		/* the store itself must open what the killed writer left,
		 * before any other connection recovers it */
		char *oerr = NULL;
		struct store *again = store_open(path, &oerr);
		CHECK(again != NULL);
		if (!again)
			fprintf(stderr, "reopen after kill: %s\n", oerr);
		store_close(again);
		free(oerr);
		check_database(path, recs, nrecs, iter + 1);
	}
	fprintf(stderr, "%zu writes in %lld ms of writer time over %d kills\n", nrecs, total_ms,
		ITERATIONS);
	CHECK(nrecs > 0);

	/* and a normal writer carries on */
	s = store_open(path, &err);
	CHECK(s != NULL);
	if (s) {
		int64_t run;
		CHECK_INT(store_run_begin(s, 9999999, &run), 0);
		struct page_outcome o = { 0 };
		o.page_id = "02-laon";
		o.kind = OUTCOME_CHANGED;
		o.at = 9999999;
		o.text = "after the crashes";
		o.etag = "final";
		struct outcome_ids ids;
		CHECK_INT(store_commit_page(s, run, &o, &ids), 0);
		CHECK(ids.change_id > 0);
		struct run_counts c = { 1, 0, 0, 1, 0 };
		CHECK_INT(store_run_finish(s, run, 9999999, &c), 0);
		store_close(s);
	}
	free(err);
	free(recs);
	free(path);
}

/* Killed while creating and migrating a fresh file: the next open finds
 * either nothing or the whole schema, never half of it. */
static void test_sigkill_during_migration(void)
{
	int complete = 0;
	for (int iter = 0; iter < 10; iter++) {
		char *path = xasprintf("%s/migrate-%d.db", test_tmpdir(), iter);
		pid_t pid = fork();
		if (pid == 0) {
			struct store *s = store_open(path, NULL);
			store_close(s);
			_exit(0);
		}
		usleep((useconds_t)(rand() % 15000));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);

		/* Odd iterations: the store opens what the killed process left
		 * (a hot journal needs a writer to roll it back). Even ones: a
		 * plain read-write connection recovers it first, to look at
		 * the schema as it was. */
		if (iter % 2) {
			char *err = NULL;
			struct store *s = store_open(path, &err);
			CHECK(s != NULL);
			if (!s)
				fprintf(stderr, "after kill: %s\n", err);
			store_close(s);
			free(err);
		}
		sqlite3 *db = NULL;
		struct stat sb;
		if (stat(path, &sb) == 0 && sqlite3_open(path, &db) == SQLITE_OK) {
			long long v = q_int(db, "PRAGMA user_version", NULL);
			long long tables = q_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
						 " AND name NOT LIKE 'sqlite_%'",
						 NULL);
			/* 6 tables, schema 5's exchanges and exchange_bodies, schema 6's
			 * page_aliases and relocations, schema 7's law_evals and law_flags */
			CHECK((v == 0 && tables == 0) || (v == STORE_SCHEMA_VERSION && tables == 12));
			complete += v == STORE_SCHEMA_VERSION;
		}
		sqlite3_close(db);
		char *err = NULL;
		struct store *s = store_open(path, &err);
		CHECK(s != NULL);
		if (!s)
			fprintf(stderr, "%s\n", err);
		store_close(s);
		free(err);
		free(path);
	}
	fprintf(stderr, "%d of 10 files had the schema when checked\n", complete);
}

int main(void)
{
	log_set_level(LOG_ERROR);
	TEST_RUN(test_sigkill_during_commits);
	TEST_RUN(test_sigkill_during_migration);
	return test_finish();
}
