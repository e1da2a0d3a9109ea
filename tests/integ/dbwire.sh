#!/bin/bash
# tests/integ/dbwire.sh - issue 15 through the real binary: [database] sections,
# `nodetop --once --json` and `--events` against a real PostgreSQL and nodetop-sim.
# up, stopped, SIGSTOPped, wrong password, verify-full, promoted replica, lease, rights.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/integ/pg_lib.sh"

pg_have || { t_fail "PostgreSQL server binaries in $PG_BIN and a user ($PG_USER) to run them (apt-get install postgresql)"; t_done; }
jget() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); v=eval(sys.argv[1]); print(" ".join(map(str, v)) if isinstance(v, tuple) else v)' "$2" <<<"$1"; }

pg_init a && pg_start a || { t_fail "PostgreSQL initdb and start as $PG_USER"; t_done; }
t_ok "a real PostgreSQL on 127.0.0.1:$(pg_port a)"
# a pair (node 1 the standby: refused, as a Chainlink standby waiting for the lease)
# and a node whose own pool is empty (db-outage: db_conns_open = 0)
sim_start --nodes 3 --scenarios healthy,healthy,db-outage --lease-pair 0,1 --failover-ms 86400000 || { t_fail "simulator starts"; t_done; }
PW=$T_TMP/pw; printf '%s\n' "$PG_SUPERPASS" >"$PW"; chmod 600 "$PW"
WRONG="wrong-$RANDOM-pw"; printf '%s\n' "$WRONG" >"$T_TMP/wrong"; chmod 600 "$T_TMP/wrong"

# conf FILE DB_EXTRA...: the nodes, and [database db-a] on cluster a with extra keys
conf() {
	local f=$1; shift
	{
		printf '[defaults]\ninterval = 10s\ntimeout = 10s\n'
		printf '[node primary]\nurl = %s\ngroup = pair\n' "$(sim_url 0)"
		printf '[node standby]\nurl = %s\ngroup = pair\n' "$(sim_url 1)"
		printf '[node reporter]\nurl = %s\ndatabase = db-a\n' "$(sim_url 2)"
		printf '[database db-a]\nhost = 127.0.0.1\nport = %s\ndbname = postgres\nuser = postgres\n' "$(pg_port a)"
		printf 'password_file = %s\ninterval = 30s\ntimeout = 20s\nnodes = pair\n' "$PW"
		printf '%s\n' "$@"
	} >"$f"
}
once() { # once CONF: --once --json; sets OUT, RC
	OUT=$("$NODETOP" --once --json -c "$1" 2>"$T_TMP/err"); RC=$?
	[ -s "$T_TMP/err" ] && sed 's/^/# stderr: /' "$T_TMP/err"
	return 0
}
node() { echo "d['nodes'][[n['name'] for n in d['nodes']].index('$1')]"; }
P=$(node primary); S=$(node standby); R=$(node reporter)

# ---------------------------------------------------------------- up
conf "$T_TMP/up.conf"
once "$T_TMP/up.conf"
t_eq "up: direct probe of db-a: up, writer, max_connections 30" "up writer 30" \
	"$(jget "$OUT" "$P['database']['direct'][0]['state'], $P['database']['direct'][0]['role'], $P['database']['direct'][0]['max_connections']")"
t_eq "up: primary's database up, both views (node_view up)" "up up" "$(jget "$OUT" "$P['database']['state'], $P['database']['node_view']['state']")"
t_eq "up: the standby (refused) has no view of its own, the direct probe says up" "standby unknown up" \
	"$(jget "$OUT" "$S['state'], $S['database']['node_view']['state'], $S['database']['state']")"
t_match "up: the standby's database reason says the direct probe saw it" 'db-a up \(direct probe' "$(jget "$OUT" "$S['database']['reason']")"
t_eq "up: latency and connections in the direct entry" True \
	"$(jget "$OUT" "$P['database']['direct'][0]['latency_ms'] > 0 and $P['database']['direct'][0]['connections'] >= 1")"
t_eq "up: no lease_lock table: lease null" None "$(jget "$OUT" "$P['database']['direct'][0]['lease']")"
t_eq "up: the reporter (database = db-a) whose pool is empty: down, the node cannot use the database" down \
	"$(jget "$OUT" "$R['database']['state']")"
t_match "up: ... and says which saw what" '^node cannot use the database: db_conns_open = 0.*db-a up \(direct probe\)' \
	"$(jget "$OUT" "$R['database']['reason']")"
t_eq "up: exit 2 (the reporter's database is critical)" 2 "$RC"
t_eq "up: the top-level databases list, with the nodes and groups tied" "db-a up pair reporter" \
	"$(jget "$OUT" "(d['databases'][0]['name'], d['databases'][0]['state'], *d['databases'][0]['ties'])")"
t_nomatch "up: the password is nowhere in the report" "$PG_SUPERPASS" "$OUT"
TXT=$("$NODETOP" --once -c "$T_TMP/up.conf" 2>&1)
t_match "up: text report: the direct line" 'db-a \(direct\): UP, writer, [0-9]+/30 connections' "$TXT"

# ---------------------------------------------------------------- wrong password
conf "$T_TMP/wrong.conf"
sed -i "s|^password_file = .*|password_file = $T_TMP/wrong|" "$T_TMP/wrong.conf"
once "$T_TMP/wrong.conf"
t_eq "wrong password: direct down, auth" "down auth" "$(jget "$OUT" "$P['database']['direct'][0]['state'], $P['database']['direct'][0]['error']['class']")"
t_eq "wrong password: the database indicator down, even for the standby" "down down" \
	"$(jget "$OUT" "$P['database']['state'], $S['database']['state']")"
t_match "wrong password: libpq's reason" 'password authentication failed for user "postgres"' "$(jget "$OUT" "$P['database']['reason']")"
t_nomatch "wrong password: neither password in the report" "$WRONG|$PG_SUPERPASS" "$OUT"
EV=$("$NODETOP" --once -c "$T_TMP/wrong.conf" 2>&1)
t_nomatch "wrong password: nor in the text report" "$WRONG|$PG_SUPERPASS" "$EV"

# ---------------------------------------------------------------- verify-full without TLS
conf "$T_TMP/tls.conf" "sslmode = verify-full" "sslrootcert = $PW"
once "$T_TMP/tls.conf"
t_eq "verify-full, the server has no TLS: down, tls" "down tls" "$(jget "$OUT" "$P['database']['direct'][0]['state'], $P['database']['direct'][0]['error']['class']")"
t_match "verify-full: libpq's reason in the indicator" 'SSL' "$(jget "$OUT" "$P['database']['reason']")"

# ---------------------------------------------------------------- valgrind
# memcheck over the database paths: --once up and failing (auth), and --events
# with probes on a kept connection, ended by SIGTERM with a probe maybe in flight.
if nm "$NODETOP" 2>/dev/null | grep -q ' __asan_init'; then
	echo "# $NODETOP is built with AddressSanitizer: every run here was checked by it; valgrind left out"
elif command -v valgrind >/dev/null; then
	VG=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite)
	slow() { sed 's/^interval = 10s/interval = 60s/; s/^timeout = 10s/timeout = 60s/; s/^interval = 30s/interval = 120s/; s/^timeout = 20s/timeout = 120s/' "$1" >"$2"; }
	slow "$T_TMP/up.conf" "$T_TMP/vg-up.conf"
	"${VG[@]}" "$NODETOP" --once --json -c "$T_TMP/vg-up.conf" >"$T_TMP/vg.out" 2>"$T_TMP/vg.err"; RC=$?
	t_eq "valgrind --once (up, the reporter critical): exit 2, memcheck silent" "2 " "$RC $(grep -v '^nodetop:' "$T_TMP/vg.err" | head -c 300)"
	t_eq "valgrind --once: the direct probe answered" up "$(jget "$(cat "$T_TMP/vg.out")" "$P['database']['direct'][0]['state']")"
	slow "$T_TMP/wrong.conf" "$T_TMP/vg-wrong.conf"
	"${VG[@]}" "$NODETOP" --once --json -c "$T_TMP/vg-wrong.conf" >"$T_TMP/vg.out" 2>"$T_TMP/vg.err"; RC=$?
	t_eq "valgrind --once (wrong password): exit 2, memcheck silent" "2 " "$RC $(grep -v '^nodetop:' "$T_TMP/vg.err" | head -c 300)"
	sed 's/^interval = 120s/interval = 1s/; s/^timeout = 120s/timeout = 1s/' "$T_TMP/vg-up.conf" >"$T_TMP/vg-ev.conf"
	NODETOP_STATS=$T_TMP/vg.stats "${VG[@]}" "$NODETOP" --events -c "$T_TMP/vg-ev.conf" >"$T_TMP/vg.out" 2>"$T_TMP/vg.err" &
	VPID=$!; t_track "$VPID"
	kept() { [ "$(pg_sql a "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'nodetop'")" -ge 1 ]; }
	wait_until kept
	kill -TERM "$VPID"; wait "$VPID"; RC=$?
	t_eq "valgrind --events with probes every second, SIGTERM: exit 143, memcheck silent" "143 " "$RC $(grep -v '^nodetop:' "$T_TMP/vg.err" | head -c 300)"
else
	t_fail "valgrind is installed"
fi

# ---------------------------------------------------------------- a role without rights
pg_sql a "CREATE TABLE lease_lock (client_id uuid NOT NULL, expires_at timestamptz NOT NULL);
          CREATE UNIQUE INDEX only_one_lease_lock ON lease_lock ((client_id IS NOT NULL));"
printf 'ro-%s\n' "$RANDOM" >"$T_TMP/ro.pw"; chmod 600 "$T_TMP/ro.pw"
pg_sql a "CREATE ROLE nodetop_ro LOGIN PASSWORD '$(cat "$T_TMP/ro.pw")'"
conf "$T_TMP/ro.conf"
sed -i -e "s|^password_file = .*|password_file = $T_TMP/ro.pw|" -e 's|^user = postgres|user = nodetop_ro|' "$T_TMP/ro.conf"
once "$T_TMP/ro.conf"
t_eq "role without rights: up, writer, lease not readable" "up writer None False" \
	"$(jget "$OUT" "$P['database']['direct'][0]['state'], $P['database']['direct'][0]['role'], $P['database']['direct'][0]['lease'], $P['database']['direct'][0]['lease_readable']")"
TXT=$("$NODETOP" --once -c "$T_TMP/ro.conf" 2>&1)
t_match "role without rights: text says lease: not readable" 'db-a \(direct\): UP, writer.*lease: not readable' "$TXT"

# ---------------------------------------------------------------- lease_lock as Chainlink writes it
NODE_A=11111111-aaaa-4aaa-8aaa-000000000001
NODE_B=22222222-bbbb-4bbb-8bbb-000000000002
take_lease() { pg_take_lease a "$@"; }   # Chainlink's lease upsert on cluster a (tests/integ/pg_lib.sh)
t_eq "node A takes the lease" t "$(take_lease $NODE_A 600)"
once "$T_TMP/up.conf"
t_eq "lease: holder A, refreshed" "$NODE_A True" \
	"$(jget "$OUT" "$P['database']['direct'][0]['lease']['holder'], 0 < $P['database']['direct'][0]['lease']['expires_in_ms'] <= 600000")"

# --events with a 1 s probe: the expiry passing, then the holder changing, are events
conf "$T_TMP/ev.conf"
sed -i 's/^interval = 30s/interval = 1s/; s/^timeout = 20s/timeout = 1s/' "$T_TMP/ev.conf"
"$NODETOP" --events -c "$T_TMP/ev.conf" >"$T_TMP/ev.out" 2>"$T_TMP/ev.err" &
EVPID=$!; t_track "$EVPID"
# probes seen by the server: its session comes and goes or stays (kept connection)
probed() { [ "$(pg_sql a "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'nodetop'")" -ge 1 ]; }
t_check "events: nodetop probes db-a" wait_until 60000 probed
take_lease $NODE_A 1 >/dev/null
t_check "events: the lease's expiry passing is an event" wait_until 60000 seen_in "$T_TMP/ev.out" "lease: lease on db-a expired: $NODE_A stopped refreshing it"
t_eq "node B takes the expired lease" t "$(take_lease $NODE_B 600)"
t_check "events: the holder change is an event, with the pair's active member" wait_until 60000 seen_in "$T_TMP/ev.out" \
	"lease: lease holder changed on db-a: $NODE_A -> $NODE_B; pair: active member primary"

# SIGHUP: the databases are read again (db-a now at a port where nothing listens)
sed -i "s/^port = .*/port = $(free_port)/" "$T_TMP/ev.conf"
kill -HUP "$EVPID"
t_check "reload: a [database] changed by SIGHUP is probed as configured now (refused: down on the pair)" \
	wait_until 60000 seen_in "$T_TMP/ev.out" 'db (primary|standby) up -> down: db-a down \(refused: '
t_check "reload: the config event says so" seen_in "$T_TMP/ev.out" 'config.*config reloaded: 3 nodes'

# ---------------------------------------------------------------- SIGSTOP: timeout, nodes polled meanwhile
stop_all() { local pm; pm=$(pg_pid a); kill -"$1" "$pm" $(ps -o pid= --ppid "$pm"); }
kill "$EVPID"; wait "$EVPID" 2>/dev/null
SAN='AddressSanitizer|LeakSanitizer|runtime error|Invalid (read|write)|definitely lost'
t_nomatch "events: nothing on stderr from a sanitizer" "$SAN" "$(cat "$T_TMP/ev.err")"
# ---------------------------------------------------------------- the lease holder tied to a node
# Two sessions keep the lease as Chainlink nodes do (lease_lock.go's upsert every
# second), over TCP with the application_name each node's db_client names.
# nodetop ties the holder to the node and judges it against the pair's active
# member (the simulator's primary; its standby refuses).
lconf() { # lconf FILE DB_INTERVAL: the pair alone, db_client for both members
	{
		printf '[defaults]\ninterval = 2s\ntimeout = 2s\n'
		printf '[node primary]\nurl = %s\ngroup = pair\ndb_client = 127.0.0.1|cl-primary\n' "$(sim_url 0)"
		printf '[node standby]\nurl = %s\ngroup = pair\ndb_client = |cl-standby\n' "$(sim_url 1)"
		printf '[database db-a]\nhost = 127.0.0.1\nport = %s\ndbname = postgres\nuser = postgres\n' "$(pg_port a)"
		printf 'password_file = %s\ninterval = %s\ntimeout = 1s\nnodes = pair\n' "$PW" "$2"
	} >"$1"
}
lconf "$T_TMP/lease.conf" 30s
pg_sql a "DELETE FROM lease_lock"
UUID_P=33333333-cccc-4ccc-8ccc-000000000003
UUID_S=44444444-dddd-4ddd-8ddd-000000000004
holds() { [ "$(pg_sql a "SELECT client_id FROM lease_lock WHERE expires_at > now()")" = "$1" ]; }
pg_lease a cl-primary "$UUID_P"; LEASE_P=$LEASE_PID
t_check "lease: the primary's session takes the lease" wait_until 60000 holds "$UUID_P"
# its session is seen between two refreshes too (its last statement names lease_lock)
once "$T_TMP/lease.conf"
L="$P['database']['direct'][0]['lease']"
t_eq "lease: held by the primary, tied to it by db_client, agreeing with the active member" "$UUID_P primary True False" \
	"$(jget "$OUT" "$L['holder'], $L['holder_node'], $L['agrees'], $L['problem']")"
t_eq "lease: all is well, exit 0" "0 up" "$RC $(jget "$OUT" "$P['database']['state']")"
TXT=$("$NODETOP" --once -c "$T_TMP/lease.conf" 2>&1)
t_match "lease: the text report names the node" "db-a \(direct\): UP, writer.*lease $UUID_P \(expires in [0-9]+ ms\) held by primary" "$TXT"
# without db_client nothing is tied: the UUID only, never a guess
sed '/^db_client/d' "$T_TMP/lease.conf" >"$T_TMP/lease-none.conf"
once "$T_TMP/lease-none.conf"
t_eq "lease without db_client: not tied, not judged" "None None not tied to a node: no node has db_client set" \
	"$(jget "$OUT" "$L['holder_node'], $L['agrees'], $L['holder_tie']")"

# The standby's node takes the lease while the primary still answers (the lease
# "not doing its job": e.g. the primary's lease session died, it keeps serving)
lconf "$T_TMP/lease-ev.conf" 1s
"$NODETOP" --events -c "$T_TMP/lease-ev.conf" >"$T_TMP/lease-ev.out" 2>"$T_TMP/lease-ev.err" &
LPID=$!; t_track "$LPID"
t_check "lease events: nodetop probes db-a" wait_until 60000 probed
kill "$LEASE_P"
pg_lease a cl-standby "$UUID_S"
t_check "lease: the standby's session takes the lease once the primary's expires" wait_until 60000 holds "$UUID_S"
t_check "lease events: the holder change names the node" wait_until 60000 seen_in "$T_TMP/lease-ev.out" \
	"lease: lease holder changed on db-a: $UUID_P -> $UUID_S \\(node standby\\); pair: active member primary"
t_check "lease events: held by the standby while the primary is active: an event after the grace" \
	wait_until 90000 seen_in "$T_TMP/lease-ev.out" "lease: lease on db-a held by standby while primary is the active member of pair"
t_check "lease events: the database indicator of the pair turns degraded with that reason" \
	wait_until 60000 seen_in "$T_TMP/lease-ev.out" "db primary up -> degraded: lease on db-a held by standby while primary"
once "$T_TMP/lease.conf"
t_eq "lease --once: held by the standby, tied, disagreeing" "$UUID_S standby False" \
	"$(jget "$OUT" "$L['holder'], $L['holder_node'], $L['agrees']")"
t_eq "lease --once: the disagreement says why" "lease on db-a held by standby while primary is the active member of pair" \
	"$(jget "$OUT" "$L['disagreement']")"
# the primary's session takes the lease back (the standby's stops): agreeing again
kill "$LEASE_PID"
pg_lease a cl-primary "$UUID_P"
if wait_until 90000 seen_in "$T_TMP/lease-ev.out" \
	"lease: lease on db-a agrees with the pair again: held by the active member primary"; then
	t_ok "lease events: agreeing again once the primary holds it"
else
	t_fail "lease events: agreeing again once the primary holds it (the events seen, newest 25, and the lease now:"
	tail -25 "$T_TMP/lease-ev.out" | sed 's/^/#   /'
	echo "#   $(pg_sql a "SELECT client_id, expires_at > now() FROM lease_lock") )"
fi
kill "$LEASE_PID"
kill "$LPID"; wait "$LPID" 2>/dev/null
t_nomatch "lease events: nothing on stderr from a sanitizer" "$SAN" "$(cat "$T_TMP/lease-ev.err")"

# ---------------------------------------------------------------- the lease refreshed in a transaction
# Real Chainlink (lease_lock.go) refreshes in a transaction on its own
# connection every second: BEGIN; upsert (expires_at = now() + 10 s); COMMIT.
# Between refreshes its last statement is COMMIT; the session that wrote the
# current expires_at went idle just after expires_at - lease_duration. The
# standby's session runs the same transaction (its UPDATE's WHERE fails) on a
# ticker of its own, half a second later.
pg_sql a "DELETE FROM lease_lock"
pg_lease_tx a cl-primary "$UUID_P" 0; LEASE_P=$LEASE_PID
t_check "lease in a transaction: the primary's session takes the lease" wait_until 60000 holds "$UUID_P"
pg_lease_tx a cl-standby "$UUID_S" 500; LEASE_S=$LEASE_PID
# both sessions are there and end their refreshes with COMMIT
tx_sessions() { [ "$(pg_sql a "SELECT string_agg(application_name, ',' ORDER BY 1) FROM pg_stat_activity
	WHERE application_name LIKE 'cl-%' AND state = 'idle' AND query ~* '^commit'")" = cl-primary,cl-standby ]; }
t_check "lease in a transaction: both nodes' sessions end their refreshes with COMMIT" wait_until 60000 tx_sessions
# tie TIE_NODE AGREES: nodetop --once ties the lease to TIE_NODE and judges it so
TIES=$T_TMP/ties
tie() {
	once "$T_TMP/lease.conf"
	jget "$OUT" "$L['holder'], $L['holder_node'], $L['agrees']" >>"$TIES"
	[ "$(jget "$OUT" "$L['holder'], $L['holder_node'], $L['agrees']")" = "$1" ]
}
: >"$TIES"
t_check "lease in a transaction: held by the primary, tied to it, agreeing with the active member" \
	wait_until 120000 tie "$UUID_P primary True"
for i in 1 2 3 4 5; do tie "$UUID_P primary True"; done
t_nomatch "lease in a transaction: never tied to the waiting standby while the primary holds it" \
	"standby|$UUID_S" "$(cat "$TIES")"
text_names() { "$NODETOP" --once -c "$T_TMP/lease.conf" 2>&1 | grep -Eq "lease $UUID_P \(expires in [0-9]+ ms\) held by primary"; }
t_check "lease in a transaction: the text report names the node" wait_until 120000 text_names
# a lease_duration other than the nodes' own: no refresh lines up, nothing is tied (never a guess)
sed 's/^nodes = pair$/nodes = pair\nlease_duration = 30s/' "$T_TMP/lease.conf" >"$T_TMP/lease-30s.conf"
untied_30s() {
	once "$T_TMP/lease-30s.conf"
	[ "$(jget "$OUT" "$L['holder'], $L['holder_node'], $L['agrees'], $L['holder_tie'][:49]")" = \
		"$UUID_P None None not tied to a node: no session refreshing it seen" ]
}
t_check "lease in a transaction, lease_duration wrong: not tied, not judged, says why" wait_until 60000 untied_30s
# handover: the primary's lease session dies; once its lease expires the
# standby's next refresh takes it, and the lease is tied to the standby
kill "$LEASE_P"
t_check "lease in a transaction: the standby's session takes the expired lease" wait_until 60000 holds "$UUID_S"
: >"$TIES"
t_check "lease in a transaction: after the handover tied to the standby, disagreeing with the active member" \
	wait_until 120000 tie "$UUID_S standby False"
t_nomatch "lease in a transaction: never tied to the primary after the handover" "primary" "$(cat "$TIES")"
kill "$LEASE_S"

# ---------------------------------------------------------------- 7 d / 30 d of the direct view from the history
# The runs above kept db-a's direct view in the history file ($XDG_STATE_HOME),
# as "db-a" "direct-db"; a figure needs a minute of it seen. A dashboard-like
# run goes on until another process (--once, as after a restart) reads a 7 d figure.
db_long() { # db_long KEY [ARGS]: databases[0].uptime_percent[KEY] of --once --json -c lease.conf
	local k=$1; shift
	"$NODETOP" --once --json "$@" -c "$T_TMP/lease.conf" 2>/dev/null |
		python3 -c 'import json,sys; v=json.load(sys.stdin)["databases"][0]["uptime_percent"][sys.argv[1]]; print("null" if v is None else v)' "$k"
}
long_known() { [ "$(db_long 7d)" != null ] && [ -n "$(db_long 7d)" ]; }
"$NODETOP" --events -c "$T_TMP/lease.conf" >"$T_TMP/long.out" 2>&1 &
LGPID=$!; t_track "$LGPID"
t_check "history: db-a's 7 d is known to a new process once a minute of it is stored" wait_until 240000 long_known
kill -TERM "$LGPID"; wait "$LGPID" 2>/dev/null
pct() { python3 -c 'import sys; v=float(sys.argv[1]); sys.exit(0 if 0 <= v <= 100 else 1)' "$1" 2>/dev/null; }
D7=$(db_long 7d); D30=$(db_long 30d)
t_check "restart: --once gives db-a's 7 d from the history ($D7)" pct "$D7"
t_check "restart: and its 30 d ($D30)" pct "$D30"
t_eq "restart: the node's own direct entry has them too" "$D7 $D30" \
	"$("$NODETOP" --once --json -c "$T_TMP/lease.conf" 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); u=[n for n in d["nodes"] if n["name"]=="primary"][0]["database"]["direct"][0]["uptime_percent"]; print(u["7d"], u["30d"])')"
t_eq "--no-history: 7 d and 30 d are null" "null null" "$(db_long 7d --no-history) $(db_long 30d --no-history)"
"$NODETOP" --report --json --since 1h >"$T_TMP/rep.json" 2>/dev/null
t_eq "--report lists db-a's direct view as a series of its own" 1 \
	"$(python3 -c 'import json,sys; print(sum(1 for s in json.load(open(sys.argv[1]))["series"] if s["name"]=="db-a" and s["indicator"]=="direct-db"))' "$T_TMP/rep.json")"

stop_all STOP
conf "$T_TMP/stop.conf"
sed -i 's/^timeout = 20s/timeout = 3s/' "$T_TMP/stop.conf"
once "$T_TMP/stop.conf"
t_eq "SIGSTOPped: direct down, timeout" "down timeout" "$(jget "$OUT" "$P['database']['direct'][0]['state'], $P['database']['direct'][0]['error']['class']")"
t_eq "SIGSTOPped: the nodes were polled all the same (primary up, standby standby)" "up standby" "$(jget "$OUT" "$P['state'], $S['state']")"
# The probe may hang for 10 minutes: 30 polls of a node at 200 ms must come
# while not one probe has finished (a blocked loop would poll nothing meanwhile).
{
	printf '[defaults]\ninterval = 200ms\ntimeout = 200ms\n[node primary]\nurl = %s\n' "$(sim_url 0)"
	printf '[database db-a]\nhost = 127.0.0.1\nport = %s\ndbname = postgres\nuser = postgres\npassword_file = %s\n' "$(pg_port a)" "$PW"
	printf 'interval = 20m\ntimeout = 10m\nnodes = primary\n'
} >"$T_TMP/hole.conf"
# requests (/health and /metrics) the simulated node has served
requests() { curl -s --max-time 20 "$(sim_url 0)/control/state" | python3 -c 'import json,sys; n=json.load(sys.stdin)["nodes"][0]; print(n["health_requests"] + n["metrics_requests"])' 2>/dev/null || echo 0; }
H0=$(requests)
NODETOP_STATS=$T_TMP/hole.stats "$NODETOP" --events -c "$T_TMP/hole.conf" >"$T_TMP/hole.out" 2>&1 &
HPID=$!; t_track "$HPID"
thirty() { [ $(( $(requests) - H0 )) -ge 30 ]; }
t_check "black hole: 30 polls reach the node while the probe hangs" wait_until 120000 thirty
kill -TERM "$HPID"; wait "$HPID" 2>/dev/null
t_nomatch "black hole: nothing on stderr from a sanitizer" "$SAN" "$(cat "$T_TMP/hole.out")"
t_eq "black hole: not one probe finished meanwhile (it was in flight all along)" 0 "$(sed -n 's/^db_probes=//p' "$T_TMP/hole.stats")"
t_check "black hole: nodetop counted the polls too" test "$(sed -n 's/^polls=//p' "$T_TMP/hole.stats")" -ge 30
stop_all CONT

# ---------------------------------------------------------------- stopped (refused)
pg_stop a
once "$T_TMP/up.conf"
t_eq "stopped: direct down, refused" "down refused" "$(jget "$OUT" "$P['database']['direct'][0]['state'], $P['database']['direct'][0]['error']['class']")"
t_eq "stopped: database down for primary and the standby; exit 2" "down down 2" "$(jget "$OUT" "$P['database']['state'], $S['database']['state']") $RC"
t_match "stopped: the reason says the direct probe saw it, and what the node saw" '^db-a down \(refused: .*\), direct probe; node.s view: ' "$(jget "$OUT" "$P['database']['reason']")"
pg_start a || t_fail "PostgreSQL restarts"

# ---------------------------------------------------------------- a replica promoted
if pg_replica a b && pg_start b; then
	{
		printf '[defaults]\ninterval = 10s\ntimeout = 10s\n[node primary]\nurl = %s\n' "$(sim_url 0)"
		printf '[database db-b]\nhost = 127.0.0.1\nport = %s\ndbname = postgres\nuser = postgres\npassword_file = %s\n' "$(pg_port b)" "$PW"
		printf 'interval = 1s\ntimeout = 1s\nnodes = primary\n'
		printf '[notify hook]\ncommand = sh -c "cat >>%s; echo >>%s"\non = failover\n' "$T_TMP/notified" "$T_TMP/notified"
	} >"$T_TMP/rep.conf"
	once "$T_TMP/rep.conf"
	t_eq "replica: a reader, replay lag known" "reader True" "$(jget "$OUT" "$P['database']['direct'][0]['role'], $P['database']['direct'][0]['replay_lag_ms'] >= 0")"
	"$NODETOP" --events -c "$T_TMP/rep.conf" >"$T_TMP/rep.out" 2>&1 &
	RPID=$!; t_track "$RPID"
	probed_b() { [ "$(pg_sql b "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'nodetop'")" -ge 1 ]; }
	t_check "replica: probed by nodetop --events" wait_until 60000 probed_b
	pg_stop a
	pg_promote b || t_fail "pg_ctl promote"
	t_check "promoted: the event 'database failover: db-b is now the writer'" wait_until 60000 seen_in "$T_TMP/rep.out" \
		'db-failover: database failover: db-b is now the writer'
	t_check "promoted: a [notify] hook with on = failover is told" wait_until 60000 seen_in "$T_TMP/notified" \
		'"kind":"failover".*"subject":"db-b".*"text":"\[failover\] database failover: db-b is now the writer"'
	kill "$RPID"; wait "$RPID" 2>/dev/null
	"$NODETOP" --events --json -c "$T_TMP/rep.conf" >"$T_TMP/rep.json" 2>&1 &
	RPID=$!; t_track "$RPID"
	once "$T_TMP/rep.conf"
	t_eq "promoted: --once sees the writer" "up writer" "$(jget "$OUT" "$P['database']['direct'][0]['state'], $P['database']['direct'][0]['role']")"
	kill "$RPID"; wait "$RPID" 2>/dev/null
	t_nomatch "promoted: nothing on stderr from a sanitizer" "$SAN" "$(cat "$T_TMP/rep.out" "$T_TMP/rep.json")"
else
	t_fail "a streaming replica (pg_basebackup -R) starts"
fi

t_done
