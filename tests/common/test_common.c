/* test_common.c - the shared toolkit: buffers, field sets, UTF-8, time. */
#include "common/common.h"
#include "tests/common/test.h"

static void test_buf_cap(void)
{
	struct buf b;
	buf_init(&b, 8);
	CHECK_INT(buf_addstr(&b, "12345678"), 0);
	CHECK_INT(buf_addch(&b, '9'), -1);
	CHECK(b.toobig);
	CHECK_STR(buf_str(&b), "12345678");
	buf_release(&b);
}

static void test_fieldset_roundtrip(void)
{
	struct fieldset a = FIELDSET_INIT, b = FIELDSET_INIT;
	fieldset_add(&a, "method", "postal");
	fieldset_add(&a, "method", "online");
	fieldset_add(&a, "method", "postal");
	fieldset_add(&a, "addresses", "Préfecture\tde l'Aisne\\2 rue\nX");
	fieldset_get(&a, "emails");
	char *s = fieldset_serialize(&a);
	fieldset_parse(&b, s);
	char *s2 = fieldset_serialize(&b);
	CHECK_STR(s2, s);
	CHECK_INT(fieldset_find(&b, "method")->values.n, 2);
	CHECK_STR(fieldset_find(&b, "addresses")->values.v[0], "Préfecture\tde l'Aisne\\2 rue\nX");
	CHECK(fieldset_find(&b, "emails") != NULL);
	CHECK_INT(fieldset_find(&b, "emails")->values.n, 0);
	free(s);
	free(s2);
	fieldset_release(&a);
	fieldset_release(&b);
}

static void test_utf8(void)
{
	CHECK(utf8_valid("é œ ’ «»", strlen("é œ ’ «»")));
	CHECK(!utf8_valid("\xe9t\xe9", 3));
	CHECK(!utf8_valid("\xc0\xaf", 2));          /* overlong */
	CHECK(!utf8_valid("\xed\xa0\x80", 3));      /* surrogate */
	CHECK(!utf8_valid("\xe2\x82", 2));          /* truncated */
}

static void test_time(void)
{
	char iso[21], fr[11];
	time_t t = pw_time_parse("2026-03-12T02:00:00Z");
	CHECK(t > 0);
	pw_time_iso(t, iso);
	CHECK_STR(iso, "2026-03-12T02:00:00Z");
	pw_time_fr(t, fr);
	CHECK_STR(fr, "12/03/2026");
	CHECK_INT(pw_time_parse("2026-02-30x"), -1);
	CHECK_INT(pw_time_parse("2026-13-01"), -1);
	CHECK(pw_time_parse("2026-01-05") > 0);
}

static void test_failure_names(void)
{
	for (int i = 1; i < PW_FAIL__COUNT; i++)
		CHECK_INT(pw_failure_from_name(pw_failure_name((enum pw_failure)i)), i);
	CHECK_INT(pw_failure_from_name("nope"), PW_FAIL_NONE);
}

static void test_hash(void)
{
	char a[PW_HASH_HEX], b[PW_HASH_HEX];
	pw_hash_hex("abc", 3, a);
	pw_hash_hex("abd", 3, b);
	CHECK_INT(strlen(a), 32);
	CHECK(strcmp(a, b) != 0);
}

/* The hash taken in pieces is the one-shot hash, whatever the cut: sizes
 * on both sides of XXH3's internal block and buffer bounds, pieces of 1
 * byte to more than the whole, and nothing at all. */
static void test_hasher_pieces(void)
{
	static const size_t sizes[] = { 0, 1, 16, 17, 128, 129, 240, 241, 1024, 1025,
					4096, 70000, 300001 };
	static const size_t pieces[] = { 1, 3, 64, 255, 256, 16384, 1u << 20 };
	size_t max = 300001;
	unsigned char *data = xmalloc(max);
	uint64_t x = 0x9E3779B97F4A7C15ull;
	for (size_t i = 0; i < max; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		data[i] = (unsigned char)x;
	}
	for (size_t i = 0; i < PW_ARRAY_SIZE(sizes); i++) {
		char whole[PW_HASH_HEX], got[PW_HASH_HEX];
		pw_hash_hex(data, sizes[i], whole);
		for (size_t k = 0; k < PW_ARRAY_SIZE(pieces); k++) {
			if (sizes[i] > 5000 && pieces[k] < 64)
				continue;   /* slow and says nothing more */
			struct pw_hasher *h = pw_hasher_new();
			for (size_t off = 0; off < sizes[i]; off += pieces[k])
				pw_hasher_update(h, data + off, sizes[i] - off < pieces[k] ? sizes[i] - off
											 : pieces[k]);
			pw_hasher_final(h, got);
			pw_hasher_free(h);
			CHECK_STR(got, whole);
		}
	}
	pw_hasher_free(NULL);
	free(data);
}

/* The map finds every key put in it, across its growth, and no other. */
static void test_strmap(void)
{
	struct strmap m = STRMAP_INIT;
	struct strvec keys = STRVEC_INIT;
	CHECK(strmap_get(&m, "absent") == NULL);
	for (int i = 0; i < 5000; i++)
		strvec_push_nodup(&keys, xasprintf("59-page-%d", i));
	for (size_t i = 0; i < keys.n; i++)
		strmap_put(&m, keys.v[i], keys.v[i]);
	CHECK_INT(m.n, 5000);
	for (size_t i = 0; i < keys.n; i++) {
		char *probe = xstrdup(keys.v[i]);   /* equal, not the same pointer */
		CHECK(strmap_get(&m, probe) == keys.v[i]);
		free(probe);
	}
	CHECK(strmap_get(&m, "59-page-5000") == NULL);
	CHECK(strmap_get(&m, "") == NULL);
	/* put on a present key replaces its value, the count stays */
	strmap_put(&m, keys.v[7], "autre");
	CHECK_STR((const char *)strmap_get(&m, "59-page-7"), "autre");
	CHECK_INT(m.n, 5000);
	strmap_release(&m);
	CHECK(strmap_get(&m, "59-page-7") == NULL);
	strvec_release(&keys);
}

int main(void)
{
	TEST_RUN(test_buf_cap);
	TEST_RUN(test_fieldset_roundtrip);
	TEST_RUN(test_utf8);
	TEST_RUN(test_time);
	TEST_RUN(test_failure_names);
	TEST_RUN(test_hash);
	TEST_RUN(test_hasher_pieces);
	TEST_RUN(test_strmap);
	return test_finish();
}
