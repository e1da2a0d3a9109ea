#!/bin/bash
# tests/tui/screens.sh - the dashboard as a user sees it: the real nodetop in tmux
# against nodetop-sim at 132x40, 80x24, 50x12; keys, resize, modes, terminal restore.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

tmux_need
export LC_ALL=C.UTF-8     # grep, python and tmux read the screen as UTF-8

# alpha healthy, bravo healthy (switched to rpc-outage below), charlie with a
# failing check, delta not listening (down), echo sending hostile bytes.
sim_start --nodes 5 --scenarios healthy,healthy,rpc-outage,down,hostile || { t_fail "simulator starts"; t_done; }
CONF=$T_TMP/nodetop.conf
{
	i=0
	for n in alpha bravo charlie delta echo; do
		# /health of a settled node only when /metrics asks for it: which of the two
		# answers shows an outage first does not depend on the 15 s grid
		printf '[node %s]\nurl = %s\nhealth_interval = 30m\n' "$n" "$(sim_url $i)"
		i=$((i + 1))
	done
} >"$CONF"
# the first four nodes only, for most screens
CONF4=$T_TMP/four.conf
sed '/^\[node echo\]/,$d' "$CONF" >"$CONF4"

UTF8="env LC_ALL=C.UTF-8 LANG=C.UTF-8"
# ui COLS ROWS ARGS...: a fresh tmux with nodetop on CONF4 (stderr kept aside)
ui() {
	local c=$1 r=$2; shift 2
	tmux_start "$c" "$r" sh -c "exec \"\$@\" 2>>'$T_TMP/stderr'" sh $UTF8 "$NODETOP" -c "$CONF4" --interval 1s "$@"
}
# line_of REGEX: the first screen line matching REGEX
line_of() { tmux_screen | grep -E -m1 -- "$1"; }
# card NAME: the node's line and the three indicator lines under it
card() { tmux_screen | grep -E -A3 -m1 -- "^. . $1 "; }
# col_of REGEX LINE: display column where REGEX starts in LINE (UTF-8 aware)
col_of() { python3 -c 'import re,sys; m=re.search(sys.argv[1], sys.argv[2]); print(m.start() if m else -1)' "$1" "$2"; }

# ---------------------------------------------------------------- 132x40: full layout
ui 132 40
tmux_wait 'delta +DOWN' || true
tmux_wait_polled
S=$(tmux_screen)
t_match "132x40: header with clock, nodes up, worst state" '^ nodetop  [0-9]{2}:[0-9]{2}:[0-9]{2}  2 up · 1 degraded · 1 down  ✖ delta down' "$S"
t_match "132x40: nodes panel, checks, metrics and events panels" '─ Nodes ─' "$S"
t_match "132x40: checks panel of the selected node" '─ Checks · alpha ─ 0 of [0-9]+ failing' "$S"
t_match "132x40: metrics panel" 'Metrics · alpha' "$S"
t_match "132x40: events panel" '─ Events ─' "$S"
t_match "132x40: key hints in the footer" '^↑↓ move +Tab panel +Enter detail' "$S"
C=$(card alpha)
t_match "132x40: a card has node, db and rpc lines with 1h and 24h" 'node ● up +1h +100% +24h +100%' "$C"
t_match "132x40: db indicator of alpha" 'db +● up' "$C"
t_match "132x40: rpc indicator of alpha with a history bar" 'rpc +● up .*[·█]{20,}' "$C"
D=$(card delta)
t_match "down node shown as down, with the symbol" '^  ✖ delta +DOWN' "$D"
t_match "down node: the reason is on screen" 'connection refused|refused|connect' "$D"
t_match "failing check count on the node with one" '^  ▲ charlie +DEGRADED .* 1 failing' "$(line_of '^. . charlie ')"
# aligned columns: STATE and CHECKS start at the same column on every node line
cols=""
for n in alpha bravo charlie delta; do
	l=$(line_of "^. . $n ")
	cols="$cols $(col_of '(UP|DEGRADED|DOWN|STARTING|UNKNOWN) ' "$l")"
done
t_eq "node lines: the state column is aligned" "1" "$(echo $cols | tr ' ' '\n' | sort -u | wc -l)"

# ---------------------------------------------------------------- a failing check with its output
tmux_keys j j
tmux_wait '─ Checks · charlie ─ 1 of' || true
S=$(tmux_screen)
t_match "failing check visible, marked, under its parent" '^ +✖ HeadListener' "$S"
t_match "failing check output shown under it" '^ +Listener connected = false, receiving heads = false' "$S"
t_match "failing checks come first: EVM group at the top of the tree" '^ ▾ +EVM \(1 of [0-9]+ failing\)' "$(tmux_screen | grep -A1 -m1 '─ Checks')"
t_match "the selection marker is on charlie" '^▶ ▲ charlie' "$S"

# ---------------------------------------------------------------- an indicator going down
t_match "bravo's rpc is up before the switch" 'rpc +● up' "$(card bravo)"
sim_scenario 1 rpc-outage || t_fail "simulator switched bravo to rpc-outage"
if tmux_wait 'rpc down on bravo for [0-9]+s'; then
	t_ok "the transition is in the timeline: rpc down on bravo for Ns"
else
	t_fail "the transition is in the timeline"
fi
tmux_wait '^    rpc +✖ down' >/dev/null
t_match "bravo's rpc indicator turned down" 'rpc +✖ down +1h' "$(card bravo)"
# /metrics shows the outage (rpc down), /health the failing check (the node degraded): they
# are polled apart, so either may come first. Both are seen, and the timeline is newest first.
bravo_degraded() { card bravo | grep -qE '^ +node +▲ degraded'; }
wait_until bravo_degraded
t_match "bravo's node turned degraded (its failing check, from /health)" 'node +▲ degraded' "$(card bravo)"
EV=$(tmux_screen | grep -A3 -m1 '─ Events' | tail -3)
t_match "the timeline's newest line is of bravo's outage" '^ *[0-9:]{8} . (node|rpc)( chain 1)? (degraded|down) on bravo' "$(head -1 <<<"$EV")"
secs=$(sed -nE 's/^ *([0-9]{2}):([0-9]{2}):([0-9]{2}) .*/\1 \2 \3/p' <<<"$EV" | awk '{ print $1 * 3600 + $2 * 60 + $3 }')
t_eq "the timeline is newest first (3 lines, times not rising)" "3 yes" \
	"$(wc -l <<<"$secs" | tr -d ' ') $(awk '{ d = $1 - prev; if (d > 43200) d -= 86400 } NR > 1 && d > 0 { bad = 1 } { prev = $1 } END { print bad ? "no" : "yes" }' <<<"$secs")"

# ---------------------------------------------------------------- navigation: detail view, focus, collapse
tmux_keys Enter
if tmux_wait '─ Node charlie ─'; then t_ok "Enter opens the detail view of the node"; else t_fail "detail view"; fi
S=$(tmux_screen)
t_match "detail: all checks expanded, with their output" 'Listener connected = false' "$S"
t_match "detail: larger charts with now/min/max" 'head height \[1\] +now [0-9]+ +min [0-9]+ +max [0-9]+' "$S"
t_match "detail: footer says how to go back" '^Esc back' "$S"
t_match "detail: the answers of /health and /metrics counted apart" '[0-9]+ /health [1-9][0-9]* /metrics' "$S"
tmux_keys Escape
tmux_wait '─ Nodes ─' && t_ok "Esc goes back to the node list" || t_fail "Esc goes back"
tmux_keys Tab
tmux_wait '^↑↓ move +Tab panel +Enter open/close' && t_ok "Tab moves the focus to the checks" || t_fail "Tab to checks"
tmux_keys Enter       # the cursor is on EVM: close it
tmux_wait '^ ▸ +EVM \(1 of' && t_ok "Enter closes a check group (▸)" || t_fail "collapse a group"
tmux_keys Enter
tmux_wait '^ ▾ +EVM \(1 of' && t_ok "Enter opens it again (▾)" || t_fail "expand a group"
tmux_keys BTab

# ---------------------------------------------------------------- help
tmux_keys '?'
if tmux_wait 'nodetop: keys'; then t_ok "? opens the help overlay"; else t_fail "help overlay"; fi
S=$(tmux_screen)
for k in 'Tab' 'Enter' '/' 'f ' 'Ctrl-L' 'q ' 'Esc'; do
	t_match "help lists the key $k" "│ [^│]*$k" "$S"
done
t_match "help shows every state symbol" '● up +◐ starting +▲ degraded +✖ down +\? unknown' "$S"
t_match "help says how to measure terminal output" 'wc -c' "$S"
tmux_keys x
tmux_wait '─ Events ─' && t_nomatch "any key closes the help" 'nodetop: keys' "$(tmux_screen)"

# ---------------------------------------------------------------- filter and failing-only
tmux_keys /
tmux_wait 'filter checks:' && t_ok "/ opens the filter prompt" || t_fail "filter prompt"
tmux_keys -l 'HeadL'
tmux_wait '/HeadL' || true
tmux_keys Enter
S=$(tmux_screen)
t_match "filter: the title shows it" '─ Checks · charlie ─ .*/HeadL' "$S"
t_match "filter: the matching check is shown" '✖ HeadListener' "$S"
t_nomatch "filter: other checks are hidden" '● Heartbeat' "$S"
tmux_keys Escape
tmux_wait '● BridgeStatusReporter' >/dev/null
t_nomatch "Esc clears the filter" '─ Checks · charlie ─ .*/HeadL' "$(tmux_screen)"
tmux_keys f
tmux_wait 'failing only' || true
S=$(tmux_screen)
t_match "f: failing only, title says so" '─ Checks · charlie ─ .*failing only' "$S"
t_nomatch "f: passing checks hidden" '● Heartbeat' "$S"
t_match "f: the failing check stays" '✖ HeadListener' "$S"
tmux_keys BTab k k
tmux_wait '─ Checks · alpha ─' || true
t_match "f on a healthy node: says all pass" 'all [0-9]+ checks passing' "$(tmux_screen)"
tmux_keys f

# ---------------------------------------------------------------- resize while running
tmux_cmd resize-window -t t -x 80 -y 24
if tmux_wait '^    node [●▲✖◐?] +[0-9.]+%.* db +[●▲✖◐?] .* rpc +[●▲✖◐?]'; then
	t_ok "80x24: compact layout, the three indicators on one line per node"
else
	t_fail "80x24: compact layout"
fi
S=$(tmux_screen)
t_eq "80x24: nothing wider than the terminal" "" "$(printf '%s\n' "$S" | python3 -c 'import sys; print("\n".join(l for l in sys.stdin.read().split("\n") if len(l) > 80))')"
t_match "80x24: header, nodes, checks, events, footer" '─ Checks ·' "$S"
t_match "80x24: events still visible" '─ Events ─' "$S"
t_match "80x24: the down node reads as down" '✖ delta +DOWN' "$S"
tmux_cmd resize-window -t t -x 50 -y 12
if tmux_wait '✖ bravo +rpc down +[0-9]+[smhd]'; then
	t_ok "50x12: summary line says node, indicator and since when"
else
	t_fail "50x12: summary line"
fi
S=$(tmux_screen)
t_match "50x12: the down node" '✖ delta +node down' "$S"
t_match "50x12: events below the nodes" '─ Events ─' "$S"
tmux_cmd resize-window -t t -x 39 -y 9
tmux_wait 'terminal too small' && t_ok "39x9: terminal too small notice" || t_fail "39x9 notice"
t_match "39x9: says what is needed" '39x9, need 40x10' "$(tmux_screen)"
tmux_cmd resize-window -t t -x 132 -y 40
tmux_wait 'Metrics · ' && t_ok "back to 132x40: full layout again, without a restart" || t_fail "back to full"

# ---------------------------------------------------------------- Ctrl-L, and no redraw when nothing changes
# The foreign bytes go on the Events panel's border, which no frame changes:
# after two more frames (the clock moved on twice) they are still there.
PTY=$(tmux_cmd display -p -t t '#{pane_tty}')
row=$(tmux_screen | grep -n -m1 '─ Events ─' | cut -d: -f1)
printf '\033[%d;60HGARBAGE-ON-SCREEN' "${row:-20}" >"$PTY"
tmux_wait 'GARBAGE-ON-SCREEN' >/dev/null
tmux_ticks 2
t_match "foreign output stays until a repaint (no full redraw per frame)" 'GARBAGE-ON-SCREEN' "$(tmux_screen)"
tmux_keys C-l
tmux_wait_gone 'GARBAGE-ON-SCREEN' >/dev/null
tmux_wait '─ Events ─' >/dev/null
t_nomatch "Ctrl-L repaints the whole screen" 'GARBAGE-ON-SCREEN' "$(tmux_screen)"

# ---------------------------------------------------------------- mouse: a click selects a node
# An X10 mouse press then release on the delta line (1-based col 10, row of delta + 1).
row=$(tmux_screen | grep -n -m1 -E '^. . delta ' | cut -d: -f1)
if [ -n "$row" ]; then
	tmux_cmd send-keys -t t -H 1b 5b 4d 20 $(printf '%x' $((32 + 10))) $(printf '%x' $((32 + row)))
	tmux_cmd send-keys -t t -H 1b 5b 4d 23 $(printf '%x' $((32 + 10))) $(printf '%x' $((32 + row)))
	tmux_wait '─ Checks · delta' && t_ok "a mouse click selects a node" || t_fail "mouse click selects a node"
fi

# ---------------------------------------------------------------- quit
tmux_keys q
session_gone() { ! tmux_cmd has-session -t t 2>/dev/null; }
t_check "q quits" wait_until session_gone
t_eq "nothing written to stderr while curses owned the screen" "" "$(cat "$T_TMP/stderr" 2>/dev/null)"

# ---------------------------------------------------------------- hostile bytes are shown escaped
ui 132 40 -c "$CONF"
tmux_wait 'echo ' >/dev/null
tmux_keys G Enter
tmux_wait '─ Node echo ─' >/dev/null
tmux_wait 'Hostile' >/dev/null
S=$(tmux_screen)
t_match "hostile check name: ESC shown as \\x1b" 'Hostile' "$S"
t_match "hostile bytes are visible escapes" '\\x1b|\\x9b|\\u\{202E\}' "$S"
t_match "header not cleared or moved by the bytes" '^ nodetop  [0-9]{2}:' "$S"
t_nomatch "no window-title text leaked as a title sequence" 'pwned' "$(tmux_cmd display -p -t t '#{pane_title}')"
tmux_keys q

# ---------------------------------------------------------------- failover group, terminal title
GRP=$T_TMP/group.conf
{ printf '[defaults]\ntitle = true\n'; sed 's/^url = .*/&\ngroup = pair-1/' "$CONF4" | sed '/^\[node charlie\]/,/^group/{/^group/d}'; } >"$GRP"
tmux_start 132 40 env LC_ALL=C.UTF-8 "$NODETOP" -c "$GRP" --interval 1s
tmux_wait 'delta +pair-1 +DOWN' >/dev/null
tmux_wait_polled
tmux_wait 'alpha +pair-1 +UP' >/dev/null
# both members of pair-1 answer here: the line names alpha as active, or, once both have
# served for two intervals, says the lease is not keeping them apart (issue 11)
t_match "failover group: its own line above the nodes, with its active member or two active" \
	'^  (● pair-1 up on alpha|▲ pair-1: two active members)  node. db● rpc[●✖]' "$(tmux_screen)"
t_match "group column on the members" '^. . alpha +pair-1 +UP' "$(tmux_screen)"
t_match "title = true: the terminal title carries the status line" 'up' "$(tmux_cmd display -p -t t '#{pane_title}')"
tmux_keys q

# ---------------------------------------------------------------- kiosk: read-only
# (tests/tui/kiosk.sh has the kiosk's views, pages, staleness and burn-in)
ui 132 40 --kiosk
tmux_wait '✖ delta +DOWN' >/dev/null
tmux_wait_polled
tmux_keys j Enter / f q
tmux_wait 'read-only kiosk' >/dev/null
S=$(tmux_screen)
t_match "kiosk: says it is read-only" 'read-only kiosk' "$S"
t_match "kiosk: the node that is down comes first" '^ ✖ delta +DOWN' "$(tmux_screen | grep -m1 -E '^ [●▲✖◐?] ')"
t_check "kiosk: j, Enter, /, f and q change nothing (still running)" tmux_cmd has-session -t t

# ---------------------------------------------------------------- ASCII and no-colour
ui 80 24 --ascii --no-color
tmux_wait 'delta +DOWN' >/dev/null
tmux_wait_polled
S=$(tmux_screen)
t_eq "--ascii: only ASCII on the screen" "" "$(printf '%s' "$S" | LC_ALL=C grep -n '[^ -~]' | head -3)"
t_match "--ascii: down is X" 'X delta +DOWN' "$S"
t_match "--ascii: up is +" '\+ alpha +UP' "$S"
t_match "--ascii: degraded is !" '! charlie +DEGRADED' "$S"
t_match "--ascii: history bars in ASCII" 'node [+!X~?] +[0-9.]+% [.=!X~]+' "$S"
E=$(tmux_cmd capture-pane -e -p -t t)
t_nomatch "--no-color: no colour escapes" $'\033\\[[0-9;]*(3[0-7]|4[0-7]|38;5|48;5)[;m]' "$E"
t_match "--no-color: the down state stands out by attribute (bold/reverse)" $'\033\\[1;7mX' "$E"
tmux_keys q
# NO_COLOR in the environment, and a non-UTF-8 locale choosing ASCII by itself
tmux_start 80 24 env NO_COLOR=1 LC_ALL=C LANG=C "$NODETOP" -c "$CONF4" --interval 1s
tmux_wait 'delta +DOWN' >/dev/null
tmux_wait_polled
t_eq "C locale: ASCII glyphs without --ascii" "" "$(tmux_screen | LC_ALL=C grep -n '[^ -~]' | head -3)"
t_nomatch "NO_COLOR: no colour escapes" $'\033\\[[0-9;]*(3[0-7]|38;5)[;m]' "$(tmux_cmd capture-pane -e -p -t t)"
tmux_keys q

# ---------------------------------------------------------------- terminal types
for term in xterm-256color screen-256color tmux-256color linux vt100; do
	infocmp "$term" >/dev/null 2>&1 || { echo "# no terminfo for $term, skipped"; continue; }
		tmux_start 100 30 env TERM=$term LC_ALL=C.UTF-8 "$NODETOP" -c "$CONF4" --interval 1s
	if tmux_wait '─ Events ─' >/dev/null && tmux_wait 'delta +DOWN' >/dev/null; then
		t_ok "TERM=$term: the dashboard draws"
	else
		t_fail "TERM=$term: the dashboard draws"
	fi
	tmux_keys q
done

# ---------------------------------------------------------------- the terminal is restored
# wrap.sh records stty, O_NONBLOCK and the exit status around one run.
WRAP=$T_TMP/wrap.sh
cat >"$WRAP" <<'EOF'
d=$1; shift
nb() { python3 -c 'import fcntl,os; print("nonblock" if fcntl.fcntl(0, fcntl.F_GETFL) & os.O_NONBLOCK else "block")'; }
ulimit -c 0
stty -a >"$d/stty.before"; nb >"$d/nb.before"
"$@" 2>"$d/stderr.run"
echo $? >"$d/rc"
stty -a >"$d/stty.after"; nb >"$d/nb.after"
echo "WRAPPER-DONE rc=$(cat "$d/rc")"
sleep 60
EOF
restore_case() { # restore_case NAME HOW [ARGS]: HOW is a key name or a signal; ARGS default -c CONF4
	local name=$1 how=$2 d=$T_TMP/r-$1 pid
	shift 2
	[ $# -gt 0 ] || set -- -c "$CONF4"
	mkdir -p "$d"
		tmux_start 100 30 bash "$WRAP" "$d" env LC_ALL=C.UTF-8 "$NODETOP" "$@" --interval 1s
	tmux_wait ' DOWN ' >/dev/null
	case $how in
	key:*) tmux_keys "${how#key:}" ;;
	sig:*) pid=$(tmux_child nodetop)
	       if [ -n "$pid" ]; then kill -"${how#sig:}" "$pid"; else t_fail "$name: nodetop's pid"; return; fi ;;
	esac
	if tmux_wait 'WRAPPER-DONE' >/dev/null; then t_ok "$name: nodetop exits"; else t_fail "$name: nodetop exits"; return; fi
	t_same "$name: stty -a as before" "$d/stty.before" "$d/stty.after"
	t_same "$name: stdin blocking as before" "$d/nb.before" "$d/nb.after"
	t_eq "$name: alternate screen off, cursor on, mouse and keypad modes off" "0 1 0 0" \
		"$(tmux_cmd display -p -t t '#{alternate_on} #{cursor_flag} #{mouse_any_flag} #{keypad_flag}')"
	t_match "$name: the shell's screen is back" 'WRAPPER-DONE' "$(tmux_screen)"
}
restore_case quit key:q
restore_case ctrl-c key:C-c
restore_case sigterm sig:TERM
# SIGHUP without a config file quits (with one it reloads: tests/tui/incident.sh)
restore_case sighup sig:HUP "$(sim_url 0)" "$(sim_url 3)"
restore_case crash sig:SEGV
# A sanitizer build reports the SIGSEGV itself and ends in abort() (134).
if nm "$NODETOP" 2>/dev/null | grep -q ' __asan_init'; then crash_rc=134; else crash_rc=139; fi
t_file_eq "crash: exits by the signal" "$crash_rc" "$T_TMP/r-crash/rc"

# ---------------------------------------------------------------- Ctrl-Z and fg
tmux_start 100 30 env PS1='$ ' LC_ALL=C.UTF-8 bash --norc --noprofile -i
tmux_wait '^\$ ' >/dev/null
tmux_keys -l "$NODETOP -c '$CONF4' --interval 1s"
tmux_keys Enter
tmux_wait 'delta +DOWN' >/dev/null
tmux_wait_polled
tmux_keys C-z
if tmux_wait 'Stopped' >/dev/null; then t_ok "Ctrl-Z suspends to the shell"; else t_fail "Ctrl-Z suspends"; fi
t_eq "suspended: alternate screen off, cursor visible" "0 1" "$(tmux_cmd display -p -t t '#{alternate_on} #{cursor_flag}')"
tmux_keys -l fg
tmux_keys Enter
if tmux_wait '─ Events ─' >/dev/null && tmux_wait 'delta +DOWN' >/dev/null; then
	t_ok "fg brings the dashboard back, fully repainted"
else
	t_fail "fg brings the dashboard back"
fi
tmux_keys q
tmux_wait '^\$ *$' >/dev/null
t_eq "after fg and q: alternate screen off" "0" "$(tmux_cmd display -p -t t '#{alternate_on}')"

# ---------------------------------------------------------------- idle output
# Two healthy nodes, steady state: bytes written to the terminal over ten
# seconds of the dashboard's own clock (ten frames that move the clock on).
sim_scenario 1 healthy
IDLE=$T_TMP/idle.conf
sed '/^\[node charlie\]/,$d' "$CONF" >"$IDLE"
tmux_start 132 40 env LC_ALL=C.UTF-8 "$NODETOP" -c "$IDLE" --interval 5s
tmux_wait 'bravo +UP' >/dev/null
tmux_ticks 6                   # past the second round (5 s): steady state
tmux_cmd pipe-pane -o -t t "cat >>'$T_TMP/tty.out'"
t_check "idle: the clock moves on (10 frames)" tmux_ticks 10
tmux_cmd pipe-pane -t t
bytes=$(wc -c <"$T_TMP/tty.out" 2>/dev/null || echo 99999)
echo "# idle: $bytes bytes written to the terminal in 10 clock seconds (2 nodes, 5 s interval)"
t_check "idle: under 1 KB a second written to the terminal ($bytes bytes in 10 clock seconds)" test "$bytes" -lt 10240
tmux_keys q

t_done
