/*
 * cli.h - the entry layer: command line, configuration and orchestration.
 *
 * main.c holds the table of commands; each command lives in its own file
 * (run.c, review.c, check.c, ...) and talks to the modules only through
 * their public headers. Nothing here parses HTML, speaks SQL or renders
 * a report: it wires the stages together.
 */
#ifndef PREFWATCH_CLI_H
#define PREFWATCH_CLI_H

#include "common/common.h"

/* Exit statuses, documented in --help, the man page and the README. */
enum pw_exit {
	EXIT_OK = 0,            /* success, nothing failed */
	EXIT_PAGES_FAILED = 1,  /* run completed, some pages could not be read */
	EXIT_USAGE = 2,         /* bad command line, watchlist or configuration */
	EXIT_DATABASE = 3,      /* the database could not be opened or written */
	EXIT_MAIL = 4,          /* the report could not be mailed (kept for next run) */
	EXIT_RUNNING = 5,       /* another run holds the lock */
	EXIT_FAILURE_OTHER = 6  /* anything else (e.g. a report file not written) */
};

struct cli_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_pending(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_ack(int argc, char **argv);
int cmd_dismiss(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_mail(int argc, char **argv);
int cmd_reextract(int argc, char **argv);
int cmd_import(int argc, char **argv);   /* import.c */
int cmd_export(int argc, char **argv);   /* import.c */
int cmd_coverage(int argc, char **argv); /* coverage.c */
int cmd_guide(int argc, char **argv);     /* guide.c */
int cmd_evidence(int argc, char **argv); /* evidence.c */
int cmd_verify(int argc, char **argv);   /* evidence.c */
int cmd_prune(int argc, char **argv);    /* evidence.c */
int cmd_relocate(int argc, char **argv); /* relocate.c */
int cmd_dashboard(int argc, char **argv); /* dashboard.c */

struct watchlist;
struct wl_page;
struct extract_rules;
/* A page's compiled rules: its select and exclude, the defaults' ignore
 * patterns then its own (reextract.c). NULL with *err set. */
struct extract_rules *cli_page_rules(const struct watchlist *wl, const struct wl_page *p,
				     char **err);
/* The compiled rules of a run, shared by the pages whose rules are the same
 * (most pages have only the watchlist's defaults): compiling the PCRE2
 * patterns and XPaths once per page cost about 9 KB a page. */
struct rules_cache {
	struct strmap by_key;      /* rules fingerprint -> compiled rules */
	struct strvec keys;
	struct extract_rules **v;  /* owned */
	size_t n;
};
/* p's compiled rules, owned by the cache (reextract.c). NULL with *err. */
struct extract_rules *rules_cache_get(struct rules_cache *c, const struct watchlist *wl,
				      const struct wl_page *p, char **err);
void rules_cache_release(struct rules_cache *c);

/* ---- paths.c ---- */

/* The database path: flag (--db, or the configuration's database, or
 * $PREFWATCH_DB as settings_load() resolved them), else
 * $XDG_DATA_HOME/prefwatch/prefwatch.db, else ~/.local/share/... .
 * Creates the parent directory of the default path. Owned. */
char *cli_db_path(const char *flag);
/* Appends the bundled watchlist files (sorted) to files; -1 if none. */
int cli_bundled_watchlists(struct strvec *files);
/* The directory of the message catalogues (DIR/fr/LC_MESSAGES/prefwatch.mo),
 * for bindtextdomain(): $PREFWATCH_LOCALEDIR, else the build tree's when
 * this binary is the build tree's, else the one next to the executable
 * (../share/locale) when it holds our catalogue, else the configured
 * prefix's. Owned. */
char *cli_locale_dir(void);
/* Loads files (the bundled ones when files is empty; their names are then
 * added to it), printing every error as FILE:LINE:COLUMN: message.
 * Returns the number of errors, -1 if no bundled watchlist exists. */
int cli_load_watchlists(struct watchlist *wl, struct strvec *files);
/* The table of legal events beside the bundled watchlists (the one
 * file of their directory that is not a watchlist). */
#define CLI_LAWS_FILE "laws.yaml"
/* Its path where the bundled watchlists are found, or NULL. Owned. */
char *cli_bundled_laws(void);
struct law_table;
/* Loads path (NULL or "": the bundled table, when there is one; none is
 * no error, then t stays empty), printing every error as
 * FILE:LINE:COLUMN: message. Returns the number of errors. */
int cli_load_laws(struct law_table *t, const char *path);
/* ---- stale.c: pages stale against the law ---- */
struct store;
struct store_law_flag;
struct report;
struct report_page;
/* The fingerprint an evaluation is recorded with (t's, or "none" when no
 * table is loaded). Borrowed. */
const char *cli_laws_fingerprint(const struct law_table *t);
/* The flags text (stamped page_updated, ISO or NULL) gets from t, as the
 * store keeps them (*out owned: store_law_flags_release() form). */
int cli_stale_judge(const struct law_table *t, const char *text, const char *page_updated,
		    struct store_law_flag **out, size_t *n_out);
/* Evaluates page_id's current snapshot against t again when the snapshot
 * or t's fingerprint changed since its last evaluation, and stores its
 * flags. 0, or -1 (store_errmsg()). */
int cli_stale_refresh(struct store *s, const struct law_table *t, const char *page_id, time_t now);
/* Adds to rp the page's flags due tonight (first raised, or weekly), or
 * with all every flag it has (`prefwatch show`). */
int cli_stale_report(struct store *s, const char *page_id, struct report_page *rp, time_t now,
		     bool all);
/* Records that the flags of r were reported at `at`. */
int cli_stale_mark_reported(struct store *s, const struct report *r, time_t at);
struct wl_office;
/* The office with this id, or NULL (borrowed from wl). */
const struct wl_office *cli_office_find(const struct watchlist *wl, const char *id);
/* When id names an office served by another (watchlist `served_by`), the
 * serving office, whose pages give its procedure; else NULL. Borrowed. */
const struct wl_office *cli_serving_office(const struct watchlist *wl, const char *id);
/* Takes the database's lock (flock on the database file itself, created
 * empty when missing), before the store is opened: 0, EXIT_RUNNING or
 * EXIT_DATABASE, after printing why. Release it with cli_unlock() only
 * after store_close(). */
int cli_lock(const char *db, int *fd_out);
void cli_unlock(int fd);
/* What a writing command does first: the lock (unless lock is false),
 * then the store. 0 with *out open, or EXIT_RUNNING/EXIT_DATABASE after
 * printing why. The caller closes *out, then cli_unlock(*fd_out). */
struct store;
int cli_open_locked(const char *db, bool lock, int *fd_out, struct store **out);

/* ---- config.c: effective settings and where they came from ---- */

enum setting_id {
	S_DB, S_MAIL, S_MAIL_ALWAYS, S_SMTP_URL, S_MAIL_FROM, S_REQUIRE_TLS, S_SENDMAIL,
	S_NETRC, S_NETRC_FILE, S_MAIL_TIMEOUT, S_MAIL_CA_FILE, S_JOBS, S_HOST_DELAY, S_JSON, S_TEXT, S_HTML,
	S_ALLOW_PLAINTEXT_AUTH, S_CONVERTERS, S_CONVERTER_DIR,
	S__COUNT
};

struct settings {
	char *val[S__COUNT];       /* NULL: not set */
	char *origin[S__COUNT];
	struct strvec watchlists;
	char *watchlists_origin;
	struct strvec mail_to;
	char *mail_to_origin;
	char *file;                /* the configuration file read, or NULL */
};

/* --config FILE, taken out of argv by main() before the command runs. */
extern const char *cli_config_flag;

/* Defaults, then the configuration file (--config, $PREFWATCH_CONFIG,
 * $XDG_CONFIG_HOME/prefwatch/config.yaml, /etc/prefwatch/config.yaml), then
 * the environment. Prints every error (FILE:LINE:COLUMN) and returns -1. */
int settings_load(struct settings *s);
void settings_init(struct settings *s);
void settings_set(struct settings *s, enum setting_id id, const char *value, const char *origin);
/* Adds value to a list setting; a list from another origin is replaced. */
void settings_set_list(struct strvec *list, char **origin_slot, const char *value,
		       const char *origin);
const char *settings_get(const struct settings *s, enum setting_id id);
bool settings_bool(const struct settings *s, enum setting_id id);
long settings_long(const struct settings *s, enum setting_id id);
void settings_release(struct settings *s);

int cmd_config(int argc, char **argv);

/* ---- deliver.c: the outbox and the mail ---- */
struct store;
struct report;
/* Checks the mail settings before a run; -1 after printing why. */
int cli_mail_check(const struct settings *s);
/* Renders r (subject, text, HTML) into the store's outbox; -1 on error. */
int cli_mail_enqueue(struct store *st, const struct report *r, time_t at);
/* Mails every unsent report, oldest first: EXIT_OK, EXIT_MAIL or EXIT_DATABASE. */
int cli_mail_flush(struct store *st, const struct settings *s);

/* ---- review.c ---- */
struct change_record;
/* Adds a stored change to the report: a CHANGED page, or for a linked
 * document's change a CHANGED document under its page (st, may be NULL,
 * gives the document's title). */
void cli_report_add_change(struct report *r, const struct change_record *c, struct store *st);

/* ---- dashboard.c ---- */
/* Writes the dashboard of wl and st to dir (replaced in one step; see
 * reports/dashboard.h): EXIT_OK, EXIT_DATABASE or EXIT_FAILURE_OTHER,
 * after saying why. The store is only read. */
int cli_dashboard_write(struct store *st, const struct watchlist *wl, const char *dir);

/* ---- evidence.c ---- */
struct fetch_result;
struct store_exchange;
/* The exchange of a fetch as the store keeps it (borrowed from res; sha,
 * 65 bytes, gets the body's SHA-256 in hex): false when res has none. */
bool cli_exchange_of(const struct fetch_result *res, struct store_exchange *x, char sha[65]);

/* ---- util ---- */
/* Parses a positive change id; -1 if not one. */
int64_t cli_parse_id(const char *s);
/* Prints "prefwatch: error: ..." and returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) PW_PRINTF(2, 3);

#endif
