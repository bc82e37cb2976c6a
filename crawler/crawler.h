/*
 * crawler.h - fetch pages and extract their procedure text.
 *
 * Two stages, one module, knowing nothing of SQLite or reports:
 *
 *  1. fetching (fetch.c, charset.c): every transfer of a run goes through
 *     one libcurl multi handle, with a global window of parallel transfers,
 *     a per-host connection cap and a per-host delay between requests,
 *     retries with backoff, conditional requests, and a named failure kind
 *     for every way a fetch can go wrong. The body is decoded to UTF-8.
 *
 *  2. extraction (extract.c, facts.c): libxml2's HTML parser and XPath pick
 *     the procedure text out of the page; PCRE2 rules drop noise (date
 *     stamps, counters) and pick out the facts (method of filing, addresses,
 *     e-mails, phones, links, forms, the page's update stamp, and in
 *     thresholds.c the legal thresholds and references with their
 *     conditions).
 *
 * crawler_classify() joins the two: it turns a fetch plus its extraction
 * into a failure kind where the page is gone (soft 404, moved) or empty.
 */
#ifndef PREFWATCH_CRAWLER_H
#define PREFWATCH_CRAWLER_H

#include "common/common.h"

/* Bumped whenever the built-in extraction changes the text it produces,
 * so that stored snapshots can be re-extracted instead of reported. */
#define PW_EXTRACTOR_VERSION 5  /* 5: the facts hold the thresholds */

/* ======================= fetching ======================= */

struct crawler_config {
	long jobs;               /* parallel transfers in all (default 8) */
	long per_host;           /* connections to one host (default 2) */
	long host_delay_ms;      /* min delay between two requests to one host (1000) */
	long connect_timeout;    /* s (15) */
	long timeout;            /* s, whole transfer (60) */
	long low_speed_limit;    /* bytes/s (100) ... */
	long low_speed_time;     /* ... for s (30) */
	long max_body;           /* bytes (10 MiB) */
	long max_redirects;      /* (5) */
	long max_attempts;       /* (3) */
	long retry_after_cap;    /* s, cap on a server's Retry-After (120) */
	long backoff_ms;         /* base of exponential backoff (1000) */
	const char *user_agent_url; /* borrowed; NULL: project URL */
	const char *ca_bundle;   /* borrowed; NULL: system default */
	/* borrowed, may be NULL: "HOST:PORT:ADDRESS[,ADDRESS]" entries
	 * (pw_resolve_parse()), given to libcurl as CURLOPT_RESOLVE. A host
	 * pinned here counts as public for the redirect check below */
	const struct strvec *resolve;
};

/* Fills cfg with the defaults above. */
void crawler_config_init(struct crawler_config *cfg);

struct fetch_request {
	const char *url;           /* borrowed, must outlive the run */
	const char *etag;          /* conditional headers; NULL to omit */
	const char *last_modified;
	void *data;                /* caller's pointer, given back */
};

/* failure is named from the transfer alone: dns, connect (also a reset
 * or truncated transfer), tls, timeout (also slower than low_speed_limit),
 * http_error (5xx/408 after retries, other 4xx, too many redirects),
 * not_found (404/410), blocked (403, 429 after retries, or a redirect from
 * a public address into the local network, see below), too_large,
 * bad_content (not text/html or xhtml, or clearly binary: body and
 * content_type are still given, html is NULL), moved (a redirect to a
 * scheme other than http/https; final_url is the refused target).
 * crawler_classify() adds soft 404, moved and no_content.
 *
 * Redirects into the local network: when the watched URL's own address is
 * public, a redirect hop whose connection goes to an internal address
 * (pw_ip_is_internal(): loopback, private, link-local, unique-local,
 * IPv4-mapped forms) is refused before its request is sent: failure
 * blocked, final_url the refused target. The address checked is the one
 * connected to, so a public name that resolves inward is caught too. A
 * watched URL that is itself internal (an intranet, the test suite) may
 * redirect anywhere. Host names pinned by the resolve setting count as
 * public whatever address they are pinned to: the operator said "this is
 * that site", and it gives tests a public origin on loopback.
 *
 * No URL in a result carries user-info: final_url and error are redacted
 * (pw_url_redact()). IDN hosts are fetched when LC_CTYPE is a UTF-8
 * locale (libcurl converts them with libidn2): call pw_locale_init(). */
/* The HTTP exchange of a successful fetch, as it went over the wire, for
 * evidence (WARC): the last request of the transfer (the final redirect
 * hop) and its response. libcurl undoes any Transfer-Encoding (chunked)
 * itself, so body is the entity body as served: compressed where the
 * server compressed it. */
struct fetch_exchange {
	char *request;             /* request line and headers as sent, CRLF, ending
				    * with the blank line */
	size_t request_len;
	char *response;            /* status line and headers as received, ending
				    * with the blank line */
	size_t response_len;
	char *body;                /* the body as received when a Content-Encoding was
				    * undone; NULL: fetch_result.body is it byte for byte */
	size_t body_len;
	char *encoding;            /* Content-Encoding as served; NULL for none */
	char *ip;                  /* address connected to (CURLINFO_PRIMARY_IP) */
	time_t at;                 /* when the request was sent */
};
void fetch_exchange_free(struct fetch_exchange *x);

struct fetch_result {
	enum pw_failure failure;   /* PW_FAIL_NONE on success */
	char *error;               /* human-readable (English), NULL on success */
	long http_status;          /* last HTTP status, 0 if none */
	bool not_modified;         /* 304: no body */
	char *final_url;           /* after redirects */
	bool redirected;           /* final_url differs from the request */
	bool permanent_redirect;   /* every redirect hop was 301/308 */
	char *etag;
	char *last_modified;
	char *content_type;
	char *body;                /* raw bytes (content-encoding undone: gzip and
				    * deflate are asked for and decoded here) */
	size_t body_len;
	/* pw_hash_hex() of body, computed as the bytes arrived (no second
	 * pass over a large file); "" when the body was decoded here or on
	 * failure: then hash body yourself */
	char body_hash[PW_HASH_HEX];
	char *html;                /* body decoded to valid UTF-8 */
	size_t html_len;
	char *charset;             /* charset the body was decoded from */
	int attempts;
	double seconds;            /* total time including retries */
	/* 2xx with a body only (else NULL): the exchange as on the wire.
	 * Owned; fetch_result_release() frees it; a callback may steal it */
	struct fetch_exchange *exchange;
};

struct crawler;

/* Called once per finished request (after retries). res is borrowed: it is
 * released when the callback returns, but the callback may steal pointers
 * out of it (setting them to NULL). The callback may call crawler_add(). */
typedef void (*crawler_done_fn)(struct crawler *c, const struct fetch_request *req,
				struct fetch_result *res, void *ctx);

/* NULL on failure to initialise libcurl (err set). */
struct crawler *crawler_new(const struct crawler_config *cfg, char **err);
/* Queues a request; req is copied (its strings are borrowed). */
void crawler_add(struct crawler *c, const struct fetch_request *req);
/* Queues a request for a linked document: same politeness, limits,
 * retries and conditional headers, but any content type succeeds: body
 * holds the raw bytes, content_type is given, html stays NULL. A host's
 * documents are taken before its queued pages (a page's files follow
 * it, so what the caller keeps for them stays small). */
void crawler_add_document(struct crawler *c, const struct fetch_request *req);
/* Runs until every queued request (including ones added from callbacks)
 * has finished. Returns 0, or -1 if interrupted by crawler_stop(). */
int crawler_run(struct crawler *c, crawler_done_fn done, void *ctx);
/* Called by crawler_run() each time it is about to wait for the network
 * or a host's delay (often: keep it cheap), e.g. to commit what is
 * pending or to collect finished conversions. It may queue requests
 * (crawler_add*()): they start before the crawler waits. NULL: none. */
typedef void (*crawler_idle_fn)(void *ctx);
void crawler_set_idle(struct crawler *c, crawler_idle_fn idle, void *ctx);
/* Async-signal-safe: makes crawler_run() abandon transfers and return.
 * Abandoned and queued requests are dropped without a callback; the stop
 * is sticky (a later crawler_run() returns -1 at once). */
void crawler_stop(struct crawler *c);
/* Thread-safe and async-signal-safe: makes a crawler_run() waiting for
 * the network return from its wait now (then it calls its idle callback
 * before waiting again), e.g. when another thread has a result for it. */
void crawler_wakeup(struct crawler *c);
/* crawler_stop() was called: work between crawler runs stops too. */
bool crawler_stopped(const struct crawler *c);
void crawler_free(struct crawler *c);

void fetch_result_release(struct fetch_result *res);

/* Decodes body to UTF-8: HTTP charset, else <meta>, else BOM, else UTF-8
 * with Windows-1252 fallback. Returns a new string (never NULL), sets
 * *charset_out (owned) to the name used. */
char *charset_to_utf8(const char *body, size_t len, const char *content_type,
		      size_t *out_len, char **charset_out);

/* ======================= extraction ======================= */

struct extract_rules;

/* Compiles a page's rules once: select (XPath or NULL), exclude XPaths,
 * ignore patterns (defaults and page's, in order; PCRE2 with UTF, UCP and
 * MULTILINE, so ^ and $ are line ends). Returns NULL with *err set (owned)
 * naming the rule and cause. exclude and ignore may be NULL. A rules
 * object holds PCRE2 match data: use it from one thread at a time. The
 * built-in rules need no object: pass NULL to extract_html(). */
struct extract_rules *extract_rules_new(const char *select, const struct strvec *exclude,
					const struct strvec *ignore, char **err);
/* Hex fingerprint of the rules and PW_EXTRACTOR_VERSION: equal fingerprints
 * mean the same HTML gives the same text. Borrowed. r may be NULL (the
 * built-in rules only). */
const char *extract_rules_fingerprint(const struct extract_rules *r);
/* The same fingerprint from the rules' sources, without compiling them
 * (out: PW_HASH_HEX bytes): what a run uses to share one compiled set
 * among pages whose rules are the same. */
void extract_rules_fingerprint_of(const char *select, const struct strvec *exclude,
				  const struct strvec *ignore, char out[PW_HASH_HEX]);
/* The same two with the page's ignore_params: names of link parameters
 * (a trailing '*' makes a prefix) dropped from every link beside the
 * built-in table of url_canonical(). params may be NULL; an empty or
 * NULL list gives the same fingerprint as the functions above. */
struct extract_rules *extract_rules_new_params(const char *select, const struct strvec *exclude,
					       const struct strvec *ignore,
					       const struct strvec *params, char **err);
void extract_rules_fingerprint_of_params(const char *select, const struct strvec *exclude,
					 const struct strvec *ignore, const struct strvec *params,
					 char out[PW_HASH_HEX]);
void extract_rules_free(struct extract_rules *r);

struct extraction {
	char *text;          /* canonical procedure text, valid UTF-8, may be "" */
	size_t text_len;
	char *title;         /* <title>, normalised; may be NULL */
	char *heading;       /* first h1 of the page, normalised; may be NULL */
	char *rule;          /* which rule selected the content: "select: XPATH", or
			      * "builtin: " + dsfr | ezpublish | ezpublish print |
			      * demarches-simplifiees | accueil-etrangers | main |
			      * role=main | article | densest paragraphs | whole page,
			      * followed by " (booking)" on the booking module;
			      * "none: empty document" */
	struct fieldset fields; /* method, method_evidence, addresses, emails, phones,
				 * links, forms, thresholds (always present, maybe empty),
				 * page_updated (only if stamped) */
	bool truncated;      /* the text reached its cap (8 MiB) and was cut: not
			      * a text to compare (the caller fails it as too_large) */
};

/* Whether stored_fp (a snapshot's) is the fingerprint of r's very rules
 * under an earlier PW_EXTRACTOR_VERSION: the extractor changed, the
 * page's rules did not, so re-extracting is no news for the editors. r
 * may be NULL (the built-in rules). */
bool extract_rules_only_extractor_changed(const struct extract_rules *r, const char *stored_fp);

/* The canonical form of a link target, as the text and the facts give
 * it: for http(s), parsed with libcurl's URL API (dot segments resolved),
 * without the parameters that name a visit rather than a page -- the
 * session and tracking names of one table in extract.c (README.md,
 * "Links"), the names of extra (a trailing '*' makes a prefix; may be
 * NULL), and any parameter whose value looks like a random token (16 to
 * 512 characters of [A-Za-z0-9_-], letters and digits densely mixed,
 * entropy at least 3 bits a character; never a number) -- in the query,
 * as path parameters (";jsessionid=...") or as the fragment ("#xtor=");
 * the remaining query sorted by name. Other schemes (mailto:, tel:) and
 * what curl cannot parse lose the same query parameters. Owned, never
 * NULL. */
char *url_canonical(const char *url, const struct strvec *extra);

/* Extracts from UTF-8 HTML. base_url resolves relative links (a <base>
 * element wins). Returns 0, or -1 with *err set when the document cannot be
 * parsed at all. An empty selection is not an error: text is "". */
int extract_html(const char *html, size_t len, const char *base_url,
		 const struct extract_rules *rules, struct extraction *out, char **err);
void extraction_release(struct extraction *ex);

/* The facts of a canonical text (also used by extract_html). Always
 * creates the fields method, method_evidence, addresses, emails, phones,
 * links and forms,
 * possibly empty, so that a value disappearing shows as a delta. */
void facts_extract(const char *text, struct fieldset *out);

/* The thresholds of a canonical text into the field "thresholds" (created
 * even when empty), one value per threshold, in text order:
 * "KIND\tCONDITION\tSUBJECT\tVALUE", KIND one of duration, count, money,
 * contract, age, reference; CONDITION the normalised heading or « Si
 * vous ... » line that governs it ("" when none); SUBJECT what it measures
 * (présence, activité, âge, circulaire...); VALUE the normalised
 * threshold ("présence 5 ans", "circulaire du 28/11/2012"). The table of
 * rules and what is not a threshold are documented in thresholds.c.
 * facts_extract_page() calls it. text may be NULL. */
void thresholds_extract(const char *text, struct fieldset *out);

/* What a page is, for its method of filing. */
enum facts_page {
	FACTS_PAGE,     /* the method is read from the text */
	FACTS_DS,       /* a démarches-simplifiées procedure: online_ds replaces online */
	FACTS_BOOKING   /* the booking module: appointment is the only method */
};
/* facts_extract() for a page of that kind. The method is what the
 * applicant must do to file, read from the procedure's sentences, not
 * from every word that names a method: an online form to print and post
 * is postal; a counter one goes to for an appointment, or an appointment
 * booked online, is appointment. method_evidence holds the sentence each
 * method was read from (list markers and link targets dropped, at most
 * 300 bytes), in the order of method, each sentence once; heading (may be
 * NULL) is the evidence of a method the page's kind gives. */
void facts_extract_page(const char *text, enum facts_page kind, const char *heading,
			struct fieldset *out);
/* The page's own update stamp in text ("Mis à jour le 02/03/2023",
 * "Dernière mise à jour : 2 mars 2023", "Publié le ..." as a fallback) as
 * an ISO date "YYYY-MM-DD" into out. false when there is none. extract_html
 * calls it before its ignore rules remove the stamp from the text, and
 * sets the field page_updated from it. */
bool facts_page_updated(const char *text, char out[11]);

/* ======================= classification ======================= */

/* Decides whether a successful fetch is really a failure: soft 404 (title
 * or main heading says the page does not exist), moved (redirected to the
 * site's home or a section above the original path, or to a page where the
 * rule finds no text), no_content. requested_url is the watchlist's URL.
 * Returns PW_FAIL_NONE when the page holds procedure text. */
enum pw_failure crawler_classify(const char *requested_url, const struct fetch_result *res,
				 const struct extraction *ex);

/* ======================= linked documents (document.c) =======================
 *
 * Procedure pages link the documents that hold the procedure itself (list
 * of pieces, application form, notice). They are found in a page's
 * extraction, fetched through the same crawler (fetch_request with
 * crawler_add_document()), and their text is taken out by a converter run as a
 * child process: Debian's poppler-utils `pdftotext` for PDF, `odt2txt` for
 * ODT and `docx2txt` for DOCX when installed. A child, not libpoppler in
 * process, so that a crash, a hang or a memory blow-up of the parser on a
 * crafted file ends that child only: it runs with a CPU-time limit, an
 * address-space limit, no file writes, a capped output and a wall-clock
 * timeout after which its process group is killed.
 */

enum doc_type { DOC_TYPE_UNKNOWN = 0, DOC_TYPE_PDF, DOC_TYPE_DOC, DOC_TYPE_DOCX, DOC_TYPE_ODT };
/* "PDF", "DOC", "DOCX", "ODT"; "" for UNKNOWN. */
const char *doc_type_name(enum doc_type t);
/* From the URL path's extension (query and fragment ignored, any case). */
enum doc_type doc_type_from_url(const char *url);

struct doc_link {
	char *url;
	char *title;               /* the link text on the page, else the file name */
	enum doc_type type;        /* from the URL */
};
struct doc_links {
	struct doc_link *v;
	size_t n;
};
/* The document links of a page's extraction, in page order, each URL once:
 * values of its `links` and `forms` fields that are http(s) URLs ending in
 * .pdf, .doc, .docx or .odt (and `forms` values under /content/download/,
 * eZ Publish's file links, whose type the bytes tell), on the host of
 * page_url or on one of domains
 * (a domain also covers its subdomains; domains may be NULL), at most max.
 * The title is the "[text](url)" link text of ex->text. out is owned by the
 * caller (doc_links_release). */
void doc_links_find(const struct extraction *ex, const char *page_url,
		    const struct strvec *domains, size_t max, struct doc_links *out);
void doc_links_release(struct doc_links *l);

struct doc_limits {
	long cpu_seconds;          /* RLIMIT_CPU of the converter (10) */
	long wall_ms;              /* killed after this long (15000) */
	long mem_bytes;            /* RLIMIT_AS of the converter (512 MiB) */
	long max_text;             /* converter output cap, bytes (4 MiB) */
	const char *converter_dir; /* looked in first for the converters, before
				    * /usr/bin, /bin, /usr/local/bin (NULL: not;
				    * borrowed; the tests' stand-ins) */
};
void doc_limits_init(struct doc_limits *lim);

enum doc_text_kind {
	DOC_TEXT_OK,               /* text extracted */
	DOC_TEXT_SCAN,             /* a PDF without a text layer: tracked by hash */
	DOC_TEXT_HASH_ONLY         /* no converter for this type: tracked by hash */
};

struct doc_text {
	enum doc_type type;        /* from the bytes, else content type, else URL */
	enum doc_text_kind kind;
	char *text;                /* normalised text; "" unless OK; NULL on failure */
	char *note;                /* English, why there is no text (SCAN, HASH_ONLY) */
	enum pw_failure failure;   /* NONE, or: bad_content (not a document, corrupt
				    * or truncated file, converter crashed),
				    * too_large (output over max_text, or written to
				    * a file past RLIMIT_FSIZE: SIGXFSZ; converter out
				    * of memory), timeout (CPU or wall-clock limit) */
	char *error;               /* English, NULL on success */
	double seconds;            /* time spent in the converter */
};
/* Takes the text out of a fetched document. url and content_type (may be
 * NULL) help to tell the type when the bytes do not; a file of another
 * format behind a URL without a document extension is HASH_ONLY, while
 * HTML, text, or a ".pdf" that is not one is bad_content. Returns 0 when a text
 * (maybe "") or a hash-only kind was decided, -1 with out->failure and
 * out->error set. out is always initialised; doc_text_release() frees it. */
int doc_extract(const char *body, size_t len, const char *content_type, const char *url,
		const struct doc_limits *lim, struct doc_text *out);
void doc_text_release(struct doc_text *d);
/* Canonical form of a converter's output: valid UTF-8, Unicode spaces and
 * tabs as one ASCII space, invisible characters (soft hyphen, zero-width,
 * BOM) and control characters dropped, ligatures spelt out, each line
 * trimmed, runs of spaces collapsed, blank lines dropped, lines joined by
 * '\n' without a final one. Owned, never NULL. */
char *doc_text_normalise(const char *s, size_t len);

/* ======================= converting off the main thread (convert_pool.c) =======================
 *
 * doc_extract() blocks for up to the converter's wall-clock limit, so a
 * run converts in a small pool of worker threads while the crawler goes
 * on fetching: the caller submits a fetched document (its body spilled to
 * a private temp file, so that a first night's thousands of waiting
 * documents cost disk, not memory) and collects the finished results on
 * its own thread, without blocking (from the crawler's callbacks) or
 * waiting. The workers only read the file, run doc_extract() and post the
 * result: what a text means, the store and the report stay with the
 * caller. Jobs start in submission order; results come back in completion
 * order (a hung converter holds one worker, not the others).
 *
 * Threads: each worker runs with SIGINT, SIGTERM, SIGPIPE (and every other
 * asynchronous signal) blocked, so that a signal reaches the main thread;
 * it forks its converter through pw_child_run(), which does only
 * async-signal-safe work in the child and closes every descriptor but
 * 0-2 before exec (so a descriptor another thread opened meanwhile never
 * reaches the converter). pw_child_run() toggles SIGPIPE process-wide: a
 * process using a pool must ignore SIGPIPE for the pool's whole life
 * (then every save and restore is "ignored"). The workers write no log
 * line and call no strerror(). */

struct convert_pool;

struct convert_job {
	const char *path;          /* the body, spilled: the pool owns this file
				    * from submission on and removes it on every
				    * path (read, dropped at shutdown) */
	size_t len;                /* its length in bytes */
	const char *content_type;  /* may be NULL; copied */
	const char *url;           /* helps tell the type; copied */
	void *data;                /* caller's pointer, given back */
};

struct convert_result {
	void *data;                /* the job's */
	int rc;                    /* doc_extract()'s: 0 or -1 */
	struct doc_text dt;        /* owned; doc_text_release() */
	char *body;                /* the file's bytes read back (owned, NUL
				    * after len bytes), NULL when they could not
				    * be read: then rc -1, dt.failure bad_content */
	size_t len;
};

/* Starts threads workers (0: min(2, online CPUs); at most
 * CONVERT_POOL_MAX) converting under lim (copied; lim->converter_dir is
 * borrowed and must outlive the pool). notify(arg), when not NULL, is
 * called from a worker after each result is posted (it must be
 * thread-safe: crawler_wakeup()). NULL with *err (owned) when no thread
 * could start. */
#define CONVERT_POOL_MAX 16
struct convert_pool *convert_pool_new(int threads, const struct doc_limits *lim,
				      void (*notify)(void *), void *arg, char **err);
/* Queues a job (never blocks). */
void convert_pool_submit(struct convert_pool *p, const struct convert_job *job);
/* Takes a finished result if one is ready: true and *out filled (owned by
 * the caller: convert_result_release()), else false at once. */
bool convert_pool_collect(struct convert_pool *p, struct convert_result *out);
/* As convert_pool_collect(), waiting up to timeout_ms for a result; false
 * at the timeout, or at once when no job is queued or running. */
bool convert_pool_wait(struct convert_pool *p, struct convert_result *out, long timeout_ms);
/* Jobs submitted whose result is not collected yet. */
size_t convert_pool_outstanding(struct convert_pool *p);
/* Drops the queued jobs (their files removed), waits for the running ones
 * (each bounded by the wall-clock limit), drops every uncollected result
 * and joins the workers. NULL is a no-op. */
void convert_pool_free(struct convert_pool *p);
void convert_result_release(struct convert_result *r);

/* ======================= finding a moved page (finder.c) =======================
 *
 * When a page is gone (moved, not_found, no_content) the entry layer looks
 * for its new address on the same site, fetching through the crawler (same
 * politeness, limits, retries): robots.txt's Sitemap lines and
 * /sitemap.xml (indexes followed to a depth, gzip undone), the links of the
 * page the old address redirects to and of its parent section, and the
 * site's search page (watchlist `search_url`). These functions parse what
 * it fetched, each capped, and rank what they found.
 */

/* The caps of one search; documented in the README ("Moved pages"). */
#define FINDER_MAX_BYTES ((size_t)8 * 1024 * 1024) /* a sitemap, after gunzip */
#define FINDER_MAX_URLS ((size_t)50000)    /* sitemap URLs kept per site */
#define FINDER_MAX_DEPTH 3                 /* sitemap index -> index -> sitemap */
#define FINDER_MAX_SITEMAPS ((size_t)30)   /* sitemap files fetched per site */
#define FINDER_MAX_LINKS ((size_t)2000)    /* links taken from one page */
#define FINDER_MAX_FETCH_PAGE ((size_t)5)  /* candidates fetched per moved page */
#define FINDER_MAX_FETCH_NIGHT ((size_t)50) /* candidates fetched per run */

struct finder_limits {
	size_t max_bytes, max_urls;
	int max_depth;
	size_t max_sitemaps, max_links, max_fetch_page, max_fetch_night;
};
void finder_limits_init(struct finder_limits *l);

/* The absolute http(s) URLs of robots.txt's "Sitemap:" lines (any case),
 * each once, at most FINDER_MAX_SITEMAPS, appended to out. */
void finder_robots_sitemaps(const char *txt, size_t len, struct strvec *out);

enum finder_sitemap_kind { FINDER_URLSET, FINDER_INDEX };
/* Parses a sitemap file (gzip undone when the bytes say so, at most
 * lim->max_bytes once expanded): its <loc> URLs (http(s) only) are
 * appended to out, at most room of them (*truncated then says some were
 * left); *kind says whether they are pages (urlset) or further sitemaps
 * (sitemapindex). -1 with *err (owned, English: "too large: expands
 * beyond N bytes", "not XML", "not a sitemap (root element <x>)", "corrupt
 * gzip data") otherwise. */
int finder_sitemap_parse(const char *body, size_t len, const struct finder_limits *lim,
			 size_t room, enum finder_sitemap_kind *kind, struct strvec *out,
			 bool *truncated, char **err);

struct finder_link {
	char *url;                 /* absolute, canonical (url_canonical()), no fragment */
	char *text;                /* the link's text, spaces collapsed (<= 300 bytes) */
};
struct finder_links {
	struct finder_link *v;
	size_t n;
};
/* The <a href> links of a page (UTF-8 HTML) to the host of base_url, each
 * URL once, at most max, in page order. out owned (finder_links_release). */
void finder_html_links(const char *html, size_t len, const char *base_url, size_t max,
		       struct finder_links *out);
void finder_links_release(struct finder_links *l);

/* How much url (with its link text, may be NULL) looks like the new
 * address of the page at old_url, whose title and headings are old_words
 * (may be NULL): the words of both paths and texts compared as sets
 * (pw_similarity(), k = 1), in [0, 1]. A ranking, not a proof: the
 * candidates ranked first are fetched and their text compared. */
double finder_rank(const char *url, const char *text, const char *old_url, const char *old_words);

/* pattern with its "{query}" replaced by query, URL-encoded (spaces as
 * '+'); owned. */
char *finder_search_url(const char *pattern, const char *query);
/* The section above url: "https://a.fr/x/y/z.html" gives "https://a.fr/x/y/",
 * "https://a.fr/x/y/" gives "https://a.fr/x/"; NULL for the site's root
 * or an unparsable URL. Query and fragment dropped. Owned. */
char *finder_parent_url(const char *url);

#endif
