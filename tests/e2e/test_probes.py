"""End to end: holes found probing from outside (issue 20 B 4, 5, 6).

One nightly run under cron's C locale (LC_ALL=C), with `resolve:` in the
watchlist's defaults pinning two public-looking names to the loopback
server, like curl's --resolve:

  idn          http://préfecture.example:PORT/       -> new (the IDN host is fetched)
  tointernal   public.example -> 302 http://127.0.0.1:PORT/interne.html
                                                     -> blocked, the internal page
                                                        never requested
  creds        public.example -> 301 http://editeur:s3cret@public.example/...
                                                     -> new, and the password is in
                                                        no output: stdout, stderr,
                                                        JSON, HTML, database

Then `prefwatch check` refuses a watchlist URL with user-info at
FILE:LINE:COLUMN, sends nothing, and does not print the password either;
`prefwatch test URL` refuses such a URL the same way.
"""
import os

import pw

TEXT = "<p>La demande se fait par voie postale.</p><p>Préfecture de l'Aisne<br>02000 LAON</p>"
C_LOCALE = {"LC_ALL": "C", "LANG": "C"}


def main(a):
    s = pw.Scenario(a.bin, "probes")
    try:
        s.start_server()
        s.put("/aes.html", pw.page("AES", TEXT))
        s.put("/aes-nouvelle.html", pw.page("AES", TEXT.replace("Aisne", "Somme")))
        s.put("/interne.html", pw.page("Interne", "<p>Console d'administration interne.</p>"))
        s.route("/vers-interne", {"status": 302, "redirect": s.url("/interne.html")})
        pub = "http://public.example:%d" % s.port
        s.route("/avec-secret", {"status": 301,
                                 "redirect": "http://editeur:s3cret@public.example:%d/aes-nouvelle.html"
                                 % s.port})
        defaults = {"failure_threshold": 1,
                    "resolve": ["préfecture.example:%d:127.0.0.1" % s.port,
                                "public.example:%d:127.0.0.1" % s.port]}
        s.write_watchlist([
            {"id": "02-laon", "name": "Préfecture de Laon",
             "pages": [{"url": "http://préfecture.example:%d/aes.html" % s.port}]},
            {"id": "80-amiens", "name": "Préfecture d'Amiens", "departement": "80",
             "departement_name": "Somme", "pages": [{"url": pub + "/vers-interne"}]},
            {"id": "60-beauvais", "name": "Préfecture de Beauvais", "departement": "60",
             "departement_name": "Oise", "pages": [{"url": pub + "/avec-secret"}]},
        ], defaults=defaults)
        p = s.prefwatch("check", s.watchlist, env=C_LOCALE)
        pw.check_eq(p.returncode, 0, "watchlist with resolve: and an IDN host is valid: " + p.stderr)

        html = os.path.join(s.dir, "report.html")
        s.runs += 1
        out = os.path.join(s.dir, "report.json")
        p = s.prefwatch("run", "--watchlist", s.watchlist, "--db", s.db, "--json", out,
                        "--html", html, "--host-delay", "0", env=C_LOCALE)
        with open(out, encoding="utf-8") as f:
            json_text = f.read()
        r = pw.json.loads(json_text)
        st = {pg["id"]: pg for pg in r["pages"]}
        pw.check_eq(st["02-laon"]["status"], "new", "IDN host fetched under the C locale: %r" % st["02-laon"])
        pw.check_eq(st["80-amiens"]["status"], "failed", "redirect into the local network fails")
        pw.check_eq(st["80-amiens"].get("failure"), "blocked", "as 'blocked'")
        paths = [q["path"] for q in s.requests()]
        pw.check("/interne.html" not in paths, "the internal page was never requested: %r" % paths)
        pw.check("réseau local" in p.stdout, "the report says why, in French: " + p.stdout)
        pw.check_eq(st["60-beauvais"]["status"], "new", "page behind a redirect with credentials read")
        pw.check("public.example:%d/aes-nouvelle.html" % s.port in json_text, "its final URL is kept")
        with open(html, encoding="utf-8") as f:
            html_text = f.read()
        dump = "\n".join(str(row) for t in ("pages", "fetches", "snapshots")
                         for row in s.sql("select * from %s" % t))
        for what, text in (("stdout", p.stdout), ("stderr", p.stderr), ("JSON", json_text),
                           ("HTML", html_text), ("database", dump)):
            pw.check("s3cret" not in text and "editeur:" not in text, "no credentials in the " + what)
        pw.check_eq(p.returncode, 1, "run completed, a page could not be read")

        # user-info in the watchlist itself: refused, nothing fetched, not printed
        s.write_watchlist([
            {"id": "02-laon", "name": "Préfecture de Laon",
             "pages": [{"url": "http://redaction:m0tdepasse@127.0.0.1:%d/aes.html" % s.port}]}])
        before = len(s.requests())
        for argv in (["check", s.watchlist],
                     ["run", "--watchlist", s.watchlist, "--db", s.db, "--host-delay", "0"]):
            p = s.prefwatch(*argv, env=C_LOCALE)
            pw.check_eq(p.returncode, 2, "%s refuses credentials in a URL" % argv[0])
            pw.check("%s:9:14: " % s.watchlist in p.stderr and "~/.netrc" in p.stderr,
                     "FILE:LINE:COLUMN error naming ~/.netrc: " + p.stderr)
            pw.check("m0tdepasse" not in p.stderr + p.stdout, "the password is not printed")
        p = s.prefwatch("test", "http://redaction:m0tdepasse@127.0.0.1:%d/aes.html" % s.port,
                        env=C_LOCALE)
        pw.check_eq(p.returncode, 2, "prefwatch test refuses credentials in a URL too")
        pw.check("~/.netrc" in p.stderr and "m0tdepasse" not in p.stderr + p.stdout,
                 "names ~/.netrc, does not print the password: " + p.stderr)
        pw.check_eq(len(s.requests()), before, "nothing fetched")
    finally:
        s.close()


if __name__ == "__main__":
    pw.main(main)
