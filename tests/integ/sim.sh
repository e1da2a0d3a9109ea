#!/bin/bash
# tests/integ/sim.sh - black-box tests of nodetop-sim over real HTTP with curl:
# /health, /metrics, every scenario, control endpoint and file, keep-alive, limits, 1000 nodes.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

FIX="$TESTDATA/chainlink"
SCEN=(healthy rpc-outage starting legacy legacy-rpc-outage rpc-degraded db-outage db-exhausted
      hostile http-error unauthorized ratelimit garbage html slow trickle huge down flapping)
list=$(IFS=,; echo "${SCEN[*]}")
CTL="$T_TMP/control"
: >"$CTL"
sim_start --nodes ${#SCEN[@]} --scenarios "$list" --chains 2 --slow-ms 10000 --flap-ms 1000 \
	--control-file "$CTL" || { t_fail "simulator starts"; t_done; }
MAIN_PID=$SIM_PID MAIN_BASE=$SIM_BASE MAIN_PORTS=("${SIM_PORTS[@]}") MAIN_LOG=$SIM_LOG
idx() { local i; for i in "${!SCEN[@]}"; do [ "${SCEN[$i]}" = "$1" ] && echo "$i"; done; }
port() { echo "${MAIN_PORTS[$(idx "$1")]}"; }
url() { echo "http://127.0.0.1:$(port "$1")$2"; }
# code URL [CURL ARGS...]: HTTP status (000 when the connection failed)
# (-m: only ends a hang; a loaded machine is no reason for a request to fail)
code() { local u=$1; shift; curl -s -m 60 -o /dev/null -w '%{http_code}' "$@" "$u"; }
get() { local u=$1; shift; curl -s -m 60 "$@" "$u"; }
# jget JSON EXPR: python3 expression over d, the parsed document
jget() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(eval(sys.argv[1]))' "$2" <<<"$1"; }
isjson() { python3 -c 'import json,sys; json.loads(sys.stdin.buffer.read())' 2>/dev/null; }
metric() { grep -E "^$2( |\{)" <<<"$1" | head -1 | awk '{print $NF}'; }   # metric BODY NAME[{...}]
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# ---------------------------------------------------------------- start-up
t_match "prints one line per node" "^node 0 127\.0\.0\.1:$MAIN_BASE healthy$" "$(cat "$MAIN_LOG")"
t_eq "prints all ${#SCEN[@]} node lines" ${#SCEN[@]} "$(grep -c '^node [0-9]* 127.0.0.1:[0-9]* ' "$MAIN_LOG")"

# ---------------------------------------------------------------- /health (JSON)
H=$(get "$(url healthy /health)")
t_eq "healthy: /health 200" 200 "$(code "$(url healthy /health)")"
t_match "healthy: JSON:API content type" '^Content-Type: application/vnd.api\+json' \
	"$(curl -s -D - -o /dev/null "$(url healthy /health)" | tr -d '\r')"
t_check "healthy: body is valid JSON" isjson <<<"$H"
t_eq "healthy: compact on the wire (no spaces after colons)" 0 "$(grep -c '": ' <<<"$H")"
t_eq "healthy: every check passing" 0 "$(jget "$H" 'sum(1 for c in d["data"] if c["attributes"]["status"]!="passing")')"
t_eq "healthy: entries sorted by name, id == name, type checks" True \
	"$(jget "$H" '[c["id"] for c in d["data"]]==sorted(c["attributes"]["name"] for c in d["data"]) and all(c["type"]=="checks" for c in d["data"])')"
names=$(jget "$H" '"\n".join(c["id"] for c in d["data"])')
for n in BridgeStatusReporter EVM.1 EVM.1.BalanceMonitor EVM.1.HeadBroadcaster EVM.1.HeadTracker \
	EVM.1.HeadTracker.HeadListener EVM.1.LogBroadcaster EVM.1.Relayer EVM.1.Txm EVM.1.Txm.BlockHistoryEstimator \
	EVM.1.Txm.Broadcaster EVM.1.Txm.Confirmer EVM.1.Txm.Finalizer EVM.1.Txm.WrappedEvmEstimator HeadReporter \
	Heartbeat JobSpawner Mailbox.Monitor Mercury.WSRPCPool PipelineORM PipelineRunner PipelineRunner.BridgeCache \
	TelemetryManager EVM.10.HeadTracker.HeadListener; do
	grep -qx "$n" <<<"$names" || missing="${missing:-}$n "
done
t_eq "healthy: real check names, two chains (EVM.1, EVM.10): none missing" "" "${missing:-}"
t_eq "healthy: ?failing is an empty list with 200" '200 {"data":[]}' \
	"$(code "$(url healthy '/health?failing')") $(get "$(url healthy '/health?failing')")"

R=$(get "$(url rpc-outage /health)")
t_eq "rpc-outage: /health 207" 207 "$(code "$(url rpc-outage /health)")"
t_check "rpc-outage: valid JSON" isjson <<<"$R"
t_eq "rpc-outage: failing = the HeadListener of each chain" \
	"EVM.1.HeadTracker.HeadListener EVM.10.HeadTracker.HeadListener" \
	"$(jget "$R" '" ".join(c["id"] for c in d["data"] if c["attributes"]["status"]=="failing")')"
t_eq "rpc-outage: output text" "Listener connected = false, receiving heads = false" \
	"$(jget "$R" '[c["attributes"]["output"] for c in d["data"] if c["attributes"]["status"]=="failing"][0]')"
F=$(get "$(url rpc-outage '/health?failing')")
t_eq "rpc-outage: ?failing lists only the 2 failing checks, still 207" "207 2 True" \
	"$(code "$(url rpc-outage '/health?failing')") $(jget "$F" 'len(d["data"])') $(jget "$F" 'all(c["attributes"]["status"]=="failing" for c in d["data"])')"

# ---------------------------------------------------------------- /health text variant
T=$(get "$(url rpc-outage /health.txt)")
T2=$(get "$(url rpc-outage /health)" -H 'Accept: text/plain')
t_eq "text: /health.txt == /health with Accept: text/plain" "$T" "$T2"
t_match "text: passing line 'ok NAME'" '^ok BridgeStatusReporter$' "$T"
t_match "text: failing line '!  NAME'" '^!  EVM\.1\.HeadTracker\.HeadListener$' "$T"
t_match "text: output prefixed by one TAB" $'^\tListener connected = false, receiving heads = false$' "$T"
t_match "text: text/plain content type" '^Content-Type: text/plain' \
	"$(curl -s -D - -o /dev/null "$(url rpc-outage /health.txt)" | tr -d '\r')"
t_eq "text: Accept: application/json, text/plain picks JSON (first match wins)" True \
	"$(get "$(url healthy /health)" -H 'Accept: application/json, text/plain' | python3 -c 'import json,sys; json.load(sys.stdin); print(True)')"

# ---------------------------------------------------------------- starting
t_eq "starting: /health 204" 204 "$(code "$(url starting /health)")"
t_eq "starting: empty body" 0 "$(get "$(url starting /health)" | wc -c)"
t_eq "starting: /metrics /readyz /health.txt /nope all 503" "503 503 503 503" \
	"$(code "$(url starting /metrics)") $(code "$(url starting /readyz)") $(code "$(url starting /health.txt)") $(code "$(url starting /nope)")"

# ---------------------------------------------------------------- readyz, 404, 405
t_eq "readyz: 200 with an empty body" "200 0" "$(code "$(url healthy /readyz)") $(get "$(url healthy /readyz)" | wc -c)"
t_eq "unknown path: 404" 404 "$(code "$(url healthy /nope)")"
t_eq "POST /health: 405" 405 "$(code "$(url healthy /health)" -X POST)"
t_eq "DELETE /metrics: 405" 405 "$(code "$(url healthy /metrics)" -X DELETE)"

# ---------------------------------------------------------------- /metrics content
M=$(get "$(url healthy /metrics)")
t_match "metrics: Prometheus text content type" '^Content-Type: text/plain; version=0\.0\.4' \
	"$(curl -s -D - -o /dev/null "$(url healthy /metrics)" | tr -d '\r')"
for f in db_conns_max db_conns_open db_conns_used db_wait_count db_wait_time_seconds sql_query_timeout_percent \
	multi_node_states pool_rpc_node_highest_seen_block pool_rpc_node_highest_finalized_block pool_rpc_node_polls_total \
	pool_rpc_node_polls_failed pool_rpc_node_polls_success pool_rpc_node_num_transitions_to_alive \
	pool_rpc_node_num_transitions_to_unreachable pool_rpc_node_client_version head_tracker_current_head \
	head_tracker_very_old_head head_tracker_heads_received head_tracker_connection_errors health uptime_seconds \
	version tx_manager_num_broadcasted tx_manager_num_confirmed_transactions tx_manager_num_gas_bumps \
	unconfirmed_transactions max_unconfirmed_tx_age max_unconfirmed_blocks eth_balance pipeline_run_errors \
	pipeline_tasks_total_finished pipeline_runs_queued pipeline_task_runs_queued log_error_count log_critical_count \
	log_warn_count log_panic_count go_goroutines go_memstats_heap_alloc_bytes go_gc_duration_seconds \
	process_resident_memory_bytes process_cpu_seconds_total process_open_fds mailbox_load_percent; do
	grep -q "^# HELP $f " <<<"$M" && grep -q "^# TYPE $f " <<<"$M" || nohelp="${nohelp:-}$f "
done
t_eq "metrics: HELP and TYPE for every family named in ENDPOINTS.md: none missing" "" "${nohelp:-}"
t_eq "metrics: valid exposition (families contiguous, typed, samples well-formed)" ok "$(python3 - <<'EOF' 3<<<"$M"
import re, os
text = os.fdopen(3).read()
types, seen, cur, bad = {}, set(), None, []
sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*",?)*\})? (\S+)$')
for line in text.splitlines():
    if line.startswith('# TYPE '):
        _, _, name, typ = line.split(' ', 3)
        if name in seen: bad.append('family twice: ' + name)
        seen.add(name); types[name] = typ; cur = name
        continue
    if line.startswith('#') or not line: continue
    m = sample.match(line)
    if not m: bad.append('bad line: ' + line); continue
    n = m.group(1); base = re.sub(r'_(bucket|sum|count)$', '', n)
    if n != cur and base != cur: bad.append('sample outside its family: ' + line)
    float(m.group(5).replace('+Inf', 'inf'))
print('ok' if not bad else bad[:3])
EOF
)"
t_eq "metrics: multi_node_states has all 11 states per chain (2 chains)" 22 "$(grep -c '^multi_node_states{' <<<"$M")"
t_eq "metrics: healthy Alive=2 Unreachable=0" "2 0" \
	"$(metric "$M" 'multi_node_states\{chainId="1",network="EVM",state="Alive"\}') $(metric "$M" 'multi_node_states\{chainId="1",network="EVM",state="Unreachable"\}')"
t_eq "metrics: health{service_id} 1 per passing check" "$(jget "$H" 'len(d["data"])')" "$(grep -c '^health{service_id=".*"} 1$' <<<"$M")"
t_match "metrics: version 2.27.2" '^version\{commit="[0-9a-f]+",version="2\.27\.2"\} 1$' "$M"
t_match "metrics: head_tracker_heads_received{ChainID} (capital C)" '^head_tracker_heads_received\{ChainID="1"\} ' "$M"
t_match "metrics: go_gc_duration_seconds summary" '^go_gc_duration_seconds\{quantile="0\.5"\} ' "$M"
up=$(metric "$M" uptime_seconds)
t_eq "metrics: uptime_seconds in 15 s steps" 0 "$(( ${up%.*} % 15 ))"
size=$(get "$(url healthy /metrics)" | wc -c)
t_check "metrics: default size about 100 KB ($size bytes)" test "$size" -gt 85000 -a "$size" -lt 115000

RM=$(get "$(url rpc-outage /metrics)")
t_eq "rpc-outage: Alive=0 Unreachable=2 (all)" "0 2" \
	"$(metric "$RM" 'multi_node_states\{chainId="10",network="EVM",state="Alive"\}') $(metric "$RM" 'multi_node_states\{chainId="10",network="EVM",state="Unreachable"\}')"
t_eq "rpc-outage: health{HeadListener} 0" 0 "$(metric "$RM" 'health\{service_id="EVM.1.HeadTracker.HeadListener"\}')"
DM=$(get "$(url rpc-degraded /metrics)")
t_eq "rpc-degraded: Alive=1 Unreachable=1" "1 1" \
	"$(metric "$DM" 'multi_node_states\{chainId="1",network="EVM",state="Alive"\}') $(metric "$DM" 'multi_node_states\{chainId="1",network="EVM",state="Unreachable"\}')"
t_eq "rpc-degraded: /health 200, HeadListener passing" 200 "$(code "$(url rpc-degraded /health)")"

# heads move on a healthy node and stay frozen in an outage (chain 10: one head every 2 s)
h1=$(metric "$M" 'head_tracker_current_head\{evmChainID="10"\}'); r1=$(metric "$M" 'head_tracker_heads_received\{ChainID="10"\}')
o1=$(metric "$RM" 'head_tracker_current_head\{evmChainID="10"\}'); or1=$(metric "$RM" 'head_tracker_heads_received\{ChainID="10"\}')
E1=$(get "$(url db-exhausted /metrics)")
# wait for two new heads on the healthy node (at least 2 s of the simulator's
# time since M and RM) and for the exhausted pool's wait count to move on from
# E1 (4 a second), then compare; a count that never moves fails below
head10() { metric "$(get "$(url healthy /metrics)")" 'head_tracker_current_head\{evmChainID="10"\}'; }
waits() { metric "$(get "$(url db-exhausted /metrics)")" db_wait_count; }
# the outage's connection errors (one per 5 s) too: their count must move on from RM
cerrs() { metric "$(get "$(url rpc-outage /metrics)")" 'head_tracker_connection_errors\{ChainID="10"\}'; }
ce1=$(metric "$RM" 'head_tracker_connection_errors\{ChainID="10"\}')
moved_on() { awk -v a="$(head10)" -v b="$h1" -v c="$(waits)" -v d="$(metric "$E1" db_wait_count)" \
	-v e="$(cerrs)" -v f="$ce1" 'BEGIN { exit !(a + 0 >= b + 2 && c + 0 > d + 0 && e + 0 > f + 0) }'; }
wait_until moved_on
M2=$(get "$(url healthy /metrics)"); RM2=$(get "$(url rpc-outage /metrics)"); E2=$(get "$(url db-exhausted /metrics)")
h2=$(metric "$M2" 'head_tracker_current_head\{evmChainID="10"\}'); r2=$(metric "$M2" 'head_tracker_heads_received\{ChainID="10"\}')
t_check "healthy: head grows ($h1 -> $h2)" python3 -c "import sys; sys.exit(not float('$h2') > float('$h1'))"
t_check "healthy: heads_received grows ($r1 -> $r2)" python3 -c "import sys; sys.exit(not float('$r2') > float('$r1'))"
t_eq "rpc-outage: head frozen" "$o1" "$(metric "$RM2" 'head_tracker_current_head\{evmChainID="10"\}')"
t_eq "rpc-outage: heads_received frozen" "$or1" "$(metric "$RM2" 'head_tracker_heads_received\{ChainID="10"\}')"
ce2=$(metric "$RM2" 'head_tracker_connection_errors\{ChainID="10"\}')
t_check "rpc-outage: connection_errors counter grows ($ce1 -> $ce2)" test "${ce2:-0}" -gt "${ce1:-0}"

# ---------------------------------------------------------------- database scenarios
DB=$(get "$(url db-outage /metrics)")
t_eq "db-outage: open 0, used 0, max 20" "0 0 20" "$(metric "$DB" db_conns_open) $(metric "$DB" db_conns_used) $(metric "$DB" db_conns_max)"
t_eq "db-outage: /health still 200 (no database check)" 200 "$(code "$(url db-outage /health)")"
t_eq "db-exhausted: used == max" "20 20" "$(metric "$E2" db_conns_used) $(metric "$E2" db_conns_max)"
t_check "db-exhausted: db_wait_count grows ($(metric "$E1" db_wait_count) -> $(metric "$E2" db_wait_count))" \
	test "$(metric "$E2" db_wait_count)" -gt "$(metric "$E1" db_wait_count)"

# ---------------------------------------------------------------- legacy
LG=$(get "$(url legacy /metrics)")
t_match "legacy: evm_pool_rpc_node_states{evmChainID,state}" '^evm_pool_rpc_node_states\{evmChainID="1",state="Alive"\} 2$' "$LG"
t_match "legacy: evm_pool_rpc_node_* per node" '^evm_pool_rpc_node_highest_seen_block\{evmChainID="1",nodeName=' "$LG"
t_eq "legacy: no multi_node_states nor pool_rpc_node_*" 0 "$(grep -c '^multi_node_states\|^pool_rpc_node_' <<<"$LG")"
t_match "legacy: v2.9 text form -NAME" '^-BridgeStatusReporter$' "$(get "$(url legacy /health.txt)")"
t_eq "legacy-rpc-outage: 200 although a check fails" 200 "$(code "$(url legacy-rpc-outage /health)")"
LF=$(get "$(url legacy-rpc-outage /health)")
t_eq "legacy-rpc-outage: the body says failing" "failing" \
	"$(jget "$LF" '[c["attributes"]["status"] for c in d["data"] if c["id"]=="EVM.1.HeadTracker.HeadListener"][0]')"
t_match "legacy-rpc-outage: text !NAME" '^!EVM\.1\.HeadTracker\.HeadListener$' "$(get "$(url legacy-rpc-outage /health.txt)")"

# ---------------------------------------------------------------- error scenarios
t_eq "http-error: 500 with a body" "500 yes" \
	"$(code "$(url http-error /health)") $(test "$(get "$(url http-error /health)" | wc -c)" -gt 0 && echo yes)"
t_eq "unauthorized: /metrics 401 'invalid or missing token'" "401 invalid or missing token" \
	"$(code "$(url unauthorized /metrics)") $(get "$(url unauthorized /metrics)")"
t_eq "unauthorized: /health needs no auth (200)" 200 "$(code "$(url unauthorized /health)")"
t_match "ratelimit: 429 with Retry-After" '^HTTP/1.1 429 .*Retry-After: [0-9]+' \
	"$(curl -s -D - -o /dev/null "$(url ratelimit /metrics)" | tr -d '\r' | tr '\n' ' ')"
t_eq "garbage: 200 with NUL and invalid UTF-8 on /health and /metrics" "200 True True" \
	"$(code "$(url garbage /health)") $(get "$(url garbage /health)" | python3 -c 'import sys
b=sys.stdin.buffer.read()
try: b.decode("utf-8"); print(False)
except UnicodeDecodeError: print(b"\0" in b)') $(get "$(url garbage /metrics)" | python3 -c 'import sys; b=sys.stdin.buffer.read(); print(b"\0" in b)')"
t_match "html: 200 text/html page" '^HTTP/1.1 200 .*Content-Type: text/html.*<html' \
	"$(curl -s -i "$(url html /health)" | tr -d '\r' | tr '\n' ' ')"

# ---------------------------------------------------------------- hostile
HT=$(get "$(url hostile /health.txt)")
t_check "hostile: raw ESC [2J in the text variant" grep -q $'\x1b\\[2J' <<<"$HT"
t_check "hostile: raw OSC title sequence with BEL" grep -q $'\x1b\\]0;pwned\a' <<<"$HT"
t_check "hostile: raw CR in a check name" grep -q $'Hostile.CR\rok Spoofed' <<<"$HT"
HJ=$(get "$(url hostile /health)")
t_check "hostile: JSON still valid" isjson <<<"$HJ"
t_match "hostile: ESC escaped as \\u001b in JSON" 'Hostile\.\\u001b\[2J' "$HJ"
t_check "hostile: raw U+202E and U+009B bytes in JSON" python3 -c "import sys
b=open(sys.argv[1],'rb').read() if False else sys.stdin.buffer.read()
sys.exit(not (b'\xe2\x80\xae' in b and b'\xc2\x9b' in b))" <<<"$HJ"
HM=$(curl -s "$(url hostile /metrics)" | tr -d '\0')
t_check "hostile: raw ESC in metric label values" grep -q $'evmChainID="\x1b\\]0;pwned' <<<"$HM"
t_check "hostile: invalid UTF-8 in a label value" python3 -c 'import sys; sys.exit(not b"appID=\"\xff\xfe" in sys.stdin.buffer.read())' < <(curl -s "$(url hostile /metrics)")
t_match "hostile: NaN, +Inf and 1e999 values" '^db_conns_used NaN$' "$HM"
t_match "hostile: +Inf" '^process_resident_memory_bytes \+Inf$' "$HM"
t_match "hostile: 1e999" '\} 1e999$' "$HM"
t_check "hostile: duplicate series" test "$(grep -c '^uptime_seconds ' <<<"$HM")" -ge 2

# ---------------------------------------------------------------- slow, trickle, huge
# A /health of the slow node (--slow-ms 10000) is pending while the other
# requests are answered: the order of completion shows the loop is not blocked.
s0=$(ms_now)
python3 - "$(port slow)" "$T_TMP/slow" <<'EOF' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
open(sys.argv[2] + ".sent", "w").close()
s.settimeout(120); first = s.recv(100)
open(sys.argv[2] + ".code", "w").write(first.split(b" ")[1].decode() if first.count(b" ") else "none")
open(sys.argv[2] + ".done", "w").write("%d" % int(time.time() * 1000))
EOF
SLOWP=$!
exists() { [ -e "$1" ]; }
wait_until exists "$T_TMP/slow.sent"
c=$(code "$(url slow /control/scenario?name=slow)" -X POST)
t_check "slow: control answered while the slow node's /health is pending" test "$c" = 200 -a ! -e "$T_TMP/slow.done"
c=$(code "$(url healthy /health)")
t_check "slow: does not block the loop (another node answers meanwhile)" test "$c" = 200 -a ! -e "$T_TMP/slow.done"
wait "$SLOWP"
ms=$(( $(cat "$T_TMP/slow.done") - s0 ))
t_check "slow: answers 200 after the delay, not before it (${ms} ms >= 10000)" test "$(cat "$T_TMP/slow.code")" = 200 -a "$ms" -ge 9900
# 4 bytes, one at a time: they cannot come faster than one a second (a loaded
# machine can only make them slower), and the connection stays open.
got=$(python3 - "$(port trickle)" <<'EOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
s.settimeout(120); n = 0; t = []
while n < 4:
    d = s.recv(1)
    if not d: break
    n += 1; t.append(time.monotonic())
print(n, int((t[-1] - t[0]) * 1000) if n > 1 else 0)
EOF
)
t_check "trickle: one byte per second (4 bytes, first to last: ${got#* } ms >= 2900)" test "${got% *}" = 4 -a "${got#* }" -ge 2900
rss0=$(rss_kb "$MAIN_PID")
hb=$(curl -s -m 300 "$(url huge /metrics)" | head -c 50000001 | wc -c)
t_check "huge: /metrics streams on past 50 MB ($hb bytes read)" test "$hb" -gt 50000000
t_match "huge: chunked transfer encoding" 'Transfer-Encoding: chunked' "$(curl -s -m 300 -D - "$(url huge /health)" 2>/dev/null | head -c 4000 | tr -d '\r' | sed '/^$/q')"
hj=$(curl -s -m 300 "$(url huge /health)" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]) > 1000000)')
t_eq "huge: /health is one valid 400 MB JSON document" True "$hj"
rss1=$(rss_kb "$MAIN_PID")
t_check "huge: RSS stays small (${rss0} -> ${rss1} kB)" test "$rss1" -lt 51200
t_eq "huge: simulator alive after aborted streams" 200 "$(code "$(url healthy /readyz)")"

# ---------------------------------------------------------------- control
t_check "control: sim_scenario 0 rpc-outage" sim_scenario 0 rpc-outage
t_eq "control: node 0 now 207" 207 "$(code "$(url healthy /health)")"
t_check "control: back to healthy" sim_scenario 0 healthy
t_eq "control: node 0 200 again" 200 "$(code "$(url healthy /health)")"
t_eq "control: unknown scenario 400" 400 "$(code "$(url healthy '/control/scenario?name=bogus')" -X POST)"
t_eq "control: GET /control/scenario 405" 405 "$(code "$(url healthy '/control/scenario?name=healthy')")"
t_eq "control: works on a starting node" 200 "$(code "$(url starting '/control/scenario?name=starting')" -X POST)"
t_eq "control: works on a garbage node" 200 "$(code "$(url garbage '/control/scenario?name=garbage')" -X POST)"
ST=$(get "$(url healthy /control/state)")
t_eq "control: /control/state lists every node with index, port, scenario" "${#SCEN[@]} True" \
	"$(jget "$ST" 'len(d["nodes"])') $(jget "$ST" "[n['port'] for n in d['nodes']]==[$(IFS=,; echo "${MAIN_PORTS[*]}")] and all(n['index']==i for i,n in enumerate(d['nodes'])) and d['nodes'][$(idx down)]['scenario']=='down'")"

DOWN=$(idx down)
t_eq "down: connection refused" 000 "$(code "$(url down /health)")"
t_match "down: the port stays taken (bound, not listening), so nothing else can grab it" 'in use' \
	"$(python3 -c 'import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1]))); print("free")
except OSError as e:
    print("in use:", e)' "$(port down)")"
t_eq "down: switched from another node's port (node=INDEX)" 200 \
	"$(code "$(url healthy "/control/scenario?node=$DOWN&name=healthy")" -X POST)"
t_eq "down: listens again" 200 "$(code "$(url down /health)")"
echo "$DOWN down" >"$CTL"
closed() { [ "$(code "$(url down /readyz)")" = 000 ]; }
wait_until closed
t_eq "control file: 'INDEX down' closes the port" 000 "$(code "$(url down /readyz)")"
printf '# comment\n%s rpc-outage\n' "$DOWN" >"$CTL"
relistens() { [ "$(code "$(url down /health)")" = 207 ]; }
wait_until relistens
t_eq "control file: 'INDEX rpc-outage' re-listens with the new scenario" 207 "$(code "$(url down /health)")"
echo "all healthy" >"$CTL"
all_healthy() { [ "$(code "$(url hostile /health)")" = 200 ]; }
wait_until all_healthy
t_eq "control file: 'all healthy'" "200 200 200" \
	"$(code "$(url hostile /health)") $(code "$(url down /health)") $(code "$(url starting /health)")"
t_eq "control: leaving starting restarts the node (uptime 0)" 0 "$(metric "$(get "$(url starting /metrics)")" uptime_seconds)"

# flapping (--flap-ms 1000) alternates 200 and 207
curl -s -o /dev/null -X POST "$(url healthy "/control/scenario?node=$(idx flapping)&name=flapping")"
seen=""
both_codes() { seen="$seen $(code "$1")"; grep -qw 200 <<<"$seen" && grep -qw 207 <<<"$seen"; }
t_check "flapping: /health alternates between 200 and 207" wait_until both_codes "$(url flapping /health)"

# ---------------------------------------------------------------- HTTP behaviour
t_eq "keep-alive: two URLs share one connection" "1 0 " \
	"$(curl -s -o /dev/null -o /dev/null -w '%{num_connects} ' "$(url healthy /health)" "$(url healthy /metrics)")"
t_eq "Connection: close is honoured" "1 1 " \
	"$(curl -s -H 'Connection: close' -o /dev/null -o /dev/null -w '%{num_connects} ' "$(url healthy /health)" "$(url healthy /readyz)")"
sim_scenario "$(idx rpc-outage)" rpc-outage
t_eq "pipelined requests sent in 7-byte pieces: answered in order" "200 207 404 405 200 close" "$(python3 - "$(port rpc-outage)" <<'EOF'
import socket, sys, time, re
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
req = (b"GET /readyz HTTP/1.1\r\nHost: x\r\n\r\nGET /health?failing HTTP/1.1\r\n\r\nGET /nope HTTP/1.1\r\n\r\n"
       b"POST /health HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET /readyz HTTP/1.1\r\nConnection: close\r\n\r\n")
for i in range(0, len(req), 7):
    s.send(req[i:i + 7]); time.sleep(0.002)
s.settimeout(5); data = b""
while True:
    d = s.recv(65536)
    if not d: break
    data += d
codes = re.findall(rb"HTTP/1\.1 (\d+) ", data)
print(" ".join(c.decode() for c in codes) + (" close" if data.endswith(b"\r\n\r\n") else " open"))
EOF
)"
raw() { python3 - "$1" "$2" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.sendall(sys.argv[2].encode("latin1").decode("unicode_escape").encode("latin1"))
s.settimeout(5); data = b""
try:
    while True:
        d = s.recv(65536)
        if not d: break
        data += d
except Exception as e: data += b" " + str(e).encode()
print(data.split(b"\r\n")[0].decode("latin1"))
EOF
}
P0=$MAIN_BASE
t_eq "header block over 16 KB: 431" "HTTP/1.1 431 Request Header Fields Too Large" "$(raw "$P0" "GET /health HTTP/1.1\r\nX-Big: $(head -c 20000 /dev/zero | tr '\0' a)\r\n\r\n")"
t_eq "malformed request line: 400" "HTTP/1.1 400 Bad Request" "$(raw "$P0" 'BAD\r\n\r\n')"
t_eq "binary junk: 400" "HTTP/1.1 400 Bad Request" "$(raw "$P0" '\x00\xff\xfe junk\r\n\r\n')"
t_eq "HTTP/1.0 request answered" "HTTP/1.1 200 OK" "$(raw "$P0" 'GET /readyz HTTP/1.0\r\n\r\n')"
python3 - "$P0" "$T_TMP/loris" <<'EOF' &
import os, socket, sys, time
ss = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(80)]
for s in ss: s.send(b"GET /health HTTP/1.1\r\n")   # slowloris: never finishes
open(sys.argv[2] + ".held", "w").close()
end = time.monotonic() + 120                        # held until the test is done with them
while not os.path.exists(sys.argv[2] + ".release") and time.monotonic() < end: time.sleep(0.05)
for s in ss: s.close()                               # abrupt close
EOF
LORIS=$!
wait_until exists "$T_TMP/loris.held"
t_eq "over 64 connections on a node: others still served" 200 "$(code "$(url rpc-degraded /readyz)")"
: >"$T_TMP/loris.release"
wait "$LORIS"
t_eq "after slowloris and abrupt closes: node answers" 200 "$(code "$(url healthy /readyz)")"

# ---------------------------------------------------------------- clean exit
kill -TERM "$MAIN_PID"; wait "$MAIN_PID"; rc=$?
t_eq "SIGTERM: exit 0 with the loop closed" 0 "$rc"
t_eq "SIGTERM: nothing on stderr about the loop" "" "$(grep 'not closed' "$MAIN_LOG")"

# ---------------------------------------------------------------- token, fixtures, size
sim_start --nodes 2 --scenarios healthy,rpc-outage --token s3cret --metrics-size 20000 || t_fail "token sim starts"
t_eq "token: /metrics without it 401" 401 "$(code "http://127.0.0.1:$SIM_BASE/metrics")"
t_eq "token: wrong token 401" 401 "$(code "http://127.0.0.1:$SIM_BASE/metrics" -H 'Authorization: Bearer nope')"
t_eq "token: body 'invalid or missing token'" "invalid or missing token" "$(get "http://127.0.0.1:$SIM_BASE/metrics")"
t_eq "token: right token 200" 200 "$(code "http://127.0.0.1:$SIM_BASE/metrics" -H 'Authorization: Bearer s3cret')"
t_eq "token: /health needs none" 200 "$(code "http://127.0.0.1:$SIM_BASE/health")"
size=$(get "http://127.0.0.1:$SIM_BASE/metrics" -H 'Authorization: Bearer s3cret' | wc -c)
t_check "metrics-size 20000: about 20 KB ($size bytes)" test "$size" -gt 15000 -a "$size" -lt 25000
t_eq "fixture: /health.txt?failing == health-multichain-failing.txt" "$(sed '/^$/d' "$FIX/health-multichain-failing.txt")" \
	"$(get "$(sim_url 1)/health.txt?failing")"
t_eq "fixture: /health?failing == health-multichain-failing.json" True \
	"$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]) == json.load(open(sys.argv[2])))' \
		"$(get "$(sim_url 1)/health?failing")" "$FIX/health-multichain-failing.json")"
t_eq "fixture: check names == health.json's (chain 1399100 -> 1, no Solana)" True \
	"$(python3 -c 'import json,sys
ours = [c["id"] for c in json.loads(sys.argv[1])["data"]]
fix = [c["id"].replace("1399100", "1") for c in json.load(open(sys.argv[2]))["data"] if not c["id"].startswith("Solana")]
print(ours == fix or (ours, fix))' "$(get "http://127.0.0.1:$SIM_BASE/health")" "$FIX/health.json")"

# ---------------------------------------------------------------- plugin (LOOPP)
sim_start --nodes 1 --plugin || t_fail "plugin sim starts"
B="http://127.0.0.1:$SIM_BASE"
t_eq "plugin: /discovery is Prometheus HTTP SD JSON" True \
	"$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]) == [{"targets":["127.0.0.1:'"$SIM_BASE"'"],"labels":{"__metrics_path__":"/plugins/evm.1/metrics"}}])' "$(get "$B/discovery")")"
PM=$(get "$B/plugins/evm.1/metrics")
t_eq "plugin: /plugins/evm.1/metrics 200" 200 "$(code "$B/plugins/evm.1/metrics")"
t_match "plugin: chain metrics at the plugin path" '^multi_node_states\{chainId="1",network="EVM",state="Alive"\} 2$' "$PM"
t_match "plugin: head tracker at the plugin path" '^head_tracker_current_head\{evmChainID="1"\} ' "$PM"
CM=$(get "$B/metrics")
t_eq "plugin: no chain metrics at /metrics" 0 "$(grep -c '^multi_node_states\|^head_tracker_\|^pool_rpc_node_' <<<"$CM")"
t_match "plugin: /metrics keeps node metrics" '^uptime_seconds ' "$CM"
t_eq "plugin: unknown chain 404" 404 "$(code "$B/plugins/evm.5/metrics")"
t_eq "plugin: check names == health-loopp.json's EVM.1 and core ones" True \
	"$(python3 -c 'import json,sys
ours = sorted(c["id"] for c in json.loads(sys.argv[1])["data"])
fix = sorted(c["id"] for c in json.load(open(sys.argv[2]))["data"] if c["id"].split(".")[0] not in ("Aptos","Cosmos","Solana","StarkNet","Sui","TON","Tron"))
print(ours == fix or (set(ours) ^ set(fix)))' "$(get "$B/health")" "$FIX/health-loopp.json")"

# ---------------------------------------------------------------- cycle
sim_start --nodes 1 --scenarios healthy,rpc-outage --cycle-ms 400 || t_fail "cycle sim starts"
seen=""
t_check "cycle-ms: the node moves through the list (200 and 207)" wait_until both_codes "http://127.0.0.1:$SIM_BASE/health"

# ---------------------------------------------------------------- explicit ports
for try in 1 2 3 4 5; do     # P+1 and P+2 may be taken by someone else's connection: retry
	FP=$(python3 -c 'import random, socket
for _ in range(200):   # below the ephemeral range: client TIME_WAITs there block bind()
    p = random.randrange(20000, 32000); ok = []
    try:
        for q in range(p, p + 3):
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", q)); ok.append(s)
    except OSError: continue
    print(p); break')
	"$NODETOP_SIM" --base-port "$FP" --nodes 3 >"$T_TMP/fixed.log" 2>&1 &
	FIXED=$!
	three_or_gone() { [ "$(grep -c '^node ' "$T_TMP/fixed.log" 2>/dev/null)" = 3 ] || ! kill -0 "$FIXED" 2>/dev/null; }
	wait_until three_or_gone
	kill -0 "$FIXED" 2>/dev/null && break
	wait "$FIXED"
done
t_track "$FIXED"
t_eq "--base-port P: nodes on P, P+1, P+2" "node 2 127.0.0.1:$((FP + 2)) healthy 200" \
	"$(sed -n 3p "$T_TMP/fixed.log") $(code "http://127.0.0.1:$((FP + 2))/health")"
kill -INT "$FIXED"; wait "$FIXED"; rc=$?
t_eq "SIGINT: exit 0" 0 "$rc"

# ---------------------------------------------------------------- bind failure
out=$("$NODETOP_SIM" --base-port "$SIM_BASE" 2>&1); rc=$?
t_eq "port in use: exit 1" 1 "$rc"
t_match "port in use: clear message" 'cannot listen on 127\.0\.0\.1:[0-9]+: address already in use' "$out"
t_eq "unknown scenario on the command line: exit 1" 1 "$("$NODETOP_SIM" --scenario nope >/dev/null 2>&1; echo $?)"

# ---------------------------------------------------------------- 1000 nodes
"$NODETOP_SIM" --base-port 0 --nodes 1000 --port-file "$T_TMP/ports" --metrics-size 100000 >"$T_TMP/big.log" 2>&1 &
BIG=$!; t_track "$BIG"
wait_file "$T_TMP/ports"
t_eq "1000 nodes: port file lists 1000 'index port' lines" 1000 "$(grep -c '^[0-9]* [0-9]*$' "$T_TMP/ports")"
thousand_lines() { [ "$(grep -c '^node ' "$T_TMP/big.log")" -ge 1000 ]; }
wait_until thousand_lines
t_eq "1000 nodes: 1000 start lines" 1000 "$(grep -c '^node ' "$T_TMP/big.log")"
urls=$(awk '{printf "http://127.0.0.1:%s/health\n", $2}' "$T_TMP/ports")
t_eq "1000 nodes: every node answers /health 200" 1000 \
	"$(xargs -n 100 curl -s -w '%{stderr}%{http_code}\n' <<<"$urls" 2>&1 >/dev/null | grep -c '^200$')"
murls=$(awk 'NR % 10 == 1 {printf "http://127.0.0.1:%s/metrics\n", $2}' "$T_TMP/ports")
t_eq "1000 nodes: /metrics of every 10th node 200" 100 \
	"$(xargs -n 50 curl -s -w '%{stderr}%{http_code}\n' <<<"$murls" 2>&1 >/dev/null | grep -c '^200$')"
kill -TERM "$BIG"; wait "$BIG"; rc=$?
t_eq "1000 nodes: clean exit" 0 "$rc"

t_done
