"""Pages stale against the law, through the real binary (issue 14).

Four pages under a table of legal events (a copy of the bundled
laws.yaml, so that editing the bundled table does not change this test):

  60-beauvais  the Oise-like page: stamped 02/03/2023, the 2012 criteria
               (« 5 ans de présence » with « 8 mois d'activité sur les 24
               derniers mois ») -> flagged;
  95-cergy     stamped 10/02/2025, cites the circular of 23 January 2025
               -> not flagged;
  02-laon      stamped 05/06/2022, none of the signs -> not flagged;
  93-bobigny   no stamp, cites « la circulaire VALLS » as in force
               -> flagged, « page non datée ».

  night 1  both flags listed once: « Pages antérieures à la loi (2) », JSON
           stale_law;
  night 2  nothing new: not listed, nothing printed;
  night 3  a week later (the flags' last report moved back 8 days in the
           database: the binary has no test clock): listed again, as the
           weekly reminder;
  night 4  the table changes (the 2012 criteria are no longer signs): the
           Oise page is judged again and its flag goes, silently; Bobigny's
           stays, not listed again;
  night 5  the table gains an event whose sign the Laon page shows: a new
           flag, listed that night;
  night 6  Bobigny's page changes to cite the new circular: its text is
           judged again and its flag goes.
`show` and `history` say a page's flags; a table with errors stops the
run before anything is fetched, naming file, line and cause.
"""
import os
import shutil
import sqlite3

import pw
from pw import check, check_eq

HERE = os.path.dirname(os.path.abspath(__file__))
OISE = os.path.join(HERE, "fixtures", "oise-aes-2023.html")
BUNDLED = os.path.join(HERE, "..", "..", "watchlist", "laws.yaml")

CERGY = """<p>Depuis la circulaire du 23 janvier 2025, l'admission exceptionnelle au séjour
demande 7 ans de présence en France.</p>
<p>Le dossier est à déposer en ligne sur le site de l'ANEF.</p>"""
LAON = """<p>Le dossier complet doit être envoyé par courrier recommandé à la Préfecture de
l'Aisne, 2 rue Paul Doumer, 02000 LAON.</p>
<p>Pièces à fournir : passeport, justificatif de domicile, formulaire CERFA n° 15186*03.</p>"""
BOBIGNY = """<p>Les critères sont ceux de la circulaire   VALLS : consultez la liste des pièces.</p>
<p>Le dossier est à envoyer par courrier à la Préfecture de la Seine-Saint-Denis,
1 esplanade Jean Moulin, 93000 BOBIGNY.</p>"""
BOBIGNY_NEW = """<p>Les critères sont ceux de la circulaire du 23/01/2025 (qui remplace la
circulaire Valls) : consultez la liste des pièces.</p>
<p>Le dossier est à envoyer par courrier à la Préfecture de la Seine-Saint-Denis,
1 esplanade Jean Moulin, 93000 BOBIGNY.</p>"""

EXTRA_EVENT = """
  - date: 2024-01-01
    name: formulaire de demande d'autorisation de travail remplacé
    title: le formulaire de 2024
    replaces:
      name: CERFA 15186*03
      date: 2019-01-01
    signs:
      - justificatif de domicile
"""


def stale(report):
    return {p["id"]: p["stale_law"] for p in report["pages"] if p.get("stale_law")}


def main(a):
    s = pw.Scenario(a.bin, "law")
    try:
        s.start_server()
        with open(OISE, encoding="utf-8") as f:
            s.put("/oise.html", f.read())
        s.put("/cergy.html", pw.page("Admission exceptionnelle au séjour", CERGY,
                                     stamp="Mis à jour le 10/02/2025"))
        s.put("/laon.html", pw.page("Admission exceptionnelle au séjour", LAON,
                                    stamp="Mis à jour le 05/06/2022"))
        s.put("/bobigny.html", pw.page("Admission exceptionnelle au séjour", BOBIGNY, stamp=""))
        s.write_watchlist([
            {"id": "60-beauvais", "name": "Préfecture de l'Oise", "departement": "60",
             "departement_name": "Oise", "pages": [{"url": s.url("/oise.html")}]},
            {"id": "95-cergy", "name": "Préfecture du Val-d'Oise", "departement": "95",
             "departement_name": "Val-d'Oise", "region": "Île-de-France",
             "pages": [{"url": s.url("/cergy.html")}]},
            {"id": "02-laon", "name": "Préfecture de l'Aisne",
             "pages": [{"url": s.url("/laon.html")}]},
            {"id": "93-bobigny", "name": "Préfecture de la Seine-Saint-Denis", "departement": "93",
             "departement_name": "Seine-Saint-Denis", "region": "Île-de-France",
             "pages": [{"url": s.url("/bobigny.html")}]},
        ])
        laws = os.path.join(s.dir, "laws.yaml")
        shutil.copyfile(BUNDLED, laws)
        c = s.prefwatch("check", "--laws", laws)
        check_eq(c.returncode, 0, "the bundled table passes check: " + c.stderr)
        check("1 legal event: ok" in c.stdout, "check counts the events: " + c.stdout)

        # night 1: flagged, listed once
        p, r = s.run("--laws", laws)
        check_eq(p.returncode, 0, "night 1 exit status: " + p.stderr)
        fl = stale(r)
        check_eq(sorted(fl), ["60-beauvais", "93-bobigny"], "night 1: the flagged pages")
        check_eq(r["run"].get("stale"), 2, "night 1: run.stale")
        oise = fl.get("60-beauvais", [{}])[0]
        check_eq(oise.get("law_date"), "2025-01-23", "the event's date")
        check_eq(oise.get("title"), "la circulaire du 23/01/2025", "the event's title")
        check_eq(oise.get("undated"), False, "the Oise page is dated")
        check_eq(oise.get("page_updated"), "2023-03-02", "judged with its own stamp")
        check_eq(oise.get("evidence"), "5 ans de présence » et « 8 mois d'activité sur les 24 "
                 "derniers mois", "the 2012 criteria found")
        check_eq(oise.get("reminder"), False, "first time, not a reminder")
        bob = fl.get("93-bobigny", [{}])[0]
        check_eq(bob.get("undated"), True, "Bobigny has no stamp")
        check_eq(bob.get("evidence"), "circulaire Valls", "cites the replaced text (VALLS)")
        check("Pages antérieures à la loi (2)" in p.stdout, "night 1: the section: " + p.stdout)
        check("Page antérieure à la circulaire du 23/01/2025 : mise à jour le 02/03/2023, elle "
              "décrit encore le texte remplacé" in " ".join(p.stdout.split()),
              "night 1: the Oise sentence")
        check("Page antérieure à la circulaire du 23/01/2025 (page non datée)"
              in " ".join(p.stdout.split()), "night 1: the undated sentence")
        check("Val-d'Oise" not in p.stdout.split("Pages antérieures à la loi")[1].split("Nouvelles pages")[0],
              "the page citing the new circular is not flagged")

        # show and history
        h = s.prefwatch("history", "60-beauvais", "--db", s.db)
        check_eq(h.returncode, 0, "history: " + h.stderr)
        check("stale    predates la circulaire du 23/01/2025 since" in h.stdout,
              "history names the flag: " + h.stdout)
        h = s.prefwatch("history", "95-cergy", "--db", s.db)
        check("stale" not in h.stdout, "no flag on Cergy: " + h.stdout)
        h = s.prefwatch("history", "93-bobigny", "--db", s.db)
        check("(undated page): circulaire Valls" in h.stdout, "history: undated: " + h.stdout)

        # night 2: known flags, nothing to say
        p, r = s.run("--laws", laws)
        check_eq(stale(r), {}, "night 2: no flag listed")
        check_eq(p.stdout, "", "night 2: nothing printed")

        # night 3: a week after they were last reported
        con = sqlite3.connect(s.db)
        with con:
            con.execute("UPDATE law_flags SET reported_at = reported_at - 8 * 86400")
        con.close()
        p, r = s.run("--laws", laws)
        fl = stale(r)
        check_eq(sorted(fl), ["60-beauvais", "93-bobigny"], "night 3: the weekly reminder")
        check(all(f[0].get("reminder") for f in fl.values()), "night 3: marked as reminders")
        check("Rappel hebdomadaire : signalée depuis le" in p.stdout, "night 3: says so: " + p.stdout)

        # night 4: the table changes; the Oise page is judged again
        with open(BUNDLED, encoding="utf-8") as f:
            table = f.read()
        without_signs = table[:table.index("\n    signs:\n") + 1]
        with open(laws, "w", encoding="utf-8") as f:
            f.write(without_signs)
        p, r = s.run("--laws", laws)
        check_eq(stale(r), {}, "night 4: nothing listed")
        rows = s.sql("SELECT page_id FROM law_flags ORDER BY page_id")
        check_eq(rows, [("93-bobigny",)], "night 4: the Oise flag is gone, Bobigny's stays")
        check_eq(p.stdout, "", "night 4: a flag that goes says nothing")

        # night 5: a new event, a new flag; Laon's text changes too (its
        # address), keeping the sign
        with open(laws, "w", encoding="utf-8") as f:
            f.write(without_signs + EXTRA_EVENT)
        s.put("/laon.html", pw.page("Admission exceptionnelle au séjour",
                                    LAON.replace("2 rue Paul Doumer", "4 rue Paul Doumer"),
                                    stamp="Mis à jour le 05/06/2022"))
        p, r = s.run("--laws", laws)
        check_eq(sorted(stale(r)), ["02-laon"], "night 5: the new event's flag, listed")
        check("Page antérieure au formulaire de 2024" in " ".join(p.stdout.split()),
              "night 5: « au » before a masculine title: " + p.stdout)
        cid = s.sql("SELECT id FROM changes WHERE page_id = '02-laon'")[0][0]
        sh = s.prefwatch("show", str(cid), "--db", s.db, "--watchlist", s.watchlist)
        check_eq(sh.returncode, 0, "show: " + sh.stderr)
        check("Pages antérieures à la loi (1)" in sh.stdout and "formulaire de 2024" in sh.stdout,
              "show says the page's flag: " + sh.stdout)

        # night 6: Bobigny's text changes (confirmed by a second fetch)
        s.put("/bobigny.html", pw.page("Admission exceptionnelle au séjour", BOBIGNY_NEW, stamp=""))
        p, r = s.run("--laws", laws)
        check_eq(r["run"]["changed"], 1, "night 6: Bobigny changed")
        rows = s.sql("SELECT page_id FROM law_flags ORDER BY page_id")
        check_eq(rows, [("02-laon",)], "night 6: Bobigny's flag went with its old text")
        cid = s.sql("SELECT id FROM changes WHERE page_id = '93-bobigny'")[0][0]
        sh = s.prefwatch("show", str(cid), "--db", s.db, "--watchlist", s.watchlist)
        check_eq(sh.returncode, 0, "show: " + sh.stderr)
        check("Pages antérieures" not in sh.stdout, "show: no flag any more: " + sh.stdout)

        # a bad table: nothing fetched, the error names file, line and cause
        with open(laws, "w", encoding="utf-8") as f:
            f.write(table.replace("date: 2025-01-23", "date: 2025-13-23"))
        before = len(s.requests())
        p, r = s.run("--laws", laws)
        check_eq(p.returncode, 2, "a bad table: exit status 2")
        line = table[:table.index("date: 2025-01-23")].count("\n") + 1
        check(laws + ":%d:11: date '2025-13-23' is not a real date (YYYY-MM-DD)" % line
              in p.stderr.splitlines(), "the error names file, line and cause: " + p.stderr)
        check_eq(len(s.requests()), before, "nothing fetched")
    finally:
        s.close()


if __name__ == "__main__":
    pw.main(main)
