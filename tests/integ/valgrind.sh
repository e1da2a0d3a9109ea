#!/bin/bash
# tests/integ/valgrind.sh - nodetop under valgrind's memcheck: `--once` (JSON,
# text, summary, status line) against simulated scenarios, and a short `--events`
# session while the simulator switches scenarios. Each run must end with its
# normal exit code, no memcheck error and no definitely lost block
# (--error-exitcode=99 turns either into exit 99).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

command -v valgrind >/dev/null || { t_fail "valgrind is installed (apt-get install valgrind)"; t_done; }
[ -x "$NODETOP" ] || { t_fail "nodetop is built ($NODETOP)"; t_done; }
# A sanitizer build (--enable-sanitizers) cannot run under valgrind: skipped (exit 77).
if ldd "$NODETOP" 2>/dev/null | grep -q 'libasan' || nm "$NODETOP" 2>/dev/null | grep -q ' __asan_init'; then
	echo "# $NODETOP is built with AddressSanitizer: valgrind skipped"; exit 77
fi

VG=(valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
    --show-leak-kinds=definite --track-origins=yes --num-callers=30)

SCEN=(healthy rpc-outage db-outage starting legacy garbage html hostile huge http-error unauthorized down)
sim_start --nodes ${#SCEN[@]} --scenarios "$(IFS=,; echo "${SCEN[*]}")" --metrics-size 200k ||
	{ t_fail "simulator starts"; t_done; }
SIMF=$SIM
url() { local i; for i in "${!SCEN[@]}"; do [ "${SCEN[$i]}" = "$1" ] && sim_url "$i" "$SIMF"; done; }
ALL=(); for s in "${SCEN[@]}"; do ALL+=("$(url "$s")"); done
# valgrind makes everything ~30 times slower, and the machine may be loaded: time
# limits (connect too) that only end a hang, for the nodes given on the command line
LONG=$T_TMP/long.conf
printf '[defaults]\ninterval = 300s\ntimeout = 300s\nconnect_timeout = 300s\n' >"$LONG"

# vg_check NAME WANT_RC RC LOG: the exit code and the memcheck summary of one run.
vg_check() {
	local name=$1 want=$2 rc=$3 log=$4 errs lost
	errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log" | tail -1)
	lost=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tail -1)
	echo "# figure valgrind $name: exit $rc, ${errs:-?} errors, definitely lost ${lost:-0} bytes"
	t_eq "$name: normal exit code under valgrind" "$want" "$rc"
	if [ "${errs:-x}" = 0 ] && [ "${lost:-0}" = 0 ]; then
		t_ok "$name: no memcheck error, no definite leak"
	else
		t_fail "$name: memcheck: ${errs:-no} errors, ${lost:-0} bytes definitely lost; the report:"
		grep -E '^==[0-9]+== ' "$log" | grep -v -E '^==[0-9]+== *$' | head -60 | sed 's/^/#   /'
	fi
}

# vg_once NAME WANT_RC ARGS...
vg_once() {
	local name=$1 want=$2; shift 2
	local log=$T_TMP/vg.$(printf '%s' "$name" | tr -c 'a-z0-9' _).log
	"${VG[@]}" --log-file="$log" "$NODETOP" "$@" >"$log.out" 2>"$log.err"
	local rc=$?
	[ "$rc" = "$want" ] || { echo "# $name: exit $rc; the output:"; head -c 2000 "$log.out" | sed 's/^/#   /'; }
	vg_check "$name" "$want" "$rc" "$log"
}

vg_once "--once --json, ${#SCEN[@]} scenarios" 2 --once --json -c "$LONG" "${ALL[@]}"
t_check "--once --json under valgrind: the JSON parses" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T_TMP/vg.__once___json__${#SCEN[@]}_scenarios.log.out"
vg_once "--once text, healthy" 0 --once -c "$LONG" "$(url healthy)"
vg_once "--once --summary, rpc outage" 2 --once --summary -c "$LONG" "$(url rpc-outage)"
# --status-line shortens every configured timeout to 2.5 s (a status bar): --timeout lengthens it
vg_once "--status-line, two nodes" 2 --status-line -c "$LONG" --timeout 60s "$(url healthy)" "$(url db-outage)"
vg_once "--once, bad config" 3 --once -c /nonexistent/nodetop.conf
vg_once "--once --json, no nodes" 3 --once --json

# The faults badserver.py makes (size caps, gzip, redirects, TLS failures, hostile
# bytes, a million series, 10 000 checks) in one --once run.
BADMODES=(gzip-bomb big400 redirect-loop s503 badjson checks10k series1m badutf8 nul escapes nan dup)
python3 "$top_srcdir/tests/integ/badserver.py" --port-file "$T_TMP/bad.ports" --tls-dir "$T_TMP/tls" --warm \
	--mode-ports "$(IFS=,; echo "${BADMODES[*]}")" 2>"$T_TMP/bad.log" &
t_track "$!"
if wait_file "$T_TMP/bad.ports"; then
	bport() { awk -v n="$1" '$1 == n { print $2 }' "$T_TMP/bad.ports"; }
	{
		# valgrind makes everything ~30 times slower, and the machine may be loaded:
		# time limits that only end a hang (a --once run ends when the answers are in)
		printf '[defaults]\ninterval = 300s\ntimeout = 300s\nconnect_timeout = 300s\n'
		for m in "${BADMODES[@]}"; do
			printf '[node %s]\nurl = http://127.0.0.1:%s\n' "$m" "$(bport "port:$m")"
		done
		for m in tls-good tls-unknown-ca tls-expired tls-wronghost; do
			printf '[node %s]\nurl = https://127.0.0.1:%s\nca_file = %s\n' "$m" "$(bport $m)" "$T_TMP/tls/ca.pem"
		done
		printf '[node silent]\nurl = http://127.0.0.1:%s\ntimeout = 3s\nconnect_timeout = 3s\n' "$(bport silent)"
	} >"$T_TMP/bad.conf"
	vg_once "--once --json, badserver.py faults" 2 --once --json -c "$T_TMP/bad.conf"
	t_check "badserver.py faults under valgrind: no node left unpolled or timed out" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
bad = [(n["name"], n["error"]) for n in d["nodes"] if n["state"] == "unknown" or "timed out" in (n["error"] or "") and n["name"] != "silent"]
print("# slow under valgrind:", bad) if bad else None
sys.exit(1 if bad else 0)' "$T_TMP/vg.__once___json__badserver_py_faults.log.out"
else
	t_fail "badserver.py starts"; sed 's/^/#   /' "$T_TMP/bad.log"
fi

# 130 nodes: three shards (multi handles), every node polled once.
if sim_start --nodes 130 --scenarios healthy --metrics-size 20k && [ "$(wc -l <"$SIM")" -eq 130 ]; then
	MANY=(); for i in $(seq 0 129); do MANY+=("$(sim_url "$i")"); done
	vg_once "--once --json, 130 nodes in three shards" 0 --once --json -c "$LONG" "${MANY[@]}"
	t_eq "130 nodes under valgrind: every node up" 130 "$(python3 -c '
import json, sys
nodes = json.load(open(sys.argv[1]))["nodes"]
for n in nodes:
    if n["state"] != "up": print("# not up:", n["name"], n["state"], n["error"], file=sys.stderr)
print(sum(n["state"] == "up" for n in nodes))' "$T_TMP/vg.__once___json__130_nodes_in_three_shards.log.out" 2>&1 >/dev/null | head -5; python3 -c '
import json, sys
print(sum(n["state"] == "up" for n in json.load(open(sys.argv[1]))["nodes"]))' "$T_TMP/vg.__once___json__130_nodes_in_three_shards.log.out")"
else
	t_fail "a simulator of 130 nodes starts"
fi

# A short --events session: the first round, then a scenario switch, then SIGTERM.
# The timeout is long (valgrind ~30 times slower, a loaded machine, 200k metrics
# parsed on the loop): a poll that times out would delay the events waited for.
log=$T_TMP/vg.events.log
"${VG[@]}" --log-file="$log" "$NODETOP" --events --json --interval 10s --timeout 10s \
	"$(url healthy)" "$(url rpc-outage)" "$(url garbage)" "$(url down)" >"$log.out" 2>"$log.err" &
VP=$!; t_track "$VP"
seen() { grep -qs "$1" "$log.out"; }
wait_until 120000 seen '"to": *"up"' || t_fail "--events under valgrind: first events"
sim_scenario 0 db-outage "$SIMF"
wait_until 120000 seen '"kind": *"db".*"to": *"down"' || t_fail "--events under valgrind: the db outage event"
sim_scenario 5 healthy "$SIMF"
wait_until 120000 seen "$(sim_port 5 "$SIMF").*\"to\": *\"up\"" || t_fail "--events under valgrind: the recovery event"
kill -TERM $VP; wait $VP; rc=$?
echo "# figure valgrind --events: $(wc -l <"$log.out") event lines"
vg_check "--events session with scenario switches" 143 "$rc" "$log"

# [notify] hooks (a command, a webhook) and a SIGHUP that changes one, adds one
# and removes the webhook; then a node change reaches the hooks of the new file.
printf '#!/bin/sh\ncat >>"%s/vgh.$1.txt"; echo >>"%s/vgh.$1.txt"\n' "$T_TMP" "$T_TMP" >"$T_TMP/vgh.sh"
chmod +x "$T_TMP/vgh.sh"
vgn_conf() {
	printf '[defaults]\ninterval = 2s\ntimeout = 2s\n[node n]\nurl = %s\n' "$(url down)"
	printf '[notify cmd]\ncommand = %s %s\non = node\ntimeout = 60s\n' "$T_TMP/vgh.sh" "$1"
	[ -n "${2:-}" ] && printf '[notify %s]\ncommand = %s %s\non = node\ntimeout = 60s\n' "$2" "$T_TMP/vgh.sh" "$2"
	[ -n "${3:-}" ] && printf '[notify web]\nwebhook = %s/hook\non = node\nretries = 0\ntimeout = 60s\n' "$(url healthy)"
	return 0
}
vgn_conf one "" web >"$T_TMP/vgn.conf"
log=$T_TMP/vg.notify.log
"${VG[@]}" --log-file="$log" "$NODETOP" --events --json -c "$T_TMP/vgn.conf" >"$log.out" 2>"$log.err" &
VP=$!; t_track "$VP"
wait_until 120000 seen_in "$T_TMP/vgh.one.txt" '"severity":"down"' || { t_fail "notify under valgrind: the first node event"; sed 's/^/#   /' "$log.err"; }
wait_until 120000 seen '"kind": *"notify".*web' || t_fail "notify under valgrind: the webhook's answer reported"
vgn_conf two added >"$T_TMP/vgn.conf.new" && mv "$T_TMP/vgn.conf.new" "$T_TMP/vgn.conf"
kill -HUP $VP
wait_until 120000 seen 'config reloaded' || t_fail "notify under valgrind: reloaded"
sim_scenario 11 healthy "$SIMF"
wait_until 120000 seen_in "$T_TMP/vgh.added.txt" '"severity":"up"' || t_fail "notify under valgrind: the added hook fires"
wait_until 120000 seen_in "$T_TMP/vgh.two.txt" '"severity":"up"' || t_fail "notify under valgrind: the changed hook fires"
kill -TERM $VP; wait $VP; rc=$?
vg_check "--events with [notify] hooks and a SIGHUP reload" 143 "$rc" "$log"

t_done
