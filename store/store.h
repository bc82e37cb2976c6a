/*
 * store.h - the SQLite database that keeps every page's history.
 *
 * The store keeps what it is given; it decides nothing. Tables: runs,
 * pages (synced from the watchlist by id; a page dropped from the
 * watchlist keeps its history), fetches (one per attempt-series), snapshots
 * (raw body zlib-compressed, extracted text, fields, content hash; one row
 * per distinct text per page), changes (old and new snapshot, field deltas,
 * review state, whether it was reported).
 *
 * Every page outcome is committed in one transaction, so a run killed at
 * any moment leaves a consistent database holding every page it finished.
 *
 * Errors: functions return 0 on success and -1 on failure; the message is
 * then available from store_errmsg() until the next call. Returned records
 * are owned by the caller and freed with their _release function.
 */
#ifndef PREFWATCH_STORE_H
#define PREFWATCH_STORE_H

#include "common/common.h"

#define STORE_SCHEMA_VERSION 7

struct store;

/* Opens (creating and migrating as needed) the database at path. A file
 * that is not a database, is corrupt (PRAGMA quick_check), is read-only
 * (or in a directory we cannot write the WAL to) or has a newer schema is
 * refused untouched: it is only ever read, through a read-only connection.
 * Returns NULL with *err set (owned). A store is used by one thread. */
struct store *store_open(const char *path, char **err);
void store_close(struct store *s);
const char *store_errmsg(const struct store *s);
/* How long a call waits for another process's write lock before failing
 * with "database is locked" (default 5000 ms). */
int store_set_busy_timeout(struct store *s, int ms);

/* ---- pages ---- */

struct store_page_info {
	const char *id;
	const char *url;
	const char *office_id;
	const char *office_name;
	const char *office_kind;      /* "prefecture" | "sous-prefecture" */
	const char *region;
	const char *departement;
	const char *departement_name;
};

/* Inserts or updates these pages (by id); pages not listed are marked
 * inactive, never deleted. */
int store_sync_pages(struct store *s, const struct store_page_info *pages, size_t n);

/* What a run needs to know about a page before fetching it. */
struct page_state {
	bool has_snapshot;
	int64_t snapshot_id;        /* current (latest) snapshot */
	time_t snapshot_at;         /* when that text was first seen */
	char *text;
	char *fields;               /* fieldset_serialize() form */
	char *rules_fp;             /* rules the snapshot was extracted with */
	char *body_hash;            /* hash of the last good raw body */
	char *etag;                 /* from the last good fetch */
	char *last_modified;
	char *final_url;
	int fail_count;             /* consecutive failed runs, 0 if last ok */
	time_t failing_since;       /* first failure of the streak, 0 if none */
	char *last_failure;         /* failure kind name of the streak */
	/* an editor's acknowledgement of the streak (store_ack_failure()) */
	char *ack_failure;          /* the kind acknowledged, NULL if none */
	time_t ack_at;
	time_t ack_reminded_at;     /* last weekly reminder, 0 if none yet */
};
/* 0 with *out filled (a page with no history, or unknown to the store,
 * gives has_snapshot false and zeroes). Strings are owned by *out. */
int store_page_state(struct store *s, const char *page_id, struct page_state *out);
/* The same with text and fields left NULL: what a run needs before the
 * page's fetch comes back (validators, hashes, streak), read cheaply. */
int store_page_state_light(struct store *s, const char *page_id, struct page_state *out);
void store_page_state_release(struct page_state *st);
/* Only the id of the page's current snapshot: 0 with *snapshot_id (0 for
 * none, or a page unknown to the store), -1 on error. The pages row alone
 * is read, not the snapshot's (whose later columns lie past its text and
 * raw body: even the light state walks those overflow pages). */
int store_page_snapshot_id(struct store *s, const char *page_id, int64_t *snapshot_id);

/* Raw body of a snapshot, decompressed (owned, NUL-terminated after len
 * bytes). For re-extraction. -1 if the snapshot is unknown or was stored
 * without a body. */
int store_snapshot_raw(struct store *s, int64_t snapshot_id, char **body, size_t *len);

/* ---- runs ---- */

struct run_counts {
	int pages, new_pages, unchanged, changed, failed;
};
int store_run_begin(struct store *s, time_t started_at, int64_t *run_id);
int store_run_finish(struct store *s, int64_t run_id, time_t finished_at,
		     const struct run_counts *counts);

/* ---- one page's outcome, committed atomically ---- */

/* The HTTP exchange that proves a version (evidence, schema 5): kept as
 * given, compressed; bodies are stored once per body_sha256, however many
 * exchanges (nights, pages) served the same bytes. All borrowed. */
struct store_exchange {
	const char *target_uri;     /* the URL the final request went to */
	time_t at;                  /* when the request was sent */
	const char *ip;             /* address connected to; may be NULL */
	const char *request;        /* request head as sent */
	size_t request_len;
	const char *response;       /* response head as received */
	size_t response_len;
	const char *body;           /* body as served (compressed if it was) */
	size_t body_len;
	const char *body_sha256;    /* hex SHA-256 of body, by the caller: its key */
};

enum outcome_kind {
	OUTCOME_FAILED,       /* fetch or extraction failed: streak grows, snapshot kept */
	OUTCOME_UNCHANGED,    /* same text (or 304): streak reset */
	OUTCOME_NEW,          /* first text of a page: baseline snapshot, no change */
	OUTCOME_CHANGED,      /* new text: snapshot (or earlier one) + change record */
	OUTCOME_BASELINE      /* rules changed: new baseline snapshot, no change */
};

struct page_outcome {
	const char *page_id;
	enum outcome_kind kind;
	time_t at;
	/* the fetch */
	long http_status;
	const char *final_url;
	const char *etag;
	const char *last_modified;
	size_t bytes;
	double seconds;
	enum pw_failure failure;
	const char *error;
	/* the text (NEW, CHANGED, BASELINE; UNCHANGED may pass body_hash,
	 * fields and raw: they replace the current snapshot's, so that
	 * re-extraction starts from the latest body of that text) */
	const char *text;
	const char *fields;         /* serialised fieldset */
	const char *raw;            /* raw body, compressed by the store */
	size_t raw_len;
	const char *body_hash;
	const char *rules_fp;
	/* CHANGED only */
	const char *field_deltas;   /* serialised, reports' format */
	/* NEW, CHANGED, BASELINE: the exchange the text comes from, linked to
	 * the snapshot (and the change); NULL for none */
	const struct store_exchange *exchange;
	/* FAILED only: tonight's listing is the weekly reminder of an
	 * acknowledged failure (a failure of another kind ends the
	 * acknowledgement; any other outcome ends it too) */
	bool ack_reminded;
};

struct outcome_ids {
	int64_t fetch_id;
	int64_t snapshot_id;        /* the page's current snapshot after commit */
	int64_t change_id;          /* 0 unless CHANGED */
	int64_t reverted_to;        /* snapshot id if the text equals an older one */
	time_t reverted_to_at;      /* when that older text was first seen */
};

/* One transaction per call: the fetch row, the page's running state, and
 * for NEW/CHANGED/BASELINE the snapshot (a text already stored for this
 * page under the same rules_fp reuses its row) and for CHANGED the change
 * row, all or nothing. A text seen again (reused row, or UNCHANGED)
 * moves its last_seen and takes any raw/body_hash/fields given. FAILED grows the streak and keeps the snapshot and
 * validators; any other kind resets the streak and updates etag,
 * last_modified, body_hash and final_url, keeping the stored value where
 * the outcome passes NULL (a 304 carries no new validators). run_id 0
 * records no run. -1 (nothing written, ids zeroed) on error, including an
 * unknown page_id or a NEW/CHANGED/BASELINE outcome without text.
 * ids (may be NULL) is filled on success. */
int store_commit_page(struct store *s, int64_t run_id, const struct page_outcome *o,
		      struct outcome_ids *ids);

/* Group commits (the nightly crawl): while on, UNCHANGED and FAILED
 * outcomes without an exchange share one transaction, committed after a
 * few hundred of them or 200 ms, or as soon as any other transaction of
 * the store begins, or by store_group_flush() / turning it off / closing.
 * Each outcome in a group is still all or nothing; a process killed
 * loses at most the fetch records of the open group (no snapshot, change
 * or report). Turning it off commits what is open: 0, or -1 (message in
 * store_errmsg()) when that commit failed. */
int store_group_commits(struct store *s, bool on);
/* Commits the open group if it is at least min_age_ms old (0: any). */
int store_group_flush(struct store *s, int min_age_ms);

/* ---- moved pages (schema version 6) ---- */

/* Gives page_id the address url from now on (`prefwatch relocate`): the
 * address it had is kept as an alias (until `at`), its history, snapshots
 * and changes go on under the same id, so that its next fetch is compared
 * with the old snapshots. Its failure streak (the old address's) and
 * conditional-request validators are cleared. One transaction. 0; 1 for
 * an unknown page (or a document); -1 on error. */
int store_relocate_page(struct store *s, const char *page_id, const char *url, time_t at);
/* The page's earlier addresses, oldest first, appended to out. */
int store_page_aliases(struct store *s, const char *page_id, struct strvec *out);
/* Records that a run proposed url as page_id's new address, with its
 * similarity score: *first is true the first time that pair is
 * recorded, false when it was proposed before (then nothing changes). */
int store_relocation_propose(struct store *s, const char *page_id, const char *url, double score,
			     time_t at, bool *first);

/* ---- stale against the law (schema version 7) ----
 * Which legal events of the editors' table a page predates (the judge
 * decides; the store keeps the flags and when each was last reported),
 * and what the finding was made of, so that it is redone only when the
 * page's snapshot or the table's fingerprint changed. */
struct store_law_flag {
	char *event;                /* the event's key (date and title) */
	char *title;                /* "la circulaire du 23/01/2025" */
	char *evidence;             /* the phrase(s) found, as in the table; may be NULL */
	bool undated;               /* the page has no stamp of its own */
	char *page_updated;         /* the stamp it was judged with (ISO), or NULL */
	time_t flagged_at;          /* first raised (read only) */
	time_t reported_at;         /* last listed in a report, 0 never (read only) */
};
struct store_law_flags {
	struct store_law_flag *v;
	size_t n;
};
/* What the page's flags were computed from: 0 with *snapshot_id and
 * *laws_fp (owned) set; 1 never evaluated; -1 error. */
int store_law_eval_get(struct store *s, const char *page_id, int64_t *snapshot_id, char **laws_fp);
/* The page's flags, by event key; owned by *out. */
int store_law_flags_get(struct store *s, const char *page_id, struct store_law_flags *out);
void store_law_flags_release(struct store_law_flags *f);  /* accepts NULL */
/* Records the evaluation of page_id's snapshot under laws_fp: its flags
 * are now exactly v (event, title, undated, evidence read; a flag already
 * raised keeps its flagged_at and reported_at, a new one is raised at
 * `at`, the others are dropped). One transaction. */
int store_law_flags_set(struct store *s, const char *page_id, int64_t snapshot_id,
			const char *laws_fp, const struct store_law_flag *v, size_t n, time_t at);
/* Sets reported_at of these (page, event) flags, in one transaction. */
int store_law_flags_mark_reported(struct store *s, const char *const *page_ids,
				  const char *const *events, size_t n, time_t at);
/* What the dashboard says of a page besides its state: when it was last
 * fetched (whatever came back) and last read well, and the latest new
 * address a run proposed for it (store_relocation_propose()). */
struct page_checks {
	time_t last_fetch_at;       /* 0: never fetched */
	time_t last_ok_at;          /* last fetch without failure; 0: none */
	char *proposed_url;         /* owned; NULL when none was ever proposed */
	double proposed_score;
	time_t proposed_at;
};
/* 0 with *out filled (zeroes for an unknown page), -1 on error. Release
 * with store_page_checks_release(). */
int store_page_checks(struct store *s, const char *page_id, struct page_checks *out);
void store_page_checks_release(struct page_checks *c);

/* ---- changes and review ---- */

struct change_record {
	int64_t id;
	int64_t run_id;
	time_t detected_at;
	char *page_id, *url, *office_id, *office_name, *region, *departement, *departement_name;
	int64_t old_snapshot_id, new_snapshot_id;
	time_t old_at, new_at;          /* when each text was first seen */
	char *old_text, *new_text;
	char *old_fields, *new_fields;
	char *field_deltas;
	time_t reverted_to_at;          /* 0 unless the new text is an older one */
	char *state;                    /* "pending" | "reviewed" | "dismissed" */
	char *reviewed_by;
	time_t reviewed_at;
	char *note;
	time_t reported_at;             /* 0 if never reported */
	/* the exchange that proves the new text (store_change_evidence()'s);
	 * evidence_id 0 when none was kept */
	int64_t evidence_id;
	time_t evidence_at;
	char *evidence_sha256;          /* of the body as served */
};
void change_record_release(struct change_record *c);

/* 0 found, 1 no such change, -1 error. */
int store_change_get(struct store *s, int64_t id, struct change_record *out);

struct change_filter {
	bool pending_only;
	bool unreported_only;
	time_t since;                   /* detected_at >= since; 0 for all */
	int64_t run_id;                 /* 0 for all */
	const char *page_id;            /* NULL for all */
};
/* Calls fn for each matching change, oldest first (f NULL: all); fn
 * returning non-zero stops the walk. The record is borrowed for the call;
 * fn may call store functions (review, mark reported). */
typedef int (*store_change_fn)(const struct change_record *c, void *ctx);
int store_changes_each(struct store *s, const struct change_filter *f,
		       store_change_fn fn, void *ctx);

/* Acknowledges the failure a page is in (its kind, as of its last
 * fetch): until the page fails otherwise or reads again, the reports list
 * it only as a weekly reminder. 0 on success; 1 for an unknown page, 2
 * for a page that is not failing (message in store_errmsg()); -1 on a
 * database error. */
int store_ack_failure(struct store *s, const char *page_id, const char *by, const char *note,
		      time_t at);
/* state: "reviewed" or "dismissed". 0 done, 1 no such change,
 * 2 already reviewed/dismissed, -1 error. */
int store_change_review(struct store *s, int64_t id, const char *state,
			const char *by, const char *note, time_t at);

/* Sets reported_at on these changes, in one transaction; a change already
 * reported keeps its first time, unknown ids are ignored. */
int store_changes_mark_reported(struct store *s, const int64_t *ids, size_t n, time_t at);

/* ---- evidence: the exchanges behind versions (schema 5) ---- */

struct store_exchange_info {
	int64_t id;
	char *page_id;
	int64_t snapshot_id;
	int64_t change_id;          /* 0 unless recorded with a change */
	time_t at;
	char *target_uri;
	char *ip;                   /* may be NULL */
	char *body_sha256;
	size_t body_len;
};
void store_exchange_info_release(struct store_exchange_info *x);

/* The exchange that proves change_id's new text: the one recorded with
 * the change, else the latest kept for its new snapshot up to the change.
 * 0 found, 1 none (no such change, or no exchange kept), -1 error. */
int store_change_evidence(struct store *s, int64_t change_id, struct store_exchange_info *out);

/* Which exchanges store_exchanges_each() walks, oldest first:
 *  change_id > 0: the change's evidence and the one of its old text (its
 *                 old snapshot's latest up to the change), if kept;
 *  page_id:       the page's current snapshot's latest exchange, or with
 *                 all every exchange of the page and of its documents.
 * Setting both is an error. x is borrowed for the call. */
typedef int (*store_exchange_fn)(const struct store_exchange_info *x, void *ctx);
int store_exchanges_each(struct store *s, int64_t change_id, const char *page_id, bool all,
			 store_exchange_fn fn, void *ctx);

/* The exchange's bytes, decompressed (owned by *out; released with
 * store_exchange_data_release()). -1 if unknown or corrupt. */
struct store_exchange_data {
	char *request;
	size_t request_len;
	char *response;
	size_t response_len;
	char *body;
	size_t body_len;
};
int store_exchange_read(struct store *s, int64_t id, struct store_exchange_data *out);
void store_exchange_data_release(struct store_exchange_data *d);

/* prefwatch prune --keep-evidence: deletes the exchanges no change cites
 * (an exchange is cited when its snapshot is a change's old or new text)
 * kept before `before` (0: any time), then the bodies no exchange uses
 * any more. One transaction. *exchanges and *bodies (may be NULL) get
 * the numbers deleted. */
int store_prune_exchanges(struct store *s, time_t before, size_t *exchanges, size_t *bodies);

/* ---- history ---- */

struct snapshot_info {
	int64_t id;
	time_t first_seen;
	time_t last_seen;
	char *text_hash;
	char *rules_fp;
	size_t text_len;
};
/* Each snapshot of the page, oldest first; si is borrowed for the call,
 * text_len is in bytes. */
typedef int (*store_snapshot_fn)(const struct snapshot_info *si, void *ctx);
int store_snapshots_each(struct store *s, const char *page_id, store_snapshot_fn fn, void *ctx);

/* ---- re-extraction (prefwatch reextract) ---- */

/* A stored snapshot extracted again with today's rules. */
struct reextracted {
	const char *text;
	const char *fields;
	const char *raw;            /* the source's raw body (stored again, compressed) */
	size_t raw_len;
	const char *body_hash;
	const char *rules_fp;       /* today's rules */
	time_t first_seen, last_seen; /* the source's span */
};
/* Stores a page's whole history re-extracted (oldest first) as a new
 * series beside the old one, which is kept; v[current] becomes the page's
 * current snapshot. Texts equal under the same rules share a row, its span
 * widened. No fetch and no change is recorded. One transaction.
 * *added is the number of snapshot rows inserted (0: already done). */
int store_reextract_page(struct store *s, const char *page_id, const struct reextracted *v,
			 size_t n, size_t current, size_t *added);

/* ---- linked documents ----
 * A document a page links (a PDF list of pieces, a form) is kept like a
 * page, under an id of its own (store_document_id()): store_page_state(),
 * store_commit_page(), store_snapshot_raw(), store_snapshots_each() and
 * the changes work on it unchanged (its changes are listed with the
 * pages' ones; their page_id is the document's id). The link itself is
 * recorded by store_documents_sync(), keyed by (page, url): a document
 * that disappears from its page keeps its whole history, and is linked
 * again, same id, if it comes back. store_sync_pages() leaves documents
 * alone. Schema version 2 added this. */

/* "PAGE_ID/doc/" + 16 hex digits of the URL's hash: never a watchlist id
 * (those have no '/'). Owned. */
char *store_document_id(const char *page_id, const char *url);

struct store_document_link {
	const char *url;
	const char *title;          /* link text, may be NULL */
};
/* Records that page_id links exactly these documents as of `at`: new ones
 * are added (their identity, office and region, copied from the page),
 * known ones take the title and are linked again if they were not, and
 * the page's linked documents not listed are marked unlinked at `at`. One
 * transaction; -1 for an unknown page. */
int store_documents_sync(struct store *s, const char *page_id,
			 const struct store_document_link *links, size_t n, time_t at);

struct store_document {
	char *id;                   /* store_document_id() */
	char *url;
	char *title;                /* may be NULL */
	bool linked;                /* linked by the page as of the last sync */
	time_t first_linked;
	time_t unlinked_at;         /* when the link disappeared; 0 while linked */
	bool has_snapshot;          /* a text (or hash) was stored */
};
/* Every document the page links or linked, first linked first. *out is
 * owned (store_documents_free()), NULL when there is none. */
int store_documents_list(struct store *s, const char *page_id, struct store_document **out,
			 size_t *n);
void store_documents_free(struct store_document *v, size_t n);

/* ---- outbox: rendered reports waiting to be mailed ----
 * A report is added in the run that produced it and stays until marked
 * sent, so a mail failure loses nothing: the next run or `mail --resend`
 * sends it again. */

struct outbox_entry {
	int64_t id;
	time_t created_at;
	char created_iso[21];           /* created_at, pw_time_iso() form */
	const char *subject;            /* borrowed: valid during the callback only */
	const char *text;
	const char *html;               /* NULL if none */
	int attempts;                   /* failed sends so far */
	int refusals;                   /* of which permanent refusals since the last retry */
	const char *last_error;         /* the last failure's message, or NULL */
	time_t parked_at;               /* 0: not parked */
};
/* Copies the strings; html may be NULL. *id (may be NULL) gets the entry. */
int store_outbox_add(struct store *s, time_t at, const char *subject, const char *text,
		     const char *html, int64_t *id);
/* Marks an entry sent (a second call keeps the first time); -1 if unknown. */
int store_outbox_mark_sent(struct store *s, int64_t id, time_t at);
/* Calls fn for each unsent entry, oldest first; fn returning non-zero
 * stops the walk. fn may call store functions (e.g. mark_sent). */
typedef int (*store_outbox_fn)(const struct outbox_entry *e, void *ctx);
int store_outbox_each_unsent(struct store *s, store_outbox_fn fn, void *ctx);
/* The same over every entry not sent yet, parked ones included. */
int store_outbox_each_queued(struct store *s, store_outbox_fn fn, void *ctx);
/* Records a failed send of entry id: attempts + 1, error kept as
 * last_error; a permanent refusal (refused) counts towards parking, and
 * the entry is parked at `at` when it has been refused park_after times
 * (since the last retry). Parked entries are skipped by
 * store_outbox_each_unsent(), so they no longer hold later ones back.
 * *parked (may be NULL): the entry is parked now. -1 if unknown or sent. */
int store_outbox_failed(struct store *s, int64_t id, time_t at, const char *error, bool refused,
			int park_after, bool *parked);
/* Deletes a waiting (unsent) entry; -1 if there is none with that id. */
int store_outbox_drop(struct store *s, int64_t id);
/* Unparks a waiting entry and clears its refusals, so that the next send
 * tries it again; -1 if there is none waiting with that id. */
int store_outbox_retry(struct store *s, int64_t id);

#endif
