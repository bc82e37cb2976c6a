"""End to end: what the review commands tell an editor can be trusted.

- A change shows the facts of its own two versions: a page republished
  after the change (same text, new update stamp) does not make `show`,
  `pending` or `report --pending` print a date change the change never had.
- `pending` speaks French, names linked documents by their title, and says
  « Aucune modification en attente. » when there is none.
- `history` and `report --since` say who reviewed each change, when, and
  the note.
- A served office (watchlist `served_by`) is reachable by its own id:
  `history 59-cambrai` and `run --only 59-cambrai` answer with the serving
  office's pages and say so; stored changes of the serving office say
  « Concerne aussi : … » in `show` and `report --pending`.
"""
import json
import os

import pw

V1 = ("<p>La demande se fait par voie postale.</p>"
      "<p>Sous-préfecture de Douai<br>20 rue de la Comédie<br>59500 DOUAI</p>"
      '<p><a href="/docs/notice.pdf">Notice de renseignements</a></p>')
V2 = V1.replace("voie postale", "voie postale uniquement, en recommandé")


def pdf(text):
    """A minimal one-page PDF whose text layer is `text` (ASCII)."""
    stream = "BT /F1 12 Tf 72 720 Td (%s) Tj ET" % text
    objs = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        " /Resources << /Font << /F1 5 0 R >> >> >>",
        "<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = "%PDF-1.4\n"
    offsets = []
    for i, o in enumerate(objs):
        offsets.append(len(out))
        out += "%d 0 obj\n%s\nendobj\n" % (i + 1, o)
    xref = len(out)
    out += "xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += "%010d 00000 n \n" % off
    out += "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return out


def main(a):
    s = pw.Scenario(a.bin, "review-trust")
    try:
        s.start_server()
        have_pdftotext = any(os.access(os.path.join(d, "pdftotext"), os.X_OK)
                             for d in os.environ.get("PATH", "").split(":") if d)
        s.put("/douai.html", pw.page("AES", V1, stamp="Mis à jour le 14/03/2023"))
        s.put("/docs/notice.pdf", pdf("Notice version 1"))
        s.put("/lille.html", pw.page("AES", V1.replace("Douai", "Lille").replace("DOUAI", "LILLE")))
        s.write_watchlist([
            {"id": "59-lille", "name": "Préfecture de Lille", "departement": "59",
             "departement_name": "Nord", "pages": [{"url": s.url("/lille.html")}]},
            {"id": "59-douai", "name": "Sous-préfecture de Douai", "kind": "sous-prefecture",
             "departement": "59", "departement_name": "Nord",
             "pages": [{"url": s.url("/douai.html")}]},
            {"id": "59-cambrai", "name": "Sous-préfecture de Cambrai", "kind": "sous-prefecture",
             "departement": "59", "departement_name": "Nord", "served_by": "59-douai"},
        ])
        wl = ("--watchlist", s.watchlist)

        # nothing pending yet, said in French
        s.run()
        pend = s.prefwatch("pending", "--db", s.db)
        pw.check_eq(pend.returncode, 0, "pending exit")
        pw.check_eq(pend.stdout, "Aucune modification en attente.\n", "empty pending says so")

        # --only with the served office's id runs the serving office's pages
        only = s.prefwatch("run", "--watchlist", s.watchlist, "--db", s.db, "--host-delay", "0",
                           "--only", "59-cambrai", "--json", os.path.join(s.dir, "only.json"))
        pw.check_eq(only.returncode, 0, "run --only 59-cambrai exit: " + only.stderr)
        pw.check("59-cambrai est traité par 59-douai" in only.stderr,
                 "run --only says who serves Cambrai: " + only.stderr)
        if os.path.exists(os.path.join(s.dir, "only.json")):
            with open(os.path.join(s.dir, "only.json")) as f:
                ids = [pg["id"] for pg in json.load(f)["pages"]]
            pw.check_eq(ids, ["59-douai"], "run --only 59-cambrai fetched Douai's page")

        # night 2: the procedure changes, the stamp does not (still 14/03/2023)
        s.put("/douai.html", pw.page("AES", V2, stamp="Mis à jour le 14/03/2023"))
        s.put("/docs/notice.pdf", pdf("Notice version 2"))
        # and Lille's page turns into a soft 404 (status 200, "page introuvable")
        s.route("/lille.html", {"body": "<html><head><title>Page introuvable</title></head><body>"
                                        "<main><h1>Page introuvable</h1><p>La page que vous "
                                        "recherchez n'existe pas ou a été déplacée.</p></main>"
                                        "</body></html>"})
        p, r = s.run()
        douai = [pg for pg in r["pages"] if pg["id"] == "59-douai"][0]
        pw.check_eq(douai["status"], "changed", "night 2: Douai changed")
        lille = [pg for pg in r["pages"] if pg["id"] == "59-lille"][0]
        pw.check_eq(lille.get("failure"), "not_found", "night 2: Lille is a soft 404")
        pw.check("Page introuvable (la page répond, mais son contenu dit qu'elle n'existe plus)"
                 in p.stdout.replace("\n  ", " "), "soft 404 in words: " + p.stdout)
        pw.check("(HTTP 200)" not in p.stdout and "(404)" not in p.stdout,
                 "no status code in the sentence: " + p.stdout)
        pw.check("Détail technique : not_found (HTTP 200" in p.stdout,
                 "the status stays under « Détail technique »: " + p.stdout)
        cid = douai["change"]["id"]
        names = [f["name"] for f in douai["change"].get("fields", [])]
        pw.check("page_updated" not in names, "no date delta at detection: %r" % names)

        # night 3: republished, same text, new stamp 02/05/2023
        s.put("/douai.html", pw.page("AES", V2, stamp="Mis à jour le 02/05/2023"))
        p, r = s.run()
        douai = [pg for pg in r["pages"] if pg["id"] == "59-douai"][0]
        pw.check_eq(douai["status"], "unchanged", "night 3: republished is not a change")

        show = s.prefwatch("show", str(cid), "--db", s.db, *wl)
        pw.check_eq(show.returncode, 0, "show exit: " + show.stderr)
        pw.check("02/05/2023" not in show.stdout,
                 "show does not take the later stamp for the change's: " + show.stdout)
        pw.check("Date de mise à jour" not in show.stdout, "no date line in show: " + show.stdout)
        pw.check("Concerne aussi : Sous-préfecture de Cambrai (même procédure)." in show.stdout,
                 "show names the served office: " + show.stdout)

        pend = s.prefwatch("pending", "--db", s.db)
        lines = pend.stdout.splitlines()
        line = [l for l in lines if l.split() and l.split()[0] == str(cid)]
        pw.check(line and "page_updated" not in line[0] and "Date" not in line[0],
                 "pending does not list a date change: %r" % lines)
        pw.check(line and "Sous-préfecture de Douai" in line[0], "pending names the office: %r" % lines)
        pw.check(all("text" not in l.split() and "reverted" not in l for l in lines),
                 "pending speaks French: %r" % lines)
        if have_pdftotext:
            doc = [l for l in lines if "Notice de renseignements" in l]
            pw.check(len(doc) == 1 and "/doc/" not in doc[0],
                     "pending names the document by its title: %r" % lines)

        rep = os.path.join(s.dir, "pending.json")
        pr = s.prefwatch("report", "--pending", "--json", rep, "--db", s.db, *wl)
        pw.check_eq(pr.returncode, 0, "report --pending exit: " + pr.stderr)
        with open(rep) as f:
            data = json.load(f)
        pg = [x for x in data["pages"] if x["id"] == "59-douai"][0]
        pw.check_eq(pg.get("page_updated"), "2023-03-14", "report --pending: the stamp at detection")
        pw.check_eq(pg.get("also_for"), ["59-cambrai"], "report --pending: also_for")
        txt = s.prefwatch("report", "--pending", "--db", s.db, *wl)
        pw.check("Concerne aussi : Sous-préfecture de Cambrai" in txt.stdout,
                 "report --pending text names the served office: " + txt.stdout)

        # reviewed: history and report --since say who, when, and the note
        ok = s.prefwatch("ack", str(cid), "--db", s.db, "--by", "claire", "--note", "guide mis à jour")
        pw.check_eq(ok.returncode, 0, "ack exit: " + ok.stderr)
        hist = s.prefwatch("history", "59-douai", "--db", s.db)
        pw.check_eq(hist.returncode, 0, "history exit: " + hist.stderr)
        pw.check("claire" in hist.stdout and "guide mis à jour" in hist.stdout,
                 "history shows the reviewer and the note: " + hist.stdout)
        since = s.prefwatch("report", "--since", "2000-01-01", "--db", s.db, *wl)
        pw.check("claire" in since.stdout and "guide mis à jour" in since.stdout,
                 "report --since shows the reviewer and the note: " + since.stdout)
        html = os.path.join(s.dir, "since.html")
        s.prefwatch("report", "--since", "2000-01-01", "--html", html, "--db", s.db, *wl)
        with open(html) as f:
            h = f.read()
        pw.check("claire" in h and "guide mis à jour" in h, "HTML report shows the review")
        js = os.path.join(s.dir, "since.json")
        s.prefwatch("report", "--since", "2000-01-01", "--json", js, "--db", s.db, *wl)
        with open(js) as f:
            data = json.load(f)
        ch = [x for x in data["pages"] if x["id"] == "59-douai"][0]["change"]
        review = ch.get("review") or {}
        pw.check_eq((review.get("by"), review.get("note")), ("claire", "guide mis à jour"),
                    "JSON change carries its review")

        # the served office's own id reaches Douai's history
        hc = s.prefwatch("history", "59-cambrai", "--db", s.db, *wl)
        pw.check_eq(hc.returncode, 0, "history 59-cambrai exit: " + hc.stderr)
        pw.check("59-cambrai est traité par 59-douai" in hc.stdout, "history says who serves it: " + hc.stdout)
        pw.check("change   %d" % cid in hc.stdout or ("change" in hc.stdout and str(cid) in hc.stdout),
                 "history 59-cambrai lists Douai's change: " + hc.stdout)
        unknown = s.prefwatch("history", "59-nowhere", "--db", s.db, *wl)
        pw.check_eq(unknown.returncode, 2, "an unknown id is still an error")
    finally:
        s.close()


if __name__ == "__main__":
    pw.main(main)
