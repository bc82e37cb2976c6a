/*
 * fuzz.h - what every harness shares: a failed property is named on stderr
 * before the abort, so that a crash seen only in a CI log says which
 * property broke (libFuzzer itself only says "deadly signal").
 */
#ifndef PW_FUZZ_H
#define PW_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_FAIL(why) \
	do { \
		fprintf(stderr, "\n%s:%d: property broken: %s\n", __FILE__, __LINE__, why); \
		abort(); \
	} while (0)

#endif
