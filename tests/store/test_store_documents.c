/*
 * test_store_documents.c - linked documents in the store (schema 2): a
 * page's links synced by (page, url), documents kept like pages under
 * their own id, history kept when a link disappears, left alone by the
 * watchlist sync.
 */
#include "common/common.h"
#include "store/store.h"

#include <sqlite3.h>

#include "tests/common/test.h"

static long long q_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long v = -999;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static const struct store_page_info laon = {
	"02-laon", "https://www.aisne.gouv.fr/aes", "02-laon", "Préfecture de Laon", "prefecture",
	"Hauts-de-France", "02", "Aisne"
};

static const char *const L = "https://www.aisne.gouv.fr/docs/liste.pdf";
static const char *const F = "https://www.aisne.gouv.fr/docs/formulaire.pdf";

static void commit_text(struct store *s, const char *id, enum outcome_kind k, time_t at,
			const char *text, struct outcome_ids *ids)
{
	struct page_outcome o = { 0 };
	o.page_id = id;
	o.kind = k;
	o.at = at;
	o.http_status = 200;
	o.text = text;
	o.raw = "%PDF-1.4 ...";
	o.raw_len = 12;
	o.body_hash = "h";
	o.rules_fp = "document-text/1";
	CHECK_INT(store_commit_page(s, 0, &o, ids), 0);
}

static void test_documents(void)
{
	char *path = xasprintf("%s/docs.db", test_tmpdir());
	char *err = NULL;
	struct store *s = store_open(path, &err);
	CHECK(s != NULL);
	if (!s) {
		fprintf(stderr, "%s\n", err);
		free(err);
		free(path);
		return;
	}
	CHECK_INT(q_int(path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	CHECK_INT(store_sync_pages(s, &laon, 1), 0);

	char *lid = store_document_id("02-laon", L);
	char *fid = store_document_id("02-laon", F);
	CHECK(!strncmp(lid, "02-laon/doc/", 12) && strlen(lid) == 12 + 16);
	CHECK(strcmp(lid, fid) != 0);

	/* night 1: two links */
	struct store_document_link two[] = { { L, "Liste des pièces" }, { F, "Formulaire" } };
	CHECK_INT(store_documents_sync(s, "02-laon", two, 2, 1000), 0);
	struct store_document *v = NULL;
	size_t n = 0;
	CHECK_INT(store_documents_list(s, "02-laon", &v, &n), 0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(v[0].id, lid);
		CHECK_STR(v[0].url, L);
		CHECK_STR(v[0].title, "Liste des pièces");
		CHECK(v[0].linked && !v[0].has_snapshot && v[0].unlinked_at == 0);
		CHECK_INT(v[0].first_linked, 1000);
	}
	store_documents_free(v, n);

	/* a document is kept like a page */
	struct outcome_ids ids;
	commit_text(s, lid, OUTCOME_NEW, 1000, "Liste\nPasseport", &ids);
	commit_text(s, fid, OUTCOME_NEW, 1000, "Formulaire", &ids);
	commit_text(s, lid, OUTCOME_CHANGED, 2000, "Liste\nPasseport\nBulletins", &ids);
	CHECK(ids.change_id > 0);
	struct page_state st;
	CHECK_INT(store_page_state(s, lid, &st), 0);
	CHECK(st.has_snapshot);
	CHECK_STR(st.text, "Liste\nPasseport\nBulletins");
	store_page_state_release(&st);
	char *raw = NULL;
	size_t raw_len = 0;
	CHECK_INT(store_snapshot_raw(s, ids.snapshot_id, &raw, &raw_len), 0);
	CHECK_INT(raw_len, 12);
	free(raw);
	struct change_record c;
	CHECK_INT(store_change_get(s, ids.change_id, &c), 0);
	CHECK_STR(c.page_id, lid);
	CHECK_STR(c.url, L);
	CHECK_STR(c.office_name, "Préfecture de Laon");
	change_record_release(&c);

	/* the watchlist sync leaves documents alone */
	CHECK_INT(store_sync_pages(s, &laon, 1), 0);
	CHECK_INT(q_int(path, "SELECT count(*) FROM pages WHERE parent_page IS NOT NULL AND active = 1"), 2);

	/* night 3: the form is gone; its history stays */
	struct store_document_link one[] = { { L, "Liste des pièces (mise à jour)" } };
	CHECK_INT(store_documents_sync(s, "02-laon", one, 1, 3000), 0);
	CHECK_INT(store_documents_list(s, "02-laon", &v, &n), 0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK(v[0].linked && v[0].has_snapshot);
		CHECK_STR(v[0].title, "Liste des pièces (mise à jour)");
		CHECK(!v[1].linked);
		CHECK_INT(v[1].unlinked_at, 3000);
	}
	store_documents_free(v, n);
	/* said once: a second sync keeps the first unlink time */
	CHECK_INT(store_documents_sync(s, "02-laon", one, 1, 4000), 0);
	CHECK_INT(store_documents_list(s, "02-laon", &v, &n), 0);
	if (n == 2)
		CHECK_INT(v[1].unlinked_at, 3000);
	store_documents_free(v, n);
	CHECK_INT(q_int(path, "SELECT count(*) FROM snapshots WHERE page_id LIKE '02-laon/doc/%'"), 3);

	/* it comes back: same id, linked again */
	CHECK_INT(store_documents_sync(s, "02-laon", two, 2, 5000), 0);
	CHECK_INT(store_documents_list(s, "02-laon", &v, &n), 0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK(v[1].linked && v[1].has_snapshot && v[1].unlinked_at == 0);
		CHECK_INT(v[1].first_linked, 1000);
	}
	store_documents_free(v, n);

	/* no links at all; an unknown page is an error, nothing written */
	CHECK_INT(store_documents_sync(s, "02-laon", NULL, 0, 6000), 0);
	CHECK_INT(q_int(path, "SELECT count(*) FROM pages WHERE parent_page = '02-laon' AND active = 0"), 2);
	CHECK_INT(store_documents_sync(s, "99-nowhere", one, 1, 6000), -1);
	CHECK_CONTAINS(store_errmsg(s), "unknown page");
	CHECK_INT(store_documents_list(s, "99-nowhere", &v, &n), 0);
	CHECK_INT(n, 0);
	CHECK(v == NULL);

	free(lid);
	free(fid);
	store_close(s);
	free(err);
	free(path);
}

/* The schema as version 1 created it (store.c's first migration, copied
 * here so that the file is what an older prefwatch left). */
static const char v1_schema[] =
	  "CREATE TABLE runs ("
	  "  id          INTEGER PRIMARY KEY,"
	  "  started_at  INTEGER NOT NULL,"
	  "  finished_at INTEGER,"
	  "  pages       INTEGER,"
	  "  new_pages   INTEGER,"
	  "  unchanged   INTEGER,"
	  "  changed     INTEGER,"
	  "  failed      INTEGER"
	  ");"
	  "CREATE TABLE pages ("
	  "  id               TEXT PRIMARY KEY,"
	  "  url              TEXT NOT NULL,"
	  "  office_id        TEXT,"
	  "  office_name      TEXT,"
	  "  office_kind      TEXT,"
	  "  region           TEXT,"
	  "  departement      TEXT,"
	  "  departement_name TEXT,"
	  "  active           INTEGER NOT NULL DEFAULT 1,"
	  "  first_seen       INTEGER NOT NULL,"
	  /* running state, updated by every committed outcome */
	  "  current_snapshot INTEGER REFERENCES snapshots(id),"
	  "  etag             TEXT,"
	  "  last_modified    TEXT,"
	  "  body_hash        TEXT,"
	  "  final_url        TEXT,"
	  "  fail_count       INTEGER NOT NULL DEFAULT 0,"
	  "  failing_since    INTEGER,"
	  "  last_failure     TEXT"
	  ");"
	  "CREATE TABLE fetches ("
	  "  id            INTEGER PRIMARY KEY,"
	  "  run_id        INTEGER REFERENCES runs(id),"
	  "  page_id       TEXT NOT NULL REFERENCES pages(id),"
	  "  at            INTEGER NOT NULL,"
	  "  http_status   INTEGER,"
	  "  final_url     TEXT,"
	  "  etag          TEXT,"
	  "  last_modified TEXT,"
	  "  bytes         INTEGER NOT NULL DEFAULT 0,"
	  "  duration      REAL,"
	  "  failure       TEXT,"
	  "  error         TEXT"
	  ");"
	  "CREATE INDEX fetches_page ON fetches(page_id, at);"
	  "CREATE INDEX fetches_run ON fetches(run_id);"
	  "CREATE TABLE snapshots ("
	  "  id         INTEGER PRIMARY KEY,"
	  "  page_id    TEXT NOT NULL REFERENCES pages(id),"
	  "  text       TEXT NOT NULL,"
	  "  text_hash  TEXT NOT NULL,"
	  "  fields     TEXT,"
	  "  raw        BLOB,"              /* zlib (compress2) of the body */
	  "  raw_len    INTEGER,"           /* uncompressed length */
	  "  body_hash  TEXT,"
	  "  rules_fp   TEXT NOT NULL DEFAULT '',"
	  "  first_seen INTEGER NOT NULL,"
	  "  last_seen  INTEGER NOT NULL"
	  ");"
	  /* Not UNIQUE: identity is the text itself (compared in the lookup),
	   * the hash only narrows the search. */
	  "CREATE INDEX snapshots_lookup ON snapshots(page_id, text_hash, rules_fp);"
	  "CREATE TABLE changes ("
	  "  id           INTEGER PRIMARY KEY,"
	  "  page_id      TEXT NOT NULL REFERENCES pages(id),"
	  "  run_id       INTEGER REFERENCES runs(id),"
	  "  old_snapshot INTEGER REFERENCES snapshots(id),"
	  "  new_snapshot INTEGER NOT NULL REFERENCES snapshots(id),"
	  "  detected_at  INTEGER NOT NULL,"
	  "  field_deltas TEXT,"
	  "  reverted_to  INTEGER REFERENCES snapshots(id),"
	  "  state        TEXT NOT NULL DEFAULT 'pending'"
	  "               CHECK (state IN ('pending', 'reviewed', 'dismissed')),"
	  "  reviewed_by  TEXT,"
	  "  reviewed_at  INTEGER,"
	  "  note         TEXT,"
	  "  reported_at  INTEGER"
	  ");"
	  "CREATE INDEX changes_page ON changes(page_id, detected_at);"
	  "CREATE INDEX changes_run ON changes(run_id);"
	  "CREATE INDEX changes_detected ON changes(detected_at);"
	  "CREATE INDEX changes_pending ON changes(detected_at) WHERE state = 'pending';"
	  "CREATE INDEX changes_unreported ON changes(detected_at) WHERE reported_at IS NULL;"
	  "CREATE TABLE outbox ("
	  "  id         INTEGER PRIMARY KEY,"
	  "  created_at INTEGER NOT NULL,"
	  "  subject    TEXT NOT NULL,"
	  "  text       TEXT NOT NULL,"
	  "  html       TEXT,"
	  "  sent_at    INTEGER"
	  ");"
	  "CREATE INDEX outbox_unsent ON outbox(id) WHERE sent_at IS NULL;"
	  "PRAGMA user_version = 1;";

static void test_migrate_v1(void)
{
	char *path = xasprintf("%s/v1.db", test_tmpdir());
	sqlite3 *db = NULL;
	char *msg = NULL;
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, v1_schema, NULL, NULL, &msg), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, "INSERT INTO pages (id, url, first_seen) VALUES ('02-laon', 'u', 1);"
			       "INSERT INTO snapshots (page_id, text, text_hash, first_seen, last_seen)"
			       " VALUES ('02-laon', 'texte', 'h', 1, 1);"
			       "UPDATE pages SET current_snapshot = 1;", NULL, NULL, &msg), SQLITE_OK);
	if (msg)
		fprintf(stderr, "%s\n", msg);
	sqlite3_free(msg);
	sqlite3_close(db);
	CHECK_INT(q_int(path, "PRAGMA user_version"), 1);

	char *err = NULL;
	struct store *s = store_open(path, &err);
	CHECK(s != NULL);
	CHECK_INT(q_int(path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	if (s) {
		struct page_state st;
		CHECK_INT(store_page_state(s, "02-laon", &st), 0);
		CHECK_STR(st.text, "texte");
		store_page_state_release(&st);
		struct store_document_link l = { "https://x/a.pdf", "A" };
		CHECK_INT(store_documents_sync(s, "02-laon", &l, 1, 2), 0);
	}
	store_close(s);
	free(err);
	free(path);
}

int main(void)
{
	TEST_RUN(test_documents);
	TEST_RUN(test_migrate_v1);
	return test_finish();
}
