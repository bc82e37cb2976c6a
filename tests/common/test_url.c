/*
 * test_url.c - the one URL parser (common/url.h) and the escaping of
 * controls in messages (common/escape.h).
 */
#include "common/common.h"
#include "common/escape.h"
#include "common/url.h"
#include "tests/common/test.h"

/* Crafted URLs on which hand-written parsers disagreed with libcurl: the
 * host is the one libcurl connects to. */
static void test_hosts(void)
{
	static const struct { const char *url, *host; } cases[] = {
		{ "https://www.aisne.gouv.fr/Demarches", "www.aisne.gouv.fr" },
		{ "HTTP://WWW.Nord.Gouv.FR:8080/p?q#f", "www.nord.gouv.fr" },
		{ "http://user:secret@a.fr/x", "a.fr" },
		{ "http://a.fr@b.fr/", "b.fr" },
		{ "http://a.fr#@b.fr/", "a.fr" },
		{ "http://a.fr?@b.fr/", "a.fr" },
		{ "http://[::1]:8080/", "[::1]" },
		{ "http://u@a.fr:80@b.fr/", "" },      /* refused by libcurl: no host at all */
		{ "not a url", "" },
		{ "/relative/path", "" },
	};
	for (size_t i = 0; i < PW_ARRAY_SIZE(cases); i++) {
		char *h = pw_url_host(cases[i].url);
		if (strcmp(h, cases[i].host))
			fprintf(stderr, "  host of '%s'\n", cases[i].url);
		CHECK_STR(h, cases[i].host);
		free(h);
	}
}

static void test_parse(void)
{
	struct pw_url u = PW_URL_INIT;
	char *err = NULL;
	CHECK_INT(pw_url_parse("HTTPS://Admin:pw@Www.Example.FR/a/b?x=1#top", &u, &err), 0);
	CHECK_STR(u.scheme, "https");
	CHECK_STR(u.host, "www.example.fr");
	CHECK_STR(u.host_ascii, "www.example.fr");
	CHECK_STR(u.path, "/a/b");
	CHECK_STR(u.query, "x=1");
	CHECK_INT(u.port, 443);
	CHECK(!u.port_given);
	CHECK(u.has_userinfo);
	CHECK_INT(pw_url_parse("http://a.fr:8080", &u, &err), 0);
	CHECK_STR(u.path, "/");
	CHECK(u.query == NULL);
	CHECK_INT(u.port, 8080);
	CHECK(u.port_given);
	CHECK(!u.has_userinfo);
	CHECK_INT(pw_url_parse("http://exa mple.fr/", &u, &err), -1);
	CHECK_STR(err, "bad hostname");
	free(err);
	err = NULL;
	CHECK(u.scheme == NULL && u.host == NULL);
	pw_url_release(&u);
	pw_url_release(NULL);

	CHECK(pw_url_is_http("https://a.fr/"));
	CHECK(pw_url_is_http("HTTP://a.fr"));
	CHECK(!pw_url_is_http("ftp://a.fr/"));
	CHECK(!pw_url_is_http("mailto:x@a.fr"));
	CHECK(!pw_url_is_http("/x"));

	/* the one-parse forms give what the full parse gives */
	static const char *const urls[] = {
		"https://WWW.Aisne.gouv.fr/Demarches?x=1#y", "HTTP://a.fr", "ftp://a.fr/",
		"mailto:x@a.fr", "/x", "", "http://", "http://[::1]:8080/a",
		"https://u:p@b.fr/x", "http://a.fr/pa th", "http://a.fr:99999/",
		"file:///etc/passwd", "http://xn--prfecture-c4a.fr/",
	};
	for (size_t i = 0; i < PW_ARRAY_SIZE(urls); i++) {
		struct pw_url full = PW_URL_INIT;
		bool parsed = pw_url_parse(urls[i], &full, NULL) == 0;
		char *h = pw_url_host(urls[i]), *ha = pw_url_host_ascii(urls[i]);
		char *hh = pw_url_http_host(urls[i]);
		bool http = parsed && full.host[0] &&
			    (!strcmp(full.scheme, "http") || !strcmp(full.scheme, "https"));
		CHECK_STR(h, parsed ? full.host : "");
		CHECK_STR(ha, parsed && full.host_ascii ? full.host_ascii : "");
		CHECK_INT(pw_url_is_http(urls[i]), http);
		CHECK_INT(hh != NULL, http);
		if (hh && http)
			CHECK_STR(hh, full.host);
		free(h);
		free(ha);
		free(hh);
		pw_url_release(&full);
	}
	char *hh = pw_url_http_host("https://WWW.Aisne.gouv.fr/x");
	CHECK_STR(hh, "www.aisne.gouv.fr");
	free(hh);
}

/* IDN hosts: punycode for the resolver, Unicode for people. */
static void test_idn(void)
{
	if (!pw_locale_init()) {
		printf("skipped: no UTF-8 locale on this machine (C.UTF-8)\n");
		return;
	}
	struct pw_url u = PW_URL_INIT;
	CHECK_INT(pw_url_parse("https://préfecture.example/aes", &u, NULL), 0);
	CHECK_STR(u.host, "préfecture.example");
	CHECK_STR(u.host_ascii, "xn--prfecture-c4a.example");
	pw_url_release(&u);
	char *h = pw_host_ascii("Préfecture.Example");
	CHECK(h != NULL);
	if (h)
		CHECK_STR(h, "xn--prfecture-c4a.example");
	free(h);
	h = pw_url_host_ascii("http://www.nord.gouv.fr/");
	CHECK_STR(h, "www.nord.gouv.fr");
	free(h);
	CHECK(pw_host_ascii("a.fr:80") == NULL);
	CHECK(pw_host_ascii("") == NULL);
}

static void test_redact(void)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "https://user:secret@a.fr/x?y=1", "https://a.fr/x?y=1" },
		{ "http://user@a.fr:8080/", "http://a.fr:8080/" },
		{ "http://:pw@a.fr/", "http://a.fr/" },
		{ "https://a.fr/x@y", "https://a.fr/x@y" },        /* '@' in the path: kept */
		{ "https://a.fr/?mail=x@y.fr", "https://a.fr/?mail=x@y.fr" },
		{ "https://a.fr", "https://a.fr" },                /* unchanged, not normalised */
		{ "http://u:p@exa mple.fr/x", "http://exa mple.fr/x" }, /* unparsable: still cut */
		{ "mailto:x@a.fr", "mailto:x@a.fr" },
	};
	for (size_t i = 0; i < PW_ARRAY_SIZE(cases); i++) {
		char *r = pw_url_redact(cases[i].in);
		CHECK_STR(r, cases[i].out);
		free(r);
	}
	char *r = pw_url_redact(NULL);
	CHECK_STR(r, "");
	free(r);
}

static void test_internal_addresses(void)
{
	static const char *const internal[] = {
		"127.0.0.1", "127.1.2.3", "10.0.0.5", "172.16.0.1", "172.31.255.255",
		"192.168.1.1", "169.254.169.254", "0.0.0.0", "100.64.0.1", "::1", "::",
		"fe80::1", "[fe80::1%eth0]", "fc00::1", "fd12:3456::1", "::ffff:127.0.0.1",
		"::ffff:10.1.2.3", "::127.0.0.1", "64:ff9b::a00:1", "2002:c0a8:101::1",
		"224.0.0.1", "not an address", "",
	};
	static const char *const public_[] = {
		"8.8.8.8", "172.32.0.1", "172.15.255.255", "192.169.0.1", "100.128.0.1",
		"2001:db8::1", "2a01:cb00::1", "::ffff:8.8.8.8", "[2606:4700::1111]",
	};
	for (size_t i = 0; i < PW_ARRAY_SIZE(internal); i++) {
		if (!pw_ip_is_internal(internal[i]))
			fprintf(stderr, "  '%s' should be internal\n", internal[i]);
		CHECK(pw_ip_is_internal(internal[i]));
	}
	for (size_t i = 0; i < PW_ARRAY_SIZE(public_); i++) {
		if (pw_ip_is_internal(public_[i]))
			fprintf(stderr, "  '%s' should be public\n", public_[i]);
		CHECK(!pw_ip_is_internal(public_[i]));
	}
	CHECK(pw_ip_is_internal(NULL));
}

static void test_escape_controls(void)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "plain é œ « » \\d+", "plain é œ « » \\d+" },
		{ "a\r\nfake.yaml:1:1: ok", "a\\r\\nfake.yaml:1:1: ok" },
		{ "\x1b[2Jred\x1b[0m", "\\x1b[2Jred\\x1b[0m" },
		{ "tab\there\x7f", "tab\\there\\x7f" },
		{ "bidi \xe2\x80\xae" "cod.exe", "bidi \\u202Ecod.exe" },
		{ "\xe2\x81\xa6x\xe2\x81\xa9", "\\u2066x\\u2069" },
		{ "c1 \xc2\x9b" "31m", "c1 \\u009B31m" },
		{ "latin1 \xe9t\xe9", "latin1 \\xe9t\\xe9" },
		{ "line\xe2\x80\xa8sep", "line\\u2028sep" },
	};
	for (size_t i = 0; i < PW_ARRAY_SIZE(cases); i++) {
		char *e = str_escape_controls(cases[i].in);
		CHECK_STR(e, cases[i].out);
		CHECK(str_is_printable(e));
		CHECK(str_is_printable(cases[i].in) == !strcmp(cases[i].in, cases[i].out));
		free(e);
	}
	char *e = str_escape_controls(NULL);
	CHECK_STR(e, "");
	free(e);
}

int main(void)
{
	TEST_RUN(test_hosts);
	TEST_RUN(test_parse);
	TEST_RUN(test_idn);
	TEST_RUN(test_redact);
	TEST_RUN(test_internal_addresses);
	TEST_RUN(test_escape_controls);
	return test_finish();
}
