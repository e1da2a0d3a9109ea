#!/bin/bash
# tests/tui/history.sh - the dashboard after a restart (issue 14), in tmux: the
# uptime figures and the timeline come from the history file, the time nodetop
# was not running is said to be not watched, 7 d / 30 d in the detail view.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

tmux_need
command -v sqlite3 >/dev/null || { t_fail "the sqlite3 command is not installed (apt-get install sqlite3)"; t_done; }
export LC_ALL=C.UTF-8

# bravo's database is down while the first dashboard runs
sim_start --nodes 2 --scenarios healthy,db-outage || { t_fail "simulator starts"; t_done; }
CONF=$T_TMP/history.conf
printf '[defaults]\ninterval = 1s\n[node alpha]\nurl = %s\n[node bravo]\nurl = %s\n' "$(sim_url 0)" "$(sim_url 1)" >"$CONF"
DB=$XDG_STATE_HOME/nodetop/history.db
# the second run watches bravo alone: its few new events leave room for the old ones
printf '[defaults]\ninterval = 1s\n[node bravo]\nurl = %s\n' "$(sim_url 1)" >"$T_TMP/bravo.conf"

ui() { tmux_start 132 40 env LC_ALL=C.UTF-8 XDG_STATE_HOME="$XDG_STATE_HOME" "$NODETOP" -c "$@"; }
written() {
	[ "$(sqlite3 "$DB" "select count(*) from events where node = 'bravo' and kind = 'db' and to_state = 'down'" 2>/dev/null)" -ge 1 ] &&
	[ "$(sqlite3 "$DB" "select count(*) from buckets b join series s on s.id = b.series where s.name = 'bravo' and s.indicator = 'db'" 2>/dev/null)" -ge 1 ]
}

# ---- the first dashboard: bravo's db down, written to the file, then kill -9
ui "$CONF"
tmux_wait_polled
if tmux_wait 'db down on bravo'; then t_ok "first run: bravo's database down"; else t_fail "first run"; fi
t_check "first run: the history file holds bravo's db minutes and its down event" wait_until written
# a few more polls charted, then q: the charted points are written at the exit
# (tests/integ/history.sh kills with -9)
heads() { tmux_screen | grep -E -m1 'head height' | grep -oE '[▁▂▃▄▅▆▇█]' | wc -l; }
many_heads() { [ "$(heads)" -ge 8 ]; }
t_check "first run: the head height sparkline has 8 points" wait_until many_heads
tmux_keys q
gone() { ! tmux_cmd has-session 2>/dev/null; }
wait_until gone
tmux_stop
t_check "first run: its charted points are in the file" test "$(sqlite3 "$DB" 'select count(*) from points' 2>/dev/null)" -ge 1

# bravo's database comes back while nodetop is not running
sim_scenario 1 healthy

# ---- the second dashboard
ui "$T_TMP/bravo.conf"
# as soon as the sparkline is drawn it holds the points of the run before (5 and
# more; polled afresh it would have one or two)
any_heads() { [ "$(heads)" -ge 1 ]; }
wait_until any_heads
if [ "$(heads)" -ge 5 ]; then t_ok "sparklines are full at once: head height shows the earlier points"
else t_fail "sparklines full at once:"; tmux_screen | sed 's/^/#   |/'; sqlite3 "$DB" 'select s.name, s.indicator, length(p.data) from points p join series s on s.id = p.series' | sed 's/^/#   /'; fi
if tmux_wait 'not watched since'; then t_ok "the timeline says since when nothing was watched"; else t_fail "not watched line"; fi
if tmux_wait 'db down on bravo'; then t_ok "the timeline shows the event from before the restart"; else t_fail "restored event"; fi
if tmux_wait 'db up on bravo'; then t_ok "and the new one: bravo's database up"; else t_fail "db up"; fi
# bravo's db is up now, yet its hour is not 100 %: the minutes down came from the file
bravo_db() { tmux_screen | awk '/bravo/ { f = 1 } f && /^ +db / { print; exit }'; }
low_hour() { bravo_db | grep -Eq 'db +. up +1h +[0-9]{1,2}(\.[0-9]+)?% +24h +[0-9]{1,2}(\.[0-9]+)?%'; }
if wait_until low_hour; then t_ok "bravo's db 1h and 24h below 100 % after the restart: $(bravo_db | cut -c1-60)"
else t_fail "bravo's db 1h/24h from history (line: $(bravo_db))"; fi

# b: one cell an hour, from the file: this hour (or the one before, at an hour's
# turn) holds run 1's down minutes, though bravo's db is up now
tmux_keys b
if tmux_wait '1 cell = 1 hour'; then t_ok "b: hour bars, said in a message"; else t_fail "b message"; fi
hour_bar() { bravo_db | grep -Eq 'X█? *$'; }
if wait_until hour_bar; then t_ok "hour bar: the down time before the restart is in it: $(bravo_db | cut -c50-)"
else t_fail "hour bar (line: $(bravo_db))"; fi
tmux_keys b b b
if tmux_wait '1 cell = 1 minute'; then t_ok "b cycles back to minutes"; else t_fail "b cycle"; fi

# the detail view of bravo: 7 d and 30 d known
tmux_keys Enter
long_known() { tmux_screen | grep -Eq '^ db +. up +1h .* 7d +[0-9.]+% +30d +[0-9.]+%'; }
if wait_until long_known; then t_ok "detail view: db with 7d and 30d from the history"
else t_fail "detail view 7d/30d:"; tmux_screen | sed 's/^/#   |/'; fi
tmux_stop
t_done
