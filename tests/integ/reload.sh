#!/bin/bash
# tests/integ/reload.sh - SIGHUP re-reads the config file: a node added takes
# effect without restart, unchanged nodes keep polling, a broken file is rejected.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

sim_start --nodes 2 --scenarios healthy,db-outage || { t_fail "simulator starts"; t_done; }
CONF="$T_TMP/nodetop.conf"
printf '[defaults]\ninterval = 1s\n[node alpha]\nurl = %s\n' "$(sim_url 0)" >"$CONF"
"$NODETOP" --events -c "$CONF" >"$T_TMP/ev.txt" 2>"$T_TMP/ev.err" &
NT=$!; t_track "$NT"

# wait_for REGEX: until a line of the events matches (the bound only ends a hung test)
wait_for() { wait_until seen_in "$T_TMP/ev.txt" "$1" && return 0; echo "# no /$1/ in:"; sed 's/^/#   /' "$T_TMP/ev.txt" | tail -20; return 1; }

t_check "alpha is polled from the first config" wait_for 'node alpha unknown -> up'
printf '[defaults]\ninterval = 1s\n[node alpha]\nurl = %s\n[node bravo]\nurl = %s\n' "$(sim_url 0)" "$(sim_url 1)" >"$CONF"
kill -HUP $NT
t_check "reload is announced with the count of nodes" wait_for 'config: config reloaded: 2 nodes \(1 added'
t_check "bravo, added by the reload, is polled (its db outage shows)" wait_for 'db bravo unknown -> down'
t_nomatch "alpha kept its history (no second initial event)" 'node alpha unknown -> up[^$]*node alpha unknown -> up' "$(tr '\n' '$' <"$T_TMP/ev.txt")"

# a new interval is a new pace, not a new node: the history stays (issue 12)
printf '[defaults]\ninterval = 2s\n[node alpha]\nurl = %s\n[node bravo]\nurl = %s\n' "$(sim_url 0)" "$(sim_url 1)" >"$CONF"
kill -HUP $NT
t_check "a changed interval reloads both nodes as changed in pace only" wait_for 'config: config reloaded: 2 nodes \(0 added, 0 removed or changed\)'
sim_scenario 1 healthy
t_check "bravo is polled at its new pace (its db comes back)" wait_for 'db bravo down -> up'
t_nomatch "no node started over after the interval changed (no second first look)" \
	'(alpha|bravo) unknown -> [^$]*config reloaded: 2 nodes \(0 added[^$]*(node|db) (alpha|bravo) unknown -> ' "$(tr '\n' '$' <"$T_TMP/ev.txt")"
sim_scenario 1 db-outage
t_check "bravo's db down again (the old config's outage for what follows)" wait_for 'db bravo up -> down'

printf '[defaults]\ninterval = 1s\n[node alpha]\nurl = %s\nintervall = 5s\n' "$(sim_url 0)" >"$CONF"
kill -HUP $NT
t_check "a broken file is rejected with file, line and key" wait_for "config not reloaded: .*nodetop.conf:5: unknown key 'intervall'"
sim_scenario 1 rpc-outage
t_check "the old config keeps running (bravo still polled)" wait_for 'rpc bravo (up|degraded) -> down'
t_check "nodetop is still running" kill -0 $NT

kill -TERM $NT; wait $NT
t_check "nothing on stderr" test ! -s "$T_TMP/ev.err"
t_done
