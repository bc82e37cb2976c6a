/*
 * run.h - internal to cli/: the jobs and context of a nightly run, shared
 * by run.c (options, setup, the crawler loop, outputs), pages.c (what a
 * page's fetch means: failed, unchanged, new, changed, confirmed) and
 * documents.c (the documents a page links). Not a module header: nothing
 * outside cli/ includes it.
 */
#ifndef PREFWATCH_CLI_RUN_H
#define PREFWATCH_CLI_RUN_H

#include "common/common.h"
#include "crawler/crawler.h"
#include "store/store.h"

struct report;
struct wl_page;
struct watchlist;
struct relocation;

enum job_kind { JOB_PAGE, JOB_DOCUMENT };

/* A changed page's first fetch, kept until the confirming one: out of the
 * job itself, which every page of a 10,000-page run has all night. */
struct page_first {
	struct extraction ex;       /* its extraction */
	struct fetch_result res;    /* its headers (bodies dropped) */
	char hash[PW_HASH_HEX];     /* hash of its body */
};
void page_first_free(struct page_first *f); /* accepts NULL */

struct page_job {
	enum job_kind kind;         /* first: the crawler's data is either job */
	const struct wl_page *page;
	struct extract_rules *rules;      /* borrowed from the run's rules_cache */
	struct page_state st;
	size_t rp;                  /* index of its page in the report */
	bool confirming;            /* second fetch of a changed text */
	bool light;                 /* st.text and st.fields not loaded (see load_text) */
	struct page_first *first;   /* while confirming, else NULL; owned */
	bool docs_followed;
};

/* One linked document of a page, fetched in the same run. */
struct doc_job {
	enum job_kind kind;
	struct page_job *pj;        /* its page */
	char *id;                   /* store id (store_document_id()) */
	char *url;
	struct page_state st;
	bool light;                 /* st.text not loaded yet (doc_load_text()) */
	size_t rd;                  /* index in its report page's documents */
	bool confirming;
	bool done;                  /* its outcome is stored: docs_sweep() frees it */
	char *first_text;           /* the first fetch's text, when confirming */
	char *first_note;
	char first_hash[PW_HASH_HEX];
	struct fetch_result first_res;
	struct fetch_result held;   /* fetched, waiting for its conversion; the
				     * body is in the file `spill` meanwhile */
	char *spill;
	char *conv_key;             /* its text's cache key while converting or
				     * waiting for the same bytes' conversion */
	struct doc_job *pending_next; /* in ctx->pending, or a doc_inflight's waiters */
	struct doc_job *next;       /* every doc job of the run, for cleanup */
	/* a link the page no longer has, which this new link replaces (same
	 * title, or the one link removed where one was added): its report
	 * entry (a removal until this document's first text is known) and
	 * its last stored text, to compare with */
	bool replaces;
	size_t replaced_rd;
	char *replaced_text;
};

/* Text stored for a document (normalised) under this fingerprint: a
 * change of our normaliser must not read as a change of the document. */
#define DOC_RULES_FP "document-text/1"
#define DOC_MAX_DEFAULT 20

/* The text of a document's bytes, kept for the other pages of the run
 * that link the same file (a national form linked by many offices). */
struct doc_cache_entry {
	char *key;                  /* hash|content type|type by URL; NULL: empty */
	struct doc_text dt;
};
#define DOC_CACHE_N 128

/* Bytes being converted in the pool (documents.c): the same bytes fetched
 * meanwhile under another address wait for that text rather than be
 * converted again. */
struct doc_inflight {
	char *key;                  /* as the cache's; the strmap's key */
	bool converting;
	struct doc_job *waiters, **waiters_tail; /* linked by pending_next */
	struct doc_inflight *next;  /* every one of the run, for cleanup */
};

struct run_ctx {
	struct store *store;
	struct crawler *crawler;
	struct report *report;
	int64_t run_id;
	struct run_counts counts;
	long failure_threshold;
	bool db_error;
	size_t done, total;         /* pages finished, for the progress line */
	bool progress;              /* stderr is a terminal and not --quiet */
	const struct strvec *doc_domains;
	struct doc_limits doc_limits;
	struct doc_job *docs;       /* owned list */
	size_t docs_done;           /* doc jobs done since the last docs_sweep() */
	struct doc_cache_entry doc_cache[DOC_CACHE_N]; /* round robin */
	size_t doc_cache_next;
	size_t doc_cache_bytes;     /* texts held, capped (documents.c) */
	/* fetched documents are converted by the pool's threads while the
	 * crawl goes on (a slow file never stalls other transfers), and
	 * decided here when their text comes back */
	struct convert_pool *pool;  /* NULL: none could start, then ... */
	int converters;             /* its threads (0: min(2, CPUs)) */
	struct strmap inflight;     /* key -> struct doc_inflight */
	struct doc_inflight *inflight_all;
	/* ... fetched documents wait for their converter, which runs between
	 * crawler runs */
	struct doc_job *pending, **pending_tail;
	const struct watchlist *wl;
	struct relocation *reloc;   /* pages to find a new address for (relocate.c) */
};

/* ---- pages.c ---- */

/* Decides a page's fetch against its stored state and commits it. */
void cli_page_fetched(struct crawler *c, struct page_job *job, struct fetch_result *res,
		  struct run_ctx *ctx);
/* Drops a page's stored text and facts until its fetch comes back. */
void drop_text(struct page_job *job);
void show_progress(struct run_ctx *ctx, const char *url);
bool str_eq(const char *a, const char *b);
bool listed_at_once(enum pw_failure f);
const char *field_first(const struct fieldset *fs, const char *name);
void copy_fields(struct fieldset *dst, const struct fieldset *src);
void fill_fetch(struct page_outcome *o, const struct fetch_result *res);

/* ---- relocate.c ---- */

/* Notes that the page (failed tonight: res) should be searched for on its
 * site after the crawl (the judge's search_new_address). */
void relocate_want(struct run_ctx *ctx, struct page_job *job, const struct fetch_result *res);
/* Searches the noted pages' sites through ctx->crawler and adds what it
 * found to their report pages. 0, or -1 when the crawler was stopped. */
int relocate_search(struct run_ctx *ctx);
void relocate_free(struct run_ctx *ctx);

/* ---- documents.c ---- */

/* Records the documents text links for the page and queues their fetches. */
void follow_documents(struct run_ctx *ctx, struct page_job *job, const char *base_url,
		      const char *text, const struct fieldset *fields);
void on_doc_fetched(struct crawler *c, struct doc_job *dj, struct run_ctx *ctx,
		    struct fetch_result *res);
/* Converts the documents fetched during the last crawler run (without a
 * pool). */
void process_pending(struct run_ctx *ctx);
/* Decides the documents whose conversion has finished, without waiting:
 * call from the crawler's callbacks (where docs_sweep() may be called). */
void docs_collect(struct run_ctx *ctx);
/* Some document is being converted or waits for a conversion. */
bool docs_converting(struct run_ctx *ctx);
/* Waits up to timeout_ms for a conversion to finish, then decides what
 * has finished. */
void docs_wait(struct run_ctx *ctx, long timeout_ms);
/* Frees the record of the run's conversions (after the pool). */
void docs_inflight_release(struct run_ctx *ctx);
/* Frees the document jobs whose outcome is stored, every few dozen, so
 * that a night's memory does not grow with its documents. Call only
 * where no doc job is in use (at the top of the crawler's callback). */
void docs_sweep(struct run_ctx *ctx);
/* Frees the run's cache of document texts. */
void doc_cache_release(struct run_ctx *ctx);
/* Frees a list of document jobs (linked by next). */
void cli_doc_job_free(struct doc_job *dj);

#endif
