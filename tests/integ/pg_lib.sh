# tests/integ/pg_lib.sh - a real PostgreSQL for the tests: initdb, start on
# 127.0.0.1 on a free port as an unprivileged user, psql, replica, stop (trap).
# Sourced after tests/lib.sh. Clusters live under one temporary directory
# owned by that user; every cluster is stopped (SIGCONT first) on exit.
#
#   pg_init NAME            initdb (superuser "postgres", password PG_SUPERPASS,
#                           scram-sha-256 over TCP, trust on the unix socket)
#   pg_start NAME           starts it on a free port; sets PG_PORT_<NAME>
#   pg_port NAME            its port        pg_pid NAME   its postmaster's pid
#   pg_sql NAME SQL...      psql -Atq as the superuser over the unix socket
#   pg_stop NAME            fast shutdown   pg_replica PRIMARY NAME  pg_basebackup -R
#   pg_promote NAME         pg_ctl promote -w
#   pg_take_lease NAME CLIENT SECONDS   Chainlink's lease upsert; prints t when CLIENT holds it
#   pg_lease NAME APP UUID  a session that takes and keeps Chainlink's lease as a
#                           node does (over TCP, application_name APP); sets LEASE_PID
#   pg_lease_tx NAME APP UUID PHASE_MS  the same in a transaction, as lease_lock.go does it

PG_BIN=${PG_BIN:-$(pg_config --bindir 2>/dev/null)}
[ -x "$PG_BIN/initdb" ] || PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
PG_SUPERPASS="super-$RANDOM$RANDOM"
PG_NAMES=""

# The user that runs the server: ourselves, or (as root) "postgres" or a
# system user made for the purpose. pg_as CMD...: runs CMD as that user.
if [ "$(id -u)" = 0 ]; then
	PG_USER=postgres
	if ! id "$PG_USER" >/dev/null 2>&1; then
		PG_USER=nodetop-pg
		id "$PG_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER" 2>/dev/null || true
	fi
	pg_as() { runuser -u "$PG_USER" -- "$@"; }
else
	PG_USER=$(id -un)
	pg_as() { "$@"; }
fi

# pg_have: the server binaries are there and the server user exists.
pg_have() {
	[ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] && [ -x "$PG_BIN/postgres" ] && id "$PG_USER" >/dev/null 2>&1
}

PG_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/nodetop-pg.XXXXXX")
chmod 700 "$PG_ROOT"
[ "$(id -u)" = 0 ] && chown "$PG_USER" "$PG_ROOT"

pg_dir() { echo "$PG_ROOT/$1"; }
pg_port() { cat "$PG_ROOT/$1/port" 2>/dev/null; }
pg_pid() { head -n 1 "$PG_ROOT/$1/data/postmaster.pid" 2>/dev/null; }

pg_cleanup() {
	local n pid
	for n in $PG_NAMES; do
		pid=$(pg_pid "$n")
		# a test may have stopped the server and its backends (SIGSTOP)
		[ -n "$pid" ] && kill -CONT "$pid" $(ps -o pid= --ppid "$pid" 2>/dev/null) 2>/dev/null
		[ -f "$PG_ROOT/$n/data/postmaster.pid" ] &&
			pg_as "$PG_BIN/pg_ctl" -D "$PG_ROOT/$n/data" -m immediate -w -t 60 stop >/dev/null 2>&1
	done
	rm -rf "$PG_ROOT"
}
# (t_cleanup takes the test's exit status from $?: hand it the one from before pg_cleanup)
trap 'pg_rc=$?; pg_cleanup; (exit "$pg_rc"); t_cleanup' EXIT
# killed (make's time-out, ^C): still stop the servers, through the EXIT trap
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

pg_init() {
	local d=$PG_ROOT/$1
	pg_as mkdir -p "$d"
	printf '%s\n' "$PG_SUPERPASS" | pg_as tee "$d/pw" >/dev/null
	if ! pg_as "$PG_BIN/initdb" -D "$d/data" -U postgres --pwfile="$d/pw" --auth-local=trust \
		--auth-host=scram-sha-256 --no-sync -E UTF8 --locale=C >"$PG_ROOT/$1.initdb.log" 2>&1; then
		echo "# initdb $1 failed:"; sed 's/^/#   /' "$PG_ROOT/$1.initdb.log" | tail -20
		return 1
	fi
	PG_NAMES="$PG_NAMES $1"
}

# pg_start NAME: starts the cluster on a free port (a few tries: another test
# may take the port between free_port and the bind).
pg_start() {
	local d=$PG_ROOT/$1 port try
	for try in 1 2 3 4 5; do
		port=$(pg_port "$1"); [ -n "$port" ] && [ "$try" = 1 ] || port=$(free_port)
		echo "$port" | pg_as tee "$d/port" >/dev/null
		if pg_as "$PG_BIN/pg_ctl" -D "$d/data" -l "$d/log" -w -t 120 \
			-o "-k $d -p $port -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=30" start >/dev/null 2>&1; then
			return 0
		fi
		grep -q 'could not bind\|Address already in use' "$d/log" 2>/dev/null || break
	done
	echo "# PostgreSQL $1 did not start:"; tail -20 "$d/log" 2>/dev/null | sed 's/^/#   /'
	return 1
}

pg_stop() { pg_as "$PG_BIN/pg_ctl" -D "$PG_ROOT/$1/data" -m fast -w -t 120 stop >/dev/null 2>&1; }

pg_sql() {
	local n=$1; shift
	pg_as "$PG_BIN/psql" -X -Atq -v ON_ERROR_STOP=1 -h "$PG_ROOT/$n" -p "$(pg_port "$n")" -U postgres -d postgres -c "$*"
}

# pg_replica PRIMARY NAME: a streaming replica of PRIMARY (pg_basebackup -R), not started.
pg_replica() {
	local d=$PG_ROOT/$2
	pg_as mkdir -p "$d"
	if ! pg_as "$PG_BIN/pg_basebackup" -h "$PG_ROOT/$1" -p "$(pg_port "$1")" -U postgres \
		-D "$d/data" -R -X stream --no-sync >"$PG_ROOT/$2.basebackup.log" 2>&1; then
		echo "# pg_basebackup $2 failed:"; sed 's/^/#   /' "$PG_ROOT/$2.basebackup.log" | tail -20
		return 1
	fi
	PG_NAMES="$PG_NAMES $2"
}

pg_promote() { pg_as "$PG_BIN/pg_ctl" -D "$PG_ROOT/$1/data" -w -t 120 promote >/dev/null 2>&1; }

# pg_take_lease NAME CLIENT SECONDS: Chainlink's lease upsert on cluster NAME; prints t when
# CLIENT holds the lease afterwards (it held it already, or the lease had expired).
pg_take_lease() {
	pg_sql "$1" "INSERT INTO lease_lock (client_id, expires_at) VALUES ('$2', now() + '$3 seconds'::interval)
	          ON CONFLICT ((client_id IS NOT NULL)) DO UPDATE SET client_id = EXCLUDED.client_id, expires_at = EXCLUDED.expires_at
	          WHERE lease_lock.client_id = '$2' OR lease_lock.expires_at < now();
	          SELECT client_id = '$2' FROM lease_lock;"
}

# pg_lease NAME APP UUID: a client session (TCP from 127.0.0.1, application_name
# APP) that keeps Chainlink's lease_lock with lease_lock.go's upsert every second
# (lease 10 s), taking the lease only when it is free or expired. Unlike Chainlink,
# which wraps the upsert in BEGIN/COMMIT, it sends it alone (autocommit), so the
# session's last statement names lease_lock: the case nodetop can tie to a node.
# Runs until killed (kill "$LEASE_PID"; killed at the end of the test).
pg_lease() {
	local port uuid=$3
	port=$(pg_port "$1")
	while :; do
		printf "INSERT INTO lease_lock (client_id, expires_at) VALUES ('%s', now() + interval '10 seconds')
		ON CONFLICT ((client_id IS NOT NULL)) DO UPDATE SET client_id = EXCLUDED.client_id, expires_at = EXCLUDED.expires_at
		WHERE lease_lock.client_id = '%s' OR lease_lock.expires_at < now();\n" "$uuid" "$uuid" || break
		sleep 1   # the node's LeaseRefreshInterval, not a wait in the test
	done | PGPASSWORD=$PG_SUPERPASS PGAPPNAME=$2 "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres >/dev/null 2>&1 &
	LEASE_PID=$!
	t_track "$LEASE_PID"
}

# pg_lease_tx NAME APP UUID PHASE_MS: as pg_lease, but exactly as lease_lock.go
# does it: BEGIN; the upsert (expires_at = now() + 10 s, now() being the
# transaction's start); COMMIT, on a ticker every second at PHASE_MS past the
# second (Go's time.Ticker; two nodes' tickers run at phases of their own).
# Between refreshes the session's last statement is COMMIT. Sets LEASE_PID.
pg_lease_tx() {
	local port uuid=$3 phase=${4:-0} now us w
	port=$(pg_port "$1")
	while :; do
		printf "BEGIN;\nINSERT INTO lease_lock (client_id, expires_at) VALUES ('%s', now() + interval '10 seconds')
		ON CONFLICT ((client_id IS NOT NULL)) DO UPDATE SET client_id = EXCLUDED.client_id, expires_at = EXCLUDED.expires_at
		WHERE lease_lock.client_id = '%s' OR lease_lock.expires_at < now();\nCOMMIT;\n" "$uuid" "$uuid" || break
		now=${EPOCHREALTIME/./}
		us=$(( (phase * 1000 - now % 1000000 + 2000000) % 1000000 ))
		[ "$us" -lt 100000 ] && us=$((us + 1000000))
		sleep "$((us / 1000000)).$(printf %06d $((us % 1000000)))"   # the ticker, not a wait in the test
	done | PGPASSWORD=$PG_SUPERPASS PGAPPNAME=$2 "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres >/dev/null 2>&1 &
	LEASE_PID=$!
	t_track "$LEASE_PID"
}
