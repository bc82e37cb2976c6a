"""End to end: one nightly run over a site where every page is hostile.

One `prefwatch run` (small limits in the watchlist's defaults) over
pathological pages on 127.0.0.1 plus two normal pages:

  trickle      one byte per second                      -> timeout
  endless      body that never ends                     -> too_large
  gzipbomb     ~70 KB of gzip inflating to 64 MiB        -> too_large
  loop         /loop-a -> /loop-b -> /loop-a ...         -> http_error
  nested       50,000 nested <div>s around the text      -> no_content (libxml2 halts
                                                            at depth 256; a partial
                                                            text is not taken), warned
  line10m      a 10 MiB single line of HTML (inline
               markup, no newline), WITHIN max_body
               (max_body is 12 MiB here)                 -> new, its whole text as
                                                            one line
  textnode     one 10.5 MB text node (within max_body)   -> no_content: libxml2 halts
                                                            on text nodes over
                                                            10,000,000 bytes, warned
  line13m      a 13 MiB single line, BEYOND max_body     -> too_large
  binary       random bytes with NULs as text/html       -> bad_content
  soft404      200 "Page introuvable"                    -> not_found
  tofile       302 to file:///etc/passwd                 -> moved, nothing read
  togopher     302 to gopher://127.0.0.1:1/              -> moved
  todict       302 to dict://127.0.0.1:1/d:x             -> moved
  script       <script>, javascript: links, on* handlers
               and literal "<script>" text in the procedure
  ctrl         ESC sequences, BEL, BS, DEL in title/text  -> new, text and stdout
                                                            free of them
  badgzip      Content-Encoding: gzip, body is not gzip  -> bad_content
  headerbomb   1000 response headers of 8 KB each        -> too_large ("Too large
                                                            response headers", from
                                                            libcurl's 300 KB cap)
  inject       format directives, SQL and shell syntax in
               the text, title and URL                   -> new, stored verbatim,
                                                            nothing runs

Asserted: each page's failure kind (or status), the whole run's wall time,
the run's peak RSS (getrusage of the waited child), the two normal pages
are `new` with their text, and the HTML report (--html) holds no <script>
element, no javascript: URL and no event-handler attribute coming from
page content (parsed with html.parser). A second run (--only script) turns
the script page into a confirmed change so that its hostile text and links
go through the diff and the field deltas of the HTML report too, and of
`prefwatch show ID --html` and `prefwatch report --pending --html`.

Second scenario (documents): PDF links of a page served the same way
(redirects to file:// and gopher://, endless, gzip bomb, trickle, loop,
random bytes): each document gets its named failure, the page is new.

Third scenario (security): watchlist URLs with file://, gopher://, dict://
are refused by `check` and `run` (status 2, nothing fetched, no database);
`prefwatch test` refuses them and a redirect to file://; TLS stays verified
(self-signed HTTPS page, directly or via a redirect: 'tls'; read once its
certificate is the ca_bundle); the SMTP password (environment or URL) never
appears in stderr, stdout, report files, `prefwatch config`, the database or
the mailed messages, and the mailed HTML part of a hostile change holds no
active content.
"""
import gzip
import html.parser
import json
import os
import random
import re
import resource
import shutil
import subprocess
import time

import pw

NORMAL_A = """<p>Vous devez transmettre votre demande d'admission exceptionnelle au séjour
<strong>par courrier postal</strong> à l'adresse suivante :</p>
<p>Préfecture de l'Aisne<br>2 Rue Paul Doumer<br>02000 LAON</p>"""

NORMAL_B = """<h2>Composition du dossier</h2>
<p>Le dossier doit être adressé par courrier recommandé à la préfecture du Nord.</p>
<ul><li>une lettre de motivation</li><li>la liste de pièces</li></ul>"""

SCRIPT_V1 = """<p>Les demandes se font en ligne sur la plateforme dédiée.</p>
<p><a href="https://www.demarches-simplifiees.fr/commencer/aes-02">Déposer la demande</a></p>"""

# hostile content: active elements, javascript: URLs in every disguise, and
# text that *looks* like markup (it is text: it must come out escaped)
SCRIPT_V2 = """<p>Les demandes se font en ligne sur la plateforme dédiée.</p>
<script>alert("from-page-script")</script>
<p onclick="alert('onclick')">Prenez rendez-vous <a href="javascript:alert('js1')">ici</a>
ou <a href="JaVaScRiPt:alert('js2')">là</a> ou <a href=" java&#x09;script:alert('js3')">là-bas</a>
ou <a href="&#106;avascript:alert('js4')">encore</a>.</p>
<p>Texte littéral : &lt;script&gt;alert('text-script')&lt;/script&gt; et
&lt;img src=x onerror=alert(1)&gt; et &lt;a href="javascript:alert(5)"&gt;lien&lt;/a&gt;</p>
<iframe src="javascript:alert('iframe')"></iframe>
<img src="x" onerror="alert('img')">
<svg><script>alert("svg-script")</script></svg>
<h3>Pièces &lt;img src=x onerror=alert('h3')&gt;</h3>
<p>Écrit comme un lien : [clic](javascript:alert('md-link')) et
[data](data:text/html,&lt;script&gt;alert('md-data')&lt;/script&gt;) et
**&lt;b onclick=alert('md-bold')&gt;gras** et des marques [-ôté-] {+ajouté+}</p>
<ul><li><a href="https://www.demarches-simplifiees.fr/commencer/aes-02?x=&quot;&gt;&lt;script&gt;alert('href')&lt;/script&gt;">Lien
piégé ](javascript:alert('label'))</a></li></ul>
<p><a href="https://www.demarches-simplifiees.fr/commencer/aes-02">Déposer la demande</a></p>"""

INJECT_TMPL = """<p>Format : %n%s%s%s%x%p et %1$s et %99999999d.</p>
<p>SQL : '); DROP TABLE snapshots; -- et " OR 1=1 --</p>
<p>Shell : $(touch SENTINEL) et `touch SENTINEL` et ; touch SENTINEL &amp;&amp; rm -rf /nonexistent</p>
<p>La demande se fait par courrier postal.</p>"""
INJECT = None

MIB = 1024 * 1024
MAX_BODY = 12 * MIB
RUN_WALL_LIMIT = 90      # s, the whole first run
# peak RSS of the run: bodies up to max_body (12 MiB) in flight, and above
# all libxml2's DOM of line10m (10 MiB of small inline elements: about 280 MB
# alone, some 27 bytes of DOM per byte of HTML; a plain 85 KB page costs a
# few MB). So the bound is about 30 x max_body, not a flat figure. ASan's
# shadow memory and quarantine need more headroom.
RSS_LIMIT_MB = 400


def is_asan(binary):
    with open(binary, "rb") as f:
        return b"__asan_init" in f.read()


class ActiveContent(html.parser.HTMLParser):
    """Collects what would act in a browser: script elements, javascript:
    URLs in any attribute, event-handler attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts = 0
        self.js_urls = []
        self.handlers = []
        self.iframes = 0
        self.links = []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts += 1
        if tag in ("iframe", "object", "embed"):
            self.iframes += 1
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append((tag, name, value))
            if value is None:
                continue
            # browsers drop ASCII whitespace and control characters in a scheme
            squeezed = "".join(ch for ch in value if ord(ch) > 0x20).lower()
            if squeezed.startswith("javascript:") or squeezed.startswith("vbscript:") or \
                    squeezed.startswith("data:text/html"):
                self.js_urls.append((tag, name, value))
            if tag == "a" and name == "href":
                self.links.append(value)

    handle_startendtag = handle_starttag


def check_html_report(path, what):
    pw.check(os.path.exists(path), what + ": HTML report written")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        text = f.read()
    p = ActiveContent()
    p.feed(text)
    p.close()
    pw.check_eq(p.scripts, 0, what + ": <script> elements in the HTML report")
    pw.check_eq(p.js_urls, [], what + ": javascript: URLs in the HTML report")
    pw.check_eq(p.handlers, [], what + ": event-handler attributes in the HTML report")
    pw.check_eq(p.iframes, 0, what + ": iframe/object/embed in the HTML report")
    for marker in ("from-page-script", "svg-script", "'onclick'", "alert('img')"):
        pw.check(marker not in text or "<script" not in text.lower(),
                 what + ": page script %s not live" % marker)
    return text


def main(a):
    hostile(a)
    hostile_documents(a)
    security(a)


def hostile_documents(a):
    """Linked documents (PDF links of a procedure page) meet the same
    pathological server: each gets its named failure, the page is new."""
    s = pw.Scenario(a.bin, "hostile-docs")
    try:
        s.start_server()
        cases = {"tofile": "moved", "togopher": "moved", "endless": "too_large",
                 "bomb": "too_large", "trickle": "timeout", "loop": "http_error",
                 "binary": "bad_content"}
        links = "".join('<li><a href="/d/%s.pdf">Document %s</a></li>' % (c, c) for c in cases)
        s.put("/aes.html", pw.page("Admission exceptionnelle au séjour",
                                   "<p>La demande est déposée par voie postale.</p><ul>%s</ul>" % links))
        s.route("/d/tofile.pdf", {"redirect": "file:///etc/passwd"})
        s.route("/d/togopher.pdf", {"redirect": "gopher://127.0.0.1:1/x.pdf"})
        s.route("/d/endless.pdf", {"endless": True, "content_type": "application/pdf"})
        with open(os.path.join(s.site, "bomb.gz"), "wb") as f:
            f.write(gzip.compress(b"%PDF-1.4\n" + b"a" * (64 * MIB), 9))
        s.route("/d/bomb.pdf", {"file": "bomb.gz", "content_type": "application/pdf",
                                "headers": {"Content-Encoding": "gzip"}})
        s.put("/d/tr.pdf", "%PDF-1.4\n" + "x" * 200)
        s.route("/d/trickle.pdf", {"file": "d/tr.pdf", "trickle": 1, "content_type": "application/pdf"})
        s.route("/d/loop.pdf", {"redirect": "/d/loop.pdf"})
        with open(os.path.join(s.site, "rnd.bin"), "wb") as f:
            f.write(bytes(random.Random(9).randrange(256) for _ in range(100000)))
        s.route("/d/binary.pdf", {"file": "rnd.bin", "content_type": "application/pdf"})
        s.write_watchlist([{"id": "d-aes", "name": "Préfecture D", "pages": [{"url": s.url("/aes.html")}]}],
                          defaults={"connect_timeout": 3, "timeout": 6, "low_speed_limit": 100,
                                    "low_speed_time": 2, "max_body": MAX_BODY})
        t0 = time.monotonic()
        p, r = s.run()
        wall = time.monotonic() - t0
        pw.check(r is not None, "documents: a JSON report (stderr: %s)" % p.stderr[-1000:])
        if r is None:
            return
        pw.check(wall < RUN_WALL_LIMIT * float(os.environ.get("PREFWATCH_TIMEOUT_FACTOR", "1")),
                 "documents: run within %d s (took %.1f s)" % (RUN_WALL_LIMIT, wall))
        pg = r["pages"][0]
        pw.check_eq(pg["status"], "new", "documents: the page itself is new")
        got = {d["url"].rsplit("/", 1)[-1][:-4]: (d.get("status"), d.get("failure"))
               for d in pg.get("documents", [])}
        pw.check_eq(got, {c: ("failed", k) for c, k in cases.items()}, "documents: outcomes")
        pw.check("root:" not in json.dumps(r) + p.stdout + p.stderr, "documents: nothing of /etc/passwd")
        pw.check(not any(req["path"].startswith("/etc") for req in s.requests()), "documents: no odd request")
    finally:
        s.close()


def hostile(a):
    s = pw.Scenario(a.bin, "hostile")
    try:
        s.start_server()
        sentinel = os.path.join(s.dir, "SHELL-RAN")
        global INJECT
        INJECT = INJECT_TMPL.replace("SENTINEL", sentinel)
        title = "Admission exceptionnelle au séjour"
        s.put("/a.html", pw.page(title, NORMAL_A))
        s.put("/b.html", pw.page(title, NORMAL_B))
        s.put("/script.html", pw.page(title, SCRIPT_V1))

        # terminal escapes and other control characters in title and text
        s.put("/ctrl.html", pw.page("Titre \x1b[1mgras\x1b[0m", "<p>La demande se fait "
                                    "\x1b[2J\x1b]0;titre\x07 par &#x1b;[31mcourrier&#27;[0m "
                                    "postal\x08\x08\x7f ici.</p>"))
        # text aimed at a format string, SQL text or a shell
        s.put("/inject.html", pw.page("Séjour %n%s%s%x'; DROP TABLE pages; --", INJECT))
        # trickle: a normal page, one byte per second
        s.put("/trickle.html", pw.page(title, NORMAL_A))
        s.route("/trickle.html", {"trickle": 1})
        # endless body
        s.route("/endless.html", {"endless": True, "content_type": "text/html; charset=utf-8"})
        # gzip bomb: served raw with Content-Encoding: gzip
        bomb = gzip.compress(b"<html><body><main><p>" + b"a" * (64 * MIB) + b"</p></main></body></html>", 9)
        with open(os.path.join(s.site, "bomb.gz"), "wb") as f:
            f.write(bomb)
        s.route("/gzipbomb.html", {"file": "bomb.gz", "content_type": "text/html; charset=utf-8",
                                   "headers": {"Content-Encoding": "gzip"}})
        # a body that claims gzip but is not
        with open(os.path.join(s.site, "notgzip.bin"), "wb") as f:
            f.write(b"\x1f\x8b\x08\x00" + bytes(random.Random(5).randrange(256) for _ in range(5000)))
        s.route("/badgzip.html", {"file": "notgzip.bin", "content_type": "text/html",
                                  "headers": {"Content-Encoding": "gzip"}})
        # 8 MB of response headers (1000 headers of 8 KB) before a normal page
        s.put("/headerbomb.html", pw.page(title, NORMAL_B))
        s.route("/headerbomb.html", {"headers": {"X-Pad-%d" % i: "h" * 8000 for i in range(1000)}})
        # redirect loop
        s.route("/loop-a.html", {"redirect": "/loop-b.html"})
        s.route("/loop-b.html", {"redirect": "/loop-a.html"})
        # 50,000 nested elements around real procedure text
        s.put("/nested.html", pw.page(title, "<div>" * 50000 +
                                      "<p>Texte au fond de cinquante mille éléments.</p>" +
                                      "</div>" * 50000))
        # a 10 MiB single line (within max_body) and a 13 MiB one (beyond)
        words = "dossier courrier préfecture séjour "
        inline = "<span>dossier</span> <b>courrier</b> préfecture <i>séjour</i> "
        line10 = "<p>" + inline * (10 * MIB // len(inline.encode("utf-8"))) + "</p>"
        s.put("/line10m.html", pw.page(title, line10).replace("\n", " "))
        s.put("/textnode.html", pw.page(title, "<p>" + words * (10500000 // 37) + "</p>"))
        line13 = "<p>" + words * (13 * MIB // len(words.encode("utf-8"))) + "</p>"
        s.put("/line13m.html", pw.page(title, line13).replace("\n", " "))
        # binary served as text/html
        rnd = random.Random(7)
        with open(os.path.join(s.site, "binary.bin"), "wb") as f:
            f.write(bytes(rnd.randrange(256) for _ in range(200000)))
        s.route("/binary.html", {"file": "binary.bin", "content_type": "text/html"})
        # soft 404: status 200, the page says it does not exist
        s.route("/soft404.html", {"body": "<html><head><title>Page introuvable</title></head><body>"
                                          "<main><h1>Page introuvable</h1><p>La page que vous "
                                          "recherchez n'existe pas ou a été déplacée.</p></main>"
                                          "</body></html>"})
        # redirects to schemes a crawler must not follow
        s.route("/tofile.html", {"redirect": "file:///etc/passwd"})
        s.route("/togopher.html", {"redirect": "gopher://127.0.0.1:1/1"})
        s.route("/todict.html", {"redirect": "dict://127.0.0.1:1/d:secret"})

        pages = [("a", "/a.html"), ("b", "/b.html"), ("script", "/script.html"),
                 ("ctrl", "/ctrl.html"), ("inject", "/inject.html?q=%25n%25s'%3B--$(id)"),
                 ("trickle", "/trickle.html"), ("endless", "/endless.html"),
                 ("gzipbomb", "/gzipbomb.html"), ("loop", "/loop-a.html"),
                 ("nested", "/nested.html"), ("line10m", "/line10m.html"),
                 ("line13m", "/line13m.html"), ("textnode", "/textnode.html"),
                 ("badgzip", "/badgzip.html"), ("headerbomb", "/headerbomb.html"), ("binary", "/binary.html"),
                 ("soft404", "/soft404.html"), ("tofile", "/tofile.html"),
                 ("togopher", "/togopher.html"), ("todict", "/todict.html")]
        s.write_watchlist([{"id": "h-" + pid, "name": "Préfecture " + pid,
                            "pages": [{"url": s.url(path)}]} for pid, path in pages],
                          defaults={"connect_timeout": 3, "timeout": 6, "low_speed_limit": 100,
                                    "low_speed_time": 2, "max_body": MAX_BODY})

        html1 = os.path.join(s.dir, "report-1.html")
        t0 = time.monotonic()
        p, r = s.run("--html", html1, "--jobs", "8")
        wall = time.monotonic() - t0
        p1_stdout = p.stdout
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
        print("run 1: %.1f s, peak RSS %.0f MB, exit %d" % (wall, peak_mb, p.returncode))
        pw.check(r is not None, "run 1 wrote a JSON report (exit %d, stderr: %s)"
                 % (p.returncode, p.stderr[-2000:]))
        if r is None:
            return
        pw.check_eq(p.returncode, 1, "run 1 exit status (pages failed)")
        pw.check(wall < RUN_WALL_LIMIT * float(os.environ.get("PREFWATCH_TIMEOUT_FACTOR", "1")), "whole run within %d s (took %.1f s)" % (RUN_WALL_LIMIT, wall))
        limit = RSS_LIMIT_MB * (4 if is_asan(s.bin) else 1)
        if os.environ.get("PREFWATCH_WRAPPER"):
            print("peak RSS not checked: the binary runs under %s" % os.environ["PREFWATCH_WRAPPER"].split()[0])
        else:
            pw.check(peak_mb < limit, "peak RSS of the run %.0f MB < %d MB" % (peak_mb, limit))
        pw.check("AddressSanitizer" not in p.stderr and "runtime error" not in p.stderr,
                 "no sanitizer report: " + p.stderr[-2000:])

        st = {pg["id"][2:]: pg for pg in r["pages"]}
        summary = {k: (v["status"], v.get("failure")) for k, v in st.items()}
        print(json.dumps(summary, indent=1))
        want = {"badgzip": "bad_content", "trickle": "timeout", "endless": "too_large", "gzipbomb": "too_large",
                "loop": "http_error", "line13m": "too_large", "binary": "bad_content",
                "soft404": "not_found", "tofile": "moved", "togopher": "moved",
                "todict": "moved"}
        for pid, kind in want.items():
            pg = st.get(pid, {})
            pw.check_eq((pg.get("status"), pg.get("failure")), ("failed", kind), pid + " outcome")
            pw.check(pg.get("error"), pid + " has an error message")
        for pid in ("tofile", "togopher", "todict"):
            pw.check(st[pid].get("final_url", "").split(":", 1)[0] in ("file", "gopher", "dict"),
                     pid + ": final_url names the refused target: %r" % st[pid].get("final_url"))
        pw.check("root:" not in json.dumps(r), "nothing of /etc/passwd in the report")
        pw.check("root:" not in p.stdout + p.stderr, "nothing of /etc/passwd in the output")

        # the normal pages are unaffected
        for pid, needle in (("a", "2 Rue Paul Doumer"), ("b", "lettre de motivation"),
                            ("script", "plateforme dédiée")):
            pw.check_eq(st[pid]["status"], "new", pid + " is new")
            pw.check(needle in st[pid].get("text", ""), pid + " text holds %r" % needle)
        # 8 MB of headers: libcurl stops at 300 KB ("Too large response
        # headers"); prefwatch names it too_large, without retries
        hb = st["headerbomb"]
        pw.check(hb["status"] == "failed" and hb.get("failure") == "too_large"
                 and "header" in hb.get("error", "").lower(),
                 "headerbomb: named failure about the headers: %r" % ((hb["status"], hb.get("failure"),
                                                                      hb.get("error")),))
        # injection text: stored and reported verbatim, acted on nowhere
        inj = st["inject"]
        pw.check_eq(inj["status"], "new", "inject is new")
        for needle in ("%n%s%s%s%x%p", "'); DROP TABLE snapshots; --", "$(touch " + sentinel + ")",
                       "`touch " + sentinel + "`"):
            pw.check(needle in inj.get("text", ""), "inject text holds %r verbatim" % needle)
        pw.check(not os.path.exists(sentinel), "no shell ran the page's text")
        stored = s.sql("select text from snapshots where page_id = 'h-inject'")
        pw.check(len(stored) == 1 and "DROP TABLE snapshots" in stored[0][0],
                 "inject text stored verbatim")
        pw.check_eq(sorted(t for (t,) in s.sql("select name from sqlite_master where type = 'table'")
                           if t in ("pages", "snapshots", "changes", "runs", "fetches")),
                    ["changes", "fetches", "pages", "runs", "snapshots"], "tables intact")
        # nested: either its whole text or a named failure (a partial text
        # would read as the procedure vanishing); never a crash or a hang
        for pid, needle in (("nested", "cinquante mille"), ("textnode", "dossier courrier")):
            n = st[pid]
            pw.check((n["status"] == "new" and needle in n.get("text", "")) or
                     (n["status"] == "failed" and n.get("failure") in ("no_content", "bad_content")),
                     "%s: sane outcome %r" % (pid, (n["status"], n.get("failure"))))
            pw.check(n["status"] == "new" or ("/%s.html" % pid) in p.stderr,
                     "%s: why it failed is logged: %s" % (pid, p.stderr[-1500:]))
        # 10 MiB line within max_body: a new page whose text is that line
        l10 = st["line10m"]
        pw.check_eq(l10["status"], "new", "line10m (10 MiB, within max_body) is new")
        t10 = l10.get("text", "")
        want10 = (10 * MIB // len(inline.encode("utf-8"))) * len("dossier courrier préfecture séjour ")
        longest = max((len(l) for l in t10.split("\n")), default=0)
        pw.check(abs(longest - want10) < 1000,
                 "line10m text holds the whole line (%d chars, want about %d)" % (longest, want10))

        # per-fetch durations stay within the page's time limits
        rows = s.sql("select page_id, duration, failure from fetches where run_id = 1")
        for page_id, dur, failure in rows:
            # timeout 6 s per attempt, 3 attempts and their backoff
            pw.check(dur is not None and dur < 35, "%s fetch took %s s" % (page_id, dur))
        # nothing of the gzip bomb or the endless body was kept
        big = s.sql("select page_id, length(raw) from snapshots where length(raw) > ?",
                    (MAX_BODY,))
        pw.check_eq(big, [], "no stored body beyond max_body")
        pw.check_eq(s.sql("pragma integrity_check"), [("ok",)], "database integrity")

        text1 = check_html_report(html1, "run 1")

        # run 2: the script page turns hostile (a change, confirmed by a
        # second fetch): its text, diff and links go into the HTML report
        s.put("/script.html", pw.page(title, SCRIPT_V2))
        html2 = os.path.join(s.dir, "report-2.html")
        text2_path = os.path.join(s.dir, "report-2.txt")
        p, r = s.run("--html", html2, "--text", text2_path, "--only", "h-script")
        pw.check_eq(p.returncode, 0, "run 2 exit status (stderr: %s)" % p.stderr[-1000:])
        sp = r["pages"][0] if r and r["pages"] else {}
        pw.check_eq(sp.get("status"), "changed", "script page changed")
        text2 = check_html_report(html2, "run 2")
        if text2:
            # the literal text is shown, escaped, not dropped
            pw.check("&lt;script&gt;" in text2 or "&#60;script&#62;" in text2,
                     "literal '<script>' text of the page shown escaped in the HTML report")
            pw.check("from-page-script" not in text2,
                     "the page's own <script> content is not procedure text")
            # issue 15: the procedure is formatted (a heading, a list) and
            # Markdown-looking text from the page stays inert text
            pw.check(re.search(r"<h[4-6] [^>]*>(<ins [^>]*>)?Pièces &lt;img src=x "
                               r"onerror=alert\(&#39;h3&#39;\)&gt;(</ins>)?</h[4-6]>", text2),
                     "the page's heading is a heading, its markup-like text escaped")
            pw.check("<li " in text2, "the page's list is a list")
            for marker in ("md-link", "md-data", "md-bold", "label"):
                pw.check("alert(&#39;%s&#39;)" % marker in text2,
                         "Markdown-looking %s shown as text, escaped" % marker)
            # wdiff marks are the text report's; in HTML only the page's own
            # literal ones (escaped text of its paragraph) may appear
            own = text2.replace("[-ôté-] {+ajouté+}", "")
            pw.check("[-" not in own and "{+" not in own and "-]" not in own and "+}" not in own,
                     "no wdiff marks in the HTML report")
            pw.check("<ins " in text2, "the added passages are marked with <ins>")
        # the text report and JSON are not HTML; but the links fact must not
        # carry javascript: URLs as links either
        links = (sp.get("fields") or {}).get("links", [])
        pw.check(not any("javascript:" in l.lower().replace(" ", "") for l in links),
                 "no javascript: URL among the page's link facts: %r" % links)
        # the other HTML views of the same change
        cid = (sp.get("change") or {}).get("id")
        if pw.check(cid is not None, "run 2 change has an id"):
            v = s.prefwatch("show", str(cid), "--html", "--db", s.db)
            pw.check_eq(v.returncode, 0, "show --html exit status")
            path = os.path.join(s.dir, "report-show.html")
            with open(path, "w", encoding="utf-8") as f:
                f.write(v.stdout)
            check_html_report(path, "show --html")
        path = os.path.join(s.dir, "report-pending.html")
        v = s.prefwatch("report", "--pending", "--html=" + path, "--db", s.db)
        pw.check_eq(v.returncode, 0, "report --pending --html=F exit status: " + v.stderr[-300:])
        check_html_report(path, "report --pending --html=F")
        # the documented form `--html F` (README, --help) must work too
        path = os.path.join(s.dir, "report-pending2.html")
        v = s.prefwatch("report", "--pending", "--html", path, "--db", s.db)
        pw.check(v.returncode == 0 and os.path.exists(path),
                 "report --pending --html F (documented; cli/review.c declares --html "
                 "optional_argument for show and report alike): exit %d, %s"
                 % (v.returncode, v.stderr.strip()))

        # control characters (terminal escapes) never reach the text or stdout
        ctrl = st["ctrl"]
        pw.check_eq(ctrl["status"], "new", "ctrl is new")
        t = ctrl.get("text", "")
        pw.check("courrier" in t and not any(ord(ch) < 0x20 and ch != "\n" or ord(ch) == 0x7f
                                             for ch in t),
                 "ctrl: text without control characters: %r" % t[-200:])
        pw.check(not any(c in p1_stdout for c in "\x1b\x07\x08\x7f"),
                 "run 1 stdout carries no control characters from pages")
    finally:
        s.close()


PASSWORD = "Tr3s-S3cret-pw-4242"


def check_mail_html(raw, what):
    """Every text/html part of a raw message passes the active-content
    check; returns the parts' texts."""
    import email
    import email.policy
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    parts = [p.get_content() for p in msg.walk() if p.get_content_type() == "text/html"]
    for part in parts:
        p = ActiveContent()
        p.feed(part)
        p.close()
        pw.check_eq((p.scripts, p.js_urls, p.handlers, p.iframes), (0, [], [], 0),
                    what + ": active content in the HTML part")
    return parts


def secret_nowhere(s, where, *texts):
    """The SMTP password in none of these texts, nor in the database files."""
    for i, t in enumerate(texts):
        pw.check(PASSWORD not in (t or ""), "%s: password in output #%d" % (where, i))
    for suffix in ("", "-wal", "-journal"):
        f = s.db + suffix
        if os.path.exists(f):
            with open(f, "rb") as fh:
                pw.check(PASSWORD.encode() not in fh.read(), "%s: password in %s" % (where, f))
    for name in os.listdir(s.dir):
        if name.startswith("report"):
            with open(os.path.join(s.dir, name), "rb") as fh:
                pw.check(PASSWORD.encode() not in fh.read(), "%s: password in %s" % (where, name))


def tls_checks(s):
    """TLS stays verified whatever the pages do: a self-signed HTTPS page,
    reached directly or through a redirect from plain HTTP, fails as 'tls';
    the same page is read once its certificate is the configured CA."""
    if not shutil.which("openssl"):
        print("skipped: openssl(1) is not installed: the TLS checks of this scenario did not run")
        return
    from server.harness import TestServer
    cert, key = os.path.join(s.dir, "tls.pem"), os.path.join(s.dir, "tls.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    s.put("/tls.html", pw.page("Admission exceptionnelle au séjour", NORMAL_A))
    with TestServer(s.site, tls=(cert, key)) as tsrv:
        direct = tsrv.url("/tls.html").replace("http://", "https://")
        s.route("/totls.html", {"redirect": direct})
        db = os.path.join(s.dir, "tls.db")
        out = os.path.join(s.dir, "tls.json")
        offices = [{"id": "t-direct", "name": "TLS direct", "pages": [{"url": direct}]},
                   {"id": "t-redirect", "name": "TLS redirect",
                    "pages": [{"url": s.url("/totls.html")}]}]
        for ca, want in ((None, "tls"), (cert, None)):
            d = {"connect_timeout": 3, "timeout": 6}
            if ca:
                d["ca_bundle"] = ca
            s.write_watchlist(offices, defaults=d)
            p = s.prefwatch("run", "--watchlist", s.watchlist, "--db", db, "--json", out,
                            "--host-delay", "0")
            with open(out) as f:
                r = json.load(f)
            got = {pg["id"]: pg.get("failure") for pg in r["pages"]}
            pw.check_eq(got, {"t-direct": want, "t-redirect": want},
                        "TLS with ca_bundle=%s (stderr: %s)" % (ca, p.stderr[-500:]))
        s.route("/totls.html", None)


def security(a):
    """Refused schemes in the watchlist and `prefwatch test`; the SMTP
    password never in stderr, reports, `prefwatch config` or the database."""
    s = pw.Scenario(a.bin, "security")
    try:
        s.start_server()
        # watchlist URLs with schemes a crawler must not use: refused as a
        # watchlist error (status 2), all at once, nothing fetched, no database
        s.write_watchlist([
            {"id": "s-file", "name": "Fichier", "pages": [{"url": "file:///etc/passwd"}]},
            {"id": "s-gopher", "name": "Gopher", "pages": [{"url": "gopher://127.0.0.1:1/1"}]},
            {"id": "s-dict", "name": "Dict", "pages": [{"url": "dict://127.0.0.1:1/d:x"}]},
        ])
        c = s.prefwatch("check", s.watchlist)
        pw.check_eq(c.returncode, 2, "check: refused schemes exit status")
        lines = [l for l in c.stdout.splitlines() + c.stderr.splitlines()
                 if l.startswith(s.watchlist + ":")]
        pw.check_eq(len(lines), 3, "check: one FILE:LINE:COLUMN error per refused URL: %r"
                    % (c.stdout + c.stderr))
        p, r = s.run()
        pw.check_eq(p.returncode, 2, "run: refused schemes exit status")
        pw.check(not os.path.exists(s.db), "run: no database created for a refused watchlist")
        pw.check("root:" not in p.stdout + p.stderr, "run: nothing of /etc/passwd")
        for url in ("file:///etc/passwd", "gopher://127.0.0.1:1/1", "dict://127.0.0.1:1/d:x",
                    "FILE:///etc/passwd"):
            t = s.prefwatch("test", url, "--db", s.db)
            pw.check(t.returncode != 0, "test %s refused (exit %d)" % (url, t.returncode))
            pw.check("root:" not in t.stdout + t.stderr, "test %s: nothing of /etc/passwd" % url)
        # `prefwatch test` of a page redirecting to file:// reads nothing either
        s.route("/tofile.html", {"redirect": "file:///etc/passwd"})
        t = s.prefwatch("test", s.url("/tofile.html"), "--db", s.db)
        pw.check(t.returncode != 0, "test of a redirect to file:// fails (exit %d)" % t.returncode)
        pw.check("root:" not in t.stdout + t.stderr, "test redirect: nothing of /etc/passwd")

        tls_checks(s)

        # the SMTP password: a closed port first (the report stays queued),
        # then a real server asking for it
        s.put("/a.html", pw.page("Admission exceptionnelle au séjour", NORMAL_A))
        s.write_watchlist([{"id": "s-a", "name": "Préfecture A", "pages": [{"url": s.url("/a.html")}]}])
        env = {"PREFWATCH_SMTP_USER": "editor", "PREFWATCH_SMTP_PASSWORD": PASSWORD}
        # the page turns hostile before the mailed run: its change (diff,
        # links) goes into the e-mail's HTML part
        p, r = s.run()
        pw.check_eq(p.returncode, 0, "security: baseline run")
        s.put("/a.html", pw.page("Admission exceptionnelle au séjour", SCRIPT_V2))
        import socket
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
        sock.close()
        mail = ["--mail", "--mail-from", "prefwatch@example.org", "--mail-to", "redaction@example.org"]
        out = os.path.join(s.dir, "report-mail.json")
        html = os.path.join(s.dir, "report-mail.html")
        txt = os.path.join(s.dir, "report-mail.txt")
        p = s.prefwatch("run", "--watchlist", s.watchlist, "--db", s.db, "--host-delay", "0",
                        "--json", out, "--html", html, "--text", txt,
                        "--smtp-url", "smtp://127.0.0.1:%d" % closed, *mail, env=env, timeout=120)
        pw.check_eq(p.returncode, 4, "closed SMTP port: exit status 4 (stderr: %s)" % p.stderr[-500:])
        secret_nowhere(s, "closed SMTP port", p.stdout, p.stderr)
        v = s.prefwatch("run", "--watchlist", s.watchlist, "--db", s.db, "--host-delay", "0",
                        "--smtp-url", "smtp://127.0.0.1:%d" % closed, "--verbose", *mail,
                        env=env, timeout=120)
        secret_nowhere(s, "closed SMTP port, --verbose", v.stdout, v.stderr)
        cfg = s.prefwatch("config", "--db", s.db, env=env)
        secret_nowhere(s, "prefwatch config", cfg.stdout, cfg.stderr)
        # a password written into the SMTP URL itself is not repeated either
        u = s.prefwatch("run", "--watchlist", s.watchlist, "--db", s.db, "--host-delay", "0",
                        "--smtp-url", "smtp://editor:%s@127.0.0.1:%d" % (PASSWORD, closed),
                        "--verbose", *mail, timeout=120)
        secret_nowhere(s, "password in the SMTP URL", u.stdout, u.stderr)
        cu = s.prefwatch("config", "--db", s.db, "--smtp-url",
                         "smtp://editor:%s@127.0.0.1:%d" % (PASSWORD, closed))
        secret_nowhere(s, "config with a password in the SMTP URL", cu.stdout, cu.stderr)
        try:
            from mail.smtp_fixture import SmtpServer
        except ImportError:
            SmtpServer = None
        try:
            import aiosmtpd  # noqa: F401  (the fixture's server needs it)
        except ImportError:
            SmtpServer = None
        if SmtpServer is None:
            print("skipped: no aiosmtpd for this interpreter: the SMTP server case of this scenario did not run")
        else:
            srv = SmtpServer(s.dir, "--auth", "editor:" + PASSWORD)
            # the test server offers no STARTTLS: credentials in clear text
            # must be allowed explicitly (issue 20 B.7)
            conf = os.path.join(s.dir, "plaintext-auth.yaml")
            with open(conf, "w") as f:
                f.write("mail:\n  allow_plaintext_auth: true\n")
            try:
                p = s.prefwatch("run", "--watchlist", s.watchlist, "--db", s.db,
                                "--host-delay", "0", "--smtp-url", srv.url, "--verbose", *mail,
                                env=dict(env, PREFWATCH_CONFIG=conf), timeout=120)
                pw.check_eq(p.returncode, 0, "queued reports sent (stderr: %s)" % p.stderr[-500:])
                pw.check(len(srv.messages()) >= 1, "the server received the queued report")
                htmls = []
                secret_nowhere(s, "authenticated send", p.stdout, p.stderr)
                for raw, _env in srv.messages():
                    pw.check(PASSWORD.encode() not in raw, "password in a mailed message")
                    htmls += check_mail_html(raw, "mailed report")
                pw.check(any("rendez-vous" in h for h in htmls),
                         "a mailed HTML part holds the hostile change (%d parts)" % len(htmls))
            finally:
                srv.stop()
    finally:
        s.close()


if __name__ == "__main__":
    pw.main(main)
