/*
 * charset.c - decode a fetched body to valid UTF-8.
 *
 * Préfecture pages are mostly UTF-8, but older CMSs still serve
 * ISO-8859-1 or Windows-1252, sometimes mislabelled. The label is looked
 * for where browsers look for it (WHATWG "encoding sniffing", simplified):
 *
 *   1. a byte order mark (UTF-8, UTF-16LE, UTF-16BE): it is the only
 *      unambiguous in-band signal, and browsers let it win over labels;
 *   2. the charset parameter of the HTTP Content-Type;
 *   3. <meta charset> or <meta http-equiv content="...; charset=..."> in
 *      the first META_SCAN bytes;
 *   4. none: UTF-8 when the bytes are valid UTF-8, else Windows-1252.
 *
 * As in browsers, ISO-8859-1, ASCII and Windows-1252 labels all mean
 * Windows-1252 (C1-range bytes are typographic quotes, œ, €...), decoded
 * by a built-in table; other labels go through iconv. A page labelled
 * UTF-8 whose non-ASCII bytes are *all* invalid UTF-8 is a legacy page with
 * a wrong label and is decoded as Windows-1252; one with only some invalid
 * sequences keeps its label and gets U+FFFD for them. The output is always
 * valid UTF-8, without BOM and without NUL bytes (dropped: the text is
 * handled as C strings downstream).
 */
#include "common/common.h"
#include "crawler/crawler.h"

#include <ctype.h>
#include <iconv.h>
#include <strings.h>

#define META_SCAN 4096

/* Windows-1252 0x80..0x9F; the five undefined bytes map to the C1 control
 * of the same value, as in the WHATWG index. */
static const uint16_t cp1252_c1[32] = {
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
	0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

static void put_cp(struct buf *out, uint32_t cp)
{
	char s[4];
	size_t n;
	if (cp == 0)
		return;
	if (cp < 0x80) {
		s[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		s[0] = (char)(0xC0 | (cp >> 6));
		s[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		s[0] = (char)(0xE0 | (cp >> 12));
		s[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		s[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		s[0] = (char)(0xF0 | (cp >> 18));
		s[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		s[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		s[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	/* output is at most 3x the input, below the uncapped buffer limit */
	buf_add(out, s, n);
}

/* Length of the run of ASCII bytes other than NUL at p: copied in one go,
 * since pages are mostly ASCII markup. */
static size_t ascii_run(const unsigned char *p, size_t len)
{
	size_t i = 0;
	while (i < len && p[i] < 0x80 && p[i] != 0)
		i++;
	return i;
}

static void decode_cp1252(const unsigned char *p, size_t len, struct buf *out)
{
	size_t i = 0;
	while (i < len) {
		size_t run = ascii_run(p + i, len - i);
		if (run) {
			buf_add(out, p + i, run);
			i += run;
			continue;
		}
		unsigned char c = p[i++];
		if (c >= 0x80 && c < 0xA0)
			put_cp(out, cp1252_c1[c - 0x80]);
		else
			put_cp(out, c);    /* NUL is dropped by put_cp */
	}
}

static void decode_utf8(const unsigned char *p, size_t len, struct buf *out)
{
	size_t i = 0;
	while (i < len) {
		/* longest run of valid sequences without NUL */
		size_t start = i;
		for (;;) {
			i += ascii_run(p + i, len - i);
			if (i >= len || p[i] < 0x80)
				break;
			size_t n = utf8_seq_len(p + i, len - i);
			if (!n)
				break;
			i += n;
		}
		if (i > start)
			buf_add(out, p + start, i - start);
		if (i >= len)
			break;
		if (p[i] == 0)
			i++;
		else {
			put_cp(out, 0xFFFD);
			i++;
		}
	}
}

/* True when the body has non-ASCII bytes but not one valid multi-byte
 * UTF-8 sequence: a legacy 8-bit page, whatever its label says. */
static bool utf8_all_invalid(const unsigned char *p, size_t len)
{
	bool any_high = false;
	size_t i = 0;
	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		any_high = true;
		size_t n = utf8_seq_len(p + i, len - i);
		if (n > 1)
			return false;
		i++;
	}
	return any_high;
}

/* Converts with iconv, U+FFFD for each undecodable byte. -1 if iconv
 * does not know the charset. */
static int decode_iconv(const char *charset, const char *body, size_t len, struct buf *out)
{
	iconv_t cd = iconv_open("UTF-8", charset);
	if (cd == (iconv_t)-1)
		return -1;
	char tmp[8192];
	char *in = (char *)body;
	size_t inleft = len;
	while (inleft > 0) {
		char *o = tmp;
		size_t oleft = sizeof(tmp);
		size_t r = iconv(cd, &in, &inleft, &o, &oleft);
		int e = errno;
		/* iconv output is valid UTF-8; decode_utf8 only drops NULs */
		decode_utf8((unsigned char *)tmp, (size_t)(o - tmp), out);
		if (r != (size_t)-1)
			break;
		if (e == E2BIG)
			continue;
		/* EILSEQ or EINVAL (truncated at the end): skip one byte */
		put_cp(out, 0xFFFD);
		in++;
		inleft--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	iconv_close(cd);
	return 0;
}

/* Copies a charset label (token, possibly quoted) at s into out,
 * lower-cased; returns false if empty or too long. */
static bool copy_label(const char *s, const char *end, char *out, size_t outsz)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s < end && (*s == '"' || *s == '\''))
		s++;
	size_t n = 0;
	while (s < end && (isalnum((unsigned char)*s) || strchr("-_.:()", *s))) {
		if (n + 1 >= outsz)
			return false;
		out[n++] = (char)tolower((unsigned char)*s);
		s++;
	}
	out[n] = '\0';
	return n > 0;
}

static const char *memcasemem(const char *hay, size_t hlen, const char *needle)
{
	size_t nlen = strlen(needle);
	for (size_t i = 0; i + nlen <= hlen; i++)
		if (!strncasecmp(hay + i, needle, nlen))
			return hay + i;
	return NULL;
}

/* "charset=" parameter of a Content-Type (or of a meta content). */
static bool label_from_content_type(const char *ct, size_t len, char *out, size_t outsz)
{
	const char *end = ct + len;
	const char *p = ct;
	while ((p = memcasemem(p, (size_t)(end - p), "charset")) != NULL) {
		p += 7;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p < end && *p == '=')
			return copy_label(p + 1, end, out, outsz);
	}
	return false;
}

/* <meta charset=x> or <meta http-equiv=Content-Type content="...charset=x">
 * in the first META_SCAN bytes. Both carry the word "charset" inside the
 * tag, followed by '=' then the label. */
static bool label_from_meta(const char *body, size_t len, char *out, size_t outsz)
{
	size_t scan = len < META_SCAN ? len : META_SCAN;
	const char *end = body + scan;
	const char *p = body;
	while ((p = memcasemem(p, (size_t)(end - p), "<meta")) != NULL) {
		const char *gt = memchr(p, '>', (size_t)(end - p));
		const char *tag_end = gt ? gt : end;
		if (label_from_content_type(p + 5, (size_t)(tag_end - p - 5), out, outsz))
			return true;
		p = tag_end;
	}
	return false;
}

enum cs_kind { CS_UTF8, CS_CP1252, CS_UTF16LE, CS_UTF16BE, CS_OTHER };

static enum cs_kind classify_label(const char *label)
{
	static const char *const latin1[] = {
		"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1", "cp819", "ibm819",
		"iso-ir-100", "windows-1252", "cp1252", "x-cp1252", "us-ascii", "ascii",
		"ansi_x3.4-1968", "iso_8859-1:1987", "csisolatin1",
	};
	if (!strcmp(label, "utf-8") || !strcmp(label, "utf8") || !strcmp(label, "unicode-1-1-utf-8"))
		return CS_UTF8;
	for (size_t i = 0; i < PW_ARRAY_SIZE(latin1); i++)
		if (!strcmp(label, latin1[i]))
			return CS_CP1252;
	if (!strcmp(label, "utf-16le") || !strcmp(label, "utf-16"))
		return CS_UTF16LE;
	if (!strcmp(label, "utf-16be"))
		return CS_UTF16BE;
	return CS_OTHER;
}

/* The encoding of body: its byte order mark (*bom: the mark's length,
 * else 0), else the HTTP label, else a meta label (copied into label),
 * else sniffed. */
/* a charset label's longest useful form, NUL included */
#define LABEL_MAX 64

static enum cs_kind detect(const char *body, size_t len, const char *content_type,
			   char label[LABEL_MAX], size_t *bom)
{
	const unsigned char *p = (const unsigned char *)body;
	bool have_label = false;

	*bom = 0;
	if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
		*bom = 3;
		return CS_UTF8;
	}
	if (len >= 2 && p[0] == 0xFF && p[1] == 0xFE) {
		*bom = 2;
		return CS_UTF16LE;
	}
	if (len >= 2 && p[0] == 0xFE && p[1] == 0xFF) {
		*bom = 2;
		return CS_UTF16BE;
	}
	if (content_type && label_from_content_type(content_type, strlen(content_type),
						    label, LABEL_MAX))
		have_label = true;
	else if (label_from_meta(body, len, label, LABEL_MAX)) {
		have_label = true;
		/* a meta tag readable as ASCII cannot be in UTF-16 (WHATWG) */
		if (!strncmp(label, "utf-16", 6))
			snprintf(label, LABEL_MAX, "utf-8");
	}
	if (!have_label)
		return utf8_valid(body, len) ? CS_UTF8 : CS_CP1252;
	enum cs_kind kind = classify_label(label);
	if (kind == CS_UTF8 && utf8_all_invalid(p, len))
		kind = CS_CP1252;
	return kind;
}

/* Decodes p[0..len) as kind into out; the name of the encoding used. */
static const char *decode_as(enum cs_kind kind, const char *label, const unsigned char *p,
			     size_t len, struct buf *out)
{
	switch (kind) {
	case CS_UTF8:
		decode_utf8(p, len, out);
		return "utf-8";
	case CS_CP1252:
		decode_cp1252(p, len, out);
		return "windows-1252";
	case CS_UTF16LE:
	case CS_UTF16BE:
		if (decode_iconv(kind == CS_UTF16LE ? "UTF-16LE" : "UTF-16BE",
				 (const char *)p, len, out) < 0)
			decode_cp1252(p, len, out);
		return kind == CS_UTF16LE ? "utf-16le" : "utf-16be";
	case CS_OTHER:
		break;
	}
	if (decode_iconv(label, (const char *)p, len, out) == 0)
		return label;
	/* unknown label: sniff as if there were none */
	buf_reset(out);
	return decode_as(utf8_valid((const char *)p, len) ? CS_UTF8 : CS_CP1252, label, p, len, out);
}

char *charset_to_utf8(const char *body, size_t len, const char *content_type,
		      size_t *out_len, char **charset_out)
{
	struct buf out = BUF_INIT;
	char label[LABEL_MAX] = "";
	size_t bom;

	if (!body)
		len = 0;
	enum cs_kind kind = detect(body, len, content_type, label, &bom);
	const unsigned char *p = body ? (const unsigned char *)body + bom : (const unsigned char *)"";
	const char *used = decode_as(kind, label, p, len - bom, &out);
	if (charset_out)
		*charset_out = xstrdup(used);
	return buf_detach(&out, out_len);
}
