"""End to end: thresholds as facts (issue 14, first half).

An Oise-like page listing the criteria of the circular of 28 November 2012
(tests/crawler/thresholds/oise.html), served on 127.0.0.1, through the real
binary, every report mailed to the loopback SMTP server:

  night 1  the page is new: every threshold is extracted with its
           condition (the full list, in the JSON);
  night 2  its snapshot is made to look like one of extractor version 4
           (that version's fingerprint, facts without thresholds): the
           stored page is re-extracted quietly, nothing reported, nothing
           mailed, and the stored facts now hold the thresholds;
  night 3  one number changes (5 ans -> 3 ans for the spouse): exactly one
           named delta, first in the change, in text, HTML, JSON and the
           mail subject (« 1 condition modifiée »);
  night 4  the procedure is reworded, its condition line too, every number
           and reference kept: a text change, no threshold delta;
  night 5  the list of conditions is reordered: no threshold delta;
  night 6  dates, the phone number, the postal code, the address and the
           opening hours change: no threshold delta, and none of those
           numbers is a threshold.
"""
import email
import email.policy
import os
import re
import sqlite3

import pw
from pw import check, check_eq
from mail.smtp_fixture import SmtpServer

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "crawler", "thresholds", "oise.html")

# XXH3-128 of "extractor 4\n": the fingerprint of a page without rules of
# its own under extractor version 4, before thresholds were read.
V4_BUILTIN_FP = "8d38e71fd6f2d27b2482e625a554b58a"

CONJ = "conjoint d'un étranger en situation régulière"
PAR = "parent d'enfants scolarisés"
MIN = "entré en France mineur et que vous venez d'avoir 18 ans"
RES = "vous résidez en France depuis plus de 10 ans"
PRO = "vous exercez une activité professionnelle"
TOP = "Admission exceptionnelle au séjour"
EXPECTED = [
    ("reference", TOP, "article L435-1 du CESEDA"),
    ("reference", TOP, "circulaire du 28/11/2012"),
    ("duration", PAR, "présence 5 ans"),
    ("duration", PAR, "scolarisation 3 ans"),
    ("duration", CONJ, "présence 5 ans"),
    ("duration", CONJ, "vie commune 18 mois"),
    ("age", MIN, "âge 18 ans"),
    ("age", MIN, "âge 16 ans"),
    ("duration", RES, "présence 10 ans"),
    ("count", RES, "2 documents par semestre"),
    ("duration", PRO, "présence 5 ans"),
    ("duration", PRO, "activité 8 mois sur 24 mois"),
    ("duration", PRO, "activité 30 mois sur 5 ans"),
    ("duration", PRO, "présence 3 ans"),
    ("duration", PRO, "activité 24 mois"),
    ("duration", PRO, "activité 8 mois sur 12 mois"),
    ("reference", PRO, "CERFA 15186*03"),
    ("contract", PRO, "contrat 6 mois"),
    ("money", PRO, "salaire au moins égal au SMIC"),
    ("money", "Dépôt du dossier", "taxe 225 €"),
]

CONJ_OLD = "Vous devez justifier de 5 ans de présence en France et de 18 mois de vie commune avec votre conjoint."
CONJ_NEW = "Vous devez justifier de 3 ans de présence en France et de 18 mois de vie commune avec votre conjoint."
CONJ_REWORDED = ("Il vous faudra prouver 3 ans de présence en France ainsi que 18 mois de vie commune "
                 "avec votre époux ou votre épouse.")
PAR_BLOCK = re.compile(r"<ul>\s*<li>Si vous êtes parent.*?</p>\n", re.S)
CONJ_BLOCK = re.compile(r"<ul>\s*<li>Si vous êtes l.époux.*?</p>\n", re.S)


def thresholds(page):
    return [(t["kind"], t["condition"], t["value"]) for t in page.get("thresholds", [])]


def flat(s):
    return " ".join(s.split())


def subject_of(srv, n):
    msgs = srv.messages()
    if len(msgs) < n:
        return None
    return email.message_from_bytes(msgs[n - 1][0], policy=email.policy.default)["Subject"]


def main(a):
    s = pw.Scenario(a.bin, "thresholds")
    srv = None
    try:
        s.start_server()
        srv = SmtpServer(s.dir)
        mail = ["--mail", "--smtp-url", srv.url, "--mail-from", "prefwatch@gisti.test",
                "--mail-to", "redaction@gisti.test"]
        with open(FIXTURE, encoding="utf-8") as f:
            v1 = f.read()
        check(CONJ_OLD in v1, "the fixture holds the spouse's sentence")
        s.put("/aes.html", v1)
        s.write_watchlist([{"id": "60-beauvais", "name": "Préfecture de Beauvais", "departement": "60",
                            "departement_name": "Oise", "pages": [{"url": s.url("/aes.html")}]}])

        # night 1
        p, r = s.run(*mail)
        check_eq(p.returncode, 0, "night 1 exit (stderr: %s)" % p.stderr)
        page = r["pages"][0]
        check_eq(page["status"], "new", "night 1: new page")
        check_eq(thresholds(page), EXPECTED, "night 1: every threshold with its condition")
        check("thresholds" not in page["fields"], "the thresholds apart from the other fields")
        sent = len(srv.messages())

        # night 2: a snapshot of extractor version 4
        sid, fields = s.sql("select s.id, s.fields from pages p join snapshots s"
                            " on s.id = p.current_snapshot")[0]
        check("thresholds\t" in fields, "night 1: the thresholds are stored with the facts")
        old_fields = "".join(l + "\n" for l in fields.split("\n") if l and not l.startswith("thresholds"))
        con = sqlite3.connect(s.db)
        con.execute("update snapshots set rules_fp = ?, fields = ? where id = ?", (V4_BUILTIN_FP, old_fields, sid))
        con.commit()
        con.close()
        p, r = s.run(*mail)
        check_eq(p.returncode, 0, "night 2 exit (stderr: %s)" % p.stderr)
        check_eq(r["pages"][0]["status"], "unchanged", "night 2: the upgrade is no news")
        check_eq(r["pages"][0]["rules_changed"], False, "night 2: not even « règles modifiées »")
        check_eq(p.stdout, "", "night 2 prints nothing")
        check_eq(len(srv.messages()), sent, "night 2 mails nothing")
        check_eq(len(s.sql("select id from changes")), 0, "night 2: no change stored")
        fields2 = s.sql("select s.fields from pages p join snapshots s on s.id = p.current_snapshot")[0][0]
        check_eq(fields2.count("thresholds\t"), len(EXPECTED), "night 2: the stored facts got their thresholds")

        # night 3: one number
        v3 = v1.replace(CONJ_OLD, CONJ_NEW)
        s.put("/aes.html", v3)
        text3, html3 = os.path.join(s.dir, "r3.txt"), os.path.join(s.dir, "r3.html")
        p, r = s.run("--text", text3, "--html", html3, *mail)
        check_eq(p.returncode, 0, "night 3 exit (stderr: %s)" % p.stderr)
        page = r["pages"][0]
        check_eq(page["status"], "changed", "night 3: changed")
        ch = page.get("change") or {}
        old = {"kind": "duration", "condition": CONJ, "subject": "présence", "value": "présence 5 ans"}
        new = dict(old, value="présence 3 ans")
        check_eq(ch.get("thresholds"), [{"change": "changed", "kind": "duration", "old": old, "new": new}],
                 "night 3: one threshold delta in the JSON")
        sentence = "Condition « %s » : présence 5 ans → 3 ans" % CONJ
        with open(text3, encoding="utf-8") as f:
            text = flat(f.read())
        check_eq(text.count(sentence), 1, "night 3: the delta named once in the text:\n" + text)
        check_eq(text.count("Condition «"), 1, "night 3: no other threshold delta")
        check(text.find(sentence) < text.find("[-5-]{+3+}") if "[-5-]{+3+}" in text else True,
              "night 3: the delta before the word diff")
        with open(html3, encoding="utf-8") as f:
            html = flat(f.read())
        check_eq(html.count("Condition « conjoint d&#39;un étranger en situation régulière »"), 1,
                 "night 3: the delta named once in the HTML")
        check("présence 5 ans" in html and "3 ans" in html, "night 3: its values in the HTML")
        subj = subject_of(srv, sent + 1)
        check(subj is not None and "1 condition modifiée" in subj, "night 3: the subject says it: %r" % subj)
        check(subj is not None and "référence" not in subj, "night 3: no reference in the subject")
        sent = len(srv.messages())

        # night 4: reworded, numbers kept
        v4 = v3.replace(CONJ_NEW, CONJ_REWORDED).replace(
            "Si vous êtes le conjoint d'un étranger en situation régulière",
            "Si vous êtes l'époux ou l'épouse d'un étranger en situation régulière").replace(
            "Vous devez justifier de 5 ans de présence en France et votre enfant doit être scolarisé",
            "Il faut justifier de 5 ans de présence en France ; votre enfant doit être scolarisé")
        check(v4 != v3, "night 4: the text is reworded")
        s.put("/aes.html", v4)
        p, r = s.run(*mail)
        page = r["pages"][0]
        check_eq(page["status"], "changed", "night 4: a text change")
        check("thresholds" not in (page.get("change") or {}), "night 4: no threshold delta in the JSON")
        check("Condition «" not in p.stdout and "Seuil" not in p.stdout, "night 4: none in the text:\n" + p.stdout)
        subj = subject_of(srv, sent + 1)
        check(subj is not None and "condition" not in subj, "night 4: subject without condition: %r" % subj)
        sent = len(srv.messages())

        # night 5: the conditions reordered
        par, conj = PAR_BLOCK.search(v4), CONJ_BLOCK.search(v4)
        check(par and conj, "night 5: the two blocks found")
        v5 = v4[:par.start()] + conj.group(0) + par.group(0) + v4[conj.end():]
        check(v5 != v4, "night 5: reordered")
        s.put("/aes.html", v5)
        p, r = s.run(*mail)
        page = r["pages"][0]
        check_eq(page["status"], "changed", "night 5: a text change")
        check("thresholds" not in (page.get("change") or {}), "night 5: no threshold delta in the JSON")
        night5 = thresholds(page)
        check_eq(len(night5), len(EXPECTED), "night 5: every threshold still there")
        check("Condition «" not in p.stdout and "Seuil" not in p.stdout, "night 5: none in the text:\n" + p.stdout)

        # night 6: dates, phone, postal code, address, hours
        v6 = (v5.replace("03 44 06 12 34", "03 44 06 99 88").replace("15 mars 2023", "20 avril 2024")
              .replace("60000 BEAUVAIS", "60021 BEAUVAIS CEDEX").replace("1, place de la préfecture<br>",
                                                                          "3, rue Jean Racine<br>")
              .replace("de 9h00 à 12h00", "de 8h30 à 11h30").replace("Mis à jour le 02/03/2023",
                                                                      "Mis à jour le 04/05/2024"))
        check(v6 != v5, "night 6: changed")
        s.put("/aes.html", v6)
        p, r = s.run(*mail)
        page = r["pages"][0]
        check_eq(page["status"], "changed", "night 6: a change (the address)")
        check("thresholds" not in (page.get("change") or {}), "night 6: no threshold delta in the JSON")
        check("Condition «" not in p.stdout and "Seuil" not in p.stdout, "night 6: none in the text:\n" + p.stdout)
        check_eq(thresholds(page), night5, "night 6: the same thresholds, none of the new numbers")
    finally:
        if srv:
            srv.stop()
        s.close()


if __name__ == "__main__":
    pw.main(main)
