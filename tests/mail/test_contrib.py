#!/usr/bin/python3
"""Checks of the operation files: the systemd units pass `systemd-analyze
verify`, the crontab line is well formed, the man page renders without a
single warning. Each check first proves it can fail, on a broken copy.

test_contrib.py units --src SRCDIR --bin PREFWATCH
test_contrib.py cron --src SRCDIR
test_contrib.py man --src SRCDIR
Exit 77 (ctest SKIP_RETURN_CODE) when the tool is not installed.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("check failed: %s" % what, file=sys.stderr)
    return cond


def verify_units(tmp, src, binary, manpath, edit=None):
    """Copies the units to tmp with ExecStart pointing at binary (verify
    wants an existing executable) and runs systemd-analyze verify on them.
    Returns (exit status, output)."""
    units = os.path.join(tmp, "units")
    shutil.rmtree(units, ignore_errors=True)
    os.makedirs(units)
    for name in ("prefwatch.service", "prefwatch.timer"):
        with open(os.path.join(src, "contrib", "systemd", name)) as f:
            text = f.read()
        text = re.sub(r"^ExecStart=/\S+", "ExecStart=" + binary, text, flags=re.M)
        if edit:
            text = edit(name, text)
        with open(os.path.join(units, name), "w") as f:
            f.write(text)
    env = dict(os.environ, MANPATH=manpath, SYSTEMD_LOG_COLOR="0", LC_ALL="C.UTF-8")
    p = subprocess.run(["systemd-analyze", "verify",
                        os.path.join(units, "prefwatch.service"),
                        os.path.join(units, "prefwatch.timer")],
                       env=env, capture_output=True, text=True, timeout=120)
    out = (p.stdout + p.stderr).strip()
    # systemd may grumble about the host's own units; only ours matter.
    ours = "\n".join(l for l in out.splitlines() if "prefwatch" in l)
    return p.returncode, ours


def test_units(args, tmp):
    if not shutil.which("systemd-analyze"):
        print("skipped: systemd-analyze is not installed (Debian package systemd)")
        return SKIP
    if not check(os.access(args.bin, os.X_OK), "no executable at %s (build prefwatch first)" % args.bin):
        return 1
    # Documentation=man:prefwatch(1) must resolve to our page.
    manpath = os.path.join(tmp, "man")
    os.makedirs(os.path.join(manpath, "man1"))
    shutil.copy(os.path.join(args.src, "man", "prefwatch.1"), os.path.join(manpath, "man1"))

    rc, out = verify_units(tmp, args.src, args.bin, manpath)
    check(rc == 0 and out == "", "systemd-analyze verify: status %d\n%s" % (rc, out))

    # The same check must catch a typo in a key and a missing binary.
    rc, out = verify_units(tmp, args.src, args.bin, manpath,
                           lambda n, t: t.replace("ProtectSystem=", "ProtectSystm=") if n.endswith(".service") else t)
    check("ProtectSystm" in out, "verify did not catch an unknown key: %r" % out)
    rc, out = verify_units(tmp, args.src, "/nonexistent/prefwatch", manpath)
    check(rc != 0, "verify did not catch a missing ExecStart binary")

    with open(os.path.join(args.src, "contrib", "systemd", "prefwatch.service")) as f:
        service = f.read()
    with open(os.path.join(args.src, "contrib", "systemd", "prefwatch.timer")) as f:
        timer = f.read()
    for line in ("Type=oneshot", "User=prefwatch", "StateDirectory=prefwatch",
                 "Environment=PREFWATCH_DB=/var/lib/prefwatch/prefwatch.db",
                 "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
                 "NoNewPrivileges=yes", "ReadWritePaths=/var/lib/prefwatch",
                 "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX"):
        check(re.search("^" + re.escape(line) + "$", service, re.M), "service lacks %s" % line)
    check(re.search(r"^ExecStart=/\S+/prefwatch run --mail --quiet$", service, re.M), "service ExecStart")
    for line in ("OnCalendar=*-*-* 02:17", "Persistent=true", "WantedBy=timers.target"):
        check(re.search("^" + re.escape(line) + "$", timer, re.M), "timer lacks %s" % line)
    check(re.search(r"^RandomizedDelaySec=\S+$", timer, re.M), "timer lacks RandomizedDelaySec")
    return 0


def test_cron(args, tmp):
    with open(os.path.join(args.src, "contrib", "cron", "prefwatch")) as f:
        lines = [l.strip() for l in f if l.strip() and not l.lstrip().startswith("#")]
    env = dict(l.split("=", 1) for l in lines if re.match(r"^[A-Z_]+=", l))
    jobs = [l for l in lines if not re.match(r"^[A-Z_]+=", l)]
    check("MAILTO" in env and "@" in env["MAILTO"], "cron: no MAILTO address")
    check(env.get("PREFWATCH_DB") == "/var/lib/prefwatch/prefwatch.db", "cron: PREFWATCH_DB")
    check(len(jobs) == 1, "cron: %d job lines" % len(jobs))
    if jobs:
        f = jobs[0].split(None, 6)
        check(len(f) == 7, "cron: fields %r" % f)
        if len(f) == 7:
            minute, hour = f[0], f[1]
            check(minute.isdigit() and 0 <= int(minute) < 60 and minute != "0",
                  "cron: minute %r" % minute)
            check(hour.isdigit() and 1 <= int(hour) <= 5, "cron: not at night: %r" % hour)
            check(f[2:5] == ["*", "*", "*"], "cron: not every day")
            check(f[5] == "prefwatch", "cron: user %r" % f[5])
            check(f[6] == "prefwatch run --mail --quiet", "cron: command %r" % f[6])
    return 0


def man_warnings(page):
    """Warnings from both renderers; '' when clean."""
    env = dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="80")
    out = []
    p = subprocess.run(["groff", "-man", "-ww", "-z", page], env=env, capture_output=True, text=True)
    out.append(p.stderr.strip())
    if p.returncode:
        out.append("groff exit status %d" % p.returncode)
    if shutil.which("man"):
        p = subprocess.run(["man", "--warnings", "-l", "-Tutf8", page], env=env,
                           capture_output=True, text=True)
        out.append(p.stderr.strip())
        if p.returncode:
            out.append("man exit status %d" % p.returncode)
        check(len(p.stdout) > 1000, "man rendered nothing")
    return "\n".join(o for o in out if o)


def test_man(args, tmp):
    if not shutil.which("groff"):
        print("skipped: groff is not installed (Debian package groff)")
        return SKIP
    page = os.path.join(args.src, "man", "prefwatch.1")
    out = man_warnings(page)
    check(out == "", "man page warnings:\n%s" % out)

    with open(page) as f:
        text = f.read()
    # The checker must fail on a broken page.
    broken = os.path.join(tmp, "broken.1")
    with open(broken, "w") as f:
        f.write(text.replace(".SH NAME", ".SH NAME\n.XX undefined macro\n\\[nosuchglyph]"))
    check(man_warnings(broken) != "", "no warning for a broken page")

    sections = re.findall(r"^\.SH (.+)$", text, re.M)
    for s in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "OPTIONS", "FILES",
              "ENVIRONMENT", "\"EXIT STATUS\"", "EXAMPLES"):
        check(s in sections or s.strip('"') in sections, "man page lacks section %s" % s)
    for cmd in ("run", "check", "test", "pending", "show", "history", "ack", "dismiss",
                "report", "mail \\-\\-resend", "config"):
        check(re.search(r"^\.(B|BI|BR) %s\b" % re.escape(cmd), text, re.M), "man page lacks command %s" % cmd)
    for opt in ("db", "watchlist", "only", "json", "text", "html", "quiet", "verbose", "jobs",
                "host\\-delay", "mail", "mail\\-always", "smtp\\-url", "mail\\-from", "mail\\-to",
                "sendmail", "config"):
        check(re.search(r"^\.(B|BI) \\-\\-%s\b" % re.escape(opt), text, re.M), "man page lacks option --%s" % opt)
    for code in range(0, 6):
        check(re.search(r"^\.TP\n\.B %d\n" % code, text, re.M), "man page lacks exit status %d" % code)
    for env in ("PREFWATCH_DB", "PREFWATCH_CONFIG", "PREFWATCH_SMTP_USER", "PREFWATCH_SMTP_PASSWORD",
                "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        check(env in text, "man page lacks %s" % env)
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["units", "cron", "man"])
    ap.add_argument("--src", required=True)
    ap.add_argument("--bin")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="prefwatch-contrib-")
    rc = 1
    try:
        rc = {"units": test_units, "cron": test_cron, "man": test_man}[args.what](args, tmp)
    finally:
        # removed on success or skip, kept on failure
        if failed or rc not in (0, SKIP):
            print("sandbox kept: " + tmp, file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    if rc == SKIP:
        sys.exit(SKIP)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed or rc else 0)


if __name__ == "__main__":
    main()
