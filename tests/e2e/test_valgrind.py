"""Valgrind (memcheck) over the end-to-end scenario.

Runs tests/e2e/test_run.py (four nights over a loopback site, plus
`prefwatch history`) with every prefwatch command wrapped in

    valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite

(through pw.py's PREFWATCH_WRAPPER), with one log file per process. Fails
when the scenario fails (a valgrind error makes prefwatch exit 99, which
the scenario's exit-status checks catch) or when any log reports an error
or a definite leak. Exit 77 (ctest SKIP_RETURN_CODE) when valgrind is
missing or the binary is built with AddressSanitizer (the two cannot run
together).

Suppressions: tests/e2e/valgrind.supp (commented; library-internal
one-time allocations only).
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

import pw

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    a = pw.args()
    binary = os.path.abspath(a.bin)
    vg = shutil.which("valgrind")
    if not vg:
        print("skipped: valgrind is not installed (Debian package valgrind)")
        sys.exit(77)
    if not pw.have_proc():
        print("skipped: /proc is not mounted here (a bare chroot?): valgrind needs /proc/self/maps")
        sys.exit(77)
    with open(binary, "rb") as f:
        if b"__asan_init" in f.read():
            print("skipped: %s is built with AddressSanitizer; valgrind needs a plain build" % binary)
            sys.exit(77)
    logs = tempfile.mkdtemp(prefix="pw-valgrind-")
    supp = os.path.join(HERE, "valgrind.supp")
    wrapper = [vg, "-q", "--error-exitcode=99", "--leak-check=full",
               "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite",
               "--track-origins=yes", "--num-callers=30", "--suppressions=" + supp,
               "--log-file=" + os.path.join(logs, "vg.%p.log")]
    env = dict(os.environ)
    env["PREFWATCH_WRAPPER"] = " ".join(wrapper)
    env["PREFWATCH_TIMEOUT_FACTOR"] = "8"
    p = subprocess.run([sys.executable, os.path.join(HERE, "test_run.py"), "--bin", binary],
                       env=env, capture_output=True, text=True, timeout=1800)
    print(p.stdout)
    print(p.stderr, file=sys.stderr)
    pw.check_eq(p.returncode, 0, "test_run.py under valgrind")
    files = sorted(glob.glob(os.path.join(logs, "vg.*.log")))
    pw.check(len(files) >= 5, "one valgrind log per prefwatch command (%d)" % len(files))
    for f in files:
        with open(f, errors="replace") as fh:
            text = fh.read()
        # -q: a clean process leaves an empty log
        bad = re.search(r"ERROR SUMMARY: [1-9]|definitely lost: [1-9]|Invalid |uninitialised|"
                        r"Mismatched free|Syscall param", text)
        if not pw.check(not bad and not text.strip(), "valgrind clean: %s" % f):
            print(text[:20000], file=sys.stderr)
    if not pw.FAILED:
        shutil.rmtree(logs, ignore_errors=True)
    else:
        print("valgrind logs kept: " + logs, file=sys.stderr)
    pw.finish()


if __name__ == "__main__":
    main()
