/*
 * url.h - the program's one URL parser: libcurl's URL API (curl_url()).
 *
 * Every module that needs a part of a URL (the watchlist's validation, the
 * crawler's per-host queues and redirect checks, linked documents' hosts,
 * reports) asks here, so that all agree on what the host of a crafted URL
 * is, and agree with the library that will fetch it. Hand-written parsers
 * disagreed ("http://a.fr\@b.fr/", "http://u@a.fr:80@b.fr/", "HTTP://[::1]:8080").
 *
 * Ownership: every char * returned is owned by the caller (free()), never
 * NULL unless said otherwise.
 */
#ifndef PREFWATCH_URL_H
#define PREFWATCH_URL_H

#include "common/common.h"

/* The parts of an absolute URL. Any scheme parses (so that a message can
 * name a refused one); a relative reference does not. */
struct pw_url {
	char *scheme;      /* lower-case: "https" */
	char *host;        /* lower-case, as written (an IDN stays Unicode);
			    * an IPv6 address in brackets: "[::1]"; "" when the
			    * URL has none ("file:///etc/passwd") */
	char *host_ascii;  /* host with an IDN in punycode ("xn--..."); the same
			    * as host for an ASCII name. NULL when it cannot be
			    * converted (needs a UTF-8 LC_CTYPE: see pw_locale_init) */
	long port;         /* the port written, else the scheme's default, else -1 */
	bool port_given;
	char *path;        /* "/" at least */
	char *query;       /* without '?'; NULL when absent */
	bool has_userinfo; /* "user@" or "user:password@" present */
};
#define PW_URL_INIT { NULL, NULL, NULL, -1, false, NULL, NULL, false }

/* Parses url into out (released first; always left valid for
 * pw_url_release()). Returns 0, or -1 with *err (owned, may be NULL to
 * ignore) set to libcurl's reason in lower case ("bad hostname"). */
int pw_url_parse(const char *url, struct pw_url *out, char **err);
void pw_url_release(struct pw_url *u);   /* accepts NULL, leaves PW_URL_INIT */

/* The lower-case host of url as written, "" when url does not parse. */
char *pw_url_host(const char *url);
/* The lower-case host in punycode form (what is resolved and what a
 * CURLOPT_RESOLVE entry must name); "" when url does not parse. */
char *pw_url_host_ascii(const char *url);
/* A host name (no port, no brackets) in punycode form, lower-case; NULL
 * when it is not a valid host name. */
char *pw_host_ascii(const char *host);

/* True when url is an absolute http: or https: URL with a host. */
bool pw_url_is_http(const char *url);
/* Both at one parse: the lower-case host of url (owned) when
 * pw_url_is_http(url), else NULL. */
char *pw_url_http_host(const char *url);

/* url without its user-info ("https://user:secret@a.fr/x" gives
 * "https://a.fr/x"), otherwise unchanged. Credentials in a URL must never
 * reach a message, a report or the database: this is the one redaction,
 * applied where URLs from the outside enter (the crawler's effective and
 * redirect URLs, links found in pages). A string libcurl cannot parse
 * still loses whatever stands between "://" and an '@' before the path. */
char *pw_url_redact(const char *url);

/* True when the numeric address ip (IPv4 dotted or IPv6, as
 * CURLINFO_PRIMARY_IP gives it) is not on the public internet: loopback,
 * private (RFC 1918), carrier-grade NAT, link-local, "this network",
 * unique-local and site-local IPv6, and IPv4-mapped or -compatible IPv6
 * forms of these. Unparsable addresses count as internal. */
bool pw_ip_is_internal(const char *ip);

/* One "HOST:PORT:ADDRESS[,ADDRESS...]" entry of a `resolve:` setting, as
 * curl's --resolve takes it: HOST a host name (an IDN is allowed), PORT
 * 1..65535, each ADDRESS a numeric IPv4 or bracketed IPv6 address. On
 * success returns 0 and, for each non-NULL output, *host_ascii (owned:
 * lower-case, punycode) and *port; the CURLOPT_RESOLVE form is
 * "HOST_ASCII:PORT:ADDRESSES". Returns -1 with *err (owned) otherwise. */
int pw_resolve_parse(const char *entry, char **host_ascii, long *port, char **curl_form,
		     char **err);

/* Sets LC_CTYPE to a UTF-8 locale ("C.UTF-8" unless the environment's is
 * UTF-8 already), other categories untouched: libcurl converts IDN host
 * names with libidn2's idn2_lookup_ul(), which reads them in the locale's
 * charset, so under cron's C locale every non-ASCII host would fail as
 * "bad/illegal format". Returns false when no UTF-8 locale is available. */
bool pw_locale_init(void);

#endif
