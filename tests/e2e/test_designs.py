"""End to end: the designs of the national watch (issue 23).

The design fixtures of tests/crawler/extract/fixtures/design (the old
CMS's print layout, the booking module in old-CMS and DSFR chrome, DSFR
pages with their furniture) and the démarches-simplifiées page in its
newer markup are served from 127.0.0.1 under the paths their designs use,
through the real binary:

  night 1   every page is new, none failing (the print layout is not
            no_content, the booking page's captcha does not read as a
            challenge); each has its method and the evidence sentence;
            no furniture in the stored texts;
  night 2   only furniture changed (alert banners, feedback button, share
            links, steps, captcha, free slots, the print stamp, DS filling
            time and processing-time statistics): nothing reported,
            nothing printed, no change stored;
  night 3   a real change of method (Cergy: posted -> online) is
            reported with the method in words and its new evidence.
"""
import os

import pw
from pw import check, check_eq

FIX = os.path.join(pw.HERE, "..", "crawler", "extract", "fixtures")

# (page id, served path, fixture night 1, fixture night 2, methods)
PAGES = [
    ("59-dunkerque-print",
     "/layout/set/print/Services-de-l-Etat/Horaires-et-coordonnees/Sous-prefecture-de-Dunkerque",
     "design/ez-print-dunkerque.html", "design/ez-print-dunkerque.noise.html", ["postal", "appointment"]),
    ("59-lille-booking", "/booking/create/4321", "design/booking-ez.html", "design/booking-ez.noise.html",
     ["appointment"]),
    ("59-lille-booking-dsfr", "/Prendre-un-rendez-vous/AES", "design/booking-dsfr.html",
     "design/booking-dsfr.noise.html", ["appointment"]),
    ("95-cergy", "/Demarches/Etrangers/AES", "design/dsfr-cergy.html", "design/dsfr-cergy.noise.html",
     ["postal"]),
    ("91-evry", "/Demarches/Etrangers/AES-Evry", "design/dsfr-evry.html", "design/dsfr-evry.noise.html",
     ["appointment"]),
    ("62-arras-ds", "/commencer/prefecture-du-pas-de-calais-regularisation",
     "family/ds-arras-numerique.html", None, ["online_ds"]),
]

FURNITURE = ["Haut de page", "Vigilance", "Mouvement social", "Fermeture exceptionnelle", "Partager",
             "Votre avis", "Je donne mon avis", "Étape", "captcha", "Recopiez", "créneau",
             "Effectuer une demande", "Imprimé le", "Temps de remplissage", "délais d'instruction",
             "FranceConnect"]


def fixture(name):
    with open(os.path.join(FIX, name), encoding="utf-8") as f:
        return f.read()


def ds_noise(html):
    """The DS page of another night: other filling time, other statistics."""
    out = html.replace("Temps de remplissage estimé : 25 mn", "Temps de remplissage estimé : 30 mn")
    out = out.replace("90 % des demandes traitées en moins de 5 mois",
                      "80 % des demandes traitées en moins de 6 mois")
    assert out != html
    return out


def main(a):
    s = pw.Scenario(a.bin, "designs")
    try:
        s.start_server()
        # documents: none -- the linked list of pieces is not the point here
        offices = [{"id": pid, "name": "Office %s" % pid,
                    "pages": [{"url": s.url(path), "documents": "none"}]}
                   for pid, path, _, _, _ in PAGES]
        s.write_watchlist(offices)
        for pid, path, night1, _, _ in PAGES:
            # the designs' addresses have no .html: say what they are
            s.route(path, {"content_type": "text/html; charset=utf-8"})
            s.put(path, fixture(night1))
        p, r = s.run()
        check_eq(p.returncode, 0, "night 1 exit (stderr: %s)" % p.stderr)
        by_id = {pg["id"]: pg for pg in r["pages"]}
        for pid, _, _, _, methods in PAGES:
            pg = by_id.get(pid)
            if not check(pg is not None, "night 1: %s in the report" % pid):
                continue
            check_eq(pg["status"], "new", "night 1: %s is new, not failing" % pid)
            check_eq(pg["fields"].get("method"), methods, "night 1: %s method" % pid)
            check(len(pg["fields"].get("method_evidence", [])) >= 1,
                  "night 1: %s has the evidence of its method: %r" % (pid, pg["fields"]))
            text = s.sql("select s.text from pages p join snapshots s on s.id = p.current_snapshot"
                         " where p.id = ?", (pid,))[0][0]
            for f in FURNITURE:
                check(f not in text, "night 1: no '%s' in %s's text:\n%s" % (f, pid, text))

        for pid, path, night1, night2, _ in PAGES:
            s.put(path, fixture(night2) if night2 else ds_noise(fixture(night1)))
        p, r = s.run()
        check_eq(p.returncode, 0, "night 2 exit (stderr: %s)" % p.stderr)
        for pg in r["pages"]:
            check_eq(pg["status"], "unchanged", "night 2: %s only changed furniture" % pg["id"])
        check_eq(p.stdout, "", "night 2 prints nothing")
        check_eq(len(s.sql("select id from changes")), 0, "night 2: no change stored")

        cergy = fixture("design/dsfr-cergy.noise.html")
        changed = cergy.replace("remplir le formulaire en ligne puis l'imprimer et l'envoyer par courrier",
                                "déposer votre demande en ligne sur le site de l'ANEF")
        assert changed != cergy
        s.put("/Demarches/Etrangers/AES", changed)
        p, r = s.run()
        check_eq(p.returncode, 0, "night 3 exit (stderr: %s)" % p.stderr)
        statuses = {pg["id"]: pg["status"] for pg in r["pages"]}
        check_eq(statuses.get("95-cergy"), "changed", "night 3: the method change is reported")
        check_eq(sorted(k for k, v in statuses.items() if v != "unchanged"), ["95-cergy"],
                 "night 3: only Cergy changed")
        check("Mode de dépôt : voie postale → en ligne" in p.stdout,
              "night 3: the method in words:\n" + p.stdout)
        check("Passage qui fonde le mode de dépôt" in p.stdout and "site de l'ANEF" in p.stdout,
              "night 3: the new evidence sentence:\n" + p.stdout)
    finally:
        s.close()


if __name__ == "__main__":
    pw.main(main)
