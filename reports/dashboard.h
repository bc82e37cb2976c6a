/*
 * dashboard.h - the static site that shows the whole watch at a glance.
 *
 * An in-memory model (struct dashboard), filled by the entry layer
 * (cli/dashboard.c) from the watchlist and the store, and one renderer that
 * turns it into the files of a self-contained site: an overview by région
 * › département › office with each office's status, a page per office
 * with every version and change, the pending reviews, « Cette semaine » /
 * « Ce mois », and a map of France by département coloured by method of
 * filing and by status. Like the reports, it never touches the database;
 * the wording is French.
 *
 * Every string of the model comes from the watchlist or from the web: the
 * renderer escapes all of it, and links only http(s) URLs. The site needs
 * nothing outside itself (one style sheet, one optional script, relative
 * links), so it works from disk and from any web server.
 *
 * Ownership: struct dashboard owns every string and array inside it;
 * dashboard_free() frees them all. Pointers returned by the _add functions
 * stay valid until the next _add on the same parent.
 */
#ifndef PREFWATCH_DASHBOARD_H
#define PREFWATCH_DASHBOARD_H

#include "common/common.h"
#include "reports/report.h"

/* How a request is filed, as the map colours it. The facts' method values
 * fall into the first four: postal and letterbox (a drop without meeting
 * anyone) are « voie postale », online, online_ds and email « en ligne »,
 * appointment and in_person « rendez-vous / guichet »; an office or a
 * département with values of several of them is « mixte ». */
enum dash_method {
	DASH_METHOD_UNKNOWN,
	DASH_METHOD_POSTAL,
	DASH_METHOD_ONLINE,
	DASH_METHOD_APPOINTMENT,
	DASH_METHOD_MIXED
};
/* The category of a set of facts' method values. */
enum dash_method dash_method_of(const struct strvec *methods);
const char *dash_method_name(enum dash_method m);   /* "postal", ..., for CSS and tests */
const char *dash_method_label(enum dash_method m);  /* « voie postale », ... */

/* An office's status, from the most to the least urgent (a département on
 * the status map takes its most urgent office's). */
enum dash_status {
	DASH_STATUS_FAILING,      /* « inaccessible depuis N jours » */
	DASH_STATUS_RELOCATED,    /* failing, and a run proposed a new address */
	DASH_STATUS_PENDING,      /* « modifié — à revoir » */
	DASH_STATUS_STALE_LAW,    /* « antérieure à la loi » (issue 14) */
	DASH_STATUS_NEVER_READ,   /* watched, never read yet */
	DASH_STATUS_UP_TO_DATE,   /* « à jour » */
	DASH_STATUS_NOT_WATCHED   /* no page: to find, or does not handle AES */
};
const char *dash_status_name(enum dash_status s);   /* "failing", ... */

/* A text the page had: a snapshot that started a version (unchanged
 * nights only widen last_seen, so the list grows with changes only). */
struct dash_version {
	char *page_id;
	int64_t id;
	time_t first_seen, last_seen;
	size_t text_len;
};

/* One stored change, as a report of one page holding that change (the
 * entry layer fills it like `prefwatch show`): the field deltas, the
 * review and the diff all come from report.pages[0].change. */
struct dash_change {
	int64_t id;
	char *page_id;
	struct report report;
};

struct dash_office {
	char *id;
	char *name;
	bool prefecture;          /* else a sous-préfecture */
	/* watchlist `served_by`: this office's procedure is the serving
	 * office's, whose status and method it shows; NULL otherwise */
	char *served_by;
	bool handles_aes;         /* false: listed, not watched, no status */
	struct strvec urls;       /* its pages, watchlist order */
	struct strvec methods;    /* facts' method values of the current texts */
	time_t last_check;        /* last fetch of any of its pages; 0: never */
	time_t last_change;       /* latest change detected; 0: none */
	bool never_read;          /* a page of it has no text yet */
	/* a page failing: since when, and its failure name ("not_found") */
	time_t failing_since;
	char *failure;
	/* failing, and a run proposed this new address (since the failure) */
	char *relocation_url;
	double relocation_score;
	/* « antérieure à la loi »: the page describes the procedure as it was
	 * before the law changed it. Issue 14 detects it; false until then. */
	bool stale_law;
	size_t pending;           /* changes waiting for review */
	struct dash_version *versions;
	size_t n_versions, alloc_versions;
	struct dash_change *changes;  /* oldest first */
	size_t n_changes, alloc_changes;
};

struct dash_departement {
	char *region;
	char *code;               /* "02", "2A", "971" */
	char *name;
	struct dash_office *offices;
	size_t n_offices, alloc_offices;
};

struct dashboard {
	time_t generated_at;      /* "now": the age of failures, the week and the month */
	struct dash_departement *deps;
	size_t n_deps, alloc_deps;
};

struct dashboard *dashboard_new(time_t at);  /* never NULL */
void dashboard_free(struct dashboard *d);    /* NULL is a no-op */
/* The département with this code, created at the end (the overview's
 * order) when absent. Borrowed. */
struct dash_departement *dashboard_departement(struct dashboard *d, const char *region,
					       const char *code, const char *name);
struct dash_office *dashboard_office_add(struct dash_departement *dep, const char *id,
					 const char *name);
struct dash_version *dash_office_add_version(struct dash_office *o);  /* zeroed */
/* A zeroed change whose report is initialised (report_init()). */
struct dash_change *dash_office_add_change(struct dash_office *o);
/* The office's own status; a served office shows its serving office's. */
enum dash_status dash_office_status(const struct dash_office *o);

/* ---- the site ---- */

/* One file of the site: its path relative to the site's root, and its
 * bytes (owned). */
struct dash_file {
	char *path;
	char *data;
	size_t len;
};
struct dash_site {
	struct dash_file *v;
	size_t n, alloc;
};
/* Renders every file of the site (index.html, map.html, map-status.html,
 * pending.html, week.html, month.html, office/ID.html, change/ID.html,
 * style.css, site.js) into out; d is only read. */
void dashboard_render(const struct dashboard *d, struct dash_site *out);
void dash_site_release(struct dash_site *s);

/* Writes the site to dir so that a reader never sees half of it: into a
 * new sibling directory ".NAME.new-XXXXXX", which then takes dir's place
 * in one step (renameat2 RENAME_EXCHANGE, the old site removed after;
 * where the file system cannot exchange, dir is renamed aside just before
 * the new one is renamed in). A dir that exists must be a site written by
 * us (it holds ".prefwatch-dashboard"), or empty: anything else is
 * refused untouched. 0, or -1 with *err (owned, English, naming the
 * path); nothing of the old site is lost on failure. */
int dashboard_write(const struct dash_site *s, const char *dir, char **err);

#endif
