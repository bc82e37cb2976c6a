#!/usr/bin/python3
"""httpd.py - the HTTP test server of prefwatch's network tests.

Python 3 standard library only. Listens on 127.0.0.1 only, HTTP/1.1 with
keep-alive, one thread per connection.

Usage:
    httpd.py --root DIR --port-file FILE [--log FILE] [--tls-cert PEM --tls-key PEM]

With --tls-cert/--tls-key it speaks HTTPS (HTTP/1.1 only) instead.

Binds 127.0.0.1 on a free port, writes the port number to FILE (atomically,
once listening), and serves GET and HEAD of the files under DIR.
Content-Type comes from the extension; .html files are served as
"text/html; charset=utf-8" unless a route says otherwise.

Routes: DIR/_routes.json maps a request path (with its query string, or
without it as a fallback) to a behaviour. It is re-read on every request,
so a test may rewrite it between runs. Keys of a route object:

    status        HTTP status (default 200; 404 when neither file nor body
                  nor redirect is given and the path is not a file)
    file          serve this file (relative to DIR) instead of the path
    body          literal body (str, UTF-8 encoded; or a list of byte values)
    content_type  Content-Type header, overriding the default
    headers       {name: value} extra response headers
    redirect      Location header (status defaults to 302; use 301/307/308)
    delay         seconds to wait before sending the headers
    trickle       bytes per second for the body (sent in small pieces)
    gzip          true: send the body gzip-compressed (Content-Encoding)
    etag          ETag header; a matching If-None-Match gets a 304
    last_modified Last-Modified header; an equal If-Modified-Since gets a 304
    reset_after   send this many body bytes, then reset the connection (RST)
    endless       true: send body bytes forever (no Content-Length) until
                  the client goes away
    length_lie    announce this Content-Length, send the real body, close
    no_length     true: no Content-Length, body delimited by closing
    retry_after   Retry-After header value (seconds or an HTTP-date)
    sequence      list of route objects: the n-th request to the path gets
                  the n-th one, the last one repeats. Counters start again
                  whenever the content of _routes.json changes.

Log: with --log, every request is appended as one JSON line, written when
the request arrives (before any delay):
    {"t": time.monotonic(), "path": "/a?b", "method": "GET",
     "headers": {"User-Agent": "...", ...}, "conn": connection number}
so that tests can check overlap, per-host delays, conditional headers and
the User-Agent. "t" is comparable between requests of one server run.
"""

import argparse
import gzip as gziplib
import json
import mimetypes
import os
import socket
import ssl
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARGS = None
LOG_LOCK = threading.Lock()
STATE_LOCK = threading.Lock()
STATE = {"routes_text": None, "counters": {}, "conns": 0}


def load_routes():
    path = os.path.join(ARGS.root, "_routes.json")
    try:
        with open(path, "r", encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        text = "{}"
    with STATE_LOCK:
        if text != STATE["routes_text"]:
            STATE["routes_text"] = text
            STATE["counters"] = {}
    return json.loads(text) if text.strip() else {}


def pick_route(path):
    routes = load_routes()
    key = path if path in routes else path.split("?", 1)[0]
    route = routes.get(key)
    if route is None:
        return None
    seq = route.get("sequence")
    if seq:
        with STATE_LOCK:
            n = STATE["counters"].get(key, 0)
            STATE["counters"][key] = n + 1
        step = dict(route)
        del step["sequence"]
        step.update(seq[min(n, len(seq) - 1)])
        return step
    return route


def guess_type(name):
    if name.endswith(".html") or name.endswith(".htm"):
        return "text/html; charset=utf-8"
    ctype, _ = mimetypes.guess_type(name)
    return ctype or "application/octet-stream"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "prefwatch-test-httpd"

    def setup(self):
        # headers and body go out in separate writes: without NODELAY,
        # Nagle + delayed ACK cost 40 ms per keep-alive request
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(10)
            self.request.do_handshake()   # a failed one ends in handle_error
        super().setup()
        with STATE_LOCK:
            STATE["conns"] += 1
            self.conn_no = STATE["conns"]

    def log_message(self, fmt, *args):
        pass

    def log_request_json(self):
        if not ARGS.log:
            return
        entry = {"t": time.monotonic(), "path": self.path, "method": self.command,
                 "headers": {k: v for k, v in self.headers.items()}, "conn": self.conn_no}
        with LOG_LOCK:
            with open(ARGS.log, "a", encoding="utf-8") as f:
                f.write(json.dumps(entry) + "\n")

    def do_HEAD(self):
        self.handle_any(head=True)

    def do_GET(self):
        self.handle_any(head=False)

    def handle_any(self, head):
        self.log_request_json()
        route = pick_route(self.path) or {}
        try:
            self.respond(route, head)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def file_body(self, rel):
        full = os.path.realpath(os.path.join(ARGS.root, rel.lstrip("/")))
        root = os.path.realpath(ARGS.root)
        if not full.startswith(root + os.sep) or not os.path.isfile(full):
            return None
        with open(full, "rb") as f:
            return f.read()

    def respond(self, route, head):
        if route.get("delay"):
            time.sleep(float(route["delay"]))
        status = route.get("status")
        headers = []
        body = b""
        ctype = None
        if "redirect" in route:
            status = status or 302
            headers.append(("Location", route["redirect"]))
            body = b"redirect\n"
            ctype = "text/plain"
        elif "body" in route:
            b = route["body"]
            body = bytes(b) if isinstance(b, list) else b.encode("utf-8")
            ctype = "text/html; charset=utf-8"
        else:
            name = route.get("file") or self.path.split("?", 1)[0]
            if name.endswith("/"):
                name += "index.html"
            data = self.file_body(name)
            if data is None:
                status = status or 404
                body = b"<html><head><title>404</title></head><body>not found</body></html>"
                ctype = "text/html; charset=utf-8"
            else:
                body = data
                ctype = guess_type(name)
        status = status or 200
        ctype = route.get("content_type", ctype)

        etag = route.get("etag")
        lm = route.get("last_modified")
        if status == 200 and ((etag and self.headers.get("If-None-Match") == etag) or
                              (lm and self.headers.get("If-Modified-Since") == lm)):
            status = 304
        if etag:
            headers.append(("ETag", etag))
        if lm:
            headers.append(("Last-Modified", lm))
        if "retry_after" in route:
            headers.append(("Retry-After", str(route["retry_after"])))
        for k, v in route.get("headers", {}).items():
            headers.append((k, v))
        if route.get("gzip") and status != 304:
            body = gziplib.compress(body)
            headers.append(("Content-Encoding", "gzip"))

        self.send_response(status)
        if ctype and status != 304:
            self.send_header("Content-Type", ctype)
        for k, v in headers:
            self.send_header(k, v)

        if status == 304:
            self.end_headers()
            return
        if route.get("endless"):
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            if head:
                return
            chunk = b"<p>" + b"x" * 16377 + b"</p>\n"
            sent = 0
            while sent < (1 << 32):
                self.wfile.write(chunk)
                sent += len(chunk)
            return
        if "length_lie" in route:
            self.send_header("Content-Length", str(int(route["length_lie"])))
            self.send_header("Connection", "close")
            self.close_connection = True
        elif route.get("no_length"):
            self.send_header("Connection", "close")
            self.close_connection = True
        else:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if head:
            return
        if "reset_after" in route:
            n = int(route["reset_after"])
            self.wfile.write(body[:n])
            self.wfile.flush()
            time.sleep(0.05)
            # SO_LINGER with a zero timeout makes close() send a RST
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        rate = route.get("trickle")
        if rate:
            rate = float(rate)
            piece = max(1, int(rate / 10))
            for i in range(0, len(body), piece):
                self.wfile.write(body[i:i + piece])
                self.wfile.flush()
                time.sleep(piece / rate)
        else:
            self.wfile.write(body)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        # a client that hangs up is normal in these tests
        exc = sys.exc_info()[1]
        if isinstance(exc, (BrokenPipeError, ConnectionResetError, OSError)):
            return
        super().handle_error(request, client_address)


def main():
    global ARGS
    p = argparse.ArgumentParser(description="prefwatch test HTTP server")
    p.add_argument("--root", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--log")
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    ARGS = p.parse_args()
    srv = Server(("127.0.0.1", 0), Handler)
    if ARGS.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(ARGS.tls_cert, ARGS.tls_key)
        # handshake in the connection's thread, not in accept()
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                     do_handshake_on_connect=False)
    port = srv.server_address[1]
    tmp = ARGS.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, ARGS.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
