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
    finally:
        s.close()


if __name__ == "__main__":
    pw.main(main)
