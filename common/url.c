/*
 * url.c - URL parts through libcurl's URL API; see url.h.
 *
 * curl_url() is the parser of the library that fetches, so a host we
 * queue, compare or print is the host libcurl connects to. Any scheme is
 * parsed (CURLU_NON_SUPPORT_SCHEME) so that callers can name a refused one.
 */
#include "common/common.h"
#include "common/url.h"

#include <arpa/inet.h>
#include <langinfo.h>
#include <locale.h>
#include <strings.h>

#include <curl/curl.h>

#define PW_URL_FLAGS CURLU_NON_SUPPORT_SCHEME

static void lower_ascii(char *s)
{
	for (; s && *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* A part of h as an owned string, lower-cased if asked; NULL if absent. */
static char *part(CURLU *h, CURLUPart what, unsigned flags, bool lower)
{
	char *v = NULL, *out = NULL;
	if (curl_url_get(h, what, &v, flags) == CURLUE_OK && v) {
		out = xstrdup(v);
		if (lower)
			lower_ascii(out);
	}
	curl_free(v);
	return out;
}

static CURLU *parse_handle(const char *url, CURLUcode *rc)
{
	CURLU *h = curl_url();
	if (!h) {
		fprintf(stderr, "prefwatch: fatal: out of memory (curl_url)\n");
		abort();
	}
	*rc = curl_url_set(h, CURLUPART_URL, url ? url : "", PW_URL_FLAGS);
	if (*rc != CURLUE_OK) {
		curl_url_cleanup(h);
		return NULL;
	}
	return h;
}

void pw_url_release(struct pw_url *u)
{
	if (!u)
		return;
	free(u->scheme);
	free(u->host);
	free(u->host_ascii);
	free(u->path);
	free(u->query);
	*u = (struct pw_url)PW_URL_INIT;
}

int pw_url_parse(const char *url, struct pw_url *out, char **err)
{
	CURLUcode rc;
	CURLU *h = NULL;
	char *port = NULL, *user = NULL, *password = NULL;
	int ret = -1;

	pw_url_release(out);
	h = parse_handle(url, &rc);
	if (!h) {
		if (err) {
			*err = xstrdup(curl_url_strerror(rc));
			if ((*err)[0] >= 'A' && (*err)[0] <= 'Z' && !((*err)[1] >= 'A' && (*err)[1] <= 'Z'))
				(*err)[0] = (char)((*err)[0] - 'A' + 'a');
		}
		goto cleanup;
	}
	out->scheme = part(h, CURLUPART_SCHEME, 0, true);
	out->host = part(h, CURLUPART_HOST, 0, true);
	out->host_ascii = part(h, CURLUPART_HOST, CURLU_PUNYCODE, true);
	out->path = part(h, CURLUPART_PATH, 0, false);
	out->query = part(h, CURLUPART_QUERY, 0, false);
	if (!out->path)
		out->path = xstrdup("/");
	port = part(h, CURLUPART_PORT, 0, false);
	out->port_given = port != NULL;
	if (!port)
		port = part(h, CURLUPART_PORT, CURLU_DEFAULT_PORT, false);
	out->port = port ? strtol(port, NULL, 10) : -1;
	user = part(h, CURLUPART_USER, 0, false);
	password = part(h, CURLUPART_PASSWORD, 0, false);
	out->has_userinfo = user || password;
	if (!out->scheme) {
		if (err)
			*err = xstrdup("no scheme");
		pw_url_release(out);
		goto cleanup;
	}
	if (!out->host) {    /* "file:///etc/passwd" */
		out->host = xstrdup("");
		free(out->host_ascii);
		out->host_ascii = xstrdup("");
	}
	ret = 0;

cleanup:
	free(port);
	free(user);
	free(password);
	curl_url_cleanup(h);
	return ret;
}

/* The host of url as pw_url_parse() gives it (punycode if ascii), or ""
 * when it does not parse; *http tells an http(s) scheme. Only the parts
 * asked for are read: the crawler asks for a host per request. */
static char *host_of(const char *url, bool ascii, bool *http)
{
	CURLUcode rc;
	char *scheme = NULL, *host = NULL;
	CURLU *h = parse_handle(url, &rc);
	if (http)
		*http = false;
	if (!h)
		return xstrdup("");
	scheme = part(h, CURLUPART_SCHEME, 0, true);
	if (scheme) {
		host = part(h, CURLUPART_HOST, ascii ? CURLU_PUNYCODE : 0, true);
		if (http)
			*http = !strcmp(scheme, "http") || !strcmp(scheme, "https");
	}
	free(scheme);
	curl_url_cleanup(h);
	return host ? host : xstrdup("");
}

char *pw_url_host(const char *url)
{
	return host_of(url, false, NULL);
}

char *pw_url_host_ascii(const char *url)
{
	return host_of(url, true, NULL);
}

char *pw_host_ascii(const char *host)
{
	if (!host || !*host || strpbrk(host, "/?#@:[] \t\r\n"))
		return NULL;
	char *url = xasprintf("http://%s/", host);
	struct pw_url u = PW_URL_INIT;
	char *out = pw_url_parse(url, &u, NULL) == 0 ? u.host_ascii : NULL;
	u.host_ascii = NULL;
	pw_url_release(&u);
	free(url);
	return out;
}

bool pw_url_is_http(const char *url)
{
	char *host = pw_url_http_host(url);
	free(host);
	return host != NULL;
}

char *pw_url_http_host(const char *url)
{
	bool http;
	char *host = host_of(url, false, &http);
	if (http && host[0])
		return host;
	free(host);
	return NULL;
}

/* For what libcurl refuses: drop what lies between "://" and the last '@'
 * of the authority (the part before the first '/', '?' or '#'). */
static char *redact_raw(const char *url)
{
	const char *auth = strstr(url, "://");
	if (!auth)
		return xstrdup(url);
	auth += 3;
	size_t n = strcspn(auth, "/?#");
	const char *at = NULL;
	for (const char *p = auth; p < auth + n; p++)
		if (*p == '@')
			at = p;
	if (!at)
		return xstrdup(url);
	return xasprintf("%.*s%s", (int)(auth - url), url, at + 1);
}

char *pw_url_redact(const char *url)
{
	CURLUcode rc;
	CURLU *h;
	char *user = NULL, *password = NULL, *out = NULL;

	if (!url)
		return xstrdup("");
	if (!strchr(url, '@'))
		return xstrdup(url);
	h = parse_handle(url, &rc);
	if (!h)
		return redact_raw(url);
	user = part(h, CURLUPART_USER, 0, false);
	password = part(h, CURLUPART_PASSWORD, 0, false);
	if (!user && !password) {
		out = xstrdup(url);
		goto cleanup;
	}
	curl_url_set(h, CURLUPART_USER, NULL, 0);
	curl_url_set(h, CURLUPART_PASSWORD, NULL, 0);
	curl_url_set(h, CURLUPART_OPTIONS, NULL, 0);
	out = part(h, CURLUPART_URL, 0, false);
	if (!out)
		out = redact_raw(url);

cleanup:
	free(user);
	free(password);
	curl_url_cleanup(h);
	return out;
}

static bool ipv4_internal(const unsigned char a[4])
{
	return a[0] == 0 || a[0] == 10 || a[0] == 127 || a[0] >= 224 ||
	       (a[0] == 100 && (a[1] & 0xC0) == 64) ||     /* 100.64/10, CGNAT */
	       (a[0] == 169 && a[1] == 254) ||
	       (a[0] == 172 && (a[1] & 0xF0) == 16) ||
	       (a[0] == 192 && a[1] == 0 && a[2] == 0) ||
	       (a[0] == 192 && a[1] == 168) ||
	       (a[0] == 198 && (a[1] & 0xFE) == 18);        /* 198.18/15 */
}

bool pw_ip_is_internal(const char *ip)
{
	unsigned char a[16];
	char tmp[INET6_ADDRSTRLEN + 8];
	size_t n;

	if (!ip)
		return true;
	if (inet_pton(AF_INET, ip, a) == 1)
		return ipv4_internal(a);
	/* "[fe80::1%eth0]" -> "fe80::1" */
	if (*ip == '[')
		ip++;
	n = strcspn(ip, "]%");
	if (n >= sizeof(tmp))
		return true;
	memcpy(tmp, ip, n);
	tmp[n] = '\0';
	if (inet_pton(AF_INET6, tmp, a) != 1)
		return true;
	static const unsigned char zero12[12] = { 0 };
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF };
	static const unsigned char nat64[12] = { 0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0 };
	if (!memcmp(a, mapped, 12) || !memcmp(a, nat64, 12))
		return ipv4_internal(a + 12);
	if (!memcmp(a, zero12, 12))     /* ::, ::1, and IPv4-compatible ::a.b.c.d */
		return true;
	if (a[0] == 0x20 && a[1] == 0x02)   /* 6to4: 2002:AABB:CCDD::/48 */
		return ipv4_internal(a + 2);
	return (a[0] & 0xFE) == 0xFC ||              /* fc00::/7 unique-local */
	       (a[0] == 0xFE && (a[1] & 0xC0) == 0x80) || /* fe80::/10 link-local */
	       (a[0] == 0xFE && (a[1] & 0xC0) == 0xC0) || /* fec0::/10 site-local */
	       a[0] == 0xFF;                          /* multicast */
}

static bool codeset_is_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);
	return cs && (!strcasecmp(cs, "UTF-8") || !strcasecmp(cs, "utf8"));
}

bool pw_locale_init(void)
{
	/* C.UTF-8 first: the same behaviour whatever the user's locale */
	if (setlocale(LC_CTYPE, "C.UTF-8") && codeset_is_utf8())
		return true;
	if (setlocale(LC_CTYPE, "") && codeset_is_utf8())
		return true;
	setlocale(LC_CTYPE, "C");
	return false;
}

/* One address of a resolve entry: "1.2.3.4" or "[::1]". */
static bool resolve_addr_valid(const char *a, size_t n)
{
	unsigned char bin[16];
	char tmp[INET6_ADDRSTRLEN + 2];
	if (n < 2 || n >= sizeof(tmp))
		return false;
	if (a[0] == '[') {
		if (a[n - 1] != ']')
			return false;
		memcpy(tmp, a + 1, n - 2);
		tmp[n - 2] = '\0';
		return inet_pton(AF_INET6, tmp, bin) == 1;
	}
	memcpy(tmp, a, n);
	tmp[n] = '\0';
	return inet_pton(AF_INET, tmp, bin) == 1;
}

int pw_resolve_parse(const char *entry, char **host_ascii, long *port, char **curl_form,
		     char **err)
{
	const char *c1 = entry ? strchr(entry, ':') : NULL;
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	char *host = NULL, *ascii = NULL, *end = NULL;
	const char *why = NULL;
	long p = 0;
	int ret = -1;

	if (!c2) {
		why = "expected HOST:PORT:ADDRESS";
		goto cleanup;
	}
	host = xstrndup(entry, (size_t)(c1 - entry));
	ascii = pw_host_ascii(host);
	if (!ascii) {
		why = "bad host name";
		goto cleanup;
	}
	errno = 0;
	p = strtol(c1 + 1, &end, 10);
	if (end != c2 || c2 == c1 + 1 || errno || p < 1 || p > 65535) {
		why = "bad port (expected 1 to 65535)";
		goto cleanup;
	}
	for (const char *a = c2 + 1;;) {
		size_t n = strcspn(a, ",");
		if (!resolve_addr_valid(a, n)) {
			why = "bad address (expected a numeric IPv4 address or an IPv6 one in brackets)";
			goto cleanup;
		}
		if (!a[n])
			break;
		a += n + 1;
	}
	if (curl_form)
		*curl_form = xasprintf("%s:%ld:%s", ascii, p, c2 + 1);
	if (port)
		*port = p;
	if (host_ascii) {
		*host_ascii = ascii;
		ascii = NULL;
	}
	ret = 0;

cleanup:
	if (why && err)
		*err = xasprintf("bad resolve entry '%s': %s, like curl's --resolve "
				 "(e.g. 'www.aisne.gouv.fr:443:192.0.2.10')", entry ? entry : "", why);
	free(host);
	free(ascii);
	return ret;
}
