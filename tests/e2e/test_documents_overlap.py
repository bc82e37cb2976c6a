"""Documents are converted while the crawl goes on (issue 19).

A stand-in converter (a shell script installed as `pdftotext` in the
sandbox's converter_dir, given by the configuration file) prints the
second line of its file, or sleeps until the wall-clock limit (15 s)
kills it when that line is HANG. One host, host delay 1 s: two pages, the
first linking the hung document then five others, the second five more:
13 requests, about 12 s of crawl, the hung document fetched third. A
design that converts after the crawl needs at least 12 + 15 s; converting
during it ends when the hung converter is killed, about 17 s.

  overlap   - the hung document is fetched first; every other document,
              fetched after it, is converted and decided (logged) before
              the hung one is killed, the run is well under the serial
              sum, each page's documents keep their link order in the
              report, and no temp file is left;
  interrupt - SIGTERM while the hung converter runs and documents wait:
              the run stops (exit 6), what was decided is stored, and no
              temp file of the run is left.
"""
import json
import os
import signal
import subprocess
import time

import pw
from pw import check, check_eq

STAND_IN = """#!/bin/sh
# pdftotext -enc UTF-8 -nopgbrk -q FILE -
line=$(sed -n 2p "$5")
[ "$line" = HANG ] && exec sleep 60
printf '%s\\n' "$line"
"""

DELAY_MS = 1000
HUNG_S = 15      # doc_limits' wall-clock limit


def fake_pdf(text):
    return "%%PDF-1.4\n%s\n%%%%EOF\n" % text


def link(href, text):
    return '<li><a href="%s">%s</a></li>' % (href, text)


def aes_page(links):
    body = ("<p>La demande d'admission exceptionnelle au séjour est déposée par voie postale "
            "à la préfecture, 2 rue Paul Doumer 02000 Laon.</p>"
            "<h2>Documents</h2><ul>%s</ul>" % "".join(links))
    return pw.page("Admission exceptionnelle au séjour", body)


def setup(s):
    """Two pages, the first linking the hung document first. Returns
    (config path, TMPDIR, each page's links)."""
    conv = os.path.join(s.dir, "conv")
    os.makedirs(conv)
    with open(os.path.join(conv, "pdftotext"), "w") as f:
        f.write(STAND_IN)
    os.chmod(os.path.join(conv, "pdftotext"), 0o755)
    config = os.path.join(s.dir, "config.yaml")
    with open(config, "w") as f:
        f.write("crawler:\n  converter_dir: %s\n  converters: 2\n" % json.dumps(conv))
    tmp = os.path.join(s.dir, "tmp")
    os.makedirs(tmp)
    offices, links = [], {}
    for i in range(2):
        names = (["bloque.pdf"] if i == 0 else []) + ["p%d-%s.pdf" % (i, c) for c in "abcde"]
        for n in names:
            s.put("/docs/" + n, fake_pdf("HANG" if n == "bloque.pdf" else "Texte de " + n))
        s.put("/p%d.html" % i, aes_page([link("/docs/" + n, "Document " + n) for n in names]))
        links["0%d-office" % i] = names
        offices.append({"id": "0%d-office" % i, "name": "Bureau %d" % i,
                        "pages": [{"url": s.url("/p%d.html" % i)}]})
    s.write_watchlist(offices)
    return config, tmp, links


def left_in(tmp):
    return [n for n in os.listdir(tmp) if n.startswith("prefwatch-")]


def scenario_overlap(binary):
    s = pw.Scenario(binary, "documents-overlap")
    try:
        s.start_server()
        config, tmp, links = setup(s)
        out = os.path.join(s.dir, "report.json")
        t0 = time.monotonic()
        p = s.prefwatch("--config", config, "run", "--watchlist", s.watchlist, "--db", s.db,
                        "--json", out, "--host-delay", str(DELAY_MS), "--jobs", "8", "--verbose",
                        env={"TMPDIR": tmp})
        took = time.monotonic() - t0
        print("overlap run: %.1f s (%d requests)" % (took, len(s.requests())))
        check_eq(p.returncode, 0, "exit status (stderr: %s)" % p.stderr[-3000:])
        r = json.load(open(out)) if os.path.exists(out) else {"pages": []}
        for pg in r["pages"]:
            docs = pg.get("documents", [])
            check_eq([d["url"].rsplit("/", 1)[-1] for d in docs], links[pg["id"]],
                     "%s: its documents in link order" % pg["id"])
            for d in docs:
                name = d["url"].rsplit("/", 1)[-1]
                want = ("failed", "timeout") if name == "bloque.pdf" else ("new", None)
                check_eq((d.get("status"), d.get("failure")), want, name)
        lines = p.stderr.splitlines()
        hung = [i for i, l in enumerate(lines) if "bloque.pdf' failed (timeout)" in l]
        check_eq(len(hung), 1, "the hung document failed as a timeout once:\n" + p.stderr)
        decided = {l.split("new document '")[1].split("'")[0].rsplit("/", 1)[-1]: i
                   for i, l in enumerate(lines) if "new document '" in l}
        check_eq(sorted(decided), sorted(n for ns in links.values() for n in ns
                                         if n != "bloque.pdf"), "every other document decided")
        # the hung file was fetched first of the documents ...
        reqs = [q["path"] for q in s.requests()]
        docs_fetched = [q for q in reqs if q.startswith("/docs/")]
        check(docs_fetched and docs_fetched[0] == "/docs/bloque.pdf",
              "the hung document is the first fetched: %r" % docs_fetched)
        # ... and every document fetched after it was decided before it ended
        if hung:
            late = [n for n, i in decided.items() if i > hung[0]]
            check_eq(late, [], "documents decided only after the hung converter was killed")
        serial = (len(reqs) - 1) * DELAY_MS / 1000.0 + HUNG_S
        check(took < serial, "the run (%.1f s) is under the serial sum (%.1f s: the crawl's "
              "host delays, then the hung converter)" % (took, serial))
        check_eq(left_in(tmp), [], "no temp file left")
    finally:
        s.close()


def scenario_interrupt(binary):
    s = pw.Scenario(binary, "documents-interrupt")
    try:
        s.start_server()
        config, tmp, _ = setup(s)
        env = dict(os.environ, LC_ALL="C.UTF-8", TMPDIR=tmp)
        env.pop("PREFWATCH_CONFIG", None)
        env.pop("LANGUAGE", None)
        proc = subprocess.Popen([s.bin, "--config", config, "run", "--watchlist", s.watchlist,
                                 "--db", s.db, "--host-delay", str(DELAY_MS), "--verbose"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        # wait until the hung document and a later one were fetched
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            paths = [q["path"] for q in s.requests()]
            if "/docs/bloque.pdf" in paths and "/docs/p1-a.pdf" in paths:
                break
            time.sleep(0.1)
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        try:
            _, err = proc.communicate(timeout=HUNG_S + 30)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
            check(False, "SIGTERM did not stop the run")
        check_eq(proc.returncode, 6, "interrupted run's exit status (stderr: %s)" % err[-2000:])
        check("run interrupted" in err, "the interruption is said:\n" + err[-2000:])
        check_eq(left_in(tmp), [], "no temp file of the interrupted run left")
        n = s.sql("SELECT count(*) FROM snapshots s JOIN pages p ON p.id = s.page_id"
                  " WHERE p.parent_page IS NULL")[0][0]
        check(n >= 1, "the pages decided before the signal are stored (%d)" % n)
    finally:
        s.close()


def main(a):
    scenario_overlap(a.bin)
    scenario_interrupt(a.bin)


if __name__ == "__main__":
    pw.main(main)
