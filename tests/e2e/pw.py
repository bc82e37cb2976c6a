"""pw.py - shared scaffolding for the end-to-end scenarios.

Each scenario gets a sandbox directory holding the site served by the test
HTTP server (tests/server/httpd.py on 127.0.0.1), a watchlist pointing at it
and a database file, and runs the real prefwatch binary against them.
Nothing here talks to anything but 127.0.0.1.
"""
import argparse
import json
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
HTTPD = os.path.join(HERE, "..", "server", "httpd.py")

FAILED = 0
PASSED = 0
SKIP = 77  # ctest SKIP_RETURN_CODE


class Skipped(Exception):
    pass


def args():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", required=True)
    # a scenario whose cases need different capabilities runs one part per
    # ctest entry, so that a part the machine cannot run shows as skipped
    p.add_argument("--part", default="main")
    return p.parse_args()


def skip(why):
    """The scenario (or this part of it) needs what the machine lacks:
    prints 'skipped: why' and ends it as skipped (exit 77), sandbox removed."""
    print("skipped: " + why)
    raise Skipped(why)


def have_proc():
    """/proc is mounted (a bare chroot has none)."""
    return os.path.exists("/proc/self/maps")


def check(cond, what):
    """Records one assertion; the scenario goes on so every failure shows."""
    global FAILED, PASSED
    if not cond:
        FAILED += 1
        print("FAIL: " + what, file=sys.stderr)
    else:
        PASSED += 1
    return cond


def check_eq(got, want, what):
    return check(got == want, "%s: got %r, want %r" % (what, got, want))


class Scenario:
    def __init__(self, binary, name):
        self.bin = os.path.abspath(binary)
        self.dir = tempfile.mkdtemp(prefix="pw-e2e-%s-" % name)
        self.site = os.path.join(self.dir, "site")
        os.makedirs(self.site)
        self.db = os.path.join(self.dir, "prefwatch.db")
        self.watchlist = os.path.join(self.dir, "watchlist.yaml")
        self.log = os.path.join(self.dir, "httpd.log")
        self.routes = {}
        self.server = None
        self.port = None
        self.runs = 0

    # -- the site --
    def start_server(self):
        port_file = os.path.join(self.dir, "port")
        self.server = subprocess.Popen(
            [sys.executable, HTTPD, "--root", self.site, "--port-file", port_file,
             "--log", self.log],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.dir, "httpd.err"), "w"))
        for _ in range(200):
            if os.path.exists(port_file) and open(port_file).read().strip():
                self.port = int(open(port_file).read().strip())
                return
            time.sleep(0.05)
        raise RuntimeError("test HTTP server did not start")

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def put(self, path, content):
        full = os.path.join(self.site, path.lstrip("/"))
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as f:
            f.write(content)

    def route(self, path, spec):
        if spec is None:
            self.routes.pop(path, None)
        else:
            self.routes[path] = spec
        with open(os.path.join(self.site, "_routes.json"), "w") as f:
            json.dump(self.routes, f)

    def requests(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return [json.loads(l) for l in f if l.strip()]

    # -- the watchlist --
    def write_watchlist(self, offices, defaults=None):
        """offices: list of dicts (id, name, pages: [dict(url=..., ...)])."""
        lines = []
        if defaults:
            lines.append("defaults:")
            for k, v in defaults.items():
                lines.append("  %s: %s" % (k, json.dumps(v, ensure_ascii=False)))
        lines.append("offices:")
        for o in offices:
            lines.append("  - id: %s" % o["id"])
            lines.append("    region: %s" % o.get("region", "Hauts-de-France"))
            lines.append('    departement: "%s"' % o.get("departement", "02"))
            lines.append("    departement_name: %s" % o.get("departement_name", "Aisne"))
            lines.append("    name: %s" % json.dumps(o["name"], ensure_ascii=False))
            lines.append("    kind: %s" % o.get("kind", "prefecture"))
            if "served_by" in o:
                lines.append("    served_by: %s" % o["served_by"])
                continue
            lines.append("    pages:")
            for p in o["pages"]:
                first = True
                for k, v in p.items():
                    lines.append("      %s %s: %s" % ("-" if first else " ", k,
                                                      json.dumps(v, ensure_ascii=False)))
                    first = False
        with open(self.watchlist, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")

    # -- prefwatch --
    def prefwatch(self, *argv, timeout=120, env=None):
        """Runs the binary. $PREFWATCH_WRAPPER (split like a shell would),
        when set, prefixes the command (e.g. valgrind, see test_valgrind.py)
        and multiplies the timeout by $PREFWATCH_TIMEOUT_FACTOR (default 1).
        Messages are in English, whatever the machine's locale: scenarios
        assert them (test_i18n.py passes its own locale in env)."""
        e = dict(os.environ)
        e.pop("PREFWATCH_CONFIG", None)
        e.pop("LANGUAGE", None)
        e["LC_ALL"] = "C.UTF-8"
        if env:
            e.update(env)
        wrapper = shlex.split(os.environ.get("PREFWATCH_WRAPPER", ""))
        timeout *= float(os.environ.get("PREFWATCH_TIMEOUT_FACTOR", "1"))
        return subprocess.run(wrapper + [self.bin] + list(argv), capture_output=True, text=True,
                              timeout=timeout, env=e)

    def run(self, *extra):
        """One nightly run; returns (completed process, parsed JSON report)."""
        self.runs += 1
        out = os.path.join(self.dir, "report-%d.json" % self.runs)
        p = self.prefwatch("run", "--watchlist", self.watchlist, "--db", self.db,
                           "--json", out, "--host-delay", "0", *extra)
        report = None
        if os.path.exists(out):
            with open(out) as f:
                report = json.load(f)
        return p, report

    def sql(self, query, params=()):
        con = sqlite3.connect(self.db)
        try:
            return con.execute(query, params).fetchall()
        finally:
            con.close()

    def close(self):
        if self.server:
            self.server.terminate()
            self.server.wait(timeout=10)
        if not FAILED:
            shutil.rmtree(self.dir, ignore_errors=True)
        else:
            print("sandbox kept: " + self.dir, file=sys.stderr)


def page(title, body, stamp="Mis à jour le 02/02/2023", chrome_noise="", menu=None):
    """A DSFR-style préfecture page: heavy chrome around the procedure in <main>."""
    menu = menu or ["Actualités", "Politiques publiques", "Démarches", "Services de l'État"]
    items = "".join('<li class="fr-nav__item"><a class="fr-nav__link" href="/%s">%s</a></li>'
                    % (m.replace(" ", "-"), m) for m in menu)
    return """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>%(title)s - Les services de l'État</title>
<script>var xtpage="%(noise)s";</script></head>
<body>
<header role="banner" class="fr-header"><div class="fr-header__body">
<p class="fr-header__service-title">Préfecture</p>
<nav class="fr-nav" role="navigation"><ul class="fr-nav__list">%(items)s</ul></nav></div></header>
<div id="tarteaucitronRoot">Ce site utilise des cookies %(noise)s. <button>Accepter</button></div>
<main role="main" id="main"><div class="fr-container">
<nav class="fr-breadcrumb" aria-label="vous êtes ici :"><ol><li><a href="/">Accueil</a></li>
<li>Démarches</li></ol></nav>
<h1>%(title)s</h1>
<p class="fr-text--sm">%(stamp)s</p>
%(body)s
</div></main>
<footer class="fr-footer" role="contentinfo"><p>© République française %(noise)s</p>
<ul><li><a href="/plan">Plan du site</a></li><li><a href="/mentions">Mentions légales</a></li></ul></footer>
</body></html>
""" % {"title": title, "body": body, "stamp": stamp, "noise": chrome_noise, "items": items}


def finish():
    print("%d passed, %d failed" % (PASSED, FAILED))
    sys.exit(1 if FAILED else 0)


def main(fn):
    """Runs a scenario; an exception is a failure, and the summary always
    prints; pw.skip() ends it as skipped unless a check already failed."""
    global FAILED
    try:
        fn(args())
    except Skipped:
        if not FAILED:
            print("%d passed, %d failed, 1 skipped" % (PASSED, FAILED))
            sys.exit(SKIP)
    except Exception:
        import traceback
        traceback.print_exc()
        FAILED += 1
    finish()
