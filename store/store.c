/*
 * store.c - the SQLite database behind store.h.
 *
 * Assumptions this file is built on:
 *  - One process writes at a time (a nightly run, or an editor reviewing);
 *    others may read. WAL mode lets readers go on while a run commits, and
 *    the busy timeout makes a second writer wait rather than fail at once.
 *  - Every page outcome is one BEGIN IMMEDIATE ... COMMIT, so a process
 *    killed at any instant leaves either the whole outcome or none of it.
 *    With store_group_commits() on (the nightly crawl), the outcomes that
 *    store no new text (unchanged, failed) share a transaction of up to
 *    GROUP_MAX outcomes or GROUP_MS: each is a savepoint, all or nothing
 *    on its own; a kill loses at most one group of fetch records, never a
 *    snapshot, a change or a report. Any other write commits the group
 *    first.
 *    With WAL and synchronous=NORMAL a committed transaction survives the
 *    death of the process (it is in the WAL, in the OS cache); only a power
 *    loss may drop the last few, never corrupt the file.
 *  - Every statement is static text prepared once at open (table below)
 *    and finalised at close; values are always bound, never spliced.
 *  - The schema evolves by forward migrations only: migrations[] holds one
 *    entry per version, each ending with its own PRAGMA user_version so the
 *    version moves in the same transaction as the tables. A database newer
 *    than STORE_SCHEMA_VERSION is refused before anything is written.
 */
#include "common/common.h"
#include "store/store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>
#include <zlib.h>

/* A raw body bigger than this in the database means corruption: the
 * crawler caps bodies far below it, and we refuse to allocate blindly. */
#define STORE_RAW_MAX ((sqlite3_int64)256 * 1024 * 1024)
#define STORE_BUSY_TIMEOUT_MS 5000

/* ---- schema ---- */

struct migration {
	int version;
	const char *sql;
};

static const struct migration migrations[] = {
	{ 1,
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
	  "PRAGMA user_version = 1;" },
	/* Linked documents are kept like pages, in rows of `pages` of their
	 * own (id "PAGE/doc/HASH", see store_document_id()): fetches,
	 * snapshots, streaks and changes need nothing new. What a document
	 * adds is its link: the page that links it, the link text, and when
	 * the link disappeared (`active` is "still linked"). */
	{ 2,
	  "ALTER TABLE pages ADD COLUMN parent_page TEXT REFERENCES pages(id);"
	  "ALTER TABLE pages ADD COLUMN doc_title TEXT;"
	  "ALTER TABLE pages ADD COLUMN doc_unlinked_at INTEGER;"
	  "CREATE UNIQUE INDEX pages_documents ON pages(parent_page, url)"
	  "  WHERE parent_page IS NOT NULL;"
	  "PRAGMA user_version = 2;" },
	/* Mail delivery state per report: how often it failed, the last
	 * error (the server's own words), and when a report the server keeps
	 * refusing (5xx) was parked, so that it no longer holds back later
	 * ones. */
	{ 3,
	  "ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;"
	  "ALTER TABLE outbox ADD COLUMN refusals INTEGER NOT NULL DEFAULT 0;"
	  "ALTER TABLE outbox ADD COLUMN last_error TEXT;"
	  "ALTER TABLE outbox ADD COLUMN parked_at INTEGER;"
	  "PRAGMA user_version = 3;" },
	/* An editor can acknowledge a page's failure (`prefwatch ack
	 * PAGE_ID`): the kind acknowledged, when, by whom, and when the
	 * weekly reminder was last given. A failure of another kind, or the
	 * page reading again, ends it. */
	{ 4,
	  "ALTER TABLE pages ADD COLUMN ack_failure TEXT;"
	  "ALTER TABLE pages ADD COLUMN ack_at INTEGER;"
	  "ALTER TABLE pages ADD COLUMN ack_by TEXT;"
	  "ALTER TABLE pages ADD COLUMN ack_note TEXT;"
	  "ALTER TABLE pages ADD COLUMN ack_reminded_at INTEGER;"
	  "PRAGMA user_version = 4;" },
	/* Evidence: the HTTP exchange behind every version that starts (a
	 * new page, a change, a reversion, a document version), linked to the
	 * snapshot it proves and the change it came with. Bodies as served
	 * are kept once per SHA-256 (a page served the same bytes on many
	 * nights, or by two pages), zlib-compressed like snapshots' raw. */
	{ 5,
	  "CREATE TABLE exchange_bodies ("
	  "  sha256 TEXT PRIMARY KEY,"
	  "  data   BLOB NOT NULL,"           /* zlib (compress2) of the body */
	  "  size   INTEGER NOT NULL"         /* uncompressed length */
	  ");"
	  "CREATE TABLE exchanges ("
	  "  id           INTEGER PRIMARY KEY,"
	  "  page_id      TEXT NOT NULL REFERENCES pages(id),"
	  "  snapshot_id  INTEGER NOT NULL REFERENCES snapshots(id),"
	  "  change_id    INTEGER REFERENCES changes(id),"
	  "  fetch_id     INTEGER REFERENCES fetches(id),"
	  "  at           INTEGER NOT NULL,"
	  "  target_uri   TEXT NOT NULL,"
	  "  ip           TEXT,"
	  "  request      BLOB NOT NULL,"     /* zlib, like the response head */
	  "  request_len  INTEGER NOT NULL,"
	  "  response     BLOB NOT NULL,"
	  "  response_len INTEGER NOT NULL,"
	  "  body_sha256  TEXT NOT NULL REFERENCES exchange_bodies(sha256)"
	  ");"
	  "CREATE INDEX exchanges_snapshot ON exchanges(snapshot_id, at);"
	  "CREATE INDEX exchanges_change ON exchanges(change_id) WHERE change_id IS NOT NULL;"
	  "CREATE INDEX exchanges_page ON exchanges(page_id, at);"
	  "CREATE INDEX exchanges_body ON exchanges(body_sha256);"
	  "PRAGMA user_version = 5;" },
	/* A page moved: `prefwatch relocate` gives it a new URL and keeps the
	 * old one as an alias (until when it was the page's address), so the
	 * history goes on under the same id. The new addresses a run found
	 * and proposed are kept so that each is proposed once. (Version 5 is
	 * another change, taken in parallel: migrations run in order.) */
	{ 6,
	  "CREATE TABLE IF NOT EXISTS page_aliases ("
	  "  page_id TEXT NOT NULL REFERENCES pages(id),"
	  "  url     TEXT NOT NULL,"
	  "  until   INTEGER NOT NULL"
	  ");"
	  "CREATE INDEX IF NOT EXISTS page_aliases_page ON page_aliases(page_id);"
	  "CREATE TABLE IF NOT EXISTS relocations ("
	  "  page_id     TEXT NOT NULL REFERENCES pages(id),"
	  "  url         TEXT NOT NULL,"
	  "  score       REAL NOT NULL,"
	  "  proposed_at INTEGER NOT NULL,"
	  "  PRIMARY KEY (page_id, url)"
	  ");"
	  "PRAGMA user_version = 6;" },
	/* Stale against the law: which legal events each page was last found
	 * to predate (law_flags, one row per page and event while it lasts,
	 * with when it was first raised and last reported: listed once, then
	 * weekly), and what that finding was made of (law_evals: the page's
	 * snapshot and the table's fingerprint), so that it is redone only
	 * when the text or the table changed. (Another change may take
	 * version 7 in parallel: migrations run in order.) */
	{ 7,
	  "CREATE TABLE IF NOT EXISTS law_evals ("
	  "  page_id     TEXT PRIMARY KEY REFERENCES pages(id),"
	  "  snapshot_id INTEGER NOT NULL,"
	  "  laws_fp     TEXT NOT NULL,"
	  "  at          INTEGER NOT NULL"
	  ");"
	  "CREATE TABLE IF NOT EXISTS law_flags ("
	  "  page_id     TEXT NOT NULL REFERENCES pages(id),"
	  "  event       TEXT NOT NULL,"      /* the event's date and title */
	  "  title       TEXT NOT NULL,"
	  "  undated     INTEGER NOT NULL,"
	  "  evidence    TEXT,"               /* the phrase(s) found, as in the table */
	  "  page_updated TEXT,"              /* the page's stamp it was judged with */
	  "  flagged_at  INTEGER NOT NULL,"
	  "  reported_at INTEGER,"
	  "  PRIMARY KEY (page_id, event)"
	  ");"
	  "PRAGMA user_version = 7;" },
};

/* ---- statements, prepared once at open ---- */

enum stmt_id {
	ST_BEGIN,
	ST_XBODY_HAS,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_PAGES_ACTIVE,
	ST_PAGE_DEACTIVATE,
	ST_DOCS_OFFICE,
	ST_PAGE_UPSERT,
	ST_PAGE_STATE,
	ST_PAGE_STATE_LIGHT,
	ST_PAGE_CURRENT,
	ST_PAGE_FAILED,
	ST_PAGE_OK,
	ST_PAGE_ACK,
	ST_RUN_BEGIN,
	ST_RUN_FINISH,
	ST_FETCH_INSERT,
	ST_SNAPSHOT_FIND,
	ST_SNAPSHOT_INSERT,
	ST_SNAPSHOT_SEEN,
	ST_SNAPSHOT_RAW,
	ST_SNAPSHOTS_LIST,
	ST_CHANGE_INSERT,
	ST_CHANGE_GET,
	ST_CHANGE_IDS,
	ST_CHANGE_REVIEW,
	ST_CHANGE_STATE,
	ST_CHANGE_REPORTED,
	ST_OUTBOX_ADD,
	ST_OUTBOX_SENT,
	ST_OUTBOX_UNSENT,
	ST_OUTBOX_GET,
	ST_OUTBOX_QUEUED,
	ST_OUTBOX_FAILED,
	ST_OUTBOX_STATE,
	ST_OUTBOX_DROP,
	ST_OUTBOX_RETRY,
	ST_SNAPSHOT_INSERT_SPAN,
	ST_SNAPSHOT_WIDEN,
	ST_PAGE_SET_CURRENT,
	ST_DOCS_MARK,
	ST_DOC_UPSERT,
	ST_DOCS_UNLINK,
	ST_DOCS_LIST,
	ST_XBODY_PUT,
	ST_XCHG_INSERT,
	ST_XCHG_OF_CHANGE,
	ST_XCHG_FOR_CHANGE,
	ST_XCHG_PAGE_CURRENT,
	ST_XCHG_PAGE_ALL,
	ST_XCHG_READ,
	ST_XCHG_PRUNE,
	ST_XBODY_PRUNE,
	ST_PAGE_URL,
	ST_ALIAS_ADD,
	ST_PAGE_RELOCATE,
	ST_RELOCATION_ADD,
	ST_ALIASES_LIST,
	ST_LAW_EVAL_GET,
	ST_LAW_EVAL_PUT,
	ST_LAW_FLAGS_LIST,
	ST_LAW_FLAG_UPSERT,
	ST_LAW_FLAG_DELETE,
	ST_LAW_FLAG_REPORTED,
	ST_PAGE_CHECKS,
	ST__COUNT
};

static const char *const stmt_sql[ST__COUNT] = {
	[ST_LAW_EVAL_GET] = "SELECT snapshot_id, laws_fp FROM law_evals WHERE page_id = ?1",
	[ST_LAW_EVAL_PUT] =
		"INSERT INTO law_evals (page_id, snapshot_id, laws_fp, at) VALUES (?1, ?2, ?3, ?4)"
		" ON CONFLICT (page_id) DO UPDATE SET snapshot_id = excluded.snapshot_id,"
		"  laws_fp = excluded.laws_fp, at = excluded.at",
	[ST_LAW_FLAGS_LIST] =
		"SELECT event, title, undated, evidence, flagged_at, reported_at, page_updated"
		" FROM law_flags"
		" WHERE page_id = ?1 ORDER BY event",
	[ST_LAW_FLAG_UPSERT] =
		"INSERT INTO law_flags (page_id, event, title, undated, evidence, flagged_at,"
		"                       page_updated)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
		" ON CONFLICT (page_id, event) DO UPDATE SET title = excluded.title,"
		"  undated = excluded.undated, evidence = excluded.evidence,"
		"  page_updated = excluded.page_updated",
	[ST_LAW_FLAG_DELETE] = "DELETE FROM law_flags WHERE page_id = ?1 AND event = ?2",
	[ST_LAW_FLAG_REPORTED] =
		"UPDATE law_flags SET reported_at = ?3 WHERE page_id = ?1 AND event = ?2",
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_SAVEPOINT] = "SAVEPOINT outcome",
	[ST_RELEASE] = "RELEASE outcome",
	[ST_ROLLBACK_TO] = "ROLLBACK TO outcome",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	/* documents are linked or not by their page, not by the watchlist */
	/* a page's documents carry its office (copied when their links are
	 * recorded, which a night with the same links skips) */
	[ST_DOCS_OFFICE] =
		"UPDATE pages SET office_id = p.office_id, office_name = p.office_name,"
		"  office_kind = p.office_kind, region = p.region, departement = p.departement,"
		"  departement_name = p.departement_name"
		" FROM pages p WHERE pages.parent_page = p.id AND"
		"  (pages.office_id IS NOT p.office_id OR pages.office_name IS NOT p.office_name OR"
		"   pages.office_kind IS NOT p.office_kind OR pages.region IS NOT p.region OR"
		"   pages.departement IS NOT p.departement OR"
		"   pages.departement_name IS NOT p.departement_name)",
	[ST_PAGES_ACTIVE] = "SELECT id FROM pages WHERE active <> 0 AND parent_page IS NULL",
	[ST_PAGE_DEACTIVATE] = "UPDATE pages SET active = 0 WHERE id = ?1",
	[ST_PAGE_UPSERT] =
		"INSERT INTO pages (id, url, office_id, office_name, office_kind, region,"
		"                   departement, departement_name, active, first_seen)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9)"
		" ON CONFLICT (id) DO UPDATE SET url = excluded.url,"
		"  office_id = excluded.office_id, office_name = excluded.office_name,"
		"  office_kind = excluded.office_kind, region = excluded.region,"
		"  departement = excluded.departement,"
		"  departement_name = excluded.departement_name, active = 1"
		/* a row already so is not written again: every page, every night */
		" WHERE url IS NOT excluded.url OR office_id IS NOT excluded.office_id"
		"  OR office_name IS NOT excluded.office_name"
		"  OR office_kind IS NOT excluded.office_kind OR region IS NOT excluded.region"
		"  OR departement IS NOT excluded.departement"
		"  OR departement_name IS NOT excluded.departement_name OR active IS NOT 1",
	[ST_PAGE_STATE] =
		"SELECT p.current_snapshot, s.first_seen, s.text, s.fields, s.rules_fp,"
		"       p.body_hash, p.etag, p.last_modified, p.final_url,"
		"       p.fail_count, p.failing_since, p.last_failure,"
		"       p.ack_failure, p.ack_at, p.ack_reminded_at"
		" FROM pages p LEFT JOIN snapshots s ON s.id = p.current_snapshot"
		" WHERE p.id = ?1",
	/* the same without the text and facts, which a run reads only when
	 * the page's fetch needs them (a snapshot's text is overflow pages) */
	[ST_PAGE_STATE_LIGHT] =
		"SELECT p.current_snapshot, s.first_seen, NULL, NULL, s.rules_fp,"
		"       p.body_hash, p.etag, p.last_modified, p.final_url,"
		"       p.fail_count, p.failing_since, p.last_failure,"
		"       p.ack_failure, p.ack_at, p.ack_reminded_at"
		" FROM pages p LEFT JOIN snapshots s ON s.id = p.current_snapshot"
		" WHERE p.id = ?1",
	[ST_PAGE_CURRENT] = "SELECT current_snapshot FROM pages WHERE id = ?1",
	[ST_PAGE_FAILED] =
		"UPDATE pages SET fail_count = fail_count + 1,"
		"  failing_since = CASE WHEN fail_count = 0 OR failing_since IS NULL"
		"                  THEN ?2 ELSE failing_since END,"
		"  last_failure = ?3,"
		/* an acknowledgement holds for its kind of failure only */
		"  ack_at = CASE WHEN ack_failure = ?3 THEN ack_at END,"
		"  ack_by = CASE WHEN ack_failure = ?3 THEN ack_by END,"
		"  ack_note = CASE WHEN ack_failure = ?3 THEN ack_note END,"
		"  ack_reminded_at = CASE WHEN ack_failure <> ?3 THEN NULL"
		"                    WHEN ?4 THEN ?2 ELSE ack_reminded_at END,"
		"  ack_failure = CASE WHEN ack_failure = ?3 THEN ack_failure END"
		" WHERE id = ?1",
	/* COALESCE: a 304 or a server that stops sending a validator leaves
	 * the last good value in place rather than forgetting it. A row that
	 * already holds every value is left alone: on a quiet night that is
	 * every page and document, and rewriting the same row cost as much as
	 * recording the fetch. */
	[ST_PAGE_OK] =
		"UPDATE pages SET fail_count = 0, failing_since = NULL, last_failure = NULL,"
		"  ack_failure = NULL, ack_at = NULL, ack_by = NULL, ack_note = NULL,"
		"  ack_reminded_at = NULL,"
		"  etag = COALESCE(?2, etag), last_modified = COALESCE(?3, last_modified),"
		"  body_hash = COALESCE(?4, body_hash), final_url = COALESCE(?5, final_url),"
		"  current_snapshot = COALESCE(?6, current_snapshot)"
		" WHERE id = ?1 AND (fail_count <> 0 OR failing_since IS NOT NULL"
		"  OR last_failure IS NOT NULL OR ack_failure IS NOT NULL OR ack_at IS NOT NULL"
		"  OR ack_by IS NOT NULL OR ack_note IS NOT NULL OR ack_reminded_at IS NOT NULL"
		"  OR etag IS NOT COALESCE(?2, etag)"
		"  OR last_modified IS NOT COALESCE(?3, last_modified)"
		"  OR body_hash IS NOT COALESCE(?4, body_hash)"
		"  OR final_url IS NOT COALESCE(?5, final_url)"
		"  OR current_snapshot IS NOT COALESCE(?6, current_snapshot))",
	[ST_PAGE_ACK] =
		"UPDATE pages SET ack_failure = last_failure, ack_at = ?2, ack_by = ?3,"
		"  ack_note = ?4, ack_reminded_at = NULL"
		" WHERE id = ?1 AND fail_count > 0 AND last_failure IS NOT NULL",
	[ST_PAGE_URL] = "SELECT url FROM pages WHERE id = ?1 AND parent_page IS NULL",
	[ST_ALIAS_ADD] = "INSERT INTO page_aliases (page_id, url, until) VALUES (?1, ?2, ?3)",
	/* the streak was the old address's: the editors dealt with it */
	[ST_PAGE_RELOCATE] =
		"UPDATE pages SET url = ?2, final_url = ?2, etag = NULL, last_modified = NULL,"
		"  fail_count = 0, failing_since = NULL, last_failure = NULL,"
		"  ack_failure = NULL, ack_at = NULL, ack_reminded_at = NULL WHERE id = ?1",
	[ST_RELOCATION_ADD] =
		"INSERT OR IGNORE INTO relocations (page_id, url, score, proposed_at)"
		" VALUES (?1, ?2, ?3, ?4)",
	[ST_ALIASES_LIST] = "SELECT url FROM page_aliases WHERE page_id = ?1 ORDER BY until, rowid",
	/* the dashboard's figures of one page: fetches_page covers both max() */
	[ST_PAGE_CHECKS] =
		"SELECT (SELECT max(at) FROM fetches WHERE page_id = ?1),"
		"       (SELECT max(at) FROM fetches WHERE page_id = ?1 AND failure IS NULL),"
		"       r.url, r.score, r.proposed_at"
		" FROM (SELECT 1) LEFT JOIN"
		"  (SELECT url, score, proposed_at FROM relocations WHERE page_id = ?1"
		"   ORDER BY proposed_at DESC, score DESC LIMIT 1) r",
	[ST_RUN_BEGIN] = "INSERT INTO runs (started_at) VALUES (?1)",
	[ST_RUN_FINISH] =
		"UPDATE runs SET finished_at = ?2, pages = ?3, new_pages = ?4,"
		"  unchanged = ?5, changed = ?6, failed = ?7 WHERE id = ?1",
	[ST_FETCH_INSERT] =
		"INSERT INTO fetches (run_id, page_id, at, http_status, final_url, etag,"
		"                     last_modified, bytes, duration, failure, error)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[ST_SNAPSHOT_FIND] =
		"SELECT id, first_seen FROM snapshots"
		" WHERE page_id = ?1 AND text_hash = ?2 AND rules_fp = ?3 AND text = ?4"
		" ORDER BY id LIMIT 1",
	[ST_SNAPSHOT_INSERT] =
		"INSERT INTO snapshots (page_id, text, text_hash, fields, raw, raw_len,"
		"                       body_hash, rules_fp, first_seen, last_seen)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
	/* A text seen again takes the latest body it was extracted from, if
	 * given: re-extraction under new rules must start from the page as
	 * it is now, not as it was when the text first appeared. */
	[ST_SNAPSHOT_SEEN] =
		"UPDATE snapshots SET last_seen = max(last_seen, ?2),"
		"  raw_len = CASE WHEN ?3 IS NOT NULL THEN ?4 ELSE raw_len END,"
		"  raw = COALESCE(?3, raw),"
		"  body_hash = COALESCE(?5, body_hash),"
		"  fields = COALESCE(?6, fields)"
		" WHERE id = ?1",
	[ST_SNAPSHOT_RAW] = "SELECT raw, raw_len FROM snapshots WHERE id = ?1",
	[ST_SNAPSHOTS_LIST] =
		"SELECT id, first_seen, last_seen, text_hash, rules_fp,"
		"       length(CAST(text AS BLOB))"
		" FROM snapshots WHERE page_id = ?1 ORDER BY first_seen, id",
	[ST_CHANGE_INSERT] =
		"INSERT INTO changes (page_id, run_id, old_snapshot, new_snapshot,"
		"                     detected_at, field_deltas, reverted_to)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[ST_CHANGE_GET] =
		"SELECT c.id, c.run_id, c.detected_at, c.page_id, p.url, p.office_id,"
		"       p.office_name, p.region, p.departement, p.departement_name,"
		"       c.old_snapshot, c.new_snapshot, so.first_seen, sn.first_seen,"
		"       so.text, sn.text, so.fields, sn.fields, c.field_deltas,"
		"       sr.first_seen, c.state, c.reviewed_by, c.reviewed_at, c.note,"
		"       c.reported_at"
		" FROM changes c"
		" JOIN pages p ON p.id = c.page_id"
		" JOIN snapshots sn ON sn.id = c.new_snapshot"
		" LEFT JOIN snapshots so ON so.id = c.old_snapshot"
		" LEFT JOIN snapshots sr ON sr.id = c.reverted_to"
		" WHERE c.id = ?1",
	/* One static statement for every filter: a zero/NULL parameter
	 * switches its condition off, so no SQL is ever assembled. */
	[ST_CHANGE_IDS] =
		"SELECT id FROM changes"
		" WHERE (?1 = 0 OR state = 'pending')"
		"   AND (?2 = 0 OR reported_at IS NULL)"
		"   AND detected_at >= ?3"
		"   AND (?4 = 0 OR run_id = ?4)"
		"   AND (?5 IS NULL OR page_id = ?5)"
		" ORDER BY detected_at, id",
	[ST_CHANGE_REVIEW] =
		"UPDATE changes SET state = ?2, reviewed_by = ?3, reviewed_at = ?4, note = ?5"
		" WHERE id = ?1 AND state = 'pending'",
	[ST_CHANGE_STATE] = "SELECT state FROM changes WHERE id = ?1",
	[ST_CHANGE_REPORTED] =
		"UPDATE changes SET reported_at = ?2 WHERE id = ?1 AND reported_at IS NULL",
	[ST_OUTBOX_ADD] =
		"INSERT INTO outbox (created_at, subject, text, html) VALUES (?1, ?2, ?3, ?4)",
	[ST_OUTBOX_SENT] =
		"UPDATE outbox SET sent_at = coalesce(sent_at, ?2) WHERE id = ?1",
	[ST_OUTBOX_UNSENT] =
		"SELECT id FROM outbox WHERE sent_at IS NULL AND parked_at IS NULL ORDER BY id",
	[ST_OUTBOX_GET] =
		"SELECT id, created_at, subject, text, html, attempts, refusals, last_error,"
		"       parked_at FROM outbox"
		" WHERE id = ?1 AND sent_at IS NULL",
	[ST_OUTBOX_QUEUED] = "SELECT id FROM outbox WHERE sent_at IS NULL ORDER BY id",
	/* SET expressions see the row before the update: refusals + 1 is the
	 * count this failure makes */
	[ST_OUTBOX_FAILED] =
		"UPDATE outbox SET attempts = attempts + 1, refusals = refusals + ?3,"
		"  last_error = ?2,"
		"  parked_at = CASE WHEN ?3 AND refusals + 1 >= ?4 THEN ?5 ELSE parked_at END"
		" WHERE id = ?1 AND sent_at IS NULL",
	[ST_OUTBOX_STATE] = "SELECT parked_at IS NOT NULL FROM outbox WHERE id = ?1",
	[ST_OUTBOX_DROP] = "DELETE FROM outbox WHERE id = ?1 AND sent_at IS NULL",
	[ST_OUTBOX_RETRY] =
		"UPDATE outbox SET parked_at = NULL, refusals = 0 WHERE id = ?1 AND sent_at IS NULL",
	/* re-extraction: a snapshot keeps the time span of its source */
	[ST_SNAPSHOT_INSERT_SPAN] =
		"INSERT INTO snapshots (page_id, text, text_hash, fields, raw, raw_len,"
		"                       body_hash, rules_fp, first_seen, last_seen)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[ST_SNAPSHOT_WIDEN] =
		"UPDATE snapshots SET first_seen = min(first_seen, ?2),"
		"  last_seen = max(last_seen, ?3) WHERE id = ?1",
	[ST_PAGE_SET_CURRENT] = "UPDATE pages SET current_snapshot = ?2 WHERE id = ?1",
	/* a page's document links: 2 marks "linked before this sync" */
	[ST_DOCS_MARK] = "UPDATE pages SET active = 2 WHERE parent_page = ?1 AND active = 1",
	[ST_DOC_UPSERT] =
		"INSERT INTO pages (id, url, office_id, office_name, office_kind, region,"
		"                   departement, departement_name, active, first_seen,"
		"                   parent_page, doc_title)"
		" SELECT ?1, ?2, p.office_id, p.office_name, p.office_kind, p.region,"
		"        p.departement, p.departement_name, 1, ?4, p.id, ?3"
		" FROM pages p WHERE p.id = ?5"
		" ON CONFLICT (id) DO UPDATE SET active = 1, doc_unlinked_at = NULL,"
		"  doc_title = excluded.doc_title, office_id = excluded.office_id,"
		"  office_name = excluded.office_name, office_kind = excluded.office_kind,"
		"  region = excluded.region, departement = excluded.departement,"
		"  departement_name = excluded.departement_name",
	[ST_DOCS_UNLINK] =
		"UPDATE pages SET active = 0, doc_unlinked_at = ?2"
		" WHERE parent_page = ?1 AND active = 2",
	[ST_DOCS_LIST] =
		"SELECT id, url, doc_title, active, first_seen, doc_unlinked_at,"
		"       current_snapshot IS NOT NULL"
		" FROM pages WHERE parent_page = ?1 ORDER BY first_seen, rowid",
	/* evidence: a body already kept (same bytes) is not stored again */
	[ST_XBODY_HAS] = "SELECT 1 FROM exchange_bodies WHERE sha256 = ?1",
	[ST_XBODY_PUT] =
		"INSERT INTO exchange_bodies (sha256, data, size) VALUES (?1, ?2, ?3)"
		" ON CONFLICT (sha256) DO NOTHING",
	[ST_XCHG_INSERT] =
		"INSERT INTO exchanges (page_id, snapshot_id, change_id, fetch_id, at, target_uri,"
		"                       ip, request, request_len, response, response_len,"
		"                       body_sha256)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
	/* a change's evidence: the exchange recorded with it, else the latest
	 * of its new snapshot up to the change (a text that came back);
	 * "up to" is also by change id, as one second may hold several */
	[ST_XCHG_OF_CHANGE] =
		"SELECT x.id, x.page_id, x.snapshot_id, x.change_id, x.at, x.target_uri, x.ip,"
		"       x.body_sha256, b.size"
		" FROM changes c"
		" JOIN exchanges x ON x.id = (SELECT x2.id FROM exchanges x2"
		"   WHERE x2.change_id = ?1"
		"      OR (x2.snapshot_id = c.new_snapshot AND x2.at <= c.detected_at"
		"          AND (x2.change_id IS NULL OR x2.change_id < ?1))"
		"   ORDER BY x2.change_id IS ?1 DESC, x2.at DESC, x2.id DESC LIMIT 1)"
		" JOIN exchange_bodies b ON b.sha256 = x.body_sha256"
		" WHERE c.id = ?1",
	/* the same and the old text's, oldest first */
	[ST_XCHG_FOR_CHANGE] =
		"SELECT x.id, x.page_id, x.snapshot_id, x.change_id, x.at, x.target_uri, x.ip,"
		"       x.body_sha256, b.size"
		" FROM changes c"
		" JOIN exchanges x ON x.id IN ("
		"   (SELECT x2.id FROM exchanges x2"
		"     WHERE x2.change_id = ?1"
		"        OR (x2.snapshot_id = c.new_snapshot AND x2.at <= c.detected_at"
		"            AND (x2.change_id IS NULL OR x2.change_id < ?1))"
		"     ORDER BY x2.change_id IS ?1 DESC, x2.at DESC, x2.id DESC LIMIT 1),"
		"   (SELECT x3.id FROM exchanges x3"
		"     WHERE x3.snapshot_id = c.old_snapshot AND x3.at <= c.detected_at"
		"       AND (x3.change_id IS NULL OR x3.change_id < ?1)"
		"     ORDER BY x3.at DESC, x3.id DESC LIMIT 1))"
		" JOIN exchange_bodies b ON b.sha256 = x.body_sha256"
		" WHERE c.id = ?1 ORDER BY x.at, x.id",
	[ST_XCHG_PAGE_CURRENT] =
		"SELECT x.id, x.page_id, x.snapshot_id, x.change_id, x.at, x.target_uri, x.ip,"
		"       x.body_sha256, b.size"
		" FROM pages p"
		" JOIN exchanges x ON x.id = (SELECT x2.id FROM exchanges x2"
		"   WHERE x2.snapshot_id = p.current_snapshot ORDER BY x2.at DESC, x2.id DESC LIMIT 1)"
		" JOIN exchange_bodies b ON b.sha256 = x.body_sha256"
		" WHERE p.id = ?1",
	[ST_XCHG_PAGE_ALL] =
		"SELECT x.id, x.page_id, x.snapshot_id, x.change_id, x.at, x.target_uri, x.ip,"
		"       x.body_sha256, b.size"
		" FROM exchanges x JOIN exchange_bodies b ON b.sha256 = x.body_sha256"
		" WHERE x.page_id = ?1 OR x.page_id IN (SELECT id FROM pages WHERE parent_page = ?1)"
		" ORDER BY x.at, x.id",
	[ST_XCHG_READ] =
		"SELECT x.request, x.request_len, x.response, x.response_len, b.data, b.size"
		" FROM exchanges x JOIN exchange_bodies b ON b.sha256 = x.body_sha256"
		" WHERE x.id = ?1",
	/* cited: recorded with a change, or the old or new text of one */
	[ST_XCHG_PRUNE] =
		"DELETE FROM exchanges WHERE (?1 = 0 OR at < ?1) AND change_id IS NULL"
		"  AND snapshot_id NOT IN (SELECT new_snapshot FROM changes)"
		"  AND snapshot_id NOT IN (SELECT old_snapshot FROM changes"
		"                          WHERE old_snapshot IS NOT NULL)",
	[ST_XBODY_PRUNE] =
		"DELETE FROM exchange_bodies WHERE sha256 NOT IN (SELECT body_sha256 FROM exchanges)",
};

struct store {
	sqlite3 *db;
	char *path;
	char *errmsg;
	sqlite3_stmt *st[ST__COUNT];
	bool ready;             /* fully opened: migrated, statements prepared */
	int busy_ms;            /* busy timeout, for messages */
	bool grouping;          /* store_group_commits() on */
	bool group_open;        /* a group's transaction is open */
	int group_n;            /* outcomes in it */
	double group_t0;        /* when it began (ms, monotonic) */
};

/* A group of no-news outcomes is committed after this many, or once it is
 * this old: a night's fetch records at a few hundred per transaction,
 * while another writer (an editor's ack) waits no longer than that. */
#define GROUP_MAX 256
#define GROUP_MS 200

/* ---- errors ---- */

static void PW_PRINTF(2, 3) store_set_error(struct store *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	free(s->errmsg);
	s->errmsg = msg;
}

/* "cannot WHAT: sqlite's message"; call right after the failing call.
 * saved_errno is errno as it was right after that call, or 0. */
static void store_db_error_errno(struct store *s, const char *what, int saved_errno)
{
	int code = sqlite3_errcode(s->db) & 0xff;
	int sys = sqlite3_system_errno(s->db);
	/* "disk I/O error" alone does not tell a full disk from a bad one,
	 * and SQLite does not always keep the errno of a failed write. */
	if (!sys && (saved_errno == ENOSPC || saved_errno == EFBIG || saved_errno == EDQUOT ||
		     saved_errno == EIO || saved_errno == EROFS))
		sys = saved_errno;
	if (sys && (code == SQLITE_IOERR || code == SQLITE_FULL || code == SQLITE_CANTOPEN))
		store_set_error(s, "cannot %s: %s (%s)", what, sqlite3_errmsg(s->db), strerror(sys));
	else if (code == SQLITE_BUSY)
		store_set_error(s, "cannot %s in '%s': %s by another process (waited %d ms)",
				what, s->path, sqlite3_errmsg(s->db), s->busy_ms);
	else
		store_set_error(s, "cannot %s: %s", what, sqlite3_errmsg(s->db));
}

static void store_db_error(struct store *s, const char *what)
{
	store_db_error_errno(s, what, 0);
}

const char *store_errmsg(const struct store *s)
{
	if (!s)
		return "no database";
	return s->errmsg ? s->errmsg : "";
}

/* ---- statement helpers ---- */

static sqlite3_stmt *stmt(struct store *s, enum stmt_id id)
{
	return s->st[id];
}

/* Every use ends here, so no statement keeps a read transaction open or
 * holds on to a bound pointer. */
static void stmt_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static int bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (!v)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

static int bind_time(sqlite3_stmt *st, int i, time_t t)
{
	return sqlite3_bind_int64(st, i, (sqlite3_int64)t);
}

/* id > 0, else NULL: 0 means "none" in the public API. */
static int bind_id(sqlite3_stmt *st, int i, int64_t id)
{
	if (id <= 0)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_int64(st, i, id);
}

static char *col_text(sqlite3_stmt *st, int i)
{
	return xstrdup((const char *)sqlite3_column_text(st, i));
}

static time_t col_time(sqlite3_stmt *st, int i)
{
	return (time_t)sqlite3_column_int64(st, i);
}

/* Runs a statement that returns no row. */
static int exec_stmt(struct store *s, sqlite3_stmt *st, const char *what)
{
	errno = 0;
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		store_db_error_errno(s, what, errno);
	stmt_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int group_commit(struct store *s)
{
	if (!s->group_open)
		return 0;
	s->group_open = false;
	s->group_n = 0;
	if (exec_stmt(s, stmt(s, ST_COMMIT), "commit") < 0) {
		if (!sqlite3_get_autocommit(s->db) &&
		    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
			log_warn(_("cannot roll back in '%s': %s"), s->path, sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

/* Every transaction of ours starts here: an open group commits first, so
 * that what follows never shares its fate. */
static int tx_begin(struct store *s)
{
	if (group_commit(s) < 0)
		return -1;
	return exec_stmt(s, stmt(s, ST_BEGIN), "begin transaction");
}

static int tx_commit(struct store *s)
{
	return exec_stmt(s, stmt(s, ST_COMMIT), "commit");
}

/* Keeps the first error message: the rollback is the consequence. */
static void tx_rollback(struct store *s)
{
	if (sqlite3_get_autocommit(s->db))
		return;  /* SQLite already rolled back (e.g. on SQLITE_FULL) */
	sqlite3_stmt *st = stmt(s, ST_ROLLBACK);
	if (sqlite3_step(st) != SQLITE_DONE)
		log_warn(_("cannot roll back in '%s': %s"), s->path, sqlite3_errmsg(s->db));
	stmt_done(st);
}

/* ---- open, migrate, close ---- */

static int read_user_version(sqlite3 *db, int *version)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*version = sqlite3_column_int(st, 0);
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

/* Version 0 with tables in it is some other program's database: adding
 * ours to it would be writing to a file we do not own. */
static int foreign_tables(sqlite3 *db, const char *path, char **err)
{
	sqlite3_stmt *st = NULL;
	int n = -1;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (n == 0)
		return 0;
	free(*err);
	*err = xasprintf("cannot open '%s': %s", path,
			 n < 0 ? sqlite3_errmsg(db)
			       : "not a prefwatch database (it has tables but no schema version)");
	return -1;
}

/* 0 if PRAGMA quick_check says "ok", else -1 and its first complaint. */
static int quick_check(sqlite3 *db, char **problem)
{
	sqlite3_stmt *st = NULL;
	int ret = -1;
	int rc = sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(st, 0);
		if (r && !strcmp(r, "ok"))
			ret = 0;
		else
			*problem = xstrdup(r ? r : "?");
	} else {
		*problem = xstrdup(sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	return ret;
}

/* Decides whether an existing file is ours to open: 0 yes, -1 no (with
 * *err). 1 (with *err) when the read itself needs a writer: a process
 * killed mid-transaction leaves a hot journal or a WAL to recover, which
 * a read-only connection cannot do. */
static int check_existing(sqlite3 *db, const char *path, char **err)
{
	int version = 0;
	int rc = read_user_version(db, &version);
	if (rc != SQLITE_OK) {
		*err = xasprintf("cannot open '%s': %s", path, sqlite3_errmsg(db));
		return (rc & 0xff) == SQLITE_READONLY ? 1 : -1;
	}
	if (version > STORE_SCHEMA_VERSION) {
		*err = xasprintf("cannot open '%s': schema version %d is newer than this "
				 "prefwatch supports (%d); upgrade prefwatch",
				 path, version, STORE_SCHEMA_VERSION);
		return -1;
	}
	if (version < 0) {
		*err = xasprintf("cannot open '%s': invalid schema version %d", path, version);
		return -1;
	}
	if (version == 0 && foreign_tables(db, path, err) < 0)
		return -1;
	/* A damaged file is refused here, before a run writes to it and
	 * SQLite trips over the damage halfway through (O(size), a few ms
	 * per MB: affordable for a nightly job). */
	char *problem = NULL;
	if (quick_check(db, &problem) < 0) {
		*err = xasprintf("cannot open '%s': database is corrupt (%s); restore a backup "
				 "or move it away", path, problem);
		free(problem);
		return -1;
	}
	return 0;
}

/* Looks at an existing file through a read-only connection, so that a
 * file we are going to refuse is never opened for writing at all.
 * Returns as check_existing(). */
static int probe_existing(const char *path, char **err)
{
	sqlite3 *db = NULL;
	int ret = -1;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		*err = xasprintf("cannot open '%s': %s", path,
				 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		goto cleanup;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, STORE_BUSY_TIMEOUT_MS);
	ret = check_existing(db, path, err);
cleanup:
	sqlite3_close(db);
	return ret;
}

static int pragma_exec(struct store *s, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		store_set_error(s, "cannot open '%s': %s: %s", s->path, sql,
				msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int journal_mode_wal(struct store *s)
{
	sqlite3_stmt *st = NULL;
	int ret = -1;
	if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		store_set_error(s, "cannot open '%s': cannot set WAL mode: %s", s->path,
				sqlite3_errmsg(s->db));
		goto cleanup;
	}
	const char *mode = (const char *)sqlite3_column_text(st, 0);
	if (!mode || strcmp(mode, "wal"))
		/* e.g. a file system without shared memory: still correct,
		 * readers just block the writer. */
		log_warn(_("database '%s' is in journal mode '%s', not 'wal'"), s->path,
			 mode ? mode : "?");
	ret = 0;
cleanup:
	sqlite3_finalize(st);
	return ret;
}

static int migrate(struct store *s)
{
	int version = 0, ret = -1;
	char *msg = NULL;

	/* The common case, an up-to-date file, takes no write lock: opening
	 * must not wait for a run that is busy committing. */
	if (read_user_version(s->db, &version) != SQLITE_OK) {
		store_set_error(s, "cannot open '%s': %s", s->path, sqlite3_errmsg(s->db));
		return -1;
	}
	if (version == STORE_SCHEMA_VERSION)
		return 0;

	/* IMMEDIATE: two processes opening a fresh file at once must not both
	 * create the tables; the second waits, then sees the new version. */
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK) {
		store_set_error(s, "cannot open '%s': %s", s->path, msg ? msg : sqlite3_errmsg(s->db));
		goto cleanup;
	}
	if (read_user_version(s->db, &version) != SQLITE_OK) {
		store_set_error(s, "cannot open '%s': %s", s->path, sqlite3_errmsg(s->db));
		goto rollback;
	}
	if (version > STORE_SCHEMA_VERSION) {
		store_set_error(s, "cannot open '%s': schema version %d is newer than this "
				"prefwatch supports (%d); upgrade prefwatch",
				s->path, version, STORE_SCHEMA_VERSION);
		goto rollback;
	}
	if (version == 0 && foreign_tables(s->db, s->path, &s->errmsg) < 0)
		goto rollback;
	for (size_t i = 0; i < PW_ARRAY_SIZE(migrations); i++) {
		int got = 0;
		if (migrations[i].version <= version)
			continue;
		if (sqlite3_exec(s->db, migrations[i].sql, NULL, NULL, &msg) != SQLITE_OK) {
			store_set_error(s, "cannot migrate '%s' to schema version %d: %s", s->path,
					migrations[i].version, msg ? msg : sqlite3_errmsg(s->db));
			goto rollback;
		}
		if (read_user_version(s->db, &got) != SQLITE_OK || got != migrations[i].version) {
			store_set_error(s, "cannot migrate '%s' to schema version %d: "
					"migration left version %d", s->path, migrations[i].version, got);
			goto rollback;
		}
		version = got;
	}
	if (version != STORE_SCHEMA_VERSION) {
		store_set_error(s, "cannot open '%s': no migration to schema version %d",
				s->path, STORE_SCHEMA_VERSION);
		goto rollback;
	}
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
		store_set_error(s, "cannot migrate '%s': %s", s->path, msg ? msg : sqlite3_errmsg(s->db));
		goto rollback;
	}
	ret = 0;
	goto cleanup;
rollback:
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
cleanup:
	sqlite3_free(msg);
	return ret;
}

static int dir_writable(const char *path, char **err)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
	int ret = 0;
	if (access(dir, W_OK | X_OK) != 0) {
		*err = xasprintf("cannot open '%s': directory '%s' %s (%s)", path, dir,
				 errno == ENOENT ? "does not exist" : "is not writable", strerror(errno));
		ret = -1;
	}
	free(dir);
	return ret;
}

/* An existing file must be a regular, writable database; *recover when
 * a killed writer left it to be restored. 0, or -1 with *err. */
static int check_file(const char *path, bool *recover, char **err)
{
	struct stat sb;
	if (stat(path, &sb) != 0)
		return 0;  /* created by SQLite */
	if (!S_ISREG(sb.st_mode)) {
		*err = xasprintf("cannot open '%s': not a regular file", path);
		return -1;
	}
	/* SQLite would open a read-only file read-only without a word,
	 * and fail only at the first write, deep in a run. */
	if (access(path, W_OK) != 0) {
		*err = xasprintf("cannot open '%s': read-only database (%s)", path,
				 strerror(errno));
		return -1;
	}
	int probe = probe_existing(path, err);
	if (probe < 0)
		return -1;
	if (probe == 1) {
		/* Recovering what a killed writer left is SQLite
		 * restoring the file to its last commit, not a change
		 * of ours: let the read-write connection do it, and
		 * check the file there before writing anything. */
		log_info(_("database '%s' needs recovery after an interrupted write"), path);
		free(*err);
		*err = NULL;
		*recover = true;
	}
	return 0;
}

/* Every statement of stmt_sql, prepared once for the connection's life.
 * 0, or -1 with *err. */
static int prepare_all(struct store *s, const char *path, char **err)
{
	for (int i = 0; i < ST__COUNT; i++) {
		if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &s->st[i], NULL) != SQLITE_OK) {
			*err = xasprintf("cannot open '%s': cannot prepare statement %d: %s",
					 path, i, sqlite3_errmsg(s->db));
			return -1;
		}
	}
	return 0;
}

struct store *store_open(const char *path, char **err)
{
	struct store *s = NULL;
	char *dummy = NULL;
	bool recover = false;

	if (!err)
		err = &dummy;
	*err = NULL;
	if (!path || !*path) {
		*err = xstrdup("cannot open database: empty path");
		goto fail;
	}
	if (check_file(path, &recover, err) < 0)
		goto fail;
	/* The WAL and shared-memory files live next to the database. */
	if (dir_writable(path, err) < 0)
		goto fail;

	s = xcalloc(1, sizeof(*s));
	s->path = xstrdup(path);
	int rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		*err = xasprintf("cannot open '%s': %s", path,
				 s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
	s->busy_ms = STORE_BUSY_TIMEOUT_MS;
	/* The file is written only through this module: forbid the SQL
	 * features that could corrupt it from within (writable_schema...). */
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	if (sqlite3_db_readonly(s->db, "main") == 1) {
		*err = xasprintf("cannot open '%s': read-only database (permission denied?)", path);
		goto fail;
	}
	if (recover && check_existing(s->db, path, err) != 0)
		goto fail;
	if (journal_mode_wal(s) < 0 ||
	    pragma_exec(s, "PRAGMA synchronous = NORMAL") < 0 ||
	    pragma_exec(s, "PRAGMA foreign_keys = ON") < 0 ||
	    migrate(s) < 0) {
		*err = xstrdup(s->errmsg);
		goto fail;
	}
	if (prepare_all(s, path, err) < 0)
		goto fail;
	s->ready = true;
	return s;
fail:
	store_close(s);
	free(dummy);
	return NULL;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	/* SQLite's advice for long-lived files: refresh the planner's
	 * statistics where they went stale; cheap, usually a no-op. */
	if (s->group_open && group_commit(s) < 0)
		log_warn(_("cannot store tonight's fetches: %s"), store_errmsg(s));
	if (s->ready)
		sqlite3_exec(s->db, "PRAGMA optimize", NULL, NULL, NULL);
	for (int i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(s->st[i]);
	if (s->db && sqlite3_close(s->db) != SQLITE_OK)
		log_warn(_("cannot close '%s': %s"), s->path, sqlite3_errmsg(s->db));
	free(s->path);
	free(s->errmsg);
	free(s);
}

int store_set_busy_timeout(struct store *s, int ms)
{
	if (sqlite3_busy_timeout(s->db, ms) != SQLITE_OK) {
		store_db_error(s, "set busy timeout");
		return -1;
	}
	s->busy_ms = ms;
	return 0;
}

/* ---- pages ---- */

/* The watched pages no longer in pages[] become inactive, one by one:
 * marking every page inactive and then every listed one active again
 * rewrote each row twice a night. */
static int deactivate_others(struct store *s, const struct store_page_info *pages, size_t n)
{
	struct strmap listed = STRMAP_INIT;
	struct strvec gone = STRVEC_INIT;
	sqlite3_stmt *st = stmt(s, ST_PAGES_ACTIVE);
	int rc, ret = -1;
	for (size_t i = 0; i < n; i++)
		if (pages[i].id)
			strmap_put(&listed, pages[i].id, &pages[i]);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		if (id && !strmap_get(&listed, id))
			strvec_push(&gone, id);
	}
	if (rc != SQLITE_DONE) {
		store_db_error(s, "read active pages");
		stmt_done(st);
		goto cleanup;
	}
	stmt_done(st);
	for (size_t i = 0; i < gone.n; i++) {
		sqlite3_stmt *d = stmt(s, ST_PAGE_DEACTIVATE);
		bind_text(d, 1, gone.v[i]);
		if (exec_stmt(s, d, "deactivate pages") < 0)
			goto cleanup;
	}
	ret = 0;
cleanup:
	strvec_release(&gone);
	strmap_release(&listed);
	return ret;
}

int store_sync_pages(struct store *s, const struct store_page_info *pages, size_t n)
{
	time_t now = time(NULL);
	if (tx_begin(s) < 0)
		return -1;
	if (deactivate_others(s, pages, n) < 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		const struct store_page_info *p = &pages[i];
		sqlite3_stmt *st = stmt(s, ST_PAGE_UPSERT);
		if (!p->id || !p->url) {
			store_set_error(s, "cannot sync page %zu: missing id or url", i);
			goto fail;
		}
		bind_text(st, 1, p->id);
		bind_text(st, 2, p->url);
		bind_text(st, 3, p->office_id);
		bind_text(st, 4, p->office_name);
		bind_text(st, 5, p->office_kind);
		bind_text(st, 6, p->region);
		bind_text(st, 7, p->departement);
		bind_text(st, 8, p->departement_name);
		bind_time(st, 9, now);
		if (exec_stmt(s, st, "sync page") < 0)
			goto fail;
	}
	if (exec_stmt(s, stmt(s, ST_DOCS_OFFICE), "sync documents' offices") < 0)
		goto fail;
	if (tx_commit(s) < 0)
		goto fail;
	return 0;
fail:
	tx_rollback(s);
	return -1;
}

/* current snapshot of a page: 0 if it has none; 1 if no such page. */
static int page_current(struct store *s, const char *page_id, int64_t *current)
{
	sqlite3_stmt *st = stmt(s, ST_PAGE_CURRENT);
	int ret;
	bind_text(st, 1, page_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*current = sqlite3_column_int64(st, 0);
		ret = 0;
	} else if (rc == SQLITE_DONE) {
		store_set_error(s, "unknown page '%s'", page_id);
		ret = 1;
	} else {
		store_db_error(s, "read page");
		ret = -1;
	}
	stmt_done(st);
	return ret;
}

static int page_state_read(struct store *s, enum stmt_id id, const char *page_id,
			   struct page_state *out)
{
	sqlite3_stmt *st = stmt(s, id);
	memset(out, 0, sizeof(*out));
	bind_text(st, 1, page_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->snapshot_id = sqlite3_column_int64(st, 0);
		out->has_snapshot = sqlite3_column_type(st, 0) != SQLITE_NULL && out->snapshot_id > 0;
		out->snapshot_at = col_time(st, 1);
		out->text = col_text(st, 2);
		out->fields = col_text(st, 3);
		out->rules_fp = col_text(st, 4);
		out->body_hash = col_text(st, 5);
		out->etag = col_text(st, 6);
		out->last_modified = col_text(st, 7);
		out->final_url = col_text(st, 8);
		out->fail_count = sqlite3_column_int(st, 9);
		out->failing_since = col_time(st, 10);
		out->last_failure = col_text(st, 11);
		out->ack_failure = col_text(st, 12);
		out->ack_at = col_time(st, 13);
		out->ack_reminded_at = col_time(st, 14);
	} else if (rc != SQLITE_DONE) {
		store_db_error(s, "read page state");
	}
	stmt_done(st);
	/* an unknown page is simply a page with no history */
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int store_page_state(struct store *s, const char *page_id, struct page_state *out)
{
	return page_state_read(s, ST_PAGE_STATE, page_id, out);
}

int store_page_state_light(struct store *s, const char *page_id, struct page_state *out)
{
	return page_state_read(s, ST_PAGE_STATE_LIGHT, page_id, out);
}

int store_page_snapshot_id(struct store *s, const char *page_id, int64_t *snapshot_id)
{
	int64_t current = 0;
	*snapshot_id = 0;
	int rc = page_current(s, page_id, &current);
	if (rc < 0)
		return -1;
	/* as page_state_read(): an unknown page has no history */
	if (rc == 0 && current > 0)
		*snapshot_id = current;
	return 0;
}

void store_page_state_release(struct page_state *st)
{
	if (!st)
		return;
	free(st->text);
	free(st->fields);
	free(st->rules_fp);
	free(st->body_hash);
	free(st->etag);
	free(st->last_modified);
	free(st->final_url);
	free(st->last_failure);
	free(st->ack_failure);
	memset(st, 0, sizeof(*st));
}

int store_snapshot_raw(struct store *s, int64_t snapshot_id, char **body, size_t *len)
{
	sqlite3_stmt *st = stmt(s, ST_SNAPSHOT_RAW);
	char *out = NULL;
	int ret = -1;

	*body = NULL;
	*len = 0;
	sqlite3_bind_int64(st, 1, snapshot_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		store_set_error(s, "no snapshot %lld", (long long)snapshot_id);
		goto cleanup;
	}
	if (rc != SQLITE_ROW) {
		store_db_error(s, "read snapshot");
		goto cleanup;
	}
	if (sqlite3_column_type(st, 0) == SQLITE_NULL) {
		store_set_error(s, "snapshot %lld has no raw body", (long long)snapshot_id);
		goto cleanup;
	}
	sqlite3_int64 raw_len = sqlite3_column_int64(st, 1);
	const void *z = sqlite3_column_blob(st, 0);
	int zlen = sqlite3_column_bytes(st, 0);
	if (raw_len < 0 || raw_len > STORE_RAW_MAX) {
		store_set_error(s, "snapshot %lld: implausible raw length %lld",
				(long long)snapshot_id, (long long)raw_len);
		goto cleanup;
	}
	out = xmalloc((size_t)raw_len + 1);
	uLongf got = (uLongf)raw_len;
	if (raw_len > 0) {
		int zrc = uncompress((Bytef *)out, &got, z, (uLong)zlen);
		if (zrc != Z_OK || got != (uLongf)raw_len) {
			store_set_error(s, "snapshot %lld: corrupt raw body (zlib error %d)",
					(long long)snapshot_id, zrc);
			goto cleanup;
		}
	}
	out[raw_len] = '\0';
	*body = out;
	*len = (size_t)raw_len;
	out = NULL;
	ret = 0;
cleanup:
	stmt_done(st);
	free(out);
	return ret;
}

/* ---- runs ---- */

int store_run_begin(struct store *s, time_t started_at, int64_t *run_id)
{
	sqlite3_stmt *st = stmt(s, ST_RUN_BEGIN);
	bind_time(st, 1, started_at);
	if (exec_stmt(s, st, "record run") < 0)
		return -1;
	*run_id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int store_run_finish(struct store *s, int64_t run_id, time_t finished_at,
		     const struct run_counts *c)
{
	sqlite3_stmt *st = stmt(s, ST_RUN_FINISH);
	sqlite3_bind_int64(st, 1, run_id);
	bind_time(st, 2, finished_at);
	sqlite3_bind_int(st, 3, c ? c->pages : 0);
	sqlite3_bind_int(st, 4, c ? c->new_pages : 0);
	sqlite3_bind_int(st, 5, c ? c->unchanged : 0);
	sqlite3_bind_int(st, 6, c ? c->changed : 0);
	sqlite3_bind_int(st, 7, c ? c->failed : 0);
	if (exec_stmt(s, st, "finish run") < 0)
		return -1;
	if (sqlite3_changes(s->db) != 1) {
		store_set_error(s, "cannot finish run %lld: no such run", (long long)run_id);
		return -1;
	}
	return 0;
}

/* ---- one page's outcome ---- */

static int insert_fetch(struct store *s, int64_t run_id, const struct page_outcome *o,
			int64_t *fetch_id)
{
	sqlite3_stmt *st = stmt(s, ST_FETCH_INSERT);
	bind_id(st, 1, run_id);
	bind_text(st, 2, o->page_id);
	bind_time(st, 3, o->at);
	if (o->http_status > 0)
		sqlite3_bind_int64(st, 4, o->http_status);
	bind_text(st, 5, o->final_url);
	bind_text(st, 6, o->etag);
	bind_text(st, 7, o->last_modified);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)o->bytes);
	sqlite3_bind_double(st, 9, o->seconds);
	bind_text(st, 10, o->failure != PW_FAIL_NONE ? pw_failure_name(o->failure) : NULL);
	bind_text(st, 11, o->error);
	if (exec_stmt(s, st, "record fetch") < 0)
		return -1;
	*fetch_id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/* Finds the snapshot of this page with exactly this text and rules: 1 and
 * *id, *first_seen when found, 0 when not, -1 on error. */
static int snapshot_find(struct store *s, const char *page_id, const char *text,
			 const char *hash, const char *rules_fp, int64_t *id, time_t *first_seen)
{
	sqlite3_stmt *st = stmt(s, ST_SNAPSHOT_FIND);
	int ret = 0;
	bind_text(st, 1, page_id);
	bind_text(st, 2, hash);
	bind_text(st, 3, rules_fp);
	bind_text(st, 4, text);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*first_seen = col_time(st, 1);
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		store_db_error(s, "look up snapshot");
		ret = -1;
	}
	stmt_done(st);
	return ret;
}

/* Binds the zlib form of raw (or NULL) at i, and its length at i+1. The
 * compressed copy is returned in *z for the caller to free after the
 * statement ran. */
/* zlib level of stored bodies. Every page whose chrome changed stores its
 * new body, so a noisy night compresses them all: level 3 costs half of
 * the default 6 (0.40 against 0.85 ms for a 76 KB préfecture page) for
 * 11 % more bytes (16 % of the page against 14.4 %). */
#define RAW_ZLIB_LEVEL 3

static int bind_raw(struct store *s, sqlite3_stmt *st, int i, const char *raw, size_t raw_len,
		    unsigned char **z)
{
	*z = NULL;
	if (!raw) {
		sqlite3_bind_null(st, i);
		sqlite3_bind_null(st, i + 1);
		return 0;
	}
	if (raw_len > (size_t)STORE_RAW_MAX) {
		store_set_error(s, "cannot store raw body: %zu bytes is too large", raw_len);
		return -1;
	}
	uLongf zlen = compressBound((uLong)raw_len);
	*z = xmalloc(zlen ? zlen : 1);
	int zrc = compress2(*z, &zlen, (const Bytef *)raw, (uLong)raw_len, RAW_ZLIB_LEVEL);
	if (zrc != Z_OK) {
		store_set_error(s, "cannot compress raw body: zlib error %d", zrc);
		return -1;
	}
	sqlite3_bind_blob64(st, i, *z, (sqlite3_uint64)zlen, SQLITE_STATIC);
	sqlite3_bind_int64(st, i + 1, (sqlite3_int64)raw_len);
	return 0;
}

/* The snapshot's text was seen again: last_seen moves, and whatever the
 * outcome brings (body, body hash, fields) replaces what was stored. */
static int snapshot_seen(struct store *s, int64_t id, const struct page_outcome *o)
{
	sqlite3_stmt *st = stmt(s, ST_SNAPSHOT_SEEN);
	unsigned char *z = NULL;
	int ret = -1;
	sqlite3_bind_int64(st, 1, id);
	bind_time(st, 2, o->at);
	if (bind_raw(s, st, 3, o->raw, o->raw_len, &z) < 0) {
		stmt_done(st);
		goto cleanup;
	}
	bind_text(st, 5, o->body_hash);
	bind_text(st, 6, o->fields);
	ret = exec_stmt(s, st, "update snapshot");
cleanup:
	free(z);
	return ret;
}

/* Inserts the outcome's text as a snapshot, or reuses the row holding the
 * same text under the same rules. *reused tells which. */
static int snapshot_put(struct store *s, const struct page_outcome *o, int64_t *id,
			time_t *first_seen, bool *reused)
{
	char hash[PW_HASH_HEX];
	const char *rules_fp = o->rules_fp ? o->rules_fp : "";
	sqlite3_stmt *st = stmt(s, ST_SNAPSHOT_INSERT);
	unsigned char *z = NULL;
	int ret = -1;

	pw_hash_hex(o->text, strlen(o->text), hash);
	int found = snapshot_find(s, o->page_id, o->text, hash, rules_fp, id, first_seen);
	if (found < 0)
		return -1;
	*reused = found == 1;
	if (found)
		return snapshot_seen(s, *id, o);

	bind_text(st, 1, o->page_id);
	bind_text(st, 2, o->text);
	bind_text(st, 3, hash);
	bind_text(st, 4, o->fields);
	if (bind_raw(s, st, 5, o->raw, o->raw_len, &z) < 0) {
		stmt_done(st);
		goto cleanup;
	}
	bind_text(st, 7, o->body_hash);
	bind_text(st, 8, rules_fp);
	bind_time(st, 9, o->at);
	if (exec_stmt(s, st, "record snapshot") < 0)
		goto cleanup;
	*id = sqlite3_last_insert_rowid(s->db);
	*first_seen = o->at;
	ret = 0;
cleanup:
	free(z);
	return ret;
}

static int page_ok(struct store *s, const struct page_outcome *o, int64_t snapshot_id)
{
	sqlite3_stmt *st = stmt(s, ST_PAGE_OK);
	bind_text(st, 1, o->page_id);
	bind_text(st, 2, o->etag);
	bind_text(st, 3, o->last_modified);
	bind_text(st, 4, o->body_hash);
	bind_text(st, 5, o->final_url);
	bind_id(st, 6, snapshot_id);
	return exec_stmt(s, st, "update page");
}

static int page_failed(struct store *s, const struct page_outcome *o)
{
	sqlite3_stmt *st = stmt(s, ST_PAGE_FAILED);
	bind_text(st, 1, o->page_id);
	bind_time(st, 2, o->at);
	bind_text(st, 3, pw_failure_name(o->failure != PW_FAIL_NONE ? o->failure
								     : PW_FAIL_NO_CONTENT));
	sqlite3_bind_int(st, 4, o->ack_reminded);
	return exec_stmt(s, st, "update page");
}

static int insert_change(struct store *s, int64_t run_id, const struct page_outcome *o,
			 int64_t old_id, int64_t new_id, int64_t reverted_to, int64_t *change_id)
{
	sqlite3_stmt *st = stmt(s, ST_CHANGE_INSERT);
	bind_text(st, 1, o->page_id);
	bind_id(st, 2, run_id);
	bind_id(st, 3, old_id);
	sqlite3_bind_int64(st, 4, new_id);
	bind_time(st, 5, o->at);
	bind_text(st, 6, o->field_deltas);
	bind_id(st, 7, reverted_to);
	if (exec_stmt(s, st, "record change") < 0)
		return -1;
	*change_id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/* Keeps the outcome's exchange for snapshot snap: its body once per
 * SHA-256, its heads compressed, linked to the change and the fetch. */
static int exchange_put(struct store *s, const struct page_outcome *o, int64_t snap,
			const struct outcome_ids *ids)
{
	const struct store_exchange *x = o->exchange;
	sqlite3_stmt *st = stmt(s, ST_XBODY_PUT);
	unsigned char *z1 = NULL, *z2 = NULL, *z3 = NULL;
	int ret = -1;

	if (!x->target_uri || !x->request || !x->response || !x->body || !x->body_sha256) {
		store_set_error(s, "cannot keep the exchange of '%s': incomplete", o->page_id);
		return -1;
	}
	/* the same bytes already kept (another page's copy of a form, a
	 * night's flicker): no compression for a row that would not be
	 * inserted */
	sqlite3_stmt *has = stmt(s, ST_XBODY_HAS);
	bind_text(has, 1, x->body_sha256);
	int hrc = sqlite3_step(has);
	if (hrc != SQLITE_ROW && hrc != SQLITE_DONE)
		store_db_error(s, "look up exchange body");
	stmt_done(has);
	if (hrc != SQLITE_ROW && hrc != SQLITE_DONE)
		goto cleanup;
	if (hrc == SQLITE_DONE) {
		bind_text(st, 1, x->body_sha256);
		if (bind_raw(s, st, 2, x->body, x->body_len, &z1) < 0) {
			stmt_done(st);
			goto cleanup;
		}
		if (exec_stmt(s, st, "keep exchange body") < 0)
			goto cleanup;
	}
	st = stmt(s, ST_XCHG_INSERT);
	bind_text(st, 1, o->page_id);
	sqlite3_bind_int64(st, 2, snap);
	bind_id(st, 3, ids->change_id);
	bind_id(st, 4, ids->fetch_id);
	bind_time(st, 5, x->at);
	bind_text(st, 6, x->target_uri);
	bind_text(st, 7, x->ip);
	if (bind_raw(s, st, 8, x->request, x->request_len, &z2) < 0 ||
	    bind_raw(s, st, 10, x->response, x->response_len, &z3) < 0) {
		stmt_done(st);
		goto cleanup;
	}
	bind_text(st, 12, x->body_sha256);
	ret = exec_stmt(s, st, "keep exchange");
cleanup:
	free(z1);
	free(z2);
	free(z3);
	return ret;
}

static int commit_page_body(struct store *s, int64_t run_id, const struct page_outcome *o,
			    struct outcome_ids *ids)
{
	int64_t current = 0;
	int rc = page_current(s, o->page_id, &current);
	if (rc != 0)
		return -1;
	if (insert_fetch(s, run_id, o, &ids->fetch_id) < 0)
		return -1;
	ids->snapshot_id = current;

	switch (o->kind) {
	case OUTCOME_FAILED:
		return page_failed(s, o);
	case OUTCOME_UNCHANGED:
		if (current > 0 && snapshot_seen(s, current, o) < 0)
			return -1;
		return page_ok(s, o, 0);
	case OUTCOME_NEW:
	case OUTCOME_CHANGED:
	case OUTCOME_BASELINE: {
		int64_t id = 0;
		time_t first_seen = 0;
		bool reused = false;
		if (snapshot_put(s, o, &id, &first_seen, &reused) < 0)
			return -1;
		if (o->kind == OUTCOME_CHANGED) {
			/* A reused row other than the current one is an older
			 * text coming back: a revert, not a new version. */
			if (reused && id != current) {
				ids->reverted_to = id;
				ids->reverted_to_at = first_seen;
			}
			if (insert_change(s, run_id, o, current, id, ids->reverted_to,
					  &ids->change_id) < 0)
				return -1;
		}
		if (o->exchange && exchange_put(s, o, id, ids) < 0)
			return -1;
		ids->snapshot_id = id;
		return page_ok(s, o, id);
	}
	}
	store_set_error(s, "cannot commit page '%s': unknown outcome %d", o->page_id, (int)o->kind);
	return -1;
}

/* An outcome with no new text, as a savepoint of the open group (begun
 * if none is): its failure undoes it alone. */
static int commit_grouped(struct store *s, int64_t run_id, const struct page_outcome *o,
			  struct outcome_ids *ids)
{
	if (!s->group_open) {
		if (tx_begin(s) < 0)
			return -1;
		s->group_open = true;
		s->group_n = 0;
		s->group_t0 = mono_ms();
	}
	if (exec_stmt(s, stmt(s, ST_SAVEPOINT), "begin savepoint") < 0)
		goto fail;
	if (commit_page_body(s, run_id, o, ids) < 0) {
		sqlite3_stmt *st = stmt(s, ST_ROLLBACK_TO);
		if (sqlite3_step(st) != SQLITE_DONE)
			log_warn(_("cannot roll back in '%s': %s"), s->path, sqlite3_errmsg(s->db));
		stmt_done(st);
		exec_stmt(s, stmt(s, ST_RELEASE), "release savepoint");
		memset(ids, 0, sizeof(*ids));
		if (sqlite3_get_autocommit(s->db))
			s->group_open = false;   /* SQLite rolled the whole group back */
		return -1;
	}
	if (exec_stmt(s, stmt(s, ST_RELEASE), "release savepoint") < 0)
		goto fail;
	if (++s->group_n >= GROUP_MAX || mono_ms() - s->group_t0 >= GROUP_MS)
		return group_commit(s);
	return 0;
fail:
	memset(ids, 0, sizeof(*ids));
	if (sqlite3_get_autocommit(s->db))
		s->group_open = false;
	return -1;
}

int store_commit_page(struct store *s, int64_t run_id, const struct page_outcome *o,
		      struct outcome_ids *ids)
{
	struct outcome_ids local;
	if (!ids)
		ids = &local;
	memset(ids, 0, sizeof(*ids));

	if (!o || !o->page_id) {
		store_set_error(s, "cannot commit page: no page id");
		return -1;
	}
	if ((o->kind == OUTCOME_NEW || o->kind == OUTCOME_CHANGED || o->kind == OUTCOME_BASELINE) &&
	    !o->text) {
		store_set_error(s, "cannot commit page '%s': outcome has no text", o->page_id);
		return -1;
	}
	if (s->grouping && (o->kind == OUTCOME_UNCHANGED || o->kind == OUTCOME_FAILED) &&
	    !o->exchange)
		return commit_grouped(s, run_id, o, ids);
	if (tx_begin(s) < 0)
		return -1;
	if (commit_page_body(s, run_id, o, ids) < 0 || tx_commit(s) < 0) {
		tx_rollback(s);
		memset(ids, 0, sizeof(*ids));
		return -1;
	}
	return 0;
}

int store_group_commits(struct store *s, bool on)
{
	s->grouping = on;
	return on ? 0 : group_commit(s);
}

int store_group_flush(struct store *s, int min_age_ms)
{
	if (!s->group_open || mono_ms() - s->group_t0 < (double)min_age_ms)
		return 0;
	return group_commit(s);
}

/* ---- changes and review ---- */

void change_record_release(struct change_record *c)
{
	if (!c)
		return;
	free(c->page_id);
	free(c->url);
	free(c->office_id);
	free(c->office_name);
	free(c->region);
	free(c->departement);
	free(c->departement_name);
	free(c->old_text);
	free(c->new_text);
	free(c->old_fields);
	free(c->new_fields);
	free(c->field_deltas);
	free(c->state);
	free(c->reviewed_by);
	free(c->note);
	free(c->evidence_sha256);
	memset(c, 0, sizeof(*c));
}

int store_change_get(struct store *s, int64_t id, struct change_record *out)
{
	sqlite3_stmt *st = stmt(s, ST_CHANGE_GET);
	int ret;

	memset(out, 0, sizeof(*out));
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		out->run_id = sqlite3_column_int64(st, 1);
		out->detected_at = col_time(st, 2);
		out->page_id = col_text(st, 3);
		out->url = col_text(st, 4);
		out->office_id = col_text(st, 5);
		out->office_name = col_text(st, 6);
		out->region = col_text(st, 7);
		out->departement = col_text(st, 8);
		out->departement_name = col_text(st, 9);
		out->old_snapshot_id = sqlite3_column_int64(st, 10);
		out->new_snapshot_id = sqlite3_column_int64(st, 11);
		out->old_at = col_time(st, 12);
		out->new_at = col_time(st, 13);
		out->old_text = col_text(st, 14);
		out->new_text = col_text(st, 15);
		out->old_fields = col_text(st, 16);
		out->new_fields = col_text(st, 17);
		out->field_deltas = col_text(st, 18);
		out->reverted_to_at = col_time(st, 19);
		out->state = col_text(st, 20);
		out->reviewed_by = col_text(st, 21);
		out->reviewed_at = col_time(st, 22);
		out->note = col_text(st, 23);
		out->reported_at = col_time(st, 24);
		ret = 0;
	} else if (rc == SQLITE_DONE) {
		store_set_error(s, "no change %lld", (long long)id);
		ret = 1;
	} else {
		store_db_error(s, "read change");
		ret = -1;
	}
	stmt_done(st);
	if (ret == 0) {
		struct store_exchange_info x;
		int e = store_change_evidence(s, id, &x);
		if (e < 0) {
			change_record_release(out);
			return -1;
		}
		if (e == 0) {
			out->evidence_id = x.id;
			out->evidence_at = x.at;
			out->evidence_sha256 = x.body_sha256;
			x.body_sha256 = NULL;
		}
		store_exchange_info_release(&x);
	}
	return ret;
}

/* ---- evidence ---- */

void store_exchange_info_release(struct store_exchange_info *x)
{
	if (!x)
		return;
	free(x->page_id);
	free(x->target_uri);
	free(x->ip);
	free(x->body_sha256);
	memset(x, 0, sizeof(*x));
}

static void exchange_info_row(sqlite3_stmt *st, struct store_exchange_info *x)
{
	x->id = sqlite3_column_int64(st, 0);
	x->page_id = col_text(st, 1);
	x->snapshot_id = sqlite3_column_int64(st, 2);
	x->change_id = sqlite3_column_int64(st, 3);
	x->at = col_time(st, 4);
	x->target_uri = col_text(st, 5);
	x->ip = col_text(st, 6);
	x->body_sha256 = col_text(st, 7);
	x->body_len = (size_t)sqlite3_column_int64(st, 8);
}

int store_change_evidence(struct store *s, int64_t change_id, struct store_exchange_info *out)
{
	sqlite3_stmt *st = stmt(s, ST_XCHG_OF_CHANGE);
	int ret = 1;
	memset(out, 0, sizeof(*out));
	sqlite3_bind_int64(st, 1, change_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		exchange_info_row(st, out);
		ret = 0;
	} else if (rc != SQLITE_DONE) {
		store_db_error(s, "read evidence");
		ret = -1;
	}
	stmt_done(st);
	return ret;
}

int store_exchanges_each(struct store *s, int64_t change_id, const char *page_id, bool all,
			 store_exchange_fn fn, void *ctx)
{
	sqlite3_stmt *st;
	struct store_exchange_info *v = NULL;
	size_t n = 0, alloc = 0;
	int ret = -1, rc;

	if ((change_id > 0) == (page_id != NULL)) {
		store_set_error(s, "cannot list exchanges: give a change or a page");
		return -1;
	}
	if (change_id > 0) {
		st = stmt(s, ST_XCHG_FOR_CHANGE);
		sqlite3_bind_int64(st, 1, change_id);
	} else {
		st = stmt(s, all ? ST_XCHG_PAGE_ALL : ST_XCHG_PAGE_CURRENT);
		bind_text(st, 1, page_id);
	}
	/* rows first, callbacks after: fn may read the exchanges' bytes */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == alloc) {
			alloc = alloc ? 2 * alloc : 8;
			v = xrealloc(v, alloc * sizeof(*v));
		}
		exchange_info_row(st, &v[n++]);
	}
	if (rc != SQLITE_DONE)
		store_db_error(s, "list exchanges");
	stmt_done(st);
	if (rc != SQLITE_DONE)
		goto cleanup;
	for (size_t i = 0; i < n; i++)
		if (fn(&v[i], ctx))
			break;
	ret = 0;
cleanup:
	for (size_t i = 0; i < n; i++)
		store_exchange_info_release(&v[i]);
	free(v);
	return ret;
}

/* Inflates the zlib blob of column i, whose length is column i+1. */
static int col_unzip(struct store *s, sqlite3_stmt *st, int i, const char *what, char **out,
		     size_t *out_len)
{
	sqlite3_int64 len = sqlite3_column_int64(st, i + 1);
	const void *z = sqlite3_column_blob(st, i);
	int zlen = sqlite3_column_bytes(st, i);
	if (len < 0 || len > STORE_RAW_MAX) {
		store_set_error(s, "%s: implausible length %lld", what, (long long)len);
		return -1;
	}
	char *p = xmalloc((size_t)len + 1);
	uLongf got = (uLongf)len;
	if (len > 0) {
		int zrc = uncompress((Bytef *)p, &got, z, (uLong)zlen);
		if (zrc != Z_OK || got != (uLongf)len) {
			store_set_error(s, "%s: corrupt data (zlib error %d)", what, zrc);
			free(p);
			return -1;
		}
	}
	p[len] = '\0';
	*out = p;
	*out_len = (size_t)len;
	return 0;
}

int store_exchange_read(struct store *s, int64_t id, struct store_exchange_data *out)
{
	sqlite3_stmt *st = stmt(s, ST_XCHG_READ);
	int ret = -1;
	char what[64];

	memset(out, 0, sizeof(*out));
	snprintf(what, sizeof(what), "exchange %lld", (long long)id);
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		store_set_error(s, "no exchange %lld", (long long)id);
		goto cleanup;
	}
	if (rc != SQLITE_ROW) {
		store_db_error(s, "read exchange");
		goto cleanup;
	}
	if (col_unzip(s, st, 0, what, &out->request, &out->request_len) < 0 ||
	    col_unzip(s, st, 2, what, &out->response, &out->response_len) < 0 ||
	    col_unzip(s, st, 4, what, &out->body, &out->body_len) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	stmt_done(st);
	if (ret < 0)
		store_exchange_data_release(out);
	return ret;
}

void store_exchange_data_release(struct store_exchange_data *d)
{
	if (!d)
		return;
	free(d->request);
	free(d->response);
	free(d->body);
	memset(d, 0, sizeof(*d));
}

int store_prune_exchanges(struct store *s, time_t before, size_t *exchanges, size_t *bodies)
{
	size_t nx = 0, nb = 0;
	if (tx_begin(s) < 0)
		return -1;
	sqlite3_stmt *st = stmt(s, ST_XCHG_PRUNE);
	bind_time(st, 1, before);
	if (exec_stmt(s, st, "prune exchanges") < 0)
		goto fail;
	nx = (size_t)sqlite3_changes(s->db);
	if (exec_stmt(s, stmt(s, ST_XBODY_PRUNE), "prune exchange bodies") < 0)
		goto fail;
	nb = (size_t)sqlite3_changes(s->db);
	if (tx_commit(s) < 0)
		goto fail;
	if (exchanges)
		*exchanges = nx;
	if (bodies)
		*bodies = nb;
	return 0;
fail:
	tx_rollback(s);
	return -1;
}

/* Steps a bound statement whose first column is an id and collects the
 * ids, finishing the statement: callers walk the ids afterwards, so their
 * callbacks may use the store again. -1 with the error set. */
static int collect_ids(struct store *s, sqlite3_stmt *st, const char *what, int64_t **out,
		       size_t *n_out)
{
	int64_t *ids = NULL;
	size_t n = 0, alloc = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			ids = xrealloc(ids, alloc * sizeof(*ids));
		}
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	if (rc != SQLITE_DONE) {
		store_db_error(s, what);
		stmt_done(st);
		free(ids);
		return -1;
	}
	stmt_done(st);
	*out = ids;
	*n_out = n;
	return 0;
}

int store_changes_each(struct store *s, const struct change_filter *f,
		       store_change_fn fn, void *ctx)
{
	static const struct change_filter all;
	sqlite3_stmt *st = stmt(s, ST_CHANGE_IDS);
	int64_t *ids = NULL;
	size_t n = 0;
	int ret = -1;

	if (!f)
		f = &all;
	/* Ids first, records after: the statement is finished before fn
	 * runs, so fn may call back into the store (review, mark reported)
	 * and only one change's texts are in memory at a time. */
	sqlite3_bind_int(st, 1, f->pending_only);
	sqlite3_bind_int(st, 2, f->unreported_only);
	bind_time(st, 3, f->since);
	sqlite3_bind_int64(st, 4, f->run_id);
	bind_text(st, 5, f->page_id);
	if (collect_ids(s, st, "list changes", &ids, &n) < 0)
		goto cleanup;
	for (size_t i = 0; i < n; i++) {
		struct change_record c;
		int got = store_change_get(s, ids[i], &c);
		if (got < 0)
			goto cleanup;
		if (got == 1)
			continue;  /* cannot happen today: changes are never deleted */
		int stop = fn(&c, ctx);
		change_record_release(&c);
		if (stop)
			break;
	}
	ret = 0;
cleanup:
	free(ids);
	return ret;
}

int store_change_review(struct store *s, int64_t id, const char *state,
			const char *by, const char *note, time_t at)
{
	if (!state || (strcmp(state, "reviewed") && strcmp(state, "dismissed"))) {
		store_set_error(s, "cannot review change %lld: invalid state '%s'", (long long)id,
				state ? state : "");
		return -1;
	}
	sqlite3_stmt *st = stmt(s, ST_CHANGE_REVIEW);
	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, state);
	bind_text(st, 3, by);
	bind_time(st, 4, at);
	bind_text(st, 5, note);
	if (exec_stmt(s, st, "review change") < 0)
		return -1;
	if (sqlite3_changes(s->db) == 1)
		return 0;

	/* Nothing updated: tell "no such change" from "already done". */
	st = stmt(s, ST_CHANGE_STATE);
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st), ret;
	if (rc == SQLITE_ROW) {
		store_set_error(s, "change %lld is already %s", (long long)id,
				(const char *)sqlite3_column_text(st, 0));
		ret = 2;
	} else if (rc == SQLITE_DONE) {
		store_set_error(s, "no change %lld", (long long)id);
		ret = 1;
	} else {
		store_db_error(s, "read change");
		ret = -1;
	}
	stmt_done(st);
	return ret;
}

int store_ack_failure(struct store *s, const char *page_id, const char *by, const char *note,
		      time_t at)
{
	sqlite3_stmt *st = stmt(s, ST_PAGE_ACK);
	bind_text(st, 1, page_id);
	bind_time(st, 2, at);
	bind_text(st, 3, by);
	bind_text(st, 4, note);
	if (exec_stmt(s, st, "acknowledge failure") < 0)
		return -1;
	if (sqlite3_changes(s->db) == 1)
		return 0;
	/* nothing updated: an unknown page, or one that is not failing */
	sqlite3_stmt *q = stmt(s, ST_PAGE_CURRENT);
	bind_text(q, 1, page_id);
	int rc = sqlite3_step(q);
	stmt_done(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_db_error(s, "read page");
		return -1;
	}
	if (rc == SQLITE_DONE) {
		store_set_error(s, "unknown page '%s'", page_id);
		return 1;
	}
	store_set_error(s, "page '%s' is not failing", page_id);
	return 2;
}

int store_relocate_page(struct store *s, const char *page_id, const char *url, time_t at)
{
	char *old = NULL;
	int ret = -1;
	if (tx_begin(s) < 0)
		return -1;
	sqlite3_stmt *q = stmt(s, ST_PAGE_URL);
	bind_text(q, 1, page_id);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		old = col_text(q, 0);
	else if (rc != SQLITE_DONE)
		store_db_error(s, "read page");
	stmt_done(q);
	if (rc == SQLITE_DONE) {
		store_set_error(s, "unknown page '%s'", page_id);
		ret = 1;
		goto fail;
	}
	if (rc != SQLITE_ROW)
		goto fail;
	if (old && strcmp(old, url)) {
		sqlite3_stmt *st = stmt(s, ST_ALIAS_ADD);
		bind_text(st, 1, page_id);
		bind_text(st, 2, old);
		bind_time(st, 3, at);
		if (exec_stmt(s, st, "record the old address") < 0)
			goto fail;
	}
	sqlite3_stmt *st = stmt(s, ST_PAGE_RELOCATE);
	bind_text(st, 1, page_id);
	bind_text(st, 2, url);
	if (exec_stmt(s, st, "relocate page") < 0 || tx_commit(s) < 0)
		goto fail;
	free(old);
	return 0;
fail:
	tx_rollback(s);
	free(old);
	return ret;
}

int store_page_aliases(struct store *s, const char *page_id, struct strvec *out)
{
	sqlite3_stmt *st = stmt(s, ST_ALIASES_LIST);
	int rc;
	bind_text(st, 1, page_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		strvec_push(out, (const char *)sqlite3_column_text(st, 0));
	if (rc != SQLITE_DONE)
		store_db_error(s, "read aliases");
	stmt_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int store_page_checks(struct store *s, const char *page_id, struct page_checks *out)
{
	sqlite3_stmt *st = stmt(s, ST_PAGE_CHECKS);
	int rc;
	memset(out, 0, sizeof(*out));
	bind_text(st, 1, page_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->last_fetch_at = col_time(st, 0);
		out->last_ok_at = col_time(st, 1);
		if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
			out->proposed_url = col_text(st, 2);
			out->proposed_score = sqlite3_column_double(st, 3);
			out->proposed_at = col_time(st, 4);
		}
		rc = SQLITE_DONE;
	}
	if (rc != SQLITE_DONE)
		store_db_error(s, "read page checks");
	stmt_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

void store_page_checks_release(struct page_checks *c)
{
	free(c->proposed_url);
	c->proposed_url = NULL;
}

int store_relocation_propose(struct store *s, const char *page_id, const char *url, double score,
			     time_t at, bool *first)
{
	sqlite3_stmt *st = stmt(s, ST_RELOCATION_ADD);
	*first = false;
	bind_text(st, 1, page_id);
	bind_text(st, 2, url);
	sqlite3_bind_double(st, 3, score);
	bind_time(st, 4, at);
	if (exec_stmt(s, st, "record a proposed address") < 0)
		return -1;
	*first = sqlite3_changes(s->db) == 1;
	return 0;
}

/* Runs statement id once per row i < n, bind(st, i, arg) filling it, all
 * in one transaction: every row or none. */
typedef void (*bind_row_fn)(sqlite3_stmt *st, size_t i, const void *arg);
static int exec_rows(struct store *s, enum stmt_id id, size_t n, bind_row_fn bind,
		     const void *arg, const char *what)
{
	if (n == 0)
		return 0;
	if (tx_begin(s) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		sqlite3_stmt *st = stmt(s, id);
		bind(st, i, arg);
		if (exec_stmt(s, st, what) < 0) {
			tx_rollback(s);
			return -1;
		}
	}
	if (tx_commit(s) < 0) {
		tx_rollback(s);
		return -1;
	}
	return 0;
}

struct reported_changes {
	const int64_t *ids;
	time_t at;
};

static void bind_change_reported(sqlite3_stmt *st, size_t i, const void *arg)
{
	const struct reported_changes *r = arg;
	sqlite3_bind_int64(st, 1, r->ids[i]);
	bind_time(st, 2, r->at);
}

int store_changes_mark_reported(struct store *s, const int64_t *ids, size_t n, time_t at)
{
	struct reported_changes r = { ids, at };
	return exec_rows(s, ST_CHANGE_REPORTED, n, bind_change_reported, &r,
			 "mark change reported");
}

/* ---- stale against the law (schema 7) ---- */

int store_law_eval_get(struct store *s, const char *page_id, int64_t *snapshot_id, char **laws_fp)
{
	sqlite3_stmt *st = stmt(s, ST_LAW_EVAL_GET);
	*snapshot_id = 0;
	*laws_fp = NULL;
	bind_text(st, 1, page_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*snapshot_id = sqlite3_column_int64(st, 0);
		*laws_fp = col_text(st, 1);
	} else if (rc != SQLITE_DONE) {
		store_db_error(s, "read the law evaluation");
	}
	stmt_done(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

void store_law_flags_release(struct store_law_flags *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].event);
		free(f->v[i].title);
		free(f->v[i].evidence);
		free(f->v[i].page_updated);
	}
	free(f->v);
	f->v = NULL;
	f->n = 0;
}

int store_law_flags_get(struct store *s, const char *page_id, struct store_law_flags *out)
{
	sqlite3_stmt *st = stmt(s, ST_LAW_FLAGS_LIST);
	size_t alloc = 0;
	int rc;
	out->v = NULL;
	out->n = 0;
	bind_text(st, 1, page_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->n == alloc) {
			alloc = alloc ? alloc * 2 : 4;
			out->v = xrealloc(out->v, alloc * sizeof(*out->v));
		}
		struct store_law_flag *f = &out->v[out->n++];
		f->event = col_text(st, 0);
		f->title = col_text(st, 1);
		f->undated = sqlite3_column_int(st, 2) != 0;
		f->evidence = col_text(st, 3);
		f->flagged_at = col_time(st, 4);
		f->reported_at = col_time(st, 5);
		f->page_updated = col_text(st, 6);
	}
	if (rc != SQLITE_DONE) {
		store_db_error(s, "read the law flags");
		store_law_flags_release(out);
	}
	stmt_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int store_law_flags_set(struct store *s, const char *page_id, int64_t snapshot_id,
			const char *laws_fp, const struct store_law_flag *v, size_t n, time_t at)
{
	struct store_law_flags old = { NULL, 0 };
	if (tx_begin(s) < 0)
		return -1;
	if (store_law_flags_get(s, page_id, &old) < 0)
		goto fail;
	for (size_t i = 0; i < old.n; i++) {
		bool kept = false;
		for (size_t j = 0; j < n && !kept; j++)
			kept = !strcmp(old.v[i].event, v[j].event);
		if (kept)
			continue;
		sqlite3_stmt *st = stmt(s, ST_LAW_FLAG_DELETE);
		bind_text(st, 1, page_id);
		bind_text(st, 2, old.v[i].event);
		if (exec_stmt(s, st, "drop a law flag") < 0)
			goto fail;
	}
	for (size_t j = 0; j < n; j++) {
		sqlite3_stmt *st = stmt(s, ST_LAW_FLAG_UPSERT);
		bind_text(st, 1, page_id);
		bind_text(st, 2, v[j].event);
		bind_text(st, 3, v[j].title);
		sqlite3_bind_int(st, 4, v[j].undated);
		bind_text(st, 5, v[j].evidence);
		bind_time(st, 6, at);
		bind_text(st, 7, v[j].page_updated);
		if (exec_stmt(s, st, "record a law flag") < 0)
			goto fail;
	}
	sqlite3_stmt *st = stmt(s, ST_LAW_EVAL_PUT);
	bind_text(st, 1, page_id);
	sqlite3_bind_int64(st, 2, snapshot_id);
	bind_text(st, 3, laws_fp);
	bind_time(st, 4, at);
	if (exec_stmt(s, st, "record the law evaluation") < 0 || tx_commit(s) < 0)
		goto fail;
	store_law_flags_release(&old);
	return 0;
fail:
	tx_rollback(s);
	store_law_flags_release(&old);
	return -1;
}

struct reported_flags {
	const char *const *page_ids, *const *events;
	time_t at;
};

static void bind_law_flag_reported(sqlite3_stmt *st, size_t i, const void *arg)
{
	const struct reported_flags *r = arg;
	bind_text(st, 1, r->page_ids[i]);
	bind_text(st, 2, r->events[i]);
	bind_time(st, 3, r->at);
}

int store_law_flags_mark_reported(struct store *s, const char *const *page_ids,
				  const char *const *events, size_t n, time_t at)
{
	struct reported_flags r = { page_ids, events, at };
	return exec_rows(s, ST_LAW_FLAG_REPORTED, n, bind_law_flag_reported, &r,
			 "mark a law flag reported");
}

/* ---- history ---- */

int store_snapshots_each(struct store *s, const char *page_id, store_snapshot_fn fn, void *ctx)
{
	sqlite3_stmt *st = stmt(s, ST_SNAPSHOTS_LIST);
	struct snapshot_info *v = NULL;
	size_t n = 0, alloc = 0;
	int ret = -1, rc;

	/* Collected first, for the same reason as store_changes_each. */
	bind_text(st, 1, page_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 32;
			v = xrealloc(v, alloc * sizeof(*v));
		}
		struct snapshot_info *si = &v[n++];
		si->id = sqlite3_column_int64(st, 0);
		si->first_seen = col_time(st, 1);
		si->last_seen = col_time(st, 2);
		si->text_hash = col_text(st, 3);
		si->rules_fp = col_text(st, 4);
		si->text_len = (size_t)sqlite3_column_int64(st, 5);
	}
	if (rc != SQLITE_DONE) {
		store_db_error(s, "list snapshots");
		stmt_done(st);
		goto cleanup;
	}
	stmt_done(st);
	for (size_t i = 0; i < n; i++)
		if (fn(&v[i], ctx))
			break;
	ret = 0;
cleanup:
	for (size_t i = 0; i < n; i++) {
		free(v[i].text_hash);
		free(v[i].rules_fp);
	}
	free(v);
	return ret;
}

/* ---- re-extraction ---- */

/* One re-extracted snapshot: found again under the same rules (its span
 * widened) or inserted with its source's span. */
static int reextracted_put(struct store *s, const char *page_id, const struct reextracted *r,
			   int64_t *id, size_t *added)
{
	char hash[PW_HASH_HEX];
	time_t first = 0;
	unsigned char *z = NULL;
	int ret = -1;

	pw_hash_hex(r->text, strlen(r->text), hash);
	int found = snapshot_find(s, page_id, r->text, hash, r->rules_fp, id, &first);
	if (found < 0)
		return -1;
	if (found) {
		sqlite3_stmt *st = stmt(s, ST_SNAPSHOT_WIDEN);
		sqlite3_bind_int64(st, 1, *id);
		bind_time(st, 2, r->first_seen);
		bind_time(st, 3, r->last_seen);
		return exec_stmt(s, st, "widen snapshot");
	}
	sqlite3_stmt *st = stmt(s, ST_SNAPSHOT_INSERT_SPAN);
	bind_text(st, 1, page_id);
	bind_text(st, 2, r->text);
	bind_text(st, 3, hash);
	bind_text(st, 4, r->fields);
	if (bind_raw(s, st, 5, r->raw, r->raw_len, &z) < 0) {
		stmt_done(st);
		goto cleanup;
	}
	bind_text(st, 7, r->body_hash);
	bind_text(st, 8, r->rules_fp);
	bind_time(st, 9, r->first_seen);
	bind_time(st, 10, r->last_seen);
	if (exec_stmt(s, st, "record re-extracted snapshot") < 0)
		goto cleanup;
	*id = sqlite3_last_insert_rowid(s->db);
	(*added)++;
	ret = 0;
cleanup:
	free(z);
	return ret;
}

int store_reextract_page(struct store *s, const char *page_id, const struct reextracted *v,
			 size_t n, size_t current, size_t *added)
{
	int64_t id = 0, current_id = 0;
	*added = 0;
	if (tx_begin(s) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (reextracted_put(s, page_id, &v[i], &id, added) < 0)
			goto fail;
		if (i == current)
			current_id = id;
	}
	if (current_id) {
		sqlite3_stmt *st = stmt(s, ST_PAGE_SET_CURRENT);
		bind_text(st, 1, page_id);
		sqlite3_bind_int64(st, 2, current_id);
		if (exec_stmt(s, st, "set current snapshot") < 0)
			goto fail;
	}
	if (tx_commit(s) < 0)
		goto fail;
	return 0;
fail:
	tx_rollback(s);
	return -1;
}

/* ---- outbox ---- */

int store_outbox_add(struct store *s, time_t at, const char *subject, const char *text,
		     const char *html, int64_t *id)
{
	if (!subject || !text) {
		store_set_error(s, "cannot add to the outbox: no subject or text");
		return -1;
	}
	sqlite3_stmt *st = stmt(s, ST_OUTBOX_ADD);
	bind_time(st, 1, at);
	bind_text(st, 2, subject);
	bind_text(st, 3, text);
	bind_text(st, 4, html);
	if (exec_stmt(s, st, "add to the outbox") < 0)
		return -1;
	if (id)
		*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int store_outbox_mark_sent(struct store *s, int64_t id, time_t at)
{
	sqlite3_stmt *st = stmt(s, ST_OUTBOX_SENT);
	sqlite3_bind_int64(st, 1, id);
	bind_time(st, 2, at);
	if (exec_stmt(s, st, "mark report sent") < 0)
		return -1;
	if (sqlite3_changes(s->db) != 1) {
		store_set_error(s, "no outbox entry %lld", (long long)id);
		return -1;
	}
	return 0;
}

/* Calls fn for each entry listed by the statement list (ids), re-read one
 * at a time: fn marks entries sent while we walk, and reports may be
 * large. */
static int outbox_walk(struct store *s, enum stmt_id list, store_outbox_fn fn, void *ctx)
{
	sqlite3_stmt *st = stmt(s, list);
	int64_t *ids = NULL;
	size_t n = 0;
	int ret = -1, rc;

	if (collect_ids(s, st, "read the outbox", &ids, &n) < 0)
		goto cleanup;
	for (size_t i = 0; i < n; i++) {
		struct outbox_entry e = { 0 };
		char *subject = NULL, *text = NULL, *html = NULL, *last_error = NULL;
		st = stmt(s, ST_OUTBOX_GET);
		sqlite3_bind_int64(st, 1, ids[i]);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			e.id = sqlite3_column_int64(st, 0);
			e.created_at = col_time(st, 1);
			subject = col_text(st, 2);
			text = col_text(st, 3);
			html = col_text(st, 4);
			e.attempts = sqlite3_column_int(st, 5);
			e.refusals = sqlite3_column_int(st, 6);
			last_error = col_text(st, 7);
			e.parked_at = col_time(st, 8);
		} else if (rc != SQLITE_DONE) {
			store_db_error(s, "read the outbox");
		}
		stmt_done(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			goto cleanup;
		if (rc == SQLITE_DONE)
			continue;  /* sent meanwhile (by fn, or another process) */
		pw_time_iso(e.created_at, e.created_iso);
		e.subject = subject;
		e.text = text;
		e.html = html;
		e.last_error = last_error;
		int stop = fn(&e, ctx);
		free(subject);
		free(text);
		free(html);
		free(last_error);
		if (stop)
			break;
	}
	ret = 0;
cleanup:
	free(ids);
	return ret;
}

int store_outbox_each_unsent(struct store *s, store_outbox_fn fn, void *ctx)
{
	return outbox_walk(s, ST_OUTBOX_UNSENT, fn, ctx);
}

int store_outbox_each_queued(struct store *s, store_outbox_fn fn, void *ctx)
{
	return outbox_walk(s, ST_OUTBOX_QUEUED, fn, ctx);
}

int store_outbox_failed(struct store *s, int64_t id, time_t at, const char *error, bool refused,
			int park_after, bool *parked)
{
	sqlite3_stmt *st = stmt(s, ST_OUTBOX_FAILED);
	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, error);
	sqlite3_bind_int(st, 3, refused ? 1 : 0);
	sqlite3_bind_int(st, 4, park_after);
	bind_time(st, 5, at);
	if (exec_stmt(s, st, "record a mail failure") < 0)
		return -1;
	if (sqlite3_changes(s->db) != 1) {
		store_set_error(s, "no report %lld waiting in the outbox", (long long)id);
		return -1;
	}
	st = stmt(s, ST_OUTBOX_STATE);
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && parked)
		*parked = sqlite3_column_int(st, 0) != 0;
	else if (rc != SQLITE_ROW)
		store_db_error(s, "read the outbox");
	stmt_done(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* Runs the drop or retry statement on a waiting entry. */
static int outbox_change(struct store *s, enum stmt_id which, int64_t id, const char *what)
{
	sqlite3_stmt *st = stmt(s, which);
	sqlite3_bind_int64(st, 1, id);
	if (exec_stmt(s, st, what) < 0)
		return -1;
	if (sqlite3_changes(s->db) != 1) {
		store_set_error(s, "no report %lld waiting in the outbox", (long long)id);
		return -1;
	}
	return 0;
}

int store_outbox_drop(struct store *s, int64_t id)
{
	return outbox_change(s, ST_OUTBOX_DROP, id, "drop a report from the outbox");
}

int store_outbox_retry(struct store *s, int64_t id)
{
	return outbox_change(s, ST_OUTBOX_RETRY, id, "put a report back in the outbox");
}

/* ---- linked documents ---- */

char *store_document_id(const char *page_id, const char *url)
{
	char hash[PW_HASH_HEX];
	pw_hash_hex(url, strlen(url), hash);
	return xasprintf("%s/doc/%.16s", page_id, hash);
}

int store_documents_sync(struct store *s, const char *page_id,
			 const struct store_document_link *links, size_t n, time_t at)
{
	int64_t current = 0;
	if (!page_id) {
		store_set_error(s, "cannot record documents: no page id");
		return -1;
	}
	if (tx_begin(s) < 0)
		return -1;
	if (page_current(s, page_id, &current) != 0)
		goto fail;
	sqlite3_stmt *st = stmt(s, ST_DOCS_MARK);
	bind_text(st, 1, page_id);
	if (exec_stmt(s, st, "record documents") < 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		if (!links[i].url) {
			store_set_error(s, "cannot record document %zu of '%s': no url", i, page_id);
			goto fail;
		}
		char *id = store_document_id(page_id, links[i].url);
		st = stmt(s, ST_DOC_UPSERT);
		bind_text(st, 1, id);
		bind_text(st, 2, links[i].url);
		bind_text(st, 3, links[i].title);
		bind_time(st, 4, at);
		bind_text(st, 5, page_id);
		int rc = exec_stmt(s, st, "record document");
		free(id);
		if (rc < 0)
			goto fail;
	}
	st = stmt(s, ST_DOCS_UNLINK);
	bind_text(st, 1, page_id);
	bind_time(st, 2, at);
	if (exec_stmt(s, st, "record removed documents") < 0)
		goto fail;
	if (tx_commit(s) < 0)
		goto fail;
	return 0;
fail:
	tx_rollback(s);
	return -1;
}

int store_documents_list(struct store *s, const char *page_id, struct store_document **out,
			 size_t *n_out)
{
	sqlite3_stmt *st = stmt(s, ST_DOCS_LIST);
	struct store_document *v = NULL;
	size_t n = 0, alloc = 0;
	int rc;

	*out = NULL;
	*n_out = 0;
	bind_text(st, 1, page_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 8;
			v = xrealloc(v, alloc * sizeof(*v));
		}
		struct store_document *d = &v[n++];
		memset(d, 0, sizeof(*d));
		d->id = col_text(st, 0);
		d->url = col_text(st, 1);
		d->title = col_text(st, 2);
		d->linked = sqlite3_column_int(st, 3) != 0;
		d->first_linked = col_time(st, 4);
		d->unlinked_at = col_time(st, 5);
		d->has_snapshot = sqlite3_column_int(st, 6) != 0;
	}
	if (rc != SQLITE_DONE) {
		store_db_error(s, "list documents");
		stmt_done(st);
		store_documents_free(v, n);
		return -1;
	}
	stmt_done(st);
	*out = v;
	*n_out = n;
	return 0;
}

void store_documents_free(struct store_document *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].id);
		free(v[i].url);
		free(v[i].title);
	}
	free(v);
}
