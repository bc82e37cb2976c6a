/*
 * regex.h - PCRE2 patterns compiled one way, matched under one set of
 * limits.
 *
 * Patterns come from the watchlist (editors) and from our tables; the
 * subjects they run on are untrusted page text. Every pattern is compiled
 * here with the caller's flags, given explicitly (the watchlist checks
 * with PCRE2_UTF | PCRE2_UCP; the crawler adds PCRE2_MATCH_INVALID_UTF,
 * for page text, and its own PCRE2_CASELESS or PCRE2_MULTILINE), then
 * JIT-compiled when the CPU allows (an optimisation only: without it
 * matching still works). Every match runs in a context from
 * pw_regex_match_context(), bounded by the same limits everywhere: a
 * catastrophic pattern on a crafted page fails its match (an error the
 * caller treats as "no match") instead of running all night or
 * allocating without bound.
 */
#ifndef PREFWATCH_REGEX_H
#define PREFWATCH_REGEX_H

#include "common/common.h"

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

/* Backtracking steps of one match (pcre2_set_match_limit). */
#define PW_REGEX_MATCH_LIMIT 1000000u
/* Heap of one match, in KiB (pcre2_set_heap_limit): 32 MiB. */
#define PW_REGEX_HEAP_LIMIT_KIB 32768u

/* Why a pattern does not compile: PCRE2's message and where. */
struct pw_regex_error {
	char msg[256];
	size_t offset;
};

/* Compiles pattern with exactly flags, then JIT when available; *md (when
 * md is not NULL) gets a match-data block sized for it. Returns the code
 * (the caller frees it with pcre2_code_free, *md with
 * pcre2_match_data_free), or NULL with *err filled (err may be NULL).
 * Dies on out-of-memory. */
pcre2_code *pw_regex_compile(const char *pattern, uint32_t flags, pcre2_match_data **md,
			     struct pw_regex_error *err);
/* A match context with the limits above. Owned: pcre2_match_context_free.
 * Dies on out-of-memory. */
pcre2_match_context *pw_regex_match_context(void);

/* The next match of code in s[0..len) from start, under mctx: true with
 * *ov its offsets (md's). No match, a start past the end, or a match the
 * limits abandoned (logged at debug level, naming `what`) give false. */
bool pw_regex_next(pcre2_code *code, pcre2_match_data *md, pcre2_match_context *mctx,
		   const char *s, size_t len, size_t start, PCRE2_SIZE **ov, const char *what);

#endif
