"""End to end: broken and moved pages are reported as such, never as changes.

- A permanent redirect to a page still holding the text is not a failure:
  the page is compared as usual and the report says once that the official
  address changed; the next night it is quiet.
- A redirect to the site's home page is `moved`, listed at once.
- A 500 for one night is a blip: counted, not listed; listed the second
  night (failure_threshold 2), with "depuis le".
- Neither kind replaces the stored snapshot.
"""
import pw

TEXT = "<p>La demande se fait par voie postale.</p><p>Préfecture de l'Oise<br>1 place de la préfecture<br>60000 BEAUVAIS</p>"
HOME = "<p>Bienvenue sur le site de la préfecture.</p>"


def main(a):
    s = pw.Scenario(a.bin, "failures")
    try:
        s.start_server()
        s.put("/Demarches-administratives/aes.html", pw.page("AES", TEXT))
        s.put("/Demarches/aes.html", pw.page("AES", TEXT))
        s.put("/index.html", pw.page("Accueil", HOME))
        s.put("/flaky.html", pw.page("AES", TEXT.replace("Oise", "Somme")))
        s.put("/gone.html", pw.page("AES", TEXT.replace("Oise", "Aisne")))
        s.write_watchlist([
            {"id": "60-beauvais", "name": "Préfecture de Beauvais", "departement": "60",
             "departement_name": "Oise", "pages": [{"url": s.url("/Demarches-administratives/aes.html")}]},
            {"id": "80-amiens", "name": "Préfecture d'Amiens", "departement": "80",
             "departement_name": "Somme", "pages": [{"url": s.url("/flaky.html")}]},
            {"id": "02-laon", "name": "Préfecture de Laon", "pages": [{"url": s.url("/gone.html")}]},
        ])
        p, r = s.run()
        pw.check_eq(r["run"]["new"], 3, "baseline")

        # the site reorganises: /Demarches-administratives/ -> /Demarches/ (301)
        s.route("/Demarches-administratives/aes.html", {"status": 301, "redirect": "/Demarches/aes.html"})
        s.route("/flaky.html", {"status": 500})
        s.route("/gone.html", {"status": 302, "redirect": "/index.html"})
        p, r = s.run()
        st = {pg["id"]: pg for pg in r["pages"]}
        pw.check_eq(st["60-beauvais"]["status"], "unchanged", "301 to the same text is not a failure")
        pw.check(st["60-beauvais"].get("url_moved"), "url_moved flagged")
        pw.check("/Demarches/aes.html" in (st["60-beauvais"].get("final_url") or ""), "final URL recorded")
        pw.check("/Demarches/aes.html" in p.stdout, "report names the new address: " + p.stdout)
        pw.check_eq(st["02-laon"]["status"], "failed", "redirect to home fails")
        pw.check_eq(st["02-laon"].get("failure"), "moved", "it is 'moved'")
        pw.check(st["02-laon"].get("listed"), "moved is listed at once")
        pw.check_eq(st["80-amiens"].get("failure"), "http_error", "500 after retries")
        pw.check(not st["80-amiens"].get("listed"), "a one-night blip is not listed")
        pw.check_eq(r["run"]["changed"], 0, "nothing reported as a change")

        p, r = s.run()
        st = {pg["id"]: pg for pg in r["pages"]}
        pw.check(not st["60-beauvais"].get("url_moved"), "the new address is said once")
        pw.check_eq(st["80-amiens"].get("fail_count"), 2, "streak counted")
        pw.check(st["80-amiens"].get("listed"), "listed on the second night")
        pw.check("Amiens" in p.stdout, "second night lists Amiens: " + p.stdout)
        pw.check("depuis le" in p.stdout, "with since when")

        # back to normal: compared with the snapshot kept through the failures
        s.route("/flaky.html", None)
        s.route("/gone.html", None)
        p, r = s.run()
        st = {pg["id"]: pg for pg in r["pages"]}
        pw.check_eq(st["80-amiens"]["status"], "unchanged", "Amiens back, unchanged")
        pw.check_eq(st["02-laon"]["status"], "unchanged", "Laon back, unchanged")
        pw.check_eq(s.sql("select count(*) from changes")[0][0], 0, "no change was ever recorded")
    finally:
        s.close()


if __name__ == "__main__":
    pw.main(main)
