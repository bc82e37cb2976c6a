/*
 * test_similar.c - words and shingle similarity (common/similar.h), the
 * measure that ranks and scores a moved page's candidate addresses.
 */
#include "common/common.h"
#include "common/similar.h"
#include "tests/common/test.h"

static void test_words(void)
{
	struct strvec w = STRVEC_INIT;
	pw_words("Admission-exceptionnelle_au SÉJOUR (Œuvre) 2023/l'État", &w);
	static const char *const want[] = { "admission", "exceptionnelle", "au", "sejour",
					    "oeuvre", "2023", "l", "etat" };
	CHECK_INT(w.n, PW_ARRAY_SIZE(want));
	for (size_t i = 0; i < w.n && i < PW_ARRAY_SIZE(want); i++)
		CHECK_STR(w.v[i], want[i]);
	strvec_clear(&w);
	pw_words("", &w);
	CHECK_INT(w.n, 0);
	pw_words("\xff\xfe a\xc3", &w); /* invalid bytes separate words */
	CHECK_INT(w.n, 1);
	strvec_release(&w);
}

static bool near(double a, double b)
{
	return a > b - 1e-9 && a < b + 1e-9;
}

static void test_similarity(void)
{
	const char *a = "La demande se fait par voie postale auprès de la préfecture.";
	CHECK(near(pw_similarity(a, a, 3), 1.0));
	/* case, accents and punctuation are not differences */
	CHECK(near(pw_similarity(a, "LA DEMANDE se fait, par voie postale aupres de la PREFECTURE", 3), 1.0));
	CHECK(near(pw_similarity(a, "Rien à voir avec ce texte-là, vraiment rien.", 3), 0.0));
	/* words 1-shingles: {a b c} vs {b c d}: 2 / 4 */
	CHECK(near(pw_similarity("a b c", "b c d", 1), 0.5));
	/* 2-shingles: {ab bc cd} vs {ab bc ce}: 2 / 4 */
	CHECK(near(pw_similarity("a b c d", "a b c e", 2), 0.5));
	/* order matters for k > 1, not for k = 1 */
	CHECK(near(pw_similarity("a b c", "c b a", 1), 1.0));
	CHECK(near(pw_similarity("a b c", "c b a", 2), 0.0));
	/* shorter than k: one shingle of all the words */
	CHECK(near(pw_similarity("a b", "a b", 3), 1.0));
	CHECK(near(pw_similarity("a b", "a c", 3), 0.0));
	/* empty texts */
	CHECK(near(pw_similarity("", NULL, 3), 1.0));
	CHECK(near(pw_similarity("a", "", 3), 0.0));
	CHECK(near(pw_similarity("a", "a", 0), 1.0));
	/* symmetric, and a small edit of a long text stays close */
	struct buf x = BUF_INIT, y = BUF_INIT;
	for (int i = 0; i < 200; i++) {
		buf_printf(&x, "mot%d ", i);
		buf_printf(&y, "mot%d ", i == 100 ? 9999 : i);
	}
	double s1 = pw_similarity(x.ptr, y.ptr, 3), s2 = pw_similarity(y.ptr, x.ptr, 3);
	CHECK(near(s1, s2));
	CHECK(s1 > 0.95 && s1 < 1.0);
	buf_release(&x);
	buf_release(&y);
}

int main(void)
{
	TEST_RUN(test_words);
	TEST_RUN(test_similarity);
	return test_finish();
}
