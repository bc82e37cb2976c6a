#!/usr/bin/python3
"""Mail delivery against a real SMTP server on 127.0.0.1 (tests/mail/smtpd.py,
aiosmtpd), and through a stand-in sendmail that records what it was given.

Every received message is parsed with Python's email package (policy=default)
and checked: multipart/alternative with text/plain and text/html parts, both
charset utf-8, decoded bodies equal to the inputs byte for byte, the decoded
French subject, envelope recipients and To header, Date / Message-ID /
Auto-Submitted. Failures (nothing listening, 451/554 answers, refused AUTH,
STARTTLS required but not offered) must give exit 1 and a clear message that
never contains the password.
"""
import argparse
import email
import email.policy
import email.utils
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from smtp_fixture import SmtpServer  # noqa: E402
SUBJECT = "[prefwatch] Hauts-de-France : 2 modalités modifiées, 1 page inaccessible"
FROM = "prefwatch GISTI <veille@gisti.example>"
TO = ["Équipe éditoriale <editeurs@gisti.example>", "permanence@gisti.example"]
PASSWORD = "Tr3s-S3cret-pw"

# The reports as the reports module writes them: "\n" line ends, French
# accents, long lines, lines starting with '.' and 'From ', trailing spaces.
TEXT = ("Veille des préfectures : 2 modalités modifiées, 1 page inaccessible.\n"
        "\n"
        "Préfecture du Nord (59) — admission exceptionnelle au séjour\n"
        ".\n"
        ".. ligne qui commence par un point\n"
        "From the editors: à vérifier\n"
        "espace en fin de ligne \n"
        "tabulation en fin\t\n"
        "= signe égal =3D et ça\n"
        + "Très longue ligne " + "é" * 120 + " " + "x" * 300 + "\n"
        "Dernière ligne sans fin de ligne")
HTML = ("<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">"
        "<title>prefwatch</title></head>\n<body>\n"
        "<h1>Hauts-de-France : 2 modalités modifiées</h1>\n"
        ".\n"
        "From here on: <p>Préfecture de l'Aisne — « rendez-vous » supprimé</p>\n"
        + "<p>" + "données " * 200 + "</p>\n"
        "</body></html>\n")

passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("check failed: %s" % what, file=sys.stderr)
    return cond


Server = SmtpServer


def run_driver(args, tmp, url=None, extra=(), env=None, html=True):
    text_file = os.path.join(tmp, "report.txt")
    html_file = os.path.join(tmp, "report.html")
    with open(text_file, "w", encoding="utf-8", newline="") as f:
        f.write(TEXT)
    with open(html_file, "w", encoding="utf-8", newline="") as f:
        f.write(HTML)
    cmd = [args.driver, "--from", FROM, "--subject", SUBJECT, "--text", text_file]
    if html:
        cmd += ["--html", html_file]
    for t in TO:
        cmd += ["--to", t]
    if url:
        cmd += ["--url", url]
    cmd += list(extra)
    e = dict(os.environ)
    e.pop("PREFWATCH_SMTP_USER", None)
    e.pop("PREFWATCH_SMTP_PASSWORD", None)
    e.update(env or {})
    p = subprocess.run(cmd, env=e, capture_output=True, timeout=120)
    err = p.stderr.decode("utf-8", "replace")
    # an ASan build without /proc (a bare chroot) warns at every start
    # that it cannot read its executable's name: not the driver's output
    err = re.sub(r"(?m)^==\d+==WARNING: reading executable name failed with errno \d+, "
                 r"some stack frames may not be symbolized\n", "", err)
    return p.returncode, p.stdout, err


def check_message(raw, label, html=True):
    """Parses raw with a real MIME parser and checks everything we promise.

    raw is checked twice: as it travelled (CRLF line ends, where a text
    part decodes to canonical CRLF line breaks) and as a Unix mailbox keeps
    it (LF), where the decoded parts must equal the reports byte for byte.
    """
    msg = parse_and_check(raw, label, canonical=b"\r\n" in raw, html=html)
    if b"\r\n" in raw:
        parse_and_check(raw.replace(b"\r\n", b"\n"), label + " (stored)", canonical=False, html=html)
    return msg


def parse_and_check(raw, label, canonical, html):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    check(str(msg["Subject"]) == SUBJECT, "%s: decoded subject is %r" % (label, str(msg["Subject"])))
    lines = raw.replace(b"\r\n", b"\n").split(b"\n")
    head = lines[:lines.index(b"")]
    # RFC 2047: encoded-words <= 75 characters, lines holding them <= 76.
    for line in head:
        words = [w for w in line.split() if w.startswith(b"=?")]
        for word in words:
            check(len(word) <= 75, "%s: encoded-word too long: %r" % (label, word))
        if words:
            check(len(line) <= 76, "%s: header line too long: %r" % (label, line))
    check(any(l.startswith(b"Subject: =?UTF-8?B?") for l in head), "%s: subject not RFC 2047 encoded" % label)
    # 7-bit clean, no line over SMTP's limit, quoted-printable lines <= 76.
    check(all(b < 0x80 for b in raw), "%s: 8-bit bytes in the message" % label)
    check(max(len(l) for l in lines) <= 998, "%s: line over 998" % label)

    addrs = [a for _, a in email.utils.getaddresses([str(msg["To"])])]
    check(addrs == ["editeurs@gisti.example", "permanence@gisti.example"],
          "%s: To addresses %r" % (label, addrs))
    check(msg["To"].addresses[0].display_name == "Équipe éditoriale",
          "%s: To display name %r" % (label, msg["To"].addresses[0].display_name))
    check(msg["From"].addresses[0].addr_spec == "veille@gisti.example", "%s: From" % label)
    check(msg["From"].addresses[0].display_name == "prefwatch GISTI", "%s: From name" % label)
    check(msg["Date"] is not None and msg["Date"].datetime is not None, "%s: Date" % label)
    mid = msg["Message-ID"]
    check(mid is not None and str(mid).startswith("<") and str(mid).endswith("@gisti.example>"),
          "%s: Message-ID %r" % (label, mid))
    check(msg["Auto-Submitted"] == "auto-generated", "%s: Auto-Submitted" % label)
    check(msg["MIME-Version"] == "1.0", "%s: MIME-Version" % label)

    def expect(s):
        return s.replace("\n", "\r\n") if canonical else s

    if html:
        check(msg.get_content_type() == "multipart/alternative",
              "%s: content type %s" % (label, msg.get_content_type()))
        parts = list(msg.iter_parts())
        types = [p.get_content_type() for p in parts]
        check(types == ["text/plain", "text/html"], "%s: parts %r" % (label, types))
        if types != ["text/plain", "text/html"]:
            return msg
        plain, htmlp = parts
        check(htmlp.get_content_charset() == "utf-8", "%s: html charset" % label)
        check(htmlp.get_content() == expect(HTML), "%s: html body differs" % label)
        check(htmlp.get_payload(decode=True) == expect(HTML).encode("utf-8"),
              "%s: html bytes differ" % label)
        all_parts = [plain, htmlp]
    else:
        plain = msg
        check(msg.get_content_type() == "text/plain", "%s: content type" % label)
        all_parts = [plain]
    check(plain.get_content_charset() == "utf-8", "%s: text charset" % label)
    got = plain.get_content()
    if not check(got == expect(TEXT), "%s: text body differs" % label):
        print("got:\n%r\nexpected:\n%r" % (got, expect(TEXT)), file=sys.stderr)
    check(plain.get_payload(decode=True) == expect(TEXT).encode("utf-8"), "%s: text bytes differ" % label)
    for p in all_parts:
        cte = p["Content-Transfer-Encoding"]
        check(cte == "quoted-printable", "%s: transfer encoding %r" % (label, cte))
        enc = p.get_payload(decode=False)
        check(max(len(l) for l in enc.splitlines()) <= 76, "%s: quoted-printable line over 76" % label)
    return msg


def test_send_ok(args, tmp):
    srv = Server(tmp)
    try:
        rc, _, err = run_driver(args, tmp, srv.url)
        check(rc == 0, "send: exit %d: %s" % (rc, err))
        msgs = srv.messages()
        check(len(msgs) == 1, "send: %d messages received" % len(msgs))
        if msgs:
            raw, env = msgs[0]
            check(env["mail_from"] == "veille@gisti.example", "send: envelope sender %r" % env["mail_from"])
            check(env["rcpt_tos"] == ["editeurs@gisti.example", "permanence@gisti.example"],
                  "send: envelope recipients %r" % env["rcpt_tos"])
            check_message(raw, "smtp")
        # A second message gets another Message-ID.
        rc, _, err = run_driver(args, tmp, srv.url)
        msgs = srv.messages()
        check(rc == 0 and len(msgs) == 2, "send twice: %d, %d messages" % (rc, len(msgs)))
        if len(msgs) == 2:
            ids = [email.message_from_bytes(m, policy=email.policy.default)["Message-ID"] for m, _ in msgs]
            check(ids[0] != ids[1], "send twice: same Message-ID %r" % ids)
    finally:
        srv.stop()


def test_text_only(args, tmp):
    srv = Server(tmp)
    try:
        rc, _, err = run_driver(args, tmp, srv.url, html=False)
        check(rc == 0, "text only: exit %d: %s" % (rc, err))
        msgs = srv.messages()
        check(len(msgs) == 1, "text only: %d messages" % len(msgs))
        if msgs:
            msg = email.message_from_bytes(msgs[0][0], policy=email.policy.default)
            body = msg.get_body(preferencelist=("plain",))
            check(body is not None and body.get_content() == TEXT.replace("\n", "\r\n"),
                  "text only: body differs")
            check(body is not None and body.get_content_charset() == "utf-8", "text only: charset")
            check(str(msg["Subject"]) == SUBJECT, "text only: subject")
    finally:
        srv.stop()


def test_server_down(args, tmp):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # Nothing listens on port now.
    rc, _, err = run_driver(args, tmp, "smtp://127.0.0.1:%d" % port, extra=["--timeout", "10"],
                            env={"PREFWATCH_SMTP_USER": "editor", "PREFWATCH_SMTP_PASSWORD": PASSWORD})
    check(rc == 1, "server down: exit %d" % rc)
    check("cannot send mail via '127.0.0.1:%d'" % port in err, "server down: message %r" % err)
    check("connect" in err.lower(), "server down: not a connection error: %r" % err)
    check(PASSWORD not in err, "server down: password in the error")


def test_server_restart(args, tmp):
    """The nightly case: the server is down for one run, back for the next."""
    srv = Server(tmp)
    port = srv.port
    srv.stop()
    rc, _, err = run_driver(args, tmp, "smtp://127.0.0.1:%d" % port)
    check(rc == 1 and "cannot send mail via '127.0.0.1:%d'" % port in err, "down: %d %r" % (rc, err))
    srv = Server(tmp, port=port)
    try:
        check(srv.port == port, "restart: port %d, not %d" % (srv.port, port))
        rc, _, err = run_driver(args, tmp, srv.url)
        check(rc == 0 and len(srv.messages()) == 1, "back up: %d %r" % (rc, err))
    finally:
        srv.stop()


def test_server_errors(args, tmp):
    for code, stage in ((554, "rcpt"), (451, "data"), (554, "data"), (451, "mail")):
        srv = Server(tmp, "--fail", str(code), "--fail-at", stage)
        try:
            # credentials over a server without STARTTLS: explicitly allowed
            rc, _, err = run_driver(args, tmp, srv.url, extra=["--allow-plaintext-auth"],
                                    env={"PREFWATCH_SMTP_USER": "editor",
                                         "PREFWATCH_SMTP_PASSWORD": PASSWORD})
            label = "%d at %s" % (code, stage)
            said = {451: "try again later (test)", 554: "rejected (test)"}[code]
            check(("the server said '%d " % code) in err and said in err,
                  "%s: the server's own reply not in %r" % (label, err))
            check(("refused: permanent" in err) == (code >= 500),
                  "%s: permanent only for 5xx: %r" % (label, err))
            check(rc == 1, "%s: exit %d" % (label, rc))
            check(srv.messages() == [], "%s: a message was stored" % label)
            check(("server answered %d" % code) in err, "%s: code not in %r" % (label, err))
            check(err.startswith("error: cannot send mail via '127.0.0.1:"), "%s: %r" % (label, err))
            check(PASSWORD not in err, "%s: password in the error" % label)
        finally:
            srv.stop()


def test_auth(args, tmp):
    # The server offers no STARTTLS: each case here allows plain-text AUTH
    # (test_plaintext_auth checks that it is refused otherwise).
    srv = Server(tmp, "--auth", "editor:" + PASSWORD)
    plain = ["--allow-plaintext-auth"]
    try:
        env = {"PREFWATCH_SMTP_USER": "editor", "PREFWATCH_SMTP_PASSWORD": PASSWORD}
        rc, out, err = run_driver(args, tmp, srv.url, extra=plain, env=env)
        check(rc == 0, "auth env: exit %d: %s" % (rc, err))
        # libcurl's verbose trace (which shows the AUTH exchange) stays off.
        check(err == "" and out == b"", "auth env: output %r %r" % (out, err))
        msgs = srv.messages()
        check(len(msgs) == 1 and msgs[0][1]["login"] == "editor", "auth env: not authenticated")

        # Wrong password: refused, and the attempted password is not echoed.
        bad = "Wr0ng-" + PASSWORD
        rc, out, err = run_driver(args, tmp, srv.url, extra=plain,
                                  env={"PREFWATCH_SMTP_USER": "editor",
                                       "PREFWATCH_SMTP_PASSWORD": bad})
        check(rc == 1, "auth wrong: exit %d" % rc)
        check(bad not in err and bad not in out.decode("utf-8", "replace"), "auth wrong: password shown")
        check("cannot send mail via '127.0.0.1:%d': Login denied (server answered 535)" % srv.port in err,
              "auth wrong: message %r" % err)
        check(len(srv.messages()) == 1, "auth wrong: a message went through")

        # Credentials from a netrc file.
        netrc = os.path.join(tmp, "netrc")
        with open(netrc, "w") as f:
            f.write("machine 127.0.0.1 login editor password %s\n" % PASSWORD)
        os.chmod(netrc, 0o600)
        rc, _, err = run_driver(args, tmp, srv.url, extra=["--netrc", netrc] + plain)
        msgs = srv.messages()
        check(rc == 0, "auth netrc: exit %d: %s" % (rc, err))
        check(len(msgs) == 2 and msgs[1][1]["login"] == "editor", "auth netrc: not authenticated")

        # A password in the URL is refused without being repeated.
        rc, _, err = run_driver(args, tmp, "smtp://editor:%s@127.0.0.1:%d" % (PASSWORD, srv.port))
        check(rc == 1 and "must not contain a password" in err, "password in url: %d %r" % (rc, err))
        check(PASSWORD not in err, "password in url: repeated in the error")
        check(len(srv.messages()) == 2, "password in url: a message went through")
    finally:
        srv.stop()


def test_plaintext_auth(args, tmp):
    """Credentials never go in clear text unless allowed (issue 20, B.7)."""
    srv = Server(tmp, "--auth", "editor:" + PASSWORD)  # AUTH offered, no STARTTLS
    try:
        env = {"PREFWATCH_SMTP_USER": "editor", "PREFWATCH_SMTP_PASSWORD": PASSWORD}
        rc, out, err = run_driver(args, tmp, srv.url, env=env)
        check(rc == 1, "plaintext auth, env credentials: refused (exit %d)" % rc)
        check(("cannot send mail via '127.0.0.1:%d': STARTTLS not supported, and credentials "
               "are never sent in clear text (mail.allow_plaintext_auth: true allows it)"
               % srv.port) in err, "plaintext auth: message %r" % err)
        check(PASSWORD not in err, "plaintext auth: password in the error")
        check(srv.messages() == [], "plaintext auth: a message went through")

        netrc = os.path.join(tmp, "netrc-plain")
        with open(netrc, "w") as f:
            f.write("machine other.example login x password y\n"
                    "machine 127.0.0.1 login editor password %s\n" % PASSWORD)
        os.chmod(netrc, 0o600)
        rc, _, err = run_driver(args, tmp, srv.url, extra=["--netrc", netrc])
        check(rc == 1 and "never sent in clear text" in err,
              "plaintext auth, netrc credentials: refused: %d %r" % (rc, err))
        check(srv.messages() == [], "plaintext auth, netrc: a message went through")

        rc, _, err = run_driver(args, tmp, srv.url, extra=["--allow-plaintext-auth"], env=env)
        msgs = srv.messages()
        check(rc == 0 and len(msgs) == 1, "allow_plaintext_auth: sent: %d %r" % (rc, err))
        check(msgs and msgs[0][1]["login"] == "editor", "allow_plaintext_auth: authenticated")
    finally:
        srv.stop()
    # no credentials at all (a local relay): STARTTLS stays opportunistic
    srv = Server(tmp)
    try:
        netrc = os.path.join(tmp, "netrc-other")
        with open(netrc, "w") as f:
            f.write("machine other.example login x password y\n")
        os.chmod(netrc, 0o600)
        rc, _, err = run_driver(args, tmp, srv.url, extra=["--netrc", netrc])
        check(rc == 0 and len(srv.messages()) == 1,
              "no credentials for this host: sent without TLS: %d %r" % (rc, err))
    finally:
        srv.stop()


def test_require_tls(args, tmp):
    srv = Server(tmp)  # no STARTTLS offered
    try:
        rc, _, err = run_driver(args, tmp, srv.url, extra=["--require-tls"])
        check(rc == 1, "require tls: exit %d" % rc)
        check(("cannot send mail via '127.0.0.1:%d': STARTTLS not supported\n" % srv.port) in err,
              "require tls: message %r" % err)
        check(srv.messages() == [], "require tls: sent in clear text")
        rc, _, err = run_driver(args, tmp, srv.url)  # opportunistic: goes out
        check(rc == 0 and len(srv.messages()) == 1, "opportunistic tls: %d %r" % (rc, err))
    finally:
        srv.stop()


def make_cert(tmp):
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


def test_tls(args, tmp):
    if not shutil.which("openssl"):
        print("skipped: openssl(1) is not installed: the TLS scenarios did not run")
        return
    cert, key = make_cert(tmp)
    env = {"PREFWATCH_SMTP_USER": "editor", "PREFWATCH_SMTP_PASSWORD": PASSWORD}
    srv = Server(tmp, "--tls", "starttls", "--cert", cert, "--key", key,
                 "--auth", "editor:" + PASSWORD)
    try:
        # STARTTLS required, certificate verified against our CA: sent over TLS.
        rc, _, err = run_driver(args, tmp, srv.url, extra=["--require-tls", "--ca", cert], env=env)
        msgs = srv.messages()
        check(rc == 0 and len(msgs) == 1, "starttls: %d %r" % (rc, err))
        if msgs:
            check(msgs[0][1]["tls"] is True, "starttls: message not sent over TLS")
            check(msgs[0][1]["login"] == "editor", "starttls: not authenticated")
            check_message(msgs[0][0], "starttls")
        # Certificates are always verified: a self-signed one is refused.
        rc, _, err = run_driver(args, tmp, srv.url, extra=["--require-tls"], env=env)
        check(rc == 1 and "certificate" in err.lower(), "starttls unverified: %d %r" % (rc, err))
        check(PASSWORD not in err, "starttls unverified: password in the error")
        # Opportunistic TLS still verifies once TLS is on.
        rc, _, err = run_driver(args, tmp, srv.url, env=env)
        check(rc == 1 and "certificate" in err.lower(), "starttls try unverified: %d %r" % (rc, err))
        check(len(srv.messages()) == 1, "starttls: a message went out unverified")
    finally:
        srv.stop()

    srv = Server(tmp, "--tls", "smtps", "--cert", cert, "--key", key)
    try:
        url = "smtps://127.0.0.1:%d" % srv.port
        rc, _, err = run_driver(args, tmp, url, extra=["--ca", cert])
        msgs = srv.messages()
        check(rc == 0 and len(msgs) == 1, "smtps: %d %r" % (rc, err))
        if msgs:
            check(msgs[0][1]["tls"] is True, "smtps: message not sent over TLS")
        rc, _, err = run_driver(args, tmp, url)
        check(rc == 1 and "certificate" in err.lower(), "smtps unverified: %d %r" % (rc, err))
    finally:
        srv.stop()


def test_sendmail(args, tmp):
    fake = os.path.join(tmp, "sendmail")
    record = os.path.join(tmp, "sendmail-out")
    os.makedirs(record, exist_ok=True)
    with open(fake, "w") as f:
        f.write("#!/bin/sh\n"
                "[ \"$FAKE_SENDMAIL_HANG\" ] && exec sleep 60\n"
                "printf '%%s\\n' \"$@\" > '%s/args'\n"
                "cat > '%s/message'\n"
                "exit \"${FAKE_SENDMAIL_STATUS:-0}\"\n" % (record, record))
    os.chmod(fake, 0o755)
    rc, _, err = run_driver(args, tmp, extra=["--sendmail", fake])
    check(rc == 0, "sendmail: exit %d: %s" % (rc, err))
    with open(os.path.join(record, "args")) as f:
        check(f.read().split() == ["-t", "-oi"], "sendmail: arguments")
    with open(os.path.join(record, "message"), "rb") as f:
        raw = f.read()
    check(b"\r" not in raw, "sendmail: CR in a message for local sendmail")
    check(not any(l == b"." for l in raw.split(b"\n")), "sendmail: lone dot line")
    check(not any(l.startswith(b"From ") for l in raw.split(b"\n")), "sendmail: 'From ' line")
    check_message(raw, "sendmail")

    rc, _, err = run_driver(args, tmp, extra=["--sendmail", fake], env={"FAKE_SENDMAIL_STATUS": "75"})
    check(rc == 1 and "exit status 75" in err, "sendmail failing: %d %r" % (rc, err))
    # A stuck sendmail is killed at the timeout, not waited for all night.
    start = time.monotonic()
    rc, _, err = run_driver(args, tmp, extra=["--sendmail", fake, "--timeout", "2"],
                            env={"FAKE_SENDMAIL_HANG": "1"})
    elapsed = time.monotonic() - start
    check(rc == 1 and "sendmail '%s' timed out after 2 s" % fake in err, "sendmail hanging: %d %r" % (rc, err))
    check(elapsed < 20, "sendmail hanging: took %.1f s" % elapsed)
    missing = os.path.join(tmp, "no-such-sendmail")
    rc, _, err = run_driver(args, tmp, extra=["--sendmail", missing])
    check(rc == 1 and "cannot run sendmail '%s': No such file" % missing in err,
          "sendmail missing: %d %r" % (rc, err))


def test_format(args, tmp):
    rc, out, err = run_driver(args, tmp, extra=["--format", "--date", "1795000000"])
    check(rc == 0, "format: exit %d: %s" % (rc, err))
    check(b"\r\n" in out and b"\n" not in out.replace(b"\r\n", b""), "format: not CRLF")
    msg = check_message(out, "format")
    check(msg["Date"].datetime.timestamp() == 1795000000, "format: Date %s" % msg["Date"])


def test_check(args, tmp):
    ok, _, err = run_driver(args, tmp, "smtps://mail.example.org", extra=["--check"])
    check(ok == 0, "check ok: %r" % err)
    for url, want in (("http://mail.example.org", "unsupported SMTP URL scheme 'http'"),
                      ("smtp://", "invalid SMTP URL")):
        rc, _, err = run_driver(args, tmp, url, extra=["--check"])
        check(rc == 1 and want in err, "check %s: %r" % (url, err))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", required=True)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="prefwatch-mail-")
    done = False
    try:
        for t in (test_send_ok, test_text_only, test_server_down, test_server_restart, test_server_errors,
                  test_auth, test_plaintext_auth, test_require_tls, test_tls, test_sendmail,
                  test_format, test_check):
            before = failed
            sub = tempfile.mkdtemp(dir=tmp, prefix=t.__name__ + "-")
            t(args, sub)
            print("%s %s" % ("ok  " if failed == before else "FAIL", t.__name__), file=sys.stderr)
        done = True
    finally:
        # removed on success, kept on failure
        if done and not failed:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print("sandbox kept: " + tmp, file=sys.stderr)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
