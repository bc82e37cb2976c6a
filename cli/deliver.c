/*
 * deliver.c - getting a report into the editors' inbox, and keeping it
 * until it is there.
 *
 * A report to be mailed is first put in the store's outbox (same database,
 * one transaction), then every unsent report, oldest first, is handed to
 * the mail module. A report that cannot be sent stays in the outbox and is
 * sent by the next run (with its own) or by `prefwatch mail --resend`; no
 * change is lost between the crawler and the inbox.
 */
#include "common/common.h"

#include <getopt.h>

#include "cli/cli.h"
#include "mail/mail.h"
#include "reports/report.h"
#include "store/store.h"

static void mail_config_from(struct mail_config *mc, const struct settings *s)
{
	memset(mc, 0, sizeof(*mc));
	mc->smtp_url = settings_get(s, S_SMTP_URL);
	mc->from = settings_get(s, S_MAIL_FROM);
	mc->to = &s->mail_to;
	mc->require_tls = settings_bool(s, S_REQUIRE_TLS);
	mc->sendmail = settings_get(s, S_SENDMAIL);
	mc->use_netrc = settings_bool(s, S_NETRC);
	mc->netrc_file = settings_get(s, S_NETRC_FILE);
	mc->timeout = settings_long(s, S_MAIL_TIMEOUT);
	mc->ca_file = settings_get(s, S_MAIL_CA_FILE);
}

int cli_mail_check(const struct settings *s)
{
	struct mail_config mc;
	char *err = NULL;
	mail_config_from(&mc, s);
	if (!mc.smtp_url && !mc.sendmail) {
		log_error("mail is on but neither mail.smtp_url (--smtp-url) nor mail.sendmail (--sendmail) is set");
		return -1;
	}
	if (mail_config_check(&mc, &err) < 0) {
		log_error("mail settings: %s", err);
		free(err);
		return -1;
	}
	return 0;
}

int cli_mail_enqueue(struct store *st, const struct report *r, time_t at)
{
	char *subject = report_subject(r);
	char *text = report_render_text(r);
	char *html = report_render_html(r);
	int64_t id = 0;
	int rc = store_outbox_add(st, at, subject, text, html, &id);
	if (rc < 0)
		log_error("cannot keep the report for mailing: %s", store_errmsg(st));
	free(subject);
	free(text);
	free(html);
	return rc;
}

struct flush_ctx {
	struct mail_config mc;
	struct store *st;
	int sent, failed;
	bool db_error;
};

static int send_one(const struct outbox_entry *e, void *data)
{
	struct flush_ctx *f = data;
	struct mail_message msg = { .subject = e->subject, .text = e->text, .html = e->html,
				    .date = e->created_at };
	char *err = NULL;
	if (mail_send(&f->mc, &msg, &err) < 0) {
		log_error("cannot mail the report of %s: %s", e->created_iso, err);
		free(err);
		f->failed++;
		return 1; /* keep order: later reports wait for this one */
	}
	if (store_outbox_mark_sent(f->st, e->id, time(NULL)) < 0) {
		log_error("report mailed but not marked as sent: %s", store_errmsg(f->st));
		f->db_error = true;
		return 1;
	}
	f->sent++;
	log_info("report of %s mailed", e->created_iso);
	return 0;
}

int cli_mail_flush(struct store *st, const struct settings *s)
{
	struct flush_ctx f = { .st = st };
	mail_config_from(&f.mc, s);
	if (store_outbox_each_unsent(st, send_one, &f) < 0) {
		log_error("cannot read the outbox: %s", store_errmsg(st));
		return EXIT_DATABASE;
	}
	if (f.db_error)
		return EXIT_DATABASE;
	return f.failed ? EXIT_MAIL : EXIT_OK;
}

int cmd_mail(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "resend", no_argument, NULL, 'r' },
		{ "db", required_argument, NULL, 'd' },
		{ "smtp-url", required_argument, NULL, 'S' },
		{ "mail-from", required_argument, NULL, 'F' },
		{ "mail-to", required_argument, NULL, 'T' },
		{ "sendmail", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct settings s;
	struct store *st = NULL;
	char *db = NULL, *err = NULL;
	bool resend = false;
	int c, rc = EXIT_OK;
	const char *cl = "command line";

	if (settings_load(&s) < 0) {
		rc = EXIT_USAGE;
		goto cleanup;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': resend = true; break;
		case 'd': settings_set(&s, S_DB, optarg, cl); break;
		case 'S': settings_set(&s, S_SMTP_URL, optarg, cl); break;
		case 'F': settings_set(&s, S_MAIL_FROM, optarg, cl); break;
		case 'T': settings_set_list(&s.mail_to, &s.mail_to_origin, optarg, cl); break;
		case 'M': settings_set(&s, S_SENDMAIL, optarg, cl); break;
		case 'h':
			printf("usage: prefwatch mail --resend [--db FILE] [--smtp-url URL] [--mail-from ADDR]\n"
			       "                      [--mail-to ADDR]... [--sendmail PATH]\n\n"
			       "Sends the reports that could not be mailed, oldest first.\n");
			goto cleanup;
		default:
			rc = cli_usage_error("mail", "unknown option");
			goto cleanup;
		}
	}
	if (!resend || optind < argc) {
		rc = cli_usage_error("mail", "expected --resend");
		goto cleanup;
	}
	if (cli_mail_check(&s) < 0) {
		rc = EXIT_USAGE;
		goto cleanup;
	}
	db = cli_db_path(settings_get(&s, S_DB));
	st = store_open(db, &err);
	if (!st) {
		log_error("%s", err);
		rc = EXIT_DATABASE;
		goto cleanup;
	}
	rc = cli_mail_flush(st, &s);
cleanup:
	store_close(st);
	settings_release(&s);
	free(db);
	free(err);
	return rc;
}
