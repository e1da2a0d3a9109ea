#!/bin/bash
# tests/tui/incident.sh - nodetop in a tmux pane during an incident: bell and title
# only on transitions (rate-limited), acknowledge, the OSC 52 summary, config reload
# messages, and quitting when the terminal goes away.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

tmux_need
export LC_ALL=C.UTF-8

sim_start --nodes 4 --scenario healthy || { t_fail "simulator starts"; t_done; }
# conf FILE NODES... [-- EXTRA LINES]: a config with bell and title on
conf() {
	local f=$1 i; shift
	{
		printf '[defaults]\nbell = true\ntitle = true\n'
		for n in "$@"; do
			case $n in alpha) i=0 ;; bravo) i=1 ;; charlie) i=2 ;; delta) i=3 ;; *) printf '%s\n' "$n"; continue ;; esac
			printf '[node %s]\nurl = %s\n' "$n" "$(sim_url $i)"
		done
	} >"$f"
}
conf "$T_TMP/r.conf" alpha bravo charlie

# run COLS ROWS ENV... -- ARGS...: nodetop in T_TMP as the child of a shell that stays
run() {
	local c=$1 r=$2 env=()
	shift 2
	while [ "$1" != -- ]; do env+=("$1"); shift; done
	shift
	tmux_start "$c" "$r" bash -c 'cd "$0" && "$@" 2>>"$0/stderr"; echo NODETOP-EXIT; sleep 60' "$T_TMP" \
		env LC_ALL=C.UTF-8 "${env[@]}" "$NODETOP" --interval 1s "$@"
	tmux_cmd set -g set-clipboard on
}
nt_pid() { tmux_child nodetop; }
title() { tmux_cmd display -p -t t '#{pane_title}'; }
# pipe_on NAME: the bytes written to the pane from now on go to T_TMP/NAME;
# pipe_off: stops that and waits until the pipe's shell and cat are gone (all
# bytes are in the file).
pipe_on() { PIPE=$1; rm -f "$T_TMP/$1"; touch "$T_TMP/$1"; tmux_cmd pipe-pane -o -t t "cat >>'$T_TMP/$1'"; }
pipe_gone() { ! pgrep -f -- "cat >>'$T_TMP/$PIPE'" >/dev/null; }
pipe_off() { tmux_cmd pipe-pane -t t; wait_until pipe_gone || echo "# the pipe to $PIPE did not end"; }
# bells FILE / titles FILE: BEL bytes outside OSC strings, OSC 2 sequences
bells() { python3 -c 'import re,sys; d=open(sys.argv[1],"rb").read(); d=re.sub(rb"\x1b\][^\x07\x1b]*(\x07|\x1b\\\\)", b"", d); print(d.count(b"\x07"))' "$T_TMP/$1"; }
titles() { python3 -c 'import sys; print(open(sys.argv[1],"rb").read().count(b"\x1b]2;"))' "$T_TMP/$1"; }
# seconds N: waits until the clock on the screen has moved on N times (at
# least N seconds of the dashboard's own time)
seconds() { tmux_ticks "$1" || echo "# the clock on the screen did not move on $1 times"; }
# wait_title REGEX: until the pane title matches
title_is() { title | grep -Eq -- "$1"; }
wait_title() { wait_until title_is "$1" && return 0; echo "# title '$(title)' does not match /$1/"; return 1; }

# ---------------------------------------------------------------- bell and title only on transitions
# At most one bell and one title per 10 s here: the second node's transition
# comes a round or two after the first's, within those 10 s on a loaded machine.
run 132 40 NODETOP_ALERT_MIN_MS=10000 -- -c r.conf
tmux_wait 'charlie +UP' >/dev/null
if wait_title '^CL 3/3 up$'; then t_ok "title = true: the status line becomes the pane title"; else t_fail "initial title"; fi
pipe_on steady1
seconds 11                              # also: the first title is more than 10 s old
pipe_off
t_eq "steady state: no bell" 0 "$(bells steady1)"
t_eq "steady state: no title sequence" 0 "$(titles steady1)"

pipe_on trans
sim_scenario 1 rpc-outage
tmux_wait 'rpc down on bravo' >/dev/null
sim_scenario 2 rpc-outage               # within the 10 s after the first bell
tmux_wait 'rpc down on charlie' >/dev/null
two_titles() { [ "$(titles trans)" -ge 2 ]; }
wait_until two_titles
pipe_off
t_eq "two nodes going down a round apart: one bell (rate-limited)" 1 "$(bells trans)"
t_eq "their transitions: the title at once, and the one held back when the 10 s are over" 2 "$(titles trans)"
t_match "the title says what is down" 'rpc DOWN (bravo|charlie)' "$(title)"
t_match "the title is OSC 2 ending in BEL" $'\033\\]2;CL [12]/3 up · rpc DOWN [a-z]+ [0-9]+s\a' "$(cat "$T_TMP/trans")"
seconds 11                              # a title held back for a late event is written by now
pipe_on steady2
seconds 3
pipe_off
t_eq "steady again (two nodes down): no bell" 0 "$(bells steady2)"
t_eq "steady again: no title sequence" 0 "$(titles steady2)"

# ---------------------------------------------------------------- acknowledge
tmux_keys a
tmux_wait 'alpha has no problem to acknowledge' >/dev/null && t_ok "a on a healthy node: nothing to acknowledge" \
	|| t_fail "a on a healthy node"
tmux_keys j a
if tmux_wait 'ack bravo: .*Enter confirm  Esc cancel'; then t_ok "a opens the prompt for the selected node"; else t_fail "ack prompt"; fi
tmux_keys -l 'quick fix? jkqx'
tmux_keys BSpace
tmux_wait 'ack bravo: quick fix\? jkq ' >/dev/null && t_ok "the prompt takes every printable key (q does not quit), Backspace edits" \
	|| t_fail "prompt editing"
tmux_keys BSpace BSpace BSpace BSpace
tmux_keys -l ' <on it> ☕'
tmux_keys Enter
if tmux_wait 'ACK: quick fix\? <on it> ☕'; then t_ok "Enter: the node's row shows ACK: note"; else t_fail "ACK on the row"; fi
t_match "the acknowledgement is in the timeline" 'ack on bravo +quick fix\? <on it>' "$(tmux_screen)"
t_match "and on bravo's row" '^. . bravo .*ACK: quick fix' "$(tmux_screen)"
tmux_keys j a
tmux_wait 'ack charlie:' >/dev/null
tmux_keys -l zzz
tmux_wait 'ack charlie: zzz' >/dev/null
tmux_keys Escape
tmux_wait '^↑↓ move' >/dev/null
t_nomatch "Esc cancels: no prompt, no note" 'zzz|ack charlie:' "$(tmux_screen)"

# ---------------------------------------------------------------- y: the summary through OSC 52
pipe_on osc
tmux_keys y
if tmux_wait 'summary copied \([0-9]+ bytes\) — in tmux: set -g set-clipboard on'; then
	t_ok "y: says the summary was copied, and what tmux needs"
else
	t_fail "y: message"
fi
pipe_off
B=$(tmux_cmd show-buffer 2>/dev/null)
t_match "tmux's paste buffer holds the summary (set-clipboard on)" '^nodetop incident summary, .*: CRITICAL' "$B"
t_match "summary: the failing check with its output" 'Listener connected = false, receiving heads = false' "$B"
t_match "summary: the acknowledgement" 'acknowledged .*quick fix\? <on it> ☕' "$B"
# a duration as fmt_duration writes it: 0s, 12s, 4m12s, 3h05m, 2d04h, 123d
DUR='[0-9]+[dhms]([0-9]+[hms])?'
t_match "summary: indicator states with since when" "rpc: DOWN since [0-9T:-]+Z \\($DUR\\)" "$B"
t_match "summary: the last events" 'last [0-9]+ events \(newest first\)' "$B"
OSC=$(python3 -c 'import re,sys,base64; d=open(sys.argv[1],"rb").read(); m=re.search(rb"\x1b\]52;c;([A-Za-z0-9+/=]*)\x07", d); sys.stdout.write(base64.b64decode(m.group(1)).decode() if m else "")' "$T_TMP/osc")
t_eq "the OSC 52 bytes written decode to the same text" "$B" "$OSC"
ONCE=$(cd "$T_TMP" && "$NODETOP" --once --summary -c r.conf 2>/dev/null)
# (one poll cannot know since when: --once gives no duration for what it saw once)
mask() { grep -E '^[a-z]+.*: [A-Z]+' | sed -E 's/ since .*//; s/[0-9]+//g'; }
t_eq "--once --summary: the same nodes and states" "$(printf '%s\n' "$B" | mask)" "$(printf '%s\n' "$ONCE" | mask)"
t_match "--once --summary: the same failing check output" 'Listener connected = false, receiving heads = false' "$ONCE"

# ---------------------------------------------------------------- the acknowledgement ends with the state
sim_scenario 1 healthy
tmux_wait '^. . bravo +UP' >/dev/null
t_nomatch "bravo up again: its ACK is gone" 'ACK: quick fix' "$(tmux_screen | grep -E '^. . bravo ')"

# ---------------------------------------------------------------- SIGHUP reloads the file; the message
PID=$(nt_pid)
conf "$T_TMP/r.conf" alpha bravo charlie delta
kill -HUP "$PID"
if tmux_wait 'config reloaded: 4 nodes \(1 added'; then t_ok "SIGHUP: the reload is announced (in the footer, apart from the alerts)"; else t_fail "reload message"; fi
tmux_wait '^. . delta +UP' >/dev/null && t_ok "the node added to the file is on the screen, polled" || t_fail "added node shown"
conf "$T_TMP/r.conf" alpha bravo 'intervall = 5s'
kill -HUP "$PID"
if tmux_wait "config not reloaded: r.conf:[0-9]+: unknown key 'intervall'"; then
	t_ok "a broken file: the error with file:line on screen"
else
	t_fail "reload error in the header"
fi
t_match "the error is in reverse video, in the footer" $'\033\\[[0-9;]*7[0-9;]*m(\033\\[[0-9;]*m)* ✖ config not reloaded' "$(tmux_cmd capture-pane -e -p -t t | tail -1)"
t_nomatch "the header keeps the alerts: no message there" 'not reloaded' "$(tmux_screen | head -1)"
tmux_wait "^ [0-9:]{8} config config not reloaded: r.conf:[0-9]+: unknown key" >/dev/null \
	&& t_ok "the error is in the timeline" || t_fail "the error is in the timeline"
t_match "the old nodes are still shown and polled" '^. . delta +UP' "$(tmux_screen)"
t_check "nodetop is still running" kill -0 "$PID"
# an error stays until fixed or acknowledged: still there once the screen's clock has moved on 11 s
secs() { tmux_screen | grep -Eo -m1 '[0-9]{2}:[0-9]{2}:[0-9]{2}' | head -1 | awk -F: '{ print ($1 * 3600 + $2 * 60 + $3) }'; }
S0=$(secs)
clock_moved_11() { local s1; s1=$(secs); [ -n "$s1" ] && [ $(( (s1 - S0 + 86400) % 86400 )) -ge 11 ]; }
t_check "the screen's clock moves on 11 s" wait_until clock_moved_11
t_match "the error is still shown 11 s later" 'config not reloaded' "$(tmux_screen | tail -1)"
tmux_keys Escape
footer_clear() { ! tmux_screen | tail -1 | grep -q 'not reloaded'; }
t_check "Esc acknowledges the error: it goes from the footer" wait_until footer_clear

# ---------------------------------------------------------------- a stall of nodetop itself: DATA STALE in the header
pipe_on stall
kill -STOP "$PID"
sleep 4.5                               # the stall itself (the stimulus, not a wait): nodetop stopped for 4.5 s
kill -CONT "$PID"
tmux_wait 'nodetop itself did not run for [0-9]+s' >/dev/null && t_ok "after a stall: the header says nodetop did not run" \
	|| t_fail "stall message in the header"
pipe_off
t_match "after a stall: first DATA STALE with the age, before fresh polls" \
	'DATA STALE — last successful poll ([4-9]|[1-9][0-9]+)s ago' "$(cat "$T_TMP/stall")"
# the stall is said in the footer at once; the header's DATA STALE goes with the next fresh poll
if tmux_wait_gone 'DATA STALE' >/dev/null; then t_ok "then the fresh data: no DATA STALE any more"
else t_fail "then the fresh data: no DATA STALE any more"; tmux_screen | head -3 | sed 's/^/#   /'; fi

# ---------------------------------------------------------------- the terminal goes away
tmux_stop
nt_gone() { ! kill -0 "$PID" 2>/dev/null; }
if wait_until nt_gone; then t_ok "the terminal gone (SIGHUP with a config reloads): nodetop quits on EOF/EIO"
else t_fail "the terminal gone (SIGHUP reloads): nodetop quits on EOF"; kill "$PID"; fi

# ---------------------------------------------------------------- no title where TERM has none; kiosk: off by default
conf "$T_TMP/r.conf" alpha bravo
# (one bell a minute: the rpc transition rings, the node's from /health a
# moment later may not, however loaded the machine)
run 100 30 TERM=vt100 NODETOP_ALERT_MIN_MS=60000 -- -c r.conf
tmux_wait 'bravo +UP' >/dev/null
seconds 1
pipe_on vt100
sim_scenario 0 rpc-outage
tmux_wait 'rpc down on alpha' >/dev/null
seconds 1
pipe_off
t_eq "TERM=vt100: the bell rings on the transition" 1 "$(bells vt100)"
t_eq "TERM=vt100: no title sequence" 0 "$(titles vt100)"
sim_scenario 0 healthy
printf '[defaults]\nkiosk = true\n[node alpha]\nurl = %s\n[node bravo]\nurl = %s\n' "$(sim_url 0)" "$(sim_url 1)" >"$T_TMP/k.conf"
run 100 30 NODETOP_ALERT_MIN_MS=60000 -- -c k.conf
tmux_wait 'all 2 nodes healthy' >/dev/null
pipe_on kiosk
sim_scenario 1 rpc-outage
tmux_wait '1 of 2 nodes needs attention' >/dev/null
seconds 1
pipe_off
t_eq "kiosk: no bell unless bell = true" 0 "$(bells kiosk)"
t_eq "kiosk: no title unless title = true" 0 "$(titles kiosk)"
tmux_keys C-c
tmux_wait NODETOP-EXIT >/dev/null

t_eq "nothing on stderr" "" "$(cat "$T_TMP/stderr" 2>/dev/null)"
t_done
