"""End to end: one database, one lock, whatever path reaches it (issue 20, B.2).

While a run is busy on a database, a second run on the same file reached
by another name -- a symbolic link, a hard link, a path with "dir/.." in
it -- exits at once with status 5 and writes nothing (two real processes).
A run on another database is not held back. The lock is released when
the first run ends.
"""
import os
import subprocess
import time

import pw


def start_run(s, db):
    return subprocess.Popen([s.bin, "run", "--watchlist", s.watchlist, "--db", db,
                             "--host-delay", "0", "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def runs(s):
    return s.sql("select count(*) from runs")[0][0]


def main(a):
    s = pw.Scenario(a.bin, "lock")
    try:
        s.start_server()
        s.put("/p.html", pw.page("AES", "<p>La demande se fait par voie postale.</p>"))
        s.write_watchlist([{"id": "02-laon", "name": "Préfecture de Laon",
                            "pages": [{"url": s.url("/p.html")}]}])
        p, r = s.run()
        pw.check_eq(p.returncode, 0, "baseline run: " + p.stderr)

        sub = os.path.join(s.dir, "sub")
        os.makedirs(sub)
        symlink = os.path.join(sub, "link.db")
        os.symlink(s.db, symlink)
        hardlink = os.path.join(sub, "hard.db")
        os.link(s.db, hardlink)
        other = os.path.join(s.dir, "other.db")
        names = {"symbolic link": symlink, "hard link": hardlink,
                 "dotted path": os.path.join(sub, "..", "prefwatch.db"),
                 "the path itself": s.db}

        for label, second_path in names.items():
            s.route("/p.html", {"delay": 3})
            before = runs(s)
            first = start_run(s, s.db if label != "the path itself" else hardlink)
            time.sleep(0.8)
            t0 = time.time()
            second = s.prefwatch("run", "--watchlist", s.watchlist, "--db", second_path,
                                 "--host-delay", "0")
            took = time.time() - t0
            pw.check_eq(second.returncode, 5, "%s: second run refused" % label)
            pw.check("already running" in second.stderr,
                     "%s: clear message: %s" % (label, second.stderr))
            pw.check(took < 2.5, "%s: refused at once (%.1f s)" % (label, took))
            if label == "symbolic link":
                # another database is not held back by this one
                q = s.prefwatch("run", "--watchlist", s.watchlist, "--db", other,
                                "--host-delay", "0")
                pw.check(q.returncode in (0, 1), "another database runs meanwhile (%d): %s"
                         % (q.returncode, q.stderr))
            out, err = first.communicate(timeout=60)
            pw.check_eq(first.returncode, 0, "%s: first run completed: %s" % (label, err))
            pw.check_eq(runs(s), before + 1, "%s: only the first run was recorded" % label)
            s.route("/p.html", None)

        # released: a run through the hard link now proceeds
        p = s.prefwatch("run", "--watchlist", s.watchlist, "--db", hardlink, "--host-delay", "0")
        pw.check_eq(p.returncode, 0, "after the first run, the lock is free: " + p.stderr)
        pw.check(os.path.islink(symlink), "the symbolic link is left as it was")
        pw.check_eq([n for n in os.listdir(sub) if n.endswith(".lock")], [],
                    "no lock file named after a path")
    finally:
        s.close()


if __name__ == "__main__":
    pw.main(main)
