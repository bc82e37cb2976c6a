/*
 * test_diff.c - property tests of the diff engine against naive models.
 *
 * Random texts (seeded, so a failure is reproducible: PW_SEED=n) and random
 * edits of a real GISTI page (fixtures/gisti-aisne.txt): the line and word
 * diffs must rebuild both texts exactly, be minimal (checked against an
 * O(nm) LCS on small cases), keep every piece valid UTF-8; the unified
 * diff must apply back with a small patch routine, as must diff(1)'s own
 * output (which checks the routine itself).
 */
#include "common/common.h"
#include "reports/report.h"

#include <unistd.h>

#include "tests/common/test.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t rng(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static size_t rnd(size_t n)
{
	return n ? (size_t)(rng() % n) : 0;
}

/* Pieces of text, including multibyte characters of 2, 3 and 4 bytes,
 * French punctuation, no-break spaces and newlines. */
static const char *const pieces[] = {
	"a", "b", "c", "5", "3", " ", " ", "\n", "\n", "ans", "é", "à", "€",
	"\xF0\x9F\x93\x84" /* 📄 */, "«", "»", "\xC2\xA0" /* nbsp */,
	"\xE2\x80\xAF" /* narrow nbsp */, "’", "—", ",", ".", "préfecture", "Dépôt",
	"immigré·e·s", "\t", "x",
};

static char *random_text(size_t max_pieces)
{
	struct buf b = BUF_INIT;
	buf_addstr(&b, "");
	size_t n = rnd(max_pieces + 1);
	for (size_t i = 0; i < n; i++)
		buf_addstr(&b, pieces[rnd(PW_ARRAY_SIZE(pieces))]);
	return buf_detach(&b, NULL);
}

/* A random edit of t: pieces of t are kept, dropped, duplicated or
 * replaced, at UTF-8 character boundaries. */
static char *mutate(const char *t, size_t rate)
{
	struct buf b = BUF_INIT;
	buf_addstr(&b, "");
	const unsigned char *p = (const unsigned char *)t;
	size_t len = strlen(t), i = 0;
	while (i < len) {
		size_t n = utf8_seq_len(p + i, len - i);
		n = n ? n : 1;
		size_t r = rnd(rate);
		if (r == 0)
			; /* drop */
		else if (r == 1)
			buf_addstr(&b, pieces[rnd(PW_ARRAY_SIZE(pieces))]);
		else
			buf_add(&b, t + i, n);
		i += n;
	}
	return buf_detach(&b, NULL);
}

static struct strvec split_lines(const char *s)
{
	struct strvec v = STRVEC_INIT;
	while (*s) {
		const char *eol = strchr(s, '\n');
		size_t n = eol ? (size_t)(eol - s) + 1 : strlen(s);
		strvec_push_nodup(&v, xstrndup(s, n));
		s += n;
	}
	return v;
}

/* Line-level edits of a real text: delete, duplicate, move, edit lines. */
static char *mutate_lines(const char *t)
{
	struct strvec l = split_lines(t);
	int ops = 1 + (int)rnd(6);
	for (int k = 0; k < ops && l.n > 2; k++) {
		size_t i = rnd(l.n), j = rnd(l.n);
		char *tmp;
		switch (rnd(4)) {
		case 0: /* delete */
			free(l.v[i]);
			memmove(&l.v[i], &l.v[i + 1], (l.n - i) * sizeof(char *));
			l.n--;
			break;
		case 1: /* move */
			tmp = l.v[i];
			l.v[i] = l.v[j];
			l.v[j] = tmp;
			break;
		case 2: /* edit inside */
			tmp = mutate(l.v[i], 12);
			free(l.v[i]);
			l.v[i] = tmp;
			break;
		default: /* duplicate */
			strvec_push(&l, l.v[i]);
			break;
		}
	}
	struct buf b = BUF_INIT;
	buf_addstr(&b, "");
	for (size_t i = 0; i < l.n; i++)
		buf_addstr(&b, l.v[i]);
	strvec_release(&l);
	return buf_detach(&b, NULL);
}

/* ---- naive models ---- */

static size_t lcs(const struct strvec *a, const struct strvec *b)
{
	size_t *row = xcalloc(b->n + 1, sizeof(size_t)), *prev = xcalloc(b->n + 1, sizeof(size_t));
	for (size_t i = 1; i <= a->n; i++) {
		for (size_t j = 1; j <= b->n; j++)
			row[j] = !strcmp(a->v[i - 1], b->v[j - 1]) ? prev[j - 1] + 1 :
				 row[j - 1] > prev[j] ? row[j - 1] : prev[j];
		size_t *t = prev;
		prev = row;
		row = t;
	}
	size_t r = prev[b->n];
	free(row);
	free(prev);
	return r;
}

/* Lines as diff_lines() sees them (joined by '\n'). */
static struct strvec lines_of(const char *s)
{
	struct strvec v = STRVEC_INIT;
	if (!*s)
		return v;
	for (;;) {
		const char *eol = strchr(s, '\n');
		if (!eol) {
			strvec_push(&v, s);
			return v;
		}
		strvec_push_nodup(&v, xstrndup(s, (size_t)(eol - s)));
		s = eol + 1;
	}
}

static char *rebuild_lines(const struct diff *d, enum diff_op keep)
{
	struct buf b = BUF_INIT;
	bool first = true;
	buf_addstr(&b, "");
	for (size_t i = 0; i < d->n; i++) {
		if (d->v[i].op != DIFF_EQUAL && d->v[i].op != keep)
			continue;
		if (!first)
			buf_addch(&b, '\n');
		buf_addstr(&b, d->v[i].text);
		first = false;
	}
	return buf_detach(&b, NULL);
}

static char *rebuild_words(const struct diff *d, enum diff_op keep)
{
	struct buf b = BUF_INIT;
	buf_addstr(&b, "");
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].op == DIFF_EQUAL || d->v[i].op == keep)
			buf_addstr(&b, d->v[i].text);
	return buf_detach(&b, NULL);
}

/* Applies a unified diff to a; NULL when it does not apply. */
static char *apply_unified(const char *a, const char *patch)
{
	struct strvec al = split_lines(a), pl = split_lines(patch);
	struct buf out = BUF_INIT;
	size_t ai = 0, i = 0;
	bool ok = true;
	buf_addstr(&out, "");
	while (i < pl.n && (!strncmp(pl.v[i], "--- ", 4) || !strncmp(pl.v[i], "+++ ", 4)))
		i++;
	while (ok && i < pl.n) {
		unsigned long os, oc = 1, ns, nc = 1;
		const char *h = pl.v[i];
		if (strncmp(h, "@@ -", 4)) {
			ok = false;
			break;
		}
		char *end;
		os = strtoul(h + 4, &end, 10);
		if (*end == ',')
			oc = strtoul(end + 1, &end, 10);
		if (strncmp(end, " +", 2)) {
			ok = false;
			break;
		}
		ns = strtoul(end + 2, &end, 10);
		if (*end == ',')
			nc = strtoul(end + 1, &end, 10);
		(void)ns;
		size_t first = oc ? os - 1 : os;   /* lines of a before the hunk */
		if (first < ai || first > al.n) {
			ok = false;
			break;
		}
		for (; ai < first; ai++)
			buf_addstr(&out, al.v[ai]);
		i++;
		unsigned long seen_o = 0, seen_n = 0;
		while (i < pl.n && pl.v[i][0] != '@') {
			char sign = pl.v[i][0];
			char *text = xstrdup(pl.v[i] + 1);
			if (i + 1 < pl.n && pl.v[i + 1][0] == '\\') {
				size_t n = strlen(text);
				if (n && text[n - 1] == '\n')
					text[n - 1] = '\0';
				i++;
			}
			i++;
			if (sign == ' ' || sign == '-') {
				if (ai >= al.n || strcmp(al.v[ai], text))
					ok = false;
				ai++;
				seen_o++;
			}
			if (sign == ' ' || sign == '+') {
				buf_addstr(&out, text);
				seen_n++;
			}
			if (sign != ' ' && sign != '-' && sign != '+')
				ok = false;
			free(text);
		}
		if (seen_o != oc || seen_n != nc)
			ok = false;
	}
	for (; ok && ai < al.n; ai++)
		buf_addstr(&out, al.v[ai]);
	strvec_release(&al);
	strvec_release(&pl);
	if (!ok) {
		buf_release(&out);
		return NULL;
	}
	return buf_detach(&out, NULL);
}

static int failures_reported;

static void check_pair(const char *a, const char *b, bool check_minimal)
{
	struct diff d;
	int before = test_checks_failed;
	/* pieces of valid texts must be valid; invalid bytes pass through */
	bool valid = utf8_valid(a, strlen(a)) && utf8_valid(b, strlen(b));

	diff_lines(a, b, &d);
	char *ra = rebuild_lines(&d, DIFF_DELETE), *rb = rebuild_lines(&d, DIFF_INSERT);
	CHECK_STR(ra, a);
	CHECK_STR(rb, b);
	size_t changes = 0;
	for (size_t i = 0; i < d.n; i++) {
		CHECK(!valid || utf8_valid(d.v[i].text, strlen(d.v[i].text)));
		CHECK(!strchr(d.v[i].text, '\n'));
		changes += d.v[i].op != DIFF_EQUAL;
		if (d.v[i].moved)
			CHECK(d.v[i].op != DIFF_EQUAL);
	}
	if (!strcmp(a, b))
		CHECK_INT(changes, 0);
	if (check_minimal) {
		struct strvec la = lines_of(a), lb = lines_of(b);
		CHECK_INT(changes, la.n + lb.n - 2 * lcs(&la, &lb));
		strvec_release(&la);
		strvec_release(&lb);
	}
	free(ra);
	free(rb);
	diff_release(&d);

	diff_words(a, b, &d);
	ra = rebuild_words(&d, DIFF_DELETE);
	rb = rebuild_words(&d, DIFF_INSERT);
	CHECK_STR(ra, a);
	CHECK_STR(rb, b);
	changes = 0;
	for (size_t i = 0; i < d.n; i++) {
		CHECK(!valid || utf8_valid(d.v[i].text, strlen(d.v[i].text)));
		CHECK(d.v[i].text[0] != '\0');
		changes += d.v[i].op != DIFF_EQUAL;
	}
	if (!strcmp(a, b))
		CHECK_INT(changes, 0);
	free(ra);
	free(rb);
	diff_release(&d);

	char *u = diff_unified(a, b, "a", "b", (int)rnd(4));
	if (!strcmp(a, b))
		CHECK_STR(u, "");
	char *applied = apply_unified(a, u);
	CHECK_STR(applied, b);
	free(applied);
	free(u);

	if (test_checks_failed != before && failures_reported++ < 3)
		fprintf(stderr, "  case: a=«%s»\n        b=«%s»\n", a, b);
}

static void test_random_texts(void)
{
	for (int i = 0; i < 4000; i++) {
		char *a = random_text(40);
		char *b = rnd(5) == 0 ? xstrdup(a) : rnd(2) ? mutate(a, 6) : random_text(40);
		check_pair(a, b, true);
		free(a);
		free(b);
	}
}

static void test_real_text_edits(void)
{
	char *real = test_read_file("reports/fixtures/gisti-aisne.txt", NULL);
	for (int i = 0; i < 300; i++) {
		char *b = mutate_lines(real);
		check_pair(real, b, i < 40);
		char *c = mutate(real, 400);
		check_pair(real, c, false);
		free(b);
		free(c);
	}
	check_pair(real, real, false);
	free(real);
}

static void test_five_years(void)
{
	struct diff d;
	diff_words("résider en France depuis 5 ans", "résider en France depuis 3 ans", &d);
	size_t del = 0, ins = 0;
	for (size_t i = 0; i < d.n; i++) {
		if (d.v[i].op == DIFF_DELETE) {
			del++;
			CHECK_STR(d.v[i].text, "5");
		} else if (d.v[i].op == DIFF_INSERT) {
			ins++;
			CHECK_STR(d.v[i].text, "3");
		}
	}
	CHECK_INT(del, 1);
	CHECK_INT(ins, 1);
	diff_release(&d);

	/* the same at line level, inside a paragraph: one changed line */
	diff_lines("Titre\nIl faut 5 ans de présence.\nFin\n", "Titre\nIl faut 3 ans de présence.\nFin\n", &d);
	size_t changed = 0;
	for (size_t i = 0; i < d.n; i++)
		changed += d.v[i].op != DIFF_EQUAL;
	CHECK_INT(changed, 2);
	diff_release(&d);
}

static void test_words_utf8(void)
{
	struct diff d;
	/* é (C3 A9) and è (C3 A8) share their first byte: still whole words */
	diff_words("déposé", "déposè", &d);
	for (size_t i = 0; i < d.n; i++)
		CHECK(utf8_valid(d.v[i].text, strlen(d.v[i].text)));
	CHECK_INT(d.n, 2);
	CHECK_STR(d.v[0].text, "déposé");
	diff_release(&d);

	/* « and » are punctuation, the no-break space a space */
	diff_words("«\xC2\xA0" "AES\xC2\xA0»", "«\xC2\xA0" "régularisation\xC2\xA0»", &d);
	CHECK_INT(d.n, 4);
	CHECK_STR(d.v[0].text, "«\xC2\xA0");
	CHECK_STR(d.v[1].text, "AES");
	CHECK_STR(d.v[2].text, "régularisation");
	diff_release(&d);

	/* invalid bytes do not break anything */
	check_pair("abc \xFF\xFE déf", "abc \xFF déf", true);
}

static void test_moved_lines(void)
{
	struct diff d;
	diff_lines("Adresse\nPièces\nHoraires\nContact", "Pièces\nHoraires\nContact\nAdresse", &d);
	size_t moved = 0;
	for (size_t i = 0; i < d.n; i++) {
		if (d.v[i].moved) {
			moved++;
			CHECK_STR(d.v[i].text, "Adresse");
		}
	}
	CHECK_INT(moved, 2);
	diff_release(&d);

	/* a plain replacement is not a move */
	diff_lines("a\nb\nc", "a\nx\nc", &d);
	for (size_t i = 0; i < d.n; i++)
		CHECK(!d.v[i].moved);
	diff_release(&d);
	/* nor is a blank line that comes and goes */
	diff_lines("a\n\nb", "a\nb\n", &d);
	for (size_t i = 0; i < d.n; i++)
		CHECK(!d.v[i].moved);
	diff_release(&d);
}

static void test_unified_format(void)
{
	char *u = diff_unified("a\nb\nc\n", "a\nB\nc\n", "old", "new", 3);
	CHECK_STR(u, "--- old\n+++ new\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
	free(u);
	u = diff_unified("", "x\n", "a", "b", 3);
	CHECK_STR(u, "--- a\n+++ b\n@@ -0,0 +1 @@\n+x\n");
	free(u);
	u = diff_unified("x", "y", "a", "b", 3);
	CHECK_STR(u, "--- a\n+++ b\n@@ -1 +1 @@\n-x\n\\ No newline at end of file\n+y\n\\ No newline at end of file\n");
	free(u);
	u = diff_unified("same\n", "same\n", "a", "b", 3);
	CHECK_STR(u, "");
	free(u);
	/* two changes far apart make two hunks */
	struct buf a = BUF_INIT, b = BUF_INIT;
	for (int i = 1; i <= 20; i++) {
		buf_printf(&a, "l%d\n", i);
		buf_printf(&b, "%s%d\n", i == 2 || i == 19 ? "L" : "l", i);
	}
	u = diff_unified(buf_str(&a), buf_str(&b), "a", "b", 2);
	CHECK_STR(u, "--- a\n+++ b\n@@ -1,4 +1,4 @@\n l1\n-l2\n+L2\n l3\n l4\n"
		     "@@ -17,4 +17,4 @@\n l17\n l18\n-l19\n+L19\n l20\n");
	free(u);
	buf_release(&a);
	buf_release(&b);
}

static char *write_tmp(const char *name, const char *s)
{
	char *path = xasprintf("%s/%s", test_tmpdir(), name);
	FILE *f = fopen(path, "wb");
	if (f) {
		fputs(s, f);
		fclose(f);
	}
	return path;
}

/* diff(1)'s own output applies with our routine (so the routine is
 * right), and so does ours. */
static void test_against_diff_u(void)
{
	if (access("/usr/bin/diff", X_OK)) {
		test_skip("/usr/bin/diff is not installed (diffutils): no diff -u to compare with");
		return;
	}
	char *real = test_read_file("reports/fixtures/gisti-aisne.txt", NULL);
	for (int i = 0; i < 60; i++) {
		char *a = i < 30 ? random_text(60) : xstrdup(real);
		char *b = i < 30 ? mutate(a, 5) : mutate_lines(real);
		char *pa = write_tmp("a.txt", a), *pb = write_tmp("b.txt", b);
		char *cmd = xasprintf("/usr/bin/diff -u --label a --label b '%s' '%s'", pa, pb);
		FILE *p = popen(cmd, "r");
		struct buf out = BUF_INIT;
		char tmp[4096];
		size_t n;
		buf_addstr(&out, "");
		while (p && (n = fread(tmp, 1, sizeof(tmp), p)) > 0)
			buf_add(&out, tmp, n);
		if (p)
			pclose(p);
		char *applied = apply_unified(a, buf_str(&out));
		CHECK_STR(applied, b);
		free(applied);
		char *ours = diff_unified(a, b, "a", "b", 3);
		applied = apply_unified(a, ours);
		CHECK_STR(applied, b);
		/* both say "no difference" together */
		CHECK_INT(strlen(ours) == 0, out.len == 0);
		free(applied);
		free(ours);
		buf_release(&out);
		free(cmd);
		free(pa);
		free(pb);
		free(a);
		free(b);
	}
	free(real);
}

/* Hostile inputs: past the work cap the result stays exact and bounded. */
static void test_work_cap(void)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	for (int i = 0; i < 30000; i++) {
		buf_printf(&a, "ligne a %d\n", i);
		buf_printf(&b, "ligne b %d\n", i);
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct diff d;
	diff_lines(buf_str(&a), buf_str(&b), &d);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	char *ra = rebuild_lines(&d, DIFF_DELETE), *rb = rebuild_lines(&d, DIFF_INSERT);
	CHECK_STR(ra, buf_str(&a));
	CHECK_STR(rb, buf_str(&b));
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	fprintf(stderr, "  60000 distinct lines: %zu edits in %.2f s\n", d.n, secs);
	CHECK(secs < 20.0);
	free(ra);
	free(rb);
	diff_release(&d);

	/* one long line of words vs another: word diff stays exact */
	buf_reset(&a);
	buf_reset(&b);
	for (int i = 0; i < 20000; i++) {
		buf_printf(&a, "m%d ", i);
		buf_printf(&b, "n%d ", i);
	}
	diff_words(buf_str(&a), buf_str(&b), &d);
	ra = rebuild_words(&d, DIFF_DELETE);
	rb = rebuild_words(&d, DIFF_INSERT);
	CHECK_STR(ra, buf_str(&a));
	CHECK_STR(rb, buf_str(&b));
	free(ra);
	free(rb);
	diff_release(&d);
	buf_release(&a);
	buf_release(&b);
}

static void test_fields_delta(void)
{
	struct fieldset o = FIELDSET_INIT, n = FIELDSET_INIT, d = FIELDSET_INIT;
	fieldset_add(&o, "method", "postal");
	fieldset_add(&o, "emails", "a@x.fr");
	fieldset_add(&o, "emails", "b@x.fr");
	fieldset_add(&o, "phones", "01");
	fieldset_add(&n, "method", "online");
	fieldset_add(&n, "emails", "b@x.fr");
	fieldset_add(&n, "emails", "c@x.fr");
	fieldset_add(&n, "forms", "https://x.fr/f.pdf");
	fieldset_add(&n, "phones", "01");
	fields_delta(&o, &n, &d);
	CHECK_INT(d.n, 3);
	const struct field *f = fieldset_find(&d, "method");
	CHECK(f && f->values.n == 2);
	if (f && f->values.n == 2) {
		CHECK_STR(f->values.v[0], "-postal");
		CHECK_STR(f->values.v[1], "+online");
	}
	f = fieldset_find(&d, "emails");
	CHECK(f && f->values.n == 2);
	if (f && f->values.n == 2) {
		CHECK_STR(f->values.v[0], "-a@x.fr");
		CHECK_STR(f->values.v[1], "+c@x.fr");
	}
	f = fieldset_find(&d, "forms");
	CHECK(f && f->values.n == 1 && !strcmp(f->values.v[0], "+https://x.fr/f.pdf"));
	CHECK(!fieldset_find(&d, "phones"));
	fieldset_release(&d);

	/* a vanished field is all removals; identical sets give nothing */
	fields_delta(&n, &o, &d);
	f = fieldset_find(&d, "forms");
	CHECK(f && f->values.n == 1 && !strcmp(f->values.v[0], "-https://x.fr/f.pdf"));
	fieldset_release(&d);
	fields_delta(&n, &n, &d);
	CHECK_INT(d.n, 0);
	fieldset_release(&d);
	fieldset_release(&o);
	fieldset_release(&n);
}

int main(void)
{
	const char *seed = getenv("PW_SEED");
	if (seed)
		rng_state = strtoull(seed, NULL, 10) | 1;
	TEST_RUN(test_five_years);
	TEST_RUN(test_words_utf8);
	TEST_RUN(test_moved_lines);
	TEST_RUN(test_unified_format);
	TEST_RUN(test_fields_delta);
	TEST_RUN(test_random_texts);
	TEST_RUN(test_real_text_edits);
	TEST_RUN(test_against_diff_u);
	TEST_RUN(test_work_cap);
	return test_finish();
}
