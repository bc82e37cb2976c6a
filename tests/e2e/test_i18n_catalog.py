"""The French catalogue is complete and the template up to date.

po/prefwatch.pot holds exactly the messages the sources mark (regenerated
here with scripts/update-po.sh --pot, compared by msgid); po/fr.po has the
same msgids, each translated (no empty msgstr, no fuzzy mark, no obsolete
entry), passes msgfmt --check (same printf conversions as the English),
and keeps the technical tokens of its msgid: option names (--note), quoted
commands ('prefwatch check'), YAML keys written key: and FILE:LINE:COLUMN.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

FAILED = 0


def check(cond, what):
    global FAILED
    if not cond:
        FAILED += 1
        print("FAIL: " + what, file=sys.stderr)
    return cond


def unquote(s):
    out, i = [], 0
    esc = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s):
            out.append(esc.get(s[i + 1], "\\" + s[i + 1]))
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def parse_po(path):
    """Entries as dicts: msgid, plural, msgstr {index: text}, flags, obsolete."""
    entries, cur, field = [], None, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                if cur:
                    entries.append(cur)
                cur = None
                continue
            if cur is None:
                cur = {"msgid": None, "plural": None, "msgstr": {}, "flags": [], "obsolete": False}
            if line.startswith("#~"):
                cur["obsolete"] = True
                continue
            if line.startswith("#,"):
                cur["flags"] += [x.strip() for x in line[2:].split(",")]
                continue
            if line.startswith("#"):
                continue
            m = re.match(r'(msgid_plural|msgid|msgstr(?:\[(\d+)\])?|msgctxt)\s+"(.*)"$', line)
            if m:
                kw = m.group(1)
                field = ("msgstr", int(m.group(2) or 0)) if kw.startswith("msgstr") else (kw,)
                text = unquote(m.group(3))
                if field[0] == "msgstr":
                    cur["msgstr"][field[1]] = text
                else:
                    cur["plural" if kw == "msgid_plural" else kw] = text
                continue
            m = re.match(r'"(.*)"$', line)
            if not m or field is None:
                raise ValueError("%s: cannot parse %r" % (path, line))
            text = unquote(m.group(1))
            if field[0] == "msgstr":
                cur["msgstr"][field[1]] += text
            else:
                key = "plural" if field[0] == "msgid_plural" else field[0]
                cur[key] += text
    if cur:
        entries.append(cur)
    return entries


TOKENS = [
    re.compile(r"--[a-z][a-z-]*"),                  # option names
    re.compile(r"'prefwatch [a-z%][a-z%0-9 -]*'"),  # commands quoted in English...
    re.compile(r"\b[a-z_]+: (?:false|true)\b"),     # YAML settings to write
    re.compile(r"FILE:LINE:COLUMN"),
    re.compile(r"~/\.netrc"),
]


def tokens_kept(msgid, msgstr):
    missing = []
    for rx in TOKENS:
        for t in rx.findall(msgid):
            plain = t.strip("'")
            if plain not in msgstr:     # ...and in « » in French
                missing.append(t)
    return missing


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--source", required=True)
    p.add_argument("--msgfmt", default="msgfmt")
    a = p.parse_args()
    po_dir = os.path.join(a.source, "po")
    committed = parse_po(os.path.join(po_dir, "prefwatch.pot"))
    fr = parse_po(os.path.join(po_dir, "fr.po"))

    with tempfile.TemporaryDirectory(prefix="pw-i18n-") as tmp:
        fresh_path = os.path.join(tmp, "fresh.pot")
        r = subprocess.run(["bash", os.path.join(a.source, "scripts", "update-po.sh"),
                            "--pot", fresh_path], capture_output=True, text=True)
        check(r.returncode == 0, "update-po.sh --pot failed: " + r.stderr)
        fresh = parse_po(fresh_path) if r.returncode == 0 else []
        r = subprocess.run([a.msgfmt, "--check", "--output-file", os.path.join(tmp, "fr.mo"),
                            os.path.join(po_dir, "fr.po")], capture_output=True, text=True)
        check(r.returncode == 0, "msgfmt --check po/fr.po: " + r.stderr)

    def ids(entries):
        return {e["msgid"] for e in entries if e["msgid"] and not e["obsolete"]}

    new = sorted(ids(fresh) - ids(committed))
    gone = sorted(ids(committed) - ids(fresh))
    check(not new and not gone,
          "po/prefwatch.pot is out of date (run scripts/update-po.sh): new %r, gone %r"
          % (new[:10], gone[:10]))
    check(ids(fr) == ids(fresh),
          "po/fr.po does not have the sources' messages (run scripts/update-po.sh): "
          "missing %r, extra %r" % (sorted(ids(fresh) - ids(fr))[:10], sorted(ids(fr) - ids(fresh))[:10]))

    n = 0
    for e in fr:
        if not e["msgid"]:
            check("charset=UTF-8" in e["msgstr"].get(0, ""), "po/fr.po header: charset UTF-8")
            continue
        n += 1
        check(not e["obsolete"], "obsolete entry in po/fr.po: %r" % e["msgid"])
        check("fuzzy" not in e["flags"], "fuzzy translation in po/fr.po: %r" % e["msgid"])
        check(e["msgstr"] and all(v for v in e["msgstr"].values()),
              "untranslated in po/fr.po: %r" % e["msgid"])
        for v in e["msgstr"].values():
            lost = tokens_kept(e["msgid"], v)
            check(not lost, "po/fr.po loses %r in %r" % (lost, e["msgid"]))
    check(n > 100, "po/fr.po has %d messages" % n)
    print("%d messages checked, %d failures" % (n, FAILED))
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()
