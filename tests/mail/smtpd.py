#!/usr/bin/python3
"""A real SMTP server on 127.0.0.1 for the mail tests (aiosmtpd).

Each accepted message is written to DIR as NNN.eml (the DATA bytes as
received, dot-stuffing undone) plus NNN.json (envelope: sender, recipients,
authenticated login). The listening port is written to --port-file once the
server accepts connections. Runs until SIGTERM or SIGINT.

--fail CODE --fail-at {mail,rcpt,data} answers CODE (e.g. 451 or 554) to
that command, to simulate a server error. --auth USER:PASSWORD advertises
AUTH (PLAIN, LOGIN) over plain text and accepts only that pair.
--tls starttls|smtps with --cert/--key: offer STARTTLS, or speak TLS from
the first byte (implicit TLS, smtps://). --delay SEC waits that long
before answering DATA (a slow server, to make two senders overlap).
"""
import argparse
import asyncio
import json
import os
import signal
import socket
import ssl
import sys
import logging
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

MESSAGES = {451: "451 4.3.0 try again later (test)",
            554: "554 5.7.1 rejected (test)"}


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Handler:
    def __init__(self, outdir, fail, fail_at, delay=0.0):
        self.outdir = outdir
        self.delay = delay
        self.fail = fail
        self.fail_at = fail_at
        self.count = 0
        self.lock = threading.Lock()

    def reply(self, stage):
        if self.fail and self.fail_at == stage:
            return MESSAGES.get(self.fail, "%d error (test)" % self.fail)
        return None

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        r = self.reply("mail")
        if r:
            return r
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        r = self.reply("rcpt")
        if r:
            return r
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        r = self.reply("data")
        if r:
            return r
        with self.lock:
            self.count += 1
            n = self.count
        base = os.path.join(self.outdir, "%03d" % n)
        login = None
        if session.authenticated and isinstance(session.auth_data, LoginPassword):
            login = session.auth_data.login.decode("utf-8", "replace")
        tls = (session.ssl is not None
               or server.transport.get_extra_info("ssl_object") is not None)
        with open(base + ".json.tmp", "w") as f:
            json.dump({"mail_from": envelope.mail_from,
                       "rcpt_tos": envelope.rcpt_tos,
                       "login": login, "tls": tls}, f)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(base + ".eml.tmp", base + ".eml")
        os.rename(base + ".json.tmp", base + ".json")
        return "250 OK queued"


def main():
    # aiosmtpd itself sets the deprecated Session.login_data, and logs it.
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--fail", type=int, default=0)
    ap.add_argument("--fail-at", choices=["mail", "rcpt", "data"], default="data")
    ap.add_argument("--auth", default=None, help="USER:PASSWORD")
    ap.add_argument("--port", type=int, default=0, help="0: any free port")
    ap.add_argument("--tls", choices=["starttls", "smtps"], default=None)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--delay", type=float, default=0.0)
    args = ap.parse_args()

    kwargs = {}
    if args.tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.cert, args.key)
        if args.tls == "starttls":
            kwargs["tls_context"] = ctx
        else:
            kwargs["ssl_context"] = ctx
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword)
                  and auth_data.login == user.encode()
                  and auth_data.password == password.encode())
            return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

        kwargs.update(authenticator=authenticator, auth_require_tls=False)

    os.makedirs(args.dir, exist_ok=True)
    handler = Handler(args.dir, args.fail, args.fail_at, args.delay)
    controller = None
    for _ in range(20 if not args.port else 50):
        port = args.port or free_port()
        try:
            controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
            controller.start()
            break
        except Exception as e:  # port taken between probe and bind: retry
            print("smtpd: cannot start on %d: %s" % (port, e), file=sys.stderr)
            controller = None
            if args.port:  # the old server's socket may linger a moment
                time.sleep(0.1)
    if controller is None:
        sys.exit(1)

    with open(args.port_file + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(args.port_file + ".tmp", args.port_file)

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: done.set())
    signal.signal(signal.SIGINT, lambda *a: done.set())
    while not done.wait(0.2):
        pass
    controller.stop()


if __name__ == "__main__":
    main()
