"""`prefwatch guide` over the Hauts-de-France watchlist, on 127.0.0.1.

The bundled watchlist/hauts-de-france.yaml, its URLs rewritten to the
loopback test server, which serves the eight office pages built from the
guide's quoted texts (tests/crawler/extract/fixtures/family/); then:

  --part structure  night 1, then `guide` (md): the same départements,
                    offices, order, methods, URLs and postal addresses as
                    the editors' guide (seed-hauts-de-france.md, a copy of
                    the published Hauts-de-France guide), parsed from both
                    and compared field by field; nothing « À vérifier ».
                    Night 2: Laon's address changes (a pending change) and
                    Amiens' booking page answers 404 (a failing page):
                    both are « À vérifier » in their entries and at the top,
                    the others are not. --region/--departement, odt.
  --part pdf        the HTML guide printed to PDF by headless Chromium: one
                    page per département at least, the running header on
                    every page past the cover, no word outside the page
                    (pdftotext -bbox), a screenshot of page 1 (guide-page1.png
                    in the working directory). Exits 77 (skipped) without
                    chromium or poppler-utils.
"""
import argparse
import html as htmlmod
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile

import pw
from pw import check, check_eq

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "..")
FAMILY = os.path.join(SRC, "tests", "crawler", "extract", "fixtures", "family")
WATCHLIST = os.path.join(SRC, "watchlist", "hauts-de-france.yaml")
SEED = os.path.join(HERE, "seed-hauts-de-france.md")

# page id -> the fixture served for it
PAGES = {
    "02-laon": "dsfr-laon.html",
    "59-lille": "ez-lille.html",
    "59-avesnes-sur-helpe": "ez-avesnes.html",
    "59-douai": "ez-douai.html",
    "59-dunkerque": "ez-dunkerque.html",
    "60-beauvais": "generic-beauvais.html",
    "62-arras": "ds-arras.html",
    "80-amiens-premiere-demande": "dsfr-amiens.html",
}
REGULARISATION = pw.page("Demande de régularisation", "<p>Pour déposer une demande de "
                         "régularisation (admission exceptionnelle au séjour), prenez rendez-vous "
                         "en ligne après avoir préparé votre dossier.</p>")
BOOKING = pw.page("Prendre un rendez-vous", "<p>Choisissez une date de rendez-vous pour le "
                  "dépôt de votre demande d'admission exceptionnelle au séjour.</p>")
# the pages are served under a path as long as the préfectures' own, so
# that the printed guide has URLs to wrap
LONG = "/Demarches-administratives/Etrangers-dans-le-Nord/Autres-titres-et-documents-de-sejour"


def path(pid):
    return "%s/%s.html" % (LONG, pid)


METHOD = "La demande d'admission exceptionnelle au séjour se fait "


def fixture(name):
    with open(os.path.join(FAMILY, name), encoding="utf-8") as f:
        return f.read()


def setup(s):
    """Serves the pages and writes the watchlist; returns {test url: guide url}."""
    s.start_server()
    with open(WATCHLIST, encoding="utf-8") as f:
        yaml = f.read()
    back = {}
    out, office_id, page_id = [], None, None
    for line in yaml.splitlines():
        m = re.match(r"^  - id: (\S+)$", line)
        if m:
            office_id = m.group(1)
        m = re.match(r"^      - id: (\S+)$", line)
        if m:
            page_id = m.group(1)
        m = re.match(r"^(      - |        )url: (\S+)$", line)
        if m:
            pid = office_id if m.group(1) == "      - " else page_id
            url = s.url(path(pid))
            back[url] = m.group(2)
            out.append("%surl: %s" % (m.group(1), url))
            # the fixtures link real préfecture documents: never fetched here
            out.append("        documents: none")
            continue
        out.append(line)
    with open(s.watchlist, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    for pid, name in PAGES.items():
        s.put(path(pid), fixture(name))
    s.put(path("80-amiens-regularisation"), REGULARISATION)
    s.put(path("80-amiens-rendez-vous"), BOOKING)
    return back


# ---- the two documents read into one structure ------------------------------------

def unescape_md(s):
    return re.sub(r"\\(.)", r"\1", s)


def strip_marks(s):
    s = s.strip().rstrip("\\").strip()
    s = s.replace("<sup>er</sup>", "er")
    return s.strip("*").strip()


def parse_seed(text):
    """The published guide: [(département line, [entry])], entry a dict."""
    lines = text.splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("# "))
    deps, entry, prev_addr_intro = [], None, False
    for l in lines[start:]:
        t = l.strip()
        m = re.match(r"^Département .* \((\d+)\)$", t)
        if m and (not deps or deps[-1][0] != t):
            deps.append((t, []))
            continue
        # Aisne's « Sous-préfectures » is a plain line, the others a heading
        if t.startswith("## ") or (t == "Sous-préfectures" and deps):
            entry = {"title": strip_marks(t[3:] if t.startswith("## ") else t), "method": None, "urls": [], "address": [],
                     "italic_address": [], "no_aes": False, "reproduced": False}
            deps[-1][1].append(entry)
            continue
        if entry is None or not t:
            continue
        if t.startswith("# "):
            continue
        plain = strip_marks(t)
        if plain.startswith(METHOD):
            entry["method"] = plain
        elif plain.startswith("Elles ne traitent pas"):
            entry["no_aes"] = True
        elif plain.startswith("Les modalités sont reproduites ici"):
            entry["reproduced"] = True
        elif not entry["reproduced"] and "<http" in t:
            entry["urls"] += re.findall(r"<(https?://[^>]+)>", t)
        elif entry["reproduced"] and re.match(r"^\*\*[^*].*\*\*$", t):
            entry["address"].append(plain)
        elif entry["reproduced"] and prev_addr_intro is not None and t.startswith("*"):
            if "adresse suivante" in plain:
                prev_addr_intro = True
                entry["italic_address"] = []
            elif prev_addr_intro:
                if plain.startswith("Ou ") or plain.startswith("Un rendez-vous"):
                    prev_addr_intro = False
                else:
                    entry["italic_address"].append(plain)
    return deps


def parse_generated(text):
    """The generated Markdown, into the same structure, plus checks."""
    deps, entry, top, section = [], None, [], None
    for l in text.splitlines():
        t = l.rstrip()
        if t.startswith("## À vérifier"):
            section = "top"
            continue
        if t.startswith("# Région "):
            section = "body"
            continue
        if section == "top" and t.startswith("- "):
            top.append(unescape_md(t[2:]))
            continue
        if section != "body":
            continue
        if t.startswith("## "):
            deps.append((unescape_md(t[3:]), [], {"header": []}))
            entry = None
            continue
        if t.startswith("### "):
            entry = {"title": unescape_md(t[4:]), "method": None, "urls": [], "address": [],
                     "no_aes": False, "reproduced": False, "checks": [], "updated": None,
                     "text": []}
            deps[-1][1].append(entry)
            continue
        if not t:
            continue
        if entry is None:
            deps[-1][2]["header"].append(unescape_md(t))
            continue
        plain = unescape_md(t.rstrip("\\"))
        if entry["reproduced"]:
            entry["text"].append(plain)
            if re.match(r"^\*\*.*\*\*$", t.rstrip("\\")):
                entry["address"].append(strip_marks(plain))
        elif plain.startswith("**À vérifier : "):
            entry["checks"].append(strip_marks(plain))
        elif plain.startswith("Dernière mise à jour : "):
            entry["updated"] = plain.split(" : ", 1)[1]
        elif plain.startswith(METHOD):
            entry["method"] = plain
        elif plain.startswith("Elle"):
            entry["no_aes"] = True
        elif plain.startswith("Les modalités sont reproduites ici"):
            entry["reproduced"] = True
        else:
            entry["urls"] += re.findall(r"<(https?://[^>]+)>", t)
    return deps, top


def norm_title(t):
    # the seed writes « Avesnes sur Helpe » in its heading, « Avesnes-sur-Helpe » elsewhere
    return t.replace("-", " ")


def guide(s, *argv):
    return s.prefwatch("guide", "--watchlist", s.watchlist, "--db", s.db, *argv)


def today_fr(t):
    return time.strftime("%d/%m/%Y", time.gmtime(t))


def structure(s, back):
    t0 = time.time()
    p, r = s.run()
    check(r is not None and r["run"]["new"] == 10, "night 1: ten new pages (%s)" % p.stderr)
    g = guide(s)
    check_eq(g.returncode, 0, "guide exit status (stderr: %s)" % g.stderr)
    out = g.stdout
    for url, orig in back.items():
        out = out.replace(url, orig)
    gen, top = parse_generated(out)
    seed = parse_seed(open(SEED, encoding="utf-8").read())
    dates = {today_fr(t0), today_fr(time.time())}

    check_eq([d[0] for d in gen], [d[0] for d in seed], "the départements, in the seed's order")
    check_eq(top, [], "night 1: nothing « À vérifier » at the top")
    check("Rien : toutes les pages ont été lues" in out, "night 1: the top says nothing to check")
    for (gname, gentries, ghead), (sname, sentries) in zip(gen, seed):
        if gname == "Département du Nord (59)":
            # Valenciennes: in the seed's listing, with no entry of its own; the
            # watchlist says it handles no AES (« À VÉRIFIER » in its comment)
            last = gentries[-1] if gentries else {}
            check_eq((last.get("title"), last.get("no_aes")),
                     ("Sous-préfecture de Valenciennes", True), "Nord: Valenciennes' entry")
            gentries = gentries[:-1]
        check_eq([norm_title(e["title"]) for e in gentries],
                 [norm_title(e["title"]) for e in sentries], "%s: the entries, in order" % gname)
        for ge, se in zip(gentries, sentries):
            what = "%s / %s" % (gname, ge["title"])
            check_eq(ge["no_aes"], se["no_aes"], what + ": does not handle AES")
            if se["no_aes"]:
                continue
            if ge["title"] == "Préfecture d'Amiens":
                # the seed says « par voie dématérialisée »; the page itself
                # says to book an appointment online, then to file at it:
                # the method read from the procedure is the appointment
                check_eq(ge["method"], "La demande d'admission exceptionnelle au séjour se fait "
                         "sur rendez-vous.", what + ": method (appointment booked online)")
            else:
                check_eq(ge["method"], se["method"], what + ": method")
            check_eq(ge["urls"], se["urls"], what + ": URLs")
            check(ge["updated"] in dates, what + ": last check tonight: %r" % ge["updated"])
            check_eq(ge["checks"], [], what + ": nothing to check")
            check(len(ge["text"]) > 0, what + ": the procedure reproduced")
            want = se["address"] or se["italic_address"]
            if ge["title"] == "Sous-préfecture de Dunkerque":
                # the seed's Dunkerque address has no postal code: no
                # postal address is recognised; its lines are quoted plainly
                check_eq(ge["address"], [], what + ": no postal address recognised")
                check("27 rue Thiers" in "\n".join(ge["text"]), what + ": the address quoted")
                continue
            check_eq(", ".join(ge["address"]).replace("59 369", "59369"),
                     ", ".join(want).replace("59 369", "59369"), what + ": postal address (bold)")
        # the département's header: préfecture and sous-préfectures
        seed_sous = [l for l in open(SEED, encoding="utf-8").read().splitlines()
                     if l.startswith("Sous-préfectures : ")]
        gsous = [l for l in ghead["header"] if l.startswith("Sous-préfecture")]
        check(len(gsous) == 1 and gsous[0] in [l.strip() for l in seed_sous],
              "%s: « Sous-préfectures : … » as the seed: %r" % (gname, gsous))
    check("Sous-préfectures Douai et Cambrai" in out, "the served_by group's heading")

    # the same guide twice: the Markdown is stable (diffs cleanly)
    check_eq(guide(s).stdout, g.stdout, "same store, same Markdown")

    # filters
    g2 = guide(s, "--departement", "62")
    check_eq(g2.returncode, 0, "--departement 62")
    d2, _ = parse_generated(g2.stdout)
    check_eq([d[0] for d in d2], ["Département du Pas-de-Calais (62)"], "--departement 62 only")
    g3 = guide(s, "--region", "Bretagne")
    check_eq(g3.returncode, 2, "--region matching nothing: usage error")
    check("no office" in g3.stderr, "the error says why: " + g3.stderr)
    g4 = guide(s, "--format", "pdf")
    check_eq(g4.returncode, 2, "unknown format")

    # odt: through pandoc, or a clear error naming it
    odt = os.path.join(s.dir, "guide.odt")
    if shutil.which("pandoc"):
        g5 = guide(s, "--format", "odt", "-o", odt)
        check_eq(g5.returncode, 0, "odt through pandoc (stderr: %s)" % g5.stderr)
        with zipfile.ZipFile(odt) as z:
            content = z.read("content.xml").decode("utf-8")
        check("Préfecture de Laon" in content and "02000 LAON" in content, "the ODT holds the guide")
    else:
        print("odt conversion: skipped: pandoc is not installed (the error is checked)")
    empty = os.path.join(s.dir, "emptybin")
    os.makedirs(empty)
    g6 = s.prefwatch("guide", "--watchlist", s.watchlist, "--db", s.db, "--format", "odt",
                     "-o", odt + "2", env={"PATH": empty})
    check_eq(g6.returncode, 6, "odt without pandoc: exit status 6")
    check("pandoc" in g6.stderr and "apt-get install pandoc" in g6.stderr,
          "odt without pandoc: says pandoc is needed: " + g6.stderr)
    check(not os.path.exists(odt + "2"), "odt without pandoc: no file")

    # night 2: a pending change (Laon's address), a failing page (Amiens' booking)
    s.put(path("02-laon"), fixture("dsfr-laon.change-address.html"))
    s.route(path("80-amiens-rendez-vous"), {"status": 404, "body": "<h1>404</h1>"})
    p, r = s.run()
    check(r is not None and r["run"]["changed"] == 1, "night 2: one change (%s)" % p.stderr)
    change_id = s.sql("SELECT id FROM changes WHERE state = 'pending'")
    g = guide(s)
    check_eq(g.returncode, 0, "night 2 guide (stderr: %s)" % g.stderr)
    gen, top = parse_generated(g.stdout)
    entries = {e["title"]: e for _, es, _ in gen for e in es}
    laon, amiens = entries["Préfecture de Laon"], entries["Préfecture d'Amiens"]
    check_eq(len(laon["checks"]), 1, "Laon: one « À vérifier »: %r" % laon["checks"])
    if laon["checks"] and change_id:
        check("attend sa relecture" in laon["checks"][0] and
              "prefwatch show %d" % change_id[0][0] in laon["checks"][0],
              "Laon: the pending change named: " + laon["checks"][0])
    check_eq(len(amiens["checks"]), 1, "Amiens: one « À vérifier »: %r" % amiens["checks"])
    if amiens["checks"]:
        check("ne peut plus être lue" in amiens["checks"][0] and "n'existe plus" in amiens["checks"][0]
              and s.url(path("80-amiens-rendez-vous")) in amiens["checks"][0],
              "Amiens: the failing page named: " + amiens["checks"][0])
    others = [t for t, e in entries.items() if e["checks"] and t not in (laon["title"], amiens["title"])]
    check_eq(others, [], "no other entry to check")
    check_eq(len(top), 2, "the top lists both: %r" % top)
    check(any(x.startswith("Préfecture de Laon (02) : un changement") for x in top) and
          any(x.startswith("Préfecture d'Amiens (80) : la page") for x in top),
          "the top names the two offices: %r" % top)
    # the failing page's entry still has its last good text and date
    check(amiens["updated"] is not None and amiens["updated"] != "jamais vérifiée",
          "Amiens keeps its last verified date")


def pdf(s, back):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium or not shutil.which("pdfinfo") or not shutil.which("pdftotext") \
            or not shutil.which("pdftoppm"):
        print("skipped: chromium or poppler-utils (pdfinfo, pdftotext, pdftoppm) not installed")
        sys.exit(77)
    if not os.path.exists("/proc/self/maps"):
        print("skipped: /proc is not mounted here (a bare chroot?): chromium cannot run without it")
        sys.exit(77)
    p, r = s.run()
    check(r is not None and r["run"]["new"] == 10, "night 1 (%s)" % p.stderr)
    html_path = os.path.join(s.dir, "guide.html")
    g = guide(s, "--format", "html", "-o", html_path)
    check_eq(g.returncode, 0, "guide --format html (stderr: %s)" % g.stderr)
    doc = open(html_path, encoding="utf-8").read()
    check(not re.search(r"""(src|href)=["']?(?!https?://|mailto:)[a-z]+:""", doc) and
          "<link" not in doc and "<script" not in doc and "<img" not in doc,
          "no external resource, no script")
    out_pdf = os.path.join(s.dir, "guide.pdf")
    with tempfile.TemporaryDirectory(prefix="prefwatch-chromium-") as profile:
        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--user-data-dir=" + profile, "--no-pdf-header-footer",
               "--print-to-pdf=" + out_pdf, "file://" + html_path]
        c = subprocess.run(cmd, capture_output=True, timeout=120, env=dict(os.environ, HOME=profile))
    check_eq(c.returncode, 0, "chromium printed (%s)" % c.stderr.decode("utf-8", "replace")[-500:])
    if not os.path.exists(out_pdf):
        return
    info = subprocess.run(["pdfinfo", out_pdf], capture_output=True, text=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    size = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+)", info, re.M)
    width, height = float(size.group(1)), float(size.group(2))
    print("PDF: %d pages, %.0f x %.0f pt" % (pages, width, height))
    check(abs(width - 595) < 2 and abs(height - 842) < 2, "A4 pages: %s" % size.group(0))
    check(6 <= pages <= 30, "a cover and at least one page per département: %d pages" % pages)
    bbox = subprocess.run(["pdftotext", "-bbox", out_pdf, "-"], capture_output=True,
                          text=True).stdout
    outside, per_page = [], []
    for page in re.findall(r"<page [^>]*>(.*?)</page>", bbox, re.S):
        words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                           r'yMax="([\d.]+)">(.*?)</word>', page)
        per_page.append(" ".join(htmlmod.unescape(w[4]) for w in words))
        for x0, y0, x1, y1, w in words:
            if float(x0) < 0 or float(y0) < 0 or float(x1) > width or float(y1) > height:
                outside.append(w)
    check_eq(outside, [], "no word outside the page")
    # every département starts a page; the running header on every page past the cover
    first_dept = next((i for i, t in enumerate(per_page) if "état au" in t), None)
    check(first_dept is not None and all("état au" in t and "Région Hauts-de-France" in t
                                         for t in per_page[first_dept:]),
          "running header (région, date) on every page past the cover")
    for h in ["Département de l'Aisne (02)", "Département du Nord (59)", "Département de l'Oise (60)",
              "Département du Pas-de-Calais (62)", "Département de la Somme (80)"]:
        # the page opens with the running header, then the département's heading
        starts = [i for i, t in enumerate(per_page)
                  if re.match(r"Région Hauts-de-France — %s — état au \d\d/\d\d/\d{4} %s"
                              % (re.escape(h), re.escape(h)), t)]
        check(len(starts) == 1, "one page starts the %s: %r" % (h, starts))
    long_url = s.url(path("59-avesnes-sur-helpe"))
    joined = "".join("".join(per_page).split())
    check(long_url in joined, "a long URL is printed whole (wrapped, not cut)")
    shot = os.path.join(os.getcwd(), "guide-page1")
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", out_pdf,
                    shot], check=True)
    check(os.path.getsize(shot + ".png") > 1000, "screenshot of page 1: " + shot + ".png")
    print("screenshot: %s.png" % shot)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--part", choices=["structure", "pdf"], required=True)
    a = ap.parse_args()
    s = pw.Scenario(a.bin, "guide-" + a.part)
    try:
        back = setup(s)
        (structure if a.part == "structure" else pdf)(s, back)
    except Exception:
        import traceback
        traceback.print_exc()
        pw.FAILED += 1
    finally:
        s.close()
    pw.finish()


if __name__ == "__main__":
    main()
