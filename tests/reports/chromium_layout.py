#!/usr/bin/python3
"""Lays an HTML report out in Debian's headless chromium at three widths
and checks that it fits: no horizontal scrolling, no element wider than
the viewport, one column of at most 640 px.

usage: chromium_layout.py REPORT.html OUTDIR

Chromium is driven over the DevTools protocol on a pipe
(--remote-debugging-pipe: JSON messages ending in NUL on file descriptors
3 and 4), with Python's standard library only: a headless window is at
least 500 px wide, so each width (1200, 800, 360 px) is set by device
metrics emulation. At each width the report is loaded from its file://
URL, a script evaluated in the page measures every element's box, and a
screenshot is written to OUTDIR/layout-WIDTH.png (OUTDIR is in the build
tree). The report itself is never modified and holds no script.

Exits 0 when every width fits, 77 (ctest's SKIP_RETURN_CODE) when chromium
is not installed or cannot run here (no /proc), 1 otherwise. Only the
report's file:// URL is opened, in a fresh profile with every background
network feature off.
"""
import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

WIDTHS = (1200, 800, 360)
HEIGHT = 1600
COLUMN_MAX = 640 + 2          # the column and its 1 px borders
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
TIMEOUT = 60                  # s, for each answer of chromium

MEASURE = """(function () {
  var vw = document.documentElement.clientWidth, bad = [];
  var all = document.body.getElementsByTagName("*");
  for (var i = 0; i < all.length; i++) {
    var r = all[i].getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right > vw + 0.5 || r.left < -0.5)
      bad.push(all[i].tagName + " " + Math.round(r.left) + ".." + Math.round(r.right) + ": " +
               (all[i].textContent || "").replace(/\\s+/g, " ").slice(0, 70));
  }
  var tables = document.getElementsByTagName("table");
  return {vw: vw, sw: document.documentElement.scrollWidth,
          h: document.documentElement.scrollHeight, n: all.length,
          col: tables.length > 1 ? tables[1].getBoundingClientRect().width : -1,
          bad: bad.slice(0, 15), nbad: bad.length};
})()"""


class Devtools:
    """A minimal DevTools protocol client over chromium's pipe."""

    def __init__(self, chromium, profile):
        r_to_chrome, w_to_chrome = os.pipe()
        r_from_chrome, w_from_chrome = os.pipe()
        # chromium reads commands on fd 3 and writes answers on fd 4: in
        # the child, both are first moved above 10 so that placing one
        # never overwrites the other (subprocess's pass_fds keeps fds by
        # their number, it does not renumber them)
        def child_fds():
            a = fcntl.fcntl(r_to_chrome, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(w_from_chrome, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)
        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--hide-scrollbars",
               "--user-data-dir=" + profile, "--remote-debugging-pipe", "about:blank"]
        self.err = tempfile.TemporaryFile(dir=profile)
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=self.err, preexec_fn=child_fds, close_fds=False,
                                     env=dict(os.environ, HOME=profile))
        os.close(r_to_chrome)
        os.close(w_from_chrome)
        self.w, self.r = w_to_chrome, r_from_chrome
        self.buf = b""
        self.next_id = 0
        self.events = []

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.r], [], [], left)[0]:
                raise TimeoutError("no answer from chromium in %d s" % TIMEOUT)
            chunk = os.read(self.r, 1 << 20)
            if not chunk:
                raise EOFError("chromium closed its pipe")
            self.buf += chunk
        msg, _, self.buf = self.buf.partition(b"\0")
        return json.loads(msg)

    def call(self, method, session=None, **params):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            m = self._read_message(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, method, session):
        deadline = time.monotonic() + TIMEOUT
        while True:
            for i, m in enumerate(self.events):
                if m.get("method") == method and m.get("sessionId") == session:
                    del self.events[i]
                    return m
            self.events.append(self._read_message(deadline))

    def close(self):
        try:
            self.call("Browser.close")
        except (OSError, EOFError, TimeoutError, RuntimeError):
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.w)
        os.close(self.r)

    def stderr(self):
        self.err.seek(0)
        return self.err.read().decode("utf-8", "replace")[-2000:]


def layout(dt, url, width, shot):
    """Loads url at width, returns the measures, writes the screenshot."""
    target = dt.call("Target.createTarget", url="about:blank")["targetId"]
    session = dt.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
    dt.call("Emulation.setDeviceMetricsOverride", session, width=width, height=HEIGHT,
            deviceScaleFactor=1, mobile=False)
    dt.call("Page.enable", session)
    dt.call("Page.navigate", session, url=url)
    dt.wait_event("Page.loadEventFired", session)
    got = dt.call("Runtime.evaluate", session, expression=MEASURE, returnByValue=True)
    got = got["result"]["value"]
    png = base64.b64decode(dt.call("Page.captureScreenshot", session, format="png",
                                   captureBeyondViewport=True)["data"])
    with open(shot, "wb") as f:
        f.write(png)
    dt.call("Target.closeTarget", targetId=target)
    return got, png


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    report, outdir = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("skipped: chromium is not installed (Debian package chromium)")
        return 77
    if not os.path.exists("/proc/self/maps"):
        print("skipped: /proc is not mounted here (a bare chroot?): chromium cannot run without it")
        return 77
    if not os.path.exists(report):
        print("no report '%s'" % report, file=sys.stderr)
        return 1
    os.makedirs(outdir, exist_ok=True)
    failures = 0
    with tempfile.TemporaryDirectory(prefix="prefwatch-layout-") as profile:
        dt = Devtools(chromium, profile)
        try:
            for width in WIDTHS:
                shot = os.path.join(outdir, "layout-%d.png" % width)
                if os.path.exists(shot):
                    os.unlink(shot)
                got, png = layout(dt, "file://" + report, width, shot)
                ok = got["vw"] == width and got["sw"] <= width and got["nbad"] == 0 and \
                    0 < got["col"] <= min(COLUMN_MAX, width)
                print("%d px: viewport %d, document %d px wide and %d px high, column %.0f px, "
                      "%d elements, %d too wide%s"
                      % (width, got["vw"], got["sw"], got["h"], got["col"], got["n"], got["nbad"],
                         "" if ok else "  <- FAILS"))
                for b in got["bad"]:
                    print("   too wide: " + b)
                if png[:8] != PNG_MAGIC or len(png) < 1000:
                    print("   '%s' is not a screenshot (%d bytes)" % (shot, len(png)))
                    ok = False
                else:
                    print("   screenshot: %s (%d bytes)" % (shot, len(png)))
                failures += not ok
        except (OSError, EOFError, TimeoutError, RuntimeError, KeyError) as e:
            print("chromium: %s" % e, file=sys.stderr)
            sys.stderr.write(dt.stderr())
            failures += 1
        finally:
            dt.close()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
