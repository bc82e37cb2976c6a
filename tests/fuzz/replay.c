/*
 * replay.c - runs a libFuzzer harness over files without libFuzzer, so that
 * the seed corpus and every crash ever found (tests/fuzz/regressions/) are
 * replayed by ctest in the ordinary gcc and ASan builds.
 *
 *   replay_NAME FILE_OR_DIR...
 */
#include "common/common.h"

#include <dirent.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay: cannot open '%s': %s\n", path, strerror(errno));
		return -1;
	}
	struct buf b = BUF_INIT;
	char tmp[65536];
	size_t n;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	LLVMFuzzerTestOneInput((const uint8_t *)(b.ptr ? b.ptr : ""), b.len);
	buf_release(&b);
	return 0;
}

static int replay(const char *path, int *count)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		fprintf(stderr, "replay: cannot stat '%s': %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return replay_file(path);
	}
	DIR *d = opendir(path);
	if (!d)
		return -1;
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char *sub = xasprintf("%s/%s", path, e->d_name);
		rc |= replay(sub, count);
		free(sub);
	}
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	int count = 0, rc = 0;
	for (int i = 1; i < argc; i++)
		rc |= replay(argv[i], &count);
	/* a crash aborts before this line; reaching it means every input passed */
	printf("%d passed, 0 failed\n", count);
	return rc ? 1 : 0;
}
