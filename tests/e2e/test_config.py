"""End to end: the configuration file and `prefwatch config`.

Values come from the file (with FILE:LINE as their origin), command-line
flags override them, $PREFWATCH_CONFIG finds the file, secrets are masked,
and unknown keys or bad values are errors with FILE:LINE:COLUMN that stop
the run before anything is fetched.
"""
import os

import pw

GOOD = """# prefwatch configuration
database: %(db)s
watchlists:
  - %(wl)s
mail:
  smtp_url: smtp://127.0.0.1:2525
  from: prefwatch@gisti.test
  to: [redaction@gisti.test]
crawler:
  jobs: 3
  host_delay_ms: 0
report:
  json: %(json)s
"""

BAD = """database: /tmp/x.db
colour: blue
crawler:
  jobs: many
mail:
  require_tls: perhaps
"""


def main(a):
    s = pw.Scenario(a.bin, "config")
    try:
        s.start_server()
        s.put("/a.html", pw.page("AES", "<p>La demande se fait par voie postale.</p>"))
        s.write_watchlist([{"id": "02-laon", "name": "Préfecture de Laon",
                            "pages": [{"url": s.url("/a.html")}]}])
        cfg = os.path.join(s.dir, "config.yaml")
        out_json = os.path.join(s.dir, "from-config.json")
        with open(cfg, "w") as f:
            f.write(GOOD % {"db": s.db, "wl": s.watchlist, "json": out_json})

        env = {"PREFWATCH_SMTP_PASSWORD": "s3cret-Pa55", "PREFWATCH_DB": ""}
        p = s.prefwatch("--config", cfg, "config", env=env)
        pw.check_eq(p.returncode, 0, "config exit: " + p.stderr)
        lines = {l.split()[0]: l for l in p.stdout.splitlines() if l.strip()}
        pw.check(s.db in lines.get("database", "") and "%s:2" % cfg in lines.get("database", ""),
                 "database from the file, with its line: %r" % lines.get("database"))
        pw.check("3" in lines.get("crawler.jobs", "") and "%s:10" % cfg in lines.get("crawler.jobs", ""),
                 "jobs from the file: %r" % lines.get("crawler.jobs"))
        pw.check("default" in lines.get("mail.require_tls", ""), "require_tls default")
        pw.check("s3cret-Pa55" not in p.stdout, "the password is masked")
        pw.check("********" in p.stdout, "the mask is shown")

        # found through $PREFWATCH_CONFIG; the run uses it; a flag overrides jobs
        p = s.prefwatch("run", "--jobs", "1", env={"PREFWATCH_CONFIG": cfg, "PREFWATCH_DB": ""})
        pw.check(p.returncode in (0, 1), "run with the config file: " + p.stderr)
        pw.check(os.path.exists(out_json), "report.json from the file was written")
        pw.check(os.path.exists(s.db), "database from the file was used")
        c = s.prefwatch("config", "--help")
        pw.check_eq(c.returncode, 0, "config --help")

        bad = os.path.join(s.dir, "bad.yaml")
        with open(bad, "w") as f:
            f.write(BAD)
        before = len(s.requests())
        p = s.prefwatch("--config", bad, "run", "--watchlist", s.watchlist)
        pw.check_eq(p.returncode, 2, "bad config: usage status")
        pw.check("%s:2:1:" % bad in p.stderr, "unknown key located: " + p.stderr)
        pw.check("%s:4:9:" % bad in p.stderr, "bad number located: " + p.stderr)
        pw.check("%s:6:16:" % bad in p.stderr, "bad boolean located: " + p.stderr)
        pw.check_eq(len(s.requests()), before, "nothing fetched")
        missing = s.prefwatch("--config", os.path.join(s.dir, "nope.yaml"), "config")
        pw.check_eq(missing.returncode, 2, "a named config file that does not exist is an error")
    finally:
        s.close()


if __name__ == "__main__":
    pw.main(main)
