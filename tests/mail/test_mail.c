/*
 * test_mail.c - unit tests of the message builder: RFC 2047 subjects,
 * header injection, quoted-printable, address and configuration checks.
 * Delivery itself is tested against a real server in test_mail_smtp.py.
 */
#include "common/common.h"
#include "mail/mail.h"

#include <sys/stat.h>

#include "tests/common/test.h"

static const char *const subject_fr =
	"[prefwatch] Hauts-de-France : 2 modalités modifiées, 1 page inaccessible";

static int b64val(char c)
{
	const char *set = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(set, c) : NULL;
	return p ? (int)(p - set) : -1;
}

/* Naive decoder of a header value made of "=?UTF-8?B?...?=" words folded
 * with CRLF SP; checks each word and line on the way. Returns the decoded
 * text (owned) or NULL if the structure is wrong. */
static char *decode_words(const char *v, size_t first_col)
{
	struct buf out = BUF_INIT;
	size_t col = first_col;
	const char *p = v;

	if (!v)
		return NULL;
	while (*p) {
		const char *end;
		if (!strncmp(p, "\r\n ", 3)) {
			p += 3;
			col = 1;
			continue;
		}
		if (strncmp(p, "=?UTF-8?B?", 10))
			goto bad;
		end = strstr(p + 10, "?=");
		if (!end)
			goto bad;
		size_t wl = (size_t)(end + 2 - p);
		CHECK(wl <= 75);
		col += wl;
		CHECK(col <= 76);
		struct buf word = BUF_INIT;
		const char *q = p + 10;
		if ((end - q) % 4)
			goto bad;
		for (; q < end; q += 4) {
			int a = b64val(q[0]), b = b64val(q[1]), c = b64val(q[2]), d = b64val(q[3]);
			if (a < 0 || b < 0)
				goto bad;
			buf_addch(&word, (char)((a << 2) | (b >> 4)));
			if (q[2] != '=') {
				if (c < 0)
					goto bad;
				buf_addch(&word, (char)(((b & 15) << 4) | (c >> 2)));
			}
			if (q[3] != '=') {
				if (d < 0)
					goto bad;
				buf_addch(&word, (char)(((c & 3) << 6) | d));
			}
		}
		/* RFC 2047 5.(3): a word holds whole characters. */
		CHECK(utf8_valid(buf_str(&word), word.len));
		buf_add(&out, word.ptr, word.len);
		buf_release(&word);
		p = end + 2;
	}
	return buf_detach(&out, NULL);
bad:
	buf_release(&out);
	return NULL;
}

static void test_subject_plain(void)
{
	char *s = mail_encode_subject("[prefwatch] rien a signaler");
	CHECK_STR(s, "[prefwatch] rien a signaler");
	free(s);
	/* Looks like an encoded-word: must be encoded so it reads literally. */
	s = mail_encode_subject("=?UTF-8?B?eA==?=");
	char *d = decode_words(s, 9);
	CHECK_STR(d, "=?UTF-8?B?eA==?=");
	free(d);
	free(s);
}

static void test_subject_french(void)
{
	char *s = mail_encode_subject(subject_fr);
	char *d = decode_words(s, 9);
	CHECK_STR(d, subject_fr);
	CHECK(strstr(s, "\r\n ") != NULL); /* too long for one word: folded */
	free(d);
	free(s);
}

static void test_subject_long_multibyte(void)
{
	/* 2-, 3- and 4-byte characters in every alignment. */
	struct buf b = BUF_INIT;
	for (int i = 0; i < 40; i++)
		buf_addstr(&b, i % 3 == 0 ? "é" : i % 3 == 1 ? "€" : "\xF0\x9D\x84\x9E");
	buf_addstr(&b, " préfecture");
	for (int shift = 0; shift < 4; shift++) {
		const char *in = buf_str(&b) + (shift ? 0 : 0);
		char *with = xasprintf("%.*s%s", shift, "abc", in);
		char *s = mail_encode_subject(with);
		char *d = decode_words(s, 9);
		CHECK_STR(d, with);
		free(d);
		free(s);
		free(with);
	}
	buf_release(&b);
}

static void test_subject_invalid(void)
{
	CHECK(mail_encode_subject("bad \xC3\x28 utf8") == NULL);
	CHECK(mail_encode_subject(NULL) == NULL);
	/* A line break in a subject never starts a new header. */
	char *s = mail_encode_subject("x\r\nBcc: evil@example.org");
	CHECK_STR(s, "x  Bcc: evil@example.org");
	free(s);
	s = mail_encode_subject("é\r\nBcc: evil@example.org");
	CHECK(s && !strstr(s, "Bcc"));
	char *d = decode_words(s, 9);
	CHECK_STR(d, "é  Bcc: evil@example.org");
	free(d);
	free(s);
}

static void fill(struct mail_config *cfg, struct strvec *to, struct mail_message *msg)
{
	memset(cfg, 0, sizeof(*cfg));
	memset(msg, 0, sizeof(*msg));
	strvec_clear(to);
	strvec_push(to, "editeurs@gisti.example");
	cfg->smtp_url = "smtp://127.0.0.1:2525";
	cfg->from = "prefwatch <veille@gisti.example>";
	cfg->to = to;
	msg->subject = subject_fr;
	msg->text = "Bonjour,\n";
	msg->html = "<p>Bonjour</p>\n";
	msg->date = 951782400; /* 2000-02-29T00:00:00Z */
}

static const char *body_of(const char *m)
{
	const char *p = strstr(m, "\r\n\r\n");
	return p ? p + 4 : "";
}

static void test_format_headers(void)
{
	struct mail_config cfg;
	struct mail_message msg;
	struct strvec to = STRVEC_INIT;
	char *m;

	setenv("TZ", "UTC", 1);
	tzset();
	fill(&cfg, &to, &msg);
	m = mail_format(&cfg, &msg);
	CHECK(m != NULL);
	if (!m)
		return;
	CHECK(!strncmp(m, "Date: Tue, 29 Feb 2000 00:00:00 +0000\r\n", 39));
	CHECK_CONTAINS(m, "\r\nFrom: \"prefwatch\" <veille@gisti.example>\r\n");
	CHECK_CONTAINS(m, "\r\nTo: <editeurs@gisti.example>\r\n");
	CHECK_CONTAINS(m, "\r\nMessage-ID: <");
	CHECK_CONTAINS(m, "@gisti.example>\r\n");
	CHECK_CONTAINS(m, "\r\nMIME-Version: 1.0\r\n");
	CHECK_CONTAINS(m, "\r\nAuto-Submitted: auto-generated\r\n");
	CHECK_CONTAINS(m, "Content-Type: multipart/alternative;");
	CHECK_CONTAINS(m, "Content-Type: text/plain; charset=utf-8\r\n");
	CHECK_CONTAINS(m, "Content-Type: text/html; charset=utf-8\r\n");
	free(m);

	/* Two messages, two Message-IDs. */
	char *a = mail_format(&cfg, &msg), *b = mail_format(&cfg, &msg);
	const char *ia = a ? strstr(a, "Message-ID:") : NULL, *ib = b ? strstr(b, "Message-ID:") : NULL;
	CHECK(ia && ib && strncmp(ia, ib, (size_t)(strchr(ia, '\n') - ia)) != 0);
	free(a);
	free(b);

	/* Text only: a single text/plain body. */
	msg.html = NULL;
	m = mail_format(&cfg, &msg);
	CHECK_CONTAINS(m, "\r\nContent-Type: text/plain; charset=utf-8\r\n"
			  "Content-Transfer-Encoding: quoted-printable\r\n\r\nBonjour,\r\n");
	CHECK_STR(m ? body_of(m) : NULL, "Bonjour,\r\n");
	CHECK(m && strstr(m, "multipart") == NULL);
	free(m);
	strvec_release(&to);
}

/* Naive quoted-printable decoder, CRLF line breaks read as "\n". */
static char *qp_decode(const char *s)
{
	struct buf b = BUF_INIT;
	const char *hex = "0123456789ABCDEF";

	while (*s) {
		if (!strncmp(s, "=\r\n", 3)) {
			s += 3;
		} else if (*s == '=') {
			const char *h = s[1] ? strchr(hex, s[1]) : NULL, *l = s[2] ? strchr(hex, s[2]) : NULL;
			if (!h || !l) {
				buf_release(&b);
				return NULL;
			}
			buf_addch(&b, (char)((h - hex) * 16 + (l - hex)));
			s += 3;
		} else if (!strncmp(s, "\r\n", 2)) {
			buf_addch(&b, '\n');
			s += 2;
		} else {
			buf_addch(&b, *s++);
		}
	}
	return buf_detach(&b, NULL);
}

static char *qp_body(const char *text)
{
	struct mail_config cfg;
	struct mail_message msg;
	struct strvec to = STRVEC_INIT;
	char *m, *body;

	fill(&cfg, &to, &msg);
	msg.html = NULL;
	msg.text = text;
	m = mail_format(&cfg, &msg);
	CHECK(m != NULL);
	body = xstrdup(m ? body_of(m) : "");
	free(m);
	strvec_release(&to);
	/* Every encoded line within 76 characters. */
	for (const char *p = body; *p;) {
		const char *e = strstr(p, "\r\n");
		if (!e)
			break;
		CHECK(e - p <= 76);
		p = e + 2;
	}
	return body;
}

static void test_format_qp(void)
{
	struct buf text = BUF_INIT;
	char *body, *dec;

	body = qp_body(".\nFrom here\n=\ntrailing \ttab\t\nÉté\n..\nFrom");
	CHECK_STR(body, "=2E\r\n=46rom here\r\n=3D\r\ntrailing \ttab=09\r\n=C3=89t=C3=A9\r\n=2E.\r\nFrom");
	free(body);

	/* A soft break must not leave '.' or "From " at the start of a line. */
	for (int i = 0; i < 75; i++)
		buf_addch(&text, 'a');
	buf_addstr(&text, ".b\n");
	for (int i = 0; i < 75; i++)
		buf_addch(&text, 'a');
	buf_addstr(&text, "From x\n");
	body = qp_body(buf_str(&text));
	CHECK_CONTAINS(body, "aaa=\r\n=2Eb\r\n");
	CHECK_CONTAINS(body, "aaa=\r\n=46rom x\r\n");
	dec = qp_decode(body);
	CHECK_STR(dec, buf_str(&text));
	free(dec);
	free(body);

	/* Round trip through the naive decoder, long lines of every width. */
	buf_reset(&text);
	for (int i = 0; i < 300; i++) {
		buf_addstr(&text, i % 7 ? "é" : "=");
		buf_addch(&text, (char)('a' + i % 26));
		if (i % 37 == 0)
			buf_addstr(&text, " \n.");
		if (i % 53 == 0)
			buf_addstr(&text, "\r\nFrom ");
	}
	body = qp_body(buf_str(&text));
	dec = qp_decode(body);
	struct buf want = BUF_INIT;
	for (const char *p = buf_str(&text); *p; p++)
		if (!(p[0] == '\r' && p[1] == '\n'))
			buf_addch(&want, *p);
	CHECK_STR(dec, buf_str(&want));
	CHECK(strstr(body, "\r\n.") == NULL);
	CHECK(strstr(body, "\r\nFrom ") == NULL);
	CHECK(strstr(body, " \r\n") == NULL);
	free(dec);
	free(body);
	buf_release(&want);
	buf_release(&text);
}

static void test_format_rejects(void)
{
	struct mail_config cfg;
	struct mail_message msg;
	struct strvec to = STRVEC_INIT;
	char *err = NULL, *m;

	fill(&cfg, &to, &msg);
	strvec_push(&to, "x@example.org\r\nBcc: evil@example.org");
	m = mail_format_err(&cfg, &msg, &err);
	CHECK(m == NULL);
	CHECK_CONTAINS(err, "recipient: invalid e-mail address: control character");
	free(err);
	err = NULL;

	fill(&cfg, &to, &msg);
	strvec_push(&to, "no-at-sign");
	m = mail_format_err(&cfg, &msg, &err);
	CHECK(m == NULL);
	CHECK_STR(err, "recipient: invalid e-mail address 'no-at-sign'");
	free(err);
	err = NULL;

	fill(&cfg, &to, &msg);
	strvec_clear(&to);
	CHECK(mail_format_err(&cfg, &msg, &err) == NULL);
	CHECK_STR(err, "no recipient address (--mail-to)");
	free(err);
	err = NULL;

	fill(&cfg, &to, &msg);
	cfg.from = "Bad \"quote <a@b.example>";
	CHECK(mail_format_err(&cfg, &msg, &err) == NULL);
	CHECK_CONTAINS(err, "sender: invalid e-mail address");
	free(err);
	err = NULL;

	fill(&cfg, &to, &msg);
	msg.text = "bad \xFF";
	CHECK(mail_format_err(&cfg, &msg, &err) == NULL);
	CHECK_STR(err, "text report is not valid UTF-8");
	free(err);
	err = NULL;

	fill(&cfg, &to, &msg);
	char *longsub = xcalloc(1, 502);
	memset(longsub, 'a', 501);
	msg.subject = longsub;
	CHECK(mail_format_err(&cfg, &msg, &err) == NULL);
	CHECK_STR(err, "mail subject too long");
	free(err);
	err = NULL;
	free(longsub);

	fill(&cfg, &to, &msg);
	char *longname = xasprintf("%0*d <a@b.example>", 201, 0);
	cfg.from = longname;
	CHECK(mail_format_err(&cfg, &msg, &err) == NULL);
	CHECK_STR(err, "sender: invalid e-mail address: display name too long");
	free(err);
	err = NULL;
	free(longname);

	fill(&cfg, &to, &msg);
	cfg.from = "\"Veille GISTI\" <veille@gisti.example>";
	m = mail_format(&cfg, &msg);
	CHECK_CONTAINS(m, "\r\nFrom: \"Veille GISTI\" <veille@gisti.example>\r\n");
	free(m);
	strvec_release(&to);
}

static void test_config_check(void)
{
	struct mail_config cfg;
	struct mail_message msg;
	struct strvec to = STRVEC_INIT;
	char *err = NULL;

	fill(&cfg, &to, &msg);
	CHECK_INT(mail_config_check(&cfg, &err), 0);
	CHECK(err == NULL);

	cfg.smtp_url = "smtps://user:hunter2@mail.example.org";
	CHECK_INT(mail_config_check(&cfg, &err), -1);
	CHECK_CONTAINS(err, "must not contain a password");
	CHECK(err && !strstr(err, "hunter2"));
	free(err);
	err = NULL;

	cfg.smtp_url = "smtps://user@mail.example.org:465";
	CHECK_INT(mail_config_check(&cfg, &err), 0);

	cfg.smtp_url = "imap://mail.example.org";
	CHECK_INT(mail_config_check(&cfg, &err), -1);
	CHECK_STR(err, "unsupported SMTP URL scheme 'imap': use smtp:// or smtps://");
	free(err);
	err = NULL;

	cfg.smtp_url = NULL;
	CHECK_INT(mail_config_check(&cfg, &err), -1);
	CHECK_STR(err, "no SMTP server (--smtp-url or --sendmail)");
	free(err);
	err = NULL;

	cfg.sendmail = "sendmail";
	CHECK_INT(mail_config_check(&cfg, &err), -1);
	CHECK_STR(err, "sendmail path 'sendmail' is not absolute");
	free(err);
	err = NULL;

	char *missing = xasprintf("%s/nope/sendmail", test_tmpdir());
	cfg.sendmail = missing;
	CHECK_INT(mail_config_check(&cfg, &err), -1);
	CHECK_CONTAINS(err, "No such file or directory");
	free(err);
	err = NULL;
	free(missing);

	char *plain = xasprintf("%s/not-exec", test_tmpdir());
	FILE *f = fopen(plain, "w");
	if (f)
		fclose(f);
	chmod(plain, 0644);
	cfg.sendmail = plain;
	CHECK_INT(mail_config_check(&cfg, &err), -1);
	CHECK_CONTAINS(err, "not an executable file");
	free(err);
	err = NULL;
	chmod(plain, 0755);
	CHECK_INT(mail_config_check(&cfg, &err), 0);
	remove(plain);
	free(plain);
	strvec_release(&to);
}

int main(void)
{
	TEST_RUN(test_subject_plain);
	TEST_RUN(test_subject_french);
	TEST_RUN(test_subject_long_multibyte);
	TEST_RUN(test_subject_invalid);
	TEST_RUN(test_format_headers);
	TEST_RUN(test_format_qp);
	TEST_RUN(test_format_rejects);
	TEST_RUN(test_config_check);
	return test_finish();
}
