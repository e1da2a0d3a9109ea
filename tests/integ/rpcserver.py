#!/usr/bin/env python3
"""tests/integ/rpcserver.py - misbehaving Ethereum JSON-RPC endpoints for the RPC probe
tests: what anvil cannot do. Python 3 standard library only; 127.0.0.1 only.

One HTTP port answers POSTed batches; the path picks the behaviour:

  /ok         chain 1, head 100, not syncing, every method answered
  /syncing    eth_syncing answers an object (current 90, highest 200)
  /nomethod   eth_syncing, web3_clientVersion and net_peerCount: -32601
  /garbage    a body that is not JSON
  /html       an HTML error page with HTTP 200
  /absurd     eth_blockNumber 0x8000000000000000 (2^63)
  /negative   eth_blockNumber -0x5
  /huge       a 2 MiB body (a valid JSON array, too large to accept)
  /rejected   one error object: batches not supported
  /hostile    terminal escapes in web3_clientVersion and an error message
  /s429       HTTP 429 with a JSON-RPC error body
  /capture    as /ok, and keeps the request's headers: GET /_captured answers
              {"http": the last ones, "ws": the last WebSocket handshake through the proxy}

With --proxy-to PORT a second port forwards TCP to 127.0.0.1:PORT (used in
front of anvil's WebSocket). SIGUSR1 drops every proxied connection and
refuses new ones (accepts and closes them) until SIGUSR2. SIGHUP freezes the
connections open now: they stay open and silent (a half-open link); new
ones work.

With --tls-dir DIR (and --proxy-to), a self-signed certificate for 127.0.0.1
is made there with the openssl CLI (DIR/cert.pem, also the CA file to trust)
and two more ports serve TLS: "https" (the same modes) and "tlsproxy" (TLS
in front of the same upstream, for wss://).

When everything listens, --port-file gets "http PORT", "proxy PORT" and with
TLS "https PORT" and "tlsproxy PORT" lines (written atomically).
"""
import argparse
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

METHODS = ["eth_chainId", "eth_blockNumber", "eth_syncing", "web3_clientVersion", "net_peerCount"]
CAPTURED = {"http": "", "ws": ""}
NOT_FOUND = {"code": -32601, "message": "the method does not exist/is not available"}


def answer(mode, req):
    """The batch answer (bytes, status) for one request list in a mode."""
    if mode == "garbage":
        return b"this is not json {{{", 200
    if mode == "html":
        return b"<html><body><h1>502 Bad Gateway</h1></body></html>", 200
    if mode == "rejected":
        return json.dumps({"jsonrpc": "2.0", "id": None,
                           "error": {"code": -32600, "message": "batch requests are not supported"}}).encode(), 200
    if mode == "s429":
        return json.dumps({"jsonrpc": "2.0", "id": None,
                           "error": {"code": -32005, "message": "daily request limit reached"}}).encode(), 429
    if mode == "huge":
        filler = "a" * 1024
        items = [{"jsonrpc": "2.0", "id": 1000 + i, "result": filler} for i in range(2048)]
        return json.dumps(items).encode(), 200
    out = []
    for el in req if isinstance(req, list) else []:
        m, i = el.get("method"), el.get("id")
        r = {"jsonrpc": "2.0", "id": i}
        if m == "eth_chainId":
            r["result"] = "0x1"
        elif m == "eth_blockNumber":
            r["result"] = {"absurd": "0x8000000000000000", "negative": "-0x5"}.get(mode, "0x64")
        elif m == "eth_syncing":
            if mode == "nomethod":
                r["error"] = NOT_FOUND
            elif mode == "syncing":
                r["result"] = {"startingBlock": "0x0", "currentBlock": "0x5a", "highestBlock": "0xc8"}
            elif mode == "hostile":
                r["error"] = {"code": -32000, "message": "\x1b]0;pwned\x07\x1b[2Jcleared"}
            else:
                r["result"] = False
        elif m == "web3_clientVersion":
            if mode == "nomethod":
                r["error"] = NOT_FOUND
            elif mode == "hostile":
                r["result"] = "Geth\x1b[31mRED\x1b[0m\r\n\u009b2J"
            else:
                r["result"] = "rpcserver/1.0"
        elif m == "net_peerCount":
            if mode == "nomethod":
                r["error"] = NOT_FOUND
            else:
                r["result"] = "0x19"
        else:
            r["error"] = NOT_FOUND
        out.append(r)
    out.reverse()   # answers in another order than asked: matched by id
    return json.dumps(out).encode(), 200


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n)
        try:
            req = json.loads(raw)
        except ValueError:
            req = []
        mode = self.path.strip("/").split("?")[0]
        if mode == "capture":
            CAPTURED["http"] = str(self.headers)
        body, status = answer(mode, req)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass


    def do_GET(self):
        body = json.dumps(CAPTURED).encode() if self.path == "/_captured" else b"{}"
        self.send_response(200 if self.path == "/_captured" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class TLSServer(ThreadingHTTPServer):
    daemon_threads = True
    tls = None

    def finish_request(self, request, client_address):
        request.settimeout(10)
        try:
            request = self.tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return          # the client refused our certificate
        request.settimeout(None)
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        pass


class Proxy:
    """TCP forwarder to 127.0.0.1:upstream that can drop everything on demand."""

    def __init__(self, upstream, tls=None):
        self.upstream = upstream
        self.tls = tls
        self.refuse = False
        self.lock = threading.Lock()
        self.conns = []
        self.frozen = set()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]

    def drop(self, refuse):
        with self.lock:
            self.refuse = refuse
            conns, self.conns = self.conns, []
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def freeze(self):
        with self.lock:
            self.frozen.update(self.conns)

    def pump(self, a, b, capture=False):
        try:
            while True:
                d = a.recv(65536)
                if not d:
                    break
                if capture:
                    CAPTURED["ws"] = d[:4096].decode("latin-1")
                    capture = False
                if a in self.frozen:
                    continue
                b.sendall(d)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def serve(self):
        while True:
            c, _ = self.sock.accept()
            threading.Thread(target=self.start, args=(c,), daemon=True).start()

    def start(self, c):
        if True:
            with self.lock:
                refuse = self.refuse
            if refuse:
                c.close()
                return
            if self.tls:
                try:
                    c.settimeout(10)
                    c = self.tls.wrap_socket(c, server_side=True)
                    c.settimeout(None)
                except (ssl.SSLError, OSError):
                    c.close()
                    return
            try:
                u = socket.create_connection(("127.0.0.1", self.upstream), timeout=5)
                u.settimeout(None)
            except OSError:
                c.close()
                return
            with self.lock:
                self.conns += [c, u]
            threading.Thread(target=self.pump, args=(c, u, True), daemon=True).start()
            threading.Thread(target=self.pump, args=(u, c), daemon=True).start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--proxy-to", type=int, default=0)
    ap.add_argument("--tls-dir")
    a = ap.parse_args()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    lines = ["http %d" % httpd.server_address[1]]
    if a.proxy_to:
        px = Proxy(a.proxy_to)
        threading.Thread(target=px.serve, daemon=True).start()
        signal.signal(signal.SIGUSR1, lambda *_: px.drop(True))
        signal.signal(signal.SIGUSR2, lambda *_: px.drop(False))
        signal.signal(signal.SIGHUP, lambda *_: px.freeze())
        lines.append("proxy %d" % px.port)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    if a.tls_dir:
        os.makedirs(a.tls_dir, exist_ok=True)
        r = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                            "-nodes", "-keyout", "key.pem", "-out", "cert.pem", "-days", "2", "-subj", "/CN=127.0.0.1",
                            "-addext", "subjectAltName=IP:127.0.0.1"],
                           cwd=a.tls_dir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            sys.stderr.write("rpcserver: openssl failed:\n" + r.stdout.decode(errors="replace"))
            sys.exit(1)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(a.tls_dir, "cert.pem"), os.path.join(a.tls_dir, "key.pem"))
        tlsd = TLSServer(("127.0.0.1", 0), Handler)
        tlsd.tls = ctx
        threading.Thread(target=tlsd.serve_forever, daemon=True).start()
        lines.append("https %d" % tlsd.server_address[1])
        if a.proxy_to:
            tpx = Proxy(a.proxy_to, ctx)
            threading.Thread(target=tpx.serve, daemon=True).start()
            lines.append("tlsproxy %d" % tpx.port)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.rename(tmp, a.port_file)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
