#!/bin/bash
# tests/tui/pair.sh - a failover pair as Chainlink runs it (the database lease keeps
# the standby's port closed) on the dashboard and the kiosk, in tmux: the standby is
# a standby, the active member is named, a failover is told as one.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

tmux_need
export LC_ALL=C.UTF-8

# The simulator is switched through its control file (with both members' ports
# closed no control endpoint would answer). Node 2 is an ungrouped node.
CTL=$T_TMP/sim.ctl
ctl() { printf '%s\n' "$@" >"$CTL.new" && mv "$CTL.new" "$CTL"; }
ctl "1 unlisten"
sim_start --nodes 3 --scenarios healthy,healthy,healthy --control-file "$CTL" || { t_fail "simulator starts"; t_done; }
refused() { ! curl -s -o /dev/null "$(sim_url 1)/health"; }
t_check "the simulated standby does not listen" wait_until refused
CONF=$T_TMP/pair.conf
printf '[defaults]\ninterval = 500ms\ntimeout = 400ms\n[node primary]\nurl = %s\ngroup = pair\n[node standby]\nurl = %s\ngroup = pair\n[node solo]\nurl = %s\n' \
	"$(sim_url 0)" "$(sim_url 1)" "$(sim_url 2)" >"$CONF"
sed 's/^\[defaults\]$/&\nkiosk = true/' "$CONF" >"$T_TMP/kiosk.conf"

ui() { local c=$1 r=$2 f=$3; tmux_start "$c" "$r" env LC_ALL=C.UTF-8 "$NODETOP" -c "$f"; }
line_of() { tmux_screen | grep -E -m1 -- "$1"; }

# ---------------------------------------------------------------- a healthy pair, the standby closed
ui 132 40 "$CONF"
tmux_wait '^. . standby +pair +STANDBY' >/dev/null
tmux_wait_polled
tmux_wait 'pair up on primary' >/dev/null
S=$(tmux_screen)
t_match "dashboard: the standby is STANDBY, not DOWN" '^. ○ standby +pair +STANDBY ' "$S"
t_match "dashboard: the standby says why" 'standby · not listening \(waiting for the data' "$(line_of '^. . standby ')"
t_nomatch "dashboard: nothing is DOWN or down on screen" 'DOWN|✖' "$(printf '%s\n' "$S" | sed -n '1,15p')"
t_match "header: counts that say what is up, and the group carried by its active member" \
	'^ nodetop  [0-9:]{8}  2 up · 1 standby  ● pair up on primary ' "$S"
t_match "nodes panel title: the same counts, right of the column headers" '^─ Nodes ─.*CHECKS─+ 2 up · 1 standby ─+$' "$S"
t_match "the group's line: its active member and failovers in 24 h" '^  ● pair up on primary  node● db● rpc●  0 failovers in 24 h' "$S"
t_match "the column headers are not overwritten by the group" '─ Nodes ─.*STATE.*VERSION.*UPTIME.*POLL' "$(printf '%s\n' "$S" | sed -n 2p)"

# ---------------------------------------------------------------- a failover
ctl "0 unlisten" "1 unlisten"          # the primary loses the lease: nobody answers
if tmux_wait 'pair failing over: no member answering'; then t_ok "failing over: the header says so with the group"; else t_fail "failing over"; fi
ctl "0 unlisten" "1 healthy" "1 listen" # the standby takes the lease
if tmux_wait 'pair up on standby'; then t_ok "after the failover the header names the new active member"; else t_fail "pair up on standby"; fi
tmux_wait '^. ○ primary +pair +STANDBY' >/dev/null
S=$(tmux_screen)
t_match "the old primary is the standby now" '^. ○ primary +pair +STANDBY ' "$S"
t_match "the group's line counts the failover" '● pair up on standby  node● db● rpc●  1 failover in 24 h' "$S"
t_match "the timeline tells the failover" '◐|●' "$(line_of 'failover in pair: primary → standby after [0-9]+(s| ms|m[0-9]+s) without an active member')"
t_eq "one failover line in the timeline" 1 "$(tmux_screen | grep -c 'failover in pair')"

# ---------------------------------------------------------------- the worst thing with its own state, the group first
ctl "0 http-error" "0 listen" "1 healthy" "1 listen"
if tmux_wait '● pair up on standby · ✖ primary down'; then
	t_ok "header: the group carrying the service, then the member that is down with its own state"
else
	t_fail "header names the down member"
fi

# ---------------------------------------------------------------- two active members: the lease is not working
ctl "0 healthy" "0 listen" "1 healthy" "1 listen"
if tmux_wait '^  ▲ pair: two active members'; then t_ok "the group's line says two members are active"; else t_fail "two active on the group line"; fi
t_match "the timeline tells it as its own event" '▲ two active members in pair for [0-9]+s · primary and standby both active' "$(tmux_screen)"
tmux_keys q

# ---------------------------------------------------------------- the kiosk
ctl "0 healthy" "0 listen" "1 unlisten"
wait_until refused
ui 100 30 "$T_TMP/kiosk.conf"
if tmux_wait 'all 3 nodes healthy · pair up on (primary|standby), standby waiting'; then
	t_ok "kiosk: all healthy with the standby waiting, the pair's carrying member named"
else
	t_fail "kiosk healthy with a standby"
fi
sim_scenario 2 http-error
if tmux_wait '1 of 3 nodes needs attention'; then t_ok "kiosk: the ungrouped node's problem takes the screen"; else t_fail "kiosk list"; fi
tmux_wait '○ standby +STANDBY' >/dev/null
S=$(tmux_screen)
t_match "kiosk: the group first, with the member carrying it" '^ ● pair up on primary' "$S"
t_match "kiosk: the standby is drawn as a standby, not a problem" '^ ○ standby +STANDBY .*standby of an up pair' "$S"
t_match "kiosk: the active member is named as carrying the pair" '^ ● primary +UP .*active: carries its pair' "$S"
t_nomatch "kiosk: no standby card as DOWN" 'standby +DOWN' "$S"
tmux_keys q

t_done
