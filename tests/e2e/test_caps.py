"""Caps as contracts: a page whose procedure text reaches the 8 MiB cap is
a failure (too_large), never a change diffed against a cut text, and its
last good snapshot stays."""
import pw
from pw import check, check_eq

BODY = "<p>Le dossier est à envoyer par courrier à la préfecture.</p>"


def main(a):
    s = pw.Scenario(a.bin, "caps")
    try:
        s.start_server()
        s.put("/p.html", pw.page("Admission exceptionnelle au séjour", BODY))
        s.write_watchlist([{"id": "02-laon", "name": "Préfecture de Laon",
                            "pages": [{"url": s.url("/p.html")}]}])
        p, r = s.run()
        check_eq(r["run"]["new"], 1, "night 1: new")
        line = "<p>Vous devez justifier de cinq ans de présence en France, ligne %d.</p>\n"
        huge = "".join(line % i for i in range(9 * 1024 * 1024 // 70))
        s.put("/p.html", pw.page("Admission exceptionnelle au séjour", BODY + huge))
        p, r = s.run()
        pg = r["pages"][0]
        check_eq(pg["status"], "failed", "night 2: a cut text is not compared")
        check_eq(pg.get("failure"), "too_large", "named too_large")
        check_eq(r["run"]["changed"], 0, "no change reported")
        check_eq(s.sql("SELECT count(*) FROM snapshots")[0][0], 1, "the good snapshot stays alone")
        # said as a cut text, in the editors' words, not as a change
        check("Texte tronqué : la page dépasse 8 Mio ; comparaison suspendue" in p.stdout,
              "night 2: the text report says the text is cut:\n" + p.stdout)
        check("Modifications" not in p.stdout and "Ancien" not in p.stdout,
              "night 2: no change of procedure in the text report:\n" + p.stdout)
        check_eq(pg.get("error"), "text truncated: the procedure text is over 8 MiB",
                 "night 2: the error names the cut")
        # night 3: the page is back to its normal size, and to the text stored
        s.put("/p.html", pw.page("Admission exceptionnelle au séjour", BODY))
        p, r = s.run()
        pg = r["pages"][0]
        check_eq(r["run"]["changed"], 0, "night 3: no change reported")
        check(pg["status"] in ("unchanged", "recovered"), "night 3: status %r" % pg["status"])
        check("Texte tronqué" not in p.stdout, "night 3: no longer said cut:\n" + p.stdout)
        check_eq(s.sql("SELECT count(*) FROM changes")[0][0], 0, "night 3: no change stored")
    finally:
        s.close()


if __name__ == "__main__":
    pw.main(main)
