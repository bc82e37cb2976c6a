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
	enum wl_documents documents;
	long max_documents;   /* -1: default */
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
	struct wl_page *pages;
	size_t n_pages;
	char *file;
	int line;
};

/* Settings from `defaults:`; a value of -1 (or NULL) means "not set here",
 * so that the crawler's own defaults apply. */
struct wl_defaults {
	struct strvec ignore;      /* PCRE2 patterns applied to every page */
	char *user_agent_url;
	char *ca_bundle;
	long connect_timeout;      /* seconds */
	long timeout;              /* seconds, whole transfer */
	long low_speed_limit;      /* bytes per second ... */
	long low_speed_time;       /* ... for this many seconds */
	long max_body;             /* bytes */
	long failure_threshold;    /* consecutive failed runs before listing */
	struct strvec document_domains;
};

struct watchlist {
	struct wl_defaults defaults;
	struct wl_office *offices;
	size_t n_offices;
	struct strvec files;       /* files loaded, in order */
};

void watchlist_init(struct watchlist *wl);

/* Loads and validates one file, adding its offices to wl (ids must stay
 * unique across files; `defaults` of later files extend earlier ones).
 * Returns the number of errors appended to errs (0 = success). */
int watchlist_load(struct watchlist *wl, const char *path, struct strvec *errs);

void watchlist_release(struct watchlist *wl);

/* Looks a page up by id; NULL if absent. Borrowed pointer. */
const struct wl_page *watchlist_find_page(const struct watchlist *wl, const char *id);

/* Number of pages over all offices. */
size_t watchlist_page_count(const struct watchlist *wl);

const char *office_kind_name(enum office_kind k); /* "prefecture" ... */

#endif
