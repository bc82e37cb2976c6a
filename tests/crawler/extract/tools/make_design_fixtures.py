#!/usr/bin/env python3
"""Builds the design fixtures of test_extract and e2e_designs (issue 23).

Run by hand when a fixture must change (the outputs are committed; tests
never run this): python3 tools/make_design_fixtures.py (from
tests/crawler/extract)

The national watch meets designs the Hauts-de-France sites do not use.
Each fixture puts a procedure text inside the real chrome of its site
family (fixtures/nord-accueil-2018.html for the old CMS,
fixtures/yvelines-contact.html for the DSFR one) and the design's own
markup, written here after the real one:
  print     the old CMS's print layout (/layout/set/print/...): no
            header, menu, #main or <main>; a logo, the full view of the
            page (.content-view-full, as in the normal layout), the
            page's address and a window.print() call, under a wrapper
            carrying the token "print"
  booking   the préfectures' booking module (/booking/create/NNN): the
            form posts to /booking/create/NNN/STEP with the field names
            of the real module (condition, nextButton « Effectuer une
            demande de rendez-vous », planning, eZHumanCAPTCHACode, the
            captcha image from ezjscore/call/bookingserver::captcha and
            its audio version), a steps bar (the old CMS's list of steps,
            the DSFR fr-stepper), who may book and the minimum criteria
  dsfr      DSFR furniture: skip links, a site-wide weather alert
            (fr-notice), « Haut de page » (fr-link to #top), the
            « Partager » block (fr-share), the « Votre avis nous
            intéresse » call-out with the state's feedback button
For each: NAME.html (night 1), NAME.noise.html (night 2: only furniture
changed, the text must be the same) and NAME.expected.txt, the text an
editor would quote (test_extract measures F1 >= 0.97 against it).
The procedure texts are written for these fixtures after the guide's
quoted pages; offices and addresses are illustrative.
"""
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, '..', 'fixtures')
OUT = os.path.join(FIX, 'design')


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


NORD = read('nord-accueil-2018.html')
NORD_HEAD = NORD[:NORD.index('<!-- MainContent area: START -->')]
NORD_TAIL = NORD[NORD.index('<!-- MainContent area: END -->'):]


def ez_page(title, body):
    head = NORD_HEAD.replace('Mis à jour le 16/03/2018', 'Mis à jour le 02/02/2023')
    head = head.replace('<title>Accueil - ', '<title>' + title + ' - ')
    return (head + '<!-- MainContent area: START -->\n'
            '<div class="section clearfix"><div class="content-view-full"><div class="class-article">\n'
            + body + '\n</div></div></div>\n' + NORD_TAIL)


DSFR = read('yvelines-contact.html')
DSFR_HEAD = DSFR[:DSFR.index('<main role="main">')]
DSFR_TAIL = DSFR[DSFR.index('</main>') + len('</main>'):]


def notice(text):
    return ('<div class="fr-notice fr-notice--alert"><div class="fr-container"><div class="fr-notice__body">'
            '<p class="fr-notice__title">' + text + '</p>'
            '<button class="fr-btn--close fr-btn" title="Masquer le message">Masquer le message</button>'
            '</div></div></div>\n')


def dsfr_page(title, body, alert, avis_id):
    head = re.sub(r'<title>.*?</title>', '<title>' + title + ' - Les services de l\'État</title>',
                  DSFR_HEAD, count=1, flags=re.S)
    head = head.replace('<header role="banner"', notice(alert) + '<header role="banner"', 1)
    main = ('<main role="main" id="top">\n' + notice(alert) +
            '<div class="fr-container" id="main">\n' + body +
            '\n<div class="fr-callout"><h2 class="fr-callout__title">Votre avis nous intéresse</h2>'
            '<p class="fr-callout__text">Aidez-nous à améliorer cette page en répondant à quelques questions.</p>'
            '<a href="https://jedonnemonavis.numerique.gouv.fr/Demarches/%d?button=%d">'
            '<img src="https://jedonnemonavis.numerique.gouv.fr/static/bouton-bleu.svg" alt="Je donne mon avis"/></a>'
            '</div>\n'
            '<div class="fr-share"><p class="fr-share__title">Partager la page</p><ul class="fr-btns-group">'
            '<li><a class="fr-share__link fr-share__link--facebook" href="https://www.facebook.com/sharer.php?u=x">Partager sur Facebook</a></li>'
            '<li><a class="fr-share__link fr-share__link--mail" href="mailto:?subject=AES">Partager par courriel</a></li>'
            '</ul></div>\n'
            '<div class="fr-grid-row fr-grid-row--right"><a class="fr-link fr-icon-arrow-up-fill fr-link--icon-left" '
            'href="#top">Haut de page</a></div>\n</div>\n</main>' % (avis_id, avis_id * 7))
    return head + main + DSFR_TAIL


# ---------------------------------------------------------------- print
DUNKERQUE = read('family/ez-dunkerque.html')
VIEW = DUNKERQUE[DUNKERQUE.index('<div class="content-view-full">'):]
VIEW = VIEW[:VIEW.index('<div class="bloc_rubrique">')]


def print_page(stamp):
    return ('<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
            '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="fr-FR" lang="fr-FR">\n<head>\n'
            '<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />\n'
            '<title>Sous-préfecture de Dunkerque - Les services de l\'État dans le Nord</title>\n'
            '<link rel="stylesheet" type="text/css" href="/extension/ide/design/ide_design/stylesheets/print.css" />\n'
            '</head>\n<body onload="window.print();">\n<div id="print">\n'
            '<div id="header_print"><img src="/extension/ide/design/ide_design/images/logo_print.png" '
            'alt="Préfet du Nord" /></div>\n'
            + VIEW +
            '\n<div id="footer_print"><p>Adresse de la page : '
            'https://www.nord.gouv.fr/Services-de-l-Etat/Horaires-et-coordonnees/Sous-prefecture-de-Dunkerque</p>'
            '<p>' + stamp + '</p></div>\n</div>\n</body>\n</html>\n')


write('ez-print-dunkerque.html', print_page('Imprimé le 14/05/2024 à 10:42'))
write('ez-print-dunkerque.noise.html', print_page('Imprimé le 15/05/2024 à 02:17'))
# as an editor quotes it: a link is its text
write('ez-print-dunkerque.expected.txt',
      re.sub(r'\[([^\]]*)\]\([^)]*\)', r'\1', read('family/ez-dunkerque.expected.txt')))

# ---------------------------------------------------------------- booking
CRITERIA = '''<div class="description">
<p>Ce module de prise de rendez-vous est réservé aux ressortissants étrangers qui sollicitent une première admission exceptionnelle au séjour et résident dans l'arrondissement de Lille.</p>
<h2>Qui peut prendre rendez-vous ?</h2>
<p>Vous ne pouvez réserver un rendez-vous que si vous remplissez les critères minimaux suivants :</p>
<ul>
<li>justifier de 5 ans de présence habituelle en France ;</li>
<li>au titre du travail : justifier de 8 mois de bulletins de salaire sur les 24 derniers mois, ou de 30 mois sur les 5 dernières années ;</li>
<li>au titre de la vie privée et familiale : justifier de la scolarisation d'un enfant depuis au moins 3 ans.</li>
</ul>
<p>Le jour du rendez-vous, présentez-vous au guichet avec l'original et la copie de chaque pièce de la liste.</p>
<p>Les pièces manquantes pourront être envoyées par courrier après le rendez-vous.</p>
</div>'''

CRITERIA_TEXT = '''# Prise de rendez-vous - admission exceptionnelle au séjour

Ce module de prise de rendez-vous est réservé aux ressortissants étrangers qui sollicitent une première admission exceptionnelle au séjour et résident dans l'arrondissement de Lille.

## Qui peut prendre rendez-vous ?

Vous ne pouvez réserver un rendez-vous que si vous remplissez les critères minimaux suivants :

- justifier de 5 ans de présence habituelle en France ;
- au titre du travail : justifier de 8 mois de bulletins de salaire sur les 24 derniers mois, ou de 30 mois sur les 5 dernières années ;
- au titre de la vie privée et familiale : justifier de la scolarisation d'un enfant depuis au moins 3 ans.

Le jour du rendez-vous, présentez-vous au guichet avec l'original et la copie de chaque pièce de la liste.

Les pièces manquantes pourront être envoyées par courrier après le rendez-vous.
'''


def booking_ez(step_token):
    body = ('<h1>Prise de rendez-vous - admission exceptionnelle au séjour</h1>\n'
            '<form id="FormBookingCreate" name="create" method="post" action="/booking/create/4321/0">\n'
            '<ul class="etapes"><li class="current">Étape 1 : Conditions d\'utilisation</li>'
            '<li>Étape 2 : Choix de la nature du rendez-vous</li><li>Étape 3 : Choix d\'une plage horaire</li>'
            '<li>Étape 4 : Contrôle de sécurité</li><li>Étape 5 : Vos coordonnées</li>'
            '<li>Étape 6 : Confirmation</li></ul>\n'
            '<fieldset><legend>Conditions d\'utilisation</legend>\n' + CRITERIA + '\n'
            '<p><input type="checkbox" name="condition" id="condition"/>'
            '<label for="condition">Veuillez cocher la case pour accepter les conditions d\'utilisation '
            'avant de continuer le processus de prise de rendez-vous.</label></p>\n'
            '<input type="hidden" name="ezxform_token" value="' + step_token + '"/>\n'
            '<p><input type="submit" name="nextButton" class="Bbutton" '
            'value="Effectuer une demande de rendez-vous"/></p>\n</fieldset>\n</form>')
    return ez_page('Prise de rendez-vous', body)


def booking_dsfr(captcha, slots):
    body = ('<h1>Prise de rendez-vous - admission exceptionnelle au séjour</h1>\n'
            '<div class="fr-stepper"><h2 class="fr-stepper__title">Contrôle de sécurité'
            '<span class="fr-stepper__state">Étape 4 sur 6</span></h2>'
            '<div class="fr-stepper__steps" data-fr-current-step="4" data-fr-steps="6"></div>'
            '<p class="fr-stepper__details"><span class="fr-text--bold">Étape suivante :</span> Vos coordonnées</p></div>\n'
            + CRITERIA + '\n'
            '<form id="FormBookingCreate" name="create" method="post" action="/booking/create/4321/6">\n'
            '<div class="fr-fieldset"><legend class="fr-fieldset__legend">Choix du guichet</legend>'
            '<div class="planning"><p>Guichet Admission exceptionnelle au séjour : ' + slots + '</p>'
            '<input type="radio" name="planning" value="15992" id="p1"/><label for="p1">Guichet 1</label></div></div>\n'
            '<div class="captcha"><p>Recopiez les caractères affichés dans l\'image ci-dessous (captcha).</p>'
            '<img src="/ezjscore/call/bookingserver::captcha?r=' + captcha + '" alt="captcha"/>'
            '<a href="/var/cache/captcha/' + captcha + '.mp3">Écouter le code de sécurité</a>'
            '<input type="text" name="eZHumanCAPTCHACode" id="captcha"/></div>\n'
            '<button class="fr-btn" type="submit" name="nextButton">Étape suivante</button>\n</form>')
    return dsfr_page('Prise de rendez-vous', body, 'Vigilance orange orages : fermeture des accueils à 15h', 41)


write('booking-ez.html', booking_ez('5f0c2a8e91d7b34c'))
write('booking-ez.noise.html', booking_ez('c7d1e4a09b3f2e68'))
write('booking-ez.expected.txt', CRITERIA_TEXT)
write('booking-dsfr.html', booking_dsfr('a81f3c', '3 créneaux disponibles'))
write('booking-dsfr.noise.html', booking_dsfr('0e9d27', 'aucun créneau disponible'))
write('booking-dsfr.expected.txt', CRITERIA_TEXT)

# ---------------------------------------------------------------- DSFR
CERGY = '''<h1>Admission exceptionnelle au séjour</h1>
<p>Pour une première demande d'admission exceptionnelle au séjour, vous devez remplir le formulaire en ligne puis l'imprimer et l'envoyer par courrier, avec la copie des pièces de la liste, à l'adresse suivante :</p>
<p>Préfecture du Val-d'Oise<br/>Bureau de l'admission au séjour<br/>5 avenue Bernard Hirsch<br/>95000 CERGY</p>
<p>Liste des pièces : <a href="/content/download/41200/261300/file/Liste-des-pieces-AES.pdf">Liste des pièces AES</a></p>
<p>Un récépissé vous sera remis si votre dossier est complet.</p>'''

CERGY_TEXT = '''# Admission exceptionnelle au séjour

Pour une première demande d'admission exceptionnelle au séjour, vous devez remplir le formulaire en ligne puis l'imprimer et l'envoyer par courrier, avec la copie des pièces de la liste, à l'adresse suivante :

Préfecture du Val-d'Oise
Bureau de l'admission au séjour
5 avenue Bernard Hirsch
95000 CERGY

Liste des pièces : Liste des pièces AES

Un récépissé vous sera remis si votre dossier est complet.
'''

EVRY = '''<h1>Admission exceptionnelle au séjour</h1>
<p>Les demandes d'admission exceptionnelle au séjour sont reçues uniquement sur rendez-vous.</p>
<p>Prenez rendez-vous sur le site de la préfecture. Le jour du rendez-vous, présentez-vous au guichet 4 du hall d'accueil avec l'original de chaque pièce.</p>
<h2>Pièces à fournir</h2>
<ul><li>un passeport en cours de validité ;</li><li>un justificatif de domicile de moins de 3 mois ;</li><li>les preuves de votre présence en France depuis 5 ans.</li></ul>'''

EVRY_TEXT = '''# Admission exceptionnelle au séjour

Les demandes d'admission exceptionnelle au séjour sont reçues uniquement sur rendez-vous.

Prenez rendez-vous sur le site de la préfecture. Le jour du rendez-vous, présentez-vous au guichet 4 du hall d'accueil avec l'original de chaque pièce.

## Pièces à fournir

- un passeport en cours de validité ;
- un justificatif de domicile de moins de 3 mois ;
- les preuves de votre présence en France depuis 5 ans.
'''

write('dsfr-cergy.html', dsfr_page('Admission exceptionnelle au séjour', CERGY,
                                   'Vigilance orange orages : fermeture des accueils à 15h', 3456))
write('dsfr-cergy.noise.html', dsfr_page('Admission exceptionnelle au séjour', CERGY,
                                         'Mouvement social le 12 juin : accueil du public réduit', 3457))
write('dsfr-cergy.expected.txt', CERGY_TEXT)
write('dsfr-evry.html', dsfr_page('Admission exceptionnelle au séjour', EVRY,
                                  'Vigilance jaune canicule', 518))
write('dsfr-evry.noise.html', dsfr_page('Admission exceptionnelle au séjour', EVRY,
                                        'Fermeture exceptionnelle le lundi 14 juillet', 519))
write('dsfr-evry.expected.txt', EVRY_TEXT)
print('fixtures written to', OUT)
