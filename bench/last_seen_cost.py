#!/usr/bin/env python3
"""What a quiet night's last_seen update costs per snapshot, in the row
holding the big columns (as store.c does at schema 7) or in a side table
of its own: CPU per row and bytes the WAL receives. Rows shaped like a
~94 KB page's snapshot: 8 KB of text, 20 KB of compressed body.
Everything lives in a temporary directory removed at the end.
Usage: bench/last_seen_cost.py [rows]"""
import os
import shutil
import sqlite3
import sys
import tempfile
import time

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
NIGHTS = 3


def run(d, mode):
    p = os.path.join(d, mode + ".db")
    c = sqlite3.connect(p)
    c.execute("PRAGMA journal_mode=WAL")
    c.execute("CREATE TABLE s (id INTEGER PRIMARY KEY, text TEXT, raw BLOB,"
              " body_hash TEXT, last_seen INTEGER)")
    c.execute("CREATE TABLE seen (id INTEGER PRIMARY KEY, last_seen INTEGER)")
    with c:
        for i in range(ROWS):
            c.execute("INSERT INTO s VALUES (?, ?, ?, ?, ?)",
                      (i, "t" * 8000, os.urandom(20000), "h" * 64, 1700000000))
            c.execute("INSERT INTO seen VALUES (?, ?)", (i, 1700000000))
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    cpu, wal = [], []
    for night in range(NIGHTS):
        at = 1700086400 + night * 86400
        t = time.process_time()
        with c:
            for i in range(ROWS):
                if mode == "in-row":
                    c.execute("UPDATE s SET last_seen = max(last_seen, ?),"
                              " body_hash = coalesce(?, body_hash) WHERE id = ?",
                              (at, "h" * 64, i))
                else:
                    c.execute("UPDATE seen SET last_seen = max(last_seen, ?)"
                              " WHERE id = ?", (at, i))
        cpu.append((time.process_time() - t) / ROWS * 1e6)
        wal.append(os.path.getsize(p + "-wal") / ROWS)
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    c.close()
    print("%-10s %8.1f us/row  %8.0f WAL bytes/row" %
          (mode, sorted(cpu)[NIGHTS // 2], sorted(wal)[NIGHTS // 2]))


d = tempfile.mkdtemp(prefix="pw-lastseen-")
try:
    print("%d snapshots, median of %d nights" % (ROWS, NIGHTS))
    run(d, "in-row")
    run(d, "side")
finally:
    shutil.rmtree(d)
