/*
 * extract.c - the procedure text of a state web page, as canonical text.
 *
 * One parse (libxml2's recovering HTML parser), one scan of the tree to find
 * the landmarks (title, <base>, first h1, the main-content candidates of the
 * site families we watch), then one walk of the selected subtree that writes
 * a Markdown-like text. The text is then cleaned with the ignore rules
 * (PCRE2, compiled once per rules object, built-ins compiled once per
 * process) and handed to facts_extract().
 *
 * Canonical means: layout is not content. Whitespace of any kind folds to
 * one space, block boundaries become line breaks decided by the element
 * kinds (so extra wrapper divs or re-indentation change nothing), and
 * tracking parameters are cut from link targets.
 *
 * A rules object holds PCRE2 match data, so it must not be used by two
 * threads at once; the built-in patterns are compiled on first use and are
 * not thread-safe either (prefwatch extracts on one thread).
 */
#include "common/common.h"
#include "common/regex.h"
#include "common/url.h"
#include "crawler/crawler.h"

#include <curl/curl.h>
#include <libxml/HTMLparser.h>
#include <math.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/uri.h>
#include <libxml/xmlerror.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#define TEXT_MAX (8u << 20)        /* canonical text cap: far above any real page */
#define WALK_DEPTH_MAX 512          /* deeper markup is hostile, not content */

/* ---------------------------------------------------------------------- */
/* ignore rules                                                            */

/* Update stamps and counters that French state sites print on every page.
 * They change without the procedure changing. The date alternatives mirror
 * facts.c, which reads the same stamp as page_updated before it goes. */
#define DATE_RE "(?:\\d{1,2}\\s*[/.-]\\s*\\d{1,2}\\s*[/.-]\\s*\\d{2,4}" \
	"|\\d{1,2}(?:er)?\\s+(?:janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[ûu]t" \
	"|septembre|octobre|novembre|d[ée]cembre)\\s+\\d{4}|\\d{4}-\\d{2}-\\d{2})" \
	"(?:\\s*(?:à|-)\\s*\\d{1,2}\\s*[h:]\\s*\\d{2})?"

static const char *const builtin_ignore[] = {
	"(?i)(?:(?:date\\s+de\\s+(?:la\\s+)?)?derni[èe]re\\s+)?mise?\\s+à\\s+jour\\s*(?:le\\s*)?:?\\s*(?:le\\s*)?" DATE_RE,
	"(?i)\\b(?:publi[ée]e?|modifi[ée]e?|actualis[ée]e?|cr[ée]{2}e?)\\s+le\\s*:?\\s*" DATE_RE,
	"(?i)\\bvue?s?\\s+\\d[\\d\\s.]*\\s+fois\\b",
	"(?i)\\b(?:nombre\\s+de\\s+)?(?:vues|consultations|lectures)\\s*:\\s*\\d[\\d\\s.]*",
};

/* On a démarches-simplifiées procedure page (recognised by its markup,
 * whatever the host: the service moves to numerique.gouv.fr) the sign-in
 * call-out (FranceConnect, ProConnect, AgentConnect, "J'ai déjà un
 * compte", "Créer un compte"), the estimated filling time, the processing
 * times recomputed from statistics ("délais d'instruction") and the
 * decision dates computed from today are page furniture: lines holding
 * them go. */
static const char *const ds_line_ignore =
	"(?im)^.*(?:temps\\s+de\\s+(?:traitement|remplissage)|d[ée]lai\\s+(?:de\\s+traitement|estim[ée])"
	"|d[ée]lais?\\s+d['’]instruction|au\\s+plus\\s+tard\\s+le|franceconnect|france\\s+connect"
	"|pro\\s*connect|agent\\s*connect|se\\s+connecter|identifiez[- ]vous|vous\\s+identifier"
	"|s['’]identifier|j['’]ai\\s+d[ée]j[àa]\\s+un\\s+compte"
	"|cr[ée]er\\s+un\\s+compte|commencer\\s+la\\s+d[ée]marche|mot\\s+de\\s+passe).*$";

struct rx {
	pcre2_code *code;
	pcre2_match_data *md;
};

static struct {
	bool done;
	bool ok;
	struct rx ignore[PW_ARRAY_SIZE(builtin_ignore)];
	struct rx ds_lines;
	struct rx bare_url;
	pcre2_match_context *mctx;
} builtins;

/* A URL written out as text (not a [text](url) link): the same pattern as
 * facts.c's, so that both see the same URLs. */
static const char *const bare_url_rule = "(?<![(\\[\\w/:.@-])https?://[^\\s<>()\\[\\]]+";

struct extract_rules {
	char *select_src;
	xmlXPathCompExprPtr select;
	struct strvec exclude_src;
	xmlXPathCompExprPtr *exclude;
	size_t n_ignore;
	struct rx *ignore;
	struct strvec ignore_src;
	struct strvec ignore_params; /* link parameters dropped beside the built-in table */
	char fingerprint[PW_HASH_HEX];
	bool uses_ids;             /* an XPath calls id(): the parser must index ids */
};

static void silent_error(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static void silent_structured(void *ctx, xmlErrorPtr err)
{
	(void)ctx;
	(void)err;
}

/* libxml2 prints parse and XPath errors to stderr by default; pages are
 * broken all the time and that is not news. */
static void libxml_init(void)
{
	static bool done;
	if (done)
		return;
	done = true;
	xmlInitParser();
	xmlSetGenericErrorFunc(NULL, silent_error);
	xmlSetStructuredErrorFunc(NULL, silent_structured);
}

static int rx_compile(struct rx *rx, const char *pattern, uint32_t extra, char **err)
{
	struct pw_regex_error e;

	rx->code = pw_regex_compile(pattern, PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF | extra,
				    &rx->md, &e);
	if (!rx->code) {
		if (err)
			*err = xasprintf("invalid ignore pattern '%s': %s at offset %zu",
					 pattern, e.msg, e.offset);
		return -1;
	}
	return 0;
}

static void rx_release(struct rx *rx)
{
	pcre2_match_data_free(rx->md);
	pcre2_code_free(rx->code);
	rx->md = NULL;
	rx->code = NULL;
}

static bool builtins_init(void)
{
	char *err = NULL;

	if (builtins.done)
		return builtins.ok;
	builtins.done = true;
	libxml_init();
	builtins.mctx = pw_regex_match_context();
	for (size_t i = 0; i < PW_ARRAY_SIZE(builtin_ignore); i++) {
		if (rx_compile(&builtins.ignore[i], builtin_ignore[i], 0, &err) < 0)
			goto fail;
	}
	if (rx_compile(&builtins.ds_lines, ds_line_ignore, 0, &err) < 0)
		goto fail;
	if (rx_compile(&builtins.bare_url, bare_url_rule, 0, &err) < 0)
		goto fail;
	builtins.ok = true;
	return true;
fail:
	/* A bug in the table above, not a page problem. */
	log_error(_("built-in extraction pattern: %s"), err);
	free(err);
	return false;
}

/* True when the XPath expression may call id() (a name ending in "id"
 * before "(", spaces allowed): only then does the parser index the page's
 * id attributes, which costs a fifth of the parse on pages full of ids and
 * duplicate-id errors. Erring towards true only costs time. */
static bool calls_id(const char *xpath)
{
	for (const char *p = xpath; (p = strstr(p, "id")) != NULL; p += 2) {
		const char *q = p + 2;
		while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
			q++;
		/* "valid(" is not id(); "-id(" may be (a minus), so it counts */
		char b = p > xpath ? p[-1] : ' ';
		bool name_before = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
				   (b >= '0' && b <= '9') || b == '_';
		if (*q == '(' && !name_before)
			return true;
	}
	return false;
}

void extract_rules_fingerprint_of(const char *select, const struct strvec *exclude,
				  const struct strvec *ignore, char out[PW_HASH_HEX])
{
	extract_rules_fingerprint_of_params(select, exclude, ignore, NULL, out);
}

static void fingerprint_version(int version, const char *select, const struct strvec *exclude,
				const struct strvec *ignore, const struct strvec *params,
				char out[PW_HASH_HEX])
{
	struct buf fp = BUF_INIT;
	buf_printf(&fp, "extractor %d\n", version);
	if (select && *select)
		buf_printf(&fp, "select %zu:%s\n", strlen(select), select);
	for (size_t i = 0; exclude && i < exclude->n; i++)
		buf_printf(&fp, "exclude %zu:%s\n", strlen(exclude->v[i]), exclude->v[i]);
	for (size_t i = 0; ignore && i < ignore->n; i++)
		buf_printf(&fp, "ignore %zu:%s\n", strlen(ignore->v[i]), ignore->v[i]);
	for (size_t i = 0; params && i < params->n; i++)
		buf_printf(&fp, "ignore_param %zu:%s\n", strlen(params->v[i]), params->v[i]);
	pw_hash_hex(buf_str(&fp), fp.len, out);
	buf_release(&fp);
}

void extract_rules_fingerprint_of_params(const char *select, const struct strvec *exclude,
					 const struct strvec *ignore, const struct strvec *params,
					 char out[PW_HASH_HEX])
{
	fingerprint_version(PW_EXTRACTOR_VERSION, select, exclude, ignore, params, out);
}

bool extract_rules_only_extractor_changed(const struct extract_rules *r, const char *stored_fp)
{
	char fp[PW_HASH_HEX];
	if (!stored_fp)
		return false;
	for (int v = 1; v < PW_EXTRACTOR_VERSION; v++) {
		if (r)
			fingerprint_version(v, r->select_src, &r->exclude_src, &r->ignore_src,
					    &r->ignore_params, fp);
		else
			fingerprint_version(v, NULL, NULL, NULL, NULL, fp);
		if (!strcmp(fp, stored_fp))
			return true;
	}
	return false;
}

struct extract_rules *extract_rules_new(const char *select, const struct strvec *exclude,
					const struct strvec *ignore, char **err)
{
	return extract_rules_new_params(select, exclude, ignore, NULL, err);
}

struct extract_rules *extract_rules_new_params(const char *select, const struct strvec *exclude,
					       const struct strvec *ignore,
					       const struct strvec *params, char **err)
{
	struct extract_rules *r = xcalloc(1, sizeof(*r));

	if (err)
		*err = NULL;
	if (!builtins_init()) {
		if (err)
			*err = xstrdup("built-in extraction patterns failed to compile");
		goto fail;
	}
	if (select && *select) {
		r->select_src = xstrdup(select);
		r->select = xmlXPathCompile((const xmlChar *)select);
		if (!r->select) {
			if (err)
				*err = xasprintf("invalid select XPath '%s'", select);
			goto fail;
		}
		r->uses_ids = r->uses_ids || calls_id(select);
	}
	if (exclude && exclude->n) {
		r->exclude = xcalloc(exclude->n, sizeof(*r->exclude));
		for (size_t i = 0; i < exclude->n; i++) {
			strvec_push(&r->exclude_src, exclude->v[i]);
			r->exclude[i] = xmlXPathCompile((const xmlChar *)exclude->v[i]);
			if (!r->exclude[i]) {
				if (err)
					*err = xasprintf("invalid exclude XPath '%s'", exclude->v[i]);
				goto fail;
			}
			r->uses_ids = r->uses_ids || calls_id(exclude->v[i]);
		}
	}
	if (ignore && ignore->n) {
		r->ignore = xcalloc(ignore->n, sizeof(*r->ignore));
		for (size_t i = 0; i < ignore->n; i++) {
			/* ^ and $ mean line starts and ends: the text is line based. */
			if (rx_compile(&r->ignore[i], ignore->v[i], PCRE2_MULTILINE, err) < 0)
				goto fail;
			r->n_ignore = i + 1;
		}
	}
	for (size_t i = 0; params && i < params->n; i++)
		strvec_push(&r->ignore_params, params->v[i]);
	for (size_t i = 0; ignore && i < ignore->n; i++)
		strvec_push(&r->ignore_src, ignore->v[i]);
	extract_rules_fingerprint_of_params(select, exclude, ignore, params, r->fingerprint);
	return r;
fail:
	extract_rules_free(r);
	return NULL;
}

const char *extract_rules_fingerprint(const struct extract_rules *r)
{
	static char none[PW_HASH_HEX];
	if (!r) {
		/* The fingerprint of "no page rules": built-ins only. */
		extract_rules_fingerprint_of(NULL, NULL, NULL, none);
		return none;
	}
	return r->fingerprint;
}

void extract_rules_free(struct extract_rules *r)
{
	if (!r)
		return;
	free(r->select_src);
	if (r->select)
		xmlXPathFreeCompExpr(r->select);
	for (size_t i = 0; i < r->exclude_src.n; i++) {
		if (r->exclude && r->exclude[i])
			xmlXPathFreeCompExpr(r->exclude[i]);
	}
	free(r->exclude);
	strvec_release(&r->exclude_src);
	for (size_t i = 0; i < r->n_ignore; i++)
		rx_release(&r->ignore[i]);
	free(r->ignore);
	strvec_release(&r->ignore_params);
	strvec_release(&r->ignore_src);
	free(r);
}

/* Removes every match of rx from text (len bytes) into out. A pattern that
 * hits its match limit is abandoned for this text, not fatal. */
static void rx_remove(const struct rx *rx, const char *text, size_t len, struct buf *out)
{
	PCRE2_SIZE start = 0, copied = 0;

	buf_reset(out);
	while (start <= len) {
		int rc = pcre2_match(rx->code, (PCRE2_SPTR)text, len, start, 0, rx->md, builtins.mctx);
		if (rc < 0) {
			if (rc != PCRE2_ERROR_NOMATCH)
				log_debug("ignore pattern abandoned on this page (pcre2 error %d)", rc);
			break;
		}
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(rx->md);
		if (ov[1] < ov[0])
			break; /* \K tricks: leave the text alone */
		buf_add(out, text + copied, ov[0] - copied);
		copied = ov[1];
		if (ov[1] == ov[0]) {
			/* Empty match: step over one whole character. */
			if (ov[1] >= len)
				break;
			size_t n = utf8_seq_len((const unsigned char *)text + ov[1], len - ov[1]);
			buf_add(out, text + ov[1], n ? n : 1);
			copied = ov[1] + (n ? n : 1);
			start = copied;
		} else {
			start = ov[1];
		}
	}
	if (copied < len)
		buf_add(out, text + copied, len - copied);
}

/* Rewrites every URL written out in text (len bytes) in its canonical
 * form (url_canonical), into out: a session token in a URL printed on the
 * page is no more a change than one in a link. Trailing punctuation is
 * not part of the URL. */
static void canonicalise_bare_urls(const char *text, size_t len, const struct strvec *params,
				   struct buf *out)
{
	PCRE2_SIZE start = 0, copied = 0;

	buf_reset(out);
	while (start < len) {
		int rc = pcre2_match(builtins.bare_url.code, (PCRE2_SPTR)text, len, start, 0,
				     builtins.bare_url.md, builtins.mctx);
		if (rc < 0)
			break;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(builtins.bare_url.md);
		size_t n = ov[1] - ov[0];
		while (n && strchr(".,;:!?'\"»", text[ov[0] + n - 1]))
			n--;
		char *u = xstrndup(text + ov[0], n);
		char *c = url_canonical(u, params);
		buf_add(out, text + copied, ov[0] - copied);
		buf_addstr(out, c);
		copied = ov[0] + n;
		start = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
		free(c);
		free(u);
	}
	if (copied < len)
		buf_add(out, text + copied, len - copied);
}

/* ---------------------------------------------------------------------- */
/* the writer: canonical text from a stream of words and breaks           */

struct writer {
	struct buf out;
	bool space;            /* a space is due before the next word */
	int brk;               /* line breaks due before the next word (0..2) */
	int inline_only;       /* > 0 in links and table cells: breaks are spaces */
	int li_depth;          /* > 0 inside list items: blocks are single breaks */
	const char *prefix;    /* list marker or heading marks, written with the next word */
	char prefix_buf[64];
	int indent;            /* continuation indent of the current list item */
	bool link_pending;     /* a link is open: "[" goes before its first word */
	bool link_started;
	bool cell_sep;         /* " | " is due before the next word */
	const char *base;      /* resolves links */
	const struct strvec *params; /* the page's ignore_params (borrowed, may be NULL) */
};

static void w_break(struct writer *w, int n)
{
	if (w->inline_only) {
		w->space = true;
		return;
	}
	if (w->li_depth && n > 1)
		n = 1;
	if (n > w->brk)
		w->brk = n;
	w->space = false;
}

static void w_word(struct writer *w, const char *s, size_t n)
{
	struct buf *o = &w->out;

	if (o->len == 0) {
		w->brk = 0;
		w->space = false;
	}
	if (w->brk || o->len == 0) {
		for (int i = 0; i < w->brk; i++)
			buf_addch(o, '\n');
		w->brk = 0;
		w->space = false;
		if (w->prefix) {
			buf_addstr(o, w->prefix);
			w->prefix = NULL;
		} else {
			for (int i = 0; i < w->indent; i++)
				buf_addch(o, ' ');
		}
	}
	if (w->cell_sep) {
		buf_addstr(o, " | ");
		w->cell_sep = false;
		w->space = false;
	}
	if (w->space) {
		buf_addch(o, ' ');
		w->space = false;
	}
	if (w->link_pending && !w->link_started) {
		buf_addch(o, '[');
		w->link_started = true;
	}
	buf_add(o, s, n);
}

static bool is_space_cp(uint32_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' ||
	       c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
	       c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000 || c == 0x85;
}

/* Characters that are not text: controls, soft hyphen, zero-width
 * characters, BOM, and the Unicode bidi controls (marks U+200E/U+200F and
 * U+061C, embeddings and overrides U+202A-U+202E, isolates U+2066-U+2069),
 * which reorder what a reader sees and would otherwise make two equal
 * sentences differ, or a displayed one differ from its bytes. */
static bool is_invisible_cp(uint32_t c)
{
	return c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) || c == 0xAD || c == 0x061C ||
	       (c >= 0x200B && c <= 0x200F) || (c >= 0x202A && c <= 0x202E) || c == 0x2060 ||
	       (c >= 0x2066 && c <= 0x2069) || c == 0xFEFF;
}

/* Feeds text as words: spaces fold into the writer's pending space,
 * invisible characters vanish, invalid bytes become U+FFFD. Words are
 * written straight from the text node (no copy): a word split by an
 * invisible character is written in pieces that join up. */
static void w_text(struct writer *w, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t len = strlen(text), word = 0; /* start of the pending piece */
	bool in_word = false;

	for (size_t i = 0; i < len;) {
		unsigned char c0 = p[i];
		size_t n;
		uint32_t c;

		if (c0 < 0x80) {
			/* ASCII fast path: most of every page. */
			if (c0 == ' ' || c0 == '\t' || c0 == '\n' || c0 == '\r' || c0 == '\f' || c0 == '\v') {
				if (in_word)
					w_word(w, text + word, i - word);
				in_word = false;
				w->space = true;
			} else if (c0 < 0x20 || c0 == 0x7F) {
				if (in_word)
					w_word(w, text + word, i - word);
				in_word = false;
			} else if (!in_word) {
				in_word = true;
				word = i;
			}
			i++;
			continue;
		}
		n = utf8_seq_len(p + i, len - i);
		if (n == 0) {
			if (in_word)
				w_word(w, text + word, i - word);
			in_word = false;
			w_word(w, "\xEF\xBF\xBD", 3);
			i++;
			continue;
		}
		c = utf8_decode(p + i, n);
		if (is_space_cp(c) || is_invisible_cp(c)) {
			if (in_word)
				w_word(w, text + word, i - word);
			in_word = false;
			if (is_space_cp(c))
				w->space = true;
		} else if (!in_word) {
			in_word = true;
			word = i;
		}
		i += n;
	}
	if (in_word)
		w_word(w, text + word, len - word);
}

/* Same normalisation for short strings (title, h1): one line, trimmed. */
static char *norm_line(const char *text)
{
	struct writer w;
	memset(&w, 0, sizeof(w));
	buf_init(&w.out, 64 * 1024);
	w.inline_only = 1;
	w_text(&w, text ? text : "");
	return buf_detach(&w.out, NULL);
}

/* ---------------------------------------------------------------------- */
/* element helpers                                                         */

static bool name_is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->name && !strcmp((const char *)n->name, name);
}

static bool name_in(const xmlNode *n, const char *const *names)
{
	if (n->type != XML_ELEMENT_NODE || !n->name)
		return false;
	for (; *names; names++) {
		if (!strcmp((const char *)n->name, *names))
			return true;
	}
	return false;
}

static const char *attr(const xmlNode *n, const char *name)
{
	for (const xmlAttr *a = n->properties; a; a = a->next) {
		if (a->name && !strcasecmp((const char *)a->name, name)) {
			if (a->children && (a->children->type == XML_TEXT_NODE) && a->children->content)
				return (const char *)a->children->content;
			return "";
		}
	}
	return NULL;
}

static bool has_attr(const xmlNode *n, const char *name)
{
	return attr(n, name) != NULL;
}

/* Whether the whitespace-separated list s holds a token starting with
 * prefix (whole token when exact). */
static bool token_match(const char *s, const char *prefix, bool exact)
{
	size_t pl = strlen(prefix);
	while (s && *s) {
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f')
			s++;
		const char *t = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '\n' && *s != '\r' && *s != '\f')
			s++;
		size_t tl = (size_t)(s - t);
		if (tl >= pl && !strncasecmp(t, prefix, pl) && (!exact || tl == pl))
			return true;
	}
	return false;
}

static bool contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; hay && *hay; hay++) {
		if (!strncasecmp(hay, needle, n))
			return true;
	}
	return false;
}

static int heading_level(const xmlNode *n)
{
	if (n->type != XML_ELEMENT_NODE || !n->name)
		return 0;
	const char *s = (const char *)n->name;
	if (s[0] == 'h' && s[1] >= '1' && s[1] <= '6' && !s[2])
		return s[1] - '0';
	return 0;
}

static const char *const dropped_elements[] = {
	"script", "style", "noscript", "template", "svg", "math", "iframe", "frame", "frameset",
	"object", "embed", "canvas", "audio", "video", "map", "img", "picture", "head",
	"input", "select", "textarea", "button", "option", "optgroup", "datalist", "label",
	"output", "progress", "meter", "nav", "aside", "dialog", "link", "meta", "title", NULL
};

/* Class or id tokens of chrome: prefix match unless marked exact. */
static const struct {
	const char *token;
	bool exact;
} chrome_tokens[] = {
	{ "fr-header", false }, { "fr-footer", false }, { "fr-nav", false },
	{ "fr-breadcrumb", false }, { "fr-follow", false }, { "fr-share", false },
	{ "fr-skiplink", false }, { "fr-consent", false }, { "fr-search-bar", false },
	{ "fr-sidemenu", false }, { "fr-pagination", false }, { "fr-sr-only", true },
	{ "fr-link--top", true }, { "fr-notice", false },
	{ "tarteaucitron", false }, { "cookie", false }, { "cookies", false }, { "consent", false },
	{ "didomi", false }, { "axeptio", false }, { "cc-banner", false }, { "cc-window", false },
	{ "breadcrumb", false }, { "ariane", false }, { "fil-ariane", false },
	{ "share", false }, { "sharing", false }, { "partage", false }, { "social", false },
	{ "reseaux-sociaux", false }, { "rezo", true }, { "addthis", false },
	{ "menu_outils", true }, { "liensAccessibilite", true }, { "skip-links", true },
	{ "skiplinks", true }, { "skip-link", true }, { "hidden", true }, { "sr-only", true },
	{ "visually-hidden", true }, { "element-invisible", true }, { "d-none", true },
	{ "print", true }, { "back-to-top", true }, { "pagination", true }, { "sidebar", true },
	{ "aside", true }, { "modal", true },
	/* DSFR furniture: the stepper of a multi-step form is where the
	 * visitor is, not what the page says; site-wide alert banners
	 * (weather, strikes) show on every page of the site */
	{ "fr-stepper", false }, { "fr-back-to-top", false }, { "alert-banner", false },
	{ "bandeau-alerte", false }, { "bandeau_alerte", false }, { "site-alert", false },
};

/* Design overlays: what a page is beside its site family. */
enum {
	OV_PRINT = 1,   /* a print layout ("/layout/set/print/"): its wrapper carries "print" */
	OV_BOOKING = 2, /* the préfectures' booking module ("/booking/create/NNN") */
};

/* In the booking module (class or id substrings): the steps bar, the
 * captcha (image, audio link, code field and its instructions) and the
 * slot pickers. The criteria above the form are the procedure. */
static const char *const booking_chrome[] = {
	"captcha", "etape", "step", "progress", "planning", "calendar", "calendrier", "creneau",
	"booking_nav", "nav_booking", NULL
};

/* On démarches-simplifiées (class substrings): the sign-in call-out
 * (FranceConnect, ProConnect and the DSFR "fr-connect" buttons),
 * statistics, estimated times, logos. */
static const char *const ds_chrome[] = {
	"procedure-auth", "france-connect", "franceconnect", "pro-connect", "proconnect",
	"agent-connect", "agentconnect", "fr-connect", "estimated", "procedure-stats", "stats",
	"login", "sign-in", "procedure-logos", "procedure-footer", NULL
};

static bool style_hidden(const char *style)
{
	if (!style)
		return false;
	/* Squeeze spaces so "display : none" is caught too. */
	char sq[256];
	size_t j = 0;
	for (size_t i = 0; style[i] && j + 1 < sizeof(sq); i++) {
		if (style[i] != ' ' && style[i] != '\t' && style[i] != '\n')
			sq[j++] = style[i];
	}
	sq[j] = '\0';
	return contains_ci(sq, "display:none") || contains_ci(sq, "visibility:hidden");
}

enum family { FAM_NONE, FAM_DSFR, FAM_EZ, FAM_DS, FAM_DILA, FAM_GENERIC };

/* Whether one of the whitespace-separated tokens of s is chrome. In a
 * print layout the token "print" (a print button elsewhere) marks the
 * wrapper of the whole page, so it is not chrome there. */
static bool chrome_token_in(const char *s, unsigned ov)
{
	while (s && *s) {
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f')
			s++;
		const char *t = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '\n' && *s != '\r' && *s != '\f')
			s++;
		size_t tl = (size_t)(s - t);
		if (!tl)
			break;
		for (size_t i = 0; i < PW_ARRAY_SIZE(chrome_tokens); i++) {
			const char *k = chrome_tokens[i].token;
			size_t kl = strlen(k);
			if ((k[0] | 0x20) != (t[0] | 0x20) || tl < kl)
				continue;
			if (!strncasecmp(t, k, kl) && (!chrome_tokens[i].exact || tl == kl) &&
			    !((ov & OV_PRINT) && tl == 5 && !strncasecmp(t, "print", 5)))
				return true;
		}
	}
	return false;
}

static bool is_chrome(const xmlNode *n, enum family fam, unsigned ov)
{
	const char *cls = attr(n, "class"), *id = attr(n, "id"), *role = attr(n, "role");
	const char *aria = attr(n, "aria-hidden");

	if (has_attr(n, "hidden") || (aria && !strcasecmp(aria, "true")) || style_hidden(attr(n, "style")))
		return true;
	if (role && (!strcasecmp(role, "navigation") || !strcasecmp(role, "banner") ||
		     !strcasecmp(role, "contentinfo") || !strcasecmp(role, "complementary") ||
		     !strcasecmp(role, "search") || !strcasecmp(role, "dialog")))
		return true;
	if (!cls && !id)
		return false;
	if (chrome_token_in(cls, ov) || chrome_token_in(id, ov))
		return true;
	if (ov & OV_BOOKING) {
		for (const char *const *t = booking_chrome; *t; t++) {
			if (contains_ci(cls, *t) || contains_ci(id, *t))
				return true;
		}
	}
	/* The old design's syndicated government news: not the page's text,
	 * and it changes every day. */
	if (fam == FAM_EZ && token_match(id, "gouvernement", true))
		return true;
	if (fam == FAM_DS) {
		for (const char *const *t = ds_chrome; *t; t++) {
			if (contains_ci(cls, *t) || contains_ci(id, *t))
				return true;
		}
		/* the call-out's buttons (sign in, create an account, start):
		 * a procedure description is plain text, never a button */
		if (token_match(cls, "fr-btn", false))
			return true;
	}
	return false;
}

/* Whether the class list cls names a box title ("fr-share__title",
 * "fr-callout__title", "titre-bloc"): a title that is not a heading. */
static bool title_class(const char *cls)
{
	return contains_ci(cls, "title") || contains_ci(cls, "titre");
}

/* "Dans la même rubrique" and friends: lists of sibling pages; and the
 * boxes every page of a site carries under its text: share, feedback
 * (« Votre avis nous intéresse », « Cette page vous a-t-elle été
 * utile ? »), back to top. A heading, or a box title (title_class). */
static bool is_related_heading(const xmlNode *n)
{
	static const char *const starts[] = {
		"dans la même rubrique", "dans la meme rubrique", "dans cette rubrique",
		"sur le même sujet", "sur le meme sujet", "voir aussi", "à voir aussi",
		"à lire aussi", "lire aussi", "pages associées", "articles associés",
		"dans la même thématique", "partager", "votre avis nous intéresse",
		"votre avis nous interesse", "donnez votre avis", "donnez-nous votre avis",
		"je donne mon avis", "cette page vous a-t-elle été utile",
		"cette page vous a t-elle été utile", "avez-vous trouvé ce que vous cherchiez",
		"haut de page", "retour en haut", NULL
	};
	if (!heading_level(n) && !(n->type == XML_ELEMENT_NODE && title_class(attr(n, "class"))))
		return false;
	xmlChar *raw = xmlNodeGetContent(n);
	char *t = norm_line((const char *)raw);
	bool hit = false;
	for (const char *const *s = starts; *s && !hit; s++)
		hit = !strncasecmp(t, *s, strlen(*s));
	free(t);
	xmlFree(raw);
	return hit;
}

static const xmlNode *first_element_child(const xmlNode *n)
{
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type == XML_ELEMENT_NODE)
			return c;
		if (c->type == XML_TEXT_NODE && c->content) {
			for (const xmlChar *p = c->content; *p; p++) {
				if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
					return NULL;
			}
		}
	}
	return NULL;
}

/* ---------------------------------------------------------------------- */
/* links                                                                   */

/* Query (and path) parameters that name a visit, not a page: a session
 * or a campaign. They change from one fetch to the next, or from one
 * newsletter to the next, and a link carrying them is the same link.
 * One table, documented in README.md ("Links"); a watchlist extends it
 * with `ignore_params:` (page or defaults). Names are matched without
 * case; a prefix entry covers every name starting with it. A SESSION
 * parameter whose value is a short number is kept: that is an id
 * ("?sid=12", a section), not a session. */
enum param_kind { PARAM_TRACKING, PARAM_SESSION };

static const struct {
	const char *name;
	bool prefix;
	enum param_kind kind;
} volatile_params[] = {
	/* sessions and per-visit tokens */
	{ "phpsessid", false, PARAM_SESSION }, { "jsessionid", false, PARAM_SESSION },
	{ "aspsessionid", true, PARAM_SESSION }, { "sid", false, PARAM_SESSION },
	{ "sessionid", false, PARAM_SESSION }, { "session_id", false, PARAM_SESSION },
	{ "sessid", false, PARAM_SESSION }, { "cfid", false, PARAM_SESSION },
	{ "cftoken", false, PARAM_SESSION }, { "token", false, PARAM_SESSION },
	{ "_token", false, PARAM_SESSION }, { "csrf_token", false, PARAM_SESSION },
	{ "csrfmiddlewaretoken", false, PARAM_SESSION }, { "authenticity_token", false, PARAM_SESSION },
	/* campaign and click tracking (Matomo/Piwik, AT Internet/Piano, Google,
	 * Meta, Microsoft, Mailchimp, HubSpot, Marketo...) */
	{ "utm_", true, PARAM_TRACKING }, { "mtm_", true, PARAM_TRACKING },
	{ "pk_", true, PARAM_TRACKING }, { "matomo_", true, PARAM_TRACKING },
	{ "piwik_", true, PARAM_TRACKING }, { "at_", true, PARAM_TRACKING },
	{ "xtor", false, PARAM_TRACKING }, { "_ga", false, PARAM_TRACKING },
	{ "_gl", false, PARAM_TRACKING }, { "gclid", false, PARAM_TRACKING },
	{ "gclsrc", false, PARAM_TRACKING }, { "dclid", false, PARAM_TRACKING },
	{ "gbraid", false, PARAM_TRACKING }, { "wbraid", false, PARAM_TRACKING },
	{ "fbclid", false, PARAM_TRACKING }, { "msclkid", false, PARAM_TRACKING },
	{ "yclid", false, PARAM_TRACKING }, { "twclid", false, PARAM_TRACKING },
	{ "ttclid", false, PARAM_TRACKING }, { "igshid", false, PARAM_TRACKING },
	{ "mc_cid", false, PARAM_TRACKING }, { "mc_eid", false, PARAM_TRACKING },
	{ "_hsenc", false, PARAM_TRACKING }, { "_hsmi", false, PARAM_TRACKING },
	{ "mkt_tok", false, PARAM_TRACKING },
};

#define RANDOM_MIN_LEN 16
#define RANDOM_MAX_LEN 512

/* Whether a parameter value looks like a random token (a session id, a
 * signature): RANDOM_MIN_LEN to RANDOM_MAX_LEN characters of
 * [A-Za-z0-9_-] only; letters and digits both; densely mixed, that is a
 * change between letter and digit or between lower and upper case from
 * one character to the next at least once every 4 characters (separators
 * do not count); and a Shannon entropy of at least 3 bits a character.
 * Numbers of any length (ids: "?id=28866"), words, slugs and file names
 * ("Liste-des-pieces-2024-AES") are not. */
static bool value_looks_random(const char *v, size_t n)
{
	unsigned counts[128] = { 0 };
	size_t changes = 0, letters = 0, digits = 0;
	int prev = 0; /* class of the previous character: 1 lower, 2 upper, 3 digit, 0 other */
	double entropy = 0;

	if (n < RANDOM_MIN_LEN || n > RANDOM_MAX_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		int cls;
		if (c >= 'a' && c <= 'z')
			cls = 1;
		else if (c >= 'A' && c <= 'Z')
			cls = 2;
		else if (c >= '0' && c <= '9')
			cls = 3;
		else if (c == '-' || c == '_')
			cls = 0;
		else
			return false;
		letters += cls == 1 || cls == 2;
		digits += cls == 3;
		if (cls && prev && cls != prev)
			changes++;
		prev = cls;
		counts[c]++;
	}
	if (!letters || !digits || changes * 4 < n)
		return false;
	for (size_t c = 0; c < PW_ARRAY_SIZE(counts); c++) {
		if (counts[c]) {
			double p = (double)counts[c] / (double)n;
			entropy -= p * log2(p);
		}
	}
	return entropy >= 3.0;
}

static bool all_digits(const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
	}
	return n > 0;
}

/* Whether "name=value" (n bytes) is a parameter a link is the same
 * without: listed above or in extra (a trailing '*' makes a prefix), or
 * with a random-looking value. */
static bool param_volatile(const char *p, size_t n, const struct strvec *extra)
{
	const char *eq = memchr(p, '=', n);
	size_t k = eq ? (size_t)(eq - p) : n;
	const char *v = eq ? eq + 1 : p + n;
	size_t vn = (size_t)(p + n - v);

	for (size_t i = 0; i < PW_ARRAY_SIZE(volatile_params); i++) {
		const char *name = volatile_params[i].name;
		size_t nl = strlen(name);
		if (volatile_params[i].prefix ? (k >= nl && !strncasecmp(p, name, nl))
					      : (k == nl && !strncasecmp(p, name, nl)))
			return volatile_params[i].kind == PARAM_TRACKING || !all_digits(v, vn) || vn > 10;
	}
	for (size_t i = 0; extra && i < extra->n; i++) {
		const char *name = extra->v[i];
		size_t nl = strlen(name);
		if (nl && name[nl - 1] == '*' ? (k >= nl - 1 && !strncasecmp(p, name, nl - 1))
					      : (k == nl && !strncasecmp(p, name, nl)))
			return true;
	}
	return value_looks_random(v, vn);
}

/* The query q (len bytes, without '?') without its volatile parameters,
 * empty pieces dropped, the rest sorted by name (stable: the values of a
 * repeated name keep their order), into out; out->len 0 when nothing is
 * left. */
static void canonical_query(const char *q, size_t len, const struct strvec *extra, struct buf *out)
{
	struct piece {
		const char *p;
		size_t n, k;
	} *v = NULL;
	size_t count = 0;

	for (const char *p = q, *end = q + len; p < end;) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		size_t n = amp ? (size_t)(amp - p) : (size_t)(end - p);
		if (n && !param_volatile(p, n, extra)) {
			v = xrealloc(v, (count + 1) * sizeof(*v));
			const char *eq = memchr(p, '=', n);
			v[count].p = p;
			v[count].n = n;
			v[count].k = eq ? (size_t)(eq - p) : n;
			count++;
		}
		p += n + 1;
	}
	/* insertion sort: queries are short, and it is stable */
	for (size_t i = 1; i < count; i++) {
		struct piece cur = v[i];
		size_t j = i;
		while (j > 0) {
			size_t m = v[j - 1].k < cur.k ? v[j - 1].k : cur.k;
			int c = memcmp(v[j - 1].p, cur.p, m);
			if (c < 0 || (c == 0 && v[j - 1].k <= cur.k))
				break;
			v[j] = v[j - 1];
			j--;
		}
		v[j] = cur;
	}
	buf_reset(out);
	for (size_t i = 0; i < count; i++) {
		if (i)
			buf_addch(out, '&');
		buf_add(out, v[i].p, v[i].n);
	}
	free(v);
}

/* The path without its volatile path parameters (";jsessionid=...",
 * up to the next '/', ';' or the end), into out. */
static void canonical_path(const char *path, const struct strvec *extra, struct buf *out)
{
	buf_reset(out);
	for (const char *p = path; *p;) {
		if (*p != ';') {
			size_t n = strcspn(p, ";");
			buf_add(out, p, n);
			p += n;
			continue;
		}
		size_t n = strcspn(p + 1, ";/");
		if (!n || !param_volatile(p + 1, n, extra))
			buf_add(out, p, n + 1);
		p += n + 1;
	}
}

/* Canonical form of an http(s) URL, parsed by libcurl: volatile query and
 * path parameters dropped, the query sorted, a tracking fragment
 * ("#xtor=...") dropped. NULL when curl cannot parse it. */
static char *canonical_http(const char *url, const struct strvec *extra)
{
	CURLU *u = curl_url();
	char *part = NULL, *out = NULL;
	struct buf b = BUF_INIT;

	if (!u) {
		pw_die_oom("curl_url");
	}
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_ALLOW_SPACE) != CURLUE_OK)
		goto cleanup;
	/* a user name or password in a link is never quoted to the editors */
	if (curl_url_set(u, CURLUPART_USER, NULL, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_PASSWORD, NULL, 0) != CURLUE_OK)
		goto cleanup;
	if (curl_url_get(u, CURLUPART_PATH, &part, 0) == CURLUE_OK && strchr(part, ';')) {
		canonical_path(part, extra, &b);
		if (curl_url_set(u, CURLUPART_PATH, buf_str(&b), 0) != CURLUE_OK)
			goto cleanup;
	}
	curl_free(part);
	part = NULL;
	if (curl_url_get(u, CURLUPART_QUERY, &part, 0) == CURLUE_OK) {
		canonical_query(part, strlen(part), extra, &b);
		if (curl_url_set(u, CURLUPART_QUERY, b.len ? buf_str(&b) : NULL, 0) != CURLUE_OK)
			goto cleanup;
	}
	curl_free(part);
	part = NULL;
	if (curl_url_get(u, CURLUPART_FRAGMENT, &part, 0) == CURLUE_OK &&
	    param_volatile(part, strlen(part), extra)) {
		if (curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) != CURLUE_OK)
			goto cleanup;
	}
	curl_free(part);
	part = NULL;
	if (curl_url_get(u, CURLUPART_URL, &part, 0) == CURLUE_OK)
		out = xstrdup(part);
cleanup:
	curl_free(part);
	curl_url_cleanup(u);
	buf_release(&b);
	return out;
}

char *url_canonical(const char *url, const struct strvec *extra)
{
	struct buf b = BUF_INIT, q = BUF_INIT;

	if (!strncasecmp(url, "http://", 7) || !strncasecmp(url, "https://", 8)) {
		char *out = canonical_http(url, extra);
		if (out)
			return out;
	}
	/* mailto:, tel:, relative, or what curl refuses: split by hand, only
	 * to drop the same parameters. */
	const char *qm = strchr(url, '?'), *h = strchr(url, '#');
	if (h && qm && qm > h)
		qm = NULL;
	buf_add(&b, url, qm ? (size_t)(qm - url) : h ? (size_t)(h - url) : strlen(url));
	if (qm) {
		const char *end = h ? h : qm + strlen(qm);
		canonical_query(qm + 1, (size_t)(end - qm - 1), extra, &q);
		if (q.len) {
			buf_addch(&b, '?');
			buf_add(&b, q.ptr, q.len);
		}
	}
	if (h && h[1] && !param_volatile(h + 1, strlen(h + 1), extra))
		buf_addstr(&b, h);
	buf_release(&q);
	return buf_detach(&b, NULL);
}

/* The canonical URL (url_canonical) with the characters that would break
 * the [text](url) form or the line encoded. */
static char *clean_url(const char *url, const struct strvec *extra)
{
	char *canon = url_canonical(url, extra);
	struct buf e = BUF_INIT;
	for (const char *p = canon; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == ' ')
			buf_addstr(&e, "%20");
		else if (c == '(')
			buf_addstr(&e, "%28");
		else if (c == ')')
			buf_addstr(&e, "%29");
		else if (c < 0x20 || c == 0x7F)
			continue;
		else
			buf_addch(&e, (char)c);
	}
	free(canon);
	return buf_detach(&e, NULL);
}

/* Whether a URL needs none of xmlBuildURI's care: printable ASCII, no
 * spaces, backslashes or dot segments. */
static bool simple_url_part(const char *u)
{
	for (const char *p = u; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= ' ' || c >= 0x7F || c == '\\' || c == '"' || c == '<' || c == '>')
			return false;
		if (c == '.' && p > u && p[-1] == '/' &&
		    (p[1] == '/' || p[1] == '\0' || p[1] == '?' || p[1] == '#' ||
		     (p[1] == '.' && (p[2] == '/' || p[2] == '\0' || p[2] == '?' || p[2] == '#'))))
			return false;
	}
	return true;
}

/* Length of "scheme://host[:port]" at the start of an http(s) base URL,
 * 0 if base is not one. */
static size_t url_origin_len(const char *base)
{
	const char *p;
	if (!strncasecmp(base, "http://", 7))
		p = base + 7;
	else if (!strncasecmp(base, "https://", 8))
		p = base + 8;
	else
		return 0;
	size_t h = strcspn(p, "/?#");
	if (h == 0 || memchr(p, '@', h) || !simple_url_part(base))
		return 0;
	return (size_t)(p - base) + h;
}

/* A link target we may show: http(s), mailto, tel, or no scheme at all.
 * Checked on the result, so that what browsers strip ("java\tscript:",
 * entities already decoded) cannot smuggle javascript:, data: or file: in. */
static bool shown_scheme(const char *u)
{
	size_t n = strspn(u, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
	if (u[n] != ':')
		return true;    /* relative */
	return (n == 4 && !strncasecmp(u, "http", 4)) || (n == 5 && !strncasecmp(u, "https", 5)) ||
	       (n == 6 && !strncasecmp(u, "mailto", 6)) || (n == 3 && !strncasecmp(u, "tel", 3));
}

static char *resolve_href_any(const char *href, const char *base, const struct strvec *extra);

/* The absolute, cleaned target of href, or NULL when the link is not a
 * target worth showing (in-page anchor, javascript:, other schemes). */
static char *resolve_href(const char *href, const char *base, const struct strvec *extra)
{
	char *out = resolve_href_any(href, base, extra);
	if (out && !shown_scheme(out)) {
		free(out);
		out = NULL;
	}
	return out;
}

static char *resolve_href_any(const char *href, const char *base, const struct strvec *extra)
{
	char *trimmed, *out = NULL;
	xmlChar *abs = NULL;
	size_t n;

	while (*href == ' ' || *href == '\t' || *href == '\n' || *href == '\r')
		href++;
	n = strlen(href);
	while (n && (href[n - 1] == ' ' || href[n - 1] == '\t' || href[n - 1] == '\n' || href[n - 1] == '\r'))
		n--;
	if (n == 0 || href[0] == '#' || !strncasecmp(href, "javascript:", 11) ||
	    !strncasecmp(href, "data:", 5))
		return NULL;
	trimmed = xstrndup(href, n);
	if (!strncasecmp(trimmed, "mailto:", 7) || !strncasecmp(trimmed, "tel:", 4)) {
		out = clean_url(trimmed, extra);
		free(trimmed);
		return out;
	}
	/* Fast paths for the two common forms (libxml2's URI parser is a
	 * noticeable share of the per-page cost on link-heavy pages): an
	 * absolute http(s) URL, and a root-relative path. Anything with dot
	 * segments, spaces or other oddities goes through xmlBuildURI. */
	if (simple_url_part(trimmed)) {
		if (!strncasecmp(trimmed, "http://", 7) || !strncasecmp(trimmed, "https://", 8)) {
			out = clean_url(trimmed, extra);
			free(trimmed);
			return out;
		}
		size_t origin = base ? url_origin_len(base) : 0;
		if (trimmed[0] == '/' && trimmed[1] != '/' && origin) {
			char *joined = xasprintf("%.*s%s", (int)origin, base, trimmed);
			out = clean_url(joined, extra);
			free(joined);
			free(trimmed);
			return out;
		}
	}
	if (base)
		abs = xmlBuildURI((const xmlChar *)trimmed, (const xmlChar *)base);
	if (!abs && base) {
		/* libxml2 refuses raw spaces; most sites have some. */
		xmlChar *esc = xmlURIEscapeStr((const xmlChar *)trimmed, (const xmlChar *)":/?#[]@!$&'()*+,;=%~");
		if (esc) {
			abs = xmlBuildURI(esc, (const xmlChar *)base);
			xmlFree(esc);
		}
	}
	out = clean_url(abs ? (const char *)abs : trimmed, extra);
	if (abs)
		xmlFree(abs);
	free(trimmed);
	return out;
}

/* ---------------------------------------------------------------------- */
/* the walk                                                                */

static const char *const block_elements[] = {
	"p", "div", "section", "article", "main", "header", "footer", "address", "blockquote",
	"pre", "figure", "figcaption", "fieldset", "legend", "details", "summary", "form",
	"hr", "center", "dl", "dt", "dd", "caption", "body", "html", "noframes", "hgroup", NULL
};

struct walk {
	struct writer w;
	enum family fam;
	unsigned ov;            /* OV_ bits */
	const xmlNode *root;
	int depth;
};

static char excluded_mark; /* node->_private points here for exclude nodes */

static void walk_children(struct walk *wk, const xmlNode *n);

static bool in_sectioning(const xmlNode *n, const xmlNode *root)
{
	for (const xmlNode *p = n->parent; p && p != root; p = p->parent) {
		if (name_is(p, "article") || name_is(p, "section"))
			return true;
	}
	return false;
}

/* An integer attribute as HTML's "rules for parsing integers" read it:
 * leading whitespace, an optional sign, then digits up to the first other
 * character ("7th" is 7). false when absent, without digits, or outside the
 * 32-bit range browsers keep (they then ignore the attribute): page
 * attributes are untrusted and must never overflow our arithmetic. */
static bool int_attr(const xmlNode *n, const char *name, long long *out)
{
	const char *s = attr(n, name);
	long long v = 0;
	bool neg = false;

	if (!s)
		return false;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f')
		s++;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (*s - '0');
		if (v > (long long)INT32_MAX + 1)
			return false;
	}
	if (neg)
		v = -v;
	if (v > INT32_MAX || v < INT32_MIN)
		return false;
	*out = v;
	return true;
}

/* The number of list item li of an <ol>: the list's start (default 1),
 * or the value of the nearest earlier item that has one, counted on. In
 * long long: 32-bit values plus a count of siblings cannot overflow it. */
static long long list_number(const xmlNode *li, bool *ordered)
{
	long long k = 0, v;

	*ordered = true;
	for (const xmlNode *s = li; s; s = s->prev) {
		if (!name_is(s, "li"))
			continue;
		if (int_attr(s, "value", &v))
			return v + k;
		k++;
	}
	if (!int_attr(li->parent, "start", &v))
		v = 1;
	return v + k - 1;
}

/* A link that is page furniture wherever it is: an in-page anchor whose
 * text is a skip or back-to-top link (« Haut de page », « Aller au
 * contenu »), or the state's feedback service (« Je donne mon avis »). */
static bool furniture_link(const xmlNode *a)
{
	static const char *const anchors[] = {
		"haut de page", "retour en haut", "remonter", "aller au contenu", "aller au menu",
		"aller à la recherche", "aller au pied de page", "accéder au contenu",
		"passer au contenu", "contenu", "menu", "recherche", "pied de page", NULL
	};
	static const char *const hosts[] = { "voxusagers.", "jedonnemonavis.", NULL };
	const char *href = attr(a, "href");
	bool hit = false;

	while (*href == ' ' || *href == '\t' || *href == '\n' || *href == '\r')
		href++;
	for (const char *const *h = hosts; *h; h++) {
		if (contains_ci(href, *h))
			return true;
	}
	if (href[0] != '#')
		return false;
	xmlChar *raw = xmlNodeGetContent(a);
	char *t = norm_line((const char *)raw);
	for (const char *const *s = anchors; *s && !hit; s++) {
		size_t k = strlen(*s);
		/* the whole text, or the phrase then more words */
		hit = !strncasecmp(t, *s, k) && (t[k] == '\0' || t[k] == ' ');
	}
	free(t);
	xmlFree(raw);
	return hit;
}

static void walk_element(struct walk *wk, const xmlNode *n);
/* An item of a list: on its own line, "- " or its number, indented by
 * the lists it is nested in; inside a table cell, just words. */
static void walk_list_item(struct walk *wk, const xmlNode *n)
{
	struct writer *w = &wk->w;
	int saved_indent = w->indent;
	if (w->inline_only) {
		w->space = true;
		walk_children(wk, n);
		w->space = true;
		return;
	}
	int nesting = 0;
	long long number = 0;
	bool ordered = false;
	for (const xmlNode *p = n->parent; p && p != wk->root->parent; p = p->parent) {
		if (name_is(p, "ul") || name_is(p, "ol") || name_is(p, "menu"))
			nesting++;
	}
	if (nesting == 0)
		nesting = 1;
	if (n->parent && name_is(n->parent, "ol"))
		number = list_number(n, &ordered);
	w_break(w, 1);
	int ind = (nesting - 1) * 2;
	if (ind > 40)
		ind = 40;
	int len;
	if (ordered)
		len = snprintf(w->prefix_buf, sizeof(w->prefix_buf), "%*s%lld. ", ind, "", number);
	else
		len = snprintf(w->prefix_buf, sizeof(w->prefix_buf), "%*s- ", ind, "");
	w->prefix = w->prefix_buf;
	w->indent = len > 0 ? len : 0;
	w->li_depth++;
	walk_children(wk, n);
	w->li_depth--;
	w->prefix = NULL;
	w->indent = saved_indent;
	w_break(w, 1);
}

/* A table row: one line, its cells' words separated (cell_sep), chrome
 * and excluded cells left out. */
static void walk_table_row(struct walk *wk, const xmlNode *n)
{
	struct writer *w = &wk->w;
	w_break(w, 1);
	bool saved_cell = w->cell_sep;
	size_t row_start = w->out.len;
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (name_is(c, "td") || name_is(c, "th")) {
			if (c->_private == &excluded_mark || is_chrome(c, wk->fam, wk->ov))
				continue;
			w->cell_sep = w->out.len > row_start;
			w->inline_only++;
			walk_children(wk, c);
			w->inline_only--;
			w->space = false;
		} else {
			walk_element(wk, c);
		}
	}
	w->cell_sep = saved_cell;
	w_break(w, 1);
}

/* A link: [words](canonical target), on one line; a furniture link
 * (skip links, "back to top") is left out, an unusable target leaves
 * the words alone. */
static void walk_link(struct walk *wk, const xmlNode *n)
{
	struct writer *w = &wk->w;
	if (furniture_link(n))
		return;
	char *url = resolve_href(attr(n, "href"), w->base, w->params);
	if (!url) {
		walk_children(wk, n);
		return;
	}
	w->link_pending = true;
	w->link_started = false;
	w->inline_only++;
	walk_children(wk, n);
	bool space_after = w->space;
	w->inline_only--;
	if (w->link_started) {
		buf_addstr(&w->out, "](");
		buf_addstr(&w->out, url);
		buf_addch(&w->out, ')');
	}
	w->space = space_after;
	w->link_pending = false;
	w->link_started = false;
	free(url);
}

static void walk_element(struct walk *wk, const xmlNode *n)
{
	struct writer *w = &wk->w;
	int level;

	if (n->_private == &excluded_mark)
		return;
	if (n != wk->root) {
		/* A button inside a heading is the heading's text (DSFR
		 * accordions); elsewhere it is a control. */
		if (name_in(n, dropped_elements) && !(name_is(n, "button") && n->parent && heading_level(n->parent)))
			return;
		/* the booking form's legends name its controls */
		if ((wk->ov & OV_BOOKING) && name_is(n, "legend"))
			return;
		if ((name_is(n, "header") || name_is(n, "footer")) && !in_sectioning(n, wk->root))
			return;
		if (is_chrome(n, wk->fam, wk->ov))
			return;
		const xmlNode *fc = first_element_child(n);
		if (fc && is_related_heading(fc))
			return;
	}
	if (wk->depth >= WALK_DEPTH_MAX)
		return;
	wk->depth++;

	if ((level = heading_level(n)) != 0) {
		w_break(w, 2);
		if (!w->inline_only && !w->li_depth) {
			snprintf(w->prefix_buf, sizeof(w->prefix_buf), "%.*s ", level, "######");
			w->prefix = w->prefix_buf;
		}
		walk_children(wk, n);
		w->prefix = NULL;
		w_break(w, 2);
	} else if (name_is(n, "ul") || name_is(n, "ol") || name_is(n, "menu")) {
		w_break(w, 2);
		walk_children(wk, n);
		w_break(w, 2);
	} else if (name_is(n, "li")) {
		walk_list_item(wk, n);
	} else if (name_is(n, "br")) {
		w_break(w, 1);
	} else if (name_is(n, "table")) {
		w_break(w, 2);
		walk_children(wk, n);
		w_break(w, 2);
	} else if (name_is(n, "tr")) {
		walk_table_row(wk, n);
	} else if (name_is(n, "a") && attr(n, "href") && !w->link_pending) {
		walk_link(wk, n);
	} else if (name_in(n, block_elements) || name_is(n, "li")) {
		w_break(w, 2);
		walk_children(wk, n);
		w_break(w, 2);
	} else {
		walk_children(wk, n);
	}
	wk->depth--;
}

static void walk_children(struct walk *wk, const xmlNode *n)
{
	int skip_level = 0; /* > 0: dropping a related-pages run until a heading this high */

	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			if (!skip_level && c->content)
				w_text(&wk->w, (const char *)c->content);
			continue;
		}
		if (c->type != XML_ELEMENT_NODE)
			continue;
		int level = heading_level(c);
		if (skip_level) {
			if (level && level <= skip_level)
				skip_level = 0;
			else
				continue;
		}
		if (level && c->_private != &excluded_mark && is_related_heading(c)) {
			skip_level = level;
			continue;
		}
		walk_element(wk, c);
	}
}

/* ---------------------------------------------------------------------- */
/* landmarks                                                               */

struct scan {
	const xmlNode *title, *base, *h1;
	const xmlNode *main_idmain;     /* <main id="main"> */
	const xmlNode *idmain_in_main;  /* #main inside a <main> (DSFR) */
	const xmlNode *idmain_rolemain; /* any #main[role=main] (old eZ design) */
	const xmlNode *role_main, *main_el, *article;
	const xmlNode *ds_root, *ds_title;
	const xmlNode *ds_desc;         /* .procedure-description (démarches-simplifiées) */
	bool ds_signin;                 /* its sign-in call-out: FranceConnect, ProConnect */
	const xmlNode *ez_view;         /* .content-view-full: eZ Publish's full view of a page */
	bool booking;                   /* a form posting to /booking/create/ (booking module) */
	bool dsfr, ez;
	int depth;
};

/* The class tokens that mark a site family, in one pass over the list. */
static void scan_classes(struct scan *s, const xmlNode *c, const char *cls)
{
	while (*cls) {
		while (*cls == ' ' || *cls == '\t' || *cls == '\n' || *cls == '\r' || *cls == '\f')
			cls++;
		const char *t = cls;
		while (*cls && *cls != ' ' && *cls != '\t' && *cls != '\n' && *cls != '\r' && *cls != '\f')
			cls++;
		size_t n = (size_t)(cls - t);
		if (n >= 3 && t[0] == 'f' && t[1] == 'r' && t[2] == '-') {
			if (!s->dsfr && ((n >= 9 && !strncmp(t, "fr-header", 9)) || (n >= 12 && !strncmp(t, "fr-container", 12))))
				s->dsfr = true;
			else if (n >= 10 && !strncmp(t, "fr-connect", 10))
				s->ds_signin = true;
		} else if (n == 10 && !strncmp(t, "mis_a_jour", 10)) {
			s->ez = true;
		} else if (n == 17 && !s->ez_view && !strncmp(t, "content-view-full", 17)) {
			s->ez_view = c;
		} else if (n == 17 && !s->ds_root && !strncmp(t, "procedure-preview", 17)) {
			s->ds_root = c;
		} else if (n == 15 && !s->ds_title && !strncmp(t, "procedure-title", 15)) {
			s->ds_title = c;
		} else if (n == 21 && !s->ds_desc && !strncmp(t, "procedure-description", 21)) {
			s->ds_desc = c;
		} else if ((n == 14 && !strncmp(t, "procedure-auth", 14)) ||
			   (n >= 14 && !strncmp(t, "france-connect", 14)) ||
			   (n >= 11 && !strncmp(t, "pro-connect", 11))) {
			s->ds_signin = true;
		}
	}
}

static void scan_tree(struct scan *s, const xmlNode *n, int in_main)
{
	if (s->depth >= WALK_DEPTH_MAX)
		return;
	s->depth++;
	for (const xmlNode *c = n; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || !c->name)
			continue;
		const char *name = (const char *)c->name;
		const char *id = attr(c, "id"), *cls = attr(c, "class"), *role = attr(c, "role");
		bool id_main = id && !strcmp(id, "main");
		bool role_main = role && !strcasecmp(role, "main");
		int sub_in_main = in_main;

		switch (name[0]) {
		case 't':
			if (!s->title && !strcmp(name, "title"))
				s->title = c;
			break;
		case 'b':
			if (!s->base && !strcmp(name, "base") && attr(c, "href"))
				s->base = c;
			break;
		case 'h':
			if (!s->h1 && !strcmp(name, "h1"))
				s->h1 = c;
			break;
		case 'm':
			if (!strcmp(name, "main")) {
				if (!s->main_el)
					s->main_el = c;
				if (id_main && !s->main_idmain)
					s->main_idmain = c;
				sub_in_main = 1;
			}
			break;
		case 'a':
			if (!s->article && !strcmp(name, "article"))
				s->article = c;
			break;
		case 'f':
			if (!s->booking && !strcmp(name, "form")) {
				const char *act = attr(c, "action");
				s->booking = act && strstr(act, "/booking/create/");
			}
			break;
		case 'l':
		case 's':
			if (!s->ez && (!strcmp(name, "link") || !strcmp(name, "script"))) {
				const char *u = attr(c, !strcmp(name, "link") ? "href" : "src");
				if (u && (strstr(u, "/ide_design/") || strstr(u, "ezwebin")))
					s->ez = true;
			}
			break;
		default:
			break;
		}
		if (id_main && in_main && !s->idmain_in_main)
			s->idmain_in_main = c;
		if (id_main && role_main && !s->idmain_rolemain)
			s->idmain_rolemain = c;
		if (role_main && !s->role_main)
			s->role_main = c;
		if (cls)
			scan_classes(s, c, cls);
		if (c->children)
			scan_tree(s, c->children, sub_in_main);
	}
	s->depth--;
}

static size_t text_len(const xmlNode *n, int depth)
{
	size_t len = 0;
	if (depth > WALK_DEPTH_MAX)
		return 0;
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type == XML_TEXT_NODE && c->content)
			len += strlen((const char *)c->content);
		else if (c->type == XML_ELEMENT_NODE && !name_in(c, dropped_elements))
			len += text_len(c, depth + 1);
	}
	return len;
}

/* The generic fallback: the element holding most of the page's paragraph
 * text. Taken as the deepest element holding at least 3/4 of all the
 * paragraph text, so that an extra wrapper div around some paragraphs
 * does not move it; then widened over wrappers whose other children are
 * only headings (the page's h1 often sits just outside the paragraphs'
 * box). Paragraphs in chrome do not count. */
static bool skip_for_paras(const xmlNode *c)
{
	return c->type != XML_ELEMENT_NODE || name_in(c, dropped_elements) ||
	       name_is(c, "header") || name_is(c, "footer") || is_chrome(c, FAM_GENERIC, 0);
}

static size_t para_text(const xmlNode *n, int depth)
{
	size_t sum = 0;
	if (depth > WALK_DEPTH_MAX)
		return 0;
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (skip_for_paras(c))
			continue;
		sum += name_is(c, "p") ? text_len(c, depth + 1) : para_text(c, depth + 1);
	}
	return sum;
}

static bool only_headings_beside(const xmlNode *n)
{
	for (const xmlNode *c = n->parent->children; c; c = c->next) {
		if (c == n)
			continue;
		if (c->type == XML_TEXT_NODE && c->content) {
			for (const xmlChar *p = c->content; *p; p++) {
				if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
					return false;
			}
		}
		if (skip_for_paras(c) || heading_level(c))
			continue;
		if (text_len(c, 0) > 0)
			return false;
	}
	return true;
}

static const xmlNode *densest(const xmlNode *top)
{
	size_t total = para_text(top, 0);
	const xmlNode *best = top;
	int depth = 0;

	if (total == 0)
		return NULL;
	for (bool down = true; down && depth < WALK_DEPTH_MAX; depth++) {
		down = false;
		for (const xmlNode *c = best->children; c; c = c->next) {
			if (skip_for_paras(c) || name_is(c, "p"))
				continue;
			if (para_text(c, 0) * 4 >= total * 3) {
				best = c;
				down = true;
				break;
			}
		}
	}
	while (best->parent && best->parent->type == XML_ELEMENT_NODE &&
	       !name_is(best->parent, "body") && !name_is(best->parent, "html") && only_headings_beside(best))
		best = best->parent;
	return best;
}

static const xmlNode *first_h1(const xmlNode *n, int depth)
{
	if (depth > WALK_DEPTH_MAX)
		return NULL;
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (name_is(c, "h1"))
			return c;
		const xmlNode *h = first_h1(c, depth + 1);
		if (h)
			return h;
	}
	return NULL;
}

/* The procedure block of a démarches-simplifiées page, recognised by its
 * markup on any host: the .procedure-preview block or the
 * h1.procedure-title's parent, else (newer designs) a DSFR page holding a
 * .procedure-description and the sign-in call-out, where the block is the
 * nearest ancestor of the description that holds the page's h1. */
static const xmlNode *ds_procedure_root(const struct scan *sc)
{
	if (sc->ds_root)
		return sc->ds_root;
	if (sc->ds_title && sc->ds_title->parent)
		return sc->ds_title->parent;
	if (!sc->ds_desc || !sc->ds_signin || !sc->dsfr)
		return NULL;
	for (const xmlNode *p = sc->ds_desc->parent; p && p->type == XML_ELEMENT_NODE; p = p->parent) {
		if (name_is(p, "main") || name_is(p, "body") || first_h1(p, 0))
			return p;
	}
	return sc->ds_desc;
}

/* ---------------------------------------------------------------------- */
/* text clean-up                                                           */

static bool only_marker(const char *s, size_t n)
{
	size_t i = 0;
	if (n == 0)
		return true;
	if (n == 1 && (s[0] == '-' || s[0] == '|' || s[0] == '*'))
		return true;
	while (i < n && s[i] == '#')
		i++;
	if (i == n)
		return true;
	i = 0;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	return i > 0 && i + 1 == n && s[i] == '.';
}

/* Folds spaces again, drops lines left empty (or holding only a list
 * marker) by removals, and keeps one blank line between blocks. */
static void renormalise(const char *text, size_t len, struct buf *out)
{
	struct buf line = BUF_INIT;
	bool blank_due = false;

	buf_reset(out);
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;
		size_t j = i, indent;

		buf_reset(&line);
		while (j < end && text[j] == ' ')
			j++;
		indent = j - i;
		/* Copy runs of non-spaces, one space between runs. */
		while (j < end) {
			size_t k = j;
			while (k < end && text[k] != ' ' && text[k] != '\t')
				k++;
			if (k > j) {
				if (line.len)
					buf_addch(&line, ' ');
				buf_add(&line, text + j, k - j);
			}
			j = k;
			while (j < end && (text[j] == ' ' || text[j] == '\t'))
				j++;
		}
		if (only_marker(buf_str(&line), line.len)) {
			blank_due = true;
		} else {
			if (out->len)
				buf_addstr(out, blank_due ? "\n\n" : "\n");
			buf_add(out, text + i, indent);
			buf_add(out, line.ptr, line.len);
			blank_due = false;
		}
		i = end + 1;
	}
	if (out->len)
		buf_addch(out, '\n');
	buf_release(&line);
}

/* ---------------------------------------------------------------------- */

static void mark_excluded(xmlXPathContextPtr ctx, xmlXPathCompExprPtr comp)
{
	xmlXPathObjectPtr obj = xmlXPathCompiledEval(comp, ctx);
	if (!obj)
		return;
	if (obj->type == XPATH_NODESET && obj->nodesetval) {
		for (int i = 0; i < obj->nodesetval->nodeNr; i++) {
			xmlNodePtr n = obj->nodesetval->nodeTab[i];
			if (n && n->type == XML_ELEMENT_NODE)
				n->_private = &excluded_mark;
		}
	}
	xmlXPathFreeObject(obj);
}

/* ---------------------------------------------------------------------- */
/* unclosed raw-text elements                                              */

#define RAW_REPAIRS_MAX 8

/* Whether "<..." at p (n bytes left) starts a tag for the element whose
 * raw text it is in. In CSS a '<' never starts anything, so any tag-like
 * "<x", "</" or "<!" does. In a script '<' is also an operator ("a<b",
 * "i<n"), so only the name of an HTML element followed by a tag's end
 * counts, and a one-letter one (a, b, i, p, u) only as "<p>". */
static bool tag_starts(const char *p, size_t n, bool script)
{
	static const char *const names[] = {
		"html", "head", "body", "title", "meta", "link", "style", "script", "noscript",
		"main", "div", "span", "section", "article", "header", "footer", "nav", "aside",
		"h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "table",
		"thead", "tbody", "tr", "td", "th", "form", "br", "hr", "img", "strong", "em",
		"blockquote", "figure", "address", "pre", "small", "iframe", "button", "label",
		"input", "select", "textarea", "abbr", "time", "picture", "svg", "a", "b", "i", "p",
		"u", NULL
	};
	size_t k = 1;

	if (n < 2 || p[0] != '<')
		return false;
	if (!script)
		return (p[1] >= 'a' && p[1] <= 'z') || (p[1] >= 'A' && p[1] <= 'Z') || p[1] == '/' ||
		       p[1] == '!';
	if (n >= 4 && !memcmp(p, "<!--", 4))
		return true;
	if (p[1] == '/')
		k = 2;
	for (const char *const *e = names; *e; e++) {
		size_t el = strlen(*e);
		if (n < k + el + 1 || strncasecmp(p + k, *e, el))
			continue;
		char after = p[k + el];
		if (after == '>' || (el > 1 && (after == ' ' || after == '\t' || after == '\n' ||
						 after == '\r' || after == '/')))
			return true;
	}
	return false;
}

/* The <style> or <script> that took the rest of src (len bytes) as its raw
 * text, when that text holds markup: then its name, and *at, the offset in
 * src where markup starts again (where the element should have been
 * closed). NULL when the page has no such element. Such an element runs to
 * the end of the document, so it is the last element in document order
 * and its text is the tail of src, save the CRs the parser folded into
 * line feeds. */
static const char *swallowed_raw_text(htmlDocPtr doc, const char *src, size_t len, size_t *at)
{
	const xmlNode *n = xmlDocGetRootElement(doc), *raw = NULL;
	const char *tag = NULL;
	xmlChar *content = NULL;

	for (int depth = 0; n && depth < WALK_DEPTH_MAX * 2; depth++) {
		if (name_is(n, "style") || name_is(n, "script"))
			raw = n;
		const xmlNode *last = n->last;
		while (last && last->type != XML_ELEMENT_NODE) {
			/* only the raw element's own text may follow it */
			if (last->type == XML_TEXT_NODE && last->content && last->content[strspn((const char *)last->content, " \t\r\n")])
				break;
			last = last->prev;
		}
		if (!last || last->type != XML_ELEMENT_NODE)
			break;
		n = last;
	}
	if (!raw)
		return NULL;
	content = xmlNodeGetContent(raw);
	if (!content)
		return NULL;
	{
		const char *c = (const char *)content;
		size_t clen = strlen(c), i = len, j = clen, cut = clen;
		bool script = name_is(raw, "script");

		for (size_t k = 0; k < clen; k++) {
			if (c[k] == '<' && tag_starts(c + k, clen - k, script)) {
				cut = k;
				break;
			}
		}
		if (cut == clen)
			goto done;
		/* Walk back from both ends to map cut to an offset of src. */
		while (j > cut) {
			if (i == 0)
				goto done;
			if (src[i - 1] == c[j - 1]) {
				i--;
				j--;
			} else if (src[i - 1] == '\r') {
				i--;
			} else {
				goto done; /* the element's text does not run to the end */
			}
		}
		*at = i;
		tag = script ? "script" : "style";
	}
done:
	xmlFree(content);
	return tag;
}

/* Parses UTF-8 html as htmlCtxtReadMemory() would, except that the id
 * attributes are indexed only when an XPath needs them (ids = true). The
 * caller frees *pctx (its error state tells whether the parser stopped). */
static htmlDocPtr parse_html(const char *html, size_t len, const char *base_url, bool ids,
			     htmlParserCtxtPtr *pctx)
{
	htmlParserCtxtPtr c = htmlCreateMemoryParserCtxt(len ? html : " ", len ? (int)len : 1);
	xmlCharEncodingHandlerPtr utf8 = xmlFindCharEncodingHandler("UTF-8");
	if (!c || !utf8 || !c->input) {
		pw_die_oom("HTML parser");
	}
	/* No HTML_PARSE_NOBLANKS: it drops whitespace-only text nodes, which
	 * glues "<b>a</b> <i>b</i>" into "ab". */
	htmlCtxtUseOptions(c, HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
			      HTML_PARSE_NOWARNING);
	if (!ids)
		c->loadsubset |= XML_SKIP_IDS;
	/* the body is already UTF-8 (charset.c): a <meta charset> must not
	 * switch the decoding again, which an input encoding prevents */
	xmlSwitchToEncoding(c, utf8);
	xmlFree((xmlChar *)c->input->encoding);
	c->input->encoding = xmlStrdup((const xmlChar *)"UTF-8");
	if (base_url && !c->input->filename)
		c->input->filename = (char *)xmlStrdup((const xmlChar *)base_url);
	htmlParseDocument(c);
	htmlDocPtr doc = c->myDoc;
	c->myDoc = NULL;
	*pctx = c;
	return doc;
}

/* Parses the page. An unclosed <style> or <script> takes the rest of the
 * page as its raw text: it is closed where markup starts again and the
 * page parsed once more. *stopped is set when the parser halted (markup
 * nested deeper than 256 elements) rather than recovered, which it says
 * on stderr. The document (NULL for no HTML at all) is the caller's. */
static htmlDocPtr parse_page(const char *html, size_t len, const char *base_url, bool ids,
			     bool *stopped)
{
	char *repaired = NULL;      /* the page with unclosed raw-text elements closed */
	size_t repaired_len = 0;
	htmlParserCtxtPtr pctx = NULL;
	htmlDocPtr doc = parse_html(html ? html : "", len, base_url, ids, &pctx);

	for (int tries = 0; tries < RAW_REPAIRS_MAX && doc && !pctx->disableSAX; tries++) {
		const char *src = repaired ? repaired : (html ? html : "");
		size_t src_len = repaired ? repaired_len : len, at;
		const char *tag = swallowed_raw_text(doc, src, src_len, &at);
		if (!tag || src_len > (size_t)INT_MAX - 16)
			break;
		log_warn(_("%s: an unclosed <%s> hid the rest of the page: closed where markup starts again"),
			 base_url ? base_url : "page", tag);
		struct buf fixed = BUF_INIT;
		buf_add(&fixed, src, at);
		buf_printf(&fixed, "</%s>", tag);
		buf_add(&fixed, src + at, src_len - at);
		free(repaired);
		repaired = buf_detach(&fixed, &repaired_len);
		xmlFreeDoc(doc);
		htmlFreeParserCtxt(pctx);
		doc = parse_html(repaired, repaired_len, base_url, ids, &pctx);
	}
	*stopped = pctx->disableSAX;
	if (*stopped) {
		const xmlError *xe = xmlCtxtGetLastError(pctx);
		const char *m = xe && xe->message ? xe->message : "fatal error";
		log_warn(_("%s: the HTML parser stopped before the end of the page (%.*s): "
			 "no text taken from it"), base_url ? base_url : "page",
			 (int)strcspn(m, "\n"), m);
	}
	htmlFreeParserCtxt(pctx);
	free(repaired);
	return doc;
}

/* Walks what the page's select rule picks (elements, text, attributes, or
 * a string) into wk's writer. Returns the first element picked (for the
 * heading), or NULL; *sel gets the XPath result, freed by the caller. */
static const xmlNode *walk_selected(struct walk *wk, const struct extract_rules *rules,
				    xmlXPathContextPtr xctx, xmlXPathObjectPtr *sel)
{
	const xmlNode *root = NULL;
	*sel = xmlXPathCompiledEval(rules->select, xctx);
	xmlXPathObjectPtr r = *sel;
	if (r && r->type == XPATH_NODESET && r->nodesetval) {
		for (int i = 0; i < r->nodesetval->nodeNr; i++) {
			xmlNodePtr n = r->nodesetval->nodeTab[i];
			if (!n)
				continue;
			if (!root && n->type == XML_ELEMENT_NODE)
				root = n;
			if (n->type == XML_ELEMENT_NODE) {
				wk->root = n;
				w_break(&wk->w, 2);
				walk_element(wk, n);
				w_break(&wk->w, 2);
			} else if (n->type == XML_TEXT_NODE || n->type == XML_ATTRIBUTE_NODE) {
				xmlChar *c = xmlNodeGetContent(n);
				w_break(&wk->w, 2);
				w_text(&wk->w, (const char *)c);
				xmlFree(c);
			}
		}
	} else if (r && r->type == XPATH_STRING && r->stringval) {
		w_text(&wk->w, (const char *)r->stringval);
	}
	return root;
}

/* Without a select rule: the procedure's root by the site family's
 * landmarks, most specific first, then generic ones, then the densest
 * paragraphs. Sets wk->fam (and OV_PRINT for the old CMS's print view);
 * *rule gets the rule's name for the report (owned). */
static const xmlNode *builtin_root(const struct scan *sc, htmlDocPtr doc, struct walk *wk,
				   char **rule)
{
	const xmlNode *root;
	const xmlNode *ds = ds_procedure_root(sc);
	if (ds) {
		root = ds;
		wk->fam = FAM_DS;
		*rule = xstrdup("builtin: demarches-simplifiees");
	} else if (sc->dsfr && (sc->idmain_in_main || sc->main_el)) {
		root = sc->idmain_in_main ? sc->idmain_in_main : sc->main_el;
		wk->fam = FAM_DSFR;
		*rule = xstrdup("builtin: dsfr");
	} else if (sc->ez && sc->idmain_rolemain) {
		root = sc->idmain_rolemain;
		wk->fam = FAM_EZ;
		*rule = xstrdup("builtin: ezpublish");
	} else if (sc->main_idmain && sc->main_idmain == sc->idmain_rolemain) {
		root = sc->main_idmain;
		wk->fam = FAM_DILA;
		*rule = xstrdup("builtin: accueil-etrangers");
	} else if (sc->ez_view && !sc->main_el && !sc->role_main && !sc->idmain_rolemain) {
		/* The old CMS's print layout (/layout/set/print/): no
		 * landmark at all, only the full view of the page, the
		 * same as in the normal layout. */
		root = sc->ez_view;
		wk->fam = FAM_EZ;
		wk->ov |= OV_PRINT;
		*rule = xstrdup("builtin: ezpublish print");
	} else if (sc->main_el) {
		root = sc->main_el;
		*rule = xstrdup("builtin: main");
	} else if (sc->role_main) {
		root = sc->role_main;
		*rule = xstrdup("builtin: role=main");
	} else if (sc->article) {
		root = sc->article;
		*rule = xstrdup("builtin: article");
	} else {
		const xmlNode *best = densest(xmlDocGetRootElement(doc));
		if (best) {
			root = best;
			*rule = xstrdup("builtin: densest paragraphs");
		} else {
			root = xmlDocGetRootElement(doc);
			*rule = xstrdup("builtin: whole page");
		}
	}
	if (wk->ov & OV_BOOKING) {
		char *r = xasprintf("%s (booking)", *rule);
		free(*rule);
		*rule = r;
	}
	return root;
}

/* The heading of the procedure: the first h1 in its root (or the root
 * itself), else the page's first h1. Owned, or NULL. */
static char *page_heading(const xmlNode *root, const struct scan *sc)
{
	const xmlNode *h = root ? first_h1(root, 0) : NULL;
	if (root && name_is(root, "h1"))
		h = root;
	if (!h)
		h = sc->h1;
	if (!h)
		return NULL;
	xmlChar *ht = xmlNodeGetContent(h);
	char *line = norm_line((const char *)ht);
	xmlFree(ht);
	return line;
}

/* Clean-up of the walked text: DS furniture lines, bare URLs made
 * canonical, the stamp (kept as a fact: *have_stamp, stamp), then the
 * built-in and page ignore rules, then whitespace again. Owned. */
static char *clean_text(const struct walk *wk, const struct extract_rules *rules, size_t *len,
			bool *have_stamp, char stamp[11], bool *truncated)
{
	const char *cur = buf_str(&wk->w.out);
	size_t cur_len = wk->w.out.len;
	struct buf t1, t2;
	struct buf *dst = &t1, *other = &t2;
	buf_init(&t1, TEXT_MAX);
	buf_init(&t2, TEXT_MAX);

	if (wk->fam == FAM_DS) {
		rx_remove(&builtins.ds_lines, cur, cur_len, dst);
		cur = buf_str(dst);
		cur_len = dst->len;
		struct buf *tmp = dst; dst = other; other = tmp;
	}
	if (strstr(cur, "://")) {
		canonicalise_bare_urls(cur, cur_len, wk->w.params, dst);
		cur = buf_str(dst);
		cur_len = dst->len;
		struct buf *tmp = dst; dst = other; other = tmp;
	}
	*have_stamp = facts_page_updated(cur, stamp);
	for (size_t i = 0; i < PW_ARRAY_SIZE(builtin_ignore); i++) {
		rx_remove(&builtins.ignore[i], cur, cur_len, dst);
		cur = buf_str(dst);
		cur_len = dst->len;
		struct buf *tmp = dst; dst = other; other = tmp;
	}
	for (size_t i = 0; rules && i < rules->n_ignore; i++) {
		rx_remove(&rules->ignore[i], cur, cur_len, dst);
		cur = buf_str(dst);
		cur_len = dst->len;
		struct buf *tmp = dst; dst = other; other = tmp;
	}
	renormalise(cur, cur_len, dst);
	if (!utf8_valid(buf_str(dst), dst->len)) {
		/* Cannot happen (every byte went through the writer), but the
		 * contract is valid UTF-8: never hand out anything else. */
		log_error(_("extraction produced invalid UTF-8: text dropped"));
		buf_reset(dst);
	}
	*truncated |= t1.toobig || t2.toobig;  /* a clean-up pass hit the cap */
	char *text = buf_detach(dst, len);
	buf_release(other);
	return text;
}

int extract_html(const char *html, size_t len, const char *base_url,
		 const struct extract_rules *rules, struct extraction *out, char **err)
{
	htmlDocPtr doc = NULL;
	xmlXPathContextPtr xctx = NULL;
	xmlXPathObjectPtr sel = NULL;
	xmlChar *base_abs = NULL;
	struct walk wk;
	struct scan sc;
	const xmlNode *root = NULL;
	char stamp[11];
	bool have_stamp = false, stopped = false;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	memset(&wk, 0, sizeof(wk));
	memset(&sc, 0, sizeof(sc));
	if (err)
		*err = NULL;
	if (!builtins_init()) {
		if (err)
			*err = xstrdup("built-in extraction patterns failed to compile");
		goto cleanup;
	}
	if (len > INT_MAX) {
		if (err)
			*err = xasprintf("cannot parse page: %zu bytes is too large", len);
		goto cleanup;
	}
	doc = parse_page(html, len, base_url, rules && rules->uses_ids, &stopped);
	/* A partial text would read as the procedure vanishing: take no text
	 * at all, so the page is classified as without content and its
	 * snapshot is kept. */
	if (stopped) {
		out->rule = xstrdup("none: parser stopped before the end");
		goto facts;
	}
	if (!doc && len > 0) {
		if (err)
			*err = xstrdup("cannot parse page: not HTML");
		goto cleanup;
	}
	if (!doc || !xmlDocGetRootElement(doc)) {
		/* An empty body is an empty page, not an error. */
		out->rule = xstrdup("none: empty document");
		goto facts;
	}

	scan_tree(&sc, xmlDocGetRootElement(doc), 0);
	if (sc.title) {
		xmlChar *tt = xmlNodeGetContent(sc.title);
		out->title = norm_line((const char *)tt);
		xmlFree(tt);
	}
	if (sc.base) {
		base_abs = base_url ? xmlBuildURI((const xmlChar *)attr(sc.base, "href"), (const xmlChar *)base_url)
				    : xmlStrdup((const xmlChar *)attr(sc.base, "href"));
	}
	wk.w.base = base_abs ? (const char *)base_abs : base_url;
	wk.w.params = rules ? &rules->ignore_params : NULL;
	buf_init(&wk.w.out, TEXT_MAX);

	if ((rules && (rules->select || rules->exclude_src.n))) {
		xctx = xmlXPathNewContext(doc);
		if (!xctx) {
			pw_die_oom("XPath context");
		}
		for (size_t i = 0; i < rules->exclude_src.n; i++)
			mark_excluded(xctx, rules->exclude[i]);
	}

	wk.fam = FAM_GENERIC;
	/* Overlays by markup or address, whatever the site family: a print
	 * layout, the booking module. */
	if (base_url && strstr(base_url, "/layout/set/print"))
		wk.ov |= OV_PRINT;
	if (sc.booking || (base_url && strstr(base_url, "/booking/create/")))
		wk.ov |= OV_BOOKING;
	if (rules && rules->select) {
		out->rule = xasprintf("select: %s", rules->select_src);
		root = walk_selected(&wk, rules, xctx, &sel);
	} else {
		root = builtin_root(&sc, doc, &wk, &out->rule);
		wk.root = root;
		walk_element(&wk, root);
	}
	out->heading = page_heading(root, &sc);
	if (wk.w.out.toobig) {
		log_warn(_("page text over %u bytes: truncated"), TEXT_MAX);
		out->truncated = true;
	}
	out->text = clean_text(&wk, rules, &out->text_len, &have_stamp, stamp, &out->truncated);
facts:
	if (!out->text)
		out->text = xstrdup("");
	out->text_len = strlen(out->text);
	{
		/* A démarches-simplifiées page is the online filing itself;
		 * on the booking module the filing is the appointment. */
		enum facts_page kind = FACTS_PAGE;
		if (wk.fam == FAM_DS && out->text_len)
			kind = FACTS_DS;
		else if ((wk.ov & OV_BOOKING) && out->text_len)
			kind = FACTS_BOOKING;
		facts_extract_page(out->text, kind, out->heading, &out->fields);
	}
	if (have_stamp)
		fieldset_add(&out->fields, "page_updated", stamp);
	ret = 0;
cleanup:
	buf_release(&wk.w.out);
	if (sel)
		xmlXPathFreeObject(sel);
	if (xctx)
		xmlXPathFreeContext(xctx);
	if (base_abs)
		xmlFree(base_abs);
	if (doc)
		xmlFreeDoc(doc);
	if (ret < 0)
		extraction_release(out);
	return ret;
}

void extraction_release(struct extraction *ex)
{
	if (!ex)
		return;
	free(ex->text);
	free(ex->title);
	free(ex->heading);
	free(ex->rule);
	fieldset_release(&ex->fields);
	memset(ex, 0, sizeof(*ex));
}
