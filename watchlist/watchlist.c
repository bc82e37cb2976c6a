/*
 * watchlist.c - loading and strict validation of the editors' watchlist.
 *
 * Two layers: a YAML reader (libyaml's event API) that builds a small tree
 * of positioned nodes and refuses what an editor's file never needs
 * (aliases, several documents, duplicate keys), and a validator that walks
 * the tree and fills struct watchlist. Both collect errors instead of
 * stopping at the first one, so an editor fixes a file in one go: libyaml
 * stops at a syntax error, so every tab-indented line is said before
 * parsing, what was read before the error is kept (and checked, but for
 * what the error cut), and reading goes on at the next office.
 *
 * Every check that the rest of the program relies on happens here, with
 * the same libraries that will use the values later: URLs are parsed by
 * libcurl's URL parser (common/url.h), XPaths compiled by libxml2, patterns by PCRE2.
 */
#include "common/common.h"
#include "common/regex.h"
#include "common/escape.h"
#include "common/url.h"
#include "watchlist/watchlist.h"

#include <strings.h>

#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xpath.h>
#include <yaml.h>

/* An editor's file is a few hundred lines, a national one (about 330
 * offices) a few thousand; these limits only stop accidents (a wrong or
 * hostile file given on the command line) from costing much. They admit
 * 100,000 pages in one file (about 20 nodes and 200 bytes each) with room
 * to spare; past them the message says how to split. */
#define YAML_MAX_BYTES ((size_t)64 << 20)
#define YAML_MAX_DEPTH 64
#define YAML_MAX_NODES 4000000
#define YAML_SPLIT_HINT N_("split it into several files (one per region, say) and give " \
	"them all (--watchlist is repeatable, 'watchlists:' in the configuration a list)")
#define WL_MAX_ID 100
#define YAML_MAX_RESUME 50

/* Every message goes to errs through here: values quoted from the file
 * (and the file's name) may hold CR, LF, ESC or bidi controls, which
 * printed raw would forge a line or drive the terminal. Takes msg. */
static void push_err(struct strvec *errs, char *msg)
{
	if (str_is_printable(msg)) {
		strvec_push_nodup(errs, msg);
		return;
	}
	strvec_push_nodup(errs, str_escape_controls(msg));
	free(msg);
}

/* Messages from libraries start with a capital; ours do not. */
static void lower_first(char *s)
{
	if (s[0] >= 'A' && s[0] <= 'Z' && !(s[1] >= 'A' && s[1] <= 'Z'))
		s[0] = (char)(s[0] - 'A' + 'a');
}

/* ====================================================================
 * YAML reader
 * ==================================================================== */

struct reader {
	const char *file;
	const char *data;
	size_t len;
	struct strvec *errs;
	int nerr;
	size_t nodes;
	bool fatal;          /* the stream cannot be read further */
	bool limit;          /* ...because a limit was hit: nothing is kept */
	size_t error_line;   /* 1-based line and column of the syntax error */
	size_t error_column;
	size_t first_line;   /* where this pass started reading (resumed) */
	int resumed;         /* times reading went on after a syntax error */
	yaml_parser_t parser;
};

static void reader_err(struct reader *r, size_t line, size_t column, const char *fmt, ...)
	PW_PRINTF(4, 5);

static void reader_err(struct reader *r, size_t line, size_t column, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	push_err(r->errs, xasprintf("%s:%zu:%zu: %s", r->file, line, column, msg));
	free(msg);
	r->nerr++;
}

/* libyaml marks are 0-based; ours are 1-based. */
static void reader_err_at(struct reader *r, yaml_mark_t m, const char *what)
{
	reader_err(r, m.line + 1, m.column + 1, "%s", what);
}

/* The start of 1-based line `line` in data, or NULL past the end. */
static const char *line_start(const char *data, size_t len, size_t line)
{
	const char *p = data, *end = data + len;
	for (size_t l = 1; l < line; l++) {
		p = memchr(p, '\n', (size_t)(end - p));
		if (!p)
			return NULL;
		p++;
	}
	return p <= end ? p : NULL;
}

/* The 0-based byte column of the first tab in the line's indentation
 * (the spaces and tabs it starts with), or -1. */
static long indent_tab(const char *p, const char *end)
{
	for (const char *q = p; q < end && (*q == ' ' || *q == '\t'); q++)
		if (*q == '\t')
			return q - p;
	return -1;
}

static bool line_has_indent_tab(const struct reader *r, size_t line)
{
	const char *p = line_start(r->data, r->len, line);
	return p && indent_tab(p, r->data + r->len) >= 0;
}

/* YAML forbids tabs in indentation, and libyaml stops at the first one
 * with "found character that cannot start any token": editors whose
 * editor inserts tabs would fix them one run at a time. Every such line
 * is reported here, before parsing; the parser's own error at one of
 * these lines is then left out. */
static void scan_tabs(struct reader *r)
{
	const char *p = r->data, *end = r->data + r->len;
	for (size_t line = 1; p < end; line++) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		long col = indent_tab(p, eol ? eol : end);
		if (col >= 0)
			reader_err(r, line, (size_t)col + 1,
				   _("tab in indentation: indent with spaces (YAML forbids tabs there)"));
		if (!eol)
			break;
		p = eol + 1;
	}
}

/* "key:value" in the line (a word, a colon, then no space): the likely
 * cause of libyaml's "could not find expected ':'". Returns the word and
 * what follows up to a space (owned), or NULL. */
static char *colon_without_space(const struct reader *r, size_t line)
{
	const char *p = line_start(r->data, r->len, line), *end = r->data + r->len;
	if (!p)
		return NULL;
	const char *eol = memchr(p, '\n', (size_t)(end - p));
	if (!eol)
		eol = end;
	while (p < eol && (*p == ' ' || *p == '-'))
		p++;
	const char *w = p;
	while (p < eol && (((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') || *p == '_'))
		p++;
	if (p == w || p + 1 >= eol || *p != ':' || p[1] == ' ' || p[1] == '\t' || p[1] == '\r')
		return NULL;
	const char *e = p + 1;
	while (e < eol && *e != ' ' && *e != '\r')
		e++;
	return xstrndup(w, (size_t)(e - w));
}

/* libyaml's words for the mistakes editors make most, said as what to do;
 * any other problem is quoted as libyaml says it. Returns true if said. */
static bool explain_syntax_error(struct reader *r, size_t line, size_t column)
{
	const yaml_parser_t *p = &r->parser;
	const char *problem = p->problem ? p->problem : "";
	size_t cline = p->context_mark.line + 1, ccol = p->context_mark.column + 1;

	if (!strcmp(problem, "found character that cannot start any token")) {
		/* the mark's column counts characters, not bytes */
		const char *s = line_start(r->data, r->len, line), *end = r->data + r->len;
		for (size_t c = 1; s && s < end && c < column; c++) {
			size_t n = utf8_seq_len((const unsigned char *)s, (size_t)(end - s));
			s += n ? n : 1;
		}
		char c = s && s < end ? *s : 0;
		if (c == '\t')
			reader_err(r, line, column, _("syntax error: a tab where YAML does not allow one: "
						      "use spaces"));
		else if (c > ' ' && c < 0x7f)
			reader_err(r, line, column, _("syntax error: a value cannot start with '%c': "
						      "put the value in quotes"), c);
		else
			return false;
		return true;
	}
	if (!strcmp(problem, "mapping values are not allowed in this context")) {
		reader_err(r, line, column, _("syntax error: unexpected ':' here: indent this line like "
					      "the keys above it, or put a value holding ': ' in quotes"));
		return true;
	}
	if (!strcmp(problem, "did not find expected key") && p->context) {
		reader_err(r, line, column, _("syntax error: wrong indentation: align this line with the "
					      "keys of the mapping at line %zu, column %zu"), cline, ccol);
		return true;
	}
	if (!strcmp(problem, "did not find expected '-' indicator") && p->context) {
		reader_err(r, line, column, _("syntax error: wrong indentation: align this line with the "
					      "list at line %zu, column %zu (each item starts with '- ' "
					      "there, its keys under the first)"), cline, ccol);
		return true;
	}
	if (!strcmp(problem, "could not find expected ':'") && p->context) {
		char *kv = colon_without_space(r, cline);
		if (kv)
			reader_err(r, cline, ccol, _("syntax error: no space after ':' in '%s': write "
						     "'key: value'"), kv);
		else
			reader_err(r, cline, ccol, _("syntax error: a key without ':' (or a line cut "
						     "in two): write 'key: value' on one line"));
		free(kv);
		return true;
	}
	return false;
}

static void syntax_error(struct reader *r)
{
	yaml_parser_t *p = &r->parser;
	size_t line, column;

	r->fatal = true;
	if (p->error == YAML_MEMORY_ERROR) {
		pw_die_oom("libyaml");
	}
	if (p->error == YAML_READER_ERROR) {
		/* Reader errors (bad encoding) carry a byte offset, not a mark,
		 * and for a broken sequence it is the offset of the byte after
		 * its start. An editor needs the first bad character, and the
		 * likely cause: a file saved in Latin-1 or Windows-1252. */
		size_t off = p->problem_offset < r->len ? p->problem_offset : r->len;
		size_t bad = 0;
		bool found = false;
		while (bad < r->len) {
			size_t n = utf8_seq_len((const unsigned char *)r->data + bad, r->len - bad);
			if (!n) {
				found = true;
				break;
			}
			bad += n;
		}
		if (found)
			off = bad;
		line = 1;
		column = 1;
		for (size_t i = 0; i < off; i++) {
			if (r->data[i] == '\n') {
				line++;
				column = 1;
			} else if (((unsigned char)r->data[i] & 0xC0) != 0x80) {
				column++;
			}
		}
		/* the encoding is wrong everywhere: reading on would only
		 * repeat it */
		r->limit = true;
		if (found)
			reader_err(r, line, column, _("syntax error: not valid UTF-8 (byte 0x%02x): save the file as UTF-8"),
				   (unsigned char)r->data[off]);
		else
			reader_err(r, line, column, _("syntax error: %s"), p->problem ? p->problem : _("cannot read input"));
		return;
	}
	line = p->problem_mark.line + 1;
	column = p->problem_mark.column + 1;
	r->error_line = line;
	r->error_column = column;
	/* said already, with what to do, by scan_tabs() */
	if (line_has_indent_tab(r, line) ||
	    (p->context && line_has_indent_tab(r, p->context_mark.line + 1))) {
		r->nerr++;
		return;
	}
	if (explain_syntax_error(r, line, column))
		return;
	if (p->context)
		reader_err(r, line, column, _("syntax error: %s (%s at line %zu, column %zu)"),
			   p->problem ? p->problem : _("invalid YAML"), p->context,
			   p->context_mark.line + 1, p->context_mark.column + 1);
	else
		reader_err(r, line, column, _("syntax error: %s"), p->problem ? p->problem : _("invalid YAML"));
}

static int next_event(struct reader *r, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&r->parser, ev)) {
		syntax_error(r);
		return -1;
	}
	return 0;
}

static struct ynode *node_new(enum ynode_kind kind, yaml_mark_t m)
{
	struct ynode *n = xcalloc(1, sizeof(*n));
	n->kind = kind;
	n->line = (int)m.line + 1;
	n->column = (int)m.column + 1;
	return n;
}

static void node_free(struct ynode *n)
{
	if (!n)
		return;
	free(n->value);
	for (size_t i = 0; i < n->n && n->items; i++)
		node_free(n->items[i]);
	for (size_t i = 0; i < n->n && n->pairs; i++) {
		node_free(n->pairs[i].key);
		node_free(n->pairs[i].value);
	}
	free(n->items);
	free(n->pairs);
	free(n);
}

/* Capacity doubles when the count reaches a power of two. */
static bool needs_growth(size_t n)
{
	return (n & (n - 1)) == 0;
}

static void seq_append(struct ynode *seq, struct ynode *item)
{
	if (needs_growth(seq->n))
		seq->items = xrealloc(seq->items, (seq->n ? seq->n * 2 : 1) * sizeof(*seq->items));
	seq->items[seq->n++] = item;
}

static void check_anchor(struct reader *r, const yaml_char_t *anchor, yaml_mark_t m)
{
	if (anchor)
		reader_err_at(r, m, _("anchors are not supported: write the value out"));
}

static struct ynode *parse_node(struct reader *r, const yaml_event_t *ev, int depth);

/* The sequence that starts with ev, its items parsed (parse_node()). At a
 * syntax error (r->fatal) it returns what it read so far, marked broken. */
static struct ynode *parse_sequence(struct reader *r, const yaml_event_t *ev, int depth)
{
	struct ynode *n;
	yaml_event_t sub;

	check_anchor(r, ev->data.sequence_start.anchor, ev->start_mark);
	n = node_new(YNODE_SEQ, ev->start_mark);
	for (;;) {
		if (next_event(r, &sub) < 0)
			goto broken;
		if (sub.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&sub);
			break;
		}
		struct ynode *item = parse_node(r, &sub, depth + 1);
		yaml_event_delete(&sub);
		if (item)
			seq_append(n, item);
		if (r->fatal)
			goto broken;
	}
	return n;

broken:
	n->broken = true;
	return n;
}

/* The mapping that starts with ev: keys plain text and unique (an
 * offending pair is said and dropped), values parsed (parse_node()). At a
 * syntax error it returns what it read so far, marked broken. */
static struct ynode *parse_mapping(struct reader *r, const yaml_event_t *ev, int depth)
{
	struct ynode *n;
	struct strmap keys = STRMAP_INIT;
	yaml_event_t sub;

	check_anchor(r, ev->data.mapping_start.anchor, ev->start_mark);
	n = node_new(YNODE_MAP, ev->start_mark);
	/* keys seen so far, hashed: a list would make a mapping of N
	 * keys cost N^2 comparisons to check for duplicates */
	for (;;) {
		struct ynode *key, *value;
		if (next_event(r, &sub) < 0)
			goto broken;
		if (sub.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&sub);
			break;
		}
		key = parse_node(r, &sub, depth + 1);
		yaml_event_delete(&sub);
		if (r->fatal) {
			node_free(key);
			goto broken;
		}
		value = NULL;
		if (next_event(r, &sub) == 0) {
			value = parse_node(r, &sub, depth + 1);
			yaml_event_delete(&sub);
		}
		/* a key whose value was not read at all is dropped, as if
		 * absent (a broken mapping says nothing of absent keys) */
		if (!value) {
			node_free(key);
			goto broken;
		}
		if (key->kind != YNODE_SCALAR) {
			reader_err(r, (size_t)key->line, (size_t)key->column,
				   _("mapping keys must be plain text, not %s"), ynode_kind_name(key->kind));
			node_free(key);
			node_free(value);
			if (r->fatal)
				goto broken;
			continue;
		}
		const struct ynode *first = strmap_get(&keys, key->value);
		if (first) {
			reader_err(r, (size_t)key->line, (size_t)key->column,
				   _("duplicate key '%s' (first at line %d, column %d)"),
				   key->value, first->line, first->column);
			node_free(key);
			node_free(value);
			if (r->fatal)
				goto broken;
			continue;
		}
		if (needs_growth(n->n))
			n->pairs = xrealloc(n->pairs, (n->n ? n->n * 2 : 1) * sizeof(*n->pairs));
		n->pairs[n->n].key = key;
		n->pairs[n->n].value = value;
		n->n++;
		strmap_put(&keys, key->value, key);
		if (r->fatal)
			goto broken;
	}
	strmap_release(&keys);
	return n;

broken:
	strmap_release(&keys);
	n->broken = true;
	return n;
}

/* Builds the node that starts with ev (owned by the caller). At a syntax
 * error (r->fatal) a sequence or mapping returns what it read so far,
 * marked broken, with the broken child it was reading; NULL only when
 * nothing of the node was read. */
static struct ynode *parse_node(struct reader *r, const yaml_event_t *ev, int depth)
{
	struct ynode *n = NULL;

	if (++r->nodes > YAML_MAX_NODES) {
		reader_err(r, ev->start_mark.line + 1, ev->start_mark.column + 1,
			   _("too many nodes in one file (more than %d): %s"),
			   YAML_MAX_NODES, _(YAML_SPLIT_HINT));
		r->fatal = r->limit = true;
		return NULL;
	}
	if (depth > YAML_MAX_DEPTH) {
		reader_err_at(r, ev->start_mark, _("nesting too deep"));
		r->fatal = r->limit = true;
		return NULL;
	}

	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		/* Keep going with a null value so later checks still run. */
		reader_err_at(r, ev->start_mark, _("aliases are not supported: write the value out"));
		n = node_new(YNODE_SCALAR, ev->start_mark);
		n->value = xstrdup("");
		n->plain = true;
		return n;

	case YAML_SCALAR_EVENT:
		check_anchor(r, ev->data.scalar.anchor, ev->start_mark);
		n = node_new(YNODE_SCALAR, ev->start_mark);
		n->value = xstrndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		if (memchr(ev->data.scalar.value, '\0', ev->data.scalar.length))
			reader_err_at(r, ev->start_mark, _("text contains a NUL character"));
		return n;

	case YAML_SEQUENCE_START_EVENT:
		return parse_sequence(r, ev, depth);

	case YAML_MAPPING_START_EVENT:
		return parse_mapping(r, ev, depth);

	default:
		reader_err_at(r, ev->start_mark, _("unexpected YAML event"));
		r->fatal = r->limit = true;
		return NULL;
	}
}

static void parse_stream(struct reader *r, struct yaml_doc *doc)
{
	yaml_event_t ev;
	struct ynode *root = NULL;

	if (next_event(r, &ev) < 0)
		return;
	yaml_event_delete(&ev);        /* STREAM-START */

	if (next_event(r, &ev) < 0)
		return;
	if (ev.type == YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev);
		return;                        /* empty file */
	}
	yaml_event_delete(&ev);        /* DOCUMENT-START */

	if (next_event(r, &ev) < 0)
		return;
	root = parse_node(r, &ev, 0);
	yaml_event_delete(&ev);
	if (!root || r->fatal)
		goto done;

	if (next_event(r, &ev) < 0)
		goto done;
	yaml_event_delete(&ev);        /* DOCUMENT-END */

	if (next_event(r, &ev) < 0)
		goto done;
	if (ev.type == YAML_DOCUMENT_START_EVENT)
		reader_err_at(r, ev.start_mark, _("only one YAML document per file"));
	yaml_event_delete(&ev);

done:
	if (r->limit) {
		node_free(root);
		root = NULL;
	}
	doc->root = root;
}

/* Where reading can go on after a syntax error at line r->error_line in
 * the top-level list seq (the offices): the first line from there that
 * starts an item of it ('-' at its column), before anything less
 * indented. 0 if none. */
static size_t resume_line(const struct reader *r, const struct ynode *seq)
{
	/* libyaml often notices a mistake at the start of the next item:
	 * that item is read again (not one whose own text is wrong, nor the
	 * line a pass started at: each pass goes further) */
	size_t col = (size_t)seq->column - 1;
	size_t from = r->error_column <= col + 1 ? r->error_line : r->error_line + 1;
	if (from <= r->first_line)
		from = r->first_line + 1;
	const char *p = line_start(r->data, r->len, from), *end = r->data + r->len;

	for (size_t line = from; p && p < end; line++) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		/* bounded by the line: the file's text need not end in NUL */
		size_t ind = 0;
		while (p + ind < eol && p[ind] == ' ')
			ind++;
		const char *c = p + ind;
		bool blank = c >= eol || *c == '\r' || *c == '#';
		if (!blank && indent_tab(p, eol) < 0) {
			if (ind < col)
				return 0;
			if (ind == col) {
				if (*c == '-' && (c + 1 == eol || c[1] == ' ' || c[1] == '\r'))
					return line;
				return 0;
			}
		}
		p = eol < end ? eol + 1 : NULL;
	}
	return 0;
}

/* The text to read again from line `from`: the lines before it emptied
 * (so that lines and columns stay those of the file), the one just before
 * it opening the list under its key. Owned. */
static char *resume_text(const struct reader *r, size_t from, const char *key, size_t *len)
{
	struct buf b = BUF_INIT;
	const char *p = line_start(r->data, r->len, from);
	for (size_t l = 1; l + 1 < from; l++)
		buf_addch(&b, '\n');
	buf_addstr(&b, key);
	buf_addstr(&b, ":\n");
	buf_add(&b, p, (size_t)(r->data + r->len - p));
	return buf_detach(&b, len);
}

/* The top-level list cut short, with its key: the last pair of the root,
 * when it is a broken sequence. */
static struct ynode *broken_list(struct ynode *root, const char **key)
{
	if (!root || root->kind != YNODE_MAP || !root->broken || !root->n)
		return NULL;
	struct ynode_pair *last = &root->pairs[root->n - 1];
	if (last->value->kind != YNODE_SEQ || !last->value->broken)
		return NULL;
	*key = last->key->value;
	return last->value;
}

/* Marks broken the nodes a syntax error cut: the last one of each level.
 * A last key with an empty value ("pages:" before the line in error) lost
 * its value: it goes, as if absent. */
static void mark_last_broken(struct ynode *n)
{
	while (n && n->kind != YNODE_SCALAR && n->n) {
		n->broken = true;
		if (n->kind == YNODE_SEQ) {
			n = n->items[n->n - 1];
			continue;
		}
		struct ynode_pair *last = &n->pairs[n->n - 1];
		if (ynode_is_null(last->value)) {
			node_free(last->key);
			node_free(last->value);
			n->n--;
			return;
		}
		n = last->value;
	}
	if (n && n->kind != YNODE_SCALAR)
		n->broken = true;
}

/* libyaml reads a token ahead: at a syntax error on line L the value that
 * ends line L-1 is never delivered ("kind: nope" before a tab-indented
 * line is lost). The text before line L read alone gives it, when that
 * text parses by itself; its errors were said by the first pass. */
static void reread_before_error(struct reader *r, struct yaml_doc *doc)
{
	const char *stop = line_start(r->data, r->len, r->error_line);
	if (!stop || stop == r->data)
		return;
	struct strvec scratch = STRVEC_INIT;
	struct reader before = { .file = r->file, .data = r->data, .len = (size_t)(stop - r->data),
				 .errs = &scratch, .first_line = r->first_line };
	struct yaml_doc head = { NULL, NULL };
	if (!yaml_parser_initialize(&before.parser)) {
		pw_die_oom("libyaml parser");
	}
	yaml_parser_set_input_string(&before.parser, (const unsigned char *)before.data, before.len);
	parse_stream(&before, &head);
	yaml_parser_delete(&before.parser);
	if (!before.fatal && head.root) {
		mark_last_broken(head.root);
		node_free(doc->root);
		doc->root = head.root;
		head.root = NULL;
	}
	node_free(head.root);
	strvec_release(&scratch);
}

/* Reads data into doc->root; tabs (when scan) are reported first. After a
 * syntax error inside the top-level list, reads on from its next item,
 * whose items join the list. */
static void parse_all(struct reader *r, struct yaml_doc *doc, bool scan)
{
	if (!yaml_parser_initialize(&r->parser)) {
		pw_die_oom("libyaml parser");
	}
	if (scan)
		scan_tabs(r);
	yaml_parser_set_input_string(&r->parser, (const unsigned char *)r->data, r->len);
	parse_stream(r, doc);
	yaml_parser_delete(&r->parser);
	if (r->fatal && !r->limit && doc->root)
		reread_before_error(r, doc);

	const char *key = NULL;
	struct ynode *list = broken_list(doc->root, &key);
	/* past that many, the file is not YAML at all: reading on would
	 * only cost time (each pass copies the text) */
	size_t from = list && r->fatal && !r->limit ? resume_line(r, list) : 0;
	if (!from)
		return;
	if (r->resumed >= YAML_MAX_RESUME) {
		reader_err(r, from, 1, _("too many syntax errors: the file is not read past this line "
					 "(fix the errors above first)"));
		return;
	}
	size_t len;
	char *text = resume_text(r, from, key, &len);
	struct reader more = { .file = r->file, .data = text, .len = len, .errs = r->errs,
			       .nodes = r->nodes, .first_line = from, .resumed = r->resumed + 1 };
	struct yaml_doc rest = { NULL, NULL };
	parse_all(&more, &rest, false);
	r->nerr += more.nerr;
	r->nodes = more.nodes;
	struct ynode *rest_list = rest.root && rest.root->kind == YNODE_MAP && rest.root->n
		? rest.root->pairs[0].value : NULL;
	if (rest_list && rest_list->kind == YNODE_SEQ) {
		/* the items move to the list; it stays broken (the item
		 * cut short is missing) */
		for (size_t i = 0; i < rest_list->n; i++)
			seq_append(list, rest_list->items[i]);
		free(rest_list->items);
		rest_list->items = NULL;
		rest_list->n = 0;
	}
	if (more.limit) {
		node_free(doc->root);
		doc->root = NULL;
		r->limit = true;
	}
	node_free(rest.root);
	free(text);
}

int yaml_doc_parse(struct yaml_doc *doc, const char *name, const char *data, size_t len,
		   struct strvec *errs)
{
	struct reader r = { .file = name, .data = data, .len = len, .errs = errs, .first_line = 1 };

	doc->file = xstrdup(name);
	doc->root = NULL;
	parse_all(&r, doc, true);
	return r.nerr;
}

/* "No such file or directory" -> "no such file or directory". */
static char *reason(int err)
{
	char *s = xstrdup(strerror(err));
	lower_first(s);
	return s;
}

int yaml_doc_load(struct yaml_doc *doc, const char *path, struct strvec *errs)
{
	struct buf b;
	char tmp[16384];
	size_t got;
	int nerr = 0;
	FILE *f = NULL;
	char *why = NULL;

	doc->file = NULL;
	doc->root = NULL;
	buf_init(&b, YAML_MAX_BYTES);

	f = fopen(path, "rb");
	if (!f) {
		why = reason(errno);
		push_err(errs, xasprintf(_("%s: cannot open: %s"), path, why));
		nerr = 1;
		goto cleanup;
	}
	while ((got = fread(tmp, 1, sizeof(tmp), f)) > 0) {
		if (buf_add(&b, tmp, got) < 0) {
			push_err(errs, xasprintf(_("%s: file too large (more than %zu MiB): %s"),
							  path, YAML_MAX_BYTES >> 20, _(YAML_SPLIT_HINT)));
			nerr = 1;
			goto cleanup;
		}
	}
	if (ferror(f)) {
		why = reason(errno);
		push_err(errs, xasprintf(_("%s: cannot read: %s"), path, why));
		nerr = 1;
		goto cleanup;
	}
	nerr = yaml_doc_parse(doc, path, buf_str(&b), b.len, errs);

cleanup:
	if (!doc->file)
		doc->file = xstrdup(path);
	if (f)
		fclose(f);
	free(why);
	buf_release(&b);
	return nerr;
}

void yaml_doc_release(struct yaml_doc *doc)
{
	if (!doc)
		return;
	node_free(doc->root);
	free(doc->file);
	doc->root = NULL;
	doc->file = NULL;
}

const struct ynode *ynode_get_key(const struct ynode *map, const char *key)
{
	if (!map || map->kind != YNODE_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (!strcmp(map->pairs[i].key->value, key))
			return map->pairs[i].key;
	return NULL;
}

const struct ynode *ynode_get(const struct ynode *map, const char *key)
{
	if (!map || map->kind != YNODE_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (!strcmp(map->pairs[i].key->value, key))
			return map->pairs[i].value;
	return NULL;
}

bool ynode_is_null(const struct ynode *node)
{
	if (!node || node->kind != YNODE_SCALAR || !node->plain)
		return false;
	const char *v = node->value;
	return !v[0] || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") || !strcmp(v, "NULL");
}

const char *ynode_kind_name(enum ynode_kind k)
{
	switch (k) {
	case YNODE_SCALAR: return _("a scalar");
	case YNODE_SEQ: return _("a sequence");
	case YNODE_MAP: return _("a mapping");
	}
	return _("a node");
}

void yaml_err(struct strvec *errs, const char *file, const struct ynode *node, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (node)
		push_err(errs, xasprintf("%s:%d:%d: %s", file, node->line, node->column, msg));
	else
		push_err(errs, xasprintf("%s: %s", file, msg));
	free(msg);
}

bool yaml_expect(struct strvec *errs, const char *file, const struct ynode *node,
		 enum ynode_kind kind, const char *what)
{
	if (node && node->kind == kind)
		return true;
	/* cut short by a syntax error, said already: its kind may be wrong */
	if (node && node->broken)
		return false;
	if (!node) {
		yaml_err(errs, file, NULL, _("%s: expected %s, got nothing"), _(what), ynode_kind_name(kind));
		return false;
	}
	if (ynode_is_null(node))
		yaml_err(errs, file, node, _("%s: expected %s, got an empty value"), _(what), ynode_kind_name(kind));
	else
		yaml_err(errs, file, node, _("%s: expected %s, got %s"), _(what), ynode_kind_name(kind),
			 ynode_kind_name(node->kind));
	return false;
}

int yaml_check_keys(struct strvec *errs, const char *file, const struct ynode *map,
		    const char *const *allowed, const char *what)
{
	int unknown = 0;
	if (!map || map->kind != YNODE_MAP)
		return 0;
	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *k = map->pairs[i].key;
		bool ok = false;
		for (const char *const *a = allowed; *a && !ok; a++)
			ok = !strcmp(*a, k->value);
		if (!ok) {
			yaml_err(errs, file, k, _("unknown key '%s' in %s"), k->value, _(what));
			unknown++;
		}
	}
	return unknown;
}

int ynode_bool(struct strvec *errs, const char *file, const struct ynode *node,
	       const char *key, bool *out)
{
	if (node && node->kind == YNODE_SCALAR) {
		/* Only the two spellings an editor is told about: YAML 1.1's
		 * yes/no/on/off are too easy to write by accident. */
		if (!strcmp(node->value, "true")) {
			*out = true;
			return 0;
		}
		if (!strcmp(node->value, "false")) {
			*out = false;
			return 0;
		}
		yaml_err(errs, file, node, _("bad value '%s' for '%s': expected true or false"), node->value, key);
		return -1;
	}
	yaml_expect(errs, file, node, YNODE_SCALAR, key);
	return -1;
}

int ynode_long(struct strvec *errs, const char *file, const struct ynode *node,
	       const char *key, long min, long max, long *out)
{
	if (!node || node->kind != YNODE_SCALAR) {
		yaml_expect(errs, file, node, YNODE_SCALAR, key);
		return -1;
	}
	const char *s = node->value;
	char *end = NULL;
	long v = 0;
	bool ok = false;
	if ((s[0] >= '0' && s[0] <= '9') || (s[0] == '-' && s[1] >= '0' && s[1] <= '9')) {
		errno = 0;
		v = strtol(s, &end, 10);
		ok = errno == 0 && end && *end == '\0' && v >= min && v <= max;
	}
	if (!ok) {
		yaml_err(errs, file, node, _("bad number '%s' for '%s': expected an integer from %ld to %ld"),
			 s, key, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

/* ====================================================================
 * Value checks, with the libraries that will use the values later
 * ==================================================================== */

/* Returns NULL if url is an absolute http(s) URL with a host and without
 * credentials, else a message (owned by the caller). The URL is quoted
 * without its user-info: a password must not reach the terminal either. */
static char *url_problem(const char *url)
{
	struct pw_url u = PW_URL_INIT;
	char *msg = NULL, *why = NULL, *shown = pw_url_redact(url);

	if (!strstr(url, "://")) {
		msg = xasprintf(_("bad url '%s': not a full address (expected http://... or https://...)"), shown);
		goto cleanup;
	}
	if (pw_url_parse(url, &u, &why) < 0) {
		msg = xasprintf(_("bad url '%s': %s"), shown, why);
		goto cleanup;
	}
	if (strcmp(u.scheme, "http") && strcmp(u.scheme, "https")) {
		msg = xasprintf(_("unsupported scheme '%s' in url '%s': only http and https are allowed"),
				u.scheme, shown);
		goto cleanup;
	}
	if (!u.host[0]) {
		msg = xasprintf(_("bad url '%s': no host"), shown);
		goto cleanup;
	}
	/* it would be sent in clear over http, and printed in every report */
	if (u.has_userinfo)
		msg = xasprintf(_("url '%s' holds a user name or password: credentials do not belong "
				"in a watchlist, put them in ~/.netrc"), shown);

cleanup:
	pw_url_release(&u);
	free(why);
	free(shown);
	return msg;
}

/* A site search address: an http(s) URL holding "{query}" once, where the
 * words of a moved page's title go (URL-encoded). */
static char *search_url_problem(const char *url)
{
	const char *q = strstr(url, "{query}");
	if (!q || strstr(q + 1, "{query}"))
		return xasprintf(_("bad search_url '%s': expected '{query}' exactly once, where the "
				   "searched words go"), url);
	char *probe = xasprintf("%.*sx%s", (int)(q - url), url, q + 7);
	char *msg = url_problem(probe);
	free(probe);
	return msg;
}

struct xpath_error {
	char msg[200];
	int offset;
	bool seen;
};

static void xpath_structured_error(void *ctx, xmlErrorPtr e)
{
	struct xpath_error *x = ctx;
	if (x->seen || !e || !e->message)
		return;
	snprintf(x->msg, sizeof(x->msg), "%s", e->message);
	size_t n = strlen(x->msg);
	while (n && (x->msg[n - 1] == '\n' || x->msg[n - 1] == ' '))
		x->msg[--n] = '\0';
	lower_first(x->msg);
	x->offset = e->int1;
	x->seen = true;
}

static void xml_generic_silent(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

/* Returns NULL if expr compiles as an XPath 1.0 expression, else a
 * message. libxml2 would print its own diagnostics to stderr: its error
 * handlers are swapped for ours during the compilation, then restored so
 * that whatever the caller had set up stays in place. */
static char *xpath_problem(const char *expr)
{
	struct xpath_error x = { .offset = -1 };
	xmlStructuredErrorFunc old_serror = xmlStructuredError;
	void *old_sctx = xmlStructuredErrorContext;
	xmlGenericErrorFunc old_gerror = xmlGenericError;
	void *old_gctx = xmlGenericErrorContext;
	xmlXPathContextPtr ctx = NULL;
	xmlXPathCompExprPtr comp = NULL;
	char *msg = NULL;

	xmlSetStructuredErrorFunc(&x, xpath_structured_error);
	xmlSetGenericErrorFunc(NULL, xml_generic_silent);
	/* With a context, libxml2 reports the error through the structured
	 * handler, with the offset; without one it only prints. */
	ctx = xmlXPathNewContext(NULL);
	if (!ctx) {
		msg = xasprintf(_("cannot check XPath '%s': out of memory"), expr);
		goto cleanup;
	}
	comp = xmlXPathCtxtCompile(ctx, (const xmlChar *)expr);
	if (!comp) {
		if (x.seen && x.offset >= 0)
			msg = xasprintf(_("bad XPath '%s': %s at offset %d"), expr, x.msg, x.offset);
		else if (x.seen)
			msg = xasprintf(_("bad XPath '%s': %s"), expr, x.msg);
		else
			msg = xasprintf(_("bad XPath '%s': does not compile"), expr);
	}

cleanup:
	xmlXPathFreeCompExpr(comp);
	xmlXPathFreeContext(ctx);
	xmlSetStructuredErrorFunc(old_sctx, old_serror);
	xmlSetGenericErrorFunc(old_gctx, old_gerror);
	return msg;
}

/* The crawler compiles it again with PCRE2_MATCH_INVALID_UTF (for page
 * text), which accepts the same patterns. */
static char *regex_problem(const char *pattern)
{
	struct pw_regex_error e;
	pcre2_code *re = pw_regex_compile(pattern, PCRE2_UTF | PCRE2_UCP, NULL, &e);
	if (re) {
		pcre2_code_free(re);
		return NULL;
	}
	return xasprintf(_("bad regex '%s': %s at offset %zu"), pattern, e.msg, e.offset);
}

static bool id_valid(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > WL_MAX_ID)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

/* "02", "974", "2A", "2B". */
static bool departement_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 2 && s[0] == '2' && (s[1] == 'A' || s[1] == 'B'))
		return true;
	if (n != 2 && n != 3)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool domain_valid(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 253 || s[0] == '.' || s[0] == '-' || s[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '.'))
			return false;
	return true;
}

/* ====================================================================
 * Validator
 * ==================================================================== */

struct loader {
	struct watchlist *wl;
	const char *file;
	struct strvec *errs;
	/* ids declared so far, in earlier files or in this one (valid or
	 * not), each with the position of its first declaration ("FILE:LINE"
	 * or "FILE:LINE:COLUMN"), so that a duplicate names the first one;
	 * keys and positions are owned by the two vectors */
	struct strmap office_seen, page_seen;
	struct strvec keys, locs;
};

enum check { CHECK_NONE, CHECK_ID, CHECK_URL, CHECK_XPATH, CHECK_REGEX, CHECK_DOMAIN, CHECK_DEPARTEMENT,
	     CHECK_PARAM, CHECK_RESOLVE, CHECK_SEARCH_URL };

/* A link parameter name for ignore_params: URL-safe name characters, an
 * optional final '*' (a prefix). */
static bool param_name_valid(const char *v)
{
	size_t n = strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-[]");
	return n > 0 && n <= 64 && (!v[n] || (v[n] == '*' && !v[n + 1]));
}

/* Applies check to a scalar; appends an error and returns false if bad. */
static bool check_value(struct loader *ld, const struct ynode *node, const char *key, enum check check)
{
	char *msg = NULL;
	const char *v = node->value;

	switch (check) {
	case CHECK_NONE:
		break;
	case CHECK_ID:
		if (!id_valid(v))
			msg = xasprintf(_("bad %s '%s': only a-z, 0-9 and '-' are allowed (at most %d characters)"),
					key, v, WL_MAX_ID);
		break;
	case CHECK_URL:
		msg = url_problem(v);
		break;
	case CHECK_XPATH:
		msg = xpath_problem(v);
		break;
	case CHECK_REGEX:
		msg = regex_problem(v);
		break;
	case CHECK_DOMAIN:
		if (!domain_valid(v))
			msg = xasprintf(_("bad domain '%s' in '%s': expected a lower-case host name"), v, key);
		break;
	case CHECK_PARAM:
		if (!param_name_valid(v))
			msg = xasprintf(_("bad parameter name '%s' in '%s': expected letters, digits, '_', '.', "
					"'-' or '[]', optionally ending in '*' (a prefix)"), v, key);
		break;
	case CHECK_RESOLVE:
		pw_resolve_parse(v, NULL, NULL, NULL, &msg);
		break;
	case CHECK_SEARCH_URL:
		msg = search_url_problem(v);
		break;
	case CHECK_DEPARTEMENT:
		if (!departement_valid(v))
			msg = xasprintf(_("bad departement '%s': expected its code, e.g. \"02\", \"2A\" or \"974\""), v);
		break;
	}
	if (!msg)
		return true;
	yaml_err(ld->errs, ld->file, node, "%s", msg);
	free(msg);
	return false;
}

/* A non-empty scalar under key in map, checked; returns an owned copy, or
 * NULL (absent, or error appended). "what" names the map in messages. */
static char *get_string(struct loader *ld, const struct ynode *map, const char *key,
			bool required, enum check check, const char *what)
{
	const struct ynode *v = ynode_get(map, key);
	if (!v) {
		if (required && !map->broken)
			yaml_err(ld->errs, ld->file, map, _("missing required key '%s' in %s"), key, _(what));
		return NULL;
	}
	if (v->kind != YNODE_SCALAR) {
		yaml_expect(ld->errs, ld->file, v, YNODE_SCALAR, key);
		return NULL;
	}
	if (ynode_is_null(v) || !v->value[0]) {
		yaml_err(ld->errs, ld->file, v, _("empty value for '%s' in %s"), key, _(what));
		return NULL;
	}
	if (!check_value(ld, v, key, check))
		return NULL;
	return xstrdup(v->value);
}

/* A string or a sequence of strings; each is checked and appended to out
 * (skipping ones already there). Returns false on any error. */
static bool get_list(struct loader *ld, const struct ynode *map, const char *key,
		     enum check check, struct strvec *out)
{
	const struct ynode *v = ynode_get(map, key);
	bool ok = true;

	if (!v)
		return true;
	if (v->kind == YNODE_MAP || ynode_is_null(v)) {
		yaml_err(ld->errs, ld->file, v, _("%s: expected a string or a sequence of strings, got %s"),
			 key, ynode_is_null(v) ? _("an empty value") : ynode_kind_name(v->kind));
		return false;
	}
	size_t n = v->kind == YNODE_SEQ ? v->n : 1;
	for (size_t i = 0; i < n; i++) {
		const struct ynode *item = v->kind == YNODE_SEQ ? v->items[i] : v;
		if (item->kind != YNODE_SCALAR || ynode_is_null(item) || !item->value[0]) {
			yaml_err(ld->errs, ld->file, item, _("%s: expected a non-empty string, got %s"), key,
				 item->kind == YNODE_SCALAR ? _("an empty value") : ynode_kind_name(item->kind));
			ok = false;
			continue;
		}
		if (!check_value(ld, item, key, check)) {
			ok = false;
			continue;
		}
		if (!strvec_contains(out, item->value))
			strvec_push(out, item->value);
	}
	return ok;
}

static char *loc(struct loader *ld, const struct ynode *n)
{
	return xasprintf("%s:%d:%d", ld->file, n->line, n->column);
}

/* Records an id (what: "page" or "office"); false (and an error at node)
 * if it was declared before, in this file or an earlier one. */
static bool claim_id(struct loader *ld, struct strmap *seen, const char *what, const char *id,
		     const struct ynode *node)
{
	const char *first = strmap_get(seen, id);
	if (first) {
		yaml_err(ld->errs, ld->file, node, _("duplicate %s id '%s' (first at %s)"), what, id, first);
		return false;
	}
	char *key = xstrdup(id), *at = loc(ld, node);
	strvec_push_nodup(&ld->keys, key);
	strvec_push_nodup(&ld->locs, at);
	strmap_put(seen, key, at);
	return true;
}

static bool claim_page_id(struct loader *ld, const char *id, const struct ynode *node)
{
	return claim_id(ld, &ld->page_seen, "page", id, node);
}

/* Indexes the ids of the files loaded before this one. */
static void index_earlier_ids(struct loader *ld)
{
	const struct watchlist *wl = ld->wl;
	for (size_t i = 0; i < wl->n_offices; i++) {
		const struct wl_office *o = &wl->offices[i];
		char *at = xasprintf("%s:%d", o->file, o->line);
		strvec_push_nodup(&ld->locs, at);
		strmap_put(&ld->office_seen, o->id, at);
		for (size_t j = 0; j < o->n_pages; j++) {
			at = xasprintf("%s:%d", o->pages[j].file, o->pages[j].line);
			strvec_push_nodup(&ld->locs, at);
			strmap_put(&ld->page_seen, o->pages[j].id, at);
		}
	}
}

static bool claim_office_id(struct loader *ld, const char *id, const struct ynode *node)
{
	return claim_id(ld, &ld->office_seen, "office", id, node);
}

static void page_release(struct wl_page *p)
{
	free(p->id);
	free(p->url);
	free(p->select);
	free(p->search_url);
	strvec_release(&p->exclude);
	strvec_release(&p->ignore);
	strvec_release(&p->ignore_params);
	free(p->file);
}

static void office_release(struct wl_office *o)
{
	for (size_t i = 0; i < o->n_pages; i++)
		page_release(&o->pages[i]);
	free(o->pages);
	free(o->id);
	free(o->region);
	free(o->departement);
	free(o->departement_name);
	free(o->name);
	free(o->served_by);
	strvec_release(&o->serves_ids);
	strvec_release(&o->serves_names);
	free(o->file);
}

static const char *const page_keys[] = {
	"url", "id", "select", "exclude", "ignore", "ignore_params", "documents", "max_documents",
	"verified", "search_url", NULL
};

/* A page written as text instead of "url: ..." pairs: the address alone
 * ("- https://..."), or a key without the space after its ':'. */
static void scalar_page_error(struct loader *ld, const struct ynode *node)
{
	const char *v = node->value, *colon = strchr(v, ':');
	size_t word = strspn(v, "abcdefghijklmnopqrstuvwxyz_");
	if (word && v + word == colon && colon[1] && colon[1] != '/')
		yaml_err(ld->errs, ld->file, node, _("page '%s': no space after ':': write '%.*s: %s'"),
			 v, (int)word, v, colon + 1);
	else if ((strstr(v, "://") || !strncmp(v, "www.", 4)) && !strchr(v, ' '))
		yaml_err(ld->errs, ld->file, node, _("page '%s' is a bare address: write it '- url: %s'"),
			 v, v);
	else
		yaml_err(ld->errs, ld->file, node, _("page: expected a mapping (url: ...), got the text '%s'"),
			 v);
}

/* Fills p from node; returns false if anything was wrong. */
static bool load_page(struct loader *ld, const struct ynode *node, const struct wl_office *o,
		      size_t n_pages, struct wl_page *p)
{
	size_t before = ld->errs->n;
	const struct ynode *v;

	p->max_documents = -1;
	p->verified = true;
	p->file = xstrdup(ld->file);
	p->line = node->line;
	if (node->kind == YNODE_SCALAR && node->plain && node->value[0]) {
		scalar_page_error(ld, node);
		return false;
	}
	if (!yaml_expect(ld->errs, ld->file, node, YNODE_MAP, N_("page")))
		return false;
	yaml_check_keys(ld->errs, ld->file, node, page_keys, N_("page"));

	p->url = get_string(ld, node, "url", true, CHECK_URL, N_("page"));
	p->id = get_string(ld, node, "id", false, CHECK_ID, N_("page"));
	if (p->id) {
		claim_page_id(ld, p->id, ynode_get(node, "id"));
	} else if (!ynode_get(node, "id") && !node->broken) {
		if (n_pages > 1)
			yaml_err(ld->errs, ld->file, node,
				 _("missing required key 'id' in page: an office with several pages needs an id for each"));
		else if (o->id) {
			/* The office's only page takes its id; a clash with
			 * another page's id is reported at the office id. */
			p->id = xstrdup(o->id);
			if (!claim_page_id(ld, p->id, node)) {
				free(p->id);
				p->id = NULL;
			}
		}
	}
	p->select = get_string(ld, node, "select", false, CHECK_XPATH, "page");
	get_list(ld, node, "exclude", CHECK_XPATH, &p->exclude);
	get_list(ld, node, "ignore", CHECK_REGEX, &p->ignore);
	get_list(ld, node, "ignore_params", CHECK_PARAM, &p->ignore_params);
	p->search_url = get_string(ld, node, "search_url", false, CHECK_SEARCH_URL, "page");

	v = ynode_get(node, "documents");
	if (v && yaml_expect(ld->errs, ld->file, v, YNODE_SCALAR, "documents")) {
		if (!strcmp(v->value, "follow"))
			p->documents = WL_DOCS_FOLLOW;
		else if (!strcmp(v->value, "none"))
			p->documents = WL_DOCS_NONE;
		else
			yaml_err(ld->errs, ld->file, v, _("bad value '%s' for 'documents': expected follow or none"),
				 v->value);
	}
	v = ynode_get(node, "max_documents");
	if (v)
		ynode_long(ld->errs, ld->file, v, "max_documents", 0, 1000, &p->max_documents);
	v = ynode_get(node, "verified");
	if (v)
		ynode_bool(ld->errs, ld->file, v, "verified", &p->verified);
	return ld->errs->n == before && !node->broken;
}

static const char *const office_keys[] = {
	"id", "region", "departement", "departement_name", "name", "kind", "handles_aes", "served_by",
	"status", "pages", NULL
};

static bool key_in(const char *const *keys, const char *k)
{
	for (; *keys; keys++)
		if (!strcmp(*keys, k))
			return true;
	return false;
}

/* Unknown keys, and a page's keys written at the office's level (a page
 * not indented under pages:, or "- " forgotten) said as such. */
static void check_office_keys(struct loader *ld, const struct ynode *node)
{
	for (size_t i = 0; i < node->n; i++) {
		const struct ynode *k = node->pairs[i].key;
		if (key_in(office_keys, k->value))
			continue;
		if (key_in(page_keys, k->value))
			yaml_err(ld->errs, ld->file, k, _("'%s' belongs to a page, not to the office: "
							  "indent it under 'pages:' as '- %s: ...'"),
				 k->value, k->value);
		else
			yaml_err(ld->errs, ld->file, k, _("unknown key '%s' in %s"), k->value, _("office"));
	}
}

/* kind: prefecture or sous-prefecture. */
static void load_office_kind(struct loader *ld, const struct ynode *node, struct wl_office *o,
			     const char *label)
{
	const struct ynode *v = ynode_get(node, "kind");
	if (!v && node->broken)
		; /* cut off by a syntax error, already said */
	else if (!v)
		yaml_err(ld->errs, ld->file, node, _("missing required key 'kind' in %s"), label);
	else if (yaml_expect(ld->errs, ld->file, v, YNODE_SCALAR, "kind")) {
		if (!strcmp(v->value, "prefecture"))
			o->kind = OFFICE_PREFECTURE;
		else if (!strcmp(v->value, "sous-prefecture"))
			o->kind = OFFICE_SOUS_PREFECTURE;
		else
			yaml_err(ld->errs, ld->file, v,
				 _("bad kind '%s': expected prefecture or sous-prefecture"), v->value);
	}
}

/* handles_aes and served_by (which implies handles_aes: false). Returns
 * the served_by node, or NULL. */
static const struct ynode *load_office_serving(struct loader *ld, const struct ynode *node,
					       struct wl_office *o, const char *label)
{
	const struct ynode *v = ynode_get(node, "handles_aes");
	if (v)
		ynode_bool(ld->errs, ld->file, v, "handles_aes", &o->handles_aes);
	const struct ynode *sb = ynode_get(node, "served_by");
	if (sb) {
		o->served_by = get_string(ld, node, "served_by", false, CHECK_ID, label);
		o->served_by_line = sb->line;
		o->served_by_column = sb->column;
		if (v && o->handles_aes)
			yaml_err(ld->errs, ld->file, ynode_get_key(node, "handles_aes"),
				 _("%s has served_by: its requests go to another office, so handles_aes "
				 "cannot be true"), label);
		o->handles_aes = false;
	}
	return sb;
}

/* The pages of an office that handles AES itself; none for one served
 * by another or that does not handle AES. */
static void load_office_pages(struct loader *ld, const struct ynode *node, struct wl_office *o,
			      const struct ynode *pages, bool served, const char *label)
{
	if (pages && served) {
		yaml_err(ld->errs, ld->file, ynode_get_key(node, "pages"),
			 _("%s has served_by but lists pages (the serving office's pages are watched)"),
			 label);
	} else if (pages && !o->handles_aes) {
		yaml_err(ld->errs, ld->file, ynode_get_key(node, "pages"),
			 _("%s has handles_aes: false but lists pages"), label);
	} else if (pages && yaml_expect(ld->errs, ld->file, pages, YNODE_SEQ, "pages")) {
		if (!pages->n)
			yaml_err(ld->errs, ld->file, pages,
				 _("%s handles AES but has no pages (add one, or set handles_aes: false)"), label);
		o->pages = xcalloc(pages->n ? pages->n : 1, sizeof(*o->pages));
		o->n_pages = pages->n;
		for (size_t i = 0; i < pages->n; i++)
			load_page(ld, pages->items[i], o, pages->n, &o->pages[i]);
	} else if (!pages && o->handles_aes && !node->broken) {
		yaml_err(ld->errs, ld->file, node,
			 _("%s handles AES but has no pages (add pages, or set handles_aes: false)"), label);
	}
}

static bool load_office(struct loader *ld, const struct ynode *node, struct wl_office *o)
{
	size_t before = ld->errs->n;
	const struct ynode *pages;
	const char *label;
	char *label_owned = NULL;

	o->handles_aes = true;
	o->file = xstrdup(ld->file);
	o->line = node->line;
	if (!yaml_expect(ld->errs, ld->file, node, YNODE_MAP, N_("office")))
		return false;
	check_office_keys(ld, node);

	o->id = get_string(ld, node, "id", true, CHECK_ID, "office");
	label_owned = o->id ? xasprintf(_("office '%s'"), o->id) : NULL;
	/* A duplicate keeps its name in messages, but its single page must
	 * not claim the id again: that would only repeat the same error. */
	if (o->id && !claim_office_id(ld, o->id, ynode_get(node, "id"))) {
		free(o->id);
		o->id = NULL;
	}
	label = label_owned ? label_owned : _("office");
	o->region = get_string(ld, node, "region", true, CHECK_NONE, label);
	o->departement = get_string(ld, node, "departement", true, CHECK_DEPARTEMENT, label);
	o->departement_name = get_string(ld, node, "departement_name", true, CHECK_NONE, label);
	o->name = get_string(ld, node, "name", true, CHECK_NONE, label);

	load_office_kind(ld, node, o, label);
	const struct ynode *sb = load_office_serving(ld, node, o, label);

	/* status: to_find is the one status so far: the office handles AES
	 * and its page is still to be found, so an empty list is expected */
	const struct ynode *st = ynode_get(node, "status");
	pages = ynode_get(node, "pages");
	if (st && yaml_expect(ld->errs, ld->file, st, YNODE_SCALAR, "status")) {
		if (strcmp(st->value, "to_find"))
			yaml_err(ld->errs, ld->file, st, _("bad value '%s' for 'status': expected to_find"),
				 st->value);
		else if (!o->handles_aes)
			yaml_err(ld->errs, ld->file, st, sb ?
				 _("%s has status: to_find but served_by (its pages are the serving office's)") :
				 _("%s has status: to_find but handles_aes: false"), label);
		else if (pages && !(pages->kind == YNODE_SEQ && pages->n == 0) && !ynode_is_null(pages))
			yaml_err(ld->errs, ld->file, st,
				 _("%s has status: to_find but lists pages (remove the status once a page is found)"),
				 label);
		else
			o->to_find = true;
		if (!o->to_find) {
			free(label_owned);
			return false;
		}
		free(label_owned);
		return ld->errs->n == before && !node->broken;
	}
	load_office_pages(ld, node, o, pages, sb != NULL, label);
	free(label_owned);
	/* a broken office is incomplete: never watched */
	return ld->errs->n == before && !node->broken;
}

static const char *const defaults_keys[] = {
	"ignore", "user_agent_url", "ca_bundle", "connect_timeout", "timeout", "low_speed_limit",
	"low_speed_time", "max_body", "failure_threshold", "document_domains", "ignore_params", "resolve",
	"search_url", NULL
};

/* Fills d (a fresh struct, all "unset"); merged into wl only if clean. */
static bool load_defaults(struct loader *ld, const struct ynode *node, struct wl_defaults *d)
{
	static const struct {
		const char *key;
		size_t offset;
		long min, max;
	} numbers[] = {
		{ "connect_timeout", offsetof(struct wl_defaults, connect_timeout), 1, 3600 },
		{ "timeout", offsetof(struct wl_defaults, timeout), 1, 86400 },
		{ "low_speed_limit", offsetof(struct wl_defaults, low_speed_limit), 0, 1000000000 },
		{ "low_speed_time", offsetof(struct wl_defaults, low_speed_time), 1, 3600 },
		{ "max_body", offsetof(struct wl_defaults, max_body), 1024, 1073741824 },
		{ "failure_threshold", offsetof(struct wl_defaults, failure_threshold), 1, 1000 },
	};
	size_t before = ld->errs->n;

	if (!yaml_expect(ld->errs, ld->file, node, YNODE_MAP, N_("defaults")))
		return false;
	yaml_check_keys(ld->errs, ld->file, node, defaults_keys, N_("defaults"));
	get_list(ld, node, "ignore", CHECK_REGEX, &d->ignore);
	d->user_agent_url = get_string(ld, node, "user_agent_url", false, CHECK_URL, "defaults");
	d->ca_bundle = get_string(ld, node, "ca_bundle", false, CHECK_NONE, "defaults");
	d->search_url = get_string(ld, node, "search_url", false, CHECK_SEARCH_URL, "defaults");
	for (size_t i = 0; i < PW_ARRAY_SIZE(numbers); i++) {
		const struct ynode *v = ynode_get(node, numbers[i].key);
		if (v)
			ynode_long(ld->errs, ld->file, v, numbers[i].key, numbers[i].min, numbers[i].max,
				   (long *)(void *)((char *)d + numbers[i].offset));
	}
	get_list(ld, node, "document_domains", CHECK_DOMAIN, &d->document_domains);
	get_list(ld, node, "ignore_params", CHECK_PARAM, &d->ignore_params);
	get_list(ld, node, "resolve", CHECK_RESOLVE, &d->resolve);
	return ld->errs->n == before && !node->broken;
}

static void defaults_init(struct wl_defaults *d)
{
	memset(d, 0, sizeof(*d));
	d->connect_timeout = d->timeout = d->low_speed_limit = d->low_speed_time = -1;
	d->max_body = d->failure_threshold = -1;
}

static void defaults_release(struct wl_defaults *d)
{
	strvec_release(&d->ignore);
	strvec_release(&d->document_domains);
	strvec_release(&d->ignore_params);
	strvec_release(&d->resolve);
	free(d->user_agent_url);
	free(d->ca_bundle);
	free(d->search_url);
	defaults_init(d);
}

/* Lists extend, scalars set in the later file win. Takes from's strings. */
static void defaults_merge(struct wl_defaults *to, struct wl_defaults *from)
{
	for (size_t i = 0; i < from->ignore.n; i++)
		if (!strvec_contains(&to->ignore, from->ignore.v[i]))
			strvec_push(&to->ignore, from->ignore.v[i]);
	for (size_t i = 0; i < from->document_domains.n; i++)
		if (!strvec_contains(&to->document_domains, from->document_domains.v[i]))
			strvec_push(&to->document_domains, from->document_domains.v[i]);
	for (size_t i = 0; i < from->ignore_params.n; i++)
		if (!strvec_contains(&to->ignore_params, from->ignore_params.v[i]))
			strvec_push(&to->ignore_params, from->ignore_params.v[i]);
	for (size_t i = 0; i < from->resolve.n; i++)
		if (!strvec_contains(&to->resolve, from->resolve.v[i]))
			strvec_push(&to->resolve, from->resolve.v[i]);
	if (from->user_agent_url) {
		free(to->user_agent_url);
		to->user_agent_url = from->user_agent_url;
		from->user_agent_url = NULL;
	}
	if (from->ca_bundle) {
		free(to->ca_bundle);
		to->ca_bundle = from->ca_bundle;
		from->ca_bundle = NULL;
	}
	if (from->search_url) {
		free(to->search_url);
		to->search_url = from->search_url;
		from->search_url = NULL;
	}
#define MERGE(f) do { if (from->f >= 0) to->f = from->f; } while (0)
	MERGE(connect_timeout);
	MERGE(timeout);
	MERGE(low_speed_limit);
	MERGE(low_speed_time);
	MERGE(max_body);
	MERGE(failure_threshold);
#undef MERGE
}

/* Offices live in one array that grows; pages point back to their office: when the array moves, every back
 * pointer is set again (it grows geometrically, so that stays linear). */
static void add_office(struct watchlist *wl, struct wl_office *o)
{
	if (wl->n_offices == wl->alloc_offices) {
		wl->alloc_offices = wl->alloc_offices ? 2 * wl->alloc_offices : 32;
		wl->offices = xrealloc(wl->offices, wl->alloc_offices * sizeof(*wl->offices));
		for (size_t i = 0; i < wl->n_offices; i++)
			for (size_t j = 0; j < wl->offices[i].n_pages; j++)
				wl->offices[i].pages[j].office = &wl->offices[i];
	}
	struct wl_office *dst = &wl->offices[wl->n_offices++];
	*dst = *o;
	for (size_t j = 0; j < dst->n_pages; j++)
		dst->pages[j].office = dst;
}

static const char *const top_keys[] = { "defaults", "offices", NULL };

/* Position of an error "FILE:LINE:COLUMN: ..." whose FILE is file;
 * messages without a position sort first. */
static void err_pos(const char *msg, size_t skip, long *line, long *column)
{
	char *end;
	*line = *column = 0;
	if (strlen(msg) <= skip || msg[skip] != ':')
		return;
	*line = strtol(msg + skip + 1, &end, 10);
	if (*end == ':')
		*column = strtol(end + 1, NULL, 10);
}

/* Moves the file's errors to errs in the order of the file, so that an
 * editor reads them top to bottom (validation walks keys in a fixed order,
 * not the editor's). Insertion sort: stable, and the lists are short. */
static void move_sorted(struct strvec *errs, struct strvec *local, const char *file)
{
	size_t skip = strlen(file);
	for (size_t i = 1; i < local->n; i++) {
		char *cur = local->v[i];
		long l, c;
		size_t j = i;
		err_pos(cur, skip, &l, &c);
		while (j > 0) {
			long pl, pc;
			err_pos(local->v[j - 1], skip, &pl, &pc);
			if (pl < l || (pl == l && pc <= c))
				break;
			local->v[j] = local->v[j - 1];
			j--;
		}
		local->v[j] = cur;
	}
	for (size_t i = 0; i < local->n; i++)
		strvec_push_nodup(errs, local->v[i]);
	free(local->v);
	local->v = NULL;
	local->n = local->alloc = 0;
}

/* Loads a file (data NULL) or a buffer named path. */
static int load_any(struct watchlist *wl, const char *path, const char *data, size_t len,
		    struct strvec *caller_errs)
{
	struct strvec *errs;
	struct yaml_doc doc = { NULL, NULL };
	struct strvec local = STRVEC_INIT;
	struct loader ld = { .wl = wl, .errs = &local };
	struct wl_defaults d;
	int nerr;
	const struct ynode *root, *v;

	errs = &local;                 /* the file's errors, sorted at the end */

	defaults_init(&d);
	xmlInitParser();
	if (data)
		yaml_doc_parse(&doc, path, data, len, errs);
	else
		yaml_doc_load(&doc, path, errs);
	strvec_push(&wl->files, path);
	ld.file = doc.file;
	index_earlier_ids(&ld);
	root = doc.root;
	if (!root) {
		if (!errs->n)
			push_err(errs, xasprintf(_("%s:1:1: empty file: expected a mapping with 'offices'"),
							  path));
		goto cleanup;
	}
	if (!yaml_expect(errs, ld.file, root, YNODE_MAP, N_("watchlist file")))
		goto cleanup;
	yaml_check_keys(errs, ld.file, root, top_keys, N_("watchlist file"));

	v = ynode_get(root, "defaults");
	if (v && load_defaults(&ld, v, &d))
		defaults_merge(&wl->defaults, &d);

	v = ynode_get(root, "offices");
	if (v && yaml_expect(errs, ld.file, v, YNODE_SEQ, "offices")) {
		for (size_t i = 0; i < v->n; i++) {
			struct wl_office o;
			memset(&o, 0, sizeof(o));
			/* Only clean offices reach the watchlist: downstream
			 * code may rely on every field being set. */
			if (load_office(&ld, v->items[i], &o))
				add_office(wl, &o);
			else
				office_release(&o);
		}
	}

cleanup:
	defaults_release(&d);
	strmap_release(&ld.office_seen);
	strmap_release(&ld.page_seen);
	strvec_release(&ld.keys);
	strvec_release(&ld.locs);
	nerr = (int)local.n;
	move_sorted(caller_errs, &local, path);
	yaml_doc_release(&doc);
	return nerr;
}

int watchlist_load(struct watchlist *wl, const char *path, struct strvec *errs)
{
	return load_any(wl, path, NULL, 0, errs);
}

int watchlist_load_buffer(struct watchlist *wl, const char *name, const char *data, size_t len,
			  struct strvec *errs)
{
	return load_any(wl, name, data ? data : "", len, errs);
}

int watchlist_finish(struct watchlist *wl, struct strvec *errs)
{
	struct strmap by_id = STRMAP_INIT;
	size_t before = errs->n;

	for (size_t i = 0; i < wl->n_offices; i++)
		strmap_put(&by_id, wl->offices[i].id, &wl->offices[i]);
	for (size_t i = 0; i < wl->n_offices; i++) {
		struct wl_office *o = &wl->offices[i];
		if (!o->served_by)
			continue;
		struct wl_office *t = (struct wl_office *)strmap_get(&by_id, o->served_by);
		const char *why = NULL;
		char *owned = NULL;
		if (!t)
			why = _("no office of the watchlist has this id");
		else if (t == o)
			why = _("an office cannot be served by itself");
		else if (t->served_by)
			why = owned = xasprintf(_("that office is itself served by '%s': name the office "
						"whose pages are watched"), t->served_by);
		else if (!t->n_pages)
			why = _("that office has no pages to watch");
		if (why) {
			push_err(errs, xasprintf(_("%s:%d:%d: served_by '%s' of office '%s': %s"),
							  o->file, o->served_by_line, o->served_by_column,
							  o->served_by, o->id, why));
			free(owned);
			continue;
		}
		strvec_push(&t->serves_ids, o->id);
		strvec_push(&t->serves_names, o->name);
	}
	strmap_release(&by_id);
	return (int)(errs->n - before);
}

void watchlist_init(struct watchlist *wl)
{
	memset(wl, 0, sizeof(*wl));
	defaults_init(&wl->defaults);
}

void watchlist_release(struct watchlist *wl)
{
	if (!wl)
		return;
	for (size_t i = 0; i < wl->n_offices; i++)
		office_release(&wl->offices[i]);
	free(wl->offices);
	defaults_release(&wl->defaults);
	strvec_release(&wl->files);
	watchlist_init(wl);
}

const struct wl_page *watchlist_find_page(const struct watchlist *wl, const char *id)
{
	for (size_t i = 0; i < wl->n_offices; i++)
		for (size_t j = 0; j < wl->offices[i].n_pages; j++)
			if (!strcmp(wl->offices[i].pages[j].id, id))
				return &wl->offices[i].pages[j];
	return NULL;
}

size_t watchlist_page_count(const struct watchlist *wl)
{
	size_t n = 0;
	for (size_t i = 0; i < wl->n_offices; i++)
		n += wl->offices[i].n_pages;
	return n;
}

const char *office_kind_name(enum office_kind k)
{
	switch (k) {
	case OFFICE_PREFECTURE: return "prefecture";
	case OFFICE_SOUS_PREFECTURE: return "sous-prefecture";
	}
	return "unknown";
}
