/*
 * evidence.h - what a page said, on which date, provably: WARC 1.1 files.
 *
 * The store keeps the HTTP exchange behind every version of a page or
 * document (request head sent, response head, body as served, address,
 * time). This module writes such exchanges as a standard WARC 1.1 file
 * (ISO 28500), the format web archives use, and reads one back to check
 * every digest:
 *
 *  - one gzip member per record (a .warc.gz any archive tool reads, each
 *    record seekable on its own);
 *  - a `warcinfo` record first, then per exchange a `request` and a
 *    `response` record (application/http), with WARC-Target-URI,
 *    WARC-Date, WARC-IP-Address, WARC-Concurrent-To linking the two,
 *    WARC-Block-Digest on every record and WARC-Payload-Digest on the
 *    response, as "sha256:" + 64 lowercase hex digits (the same form the
 *    reports quote);
 *  - the response block is the head as received and the body as served
 *    (still compressed where the server compressed it). libcurl undoes a
 *    chunked Transfer-Encoding before we see the body, so such a header
 *    is written as "X-Prefwatch-Transfer-Encoding" (what was received,
 *    under a name that tells readers the framing is gone).
 *
 * SHA-256 comes from OpenSSL's libcrypto (README.md, "Libraries").
 * Depends on common only: the caller reads the store and passes bytes.
 */
#ifndef PREFWATCH_EVIDENCE_H
#define PREFWATCH_EVIDENCE_H

#include "common/common.h"

/* 64 lowercase hex digits and the NUL */
#define EVIDENCE_SHA256_HEX 65

void evidence_sha256_hex(const void *data, size_t len, char out[EVIDENCE_SHA256_HEX]);

/* ---- writing ---- */

struct warc_writer;

/* Writes to out (borrowed, binary; the caller closes it). Records are
 * written as they are added; errors come back from each call. */
struct warc_writer *warc_writer_new(FILE *out);
void warc_writer_free(struct warc_writer *w);

/* The warcinfo record: filename (WARC-Filename, may be NULL) and extra
 * application/warc-fields lines ("name: value\r\n" each, may be NULL)
 * after the software and format lines. Call once, first. 0, or -1 with
 * *err (owned). */
int warc_write_warcinfo(struct warc_writer *w, const char *filename, const char *fields,
			char **err);

/* One HTTP exchange (borrowed). */
struct warc_exchange {
	const char *target_uri;
	time_t at;                 /* WARC-Date of both records */
	const char *ip;            /* WARC-IP-Address; NULL to omit */
	const char *request;       /* request line and headers, blank line included */
	size_t request_len;
	const char *response;      /* status line and headers, blank line included */
	size_t response_len;
	const char *body;          /* the body as served */
	size_t body_len;
	/* extra WARC header lines for both records ("Name: value\r\n" each),
	 * e.g. what the exchange proves; NULL for none */
	const char *extra;
};
/* A request and a response record. 0, or -1 with *err (owned). */
int warc_write_exchange(struct warc_writer *w, const struct warc_exchange *x, char **err);

/* ---- reading and verifying ---- */

/* One record as verify() saw it (borrowed for the callback). */
struct warc_record_check {
	size_t index;              /* 1-based */
	size_t offset;             /* of the record in the uncompressed stream */
	const char *type;          /* WARC-Type, "" if none */
	const char *target_uri;    /* NULL if none */
	const char *date;          /* WARC-Date, NULL if none */
	bool block_ok;             /* WARC-Block-Digest present and matching */
	bool payload_checked;      /* a WARC-Payload-Digest was there */
	bool payload_ok;
	const char *problem;       /* English, NULL when every digest matched */
};
typedef void (*warc_check_fn)(const struct warc_record_check *r, void *ctx);

struct warc_verify_counts {
	size_t records;
	size_t failed;             /* records with a missing, unknown or wrong digest */
};

/* Reads path (.warc.gz, one or many gzip members, or an uncompressed
 * .warc), calls fn (may be NULL) for every record and checks every
 * WARC-Block-Digest and WARC-Payload-Digest (sha256 or sha1, hex or
 * base32). A record without a block digest counts as failed: nothing
 * proves it. Returns 0 when the file could be read to its end (counts
 * tell whether every digest matched), -1 with *err (owned: the file, the
 * record and offset, the cause) when it is not a WARC file or is damaged
 * (truncated, bad gzip, a malformed record). */
int warc_verify(const char *path, warc_check_fn fn, void *ctx, struct warc_verify_counts *counts,
		char **err);

#endif
