/*
 * test_server.h - run tests/server/httpd.py from C tests.
 *
 * test_server_start() fork/execs the server (Debian's python3, given at
 * build time as PW_PYTHON3) on root_dir, waits until it listens and gives
 * its port; the server's request log (JSON lines, see httpd.py) is at
 * test_server_log(), in the program's sandbox (test_tmpdir()), which
 * test_finish() removes when the tests pass. One server per test program
 * at a time.
 *
 * Build: link the library pw_test_server (tests/server/CMakeLists.txt),
 * which compiles test_server.c with the definitions PW_PYTHON3 and
 * PW_HTTPD (path of httpd.py).
 */
#ifndef PREFWATCH_TEST_SERVER_H
#define PREFWATCH_TEST_SERVER_H

/* Returns 0 and sets *port, or -1 with a message on stderr. */
int test_server_start(const char *root_dir, int *port);
/* Stops the server (SIGTERM, then SIGKILL). Safe to call when not started. */
void test_server_stop(void);
/* Path of the request log of the running server (borrowed). */
const char *test_server_log(void);

#endif
