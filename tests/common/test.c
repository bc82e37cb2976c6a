/* test.c - see test.h. */
#include "common/common.h"

#include <sys/stat.h>
#include <unistd.h>

#include "tests/common/test.h"

int test_checks_failed;
int test_current_failed;
static int tests_passed, tests_failed;

void test_run_one(const char *name, void (*fn)(void))
{
	test_current_failed = 0;
	fn();
	if (test_current_failed) {
		tests_failed++;
		fprintf(stderr, "FAIL %s\n", name);
	} else {
		tests_passed++;
		fprintf(stderr, "ok   %s\n", name);
	}
}

int test_finish(void)
{
	printf("%d passed, %d failed\n", tests_passed, tests_failed);
	return tests_failed ? 1 : 0;
}

char *test_path(const char *rel)
{
	return xasprintf("%s/%s", TESTS_DIR, rel);
}

char *test_read_file(const char *rel, size_t *len)
{
	char *path = rel[0] == '/' ? xstrdup(rel) : test_path(rel);
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "cannot open fixture '%s': %s\n", path, strerror(errno));
		abort();
	}
	struct buf b = BUF_INIT;
	char tmp[65536];
	size_t n;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	free(path);
	return buf_detach(&b, len);
}

const char *test_tmpdir(void)
{
	static char dir[256];
	if (!dir[0]) {
		const char *base = getenv("TMPDIR");
		snprintf(dir, sizeof(dir), "%s/prefwatch-test-XXXXXX", base ? base : "/tmp");
		if (!mkdtemp(dir)) {
			perror("mkdtemp");
			abort();
		}
	}
	return dir;
}
