#!/usr/bin/env python3
"""gen_pages.py - a corpus of state-site-like pages for the benchmark.

  gen_pages.py DIR N NIGHT [--changed-fraction F]

Writes DIR/p0.html ... DIR/p{N-1}.html: 60-120 KB pages with a DSFR-style
header and mega-menu, a cookie banner, breadcrumbs, a footer and scripts
around the procedure in <main>. NIGHT 1 is the baseline. NIGHT 2 changes
nothing (the files are not rewritten). NIGHT 3 rewrites every page with new
chrome (ids, tokens, date stamps, menu order) and really changes the
procedure of a deterministic fraction of them (default 10%); the indices of
those pages are written to DIR/changed.txt.
"""
import os
import random
import sys

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


def page(i, night, changed):
    rnd = random.Random(i)                # the procedure: stable per page
    procedure = "".join("<p>%s</p>" % para(rnd, rnd.randint(20, 60)) for _ in range(rnd.randint(6, 14)))
    procedure += ("<ul>" + "".join("<li>%s</li>" % para(rnd, 8) for _ in range(8)) + "</ul>")
    procedure += "<p>Préfecture<br>%d rue de la République<br>%05d VILLE</p>" % (i % 90 + 1, 2000 + i % 97000)
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


def main():
    d, n, night = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    frac = float(sys.argv[5]) if len(sys.argv) > 5 else 0.10
    if night == 2:
        return
    os.makedirs(d, exist_ok=True)
    pick = random.Random(424242)
    changed = set(pick.sample(range(n), int(n * frac))) if night >= 3 else set()
    for i in range(n):
        with open(os.path.join(d, "p%d.html" % i), "w", encoding="utf-8") as f:
            f.write(page(i, night, i in changed))
    with open(os.path.join(d, "changed.txt"), "w") as f:
        f.write("\n".join(str(i) for i in sorted(changed)))


if __name__ == "__main__":
    main()
