#!/bin/bash
# bench/rpc-cost.sh - the CPU of the RPC probe engine (tests/integ/rpcprobe_run): 50 HTTP
# endpoints batched every 5 s (against tests/integ/rpcserver.py), and 50 WebSocket newHeads
# subscriptions at 1 head per second (against one anvil), each measured over a window.
# Usage: bench/rpc-cost.sh [BUILDDIR [SRCDIR]]   (BENCH_QUICK=1: shorter)
set -u
BUILDDIR=${1:-${BUILDDIR:-$(cd "$(dirname "$0")/.." && pwd)}}
SRCDIR=${2:-${SRCDIR:-$BUILDDIR}}
RUN=$BUILDDIR/tests/integ/rpcprobe_run
ANVIL=${ANVIL:-$SRCDIR/tests/.peers/node_modules/.bin/anvil}
N=50
WARM=10 WINDOW=60
[ "${BENCH_QUICK:-0}" = 1 ] && WARM=5 WINDOW=15
HZ=$(getconf CLK_TCK)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nodetop-rpcbench.XXXXXX")
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"' EXIT
die() { echo "rpc-cost: $*" >&2; exit 1; }
[ -x "$RUN" ] || die "$RUN is not built (make check builds it; or make tests/integ/rpcprobe_run)"
[ -x "$ANVIL" ] || die "no anvil at $ANVIL (npm install --prefix tests/.peers @foundry-rs/anvil-linux-amd64)"

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# measure NAME ARGS...: the driver with ARGS; prints its CPU share over WINDOW after WARM.
measure() {
	local name=$1; shift
	"$RUN" --quiet --every 5000 "$@" >"$TMP/$name.out" 2>&1 &
	local pid=$!
	PIDS="$PIDS $pid"
	sleep "$WARM"
	local t0 w0 t1 w1
	t0=$(ticks $pid); w0=$(date +%s%N)
	sleep "$WINDOW"
	t1=$(ticks $pid); w1=$(date +%s%N)
	kill -TERM $pid; wait $pid
	local rc=$?
	python3 -c 'import sys
t, w, hz = int(sys.argv[1]), (int(sys.argv[2])) / 1e9, int(sys.argv[3])
print("%.1f ms CPU in %.1f s = %.3f %% of a core" % (t * 1000.0 / hz, w, 100.0 * t / hz / w))' \
		$((t1 - t0)) $((w1 - w0)) "$HZ"
	[ "$rc" -eq 0 ] || echo "(driver exit status $rc)"
	# events: batches finished + heads received + WebSocket state changes, over the whole run
	echo "($(sed -n 's/.*"events":\([0-9]*\).*/\1/p' "$TMP/$name.out") events in $(sed -n 's/.*"wall_ms":\([0-9]*\).*/\1/p' "$TMP/$name.out") ms)"
}

python3 "$SRCDIR/tests/integ/rpcserver.py" --port-file "$TMP/srv.ports" 2>/dev/null &
PIDS="$PIDS $!"
"$ANVIL" --host 127.0.0.1 --port 0 --chain-id 1337 --block-time 1 --accounts 1 >"$TMP/anvil.log" 2>&1 &
PIDS="$PIDS $!"
for i in $(seq 1 200); do
	[ -s "$TMP/srv.ports" ] && grep -q '^Listening on' "$TMP/anvil.log" && break
	sleep 0.05
done
SRV=$(awk '$1 == "http" { print $2 }' "$TMP/srv.ports")
AP=$(sed -n 's/^Listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$TMP/anvil.log" | head -1)
[ -n "$SRV" ] && [ -n "$AP" ] || die "rpcserver.py or anvil did not start"

http_eps=() ws_eps=()
for i in $(seq 1 $N); do
	http_eps+=("name=h$i,url=http://127.0.0.1:$SRV/ok?n=$i,chain=1")
	ws_eps+=("name=w$i,ws=ws://127.0.0.1:$AP,chain=1337")
done
echo "## RPC probe cost ($(nproc) cores, window ${WINDOW} s after ${WARM} s warm-up)"
echo
echo "- $N HTTP endpoints, one 5-method batch each every 5 s: $(measure http --interval 5000 "${http_eps[@]}")"
echo "- $N WebSocket newHeads subscriptions, 1 head/s each: $(measure ws "${ws_eps[@]}")"
