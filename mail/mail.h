/*
 * mail.h - delivers a run's report to the editors by e-mail.
 *
 * A message is multipart/alternative (the text report and, when given, the
 * HTML report), UTF-8, quoted-printable, with a French subject encoded per
 * RFC 2047 and the headers a robot's mail should carry (Date, Message-ID,
 * From, To, MIME-Version, Auto-Submitted: auto-generated).
 *
 * Two ways out:
 *  - SMTP through libcurl (smtp:// with STARTTLS required or opportunistic,
 *    or smtps://), the message built with libcurl's MIME API. TLS
 *    certificates are always verified. Credentials come from the
 *    environment (PREFWATCH_SMTP_USER / PREFWATCH_SMTP_PASSWORD) or from a
 *    netrc file, never from the URL, never go in clear text unless
 *    allow_plaintext_auth says so, and never appear in a log line or an
 *    error message (libcurl's trace is read by a callback, never printed).
 *  - a local sendmail(8): mail_format()'s output piped to
 *    "SENDMAIL -t -oi" (common/spawn.h: no shell, bounded by the timeout).
 *
 * The caller should have called curl_global_init() once, as for the
 * crawler. Nothing here keeps state between calls.
 */
#ifndef PREFWATCH_MAIL_H
#define PREFWATCH_MAIL_H

#include "common/common.h"

/* Environment variables read by mail_send() for SMTP authentication. */
#define MAIL_ENV_USER     "PREFWATCH_SMTP_USER"
#define MAIL_ENV_PASSWORD "PREFWATCH_SMTP_PASSWORD"

/* Default for mail_config.timeout (seconds, whole SMTP transaction or
 * sendmail run). */
#define MAIL_DEFAULT_TIMEOUT 60L

/* Everything is borrowed for the duration of the call. Addresses are
 * either "user@example.org" or "Display Name <user@example.org>": the
 * address itself printable ASCII, the display name UTF-8 (at most 200
 * bytes, without '"' or backslash). Zero-initialise it: fields added later
 * default to 0. */
struct mail_config {
	const char *smtp_url;       /* "smtp://host[:port]" or "smtps://host[:port]";
	                               a user name may be in it, a password may not */
	const char *from;
	const struct strvec *to;    /* at least one */
	bool require_tls;           /* smtp://: STARTTLS required (else tried) */
	const char *sendmail;       /* path of sendmail(8), or NULL to use SMTP */
	bool use_netrc;             /* look for credentials in a netrc file */
	const char *netrc_file;     /* NULL: libcurl's default, ~/.netrc */
	long timeout;               /* seconds; <= 0 means MAIL_DEFAULT_TIMEOUT;
	                               bounds the SMTP transaction or the sendmail run */
	const char *ca_file;        /* PEM CA bundle to verify the server with, for a
	                               private CA; NULL: the system's trust store */
	bool allow_plaintext_auth;  /* smtp://: when credentials would be sent (from
	                               the environment, the URL's user name or a netrc
	                               entry for the host), STARTTLS is required unless
	                               this is set; then tried, and AUTH may go in clear */
};

/* Borrowed too. text and subject are required, html is optional (NULL:
 * the text alone; by SMTP, libcurl wraps it in a one-part multipart/mixed);
 * all three must be valid UTF-8, the subject at most 500 bytes. Line ends in
 * text and html may be "\n" or "\r\n". */
struct mail_message {
	const char *subject;        /* e.g. "[prefwatch] Hauts-de-France : 2 modalités modifiées" */
	const char *text;
	const char *html;
	time_t date;                /* Date header; 0 means now */
};

/* Checks what can be checked before a run: the URL scheme (smtp or smtps,
 * no password in it) unless sendmail is set, an absolute sendmail path, the
 * From and To addresses. Returns 0, or -1 with *err set (owned by the
 * caller; free it). Cheap, no I/O except stat() of the sendmail path. */
int mail_config_check(const struct mail_config *cfg, char **err);

/* mail_send()'s result when the SMTP server refused the message itself
 * with a permanent (5xx) reply to MAIL, RCPT or DATA: sending it again
 * will get the same answer. */
#define MAIL_REFUSED (-2)

/* Sends msg by SMTP, or through cfg->sendmail when set. Returns 0 once the
 * server (or sendmail) accepted the message for every recipient, -1
 * (MAIL_REFUSED for a permanent refusal) otherwise with *err set (owned by
 * the caller): a lower-case one-line reason naming the server as
 * host:port, with the server's own last reply when it sent one, never a
 * credential. Nothing is retried here: the caller keeps the report as
 * unsent. */
int mail_send(const struct mail_config *cfg, const struct mail_message *msg, char **err);

/* The whole RFC 5322 message (headers, blank line, MIME body) with CRLF
 * line ends; mail_send() gives sendmail the same with LF line ends. Owned
 * by the caller; NULL when cfg or msg is invalid (mail_format_err() says
 * why). Each call makes a new Message-ID. */
char *mail_format(const struct mail_config *cfg, const struct mail_message *msg);

/* Same as mail_format(), with the reason on failure (*err owned). */
char *mail_format_err(const struct mail_config *cfg, const struct mail_message *msg,
		      char **err);

/* The value of a Subject header for subject (UTF-8): kept as is when it is
 * short printable ASCII, else RFC 2047 "=?UTF-8?B?...?=" encoded-words of at
 * most 75 characters, never splitting a character, folded with CRLF SP so
 * that no line (counting "Subject: ") exceeds 76 characters. Owned by the
 * caller; NULL if subject is not valid UTF-8. */
char *mail_encode_subject(const char *subject);

#endif
