#!/usr/bin/env python3
"""Builds the site-family fixtures of test_extract from real chrome.

Run by hand when a fixture must change (the outputs are committed; tests
never run this): python3 tools/make_fixtures.py  (from tests/crawler/extract)

Each office page puts the procedure text quoted by the Gisti guide ("Les
modalités sont reproduites ici") inside the chrome of a real page of its
site family:
  DSFR         fixtures/yvelines-contact.html (real DSFR préfecture chrome)
  old eZ       fixtures/nord-accueil-2018.html (real old préfecture chrome)
  DS /commencer and generic: chrome written here after the real markup.
Then noise-only variants (must give byte-identical text) and real-change
variants (must give another text and the right fields) are derived by
string edits, each asserted to apply.
"""
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, '..', 'fixtures')
OUT = os.path.join(FIX, 'family')


def read(name):
    with open(os.path.join(FIX, name), encoding='utf-8') as f:
        return f.read()


def write(name, text):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name), 'w', encoding='utf-8') as f:
        f.write(text)


def sub1(text, old, new):
    assert text.count(old) >= 1, 'not found: %r' % old
    return text.replace(old, new, 1)


# ---------------------------------------------------------------- chrome
DSFR = read('yvelines-contact.html')
DSFR_HEAD = DSFR[:DSFR.index('<main role="main">')]
DSFR_TAIL = DSFR[DSFR.index('</main>') + len('</main>'):]
COOKIE_DSFR = ('<div id="tarteaucitronRoot"><div id="tarteaucitronAlertBig">'
               '<span id="tarteaucitronDisclaimerAlert">Ce site utilise des cookies '
               'pour mesurer son audience.</span><button id="tarteaucitronPersonalize2">'
               'Tout accepter</button></div></div>\n')


def dsfr_page(title, body):
    head = re.sub(r'<title>.*?</title>', '<title>' + title + ' - Les services de l\'État</title>', DSFR_HEAD, count=1, flags=re.S)
    main = ('<main role="main">\n<div class="fr-container" id="main">\n'
            '<form class="fr-search-bar" action="/Rechercher" method="get">'
            '<input type="hidden" name="csrf_token" value="csrf-7f3a91"/>'
            '<input type="search" name="q"/><button>Rechercher</button></form>\n'
            + body +
            '\n<div class="fr-share"><p class="fr-share__title">Partager la page</p><ul class="fr-btns-group">'
            '<li><a class="fr-share__link fr-share__link--facebook" href="https://www.facebook.com/sharer.php?u=x">Partager sur Facebook</a></li>'
            '<li><a class="fr-share__link fr-share__link--twitter" href="https://twitter.com/intent/tweet?url=x">Partager sur X</a></li>'
            '</ul></div>\n'
            '<div class="fr-col-12 fr-col-md-4"><h2>Dans la même rubrique</h2><ul>'
            '<li><a href="/Demarches-administratives/Etrangers/Titres-de-sejour">Titres de séjour</a></li>'
            '<li><a href="/Demarches-administratives/Etrangers/Naturalisation">Naturalisation</a></li>'
            '</ul></div>\n</div>\n</main>')
    tail = DSFR_TAIL.replace('</body>', COOKIE_DSFR + '</body>')
    return head + main + tail


NORD = read('nord-accueil-2018.html')
NORD_HEAD = NORD[:NORD.index('<!-- MainContent area: START -->')]
NORD_TAIL = NORD[NORD.index('<!-- MainContent area: END -->'):]


def ez_page(title, body):
    head = NORD_HEAD.replace('Mis à jour le 16/03/2018', 'Mis à jour le 02/02/2023')
    head = head.replace('<title>Accueil - ', '<title>' + title + ' - ')
    main = ('<!-- MainContent area: START -->\n'
            '<SCRIPT LANGUAGE=JavaScript>\n<!--\nOAS_AD(\'Position1\');\n//-->\n</SCRIPT>\n'
            '<div class="section clearfix"><div class="content-view-full"><div class="class-article">\n'
            + body +
            '\n</div></div>\n<div class="bloc_rubrique"><h2>Dans la même rubrique</h2><ul>'
            '<li><a href="/Demarches-administratives/Etrangers-dans-le-Nord/Naturalisation">Naturalisation</a></li>'
            '<li><a href="/Demarches-administratives/Etrangers-dans-le-Nord/Titres-de-voyage">Titres de voyage</a></li>'
            '</ul></div></div>\n')
    return head + main + NORD_TAIL


def ds_page(title, body, aside):
    return ('<!DOCTYPE html>\n<html lang="fr" data-fr-theme>\n<head>\n<meta charset="utf-8">\n'
            '<meta name="csrf-token" content="Yx8kq1Lm0AbC">\n'
            '<title>' + title + ' · demarches-simplifiees.fr</title>\n'
            '<script src="/assets/application-4f2c.js"></script>\n</head>\n<body class="fr-theme">\n'
            '<header class="fr-header" role="banner"><div class="fr-header__body"><div class="fr-container">'
            '<p class="fr-header__service-title">demarches-simplifiees.fr</p>'
            '<ul class="fr-btns-group"><li><a class="fr-btn" href="/users/sign_in">Se connecter</a></li>'
            '<li><a class="fr-btn" href="https://aide.demarches-simplifiees.fr">Aide</a></li></ul>'
            '</div></div></header>\n'
            '<main id="contenu" role="main">\n<div class="fr-container">\n<div class="procedure-preview">\n'
            '<div class="procedure-logos"><img src="/logo-62.png" alt="Préfecture du Pas-de-Calais"></div>\n'
            + body + '\n' + aside +
            '\n</div>\n</div>\n</main>\n'
            '<footer class="fr-footer" role="contentinfo"><div class="fr-container"><ul>'
            '<li><a href="/accessibilite">Accessibilité : partiellement conforme</a></li>'
            '<li><a href="/cgu">CGU</a></li><li><a href="/mentions-legales">Mentions légales</a></li>'
            '</ul></div></footer>\n</body>\n</html>\n')


def generic_page(title, body):
    return ('<!DOCTYPE html>\n<html lang="fr">\n<head><meta charset="utf-8"><title>' + title +
            '</title></head>\n<body>\n<div id="page">\n<div id="top"><a href="/"><img src="/logo.png" alt="Logo"></a>'
            '<div id="cookie-notice">Nous utilisons des cookies. <a href="/cookies">En savoir plus</a></div></div>\n'
            '<div id="menu"><ul><li><a href="/">Accueil</a></li><li><a href="/actualites">Actualités</a></li>'
            '<li><a href="/demarches">Démarches</a></li><li><a href="/contact">Contact</a></li></ul></div>\n'
            '<div id="colonne"><div class="encart"><p>Suivez-nous sur les réseaux.</p></div></div>\n'
            '<div id="contenu">\n' + body + '\n</div>\n'
            '<div id="pied"><p>© Préfecture — <a href="/mentions">Mentions légales</a> — '
            '<a href="/plan">Plan du site</a></p></div>\n</div>\n</body>\n</html>\n')


# ---------------------------------------------------------------- texts
LAON = '''<h1>Admission exceptionnelle au séjour</h1>
<p class="fr-text--sm">Mis à jour le 02/02/2023</p>
<p>Il n'est plus nécessaire de solliciter un rendez-vous de première demande de titre de séjour « admission exceptionnelle au séjour », sur le site internet de la Préfecture de l'Aisne.</p>
<p>Désormais, vous devez transmettre votre <strong>première demande de titre de séjour « admission exceptionnelle au séjour », par courrier postal.</strong></p>
<p>Tout dossier de demande au titre de l'admission exceptionnelle au séjour devra comporter :</p>
<p>– une lettre précisant les <strong>motifs humanitaires ou professionnels</strong> vous conduisant à solliciter votre régularisation. Sur ce courrier, il est impératif d'indiquer clairement <strong>une adresse mail</strong>, afin de faciliter les échanges.</p>
<p>– une notice de renseignements à compléter, dater et signer (sauf pour les mineurs sollicitant la délivrance d'un document de circulation) :</p>
<p><a href="/content/download/28866/189312/file/Notice%20de%20renseignements.pdf">Notice de renseignements</a></p>
<p>– la liste de pièces correspondant à votre situation :</p>
<p><a href="/content/download/28867/189316/file/CST%20-%20Admission%20exceptionnelle.pdf">CST - Admission exceptionnelle</a></p>
<p>– À l'appui de votre demande, vous devez joindre les documents demandés sur la liste de pièces (UNIQUEMENT LES COPIES).</p>
<p>Si votre dossier est complet, un rendez-vous vous sera accordé par mail.</p>
<p>Attention, tout dossier incomplet ou non classé vous sera renvoyé.</p>
<p>Vous devez transmettre votre dossier de demande d'admission exceptionnelle au séjour à l'adresse suivante :</p>
<p><strong>Préfecture de l'Aisne</strong></p>
<p><strong>DCL / bureau de la nationalité / AES</strong></p>
<p><strong>2 Rue Paul Doumer</strong></p>
<p><strong>BP 20104</strong></p>
<p><strong>02000 LAON</strong></p>'''

AMIENS = '''<h1>Demande de régularisation - admission exceptionnelle au séjour</h1>
<p class="fr-text--sm">Mis à jour le 02/02/2023</p>
<p>1 - Pour tout dépôt de dossier, vous devez impérativement remplir le formulaire de demande titre de séjour ci-dessous :</p>
<p><a href="/content/download/36102/217094/file/Formulaire%20de%20demande%20de%20titre%20de%20s%C3%A9jour.pdf">Formulaire de demande de titre de séjour</a></p>
<p>2 - Listes des pièces justificatives à préparer avant d'être reçu en rendez-vous :</p>
<ul>
<li>Pour l'AES travail: <a href="/content/download/36107/217114/file/Salari%C3%A9%20Temp%20AES.pdf">Salarié Temp AES</a></li>
<li>Pour l'AES vie privée et familiale: <a href="/content/download/36110/217126/file/Liens%20personnels%20et%20familiaux%20AES%20fusion.pdf">Liens personnels et familiaux AES</a></li>
<li>Pour l'AES motifs exceptionnels ou considérations humanitaires: <a href="/content/download/36108/217118/file/Motifs%20except%20considerations%20huma%20AES.pdf">Motifs exceptionnels AES</a></li>
</ul>
<p>Puis demande de rendez-vous en ligne: <a href="https://www.somme.gouv.fr/booking/create/3148">https://www.somme.gouv.fr/booking/create/3148</a></p>
<p>Pour permettre le traitement de votre demande, vous devez impérativement avant d'être reçu(e) en rendez-vous :</p>
<ul>
<li>avoir rempli et signé le formulaire de demande</li>
<li>être en possession de tous les documents demandés (originaux ET photocopies)</li>
<li>trier votre dossier : les originaux d'un côté, les photocopies de l'autre</li>
<li>classer les documents dans l'ordre de la liste</li>
</ul>
<p>Le non-respect de ces consignes et tout retard de rendez-vous entraînera automatiquement l'absence d'enregistrement du dossier.</p>
<p>L'accès à la préfecture n'est autorisé que 15 minutes avant l'heure du rendez-vous.</p>'''

LILLE = '''<h1>Admission exceptionnelle au séjour</h1>
<h2>Attention !</h2>
<ul>
<li>l'accord franco-algérien ne prévoit aucune admission exceptionnelle au séjour. Les ressortissants algériens ne peuvent donc y prétendre.</li>
<li>les ressortissants tunisiens et marocains peuvent prétendre à l'admission exceptionnelle au séjour au titre de leur vie privée et familiale mais pas au titre du travail.</li>
<li>les conjoints, concubins et partenaires de PACS de ressortissants français, européen ou reconnu réfugié ne peuvent prétendre à l'admission exceptionnelle au séjour.</li>
</ul>
<h2>Critères à remplir pour l'admission exceptionnelle au séjour</h2>
<p>L'admission exceptionnelle au séjour implique une bonne capacité d'insertion dans la société française et la maîtrise orale au moins élémentaire de la langue française.</p>
<p>Votre dossier sera instruit selon votre situation.</p>
<p><em>Si vous êtes parent(s) d'enfants scolarisés :</em></p>
<p>Vous devez justifier de 5 ans de présence en France et votre enfant doit être scolarisé depuis au moins 3 ans, y compris en école maternelle. Vous devez contribuer effectivement à son éducation.</p>
<p><em>Si vous exercez une activité professionnelle :</em></p>
<p>Vous devez justifier de 5 ans de présence en France et d'une ancienneté dans le travail de 8 mois sur les 2 dernières années ou de 30 mois sur les cinq dernières années.</p>
<p>Vous devrez impérativement fournir une demande d'autorisation de travail (CERFA n° 15186*01 de demande d'autorisation de travail à télécharger sur le site : <a href="http://www.immigration.gouv.fr/?xtor=RSS-12">www.immigration.gouv.fr</a> &gt; démarches&gt; formulaires cerfa &gt; travailleurs étrangers) ainsi que les annexes 1 et 2 renseignées, le Kbis (moins de 3 mois) et les bordereaux de cotisation (les 2 derniers trimestres).</p>
<h2>Composition du dossier</h2>
<p>Le dossier avec l'ensemble des pièces doit être adressé par courrier recommandé. Tout dossier incomplet ne sera pas traité.</p>
<p>Si vous êtes domiciliés dans l'arrondissement de Lille, vous devez envoyer le dossier à l'adresse suivante :</p>
<p><strong>Bureau de l'admission au séjour<br/>Préfecture du Nord<br/>12 rue Jean sans Peur<br/>59000 LILLE</strong></p>'''

DOUAI = '''<h1>Modalités de dépôt des dossiers - arrondissement de Douai</h1>
<p>Pour constituer votre dossier, veuillez compléter le formulaire (<a href="/content/download/41321/260417/file/formulaire.pdf">consultable ici</a>) et fournir les documents demandés dans la liste des pièces justificatives jointes. Pour déposer votre courrier envoyez le par courrier recommandé à l'adresse suivante :</p>
<p>Sous préfecture de Douai<br/>Bureau de la réglementation et des libertés publiques – service étrangers<br/>642 Boulevard Albert 1<sup>er</sup><br/>CS 60709<br/>59507 DOUAI CEDEX</p>
<p>Ou le déposer dans la boîte aux lettres située au 642 Boulevard Albert 1<sup>er</sup> à Douai</p>
<p>Tout dossier incomplet sera retourné. Les récépissés sont délivrés uniquement lorsque le dossier est complet.</p>'''

AVESNES = '''<h1>Modalités de dépôt des dossiers - arrondissement d'Avesnes-sur-Helpe</h1>
<p>Pour constituer votre dossier, veuillez compléter le formulaire (<a href="/content/download/41322/260421/file/formulaire.pdf">consultable ici</a>) et fournir les documents demandés dans la liste des pièces justificatives jointes. Pour déposer votre courrier envoyez le par courrier recommandé à l'adresse suivante :</p>
<p><strong>Sous-préfecture d'Avesnes-sur-Helpe</strong><br/><strong>BSLP– Service du séjour des étrangers</strong><br/><strong>CS 80207</strong><br/><strong>59 369 Avesnes-sur-Helpe Cedex</strong></p>'''

DUNKERQUE = '''<h1>Sous-préfecture de Dunkerque</h1>
<p>La section étrangers ne reçoit plus que sur RENDEZ-VOUS</p>
<h3>Première demande de titre</h3>
<p>La liste des pièces constitutives du dossier est à télécharger sur le site : <a href="http://59.accueil-etrangers.gouv.fr">http://59.accueil-etrangers.gouv.fr</a></p>
<p>Le dossier complet doit être envoyé à la Sous Préfecture à l'adresse suivante :</p>
<p>Sous Préfecture<br/>Bureau des Etrangers<br/>27 rue Thiers<br/>CS 56535</p>
<p>Un rendez-vous sera accordé si la demande est complète.</p>
<p>Tout dossier incomplet sera retourné et fera l'objet d'une décision d'irrecevabilité.</p>
<table><tr><th>Accueil</th><th>Horaires</th></tr><tr><td>Lundi au jeudi</td><td>8h30 - 12h00</td></tr><tr><td>Vendredi</td><td>8h30 - 11h30</td></tr></table>'''

ARRAS_BODY = '''<h1 class="fr-h2 procedure-title">Demande de titre de séjour - régularisation de votre situation administrative.</h1>
<div class="procedure-description">
<div class="procedure-description-body read-more-enabled">
<p>Vous êtes de nationalité étrangère. Vous résidez dans le Pas-de-Calais.<br>Vous ne détenez pas de titre de séjour. Vous êtes en situation irrégulière.<br>vous souhaitez REGULARISER VOTRE SITUATION</p>
</div>
<section class="fr-accordion"><h3 class="fr-accordion__title"><button class="fr-accordion__btn" aria-expanded="false" aria-controls="acc-1">Quelles sont les pièces à fournir ?</button></h3>
<div class="fr-collapse" id="acc-1"><ul><li>passeport</li><li>justificatif de domicile de moins de 3 mois</li><li>preuves de présence en France</li></ul></div></section>
</div>'''

ARRAS_ASIDE = '''<div class="procedure-stats">
<p class="procedure-estimated-delay">Temps de traitement estimé : 4 mois</p>
<p>Si vous déposez votre dossier aujourd'hui, une décision sera rendue au plus tard le 12/06/2026.</p>
</div>
<div class="procedure-auth fr-mt-4w"><h2>Pour continuer, vous devez vous identifier</h2>
<div class="france-connect-login"><a class="france-connect-login-button" href="/france_connect/particulier">S'identifier avec FranceConnect</a>
<p><a href="https://franceconnect.gouv.fr/">Qu'est-ce que FranceConnect ?</a></p></div>
<p>ou</p><p><a class="fr-btn" href="/users/sign_in?procedure=prefecture-du-pas-de-calais-regularisation">J'ai déjà un compte</a> <a class="fr-btn" href="/users/sign_up">Créer un compte demarches-simplifiees.fr</a></p>
</div>'''

BEAUVAIS = '''<h1>Admission exceptionnelle au séjour</h1>
<p>Publié le 02/02/2023</p>
<p>1) Complétez le formulaire ci-dessous :</p>
<p><a href="https://www.oise.gouv.fr/content/download/73368/442995/file/Formulaire%20-%20Demande%20de%20titre.pdf">https://www.oise.gouv.fr/content/download/73368/442995/file/Formulaire%20-%20Demande%20de%20titre.pdf</a></p>
<p>2) Transmettez votre dossier par voie postale (en courrier recommandé si vous le souhaitez) à l'adresse :</p>
<p><b>Préfecture de l'Oise</b><br><b>Direction de la citoyenneté et des étrangers en France</b><br><b>1, place de la préfecture</b><br><b>60000 BEAUVAIS</b></p>
<p>Renseignements : 03 44 06 12 34 ou <a href="mailto:pref-sejour@oise.gouv.fr">pref-sejour@oise.gouv.fr</a></p>'''

pages = {
    'dsfr-laon': dsfr_page('Admission exceptionnelle au séjour', LAON),
    'dsfr-amiens': dsfr_page('Demande de régularisation', AMIENS),
    'ez-lille': ez_page('Admission exceptionnelle au séjour', LILLE),
    'ez-douai': ez_page('Modalités de dépôt des dossiers - arrondissement de Douai', DOUAI),
    'ez-avesnes': ez_page("Modalités de dépôt des dossiers - arrondissement d'Avesnes-sur-Helpe", AVESNES),
    'ez-dunkerque': ez_page('Sous-préfecture de Dunkerque', DUNKERQUE),
    'ds-arras': ds_page('Demande de titre de séjour - régularisation', ARRAS_BODY, ARRAS_ASIDE),
    'generic-beauvais': generic_page('Admission exceptionnelle au séjour - Préfecture de l\'Oise', BEAUVAIS),
}

for name, html in pages.items():
    write(name + '.html', html)


# ---------------------------------------------------------------- variants
def reindent(html):
    html = re.sub(r'\n', '\n      ', html)
    return re.sub(r'(</(?:p|div|li|ul|h[1-6]|section|table|tr)>)', r'\1\n  ', html)


def nbsp(html):
    html = html.replace(' :</p>', '&nbsp;:</p>').replace('« ', '«\u202f').replace(' »', '\u00a0»')
    return html.replace(' ', '\u00a0', 3) if False else html


def wrap(html, start, end):
    i = html.index(start)
    j = html.index(end, i) + len(end)
    return html[:i] + '<div class="wrapper"><div><div>' + html[i:j] + '</div></div></div>' + html[j:]


def tracking(html, hrefs):
    for h in hrefs:
        sep = '&' if '?' in h else '?'
        html = sub1(html, 'href="%s"' % h, 'href="%s%sutm_source=newsletter&amp;utm_medium=email&amp;xtor=ES-3"' % (h, sep))
    return html


def swap(html, a, b):
    i, j = html.index(a), html.index(b)
    assert i < j
    return html[:i] + b + html[i + len(a):j] + a + html[j + len(b):]


# The DSFR menu: two top-level items, swapped.
nav_items = re.findall(r'<li class="fr-nav__item">.*?</li>\s*(?=<li class="fr-nav__item">|</ul>)', DSFR, re.S)
assert len(nav_items) >= 2

# The old design's menu: two leaf entries of the first drop-down, swapped.
_dd = NORD.index('<ul class="dropdown">')
ez_menu_items = re.findall(r'<li[^>]*>\s*<a [^>]*>[^<]*</a>\s*</li>', NORD[_dd:_dd + 20000])[:2]
assert len(ez_menu_items) == 2 and ez_menu_items[0] != ez_menu_items[1]

noise = {
    'dsfr-laon': [
        ('date', lambda h: sub1(h, 'Mis à jour le 02/02/2023', 'Mis à jour le 14/05/2024')),
        ('cookie', lambda h: sub1(h, 'pour mesurer son audience.', 'pour mesurer son audience et améliorer le service.')),
        ('menu', lambda h: swap(h, nav_items[0].strip(), nav_items[1].strip())),
        ('csrf', lambda h: sub1(h, 'csrf-7f3a91', 'csrf-0c55d2')),
        ('indent', reindent),
        ('nbsp', lambda h: sub1(sub1(h, 'comporter :', 'comporter&nbsp;:'), '« admission', '«\u202fadmission')),
        ('tracking', lambda h: tracking(h, ['/content/download/28866/189312/file/Notice%20de%20renseignements.pdf'])),
        ('wrappers', lambda h: wrap(h, '<p>Il n\'est plus', 'comporter :</p>')),
    ],
    'ez-lille': [
        ('date', lambda h: sub1(h, 'Mis à jour le 02/02/2023', 'Mis à jour le 03/01/2024')),
        ('cookie', lambda h: sub1(h, '<div id="cookies-banner" style="display:none;">', '<div id="cookies-banner" style="display:none;"><p>En poursuivant votre navigation, vous acceptez les cookies.</p>')),
        ('menu', lambda h: swap(h, ez_menu_items[0], ez_menu_items[1])),
        ('menuitem', lambda h: sub1(h, '<ul class="dropdown">', '<ul class="dropdown"><li><a href="/Nouveau">Nouvelle rubrique</a></li>')),
        ('csrf', lambda h: sub1(h, '</form>', '<input type="hidden" name="ezxform_token" value="9f8e7d"/></form>') if '</form>' in h else h.replace('<ul class="dropdown">', '<form action="/content/search"><input type="hidden" name="ezxform_token" value="9f8e7d"/></form><ul class="dropdown">', 1)),
        ('indent', reindent),
        ('nbsp', lambda h: sub1(sub1(h, 'scolarisés :', 'scolarisés&nbsp;:'), 'n° 15186', 'n°\u00a015186')),
        ('tracking', lambda h: sub1(h, 'http://www.immigration.gouv.fr/?xtor=RSS-12', 'http://www.immigration.gouv.fr/?utm_campaign=aes&amp;fbclid=IwAR3x')),
        ('wrappers', lambda h: wrap(h, '<h2>Critères', 'française.</p>')),
    ],
    'ds-arras': [
        ('date', lambda h: sub1(sub1(h, 'au plus tard le 12/06/2026', 'au plus tard le 30/09/2026'), 'estimé : 4 mois', 'estimé : 3 mois')),
        ('csrf', lambda h: sub1(h, 'Yx8kq1Lm0AbC', 'Qw3rTy9Uio0P')),
        ('indent', reindent),
        ('nbsp', lambda h: sub1(h, 'Vous êtes de nationalité', 'Vous\u00a0êtes de nationalité')),
        ('wrappers', lambda h: wrap(h, '<div class="procedure-description-body', '</div>')),
    ],
    'generic-beauvais': [
        ('date', lambda h: sub1(h, 'Publié le 02/02/2023', 'Publié le 10/10/2023')),
        ('cookie', lambda h: sub1(h, 'Nous utilisons des cookies.', 'Ce site dépose des cookies.')),
        ('menu', lambda h: swap(h, '<li><a href="/actualites">Actualités</a></li>', '<li><a href="/demarches">Démarches</a></li>')),
        ('indent', reindent),
        ('nbsp', lambda h: sub1(h, 'ci-dessous :', 'ci-dessous\u202f:')),
        ('tracking', lambda h: tracking(h, ['https://www.oise.gouv.fr/content/download/73368/442995/file/Formulaire%20-%20Demande%20de%20titre.pdf'])),
        ('wrappers', lambda h: wrap(h, '<p>1)', 'BEAUVAIS</b></p>')),
    ],
}

changes = {
    'dsfr-laon': [
        ('address', lambda h: sub1(h, '2 Rue Paul Doumer', '4 Rue Paul Doumer')),
        ('link', lambda h: sub1(h, '28867/189316/file/CST%20-%20Admission%20exceptionnelle.pdf', '30112/201877/file/CST%20-%20AES%202024.pdf')),
        ('online', lambda h: sub1(h, 'par courrier postal.', 'sur le téléservice de l\'ANEF.')),
    ],
    'ez-lille': [
        ('listitem', lambda h: sub1(h, 'au séjour.</li>\n</ul>', 'au séjour.</li>\n<li>les ressortissants britanniques relèvent du régime de l\'accord de retrait.</li>\n</ul>')),
    ],
    'ds-arras': [
        ('closed', lambda h: sub1(h, '<div class="procedure-description">', '<div class="fr-alert fr-alert--warning"><p>Cette démarche est close. Vous ne pouvez plus déposer de dossier.</p></div>\n<div class="procedure-description">')),
    ],
    'generic-beauvais': [
        ('email', lambda h: sub1(h, 'pref-sejour@oise.gouv.fr">pref-sejour@oise.gouv.fr', 'pref-aes@oise.gouv.fr">pref-aes@oise.gouv.fr')),
    ],
}

for name, vs in noise.items():
    for v, fn in vs:
        out = fn(pages[name])
        assert out != pages[name], (name, v)
        write('%s.noise-%s.html' % (name, v), out)
for name, vs in changes.items():
    for v, fn in vs:
        out = fn(pages[name])
        assert out != pages[name], (name, v)
        write('%s.change-%s.html' % (name, v), out)
print('fixtures written to', OUT)
