"""End to end: the command line speaks French under a French locale.

Under LANG=fr_FR.UTF-8, `prefwatch check` prints the watchlist's errors in
French behind their untouched FILE:LINE:COLUMN: position, `pending --help`
its French usage, and an unknown option a French error; under LANG=C (and
with LANGUAGE=fr, which gettext ignores under the C locale) the same
commands speak English; LC_MESSAGES alone is enough; a catalogue directory
named by $PREFWATCH_LOCALEDIR that has no catalogue falls back to English.
Needs the fr_FR.UTF-8 locale (scripts/dev.sh deps test makes it): without
it the test says "skipped" and exits 77.
"""
import locale
import os
import sys

import pw

BAD = """offices:
  - id: 02-laon
    region: Hauts-de-France
    departement: "02"
    departement_name: Aisne
    name: Préfecture de Laon
    kind: nope
    pages:
      - url: https://www.aisne.gouv.fr/AES
"""

GOOD = BAD.replace("kind: nope", "kind: prefecture")

FR = {"LC_ALL": "", "LANG": "fr_FR.UTF-8"}


def has_french_locale():
    saved = locale.setlocale(locale.LC_ALL)
    try:
        locale.setlocale(locale.LC_ALL, "fr_FR.UTF-8")
    except locale.Error:
        return False
    finally:
        locale.setlocale(locale.LC_ALL, saved)
    return True


def main(a):
    s = pw.Scenario(a.bin, "i18n")
    try:
        bad = os.path.join(s.dir, "bad.yaml")
        with open(bad, "w", encoding="utf-8") as f:
            f.write(BAD)
        with open(s.watchlist, "w", encoding="utf-8") as f:
            f.write(GOOD)

        p = s.prefwatch("check", bad, env=FR)
        pw.check_eq(p.returncode, 2, "check exit status")
        pw.check(bad + ":7:11: kind 'nope' incorrect : prefecture ou sous-prefecture attendu"
                 in p.stderr.splitlines(), "French error behind FILE:LINE:COLUMN: %r" % p.stderr)
        pw.check("prefwatch: 1 erreur" in p.stderr.splitlines(), "French count: %r" % p.stderr)

        p = s.prefwatch("check", s.watchlist, env=FR)
        pw.check_eq(p.returncode, 0, "check of a good file: " + p.stderr)
        pw.check_eq(p.stdout, "1 service, 1 page : ok\n", "French ok")

        p = s.prefwatch("pending", "--help", env=FR)
        pw.check_eq(p.returncode, 0, "pending --help exit status")
        pw.check(p.stdout.startswith("utilisation : prefwatch pending [--db FICHIER]\n"),
                 "French usage: %r" % p.stdout)
        pw.check("Liste les modifications pas encore revues" in p.stdout, "French help text")

        p = s.prefwatch("pending", "--no-such-option", "--db", s.db, env=FR)
        pw.check_eq(p.returncode, 2, "unknown option exit status")
        pw.check("prefwatch pending: erreur : option inconnue" in p.stderr.splitlines(),
                 "French unknown option: %r" % p.stderr)
        pw.check("voir « prefwatch pending --help »" in p.stderr, "French hint: %r" % p.stderr)

        p = s.prefwatch("nosuchcommand", env=FR)
        pw.check("prefwatch: erreur : commande inconnue 'nosuchcommand'" in p.stderr,
                 "French unknown command: %r" % p.stderr)
        pw.check("commandes :" in p.stderr and "vérifier des fichiers de liste de suivi"
                 in p.stderr, "French command table: %r" % p.stderr)

        # LC_MESSAGES alone chooses the messages
        p = s.prefwatch("check", bad, env={"LC_ALL": "", "LANG": "", "LC_MESSAGES": "fr_FR.UTF-8"})
        pw.check("kind 'nope' incorrect" in p.stderr, "LC_MESSAGES=fr_FR.UTF-8: %r" % p.stderr)

        # English under C, even with LANGUAGE=fr (gettext ignores it there)
        for env in ({"LC_ALL": "", "LANG": "C"}, {"LC_ALL": "C", "LANGUAGE": "fr"}):
            p = s.prefwatch("check", bad, env=env)
            pw.check(bad + ":7:11: bad kind 'nope': expected prefecture or sous-prefecture"
                     in p.stderr.splitlines(), "English under %r: %r" % (env, p.stderr))
            p = s.prefwatch("pending", "--help", env=env)
            pw.check(p.stdout.startswith("usage: prefwatch pending"), "English usage under %r" % env)

        # a catalogue directory without our catalogue: English, not a failure
        empty = os.path.join(s.dir, "locale")
        os.mkdir(empty)
        p = s.prefwatch("check", bad, env=dict(FR, PREFWATCH_LOCALEDIR=empty))
        pw.check_eq(p.returncode, 2, "exit status without catalogue")
        pw.check("bad kind 'nope'" in p.stderr, "English without catalogue: %r" % p.stderr)
    finally:
        s.close()


if __name__ == "__main__":
    if not has_french_locale():
        print("skipped: no fr_FR.UTF-8 locale")
        sys.exit(77)
    pw.main(main)
