/*
 * paths.c - where prefwatch keeps its data and finds its bundled files.
 */
#include "common/common.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "store/store.h"
#include "watchlist/watchlist.h"

/* mkdir -p for the parent directories of path; best effort, the open that
 * follows reports the real error. */
static void make_parents(const char *path)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			break;
		*s = '/';
	}
	free(p);
}

char *cli_db_path(const char *flag)
{
	if (flag && *flag)
		return xstrdup(flag);
	char *path;
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	if (xdg && *xdg == '/')
		path = xasprintf("%s/prefwatch/prefwatch.db", xdg);
	else
		path = xasprintf("%s/.local/share/prefwatch/prefwatch.db", home && *home ? home : ".");
	make_parents(path);
	return path;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_yaml(const char *dir, struct strvec *files)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	size_t before = files->n;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		/* the table of legal events lives beside the watchlists */
		if (n > 5 && !strcmp(e->d_name + n - 5, ".yaml") && e->d_name[0] != '.' &&
		    strcmp(e->d_name, CLI_LAWS_FILE))
			strvec_push_nodup(files, xasprintf("%s/%s", dir, e->d_name));
	}
	closedir(d);
	if (files->n == before)
		return -1;
	qsort(files->v + before, files->n - before, sizeof(char *), cmp_str);
	return 0;
}

/* Installed data dir first (relative to the executable, then the configured
 * prefix), then the source tree, so a build runs without installing. */
int cli_bundled_watchlists(struct strvec *files)
{
	const char *env = getenv("PREFWATCH_WATCHLIST_DIR");
	if (env && *env)
		return list_yaml(env, files);

	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			char *dir = xasprintf("%s/../share/prefwatch/watchlists", exe);
			int rc = list_yaml(dir, files);
			free(dir);
			if (!rc)
				return 0;
		}
	}
	if (!list_yaml(PREFWATCH_DATADIR "/watchlists", files))
		return 0;
	return list_yaml(PREFWATCH_SOURCE_DIR "/watchlist", files);
}

static char *laws_in(const char *dir)
{
	char *path = xasprintf("%s/" CLI_LAWS_FILE, dir);
	if (!access(path, F_OK))
		return path;
	free(path);
	return NULL;
}

/* The same places as the bundled watchlists, in the same order: the table
 * found is the one beside the watchlists a run loads by default. */
char *cli_bundled_laws(void)
{
	const char *env = getenv("PREFWATCH_WATCHLIST_DIR");
	if (env && *env)
		return laws_in(env);
	char exe[4096], *path;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			char *dir = xasprintf("%s/../share/prefwatch/watchlists", exe);
			path = laws_in(dir);
			free(dir);
			if (path)
				return path;
		}
	}
	if ((path = laws_in(PREFWATCH_DATADIR "/watchlists")))
		return path;
	return laws_in(PREFWATCH_SOURCE_DIR "/watchlist");
}

int cli_load_laws(struct law_table *t, const char *path)
{
	struct strvec errs = STRVEC_INIT;
	char *bundled = NULL;
	if (!path || !*path)
		path = bundled = cli_bundled_laws();
	if (!path)
		return 0;  /* no table: no page is judged against the law */
	law_table_load(t, path, &errs);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.v[i]);
	int n = (int)errs.n;
	strvec_release(&errs);
	free(bundled);
	return n;
}

char *cli_locale_dir(void)
{
	const char *env = getenv("PREFWATCH_LOCALEDIR");
	if (env && *env)
		return xstrdup(env);

	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		/* a build runs translated without installing, and never with an
		 * older installed catalogue than its own sources */
		size_t bl = strlen(PREFWATCH_BINARY_DIR);
		if (!strncmp(exe, PREFWATCH_BINARY_DIR, bl) && exe[bl] == '/')
			return xstrdup(PREFWATCH_BUILD_LOCALEDIR);
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			char *dir = xasprintf("%s/../share/locale", exe);
			/* fr is the one catalogue shipped: its presence says the
			 * directory is ours (a relocated install) */
			char *mo = xasprintf("%s/fr/LC_MESSAGES/" PW_TEXTDOMAIN ".mo", dir);
			bool ours = !access(mo, R_OK);
			free(mo);
			if (ours)
				return dir;
			free(dir);
		}
		return xstrdup(PREFWATCH_LOCALEDIR);
	}
	/* no /proc (a bare chroot): the installed catalogue if there is one,
	 * else the build tree's */
	char *mo = xasprintf("%s/fr/LC_MESSAGES/" PW_TEXTDOMAIN ".mo", PREFWATCH_LOCALEDIR);
	bool installed = !access(mo, R_OK);
	free(mo);
	return xstrdup(installed ? PREFWATCH_LOCALEDIR : PREFWATCH_BUILD_LOCALEDIR);
}

/* flock on the database file itself: one writer command at a time per
 * database (run, reextract, mail --resend), however it is reached. A lock
 * file named after the path given let the same database, reached through a
 * symbolic or a hard link, run twice at once; the file's own inode has one
 * identity whatever its name. flock locks and SQLite's POSIX (fcntl) locks
 * do not interact on Linux, so the store is unaffected. The file is
 * created (empty, which SQLite takes as a new database) when missing, so
 * that two first runs cannot both start; opened read-only, which flock
 * needs no more than, so that a read-only database gets the store's own
 * error. EXIT_RUNNING if another holds it. */
int cli_open_locked(const char *db, bool lock, int *fd_out, struct store **out)
{
	char *err = NULL;
	int rc;
	*out = NULL;
	*fd_out = -1;
	if (lock && (rc = cli_lock(db, fd_out)))
		return rc;
	*out = store_open(db, &err);
	if (!*out) {
		log_error("%s", err);
		free(err);
		return EXIT_DATABASE;
	}
	return 0;
}

int cli_lock(const char *db, int *fd_out)
{
	int fd = open(db, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
	*fd_out = -1;
	if (fd < 0 && (errno == EACCES || errno == EROFS || errno == EISDIR))
		fd = open(db, O_RDONLY | O_CLOEXEC | O_NOCTTY);  /* existing, directory not ours */
	if (fd < 0) {
		log_error(_("cannot open database '%s' to lock it: %s"), db, strerror(errno));
		return EXIT_DATABASE;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		bool busy = e == EWOULDBLOCK;
		if (busy)
			log_error(_("another prefwatch run is already running on '%s' (the database is locked)"), db);
		else
			log_error(_("cannot lock database '%s': %s"), db, strerror(e));
		close(fd);
		return busy ? EXIT_RUNNING : EXIT_DATABASE;
	}
	*fd_out = fd;
	return 0;
}

void cli_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the flock; after store_close(): closing any
			      descriptor of the file drops the process's POSIX locks */
}

int cli_load_watchlists(struct watchlist *wl, struct strvec *files)
{
	struct strvec errs = STRVEC_INIT;
	if (!files->n && cli_bundled_watchlists(files) < 0) {
		log_error(_("no bundled watchlist found; name one with --watchlist"));
		return -1;
	}
	for (size_t i = 0; i < files->n; i++)
		watchlist_load(wl, files->v[i], &errs);
	watchlist_finish(wl, &errs);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.v[i]);
	int n = (int)errs.n;
	strvec_release(&errs);
	return n;
}

const struct wl_office *cli_office_find(const struct watchlist *wl, const char *id)
{
	for (size_t i = 0; i < wl->n_offices; i++)
		if (!strcmp(wl->offices[i].id, id))
			return &wl->offices[i];
	return NULL;
}

const struct wl_office *cli_serving_office(const struct watchlist *wl, const char *id)
{
	const struct wl_office *of = cli_office_find(wl, id);
	if (!of || !of->served_by)
		return NULL;
	return cli_office_find(wl, of->served_by);
}
