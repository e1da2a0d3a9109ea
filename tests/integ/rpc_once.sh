#!/bin/bash
# tests/integ/rpc_once.sh - [rpc NAME] endpoints through the real binary: `nodetop --once --json`
# and --once text against real anvil nodes on loopback (and tests/integ/rpcserver.py for what anvil
# cannot do), beside a simulated Chainlink node: states, heads, lag, WebSocket, secrets, config errors.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/integ/anvil_lib.sh"
anvil_need

sim_start --nodes 1 --scenarios healthy || { t_fail "simulator starts"; t_done; }
NODE=$(sim_url 0)
anvil_start A 31337 || { t_fail "anvil A starts"; t_done; }
anvil_start B 31337 || { t_fail "anvil B starts"; t_done; }
anvil_start C 31337 || { t_fail "anvil C starts"; t_done; }
anvil_start W 5 || { t_fail "anvil W (chain 5) starts"; t_done; }
t_ok "four anvils listen on loopback"
python3 "$top_srcdir/tests/integ/rpcserver.py" --port-file "$T_TMP/srv.ports" --proxy-to "$PORT_A" 2>"$T_TMP/srv.log" &
SRV_PID=$!
t_track "$SRV_PID"
wait_until test -s "$T_TMP/srv.ports" || { t_fail "rpcserver.py starts"; t_done; }
SRV=$(awk '$1 == "http" { print $2 }' "$T_TMP/srv.ports")
PROXY=$(awk '$1 == "proxy" { print $2 }' "$T_TMP/srv.ports")
A=127.0.0.1:$PORT_A B=127.0.0.1:$PORT_B C=127.0.0.1:$PORT_C W=127.0.0.1:$PORT_W S=http://127.0.0.1:$SRV

# conf NAME [rpc sections...]: a config with the simulated node and these lines; every
# [rpc] gets a generous timeout (a loaded machine is no reason for anvil to time out).
conf() {
	local f=$T_TMP/$1.conf l; shift
	{ printf '[node alpha]\nurl = %s\ntimeout = 10s\ninterval = 10s\n\n' "$NODE"
	  for l in "$@"; do printf '%s\n' "$l"; case $l in '[rpc '*) printf 'interval = 20s\ntimeout = 15s\n' ;; esac; done
	} >"$f"; echo "$f"
}
# once CONF [ARGS]: --once --json; OUT, RC, ERR.
once() { local c=$1; shift; OUT=$("$NODETOP" --once --json -c "$c" "$@" 2>"$T_TMP/err"); RC=$?; ERR=$(cat "$T_TMP/err"); }
# jd EXPR: EXPR over d (the document) and ep(NAME) (that endpoint in alpha's rpc.direct).
jd() {
	python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
def ep(n):
    return [e for e in d["nodes"][0]["rpc"]["direct"] if e["name"] == n][0]
print(eval(sys.argv[1]))' "$1" <<<"$OUT"
}
# check DESC EXPR: EXPR is true (shows the endpoint list when not).
check() {
	if [ "$(jd "$2" 2>&1)" = True ]; then t_ok "$1"
	else t_fail "$1 ($2)"; jd 'json.dumps(d["nodes"][0]["rpc"])' | sed 's/^/#   /'; [ -n "$ERR" ] && echo "# stderr: $ERR"; fi
}

# ---------------------------------------------------------------- up, advancing head
UP=$(conf up '[rpc a]' "url = http://$A" "ws_url = ws://$A" 'chain = 31337')
once "$UP"
t_eq "up: exit 0 (OK)" 0 "$RC"
check "up: the endpoint is up, HTTP batch and WebSocket head" \
	'ep("a")["state"] == "up" and ep("a")["head"] >= 1 and ep("a")["ws"]["state"] == "subscribed" and ep("a")["ws"]["last_head_ms_ago"] is not None'
check "up: chain, client, syncing, latency, lag, no error" \
	'ep("a")["chain"] == 31337 and ep("a")["client"].startswith("anvil/") and ep("a")["syncing"] is False and ep("a")["latency_ms"] > 0 and ep("a")["lag_blocks"] == 0 and ep("a")["error"] is None'
check "up: the direct entry has exactly the documented keys" \
	'sorted(ep("a")) == sorted(["name","chain","state","head","lag_blocks","latency_ms","client","syncing","ws","error"]) and sorted(ep("a")["ws"]) == ["last_head_ms_ago","state"]'
check "up: the node's RPC indicator says which saw what" \
	'd["nodes"][0]["rpc"]["state"] == "up" and d["nodes"][0]["rpc"]["reason"].startswith("node: ") and "direct: chain 31337: 1/1 endpoints up" in d["nodes"][0]["rpc"]["reason"]'
h1=$(jd 'ep("a")["head"]')
advanced() { once "$UP"; [ "$(jd "ep('a')['head'] > $h1" 2>/dev/null)" = True ]; }
t_check "up: the head advances between two runs (anvil mines 1 block a second)" wait_until advanced
TXT=$("$NODETOP" --once -c "$UP" 2>&1)
t_match "up: --once text lists the endpoint under the node's rpc line" \
	'^    direct a \(chain 31337\): UP, head [0-9]+, lag 0, [0-9]+ ms, anvil/.*; ws subscribed' "$TXT"

# ---------------------------------------------------------------- mining stopped -> stall
anvil_pause "$PORT_B"
STALL=$(conf stall '[rpc b]' "url = http://$B" "ws_url = ws://$B" 'chain = 31337' 'head_stall = 2s')
once "$STALL"
t_eq "stall: exit 2 (CRITICAL)" 2 "$RC"
check "stall: no new head (HTTP or WebSocket, whichever aged first) for head_stall -> down" \
	'ep("b")["state"] == "down" and ep("b")["error"] in ("no new head for 2 s (head %d)" % ep("b")["head"], "WebSocket: no head for 2 s") and ep("b")["ws"]["last_head_ms_ago"] is None'
check "stall: the node's RPC indicator is down from the direct view" \
	'd["nodes"][0]["rpc"]["state"] == "down" and d["nodes"][0]["rpc"]["reason"].startswith(("direct: chain 31337: every endpoint down (b: no new head for 2 s", "direct: chain 31337: every endpoint down (b: WebSocket: no head for 2 s"))'

# ---------------------------------------------------------------- two anvils, one behind -> lag
anvil_pause "$PORT_C"
hb=$(head_of "$PORT_B"); hc=$(head_of "$PORT_C")
[ "$hb" -lt "$hc" ] && anvil_mine "$PORT_B" $((hc - hb))
[ "$hc" -lt "$hb" ] && anvil_mine "$PORT_C" $((hb - hc))
anvil_mine "$PORT_B" 10
t_eq "lag: B is 10 blocks ahead of C" "$(( $(head_of "$PORT_C") + 10 ))" "$(head_of "$PORT_B")"
LAG=$(conf lag '[rpc best]' "url = http://$B" 'chain = 31337' 'lag_blocks = 3' '' \
	'[rpc behind]' "url = http://$C" 'chain = 31337' 'lag_blocks = 3')
once "$LAG"
t_eq "lag: exit 1 (WARNING)" 1 "$RC"
check "lag: the one behind is degraded with its lag" \
	'ep("behind")["state"] == "degraded" and ep("behind")["lag_blocks"] == 10 and ep("behind")["error"] == "10 blocks behind the best head %d" % ep("best")["head"]'
check "lag: the best one is up, lag 0" 'ep("best")["state"] == "up" and ep("best")["lag_blocks"] == 0 and ep("best")["ws"] is None'
check "lag: the node's RPC indicator is degraded, naming the endpoint" \
	'd["nodes"][0]["rpc"]["state"] == "degraded" and "behind degraded: 10 blocks behind" in d["nodes"][0]["rpc"]["reason"]'

# ---------------------------------------------------------------- wrong chain
WRONG=$(conf wrong '[rpc w]' "url = http://$W" 'chain = 31337')
once "$WRONG"
t_eq "wrong chain: exit 2 (CRITICAL)" 2 "$RC"
check "wrong chain: down with both ids" \
	'ep("w")["state"] == "down" and ep("w")["error"] == "wrong chain: expected 31337, got 5"'
SL=$("$NODETOP" --status-line -c "$WRONG" 2>&1); rc=$?
t_eq "wrong chain: --status-line exits 2 too" 2 "$rc"
t_match "wrong chain: --status-line names the RPC down" 'rpc DOWN alpha' "$SL"

# ---------------------------------------------------------------- the WebSocket dropped while HTTP works
kill -USR1 "$SRV_PID"
drop_refused() { ! python3 -c 'import socket,sys; s=socket.create_connection(("127.0.0.1",int(sys.argv[1])),2); s.settimeout(2); s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"); sys.exit(0 if s.recv(1) else 1)' "$PROXY" 2>/dev/null; }
wait_until drop_refused
WSDROP=$(conf wsdrop '[rpc p]' "url = http://$A" "ws_url = ws://127.0.0.1:$PROXY" 'chain = 31337')
once "$WSDROP"
t_eq "ws drop: exit 1 (WARNING)" 1 "$RC"
check "ws drop: HTTP answers, the WebSocket is closed and reconnecting -> degraded" \
	'ep("p")["state"] == "degraded" and ep("p")["ws"]["state"] == "reconnecting" and ep("p")["error"].startswith("WebSocket closed") and ep("p")["client"].startswith("anvil/")'
kill -USR2 "$SRV_PID"

# ---------------------------------------------------------------- what anvil cannot do
BAD=$(conf bad '[rpc syncing]' "url = $S/syncing" 'chain = 1' '' '[rpc nomethod]' "url = $S/nomethod" 'chain = 1' '' \
	'[rpc garbage]' "url = $S/garbage" 'chain = 1' '' '[rpc absurd]' "url = $S/absurd" 'chain = 1' '' \
	'[rpc hostile]' "url = $S/hostile" 'chain = 1')
once "$BAD"
check "syncing: degraded with the blocks" \
	'ep("syncing")["state"] == "degraded" and ep("syncing")["syncing"] is True and ep("syncing")["error"] == "syncing (block 90 of 200)"'
check "method not found: up, not a failure (syncing and client unknown)" \
	'ep("nomethod")["state"] == "up" and ep("nomethod")["syncing"] is None and ep("nomethod")["client"] is None and ep("nomethod")["head"] == 100'
check "garbage: down, invalid JSON" 'ep("garbage")["state"] == "down" and ep("garbage")["error"] == "invalid JSON at byte 0"'
check "head 2^63: down, a clear error, no head" \
	'ep("absurd")["state"] == "down" and ep("absurd")["head"] is None and "larger than 2^53-1" in ep("absurd")["error"]'
check "escapes in the client version: no control bytes in the JSON" \
	'ep("hostile")["state"] == "up" and all(0x20 <= ord(c) != 0x7f and not 0x80 <= ord(c) < 0xa0 for c in ep("hostile")["client"])'
TXT=$("$NODETOP" --once -c "$BAD" 2>&1)
t_nomatch "hostile: no escape byte in the --once text" $'\x1b' "$TXT"
t_match "hostile: --once text shows the syncing endpoint" 'direct syncing \(chain 1\): DEGRADED, head 100, lag 0, [0-9]+ ms, rpcserver/1.0, syncing - syncing \(block 90 of 200\)' "$TXT"

# ---------------------------------------------------------------- secrets
export NT_RPC_TOKEN=TOKENSECRET77
SEC=$(conf secret '[rpc s]' "url = http://$A/?key=SECRETKEY42" "ws_url = ws://$A/?key=WSSECRET43" 'chain = 31337' \
	'header = X-Api-Key: HDRSECRET44' 'bearer_token_env = NT_RPC_TOKEN' '' \
	'[rpc r]' "url = http://127.0.0.1:1/v3/REFUSEDKEY45" 'chain = 31337')
once "$SEC"
check "secrets: the endpoint with a key in its URL is up" 'ep("s")["state"] == "up" and ep("s")["ws"]["state"] == "subscribed"'
check "secrets: a refused one is down with a plain reason" 'ep("r")["state"] == "down" and ep("r")["error"] == "connection refused"'
t_eq "secrets: exit 1 (WARNING: one of two endpoints on the chain is down)" 1 "$RC"
TXT=$("$NODETOP" --once -c "$SEC" 2>&1)
EV=$(timeout 300 "$NODETOP" --events --json -c "$SEC" 2>&1 | grep -m2 "\"kind\":\"rpc\"")   # 300 s only ends a hang
t_nomatch "secrets: no URL key, header or token in JSON, text or events" \
	'SECRETKEY42|WSSECRET43|HDRSECRET44|TOKENSECRET77|REFUSEDKEY45' "$OUT $ERR $TXT $EV"
t_match "secrets: --events still tells the endpoints' states" '"kind":"rpc"' "$EV"

# ---------------------------------------------------------------- valgrind: probes, WebSocket, refused, shutdown
# (a sanitizer build cannot run under valgrind: ASan checks that build instead)
if ldd "$NODETOP" 2>/dev/null | grep -q libasan || nm "$NODETOP" 2>/dev/null | grep -q ' __asan_init'; then
	echo "# $NODETOP is built with AddressSanitizer: the valgrind case is left to the plain build"
elif command -v valgrind >/dev/null 2>&1; then
	VG=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=9)
	# valgrind is ~30 times slower, and the machine may be loaded: time limits that only end a hang
	sed 's/^timeout = 10s/timeout = 60s/; s/^interval = 10s/interval = 60s/; s/^interval = 20s/interval = 90s/; s/^timeout = 15s/timeout = 90s/' \
		"$SEC" >"$T_TMP/vg.conf"
	"${VG[@]}" "$NODETOP" --once --json -c "$T_TMP/vg.conf" >"$T_TMP/vg.out" 2>"$T_TMP/vg.err"; rc=$?
	t_eq "valgrind: --once with [rpc] endpoints, no error or leak (status 1: r down beside s up on chain 31337)" 1 "$rc"
	[ "$rc" -ne 1 ] && sed 's/^/#   /' "$T_TMP/vg.err" | head -30
	"${VG[@]}" "$NODETOP" --events -c "$T_TMP/vg.conf" >"$T_TMP/vg2.out" 2>"$T_TMP/vg2.err" &
	vgpid=$!
	t_track "$vgpid"
	wait_until 300000 seen_in "$T_TMP/vg2.out" 'rpc s chain 31337 unknown -> up'
	kill -TERM "$vgpid"; wait "$vgpid"; rc=$?
	t_eq "valgrind: --events with a live WebSocket stops on SIGTERM, no error or leak (status 143)" 143 "$rc"
	[ "$rc" -ne 143 ] && sed 's/^/#   /' "$T_TMP/vg2.err" | head -30
	# WebSocket connects that fail or hang at SIGTERM. q's connect() fails at once (Linux refuses TCP
	# to the broadcast address with ENETUNREACH, sending nothing), the path on which lws 4.1 on libuv
	# orphaned the poll handle of each failed connect (160 bytes definitely lost; a refused loopback
	# port fails later or at once, by timing). h reaches a listener that accepts, reads the upgrade
	# request and never answers: a connect in flight when the signal comes.
	python3 - "$T_TMP/hang.port" "$T_TMP/hang.log" <<'EOF' &
import os, socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
open(sys.argv[1] + ".tmp", "w").write("%d\n" % s.getsockname()[1])
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
held = []
while True:
    c, _ = s.accept()
    held.append(c)
    line = c.recv(4096).split(b"\r\n")[0]
    with open(sys.argv[2], "a") as f:
        f.write(line.decode("latin-1") + "\n")
EOF
	t_track "$!"
	wait_until test -s "$T_TMP/hang.port"
	WSF=$(conf wsfail '[rpc q]' 'url = ws://255.255.255.255:1/' 'chain = 31337' '' \
		'[rpc h]' "url = ws://127.0.0.1:$(cat "$T_TMP/hang.port")/" 'chain = 31337')
	"${VG[@]}" "$NODETOP" --events -c "$WSF" >"$T_TMP/vg3.out" 2>"$T_TMP/vg3.err" &
	vgpid=$!
	t_track "$vgpid"
	wait_until 300000 seen_in "$T_TMP/vg3.out" 'rpc q chain 31337 .*cannot connect.*\(([3-9]|[1-9][0-9]+) attempts\)'
	wait_until 300000 seen_in "$T_TMP/hang.log" '^GET / HTTP/1.1$'
	kill -TERM "$vgpid"; wait "$vgpid"; rc=$?
	t_eq "valgrind: --events with WebSocket connects failing at once and hanging stops on SIGTERM, no error or leak (status 143)" 143 "$rc"
	[ "$rc" -ne 143 ] && sed 's/^/#   /' "$T_TMP/vg3.err" | head -30
else
	t_fail "valgrind is installed (apt-get install valgrind)"
fi

# ---------------------------------------------------------------- killed -> down
KILL=$(conf killed '[rpc c]' "url = http://$C" "ws_url = ws://$C" 'chain = 31337')
kill -KILL "$PID_C"
wait "$PID_C" 2>/dev/null
once "$KILL"
t_eq "killed: exit 2 (CRITICAL)" 2 "$RC"
check "killed: down, connection refused, WebSocket reconnecting" \
	'ep("c")["state"] == "down" and ep("c")["error"] == "connection refused" and ep("c")["ws"]["state"] == "reconnecting" and ep("c")["head"] is None'

# ---------------------------------------------------------------- bad config: file:line, non-zero, no secret
bad_conf() { # bad_conf DESC REGEX LINES...: the config is refused with that message
	local d=$1 re=$2; shift 2
	local f; f=$(conf badcfg "$@")
	"$NODETOP" --once -c "$f" >"$T_TMP/bc.out" 2>"$T_TMP/bc.err"; local rc=$?
	if [ "$rc" -ne 0 ] && grep -Eq -- "$re" "$T_TMP/bc.err" && ! grep -q 'BADKEY99' "$T_TMP/bc.err" "$T_TMP/bc.out"; then t_ok "config: $d"
	else t_fail "config: $d (rc $rc)"; sed 's/^/#   /' "$T_TMP/bc.err"; fi
}
bad_conf "no chain" 'badcfg.conf:6: \[rpc x\] has no chain' '[rpc x]' "url = http://$A/BADKEY99"
bad_conf "bad scheme, the URL masked" "badcfg.conf:10: url 'ftp://$A/…' must start with http://, https://, ws:// or wss://" \
	'[rpc x]' 'chain = 1' "url = ftp://$A/BADKEY99"
bad_conf "chain not a number" "badcfg.conf:10: bad chain id 'one'" '[rpc x]' "url = http://$A/BADKEY99" 'chain = one'
bad_conf "ws_url beside a WebSocket url" 'badcfg.conf:10: \[rpc x\]: ws_url goes beside an http\(s\) url' \
	'[rpc x]' "url = ws://$A/BADKEY99" "ws_url = ws://$A/BADKEY99" 'chain = 1'
bad_conf "unknown key" "badcfg.conf:10: unknown key 'lagblocks' in \[rpc x\]" '[rpc x]' "url = http://$A/BADKEY99" 'lagblocks = 3'
bad_conf "an unknown node" 'badcfg.conf:11: \[rpc x\]: no \[node beta\]' '[rpc x]' "url = http://$A" 'chain = 1' 'nodes = beta'
bad_conf "a password in the URL" 'badcfg.conf:9: url must not contain a user name or password' '[rpc x]' "url = http://u:BADKEY99@$A"

t_done
