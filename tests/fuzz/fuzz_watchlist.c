/*
 * fuzz_watchlist.c - libFuzzer harness for the YAML reader and the
 * watchlist validator: any bytes either load or give errors that all
 * carry the file name, never a crash or a leak.
 */
#include "common/common.h"
#include "tests/fuzz/fuzz.h"

#include <unistd.h>

#include "watchlist/watchlist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* in $TMPDIR, and removed after each input: replayed by ctest, the
	 * harness must leave nothing behind */
	static char path[4096];
	if (!path[0]) {
		const char *tmp = getenv("TMPDIR");
		snprintf(path, sizeof(path), "%s/fuzz-watchlist-%d.yaml",
			 tmp && *tmp == '/' ? tmp : "/tmp", (int)getpid());
	}
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);

	struct watchlist wl;
	struct strvec errs = STRVEC_INIT;
	watchlist_init(&wl);
	watchlist_load(&wl, path, &errs);
	watchlist_finish(&wl, &errs);
	unlink(path);
	for (size_t i = 0; i < errs.n; i++)
		if (strncmp(errs.v[i], path, strlen(path)))
			FUZZ_FAIL("an error message does not name the file");
	watchlist_release(&wl);
	strvec_release(&errs);

	struct yaml_doc doc;
	yaml_doc_parse(&doc, "mem.yaml", (const char *)data, size, &errs);
	yaml_doc_release(&doc);
	strvec_release(&errs);
	return 0;
}
