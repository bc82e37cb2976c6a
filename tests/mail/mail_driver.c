/*
 * mail_driver.c - sends one message with mail_send() (or prints
 * mail_format()'s output), for the Python scenarios in test_mail_smtp.py.
 *
 * mail_driver [--url URL | --sendmail PATH] --from ADDR --to ADDR...
 *             --subject S --text FILE [--html FILE] [--require-tls]
 *             [--netrc FILE] [--timeout SEC] [--date EPOCH] [--ca PEM]
 *             [--format] [--check] [--allow-plaintext-auth]
 * Exit 0 when sent (or formatted), 1 with "error: REASON" on stderr, then
 * "refused: permanent" on a line of its own for MAIL_REFUSED.
 */
#include "common/common.h"
#include "mail/mail.h"

#include <curl/curl.h>
#include <getopt.h>

static char *slurp(const char *path)
{
	struct buf b = BUF_INIT;
	char tmp[8192];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f) {
		fprintf(stderr, "cannot open '%s': %s\n", path, strerror(errno));
		exit(2);
	}
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	return buf_detach(&b, NULL);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "sendmail", required_argument, NULL, 's' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "subject", required_argument, NULL, 'S' },
		{ "text", required_argument, NULL, 'T' },
		{ "html", required_argument, NULL, 'H' },
		{ "require-tls", no_argument, NULL, 'r' },
		{ "netrc", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 'o' },
		{ "date", required_argument, NULL, 'd' },
		{ "format", no_argument, NULL, 'F' },
		{ "check", no_argument, NULL, 'c' },
		{ "ca", required_argument, NULL, 'C' },
		{ "allow-plaintext-auth", no_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	struct strvec to = STRVEC_INIT;
	struct mail_config cfg = { 0 };
	struct mail_message msg = { 0 };
	char *text = NULL, *html = NULL, *err = NULL, *out;
	bool format = false, check = false, refused = false;
	int c, rc = 1;

	cfg.to = &to;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'u': cfg.smtp_url = optarg; break;
		case 's': cfg.sendmail = optarg; break;
		case 'f': cfg.from = optarg; break;
		case 't': strvec_push(&to, optarg); break;
		case 'S': msg.subject = optarg; break;
		case 'T': free(text); text = slurp(optarg); break;
		case 'H': free(html); html = slurp(optarg); break;
		case 'r': cfg.require_tls = true; break;
		case 'n': cfg.use_netrc = true; cfg.netrc_file = optarg; break;
		case 'o': cfg.timeout = atol(optarg); break;
		case 'd': msg.date = (time_t)atoll(optarg); break;
		case 'F': format = true; break;
		case 'c': check = true; break;
		case 'C': cfg.ca_file = optarg; break;
		case 'P': cfg.allow_plaintext_auth = true; break;
		default:
			fprintf(stderr, "usage: mail_driver --url URL --from A --to B --subject S --text F [--html F]\n");
			return 2;
		}
	}
	msg.text = text;
	msg.html = html;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (check) {
		rc = mail_config_check(&cfg, &err) == 0 ? 0 : 1;
	} else if (format) {
		out = mail_format_err(&cfg, &msg, &err);
		if (out) {
			fputs(out, stdout);
			free(out);
			rc = 0;
		}
	} else {
		int src = mail_send(&cfg, &msg, &err);
		rc = src == 0 ? 0 : 1;
		refused = src == MAIL_REFUSED;
	}
	if (rc)
		fprintf(stderr, "error: %s\n", err ? err : "(no message)");
	if (refused)
		fprintf(stderr, "refused: permanent\n");
	free(err);
	free(text);
	free(html);
	strvec_release(&to);
	curl_global_cleanup();
	return rc;
}
