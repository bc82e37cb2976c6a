#!/usr/bin/env python3
"""gen_pages.py - a corpus of state-site-like pages for the benchmark.

  gen_pages.py DIR N NIGHT [--changed-fraction F] [--docs]

Writes DIR/p0.html ... DIR/p{N-1}.html: 60-120 KB pages with a DSFR-style
header and mega-menu, a cookie banner, breadcrumbs, a footer and scripts
around the procedure in <main>. NIGHT 1 is the baseline. NIGHT 2 changes
nothing (the files are not rewritten). NIGHT 3 rewrites every page with new
chrome (ids, tokens, date stamps, menu order) and really changes the
procedure of a deterministic fraction of them (default 10%); the indices of
those pages are written to DIR/changed.txt.

With --docs every page also links documents, as real procedure pages do:
page i links /d/e/i.pdf (served with ETag and Last-Modified),
/d/n/i.pdf (served without validators) and, one page in ten, /d/x/i.pdf
(a 404). The PDFs are valid one-page PDFs of 50-500 KB (a text layer and
an image), symbolic links into a pool of POOL files under DIR/pool, so
that a 10,000-page corpus takes little disk. The noisy night touches one
pool file in ten (new mtime, so a new ETag and Last-Modified: same bytes
under new validators).
"""
import os
import functools
import random
import sys
import time
import zlib

WORDS = ("préfecture titre séjour demande dossier pièces justificatives rendez-vous "
         "courrier recommandé adresse formulaire étranger admission exceptionnelle "
         "régularisation travail famille enfants scolarisés présence France ans mois "
         "contrat salaire bulletins paie récépissé instruction décision délai").split()


def para(rnd, n):
    return " ".join(rnd.choice(WORDS) for _ in range(n)).capitalize() + "."


def menu(rnd, token, shuffle):
    sections = ["Actualités", "Politiques publiques", "Démarches", "Services de l'État",
                "Publications", "Contact", "Sécurité", "Environnement", "Agriculture",
                "Emploi", "Transports", "Santé"]
    if shuffle:
        rnd.shuffle(sections)
    out = []
    for s in sections:
        links = "".join('<li><a class="fr-nav__link" id="%s-%d" href="/%s/page-%d?xtor=%s">%s %d</a></li>'
                        % (token, k, s.replace(" ", "-"), k, token, s, k) for k in range(40))
        out.append('<li class="fr-nav__item"><button class="fr-nav__btn" aria-expanded="false">%s</button>'
                   '<div class="fr-collapse fr-mega-menu"><ul>%s</ul></div></li>' % (s, links))
    return "".join(out)


def page(i, night, changed, docs=False):
    rnd = random.Random(i)                # the procedure: stable per page
    procedure = "".join("<p>%s</p>" % para(rnd, rnd.randint(20, 60)) for _ in range(rnd.randint(6, 14)))
    procedure += ("<ul>" + "".join("<li>%s</li>" % para(rnd, 8) for _ in range(8)) + "</ul>")
    procedure += "<p>Préfecture<br>%d rue de la République<br>%05d VILLE</p>" % (i % 90 + 1, 2000 + i % 97000)
    if docs:
        procedure += doc_links(i)
    if changed:
        procedure += "<p>Nouveau : la demande se fait désormais en ligne.</p>"
    chrome = random.Random(i * 7919 + night)   # the chrome: new every noisy night
    token = "%032x" % chrome.getrandbits(128)
    stamp = "Mis à jour le %02d/%02d/2026" % (chrome.randint(1, 28), chrome.randint(1, 12))
    padding = "".join("<p class='fr-footer__content-desc'>%s</p>" % para(chrome, 30)
                      for _ in range(rnd.randint(0, 60)))
    return """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<title>Admission exceptionnelle au séjour %(i)d</title>
<script>var xt_token="%(token)s"; window.tarteaucitron = {};</script>
<style>.fr-header{display:block}</style></head><body>
<header role="banner" class="fr-header"><nav class="fr-nav" role="navigation"><ul>%(menu)s</ul></nav></header>
<div id="tarteaucitronRoot">Cookies %(token)s <button>OK</button></div>
<main role="main" id="main"><div class="fr-container">
<nav class="fr-breadcrumb"><ol><li><a href="/">Accueil</a></li><li>Démarches</li></ol></nav>
<h1>Admission exceptionnelle au séjour</h1><p class="fr-text--sm">%(stamp)s</p>
%(procedure)s
<form><input type="hidden" name="csrf" value="%(token)s"></form>
</div></main>
<footer class="fr-footer" role="contentinfo">%(padding)s<p>© %(token)s</p></footer>
</body></html>""" % {"i": i, "token": token, "menu": menu(chrome, token, night > 1),
                     "stamp": stamp, "procedure": procedure, "padding": padding}


POOL = 40
DOC_LINES = ["Liste des pieces a fournir - admission exceptionnelle au sejour",
             "Passeport en cours de validite ou document d'identite.",
             "Justificatif de domicile de moins de trois mois.",
             "Justificatifs de presence en France depuis cinq ans.",
             "Trois derniers bulletins de salaire et contrat de travail.",
             "Formulaire cerfa complete et signe."]


@functools.lru_cache(maxsize=POOL)
def pdf_image(j):
    """Scan-like samples for pool file j: runs of grey with noise
    (compressible, not trivially), 50-500 KB."""
    rnd = random.Random(1000 + j)
    size = 50000 + (450000 * j) // (POOL - 1)
    w = 500
    h = size // w
    row = bytes(rnd.choice((255, 255, 255, 240, 30)) for _ in range(w))
    return w, h, b"".join(row[k % 7:] + row[:k % 7] for k in range(h))


def pdf(j, tag=None):
    """A valid one-page PDF (correct xref) of 50-500 KB: a few lines of
    text, and an image whose samples make up the size (pdftotext skips
    images, as on real scanned-and-typed forms). tag (a number) makes the
    text, so the file, unique while reusing pool file j's image."""
    rnd = random.Random(1000 + j)
    lines = ["%s (%d)" % (rnd.choice(DOC_LINES), j if tag is None else tag) for _ in range(12)]
    ops = "BT /F1 11 Tf 50 800 Td 14 TL " + " ".join("(%s) '" % l for l in lines)
    ops += " ET q 400 0 0 300 50 100 cm /Im1 Do Q"
    content = zlib.compress(ops.encode("latin-1"))
    w, h, img = pdf_image(j)
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources"
            b" << /Font << /F1 5 0 R >> /XObject << /Im1 6 0 R >> >> /Contents 4 0 R >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content
            + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray"
            b" /BitsPerComponent 8 /Length %d >>\nstream\n" % (w, h, len(img)) + img
            + b"\nendstream"]
    out = bytearray(b"%PDF-1.4\n")
    offs = []
    for i, o in enumerate(objs, 1):
        offs.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offs:
        out += b"%010d 00000 n \n" % o
    out += b"trailer << /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def doc_links(i):
    links = ['<li><a href="/d/e/%d.pdf">Liste des pièces (PDF)</a></li>' % i,
             '<li><a href="/d/n/%d.pdf">Formulaire de demande (PDF)</a></li>' % i]
    if i % 10 == 0:
        links.append('<li><a href="/d/x/%d.pdf">Notice (PDF)</a></li>' % i)
    return "<h2>Documents à fournir</h2><ul>%s</ul>" % "".join(links)


def write_docs(d, n, night):
    pool = os.path.join(d, "pool")
    if night == 1:
        os.makedirs(pool, exist_ok=True)
        for j in range(POOL):
            with open(os.path.join(pool, "%d.pdf" % j), "wb") as f:
                f.write(pdf(j))
        for sub in ("e", "n"):
            os.makedirs(os.path.join(d, "d", sub), exist_ok=True)
            for i in range(n):
                link = os.path.join(d, "d", sub, "%d.pdf" % i)
                if not os.path.lexists(link):
                    os.symlink("../../pool/%d.pdf" % ((i * 2 + (sub == "n")) % POOL), link)
    elif night >= 3:
        later = time.time() + 3600 * night
        for j in range(0, POOL, 10):
            os.utime(os.path.join(pool, "%d.pdf" % j), (later, later))


def main():
    args = [a for a in sys.argv[1:] if a != "--docs"]
    docs = "--docs" in sys.argv
    d, n, night = args[0], int(args[1]), int(args[2])
    frac = float(args[4]) if len(args) > 4 else 0.10
    if docs:
        write_docs(d, n, night)
    if night == 2:
        return
    os.makedirs(d, exist_ok=True)
    pick = random.Random(424242)
    changed = set(pick.sample(range(n), int(n * frac))) if night >= 3 else set()
    for i in range(n):
        with open(os.path.join(d, "p%d.html" % i), "w", encoding="utf-8") as f:
            f.write(page(i, night, i in changed, docs))
    with open(os.path.join(d, "changed.txt"), "w") as f:
        f.write("\n".join(str(i) for i in sorted(changed)))


if __name__ == "__main__":
    main()
