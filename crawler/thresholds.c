/*
 * thresholds.c - the quantities that decide who may file, as facts.
 *
 * An editor's most important news is a changed condition (« 5 ans de
 * présence » becoming « 3 ans »). This file reads, in a canonical
 * procedure text (extract.c's Markdown-like lines), every threshold the
 * law or the préfecture sets, with the condition it belongs to, and gives
 * each as one value of the field "thresholds":
 *
 *     KIND \t CONDITION \t SUBJECT \t VALUE
 *
 *   KIND       duration | count | money | contract | age | reference
 *   CONDITION  the heading or the « Si vous ... » line that governs the
 *              quantity, normalised (see condition_of()); "" when none
 *   SUBJECT    what is measured, in French: présence, vie commune,
 *              activité, scolarisation, formation, durée (durations),
 *              preuves, âge, contrat, salaire, taxe, ressources, montant,
 *              and for references their sort: article, circulaire, loi,
 *              CERFA
 *   VALUE      the normalised threshold as the editors read it:
 *              "présence 5 ans", "activité 8 mois sur 24 mois",
 *              "2 documents par semestre", "salaire au moins égal au SMIC",
 *              "taxe 225 €", "contrat 6 mois", "âge 18 ans",
 *              "article L435-1 du CESEDA", "circulaire du 28/11/2012",
 *              "CERFA 15186*01"
 *
 * Every pattern is a row of the one table below, tried in its order; a
 * row's match that overlaps an earlier row's is dropped, so « durée
 * minimale de 6 mois » is a contract length and not also a duration, and
 * « l'âge de 16 ans » an age. The patterns need a unit (ans, mois, €,
 * « par semestre ») or a legal word, which is why numbers of dates, phone
 * numbers, postal codes, street numbers and times never match; a sum of
 * money counts only in a sentence about a salary, resources or a fee, so
 * the price of a photocopy is not a threshold. A duration without a
 * subject nor a word that makes it a requirement (« depuis »,
 * « pendant », « au moins ») is not one either (« Kbis de moins de 3
 * mois »).
 *
 * Values are unique per condition and kept in the order of the text.
 * Patterns are compiled once per process on first use (not thread-safe,
 * like facts.c), JIT-compiled where available, and run under match and
 * heap limits: page text is untrusted.
 */
#include "common/common.h"
#include "common/regex.h"
#include "crawler/crawler.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#define MATCH_LIMIT 1000000u
#define HEAP_LIMIT_KIB 32768u
#define CONDITION_MAX 160       /* bytes of a condition kept */
#define THRESHOLDS_MAX 300      /* thresholds kept per text */
#define SUBJECT_LOOKBACK 120    /* bytes of the clause searched for a subject */

/* A number, in digits or in words ("cinq dernières années"); the longer
 * words first, as alternation takes the first that matches. */
#define NUM "(\\d{1,3}|dix-huit|vingt-quatre|trente-six|vingt|trente|une?|deux|trois|quatre|cinq" \
	"|six|sept|huit|neuf|dix|onze|douze|quinze)"
#define UNIT "(ans?|ann[ée]es?|mois)"
#define LAST "(?:derni[èe]re?s?\\s+)?"
#define DATE "(\\d{1,2}\\s*/\\s*\\d{1,2}\\s*/\\s*\\d{4}|\\d{1,2}(?:er)?\\s+(?:janvier|f[ée]vrier|mars|avril" \
	"|mai|juin|juillet|ao[ûu]t|septembre|octobre|novembre|d[ée]cembre)\\s+\\d{4})"
#define SUBJECT_WORD "(pr[ée]sence|vie\\s+commune|communaut[ée]\\s+de\\s+vie|activit[ée]|travail|r[ée]sidence" \
	"|s[ée]jour|scolarit[ée]|scolarisation|formation|mariage)"

/* How a row's groups are read into a value. */
enum shape {
	SH_DURATION,     /* 1 number, 2 unit, 3 subject word, 4 window number, 5 window unit */
	SH_WINDOW_DONT,  /* 1 number, 2 unit (may be unset: months), 3 window number, 4 window unit */
	SH_WINDOW,       /* 1 number, 2 unit: "sur les 10 dernières années" */
	SH_AGE,          /* 1 number */
	SH_AGE_RANGE,    /* 1 number, 2 number */
	SH_CONTRACT,     /* 1 number, 2 unit */
	SH_COUNT,        /* 1 number, 2 noun, 3 period */
	SH_SMIC,         /* 1 comparator, 2 times (may be unset) */
	SH_EUROS,        /* 1 amount */
	SH_ARTICLE,      /* 1 the article's number as written */
	SH_CIRCULAR,     /* 1 date */
	SH_CIRCULAR_NAME,/* 1 the minister's name */
	SH_LAW,          /* 1 date */
	SH_CERFA         /* 1 number, 2 version (may be unset) */
};

static const struct {
	const char *kind;
	enum shape shape;
	const char *pattern;
} rules[] = {
	/* legal references */
	{ "reference", SH_ARTICLE, "\\barticles?\\s+((?:L|R|D)\\s*\\.?\\s*\\d{3}\\s*[-‑.]?\\s*\\d{1,3}(?:[-‑.]\\d{1,2})?)\\b" },
	{ "reference", SH_CIRCULAR, "\\bcirculaire\\s+(?:n\\s*[°º]\\s*\\S+\\s+|NOR\\s*:?\\s*\\S+\\s+|minist[ée]rielle\\s+)?"
	  "(?:du|publi[ée]e\\s+le|en\\s+date\\s+du|sign[ée]e\\s+le)\\s+" DATE },
	{ "reference", SH_CIRCULAR_NAME, "\\bcirculaire\\s+(?:dite\\s+)?[«\"“]?\\s*(Valls|Retailleau)\\b" },
	{ "reference", SH_LAW, "\\bloi\\s+(?:n\\s*[°º]\\s*[\\d-]+\\s+)?du\\s+" DATE },
	{ "reference", SH_CERFA, "\\bcerfa\\s*(?:n\\s*[°ºo]\\.?\\s*)?(\\d{5})(?:\\s*\\\\?\\*\\s*(\\d{2}))?" },
	/* contract lengths, before durations */
	{ "contract", SH_CONTRACT, "\\bdur[ée]e\\s+(?:minimale|minimum|d['’]au\\s+moins|au\\s+moins\\s+[ée]gale\\s+[àa])"
	  "\\s+(?:de\\s+)?" NUM "\\s+" UNIT "\\b" },
	{ "contract", SH_CONTRACT, "\\bcontrat\\s+(?:de\\s+travail\\s+)?(?:d['’]une\\s+dur[ée]e\\s+)?"
	  "(?:d['’]au\\s+moins|de\\s+plus\\s+de|sup[ée]rieure?\\s+[àa]|minimum\\s+de)\\s+" NUM "\\s+" UNIT "\\b" },
	/* ages, before durations */
	{ "age", SH_AGE_RANGE, "\\bentre\\s+" NUM "\\s+(?:ans\\s+)?et\\s+" NUM "\\s+ans\\b" },
	{ "age", SH_AGE, "(?:\\bavoir|\\bl['’][âa]ge\\s+de|\\b[âa]g[ée]e?s?\\s+de(?:\\s+moins\\s+de|\\s+plus\\s+de)?"
	  "|\\bavant\\s+(?:vos|ses|leurs|tes|votre|son|leur|l['’][âa]ge\\s+de)|\\bmoins\\s+de|\\bmajeure?s?\\s+de)"
	  "\\s+" NUM "\\s+ans\\b" },
	/* durations: "8 au cours des 12 derniers mois" first, the window
	 * of another duration */
	{ "duration", SH_WINDOW_DONT, "\\bdont\\s+" NUM "(?:\\s+" UNIT ")?\\s+(?:au\\s+cours\\s+des|sur\\s+les|durant\\s+les)\\s+"
	  NUM "\\s+" LAST UNIT "\\b" },
	{ "duration", SH_DURATION, "(?<![\\w,.])" NUM "\\s+" UNIT "\\b"
	  "(?:\\s+(?:de|d['’])\\s*(?:la\\s+|l['’])?" SUBJECT_WORD ")?"
	  "(?:\\s+(?:en\\s+France\\s+)?(?:sur|au\\s+cours\\s+d(?:es|e)|ces|durant|pendant)\\s+(?:les\\s+|ces\\s+)?"
	  NUM "\\s+" LAST UNIT "\\b)?" },
	{ "duration", SH_WINDOW, "\\b(?:sur|durant|pendant|au\\s+cours\\s+des)\\s+(?:les\\s+|ces\\s+)?" NUM "\\s+"
	  "derni[èe]re?s?\\s+" UNIT "\\b" },
	/* counts */
	{ "count", SH_COUNT, "(?<![\\w,.])" NUM "\\s+(documents?|preuves?|justificatifs?|pi[èe]ces?)"
	  "(?:\\s+(?:probants?|probantes?|justificatifs?|diff[ée]rent(?:e?s)?|dat[ée]e?s))?\\s+par\\s+"
	  "(semestre|an|ann[ée]e|mois|trimestre)\\b" },
	/* money */
	{ "money", SH_SMIC, "\\b(au\\s+moins\\s+[ée]gale?s?|sup[ée]rieure?s?\\s+ou\\s+[ée]gale?s?|sup[ée]rieure?s?"
	  "|[ée]quivalente?s?|inf[ée]rieure?s?)\\s+(?:[àa]\\s+|au\\s+)(?:" NUM "\\s+fois\\s+)?(?:le\\s+)?SMIC\\b" },
	{ "money", SH_EUROS, "(?<![\\w,.])(\\d{1,3}(?:[   .]\\d{3})*(?:,\\d{1,2})?)\\s*(?:€|euros?\\b)" },
};

/* What a duration measures, from a word after it (« 5 ans de
 * présence ») or the closest one before it in its clause (« scolarisé
 * depuis au moins 3 ans »). Groups in the order of subject_names. */
static const char *const subject_rule =
	"(pr[ée]sen(?:ce|te?s?)\\b|r[ée]sid|s[ée]jour)"
	"|(vie\\s+commune|communaut[ée]\\s+de\\s+vie|mari[ée]|mariage|concubin|pacs)"
	"|(activit[ée]|travail|travaill|emploi|anciennet[ée]|salari|cotis)"
	"|(scolaris|scolarit|[ée]cole)"
	"|(formation|[ée]tudes)";
static const char *const subject_names[] = { "présence", "vie commune", "activité", "scolarisation",
					     "formation" };

/* A duration with no subject is a requirement only after one of these. */
static const char *const requirement_rule =
	"(?:depuis|pendant|durant|au\\s+moins|minimum|minimale|justifi\\w*\\s+d['’]?e?)\\s*(?:au\\s+moins\\s+|plus\\s+de\\s+)?$";

/* The sentence a sum of money must be in, and what it is then. */
static const char *const money_subject_rule =
	"(timbre|taxe|droit\\s+de|droits|redevance|frais\\s+de\\s+dossier)"
	"|(salaire|r[ée]mun[ée]ration|SMIC|pay[ée])"
	"|(ressources|revenus)";
static const char *const money_subject_names[] = { "taxe", "salaire", "ressources" };

/* Lines that open a condition: « Si vous ... », in a paragraph or a list
 * item; headings open one too (see condition_of()). */
static const char *const condition_rule = "^(?:si|s['’]il|s['’]ils|lorsque|quand)\\s";

static const char *const law_rule = "\\G[^.\\n]{0,120}?(?:CESEDA|code\\s+de\\s+l['’]entr[ée]e)";

struct rx {
	pcre2_code *code;
	pcre2_match_data *md;
};

static struct {
	bool done, ok;
	struct rx rule[PW_ARRAY_SIZE(rules)];
	struct rx subject, requirement, money_subject, condition, law;
	pcre2_match_context *mctx;
} rx;

static bool compile(struct rx *r, const char *pattern)
{
	int code;
	PCRE2_SIZE off;
	r->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
				PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF | PCRE2_CASELESS, &code, &off,
				NULL);
	if (!r->code) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(code, msg, sizeof(msg));
		log_error(_("facts pattern '%s': %s at offset %zu"), pattern, (const char *)msg, (size_t)off);
		return false;
	}
	(void)pcre2_jit_compile(r->code, PCRE2_JIT_COMPLETE);
	r->md = pcre2_match_data_create_from_pattern(r->code, NULL);
	if (!r->md)
		pw_die_oom("PCRE2 match data");
	return true;
}

static bool rx_init(void)
{
	if (rx.done)
		return rx.ok;
	rx.done = true;
	rx.mctx = pcre2_match_context_create(NULL);
	if (!rx.mctx)
		pw_die_oom("PCRE2 match context");
	pcre2_set_match_limit(rx.mctx, MATCH_LIMIT);
	pcre2_set_heap_limit(rx.mctx, HEAP_LIMIT_KIB);
	for (size_t i = 0; i < PW_ARRAY_SIZE(rules); i++) {
		if (!compile(&rx.rule[i], rules[i].pattern))
			return false;
	}
	if (!compile(&rx.subject, subject_rule) || !compile(&rx.requirement, requirement_rule) ||
	    !compile(&rx.money_subject, money_subject_rule) || !compile(&rx.condition, condition_rule) ||
	    !compile(&rx.law, law_rule))
		return false;
	rx.ok = true;
	return true;
}

/* Next match of r in s[0..len) from start; *ov its offsets. */
static bool next_match(struct rx *r, const char *s, size_t len, size_t start, PCRE2_SIZE **ov)
{
	return pw_regex_next(r->code, r->md, rx.mctx, s, len, start, ov, "threshold");
}

static bool group_set(const PCRE2_SIZE *ov, int g)
{
	return ov[2 * g] != PCRE2_UNSET && ov[2 * g + 1] >= ov[2 * g];
}

/* ---- numbers, units, dates ------------------------------------------- */

/* A number in digits or words; -1 when it is neither. */
static int number_of(const char *s, size_t n)
{
	static const struct { const char *w; int v; } words[] = {
		{ "un", 1 }, { "une", 1 }, { "deux", 2 }, { "trois", 3 }, { "quatre", 4 }, { "cinq", 5 },
		{ "six", 6 }, { "sept", 7 }, { "huit", 8 }, { "neuf", 9 }, { "dix", 10 }, { "onze", 11 },
		{ "douze", 12 }, { "quinze", 15 }, { "dix-huit", 18 }, { "vingt", 20 },
		{ "vingt-quatre", 24 }, { "trente", 30 }, { "trente-six", 36 },
	};
	if (n && s[0] >= '0' && s[0] <= '9') {
		int v = 0;
		for (size_t i = 0; i < n && s[i] >= '0' && s[i] <= '9' && v < 100000; i++)
			v = v * 10 + (s[i] - '0');
		return v;
	}
	for (size_t i = 0; i < PW_ARRAY_SIZE(words); i++) {
		if (strlen(words[i].w) == n && !strncasecmp(s, words[i].w, n))
			return words[i].v;
	}
	return -1;
}

/* "ans" (or "an" for one) for every spelling of years, else "mois". */
static const char *unit_of(const char *s, size_t n, int count)
{
	if (n >= 1 && (s[0] == 'm' || s[0] == 'M'))
		return "mois";
	return count == 1 ? "an" : "ans";
}

/* "28 novembre 2012", "1er mars 2023", "28/11/2012" as "28/11/2012";
 * false for an impossible date. */
static bool date_of(const char *s, size_t n, char out[11])
{
	int y, m, d;
	if (!pw_french_date(s, n, &y, &m, &d) || y < 1900)
		return false;
	/* the ranges pw_french_date() checked, said again for the compiler */
	snprintf(out, 11, "%02u/%02u/%04u", (unsigned)d % 100u, (unsigned)m % 100u, (unsigned)y % 10000u);
	return true;
}

/* ---- conditions ------------------------------------------------------- */

struct condition {
	size_t at;      /* where its line starts */
	char *text;     /* normalised */
};

/* The condition a line states, normalised so that the same condition
 * written another way reads the same: list marker, heading and emphasis
 * marks, link targets and the final colon dropped, typographic
 * apostrophes made straight, spaces collapsed, « Si vous êtes le » and the
 * like dropped (« conjoint d'un étranger en situation régulière »), cut at
 * the first comma of a « Si » clause (« Si vous exercez une activité
 * professionnelle, plusieurs cas »), at most CONDITION_MAX bytes. */
static char *condition_of(const char *s, size_t n, bool if_clause)
{
	struct buf b = BUF_INIT;
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '#' || s[i] == '*' || s[i] == '_'))
		i++;
	if (i + 1 < n && (s[i] == '-' || s[i] == '+') && s[i + 1] == ' ')
		i += 2;
	for (; i < n; i++) {
		char c = s[i];
		if (c == '*' || c == '_' || c == '[')
			continue;
		if (c == ']' && i + 1 < n && s[i + 1] == '(') {
			const char *close = memchr(s + i, ')', n - i);
			if (close) {
				i = (size_t)(close - s);
				continue;
			}
		}
		if (i + strlen("’") <= n && !strncmp(s + i, "’", strlen("’"))) {
			buf_addch(&b, '\'');
			i += strlen("’") - 1;
			continue;
		}
		if (c == ' ' && (!b.len || b.ptr[b.len - 1] == ' '))
			continue;
		if (if_clause && c == ',')
			break;
		buf_addch(&b, c);
	}
	while (b.len && (b.ptr[b.len - 1] == ' ' || b.ptr[b.len - 1] == ':'))
		b.ptr[--b.len] = '\0';
	char *t = buf_detach(&b, NULL);
	if (if_clause) {
		static const char *const leads[] = { "si vous êtes ", "si vous etes ", "si vous ", "si ",
						     "s'ils ", "s'il ", "lorsque vous êtes ", "lorsque vous ",
						     "lorsque ", "quand vous ", "quand " };
		static const char *const articles[] = { "le ", "la ", "les ", "l'", "un ", "une ", "des " };
		size_t skip = 0;
		for (size_t k = 0; k < PW_ARRAY_SIZE(leads); k++) {
			size_t ln = strlen(leads[k]);
			if (!strncasecmp(t, leads[k], ln)) {
				skip = ln;
				/* « Si vous exercez ... »: the verb tells the condition */
				if (k == 2 || k == 7 || k == 9)
					skip -= strlen("vous ");
				break;
			}
		}
		if (skip && (!strncasecmp(t, "si vous êtes ", strlen("si vous êtes ")) ||
			     !strncasecmp(t, "si vous etes ", strlen("si vous etes ")) ||
			     !strncasecmp(t, "lorsque vous êtes ", strlen("lorsque vous êtes ")))) {
			for (size_t k = 0; k < PW_ARRAY_SIZE(articles); k++) {
				size_t la = strlen(articles[k]);
				if (!strncasecmp(t + skip, articles[k], la)) {
					skip += la;
					break;
				}
			}
		}
		memmove(t, t + skip, strlen(t + skip) + 1);
	}
	size_t tl = strlen(t);
	if (tl > CONDITION_MAX) {
		tl = CONDITION_MAX;
		while (tl > 0 && ((unsigned char)t[tl] & 0xC0) == 0x80)
			tl--;
		t[tl] = '\0';
	}
	return t;
}

/* The lines that open a condition, in text order. */
static void find_conditions(const char *text, size_t len, struct condition **out, size_t *n_out)
{
	struct condition *v = NULL;
	size_t n = 0, alloc = 0;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;
		size_t s = i;
		while (s < end && (text[s] == ' ' || text[s] == '*' || text[s] == '_'))
			s++;
		bool heading = s < end && text[s] == '#';
		size_t body = s;
		if (body + 1 < end && (text[body] == '-' || text[body] == '+') && text[body + 1] == ' ')
			body += 2;
		while (body < end && (text[body] == ' ' || text[body] == '*' || text[body] == '_'))
			body++;
		PCRE2_SIZE *ov;
		bool if_clause = !heading && next_match(&rx.condition, text + body, end - body, 0, &ov);
		if (heading || if_clause) {
			char *c = condition_of(text + s, end - s, if_clause);
			if (*c) {
				if (n == alloc) {
					alloc = alloc ? alloc * 2 : 16;
					v = xrealloc(v, alloc * sizeof(*v));
				}
				v[n].at = i;
				v[n].text = c;
				n++;
			} else {
				free(c);
			}
		}
		i = end + 1;
	}
	*out = v;
	*n_out = n;
}

static const char *condition_at(const struct condition *c, size_t n, size_t at)
{
	const char *t = "";
	for (size_t i = 0; i < n && c[i].at <= at; i++)
		t = c[i].text;
	return t;
}

/* ---- subjects ----------------------------------------------------------- */

/* Whether t[i] ends a clause: what a subject word is looked for in. */
static bool clause_end(const char *t, size_t i)
{
	return strchr(".!?\n,;:()", t[i]) != NULL;
}

/* The subject named by s (a word of subject_rule), or NULL. */
static const char *subject_in(const char *s, size_t n)
{
	PCRE2_SIZE *ov;
	if (!next_match(&rx.subject, s, n, 0, &ov))
		return NULL;
	for (int g = 1; g <= (int)PW_ARRAY_SIZE(subject_names); g++) {
		if (group_set(ov, g))
			return subject_names[g - 1];
	}
	return NULL;
}

/* The subject word closest before ms in its clause, or NULL. */
static const char *subject_before(const char *t, size_t ms)
{
	size_t a = ms;
	while (a > 0 && ms - a < SUBJECT_LOOKBACK && !clause_end(t, a - 1))
		a--;
	while (a < ms && ((unsigned char)t[a] & 0xC0) == 0x80)
		a++;
	const char *best = NULL;
	PCRE2_SIZE *ov;
	for (size_t from = a; from < ms && next_match(&rx.subject, t, ms, from, &ov);) {
		for (int g = 1; g <= (int)PW_ARRAY_SIZE(subject_names); g++) {
			if (group_set(ov, g))
				best = subject_names[g - 1];
		}
		from = ov[1] > from ? ov[1] : from + 1;
	}
	return best;
}

static void sentence_bounds(const char *t, size_t len, size_t ms, size_t me, size_t *ss, size_t *se)
{
	size_t a = ms, b = me;
	while (a > 0 && !(t[a - 1] == '\n' || ((t[a - 1] == '.' || t[a - 1] == '!' || t[a - 1] == '?') &&
					       (t[a] == ' ' || t[a] == '\n'))))
		a--;
	while (b < len && !(t[b] == '\n' || ((t[b] == '.' || t[b] == '!' || t[b] == '?') &&
					     (b + 1 >= len || t[b + 1] == ' ' || t[b + 1] == '\n'))))
		b++;
	*ss = a;
	*se = b;
}

/* ---- values -------------------------------------------------------------- */

struct found {
	size_t ms, me;
	const char *kind;       /* the row's */
	const char *subject;    /* borrowed from a table */
	char *value;            /* owned */
};

#define G(k) (t + ov[2 * (k)]), ((size_t)(ov[2 * (k) + 1] - ov[2 * (k)]))

/* "8 mois" or "8 mois sur 24 mois" */
static char *duration_text(int a, const char *ua, int w, const char *uw)
{
	if (w > 0)
		return xasprintf("%d %s sur %d %s", a, ua, w, uw);
	return xasprintf("%d %s", a, ua);
}

/* The value of row i's match ov in t, with its subject; false when the
 * match is not a threshold after all. */
static bool read_value(size_t i, const char *t, size_t len, PCRE2_SIZE *ov, struct found *f)
{
	int a, b, w;
	char date[11];
	const char *ua, *uw;

	f->subject = NULL;
	f->value = NULL;
	switch (rules[i].shape) {
	case SH_DURATION:
		a = number_of(G(1));
		if (a <= 0)
			return false;
		ua = unit_of(G(2), a);
		w = group_set(ov, 4) ? number_of(G(4)) : 0;
		uw = w > 0 ? unit_of(G(5), w) : NULL;
		f->subject = group_set(ov, 3) ? subject_in(G(3)) : NULL;
		if (!f->subject)
			f->subject = subject_before(t, ov[0]);
		if (!f->subject) {
			/* "depuis au moins 3 ans": a requirement all the same */
			size_t from = ov[0] > 40 ? ov[0] - 40 : 0;
			PCRE2_SIZE *ov2;
			while (from < ov[0] && ((unsigned char)t[from] & 0xC0) == 0x80)
				from++;
			if (!next_match(&rx.requirement, t, ov[0], from, &ov2))
				return false;
			f->subject = "durée";
		}
		{
			char *d = duration_text(a, ua, w, uw);
			f->value = xasprintf("%s %s", f->subject, d);
			free(d);
		}
		return true;
	case SH_WINDOW_DONT:
		a = number_of(G(1));
		w = number_of(G(3));
		if (a <= 0 || w <= 0)
			return false;
		ua = group_set(ov, 2) ? unit_of(G(2), a) : unit_of(G(4), w);
		uw = unit_of(G(4), w);
		f->subject = subject_before(t, ov[0]);
		if (!f->subject)
			f->subject = "durée";
		{
			char *d = duration_text(a, ua, w, uw);
			f->value = xasprintf("%s %s", f->subject, d);
			free(d);
		}
		return true;
	case SH_WINDOW:
		a = number_of(G(1));
		if (a <= 0)
			return false;
		f->subject = subject_before(t, ov[0]);
		if (!f->subject)
			f->subject = "durée";
		f->value = xasprintf("%s %d %s", f->subject, a, unit_of(G(2), a));
		return true;
	case SH_AGE:
		a = number_of(G(1));
		if (a <= 0 || a > 120)
			return false;
		f->subject = "âge";
		f->value = xasprintf("âge %d ans", a);
		return true;
	case SH_AGE_RANGE:
		a = number_of(G(1));
		b = number_of(G(2));
		if (a <= 0 || b <= a || b > 120)
			return false;
		f->subject = "âge";
		f->value = xasprintf("âge %d à %d ans", a, b);
		return true;
	case SH_CONTRACT:
		a = number_of(G(1));
		if (a <= 0)
			return false;
		f->subject = "contrat";
		f->value = xasprintf("contrat %d %s", a, unit_of(G(2), a));
		return true;
	case SH_COUNT: {
		a = number_of(G(1));
		if (a <= 0)
			return false;
		const char *noun = t + ov[4];
		const char *sing = (noun[0] == 'd' || noun[0] == 'D') ? "document"
				   : (noun[0] == 'p' || noun[0] == 'P') && (noun[1] == 'r' || noun[1] == 'R') ? "preuve"
				   : (noun[0] == 'j' || noun[0] == 'J') ? "justificatif" : "pièce";
		const char *per = t + ov[6];
		const char *period = (per[0] == 's' || per[0] == 'S') ? "semestre"
				     : (per[0] == 't' || per[0] == 'T') ? "trimestre"
				     : (per[0] == 'm' || per[0] == 'M') ? "mois" : "an";
		f->subject = "preuves";
		f->value = xasprintf("%d %s%s par %s", a, sing, a > 1 ? "s" : "", period);
		return true;
	}
	case SH_SMIC:
	case SH_EUROS: {
		size_t ss, se;
		PCRE2_SIZE *ov2;
		/* save what the sentence search below overwrites */
		size_t m0 = ov[0], m1 = ov[1];
		size_t c0 = ov[2], c1 = ov[3];
		int times = rules[i].shape == SH_SMIC && group_set(ov, 2) ? number_of(G(2)) : 0;
		sentence_bounds(t, len, m0, m1, &ss, &se);
		f->subject = NULL;
		for (size_t from = ss; from < se && next_match(&rx.money_subject, t, se, from, &ov2);) {
			for (int g = 1; g <= (int)PW_ARRAY_SIZE(money_subject_names); g++) {
				if (group_set(ov2, g) && !f->subject)
					f->subject = money_subject_names[g - 1];
			}
			if (f->subject)
				break;
			from = ov2[1] > from ? ov2[1] : from + 1;
		}
		if (rules[i].shape == SH_EUROS) {
			struct buf b2 = BUF_INIT;
			if (!f->subject)
				return false;  /* a price of something else */
			for (size_t k = c0; k < c1; k++) {
				if ((t[k] >= '0' && t[k] <= '9') || t[k] == ',')
					buf_addch(&b2, t[k]);
			}
			char *amount = buf_detach(&b2, NULL);
			size_t al = strlen(amount);
			if (al > 3 && !strcmp(amount + al - 3, ",00"))
				amount[al - 3] = '\0';
			f->value = xasprintf("%s %s €", f->subject, amount);
			free(amount);
			return true;
		}
		const char *cmp = t + c0;
		/* "supérieur ou égal" is "au moins égal": one wording per meaning */
		bool gal = false;
		for (size_t k = c0; k + 3 <= c1 && !gal; k++)
			gal = !strncmp(t + k, "gal", 3);
		const char *how = (cmp[0] == 'a' || cmp[0] == 'A') || gal ? "au moins égal"
				  : (cmp[0] == 'i' || cmp[0] == 'I') ? "inférieur"
				  : (cmp[0] == 's' || cmp[0] == 'S') ? "supérieur" : "équivalent";
		if (!f->subject)
			f->subject = "salaire";
		if (times > 1)
			f->value = xasprintf("%s %s à %d fois le SMIC", f->subject, how, times);
		else
			f->value = xasprintf("%s %s au SMIC", f->subject, how);
		return true;
	}
	case SH_ARTICLE: {
		struct buf b2 = BUF_INIT;
		const char *s = t + ov[2];
		size_t n = ov[3] - ov[2];
		bool sep = false;
		buf_addstr(&b2, "article ");
		for (size_t k = 0; k < n; k++) {
			unsigned char c = (unsigned char)s[k];
			if (c >= 'a' && c <= 'z')
				c = (unsigned char)(c - 'a' + 'A');
			if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
				/* "L. 313-14", "L313-14", "L 313.14": one spelling */
				if (sep && b2.len > strlen("article L") + 2 && b2.ptr[b2.len - 1] != '-')
					buf_addch(&b2, '-');
				buf_addch(&b2, (char)c);
				sep = false;
			} else if (c == '-' || c == '.' || (c >= 0x80) ) {
				sep = b2.len > strlen("article L");
			}
		}
		PCRE2_SIZE *ov2;
		if (next_match(&rx.law, t, len, ov[1], &ov2) && ov2[0] == ov[1])
			buf_addstr(&b2, " du CESEDA");
		f->subject = "article";
		f->value = buf_detach(&b2, NULL);
		return true;
	}
	case SH_CIRCULAR:
	case SH_LAW:
		if (!date_of(G(1), date))
			return false;
		f->subject = rules[i].shape == SH_LAW ? "loi" : "circulaire";
		f->value = xasprintf("%s du %s", f->subject, date);
		return true;
	case SH_CIRCULAR_NAME:
		/* the circulars known by their minister's name */
		f->subject = "circulaire";
		f->value = xstrdup((t[ov[2]] == 'V' || t[ov[2]] == 'v') ? "circulaire du 28/11/2012"
									: "circulaire du 23/01/2025");
		return true;
	case SH_CERFA:
		f->subject = "CERFA";
		if (group_set(ov, 2))
			f->value = xasprintf("CERFA %.*s*%.*s", (int)(ov[3] - ov[2]), t + ov[2],
					     (int)(ov[5] - ov[4]), t + ov[4]);
		else
			f->value = xasprintf("CERFA %.*s", (int)(ov[3] - ov[2]), t + ov[2]);
		return true;
	}
	return false;
}

static int found_cmp(const void *a, const void *b)
{
	const struct found *x = a, *y = b;
	return x->ms < y->ms ? -1 : x->ms > y->ms ? 1 : 0;
}

static bool overlaps(const struct found *v, size_t n, size_t ms, size_t me)
{
	for (size_t i = 0; i < n; i++) {
		if (ms < v[i].me && v[i].ms < me)
			return true;
	}
	return false;
}

void thresholds_extract(const char *text, struct fieldset *out)
{
	struct condition *conds = NULL;
	size_t n_conds = 0;
	struct found *v = NULL;
	size_t n = 0, alloc = 0;
	size_t len = text ? strlen(text) : 0;

	(void)fieldset_get(out, "thresholds");
	if (!text || !rx_init())
		return;
	for (size_t i = 0; i < PW_ARRAY_SIZE(rules); i++) {
		PCRE2_SIZE *ov;
		size_t start = 0;
		while (n < THRESHOLDS_MAX && next_match(&rx.rule[i], text, len, start, &ov)) {
			size_t ms = ov[0], me = ov[1];
			struct found f = { ms, me, rules[i].kind, NULL, NULL };
			start = me > ms ? me : ms + 1;
			if (overlaps(v, n, ms, me) || !read_value(i, text, len, ov, &f)) {
				free(f.value);
				continue;
			}
			if (n == alloc) {
				alloc = alloc ? alloc * 2 : 32;
				v = xrealloc(v, alloc * sizeof(*v));
			}
			f.ms = ms;
			f.me = me;
			v[n++] = f;
		}
	}
	if (n)
		qsort(v, n, sizeof(*v), found_cmp);
	find_conditions(text, len, &conds, &n_conds);
	for (size_t i = 0; i < n; i++) {
		char *val = xasprintf("%s\t%s\t%s\t%s", v[i].kind, condition_at(conds, n_conds, v[i].ms),
				      v[i].subject, v[i].value);
		fieldset_add(out, "thresholds", val);
		free(val);
		free(v[i].value);
	}
	for (size_t i = 0; i < n_conds; i++)
		free(conds[i].text);
	free(conds);
	free(v);
}
