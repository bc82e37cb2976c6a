/*
 * warc.c - WARC 1.1 writer and verifier (evidence.h).
 *
 * Files are small (a change's two exchanges, a page's history: a few MB),
 * so the verifier reads a whole file into memory, capped, and the writer
 * builds each record in memory before compressing it as one gzip member.
 * Everything read is untrusted: every length is checked against what is
 * left, every buffer is capped.
 */
#include "common/common.h"
#include "evidence/evidence.h"

#include <ctype.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zlib.h>

/* a WARC we verify: compressed file and uncompressed stream */
#define WARC_FILE_MAX ((size_t)1024 * 1024 * 1024)
#define WARC_STREAM_MAX ((size_t)2 * 1024 * 1024 * 1024)
#define WARC_HEAD_MAX ((size_t)64 * 1024)
#define RECORD_ID_LEN 48   /* "<urn:uuid:" 36 ">" NUL */

struct warc_writer {
	FILE *out;
	char warcinfo_id[RECORD_ID_LEN];
	unsigned counter;
};

/* ---- digests ---- */

static void digest(const EVP_MD *md, const void *data, size_t len, unsigned char *out,
		   unsigned *out_len)
{
	if (!EVP_Digest(data, len, out, out_len, md, NULL)) {
		/* only out of memory inside libcrypto */
		fprintf(stderr, "prefwatch: fatal: libcrypto digest failed\n");
		abort();
	}
}

void evidence_sha256_hex(const void *data, size_t len, char out[EVIDENCE_SHA256_HEX])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	digest(EVP_sha256(), data, len, md, &n);
	for (unsigned i = 0; i < n && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = '\0';
}

/* ---- writing ---- */

/* A version 4 UUID from the kernel's random source; if that fails (no
 * getrandom, a seccomp filter), from the time, the pid and a counter,
 * hashed: unique enough for record ids, which need no secrecy. */
static void record_id(struct warc_writer *w, char out[RECORD_ID_LEN])
{
	unsigned char r[32];
	if (getrandom(r, 16, 0) != 16) {
		struct timespec ts;
		char seed[96];
		clock_gettime(CLOCK_REALTIME, &ts);
		int n = snprintf(seed, sizeof(seed), "%lld.%ld.%ld.%u", (long long)ts.tv_sec,
				 ts.tv_nsec, (long)getpid(), w->counter);
		unsigned len = 0;
		digest(EVP_sha256(), seed, (size_t)n, r, &len);
	}
	w->counter++;
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
	snprintf(out, RECORD_ID_LEN,
		 "<urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x>",
		 r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12],
		 r[13], r[14], r[15]);
}

struct warc_writer *warc_writer_new(FILE *out)
{
	struct warc_writer *w = xcalloc(1, sizeof(*w));
	w->out = out;
	return w;
}

void warc_writer_free(struct warc_writer *w)
{
	free(w);
}

/* A header value goes on one line: no CR, LF or other control. */
static bool header_safe(const char *v)
{
	for (; v && *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			return false;
	return true;
}

static void labelled_sha256(const void *data, size_t len, char out[8 + EVIDENCE_SHA256_HEX])
{
	memcpy(out, "sha256:", 7);
	evidence_sha256_hex(data, len, out + 7);
}

/* Writes "WARC/1.1", the header lines of head, Content-Length, the block
 * and the record end, as one gzip member. */
static int write_record(struct warc_writer *w, const struct buf *head, const char *block,
			size_t block_len, char **err)
{
	struct buf rec = BUF_INIT;
	unsigned char *z = NULL;
	z_stream zs;
	int ret = -1;
	bool zinit = false;

	buf_init(&rec, 0);
	if (buf_addstr(&rec, "WARC/1.1\r\n") < 0 || buf_add(&rec, head->ptr, head->len) < 0 ||
	    buf_printf(&rec, "Content-Length: %zu\r\n\r\n", block_len) < 0 ||
	    buf_add(&rec, block, block_len) < 0 || buf_addstr(&rec, "\r\n\r\n") < 0) {
		*err = xstrdup("record too large");
		goto cleanup;
	}
	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		*err = xstrdup("cannot initialise zlib");
		goto cleanup;
	}
	zinit = true;
	if (rec.len > UINT_MAX) {
		*err = xstrdup("record too large");
		goto cleanup;
	}
	uLong bound = deflateBound(&zs, (uLong)rec.len);
	z = xmalloc(bound);
	zs.next_in = (Bytef *)rec.ptr;
	zs.avail_in = (uInt)rec.len;
	zs.next_out = z;
	zs.avail_out = (uInt)bound;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
		*err = xstrdup("cannot compress record");
		goto cleanup;
	}
	if (fwrite(z, 1, zs.total_out, w->out) != zs.total_out) {
		*err = xasprintf("cannot write: %s", strerror(errno));
		goto cleanup;
	}
	ret = 0;
cleanup:
	if (zinit)
		deflateEnd(&zs);
	free(z);
	buf_release(&rec);
	return ret;
}

int warc_write_warcinfo(struct warc_writer *w, const char *filename, const char *fields,
			char **err)
{
	struct buf head = BUF_INIT, block = BUF_INIT;
	char date[21], dg[8 + EVIDENCE_SHA256_HEX];
	int ret = -1;

	if (!header_safe(filename)) {
		*err = xstrdup("file name holds control characters");
		return -1;
	}
	buf_init(&head, 0);
	buf_init(&block, 0);
	buf_printf(&block, "software: prefwatch/%s\r\n"
		   "format: WARC File Format 1.1\r\n"
		   "conformsTo: http://iipc.github.io/warc-specifications/specifications/"
		   "warc-format/warc-1.1/\r\n", PREFWATCH_VERSION);
	if (fields)
		buf_addstr(&block, fields);
	record_id(w, w->warcinfo_id);
	pw_time_iso(time(NULL), date);
	labelled_sha256(block.ptr, block.len, dg);
	buf_printf(&head, "WARC-Type: warcinfo\r\nWARC-Record-ID: %s\r\nWARC-Date: %s\r\n",
		   w->warcinfo_id, date);
	if (filename)
		buf_printf(&head, "WARC-Filename: %s\r\n", filename);
	buf_printf(&head, "Content-Type: application/warc-fields\r\nWARC-Block-Digest: %s\r\n", dg);
	ret = write_record(w, &head, block.ptr, block.len, err);
	buf_release(&head);
	buf_release(&block);
	return ret;
}

/* The response head as written: a Transfer-Encoding header renamed, since
 * the body that follows has lost that framing (libcurl removed it). */
static void response_head(const char *h, size_t len, struct buf *out)
{
	static const char te[] = "transfer-encoding:";
	size_t i = 0;
	while (i < len) {
		const char *nl = memchr(h + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - h) + 1 : len;
		if (end - i > sizeof(te) - 1 && !strncasecmp(h + i, te, sizeof(te) - 1))
			buf_addstr(out, "X-Prefwatch-");
		buf_add(out, h + i, end - i);
		i = end;
	}
}

int warc_write_exchange(struct warc_writer *w, const struct warc_exchange *x, char **err)
{
	struct buf head = BUF_INIT, block = BUF_INIT;
	char date[21], resp_id[RECORD_ID_LEN], req_id[RECORD_ID_LEN];
	char block_dg[8 + EVIDENCE_SHA256_HEX], payload_dg[8 + EVIDENCE_SHA256_HEX];
	int ret = -1;

	if (!x->target_uri || !header_safe(x->target_uri) || !header_safe(x->ip)) {
		*err = xasprintf("exchange of '%s': target or address is not a header value",
				 x->target_uri ? x->target_uri : "");
		return -1;
	}
	buf_init(&head, 0);
	buf_init(&block, 0);
	pw_time_iso(x->at, date);
	record_id(w, resp_id);
	record_id(w, req_id);

	/* response first: the request names it as concurrent */
	response_head(x->response, x->response_len, &block);
	buf_add(&block, x->body, x->body_len);
	if (block.toobig) {
		*err = xasprintf("exchange of '%s' too large", x->target_uri);
		goto cleanup;
	}
	labelled_sha256(block.ptr, block.len, block_dg);
	labelled_sha256(x->body, x->body_len, payload_dg);
	buf_printf(&head, "WARC-Type: response\r\nWARC-Record-ID: %s\r\n", resp_id);
	if (w->warcinfo_id[0])
		buf_printf(&head, "WARC-Warcinfo-ID: %s\r\n", w->warcinfo_id);
	buf_printf(&head, "WARC-Date: %s\r\nWARC-Target-URI: %s\r\n", date, x->target_uri);
	if (x->ip && *x->ip)
		buf_printf(&head, "WARC-IP-Address: %s\r\n", x->ip);
	buf_printf(&head, "Content-Type: application/http;msgtype=response\r\n"
		   "WARC-Block-Digest: %s\r\nWARC-Payload-Digest: %s\r\n", block_dg, payload_dg);
	if (x->extra)
		buf_addstr(&head, x->extra);
	if (write_record(w, &head, block.ptr, block.len, err) < 0)
		goto cleanup;

	buf_reset(&head);
	labelled_sha256(x->request, x->request_len, block_dg);
	buf_printf(&head, "WARC-Type: request\r\nWARC-Record-ID: %s\r\n", req_id);
	if (w->warcinfo_id[0])
		buf_printf(&head, "WARC-Warcinfo-ID: %s\r\n", w->warcinfo_id);
	buf_printf(&head, "WARC-Concurrent-To: %s\r\nWARC-Date: %s\r\nWARC-Target-URI: %s\r\n",
		   resp_id, date, x->target_uri);
	if (x->ip && *x->ip)
		buf_printf(&head, "WARC-IP-Address: %s\r\n", x->ip);
	buf_printf(&head, "Content-Type: application/http;msgtype=request\r\n"
		   "WARC-Block-Digest: %s\r\n", block_dg);
	if (x->extra)
		buf_addstr(&head, x->extra);
	ret = write_record(w, &head, x->request, x->request_len, err);
cleanup:
	buf_release(&head);
	buf_release(&block);
	return ret;
}

/* ---- reading ---- */

static int read_file(const char *path, struct buf *out, char **err)
{
	char chunk[65536];
	FILE *f = fopen(path, "rb");
	int ret = -1;
	if (!f) {
		*err = xasprintf("cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	buf_init(out, WARC_FILE_MAX);
	for (;;) {
		size_t n = fread(chunk, 1, sizeof(chunk), f);
		if (n && buf_add(out, chunk, n) < 0) {
			*err = xasprintf("'%s': larger than %zu bytes", path, WARC_FILE_MAX);
			goto cleanup;
		}
		if (n < sizeof(chunk))
			break;
	}
	if (ferror(f)) {
		*err = xasprintf("cannot read '%s': %s", path, strerror(errno));
		goto cleanup;
	}
	ret = 0;
cleanup:
	fclose(f);
	return ret;
}

/* Inflates every gzip member of in, one after the other. */
static int gunzip_all(const char *path, const struct buf *in, struct buf *out, char **err)
{
	char chunk[65536];
	z_stream zs;
	int ret = -1;

	memset(&zs, 0, sizeof(zs));
	buf_init(out, WARC_STREAM_MAX);
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
		*err = xstrdup("cannot initialise zlib");
		return -1;
	}
	zs.next_in = (Bytef *)in->ptr;
	size_t left = in->len;
	for (;;) {
		uInt feed = left > UINT_MAX ? UINT_MAX : (uInt)left;
		zs.avail_in = feed;
		zs.next_out = (Bytef *)chunk;
		zs.avail_out = sizeof(chunk);
		int zrc = inflate(&zs, Z_NO_FLUSH);
		left -= feed - zs.avail_in;
		if (buf_add(out, chunk, sizeof(chunk) - zs.avail_out) < 0) {
			*err = xasprintf("'%s': more than %zu bytes once uncompressed", path,
					 WARC_STREAM_MAX);
			goto cleanup;
		}
		if (zrc == Z_STREAM_END) {
			if (!left)
				break;
			inflateReset(&zs);
			continue;
		}
		if (zrc == Z_BUF_ERROR && !left && zs.avail_out) {
			*err = xasprintf("'%s': truncated gzip data (at compressed byte %zu)", path,
					 in->len);
			goto cleanup;
		}
		if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
			*err = xasprintf("'%s': corrupt gzip data near compressed byte %zu: %s", path,
					 in->len - left, zs.msg ? zs.msg : "inflate error");
			goto cleanup;
		}
	}
	ret = 0;
cleanup:
	inflateEnd(&zs);
	return ret;
}

static const char *find_crlf2(const char *p, size_t len)
{
	for (size_t i = 0; i + 3 < len; i++)
		if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n')
			return p + i;
	return NULL;
}

/* The value of header name in the header block h (owned copy, or NULL). */
static char *header_get(const char *h, size_t len, const char *name)
{
	size_t n = strlen(name), i = 0;
	while (i < len) {
		const char *nl = memchr(h + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - h) : len;
		size_t line = end - i;
		if (line > n && h[i + n] == ':' && !strncasecmp(h + i, name, n)) {
			size_t a = i + n + 1, b = end;
			while (a < b && (h[a] == ' ' || h[a] == '\t'))
				a++;
			while (b > a && (h[b - 1] == '\r' || h[b - 1] == ' ' || h[b - 1] == '\t'))
				b--;
			return xstrndup(h + a, b - a);
		}
		i = end + 1;
	}
	return NULL;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes a digest value, hex or base32 (RFC 4648, padding optional),
 * into out of exactly want bytes: false if it is neither. */
static bool digest_decode(const char *v, unsigned char *out, unsigned want)
{
	size_t len = strlen(v);
	if (len == 2 * (size_t)want) {
		bool hex = true;
		for (unsigned i = 0; i < want && hex; i++) {
			int a = hexval((unsigned char)v[2 * i]), b = hexval((unsigned char)v[2 * i + 1]);
			if (a < 0 || b < 0)
				hex = false;
			else
				out[i] = (unsigned char)(a << 4 | b);
		}
		if (hex)
			return true;
	}
	while (len && v[len - 1] == '=')
		len--;
	if (len != ((size_t)want * 8 + 4) / 5)
		return false;
	uint64_t acc = 0;
	unsigned bits = 0, o = 0;
	for (size_t i = 0; i < len; i++) {
		int c = toupper((unsigned char)v[i]), d;
		if (c >= 'A' && c <= 'Z')
			d = c - 'A';
		else if (c >= '2' && c <= '7')
			d = c - '2' + 26;
		else
			return false;
		acc = acc << 5 | (uint64_t)d;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (o < want)
				out[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return o == want;
}

/* 1 when labelled ("sha256:...") is the digest of data, 0 when it is not,
 * -1 when the label or the encoding is unknown (*why set). */
static int digest_matches(const char *labelled, const void *data, size_t len, const char **why)
{
	const char *colon = strchr(labelled, ':');
	const EVP_MD *md = NULL;
	unsigned char want[EVP_MAX_MD_SIZE], got[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	if (colon && (size_t)(colon - labelled) == 6 && !strncasecmp(labelled, "sha256", 6))
		md = EVP_sha256();
	else if (colon && (size_t)(colon - labelled) == 4 && !strncasecmp(labelled, "sha1", 4))
		md = EVP_sha1();
	else if (colon && (size_t)(colon - labelled) == 5 && !strncasecmp(labelled, "sha-1", 5))
		md = EVP_sha1();
	if (!md) {
		*why = "unknown digest algorithm";
		return -1;
	}
	if (!digest_decode(colon + 1, want, (unsigned)EVP_MD_get_size(md))) {
		*why = "digest value is neither hex nor base32 of the right length";
		return -1;
	}
	digest(md, data, len, got, &n);
	return !memcmp(want, got, n);
}

/* Checks one record's digests; fills r (problem is a static string or
 * points into prob). */
static void check_record(const char *h, size_t hlen, const char *block, size_t blen,
			 struct warc_record_check *r, char *prob, size_t prob_size)
{
	char *bd = header_get(h, hlen, "WARC-Block-Digest");
	char *pd = header_get(h, hlen, "WARC-Payload-Digest");
	const char *why = NULL;

	r->problem = NULL;
	if (!bd) {
		r->problem = "no WARC-Block-Digest: nothing proves this record";
	} else {
		int m = digest_matches(bd, block, blen, &why);
		r->block_ok = m == 1;
		if (m < 0) {
			snprintf(prob, prob_size, "WARC-Block-Digest '%s': %s", bd, why);
			r->problem = prob;
		} else if (!m) {
			snprintf(prob, prob_size, "block digest does not match (recorded %s)", bd);
			r->problem = prob;
		}
	}
	if (pd) {
		r->payload_checked = true;
		const char *end = find_crlf2(block, blen);
		if (!end) {
			if (!r->problem)
				r->problem = "WARC-Payload-Digest but no HTTP head in the block";
		} else {
			size_t off = (size_t)(end - block) + 4;
			int m = digest_matches(pd, block + off, blen - off, &why);
			r->payload_ok = m == 1;
			if (m < 0 && !r->problem) {
				snprintf(prob, prob_size, "WARC-Payload-Digest '%s': %s", pd, why);
				r->problem = prob;
			} else if (!m && !r->problem) {
				snprintf(prob, prob_size, "payload digest does not match (recorded %s)",
					 pd);
				r->problem = prob;
			}
		}
	}
	free(bd);
	free(pd);
}

int warc_verify(const char *path, warc_check_fn fn, void *ctx, struct warc_verify_counts *counts,
		char **err)
{
	struct buf file = BUF_INIT, plain = BUF_INIT;
	const struct buf *s;
	char prob[512];
	int ret = -1;

	memset(counts, 0, sizeof(*counts));
	if (read_file(path, &file, err) < 0)
		goto cleanup;
	if (file.len >= 2 && (unsigned char)file.ptr[0] == 0x1f && (unsigned char)file.ptr[1] == 0x8b) {
		if (gunzip_all(path, &file, &plain, err) < 0)
			goto cleanup;
		s = &plain;
	} else {
		s = &file;
	}
	if (s->len == 0) {
		*err = xasprintf("'%s': empty file, not a WARC file", path);
		goto cleanup;
	}

	size_t pos = 0;
	while (pos < s->len) {
		const char *p = s->ptr + pos;
		size_t left = s->len - pos;
		size_t idx = counts->records + 1;
		if (left < 10 || (memcmp(p, "WARC/1.0\r\n", 10) && memcmp(p, "WARC/1.1\r\n", 10))) {
			*err = xasprintf("'%s': record %zu at offset %zu: %s", path, idx, pos,
					 idx == 1 ? "not a WARC file (no WARC/1.0 or WARC/1.1 line)"
						  : "no WARC/1.x line where the record should start");
			goto cleanup;
		}
		const char *hend = find_crlf2(p, left < WARC_HEAD_MAX ? left : WARC_HEAD_MAX);
		if (!hend) {
			*err = xasprintf("'%s': record %zu at offset %zu: header not terminated "
					 "(truncated file?)", path, idx, pos);
			goto cleanup;
		}
		size_t hlen = (size_t)(hend - p) + 2;
		char *cl = header_get(p, hlen, "Content-Length");
		char *type = header_get(p, hlen, "WARC-Type");
		char *uri = header_get(p, hlen, "WARC-Target-URI");
		char *date = header_get(p, hlen, "WARC-Date");
		char *endp = NULL;
		errno = 0;
		unsigned long long blen = cl && *cl ? strtoull(cl, &endp, 10) : 0;
		bool bad_len = !cl || !*cl || !endp || *endp || errno || cl[0] == '-';
		size_t boff = hlen + 2;
		const char *why = NULL;
		if (bad_len)
			why = "missing or invalid Content-Length";
		else if (blen > left - boff || left - boff - blen < 4)
			why = "block shorter than its Content-Length (truncated file?)";
		else if (memcmp(p + boff + blen, "\r\n\r\n", 4))
			why = "record not ended by CRLF CRLF after its Content-Length";
		if (why) {
			*err = xasprintf("'%s': record %zu at offset %zu: %s", path, idx, pos, why);
			free(cl);
			free(type);
			free(uri);
			free(date);
			goto cleanup;
		}
		struct warc_record_check r = {
			.index = idx,
			.offset = pos,
			.type = type ? type : "",
			.target_uri = uri,
			.date = date,
		};
		check_record(p, hlen, p + boff, (size_t)blen, &r, prob, sizeof(prob));
		counts->records++;
		if (r.problem)
			counts->failed++;
		if (fn)
			fn(&r, ctx);
		free(cl);
		free(type);
		free(uri);
		free(date);
		pos += boff + (size_t)blen + 4;
	}
	ret = 0;
cleanup:
	buf_release(&file);
	buf_release(&plain);
	return ret;
}
