"""harness.py - start httpd.py from Python tests.

    from server.harness import TestServer
    with TestServer(root) as srv:
        url = srv.url("/page.html")      # http://127.0.0.1:PORT/page.html
        ...
        for r in srv.requests():        # parsed log lines, see httpd.py
            ...
        srv.write_routes({...})          # rewrites root/_routes.json

The server runs as a child process with the same Python; it is stopped
(SIGTERM, then SIGKILL) when the block ends. Its own files (port file,
request log) live in a directory of $TMPDIR that is removed then, unless
the block ended with an exception or the caller said stop(keep=True) (a
failing test): it is kept and its path printed on stderr.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HTTPD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "httpd.py")


class TestServer:
    def __init__(self, root, timeout=10.0, tls=None):
        """tls: (cert_pem, key_pem) to serve HTTPS."""
        self.root = root
        self.tls = tls
        self.timeout = timeout
        self.proc = None
        self.port = None
        self._dir = None

    def start(self):
        self._dir = tempfile.mkdtemp(prefix="prefwatch-httpd-")
        self.port_file = os.path.join(self._dir, "port")
        self.log_file = os.path.join(self._dir, "requests.log")
        cmd = [sys.executable, HTTPD, "--root", self.root,
               "--port-file", self.port_file, "--log", self.log_file]
        if self.tls:
            cmd += ["--tls-cert", self.tls[0], "--tls-key", self.tls[1]]
        self.proc = subprocess.Popen(cmd)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if os.path.exists(self.port_file):
                with open(self.port_file) as f:
                    self.port = int(f.read().strip())
                return self
            if self.proc.poll() is not None:
                raise RuntimeError("httpd.py exited with status %d (files kept: %s)"
                                   % (self.proc.returncode, self._dir))
            time.sleep(0.02)
        self.stop(keep=True)
        raise RuntimeError("httpd.py did not start within %.0f s" % self.timeout)

    def stop(self, keep=False):
        """Stops the server; removes its files unless keep (then says where)."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if self._dir and os.path.isdir(self._dir):
            if keep:
                print("test server files kept: " + self._dir, file=sys.stderr)
            else:
                shutil.rmtree(self._dir, ignore_errors=True)
        self._dir = None  # the first stop decides

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        self.stop(keep=exc_type is not None)
        return False

    def url(self, path):
        scheme = "https" if self.tls else "http"
        return "%s://127.0.0.1:%d%s" % (scheme, self.port, path)

    def requests(self):
        """The requests served so far, oldest first (list of dicts)."""
        if not os.path.exists(self.log_file):
            return []
        with open(self.log_file, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    def clear_log(self):
        open(self.log_file, "w").close()

    def write_routes(self, routes):
        tmp = os.path.join(self.root, "_routes.json.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(routes, f)
        os.replace(tmp, os.path.join(self.root, "_routes.json"))
