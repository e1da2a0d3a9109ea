#!/bin/bash
# tests/integ/once.sh - `nodetop --once [--json|--summary]` and `--status-line`
# against nodetop-sim, one simulated node per scenario: exit codes, states, errors.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

SCEN=(healthy rpc-outage db-outage starting legacy garbage html http-error ratelimit unauthorized slow trickle huge hostile rpc-degraded down)
list=$(IFS=,; echo "${SCEN[*]}")
sim_start --nodes ${#SCEN[@]} --scenarios "$list" --slow-ms 8000 || { t_fail "simulator starts"; t_done; }
url() { local i; for i in "${!SCEN[@]}"; do [ "${SCEN[$i]}" = "$1" ] && sim_url "$i"; done; }

# jq-like field access with python3: jget JSON EXPR (EXPR over d = the document)
jget() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(eval(sys.argv[1]))' "$2" <<<"$1"; }

# (a generous --timeout: a loaded machine is no reason for a healthy node to time out)
once() { # once SCENARIO [ARGS...]: runs --once --json on that node; sets OUT and RC
	local s=$1; shift
	OUT=$("$NODETOP" --once --json --interval 10s --timeout 10s "$@" "$(url "$s")" 2>"$T_TMP/err"); RC=$?
}

once healthy
t_eq "healthy: exit 0 (OK)" 0 "$RC"
t_eq "healthy: status OK" OK "$(jget "$OUT" 'd["status"]')"
t_eq "healthy: node up" up "$(jget "$OUT" 'd["nodes"][0]["state"]')"
t_eq "healthy: database up" up "$(jget "$OUT" 'd["nodes"][0]["database"]["state"]')"
t_eq "healthy: rpc up" up "$(jget "$OUT" 'd["nodes"][0]["rpc"]["state"]')"
t_check "healthy: at least 20 checks, all passing" test "$(jget "$OUT" 'sum(1 for c in d["nodes"][0]["checks"] if c["status"]=="passing")')" -ge 20
t_check "healthy: RPC nodes alive on a chain" test "$(jget "$OUT" 'd["nodes"][0]["rpc"]["chains"][0]["alive"]')" -ge 1
t_check "healthy: head height known" test "$(jget "$OUT" 'int(d["nodes"][0]["rpc"]["chains"][0]["head"])')" -gt 0
t_match "healthy: version from the version metric" '^[0-9]+\.[0-9]+' "$(jget "$OUT" 'd["nodes"][0]["version"]')"

once rpc-outage
t_eq "rpc outage: exit 2 (CRITICAL)" 2 "$RC"
t_eq "rpc outage: node degraded (a check fails)" degraded "$(jget "$OUT" 'd["nodes"][0]["state"]')"
t_eq "rpc outage: rpc down" down "$(jget "$OUT" 'd["nodes"][0]["rpc"]["state"]')"
t_match "rpc outage: HeadListener failing with its output" 'HeadTracker.HeadListener failing Listener connected = false' \
	"$(jget "$OUT" '"\n".join(c["name"]+" "+c["status"]+" "+c["output"] for c in d["nodes"][0]["checks"])')"
t_eq "rpc outage: database still up" up "$(jget "$OUT" 'd["nodes"][0]["database"]["state"]')"

once db-outage
t_eq "db outage: exit 2" 2 "$RC"
t_eq "db outage: database down" down "$(jget "$OUT" 'd["nodes"][0]["database"]["state"]')"
t_eq "db outage: node itself up" up "$(jget "$OUT" 'd["nodes"][0]["state"]')"

once starting
t_eq "starting: exit 1 (WARNING)" 1 "$RC"
t_eq "starting: state starting" starting "$(jget "$OUT" 'd["nodes"][0]["state"]')"

once legacy
t_eq "legacy (pre-v2.8 names): rpc judged from evm_pool_rpc_node_states" up "$(jget "$OUT" 'd["nodes"][0]["rpc"]["state"]')"

once rpc-degraded
t_eq "one RPC node of two unreachable: rpc degraded" degraded "$(jget "$OUT" 'd["nodes"][0]["rpc"]["state"]')"
t_eq "rpc degraded: exit 1" 1 "$RC"

once garbage
t_eq "garbage: node down" down "$(jget "$OUT" 'd["nodes"][0]["state"]')"
t_match "garbage: error says the body is unparsable" 'unparsable' "$(jget "$OUT" 'd["nodes"][0]["error"]')"

once html
t_match "HTML error page with 200: error names HTML" 'HTML' "$(jget "$OUT" 'd["nodes"][0]["error"]')"

once http-error
t_match "HTTP 500: error names the status" 'HTTP 500' "$(jget "$OUT" 'd["nodes"][0]["error"]')"

once ratelimit
t_match "HTTP 429: error names the status" 'HTTP 429' "$(jget "$OUT" 'd["nodes"][0]["error"]')"

once unauthorized
t_eq "metrics 401: node still up" up "$(jget "$OUT" 'd["nodes"][0]["state"]')"
t_eq "metrics 401: database unknown, not down" unknown "$(jget "$OUT" 'd["nodes"][0]["database"]["state"]')"

# The simulator's slow node answers after 8 s, its trickling node never ends:
# --once gives up at its own limit and says so (how long that takes on this
# machine is a figure, not a check: bench/ measures time).
start=$(ms_now)
once slow --timeout 1s
echo "# figure --once against a node answering after 8 s, --timeout 1s: $(( $(ms_now) - start )) ms"
t_match "slow node: timed out with the limit in the message" 'timed out after 1000 ms' "$(jget "$OUT" 'd["nodes"][0]["error"]')"
t_eq "slow node: --once ends with CRITICAL (2), not waiting for the answer" 2 "$RC"

start=$(ms_now)
once trickle --timeout 1s
echo "# figure --once against a node trickling 1 byte/s, --timeout 1s: $(( $(ms_now) - start )) ms"
t_match "trickle: timed out after the limit (the trickle does not extend it)" 'timed out after 1000 ms' "$(jget "$OUT" 'd["nodes"][0]["error"]')"
t_eq "trickle: --once ends with CRITICAL (2)" 2 "$RC"

once huge
t_match "huge body: stopped at the size cap" 'body larger than' "$(jget "$OUT" 'd["nodes"][0]["error"]')"

once down
t_match "closed port: connection refused" 'connection refused' "$(jget "$OUT" 'd["nodes"][0]["error"]')"
t_eq "closed port: exit 2" 2 "$RC"

OUT=$("$NODETOP" --once --interval 10s --timeout 10s "$(url hostile)" 2>&1)
no_ctrl() { ! printf '%s' "$1" | tr -d '\n\t' | LC_ALL=C grep -q '[[:cntrl:]]'; }
t_check "hostile: text report holds no ESC or other control byte" no_ctrl "$OUT"
t_match "hostile: escape sequences shown escaped" '\\x1b' "$OUT"
once hostile
t_check "hostile: JSON is valid" python3 -c 'import json,sys; json.loads(sys.argv[1])' "$OUT"

# Text report and the exit code for several nodes at once.
OUT=$("$NODETOP" --once --interval 10s --timeout 10s "$(url healthy)" "$(url db-outage)" 2>&1); RC=$?
t_eq "two nodes, one db outage: exit 2" 2 "$RC"
t_match "text report names the database outage" 'db_conns_open' "$OUT"
t_match "text report header says CRITICAL" 'CRITICAL' "$(printf '%s\n' "$OUT" | head -1)"

OUT=$("$NODETOP" --once 2>&1 </dev/null); RC=$?
t_eq "no nodes: exit 3 (UNKNOWN)" 3 "$RC"

OUT=$("$NODETOP" --once --summary --interval 10s --timeout 10s "$(url rpc-outage)" 2>&1)
t_match "summary lists the failing check and its output" 'Listener connected = false' "$OUT"

OUT=$("$NODETOP" --status-line --timeout 30s --interval 30s "$(url healthy)" "$(url rpc-outage)" 2>&1); RC=$?  # a loaded machine's time
t_match "status line: nodes up and the rpc problem" '^CL [0-9]/2 .*rpc' "$OUT"
t_eq "status line: exit code as --once" 2 "$RC"

# Issue 12: one poll knows no durations and no availability; plugin output.
once db-outage
t_eq "one poll: the state's since is not observed" False "$(jget "$OUT" 'd["nodes"][0]["since_observed"]')"
t_eq "one poll: the database's since is not observed" False "$(jget "$OUT" 'd["nodes"][0]["database"]["since_observed"]')"
t_eq "one poll: no availability over milliseconds" "None None" \
	"$(jget "$OUT" 'str(d["nodes"][0]["database"]["uptime_percent"]["1h"]) + " " + str(d["nodes"][0]["database"]["uptime_percent"]["24h"])')"
t_eq "JSON: schema_version 1" 1 "$(jget "$OUT" 'd["schema_version"]')"
t_check "JSON: the process start from uptime_seconds" test "$(jget "$OUT" 'd["nodes"][0]["process_started"] is not None')" = True
OUT=$("$NODETOP" --once --interval 10s --timeout 10s "$(url healthy)" "$(url db-outage)" 2>&1)
t_nomatch "--once text: no '(0s)' or 'for 0s' after one poll" '\(0s\)|for 0s' "$OUT"
t_nomatch "--once text: no uptime percentages after one poll" '100\.00%' "$OUT"
PERF=$(head -1 <<<"$OUT" | sed -n 's/^[^|]* | //p')
t_match "--once text: performance data after '|' on the first line" '_latency=[0-9.]+s;;;0' "$PERF"
t_check "--once text: every perfdata item is label=value[unit];warn;crit;min;max" python3 -c '
import re,sys
item = re.compile(r"^(\x27([^\x27]|\x27\x27)*\x27|[^ \x27=]+)=-?[0-9]+(\.[0-9]+)?[a-zA-Z%]*(;(-?[0-9]+(\.[0-9]+)?)?){0,4}$")
items = sys.argv[1].split(" ")
sys.exit(0 if items and all(item.match(i) for i in items) else 1)' "$PERF"
t_match "--once text: DB connections per node" '_db_conns_open=0;;;0;20' "$PERF"

# Config errors name file, line and problem and exit non-zero.
printf '[node a]\nurl = http://127.0.0.1:1\nintervall = 5s\n' >"$T_TMP/bad.conf"
OUT=$("$NODETOP" --once -c "$T_TMP/bad.conf" 2>&1); RC=$?
t_match "bad config: message names file, line and key" 'bad.conf:3: .*intervall' "$OUT"
t_check "bad config: non-zero exit" test "$RC" -ne 0

t_done
