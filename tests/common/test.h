/*
 * test.h - a minimal test harness for the C unit tests.
 *
 * Each test program defines test functions and lists them in main() with
 * TEST_RUN(fn). CHECK* macros record a failure with file and line and let
 * the test go on; the program exits non-zero if any check failed, and ends
 * with the line "N passed, N failed" that CI reads.
 *
 * Helpers: test_read_file() slurps a fixture (path relative to the source
 * tree's tests/ folder, given by TESTS_DIR at build time), test_tmpdir()
 * makes a fresh sandbox directory per program; test_finish() removes it
 * when every check passed and says where it is kept otherwise.
 *
 * A test that needs what the machine lacks (a tool, /proc, a capability)
 * calls test_skip("why"): it prints "skipped: why" and counts as skipped,
 * not passed. A program whose tests all skipped exits TEST_SKIP_EXIT (77,
 * ctest's SKIP_RETURN_CODE). A program that calls test_select(argc, argv)
 * first takes --only NAME / --except NAME, so that a case needing a
 * capability can be its own ctest entry and show as skipped there.
 */
#ifndef PREFWATCH_TEST_H
#define PREFWATCH_TEST_H

#include "common/common.h"

extern int test_checks_failed;
extern int test_current_failed;

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		test_checks_failed++; test_current_failed = 1; \
	} } while (0)

#define CHECK_INT(a, b) do { \
	long long va_ = (long long)(a), vb_ = (long long)(b); \
	if (va_ != vb_) { \
		fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", __FILE__, __LINE__, #a, va_, #b, vb_); \
		test_checks_failed++; test_current_failed = 1; \
	} } while (0)

#define CHECK_STR(a, b) do { \
	const char *sa_ = (a), *sb_ = (b); \
	if (!sa_ || !sb_ || strcmp(sa_, sb_)) { \
		fprintf(stderr, "%s:%d: %s is\n  «%s»\nexpected\n  «%s»\n", __FILE__, __LINE__, #a, \
			sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)"); \
		test_checks_failed++; test_current_failed = 1; \
	} } while (0)

#define CHECK_CONTAINS(hay, needle) do { \
	const char *h_ = (hay), *n_ = (needle); \
	if (!h_ || !strstr(h_, n_)) { \
		fprintf(stderr, "%s:%d: %s does not contain «%s»:\n%s\n", __FILE__, __LINE__, #hay, n_, h_ ? h_ : "(null)"); \
		test_checks_failed++; test_current_failed = 1; \
	} } while (0)

#define TEST_RUN(fn) test_run_one(#fn, fn)
#define TEST_SKIP_EXIT 77

void test_select(int argc, char **argv);        /* borrows argv: --only/--except NAME */
void test_run_one(const char *name, void (*fn)(void));
void test_skip(const char *fmt, ...) PW_PRINTF(1, 2);  /* the current test is skipped */
int test_finish(void);                         /* prints the summary, returns exit code */
char *test_read_file(const char *rel, size_t *len);   /* relative to TESTS_DIR; aborts if missing */
const char *test_tmpdir(void);                 /* per-program sandbox, created on first use */
char *test_path(const char *rel);              /* TESTS_DIR/rel, owned */

#endif
