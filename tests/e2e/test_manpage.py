"""The man page renders: every command of `prefwatch --help` has an entry
whose heading holds its whole synopsis on one line, the description below
it (issue 21: the `report` entry's `DATE]` ran into its description).

The page (man/prefwatch.1 of the source tree) is rendered with groff's
nroff at 80 columns, as man(1) would; skipped (77) when groff is missing.
"""
import os
import re
import shutil
import subprocess
import sys

import pw

MAN = os.path.join(pw.HERE, "..", "..", "man", "prefwatch.1")


def render():
    nroff = shutil.which("nroff")
    if not nroff:
        return None
    p = subprocess.run([nroff, "-man", "-rLL=80n", "-Tutf8", MAN], capture_output=True,
                       timeout=60, env=dict(os.environ, LC_ALL="C.UTF-8"))
    if p.returncode != 0:
        pw.check(False, "nroff failed: " + p.stderr.decode("utf-8", "replace"))
        return ""
    out = p.stdout.decode("utf-8", "replace")
    out = re.sub(r"\x1b\[[0-9;]*m", "", out)      # SGR (groff >= 1.23)
    out = re.sub(r".\x08", "", out)               # overstrike bold/underline
    return out.replace("\u2212", "-").replace("\u2010", "-")


def section(lines, title):
    try:
        start = lines.index(title)
    except ValueError:
        return []
    end = start + 1
    while end < len(lines) and (not lines[end] or lines[end][0] == " "):
        end += 1
    return lines[start + 1:end]


def headings(body):
    """Entry headings: the lines indented like a tag (7 columns), with the
    line after each."""
    out = []
    for i, l in enumerate(body):
        if re.match(r"^ {7}\S", l):
            out.append((l.strip(), body[i + 1].strip() if i + 1 < len(body) else ""))
    return out


def main(a):
    text = render()
    if text is None:
        print("skipped: nroff (groff) is not installed")
        sys.exit(77)
    lines = text.splitlines()
    commands = section(lines, "COMMANDS")
    pw.check(commands, "the rendered page has a COMMANDS section")
    heads = headings(commands) + headings(section(lines, "OPTIONS"))
    for head, _ in heads:
        pw.check(head.count("[") == head.count("]"),
                 "an entry heading holds its whole synopsis: %r" % head)

    report = [(h, n) for h, n in heads if h.split()[0] == "report"]
    pw.check_eq([h for h, _ in report], ["report [--pending | --since DATE]"], "report's heading")
    pw.check(report and report[0][1].startswith("Render stored changes"),
             "report's description starts below its heading: %r" % report)

    helped = subprocess.run([a.bin, "--help"], capture_output=True, text=True, timeout=60)
    names = re.findall(r"^  ([a-z]+)\s", helped.stdout, re.M)
    pw.check(len(names) >= 10, "prefwatch --help lists the commands: %r" % names)
    entry = {h.split()[0] for h, _ in headings(commands)}
    for n in names:
        pw.check(n in entry, "the man page has an entry for '%s'" % n)


if __name__ == "__main__":
    pw.main(main)
