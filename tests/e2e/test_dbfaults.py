"""End to end: a database prefwatch must not use, and a disk that fills up.

Each of these database files gets a clear error on stderr naming the file,
exit status 3, and is left byte-identical (no -wal/-journal left beside it),
from `run` and from `pending`, `ack` and `history` (but for the locked one,
which may be read):

  garbage    random bytes, not a database
  corrupt    a real database with a byte in every 97 scrambled
  truncated  the first half of a real database
  newer      a real database whose PRAGMA user_version is above ours
  readonly   a real database on a read-only bind mount (unshare -m; else
             chattr +i; else this part is skipped, saying so)
  locked     a real database another process holds with BEGIN EXCLUSIVE

Full disk: after a first good run, a run with big pages on a small tmpfs
(ENOSPC; unshare -m, root; skipped otherwise), then one under a file-size
limit (RLIMIT_FSIZE, SIGXFSZ ignored: EFBIG), each fails cleanly (non-zero, a clear
message, no crash); afterwards PRAGMA integrity_check is ok, every snapshot
of the first run is still there, and a run without the limit completes and
reports the changed pages.

The cases that need a capability a container or chroot may lack are parts
of their own (--part readonly, --part tmpfs; ctest entries
e2e_dbfaults_readonly and e2e_dbfaults_tmpfs): each probes for it first and
says "skipped: why" (exit 77) without it; --part main needs nothing.
"""
import os
import random
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import pw

BODY = """<p>Vous devez transmettre votre demande d'admission exceptionnelle au séjour
<strong>par courrier postal</strong> à l'adresse suivante :</p>
<p>Préfecture %s<br>2 Rue Paul Doumer<br>02000 LAON</p>"""

N_PAGES = 6


def read(path):
    with open(path, "rb") as f:
        return f.read()


def leftovers(db):
    return [db + s for s in ("-wal", "-journal", "-shm") if os.path.exists(db + s)
            and os.path.getsize(db + s) > 0 and not s == "-shm"]


def check_refused(s, db, label, before, p, others=True, wrap=None):
    if others:
        # the editors' commands are refused the same way and write nothing
        for argv in (["pending"], ["ack", "1", "--by", "test"], ["history", "p0"]):
            q = s.prefwatch(*(argv + ["--db", db])) if not wrap else subprocess.run(
                wrap([s.bin] + argv + ["--db", db]), capture_output=True, text=True, timeout=60)
            pw.check_eq(q.returncode, 3, "%s: `%s` exit status (stderr: %s)"
                        % (label, argv[0], q.stderr[-300:]))
            pw.check(read(db) == before, "%s: `%s` left the file byte-identical" % (label, argv[0]))
    pw.check_eq(p.returncode, 3, "%s: exit status (stderr: %s)" % (label, p.stderr[-800:]))
    pw.check(db in p.stderr or os.path.basename(db) in p.stderr,
             "%s: stderr names the file: %r" % (label, p.stderr[-800:]))
    pw.check("AddressSanitizer" not in p.stderr and "runtime error" not in p.stderr,
             "%s: no sanitizer report" % label)
    pw.check(read(db) == before, "%s: file byte-identical afterwards" % label)
    pw.check_eq(leftovers(db), [], "%s: no journal left beside the file" % label)


def run_on(s, db, extra_env=None, wrap=None, **kw):
    argv = [s.bin, "run", "--watchlist", s.watchlist, "--db", db, "--host-delay", "0",
            "--json", os.path.join(s.dir, "r.json")]
    if wrap:
        argv = wrap(argv)
    e = dict(os.environ)
    e.pop("PREFWATCH_CONFIG", None)
    if extra_env:
        e.update(extra_env)
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, env=e, **kw)


def need_private_mounts(s, what):
    """Skips unless a private mount namespace can mount a tmpfs here."""
    if os.geteuid() != 0:
        pw.skip("%s needs root (unshare -m, mount)" % what)
    if not shutil.which("unshare") or not shutil.which("mount"):
        pw.skip("%s needs unshare(1) and mount(8) (util-linux, mount)" % what)
    probe = os.path.join(s.dir, "probe")
    os.makedirs(probe, exist_ok=True)
    p = subprocess.run(["unshare", "-m", "sh", "-c", 'mount -t tmpfs -o size=65536 tmpfs "$0"',
                        probe], capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        pw.skip("%s: cannot mount a tmpfs in a private mount namespace here (%s)"
                % (what, p.stderr.strip() or "exit %d" % p.returncode))


def full_disk_tmpfs(s, snaps, size):
    need_private_mounts(s, "full disk on a tmpfs")
    mnt = os.path.join(s.dir, "tmpfs")
    out = os.path.join(s.dir, "tmpfs-out")
    os.makedirs(mnt)
    os.makedirs(out)
    shutil.copy(s.db, os.path.join(out, "before.db"))
    # mount, copy the database in, run, copy what is left out (the tmpfs
    # goes away with the namespace), exit with prefwatch's status
    script = ('mount -t tmpfs -o size=%d tmpfs "$0" || exit 97\n'
              'cp "$1" "$0/prefwatch.db" || exit 98\n'
              '"$2" run --watchlist "$3" --db "$0/prefwatch.db" --host-delay 0 2>"$4/stderr"\n'
              'rc=$?\n'
              'df -k "$0" | tail -1 >"$4/df"\n'
              'cp "$0"/prefwatch.db* "$4/"\n'
              'exit $rc\n' % size)
    p = subprocess.run(["unshare", "-m", "sh", "-c", script, mnt, os.path.join(out, "before.db"),
                        s.bin, s.watchlist, out], capture_output=True, text=True, timeout=120)
    if p.returncode in (97, 98):
        pw.skip("full disk on a tmpfs: cannot mount a tmpfs here (%d): %s"
                % (p.returncode, p.stderr.strip()))
    if not pw.check(os.path.exists(os.path.join(out, "stderr")),
                    "tmpfs full disk: prefwatch ran in the namespace (exit %d: %s)"
                    % (p.returncode, p.stderr.strip()[-500:])):
        return
    err = read(os.path.join(out, "stderr")).decode("utf-8", "replace")
    print("tmpfs full disk: exit %d; df: %s; stderr: %s"
          % (p.returncode, read(os.path.join(out, "df")).decode().strip(), err[-600:]))
    pw.check(p.returncode not in (0, 1) and p.returncode > 0,
             "tmpfs full disk: the run fails without crashing (exit %d)" % p.returncode)
    pw.check(any(w in err.lower() for w in ("full", "space", "disk")),
             "tmpfs full disk: a clear message: %r" % err[-800:])
    pw.check("AddressSanitizer" not in err, "tmpfs full disk: no sanitizer report")
    db = os.path.join(out, "prefwatch.db")
    con = sqlite3.connect(db)
    try:
        pw.check_eq(con.execute("pragma integrity_check").fetchall(), [("ok",)],
                    "tmpfs full disk: integrity_check")
        after = con.execute("select id, page_id, text_hash from snapshots order by id").fetchall()
    finally:
        con.close()
    pw.check(all(x in after for x in snaps), "tmpfs full disk: every earlier snapshot is there")
    p = run_on(s, db)
    pw.check_eq(p.returncode, 0, "after tmpfs full disk: a run with room completes (stderr: %s)"
                % p.stderr[-500:])
    con = sqlite3.connect(db)
    try:
        pw.check_eq(con.execute("pragma integrity_check").fetchall(), [("ok",)],
                    "after tmpfs full disk: integrity_check")
        pw.check_eq(con.execute("select count(*) from snapshots").fetchone()[0], 2 * N_PAGES,
                    "after tmpfs full disk: old and new snapshots, none duplicated")
    finally:
        con.close()


def setup(s):
    """The site, the watchlist and a first good run; the database's bytes."""
    s.start_server()
    for i in range(N_PAGES):
        s.put("/p%d.html" % i, pw.page("Admission exceptionnelle au séjour", BODY % i))
    s.write_watchlist([{"id": "p%d" % i, "name": "Préfecture %d" % i,
                        "pages": [{"url": s.url("/p%d.html" % i)}]} for i in range(N_PAGES)])
    p, r = s.run()
    pw.check_eq(p.returncode, 0, "first run (stderr: %s)" % p.stderr[-500:])
    return read(s.db)


def case_bad_files(s, good):
    # -- garbage bytes --
    db = os.path.join(s.dir, "garbage.db")
    rnd = random.Random(3)
    with open(db, "wb") as f:
        f.write(bytes(rnd.randrange(256) for _ in range(3 * 4096)))
    before = read(db)
    check_refused(s, db, "garbage", before, run_on(s, db))
    # a file that starts like SQLite but whose pages are garbage
    db2 = os.path.join(s.dir, "corrupt.db")
    data = bytearray(good)
    for off in range(100, len(data), 97):
        data[off] = (data[off] * 31 + 7) & 0xFF
    with open(db2, "wb") as f:
        f.write(data)
    check_refused(s, db2, "corrupt", bytes(data), run_on(s, db2))

    # a file cut short (an interrupted copy)
    db3 = os.path.join(s.dir, "truncated.db")
    with open(db3, "wb") as f:
        f.write(good[:len(good) // 2])
    check_refused(s, db3, "truncated", good[:len(good) // 2], run_on(s, db3))

    # -- a newer schema --
    db = os.path.join(s.dir, "newer.db")
    shutil.copy(s.db, db)
    con = sqlite3.connect(db)
    ver = con.execute("pragma user_version").fetchone()[0]
    con.execute("pragma user_version = %d" % (ver + 5))
    con.commit()
    con.close()
    before = read(db)
    p = run_on(s, db)
    check_refused(s, db, "newer schema", before, p)
    pw.check("version" in p.stderr.lower() or "newer" in p.stderr.lower(),
             "newer schema: the message says why: %r" % p.stderr[-500:])


def case_readonly(s):
    db = os.path.join(s.dir, "readonly.db")
    shutil.copy(s.db, db)
    before = read(db)
    how = None
    why = []
    if os.geteuid() != 0:
        pw.skip("read-only database: needs root (a read-only bind mount or chattr +i; "
                "permissions do not stop root, and without root they are test_store's case)")
    if shutil.which("unshare") and shutil.which("mount"):
        probe = subprocess.run(["unshare", "-m", "sh", "-c",
                                'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0"',
                                db], capture_output=True, text=True)
        if probe.returncode == 0:
            how = "bind"
        else:
            why.append("read-only bind mount in a private mount namespace: "
                       + (probe.stderr.strip() or "exit %d" % probe.returncode))
    else:
        why.append("no unshare(1) or mount(8)")
    if how is None and shutil.which("chattr"):
        probe = subprocess.run(["chattr", "+i", db], capture_output=True, text=True)
        if probe.returncode == 0:
            how = "chattr"
        else:
            why.append("chattr +i: " + (probe.stderr.strip() or "exit %d" % probe.returncode))
    elif how is None:
        why.append("no chattr(1) (e2fsprogs)")
    if how is None:
        pw.skip("read-only database: no way to make a file read-only for root here (%s)"
                % "; ".join(why))

    def wrap(argv):
        if how != "bind":
            return argv
        return ["unshare", "-m", "sh", "-c",
                'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" && '
                'exec "$@"', db] + argv
    try:
        p = run_on(s, db, wrap=wrap)
    finally:
        if how == "chattr":
            subprocess.run(["chattr", "-i", db])
    print("readonly via %s" % how)
    if how == "chattr":
        subprocess.run(["chattr", "+i", db])
    try:
        check_refused(s, db, "read-only (%s)" % how, before, p, wrap=wrap)
    finally:
        if how == "chattr":
            subprocess.run(["chattr", "-i", db])


def case_locked(s):
    db = os.path.join(s.dir, "locked.db")
    shutil.copy(s.db, db)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys, time\n"
         "con = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
         "con.execute('begin exclusive')\n"
         "print('held', flush=True)\n"
         "sys.stdin.read()\n"
         "con.execute('rollback')\n"
         "con.close()\n", db],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        pw.check_eq(holder.stdout.readline().strip(), "held", "holder took the lock")
        before = read(db)
        t0 = time.monotonic()
        p = run_on(s, db)
        took = time.monotonic() - t0
        pw.check(took < 60, "locked: gave up in %.1f s" % took)
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    # (reading a WAL database another process is writing is fine: only
    # the run, which must write, is checked here)
    check_refused(s, db, "locked", before, p, others=False)
    pw.check("lock" in p.stderr.lower() or "busy" in p.stderr.lower(),
             "locked: the message says why: %r" % p.stderr[-500:])


def prepare_full_disk(s):
    """Big changed pages; returns the first run's snapshots and the size limit."""
    snaps = s.sql("select id, page_id, text_hash from snapshots order by id")
    pw.check_eq(len(snaps), N_PAGES, "first run stored one snapshot per page")
    # big incompressible pages: every page changes, and its raw body
    # (stored zlib-compressed) and text do not fit under the limit
    rnd = random.Random(11)
    alphabet = "abcdefghijklmnopqrstuvwxyzéèàç"
    for i in range(N_PAGES):
        words = " ".join("".join(rnd.choice(alphabet) for _ in range(rnd.randrange(3, 11)))
                         for _ in range(60000))
        s.put("/p%d.html" % i, pw.page("Admission exceptionnelle au séjour",
                                       BODY % i + "<p>" + words + "</p>"))
    size = os.path.getsize(s.db) + sum(os.path.getsize(s.db + x) for x in ("-wal",)
                                        if os.path.exists(s.db + x))
    return snaps, max(size, 256 * 1024) + 512 * 1024


def full_disk_rlimit(s, snaps, limit):
    # a file-size limit (EFBIG) on the real database
    def limited():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    p = run_on(s, s.db, preexec_fn=limited)
    print("full disk: exit %d; stderr: %s" % (p.returncode, p.stderr[-600:]))
    pw.check(p.returncode not in (0, 1), "full disk: the run fails (exit %d)" % p.returncode)
    pw.check(p.returncode > 0, "full disk: no crash (exit %d)" % p.returncode)
    pw.check(any(w in p.stderr.lower() for w in ("full", "disk", "too large", "space", "i/o")),
             "full disk: a clear message: %r" % p.stderr[-800:])
    pw.check("AddressSanitizer" not in p.stderr, "full disk: no sanitizer report")
    pw.check_eq(s.sql("pragma integrity_check"), [("ok",)], "full disk: integrity_check")
    after = s.sql("select id, page_id, text_hash from snapshots order by id")
    pw.check(all(x in after for x in snaps), "full disk: every earlier snapshot is there")
    # and a later run without the limit completes and reports the changes
    p, r = s.run()
    pw.check_eq(p.returncode, 0, "after full disk: a run completes (stderr: %s)"
                % p.stderr[-500:])
    if r:
        st = sorted({pg["status"] for pg in r["pages"]})
        pw.check_eq(st, ["changed"], "after full disk: every page reported changed")
    pw.check_eq(s.sql("pragma integrity_check"), [("ok",)], "after recovery: integrity_check")
    pw.check_eq(s.sql("select count(*) from snapshots")[0][0], 2 * N_PAGES,
                "after recovery: old and new snapshots, none duplicated")


def main(a):
    if a.part not in ("main", "readonly", "tmpfs"):
        raise ValueError("unknown part '%s' (main, readonly, tmpfs)" % a.part)
    s = pw.Scenario(a.bin, "dbfaults-" + a.part)
    try:
        good = setup(s)
        if a.part == "main":
            case_bad_files(s, good)
            case_locked(s)
            snaps, limit = prepare_full_disk(s)
            full_disk_rlimit(s, snaps, limit)
        elif a.part == "readonly":
            case_readonly(s)
        else:
            # a really full file system (ENOSPC): a small tmpfs inside a
            # private mount namespace, holding a copy of the database
            snaps, limit = prepare_full_disk(s)
            full_disk_tmpfs(s, snaps, limit)
    finally:
        s.close()


if __name__ == "__main__":
    pw.main(main)
