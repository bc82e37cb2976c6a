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
    shared_rules(a)


def shared_rules(a):
    """Pages with the same rules share one compiled set; each page still
    gets exactly its own rules (select, exclude, ignore) in one run."""
    s = pw.Scenario(a.bin, "rules-shared")
    try:
        s.start_server()
        s.put("/p.html", pw.page("AES", BODY + "<p>Réf. 2026-118 : dossier</p>"))
        pages = [
            {"id": "02-laon-a", "url": s.url("/p.html?a")},
            {"id": "02-laon-b", "url": s.url("/p.html?b")},
            {"id": "02-laon-c", "url": s.url("/p.html?c"), "select": "//div[@class='procedure']"},
            {"id": "02-laon-d", "url": s.url("/p.html?d"), "select": "//div[@class='procedure']"},
            {"id": "02-laon-e", "url": s.url("/p.html?e"), "select": "//div[@class='procedure']",
             "exclude": ["//p[contains(., 'voie')]"]},
            {"id": "02-laon-f", "url": s.url("/p.html?f"), "ignore": ["dossier"]},
        ]
        office = {"id": "02-laon", "name": "Préfecture de Laon", "pages": pages}
        s.write_watchlist([office], defaults={"ignore": ["Réf\\. \\d{4}-\\d+ : "]})
        p, r = s.run()
        pw.check(r is not None, "the run wrote its report: " + p.stderr)
        texts = [pg.get("text", "") for pg in r["pages"]]
        pw.check_eq(len(texts), 6, "six pages")
        for t in texts:
            pw.check("Réf." not in t, "the defaults' ignore applies to every page: " + t)
        pw.check("Avis" in texts[0] and "Avis" in texts[1], "no select: the whole page")
        pw.check_eq(texts[0], texts[1], "same rules, same text")
        pw.check("Avis" not in texts[2] and "voie postale" in texts[2], "select applies: " + texts[2])
        pw.check_eq(texts[2], texts[3], "same select, same text")
        pw.check("voie postale" not in texts[4] and "LAON" in texts[4], "exclude applies: " + texts[4])
        pw.check("dossier" in texts[0] and "dossier" not in texts[5], "own ignore applies: " + texts[5])
    finally:
        s.close()


if __name__ == "__main__":
    pw.main(main)
