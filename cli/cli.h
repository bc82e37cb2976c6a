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

/* ---- paths.c ---- */

/* The database path: --db, else $PREFWATCH_DB, else
 * $XDG_DATA_HOME/prefwatch/prefwatch.db, else ~/.local/share/... .
 * Creates the parent directory of the default path. Owned. */
char *cli_db_path(const char *flag);
/* Appends the bundled watchlist files (sorted) to files; -1 if none. */
int cli_bundled_watchlists(struct strvec *files);

/* ---- review.c ---- */
struct report;
struct change_record;
/* Appends a CHANGED page built from a stored change to the report. */
void cli_report_add_change(struct report *r, const struct change_record *c);

/* ---- util ---- */
/* Parses a positive change id; -1 if not one. */
int64_t cli_parse_id(const char *s);
/* Prints "prefwatch: error: ..." and returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) PW_PRINTF(2, 3);

#endif
