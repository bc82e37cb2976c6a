/*
 * test_store.c - the SQLite store against real database files.
 *
 * Each test works on its own file in test_tmpdir(). What the store wrote
 * is checked both through the public API and, where the API cannot see
 * it (schema version, row counts, inactive pages), through a separate
 * raw SQLite connection, as another process would see the file.
 */
#include "common/common.h"
#include "store/store.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "tests/common/test.h"

/* ---- helpers ---- */

static char *db_path(const char *name)
{
	return xasprintf("%s/%s.db", test_tmpdir(), name);
}

static struct store *open_ok(const char *path)
{
	char *err = NULL;
	struct store *s = store_open(path, &err);
	if (!s)
		fprintf(stderr, "store_open: %s\n", err ? err : "?");
	CHECK(s != NULL);
	free(err);
	return s;
}

/* One integer from a query on a separate connection (-999 on error). */
static long long q_int(const char *path, const char *sql, const char *arg)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long v = -999;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		goto cleanup;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "q_int: %s: %s\n", sql, sqlite3_errmsg(db));
		goto cleanup;
	}
	if (arg)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
cleanup:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static char *q_text(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char *v = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static int raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	char *msg = NULL;
	int rc = sqlite3_open(path, &db);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fprintf(stderr, "raw_exec: %s\n", msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	sqlite3_close(db);
	return rc;
}

static char *slurp(const char *path, size_t *len)
{
	return test_read_file(path, len);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_INT(fwrite(data, 1, len, f), len);
	fclose(f);
}

static bool file_exists(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0;
}

static const struct store_page_info pages3[] = {
	{ "02-laon", "https://www.aisne.gouv.fr/aes", "02-laon", "Préfecture de Laon", "prefecture",
	  "Hauts-de-France", "02", "Aisne" },
	{ "59-lille", "https://www.nord.gouv.fr/aes", "59-lille", "Préfecture de Lille", "prefecture",
	  "Hauts-de-France", "59", "Nord" },
	{ "59-dunkerque", "https://www.nord.gouv.fr/dk", "59-dunkerque", "Sous-préfecture de Dunkerque",
	  "sous-prefecture", "Hauts-de-France", "59", "Nord" },
};

static struct page_outcome outcome(const char *page, enum outcome_kind kind, time_t at,
				   const char *text)
{
	struct page_outcome o = { 0 };
	o.page_id = page;
	o.kind = kind;
	o.at = at;
	o.http_status = kind == OUTCOME_FAILED ? 0 : 200;
	o.text = text;
	o.rules_fp = "rules-1";
	o.seconds = 0.25;
	o.bytes = text ? strlen(text) : 0;
	return o;
}

static int64_t commit(struct store *s, int64_t run, const struct page_outcome *o,
		      struct outcome_ids *ids)
{
	struct outcome_ids local;
	if (!ids)
		ids = &local;
	int rc = store_commit_page(s, run, o, ids);
	if (rc)
		fprintf(stderr, "store_commit_page: %s\n", store_errmsg(s));
	CHECK_INT(rc, 0);
	return ids->snapshot_id;
}

/* An acknowledged failure: held for its kind, reminded, ended by a
 * failure of another kind or by the page reading again. */
static void test_ack_failure(void)
{
	char *path = db_path("ack.db");
	struct store *s = open_ok(path);
	struct page_state st;
	int64_t run;
	if (!s) {
		free(path);
		return;
	}
	CHECK_INT(store_sync_pages(s, pages3, 3), 0);
	CHECK_INT(store_run_begin(s, 1000, &run), 0);
	struct page_outcome o = outcome("59-dunkerque", OUTCOME_NEW, 1000, "Procédure");
	commit(s, run, &o, NULL);

	/* not failing, unknown: refused with what is wrong */
	CHECK_INT(store_ack_failure(s, "59-dunkerque", "marie", NULL, 1500), 2);
	CHECK_CONTAINS(store_errmsg(s), "not failing");
	CHECK_INT(store_ack_failure(s, "59-nowhere", "marie", NULL, 1500), 1);
	CHECK_CONTAINS(store_errmsg(s), "unknown page");

	o = outcome("59-dunkerque", OUTCOME_FAILED, 2000, NULL);
	o.failure = PW_FAIL_NOT_FOUND;
	commit(s, run, &o, NULL);
	CHECK_INT(store_ack_failure(s, "59-dunkerque", "marie", "page retirée, on cherche", 2500), 0);
	CHECK_INT(store_page_state(s, "59-dunkerque", &st), 0);
	CHECK_STR(st.ack_failure, "not_found");
	CHECK_INT(st.ack_at, 2500);
	CHECK_INT(st.ack_reminded_at, 0);
	store_page_state_release(&st);
	char *who = q_text(path, "SELECT ack_by || '|' || ack_note FROM pages WHERE id = '59-dunkerque'");
	CHECK_STR(who, "marie|page retirée, on cherche");
	free(who);

	/* the same kind again: held; a reminder is recorded */
	o = outcome("59-dunkerque", OUTCOME_FAILED, 3000, NULL);
	o.failure = PW_FAIL_NOT_FOUND;
	o.ack_reminded = true;
	commit(s, run, &o, NULL);
	CHECK_INT(store_page_state(s, "59-dunkerque", &st), 0);
	CHECK_STR(st.ack_failure, "not_found");
	CHECK_INT(st.ack_reminded_at, 3000);
	CHECK_INT(st.fail_count, 2);
	store_page_state_release(&st);

	/* another kind: the acknowledgement ends */
	o = outcome("59-dunkerque", OUTCOME_FAILED, 4000, NULL);
	o.failure = PW_FAIL_TIMEOUT;
	commit(s, run, &o, NULL);
	CHECK_INT(store_page_state(s, "59-dunkerque", &st), 0);
	CHECK(st.ack_failure == NULL);
	CHECK_INT(st.ack_at, 0);
	CHECK_INT(st.ack_reminded_at, 0);
	store_page_state_release(&st);
	CHECK_INT(q_int(path, "SELECT ack_by IS NULL AND ack_note IS NULL FROM pages"
			      " WHERE id = ?1", "59-dunkerque"), 1);

	/* acknowledged again, then the page reads: it ends too */
	CHECK_INT(store_ack_failure(s, "59-dunkerque", NULL, NULL, 4500), 0);
	o = outcome("59-dunkerque", OUTCOME_UNCHANGED, 5000, NULL);
	commit(s, run, &o, NULL);
	CHECK_INT(store_page_state(s, "59-dunkerque", &st), 0);
	CHECK(st.ack_failure == NULL);
	CHECK_INT(st.fail_count, 0);
	store_page_state_release(&st);
	store_close(s);
	free(path);
}

/* store_page_snapshot_id() gives what the full state gives, from the
 * pages row alone: 0 before any snapshot and for an unknown page, the
 * current one after a new text, the same after a quiet fetch and a
 * failure (the last good snapshot is kept). */
static void test_page_snapshot_id(void)
{
	char *path = db_path("snapid.db");
	struct store *s = open_ok(path);
	struct page_state st;
	int64_t run, id = -1;
	if (!s) {
		free(path);
		return;
	}
	CHECK_INT(store_sync_pages(s, pages3, 3), 0);
	CHECK_INT(store_page_snapshot_id(s, "59-nowhere", &id), 0);
	CHECK_INT(id, 0);
	id = -1;
	CHECK_INT(store_page_snapshot_id(s, "59-dunkerque", &id), 0);
	CHECK_INT(id, 0);
	CHECK_INT(store_run_begin(s, 1000, &run), 0);
	struct page_outcome o = outcome("59-dunkerque", OUTCOME_NEW, 1000, "Procédure");
	commit(s, run, &o, NULL);
	static const enum outcome_kind then[] = { OUTCOME_UNCHANGED, OUTCOME_FAILED };
	for (size_t i = 0; i < PW_ARRAY_SIZE(then) + 1; i++) {
		CHECK_INT(store_page_state(s, "59-dunkerque", &st), 0);
		CHECK_INT(store_page_snapshot_id(s, "59-dunkerque", &id), 0);
		CHECK(st.has_snapshot);
		CHECK_INT(id, st.snapshot_id);
		store_page_state_release(&st);
		if (i == PW_ARRAY_SIZE(then))
			break;
		o = outcome("59-dunkerque", then[i], 2000 + (time_t)i, NULL);
		if (then[i] == OUTCOME_FAILED)
			o.failure = PW_FAIL_TIMEOUT;
		commit(s, run, &o, NULL);
	}
	store_close(s);
	free(path);
}

/* ---- open, migrate, refuse ---- */

static void test_fresh_file_migrates(void)
{
	char *path = db_path("fresh");
	struct store *s = open_ok(path);
	CHECK_INT(q_int(path, "PRAGMA user_version", NULL), STORE_SCHEMA_VERSION);
	char *mode = q_text(path, "PRAGMA journal_mode");
	CHECK_STR(mode, "wal");
	free(mode);
	CHECK_INT(q_int(path, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
			"('runs', 'pages', 'fetches', 'snapshots', 'changes', 'outbox')", NULL), 6);
	CHECK(q_int(path, "SELECT count(*) FROM sqlite_master WHERE type = 'index'", NULL) >= 5);
	store_close(s);
	free(path);
}

static void test_reopen_is_idempotent(void)
{
	char *path = db_path("reopen");
	struct store *s = open_ok(path);
	CHECK_INT(store_sync_pages(s, pages3, 3), 0);
	struct page_outcome o = outcome("02-laon", OUTCOME_NEW, 1000, "texte v1");
	commit(s, 0, &o, NULL);
	store_close(s);

	for (int i = 0; i < 3; i++) {
		s = open_ok(path);
		struct page_state st;
		CHECK_INT(store_page_state(s, "02-laon", &st), 0);
		CHECK(st.has_snapshot);
		CHECK_STR(st.text, "texte v1");
		store_page_state_release(&st);
		store_close(s);
	}
	CHECK_INT(q_int(path, "PRAGMA user_version", NULL), STORE_SCHEMA_VERSION);
	CHECK_INT(q_int(path, "SELECT count(*) FROM pages", NULL), 3);
	CHECK_INT(q_int(path, "SELECT count(*) FROM snapshots", NULL), 1);
	free(path);
}

static void test_newer_version_refused_untouched(void)
{
	char *path = db_path("newer");
	CHECK_INT(raw_exec(path, "CREATE TABLE future (x); INSERT INTO future VALUES (42);"
			   "PRAGMA user_version = 99;"), SQLITE_OK);
	size_t len0, len1;
	char *before = slurp(path, &len0);
	char *err = NULL;
	struct store *s = store_open(path, &err);
	CHECK(s == NULL);
	CHECK_CONTAINS(err, "schema version 99 is newer");
	CHECK_CONTAINS(err, path);
	char *after = slurp(path, &len1);
	CHECK_INT(len1, len0);
	CHECK(len0 == len1 && memcmp(before, after, len0) == 0);
	char *wal = xasprintf("%s-wal", path);
	CHECK(!file_exists(wal));
	CHECK_INT(q_int(path, "PRAGMA user_version", NULL), 99);
	store_close(s);
	free(wal);
	free(before);
	free(after);
	free(err);
	free(path);
}

static void test_garbage_file_refused_untouched(void)
{
	char *path = db_path("garbage");
	char junk[8192];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 7 + 3);
	write_file(path, junk, sizeof(junk));
	char *err = NULL;
	struct store *s = store_open(path, &err);
	CHECK(s == NULL);
	CHECK_CONTAINS(err, "file is not a database");
	CHECK_CONTAINS(err, "cannot open '");
	size_t len;
	char *after = slurp(path, &len);
	CHECK_INT(len, sizeof(junk));
	CHECK(len == sizeof(junk) && memcmp(after, junk, len) == 0);
	free(after);
	free(err);

	/* a text file with a few bytes only */
	char *path2 = db_path("notes");
	write_file(path2, "hello\n", 6);
	s = store_open(path2, &err);
	CHECK(s == NULL);
	CHECK_CONTAINS(err, "not a database");
	after = slurp(path2, &len);
	CHECK(len == 6 && memcmp(after, "hello\n", 6) == 0);
	free(after);
	free(err);

	/* a directory */
	s = store_open(test_tmpdir(), &err);
	CHECK(s == NULL);
	CHECK_CONTAINS(err, "not a regular file");
	free(err);
	/* a missing directory */
	char *missing = xasprintf("%s/no/such/dir/x.db", test_tmpdir());
	s = store_open(missing, &err);
	CHECK(s == NULL);
	CHECK_CONTAINS(err, "/no/such/dir' does not exist");
	free(err);
	free(missing);
	s = store_open("", &err);
	CHECK(s == NULL);
	free(err);
	free(path2);
	free(path);
}

static void test_corrupt_file_refused_untouched(void)
{
	char *path = db_path("corrupt");
	struct store *s = open_ok(path);
	CHECK_INT(store_sync_pages(s, pages3, 3), 0);
	static char text[60000];
	for (size_t i = 0; i + 1 < sizeof(text); i++)
		text[i] = (char)('a' + (i * 31 % 26));
	for (int i = 0; i < 3; i++) {
		text[i] = 'X';
		struct page_outcome o = outcome(pages3[i].id, OUTCOME_NEW, 1000, text);
		commit(s, 0, &o, NULL);
	}
	store_close(s);
	size_t len;
	char *bytes = slurp(path, &len);
	CHECK(len > 8 * 4096);
	/* damage a b-tree page in the middle of the file */
	memset(bytes + 3 * 4096, 0x5a, 4096);
	write_file(path, bytes, len);
	char *err = NULL;
	s = store_open(path, &err);
	CHECK(s == NULL);
	CHECK_CONTAINS(err, "database is corrupt");
	size_t len2;
	char *after = slurp(path, &len2);
	CHECK(len == len2 && memcmp(bytes, after, len) == 0);
	store_close(s);
	free(after);
	free(bytes);
	free(err);
	free(path);
}

static void test_foreign_database_refused_untouched(void)
{
	char *path = db_path("foreign");
	CHECK_INT(raw_exec(path, "CREATE TABLE contacts (name TEXT); "
			   "INSERT INTO contacts VALUES ('x');"), SQLITE_OK);
	size_t len0, len1;
	char *before = slurp(path, &len0);
	char *err = NULL;
	struct store *s = store_open(path, &err);
	CHECK(s == NULL);
	CHECK_CONTAINS(err, "not a prefwatch database");
	char *after = slurp(path, &len1);
	CHECK(len0 == len1 && memcmp(before, after, len0) == 0);
	CHECK_INT(q_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'pages'", NULL), 0);
	store_close(s);
	free(before);
	free(after);
	free(err);
	free(path);

	/* an empty file (touch) is a new database */
	path = db_path("empty");
	write_file(path, "", 0);
	s = open_ok(path);
	store_close(s);
	CHECK_INT(q_int(path, "PRAGMA user_version", NULL), STORE_SCHEMA_VERSION);
	free(path);
}

/* Tests run as root, for whom permission bits do not stop writes: the
 * store is opened in a child that dropped to an unprivileged uid. */
static void test_read_only_refused(void)
{
	char *dir = xasprintf("%s/ro", test_tmpdir());
	CHECK_INT(mkdir(dir, 0755), 0);
	CHECK_INT(chmod(test_tmpdir(), 0755), 0);
	char *path = xasprintf("%s/ro.db", dir);
	struct store *s = open_ok(path);
	CHECK_INT(store_sync_pages(s, pages3, 1), 0);
	store_close(s);
	CHECK_INT(chmod(path, 0444), 0);
	CHECK_INT(chmod(dir, 0555), 0);
	size_t len0;
	char *before = slurp(path, &len0);
	char *fresh = xasprintf("%s/new.db", dir);

	int fds[2];
	CHECK_INT(pipe(fds), 0);
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		/* root is not stopped by permissions: drop to nobody, which a
		 * container may not allow (77), or which may not reach the
		 * sandbox through a private $TMPDIR (78) */
		if (geteuid() == 0 && (setgid(65534) || setuid(65534)))
			_exit(77);
		if (access(dir, X_OK) < 0)
			_exit(78);
		char *err = NULL;
		struct store *c = store_open(path, &err);
		char *err2 = NULL;
		struct store *c2 = store_open(fresh, &err2);
		char *msg = xasprintf("%s\n%s\n", err ? err : "(opened)", err2 ? err2 : "(opened)");
		ssize_t w = write(fds[1], msg, strlen(msg));
		(void)w;
		_exit(c || c2 ? 1 : 0);
	}
	close(fds[1]);
	char out[2048] = "";
	size_t got = 0;
	ssize_t r;
	while ((r = read(fds[0], out + got, sizeof(out) - 1 - got)) > 0)
		got += (size_t)r;
	out[got] = '\0';
	close(fds[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
		test_skip("as root, cannot switch to uid 65534 to be refused by permissions here");
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 78) {
		test_skip("uid 65534 cannot reach the sandbox '%s' ($TMPDIR not searchable by others)",
			  dir);
	} else {
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		CHECK_CONTAINS(out, "ro.db': read-only database (Permission denied)");
		CHECK_CONTAINS(out, "cannot open '");
		CHECK_CONTAINS(out, "new.db': directory '");
		CHECK_CONTAINS(out, "/ro' is not writable (Permission denied)");
	}
	size_t len1;
	char *after = slurp(path, &len1);
	CHECK(len0 == len1 && memcmp(before, after, len0) == 0);
	CHECK(!file_exists(fresh));

	chmod(dir, 0755);
	chmod(path, 0644);
	free(after);
	free(before);
	free(fresh);
	free(path);
	free(dir);
}

static void test_locked_by_another_process(void)
{
	char *path = db_path("locked");
	struct store *s = open_ok(path);
	CHECK_INT(store_sync_pages(s, pages3, 3), 0);
	CHECK_INT(store_set_busy_timeout(s, 200), 0);

	/* a writer in another process holds the lock */
	int go[2], done[2];
	CHECK_INT(pipe(go), 0);
	CHECK_INT(pipe(done), 0);
	pid_t pid = fork();
	if (pid == 0) {
		sqlite3 *db = NULL;
		char c = 0;
		sqlite3_open(path, &db);
		int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		ssize_t w = write(go[1], rc == SQLITE_OK ? "y" : "n", 1);
		ssize_t r = read(done[0], &c, 1);
		(void)w;
		(void)r;
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close(db);
		_exit(0);
	}
	char c = 0;
	CHECK_INT(read(go[0], &c, 1), 1);
	CHECK_INT(c, 'y');
	struct page_outcome o = outcome("02-laon", OUTCOME_NEW, 1000, "texte");
	struct outcome_ids ids;
	CHECK_INT(store_commit_page(s, 0, &o, &ids), -1);
	CHECK_CONTAINS(store_errmsg(s), "database is locked by another process (waited 200 ms)");
	/* opening an up-to-date file while locked does not wait for the lock */
	struct store *s2 = open_ok(path);
	struct page_state st;
	CHECK_INT(store_page_state(s2, "02-laon", &st), 0);
	CHECK(!st.has_snapshot);
	store_page_state_release(&st);
	store_close(s2);

	CHECK_INT(write(done[1], "x", 1), 1);
	waitpid(pid, NULL, 0);
	commit(s, 0, &o, NULL);
	CHECK_INT(q_int(path, "SELECT count(*) FROM snapshots", NULL), 1);
	store_close(s);
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
	free(path);
}

/* ---- pages and outcomes ---- */

static void test_sync_keeps_removed_pages(void)
{
	char *path = db_path("sync");
	struct store *s = open_ok(path);
	CHECK_INT(store_sync_pages(s, pages3, 3), 0);
	struct page_outcome o = outcome("59-lille", OUTCOME_NEW, 1000, "texte de Lille");
	commit(s, 0, &o, NULL);

	/* Lille leaves the watchlist, Laon's URL changes */
	struct store_page_info two[2] = { pages3[0], pages3[2] };
	two[0].url = "https://www.aisne.gouv.fr/aes-nouvelle";
	CHECK_INT(store_sync_pages(s, two, 2), 0);
	CHECK_INT(q_int(path, "SELECT count(*) FROM pages", NULL), 3);
	CHECK_INT(q_int(path, "SELECT active FROM pages WHERE id = ?", "59-lille"), 0);
	CHECK_INT(q_int(path, "SELECT active FROM pages WHERE id = ?", "02-laon"), 1);
	CHECK_INT(q_int(path, "SELECT url = 'https://www.aisne.gouv.fr/aes-nouvelle' FROM pages "
			"WHERE id = ?", "02-laon"), 1);
	struct page_state st;
	CHECK_INT(store_page_state(s, "59-lille", &st), 0);
	CHECK(st.has_snapshot);
	CHECK_STR(st.text, "texte de Lille");
	store_page_state_release(&st);

	/* and comes back: same row, active again, history intact */
	CHECK_INT(store_sync_pages(s, pages3, 3), 0);
	CHECK_INT(q_int(path, "SELECT active FROM pages WHERE id = ?", "59-lille"), 1);
	CHECK_INT(q_int(path, "SELECT count(*) FROM snapshots WHERE page_id = ?", "59-lille"), 1);

	/* an unknown page has no history, and cannot be committed to */
	CHECK_INT(store_page_state(s, "80-amiens", &st), 0);
	CHECK(!st.has_snapshot);
	CHECK_INT(st.fail_count, 0);
	store_page_state_release(&st);
	o = outcome("80-amiens", OUTCOME_NEW, 2000, "x");
	struct outcome_ids ids;
	CHECK_INT(store_commit_page(s, 0, &o, &ids), -1);
	CHECK_CONTAINS(store_errmsg(s), "unknown page '80-amiens'");
	CHECK_INT(q_int(path, "SELECT count(*) FROM fetches", NULL), 1);
	store_close(s);
	free(path);
}

static void test_outcome_sequence_page_state(void)
{
	char *path = db_path("sequence");
	struct store *s = open_ok(path);
	CHECK_INT(store_sync_pages(s, pages3, 3), 0);
	int64_t run = 0;
	CHECK_INT(store_run_begin(s, 1000, &run), 0);
	CHECK(run > 0);

	struct page_outcome o = outcome("02-laon", OUTCOME_NEW, 1000, "Procédure v1");
	o.etag = "\"e1\"";
	o.last_modified = "Mon, 05 Jan 2026 02:00:00 GMT";
	o.final_url = "https://www.aisne.gouv.fr/aes?x=1";
	o.body_hash = "bodyhash1";
	o.fields = "delai\t2 mois\n";
	o.raw = "<html>v1</html>";
	o.raw_len = strlen(o.raw);
	struct outcome_ids ids;
	int64_t snap1 = commit(s, run, &o, &ids);
	CHECK(snap1 > 0);
	CHECK(ids.fetch_id > 0);
	CHECK_INT(ids.change_id, 0);

	struct page_state st;
	CHECK_INT(store_page_state(s, "02-laon", &st), 0);
	CHECK(st.has_snapshot);
	CHECK_INT(st.snapshot_id, snap1);
	CHECK_INT(st.snapshot_at, 1000);
	CHECK_STR(st.text, "Procédure v1");
	CHECK_STR(st.fields, "delai\t2 mois\n");
	CHECK_STR(st.rules_fp, "rules-1");
	CHECK_STR(st.etag, "\"e1\"");
	CHECK_STR(st.last_modified, "Mon, 05 Jan 2026 02:00:00 GMT");
	CHECK_STR(st.final_url, "https://www.aisne.gouv.fr/aes?x=1");
	CHECK_STR(st.body_hash, "bodyhash1");
	CHECK_INT(st.fail_count, 0);
	CHECK_INT(st.failing_since, 0);
	CHECK(st.last_failure == NULL);
	store_page_state_release(&st);

	/* two failures: the streak grows from the first, snapshot and etag stay */
	o = outcome("02-laon", OUTCOME_FAILED, 2000, NULL);
	o.failure = PW_FAIL_TIMEOUT;
	o.error = "operation timed out after 30000 ms";
	commit(s, run, &o, &ids);
	CHECK_INT(ids.snapshot_id, snap1);
	o = outcome("02-laon", OUTCOME_FAILED, 3000, NULL);
	o.failure = PW_FAIL_NOT_FOUND;
	o.http_status = 404;
	o.etag = "\"e404\"";
	commit(s, run, &o, NULL);
	CHECK_INT(store_page_state(s, "02-laon", &st), 0);
	CHECK(st.has_snapshot);
	CHECK_INT(st.snapshot_id, snap1);
	CHECK_STR(st.text, "Procédure v1");
	CHECK_INT(st.fail_count, 2);
	CHECK_INT(st.failing_since, 2000);
	CHECK_STR(st.last_failure, "not_found");
	CHECK_STR(st.etag, "\"e1\"");
	store_page_state_release(&st);
	CHECK_INT(q_int(path, "SELECT count(*) FROM fetches WHERE failure = 'timeout' AND "
			"error LIKE 'operation timed out%' AND http_status IS NULL", NULL), 1);
	CHECK_INT(q_int(path, "SELECT count(*) FROM fetches WHERE http_status = 404", NULL), 1);

	/* unchanged (a 304 without validators): streak reset, etag kept */
	o = outcome("02-laon", OUTCOME_UNCHANGED, 4000, NULL);
	o.http_status = 304;
	commit(s, run, &o, &ids);
	CHECK_INT(ids.snapshot_id, snap1);
	CHECK_INT(ids.change_id, 0);
	CHECK_INT(store_page_state(s, "02-laon", &st), 0);
	CHECK_INT(st.fail_count, 0);
	CHECK_INT(st.failing_since, 0);
	CHECK(st.last_failure == NULL);
	CHECK_STR(st.etag, "\"e1\"");
	CHECK_STR(st.body_hash, "bodyhash1");
	CHECK_INT(st.snapshot_at, 1000);
	store_page_state_release(&st);
	CHECK_INT(q_int(path, "SELECT last_seen FROM snapshots WHERE page_id = ?", "02-laon"), 4000);

	/* unchanged with new validators and body hash: they are updated */
	o = outcome("02-laon", OUTCOME_UNCHANGED, 5000, NULL);
	o.etag = "\"e2\"";
	o.body_hash = "bodyhash2";
	commit(s, run, &o, NULL);
	CHECK_INT(store_page_state(s, "02-laon", &st), 0);
	CHECK_STR(st.etag, "\"e2\"");
	CHECK_STR(st.body_hash, "bodyhash2");
	CHECK_STR(st.last_modified, "Mon, 05 Jan 2026 02:00:00 GMT");
	store_page_state_release(&st);

	/* changed: new snapshot, a change row from the old one */
	o = outcome("02-laon", OUTCOME_CHANGED, 6000, "Procédure v2");
	o.field_deltas = "+delai\t3 mois\n";
	int64_t snap2 = commit(s, run, &o, &ids);
	CHECK(snap2 > snap1);
	CHECK(ids.change_id > 0);
	CHECK_INT(ids.reverted_to, 0);
	CHECK_INT(ids.reverted_to_at, 0);
	CHECK_INT(store_page_state(s, "02-laon", &st), 0);
	CHECK_INT(st.snapshot_id, snap2);
	CHECK_STR(st.text, "Procédure v2");
	CHECK_INT(st.snapshot_at, 6000);
	store_page_state_release(&st);
	struct change_record c;
	CHECK_INT(store_change_get(s, ids.change_id, &c), 0);
	CHECK_INT(c.old_snapshot_id, snap1);
	CHECK_INT(c.new_snapshot_id, snap2);
	CHECK_INT(c.old_at, 1000);
	CHECK_INT(c.new_at, 6000);
	CHECK_INT(c.detected_at, 6000);
	CHECK_INT(c.run_id, run);
	CHECK_STR(c.old_text, "Procédure v1");
	CHECK_STR(c.new_text, "Procédure v2");
	CHECK_STR(c.old_fields, "delai\t2 mois\n");
	CHECK_STR(c.field_deltas, "+delai\t3 mois\n");
	CHECK_STR(c.page_id, "02-laon");
	CHECK_STR(c.office_name, "Préfecture de Laon");
	CHECK_STR(c.departement_name, "Aisne");
	CHECK_STR(c.state, "pending");
	CHECK_INT(c.reverted_to_at, 0);
	CHECK_INT(c.reported_at, 0);
	change_record_release(&c);

	/* a failure on a fresh page has no snapshot to keep */
	o = outcome("59-lille", OUTCOME_FAILED, 6000, NULL);
	o.failure = PW_FAIL_DNS;
	commit(s, run, &o, &ids);
	CHECK_INT(ids.snapshot_id, 0);
	CHECK_INT(store_page_state(s, "59-lille", &st), 0);
	CHECK(!st.has_snapshot);
	CHECK_INT(st.fail_count, 1);
	CHECK_STR(st.last_failure, "dns");
	store_page_state_release(&st);

	struct run_counts rc = { 2, 1, 2, 1, 3 };
	CHECK_INT(store_run_finish(s, run, 7000, &rc), 0);
	CHECK_INT(q_int(path, "SELECT finished_at + pages + new_pages + unchanged + changed + failed "
			"FROM runs", NULL), 7000 + 9);
	CHECK_INT(store_run_finish(s, run + 100, 7000, &rc), -1);
	CHECK_CONTAINS(store_errmsg(s), "no such run");
	CHECK_INT(q_int(path, "SELECT count(*) FROM fetches WHERE run_id = 1", NULL), 7);

	/* an outcome that claims a text but has none is refused */
	o = outcome("02-laon", OUTCOME_CHANGED, 8000, NULL);
	CHECK_INT(store_commit_page(s, run, &o, &ids), -1);
	CHECK_CONTAINS(store_errmsg(s), "no text");
	store_close(s);
	free(path);
}

static void test_same_text_one_snapshot_and_revert(void)
{
	char *path = db_path("revert");
	struct store *s = open_ok(path);
	CHECK_INT(store_sync_pages(s, pages3, 3), 0);
	struct outcome_ids ids;
	struct page_outcome o = outcome("02-laon", OUTCOME_NEW, 1000, "A");
	int64_t a = commit(s, 0, &o, &ids);
	o = outcome("02-laon", OUTCOME_CHANGED, 2000, "B");
	int64_t b = commit(s, 0, &o, &ids);
	CHECK_INT(ids.reverted_to, 0);
	/* back to A: the old row is reused, and it is a revert */
	o = outcome("02-laon", OUTCOME_CHANGED, 3000, "A");
	int64_t a2 = commit(s, 0, &o, &ids);
	CHECK_INT(a2, a);
	CHECK_INT(ids.reverted_to, a);
	CHECK_INT(ids.reverted_to_at, 1000);
	int64_t change = ids.change_id;
	struct change_record c;
	CHECK_INT(store_change_get(s, change, &c), 0);
	CHECK_INT(c.old_snapshot_id, b);
	CHECK_INT(c.new_snapshot_id, a);
	CHECK_INT(c.reverted_to_at, 1000);
	CHECK_INT(c.new_at, 1000);
	change_record_release(&c);
	CHECK_INT(q_int(path, "SELECT count(*) FROM snapshots", NULL), 2);
	CHECK_INT(q_int(path, "SELECT last_seen FROM snapshots WHERE text = ?", "A"), 3000);
	CHECK_INT(q_int(path, "SELECT count(*) FROM changes", NULL), 2);

	/* the same text on another page is another page's snapshot */
	o = outcome("59-lille", OUTCOME_NEW, 3000, "A");
	int64_t other = commit(s, 0, &o, &ids);
	CHECK(other != a);

	/* a baseline under new rules is a new row even for the same text */
	o = outcome("02-laon", OUTCOME_BASELINE, 4000, "A");
	o.rules_fp = "rules-2";
	int64_t base = commit(s, 0, &o, &ids);
	CHECK(base != a);
	CHECK_INT(ids.change_id, 0);
	CHECK_INT(q_int(path, "SELECT count(*) FROM changes", NULL), 2);
	/* and a NEW with the current text reuses it, no change */
	o = outcome("02-laon", OUTCOME_NEW, 5000, "A");
	o.rules_fp = "rules-2";
	CHECK_INT(commit(s, 0, &o, &ids), base);
	CHECK_INT(q_int(path, "SELECT count(*) FROM snapshots", NULL), 4);
	store_close(s);
	free(path);
}

static void test_raw_body_round_trip(void)
{
	char *path = db_path("raw");
	struct store *s = open_ok(path);
	CHECK_INT(store_sync_pages(s, pages3, 3), 0);

	size_t n = 300 * 1024;
	char *body = xmalloc(n);
	for (size_t i = 0; i < n; i++)  /* compressible, with NUL bytes in it */
		body[i] = (char)((i % 97) < 5 ? 0 : 'a' + (i % 23));
	struct page_outcome o = outcome("02-laon", OUTCOME_NEW, 1000, "texte");
	o.raw = body;
	o.raw_len = n;
	int64_t id = commit(s, 0, &o, NULL);
	char *got = NULL;
	size_t len = 0;
	CHECK_INT(store_snapshot_raw(s, id, &got, &len), 0);
	CHECK_INT(len, n);
	CHECK(got && len == n && memcmp(got, body, n) == 0);
	CHECK(got && got[len] == '\0');
	free(got);
	long long stored = q_int(path, "SELECT length(raw) FROM snapshots", NULL);
	CHECK(stored > 0 && stored < (long long)n / 10);
	CHECK_INT(q_int(path, "SELECT raw_len FROM snapshots", NULL), n);

	/* an empty body round-trips as an empty string */
	o = outcome("59-lille", OUTCOME_NEW, 1000, "texte");
	o.raw = "";
	o.raw_len = 0;
	id = commit(s, 0, &o, NULL);
	CHECK_INT(store_snapshot_raw(s, id, &got, &len), 0);
	CHECK_INT(len, 0);
	CHECK_STR(got, "");
	free(got);

	/* no raw body, unknown snapshot */
	o = outcome("59-dunkerque", OUTCOME_NEW, 1000, "texte");
	id = commit(s, 0, &o, NULL);
	CHECK_INT(store_snapshot_raw(s, id, &got, &len), -1);
	CHECK(got == NULL);
	CHECK_CONTAINS(store_errmsg(s), "has no raw body");
	CHECK_INT(store_snapshot_raw(s, 9999, &got, &len), -1);
	CHECK_CONTAINS(store_errmsg(s), "no snapshot 9999");
	/* unchanged without a body keeps the row as it is */
	o = outcome("59-dunkerque", OUTCOME_UNCHANGED, 2000, NULL);
	commit(s, 0, &o, NULL);
	CHECK_INT(store_snapshot_raw(s, id, &got, &len), -1);
	/* the same text with a body: the row takes it */
	o = outcome("59-dunkerque", OUTCOME_CHANGED, 3000, "texte");
	o.raw = "<p>texte</p>";
	o.raw_len = strlen(o.raw);
	CHECK_INT(commit(s, 0, &o, NULL), id);
	CHECK_INT(store_snapshot_raw(s, id, &got, &len), 0);
	CHECK_STR(got, "<p>texte</p>");
	free(got);
	/* same text from other bytes (an unchanged outcome passing the new
	 * body): the latest body is what re-extraction will start from */
	o = outcome("59-dunkerque", OUTCOME_UNCHANGED, 4000, NULL);
	o.raw = "<div><p>texte</p></div>";
	o.raw_len = strlen(o.raw);
	o.body_hash = "h2";
	o.fields = "page_updated\t01/02/2026\n";
	commit(s, 0, &o, NULL);
	CHECK_INT(store_snapshot_raw(s, id, &got, &len), 0);
	CHECK_STR(got, "<div><p>texte</p></div>");
	free(got);
	struct page_state st;
	CHECK_INT(store_page_state(s, "59-dunkerque", &st), 0);
	CHECK_STR(st.fields, "page_updated\t01/02/2026\n");
	CHECK_STR(st.body_hash, "h2");
	CHECK_INT(st.snapshot_at, 1000);
	store_page_state_release(&st);
	CHECK_INT(q_int(path, "SELECT count(*) FROM snapshots WHERE page_id = ?", "59-dunkerque"), 1);
	store_close(s);
	free(body);
	free(path);
}

/* A failure in the middle of a commit (here a trigger that rejects the
 * snapshot, after the fetch row went in) leaves nothing behind. */
static void test_commit_rolls_back_on_error(void)
{
	char *path = db_path("rollback");
	struct store *s = open_ok(path);
	CHECK_INT(store_sync_pages(s, pages3, 3), 0);
	struct page_outcome o = outcome("02-laon", OUTCOME_NEW, 1000, "v1");
	o.etag = "\"e1\"";
	int64_t v1 = commit(s, 0, &o, NULL);
	CHECK_INT(raw_exec(path, "CREATE TRIGGER no_more BEFORE INSERT ON snapshots "
			   "BEGIN SELECT RAISE(ABORT, 'no more snapshots'); END;"), SQLITE_OK);
	o = outcome("02-laon", OUTCOME_CHANGED, 2000, "v2");
	o.etag = "\"e2\"";
	struct outcome_ids ids;
	CHECK_INT(store_commit_page(s, 0, &o, &ids), -1);
	CHECK_CONTAINS(store_errmsg(s), "no more snapshots");
	CHECK_INT(ids.fetch_id, 0);
	CHECK_INT(q_int(path, "SELECT count(*) FROM fetches", NULL), 1);
	CHECK_INT(q_int(path, "SELECT count(*) FROM changes", NULL), 0);
	struct page_state st;
	CHECK_INT(store_page_state(s, "02-laon", &st), 0);
	CHECK_INT(st.snapshot_id, v1);
	CHECK_STR(st.etag, "\"e1\"");
	store_page_state_release(&st);
	CHECK_INT(raw_exec(path, "DROP TRIGGER no_more"), SQLITE_OK);
	commit(s, 0, &o, &ids);
	CHECK(ids.change_id > 0);
	store_close(s);
	free(path);
}

/* Group commits: no-news outcomes wait in one transaction (invisible to
 * another connection) until a flush, a news outcome, or turning it off;
 * one failing outcome in the group undoes itself only. */
static void test_group_commits(void)
{
	char *path = db_path("group");
	struct store *s = open_ok(path);
	CHECK_INT(store_sync_pages(s, pages3, 3), 0);
	struct page_outcome o = outcome("02-laon", OUTCOME_NEW, 1000, "v1");
	commit(s, 0, &o, NULL);
	o = outcome("59-lille", OUTCOME_NEW, 1000, "w1");
	commit(s, 0, &o, NULL);
	CHECK_INT(q_int(path, "SELECT count(*) FROM fetches", NULL), 2);

	CHECK_INT(store_group_commits(s, true), 0);
	struct outcome_ids ids;
	for (int i = 0; i < 5; i++) {
		o = outcome("02-laon", OUTCOME_UNCHANGED, 2000 + i, NULL);
		o.etag = "\"e2\"";
		CHECK_INT(store_commit_page(s, 0, &o, &ids), 0);
		CHECK(ids.fetch_id > 0);
	}
	o = outcome("59-lille", OUTCOME_FAILED, 2100, NULL);
	o.failure = PW_FAIL_TIMEOUT;
	CHECK_INT(store_commit_page(s, 0, &o, &ids), 0);
	/* an unknown page fails alone */
	o = outcome("nowhere", OUTCOME_UNCHANGED, 2200, NULL);
	CHECK_INT(store_commit_page(s, 0, &o, &ids), -1);
	CHECK_INT(ids.fetch_id, 0);
	/* the writer sees its own group, another connection does not yet */
	struct page_state st;
	CHECK_INT(store_page_state(s, "02-laon", &st), 0);
	CHECK_STR(st.etag, "\"e2\"");
	store_page_state_release(&st);
	CHECK_INT(q_int(path, "SELECT count(*) FROM fetches", NULL), 2);
	CHECK_INT(store_group_flush(s, 60000), 0);       /* younger than a minute: kept */
	CHECK_INT(q_int(path, "SELECT count(*) FROM fetches", NULL), 2);
	CHECK_INT(store_group_flush(s, 0), 0);
	CHECK_INT(q_int(path, "SELECT count(*) FROM fetches", NULL), 8);
	CHECK_INT(q_int(path, "SELECT fail_count FROM pages WHERE id = ?1", "59-lille"), 1);

	/* a news outcome commits the group before its own transaction */
	o = outcome("02-laon", OUTCOME_UNCHANGED, 3000, NULL);
	CHECK_INT(store_commit_page(s, 0, &o, &ids), 0);
	CHECK_INT(q_int(path, "SELECT count(*) FROM fetches", NULL), 8);
	o = outcome("59-lille", OUTCOME_CHANGED, 3100, "w2");
	CHECK_INT(store_commit_page(s, 0, &o, &ids), 0);
	CHECK(ids.change_id > 0);
	CHECK_INT(q_int(path, "SELECT count(*) FROM fetches", NULL), 10);
	CHECK_INT(q_int(path, "SELECT count(*) FROM changes", NULL), 1);

	/* turning it off, or closing, commits what is open */
	o = outcome("02-laon", OUTCOME_UNCHANGED, 4000, NULL);
	CHECK_INT(store_commit_page(s, 0, &o, &ids), 0);
	CHECK_INT(store_group_commits(s, false), 0);
	CHECK_INT(q_int(path, "SELECT count(*) FROM fetches", NULL), 11);
	CHECK_INT(store_group_commits(s, true), 0);
	o = outcome("02-laon", OUTCOME_UNCHANGED, 5000, NULL);
	CHECK_INT(store_commit_page(s, 0, &o, &ids), 0);
	store_close(s);
	CHECK_INT(q_int(path, "SELECT count(*) FROM fetches", NULL), 12);
	free(path);
}

/* ---- changes ---- */

struct collect {
	int64_t ids[32];
	size_t n;
	size_t stop_after;
	struct store *review;   /* when set, reviews each change from inside the walk */
};

static int collect_fn(const struct change_record *c, void *ctx)
{
	struct collect *col = ctx;
	if (col->n < PW_ARRAY_SIZE(col->ids))
		col->ids[col->n++] = c->id;
	if (col->review)
		CHECK_INT(store_change_review(col->review, c->id, "dismissed", "walker", NULL, 1), 0);
	return col->stop_after && col->n >= col->stop_after;
}

static size_t walk(struct store *s, const struct change_filter *f, struct collect *col)
{
	col->n = 0;
	CHECK_INT(store_changes_each(s, f, collect_fn, col), 0);
	return col->n;
}

/* Two pages, two runs, four changes:
 *   c1 laon  run1 t=2000   c2 lille run1 t=2100
 *   c3 laon  run2 t=3000   c4 lille run2 t=3100 */
static struct store *changes_fixture(const char *name, char **pathp, int64_t c[4], int64_t run[2])
{
	*pathp = db_path(name);
	struct store *s = open_ok(*pathp);
	CHECK_INT(store_sync_pages(s, pages3, 3), 0);
	struct outcome_ids ids;
	struct page_outcome o = outcome("02-laon", OUTCOME_NEW, 1000, "L0");
	commit(s, 0, &o, NULL);
	o = outcome("59-lille", OUTCOME_NEW, 1000, "N0");
	commit(s, 0, &o, NULL);
	static const char *const text[4] = { "L1", "N1", "L2", "N2" };
	for (int i = 0; i < 4; i++) {
		if (i % 2 == 0)
			CHECK_INT(store_run_begin(s, 2000 + 1000 * (i / 2), &run[i / 2]), 0);
		o = outcome(i % 2 ? "59-lille" : "02-laon", OUTCOME_CHANGED,
			    2000 + 1000 * (i / 2) + 100 * (i % 2), text[i]);
		commit(s, run[i / 2], &o, &ids);
		c[i] = ids.change_id;
	}
	return s;
}

static void test_change_filters(void)
{
	char *path;
	int64_t c[4], run[2];
	struct store *s = changes_fixture("filters", &path, c, run);
	struct collect col = { 0 };
	struct change_filter f = { 0 };

	CHECK_INT(walk(s, &f, &col), 4);
	for (int i = 0; i < 4; i++)
		CHECK_INT(col.ids[i], c[i]);
	CHECK_INT(store_changes_each(s, NULL, collect_fn, &col), 0);

	f = (struct change_filter){ .page_id = "59-lille" };
	CHECK_INT(walk(s, &f, &col), 2);
	CHECK_INT(col.ids[0], c[1]);
	CHECK_INT(col.ids[1], c[3]);

	f = (struct change_filter){ .run_id = run[1] };
	CHECK_INT(walk(s, &f, &col), 2);
	CHECK_INT(col.ids[0], c[2]);
	CHECK_INT(col.ids[1], c[3]);

	f = (struct change_filter){ .since = 2100 };
	CHECK_INT(walk(s, &f, &col), 3);
	CHECK_INT(col.ids[0], c[1]);

	f = (struct change_filter){ .since = 2100, .run_id = run[0], .page_id = "02-laon" };
	CHECK_INT(walk(s, &f, &col), 0);

	CHECK_INT(store_change_review(s, c[0], "reviewed", "marie", "vu", 5000), 0);
	CHECK_INT(store_change_review(s, c[3], "dismissed", "paul", NULL, 5000), 0);
	f = (struct change_filter){ .pending_only = true };
	CHECK_INT(walk(s, &f, &col), 2);
	CHECK_INT(col.ids[0], c[1]);
	CHECK_INT(col.ids[1], c[2]);

	int64_t rep[2] = { c[1], c[0] };
	CHECK_INT(store_changes_mark_reported(s, rep, 2, 6000), 0);
	f = (struct change_filter){ .unreported_only = true };
	CHECK_INT(walk(s, &f, &col), 2);
	CHECK_INT(col.ids[0], c[2]);
	CHECK_INT(col.ids[1], c[3]);
	f = (struct change_filter){ .unreported_only = true, .pending_only = true };
	CHECK_INT(walk(s, &f, &col), 1);
	CHECK_INT(col.ids[0], c[2]);

	/* fn returning non-zero stops the walk */
	col.stop_after = 1;
	f = (struct change_filter){ 0 };
	CHECK_INT(walk(s, &f, &col), 1);
	CHECK_INT(col.ids[0], c[0]);

	/* fn may write to the store during the walk */
	col.stop_after = 0;
	col.review = s;
	f = (struct change_filter){ .pending_only = true };
	CHECK_INT(walk(s, &f, &col), 2);
	col.review = NULL;
	CHECK_INT(walk(s, &f, &col), 0);
	store_close(s);
	free(path);
}

static void test_review_round_trip(void)
{
	char *path;
	int64_t c[4], run[2];
	struct store *s = changes_fixture("review", &path, c, run);
	struct change_record r;

	CHECK_INT(store_change_review(s, c[0], "reviewed", "Marie Dupont",
				      "délai passé à 3 mois, guide mis à jour", 7000), 0);
	CHECK_INT(store_change_get(s, c[0], &r), 0);
	CHECK_STR(r.state, "reviewed");
	CHECK_STR(r.reviewed_by, "Marie Dupont");
	CHECK_STR(r.note, "délai passé à 3 mois, guide mis à jour");
	CHECK_INT(r.reviewed_at, 7000);
	change_record_release(&r);

	CHECK_INT(store_change_review(s, c[0], "dismissed", "paul", "non", 8000), 2);
	CHECK_CONTAINS(store_errmsg(s), "already reviewed");
	CHECK_INT(store_change_get(s, c[0], &r), 0);
	CHECK_STR(r.reviewed_by, "Marie Dupont");
	change_record_release(&r);

	CHECK_INT(store_change_review(s, c[1], "dismissed", "paul", "hors sujet", 8000), 0);
	CHECK_INT(store_change_get(s, c[1], &r), 0);
	CHECK_STR(r.state, "dismissed");
	CHECK_STR(r.note, "hors sujet");
	change_record_release(&r);
	CHECK_INT(store_change_review(s, c[1], "reviewed", "marie", NULL, 9000), 2);
	CHECK_CONTAINS(store_errmsg(s), "already dismissed");

	CHECK_INT(store_change_review(s, 4242, "reviewed", "marie", NULL, 9000), 1);
	CHECK_CONTAINS(store_errmsg(s), "no change 4242");
	CHECK_INT(store_change_get(s, 4242, &r), 1);
	change_record_release(&r);
	CHECK_INT(store_change_review(s, c[2], "pending", "marie", NULL, 9000), -1);
	CHECK_INT(store_change_review(s, c[2], "approved", "marie", NULL, 9000), -1);
	CHECK_CONTAINS(store_errmsg(s), "invalid state 'approved'");
	CHECK_INT(store_change_get(s, c[2], &r), 0);
	CHECK_STR(r.state, "pending");
	CHECK(r.reviewed_by == NULL);
	change_record_release(&r);
	change_record_release(NULL);
	store_close(s);
	free(path);
}

static void test_mark_reported(void)
{
	char *path;
	int64_t c[4], run[2];
	struct store *s = changes_fixture("reported", &path, c, run);
	struct change_record r;

	CHECK_INT(store_changes_mark_reported(s, NULL, 0, 1), 0);
	CHECK_INT(store_changes_mark_reported(s, &c[2], 1, 7000), 0);
	CHECK_INT(store_change_get(s, c[2], &r), 0);
	CHECK_INT(r.reported_at, 7000);
	change_record_release(&r);
	/* reporting again keeps the first time: a change is announced once */
	CHECK_INT(store_changes_mark_reported(s, c, 4, 8000), 0);
	CHECK_INT(store_change_get(s, c[2], &r), 0);
	CHECK_INT(r.reported_at, 7000);
	change_record_release(&r);
	CHECK_INT(store_change_get(s, c[0], &r), 0);
	CHECK_INT(r.reported_at, 8000);
	change_record_release(&r);
	CHECK_INT(q_int(path, "SELECT count(*) FROM changes WHERE reported_at IS NULL", NULL), 0);
	store_close(s);
	free(path);
}

struct snaps {
	struct snapshot_info v[8];
	size_t n;
};

static int snaps_fn(const struct snapshot_info *si, void *ctx)
{
	struct snaps *sn = ctx;
	if (sn->n < PW_ARRAY_SIZE(sn->v)) {
		sn->v[sn->n] = *si;
		sn->v[sn->n].text_hash = xstrdup(si->text_hash);
		sn->v[sn->n].rules_fp = xstrdup(si->rules_fp);
		sn->n++;
	}
	return 0;
}

static void test_snapshots_each(void)
{
	char *path = db_path("history");
	struct store *s = open_ok(path);
	CHECK_INT(store_sync_pages(s, pages3, 3), 0);
	static const char *const texts[3] = { "Délai : 2 mois", "Délai : 3 mois", "Délai : 2 mois" };
	for (int i = 0; i < 3; i++) {
		struct page_outcome o = outcome("02-laon", i ? OUTCOME_CHANGED : OUTCOME_NEW,
						1000 * (i + 1), texts[i]);
		commit(s, 0, &o, NULL);
	}
	struct page_outcome o = outcome("02-laon", OUTCOME_UNCHANGED, 3500, NULL);
	commit(s, 0, &o, NULL);
	o = outcome("59-lille", OUTCOME_NEW, 1000, "autre");
	commit(s, 0, &o, NULL);

	struct snaps sn = { 0 };
	CHECK_INT(store_snapshots_each(s, "02-laon", snaps_fn, &sn), 0);
	CHECK_INT(sn.n, 2);
	char hash[PW_HASH_HEX];
	pw_hash_hex(texts[0], strlen(texts[0]), hash);
	CHECK_INT(sn.v[0].first_seen, 1000);
	CHECK_INT(sn.v[0].last_seen, 3500);
	CHECK_STR(sn.v[0].text_hash, hash);
	CHECK_STR(sn.v[0].rules_fp, "rules-1");
	CHECK_INT(sn.v[0].text_len, strlen(texts[0]));  /* bytes, not characters */
	CHECK_INT(sn.v[1].first_seen, 2000);
	CHECK_INT(sn.v[1].last_seen, 2000);
	CHECK(sn.v[0].id < sn.v[1].id);
	for (size_t i = 0; i < sn.n; i++) {
		free(sn.v[i].text_hash);
		free(sn.v[i].rules_fp);
	}
	sn.n = 0;
	CHECK_INT(store_snapshots_each(s, "nope", snaps_fn, &sn), 0);
	CHECK_INT(sn.n, 0);
	store_close(s);
	free(path);
}

/* The dashboard's per-page figures: last fetch, last good one, latest
 * proposed address; a file reopened sees the same. */
static void test_page_checks(void)
{
	char *path = db_path("checks");
	struct store *s = open_ok(path);
	struct page_checks pc;
	CHECK_INT(store_sync_pages(s, pages3, 3), 0);
	CHECK_INT(store_page_checks(s, "02-laon", &pc), 0);
	CHECK_INT(pc.last_fetch_at, 0);
	CHECK_INT(pc.last_ok_at, 0);
	CHECK(pc.proposed_url == NULL);
	store_page_checks_release(&pc);

	struct page_outcome o = outcome("02-laon", OUTCOME_NEW, 1000, "texte");
	commit(s, 0, &o, NULL);
	o = outcome("02-laon", OUTCOME_FAILED, 2000, NULL);
	o.failure = PW_FAIL_NOT_FOUND;
	o.error = "404";
	commit(s, 0, &o, NULL);
	o.at = 3000;
	commit(s, 0, &o, NULL);
	bool first;
	CHECK_INT(store_relocation_propose(s, "02-laon", "https://a.example/old-best", 0.7, 2000,
					   &first), 0);
	CHECK_INT(store_relocation_propose(s, "02-laon", "https://a.example/new", 0.9, 3000, &first),
		  0);
	store_close(s);

	s = open_ok(path);
	CHECK_INT(store_page_checks(s, "02-laon", &pc), 0);
	CHECK_INT(pc.last_fetch_at, 3000);
	CHECK_INT(pc.last_ok_at, 1000);
	CHECK_STR(pc.proposed_url, "https://a.example/new");
	CHECK(pc.proposed_score > 0.89 && pc.proposed_score < 0.91);
	CHECK_INT(pc.proposed_at, 3000);
	store_page_checks_release(&pc);
	CHECK_INT(store_page_checks(s, "59-lille", &pc), 0);
	CHECK_INT(pc.last_fetch_at, 0);
	CHECK(pc.proposed_url == NULL);
	store_page_checks_release(&pc);
	CHECK_INT(store_page_checks(s, "nope", &pc), 0);
	CHECK_INT(pc.last_fetch_at, 0);
	store_page_checks_release(&pc);
	store_close(s);
	free(path);
}

struct outbox_seen {
	int64_t ids[8];
	char subjects[8][64];
	bool had_html[8];
	size_t n;
	struct store *mark;     /* when set, marks each entry sent from inside the walk */
	size_t stop_after;
};

static int outbox_fn(const struct outbox_entry *e, void *ctx)
{
	struct outbox_seen *os = ctx;
	if (os->n < PW_ARRAY_SIZE(os->ids)) {
		os->ids[os->n] = e->id;
		snprintf(os->subjects[os->n], sizeof(os->subjects[0]), "%s|%s|%s", e->subject,
			 e->text, e->created_iso);
		os->had_html[os->n] = e->html != NULL;
		os->n++;
	}
	if (os->mark)
		CHECK_INT(store_outbox_mark_sent(os->mark, e->id, 9000), 0);
	return os->stop_after && os->n >= os->stop_after;
}

static void test_outbox(void)
{
	char *path = db_path("outbox");
	struct store *s = open_ok(path);
	int64_t a = 0, b = 0, c = 0;
	CHECK_INT(store_outbox_add(s, 1767578400, "Rapport 1", "texte 1", "<p>1</p>", &a), 0);
	CHECK_INT(store_outbox_add(s, 1767578401, "Rapport 2", "texte 2", NULL, &b), 0);
	CHECK_INT(store_outbox_add(s, 1767578402, "Rapport 3", "texte 3", NULL, &c), 0);
	CHECK(a > 0 && b > a && c > b);
	CHECK_INT(store_outbox_add(s, 1, NULL, "x", NULL, NULL), -1);

	struct outbox_seen os = { 0 };
	CHECK_INT(store_outbox_each_unsent(s, outbox_fn, &os), 0);
	CHECK_INT(os.n, 3);
	CHECK_STR(os.subjects[0], "Rapport 1|texte 1|2026-01-05T02:00:00Z");
	CHECK(os.had_html[0]);
	CHECK(!os.had_html[1]);
	CHECK_INT(os.ids[2], c);

	/* the first fails (walk stops), nothing is marked */
	os = (struct outbox_seen){ .stop_after = 1 };
	CHECK_INT(store_outbox_each_unsent(s, outbox_fn, &os), 0);
	CHECK_INT(os.n, 1);
	/* a sent entry is no longer listed; marking it again keeps the first time */
	CHECK_INT(store_outbox_mark_sent(s, b, 8000), 0);
	CHECK_INT(store_outbox_mark_sent(s, b, 8500), 0);
	CHECK_INT(q_int(path, "SELECT sent_at FROM outbox WHERE id = 2", NULL), 8000);
	CHECK_INT(store_outbox_mark_sent(s, 777, 8000), -1);
	CHECK_CONTAINS(store_errmsg(s), "no outbox entry 777");
	/* fn may mark entries sent while walking */
	os = (struct outbox_seen){ .mark = s };
	CHECK_INT(store_outbox_each_unsent(s, outbox_fn, &os), 0);
	CHECK_INT(os.n, 2);
	CHECK_INT(os.ids[0], a);
	CHECK_INT(os.ids[1], c);
	store_close(s);

	/* kept across reopen: nothing left */
	s = open_ok(path);
	os = (struct outbox_seen){ 0 };
	CHECK_INT(store_outbox_each_unsent(s, outbox_fn, &os), 0);
	CHECK_INT(os.n, 0);
	store_close(s);
	free(path);
}

/* Failures are counted, refusals park an entry after park_after, parked
 * entries are skipped (and listed), retry and drop act on waiting ones. */
static void test_outbox_parking(void)
{
	char *path = db_path("outbox-park");
	struct store *s = open_ok(path);
	int64_t a = 0, b = 0;
	bool parked = true;
	CHECK_INT(store_outbox_add(s, 1767578400, "Rapport 1", "texte 1", NULL, &a), 0);
	CHECK_INT(store_outbox_add(s, 1767578401, "Rapport 2", "texte 2", NULL, &b), 0);

	/* a transient failure counts as an attempt, not a refusal */
	CHECK_INT(store_outbox_failed(s, a, 100, "connect refused", false, 2, &parked), 0);
	CHECK(!parked);
	CHECK_INT(store_outbox_failed(s, a, 200, "554 rejected", true, 2, &parked), 0);
	CHECK(!parked);
	CHECK_INT(store_outbox_failed(s, a, 300, "554 5.7.1 rejected (again)", true, 2, &parked), 0);
	CHECK(parked);
	CHECK_INT(q_int(path, "SELECT attempts FROM outbox WHERE id = 1", NULL), 3);
	CHECK_INT(q_int(path, "SELECT parked_at FROM outbox WHERE id = 1", NULL), 300);

	struct outbox_seen os = { 0 };
	CHECK_INT(store_outbox_each_unsent(s, outbox_fn, &os), 0);
	CHECK_INT(os.n, 1);                    /* the parked one no longer holds b back */
	CHECK_INT(os.ids[0], b);
	os = (struct outbox_seen){ 0 };
	CHECK_INT(store_outbox_each_queued(s, outbox_fn, &os), 0);
	CHECK_INT(os.n, 2);

	/* retry: back in the walk, refusals cleared, attempts kept */
	CHECK_INT(store_outbox_retry(s, a), 0);
	CHECK_INT(q_int(path, "SELECT count(*) FROM outbox WHERE parked_at IS NULL AND refusals = 0"
			" AND attempts = 3 AND last_error = '554 5.7.1 rejected (again)'", NULL), 1);
	os = (struct outbox_seen){ 0 };
	CHECK_INT(store_outbox_each_unsent(s, outbox_fn, &os), 0);
	CHECK_INT(os.n, 2);
	/* drop: gone; a sent or unknown entry cannot be dropped or retried */
	CHECK_INT(store_outbox_drop(s, a), 0);
	CHECK_INT(store_outbox_drop(s, a), -1);
	CHECK_CONTAINS(store_errmsg(s), "no report 1 waiting in the outbox");
	CHECK_INT(store_outbox_mark_sent(s, b, 400), 0);
	CHECK_INT(store_outbox_retry(s, b), -1);
	CHECK_INT(store_outbox_failed(s, b, 500, "x", true, 1, NULL), -1);
	CHECK_INT(q_int(path, "SELECT count(*) FROM outbox", NULL), 1);
	store_close(s);
	free(path);
}

/* A version 2 database (before the outbox's delivery columns) is
 * migrated forward, its waiting report kept and sendable. */
static void test_outbox_migration_v3(void)
{
	char *path = db_path("outbox-v2");
	struct store *s = open_ok(path);
	CHECK_INT(store_outbox_add(s, 1767578400, "Rapport ancien", "texte", NULL, NULL), 0);
	store_close(s);
	CHECK_INT(raw_exec(path, "ALTER TABLE outbox DROP COLUMN attempts;"
			   "ALTER TABLE outbox DROP COLUMN refusals;"
			   "ALTER TABLE outbox DROP COLUMN last_error;"
			   "ALTER TABLE outbox DROP COLUMN parked_at;"
			   /* and what later versions added */
			   "ALTER TABLE pages DROP COLUMN ack_failure;"
			   "ALTER TABLE pages DROP COLUMN ack_at;"
			   "ALTER TABLE pages DROP COLUMN ack_by;"
			   "ALTER TABLE pages DROP COLUMN ack_note;"
			   "ALTER TABLE pages DROP COLUMN ack_reminded_at;"
			   "DROP TABLE exchanges;"
			   "DROP TABLE exchange_bodies;"
			   "PRAGMA user_version = 2;"), SQLITE_OK);
	CHECK_INT(q_int(path, "SELECT count(*) FROM pragma_table_info('outbox') WHERE name = 'parked_at'",
			NULL), 0);
	s = open_ok(path);
	CHECK_INT(q_int(path, "PRAGMA user_version", NULL), STORE_SCHEMA_VERSION);
	CHECK_INT(q_int(path, "SELECT count(*) FROM pragma_table_info('pages') WHERE name LIKE 'ack_%'",
			NULL), 5);
	CHECK_INT(q_int(path, "SELECT count(*) FROM pragma_table_info('outbox')"
			" WHERE name IN ('attempts', 'refusals', 'last_error', 'parked_at')", NULL), 4);
	struct outbox_seen os = { 0 };
	CHECK_INT(store_outbox_each_unsent(s, outbox_fn, &os), 0);
	CHECK_INT(os.n, 1);
	CHECK_STR(os.subjects[0], "Rapport ancien|texte|2026-01-05T02:00:00Z");
	bool parked = true;
	CHECK_INT(store_outbox_failed(s, os.ids[0], 10, "554 non", true, 3, &parked), 0);
	CHECK(!parked);
	store_close(s);
	free(path);
}

/* A version 4 database (before evidence) migrates to 5: its history
 * kept, the exchange tables there; then a change's exchange is kept once
 * per body, cited, and survives prune while an uncited one goes. */
static void test_evidence_migration_v5(void)
{
	char *path = db_path("evidence-v4");
	struct store *s = open_ok(path);
	struct page_outcome o = { .page_id = "02-laon", .kind = OUTCOME_NEW, .at = 1000,
				  .text = "voie postale", .fields = "", .rules_fp = "r" };
	struct outcome_ids ids;
	CHECK_INT(store_sync_pages(s, pages3, 3), 0);
	CHECK_INT(store_commit_page(s, 0, &o, &ids), 0);
	store_close(s);
	CHECK_INT(raw_exec(path, "DROP TABLE exchanges; DROP TABLE exchange_bodies;"
			   "PRAGMA user_version = 4;"), SQLITE_OK);
	s = open_ok(path);
	CHECK_INT(q_int(path, "PRAGMA user_version", NULL), STORE_SCHEMA_VERSION);
	CHECK_INT(q_int(path, "SELECT count(*) FROM snapshots", NULL), 1);
	CHECK_INT(q_int(path, "SELECT count(*) FROM sqlite_master WHERE name IN"
			" ('exchanges', 'exchange_bodies')", NULL), 2);

	struct store_exchange x = { .target_uri = "https://a.example/aes", .at = 2000,
				    .ip = "192.0.2.1", .request = "GET / HTTP/1.1\r\n\r\n",
				    .request_len = 18, .response = "HTTP/1.1 200 OK\r\n\r\n",
				    .response_len = 19, .body = "<p>en ligne</p>", .body_len = 15,
				    .body_sha256 = "aa" };
	o.kind = OUTCOME_CHANGED;
	o.at = 2000;
	o.text = "en ligne";
	o.exchange = &x;
	CHECK_INT(store_commit_page(s, 0, &o, &ids), 0);
	int64_t change = ids.change_id;
	/* another page served the very same bytes: one body row */
	struct page_outcome o2 = { .page_id = "59-lille", .kind = OUTCOME_NEW, .at = 2000,
				   .text = "x", .fields = "", .rules_fp = "r", .exchange = &x };
	CHECK_INT(store_commit_page(s, 0, &o2, &ids), 0);
	CHECK_INT(q_int(path, "SELECT count(*) FROM exchanges", NULL), 2);
	CHECK_INT(q_int(path, "SELECT count(*) FROM exchange_bodies", NULL), 1);
	struct change_record c;
	CHECK_INT(store_change_get(s, change, &c), 0);
	CHECK_INT(c.evidence_at, 2000);
	CHECK_STR(c.evidence_sha256, "aa");
	change_record_release(&c);
	struct store_exchange_data d;
	CHECK_INT(store_exchange_read(s, 1, &d), 0);
	CHECK_STR(d.body, "<p>en ligne</p>");
	CHECK_STR(d.request, "GET / HTTP/1.1\r\n\r\n");
	store_exchange_data_release(&d);
	size_t nx = 9, nb = 9;
	CHECK_INT(store_prune_exchanges(s, 0, &nx, &nb), 0);
	CHECK_INT((long long)nx, 1);   /* the other page's: no change cites it */
	CHECK_INT((long long)nb, 0);   /* its body is the cited one's */
	CHECK_INT(q_int(path, "SELECT count(*) FROM exchanges WHERE change_id IS NOT NULL", NULL), 1);
	store_close(s);
	free(path);
}

/* A moved page (schema 6): relocate keeps its history under the same id,
 * the old URL as an alias, and clears the old address's streak; a
 * proposed address is recorded once. A version 4 file gains the tables. */
/* A version 6 database (before the law flags) migrates to 7, its history
 * kept; then a page's flags are replaced as a whole: a flag raised again
 * keeps when it was first raised and last reported, one no longer given
 * goes, and the evaluation remembers its snapshot and fingerprint. */
static void test_law_flags_migration_v7(void)
{
	char *path = db_path("law-v6");
	struct store *s = open_ok(path);
	struct page_outcome o = outcome("02-laon", OUTCOME_NEW, 1000, "5 ans de présence");
	struct outcome_ids ids;
	CHECK_INT(store_sync_pages(s, pages3, 3), 0);
	CHECK_INT(store_commit_page(s, 0, &o, &ids), 0);
	store_close(s);
	CHECK_INT(raw_exec(path, "DROP TABLE law_flags; DROP TABLE law_evals;"
			   "PRAGMA user_version = 6;"), SQLITE_OK);
	s = open_ok(path);
	CHECK_INT(q_int(path, "PRAGMA user_version", NULL), STORE_SCHEMA_VERSION);
	CHECK_INT(q_int(path, "SELECT count(*) FROM snapshots", NULL), 1);
	CHECK_INT(q_int(path, "SELECT count(*) FROM sqlite_master WHERE name IN"
			" ('law_flags', 'law_evals')", NULL), 2);

	int64_t snap = 0;
	char *fp = NULL;
	CHECK_INT(store_law_eval_get(s, "02-laon", &snap, &fp), 1);
	struct store_law_flag two[2] = {
		{ .event = "2025-01-23 la circulaire", .title = "la circulaire",
		  .evidence = "5 ans de présence", .page_updated = "2023-03-02" },
		{ .event = "2024-01-01 le décret", .title = "le décret", .undated = true },
	};
	CHECK_INT(store_law_flags_set(s, "02-laon", ids.snapshot_id, "fp1", two, 2, 2000), 0);
	CHECK_INT(store_law_eval_get(s, "02-laon", &snap, &fp), 0);
	CHECK_INT(snap, ids.snapshot_id);
	CHECK_STR(fp, "fp1");
	free(fp);
	const char *pid[1] = { "02-laon" }, *ev[1] = { "2025-01-23 la circulaire" };
	CHECK_INT(store_law_flags_mark_reported(s, pid, ev, 1, 2500), 0);

	/* evaluated again under another table: the circular's flag stays */
	CHECK_INT(store_law_flags_set(s, "02-laon", ids.snapshot_id, "fp2", two, 1, 3000), 0);
	struct store_law_flags f;
	CHECK_INT(store_law_flags_get(s, "02-laon", &f), 0);
	CHECK_INT(f.n, 1);
	if (f.n == 1) {
		CHECK_STR(f.v[0].event, "2025-01-23 la circulaire");
		CHECK_STR(f.v[0].evidence, "5 ans de présence");
		CHECK_STR(f.v[0].page_updated, "2023-03-02");
		CHECK(!f.v[0].undated);
		CHECK_INT(f.v[0].flagged_at, 2000);
		CHECK_INT(f.v[0].reported_at, 2500);
	}
	store_law_flags_release(&f);
	CHECK_INT(store_law_eval_get(s, "02-laon", &snap, &fp), 0);
	CHECK_STR(fp, "fp2");
	free(fp);
	/* no flag any more */
	CHECK_INT(store_law_flags_set(s, "02-laon", ids.snapshot_id, "fp3", NULL, 0, 4000), 0);
	CHECK_INT(q_int(path, "SELECT count(*) FROM law_flags", NULL), 0);
	store_close(s);
	free(path);
}

static void test_relocate(void)
{
	char *path = db_path("relocate.db");
	struct store *s = open_ok(path);
	struct page_state st;
	struct strvec aliases = STRVEC_INIT;
	bool first = false;
	int64_t run;
	if (!s) {
		free(path);
		return;
	}
	store_close(s);
	CHECK_INT(raw_exec(path, "DROP TABLE page_aliases; DROP TABLE relocations;"
			   "DROP TABLE exchanges; DROP TABLE exchange_bodies;"
			   "PRAGMA user_version = 4;"), SQLITE_OK);
	s = open_ok(path);
	CHECK_INT(q_int(path, "PRAGMA user_version", NULL), STORE_SCHEMA_VERSION);
	CHECK_INT(q_int(path, "SELECT count(*) FROM sqlite_master WHERE name IN"
			" ('page_aliases', 'relocations')", NULL), 2);

	CHECK_INT(store_sync_pages(s, pages3, 3), 0);
	CHECK_INT(store_run_begin(s, 1000, &run), 0);
	struct page_outcome o = outcome("02-laon", OUTCOME_NEW, 1000, "Procédure");
	int64_t snap = commit(s, run, &o, NULL);
	o = outcome("02-laon", OUTCOME_FAILED, 2000, NULL);
	o.failure = PW_FAIL_NOT_FOUND;
	commit(s, run, &o, NULL);

	CHECK_INT(store_relocate_page(s, "02-laon", "https://www.aisne.gouv.fr/Demarches/aes", 3000), 0);
	CHECK_INT(store_page_state(s, "02-laon", &st), 0);
	CHECK(st.has_snapshot);
	CHECK_INT(st.snapshot_id, snap);
	CHECK_STR(st.text, "Procédure");
	CHECK_INT(st.fail_count, 0);
	CHECK(st.last_failure == NULL);
	CHECK_STR(st.final_url, "https://www.aisne.gouv.fr/Demarches/aes");
	store_page_state_release(&st);
	char *url = q_text(path, "SELECT url FROM pages WHERE id = '02-laon'");
	CHECK_STR(url, "https://www.aisne.gouv.fr/Demarches/aes");
	free(url);
	CHECK_INT(store_page_aliases(s, "02-laon", &aliases), 0);
	CHECK_INT(aliases.n, 1);
	if (aliases.n)
		CHECK_STR(aliases.v[0], "https://www.aisne.gouv.fr/aes");
	CHECK_INT(q_int(path, "SELECT until FROM page_aliases WHERE page_id = '02-laon'", NULL), 3000);
	/* the same address again adds no alias; an unknown page is refused */
	CHECK_INT(store_relocate_page(s, "02-laon", "https://www.aisne.gouv.fr/Demarches/aes", 3100), 0);
	CHECK_INT(q_int(path, "SELECT count(*) FROM page_aliases", NULL), 1);
	CHECK_INT(store_relocate_page(s, "99-nowhere", "https://a.fr/", 3100), 1);
	CHECK_CONTAINS(store_errmsg(s), "unknown page");

	CHECK_INT(store_relocation_propose(s, "59-lille", "https://www.nord.gouv.fr/new", 0.93, 4000,
					   &first), 0);
	CHECK(first);
	CHECK_INT(store_relocation_propose(s, "59-lille", "https://www.nord.gouv.fr/new", 0.95, 5000,
					   &first), 0);
	CHECK(!first);
	CHECK_INT(q_int(path, "SELECT proposed_at FROM relocations", NULL), 4000);
	strvec_release(&aliases);
	store_close(s);
	free(path);
}

/* A file-size limit stands in for a full disk: commits fail cleanly in
 * a child, and the file holds every commit that succeeded. */
static void test_full_disk_fails_cleanly(void)
{
	char *path = db_path("full");
	struct store *s = open_ok(path);
	CHECK_INT(store_sync_pages(s, pages3, 3), 0);
	store_close(s);

	int fds[2];
	CHECK_INT(pipe(fds), 0);
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		signal(SIGXFSZ, SIG_IGN);
		struct rlimit rl = { 2 * 1024 * 1024, 2 * 1024 * 1024 };
		setrlimit(RLIMIT_FSIZE, &rl);
		struct store *c = store_open(path, NULL);
		if (!c)
			_exit(2);
		/* incompressible bodies fill the file quickly */
		size_t n = 64 * 1024;
		char *body = xmalloc(n);
		uint64_t x = 88172645463325252ULL;
		int i;
		for (i = 1; i < 1000; i++) {
			for (size_t k = 0; k < n; k++) {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				body[k] = (char)x;
			}
			char text[32];
			snprintf(text, sizeof(text), "version %d", i);
			struct page_outcome o = outcome("02-laon", i == 1 ? OUTCOME_NEW : OUTCOME_CHANGED,
							i, text);
			o.raw = body;
			o.raw_len = n;
			if (store_commit_page(c, 0, &o, NULL) < 0)
				break;
			ssize_t w = write(fds[1], &i, sizeof(i));
			(void)w;
		}
		const char *msg = store_errmsg(c);
		ssize_t w = write(fds[1], msg, strlen(msg));
		(void)w;
		/* and a later, small commit still fails or succeeds cleanly */
		store_close(c);
		free(body);
		_exit(i < 1000 ? 0 : 1);
	}
	close(fds[1]);
	char out[4096];
	size_t got = 0;
	ssize_t r;
	while ((r = read(fds[0], out + got, sizeof(out) - 1 - got)) > 0)
		got += (size_t)r;
	out[got] = '\0';
	close(fds[0]);
	int status;
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* the ints written before the message */
	int last = 0;
	size_t k = 0;
	while (k + sizeof(int) <= got) {
		int v;
		memcpy(&v, out + k, sizeof(v));
		if (v != last + 1)
			break;
		last = v;
		k += sizeof(int);
	}
	out[got] = '\0';
	fprintf(stderr, "full disk after %d commits: %s\n", last, out + k);
	CHECK(last > 3);
	CHECK(strstr(out + k, "disk") || strstr(out + k, "full"));
	CHECK(strstr(out + k, "File too large") != NULL);

	char *ic = q_text(path, "PRAGMA integrity_check");
	CHECK_STR(ic, "ok");
	free(ic);
	CHECK_INT(q_int(path, "SELECT count(*) FROM snapshots", NULL), last);
	CHECK_INT(q_int(path, "SELECT count(*) FROM fetches", NULL), last);
	CHECK_INT(q_int(path, "SELECT count(*) FROM changes", NULL), last - 1);
	s = open_ok(path);
	struct page_state st;
	CHECK_INT(store_page_state(s, "02-laon", &st), 0);
	char want[32];
	snprintf(want, sizeof(want), "version %d", last);
	CHECK_STR(st.text, want);
	store_page_state_release(&st);
	struct page_outcome o = outcome("02-laon", OUTCOME_UNCHANGED, 5000, NULL);
	commit(s, 0, &o, NULL);
	store_close(s);
	free(path);
}

int main(int argc, char **argv)
{
	log_set_level(LOG_ERROR);
	test_select(argc, argv);
	TEST_RUN(test_fresh_file_migrates);
	TEST_RUN(test_ack_failure);
	TEST_RUN(test_page_snapshot_id);
	TEST_RUN(test_reopen_is_idempotent);
	TEST_RUN(test_newer_version_refused_untouched);
	TEST_RUN(test_garbage_file_refused_untouched);
	TEST_RUN(test_corrupt_file_refused_untouched);
	TEST_RUN(test_foreign_database_refused_untouched);
	TEST_RUN(test_read_only_refused);
	TEST_RUN(test_locked_by_another_process);
	TEST_RUN(test_sync_keeps_removed_pages);
	TEST_RUN(test_outcome_sequence_page_state);
	TEST_RUN(test_same_text_one_snapshot_and_revert);
	TEST_RUN(test_raw_body_round_trip);
	TEST_RUN(test_commit_rolls_back_on_error);
	TEST_RUN(test_group_commits);
	TEST_RUN(test_change_filters);
	TEST_RUN(test_review_round_trip);
	TEST_RUN(test_mark_reported);
	TEST_RUN(test_snapshots_each);
	TEST_RUN(test_outbox);
	TEST_RUN(test_outbox_parking);
	TEST_RUN(test_outbox_migration_v3);
	TEST_RUN(test_evidence_migration_v5);
	TEST_RUN(test_law_flags_migration_v7);
	TEST_RUN(test_relocate);
	TEST_RUN(test_page_checks);
	TEST_RUN(test_full_disk_fails_cleanly);
	return test_finish();
}
