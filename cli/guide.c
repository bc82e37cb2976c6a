/*
 * guide.c - `prefwatch guide`: the editors' guide drafted from the store.
 *
 * The watchlist gives the guide's outline (régions, départements, offices
 * in the editors' order, which sous-préfectures do not handle AES, which
 * offices share a procedure); the store gives, per page, the latest good
 * text and its facts (method, postal addresses), when it was last
 * verified, whether it is failing and whether a change of it waits for
 * review. This file only reads both into the guide model (guide/guide.h),
 * which renders it; the store is only read.
 */
#include "common/common.h"
#include "common/spawn.h"
#include "cli/cli.h"
#include "guide/guide.h"
#include "reports/report.h"
#include "store/store.h"
#include "watchlist/watchlist.h"

#include <fcntl.h>
#include <getopt.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char guide_usage[] = N_(
	"usage: prefwatch guide [--region NAME]... [--departement CODE]... [--format md|html|odt]\n"
	"                       [-o FILE] [--watchlist FILE]... [--db FILE]\n\n"
	"Writes the editors' guide (« Modalités de dépôt d'une demande d'admission\n"
	"exceptionnelle au séjour ») from the watchlist and the latest good snapshot\n"
	"of every page: per région, département and office, the date of the last\n"
	"check, the method of filing, the official links, the procedure text and\n"
	"the postal address. An office whose page is failing, never read, or has a\n"
	"change waiting for review is marked « À vérifier » and listed at the top.\n\n"
	"  --region NAME        only this région (repeatable)\n"
	"  --departement CODE   only this département, e.g. 02 (repeatable)\n"
	"  --format FORMAT      md (default), html (self-contained, printable A4) or\n"
	"                       odt (LibreOffice, converted from the Markdown by pandoc)\n"
	"  -o, --output FILE    write there (replaced atomically); default: standard\n"
	"                       output (odt needs a file)\n"
	"  --watchlist FILE     the watchlists (else the configured or bundled ones)\n"
	"  --db FILE            the database\n");

struct guide_opts {
	struct strvec regions, deps, watchlists;
	const char *format, *output, *db;
};

/* What the store says of the pages, gathered in one walk over the changes:
 * the pending ones, and when each page's current text was last reviewed. */
struct page_changes {
	char *page_id;             /* the page (a linked document counts for its page) */
	int64_t id;
	time_t detected_at;
	int64_t new_snapshot_id;
	bool pending;
	time_t reviewed_at;
};

struct changes_ctx {
	struct page_changes *v;
	size_t n, alloc;
};

static int collect_change(const struct change_record *c, void *data)
{
	struct changes_ctx *cc = data;
	bool pending = c->state && !strcmp(c->state, "pending");
	if (!pending && (!c->state || strcmp(c->state, "reviewed")))
		return 0;
	if (cc->n == cc->alloc) {
		cc->alloc = cc->alloc ? cc->alloc * 2 : 32;
		cc->v = xrealloc(cc->v, cc->alloc * sizeof(*cc->v));
	}
	struct page_changes *p = &cc->v[cc->n++];
	/* "PAGE/doc/HASH": a linked document's change is its page's concern */
	const char *slash = strchr(c->page_id, '/');
	p->page_id = slash ? xstrndup(c->page_id, (size_t)(slash - c->page_id)) : xstrdup(c->page_id);
	p->id = c->id;
	p->detected_at = c->detected_at;
	p->new_snapshot_id = slash ? 0 : c->new_snapshot_id;
	p->pending = pending;
	p->reviewed_at = pending ? 0 : c->reviewed_at;
	return 0;
}

struct last_seen_ctx {
	int64_t want;
	time_t last_seen;
};

static int find_last_seen(const struct snapshot_info *si, void *data)
{
	struct last_seen_ctx *l = data;
	if (si->id == l->want)
		l->last_seen = si->last_seen;
	return 0;
}

static void push_unique(struct strvec *sv, const char *s)
{
	if (!strvec_contains(sv, s))
		strvec_push(sv, s);
}

/* Fills an entry from the pages of `of` (the serving office for a group).
 * 0, or -1 on a database error (said). */
static int fill_entry(struct store *st, const struct changes_ctx *cc, const struct wl_office *of,
		      struct guide_office *o)
{
	struct buf text = BUF_INIT;
	time_t checked = 0;
	bool all_checked = true;
	int rc = 0;
	for (size_t i = 0; i < of->n_pages; i++) {
		const struct wl_page *pg = &of->pages[i];
		struct page_state ps = { 0 };
		strvec_push(&o->urls, pg->url);
		if (store_page_state(st, pg->id, &ps) < 0) {
			log_error(_("cannot read page '%s': %s"), pg->id, store_errmsg(st));
			store_page_state_release(&ps);
			rc = -1;
			break;
		}
		if (ps.fail_count > 0)
			guide_office_check(o, GUIDE_CHECK_FAILING, pg->url, ps.failing_since,
					   ps.last_failure, 0);
		else if (!ps.has_snapshot)
			guide_office_check(o, GUIDE_CHECK_NO_TEXT, pg->url, 0, NULL, 0);
		time_t page_checked = 0;
		if (ps.has_snapshot) {
			/* the last night the text was read again (its last_seen),
			 * or reviewed, whichever is later */
			struct last_seen_ctx l = { ps.snapshot_id, 0 };
			if (store_snapshots_each(st, pg->id, find_last_seen, &l) < 0) {
				log_error(_("cannot read page '%s': %s"), pg->id, store_errmsg(st));
				store_page_state_release(&ps);
				rc = -1;
				break;
			}
			page_checked = l.last_seen ? l.last_seen : ps.snapshot_at;
			if (ps.text && *ps.text) {
				if (text.len)
					buf_addstr(&text, "\n\n");
				buf_addstr(&text, ps.text);
			}
			struct fieldset fs = FIELDSET_INIT;
			if (ps.fields && fieldset_parse(&fs, ps.fields) == 0) {
				const struct field *m = fieldset_find(&fs, "method");
				const struct field *a = fieldset_find(&fs, "addresses");
				for (size_t k = 0; m && k < m->values.n; k++)
					push_unique(&o->methods, m->values.v[k]);
				for (size_t k = 0; a && k < a->values.n; k++)
					push_unique(&o->addresses, a->values.v[k]);
			}
			fieldset_release(&fs);
		}
		for (size_t k = 0; k < cc->n; k++) {
			const struct page_changes *c = &cc->v[k];
			if (strcmp(c->page_id, pg->id))
				continue;
			if (c->pending)
				guide_office_check(o, GUIDE_CHECK_PENDING, pg->url, c->detected_at, NULL,
						   c->id);
			else if (ps.has_snapshot && c->new_snapshot_id == ps.snapshot_id &&
				 c->reviewed_at > page_checked)
				page_checked = c->reviewed_at;
		}
		/* the entry is as fresh as its least recently verified page */
		if (!page_checked)
			all_checked = false;
		else if (!checked || page_checked < checked)
			checked = page_checked;
		store_page_state_release(&ps);
	}
	o->checked_at = all_checked ? checked : 0;
	if (text.len) {
		o->text = buf_detach(&text, NULL);
		if (!guide_method_sentence(&o->methods))
			guide_office_check(o, GUIDE_CHECK_NOTE, NULL, 0,
					   "le mode de dépôt n'a pas été reconnu sur la page", 0);
	}
	buf_release(&text);
	return rc;
}

/* The heading of an entry: the office's name, or for offices sharing one
 * procedure « Sous-préfectures Douai et Cambrai » (serving office first). */
static char *entry_title(const struct wl_office *of)
{
	if (!of->serves_names.n)
		return xstrdup(of->name);
	bool all_sous = of->kind == OFFICE_SOUS_PREFECTURE;
	for (size_t i = 0; i < of->serves_ids.n; i++) {
		const char *n = of->serves_names.v[i];
		if (strncmp(n, "Sous-préfecture", strlen("Sous-préfecture")))
			all_sous = false;
	}
	struct buf b = BUF_INIT;
	if (all_sous)
		buf_addstr(&b, "Sous-préfectures ");
	size_t n = of->serves_names.n + 1;
	for (size_t i = 0; i < n; i++) {
		const char *name = i == 0 ? of->name : of->serves_names.v[i - 1];
		if (i)
			buf_addstr(&b, i + 1 == n ? " et " : ", ");
		if (all_sous) {
			char *s = guide_short_name(name);
			buf_addstr(&b, s);
			free(s);
		} else {
			buf_addstr(&b, name);
		}
	}
	return buf_detach(&b, NULL);
}

static bool wanted(const struct guide_opts *go, const struct wl_office *of)
{
	bool r = !go->regions.n, d = !go->deps.n;
	for (size_t i = 0; i < go->regions.n && !r; i++)
		r = of->region && !strcasecmp(of->region, go->regions.v[i]);
	for (size_t i = 0; i < go->deps.n && !d; i++)
		d = of->departement && !strcasecmp(of->departement, go->deps.v[i]);
	return r && d;
}

/* Fills g from the watchlist, in its order. 0, 1 when no office is
 * selected, -1 on a database error. */
static int build_guide(struct guide *g, const struct watchlist *wl, struct store *st,
		       const struct guide_opts *go)
{
	struct changes_ctx cc = { 0 };
	struct strmap done = STRMAP_INIT;   /* serving office id -> entry written */
	size_t selected = 0;
	int rc = 0;
	if (store_changes_each(st, NULL, collect_change, &cc) < 0) {
		log_error(_("cannot read changes: %s"), store_errmsg(st));
		rc = -1;
		goto cleanup;
	}
	for (size_t i = 0; i < wl->n_offices; i++) {
		const struct wl_office *of = &wl->offices[i];
		if (!wanted(go, of))
			continue;
		selected++;
		struct guide_departement *d =
			guide_departement(g, of->region, of->departement, of->departement_name);
		if (of->kind == OFFICE_PREFECTURE) {
			if (!d->prefecture)
				d->prefecture = xstrdup(of->name);
		} else {
			strvec_push_nodup(&d->sous_prefectures, guide_short_name(of->name));
			d->n_sous_prefectures_total++;
		}
		/* a served office has no pages of its own, but its requests are
		 * handled (by the serving office) */
		if (!of->handles_aes && !of->served_by) {
			strvec_push(&d->no_aes, of->name);
			continue;
		}
		/* offices sharing a procedure make one entry, where the first
		 * of them stands in the watchlist (the seed's order) */
		const struct wl_office *serving = of->served_by ? cli_office_find(wl, of->served_by) : of;
		if (!serving || strmap_get(&done, serving->id))
			continue;
		strmap_put(&done, serving->id, serving);
		char *title = entry_title(serving);
		struct guide_office *o = guide_office_add(d, title);
		free(title);
		if (fill_entry(st, &cc, serving, o) < 0) {
			rc = -1;
			goto cleanup;
		}
	}
	if (!selected)
		rc = 1;
	for (size_t i = 0; i < g->n_deps; i++)
		guide_sort_names(&g->deps[i].sous_prefectures);
cleanup:
	for (size_t i = 0; i < cc.n; i++)
		free(cc.v[i].page_id);
	free(cc.v);
	strmap_release(&done);
	return rc;
}

/* The Markdown converted to ODT by pandoc into output (written beside it,
 * then renamed over it). EXIT_OK or EXIT_FAILURE_OTHER, said. */
static int write_odt(const char *md, const char *output)
{
	char *pandoc = pw_find_program("pandoc");
	char *src = NULL, *part = NULL;
	int fd = -1, rc = EXIT_FAILURE_OTHER;
	struct pw_child child;
	pw_child_init(&child);
	if (!pandoc) {
		log_error(_("--format odt needs pandoc, which is not installed (apt-get install "
			  "pandoc); --format md writes the Markdown it converts"));
		goto cleanup;
	}
	fd = pw_tmpfile("prefwatch-guide", &src);
	if (fd < 0) {
		log_error(_("cannot create a temporary file: %s"), strerror(errno));
		goto cleanup;
	}
	if (pw_write_all(fd, md, strlen(md)) < 0) {
		log_error(_("cannot write '%s': %s"), src, strerror(errno));
		goto cleanup;
	}
	close(fd);
	fd = -1;
	part = xasprintf("%s.part", output);
	/* no shell; the end of pandoc's stderr is said if it fails */
	char *argv[] = { pandoc, (char *)"--from=markdown", (char *)"--to=odt",
			 (char *)"--output", part, src, NULL };
	pw_child_init(&child);
	child.path = pandoc;
	child.argv = argv;
	if (pw_child_run(&child) < 0) {
		log_error(_("cannot start pandoc: %s"), strerror(child.code));
		goto cleanup;
	}
	if (child.end != PW_CHILD_EXITED || child.code != 0) {
		char *how = pw_child_describe(&child);
		log_error(_("pandoc could not convert the guide to '%s' (%s)"), output, how);
		free(how);
		if (child.err.len)
			fprintf(stderr, "%s", buf_str(&child.err));
		unlink(part);
		goto cleanup;
	}
	if (rename(part, output) < 0) {
		log_error(_("cannot write '%s': %s"), output, strerror(errno));
		unlink(part);
		goto cleanup;
	}
	rc = EXIT_OK;
cleanup:
	if (fd >= 0)
		close(fd);
	if (src)
		unlink(src);
	free(src);
	free(part);
	free(pandoc);
	pw_child_release(&child);
	return rc;
}

/* The options of `guide` into go: 0, -1 after --help, else an exit status
 * after saying why. */
static int guide_args(int argc, char **argv, struct guide_opts *go)
{
	static const struct option longopts[] = {
		{ "region", required_argument, NULL, 'r' },
		{ "departement", required_argument, NULL, 'D' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "watchlist", required_argument, NULL, 'w' },
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': strvec_push(&go->regions, optarg); break;
		case 'D': strvec_push(&go->deps, optarg); break;
		case 'f': go->format = optarg; break;
		case 'o': go->output = optarg; break;
		case 'w': strvec_push(&go->watchlists, optarg); break;
		case 'd': go->db = optarg; break;
		case 'h':
			printf("%s", _(guide_usage));
			return -1;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error("guide", _("unexpected argument '%s'"), argv[optind]);
	bool odt = !strcmp(go->format, "odt");
	if (strcmp(go->format, "md") && strcmp(go->format, "html") && !odt)
		return cli_usage_error("guide", _("unknown format '%s' (md, html or odt)"), go->format);
	if (odt && (!go->output || report_output_is_stdout(go->output)))
		return cli_usage_error("guide", _("--format odt needs -o FILE"));
	return 0;
}

/* The existing database at db, or NULL after saying why: a guide creates
 * nothing, so a wrong --db must not leave an empty file. */
static struct store *guide_store(const char *db)
{
	char *err = NULL;
	if (access(db, F_OK) < 0) {
		log_error(_("no database at '%s' (a first 'prefwatch run' creates it)"), db);
		return NULL;
	}
	struct store *st = store_open(db, &err);
	if (!st)
		log_error("%s", err);
	free(err);
	return st;
}

/* Renders g in go's format to its output: an exit status. */
static int guide_write(const struct guide *g, const struct guide_opts *go)
{
	int rc = EXIT_OK;
	char *out = !strcmp(go->format, "html") ? guide_render_html(g) : guide_render_md(g);
	if (!strcmp(go->format, "odt")) {
		rc = write_odt(out, go->output);
	} else if (go->output) {
		if (report_write_file(go->output, out) < 0) {
			log_error(_("cannot write '%s': %s"), go->output, report_output_strerror(errno));
			rc = EXIT_FAILURE_OTHER;
		}
	} else if (fputs(out, stdout) == EOF || fflush(stdout) == EOF) {
		log_error(_("cannot write the guide to standard output: %s"), strerror(errno));
		rc = EXIT_FAILURE_OTHER;
	}
	free(out);
	return rc;
}

int cmd_guide(int argc, char **argv)
{
	struct guide_opts go = { STRVEC_INIT, STRVEC_INIT, STRVEC_INIT, "md", NULL, NULL };
	struct watchlist wl;
	struct settings set;
	struct strvec files = STRVEC_INIT;
	struct store *st = NULL;
	struct guide *g = NULL;
	char *db = NULL;
	int rc;
	watchlist_init(&wl);
	settings_init(&set);
	rc = guide_args(argc, argv, &go);
	if (rc) {
		rc = rc < 0 ? EXIT_OK : rc;
		goto cleanup;
	}
	settings_release(&set);
	if (settings_load(&set) < 0) {
		rc = EXIT_USAGE;
		goto cleanup;
	}
	const struct strvec *from = go.watchlists.n ? &go.watchlists : &set.watchlists;
	for (size_t i = 0; i < from->n; i++)
		strvec_push(&files, from->v[i]);
	if (cli_load_watchlists(&wl, &files)) {
		rc = EXIT_USAGE;
		goto cleanup;
	}
	db = cli_db_path(go.db ? go.db : settings_get(&set, S_DB));
	if (!(st = guide_store(db))) {
		rc = EXIT_DATABASE;
		goto cleanup;
	}
	g = guide_new(time(NULL));
	int brc = build_guide(g, &wl, st, &go);
	if (brc < 0) {
		rc = EXIT_DATABASE;
		goto cleanup;
	}
	if (brc > 0) {
		rc = cli_usage_error("guide", _("no office of the watchlist matches the --region and "
					      "--departement given"));
		goto cleanup;
	}
	rc = guide_write(g, &go);
cleanup:
	guide_free(g);
	store_close(st);
	free(db);
	strvec_release(&files);
	watchlist_release(&wl);
	settings_release(&set);
	strvec_release(&go.regions);
	strvec_release(&go.deps);
	strvec_release(&go.watchlists);
	return rc;
}
