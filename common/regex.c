/*
 * regex.c - compile-with-limits for PCRE2, declared in regex.h.
 */
#include "common/common.h"
#include "common/regex.h"

pcre2_code *pw_regex_compile(const char *pattern, uint32_t flags, pcre2_match_data **md,
			     struct pw_regex_error *err)
{
	int code = 0;
	PCRE2_SIZE off = 0;
	pcre2_code *re;

	if (md)
		*md = NULL;
	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, flags, &code, &off, NULL);
	if (!re) {
		if (code == PCRE2_ERROR_HEAP_FAILED)
			pw_die_oom("PCRE2 pattern");
		if (err) {
			if (pcre2_get_error_message(code, (PCRE2_UCHAR *)err->msg, sizeof(err->msg)) < 0)
				snprintf(err->msg, sizeof(err->msg), "error %d", code);
			err->offset = (size_t)off;
		}
		return NULL;
	}
	/* JIT is an optimisation: without it (unsupported CPU) matching still works. */
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	if (md) {
		*md = pcre2_match_data_create_from_pattern(re, NULL);
		if (!*md)
			pw_die_oom("PCRE2 match data");
	}
	return re;
}

pcre2_match_context *pw_regex_match_context(void)
{
	pcre2_match_context *m = pcre2_match_context_create(NULL);
	if (!m)
		pw_die_oom("PCRE2 match context");
	/* Subjects are untrusted page text: bound backtracking and memory. */
	pcre2_set_match_limit(m, PW_REGEX_MATCH_LIMIT);
	pcre2_set_heap_limit(m, PW_REGEX_HEAP_LIMIT_KIB);
	return m;
}

bool pw_regex_next(pcre2_code *code, pcre2_match_data *md, pcre2_match_context *mctx,
		   const char *s, size_t len, size_t start, PCRE2_SIZE **ov, const char *what)
{
	if (start > len)
		return false;
	int rc = pcre2_match(code, (PCRE2_SPTR)s, len, start, 0, md, mctx);
	if (rc < 0) {
		if (rc != PCRE2_ERROR_NOMATCH)
			log_debug("%s pattern abandoned on this text (pcre2 error %d)", what, rc);
		return false;
	}
	*ov = pcre2_get_ovector_pointer(md);
	return (*ov)[1] >= (*ov)[0];
}
