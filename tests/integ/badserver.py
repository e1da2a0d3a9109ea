#!/usr/bin/env python3
"""tests/integ/badserver.py - misbehaving "Chainlink nodes" for the fault tests:
what nodetop-sim cannot do. Python 3 standard library only; 127.0.0.1 only.

One plain HTTP port serves every content fault under a path prefix, so that
a node URL http://127.0.0.1:PORT/MODE polls /MODE/health and /MODE/metrics:

  ok            a small healthy node (health JSON, metrics with db, rpc, head)
  redirect-loop 302 to itself, forever
  redirect-file 302 to file:///etc/passwd (a scheme nodetop must not follow)
  gzip-bomb     Content-Encoding: gzip, ~10 MB on the wire, ~10 GB decoded
  big400        a 400 MB body with a Content-Length
  chunked       an endless chunked body in 16-byte chunks
  sNNN / sNNNe  HTTP NNN (401 404 429 500 503) with a body / with an empty one
  badjson       truncated JSON
  wrongshape    JSON of the wrong shape ({"data": "ok"})
  jsonarray     a JSON array at the top level
  checks10k     10 000 checks (every 7th failing, multi-line outputs)
  series1m      a /metrics with 1 000 000 series (about 14 MB)
  badutf8       invalid UTF-8 in check names, outputs, label values
  nul           NUL bytes in health and metrics bodies
  escapes       ESC/CSI/OSC, C0/C1 controls, bidi overrides in names, outputs,
                label names and values, metric names
  nan           NaN, +Inf, -Inf, 1e308, 1e999 in the series nodetop reads
  dup           every series nodetop reads twice, with different values
  reset         counters (uptime, heads received, db waits) drop every poll
  switch        a different failure on every poll (rotating)
  bomb3         the gzip bomb for the first 3 requests of each URL path, then healthy
  stall         never answers (a hung node behind the same host:port as others)
  echo          400 whose body starts "rejected: Authorization=... X-Api-Key=...", then
                every request header (a server or proxy that reflects them)
  redirect-other 302 to the "capture" port (another host:port), same path
  capture       a healthy node that records every request's headers (GET /_captured)

Raw ports: "silent" accepts TCP connections and never answers; with --tls-dir,
"tls-good", "tls-unknown-ca", "tls-expired" and "tls-wronghost" serve the "ok"
node over TLS with certificates made with the openssl CLI at start-up (the CA
for nodetop's ca_file is TLSDIR/ca.pem).

With --mode-ports a,b each listed mode also has a port of its own, serving it
at / (curl allows only a few connections per host:port: separate ports keep
nodes of one nodetop run from queueing behind each other).

When everything listens, --port-file gets "NAME PORT" lines (written atomically).
GET /_count/MODE on the plain port answers how many requests MODE received.
"""
import argparse
import gzip
import os
import selectors
import socket
import socketserver
import ssl
import subprocess
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# ---------------------------------------------------------------- bodies

HEALTH_CT = "application/vnd.api+json"
PROM_CT = "text/plain; version=0.0.4; charset=utf-8"

OK_CHECKS = ["BridgeStatusReporter", "EVM.1", "EVM.1.BalanceMonitor", "EVM.1.HeadBroadcaster",
             "EVM.1.HeadTracker", "EVM.1.HeadTracker.HeadListener", "EVM.1.LogBroadcaster",
             "EVM.1.Relayer", "EVM.1.Txm", "HeadReporter", "Heartbeat", "JobSpawner",
             "Mailbox.Monitor", "PipelineORM", "PipelineRunner", "PipelineRunner.BridgeCache",
             "TelemetryManager"]


def jstr(s):
    """A JSON string literal the way Go writes it (<, >, & escaped), from str."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == '\\':
            out.append('\\\\')
        elif ch == '\n':
            out.append('\\n')
        elif ch == '\t':
            out.append('\\t')
        elif ch == '\r':
            out.append('\\r')
        elif o < 0x20 or ch in '<>&' or o in (0x2028, 0x2029):
            out.append('\\u%04x' % o)
        else:
            out.append(ch)
    out.append('"')
    return ''.join(out)


def health_json(checks):
    """checks: [(name, status, output)] as str; returns the compact body (bytes)."""
    parts = ['{"type":"checks","id":%s,"attributes":{"name":%s,"status":"%s","output":%s}}'
             % (jstr(n), jstr(n), st, jstr(o)) for n, st, o in checks]
    return ('{"data":[' + ','.join(parts) + ']}').encode()


def health_ok():
    return health_json([(n, "passing", "") for n in OK_CHECKS])


def metrics_ok(uptime=3600.0, heads=4321, waits=7, head=23400123, extra=b""):
    s = ("# HELP db_conns_max Maximum number of open connections to the database.\n"
         "# TYPE db_conns_max gauge\ndb_conns_max 20\n"
         "# TYPE db_conns_open gauge\ndb_conns_open 5\n"
         "# TYPE db_conns_used gauge\ndb_conns_used 2\n"
         "# TYPE db_wait_count gauge\ndb_wait_count %d\n"
         "# TYPE multi_node_states gauge\n"
         'multi_node_states{chainId="1",network="EVM",state="Alive"} 2\n'
         'multi_node_states{chainId="1",network="EVM",state="Unreachable"} 0\n'
         "# TYPE head_tracker_current_head gauge\n"
         'head_tracker_current_head{evmChainID="1"} %d\n'
         "# TYPE head_tracker_heads_received counter\n"
         'head_tracker_heads_received{ChainID="1"} %d\n'
         "# TYPE uptime_seconds counter\nuptime_seconds %s\n"
         "# TYPE version gauge\n"
         'version{commit="0123456789abcdef",version="2.20.0"} 1\n'
         "# TYPE go_goroutines gauge\ngo_goroutines 812\n"
         % (waits, head, heads, repr(float(uptime))))
    return s.encode() + extra


def checks10k():
    checks = []
    for i in range(10000):
        name = "S%02d.%d" % (i % 50, i)        # short: 10 000 checks fit the 1 MiB cap
        if i % 7 == 0:
            checks.append((name, "failing", "down %d\nretry" % i))
        else:
            checks.append((name, "passing", ""))
    checks.sort()
    return health_json(checks)


def series1m():
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"

    def b36(n):
        s = ""
        while True:
            n, r = divmod(n, 36)
            s = digits[r] + s
            if not n:
                return s
    lines = [metrics_ok()]
    lines.append(b"# TYPE m gauge\n")
    lines.extend(b'm{i="%s"} 1\n' % b36(i).encode() for i in range(1000000 - 12))
    return b"".join(lines)


ESC_NAME = "EVM.1.Head\x1b[2J\x1b[HTracker\x1b]0;pwned\x07.Listener\u202e\u009b31m"
ESC_OUT = "boom\r\x1b[31mred\x1b[0m\x08\x08\x7f\u0085\u200b\ufeff\x1bP+q\x1b\\ line2\n\x1b[6n"


def health_escapes():
    return health_json(sorted([(n, "passing", "") for n in OK_CHECKS] +
                              [(ESC_NAME, "failing", ESC_OUT),
                               ("Title\x1b]2;owned\x07", "failing", "\x1b[?1049l\x1b[?25l\x1bc"),
                               ("\x01\x02\x03\x7f", "failing", "\x1b%G\x0e\x0f")]))


def metrics_escapes():
    return metrics_ok(extra=(
        b'# HELP x\x1b[2J weird help \x1b]0;t\x07\n'
        b'eth_balance{account="0x\x1b[2J\x1b]0;pwned\x07",evmChainID="1"} 1.5\n'
        b'eth_balance{account="\xc2\x9b31m\xe2\x80\xae",evmChainID="1\x1b[H"} 2\n'
        b'eth_balance{acc\x1bount="x",evmChainID="1"} 3\n'
        b'health{service_id="\x1b[2JEVM.1.Txm\x07"} 0\n'
        b'head_tracker_current_head{evmChainID="1\x1b[31m"} 77\n'
        b'\x1b[2Jdb_conns_open 9\n'
        b'version{commit="\x1b]0;x\x07",version="2.\x1b[31m0"} 1\n'))


def health_badutf8():
    body = health_json([(n, "passing", "") for n in OK_CHECKS[:4]] +
                       [("ZZZ.BADNAME", "failing", "BADOUT")])
    return (body.replace(b"BADNAME", b"\xff\xfe\xc0\xaf\xed\xa0\x80name\xe2\x82")
                .replace(b"BADOUT", b"out \x80\xbf\xf8\x88\x80\x80\x80 \xf4\x90\x80\x80 end"))


def metrics_badutf8():
    return metrics_ok(extra=(
        b'eth_balance{account="\xff\xfe\xc0\xaf",evmChainID="1"} 1\n'
        b'version{commit="\xed\xa0\x80",version="\xf4\x90\x80\x80"} 1\n'
        b'multi_node_states{chainId="\xc3",network="EVM",state="Alive\x80"} 1\n'))


def health_nul():
    body = health_json([(n, "passing", "") for n in OK_CHECKS[:5]] +
                       [("Nul\x00Name", "failing", "out\x00put")])
    return body[:40] + b"\x00" + body[40:] + b"\x00trailing"


def metrics_nul():
    return metrics_ok(extra=b'eth_balance{account="a\x00b",evmChainID="1"} 1\nnul\x00metric 1\n\x00\x00\x00\n')


def metrics_nan():
    return (b"db_conns_max +Inf\ndb_conns_open NaN\ndb_conns_used -Inf\ndb_wait_count 1e999\n"
            b'multi_node_states{chainId="1",network="EVM",state="Alive"} NaN\n'
            b'multi_node_states{chainId="1",network="EVM",state="Unreachable"} +Inf\n'
            b'head_tracker_current_head{evmChainID="1"} 1e308\n'
            b'head_tracker_current_head{evmChainID="10"} -1e308\n'
            b'multi_node_states{chainId="10",network="EVM",state="Alive"} 1e-320\n'
            b'head_tracker_heads_received{ChainID="1"} 1.7976931348623157e308\n'
            b"uptime_seconds -Inf\ngo_goroutines 4.9e-324\n"
            b'version{commit="x",version="2.20.0"} NaN\n'
            b'eth_balance{account="0x1",evmChainID="1"} 1e+400\n'
            b'eth_balance{account="0x2",evmChainID="1"} -0\n')


def metrics_dup():
    one = metrics_ok()
    two = metrics_ok(uptime=5.0, heads=1, waits=1000000, head=1)
    return one + two + one.replace(b"db_conns_open 5", b"db_conns_open 50")


SWITCH_HEALTH = [
    (200, HEALTH_CT, health_ok()),
    (503, "text/plain", b"Service Unavailable\n"),
    (200, HEALTH_CT, bytes(range(256)) * 4),
    (204, None, b""),
    (200, "text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>\n"),
    (207, HEALTH_CT, health_json([("EVM.1.HeadTracker.HeadListener", "failing",
                                   "Listener connected = false, receiving heads = false")])),
    (200, "text/plain", b"ok Heartbeat\n!  EVM.1\n\tRPC gone\n"),
    (500, HEALTH_CT, b'{"errors":[{"detail":"pq: the database system is shutting down"}]}'),
]
SWITCH_METRICS = [
    (200, PROM_CT, metrics_ok()),
    (500, "text/plain", b"Internal Server Error\n"),
    (200, PROM_CT, bytes(range(256)) * 4),
    (200, PROM_CT, b""),
    (401, "text/plain", b"invalid or missing token"),
    (200, PROM_CT, metrics_nan()),
]

STATUS_TEXT = {401: "Unauthorized: invalid or missing token", 404: "404 page not found",
               429: "Too Many Requests", 500: "Internal Server Error: pq: connection refused",
               503: "Service Unavailable: upstream is starting"}


def gzip_bomb_parts(wire_bytes):
    """(head, segment, count, tail): head + segment*count + tail is a gzip stream of
    (count + 1) MiB of zeros per segment pair; about wire_bytes on the wire."""
    chunk = b"\0" * (1 << 20)
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    head = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    seg = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    seg2 = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    assert seg == seg2, "full-flush segments differ"
    tail = c.flush()   # the trailer's CRC does not match: no client gets that far
    count = max(1, (wire_bytes - len(head) - len(tail)) // len(seg))
    return head, seg, count, tail


# ---------------------------------------------------------------- HTTP

class State:
    counts = {}
    lock = threading.Lock()
    cache = {}
    captured = []
    capture_port = 0

    @classmethod
    def count(cls, mode):
        with cls.lock:
            n = cls.counts.get(mode, 0)
            cls.counts[mode] = n + 1
            return n

    @classmethod
    def cached(cls, key, fn):
        # built outside the lock: every request takes it (count), and a 14 MB body
        # built under valgrind's load must not hold the other modes' answers back
        with cls.lock:
            if key in cls.cache:
                return cls.cache[key]
        value = fn()
        with cls.lock:
            return cls.cache.setdefault(key, value)


MODES = {"ok", "redirect-loop", "redirect-file", "gzip-bomb", "big400", "chunked", "badjson",
         "wrongshape", "jsonarray", "checks10k", "series1m", "badutf8", "nul", "escapes", "nan",
         "dup", "reset", "switch", "stall", "echo", "redirect-other", "capture", "bomb3",
         "_count", "_captured"}
for _c in STATUS_TEXT:
    MODES.add("s%d" % _c)
    MODES.add("s%de" % _c)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "badserver"
    sys_version = ""
    timeout = 30

    def log_message(self, *args):
        pass

    def send_body(self, status, ctype, body, extra=()):
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in extra:
            self.send_header(k, v)
        if status not in (204, 304):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def stream(self, status, headers, pieces):
        """Writes headers then every piece of the iterable until the client goes."""
        self.close_connection = True
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            for p in pieces:
                self.wfile.write(p)
        except (BrokenPipeError, ConnectionResetError, socket.timeout, ssl.SSLError, OSError):
            pass

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        seg = path.split("/")
        if len(seg) > 2 and seg[1] in MODES:
            mode, rest = seg[1], "/" + "/".join(seg[2:])
        else:
            mode, rest = self.server.default_mode, path
        if mode == "_captured":
            with State.lock:
                text = "".join(State.captured)
            return self.send_body(200, "text/plain", text.encode("utf-8", "replace"))
        if mode == "_count":
            with State.lock:
                n = State.counts.get(rest.strip("/"), 0)
            return self.send_body(200, "text/plain", b"%d\n" % n)
        kind = "health" if rest.endswith(("/health", "/health.txt")) else "metrics" if rest.endswith("/metrics") else rest
        State.count(mode)
        n = State.count(mode + "/" + kind)     # per endpoint: decides what the next answer is
        try:
            self.serve(mode, kind, rest, n)
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            self.close_connection = True

    def serve(self, mode, kind, rest, n):
        if kind not in ("health", "metrics"):
            return self.send_body(404, "text/plain", b"404 page not found")
        health = kind == "health"
        if mode == "ok" or (mode in ("series1m", "nan", "dup", "reset") and health):
            return self.send_body(200, HEALTH_CT, health_ok()) if health else \
                self.send_body(200, PROM_CT, metrics_ok())
        if mode == "stall":
            # an answer that never comes, on the shared port (a node behind the same
            # load balancer as healthy ones): the thread sleeps, the client gives up
            self.close_connection = True
            threading.Event().wait(20)
            return
        if mode == "echo":
            body = ("rejected: Authorization=%s X-Api-Key=%s\n%s %s\n%s"
                    % (self.headers.get("Authorization"), self.headers.get("X-Api-Key"),
                       self.command, self.path, self.headers)).encode("utf-8", "replace")
            return self.send_body(400, "text/plain", body)
        if mode == "capture":
            with State.lock:
                State.captured.append("%s %s\n%s\n" % (self.command, self.path, self.headers))
            return self.send_body(200, HEALTH_CT, health_ok()) if health else \
                self.send_body(200, PROM_CT, metrics_ok())
        if mode == "redirect-other":
            return self.send_body(302, "text/plain", b"Found\n",
                                  [("Location", "http://127.0.0.1:%d%s" % (State.capture_port, rest))])
        if mode == "redirect-loop":
            return self.send_body(302, "text/plain", b"Found\n", [("Location", self.path)])
        if mode == "redirect-file":
            return self.send_body(302, "text/plain", b"Found\n", [("Location", "file:///etc/passwd")])
        if mode == "bomb3":
            if State.count("path:" + self.path) >= 3:
                return self.send_body(200, HEALTH_CT, health_ok()) if health else \
                    self.send_body(200, PROM_CT, metrics_ok())
            mode = "gzip-bomb"
        if mode == "gzip-bomb":
            head, seg, count, tail = State.cached("bomb", lambda: gzip_bomb_parts(10 * 1000 * 1000))
            total = len(head) + len(seg) * count + len(tail)

            def pieces():
                yield head
                for _ in range(count // 64):
                    yield seg * 64
                yield seg * (count % 64)
                yield tail
            return self.stream(200, [("Content-Type", HEALTH_CT if health else PROM_CT),
                                     ("Content-Encoding", "gzip"), ("Content-Length", str(total))],
                               pieces())
        if mode == "big400":
            total = 400 * 1000 * 1000
            block = (b"# " + b"x" * 61 + b"\n") * 1024           # 64 KiB of comment lines

            def pieces():
                left = total
                while left > 0:
                    yield block[:min(left, len(block))]
                    left -= len(block)
            return self.stream(200, [("Content-Type", HEALTH_CT if health else PROM_CT),
                                     ("Content-Length", str(total))], pieces())
        if mode == "chunked":
            def pieces():
                yield b"10\r\n" + b"{" * 16 + b"\r\n"
                piece = b"10\r\n" + b" " * 16 + b"\r\n"
                block = piece * 4096
                while True:
                    yield block
            return self.stream(200, [("Content-Type", HEALTH_CT if health else PROM_CT),
                                     ("Transfer-Encoding", "chunked")], pieces())
        if mode.startswith("s") and mode[1:4].isdigit():
            code = int(mode[1:4])
            body = b"" if mode.endswith("e") else STATUS_TEXT[code].encode() + b"\n"
            extra = [("Retry-After", "30")] if code == 429 else []
            if code == 401 and health:
                return self.send_body(200, HEALTH_CT, health_ok())   # /health never needs auth
            return self.send_body(code, "text/plain; charset=utf-8" if body else None, body, extra)
        if mode == "badjson":
            return self.send_body(200, HEALTH_CT, health_ok()[:57]) if health else \
                self.send_body(200, PROM_CT, b'db_conns_open{a="b 1\nx{ 2\n"} 3\n{}\n')
        if mode == "wrongshape":
            return self.send_body(200, HEALTH_CT, b'{"data":"ok","errors":null}') if health else \
                self.send_body(200, PROM_CT, metrics_ok())
        if mode == "jsonarray":
            return self.send_body(200, HEALTH_CT, b'[{"type":"checks"},1,"x",null]') if health else \
                self.send_body(200, PROM_CT, metrics_ok())
        if mode == "checks10k":
            return self.send_body(207, HEALTH_CT, State.cached("10k", checks10k)) if health else \
                self.send_body(200, PROM_CT, metrics_ok())
        if mode == "series1m":
            return self.send_body(200, PROM_CT, State.cached("1m", series1m))
        if mode == "badutf8":
            return self.send_body(207, HEALTH_CT, health_badutf8()) if health else \
                self.send_body(200, PROM_CT, metrics_badutf8())
        if mode == "nul":
            return self.send_body(207, HEALTH_CT, health_nul()) if health else \
                self.send_body(200, PROM_CT, metrics_nul())
        if mode == "escapes":
            return self.send_body(207, HEALTH_CT, health_escapes()) if health else \
                self.send_body(200, PROM_CT, metrics_escapes())
        if mode == "nan":
            return self.send_body(200, PROM_CT, metrics_nan())
        if mode == "dup":
            return self.send_body(200, PROM_CT, metrics_dup())
        if mode == "reset":
            # the metrics request count decides: even polls a long-running process,
            # odd polls a fresh one (every counter back near zero)
            if n % 2 == 0:
                return self.send_body(200, PROM_CT, metrics_ok(uptime=86400 + n, heads=99999 + n,
                                                               waits=5000 + n))
            return self.send_body(200, PROM_CT, metrics_ok(uptime=15, heads=1, waits=0))
        if mode == "switch":
            table = SWITCH_HEALTH if health else SWITCH_METRICS
            st, ct, body = table[n % len(table)]
            return self.send_body(st, ct, body)
        return self.send_body(404, "text/plain", b"no such mode\n")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    default_mode = "ok"
    tls = None

    def finish_request(self, request, client_address):
        if self.tls:
            request.settimeout(10)
            try:
                request = self.tls.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return          # the client refused our certificate: that is the test
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        pass


# ---------------------------------------------------------------- silent port

def silent_server(sock):
    """Accepts every connection, reads and discards, never writes a byte."""
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ)
    while True:
        for key, _ in sel.select():
            if key.fileobj is sock:
                try:
                    c, _ = sock.accept()
                    c.setblocking(False)
                    sel.register(c, selectors.EVENT_READ)
                except OSError:
                    pass
                continue
            try:
                data = key.fileobj.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if not data:
                sel.unregister(key.fileobj)
                key.fileobj.close()


# ---------------------------------------------------------------- certificates

def openssl(*args, cwd):
    r = subprocess.run(("openssl",) + args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        sys.stderr.write("badserver: openssl %s failed:\n%s" % (" ".join(args), r.stdout.decode(errors="replace")))
        sys.exit(1)


def make_ca(d, name, cn):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", name + ".key", "-out", name + ".pem", "-days", "3", "-subj", "/CN=" + cn,
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    db = os.path.join(d, name + ".db")
    os.makedirs(db, exist_ok=True)
    open(os.path.join(db, "index.txt"), "w").close()
    with open(os.path.join(db, "index.txt.attr"), "w") as f:
        f.write("unique_subject = no\n")
    with open(os.path.join(db, "serial"), "w") as f:
        f.write("1000\n")
    with open(os.path.join(d, name + ".cnf"), "w") as f:
        f.write("[ca]\ndefault_ca = d\n[d]\ndatabase = %s/index.txt\nnew_certs_dir = %s\n"
                "serial = %s/serial\ndefault_md = sha256\npolicy = p\nunique_subject = no\n"
                "[p]\ncommonName = supplied\n" % (db, db, db))


def make_leaf(d, ca, name, san, start=None, end=None):
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name, cwd=d)
    with open(os.path.join(d, name + ".ext"), "w") as f:
        f.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=serverAuth\nsubjectAltName=%s\n" % san)
    dates = ["-startdate", start, "-enddate", end] if start else ["-days", "2"]
    openssl("ca", "-batch", "-notext", "-config", ca + ".cnf", "-cert", ca + ".pem", "-keyfile", ca + ".key",
            "-in", name + ".csr", "-out", name + ".pem", "-extfile", name + ".ext", *dates, cwd=d)


def make_certs(d):
    d = os.path.abspath(d)
    os.makedirs(d, exist_ok=True)
    make_ca(d, "ca", "nodetop test CA")
    make_ca(d, "otherca", "nodetop unknown CA")
    make_leaf(d, "ca", "good", "IP:127.0.0.1,DNS:localhost")
    make_leaf(d, "otherca", "unknownca", "IP:127.0.0.1,DNS:localhost")
    make_leaf(d, "ca", "expired", "IP:127.0.0.1,DNS:localhost", "20200101000000Z", "20200102000000Z")
    make_leaf(d, "ca", "wronghost", "DNS:wrong.example.com")


# ---------------------------------------------------------------- main

def listen(port=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(128)
    return s


def http_server(tls=None, mode="ok"):
    srv = Server(("127.0.0.1", 0), Handler)
    srv.default_mode = mode
    srv.tls = tls
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv.server_address[1]


def main():
    ap = argparse.ArgumentParser(description="misbehaving Chainlink nodes for nodetop's fault tests")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--tls-dir", help="make certificates here and serve the TLS cases")
    ap.add_argument("--warm", action="store_true", help="build the big bodies before reporting ready")
    ap.add_argument("--mode-ports", default="", metavar="MODE,...",
                    help="also serve each of these modes at / on a port of its own (\"port:MODE PORT\")")
    a = ap.parse_args()

    ports = [("http", http_server())]
    State.capture_port = http_server(mode="capture")
    ports.append(("capture", State.capture_port))
    for m in filter(None, a.mode_ports.split(",")):
        if m not in MODES:
            ap.error("unknown mode %r" % m)
        ports.append(("port:" + m, http_server(mode=m)))
    s = listen()
    threading.Thread(target=silent_server, args=(s,), daemon=True).start()
    ports.append(("silent", s.getsockname()[1]))
    if a.tls_dir:
        make_certs(a.tls_dir)
        for name, leaf in (("tls-good", "good"), ("tls-unknown-ca", "unknownca"),
                           ("tls-expired", "expired"), ("tls-wronghost", "wronghost")):
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(os.path.join(a.tls_dir, leaf + ".pem"), os.path.join(a.tls_dir, leaf + ".key"))
            ports.append((name, http_server(ctx)))
    if a.warm:
        State.cached("1m", series1m)
        State.cached("10k", checks10k)
        State.cached("bomb", lambda: gzip_bomb_parts(10 * 1000 * 1000))
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        for name, port in ports:
            f.write("%s %d\n" % (name, port))
    os.rename(tmp, a.port_file)
    threading.Event().wait()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
