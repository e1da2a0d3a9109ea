#!/bin/bash
# tests/integ/events.sh - `nodetop --events [--json]` against nodetop-sim: the
# initial states, then one line per change when the simulator switches scenario.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

sim_start --nodes 2 --scenarios healthy,healthy || { t_fail "simulator starts"; t_done; }
A=$(sim_url 0); B=$(sim_url 1); PA=$(sim_port 0); PB=$(sim_port 1)

"$NODETOP" --events --interval 1s "$A" "$B" >"$T_TMP/ev.txt" 2>"$T_TMP/ev.err" &
EV=$!; t_track "$EV"
"$NODETOP" --events --json --interval 1s "$A" >"$T_TMP/evj.txt" 2>&1 &
EVJ=$!; t_track "$EVJ"

# wait_for REGEX FILE: until a line of FILE matches (the bound only ends a hung test)
wait_for() { wait_until seen_in "$2" "$1" && return 0; echo "# no /$1/ in $2:"; sed 's/^/#   /' "$2" | tail -20; return 1; }

t_check "initial state of each node is printed" wait_for "node 127.0.0.1:$PB unknown -> up" "$T_TMP/ev.txt"
t_check "initial rpc state printed" wait_for "rpc 127.0.0.1:$PA unknown -> up" "$T_TMP/ev.txt"

# (1 s interval and timeout: a healthy simulator answers well within it on a loaded machine)
sim_scenario 0 rpc-outage
t_check "rpc outage appears as a line with the reason" wait_for "rpc 127.0.0.1:$PA (up|degraded) -> down: no RPC node Alive" "$T_TMP/ev.txt"
t_check "the failing HeadListener check appears" wait_for "check 127.0.0.1:$PA .*HeadListener passing -> failing" "$T_TMP/ev.txt"
t_check "timestamps are ISO-8601 UTC" wait_for '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z ' "$T_TMP/ev.txt"
# the --json instance polls on its own: its rpc down is awaited while the outage lasts
t_check "JSON lines: an rpc down event" wait_for '"kind": ?"rpc".*"to": ?"down"' "$T_TMP/evj.txt"

sim_scenario 0 healthy
t_check "recovery is printed" wait_for "rpc 127.0.0.1:$PA .*down -> up" "$T_TMP/ev.txt"

sim_scenario 1 db-outage
t_check "db outage on the other node" wait_for "db 127.0.0.1:$PB up -> down" "$T_TMP/ev.txt"

t_check "JSON lines: every line parses" python3 -c '
import json,sys
for l in open(sys.argv[1]):
    json.loads(l)' "$T_TMP/evj.txt"

kill -TERM $EV; wait $EV; rc=$?
t_eq "SIGTERM ends --events (exit 128+15)" 143 "$rc"
t_check "nothing on stderr" test ! -s "$T_TMP/ev.err"

# A closed stdout ends --events cleanly instead of spinning (timeout 120 only ends a hang).
timeout 120 "$NODETOP" --events --interval 1s "$A" | head -1 >/dev/null
t_check "closed stdout ends --events (no hang, exit by SIGPIPE/EPIPE)" test "${PIPESTATUS[0]}" -ne 124

t_done
