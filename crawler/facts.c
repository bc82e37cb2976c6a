/*
 * facts.c - the facts that matter in a procedure text.
 *
 * Input is the canonical text written by extract.c (Markdown-like lines,
 * links as [text](url)). Every pattern lives in the tables below so that an
 * editor's question "why does it say postal?" is answered in one place.
 * Patterns are compiled once per process, on first use (not thread-safe:
 * prefwatch extracts on one thread), JIT-compiled where available, and run
 * under a match context with match and heap limits: page text is untrusted.
 *
 * Fields (values keep order of appearance, unique per field):
 *   method       what the applicant must do to file (see "the procedure,
 *                not every mention" below):
 *                postal (sent by post), online (a web form or platform),
 *                online_ds (the page is a démarches-simplifiées procedure:
 *                filing there is the method), appointment, email,
 *                letterbox (dropped in the office's letter box: no stamp,
 *                no meeting, so neither postal nor in_person), in_person
 *                (handed over at a counter)
 *   method_evidence  the sentence each method was read from, in the
 *                order of method (one sentence may give two methods)
 *   addresses    postal addresses, one line each: "l1, l2, 02000 LAON"
 *   emails       lower-case addresses
 *   phones       French numbers as "01 23 45 67 89"
 *   links        every link target (absolute, as written by extract.c)
 *   forms        links to documents (PDF, DOC...) and CERFA numbers
 *   page_updated the update stamp, ISO date (set by extract_html)
 *   thresholds   durations, counts, sums, ages and legal references with
 *                their condition (thresholds.c)
 */
#include "common/common.h"
#include "common/regex.h"
#include "crawler/crawler.h"


/* ---- the rules ----------------------------------------------------------
 * Methods of filing, one row per way of saying it. A row matches where its
 * pattern matches and, if it has one, its "before" pattern matches in the
 * CONTEXT_BYTES before (same sentence): "envoyez ... à l'adresse
 * suivante", "déposer ... sur place". Searching for the short anchor and
 * then looking back is much cheaper than one pattern with a gap.
 * A match is discarded when its sentence negates it ("il n'est plus
 * nécessaire de solliciter un rendez-vous", "les dossiers envoyés par
 * courrier ne seront pas traités"). Words that only look like methods
 * ("5 ans de présence", "adresse mail" on a letter, "un rendez-vous vous
 * sera accordé par mail") are deliberately not patterns. Needles: a row
 * is tried only if the text (A-Z lowered) holds one of them. */
#define CONTEXT_BYTES 100

static const struct {
	const char *value;
	const char *needles;
	const char *pattern;
	const char *before;
} method_rules[] = {
	{ "postal", "postal|poste|courrier|recommand",
	  "voie\\s+postale|par\\s+(?:la\\s+)?poste\\b|courrier\\s+(?:postal|recommand[ée]|simple)"
	  "|par\\s+courrier|lettre\\s+recommand[ée]e|recommand[ée]e?\\s+avec\\s+(?:avis|accus[ée])", NULL },
	{ "postal", "suivante",
	  "\\badresse\\s+suivante",
	  "\\b(?:envoy|exp[ée]di|adress)\\w*\\b[^.\\n]*$" },
	{ "online", "rialis|lectronique|service|proc|anef|administration-etrangers|simplifi",
	  "voie\\s+(?:d[ée]mat[ée]rialis[ée]e|[ée]lectronique)|d[ée]mat[ée]rialis\\w+|t[ée]l[ée]-?services?"
	  "|t[ée]l[ée]proc[ée]dures?|\\bANEF\\b|administration-etrangers-en-france"
	  "|d[ée]marches[- ]simplifi[ée]es", NULL },
	{ "online", "ligne",
	  "\\ben\\s+ligne\\b",
	  "\\b(?:demande|d[ée]p[ôo]t|d[ée]poser|d[ée]posez|d[ée]marche|proc[ée]dure|rendez[- ]vous"
	  "|formulaire|dossier|saisir|saisissez|remplir|inscription)\\b[^.\\n]*$" },
	{ "appointment", "rendez|booking|neau",
	  "pren(?:dre|ez)\\s+(?:un\\s+)?rendez[- ]vous|prise\\s+de\\s+rendez[- ]vous"
	  "|demandes?\\s+de\\s+rendez[- ]vous|solliciter\\s+un\\s+rendez[- ]vous"
	  "|sur\\s+rendez[- ]vous|r[ée]server\\s+un\\s+(?:rendez[- ]vous|cr[ée]neau)|/booking/", NULL },
	{ "email", "mail|courriel|messagerie",
	  "\\bpar\\s+(?:courriel|e-?mail|mail|messagerie)\\b",
	  "\\b(?:envoy|transmet|transmis|adress|d[ée]pos|faire\\s+parvenir)\\w*\\b[^.\\n]*$" },
	{ "email", "suivante",
	  "[àa]\\s+l['’]adresse\\s+(?:[ée]lectronique|mail|courriel|e-mail)\\s+suivante", NULL },
	/* "déposer dans la boîte aux lettres située au ...": only after a
	 * verb of depositing, since lists of pieces speak of the applicant's
	 * own letter box ("votre nom doit figurer sur la boîte aux lettres"). */
	{ "letterbox", "lettres|depot|dépôt",
	  "\\bbo[îi]tes?\\s+(?:aux|[àa])\\s+lettres\\b|\\bbo[îi]tes?\\s+de\\s+d[ée]p[ôo]t\\b",
	  "\\b(?:d[ée]pos|d[ée]p[ôo]t|remett|remis|glisse|gliss[ée])\\w*\\b[^.\\n]*$" },
	{ "in_person", "guichet|personne|sentez",
	  "\\bguichets?\\b|en\\s+personne\\b|pr[ée]sentez-vous", NULL },
	{ "in_person", "place|propre|accueil",
	  "\\b(?:sur\\s+place|en\\s+mains?\\s+propres?|[àa]\\s+l['’]accueil)",
	  "\\b(?:d[ée]p[ôo]t|d[ée]poser|d[ée]posez|remettre|remise)\\b[^.\\n]*$" },
};

/* Context that cancels a method match within its sentence. */
static const char *const negation_rule =
	"n['’]est\\s+plus|n['’]est\\s+pas|ne\\s+sont\\s+(?:plus|pas)|plus\\s+n[ée]cessaire"
	"|pas\\s+n[ée]cessaire|inutile|ne\\s+(?:sera|seront)\\s+(?:plus|pas)|ne\\s+peu[tv]e?n?t?\\s+(?:plus|pas)"
	"|plus\\s+accept[ée]|pas\\s+accept[ée]|ne\\s+(?:traitent|traite)\\s+pas|aucune?\\b";

/* The procedure, not every mention. Each method row above finds
 * mentions; then a mention is read in its sentence:
 *  - "en ligne" right after "rendez-vous" ("demande de rendez-vous en
 *    ligne") is the way to book the appointment, which is the filing:
 *    appointment;
 *  - an online mention followed in its sentence by a postal one, with a
 *    form to fill, print or download and no alternative ("ou", "soit")
 *    between them ("remplir le formulaire en ligne puis l'imprimer et
 *    l'envoyer par courrier"), is the form, not the filing: dropped;
 *  - a counter ("se présenter au guichet") in a sentence that speaks of
 *    an appointment, or right after one in the same paragraph ("le jour
 *    du rendez-vous, présentez-vous au guichet"), is where the
 *    appointment takes place: appointment. "Sans rendez-vous" is not one. */
static const char *const booked_online_rule = "rendez[- ]vous\\b[^.\\n]{0,40}$";
static const char *const appointment_word_rule = "(?<!sans )(?<!sans\\s)\\brendez[- ]vous\\b";
static const char *const form_word_rule = "formulaire|imprim|t[ée]l[ée]charg";
static const char *const alternative_rule = "\\bou\\b|\\bsoit\\b|\\bsinon\\b";

/* Canonical order of the method values (that of the table above). */
static const char *const method_order[] = { "postal", "online", "appointment", "email",
					    "letterbox", "in_person" };
enum { M_POSTAL, M_ONLINE, M_APPOINTMENT, M__N = PW_ARRAY_SIZE(method_order) };

#define EVIDENCE_MAX 300

enum value_rule { RX_EMAIL, RX_PHONE, RX_CERFA, RX_MDLINK, RX_BARE_URL, RX_POSTAL_LINE,
		  RX_STAMP_UPDATE, RX_STAMP_PUBLISH, RX__COUNT };

#define DATE_ALT "(\\d{1,2}\\s*[/.-]\\s*\\d{1,2}\\s*[/.-]\\s*\\d{2,4}" \
	"|\\d{1,2}(?:er)?\\s+(?:janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[ûu]t" \
	"|septembre|octobre|novembre|d[ée]cembre)\\s+\\d{4}|\\d{4}-\\d{2}-\\d{2})"

static const char *const value_rules[RX__COUNT] = {
	[RX_EMAIL] = "(?<![\\w.%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}",
	/* 0X XX XX XX XX, 0X.XX.., +33 X XX.., +33 (0)X XX.. */
	[RX_PHONE] = "(?<![\\d+])(?:(?:\\+|00)\\s?33\\s?(?:\\(0\\)\\s?)?|0)[1-9](?:[\\s.-]?\\d{2}){4}(?!\\d)",
	[RX_CERFA] = "\\bcerfa\\s*(?:n\\s*[°ºo]\\.?\\s*)?(\\d{5})(?:\\s*\\*\\s*(\\d{2}))?",
	[RX_MDLINK] = "\\]\\(([^)\\s]+)\\)",
	[RX_BARE_URL] = "(?<![(\\[\\w/:.@-])(?:https?://|www\\.)[^\\s<>()\\[\\]]+",
	/* The last line of a postal address: [street] 02000 TOWN [CEDEX [n]]. */
	[RX_POSTAL_LINE] = "(?:^|[\\s,])((?:0[1-9]|[1-8]\\d|9[0-8])\\s?\\d{3})\\s+(\\p{Lu}[\\p{L}\\p{M}'’. -]*?)"
			   "(?:\\s+(?i:cedex)(?:\\s*\\d{1,2})?)?\\s*$",
	[RX_STAMP_UPDATE] = "(?i)(?:mise?\\s+[àa]\\s+jour|modifi[ée]e?|actualis[ée]e?)\\s*(?:le\\s*)?:?\\s*(?:le\\s*)?" DATE_ALT,
	[RX_STAMP_PUBLISH] = "(?i)publi[ée]e?\\s+le\\s*:?\\s*" DATE_ALT,
};

#define ADDRESS_LINES_MAX 6
#define ADDRESS_LINE_MAX_CHARS 90

struct rx {
	pcre2_code *code;
	pcre2_match_data *md;
};

static struct {
	bool done, ok;
	struct rx method[PW_ARRAY_SIZE(method_rules)];
	struct rx method_before[PW_ARRAY_SIZE(method_rules)];
	struct rx negation;
	struct rx booked_online, appointment_word, form_word, alternative;
	struct rx value[RX__COUNT];
	pcre2_match_context *mctx;
} rx;

static bool compile(struct rx *r, const char *pattern, uint32_t flags)
{
	struct pw_regex_error e;
	r->code = pw_regex_compile(pattern, PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF | flags,
				   &r->md, &e);
	if (!r->code) {
		log_error(_("facts pattern '%s': %s at offset %zu"), pattern, e.msg, e.offset);
		return false;
	}
	return true;
}

static bool rx_init(void)
{
	if (rx.done)
		return rx.ok;
	rx.done = true;
	rx.mctx = pw_regex_match_context();
	for (size_t i = 0; i < PW_ARRAY_SIZE(method_rules); i++) {
		if (!compile(&rx.method[i], method_rules[i].pattern, PCRE2_CASELESS))
			return false;
		if (method_rules[i].before &&
		    !compile(&rx.method_before[i], method_rules[i].before, PCRE2_CASELESS))
			return false;
	}
	if (!compile(&rx.negation, negation_rule, PCRE2_CASELESS) ||
	    !compile(&rx.booked_online, booked_online_rule, PCRE2_CASELESS) ||
	    !compile(&rx.appointment_word, appointment_word_rule, PCRE2_CASELESS) ||
	    !compile(&rx.form_word, form_word_rule, PCRE2_CASELESS) ||
	    !compile(&rx.alternative, alternative_rule, PCRE2_CASELESS))
		return false;
	for (size_t i = 0; i < RX__COUNT; i++) {
		uint32_t fl = (i == RX_CERFA) ? PCRE2_CASELESS : 0;
		if (!compile(&rx.value[i], value_rules[i], fl))
			return false;
	}
	rx.ok = true;
	return true;
}

/* Next match of r in s[0..len) from start; fills ovector pointer. */
static bool next_match(struct rx *r, const char *s, size_t len, size_t start, PCRE2_SIZE **ov)
{
	return pw_regex_next(r->code, r->md, rx.mctx, s, len, start, ov, "facts");
}

static size_t advance(const char *s, size_t len, PCRE2_SIZE *ov)
{
	if (ov[1] > ov[0])
		return ov[1];
	if (ov[1] >= len)
		return len + 1;
	size_t n = utf8_seq_len((const unsigned char *)s + ov[1], len - ov[1]);
	return ov[1] + (n ? n : 1);
}

/* ---- methods -------------------------------------------------------- */

static bool negated(const char *text, size_t len, size_t mstart, size_t mend)
{
	size_t a = mstart, b = mend;
	PCRE2_SIZE *ov;
	while (a > 0 && !strchr(".!?\n", text[a - 1]))
		a--;
	while (b < len && !strchr(".!?\n", text[b]))
		b++;
	/* The sentence, minus the match itself. */
	if (next_match(&rx.negation, text, mstart, a, &ov))
		return true;
	return next_match(&rx.negation, text, b, mend, &ov);
}

/* Whether lower (the text with A-Z lowered) holds one of the needles: a
 * cheap test that spares most texts most of the method patterns. */
static bool has_needle(const char *lower, const char *needles)
{
	while (*needles) {
		size_t n = strcspn(needles, "|");
		char needle[48];
		if (n && n < sizeof(needle)) {
			memcpy(needle, needles, n);
			needle[n] = '\0';
			if (strstr(lower, needle))
				return true;
		}
		needles += n + (needles[n] == '|');
	}
	return false;
}

struct mention {
	size_t value;   /* index in method_order; M__N: dropped */
	size_t ms, me;  /* the match */
	size_t ss, se;  /* its sentence */
};

static size_t method_index(const char *value)
{
	for (size_t i = 0; i < M__N; i++) {
		if (!strcmp(method_order[i], value))
			return i;
	}
	abort(); /* a row of method_rules without its place in method_order */
}

/* The sentence around [ms, me): from after the previous end of sentence
 * (a line end, '!', '?', or '.' before a space: "www.nord.gouv.fr" is
 * one word) to the next one. */
static bool sentence_end_at(const char *t, size_t len, size_t i)
{
	return t[i] == '\n' || t[i] == '!' || t[i] == '?' ||
	       (t[i] == '.' && (i + 1 >= len || t[i + 1] == ' ' || t[i + 1] == '\n'));
}

static void sentence_bounds(const char *t, size_t len, size_t ms, size_t me, size_t *ss, size_t *se)
{
	size_t a = ms, b = me;
	while (a > 0 && !sentence_end_at(t, len, a - 1))
		a--;
	while (b < len && !sentence_end_at(t, len, b))
		b++;
	*ss = a;
	*se = b;
}

/* Whether r matches in t[from, to) (to bounds the subject). */
static bool match_in(struct rx *r, const char *t, size_t from, size_t to, PCRE2_SIZE **ov)
{
	return to > from && next_match(r, t, to, from, ov);
}

/* Whether the sentence [ss, se) names an appointment that is not negated
 * ("il n'est plus nécessaire de prendre rendez-vous") nor "sans". */
static bool speaks_of_appointment(const char *t, size_t len, size_t ss, size_t se)
{
	PCRE2_SIZE *ov;
	for (size_t from = ss; match_in(&rx.appointment_word, t, from, se, &ov);) {
		size_t ms = ov[0], me = ov[1];
		if (!negated(t, len, ms, me))
			return true;
		from = me > from ? me : from + 1;
	}
	return false;
}

/* Reads each mention in its sentence (see "The procedure, not every
 * mention" above). */
static void read_in_context(const char *t, size_t len, struct mention *m, size_t n)
{
	PCRE2_SIZE *ov;
	for (size_t i = 0; i < n; i++) {
		if (m[i].value == M_ONLINE) {
			size_t from = m[i].ms > 60 ? m[i].ms - 60 : 0;
			while (from < m[i].ms && ((unsigned char)t[from] & 0xC0) == 0x80)
				from++;
			if (from < m[i].ss)
				from = m[i].ss;
			if (match_in(&rx.booked_online, t, from, m[i].ms, &ov)) {
				m[i].value = M_APPOINTMENT;
				continue;
			}
			for (size_t k = 0; k < n; k++) {
				if (k == i || m[k].value != M_POSTAL || m[k].ss != m[i].ss || m[k].ms < m[i].me)
					continue;
				if (match_in(&rx.form_word, t, m[i].ss, m[i].se, &ov) &&
				    !match_in(&rx.alternative, t, m[i].me, m[k].ms, &ov)) {
					m[i].value = M__N;
					break;
				}
			}
		} else if (m[i].value == method_index("in_person")) {
			bool appt = speaks_of_appointment(t, len, m[i].ss, m[i].se);
			/* the sentence before, in the same paragraph */
			if (!appt && m[i].ss > 0 && !(m[i].ss >= 2 && t[m[i].ss - 1] == '\n' && t[m[i].ss - 2] == '\n')) {
				size_t ps, pe;
				sentence_bounds(t, len, m[i].ss - 1, m[i].ss - 1, &ps, &pe);
				appt = speaks_of_appointment(t, len, ps, m[i].ss);
			}
			if (appt)
				m[i].value = M_APPOINTMENT;
		}
	}
}

static char *clean_line(const char *s, size_t n, bool *heading);

/* The sentence [ss, se) (and its full stop) as evidence: one line, list
 * marker, heading marks and link targets dropped, at most EVIDENCE_MAX
 * bytes (cut on a character boundary, then "…"). */
static char *evidence_of(const char *t, size_t len, size_t ss, size_t se)
{
	bool heading;
	if (se < len && (t[se] == '.' || t[se] == '!' || t[se] == '?'))
		se++;
	while (ss < se && t[ss] == ' ')
		ss++;
	char *e = clean_line(t + ss, se - ss, &heading);
	size_t n = strlen(e);
	if (n > EVIDENCE_MAX) {
		n = EVIDENCE_MAX;
		while (n > 0 && ((unsigned char)e[n] & 0xC0) == 0x80)
			n--;
		e[n] = '\0';
		char *cut = xasprintf("%s…", e);
		free(e);
		e = cut;
	}
	return e;
}

static void find_methods(const char *text, size_t len, enum facts_page kind, const char *heading,
			 struct fieldset *out)
{
	char *lower = xstrndup(text, len);
	struct mention *m = NULL;
	size_t n = 0, alloc = 0;
	char *evidence[M__N] = { NULL };
	bool have[M__N] = { false };

	for (size_t i = 0; i < len; i++) {
		if (lower[i] >= 'A' && lower[i] <= 'Z')
			lower[i] = (char)(lower[i] - 'A' + 'a');
	}
	for (size_t i = 0; i < PW_ARRAY_SIZE(method_rules); i++) {
		PCRE2_SIZE *ov;
		size_t start = 0;
		if (!has_needle(lower, method_rules[i].needles))
			continue;
		while (next_match(&rx.method[i], text, len, start, &ov)) {
			size_t ms = ov[0], me = ov[1];
			start = advance(text, len, ov);
			if (method_rules[i].before) {
				size_t from = ms > CONTEXT_BYTES ? ms - CONTEXT_BYTES : 0;
				/* Start on a character boundary. */
				while (from < ms && ((unsigned char)text[from] & 0xC0) == 0x80)
					from++;
				PCRE2_SIZE *ov2;
				if (!next_match(&rx.method_before[i], text, ms, from, &ov2))
					continue;
			}
			if (negated(text, len, ms, me))
				continue;
			if (n == alloc) {
				alloc = alloc ? alloc * 2 : 16;
				m = xrealloc(m, alloc * sizeof(*m));
			}
			m[n].value = method_index(method_rules[i].value);
			m[n].ms = ms;
			m[n].me = me;
			sentence_bounds(text, len, ms, me, &m[n].ss, &m[n].se);
			n++;
		}
	}
	read_in_context(text, len, m, n);
	/* Per method, the evidence of its first mention in the text. */
	for (size_t v = 0; v < M__N; v++) {
		size_t best = n;
		for (size_t i = 0; i < n; i++) {
			if (m[i].value == v && (best == n || m[i].ms < m[best].ms))
				best = i;
		}
		if (best < n) {
			have[v] = true;
			evidence[v] = evidence_of(text, len, m[best].ss, m[best].se);
		}
	}
	if (kind == FACTS_BOOKING) {
		/* The page is the booking itself: whatever else it says of
		 * counters and letters, one files by appointment. */
		for (size_t v = 0; v < M__N; v++)
			have[v] = v == M_APPOINTMENT;
		if (!evidence[M_APPOINTMENT] && heading)
			evidence[M_APPOINTMENT] = xstrdup(heading);
	}
	for (size_t v = 0; v < M__N; v++) {
		if (!have[v] || (kind == FACTS_DS && v == M_ONLINE))
			continue;
		fieldset_add(out, "method", method_order[v]);
		if (evidence[v] && *evidence[v])
			fieldset_add(out, "method_evidence", evidence[v]);
	}
	if (kind == FACTS_DS) {
		/* The page is the online filing itself: "en ligne
		 * (démarches-simplifiées)", which says more than the plain
		 * "online" a sentence of its description may give. */
		const char *e = evidence[M_ONLINE] ? evidence[M_ONLINE] : heading;
		fieldset_add(out, "method", "online_ds");
		if (e && *e)
			fieldset_add(out, "method_evidence", e);
	}
	for (size_t v = 0; v < M__N; v++)
		free(evidence[v]);
	free(m);
	free(lower);
}

/* ---- values ---------------------------------------------------------- */

static void lower_ascii(char *s)
{
	for (; *s; s++) {
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
	}
}

static char *phone_normalise(const char *s, size_t n)
{
	char digits[16];
	size_t d = 0;
	for (size_t i = 0; i < n && d < sizeof(digits) - 1; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digits[d++] = s[i];
	}
	digits[d] = '\0';
	const char *p = digits;
	char nat[11];
	if (d > 10 && !strncmp(p, "0033", 4))
		p += 4;
	else if (d > 10 && !strncmp(p, "33", 2))
		p += 2;
	if (strlen(p) == 10 && p[0] == '0') {
		memcpy(nat, p, 10);
	} else if (strlen(p) == 10 && p[1] == '0') {
		/* +33 (0)X...: the (0) counted */
		nat[0] = '0';
		memcpy(nat + 1, p + 2, 9);
	} else if (strlen(p) == 9) {
		nat[0] = '0';
		memcpy(nat + 1, p, 9);
	} else {
		return NULL;
	}
	return xasprintf("%.2s %.2s %.2s %.2s %.2s", nat, nat + 2, nat + 4, nat + 6, nat + 8);
}

static bool is_document(const char *url)
{
	static const char *const exts[] = { ".pdf", ".doc", ".docx", ".odt", ".rtf", ".xls",
					    ".xlsx", ".ods", ".zip", NULL };
	size_t n = strcspn(url, "?#");
	if (strstr(url, "/content/download/"))
		return true;
	for (const char *const *e = exts; *e; e++) {
		size_t el = strlen(*e);
		if (n >= el && !strncasecmp(url + n - el, *e, el))
			return true;
	}
	return false;
}

/* The schemes extract.c keeps for a link (its shown_scheme()): a page's
 * literal text "[x](javascript:…)" reads like a link in the canonical text
 * but must not become one of its link facts. */
static bool link_scheme_ok(const char *u)
{
	size_t n = strspn(u, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
	if (u[n] != ':')
		return true;    /* relative */
	return (n == 4 && !strncasecmp(u, "http", 4)) || (n == 5 && !strncasecmp(u, "https", 5)) ||
	       (n == 6 && !strncasecmp(u, "mailto", 6)) || (n == 3 && !strncasecmp(u, "tel", 3));
}

static void add_link(struct fieldset *out, const char *url, size_t n)
{
	char *u = xstrndup(url, n);
	if (!link_scheme_ok(u)) {
		free(u);
		return;
	}
	fieldset_add(out, "links", u);
	if (!strncasecmp(u, "mailto:", 7)) {
		char *e = xstrndup(u + 7, strcspn(u + 7, "?"));
		lower_ascii(e);
		if (*e)
			fieldset_add(out, "emails", e);
		free(e);
	} else if (!strncasecmp(u, "tel:", 4)) {
		char *p = phone_normalise(u + 4, strlen(u + 4));
		if (p)
			fieldset_add(out, "phones", p);
		free(p);
	} else if (is_document(u)) {
		fieldset_add(out, "forms", u);
	}
	free(u);
}

static void find_values(const char *text, size_t len, struct fieldset *out)
{
	PCRE2_SIZE *ov;
	size_t start;

	for (start = 0; next_match(&rx.value[RX_MDLINK], text, len, start, &ov); start = advance(text, len, ov))
		add_link(out, text + ov[2], ov[3] - ov[2]);
	for (start = 0; next_match(&rx.value[RX_BARE_URL], text, len, start, &ov); start = advance(text, len, ov)) {
		size_t n = ov[1] - ov[0];
		while (n && strchr(".,;:!?'\"»", text[ov[0] + n - 1]))
			n--;
		/* a URL written out in the text: the same canonical form as
		 * the text's links, so a token in it is not a new link */
		char *u = !strncmp(text + ov[0], "www.", 4) ? xasprintf("http://%.*s", (int)n, text + ov[0])
							     : xstrndup(text + ov[0], n);
		char *c = url_canonical(u, NULL);
		add_link(out, c, strlen(c));
		free(c);
		free(u);
	}
	/* The e-mail pattern is slow to fail; most texts have no '@' at all. */
	for (start = 0; memchr(text, '@', len) && next_match(&rx.value[RX_EMAIL], text, len, start, &ov);
	     start = advance(text, len, ov)) {
		if (ov[0] >= 7 && !strncasecmp(text + ov[0] - 7, "mailto:", 7))
			continue;
		char *e = xstrndup(text + ov[0], ov[1] - ov[0]);
		lower_ascii(e);
		fieldset_add(out, "emails", e);
		free(e);
	}
	for (start = 0; next_match(&rx.value[RX_PHONE], text, len, start, &ov); start = advance(text, len, ov)) {
		if (ov[0] >= 4 && !strncasecmp(text + ov[0] - 4, "tel:", 4))
			continue;
		char *p = phone_normalise(text + ov[0], ov[1] - ov[0]);
		if (p)
			fieldset_add(out, "phones", p);
		free(p);
	}
	for (start = 0; next_match(&rx.value[RX_CERFA], text, len, start, &ov); start = advance(text, len, ov)) {
		char *c;
		if (ov[5] > ov[4] && ov[4] != PCRE2_UNSET)
			c = xasprintf("CERFA %.*s*%.*s", (int)(ov[3] - ov[2]), text + ov[2],
				      (int)(ov[5] - ov[4]), text + ov[4]);
		else
			c = xasprintf("CERFA %.*s", (int)(ov[3] - ov[2]), text + ov[2]);
		fieldset_add(out, "forms", c);
		free(c);
	}
}

/* ---- addresses -------------------------------------------------------- */

struct line {
	char *s;        /* cleaned: no indent, marker, heading marks or link syntax */
	bool blank;
	bool heading;
};

/* "[text](url)" -> "text"; drops list markers and heading marks. */
static char *clean_line(const char *s, size_t n, bool *heading)
{
	struct buf b = BUF_INIT;
	size_t i = 0;

	*heading = false;
	while (i < n && s[i] == ' ')
		i++;
	if (i < n && s[i] == '#') {
		*heading = true;
		while (i < n && s[i] == '#')
			i++;
	} else if (i + 1 < n && s[i] == '-' && s[i + 1] == ' ') {
		i += 2;
	} else {
		size_t j = i;
		while (j < n && s[j] >= '0' && s[j] <= '9')
			j++;
		if (j > i && j + 1 < n && s[j] == '.' && s[j + 1] == ' ')
			i = j + 2;
	}
	while (i < n && s[i] == ' ')
		i++;
	for (; i < n; i++) {
		const char *br = memchr(s + i, '[', n - i);
		size_t run = br ? (size_t)(br - (s + i)) : n - i;
		if (run) {
			buf_add(&b, s + i, run);
			i += run - 1;
			continue;
		}
		if (s[i] == '[') {
			const char *close = memchr(s + i, ']', n - i);
			if (close && (size_t)(close - s) + 1 < n && close[1] == '(') {
				const char *paren = memchr(close, ')', n - (size_t)(close - s));
				if (paren) {
					buf_add(&b, s + i + 1, (size_t)(close - (s + i + 1)));
					i = (size_t)(paren - s);
					continue;
				}
			}
		}
		buf_addch(&b, s[i]);
	}
	while (b.len && b.ptr[b.len - 1] == ' ')
		b.ptr[--b.len] = '\0';
	return buf_detach(&b, NULL);
}

static size_t count_words(const char *s)
{
	size_t n = 0;
	bool in = false;
	for (; *s; s++) {
		if (*s == ' ') {
			in = false;
		} else if (!in) {
			in = true;
			n++;
		}
	}
	return n;
}

/* A line that can sit above the postal-code line of an address block:
 * short, not a sentence, not an introduction ("à l'adresse suivante :"). */
static bool address_like(const struct line *l)
{
	size_t n = strlen(l->s);
	if (l->heading || n == 0 || n > ADDRESS_LINE_MAX_CHARS || count_words(l->s) > 14)
		return false;
	char last = l->s[n - 1];
	if (last == ':' || last == '.' || last == '!' || last == '?' || last == ';')
		return false;
	return true;
}

/* Whether s holds n digits, possibly split by one space ("59 369"):
 * a cheap test before the postal-line pattern. */
static bool has_digit_run(const char *s, int n)
{
	int run = 0;
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9') {
			if (++run >= n)
				return true;
		} else if (!(*s == ' ' && run > 0 && s[1] >= '0' && s[1] <= '9')) {
			run = 0;
		}
	}
	return false;
}

static void find_addresses(const char *text, size_t len, struct fieldset *out)
{
	struct line *lines = NULL;
	size_t n = 0, alloc = 0;

	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			lines = xrealloc(lines, alloc * sizeof(*lines));
		}
		lines[n].s = clean_line(text + i, end - i, &lines[n].heading);
		lines[n].blank = lines[n].s[0] == '\0';
		n++;
		i = end + 1;
	}
	for (size_t i = 0; i < n; i++) {
		PCRE2_SIZE *ov;
		const char *s = lines[i].s;
		size_t sl = strlen(s);
		if (lines[i].blank || lines[i].heading || sl > ADDRESS_LINE_MAX_CHARS ||
		    !has_digit_run(s, 5) || !next_match(&rx.value[RX_POSTAL_LINE], s, sl, 0, &ov))
			continue;
		/* Walk up over the block's other lines. */
		size_t first = i, taken = 0;
		for (size_t j = i; j-- > 0 && taken < ADDRESS_LINES_MAX - 1;) {
			if (lines[j].blank)
				continue;
			PCRE2_SIZE *ov2;
			if (!address_like(&lines[j]) ||
			    next_match(&rx.value[RX_POSTAL_LINE], lines[j].s, strlen(lines[j].s), 0, &ov2))
				break;
			first = j;
			taken++;
		}
		/* Re-match the postal line: the loop above reused the match data. */
		next_match(&rx.value[RX_POSTAL_LINE], s, sl, 0, &ov);
		struct buf a = BUF_INIT;
		for (size_t j = first; j < i; j++) {
			if (lines[j].blank)
				continue;
			buf_addstr(&a, lines[j].s);
			buf_addstr(&a, ", ");
		}
		/* "59 369" -> "59369": one spelling per code. */
		buf_add(&a, s, ov[2]);
		for (size_t k = ov[2]; k < ov[3]; k++) {
			if (s[k] != ' ')
				buf_addch(&a, s[k]);
		}
		buf_addstr(&a, s + ov[3]);
		fieldset_add(out, "addresses", buf_str(&a));
		buf_release(&a);
	}
	for (size_t i = 0; i < n; i++)
		free(lines[i].s);
	free(lines);
}

/* ---- stamp ------------------------------------------------------------ */

/* The stamp's date as ISO; false for an impossible or implausible one. */
static bool parse_date(const char *s, size_t n, char out[11])
{
	int y, m, d;
	if (!pw_french_date(s, n, &y, &m, &d) || y < 1990)
		return false;
	/* the ranges pw_french_date() checked, said again for the compiler */
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u, (unsigned)d % 100u);
	return true;
}

bool facts_page_updated(const char *text, char out[11])
{
	PCRE2_SIZE *ov;
	size_t len;

	if (!text || !rx_init())
		return false;
	len = strlen(text);
	if (next_match(&rx.value[RX_STAMP_UPDATE], text, len, 0, &ov) &&
	    parse_date(text + ov[2], ov[3] - ov[2], out))
		return true;
	if (next_match(&rx.value[RX_STAMP_PUBLISH], text, len, 0, &ov) &&
	    parse_date(text + ov[2], ov[3] - ov[2], out))
		return true;
	return false;
}

void facts_extract(const char *text, struct fieldset *out)
{
	facts_extract_page(text, FACTS_PAGE, NULL, out);
}

void facts_extract_page(const char *text, enum facts_page kind, const char *heading,
			struct fieldset *out)
{
	static const char *const always[] = { "method", "method_evidence", "addresses", "emails",
					      "phones", "links", "forms" };
	size_t len = text ? strlen(text) : 0;

	for (size_t i = 0; i < PW_ARRAY_SIZE(always); i++)
		(void)fieldset_get(out, always[i]);
	if (!text || !rx_init()) {
		thresholds_extract(NULL, out);
		return;
	}
	find_methods(text, len, kind, heading, out);
	find_addresses(text, len, out);
	find_values(text, len, out);
	thresholds_extract(text, out);
}
