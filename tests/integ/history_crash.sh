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

out=$("$RUN" check "$DB")
t_match "a restarted nodetop opens the file and reads its history" '^ok series=120 availability=[0-9]' "$out"
t_eq "the file was never moved aside" "" "$(ls "$T_TMP/state/nodetop" | grep corrupt)"
t_eq "file mode 0600" "600" "$(stat -c %a "$DB")"
t_eq "directory mode 0700" "700" "$(stat -c %a "$T_TMP/state/nodetop")"
t_done
