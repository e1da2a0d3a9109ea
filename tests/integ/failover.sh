#!/bin/bash
# tests/integ/failover.sh - failover pairs as Chainlink runs them (a database
# lease keeps the standby's port closed) against nodetop-sim: --once on a
# healthy pair, a staged failover seen by --events --json, two active members.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

# The simulator is switched through its control file: with both nodes' ports
# closed no control endpoint would answer. "N unlisten" closes a node's port
# (kept bound: connections are refused, as for a standby waiting for the lease).
CTL=$T_TMP/sim.ctl
ctl() { printf '%s\n' "$@" >"$CTL.new" && mv "$CTL.new" "$CTL"; }
ctl "1 unlisten"
sim_start --nodes 2 --scenarios healthy,healthy --control-file "$CTL" || { t_fail "simulator starts"; t_done; }
# the control file is read at start; wait until the standby's port refuses
refused() { ! curl -s -o /dev/null "$(sim_url 1)/health"; }
t_check "the simulated standby does not listen" wait_until 30000 refused
CONF=$T_TMP/pair.conf
printf '[defaults]\ninterval = 500ms\ntimeout = 400ms\n[node primary]\nurl = %s\ngroup = pair\n[node standby]\nurl = %s\ngroup = pair\n' \
	"$(sim_url 0)" "$(sim_url 1)" >"$CONF"
# the one-shot runs get time limits a loaded machine keeps (the 400 ms above are
# for --events, whose failover must be seen within a few intervals)
ONCE=$T_TMP/once.conf
sed 's/^interval = 500ms$/interval = 30s/; s/^timeout = 400ms$/timeout = 30s/' "$CONF" >"$ONCE"

# wait_for REGEX FILE [SECONDS]: until a line of FILE matches (a deadline, not a measurement)
wait_for() { local re=$1 f=$2 s=${3:-60} i; for i in $(seq 1 $((s * 10))); do grep -Eq -- "$re" "$f" 2>/dev/null && return 0; sleep 0.1; done; echo "# no /$re/ in $f:"; sed 's/^/#   /' "$f" | tail -20; return 1; }
# jq-free JSON queries
jget() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }

# ---------------------------------------------------------------- a healthy pair: OK
"$NODETOP" --once -c "$ONCE" >"$T_TMP/once.txt" 2>"$T_TMP/once.err"; rc=$?
t_eq "--once on a healthy pair with a closed standby exits 0" 0 "$rc"
t_match "--once says OK, one node up, one standby" '^nodetop: OK - 1 of 2 nodes up, 1 standby( \| .*)?$' "$(head -1 "$T_TMP/once.txt")"
t_match "--once shows the standby as STANDBY, not DOWN" '^standby: STANDBY' "$(cat "$T_TMP/once.txt")"
t_match "--once names the active member on the group line" '^group pair \(primary, standby\): node UP.*; active primary' "$(cat "$T_TMP/once.txt")"
"$NODETOP" --once --json -c "$ONCE" >"$T_TMP/once.json" 2>/dev/null; rc=$?
t_eq "--once --json exits 0 too" 0 "$rc"
t_eq "JSON: status OK" OK "$(jget "$T_TMP/once.json" 'd["status"]')"
t_eq "JSON: the primary is active" active "$(jget "$T_TMP/once.json" '[n["role"] for n in d["nodes"] if n["name"]=="primary"][0]')"
t_eq "JSON: the standby is standby, state standby" "standby standby" \
	"$(jget "$T_TMP/once.json" '" ".join([[n["role"], n["state"]] for n in d["nodes"] if n["name"]=="standby"][0])')"
t_eq "JSON: the group's active member" primary "$(jget "$T_TMP/once.json" 'd["groups"][0]["active"]')"
"$NODETOP" --once --summary -c "$ONCE" >"$T_TMP/summary.txt" 2>/dev/null
t_match "--summary lists the standby as healthy" '^healthy: primary, standby \(standby\)$' "$(cat "$T_TMP/summary.txt")"
"$NODETOP" --status-line --timeout 30s -c "$ONCE" >"$T_TMP/sl.txt" 2>/dev/null; rc=$?
t_eq "--status-line: 1 up, 1 standby, exit 0" "CL 1/2 up, 1 standby 0" "$(cat "$T_TMP/sl.txt") $rc"

# ---------------------------------------------------------------- the group settings
sed 's/^\[defaults\]$/&\nfailover_grace = 5s\nstandby_answers = refused, 503/' "$CONF" >"$T_TMP/opts.conf"
"$NODETOP" --once -c "$T_TMP/opts.conf" >/dev/null 2>"$T_TMP/opts.err"; rc=$?
t_eq "failover_grace and standby_answers are accepted" "0:" "$rc:$(cat "$T_TMP/opts.err")"
sed 's/^\[defaults\]$/&\nstandby_answers = 500/' "$CONF" >"$T_TMP/bad.conf"
"$NODETOP" --once -c "$T_TMP/bad.conf" >/dev/null 2>"$T_TMP/bad.err"; rc=$?
t_eq "a bad standby_answers is a configuration error (exit 3)" 3 "$rc"
t_match "... naming the key and the values allowed" "bad standby_answers '500' \(use refused, 502, 503\)" "$(cat "$T_TMP/bad.err")"

# ---------------------------------------------------------------- a staged failover
EV=$T_TMP/ev.json
"$NODETOP" --events --json -c "$CONF" >"$EV" 2>"$T_TMP/ev.err" &
EVP=$!; t_track "$EVP"
t_check "--events: the primary comes up" wait_for '"kind":"node","node":"primary".*"to":"up"' "$EV"
t_check "--events: the standby is a standby" wait_for '"kind":"node","node":"standby".*"to":"standby"' "$EV"
T_STOP=$(ms_now)
ctl "0 unlisten" "1 unlisten"         # the primary loses the lease and exits: its port closes
t_check "--events: with nobody answering the primary is down" wait_for '"kind":"node","node":"primary".*"to":"down"' "$EV"
t_check "--events: so is the standby" wait_for '"kind":"node","node":"standby".*"from":"standby","to":"down"' "$EV"
t_check "--events: the group's own transition, pair up -> down" \
	wait_for '"kind":"group","node":null,"subject":null,"group":"pair","from":"up","to":"down","detail":"' "$EV"
T_START=$(ms_now)
ctl "0 unlisten" "1 starting" "1 listen"   # the standby takes the lease: 204 while it migrates
t_check "--events: one failover event" wait_for '"kind":"failover"' "$EV"
ctl "0 unlisten" "1 healthy" "1 listen"
t_check "--events: the new active member comes up" wait_for '"kind":"node","node":"standby".*"from":"starting","to":"up"' "$EV"
t_check "--events: the old primary is the standby now" wait_for '"kind":"node","node":"primary".*"from":"down","to":"standby"' "$EV"
t_check "--events: the group is up again" wait_for '"kind":"group","node":null,"subject":null,"group":"pair","from":"(down|starting)","to":"up"' "$EV"
t_check "--events: every line is JSON" python3 -c '
import json,sys
for l in open(sys.argv[1]): json.loads(l)' "$EV"
t_eq "exactly one failover event" 1 "$(grep -c '"kind":"failover"' "$EV")"
# the gap is nodetop's own: failover time minus the primary's last answer. That
# answer came after the primary's first up event, before its down event and before
# the test closed its port; the standby answered after the test opened it.
t_check "the failover names the group, from and to, with a gap" python3 -c '
import json,sys
ev=[json.loads(l) for l in open(sys.argv[1])]
fo=[e for e in ev if e["kind"]=="failover"][0]
up=[e["ts_ms"] for e in ev if e["kind"]=="node" and e["node"]=="primary" and e["to"]=="up"][0]
down=[e["ts_ms"] for e in ev if e["kind"]=="node" and e["node"]=="primary" and e["to"]=="down"][0]
t_stop,t_start=int(sys.argv[2]),int(sys.argv[3])
last=fo["ts_ms"]-fo["gap_ms"]
ok = fo["group"]=="pair" and fo["from"]=="primary" and fo["to"]=="standby" and fo["gap_ms"]>0
ok = ok and up <= last < down and last <= t_stop and fo["gap_ms"] >= t_start - t_stop
ok = ok and fo["detail"].startswith("primary -> standby after ")
print("# failover:", fo, "primary up", up, "down", down, "stop", t_stop, "start", t_start)
sys.exit(0 if ok else 1)' "$EV" "$T_STOP" "$T_START"
"$NODETOP" --once --json -c "$ONCE" >"$T_TMP/after.json" 2>/dev/null; rc=$?
t_eq "after the failover --once is OK again, the standby active" "0 standby" "$rc $(jget "$T_TMP/after.json" 'd["groups"][0]["active"]')"

# ---------------------------------------------------------------- two active members
ctl "0 listen" "1 healthy" "1 listen"  # the lease no longer keeps them apart
t_check "--events: two active members is its own event" \
	wait_for '"kind":"two-active","node":null,.*"group":"pair","from":"up","to":"degraded"' "$EV"
t_match "... with the reason" '"kind":"two-active".*both active for .*database lease is not keeping them apart' "$(cat "$EV")"
t_check "--events: the group is not failed over by it" test "$(grep -c '"kind":"failover"' "$EV")" -eq 1
ctl "0 unlisten" "1 healthy" "1 listen"
t_check "--events: one active member again" wait_for '"kind":"two-active".*"from":"degraded","to":"up"' "$EV"

kill -TERM $EVP; wait $EVP
t_check "nothing on stderr" test ! -s "$T_TMP/ev.err"

# ---------------------------------------------------------------- the simulator's lease pair (--demo's)
sim_start --nodes 2 --scenarios healthy,healthy --lease-pair 0,1 --failover-ms 1000 ||
	{ t_fail "simulator with --lease-pair starts"; t_done; }
LP=$SIM
printf '[defaults]\ninterval = 500ms\ntimeout = 400ms\n[node a]\nurl = http://127.0.0.1:%s\ngroup = lp\n[node b]\nurl = http://127.0.0.1:%s\ngroup = lp\n' \
	"$(sim_port 0 "$LP")" "$(sim_port 1 "$LP")" >"$T_TMP/lease.conf"
"$NODETOP" --events --json -c "$T_TMP/lease.conf" >"$T_TMP/lease.json" 2>&1 &
LEP=$!; t_track "$LEP"
t_check "--lease-pair: the second member starts as the standby" wait_for '"kind":"node","node":"b".*"to":"standby"' "$T_TMP/lease.json"
t_check "--lease-pair: the holder loses the lease, the other takes over (a failover a -> b)" \
	wait_for '"kind":"failover","node":"b".*"from":"a","to":"b"' "$T_TMP/lease.json" 90
t_check "--lease-pair: then a waits for the lease as the standby" wait_for '"kind":"node","node":"a".*"to":"standby"' "$T_TMP/lease.json"
kill -TERM $LEP; wait $LEP
t_done
