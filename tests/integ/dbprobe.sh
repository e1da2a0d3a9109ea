#!/bin/bash
# tests/integ/dbprobe.sh - the PostgreSQL probe (dbprobe_run, a stand-in for
# `nodetop --once --json` until the wiring exists) against a real PostgreSQL
# started here: up, refused, SIGSTOPped, auth, TLS, lease_lock, rights, failover.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/integ/pg_lib.sh"

R=$top_builddir/tests/integ/dbprobe_run
[ -x "$R" ] || { t_fail "the driver $R is built (make check builds it)"; t_done; }
pg_have || { t_fail "PostgreSQL server binaries in $PG_BIN and a user ($PG_USER) to run them (apt-get install postgresql)"; t_done; }

# jget JSON EXPR: python3 over d = the document
# (a tuple prints as its items joined by spaces: "up writer")
jget() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); v=eval(sys.argv[1]); print(" ".join(map(str, v)) if isinstance(v, tuple) else v)' "$2" <<<"$1"; }

# probe [ARGS...]: one probe of cluster a as the superuser; sets OUT and RC.
PW=$T_TMP/pw
probe() {
	OUT=$("$R" --host 127.0.0.1 --port "$(pg_port a)" --dbname postgres --timeout 20000 "$@" 2>"$T_TMP/err"); RC=$?
	[ -s "$T_TMP/err" ] && sed 's/^/# driver: /' "$T_TMP/err"
	return 0
}
as_super() { probe --user postgres --password-file "$PW" "$@"; }

# A driver that probes once per line on its stdin (one dbprobe: a kept
# connection carries over). drv_open ARGS... / drv_probe (sets OUT) / drv_close
drv_open() {
	coproc DRV { exec "$R" --stdin "$@" 2>"$T_TMP/drv.err"; }
}
drv_probe() {
	OUT=""
	echo >&"${DRV[1]}" || return 1
	IFS= read -r -t 60 OUT <&"${DRV[0]}"
}
drv_close() {
	local fd=${DRV[1]} pid=$DRV_PID
	exec {fd}>&-
	wait "$pid"; local rc=$?
	[ -s "$T_TMP/drv.err" ] && sed 's/^/# driver: /' "$T_TMP/drv.err"
	return $rc
}

pg_init a && pg_start a || { t_fail "PostgreSQL initdb and start as $PG_USER"; t_done; }
t_ok "a real PostgreSQL ($("$PG_BIN/postgres" --version)) on 127.0.0.1:$(pg_port a), run by $PG_USER"
printf '%s\n' "$PG_SUPERPASS" >"$PW"

# ---------------------------------------------------------------- up
as_super --name db-a
t_eq "up: exit 0" 0 "$RC"
t_eq "up: state" up "$(jget "$OUT" 'd["state"]')"
t_eq "up: name" db-a "$(jget "$OUT" 'd["name"]')"
t_eq "up: the primary is the writer" writer "$(jget "$OUT" 'd["role"]')"
t_eq "up: no replay lag on a writer" None "$(jget "$OUT" 'd["replay_lag_ms"]')"
t_eq "up: max_connections as the server was started" 30 "$(jget "$OUT" 'd["max_connections"]')"
t_check "up: connections in use counted (the probe's own at least)" test "$(jget "$OUT" 'd["connections"]')" -ge 1
PG_MAJOR=$("$PG_BIN/postgres" --version | sed -n 's/.* \([0-9][0-9]*\)\.[0-9].*/\1/p')
t_match "up: server version $PG_MAJOR.x" "^$PG_MAJOR\\.[0-9]+" "$(jget "$OUT" 'd["server_version"]')"
t_eq "up: connect and query latency measured" True "$(jget "$OUT" 'd["connect_ms"] > 0 and d["query_ms"] > 0 and d["latency_ms"] >= d["query_ms"]')"
t_eq "up: no lease_lock table: lease not readable" "None False" "$(jget "$OUT" 'd["lease"], d["lease_readable"]')"
t_eq "up: no error" None "$(jget "$OUT" 'd["error"]')"
t_nomatch "up: the password is nowhere in the output" "$PG_SUPERPASS" "$OUT"

# ---------------------------------------------------------------- failures
as_super --dbname nope
t_eq "database missing: class" "down no-database" "$(jget "$OUT" 'd["state"], d["error"]["class"]')"
t_match "database missing: says which" 'database "nope" does not exist' "$(jget "$OUT" 'd["error"]["text"]')"

WRONG="wrong-$RANDOM-pw"
printf '%s\n' "$WRONG" >"$T_TMP/wrong"
probe --user postgres --password-file "$T_TMP/wrong"
t_eq "wrong password: auth" "down auth" "$(jget "$OUT" 'd["state"], d["error"]["class"]')"
t_match "wrong password: libpq's reason" 'password authentication failed for user "postgres"' "$(jget "$OUT" 'd["error"]["text"]')"
t_nomatch "wrong password: neither password in the output" "$WRONG|$PG_SUPERPASS" "$OUT"

OUT=$(env -u PGPASSWORD PGPASSFILE="$T_TMP/no-pgpass" "$R" --host 127.0.0.1 --port "$(pg_port a)" --user postgres --dbname postgres 2>&1)
t_eq "no password at all: auth" auth "$(jget "$OUT" 'd["error"]["class"]')"

probe --user postgres --password-file "$T_TMP/missing"
t_match "unreadable password_file: says so" 'cannot read password_file .*/missing' "$(jget "$OUT" 'd["error"]["class"] + " " + d["error"]["text"]')"

as_super --sslmode verify-full --sslrootcert "$T_TMP/none.pem"
t_eq "sslmode=verify-full, no TLS on the server: tls" "down tls" "$(jget "$OUT" 'd["state"], d["error"]["class"]')"
t_match "sslmode=verify-full: libpq's reason" 'server does not support SSL, but SSL was required' "$(jget "$OUT" 'd["error"]["text"]')"

# ---------------------------------------------------------------- TLS (the handshake on the loop)
# A CA and a server certificate for "localhost" only; ssl switched on by reload.
if command -v openssl >/dev/null; then
	C=$T_TMP/tls; mkdir -p "$C"
	mkcert() { # mkcert NAME SUBJECT [CA]: EC key NAME.key, certificate NAME.pem
		openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$C/$1.key" -subj "$2" -out "$C/$1.csr" 2>/dev/null &&
		if [ -n "${3:-}" ]; then
			printf 'subjectAltName=DNS:localhost\n' >"$C/ext"
			openssl x509 -req -in "$C/$1.csr" -CA "$C/$3.pem" -CAkey "$C/$3.key" -CAcreateserial -days 2 -extfile "$C/ext" -out "$C/$1.pem" 2>/dev/null
		else
			openssl x509 -req -in "$C/$1.csr" -signkey "$C/$1.key" -days 2 -out "$C/$1.pem" 2>/dev/null
		fi
	}
	if mkcert ca /CN=nodetop-test-ca && mkcert other-ca /CN=other-ca && mkcert srv /CN=localhost ca; then
		D=$(pg_dir a)
		cat "$C/srv.pem" | pg_as tee "$D/srv.pem" >/dev/null
		cat "$C/srv.key" | pg_as tee "$D/srv.key" >/dev/null
		pg_as chmod 600 "$D/srv.key"
		pg_sql a "ALTER SYSTEM SET ssl_cert_file = '$D/srv.pem'"
		pg_sql a "ALTER SYSTEM SET ssl_key_file = '$D/srv.key'"
		pg_sql a "ALTER SYSTEM SET ssl = on"
		pg_sql a "SELECT pg_reload_conf()" >/dev/null
		tls_on() { [ "$(pg_sql a "SHOW ssl")" = on ]; }
		wait_until 20000 tls_on || t_fail "ssl = on after a reload"
		drv_open --host localhost --port "$(pg_port a)" --dbname postgres --user postgres --password-file "$PW" \
			--sslmode verify-full --sslrootcert "$C/ca.pem" --timeout 20000
		drv_probe
		t_eq "TLS verify-full, right CA, host localhost (looked up on the thread pool): up" "up writer" "$(jget "$OUT" 'd["state"], d["role"]')"
		t_eq "TLS: the probe's session really is encrypted" t \
			"$(pg_sql a "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'nodetop'")"
		drv_probe
		t_eq "TLS: the next probe on the kept connection" "up True" "$(jget "$OUT" 'd["state"], d["reused_connection"]')"
		t_check "driver: closes cleanly" drv_close
		OUT=$("$R" --host localhost --port "$(pg_port a)" --dbname postgres --user postgres --password-file "$PW" \
			--sslmode verify-full --sslrootcert "$C/other-ca.pem" --timeout 20000)
		t_eq "TLS verify-full, another CA: tls" "down tls" "$(jget "$OUT" 'd["state"], d["error"]["class"]')"
		t_match "TLS, another CA: libpq's reason" 'certificate verify failed' "$(jget "$OUT" 'd["error"]["text"]')"
		OUT=$("$R" --host 127.0.0.1 --port "$(pg_port a)" --dbname postgres --user postgres --password-file "$PW" \
			--sslmode verify-full --sslrootcert "$C/ca.pem" --timeout 20000)
		t_eq "TLS verify-full, a name the certificate does not have: tls" "down tls" "$(jget "$OUT" 'd["state"], d["error"]["class"]')"
		t_match "TLS, wrong name: libpq's reason" 'does not match host name "127.0.0.1"' "$(jget "$OUT" 'd["error"]["text"]')"
		pg_sql a "ALTER SYSTEM RESET ssl"
		pg_sql a "SELECT pg_reload_conf()" >/dev/null
		tls_off() { [ "$(pg_sql a "SHOW ssl")" = off ]; }
		wait_until 20000 tls_off || t_fail "ssl = off again after a reload"
	else
		t_fail "openssl makes a test CA and server certificate"
	fi
else
	t_fail "openssl is installed (for the TLS cases)"
fi

# ---------------------------------------------------------------- lease_lock, as Chainlink writes it
pg_sql a "CREATE TABLE lease_lock (client_id uuid NOT NULL, expires_at timestamptz NOT NULL);
          CREATE UNIQUE INDEX only_one_lease_lock ON lease_lock ((client_id IS NOT NULL));"
as_super
t_eq "lease table empty: readable, nobody holds it" "None True" "$(jget "$OUT" 'd["lease"], d["lease_readable"]')"

NODE_A=11111111-aaaa-4aaa-8aaa-000000000001
NODE_B=22222222-bbbb-4bbb-8bbb-000000000002
t_eq "node A takes the lease" t "$(pg_take_lease a $NODE_A 60)"
as_super
t_eq "lease: holder A" $NODE_A "$(jget "$OUT" 'd["lease"]["holder"]')"
t_eq "lease: refreshed (expires within 60 s from now)" True "$(jget "$OUT" '0 < d["lease"]["expires_in_ms"] <= 60000')"
t_eq "node B cannot take a live lease" f "$(pg_take_lease a $NODE_B 60)"
as_super
t_eq "lease: still A" $NODE_A "$(jget "$OUT" 'd["lease"]["holder"]')"

# A refreshes for one more second, then stops (as a node that died): the probe
# sees the expiry pass.
pg_take_lease a $NODE_A 1 >/dev/null
lease_expired() { as_super; [ "$(jget "$OUT" 'd["lease"]["expires_in_ms"] < 0')" = True ]; }
t_check "lease: the expiry passes (expires_in_ms < 0, holder still A)" wait_until 20000 lease_expired
t_eq "lease: an expired lease names its last holder" $NODE_A "$(jget "$OUT" 'd["lease"]["holder"]')"
t_eq "node B takes the expired lease" t "$(pg_take_lease a $NODE_B 15)"
as_super
t_eq "lease: holder changed to B, refreshed" "$NODE_B True" "$(jget "$OUT" 'd["lease"]["holder"], d["lease"]["expires_in_ms"] > 0')"

# ---------------------------------------------------------------- rights
printf 'ro-%s\n' "$RANDOM" >"$T_TMP/ro.pw"
pg_sql a "CREATE ROLE nodetop_ro LOGIN PASSWORD '$(cat "$T_TMP/ro.pw")'"
drv_open --host 127.0.0.1 --port "$(pg_port a)" --dbname postgres --user postgres --password-file "$PW"
drv_probe   # a superuser session stays open meanwhile
probe --user nodetop_ro --password-file "$T_TMP/ro.pw"
t_eq "role without rights: up, writer" "up writer" "$(jget "$OUT" 'd["state"], d["role"]')"
t_check "role without rights: counts other roles' sessions too (no pg_monitor needed)" test "$(jget "$OUT" 'd["connections"]')" -ge 2
drv_close
t_eq "role without rights: lease not readable, the rest works" "None False 30" \
	"$(jget "$OUT" 'd["lease"], d["lease_readable"], d["max_connections"]')"
pg_sql a "GRANT SELECT (client_id) ON lease_lock TO nodetop_ro"
probe --user nodetop_ro --password-file "$T_TMP/ro.pw"
t_eq "one column granted of two: lease not readable" "up False" "$(jget "$OUT" 'd["state"], d["lease_readable"]')"
pg_sql a "GRANT SELECT (expires_at) ON lease_lock TO nodetop_ro"
probe --user nodetop_ro --password-file "$T_TMP/ro.pw"
t_eq "the least rights that work, SELECT (client_id, expires_at) ON lease_lock: holder B" $NODE_B "$(jget "$OUT" 'd["lease"]["holder"]')"
# The lease part failing at run time (here a row-level security policy that
# raises; on a server without XML support query_to_xml would): the probe asks
# again without it, on the same connection.
pg_sql a "CREATE FUNCTION boom() RETURNS bool LANGUAGE plpgsql AS \$\$BEGIN RAISE EXCEPTION 'no lease for you'; END\$\$"
pg_sql a "ALTER TABLE lease_lock ENABLE ROW LEVEL SECURITY"
pg_sql a "CREATE POLICY boom ON lease_lock FOR SELECT USING (boom())"
probe --user nodetop_ro --password-file "$T_TMP/ro.pw"
t_eq "the lease query fails on the server: asked again without it, lease not readable, up" "up False writer" \
	"$(jget "$OUT" 'd["state"], d["lease_readable"], d["role"]')"
pg_sql a "DROP POLICY boom ON lease_lock"
pg_sql a "ALTER TABLE lease_lock DISABLE ROW LEVEL SECURITY"
pg_sql a "CREATE SCHEMA other; CREATE TABLE other.lease_lock (client_id uuid); GRANT USAGE ON SCHEMA other TO nodetop_ro;
          GRANT SELECT ON other.lease_lock TO nodetop_ro; ALTER ROLE nodetop_ro SET search_path = other"
probe --user nodetop_ro --password-file "$T_TMP/ro.pw"
t_eq "a lease_lock without expires_at (another node version): not readable, up" "up False" "$(jget "$OUT" 'd["state"], d["lease_readable"]')"

# ---------------------------------------------------------------- stopped, restarted: a kept connection
drv_open --host 127.0.0.1 --port "$(pg_port a)" --dbname postgres --user postgres --password-file "$PW" --timeout 20000
drv_probe
t_eq "kept connection: first probe connects" "up False" "$(jget "$OUT" 'd["state"], d["reused_connection"]')"
drv_probe
t_eq "kept connection: the next probe reuses it" "up True None" "$(jget "$OUT" 'd["state"], d["reused_connection"], d["connect_ms"]')"
OUT=$("$R" --host 127.0.0.1 --port "$(pg_port a)" --dbname postgres --user postgres --password-file "$PW" --fresh --count 2 | tail -n 1)
t_eq "fresh_connection: the second probe connects anew" "up False" "$(jget "$OUT" 'd["state"], d["reused_connection"]')"
t_eq "kept connection: visible as application_name nodetop" 1 "$(pg_sql a "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'nodetop'")"
pg_stop a
drv_probe
t_eq "stopped: refused (the kept connection is gone too)" "down refused" "$(jget "$OUT" 'd["state"], d["error"]["class"]')"
t_match "stopped: libpq's reason" 'Connection refused' "$(jget "$OUT" 'd["error"]["text"]')"
pg_start a || t_fail "PostgreSQL restarts"
drv_probe
t_eq "restarted: up on a new connection" "up False" "$(jget "$OUT" 'd["state"], d["reused_connection"]')"
t_check "driver: closes cleanly (uv_loop_close == 0)" drv_close
t_eq "driver: libpq wrote nothing on stderr (the FATAL of the shutdown included)" "" "$(cat "$T_TMP/drv.err")"
no_session() { [ "$(pg_sql a "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'nodetop'")" = 0 ]; }
t_check "closed: the kept connection is gone from the server" wait_until 20000 no_session

# ---------------------------------------------------------------- SIGSTOP: a black hole
# stop_all SIG: the postmaster and its children (all started by this test)
stop_all() {
	local pm; pm=$(pg_pid a)
	kill -"$1" "$pm" $(ps -o pid= --ppid "$pm")
}
drv_open --host 127.0.0.1 --port "$(pg_port a)" --dbname postgres --user postgres --password-file "$PW" --timeout 8000
drv_probe
t_eq "before SIGSTOP: up" up "$(jget "$OUT" 'd["state"]')"
stop_all STOP
drv_probe
t_eq "SIGSTOPped, kept connection: timeout" "down timeout" "$(jget "$OUT" 'd["state"], d["error"]["class"]')"
t_match "SIGSTOPped, kept connection: waiting for the query's answer" 'timed out after 8000 ms waiting for the answer' "$(jget "$OUT" 'd["error"]["text"]')"
t_check "SIGSTOPped: the loop ran meanwhile (timer ticks during the probe)" test "$(jget "$OUT" 'd["ticks"]')" -ge 1
probe --user postgres --password-file "$PW" --timeout 3000
t_eq "SIGSTOPped, new connection: timeout" "down timeout" "$(jget "$OUT" 'd["state"], d["error"]["class"]')"
t_match "SIGSTOPped, new connection: says where it hung" 'timed out after 3000 ms (waiting for the server to accept the session|connecting)' "$(jget "$OUT" 'd["error"]["text"]')"
# Not by time: the probe is given all the time in the world; the driver's
# other timer must reach 25 ticks while it hangs, then the probe is dropped.
probe --user postgres --password-file "$PW" --timeout 600000 --tick 2 --cancel-after-ticks 25
t_eq "SIGSTOPped: 25 ticks of another timer while the probe hangs, then cancelled cleanly" \
	'{"cancelled": true, "ticks": 25, "busy": true} 0' "$OUT $RC"
stop_all CONT
drv_probe
t_eq "SIGCONT: up again, on a new connection" "up False" "$(jget "$OUT" 'd["state"], d["reused_connection"]')"
t_check "driver: closes cleanly" drv_close

# ---------------------------------------------------------------- valgrind
# No invalid access and no definite leak: a kept connection used twice, a name
# looked up, a probe cancelled in flight, a failure. A sanitizer build cannot
# run under valgrind; there AddressSanitizer watches every run above instead.
if nm "$R" 2>/dev/null | grep -q ' __asan_init'; then
	echo "# $R is built with AddressSanitizer: every run above was checked by it; valgrind left out"
elif command -v valgrind >/dev/null; then
	V="valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite"
	vg() { # vg DESC ARGS...: the driver under valgrind, exit 0 and valgrind silent
		local d=$1; shift
		$V "$R" --port "$(pg_port a)" --dbname postgres --user postgres --password-file "$PW" --timeout 60000 "$@" \
			>"$T_TMP/vg.out" 2>"$T_TMP/vg.err"
		local rc=$?
		if [ "$rc" = 0 ] && [ ! -s "$T_TMP/vg.err" ]; then t_ok "valgrind: $d"; else
			t_fail "valgrind: $d (exit $rc)"; sed 's/^/#   /' "$T_TMP/vg.err" | head -30; fi
	}
	vg "two probes on a kept connection, host by name" --host localhost --count 2
	t_eq "valgrind: the second probe reused the connection" "up True" "$(tail -n 1 "$T_TMP/vg.out" | { read -r l; jget "$l" 'd["state"], d["reused_connection"]'; })"
	vg "a probe cancelled in flight" --host localhost --tick 1 --cancel-after-ticks 1
	vg "a failure (no such database)" --host 127.0.0.1 --dbname nope
else
	t_fail "valgrind is installed"
fi

# ---------------------------------------------------------------- a replica promoted
if pg_replica a b && pg_start b; then
	pg_sql a "CREATE TABLE t (x int); INSERT INTO t VALUES (1)"
	drv_open --host 127.0.0.1 --port "$(pg_port b)" --dbname postgres --user postgres --password-file "$PW" --timeout 20000
	drv_probe
	t_eq "replica: up, a reader" "up reader" "$(jget "$OUT" 'd["state"], d["role"]')"
	t_check "replica: replay lag known" test "$(jget "$OUT" 'd["replay_lag_ms"]')" -ge 0
	t_eq "replica: the lease is read from the replica too" $NODE_B "$(jget "$OUT" 'd["lease"]["holder"]')"
	pg_stop a
	pg_promote b || t_fail "pg_ctl promote"
	drv_probe
	t_eq "promoted: the same session now sees a writer" "up writer True" "$(jget "$OUT" 'd["state"], d["role"], d["reused_connection"]')"
	t_eq "promoted: no replay lag" None "$(jget "$OUT" 'd["replay_lag_ms"]')"
	t_check "driver: closes cleanly" drv_close
	OUT=$("$R" --host localhost --port "$(pg_port b)" --dbname postgres --user postgres --password-file "$PW" --timeout 20000)
	t_eq "promoted, probed by host name (looked up on the thread pool): writer" "up writer" "$(jget "$OUT" 'd["state"], d["role"]')"
	OUT=$(PGHOST=localhost "$R" --port "$(pg_port b)" --dbname postgres --user postgres --password-file "$PW" --timeout 20000)
	t_eq "no host set: \$PGHOST's name, looked up by the probe" "up writer" "$(jget "$OUT" 'd["state"], d["role"]')"
else
	t_fail "a streaming replica (pg_basebackup -R) starts"
fi

t_done
