#!/bin/bash
# tests/tui/dbscreen.sh - issue 15 on the dashboard, in tmux, with a real PostgreSQL:
# the standby's database seen by nodetop's own probe, the detail view's database
# line (the lease tied to the node holding it), and the database stopped: down on
# every node tied to it, in the timeline.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/integ/pg_lib.sh"

tmux_need
pg_have || { t_fail "PostgreSQL server binaries in $PG_BIN and a user ($PG_USER) to run them (apt-get install postgresql)"; t_done; }
export LC_ALL=C.UTF-8

pg_init a && pg_start a || { t_fail "PostgreSQL initdb and start as $PG_USER"; t_done; }
sim_start --nodes 2 --scenarios healthy,healthy --lease-pair 0,1 --failover-ms 86400000 || { t_fail "simulator starts"; t_done; }
PW=$T_TMP/pw; printf '%s\n' "$PG_SUPERPASS" >"$PW"; chmod 600 "$PW"
# the primary's node keeps Chainlink's lease (a session with application_name cl-primary)
pg_sql a "CREATE TABLE lease_lock (client_id uuid NOT NULL, expires_at timestamptz NOT NULL);
          CREATE UNIQUE INDEX only_one_lease_lock ON lease_lock ((client_id IS NOT NULL));"
pg_lease a cl-primary 55555555-eeee-4eee-8eee-000000000005
CONF=$T_TMP/db.conf
{
	printf '[defaults]\ninterval = 1s\ntimeout = 1s\n'
	printf '[node primary]\nurl = %s\ngroup = pair\ndb_client = 127.0.0.1|cl-primary\n' "$(sim_url 0)"
	printf '[node standby]\nurl = %s\ngroup = pair\n' "$(sim_url 1)"
	printf '[database db-a]\nhost = 127.0.0.1\nport = %s\ndbname = postgres\nuser = postgres\npassword_file = %s\n' "$(pg_port a)" "$PW"
	printf 'interval = 1s\ntimeout = 1s\nnodes = pair\n'
} >"$CONF"

tmux_start 132 40 env LC_ALL=C.UTF-8 "$NODETOP" -c "$CONF" || { t_fail "tmux starts"; t_done; }
tmux_wait '^. ○ standby +pair +STANDBY' >/dev/null
tmux_wait_polled
# the standby's card: its node indicator standby, its database up by the direct probe
card() { tmux_screen | grep -A3 -E -m1 -- "^. . $1 " | grep -E -m1 '^ +db '; }   # its db line
standby_db_up() { card standby | grep -Eq 'db +● +'; }
if wait_until standby_db_up; then t_ok "the standby's database is up (nodetop's own probe; the standby serves no /metrics)"; else t_fail "the standby's database is up"; tmux_screen | sed "s/^/#   |/"; fi
t_nomatch "the standby's database is not dimmed as 'seen'" 'db +● +.* seen' "$(card standby)"

tmux_keys Down Enter
if tmux_wait 'Node standby'; then t_ok "the detail view of the standby"; else t_fail "the detail view of the standby"; fi
if tmux_wait '● database db-a writer [0-9]+/30 conns [0-9.]+ ?(ms|µs|us|s) +lease: held by primary, expires in [0-9]'; then
	t_ok "detail view: the database line (role, connections, latency, the lease held by the primary's node)"
else
	t_fail "detail view: the database line"
fi
t_nomatch "the password is not on the screen" "$PG_SUPERPASS" "$(tmux_screen)"

pg_stop a
if tmux_wait '✖ database db-a down, refused: .*Connection refused'; then
	t_ok "stopped: the detail view says down, refused"
else
	t_fail "stopped: the detail view says down, refused"
fi
tmux_keys Escape
if tmux_wait 'db down on (primary|standby) for'; then t_ok "stopped: the timeline tells the database down"; else t_fail "timeline: db down"; fi
both_down() { card primary | grep -Eq 'db +✖' && card standby | grep -Eq 'db +✖'; }
t_check "stopped: the database indicator down on both members (the standby too)" wait_until both_down
t_done
