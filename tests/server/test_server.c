/* test_server.c - see test_server.h. */
#include "common/common.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/common/test.h"
#include "tests/server/test_server.h"

static pid_t server_pid = -1;
static char dir[256];
static char port_file[300];
static char log_file[300];

int test_server_start(const char *root_dir, int *port)
{
	/* inside the program's sandbox: removed with it when the tests pass,
	 * kept (request log included) when one fails */
	snprintf(dir, sizeof(dir), "%s/httpd-XXXXXX", test_tmpdir());
	if (!mkdtemp(dir)) {
		fprintf(stderr, "cannot create '%s': %s\n", dir, strerror(errno));
		return -1;
	}
	snprintf(port_file, sizeof(port_file), "%s/port", dir);
	snprintf(log_file, sizeof(log_file), "%s/requests.log", dir);

	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "cannot fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		execl(PW_PYTHON3, PW_PYTHON3, PW_HTTPD, "--root", root_dir, "--port-file", port_file,
		      "--log", log_file, (char *)NULL);
		fprintf(stderr, "cannot run '%s': %s\n", PW_PYTHON3, strerror(errno));
		_exit(127);
	}
	server_pid = pid;
	for (int i = 0; i < 1000; i++) {   /* 10 s */
		FILE *f = fopen(port_file, "r");
		if (f) {
			int p = 0;
			int ok = fscanf(f, "%d", &p);
			fclose(f);
			if (ok == 1 && p > 0) {
				*port = p;
				return 0;
			}
		}
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			server_pid = -1;
			fprintf(stderr, "httpd.py exited before listening\n");
			return -1;
		}
		usleep(10000);
	}
	fprintf(stderr, "httpd.py did not start within 10 s\n");
	test_server_stop();
	return -1;
}

void test_server_stop(void)
{
	if (server_pid <= 0)
		return;
	kill(server_pid, SIGTERM);
	for (int i = 0; i < 500; i++) {
		if (waitpid(server_pid, NULL, WNOHANG) == server_pid) {
			server_pid = -1;
			return;
		}
		usleep(10000);
	}
	kill(server_pid, SIGKILL);
	waitpid(server_pid, NULL, 0);
	server_pid = -1;
}

const char *test_server_log(void)
{
	return log_file;
}
