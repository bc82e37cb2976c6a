/*
 * import.c - `prefwatch import` (a spreadsheet to watchlist YAML) and
 * `prefwatch export` (a watchlist to a spreadsheet).
 *
 * The editors keep lists in spreadsheets: one row per page, the office's
 * columns repeated on each of its rows, an office without a known page on
 * a row of its own with an empty URL. The columns are those of export's
 * header (import_columns below; French spellings and any case accepted).
 *
 * Import does not validate anything itself: it writes the YAML, remembers
 * which sheet row and column each YAML line came from, and loads that YAML
 * with the watchlist's own loader (watchlist_load_buffer()); every error is
 * then said at the sheet's position, "FILE:ROW:COLUMN: message", ROW being
 * the row of the sheet (the header is row 1: the line of a CSV file without
 * multi-line cells). So a sheet passes import exactly when its YAML passes
 * `prefwatch check`.
 *
 * An import -> export -> import round trip gives the same YAML: export
 * writes every value import reads, and import's output depends on the
 * rows only (no date, no file name).
 *
 * ODS goes through a converter of the system (gnumeric's ssconvert, else
 * LibreOffice headless), never a writer of ours; without one, a clear
 * message.
 */
#include "common/common.h"
#include "common/spawn.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "watchlist/watchlist.h"

extern char **environ;

#define SHEET_MAX (16u << 20)   /* bytes read from a sheet */

enum col {
	C_REGION, C_DEPARTEMENT, C_DEPARTEMENT_NAME, C_OFFICE, C_NAME, C_KIND, C_HANDLES_AES,
	C_SERVED_BY, C_STATUS, C_PAGE, C_URL, C_VERIFIED, C_SELECT, C_EXCLUDE, C_IGNORE,
	C_IGNORE_PARAMS, C_DOCUMENTS, C_MAX_DOCUMENTS, C__COUNT
};

/* Header names (export writes the first), then accepted spellings, folded
 * (lower case, no accents, no spaces, '-' or '_'). */
static const char *const import_columns[C__COUNT][4] = {
	[C_REGION] = { "region", NULL },
	[C_DEPARTEMENT] = { "departement", "code", "departementcode", NULL },
	[C_DEPARTEMENT_NAME] = { "departement_name", "nomdepartement", "nomdudepartement", NULL },
	[C_OFFICE] = { "office", "id", "officeid", "administration" },
	[C_NAME] = { "name", "nom", NULL },
	[C_KIND] = { "kind", "type", NULL },
	[C_HANDLES_AES] = { "handles_aes", NULL },
	[C_SERVED_BY] = { "served_by", NULL },
	[C_STATUS] = { "status", "statut", NULL },
	[C_PAGE] = { "page", "pageid", NULL },
	[C_URL] = { "url", "adresse", NULL },
	[C_VERIFIED] = { "verified", "verifie", "verifiee", NULL },
	[C_SELECT] = { "select", NULL },
	[C_EXCLUDE] = { "exclude", NULL },
	[C_IGNORE] = { "ignore", NULL },
	[C_IGNORE_PARAMS] = { "ignore_params", NULL },
	[C_DOCUMENTS] = { "documents", NULL },
	[C_MAX_DOCUMENTS] = { "max_documents", NULL },
};

/* Without these an office cannot be written at all. */
static const enum col required_cols[] = { C_REGION, C_DEPARTEMENT, C_DEPARTEMENT_NAME, C_OFFICE,
					  C_NAME, C_KIND, C_URL };

/* The office's own columns: the same on each of its rows (or empty). */
static const enum col office_cols[] = { C_REGION, C_DEPARTEMENT, C_DEPARTEMENT_NAME, C_NAME, C_KIND,
					C_HANDLES_AES, C_SERVED_BY, C_STATUS };

/* ---- reading a sheet (RFC 4180, any one-character delimiter) ---- */

struct row {
	int line;              /* row of the sheet, 1-based */
	struct strvec cells;
};

struct sheet {
	struct row *rows;
	size_t n, alloc;
};

static void sheet_release(struct sheet *s)
{
	for (size_t i = 0; i < s->n; i++)
		strvec_release(&s->rows[i].cells);
	free(s->rows);
	memset(s, 0, sizeof(*s));
}

/* The delimiter of the header line: tab, ';' (LibreOffice in French) or ','. */
static char guess_delimiter(const char *data, size_t len, bool tsv)
{
	size_t tabs = 0, semis = 0, commas = 0;
	if (tsv)
		return '\t';
	for (size_t i = 0; i < len && data[i] != '\n'; i++) {
		tabs += data[i] == '\t';
		semis += data[i] == ';';
		commas += data[i] == ',';
	}
	if (tabs > semis && tabs > commas)
		return '\t';
	return semis > commas ? ';' : ',';
}

/* Splits data into rows; a quoted cell may hold the delimiter, "" and
 * line breaks. Returns -1 with *err (owned) on an unterminated quote. */
static int sheet_parse(const char *data, size_t len, char delim, struct sheet *out, char **err)
{
	struct buf cell = BUF_INIT;
	struct strvec cells = STRVEC_INIT;
	size_t i = 0;
	int row = 1;
	int rc = 0;

	if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3))
		i = 3; /* a BOM, as spreadsheets write */
	while (i < len) {
		int start = row;
		bool quoted = false, end_row = false;
		buf_reset(&cell);
		if (data[i] == '"') {
			quoted = true;
			i++;
			for (;;) {
				if (i >= len) {
					*err = xasprintf(_("%d: unterminated quoted cell"), start);
					rc = -1;
					goto cleanup;
				}
				if (data[i] == '"') {
					if (i + 1 < len && data[i + 1] == '"') {
						buf_addch(&cell, '"');
						i += 2;
						continue;
					}
					i++;
					break;
				}
				if (data[i] == '\n')
					row++;
				if (data[i] != '\r')
					buf_addch(&cell, data[i]);
				i++;
			}
		}
		while (i < len && data[i] != delim && data[i] != '\n') {
			if (data[i] != '\r' || quoted)
				buf_addch(&cell, data[i]);
			i++;
		}
		if (i >= len || data[i] == '\n')
			end_row = true;
		strvec_push(&cells, buf_str(&cell));
		if (i < len)
			i++;
		if (end_row) {
			bool blank = true;
			for (size_t k = 0; k < cells.n; k++)
				blank = blank && !cells.v[k][0];
			if (!blank) {
				if (out->n == out->alloc) {
					out->alloc = out->alloc ? 2 * out->alloc : 64;
					out->rows = xrealloc(out->rows, out->alloc * sizeof(*out->rows));
				}
				out->rows[out->n].line = start;
				out->rows[out->n++].cells = cells;
				memset(&cells, 0, sizeof(cells));
			} else {
				strvec_clear(&cells);
			}
			row++;
		}
	}
cleanup:
	buf_release(&cell);
	strvec_release(&cells);
	return rc;
}

/* Lower case, ASCII letters and digits only ("Département" -> "departement"). */
static char *fold_header(const char *s)
{
	struct buf b = BUF_INIT;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == 0xC3 && p[1]) { /* Latin-1 letters of UTF-8: é è ê à ... */
			unsigned char c = p[1] | 0x20;
			p++;
			if (c >= 0xA0 && c <= 0xA5)
				buf_addch(&b, 'a');
			else if (c == 0xA7)
				buf_addch(&b, 'c');
			else if (c >= 0xA8 && c <= 0xAB)
				buf_addch(&b, 'e');
			else if (c >= 0xAC && c <= 0xAF)
				buf_addch(&b, 'i');
			else if (c >= 0xB2 && c <= 0xB6)
				buf_addch(&b, 'o');
			else if (c >= 0xB9 && c <= 0xBC)
				buf_addch(&b, 'u');
			continue;
		}
		if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
			buf_addch(&b, (char)*p);
		else if (*p >= 'A' && *p <= 'Z')
			buf_addch(&b, (char)(*p - 'A' + 'a'));
	}
	return buf_detach(&b, NULL);
}

static int column_of(const char *header)
{
	char *h = fold_header(header);
	int found = -1;
	for (int c = 0; c < C__COUNT && found < 0; c++)
		for (int k = 0; k < 4 && import_columns[c][k]; k++) {
			char *name = fold_header(import_columns[c][k]);
			if (!strcmp(h, name))
				found = c;
			free(name);
			if (found >= 0)
				break;
		}
	free(h);
	return found;
}

/* ---- converters (ODS) ---- */

static bool in_path(const char *prog)
{
	char *path = pw_find_program(prog);
	bool found = path != NULL;
	free(path);
	return found;
}

/* Runs argv (its output dropped); 0 if it exited with 0. */
static int run_quiet(char *const argv[])
{
	struct pw_child c;
	pw_child_init(&c);
	c.path = argv[0];
	c.argv = argv;
	c.out_max = 0;  /* a converter's chatter, not kept past this call */
	int rc = pw_child_run(&c) == 0 && c.end == PW_CHILD_EXITED && c.code == 0 ? 0 : -1;
	pw_child_release(&c);
	return rc;
}

static const char *const no_converter =
	"no ODS converter found (install gnumeric for ssconvert, or libreoffice), or save the sheet as CSV";

/* Converts from (a file) into to, of the extension ext ("csv" or "ods"),
 * in dir. Returns 0, or -1 with *err (owned). */
static int convert(const char *from, const char *to, const char *dir, const char *ext, char **err)
{
	if (in_path("ssconvert")) {
		char *argv[] = { "ssconvert", (char *)from, (char *)to, NULL };
		if (!run_quiet(argv))
			return 0;
		*err = xasprintf(_("ssconvert could not convert '%s'"), from);
		return -1;
	}
	const char *lo = in_path("libreoffice") ? "libreoffice" : in_path("soffice") ? "soffice" : NULL;
	if (!lo) {
		*err = xstrdup(no_converter);
		return -1;
	}
	/* LibreOffice names the output after the input, in --outdir; its
	 * profile goes to dir too, so a running instance does not interfere */
	char *profile = xasprintf("-env:UserInstallation=file://%s/profile", dir);
	char *filter = xstrdup(!strcmp(ext, "csv") ? "csv:Text - txt - csv (StarCalc):44,34,76,1" : "ods");
	char *argv[] = { (char *)lo, profile, "--headless", "--convert-to", filter, "--outdir",
			 (char *)dir, (char *)from, NULL };
	int rc = run_quiet(argv);
	free(profile);
	free(filter);
	if (rc) {
		*err = xasprintf(_("%s could not convert '%s'"), lo, from);
		return -1;
	}
	const char *base = strrchr(from, '/');
	base = base ? base + 1 : from;
	const char *dot = strrchr(base, '.');
	char *made = xasprintf("%s/%.*s.%s", dir, (int)(dot ? (size_t)(dot - base) : strlen(base)), base, ext);
	rc = strcmp(made, to) ? rename(made, to) : 0;
	if (rc)
		*err = xasprintf(_("%s wrote no '%s'"), lo, made);
	free(made);
	return rc;
}

static int read_all(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	char tmp[65536];
	size_t n;
	if (!f)
		return -1;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		if (buf_add(b, tmp, n) < 0) {
			fclose(f);
			errno = EFBIG;
			return -1;
		}
	int bad = ferror(f);
	fclose(f);
	return bad ? -1 : 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && !strcasecmp(s + n - k, suffix);
}

/* Removes dir and the few files a conversion left in it. */
static void remove_tree(const char *dir)
{
	char *argv[] = { "rm", "-rf", (char *)dir, NULL };
	if (dir)
		run_quiet(argv);
}

/* ---- the YAML, with where each line came from ---- */

struct yaml_out {
	struct buf b;
	int line;              /* lines written so far */
	int *row, *col;        /* per YAML line (1-based index) */
	size_t alloc;
};

static void y_line(struct yaml_out *y, int row, int col, const char *fmt, ...) PW_PRINTF(4, 5);
static void y_line(struct yaml_out *y, int row, int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	buf_addstr(&y->b, s);
	buf_addch(&y->b, '\n');
	free(s);
	y->line++;
	if ((size_t)y->line + 1 >= y->alloc) {
		y->alloc = y->alloc ? 2 * y->alloc : 256;
		y->row = xrealloc(y->row, y->alloc * sizeof(int));
		y->col = xrealloc(y->col, y->alloc * sizeof(int));
	}
	y->row[y->line] = row;
	y->col[y->line] = col;
}

/* A YAML double-quoted scalar (any text, control characters escaped). */
static char *yq(const char *s)
{
	struct buf b = BUF_INIT;
	buf_addch(&b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			buf_addch(&b, '\\');
			buf_addch(&b, (char)*p);
		} else if (*p == '\n') {
			buf_addstr(&b, "\\n");
		} else if (*p == '\t') {
			buf_addstr(&b, "\\t");
		} else if (*p < 0x20 || *p == 0x7f) {
			buf_printf(&b, "\\x%02x", *p);
		} else {
			buf_addch(&b, (char)*p);
		}
	}
	buf_addch(&b, '"');
	return buf_detach(&b, NULL);
}

/* Plain when it reads back the same, for a file an editor can read:
 * words, ids, URLs; otherwise double-quoted. */
static char *yv(const char *s)
{
	size_t n = strlen(s);
	bool plain = n > 0 && s[0] != ' ' && s[n - 1] != ' ' && !strchr("-?:,[]{}#&*!|>'\"%@`~", s[0]) &&
		     !strstr(s, ": ") && !strstr(s, " #") && s[n - 1] != ':' && strcmp(s, "null") &&
		     strcmp(s, "Null") && strcmp(s, "NULL");
	for (size_t i = 0; plain && i < n; i++)
		plain = (unsigned char)s[i] >= 0x20 && s[i] != 0x7f && s[i] != '\\' && s[i] != '"';
	return plain ? xstrdup(s) : yq(s);
}

struct office_rows {
	const char *id;
	size_t *rows;          /* indexes into the sheet */
	size_t n;
};

struct importer {
	const char *file;
	struct sheet sheet;
	int colidx[C__COUNT];  /* sheet column of each field, -1 if absent */
	struct strvec errs;    /* "FILE:ROW:COLUMN: message" */
	struct office_rows *offices;
	size_t n_offices;
};

static const char *cell(const struct importer *im, size_t r, enum col c)
{
	int k = im->colidx[c];
	const struct row *row = &im->sheet.rows[r];
	if (k < 0 || (size_t)k >= row->cells.n)
		return "";
	return row->cells.v[k];
}

/* 1-based sheet column of a field (the office column when absent). */
static int colno(const struct importer *im, enum col c)
{
	return im->colidx[c] >= 0 ? im->colidx[c] + 1 : 1;
}

static void sheet_err(struct importer *im, int row, int col, const char *fmt, ...) PW_PRINTF(4, 5);
static void sheet_err(struct importer *im, int row, int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	strvec_push_nodup(&im->errs, xasprintf("%s:%d:%d: %s", im->file, row, col, msg));
	free(msg);
}

static int read_header(struct importer *im)
{
	const struct row *h = &im->sheet.rows[0];
	for (int c = 0; c < C__COUNT; c++)
		im->colidx[c] = -1;
	for (size_t k = 0; k < h->cells.n; k++) {
		int c = column_of(h->cells.v[k]);
		if (!h->cells.v[k][0])
			continue;
		if (c < 0)
			sheet_err(im, h->line, (int)k + 1, _("unknown column '%s'"), h->cells.v[k]);
		else if (im->colidx[c] >= 0)
			sheet_err(im, h->line, (int)k + 1, _("column '%s' given twice (first in column %d)"),
				  h->cells.v[k], im->colidx[c] + 1);
		else
			im->colidx[c] = (int)k;
	}
	for (size_t i = 0; i < PW_ARRAY_SIZE(required_cols); i++)
		if (im->colidx[required_cols[i]] < 0)
			sheet_err(im, h->line, 1, _("missing column '%s'"), import_columns[required_cols[i]][0]);
	return im->errs.n ? -1 : 0;
}

/* Groups rows by office, in order of first appearance; a row without an
 * office id, or whose office columns contradict the office's first row,
 * is an error at that cell. */
static void group_rows(struct importer *im)
{
	struct strmap index = { 0 };
	size_t *slot = xcalloc(im->sheet.n + 1, sizeof(*slot));
	im->offices = xcalloc(im->sheet.n + 1, sizeof(*im->offices));
	for (size_t r = 1; r < im->sheet.n; r++) {
		const char *id = cell(im, r, C_OFFICE);
		int line = im->sheet.rows[r].line;
		if (!*id) {
			sheet_err(im, line, colno(im, C_OFFICE), _("empty office id"));
			continue;
		}
		const size_t *known = strmap_get(&index, id);
		struct office_rows *o;
		if (!known) {
			slot[im->n_offices] = im->n_offices;
			strmap_put(&index, id, &slot[im->n_offices]);
			o = &im->offices[im->n_offices++];
			o->id = id;
			o->rows = xcalloc(im->sheet.n, sizeof(*o->rows));
		} else {
			o = &im->offices[*known];
			size_t first = o->rows[0];
			for (size_t i = 0; i < PW_ARRAY_SIZE(office_cols); i++) {
				const char *a = cell(im, first, office_cols[i]), *b = cell(im, r, office_cols[i]);
				if (*b && strcmp(a, b))
					sheet_err(im, line, colno(im, office_cols[i]),
						  _("office '%s' has %s '%s' on row %d, this row says '%s'"), id,
						  import_columns[office_cols[i]][0], a, im->sheet.rows[first].line, b);
			}
		}
		o->rows[o->n++] = r;
	}
	strmap_release(&index);
	free(slot);
}

/* A list cell: one value per line of the cell. */
static void y_list(struct yaml_out *y, const struct importer *im, size_t r, enum col c)
{
	const char *v = cell(im, r, c);
	int line = im->sheet.rows[r].line;
	if (!*v)
		return;
	y_line(y, line, colno(im, c), "        %s:", import_columns[c][0]);
	for (const char *p = v; *p;) {
		size_t n = strcspn(p, "\n");
		char *item = xstrndup(p, n);
		if (*item) {
			char *q = yq(item);
			y_line(y, line, colno(im, c), "          - %s", q);
			free(q);
		}
		free(item);
		p += n;
		if (*p)
			p++;
	}
}

static void y_key(struct yaml_out *y, const struct importer *im, size_t r, enum col c, const char *indent)
{
	const char *v = cell(im, r, c);
	if (!*v)
		return;
	char *s = c == C_DEPARTEMENT || c == C_SELECT ? yq(v) : yv(v);
	y_line(y, im->sheet.rows[r].line, colno(im, c), "%s%s: %s", indent, import_columns[c][0], s);
	free(s);
}

static void write_yaml(struct importer *im, struct yaml_out *y)
{
	y_line(y, 1, 1, "# Liste de surveillance produite par « prefwatch import » depuis un tableur.");
	y_line(y, 1, 1, "# Vérifier :  prefwatch check FICHIER");
	y_line(y, 1, 1, "%s", "");
	y_line(y, 1, 1, "offices:");
	for (size_t i = 0; i < im->n_offices; i++) {
		const struct office_rows *o = &im->offices[i];
		size_t first = o->rows[0];
		int line = im->sheet.rows[first].line;
		size_t n_urls = 0;
		for (size_t k = 0; k < o->n; k++)
			n_urls += *cell(im, o->rows[k], C_URL) != '\0';
		char *id = yv(o->id);
		y_line(y, 1, 1, "%s", "");
		y_line(y, line, colno(im, C_OFFICE), "  - id: %s", id);
		free(id);
		for (size_t k = 0; k < PW_ARRAY_SIZE(office_cols); k++) {
			enum col c = office_cols[k];
			/* the first row that gives it */
			for (size_t j = 0; j < o->n; j++)
				if (*cell(im, o->rows[j], c)) {
					y_key(y, im, o->rows[j], c, "    ");
					break;
				}
		}
		bool served = false, no_aes = false, status = false;
		for (size_t j = 0; j < o->n; j++) {
			served = served || *cell(im, o->rows[j], C_SERVED_BY);
			no_aes = no_aes || !strcmp(cell(im, o->rows[j], C_HANDLES_AES), "false");
			status = status || *cell(im, o->rows[j], C_STATUS);
		}
		for (size_t j = 0; j < o->n; j++) {
			static const enum col page_only[] = { C_PAGE, C_VERIFIED, C_SELECT, C_EXCLUDE,
							      C_IGNORE, C_IGNORE_PARAMS, C_DOCUMENTS,
							      C_MAX_DOCUMENTS };
			size_t r = o->rows[j];
			if (*cell(im, r, C_URL))
				continue;
			for (size_t k = 0; k < PW_ARRAY_SIZE(page_only); k++)
				if (*cell(im, r, page_only[k]))
					sheet_err(im, im->sheet.rows[r].line, colno(im, page_only[k]),
						  _("'%s' given on a row without a url"),
						  import_columns[page_only[k]][0]);
		}
		if (!n_urls) {
			/* a row without a page: the office is still to be found,
			 * unless it has no AES pages of its own */
			if (!served && !no_aes && !status)
				y_line(y, line, colno(im, C_URL), "    status: to_find");
			if (!served && !no_aes)
				y_line(y, line, colno(im, C_URL), "    pages: []");
			continue;
		}
		y_line(y, line, colno(im, C_URL), "    pages:");
		for (size_t j = 0; j < o->n; j++) {
			size_t r = o->rows[j];
			int pl = im->sheet.rows[r].line;
			const char *url = cell(im, r, C_URL);
			if (!*url)
				continue;
			char *u = yv(url);
			y_line(y, pl, colno(im, C_URL), "      - url: %s", u);
			free(u);
			if (*cell(im, r, C_PAGE)) {
				char *p = yv(cell(im, r, C_PAGE));
				y_line(y, pl, colno(im, C_PAGE), "        id: %s", p);
				free(p);
			}
			y_key(y, im, r, C_VERIFIED, "        ");
			y_key(y, im, r, C_SELECT, "        ");
			y_list(y, im, r, C_EXCLUDE);
			y_list(y, im, r, C_IGNORE);
			y_list(y, im, r, C_IGNORE_PARAMS);
			y_key(y, im, r, C_DOCUMENTS, "        ");
			y_key(y, im, r, C_MAX_DOCUMENTS, "        ");
		}
	}
}

/* "NAME:LINE:COL: msg" of the YAML -> "FILE:ROW:COLUMN: msg" of the sheet. */
static void map_errors(struct importer *im, const struct yaml_out *y, const char *name,
		       const struct strvec *errs)
{
	size_t skip = strlen(name);
	for (size_t i = 0; i < errs->n; i++) {
		const char *e = errs->v[i];
		char *end = NULL;
		long line = 0;
		if (!strncmp(e, name, skip) && e[skip] == ':')
			line = strtol(e + skip + 1, &end, 10);
		if (line <= 0 || line > y->line || !end || *end != ':') {
			strvec_push_nodup(&im->errs, xasprintf("%s: %s", im->file,
							       !strncmp(e, name, skip) ? e + skip + 1 : e));
			continue;
		}
		const char *msg = end + 1;
		strtol(msg, &end, 10); /* the YAML column: meaningless in the sheet */
		if (*end == ':')
			msg = end + 1;
		while (*msg == ' ')
			msg++;
		sheet_err(im, y->row[line], y->col[line], "%s", msg);
	}
}

static int cmp_err(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	const char *px = strchr(x, ':'), *py = strchr(y, ':');
	/* all messages start with the same file name */
	long lx = px ? strtol(px + 1, NULL, 10) : 0, ly = py ? strtol(py + 1, NULL, 10) : 0;
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return strcmp(x, y);
}

/* Writes data to path (a temporary file renamed over it), or stdout for
 * NULL or "-". */
static int write_out(const char *path, const char *data, size_t len)
{
	if (!path || !strcmp(path, "-")) {
		if (fwrite(data, 1, len, stdout) != len || fflush(stdout)) {
			log_error(_("cannot write to standard output: %s"), strerror(errno));
			return -1;
		}
		return 0;
	}
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "wb");
	int rc = -1;
	if (!f) {
		log_error(_("cannot write '%s': %s"), path, strerror(errno));
		goto cleanup;
	}
	bool ok = fwrite(data, 1, len, f) == len;
	ok = !fclose(f) && ok;
	if (!ok || rename(tmp, path) < 0) {
		log_error(_("cannot write '%s': %s"), path, strerror(errno));
		unlink(tmp);
		goto cleanup;
	}
	rc = 0;
cleanup:
	free(tmp);
	return rc;
}

static char *make_tmpdir(void)
{
	const char *t = getenv("TMPDIR");
	char *dir = xasprintf("%s/prefwatch-sheet.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(dir)) {
		log_error(_("cannot create a temporary directory: %s"), strerror(errno));
		free(dir);
		return NULL;
	}
	return dir;
}

static void import_usage(void)
{
	printf(_("usage: prefwatch import FILE.csv|FILE.tsv|FILE.ods [-o OUT.yaml]\n\n"
	       "Turns a spreadsheet into watchlist YAML (on stdout, or OUT replaced\n"
	       "atomically). One row per page; an office's columns repeat on each of\n"
	       "its rows; an office without a known page has a row with an empty url\n"
	       "(it becomes status: to_find). Columns, as 'prefwatch export' writes\n"
	       "them (French names and any case accepted):\n"
	       "  region departement departement_name office name kind url (required)\n"
	       "  handles_aes served_by status page verified select exclude ignore\n"
	       "  ignore_params documents max_documents (optional; exclude, ignore and\n"
	       "  ignore_params hold one value per line of the cell)\n"
	       "The delimiter of a CSV is ',' or ';' (from the header). Every row is\n"
	       "checked by the watchlist's own rules; errors are FILE:ROW:COLUMN (the\n"
	       "header is row 1) and nothing is written. ODS needs ssconvert or\n"
	       "libreoffice.\n"));
}

/* The input and -o of `import`: 0, -1 after --help, else an exit status
 * after saying why. */
static int import_args(int argc, char **argv, const char **in, const char **out)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			import_usage();
			return -1;
		}
		if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) && i + 1 < argc)
			*out = argv[++i];
		else if (argv[i][0] == '-' && argv[i][1])
			return cli_usage_error("import", _("unknown option '%s'"), argv[i]);
		else if (!*in)
			*in = argv[i];
		else
			return cli_usage_error("import", _("expected one spreadsheet file"));
	}
	if (!*in)
		return cli_usage_error("import", _("expected a spreadsheet file (.csv, .tsv or .ods)"));
	return 0;
}

/* The sheet's text into raw (an ODS converted to CSV first, in a
 * temporary directory left in *tmpdir for the caller to remove): 0, or an
 * exit status after saying why. */
static int read_sheet(const char *in, struct buf *raw, char **tmpdir)
{
	const char *path = in;
	char *converted = NULL, *err = NULL;
	int rc = EXIT_USAGE;

	if (ends_with(in, ".ods")) {
		if (!(*tmpdir = make_tmpdir()))
			return EXIT_FAILURE_OTHER;
		converted = xasprintf("%s/sheet.csv", *tmpdir);
		if (convert(in, converted, *tmpdir, "csv", &err) < 0) {
			log_error(_("cannot read '%s': %s"), in, err);
			goto cleanup;
		}
		path = converted;
	}
	buf_init(raw, SHEET_MAX);
	if (read_all(path, raw) < 0) {
		int e = errno;
		log_error(_("cannot read '%s': %s"), in, e == EFBIG ? _("larger than 16 MiB") : strerror(e));
		goto cleanup;
	}
	if (!utf8_valid(buf_str(raw), raw->len)) {
		log_error(_("cannot read '%s': not UTF-8 text (save the sheet as CSV in UTF-8)"), in);
		goto cleanup;
	}
	rc = 0;
cleanup:
	free(converted);
	free(err);
	return rc;
}

static void print_written(const char *out, const struct watchlist *wl)
{
	size_t np = watchlist_page_count(wl);
	char *offices = xasprintf(ngettext("%zu office", "%zu offices", wl->n_offices), wl->n_offices);
	char *pages = xasprintf(ngettext("%zu page", "%zu pages", np), np);
	/* TRANSLATORS: "OUT.yaml: 3 offices, 4 pages" */
	fprintf(stderr, _("%s: %s, %s\n"), out, offices, pages);
	free(offices);
	free(pages);
}

int cmd_import(int argc, char **argv)
{
	struct importer im = { 0 };
	struct yaml_out y = { .b = BUF_INIT };
	struct buf raw = BUF_INIT;
	struct watchlist wl;
	struct strvec errs = STRVEC_INIT;
	const char *in = NULL, *out = NULL;
	char *tmpdir = NULL, *err = NULL;
	int rc;

	watchlist_init(&wl);
	rc = import_args(argc, argv, &in, &out);
	if (rc) {
		rc = rc < 0 ? EXIT_OK : rc;
		goto cleanup;
	}
	im.file = in;
	if ((rc = read_sheet(in, &raw, &tmpdir)))
		goto cleanup;
	rc = EXIT_USAGE;
	char delim = guess_delimiter(buf_str(&raw), raw.len, ends_with(in, ".tsv"));
	if (sheet_parse(buf_str(&raw), raw.len, delim, &im.sheet, &err) < 0) {
		fprintf(stderr, "%s:%s\n", in, err);
		goto cleanup;
	}
	if (!im.sheet.n) {
		fprintf(stderr, _("%s:1:1: empty sheet: expected a header row\n"), in);
		goto cleanup;
	}
	if (read_header(&im) == 0) {
		group_rows(&im);
		write_yaml(&im, &y);
		/* the loader names the buffer in its messages: a name no real
		 * message can start with by accident */
		static const char name[] = "<import>";
		watchlist_load_buffer(&wl, name, buf_str(&y.b), y.b.len, &errs);
		watchlist_finish(&wl, &errs);
		map_errors(&im, &y, name, &errs);
	}
	if (im.errs.n) {
		qsort(im.errs.v, im.errs.n, sizeof(*im.errs.v), cmp_err);
		for (size_t i = 0; i < im.errs.n; i++)
			fprintf(stderr, "%s\n", im.errs.v[i]);
		fprintf(stderr, ngettext("prefwatch import: %zu error, nothing written\n",
					 "prefwatch import: %zu errors, nothing written\n", im.errs.n), im.errs.n);
		goto cleanup;
	}
	rc = write_out(out, buf_str(&y.b), y.b.len) ? EXIT_FAILURE_OTHER : EXIT_OK;
	if (!rc && out)
		print_written(out, &wl);

cleanup:
	remove_tree(tmpdir);
	free(tmpdir);
	free(err);
	for (size_t i = 0; i < im.n_offices; i++)
		free(im.offices[i].rows);
	free(im.offices);
	sheet_release(&im.sheet);
	strvec_release(&im.errs);
	strvec_release(&errs);
	buf_release(&y.b);
	free(y.row);
	free(y.col);
	buf_release(&raw);
	watchlist_release(&wl);
	return rc;
}

/* ---- export ---- */

static void csv_cell(struct buf *b, const char *v, bool last)
{
	if (strpbrk(v, ",;\"\n\r\t") || (*v && (v[0] == ' ' || v[strlen(v) - 1] == ' '))) {
		buf_addch(b, '"');
		for (const char *p = v; *p; p++) {
			if (*p == '"')
				buf_addch(b, '"');
			buf_addch(b, *p);
		}
		buf_addch(b, '"');
	} else {
		buf_addstr(b, v);
	}
	buf_addch(b, last ? '\n' : ',');
}

static char *joined(const struct strvec *v)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < v->n; i++) {
		if (i)
			buf_addch(&b, '\n');
		buf_addstr(&b, v->v[i]);
	}
	return buf_detach(&b, NULL);
}

static void export_row(struct buf *b, const struct wl_office *o, const struct wl_page *p)
{
	char *v[C__COUNT] = { 0 };
	v[C_REGION] = xstrdup(o->region);
	v[C_DEPARTEMENT] = xstrdup(o->departement);
	v[C_DEPARTEMENT_NAME] = xstrdup(o->departement_name);
	v[C_OFFICE] = xstrdup(o->id);
	v[C_NAME] = xstrdup(o->name);
	v[C_KIND] = xstrdup(office_kind_name(o->kind));
	v[C_HANDLES_AES] = xstrdup(!o->handles_aes && !o->served_by ? "false" : "");
	v[C_SERVED_BY] = xstrdup(o->served_by ? o->served_by : "");
	v[C_STATUS] = xstrdup(o->to_find ? "to_find" : "");
	if (p) {
		/* an office's only page takes the office id: left empty */
		v[C_PAGE] = xstrdup(o->n_pages == 1 && !strcmp(p->id, o->id) ? "" : p->id);
		v[C_URL] = xstrdup(p->url);
		v[C_VERIFIED] = xstrdup(p->verified ? "" : "false");
		v[C_SELECT] = xstrdup(p->select ? p->select : "");
		v[C_EXCLUDE] = joined(&p->exclude);
		v[C_IGNORE] = joined(&p->ignore);
		v[C_IGNORE_PARAMS] = joined(&p->ignore_params);
		v[C_DOCUMENTS] = xstrdup(p->documents == WL_DOCS_FOLLOW ? "follow" :
					 p->documents == WL_DOCS_NONE ? "none" : "");
		v[C_MAX_DOCUMENTS] = p->max_documents >= 0 ? xasprintf("%ld", p->max_documents) : xstrdup("");
	}
	for (int c = 0; c < C__COUNT; c++) {
		csv_cell(b, v[c] ? v[c] : "", c == C__COUNT - 1);
		free(v[c]);
	}
}

int cmd_export(int argc, char **argv)
{
	struct watchlist wl;
	struct strvec files = STRVEC_INIT;
	struct buf b = BUF_INIT;
	const char *out = NULL;
	char *tmpdir = NULL, *err = NULL;
	int rc = EXIT_USAGE;

	watchlist_init(&wl);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf(_("usage: prefwatch export [FILE.yaml...] [-o OUT.csv|OUT.ods]\n\n"
			       "Writes the watchlist (the bundled files by default) as a spreadsheet:\n"
			       "CSV with a header row (on stdout, or OUT replaced atomically), one row\n"
			       "per page and one per office without a page. 'prefwatch import' reads\n"
			       "it back: import -> export -> import gives the same YAML. OUT.ods is\n"
			       "converted with ssconvert or libreoffice, when installed.\n"));
			rc = EXIT_OK;
			goto cleanup;
		}
		if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "--watchlist") && i + 1 < argc)
			strvec_push(&files, argv[++i]);
		else if (argv[i][0] == '-')
			return cli_usage_error("export", _("unknown option '%s'"), argv[i]);
		else
			strvec_push(&files, argv[i]);
	}
	int n = cli_load_watchlists(&wl, &files);
	if (n) {
		if (n > 0)
			fprintf(stderr, ngettext("prefwatch: %d error\n", "prefwatch: %d errors\n", (unsigned long)n), n);
		goto cleanup;
	}
	for (int c = 0; c < C__COUNT; c++)
		csv_cell(&b, import_columns[c][0], c == C__COUNT - 1);
	for (size_t i = 0; i < wl.n_offices; i++) {
		const struct wl_office *o = &wl.offices[i];
		if (!o->n_pages)
			export_row(&b, o, NULL);
		for (size_t j = 0; j < o->n_pages; j++)
			export_row(&b, o, &o->pages[j]);
	}
	if (out && ends_with(out, ".ods")) {
		if (!(tmpdir = make_tmpdir())) {
			rc = EXIT_FAILURE_OTHER;
			goto cleanup;
		}
		char *csv = xasprintf("%s/watchlist.csv", tmpdir);
		char *ods = xasprintf("%s/watchlist.ods", tmpdir);
		rc = EXIT_FAILURE_OTHER;
		if (write_out(csv, buf_str(&b), b.len) == 0) {
			struct buf sheet = BUF_INIT;
			buf_init(&sheet, SHEET_MAX);
			if (convert(csv, ods, tmpdir, "ods", &err) < 0)
				log_error(_("cannot write '%s': %s"), out, err);
			else if (read_all(ods, &sheet) < 0)
				log_error(_("cannot read the converted '%s': %s"), ods, strerror(errno));
			else if (write_out(out, buf_str(&sheet), sheet.len) == 0)
				rc = EXIT_OK; /* copied, not renamed: $TMPDIR may be another file system */
			buf_release(&sheet);
		}
		free(csv);
		free(ods);
		goto cleanup;
	}
	rc = write_out(out, buf_str(&b), b.len) ? EXIT_FAILURE_OTHER : EXIT_OK;

cleanup:
	remove_tree(tmpdir);
	free(tmpdir);
	free(err);
	buf_release(&b);
	strvec_release(&files);
	watchlist_release(&wl);
	return rc;
}
