#!/bin/bash
# tests/integ/shards.sh - many nodes: rounds start in shards of up to 64 nodes
# that share a phase of the interval; reloads move nodes in and out of shards.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

sim_start --nodes 200 --scenarios healthy --metrics-size 20k || { t_fail "simulator starts"; t_done; }
t_eq "the simulator listens on 200 ports" 200 "$(wc -l <"$SIM")"

# conf FILE INTERVAL FIRST LAST: nodes nFIRST..nLAST on the simulator's nodes of the same index.
conf() {
	local i
	{
		printf "[defaults]\ninterval = %s\ntimeout = %s\n" "$2" "${TIMEOUT:-4s}"
		for i in $(seq "$3" "$4"); do printf '[node n%d]\nurl = http://127.0.0.1:%s\n' "$i" "$(sim_port "$i")"; done
	} >"$1"
}
# ups FILE: how many nodes came up (one "unknown -> up" per node).
ups() { grep -c 'node n[0-9]* unknown -> up' "$1"; }
at_least() { [ "$(ups "$1")" -ge "$2" ]; }

# 1. 150 nodes, 30 s: three shards of 50 (round robin) at 0, 10 and 20 s.
# The order of the events tells the shards apart: the first 50 nodes up are
# the first shard's, the second shard's only come at its phase, 10 s later.
conf "$T_TMP/a.conf" 30s 0 149
"$NODETOP" --events -c "$T_TMP/a.conf" >"$T_TMP/a.ev" 2>"$T_TMP/a.err" &
NT=$!; t_track "$NT"
t0=$(ms_now)
t_check "the first shard (50 of 150 nodes) is polled" wait_until at_least "$T_TMP/a.ev" 50
echo "# figure first shard up after $(( $(ms_now) - t0 )) ms"
t_check "every node is polled (the other shards at their phase)" wait_until at_least "$T_TMP/a.ev" 150
idx=$(sed -n 's/.*node n\([0-9]*\) unknown -> up.*/\1/p' "$T_TMP/a.ev" | head -50)
t_eq "the first 50 nodes up are the first shard: nodes 0, 3, 6, ... 147" "$(seq 0 3 147 | sort -n | tr '\n' ' ')" "$(sort -n <<<"$idx" | tr '\n' ' ')"
idx=$(sed -n 's/.*node n\([0-9]*\) unknown -> up.*/\1/p' "$T_TMP/a.ev" | sed -n 51,100p)
t_eq "the next 50 are the second shard: nodes 1, 4, 7, ... 148" "$(seq 1 3 148 | sort -n | tr '\n' ' ')" "$(sort -n <<<"$idx" | tr '\n' ' ')"
kill -TERM $NT; wait $NT
t_check "no error output (150 nodes)" test ! -s "$T_TMP/a.err"

# 2. Reloads at 5 s (interval and timeout: a loaded machine must not make a
# healthy node's poll fail): 150 nodes, then 200 (the new ones fill the shards, then a
# fourth), then n100..n199 only; the remaining nodes go on being polled.
TIMEOUT=5s conf "$T_TMP/b.conf" 5s 0 149
NODETOP_STATS=$T_TMP/b.stats "$NODETOP" --events -c "$T_TMP/b.conf" >"$T_TMP/b.ev" 2>"$T_TMP/b.err" &
NT=$!; t_track "$NT"
t_check "150 nodes at 5 s: all up" wait_until at_least "$T_TMP/b.ev" 150
TIMEOUT=5s conf "$T_TMP/b.conf" 5s 0 199
kill -HUP $NT
seen() { grep -Eq -- "$1" "$T_TMP/b.ev"; }
t_check "reload to 200 nodes is announced" wait_until seen 'config reloaded: 200 nodes \(50 added, 0 removed'
t_check "the 50 added nodes are polled" wait_until at_least "$T_TMP/b.ev" 200
TIMEOUT=5s conf "$T_TMP/b.conf" 5s 100 199
kill -HUP $NT
t_check "reload to n100..n199 is announced" wait_until seen 'config reloaded: 100 nodes \(0 added, 100 removed'
sim_scenario 150 db-outage
t_check "a node kept by the reload is still polled (its db outage shows)" wait_until seen 'db n150 up -> down'
sim_scenario 199 rpc-outage
t_check "so is the last node added (its rpc outage shows)" wait_until seen 'rpc n199 (up|degraded) -> down'
t_nomatch "no event from a removed node after the second reload" ' n(0|50|99) ' \
	"$(sed -n '/config reloaded: 100 nodes/,$p' "$T_TMP/b.ev")"
kill -TERM $NT; wait $NT
t_eq "no failed poll in the whole run" "0" "$(sed -n 's/^poll_errors=//p' "$T_TMP/b.stats")"
t_check "no error output (reloads)" test ! -s "$T_TMP/b.err"
t_done
