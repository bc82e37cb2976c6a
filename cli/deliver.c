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
	mc->allow_plaintext_auth = settings_bool(s, S_ALLOW_PLAINTEXT_AUTH);
}

int cli_mail_check(const struct settings *s)
{
	struct mail_config mc;
	char *err = NULL;
	mail_config_from(&mc, s);
	if (!mc.smtp_url && !mc.sendmail) {
		log_error(_("mail is on but neither mail.smtp_url (--smtp-url) nor mail.sendmail (--sendmail) is set"));
		return -1;
	}
	if (mail_config_check(&mc, &err) < 0) {
		log_error(_("mail settings: %s"), err);
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
		log_error(_("cannot keep the report for mailing: %s"), store_errmsg(st));
	free(subject);
	free(text);
	free(html);
	return rc;
}

/* A report the server refused (5xx) this many times is parked: it is no
 * longer tried and no longer holds back the later ones, until an editor
 * retries or drops it (mail --retry / --drop). */
#define MAIL_PARK_AFTER 3

struct flush_ctx {
	struct mail_config mc;
	struct store *st;
	int sent, failed, parked_now;
	bool db_error;
};

static int send_one(const struct outbox_entry *e, void *data)
{
	struct flush_ctx *f = data;
	struct mail_message msg = { .subject = e->subject, .text = e->text, .html = e->html,
				    .date = e->created_at };
	char *err = NULL;
	int src = mail_send(&f->mc, &msg, &err);
	if (src < 0) {
		bool refused = src == MAIL_REFUSED, parked = false;
		f->failed++;
		if (store_outbox_failed(f->st, e->id, time(NULL), err, refused, MAIL_PARK_AFTER,
					&parked) < 0) {
			log_error(_("cannot mail the report of %s: %s"), e->created_iso, err);
			log_error(_("cannot record the failure: %s"), store_errmsg(f->st));
			f->db_error = true;
			free(err);
			return 1;
		}
		if (parked) {
			f->parked_now++;
			log_error(_("the mail server refused the report of %s (outbox #%lld) %d times: %s; "
				  "it is parked and no longer holds back later reports: "
				  "'prefwatch mail --retry %lld' puts it back, 'prefwatch mail --drop %lld' "
				  "deletes it"), e->created_iso, (long long)e->id, e->refusals + 1, err,
				  (long long)e->id, (long long)e->id);
		} else if (refused) {
			log_error(_("the mail server refused the report of %s (outbox #%lld, refusal %d; "
				  "parked after %d): %s"), e->created_iso, (long long)e->id,
				  e->refusals + 1, MAIL_PARK_AFTER, err);
		} else {
			log_error(_("cannot mail the report of %s: %s"), e->created_iso, err);
		}
		free(err);
		/* A refusal is this report's own: the next ones may go. A server
		 * that cannot be reached fails them all: keep the order. */
		return refused ? 0 : 1;
	}
	if (store_outbox_mark_sent(f->st, e->id, time(NULL)) < 0) {
		log_error(_("report mailed but not marked as sent: %s"), store_errmsg(f->st));
		f->db_error = true;
		return 1;
	}
	f->sent++;
	log_info(_("report of %s mailed"), e->created_iso);
	return 0;
}

static int count_parked(const struct outbox_entry *e, void *data)
{
	if (e->parked_at)
		(*(int *)data)++;
	return 0;
}

int cli_mail_flush(struct store *st, const struct settings *s)
{
	struct flush_ctx f = { .st = st };
	int parked = 0;
	mail_config_from(&f.mc, s);
	if (store_outbox_each_unsent(st, send_one, &f) < 0 ||
	    store_outbox_each_queued(st, count_parked, &parked) < 0) {
		log_error(_("cannot read the outbox: %s"), store_errmsg(st));
		return EXIT_DATABASE;
	}
	if (f.db_error)
		return EXIT_DATABASE;
	/* said every run until an editor acts: a parked report never arrives */
	if (parked > f.parked_now)
		log_error(_("%d report(s) refused by the mail server are parked and will not be sent: "
			  "see 'prefwatch mail --list'"), parked);
	return f.failed || parked ? EXIT_MAIL : EXIT_OK;
}

static int list_one(const struct outbox_entry *e, void *data)
{
	(void)data;
	printf(_("%-6lld %s  %-7s %d failed  %s\n"), (long long)e->id, e->created_iso,
	       e->parked_at ? "parked" : "waiting", e->attempts, e->subject);
	if (e->last_error)
		printf(_("       last error: %s\n"), e->last_error);
	return 0;
}

/* The actions asked for go together and name outbox ids: EXIT_OK, or
 * the usage error, said. */
static int mail_check_args(bool extra_args, bool resend, bool list, const struct strvec *drop,
			   const struct strvec *retry)
{
	if (extra_args || (!resend && !list && !drop->n && !retry->n))
		return cli_usage_error("mail", _("expected --resend, --list, --retry ID or --drop ID"));
	if (list + (resend || retry->n) + (drop->n > 0) > 1)
		return cli_usage_error("mail", _("--list, --drop and --resend/--retry go alone"));
	int64_t bad = 0;
	for (size_t i = 0; i < drop->n + retry->n && !bad; i++)
		if (cli_parse_id(i < drop->n ? drop->v[i] : retry->v[i - drop->n]) < 0)
			bad = (int64_t)i + 1;
	if (bad)
		return cli_usage_error("mail", _("'%s' is not an outbox id"),
				       bad <= (int64_t)drop->n ? drop->v[bad - 1]
							       : retry->v[bad - 1 - drop->n]);
	return EXIT_OK;
}

/* Drops or puts back the reports named: EXIT_OK, or EXIT_USAGE when one
 * could not be (each said; the others are done). */
static int mail_drop_or_retry(struct store *st, const struct strvec *drop,
			      const struct strvec *retry, bool resend)
{
	int rc = EXIT_OK;
	for (size_t i = 0; i < drop->n + retry->n; i++) {
		bool is_drop = i < drop->n;
		int64_t id = cli_parse_id(is_drop ? drop->v[i] : retry->v[i - drop->n]);
		if ((is_drop ? store_outbox_drop(st, id) : store_outbox_retry(st, id)) < 0) {
			log_error("%s", store_errmsg(st));
			rc = EXIT_USAGE;
			continue;
		}
		if (is_drop)
			printf(_("report %lld dropped from the outbox, unsent\n"), (long long)id);
		else
			printf(_("report %lld will be tried again%s\n"), (long long)id,
			       resend ? "" : _(" by the next run or 'prefwatch mail --resend'"));
	}
	return rc;
}

/* mail --help */
static void mail_usage(void)
{
	printf(_("usage: prefwatch mail --resend [--db FILE] [--smtp-url URL] [--mail-from ADDR]\n"
	       "                      [--mail-to ADDR]... [--sendmail PATH]\n"
	       "       prefwatch mail --list [--db FILE]\n"
	       "       prefwatch mail --retry ID... [--resend ...] | --drop ID...\n\n"
	       "--resend sends the reports that could not be mailed, oldest first.\n"
	       "--list shows the reports waiting to be mailed: their outbox id, date,\n"
	       "state (waiting, or parked after %d refusals by the mail server), failures\n"
	       "and last error. --retry ID puts a parked report back (sent by the next run\n"
	       "or by --resend); --drop ID deletes a waiting report unsent.\n"),
	       MAIL_PARK_AFTER);
}

int cmd_mail(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "resend", no_argument, NULL, 'r' },
		{ "list", no_argument, NULL, 'l' },
		{ "drop", required_argument, NULL, 'x' },
		{ "retry", required_argument, NULL, 'y' },
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
	struct strvec drop = STRVEC_INIT, retry = STRVEC_INIT;
	char *db = NULL;
	bool resend = false, list = false;
	int c, rc = EXIT_OK, lock_fd = -1;
	const char *cl = "command line";

	if (settings_load(&s) < 0) {
		rc = EXIT_USAGE;
		goto cleanup;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': resend = true; break;
		case 'l': list = true; break;
		case 'x': strvec_push(&drop, optarg); break;
		case 'y': strvec_push(&retry, optarg); break;
		case 'd': settings_set(&s, S_DB, optarg, cl); break;
		case 'S': settings_set(&s, S_SMTP_URL, optarg, cl); break;
		case 'F': settings_set(&s, S_MAIL_FROM, optarg, cl); break;
		case 'T': settings_set_list(&s.mail_to, &s.mail_to_origin, optarg, cl); break;
		case 'M': settings_set(&s, S_SENDMAIL, optarg, cl); break;
		case 'h':
			mail_usage();
			goto cleanup;
		default:
			rc = cli_usage_error("mail", _("unknown option"));
			goto cleanup;
		}
	}
	if ((rc = mail_check_args(optind < argc, resend, list, &drop, &retry)))
		goto cleanup;
	if (resend && cli_mail_check(&s) < 0) {
		rc = EXIT_USAGE;
		goto cleanup;
	}
	db = cli_db_path(settings_get(&s, S_DB));
	/* Sending, dropping and retrying change the outbox: one at a time per
	 * database, and never while a run mails, or a report goes out twice. */
	if ((rc = cli_open_locked(db, !list, &lock_fd, &st)))
		goto cleanup;
	if (list) {
		if (store_outbox_each_queued(st, list_one, NULL) < 0) {
			log_error(_("cannot read the outbox: %s"), store_errmsg(st));
			rc = EXIT_DATABASE;
		}
		goto cleanup;
	}
	rc = mail_drop_or_retry(st, &drop, &retry, resend);
	if (resend && !rc)
		rc = cli_mail_flush(st, &s);
cleanup:
	store_close(st);
	cli_unlock(lock_fd);
	strvec_release(&drop);
	strvec_release(&retry);
	settings_release(&s);
	free(db);
	return rc;
}
