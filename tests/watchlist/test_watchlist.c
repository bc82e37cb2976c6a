/*
 * test_watchlist.c - the watchlist loader and its YAML reader.
 *
 * One test per error kind, each asserting the exact "FILE:LINE:COLUMN:
 * message" lines for a fixture in tests/watchlist/data/ (positions were
 * checked by hand against the fixture: they point at the offending key or
 * value). Then a round trip of a valid file, the merging of several files,
 * and the bundled watchlists of watchlist/.
 */
#include "common/common.h"
#include "common/url.h"
#include "watchlist/watchlist.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include "tests/common/test.h"

/* Loads the fixtures in order into a fresh watchlist and checks that the
 * errors are exactly expected[] ("FIXTURE:LINE:COL: message", where
 * FIXTURE is replaced by the fixture's full path). */
static void expect_errors_multi(const char *const *fixtures, const char *const *expected)
{
	struct watchlist wl;
	struct strvec errs = STRVEC_INIT;
	struct strvec paths = STRVEC_INIT;
	int returned = 0;
	size_t n_expected = 0;

	watchlist_init(&wl);
	for (size_t i = 0; fixtures[i]; i++) {
		char *rel = xasprintf("watchlist/data/%s", fixtures[i]);
		char *path = test_path(rel);
		returned += watchlist_load(&wl, path, &errs);
		strvec_push_nodup(&paths, path);
		free(rel);
	}
	returned += watchlist_finish(&wl, &errs);
	while (expected[n_expected])
		n_expected++;
	CHECK_INT(returned, errs.n);
	CHECK_INT(errs.n, n_expected);
	for (size_t i = 0; i < n_expected && i < errs.n; i++) {
		/* expand every fixture name into its path */
		struct buf want = BUF_INIT;
		const char *s = expected[i];
		while (*s) {
			size_t best = 0, which = 0;
			for (size_t f = 0; fixtures[f]; f++) {
				size_t len = strlen(fixtures[f]);
				if (!strncmp(s, fixtures[f], len) && len > best) {
					best = len;
					which = f;
				}
			}
			if (best) {
				buf_addstr(&want, paths.v[which]);
				s += best;
			} else {
				buf_addch(&want, *s++);
			}
		}
		CHECK_STR(errs.v[i], buf_str(&want));
		buf_release(&want);
	}
	for (size_t i = n_expected; i < errs.n; i++)
		fprintf(stderr, "  unexpected: %s\n", errs.v[i]);
	strvec_release(&paths);
	strvec_release(&errs);
	watchlist_release(&wl);
}

static void expect_errors(const char *fixture, const char *const *expected)
{
	const char *fixtures[] = { fixture, NULL };
	expect_errors_multi(fixtures, expected);
}

static void test_syntax_error(void)
{
	/* The flow sequence opened at 4:11 is never closed; libyaml notices
	 * at the ':' after "kind" on the next line. */
	static const char *const e[] = {
		"err-syntax.yaml:5:9: syntax error: did not find expected ',' or ']' "
		"(while parsing a flow sequence at line 4, column 11)",
		NULL
	};
	expect_errors("err-syntax.yaml", e);
}

/* Every tab-indented line is said in one pass (libyaml stops at the
 * first), and the offices before and after the tabs are still checked:
 * 02-soissons, cut short at its tab, is not (nothing said of its missing
 * keys), 02-vervins after it is. */
static void test_tabs(void)
{
	static const char *const e[] = {
		"err-tabs.yaml:7:11: bad kind 'nope': expected prefecture or sous-prefecture",
		"err-tabs.yaml:9:1: tab in indentation: indent with spaces (YAML forbids tabs there)",
		"err-tabs.yaml:11:1: tab in indentation: indent with spaces (YAML forbids tabs there)",
		"err-tabs.yaml:19:14: bad url 'www.aisne.gouv.fr/vervins': not a full address "
		"(expected http://... or https://...)",
		NULL
	};
	expect_errors("err-tabs.yaml", e);
}

/* The mistakes of indentation and of ':' editors make, each said with
 * what to do, and reading goes on at the next office after each syntax
 * error (the ftp:// of the last office is found). */
static void test_indentation_and_colons(void)
{
	static const char *const e[] = {
		"err-indent.yaml:10:8: syntax error: wrong indentation: align this line with the list "
		"at line 9, column 7 (each item starts with '- ' there, its keys under the first)",
		"err-indent.yaml:18:9: page 'url:https://www.aisne.gouv.fr/soissons': no space after ':': "
		"write 'url: https://www.aisne.gouv.fr/soissons'",
		"err-indent.yaml:19:5: office '02-vervins' handles AES but has no pages (add pages, or set "
		"handles_aes: false)",
		"err-indent.yaml:25:5: 'url' belongs to a page, not to the office: indent it under 'pages:' "
		"as '- url: ...'",
		"err-indent.yaml:31:5: syntax error: no space after ':' in 'kind:sous-prefecture': write "
		"'key: value'",
		"err-indent.yaml:41:14: unsupported scheme 'ftp' in url 'ftp://www.aisne.gouv.fr/chateau': "
		"only http and https are allowed",
		NULL
	};
	expect_errors("err-indent.yaml", e);

	/* a bare address as a page */
	struct watchlist wl;
	struct strvec errs = STRVEC_INIT;
	static const char text[] =
		"offices:\n"
		"  - id: 02-laon\n    region: R\n    departement: \"02\"\n    departement_name: Aisne\n"
		"    name: Laon\n    kind: prefecture\n    pages:\n      - https://www.aisne.gouv.fr/AES\n";
	watchlist_init(&wl);
	CHECK_INT(watchlist_load_buffer(&wl, "bare.yaml", text, sizeof(text) - 1, &errs), 1);
	if (errs.n)
		CHECK_STR(errs.v[0], "bare.yaml:9:9: page 'https://www.aisne.gouv.fr/AES' is a bare address: "
			  "write it '- url: https://www.aisne.gouv.fr/AES'");
	strvec_release(&errs);
	watchlist_release(&wl);
}

/* Reading on after a syntax error has a bound: a file that is not YAML
 * at all costs one pass per error, each over the whole text. */
static void test_syntax_errors_bounded(void)
{
	struct watchlist wl;
	struct strvec errs = STRVEC_INIT;
	struct buf b = BUF_INIT;
	buf_addstr(&b, "offices:\n");
	for (int i = 0; i < 60; i++)
		buf_printf(&b, "  - id: x-%d\n    kind: a: b\n", i);
	watchlist_init(&wl);
	CHECK_INT(watchlist_load_buffer(&wl, "many.yaml", buf_str(&b), b.len, &errs), 52);
	if (errs.n == 52) {
		CHECK_STR(errs.v[0], "many.yaml:3:12: syntax error: unexpected ':' here: indent this line "
			  "like the keys above it, or put a value holding ': ' in quotes");
		CHECK_STR(errs.v[51], "many.yaml:104:1: too many syntax errors: the file is not read past "
			  "this line (fix the errors above first)");
	}
	CHECK_INT(wl.n_offices, 0);
	buf_release(&b);
	strvec_release(&errs);
	watchlist_release(&wl);
}

static void test_unknown_key(void)
{
	static const char *const e[] = {
		"err-unknown-key.yaml:3:3: unknown key 'retries' in defaults",
		"err-unknown-key.yaml:11:5: unknown key 'phone' in office",
		"err-unknown-key.yaml:14:9: unknown key 'selector' in page",
		"err-unknown-key.yaml:15:1: unknown key 'version' in watchlist file",
		NULL
	};
	expect_errors("err-unknown-key.yaml", e);
}

static void test_duplicate_office(void)
{
	static const char *const e[] = {
		"err-dup-office.yaml:9:9: duplicate office id '02-soissons' (first at err-dup-office.yaml:2:9)",
		NULL
	};
	expect_errors("err-dup-office.yaml", e);
}

static void test_duplicate_office_across_files(void)
{
	/* The same file twice: every office and every explicit page id of
	 * the second copy clashes with the first. */
	static const char *const f[] = { "valid.yaml", "valid-more.yaml", "valid.yaml", NULL };
	static const char *const e[] = {
		"valid.yaml:15:9: duplicate office id '02-laon' (first at valid.yaml:15)",
		"valid.yaml:29:9: duplicate office id '02-soissons' (first at valid.yaml:29)",
		"valid.yaml:36:9: duplicate office id '2a-ajaccio' (first at valid.yaml:36)",
		"valid.yaml:43:13: duplicate page id '2a-ajaccio-l435-1' (first at valid.yaml:43)",
		"valid.yaml:46:13: duplicate page id '2a-ajaccio-rdv' (first at valid.yaml:46)",
		NULL
	};
	expect_errors_multi(f, e);
}

/* served_by names an office of any file that has pages; that office then
 * lists whom it serves. */
static void test_served_by(void)
{
	static const char *const f[] = { "served-by-a.yaml", "served-by-b.yaml", NULL };
	static const char *const none[] = { NULL };
	expect_errors_multi(f, none);

	struct watchlist wl;
	struct strvec errs = STRVEC_INIT;
	watchlist_init(&wl);
	for (size_t i = 0; f[i]; i++) {
		char *rel = xasprintf("watchlist/data/%s", f[i]);
		char *path = test_path(rel);
		CHECK_INT(watchlist_load(&wl, path, &errs), 0);
		free(rel);
		free(path);
	}
	CHECK_INT(watchlist_finish(&wl, &errs), 0);
	CHECK_INT(wl.n_offices, 3);
	const struct wl_office *douai = &wl.offices[0], *cambrai = &wl.offices[1];
	CHECK_STR(douai->id, "59-douai");
	CHECK_INT(douai->serves_ids.n, 2);
	CHECK_STR(douai->serves_ids.v[0], "59-cambrai");
	CHECK_STR(douai->serves_names.v[0], "Sous-préfecture de Cambrai");
	CHECK_STR(douai->serves_ids.v[1], "59-le-cateau");
	CHECK_STR(cambrai->served_by, "59-douai");
	CHECK(!cambrai->handles_aes);
	CHECK_INT(cambrai->n_pages, 0);
	CHECK_INT(watchlist_page_count(&wl), 1);
	watchlist_release(&wl);
	strvec_release(&errs);
}

static void test_served_by_errors(void)
{
	static const char *const e[] = {
		"err-served-by.yaml:52:5: office '59-with-pages' has served_by but lists pages "
		"(the serving office's pages are watched)",
		"err-served-by.yaml:60:5: office '59-handles' has served_by: its requests go to another "
		"office, so handles_aes cannot be true",
		"err-served-by.yaml:16:16: served_by '59-dovai' of office '59-nowhere': no office of the "
		"watchlist has this id",
		"err-served-by.yaml:23:16: served_by '59-self' of office '59-self': an office cannot be "
		"served by itself",
		"err-served-by.yaml:30:16: served_by '59-nowhere' of office '59-chain': that office is "
		"itself served by '59-dovai': name the office whose pages are watched",
		"err-served-by.yaml:44:16: served_by '59-soissons-like' of office '59-to-pageless': that "
		"office has no pages to watch",
		NULL
	};
	expect_errors("err-served-by.yaml", e);
}

static void test_duplicate_page(void)
{
	static const char *const e[] = {
		"err-dup-page.yaml:11:13: duplicate page id '80-amiens-rdv' (first at err-dup-page.yaml:9:13)",
		NULL
	};
	expect_errors("err-dup-page.yaml", e);
}

static void test_duplicate_page_across_files(void)
{
	/* dup-page-a's single page took its office id, 59-douai. */
	static const char *const f[] = { "dup-page-a.yaml", "dup-page-b.yaml", NULL };
	static const char *const e[] = {
		"dup-page-b.yaml:11:13: duplicate page id '59-douai' (first at dup-page-a.yaml:9)",
		NULL
	};
	expect_errors_multi(f, e);
}

static void test_missing_key(void)
{
	/* Missing keys are reported at the mapping that lacks them. */
	static const char *const e[] = {
		"err-missing-key.yaml:2:5: missing required key 'region' in office '60-beauvais'",
		"err-missing-key.yaml:2:5: missing required key 'name' in office '60-beauvais'",
		"err-missing-key.yaml:7:9: missing required key 'url' in page",
		"err-missing-key.yaml:8:5: missing required key 'id' in office",
		"err-missing-key.yaml:8:5: missing required key 'kind' in office",
		NULL
	};
	expect_errors("err-missing-key.yaml", e);
}

static void test_bad_id(void)
{
	static const char *const e[] = {
		"err-bad-id.yaml:2:9: bad id '62_Arras': only a-z, 0-9 and '-' are allowed (at most 100 characters)",
		"err-bad-id.yaml:17:13: bad id '80 amiens': only a-z, 0-9 and '-' are allowed (at most 100 characters)",
		NULL
	};
	expect_errors("err-bad-id.yaml", e);
}

static void test_bad_url(void)
{
	/* HTTPS in capitals (line 16) is fine. */
	static const char *const e[] = {
		"err-url.yaml:10:14: unsupported scheme 'ftp' in url 'ftp://ftp.somme.gouv.fr/aes.pdf': "
		"only http and https are allowed",
		"err-url.yaml:12:14: bad url '/Demarches/aes': not a full address (expected http://... or https://...)",
		"err-url.yaml:14:14: unsupported scheme 'file' in url 'file:///etc/passwd': "
		"only http and https are allowed",
		NULL
	};
	expect_errors("err-url.yaml", e);
}

static void test_unparsable_url(void)
{
	static const char *const e[] = {
		"err-url-parse.yaml:10:14: bad url 'http://exa mple.fr/': bad hostname",
		"err-url-parse.yaml:12:14: bad url 'https://': no host part in the URL",
		"err-url-parse.yaml:14:14: bad url 'http://[::1/': bad IPv6 address",
		NULL
	};
	expect_errors("err-url-parse.yaml", e);
}

/* Values quoted in messages cannot forge lines or drive the terminal (CR,
 * LF, ESC, bidi controls are escaped), and a URL with credentials is
 * refused without printing them. */
static void test_controls_and_credentials(void)
{
	static const char *const e[] = {
		"err-controls.yaml:2:9: bad id '02-laon\\r\\ntests/fake.yaml:1:1: all good\\x1b[2J': "
		"only a-z, 0-9 and '-' are allowed (at most 100 characters)",
		"err-controls.yaml:8:5: unknown key 'sel\\u202Etcele' in office",
		"err-controls.yaml:10:14: bad url 'https://www.aisne.gouv.fr/\\x1b]0;pwned\\x07': bad path",
		"err-controls.yaml:12:14: url 'http://www.aisne.gouv.fr/aes' holds a user name or password: "
		"credentials do not belong in a watchlist, put them in ~/.netrc",
		"err-controls.yaml:14:14: url 'https://www.aisne.gouv.fr/aes' holds a user name or password: "
		"credentials do not belong in a watchlist, put them in ~/.netrc",
		NULL
	};
	expect_errors("err-controls.yaml", e);
}

/* resolve: entries are checked like curl's --resolve would read them. */
static void test_resolve_entries(void)
{
	static const char *const e[] = {
		"err-resolve.yaml:5:7: bad resolve entry 'www.aisne.gouv.fr:443': expected HOST:PORT:ADDRESS, "
		"like curl's --resolve (e.g. 'www.aisne.gouv.fr:443:192.0.2.10')",
		"err-resolve.yaml:6:7: bad resolve entry 'www.aisne.gouv.fr:0:127.0.0.1': bad port (expected 1 "
		"to 65535), like curl's --resolve (e.g. 'www.aisne.gouv.fr:443:192.0.2.10')",
		"err-resolve.yaml:7:7: bad resolve entry 'www.aisne.gouv.fr:443:localhost': bad address "
		"(expected a numeric IPv4 address or an IPv6 one in brackets), like curl's --resolve "
		"(e.g. 'www.aisne.gouv.fr:443:192.0.2.10')",
		"err-resolve.yaml:8:7: bad resolve entry 'bad host:80:127.0.0.1': bad host name, like curl's "
		"--resolve (e.g. 'www.aisne.gouv.fr:443:192.0.2.10')",
		NULL
	};
	expect_errors("err-resolve.yaml", e);
}

static void test_bad_kind(void)
{
	static const char *const e[] = {
		"err-kind.yaml:7:11: bad kind 'préfecture': expected prefecture or sous-prefecture",
		NULL
	};
	expect_errors("err-kind.yaml", e);
}

static void test_page_without_id(void)
{
	static const char *const e[] = {
		"err-page-no-id.yaml:11:9: missing required key 'id' in page: "
		"an office with several pages needs an id for each",
		NULL
	};
	expect_errors("err-page-no-id.yaml", e);
}

static void test_bad_xpath(void)
{
	static const char *const e[] = {
		"err-xpath.yaml:10:17: bad XPath '//div[@id=\"content\"': invalid predicate at offset 19",
		"err-xpath.yaml:13:13: bad XPath '//nav//': invalid expression at offset 7",
		NULL
	};
	/* libxml2 must not print its own diagnostics: capture stderr. */
	char *capture = xasprintf("%s/xpath-stderr.txt", test_tmpdir());
	fflush(stderr);
	int saved = dup(2);
	int fd = open(capture, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	close(fd);
	struct watchlist wl;
	struct strvec errs = STRVEC_INIT;
	char *path = test_path("watchlist/data/err-xpath.yaml");
	watchlist_init(&wl);
	int n = watchlist_load(&wl, path, &errs);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	size_t len = 0;
	char *printed = test_read_file(capture, &len);
	CHECK_INT(n, 2);
	CHECK_STR(printed, "");
	free(printed);
	free(path);
	free(capture);
	strvec_release(&errs);
	watchlist_release(&wl);

	expect_errors("err-xpath.yaml", e);
}

static void test_bad_regex(void)
{
	/* PCRE2 offsets count bytes: "à" is two. */
	static const char *const e[] = {
		"err-regex.yaml:2:11: bad regex 'Mis à jour le (\\d+': missing closing parenthesis at offset 19",
		"err-regex.yaml:14:13: bad regex 'é[z-a]': range out of order in character class at offset 5",
		NULL
	};
	expect_errors("err-regex.yaml", e);
}

static void test_ignore_params(void)
{
	/* Names of link parameters: URL-safe, an optional final '*'. */
	static const char *const e[] = {
		"ignore-params.yaml:21:25: bad parameter name 'a=b' in 'ignore_params': expected letters, "
		"digits, '_', '.', '-' or '[]', optionally ending in '*' (a prefix)",
		"ignore-params.yaml:21:32: bad parameter name 'x*y' in 'ignore_params': expected letters, "
		"digits, '_', '.', '-' or '[]', optionally ending in '*' (a prefix)",
		"ignore-params.yaml:21:39: ignore_params: expected a non-empty string, got an empty value",
		NULL
	};
	expect_errors("ignore-params.yaml", e);
}

static void test_search_url(void)
{
	/* "{query}" once, and an http(s) URL around it */
	static const char *const e[] = {
		"search-url.yaml:21:21: bad search_url 'https://www.aisne.gouv.fr/recherche?q=aes': "
		"expected '{query}' exactly once, where the searched words go",
		"search-url.yaml:30:21: unsupported scheme 'ftp' in url 'ftp://www.aisne.gouv.fr/x': "
		"only http and https are allowed",
		NULL
	};
	expect_errors("search-url.yaml", e);

	/* the valid ones are kept: the defaults' and a page's own */
	struct watchlist wl;
	struct strvec errs = STRVEC_INIT;
	char *path = test_path("watchlist/data/search-url.yaml");
	watchlist_init(&wl);
	watchlist_load(&wl, path, &errs);
	CHECK_STR(wl.defaults.search_url, "https://www.aisne.gouv.fr/recherche?q={query}");
	const struct wl_page *p = watchlist_find_page(&wl, "02-laon");
	CHECK(p != NULL);
	if (p)
		CHECK_STR(p->search_url, "https://www.aisne.gouv.fr/search/{query}/");
	watchlist_release(&wl);
	strvec_release(&errs);
	free(path);
}

static void test_wrong_type(void)
{
	static const char *const e[] = {
		"err-type.yaml:2:3: defaults: expected a mapping, got a sequence",
		"err-type.yaml:8:11: name: expected a scalar, got a mapping",
		"err-type.yaml:10:12: pages: expected a sequence, got a scalar",
		"err-type.yaml:11:5: office: expected a mapping, got a scalar",
		NULL
	};
	static const char *const root[] = {
		"err-type-root.yaml:1:1: watchlist file: expected a mapping, got a sequence",
		NULL
	};
	expect_errors("err-type.yaml", e);
	expect_errors("err-type-root.yaml", root);
}

static void test_handles_aes(void)
{
	static const char *const e[] = {
		"err-handles-aes.yaml:9:5: office '02-soissons' has handles_aes: false but lists pages",
		"err-handles-aes.yaml:11:5: office '02-vervins' handles AES but has no pages "
		"(add pages, or set handles_aes: false)",
		"err-handles-aes.yaml:23:18: bad value 'yes' for 'handles_aes': expected true or false",
		"err-handles-aes.yaml:24:12: office '02-laon' handles AES but has no pages "
		"(add one, or set handles_aes: false)",
		NULL
	};
	expect_errors("err-handles-aes.yaml", e);
}

/* status: to_find lists an office whose page is still to be found; a
 * page's verified: false marks a weak match (issue 22). */
static void test_status_and_verified(void)
{
	struct watchlist wl;
	struct strvec errs = STRVEC_INIT;
	char *path = test_path("watchlist/data/status.yaml");

	watchlist_init(&wl);
	CHECK_INT(watchlist_load(&wl, path, &errs), 0);
	CHECK_INT(watchlist_finish(&wl, &errs), 0);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "  unexpected: %s\n", errs.v[i]);
	CHECK_INT(wl.n_offices, 3);
	if (wl.n_offices == 3) {
		CHECK(wl.offices[0].to_find);
		CHECK(wl.offices[0].handles_aes);
		CHECK_INT(wl.offices[0].n_pages, 0);
		CHECK(wl.offices[1].to_find);
		CHECK(!wl.offices[2].to_find);
	}
	const struct wl_page *p = watchlist_find_page(&wl, "78-versailles-rendez-vous");
	CHECK(p && !p->verified);
	p = watchlist_find_page(&wl, "78-versailles-page");
	CHECK(p && p->verified);
	strvec_release(&errs);
	watchlist_release(&wl);
	free(path);

	/* the same text from memory, under the name given */
	static const char text[] =
		"offices:\n"
		"  - id: 01-gex\n"
		"    region: Auvergne-Rhône-Alpes\n"
		"    departement: \"01\"\n"
		"    departement_name: Ain\n"
		"    name: Sous-préfecture de Gex\n"
		"    kind: sous-prefecture\n"
		"    status: to_find\n"
		"  - id: 01-nantua\n"
		"    kind: sous-prefecture\n";
	watchlist_init(&wl);
	CHECK_INT(watchlist_load_buffer(&wl, "sheet.csv", text, sizeof(text) - 1, &errs), 5);
	CHECK_INT(wl.n_offices, 1);
	if (errs.n)
		CHECK_STR(errs.v[0], "sheet.csv:9:5: missing required key 'region' in office '01-nantua'");
	strvec_release(&errs);
	watchlist_release(&wl);

	static const char *const e[] = {
		"err-status.yaml:8:13: bad value 'found' for 'status': expected to_find",
		"err-status.yaml:15:13: office '01-nantua' has status: to_find but lists pages "
		"(remove the status once a page is found)",
		"err-status.yaml:25:13: office '01-belley' has status: to_find but handles_aes: false",
		"err-status.yaml:34:19: bad value 'maybe' for 'verified': expected true or false",
		"err-status.yaml:41:12: office '01-trevoux' handles AES but has no pages "
		"(add one, or set handles_aes: false)",
		NULL
	};
	expect_errors("err-status.yaml", e);
}

static void test_defaults_numbers(void)
{
	/* low_speed_limit: 1000 (line 4) is fine. */
	static const char *const e[] = {
		"err-defaults-number.yaml:2:20: bad number '10s' for 'connect_timeout': expected an integer from 1 to 3600",
		"err-defaults-number.yaml:3:12: bad number '0' for 'timeout': expected an integer from 1 to 86400",
		"err-defaults-number.yaml:5:19: bad number '99999999999999999999' for 'low_speed_time': "
		"expected an integer from 1 to 3600",
		"err-defaults-number.yaml:6:13: bad number '2.5' for 'max_body': expected an integer from 1024 to 1073741824",
		"err-defaults-number.yaml:7:22: bad number '-1' for 'failure_threshold': expected an integer from 1 to 1000",
		NULL
	};
	expect_errors("err-defaults-number.yaml", e);
}

static void test_departement(void)
{
	static const char *const e[] = {
		"err-departement.yaml:4:18: bad departement '2': expected its code, e.g. \"02\", \"2A\" or \"974\"",
		NULL
	};
	expect_errors("err-departement.yaml", e);
}

static void test_reader_refusals(void)
{
	/* The alias becomes an empty value, so 'offices' is then reported too. */
	static const char *const e[] = {
		"err-reader.yaml:1:11: anchors are not supported: write the value out",
		"err-reader.yaml:3:3: duplicate key 'timeout' (first at line 2, column 3)",
		"err-reader.yaml:4:10: aliases are not supported: write the value out",
		"err-reader.yaml:4:10: offices: expected a sequence, got an empty value",
		"err-reader.yaml:5:1: only one YAML document per file",
		NULL
	};
	expect_errors("err-reader.yaml", e);
}

static void test_cannot_open(void)
{
	struct watchlist wl;
	struct strvec errs = STRVEC_INIT;
	char *path = xasprintf("%s/no-such-watchlist.yaml", test_tmpdir());
	char *want = xasprintf("%s: cannot open: no such file or directory", path);

	watchlist_init(&wl);
	CHECK_INT(watchlist_load(&wl, path, &errs), 1);
	CHECK_INT(errs.n, 1);
	if (errs.n)
		CHECK_STR(errs.v[0], want);
	CHECK_INT(wl.n_offices, 0);
	free(want);
	free(path);
	strvec_release(&errs);
	watchlist_release(&wl);
}

/* Writes data to a file in the sandbox; returns its path (owned). */
static char *write_tmp(const char *name, const char *data, size_t len)
{
	char *path = xasprintf("%s/%s", test_tmpdir(), name);
	FILE *f = fopen(path, "wb");
	CHECK(f != NULL);
	if (f) {
		CHECK_INT(fwrite(data, 1, len, f), len);
		fclose(f);
	}
	return path;
}

static void test_empty_and_bad_encoding(void)
{
	struct watchlist wl;
	struct strvec errs = STRVEC_INIT;
	/* 0xE9 is Latin-1 "é": a file saved in the wrong encoding. */
	static const char latin1[] = "offices:\n  - id: 02-laon\n    name: Pr\xe9" "fecture\n";
	char *empty = write_tmp("empty.yaml", "", 0);
	char *bad = write_tmp("latin1.yaml", latin1, sizeof(latin1) - 1);
	char *want_empty = xasprintf("%s:1:1: empty file: expected a mapping with 'offices'", empty);
	char *want_bad = xasprintf("%s:3:13: syntax error: not valid UTF-8 (byte 0xe9): save the file as UTF-8", bad);

	watchlist_init(&wl);
	CHECK_INT(watchlist_load(&wl, empty, &errs), 1);
	CHECK_INT(watchlist_load(&wl, bad, &errs), 1);
	CHECK_INT(errs.n, 2);
	if (errs.n == 2) {
		CHECK_STR(errs.v[0], want_empty);
		CHECK_STR(errs.v[1], want_bad);
	}
	free(want_empty);
	free(want_bad);
	free(empty);
	free(bad);
	strvec_release(&errs);
	watchlist_release(&wl);
}

static void test_valid_roundtrip(void)
{
	struct watchlist wl;
	struct strvec errs = STRVEC_INIT;
	char *path = test_path("watchlist/data/valid.yaml");

	watchlist_init(&wl);
	CHECK_INT(watchlist_load(&wl, path, &errs), 0);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "  unexpected: %s\n", errs.v[i]);
	CHECK_INT(wl.n_offices, 3);
	CHECK_INT(watchlist_page_count(&wl), 3);
	CHECK_INT(wl.files.n, 1);
	if (wl.files.n)
		CHECK_STR(wl.files.v[0], path);

	const struct wl_defaults *d = &wl.defaults;
	CHECK_INT(d->ignore.n, 1);
	if (d->ignore.n)
		CHECK_STR(d->ignore.v[0], "Mis à jour le \\d{1,2}/\\d{1,2}/\\d{4}");
	CHECK_STR(d->user_agent_url, "https://www.gisti.org/prefwatch");
	CHECK_STR(d->ca_bundle, "/etc/ssl/certs/ca-certificates.crt");
	CHECK_INT(d->connect_timeout, 10);
	CHECK_INT(d->timeout, 60);
	CHECK_INT(d->low_speed_limit, 100);
	CHECK_INT(d->low_speed_time, 30);
	CHECK_INT(d->max_body, 5242880);
	CHECK_INT(d->failure_threshold, 3);
	CHECK_INT(d->document_domains.n, 2);
	if (d->document_domains.n == 2) {
		CHECK_STR(d->document_domains.v[0], "aisne.gouv.fr");
		CHECK_STR(d->document_domains.v[1], "www.somme.gouv.fr");
	}
	if (wl.n_offices != 3)
		goto cleanup;

	const struct wl_office *o = &wl.offices[0];
	CHECK_STR(o->id, "02-laon");
	CHECK_STR(o->region, "Hauts-de-France");
	CHECK_STR(o->departement, "02");
	CHECK_STR(o->departement_name, "Aisne");
	CHECK_STR(o->name, "Préfecture de Laon");
	CHECK_INT(o->kind, OFFICE_PREFECTURE);
	CHECK(o->handles_aes);
	CHECK_STR(o->file, path);
	CHECK_INT(o->line, 15);
	CHECK_INT(o->n_pages, 1);
	if (o->n_pages == 1) {
		const struct wl_page *p = &o->pages[0];
		CHECK_STR(p->id, "02-laon");        /* single page: the office id */
		CHECK_STR(p->url, "https://www.aisne.gouv.fr/Demarches-administratives/Etrangers-en-France/"
			  "Admission-exceptionnelle-au-sejour");
		CHECK_STR(p->select, "//main");
		CHECK_INT(p->exclude.n, 1);        /* a single string is a list of one */
		if (p->exclude.n)
			CHECK_STR(p->exclude.v[0], "//div[@class=\"share\"]");
		CHECK_INT(p->ignore.n, 2);         /* the page's own, without defaults */
		if (p->ignore.n == 2) {
			CHECK_STR(p->ignore.v[0], "Vu \\d+ fois");
			CHECK_STR(p->ignore.v[1], "Partager");
		}
		CHECK_INT(p->documents, WL_DOCS_FOLLOW);
		CHECK_INT(p->max_documents, 5);
		CHECK(p->office == o);
		CHECK_STR(p->file, path);
		CHECK_INT(p->line, 23);
	}

	o = &wl.offices[1];
	CHECK_STR(o->id, "02-soissons");
	CHECK_INT(o->kind, OFFICE_SOUS_PREFECTURE);
	CHECK(!o->handles_aes);
	CHECK_INT(o->n_pages, 0);

	o = &wl.offices[2];
	CHECK_STR(o->id, "2a-ajaccio");
	CHECK_STR(o->departement, "2A");
	CHECK_STR(o->region, "Corse");
	CHECK(o->handles_aes);                     /* the default */
	CHECK_INT(o->n_pages, 2);
	if (o->n_pages == 2) {
		const struct wl_page *p = &o->pages[0];
		CHECK_STR(p->id, "2a-ajaccio-l435-1");
		CHECK_STR(p->url, "http://www.corse-du-sud.gouv.fr/aes");
		CHECK(p->select == NULL);
		CHECK_INT(p->exclude.n, 0);
		CHECK_INT(p->documents, WL_DOCS_NONE);
		CHECK_INT(p->max_documents, -1);
		CHECK(p->office == o);
		p = &o->pages[1];
		CHECK_STR(p->id, "2a-ajaccio-rdv");
		CHECK_INT(p->documents, WL_DOCS_DEFAULT);
		CHECK_INT(p->exclude.n, 2);
		if (p->exclude.n == 2) {
			CHECK_STR(p->exclude.v[0], "//header");
			CHECK_STR(p->exclude.v[1], "//footer");
		}
		CHECK(watchlist_find_page(&wl, "2a-ajaccio-rdv") == p);
	}
	CHECK(watchlist_find_page(&wl, "02-laon") == &wl.offices[0].pages[0]);
	CHECK(watchlist_find_page(&wl, "02-soissons") == NULL);
	CHECK(watchlist_find_page(&wl, "nope") == NULL);
	CHECK_STR(office_kind_name(OFFICE_PREFECTURE), "prefecture");
	CHECK_STR(office_kind_name(OFFICE_SOUS_PREFECTURE), "sous-prefecture");

cleanup:
	free(path);
	strvec_release(&errs);
	watchlist_release(&wl);
	watchlist_release(&wl);            /* released twice: must be harmless */
	watchlist_release(NULL);
}

static void test_unset_defaults(void)
{
	struct watchlist wl;
	struct strvec errs = STRVEC_INIT;
	char *path = test_path("watchlist/data/dup-page-a.yaml");

	watchlist_init(&wl);
	CHECK_INT(watchlist_load(&wl, path, &errs), 0);
	CHECK_INT(wl.defaults.ignore.n, 0);
	CHECK(wl.defaults.user_agent_url == NULL);
	CHECK(wl.defaults.ca_bundle == NULL);
	CHECK_INT(wl.defaults.connect_timeout, -1);
	CHECK_INT(wl.defaults.timeout, -1);
	CHECK_INT(wl.defaults.low_speed_limit, -1);
	CHECK_INT(wl.defaults.low_speed_time, -1);
	CHECK_INT(wl.defaults.max_body, -1);
	CHECK_INT(wl.defaults.failure_threshold, -1);
	CHECK_INT(wl.defaults.document_domains.n, 0);
	free(path);
	strvec_release(&errs);
	watchlist_release(&wl);
}

static void test_merge(void)
{
	struct watchlist wl;
	struct strvec errs = STRVEC_INIT;
	char *a = test_path("watchlist/data/valid.yaml");
	char *b = test_path("watchlist/data/valid-more.yaml");

	watchlist_init(&wl);
	CHECK_INT(watchlist_load(&wl, a, &errs), 0);
	const struct wl_page *laon = watchlist_find_page(&wl, "02-laon");
	CHECK_INT(watchlist_load(&wl, b, &errs), 0);
	CHECK_INT(errs.n, 0);
	CHECK_INT(wl.n_offices, 4);
	CHECK_INT(watchlist_page_count(&wl), 5);
	CHECK_INT(wl.files.n, 2);
	if (wl.files.n == 2) {
		CHECK_STR(wl.files.v[0], a);
		CHECK_STR(wl.files.v[1], b);
	}
	/* Lists extend without repeats; a number set later wins; the rest stays. */
	CHECK_INT(wl.defaults.ignore.n, 2);
	if (wl.defaults.ignore.n == 2)
		CHECK_STR(wl.defaults.ignore.v[1], "Dernière modification : .*");
	CHECK_INT(wl.defaults.document_domains.n, 3);
	if (wl.defaults.document_domains.n == 3)
		CHECK_STR(wl.defaults.document_domains.v[2], "demarches-simplifiees.fr");
	CHECK_INT(wl.defaults.timeout, 120);
	CHECK_INT(wl.defaults.connect_timeout, 10);

	/* Page pointers survive a later load; back-pointers follow the
	 * offices array when it moves. */
	CHECK(watchlist_find_page(&wl, "02-laon") == laon);
	for (size_t i = 0; i < wl.n_offices; i++)
		for (size_t j = 0; j < wl.offices[i].n_pages; j++)
			CHECK(wl.offices[i].pages[j].office == &wl.offices[i]);
	const struct wl_page *rdv = watchlist_find_page(&wl, "80-amiens-rendez-vous");
	CHECK(rdv != NULL);
	if (rdv) {
		CHECK_STR(rdv->office->id, "80-amiens");
		CHECK_STR(rdv->file, b);
		CHECK_INT(rdv->line, 18);
	}
	free(a);
	free(b);
	strvec_release(&errs);
	watchlist_release(&wl);
}

static void test_invalid_office_is_left_out(void)
{
	/* err-kind's only office is bad: nothing of it reaches the watchlist,
	 * while a valid file loaded with it is kept whole. */
	struct watchlist wl;
	struct strvec errs = STRVEC_INIT;
	char *bad = test_path("watchlist/data/err-kind.yaml");
	char *good = test_path("watchlist/data/valid-more.yaml");

	watchlist_init(&wl);
	CHECK_INT(watchlist_load(&wl, bad, &errs), 1);
	CHECK_INT(watchlist_load(&wl, good, &errs), 0);
	CHECK_INT(wl.n_offices, 1);
	CHECK(watchlist_find_page(&wl, "02-laon") == NULL);
	CHECK(watchlist_find_page(&wl, "80-amiens-premiere-demande") != NULL);
	free(bad);
	free(good);
	strvec_release(&errs);
	watchlist_release(&wl);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_bundled_watchlists(void)
{
	struct watchlist wl;
	struct strvec errs = STRVEC_INIT;
	struct strvec files = STRVEC_INIT;
	DIR *dir = opendir(WATCHLIST_DIR);

	CHECK(dir != NULL);
	if (!dir)
		return;
	for (struct dirent *de; (de = readdir(dir));) {
		size_t n = strlen(de->d_name);
		/* laws.yaml beside them is the table of legal events, not a
		 * watchlist (tests/judge/test_stale.c loads it) */
		if (n > 5 && !strcmp(de->d_name + n - 5, ".yaml") && strcmp(de->d_name, "laws.yaml"))
			strvec_push_nodup(&files, xasprintf("%s/%s", WATCHLIST_DIR, de->d_name));
	}
	closedir(dir);
	if (files.n)
		qsort(files.v, files.n, sizeof(*files.v), cmp_str);
	/* one file per région: 17 generated, hauts-de-france.yaml by hand */
	CHECK_INT(files.n, 18);

	watchlist_init(&wl);
	for (size_t i = 0; i < files.n; i++)
		CHECK_INT(watchlist_load(&wl, files.v[i], &errs), 0);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "  unexpected: %s\n", errs.v[i]);
	CHECK_INT(watchlist_finish(&wl, &errs), 0);
	/* every préfecture and sous-préfecture (101 + 233); hauts-de-france:
	 * 26 offices, 10 pages; the survey's pages elsewhere: 14 */
	CHECK_INT(wl.n_offices, 334);
	CHECK_INT(watchlist_page_count(&wl), 24);

	size_t hdf = 0, hdf_pages = 0, hdf_no_aes = 0;
	for (size_t i = 0; i < wl.n_offices; i++) {
		const struct wl_office *o = &wl.offices[i];
		if (strcmp(o->region, "Hauts-de-France"))
			continue;
		hdf++;
		hdf_pages += o->n_pages;
		hdf_no_aes += !o->handles_aes;
		/* the five départements, and Pas-de-Calais is 62, not 59 */
		CHECK(!strcmp(o->departement, "02") || !strcmp(o->departement, "59") ||
		      !strcmp(o->departement, "60") || !strcmp(o->departement, "62") ||
		      !strcmp(o->departement, "80"));
		if (!strcmp(o->departement_name, "Pas-de-Calais"))
			CHECK_STR(o->departement, "62");
		CHECK(!strncmp(o->id, o->departement, 2));
	}
	CHECK_INT(hdf, 26);
	CHECK_INT(hdf_pages, 10);
	CHECK_INT(hdf_no_aes, 18);

	const struct wl_page *p = watchlist_find_page(&wl, "62-arras");
	CHECK(p != NULL);
	if (p)
		CHECK_STR(p->url, "https://www.demarches-simplifiees.fr/commencer/prefecture-du-pas-de-calais-regularisation");
	p = watchlist_find_page(&wl, "59-douai");
	CHECK(p != NULL);
	if (p)
		CHECK_CONTAINS(p->url, "Modalites-de-depot-des-dossiers-arrondissement-de-Douai");
	CHECK(watchlist_find_page(&wl, "59-cambrai") == NULL);
	p = watchlist_find_page(&wl, "80-amiens-rendez-vous");
	CHECK(p != NULL);
	if (p) {
		CHECK_STR(p->url, "https://www.somme.gouv.fr/booking/create/3148");
		CHECK_INT(p->office->n_pages, 3);
	}
	CHECK(watchlist_find_page(&wl, "2b-bastia-l435-4") != NULL);
	CHECK_INT(wl.defaults.ignore.n, 1);

	/* the pages of the former autres-departements.yaml keep their ids
	 * (their history is keyed on them); weak matches are flagged */
	static const char *const kept[] = { "2b-bastia-l435-1", "42-saint-etienne", "45-orleans",
					    "77-melun", "91-evry-courcouronnes", "94-creteil" };
	for (size_t i = 0; i < PW_ARRAY_SIZE(kept); i++)
		CHECK(watchlist_find_page(&wl, kept[i]) != NULL);
	p = watchlist_find_page(&wl, "78-versailles");
	CHECK(p && !p->verified);
	p = watchlist_find_page(&wl, "45-orleans");
	CHECK(p && p->verified);

	/* every département: 01-95 with 2A and 2B for 20, and the five DROM;
	 * exactly one préfecture each; ids unique (the loader refuses
	 * duplicates, checked again here) and made of the code and a slug */
	struct strvec codes = STRVEC_INIT, ids = STRVEC_INIT;
	for (int d = 1; d <= 95; d++)
		if (d != 20)
			strvec_push_nodup(&codes, xasprintf("%02d", d));
	static const char *const more[] = { "2A", "2B", "971", "972", "973", "974", "976" };
	for (size_t i = 0; i < PW_ARRAY_SIZE(more); i++)
		strvec_push(&codes, more[i]);
	CHECK_INT(codes.n, 101);
	size_t to_find = 0;
	for (size_t c = 0; c < codes.n; c++) {
		size_t prefectures = 0, offices = 0;
		for (size_t i = 0; i < wl.n_offices; i++) {
			const struct wl_office *o = &wl.offices[i];
			if (strcmp(o->departement, codes.v[c]))
				continue;
			offices++;
			prefectures += o->kind == OFFICE_PREFECTURE;
		}
		if (prefectures != 1 || !offices)
			fprintf(stderr, "  departement %s: %zu offices, %zu prefectures\n", codes.v[c],
				offices, prefectures);
		CHECK_INT(prefectures, 1);
	}
	for (size_t i = 0; i < wl.n_offices; i++) {
		const struct wl_office *o = &wl.offices[i];
		CHECK(strvec_contains(&codes, o->departement));
		CHECK(!strvec_contains(&ids, o->id));
		strvec_push(&ids, o->id);
		char *prefix = xasprintf("%s-", o->departement);
		for (char *s = prefix; *s; s++)
			*s = (char)tolower((unsigned char)*s);
		CHECK(!strncmp(o->id, prefix, strlen(prefix)));
		free(prefix);
		to_find += o->to_find;
		CHECK(!o->to_find || (o->handles_aes && !o->n_pages));
	}
	CHECK(watchlist_find_page(&wl, "2a-ajaccio") == NULL);
	CHECK(to_find > 250);
	strvec_release(&codes);
	strvec_release(&ids);

	strvec_release(&files);
	strvec_release(&errs);
	watchlist_release(&wl);
}

static void test_yaml_doc_helper(void)
{
	static const char text[] =
		"db: /var/lib/prefwatch.db\n"
		"mail:\n"
		"  to: [a@example.org, b@example.org]\n"
		"  port: 587\n"
		"  tls: true\n"
		"  pool: 3x\n"
		"nothing:\n"
		"colour: blue\n";
	struct yaml_doc doc;
	struct strvec errs = STRVEC_INIT;
	static const char *const keys[] = { "db", "mail", "nothing", NULL };

	CHECK_INT(yaml_doc_parse(&doc, "cfg.yaml", text, sizeof(text) - 1, &errs), 0);
	CHECK(doc.root != NULL);
	if (!doc.root)
		goto cleanup;
	CHECK_STR(doc.file, "cfg.yaml");
	CHECK(yaml_expect(&errs, doc.file, doc.root, YNODE_MAP, "the file"));
	CHECK_INT(yaml_check_keys(&errs, doc.file, doc.root, keys, "the file"), 1);

	const struct ynode *db = ynode_get(doc.root, "db");
	CHECK(db && db->kind == YNODE_SCALAR && db->plain);
	if (db) {
		CHECK_STR(db->value, "/var/lib/prefwatch.db");
		CHECK_INT(db->line, 1);
		CHECK_INT(db->column, 5);
	}
	const struct ynode *mail = ynode_get(doc.root, "mail");
	const struct ynode *to = ynode_get(mail, "to");
	CHECK(to && to->kind == YNODE_SEQ && to->n == 2);
	if (to && to->n == 2) {
		CHECK_STR(to->items[1]->value, "b@example.org");
		CHECK_INT(to->items[1]->line, 3);
		CHECK_INT(to->items[1]->column, 23);
	}
	const struct ynode *k = ynode_get_key(mail, "port");
	CHECK(k && k->line == 4 && k->column == 3);
	long port = 0, pool = 0;
	bool tls = false;
	CHECK_INT(ynode_long(&errs, doc.file, ynode_get(mail, "port"), "port", 1, 65535, &port), 0);
	CHECK_INT(port, 587);
	CHECK_INT(ynode_bool(&errs, doc.file, ynode_get(mail, "tls"), "tls", &tls), 0);
	CHECK(tls);
	CHECK_INT(ynode_long(&errs, doc.file, ynode_get(mail, "pool"), "pool", 1, 10, &pool), -1);
	CHECK(ynode_is_null(ynode_get(doc.root, "nothing")));
	CHECK(!ynode_is_null(db));
	CHECK(ynode_get(doc.root, "absent") == NULL);
	CHECK(ynode_get(db, "x") == NULL);          /* not a map */
	CHECK(!yaml_expect(&errs, doc.file, mail, YNODE_SEQ, "mail"));
	yaml_err(&errs, doc.file, NULL, "no position");

	CHECK_INT(errs.n, 4);
	if (errs.n == 4) {
		CHECK_STR(errs.v[0], "cfg.yaml:8:1: unknown key 'colour' in the file");
		CHECK_STR(errs.v[1], "cfg.yaml:6:9: bad number '3x' for 'pool': expected an integer from 1 to 10");
		CHECK_STR(errs.v[2], "cfg.yaml:3:3: mail: expected a sequence, got a mapping");
		CHECK_STR(errs.v[3], "cfg.yaml: no position");
	}
cleanup:
	yaml_doc_release(&doc);
	yaml_doc_release(&doc);
	yaml_doc_release(NULL);
	strvec_release(&errs);
}

static void test_yaml_doc_limits(void)
{
	/* Nesting past the limit stops reading with one error, no crash. */
	struct buf b = BUF_INIT;
	struct yaml_doc doc;
	struct strvec errs = STRVEC_INIT;
	for (int i = 0; i < 200; i++)
		buf_addch(&b, '[');
	for (int i = 0; i < 200; i++)
		buf_addch(&b, ']');
	CHECK_INT(yaml_doc_parse(&doc, "deep.yaml", buf_str(&b), b.len, &errs), 1);
	CHECK(doc.root == NULL);
	if (errs.n)
		CHECK_STR(errs.v[0], "deep.yaml:1:66: nesting too deep");
	yaml_doc_release(&doc);
	strvec_release(&errs);
	buf_release(&b);
}

/* A national-size file loads: 20,000 pages were refused as "too many
 * nodes" once, while France has about 330 offices. */
static void test_large_watchlist(void)
{
	struct watchlist wl;
	struct strvec errs = STRVEC_INIT;
	char *path = xasprintf("%s/large.yaml", test_tmpdir());
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		goto cleanup;
	fputs("offices:\n", f);
	for (int i = 0; i < 20000; i++)
		fprintf(f, "  - id: o%d\n    region: Hauts-de-France\n    departement: \"02\"\n"
			   "    departement_name: Aisne\n    name: Bureau %d\n    kind: prefecture\n"
			   "    pages:\n      - url: https://www.aisne.gouv.fr/aes/%d\n", i, i, i);
	fclose(f);
	watchlist_init(&wl);
	CHECK_INT(watchlist_load(&wl, path, &errs), 0);
	CHECK_INT(watchlist_page_count(&wl), 20000);
	for (size_t i = 0; i < errs.n && i < 3; i++)
		fprintf(stderr, "  unexpected: %s\n", errs.v[i]);
	watchlist_release(&wl);
cleanup:
	unlink(path);
	free(path);
	strvec_release(&errs);
}

static double seconds_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Duplicate keys are found in linear time: a mapping of 100,000 keys took
 * about 30 s when each key was compared with every earlier one. */
static void test_many_keys_linear(void)
{
	struct buf b = BUF_INIT;
	struct yaml_doc doc;
	struct strvec errs = STRVEC_INIT;
	buf_addstr(&b, "x:\n");
	for (int i = 0; i < 100000; i++)
		buf_printf(&b, "  k%d: 1\n", i);
	buf_addstr(&b, "  k99999: 2\n");
	double t0 = seconds_now();
	CHECK_INT(yaml_doc_parse(&doc, "keys.yaml", buf_str(&b), b.len, &errs), 1);
	double spent = seconds_now() - t0;
	CHECK(spent < 3.0);
	if (spent >= 3.0)
		fprintf(stderr, "  100,000 keys took %.2f s\n", spent);
	if (errs.n == 1)
		CHECK_STR(errs.v[0], "keys.yaml:100002:3: duplicate key 'k99999' (first at line 100001, column 3)");
	yaml_doc_release(&doc);
	strvec_release(&errs);
	buf_release(&b);
}

int main(void)
{
	/* as prefwatch's main: IDN names in resolve: need a UTF-8 LC_CTYPE */
	pw_locale_init();
	TEST_RUN(test_served_by);
	TEST_RUN(test_served_by_errors);
	TEST_RUN(test_syntax_error);
	TEST_RUN(test_tabs);
	TEST_RUN(test_indentation_and_colons);
	TEST_RUN(test_syntax_errors_bounded);
	TEST_RUN(test_unknown_key);
	TEST_RUN(test_duplicate_office);
	TEST_RUN(test_duplicate_office_across_files);
	TEST_RUN(test_duplicate_page);
	TEST_RUN(test_duplicate_page_across_files);
	TEST_RUN(test_missing_key);
	TEST_RUN(test_bad_id);
	TEST_RUN(test_bad_url);
	TEST_RUN(test_unparsable_url);
	TEST_RUN(test_bad_kind);
	TEST_RUN(test_controls_and_credentials);
	TEST_RUN(test_resolve_entries);
	TEST_RUN(test_search_url);
	TEST_RUN(test_page_without_id);
	TEST_RUN(test_bad_xpath);
	TEST_RUN(test_bad_regex);
	TEST_RUN(test_ignore_params);
	TEST_RUN(test_wrong_type);
	TEST_RUN(test_handles_aes);
	TEST_RUN(test_status_and_verified);
	TEST_RUN(test_defaults_numbers);
	TEST_RUN(test_departement);
	TEST_RUN(test_reader_refusals);
	TEST_RUN(test_cannot_open);
	TEST_RUN(test_empty_and_bad_encoding);
	TEST_RUN(test_valid_roundtrip);
	TEST_RUN(test_unset_defaults);
	TEST_RUN(test_merge);
	TEST_RUN(test_invalid_office_is_left_out);
	TEST_RUN(test_bundled_watchlists);
	TEST_RUN(test_yaml_doc_helper);
	TEST_RUN(test_yaml_doc_limits);
	TEST_RUN(test_large_watchlist);
	TEST_RUN(test_many_keys_linear);
	return test_finish();
}
