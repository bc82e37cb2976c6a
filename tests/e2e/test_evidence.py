"""End to end: evidence, what a page said on which date, provably (issue 18).

Three nights on the loopback server: a page served gzip-compressed (from
files whose bytes the test knows) is new, then changes, then comes back to
its first text (a reversion); a second page, plain, never changes. Then:

  - the store keeps one exchange per version that starts, with the body
    as served (the gzip bytes) under its SHA-256, each body once;
  - the JSON, the text report and `show` cite the change's evidence;
  - `evidence CHANGE_ID -o F.warc.gz` writes warcinfo + request/response
    records, one gzip member each, and `verify` says every digest matches;
  - a WARC with one byte changed fails `verify` (exit 1), a truncated one
    is refused naming the file and the record (exit 2);
  - `prune --keep-evidence` deletes the uncited exchange only.

With --reader, the WARC is read instead by an independent implementation
(webrecorder's warcio.js, npm `warcio`, installed by scripts/dev.sh test
into tests/.node): every record, its headers, and block and payload
digests recomputed from what that reader delimits. Exit 77 ("skipped:
why") when node or the package is missing.
"""
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zlib

import pw

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_MODULES = os.environ.get("PW_NODE_MODULES", os.path.join(HERE, "..", ".node", "node_modules"))

V1 = "<p>La demande se fait par voie postale.</p><p>Préfecture<br>2 rue Paul Doumer<br>02000 LAON</p>"
V2 = "<p>La demande se fait en ligne sur le site de l'ANEF.</p><p>Préfecture<br>2 rue Paul Doumer<br>02000 LAON</p>"


def members(data):
    """The gzip members of data, each decompressed."""
    out = []
    while data:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out.append(d.decompress(data))
        data = d.unused_data
    return out


def serve_gz(s, name, html):
    body = gzip.compress(html.encode(), 9, mtime=0)
    with open(os.path.join(s.site, name), "wb") as f:
        f.write(body)
    return body


def nights(s):
    s.start_server()
    gz1 = serve_gz(s, "a1.gz", pw.page("AES", V1))
    gz2 = serve_gz(s, "a2.gz", pw.page("AES", V2))
    s.route("/a.html", {"file": "a1.gz", "content_type": "text/html; charset=utf-8",
                        "headers": {"Content-Encoding": "gzip"}})
    s.put("/b.html", pw.page("AES", V1))
    s.write_watchlist([
        {"id": "02-laon", "name": "Préfecture de Laon", "pages": [{"url": s.url("/a.html")}]},
        {"id": "02-soissons", "name": "Sous-préfecture de Soissons", "kind": "sous-prefecture",
         "pages": [{"url": s.url("/b.html")}]},
    ])
    s.run()
    s.route("/a.html", {"file": "a2.gz", "content_type": "text/html; charset=utf-8",
                        "headers": {"Content-Encoding": "gzip"}})
    p2, r2 = s.run()
    s.route("/a.html", {"file": "a1.gz", "content_type": "text/html; charset=utf-8",
                        "headers": {"Content-Encoding": "gzip"}})
    p3, r3 = s.run()
    return gz1, gz2, p2, r2, p3, r3


def change_of(r, page):
    for pg in (r or {}).get("pages", []):
        if pg["id"] == page and pg.get("change"):
            return pg["change"]
    return None


def core(a):
    s = pw.Scenario(a.bin, "evidence")
    try:
        gz1, gz2, p2, r2, p3, r3 = nights(s)
        sha1, sha2 = hashlib.sha256(gz1).hexdigest(), hashlib.sha256(gz2).hexdigest()
        c2, c3 = change_of(r2, "02-laon"), change_of(r3, "02-laon")
        pw.check(c2 is not None and c3 is not None, "a change, then a reversion")
        if not (c2 and c3):
            return
        pw.check(c3.get("reverted_to"), "night 3 is a reversion")

        # the store: one exchange per version that starts, bodies as served, each once
        rows = s.sql("SELECT page_id, change_id, body_sha256, ip FROM exchanges"
                     " ORDER BY page_id, coalesce(change_id, 0)")
        plain = hashlib.sha256(pw.page("AES", V1).encode()).hexdigest()
        pw.check_eq([(r[0], r[1], r[2]) for r in rows],
                    [("02-laon", None, sha1), ("02-laon", c2["id"], sha2), ("02-laon", c3["id"], sha1),
                     ("02-soissons", None, plain)],
                    "exchanges of the new pages, the change and the reversion")
        pw.check(all(r[3] == "127.0.0.1" for r in rows), "address connected to")
        bodies = dict((k, n) for k, n in s.sql("SELECT sha256, size FROM exchange_bodies"))
        pw.check_eq(len(bodies), 3, "three distinct bodies kept, the reverted one once")
        pw.check_eq(bodies.get(sha2), len(gz2), "the gzip bytes as served, not the decoded page")

        # the reports cite it
        ev = c2.get("evidence") or {}
        pw.check_eq(ev.get("sha256"), sha2, "JSON evidence: SHA-256 of the body as served")
        pw.check_eq(ev.get("command"), "prefwatch evidence %d" % c2["id"], "JSON evidence command")
        pw.check("Preuve : version du " in p2.stdout and sha2 in p2.stdout.replace("\n", " ").replace("  ", " ")
                 or sha2[:20] in p2.stdout, "text report cites the proof: " + p2.stdout[-800:])
        pw.check("(prefwatch evidence %d)" % c2["id"] in " ".join(p2.stdout.split()),
                 "text report names the command")
        show = s.prefwatch("show", str(c2["id"]), "--db", s.db)
        flat = " ".join(show.stdout.split())
        pw.check("Preuve : version du" in flat and sha2 in flat, "show cites the proof: " + show.stdout)
        html = s.prefwatch("show", str(c2["id"]), "--html", "--db", s.db)
        pw.check(sha2 in html.stdout and "Preuve" in html.stdout, "show --html cites the proof")

        # the WARC
        warc = os.path.join(s.dir, "c.warc.gz")
        e = s.prefwatch("evidence", str(c2["id"]), "-o", warc, "--db", s.db)
        pw.check_eq(e.returncode, 0, "evidence exit: " + e.stderr)
        data = open(warc, "rb").read() if os.path.exists(warc) else b""
        recs = members(data)
        pw.check_eq(len(recs), 5, "warcinfo + two exchanges, one gzip member per record")
        types = [r.split(b"WARC-Type: ", 1)[1].split(b"\r\n", 1)[0].decode() for r in recs if b"WARC-Type: " in r]
        pw.check_eq(types, ["warcinfo", "response", "request", "response", "request"], "record types")
        for r in recs:
            pw.check(r.startswith(b"WARC/1.1\r\n") and r.endswith(b"\r\n\r\n"), "WARC/1.1 record framing")
        if len(recs) == 5:
            pw.check(gz2 in recs[3] and gz1 in recs[1], "responses hold the gzip bytes as served")
            pw.check(("WARC-Payload-Digest: sha256:%s" % sha2).encode() in recs[3], "payload digest of the served bytes")
            pw.check(b"WARC-IP-Address: 127.0.0.1\r\n" in recs[2], "request has the address")
            pw.check(b"GET /a.html HTTP/1.1\r\n" in recs[2], "request line as sent")
        v = s.prefwatch("verify", warc)
        pw.check_eq(v.returncode, 0, "verify exit: " + v.stdout + v.stderr)
        pw.check("5 records, every digest matches" in v.stdout, "verify says so: " + v.stdout)
        tmp = [f for f in os.listdir(s.dir) if ".tmp" in f]
        pw.check_eq(tmp, [], "no temporary file left")

        # tampered: one byte of the served body changed, record recompressed
        if len(recs) == 5:
            i = recs[3].index(gz2) + len(gz2) // 2
            bad = bytearray(recs[3])
            bad[i] ^= 0x01
            forged = b"".join(gzip.compress(r, mtime=0) for r in recs[:3] + [bytes(bad)] + recs[4:])
            fpath = os.path.join(s.dir, "forged.warc.gz")
            open(fpath, "wb").write(forged)
            v = s.prefwatch("verify", fpath)
            pw.check_eq(v.returncode, 1, "a tampered WARC fails verify")
            pw.check("FAILED  record 4" in v.stdout and "digest does not match" in v.stdout,
                     "verify names the record: " + v.stdout)
            cut = os.path.join(s.dir, "cut.warc.gz")
            open(cut, "wb").write(gzip.compress(b"".join(recs)[:-100], mtime=0))
            v = s.prefwatch("verify", cut)
            pw.check_eq(v.returncode, 2, "a truncated WARC is refused")
            pw.check(cut in v.stderr and "record 5" in v.stderr and "truncated" in v.stderr,
                     "the message names file, record and cause: " + v.stderr)
            junk = os.path.join(s.dir, "junk.warc.gz")
            open(junk, "wb").write(data[:10] + b"\x00" * 50 + data[60:])
            v = s.prefwatch("verify", junk)
            pw.check(v.returncode in (1, 2) and v.returncode != 0, "corrupt gzip refused: %d" % v.returncode)

        # a page: its current version; --all: every version and its documents
        pg = os.path.join(s.dir, "p.warc.gz")
        e = s.prefwatch("evidence", "02-laon", "--all", "-o", pg, "--db", s.db)
        pw.check_eq(e.returncode, 0, "evidence PAGE --all exit: " + e.stderr)
        pw.check_eq(len(members(open(pg, "rb").read())) if e.returncode == 0 else 0, 7,
                    "three exchanges of the page")
        e = s.prefwatch("evidence", "nosuchpage", "-o", pg, "--db", s.db)
        pw.check_eq(e.returncode, 2, "unknown page refused")

        # prune keeps what a change cites, drops the rest
        no = s.prefwatch("prune", "--db", s.db)
        pw.check_eq(no.returncode, 2, "prune without --keep-evidence refused")
        pr = s.prefwatch("prune", "--keep-evidence", "--db", s.db)
        pw.check_eq(pr.returncode, 0, "prune exit: " + pr.stderr)
        left = s.sql("SELECT page_id FROM exchanges ORDER BY id")
        pw.check_eq([r[0] for r in left], ["02-laon"] * 3, "the uncited exchange (a page never changed) went")
        pw.check_eq(s.sql("SELECT count(*) FROM exchange_bodies")[0][0], 2, "its body too")
        e = s.prefwatch("evidence", str(c2["id"]), "-o", warc, "--db", s.db)
        v = s.prefwatch("verify", warc)
        pw.check(e.returncode == 0 and v.returncode == 0, "a cited exchange survives prune")
    finally:
        s.close()


def reader(a):
    node = shutil.which("node")
    if not node:
        print("skipped: node is not installed (the independent WARC reader is warcio.js)")
        sys.exit(77)
    if not os.path.isdir(os.path.join(NODE_MODULES, "warcio")):
        print("skipped: npm package warcio is not installed in %s "
              "(scripts/dev.sh test installs it; no network?)" % NODE_MODULES)
        sys.exit(77)
    s = pw.Scenario(a.bin, "evidence-reader")
    try:
        gz1, gz2, p2, r2, p3, r3 = nights(s)
        c2 = change_of(r2, "02-laon")
        warc = os.path.join(s.dir, "c.warc.gz")
        e = s.prefwatch("evidence", str(c2["id"]), "-o", warc, "--db", s.db)
        pw.check_eq(e.returncode, 0, "evidence exit: " + e.stderr)
        p = subprocess.run([node, os.path.join(HERE, "warc_reader.cjs"), warc], capture_output=True,
                           text=True, timeout=120, env=dict(os.environ, NODE_PATH=NODE_MODULES))
        pw.check_eq(p.returncode, 0, "warcio.js read the file: " + p.stderr)
        recs = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
        pw.check_eq([r["warc"].get("warc-type") for r in recs],
                    ["warcinfo", "response", "request", "response", "request"], "records as warcio reads them")
        for r in recs:
            w = r["warc"]
            pw.check_eq(w.get("warc-block-digest"), "sha256:" + r["block_sha256"],
                        "block digest recomputed by the reader (%s)" % w.get("warc-type"))
            pw.check(w.get("warc-date", "").endswith("Z"), "WARC-Date in UTC")
            pw.check(w.get("warc-record-id", "").startswith("<urn:uuid:"), "record id")
            if w.get("warc-type") in ("request", "response"):
                pw.check_eq(w.get("warc-target-uri"), s.url("/a.html"), "target URI")
                pw.check_eq(w.get("warc-ip-address"), "127.0.0.1", "IP address")
            if w.get("warc-type") == "response":
                pw.check_eq(w.get("warc-payload-digest"), "sha256:" + r["payload_sha256"],
                            "payload digest recomputed by the reader")
                pw.check(r["status"] and " 200 " in r["status"] + " ", "HTTP status: %r" % r["status"])
                pw.check_eq((r["http"] or {}).get("content-encoding"), "gzip", "served gzip")
        if len(recs) == 5:
            pw.check_eq(bytes.fromhex(recs[3]["payload_hex"]), gz2, "the payload is the gzip bytes as served")
            pw.check_eq(bytes.fromhex(recs[1]["payload_hex"]), gz1, "the old version's too")
    finally:
        s.close()


if __name__ == "__main__":
    if "--reader" in sys.argv:
        sys.argv.remove("--reader")
        pw.main(reader)
    else:
        pw.main(core)
