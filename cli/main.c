/*
 * main.c - prefwatch's entry point: the table of commands.
 *
 * Every command is a function in its own file under cli/; this file only
 * picks one. Where a page is fetched: crawler/fetch.c; where text is
 * extracted: crawler/extract.c; where snapshots are stored: store/store.c;
 * where a report is written: reports/render_*.c; the nightly run that ties
 * them together: cli/run.c.
 */
#include "common/common.h"
#include "common/url.h"
#include "cli/cli.h"

static const struct cli_command commands[] = {
	{ "run",     cmd_run,     "fetch every watched page, store what changed, report it" },
	{ "check",   cmd_check,   "validate watchlist files and exit" },
	{ "test",    cmd_test,    "fetch or read one page and show what would be extracted" },
	{ "pending", cmd_pending, "list the changes not reviewed yet" },
	{ "show",    cmd_show,    "show one change in full" },
	{ "history", cmd_history, "list every snapshot and change of a page" },
	{ "ack",     cmd_ack,     "mark changes as reviewed" },
	{ "dismiss", cmd_dismiss, "mark changes as not relevant for the guide" },
	{ "report",  cmd_report,  "render stored changes as text, HTML or JSON" },
	{ "reextract", cmd_reextract, "extract stored history again with today's rules" },
	{ "relocate", cmd_relocate, "follow a moved page to its new address" },
	{ "mail",    cmd_mail,    "send reports kept unsent (--resend)" },
	{ "config",  cmd_config,  "print the effective configuration and its origins" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: prefwatch [--version] [--help] [--config FILE] COMMAND [ARGS]\n\n"
		     "Watches the official pages that describe how to file an AES request\n"
		     "and reports, in French, what changed.\n\ncommands:\n");
	for (size_t i = 0; i < PW_ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-9s  %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'prefwatch COMMAND --help' describes a command.\n\n"
		     "exit status:\n"
		     "  0  success\n"
		     "  1  the run completed but some pages could not be read\n"
		     "  2  usage, watchlist or configuration error\n"
		     "  3  database error\n"
		     "  4  the report could not be mailed (it is kept and sent next time)\n"
		     "  5  another run is already running\n"
		     "  6  other error (e.g. a report file could not be written)\n");
}

/* --config FILE (or --config=FILE) may stand anywhere: every command reads
 * the same configuration, so it is taken out here. */
static int take_config_flag(int argc, char **argv)
{
	int out = 0;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			cli_config_flag = argv[++i];
			continue;
		}
		if (!strncmp(argv[i], "--config=", 9)) {
			cli_config_flag = argv[i] + 9;
			continue;
		}
		argv[out++] = argv[i];
	}
	argv[out] = NULL;
	return out;
}

int main(int argc, char **argv)
{
	/* LC_CTYPE only, and UTF-8 whatever the environment: libcurl reads
	 * IDN host names in the locale's charset (see common/url.h) */
	pw_locale_init();
	argc = take_config_flag(argc, argv);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
		printf("prefwatch %s\n", PREFWATCH_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < PW_ARRAY_SIZE(commands); i++)
		if (!strcmp(cmd, commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "prefwatch: error: unknown command '%s'\n", cmd);
	usage(stderr);
	return EXIT_USAGE;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	fprintf(stderr, "prefwatch %s: error: %s\n", cmd, msg);
	fprintf(stderr, "see 'prefwatch %s --help'\n", cmd);
	free(msg);
	return EXIT_USAGE;
}

int64_t cli_parse_id(const char *s)
{
	if (!s || !*s)
		return -1;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || v <= 0)
		return -1;
	return (int64_t)v;
}
