/*
 * test_spawn.c - the child-process runner (common/spawn.h) against real
 * children (/bin/sh -c ...): exit codes, signals, the wall clock, the
 * output cap, stdin from a buffer and a file, resource limits, a missing
 * program; and after all of them no zombie and no descriptor left open.
 */
#include "common/common.h"
#include "common/spawn.h"
#include "tests/common/test.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs "/bin/sh -c script" with c's other settings; returns pw_child_run's. */
static int sh(struct pw_child *c, const char *script)
{
	static char *argv[4];
	argv[0] = (char *)"sh";
	argv[1] = (char *)"-c";
	argv[2] = (char *)script;
	argv[3] = NULL;
	c->path = "/bin/sh";
	c->argv = argv;
	return pw_child_run(c);
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Open descriptors of this process, or -1 without /proc. */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	if (!d)
		return -1;
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;  /* the directory's own */
}

static void test_exit_codes(void)
{
	struct pw_child c;
	pw_child_init(&c);
	CHECK_INT(sh(&c, "exit 0"), 0);
	CHECK_INT(c.end, PW_CHILD_EXITED);
	CHECK_INT(c.code, 0);
	CHECK_INT(sh(&c, "echo out; echo err >&2; exit 3"), 0);
	CHECK_INT(c.end, PW_CHILD_EXITED);
	CHECK_INT(c.code, 3);
	CHECK_STR(buf_str(&c.out), "out\n");
	CHECK_STR(buf_str(&c.err), "err\n");
	CHECK(!c.err_truncated);
	char *d = pw_child_describe(&c);
	CHECK_STR(d, "exited with status 3");
	free(d);
	/* 127 from the program itself is an exit, not "could not start" */
	CHECK_INT(sh(&c, "exit 127"), 0);
	CHECK_INT(c.end, PW_CHILD_EXITED);
	CHECK_INT(c.code, 127);
	pw_child_release(&c);
}

static void test_signals(void)
{
	struct pw_child c;
	pw_child_init(&c);
	CHECK_INT(sh(&c, "kill -TERM $$"), 0);
	CHECK_INT(c.end, PW_CHILD_SIGNALLED);
	CHECK_INT(c.code, SIGTERM);
	char *d = pw_child_describe(&c);
	CHECK_STR(d, "killed by signal 15");
	free(d);
	/* SIGPIPE is ours to ignore during the run, not the child's */
	CHECK_INT(sh(&c, "kill -PIPE $$"), 0);
	CHECK_INT(c.end, PW_CHILD_SIGNALLED);
	CHECK_INT(c.code, SIGPIPE);
	pw_child_release(&c);
}

static void test_timeout(void)
{
	struct pw_child c;
	pw_child_init(&c);
	c.wall_ms = 300;
	/* the grandchild (sleep) holds stdout: the whole group must die */
	double t0 = mono_s();
	CHECK_INT(sh(&c, "echo started; sleep 30; echo never"), 0);
	double took = mono_s() - t0;
	CHECK_INT(c.end, PW_CHILD_TIMED_OUT);
	CHECK_STR(buf_str(&c.out), "started\n");
	CHECK(took < 5.0);
	char *d = pw_child_describe(&c);
	CHECK_STR(d, "timed out after 300 ms");
	free(d);
	/* a child that closes its pipes but goes on running is bounded too */
	t0 = mono_s();
	CHECK_INT(sh(&c, "exec >&- 2>&-; sleep 30"), 0);
	CHECK_INT(c.end, PW_CHILD_TIMED_OUT);
	CHECK(mono_s() - t0 < 5.0);
	pw_child_release(&c);
}

static void test_output_cap(void)
{
	struct pw_child c;
	pw_child_init(&c);
	c.out_max = 1000;
	c.wall_ms = 20000;
	double t0 = mono_s();
	CHECK_INT(sh(&c, "while :; do echo 0123456789; done"), 0);
	CHECK_INT(c.end, PW_CHILD_TOO_LARGE);
	CHECK(c.out.len <= 1000);
	CHECK(c.out.toobig);
	CHECK(mono_s() - t0 < 10.0);
	char *d = pw_child_describe(&c);
	CHECK_STR(d, "output larger than 1000 bytes");
	free(d);
	/* exactly at the cap is not over it */
	CHECK_INT(sh(&c, "printf '%01000d' 0"), 0);
	CHECK_INT(c.end, PW_CHILD_EXITED);
	CHECK_INT(c.out.len, 1000);
	/* stderr keeps its end, and says it lost the beginning */
	c.err_max = 8;
	CHECK_INT(sh(&c, "printf 'abcdefghijklmnop' >&2; printf 'XYZ' >&2"), 0);
	CHECK_INT(c.end, PW_CHILD_EXITED);
	CHECK_STR(buf_str(&c.err), "lmnopXYZ");
	CHECK(c.err_truncated);
	pw_child_release(&c);
}

static void test_stdin(void)
{
	struct pw_child c;
	pw_child_init(&c);
	/* more than a pipe holds, both ways at once: no dead lock */
	size_t n = 1 << 20;
	char *data = xmalloc(n);
	for (size_t i = 0; i < n; i++)
		data[i] = (char)('a' + i % 26);
	c.in_data = data;
	c.in_len = n;
	c.out_max = 2 * n;
	c.wall_ms = 20000;
	CHECK_INT(sh(&c, "cat"), 0);
	CHECK_INT(c.end, PW_CHILD_EXITED);
	CHECK_INT(c.out.len, n);
	CHECK(c.out.len == n && !memcmp(c.out.ptr, data, n));
	CHECK_INT(c.in_errno, 0);
	/* a child that does not read: an error, not our death by SIGPIPE */
	CHECK_INT(sh(&c, "exec 0<&-; exit 0"), 0);
	CHECK_INT(c.end, PW_CHILD_EXITED);
	CHECK_INT(c.in_errno, EPIPE);
	free(data);

	/* from a file */
	char *path = xasprintf("%s/stdin.txt", test_tmpdir());
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs("ligne 1\nligne 2\n", f);
		fclose(f);
	}
	c.in_data = NULL;
	c.in_len = 0;
	c.in_file = path;
	CHECK_INT(sh(&c, "wc -l"), 0);
	CHECK_CONTAINS(buf_str(&c.out), "2");
	c.in_file = "/nonexistent/stdin";
	CHECK_INT(sh(&c, "cat"), -1);
	CHECK_INT(c.end, PW_CHILD_NOT_STARTED);
	CHECK_INT(c.code, ENOENT);
	unlink(path);
	free(path);

	/* neither: end of file at once */
	c.in_file = NULL;
	CHECK_INT(sh(&c, "cat; echo done"), 0);
	CHECK_STR(buf_str(&c.out), "done\n");
	pw_child_release(&c);
}

static void test_not_started(void)
{
	struct pw_child c;
	char *argv[] = { (char *)"prefwatch-no-such-program", NULL };
	pw_child_init(&c);
	c.path = argv[0];
	c.argv = argv;
	CHECK_INT(pw_child_run(&c), -1);
	CHECK_INT(c.end, PW_CHILD_NOT_STARTED);
	CHECK_INT(c.code, ENOENT);
	char *d = pw_child_describe(&c);
	CHECK_STR(d, "could not start: No such file or directory");
	free(d);
	/* an absolute path exec refuses: its errno, not an exit status */
	char *dir = xstrdup(test_tmpdir());
	c.path = dir;
	CHECK_INT(pw_child_run(&c), -1);
	CHECK_INT(c.end, PW_CHILD_NOT_STARTED);
	CHECK_INT(c.code, EACCES);
	free(dir);
	pw_child_release(&c);
}

static void test_limits_and_env(void)
{
	struct pw_child c;
	char *envp[] = { (char *)"PREFWATCH_SPAWN_TEST=yes", (char *)"PATH=/usr/bin:/bin", NULL };
	pw_child_init(&c);
	c.envp = envp;
	c.cpu_seconds = 7;
	c.file_bytes = 0;
	c.mem_bytes = 256L << 20;
	CHECK_INT(sh(&c, "echo $PREFWATCH_SPAWN_TEST $(ulimit -t) $(ulimit -f) $(ulimit -c)"), 0);
	CHECK_STR(buf_str(&c.out), "yes 7 0 0\n");
	/* a write to a file past RLIMIT_FSIZE 0 is SIGXFSZ, whatever we ignore */
	char *script = xasprintf("echo x > '%s/big'", test_tmpdir());
	CHECK_INT(sh(&c, script), 0);
	CHECK_INT(c.end, PW_CHILD_SIGNALLED);
	CHECK_INT(c.code, SIGXFSZ);
	free(script);
	script = xasprintf("%s/big", test_tmpdir());
	unlink(script);
	free(script);
	pw_child_release(&c);
}

/* Descriptors of ours without close-on-exec never reach the child. */
static void test_fds_not_inherited(void)
{
	struct pw_child c;
	int fd = open("/dev/null", O_RDONLY);  /* deliberately inheritable */
	pw_child_init(&c);
	char *script = xasprintf("[ -e /proc/$$/fd/%d ] && echo leaked || echo closed", fd);
	if (access("/proc/self/fd", F_OK) != 0) {
		test_skip("no /proc: cannot see the child's descriptors");
	} else {
		CHECK_INT(sh(&c, script), 0);
		CHECK_STR(buf_str(&c.out), "closed\n");
	}
	free(script);
	close(fd);
	pw_child_release(&c);
}

/* Runs last: every test above waited for its children and closed its
 * pipes. */
static int fds_at_start = -1;

static void test_no_zombie_no_leak(void)
{
	struct pw_child c;
	pw_child_init(&c);
	c.wall_ms = 200;
	for (int i = 0; i < 6; i++) {
		sh(&c, i % 2 ? "exit 1" : "sleep 5");
		c.path = "prefwatch-no-such-program";
		pw_child_run(&c);
	}
	pw_child_release(&c);
	int st;
	CHECK_INT(waitpid(-1, &st, WNOHANG), -1);
	CHECK_INT(errno, ECHILD);
	int now = count_fds();
	if (now < 0 || fds_at_start < 0)
		test_skip("no /proc/self/fd: descriptor count not checked");
	else
		CHECK_INT(now, fds_at_start);
}

int main(int argc, char **argv)
{
	test_select(argc, argv);
	test_tmpdir();
	fds_at_start = count_fds();
	TEST_RUN(test_exit_codes);
	TEST_RUN(test_signals);
	TEST_RUN(test_timeout);
	TEST_RUN(test_output_cap);
	TEST_RUN(test_stdin);
	TEST_RUN(test_not_started);
	TEST_RUN(test_limits_and_env);
	TEST_RUN(test_fds_not_inherited);
	TEST_RUN(test_no_zombie_no_leak);
	return test_finish();
}
