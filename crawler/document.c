/*
 * document.c - linked documents: which links to follow, and their text.
 *
 * Workload and threats: a page links a handful of PDFs (lists of pieces,
 * forms, notices), a few hundred KB each, produced by whatever office
 * suite the préfecture uses. They are untrusted files: a PDF parser is a
 * large attack surface, and a crafted file can make it loop, recurse or
 * allocate without bound. So the parser never runs in our process: the
 * converter (poppler-utils' pdftotext, odt2txt, docx2txt) is a child with
 *  - RLIMIT_CPU (a busy loop is killed by SIGXCPU/SIGKILL),
 *  - RLIMIT_AS (a memory bomb fails its allocations and dies),
 *  - RLIMIT_FSIZE 0 and RLIMIT_CORE 0 (it writes nothing but its pipes),
 *  - its own process group, killed as a whole at the wall-clock timeout
 *    (a child blocked in a sleep uses no CPU) or when its output passes
 *    the cap (a decompression bomb of drawn text);
 * stdin, stdout and stderr are pipes to us (stdin empty; the tail of
 * stderr is kept for the message), the document is a private temp file,
 * the environment is fixed, and it is run by execve (no shell, fixed
 * paths), through common/spawn.h like every child of ours. No descriptor of the child is a file, so what ends it does not
 * depend on the machine: /dev/null is a regular file in some chroots,
 * and a converter's "Out of memory" written there under RLIMIT_FSIZE 0
 * was a SIGXFSZ instead of its abort.
 *
 * Its end is judged the same whichever limit caught it: output past the
 * cap (our pipe cap, or a write to a file past RLIMIT_FSIZE: SIGXFSZ) and
 * memory exhausted (the converter says so on stderr) are too_large; CPU
 * time and the wall clock are timeout; any other death or failure is
 * bad_content.
 *
 * doc_extract() blocks its caller for at most the wall-clock timeout: call
 * it outside the crawler callback (a run converts on the threads of
 * convert_pool.c) so that other transfers are not stalled. It is
 * thread-safe: no state of its own, no log line, strerror_r() only.
 *
 * Text is normalised so that the same words exported again (another
 * producer, another creation date, other spacing) give the same text.
 */
#include "common/common.h"
#include "common/spawn.h"
#include "common/url.h"
#include "crawler/crawler.h"

#include <signal.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define DOC_TITLE_MAX 300
/* The end-of-file marker must be in the last KB of a complete PDF. */
#define PDF_EOF_WINDOW 1024
/* How much of the end of a converter's stderr is kept for its message. */
#define DOC_STDERR_TAIL 1024

/* ---- types ---- */

const char *doc_type_name(enum doc_type t)
{
	switch (t) {
	case DOC_TYPE_PDF: return "PDF";
	case DOC_TYPE_DOC: return "DOC";
	case DOC_TYPE_DOCX: return "DOCX";
	case DOC_TYPE_ODT: return "ODT";
	case DOC_TYPE_UNKNOWN: break;
	}
	return "";
}

enum doc_type doc_type_from_url(const char *url)
{
	static const struct { const char *ext; enum doc_type t; } exts[] = {
		{ ".pdf", DOC_TYPE_PDF }, { ".docx", DOC_TYPE_DOCX },
		{ ".doc", DOC_TYPE_DOC }, { ".odt", DOC_TYPE_ODT },
	};
	if (!url)
		return DOC_TYPE_UNKNOWN;
	size_t n = strcspn(url, "?#");
	for (size_t i = 0; i < PW_ARRAY_SIZE(exts); i++) {
		size_t el = strlen(exts[i].ext);
		if (n > el && !strncasecmp(url + n - el, exts[i].ext, el))
			return exts[i].t;
	}
	return DOC_TYPE_UNKNOWN;
}

static enum doc_type type_from_content_type(const char *ct)
{
	if (!ct)
		return DOC_TYPE_UNKNOWN;
	size_t n = strcspn(ct, "; \t");
	static const struct { const char *mime; enum doc_type t; } types[] = {
		{ "application/pdf", DOC_TYPE_PDF },
		{ "application/x-pdf", DOC_TYPE_PDF },
		{ "application/msword", DOC_TYPE_DOC },
		{ "application/vnd.openxmlformats-officedocument.wordprocessingml.document", DOC_TYPE_DOCX },
		{ "application/vnd.oasis.opendocument.text", DOC_TYPE_ODT },
	};
	for (size_t i = 0; i < PW_ARRAY_SIZE(types); i++)
		if (strlen(types[i].mime) == n && !strncasecmp(ct, types[i].mime, n))
			return types[i].t;
	return DOC_TYPE_UNKNOWN;
}

static bool has_prefix_within(const char *b, size_t len, const char *magic, size_t window)
{
	size_t m = strlen(magic);
	for (size_t i = 0; i + m <= len && i <= window; i++)
		if (!memcmp(b + i, magic, m))
			return true;
	return false;
}

/* The type the bytes say; the content type and URL only settle what the
 * bytes leave open (a ZIP is DOCX or ODT). */
static enum doc_type sniff(const char *b, size_t len, const char *ct, const char *url)
{
	enum doc_type hint = type_from_content_type(ct);
	if (hint == DOC_TYPE_UNKNOWN)
		hint = doc_type_from_url(url);
	/* a PDF header may follow a little junk; readers accept it in 1 KB */
	if (has_prefix_within(b, len, "%PDF-", 1024))
		return DOC_TYPE_PDF;
	if (len >= 8 && !memcmp(b, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8))
		return DOC_TYPE_DOC;
	if (len >= 4 && !memcmp(b, "PK\x03\x04", 4)) {
		static const char odt[] = "mimetypeapplication/vnd.oasis.opendocument.text";
		if (len >= 30 + sizeof(odt) - 1 && !memcmp(b + 30, odt, sizeof(odt) - 1))
			return DOC_TYPE_ODT;
		if (hint == DOC_TYPE_DOCX || hint == DOC_TYPE_ODT)
			return hint;
		/* the entry names are stored in clear: a Word document has word/ */
		return has_prefix_within(b, len, "word/", len) ? DOC_TYPE_DOCX : DOC_TYPE_UNKNOWN;
	}
	return DOC_TYPE_UNKNOWN;
}

static bool is_text_type(const char *ct)
{
	return ct && (!strncasecmp(ct, "text/", 5) || !strncasecmp(ct, "application/xhtml", 17));
}

static bool looks_like_markup(const char *b, size_t len)
{
	size_t i = 0;
	while (i < len && i < 512 && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n'))
		i++;
	return i < len && b[i] == '<';
}

/* ---- links ---- */

static bool host_in_domain(const char *host, const char *domain)
{
	while (*domain == '.')
		domain++;
	size_t hl = strlen(host), dl = strlen(domain);
	if (!dl || hl < dl || strcasecmp(host + hl - dl, domain))
		return false;
	return hl == dl || host[hl - dl - 1] == '.';
}

/* "[TITLE](url)" in text: the title, trimmed and capped; NULL if absent. */
static char *link_text(const char *text, const char *url)
{
	char *needle = xasprintf("](%s)", url);
	const char *hit = text ? strstr(text, needle) : NULL;
	char *out = NULL;
	free(needle);
	if (!hit)
		return NULL;
	/* back to the opening bracket, on the same line */
	const char *p = hit;
	int depth = 0;
	while (p > text) {
		p--;
		if (*p == '\n')
			return NULL;
		if (*p == ']')
			depth++;
		else if (*p == '[' && depth-- == 0)
			break;
	}
	if (*p != '[')
		return NULL;
	p++;
	while (p < hit && *p == ' ')
		p++;
	size_t n = (size_t)(hit - p);
	while (n && p[n - 1] == ' ')
		n--;
	if (n > DOC_TITLE_MAX) {
		n = DOC_TITLE_MAX;
		while (n && ((unsigned char)p[n] & 0xC0) == 0x80)
			n--;
	}
	if (n)
		out = xstrndup(p, n);
	return out;
}

static bool isxdigit_ascii(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* The last path segment, percent-decoded where printable. */
static char *file_name(const char *url)
{
	size_t n = strcspn(url, "?#");
	const char *end = url + n, *start = end;
	while (start > url && start[-1] != '/')
		start--;
	struct buf b;
	buf_init(&b, DOC_TITLE_MAX);
	for (const char *p = start; p < end; p++) {
		int c = (unsigned char)*p;
		if (c == '%' && end - p > 2 && isxdigit_ascii(p[1]) && isxdigit_ascii(p[2])) {
			char hex[3] = { p[1], p[2], 0 };
			int v = (int)strtol(hex, NULL, 16);
			if (v >= 0x20 && v != 0x7F) {
				c = v;
				p += 2;
			}
		}
		if (buf_addch(&b, (char)c) < 0)
			break;
	}
	if (!utf8_valid(buf_str(&b), b.len)) {
		buf_release(&b);
		return xstrndup(start, (size_t)(end - start));
	}
	return buf_detach(&b, NULL);
}

static void links_push(struct doc_links *l, const char *url, const char *text)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	struct doc_link *d = &l->v[l->n++];
	d->url = xstrdup(url);
	d->title = link_text(text, url);
	if (!d->title)
		d->title = file_name(url);
	d->type = doc_type_from_url(url);
}

void doc_links_find(const struct extraction *ex, const char *page_url,
		    const struct strvec *domains, size_t max, struct doc_links *out)
{
	static const char *const names[] = { "links", "forms" };
	char *page_host = pw_url_host(page_url);
	out->v = NULL;
	out->n = 0;
	for (size_t k = 0; k < PW_ARRAY_SIZE(names); k++) {
		const struct field *f = fieldset_find(&ex->fields, names[k]);
		for (size_t i = 0; f && i < f->values.n && out->n < max; i++) {
			/* a link's user-info is dropped here, where links from
			 * the web become URLs we fetch, store and print */
			char *u = pw_url_redact(f->values.v[i]);
			/* eZ Publish serves files as /content/download/ID/...
			 * without an extension: the bytes will tell */
			bool download = k == 1 && strstr(u, "/content/download/");
			bool dup = doc_type_from_url(u) == DOC_TYPE_UNKNOWN && !download;
			for (size_t j = 0; j < out->n && !dup; j++)
				dup = !strcmp(out->v[j].url, u);
			/* parsed last, and once: most of a page's links are no
			 * document and are dropped by their name alone */
			char *h = dup ? NULL : pw_url_http_host(u);
			if (!h) {
				free(u);
				continue;
			}
			bool ok = !strcmp(h, page_host);
			for (size_t j = 0; !ok && domains && j < domains->n; j++)
				ok = host_in_domain(h, domains->v[j]);
			free(h);
			if (ok)
				links_push(out, u, ex->text);
			free(u);
		}
	}
	free(page_host);
}

void doc_links_release(struct doc_links *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].url);
		free(l->v[i].title);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* ---- normalisation ---- */

/* What a code point becomes: NULL keeps it, "" drops it. */
static const char *cp_map(uint32_t cp)
{
	if (cp == '\t' || cp == '\r' || cp == '\v' || cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200A) ||
	    cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0x1680)
		return " ";
	if (cp == '\f' || cp == 0x2028 || cp == 0x2029 || cp == 0x85)
		return "\n";
	if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || cp == 0xAD ||
	    (cp >= 0x200B && cp <= 0x200F) || cp == 0x2060 || cp == 0xFEFF || cp == 0xFFFD)
		return "";
	switch (cp) {
	case 0xFB00: return "ff";
	case 0xFB01: return "fi";
	case 0xFB02: return "fl";
	case 0xFB03: return "ffi";
	case 0xFB04: return "ffl";
	case 0xFB05: case 0xFB06: return "st";
	}
	return NULL;
}

/* Appends one finished line: trimmed, spaces collapsed, blank dropped. */
static void flush_line(struct buf *out, struct buf *line)
{
	const char *p = buf_str(line);
	size_t n = line->len, i = 0;
	bool any = false, space = false;
	while (i < n && p[i] == ' ')
		i++;
	for (; i < n; i++) {
		if (p[i] == ' ') {
			space = true;
			continue;
		}
		if (!any && out->len)
			buf_addch(out, '\n');
		if (space && any)
			buf_addch(out, ' ');
		buf_addch(out, p[i]);
		any = true;
		space = false;
	}
	buf_reset(line);
}

char *doc_text_normalise(const char *s, size_t len)
{
	struct buf out, line;
	buf_init(&out, 0);
	buf_init(&line, 0);
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		size_t n = utf8_seq_len(u + i, len - i);
		if (!n) {
			i++;   /* invalid byte: dropped */
			continue;
		}
		const char *m = u[i] == '\n' ? "\n" : cp_map(utf8_decode(u + i, n));
		if (!m) {
			buf_add(&line, s + i, n);
		} else {
			for (const char *c = m; *c; c++) {
				if (*c == '\n')
					flush_line(&out, &line);
				else
					buf_addch(&line, *c);
			}
		}
		i += n;
	}
	flush_line(&out, &line);
	buf_release(&line);
	return buf_detach(&out, NULL);
}

/* ---- the converter child ---- */

void doc_limits_init(struct doc_limits *lim)
{
	lim->cpu_seconds = 10;
	lim->wall_ms = 15000;
	lim->mem_bytes = 512L * 1024 * 1024;
	lim->max_text = 4L * 1024 * 1024;
	lim->converter_dir = NULL;
}

struct converter {
	enum doc_type type;
	const char *name;
	/* argv with "@" for the input file */
	const char *argv[8];
};

static const struct converter converters[] = {
	{ DOC_TYPE_PDF, "pdftotext", { "pdftotext", "-enc", "UTF-8", "-nopgbrk", "-q", "@", "-", NULL } },
	{ DOC_TYPE_ODT, "odt2txt", { "odt2txt", "--encoding=UTF-8", "--width=-1", "@", NULL } },
	{ DOC_TYPE_DOCX, "docx2txt", { "docx2txt", "@", "-", NULL } },
};

static const char *const bin_dirs[] = { "/usr/bin", "/bin", "/usr/local/bin" };

/* Absolute path of a converter, or NULL when not installed. Owned. */
static char *find_converter(const char *name, const char *first_dir)
{
	if (first_dir && *first_dir) {
		char *p = xasprintf("%s/%s", first_dir, name);
		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	for (size_t i = 0; i < PW_ARRAY_SIZE(bin_dirs); i++) {
		char *p = xasprintf("%s/%s", bin_dirs[i], name);
		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

/* Runs the converter path with argv under lim: stdin empty, stdout into
 * c->out (capped at max_text), the tail of stderr kept for the message,
 * no file written (RLIMIT_FSIZE 0), a fixed environment, and what is left
 * of its process group killed when it ends (docx2txt runs unzip). */
static int run_converter(const char *path, char *const argv[], const struct doc_limits *lim,
			 struct pw_child *c)
{
	static char *const envp[] = { "PATH=/usr/bin:/bin", "LANG=C.UTF-8", "LC_ALL=C.UTF-8",
				      "HOME=/nonexistent", NULL };
	pw_child_init(c);
	c->path = path;
	c->argv = argv;
	c->envp = envp;
	c->out_max = (size_t)lim->max_text;
	c->err_max = DOC_STDERR_TAIL;
	c->cpu_seconds = lim->cpu_seconds;
	c->mem_bytes = lim->mem_bytes;
	c->file_bytes = 0;
	c->wall_ms = lim->wall_ms;
	c->kill_group = true;
	return pw_child_run(c);
}

/* strerror() for the conversion threads (convert_pool.c): glibc's is not
 * thread-safe, strerror_r() is. Returns buf. */
static const char *doc_strerror(int e, char buf[128])
{
	if (strerror_r(e, buf, 128))
		snprintf(buf, 128, "error %d", e);
	return buf;
}

static void fail(struct doc_text *out, enum pw_failure f, const char *fmt, ...) PW_PRINTF(3, 4);
static void fail(struct doc_text *out, enum pw_failure f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(out->error);
	out->error = xvasprintf(fmt, ap);
	va_end(ap);
	out->failure = f;
	free(out->text);
	out->text = NULL;
}

static bool pdf_complete(const char *b, size_t len)
{
	size_t from = len > PDF_EOF_WINDOW ? len - PDF_EOF_WINDOW : 0;
	for (size_t i = from; i + 5 <= len; i++)
		if (!memcmp(b + i, "%%EOF", 5))
			return true;
	return false;
}

/* Whether the converter said it ran out of memory: poppler's "Out of
 * memory", C++'s std::bad_alloc, strerror(ENOMEM), Perl's "Out of
 * memory!". Under RLIMIT_AS that is the memory limit. */
static bool said_out_of_memory(const char *err)
{
	static const char *const says[] = { "out of memory", "bad_alloc",
					    "cannot allocate memory" };
	for (const char *h = err; *h; h++)
		for (size_t i = 0; i < PW_ARRAY_SIZE(says); i++)
			if (!strncasecmp(h, says[i], strlen(says[i])))
				return true;
	return false;
}

/* The last non-empty line of the converter's stderr, printable ASCII only
 * (it comes from a parser of untrusted files), at most 160 bytes: "" or
 * " ('...')". Owned. */
static char *stderr_note(const char *err, size_t len)
{
	while (len && (err[len - 1] == '\n' || err[len - 1] == '\r' || err[len - 1] == ' '))
		len--;
	size_t from = len;
	while (from && err[from - 1] != '\n')
		from--;
	if (from == len)
		return xstrdup("");
	if (len - from > 160)
		len = from + 160;
	struct buf b = BUF_INIT;
	buf_addstr(&b, " ('");
	for (size_t i = from; i < len; i++) {
		unsigned char c = (unsigned char)err[i];
		buf_addch(&b, c >= 0x20 && c < 0x7f && c != '\'' ? (char)c : '?');
	}
	buf_addstr(&b, "')");
	return buf_detach(&b, NULL);
}

/* Judges the converter's end; fills out. Too large is too large whichever
 * limit caught it; see the top of this file. */
static void converter_end(struct doc_text *out, const char *conv, const struct pw_child *c,
			  const struct doc_limits *lim)
{
	int sig = c->end == PW_CHILD_SIGNALLED ? c->code : 0;
	bool oom = said_out_of_memory(buf_str(&c->err));
	char *note = stderr_note(buf_str(&c->err), c->err.len);
	if (c->end == PW_CHILD_NOT_STARTED) {
		char eb[128];
		fail(out, PW_FAIL_BAD_CONTENT, "%s: cannot be run: %s", conv,
		     doc_strerror(c->code, eb));
	} else if (c->end == PW_CHILD_TOO_LARGE) {
		fail(out, PW_FAIL_TOO_LARGE, "%s: text larger than %ld bytes, stopped", conv, lim->max_text);
	} else if (c->end == PW_CHILD_TIMED_OUT) {
		fail(out, PW_FAIL_TIMEOUT, "%s: still running after %ld ms, killed", conv, lim->wall_ms);
	} else if (sig == SIGXFSZ) {
		/* under RLIMIT_FSIZE 0 any write to a file is past the limit:
		 * its output went elsewhere than the capped pipe */
		fail(out, PW_FAIL_TOO_LARGE, "%s: wrote past its file-size limit (SIGXFSZ; its only "
		     "output is a pipe capped at %ld bytes), stopped%s", conv, lim->max_text, note);
	} else if (sig == SIGXCPU || sig == SIGKILL) {
		fail(out, PW_FAIL_TIMEOUT, "%s: over the CPU limit of %ld s, killed", conv,
		     lim->cpu_seconds);
	} else if (oom) {
		/* it aborts, crashes or exits: the same limit either way */
		fail(out, PW_FAIL_TOO_LARGE, "%s: out of memory under the limit of %ld MiB, stopped%s",
		     conv, lim->mem_bytes >> 20, note);
	} else if (sig) {
		fail(out, PW_FAIL_BAD_CONTENT, "%s: died of signal %d (a parser crash)%s", conv,
		     sig, note);
	} else if (c->code == 127 || c->code == 126) {
		fail(out, PW_FAIL_BAD_CONTENT, "%s: cannot be run (exit %d)%s", conv, c->code, note);
	} else if (c->code != 0) {
		fail(out, PW_FAIL_BAD_CONTENT, "%s: cannot read the document (exit %d)%s", conv,
		     c->code, note);
	}
	free(note);
}

/* Sniffs out->type; false when the document goes no further (tracked by
 * its hash only, or failed: out says which). */
static bool convertible(const char *body, size_t len, const char *content_type, const char *url,
			struct doc_text *out)
{
	out->type = sniff(body ? body : "", len, content_type, url);
	if (out->type == DOC_TYPE_UNKNOWN && doc_type_from_url(url) == DOC_TYPE_UNKNOWN &&
	    !is_text_type(content_type) && !looks_like_markup(body, len)) {
		/* a download link without extension serving another format
		 * (a spreadsheet, an archive): watched, but only by hash */
		out->kind = DOC_TEXT_HASH_ONLY;
		out->text = xstrdup("");
		out->note = xasprintf("unsupported format (content type '%s'): tracked by its hash only",
				      content_type ? content_type : "none");
		return false;
	}
	if (out->type == DOC_TYPE_UNKNOWN) {
		fail(out, PW_FAIL_BAD_CONTENT, "'%s' is not a PDF, DOC, DOCX or ODT document "
		     "(content type '%s')", url ? url : "?", content_type ? content_type : "none");
		return false;
	}
	if (out->type == DOC_TYPE_PDF && !pdf_complete(body, len)) {
		fail(out, PW_FAIL_BAD_CONTENT, "truncated PDF: no %%%%EOF marker at the end of '%s' "
		     "(%zu bytes)", url ? url : "?", len);
		return false;
	}
	return true;
}

/* The document in a private temporary file for the converter (*tmp, owned,
 * to unlink). 0, or -1 with out failed. */
static int write_tmp(const char *body, size_t len, char **tmp, struct doc_text *out)
{
	int fd = pw_tmpfile("prefwatch-doc", tmp);
	if (fd < 0) {
		char eb[128];
		fail(out, PW_FAIL_BAD_CONTENT, "cannot create a temporary file: %s",
		     doc_strerror(errno, eb));
		return -1;
	}
	/* closed either way: a failed write must not leak the descriptor */
	int wrc = pw_write_all(fd, body, len), e = errno;
	if (close(fd) < 0 && wrc == 0) {
		wrc = -1;
		e = errno;
	}
	if (wrc < 0) {
		char eb[128];
		fail(out, PW_FAIL_BAD_CONTENT, "cannot write the temporary file '%s': %s", *tmp,
		     doc_strerror(e, eb));
		return -1;
	}
	return 0;
}

int doc_extract(const char *body, size_t len, const char *content_type, const char *url,
		const struct doc_limits *lim_in, struct doc_text *out)
{
	struct doc_limits lim;
	struct pw_child child;
	char *path = NULL, *tmp = NULL;
	char *argv[8] = { 0 };
	const struct converter *conv = NULL;

	memset(out, 0, sizeof(*out));
	pw_child_init(&child);
	if (lim_in)
		lim = *lim_in;
	else
		doc_limits_init(&lim);
	if (!body)
		len = 0;
	if (!convertible(body, len, content_type, url, out))
		goto cleanup;
	for (size_t i = 0; i < PW_ARRAY_SIZE(converters); i++)
		if (converters[i].type == out->type)
			conv = &converters[i];
	if (conv)
		path = find_converter(conv->name, lim.converter_dir);
	if (!path) {
		out->kind = DOC_TEXT_HASH_ONLY;
		out->text = xstrdup("");
		out->note = conv ? xasprintf("%s is not installed: %s tracked by its hash only",
					     conv->name, doc_type_name(out->type))
				 : xasprintf("no converter for %s: tracked by its hash only",
					     doc_type_name(out->type));
		goto cleanup;
	}

	if (write_tmp(body, len, &tmp, out) < 0)
		goto cleanup;
	for (size_t i = 0; i < PW_ARRAY_SIZE(conv->argv) - 1 && conv->argv[i]; i++)
		argv[i] = (char *)(strcmp(conv->argv[i], "@") ? conv->argv[i] : tmp);
	run_converter(path, argv, &lim, &child);
	out->seconds = child.seconds;
	converter_end(out, conv->name, &child, &lim);
	if (!out->failure) {
		free(out->text);
		out->text = doc_text_normalise(buf_str(&child.out), child.out.len);
	}
	if (out->failure) {
		char *e = xasprintf("%s (after %.1f s)", out->error, child.seconds);
		free(out->error);
		out->error = e;
		goto cleanup;
	}
	if (!*out->text) {
		out->kind = DOC_TEXT_SCAN;
		out->note = xstrdup(out->type == DOC_TYPE_PDF
				    ? "no text layer (a scanned document?): tracked by its hash only"
				    : "no text: tracked by its hash only");
	}

cleanup:
	if (tmp)
		unlink(tmp);
	free(tmp);
	free(path);
	pw_child_release(&child);
	return out->failure ? -1 : 0;
}

void doc_text_release(struct doc_text *d)
{
	if (!d)
		return;
	free(d->text);
	free(d->note);
	free(d->error);
	memset(d, 0, sizeof(*d));
}
