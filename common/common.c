/*
 * common.c - the shared toolkit declared in common.h.
 */
#include "common/common.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <fcntl.h>
#include <strings.h>
#include <unistd.h>

_Noreturn void pw_die_oom(const char *what)
{
	fprintf(stderr, "prefwatch: fatal: out of memory (%s)\n", what);
	abort();
}

static _Noreturn void die_oom(size_t n)
{
	char what[32];
	snprintf(what, sizeof(what), "%zu bytes", n);
	pw_die_oom(what);
}

int pw_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, p + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		off += (size_t)w;
	}
	return 0;
}

int pw_read_exact(int fd, void *data, size_t len)
{
	char *p = data;
	size_t off = 0;
	while (off < len) {
		ssize_t r = read(fd, p + off, len - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			return -1;
		}
		off += (size_t)r;
	}
	return 0;
}

int pw_read_file(const char *path, struct buf *b)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char tmp[65536];
	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t r = read(fd, tmp, sizeof(tmp));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || (r > 0 && buf_add(b, tmp, (size_t)r) < 0)) {
			int saved = r < 0 ? errno : EFBIG;
			close(fd);
			errno = saved;
			return -1;
		}
		if (r == 0)
			break;
	}
	close(fd);
	return 0;
}

int pw_tmpfile(const char *prefix, char **path)
{
	const char *dir = getenv("TMPDIR");
	char *p = xasprintf("%s/%s.XXXXXX", dir && *dir == '/' ? dir : "/tmp", prefix);
	/* not atomic (mkostemp() needs _GNU_SOURCE): a conversion thread may
	 * fork between these calls, but pw_child_run()'s child closes every
	 * descriptor above 2 before its exec, so none leaks into a program */
	int fd = mkstemp(p);
	if (fd >= 0 && fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		int saved = errno;
		close(fd);
		unlink(p);
		fd = -1;
		errno = saved;
	}
	if (fd >= 0 && path)
		*path = p;
	else
		free(p);
	return fd;
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die_oom(n);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		die_oom(nmemb * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		die_oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	return s ? xstrndup(s, strlen(s)) : NULL;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return xstrdup("");
	char *p = xmalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

/* ---- buf ---- */

void buf_init(struct buf *b, size_t max)
{
	b->ptr = NULL;
	b->len = b->alloc = 0;
	b->max = max ? max : SIZE_MAX / 2;
	b->toobig = false;
}

static int buf_grow(struct buf *b, size_t extra)
{
	size_t max = b->max ? b->max : SIZE_MAX / 2;
	if (extra > max || b->len > max - extra) {
		b->toobig = true;
		return -1;
	}
	size_t need = b->len + extra + 1;
	if (need <= b->alloc)
		return 0;
	size_t n = b->alloc ? b->alloc : 64;
	while (n < need)
		n = n < SIZE_MAX / 4 ? n * 2 : need;
	b->ptr = xrealloc(b->ptr, n);
	b->alloc = n;
	return 0;
}

int buf_add(struct buf *b, const void *data, size_t len)
{
	if (buf_grow(b, len) < 0)
		return -1;
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return 0;
}

int buf_addstr(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int buf_addch(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	int rc = buf_addstr(b, s);
	free(s);
	return rc;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->toobig = false;
	if (b->ptr)
		b->ptr[0] = '\0';
}

char *buf_detach(struct buf *b, size_t *len)
{
	char *p = b->ptr ? b->ptr : xstrdup("");
	if (len)
		*len = b->len;
	b->ptr = NULL;
	b->len = b->alloc = 0;
	return p;
}

void buf_release(struct buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->alloc = 0;
	b->toobig = false;
}

/* ---- strvec ---- */

void strvec_push_nodup(struct strvec *sv, char *s)
{
	if (sv->n + 1 >= sv->alloc) {
		sv->alloc = sv->alloc ? sv->alloc * 2 : 8;
		sv->v = xrealloc(sv->v, sv->alloc * sizeof(*sv->v));
	}
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
}

void strvec_push(struct strvec *sv, const char *s)
{
	strvec_push_nodup(sv, xstrdup(s));
}

bool strvec_contains(const struct strvec *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (!strcmp(sv->v[i], s))
			return true;
	return false;
}

/* ---- strmap (open addressing, linear probing, load factor <= 1/2) ---- */

static size_t strmap_find(const struct strmap_slot *slots, size_t cap, const char *key)
{
	size_t i = (size_t)XXH3_64bits(key, strlen(key)) & (cap - 1);
	while (slots[i].key && strcmp(slots[i].key, key))
		i = (i + 1) & (cap - 1);
	return i;
}

const void *strmap_get(const struct strmap *m, const char *key)
{
	if (!m->cap)
		return NULL;
	const struct strmap_slot *sl = &m->slots[strmap_find(m->slots, m->cap, key)];
	return sl->key ? sl->value : NULL;
}

void strmap_put(struct strmap *m, const char *key, const void *value)
{
	if (2 * (m->n + 1) > m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 64;
		struct strmap_slot *slots = xcalloc(cap, sizeof(*slots));
		for (size_t i = 0; i < m->cap; i++)
			if (m->slots[i].key)
				slots[strmap_find(slots, cap, m->slots[i].key)] = m->slots[i];
		free(m->slots);
		m->slots = slots;
		m->cap = cap;
	}
	struct strmap_slot *sl = &m->slots[strmap_find(m->slots, m->cap, key)];
	if (!sl->key)
		m->n++;
	sl->key = key;
	sl->value = value;
}

void strmap_release(struct strmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->n = m->cap = 0;
}

void strvec_clear(struct strvec *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	sv->n = 0;
	if (sv->v)
		sv->v[0] = NULL;
}

void strvec_release(struct strvec *sv)
{
	strvec_clear(sv);
	free(sv->v);
	sv->v = NULL;
	sv->alloc = 0;
}

/* ---- fieldset ---- */

const struct field *fieldset_find(const struct fieldset *fs, const char *name)
{
	for (size_t i = 0; i < fs->n; i++)
		if (!strcmp(fs->v[i].name, name))
			return &fs->v[i];
	return NULL;
}

struct field *fieldset_get(struct fieldset *fs, const char *name)
{
	for (size_t i = 0; i < fs->n; i++)
		if (!strcmp(fs->v[i].name, name))
			return &fs->v[i];
	fs->v = xrealloc(fs->v, (fs->n + 1) * sizeof(*fs->v));
	struct field *f = &fs->v[fs->n++];
	f->name = xstrdup(name);
	memset(&f->values, 0, sizeof(f->values));
	return f;
}

void fieldset_add(struct fieldset *fs, const char *name, const char *value)
{
	struct field *f = fieldset_get(fs, name);
	if (!strvec_contains(&f->values, value))
		strvec_push(&f->values, value);
}

static void escape_into(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\\': buf_addstr(b, "\\\\"); break;
		case '\t': buf_addstr(b, "\\t"); break;
		case '\n': buf_addstr(b, "\\n"); break;
		default: buf_addch(b, *s);
		}
	}
}

char *fieldset_serialize(const struct fieldset *fs)
{
	struct buf b = BUF_INIT;
	buf_addstr(&b, "");
	for (size_t i = 0; i < fs->n; i++) {
		const struct field *f = &fs->v[i];
		if (!f->values.n) {
			/* an empty field is kept so that "no e-mail" is recorded */
			escape_into(&b, f->name);
			buf_addstr(&b, "\n");
		}
		for (size_t j = 0; j < f->values.n; j++) {
			escape_into(&b, f->name);
			buf_addch(&b, '\t');
			escape_into(&b, f->values.v[j]);
			buf_addch(&b, '\n');
		}
	}
	return buf_detach(&b, NULL);
}

static char *unescape_range(const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	buf_addstr(&b, "");
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			i++;
			buf_addch(&b, s[i] == 't' ? '\t' : s[i] == 'n' ? '\n' : s[i]);
		} else {
			buf_addch(&b, s[i]);
		}
	}
	return buf_detach(&b, NULL);
}

int fieldset_parse(struct fieldset *fs, const char *s)
{
	while (s && *s) {
		const char *eol = strchr(s, '\n');
		size_t n = eol ? (size_t)(eol - s) : strlen(s);
		const char *tab = memchr(s, '\t', n);
		char *name = unescape_range(s, tab ? (size_t)(tab - s) : n);
		if (tab) {
			char *val = unescape_range(tab + 1, n - (size_t)(tab + 1 - s));
			fieldset_add(fs, name, val);
			free(val);
		} else if (*name) {
			fieldset_get(fs, name);
		}
		free(name);
		s = eol ? eol + 1 : s + n;
	}
	return 0;
}

void fieldset_release(struct fieldset *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		free(fs->v[i].name);
		strvec_release(&fs->v[i].values);
	}
	free(fs->v);
	fs->v = NULL;
	fs->n = 0;
}

/* ---- failures ---- */

static const char *const failure_names[PW_FAIL__COUNT] = {
	[PW_FAIL_NONE] = "",
	[PW_FAIL_DNS] = "dns",
	[PW_FAIL_CONNECT] = "connect",
	[PW_FAIL_TLS] = "tls",
	[PW_FAIL_TIMEOUT] = "timeout",
	[PW_FAIL_HTTP_ERROR] = "http_error",
	[PW_FAIL_NOT_FOUND] = "not_found",
	[PW_FAIL_MOVED] = "moved",
	[PW_FAIL_BLOCKED] = "blocked",
	[PW_FAIL_TOO_LARGE] = "too_large",
	[PW_FAIL_NO_CONTENT] = "no_content",
	[PW_FAIL_BAD_CONTENT] = "bad_content",
};

const char *pw_failure_name(enum pw_failure f)
{
	return (unsigned)f < PW_FAIL__COUNT ? failure_names[f] : "";
}

enum pw_failure pw_failure_from_name(const char *name)
{
	for (int i = 1; name && i < PW_FAIL__COUNT; i++)
		if (!strcmp(failure_names[i], name))
			return (enum pw_failure)i;
	return PW_FAIL_NONE;
}

/* ---- logging ---- */

static enum log_level current_level = LOG_WARN;

void log_set_level(enum log_level lvl) { current_level = lvl; }
enum log_level log_get_level(void) { return current_level; }

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const char *const prefix[] = { "", N_("error: "), N_("warning: "), "", N_("debug: ") };
	if (lvl > current_level || lvl == LOG_QUIET)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	/* one write per line so that concurrent writers do not interleave */
	fprintf(stderr, "prefwatch: %s%s\n", *prefix[lvl] ? _(prefix[lvl]) : "", msg);
	free(msg);
}

/* ---- hashes ---- */

static void hash_format(XXH128_hash_t h, char out[PW_HASH_HEX])
{
	snprintf(out, PW_HASH_HEX, "%016llx%016llx",
		 (unsigned long long)h.high64, (unsigned long long)h.low64);
}

void pw_hash_hex(const void *data, size_t len, char out[PW_HASH_HEX])
{
	hash_format(XXH3_128bits(data, len), out);
}

/* XXH3's streaming state: XXH3_createState() gives the alignment it needs */
struct pw_hasher {
	XXH3_state_t *st;
};

struct pw_hasher *pw_hasher_new(void)
{
	struct pw_hasher *h = xmalloc(sizeof(*h));
	h->st = XXH3_createState();
	if (!h->st)
		pw_die_oom("hash state");
	XXH3_128bits_reset(h->st);
	return h;
}

void pw_hasher_update(struct pw_hasher *h, const void *data, size_t len)
{
	if (len)
		XXH3_128bits_update(h->st, data, len);
}

void pw_hasher_final(const struct pw_hasher *h, char out[PW_HASH_HEX])
{
	hash_format(XXH3_128bits_digest(h->st), out);
}

void pw_hasher_free(struct pw_hasher *h)
{
	if (!h)
		return;
	XXH3_freeState(h->st);
	free(h);
}

/* ---- time ---- */

void pw_time_iso(time_t t, char out[21])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void pw_time_fr(time_t t, char out[11])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%d/%m/%Y", &tm);
}

time_t pw_time_parse(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	int n = 0;
	if (sscanf(s, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &n) != 3 || n != 10)
		return -1;
	if (s[10] == 'T' || s[10] == ' ') {
		int m = 0;
		if (sscanf(s + 11, "%2d:%2d:%2d%n", &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &m) != 3)
			return -1;
		const char *rest = s + 11 + m;
		if (*rest && strcmp(rest, "Z"))
			return -1;
	} else if (s[10]) {
		return -1;
	}
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return timegm(&tm);
}

/* ---- UTF-8 ---- */

size_t utf8_seq_len(const unsigned char *s, size_t avail)
{
	if (!avail)
		return 0;
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t n;
	unsigned int cp;
	if (c >= 0xC2 && c <= 0xDF) { n = 2; cp = c & 0x1F; }
	else if (c >= 0xE0 && c <= 0xEF) { n = 3; cp = c & 0x0F; }
	else if (c >= 0xF0 && c <= 0xF4) { n = 4; cp = c & 0x07; }
	else return 0;
	if (avail < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	/* overlongs, surrogates and beyond U+10FFFF are invalid */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return 0;
	return n;
}

uint32_t utf8_decode(const unsigned char *s, size_t n)
{
	switch (n) {
	case 1: return s[0];
	case 2: return ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
	case 3: return ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
	default:
		return ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
		       ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
	}
}

bool utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		size_t n = utf8_seq_len(p + i, len - i);
		if (!n)
			return false;
		i += n;
	}
	return true;
}

#ifdef PREFWATCH_SANITIZER_OPTIONS
/* Sanitizer builds only: defaults the ASan runtime asks for at start-up.
 * It reads $ASAN_OPTIONS from /proc/self/environ, so where /proc is not
 * mounted (a bare chroot) only these apply: scripts/dev.sh test-asan then
 * builds with detect_leaks=0 (LeakSanitizer cannot stop the world without
 * /proc either). $ASAN_OPTIONS, when readable, still overrides them. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return PREFWATCH_SANITIZER_OPTIONS;
}
#endif

static int french_month(const char *s, size_t n)
{
	static const char *const months[] = { "janvier", "février", "mars", "avril", "mai", "juin",
					      "juillet", "août", "septembre", "octobre", "novembre",
					      "décembre" };
	static const char *const ascii[] = { "janvier", "fevrier", "mars", "avril", "mai", "juin",
					     "juillet", "aout", "septembre", "octobre", "novembre",
					     "decembre" };
	for (int i = 0; i < 12; i++) {
		if ((strlen(months[i]) == n && !strncasecmp(s, months[i], n)) ||
		    (strlen(ascii[i]) == n && !strncasecmp(s, ascii[i], n)))
			return i + 1;
	}
	return 0;
}

bool pw_french_date(const char *s, size_t n, int *y, int *m, int *d)
{
	char tmp[64];
	*y = *m = *d = 0;
	if (n >= sizeof(tmp))
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (sscanf(tmp, "%4d-%2d-%2d", y, m, d) == 3 && *y > 1900) {
		/* ISO already */
	} else if (sscanf(tmp, "%d %*[/.-] %d %*[/.-] %d", d, m, y) == 3 ||
		   sscanf(tmp, "%d/%d/%d", d, m, y) == 3 || sscanf(tmp, "%d.%d.%d", d, m, y) == 3 ||
		   sscanf(tmp, "%d-%d-%d", d, m, y) == 3) {
		if (*y < 100)
			*y += 2000;
	} else {
		/* "2 mars 2023", "1er mars 2023" */
		char *p = tmp, *q;
		*d = (int)strtol(p, &p, 10);
		if (!strncmp(p, "er", 2))
			p += 2;
		while (*p == ' ')
			p++;
		for (q = p; *q && *q != ' '; q++)
			;
		*m = french_month(p, (size_t)(q - p));
		*y = atoi(q);
	}
	return *d >= 1 && *d <= 31 && *m >= 1 && *m <= 12 && *y >= 1000 && *y <= 2199;
}
