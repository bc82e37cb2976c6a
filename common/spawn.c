/*
 * spawn.c - the child-process runner declared in spawn.h.
 *
 * One fork, one poll loop. The parent feeds stdin through a non-blocking
 * pipe and drains stdout and stderr in the same loop (a child blocked
 * writing a full pipe while we block writing its stdin would be a dead
 * lock), up to the wall-clock deadline. An exec failure comes back as an
 * errno through a close-on-exec pipe, so "could not start" is told apart
 * from "exited with 127". The child is waited for without being reaped
 * (WNOWAIT) before its group is killed: while it is a zombie its pid,
 * which is also its group id, cannot be reused, so the kill hits nothing
 * else.
 */
#include "common/common.h"
#include "common/spawn.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define SPAWN_CHUNK 65536
/* Highest descriptor the child closes one by one when the kernel has no
 * close_range(2); a bound, so that a huge RLIMIT_NOFILE costs nothing. */
#define SPAWN_CLOSE_MAX 4096

void pw_child_init(struct pw_child *c)
{
	memset(c, 0, sizeof(*c));
	c->out_max = 1 << 20;
	c->err_max = 4096;
	c->cpu_seconds = c->mem_bytes = c->file_bytes = c->wall_ms = -1;
	buf_init(&c->out, c->out_max);
	buf_init(&c->err, 0);
}

void pw_child_release(struct pw_child *c)
{
	buf_release(&c->out);
	buf_release(&c->err);
}

char *pw_find_program(const char *name)
{
	if (strchr(name, '/'))
		return access(name, X_OK) == 0 ? xstrdup(name) : NULL;
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		char *cand = xasprintf("%.*s/%s", (int)n, n ? path : ".", name);
		struct stat st;
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0)
			return cand;
		free(cand);
		path += n + (path[n] == ':');
	}
	return NULL;
}

char *pw_child_describe(const struct pw_child *c)
{
	switch (c->end) {
	case PW_CHILD_EXITED:
		return xasprintf("exited with status %d", c->code);
	case PW_CHILD_SIGNALLED:
		return xasprintf("killed by signal %d", c->code);
	case PW_CHILD_TIMED_OUT:
		return xasprintf("timed out after %ld ms", c->wall_ms);
	case PW_CHILD_TOO_LARGE:
		return xasprintf("output larger than %zu bytes", c->out.max);
	case PW_CHILD_NOT_STARTED:
		break;
	}
	return xasprintf("could not start: %s", strerror(c->code));
}

static double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Makes *fd close-on-exec and at least 3, so that the child's dup2 onto
 * 0, 1 and 2 never clobbers another of them (a caller run with stdin
 * closed gets pipes numbered from 0). -1 with errno. */
static int park_fd(int *fd)
{
	if (*fd < 3) {
		int hi = fcntl(*fd, F_DUPFD_CLOEXEC, 3);
		if (hi < 0)
			return -1;
		close(*fd);
		*fd = hi;
		return 0;
	}
	return fcntl(*fd, F_SETFD, FD_CLOEXEC);
}

static int make_pipe(int p[2])
{
	if (pipe(p) < 0)
		return -1;
	if (park_fd(&p[0]) < 0 || park_fd(&p[1]) < 0) {
		int e = errno;
		close_fd(&p[0]);
		close_fd(&p[1]);
		errno = e;
		return -1;
	}
	return 0;
}

static void set_limit(int resource, long value, long hard_extra)
{
	struct rlimit r;
	if (value < 0)
		return;
	r.rlim_cur = (rlim_t)value;
	r.rlim_max = (rlim_t)value + (rlim_t)hard_extra;
	setrlimit(resource, &r);
}

/* In the child, between fork and exec: async-signal-safe calls only.
 * fds: its stdin, stdout, stderr, and the pipe to report exec's errno. */
static _Noreturn void child_exec(const struct pw_child *c, const char *path, int fds[4],
				 int close_max)
{
	struct rlimit none = { 0, 0 };
	sigset_t all;
	int e;

	setpgid(0, 0);
	for (int i = 0; i < 3; i++)
		if (dup2(fds[i], i) < 0)
			goto fail;
	/* the errno pipe as 3, still close-on-exec, then nothing else */
	if (fds[3] != 3 && (dup2(fds[3], 3) < 0 || fcntl(3, F_SETFD, FD_CLOEXEC) < 0))
		goto fail;
#ifdef SYS_close_range
	if (syscall(SYS_close_range, 4U, ~0U, 0U) < 0)
#endif
		for (int fd = 4; fd < close_max; fd++)
			close(fd);
	set_limit(RLIMIT_CPU, c->cpu_seconds, 1);
	set_limit(RLIMIT_AS, c->mem_bytes, 0);
	set_limit(RLIMIT_FSIZE, c->file_bytes, 0);
	setrlimit(RLIMIT_CORE, &none);
	/* what the parent set for itself must not reach the program: an
	 * ignored SIGPIPE (ours, during the run) or SIGXFSZ survives exec */
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGXFSZ, SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	execve(path, c->argv, c->envp ? c->envp : environ);
fail:
	e = errno;
	if (write(3, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

/* Appends to the stderr buffer, keeping its last err_max bytes. */
static void keep_tail(struct pw_child *c, const char *b, size_t n)
{
	struct buf *e = &c->err;
	size_t max = c->err_max;
	if (n >= max) {
		if (e->len || n > max)
			c->err_truncated = true;
		buf_reset(e);
		buf_add(e, b + n - max, max);
		return;
	}
	if (e->len + n > max) {
		size_t drop = e->len + n - max;
		memmove(e->ptr, e->ptr + drop, e->len - drop);
		e->len -= drop;
		e->ptr[e->len] = '\0';
		c->err_truncated = true;
	}
	buf_add(e, b, n);
}

struct spawn_io {
	int in, out, err;          /* our ends, -1 once closed */
	size_t in_off;
	bool timed_out, too_big;
};

/* Writes what the child's stdin can take now. */
static void feed_stdin(struct pw_child *c, struct spawn_io *io)
{
	while (io->in_off < c->in_len) {
		ssize_t w = write(io->in, c->in_data + io->in_off, c->in_len - io->in_off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (w <= 0) {
			c->in_errno = w < 0 ? errno : EIO;
			break;
		}
		io->in_off += (size_t)w;
	}
	close_fd(&io->in);
}

/* Reads one chunk of fd; false once it is closed or failed. */
static bool drain(int fd, char *chunk, size_t *n)
{
	ssize_t r;
	while ((r = read(fd, chunk, SPAWN_CHUNK)) < 0 && errno == EINTR)
		;
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		*n = 0;
		return true;
	}
	*n = r > 0 ? (size_t)r : 0;
	return r > 0;
}

/* The poll loop: until stdout and stderr are closed and stdin fed, the
 * deadline, or the output cap. */
static void pump(struct pw_child *c, struct spawn_io *io, double deadline)
{
	char *chunk = xmalloc(SPAWN_CHUNK);
	while (io->in >= 0 || io->out >= 0 || io->err >= 0) {
		int wait = -1;
		if (c->wall_ms >= 0) {
			double left = deadline - mono_ms();
			if (left <= 0) {
				io->timed_out = true;
				break;
			}
			wait = left > 1000 ? 1000 : (int)left + 1;
		}
		struct pollfd p[3] = { { .fd = io->in, .events = POLLOUT },
				       { .fd = io->out, .events = POLLIN },
				       { .fd = io->err, .events = POLLIN } };
		int pr = poll(p, 3, wait);
		if (pr < 0 && errno != EINTR)
			break;
		if (pr <= 0)
			continue;
		size_t n;
		if (p[0].revents)
			feed_stdin(c, io);
		if (p[2].revents) {
			if (drain(io->err, chunk, &n))
				keep_tail(c, chunk, n);
			else
				close_fd(&io->err);
		}
		if (p[1].revents) {
			if (!drain(io->out, chunk, &n)) {
				close_fd(&io->out);
			} else if (buf_add(&c->out, chunk, n) < 0) {
				io->too_big = true;
				break;
			}
		}
	}
	free(chunk);
}

/* Waits, without reaping, until pid has exited; kills its group at the
 * deadline (then io->timed_out). */
static void await_exit(const struct pw_child *c, pid_t pid, struct spawn_io *io,
		       double deadline)
{
	long sleep_us = 1000;
	for (;;) {
		siginfo_t si;
		memset(&si, 0, sizeof(si));
		int flags = WEXITED | WNOWAIT | (c->wall_ms >= 0 ? WNOHANG : 0);
		int w = waitid(P_PID, (id_t)pid, &si, flags);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 || si.si_pid == pid)
			return;
		if (!io->timed_out && mono_ms() >= deadline) {
			io->timed_out = true;
			kill(-pid, SIGKILL);
		}
		struct timespec ts = { 0, sleep_us * 1000 };
		nanosleep(&ts, NULL);
		if (sleep_us < 50000)
			sleep_us *= 2;
	}
}

/* Opens stdin's source and the pipes; -1 with errno. */
static int open_io(const struct pw_child *c, struct spawn_io *io, int child[3], int ex[2])
{
	int in[2] = { -1, -1 }, op[2] = { -1, -1 }, ep[2] = { -1, -1 };
	if (c->in_file) {
		in[0] = open(c->in_file, O_RDONLY | O_CLOEXEC);
		if (in[0] < 0 || park_fd(&in[0]) < 0)
			goto fail;
	} else if (make_pipe(in) < 0) {
		goto fail;
	}
	if (make_pipe(op) < 0 || make_pipe(ep) < 0 || make_pipe(ex) < 0)
		goto fail;
	if (in[1] >= 0 && fcntl(in[1], F_SETFL, O_NONBLOCK) < 0)
		goto fail;
	io->in = in[1];
	io->out = op[0];
	io->err = ep[0];
	child[0] = in[0];
	child[1] = op[1];
	child[2] = ep[1];
	return 0;
fail:;
	int e = errno;
	int *all[] = { &in[0], &in[1], &op[0], &op[1], &ep[0], &ep[1], &ex[0], &ex[1] };
	for (size_t i = 0; i < PW_ARRAY_SIZE(all); i++)
		close_fd(all[i]);
	errno = e;
	return -1;
}

static int not_started(struct pw_child *c, int e)
{
	c->end = PW_CHILD_NOT_STARTED;
	c->code = e;
	return -1;
}

/* Opens the pipes, forks and execs: 0 with *pid once the program runs,
 * or -1 with errno (then io's ends are closed and nothing is left to
 * wait for). */
static int start_child(const struct pw_child *c, const char *path, struct spawn_io *io,
		       pid_t *pid, int close_max)
{
	int child[3] = { -1, -1, -1 }, ex[2] = { -1, -1 };
	int child_errno = 0, rc = -1, e = 0;
	ssize_t n;

	if (open_io(c, io, child, ex) < 0)
		return -1;
	*pid = fork();
	if (*pid < 0) {
		e = errno;
		goto cleanup;
	}
	if (*pid == 0) {
		int fds[4] = { child[0], child[1], child[2], ex[1] };
		child_exec(c, path, fds, close_max);
	}
	setpgid(*pid, *pid);  /* both sides: no race with a kill of the group */
	for (int i = 0; i < 3; i++)
		close_fd(&child[i]);
	close_fd(&ex[1]);
	/* 0 bytes: exec succeeded (the pipe closed with it); else its errno */
	while ((n = read(ex[0], &child_errno, sizeof(child_errno))) < 0 && errno == EINTR)
		;
	if (n == (ssize_t)sizeof(child_errno) && child_errno) {
		int st;
		while (waitpid(*pid, &st, 0) < 0 && errno == EINTR)
			;
		e = child_errno;
		goto cleanup;
	}
	rc = 0;
cleanup:
	for (int i = 0; i < 3; i++)
		close_fd(&child[i]);
	close_fd(&ex[0]);
	close_fd(&ex[1]);
	if (rc < 0) {
		close_fd(&io->in);
		close_fd(&io->out);
		close_fd(&io->err);
		errno = e;
	}
	return rc;
}

/* After the poll loop: closes our ends, kills the group when it must
 * die, reaps the child and classifies its end. */
static void end_child(struct pw_child *c, pid_t pid, struct spawn_io *io, double deadline)
{
	bool stuck = io->in >= 0 || io->out >= 0 || io->err >= 0;  /* a poll error */
	close_fd(&io->in);
	close_fd(&io->out);
	close_fd(&io->err);
	if (io->timed_out || io->too_big || stuck)
		kill(-pid, SIGKILL);
	/* the pipes are closed: a child that closed them but goes on running
	 * is bounded by the same wall clock */
	await_exit(c, pid, io, deadline);
	if (c->kill_group || io->timed_out || io->too_big || stuck)
		kill(-pid, SIGKILL);
	while (waitpid(pid, &c->status, 0) < 0 && errno == EINTR)
		;
	if (io->too_big) {
		c->end = PW_CHILD_TOO_LARGE;
	} else if (io->timed_out) {
		c->end = PW_CHILD_TIMED_OUT;
	} else if (WIFSIGNALED(c->status)) {
		c->end = PW_CHILD_SIGNALLED;
		c->code = WTERMSIG(c->status);
	} else {
		c->end = PW_CHILD_EXITED;
		c->code = WIFEXITED(c->status) ? WEXITSTATUS(c->status) : -1;
	}
}

int pw_child_run(struct pw_child *c)
{
	struct spawn_io io = { -1, -1, -1, 0, false, false };
	struct sigaction ign, old;
	bool sig_saved;
	char *path;
	int rc = -1;
	double start = mono_ms();
	double deadline = start + (c->wall_ms > 0 ? (double)c->wall_ms : 0);
	long close_max = sysconf(_SC_OPEN_MAX);
	pid_t pid;

	buf_release(&c->out);
	buf_release(&c->err);
	buf_init(&c->out, c->out_max);
	buf_init(&c->err, 0);
	c->end = PW_CHILD_EXITED;
	c->code = c->status = c->in_errno = 0;
	c->err_truncated = false;
	c->seconds = 0;
	if (c->err_max == 0)
		c->err_max = 1;
	if (close_max < 0 || close_max > SPAWN_CLOSE_MAX)
		close_max = SPAWN_CLOSE_MAX;

	/* a path is exec's to judge (EACCES, ENOENT); a name is looked up */
	path = strchr(c->path, '/') ? xstrdup(c->path) : pw_find_program(c->path);
	if (!path)
		return not_started(c, ENOENT);
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sig_saved = sigaction(SIGPIPE, &ign, &old) == 0;
	if (start_child(c, path, &io, &pid, (int)close_max) < 0) {
		rc = not_started(c, errno);
	} else {
		if (c->in_len == 0 || !c->in_data)
			close_fd(&io.in);
		pump(c, &io, deadline);
		end_child(c, pid, &io, deadline);
		rc = 0;
	}
	c->seconds = (mono_ms() - start) / 1000.0;
	if (sig_saved)
		sigaction(SIGPIPE, &old, NULL);
	free(path);
	return rc;
}
