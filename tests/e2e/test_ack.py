"""Acknowledged failures and recoveries, through the real binary.

  night 1  two pages new;
  night 2  Dunkerque answers 404: listed at once;
  `prefwatch ack 59-dunkerque`: the editors know;
  night 3  still 404: not listed again (a count line, and in the JSON),
           nothing printed for it, exit status still 1;
  night 4  now a timeout: another kind of failure, listed again;
  night 5  it reads again, unchanged: « De nouveau accessible depuis le … »;
  night 6  said once.
`ack` refuses a page that is not failing, and an unknown page, writing
nothing. The weekly reminder is a rule of the engine (tests/judge).
"""
import pw
from pw import check, check_eq

BODY = """<p>Le dossier complet doit être envoyé par courrier à la Sous-Préfecture :</p>
<p>Sous Préfecture<br>Bureau des Etrangers<br>27 rue Thiers<br>CS 56535<br>59140 DUNKERQUE</p>"""
LILLE = """<p>Le dossier doit être adressé par courrier recommandé :</p>
<p>Préfecture du Nord<br>12 rue Jean sans Peur<br>59000 LILLE</p>"""


def main(a):
    s = pw.Scenario(a.bin, "ack")
    try:
        s.start_server()
        s.put("/dk.html", pw.page("Admission exceptionnelle au séjour", BODY))
        s.put("/lille.html", pw.page("Admission exceptionnelle au séjour", LILLE))
        s.write_watchlist([
            {"id": "59-dunkerque", "name": "Sous-préfecture de Dunkerque", "kind": "sous-prefecture",
             "departement": "59", "departement_name": "Nord", "pages": [{"url": s.url("/dk.html")}]},
            {"id": "59-lille", "name": "Préfecture de Lille", "departement": "59",
             "departement_name": "Nord", "pages": [{"url": s.url("/lille.html")}]},
        ])
        p, r = s.run()
        check_eq(r["run"]["new"], 2, "night 1: two new pages")

        # ack refuses a page that reads fine, and an unknown one
        q = s.prefwatch("ack", "59-lille", "--db", s.db)
        check_eq(q.returncode, 2, "ack of a page that is not failing: " + q.stderr)
        check("not failing" in q.stderr, "says why: " + q.stderr)
        q = s.prefwatch("ack", "--failure", "59-nulle-part", "--db", s.db)
        check_eq(q.returncode, 2, "ack of an unknown page: " + q.stderr)

        s.route("/dk.html", {"status": 404, "body": "<html><body><h1>404</h1></body></html>"})
        p, r = s.run()
        dk = {pg["id"]: pg for pg in r["pages"]}["59-dunkerque"]
        check(dk.get("listed"), "night 2: the 404 is listed at once")
        check("Dunkerque" in p.stdout, "night 2 names Dunkerque")

        q = s.prefwatch("ack", "59-dunkerque", "--note", "page retirée, on cherche la nouvelle",
                        "--by", "claire", "--db", s.db)
        check_eq(q.returncode, 0, "ack 59-dunkerque: " + q.stderr)
        check_eq(s.sql("SELECT ack_failure, ack_by, ack_note FROM pages WHERE id = '59-dunkerque'"),
                 [("not_found", "claire", "page retirée, on cherche la nouvelle")], "acknowledgement stored")

        p, r = s.run()
        dk = {pg["id"]: pg for pg in r["pages"]}["59-dunkerque"]
        check_eq(dk["status"], "failed", "night 3: still failing")
        check(not dk.get("listed"), "night 3: acknowledged, not listed")
        check(dk.get("acknowledged") and not dk.get("reminder"), "JSON says acknowledged, no reminder yet")
        check_eq(r["run"].get("failed_acknowledged"), 1, "run.failed_acknowledged")
        check_eq(p.returncode, 1, "night 3 exit status still says a page failed")
        check("Dunkerque" not in p.stdout, "night 3 does not detail Dunkerque: " + p.stdout)

        s.route("/dk.html", {"status": 503})
        p, r = s.run()
        dk = {pg["id"]: pg for pg in r["pages"]}["59-dunkerque"]
        check_eq(dk.get("failure"), "http_error", "night 4: another kind")
        check(dk.get("listed"), "night 4: another kind is listed again (streak of 3)")
        check(not dk.get("acknowledged"), "the acknowledgement ended")
        check("Dunkerque" in p.stdout, "night 4 names Dunkerque again")

        s.route("/dk.html", None)
        p, r = s.run()
        dk = {pg["id"]: pg for pg in r["pages"]}["59-dunkerque"]
        check_eq(dk["status"], "unchanged", "night 5: back, same text")
        check("failing_since" in dk.get("recovered", {}), "JSON recovered")
        text = " ".join(p.stdout.split())
        check("De nouveau accessibles (1)" in text and "De nouveau accessible depuis le" in text,
              "night 5 announces the recovery: " + p.stdout)
        check("page de nouveau accessible" in text, "in the headline")

        p, r = s.run()
        check_eq(p.stdout, "", "night 6: said once")
    finally:
        s.close()


if __name__ == "__main__":
    pw.main(main)
