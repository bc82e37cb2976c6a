/*
 * internal.h - helpers shared by the files of reports/ only.
 *
 * Not part of the module's API (report.h is): the renderers need the same
 * view of a change (hunks with context, paired lines with word diffs) and
 * the same French wording, so it is computed once here instead of three
 * times. Nothing outside reports/ includes this file.
 */
#ifndef PREFWATCH_REPORTS_INTERNAL_H
#define PREFWATCH_REPORTS_INTERNAL_H

/* Stands alone: the types below come from common.h (bool, size_t, struct
 * fieldset, enum pw_failure) and report.h (struct diff, the report model). */
#include "common/common.h"
#include "reports/report.h"

/* ---- a change as the editors read it ---- */

enum row_kind {
	ROW_CONTEXT,   /* unchanged line shown around a change */
	ROW_DELETE,    /* line only in the old text */
	ROW_INSERT,    /* line only in the new text */
	ROW_CHANGE,    /* a deleted line paired with a similar inserted one */
	ROW_GAP        /* unchanged lines left out between two hunks */
};

struct diff_row {
	enum row_kind kind;
	const char *text;          /* CONTEXT/DELETE/INSERT; borrowed from the view */
	bool moved;                /* DELETE/INSERT: same line inserted/deleted elsewhere */
	struct diff words;         /* CHANGE: word edits old line -> new line */
	size_t old_no, new_no;     /* 1-based line numbers, 0 when not applicable */
};

struct diff_view {
	struct diff lines;         /* owns the line texts the rows point into */
	struct diff_row *v;
	size_t n;
};

/* Builds the rows of the line diff of a and b with `context` unchanged lines
 * around each change. The trailing empty line of a text ending in '\n' is
 * not shown, nor is a blank line inserted or deleted (it separates blocks:
 * never an empty "{++}" or "[--]" row). Release with diff_view_release(). */
void diff_view_build(const char *a, const char *b, int context, struct diff_view *out);
void diff_view_release(struct diff_view *v);

/* ---- French wording ---- */

/* One fact change in words: "label : from → to", or "label : to" when
 * from is NULL. All strings owned. */
struct fact {
	char *label;
	char *from;
	char *to;
};

struct fact_list {
	struct fact *v;
	size_t n;
};

/* One threshold of the field "thresholds" (crawler/thresholds.c:
 * "KIND\tCONDITION\tSUBJECT\tVALUE"), its parts owned. threshold_parse()
 * is false (t empty) for a value without its four parts. */
struct threshold {
	char *kind, *condition, *subject, *value;
};
bool threshold_parse(const char *s, struct threshold *t);
void threshold_release(struct threshold *t);
/* One value of the "thresholds" delta (fields_delta(), see diff.c): *op is
 * '-' (removed: old_t), '+' (added: new_t), '~' (changed) or '>' (moved to
 * another condition), both set. false for anything else. */
bool threshold_delta_parse(const char *s, char *op, struct threshold *old_t, struct threshold *new_t);

/* The field deltas (fields_delta() form) as sentences, in field order,
 * the thresholds first. */
void report_facts_from_delta(const struct fieldset *delta, struct fact_list *out);
/* In a change's deltas: how many conditions saw a threshold change (a
 * move counts its two conditions) and how many references changed. */
void threshold_delta_count(const struct fieldset *delta, int *conditions, int *references);
void fact_list_release(struct fact_list *l);

/* "Mode de dépôt" for "method", ...; the raw name for unknown fields. */
const char *fr_field_label(const char *name);
/* A field value as shown to editors (method codes translated, ISO dates
 * as dd/mm/yyyy); owned. */
char *fr_field_value(const char *field, const char *value);
/* What a failure means for the editor, as a sentence starting in lower
 * case ASCII ("page introuvable (…)"); http_status tells a soft 404 (a
 * page answering 2xx whose content says it is gone) from a real one. The
 * status code and the crawler's message are not in it: they go under
 * « Détail technique » (fr_failure_detail()). */
const char *fr_failure(enum pw_failure f, long http_status);
/* « Détail technique » of a failure: "HTTP 503 — message", either part
 * alone, or NULL when there is neither (owned). */
char *fr_failure_detail(long http_status, const char *error);
/* "Relue (guide à jour) par claire le 28/11/2026 : « note »." for a
 * reviewed change, "Écartée …" for a dismissed one, NULL while pending
 * (owned). */
char *fr_review(const struct report_change *c);
/* « Preuve : version du JJ/MM/AAAA HH:MM (UTC), empreinte SHA-256 …
 * (prefwatch evidence ID) » for a change whose exchange was kept, so an
 * editor can quote it; NULL when none was. Owned. */
char *fr_evidence(const struct report_change *c);
/* "Région › Département (NN) › Office", skipping missing parts; owned. */
char *fr_page_heading(const struct report_page *p);
/* "Concerne aussi : Sous-préfecture de Cambrai (même procédure)." for a
 * page that serves other offices (owned); NULL if none. */
char *fr_also_for(const struct report_page *p);
/* "%d <singular|plural>" with French agreement (0 and 1 are singular). */
char *fr_count(int n, const char *singular, const char *plural);

/* ---- linked documents ---- */

/* True when a document of page p is news: new link (not on a new page,
 * whose documents are its baseline), changed text, removed link, listed
 * failure. */
bool report_doc_has_news(const struct report_page *p, const struct report_document *d);
/* How many of a page's documents are news. */
size_t report_page_doc_news(const struct report_page *p);
/* "documents liés : 1 modifié, 2 nouveaux" (non-zero parts only), or NULL
 * when no document has news; owned. */
char *fr_doc_counts(const struct report_counts *c);
/* fr_failure() worded for a document ("document trop volumineux", ...). */
const char *fr_doc_failure(enum pw_failure f, long http_status);

/* True when a page is reported quietly (republished or re-extracted with
 * new rules) and so counts as unchanged. */
bool report_page_is_quiet(const struct report_page *p);
/* A new page's facts list each link once: a link that is also a form, or
 * a link or form that is one of the page's linked documents (listed with
 * its title), is not repeated. True for such a value. */
bool fact_shown_elsewhere(const struct report_page *p, const char *field, const char *value);
/* True when p's official address changed tonight (a permanent redirect
 * to a page with the text): an instruction for the guide and the
 * watchlist, in a section of its own. */
bool report_page_is_moved(const struct report_page *p);
/* « De nouveau accessible depuis le 03/12/2026 (inaccessible depuis le
 * 28/11/2026). » for a recovered page (owned); NULL otherwise. */
char *fr_recovered(const struct report_page *p, time_t now);
/* The instruction under a moved page: « Mettre à jour le lien dans le
 * guide et dans la liste de surveillance (FILE, ligne N) : » (owned). */
char *fr_move_instruction(const struct report_page *p);
/* The French lines of a page's search for its new address (section
 * « Nouvelles adresses probables »): « Nouvelle adresse probable : URL
 * (similarité 0,93) — ancienne : URL », the two next candidates, the
 * command that follows it; or « aucune page correspondante trouvée sur
 * le site »; then what was searched. Appended to out; none without a
 * search. */
void fr_relocation_lines(const struct report_page *p, struct strvec *out);

/* True when p gets a line under "Pour information": republished or rules
 * changed, and otherwise unchanged. */
bool report_page_wants_quiet_line(const struct report_page *p);
/* From this many republished pages on, "Pour information" names them in
 * one entry instead of a line each (a site that re-stamps all its pages
 * would otherwise bury the rest of the section). */
#define QUIET_GROUP_MIN 6
/* The headings of the republished pages, "; "-separated (owned), when
 * there are at least QUIET_GROUP_MIN of them; NULL otherwise. *n: count. */
char *republished_group(const struct report *r, size_t *n);
/* The number of entries (bullets) "Pour information" lists: the grouped
 * republished entry counts once, and a page says each of its quiet facts
 * (republished, rules changed) in an entry of its own. grouped:
 * republished_group() returned a group. The section's heading shows this
 * number, so that it matches what is listed. */
size_t quiet_entries(const struct report *r, bool grouped);
/* The status a page is counted and rendered with. */
enum page_status report_page_effective_status(const struct report_page *p);

/* True for an absolute http:// or https:// URL (case-insensitive scheme)
 * with no control characters or spaces: the only links ever rendered. */
bool url_is_http(const char *url);

/* Writes a report output to path (see report_write_file() for which paths
 * are written how). A regular file, or a path that does not exist yet, is
 * created atomically: fill() writes the content into a temporary file
 * beside it (mode 0644), which is synced and renamed over it; on any
 * failure it is untouched. -1 with errno on failure. */
int write_atomic(const char *path, int (*fill)(int fd, void *arg), void *arg);

/* ---- the outline: what a report says, for the text and HTML renderers ----
 *
 * outline.c decides once what the editors read: which sections, in which
 * order, with which count; which pages are entries of each; which lines an
 * entry has and every French word of them. A line is a sequence of spans,
 * each plain text or a piece with a role (a link, a label, a fact's old and
 * new value), and has a kind; render_text.c and render_html.c only format
 * lines by kind and spans by role (like git's diff machinery: one set of
 * hunks, several output formats). The JSON report is data, not sentences:
 * it reads the model directly.
 */

enum span_kind {
	SPAN_TEXT,     /* words */
	SPAN_LABEL,    /* a name: a fact's label, a document's status (bold in HTML) */
	SPAN_URL,      /* a link to url, shown as text (else url); inert unless http(s) */
	SPAN_VALUE,    /* a fact's value: a link when it is an http(s) URL */
	SPAN_OLD,      /* a fact's former value (struck out in HTML) */
	SPAN_NEW       /* a fact's new value, a VALUE (underlined in HTML) */
};

struct span {
	enum span_kind kind;
	char *text;                /* owned; URL: the link text, may be NULL */
	char *url;                 /* URL: owned, may be NULL (shown "?" as text) */
};

enum line_kind {
	LINE_NOTE,         /* a sentence about the entry */
	LINE_ALERT,        /* one not to miss (text back to an old version, a new address) */
	LINE_REVIEW,       /* who reviewed a stored change, when, why */
	LINE_FACT,         /* "label : value", or its change; consecutive ones are a list */
	LINE_LINK,         /* a sentence around an address or a document's link */
	LINE_DETAIL,       /* technical detail of a failure (status code, message) */
	LINE_CODE,         /* to copy as is (the watchlist's new url: line) */
	LINE_DOCUMENT,     /* a linked document's headline: the lines after it, one
			    * level deeper, are about that document */
	LINE_TARGET,       /* a link's address spelled out: only for a format whose
			    * links do not show it (text) */
	LINE_DIFF,         /* a change's text, diffed: see outline_line.change */
	LINE_BULLET,       /* a section's own item, without an entry ("Pour information") */
	LINE_SECTION_NOTE  /* a sentence closing a section, after its entries */
};

/* Which text a diff is of, in the sentence above it. */
enum outline_of { OUTLINE_OF_PAGE, OUTLINE_OF_DOCUMENT };

struct outline_line {
	enum line_kind kind;
	int depth;                 /* 0: about the entry, 1: about a document of it */
	struct span *v;            /* owned; DIFF: the sentence above the diff in a
				    * format that styles the passages (HTML) */
	size_t n, alloc;
	/* DIFF: the change to diff (borrowed from the report), and the
	 * sentence above it in a format that marks passages inline (text) */
	const struct report_change *change;
	const char *intro_marked;
};

struct outline_entry {
	char *heading;             /* "Région › Département (NN) › Office" */
	const char *url;           /* the official page (borrowed), may be NULL */
	char *also;                /* « Concerne aussi : … », may be NULL */
	struct outline_line *v;
	size_t n, alloc;
};

struct outline_section {
	const char *title;         /* static */
	size_t count;              /* shown beside the title */
	struct outline_entry *v;
	size_t n, alloc;
	struct outline_line *lines; /* BULLET and SECTION_NOTE lines, after the entries */
	size_t n_lines, alloc_lines;
};

struct outline {
	char *title;               /* "Veille des préfectures — …" */
	char *subtitle;            /* "Vérification n° 3 du 27/11/2026"; may be NULL */
	char *summary;
	struct outline_section *v;
	size_t n, alloc;
};

/* Builds the outline of r (which must outlive it: some strings are
 * borrowed). Release with outline_release(). */
void outline_build(const struct report *r, struct outline *out);
void outline_release(struct outline *o);
/* Frees one entry's contents early (a renderer done with it: a first
 * night's outline of 10,000 new pages need not live beside its text);
 * outline_release() then skips it. */
void outline_entry_release(struct outline_entry *e);

/* Fixed wording the renderers place themselves. */
extern const char outline_official_page[];  /* "Page officielle : " (before a link) */
extern const char outline_same_text[];      /* a change with no text difference */
extern const char outline_gap[];            /* unchanged lines left out */
extern const char outline_moved_line[];     /* after a moved line: "(déplacé)" */
extern const char outline_footer[];         /* what made the report (HTML) */

/* ---- the dashboard's map (france_map.c, generated) ----
 * One outline per département: metropolitan ones in the map's own
 * coordinates (transform NULL), overseas ones scaled into an inset box at
 * (inset_x, inset_y) by transform. */
struct dash_map_shape {
	const char *code;          /* "01", "2A", "971" */
	const char *name;
	const char *transform;     /* SVG transform, or NULL */
	int inset_x, inset_y;      /* the inset's top left corner (overseas) */
	const char *path;          /* SVG path data */
};
extern const char dash_map_viewbox[];
extern const struct dash_map_shape dash_map_shapes[];
extern const size_t dash_map_n_shapes;
extern const int dash_map_inset_w, dash_map_inset_h;

#endif
