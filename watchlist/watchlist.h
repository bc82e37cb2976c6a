/*
 * watchlist.h - the editors' list of offices and pages to watch.
 *
 * A watchlist is loaded from one or more YAML files (libyaml), validated
 * strictly, and handed to the rest of the program as plain data. Nothing
 * downstream re-validates it: every URL is http(s), every XPath compiles
 * (libxml2), every ignore pattern compiles (PCRE2), ids are unique.
 *
 * Errors are collected, not stopped at: watchlist_load() appends one
 * message per problem to errs, each formatted "FILE:LINE:COLUMN: message"
 * (LINE and COLUMN 1-based), so an editor sees them all at once.
 *
 * Ownership: struct watchlist owns every string and array inside it;
 * watchlist_release() frees them all. Pointers into it (offices, pages)
 * stay valid until then.
 */
#ifndef PREFWATCH_WATCHLIST_H
#define PREFWATCH_WATCHLIST_H

#include "common/common.h"

enum office_kind { OFFICE_PREFECTURE, OFFICE_SOUS_PREFECTURE };

enum wl_documents { WL_DOCS_DEFAULT = 0, WL_DOCS_FOLLOW, WL_DOCS_NONE };

struct wl_office;

struct wl_page {
	char *id;             /* unique across all loaded files */
	char *url;            /* http:// or https:// */
	char *select;         /* XPath or NULL (built-in main-content rule) */
	struct strvec exclude; /* XPaths removed before extraction */
	struct strvec ignore; /* page's own PCRE2 patterns (defaults not included) */
	struct strvec ignore_params; /* link parameter names dropped (defaults not included) */
	enum wl_documents documents;
	long max_documents;   /* -1: default */
	/* false: a weak match (a general page, an attribution not checked)
	 * that an editor still has to confirm; watched all the same */
	bool verified;
	/* the site's search page, "{query}" standing for the words searched
	 * (a moved page's title), or NULL: defaults' search_url then applies */
	char *search_url;
	const struct wl_office *office; /* borrowed back-pointer */
	char *file;           /* file and line the page was declared at */
	int line;
};

struct wl_office {
	char *id;
	char *region;
	char *departement;       /* "02", "2A", "971" */
	char *departement_name;
	char *name;
	enum office_kind kind;
	bool handles_aes;        /* false: listed, but no pages */
	/* `status: to_find`: handles AES, but no page is known yet (the
	 * national list's to-do); then `pages: []` or no pages key */
	bool to_find;
	/* served_by: the office whose pages give this office's procedure (the
	 * guide writes one entry for both); then no pages of its own */
	char *served_by;
	int served_by_line, served_by_column;
	/* the offices served by this one (watchlist_finish()), ids and names */
	struct strvec serves_ids, serves_names;
	struct wl_page *pages;
	size_t n_pages;
	char *file;
	int line;
};

/* Settings from `defaults:`; a value of -1 (or NULL) means "not set here",
 * so that the crawler's own defaults apply. */
struct wl_defaults {
	struct strvec ignore;      /* PCRE2 patterns applied to every page */
	struct strvec ignore_params; /* link parameter names dropped on every page */
	char *user_agent_url;
	char *ca_bundle;
	long connect_timeout;      /* seconds */
	long timeout;              /* seconds, whole transfer */
	long low_speed_limit;      /* bytes per second ... */
	long low_speed_time;       /* ... for this many seconds */
	long max_body;             /* bytes */
	long failure_threshold;    /* consecutive failed runs before listing */
	struct strvec document_domains;
	/* "HOST:PORT:ADDRESS[,ADDRESS]" entries, like curl's --resolve: HOST
	 * is connected to at ADDRESS instead of what DNS says (a site behind
	 * a pinned address, or the test suite's loopback server). A name
	 * pinned here counts as a public site for the redirect check */
	struct strvec resolve;
	/* the sites' search page for a moved page's new address, "{query}"
	 * standing for the words searched; NULL: no search page */
	char *search_url;
};

struct watchlist {
	struct wl_defaults defaults;
	struct wl_office *offices;
	size_t n_offices;
	size_t alloc_offices;
	struct strvec files;       /* files loaded, in order */
};

void watchlist_init(struct watchlist *wl);

/* Loads and validates one file, adding its offices to wl (ids must stay
 * unique across files; `defaults` of later files extend earlier ones:
 * lists are appended without repeats, numbers and strings set in the later
 * file win). Returns the number of errors appended to errs (0 = success);
 * a file's errors are appended in file order (line, then column).
 * Only offices without any error are added, and `defaults` only when the
 * whole section is clean, so wl always holds valid data; but after any
 * error the caller should not run on it (`prefwatch check` semantics).
 * Office pointers (&wl->offices[i]) move when a later file adds offices;
 * page pointers (and page->office, refreshed here) stay valid until
 * watchlist_release(). A single-page office without a page id gets the
 * office id as its page id. */
int watchlist_load(struct watchlist *wl, const char *path, struct strvec *errs);
/* The same for a watchlist held in memory (e.g. built by `prefwatch
 * import` from a spreadsheet); name is used in messages and as the file
 * of every office and page. */
int watchlist_load_buffer(struct watchlist *wl, const char *name, const char *data, size_t len,
			  struct strvec *errs);
/* What only the whole watchlist can tell, after the last watchlist_load():
 * every `served_by` names an office of some file that has pages (not
 * itself, not one served in turn); each such office then lists whom it
 * serves. Returns the number of errors appended ("FILE:LINE:COLUMN: ..."). */
int watchlist_finish(struct watchlist *wl, struct strvec *errs);

void watchlist_release(struct watchlist *wl);

/* Looks a page up by id; NULL if absent. Borrowed pointer. */
const struct wl_page *watchlist_find_page(const struct watchlist *wl, const char *id);

/* Number of pages over all offices. */
size_t watchlist_page_count(const struct watchlist *wl);

const char *office_kind_name(enum office_kind k); /* "prefecture" ... */

/* ---- the table of legal events (laws.c) ----------------------------------
 *
 * A small YAML file the editors keep beside the watchlists (the bundled
 * one is laws.yaml): each legal event that makes older pages wrong, with
 * the phrases that betray a page still describing the text it replaced.
 *
 *   events:
 *     - date: 2025-01-23                   # YYYY-MM-DD, a real date
 *       name: circulaire relative aux orientations générales pour ...
 *       title: la circulaire du 23/01/2025 # as it follows « antérieure à »
 *       cited_as: [circulaire du 23 janvier 2025]   # optional: the new text
 *       replaces:
 *         name: circulaire du 28 novembre 2012 ...
 *         date: 2012-11-28
 *         cited_as: [circulaire du 28 novembre 2012, circulaire Valls]
 *       signs:                             # optional
 *         - 5 ans de présence et 2 documents par an   # one phrase, or
 *         - [5 ans de présence, 8 mois sur les 24 derniers mois]  # all of these
 *
 * Every key is checked: a missing field, a bad date, an unknown key, an
 * empty phrase, an event with neither signs nor citations of the replaced
 * text, two events with the same date and title give "FILE:LINE:COLUMN:
 * message", all at once. Each phrase is also kept folded (pw_fold_words():
 * accents, case, punctuation and spacing do not count) for matching.
 *
 * Ownership: struct law_table owns everything in it; law_table_release()
 * frees it. */
struct law_sign {
	struct strvec phrases;     /* as written; all must appear */
	struct strvec folded;      /* the same, pw_fold_words() */
};

struct law_event {
	char *date;                /* "2025-01-23" */
	char *name;
	char *title;               /* "la circulaire du 23/01/2025" */
	char *key;                 /* "DATE TITLE": the event's identity in the store */
	struct strvec cited_as, cited_folded;         /* the event's own text */
	char *replaces_name;
	char *replaces_date;
	struct strvec old_cited_as, old_cited_folded; /* the replaced text */
	struct law_sign *signs;
	size_t n_signs;
	int line;
};

struct law_table {
	struct law_event *events;  /* in file order */
	size_t n;
	char *file;                /* NULL: no table loaded */
	/* hash of what matching depends on (dates, titles, folded phrases):
	 * a stored evaluation made under another fingerprint is redone */
	char fingerprint[PW_HASH_HEX];
};

void law_table_init(struct law_table *t);
/* Loads and validates path into t (which must be freshly initialised).
 * Returns the number of errors appended to errs; after any error t holds
 * no event. */
int law_table_load(struct law_table *t, const char *path, struct strvec *errs);
/* The same from memory; name is used in messages. */
int law_table_load_buffer(struct law_table *t, const char *name, const char *data, size_t len,
			  struct strvec *errs);
void law_table_release(struct law_table *t);  /* accepts NULL */

/* ---- strict YAML helper -------------------------------------------------
 *
 * The watchlist is parsed in two steps: the YAML file is read (libyaml,
 * event API) into a small tree of nodes that remember their position, then
 * the tree is validated. The first step is reusable for any other
 * editor-written YAML file (e.g. a config file) with the same strictness:
 *
 *   struct yaml_doc doc;
 *   int nerr = yaml_doc_load(&doc, path, &errs);   // syntax errors
 *   if (!nerr && yaml_expect(&errs, doc.file, doc.root, YNODE_MAP, "the file")) {
 *       static const char *const keys[] = { "db", "mail", NULL };
 *       yaml_check_keys(&errs, doc.file, doc.root, keys, "the file");
 *       const struct ynode *db = ynode_get(doc.root, "db");
 *       ...
 *   }
 *   yaml_doc_release(&doc);
 *
 * What the reader refuses, so that validators need not care: more than
 * one document per file, aliases and anchors (an editor's file needs
 * none, and they would let a small file expand hugely), mapping keys that
 * are not scalars, duplicate keys in one mapping, nesting deeper than 64,
 * more than 4,000,000 nodes, files larger than 64 MiB (about 100,000 pages
 * fit in one file; past that the message says to split it). Tags are ignored:
 * every scalar is kept as its text ("02" stays "02").
 *
 * Errors are appended to errs as "FILE:LINE:COLUMN: message", 1-based
 * (libyaml's marks are 0-based), COLUMN counted in characters.
 */
enum ynode_kind { YNODE_SCALAR, YNODE_SEQ, YNODE_MAP };

struct ynode_pair;

struct ynode {
	enum ynode_kind kind;
	int line, column;          /* 1-based start of the node */
	char *value;               /* SCALAR: the text, NUL-terminated; else NULL */
	bool plain;                /* SCALAR: written without quotes */
	bool broken;               /* SEQ/MAP cut short by a syntax error: items or
				    * keys may be missing, so validators say
				    * nothing of what is absent */
	size_t n;                  /* SEQ: number of items; MAP: number of pairs */
	struct ynode **items;      /* SEQ only */
	struct ynode_pair *pairs;  /* MAP only, in file order */
};

struct ynode_pair {
	struct ynode *key;         /* always a SCALAR */
	struct ynode *value;
};

/* Owns file and the whole tree; yaml_doc_release() frees them. */
struct yaml_doc {
	char *file;                /* the name used in messages */
	struct ynode *root;        /* NULL when the file holds no document */
};

/* Reads and parses path into doc (always initialised). Returns the number
 * of errors appended to errs: a file that cannot be opened gives "FILE:
 * cannot open: reason", and root is then NULL. Every line indented with a
 * tab is reported first, in one pass. After a syntax error root keeps what
 * was read before it (the nodes it cut short marked broken), and reading
 * goes on at the next item of the same top-level list (the next office), so
 * that one error does not hide the others; past the limits (depth, nodes)
 * root is NULL. */
int yaml_doc_load(struct yaml_doc *doc, const char *path, struct strvec *errs);
/* Same from memory; name is used in messages. */
int yaml_doc_parse(struct yaml_doc *doc, const char *name, const char *data, size_t len,
		   struct strvec *errs);
void yaml_doc_release(struct yaml_doc *doc);   /* accepts NULL */

/* Value for key in a MAP node; NULL if absent or map is not a MAP. Borrowed. */
const struct ynode *ynode_get(const struct ynode *map, const char *key);
/* The key node itself (for positions); NULL if absent. Borrowed. */
const struct ynode *ynode_get_key(const struct ynode *map, const char *key);
/* True for a plain empty scalar or plain "~"/"null"/"Null"/"NULL". */
bool ynode_is_null(const struct ynode *node);
const char *ynode_kind_name(enum ynode_kind k); /* "a mapping", "a sequence", "a scalar" */

/* Appends "FILE:LINE:COLUMN: message" for node (or "FILE: message" if node
 * is NULL) to errs. */
void yaml_err(struct strvec *errs, const char *file, const struct ynode *node,
	      const char *fmt, ...) PW_PRINTF(4, 5);
/* True if node is of kind; otherwise appends "WHAT: expected a mapping,
 * got a scalar" at node and returns false (silently for a broken node:
 * its syntax error is said already). */
bool yaml_expect(struct strvec *errs, const char *file, const struct ynode *node,
		 enum ynode_kind kind, const char *what);
/* Appends "unknown key 'k' in WHAT" at each key of map not in allowed
 * (NULL-terminated); returns how many were unknown. */
int yaml_check_keys(struct strvec *errs, const char *file, const struct ynode *map,
		    const char *const *allowed, const char *what);
/* Scalar conversions; on error append a message at node and return -1. */
int ynode_bool(struct strvec *errs, const char *file, const struct ynode *node,
	       const char *key, bool *out);            /* true | false only */
int ynode_long(struct strvec *errs, const char *file, const struct ynode *node,
	       const char *key, long min, long max, long *out); /* decimal */

#endif
