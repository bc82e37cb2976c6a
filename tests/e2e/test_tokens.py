"""End to end: volatile link parameters are noise (issue 21.1).

A procedure page whose links carry session tokens and tracking parameters
that change every night -- ?PHPSESSID= on a form link (a linked .doc
document), ;jsessionid= on a link, ?sid= with a random value, utm_ and
xtor on the menu and footer, a token in a URL written out in the text --
through the real binary on 127.0.0.1:

  night 1   the page is new; one linked document;
  night 2   every token changed: nothing reported, nothing printed, the
            document is the same document (no "nouveau", no "retiré");
  night 3   the stored snapshot is made to look like one taken by the
            previous extractor (version 2: its text still holding a token,
            its rules fingerprint that version's): with new tokens again,
            the night is quiet too, not even « règles modifiées » (the
            stored page is re-extracted as the baseline);
  night 4   the watchlist declares a site parameter (?visite=N) in
            defaults.ignore_params: a rule change, re-extracted quietly;
  night 5   that parameter and the tokens change: nothing reported;
  night 6   a real change (the address) is reported, and no line of the
            report differs only by a token.
"""
import secrets
import sqlite3

import pw
from pw import check, check_eq


# The fingerprint extractor version 2 gave a page without rules of its
# own (XXH3-128 of "extractor 2\n", as extract_rules_fingerprint_of()
# computed it then): what every snapshot stored before version 3 holds.
V2_BUILTIN_FP = "37e35acaa4d6173995c9f0208d35a484"


def body(night, street="2 rue Paul Doumer", visite=None):
    tok = secrets.token_hex(16)
    sid = secrets.token_urlsafe(12).replace("-", "x").replace("_", "y") + "7Q"
    return (
        "<p>Envoyez votre dossier par voie postale. Téléchargez le "
        "<a href='/docs/formulaire.doc?PHPSESSID=%(tok)s'>formulaire de demande</a>, "
        "lisez la <a href='/aes/notice;jsessionid=%(tok)s?page=aes&amp;sid=%(sid)s'>notice</a> "
        "et la <a href='/aes/pieces?%(visite)sid=28866'>liste des pièces</a>.</p>"
        "<p>Adresse du service : https://127.0.0.1/aes?PHPSESSID=%(tok)s</p>"
        "<p>Préfecture de l'Aisne<br>%(street)s<br>02000 LAON</p>"
        "<p><a href='/actualites?utm_source=newsletter%(night)d&amp;xtor=EREC-%(night)d'>Actualités</a></p>"
        % {"tok": tok, "sid": sid, "night": night, "street": street,
           "visite": "visite=%d&amp;" % visite if visite is not None else ""})


def main(a):
    s = pw.Scenario(a.bin, "tokens")
    try:
        s.start_server()
        with open(s.site + "/docs-formulaire.doc", "wb") as f:
            f.write(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + b"formulaire AES")
        import os
        os.makedirs(s.site + "/docs", exist_ok=True)
        os.rename(s.site + "/docs-formulaire.doc", s.site + "/docs/formulaire.doc")
        office = {"id": "02-laon", "name": "Préfecture de Laon", "pages": [{"url": s.url("/p.html")}]}
        s.write_watchlist([office])

        s.put("/p.html", pw.page("AES", body(1), chrome_noise="x1"))
        p, r = s.run()
        check_eq(p.returncode, 0, "night 1 exit (stderr: %s)" % p.stderr)
        check_eq(r["pages"][0]["status"], "new", "night 1: new page")
        docs = r["pages"][0].get("documents", [])
        check_eq([d["url"] for d in docs], [s.url("/docs/formulaire.doc")],
                 "night 1: the form, without its token")
        text = s.sql("select s.text from pages p join snapshots s on s.id = p.current_snapshot"
                     " where p.id = '02-laon'")[0][0]
        for noise in ("PHPSESSID", "jsessionid", "sid=", "utm_", "xtor"):
            check(noise not in text, "night 1: no %s in the stored text:\n%s" % (noise, text))
        check("id=28866" in text and "page=aes" in text, "real parameters kept:\n" + text)

        s.put("/p.html", pw.page("AES", body(2), chrome_noise="x2"))
        p, r = s.run()
        check_eq(p.returncode, 0, "night 2 exit (stderr: %s)" % p.stderr)
        check_eq(r["pages"][0]["status"], "unchanged", "night 2: new tokens are not a change")
        check_eq(p.stdout, "", "night 2 prints nothing")
        docs = r["pages"][0].get("documents", [])
        check_eq([(d["url"], d["status"]) for d in docs], [(s.url("/docs/formulaire.doc"), "unchanged")],
                 "night 2: the same document, unchanged")
        check_eq(len(s.sql("select id from changes")), 0, "no change stored")

        # A snapshot taken before the canonical links: an older extractor's
        # fingerprint, and its text (and facts) holding a token.
        sid = s.sql("select current_snapshot from pages where id = '02-laon'")[0][0]
        old_text = text.replace("formulaire.doc)", "formulaire.doc?PHPSESSID=0123456789abcdef0123456789abcdef)")
        check(old_text != text, "the old text differs from today's")
        con = sqlite3.connect(s.db)
        con.execute("update snapshots set rules_fp = ?, text = ? where id = ?",
                    (V2_BUILTIN_FP, old_text, sid))
        con.commit()
        con.close()
        s.put("/p.html", pw.page("AES", body(3), chrome_noise="x3"))
        p, r = s.run()
        check_eq(p.returncode, 0, "night 3 exit (stderr: %s)" % p.stderr)
        check_eq(r["pages"][0]["status"], "unchanged", "night 3: the old snapshot is re-extracted quietly")
        check_eq(p.stdout, "", "night 3 prints nothing")
        check_eq(len(s.sql("select id from changes")), 0, "still no change stored")

        s.write_watchlist([office], defaults={"ignore_params": ["visite"]})
        s.put("/p.html", pw.page("AES", body(4, visite=4), chrome_noise="x4"))
        p, r = s.run()
        check_eq(p.returncode, 0, "night 4 exit (stderr: %s)" % p.stderr)
        check_eq(r["pages"][0]["status"], "unchanged", "night 4: ignore_params added, no alert")
        check("visite" not in s.sql("select s.text from pages p join snapshots s"
                                    " on s.id = p.current_snapshot")[0][0], "night 4: no visite in the text")

        s.put("/p.html", pw.page("AES", body(5, visite=5), chrome_noise="x5"))
        p, r = s.run()
        check_eq(p.returncode, 0, "night 5 exit (stderr: %s)" % p.stderr)
        check_eq(r["pages"][0]["status"], "unchanged", "night 5: another visite is not a change")
        check_eq(p.stdout, "", "night 5 prints nothing")
        check_eq(len(s.sql("select id from changes")), 0, "night 5: still no change stored")

        s.put("/p.html", pw.page("AES", body(6, street="4 rue Paul Doumer", visite=6), chrome_noise="x6"))
        p, r = s.run()
        check_eq(p.returncode, 0, "night 6 exit (stderr: %s)" % p.stderr)
        check_eq(r["pages"][0]["status"], "changed", "night 6: the address change is reported")
        for noise in ("PHPSESSID", "jsessionid", "sid=", "visite=", "utm_", "xtor"):
            check(noise not in p.stdout, "night 6: no %s in the report:\n%s" % (noise, p.stdout))
        check("4 rue Paul Doumer" in p.stdout, "night 6: the new address is in the report:\n" + p.stdout)
        docs = r["pages"][0].get("documents", [])
        check_eq([d["status"] for d in docs], ["unchanged"], "night 6: the document is still the same")
    finally:
        s.close()


if __name__ == "__main__":
    pw.main(main)
