/*
 * config.c - the optional configuration file and the effective settings.
 *
 * Every setting has a value and an origin ("default", "FILE:LINE",
 * "environment VAR", "command line --flag"), so that `prefwatch config` can
 * say where each value came from. Precedence, lowest first: built-in
 * default, configuration file, environment (PREFWATCH_DB), command line.
 *
 * The file is YAML read with the watchlist's strict reader: unknown keys
 * and bad values are errors with FILE:LINE:COLUMN, like the watchlist.
 */
#include "common/common.h"

#include <unistd.h>

#include "cli/cli.h"
#include "crawler/crawler.h"
#include "watchlist/watchlist.h"

enum stype { T_STR, T_BOOL, T_LONG };

struct setting_def {
	const char *section;   /* NULL: top level */
	const char *key;
	enum stype type;
	long min, max;
	const char *name;      /* as printed by `prefwatch config` */
	bool secret;
};

static const struct setting_def defs[S__COUNT] = {
	[S_DB]              = { NULL, "database", T_STR, 0, 0, "database", false },
	[S_MAIL]            = { "mail", "enabled", T_BOOL, 0, 0, "mail.enabled", false },
	[S_MAIL_ALWAYS]     = { "mail", "always", T_BOOL, 0, 0, "mail.always", false },
	[S_SMTP_URL]        = { "mail", "smtp_url", T_STR, 0, 0, "mail.smtp_url", false },
	[S_MAIL_FROM]       = { "mail", "from", T_STR, 0, 0, "mail.from", false },
	[S_REQUIRE_TLS]     = { "mail", "require_tls", T_BOOL, 0, 0, "mail.require_tls", false },
	[S_SENDMAIL]        = { "mail", "sendmail", T_STR, 0, 0, "mail.sendmail", false },
	[S_NETRC]           = { "mail", "netrc", T_BOOL, 0, 0, "mail.netrc", false },
	[S_NETRC_FILE]      = { "mail", "netrc_file", T_STR, 0, 0, "mail.netrc_file", false },
	[S_MAIL_TIMEOUT]    = { "mail", "timeout", T_LONG, 1, 3600, "mail.timeout", false },
	[S_MAIL_CA_FILE]    = { "mail", "ca_file", T_STR, 0, 0, "mail.ca_file", false },
	[S_ALLOW_PLAINTEXT_AUTH] = { "mail", "allow_plaintext_auth", T_BOOL, 0, 0,
				     "mail.allow_plaintext_auth", false },
	[S_JOBS]            = { "crawler", "jobs", T_LONG, 1, 256, "crawler.jobs", false },
	[S_HOST_DELAY]      = { "crawler", "host_delay_ms", T_LONG, 0, 600000, "crawler.host_delay_ms", false },
	[S_CONVERTERS]      = { "crawler", "converters", T_LONG, 1, CONVERT_POOL_MAX, "crawler.converters", false },
	[S_CONVERTER_DIR]   = { "crawler", "converter_dir", T_STR, 0, 0, "crawler.converter_dir", false },
	[S_JSON]            = { "report", "json", T_STR, 0, 0, "report.json", false },
	[S_TEXT]            = { "report", "text", T_STR, 0, 0, "report.text", false },
	[S_HTML]            = { "report", "html", T_STR, 0, 0, "report.html", false },
};

const char *cli_config_flag;

void settings_init(struct settings *s)
{
	memset(s, 0, sizeof(*s));
	settings_set(s, S_MAIL, "false", "default");
	settings_set(s, S_MAIL_ALWAYS, "false", "default");
	settings_set(s, S_REQUIRE_TLS, "false", "default");
	settings_set(s, S_ALLOW_PLAINTEXT_AUTH, "false", "default");
	settings_set(s, S_NETRC, "true", "default");
	settings_set(s, S_JOBS, "8", "default");
	settings_set(s, S_HOST_DELAY, "1000", "default");
	settings_set(s, S_MAIL_TIMEOUT, "60", "default");
}

void settings_set(struct settings *s, enum setting_id id, const char *value, const char *origin)
{
	free(s->val[id]);
	free(s->origin[id]);
	s->val[id] = xstrdup(value);
	s->origin[id] = xstrdup(origin);
}

void settings_set_list(struct strvec *list, char **origin_slot, const char *value,
		       const char *origin)
{
	/* a list given on the command line replaces the file's, then grows */
	if (!*origin_slot || strcmp(*origin_slot, origin)) {
		strvec_clear(list);
		free(*origin_slot);
		*origin_slot = xstrdup(origin);
	}
	strvec_push(list, value);
}

const char *settings_get(const struct settings *s, enum setting_id id)
{
	return s->val[id];
}

bool settings_bool(const struct settings *s, enum setting_id id)
{
	return s->val[id] && !strcmp(s->val[id], "true");
}

long settings_long(const struct settings *s, enum setting_id id)
{
	return s->val[id] ? strtol(s->val[id], NULL, 10) : 0;
}

void settings_release(struct settings *s)
{
	for (int i = 0; i < S__COUNT; i++) {
		free(s->val[i]);
		free(s->origin[i]);
	}
	strvec_release(&s->watchlists);
	strvec_release(&s->mail_to);
	free(s->watchlists_origin);
	free(s->mail_to_origin);
	free(s->file);
	memset(s, 0, sizeof(*s));
}

/* ---- the file ---- */

static char *find_config_file(bool *explicit_out)
{
	*explicit_out = true;
	if (cli_config_flag)
		return xstrdup(cli_config_flag);
	const char *env = getenv("PREFWATCH_CONFIG");
	if (env && *env)
		return xstrdup(env);
	*explicit_out = false;
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	char *path = NULL;
	if (xdg && *xdg == '/')
		path = xasprintf("%s/prefwatch/config.yaml", xdg);
	else if (home && *home)
		path = xasprintf("%s/.config/prefwatch/config.yaml", home);
	if (path && !access(path, F_OK))
		return path;
	free(path);
	if (!access("/etc/prefwatch/config.yaml", F_OK))
		return xstrdup("/etc/prefwatch/config.yaml");
	return NULL;
}

static void load_scalar(struct settings *s, enum setting_id id, const struct yaml_doc *doc,
			const struct ynode *v, struct strvec *errs)
{
	const struct setting_def *d = &defs[id];
	char *origin = xasprintf("%s:%d", doc->file, v->line);
	if (!yaml_expect(errs, doc->file, v, YNODE_SCALAR, d->name))
		goto done;
	if (d->type == T_BOOL) {
		bool b;
		if (!ynode_bool(errs, doc->file, v, d->key, &b))
			settings_set(s, id, b ? "true" : "false", origin);
	} else if (d->type == T_LONG) {
		long l;
		if (!ynode_long(errs, doc->file, v, d->key, d->min, d->max, &l)) {
			char num[32];
			snprintf(num, sizeof(num), "%ld", l);
			settings_set(s, id, num, origin);
		}
	} else if (!v->value[0]) {
		yaml_err(errs, doc->file, v, _("%s: empty value"), d->name);
	} else {
		settings_set(s, id, v->value, origin);
	}
done:
	free(origin);
}

static void load_list(struct strvec *list, char **origin_slot, const struct yaml_doc *doc,
		      const struct ynode *v, const char *what, struct strvec *errs)
{
	char *origin = xasprintf("%s:%d", doc->file, v->line);
	if (v->kind == YNODE_SCALAR) {
		settings_set_list(list, origin_slot, v->value, origin);
	} else if (yaml_expect(errs, doc->file, v, YNODE_SEQ, what)) {
		for (size_t i = 0; i < v->n; i++)
			if (yaml_expect(errs, doc->file, v->items[i], YNODE_SCALAR, what))
				settings_set_list(list, origin_slot, v->items[i]->value, origin);
	}
	free(origin);
}

static void load_section(struct settings *s, const struct yaml_doc *doc, const char *section,
			 const struct ynode *map, struct strvec *errs)
{
	const char *allowed[S__COUNT + 3];
	size_t n = 0;
	for (int i = 0; i < S__COUNT; i++)
		if (defs[i].section && !strcmp(defs[i].section, section))
			allowed[n++] = defs[i].key;
	if (!strcmp(section, "mail"))
		allowed[n++] = "to";
	allowed[n] = NULL;
	if (!yaml_expect(errs, doc->file, map, YNODE_MAP, section))
		return;
	yaml_check_keys(errs, doc->file, map, allowed, section);
	for (int i = 0; i < S__COUNT; i++) {
		if (!defs[i].section || strcmp(defs[i].section, section))
			continue;
		const struct ynode *v = ynode_get(map, defs[i].key);
		if (v)
			load_scalar(s, (enum setting_id)i, doc, v, errs);
	}
	const struct ynode *to = ynode_get(map, "to");
	if (!strcmp(section, "mail") && to)
		load_list(&s->mail_to, &s->mail_to_origin, doc, to, "mail.to", errs);
}

static int load_file(struct settings *s, const char *path, struct strvec *errs)
{
	static const char *const top[] = { "database", "watchlists", "mail", "crawler", "report", NULL };
	struct yaml_doc doc;
	size_t before = errs->n;
	yaml_doc_load(&doc, path, errs);
	if (doc.root && yaml_expect(errs, doc.file, doc.root, YNODE_MAP, N_("the configuration"))) {
		yaml_check_keys(errs, doc.file, doc.root, top, N_("the configuration"));
		const struct ynode *v;
		if ((v = ynode_get(doc.root, "database")))
			load_scalar(s, S_DB, &doc, v, errs);
		if ((v = ynode_get(doc.root, "watchlists")))
			load_list(&s->watchlists, &s->watchlists_origin, &doc, v, "watchlists", errs);
		static const char *const sections[] = { "mail", "crawler", "report" };
		for (size_t i = 0; i < PW_ARRAY_SIZE(sections); i++)
			if ((v = ynode_get(doc.root, sections[i])))
				load_section(s, &doc, sections[i], v, errs);
	}
	yaml_doc_release(&doc);
	return (int)(errs->n - before);
}

int settings_load(struct settings *s)
{
	struct strvec errs = STRVEC_INIT;
	bool explicit_file;
	settings_init(s);
	s->file = find_config_file(&explicit_file);
	if (s->file && (explicit_file || !access(s->file, F_OK)))
		load_file(s, s->file, &errs);
	const char *env = getenv("PREFWATCH_DB");
	if (env && *env)
		settings_set(s, S_DB, env, "environment PREFWATCH_DB");
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.v[i]);
	int n = (int)errs.n;
	strvec_release(&errs);
	return n ? -1 : 0;
}

/* ---- `prefwatch config` ---- */

static void print_setting(const char *name, const char *value, const char *origin)
{
	printf("%-24s %-40s (%s)\n", name, value ? value : "(not set)", origin ? origin : "default");
}

int cmd_config(int argc, char **argv)
{
	struct settings s;
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf(_("usage: prefwatch [--config FILE] config\n\n"
		       "Prints the effective configuration and where each value came from\n"
		       "(default, configuration file and line, environment, command line).\n"
		       "Secrets are masked.\n"));
		return EXIT_OK;
	}
	if (argc > 1)
		return cli_usage_error("config", _("unexpected argument '%s'"), argv[1]);
	if (settings_load(&s) < 0) {
		settings_release(&s);
		return EXIT_USAGE;
	}
	printf("%-24s %s\n", "configuration file", s.file ? s.file : "(none)");
	char *db = cli_db_path(settings_get(&s, S_DB));
	print_setting("database", db, s.origin[S_DB] ? s.origin[S_DB] : "default (XDG data dir)");
	free(db);
	struct strvec bundled = STRVEC_INIT;
	const struct strvec *wl = &s.watchlists;
	const char *wl_origin = s.watchlists_origin;
	if (!wl->n) {
		cli_bundled_watchlists(&bundled);
		wl = &bundled;
		wl_origin = "default (bundled)";
	}
	for (size_t i = 0; i < wl->n; i++)
		print_setting(i ? "" : "watchlists", wl->v[i], wl_origin);
	strvec_release(&bundled);
	for (int i = 0; i < S__COUNT; i++) {
		if (i == S_DB)
			continue;
		print_setting(defs[i].name, defs[i].secret && s.val[i] ? "********" : s.val[i],
			      s.origin[i]);
	}
	for (size_t i = 0; i < s.mail_to.n; i++)
		print_setting(i ? "" : "mail.to", s.mail_to.v[i], s.mail_to_origin);
	if (!s.mail_to.n)
		print_setting("mail.to", NULL, NULL);
	/* credentials never come from the file; say whether they are there */
	const char *user = getenv("PREFWATCH_SMTP_USER");
	const char *pass = getenv("PREFWATCH_SMTP_PASSWORD");
	print_setting("smtp user", user, user ? "environment PREFWATCH_SMTP_USER" : "not set");
	print_setting("smtp password", pass ? "********" : NULL,
		      pass ? "environment PREFWATCH_SMTP_PASSWORD" : "not set; ~/.netrc if mail.netrc");
	settings_release(&s);
	return EXIT_OK;
}
