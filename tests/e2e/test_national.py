"""End to end: the national watchlist, from and to a spreadsheet (issue 22).

- `prefwatch import` of a 100-row sheet with 5 bad rows: exit 2, nothing
  written, each bad row named FILE:ROW:COLUMN with its cause, the good rows
  not blamed;
- an import -> export -> import round trip gives the same YAML (and export
  gives the same CSV again), for a sheet using every column, multi-line
  cells, quotes and ';' as the delimiter; the bundled watchlist survives it;
- ODS goes through ssconvert or libreoffice when installed, else a clear
  message;
- `prefwatch coverage --json` counts on a real store (a run on the
  loopback server: pages read, failing, never read, weak matches, offices
  to find, served elsewhere);
- a run stays polite: several pages on one host are fetched one at a time.
"""
import csv
import io
import json
import os
import shutil

import pw

HEADER = ["region", "departement", "departement_name", "office", "name", "kind", "handles_aes",
          "served_by", "status", "page", "url", "verified", "select", "exclude", "ignore",
          "ignore_params", "documents", "max_documents"]


def sheet_rows():
    """99 data rows: offices of 33 départements, 3 rows each."""
    rows = []
    for d in range(1, 34):
        code = "%02d" % d
        region = "Région %d" % (1 + d % 4)
        pref = "%s-prefecture" % code
        rows.append(dict(region=region, departement=code, departement_name="Dép. %s" % code,
                         office=pref, name="Préfecture %s" % code, kind="prefecture",
                         page=pref + "-aes", url="https://www.dep%s.gouv.fr/aes" % code))
        rows.append(dict(office=pref, page=pref + "-rdv",
                         url="https://www.dep%s.gouv.fr/booking/create/%d" % (code, d),
                         verified="false"))
        rows.append(dict(region=region, departement=code, departement_name="Dép. %s" % code,
                         office="%s-sous-prefecture" % code, name="Sous-préfecture %s" % code,
                         kind="sous-prefecture", url=""))
    return rows


def write_sheet(path, rows, delimiter=","):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=delimiter, lineterminator="\n")
        w.writerow(HEADER)
        for r in rows:
            w.writerow([r.get(k, "") for k in HEADER])


def test_bad_rows(s):
    rows = sheet_rows()
    pw.check_eq(len(rows) + 1, 100, "the sheet has 100 rows")
    # five bad rows (sheet row = index + 2: the header is row 1)
    rows[4]["url"] = "ftp://www.dep02.gouv.fr/aes"          # row 6, column 11
    rows[20]["kind"] = "mairie"                              # row 22, column 6
    rows[42]["ignore"] = "(unclosed"                         # row 44, column 15
    rows[60]["departement"] = "2C"                           # row 62, column 2
    rows[89]["office"] = "31-Sous Prefecture"                # row 91, column 4
    path = os.path.join(s.dir, "bad.csv")
    out = os.path.join(s.dir, "bad.yaml")
    write_sheet(path, rows)
    p = s.prefwatch("import", path, "-o", out)
    pw.check_eq(p.returncode, 2, "import of a sheet with bad rows: " + p.stderr)
    pw.check(not os.path.exists(out), "nothing written")
    errs = [l for l in p.stderr.splitlines() if l.startswith(path + ":")]
    where = [tuple(int(x) for x in l[len(path) + 1:].split(":")[:2]) for l in errs]
    pw.check_eq(where, [(6, 11), (22, 6), (44, 15), (62, 2), (91, 4)], "each bad row, in order")
    want = ["unsupported scheme 'ftp'", "bad kind 'mairie'", "bad regex '(unclosed'", "bad departement '2C'",
            "bad id '31-Sous Prefecture'"]
    for line, w in zip(errs, want):
        pw.check(w in line, "cause %r named: %s" % (w, line))
    pw.check("5 errors" in p.stderr, "the count said: " + p.stderr)


def test_round_trip(s):
    rows = sheet_rows()[:9]
    rows[0]["select"] = '//main//div[@class="contenu, principal"]'
    rows[0]["exclude"] = "//nav\n//footer"
    rows[0]["ignore"] = "Vu \\d+ fois\nMis à jour le \\d+/\\d+/\\d+"
    rows[0]["documents"] = "follow"
    rows[0]["max_documents"] = "5"
    rows[0]["ignore_params"] = "xtor\nutm_*"
    rows[2]["handles_aes"] = "false"
    rows[2]["url"] = ""
    rows[5].update(served_by="01-prefecture", url="")
    rows.append(dict(region="Île-de-France", departement="2A", departement_name="Corse-du-Sud",
                     office="2a-ajaccio", name='Préfecture "Ajaccio"; Corse', kind="prefecture",
                     url="https://www.corse-du-sud.gouv.fr/aes?x=1&y=2"))
    first = os.path.join(s.dir, "sheet.csv")
    write_sheet(first, rows, delimiter=";")
    y1 = os.path.join(s.dir, "y1.yaml")
    p = s.prefwatch("import", first, "-o", y1)
    pw.check_eq(p.returncode, 0, "import: " + p.stderr)
    c = s.prefwatch("check", y1)
    pw.check_eq(c.returncode, 0, "the imported YAML passes check: " + c.stderr)
    pw.check("7 offices, 7 pages: ok" in c.stdout, "counts: " + c.stdout)
    e1 = s.prefwatch("export", y1)
    pw.check_eq(e1.returncode, 0, "export: " + e1.stderr)
    c1 = os.path.join(s.dir, "c1.csv")
    with open(c1, "w", encoding="utf-8") as f:
        f.write(e1.stdout)
    pw.check(e1.stdout.startswith(",".join(HEADER) + "\n"), "a header row")
    y2 = s.prefwatch("import", c1)
    pw.check_eq(y2.returncode, 0, "import of the export: " + y2.stderr)
    with open(y1, encoding="utf-8") as f:
        pw.check_eq(y2.stdout, f.read(), "import -> export -> import is identical")
    y2p = os.path.join(s.dir, "y2.yaml")
    with open(y2p, "w", encoding="utf-8") as f:
        f.write(y2.stdout)
    e2 = s.prefwatch("export", y2p)
    pw.check_eq(e2.stdout, e1.stdout, "and its export is the same CSV")
    # what the YAML says
    with open(y1, encoding="utf-8") as f:
        text = f.read()
    for want in ("status: to_find", "verified: false", "served_by: 01-prefecture",
                 "handles_aes: false", "          - \"utm_*\"", "max_documents: 5"):
        pw.check(want in text, "%r in the YAML" % want)
    # a TSV of the same rows gives the same YAML
    tsv = os.path.join(s.dir, "sheet.tsv")
    write_sheet(tsv, rows, delimiter="\t")
    t = s.prefwatch("import", tsv)
    pw.check_eq(t.stdout, text, "TSV import is the CSV import")

    # the bundled national watchlist survives the round trip
    b = s.prefwatch("export", "-o", os.path.join(s.dir, "france.csv"))
    pw.check_eq(b.returncode, 0, "export of the bundled watchlist: " + b.stderr)
    fy = os.path.join(s.dir, "france.yaml")
    i = s.prefwatch("import", os.path.join(s.dir, "france.csv"), "-o", fy)
    pw.check_eq(i.returncode, 0, "import of the national sheet: " + i.stderr)
    c = s.prefwatch("check", fy)
    pw.check("334 offices, 24 pages: ok" in c.stdout, "national counts kept: " + c.stdout)
    with open(os.path.join(s.dir, "france.csv"), encoding="utf-8") as f:
        national = list(csv.DictReader(f))
    codes = {r["departement"] for r in national}
    pw.check_eq(len(codes), 101, "every département in the sheet")
    pw.check(sum(r["status"] == "to_find" for r in national) > 250, "offices to find listed")


def test_ods(s):
    ods = os.path.join(s.dir, "france.ods")
    have = shutil.which("ssconvert") or shutil.which("libreoffice") or shutil.which("soffice")
    e = s.prefwatch("export", "-o", ods, timeout=300)
    if not have:
        pw.check_eq(e.returncode, 6, "export to ODS without a converter")
        pw.check("no ODS converter found" in e.stderr, "said clearly: " + e.stderr)
        with open(ods, "wb") as f:
            f.write(b"PK\x03\x04")
        i = s.prefwatch("import", ods)
        pw.check_eq(i.returncode, 2, "import of ODS without a converter")
        pw.check("no ODS converter found" in i.stderr and "save the sheet as CSV" in i.stderr,
                 "said clearly: " + i.stderr)
        print("skipped: ODS round trip: neither ssconvert nor libreoffice is installed "
              "(the message without them was checked)")
        return
    pw.check_eq(e.returncode, 0, "export to ODS: " + e.stderr)
    i = s.prefwatch("import", ods, timeout=300)
    pw.check_eq(i.returncode, 0, "import of the ODS: " + i.stderr)
    direct = s.prefwatch("export", "-o", os.path.join(s.dir, "direct.csv"))
    j = s.prefwatch("import", os.path.join(s.dir, "direct.csv"))
    pw.check_eq(direct.returncode, 0, "export")
    pw.check_eq(i.stdout, j.stdout, "ODS and CSV give the same YAML")


def office(oid, dep, name, region="Bretagne", **kw):
    o = dict(id=oid, departement=dep, departement_name="Dép " + dep, name=name, region=region)
    o.update(kw)
    return o


def test_coverage(s):
    s.put("/ok.html", pw.page("AES", "<p>Le dossier est envoyé par courrier.</p>"))
    s.put("/weak.html", pw.page("Étrangers", "<p>Accueil des étrangers, toutes démarches.</p>"))
    s.route("/gone.html", {"status": 404, "body": "not found"})
    lines = ["offices:"]

    def add(oid, dep, kind, extra, region="Bretagne"):
        lines.extend(["  - id: " + oid, "    region: " + region, '    departement: "%s"' % dep,
                      "    departement_name: Dép " + dep, "    name: Office " + oid,
                      "    kind: " + kind] + ["    " + e for e in extra])
    add("22-a", "22", "prefecture", ["pages:", "  - url: " + s.url("/ok.html")])
    add("22-b", "22", "sous-prefecture", ["pages:", "  - url: " + s.url("/weak.html"),
                                          "    verified: false"])
    add("22-c", "22", "sous-prefecture", ["status: to_find", "pages: []"])
    add("29-a", "29", "prefecture", ["pages:", "  - url: " + s.url("/gone.html")])
    add("29-b", "29", "sous-prefecture", ["served_by: 29-a"])
    add("29-c", "29", "sous-prefecture", ["handles_aes: false"])
    add("2b-a", "2B", "prefecture", ["pages:", "  - id: 2b-a-1", "    url: " + s.url("/ok.html"),
                                     "  - id: 2b-a-2", "    url: " + s.url("/never.html")],
        region="Corse")
    add("2b-b", "2B", "sous-prefecture", ["status: to_find"], region="Corse")
    with open(s.watchlist, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")

    # no database yet: counted from the watchlist, and none created
    p = s.prefwatch("coverage", "--json", "--watchlist", s.watchlist, "--db", s.db)
    pw.check_eq(p.returncode, 0, "coverage without a database: " + p.stderr)
    pw.check(not os.path.exists(s.db), "coverage creates no database")
    cov = json.loads(p.stdout)
    pw.check_eq(cov["database"], False, "says there is no database")
    pw.check_eq(cov["total"]["never_read"], 5, "every page never read")

    p, _ = s.run("--only", "22-a", "--only", "22-b", "--only", "29-a", "--only", "2b-a-1")
    pw.check_eq(p.returncode, 1, "the run reads all but the 404: " + p.stderr)
    p = s.prefwatch("coverage", "--json", "--watchlist", s.watchlist, "--db", s.db)
    pw.check_eq(p.returncode, 0, "coverage: " + p.stderr)
    cov = json.loads(p.stdout)
    keys = ["offices", "watched", "verified", "unverified", "failing", "never_read", "to_find",
            "not_handled"]
    counts = lambda g: [g[k] for k in keys]
    pw.check_eq(counts(cov["total"]), [8, 4, 3, 1, 1, 1, 2, 2], "totals")
    regions = {r["region"]: r for r in cov["regions"]}
    pw.check_eq(sorted(regions), ["Bretagne", "Corse"], "régions")
    deps = {d["code"]: d for r in cov["regions"] for d in r["departements"]}
    pw.check_eq(counts(deps["22"]), [3, 2, 1, 1, 0, 0, 1, 0], "Côtes-d'Armor")
    pw.check_eq(counts(deps["29"]), [3, 1, 1, 0, 1, 0, 0, 2], "Finistère")
    pw.check_eq(counts(deps["2B"]), [2, 1, 1, 0, 0, 1, 1, 0], "Haute-Corse")
    pw.check_eq(counts(regions["Bretagne"]), [6, 3, 2, 1, 1, 0, 1, 2], "Bretagne")
    pw.check_eq(deps["2B"]["name"], "Dép 2B", "département names")
    t = s.prefwatch("coverage", "--watchlist", s.watchlist, "--db", s.db)
    pw.check_eq(t.returncode, 0, "text coverage")
    pw.check("à trouver" in t.stdout and "  2B Dép 2B" in t.stdout, "French table: " + t.stdout)
    pw.check("8 administrations, 4 surveillées, 2 à trouver" in t.stdout, "headline: " + t.stdout)


def test_polite(s):
    """Eight pages on one host, each answered in 0.2 s: one at a time, over
    one connection, whatever --jobs says."""
    n = 8
    offices = []
    for i in range(n):
        s.put("/p%d.html" % i, pw.page("AES %d" % i, "<p>Texte %d de la procédure.</p>" % i))
        s.route("/p%d.html" % i, {"file": "p%d.html" % i, "delay": 0.2})
        offices.append(dict(id="35-o%d" % i, name="Office %d" % i,
                            pages=[dict(url=s.url("/p%d.html" % i))]))
    s.write_watchlist(offices)
    before = len(s.requests())
    p = s.prefwatch("run", "--watchlist", s.watchlist, "--db", s.db + "-polite", "--jobs", "8",
                    "--host-delay", "100", "--json", os.path.join(s.dir, "polite.json"))
    pw.check_eq(p.returncode, 0, "polite run: " + p.stderr)
    reqs = [r for r in s.requests()[before:] if r["path"].startswith("/p")]
    pw.check_eq(len(reqs), n, "each page fetched once")
    ts = sorted(r["t"] for r in reqs)
    gaps = [b - a for a, b in zip(ts, ts[1:])]
    # a request arrives only once the previous answer (0.2 s) is in: with
    # two connections they came 0.1 s apart (the host delay alone)
    pw.check(min(gaps) >= 0.19, "one request at a time: gaps %r" % gaps)
    pw.check_eq(len({r["conn"] for r in reqs}), 1, "one kept-alive connection")


def main(a):
    s = pw.Scenario(a.bin, "national")
    try:
        s.start_server()
        test_bad_rows(s)
        test_round_trip(s)
        test_ods(s)
        test_coverage(s)
        test_polite(s)
    finally:
        s.close()


if __name__ == "__main__":
    pw.main(main)
