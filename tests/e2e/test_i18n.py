"""End to end: the command line speaks French under a French locale.

Under LANG=fr_FR.UTF-8, `prefwatch check` prints the watchlist's errors in
French behind their untouched FILE:LINE:COLUMN: position, `pending --help`
its French usage, and an unknown option a French error; under LANG=C (and
with LANGUAGE=fr, which gettext ignores under the C locale) the same
commands speak English; LC_MESSAGES alone is enough; a catalogue directory
named by $PREFWATCH_LOCALEDIR that has no catalogue falls back to English.
A file indented with tabs gets every tab line said (FILE:LINE:COLUMN, what
to do) with the other errors of the file, in either language; every
command's --help is French from its first line to its last.
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

# a tab in the indentation of line 8 (column 1), another at line 16, and a
# wrong kind before them: libyaml stops at the first tab, we say all three,
# and the office after the tabs is still checked (its url at 21:14)
TABS = BAD.replace("    pages:\n", "\tpages:\n") + """  - id: 02-soissons
    region: Hauts-de-France
    departement: "02"
    departement_name: Aisne
    name: Sous-préfecture de Soissons
    kind: sous-prefecture
\tpages:
  - id: 02-vervins
    region: Hauts-de-France
    departement: "02"
    departement_name: Aisne
    name: Sous-préfecture de Vervins
    kind: sous-prefecture
    pages:
      - url: www.aisne.gouv.fr/vervins
"""

COMMANDS = ["run", "check", "test", "pending", "show", "history", "ack", "dismiss", "report",
            "reextract", "mail", "config", "import", "export", "coverage", "guide", "evidence",
            "verify", "prune", "relocate"]

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

        # a tab: file, line, column and what to do, and the other errors
        tabs = os.path.join(s.dir, "tabs.yaml")
        with open(tabs, "w", encoding="utf-8") as f:
            f.write(TABS)
        p = s.prefwatch("check", tabs, env=FR)
        pw.check_eq(p.returncode, 2, "check of a file with tabs")
        lines = p.stderr.splitlines()
        for want in (tabs + ":7:11: kind 'nope' incorrect : prefecture ou sous-prefecture attendu",
                     tabs + ":8:1: tabulation interdite : indenter avec des espaces "
                     "(YAML n'admet pas de tabulation dans l'indentation)",
                     tabs + ":16:1: tabulation interdite : indenter avec des espaces "
                     "(YAML n'admet pas de tabulation dans l'indentation)",
                     tabs + ":24:14: url 'www.aisne.gouv.fr/vervins' incorrecte : ce n'est "
                     "pas une adresse complète (http://... ou https://... attendu)",
                     "prefwatch: 4 erreurs"):
            pw.check(want in lines, "French tab errors: %r not in %r" % (want, lines))
        p = s.prefwatch("check", tabs, env={"LC_ALL": "", "LANG": "C"})
        lines = p.stderr.splitlines()
        for want in (tabs + ":7:11: bad kind 'nope': expected prefecture or sous-prefecture",
                     tabs + ":8:1: tab in indentation: indent with spaces (YAML forbids tabs there)",
                     tabs + ":16:1: tab in indentation: indent with spaces (YAML forbids tabs there)",
                     "prefwatch: 4 errors"):
            pw.check(want in lines, "English tab errors: %r not in %r" % (want, lines))

        # every command's --help in French, none left in English
        for cmd in COMMANDS:
            fr = s.prefwatch(cmd, "--help", env=FR)
            en = s.prefwatch(cmd, "--help", env={"LC_ALL": "", "LANG": "C"})
            pw.check_eq(fr.returncode, 0, cmd + " --help exit status")
            pw.check(fr.stdout.startswith("utilisation : prefwatch "),
                     "%s --help in French: %r" % (cmd, fr.stdout[:80]))
            pw.check(en.stdout.startswith("usage: prefwatch "),
                     "%s --help in English: %r" % (cmd, en.stdout[:80]))
            # the description too, not only the first line
            # (import's list of column names is the same in both)
            en_lines = set(l for l in en.stdout.splitlines()
                           if len(l.split()) > 4 and "served_by" not in l)
            same = [l for l in fr.stdout.splitlines() if l in en_lines]
            pw.check(not same, "%s --help: lines left in English: %r" % (cmd, same))

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
