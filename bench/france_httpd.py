#!/usr/bin/env python3
"""france_httpd.py - the préfecture sites of a whole-France night, on loopback.

  france_httpd.py --hosts H --pages P --docs D --out DIR [--night N]

Serves H sites, each on its own port of 127.0.0.1 (the watchlist pins the
host names hNNN.bench.test to them with `resolve:`, so the crawler sees H
host names: H politeness keys). P pages and D documents are dealt round
the hosts; host h answers every request after its own response time,
50-300 ms (drawn once per host), like a slow state site. Pages come from
gen_pages.page() (60-120 KB), each linking its documents; documents are
gen_pages.pdf() files (50-500 KB, every one distinct: its own text), half of them with ETag and
Last-Modified (a matching If-None-Match / If-Modified-Since gets a 304),
half without validators. NIGHT 1 and 2 serve the same bytes.

Writes DIR/ports.json ({"host": port}) once listening, and on SIGTERM
DIR/log.json: per host the requests served and the sum of the response
times, which bench.sh turns into the night's politeness bound. Loopback
only, standard library only.
"""
import argparse
import asyncio
import json
import os
import random
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_pages  # noqa: E402


def build(args):
    rnd = random.Random(20261203)
    hosts = ["h%03d.bench.test" % h for h in range(args.hosts)]
    delay = {h: rnd.uniform(0.05, 0.30) for h in hosts}
    routes = {h: {} for h in hosts}
    docs_of = [[] for _ in range(args.pages)]
    for k in range(args.docs):
        docs_of[k % args.pages].append(k)
    for i in range(args.pages):
        h = hosts[i % args.hosts]
        links = "".join('<li><a href="/d/%d.pdf">Document %d (PDF)</a></li>' % (k, k)
                        for k in docs_of[i])
        html = gen_pages.page(i, 1, False).replace("</main>", "<ul>%s</ul></main>" % links)
        routes[h]["/p%d.html" % i] = (html.encode("utf-8"), "text/html; charset=utf-8", None)
        for k in docs_of[i]:
            etag = '"d%d"' % k if k % 2 == 0 else None
            routes[h]["/d/%d.pdf" % k] = (k, "application/pdf", etag)
    return hosts, delay, routes


LASTMOD = "Wed, 02 Dec 2026 10:00:00 GMT"


async def serve(reader, writer, host, delay, routes, log):
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            headers = {}
            while True:
                h = await reader.readline()
                if h in (b"\r\n", b"\n", b""):
                    break
                k, _, v = h.decode("latin-1").partition(":")
                headers[k.strip().lower()] = v.strip()
            parts = line.decode("latin-1").split()
            path = parts[1] if len(parts) > 1 else "/"
            await asyncio.sleep(delay)
            log[host][0] += 1
            log[host][1] += delay
            r = routes.get(path)
            extra = ""
            if r is None:
                status, body, ctype = "404 Not Found", b"<html><body>Introuvable</body></html>", "text/html"
            else:
                body, ctype, etag = r
                if isinstance(body, int):   # a document, every one distinct
                    body = gen_pages.pdf(body % gen_pages.POOL, tag=body)
                status = "200 OK"
                if etag:
                    extra = "ETag: %s\r\nLast-Modified: %s\r\n" % (etag, LASTMOD)
                    if headers.get("if-none-match") == etag or headers.get("if-modified-since") == LASTMOD:
                        status, body = "304 Not Modified", b""
            head = "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n%s\r\n" % (
                status, ctype, len(body), extra)
            writer.write(head.encode("latin-1") + (body if parts[0] != "HEAD" else b""))
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def main_async(args):
    hosts, delay, routes = build(args)
    log = {h: [0, 0.0] for h in hosts}
    ports = {}
    servers = []
    for h in hosts:
        srv = await asyncio.start_server(
            lambda r, w, h=h: serve(r, w, h, delay[h], routes[h], log), "127.0.0.1", 0)
        servers.append(srv)
        ports[h] = srv.sockets[0].getsockname()[1]
    tmp = os.path.join(args.out, "ports.json.tmp")
    with open(tmp, "w") as f:
        json.dump(ports, f)
    os.rename(tmp, os.path.join(args.out, "ports.json"))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGUSR1, lambda: dump(args, log, reset=True))
    await stop.wait()
    dump(args, log, reset=False)


def dump(args, log, reset):
    with open(os.path.join(args.out, "log.json"), "w") as f:
        json.dump(log, f)
    if reset:
        for v in log.values():
            v[0], v[1] = 0, 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", type=int, default=100)
    ap.add_argument("--pages", type=int, default=400)
    ap.add_argument("--docs", type=int, default=3000)
    ap.add_argument("--out", required=True)
    asyncio.run(main_async(ap.parse_args()))


if __name__ == "__main__":
    main()
