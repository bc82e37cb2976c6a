/*
 * spawn.h - the one way prefwatch runs another program.
 *
 * Document converters, sendmail, the spreadsheet converters of import and
 * pandoc all go through pw_child_run(): no shell, argv as given, stdin fed
 * from a buffer or a file (else empty), stdout and stderr captured into
 * capped buffers, resource limits set in the child, a wall-clock limit at
 * which the child's whole process group is killed, and one classification
 * of how it ended. The caller judges what each end means for it.
 *
 * The child runs in its own process group (so that a timeout also kills
 * what it started: docx2txt runs unzip), with SIGPIPE, SIGINT, SIGTERM and
 * SIGXFSZ reset to their defaults, core dumps off, and only descriptors 0,
 * 1 and 2 open (ours are close-on-exec or closed before the exec). While
 * it runs, SIGPIPE is ignored in the caller (a child that stops reading
 * its stdin gives an error, not our death) and restored afterwards.
 *
 * pw_child_run() blocks for at most wall_ms (plus the kill), never leaves
 * a zombie and closes every descriptor it opened.
 *
 * Threads: it may run in several threads at once (the crawler's
 * conversion pool). The child does only async-signal-safe work between
 * fork and exec and closes every descriptor but 0-2 (so what another
 * thread opened meanwhile, close-on-exec or not yet, never reaches the
 * program); it waits for its own pid only. Its SIGPIPE save and restore
 * is process-wide: a caller running it from several threads ignores
 * SIGPIPE itself for that whole time, so that one thread's restore
 * cannot end another's ignore.
 */
#ifndef PREFWATCH_SPAWN_H
#define PREFWATCH_SPAWN_H

#include "common/common.h"

enum pw_child_end {
	PW_CHILD_EXITED = 0,    /* exited by itself: code is its exit status */
	PW_CHILD_SIGNALLED,     /* died of a signal (its own limits included): code */
	PW_CHILD_TIMED_OUT,     /* still running at wall_ms: its group was killed */
	PW_CHILD_TOO_LARGE,     /* its stdout passed out_max: its group was killed */
	PW_CHILD_NOT_STARTED    /* could not be started: code is the errno */
};

/* Set up by pw_child_init(), then the caller fills the inputs. Everything
 * an input points to is borrowed and must outlive pw_child_run(). */
struct pw_child {
	/* ---- inputs ---- */
	const char *path;          /* the program: a path with a '/', or a
				    * name looked up in $PATH */
	char *const *argv;         /* argv[0] included, NULL-terminated */
	char *const *envp;         /* NULL: the caller's environment */
	const char *in_data;       /* stdin: these in_len bytes, or */
	size_t in_len;
	const char *in_file;       /* this file (opened read-only); neither:
				    * empty (end of file at once) */
	size_t out_max;            /* stdout cap in bytes (init: 1 MiB; 0: no
				    * cap); past it the child is killed: TOO_LARGE */
	size_t err_max;            /* stderr kept, its last err_max bytes
				    * (init: 4 KiB); past it err_truncated */
	long cpu_seconds;          /* RLIMIT_CPU (soft; hard one more) */
	long mem_bytes;            /* RLIMIT_AS */
	long file_bytes;           /* RLIMIT_FSIZE (0: it may write no file) */
	long wall_ms;              /* killed after this long; the four: -1
				    * (init) leaves that limit as it is */
	bool kill_group;           /* also kill what is left of its process
				    * group once it has exited by itself */

	/* ---- results ---- */
	enum pw_child_end end;
	int code;                  /* exit status, signal number or errno */
	int status;                /* the raw wait status (0 if not started) */
	int in_errno;              /* writing its stdin failed (EPIPE: it
				    * stopped reading): that errno, else 0 */
	struct buf out;            /* its stdout (cap out_max), owned */
	struct buf err;            /* the end of its stderr, owned */
	bool err_truncated;        /* err lost its beginning */
	double seconds;            /* wall-clock time it took */
};

void pw_child_init(struct pw_child *c);
/* Runs c->argv; fills the results. 0 when the program ran (whatever its
 * end), -1 when it could not be started (end NOT_STARTED, code = errno:
 * ENOENT for a program not found, or what pipe, fork, open or exec said).
 * Calling it again on the same c first drops the previous outputs. */
int pw_child_run(struct pw_child *c);
/* c's end in English: "exited with status 3", "killed by signal 9",
 * "timed out after 2000 ms", "output larger than 1048576 bytes", "could
 * not start: No such file or directory". Owned. */
char *pw_child_describe(const struct pw_child *c);
/* Frees the outputs; c may be run again after pw_child_init(). */
void pw_child_release(struct pw_child *c);

/* Absolute path of the executable name found in $PATH (name itself when
 * it contains a '/'), or NULL. Owned. */
char *pw_find_program(const char *name);

#endif
