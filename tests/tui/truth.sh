#!/bin/bash
# tests/tui/truth.sh - the screen says only what is true (issue 12), in tmux:
# counts where "up" means up, the header naming the worst thing with its own state,
# messages apart from alerts, stale nodes shown as last seen, sparklines, the
# "cannot reach any node" banner, the kiosk, and the smaller items.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

command -v tmux >/dev/null 2>&1 || { echo "# SKIP: tmux is not installed"; exit 77; }
[ -x "$NODETOP" ] && [ -x "$NODETOP_SIM" ] || { echo "# SKIP: $NODETOP or $NODETOP_SIM not built"; exit 77; }
export LC_ALL=C.UTF-8

# four nodes: two healthy, one starting (HTTP 204), one with its database down
sim_start --nodes 4 --scenarios healthy,healthy,starting,db-outage || { t_fail "simulator starts"; t_done; }
CONF=$T_TMP/truth.conf
{
	printf '[defaults]\ninterval = 1s\n'
	i=0; for n in alpha bravo charlie delta; do printf '[node %s]\nurl = %s\n' $n "$(sim_url $i)"; i=$((i + 1)); done
} >"$CONF"
sed 's/^\[defaults\]$/&\nkiosk = true/' "$CONF" >"$T_TMP/kiosk.conf"

tmux_reset() {
	[ -n "$T_TMUX" ] || return 0
	tmux_cmd kill-server 2>/dev/null
	for i in $(seq 50); do tmux_cmd ls >/dev/null 2>&1 || break; sleep 0.05; done
}
# ui COLS ROWS CONF [ARGS...]: nodetop in a fresh tmux, as the child of a shell that stays
ui() {
	local c=$1 r=$2 f=$3; shift 3
	tmux_reset
	tmux_start "$c" "$r" bash -c '"$@" 2>>"$0/stderr"; echo "rc=$?" >"$0/rc"; echo NODETOP-EXIT; sleep 60' "$T_TMP" \
		env LC_ALL=C.UTF-8 "$NODETOP" -c "$f" "$@"
}
line_of() { tmux_screen | grep -E -m1 -- "$1"; }

# ---------------------------------------------------------------- 2: counts, "up" means up
ui 132 40 "$CONF"
tmux_wait_polled 15
if tmux_wait '2 up · 1 degraded · 1 starting' 15; then t_ok "counts: 2 up · 1 degraded · 1 starting"; else t_fail "counts"; fi
S=$(tmux_screen)
t_match "header: the counts, not 4/4 up" '^ nodetop  [0-9:]{8}  2 up · 1 degraded · 1 starting  ' "$S"
t_match "nodes panel title: the same counts" '^─ Nodes ─.* 2 up · 1 degraded · 1 starting ─+$' "$S"
t_nomatch "nowhere 4/4 up" '4/4 up' "$S"

# ---------------------------------------------------------------- 1: the worst thing with its own state
t_match "header: the worst thing named with its own state (db down on delta)" \
	'^ nodetop  [0-9:]{8}  [^✖]*  ✖ db down on delta' "$S"
t_nomatch "header: no overall UP next to a node in trouble" '● UP' "$(printf '%s\n' "$S" | head -1)"

# ---------------------------------------------------------------- 7: messages apart from alerts
tmux_keys y
if tmux_wait 'summary copied' 5; then t_ok "y: the message is shown"; else t_fail "y message"; fi
S=$(tmux_screen)
t_match "the message is in the footer" 'summary copied \([0-9]+ bytes\)' "$(printf '%s\n' "$S" | tail -1)"
t_match "the header still names the worst thing" '✖ db down on delta' "$(printf '%s\n' "$S" | head -1)"

# ---------------------------------------------------------------- 11: Backspace clears the filter, as the help says
tmux_keys Escape / H e a r t Enter
if tmux_wait 'filter: Heart' 5; then t_ok "a filter is set"; else t_fail "filter set"; fi
tmux_keys BSpace
if tmux_wait_gone 'filter: Heart' 5; then t_ok "Backspace clears the filter"; else t_fail "Backspace clears the filter"; fi
tmux_keys q

# the kiosk says the same counts
ui 100 30 "$T_TMP/kiosk.conf"
if tmux_wait 'nodes need attention · 2 up · 1 degraded · 1 starting' 15; then
	t_ok "kiosk: the same counts"
else
	t_fail "kiosk counts"
fi
tmux_keys q

t_done
