"""Editorial trust, four nights on 127.0.0.1 (issue 21's check).

Eight procedure pages built from the guide's quoted texts in real
préfecture chrome (tests/crawler/extract/fixtures/family/, plus one page
linking its forms as PDFs served here). Every night every link of every
page — in the procedure, the menu, the footer — carries a fresh session
token (?PHPSESSID=…, ;jsessionid=…, sid, _ga, xtor, at_medium), and the
démarches-simplifiées page a fresh CSRF token.

  night 1  all new; each linked document listed once;
  night 2  new tokens only: nothing reported, nothing printed;
  night 3  an address (Laon), a threshold (Lille: 5 ans -> 3 ans), post ->
           online (Beauvais), a form link (Amiens: same title, new URL and
           content), a 404 (Dunkerque), a soft 404 (Avesnes), a 301 to the
           same content (Douai): exactly the four changes, one « remplacé »,
           the move in the headline, the two failures in editors' words;
  night 4  the same content with new tokens: no change, the move not
           said again, no document news.
No line of any report differs only by a token.
"""
import os
import random
import re
import subprocess

import pw
from pw import check, check_eq

FAMILY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crawler", "extract",
                      "fixtures", "family")

TOKEN_PARAMS = ["PHPSESSID", "sid", "_ga", "xtor", "at_medium", "token"]


def fixture(name):
    with open(os.path.join(FAMILY, name), encoding="utf-8") as f:
        return f.read()


def tokenise(html, rng):
    """Adds a fresh volatile parameter to every link of the page."""
    def one(m):
        url = m.group(2)
        if url.startswith(("mailto:", "tel:", "#", "javascript:")):
            return m.group(0)
        kind = rng.randrange(4)
        tok = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(26))
        has_path = re.match(r"^(https?://[^/]+)?/", url) is not None
        if kind == 0 and has_path and "?" not in url and "#" not in url:
            url += ";jsessionid=" + tok.upper()
        else:
            name = TOKEN_PARAMS[rng.randrange(len(TOKEN_PARAMS))]
            if name == "xtor":
                tok = "RSS-" + str(rng.randrange(10, 999))
            elif name == "at_medium":
                tok = rng.choice(["email", "social", "affiliation"])
            elif name == "_ga":
                tok = "2.%d.%d.%d" % (rng.randrange(10**8), rng.randrange(10**9), rng.randrange(10**9))
            sep = "&" if "?" in url else "?"
            if "#" in url:
                base, frag = url.split("#", 1)
                url = base + sep + name + "=" + tok + "#" + frag
            else:
                url += sep + name + "=" + tok
        return m.group(1) + url + m.group(3)
    html = re.sub(r'(href=")([^"]*)(")', one, html)
    # démarches-simplifiées' form token
    return re.sub(r'(name="authenticity_token" value=")[^"]*(")',
                  lambda m: m.group(1) + "%030x" % rng.randrange(16**30) + m.group(2), html)


AMIENS = """<p>1 - Pour tout dépôt de dossier, vous devez impérativement remplir le
<a href="%(form)s">Formulaire de demande de titre de séjour</a> ci-dessous.</p>
<p>2 - Listes des pièces justificatives à préparer avant d'être reçu en rendez-vous :
<a href="/docs/liste-aes-travail.pdf">Pièces AES travail</a></p>
<p>Puis demande de rendez-vous en ligne : <a href="/booking/create/3148">prendre rendez-vous</a></p>
<p>L'accès à la préfecture n'est autorisé que 15 minutes avant l'heure du rendez-vous.</p>"""


def groff_pdf(lines, path):
    src = ".TL\n%s\n" % lines[0] + "".join(".PP\n%s\n" % l for l in lines[1:])
    out = subprocess.run(["groff", "-ms", "-Tpdf", "-k"], input=src.encode("utf-8"),
                         capture_output=True, env=dict(os.environ, SOURCE_DATE_EPOCH="1700000000"),
                         check=True).stdout
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(out)


class Site:
    """The eight pages, their content per night, tokens fresh each night."""

    def __init__(self, s):
        self.s = s
        self.rng = random.Random(20261203)
        self.content = {
            "/laon.html": fixture("dsfr-laon.html"),
            "/lille.html": fixture("ez-lille.html"),
            "/beauvais.html": fixture("generic-beauvais.html"),
            "/amiens.html": pw.page("Demande de régularisation", AMIENS % {"form": "/docs/formulaire-2023.pdf"}),
            "/douai.html": fixture("ez-douai.html"),
            "/dunkerque.html": fixture("ez-dunkerque.html"),
            "/avesnes.html": fixture("ez-avesnes.html"),
            "/arras.html": fixture("ds-arras.html"),
        }

    def publish(self):
        for path, html in self.content.items():
            self.s.put(path, tokenise(html, self.rng))


def pages_by_id(r):
    return {p["id"]: p for p in r["pages"]}


def no_token_lines(report_text, what):
    bad = [l for l in report_text.splitlines()
           if re.search(r"PHPSESSID|jsessionid|[?&](sid|_ga|xtor|at_medium|token)=", l, re.I)]
    check(not bad, "%s: no line carries a token: %r" % (what, bad[:3]))


def main(a):
    s = pw.Scenario(a.bin, "trust")
    try:
        s.start_server()
        site = Site(s)
        groff_pdf(["Demande de titre de séjour", "Nom, prénom, date de naissance.",
                   "Adresse en France."], os.path.join(s.site, "docs", "formulaire-2023.pdf"))
        groff_pdf(["Pièces AES travail", "Passeport.", "Bulletins de salaire."],
                  os.path.join(s.site, "docs", "liste-aes-travail.pdf"))
        site.publish()
        offices = [
            ("02-laon", "Préfecture de Laon", "02", "Aisne", "/laon.html"),
            ("59-lille", "Préfecture de Lille", "59", "Nord", "/lille.html"),
            ("60-beauvais", "Préfecture de Beauvais", "60", "Oise", "/beauvais.html"),
            ("80-amiens", "Préfecture d'Amiens", "80", "Somme", "/amiens.html"),
            ("59-douai", "Sous-préfecture de Douai", "59", "Nord", "/douai.html"),
            ("59-dunkerque", "Sous-préfecture de Dunkerque", "59", "Nord", "/dunkerque.html"),
            ("59-avesnes", "Sous-préfecture d'Avesnes-sur-Helpe", "59", "Nord", "/avesnes.html"),
            ("62-arras", "Préfecture d'Arras", "62", "Pas-de-Calais", "/arras.html"),
        ]
        s.write_watchlist([{"id": i, "name": n, "departement": d, "departement_name": dn,
                            "kind": "prefecture" if n.startswith("Préfecture") else "sous-prefecture",
                            # the fixtures' own PDFs are not served here: only
                            # Amiens follows its documents
                            "pages": [dict({"url": s.url(path)},
                                           **({} if i == "80-amiens" else {"documents": "none"}))]}
                           for i, n, d, dn, path in offices])

        # night 1: all new, each document once
        p, r = s.run()
        check(r is not None, "night 1 report (stderr: %s)" % p.stderr)
        if r is None:
            return
        check_eq(r["run"]["new"], 8, "night 1: eight new pages")
        check_eq(p.stdout.count("formulaire-2023.pdf"), 1,
                 "night 1 names the form once: " + p.stdout)
        check_eq(p.stdout.count("liste-aes-travail.pdf"), 1, "night 1 names the list once")
        no_token_lines(p.stdout, "night 1")

        # night 2: tokens only
        site.publish()
        p, r = s.run()
        check_eq(r["run"]["changed"], 0, "night 2: tokens are not changes")
        check_eq(r["run"]["failed"], 0, "night 2: nothing failed")
        check_eq(r["run"].get("documents", {}).get("new", 0), 0, "night 2: no new document")
        check_eq(r["run"].get("documents", {}).get("removed", 0), 0, "night 2: no document removed")
        check_eq(p.stdout, "", "night 2 prints nothing")

        # night 3: the real changes, a failure of each kind, a move
        c = site.content
        c["/laon.html"] = fixture("dsfr-laon.change-address.html")
        c["/lille.html"] = c["/lille.html"].replace("5 ans de présence", "3 ans de présence", 1)
        c["/beauvais.html"] = c["/beauvais.html"].replace(
            "Transmettez votre dossier par voie postale (en courrier recommandé si vous le souhaitez) à l'adresse :",
            "Déposez votre dossier en ligne sur le téléservice de l'ANEF ; pour toute question, écrivez à l'adresse :")
        groff_pdf(["Demande de titre de séjour", "Nom, prénom, date de naissance.",
                   "Adresse en France.", "Numéro étranger (AGDREF)."],
                  os.path.join(s.site, "docs", "formulaire-2026.pdf"))
        c["/amiens.html"] = pw.page("Demande de régularisation", AMIENS % {"form": "/docs/formulaire-2026.pdf"})
        c["/douai-demarches.html"] = c.pop("/douai.html")
        site.publish()
        os.unlink(os.path.join(s.site, "douai.html"))
        s.route("/douai.html", {"status": 301, "redirect": "/douai-demarches.html"})
        s.route("/dunkerque.html", {"status": 404, "body": "<html><body><h1>404</h1></body></html>"})
        s.route("/avesnes.html", {"status": 200, "body": pw.page(
            "Page introuvable", "<p>La page que vous demandez n'existe plus ou a été déplacée.</p>")})
        p, r = s.run()
        st = pages_by_id(r)
        changed = sorted(i for i, pg in st.items() if pg["status"] == "changed")
        check_eq(changed, ["02-laon", "59-lille", "60-beauvais", "80-amiens"], "night 3: the real changes")
        check_eq(st["59-douai"]["status"], "unchanged", "a 301 to the same content is no change")
        check(st["59-douai"].get("url_moved"), "Douai's move flagged")
        check_eq(st["59-dunkerque"].get("failure"), "not_found", "404")
        check_eq(st["59-avesnes"].get("failure"), "not_found", "soft 404")
        check_eq(st["62-arras"]["status"], "unchanged", "Arras: tokens only")
        docs = st["80-amiens"].get("documents", [])
        check_eq(sorted(d["status"] for d in docs), ["replaced", "unchanged"],
                 "Amiens: the form replaced, the list unchanged: %r" % docs)
        rep = [d for d in docs if d["status"] == "replaced"]
        if rep:
            check(rep[0]["replaces"]["url"].endswith("/docs/formulaire-2023.pdf"), "replaces the old form")
            check("AGDREF" in rep[0]["change"]["diff"], "the two forms' texts compared")
        out = p.stdout
        check("Document remplacé : « Formulaire de demande de titre de séjour »" in out,
              "« remplacé » in the text report: " + out)
        check("Document retiré" not in out and "Nouveau document" not in out,
              "the replaced form is neither removed nor new")
        headline = " ".join(out.split("\n\n")[0].split())
        check("1 adresse à mettre à jour" in headline, "the move in the headline: " + headline)
        check("Adresses à mettre à jour (1)" in out and "douai-demarches.html" in out,
              "the move as an instruction")
        check("la page répond, mais son contenu dit qu'elle n'existe plus" in out, "soft 404 wording")
        check("3 ans" in st["59-lille"]["change"]["diff"], "Lille's threshold in the diff")
        lines = "\n".join(l for l in out.splitlines())
        check("Mode de dépôt" in lines, "Beauvais' method change in words")
        check("Adresse" in lines and "Laon" in lines, "Laon's address change")
        no_token_lines(out, "night 3")
        check("4 modifiées" in headline, "the headline counts the four changes: " + headline)

        # night 4: the same content, new tokens
        site.publish()
        p, r = s.run()
        st = pages_by_id(r)
        check_eq(r["run"]["changed"], 0, "night 4: no change")
        check(not st["59-douai"].get("url_moved"), "the move is said once")
        check("Adresses à mettre à jour" not in p.stdout, "no move in night 4's report")
        check_eq(r["run"].get("documents", {}).get("new", 0), 0, "night 4: no new document")
        check_eq(r["run"].get("documents", {}).get("removed", 0), 0, "night 4: no removed document")
        for news in ("Document remplacé", "Document retiré", "Nouveau document", "Document modifié"):
            check(news not in p.stdout, "night 4: no « %s »" % news)
        no_token_lines(p.stdout, "night 4")
    finally:
        s.close()


if __name__ == "__main__":
    pw.main(main)
