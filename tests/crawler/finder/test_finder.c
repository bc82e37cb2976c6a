/*
 * test_finder.c - the parsing half of the search for a moved page's new
 * address (crawler/finder.c): robots.txt, sitemaps (index, gzip, caps,
 * hostile files), page links, ranking, search and parent URLs.
 */
#include "common/common.h"

#include <zlib.h>

#include "crawler/crawler.h"
#include "tests/common/test.h"

static void test_robots(void)
{
	const char *txt = "User-agent: *\nDisallow: /admin\n"
			  "Sitemap: https://www.nord.gouv.fr/sitemap.xml\r\n"
			  "  sitemap:https://www.nord.gouv.fr/sitemap2.xml.gz  \n"
			  "Sitemap: /relative.xml\nSitemap: ftp://x.fr/s.xml\n"
			  "Sitemap: https://www.nord.gouv.fr/sitemap.xml";
	struct strvec v = STRVEC_INIT;
	finder_robots_sitemaps(txt, strlen(txt), &v);
	CHECK_INT(v.n, 2);
	if (v.n == 2) {
		CHECK_STR(v.v[0], "https://www.nord.gouv.fr/sitemap.xml");
		CHECK_STR(v.v[1], "https://www.nord.gouv.fr/sitemap2.xml.gz");
	}
	strvec_release(&v);
}

static char *gzip_of(const char *s, size_t len, size_t *out_len)
{
	uLong cap = compressBound((uLong)len) + 64;
	char *out = xmalloc(cap);
	z_stream z = { 0 };
	deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
	z.next_in = (unsigned char *)(uintptr_t)s;
	z.avail_in = (unsigned)len;
	z.next_out = (unsigned char *)out;
	z.avail_out = (unsigned)cap;
	deflate(&z, Z_FINISH);
	*out_len = z.total_out;
	deflateEnd(&z);
	return out;
}

static void test_sitemaps(void)
{
	struct finder_limits lim;
	finder_limits_init(&lim);
	struct strvec v = STRVEC_INIT;
	enum finder_sitemap_kind kind = FINDER_INDEX;
	bool trunc = true;
	char *err = NULL;
	const char *urlset =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
		"<url><loc> https://a.fr/Demarches/aes </loc><lastmod>2025-01-01</lastmod></url>"
		"<url><loc>https://a.fr/x</loc></url><url><loc>javascript:alert(1)</loc></url>"
		"</urlset>";
	CHECK_INT(finder_sitemap_parse(urlset, strlen(urlset), &lim, 10, &kind, &v, &trunc, &err), 0);
	CHECK_INT(kind, FINDER_URLSET);
	CHECK(!trunc);
	CHECK_INT(v.n, 2);
	if (v.n)
		CHECK_STR(v.v[0], "https://a.fr/Demarches/aes");
	strvec_clear(&v);

	/* room for one URL: the rest is left, and said */
	CHECK_INT(finder_sitemap_parse(urlset, strlen(urlset), &lim, 1, &kind, &v, &trunc, &err), 0);
	CHECK_INT(v.n, 1);
	CHECK(trunc);
	strvec_clear(&v);

	const char *index = "<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
			    "<sitemap><loc>https://a.fr/s1.xml</loc></sitemap>"
			    "<sitemap><loc>https://a.fr/s2.xml.gz</loc></sitemap></sitemapindex>";
	size_t gz_len;
	char *gz = gzip_of(index, strlen(index), &gz_len);
	CHECK_INT(finder_sitemap_parse(gz, gz_len, &lim, 10, &kind, &v, &trunc, &err), 0);
	CHECK_INT(kind, FINDER_INDEX);
	CHECK_INT(v.n, 2);
	strvec_clear(&v);
	free(gz);

	/* a gzip bomb: 64 MiB of zeros in a few kilobytes, stopped at the cap */
	size_t big = (size_t)64 * 1024 * 1024;
	char *zeros = xcalloc(1, big);
	gz = gzip_of(zeros, big, &gz_len);
	free(zeros);
	CHECK(gz_len < 200 * 1024);
	CHECK_INT(finder_sitemap_parse(gz, gz_len, &lim, 10, &kind, &v, &trunc, &err), -1);
	CHECK_CONTAINS(err, "too large: expands beyond");
	free(err);
	err = NULL;
	/* truncated gzip */
	gz = xrealloc(gz, gz_len);
	CHECK_INT(finder_sitemap_parse(gz, 20, &lim, 10, &kind, &v, &trunc, &err), -1);
	CHECK(err != NULL);
	free(err);
	err = NULL;
	free(gz);

	/* not XML, not a sitemap, over the byte cap */
	CHECK_INT(finder_sitemap_parse("<html><body>x", 13, &lim, 10, &kind, &v, &trunc, &err), -1);
	CHECK(err != NULL);
	free(err);
	err = NULL;
	const char *rss = "<rss><channel/></rss>";
	CHECK_INT(finder_sitemap_parse(rss, strlen(rss), &lim, 10, &kind, &v, &trunc, &err), -1);
	CHECK_STR(err, "not a sitemap (root element <rss>)");
	free(err);
	err = NULL;
	lim.max_bytes = 100;
	CHECK_INT(finder_sitemap_parse(urlset, strlen(urlset), &lim, 10, &kind, &v, &trunc, &err), -1);
	CHECK_CONTAINS(err, "too large");
	free(err);
	/* an entity bomb is not expanded */
	finder_limits_init(&lim);
	const char *lol = "<?xml version=\"1.0\"?><!DOCTYPE u [<!ENTITY a \"aaaaaaaaaa\">"
			  "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>"
			  "<urlset><url><loc>https://a.fr/&c;</loc></url></urlset>";
	err = NULL;
	finder_sitemap_parse(lol, strlen(lol), &lim, 10, &kind, &v, &trunc, &err);
	CHECK(v.n == 0 || strlen(v.v[0]) < 200);
	free(err);
	strvec_release(&v);
}

static void test_links(void)
{
	const char *html = "<html><body><nav><a href='/Demarches/aes#top'>Admission exceptionnelle\n"
			   "  au séjour</a><a href='http://other.fr/x'>ailleurs</a>"
			   "<a href='../b?xtor=RSS-1'>B</a><a href='/Demarches/aes'>again</a>"
			   "<a href='mailto:a@b.fr'>m</a></nav></body></html>";
	struct finder_links l = { 0 };
	finder_html_links(html, strlen(html), "https://a.fr/x/y/old.html", 100, &l);
	CHECK_INT(l.n, 2);
	if (l.n == 2) {
		CHECK_STR(l.v[0].url, "https://a.fr/Demarches/aes");
		CHECK_STR(l.v[0].text, "Admission exceptionnelle au séjour");
		CHECK_STR(l.v[1].url, "https://a.fr/x/b");
	}
	finder_links_release(&l);
	finder_html_links(html, strlen(html), "https://a.fr/", 1, &l);
	CHECK_INT(l.n, 1);
	finder_links_release(&l);
}

static void test_rank_and_urls(void)
{
	const char *old = "https://www.nord.gouv.fr/Demarches-administratives/Etrangers/"
			  "Admission-exceptionnelle-au-sejour";
	const char *words = "Admission exceptionnelle au séjour - Les services de l'État";
	double good = finder_rank("https://www.nord.gouv.fr/Demarches/Etrangers/"
				  "Admission-exceptionnelle-au-sejour", NULL, old, words);
	double other = finder_rank("https://www.nord.gouv.fr/Actualites/Fete-de-la-musique",
				   "Fête de la musique", old, words);
	CHECK(good >= 0.5);
	CHECK(other < 0.1);
	CHECK(good > other);

	char *s = finder_search_url("https://a.fr/recherche?q={query}&p=1", "séjour AES & co");
	CHECK_STR(s, "https://a.fr/recherche?q=s%C3%A9jour+AES+%26+co&p=1");
	free(s);

	s = finder_parent_url("https://a.fr/x/y/z.html?q=1");
	CHECK_STR(s, "https://a.fr/x/y/");
	free(s);
	s = finder_parent_url("http://127.0.0.1:8080/x/y/");
	CHECK_STR(s, "http://127.0.0.1:8080/x/");
	free(s);
	s = finder_parent_url("https://a.fr/x");
	CHECK_STR(s, "https://a.fr/");
	free(s);
	CHECK(finder_parent_url("https://a.fr/") == NULL);
}

int main(void)
{
	TEST_RUN(test_robots);
	TEST_RUN(test_sitemaps);
	TEST_RUN(test_links);
	TEST_RUN(test_rank_and_urls);
	return test_finish();
}
