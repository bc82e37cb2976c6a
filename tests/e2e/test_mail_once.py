"""End to end: each report is mailed once (issue 20, B.3 and the SMTP part of B.7).

All against the real loopback SMTP server (tests/mail/smtpd.py), messages
counted as received.

- Two `prefwatch mail --resend` at once (a slow server makes them
  overlap): every queued report arrives exactly once; the second one
  exits 5.
- A run with --mail and a resend at once: the same.
- A report the server refuses permanently (554) carries the server's own
  reply in the error, is parked after 3 refusals with a message naming
  `mail --retry ID` and `mail --drop ID`, and no longer holds back later
  reports; `mail --list` shows it; `--retry ID --resend` sends it;
  `--drop ID` deletes a waiting one.
- Credentials (PREFWATCH_SMTP_USER/PASSWORD) and a server without STARTTLS:
  refused, nothing sent, the report kept; with mail.allow_plaintext_auth:
  true in the configuration file, sent and authenticated.
"""
import os
import subprocess
import time

import pw
from mail.smtp_fixture import SmtpServer

V = "<p>La demande se fait par voie postale, version %d.</p><p>Préfecture de l'Aisne<br>02000 LAON</p>"
PASSWORD = "s3cret-Pa55"


def mail_args(url):
    return ["--mail", "--smtp-url", url, "--mail-from", "prefwatch@gisti.test",
            "--mail-to", "redaction@gisti.test"]


def closed_port():
    import socket
    with socket.socket() as so:
        so.bind(("127.0.0.1", 0))
        return so.getsockname()[1]


def message_ids(srv):
    import email
    import email.policy
    return [email.message_from_bytes(raw, policy=email.policy.default)["Message-ID"]
            for raw, _ in srv.messages()]


def resend_cmd(s, url, *extra):
    return [s.bin, "mail", "--resend", "--db", s.db, "--smtp-url", url,
            "--mail-from", "prefwatch@gisti.test", "--mail-to", "redaction@gisti.test", *extra]


def unsent(s):
    return s.sql("select count(*) from outbox where sent_at is null")[0][0]


def main(a):
    s = pw.Scenario(a.bin, "mail-once")
    servers = []
    try:
        s.start_server()
        version = [0]

        def change():
            version[0] += 1
            s.put("/a.html", pw.page("AES", V % version[0]))

        change()
        s.write_watchlist([{"id": "02-laon", "name": "Préfecture de Laon",
                            "pages": [{"url": s.url("/a.html")}]}])
        down = "smtp://127.0.0.1:%d" % closed_port()

        # -- three reports queued while the server is down --
        for night in range(3):
            if night:
                change()
            p, r = s.run(*mail_args(down))
            pw.check_eq(p.returncode, 4, "night %d, server down: exit 4: %s" % (night, p.stderr))
        pw.check_eq(unsent(s), 3, "three reports queued")

        # -- two resends at once, slow server: each report once --
        srv = SmtpServer(s.dir, "--delay", "0.7")
        servers.append(srv)
        first = subprocess.Popen(resend_cmd(s, srv.url), stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        time.sleep(0.4)
        second = subprocess.run(resend_cmd(s, srv.url), capture_output=True, text=True, timeout=60)
        out, err = first.communicate(timeout=60)
        pw.check_eq(first.returncode, 0, "first resend: " + err)
        pw.check_eq(second.returncode, 5, "second resend at once: refused (5): " + second.stderr)
        pw.check("already running" in second.stderr, "second resend: says why: " + second.stderr)
        ids = message_ids(srv)
        pw.check_eq(len(ids), 3, "three queued reports, three messages")
        pw.check_eq(len(set(ids)), len(ids), "no report mailed twice")
        pw.check_eq(unsent(s), 0, "outbox empty")

        # -- a run with --mail and a resend at once --
        srv.stop()
        change()
        p, r = s.run(*mail_args(down))
        pw.check_eq(unsent(s), 1, "one report queued")
        srv = SmtpServer(s.dir, "--delay", "0.3")
        servers.append(srv)
        change()
        s.route("/a.html", {"delay": 2})
        run = subprocess.Popen([s.bin, "run", "--watchlist", s.watchlist, "--db", s.db,
                                "--host-delay", "0", "--quiet"] + mail_args(srv.url),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(0.6)
        q = subprocess.run(resend_cmd(s, srv.url), capture_output=True, text=True, timeout=60)
        out, err = run.communicate(timeout=120)
        s.route("/a.html", None)
        pw.check_eq(q.returncode, 5, "resend during a run: refused (5): " + q.stderr)
        pw.check_eq(run.returncode, 0, "the run mails: " + err)
        ids = message_ids(srv)
        pw.check_eq(len(ids), 2, "the queued report and the run's: two messages")
        pw.check_eq(len(set(ids)), len(ids), "run + resend: no report twice")
        srv.stop()

        # -- a permanent refusal: the server's words, parked after 3 --
        srv = SmtpServer(s.dir, "--fail", "554", "--fail-at", "data")
        servers.append(srv)
        change()
        p, r = s.run(*mail_args(srv.url))
        pw.check_eq(p.returncode, 4, "refused: exit 4")
        pw.check("the server said '554 5.7.1 rejected (test)'" in p.stderr,
                 "refused: the server's reply in the error: " + p.stderr)
        pw.check("refusal 1" in p.stderr, "refused: counted: " + p.stderr)
        refused_id = s.sql("select id from outbox where sent_at is null")[0][0]
        q = subprocess.run(resend_cmd(s, srv.url), capture_output=True, text=True, timeout=60)
        pw.check("refusal 2" in q.stderr, "second refusal: " + q.stderr)
        q = subprocess.run(resend_cmd(s, srv.url), capture_output=True, text=True, timeout=60)
        pw.check_eq(q.returncode, 4, "third refusal: exit 4")
        pw.check("parked" in q.stderr and "mail --retry %d" % refused_id in q.stderr
                 and "mail --drop %d" % refused_id in q.stderr,
                 "third refusal: parked, with the commands: " + q.stderr)
        q = s.prefwatch("mail", "--list", "--db", s.db)
        pw.check_eq(q.returncode, 0, "mail --list: " + q.stderr)
        pw.check(("%d " % refused_id) in q.stdout and "parked" in q.stdout
                 and "rejected (test)" in q.stdout, "mail --list shows it: " + q.stdout)
        srv.stop()

        # the parked report no longer holds back the next one
        srv = SmtpServer(s.dir)
        servers.append(srv)
        change()
        p, r = s.run(*mail_args(srv.url))
        pw.check_eq(len(srv.messages()), 1, "a later report goes out past the parked one")
        pw.check_eq(p.returncode, 4, "a parked report keeps the status at 4")
        pw.check("parked" in p.stderr and "mail --list" in p.stderr,
                 "the run says a report is parked: " + p.stderr)
        q = subprocess.run(resend_cmd(s, srv.url, "--retry", str(refused_id)),
                           capture_output=True, text=True, timeout=60)
        pw.check_eq(q.returncode, 0, "--retry ID --resend: " + q.stderr)
        pw.check_eq(len(srv.messages()), 2, "the retried report is sent")
        pw.check_eq(unsent(s), 0, "nothing left")

        # --drop: a waiting report is deleted unsent; an unknown id is an error
        change()
        s.run(*mail_args(down))
        drop_id = s.sql("select id from outbox where sent_at is null")[0][0]
        q = s.prefwatch("mail", "--drop", str(drop_id), "--db", s.db)
        pw.check_eq(q.returncode, 0, "--drop: " + q.stderr)
        pw.check_eq(unsent(s), 0, "--drop: gone")
        q = s.prefwatch("mail", "--drop", "999", "--db", s.db)
        pw.check(q.returncode == 2 and "no report 999" in q.stderr, "--drop unknown: " + q.stderr)
        srv.stop()

        # -- credentials without TLS: refused unless allowed --
        srv = SmtpServer(s.dir, "--auth", "editor:" + PASSWORD)
        servers.append(srv)
        env = {"PREFWATCH_SMTP_USER": "editor", "PREFWATCH_SMTP_PASSWORD": PASSWORD}
        change()
        p = s.prefwatch("run", "--watchlist", s.watchlist, "--db", s.db, "--host-delay", "0",
                        *mail_args(srv.url), env=env)
        pw.check_eq(p.returncode, 4, "plaintext auth refused: exit 4")
        pw.check("never sent in clear text" in p.stderr and "allow_plaintext_auth" in p.stderr,
                 "plaintext auth refused: message: " + p.stderr)
        pw.check(PASSWORD not in p.stderr + p.stdout, "password not printed")
        pw.check_eq(len(srv.messages()), 0, "nothing sent in clear text")
        pw.check_eq(unsent(s), 1, "the report is kept")
        conf = os.path.join(s.dir, "config.yaml")
        with open(conf, "w") as f:
            f.write("mail:\n  allow_plaintext_auth: true\n")
        q = s.prefwatch("mail", "--resend", "--db", s.db, "--smtp-url", srv.url,
                        "--mail-from", "prefwatch@gisti.test", "--mail-to", "redaction@gisti.test",
                        env=dict(env, PREFWATCH_CONFIG=conf))
        msgs = srv.messages()
        pw.check_eq(q.returncode, 0, "allow_plaintext_auth: sent: " + q.stderr)
        pw.check(len(msgs) == 1 and msgs[0][1]["login"] == "editor",
                 "allow_plaintext_auth: authenticated")
        q = s.prefwatch("config", env=dict(env, PREFWATCH_CONFIG=conf))
        pw.check("mail.allow_plaintext_auth" in q.stdout and "true" in q.stdout,
                 "config shows mail.allow_plaintext_auth: " + q.stdout)
    finally:
        for srv in servers:
            srv.stop()
        s.close()


if __name__ == "__main__":
    pw.main(main)
