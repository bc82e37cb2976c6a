/*
 * common.h - the project header, included first by every .c file.
 *
 * It sets the feature macros, pulls in the standard headers every module
 * uses, and declares the small toolkit shared by all modules: allocation
 * that dies on out-of-memory (a nightly CLI has nothing better to do), a
 * capped growable buffer (pages are untrusted, every buffer has a limit),
 * a string vector, named field sets, logging, content hashes and time
 * helpers, plus the failure vocabulary shared by crawler, store and reports.
 */
#ifndef PREFWATCH_COMMON_H
#define PREFWATCH_COMMON_H

#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE 1

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libintl.h>

/* ---- messages: GNU gettext (glibc's own libintl), domain "prefwatch" ----
 * Every message a user reads on the command line is written in English and
 * wrapped: _("...") where it is printed, N_("...") in a table (marks it for
 * xgettext, translated with _() where it is used). po/fr.po holds the French;
 * the locale (LANG, LC_MESSAGES, LC_ALL, LANGUAGE) chooses. Never wrap text
 * other programs parse: JSON keys and values, failure kind names, the
 * report (already French), "FILE:LINE:COLUMN:" positions. */
#define PW_TEXTDOMAIN "prefwatch"
#define _(s) gettext(s)
#define N_(s) s

#ifndef PREFWATCH_VERSION
#define PREFWATCH_VERSION "0.0.0"
#endif

#define PW_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define PW_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- allocation: never returns NULL, aborts with a message instead ---- */
/* "prefwatch: fatal: out of memory (what)" on stderr, then abort(): the one
 * way out when a library's allocation fails too (libcurl, libyaml, ...). */
_Noreturn void pw_die_oom(const char *what);
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);              /* xstrdup(NULL) returns NULL */
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) PW_PRINTF(1, 2);
char *xvasprintf(const char *fmt, va_list ap) PW_PRINTF(1, 0);

/* ---- capped growable byte buffer (always NUL-terminated) ----
 * buf_add* return 0, or -1 when the cap would be exceeded (the buffer is
 * then left unchanged and b->toobig is set). cap 0 means SIZE_MAX/2. */
struct buf {
	char *ptr;
	size_t len;
	size_t alloc;
	size_t max;
	bool toobig;
};
#define BUF_INIT { NULL, 0, 0, 0, false }
void buf_init(struct buf *b, size_t max);
int buf_add(struct buf *b, const void *data, size_t len);
int buf_addstr(struct buf *b, const char *s);
int buf_addch(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) PW_PRINTF(2, 3);
void buf_reset(struct buf *b);                 /* len = 0, keeps memory */
char *buf_detach(struct buf *b, size_t *len);  /* caller owns; never NULL */
void buf_release(struct buf *b);
static inline const char *buf_str(const struct buf *b) { return b->ptr ? b->ptr : ""; }

/* ---- files ---- */
/* Writes all of data[0..len) to fd, retrying on EINTR; -1 with errno
 * (EIO when the system writes nothing). */
int pw_write_all(int fd, const void *data, size_t len);
/* Reads exactly len bytes from fd, retrying on EINTR; -1 with errno (EIO
 * when the file ends first). */
int pw_read_exact(int fd, void *data, size_t len);
/* Appends the whole file at path to b, within b's cap (EFBIG past it);
 * -1 with errno. */
int pw_read_file(const char *path, struct buf *b);
/* Creates a private (0600) file "prefix.XXXXXX" in $TMPDIR when it is an
 * absolute path, else /tmp, close-on-exec so that no child (converters,
 * sendmail) inherits it. Returns its fd, and its path in *path (owned)
 * when path is not NULL; -1 with errno. */
int pw_tmpfile(const char *prefix, char **path);

/* ---- vector of owned strings ---- */
struct strvec {
	char **v;
	size_t n;
	size_t alloc;
};
#define STRVEC_INIT { NULL, 0, 0 }
void strvec_push(struct strvec *sv, const char *s);         /* copies s */
void strvec_push_nodup(struct strvec *sv, char *s);         /* takes s */
bool strvec_contains(const struct strvec *sv, const char *s);
void strvec_clear(struct strvec *sv);
void strvec_release(struct strvec *sv);

/* ---- map from string to value: constant-time lookups where a list
 * would make N insertions cost N^2 (a watchlist of thousands of ids).
 * Keys and values are borrowed: they must outlive the map. ---- */
struct strmap {
	struct strmap_slot { const char *key; const void *value; } *slots;
	size_t n, cap;                 /* cap: 0 or a power of two */
};
#define STRMAP_INIT { NULL, 0, 0 }
const void *strmap_get(const struct strmap *m, const char *key);  /* NULL: absent */
void strmap_put(struct strmap *m, const char *key, const void *value); /* replaces */
void strmap_release(struct strmap *m);

/* ---- named sets of string values: the "fields" (facts) of a page ----
 * Values keep insertion order and are unique within a field. */
struct field {
	char *name;
	struct strvec values;
};
struct fieldset {
	struct field *v;
	size_t n;
};
#define FIELDSET_INIT { NULL, 0 }
struct field *fieldset_get(struct fieldset *fs, const char *name); /* creates */
const struct field *fieldset_find(const struct fieldset *fs, const char *name);
void fieldset_add(struct fieldset *fs, const char *name, const char *value);
/* Serialised form, stable and line based: "name\tvalue\n" per value,
 * with '\\', '\t' and '\n' escaped. Used by the store. */
char *fieldset_serialize(const struct fieldset *fs);
int fieldset_parse(struct fieldset *fs, const char *s);
void fieldset_release(struct fieldset *fs);

/* ---- failure vocabulary (JSON "failure" values) ---- */
enum pw_failure {
	PW_FAIL_NONE = 0,
	PW_FAIL_DNS,
	PW_FAIL_CONNECT,
	PW_FAIL_TLS,
	PW_FAIL_TIMEOUT,
	PW_FAIL_HTTP_ERROR,
	PW_FAIL_NOT_FOUND,
	PW_FAIL_MOVED,
	PW_FAIL_BLOCKED,
	PW_FAIL_TOO_LARGE,
	PW_FAIL_NO_CONTENT,
	PW_FAIL_BAD_CONTENT,
	PW_FAIL__COUNT
};
const char *pw_failure_name(enum pw_failure f);        /* "dns", ... ; "" for NONE */
/* The error stored with a too_large failure when the page's procedure
 * text reached the extraction's cap and was cut: the text is not the
 * page's, so it is not compared. Reports word it by this prefix (it is
 * stored with the failure, so a report rebuilt from the store says it
 * too). */
#define PW_ERROR_TEXT_TRUNCATED "text truncated: the procedure text is over 8 MiB"
static inline bool pw_error_is_truncated(enum pw_failure f, const char *error)
{
	return f == PW_FAIL_TOO_LARGE && error &&
	       !strncmp(error, PW_ERROR_TEXT_TRUNCATED, sizeof(PW_ERROR_TEXT_TRUNCATED) - 1);
}
enum pw_failure pw_failure_from_name(const char *name); /* PW_FAIL_NONE if unknown */

/* ---- logging to stderr ---- */
enum log_level { LOG_QUIET = 0, LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };
void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);
void log_msg(enum log_level lvl, const char *fmt, ...) PW_PRINTF(2, 3);
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* ---- content hashes: 128-bit XXH3 as 32 lowercase hex digits ---- */
#define PW_HASH_HEX 33
void pw_hash_hex(const void *data, size_t len, char out[PW_HASH_HEX]);
/* The same hash over bytes given in pieces (a body as it is received):
 * pw_hasher_new() (never NULL), _update() any number of times, then
 * _final() gives exactly what pw_hash_hex() gives for the concatenation.
 * pw_hasher_free() accepts NULL. */
struct pw_hasher;
struct pw_hasher *pw_hasher_new(void);
void pw_hasher_update(struct pw_hasher *h, const void *data, size_t len);
void pw_hasher_final(const struct pw_hasher *h, char out[PW_HASH_HEX]);
void pw_hasher_free(struct pw_hasher *h);

/* ---- time ---- */
/* "2026-01-05T02:00:00Z" into out (at least 21 bytes). */
void pw_time_iso(time_t t, char out[21]);
/* Parses the form above (or "YYYY-MM-DD"); -1 on error. */
time_t pw_time_parse(const char *s);
/* "12/03/2026" (French date) into out (at least 11 bytes), UTC. */
void pw_time_fr(time_t t, char out[11]);
/* A date as French pages write it: "2 mars 2023", "1er mars 2023",
 * "02/03/2023", "2.3.23", "02-03-2023" or ISO "2023-03-02" (month names
 * with or without accents, any case; a two-digit year is 20YY). True with
 * *y, *m, *d set when it reads as a day of 1..31, a month and a year of
 * 1000..2199; the caller narrows the years it believes. */
bool pw_french_date(const char *s, size_t n, int *y, int *m, int *d);

/* ---- UTF-8 ---- */
bool utf8_valid(const char *s, size_t len);
/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
size_t utf8_seq_len(const unsigned char *s, size_t avail);
/* The code point of the valid n-byte sequence at s (n from utf8_seq_len). */
uint32_t utf8_decode(const unsigned char *s, size_t n);

#include "common/banned.h"

#endif
