"""End to end: the nightly run mails its report through a real SMTP server.

A run with changes delivers exactly one message: multipart/alternative with
the text report and the HTML report (equal to --html's file), UTF-8, the
French subject decoded, the right recipients and robot headers. A run with
nothing to report mails nothing, unless --mail-always. With the mail server
down the run stores everything and exits with status 4; the next run (server
up) delivers the earlier report and its own, and nothing is sent twice.
`prefwatch mail --resend` sends what is left by hand.
"""
import email
import email.policy
import os

import pw
from mail.smtp_fixture import SmtpServer

V1 = "<p>La demande se fait par voie postale.</p><p>Préfecture de l'Aisne<br>2 rue Paul Doumer<br>02000 LAON</p>"


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def main(a):
    s = pw.Scenario(a.bin, "mail")
    srv = None
    try:
        s.start_server()
        srv = SmtpServer(s.dir)
        s.put("/a.html", pw.page("AES", V1))
        s.write_watchlist([{"id": "02-laon", "name": "Préfecture de Laon",
                            "pages": [{"url": s.url("/a.html")}]}])
        html1 = os.path.join(s.dir, "r1.html")

        def mail_args(url):
            return ["--mail", "--smtp-url", url, "--mail-from", "prefwatch@gisti.test",
                    "--mail-to", "redaction@gisti.test", "--mail-to", "Équipe <veille@gisti.test>"]

        # night 1: a new page: one message
        p, r = s.run("--html", html1, *mail_args(srv.url))
        pw.check_eq(p.returncode, 0, "night 1 exit: " + p.stderr)
        msgs = srv.messages()
        pw.check_eq(len(msgs), 1, "one message delivered")
        raw, env = msgs[0]
        m = parse(raw)
        pw.check_eq(m["Subject"], "[prefwatch] Hauts-de-France : 1 nouvelle page", "decoded subject")
        pw.check_eq(m.get_content_type(), "multipart/alternative", "multipart/alternative")
        pw.check_eq(sorted(env["rcpt_tos"]), ["redaction@gisti.test", "veille@gisti.test"], "envelope recipients")
        pw.check("redaction@gisti.test" in m["To"] and "veille@gisti.test" in m["To"], "To header")
        pw.check_eq(m["Auto-Submitted"], "auto-generated", "Auto-Submitted")
        pw.check(m["Message-ID"] and m["Date"], "Message-ID and Date")
        parts = {part.get_content_type(): part for part in m.iter_parts()}
        pw.check_eq(sorted(parts), ["text/html", "text/plain"], "two parts")
        if "text/plain" in parts and "text/html" in parts:
            pw.check_eq(parts["text/plain"].get_content_charset(), "utf-8", "text charset")
            pw.check_eq(parts["text/html"].get_content_charset(), "utf-8", "html charset")
            text = parts["text/plain"].get_content().replace("\r\n", "\n")
            pw.check_eq(text, p.stdout, "text part is the text report")
            with open(html1, encoding="utf-8") as f:
                pw.check_eq(parts["text/html"].get_content().replace("\r\n", "\n"), f.read(),
                            "HTML part is the HTML report")

        # night 2: nothing to report: nothing mailed; --mail-always: proof of life
        s.run(*mail_args(srv.url))
        pw.check_eq(len(srv.messages()), 1, "quiet night mails nothing")
        s.run("--mail-always", *mail_args(srv.url)[1:])
        msgs = srv.messages()
        pw.check_eq(len(msgs), 2, "--mail-always mails")
        if len(msgs) == 2:
            pw.check_eq(parse(msgs[1][0])["Subject"], "[prefwatch] Hauts-de-France : rien à signaler",
                        "proof-of-life subject")

        # night 3: a change, mail server down: stored, exit 4
        port = srv.port
        srv.stop()
        s.put("/a.html", pw.page("AES", V1.replace("voie postale", "voie dématérialisée")))
        p, r = s.run(*mail_args("smtp://127.0.0.1:%d" % port))
        pw.check_eq(p.returncode, 4, "mail not sent status")
        pw.check_eq(r["pages"][0]["status"], "changed", "change stored anyway")
        pw.check_eq(s.sql("select count(*) from changes")[0][0], 1, "the change is in the database")

        # night 4: server back: the earlier report, then this one (quiet, none)
        srv = SmtpServer(s.dir, port=port)
        p, r = s.run(*mail_args(srv.url))
        pw.check_eq(p.returncode, 0, "night 4 exit: " + p.stderr)
        msgs = srv.messages()
        pw.check_eq(len(msgs), 1, "the kept report is delivered once")
        if msgs:
            pw.check("1 modalité modifiée" in parse(msgs[0][0])["Subject"], "it is night 3's report")
        p, r = s.run(*mail_args(srv.url))
        pw.check_eq(len(srv.messages()), 1, "nothing sent twice")

        # resend by hand after another failure
        srv.stop()
        s.put("/a.html", pw.page("AES", V1))
        p, r = s.run(*mail_args("smtp://127.0.0.1:%d" % port))
        pw.check_eq(p.returncode, 4, "second failure")
        srv = SmtpServer(s.dir, port=port)
        rs = s.prefwatch("mail", "--resend", "--db", s.db, "--smtp-url", srv.url,
                         "--mail-from", "prefwatch@gisti.test", "--mail-to", "redaction@gisti.test")
        pw.check_eq(rs.returncode, 0, "mail --resend exit: " + rs.stderr)
        pw.check_eq(len(srv.messages()), 1, "resend delivered the kept report")
        rs = s.prefwatch("mail", "--resend", "--db", s.db, "--smtp-url", srv.url,
                         "--mail-from", "prefwatch@gisti.test", "--mail-to", "redaction@gisti.test")
        pw.check_eq(len(srv.messages()), 1, "a second resend sends nothing")
    finally:
        if srv:
            srv.stop()
        s.close()


if __name__ == "__main__":
    pw.main(main)
