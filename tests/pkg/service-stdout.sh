#!/bin/bash
# tests/pkg/service-stdout.sh - the event log as nodetop-events@.service runs it:
# stdout is a stream socket whose peer has shut down its sending side at once
# (journald does, for StandardOutput=journal); nodetop must keep logging there.
. "$(dirname "$0")/../lib.sh"

sim_start --nodes 1 --scenario healthy || { t_fail "nodetop-sim starts"; t_done; }

# python3 plays journald: a socketpair, SHUT_WR on its end, nodetop's stdout on
# the other; it reads lines until the node is up, switches the node down through
# the simulator's control endpoint, and reads on until that change is logged.
out=$(python3 - "$NODETOP" "$(sim_url 0)" <<'EOF' 2>&1
import socket, subprocess, sys, time, urllib.request
nodetop, url = sys.argv[1], sys.argv[2]
ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
ours.shutdown(socket.SHUT_WR)
p = subprocess.Popen([nodetop, "--events", "--json", url], stdout=theirs.fileno(),
                     stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
theirs.close()
ours.settimeout(60)
buf = b""
def line_with(text):
    global buf
    while True:
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            if text in line:
                return line.decode()
        try:
            chunk = ours.recv(65536)
        except socket.timeout:
            return None
        if not chunk:
            return None
        buf += chunk
up = line_with(b'"kind":"node"')
print("first:", up)
if up is None or '"to":"up"' not in up:
    print("exit:", p.wait(timeout=60), "stderr:", p.stderr.read().decode())
    sys.exit(1)
req = urllib.request.Request(url + "/control/scenario?name=down&node=0", method="POST")
urllib.request.urlopen(req, timeout=10).read()
down = line_with(b'"to":"down"')
print("after:", down)
p.terminate()
print("exit:", p.wait(timeout=60))
sys.exit(0 if down else 1)
EOF
)
rc=$?
t_match "--events with stdout on a socket shut for writing by its peer logs the node up" '^first: .*"kind":"node".*"to":"up"' "$out"
t_match "... and keeps running: the node going down later is logged too" '^after: .*"to":"down"' "$out"
t_match "... until SIGTERM ends it" '^exit: (-15|143)$' "$out"
t_eq "the journald stand-in saw every step" 0 "$rc"
t_done
