"""End to end: a bad watchlist stops everything before any fetch.

`prefwatch check` and `prefwatch run` on a watchlist with several errors
print every error as FILE:LINE:COLUMN: message, exit with status 2, and the
test server sees no request; the database is not created. The bundled
watchlists pass `check`.
"""
import os

import pw

BAD = """offices:
  - id: 02-laon
    region: Hauts-de-France
    departement: "02"
    departement_name: Aisne
    name: Préfecture de Laon
    kind: prefecture
    colour: blue
    pages:
      - url: %s
        select: "//div[@class="
  - id: 02-laon
    region: Hauts-de-France
    departement: "02"
    departement_name: Aisne
    name: Doublon
    kind: prefecture
    pages:
      - url: ftp://example.org/x
        ignore: ['(unclosed']
"""


def main(a):
    s = pw.Scenario(a.bin, "check")
    try:
        s.start_server()
        s.put("/p.html", pw.page("AES", "<p>texte</p>"))
        with open(s.watchlist, "w", encoding="utf-8") as f:
            f.write(BAD % s.url("/p.html"))
        for argv in (["check", s.watchlist],
                     ["run", "--watchlist", s.watchlist, "--db", s.db]):
            p = s.prefwatch(*argv)
            pw.check_eq(p.returncode, 2, "%s exit status" % argv[0])
            errs = [l for l in p.stderr.splitlines() if l.startswith(s.watchlist + ":")]
            pw.check(len(errs) >= 5, "%s reports every error at once: %r" % (argv[0], p.stderr))
            locs = {tuple(l.split(":")[1:3]) for l in errs}
            pw.check(("8", "5") in locs, "unknown key located at 8:5: %r" % errs)
            pw.check(any(l[0] == "12" for l in locs), "duplicate id on line 12: %r" % errs)
            pw.check(any(l[0] == "19" for l in locs), "ftp scheme on line 19: %r" % errs)
            pw.check(any(l[0] == "20" for l in locs), "bad regex on line 20: %r" % errs)
            pw.check(any(l[0] == "11" for l in locs), "bad XPath on line 11: %r" % errs)
        pw.check_eq(s.requests(), [], "nothing was fetched")
        pw.check(not os.path.exists(s.db), "no database was created")

        ok = s.prefwatch("check")
        pw.check_eq(ok.returncode, 0, "bundled watchlists pass: " + ok.stderr)
        pw.check("ok" in ok.stdout, "check says ok: " + ok.stdout)
    finally:
        s.close()


if __name__ == "__main__":
    pw.main(main)
