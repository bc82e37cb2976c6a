/*
 * reextract.c - `prefwatch reextract [PAGE_ID...]`: extract a page's whole
 * stored history again with today's rules.
 *
 * When an editor changes a page's select/exclude/ignore rules (or a new
 * prefwatch changes the built-in ones), old snapshots are no longer
 * comparable with new ones. The nightly run already re-extracts the latest
 * snapshot as a baseline; this command does it for every snapshot, storing
 * them as a new series beside the old one (which is kept), so that history
 * views and diffs across the whole history compare like with like.
 */
#include "common/common.h"

#include <getopt.h>

#include "cli/cli.h"
#include "crawler/crawler.h"
#include "store/store.h"
#include "watchlist/watchlist.h"

struct collect {
	struct snapshot_info *v;
	size_t n;
};

static int collect_snapshot(const struct snapshot_info *si, void *data)
{
	struct collect *c = data;
	c->v = xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
	c->v[c->n] = *si;
	c->v[c->n].text_hash = xstrdup(si->text_hash);
	c->v[c->n].rules_fp = xstrdup(si->rules_fp);
	c->n++;
	return 0;
}

/* A page's ignore patterns as extraction sees them: the defaults' then its own. */
static void page_ignore(const struct watchlist *wl, const struct wl_page *p, struct strvec *ignore)
{
	for (size_t k = 0; k < wl->defaults.ignore.n; k++)
		strvec_push(ignore, wl->defaults.ignore.v[k]);
	for (size_t k = 0; k < p->ignore.n; k++)
		strvec_push(ignore, p->ignore.v[k]);
}

/* A page's ignore_params: the defaults' then its own. */
static void page_params(const struct watchlist *wl, const struct wl_page *p, struct strvec *params)
{
	for (size_t k = 0; k < wl->defaults.ignore_params.n; k++)
		strvec_push(params, wl->defaults.ignore_params.v[k]);
	for (size_t k = 0; k < p->ignore_params.n; k++)
		if (!strvec_contains(params, p->ignore_params.v[k]))
			strvec_push(params, p->ignore_params.v[k]);
}

struct extract_rules *cli_page_rules(const struct watchlist *wl, const struct wl_page *p,
				     char **err)
{
	struct strvec ignore = STRVEC_INIT, params = STRVEC_INIT;
	page_ignore(wl, p, &ignore);
	page_params(wl, p, &params);
	struct extract_rules *r = extract_rules_new_params(p->select, &p->exclude, &ignore, &params, err);
	strvec_release(&ignore);
	strvec_release(&params);
	return r;
}

/* Pages share a compiled set when their rules' fingerprints (the one
 * snapshots record) are equal. */
struct extract_rules *rules_cache_get(struct rules_cache *c, const struct watchlist *wl,
				      const struct wl_page *p, char **err)
{
	struct strvec ignore = STRVEC_INIT, params = STRVEC_INIT;
	char fp[PW_HASH_HEX];
	page_ignore(wl, p, &ignore);
	page_params(wl, p, &params);
	extract_rules_fingerprint_of_params(p->select, &p->exclude, &ignore, &params, fp);
	struct extract_rules *r = (struct extract_rules *)strmap_get(&c->by_key, fp);
	if (!r) {
		r = extract_rules_new_params(p->select, &p->exclude, &ignore, &params, err);
		if (r) {
			strvec_push(&c->keys, fp);
			c->v = xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
			c->v[c->n++] = r;
			strmap_put(&c->by_key, c->keys.v[c->keys.n - 1], r);
		}
	}
	strvec_release(&ignore);
	strvec_release(&params);
	return r;
}

void rules_cache_release(struct rules_cache *c)
{
	for (size_t i = 0; i < c->n; i++)
		extract_rules_free(c->v[i]);
	free(c->v);
	strmap_release(&c->by_key);
	strvec_release(&c->keys);
	memset(c, 0, sizeof(*c));
}

/* Re-extracts one page; returns 0, or -1 after logging why. */
static int reextract_page(struct store *st, const struct watchlist *wl, const struct wl_page *p)
{
	struct collect c = { 0 };
	struct page_state ps = { 0 };
	struct reextracted *out = NULL;
	struct extraction *ex = NULL;
	char **raws = NULL, **fields = NULL;
	char *err = NULL;
	size_t n = 0, current = SIZE_MAX, texts = 0;
	int ret = -1;

	struct extract_rules *rules = cli_page_rules(wl, p, &err);
	if (!rules) {
		log_error("%s: %s", p->id, err);
		goto cleanup;
	}
	const char *fp = extract_rules_fingerprint(rules);
	if (store_page_state(st, p->id, &ps) < 0 || store_snapshots_each(st, p->id, collect_snapshot, &c) < 0) {
		log_error(_("%s: cannot read its history: %s"), p->id, store_errmsg(st));
		goto cleanup;
	}
	out = xcalloc(c.n + 1, sizeof(*out));
	ex = xcalloc(c.n + 1, sizeof(*ex));
	raws = xcalloc(c.n + 1, sizeof(*raws));
	fields = xcalloc(c.n + 1, sizeof(*fields));
	for (size_t i = 0; i < c.n; i++) {
		const struct snapshot_info *si = &c.v[i];
		size_t len = 0;
		if (si->rules_fp && !strcmp(si->rules_fp, fp))
			continue; /* already of today's series */
		if (store_snapshot_raw(st, si->id, &raws[n], &len) < 0) {
			log_error(_("%s: cannot read snapshot %lld: %s"), p->id, (long long)si->id,
				  store_errmsg(st));
			goto cleanup;
		}
		if (!raws[n]) {
			log_warn(_("%s: snapshot %lld has no stored page; skipped"), p->id, (long long)si->id);
			continue;
		}
		if (extract_html(raws[n], len, ps.final_url ? ps.final_url : p->url, rules, &ex[n], &err) < 0) {
			log_error(_("%s: cannot re-extract snapshot %lld: %s"), p->id, (long long)si->id, err);
			goto cleanup;
		}
		fields[n] = fieldset_serialize(&ex[n].fields);
		out[n] = (struct reextracted){
			.text = ex[n].text, .fields = fields[n], .raw = raws[n], .raw_len = len,
			.rules_fp = fp, .first_seen = si->first_seen, .last_seen = si->last_seen,
		};
		if (si->id == ps.snapshot_id)
			current = n;
		bool seen = false;
		for (size_t k = 0; k < n && !seen; k++)
			seen = !strcmp(out[k].text, out[n].text);
		texts += !seen;
		n++;
	}
	if (!n) {
		printf(_("%s: nothing to re-extract (history already under today's rules)\n"), p->id);
		ret = 0;
		goto cleanup;
	}
	size_t added = 0;
	if (store_reextract_page(st, p->id, out, n, current, &added) < 0) {
		log_error(_("%s: cannot store the re-extracted history: %s"), p->id, store_errmsg(st));
		goto cleanup;
	}
	if (!added) {
		printf(_("%s: nothing to re-extract (history already under today's rules)\n"), p->id);
	} else {
		char *snaps = xasprintf(ngettext("%zu snapshot re-extracted", "%zu snapshots re-extracted", n), n);
		char *distinct = xasprintf(ngettext("%zu distinct text", "%zu distinct texts", texts), texts);
		/* TRANSLATORS: "PAGE: 3 snapshots re-extracted (2 distinct texts, 1 stored)" */
		printf(_("%s: %s (%s, %zu stored)\n"), p->id, snaps, distinct, added);
		free(snaps);
		free(distinct);
	}
	ret = 0;
cleanup:
	for (size_t i = 0; i < c.n + 1 && ex; i++) {
		extraction_release(&ex[i]);
		free(raws[i]);
		free(fields[i]);
	}
	for (size_t i = 0; i < c.n; i++) {
		free(c.v[i].text_hash);
		free(c.v[i].rules_fp);
	}
	free(c.v);
	free(ex);
	free(raws);
	free(fields);
	free(out);
	free(err);
	store_page_state_release(&ps);
	extract_rules_free(rules);
	return ret;
}

int cmd_reextract(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "watchlist", required_argument, NULL, 'w' },
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct settings s;
	struct watchlist wl;
	struct store *st = NULL;
	char *db = NULL;
	int c, rc = EXIT_OK, lock_fd = -1;
	const char *cl = "command line";

	watchlist_init(&wl);
	if (settings_load(&s) < 0) {
		rc = EXIT_USAGE;
		goto cleanup;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'w': settings_set_list(&s.watchlists, &s.watchlists_origin, optarg, cl); break;
		case 'd': settings_set(&s, S_DB, optarg, cl); break;
		case 'h':
			printf(_("usage: prefwatch reextract [PAGE_ID...] [--watchlist FILE]... [--db FILE]\n\n"
			       "Extracts the whole stored history of pages (all by default) again with\n"
			       "today's rules, as a new series beside the old one, so that history and\n"
			       "diffs stay comparable after a rule change. Nothing is fetched.\n"));
			goto cleanup;
		default:
			rc = cli_usage_error("reextract", _("unknown option"));
			goto cleanup;
		}
	}
	if (cli_load_watchlists(&wl, &s.watchlists)) {
		rc = EXIT_USAGE;
		goto cleanup;
	}
	for (int i = optind; i < argc; i++)
		if (!watchlist_find_page(&wl, argv[i])) {
			rc = cli_usage_error("reextract", _("no page '%s' in the watchlist"), argv[i]);
			goto cleanup;
		}
	db = cli_db_path(settings_get(&s, S_DB));
	if ((rc = cli_open_locked(db, true, &lock_fd, &st)))
		goto cleanup;
	for (size_t i = 0; i < wl.n_offices; i++) {
		for (size_t j = 0; j < wl.offices[i].n_pages; j++) {
			const struct wl_page *p = &wl.offices[i].pages[j];
			bool wanted = optind == argc;
			for (int k = optind; k < argc && !wanted; k++)
				wanted = !strcmp(argv[k], p->id);
			if (wanted && reextract_page(st, &wl, p) < 0)
				rc = EXIT_DATABASE;
		}
	}
cleanup:
	store_close(st);
	cli_unlock(lock_fd);
	watchlist_release(&wl);
	settings_release(&s);
	free(db);
	return rc;
}
