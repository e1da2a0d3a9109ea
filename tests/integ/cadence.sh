#!/bin/bash
# tests/integ/cadence.sh - how often /health is asked: every round while a node
# is unsettled, at health_interval (15 s by default) while all its checks pass;
# /metrics every round, and a change there brings /health at once.
# Cadence is counted in rounds (/metrics answers the simulator counted), never
# in seconds: a loaded machine changes how long a round takes, not the cadence.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

sim_start --nodes 7 --scenarios healthy,healthy,healthy,healthy,rpc-outage,healthy,healthy --metrics-size 20k ||
	{ t_fail "simulator starts"; t_done; }
url() { sim_url "$1"; }
# counts INDEX: "HEALTH METRICS", the requests the simulated node has received
# (one snapshot of the simulator's state: both counts from the same moment).
counts() {
	curl -s --max-time 20 "$(url 0)/control/state" | python3 -c '
import json, sys
n = json.load(sys.stdin)["nodes"][int(sys.argv[1])]
print(n["health_requests"], n["metrics_requests"])' "$1"
}
count() { local h m; read -r h m < <(counts "$1"); if [ "$2" = health ]; then echo "$h"; else echo "$m"; fi; }
test_ge() { [ "$(count "$1" "$2")" -ge "$3" ]; }

# 1 s rounds and time-outs: the simulator answers well within that on a loaded machine.
CONF=$T_TMP/nodetop.conf
cat >"$CONF" <<EOC
[defaults]
interval = 1s
timeout = 1s
[node auto]
url = $(url 0)
[node fast]
url = $(url 1)
health_interval = 1s
[node changes]
url = $(url 2)
health_interval = 60s
[node nometrics]
url = $(url 3)
metrics = false
[node failing]
url = $(url 4)
[node goesdown]
url = $(url 5)
[node every4s]
url = $(url 6)
health_interval = 4s
EOC
NODETOP_STATS=$T_TMP/stats "$NODETOP" --events -c "$CONF" >"$T_TMP/ev.txt" 2>"$T_TMP/ev.err" &
NT=$!; t_track "$NT"
seen() { grep -Eq -- "$1" "$T_TMP/ev.txt"; }
wait_until seen 'node goesdown unknown -> up' || t_fail "the first round"

# Eight rounds of the node whose checks all pass.
t_check "a node whose checks pass: /metrics every round (8 rounds reach the simulator)" wait_until test_ge 0 metrics 8
read -r h m < <(counts 0)
echo "# figure all checks passing, 1 s interval: /health asked $h times in $m rounds"
t_check "... and /health once, not every round (15 s by default; $h in $m rounds)" test "$h" -le 2
t_check "health_interval = 1s: /health every round (8 of them)" wait_until test_ge 1 health 8
t_check "metrics = false: /health every round (8 of them)" wait_until test_ge 3 health 8
t_eq "metrics = false: /metrics never asked" 0 "$(count 3 metrics)"
t_check "a node with a failing check (207): /health every round (8 of them)" wait_until test_ge 4 health 8
# health_interval = 4s: asked again and again, but every 4th round, not every one.
t_check "health_interval = 4s, all checks passing: /health asked repeatedly (3 times)" wait_until test_ge 6 health 3
read -r h m < <(counts 6)
t_check "health_interval = 4s: ... not every round ($h /health in $m rounds)" test "$m" -ge $((h + 3))

# A check that starts failing shows in /metrics (health{service_id} 0) at the
# next round: /health is asked at once, not at the node's health_interval (60 s
# here: the rounds the test itself takes on a loaded machine to see the event
# and read the counts are few against 60).
read -r h0 m0 < <(counts 2)
psim_t0=$(ms_now)
sim_scenario 2 rpc-outage
t_check "rpc outage: the rpc indicator goes down" wait_until seen 'rpc changes (up|degraded) -> down'
t_check "rpc outage: the node's failing check (from /health)" wait_until seen 'node changes up -> degraded'
read -r h1 m1 < <(counts 2)
echo "# figure check failure shown $(( $(ms_now) - psim_t0 )) ms, $((m1 - m0)) rounds after the switch (health_interval 60 s)"
t_check "... at once, not at the 60 s health interval ($((m1 - m0)) rounds after the switch)" test $((m1 - m0)) -le 20
t_check "... and /health is then asked every round" wait_until test_ge 2 health $((h1 + 4))
read -r h2 m2 < <(counts 2)
t_check "... every round: $((h2 - h1)) /health for $((m2 - m1)) /metrics" test $((m2 - m1)) -le $((h2 - h1 + 1))

# A node that goes away: /metrics fails, /health is asked at once.
sim_scenario 5 down
t_check "a node that goes down: shown down" wait_until seen 'node goesdown up -> down'
read -r h0 m0 < <(counts 5)
sim_scenario 5 healthy
t_check "and back up (asked every round while down)" wait_until seen 'node goesdown down -> up'
read -r h1 m1 < <(counts 5)
t_check "... at the first rounds after it listens again ($((m1 - m0)) rounds, $((h1 - h0)) /health)" test $((m1 - m0)) -le 2 -a $((h1 - h0)) -ge 1

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
