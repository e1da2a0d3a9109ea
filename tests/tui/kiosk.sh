#!/bin/bash
# tests/tui/kiosk.sh - the read-only wall screen in tmux: ALL HEALTHY, every key
# ignored, the problem view, pages that turn, burn-in shift, staleness, SIGINT.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

tmux_need
export LC_ALL=C.UTF-8

# twelve healthy nodes n01..n12; kiosk from the config file, pages every 2 s
sim_start --nodes 12 --scenario healthy || { t_fail "simulator starts"; t_done; }
CONF=$T_TMP/kiosk.conf
{
	printf '[defaults]\nkiosk = true\nkiosk_page = 2\n'
	for i in $(seq 0 11); do printf '[node n%02d]\nurl = %s\n' $((i + 1)) "$(sim_url $i)"; done
} >"$CONF"

# kiosk COLS ROWS [ENV=VALUE...]: nodetop on CONF in a fresh tmux, as the child of a
# shell (tmux continues a pane's own process when it is stopped), which records the
# terminal settings around it and stays; stderr kept aside.
kiosk() {
	local c=$1 r=$2; shift 2
	rm -f "$T_TMP/rc" "$T_TMP/stty.before" "$T_TMP/stty.after"
	tmux_start "$c" "$r" bash -c 'stty -g >"$0/stty.before"; "$@" 2>>"$0/stderr"; echo "rc=$?" >"$0/rc"
		stty -g >"$0/stty.after"; echo KIOSK-EXIT; sleep 60' "$T_TMP" \
		env LC_ALL=C.UTF-8 "$@" "$NODETOP" -c "$CONF" --interval 1s
}
nt_pid() { tmux_child nodetop; }
# wider: the screen's lines wider than COLS cells
wider() { tmux_screen | python3 -c 'import sys; print("\n".join(l for l in sys.stdin.read().split("\n") if len(l) > int(sys.argv[1])))' "$1"; }
# masked: the screen with every number as # and runs of spaces as one (clock, ages, centring)
masked() { tmux_screen | sed -E 's/[0-9]+/#/g; s/ +/ /g'; }
# clock_tick: waits until the clock on the screen has moved on twice (two frames
# drawn); fails when it does not
clock_tick() { tmux_ticks 2; }

# ---------------------------------------------------------------- ALL HEALTHY
kiosk 80 24
if tmux_wait 'all 12 nodes healthy'; then t_ok "all healthy: the big view, with the node count"; else t_fail "all healthy view"; fi
S=$(tmux_screen)
t_match "all healthy: block letters (the middle row of A L L H E A L T H Y)" '█████ █ +█ +█████ ████ +█████ █ +█ +█████' "$S"
t_match "all healthy: uptime of node, db and rpc over 1 h and 24 h" 'node +100% +100%' "$S"
t_match "all healthy: rpc uptime" 'rpc +100% +100%' "$S"
t_match "all healthy: the time of the last successful poll" 'last successful poll [0-9]{2}:[0-9]{2}:[0-9]{2} \([0-9]+s ago\)' "$S"
t_match "the clock and the last poll in the top row" '^ [0-9]{2}:[0-9]{2}:[0-9]{2}  nodetop  ● OK  last poll [0-9:]{8}' "$S"
t_match "it says it is a read-only kiosk" 'read-only kiosk · 12 nodes' "$S"
t_eq "kiosk: the mouse is not asked for" "0" "$(tmux_cmd display -p -t t '#{mouse_any_flag}')"

# ---------------------------------------------------------------- one node in trouble: it takes the screen
tmux_cmd resize-window -t t -x 100 -y 40
sim_scenario 4 rpc-outage
if tmux_wait '1 of 12 nodes needs attention'; then t_ok "problem view: a node in trouble takes the screen"; else t_fail "problem view"; fi
tmux_wait 'rpc +✖ down for' >/dev/null
# /metrics shows the outage first; the /health it then asks for brings the check
tmux_wait 'HeadListener +failing for' >/dev/null
S=$(tmux_screen)
t_match "problem view: the failing node first, with its state and since when" \
	'^ ▲ n05  DEGRADED for [0-9]+s' "$(printf '%s\n' "$S" | grep -m1 -E '^ [●▲✖◐?] ')"
t_match "problem view: the indicator that is down, since when and why" 'rpc +✖ down for [0-9]+s +no RPC node Alive' "$S"
t_match "problem view: the failing check with since when" '✖ EVM\.1\.HeadTracker\.HeadListener +failing for [0-9]+s' "$S"
t_match "problem view: the check's output under it" '^ +Listener connected = false, receiving heads = false' "$S"
t_match "problem view: the fine nodes after it" '^ ● n01  UP  node ●  db ●  rpc ●' "$S"
t_match "problem view: the overall status in the top row" 'nodetop  ✖ CRITICAL' "$S"
t_match "problem view: recent events in the room left" 'rpc down on n05' "$S"

# ---------------------------------------------------------------- every interactive key is ignored
tmux_wait 'for [0-9]s' 1 >/dev/null     # (short: the ages must not turn from s to m meanwhile)
BEFORE=$(masked)
tmux_cmd pipe-pane -o -t t "cat >>'$T_TMP/keys.out'"
# (and the terminal's own: Ctrl-Z would suspend, Ctrl-S freeze the output, Ctrl-\ quit)
for k in j k g G h l Space Tab BTab Enter Escape BSpace / f a y '?' F1 Up Down Left Right PPage NPage Home End \
	C-z C-s 'C-\' C-l; do
	tmux_keys "$k"
done
tmux_keys -l 'ack note'
tmux_keys Enter
row=$(tmux_screen | grep -n -m1 ' n01 ' | cut -d: -f1)
tmux_cmd send-keys -t t -H 1b 5b 4d 20 2a $(printf '%x' $((32 + ${row:-5})))     # a mouse press on n01
tmux_cmd send-keys -t t -H 1b 5b 4d 23 2a $(printf '%x' $((32 + ${row:-5})))
tmux_keys q Q
t_check "kiosk: the clock still runs after the keys (nothing froze or suspended it)" clock_tick
tmux_cmd pipe-pane -t t
AFTER=$(masked)
t_check "kiosk: still running after q, Q and every other key" test -n "$(nt_pid)"
if [ "$BEFORE" = "$AFTER" ]; then
	t_ok "kiosk: every key of the interactive mode leaves the screen as it was (clock masked)"
else
	t_fail "kiosk: keys changed the screen"; diff <(echo "$BEFORE") <(echo "$AFTER") | sed 's/^/#   /' | head -20
fi
t_nomatch "kiosk: y copied nothing (no OSC 52)" ']52;' "$(cat -v "$T_TMP/keys.out" 2>/dev/null)"

# ---------------------------------------------------------------- pages: more nodes than fit
tmux_cmd resize-window -t t -x 80 -y 24
for i in 0 1 2 3 5; do sim_scenario $i rpc-outage; done
tmux_wait '6 of 12 nodes need attention' >/dev/null
# /metrics shows the outages first, the /health asked for then makes them DEGRADED
tmux_wait_gone '^ ● n[0-9]+  UP for' >/dev/null
# on_page N: the screen shows page N; PAGE_SCREEN is that very screen (the
# pages turn every 2 s: what is read of a page comes from the same capture)
on_page() { PAGE_SCREEN=$(tmux_screen); grep -Eq " page $1/[2-9]( |\$)" <<<"$PAGE_SCREEN"; }
page_nodes() { grep -Eo '^ [●▲✖◐?] n[0-9]+' <<<"$PAGE_SCREEN" | awk '{print $2}' | sort | tr '\n' ' '; }
if wait_until on_page 1; then t_ok "pages: a page indicator when the nodes do not fit at 80x24"; else t_fail "pages: indicator"; fi
P1=$(page_nodes)
if wait_until on_page 2; then t_ok "pages: the page turns by itself (kiosk_page = 2)"; else t_fail "pages: turn"; fi
P2=$(page_nodes)
[ -n "$P1" ] && [ -n "$P2" ] && [ -z "$(comm -12 <(echo $P1 | tr ' ' '\n') <(echo $P2 | tr ' ' '\n'))" ] \
	&& t_ok "pages: page 2 shows other nodes than page 1 ($P1| $P2)" || t_fail "pages: other nodes ($P1| $P2)"
N=$(tmux_screen | grep -Eo ' page 2/[0-9]+' | grep -Eo '/[0-9]+' | tr -d /)
if wait_until on_page 1; then t_ok "pages: after the last page, the first again"; else t_fail "pages: wrap"; fi
t_match "pages: problem nodes come first (page 1 has only problem nodes)" '^ [▲✖]' "$(grep -m1 -E '^ [●▲✖◐?] n' <<<"$PAGE_SCREEN")"
t_eq "pages: nothing wider than the terminal" "" "$(wider 80)"

# ---------------------------------------------------------------- the simulator frozen: down, not stale
# A frozen simulator makes requests time out: nodetop's data is fresh and says down.
kill -STOP "$SIM_PID"
tmux_cmd pipe-pane -o -t t "cat >>'$T_TMP/frozen.out'"
if tmux_wait '12 of 12 nodes need attention'; then t_ok "simulator frozen: every node needs attention (timeouts)"; else t_fail "frozen: timeouts"; fi
tmux_wait 'DOWN for ([3-9]|[1-9][0-9]+)s' >/dev/null
tmux_cmd pipe-pane -t t
t_match "simulator frozen: the nodes are down, with the time-out" 'DOWN for [0-9]+s .*([Tt]imeout|timed out)' "$(tmux_screen)"
t_nomatch "simulator frozen: not called stale (the polls still complete)" 'DATA STALE' "$(cat "$T_TMP/frozen.out" 2>/dev/null)"
kill -CONT "$SIM_PID"
tmux_wait ' page ' >/dev/null

# ---------------------------------------------------------------- nodetop itself stalled: DATA STALE first
for i in $(seq 0 11); do sim_scenario $i healthy; done
tmux_wait 'all 12 nodes healthy' >/dev/null
PID=$(nt_pid)
tmux_cmd pipe-pane -o -t t "cat >>'$T_TMP/stale.out'"
tmux_wait 'last poll [0-9:]+ \(0s ago\)' >/dev/null
kill -STOP "$PID"
sleep 4.5                  # the stall itself (the stimulus, not a wait): nodetop stopped for 4.5 s
kill -CONT "$PID"
if tmux_wait 'nodetop itself did not run for [0-9]+s'; then t_ok "stall: the screen says nodetop itself did not run"; else t_fail "stall message"; fi
tmux_wait 'all 12 nodes healthy' >/dev/null
tmux_cmd pipe-pane -t t
OUT=$(cat "$T_TMP/stale.out" 2>/dev/null)
t_match "stale: on resume the screen says DATA STALE with the age, before fresh polls" \
	'DATA STALE — last successful poll ([4-9]|[1-9][0-9]+)s ago' "$OUT"
t_match "stale: in big letters too (S of STALE)" '█████' "$OUT"
t_match "stale: then the fresh data again" 'all 12 nodes healthy' "$(tmux_screen)"

# ---------------------------------------------------------------- a failover pair with its standby starting: healthy
sim_scenario 11 starting
PAIR=$T_TMP/pair.conf
printf '[defaults]\nkiosk = true\n[node primary]\nurl = %s\ngroup = pair-1\n[node standby]\nurl = %s\ngroup = pair-1\n' \
	"$(sim_url 10)" "$(sim_url 11)" >"$PAIR"
tmux_start 80 24 env LC_ALL=C.UTF-8 "$NODETOP" -c "$PAIR" --interval 1s
if tmux_wait 'all 2 nodes healthy · pair-1 up on primary, standby waiting'; then
	t_ok "all healthy: a standby starting in an up pair counts as healthy"
else
	t_fail "standby starting in an up pair"
fi
sim_scenario 11 healthy

# ---------------------------------------------------------------- burn-in: the layout moves a cell
kiosk 80 24 NODETOP_KIOSK_SHIFT_MS=700
tmux_wait 'all 12 nodes healthy' >/dev/null
POS=""
inverted=no
# burn_seen: samples the screen; true once 6 places and an inverted banner were seen
burn_seen() {
	local S p
	S=$(tmux_screen)
	p=$(printf '%s\n' "$S" | grep -n -m1 'nodetop  ' | sed -E 's/^([0-9]+):( *).*/\1,\2/' | awk -F, '{print $1 "," length($2)}')
	case " $POS " in *" $p "*) ;; *) POS="$POS $p" ;; esac
	printf '%s\n' "$S" | grep -Eq '█{60,}' && inverted=yes
	[ "$(echo $POS | wc -w)" -ge 6 ] && [ $inverted = yes ]
}
wait_until burn_seen
t_check "burn-in: the top row moved through 6 places a cell apart (row,col:$POS)" test "$(echo $POS | wc -w)" -ge 6
t_eq "burn-in: the banner is drawn inverted every other round" yes "$inverted"
t_eq "burn-in: nothing wider than the terminal" "" "$(wider 80)"

# ---------------------------------------------------------------- SIGINT ends it, the terminal restored
tmux_keys C-c
if tmux_wait 'KIOSK-EXIT'; then t_ok "Ctrl-C (SIGINT) ends the kiosk"; else t_fail "SIGINT ends the kiosk"; fi
t_file_eq "SIGINT: exit status 0" "rc=0" "$T_TMP/rc"
wait_file "$T_TMP/stty.after"
t_same "SIGINT: stty as before" "$T_TMP/stty.before" "$T_TMP/stty.after"
t_eq "SIGINT: alternate screen off, cursor on" "0 1" "$(tmux_cmd display -p -t t '#{alternate_on} #{cursor_flag}')"
t_eq "nothing on stderr" "" "$(cat "$T_TMP/stderr" 2>/dev/null)"

t_done
