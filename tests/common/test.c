/* test.c - see test.h. */
#define _XOPEN_SOURCE 700  /* nftw(), before common.h sets the rest */
#include "common/common.h"

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/common/test.h"

int test_checks_failed;
int test_current_failed;
static int test_current_skipped;
static int tests_passed, tests_failed, tests_skipped;
static int select_argc;
static char **select_argv;
static char sandbox[256];

void test_select(int argc, char **argv)
{
	select_argc = argc;
	select_argv = argv;
}

/* --only NAME runs only the named tests, --except NAME all but those
 * (both repeatable): ctest gives a case needing a capability its own
 * entry, so that its skip shows as a skip. */
static bool selected(const char *name)
{
	bool any_only = false, only = false;
	for (int i = 1; i + 1 < select_argc; i += 2) {
		bool match = !strcmp(select_argv[i + 1], name);
		if (!strcmp(select_argv[i], "--only")) {
			any_only = true;
			only = only || match;
		} else if (!strcmp(select_argv[i], "--except") && match) {
			return false;
		}
	}
	return !any_only || only;
}

void test_run_one(const char *name, void (*fn)(void))
{
	if (!selected(name))
		return;
	test_current_failed = 0;
	test_current_skipped = 0;
	fn();
	if (test_current_failed) {
		tests_failed++;
		fprintf(stderr, "FAIL %s\n", name);
	} else if (test_current_skipped) {
		tests_skipped++;
		fprintf(stderr, "skip %s\n", name);
	} else {
		tests_passed++;
		fprintf(stderr, "ok   %s\n", name);
	}
}

void test_skip(const char *fmt, ...)
{
	va_list ap;
	printf("skipped: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	test_current_skipped = 1;
}

static int make_writable(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	/* a test may leave a directory read-only (permission tests); without
	 * root its entries could not be removed */
	if (type == FTW_D && (st->st_mode & 0700) != 0700)
		chmod(path, (st->st_mode & 07777) | 0700);
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	if (remove(path) < 0 && errno != ENOENT)
		fprintf(stderr, "cannot remove '%s': %s\n", path, strerror(errno));
	return 0;
}

int test_finish(void)
{
	if (tests_skipped)
		printf("%d passed, %d failed, %d skipped\n", tests_passed, tests_failed, tests_skipped);
	else
		printf("%d passed, %d failed\n", tests_passed, tests_failed);
	if (sandbox[0]) {
		if (tests_failed || test_checks_failed) {
			fprintf(stderr, "sandbox kept: %s\n", sandbox);
		} else {
			nftw(sandbox, make_writable, 16, FTW_PHYS);
			nftw(sandbox, remove_entry, 16, FTW_PHYS | FTW_DEPTH);
		}
	}
	if (tests_failed)
		return 1;
	/* ctest's SKIP_RETURN_CODE: nothing ran but skips */
	return tests_skipped && !tests_passed ? TEST_SKIP_EXIT : 0;
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
	if (!sandbox[0]) {
		const char *base = getenv("TMPDIR");
		snprintf(sandbox, sizeof(sandbox), "%s/prefwatch-test-XXXXXX",
			 base && *base ? base : "/tmp");
		if (!mkdtemp(sandbox)) {
			perror("mkdtemp");
			abort();
		}
	}
	return sandbox;
}
