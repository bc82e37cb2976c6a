#!/usr/bin/python3
"""Opens an HTML report in Debian's headless chromium and keeps a screenshot.

usage: chromium_check.py REPORT.html OUT.png

Exits 0 when chromium exits 0 and writes a non-empty PNG, 77 (ctest's
SKIP_RETURN_CODE) when chromium is not installed or cannot run here (no
/proc: it reads /proc/cpuinfo and /proc/self), 1 otherwise. The report
is opened from a file:// URL in a fresh profile with every background
network feature off: the report is self-contained and must need nothing.
"""
import os
import shutil
import subprocess
import sys
import tempfile

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    report, out = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("skipped: chromium is not installed (Debian package chromium)")
        return 77
    if not os.path.exists("/proc/self/maps"):
        print("skipped: /proc is not mounted here (a bare chroot?): chromium cannot run without it")
        return 77
    if os.path.exists(out):
        os.unlink(out)
    with tempfile.TemporaryDirectory(prefix="prefwatch-chromium-") as profile:
        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync",
               "--user-data-dir=" + profile, "--screenshot=" + out,
               "--window-size=1000,1600", "file://" + report]
        try:
            proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  timeout=90, env=dict(os.environ, HOME=profile))
        except subprocess.TimeoutExpired:
            print("chromium did not finish in 90 s", file=sys.stderr)
            return 1
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr.decode("utf-8", "replace"))
        print("chromium exited with %d" % proc.returncode, file=sys.stderr)
        return 1
    try:
        with open(out, "rb") as f:
            head = f.read(8)
        size = os.path.getsize(out)
    except OSError as e:
        print("cannot read '%s': %s" % (out, e.strerror), file=sys.stderr)
        return 1
    if head != PNG_MAGIC or size < 1000:
        print("'%s' is not a screenshot (%d bytes)" % (out, size), file=sys.stderr)
        return 1
    print("screenshot: %s (%d bytes)" % (out, size))
    return 0


if __name__ == "__main__":
    sys.exit(main())
