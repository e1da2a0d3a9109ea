#!/bin/bash
# tests/tui/truth.sh - the screen says only what is true (issue 12), in tmux:
# counts where "up" means up, the header naming the worst thing with its own state,
# messages apart from alerts, stale nodes shown as last seen, sparklines, the
# "cannot reach any node" banner, the kiosk, and the smaller items.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

tmux_need
export LC_ALL=C.UTF-8

# four nodes: two healthy, one starting (HTTP 204), one with its database down
sim_start --nodes 4 --scenarios healthy,healthy,starting,db-outage || { t_fail "simulator starts"; t_done; }
CONF=$T_TMP/truth.conf
{
	printf '[defaults]\ninterval = 1s\n'
	i=0; for n in alpha bravo charlie delta; do printf '[node %s]\nurl = %s\n' $n "$(sim_url $i)"; i=$((i + 1)); done
} >"$CONF"
sed 's/^\[defaults\]$/&\nkiosk = true/' "$CONF" >"$T_TMP/kiosk.conf"

# ui COLS ROWS CONF [ARGS...]: nodetop in a fresh tmux, as the child of a shell that stays
ui() {
	local c=$1 r=$2 f=$3; shift 3
	tmux_start "$c" "$r" bash -c '"$@" 2>>"$0/stderr"; echo "rc=$?" >"$0/rc"; echo NODETOP-EXIT; sleep 60' "$T_TMP" \
		env LC_ALL=C.UTF-8 "$NODETOP" -c "$f" "$@"
}
line_of() { tmux_screen | grep -E -m1 -- "$1"; }

# ---------------------------------------------------------------- 2: counts, "up" means up
ui 132 40 "$CONF"
tmux_wait_polled
if tmux_wait '2 up · 1 degraded · 1 starting'; then t_ok "counts: 2 up · 1 degraded · 1 starting"; else t_fail "counts"; fi
S=$(tmux_screen)
t_match "header: the counts, not 4/4 up" '^ nodetop  [0-9:]{8}  2 up · 1 degraded · 1 starting  ' "$S"
t_match "nodes panel title: the same counts" '^─ Nodes ─.* 2 up · 1 degraded · 1 starting ─+$' "$S"
t_nomatch "nowhere 4/4 up" '4/4 up' "$S"

# ---------------------------------------------------------------- 1: the worst thing with its own state
t_match "header: the worst thing named with its own state (db down on delta)" \
	'^ nodetop  [0-9:]{8}  [^✖]*  ✖ db down on delta' "$S"
t_nomatch "header: no overall UP next to a node in trouble" '● UP' "$(printf '%s\n' "$S" | head -1)"

# ---------------------------------------------------------------- 3: what nodetop did not see begin
t_match "header: delta's database was down before nodetop started: a lower bound" \
	'^ nodetop  [0-9:]{8}  .*✖ db down on delta ≥ [0-9]+s' "$S"
t_match "nodes: delta's db line says 'for ≥ Ns'" '^ +db +✖ down .*for ≥ [0-9]+s' "$S"
tmux_keys j j j Enter
if tmux_wait '^ up since nodetop started [0-9:]{8}'; then
	t_ok "detail: a state already so at the first poll says since when nodetop looked"
else
	t_fail "detail: since nodetop started"
fi
t_match "detail: the node's process start, from uptime_seconds" 'up [0-9]+[smhd]' "$(tmux_screen | sed -n 3p)"
tmux_keys Escape
tmux_wait '─ Nodes ─' >/dev/null

# ---------------------------------------------------------------- 7: messages apart from alerts
tmux_keys y
if tmux_wait 'summary copied'; then t_ok "y: the message is shown"; else t_fail "y message"; fi
S=$(tmux_screen)
t_match "the message is in the footer" 'summary copied \([0-9]+ bytes\)' "$(printf '%s\n' "$S" | tail -1)"
t_match "the header still names the worst thing" '✖ db down on delta' "$(printf '%s\n' "$S" | head -1)"

# ---------------------------------------------------------------- 11: Backspace clears the filter, as the help says
tmux_keys Escape / H e a r t Enter
if tmux_wait 'filter: Heart'; then t_ok "a filter is set"; else t_fail "filter set"; fi
tmux_keys BSpace
if tmux_wait_gone 'filter: Heart'; then t_ok "Backspace clears the filter"; else t_fail "Backspace clears the filter"; fi
tmux_keys q

# the kiosk says the same counts
ui 100 30 "$T_TMP/kiosk.conf"
if tmux_wait 'nodes need attention · 2 up · 1 degraded · 1 starting'; then
	t_ok "kiosk: the same counts"
else
	t_fail "kiosk counts"
fi
tmux_keys q

# ---------------------------------------------------------------- 5: a node that cannot be read shows its last data as last seen
CTL=$T_TMP/sim.ctl
ctl() { printf '%s\n' "$@" >"$CTL.new" && mv "$CTL.new" "$CTL"; }
ctl "0 healthy"
S1=$SIM; S1_PID=$SIM_PID
sim_start --nodes 2 --scenarios healthy,rpc-outage --control-file "$CTL" || t_fail "second simulator starts"
PF=$SIM; SIM=$S1; SIM_PID=$S1_PID
printf '[defaults]\ninterval = 1s\n[node ok]\nurl = %s\n[node bad]\nurl = %s\n' \
	"$(sim_url 0 "$PF")" "$(sim_url 1 "$PF")" >"$T_TMP/p5.conf"
sed 's/^\[defaults\]$/&\nkiosk = true/' "$T_TMP/p5.conf" >"$T_TMP/p5k.conf"
ui 100 30 "$T_TMP/p5k.conf"
# (failing already at nodetop's first poll: how long is a lower bound, point 3)
if tmux_wait 'HeadListener +failing for ≥ [0-9]+s'; then t_ok "kiosk: a live failing check counts its time, at least"; else t_fail "kiosk: failing check"; fi
ctl "0 healthy" "1 unlisten"               # the node stops answering: its checks are last seen
if tmux_wait 'HeadListener +failing when last seen [0-9:]{8}'; then
	t_ok "kiosk: once the node cannot be read, its check is 'failing when last seen T'"
else
	t_fail "kiosk: last seen check"
fi
S=$(tmux_screen)
t_nomatch "kiosk: no live 'failing for' under a node that cannot be read" 'failing for' "$S"
t_match "kiosk: the node's own state is live (down, refused)" '✖ bad +DOWN for [0-9]+s +connection refused' "$S"
tmux_keys q
ctl "0 healthy" "1 rpc-outage" "1 listen"
ui 132 40 "$T_TMP/p5.conf"
tmux_wait '^. . bad +DEGRADED' >/dev/null
tmux_keys j
if tmux_wait '─ Checks · bad ─ 1 of [0-9]+ failing ─'; then t_ok "dashboard: live failing check"; else t_fail "dashboard: failing check"; fi
ctl "0 healthy" "1 unlisten"
if tmux_wait '─ Checks · bad ─ 1 of [0-9]+ failing · last seen [0-9:]{8} ─'; then
	t_ok "dashboard: the checks panel says its checks are last seen at T"
else
	t_fail "dashboard: checks last seen"
fi
t_match "dashboard: the charts too" 'Metrics · bad ─ [0-9]+ series · last seen [0-9:]{8}' "$(tmux_screen)"
tmux_keys q

# ---------------------------------------------------------------- 11: help lines whole, no internals; history cells by shape
ui 100 40 "$CONF"
tmux_wait_polled
tmux_keys '?'
if tmux_wait 'nodetop: keys'; then t_ok "the help opens"; else t_fail "help opens"; fi
S=$(tmux_screen)
t_match "help: a long line wraps instead of being cut" 'with a note \(until' "$S"
t_match "help: ... and goes on on the next line" '│ +changes or a rule fires\); stops the repeats of its notifications +│' "$S"
t_nomatch "help: no internals (frames drawn)" 'frames drawn' "$S"
t_match "help: the history cells have a shape per state, in colour too" 'history: +█ up +░ starting +▒ degraded +X down' "$S"
tmux_keys q q

# ---------------------------------------------------------------- 13: TERM=dumb refused clearly
tmux_stop
rm -f "$T_TMP/rc" "$T_TMP/stderr"
tmux_start 80 24 bash -c 'env TERM=dumb "$1" -c "$2" 2>"$0/stderr"; echo "rc=$?" >"$0/rc"; sleep 60' "$T_TMP" "$NODETOP" "$CONF"
have_rc() { [ -s "$T_TMP/rc" ]; }
t_check "TERM=dumb: nodetop ends at once" wait_until have_rc
t_match "TERM=dumb: a non-zero exit" '^rc=[1-9]' "$(cat "$T_TMP/rc" 2>/dev/null)"
t_match "TERM=dumb: it says why and what to do" "terminal type 'dumb' cannot move the cursor.*--events" "$(cat "$T_TMP/stderr")"

# ---------------------------------------------------------------- 13: --demo leaves no /tmp/nodetop-demo.* behind
tmux_stop
tmux_start 132 40 env LC_ALL=C.UTF-8 "$NODETOP" --demo
tmux_wait '─ Nodes ─' >/dev/null
NT=$(tmux_cmd display -p -t t '#{pane_pid}')     # env execs nodetop: the pane's own process
t_eq "--demo: the pane runs nodetop" nodetop "$(cat /proc/"$NT"/comm 2>/dev/null)"
demo_dir() { local c; for c in $(pgrep -P "$NT"); do tr '\0' '\n' </proc/$c/cmdline 2>/dev/null | grep -m1 '/nodetop-demo\.' ; done | sed 's|/ports$||' | head -1; }
DD=$(demo_dir)
t_match "--demo: its simulator writes in a /tmp/nodetop-demo.* directory" '^/tmp/nodetop-demo\.' "$DD"
t_check "--demo: the directory is there while it runs" test -d "$DD"
tmux_keys q
gone() { ! kill -0 "$NT" 2>/dev/null; }
t_check "--demo: q ends it" wait_until gone
gone_dir() { [ -n "$DD" ] && [ ! -e "$DD" ]; }
t_check "--demo: its directory is removed after q" gone_dir

# ---------------------------------------------------------------- 10: the kiosk's problem takes the space
ui 120 40 "$T_TMP/kiosk.conf"
if tmux_wait '^ +db down on delta for ≥ [0-9]+s *$'; then
	t_ok "kiosk: the worst item across the room, what and where under its big state word"
else
	t_fail "kiosk: big state word"
fi
S=$(tmux_screen)
t_match "kiosk: the state word in block letters above it" '████' "$(printf '%s\n' "$S" | sed -n '3,/db down on delta for/p')"

# ---------------------------------------------------------------- 9: every node failing at once: this host's network
kill -STOP "$SIM_PID"
if tmux_wait "cannot reach any node — check this host's network"; then
	t_ok "kiosk: every node timing out at once is said to be this host's network, apart from the list"
else
	t_fail "kiosk: cannot reach any node"
fi
t_match "kiosk: the nodes' own verdicts are still there below it" '4 of 4 nodes need attention' "$(tmux_screen)"
tmux_keys q
ui 132 40 "$CONF"
if tmux_wait "^ nodetop  [0-9:]{8}  0 up · 4 down   cannot reach any node — check this host's network "; then
	t_ok "dashboard: the header says it, apart from the counts and the worst node"
else
	t_fail "dashboard: cannot reach any node"
fi
kill -CONT "$SIM_PID"
if tmux_wait_gone 'cannot reach any node'; then t_ok "the banner goes when nodes answer again"; else t_fail "banner goes"; fi
tmux_keys q

# ---------------------------------------------------------------- 13: ASCII: '..' for a cut text ('~' is starting), a blank before the scroll marker
ui 80 24 "$CONF" --ascii
tmux_wait '^  ~ charlie +STARTING' >/dev/null
tmux_wait ' v$' >/dev/null
S=$(tmux_screen)
t_match "ASCII: the starting state is ~" '^  ~ charlie +STARTING' "$S"
t_match "ASCII: a cut text ends in .." '[a-z]\.\.$' "$S"
t_nomatch "ASCII: no cut text ends in ~" '[a-z]~$' "$S"
t_match "ASCII: a scroll marker" ' v$' "$S"
t_nomatch "ASCII: the scroll marker never runs into text" '[^ -]v$' "$S"
tmux_keys q

# ---------------------------------------------------------------- 8: sparklines: a constant series flat in the middle, a stall drops to the bottom
S1=$SIM; S1_PID=$SIM_PID
sim_start --nodes 1 --scenarios healthy || t_fail "third simulator starts"
PF8=$SIM; SIM=$S1; SIM_PID=$S1_PID
printf '[defaults]\ninterval = 1s\n[node n8]\nurl = %s\n' "$(sim_url 0 "$PF8")" >"$T_TMP/p8.conf"
ui 132 40 "$T_TMP/p8.conf"
spark_of() { tmux_screen | grep -E -m1 -- "$1" | grep -Eo '[▁▂▃▄▅▆▇█]+' | head -1; }
have_samples() { [ "$(spark_of 'RPC nodes alive' | wc -m)" -ge 6 ]; }
t_check "the charts fill" wait_until have_samples
t_match "a constant series (2 RPC nodes alive) is drawn flat in the middle" '^▄+$' "$(spark_of 'RPC nodes alive')"
heads_move() { tmux_screen | grep -Eq 'heads/min \[1\] +[▁▂▃▄▅▆▇█]+ +[1-9][0-9.]*/min'; }
t_check "heads/min shows heads coming in" wait_until heads_move
sim_scenario 0 rpc-outage "$PF8"
# (a loaded machine may leave a column without a sample: drawn blank, so gaps are allowed)
stalled() { tmux_screen | grep -Eq 'heads/min \[1\] +[▁▂▃▄▅▆▇█ ]*[▂▃▄▅▆▇█][▁▂▃▄▅▆▇█ ]*▁ *▁ +0/min'; }
if wait_until stalled; then t_ok "a stall (no new heads) drops to the bottom of heads/min"; else t_fail "stall visible"; tmux_screen | grep heads/min | sed 's/^/#   /'; fi
tmux_keys q

# ---------------------------------------------------------------- 11: custom chart titles that begin alike stay apart when cut
{
	printf '[defaults]\ninterval = 1s\ncharts = head\n[node n11]\nurl = %s\n' "$(sim_url 0 "$PF8")"
	printf '[chart g1]\ntitle = job run errors per minute on the primary node\nmetric = go_goroutines\n'
	printf '[chart g2]\ntitle = job run errors per minute on the standby node\nmetric = process_open_fds\n'
} >"$T_TMP/p11.conf"
sim_scenario 0 healthy "$PF8"
ui 100 30 "$T_TMP/p11.conf"
tmux_wait 'Metrics · n11 ─ 3 series' >/dev/null
# the label column of the Metrics panel: what is left of the sparkline
labels() { tmux_screen | grep -Eo 'job run[^▁▂▃▄▅▆▇█]*' | sed -E 's/ +$//'; }
L=$(labels)
t_eq "both long titles are on the screen" 2 "$(printf '%s\n' "$L" | grep -c .)"
t_check "they are cut (the pane is too narrow for them)" grep -q '…' <<<"$L"
t_eq "cut, they still read differently" 2 "$(printf '%s\n' "$L" | sort -u | grep -c .)"
t_match "the ends tell them apart (primary / standby)" 'ry node' "$(printf '%s\n' "$L" | head -1)"
tmux_keys q

# ---------------------------------------------------------------- 11: the group line in the smallest layout
S1=$SIM; S1_PID=$SIM_PID
sim_start --nodes 2 --scenarios healthy,down || t_fail "pair simulator starts"
PG=$SIM; SIM=$S1; SIM_PID=$S1_PID
printf '[defaults]\ninterval = 1s\n[node primary]\nurl = %s\ngroup = pair\n[node standby]\nurl = %s\ngroup = pair\n' \
	"$(sim_url 0 "$PG")" "$(sim_url 1 "$PG")" >"$T_TMP/pg.conf"
ui 40 10 "$T_TMP/pg.conf"
if tmux_wait '^  ● pair up on primary'; then
	t_ok "40x10: the group line, with the member carrying it, above the nodes"
else
	t_fail "40x10: group line"
fi
S=$(tmux_screen)
t_match "40x10: the nodes follow it" '^. ● primary ' "$(printf '%s\n' "$S" | sed -n 3p)"
t_match "40x10: the standby too" '^  ○ standby ' "$(printf '%s\n' "$S" | sed -n 4p)"
tmux_keys q

t_done
