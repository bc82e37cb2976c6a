/*
 * relocate.c - a moved page: find where its procedure went, propose it,
 * and follow it.
 *
 * During a run: a page the judge sends to search_new_address (it failed
 * as moved, not_found or no_content, the first night of the streak) is
 * noted by relocate_want(). After the crawl, relocate_search() looks for
 * its new address on the same site, through the run's crawler (same
 * politeness, limits and retries), in two crawler runs:
 *
 *  1. the sources, once per site: robots.txt's Sitemap lines and
 *     /sitemap.xml (indexes followed, FINDER_MAX_DEPTH deep, at most
 *     FINDER_MAX_SITEMAPS files and FINDER_MAX_URLS URLs a site, each file
 *     visited once so an index that loops ends); per page, the links of
 *     the page the old address led to, of its parent section, and of the
 *     site's search page for the page's title (watchlist search_url);
 *  2. the candidates: ranked by URL and link words against the old URL
 *     and the last good snapshot's title and heading (finder_rank()), the
 *     best FINDER_MAX_FETCH_PAGE a page (FINDER_MAX_FETCH_NIGHT a run)
 *     fetched, extracted with the page's rules and scored by text
 *     similarity to the last good snapshot (pw_similarity(), 3-word
 *     shingles).
 *
 * The best candidate over RELOCATE_THRESHOLD is proposed, once (the store
 * remembers it); below it the report says nothing matched and what was
 * searched. A source that cannot be read is named in the report, and
 * never fails the run.
 *
 * `prefwatch relocate PAGE_ID URL [--write]` then follows it: the store
 * gives the page its new address (the old one kept as an alias; history,
 * snapshots and changes go on), and the watchlist line to change is
 * printed, or with --write changed in place (only that line: comments and
 * layout stay).
 */
#include "common/common.h"
#include "common/similar.h"
#include "common/url.h"

#include <getopt.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/run.h"
#include "crawler/crawler.h"
#include "reports/report.h"
#include "store/store.h"
#include "watchlist/watchlist.h"

/* A candidate whose text is at least this similar is proposed. */
#define RELOCATE_THRESHOLD 0.5

enum rjob_kind { RJ_ROBOTS, RJ_SITEMAP, RJ_LINKS, RJ_CANDIDATE };

struct rsite;
struct rpage;

struct rjob {
	enum rjob_kind kind;
	char *url;                  /* owned: the crawler borrows it */
	struct rsite *site;
	struct rpage *page;         /* RJ_LINKS, RJ_CANDIDATE */
	const char *what;           /* RJ_LINKS: French label of the source */
	int depth;                  /* RJ_SITEMAP: 1 for a top-level sitemap */
	bool named;                 /* RJ_SITEMAP: named by robots.txt or an index */
	struct rcand *cand;         /* RJ_CANDIDATE */
	struct rjob *next;
};

struct rsite {
	char *origin;               /* "scheme://host[:port]" */
	struct strvec visited;      /* sitemap files queued */
	struct strvec urls;         /* page URLs the sitemaps list */
	size_t sitemaps_read;
	bool truncated;
	struct strvec problems;
	struct rsite *next;
};

struct rcand {
	char *url;
	char *text;                 /* link text, may be NULL */
	double rank, score;
	char *title;
	bool fetched;
};

struct rpage {
	struct page_job *job;       /* borrowed from the run */
	char *landing;              /* where the failed fetch ended, if elsewhere */
	struct rsite *site;
	char *old_text;             /* last good snapshot's text */
	char *old_words;            /* its title and heading */
	struct finder_links links;
	struct strvec searched;     /* French */
	struct rcand *c;
	size_t nc;
	struct rpage *next;
};

struct relocation {
	struct finder_limits lim;
	struct rsite *sites;
	struct rpage *pages, **tail;
	struct rjob *jobs;
	size_t night_fetches;
};

static struct relocation *reloc_of(struct run_ctx *ctx)
{
	if (!ctx->reloc) {
		ctx->reloc = xcalloc(1, sizeof(*ctx->reloc));
		finder_limits_init(&ctx->reloc->lim);
		ctx->reloc->tail = &ctx->reloc->pages;
	}
	return ctx->reloc;
}

void relocate_want(struct run_ctx *ctx, struct page_job *job, const struct fetch_result *res)
{
	struct relocation *rl = reloc_of(ctx);
	struct rpage *p = xcalloc(1, sizeof(*p));
	p->job = job;
	if (res->final_url && strcmp(res->final_url, job->page->url) && pw_url_is_http(res->final_url))
		p->landing = xstrdup(res->final_url);
	*rl->tail = p;
	rl->tail = &p->next;
}

static char *origin_of(const char *url)
{
	struct pw_url u = PW_URL_INIT;
	char *o = NULL;
	if (pw_url_parse(url, &u, NULL) == 0 && u.host[0]) {
		if (u.port_given)
			o = xasprintf("%s://%s:%ld", u.scheme, u.host_ascii ? u.host_ascii : u.host, u.port);
		else
			o = xasprintf("%s://%s", u.scheme, u.host_ascii ? u.host_ascii : u.host);
	}
	pw_url_release(&u);
	return o;
}

static struct rjob *add_job(struct run_ctx *ctx, enum rjob_kind kind, char *url, struct rsite *site,
			    struct rpage *page)
{
	struct relocation *rl = ctx->reloc;
	struct rjob *j = xcalloc(1, sizeof(*j));
	j->kind = kind;
	j->url = url;
	j->site = site;
	j->page = page;
	j->next = rl->jobs;
	rl->jobs = j;
	struct fetch_request req = { .url = j->url, .data = j };
	/* robots.txt and sitemaps are not HTML: any content type */
	if (kind == RJ_ROBOTS || kind == RJ_SITEMAP)
		crawler_add_document(ctx->crawler, &req);
	else
		crawler_add(ctx->crawler, &req);
	return j;
}

static void add_sitemap(struct run_ctx *ctx, struct rsite *s, const char *url, int depth, bool named,
			const char *from)
{
	struct relocation *rl = ctx->reloc;
	if (strvec_contains(&s->visited, url)) {
		if (from)
			strvec_push_nodup(&s->problems,
					  xasprintf("sitemap index '%s' names '%s' again (a loop): not read twice",
						    from, url));
		return;
	}
	if (depth > rl->lim.max_depth) {
		strvec_push_nodup(&s->problems,
				  xasprintf("sitemap '%s': indexes nested deeper than %d levels, not followed",
					    url, rl->lim.max_depth));
		return;
	}
	if (s->visited.n >= rl->lim.max_sitemaps) {
		if (s->visited.n == rl->lim.max_sitemaps)
			strvec_push_nodup(&s->problems,
					  xasprintf("more than %zu sitemap files on '%s': the rest not read",
						    rl->lim.max_sitemaps, s->origin));
		strvec_push(&s->visited, url); /* counted once over the cap */
		return;
	}
	strvec_push(&s->visited, url);
	struct rjob *j = add_job(ctx, RJ_SITEMAP, xstrdup(url), s, NULL);
	j->depth = depth;
	j->named = named;
}

static void got_sitemap(struct run_ctx *ctx, struct rjob *j, const struct fetch_result *res)
{
	struct relocation *rl = ctx->reloc;
	struct rsite *s = j->site;
	struct strvec found = STRVEC_INIT;
	enum finder_sitemap_kind kind;
	bool truncated = false;
	char *err = NULL;
	if (res->failure) {
		/* a site without /sitemap.xml is common: only a named one is a problem */
		if (j->named || res->failure != PW_FAIL_NOT_FOUND)
			strvec_push_nodup(&s->problems, xasprintf("sitemap '%s': %s", j->url,
								  res->error ? res->error
									     : pw_failure_name(res->failure)));
		return;
	}
	size_t room = rl->lim.max_urls > s->urls.n ? rl->lim.max_urls - s->urls.n : 0;
	if (finder_sitemap_parse(res->body, res->body_len, &rl->lim, room, &kind, &found, &truncated,
				 &err) < 0) {
		strvec_push_nodup(&s->problems, xasprintf("sitemap '%s': %s", j->url, err));
		free(err);
		return;
	}
	s->sitemaps_read++;
	if (kind == FINDER_INDEX) {
		for (size_t i = 0; i < found.n; i++)
			add_sitemap(ctx, s, found.v[i], j->depth + 1, true, j->url);
	} else {
		for (size_t i = 0; i < found.n; i++)
			strvec_push(&s->urls, found.v[i]);
		if (truncated && !s->truncated) {
			s->truncated = true;
			strvec_push_nodup(&s->problems,
					  xasprintf("sitemaps of '%s': more than %zu addresses, the rest not read",
						    s->origin, rl->lim.max_urls));
		}
	}
	strvec_release(&found);
}

static void got_links(struct rjob *j, const struct fetch_result *res, size_t max)
{
	struct rpage *p = j->page;
	struct finder_links l = { 0 };
	if (!res->failure && res->html)
		finder_html_links(res->html, res->html_len, res->final_url ? res->final_url : j->url, max,
				  &l);
	strvec_push_nodup(&p->searched, xasprintf("%s %s (%zu lien%s)", j->what, j->url, l.n,
						  l.n > 1 ? "s" : ""));
	if (l.n) {
		p->links.v = xrealloc(p->links.v, (p->links.n + l.n) * sizeof(*p->links.v));
		memcpy(p->links.v + p->links.n, l.v, l.n * sizeof(*l.v));
		p->links.n += l.n;
	}
	free(l.v);
}

static void got_candidate(struct rjob *j, const struct fetch_result *res)
{
	struct rpage *p = j->page;
	struct rcand *c = j->cand;
	struct extraction ex = { 0 };
	char *err = NULL;
	c->fetched = true;
	if (res->failure || !res->html)
		return;
	if (extract_html(res->html, res->html_len, res->final_url ? res->final_url : j->url,
			 p->job->rules, &ex, &err) == 0 &&
	    crawler_classify(j->url, res, &ex) == PW_FAIL_NONE) {
		c->score = pw_similarity(ex.text, p->old_text, 3);
		c->title = xstrdup(ex.title);
	}
	extraction_release(&ex);
	free(err);
}

static void on_reloc_fetched(struct crawler *c, const struct fetch_request *req,
			     struct fetch_result *res, void *data)
{
	struct run_ctx *ctx = data;
	struct rjob *j = req->data;
	(void)c;
	switch (j->kind) {
	case RJ_ROBOTS:
		if (!res->failure && res->body) {
			struct strvec maps = STRVEC_INIT;
			finder_robots_sitemaps(res->body, res->body_len, &maps);
			for (size_t i = 0; i < maps.n; i++)
				add_sitemap(ctx, j->site, maps.v[i], 1, true, NULL);
			strvec_release(&maps);
		}
		break;
	case RJ_SITEMAP:
		got_sitemap(ctx, j, res);
		break;
	case RJ_LINKS:
		got_links(j, res, ctx->reloc->lim.max_links);
		break;
	case RJ_CANDIDATE:
		got_candidate(j, res);
		break;
	}
}

/* The last good snapshot's text, title and heading; false without one. */
static bool load_old(struct run_ctx *ctx, struct rpage *p)
{
	struct page_state st = { 0 };
	struct extraction ex = { 0 };
	char *raw = NULL, *err = NULL;
	size_t len = 0;
	bool ok = false;
	if (store_page_state(ctx->store, p->job->page->id, &st) < 0 || !st.has_snapshot || !st.text)
		goto cleanup;
	p->old_text = st.text;
	st.text = NULL;
	ok = true;
	if (store_snapshot_raw(ctx->store, st.snapshot_id, &raw, &len) == 0 &&
	    extract_html(raw, len, st.final_url ? st.final_url : p->job->page->url, p->job->rules, &ex,
			 &err) == 0)
		p->old_words = xasprintf("%s %s", ex.title ? ex.title : "", ex.heading ? ex.heading : "");
cleanup:
	extraction_release(&ex);
	store_page_state_release(&st);
	free(raw);
	free(err);
	return ok;
}

static struct rsite *site_for(struct relocation *rl, const char *origin)
{
	for (struct rsite *s = rl->sites; s; s = s->next)
		if (!strcmp(s->origin, origin))
			return s;
	struct rsite *s = xcalloc(1, sizeof(*s));
	s->origin = xstrdup(origin);
	s->next = rl->sites;
	rl->sites = s;
	return s;
}

static void queue_sources(struct run_ctx *ctx, struct rpage *p)
{
	struct relocation *rl = ctx->reloc;
	const struct wl_page *wp = p->job->page;
	char *origin = origin_of(wp->url);
	if (!origin)
		return;
	bool new_site = true;
	for (struct rsite *s = rl->sites; s; s = s->next)
		new_site &= strcmp(s->origin, origin) != 0;
	p->site = site_for(rl, origin);
	if (new_site) {
		add_job(ctx, RJ_ROBOTS, xasprintf("%s/robots.txt", origin), p->site, NULL);
		char *sm = xasprintf("%s/sitemap.xml", origin);
		add_sitemap(ctx, p->site, sm, 1, false, NULL);
		free(sm);
	}
	struct rjob *j;
	if (p->landing) {
		j = add_job(ctx, RJ_LINKS, xstrdup(p->landing), p->site, p);
		j->what = "liens de la page d'arrivée";
	}
	char *parent = finder_parent_url(wp->url);
	if (parent && (!p->landing || strcmp(parent, p->landing))) {
		j = add_job(ctx, RJ_LINKS, parent, p->site, p);
		j->what = "liens de la rubrique parente";
	} else {
		free(parent);
	}
	const char *pattern = wp->search_url ? wp->search_url : ctx->wl->defaults.search_url;
	if (pattern && p->old_words) {
		struct strvec w = STRVEC_INIT;
		struct buf q = BUF_INIT;
		/* the heading's words; a title's site suffix would only add noise */
		pw_words(p->old_words, &w);
		for (size_t i = 0; i < w.n && i < 8; i++)
			buf_printf(&q, "%s%s", i ? " " : "", w.v[i]);
		j = add_job(ctx, RJ_LINKS, finder_search_url(pattern, buf_str(&q)), p->site, p);
		j->what = "recherche du site";
		buf_release(&q);
		strvec_release(&w);
	}
	free(origin);
}

static int cmp_rank(const void *a, const void *b)
{
	const struct rcand *x = a, *y = b;
	return x->rank < y->rank ? 1 : x->rank > y->rank ? -1 : 0;
}

static int cmp_score(const void *a, const void *b)
{
	const struct rcand *x = a, *y = b;
	if (x->fetched != y->fetched)
		return x->fetched ? -1 : 1;
	return x->score < y->score ? 1 : x->score > y->score ? -1 : cmp_rank(a, b);
}

/* Every URL the run watches, and the page's own old addresses: never a
 * candidate (a decoy that is another office's page is not this one). */
static bool excluded(const struct strmap *watched, const struct rpage *p, const char *url)
{
	return strmap_get(watched, url) || (p->landing && !strcmp(url, p->landing)) ||
	       !strcmp(url, p->job->page->url);
}

static void add_cand(struct rpage *p, struct strmap *seen, const char *url, const char *text)
{
	if (strmap_get(seen, url))
		return;
	p->c = xrealloc(p->c, (p->nc + 1) * sizeof(*p->c));
	struct rcand *c = &p->c[p->nc++];
	memset(c, 0, sizeof(*c));
	c->url = xstrdup(url);
	c->text = xstrdup(text);
	c->rank = finder_rank(url, text, p->job->page->url, p->old_words);
	strmap_put(seen, c->url, c);
}

static void rank_candidates(struct run_ctx *ctx, struct rpage *p, const struct strmap *watched)
{
	struct relocation *rl = ctx->reloc;
	struct strmap seen = STRMAP_INIT;
	struct rsite *s = p->site;
	for (size_t i = 0; i < p->links.n; i++)
		if (!excluded(watched, p, p->links.v[i].url))
			add_cand(p, &seen, p->links.v[i].url, p->links.v[i].text);
	for (size_t i = 0; s && i < s->urls.n; i++)
		if (!excluded(watched, p, s->urls.v[i]))
			add_cand(p, &seen, s->urls.v[i], NULL);
	strmap_release(&seen);
	if (p->nc > 1)
		qsort(p->c, p->nc, sizeof(*p->c), cmp_rank);
	size_t n = 0;
	for (size_t i = 0; i < p->nc && n < rl->lim.max_fetch_page; i++) {
		if (p->c[i].rank <= 0 || rl->night_fetches >= rl->lim.max_fetch_night)
			break;
		struct rjob *j = add_job(ctx, RJ_CANDIDATE, xstrdup(p->c[i].url), s, p);
		j->cand = NULL; /* set below: p->c does not move any more */
		n++;
		rl->night_fetches++;
	}
}

/* Points each candidate job at its candidate once p->c is final. */
static void bind_candidates(struct relocation *rl)
{
	for (struct rjob *j = rl->jobs; j; j = j->next) {
		if (j->kind != RJ_CANDIDATE || j->cand)
			continue;
		for (size_t i = 0; i < j->page->nc; i++)
			if (!strcmp(j->page->c[i].url, j->url))
				j->cand = &j->page->c[i];
	}
}

static void fill_report(struct run_ctx *ctx, struct rpage *p)
{
	struct report_page *rp = &ctx->report->pages[p->job->rp];
	struct report_relocation *r = xcalloc(1, sizeof(*r));
	struct rsite *s = p->site;
	size_t fetched = 0;
	if (p->nc > 1)
		qsort(p->c, p->nc, sizeof(*p->c), cmp_score);
	for (size_t i = 0; i < p->nc; i++)
		fetched += p->c[i].fetched;
	r->threshold = RELOCATE_THRESHOLD;
	r->found = fetched && p->c[0].score >= RELOCATE_THRESHOLD;
	if (r->found) {
		bool first = true;
		if (store_relocation_propose(ctx->store, p->job->page->id, p->c[0].url, p->c[0].score,
					     time(NULL), &first) < 0) {
			log_error(_("cannot record a proposed address: %s"), store_errmsg(ctx->store));
			ctx->db_error = true;
		}
		if (!first) {
			log_info(_("%s: new address %s proposed before; not repeated"), p->job->page->id,
				 p->c[0].url);
			report_relocation_free(r);
			return;
		}
	}
	r->v = xcalloc(REPORT_RELOCATION_SHOWN, sizeof(*r->v));
	for (size_t i = 0; i < p->nc && i < fetched && r->n < REPORT_RELOCATION_SHOWN; i++) {
		r->v[r->n].url = xstrdup(p->c[i].url);
		r->v[r->n].title = xstrdup(p->c[i].title);
		r->v[r->n].score = p->c[i].score;
		r->n++;
	}
	if (s && s->sitemaps_read)
		strvec_push_nodup(&r->searched,
				  xasprintf("plan du site (%zu fichier%s, %zu adresse%s)", s->sitemaps_read,
					    s->sitemaps_read > 1 ? "s" : "", s->urls.n,
					    s->urls.n > 1 ? "s" : ""));
	else
		strvec_push(&r->searched, "plan du site (aucun lisible)");
	for (size_t i = 0; i < p->searched.n; i++)
		strvec_push(&r->searched, p->searched.v[i]);
	strvec_push_nodup(&r->searched, xasprintf("%zu page%s candidate%s lue%s", fetched,
						  fetched > 1 ? "s" : "", fetched > 1 ? "s" : "",
						  fetched > 1 ? "s" : ""));
	for (size_t i = 0; s && i < s->problems.n; i++)
		strvec_push(&r->problems, s->problems.v[i]);
	rp->relocation = r;
	if (r->found)
		log_info(_("%s: probable new address %s (similarity %.2f)"), p->job->page->id, r->v[0].url,
			 r->v[0].score);
	else
		log_info(_("%s: no new address found on the site"), p->job->page->id);
}

int relocate_search(struct run_ctx *ctx)
{
	struct relocation *rl = ctx->reloc;
	struct strmap watched = STRMAP_INIT;
	int rc = 0;
	if (!rl || !rl->pages)
		return 0;
	for (size_t i = 0; i < ctx->wl->n_offices; i++)
		for (size_t k = 0; k < ctx->wl->offices[i].n_pages; k++)
			strmap_put(&watched, ctx->wl->offices[i].pages[k].url, "");
	for (struct rpage *p = rl->pages; p; p = p->next)
		if (load_old(ctx, p))
			queue_sources(ctx, p);
	if ((rc = crawler_run(ctx->crawler, on_reloc_fetched, ctx)) < 0)
		goto cleanup;
	for (struct rpage *p = rl->pages; p; p = p->next)
		if (p->old_text)
			rank_candidates(ctx, p, &watched);
	bind_candidates(rl);
	if ((rc = crawler_run(ctx->crawler, on_reloc_fetched, ctx)) < 0)
		goto cleanup;
	for (struct rpage *p = rl->pages; p; p = p->next)
		if (p->old_text)
			fill_report(ctx, p);
cleanup:
	strmap_release(&watched);
	return rc;
}

void relocate_free(struct run_ctx *ctx)
{
	struct relocation *rl = ctx->reloc;
	if (!rl)
		return;
	while (rl->jobs) {
		struct rjob *n = rl->jobs->next;
		free(rl->jobs->url);
		free(rl->jobs);
		rl->jobs = n;
	}
	while (rl->sites) {
		struct rsite *n = rl->sites->next;
		free(rl->sites->origin);
		strvec_release(&rl->sites->visited);
		strvec_release(&rl->sites->urls);
		strvec_release(&rl->sites->problems);
		free(rl->sites);
		rl->sites = n;
	}
	while (rl->pages) {
		struct rpage *p = rl->pages, *n = p->next;
		free(p->landing);
		free(p->old_text);
		free(p->old_words);
		finder_links_release(&p->links);
		strvec_release(&p->searched);
		for (size_t i = 0; i < p->nc; i++) {
			free(p->c[i].url);
			free(p->c[i].text);
			free(p->c[i].title);
		}
		free(p->c);
		free(p);
		rl->pages = n;
	}
	free(rl);
	ctx->reloc = NULL;
}

/* ---- prefwatch relocate ---- */

/* The value of a YAML "url:" line, unquoted; NULL if the line is not one.
 * *start and *end delimit the value as written (quotes included). */
static char *url_line_value(const char *line, size_t len, size_t *start, size_t *end)
{
	size_t i = 0;
	while (i < len && line[i] == ' ')
		i++;
	if (i + 1 < len && line[i] == '-' && line[i + 1] == ' ') {
		i += 2;
		while (i < len && line[i] == ' ')
			i++;
	}
	if (len - i < 4 || strncmp(line + i, "url:", 4))
		return NULL;
	i += 4;
	while (i < len && line[i] == ' ')
		i++;
	*start = i;
	if (i < len && (line[i] == '"' || line[i] == '\'')) {
		char q = line[i];
		const char *close = memchr(line + i + 1, q, len - i - 1);
		if (!close)
			return NULL;
		*end = (size_t)(close - line) + 1;
		return xstrndup(line + i + 1, (size_t)(close - line) - i - 1);
	}
	size_t e = i;
	while (e < len && line[e] != ' ' && line[e] != '#')
		e++;
	*end = e;
	return xstrndup(line + i, e - i);
}

/* Rewrites the `url:` line of the page declared at file:line (the page's
 * first line, or one of the next lines of its mapping) from old_url to
 * new_url, nothing else; the file is replaced atomically, its mode kept.
 * 0, or -1 after printing why. */
static int rewrite_watchlist(const char *file, int line, const char *old_url, const char *new_url)
{
	FILE *f = fopen(file, "r");
	struct buf all = BUF_INIT;
	char chunk[65536];
	size_t n;
	int ret = -1;
	char *tmp = NULL;
	if (!f) {
		fprintf(stderr, _("prefwatch: error: cannot open '%s': %s\n"), file, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&all, chunk, n);
	fclose(f);
	const char *s = buf_str(&all);
	/* the url: line at or after the page's line, within a few lines */
	size_t off = 0;
	int ln = 1;
	while (ln < line && off < all.len) {
		const char *nl = memchr(s + off, '\n', all.len - off);
		if (!nl)
			break;
		off = (size_t)(nl - s) + 1;
		ln++;
	}
	for (int k = 0; k < 40 && off < all.len; k++) {
		const char *nl = memchr(s + off, '\n', all.len - off);
		size_t len = nl ? (size_t)(nl - s) - off : all.len - off;
		size_t a, b;
		char *v = url_line_value(s + off, len, &a, &b);
		if (v && !strcmp(v, old_url)) {
			free(v);
			struct buf out = BUF_INIT;
			buf_add(&out, s, off + a);
			/* double-quoted: a URL has no '"' or '\\' once parsed */
			buf_printf(&out, "\"%s\"", new_url);
			buf_add(&out, s + off + b, all.len - off - b);
			struct stat sb;
			mode_t mode = stat(file, &sb) == 0 ? sb.st_mode & 07777 : 0644;
			tmp = xasprintf("%s.relocate.%ld", file, (long)getpid());
			FILE *w = fopen(tmp, "w");
			bool ok = w && fwrite(out.ptr, 1, out.len, w) == out.len;
			ok = (w && fclose(w) == 0) && ok;
			if (!ok || chmod(tmp, mode) < 0 || rename(tmp, file) < 0) {
				fprintf(stderr, _("prefwatch: error: cannot write '%s': %s\n"), file,
					strerror(errno));
				unlink(tmp);
			} else {
				printf("%s:%d: url: \"%s\"\n", file, ln + k, new_url);
				ret = 0;
			}
			buf_release(&out);
			goto cleanup;
		}
		free(v);
		if (!nl)
			break;
		off = (size_t)(nl - s) + 1;
	}
	fprintf(stderr, _("prefwatch: error: '%s': no line 'url: %s' at line %d or just after; "
		"change it by hand\n"), file, old_url, line);
cleanup:
	free(tmp);
	buf_release(&all);
	return ret;
}

/* The options of `relocate` into set and *write: 0, -1 after --help,
 * else an exit status after saying why. */
static int relocate_args(int argc, char **argv, struct settings *set, bool *write)
{
	static const struct option longopts[] = {
		{ "watchlist", required_argument, NULL, 'w' },
		{ "db", required_argument, NULL, 'd' },
		{ "write", no_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'w':
			settings_set_list(&set->watchlists, &set->watchlists_origin, optarg, "--watchlist");
			break;
		case 'd':
			settings_set(set, S_DB, optarg, "--db");
			break;
		case 'W':
			*write = true;
			break;
		case 'h':
			printf(_("usage: prefwatch relocate PAGE_ID URL [--write] [--watchlist FILE]... [--db FILE]\n\n"
			       "Follows a page to its new address (a run proposes it under « Nouvelles\n"
			       "adresses probables »): the database gives the page the new URL, keeps\n"
			       "the old one as an alias and the page's whole history, and prints the\n"
			       "watchlist line to change; --write changes that line in the watchlist\n"
			       "file in place (nothing else in the file changes). The next run compares\n"
			       "the new page with the old snapshots: a real change is reported.\n"));
			return -1;
		default:
			return cli_usage_error("relocate", _("see 'prefwatch relocate --help'"));
		}
	}
	if (argc - optind != 2)
		return cli_usage_error("relocate", _("expected PAGE_ID and URL"));
	return 0;
}

/* 0 if url is an http(s) address without credentials, else EXIT_USAGE
 * after saying why. */
static int relocate_check_url(const char *url)
{
	struct pw_url u = PW_URL_INIT;
	char *why = NULL;
	int rc = 0;
	if (!pw_url_is_http(url) || pw_url_parse(url, &u, &why) < 0)
		rc = cli_usage_error("relocate", _("bad url '%s': expected http://... or https://..."), url);
	else if (u.has_userinfo)
		rc = cli_usage_error("relocate", _("url holds a user name or password: put credentials in ~/.netrc"));
	pw_url_release(&u);
	free(why);
	return rc;
}

/* After the store moved page p to url: the watchlist line to change,
 * changed in place with write. An exit status. */
static int relocate_watchlist(const struct wl_page *p, const char *url, bool write)
{
	printf(_("%s: new address recorded (%s kept as an alias); history continues\n"), p->id, p->url);
	if (!strcmp(p->url, url)) {
		printf(_("%s:%d: the watchlist already says url: %s\n"), p->file, p->line, url);
	} else if (write) {
		if (rewrite_watchlist(p->file, p->line, p->url, url) < 0)
			return EXIT_FAILURE_OTHER;
	} else {
		printf(_("change the watchlist (or run again with --write):\n%s:%d: url: \"%s\"\n"), p->file,
		       p->line, url);
	}
	return EXIT_OK;
}

int cmd_relocate(int argc, char **argv)
{
	struct settings set;
	struct watchlist wl;
	struct store *st = NULL;
	char *db = NULL;
	bool write = false;
	int lock_fd = -1, rc = EXIT_OK;

	watchlist_init(&wl);
	memset(&set, 0, sizeof(set)); /* settings_load() initialises it */
	if (settings_load(&set) < 0) {
		rc = EXIT_USAGE;
		goto cleanup;
	}
	rc = relocate_args(argc, argv, &set, &write);
	if (rc) {
		rc = rc < 0 ? EXIT_OK : rc;
		goto cleanup;
	}
	const char *id = argv[optind], *url = argv[optind + 1];
	if ((rc = relocate_check_url(url)))
		goto cleanup;
	if (cli_load_watchlists(&wl, &set.watchlists)) {
		rc = EXIT_USAGE;
		goto cleanup;
	}
	const struct wl_page *p = watchlist_find_page(&wl, id);
	if (!p) {
		rc = cli_usage_error("relocate", _("no page '%s' in the watchlist"), id);
		goto cleanup;
	}
	db = cli_db_path(settings_get(&set, S_DB));
	if ((rc = cli_open_locked(db, true, &lock_fd, &st)))
		goto cleanup;
	int r = store_relocate_page(st, id, url, time(NULL));
	if (r == 1) {
		fprintf(stderr, _("prefwatch: error: %s (run prefwatch once to record it)\n"), store_errmsg(st));
		rc = EXIT_USAGE;
		goto cleanup;
	}
	if (r) {
		fprintf(stderr, _("prefwatch: error: %s\n"), store_errmsg(st));
		rc = EXIT_DATABASE;
		goto cleanup;
	}
	rc = relocate_watchlist(p, url, write);
cleanup:
	store_close(st);
	cli_unlock(lock_fd);
	watchlist_release(&wl);
	settings_release(&set);
	free(db);
	return rc;
}
