"""End to end: `prefwatch reextract` re-extracts a page's whole history.

Five nights, five versions of a page (each a real change). The editor then
narrows the page's rule. `reextract` stores the five snapshots again under
the new rule, as a new series beside the old one: five comparable texts,
none holding what the new rule leaves out, each with its original dates.
The next run then reports nothing for that page.
"""
import pw

INTRO = "<div class='intro'><p>Bandeau d'information : fermeture le 14 juillet.</p></div>"


def body(v):
    return INTRO + ("<div class='procedure'><p>Version %d : la demande se fait par voie postale.</p>"
                    "<p>Préfecture de l'Aisne<br>%d rue Paul Doumer<br>02000 LAON</p></div>" % (v, v))


def main(a):
    s = pw.Scenario(a.bin, "reextract")
    try:
        s.start_server()
        office = {"id": "02-laon", "name": "Préfecture de Laon", "pages": [{"url": s.url("/p.html")}]}
        s.write_watchlist([office])
        for v in range(1, 6):
            s.put("/p.html", pw.page("AES", body(v)))
            p, r = s.run()
            pw.check_eq(r["pages"][0]["status"], "new" if v == 1 else "changed", "night %d" % v)
        old = s.sql("select id, rules_fp, first_seen, text from snapshots order by id")
        pw.check_eq(len(old), 5, "five snapshots before")
        pw.check(all("Bandeau" in t for _, _, _, t in old), "old texts hold the banner")

        office["pages"][0]["select"] = "//div[@class='procedure']"
        s.write_watchlist([office])
        p = s.prefwatch("reextract", "--watchlist", s.watchlist, "--db", s.db)
        pw.check_eq(p.returncode, 0, "reextract exit: " + p.stderr)
        pw.check("5 snapshots re-extracted" in p.stdout, "reextract says what it did: " + p.stdout)

        rows = s.sql("select id, rules_fp, first_seen, text from snapshots order by first_seen, id")
        old_fp = old[0][1]
        new = [r for r in rows if r[1] != old_fp]
        pw.check_eq(len(new), 5, "five re-extracted snapshots")
        pw.check_eq(len([r for r in rows if r[1] == old_fp]), 5, "the old series is kept")
        pw.check(all("Bandeau" not in r[3] for r in new), "new texts follow the new rule")
        for v in range(1, 6):
            pw.check(any("Version %d " % v in r[3] for r in new), "version %d re-extracted" % v)
        pw.check_eq(sorted(r[2] for r in new), sorted(r[2] for r in old), "original dates kept")

        cur = s.sql("select s.text from pages p join snapshots s on s.id = p.current_snapshot")[0][0]
        pw.check("Version 5" in cur and "Bandeau" not in cur, "current snapshot is the re-extracted latest")

        again = s.prefwatch("reextract", "--watchlist", s.watchlist, "--db", s.db)
        pw.check("nothing to re-extract" in again.stdout, "second reextract is a no-op: " + again.stdout)

        p, r = s.run()
        pw.check_eq(r["pages"][0]["status"], "unchanged", "next run: no alert")
        pw.check_eq(p.stdout, "", "next run prints nothing")

        bad = s.prefwatch("reextract", "nope", "--watchlist", s.watchlist, "--db", s.db)
        pw.check_eq(bad.returncode, 2, "unknown page id is a usage error")
    finally:
        s.close()


if __name__ == "__main__":
    pw.main(main)
