/*
 * guide.h - the editors' own document: the guide drafted from what was
 * verified.
 *
 * What GISTI's editors publish is, per région, per département, per
 * office, how to file an AES request: the date of the last check, the
 * method in a sentence, the official links, the procedure quoted, the
 * postal address in bold, and the sous-préfectures that do not handle the
 * procedure. This module holds that document as an in-memory model and
 * renders it as Markdown (diffs cleanly in git from one month to the
 * next; pandoc turns it into ODT) and as one self-contained, printable
 * HTML file. It knows nothing of SQLite or of the watchlist: the caller
 * (cli/guide.c) fills the model from both.
 *
 * The procedure text is the crawler's canonical Markdown-like text
 * ("#" headings, "- " list items, "[text](url)" links, blank lines between
 * blocks). It comes from the web: every byte of it (and of every other
 * string of the model) is escaped by the renderers, and only http, https
 * and mailto links become links.
 *
 * Ownership: struct guide owns every string and array inside it;
 * guide_free() frees them all. Pointers returned by the _add functions
 * stay valid until then. The wording is French (editors read it).
 */
#ifndef PREFWATCH_GUIDE_H
#define PREFWATCH_GUIDE_H

#include "common/common.h"

/* Why an office's entry must be checked before it is published. */
enum guide_check_kind {
	GUIDE_CHECK_FAILING,      /* the page cannot be read (detail: failure kind name, "not_found") */
	GUIDE_CHECK_PENDING,      /* a change of the page waits for review (change_id) */
	GUIDE_CHECK_NO_TEXT,      /* the page was never read: nothing to quote */
	GUIDE_CHECK_NOTE          /* anything else, said by detail (French) */
};

struct guide_check {
	enum guide_check_kind kind;
	char *page_url;           /* the page concerned, may be NULL */
	time_t since;             /* FAILING: first failure; PENDING: detected; 0 if unknown */
	char *detail;             /* see the kinds above; may be NULL */
	int64_t change_id;        /* PENDING only */
};

/* One entry of a département: one office, or offices served by the same
 * pages (watchlist `served_by`: « Sous-préfectures Douai et Cambrai »). */
struct guide_office {
	char *title;              /* the entry's heading */
	time_t checked_at;        /* last night the text was verified; 0: never */
	struct strvec methods;    /* facts' method values: "postal", "online", ... */
	struct strvec urls;       /* every page of the office, in watchlist order */
	char *text;               /* canonical procedure text, NULL if none stored */
	struct strvec addresses;  /* facts' postal addresses ("A, B, 59000 LILLE") */
	struct guide_check *checks;
	size_t n_checks, alloc_checks;
};

struct guide_departement {
	char *region;
	char *code;               /* "02", "2A", "971" */
	char *name;               /* "Aisne" */
	char *prefecture;         /* the préfecture's name, NULL if none listed */
	struct strvec sous_prefectures; /* short names (« Soissons »), listing order */
	struct strvec no_aes;     /* names of the sous-préfectures that do not handle AES */
	size_t n_sous_prefectures_total; /* how many sous-préfectures it lists, for « Elles » */
	struct guide_office *offices;
	size_t n_offices, alloc_offices;
};

struct guide {
	time_t generated_at;
	struct guide_departement *deps;
	size_t n_deps, alloc_deps;
};

/* A new, empty guide dated `at` (the date printed in the running header).
 * Never NULL. */
struct guide *guide_new(time_t at);
void guide_free(struct guide *g);     /* NULL is a no-op */

/* The département with this région and code, created (in order of first
 * call, which is the order of the guide) when absent. Borrowed. */
struct guide_departement *guide_departement(struct guide *g, const char *region,
					    const char *code, const char *name);
/* Adds an entry, at the end of d's entries. Borrowed. */
struct guide_office *guide_office_add(struct guide_departement *d, const char *title);
/* Adds a check to o (strings copied, may be NULL). */
void guide_office_check(struct guide_office *o, enum guide_check_kind kind, const char *page_url,
			time_t since, const char *detail, int64_t change_id);

/* « de l' », « de la », « du », « des » or « de » before a département
 * name: "Département de l'Aisne", "du Nord", "des Ardennes", "de Paris".
 * A table of the names that are masculine, plural or without article,
 * then the rule: a vowel or a mute h takes « de l' », else « de la ». */
const char *guide_departement_article(const char *name);
/* "Sous-préfecture de Cambrai" -> "Cambrai", "Sous-préfecture d'Avesnes"
 * -> "Avesnes", "Préfecture de Laon" -> "Laon"; anything else as is.
 * Owned. */
char *guide_short_name(const char *office_name);

/* Sorts names in French alphabetical order, accents folded (« Péronne »
 * after « Montdidier », as the seed lists its sous-préfectures). */
void guide_sort_names(struct strvec *names);

/* The sentence for a set of method values ("postal" ...): « La demande
 * d'admission exceptionnelle au séjour se fait par voie postale. » ...
 * NULL when none is known. Borrowed, static. */
const char *guide_method_sentence(const struct strvec *methods);

/* Renderings, owned by the caller (never NULL). The Markdown is stable
 * (same model, same bytes); the HTML needs nothing outside itself. */
char *guide_render_md(const struct guide *g);
char *guide_render_html(const struct guide *g);

#endif
