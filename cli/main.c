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

#include <locale.h>

#include "common/url.h"
#include "cli/cli.h"

static const struct cli_command commands[] = {
	{ "run",     cmd_run,     N_("fetch every watched page, store what changed, report it") },
	{ "check",   cmd_check,   N_("validate watchlist files and exit") },
	{ "test",    cmd_test,    N_("fetch or read one page and show what would be extracted") },
	{ "pending", cmd_pending, N_("list the changes not reviewed yet") },
	{ "show",    cmd_show,    N_("show one change in full") },
	{ "history", cmd_history, N_("list every snapshot and change of a page") },
	{ "ack",     cmd_ack,     N_("mark changes as reviewed") },
	{ "dismiss", cmd_dismiss, N_("mark changes as not relevant for the guide") },
	{ "report",  cmd_report,  N_("render stored changes as text, HTML or JSON") },
	{ "reextract", cmd_reextract, N_("extract stored history again with today's rules") },
	{ "mail",    cmd_mail,    N_("send reports kept unsent (--resend)") },
	{ "config",  cmd_config,  N_("print the effective configuration and its origins") },
	{ "import",  cmd_import,  N_("turn a spreadsheet (CSV, TSV, ODS) into watchlist YAML") },
	{ "export",  cmd_export,  N_("write the watchlist as a spreadsheet (CSV, ODS)") },
	{ "coverage", cmd_coverage, N_("count, per région and département, what is watched and what remains") },
	{ "guide",   cmd_guide,   N_("write the editors' guide from the verified pages (md, html, odt)") },
	{ "evidence", cmd_evidence, N_("write the HTTP exchanges behind a change or page as WARC") },
	{ "verify",  cmd_verify,  N_("check every digest of a WARC file") },
	{ "prune",   cmd_prune,   N_("delete kept exchanges no change cites (--keep-evidence)") },
	{ "relocate", cmd_relocate, N_("follow a moved page to its new address") },
	{ "dashboard", cmd_dashboard, N_("write the dashboard: a static site of the whole watch") },
};

static void usage(FILE *out)
{
	fprintf(out, _("usage: prefwatch [--version] [--help] [--config FILE] COMMAND [ARGS]\n\n"
		     "Watches the official pages that describe how to file an AES request\n"
		     "and reports, in French, what changed.\n\ncommands:\n"));
	for (size_t i = 0; i < PW_ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-9s  %s\n", commands[i].name, _(commands[i].summary));
	fprintf(out, _("\n'prefwatch COMMAND --help' describes a command.\n\n"
		     "exit status:\n"
		     "  0  success\n"
		     "  1  the run completed but some pages could not be read\n"
		     "  2  usage, watchlist or configuration error\n"
		     "  3  database error\n"
		     "  4  the report could not be mailed (it is kept and sent next time)\n"
		     "  5  another run is already running\n"
		     "  6  other error (e.g. a report file could not be written)\n"));
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
	/* Messages in the user's language: LC_MESSAGES from the environment
	 * (LC_ALL, LC_MESSAGES, LANG; then LANGUAGE). The other categories stay
	 * "C", so that numbers and dates in what other programs read never
	 * follow the locale, except LC_CTYPE, UTF-8 whatever the environment:
	 * libcurl reads IDN host names in the locale's charset (see
	 * common/url.h), and gettext writes the translations in it. */
	setlocale(LC_MESSAGES, "");
	pw_locale_init();
	char *localedir = cli_locale_dir();
	bindtextdomain(PW_TEXTDOMAIN, localedir);
	textdomain(PW_TEXTDOMAIN);
	free(localedir);
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
	fprintf(stderr, _("prefwatch: error: unknown command '%s'\n"), cmd);
	usage(stderr);
	return EXIT_USAGE;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	fprintf(stderr, _("prefwatch %s: error: %s\n"), cmd, msg);
	fprintf(stderr, _("see 'prefwatch %s --help'\n"), cmd);
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
