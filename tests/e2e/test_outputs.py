"""End to end: report outputs that are not regular files (issue 20, B.1 and B.8).

- A character device (/dev/null, /dev/full) or a FIFO given as --json,
  --text or --html is written in place, never replaced by a regular file.
  The devices are private nodes made in the sandbox (mknod, as root), else
  symbolic links to the real ones: a regression must never replace the
  machine's own /dev/null.
- A FIFO receives the report; a FIFO nobody reads is an error (exit 6),
  not a hang.
- "-" is standard output, and then the text report is not also printed
  there; two outputs on stdout are a usage error.
- /dev/full: "disk full" naming the path, exit 6.
- A file output that fails while the text report reaches stdout (cron's
  mail): exit 6, the stdout report says so and that its changes will not be
  repeated, and they are marked reported; when stdout fails too, they stay
  unreported and the next run reports them.
"""
import json
import os
import select
import stat
import threading

import pw

V1 = "<p>La demande se fait par voie postale.</p><p>Préfecture de l'Aisne<br>2 rue Paul Doumer<br>02000 LAON</p>"


def device(s, name, minor, real):
    """A character device at sandbox/name: a private node when mknod is
    allowed, else a symbolic link to the real device."""
    path = os.path.join(s.dir, name)
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
    except OSError:
        os.symlink(real, path)
    return path


def is_chr(path):
    try:
        return stat.S_ISCHR(os.stat(path).st_mode)
    except OSError:
        return False


def run(s, *extra, **kw):
    return s.prefwatch("run", "--watchlist", s.watchlist, "--db", s.db, "--host-delay", "0",
                       *extra, **kw)


class FifoReader:
    """Reads a FIFO in a thread; opened first (non-blocking) so that the
    writer finds a reader."""

    def __init__(self, path):
        self.fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        self.data = b""
        self.done = threading.Event()
        self.t = threading.Thread(target=self.loop)
        self.t.start()

    def loop(self):
        seen_eof_after_data = False
        while not self.done.is_set() and not seen_eof_after_data:
            r, _, _ = select.select([self.fd], [], [], 0.1)
            if not r:
                continue
            chunk = os.read(self.fd, 65536)
            if chunk:
                self.data += chunk
            elif self.data:
                seen_eof_after_data = True
            else:
                self.done.wait(0.05)  # no writer yet: EOF is immediate

    def close(self):
        self.done.set()
        self.t.join(timeout=10)
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except BlockingIOError:
                break
            if not chunk:
                break
            self.data += chunk
        os.close(self.fd)
        return self.data


def main(a):
    s = pw.Scenario(a.bin, "outputs")
    try:
        s.start_server()
        s.put("/a.html", pw.page("AES", V1))
        s.write_watchlist([{"id": "02-laon", "name": "Préfecture de Laon",
                            "pages": [{"url": s.url("/a.html")}]}])
        null = device(s, "null", 3, "/dev/null")
        full = device(s, "full", 7, "/dev/full")
        pw.check(is_chr(null) and is_chr(full), "sandbox devices are character devices")

        # -- /dev/null as every output: still a character device --
        p = run(s, "--json", null, "--text", null, "--html", null)
        pw.check_eq(p.returncode, 0, "run into /dev/null: " + p.stderr)
        pw.check(is_chr(null), "/dev/null stays a character device")
        pw.check(not os.path.isfile(null), "/dev/null not replaced by a regular file")
        pw.check(is_chr("/dev/null"), "the machine's /dev/null is untouched")
        pw.check_eq([n for n in os.listdir(s.dir) if ".tmp." in n], [], "no temporary file left")

        # -- a FIFO receives the report in place --
        fifo = os.path.join(s.dir, "report.fifo")
        os.mkfifo(fifo)
        s.put("/a.html", pw.page("AES", V1.replace("voie postale", "voie dématérialisée")))
        reader = FifoReader(fifo)
        p = run(s, "--html", fifo, timeout=60)
        got = reader.close().decode("utf-8", "replace")
        pw.check_eq(p.returncode, 0, "run into a FIFO: " + p.stderr)
        pw.check(stat.S_ISFIFO(os.stat(fifo).st_mode), "the FIFO stays a FIFO")
        pw.check(got.lstrip().lower().startswith("<!doctype html") and "</html>" in got,
                 "the FIFO got the HTML report (%d bytes)" % len(got))
        pw.check("dématérialisée" in got, "the FIFO's report has the change")
        # a FIFO nobody reads: an error, not a hang
        p = run(s, "--html", fifo, timeout=60)
        pw.check_eq(p.returncode, 6, "FIFO without a reader: exit 6")
        pw.check(fifo in p.stderr and "no process is reading" in p.stderr,
                 "FIFO without a reader: clear message: " + p.stderr)

        # -- "-": standard output, and the text report is not printed too --
        s.put("/a.html", pw.page("AES", V1.replace("voie postale", "voie électronique")))
        p = run(s, "--json", "-")
        pw.check_eq(p.returncode, 0, "--json -: " + p.stderr)
        try:
            rep = json.loads(p.stdout)
            pw.check_eq(rep["pages"][0]["status"], "changed", "--json -: the JSON report on stdout")
        except ValueError:
            pw.check(False, "--json -: stdout is JSON only: %r" % p.stdout[:200])
        s.put("/a.html", pw.page("AES", V1.replace("voie postale", "voie express")))
        p = run(s, "--text", "-")
        pw.check_eq(p.returncode, 0, "--text -: " + p.stderr)
        pw.check("express" in p.stdout, "--text -: the text report on stdout")
        pw.check_eq(p.stdout.count("Vérification n°"), 1, "--text -: printed once")
        p = run(s, "--text", "-")   # nothing new: --text - still writes the report
        pw.check_eq(p.returncode, 0, "quiet --text -: " + p.stderr)
        pw.check("Vérification n°" in p.stdout, "--text - writes even a quiet report")
        # a stdout whose reader is gone: an error (EPIPE), not death by SIGPIPE
        import subprocess
        r_end, w_end = os.pipe()
        os.close(r_end)
        e = dict(os.environ)
        e.pop("PREFWATCH_CONFIG", None)
        q = subprocess.run([s.bin, "run", "--watchlist", s.watchlist, "--db", s.db,
                            "--host-delay", "0", "--json", "-"], stdout=w_end,
                           stderr=subprocess.PIPE, text=True, timeout=120, env=e)
        os.close(w_end)
        pw.check_eq(q.returncode, 6, "--json - into a closed pipe: exit 6, not a signal")
        pw.check("cannot write '-'" in q.stderr, "closed pipe: said: " + q.stderr)
        p = run(s, "--json", "-", "--html", "-")
        pw.check_eq(p.returncode, 2, "two outputs on stdout: usage error")
        pw.check("standard output" in p.stderr, "two outputs on stdout: message: " + p.stderr)

        # -- /dev/full: disk full, exit 6, naming the path --
        p = run(s, "--json", full)
        pw.check_eq(p.returncode, 6, "/dev/full: exit 6")
        pw.check("cannot write '%s'" % full in p.stderr and "disk full" in p.stderr,
                 "/dev/full: disk full named: " + p.stderr)
        pw.check(is_chr(full), "/dev/full stays a character device")

        # -- B.8: a failed file output while stdout gets the report --
        s.put("/a.html", pw.page("AES", V1.replace("voie postale", "voie numérique")))
        p = run(s, "--html", full, "--json", os.path.join(s.dir, "ok.json"))
        pw.check_eq(p.returncode, 6, "failed --html: exit 6")
        pw.check("numérique" in p.stdout, "failed --html: the report on stdout")
        pw.check("ne seront pas signalés à nouveau" in p.stdout and full in p.stdout,
                 "failed --html: stdout says the report will not be repeated: " + p.stdout[-400:])
        unreported = s.sql("select count(*) from changes where reported_at is null")[0][0]
        pw.check_eq(unreported, 0, "failed --html, report on stdout: changes marked reported")
        p = run(s)
        pw.check_eq(p.returncode, 0, "next night: " + p.stderr)
        pw.check_eq(p.stdout, "", "next night: the change is not reported again")

        # ... and when stdout fails too, nothing reached the editors: repeated
        s.put("/a.html", pw.page("AES", V1.replace("voie postale", "voie aérienne")))
        with open(full, "w") as out:
            import subprocess
            e = dict(os.environ)
            e.pop("PREFWATCH_CONFIG", None)
            q = subprocess.run([s.bin, "run", "--watchlist", s.watchlist, "--db", s.db,
                                "--host-delay", "0", "--html", full], stdout=out,
                               stderr=subprocess.PIPE, text=True, timeout=120, env=e)
        pw.check_eq(q.returncode, 6, "stdout and --html both full: exit 6")
        pw.check("standard output" in q.stderr, "stdout failure said: " + q.stderr)
        unreported = s.sql("select count(*) from changes where reported_at is null")[0][0]
        pw.check_eq(unreported, 1, "nothing delivered: the change stays unreported")
        p = run(s)
        pw.check("aérienne" in p.stdout, "next night reports it")
    finally:
        s.close()


if __name__ == "__main__":
    pw.main(main)
