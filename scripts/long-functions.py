#!/usr/bin/env python3
"""Lists the longest C functions of the production sources.

A function is a body between a '{' and a '}' each alone at the start of a
line (the project's style); its name is the identifier before the '(' of
the lines above. Usage: long-functions.py [--over N] [DIR...] (default: the
module folders; N: 80). Prints the count over N, then the functions over N,
longest first.
"""
import os
import re
import sys

MODULES = ["common", "watchlist", "crawler", "judge", "store", "reports", "guide",
           "mail", "evidence", "cli"]


def functions(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    start = None
    for i, line in enumerate(lines):
        if line == "{":
            start = i
        elif line == "}" and start is not None:
            j = start
            while j > 0 and lines[j - 1].strip() and not lines[j - 1].rstrip().endswith((";", "}", "*/")) \
                    and not lines[j - 1].startswith("#"):
                j -= 1
            head = " ".join(lines[j:start])
            names = re.findall(r"([A-Za-z_]\w*)\s*\(", head)
            name = names[0] if names else "?"
            if name not in ("if", "for", "while", "switch", "sizeof"):
                # the signature's lines count, as an editor sees the function
                yield name, start, i - start + 1
            start = None


def main(argv):
    over = 80
    dirs = []
    it = iter(argv)
    for a in it:
        if a == "--over":
            over = int(next(it))
        else:
            dirs.append(a)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    dirs = dirs or [os.path.join(root, m) for m in MODULES]
    found = []
    for d in dirs:
        for dp, _, files in os.walk(d):
            for fn in sorted(files):
                if fn.endswith(".c"):
                    p = os.path.join(dp, fn)
                    for name, line, n in functions(p):
                        found.append((n, os.path.relpath(p, root), line + 1, name))
    found.sort(reverse=True)
    big = [f for f in found if f[0] > over]
    print("%d functions over %d lines (of %d)" % (len(big), over, len(found)))
    for n, p, line, name in big:
        print("%5d  %s:%d  %s" % (n, p, line, name))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
