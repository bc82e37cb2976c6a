"""End to end: a run that is killed, interrupted or started twice.

- Lock: while one run is busy, a second one on the same database exits at
  once with status 5 and writes nothing.
- SIGKILL at 20 random moments of runs that have real changes to record: after
  each kill, PRAGMA integrity_check is ok, and the next complete run
  finishes normally; every real change is reported exactly once overall.
- SIGTERM during a run: prompt exit, the lock is released, finished pages
  are kept.
"""
import json
import os
import random
import signal
import subprocess
import time

import pw

N = 6
ROUNDS = 20  # SIGKILLs at random moments


def body(i, version):
    return ("<p>Procédure %d, version %d : la demande se fait par voie postale.</p>"
            "<p>Préfecture<br>%d rue de la Paix<br>0200%d LAON</p>" % (i, version, version, i))


def start_run(s, *extra):
    return subprocess.Popen([s.bin, "run", "--watchlist", s.watchlist, "--db", s.db,
                             "--host-delay", "0", "--jobs", "2", "--quiet", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def main(a):
    rnd = random.Random(20261127)
    s = pw.Scenario(a.bin, "ops")
    try:
        s.start_server()
        offices = []
        for i in range(N):
            s.put("/p%d.html" % i, pw.page("AES %d" % i, body(i, 1)))
            offices.append({"id": "02-o%d" % i, "name": "Bureau %d" % i,
                            "pages": [{"url": s.url("/p%d.html" % i)}]})
        s.write_watchlist(offices)
        p, r = s.run()
        pw.check_eq(r["run"]["new"], N, "baseline run")

        # -- lock --
        s.route("/p0.html", {"delay": 3})
        first = start_run(s)
        time.sleep(0.8)
        second = s.prefwatch("run", "--watchlist", s.watchlist, "--db", s.db, "--host-delay", "0")
        pw.check_eq(second.returncode, 5, "second run: already running")
        pw.check("already" in second.stderr or "lock" in second.stderr, "clear message: " + second.stderr)
        first.wait(timeout=60)
        pw.check_eq(first.returncode, 0, "first run completed")
        s.route("/p0.html", None)

        # -- SIGKILL at random moments; every page changes once per round --
        version = 1
        reported = {}  # change id -> times reported
        for round_ in range(ROUNDS):
            version += 1
            for i in range(N):
                s.put("/p%d.html" % i, pw.page("AES %d" % i, body(i, version)))
                s.route("/p%d.html" % i, {"delay": rnd.uniform(0.05, 0.4)})
            killed_json = os.path.join(s.dir, "killed-%d.json" % round_)
            proc = start_run(s, "--json", killed_json)
            time.sleep(rnd.uniform(0.05, 1.5))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            # a run killed after writing its report has reported its changes
            if os.path.exists(killed_json):
                with open(killed_json) as f:
                    for pg in json.load(f)["pages"]:
                        if pg["status"] == "changed":
                            cid = pg["change"]["id"]
                            reported[cid] = reported.get(cid, 0) + 1
            ic = s.sql("pragma integrity_check")[0][0]
            pw.check_eq(ic, "ok", "integrity after kill %d" % round_)
            for i in range(N):
                s.route("/p%d.html" % i, None)
            p, r = s.run()
            pw.check(p.returncode in (0, 1), "run after kill %d completes (%d): %s" % (round_, p.returncode, p.stderr))
            if r is None:
                continue
            for pg in r["pages"]:
                if pg["status"] == "changed":
                    cid = pg["change"]["id"]
                    reported[cid] = reported.get(cid, 0) + 1
        dup = [c for c, n in reported.items() if n != 1]
        pw.check_eq(dup, [], "no change reported twice")
        total = s.sql("select count(*) from changes")[0][0]
        pw.check_eq(len(reported), total, "every stored change was reported once (%d)" % total)
        pw.check_eq(total, ROUNDS * N, "one change per page per round")

        # -- SIGTERM: prompt exit, lock released --
        for i in range(N):
            s.route("/p%d.html" % i, {"delay": 5})
        proc = start_run(s)
        time.sleep(1.0)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        pw.check(time.monotonic() - t0 < 5, "SIGTERM exit is prompt")
        pw.check(proc.returncode != 0, "interrupted run says so")
        for i in range(N):
            s.route("/p%d.html" % i, None)
        p, r = s.run()
        pw.check(p.returncode in (0, 1), "lock released after SIGTERM (%d)" % p.returncode)
        pw.check_eq(s.sql("pragma integrity_check")[0][0], "ok", "integrity after SIGTERM")
    finally:
        s.close()


if __name__ == "__main__":
    pw.main(main)
