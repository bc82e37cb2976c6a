/*
 * render_html.c - the HTML report: the e-mail's HTML part, --html FILE and
 * show --html.
 *
 * One self-contained document that mail clients render: one column of at
 * most 640 px that reflows down to 320 px (long words and addresses wrap),
 * table layout, inline CSS only (many clients drop <style>), no script, no
 * image, no external resource. Clients that darken messages are told the
 * report is light (color-scheme), and every element that sets a colour
 * sets its background too, so an inverted one stays readable. The
 * procedure text is formatted (headings, lists, links with their address,
 * address blocks); deletions and insertions are <del>/<ins>, struck out
 * and underlined as well as coloured, so they read in black and white and
 * for colour-blind readers; no wdiff marks.
 *
 * Everything that comes from a page or the watchlist is untrusted: every
 * byte goes through html_escape() (& < > " ' escaped, control characters
 * dropped), and only http(s) URLs become links; any other scheme
 * (javascript:, data:, vbscript:, …) is shown as inert text.
 *
 * What is said is the outline's (outline.c); this file only gives it its
 * markup: a tag and a style per kind of line and role of span.
 */
#include "common/common.h"
#include "reports/report.h"
#include "reports/internal.h"

#define HTML_MAX (48u << 20)

/* Strike-through and underline carry the meaning; the colours (a pair
 * told apart by lightness too) only help. */
#define STYLE_DEL "background:#ffe1e1;color:#8b0000;text-decoration:line-through;"
#define STYLE_INS "background:#d9f5dd;color:#0b5a1e;text-decoration:underline;"
#define FONT "font-family:Arial,Helvetica,sans-serif;"
#define MONO "font-family:'DejaVu Sans Mono',Consolas,monospace;"
/* a colour always with its background (see the top of the file) */
#define INK "color:#1a1a1a;background:#ffffff;"
#define MUTED "color:#555555;background:#ffffff;"
/* long words and addresses wrap instead of widening the column */
#define WRAP "overflow-wrap:anywhere;word-wrap:break-word;word-break:break-word;"
#define STYLE_LINK "color:#0645ad;background:#ffffff;" WRAP
/* a link inside <del>/<ins> keeps the edit's colours and line */
#define STYLE_IN_EDIT "color:inherit;background:inherit;text-decoration:inherit;overflow-wrap:anywhere;"
#define STYLE_ADDR MONO "font-size:12px;color:#0645ad;background:#ffffff;overflow-wrap:anywhere;word-break:break-all;"

static void html_escape(struct buf *o, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '&': buf_addstr(o, "&amp;"); break;
		case '<': buf_addstr(o, "&lt;"); break;
		case '>': buf_addstr(o, "&gt;"); break;
		case '"': buf_addstr(o, "&quot;"); break;
		case '\'': buf_addstr(o, "&#39;"); break;
		case '\t': buf_addch(o, ' '); break;
		default:
			/* other control characters are not valid in HTML text */
			if (c >= ' ' && c != 0x7F)
				buf_addch(o, (char)c);
		}
	}
}

/* Appends s escaped; invalid UTF-8 bytes become U+FFFD so the document
 * stays valid whatever the page held. */
static void text(struct buf *o, const char *s)
{
	if (utf8_valid(s, strlen(s))) {
		html_escape(o, s);
		return;
	}
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0;
	while (i < len) {
		size_t n = utf8_seq_len(p + i, len - i);
		if (!n) {
			buf_addstr(o, "\xEF\xBF\xBD");
			i++;
			continue;
		}
		char one[5] = { 0 };
		memcpy(one, s + i, n);
		html_escape(o, one);
		i += n;
	}
}

static void textf(struct buf *o, const char *fmt, ...) PW_PRINTF(2, 3);
static void textf(struct buf *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	text(o, s);
	free(s);
}

/* A link when url is http(s), inert text otherwise. */
static void html_link(struct buf *o, const char *url, const char *label)
{
	if (!url_is_http(url)) {
		buf_addstr(o, "<span style=\"" MONO WRAP "\">");
		text(o, url ? url : "");
		buf_addstr(o, "</span>");
		return;
	}
	buf_addstr(o, "<a href=\"");
	text(o, url);
	/* an address shown as such may break anywhere, words only where they must */
	buf_addstr(o, label ? "\" style=\"" STYLE_LINK "\">"
			    : "\" style=\"color:#0645ad;background:#ffffff;overflow-wrap:anywhere;word-break:break-all;\">");
	text(o, label ? label : url);
	buf_addstr(o, "</a>");
}

/* A field value: a link when it is an http(s) URL, text otherwise. */
static void value(struct buf *o, const char *v)
{
	if (url_is_http(v))
		html_link(o, v, NULL);
	else
		text(o, v);
}

/* ---- the procedure text, formatted ----
 *
 * The canonical text of a page (crawler/extract.c) is Markdown-like: one
 * block per line, blank lines between blocks, "# " to "###### " headings,
 * "- " and "N. " list items indented two spaces per level (a list item's
 * later lines indented to its text), "[label](url)" links, " | " between
 * table cells, and a <br> as a single line break (an address block: lines
 * with no blank line between). The GISTI guide's own texts add *emphasis*
 * and **strong emphasis**.
 *
 * The diff is diff.c's, never a second algorithm: the rows of its view
 * with every line shown (lines, and word edits inside paired lines) are
 * grouped back into blocks, each row's text is parsed into a role per
 * byte (markup syntax, text, link label, link address), and each word edit
 * is laid over the bytes it covers, in the old line's parse for a
 * deletion and the new line's otherwise. Unchanged blocks far from a
 * change are folded into one line that counts them. */

/* Unchanged blocks kept on each side of a changed one; a fold of a single
 * block would take as much room as the block, so it is shown instead. */
#define FOLD_CONTEXT 1
#define FOLD_MIN 2
/* Lines this long are sentences, not an address block's lines. */
#define JOIN_MAX_LINE 100
/* A line longer than this (a hostile page's one-line megabytes) is shown
 * as plain text: its inline markup would cost a role per byte. */
#define MD_PARSE_MAX (64u << 10)
/* How far a link's text or address, or an emphasis, is looked for from
 * where it opens: real ones are far shorter, and the bound keeps a line
 * of hostile brackets and stars linear. */
#define MD_SCAN_MAX 2048

enum md_kind { MD_BLANK, MD_PLAIN, MD_HEADING, MD_ITEM, MD_CONT };

/* What a line is, from its first bytes: enough to group rows into
 * blocks without parsing their inline markup. */
struct md_shape {
	enum md_kind kind;
	int level;                 /* HEADING: 1-6; ITEM: nesting depth from 0 */
	size_t prefix;             /* bytes of markup before the text */
	char marker[24];           /* ITEM: "•" or "12." as on the page */
};

static void md_shape_of(const char *s, struct md_shape *sh)
{
	size_t sp = 0, i;

	memset(sh, 0, sizeof(*sh));
	while (s[sp] == ' ')
		sp++;
	if (!s[sp]) {
		sh->kind = MD_BLANK;
		return;
	}
	if (sp == 0 && s[0] == '#') {
		for (i = 0; s[i] == '#' && i < 7; i++)
			;
		if (i <= 6 && s[i] == ' ') {
			sh->kind = MD_HEADING;
			sh->level = (int)i;
			sh->prefix = i + 1;
			return;
		}
	}
	if (s[sp] == '-' && s[sp + 1] == ' ') {
		sh->kind = MD_ITEM;
		sh->level = (int)(sp / 2);
		sh->prefix = sp + 2;
		snprintf(sh->marker, sizeof(sh->marker), "•");
		return;
	}
	for (i = sp; s[i] >= '0' && s[i] <= '9' && i - sp < 18; i++)
		;
	if (i > sp && s[i] == '.' && s[i + 1] == ' ') {
		sh->kind = MD_ITEM;
		sh->level = (int)(sp / 2);
		sh->prefix = i + 2;
		snprintf(sh->marker, sizeof(sh->marker), "%.*s.", (int)(i - sp), s + sp);
		return;
	}
	sh->kind = sp ? MD_CONT : MD_PLAIN;
	sh->prefix = sp;
}

/* The role of each byte of a line. */
enum md_role {
	R_SYNTAX,                  /* markup: not shown */
	R_TEXT,
	R_LABEL,                   /* a link's text */
	R_OPEN,                    /* the "(" before a link's address: shown " (" */
	R_ADDR,                    /* a link's address, shown after its text */
	R_CLOSE                    /* the ")" after it: shown ")" */
};
#define EMPH_EM 1u
#define EMPH_STRONG 2u

struct md_attr {
	unsigned char role;
	unsigned char emph;
	unsigned link;             /* 1-based index into md_line.links, 0: none */
};

struct md_link {
	size_t off, len;           /* the address in md_line.s */
};

struct md_line {
	const char *s;             /* borrowed */
	size_t len;
	struct md_attr *a;         /* len entries, owned; NULL past MD_PARSE_MAX: all text */
	struct md_link *links;     /* owned */
	size_t n_links, alloc_links;
};

static unsigned md_add_link(struct md_line *l, size_t off, size_t len)
{
	if (l->n_links == l->alloc_links) {
		l->alloc_links = l->alloc_links ? l->alloc_links * 2 : 4;
		l->links = xrealloc(l->links, l->alloc_links * sizeof(*l->links));
	}
	l->links[l->n_links++] = (struct md_link){ off, len };
	return (unsigned)l->n_links;
}

static bool md_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/* "[label](url)" at i: the positions of "]" and ")", false when it is
 * not a link (an address has no space and is not empty). */
static bool md_link_at(const char *s, size_t len, size_t i, size_t *close, size_t *end)
{
	size_t j = i + 1, k, stop = len - i > MD_SCAN_MAX ? i + MD_SCAN_MAX : len;
	int depth = 0;
	while (j < stop && s[j] != ']')
		j++;
	if (j + 1 >= stop || s[j + 1] != '(')
		return false;
	stop = len - j > MD_SCAN_MAX ? j + MD_SCAN_MAX : len;
	/* balanced parentheses belong to the address (…/Liste_(2026)) */
	for (k = j + 2; k < stop && s[k] != ' ' && (s[k] != ')' || depth > 0); k++)
		depth += s[k] == '(' ? 1 : s[k] == ')' ? -1 : 0;
	if (k >= stop)
		return false;
	if (k >= len || s[k] != ')' || k == j + 2)
		return false;
	*close = j;
	*end = k;
	return true;
}

/* A bare http(s) address at i (not inside a word): its length without
 * the punctuation that ends a sentence, 0 when there is none. */
static size_t md_bare_url_at(const char *s, size_t len, size_t i)
{
	size_t n;
	if (i > 0 && (md_alnum((unsigned char)s[i - 1]) || s[i - 1] == '/'))
		return 0;
	if (len - i > 8 && !strncmp(s + i, "https://", 8))
		n = 8;
	else if (len - i > 7 && !strncmp(s + i, "http://", 7))
		n = 7;
	else
		return 0;
	while (i + n < len && s[i + n] != ' ')
		n++;
	while (n > 8 && strchr(".,;:!?)»\"'", s[i + n - 1]))
		n--;
	return n;
}

/* An emphasis delimiter run ("*" or "**") at i that opens: not inside a
 * word (so "cerfa 15186*03" stays text) and followed by text; its closer
 * (the same run, after text and not followed by a word) at *close. */
static size_t md_emph_at(const char *s, size_t len, size_t i, size_t limit, size_t *close)
{
	size_t n = 0;
	while (i + n < len && s[i + n] == '*')
		n++;
	if (n > 2 || (i > 0 && (md_alnum((unsigned char)s[i - 1]) || s[i - 1] == '*')) ||
	    i + n >= limit || s[i + n] == ' ')
		return 0;
	if (limit - i > MD_SCAN_MAX)
		limit = i + MD_SCAN_MAX;
	for (size_t j = i + n + 1; j + n <= limit; j++) {
		if (s[j] != '*' || s[j - 1] == ' ' || s[j - 1] == '*')
			continue;
		size_t m = 0;
		while (j + m < len && s[j + m] == '*')
			m++;
		if (m == n && (j + m >= len || !md_alnum((unsigned char)s[j + m]))) {
			*close = j;
			return n;
		}
		j += m - 1;
	}
	return 0;
}

/* Parses line s (length len) with shape sh; release with md_line_release(). */
static void md_parse(const char *s, size_t len, const struct md_shape *sh, struct md_line *l)
{
	size_t em_close = SIZE_MAX, strong_close = SIZE_MAX;
	unsigned char emph = 0;

	memset(l, 0, sizeof(*l));
	l->s = s;
	l->len = len;
	if (len > MD_PARSE_MAX)
		return; /* no roles: text (md_piece) */
	l->a = xcalloc(len ? len : 1, sizeof(*l->a));
	for (size_t i = 0; i < len && i < sh->prefix; i++)
		l->a[i].role = R_SYNTAX;
	for (size_t i = sh->prefix < len ? sh->prefix : len; i < len;) {
		size_t close, end, n;
		if (i == em_close || i == strong_close) {
			n = i == strong_close ? 2 : 1;
			emph &= (unsigned char)~(n == 2 ? EMPH_STRONG : EMPH_EM);
			if (n == 2)
				strong_close = SIZE_MAX;
			else
				em_close = SIZE_MAX;
			for (size_t k = 0; k < n; k++)
				l->a[i + k].role = R_SYNTAX;
			i += n;
			continue;
		}
		if (s[i] == '[' && md_link_at(s, len, i, &close, &end)) {
			unsigned k = md_add_link(l, close + 2, end - close - 2);
			bool same = end - close - 2 == close - i - 1 && !memcmp(s + i + 1, s + close + 2, close - i - 1);
			l->a[i] = (struct md_attr){ R_SYNTAX, emph, 0 };
			for (size_t j = i + 1; j < close; j++)
				l->a[j] = (struct md_attr){ R_LABEL, emph, k };
			/* a link whose text is its address shows it once */
			l->a[close] = (struct md_attr){ R_SYNTAX, emph, 0 };
			l->a[close + 1] = (struct md_attr){ same ? R_SYNTAX : R_OPEN, 0, 0 };
			for (size_t j = close + 2; j < end; j++)
				l->a[j] = (struct md_attr){ same ? R_SYNTAX : R_ADDR, 0, k };
			l->a[end] = (struct md_attr){ same ? R_SYNTAX : R_CLOSE, 0, 0 };
			i = end + 1;
			continue;
		}
		if (s[i] == 'h' && (n = md_bare_url_at(s, len, i)) != 0) {
			unsigned k = md_add_link(l, i, n);
			for (size_t j = i; j < i + n; j++)
				l->a[j] = (struct md_attr){ R_LABEL, emph, k };
			i += n;
			continue;
		}
		if (s[i] == '*') {
			size_t limit = em_close < strong_close ? em_close : strong_close;
			n = md_emph_at(s, len, i, limit < len ? limit : len, &close);
			if (n && !(emph & (n == 2 ? EMPH_STRONG : EMPH_EM))) {
				emph |= n == 2 ? EMPH_STRONG : EMPH_EM;
				if (n == 2)
					strong_close = close;
				else
					em_close = close;
				for (size_t k = 0; k < n; k++)
					l->a[i + k].role = R_SYNTAX;
				i += n;
				continue;
			}
		}
		l->a[i] = (struct md_attr){ R_TEXT, emph, 0 };
		i++;
	}
}

static void md_line_release(struct md_line *l)
{
	free(l->a);
	free(l->links);
	memset(l, 0, sizeof(*l));
}

/* The address of link k (1-based) of l, owned. */
static char *md_url(const struct md_line *l, unsigned k)
{
	return xstrndup(l->s + l->links[k - 1].off, l->links[k - 1].len);
}

/* Bytes [from, to) of l as HTML, in one <del>/<ins> for a deletion or an
 * insertion: inside it, runs of bytes with the same role, emphasis and
 * link, each a complete element, so that edits and markup never
 * mis-nest. */
static void md_piece(struct buf *o, const struct md_line *l, size_t from, size_t to, enum diff_op op)
{
	bool open = false;
	if (!l->a) {
		/* a line too long to parse: its bytes as text */
		if (from < to && from < l->len) {
			char *piece = xstrndup(l->s + from, (to < l->len ? to : l->len) - from);
			buf_addstr(o, op == DIFF_DELETE ? "<del style=\"" STYLE_DEL "\">" :
				      op == DIFF_INSERT ? "<ins style=\"" STYLE_INS "\">" : "");
			text(o, piece);
			buf_addstr(o, op == DIFF_DELETE ? "</del>" : op == DIFF_INSERT ? "</ins>" : "");
			free(piece);
		}
		return;
	}
	for (size_t i = from; i < to && i < l->len;) {
		const struct md_attr *a = &l->a[i];
		size_t j = i + 1;
		while (j < to && j < l->len && l->a[j].role == a->role && l->a[j].emph == a->emph &&
		       l->a[j].link == a->link)
			j++;
		if (a->role == R_SYNTAX) {
			i = j;
			continue;
		}
		char *url = a->link ? md_url(l, a->link) : NULL;
		bool live = url && url_is_http(url);
		char *piece = xstrndup(l->s + i, j - i);
		if (!open && op == DIFF_DELETE)
			buf_addstr(o, "<del style=\"" STYLE_DEL "\">");
		else if (!open && op == DIFF_INSERT)
			buf_addstr(o, "<ins style=\"" STYLE_INS "\">");
		open = true;
		if (a->emph & EMPH_STRONG)
			buf_addstr(o, "<strong>");
		if (a->emph & EMPH_EM)
			buf_addstr(o, "<em>");
		switch (a->role) {
		case R_OPEN:
			buf_addstr(o, " (");
			break;
		case R_CLOSE:
			buf_addch(o, ')');
			break;
		case R_LABEL:
		case R_ADDR:
			if (live) {
				buf_addstr(o, "<a href=\"");
				text(o, url);
				if (op != DIFF_EQUAL) /* the edit's colours and line */
					buf_addstr(o, a->role == R_ADDR ? "\" style=\"" MONO "font-size:12px;" STYLE_IN_EDIT
						   "word-break:break-all;\">" : "\" style=\"" STYLE_IN_EDIT "\">");
				else
					buf_addstr(o, a->role == R_ADDR ? "\" style=\"" STYLE_ADDR "\">" : "\" style=\"" STYLE_LINK "\">");
			} else if (a->role == R_ADDR) {
				buf_addstr(o, "<span style=\"" MONO "font-size:12px;" WRAP "\">");
			}
			text(o, piece);
			if (live)
				buf_addstr(o, "</a>");
			else if (a->role == R_ADDR)
				buf_addstr(o, "</span>");
			break;
		default:
			text(o, piece);
		}
		if (a->emph & EMPH_EM)
			buf_addstr(o, "</em>");
		if (a->emph & EMPH_STRONG)
			buf_addstr(o, "</strong>");
		free(piece);
		free(url);
		i = j;
	}
	if (open && op == DIFF_DELETE)
		buf_addstr(o, "</del>");
	else if (open && op == DIFF_INSERT)
		buf_addstr(o, "</ins>");
}

/* One row of the view, with its line(s) as text: a CHANGE row's old and
 * new lines are rebuilt from its word edits (owned). */
struct md_row {
	const struct diff_row *r;
	char *old_s, *new_s;       /* CHANGE only */
	const char *shown;         /* the line whose shape the row takes */
	struct md_shape shape;
};

struct md_block {
	size_t first, n;           /* rows */
	enum md_kind kind;         /* PLAIN (a paragraph), HEADING or ITEM */
	bool changed, deleted, inserted; /* deleted/inserted: every row is */
	size_t last_old, last_new; /* line numbers of its last rows, 0: none */
};

static bool md_ends_sentence(const char *s)
{
	size_t n = strlen(s);
	while (n && s[n - 1] == ' ')
		n--;
	return n && strchr(".:;!?", s[n - 1]);
}

/* A postal code line: "02000 LAON", "59 369 Cedex", "12 rue X, 60000 Beauvais". */
static bool md_postal_line(const char *s)
{
	for (const char *p = s; *p; p++) {
		if (p > s && md_alnum((unsigned char)p[-1]))
			continue;
		const char *q = p;
		int d = 0;
		while (d < 5 && ((*q >= '0' && *q <= '9') || (d == 2 && *q == ' ' && q[1] >= '0' && q[1] <= '9'))) {
			d += *q != ' ';
			q++;
		}
		if (d == 5 && *q == ' ' && ((q[1] >= 'A' && q[1] <= 'Z') || (unsigned char)q[1] >= 0xC3))
			return true;
	}
	return false;
}

/* Whether row x continues block b: the next line of the same text (no
 * blank line between), and either a list item's later line or a short
 * line under a short line that does not end a sentence (an address). */
static bool md_joins(const struct md_block *b, const struct md_row *prev, const struct md_row *x)
{
	bool next = (x->r->new_no && b->last_new && x->r->new_no == b->last_new + 1) ||
		    (x->r->old_no && b->last_old && x->r->old_no == b->last_old + 1);
	if (!next)
		return false;
	if (x->shape.kind == MD_CONT)
		return b->kind != MD_HEADING;
	/* a postal code ends an address block */
	return x->shape.kind == MD_PLAIN && b->kind == MD_PLAIN && !md_ends_sentence(prev->shown) &&
	       !md_postal_line(prev->shown) && strlen(prev->shown) <= JOIN_MAX_LINE &&
	       strlen(x->shown) <= JOIN_MAX_LINE;
}

static void md_row_content(struct buf *o, const struct md_row *x)
{
	const struct diff_row *r = x->r;
	struct md_line a, b;

	switch (r->kind) {
	case ROW_CONTEXT:
	case ROW_DELETE:
	case ROW_INSERT:
		md_parse(r->text, strlen(r->text), &x->shape, &b);
		md_piece(o, &b, 0, b.len, r->kind == ROW_CONTEXT ? DIFF_EQUAL :
			 r->kind == ROW_DELETE ? DIFF_DELETE : DIFF_INSERT);
		md_line_release(&b);
		if (r->moved) {
			buf_addstr(o, " <em style=\"" MUTED "\">");
			text(o, outline_moved_line);
			buf_addstr(o, "</em>");
		}
		break;
	case ROW_CHANGE: {
		struct md_shape old_shape;
		md_shape_of(x->old_s, &old_shape);
		md_parse(x->old_s, strlen(x->old_s), &old_shape, &a);
		md_parse(x->new_s, strlen(x->new_s), &x->shape, &b);
		size_t ia = 0, ib = 0;
		for (size_t i = 0; i < r->words.n; i++) {
			const struct diff_edit *e = &r->words.v[i];
			size_t n = strlen(e->text);
			if (e->op == DIFF_DELETE) {
				md_piece(o, &a, ia, ia + n, DIFF_DELETE);
				ia += n;
			} else {
				md_piece(o, &b, ib, ib + n, e->op);
				ib += n;
				if (e->op == DIFF_EQUAL)
					ia += n;
			}
		}
		md_line_release(&a);
		md_line_release(&b);
		break;
	}
	case ROW_GAP:
		break;
	}
}

/* The opening of a block's element, with a bar in the margin for a
 * changed one (red: removed, green: added, amber: changed): a cue that
 * needs no colour vision, the words inside carry strike and underline. */
static void md_block_open(struct buf *o, const struct md_block *b, const struct md_row *rows, bool address)
{
	const char *bar = !b->changed ? "" : b->deleted ? "border-left:3px solid #b3261e;padding-left:8px;"
				       : b->inserted ? "border-left:3px solid #1e7b34;padding-left:8px;"
				       : "border-left:3px solid #9a6b00;padding-left:8px;";
	const struct md_shape *sh = &rows[b->first].shape;
	switch (b->kind) {
	case MD_HEADING: {
		static const char *const size[] = { "17px", "17px", "16px", "15px", "14px", "14px", "14px" };
		int h = sh->level <= 2 ? 4 : sh->level == 3 ? 5 : 6;
		buf_printf(o, "<h%d style=\"" FONT "font-size:%s;font-weight:bold;margin:12px 0 4px 0;" INK "%s\">",
			   h, size[sh->level], bar);
		break;
	}
	case MD_ITEM: {
		int depth = sh->level > 6 ? 6 : sh->level;
		buf_printf(o, "<li style=\"margin:3px 0 3px %dpx;%s\"><span style=\"" MUTED "\">", 18 * depth, bar);
		text(o, sh->marker);
		buf_addstr(o, "</span>&nbsp;");
		break;
	}
	default:
		if (address)
			buf_printf(o, "<address style=\"" FONT "font-size:14px;line-height:1.45;font-style:normal;"
				   "margin:8px 0;padding:4px 0 4px 10px;border-left:3px solid %s;" INK "\">",
				   b->changed ? (b->deleted ? "#b3261e" : b->inserted ? "#1e7b34" : "#9a6b00") : "#c4c9d0");
		else
			buf_printf(o, "<p style=\"" FONT "font-size:14px;line-height:1.45;margin:8px 0;" INK "%s\">", bar);
	}
}

static void md_block_close(struct buf *o, const struct md_block *b, const struct md_row *rows, bool address)
{
	if (b->kind == MD_HEADING) {
		const struct md_shape *sh = &rows[b->first].shape;
		buf_printf(o, "</h%d>\n", sh->level <= 2 ? 4 : sh->level == 3 ? 5 : 6);
	} else if (b->kind == MD_ITEM) {
		buf_addstr(o, "</li>\n");
	} else {
		buf_addstr(o, address ? "</address>\n" : "</p>\n");
	}
}

static void md_fold(struct buf *o, size_t n)
{
	char *count = fr_count((int)(n > INT_MAX ? INT_MAX : n), "paragraphe inchangé", "paragraphes inchangés");
	buf_addstr(o, "<p style=\"" FONT "font-size:13px;font-style:italic;margin:8px 0;padding:3px 8px;"
		   "color:#555555;background:#f2f3f5;\">");
	textf(o, "… %s …", count);
	buf_addstr(o, "</p>\n");
	free(count);
}

/* The text of a change, formatted, its edits marked, the unchanged
 * blocks far from them folded. */
static void render_formatted(struct buf *o, const struct diff_view *v)
{
	struct md_row *rows = xcalloc(v->n ? v->n : 1, sizeof(*rows));
	struct md_block *blocks = xcalloc(v->n ? v->n : 1, sizeof(*blocks));
	bool *shown = NULL;
	size_t nb = 0;

	for (size_t i = 0; i < v->n; i++) {
		struct md_row *x = &rows[i];
		x->r = &v->v[i];
		if (x->r->kind == ROW_CHANGE) {
			struct buf a = BUF_INIT, b = BUF_INIT;
			for (size_t k = 0; k < x->r->words.n; k++) {
				const struct diff_edit *e = &x->r->words.v[k];
				if (e->op != DIFF_INSERT)
					buf_addstr(&a, e->text);
				if (e->op != DIFF_DELETE)
					buf_addstr(&b, e->text);
			}
			x->old_s = buf_detach(&a, NULL);
			x->new_s = buf_detach(&b, NULL);
		}
		x->shown = x->r->kind == ROW_CHANGE ? x->new_s : x->r->text ? x->r->text : "";
		md_shape_of(x->shown, &x->shape);
	}
	/* rows -> blocks */
	for (size_t i = 0; i < v->n; i++) {
		struct md_row *x = &rows[i];
		struct md_block *b = nb ? &blocks[nb - 1] : NULL;
		if (x->r->kind == ROW_GAP || x->shape.kind == MD_BLANK) {
			if (b)
				b->last_old = b->last_new = 0; /* a blank line ends a block */
			continue;
		}
		if (!b || !md_joins(b, &rows[b->first + b->n - 1], x)) {
			b = &blocks[nb++];
			b->first = i;
			b->kind = x->shape.kind == MD_CONT ? MD_PLAIN : x->shape.kind;
			b->deleted = b->inserted = true;
		}
		b->n = i - b->first + 1;
		b->changed |= x->r->kind != ROW_CONTEXT;
		b->deleted &= x->r->kind == ROW_DELETE;
		b->inserted &= x->r->kind == ROW_INSERT;
		if (x->r->old_no)
			b->last_old = x->r->old_no;
		if (x->r->new_no)
			b->last_new = x->r->new_no;
	}
	/* which blocks are shown */
	shown = xcalloc(nb + 1, sizeof(*shown));
	for (size_t i = 0; i < nb; i++) {
		if (!blocks[i].changed)
			continue;
		size_t lo = i >= FOLD_CONTEXT ? i - FOLD_CONTEXT : 0;
		for (size_t j = lo; j < nb && j <= i + FOLD_CONTEXT; j++)
			shown[j] = true;
	}
	for (size_t i = 0; i < nb;) {
		size_t j = i;
		while (j < nb && !shown[j])
			j++;
		if (j - i > 0 && j - i < FOLD_MIN)
			for (size_t k = i; k < j; k++)
				shown[k] = true;
		i = j + 1;
	}
	buf_addstr(o, "<div style=\"border:1px solid #d0d4da;padding:2px 12px;margin:4px 0 8px 0;" INK WRAP "\">\n");
	bool in_list = false;
	for (size_t i = 0; i < nb;) {
		if (!shown[i]) {
			size_t j = i;
			while (j < nb && !shown[j])
				j++;
			if (in_list)
				buf_addstr(o, "</ul>\n");
			in_list = false;
			md_fold(o, j - i);
			i = j;
			continue;
		}
		const struct md_block *b = &blocks[i];
		bool item = b->kind == MD_ITEM;
		if (item && !in_list)
			buf_addstr(o, "<ul style=\"" FONT "font-size:14px;line-height:1.45;list-style:none;"
				   "margin:8px 0;padding:0;" INK "\">\n");
		else if (!item && in_list)
			buf_addstr(o, "</ul>\n");
		in_list = item;
		bool address = b->kind == MD_PLAIN && b->n > 1 &&
			       md_postal_line(rows[b->first + b->n - 1].shown);
		md_block_open(o, b, rows, address);
		for (size_t k = b->first; k < b->first + b->n; k++) {
			if (k > b->first)
				buf_addstr(o, "<br>\n");
			md_row_content(o, &rows[k]);
		}
		md_block_close(o, b, rows, address);
		i++;
	}
	if (in_list)
		buf_addstr(o, "</ul>\n");
	buf_addstr(o, "</div>\n");
	for (size_t i = 0; i < v->n; i++) {
		free(rows[i].old_s);
		free(rows[i].new_s);
	}
	free(rows);
	free(blocks);
	free(shown);
}

static void para_open(struct buf *o)
{
	buf_addstr(o, "<p style=\"" FONT "font-size:14px;margin:4px 0;" INK "\">");
}

/* The spans of a line: roles as markup, every string escaped. */
static void spans(struct buf *o, const struct outline_line *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct span *sp = &l->v[i];
		switch (sp->kind) {
		case SPAN_TEXT:
			text(o, sp->text);
			break;
		case SPAN_LABEL:
			buf_addstr(o, "<strong>");
			text(o, sp->text);
			buf_addstr(o, "</strong>");
			break;
		case SPAN_URL:
			html_link(o, sp->url, sp->text);
			break;
		case SPAN_VALUE:
			value(o, sp->text);
			break;
		case SPAN_OLD:
			buf_addstr(o, "<del style=\"" STYLE_DEL "\">");
			text(o, sp->text);
			buf_addstr(o, "</del>");
			break;
		case SPAN_NEW:
			buf_addstr(o, "<ins style=\"" STYLE_INS "\">");
			value(o, sp->text);
			buf_addstr(o, "</ins>");
			break;
		}
	}
}

static void render_diff(struct buf *o, const struct outline_line *l)
{
	struct diff_view v;
	/* every line: the folding is by block, below */
	diff_view_build(l->change->old_text, l->change->new_text, INT_MAX, &v);
	if (!v.n) {
		buf_addstr(o, "<p style=\"" FONT "font-size:14px;margin:8px 0;" INK "\">");
		text(o, outline_same_text);
		buf_addstr(o, "</p>\n");
		goto cleanup;
	}
	buf_addstr(o, "<p style=\"" FONT "font-size:13px;margin:10px 0 4px 0;" MUTED "\">");
	spans(o, l);
	buf_addstr(o, "</p>\n");
	render_formatted(o, &v);
cleanup:
	diff_view_release(&v);
}

/* The opening tag of a line of each kind (FACT: a list item; a run of
 * them is one list). */
static const char *line_open(enum line_kind kind)
{
	switch (kind) {
	case LINE_ALERT:
		return "<p style=\"" FONT "font-size:14px;margin:4px 0;font-weight:bold;" INK "\">";
	case LINE_REVIEW:
		return "<p style=\"" FONT "font-size:14px;margin:4px 0;color:#333333;background:#ffffff;"
		       "font-style:italic;\">";
	case LINE_DETAIL:
		return "<p style=\"" FONT "font-size:12px;margin:4px 0;" MUTED "\">";
	case LINE_DOCUMENT:
		return "<p style=\"" FONT "font-size:14px;margin:10px 0 4px 0;" INK "\">";
	case LINE_CODE:
		return "<pre style=\"font-family:monospace;font-size:13px;margin:4px 0;" INK
		       "white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-all;\">";
	case LINE_FACT:
		return "<li style=\"margin:2px 0;\">";
	default:
		return "<p style=\"" FONT "font-size:14px;margin:4px 0;" INK "\">";
	}
}

static void render_entry(struct buf *o, const struct outline_entry *e)
{
	buf_addstr(o, "<tr><td style=\"padding:14px 16px;border-top:1px solid #e5e5e5;" INK WRAP "\">\n"
		   "<h3 style=\"" FONT "font-size:16px;margin:0 0 4px 0;" INK "\">");
	text(o, e->heading);
	buf_addstr(o, "</h3>\n");
	if (e->url) {
		para_open(o);
		text(o, outline_official_page);
		html_link(o, e->url, NULL);
		buf_addstr(o, "</p>\n");
	}
	if (e->also) {
		para_open(o);
		text(o, e->also);
		buf_addstr(o, "</p>\n");
	}
	for (size_t i = 0; i < e->n; i++) {
		const struct outline_line *l = &e->v[i];
		bool fact = l->kind == LINE_FACT;
		if (l->kind == LINE_TARGET)
			continue; /* the links show their addresses */
		if (l->kind == LINE_DIFF) {
			render_diff(o, l);
			continue;
		}
		if (fact && (!i || e->v[i - 1].kind != LINE_FACT))
			buf_addstr(o, "<ul style=\"" FONT "font-size:14px;margin:6px 0;padding-left:20px;" INK "\">\n");
		buf_addstr(o, line_open(l->kind));
		spans(o, l);
		buf_addstr(o, fact ? "</li>\n" : l->kind == LINE_CODE ? "</pre>\n" : "</p>\n");
		if (fact && (i + 1 == e->n || e->v[i + 1].kind != LINE_FACT))
			buf_addstr(o, "</ul>\n");
	}
	buf_addstr(o, "</td></tr>\n");
}

/* Each entry is freed once written, as in the text renderer. */
static void render_section(struct buf *o, struct outline_section *s)
{
	buf_addstr(o, "<tr><td style=\"padding:18px 16px 6px 16px;background:#f0f3f7;color:#2b4a6f;"
		   "border-top:2px solid #2b4a6f;" WRAP "\"><h2 style=\"" FONT "font-size:19px;margin:0;"
		   "color:#2b4a6f;background:#f0f3f7;\">");
	textf(o, "%s (%zu)", s->title, s->count);
	buf_addstr(o, "</h2></td></tr>\n");
	for (size_t i = 0; i < s->n; i++) {
		render_entry(o, &s->v[i]);
		outline_entry_release(&s->v[i]);
	}
	for (size_t i = 0; i < s->n_lines; i++) {
		const struct outline_line *l = &s->lines[i];
		if (l->kind != LINE_BULLET) {
			buf_addstr(o, "<tr><td style=\"padding:10px 16px;" INK WRAP "\">");
			para_open(o);
			spans(o, l);
			buf_addstr(o, "</p></td></tr>\n");
			continue;
		}
		if (!i || s->lines[i - 1].kind != LINE_BULLET)
			buf_addstr(o, "<tr><td style=\"padding:10px 16px;" INK WRAP "\"><ul style=\"" FONT
				   "font-size:14px;margin:0;padding-left:20px;color:#333333;background:#ffffff;\">\n");
		buf_addstr(o, "<li style=\"margin:2px 0;\">");
		spans(o, l);
		buf_addstr(o, "</li>\n");
		if (i + 1 == s->n_lines || s->lines[i + 1].kind != LINE_BULLET)
			buf_addstr(o, "</ul></td></tr>\n");
	}
}

char *report_render_html(const struct report *r)
{
	struct buf o;
	struct outline ol;

	buf_init(&o, HTML_MAX);
	outline_build(r, &ol);
	buf_addstr(&o, "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n"
		   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		   /* a light report: clients that darken messages leave it as is */
		   "<meta name=\"color-scheme\" content=\"light\">\n"
		   "<meta name=\"supported-color-schemes\" content=\"light\">\n<title>");
	text(&o, ol.title);
	buf_addstr(&o, "</title>\n</head>\n<body style=\"margin:0;padding:0;color:#1a1a1a;background:#eef0f3;"
		   "color-scheme:light;\">\n"
		   /* one column, 640 px at most, down to 320 px: the width
		    * attribute for Outlook, the style (which wins) elsewhere;
		    * table-layout:fixed so that no content widens it */
		   "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" "
		   "style=\"width:100%;color:#1a1a1a;background:#eef0f3;\"><tr><td align=\"center\" "
		   "style=\"padding:16px 6px;\">\n"
		   "<table role=\"presentation\" width=\"640\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" "
		   "style=\"width:100%;max-width:640px;table-layout:fixed;" INK "border:1px solid #d0d4da;\">\n"
		   "<tr><td style=\"padding:18px 16px;color:#ffffff;background:#2b4a6f;" WRAP "\">"
		   "<h1 style=\"" FONT "font-size:22px;margin:0;color:#ffffff;background:#2b4a6f;\">");
	text(&o, ol.title);
	buf_addstr(&o, "</h1>\n");
	if (ol.subtitle) {
		buf_addstr(&o, "<p style=\"" FONT "font-size:14px;margin:6px 0 0 0;color:#dfe7f1;background:#2b4a6f;\">");
		text(&o, ol.subtitle);
		buf_addstr(&o, "</p>\n");
	}
	buf_addstr(&o, "<p style=\"" FONT "font-size:16px;margin:8px 0 0 0;color:#ffffff;background:#2b4a6f;"
		   "font-weight:bold;\">");
	text(&o, ol.summary);
	buf_addstr(&o, "</p>\n</td></tr>\n");
	for (size_t i = 0; i < ol.n; i++)
		render_section(&o, &ol.v[i]);
	buf_addstr(&o, "<tr><td style=\"padding:14px 16px;border-top:1px solid #e5e5e5;" FONT
		   "font-size:12px;color:#595959;background:#ffffff;" WRAP "\">");
	text(&o, outline_footer);
	buf_addstr(&o, "</td></tr>\n</table>\n</td></tr></table>\n</body>\n</html>\n");
	outline_release(&ol);
	if (o.toobig) {
		/* a cut document would be broken HTML: say so instead */
		buf_release(&o);
		buf_init(&o, 0);
		buf_addstr(&o, "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>"
			   "Rapport trop volumineux</title></head><body><p>Rapport trop volumineux "
			   "pour être affiché ; voir la version texte.</p></body></html>\n");
	}
	return buf_detach(&o, NULL);
}
