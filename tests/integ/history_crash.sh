#!/bin/bash
# history_crash.sh - kill -9 during history writes, at 20 random moments: the
# file must pass `PRAGMA integrity_check` and reopen without being moved aside.
. "$(dirname "$0")/../lib.sh"

RUN="$top_builddir/tests/integ/history_run"
DB="$T_TMP/state/nodetop/history.db"
command -v sqlite3 >/dev/null || { t_fail "the sqlite3 command is not installed (apt-get install sqlite3)"; t_done; }

bad=0
for i in $(seq 1 20); do
	want=$((RANDOM % 12 + 1))           # a random number of write transactions, then kill mid-loop
	log="$T_TMP/run.$i.log"
	"$RUN" write "$DB" 40 >"$log" 2>"$T_TMP/run.$i.err" &
	pid=$!
	for _ in $(seq 1 3000); do
		[ "$(grep -c '^flush' "$log")" -ge "$want" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.01
	done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	flushes=$(grep -c '^flush' "$log")
	[ "$flushes" -ge "$want" ] || { t_fail "run $i: only $flushes writes before it stopped: $(cat "$T_TMP/run.$i.err")"; bad=1; }
	ic=$(sqlite3 "$DB" 'PRAGMA integrity_check' 2>&1)
	[ "$ic" = ok ] || { t_fail "run $i: integrity_check after kill -9 says: $ic"; bad=1; }
done
[ $bad -eq 0 ] && t_ok "20 kill -9 during writes: integrity_check ok every time"

# two processes writing one file at once (a kiosk and a session): no error, no damage
"$RUN" write "$DB" 40 >"$T_TMP/a.log" 2>"$T_TMP/a.err" & pa=$!
"$RUN" write "$DB" 40 >"$T_TMP/b.log" 2>"$T_TMP/b.err" & pb=$!
for _ in $(seq 1 6000); do
	[ "$(grep -c '^flush' "$T_TMP/a.log")" -ge 20 ] && [ "$(grep -c '^flush' "$T_TMP/b.log")" -ge 20 ] && break
	kill -0 "$pa" 2>/dev/null && kill -0 "$pb" 2>/dev/null || break
	sleep 0.01
done
kill -9 "$pa" "$pb" 2>/dev/null; wait "$pa" "$pb" 2>/dev/null
na=$(grep -c '^flush' "$T_TMP/a.log"); nb=$(grep -c '^flush' "$T_TMP/b.log")
t_check "two writers at once: 20 writes each (got $na and $nb)" test "$na" -ge 20 -a "$nb" -ge 20
t_eq "two writers at once: no error" "" "$(cat "$T_TMP/a.err" "$T_TMP/b.err")"
t_eq "two writers at once: integrity_check" "ok" "$(sqlite3 "$DB" 'PRAGMA integrity_check' 2>&1)"

out=$("$RUN" check "$DB")
t_match "a restarted nodetop opens the file and reads its history" '^ok series=120 availability=[0-9]' "$out"
t_eq "the file was never moved aside" "" "$(ls "$T_TMP/state/nodetop" | grep corrupt)"
t_eq "file mode 0600" "600" "$(stat -c %a "$DB")"
t_eq "directory mode 0700" "700" "$(stat -c %a "$T_TMP/state/nodetop")"
t_done
