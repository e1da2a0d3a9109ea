#!/bin/bash
# tests/integ/rpcprobe.sh - the RPC probe engine (tests/integ/rpcprobe_run) against real
# Ethereum nodes (anvil, on loopback) and tests/integ/rpcserver.py for what anvil cannot do.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

RUN=${RPCPROBE_RUN:-$top_builddir/tests/integ/rpcprobe_run}
. "$top_srcdir/tests/integ/anvil_lib.sh"

# anvil: the npm package ships the binary; .ci/run and the README install it.
if [ ! -x "$ANVIL" ] && ! command -v npm >/dev/null 2>&1; then
	echo "# SKIP: no anvil at $ANVIL and no npm to install it (npm install --prefix tests/.peers @foundry-rs/anvil-linux-amd64)"
	exit 77
fi
anvil_need

jget() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(eval(sys.argv[1]))' "$2" <<<"$1"; }

# probe_start NAME ARGS...: the driver in the background, JSON lines in $T_TMP/NAME.out.
probe_start() {
	local name=$1; shift
	"$RUN" --every 200 "$@" >"$T_TMP/$name.out" 2>"$T_TMP/$name.err" &
	printf -v "PROBE_$name" '%s' "$!"
	t_track "$!"
}

# last OUT ENDPOINT EXPR: EXPR (python, d = the endpoint's latest line) is true.
last() {
	python3 - "$T_TMP/$1.out" "$2" "$3" <<'EOF'
import json, sys
d = None
for line in open(sys.argv[1]):
    try:
        o = json.loads(line)
    except ValueError:
        continue
    if o.get("name") == sys.argv[2]:
        d = o
sys.exit(0 if d is not None and eval(sys.argv[3]) else 1)
EOF
}
# show OUT ENDPOINT: prints the endpoint's latest line (for failure messages).
show() { grep "\"name\":\"$2\"" "$T_TMP/$1.out" | tail -1 | sed 's/^/#   /'; }
# expect DESC SECS OUT ENDPOINT EXPR: waits until EXPR holds. SECS is how long it
# takes on an idle machine; the bound is never below T_WAIT_MS (it only ends a hang).
expect() {
	local desc=$1 secs=$2 out=$3 ep=$4 expr=$5 bound=$(($2 * 1000))
	[ "$bound" -lt "$T_WAIT_MS" ] && bound=$T_WAIT_MS
	if wait_until "$bound" last "$out" "$ep" "$expr"; then t_ok "$desc"
	else t_fail "$desc (not within $((bound / 1000)) s: $expr)"; show "$out" "$ep"; fi
}
# probe_stop NAME: SIGTERM; the driver must leave with status 0 and a closed loop.
probe_stop() {
	local pidvar=PROBE_$1 rc
	kill -TERM "${!pidvar}" 2>/dev/null
	wait "${!pidvar}"; rc=$?
	t_eq "$1: the driver stops cleanly on SIGTERM (status 0)" 0 "$rc"
	t_match "$1: every libuv handle closed (uv_loop_close 0)" '"loop_close":0' "$(tail -1 "$T_TMP/$1.out")"
	[ -s "$T_TMP/$1.err" ] && { echo "# $1 stderr:"; sed 's/^/#   /' "$T_TMP/$1.err" | head; }
}

anvil_start A 1337 || { t_fail "anvil starts"; t_done; }
anvil_start B 1337 || { t_fail "anvil B starts"; t_done; }
anvil_start C 1337 || { t_fail "anvil C starts"; t_done; }
t_ok "three anvils listen on loopback"
python3 "$top_srcdir/tests/integ/rpcserver.py" --port-file "$T_TMP/srv.ports" --proxy-to "$PORT_A" \
	--tls-dir "$T_TMP/tls" 2>"$T_TMP/srv.log" &
SRV_PID=$!
t_track "$SRV_PID"
srv_up() { test -s "$T_TMP/srv.ports" || ! t_alive "$SRV_PID"; }
wait_until srv_up
test -s "$T_TMP/srv.ports" || { t_fail "rpcserver.py starts"; sed 's/^/#   /' "$T_TMP/srv.log" | tail -20; t_done; }
SRV=$(awk '$1 == "http" { print $2 }' "$T_TMP/srv.ports")
PROXY=$(awk '$1 == "proxy" { print $2 }' "$T_TMP/srv.ports")
TLSPROXY=$(awk '$1 == "tlsproxy" { print $2 }' "$T_TMP/srv.ports")

# ---------------------------------------------------------------- up, advancing, wrong chain, secrets
A=127.0.0.1:$PORT_A
probe_start up --interval 500 \
	"name=a,url=http://$A,ws=ws://$A,chain=1337" \
	"name=wrongchain,url=http://$A,chain=1" \
	"name=wsonly,ws=ws://$A,chain=1337" \
	"name=byname,url=http://localhost:$PORT_A,ws=ws://localhost:$PORT_A,chain=1337" \
	"name=secret,url=http://$A/v2/SECRETKEY42,chain=1337"
expect "up: HTTP batch and WebSocket subscription up on anvil" 20 up a \
	'd["state"] == "up" and d["ws"]["state"] == "subscribed" and d["ws"]["heads"] >= 2 and d["head"] >= 2'
h1=$(python3 -c 'import json,sys; print([json.loads(l) for l in open(sys.argv[1]) if "\"name\":\"a\"" in l][-1]["head"])' "$T_TMP/up.out")
expect "up: the head advances (1 block a second)" 10 up a "d['head'] >= $h1 + 2 and d['ws']['head'] >= $h1 + 2"
expect "up: chain id, client, syncing and latency from the batch" 5 up a \
	'd["chain_id"] == 1337 and d["client"].startswith("anvil/") and d["syncing"] is False and d["latency_ms"] > 0'
expect "up: net_peerCount (not in anvil) is method-not-found, not a failure" 5 up a \
	'd["unsupported"] == ["net_peerCount"] and d["peers"] is None and d["error"] == ""'
expect "up: the WebSocket head is recent" 15 up a 'd["ws"]["last_head_ms_ago"] is not None and d["ws"]["last_head_ms_ago"] < 3000'
expect "wrong chain id: down with both ids" 10 up wrongchain \
	'd["state"] == "down" and d["reason"] == "wrong chain: expected 1, got 1337"'
expect "WebSocket-only endpoint: up from newHeads" 10 up wsonly \
	'd["state"] == "up" and d["url"] == "" and d["ws"]["heads"] >= 1 and d["batches"] == 0'
expect "a host name (localhost): resolved off the loop, up over HTTP and WS" 15 up byname \
	'd["state"] == "up" and d["ws"]["state"] == "subscribed" and d["ws"]["heads"] >= 1'
expect "URL with a key: masked to the host" 10 up secret \
	"d['url'] == 'http://$A/…' and d['batches'] >= 1"
probe_stop up
t_nomatch "the key never appears in the output" 'SECRETKEY42' "$(cat "$T_TMP/up.out" "$T_TMP/up.err")"

# ---------------------------------------------------------------- a multi handle driven by its owner (the poller's seam)
probe_start shared --shared-multi --interval 300 "name=s,url=http://$A,ws=ws://$A,chain=1337" "name=r,url=http://127.0.0.1:1/k,chain=1"
expect "shared multi: batches finish through rpcprobe_transfer_done, up" 20 shared s \
	'd["state"] == "up" and d["batches"] >= 3 and d["ws"]["state"] == "subscribed"'
expect "shared multi: a refused endpoint is down beside it" 10 shared r 'd["state"] == "down" and d["reason"] == "connection refused"'
probe_stop shared

# ---------------------------------------------------------------- mining stopped -> stall
B=127.0.0.1:$PORT_B
probe_start stall --interval 500 --head-stall 3000 "name=b,url=http://$B,ws=ws://$B,chain=1337"
expect "stall: up before mining stops" 20 stall b 'd["state"] == "up" and d["ws"]["heads"] >= 1'
rpc "$PORT_B" evm_setIntervalMining '[0]' >/dev/null
rpc "$PORT_B" evm_setAutomine '[false]' >/dev/null
expect "stall: mining stopped -> down, no new head" 15 stall b \
	'd["state"] == "down" and d["reason"].startswith("no new head for ") and d["error"] == ""'
rpc "$PORT_B" evm_setIntervalMining '[1]' >/dev/null
expect "stall: mining again -> up" 15 stall b 'd["state"] == "up"'
probe_stop stall

# ---------------------------------------------------------------- two anvils, one paused -> lag
# Both paused, the lower one mined up to the other, then only B mines again.
C=127.0.0.1:$PORT_C
rpc "$PORT_B" evm_setIntervalMining '[0]' >/dev/null
rpc "$PORT_C" evm_setIntervalMining '[0]' >/dev/null
hb=$(head_of "$PORT_B"); hc=$(head_of "$PORT_C")
if [ "$hb" -lt "$hc" ]; then anvil_mine "$PORT_B" $((hc - hb))
elif [ "$hc" -lt "$hb" ]; then anvil_mine "$PORT_C" $((hb - hc)); fi
t_eq "lag: the two anvils start level" "$(head_of "$PORT_B")" "$(head_of "$PORT_C")"
probe_start lag --interval 300 --lag-blocks 3 --head-stall 120000 \
	"name=best,url=http://$B,ws=ws://$B,chain=1337" "name=behind,url=http://$C,ws=ws://$C,chain=1337"
expect "lag: level -> behind is up, lag 0" 15 lag behind 'd["state"] == "up" and d["lag_blocks"] == 0 and d["head"] is not None'
rpc "$PORT_B" evm_setIntervalMining '[1]' >/dev/null
expect "lag: the paused anvil falls behind -> degraded with the lag" 20 lag behind \
	'd["state"] == "degraded" and d["lag_blocks"] >= 4 and "blocks behind the best head" in d["reason"]'
expect "lag: the advancing one stays up" 5 lag best 'd["state"] == "up" and d["lag_blocks"] == 0'
probe_stop lag

# ---------------------------------------------------------------- the WebSocket dropped while HTTP works
probe_start wsdrop --interval 300 --head-stall 8000 "name=p,url=http://$A,ws=ws://127.0.0.1:$PROXY,chain=1337"
expect "ws drop: up through the proxy" 20 wsdrop p 'd["state"] == "up" and d["ws"]["state"] == "subscribed" and d["ws"]["heads"] >= 1'
kill -USR1 "$SRV_PID"
expect "ws drop: WebSocket closed, HTTP still answers -> degraded, reconnecting" 10 wsdrop p \
	'd["state"] == "degraded" and d["ws"]["state"] == "reconnecting" and d["error"] == "" and d["reason"].startswith("WebSocket closed")'
expect "ws drop: no head over the WebSocket for head_stall -> down while HTTP is fine" 25 wsdrop p \
	'd["state"] == "down" and "no head for" in d["reason"] and d["error"] == "" and d["batches"] > 3'
kill -USR2 "$SRV_PID"
expect "ws drop: the proxy is back -> resubscribed after the back-off, up" 45 wsdrop p \
	'd["state"] == "up" and d["ws"]["state"] == "subscribed" and d["ws"]["connects"] >= 2'
probe_stop wsdrop

# ---------------------------------------------------------------- TLS: https:// and wss:// (anvil behind a TLS proxy)
T=127.0.0.1:$TLSPROXY
probe_start tls --interval 300 --ca-file "$T_TMP/tls/cert.pem" "name=t,url=https://$T,ws=wss://$T,chain=1337"
expect "TLS with ca_file: https batch and wss subscription up" 20 tls t \
	'd["state"] == "up" and d["ws"]["state"] == "subscribed" and d["ws"]["heads"] >= 1 and d["client"].startswith("anvil/")'
probe_stop tls
probe_start tlsk --interval 300 --insecure "name=t,url=https://$T,ws=wss://$T,chain=1337"
expect "TLS insecure: up without the CA" 20 tlsk t 'd["state"] == "up" and d["ws"]["state"] == "subscribed" and d["ws"]["heads"] >= 1'
probe_stop tlsk
probe_start tlsno --interval 300 "name=t,url=https://$T,ws=wss://$T,chain=1337"
expect "TLS, certificate not trusted: down, both say TLS" 20 tlsno t \
	'd["state"] == "down" and d["error"].startswith("TLS: ") and d["ws"]["state"] == "reconnecting" and d["ws"]["error"].startswith("TLS handshake failed")'
probe_stop tlsno

# ---------------------------------------------------------------- a silent (half-open) WebSocket
probe_start frozen --interval 500 --ws-idle 2500 "name=f,url=http://$A,ws=ws://127.0.0.1:$PROXY,chain=1337"
expect "frozen: subscribed through the proxy" 20 frozen f 'd["ws"]["state"] == "subscribed" and d["ws"]["heads"] >= 1'
c0=$(python3 -c 'import json,sys; print([json.loads(l) for l in open(sys.argv[1]) if "\"name\":\"f\"" in l][-1]["ws"]["connects"])' "$T_TMP/frozen.out")
kill -HUP "$SRV_PID"
expect "frozen: a silent WebSocket is dropped after ws_idle and a new one subscribes" 30 frozen f \
	"d['ws']['connects'] > $c0 and d['ws']['state'] == 'subscribed' and d['ws']['last_head_ms_ago'] < 2500"
probe_stop frozen

# ---------------------------------------------------------------- headers and bearer token (secrets)
probe_start hdr --interval 300 --bearer TOKENXYZ123 --header 'X-Api-Key: KEYABC123' \
	"name=h,url=http://127.0.0.1:$SRV/capture,ws=ws://127.0.0.1:$PROXY,chain=1"
expect "headers: HTTP up and WebSocket subscribed with a token and a header" 20 hdr h \
	'd["batches"] >= 1 and d["ws"]["state"] == "subscribed"'
CAP=$(curl -s "http://127.0.0.1:$SRV/_captured")
t_match "headers: the batch carries the bearer token" 'Authorization: Bearer TOKENXYZ123' "$(jget "$CAP" 'd["http"]')"
t_match "headers: the batch carries the configured header" 'X-Api-Key: KEYABC123' "$(jget "$CAP" 'd["http"]')"
t_match "headers: the WebSocket handshake carries the bearer token" '[Aa]uthorization: Bearer TOKENXYZ123' "$(jget "$CAP" 'd["ws"]')"
t_match "headers: the WebSocket handshake carries the configured header" '[Xx]-[Aa]pi-[Kk]ey: KEYABC123' "$(jget "$CAP" 'd["ws"]')"
probe_stop hdr
t_nomatch "headers: neither secret appears in the output" 'TOKENXYZ123|KEYABC123' "$(cat "$T_TMP/hdr.out" "$T_TMP/hdr.err")"

# ---------------------------------------------------------------- valgrind
# (a sanitizer build cannot run under valgrind: ASan checks that build instead)
if ldd "$RUN" 2>/dev/null | grep -q 'libasan' || nm "$RUN" 2>/dev/null | grep -q ' __asan_init'; then
	echo "# $RUN is built with AddressSanitizer: the valgrind case is left to the plain build"
elif command -v valgrind >/dev/null 2>&1; then
	# No fixed run time: under valgrind on a loaded machine the WebSocket may take
	# many seconds to subscribe. It runs until it did (the condition asserted), then
	# SIGTERM shuts it down (the shutdown path is part of what valgrind checks).
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=9 \
		"$RUN" --every 500 --interval 300 --bearer TOKEN1234 \
		"name=v,url=http://$A,ws=ws://$A,chain=1337" "name=x,url=http://127.0.0.1:1/k,ws=ws://127.0.0.1:1,chain=1" \
		>"$T_TMP/vg.out" 2>"$T_TMP/vg.err" &
	vg_pid=$!
	t_track "$vg_pid"
	vg_subscribed() { seen_in "$T_TMP/vg.out" '"name":"v".*"state":"subscribed","last_head_ms_ago":[0-9]' || ! t_alive "$vg_pid"; }
	wait_until 300000 vg_subscribed   # valgrind on a loaded machine: a bound only against a hang
	t_match "valgrind: it did subscribe and get heads" '"name":"v".*"state":"subscribed","last_head_ms_ago":[0-9]' "$(cat "$T_TMP/vg.out")"
	kill -TERM "$vg_pid" 2>/dev/null
	wait "$vg_pid"
	rc=$?
	t_eq "valgrind: no error and no leak (HTTP, WebSocket, refused, shutdown)" 0 "$rc"
	[ "$rc" -ne 0 ] && sed 's/^/#   /' "$T_TMP/vg.err" | head -40
	t_match "valgrind: it shut down on SIGTERM with every handle closed" '"done":true.*"loop_close":0' "$(cat "$T_TMP/vg.out")"
else
	t_fail "valgrind is installed (apt-get install valgrind)"
fi

# ---------------------------------------------------------------- killed -> down
probe_start killed --interval 300 "name=c,url=http://$C,ws=ws://$C,chain=1337"
expect "killed: up before" 20 killed c 'd["state"] == "up" and d["ws"]["state"] == "subscribed"'
kill -KILL "$PID_C"
expect "killed: down, connection refused, WebSocket reconnecting" 15 killed c \
	'd["state"] == "down" and d["reason"] == "connection refused" and d["ws"]["state"] == "reconnecting"'
probe_stop killed

# ---------------------------------------------------------------- what anvil cannot do
S=http://127.0.0.1:$SRV
probe_start bad --interval 500 \
	"name=ok,url=$S/ok,chain=1" "name=syncing,url=$S/syncing,chain=1" "name=nomethod,url=$S/nomethod,chain=1" \
	"name=garbage,url=$S/garbage,chain=1" "name=html,url=$S/html,chain=1" "name=absurd,url=$S/absurd,chain=1" \
	"name=negative,url=$S/negative,chain=1" "name=huge,url=$S/huge,chain=1" "name=rejected,url=$S/rejected,chain=1" \
	"name=hostile,url=$S/hostile,chain=1" "name=s429,url=$S/s429,chain=1"
expect "rpcserver ok: up, head 100, peers 25, answers out of order" 15 bad ok \
	'd["state"] == "up" and d["head"] == 100 and d["peers"] == 25 and d["client"] == "rpcserver/1.0"'
expect "syncing: degraded with the blocks" 10 bad syncing \
	'd["state"] == "degraded" and d["reason"] == "syncing (block 90 of 200)" and d["syncing"] is True'
expect "method not found on 3 methods: up, listed as unsupported" 10 bad nomethod \
	'd["state"] == "up" and sorted(d["unsupported"]) == ["eth_syncing", "net_peerCount", "web3_clientVersion"] and d["syncing"] is None'
expect "garbage: down, invalid JSON" 10 bad garbage 'd["state"] == "down" and d["error"] == "invalid JSON at byte 0"'
expect "HTML: down, says so" 10 bad html 'd["state"] == "down" and d["error"] == "HTML, not JSON-RPC"'
expect "head 2^63: down, a clear error, no head" 10 bad absurd \
	'd["state"] == "down" and d["head"] is None and d["error"] == "eth_blockNumber: quantity larger than 2^53-1: \"0x8000000000000000\""'
expect "negative head: down" 10 bad negative 'd["state"] == "down" and d["error"] == "eth_blockNumber: negative quantity \"-0x5\""'
expect "2 MiB body: down at the size cap" 10 bad huge 'd["state"] == "down" and d["error"] == "body larger than 262144 bytes (limit)"'
expect "batch not supported: down, the provider's reason" 10 bad rejected \
	'd["state"] == "down" and d["error"] == "batch rejected: -32600 batch requests are not supported"'
expect "HTTP 429 with a JSON-RPC error: down with both" 10 bad s429 \
	'd["state"] == "down" and d["error"] == "HTTP 429: -32005 daily request limit reached"'
expect "escapes in the client version: shown as text, no control bytes" 10 bad hostile \
	'd["state"] == "up" and "RED" in d["client"] and all(0x20 <= ord(ch) != 0x7f and not 0x80 <= ord(ch) < 0xa0 for ch in d["client"])'
probe_stop bad

t_done
