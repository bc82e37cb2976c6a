"""End to end: the nightly run over a loopback site, three nights.

Night 1: every page is new. Night 2: nothing changed. Night 3: one page's
procedure really changed, another page only got a new date stamp and new
chrome noise, a third page is gone (404): exactly one change, with the right
diff, the stamp-only page unchanged, the 404 page failed with its old
snapshot intact.
"""
import pw

LAON_V1 = """<p>Désormais, vous devez transmettre votre première demande de titre de séjour
« admission exceptionnelle au séjour », <strong>par courrier postal</strong>.</p>
<p>Vous devez transmettre votre dossier à l'adresse suivante :</p>
<p>Préfecture de l'Aisne<br>DCL / bureau de la nationalité / AES<br>2 Rue Paul Doumer<br>BP 20104<br>02000 LAON</p>"""

LAON_V2 = LAON_V1.replace("2 Rue Paul Doumer", "4 Rue Paul Doumer")

LILLE = """<h2>Composition du dossier</h2>
<p>Le dossier avec l'ensemble des pièces doit être adressé par courrier recommandé.</p>
<ul><li>une lettre de motivation</li><li>la liste de pièces</li></ul>"""

BEAUVAIS = """<p>Transmettez votre dossier par voie postale à l'adresse :</p>
<p>Préfecture de l'Oise<br>1, place de la préfecture<br>60000 BEAUVAIS</p>"""


def main(a):
    s = pw.Scenario(a.bin, "run")
    try:
        s.start_server()
        s.put("/laon.html", pw.page("Admission exceptionnelle au séjour", LAON_V1))
        s.put("/lille.html", pw.page("Admission exceptionnelle au séjour", LILLE))
        s.put("/beauvais.html", pw.page("Admission exceptionnelle au séjour", BEAUVAIS))
        s.write_watchlist([
            {"id": "02-laon", "name": "Préfecture de Laon", "pages": [{"url": s.url("/laon.html")}]},
            {"id": "59-lille", "name": "Préfecture de Lille", "departement": "59",
             "departement_name": "Nord", "pages": [{"url": s.url("/lille.html")}]},
            {"id": "60-beauvais", "name": "Préfecture de Beauvais", "departement": "60",
             "departement_name": "Oise", "pages": [{"url": s.url("/beauvais.html")}]},
            # the guide's entry for Château-Thierry is Laon's procedure
            {"id": "02-chateau-thierry", "name": "Sous-préfecture de Château-Thierry",
             "kind": "sous-prefecture", "served_by": "02-laon"},
        ])

        # night 1: all new
        p, r = s.run()
        pw.check(r is not None, "night 1 wrote a JSON report (stderr: %s)" % p.stderr)
        if r is None:
            return
        pw.check_eq(p.returncode, 0, "night 1 exit status")
        pw.check_eq(r["format"], "prefwatch-report/1", "report format")
        statuses = {pg["id"]: pg["status"] for pg in r["pages"]}
        pw.check_eq(statuses, {"02-laon": "new", "59-lille": "new", "60-beauvais": "new"},
                    "night 1 statuses")
        laon = [pg for pg in r["pages"] if pg["id"] == "02-laon"][0]
        pw.check("2 Rue Paul Doumer" in laon.get("text", ""), "night 1 text holds the address")
        pw.check("Plan du site" not in laon.get("text", ""), "footer is not procedure text")
        pw.check("cookies" not in laon.get("text", ""), "cookie banner is not procedure text")
        pw.check_eq(r["run"]["new"], 3, "run.new")
        pw.check("Laon" in p.stdout, "night 1 prints a report on stdout (new pages)")

        # night 2: nothing changed; nothing printed, so cron mails nothing
        p, r = s.run()
        pw.check_eq(p.returncode, 0, "night 2 exit status")
        pw.check_eq({pg["id"]: pg["status"] for pg in r["pages"]},
                    {"02-laon": "unchanged", "59-lille": "unchanged", "60-beauvais": "unchanged"},
                    "night 2 statuses")
        pw.check_eq(p.stdout, "", "night 2 prints nothing")

        snaps_before = s.sql("select count(*) from snapshots")[0][0]

        # night 3: Laon's address changes; Lille's stamp and chrome change; Beauvais is gone
        s.put("/laon.html", pw.page("Admission exceptionnelle au séjour", LAON_V2))
        s.put("/lille.html", pw.page("Admission exceptionnelle au séjour", LILLE,
                                     stamp="Mis à jour le 27/11/2026", chrome_noise="token-8f3a2",
                                     menu=["Démarches", "Actualités", "Services de l'État"]))
        s.route("/beauvais.html", {"status": 404, "body": "<html><body><h1>Page introuvable</h1></body></html>"})
        p, r = s.run()
        pw.check_eq(p.returncode, 1, "night 3 exit status (a page failed)")
        st = {pg["id"]: pg for pg in r["pages"]}
        pw.check_eq(st["02-laon"]["status"], "changed", "Laon changed")
        pw.check_eq(st["59-lille"]["status"], "unchanged", "Lille: stamp and chrome only")
        pw.check_eq(st["60-beauvais"]["status"], "failed", "Beauvais failed")
        pw.check_eq(st["60-beauvais"].get("failure"), "not_found", "Beauvais failure kind")
        pw.check_eq(st["60-beauvais"].get("http_status"), 404, "Beauvais HTTP status")
        pw.check_eq(r["run"]["changed"], 1, "exactly one change")
        diff = st["02-laon"].get("change", {}).get("diff", "")
        pw.check("-2 Rue Paul Doumer" in diff or "2 Rue Paul Doumer" in diff, "diff shows the old address")
        pw.check("+4 Rue Paul Doumer" in diff or "4 Rue Paul Doumer" in diff, "diff shows the new address")
        pw.check(diff.count("\n+") <= 3, "diff is small: %r" % diff)
        pw.check("Laon" in p.stdout and "Beauvais" in p.stdout, "night 3 report names both")
        pw.check_eq(st["02-laon"].get("also_for"), ["02-chateau-thierry"], "Laon's change concerns Château-Thierry too")
        pw.check("also_for" not in st["59-lille"], "no also_for where no office is served")
        pw.check("Concerne aussi : Sous-préfecture de Château-Thierry (même procédure)." in p.stdout,
                 "the text report says whom else the change concerns: " + p.stdout)

        # the failed page's old snapshot is intact
        snaps_after = s.sql("select count(*) from snapshots")[0][0]
        pw.check_eq(snaps_after, snaps_before + 1, "one new snapshot (Laon's)")
        h = s.prefwatch("history", "60-beauvais", "--db", s.db)
        pw.check("snapshot" in h.stdout and "failing" in h.stdout, "history keeps Beauvais: " + h.stdout + h.stderr)

        # night 4: Beauvais is back unchanged: compared against its old snapshot
        s.route("/beauvais.html", None)
        p, r = s.run()
        st = {pg["id"]: pg for pg in r["pages"]}
        pw.check_eq(st["60-beauvais"]["status"], "unchanged", "Beauvais back, unchanged")
        pw.check_eq(st["02-laon"]["status"], "unchanged", "Laon unchanged after its change")
        # the editors were told Beauvais was gone: they are told it is back,
        # and nothing else (Laon's change was reported once)
        pw.check("De nouveau accessibles (1)" in p.stdout and "Beauvais" in p.stdout,
                 "night 4 announces Beauvais is back: " + p.stdout)
        pw.check("Laon" not in p.stdout and "Modification" not in p.stdout,
                 "night 4 reports no change: " + p.stdout)
        pw.check_eq(r["run"].get("recovered"), 1, "run.recovered")
        pw.check("failing_since" in st["60-beauvais"].get("recovered", {}), "recovered.failing_since")

        # night 5: said once
        p, r = s.run()
        pw.check_eq(p.stdout, "", "night 5 prints nothing")
    finally:
        s.close()


if __name__ == "__main__":
    pw.main(main)
