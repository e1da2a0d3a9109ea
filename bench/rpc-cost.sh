#!/bin/bash
# bench/rpc-cost.sh - the CPU of the RPC probes: nodetop itself with 50 [rpc] sections (one
# simulated node polled once an hour beside them), HTTP batches every 5 s against
# tests/integ/rpcserver.py and WebSocket newHeads at 1 head per second from one anvil; the
# engine's driver (tests/integ/rpcprobe_run) on the same endpoints is the peer in the same run.
# Usage: bench/rpc-cost.sh [BUILDDIR [SRCDIR]]   (BENCH_QUICK=1: shorter)
set -u
BUILDDIR=${1:-${BUILDDIR:-$(cd "$(dirname "$0")/.." && pwd)}}
SRCDIR=${2:-${SRCDIR:-$BUILDDIR}}
. "$SRCDIR/bench/lib.sh"
RUN=$BUILDDIR/tests/integ/rpcprobe_run
ANVIL=${ANVIL:-$SRCDIR/tests/.peers/node_modules/.bin/anvil}
N=50
WARM=10 WINDOW=60
[ "$QUICK" = 1 ] && WARM=5 WINDOW=15
die() { echo "rpc-cost: $*" >&2; exit 1; }
[ -x "$NODETOP" ] || die "$NODETOP is not built"
[ -x "$RUN" ] || die "$RUN is not built (make tests/integ/rpcprobe_run; make bench builds it)"
[ -x "$ANVIL" ] || die "no anvil at $ANVIL (npm install --prefix tests/.peers @foundry-rs/anvil-linux-amd64)"

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# measure NAME CMD...: CMD in the background; sets PCT (% of a core over WINDOW after WARM) and TXT.
measure() {
	local name=$1; shift
	"$@" >"$B_TMP/$name.out" 2>"$B_TMP/$name.err" &
	local pid=$!
	b_track "$pid"
	sleep "$WARM"
	local t0 w0 t1 w1
	t0=$(ticks $pid); w0=$(date +%s%N)
	sleep "$WINDOW"
	t1=$(ticks $pid); w1=$(date +%s%N)
	kill -0 $pid 2>/dev/null || echo "rpc-cost: $name exited early: $(tail -3 "$B_TMP/$name.err")" >&2
	b_stop $pid
	PCT=$(python3 -c 'import sys; t, w, hz = int(sys.argv[1]), int(sys.argv[2]) / 1e9, int(sys.argv[3]); print("%.3f" % (100.0 * t / hz / w))' \
		$((t1 - t0)) $((w1 - w0)) "$HZ")
	TXT="$(( (t1 - t0) * 1000 / HZ )) ms CPU in $(( (w1 - w0) / 1000000000 )) s = $PCT % of a core"
}

python3 "$SRCDIR/tests/integ/rpcserver.py" --port-file "$B_TMP/srv.ports" 2>/dev/null &
b_track "$!"
"$ANVIL" --host 127.0.0.1 --port 0 --chain-id 1337 --block-time 1 --accounts 1 >"$B_TMP/anvil.log" 2>&1 &
b_track "$!"
"$NODETOP_SIM" --base-port 0 --port-file "$B_TMP/sim.ports" --nodes 1 >"$B_TMP/sim.log" 2>&1 &
b_track "$!"
for i in $(seq 1 400); do
	[ -s "$B_TMP/srv.ports" ] && [ -s "$B_TMP/sim.ports" ] && grep -q '^Listening on' "$B_TMP/anvil.log" && break
	sleep 0.05
done
SRV=$(awk '$1 == "http" { print $2 }' "$B_TMP/srv.ports")
AP=$(sed -n 's/^Listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$B_TMP/anvil.log" | head -1)
SP=$(awk '$1 == 0 { print $2 }' "$B_TMP/sim.ports")
[ -n "$SRV" ] && [ -n "$AP" ] && [ -n "$SP" ] || die "rpcserver.py, anvil or nodetop-sim did not start"

http_eps=() ws_eps=()
printf '[node sim]\nurl = http://127.0.0.1:%s\ninterval = 1h\n' "$SP" >"$B_TMP/http.conf"
cp "$B_TMP/http.conf" "$B_TMP/ws.conf"
for i in $(seq 1 $N); do
	http_eps+=("name=h$i,url=http://127.0.0.1:$SRV/ok?n=$i,chain=1")
	ws_eps+=("name=w$i,ws=ws://127.0.0.1:$AP,chain=1337")
	printf '[rpc h%d]\nurl = http://127.0.0.1:%s/ok?n=%d\nchain = 1\ninterval = 5s\n' "$i" "$SRV" "$i" >>"$B_TMP/http.conf"
	printf '[rpc w%d]\nurl = ws://127.0.0.1:%s\nchain = 1337\n' "$i" "$AP" >>"$B_TMP/ws.conf"
done

echo "## RPC probe cost ($(nproc) cores, window ${WINDOW} s after ${WARM} s warm-up)"
echo
echo "nodetop --events with $N [rpc] sections and one simulated node polled once an hour (its"
echo "cost is in the figure); the engine's own driver on the same endpoints is the peer."
echo
echo >&2 "rpc-cost: nodetop, $N HTTP endpoints"
measure nt-http "$NODETOP" --events -c "$B_TMP/http.conf"
NT_HTTP=$PCT NT_HTTP_TXT=$TXT
echo >&2 "rpc-cost: driver, $N HTTP endpoints"
measure run-http "$RUN" --quiet --every 5000 --interval 5000 "${http_eps[@]}"
RUN_HTTP_TXT=$TXT
echo >&2 "rpc-cost: nodetop, $N WebSocket subscriptions"
measure nt-ws "$NODETOP" --events -c "$B_TMP/ws.conf"
NT_WS=$PCT NT_WS_TXT=$TXT
echo >&2 "rpc-cost: driver, $N WebSocket subscriptions"
measure run-ws "$RUN" --quiet --every 5000 "${ws_eps[@]}"
RUN_WS_TXT=$TXT

echo "| what | nodetop | driver (peer) |"
echo "|---|---|---|"
echo "| $N HTTP endpoints, one 5-method batch each every 5 s | $NT_HTTP_TXT | $RUN_HTTP_TXT |"
echo "| $N WebSocket newHeads subscriptions, 1 head/s each | $NT_WS_TXT | $RUN_WS_TXT |"
echo
b_verdict "$(b_calc "$NT_HTTP < 0.5")" "RPC: $N HTTP endpoints every 5 s cost nodetop $NT_HTTP % of a core (target < 0.5 %)"
b_verdict "$(b_calc "$NT_WS < 1.0")" "RPC: $N WebSocket subscriptions at 1 head/s cost nodetop $NT_WS % of a core (target < 1 %)"
echo
echo "Commands: \`nodetop --events -c CONF\` (CONF: [node sim] at interval = 1h and $N [rpc] sections);"
echo "\`tests/integ/rpcprobe_run --quiet --every 5000 [--interval 5000] ENDPOINT...\`; CPU = utime+stime of the process."
