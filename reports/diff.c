/*
 * diff.c - line and word diffs of canonical texts, the unified diff, and
 * field deltas.
 *
 * The engine is our own implementation of Myers' O(ND) greedy algorithm
 * ("An O(ND) Difference Algorithm and Its Variations", 1986) rather than a
 * library, because:
 *  - the texts are small (a procedure page is a few hundred lines), so the
 *    simple forward variant that keeps one V array per step is enough;
 *  - it adds no dependency for the packagers (libxdiff/libgit2 would be a
 *    large one for ~200 lines of code);
 *  - we control tokenisation: lines, and inside changed lines French words,
 *    spaces and punctuation, never splitting a UTF-8 character.
 * Work is capped (D and the number of comparisons): past the cap the middle
 * of the texts is reported as deleted then inserted, which is still exact,
 * so a hostile page cannot make us use quadratic memory or time.
 *
 * Tokens are compared by a 64-bit FNV-1a hash first, then by bytes.
 */
#include "common/common.h"
#include "reports/report.h"
#include "reports/internal.h"
#include "common/similar.h"

/* Largest edit distance explored: the trace costs about D^2 ints (9 MB). */
#define DIFF_MAX_D 1500
/* Largest number of token comparisons and diagonal steps per diff. */
#define DIFF_MAX_WORK 30000000UL
/* Cap of any string this file builds (a diff of two capped page texts). */
#define DIFF_OUT_MAX (64u << 20)

struct tok {
	const char *p;
	size_t len;
	uint64_t h;
};

struct toks {
	struct tok *v;
	size_t n, alloc;
};

static uint64_t hash_bytes(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static void toks_push(struct toks *t, const char *p, size_t len)
{
	if (t->n == t->alloc) {
		t->alloc = t->alloc ? t->alloc * 2 : 64;
		t->v = xrealloc(t->v, t->alloc * sizeof(*t->v));
	}
	t->v[t->n].p = p;
	t->v[t->n].len = len;
	t->v[t->n].h = hash_bytes(p, len);
	t->n++;
}

static bool tok_eq(const struct tok *a, const struct tok *b)
{
	return a->h == b->h && a->len == b->len && !memcmp(a->p, b->p, a->len);
}

/* Lines without their '\n': "" has none, "x\n" is "x" and "". */
static void tokenize_lines(const char *s, struct toks *t)
{
	if (!*s)
		return;
	for (;;) {
		const char *eol = strchr(s, '\n');
		if (!eol) {
			toks_push(t, s, strlen(s));
			return;
		}
		toks_push(t, s, (size_t)(eol - s));
		s = eol + 1;
	}
}

/* Lines with their '\n', as diff(1) sees them; the last may lack it. */
static void tokenize_lines_nl(const char *s, struct toks *t)
{
	while (*s) {
		const char *eol = strchr(s, '\n');
		size_t n = eol ? (size_t)(eol - s) + 1 : strlen(s);
		toks_push(t, s, n);
		s += n;
	}
}

enum char_class { CC_WORD, CC_SPACE, CC_PUNCT };

static unsigned int decode(const unsigned char *s, size_t n)
{
	if (n == 1)
		return s[0];
	unsigned int cp = s[0] & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
	for (size_t i = 1; i < n; i++)
		cp = (cp << 6) | (s[i] & 0x3F);
	return cp;
}

/* Class and byte length of the character at s. Invalid bytes are single
 * punctuation tokens, so a token boundary never falls inside a valid
 * UTF-8 sequence. */
static enum char_class char_at(const unsigned char *s, size_t avail, size_t *len)
{
	size_t n = utf8_seq_len(s, avail);
	if (!n) {
		*len = 1;
		return CC_PUNCT;
	}
	*len = n;
	unsigned int cp = decode(s, n);
	if (cp < 0x80) {
		if ((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'))
			return CC_WORD;
		if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == '\v')
			return CC_SPACE;
		return CC_PUNCT;
	}
	switch (cp) {
	case 0xA0: case 0x2007: case 0x2009: case 0x202F: case 0x200B:
		return CC_SPACE;                /* French typography's thin spaces */
	case 0xAB: case 0xBB:                   /* « » */
	case 0x2013: case 0x2014: case 0x2026: case 0x2022:
	case 0x2018: case 0x2019: case 0x201C: case 0x201D: case 0x2039: case 0x203A:
		return CC_PUNCT;
	default:
		/* letters with accents, and '·' of inclusive writing ("immigré·e·s") */
		return CC_WORD;
	}
}

/* Words (runs of letters and digits), runs of spaces, single punctuation. */
static void tokenize_words(const char *s, struct toks *t)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t avail = strlen(s);
	size_t i = 0;
	while (i < avail) {
		size_t len;
		enum char_class cc = char_at(p + i, avail - i, &len);
		size_t start = i;
		i += len;
		if (cc != CC_PUNCT) {
			while (i < avail) {
				size_t l2;
				if (char_at(p + i, avail - i, &l2) != cc)
					break;
				i += l2;
			}
		}
		toks_push(t, s + start, i - start);
	}
}

/* ---- the Myers engine ---- */

struct script {
	unsigned char *op;
	size_t n, alloc;
};

static void script_push(struct script *s, enum diff_op op, size_t count)
{
	if (!count)
		return;
	if (s->n + count > s->alloc) {
		while (s->n + count > s->alloc)
			s->alloc = s->alloc ? s->alloc * 2 : 64;
		s->op = xrealloc(s->op, s->alloc);
	}
	memset(s->op + s->n, op, count);
	s->n += count;
}

#define UNREACHED INT_MIN

/* Furthest x reachable on diagonal k at step d from the values v of step
 * d-1 (indexed v[off + k]); *down tells whether the last edit was an
 * insertion (a move down) or a deletion (a move right). Moves that would
 * leave the edit graph are not taken, so every stored x is inside it. */
static int myers_step(const int *v, int off, int d, int k, int n, int m, bool *down)
{
	int best = UNREACHED;
	*down = false;
	if (k + 1 <= d - 1) {
		int px = v[off + k + 1];
		if (px != UNREACHED && px - (k + 1) < m) {
			best = px;
			*down = true;
		}
	}
	if (k - 1 >= -(d - 1)) {
		int px = v[off + k - 1];
		if (px != UNREACHED && px < n && px + 1 > best) {
			best = px + 1;
			*down = false;
		}
	}
	return best;
}

/* Appends the shortest edit script of a[0..n) -> b[0..m) to s; false (and
 * nothing appended) when the work cap is reached. */
static bool myers_middle(const struct tok *a, int n, const struct tok *b, int m, struct script *s)
{
	int dmax = n + m < DIFF_MAX_D ? n + m : DIFF_MAX_D;
	int off = dmax + 1;
	int *v = xcalloc((size_t)(2 * dmax + 3), sizeof(int));
	int *trace = NULL;
	size_t trace_len = 0, trace_alloc = 0;
	size_t *trace_at = xmalloc(((size_t)dmax + 1) * sizeof(size_t));
	unsigned long work = 0;
	int found = -1;
	unsigned char *rev = NULL;
	bool ok = false;

	for (int d = 0; d <= dmax && found < 0; d++) {
		/* keep v[-d-1 .. d+1] as it is before step d, for the way back */
		size_t need = trace_len + (size_t)(2 * d + 3);
		if (need > trace_alloc) {
			trace_alloc = trace_alloc ? trace_alloc * 2 : 1024;
			while (trace_alloc < need)
				trace_alloc *= 2;
			trace = xrealloc(trace, trace_alloc * sizeof(int));
		}
		memcpy(trace + trace_len, v + off - d - 1, (size_t)(2 * d + 3) * sizeof(int));
		trace_at[d] = trace_len;
		trace_len = need;

		for (int k = -d; k <= d; k += 2) {
			bool down;
			int x = d == 0 ? 0 : myers_step(v, off, d, k, n, m, &down);
			if (x == UNREACHED) {
				v[off + k] = UNREACHED;
				continue;
			}
			int y = x - k;
			while (x < n && y < m && tok_eq(&a[x], &b[y])) {
				x++;
				y++;
				work++;
			}
			v[off + k] = x;
			if (x == n && y == m) {
				found = d;
				break;
			}
		}
		work += (unsigned long)d + 1;
		if (work > DIFF_MAX_WORK)
			break;
	}
	if (found < 0)
		goto cleanup;

	/* walk back from (n, m), collecting the script in reverse */
	size_t nrev = 0;
	rev = xmalloc((size_t)n + (size_t)m + 1);
	int x = n, y = m;
	for (int d = found; d > 0; d--) {
		const int *vd = trace + trace_at[d];
		bool down;
		int k = x - y;
		myers_step(vd, d + 1, d, k, n, m, &down);
		int pk = down ? k + 1 : k - 1;
		int px = vd[d + 1 + pk], py = px - pk;
		int mx = down ? px : px + 1;
		while (x > mx) {
			rev[nrev++] = DIFF_EQUAL;
			x--;
			y--;
		}
		rev[nrev++] = down ? DIFF_INSERT : DIFF_DELETE;
		x = px;
		y = py;
	}
	while (x > 0) {
		rev[nrev++] = DIFF_EQUAL;
		x--;
	}
	for (size_t i = nrev; i > 0; i--)
		script_push(s, (enum diff_op)rev[i - 1], 1);
	ok = true;

cleanup:
	free(rev);
	free(trace_at);
	free(trace);
	free(v);
	return ok;
}

/* Edit script of two token arrays: common prefix and suffix are taken out
 * first (most page changes touch a few lines), the middle goes to Myers. */
static void myers(const struct toks *ta, const struct toks *tb, struct script *s)
{
	size_t n = ta->n, m = tb->n, pre = 0, suf = 0;
	while (pre < n && pre < m && tok_eq(&ta->v[pre], &tb->v[pre]))
		pre++;
	while (suf < n - pre && suf < m - pre && tok_eq(&ta->v[n - 1 - suf], &tb->v[m - 1 - suf]))
		suf++;
	size_t mn = n - pre - suf, mm = m - pre - suf;
	script_push(s, DIFF_EQUAL, pre);
	if (!mn) {
		script_push(s, DIFF_INSERT, mm);
	} else if (!mm) {
		script_push(s, DIFF_DELETE, mn);
	} else if (mn > INT_MAX / 4 || mm > INT_MAX / 4 ||
		   !myers_middle(ta->v + pre, (int)mn, tb->v + pre, (int)mm, s)) {
		script_push(s, DIFF_DELETE, mn);
		script_push(s, DIFF_INSERT, mm);
	}
	script_push(s, DIFF_EQUAL, suf);
}

static void diff_push(struct diff *d, size_t *alloc, enum diff_op op, char *text)
{
	if (d->n == *alloc) {
		*alloc = *alloc ? *alloc * 2 : 16;
		d->v = xrealloc(d->v, *alloc * sizeof(*d->v));
	}
	d->v[d->n].op = op;
	d->v[d->n].text = text;
	d->v[d->n].moved = false;
	d->n++;
}

/* ---- moved lines ---- */

struct line_ref {
	uint64_t h;
	const char *text;
	size_t idx;
};

static int line_ref_cmp(const void *x, const void *y)
{
	const struct line_ref *a = x, *b = y;
	if (a->h != b->h)
		return a->h < b->h ? -1 : 1;
	int c = strcmp(a->text, b->text);
	if (c)
		return c;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static bool is_blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r')
			return false;
	return true;
}

/* A non-blank line both deleted and inserted has moved: sort the changed
 * lines by content and mark groups holding both kinds (n log n, so a
 * hostile text cannot make this quadratic). */
static void mark_moved(struct diff *d)
{
	struct line_ref *refs = xmalloc((d->n + 1) * sizeof(*refs));
	size_t nr = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (d->v[i].op == DIFF_EQUAL || is_blank(d->v[i].text))
			continue;
		refs[nr].h = hash_bytes(d->v[i].text, strlen(d->v[i].text));
		refs[nr].text = d->v[i].text;
		refs[nr].idx = i;
		nr++;
	}
	qsort(refs, nr, sizeof(*refs), line_ref_cmp);
	for (size_t i = 0; i < nr;) {
		size_t j = i;
		bool del = false, ins = false;
		while (j < nr && refs[j].h == refs[i].h && !strcmp(refs[j].text, refs[i].text)) {
			if (d->v[refs[j].idx].op == DIFF_DELETE)
				del = true;
			else
				ins = true;
			j++;
		}
		if (del && ins)
			for (size_t k = i; k < j; k++)
				d->v[refs[k].idx].moved = true;
		i = j;
	}
	free(refs);
}

/* The token the script's next op stands for, advancing both cursors: an
 * insert is from b, a delete from a, an equal from a (and skips b's twin). */
static const struct tok *script_tok(unsigned char op, const struct toks *ta,
				    const struct toks *tb, size_t *ia, size_t *ib)
{
	if (op == DIFF_INSERT)
		return &tb->v[(*ib)++];
	if (op == DIFF_EQUAL)
		(*ib)++;
	return &ta->v[(*ia)++];
}

void diff_lines(const char *a, const char *b, struct diff *out)
{
	struct toks ta = { 0 }, tb = { 0 };
	struct script s = { 0 };
	size_t alloc = 0, ia = 0, ib = 0;

	out->v = NULL;
	out->n = 0;
	tokenize_lines(a ? a : "", &ta);
	tokenize_lines(b ? b : "", &tb);
	myers(&ta, &tb, &s);
	for (size_t i = 0; i < s.n; i++) {
		const struct tok *t = script_tok(s.op[i], &ta, &tb, &ia, &ib);
		diff_push(out, &alloc, (enum diff_op)s.op[i], xstrndup(t->p, t->len));
	}
	mark_moved(out);
	free(s.op);
	free(ta.v);
	free(tb.v);
}

static bool is_space_run(const char *s)
{
	if (!*s)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t len;
		if (char_at(p, strlen((const char *)p), &len) != CC_SPACE)
			return false;
		p += len;
	}
	return true;
}

/* A run of spaces, or one punctuation character ("02/02/2023" ->
 * "14/11/2026" is one replaced date, not three replaced numbers). */
static bool is_joiner(const char *s)
{
	size_t len;
	if (s[0] && char_at((const unsigned char *)s, strlen(s), &len) == CC_PUNCT && !s[len])
		return true;
	return is_space_run(s);
}

/* "a b c" -> "x y z" reads better as one replaced phrase than as three
 * replaced words: a run of spaces or a lone punctuation sign between two
 * replacements joins them. */
static void merge_replacements(struct diff *in, struct diff *out)
{
	struct buf del, ins;
	size_t alloc = 0;

	buf_init(&del, DIFF_OUT_MAX);
	buf_init(&ins, DIFF_OUT_MAX);
	out->v = NULL;
	out->n = 0;
	for (size_t i = 0; i <= in->n; i++) {
		struct diff_edit *e = i < in->n ? &in->v[i] : NULL;
		if (e && e->op == DIFF_DELETE) {
			buf_addstr(&del, e->text);
			continue;
		}
		if (e && e->op == DIFF_INSERT) {
			buf_addstr(&ins, e->text);
			continue;
		}
		if (e && del.len && ins.len && i + 1 < in->n && in->v[i + 1].op != DIFF_EQUAL &&
		    is_joiner(e->text)) {
			buf_addstr(&del, e->text);
			buf_addstr(&ins, e->text);
			continue;
		}
		if (del.len)
			diff_push(out, &alloc, DIFF_DELETE, buf_detach(&del, NULL));
		if (ins.len)
			diff_push(out, &alloc, DIFF_INSERT, buf_detach(&ins, NULL));
		if (e)
			diff_push(out, &alloc, DIFF_EQUAL, xstrdup(e->text));
	}
	buf_release(&del);
	buf_release(&ins);
}

void diff_words(const char *a, const char *b, struct diff *out)
{
	struct toks ta = { 0 }, tb = { 0 };
	struct script s = { 0 };
	struct diff runs = { NULL, 0 };
	struct buf cur;
	size_t alloc = 0, ia = 0, ib = 0;

	buf_init(&cur, DIFF_OUT_MAX);
	tokenize_words(a ? a : "", &ta);
	tokenize_words(b ? b : "", &tb);
	myers(&ta, &tb, &s);
	/* coalesce consecutive tokens with the same op */
	for (size_t i = 0; i < s.n; i++) {
		const struct tok *t = script_tok(s.op[i], &ta, &tb, &ia, &ib);
		buf_add(&cur, t->p, t->len);
		if (i + 1 == s.n || s.op[i + 1] != s.op[i])
			diff_push(&runs, &alloc, (enum diff_op)s.op[i], buf_detach(&cur, NULL));
	}
	merge_replacements(&runs, out);
	diff_release(&runs);
	buf_release(&cur);
	free(s.op);
	free(ta.v);
	free(tb.v);
}

void diff_release(struct diff *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].text);
	free(d->v);
	d->v = NULL;
	d->n = 0;
}

/* ---- unified diff ---- */

static void hunk_range(struct buf *o, char sign, size_t start, size_t count)
{
	/* diff(1): an empty range names the line before it */
	if (count == 1)
		buf_printf(o, "%c%zu", sign, start + 1);
	else
		buf_printf(o, "%c%zu,%zu", sign, count ? start + 1 : start, count);
}

char *diff_unified(const char *a, const char *b, const char *label_a,
		   const char *label_b, int context)
{
	struct toks ta = { 0 }, tb = { 0 };
	struct script s = { 0 };
	struct buf o;
	size_t *ai = NULL, *bi = NULL;
	size_t ctx = context > 0 ? (size_t)context : 0;

	a = a ? a : "";
	b = b ? b : "";
	buf_init(&o, DIFF_OUT_MAX);
	buf_addstr(&o, "");
	if (!strcmp(a, b))
		goto cleanup;
	tokenize_lines_nl(a, &ta);
	tokenize_lines_nl(b, &tb);
	myers(&ta, &tb, &s);

	/* line index in a and b before each op */
	ai = xmalloc((s.n + 1) * sizeof(*ai));
	bi = xmalloc((s.n + 1) * sizeof(*bi));
	ai[0] = bi[0] = 0;
	for (size_t i = 0; i < s.n; i++) {
		ai[i + 1] = ai[i] + (s.op[i] != DIFF_INSERT);
		bi[i + 1] = bi[i] + (s.op[i] != DIFF_DELETE);
	}
	buf_printf(&o, "--- %s\n+++ %s\n", label_a ? label_a : "a", label_b ? label_b : "b");

	size_t pos = 0;
	for (;;) {
		size_t c = pos;
		while (c < s.n && s.op[c] == DIFF_EQUAL)
			c++;
		if (c == s.n)
			break;
		size_t start = c >= pos + ctx ? c - ctx : pos;
		size_t e = c, end;
		for (;;) {
			while (e < s.n && s.op[e] != DIFF_EQUAL)
				e++;
			size_t r = e;
			while (r < s.n && s.op[r] == DIFF_EQUAL)
				r++;
			if (r == s.n || r - e > 2 * ctx) {
				end = e + ctx < s.n ? e + ctx : s.n;
				break;
			}
			e = r;
		}
		buf_addstr(&o, "@@ ");
		hunk_range(&o, '-', ai[start], ai[end] - ai[start]);
		buf_addch(&o, ' ');
		hunk_range(&o, '+', bi[start], bi[end] - bi[start]);
		buf_addstr(&o, " @@\n");
		for (size_t i = start; i < end; i++) {
			const struct tok *t = s.op[i] == DIFF_INSERT ? &tb.v[bi[i]] : &ta.v[ai[i]];
			buf_addch(&o, s.op[i] == DIFF_EQUAL ? ' ' : s.op[i] == DIFF_DELETE ? '-' : '+');
			buf_add(&o, t->p, t->len);
			if (!t->len || t->p[t->len - 1] != '\n')
				buf_addstr(&o, "\n\\ No newline at end of file\n");
		}
		pos = end;
	}

cleanup:
	free(ai);
	free(bi);
	free(s.op);
	free(ta.v);
	free(tb.v);
	return buf_detach(&o, NULL);
}

/* ---- field deltas ---- */

static void delta_field(const struct field *of, const struct field *nf, const char *name,
			struct fieldset *delta)
{
	struct strvec changes = STRVEC_INIT;
	for (size_t i = 0; of && i < of->values.n; i++)
		if (!nf || !strvec_contains(&nf->values, of->values.v[i]))
			strvec_push_nodup(&changes, xasprintf("-%s", of->values.v[i]));
	for (size_t i = 0; nf && i < nf->values.n; i++)
		if (!of || !strvec_contains(&of->values, nf->values.v[i]))
			strvec_push_nodup(&changes, xasprintf("+%s", nf->values.v[i]));
	for (size_t i = 0; i < changes.n; i++)
		fieldset_add(delta, name, changes.v[i]);
	strvec_release(&changes);
}

/* ---- threshold deltas ----
 * Thresholds (crawler/thresholds.c: "KIND\tCONDITION\tSUBJECT\tVALUE")
 * are paired old/new by what they mean, not compared as strings, so that
 * only a changed number or reference is news:
 *   1. a condition whose line was reworded is the same condition: an old
 *      condition gone and a new one come are aliased when they hold the
 *      same thresholds, or when their words are alike (pw_similarity);
 *   2. the same threshold under the same condition is no delta, wherever
 *      it sits in the text (a reordered list of conditions gives none);
 *      a reference is the same wherever it is cited;
 *   3. under one condition, a threshold of the same kind and subject
 *      replaced by another is a change ("~OLD\tNEW");
 *   4. the same threshold leaving a condition for another is a move
 *      (">OLD\tNEW");
 *   5. a reference replaced by one of its sort (a circular by a
 *      circular) is a change;
 *   6. what is left is removed ("-OLD") or added ("+NEW").
 * Values are in that order of kinds, old thresholds' order within. */

#define COND_ALIAS_SIMILARITY 0.5

struct thr_item {
	struct threshold t;
	const char *raw;
	const char *cond;   /* the condition compared: aliased to a new one */
	bool used;
};

static void thr_items(const struct field *f, struct thr_item **out, size_t *n)
{
	*n = 0;
	*out = xcalloc(f && f->values.n ? f->values.n : 1, sizeof(**out));
	for (size_t i = 0; f && i < f->values.n; i++) {
		struct thr_item *it = &(*out)[*n];
		if (!threshold_parse(f->values.v[i], &it->t))
			continue;
		it->raw = f->values.v[i];
		it->cond = it->t.condition;
		(*n)++;
	}
}

static bool has_condition(const struct thr_item *v, size_t n, const char *cond)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].t.condition, cond))
			return true;
	return false;
}

/* Whether every kind+value of condition a in va is in condition b in vb
 * and the other way round (references aside). */
static bool same_values(const struct thr_item *va, size_t na, const char *a,
			const struct thr_item *vb, size_t nb, const char *b)
{
	size_t seen = 0;
	for (int pass = 0; pass < 2; pass++) {
		const struct thr_item *x = pass ? vb : va, *y = pass ? va : vb;
		size_t nx = pass ? nb : na, ny = pass ? na : nb;
		const char *cx = pass ? b : a, *cy = pass ? a : b;
		for (size_t i = 0; i < nx; i++) {
			bool found = false;
			if (strcmp(x[i].t.condition, cx) || !strcmp(x[i].t.kind, "reference"))
				continue;
			seen++;
			for (size_t j = 0; j < ny && !found; j++)
				found = !strcmp(y[j].t.condition, cy) && !strcmp(y[j].t.kind, x[i].t.kind) &&
					!strcmp(y[j].t.value, x[i].t.value);
			if (!found)
				return false;
		}
	}
	return seen > 0;
}

/* Step 1: old conditions gone, aliased to new conditions come (each new
 * one taken once). */
static void alias_conditions(struct thr_item *o, size_t no, const struct thr_item *n, size_t nn)
{
	struct strvec taken = STRVEC_INIT, tried = STRVEC_INIT;
	for (size_t i = 0; i < no; i++) {
		const char *c = o[i].t.condition, *best = NULL;
		double best_sim = COND_ALIAS_SIMILARITY;
		if (strvec_contains(&tried, c) || has_condition(n, nn, c))
			continue;
		strvec_push(&tried, c);
		for (size_t j = 0; j < nn; j++) {
			const char *d = n[j].t.condition;
			if (has_condition(o, no, d) || strvec_contains(&taken, d))
				continue;
			if (same_values(o, no, c, n, nn, d)) {
				best = d;
				break;
			}
			double sim = pw_similarity(c, d, 1);
			if (sim >= best_sim) {
				best_sim = sim;
				best = d;
			}
		}
		if (!best)
			continue;
		strvec_push(&taken, best);
		for (size_t k = i; k < no; k++)
			if (!strcmp(o[k].t.condition, c))
				o[k].cond = best;
	}
	strvec_release(&taken);
	strvec_release(&tried);
}

static void thr_pair(struct fieldset *delta, char op, const struct thr_item *a, const struct thr_item *b)
{
	char *v = b ? xasprintf("%c%s\t%s", op, a->raw, b->raw) : xasprintf("%c%s", op, a->raw);
	fieldset_add(delta, "thresholds", v);
	free(v);
}

static void delta_thresholds(const struct field *of, const struct field *nf, struct fieldset *delta)
{
	struct thr_item *o, *n;
	size_t no, nn;
	thr_items(of, &o, &no);
	thr_items(nf, &n, &nn);
	alias_conditions(o, no, n, nn);
	/* 2: the same */
	for (size_t i = 0; i < no; i++) {
		bool ref = !strcmp(o[i].t.kind, "reference");
		for (size_t j = 0; j < nn && !o[i].used; j++) {
			if (n[j].used || strcmp(o[i].t.kind, n[j].t.kind) || strcmp(o[i].t.value, n[j].t.value) ||
			    (!ref && strcmp(o[i].cond, n[j].t.condition)))
				continue;
			o[i].used = n[j].used = true;
		}
	}
	/* 3: changed under its condition; 4: moved; 5: a reference replaced */
	for (int step = 3; step <= 5; step++) {
		for (size_t i = 0; i < no; i++) {
			bool ref = !strcmp(o[i].t.kind, "reference");
			for (size_t j = 0; j < nn && !o[i].used; j++) {
				const struct threshold *a = &o[i].t, *b = &n[j].t;
				if (n[j].used || strcmp(a->kind, b->kind) || (step == 5) != ref)
					continue;
				if (step == 3 && (strcmp(o[i].cond, b->condition) || strcmp(a->subject, b->subject)))
					continue;
				if (step == 4 && strcmp(a->value, b->value))
					continue;
				if (step == 5 && strcmp(a->subject, b->subject))
					continue;
				o[i].used = n[j].used = true;
				thr_pair(delta, step == 4 ? '>' : '~', &o[i], &n[j]);
			}
		}
	}
	for (size_t i = 0; i < no; i++)
		if (!o[i].used)
			thr_pair(delta, '-', &o[i], NULL);
	for (size_t j = 0; j < nn; j++)
		if (!n[j].used)
			thr_pair(delta, '+', &n[j], NULL);
	for (size_t i = 0; i < no; i++)
		threshold_release(&o[i].t);
	for (size_t j = 0; j < nn; j++)
		threshold_release(&n[j].t);
	free(o);
	free(n);
}

bool threshold_parse(const char *s, struct threshold *t)
{
	char *parts[4];
	const char *p = s;
	memset(t, 0, sizeof(*t));
	for (int i = 0; i < 4; i++) {
		size_t k = strcspn(p, "\t");
		if (i < 3 && p[k] != '\t') {
			for (int j = 0; j < i; j++)
				free(parts[j]);
			return false;
		}
		parts[i] = xstrndup(p, k);
		p += k + (p[k] == '\t');
	}
	t->kind = parts[0];
	t->condition = parts[1];
	t->subject = parts[2];
	t->value = parts[3];
	return true;
}

void threshold_release(struct threshold *t)
{
	if (!t)
		return;
	free(t->kind);
	free(t->condition);
	free(t->subject);
	free(t->value);
	memset(t, 0, sizeof(*t));
}

bool threshold_delta_parse(const char *s, char *op, struct threshold *old_t, struct threshold *new_t)
{
	memset(old_t, 0, sizeof(*old_t));
	memset(new_t, 0, sizeof(*new_t));
	*op = s[0];
	if (*op == '-' || *op == '+')
		return threshold_parse(s + 1, *op == '-' ? old_t : new_t);
	if (*op != '~' && *op != '>')
		return false;
	/* OLD is the first four tab-separated parts */
	const char *p = s + 1;
	for (int i = 0; i < 4 && p; i++) {
		p = strchr(p, '\t');
		if (p)
			p++;
	}
	if (!p)
		return false;
	char *first = xstrndup(s + 1, (size_t)(p - 1 - (s + 1)));
	bool ok = threshold_parse(first, old_t) && threshold_parse(p, new_t);
	free(first);
	if (!ok) {
		threshold_release(old_t);
		threshold_release(new_t);
	}
	return ok;
}

void fields_delta(const struct fieldset *old_f, const struct fieldset *new_f,
		  struct fieldset *delta)
{
	static const struct fieldset empty = FIELDSET_INIT;
	old_f = old_f ? old_f : &empty;
	new_f = new_f ? new_f : &empty;
	/* the thresholds first: the editors' most important news. Facts
	 * read before the thresholds were (no field at all) say nothing of
	 * them: not a page's worth of "added" */
	const struct field *ot = fieldset_find(old_f, "thresholds"), *nt = fieldset_find(new_f, "thresholds");
	if (ot && nt)
		delta_thresholds(ot, nt, delta);
	/* fields in the order the new page gives them, then the vanished ones */
	for (size_t i = 0; i < new_f->n; i++)
		if (strcmp(new_f->v[i].name, "thresholds"))
			delta_field(fieldset_find(old_f, new_f->v[i].name), &new_f->v[i],
				    new_f->v[i].name, delta);
	for (size_t i = 0; i < old_f->n; i++)
		if (strcmp(old_f->v[i].name, "thresholds") && !fieldset_find(new_f, old_f->v[i].name))
			delta_field(&old_f->v[i], NULL, old_f->v[i].name, delta);
}

/* ---- the view the renderers share ---- */

static void row_push(struct diff_view *v, size_t *alloc, struct diff_row r)
{
	if (v->n == *alloc) {
		*alloc = *alloc ? *alloc * 2 : 16;
		v->v = xrealloc(v->v, *alloc * sizeof(*v->v));
	}
	v->v[v->n++] = r;
}

/* Share of the non-space bytes of two lines that the word diff keeps. */
static double line_similarity(const char *a, const char *b)
{
	struct diff w;
	size_t same = 0, total = 0;
	diff_words(a, b, &w);
	for (size_t i = 0; i < w.n; i++) {
		size_t nb = 0;
		for (const char *p = w.v[i].text; *p; p++)
			nb += *p != ' ';
		if (w.v[i].op == DIFF_EQUAL) {
			same += 2 * nb;
			total += 2 * nb;
		} else {
			total += nb;
		}
	}
	diff_release(&w);
	return total ? (double)same / (double)total : 1.0;
}

/* How far ahead an insertion is looked for to pair with a deletion. */
#define PAIR_WINDOW 8
#define PAIR_MIN_SIMILARITY 0.5
/* Similarity is a word diff per candidate pair: a hostile page with many
 * long changed lines must not turn that into hours of work, so pairs are
 * only tried between lines of sane length and for a bounded number of
 * candidates per view (past it, lines are shown deleted and inserted). */
#define PAIR_MAX_LINE 2000
#define PAIR_BUDGET 5000

/* A line with nothing to read: canonical texts separate blocks with empty
 * lines, so adding a paragraph also adds one; shown, it would read as an
 * empty insertion ("+ {++}"). The line diff keeps it (applied, the edits
 * still give the new text); the view leaves it out. */
static bool line_blank(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return !*s;
}

/* Rows of one block of consecutive changed edits lines[lo..hi); blank
 * lines are not shown. */
static void view_block(struct diff_view *v, size_t *alloc, size_t lo, size_t hi,
		       const size_t *old_no, const size_t *new_no, size_t *budget)
{
	size_t *dels = xmalloc((hi - lo) * sizeof(size_t));
	size_t *ins = xmalloc((hi - lo) * sizeof(size_t));
	size_t nd = 0, ni = 0, next_ins = 0;
	const struct diff_edit *e = v->lines.v;

	for (size_t i = lo; i < hi; i++) {
		if (line_blank(e[i].text))
			continue;
		if (e[i].op == DIFF_DELETE)
			dels[nd++] = i;
		else
			ins[ni++] = i;
	}
	for (size_t d = 0; d < nd; d++) {
		size_t di = dels[d], best = SIZE_MAX;
		double best_sim = PAIR_MIN_SIMILARITY;
		bool pairable = !e[di].moved && strlen(e[di].text) <= PAIR_MAX_LINE;
		for (size_t j = next_ins; pairable && j < ni && j < next_ins + PAIR_WINDOW; j++) {
			if (e[ins[j]].moved || strlen(e[ins[j]].text) > PAIR_MAX_LINE || !*budget)
				continue;
			(*budget)--;
			double sim = line_similarity(e[di].text, e[ins[j]].text);
			if (sim >= best_sim) {
				best_sim = sim;
				best = j;
				if (sim >= 0.999)
					break;
			}
		}
		if (best == SIZE_MAX) {
			row_push(v, alloc, (struct diff_row){ .kind = ROW_DELETE, .text = e[di].text,
				 .moved = e[di].moved, .old_no = old_no[di] });
			continue;
		}
		for (; next_ins < best; next_ins++)
			row_push(v, alloc, (struct diff_row){ .kind = ROW_INSERT,
				 .text = e[ins[next_ins]].text, .moved = e[ins[next_ins]].moved,
				 .new_no = new_no[ins[next_ins]] });
		struct diff_row r = { .kind = ROW_CHANGE, .old_no = old_no[di],
				      .new_no = new_no[ins[best]] };
		diff_words(e[di].text, e[ins[best]].text, &r.words);
		row_push(v, alloc, r);
		next_ins = best + 1;
	}
	for (; next_ins < ni; next_ins++)
		row_push(v, alloc, (struct diff_row){ .kind = ROW_INSERT,
			 .text = e[ins[next_ins]].text, .moved = e[ins[next_ins]].moved,
			 .new_no = new_no[ins[next_ins]] });
	free(dels);
	free(ins);
}

void diff_view_build(const char *a, const char *b, int context, struct diff_view *out)
{
	size_t alloc = 0, ctx = context > 0 ? (size_t)context : 0, budget = PAIR_BUDGET;
	memset(out, 0, sizeof(*out));
	diff_lines(a, b, &out->lines);

	struct diff_edit *e = out->lines.v;
	size_t n = out->lines.n;
	/* the empty line after a final '\n' is not a line an editor sees */
	if (n && e[n - 1].op == DIFF_EQUAL && !e[n - 1].text[0])
		n--;

	size_t *old_no = xmalloc((n + 1) * sizeof(size_t));
	size_t *new_no = xmalloc((n + 1) * sizeof(size_t));
	bool *shown = xcalloc(n + 1, sizeof(bool));
	size_t ao = 0, bo = 0;
	for (size_t i = 0; i < n; i++) {
		old_no[i] = e[i].op != DIFF_INSERT ? ++ao : 0;
		new_no[i] = e[i].op != DIFF_DELETE ? ++bo : 0;
	}
	for (size_t i = 0; i < n; i++) {
		/* an added or removed blank line alone is not a change to show */
		if (e[i].op == DIFF_EQUAL || line_blank(e[i].text))
			continue;
		size_t lo = i >= ctx ? i - ctx : 0, hi = i + ctx + 1 < n ? i + ctx + 1 : n;
		for (size_t j = lo; j < hi; j++)
			shown[j] = true;
	}
	bool any = false;
	for (size_t i = 0; i < n; i++)
		any = any || shown[i];
	for (size_t i = 0; any && i < n;) {
		if (!shown[i]) {
			while (i < n && !shown[i])
				i++;
			row_push(out, &alloc, (struct diff_row){ .kind = ROW_GAP });
			continue;
		}
		if (e[i].op == DIFF_EQUAL) {
			row_push(out, &alloc, (struct diff_row){ .kind = ROW_CONTEXT, .text = e[i].text,
				 .old_no = old_no[i], .new_no = new_no[i] });
			i++;
			continue;
		}
		size_t j = i;
		while (j < n && e[j].op != DIFF_EQUAL)
			j++;
		view_block(out, &alloc, i, j, old_no, new_no, &budget);
		i = j;
	}
	free(shown);
	free(old_no);
	free(new_no);
}

void diff_view_release(struct diff_view *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++)
		diff_release(&v->v[i].words);
	free(v->v);
	diff_release(&v->lines);
	memset(v, 0, sizeof(*v));
}
