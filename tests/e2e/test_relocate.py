"""End to end: a moved page's new address is found, proposed once, followed.

- A site reorganises: the old URL answers 404; robots.txt names a sitemap
  index -> 3 sitemaps -> 500 URLs; the procedure sits at a new path in a
  new chrome, among decoys with similar titles and other texts. The right
  candidate comes first with a score >= 0.8, in the report's own section
  and in the JSON; the next night it is not proposed again.
- `relocate PAGE URL --write` edits the watchlist line only (comments
  kept), keeps the old URL as an alias, and the next run compares the new
  page with the old snapshots: a fact changed across the move is reported.
- No sitemap: found through the links of the page the old URL led to.
- The procedure withdrawn: nothing proposed, « aucune page correspondante ».
- Hostile sitemaps (huge, nested too deep, an index that loops, a gzip
  bomb): bounded, each named, the run otherwise unaffected.
"""
import gzip
import json
import os

import pw

PROC = ("<p>La demande d'admission exceptionnelle au séjour se fait par voie postale.</p>"
        "<p>Envoyez votre dossier complet à la Préfecture du Nord, bureau du séjour, "
        "12 rue Jean sans Peur, 59000 LILLE.</p><p>Pièces à joindre : passeport, justificatif "
        "de domicile de moins de trois mois, preuves de présence en France depuis cinq ans, "
        "deux photographies d'identité.</p><p>Le traitement de la demande prend en moyenne "
        "quatre mois. Aucun rendez-vous n'est donné au guichet pour le dépôt.</p>")
TITLE = "Admission exceptionnelle au séjour"


def new_chrome(title, body):
    """The reorganised site: another header, menu and footer around <main>."""
    return """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<title>%s | Préfecture du Nord</title></head><body>
<div class="bandeau"><a href="/">Accueil</a> <a href="/Demarches">Démarches</a> <a href="/Actualites">Actualités</a></div>
<main role="main"><h1>%s</h1>%s</main>
<div class="pied">Préfecture du Nord - nouveau site 2025 - <a href="/contact">Contact</a></div>
</body></html>""" % (title, title, body)


def watch(s, path, extra=None):
    page = {"url": s.url(path)}
    page.update(extra or {})
    s.write_watchlist([
        {"id": "59-lille", "name": "Préfecture de Lille", "departement": "59",
         "departement_name": "Nord", "pages": [page]},
        {"id": "02-laon", "name": "Préfecture de Laon", "pages": [{"url": s.url("/laon.html")}]},
    ])
    # a comment the --write edit must keep
    with open(s.watchlist, encoding="utf-8") as f:
        text = f.read()
    with open(s.watchlist, "w", encoding="utf-8") as f:
        f.write("# liste de test : ne pas effacer ce commentaire\n" + text)


OLD = "/Demarches-administratives/Etrangers-en-France/Admission-exceptionnelle-au-sejour"
NEW = "/Demarches/Etrangers/Admission-exceptionnelle-au-sejour"


def page_of(r, pid):
    return {p["id"]: p for p in r["pages"]}[pid]


def reorganised(a):
    s = pw.Scenario(a.bin, "relocate")
    try:
        s.start_server()
        s.put(OLD, pw.page(TITLE, PROC))
        s.put("/laon.html", pw.page("AES", "<p>Laon : dépôt en ligne sur le site de l'ANEF.</p>"))
        s.route(OLD, {"file": OLD.lstrip("/"), "content_type": "text/html; charset=utf-8"})
        watch(s, OLD)
        p, r = s.run()
        pw.check_eq(r["run"]["new"], 2, "baseline")

        # the site reorganises
        s.route(OLD, {"status": 404})
        s.put(NEW, new_chrome(TITLE, PROC))
        s.route(NEW, {"file": NEW.lstrip("/"), "content_type": "text/html; charset=utf-8"})
        decoys = [NEW + "-etudiants", NEW + "-salaries", "/Demarches/Etrangers/Admission-au-sejour-famille"]
        for i, d in enumerate(decoys):
            s.put(d, new_chrome(TITLE + " (cas %d)" % i,
                                "<p>Cette page concerne un autre public. Les étudiants déposent "
                                "leur demande en ligne sur le site de l'ANEF, rubrique %d.</p>" % i))
            s.route(d, {"file": d.lstrip("/"), "content_type": "text/html; charset=utf-8"})
        urls = [s.url("/Actualites/article-%d" % i) for i in range(496)] + \
            [s.url(NEW)] + [s.url(d) for d in decoys]
        for k in range(3):
            part = urls[k::3]
            s.put("/sm-%d.xml" % k, '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                  + "".join("<url><loc>%s</loc></url>" % u for u in part) + "</urlset>")
        s.put("/sitemap-index.xml", '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
              + "".join("<sitemap><loc>%s</loc></sitemap>" % s.url("/sm-%d.xml" % k) for k in range(3))
              + "</sitemapindex>")
        s.put("/robots.txt", "User-agent: *\nSitemap: %s\n" % s.url("/sitemap-index.xml"))

        p, r = s.run()
        pg = page_of(r, "59-lille")
        pw.check_eq(pg["status"], "failed", "old URL fails")
        rl = pg.get("relocation") or {}
        pw.check(rl.get("found"), "a new address is found: %r" % rl)
        cands = rl.get("candidates") or []
        pw.check(cands and cands[0]["url"] == s.url(NEW), "the right candidate first: %r" % cands)
        pw.check(cands and cands[0]["score"] >= 0.8, "its score >= 0.8: %r" % cands)
        pw.check(len(cands) == 3 and all(c["score"] < 0.5 for c in cands[1:]),
                 "two next candidates, decoys, low: %r" % cands)
        pw.check(any("500 adresses" in x and "4 fichiers" in x for x in rl.get("searched", [])),
                 "the sitemaps' figures: %r" % rl.get("searched"))
        pw.check("Nouvelles adresses probables (1)" in p.stdout, "own section: " + p.stdout)
        pw.check("Nouvelle adresse probable : %s (similarité 1,00) — ancienne : %s" % (s.url(NEW), s.url(OLD))
                 in p.stdout.replace("\n    ", " "), "the sentence: " + p.stdout)
        pw.check_eq(page_of(r, "02-laon")["status"], "unchanged", "the other page is unaffected")
        fetched = [q["path"] for q in s.requests()]
        pw.check(sum(1 for x in fetched if x.startswith("/Actualites/")) <= 5,
                 "at most 5 candidates fetched")

        p, r = s.run()
        pw.check("relocation" not in page_of(r, "59-lille"), "proposed once, not every night")

        # follow it, with a fact changed across the move
        s.put(NEW, new_chrome(TITLE, PROC.replace("voie postale", "le site de l'ANEF, en ligne")))
        p = s.prefwatch("relocate", "59-lille", s.url(NEW), "--write", "--watchlist", s.watchlist,
                        "--db", s.db)
        pw.check_eq(p.returncode, 0, "relocate: " + p.stderr)
        with open(s.watchlist, encoding="utf-8") as f:
            wl = f.read()
        pw.check(wl.startswith("# liste de test : ne pas effacer ce commentaire\n"), "comment kept")
        pw.check('url: "%s"' % s.url(NEW) in wl and s.url(OLD) not in wl, "url line changed: " + wl)
        pw.check_eq(s.sql("select url from page_aliases where page_id = '59-lille'"), [(s.url(OLD),)],
                    "old URL kept as an alias")
        p, r = s.run()
        pg = page_of(r, "59-lille")
        pw.check_eq(pg["status"], "changed", "the change across the move is reported")
        pw.check("Mode de dépôt" in p.stdout, "the fact change in words: " + p.stdout)
        pw.check_eq(r["run"]["failed"], 0, "nothing fails any more")
        # unchanged next night: silent
        p, r = s.run()
        pw.check_eq(page_of(r, "59-lille")["status"], "unchanged", "then unchanged")
        pw.check_eq(p.stdout, "", "and silent")
    finally:
        s.close()


def landing_links(a):
    s = pw.Scenario(a.bin, "relocate-links")
    try:
        s.start_server()
        s.put(OLD, pw.page(TITLE, PROC))
        s.put("/laon.html", pw.page("AES", "<p>Laon : dépôt en ligne.</p>"))
        s.route(OLD, {"file": OLD.lstrip("/"), "content_type": "text/html; charset=utf-8"})
        watch(s, OLD)
        p, r = s.run()
        # no sitemap: the old URL now leads to the home page, which links the procedure
        s.route(OLD, {"status": 301, "redirect": "/index.html"})
        s.put("/index.html", new_chrome("Accueil", '<p>Bienvenue.</p><ul><li><a href="%s">%s</a></li>'
                                          '<li><a href="/Actualites/x">Actualités</a></li></ul>' % (NEW, TITLE)))
        s.put(NEW, new_chrome(TITLE, PROC))
        s.route(NEW, {"file": NEW.lstrip("/"), "content_type": "text/html; charset=utf-8"})
        p, r = s.run()
        pg = page_of(r, "59-lille")
        rl = pg.get("relocation") or {}
        pw.check_eq(pg.get("failure"), "moved", "moved to the home page")
        pw.check(rl.get("found") and rl["candidates"][0]["url"] == s.url(NEW),
                 "found through the landing page's links: %r" % rl)
        pw.check(any("plan du site (aucun lisible)" == x for x in rl.get("searched", [])),
                 "no sitemap, said: %r" % rl.get("searched"))
    finally:
        s.close()


def withdrawn(a):
    s = pw.Scenario(a.bin, "relocate-none")
    try:
        s.start_server()
        s.put(OLD, pw.page(TITLE, PROC))
        s.put("/laon.html", pw.page("AES", "<p>Laon : dépôt en ligne.</p>"))
        s.route(OLD, {"file": OLD.lstrip("/"), "content_type": "text/html; charset=utf-8"})
        watch(s, OLD, {"search_url": s.url("/recherche?q={query}")})
        p, r = s.run()
        s.route(OLD, {"status": 404})
        s.put("/sitemap.xml", '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
              + "".join("<url><loc>%s</loc></url>" % s.url("/Actualites/a-%d" % i) for i in range(20))
              + "<url><loc>%s</loc></url></urlset>" % s.url("/Demarches/Etrangers/Titres-de-sejour"))
        s.put("/Demarches/Etrangers/Titres-de-sejour",
              new_chrome("Titres de séjour", "<p>Prenez rendez-vous en ligne pour un titre de séjour.</p>"))
        s.route("/Demarches/Etrangers/Titres-de-sejour", {"file": "Demarches/Etrangers/Titres-de-sejour",
                                                          "content_type": "text/html; charset=utf-8"})
        s.route("/recherche", {"body": new_chrome("Recherche", "<p>Aucun résultat.</p>"),
                               "content_type": "text/html; charset=utf-8"})
        p, r = s.run()
        rl = page_of(r, "59-lille").get("relocation") or {}
        pw.check(rl and not rl.get("found"), "nothing proposed: %r" % rl)
        pw.check("aucune page correspondante trouvée sur le site" in p.stdout, "said: " + p.stdout)
        pw.check(any(x.startswith("recherche du site") for x in rl.get("searched", [])),
                 "the site search was asked: %r" % rl.get("searched"))
        pw.check(any("/recherche?q=admission+exceptionnelle" in q["path"] for q in s.requests()), "with the title's words")
        pw.check_eq(s.sql("select count(*) from relocations")[0][0], 0, "nothing recorded as proposed")
    finally:
        s.close()


def hostile(a):
    s = pw.Scenario(a.bin, "relocate-hostile")
    try:
        s.start_server()
        s.put(OLD, pw.page(TITLE, PROC))
        s.put("/laon.html", pw.page("AES", "<p>Laon : dépôt en ligne.</p>"))
        s.route(OLD, {"file": OLD.lstrip("/"), "content_type": "text/html; charset=utf-8"})
        watch(s, OLD)
        p, r = s.run()
        s.route(OLD, {"status": 404})
        # huge: 9 MB of URLs
        loc = "<url><loc>%s</loc></url>" % s.url("/Actualites/" + "x" * 60)
        s.put("/huge.xml", "<urlset>" + loc * (9 * 1024 * 1024 // len(loc)) + "</urlset>")
        # nested deeper than the cap
        for k in range(6):
            s.put("/deep-%d.xml" % k, "<sitemapindex><sitemap><loc>%s</loc></sitemap></sitemapindex>"
                  % s.url("/deep-%d.xml" % (k + 1)))
        # an index that loops
        s.put("/loop-a.xml", "<sitemapindex><sitemap><loc>%s</loc></sitemap></sitemapindex>" % s.url("/loop-b.xml"))
        s.put("/loop-b.xml", "<sitemapindex><sitemap><loc>%s</loc></sitemap></sitemapindex>" % s.url("/loop-a.xml"))
        # a gzip bomb: 100 MB of spaces in a small file
        with open(os.path.join(s.site, "bomb.xml.gz"), "wb") as f:
            with gzip.GzipFile(fileobj=f, mode="wb", compresslevel=9) as g:
                chunk = b" " * (1024 * 1024)
                g.write(b"<urlset>")
                for _ in range(100):
                    g.write(chunk)
        s.route("/bomb.xml.gz", {"file": "bomb.xml.gz", "content_type": "application/gzip"})
        s.put("/robots.txt", "Sitemap: %s\nSitemap: %s\nSitemap: %s\nSitemap: %s\n" % (
            s.url("/huge.xml"), s.url("/deep-0.xml"), s.url("/loop-a.xml"), s.url("/bomb.xml.gz")))
        p, r = s.run()
        pw.check_eq(p.returncode, 1, "the run completes (a page failing): " + p.stderr[-500:])
        pw.check_eq(page_of(r, "02-laon")["status"], "unchanged", "the other page is unaffected")
        rl = page_of(r, "59-lille").get("relocation") or {}
        probs = " | ".join(rl.get("problems", []))
        pw.check("huge.xml': too large" in probs, "huge named: " + probs)
        pw.check("nested deeper than 3 levels" in probs, "depth named: " + probs)
        pw.check("(a loop)" in probs, "loop named: " + probs)
        pw.check("bomb.xml.gz': too large: expands beyond" in probs, "gzip bomb named: " + probs)
        pw.check("Détail technique : sitemap" in p.stdout, "named in the report: " + p.stdout[-2000:])
    finally:
        s.close()


def main(a):
    reorganised(a)
    landing_links(a)
    withdrawn(a)
    hostile(a)


if __name__ == "__main__":
    pw.main(main)
