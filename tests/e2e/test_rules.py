"""End to end: a rule change is not a page change (re-extraction baseline).

Changing a page's `select`/`exclude`/`ignore` between two runs of an
unchanged page reports nothing (a quiet "rules changed" note); changing the
rule and the page together reports exactly the page's change.
"""
import pw

BODY = """<div class="intro"><p>Avis : le guichet est fermé le 14 juillet.</p></div>
<div class="procedure"><p>La demande se fait par voie postale.</p>
<p>Préfecture de l'Aisne<br>2 rue Paul Doumer<br>02000 LAON</p></div>"""


def main(a):
    s = pw.Scenario(a.bin, "rules")
    try:
        s.start_server()
        s.put("/p.html", pw.page("AES", BODY))
        office = {"id": "02-laon", "name": "Préfecture de Laon", "pages": [{"url": s.url("/p.html")}]}
        s.write_watchlist([office])
        p, r = s.run()
        pw.check_eq(r["pages"][0]["status"], "new", "first run")

        # the editor narrows the selection: same page, other rules
        office["pages"][0]["select"] = "//div[@class='procedure']"
        s.write_watchlist([office])
        p, r = s.run()
        pw.check_eq(r["pages"][0]["status"], "unchanged", "rule change alone is no change")
        pw.check_eq(r["run"]["changed"], 0, "no change counted")
        pw.check("aucune alerte" in p.stdout or p.stdout == "", "at most a quiet note: " + p.stdout)

        # rule and page change together: only the page's change is reported
        office["pages"][0]["exclude"] = ["//p[contains(., 'Avis')]"]
        s.write_watchlist([office])
        s.put("/p.html", pw.page("AES", BODY.replace("voie postale", "voie dématérialisée")))
        p, r = s.run()
        pg = r["pages"][0]
        pw.check_eq(pg["status"], "changed", "page change reported")
        diff = pg.get("change", {}).get("diff", "")
        pw.check("voie postale" in diff and "voie dématérialisée" in diff, "diff is the page's change: " + diff)
        pw.check("Avis" not in diff and "juillet" not in diff, "the rule's effect is not in the diff")
    finally:
        s.close()


if __name__ == "__main__":
    pw.main(main)
