/*
 * finder.c - where a moved page may have gone: the parsing half of the
 * search for a new address (see crawler.h, "finding a moved page").
 *
 * The site tells where its pages are in three ways: its sitemaps (named
 * by robots.txt, or at /sitemap.xml; an index names further sitemaps,
 * any of them may be gzipped), the links of its pages (where the old
 * address now redirects, the old address's parent section), and its
 * search page. Everything here parses what the crawler fetched from an
 * untrusted site, so every input is capped: bytes after gunzip, URLs per
 * sitemap, links per page; the depth of sitemap indexes is the caller's
 * to cap (it fetches them). The fetching itself is the caller's, through
 * the crawler, with its politeness and limits.
 */
#include "common/common.h"
#include "common/similar.h"
#include "common/url.h"

#include "crawler/crawler.h"

#include <strings.h>

#include <curl/curl.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/uri.h>
#include <libxml/xpath.h>
#include <zlib.h>

void finder_limits_init(struct finder_limits *l)
{
	l->max_bytes = FINDER_MAX_BYTES;
	l->max_urls = FINDER_MAX_URLS;
	l->max_depth = FINDER_MAX_DEPTH;
	l->max_sitemaps = FINDER_MAX_SITEMAPS;
	l->max_links = FINDER_MAX_LINKS;
	l->max_fetch_page = FINDER_MAX_FETCH_PAGE;
	l->max_fetch_night = FINDER_MAX_FETCH_NIGHT;
}

void finder_robots_sitemaps(const char *txt, size_t len, struct strvec *out)
{
	const char *p = txt, *end = txt + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		while (p < le && (*p == ' ' || *p == '\t'))
			p++;
		if (le - p > 8 && !strncasecmp(p, "sitemap:", 8)) {
			const char *v = p + 8, *ve = le;
			while (v < ve && (*v == ' ' || *v == '\t'))
				v++;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
				ve--;
			char *u = xstrndup(v, (size_t)(ve - v));
			if (pw_url_is_http(u) && !strvec_contains(out, u) && out->n < FINDER_MAX_SITEMAPS)
				strvec_push_nodup(out, u);
			else
				free(u);
		}
		p = le + 1;
	}
}

/* Undoes gzip into out, at most max bytes: -1 with *err past it (a gzip
 * bomb) or on a corrupt stream. */
static int gunzip_capped(const char *in, size_t len, size_t max, struct buf *out, char **err)
{
	z_stream z = { 0 };
	unsigned char chunk[16384];
	int rc, ret = -1;
	if (inflateInit2(&z, 15 + 32) != Z_OK) {
		*err = xstrdup("cannot start gzip decoding");
		return -1;
	}
	z.next_in = (unsigned char *)(uintptr_t)in;
	z.avail_in = len > UINT_MAX ? UINT_MAX : (unsigned)len;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		rc = inflate(&z, Z_NO_FLUSH);
		if (rc != Z_OK && rc != Z_STREAM_END) {
			*err = xasprintf("corrupt gzip data (%s)", z.msg ? z.msg : "inflate failed");
			goto cleanup;
		}
		size_t got = sizeof(chunk) - z.avail_out;
		if (out->len + got > max) {
			*err = xasprintf("too large: expands beyond %zu bytes", max);
			goto cleanup;
		}
		if (buf_add(out, chunk, got) < 0) {
			*err = xasprintf("too large: expands beyond %zu bytes", max);
			goto cleanup;
		}
	} while (rc != Z_STREAM_END && (z.avail_in > 0 || z.avail_out == 0));
	if (rc != Z_STREAM_END) {
		*err = xstrdup("truncated gzip data");
		goto cleanup;
	}
	ret = 0;
cleanup:
	inflateEnd(&z);
	return ret;
}

static bool local_is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

int finder_sitemap_parse(const char *body, size_t len, const struct finder_limits *lim,
			 size_t room, enum finder_sitemap_kind *kind, struct strvec *out,
			 bool *truncated, char **err)
{
	struct buf plain = BUF_INIT;
	xmlDoc *doc = NULL;
	int ret = -1;
	*truncated = false;
	*err = NULL;
	if (len >= 2 && (unsigned char)body[0] == 0x1f && (unsigned char)body[1] == 0x8b) {
		buf_init(&plain, lim->max_bytes);
		if (gunzip_capped(body, len, lim->max_bytes, &plain, err) < 0)
			goto cleanup;
		body = buf_str(&plain);
		len = plain.len;
	}
	if (len > lim->max_bytes) {
		*err = xasprintf("too large: %zu bytes, over %zu", len, lim->max_bytes);
		goto cleanup;
	}
	if (len > INT_MAX) {
		*err = xstrdup("too large");
		goto cleanup;
	}
	/* no network, no entity substitution, no DTD loading: a sitemap is
	 * plain elements; without XML_PARSE_HUGE libxml2 keeps its own
	 * limits on depth and node sizes */
	doc = xmlReadMemory(body, (int)len, NULL, NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (!root) {
		*err = xstrdup("not XML");
		goto cleanup;
	}
	const char *item;
	if (local_is(root, "urlset")) {
		*kind = FINDER_URLSET;
		item = "url";
	} else if (local_is(root, "sitemapindex")) {
		*kind = FINDER_INDEX;
		item = "sitemap";
	} else {
		*err = xasprintf("not a sitemap (root element <%s>)", (const char *)root->name);
		goto cleanup;
	}
	for (xmlNode *n = root->children; n; n = n->next) {
		if (!local_is(n, item))
			continue;
		for (xmlNode *c = n->children; c; c = c->next) {
			if (!local_is(c, "loc"))
				continue;
			xmlChar *v = xmlNodeGetContent(c);
			if (!v)
				continue;
			const char *s = (const char *)v;
			size_t sl = strlen(s);
			while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
				s++, sl--;
			while (sl && (s[sl - 1] == ' ' || s[sl - 1] == '\n' || s[sl - 1] == '\t' ||
				      s[sl - 1] == '\r'))
				sl--;
			char *u = xstrndup(s, sl);
			xmlFree(v);
			if (!pw_url_is_http(u)) {
				free(u);
				continue;
			}
			if (room == 0) {
				free(u);
				*truncated = true;
				ret = 0;
				goto cleanup;
			}
			strvec_push_nodup(out, u);
			room--;
		}
	}
	ret = 0;
cleanup:
	xmlFreeDoc(doc);
	buf_release(&plain);
	return ret;
}

/* The text of an element, spaces collapsed, at most 300 bytes; owned. */
static char *node_text(xmlNode *n)
{
	xmlChar *t = xmlNodeGetContent(n);
	struct buf b = BUF_INIT;
	buf_init(&b, 300);
	bool space = false;
	for (const char *p = t ? (const char *)t : ""; *p && !b.toobig; p++) {
		if (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') {
			space = b.len > 0;
			continue;
		}
		if (space && buf_addch(&b, ' ') < 0)
			break;
		space = false;
		if (buf_addch(&b, *p) < 0)
			break;
	}
	if (t)
		xmlFree(t);
	return buf_detach(&b, NULL);
}

void finder_html_links(const char *html, size_t len, const char *base_url, size_t max,
		       struct finder_links *out)
{
	htmlDocPtr doc = NULL;
	xmlXPathContextPtr xc = NULL;
	xmlXPathObjectPtr res = NULL;
	struct strmap seen = STRMAP_INIT;
	char *host = pw_url_host(base_url);
	if (!html || len > INT_MAX || !host[0])
		goto cleanup;
	doc = htmlReadMemory(html, (int)len, base_url, "UTF-8",
			     HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
				     HTML_PARSE_NOWARNING);
	if (!doc || !(xc = xmlXPathNewContext(doc)))
		goto cleanup;
	res = xmlXPathEvalExpression((const xmlChar *)"//a[@href]", xc);
	if (!res || !res->nodesetval)
		goto cleanup;
	for (int i = 0; i < res->nodesetval->nodeNr && out->n < max; i++) {
		xmlNode *a = res->nodesetval->nodeTab[i];
		xmlChar *href = xmlGetProp(a, (const xmlChar *)"href");
		xmlChar *abs = href ? xmlBuildURI(href, (const xmlChar *)base_url) : NULL;
		if (href)
			xmlFree(href);
		if (!abs)
			continue;
		char *u = xstrdup((const char *)abs);
		xmlFree(abs);
		u[strcspn(u, "#")] = '\0';
		char *canon = url_canonical(u, NULL);
		free(u);
		char *h = pw_url_host(canon);
		bool keep = pw_url_is_http(canon) && !strcmp(h, host) && !strmap_get(&seen, canon);
		free(h);
		if (!keep) {
			free(canon);
			continue;
		}
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		out->v[out->n].url = canon;
		out->v[out->n].text = node_text(a);
		out->n++;
		/* keys borrowed from out, which outlives the map */
		strmap_put(&seen, canon, canon);
	}
cleanup:
	strmap_release(&seen);
	xmlXPathFreeObject(res);
	xmlXPathFreeContext(xc);
	xmlFreeDoc(doc);
	free(host);
}

void finder_links_release(struct finder_links *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].url);
		free(l->v[i].text);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* The words of a URL's path, percent-escapes undone ("/Demarches/Admission-
 * exceptionnelle" gives "Demarches Admission exceptionnelle"), with the
 * usual file extensions dropped; owned. */
static char *path_words(const char *url)
{
	struct pw_url u = PW_URL_INIT;
	struct buf b = BUF_INIT;
	if (pw_url_parse(url, &u, NULL) == 0) {
		char *dec = curl_easy_unescape(NULL, u.path, 0, NULL);
		for (const char *p = dec ? dec : u.path; *p; p++)
			buf_addch(&b, *p == '/' || *p == '-' || *p == '_' || *p == '.' ? ' ' : *p);
		curl_free(dec);
		if (u.query) {
			buf_addch(&b, ' ');
			buf_addstr(&b, u.query);
		}
	}
	pw_url_release(&u);
	char *s = buf_detach(&b, NULL);
	static const char *const exts[] = { " html", " htm", " php", " aspx" };
	for (size_t i = 0; i < PW_ARRAY_SIZE(exts); i++) {
		size_t n = strlen(s), e = strlen(exts[i]);
		if (n >= e && !strcasecmp(s + n - e, exts[i]))
			s[n - e] = '\0';
	}
	return s;
}

double finder_rank(const char *url, const char *text, const char *old_url, const char *old_words)
{
	char *a = path_words(url), *b = path_words(old_url);
	char *x = xasprintf("%s %s", a, text ? text : "");
	char *y = xasprintf("%s %s", b, old_words ? old_words : "");
	double r = pw_similarity(x, y, 1);
	free(a);
	free(b);
	free(x);
	free(y);
	return r;
}

char *finder_search_url(const char *pattern, const char *query)
{
	const char *q = strstr(pattern, "{query}");
	if (!q)
		return xstrdup(pattern);
	struct buf b = BUF_INIT;
	buf_add(&b, pattern, (size_t)(q - pattern));
	for (const unsigned char *p = (const unsigned char *)query; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_' || *p == '.' || *p == '~')
			buf_addch(&b, (char)*p);
		else if (*p == ' ')
			buf_addch(&b, '+');
		else
			buf_printf(&b, "%%%02X", *p);
	}
	buf_addstr(&b, q + 7);
	return buf_detach(&b, NULL);
}

char *finder_parent_url(const char *url)
{
	struct pw_url u = PW_URL_INIT;
	char *out = NULL;
	if (pw_url_parse(url, &u, NULL) < 0 || !strcmp(u.path, "/"))
		goto cleanup;
	size_t n = strlen(u.path);
	if (u.path[n - 1] == '/')
		n--;
	while (n > 0 && u.path[n - 1] != '/')
		n--;
	char *port = u.port_given ? xasprintf(":%ld", u.port) : xstrdup("");
	out = xasprintf("%s://%s%s%.*s", u.scheme, u.host_ascii ? u.host_ascii : u.host, port,
			(int)n, u.path);
	free(port);
cleanup:
	pw_url_release(&u);
	return out;
}
