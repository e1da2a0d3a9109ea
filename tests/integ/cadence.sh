#!/bin/bash
# tests/integ/cadence.sh - how often /health is asked: every round while a node
# is unsettled, at health_interval (15 s by default) while all its checks pass;
# /metrics every round, and a change there brings /health at once.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

SIMF=$T_TMP/sim.ports
psim_start "$SIMF" --nodes 7 --scenarios healthy,healthy,healthy,healthy,rpc-outage,healthy,healthy --metrics-size 20k ||
	{ t_fail "simulator starts"; t_done; }
url() { echo "http://127.0.0.1:$(psim_port "$SIMF" "$1")"; }
# count INDEX health|metrics: requests the simulated node has received.
count() {
	curl -s "$(url 0)/control/state" | python3 -c '
import json, sys
n = json.load(sys.stdin)["nodes"][int(sys.argv[1])]
print(n[sys.argv[2] + "_requests"])' "$1" "$2"
}

test_ge() { [ "$(count "$1" "$2")" -ge "$3" ]; }

CONF=$T_TMP/nodetop.conf
cat >"$CONF" <<EOF
[defaults]
interval = 500ms
timeout = 500ms
[node auto]
url = $(url 0)
[node fast]
url = $(url 1)
health_interval = 500ms
[node changes]
url = $(url 2)
[node nometrics]
url = $(url 3)
metrics = false
[node failing]
url = $(url 4)
[node goesdown]
url = $(url 5)
[node every2s]
url = $(url 6)
health_interval = 2s
EOF
NODETOP_STATS=$T_TMP/stats "$NODETOP" --events -c "$CONF" >"$T_TMP/ev.txt" 2>"$T_TMP/ev.err" &
NT=$!; T_PIDS="$T_PIDS $NT"
seen() { grep -Eq -- "$1" "$T_TMP/ev.txt"; }
wait_until 5000 seen 'node goesdown unknown -> up' || t_fail "the first round"
sleep 4

h=$(count 0 health) m=$(count 0 metrics)
echo "# figure all checks passing, 500 ms interval, ~4.5 s: /health asked $h times, /metrics $m times"
t_check "a node whose checks pass: /metrics every round (>= 7 in 4.5 s, got $m)" test "$m" -ge 7
t_check "... and /health once, not every round (15 s by default; got $h)" test "$h" -le 2
h=$(count 6 health)
t_check "health_interval = 2s, all checks passing: /health every 2 s (3 in 4.5 s, got $h)" test "$h" -ge 2 -a "$h" -le 4
h=$(count 1 health)
t_check "health_interval = 500ms: /health every round (>= 7, got $h)" test "$h" -ge 7
h=$(count 3 health) m=$(count 3 metrics)
t_check "metrics = false: /health every round (>= 7, got $h)" test "$h" -ge 7
t_eq "metrics = false: /metrics never asked" 0 "$m"
h=$(count 4 health)
t_check "a node with a failing check (207): /health every round (>= 7, got $h)" test "$h" -ge 7

# A check that starts failing shows in /metrics (health{service_id} 0) at the
# next round: /health is asked at once, not 15 s later.
t0=$(ms_now)
psim_set "$SIMF" 2 rpc-outage
t_check "rpc outage: the rpc indicator goes down within 3 s" wait_until 3000 seen 'rpc changes (up|degraded) -> down'
t_check "rpc outage: the node's failing check (from /health) within 3 s" wait_until 3000 seen 'node changes up -> degraded'
echo "# figure check failure on the screen $(( $(ms_now) - t0 )) ms after the switch (health_interval 15 s)"
h0=$(count 2 health)
t_check "... and /health is then asked every round" wait_until 3000 test_ge 2 health $((h0 + 3))

# A node that goes away: /metrics fails, /health is asked at once.
t0=$(ms_now)
psim_set "$SIMF" 5 down
t_check "a node that goes down: node down within 3 s" wait_until 3000 seen 'node goesdown up -> down'
echo "# figure node down on the screen $(( $(ms_now) - t0 )) ms after its port closed"
psim_set "$SIMF" 5 healthy
t_check "and back up within 3 s (asked every round while down)" wait_until 3000 seen 'node goesdown down -> up'

kill -TERM $NT; wait $NT
t_check "nothing on stderr" test ! -s "$T_TMP/ev.err"
hp=$(sed -n 's/^health_polls=//p' "$T_TMP/stats") mp=$(sed -n 's/^metrics_polls=//p' "$T_TMP/stats")
t_check "NODETOP_STATS counts /health ($hp) and /metrics ($mp) answers apart" test "${hp:-0}" -gt 0 -a "${mp:-0}" -gt 0

# --health-interval and the config key
out=$("$NODETOP" --once --health-interval 1x "$(url 0)" 2>&1); rc=$?
t_eq "--health-interval: a bad duration exits 3" 3 "$rc"
t_match "... with a message naming the option" "bad duration '1x' for --health-interval" "$out"
printf '[defaults]\ninterval = 2s\n[node a]\nurl = %s\nhealth_interval = 1s\n' "$(url 0)" >"$T_TMP/bad.conf"
out=$("$NODETOP" --once -c "$T_TMP/bad.conf" 2>&1); rc=$?
t_eq "health_interval shorter than interval: exit 3" 3 "$rc"
t_match "... naming file, line and problem" 'bad.conf:5: health_interval 1s is shorter than interval 2s in \[node a\]' "$out"
t_done
