/*
 * render.c - the guide as Markdown and as printable HTML.
 *
 * Both renderers walk the same outline (cover, the « À vérifier » list,
 * then per département its header, its entries and the sous-préfectures
 * that do not handle AES) and the same reading of the procedure text
 * (blocks: headings, lists, paragraphs of lines); they differ only in
 * how they write a piece, so the French sentences exist once.
 *
 * Every string of the model may come from a web page or an editor's
 * file: the Markdown escapes what Markdown would interpret (emphasis,
 * raw HTML, entities, links), the HTML escapes every text and attribute,
 * and a link is kept only when its target is http, https or mailto.
 */
#include "common/common.h"
#include "guide/guide.h"

#include <strings.h>

#define GUIDE_TITLE "Modalités de dépôt d'une demande d'admission exceptionnelle au séjour"

/* ---- French sentences shared by both renderers ---------------------------- */

static const char *failure_words(const char *kind)
{
	static const struct { const char *kind, *words; } t[] = {
		{ "dns", "le nom du site ne répond plus" },
		{ "connect", "le site ne répond pas" },
		{ "tls", "la connexion sécurisée au site échoue" },
		{ "timeout", "le site met trop de temps à répondre" },
		{ "http_error", "le site renvoie une erreur" },
		{ "not_found", "la page n'existe plus" },
		{ "moved", "la page a été déplacée" },
		{ "blocked", "la page renvoie vers une adresse refusée" },
		{ "too_large", "la page est trop volumineuse" },
		{ "no_content", "la page est vide" },
		{ "bad_content", "le contenu de la page est illisible" },
	};
	for (size_t i = 0; kind && i < PW_ARRAY_SIZE(t); i++)
		if (!strcmp(kind, t[i].kind))
			return t[i].words;
	return "la page ne peut pas être lue";
}

/* The check in words, plain text (the caller escapes it). Owned. */
static char *check_sentence(const struct guide_check *c)
{
	char date[11] = "";
	const char *url = c->page_url ? c->page_url : "";
	if (c->since)
		pw_time_fr(c->since, date);
	switch (c->kind) {
	case GUIDE_CHECK_FAILING:
		return xasprintf("la page %s ne peut plus être lue%s%s (%s) ; le texte reproduit est le "
				 "dernier lu", url, *date ? " depuis le " : "", date,
				 failure_words(c->detail));
	case GUIDE_CHECK_PENDING:
		return xasprintf("un changement de la page %s%s%s%s attend sa relecture "
				 "(prefwatch show %lld) ; le texte reproduit est le nouveau", url,
				 *date ? ", détecté le " : "", date, *date ? "," : "",
				 (long long)c->change_id);
	case GUIDE_CHECK_NO_TEXT:
		return xasprintf("la page %s n'a encore jamais été lue : rien n'est reproduit", url);
	case GUIDE_CHECK_NOTE:
		break;
	}
	return xstrdup(c->detail ? c->detail : "");
}

static char *departement_heading(const struct guide_departement *d)
{
	return xasprintf("Département %s%s (%s)", guide_departement_article(d->name), d->name,
			 d->code);
}

/* « Sous-préfectures : A, B, C » (the département's listing). Owned. */
static char *sous_prefectures_line(const struct guide_departement *d)
{
	struct buf b = BUF_INIT;
	buf_addstr(&b, d->sous_prefectures.n > 1 ? "Sous-préfectures : " : "Sous-préfecture : ");
	for (size_t i = 0; i < d->sous_prefectures.n; i++) {
		if (i)
			buf_addstr(&b, ", ");
		buf_addstr(&b, d->sous_prefectures.v[i]);
	}
	return buf_detach(&b, NULL);
}

/* The heading of the sous-préfectures that do not handle AES: all of them
 * (« Sous-préfectures », as the seed), one (its name) or some (« Sous-
 * préfectures A et B »). Owned. */
static char *no_aes_heading(const struct guide_departement *d)
{
	if (d->no_aes.n == 1 && d->n_sous_prefectures_total > 1)
		return xstrdup(d->no_aes.v[0]);
	if (d->no_aes.n == d->n_sous_prefectures_total)
		return xstrdup(d->no_aes.n > 1 ? "Sous-préfectures" : d->no_aes.v[0]);
	struct buf b = BUF_INIT;
	buf_addstr(&b, "Sous-préfectures ");
	for (size_t i = 0; i < d->no_aes.n; i++) {
		char *s = guide_short_name(d->no_aes.v[i]);
		if (i)
			buf_addstr(&b, i + 1 == d->no_aes.n ? " et " : ", ");
		buf_addstr(&b, s);
		free(s);
	}
	return buf_detach(&b, NULL);
}

static const char *no_aes_sentence(const struct guide_departement *d)
{
	return d->no_aes.n > 1 ? "Elles ne traitent pas les demandes d'AES."
			       : "Elle ne traite pas les demandes d'AES.";
}

static size_t count_checks(const struct guide *g)
{
	size_t n = 0;
	for (size_t i = 0; i < g->n_deps; i++)
		for (size_t j = 0; j < g->deps[i].n_offices; j++)
			n += g->deps[i].offices[j].n_checks;
	return n;
}

/* ---- the procedure text --------------------------------------------------- */

/* Whether s[0..n) is a link "[text](url)" with url balanced in
 * parentheses and without spaces; then text and url are given as
 * offsets and the link's length returned, else 0. */
static size_t parse_link(const char *s, size_t n, size_t *t0, size_t *t1, size_t *u0, size_t *u1)
{
	if (n < 4 || s[0] != '[')
		return 0;
	size_t i = 1;
	int depth = 0;
	for (; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			i++;
			continue;
		}
		if (s[i] == '[')
			depth++;
		else if (s[i] == ']' && depth-- == 0)
			break;
	}
	if (i + 1 >= n || s[i] != ']' || s[i + 1] != '(')
		return 0;
	*t0 = 1;
	*t1 = i;
	size_t j = i + 2;
	depth = 0;
	for (; j < n; j++) {
		unsigned char ch = (unsigned char)s[j];
		if (ch <= ' ')
			return 0;
		if (ch == '(')
			depth++;
		else if (ch == ')' && depth-- == 0)
			break;
	}
	if (j >= n || j == i + 2)
		return 0;
	*u0 = i + 2;
	*u1 = j;
	return j + 1;
}

static bool safe_scheme(const char *u, size_t n)
{
	static const char *const ok[] = { "http://", "https://", "mailto:" };
	for (size_t i = 0; i < PW_ARRAY_SIZE(ok); i++) {
		size_t k = strlen(ok[i]);
		if (n > k && !strncasecmp(u, ok[i], k))
			return true;
	}
	return false;
}

/* A copy of s without the spaces between two digits ("59 369" and
 * "59369" are one postal code, as the facts spell it). Owned. */
static char *squeeze_digits(const char *s, size_t n)
{
	char *o = xmalloc(n + 1);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == ' ' && k && o[k - 1] >= '0' && o[k - 1] <= '9' && i + 1 < n &&
		    s[i + 1] >= '0' && s[i + 1] <= '9')
			continue;
		o[k++] = s[i];
	}
	o[k] = '\0';
	return o;
}

/* Whether the line is one of the lines of a postal address the facts
 * found ("A, B, 59000 LILLE"): the address then holds it between its
 * ", " separators. Those lines are printed in bold, as the seed does. */
static bool address_line(const struct strvec *addresses, const char *line, size_t n)
{
	if (n < 2 || !addresses->n)
		return false;
	bool found = false;
	char *l = squeeze_digits(line, n);
	size_t ll = strlen(l);
	for (size_t i = 0; i < addresses->n && !found; i++) {
		char *a = squeeze_digits(addresses->v[i], strlen(addresses->v[i]));
		size_t al = strlen(a);
		for (const char *p = strstr(a, l); p && !found; p = strstr(p + 1, l)) {
			bool left = p == a || (p - a >= 2 && p[-2] == ',' && p[-1] == ' ');
			bool right = (size_t)(p - a) + ll == al || (p[ll] == ',' && p[ll + 1] == ' ');
			found = left && right;
		}
		free(a);
	}
	free(l);
	return found;
}

/* How a renderer writes the pieces of a procedure text. */
struct text_out {
	void (*heading)(struct buf *b, int level, const char *s, size_t n);
	void (*para_begin)(struct buf *b);
	void (*para_line)(struct buf *b, const char *s, size_t n, bool first, bool bold);
	void (*para_end)(struct buf *b);
	void (*list_begin)(struct buf *b);
	void (*item)(struct buf *b, const char *s, size_t n);
	void (*list_end)(struct buf *b);
};

/* Reads the canonical text into blocks: a "#" line is a heading, "- "
 * lines make a list, other lines a paragraph, until a blank line. */
static void walk_text(struct buf *b, const char *text, const struct strvec *addresses,
		      const struct text_out *out)
{
	enum { NONE, PARA, LIST } in = NONE;
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\r' || p[n - 1] == '\t'))
			n--;
		int level = 0;
		while ((size_t)level < n && p[level] == '#')
			level++;
		bool heading = level && (size_t)level < n && p[level] == ' ';
		bool item = n >= 2 && p[0] == '-' && p[1] == ' ';
		if (n == 0 || heading || (item ? in == PARA : in == LIST)) {
			if (in == PARA)
				out->para_end(b);
			else if (in == LIST)
				out->list_end(b);
			in = NONE;
		}
		if (heading) {
			size_t k = (size_t)level + 1;
			out->heading(b, level, p + k, n - k);
		} else if (item) {
			if (in == NONE)
				out->list_begin(b);
			in = LIST;
			out->item(b, p + 2, n - 2);
		} else if (n) {
			bool first = in == NONE;
			if (first)
				out->para_begin(b);
			in = PARA;
			out->para_line(b, p, n, first, address_line(addresses, p, n));
		}
		p += n;
		while (*p && *p != '\n')
			p++;
		if (*p == '\n')
			p++;
	}
	if (in == PARA)
		out->para_end(b);
	else if (in == LIST)
		out->list_end(b);
}

/* ---- Markdown ------------------------------------------------------------- */

/* Text made literal for Markdown (pandoc's and CommonMark's readings):
 * the characters that start emphasis, code, raw HTML, links, math,
 * sub/superscripts, citations and entities are backslash-escaped, so
 * what the page said is what the reader sees. at_start: s begins a line
 * (where "#", "+", "-", "=" and ">" would start a block). */
static void md_escape(struct buf *b, const char *s, size_t n, bool at_start)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool esc = false;
		switch (c) {
		case '\\': case '`': case '*': case '_': case '[': case ']': case '<': case '>':
		case '$': case '~': case '^': case '|':
			esc = true;
			break;
		case '@':
			esc = i == 0 || s[i - 1] == ' ' || s[i - 1] == '(' || s[i - 1] == '[';
			break;
		case '&':
			esc = i + 1 < n && (s[i + 1] == '#' || (s[i + 1] >= 'a' && s[i + 1] <= 'z') ||
					    (s[i + 1] >= 'A' && s[i + 1] <= 'Z'));
			break;
		case '#': case '+': case '-': case '=':
			esc = at_start && i == 0;
			break;
		default:
			break;
		}
		if (esc)
			buf_addch(b, '\\');
		buf_addch(b, c);
	}
}

/* A link target as Markdown writes it: percent-encoded where Markdown
 * would stop or read something else. */
static void md_url(struct buf *b, const char *u, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)u[i];
		if (c <= ' ' || c == '<' || c == '>' || c == '(' || c == ')' || c == '\\' || c == '`' ||
		    c == 0x7f)
			buf_printf(b, "%%%02X", c);
		else
			buf_addch(b, (char)c);
	}
}

/* Inline text: links kept as "[text](url)" when their target is safe,
 * their text alone otherwise; everything else escaped. */
static void md_inline(struct buf *b, const char *s, size_t n, bool at_start)
{
	size_t run = 0;
	for (size_t i = 0; i < n;) {
		size_t t0, t1, u0, u1;
		size_t len = s[i] == '[' ? parse_link(s + i, n - i, &t0, &t1, &u0, &u1) : 0;
		if (!len) {
			i++;
			continue;
		}
		md_escape(b, s + run, i - run, at_start && run == 0);
		if (safe_scheme(s + i + u0, u1 - u0)) {
			buf_addch(b, '[');
			md_escape(b, s + i + t0, t1 - t0, false);
			buf_addstr(b, "](");
			md_url(b, s + i + u0, u1 - u0);
			buf_addch(b, ')');
		} else {
			md_escape(b, s + i + t0, t1 - t0, false);
		}
		i += len;
		run = i;
	}
	md_escape(b, s + run, n - run, at_start && run == 0);
}

/* "<url>" (an autolink) for a URL from the watchlist; escaped text when
 * it could not be one. */
static void md_autolink(struct buf *b, const char *u)
{
	size_t n = strlen(u);
	if (safe_scheme(u, n) && !strpbrk(u, "<> \t\r\n")) {
		buf_addch(b, '<');
		buf_addstr(b, u);
		buf_addch(b, '>');
	} else {
		md_escape(b, u, n, false);
	}
}

static void md_text_heading(struct buf *b, int level, const char *s, size_t n)
{
	/* below the entry's own heading (###) */
	int l = level + 3 > 6 ? 6 : level + 3;
	for (int i = 0; i < l; i++)
		buf_addch(b, '#');
	buf_addch(b, ' ');
	md_inline(b, s, n, false);
	buf_addstr(b, "\n\n");
}

static void md_para_begin(struct buf *b)
{
	(void)b;
}

static void md_para_line(struct buf *b, const char *s, size_t n, bool first, bool bold)
{
	/* lines of one block (an address) stay lines: a backslash hard break */
	if (!first)
		buf_addstr(b, "\\\n");
	if (bold)
		buf_addstr(b, "**");
	md_inline(b, s, n, !bold);
	if (bold)
		buf_addstr(b, "**");
}

static void md_para_end(struct buf *b)
{
	buf_addstr(b, "\n\n");
}

static void md_list_begin(struct buf *b)
{
	(void)b;
}

static void md_item(struct buf *b, const char *s, size_t n)
{
	buf_addstr(b, "- ");
	md_inline(b, s, n, false);
	buf_addch(b, '\n');
}

static void md_list_end(struct buf *b)
{
	buf_addch(b, '\n');
}

static const struct text_out md_out = {
	md_text_heading, md_para_begin, md_para_line, md_para_end, md_list_begin, md_item, md_list_end,
};

static void md_line(struct buf *b, const char *prefix, const char *s, const char *suffix)
{
	buf_addstr(b, prefix);
	md_escape(b, s, strlen(s), !*prefix);
	buf_addstr(b, suffix);
}

static void md_office(struct buf *b, const struct guide_office *o)
{
	char date[11];
	md_line(b, "### ", o->title, "\n\n");
	for (size_t i = 0; i < o->n_checks; i++) {
		char *s = check_sentence(&o->checks[i]);
		md_line(b, "**À vérifier : ", s, "**\n\n");
		free(s);
	}
	if (o->checked_at) {
		pw_time_fr(o->checked_at, date);
		buf_printf(b, "Dernière mise à jour : %s\n\n", date);
	} else {
		buf_addstr(b, "Dernière mise à jour : jamais vérifiée\n\n");
	}
	const char *m = guide_method_sentence(&o->methods);
	if (m)
		buf_printf(b, "%s\n\n", m);
	if (o->urls.n == 1) {
		buf_addstr(b, "Les modalités sont consultables ici : ");
		md_autolink(b, o->urls.v[0]);
		buf_addstr(b, "\n\n");
	} else if (o->urls.n > 1) {
		buf_addstr(b, "Les modalités sont consultables ici :\n\n");
		for (size_t i = 0; i < o->urls.n; i++) {
			buf_addstr(b, "- ");
			md_autolink(b, o->urls.v[i]);
			buf_addch(b, '\n');
		}
		buf_addch(b, '\n');
	}
	if (o->text && *o->text) {
		buf_addstr(b, "Les modalités sont reproduites ici :\n\n");
		walk_text(b, o->text, &o->addresses, &md_out);
	}
}

char *guide_render_md(const struct guide *g)
{
	struct buf b = BUF_INIT;
	char date[11];
	pw_time_fr(g->generated_at, date);
	buf_printf(&b, "# %s\n\nProjet de guide établi par prefwatch le %s à partir des pages "
		       "vérifiées chaque nuit.\n\n", GUIDE_TITLE, date);
	const char *region = NULL;
	for (size_t i = 0; i < g->n_deps; i++) {
		const struct guide_departement *d = &g->deps[i];
		if (!region || strcmp(region, d->region)) {
			if (region)
				buf_addch(&b, '\n');
			md_line(&b, "Région ", d->region, "\n\n");
			region = d->region;
		}
		char *h = departement_heading(d);
		md_line(&b, "- ", h, "\n");
		free(h);
	}
	if (g->n_deps)
		buf_addch(&b, '\n');

	size_t nc = count_checks(g);
	if (nc) {
		buf_printf(&b, "## À vérifier avant publication (%zu)\n\n", nc);
		for (size_t i = 0; i < g->n_deps; i++) {
			const struct guide_departement *d = &g->deps[i];
			for (size_t j = 0; j < d->n_offices; j++) {
				const struct guide_office *o = &d->offices[j];
				for (size_t k = 0; k < o->n_checks; k++) {
					char *s = check_sentence(&o->checks[k]);
					char *line = xasprintf("%s (%s) : %s", o->title, d->code, s);
					md_line(&b, "- ", line, "\n");
					free(line);
					free(s);
				}
			}
		}
		buf_addch(&b, '\n');
	} else {
		buf_addstr(&b, "## À vérifier avant publication\n\nRien : toutes les pages ont été lues "
			       "et tous leurs changements relus.\n\n");
	}

	region = NULL;
	for (size_t i = 0; i < g->n_deps; i++) {
		const struct guide_departement *d = &g->deps[i];
		if (!region || strcmp(region, d->region)) {
			md_line(&b, "# Région ", d->region, "\n\n");
			region = d->region;
		}
		char *h = departement_heading(d);
		md_line(&b, "## ", h, "\n\n");
		free(h);
		if (d->prefecture)
			md_line(&b, "", d->prefecture, "\n\n");
		if (d->sous_prefectures.n) {
			char *s = sous_prefectures_line(d);
			md_line(&b, "", s, "\n\n");
			free(s);
		}
		for (size_t j = 0; j < d->n_offices; j++)
			md_office(&b, &d->offices[j]);
		if (d->no_aes.n) {
			char *s = no_aes_heading(d);
			md_line(&b, "### ", s, "\n\n");
			free(s);
			buf_printf(&b, "%s\n\n", no_aes_sentence(d));
		}
	}
	/* one final newline, not two: the file diffs cleanly */
	while (b.len > 1 && b.ptr[b.len - 1] == '\n' && b.ptr[b.len - 2] == '\n')
		b.ptr[--b.len] = '\0';
	return buf_detach(&b, NULL);
}

/* ---- HTML ----------------------------------------------------------------- */

static void html_escape(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '&': buf_addstr(b, "&amp;"); break;
		case '<': buf_addstr(b, "&lt;"); break;
		case '>': buf_addstr(b, "&gt;"); break;
		case '"': buf_addstr(b, "&quot;"); break;
		case '\'': buf_addstr(b, "&#39;"); break;
		default:
			/* controls would make the file invalid; the text has none,
			 * but a model is not trusted to */
			if (c < 0x20 && c != '\n' && c != '\t')
				buf_addch(b, ' ');
			else
				buf_addch(b, (char)c);
		}
	}
}

static void html_str(struct buf *b, const char *s)
{
	html_escape(b, s, strlen(s));
}

static void html_inline(struct buf *b, const char *s, size_t n)
{
	size_t run = 0;
	for (size_t i = 0; i < n;) {
		size_t t0, t1, u0, u1;
		size_t len = s[i] == '[' ? parse_link(s + i, n - i, &t0, &t1, &u0, &u1) : 0;
		if (!len) {
			i++;
			continue;
		}
		html_escape(b, s + run, i - run);
		if (safe_scheme(s + i + u0, u1 - u0)) {
			buf_addstr(b, "<a href=\"");
			html_escape(b, s + i + u0, u1 - u0);
			buf_addstr(b, "\">");
			html_escape(b, s + i + t0, t1 - t0);
			buf_addstr(b, "</a>");
		} else {
			html_escape(b, s + i + t0, t1 - t0);
		}
		i += len;
		run = i;
	}
	html_escape(b, s + run, n - run);
}

static void html_link(struct buf *b, const char *u)
{
	size_t n = strlen(u);
	if (safe_scheme(u, n)) {
		buf_addstr(b, "<a href=\"");
		html_escape(b, u, n);
		buf_addstr(b, "\">");
		html_escape(b, u, n);
		buf_addstr(b, "</a>");
	} else {
		html_escape(b, u, n);
	}
}

static void html_text_heading(struct buf *b, int level, const char *s, size_t n)
{
	int l = level + 3 > 6 ? 6 : level + 3;
	buf_printf(b, "<h%d>", l);
	html_inline(b, s, n);
	buf_printf(b, "</h%d>\n", l);
}

static void html_para_begin(struct buf *b)
{
	buf_addstr(b, "<p>");
}

static void html_para_line(struct buf *b, const char *s, size_t n, bool first, bool bold)
{
	if (!first)
		buf_addstr(b, "<br>\n");
	if (bold)
		buf_addstr(b, "<strong>");
	html_inline(b, s, n);
	if (bold)
		buf_addstr(b, "</strong>");
}

static void html_para_end(struct buf *b)
{
	buf_addstr(b, "</p>\n");
}

static void html_list_begin(struct buf *b)
{
	buf_addstr(b, "<ul>\n");
}

static void html_item(struct buf *b, const char *s, size_t n)
{
	buf_addstr(b, "<li>");
	html_inline(b, s, n);
	buf_addstr(b, "</li>\n");
}

static void html_list_end(struct buf *b)
{
	buf_addstr(b, "</ul>\n");
}

static const struct text_out html_out = {
	html_text_heading, html_para_begin, html_para_line, html_para_end, html_list_begin, html_item,
	html_list_end,
};

/* A4, printable: one page break before each département; the running
 * header is the département table's <thead>, which Chromium (and
 * LibreOffice, Firefox) repeat at the top of every printed page the
 * table spans. Long URLs wrap anywhere rather than run off the page. */
static const char html_style[] =
	"@page{size:A4;margin:18mm 17mm 18mm 17mm}\n"
	"html{font-family:\"DejaVu Serif\",\"Liberation Serif\",Georgia,serif;font-size:11pt;"
	"line-height:1.4;color:#000;background:#fff}\n"
	"body{margin:0 auto;max-width:46em;padding:1em}\n"
	"h1{font-size:1.6em}h2{font-size:1.35em;margin:.2em 0 .6em}h3{font-size:1.15em;"
	"border-bottom:1px solid #999;margin-top:1.4em}h4,h5,h6{font-size:1em;font-style:italic}\n"
	"p,li,td,h1,h2,h3,h4,h5,h6{overflow-wrap:anywhere;word-break:normal}\n"
	"a{color:#003189}\n"
	".check{border-left:4px solid #c00;background:#fee;padding:.3em .6em;font-weight:bold}\n"
	".quote{border-left:3px solid #ccc;padding-left:.8em;font-style:italic}\n"
	"table.dept{width:100%;border-collapse:collapse;margin-top:2em}\n"
	"table.dept>thead td{font-size:.85em;color:#444;border-bottom:1px solid #999;padding:0 0 .3em}\n"
	"table.dept>tbody>tr>td{padding:0;vertical-align:top}\n"
	"@media print{body{max-width:none;padding:0}table.dept{break-before:page;margin-top:0}"
	"h3,h4,h5,h6{break-after:avoid}a{color:#000;text-decoration:none}}\n";

static void html_office(struct buf *b, const struct guide_office *o)
{
	char date[11];
	buf_addstr(b, "<section class=\"office\">\n<h3>");
	html_str(b, o->title);
	buf_addstr(b, "</h3>\n");
	for (size_t i = 0; i < o->n_checks; i++) {
		char *s = check_sentence(&o->checks[i]);
		buf_addstr(b, "<p class=\"check\">À vérifier : ");
		html_str(b, s);
		buf_addstr(b, "</p>\n");
		free(s);
	}
	if (o->checked_at) {
		pw_time_fr(o->checked_at, date);
		buf_printf(b, "<p>Dernière mise à jour : %s</p>\n", date);
	} else {
		buf_addstr(b, "<p>Dernière mise à jour : jamais vérifiée</p>\n");
	}
	const char *m = guide_method_sentence(&o->methods);
	if (m)
		buf_printf(b, "<p>%s</p>\n", m);
	if (o->urls.n) {
		buf_addstr(b, "<p>Les modalités sont consultables ici :");
		for (size_t i = 0; i < o->urls.n; i++) {
			buf_addstr(b, o->urls.n > 1 ? "<br>\n" : " ");
			html_link(b, o->urls.v[i]);
		}
		buf_addstr(b, "</p>\n");
	}
	if (o->text && *o->text) {
		buf_addstr(b, "<p>Les modalités sont reproduites ici :</p>\n<div class=\"quote\">\n");
		walk_text(b, o->text, &o->addresses, &html_out);
		buf_addstr(b, "</div>\n");
	}
	buf_addstr(b, "</section>\n");
}

char *guide_render_html(const struct guide *g)
{
	struct buf b = BUF_INIT;
	char date[11];
	pw_time_fr(g->generated_at, date);
	buf_addstr(&b, "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n"
		       "<meta name=\"viewport\" content=\"width=device-width\">\n<title>");
	buf_addstr(&b, GUIDE_TITLE);
	buf_addstr(&b, "</title>\n<style>\n");
	buf_addstr(&b, html_style);
	buf_addstr(&b, "</style>\n</head>\n<body>\n<header class=\"cover\">\n<h1>" GUIDE_TITLE "</h1>\n");
	buf_printf(&b, "<p>Projet de guide établi par prefwatch le %s à partir des pages vérifiées "
		       "chaque nuit.</p>\n", date);
	const char *region = NULL;
	for (size_t i = 0; i < g->n_deps; i++) {
		const struct guide_departement *d = &g->deps[i];
		if (!region || strcmp(region, d->region)) {
			if (region)
				buf_addstr(&b, "</ul>\n");
			buf_addstr(&b, "<p>Région ");
			html_str(&b, d->region);
			buf_addstr(&b, "</p>\n<ul>\n");
			region = d->region;
		}
		char *h = departement_heading(d);
		buf_addstr(&b, "<li>");
		html_str(&b, h);
		buf_addstr(&b, "</li>\n");
		free(h);
	}
	if (region)
		buf_addstr(&b, "</ul>\n");
	size_t nc = count_checks(g);
	buf_addstr(&b, "<section class=\"checks\">\n<h2>À vérifier avant publication");
	if (nc) {
		buf_printf(&b, " (%zu)</h2>\n<ul>\n", nc);
		for (size_t i = 0; i < g->n_deps; i++) {
			const struct guide_departement *d = &g->deps[i];
			for (size_t j = 0; j < d->n_offices; j++) {
				const struct guide_office *o = &d->offices[j];
				for (size_t k = 0; k < o->n_checks; k++) {
					char *s = check_sentence(&o->checks[k]);
					buf_addstr(&b, "<li class=\"check\">");
					html_str(&b, o->title);
					buf_addstr(&b, " (");
					html_str(&b, d->code);
					buf_addstr(&b, ") : ");
					html_str(&b, s);
					buf_addstr(&b, "</li>\n");
					free(s);
				}
			}
		}
		buf_addstr(&b, "</ul>\n");
	} else {
		buf_addstr(&b, "</h2>\n<p>Rien : toutes les pages ont été lues et tous leurs changements "
			       "relus.</p>\n");
	}
	buf_addstr(&b, "</section>\n</header>\n");

	for (size_t i = 0; i < g->n_deps; i++) {
		const struct guide_departement *d = &g->deps[i];
		char *h = departement_heading(d);
		buf_addstr(&b, "<table class=\"dept\">\n<thead><tr><td>Région ");
		html_str(&b, d->region);
		buf_addstr(&b, " — ");
		html_str(&b, h);
		buf_printf(&b, " — état au %s</td></tr></thead>\n<tbody><tr><td>\n<h2>", date);
		html_str(&b, h);
		buf_addstr(&b, "</h2>\n");
		free(h);
		if (d->prefecture || d->sous_prefectures.n) {
			buf_addstr(&b, "<p>");
			if (d->prefecture)
				html_str(&b, d->prefecture);
			if (d->sous_prefectures.n) {
				char *s = sous_prefectures_line(d);
				if (d->prefecture)
					buf_addstr(&b, "<br>\n");
				html_str(&b, s);
				free(s);
			}
			buf_addstr(&b, "</p>\n");
		}
		for (size_t j = 0; j < d->n_offices; j++)
			html_office(&b, &d->offices[j]);
		if (d->no_aes.n) {
			char *s = no_aes_heading(d);
			buf_addstr(&b, "<section class=\"office\">\n<h3>");
			html_str(&b, s);
			buf_printf(&b, "</h3>\n<p>%s</p>\n</section>\n", no_aes_sentence(d));
			free(s);
		}
		buf_addstr(&b, "</td></tr></tbody>\n</table>\n");
	}
	buf_addstr(&b, "</body>\n</html>\n");
	return buf_detach(&b, NULL);
}
