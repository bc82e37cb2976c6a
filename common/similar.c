/*
 * similar.c - word shingles and their Jaccard similarity (see similar.h).
 *
 * A shingle is hashed to 64 bits (FNV-1a over its folded words): two
 * different shingles colliding would only nudge a score, never crash, and
 * a sorted array of hashes makes the intersection one merge. Texts are
 * procedure pages (tens of kilobytes), so the arrays stay small.
 */
#include "common/common.h"

#include "common/similar.h"

/* U+00C0..U+00FF folded to an ASCII letter; 0: a separator (x, ÷). */
static const char latin1_fold[64] = "aaaaaaaceeeeiiiidnooooo\0ouuuuyts"
				    "aaaaaaaceeeeiiiidnooooo\0ouuuuyty";

/* Calls fn(word, len, arg) for each folded word of s. */
static void each_word(const char *s, void (*fn)(const char *w, size_t n, void *arg), void *arg)
{
	struct buf w = BUF_INIT;
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		size_t n = 1;
		char c = 0;
		if (*p < 0x80) {
			if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
				c = (char)*p;
			else if (*p >= 'A' && *p <= 'Z')
				c = (char)(*p - 'A' + 'a');
		} else if ((n = utf8_seq_len(p, strlen((const char *)p))) == 0) {
			n = 1; /* invalid byte: a separator */
		} else {
			uint32_t cp = utf8_decode(p, n);
			if (cp >= 0xC0 && cp <= 0xFF)
				c = latin1_fold[cp - 0xC0];
			else if (cp == 0x153 || cp == 0x152)
				c = 'o'; /* œ: "oe" below */
			else if (cp > 0xFF && cp != 0xA0 && !(cp >= 0x2000 && cp <= 0x206F)) {
				/* other scripts stay letters; general punctuation separates */
				(void)buf_add(&w, p, n);
				p += n;
				continue;
			}
			if (cp == 0x153 || cp == 0x152 || cp == 0xE6 || cp == 0xC6) {
				(void)buf_addch(&w, cp == 0xE6 || cp == 0xC6 ? 'a' : 'o');
				c = 'e';
			} else if (cp == 0xDF) {
				(void)buf_addch(&w, 's');
				c = 's';
			}
		}
		if (c) {
			(void)buf_addch(&w, c);
		} else if (w.len) {
			fn(w.ptr, w.len, arg);
			buf_reset(&w);
		}
		p += n;
	}
	if (w.len)
		fn(w.ptr, w.len, arg);
	buf_release(&w);
}

static void push_word(const char *w, size_t n, void *arg)
{
	strvec_push_nodup(arg, xstrndup(w, n));
}

void pw_words(const char *s, struct strvec *out)
{
	each_word(s, push_word, out);
}

static void join_word(const char *w, size_t n, void *arg)
{
	struct buf *b = arg;
	(void)buf_add(b, w, n);
	(void)buf_addch(b, ' ');
}

char *pw_fold_words(const char *s)
{
	struct buf b = BUF_INIT;
	(void)buf_addch(&b, ' ');
	each_word(s, join_word, &b);
	return buf_detach(&b, NULL);
}

struct hashes {
	uint64_t *v;
	size_t n, alloc;
};

static uint64_t fnv(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The sorted, unique hashes of the k-word shingles of s. */
static void shingles(const char *s, int k, struct hashes *out)
{
	struct strvec w = STRVEC_INIT;
	pw_words(s, &w);
	size_t count = w.n == 0 ? 0 : (w.n < (size_t)k ? 1 : w.n - (size_t)k + 1);
	out->v = xcalloc(count ? count : 1, sizeof(*out->v));
	out->n = 0;
	for (size_t i = 0; i < count; i++) {
		uint64_t h = 1469598103934665603ULL;
		for (size_t j = i; j < i + (size_t)k && j < w.n; j++) {
			h = fnv(h, w.v[j], strlen(w.v[j]));
			h = fnv(h, " ", 1);
		}
		out->v[out->n++] = h;
	}
	qsort(out->v, out->n, sizeof(*out->v), cmp_u64);
	size_t u = 0;
	for (size_t i = 0; i < out->n; i++)
		if (!u || out->v[u - 1] != out->v[i])
			out->v[u++] = out->v[i];
	out->n = u;
	strvec_release(&w);
}

double pw_similarity(const char *a, const char *b, int k)
{
	struct hashes x = { 0 }, y = { 0 };
	size_t i = 0, j = 0, both = 0;
	double r;
	if (k < 1)
		k = 1;
	shingles(a, k, &x);
	shingles(b, k, &y);
	if (!x.n || !y.n) {
		r = !x.n && !y.n ? 1.0 : 0.0;
		goto cleanup;
	}
	while (i < x.n && j < y.n) {
		if (x.v[i] == y.v[j]) {
			both++;
			i++;
			j++;
		} else if (x.v[i] < y.v[j]) {
			i++;
		} else {
			j++;
		}
	}
	r = (double)both / (double)(x.n + y.n - both);
cleanup:
	free(x.v);
	free(y.v);
	return r;
}
