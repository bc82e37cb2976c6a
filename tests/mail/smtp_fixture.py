"""SmtpServer: runs tests/mail/smtpd.py (aiosmtpd) on 127.0.0.1 for a test.

Usable by any Python test (PYTHONPATH is the tests/ folder):

    from mail.smtp_fixture import SmtpServer
    srv = SmtpServer(tmpdir)                 # or SmtpServer(tmpdir, "--fail", "451")
    ... prefwatch run --mail --smtp-url srv.url ...
    for raw, envelope in srv.messages(): ... # bytes as received, dict
    srv.stop()                               # SmtpServer(tmpdir, port=srv.port) restarts it

Extra arguments go to smtpd.py: --fail CODE [--fail-at mail|rcpt|data],
--auth USER:PASSWORD, --tls starttls|smtps --cert PEM --key PEM.
The interpreter running the test must have aiosmtpd (Debian's
/usr/bin/python3 with python3-aiosmtpd).
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


class SmtpServer:
    def __init__(self, tmp, *extra, port=0):
        self.dir = tempfile.mkdtemp(dir=tmp, prefix="smtpd-")
        self.out = os.path.join(self.dir, "out")
        port_file = os.path.join(self.dir, "port")
        # Its log (tracebacks of refused TLS handshakes included) stays in
        # the sandbox; a startup failure prints it.
        self.log = open(os.path.join(self.dir, "smtpd.log"), "wb")
        cmd = [sys.executable, os.path.join(HERE, "smtpd.py"),
               "--dir", self.out, "--port-file", port_file] + list(extra)
        if port:
            cmd += ["--port", str(port)]
        self.proc = subprocess.Popen(cmd, stderr=self.log)
        for _ in range(200):
            if os.path.exists(port_file):
                break
            if self.proc.poll() is not None:
                self.log.close()
                with open(os.path.join(self.dir, "smtpd.log")) as f:
                    sys.stderr.write(f.read())
                raise RuntimeError("smtpd.py exited with %d" % self.proc.returncode)
            time.sleep(0.05)
        else:
            self.stop()
            raise RuntimeError("smtpd.py did not start")
        with open(port_file) as f:
            self.port = int(f.read())
        self.url = "smtp://127.0.0.1:%d" % self.port

    def messages(self):
        """[(raw bytes, {"mail_from", "rcpt_tos", "login", "tls"})], in order."""
        if not os.path.isdir(self.out):
            return []
        names = sorted(n[:-4] for n in os.listdir(self.out) if n.endswith(".eml"))
        res = []
        for n in names:
            with open(os.path.join(self.out, n + ".eml"), "rb") as f:
                raw = f.read()
            with open(os.path.join(self.out, n + ".json")) as f:
                env = json.load(f)
            res.append((raw, env))
        return res

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self.log.closed:
            self.log.close()
