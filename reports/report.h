/*
 * report.h - the diff and the reports the editors read.
 *
 * One in-memory model (struct report) filled by the entry layer from a run
 * or from stored changes, and one renderer per format over it: text (the
 * e-mail's text part and stdout), HTML (self-contained, every byte from a
 * page escaped) and JSON (the "prefwatch-report/1" contract). Renderers
 * never touch the database. All text for editors is French.
 *
 * The diff (diff.c) works on canonical texts: lines (blocks) first, then
 * words inside changed blocks.
 */
#ifndef PREFWATCH_REPORT_H
#define PREFWATCH_REPORT_H

#include "common/common.h"

/* ======================= diff ======================= */

enum diff_op { DIFF_EQUAL, DIFF_DELETE, DIFF_INSERT };

struct diff_edit {
	enum diff_op op;
	char *text;                /* owned; for lines, without the '\n' */
	bool moved;                /* diff_lines only: this DELETE/INSERT line is
				    * inserted/deleted elsewhere (a moved block) */
};

struct diff {
	struct diff_edit *v;
	size_t n;
};

/* Line diff of two texts (Myers). Applying the edits (EQUAL+INSERT lines)
 * gives b exactly; a is EQUAL+DELETE. A text is its lines joined by '\n':
 * "" has no line, and a text ending in '\n' ends with an empty line. One
 * edit per line. Past a work bound (hostile texts) the middle of the texts
 * is reported as deleted then inserted, still exact. */
void diff_lines(const char *a, const char *b, struct diff *out);
/* Word diff of two strings; tokens are words, spaces and punctuation, never
 * splitting a UTF-8 character. Concatenating EQUAL+INSERT gives b. */
void diff_words(const char *a, const char *b, struct diff *out);
void diff_release(struct diff *d);

/* Unified diff ("--- a\n+++ b\n@@ ...") with context lines; owned. Empty
 * string when the texts are equal. */
char *diff_unified(const char *a, const char *b, const char *label_a,
		   const char *label_b, int context);

/* Field deltas between two fieldsets: for each field whose values differ, a
 * field named like it with values prefixed "-" (removed) or "+" (added).
 * The field "thresholds" comes first and is paired by meaning (condition
 * and kind, see diff.c): "~OLD\tNEW" a changed threshold or reference,
 * ">OLD\tNEW" one moved to another condition, "-OLD", "+NEW"; none when
 * either side has no such field (facts read before thresholds were). */
void fields_delta(const struct fieldset *old_f, const struct fieldset *new_f,
		  struct fieldset *delta);

/* ======================= model ======================= */

enum page_status { PAGE_NEW, PAGE_UNCHANGED, PAGE_CHANGED, PAGE_FAILED };
const char *report_page_status_name(enum page_status s); /* "new", ... */

struct report_change {
	int64_t id;
	time_t detected_at;
	time_t previous_at;        /* when the old text was first seen */
	char *old_text;
	char *new_text;
	struct fieldset deltas;    /* fields_delta() form */
	time_t reverted_to;        /* 0, or when the returned-to text was first seen */
	char *state;               /* review state, NULL means pending */
	/* reviewed or dismissed: by whom, when, why (may be NULL / 0) */
	char *reviewed_by;
	time_t reviewed_at;
	char *note;
	/* the HTTP exchange kept as proof of new_text (prefwatch evidence ID):
	 * when it was fetched and the SHA-256 (hex) of the body as served;
	 * evidence_sha256 NULL when none was kept */
	time_t evidence_at;
	char *evidence_sha256;
};

/* A document the page links (crawler's doc_links_find()), with what
 * happened to it in this run. Statuses: the pages' ones plus REMOVED (the
 * page stopped linking it: reported once, its history is kept). */
enum doc_status { DOC_NEW, DOC_UNCHANGED, DOC_CHANGED, DOC_FAILED, DOC_REMOVED, DOC_REPLACED };
const char *report_doc_status_name(enum doc_status s); /* "new", ..., "removed", "replaced" */

struct report_document {
	char *url;
	char *title;               /* the link text on the page */
	char *type;                /* "PDF", "DOCX", ...; may be NULL */
	enum doc_status status;
	long http_status;          /* 0: none */
	char *note;                /* French, e.g. tracked by hash (a scan); may be NULL */
	struct report_change *change; /* CHANGED: old and new text, no field deltas;
				       * REPLACED: the replaced document's text and this one's */
	/* REPLACED: a new link that takes the place of one the page no longer
	 * has (same title, or the one link changed): the old link */
	char *replaced_url;
	char *replaced_title;
	/* a removal that a replacement's entry says instead: not rendered */
	bool superseded;
	/* FAILED */
	enum pw_failure failure;
	char *error;
	time_t failing_since;
	int fail_count;
	bool listed;               /* over the threshold (as for pages): shown */
};

/* Where a page that seems to have moved may be now: what the run's search
 * of the site found (cli/relocate.c), said once (see store.h). */
struct report_candidate {
	char *url;
	char *title;               /* the candidate's <title>, may be NULL */
	double score;              /* text similarity to the last good snapshot, [0, 1] */
};
#define REPORT_RELOCATION_SHOWN 3 /* the best candidate and the two next */
struct report_relocation {
	struct report_candidate *v; /* best first, at most REPORT_RELOCATION_SHOWN */
	size_t n;
	bool found;                /* v[0] is over the threshold: proposed */
	double threshold;
	struct strvec searched;    /* French: each place searched, with its figures */
	struct strvec problems;    /* English: a source that could not be read, named
				    * ("sitemap 'URL': too large: ..."), for « Détail technique » */
};

/* A legal event the page predates (judge_stale()), listed tonight: the
 * night it was first raised, or as the weekly reminder. */
struct report_stale {
	char *event;               /* the event's key (date and title) */
	char *law_date;            /* ISO date of the event, "2025-01-23" */
	char *title;               /* "la circulaire du 23/01/2025" */
	char *evidence;            /* the phrase(s) found, as in the table; may be NULL */
	bool undated;              /* the page has no stamp of its own */
	char *page_updated;        /* the page's stamp it was judged with (ISO), or NULL */
	bool reminder;             /* raised earlier; tonight's is the weekly reminder */
	time_t flagged_at;         /* first raised */
};

struct report_page {
	char *id;
	char *office_id;
	char *office_name;
	char *region;
	char *departement;
	char *departement_name;
	char *url;                 /* watchlist URL */
	/* offices whose guide entry follows this page (their watchlist
	 * `served_by` names this page's office): ids and names */
	struct strvec also_ids, also_names;
	enum page_status status;
	long http_status;          /* 0: none */
	char *final_url;
	bool url_moved;            /* permanent redirect to a page still holding the text */
	char *watchlist_file;      /* where the watchlist declares the page's URL, */
	int watchlist_line;        /* for the line to change when it moved (0: unknown) */
	char *text;                /* NEW (CHANGED: NULL, change->new_text is the text);
	                            * NULL too when report_page_keep_text() spooled it */
	int64_t spool_off;         /* where the spooled text is in r->spool */
	size_t spool_len;          /* its length; 0: not spooled */
	struct fieldset fields;    /* NEW and CHANGED: the page's facts now */
	char *page_updated;        /* ISO date of the page's own stamp, or NULL */
	bool republished;          /* stamp moved, text unchanged */
	bool rules_changed;        /* re-extracted with new rules, no alert */
	struct report_change *change; /* CHANGED */
	/* FAILED */
	enum pw_failure failure;
	char *error;
	time_t failing_since;
	int fail_count;
	bool listed;               /* failure is over the threshold: shown */
	bool acknowledged;         /* an editor acknowledged this failure (`ack PAGE_ID`) */
	bool ack_reminder;         /* acknowledged; listed tonight as the weekly reminder */
	/* not FAILED: reads again after a failure the editors were told of,
	 * which began at was_failing_since */
	bool recovered;
	time_t was_failing_since;
	/* linked documents, owned (report_page_add_document()) */
	struct report_document *documents;
	size_t n_documents;
	/* FAILED as moved, not_found or no_content, the first night: what the
	 * search for its new address found; owned, NULL when none was made */
	struct report_relocation *relocation;
	/* legal events the page predates, listed tonight; owned
	 * (report_page_add_stale()) */
	struct report_stale *stale;
	size_t n_stale;
};

struct report {
	int64_t run_id;            /* 0 for a report not tied to one run */
	time_t started_at, finished_at;
	char *title;               /* e.g. region name(s); may be NULL */
	struct report_page *pages;
	size_t n_pages;
	size_t alloc;
	/* Texts of new pages, kept out of the heap (report_page_keep_text()):
	 * an unlinked temporary file, open when has_spool. */
	bool has_spool;
	bool spool_failed;         /* could not be created or written: texts stay in memory */
	int spool_fd;
	int64_t spool_size;
};

void report_init(struct report *r);
/* Makes room for n pages at once: a run knows its count, and growing by
 * doubling would briefly hold one and a half times a 10,000-page array. */
void report_reserve_pages(struct report *r, size_t n);
/* Appends a zeroed page and returns it (owned by r). */
struct report_page *report_add_page(struct report *r);
/* Appends a zeroed document to a page and returns it (owned by the page,
 * freed by report_release()). */
struct report_document *report_page_add_document(struct report_page *p);
/* Appends a zeroed stale flag to a page (owned by the page). */
struct report_stale *report_page_add_stale(struct report_page *p);
void report_release(struct report *r);
void report_relocation_free(struct report_relocation *rl); /* accepts NULL */
/* Keeps text as p's text (a NEW page's). Only the JSON report prints it,
 * and a first run over thousands of pages would otherwise hold them all in
 * memory until the end: it goes to an unlinked temporary file in $TMPDIR
 * (else /tmp), close-on-exec, and stays in memory only when that file
 * cannot be written. */
void report_page_keep_text(struct report *r, struct report_page *p, const char *text);
/* p's text in *out (owned), wherever it is kept: p->text, the spool, or
 * for a CHANGED page its change's new text; *out NULL if it has none.
 * -1 (errno set, *out NULL) when the spool cannot be read back whole. */
int report_page_text(const struct report *r, const struct report_page *p, char **out);

struct report_counts {
	int pages, new_pages, unchanged, changed, failed, failed_listed;
	int failed_ack;            /* failed, acknowledged, not listed tonight */
	int moved;                 /* a new official address to copy (not failed) */
	int recovered;             /* reads again after a failure the editors knew */
	int stale;                 /* pages listed as predating a legal event */
	/* in tonight's changes: conditions whose thresholds changed (a move
	 * counts both), legal references changed */
	int conditions, references;
	/* linked documents, whatever their page's status */
	int doc_new, doc_changed, doc_removed, doc_failed, doc_failed_listed, doc_replaced;
};
/* Counts pages by status. A republished or rules_changed page (not new, not
 * failed) is quiet: it counts, renders and appears in JSON as unchanged,
 * with one informative line; so does a CHANGED page without its change. */
void report_count(const struct report *r, struct report_counts *c);
/* True when there is something to tell the editors: a change, a new page,
 * a page newly found (or weekly reminded) to predate a legal event
 * or a listed failure (quiet pages and unlisted failures are not news);
 * also a document changed, newly linked, removed or failing (listed), even
 * when its page's own text did not change. */
bool report_has_news(const struct report *r);

/* One French line saying what a report built from one stored change is
 * about (prefwatch pending): "Mode de dépôt, Adresse et texte modifiés",
 * "texte modifié", "texte revenu à la version du 12/03/2026", "document
 * « Notice » (PDF) modifié". p is the report's page; owned. */
char *report_change_brief(const struct report_page *p);

/* ======================= renderers ======================= */

/* Each returns a new string (owned); r is only read. Text: French, lines
 * wrapped at 80 columns, words marked [-old-]{+new+}. HTML: one
 * self-contained document, every page-derived byte escaped, links only for
 * http(s) URLs. JSON: the "prefwatch-report/1" contract and its additions,
 * listed at the top of render_json.c. */
char *report_render_text(const struct report *r);
char *report_render_html(const struct report *r);
char *report_render_json(const struct report *r);
/* Writes the JSON report to path page by page, so that it never sits
 * whole in memory; paths as for report_write_file(); -1 with errno. */
int report_write_json(const struct report *r, const char *path);

/* One-line French summary, e.g. "9 pages vérifiées — 2 modifiées, ..."
 * (owned), followed by "; documents liés : 1 modifié, ..." only when a
 * document has news. A report not tied to a run (run_id 0) counts changes instead:
 * "2 modifications — 0 inaccessible, 0 nouvelle". */
char *report_summary(const struct report *r);
/* The e-mail's subject (owned, one line, French): see model.c; documents
 * with news add "1 document modifié", "2 nouveaux documents", ... */
char *report_subject(const struct report *r);

/* Writes s to path; -1 with errno (report_output_strerror() words it).
 * Only a regular file, or a path that does not exist yet, is replaced
 * atomically (temp file + rename; through a symbolic link the file it
 * points to is replaced, the link stays). "-", /dev/stdout, /dev/stderr
 * and /dev/fd/N are the process's own descriptors (stdout is flushed
 * first). An existing character device (/dev/null, /dev/full) or FIFO is
 * written in place, never replaced: a FIFO no process reads fails with
 * ENXIO rather than block; /dev/full fails with ENOSPC. A directory
 * (EISDIR), a block device or a socket (ENOTSUP) is refused. */
int report_write_file(const char *path, const char *s);
/* True when path names our standard output ("-", /dev/stdout, ...). */
bool report_output_is_stdout(const char *path);
/* strerror() for a report_write_file() / report_write_json() failure,
 * with the cases an output path meets worded for the user (ENOSPC: disk
 * full, ENXIO: a FIFO nobody reads, ENOTSUP: not a file we may write). */
const char *report_output_strerror(int errnum);

#endif
