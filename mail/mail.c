/*
 * mail.c - builds the report e-mail and hands it to an SMTP server (libcurl)
 * or to sendmail(8).
 *
 * The same header set is used both ways; the body is built by libcurl's
 * MIME API for SMTP and by the small quoted-printable writer below for
 * mail_format() (libcurl cannot serialise a MIME tree without a transfer).
 * Both are checked by the same MIME parser in tests/mail.
 *
 * Secrets: the password is only ever handed to libcurl. libcurl's trace
 * goes to a callback that reads only the server's replies and prints
 * nothing, a password in the URL is refused, credentials are not sent in
 * clear text unless the configuration allows it, error messages name the
 * server by host:port only and are scrubbed of the password in case a
 * server echoes it.
 */
#include "common/common.h"
#include "common/escape.h"
#include "common/spawn.h"
#include "mail/mail.h"

#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <curl/curl.h>

/* A report is a few hundred kilobytes at most; this only stops a runaway. */
#define MAIL_MAX_SIZE (64u * 1024 * 1024)
/* RFC 2047: an encoded-word is at most 75 characters, a line holding one
 * at most 76. */
#define EW_MAX 75
#define EW_LINE_MAX 76
#define EW_OVERHEAD 12 /* "=?UTF-8?B?" + "?=" */
#define QP_LINE_MAX 76

static int fail(char **err, const char *fmt, ...) PW_PRINTF(2, 3);
static int fail(char **err, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		*err = xvasprintf(fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* ---- addresses ---- */

struct addr {
	char *name;   /* display name, UTF-8, or NULL */
	char *spec;   /* local@domain */
};

static void addr_release(struct addr *a)
{
	if (!a)
		return;
	free(a->name);
	free(a->spec);
	a->name = a->spec = NULL;
}

static const char *skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static char *trimmed(const char *s, size_t len)
{
	while (len && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	return xstrndup(s, len);
}

/* A deliberately plain addr-spec: printable ASCII without the specials
 * that would need quoting, exactly one '@', a dotted domain. Anything more
 * exotic is almost certainly a typo in a configuration file. */
static bool spec_valid(const char *s)
{
	const char *at = NULL;
	size_t len = strlen(s);

	if (len < 3 || len > 254)
		return false;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= 0x20 || c >= 0x7f || strchr("<>()[],;:\"\\", c))
			return false;
		if (c == '@') {
			if (at)
				return false;
			at = p;
		}
	}
	if (!at || at == s || !at[1] || at[1] == '.' || s[len - 1] == '.')
		return false;
	return true;
}

static int addr_parse(const char *in, struct addr *out, char **err)
{
	const char *lt, *gt;

	out->name = out->spec = NULL;
	if (!in || !*skip_space(in))
		return fail(err, "empty e-mail address");
	for (const char *p = in; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			return fail(err, "invalid e-mail address: control character");
	if (!utf8_valid(in, strlen(in)))
		return fail(err, "invalid e-mail address: not valid UTF-8");

	lt = strchr(in, '<');
	if (lt) {
		gt = strchr(lt, '>');
		if (!gt || *skip_space(gt + 1))
			return fail(err, "invalid e-mail address '%s'", in);
		out->name = trimmed(in, (size_t)(lt - in));
		out->spec = trimmed(lt + 1, (size_t)(gt - lt - 1));
		/* "\"Name\" <a@b>": keep the name, not the quotes. */
		size_t nl = strlen(out->name);
		if (nl >= 2 && out->name[0] == '"' && out->name[nl - 1] == '"') {
			char *unq = xstrndup(out->name + 1, nl - 2);
			free(out->name);
			out->name = unq;
		}
		if (strlen(out->name) > 200) {
			addr_release(out);
			return fail(err, "invalid e-mail address: display name too long");
		}
		if (!out->name[0] || strchr(out->name, '"') || strchr(out->name, '\\')) {
			if (out->name[0]) {
				addr_release(out);
				return fail(err, "invalid e-mail address '%s': quotes in the name", in);
			}
			free(out->name);
			out->name = NULL;
		}
	} else {
		out->spec = trimmed(in, strlen(in));
	}
	if (!spec_valid(out->spec)) {
		addr_release(out);
		return fail(err, "invalid e-mail address '%s'", in);
	}
	return 0;
}

/* ---- RFC 2047 encoded-words ---- */

static const char b64chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void base64_add(struct buf *b, const unsigned char *s, size_t n)
{
	char q[4];

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		q[0] = b64chars[(v >> 18) & 63];
		q[1] = b64chars[(v >> 12) & 63];
		q[2] = i + 1 < n ? b64chars[(v >> 6) & 63] : '=';
		q[3] = i + 2 < n ? b64chars[v & 63] : '=';
		buf_add(b, q, 4);
	}
}

/* Appends s (valid UTF-8) as encoded-words. *col is the column the first
 * word starts at and is updated; words are separated by eol + SP (folding,
 * which a decoder drops between adjacent encoded-words). */
static void encode_words(struct buf *b, const char *s, size_t len, size_t *col, const char *eol)
{
	size_t i = 0;

	while (i < len) {
		size_t room = EW_LINE_MAX > *col ? EW_LINE_MAX - *col : 0;
		if (room > EW_MAX)
			room = EW_MAX;
		/* A 4-byte character needs 8 base64 characters. */
		if (room < EW_OVERHEAD + 8) {
			buf_addstr(b, eol);
			buf_addch(b, ' ');
			*col = 1;
			continue;
		}
		size_t maxraw = (room - EW_OVERHEAD) / 4 * 3;
		size_t n = 0;
		while (i + n < len) {
			size_t cl = utf8_seq_len((const unsigned char *)s + i + n, len - i - n);
			if (!cl)
				cl = 1; /* caller checked validity; never split */
			if (n + cl > maxraw)
				break;
			n += cl;
		}
		buf_addstr(b, "=?UTF-8?B?");
		base64_add(b, (const unsigned char *)s + i, n);
		buf_addstr(b, "?=");
		*col += EW_OVERHEAD + (n + 2) / 3 * 4;
		i += n;
		if (i < len) {
			buf_addstr(b, eol);
			buf_addch(b, ' ');
			*col = 1;
		}
	}
}

static bool plain_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

/* Subject value; col0 is the length of "Subject: ". */
static char *encode_subject(const char *subject, const char *eol)
{
	const size_t col0 = 9;
	struct buf b = BUF_INIT;
	char *clean;
	size_t len = strlen(subject), col = col0;

	if (!utf8_valid(subject, len))
		return NULL;
	/* A header value is one line: fold stray line breaks into spaces
	 * rather than letting them start a new header. */
	clean = xstrdup(subject);
	for (char *p = clean; *p; p++)
		if (*p == '\r' || *p == '\n' || *p == '\t')
			*p = ' ';
	buf_init(&b, 0);
	if (plain_ascii(clean) && !strstr(clean, "=?") && col0 + len <= 78)
		buf_addstr(&b, clean);
	else
		encode_words(&b, clean, len, &col, eol);
	free(clean);
	return buf_detach(&b, NULL);
}

char *mail_encode_subject(const char *subject)
{
	return subject ? encode_subject(subject, "\r\n") : NULL;
}

/* "Name" <spec>, or =?UTF-8?B?...?= <spec> for a non-ASCII name. */
static void addr_render(struct buf *b, const struct addr *a, size_t *col, const char *eol)
{
	if (a->name && plain_ascii(a->name)) {
		buf_printf(b, "\"%s\" ", a->name);
		*col += strlen(a->name) + 3;
	} else if (a->name) {
		encode_words(b, a->name, strlen(a->name), col, eol);
		buf_addch(b, ' ');
		(*col)++;
	}
	buf_printf(b, "<%s>", a->spec);
	*col += strlen(a->spec) + 2;
}

/* ---- headers ---- */

static void format_date(time_t t, char *out, size_t outsz)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	long off;

	/* English names whatever the locale: RFC 5322 date-time. */
	localtime_r(&t, &tm);
	off = tm.tm_gmtoff / 60;
	snprintf(out, outsz, "%s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld",
		 days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900,
		 tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+',
		 labs(off) / 60, labs(off) % 60);
}

static uint64_t random64(void)
{
	static unsigned counter;
	uint64_t r = 0;
	struct timespec ts;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		/* No entropy yet (early boot): time and a counter still make
		 * the id unique on this host, which is all it needs. */
		clock_gettime(CLOCK_REALTIME, &ts);
		r = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec;
	}
	return r ^ (uint64_t)++counter;
}

struct parsed {
	struct addr from;
	struct addr *to;
	size_t nto;
};

static void parsed_release(struct parsed *p)
{
	addr_release(&p->from);
	for (size_t i = 0; i < p->nto; i++)
		addr_release(&p->to[i]);
	free(p->to);
	p->to = NULL;
	p->nto = 0;
}

static int parse_addresses(const struct mail_config *cfg, struct parsed *p, char **err)
{
	char *why = NULL;

	memset(p, 0, sizeof(*p));
	if (!cfg->from)
		return fail(err, "no sender address (--mail-from)");
	if (addr_parse(cfg->from, &p->from, &why) < 0) {
		fail(err, "sender: %s", why);
		free(why);
		return -1;
	}
	if (!cfg->to || !cfg->to->n) {
		parsed_release(p);
		return fail(err, "no recipient address (--mail-to)");
	}
	p->to = xcalloc(cfg->to->n, sizeof(*p->to));
	for (size_t i = 0; i < cfg->to->n; i++) {
		if (addr_parse(cfg->to->v[i], &p->to[i], &why) < 0) {
			fail(err, "recipient: %s", why);
			free(why);
			parsed_release(p);
			return -1;
		}
		p->nto++;
	}
	return 0;
}

static int message_check(const struct mail_message *msg, char **err)
{
	if (!msg || !msg->subject || !msg->text)
		return fail(err, "mail message without subject or text");
	if (!utf8_valid(msg->subject, strlen(msg->subject)))
		return fail(err, "mail subject is not valid UTF-8");
	/* A subject is read in a list of messages; a longer one is a bug. */
	if (strlen(msg->subject) > 500)
		return fail(err, "mail subject too long");
	if (!utf8_valid(msg->text, strlen(msg->text)))
		return fail(err, "text report is not valid UTF-8");
	if (msg->html && !utf8_valid(msg->html, strlen(msg->html)))
		return fail(err, "HTML report is not valid UTF-8");
	if (strlen(msg->text) > MAIL_MAX_SIZE / 4 || (msg->html && strlen(msg->html) > MAIL_MAX_SIZE / 4))
		return fail(err, "report too large to mail");
	return 0;
}

/* The message headers, one per entry, folded with eol where long; shared
 * by both delivery paths so they carry exactly the same headers. */
static void build_headers(const struct parsed *p, const struct mail_message *msg,
			  const char *eol, struct strvec *out)
{
	struct buf b = BUF_INIT;
	char date[64];
	char *subject;
	const char *domain = strchr(p->from.spec, '@') + 1;
	size_t col;

	format_date(msg->date ? msg->date : time(NULL), date, sizeof(date));
	strvec_push_nodup(out, xasprintf("Date: %s", date));

	buf_addstr(&b, "From: ");
	col = 6;
	addr_render(&b, &p->from, &col, eol);
	strvec_push_nodup(out, buf_detach(&b, NULL));

	buf_addstr(&b, "To: ");
	col = 4;
	for (size_t i = 0; i < p->nto; i++) {
		if (i) {
			buf_addch(&b, ',');
			buf_addstr(&b, eol);
			buf_addch(&b, ' ');
			col = 1;
		}
		addr_render(&b, &p->to[i], &col, eol);
	}
	strvec_push_nodup(out, buf_detach(&b, NULL));

	subject = encode_subject(msg->subject, eol);
	strvec_push_nodup(out, xasprintf("Subject: %s", subject));
	free(subject);

	strvec_push_nodup(out, xasprintf("Message-ID: <%lld.%ld.%016llx@%s>",
					 (long long)time(NULL), (long)getpid(),
					 (unsigned long long)random64(), domain));
	strvec_push(out, "MIME-Version: 1.0");
	/* RFC 3834: no vacation replies to a robot, no mail loops. */
	strvec_push(out, "Auto-Submitted: auto-generated");
	strvec_push(out, "X-Mailer: prefwatch/" PREFWATCH_VERSION);
}

/* ---- quoted-printable for mail_format() ---- */

/* Encodes s (line ends "\n" or "\r\n") with eol as line end. Also escapes
 * '.' and "From " at the start of a line so that neither a lone-dot
 * terminator nor an mbox separator can appear in the encoded form. */
static void qp_add(struct buf *b, const char *s, const char *eol)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t col = 0;

	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		char tok[4];
		size_t tl = 1;
		bool at_eol;

		if (c == '\n' || (c == '\r' && p[1] == '\n')) {
			if (c == '\r')
				p++;
			buf_addstr(b, eol);
			col = 0;
			continue;
		}
		at_eol = p[1] == '\0' || p[1] == '\n' || (p[1] == '\r' && p[2] == '\n');
		tok[0] = (char)c;
		if (c == '=' || c > 0x7e || (c < 0x20 && c != '\t') ||
		    ((c == ' ' || c == '\t') && at_eol) ||
		    (col == 0 && (c == '.' || (c == 'F' && !strncmp(p, "From ", 5))))) {
			tok[0] = '=';
			tok[1] = hex[c >> 4];
			tok[2] = hex[c & 15];
			tl = 3;
		}
		/* Keep room for the soft break's '='. */
		if (col + tl > QP_LINE_MAX - 1) {
			buf_addch(b, '=');
			buf_addstr(b, eol);
			col = 0;
			if (tl == 1 && (c == '.' || (c == 'F' && !strncmp(p, "From ", 5)))) {
				tok[0] = '=';
				tok[1] = hex[c >> 4];
				tok[2] = hex[c & 15];
				tl = 3;
			}
		}
		buf_add(b, tok, tl);
		col += tl;
	}
}

/* In a multipart body the line break before the next boundary belongs to
 * the delimiter, not to the content, hence delimited. */
static void body_part(struct buf *b, const char *type, const char *content, const char *eol,
		      bool delimited)
{
	buf_printf(b, "Content-Type: %s; charset=utf-8%s", type, eol);
	buf_printf(b, "Content-Transfer-Encoding: quoted-printable%s%s", eol, eol);
	qp_add(b, content, eol);
	if (delimited)
		buf_addstr(b, eol);
}

static char *build_message(const struct mail_config *cfg, const struct mail_message *msg,
			   const char *eol, char **err)
{
	struct parsed p;
	struct strvec headers = STRVEC_INIT;
	struct buf b = BUF_INIT;
	char *out = NULL;

	if (!cfg) {
		fail(err, "no mail configuration");
		return NULL;
	}
	if (message_check(msg, err) < 0 || parse_addresses(cfg, &p, err) < 0)
		return NULL;
	build_headers(&p, msg, eol, &headers);
	buf_init(&b, MAIL_MAX_SIZE);
	for (size_t i = 0; i < headers.n; i++)
		buf_printf(&b, "%s%s", headers.v[i], eol);
	if (msg->html) {
		/* "=_" never occurs in quoted-printable output. */
		char boundary[48];
		snprintf(boundary, sizeof(boundary), "=_prefwatch_%016llx",
			 (unsigned long long)random64());
		buf_printf(&b, "Content-Type: multipart/alternative;%s boundary=\"%s\"%s%s",
			   eol, boundary, eol, eol);
		buf_printf(&b, "--%s%s", boundary, eol);
		body_part(&b, "text/plain", msg->text, eol, true);
		buf_printf(&b, "--%s%s", boundary, eol);
		body_part(&b, "text/html", msg->html, eol, true);
		buf_printf(&b, "--%s--%s", boundary, eol);
	} else {
		body_part(&b, "text/plain", msg->text, eol, false);
	}
	if (b.toobig) {
		fail(err, "mail message too large");
		goto cleanup;
	}
	out = buf_detach(&b, NULL);
cleanup:
	buf_release(&b);
	strvec_release(&headers);
	parsed_release(&p);
	return out;
}

char *mail_format_err(const struct mail_config *cfg, const struct mail_message *msg, char **err)
{
	return build_message(cfg, msg, "\r\n", err);
}

char *mail_format(const struct mail_config *cfg, const struct mail_message *msg)
{
	return build_message(cfg, msg, "\r\n", NULL);
}

/* ---- configuration check ---- */

/* Parses the SMTP URL. On success *u is owned by the caller and *where
 * is "host:port" for messages (no user name, no password). */
static int url_parse(const char *url, CURLU **u, char **where, bool *smtps, char **err)
{
	CURLU *h = NULL;
	char *scheme = NULL, *host = NULL, *port = NULL, *pass = NULL;
	int rc = -1;

	*u = NULL;
	*where = NULL;
	if (!url || !*url)
		return fail(err, "no SMTP server (--smtp-url or --sendmail)");
	h = curl_url();
	if (!h)
		return fail(err, "out of memory");
	if (curl_url_set(h, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
		/* The URL may hold a password: do not repeat it. */
		fail(err, "invalid SMTP URL");
		goto cleanup;
	}
	if (curl_url_get(h, CURLUPART_PASSWORD, &pass, 0) == CURLUE_OK && pass) {
		fail(err, "the SMTP URL must not contain a password: use ~/.netrc or "
		     MAIL_ENV_PASSWORD);
		goto cleanup;
	}
	if (curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "smtp") && strcmp(scheme, "smtps"))) {
		fail(err, "unsupported SMTP URL scheme '%s': use smtp:// or smtps://",
		     scheme ? scheme : "");
		goto cleanup;
	}
	if (curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host || !*host) {
		fail(err, "no host in the SMTP URL");
		goto cleanup;
	}
	curl_url_get(h, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
	*where = xasprintf("%s:%s", host, port ? port : "?");
	*smtps = !strcmp(scheme, "smtps");
	*u = h;
	h = NULL;
	rc = 0;
cleanup:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(pass);
	curl_url_cleanup(h);
	return rc;
}

int mail_config_check(const struct mail_config *cfg, char **err)
{
	struct parsed p;
	struct stat st;

	if (!cfg)
		return fail(err, "no mail configuration");
	if (cfg->sendmail) {
		if (cfg->sendmail[0] != '/')
			return fail(err, "sendmail path '%s' is not absolute", cfg->sendmail);
		if (stat(cfg->sendmail, &st) < 0)
			return fail(err, "cannot use sendmail '%s': %s", cfg->sendmail, strerror(errno));
		if (!S_ISREG(st.st_mode) || access(cfg->sendmail, X_OK) < 0)
			return fail(err, "cannot use sendmail '%s': not an executable file",
				    cfg->sendmail);
	} else {
		CURLU *u;
		char *where;
		bool smtps;
		if (url_parse(cfg->smtp_url, &u, &where, &smtps, err) < 0)
			return -1;
		curl_url_cleanup(u);
		free(where);
	}
	if (parse_addresses(cfg, &p, err) < 0)
		return -1;
	parsed_release(&p);
	return 0;
}

/* ---- SMTP ---- */

/* Replaces each occurrence of secret in *s by "***". */
static void scrub(char **s, const char *secret)
{
	struct buf b = BUF_INIT;
	const char *p, *q;
	size_t sl;

	if (!*s || !secret || !*secret || !strstr(*s, secret))
		return;
	sl = strlen(secret);
	for (p = *s; (q = strstr(p, secret)); p = q + sl) {
		buf_add(&b, p, (size_t)(q - p));
		buf_addstr(&b, "***");
	}
	buf_addstr(&b, p);
	free(*s);
	*s = buf_detach(&b, NULL);
}

/* libcurl's quoted-printable encoder keeps CRLF as a line break but
 * escapes a bare LF, so reports written with "\n" get CRLF here. */
static char *to_crlf(const char *s, size_t *len)
{
	struct buf b = BUF_INIT;

	for (; *s; s++) {
		if (*s == '\n' && (b.len == 0 || b.ptr[b.len - 1] != '\r'))
			buf_addch(&b, '\r');
		buf_addch(&b, *s);
	}
	return buf_detach(&b, len);
}

static int mime_text_part(curl_mime *mime, const char *type, const char *data, size_t len)
{
	curl_mimepart *part = curl_mime_addpart(mime);

	if (!part || curl_mime_data(part, data, len) != CURLE_OK ||
	    curl_mime_type(part, type) != CURLE_OK ||
	    curl_mime_encoder(part, "quoted-printable") != CURLE_OK)
		return -1;
	return 0;
}

/* Whether libcurl would find credentials for host in the netrc file (file,
 * else ~/.netrc): a "machine HOST" or a "default" entry. Tokens only, like
 * libcurl's reader; a macdef body is not skipped, which can only make us
 * count credentials that are not there (and so refuse cleartext sooner). */
static bool netrc_has_entry(const char *file, const char *host)
{
	char *path = NULL;
	const char *home = getenv("HOME");
	if (!file) {
		if (!home || !*home)
			return false;
		file = path = xasprintf("%s/.netrc", home);
	}
	FILE *f = fopen(file, "r");
	free(path);
	if (!f)
		return false;
	char tok[256], prev[256] = "";
	size_t n = 0;
	bool found = false;
	int c;
	do {
		c = getc(f);
		if (c != EOF && !strchr(" \t\r\n", c)) {
			if (n < sizeof(tok) - 1)
				tok[n++] = (char)c;
			continue;
		}
		if (!n)
			continue;
		tok[n] = '\0';
		n = 0;
		if (!strcmp(tok, "default") || (!strcmp(prev, "machine") && !strcasecmp(tok, host)))
			found = true;
		memcpy(prev, tok, sizeof(prev));
	} while (c != EOF && !found);
	fclose(f);
	return found;
}

/* The server's last error reply line (4xx, 5xx), kept from libcurl's debug callback, so
 * that an error can quote what the server said (libcurl's own message
 * has the code only: "RCPT failed: 554"). Only CURLINFO_HEADER_IN, what the
 * server sends, is looked at: what we send holds the AUTH exchange. */
struct smtp_trace {
	char last[400];
};

static int on_smtp_debug(CURL *h, curl_infotype type, char *data, size_t size, void *userp)
{
	struct smtp_trace *t = userp;
	(void)h;
	if (type != CURLINFO_HEADER_IN || !size)
		return 0;
	/* the last non-empty line of the chunk, controls made spaces */
	size_t end = size;
	while (end && (data[end - 1] == '\n' || data[end - 1] == '\r'))
		end--;
	size_t start = end;
	while (start && data[start - 1] != '\n')
		start--;
	/* error replies only: after one, libcurl says QUIT and gets "221 Bye" */
	if (start == end || (data[start] != '4' && data[start] != '5'))
		return 0;
	size_t n = end - start < sizeof(t->last) - 1 ? end - start : sizeof(t->last) - 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)data[start + i];
		t->last[i] = ch < ' ' || ch == 0x7f ? ' ' : (char)ch;
	}
	t->last[n] = '\0';
	return 0;
}

/* libcurl says EHLO with the URL's path; without one, our host name is
 * more likely to be accepted than curl's default. */
static void smtp_ehlo_name(CURLU *u)
{
	char *path = NULL;
	if (curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK || !path || !path[1]) {
		char host[256] = "";
		if (gethostname(host, sizeof(host) - 1) == 0 && host[0]) {
			char *np = xasprintf("/%s", host);
			curl_url_set(u, CURLUPART_PATH, np, 0);
			free(np);
		}
	}
	curl_free(path);
}

/* The recipients and headers of the message, as libcurl lists. 0, or -1
 * when libcurl runs out of memory. */
static int smtp_lists(const struct parsed *p, const struct mail_message *msg,
		      struct strvec *headers, struct curl_slist **hdrs, struct curl_slist **rcpt)
{
	struct curl_slist *tmp;

	build_headers(p, msg, "\r\n", headers);
	if (msg->html)
		strvec_push(headers, "Content-Type: multipart/alternative");
	for (size_t i = 0; i < headers->n; i++) {
		tmp = curl_slist_append(*hdrs, headers->v[i]);
		if (!tmp)
			return -1;
		*hdrs = tmp;
	}
	for (size_t i = 0; i < p->nto; i++) {
		char *r = xasprintf("<%s>", p->to[i].spec);
		tmp = curl_slist_append(*rcpt, r);
		free(r);
		if (!tmp)
			return -1;
		*rcpt = tmp;
	}
	return 0;
}

/* Whether credentials would be sent (the environment's, the URL's user
 * name, or a netrc entry for the host) over smtp:// where the
 * configuration asks for no TLS: they are never sent in clear text unless
 * it says so, so STARTTLS becomes required (CURLUSESSL_TRY would go on in
 * clear text when the server offers no STARTTLS, and AUTH PLAIN would then
 * show the password). */
static bool smtp_tls_for_auth(const struct mail_config *cfg, CURLU *u, bool smtps,
			      const char *user)
{
	char *url_user = NULL, *url_host = NULL;
	bool creds = false;

	if (!smtps && !cfg->require_tls && !cfg->allow_plaintext_auth)
		creds = (user && *user) ||
			(curl_url_get(u, CURLUPART_USER, &url_user, 0) == CURLUE_OK && url_user) ||
			(cfg->use_netrc && curl_url_get(u, CURLUPART_HOST, &url_host, 0) == CURLUE_OK &&
			 netrc_has_entry(cfg->netrc_file, url_host));
	curl_free(url_user);
	curl_free(url_host);
	return creds;
}

/* The transfer's options: TLS, timeouts, credentials, and the trace to
 * on_smtp_debug() only, which keeps the server's replies and never looks
 * at what we send (the AUTH exchange): nothing is printed. */
static void smtp_options(CURL *h, const struct mail_config *cfg, CURLU *u, bool smtps,
			 bool tls_for_auth, struct smtp_trace *trace, char *errbuf)
{
	const char *user = getenv(MAIL_ENV_USER), *pass = getenv(MAIL_ENV_PASSWORD);
	long timeout = cfg->timeout > 0 ? cfg->timeout : MAIL_DEFAULT_TIMEOUT;

	curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, on_smtp_debug);
	curl_easy_setopt(h, CURLOPT_DEBUGDATA, trace);
	curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(h, CURLOPT_CURLU, u);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, timeout < 30 ? timeout : 30L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (cfg->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, cfg->ca_file);
	if (!smtps)
		curl_easy_setopt(h, CURLOPT_USE_SSL, cfg->require_tls || tls_for_auth ?
				 (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY);
	if (cfg->use_netrc) {
		curl_easy_setopt(h, CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
		if (cfg->netrc_file)
			curl_easy_setopt(h, CURLOPT_NETRC_FILE, cfg->netrc_file);
	}
	if (user && *user)
		curl_easy_setopt(h, CURLOPT_USERNAME, user);
	if (pass && *pass)
		curl_easy_setopt(h, CURLOPT_PASSWORD, pass);
}

/* The message for a failed transfer, quoting the server's last reply,
 * the password scrubbed. MAIL_REFUSED for a permanent refusal of the
 * message, else -1. */
static int smtp_failure(CURL *h, CURLcode res, const char *errbuf, const struct smtp_trace *trace,
			const char *where, bool tls_for_auth, char **err)
{
	const char *pass = getenv(MAIL_ENV_PASSWORD);
	long code = 0;

	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	char *why = errbuf[0] ? xstrdup(errbuf) : xstrdup(curl_easy_strerror(res));
	size_t wl = strlen(why);
	/* House style: one line, no final full stop. */
	while (wl && strchr("\r\n. ", why[wl - 1]))
		why[--wl] = '\0';
	if (res == CURLE_USE_SSL_FAILED && tls_for_auth)
		fail(err, "cannot send mail via '%s': %s, and credentials are never sent in "
		     "clear text (mail.allow_plaintext_auth: true allows it)", where, why);
	else if (code >= 400 && trace->last[0])
		fail(err, "cannot send mail via '%s': %s (server answered %ld); the server said '%s'",
		     where, why, code, trace->last);
	else if (code >= 400)
		fail(err, "cannot send mail via '%s': %s (server answered %ld)", where, why, code);
	else
		fail(err, "cannot send mail via '%s': %s", where, why);
	free(why);
	if (err)
		scrub(err, pass);
	/* a 5xx to the message itself (MAIL, RCPT, DATA) will not change
	 * by retrying; a refused login is the configuration's problem */
	return code >= 500 && code < 600 && res != CURLE_LOGIN_DENIED ? MAIL_REFUSED : -1;
}

static int send_smtp(const struct mail_config *cfg, const struct mail_message *msg, char **err)
{
	CURL *h = NULL;
	CURLU *u = NULL;
	curl_mime *mime = NULL;
	struct curl_slist *hdrs = NULL, *rcpt = NULL;
	struct parsed p;
	bool have_p = false, smtps = false, tls_for_auth;
	struct strvec headers = STRVEC_INIT;
	char *where = NULL, *from = NULL, *text = NULL, *html = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	struct smtp_trace trace = { "" };
	size_t text_len = 0, html_len = 0;
	CURLcode res;
	int rc = -1;

	if (message_check(msg, err) < 0 || url_parse(cfg->smtp_url, &u, &where, &smtps, err) < 0)
		goto cleanup;
	if (parse_addresses(cfg, &p, err) < 0)
		goto cleanup;
	have_p = true;

	smtp_ehlo_name(u);

	h = curl_easy_init();
	mime = h ? curl_mime_init(h) : NULL;
	if (!h || !mime) {
		fail(err, "cannot initialise libcurl");
		goto cleanup;
	}
	if (smtp_lists(&p, msg, &headers, &hdrs, &rcpt) < 0)
		goto oom;
	from = xasprintf("<%s>", p.from.spec);
	text = to_crlf(msg->text, &text_len);
	if (mime_text_part(mime, "text/plain; charset=utf-8", text, text_len) < 0)
		goto oom;
	if (msg->html) {
		html = to_crlf(msg->html, &html_len);
		if (mime_text_part(mime, "text/html; charset=utf-8", html, html_len) < 0)
			goto oom;
	}

	tls_for_auth = smtp_tls_for_auth(cfg, u, smtps, getenv(MAIL_ENV_USER));
	smtp_options(h, cfg, u, smtps, tls_for_auth, &trace, errbuf);
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_MIMEPOST, mime);

	res = curl_easy_perform(h);
	if (res != CURLE_OK) {
		rc = smtp_failure(h, res, errbuf, &trace, where, tls_for_auth, err);
		goto cleanup;
	}
	log_debug("mail sent via '%s' to %zu recipient(s)", where, p.nto);
	rc = 0;
	goto cleanup;
oom:
	fail(err, "out of memory while preparing the mail");
cleanup:
	curl_mime_free(mime);
	curl_easy_cleanup(h);
	curl_url_cleanup(u);
	curl_slist_free_all(hdrs);
	curl_slist_free_all(rcpt);
	strvec_release(&headers);
	if (have_p)
		parsed_release(&p);
	free(where);
	free(from);
	free(text);
	free(html);
	return rc;
}

/* ---- sendmail ---- */

/* The last non-empty line sendmail wrote on stderr, escaped, as
 * ": LINE", or "". Owned. */
static char *sendmail_said(const struct buf *err)
{
	size_t len = err->len, from;
	while (len && (err->ptr[len - 1] == '\n' || err->ptr[len - 1] == '\r' ||
		       err->ptr[len - 1] == ' '))
		len--;
	for (from = len; from && err->ptr[from - 1] != '\n'; from--)
		;
	if (from == len)
		return xstrdup("");
	char *line = xstrndup(err->ptr + from, len - from > 200 ? 200 : len - from);
	char *safe = str_escape_controls(line);
	char *said = xasprintf(": %s", safe);
	free(safe);
	free(line);
	return said;
}

/* Runs "SENDMAIL -t -oi" (no shell) with the message on its standard
 * input. The whole exchange is bounded by cfg->timeout: a stuck sendmail
 * must not hold the run's lock until the next night. */
static int send_sendmail(const struct mail_config *cfg, const struct mail_message *msg, char **err)
{
	char *argv[] = { (char *)"sendmail", (char *)"-t", (char *)"-oi", NULL };
	struct pw_child c;
	long timeout = cfg->timeout > 0 ? cfg->timeout : MAIL_DEFAULT_TIMEOUT;
	char *message, *said;
	int rc = -1;

	/* sendmail reads local line ends. */
	message = build_message(cfg, msg, "\n", err);
	if (!message)
		return -1;
	pw_child_init(&c);
	c.path = cfg->sendmail;
	c.argv = argv;
	c.in_data = message;
	c.in_len = strlen(message);
	c.out_max = 64 * 1024;
	c.wall_ms = timeout * 1000;
	pw_child_run(&c);
	said = sendmail_said(&c.err);
	if (c.end == PW_CHILD_NOT_STARTED)
		fail(err, "cannot run sendmail '%s': %s", cfg->sendmail, strerror(c.code));
	else if (c.end == PW_CHILD_TIMED_OUT)
		fail(err, "sendmail '%s' timed out after %ld s", cfg->sendmail, timeout);
	else if (c.end == PW_CHILD_TOO_LARGE)
		fail(err, "sendmail '%s' wrote more than %zu bytes on its output, stopped",
		     cfg->sendmail, c.out_max);
	else if (c.end == PW_CHILD_SIGNALLED)
		fail(err, "sendmail '%s' killed by signal %d%s", cfg->sendmail, c.code, said);
	else if (c.code)
		fail(err, "sendmail '%s' failed with exit status %d%s", cfg->sendmail, c.code, said);
	else if (c.in_errno)
		fail(err, "cannot write to sendmail '%s': %s", cfg->sendmail, strerror(c.in_errno));
	else {
		log_debug("mail handed to sendmail '%s'", cfg->sendmail);
		rc = 0;
	}
	free(said);
	pw_child_release(&c);
	free(message);
	return rc;
}

int mail_send(const struct mail_config *cfg, const struct mail_message *msg, char **err)
{
	if (err)
		*err = NULL;
	if (!cfg)
		return fail(err, "no mail configuration");
	if (cfg->sendmail)
		return send_sendmail(cfg, msg, err);
	return send_smtp(cfg, msg, err);
}
