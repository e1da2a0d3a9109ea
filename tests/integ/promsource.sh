#!/bin/bash
# promsource.sh - [source NAME] type = prometheus (issue 17) against a real Prometheus and a
# real VictoriaMetrics started here on loopback, both scraping two simulators every second.
. "$(dirname "$0")/../lib.sh"

command -v prometheus >/dev/null 2>&1 || t_skip "prometheus is not installed (Debian package prometheus)"
command -v victoria-metrics >/dev/null 2>&1 || t_skip "victoria-metrics is not installed (Debian package victoria-metrics)"
command -v curl >/dev/null 2>&1 || t_skip "curl is not installed"

# Two simulators: A with three scenarios, B with two healthy nodes.
sim_start --nodes 3 --scenarios healthy,rpc-outage,db-outage || exit 1
A=$SIM
sim_start --nodes 2 --scenarios healthy,healthy || exit 1
B=$SIM
# C: a lease pair (the standby does not listen: up == 0, connection refused), no failover in the test
sim_start --nodes 2 --scenarios healthy,healthy --lease-pair 0,1 --failover-ms 86400000 || exit 1
C=$SIM
# D: one node whose check list the engines' scrape cuts (a reload cuts less: a check appears)
sim_start --nodes 1 --scenarios healthy || exit 1
D=$SIM
targets=$(awk '{ printf "%s\"127.0.0.1:%s\"", (NR > 1 ? ", " : ""), $2 }' "$A" "$B")
# scrape_yml REGEX: the engines' scrape config, the grow job's health series of the checks
# matching REGEX dropped (written whole, then moved: an engine reloads it on SIGHUP)
scrape_yml() {
	cat >"$T_TMP/scrape.yml.new" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: chainlink_node
    static_configs:
      - targets: [$targets]
  - job_name: pair
    static_configs:
      - targets: ["127.0.0.1:$(sim_port 0 "$C")", "127.0.0.1:$(sim_port 1 "$C")"]
        labels:
          pair: p1
  - job_name: grow
    static_configs:
      - targets: ["127.0.0.1:$(sim_port 0 "$D")"]
    metric_relabel_configs:
      - source_labels: [__name__, service_id]
        regex: 'health;($1)'
        action: drop
YML
	mv "$T_TMP/scrape.yml.new" "$T_TMP/scrape.yml"
}
scrape_yml 'Heartbeat|JobSpawner'

# peer_start NAME READY_PATH CMD...: starts a peer on a free port (the word @PORT@ in
# CMD), retried when another test took the port first; sets PEER_URL and PEER_PID.
peer_start() {
	local name=$1 ready=$2 try port
	shift 2
	for try in 1 2 3 4 5; do
		port=$(free_port)
		"${@//@PORT@/$port}" >"$T_TMP/$name.log" 2>&1 &
		PEER_PID=$!
		t_track "$PEER_PID"
		PEER_URL=http://127.0.0.1:$port
		peer_up() { curl -sf --max-time 5 -o /dev/null "$PEER_URL$ready" || ! kill -0 "$PEER_PID" 2>/dev/null; }
		wait_until peer_up
		kill -0 "$PEER_PID" 2>/dev/null && return 0
	done
	echo "# $name did not start:"; sed 's/^/#   /' "$T_TMP/$name.log" | tail -20
	return 1
}

# up_count URL VALUE [JOB]: how many up{job="JOB"} series (default chainlink_node) the engine has with VALUE.
up_count() {
	curl -s --max-time 5 "$1/api/v1/query" --data-urlencode "query=up{job=\"${3:-chainlink_node}\"}" |
		python3 -c 'import json,sys
d=json.load(sys.stdin)
print(sum(1 for r in d["data"]["result"] if r["value"][1]==sys.argv[1]))' "$2" 2>/dev/null
}
has_up() { [ "$(up_count "$1" "$3" "${4:-}")" = "$2" ]; }

# states: "name state db rpc failing" per node of a --once --json, sorted.
states() {
	python3 -c 'import json,sys
d=json.load(sys.stdin)
for n in sorted(d["nodes"], key=lambda n: n["name"]):
    print(n["name"], n["state"], n["database"]["state"], n["rpc"]["state"], n["failing"])'
}

peer_start prometheus /-/ready prometheus --config.file="$T_TMP/scrape.yml" --storage.tsdb.path="$T_TMP/prom-data" \
	--web.listen-address=127.0.0.1:@PORT@ || exit 1
PROM=$PEER_URL PROM_PID=$PEER_PID
# -search.latencyOffset: VictoriaMetrics hides the newest 30 s by default
peer_start victoria-metrics /health victoria-metrics -promscrape.config="$T_TMP/scrape.yml" \
	-storageDataPath="$T_TMP/vm-data" -httpListenAddr=127.0.0.1:@PORT@ -search.latencyOffset=1s || exit 1
VM=$PEER_URL VM_PID=$PEER_PID

t_check "prometheus scrapes the 5 simulated nodes" wait_until has_up "$PROM" 5 1
t_check "victoria-metrics scrapes the 5 simulated nodes" wait_until has_up "$VM" 5 1

# lag: on a loaded machine a 1 s scrape may come late; a sample is stale only after
# 2 x 1 s + 20 s here (staleness itself is tested in tests/unit/test_source.c)
conf() {   # conf ENGINE_URL [SELECTOR]: a config with that engine as the only source
	printf '[source fleet]\ntype = prometheus\nurl = %s\nscrape_interval = 1s\nlag = 20s\ninterval = 2s\n' "$1"
	[ $# -ge 2 ] && printf 'selector = %s\n' "$2"
	true
}
conf "$PROM" >"$T_TMP/prom.conf"
conf "$VM" >"$T_TMP/vm.conf"

# --once --json through each engine: the same states as polling the nodes directly
urls=$(awk '{ printf "http://127.0.0.1:%s ", $2 }' "$A" "$B")
# shellcheck disable=SC2086
"$NODETOP" --once --json $urls >"$T_TMP/direct.json"
direct=$(states <"$T_TMP/direct.json")
t_match "direct poll sees the scenarios" 'up down up 0' "$direct"
for e in prom vm; do
	NODETOP_STATS=$T_TMP/$e.stats "$NODETOP" -c "$T_TMP/$e.conf" --once --json >"$T_TMP/$e.json"
	echo "$?" >"$T_TMP/$e.rc"
	t_eq "$e: --once --json reports the states of a direct poll" "$direct" "$(states <"$T_TMP/$e.json")"
	t_match "$e: a failing check says its output is not available" 'output not available through Prometheus' \
		"$(cat "$T_TMP/$e.json")"
	t_eq "$e: exit status as with the direct poll" "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["exit_code"])' <"$T_TMP/direct.json")" "$(cat "$T_TMP/$e.rc")"
	t_match "$e: one round, 5 nodes seen" 'source_nodes=5' "$(cat "$T_TMP/$e.stats")"
	# "sources": the source up, its nodes, no error; each node says it came from the source
	t_eq "$e: --once --json lists the source, up, with its 5 nodes" "fleet prometheus up 5 None age>=0 q>2" \
		"$(python3 -c 'import json,sys
for s in json.load(sys.stdin)["sources"]:
    print(s["name"], s["type"], s["state"], s["nodes"], s["error"], "age>=0" if s["age_ms"] >= 0 else s["age_ms"],
          "q>2" if s["queries_per_round"] > 2 else s["queries_per_round"])' <"$T_TMP/$e.json")"
	t_eq "$e: every node says its state, checks and history came from the source" \
		"5 source fleet/source fleet/source fleet" "$(python3 -c 'import json,sys
d=json.load(sys.stdin)
print(len(d["nodes"]), *sorted(set("/".join((n["from"]["state"], n["from"]["checks"], n["from"]["history"])) for n in d["nodes"])))' <"$T_TMP/$e.json")"
done
qper() { python3 -c 'import json,sys; print(json.load(sys.stdin)["sources"][0]["queries_per_round"])'; }
t_eq "queries per round in JSON: the same through both engines" "$(qper <"$T_TMP/prom.json")" "$(qper <"$T_TMP/vm.json")"

# no secret in the JSON: the token is not there, the url is as configured (a url with
# userinfo is refused by the config; the JSON would mask it as the nodes' urls)
conf "$PROM" >"$T_TMP/token.conf"
printf 'bearer_token_env = NODETOP_T_PROM_TOKEN\n' >>"$T_TMP/token.conf"
NODETOP_T_PROM_TOKEN=s3cret-tok3n "$NODETOP" -c "$T_TMP/token.conf" --once --json >"$T_TMP/token.json"
t_eq "the source's url in JSON" "$PROM" \
	"$(python3 -c 'import json,sys; print(json.load(sys.stdin)["sources"][0]["url"])' <"$T_TMP/token.json")"
t_nomatch "no bearer token anywhere in the JSON" 's3cret-tok3n' "$(cat "$T_TMP/token.json")"

# mixed mode: A's rpc-outage node polled directly with source = fleet (named alpha, matched
# by its url's host:port): one node, its state and check outputs from its own polls
mixed_port=$(sim_port 1 "$A")
{ printf '[node alpha]\nurl = http://127.0.0.1:%s\nsource = fleet\n' "$mixed_port"; conf "$PROM"; } >"$T_TMP/mixed.conf"
"$NODETOP" -c "$T_TMP/mixed.conf" --once --json >"$T_TMP/mixed.json"
mixed=$(python3 -c 'import json,sys
d=json.load(sys.stdin)
names=[n["name"] for n in d["nodes"]]
print(len(names), "dup" if ("127.0.0.1:" + sys.argv[1]) in names else "nodup")
for n in d["nodes"]:
    if n["name"] == "alpha":
        print(n["state"], n["from"]["state"], n["from"]["checks"], n["from"]["history"])
        outs=[c["output"] for c in n["checks"] if c["status"] == "failing"]
        print("failing", len(outs), "with-output" if outs and all(o and "not available" not in o for o in outs) else outs)' \
	"$mixed_port" <"$T_TMP/mixed.json")
direct_alpha=$(python3 -c 'import json,sys
for n in json.load(sys.stdin)["nodes"]:
    if n["url"].endswith(":" + sys.argv[1]): print(n["state"], n["failing"])' "$mixed_port" <"$T_TMP/direct.json")
want_alpha=$(printf '5 nodup\n%s direct direct source fleet\nfailing %s with-output' "${direct_alpha% *}" "${direct_alpha#* }")
echo "# mixed: $(echo "$mixed" | tr "\n" "|")"
t_eq "mixed: one node for alpha (not a second from the source), its state and outputs its own polls'" "$want_alpha" "$mixed"
"$NODETOP" -c "$T_TMP/mixed.conf" --once >"$T_TMP/mixed.txt"
t_match "mixed: --once says where alpha's parts came from" 'from: +state and checks from direct polls, history from source fleet' \
	"$(cat "$T_TMP/mixed.txt")"
t_match "mixed: --once names the source, up, with the 4 nodes it discovered (alpha is polled)" \
	'^source fleet \(prometheus\): up, [0-9]+s old, [0-9]+ queries a round, 4 nodes' "$(cat "$T_TMP/mixed.txt")"

# queries per round do not grow with the number of nodes: 3 nodes (A only) vs 5
portsA=$(awk '{ printf "%s127.0.0.1:%s", (NR > 1 ? "|" : ""), $2 }' "$A")
conf "$PROM" "{job=\"chainlink_node\",instance=~\"$portsA\"}" >"$T_TMP/promA.conf"
NODETOP_STATS=$T_TMP/promA.stats "$NODETOP" -c "$T_TMP/promA.conf" --once --json >"$T_TMP/promA.json"
t_match "a selector restricts the fleet (3 nodes)" 'source_nodes=3' "$(cat "$T_TMP/promA.stats")"
q3=$(sed -n 's/^source_queries=//p' "$T_TMP/promA.stats")
q5=$(sed -n 's/^source_queries=//p' "$T_TMP/prom.stats")
t_check "queries per round ($q3) are a handful" test "${q3:-0}" -gt 2 -a "${q3:-99}" -lt 25
t_eq "queries per round: the same for 3 and 5 nodes" "$q3" "$q5"

# a failover pair named by group_label: the standby (refused) is the standby, not down
t_check "prometheus sees the pair's standby refusing (up == 0)" wait_until has_up "$PROM" 1 0 pair
t_check "prometheus sees the pair's active member (up == 1)" wait_until has_up "$PROM" 1 1 pair
conf "$PROM" '{job="pair"}' >"$T_TMP/pair.conf"
printf 'group_label = pair\n' >>"$T_TMP/pair.conf"
"$NODETOP" -c "$T_TMP/pair.conf" --once --json >"$T_TMP/pair.json"
t_eq "pair: --once exits OK (a standby is its normal state)" 0 "$?"
pair=$(python3 -c 'import json,sys
d=json.load(sys.stdin)
g=d["groups"][0]
print(g["name"], "active=" + str(g["active"]))
for n in d["nodes"]: print(n["name"], n["state"], n["role"])' <"$T_TMP/pair.json" | sort)
want=$(printf '%s\n' "p1 active=127.0.0.1:$(sim_port 0 "$C")" "127.0.0.1:$(sim_port 0 "$C") up active" \
	"127.0.0.1:$(sim_port 1 "$C") standby standby" | sort)
t_eq "pair: the group, its active member and the standby" "$want" "$pair"

# A check list that changes after the first round: the rounds after it ask the failing checks
# of the fleet and, in turn, the full lists of a part of it (SRC_HEALTH_PARTS rounds for all):
# a check that appears shows, through each engine. The engines drop two of the grow node's
# 30 checks, then (reloaded) one, then none.
checks_in() {   # checks_in URL N: the engine has N health series of the grow node
	[ "$(curl -s --max-time 5 "$1/api/v1/query" --data-urlencode 'query=count(health{job="grow"})' |
		sed -n 's/.*"value":\[[^,]*,"\([0-9]*\)".*/\1/p')" = "$2" ]
}
grow_conf() {   # grow_conf ENGINE_URL: the grow job as a fleet, a round a second
	printf '[source fleet]\ntype = prometheus\nurl = %s\nscrape_interval = 1s\nlag = 20s\ninterval = 1s\nselector = {job="grow"}\n' "$1"
}
t_check "prometheus has 28 of the grow node's checks" wait_until checks_in "$PROM" 28
t_check "victoria-metrics has 28 of the grow node's checks" wait_until checks_in "$VM" 28
tmux_need
grow_conf "$PROM" >"$T_TMP/growp.conf"
tmux_start 160 40 "$NODETOP" -c "$T_TMP/growp.conf"
t_check "checks (prometheus): the first round lists the node's 28" tmux_wait "0 of 28 failing"
scrape_yml 'JobSpawner'
kill -HUP "$PROM_PID" "$VM_PID"
t_check "prometheus has 29 of them after its reload" wait_until checks_in "$PROM" 29
t_check "checks (prometheus): a check that appears after the first round is listed" tmux_wait "0 of 29 failing"
tmux_stop
t_check "victoria-metrics has 29 of them after its reload" wait_until checks_in "$VM" 29
grow_conf "$VM" >"$T_TMP/growv.conf"
tmux_start 160 40 "$NODETOP" -c "$T_TMP/growv.conf"
t_check "checks (victoria-metrics): the first round lists the node's 29" tmux_wait "0 of 29 failing"
scrape_yml ''
kill -HUP "$PROM_PID" "$VM_PID"
t_check "victoria-metrics has all 30 after its reload" wait_until checks_in "$VM" 30
t_check "checks (victoria-metrics): a check that appears after the first round is listed" tmux_wait "0 of 30 failing"
tmux_stop

# SIGHUP adding a polled node: the source's nodes stay what they were (they are not
# discovered again: no second "unknown ->" for them), the polled node is added
conf "$PROM" >"$T_TMP/hup.conf"
"$NODETOP" -c "$T_TMP/hup.conf" --events >"$T_TMP/hup.log" 2>"$T_TMP/hup.err" &
HUP_PID=$!
first_seen() { [ "$(grep -cE '^[^ ]+ node 127\.0\.0\.1:[0-9]+ unknown -> ' "$T_TMP/hup.log")" -ge "$1" ]; }
t_check "sighup: --events saw the fleet's 5 nodes" wait_until first_seen 5
{ printf '[node direct1]\nurl = http://127.0.0.1:%s\n' "$(sim_port 0 "$C")"; conf "$PROM"; } >"$T_TMP/hup.conf"
kill -HUP "$HUP_PID"
t_check "sighup: the polled node is added" wait_until seen_in "$T_TMP/hup.log" '^[^ ]+ node direct1 unknown -> up'
# a source round after the reload, seen for sure: a node stops listening (up == 0)
down_port=$(sim_port 0 "$B")
curl -s --max-time 20 -X POST "http://127.0.0.1:$(sim_port 1 "$B")/control/listen?node=0&on=0" >/dev/null
t_check "sighup: a source round after the reload (the stopped node down)" \
	wait_until seen_in "$T_TMP/hup.log" "^[^ ]+ node 127\.0\.0\.1:$down_port up -> down"
t_eq "sighup: the source's nodes were not discovered again (one first state each)" 5 \
	"$(grep -cE '^[^ ]+ node 127\.0\.0\.1:[0-9]+ unknown -> ' "$T_TMP/hup.log")"
t_match "sighup: the reload is in the events" 'config reloaded: 6 nodes \(1 added, 0 removed' "$(cat "$T_TMP/hup.log")"
kill "$HUP_PID"
wait "$HUP_PID" 2>/dev/null

# a node stops listening: up == 0, down with the target's scrape error
t_check "prometheus sees the stopped node (up == 0)" wait_until has_up "$PROM" 1 0
t_check "victoria-metrics sees the stopped node (up == 0)" wait_until has_up "$VM" 1 0
for e in prom vm; do
	"$NODETOP" -c "$T_TMP/$e.conf" --once --json >"$T_TMP/$e-down.json"
	line=$(python3 -c 'import json,sys
for n in json.load(sys.stdin)["nodes"]:
    if n["name"] == sys.argv[1]: print(n["state"], "|", n["error"])' "127.0.0.1:$down_port" <"$T_TMP/$e-down.json")
	t_match "$e: the stopped node is down with the scrape error" '^down \| scrape failed \(source fleet\): .*connection refused' "$line"
done

# the dashboard in tmux, then the source stops: its nodes become unknown, never down
tmux_need
tmux_start 160 40 "$NODETOP" -c "$T_TMP/prom.conf"
t_check "dashboard: the fleet appears" tmux_wait "127\.0\.0\.1:$(sim_port 2 "$A")"
t_check "dashboard: the stopped node is shown down" tmux_wait "127\.0\.0\.1:$down_port.*(DOWN|down)"
t_check "dashboard: the header says where the data comes from" tmux_wait "via fleet, [0-9]+s old"
t_nomatch "dashboard: nothing is polled directly, the header claims nothing of polls" 'polls on time' \
	"$(tmux_screen | head -1)"
kill "$PROM_PID"
wait "$PROM_PID" 2>/dev/null
t_check "dashboard: with the source down, nodetop says it cannot see" tmux_wait "cannot see"
t_check "dashboard: the header says the source cannot be read" tmux_wait "source fleet: cannot read: connection refused"
t_check "dashboard: no node is drawn up any more" tmux_wait_gone "127\.0\.0\.1:[0-9]+ +(UP|up)"
tmux_stop
NODETOP_STATS=$T_TMP/dead.stats "$NODETOP" -c "$T_TMP/prom.conf" --once --json >"$T_TMP/dead.json" 2>"$T_TMP/dead.err"
t_eq "--once with the source down exits UNKNOWN" 3 "$?"
t_match "--once with the source down says why on stderr" '^nodetop: source fleet: cannot read the fleet: connection refused' \
	"$(cat "$T_TMP/dead.err")"
t_match "--once with the source down counted a failed round" 'source_rounds=1' "$(cat "$T_TMP/dead.stats")"
t_eq "--once --json with the source down: the source is down, with why" "fleet down connection refused" \
	"$(python3 -c 'import json,sys
for s in json.load(sys.stdin)["sources"]: print(s["name"], s["state"], s["error"])' <"$T_TMP/dead.json")"
# backfill on start (the dashboard): the last minutes of node, database and RPC from
# query_range. Ten minutes imported into VictoriaMetrics: the database down in 5 of them
# (db_conns_open 0 of 10), RPC down in 2 (no Alive on chain 1), the node up in all.
now_ms=$(( $(date +%s) * 1000 ))
python3 - "$now_ms" >"$T_TMP/bf.prom" <<'PY'
import sys
now = int(sys.argv[1])
lab = 'job="bf",instance="backfilled:9"'
for i in range(10, 0, -1):
    t = (now // 60000 - i) * 60000 + 30000
    print('up{%s} 1 %d' % (lab, t))
    print('db_conns_max{%s} 10 %d' % (lab, t))
    print('db_conns_open{%s} %d %d' % (lab, 0 if i <= 5 else 4, t))
    print('multi_node_states{%s,network="EVM",chainId="1",state="Alive"} %d %d' % (lab, 0 if i in (3, 4) else 1, t))
print('up{%s} 1 %d' % (lab, now - 1000))
PY
curl -sf --max-time 20 --data-binary @"$T_TMP/bf.prom" "$VM/api/v1/import/prometheus" || t_fail "import into victoria-metrics"
bf_seen() { [ "$(curl -s --max-time 5 "$VM/api/v1/query_range" --data-urlencode 'query=db_conns_open{job="bf"}' \
	-d start=$(( now_ms / 1000 - 900 )) -d end=$(( now_ms / 1000 )) -d step=60 | grep -o '"0"' | wc -l)" -ge 5 ]; }
t_check "victoria-metrics has the imported minutes" wait_until bf_seen
conf "$VM" '{job="bf"}' >"$T_TMP/bf.conf"
# wide: the detail view's charts show their newest 4 minutes and more (a point every 2 s)
tmux_start 500 40 env NODETOP_STATS="$T_TMP/bf.stats" "$NODETOP" -c "$T_TMP/bf.conf"
# the percentages: the source's minutes (the minute VictoriaMetrics puts a sample in, and a
# few live seconds before the series goes stale, move them a little; without the backfill
# they would be 100 % or 0 %)
t_check "backfill: the database's 1 h uptime from the backfill (10 to 99 %)" tmux_wait "db +. +[a-z]+ +1h +[1-9][0-9](\.[0-9]+)?%"
t_check "backfill: the RPC's 1 h uptime from the backfill (10 to 99 %)" tmux_wait "rpc +. +[a-z]+ +1h +[1-9][0-9](\.[0-9]+)?%"
pct() { tmux_screen | sed -nE "s/^.* $1 +. +[a-z]+ +1h +([0-9.]+)%.*/\1/p" | head -1; }
in_range() { python3 -c 'import sys; v=float(sys.argv[1]); sys.exit(0 if float(sys.argv[2]) <= v <= float(sys.argv[3]) else 1)' "$@"; }
p_db=$(pct db) p_rpc=$(pct rpc) p_node=$(pct node)
t_check "backfill: the database up about 5 of 10 minutes ($p_db %)" in_range "${p_db:-x}" 40 60
t_check "backfill: RPC up about 8 of 10 minutes ($p_rpc %)" in_range "${p_rpc:-x}" 70 90
t_eq "backfill: the node up in all of them" 100 "$p_node"
# the charts too, at their own pace: DB conns open was 4 before the outage, 0 in it
tmux_keys Enter
t_check "backfill: the node's detail view" tmux_wait '─ Node backfilled:9 ─'
t_check "backfill: the DB conns open chart holds the imported minutes (4, then 0)" \
	tmux_wait 'DB conns open .*min 0 +max 4'
t_check "backfill: the RPC nodes alive chart holds them (1, and 0 in the RPC outage)" \
	tmux_wait 'RPC nodes alive .*min 0 +max 1'
tmux_stop
t_check "backfill: the charts' points counted (more than 100)" \
	test "$(sed -n 's/^source_backfill_chart_points=//p' "$T_TMP/bf.stats")" -gt 100
# The day in slices: with max_size 32 KB, one node's day is asked 512 minutes at a time
# (three answers for each of node, database and RPC, newest first): the same figures, and
# the header says so while it backfills.
{ cat "$T_TMP/bf.conf"; echo 'max_size = 32KB'; } >"$T_TMP/bfs.conf"
tmux_start 500 40 env NODETOP_STATS="$T_TMP/bfs.stats" "$NODETOP" -c "$T_TMP/bfs.conf"
t_check "sliced backfill: the database's 1 h uptime from the backfill (10 to 99 %)" \
	tmux_wait "db +. +[a-z]+ +1h +[1-9][0-9](\.[0-9]+)?%"
t_check "sliced backfill: the header no longer says it is backfilling" tmux_wait_gone "backfilling the last 24 h"
p_db=$(pct db) p_rpc=$(pct rpc)
t_check "sliced backfill: the database up about 5 of 10 minutes ($p_db %)" in_range "${p_db:-x}" 40 60
t_check "sliced backfill: RPC up about 8 of 10 minutes ($p_rpc %)" in_range "${p_rpc:-x}" 70 90
no_failure() { tmux_screen | head -2 | grep -q 'via fleet' && ! tmux_screen | head -2 | grep -q 'backfill of the'; }
t_check "sliced backfill: the header says no backfill failed" no_failure
tmux_stop
t_eq "sliced backfill: three answers for each of node, database and RPC" 9 \
	"$(sed -n 's/^source_backfill_slices=//p' "$T_TMP/bfs.stats")"
one=$(sed -n 's/^source_backfill_db_minutes=//p' "$T_TMP/bf.stats")
sliced=$(sed -n 's/^source_backfill_db_minutes=//p' "$T_TMP/bfs.stats")
t_check "sliced backfill: the database's minutes as in one answer ($sliced, $one; the start's minute may add one)" \
	in_range "${sliced:-x}" "$(( ${one:-0} - 1 ))" "$(( ${one:-0} + 1 ))"
# A backfill the engine refuses (a VictoriaMetrics that gives at most 1000 points a series,
# the day is 1441): said on the header, with the engine's answer; the fleet is read on.
peer_start vm-limited /health victoria-metrics -storageDataPath="$T_TMP/vm2-data" -httpListenAddr=127.0.0.1:@PORT@ \
	-search.latencyOffset=1s -search.maxPointsPerTimeseries=1000 || exit 1
VM2=$PEER_URL
printf 'up{job="bf2",instance="refused:9"} 1 %s\n' "$(( $(date +%s) * 1000 - 1000 ))" |
	curl -sf --max-time 20 --data-binary @- "$VM2/api/v1/import/prometheus" || t_fail "import into the second victoria-metrics"
t_check "the second victoria-metrics has the node" wait_until has_up "$VM2" 1 1 bf2
conf "$VM2" '{job="bf2"}' >"$T_TMP/bf2.conf"
tmux_start 300 30 "$NODETOP" -c "$T_TMP/bf2.conf"
t_check "refused backfill: the node is listed" tmux_wait 'refused:9'
t_check "refused backfill: the header says so, with the engine's answer" tmux_wait 'fleet: backfill of the (node|db|rpc) failed: HTTP 422'
tmux_stop
t_done
