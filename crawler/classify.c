/*
 * classify.c - is a successful fetch really the page we watch?
 *
 * Sites rarely answer 404 when a procedure page goes: they serve a "page
 * introuvable" with status 200 (soft 404), redirect to the home page or to
 * the section above, or serve an anti-bot challenge. Each of those would
 * otherwise reach the editors as "the whole procedure text was removed".
 * The rules work on plain data (the fetch result and the extraction), so
 * they are tested without a network.
 */
#include "common/common.h"
#include <strings.h>

#include "common/url.h"
#include "crawler/crawler.h"

/* Lower-case ASCII copy with typographic apostrophes made plain. */
static char *fold(const char *s)
{
	struct buf b = BUF_INIT;
	for (; s && *s; s++) {
		if (!strncmp(s, "\xE2\x80\x99", 3)) { /* ’ */
			buf_addch(&b, '\'');
			s += 2;
		} else if (*s >= 'A' && *s <= 'Z') {
			buf_addch(&b, (char)(*s - 'A' + 'a'));
		} else {
			buf_addch(&b, *s);
		}
	}
	return buf_detach(&b, NULL);
}

static bool has_any(const char *folded, const char *const *needles)
{
	for (; *needles; needles++) {
		if (strstr(folded, *needles))
			return true;
	}
	return false;
}

/* "404" as the point of a title ("404", "404 - Page introuvable"), not a
 * number inside a real title ("Arrêté n° 404", "Formulaire 14045"): only
 * at the start of the title, or in a title that is little more than it.
 * "Erreur 404" and the like are matched by the word list. */
static bool has_404(const char *s)
{
	while (*s == ' ')
		s++;
	bool short_title = strlen(s) <= 12;
	for (const char *p = strstr(s, "404"); p; p = strstr(p + 1, "404")) {
		bool before = p == s || !((p[-1] >= '0' && p[-1] <= '9') || p[-1] == '/');
		bool after = !(p[3] >= '0' && p[3] <= '9');
		if (before && after && (p == s || short_title))
			return true;
	}
	return false;
}

static const char *const not_found_words[] = {
	"page introuvable", "page non trouvée", "page non trouvee", "n'existe pas", "n'existe plus",
	"erreur 404", "error 404", "not found", "page inexistante", "page demandée est introuvable",
	"cette page n'est plus disponible", "contenu introuvable", NULL
};

static const char *const challenge_words[] = {
	"just a moment", "attention required", "captcha", "checking your browser",
	"access denied", "accès refusé", "acces refuse", "ddos protection", "pardon our interruption",
	"request unsuccessful", "vérification de sécurité", "are you a robot", "bot verification",
	NULL
};

static bool heading_says(const struct extraction *ex, const char *const *words, bool check_404)
{
	const char *parts[2] = { ex ? ex->title : NULL, ex ? ex->heading : NULL };
	for (size_t i = 0; i < 2; i++) {
		if (!parts[i])
			continue;
		char *f = fold(parts[i]);
		bool hit = has_any(f, words) || (check_404 && has_404(f));
		free(f);
		if (hit)
			return true;
	}
	return false;
}

struct url_parts {
	char *host; /* lower-case, without "www." */
	char *path; /* without trailing slashes, "" for the root */
	char *query;
};

/* Through the one URL parser (common/url.h), so that the hosts compared
 * are the hosts libcurl connected to; dot segments are already resolved. */
static void url_split(const char *url, struct url_parts *u)
{
	struct pw_url p = PW_URL_INIT;
	memset(u, 0, sizeof(*u));
	if (pw_url_parse(url, &p, NULL) < 0) {
		u->host = xstrdup("");
		u->path = xstrdup("");
		u->query = xstrdup("");
		return;
	}
	const char *host = p.host;
	if (!strncmp(host, "www.", 4))
		host += 4;
	/* default ports are not a difference */
	bool default_port = !p.port_given || (p.port == 80 && !strcmp(p.scheme, "http")) ||
			    (p.port == 443 && !strcmp(p.scheme, "https"));
	/* démarches-simplifiées moves to numerique.gouv.fr: one site, so a
	 * redirect between the two is an address change, not a page gone */
	if (!strcasecmp(host, "demarche.numerique.gouv.fr"))
		host = "demarches-simplifiees.fr";
	if (default_port) {
		u->host = fold(host);
	} else {
		char *hp = xasprintf("%s:%ld", host, p.port);
		u->host = fold(hp);
		free(hp);
	}
	u->path = xstrdup(p.path);
	size_t n = strlen(u->path);
	while (n && u->path[n - 1] == '/')
		u->path[--n] = '\0';
	u->query = xstrdup(p.query ? p.query : "");
	pw_url_release(&p);
}

static void url_parts_release(struct url_parts *u)
{
	free(u->host);
	free(u->path);
	free(u->query);
}

static bool text_empty(const struct extraction *ex)
{
	if (!ex || !ex->text)
		return true;
	for (const char *p = ex->text; *p; p++) {
		if (*p != ' ' && *p != '\n' && *p != '\t' && *p != '\r')
			return false;
	}
	return true;
}

/* The site's home: the root, or a root page under a usual name. */
static bool is_home_path(const char *path)
{
	static const char *const homes[] = {
		"/index.html", "/index.htm", "/index.php", "/accueil", "/home", "/fr",
	};
	if (!path[0])
		return true;
	for (size_t i = 0; i < PW_ARRAY_SIZE(homes); i++)
		if (!strcasecmp(path, homes[i]))
			return true;
	return false;
}

static enum pw_failure classify_redirect(const char *requested_url, const struct fetch_result *res,
					 const struct extraction *ex)
{
	struct url_parts a, b;
	enum pw_failure f = PW_FAIL_NONE;

	url_split(requested_url, &a);
	url_split(res->final_url, &b);
	if (!strcmp(a.host, b.host) && !strcmp(a.path, b.path) && !strcmp(a.query, b.query))
		goto cleanup; /* scheme, www. or trailing slash only */
	if (is_home_path(b.path) && b.query[0] == '\0' && !is_home_path(a.path)) {
		f = PW_FAIL_MOVED; /* the site's home */
		goto cleanup;
	}
	if (!strcmp(a.host, b.host)) {
		size_t n = strlen(b.path);
		if (n < strlen(a.path) && !strncmp(a.path, b.path, n) && a.path[n] == '/') {
			f = PW_FAIL_MOVED; /* the section above: an index, not our page */
			goto cleanup;
		}
	}
	if (text_empty(ex))
		f = PW_FAIL_MOVED;
	/* Otherwise (permanent or not) the page moved and still holds text:
	 * it is followed, and a text change will show as such. */
cleanup:
	url_parts_release(&a);
	url_parts_release(&b);
	return f;
}

enum pw_failure crawler_classify(const char *requested_url, const struct fetch_result *res,
				 const struct extraction *ex)
{
	if (!res)
		return PW_FAIL_NO_CONTENT;
	if (res->failure != PW_FAIL_NONE)
		return res->failure;
	if (res->not_modified)
		return PW_FAIL_NONE;
	if (heading_says(ex, challenge_words, false))
		return PW_FAIL_BLOCKED;
	if (ex && ex->text && strlen(ex->text) < 600) {
		char *f = fold(ex->text);
		bool challenge = strstr(f, "captcha") || strstr(f, "checking your browser") ||
				 strstr(f, "enable javascript and cookies");
		free(f);
		if (challenge)
			return PW_FAIL_BLOCKED;
	}
	if (heading_says(ex, not_found_words, true))
		return PW_FAIL_NOT_FOUND;
	if (res->redirected && res->final_url && requested_url) {
		enum pw_failure f = classify_redirect(requested_url, res, ex);
		if (f != PW_FAIL_NONE)
			return f;
	}
	if (text_empty(ex))
		return PW_FAIL_NO_CONTENT;
	return PW_FAIL_NONE;
}
