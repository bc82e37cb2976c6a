/*
 * test_convert_pool.c - crawler/convert_pool.c on stand-in converters.
 *
 * The converter is a /bin/sh script installed as "pdftotext" in the
 * sandbox (doc_limits.converter_dir): it prints the second line of the
 * file it is given, or, when that line is HANG, sleeps until the
 * wall-clock limit kills it. No timing is asserted: a hung converter is
 * shown not to hold the other jobs by the order the results come back in.
 */
#include "common/common.h"

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crawler/crawler.h"
#include "tests/common/test.h"

#define HUNG_MS 3000

static pthread_mutex_t notify_mu = PTHREAD_MUTEX_INITIALIZER;
static int notified;

static void on_posted(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&notify_mu);
	notified++;
	pthread_mutex_unlock(&notify_mu);
}

static int notified_count(void)
{
	pthread_mutex_lock(&notify_mu);
	int n = notified;
	pthread_mutex_unlock(&notify_mu);
	return n;
}

/* The stand-in's directory (owned). */
static char *converter_dir(void)
{
	char *dir = xasprintf("%s/conv", test_tmpdir());
	mkdir(dir, 0755);
	char *path = xasprintf("%s/pdftotext", dir);
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		/* pdftotext -enc UTF-8 -nopgbrk -q FILE - : the file is $5 */
		fputs("#!/bin/sh\n"
		      "line=$(sed -n 2p \"$5\")\n"
		      "[ \"$line\" = HANG ] && exec sleep 60\n"
		      "printf '%s\\n' \"$line\"\n", f);
		fclose(f);
	}
	CHECK_INT(chmod(path, 0755), 0);
	free(path);
	return dir;
}

static void limits(struct doc_limits *lim, const char *dir)
{
	doc_limits_init(lim);
	lim->converter_dir = dir;
	lim->wall_ms = HUNG_MS;
}

/* A spilled "PDF" whose text is line; *body gets its bytes (owned). */
static char *spill(const char *line, char **body, size_t *len)
{
	char *path = xasprintf("%s/prefwatch-body.XXXXXX", test_tmpdir());
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	*body = xasprintf("%%PDF-1.4\n%s\n%%%%EOF\n", line);
	*len = strlen(*body);
	if (fd >= 0) {
		CHECK_INT(pw_write_all(fd, *body, *len), 0);
		close(fd);
	}
	return path;
}

static void submit(struct convert_pool *p, const char *path, size_t len, void *data)
{
	struct convert_job job = {
		.path = path, .len = len, .content_type = "application/pdf",
		.url = "http://127.0.0.1/doc.pdf", .data = data,
	};
	convert_pool_submit(p, &job);
}

/* prefwatch-* files in the sandbox (TMPDIR, see main()). */
static int temp_files_left(void)
{
	DIR *d = opendir(test_tmpdir());
	struct dirent *e;
	int n = 0;
	while (d && (e = readdir(d)) != NULL)
		if (!strncmp(e->d_name, "prefwatch-", 10)) {
			fprintf(stderr, "  left: %s\n", e->d_name);
			n++;
		}
	if (d)
		closedir(d);
	return n;
}

static bool gone(const char *path)
{
	return access(path, F_OK) != 0;
}

/* Every job comes back once, with its text and its bytes; the files are
 * gone; a file that cannot be read back is a failure, not a crash. */
static void test_submit_collect(void)
{
	enum { N = 6 };
	char *dir = converter_dir();
	struct doc_limits lim;
	limits(&lim, dir);
	char *err = NULL;
	int before = notified_count();
	struct convert_pool *p = convert_pool_new(2, &lim, on_posted, NULL, &err);
	CHECK(p != NULL);
	if (!p) {
		fprintf(stderr, "%s\n", err);
		free(err);
		free(dir);
		return;
	}
	char *paths[N + 1], *bodies[N + 1];
	size_t lens[N + 1];
	int ids[N + 1];
	bool seen[N + 1] = { false };
	for (int i = 0; i < N; i++) {
		char line[32];
		snprintf(line, sizeof(line), "Texte %d", i);
		paths[i] = spill(line, &bodies[i], &lens[i]);
		ids[i] = i;
		submit(p, paths[i], lens[i], &ids[i]);
	}
	/* a file removed before the pool reads it */
	paths[N] = spill("perdu", &bodies[N], &lens[N]);
	unlink(paths[N]);
	ids[N] = N;
	submit(p, paths[N], lens[N], &ids[N]);
	CHECK_INT((int)convert_pool_outstanding(p), N + 1);

	struct convert_result r;
	int got = 0;
	while (got < N + 1 && convert_pool_wait(p, &r, 20000)) {
		int i = *(int *)r.data;
		CHECK(i >= 0 && i <= N && !seen[i]);
		seen[i] = true;
		got++;
		if (i == N) {
			CHECK_INT(r.rc, -1);
			CHECK(r.body == NULL);
			CHECK_INT(r.dt.failure, PW_FAIL_BAD_CONTENT);
			CHECK_CONTAINS(r.dt.error, "cannot read back");
		} else {
			char want[32];
			snprintf(want, sizeof(want), "Texte %d", i);
			CHECK_INT(r.rc, 0);
			CHECK_STR(r.dt.text, want);
			CHECK_INT((int)r.len, (int)lens[i]);
			CHECK(r.body && !memcmp(r.body, bodies[i], lens[i]));
		}
		convert_result_release(&r);
	}
	CHECK_INT(got, N + 1);
	CHECK_INT((int)convert_pool_outstanding(p), 0);
	/* nothing left: no wait, no result */
	CHECK(!convert_pool_wait(p, &r, 20000));
	CHECK(!convert_pool_collect(p, &r));
	convert_pool_free(p);
	CHECK_INT(notified_count() - before, N + 1);
	CHECK_INT(temp_files_left(), 0);
	for (int i = 0; i <= N; i++) {
		CHECK(gone(paths[i]));
		free(paths[i]);
		free(bodies[i]);
	}
	free(dir);
}

/* A converter that hangs until its wall-clock limit holds one worker:
 * every other job, submitted after it, comes back before it. */
static void test_hung_holds_one_worker(void)
{
	enum { N = 4 };
	char *dir = converter_dir();
	struct doc_limits lim;
	limits(&lim, dir);
	struct convert_pool *p = convert_pool_new(2, &lim, NULL, NULL, NULL);
	CHECK(p != NULL);
	if (!p) {
		free(dir);
		return;
	}
	char *paths[N + 1], *bodies[N + 1];
	size_t lens[N + 1];
	int ids[N + 1];
	for (int i = 0; i <= N; i++) {
		paths[i] = spill(i == 0 ? "HANG" : "Texte rapide", &bodies[i], &lens[i]);
		ids[i] = i;
		submit(p, paths[i], lens[i], &ids[i]);
	}
	struct convert_result r;
	int order[N + 1], got = 0;
	while (got <= N && convert_pool_wait(p, &r, 2L * HUNG_MS + 20000)) {
		int i = *(int *)r.data;
		order[got++] = i;
		if (i == 0) {
			CHECK_INT(r.dt.failure, PW_FAIL_TIMEOUT);
			CHECK_CONTAINS(r.dt.error, "still running after 3000 ms, killed");
		} else {
			CHECK_STR(r.dt.text, "Texte rapide");
		}
		convert_result_release(&r);
	}
	CHECK_INT(got, N + 1);
	CHECK_INT(order[N], 0);   /* the hung one last */
	convert_pool_free(p);
	for (int i = 0; i <= N; i++) {
		CHECK(gone(paths[i]));
		free(paths[i]);
		free(bodies[i]);
	}
	free(dir);
}

/* Freed with one conversion running and others queued: it returns once
 * the running one is killed at its limit, the queued files are removed,
 * the uncollected results freed (the leak checker sees it). */
static void test_shutdown_in_flight(void)
{
	enum { N = 4 };
	char *dir = converter_dir();
	struct doc_limits lim;
	limits(&lim, dir);
	struct convert_pool *p = convert_pool_new(1, &lim, NULL, NULL, NULL);
	CHECK(p != NULL);
	if (!p) {
		free(dir);
		return;
	}
	char *paths[N], *bodies[N];
	size_t lens[N];
	for (int i = 0; i < N; i++) {
		paths[i] = spill(i == 0 ? "HANG" : "Texte en attente", &bodies[i], &lens[i]);
		submit(p, paths[i], lens[i], NULL);
	}
	/* the worker has taken the hung job once its file is read and gone */
	for (int k = 0; k < 2000 && !gone(paths[0]); k++)
		usleep(10000);
	CHECK(gone(paths[0]));
	CHECK(!gone(paths[1]));
	convert_pool_free(p);
	for (int i = 0; i < N; i++) {
		CHECK(gone(paths[i]));
		free(paths[i]);
		free(bodies[i]);
	}
	/* nothing of the converters' own temp files is left either */
	CHECK_INT(temp_files_left(), 0);
	free(dir);
}

/* threads 0: the default (min(2, CPUs)) starts and converts. */
static void test_default_threads(void)
{
	char *dir = converter_dir();
	struct doc_limits lim;
	limits(&lim, dir);
	struct convert_pool *p = convert_pool_new(0, &lim, NULL, NULL, NULL);
	CHECK(p != NULL);
	if (p) {
		char *body;
		size_t len;
		char *path = spill("Un", &body, &len);
		submit(p, path, len, NULL);
		struct convert_result r;
		CHECK(convert_pool_wait(p, &r, 20000));
		CHECK_STR(r.dt.text, "Un");
		convert_result_release(&r);
		convert_pool_free(p);
		CHECK(gone(path));
		free(path);
		free(body);
	}
	convert_pool_free(NULL);
	free(dir);
}

int main(int argc, char **argv)
{
	test_select(argc, argv);
	/* the pool's contract (crawler.h): SIGPIPE ignored for its life */
	signal(SIGPIPE, SIG_IGN);
	/* the converters' own temp files go to the sandbox too */
	setenv("TMPDIR", test_tmpdir(), 1);
	TEST_RUN(test_submit_collect);
	TEST_RUN(test_hung_holds_one_worker);
	TEST_RUN(test_shutdown_in_flight);
	TEST_RUN(test_default_threads);
	return test_finish();
}
