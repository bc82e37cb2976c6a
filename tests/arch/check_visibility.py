#!/usr/bin/python3
"""check_visibility.py - proves that the include paths enforce the graph.

    check_visibility.py MANIFEST.json --cc COMPILER --workdir DIR

For every module M and every header H of every module N, compiles a file
holding only `#include "N/H"` with exactly the include directories and
definitions the build gives M's own files (flags files written by
file(GENERATE) from the targets' properties, named in the manifest), and checks the outcome:

  - it compiles when N is M, or when M depends on N and H is public;
  - otherwise it fails, and fails *because the header is not found* (a
    failure for another reason would prove nothing).

So `#include "reports/internal.h"` in crawler/, or `#include "store/store.h"`
in reports/, is a build error, and this test fails if the build ever
exposes more (a project-wide include directory, a dependency made PUBLIC
that should not be). Probe files live in a fresh folder under DIR,
removed at the end.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile


def flags_of(module):
    """The -I and -D flags of a module's files, from its flags file (lines
    "I <dir>" and "D <definition>", written by file(GENERATE))."""
    flags = ["-std=c11", "-fsyntax-only"]
    with open(module["flags_file"], encoding="utf-8") as fh:
        for line in fh:
            kind, _, value = line.rstrip("\n").partition(" ")
            if value:
                flags.append(("-I" if kind == "I" else "-D") + value)
    return flags


def not_found(stderr):
    return "No such file" in stderr or "file not found" in stderr  # gcc, clang


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("manifest")
    ap.add_argument("--cc", required=True)
    ap.add_argument("--workdir", required=True)
    args = ap.parse_args()
    with open(args.manifest, encoding="utf-8") as fh:
        modules = json.load(fh)["modules"]

    os.makedirs(args.workdir, exist_ok=True)
    work = tempfile.mkdtemp(prefix="visibility-", dir=args.workdir)
    failures = []
    probes = 0
    env = dict(os.environ, LC_ALL="C")  # the compiler's messages in English
    try:
        for name, m in sorted(modules.items()):
            flags = flags_of(m)
            deps = set(m["depends"])
            for owner, o in sorted(modules.items()):
                for header in o["public"] + o["private"]:
                    inc = f"{owner}/{header}"
                    allowed = owner == name or (owner in deps and header in o["public"])
                    probe = os.path.join(work, f"{name}--{owner}--{header.replace('/', '_')}.c")
                    with open(probe, "w", encoding="utf-8") as fh:
                        fh.write(f'#include "{inc}"\ntypedef int pw_probe_not_empty;\n')
                    res = subprocess.run([args.cc] + flags + [probe], capture_output=True,
                                         text=True, env=env)
                    probes += 1
                    if allowed and res.returncode != 0:
                        failures.append(f"{name}: '{inc}' should compile and does not:\n{res.stderr}")
                    elif not allowed and res.returncode == 0:
                        failures.append(f"{name}: '{inc}' compiles, but {name} "
                                        + ("may not include another module's private header"
                                           if owner in deps else f"does not depend on {owner}"))
                    elif not allowed and not (inc in res.stderr and not_found(res.stderr)):
                        failures.append(f"{name}: '{inc}' fails for another reason than "
                                        f"not being found:\n{res.stderr}")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    for f in failures:
        print(f)
    if failures:
        print(f"{len(failures)} of {probes} probes wrong")
        return 1
    print(f"{probes} probes: each module sees its own headers and its dependencies' "
          "public headers, nothing else")
    return 0


if __name__ == "__main__":
    sys.exit(main())
