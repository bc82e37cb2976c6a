#!/usr/bin/env python3
"""One child-process runner: no production source but common/spawn.c
starts a program itself (fork, vfork, exec*, posix_spawn*, system, popen,
clone). Every child goes through pw_child_run() (common/spawn.h), so that
each one has the same limits, timeout and end classification.

Usage: check_spawn.py MANIFEST (tests/arch's modules.json: the source
folder and the modules). Prints each call found as FILE:LINE: NAME and
exits 1 when there is one.
"""
import json
import os
import re
import sys

ALLOWED = {os.path.join("common", "spawn.c")}
CALL = re.compile(r"\b(fork|vfork|execl|execlp|execle|execv|execvp|execvpe|execve|fexecve|"
                  r"posix_spawn|posix_spawnp|system|popen|clone)\s*\(")


def strip(text):
    """Comments and string literals blanked, line breaks kept."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("".join(c if c == "\n" else " " for c in text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text[i] in "\"'":
            q, j = text[i], i + 1
            while j < n and text[j] != q and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(" " * (min(j + 1, n) - i))
            i = j + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def main(argv):
    with open(argv[1]) as f:
        manifest = json.load(f)
    root = manifest["source_dir"]
    found = []
    for name, mod in sorted(manifest["modules"].items()):
        d = os.path.join(root, mod.get("dir") or name)
        for dp, _, files in os.walk(d):
            for fn in sorted(files):
                if not fn.endswith((".c", ".h")):
                    continue
                path = os.path.join(dp, fn)
                rel = os.path.relpath(path, root)
                if rel in ALLOWED:
                    continue
                with open(path, encoding="utf-8", errors="replace") as f:
                    text = strip(f.read())
                for no, line in enumerate(text.split("\n"), 1):
                    for m in CALL.finditer(line):
                        found.append("%s:%d: %s() outside common/spawn.c: use pw_child_run()"
                                     % (rel, no, m.group(1)))
    for line in found:
        print(line)
    print("%d process start(s) outside common/spawn.c" % len(found))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
