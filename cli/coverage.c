/*
 * coverage.c - `prefwatch coverage`: the to-do list of the national watch.
 *
 * Per région and département, from the watchlist and the store's state of
 * each page: how many offices are listed, how many have pages watched, how
 * many of those are verified or still weak matches (`verified: false`),
 * how many have a page failing now, how many pages were never read yet,
 * how many offices are still to find (`status: to_find`) and how many have
 * no AES procedure of their own (handles_aes: false, served_by).
 *
 * "Stale against the law" (a page still quoting abrogated rules) is not
 * known to prefwatch yet: there is no such column rather than a column of
 * zeros that would read as "none".
 *
 * The database is only read: a missing one is not created (the counts
 * that need it are then zero, and the output says there is no database).
 */
#include "common/common.h"

#include <unistd.h>

#include "cli/cli.h"
#include "store/store.h"
#include "watchlist/watchlist.h"

enum cov_col {
	K_OFFICES, K_WATCHED, K_VERIFIED, K_UNVERIFIED, K_FAILING, K_UNREAD, K_TO_FIND, K_NOT_HANDLED,
	K__COUNT
};

static const char *const cov_json[K__COUNT] = {
	"offices", "watched", "verified", "unverified", "failing", "never_read", "to_find", "not_handled",
};

/* Column heads of the text table (French: the editors read it). */
static const char *const cov_head[K__COUNT] = {
	"admin.", "surveillées", "vérifiées", "à vérifier", "en échec", "jamais lues", "à trouver",
	"non traitées",
};

struct cov_group {
	char *key;            /* région name, or département code */
	char *name;           /* département name (NULL for a région) */
	long n[K__COUNT];
	struct cov_group *deps; /* régions only */
	size_t n_deps;
};

struct coverage {
	struct cov_group total;
	struct cov_group *regions;
	size_t n_regions;
};

static struct cov_group *group_get(struct cov_group **v, size_t *n, const char *key, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i].key, key))
			return &(*v)[i];
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	struct cov_group *g = &(*v)[(*n)++];
	memset(g, 0, sizeof(*g));
	g->key = xstrdup(key);
	g->name = xstrdup(name);
	return g;
}

static void coverage_release(struct coverage *c)
{
	for (size_t i = 0; i < c->n_regions; i++) {
		for (size_t j = 0; j < c->regions[i].n_deps; j++) {
			free(c->regions[i].deps[j].key);
			free(c->regions[i].deps[j].name);
		}
		free(c->regions[i].deps);
		free(c->regions[i].key);
		free(c->regions[i].name);
	}
	free(c->regions);
}

/* Counts one office into k[]; st may be NULL (no database). -1 on a
 * database error (said). */
static int count_office(const struct wl_office *o, struct store *st, long k[K__COUNT])
{
	memset(k, 0, K__COUNT * sizeof(*k));
	k[K_OFFICES] = 1;
	if (o->to_find) {
		k[K_TO_FIND] = 1;
		return 0;
	}
	if (!o->n_pages) {
		k[K_NOT_HANDLED] = 1;
		return 0;
	}
	k[K_WATCHED] = 1;
	bool weak = false, failing = false;
	for (size_t i = 0; i < o->n_pages; i++) {
		const struct wl_page *p = &o->pages[i];
		weak = weak || !p->verified;
		if (!st) {
			k[K_UNREAD]++;
			continue;
		}
		struct page_state ps;
		if (store_page_state_light(st, p->id, &ps) < 0) {
			log_error(_("cannot read the state of page '%s': %s"), p->id, store_errmsg(st));
			return -1;
		}
		failing = failing || ps.fail_count > 0;
		if (!ps.has_snapshot && ps.fail_count == 0)
			k[K_UNREAD]++;
		store_page_state_release(&ps);
	}
	k[weak ? K_UNVERIFIED : K_VERIFIED] = 1;
	k[K_FAILING] = failing;
	return 0;
}

static int coverage_build(const struct watchlist *wl, struct store *st, struct coverage *c)
{
	for (size_t i = 0; i < wl->n_offices; i++) {
		const struct wl_office *o = &wl->offices[i];
		long k[K__COUNT];
		if (count_office(o, st, k) < 0)
			return -1;
		struct cov_group *r = group_get(&c->regions, &c->n_regions, o->region, NULL);
		struct cov_group *d = group_get(&r->deps, &r->n_deps, o->departement, o->departement_name);
		for (int j = 0; j < K__COUNT; j++) {
			c->total.n[j] += k[j];
			r->n[j] += k[j];
			d->n[j] += k[j];
		}
	}
	return 0;
}

/* Characters, not bytes: the names are French. */
static size_t width(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += (*p & 0xC0) != 0x80;
	return n;
}

static void print_padded(struct buf *b, const char *s, size_t w)
{
	buf_addstr(b, s);
	for (size_t n = width(s); n < w; n++)
		buf_addch(b, ' ');
}

static void text_row(struct buf *b, const char *label, const long n[K__COUNT])
{
	print_padded(b, label, 34);
	for (int j = 0; j < K__COUNT; j++) {
		char num[24];
		snprintf(num, sizeof(num), "%ld", n[j]);
		size_t w = width(cov_head[j]) + 2;
		for (size_t k = strlen(num); k < w; k++)
			buf_addch(b, ' ');
		buf_addstr(b, num);
	}
	buf_addch(b, '\n');
}

static void render_text(struct buf *b, const struct coverage *c, bool have_db)
{
	buf_printf(b, "Couverture de la liste de surveillance : %ld administrations, %ld surveillées, "
		      "%ld à trouver\n",
		   c->total.n[K_OFFICES], c->total.n[K_WATCHED], c->total.n[K_TO_FIND]);
	if (!have_db)
		buf_addstr(b, "(pas encore de base de données : aucune page n'a été lue)\n");
	buf_addch(b, '\n');
	print_padded(b, "région / département", 34);
	for (int j = 0; j < K__COUNT; j++)
		buf_printf(b, "  %s", cov_head[j]);
	buf_addch(b, '\n');
	for (size_t i = 0; i < c->n_regions; i++) {
		const struct cov_group *r = &c->regions[i];
		text_row(b, r->key, r->n);
		for (size_t j = 0; j < r->n_deps; j++) {
			char *label = xasprintf("  %s %s", r->deps[j].key, r->deps[j].name);
			text_row(b, label, r->deps[j].n);
			free(label);
		}
	}
	text_row(b, "Total", c->total.n);
}

static void json_str(struct buf *b, const char *s)
{
	buf_addch(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_printf(b, "\\%c", *p);
		else if (*p < 0x20)
			buf_printf(b, "\\u%04x", *p);
		else
			buf_addch(b, (char)*p);
	}
	buf_addch(b, '"');
}

static void json_counts(struct buf *b, const long n[K__COUNT])
{
	for (int j = 0; j < K__COUNT; j++)
		buf_printf(b, ", \"%s\": %ld", cov_json[j], n[j]);
}

static void render_json(struct buf *b, const struct coverage *c, bool have_db)
{
	buf_printf(b, "{\"database\": %s, \"total\": {\"offices\": %ld", have_db ? "true" : "false",
		   c->total.n[K_OFFICES]);
	for (int j = 1; j < K__COUNT; j++)
		buf_printf(b, ", \"%s\": %ld", cov_json[j], c->total.n[j]);
	buf_addstr(b, "},\n \"regions\": [");
	for (size_t i = 0; i < c->n_regions; i++) {
		const struct cov_group *r = &c->regions[i];
		buf_addstr(b, i ? ",\n  {\"region\": " : "\n  {\"region\": ");
		json_str(b, r->key);
		json_counts(b, r->n);
		buf_addstr(b, ", \"departements\": [");
		for (size_t j = 0; j < r->n_deps; j++) {
			buf_addstr(b, j ? ",\n    {\"code\": " : "\n    {\"code\": ");
			json_str(b, r->deps[j].key);
			buf_addstr(b, ", \"name\": ");
			json_str(b, r->deps[j].name);
			json_counts(b, r->deps[j].n);
			buf_addch(b, '}');
		}
		buf_addstr(b, "]}");
	}
	buf_addstr(b, "\n]}\n");
}

/* The options of `coverage`: 0, -1 after --help, else an exit status
 * after saying why. */
static int coverage_args(int argc, char **argv, bool *json, const char **db_flag,
			 struct strvec *files)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf(_("usage: prefwatch coverage [--json] [--db FILE] [--watchlist FILE]...\n\n"
			       "Prints, per région and département, the offices listed, those with\n"
			       "pages watched, verified or still to check (verified: false), with a\n"
			       "page failing now, the pages never read, the offices still to find\n"
			       "(status: to_find) and those without an AES procedure of their own.\n"
			       "A page stale against the law is not detected yet (no column).\n"
			       "--json for tools. Reads the database, never creates it.\n"));
			return -1;
		}
		if (!strcmp(argv[i], "--json"))
			*json = true;
		else if (!strcmp(argv[i], "--db") && i + 1 < argc)
			*db_flag = argv[++i];
		else if (!strcmp(argv[i], "--watchlist") && i + 1 < argc)
			strvec_push(files, argv[++i]);
		else
			return cli_usage_error("coverage", _("unknown argument '%s'"), argv[i]);
	}
	return 0;
}

int cmd_coverage(int argc, char **argv)
{
	struct watchlist wl;
	struct strvec files = STRVEC_INIT;
	struct settings set;
	struct coverage cov = { 0 };
	struct buf out = BUF_INIT;
	struct store *st = NULL;
	const char *db_flag = NULL;
	char *db = NULL, *err = NULL;
	bool json = false, settings_ok = false;
	int rc = EXIT_USAGE;

	watchlist_init(&wl);
	int arc = coverage_args(argc, argv, &json, &db_flag, &files);
	if (arc) {
		rc = arc < 0 ? EXIT_OK : arc;
		goto cleanup;
	}
	if (settings_load(&set) < 0)
		goto cleanup;
	settings_ok = true;
	if (!files.n)
		for (size_t i = 0; i < set.watchlists.n; i++)
			strvec_push(&files, set.watchlists.v[i]);
	int n = cli_load_watchlists(&wl, &files);
	if (n) {
		if (n > 0)
			fprintf(stderr, ngettext("prefwatch: %d error\n", "prefwatch: %d errors\n", (unsigned long)n), n);
		goto cleanup;
	}
	db = cli_db_path(db_flag ? db_flag : settings_get(&set, S_DB));
	if (!access(db, F_OK)) {
		st = store_open(db, &err);
		if (!st) {
			log_error("%s", err);
			rc = EXIT_DATABASE;
			goto cleanup;
		}
	}
	if (coverage_build(&wl, st, &cov) < 0) {
		rc = EXIT_DATABASE;
		goto cleanup;
	}
	if (json)
		render_json(&out, &cov, st != NULL);
	else
		render_text(&out, &cov, st != NULL);
	rc = EXIT_OK;
	if (fwrite(buf_str(&out), 1, out.len, stdout) != out.len || fflush(stdout)) {
		log_error(_("cannot write to standard output: %s"), strerror(errno));
		rc = EXIT_FAILURE_OTHER;
	}

cleanup:
	store_close(st);
	coverage_release(&cov);
	buf_release(&out);
	if (settings_ok)
		settings_release(&set);
	strvec_release(&files);
	watchlist_release(&wl);
	free(db);
	free(err);
	return rc;
}
