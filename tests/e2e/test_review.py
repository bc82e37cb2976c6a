"""End to end: the editors' review round trip through the CLI.

A change is detected, listed by `pending`, shown by `show`, acknowledged with
a note by `ack`, then no longer pending, its note kept; `dismiss` needs a
note; unknown and already-reviewed ids are refused without writing anything;
`report --pending` and `report --json` render stored changes.
"""
import json
import os

import pw

V1 = "<p>La demande se fait par voie postale.</p><p>Préfecture de l'Aisne<br>2 rue Paul Doumer<br>02000 LAON</p>"
V2 = "<p>La demande se fait en ligne sur le site de l'ANEF.</p><p>Préfecture de l'Aisne<br>2 rue Paul Doumer<br>02000 LAON</p>"
W1 = "<p>Les dossiers sont reçus sur rendez-vous.</p>"
W2 = "<p>Les dossiers sont reçus sur rendez-vous uniquement le mardi.</p>"


def main(a):
    s = pw.Scenario(a.bin, "review")
    try:
        s.start_server()
        s.put("/a.html", pw.page("AES", V1))
        s.put("/b.html", pw.page("AES", W1))
        s.write_watchlist([
            {"id": "02-laon", "name": "Préfecture de Laon", "pages": [{"url": s.url("/a.html")}]},
            {"id": "02-soissons", "name": "Sous-préfecture de Soissons", "kind": "sous-prefecture",
             "pages": [{"url": s.url("/b.html")}]},
        ])
        s.run()
        s.put("/a.html", pw.page("AES", V2))
        s.put("/b.html", pw.page("AES", W2))
        p, r = s.run()
        changes = {pg["id"]: pg["change"]["id"] for pg in r["pages"] if pg["status"] == "changed"}
        pw.check_eq(sorted(changes), ["02-laon", "02-soissons"], "two changes")
        laon = [pg for pg in r["pages"] if pg["id"] == "02-laon"][0]
        fields = {f["name"]: f for f in laon["change"].get("fields", [])}
        pw.check("method" in fields, "method delta present: %r" % fields)
        if "method" in fields:
            pw.check("postal" in fields["method"]["removed"], "postal removed")
            pw.check("online" in fields["method"]["added"], "online added")
        pw.check("Mode de dépôt" in p.stdout, "text report leads with the method change")

        c1, c2 = changes["02-laon"], changes["02-soissons"]
        pend = s.prefwatch("pending", "--db", s.db)
        pw.check_eq(pend.returncode, 0, "pending exit")
        pw.check_eq(len(pend.stdout.strip().splitlines()), 2, "two pending lines")

        show = s.prefwatch("show", str(c1), "--db", s.db)
        pw.check_eq(show.returncode, 0, "show exit")
        pw.check("voie postale" in show.stdout, "show has the old text: " + show.stdout)

        # a bad id in the list writes nothing
        bad = s.prefwatch("ack", str(c1), "99999", "--db", s.db, "--by", "claire")
        pw.check(bad.returncode != 0, "ack with an unknown id fails")
        pw.check("99999" in bad.stderr, "the message names the id")
        pend = s.prefwatch("pending", "--db", s.db)
        pw.check_eq(len(pend.stdout.strip().splitlines()), 2, "still two pending after a refused ack")

        ok = s.prefwatch("ack", str(c1), "--db", s.db, "--by", "claire", "--note", "guide mis à jour")
        pw.check_eq(ok.returncode, 0, "ack exit: " + ok.stderr)
        again = s.prefwatch("ack", str(c1), "--db", s.db)
        pw.check(again.returncode != 0 and "already" in again.stderr, "second ack refused")
        nonote = s.prefwatch("dismiss", str(c2), "--db", s.db)
        pw.check(nonote.returncode != 0, "dismiss without a note refused")

        pend = s.prefwatch("pending", "--db", s.db)
        lines = pend.stdout.strip().splitlines()
        pw.check_eq(len(lines), 1, "one pending after ack")
        pw.check(lines and lines[0].split()[0] == str(c2), "the remaining one is Soissons")
        show = s.prefwatch("show", str(c1), "--db", s.db)
        pw.check("claire" in show.stdout and "guide mis à jour" in show.stdout, "note kept: " + show.stdout)

        rep = os.path.join(s.dir, "pending.json")
        pr = s.prefwatch("report", "--pending", "--json", rep, "--db", s.db)
        pw.check_eq(pr.returncode, 0, "report --pending exit")
        with open(rep) as f:
            data = json.load(f)
        pw.check_eq([pg["id"] for pg in data["pages"]], ["02-soissons"], "report --pending lists Soissons only")

        d = s.prefwatch("dismiss", str(c2), "--note", "reformulation", "--db", s.db)
        pw.check_eq(d.returncode, 0, "dismiss exit")
        pend = s.prefwatch("pending", "--db", s.db)
        pw.check_eq(pend.stdout.strip(), "Aucune modification en attente.", "nothing pending")
        bad_date = s.prefwatch("report", "--since", "2026-13-45", "--db", s.db)
        pw.check_eq(bad_date.returncode, 2, "bad date is a usage error")
        unknown = s.prefwatch("show", "4242", "--db", s.db)
        pw.check(unknown.returncode != 0 and "4242" in unknown.stderr, "show of an unknown id")
    finally:
        s.close()


if __name__ == "__main__":
    pw.main(main)
