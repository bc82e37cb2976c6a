#!/usr/bin/python3
"""check_includes.py - the sources' #include lines against the module graph.

    check_includes.py MANIFEST.json [--expect FILE]

The manifest (written by tests/arch/CMakeLists.txt from the pw_add_module()
calls) names every module: its folder, the modules it depends on, its
public and private headers. Every quoted include of a module's files must
be "<module>/<header>" where the module is itself (any of its headers) or
one it depends on (a public header only); a bare "x.h" must be a file of
the same folder. Every header of a module's folder must be listed, and a
top-level folder holding C files must be a module (or listed as
"not_modules"), so a new folder cannot bypass the graph.

The build already refuses a header the include path does not expose (see
check_visibility.py); this check also catches what the compiler cannot
see: "../other/x.h", and a module that includes a header its declared
dependencies would not give it once the graph is trimmed.

Prints one "FILE:LINE: message" per violation (paths relative to the
source folder) and exits 1 if there is any. With --expect, prints the
difference with the expected lines instead and exits 1 if they differ
(the checker's own test, over tests/arch/fixtures).
"""

import argparse
import json
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]*)"')
C_FILE = re.compile(r'\.[ch]$')


def module_errors(manifest):
    root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(manifest["path"])),
                                         manifest["source_dir"]))
    modules = manifest["modules"]
    errors = []

    def rel(path):
        return os.path.relpath(path, root)

    for name, m in sorted(modules.items()):
        folder = os.path.join(root, m["dir"])
        public = set(m.get("public", []))
        private = set(m.get("private", []))
        deps = set(m.get("depends", []))
        for d in sorted(deps):
            if d not in modules:
                errors.append(f"{m['dir']}/CMakeLists.txt: module '{name}' depends on unknown module '{d}'")
        files = sorted(f for f in os.listdir(folder) if C_FILE.search(f))
        for f in files:
            path = os.path.join(folder, f)
            if f.endswith(".h") and f not in public and f not in private:
                errors.append(f"{rel(path)}: header not listed in pw_add_module({name}) "
                              "PUBLIC_HEADERS or PRIVATE_HEADERS")
            with open(path, encoding="utf-8", errors="replace") as fh:
                for no, line in enumerate(fh, 1):
                    match = INCLUDE.match(line)
                    if not match:
                        continue
                    inc = match.group(1)
                    why = include_error(name, folder, inc, public | private, deps, modules)
                    if why:
                        errors.append(f"{rel(path)}:{no}: '{inc}': {why}")

    known = {os.path.normpath(m["dir"]).split(os.sep)[0] for m in modules.values()}
    known |= set(manifest.get("not_modules", []))
    for entry in sorted(os.listdir(root)):
        folder = os.path.join(root, entry)
        if entry.startswith(".") or entry in known or not os.path.isdir(folder):
            continue
        if os.path.exists(os.path.join(folder, "CMakeCache.txt")):
            continue  # a build tree inside the sources
        if any(C_FILE.search(f) for f in os.listdir(folder)):
            errors.append(f"{entry}/: folder with C files that is not a module "
                          "(declare it with pw_add_module)")
    return errors


def include_error(name, folder, inc, own, deps, modules):
    """Why module `name` may not include `inc`, or None."""
    parts = inc.split("/")
    if inc.startswith("/") or ".." in parts or "." in parts:
        return "relative or absolute path: spell it '<module>/<header>'"
    if len(parts) == 1:
        if os.path.exists(os.path.join(folder, inc)):
            return None
        return "no such header in this folder"
    owner, header = parts[0], "/".join(parts[1:])
    if owner == name:
        if header in own:
            return None
        return f"not a header of module '{name}'"
    if owner not in modules:
        return f"'{owner}' is not a module"
    if owner not in deps:
        return f"module '{name}' does not depend on '{owner}'"
    if header not in modules[owner].get("public", []):
        return f"not a public header of module '{owner}'"
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("manifest")
    ap.add_argument("--expect")
    args = ap.parse_args()
    with open(args.manifest, encoding="utf-8") as fh:
        manifest = json.load(fh)
    manifest["path"] = args.manifest
    errors = module_errors(manifest)
    if args.expect:
        with open(args.expect, encoding="utf-8") as fh:
            expected = [line.rstrip("\n") for line in fh if line.strip()]
        missing = [e for e in expected if e not in errors]
        extra = [e for e in errors if e not in expected]
        for e in missing:
            print(f"expected, not reported: {e}")
        for e in extra:
            print(f"reported, not expected: {e}")
        if missing or extra:
            return 1
        print(f"{len(errors)} violations reported, as expected")
        return 0
    for e in errors:
        print(e)
    if errors:
        print(f"{len(errors)} include(s) outside the module graph", file=sys.stderr)
        return 1
    print(f"{len(manifest['modules'])} modules: every include within the graph")
    return 0


if __name__ == "__main__":
    sys.exit(main())
