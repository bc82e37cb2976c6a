/*
 * escape.c - str_escape_controls(): see escape.h for the why.
 */
#include "common/common.h"
#include "common/escape.h"

/* Code points that change how the text around them is shown. */
static bool is_hidden_control(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
	       (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
	       cp == 0x2028 || cp == 0x2029;
}

/* Length of the character at s (1 for a byte that is not UTF-8, then *bad),
 * its code point (or that byte) in *cp. */
static size_t next_unit(const unsigned char *s, size_t avail, uint32_t *cp, bool *bad)
{
	size_t n = utf8_seq_len(s, avail);
	*bad = n == 0;
	if (!n) {
		*cp = s[0];
		return 1;
	}
	*cp = utf8_decode(s, n);
	return n;
}

static bool needs_escape(uint32_t cp, bool bad)
{
	return bad || cp < 0x20 || cp == 0x7F || is_hidden_control(cp);
}

bool str_is_printable(const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t len = strlen((const char *)p);
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		bool bad;
		size_t n = next_unit(p + i, len - i, &cp, &bad);
		if (needs_escape(cp, bad))
			return false;
		i += n;
	}
	return true;
}

char *str_escape_controls(const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t len = strlen((const char *)p);
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		bool bad;
		size_t n = next_unit(p + i, len - i, &cp, &bad);
		if (!needs_escape(cp, bad))
			buf_add(&b, p + i, n);
		else if (cp == '\r')
			buf_addstr(&b, "\\r");
		else if (cp == '\n')
			buf_addstr(&b, "\\n");
		else if (cp == '\t')
			buf_addstr(&b, "\\t");
		else if (bad || cp < 0x80)
			buf_printf(&b, "\\x%02x", (unsigned)cp);
		else
			buf_printf(&b, "\\u%04X", (unsigned)cp);
		i += n;
	}
	return buf_detach(&b, NULL);
}
