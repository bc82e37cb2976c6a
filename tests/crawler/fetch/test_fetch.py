#!/usr/bin/python3
"""test_fetch.py - scenarios for the crawler's fetching, one per ctest entry.

    test_fetch.py --driver PATH/fetch_driver --case NAME

Each case writes pages and a _routes.json into a fresh directory, serves it
with tests/server/httpd.py on 127.0.0.1, runs fetch_driver (the crawler
API, one JSON line per result) and checks the results and the server's
request log. Timing bounds are generous: they separate "overlapped" from
"serial" and "waited" from "did not wait", nothing finer.
"""

import argparse
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time

from server.harness import TestServer

DRIVER = None
FAILED = []

# é œ ’ « » in Windows-1252 (also what browsers do with ISO-8859-1 labels)
CP1252_BYTES = list(b"<html><body><p>d\xe9p\xf4t \x9cuvre l\x92admission \xabAES\xbb</p></body></html>")
CP1252_TEXT = "<p>dépôt œuvre l’admission «AES»</p>"


def check(cond, what):
    if not cond:
        FAILED.append(what)
        print("check failed: " + what, file=sys.stderr)


def check_eq(got, want, what):
    check(got == want, "%s: got %r, expected %r" % (what, got, want))


SKIP = 77  # ctest SKIP_RETURN_CODE


def skip(why):
    """The case needs what this machine lacks: say so, and exit as skipped."""
    print("skipped: " + why)
    raise SystemExit(SKIP)


def run(srv_or_none, urls, *opts, wrap=None, timeout=90, env_extra=None):
    cmd = list(wrap or []) + [DRIVER] + [str(o) for o in opts] + list(urls)
    t0 = time.monotonic()
    # a small ASan quarantine, so that an ASan build's RSS reflects live memory
    env = dict(os.environ, ASAN_OPTIONS="quarantine_size_mb=1", **(env_extra or {}))
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    wall = time.monotonic() - t0
    if p.returncode != 0:
        print(p.stderr, file=sys.stderr)
        raise SystemExit("driver failed with status %d" % p.returncode)
    lines = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    summary = lines[-1]
    results = {r["url"]: r for r in lines[:-1]}
    order = [r["url"] for r in lines[:-1]]
    return results, summary, order, wall


def reqs(srv, path=None):
    return [r for r in srv.requests() if path is None or r["path"] == path]


def write(root, name, data):
    full = os.path.join(root, name)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


PAGE = "<html><head><title>AES</title></head><body><main>Procédure</main></body></html>"
FAST = ["--host-delay", 0, "--backoff-ms", 50]


def keep_or_remove(d):
    if FAILED:
        print("kept: " + d, file=sys.stderr)
    else:
        shutil.rmtree(d, ignore_errors=True)


# ---------------------------------------------------------------- cases

def case_overlap_host_delay(root, srv):
    """N slow pages with jobs >= N take about the time of one."""
    routes = {}
    for i in range(4):
        write(root, "p%d.html" % i, PAGE)
        routes["/p%d.html" % i] = {"delay": 1.5}
    srv.write_routes(routes)
    urls = [srv.url("/p%d.html" % i) for i in range(4)]
    res, summ, _, _ = run(srv, urls, "--jobs", 8, "--per-host", 4, "--host-delay", 0)
    check_eq(summ["results"], 4, "results")
    for u in urls:
        check_eq(res[u]["failure"], "", "failure of " + u)
    check(summ["elapsed"] < 4.0, "4 pages of 1.5 s overlapped: %.2f s" % summ["elapsed"])
    ts = sorted(r["t"] for r in reqs(srv))
    check_eq(len(ts), 4, "requests")
    check(ts[-1] - ts[0] < 1.0, "all 4 requests started together: spread %.2f s" % (ts[-1] - ts[0]))


def case_per_host_delay(root, srv):
    """Requests to one host start host_delay apart; other hosts do not wait."""
    routes = {}
    urls = []
    for i in range(3):
        write(root, "h%d.html" % i, PAGE)
        routes["/h%d.html" % i] = {"delay": 0.2}
        urls.append(srv.url("/h%d.html" % i))
        urls.append(srv.url("/h%d.html" % i).replace("127.0.0.1", "localhost"))
    srv.write_routes(routes)
    res, summ, _, _ = run(srv, urls, "--jobs", 8, "--per-host", 2, "--host-delay", 1000)
    check_eq(summ["results"], 6, "results")
    for u in urls:
        check_eq(res[u]["failure"], "", "failure of " + u)
    by_host = {}
    for r in reqs(srv):
        by_host.setdefault(r["headers"]["Host"].split(":")[0], []).append(r["t"])
    check_eq(sorted(by_host), ["127.0.0.1", "localhost"], "hosts")
    for host, ts in by_host.items():
        ts.sort()
        gaps = [b - a for a, b in zip(ts, ts[1:])]
        # server-side arrival times jitter with connection setup and load:
        # without the delay the gaps would be ~0 (two connections allowed)
        check(all(g >= 0.6 for g in gaps), "%s: gaps %s below host delay" % (host, gaps))
        check(ts[-1] - ts[0] >= 1.8, "%s: 3 requests spread over %.2f s" % (host, ts[-1] - ts[0]))
    firsts = [min(ts) for ts in by_host.values()]
    check(abs(firsts[0] - firsts[1]) < 0.5, "two hosts served in parallel: %.2f s apart"
          % abs(firsts[0] - firsts[1]))


def case_connection_reuse(root, srv):
    """Ten pages from one host over at most per_host kept-alive connections."""
    write(root, "k.html", PAGE)
    urls = [srv.url("/k.html?%d" % i) for i in range(10)]
    res, summ, _, _ = run(srv, urls, "--host-delay", 0, "--per-host", 2, "--jobs", 8)
    check_eq(summ["results"], 10, "results")
    check(all(r["failure"] == "" for r in res.values()), "all fetched")
    conns = {r["conn"] for r in reqs(srv)}
    check(1 <= len(conns) <= 2, "connections used: %d" % len(conns))


def case_many_pages(root, srv):
    """Results are streamed: memory does not grow with the number of pages."""
    write(root, "m.html", PAGE * 40)
    srv.write_routes({"/m.html": {"etag": '"m"'}})
    rss = []
    for n in (200, 3000):
        urls = [srv.url("/m.html?%d" % i) for i in range(n)]
        res, summ, _, _ = run(srv, urls, "--host-delay", 0, "--per-host", 4, "--quiet", 1)
        check_eq(summ["results"], n, "results for %d pages" % n)
        check_eq(summ["failures"], 0, "failures for %d pages" % n)
        rss.append(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    with open(DRIVER, "rb") as f:
        asan = b"__asan_init" in f.read()
    if asan and not os.path.exists("/proc/self/environ"):
        # the ASan runtime reads ASAN_OPTIONS (our small quarantine, which
        # lets RSS reflect live memory) from /proc/self/environ
        print("skipped: the peak RSS checks: an ASan build cannot read ASAN_OPTIONS without "
              "/proc, so freed memory stays in its quarantine (RSS %d KB -> %d KB)" % tuple(rss))
        return
    check(rss[1] - rss[0] < 8 * 1024, "peak RSS %d KB -> %d KB from 200 to 3000 pages" % tuple(rss))
    check(rss[1] < 64 * 1024, "peak RSS %d KB" % rss[1])


def case_not_modified(root, srv):
    write(root, "e.html", PAGE)
    write(root, "m.html", PAGE)
    lm = "Wed, 01 Jan 2025 10:00:00 GMT"
    srv.write_routes({"/e.html": {"etag": '"v7"'}, "/m.html": {"last_modified": lm}})
    e, m = srv.url("/e.html"), srv.url("/m.html")
    res, _, _, _ = run(srv, [e], "--etag", '"v7"', *FAST)
    check_eq(res[e]["not_modified"], True, "304 on etag")
    check_eq(res[e]["http_status"], 304, "status")
    check_eq(res[e]["failure"], "", "failure")
    check_eq(res[e]["html"], None, "no body")
    check_eq(res[e]["body_len"], 0, "no body")
    check_eq(reqs(srv, "/e.html")[0]["headers"].get("If-None-Match"), '"v7"', "If-None-Match sent")
    res, _, _, _ = run(srv, [m], "--last-modified", lm, *FAST)
    check_eq(res[m]["not_modified"], True, "304 on last-modified")
    check_eq(reqs(srv, "/m.html")[0]["headers"].get("If-Modified-Since"), lm, "If-Modified-Since")
    # a retried conditional request keeps its conditional headers
    srv.write_routes({"/e2.html": {"sequence": [{"status": 503, "body": "busy"},
                                                {"file": "e.html", "etag": '"v7"'}]}})
    e2 = srv.url("/e2.html")
    res, _, _, _ = run(srv, [e2], "--etag", '"v7"', *FAST)
    check_eq(res[e2]["not_modified"], True, "304 after a retry")
    check_eq(res[e2]["attempts"], 2, "attempts")
    sent = [r["headers"].get("If-None-Match") for r in reqs(srv, "/e2.html")]
    check_eq(sent, ['"v7"', '"v7"'], "If-None-Match on both attempts")
    srv.write_routes({"/e.html": {"etag": '"v7"'}})
    # a stale validator gets the page and the new validators
    res, _, _, _ = run(srv, [e], "--etag", '"v6"', *FAST)
    check_eq(res[e]["not_modified"], False, "stale etag: full page")
    check_eq(res[e]["etag"], '"v7"', "new etag captured")
    check_eq(res[e]["html"], PAGE, "body")


def case_gzip(root, srv):
    big = PAGE.replace("Procédure", "Procédure " * 2000)
    write(root, "g.html", big)
    srv.write_routes({"/g.html": {"gzip": True}})
    u = srv.url("/g.html")
    res, _, _, _ = run(srv, [u], *FAST)
    check_eq(res[u]["failure"], "", "failure")
    check_eq(res[u]["html"], big, "decompressed body")
    check_eq(res[u]["body_len"], len(big.encode()), "body_len is the decoded size")
    ae = reqs(srv, "/g.html")[0]["headers"].get("Accept-Encoding", "")
    check("gzip" in ae, "Accept-Encoding offers gzip: %r" % ae)


def case_exchange(root, srv):
    """The exchange kept for evidence: the request head as sent, the
    final response's head, the body as served (gzip bytes untouched), the
    address, the time; a redirect keeps the last hop's."""
    import gzip
    write(root, "p.html", PAGE)
    served = gzip.compress(PAGE.encode(), 9, mtime=0)
    with open(os.path.join(root, "p.gz"), "wb") as f:
        f.write(served)
    srv.write_routes({"/z.html": {"file": "p.gz", "content_type": "text/html; charset=utf-8",
                                  "headers": {"Content-Encoding": "gzip"}},
                      "/r.html": {"redirect": "/p.html", "status": 301}})
    z, r = srv.url("/z.html"), srv.url("/r.html")
    t0 = int(time.time())
    res, _, _, _ = run(srv, [z, r], "--host-delay", 0)
    check_eq(res[z]["failure"], "", "gzip page read")
    check_eq(res[z]["html"], PAGE, "decoded for extraction")
    x = res[z].get("exchange")
    check(x is not None, "gzip page has an exchange")
    if x:
        check_eq(bytes.fromhex(x["body_hex"] or ""), served, "body kept as served, compressed")
        check_eq(x["encoding"], "gzip", "encoding as served")
        check(x["request"].startswith("GET /z.html HTTP/1.1\r\n"), "request line: %r" % x["request"][:40])
        check("Accept-Encoding: gzip" in x["request"], "request headers as sent")
        check(x["request"].endswith("\r\n\r\n"), "request head ends with its blank line")
        check(x["response"].startswith("HTTP/1.") and " 200 " in x["response"].split("\r\n")[0],
              "status line: %r" % x["response"][:30])
        check("Content-Encoding: gzip" in x["response"], "response headers as received")
        check(x["response"].endswith("\r\n\r\n"), "response head ends with its blank line")
        check_eq(x["ip"], "127.0.0.1", "address connected to")
        check(t0 - 1 <= x["at"] <= int(time.time()) + 1, "time of the request")
    x = res[r].get("exchange")
    check(x is not None, "redirected page has an exchange")
    if x:
        check(x["request"].startswith("GET /p.html "), "last hop's request: %r" % x["request"][:30])
        check(" 200 " in x["response"].split("\r\n")[0], "final response's head")
        check(x["body_hex"] is None, "identity body: the result's own body")
    srv.write_routes({"/nf.html": {"status": 404, "body": "no"}})
    nf = srv.url("/nf.html")
    res, _, _, _ = run(srv, [nf], "--host-delay", 0)
    check(res[nf].get("exchange") is None, "a failure has no exchange")


def case_retry_500(root, srv):
    write(root, "r.html", PAGE)
    srv.write_routes({"/r.html": {"sequence": [{"status": 500, "body": "oops"}, {"status": 503, "body": "x"}, {}]}})
    u = srv.url("/r.html")
    res, _, _, _ = run(srv, [u], "--host-delay", 0, "--backoff-ms", 200, "--max-attempts", 3)
    check_eq(res[u]["failure"], "", "success after retries")
    check_eq(res[u]["attempts"], 3, "attempts")
    check_eq(res[u]["html"], PAGE, "body of the good answer")
    ts = [r["t"] for r in reqs(srv, "/r.html")]
    check_eq(len(ts), 3, "requests")
    if len(ts) == 3:
        check(ts[1] - ts[0] >= 0.19, "first backoff >= base: %.3f" % (ts[1] - ts[0]))
        check(ts[2] - ts[1] >= 0.39, "second backoff doubled: %.3f" % (ts[2] - ts[1]))
    # 408 is retried too
    srv.write_routes({"/r.html": {"sequence": [{"status": 408, "body": "x"}, {}]}})
    res, _, _, _ = run(srv, [u], "--host-delay", 0, "--backoff-ms", 10)
    check_eq(res[u]["failure"], "", "408 then 200")
    check_eq(res[u]["attempts"], 2, "408 retried")
    # retries give up after max_attempts with http_error
    srv.write_routes({"/r.html": {"status": 502}})
    srv.clear_log()
    res, _, _, _ = run(srv, [u], "--host-delay", 0, "--backoff-ms", 10, "--max-attempts", 2)
    check_eq(res[u]["failure"], "http_error", "5xx after retries")
    check_eq(res[u]["http_status"], 502, "status")
    check_eq(res[u]["attempts"], 2, "attempts")
    check_eq(len(reqs(srv, "/r.html")), 2, "requests")


def case_retry_after_429(root, srv):
    write(root, "q.html", PAGE)
    write(root, "other.html", PAGE)
    srv.write_routes({"/q.html": {"sequence": [{"status": 429, "retry_after": "2", "body": "slow down"}, {}]},
                      "/c.html": {"sequence": [{"status": 503, "retry_after": "3600", "body": "x"}, {"file": "q.html"}]}})
    q, o = srv.url("/q.html"), srv.url("/other.html")
    res, _, order, _ = run(srv, [q, o], "--host-delay", 0, "--backoff-ms", 10, "--jobs", 2)
    check_eq(res[q]["failure"], "", "429 then 200")
    check_eq(res[q]["attempts"], 2, "attempts")
    ts = [r["t"] for r in reqs(srv, "/q.html")]
    check(len(ts) == 2 and ts[1] - ts[0] >= 1.9, "Retry-After: 2 honoured: %s" % ts)
    check(len(ts) == 2 and ts[1] - ts[0] < 4, "Retry-After not overdone: %s" % ts)
    check_eq(order[0], o, "the waiting retry did not block the other page")
    check(res[o]["seconds"] < 1.0, "other page fast: %.2f" % res[o]["seconds"])
    # Retry-After as an HTTP-date (one-second resolution)
    from email.utils import formatdate
    srv.write_routes({"/d.html": {"sequence": [{"status": 503, "body": "x",
                                                "retry_after": formatdate(time.time() + 3, usegmt=True)},
                                               {"file": "q.html"}]}})
    d = srv.url("/d.html")
    res, summ, _, _ = run(srv, [d], "--host-delay", 0, "--backoff-ms", 10)
    check_eq(res[d]["failure"], "", "503 then 200")
    ts = [r["t"] for r in reqs(srv, "/d.html")]
    check(len(ts) == 2 and 1.0 <= ts[1] - ts[0] < 4.5, "HTTP-date Retry-After honoured: %s" % ts)
    srv.write_routes({"/c.html": {"sequence": [{"status": 503, "retry_after": "3600", "body": "x"},
                                               {"file": "q.html"}]}})
    # a Retry-After above the cap waits only the cap
    c = srv.url("/c.html")
    res, summ, _, _ = run(srv, [c], "--host-delay", 0, "--backoff-ms", 10, "--retry-after-cap", 1)
    check_eq(res[c]["failure"], "", "503 then 200")
    check(0.9 <= summ["elapsed"] < 3.5, "capped wait: %.2f s" % summ["elapsed"])


def case_blocked_429(root, srv):
    srv.write_routes({"/b": {"status": 429, "body": "no"}})
    u = srv.url("/b")
    res, _, _, _ = run(srv, [u], "--host-delay", 0, "--backoff-ms", 10, "--max-attempts", 3)
    check_eq(res[u]["failure"], "blocked", "429 after retries")
    check_eq(res[u]["http_status"], 429, "status")
    check_eq(res[u]["attempts"], 3, "attempts")
    check_eq(len(reqs(srv, "/b")), 3, "requests")


def case_timeout(root, srv):
    write(root, "slow.html", PAGE)
    srv.write_routes({"/slow.html": {"delay": 4}, "/trickle.html": {"file": "slow.html", "trickle": 10}})
    u = srv.url("/slow.html")
    res, summ, _, _ = run(srv, [u], "--host-delay", 0, "--backoff-ms", 10, "--timeout", 1,
                          "--max-attempts", 2)
    check_eq(res[u]["failure"], "timeout", "timeout")
    check_eq(res[u]["attempts"], 2, "timeouts are retried")
    check(summ["elapsed"] < 3.5, "gave up after 2 x 1 s: %.2f" % summ["elapsed"])
    check("timed out" in (res[u]["error"] or ""), "error message: %r" % res[u]["error"])
    # slower than low_speed_limit for low_speed_time
    t = srv.url("/trickle.html")
    res, summ, _, _ = run(srv, [t], "--host-delay", 0, "--max-attempts", 1,
                          "--low-speed-limit", 1000, "--low-speed-time", 1)
    check_eq(res[t]["failure"], "timeout", "too slow")
    check(summ["elapsed"] < 4, "low speed abort: %.2f" % summ["elapsed"])


def case_reset_mid_body(root, srv):
    write(root, "r.html", PAGE * 100)
    srv.write_routes({"/r.html": {"reset_after": 200}})
    u = srv.url("/r.html")
    res, _, _, _ = run(srv, [u], "--host-delay", 0, "--backoff-ms", 10, "--max-attempts", 2)
    check_eq(res[u]["failure"], "connect", "reset is a connection failure")
    check_eq(res[u]["attempts"], 2, "retried")
    check_eq(res[u]["html"], None, "no partial body")


def case_reset_then_ok(root, srv):
    write(root, "r.html", PAGE * 100)
    srv.write_routes({"/r.html": {"sequence": [{"reset_after": 200}, {}]}})
    u = srv.url("/r.html")
    res, _, _, _ = run(srv, [u], *FAST)
    check_eq(res[u]["failure"], "", "second attempt succeeds")
    check_eq(res[u]["attempts"], 2, "attempts")
    check_eq(res[u]["html"], PAGE * 100, "full body")


def case_body_hash(root, srv):
    """The body's hash is taken as the bytes arrive: it equals the one-shot
    hash of the body handed over, for a body in many pieces, after a reset
    and a retry (the partial first attempt not in it), after redirect hops
    (their bodies not in it), for an empty body; a body decoded from gzip
    gets none (the caller hashes the decoded bytes itself); a 304 none."""
    big = PAGE.replace("Procédure", "Procédure " + "x" * 300000)
    write(root, "big.html", big)
    write(root, "r.html", PAGE * 100)
    write(root, "e.html", "")
    write(root, "g.html", PAGE * 50)
    srv.write_routes({"/r.html": {"sequence": [{"reset_after": 200}, {}]},
                      "/hop": {"redirect": "/big.html", "status": 302},
                      "/e.html": {"content_type": "text/html"},
                      "/g.html": {"gzip": True},
                      "/n.html": {"file": "big.html", "etag": '"v1"'}})
    plain = [srv.url(p) for p in ("/big.html", "/r.html", "/hop")]
    res, _, _, _ = run(srv, plain + [srv.url("/e.html"), srv.url("/g.html")], *FAST)
    for u in plain:
        check_eq(res[u]["failure"], "", "failure of " + u)
        check(len(res[u]["body_hash"] or "") == 32, "a hash for %s: %r" % (u, res[u]["body_hash"]))
        check_eq(res[u]["body_hash"], res[u]["body_hash_whole"], "streamed hash of " + u)
    check_eq(res[srv.url("/r.html")]["attempts"], 2, "the reset page was retried")
    check_eq(res[srv.url("/hop")]["body_hash"], res[srv.url("/big.html")]["body_hash"],
             "a redirect's hash is the final body's")
    e = res[srv.url("/e.html")]
    check_eq(e["body_len"], 0, "empty body")
    check_eq(e["body_hash"], e["body_hash_whole"], "hash of the empty body")
    g = res[srv.url("/g.html")]
    check_eq(g["html"], PAGE * 50, "gzip page decoded")
    check_eq(g["body_hash"], "", "no streamed hash for a decoded body")
    n = srv.url("/n.html")
    res, _, _, _ = run(srv, [n], "--host-delay", 0, "--etag", '"v1"')
    check_eq(res[n]["not_modified"], True, "304")
    check_eq(res[n]["body_hash"], "", "no hash for a 304")


def case_too_large_length(root, srv):
    write(root, "big.html", "<p>" + "x" * 50000 + "</p>")
    srv.write_routes({"/nolen.html": {"file": "big.html", "no_length": True},
                      "/lie.html": {"file": "big.html", "length_lie": 1000},
                      "/gz.html": {"file": "big.html", "gzip": True}})
    urls = [srv.url(p) for p in ("/big.html", "/nolen.html", "/gz.html")]
    res, _, _, _ = run(srv, urls, "--host-delay", 0, "--max-body", 20000)
    for u in urls:
        check_eq(res[u]["failure"], "too_large", "too_large: " + u)
        check_eq(res[u]["attempts"], 1, "not retried: " + u)
    # a server announcing less than it sends: only the announced bytes count
    lie = srv.url("/lie.html")
    res, _, _, _ = run(srv, [lie], "--host-delay", 0, "--max-body", 20000)
    check_eq(res[lie]["failure"], "", "short Content-Length truncates")
    check_eq(res[lie]["body_len"], 1000, "announced length read")


def case_too_large_endless(root, srv):
    srv.write_routes({"/e": {"endless": True, "content_type": "text/html"}})
    u = srv.url("/e")
    res, summ, _, _ = run(srv, [u], "--host-delay", 0, "--max-body", 1000000)
    check_eq(res[u]["failure"], "too_large", "endless body")
    check(summ["elapsed"] < 10, "aborted promptly: %.2f" % summ["elapsed"])


def status_case(srv, status, failure):
    srv.write_routes({"/s": {"status": status, "body": "<html><title>x</title></html>"}})
    u = srv.url("/s")
    res, _, _, _ = run(srv, [u], "--host-delay", 0, "--backoff-ms", 10, "--max-attempts", 3)
    check_eq(res[u]["failure"], failure, "failure for %d" % status)
    check_eq(res[u]["http_status"], status, "status")
    check_eq(res[u]["attempts"], 1, "%d is not retried" % status)
    check_eq(len(reqs(srv, "/s")), 1, "one request")
    check(res[u]["error"] and str(status) in res[u]["error"], "error names the status: %r" % res[u]["error"])


def case_not_found_404(root, srv):
    status_case(srv, 404, "not_found")


def case_gone_410(root, srv):
    status_case(srv, 410, "not_found")


def case_blocked_403(root, srv):
    status_case(srv, 403, "blocked")


def case_http_error_400(root, srv):
    status_case(srv, 400, "http_error")


def case_redirect_chain(root, srv):
    write(root, "Demarches/aes.html", PAGE)
    srv.write_routes({"/old": {"redirect": "/mid", "status": 302},
                      "/mid": {"redirect": "/Demarches/aes.html", "status": 301},
                      "/loop": {"redirect": "/loop", "status": 302}})
    u, loop = srv.url("/old"), srv.url("/loop")
    res, _, _, _ = run(srv, [u, loop], *FAST)
    check_eq(res[u]["failure"], "", "followed")
    check_eq(res[u]["final_url"], srv.url("/Demarches/aes.html"), "final url")
    check_eq(res[u]["redirected"], True, "redirected")
    check_eq(res[u]["permanent_redirect"], False, "a 302 hop is not permanent")
    check_eq(res[u]["http_status"], 200, "status of the final response")
    check_eq(res[u]["html"], PAGE, "final body")
    check_eq(res[loop]["failure"], "http_error", "redirect loop")
    check(len(reqs(srv, "/loop")) <= 7, "at most max_redirects+1 requests")


def case_redirect_permanent(root, srv):
    write(root, "Demarches/aes.html", PAGE)
    srv.write_routes({"/Demarches-administratives/aes": {"redirect": "/tmp308", "status": 301},
                      "/tmp308": {"redirect": "/Demarches/aes.html", "status": 308,
                                  "etag": '"hop"'},
                      "/Demarches/aes.html": {"etag": '"final"'}})
    u = srv.url("/Demarches-administratives/aes")
    res, _, _, _ = run(srv, [u], *FAST)
    check_eq(res[u]["failure"], "", "followed")
    check_eq(res[u]["redirected"], True, "redirected")
    check_eq(res[u]["permanent_redirect"], True, "301 + 308 is permanent")
    check_eq(res[u]["final_url"], srv.url("/Demarches/aes.html"), "final url")
    check_eq(res[u]["etag"], '"final"', "headers of the final response only")
    # no redirect at all
    d = srv.url("/Demarches/aes.html")
    res, _, _, _ = run(srv, [d], *FAST)
    check_eq(res[d]["redirected"], False, "not redirected")
    check_eq(res[d]["permanent_redirect"], False, "not permanent")


def case_redirect_refused_scheme(root, srv):
    srv.write_routes({"/f": {"redirect": "file:///etc/passwd", "status": 302},
                      "/ftp": {"redirect": "ftp://127.0.0.1/x", "status": 301}})
    urls = [srv.url("/f"), srv.url("/ftp")]
    res, _, _, _ = run(srv, urls, *FAST)
    for u in urls:
        check_eq(res[u]["failure"], "moved", "refused scheme: " + u)
        check_eq(res[u]["html"], None, "no body: " + u)
        check_eq(res[u]["attempts"], 1, "not retried")
    check_eq(res[urls[0]]["final_url"], "file:///etc/passwd", "refused target recorded")


def case_redirect_internal(root, srv):
    """A public page redirecting into the local network is refused before
    any request reaches the internal server; loopback to loopback is not."""
    inner_root = os.path.join(root, "inner")
    write(inner_root, "secret.html", "<html><body><main>interne</main></body></html>")
    with TestServer(inner_root) as inner:
        secret_ip = "http://127.0.0.1:%d/secret.html" % inner.port
        secret_name = "http://localhost:%d/secret.html" % inner.port
        write(root, "ok.html", PAGE)
        srv.write_routes({"/to-ip": {"redirect": secret_ip, "status": 302},
                          "/to-name": {"redirect": secret_name, "status": 301},
                          "/to-public": {"redirect": "http://public.example:%d/ok.html" % srv.port}})
        pub = "http://public.example:%d" % srv.port
        pin = ["--resolve", "public.example:%d:127.0.0.1" % srv.port]
        urls = [pub + "/to-ip", pub + "/to-name", pub + "/to-public"]
        res, _, _, _ = run(srv, urls, *FAST, *pin)
        for u, target in ((urls[0], secret_ip), (urls[1], secret_name)):
            check_eq(res[u]["failure"], "blocked", "public -> internal: " + u)
            check_eq(res[u]["final_url"], target, "refused target recorded: " + u)
            check_eq(res[u]["html"], None, "no body: " + u)
            check_eq(res[u]["attempts"], 1, "not retried: " + u)
            check_eq(res[u]["redirected"], True, "a redirect: " + u)
            check("réseau local" in (res[u]["error"] or "") and "127.0.0.1" in res[u]["error"],
                  "detail names the refusal and the address: %r" % res[u]["error"])
        check_eq(inner.requests(), [], "the internal server received no request")
        # a pinned name counts as public, the redirect to it is followed
        check_eq(res[urls[2]]["failure"], "", "public -> pinned public")
        check_eq(res[urls[2]]["final_url"], pub + "/ok.html", "followed")
        # a watched URL on loopback may redirect to loopback (intranets, tests)
        u = srv.url("/to-ip")
        res, _, _, _ = run(srv, [u], *FAST, *pin)
        check_eq(res[u]["failure"], "", "loopback -> loopback allowed")
        check("interne" in (res[u]["html"] or ""), "internal page fetched from an internal page")


def case_idn_host(root, srv):
    """An internationalised host name is fetched, even under cron's C locale."""
    write(root, "p.html", PAGE)
    u = "http://préfecture.example:%d/p.html" % srv.port
    res, _, _, _ = run(srv, [u], *FAST, "--resolve", "préfecture.example:%d:127.0.0.1" % srv.port,
                       env_extra={"LC_ALL": "C", "LANG": "C"})
    check_eq(res[u]["failure"], "", "failure (error %r)" % res[u]["error"])
    check("Procédure" in (res[u]["html"] or ""), "page fetched")
    hosts = [r["headers"].get("Host") for r in reqs(srv)]
    check_eq(hosts, ["xn--prfecture-c4a.example:%d" % srv.port], "Host header in punycode")


def case_redirect_credentials(root, srv):
    """User-info in a redirect target never reaches a result."""
    write(root, "ok.html", PAGE)
    srv.write_routes({"/r": {"redirect": "http://editeur:s3cret@127.0.0.1:%d/ok.html" % srv.port},
                      "/x": {"redirect": "gopher://editeur:s3cret@127.0.0.1/"}})
    urls = [srv.url("/r"), srv.url("/x")]
    res, _, _, _ = run(srv, urls, *FAST)
    check_eq(res[urls[0]]["final_url"], srv.url("/ok.html"), "effective URL redacted")
    check_eq(res[urls[1]]["failure"], "moved", "refused scheme")
    for u in urls:
        check("s3cret" not in json.dumps(res[u]), "no password in the result of " + u)


def charset_case(srv, route, want, charset):
    srv.write_routes({"/c": route})
    u = srv.url("/c")
    res, _, _, _ = run(srv, [u], *FAST)
    check_eq(res[u]["failure"], "", "failure")
    check(res[u]["html"] and want in res[u]["html"], "decoded text %r in %r" % (want, res[u]["html"]))
    check_eq(res[u]["charset"], charset, "charset used")
    return res[u]


def case_charset_latin1(root, srv):
    charset_case(srv, {"body": CP1252_BYTES, "content_type": "text/html; charset=ISO-8859-1"},
                 CP1252_TEXT, "windows-1252")


def case_charset_cp1252(root, srv):
    charset_case(srv, {"body": CP1252_BYTES, "content_type": "text/html; charset=windows-1252"},
                 CP1252_TEXT, "windows-1252")


def case_charset_meta(root, srv):
    body = list(b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-15">'
                b"</head><body><p>\xe9 \xbd \xa4</p></body></html>")
    charset_case(srv, {"body": body, "content_type": "text/html"}, "<p>é œ €</p>", "iso-8859-15")


def case_charset_bom(root, srv):
    text = "<html><body><p>é œ ’ «»</p></body></html>"
    body = list(b"\xff\xfe" + text.encode("utf-16-le"))
    charset_case(srv, {"body": body, "content_type": "text/html"}, "<p>é œ ’ «»</p>", "utf-16le")
    body = list(b"\xef\xbb\xbf" + text.encode("utf-8"))
    r = charset_case(srv, {"body": body, "content_type": "text/html"}, "<p>é œ ’ «»</p>", "utf-8")
    check(not r["html"].startswith("\ufeff"), "BOM removed")


def case_charset_fallback(root, srv):
    charset_case(srv, {"body": CP1252_BYTES, "content_type": "text/html"}, CP1252_TEXT, "windows-1252")
    ok = list("<p>é œ ’ «»</p>".encode("utf-8"))
    charset_case(srv, {"body": ok, "content_type": "text/html"}, "<p>é œ ’ «»</p>", "utf-8")


def case_bad_content_type(root, srv):
    srv.write_routes({"/f.pdf": {"body": "%PDF-1.4 ...", "content_type": "application/pdf"},
                      "/bin.html": {"body": [0] * 64 + list(b"<html>"), "content_type": "text/html"},
                      "/nul.html": {"body": list(b"<p>a\x00b</p>"), "content_type": "text/html"},
                      "/none": {"body": "<html><p>untyped</p></html>", "content_type": ""}})
    pdf, binh, nul, none = (srv.url(p) for p in ("/f.pdf", "/bin.html", "/nul.html", "/none"))
    res, _, _, _ = run(srv, [pdf, binh, nul, none], *FAST)
    check_eq(res[pdf]["failure"], "bad_content", "pdf")
    check_eq(res[pdf]["content_type"], "application/pdf", "content type kept")
    check_eq(res[pdf]["body_len"], 12, "raw body kept")
    check_eq(res[binh]["failure"], "bad_content", "binary body")
    check_eq(res[nul]["failure"], "", "a stray NUL is dropped")
    check_eq(res[nul]["html"], "<p>ab</p>", "NUL dropped")
    check_eq(res[none]["failure"], "", "untyped markup accepted")


def case_dns(root, srv):
    if not shutil.which("unshare"):
        skip("unshare(1) is not installed (util-linux): no network namespace to resolve in")
    u = "http://prefwatch-test.invalid/page.html"
    # a fresh network namespace has only a down loopback: the lookup fails
    # locally, no packet can leave the machine. As root a network namespace
    # is enough; otherwise try a user namespace mapping us to root in it.
    wrap = None
    for w in (["unshare", "--net"], ["unshare", "--user", "--map-root-user", "--net"]):
        if subprocess.run(w + ["true"], capture_output=True).returncode == 0:
            wrap = w
            break
    if not wrap:
        skip("cannot create a network namespace here (unshare --net, as root or in a user "
             "namespace, refused); never resolve outside one")
    res, _, _, _ = run(None, [u], *FAST, wrap=wrap)
    check_eq(res[u]["failure"], "dns", "dns failure")
    check("cannot resolve host 'prefwatch-test.invalid'" in (res[u]["error"] or ""),
          "error message: %r" % res[u]["error"])
    check_eq(res[u]["http_status"], 0, "no status")


def case_connect(root, srv):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    u = "http://127.0.0.1:%d/x" % port
    res, _, _, _ = run(None, [u], "--host-delay", 0, "--backoff-ms", 10, "--max-attempts", 2)
    check_eq(res[u]["failure"], "connect", "closed port")
    check_eq(res[u]["attempts"], 2, "connection failures are retried")
    check("cannot connect to '127.0.0.1'" in (res[u]["error"] or ""), "error: %r" % res[u]["error"])


def case_netrc(root, srv):
    """Credentials come from ~/.netrc, for the host it names only."""
    write(root, "ok.html", PAGE)
    home = os.path.join(root, "home")
    os.makedirs(home)
    with open(os.path.join(home, ".netrc"), "w") as f:
        f.write("machine 127.0.0.1 login redaction password m0t\n")
    srv.write_routes({"/away": {"redirect": "http://localhost:%d/ok.html" % srv.port}})
    u, away = srv.url("/ok.html"), srv.url("/away")
    res, _, _, _ = run(srv, [u, away], *FAST, env_extra={"HOME": home})
    check_eq(res[u]["failure"], "", "fetched")
    check_eq(res[away]["failure"], "", "redirect followed")
    auth = {(r["headers"]["Host"].split(":")[0], r["path"]): r["headers"].get("Authorization")
            for r in reqs(srv)}
    check_eq(auth.get(("127.0.0.1", "/ok.html")), "Basic cmVkYWN0aW9uOm0wdA==", "netrc login sent")
    check_eq(auth.get(("localhost", "/ok.html")), None, "not to another host")
    x = res[u].get("exchange") or {}
    check("Authorization: [removed by prefwatch]\r\n" in x.get("request", ""),
          "the exchange kept as evidence does not hold the credentials: %r" % x.get("request"))
    check("cmVkYWN0aW9uOm0wdA" not in json.dumps(res[u]), "no credentials anywhere in the result")


def case_user_agent_callback_add(root, srv):
    write(root, "a.html", PAGE)
    write(root, "b.html", PAGE)
    a, b = srv.url("/a.html"), srv.url("/b.html")
    res, summ, order, _ = run(srv, [a], "--host-delay", 0, "--ua-url", "https://example.org/contact",
                              "--then", b)
    check_eq(order, [a, b], "request added from the callback was run")
    check_eq(summ["run"], 0, "run status")
    for r in reqs(srv):
        ua = r["headers"].get("User-Agent", "")
        check(re.fullmatch(r"prefwatch/\d+\.\d+\.\d+ \(\+https://example\.org/contact\)", ua),
              "User-Agent %r" % ua)


def case_stop(root, srv):
    write(root, "s.html", PAGE)
    routes = {}
    urls = []
    for i in range(3):
        routes["/s%d" % i] = {"file": "s.html", "delay": 8}
        urls.append(srv.url("/s%d" % i))
    srv.write_routes(routes)
    res, summ, _, wall = run(srv, urls, "--host-delay", 0, "--per-host", 4, "--stop-after-ms", 500)
    check_eq(summ["run"], -1, "interrupted run returns -1")
    check_eq(summ["results"], 0, "abandoned transfers get no callback")
    check(summ["elapsed"] < 2.0, "stopped promptly: %.2f s" % summ["elapsed"])


def make_cert(d, name):
    cert, key = os.path.join(d, name + ".pem"), os.path.join(d, name + ".key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


def case_tls(root, srv):
    """TLS is verified: a self-signed server fails as 'tls' unless its
    certificate is the configured CA bundle."""
    if not shutil.which("openssl"):
        skip("openssl(1) is not installed: no test certificate")
    write(root, "t.html", PAGE)
    certdir = tempfile.mkdtemp(prefix="prefwatch-cert-")
    try:
        cert, key = make_cert(certdir, "server")
        other, _ = make_cert(certdir, "other")
        with TestServer(root, tls=(cert, key)) as tsrv:
            u = tsrv.url("/t.html")
            res, _, _, _ = run(tsrv, [u], *FAST)
            check_eq(res[u]["failure"], "tls", "self-signed refused")
            check_eq(res[u]["attempts"], 1, "tls failures are not retried")
            check("tls failure with '127.0.0.1'" in (res[u]["error"] or ""), "error: %r" % res[u]["error"])
            res, _, _, _ = run(tsrv, [u], "--ca-bundle", other, *FAST)
            check_eq(res[u]["failure"], "tls", "wrong CA refused")
            res, _, _, _ = run(tsrv, [u], "--ca-bundle", cert, *FAST)
            check_eq(res[u]["failure"], "", "trusted through ca_bundle")
            check_eq(res[u]["html"], PAGE, "body over https")
            tsrv.stop(keep=bool(FAILED))
    finally:
        keep_or_remove(certdir)


def case_http2(root, srv):
    """HTTP/2 is used over TLS where the server offers it (nginx, Debian
    package nginx-light; the case is skipped without it)."""
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if not nginx or not shutil.which("openssl"):
        skip("nginx or openssl(1) is not installed (nginx-light, openssl)")
    write(root, "h.html", PAGE)
    # nginx workers run as an unprivileged user: let them read the pages
    os.chmod(root, 0o755)
    os.chmod(os.path.join(root, "h.html"), 0o644)
    d = tempfile.mkdtemp(prefix="prefwatch-nginx-")
    proc = None
    try:
        cert, key = make_cert(d, "server")
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        conf = os.path.join(d, "nginx.conf")
        with open(conf, "w") as f:
            f.write("""daemon off; worker_processes 1; pid %(d)s/nginx.pid; error_log %(d)s/error.log;
events { worker_connections 64; }
http {
  types { text/html html; } charset utf-8;
  client_body_temp_path %(d)s; proxy_temp_path %(d)s; fastcgi_temp_path %(d)s;
  uwsgi_temp_path %(d)s; scgi_temp_path %(d)s;
  access_log %(d)s/access.log;
  server { listen 127.0.0.1:%(port)d ssl http2; ssl_certificate %(cert)s;
           ssl_certificate_key %(key)s; root %(root)s; }
}
""" % {"d": d, "port": port, "cert": cert, "key": key, "root": root})
        proc = subprocess.Popen([nginx, "-c", conf, "-e", os.path.join(d, "error.log")])
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.1).close()
                break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.05)
        if proc.poll() is not None:
            with open(os.path.join(d, "error.log"), errors="replace") as f:
                log = f.read()
            # as root nginx switches its workers to 'nobody': a container
            # without that capability (or without the user) cannot run it
            if any(w in log for w in ("setuid", "setgid", "getpwnam", "Operation not permitted")):
                proc = None
                skip("nginx cannot switch its workers to another user here: " + log.strip()[-300:])
            check(False, "nginx exited with %d: %s" % (proc.returncode, log[-500:]))
            return
        urls = ["https://127.0.0.1:%d/h.html?%d" % (port, i) for i in range(4)]
        res, _, _, _ = run(None, urls, "--ca-bundle", cert, *FAST)
        for u in urls:
            check_eq(res[u]["failure"], "", "failure of " + u)
            check_eq(res[u]["html"], PAGE, "body of " + u)
        with open(os.path.join(d, "access.log")) as f:
            log = f.read()
        check_eq(log.count("HTTP/2.0"), 4, "requests over HTTP/2")
    finally:
        if proc and proc.poll() is None:
            proc.terminate()
            proc.wait()
        keep_or_remove(d)


def main():
    global DRIVER
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", required=True)
    ap.add_argument("--case", required=True)
    args = ap.parse_args()
    DRIVER = args.driver
    fn = globals().get("case_" + args.case)
    if not fn:
        raise SystemExit("unknown case '%s'" % args.case)
    root = tempfile.mkdtemp(prefix="prefwatch-fetch-")
    srv = TestServer(root)
    clean = False
    try:
        srv.start()
        fn(root, srv)
        clean = not FAILED
    except SystemExit as e:
        clean = e.code == SKIP and not FAILED
        raise
    finally:
        # the sandbox goes on success (or a skip), stays on failure
        srv.stop(keep=not clean)
        if clean:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print("sandbox kept: " + root, file=sys.stderr)
    print("%d passed, %d failed" % (0 if FAILED else 1, 1 if FAILED else 0))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
