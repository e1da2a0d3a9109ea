#!/bin/bash
# tests/integ/history.sh - the stored history through the real binary against
# nodetop-sim: kill -9 and restart carry the uptime over, the gap while nodetop
# was stopped is not watched (never up, never down), two nodetops share one file
# without counting twice, --report in text/JSON/CSV, faults, --no-history.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

command -v sqlite3 >/dev/null || { t_fail "the sqlite3 command is not installed (apt-get install sqlite3)"; t_done; }
sim_start --nodes 2 --scenarios healthy,db-outage || { t_fail "simulator starts"; t_done; }
A=$(sim_url 0); B=$(sim_url 1); NB=127.0.0.1:$(sim_port 1)
DB=$XDG_STATE_HOME/nodetop/history.db

# rows NAME IND: state rows of one series in the file (minutes written by any process)
rows() { sqlite3 "$DB" "select count(*) from buckets b join series s on s.id = b.series where s.name = '$1' and s.indicator = '$2'" 2>/dev/null; }
events_in() { [ "$(sqlite3 "$1" 'select count(*) from events' 2>/dev/null || echo 0)" -ge "${2:-1}" ]; }
has_rows() { [ "$(rows "$NB" db)" -ge 1 ] 2>/dev/null; }
# jq-like: a field of a --report --json series (name, indicator, key)
rep_field() { python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
for s in d["series"]:
    if s["name"]==sys.argv[2] and s["indicator"]==sys.argv[3]:
        v=s[sys.argv[4]]; print("null" if v is None else v); break
else: print("missing")' "$@"; }
# a field of --once --json: nodes[name].database.uptime_percent[key]
once_db() { python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
for n in d["nodes"]:
    if n["name"]==sys.argv[2]:
        v=n["database"]["uptime_percent"][sys.argv[3]]; print("null" if v is None else v); break
else: print("missing")' "$@"; }
# close A B TOLERANCE: |A - B| <= TOLERANCE (numbers)
close() { python3 -c 'import sys; sys.exit(0 if abs(float(sys.argv[1]) - float(sys.argv[2])) <= float(sys.argv[3]) else 1)' "$@" 2>/dev/null; }

# ---- run 1: --events with node B's database down; kill -9 once it has written
t1=$(ms_now)
"$NODETOP" --events --interval 1s "$A" "$B" >"$T_TMP/run1.txt" 2>"$T_TMP/run1.err" &
R1=$!; t_track "$R1"
t_check "run 1 writes the history file (B's database down, its event)" wait_until eval 'has_rows && events_in "$DB" 2'
# a figure needs a minute of observed time (less is shown as no figure, JSON null):
# run 1 goes on until the file holds more than a minute of B's database down
down_min() { "$NODETOP" --report --json --since 1h 2>/dev/null >"$T_TMP/rep0.json" &&
	rep_field "$T_TMP/rep0.json" "$NB" db downtime_minutes; }
minute_stored() { python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= 1.1 else 1)' "$(down_min)" 2>/dev/null; }
t_check "run 1 stores more than a minute of B's database down" wait_until 180000 minute_stored
# what run 1 has written by now (s): a lower bound of its watched time, as the file says
seen1_s=$(python3 -c "print(round((60 - $(rep_field "$T_TMP/rep0.json" "$NB" db not_watched_minutes)) * 60))")
t_eq "the file is created 0600" 600 "$(stat -c %a "$DB")"
kill -9 $R1; wait $R1 2>/dev/null
t1=$(( $(ms_now) - t1 ))
gap0=$(ms_now)
t_eq "kill -9: integrity_check" ok "$(sqlite3 "$DB" 'PRAGMA integrity_check' 2>&1)"
# rep_seen: seconds of B's database seen in the last hour, as --report --json gives it
# (in minutes to 0.1: within 3 s of the file's figure)
rep_seen() { "$NODETOP" --report --json --since 1h >"$T_TMP/repn.json" 2>/dev/null &&
	python3 -c "print(round((60 - $(rep_field "$T_TMP/repn.json" "$NB" db not_watched_minutes)) * 60))" 2>/dev/null; }
seen1=$(rep_seen)
t_check "run 1 wrote what it watched (${seen1_s}s <= ${seen1}s <= its lifetime $((t1 / 1000))s + 4 s of rounding)" \
	test "$seen1" -ge $((seen1_s - 6)) -a "$seen1" -le $((t1 / 1000 + 4))

# ---- --once after the restart: 24 h and 7 d come from the file, not 100 %
"$NODETOP" --once --json "$A" "$B" >"$T_TMP/once.json" 2>"$T_TMP/once.err"
"$NODETOP" --once --json --no-history "$A" "$B" >"$T_TMP/once-nohist.json" 2>/dev/null
t_eq "with history: B's db 24 h is the stored minutes (down all along: 0)" 0 "$(once_db "$T_TMP/once.json" "$NB" 24h)"
t_eq "without history: 7 d is null" null "$(once_db "$T_TMP/once-nohist.json" "$NB" 7d)"
t_eq "with history: B's db 7 d is known (down all along: 0)" 0 "$(once_db "$T_TMP/once.json" "$NB" 7d)"
t_eq "with history: healthy A's db 30 d is 100" 100 "$(once_db "$T_TMP/once.json" "127.0.0.1:$(sim_port 0)" 30d)"
t_check "--once wrote nothing on stderr" test ! -s "$T_TMP/once.err"

# B recovers while no nodetop runs: the gap must count as neither down nor up.
sim_scenario 1 healthy
# The gap lasts at least 15 s (a length of the scenario, not a wait for
# something to happen): counted by mistake it would show in the seen time below
# (whose slack is 4 s).
gap_over() { [ $(( $(ms_now) - gap0 )) -ge 15000 ]; }
wait_until gap_over

# ---- run 2: two nodetops on the same file at once (a kiosk and a session);
# meanwhile --no-history and history = off run beside them and keep nothing.
printf '[defaults]\ninterval = 1s\nhistory = off\n[node b]\nurl = %s\n' "$B" >"$T_TMP/off.conf"
t2=$(ms_now)
"$NODETOP" --events --interval 1s "$A" "$B" >"$T_TMP/run2a.txt" 2>"$T_TMP/run2a.err" &
R2A=$!; t_track "$R2A"
"$NODETOP" --events --interval 1s "$A" "$B" >"$T_TMP/run2b.txt" 2>"$T_TMP/run2b.err" &
R2B=$!; t_track "$R2B"
XDG_STATE_HOME=$T_TMP/nohist "$NODETOP" --events --no-history --interval 1s "$B" >"$T_TMP/nohist.txt" 2>&1 &
RN=$!; t_track "$RN"
XDG_STATE_HOME=$T_TMP/off "$NODETOP" --events -c "$T_TMP/off.conf" >"$T_TMP/off.txt" 2>&1 &
RO=$!; t_track "$RO"
# both writers have written B's recovery (its up event, twice) and their minute rows
ups() { sqlite3 "$DB" "select count(*) from events where node = '$NB' and kind = 'db' and to_state = 'up'" 2>/dev/null; }
writers() { sqlite3 "$DB" "select count(distinct writer) from buckets b join series s on s.id = b.series where s.name = '$NB' and s.indicator = 'db'" 2>/dev/null; }
t_check "two nodetops write the same file" wait_until eval '[ "$(ups)" -ge 2 ] && [ "$(writers)" -ge 3 ]'
# and go on until the file holds 30 s more of B's database: long enough that the time
# both watch, counted twice, would stand out of the bounds below (all of it lies in
# minutes neither watched whole: the minute's length does not cap it)
grown() { local s; s=$(rep_seen) && [ $((s - seen1)) -ge 30 ]; }
t_check "run 2 is written (30 s more seen)" wait_until 180000 grown
t_check "--no-history polls" wait_until seen_in "$T_TMP/nohist.txt" "db $NB unknown -> up"
t_check "history = off polls" wait_until seen_in "$T_TMP/off.txt" "db b unknown -> up"
k2=$(ms_now)
kill -TERM $R2A $R2B $RN $RO; wait $R2A $R2B $RN $RO 2>/dev/null
t2=$(( $(ms_now) - t2 ))
# when run 2 began to watch B's database, as its processes report it: the first
# event of either (printed to the second: the observation was before the next one)
first2=$(python3 -c '
import sys, re, datetime
ts = []
for f in sys.argv[2:]:
    for line in open(f):
        m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) db " + re.escape(sys.argv[1]) + " ", line)
        if m:
            ts.append(datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=datetime.timezone.utc).timestamp())
            break
print(int(min(ts) * 1000) + 1000 if ts else 0)' "$NB" "$T_TMP/run2a.txt" "$T_TMP/run2b.txt")
t_check "run 2 reported when it began to watch B's database" test "$first2" -gt 0
t_eq "two writers: no error" "" "$(cat "$T_TMP/run2a.err" "$T_TMP/run2b.err")"
t_check "--no-history kept nothing" test ! -e "$T_TMP/nohist"
t_check "history = off kept nothing" test ! -e "$T_TMP/off"
t_eq "after both: integrity_check" ok "$(sqlite3 "$DB" 'PRAGMA integrity_check' 2>&1)"

# ---- --report: what was seen is what the runs watched: the gap is not watched,
# and the seconds run 2's two writers both watched count once (issue 14's rule)
"$NODETOP" --report --json --since 1h >"$T_TMP/rep.json" 2>"$T_TMP/rep.err"
t_eq "--report --json exits 0" 0 $?
nw=$(rep_field "$T_TMP/rep.json" "$NB" db not_watched_minutes)
seen_s=$(python3 -c "print(round((60 - $nw) * 60))")
# At most: run 1's lifetime + run 2's (from before its first process started to after
# both ended: the union of what its two writers watched can be no longer) + 4 s: the
# report gives minutes to 0.1 (3 s either way) and the sum of ms is floored to s (1 s).
# Counted twice, the two writers' common time would add far more (all of it but the
# few seconds between their starts); the gap counted by mistake would add >= 15 s.
max_s=$(( (t1 + t2) / 1000 + 4 ))
t_check "seen ${seen_s}s <= run 1 + run 2 (${max_s}s): two writers' common time counts once, the gap adds nothing" \
	test "$seen_s" -le "$max_s"
# At least: what run 1 had written before its kill -9 + run 2 from its first report
# of B's database (to the second, hence + 1 s above) to the TERM (its writers flush
# at exit, so they watched up to then at least) - 4 s of the same rounding.
min_s=$(( seen1_s + (k2 - first2) / 1000 - 4 ))
t_check "seen ${seen_s}s >= run 1 as written + run 2 as reported (${min_s}s): the union, not less" \
	test "$seen_s" -ge "$min_s"
# run 2 alone (what the file gained since run 1's kill -9): at most its lifetime, at
# least from its first report to its end; 7 s: two reports' rounding (3 s each) and 1 s
# of flooring. Its two writers overlapped for all of it but their first seconds.
d2=$((seen_s - seen1))
t_check "run 2: ${d2}s seen <= its lifetime $((t2 / 1000))s + 7 s: what both writers watched counts once" \
	test "$d2" -le $((t2 / 1000 + 7))
t_check "run 2: ${d2}s seen >= from its first report to its end $(((k2 - first2) / 1000))s - 7 s" \
	test "$d2" -ge $(((k2 - first2) / 1000 - 7))
t_check "B's database: downtime recorded" test "$(rep_field "$T_TMP/rep.json" "$NB" db downtime_minutes)" != 0
t_check "B's database: an incident from the stored events" test "$(rep_field "$T_TMP/rep.json" "$NB" db incidents)" -ge 1
avail=$(rep_field "$T_TMP/rep.json" "$NB" db availability_percent)
t_check "B's database availability between 0 and 100 exclusive ($avail)" python3 -c "import sys; sys.exit(0 if 0 < $avail < 100 else 1)"

# --once and --report agree on the same stored minutes. --once polls too, and what
# it sees itself is added to its 24 h (seconds of B's database up, while it runs:
# this is what once put them 4 points apart over 72 s seen); with B's node down its
# database is unknown, which counts for no availability, so --once adds nothing and
# both read the stored buckets alone: equal but for the report's 0.001 rounding.
sim_scenario 1 down
"$NODETOP" --once --json "$A" "$B" >"$T_TMP/once2.json" 2>/dev/null
sim_scenario 1 healthy
o24=$(once_db "$T_TMP/once2.json" "$NB" 24h); o7=$(once_db "$T_TMP/once2.json" "$NB" 7d)
t_eq "--once saw B's database as unknown" unknown "$(python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
print([n["database"]["state"] for n in d["nodes"] if n["name"]==sys.argv[2]][0])' "$T_TMP/once2.json" "$NB")"
t_check "--once 24h ($o24) = --report ($avail) (the same minutes)" close "$o24" "$avail" 0.01
t_check "--once 7d ($o7) = --report ($avail) (the same minutes, as hours)" close "$o7" "$avail" 0.01

txt=$("$NODETOP" --report --since 1h)
t_match "--report (text): B's database line" "^$NB +db +[0-9.]+%" "$txt"
csv=$("$NODETOP" --report --csv --per week --since 1h)
t_check "--report --csv parses, one total row per series" python3 -c '
import csv,sys
rows=list(csv.reader(sys.stdin.read().splitlines()))
tot=[r for r in rows[1:] if r[2]=="total"]
sys.exit(0 if rows[0][0]=="name" and len(tot)>=6 and any(r[0]==sys.argv[1] and r[1]=="db" for r in tot) else 1)' "$NB" <<<"$csv"
"$NODETOP" --report --since yesterday >/dev/null 2>"$T_TMP/bad.err"
t_eq "--report --since with a bad value: exit 3" 3 $?
t_match "... and says why" "bad --since 'yesterday'" "$(cat "$T_TMP/bad.err")"
XDG_STATE_HOME=$T_TMP/none "$NODETOP" --report >/dev/null 2>"$T_TMP/none.err"
t_eq "--report without a history file: exit 3" 3 $?

# ---- a node removed by a reload (SIGHUP) is no longer watched: its seen time
# stops while the other node's goes on
mkdir -p "$T_TMP/rl"
printf '[defaults]\ninterval = 1s\n[node ra]\nurl = %s\n[node rb]\nurl = %s\n' "$A" "$B" >"$T_TMP/rl.conf"
XDG_STATE_HOME=$T_TMP/rl "$NODETOP" --events -c "$T_TMP/rl.conf" >"$T_TMP/rl.txt" 2>&1 &
RL=$!; t_track "$RL"
RDB=$T_TMP/rl/nodetop/history.db
seen_min() { XDG_STATE_HOME=$T_TMP/rl "$NODETOP" --report --json --since 1h >"$T_TMP/rl.json" 2>/dev/null &&
	python3 -c "print(round(60 - $(rep_field "$T_TMP/rl.json" "$1" node not_watched_minutes), 1))" 2>/dev/null; }
rb_rows() { [ "$(sqlite3 "$RDB" "select count(*) from buckets b join series s on s.id = b.series where s.name = 'rb'" 2>/dev/null)" -ge 1 ] 2>/dev/null; }
t_check "reload: rb written" wait_until rb_rows
printf '[defaults]\ninterval = 1s\n[node ra]\nurl = %s\n' "$A" >"$T_TMP/rl.conf"
kill -HUP $RL
t_check "reload: rb removed" wait_until seen_in "$T_TMP/rl.txt" 'config reloaded: 1 nodes'
a0=$(seen_min ra); b0=$(seen_min rb)
a_grew() { local a; a=$(seen_min ra) && python3 -c "import sys; sys.exit(0 if $a >= $a0 + 0.5 else 1)"; }
t_check "reload: ra watched on (30 s more)" wait_until a_grew
b1=$(seen_min rb)
t_check "reload: rb's seen time stopped (${b0} -> ${b1} min; ra's went on)" python3 -c "import sys; sys.exit(0 if $b1 <= $b0 + 0.2 else 1)"
kill -TERM $RL; wait $RL 2>/dev/null

# ---- faults: a corrupt file is moved aside and a new one started; a directory
# that cannot be made is a message; polling goes on in both cases.
mkdir -p "$T_TMP/bad/nodetop"
head -c 8192 /dev/urandom >"$T_TMP/bad/nodetop/history.db"
XDG_STATE_HOME=$T_TMP/bad "$NODETOP" --events --interval 1s "$B" >"$T_TMP/bad.txt" 2>&1 &
RB=$!; t_track "$RB"
t_check "corrupt file: named in a message, moved aside" wait_until seen_in "$T_TMP/bad.txt" 'history: .*history.db was unusable .*moved aside'
t_check "corrupt file: the moved file is there" eval 'ls "$T_TMP/bad/nodetop" | grep -q "history.db.corrupt-"'
t_check "corrupt file: a new file is written" wait_until events_in "$T_TMP/bad/nodetop/history.db" 1
t_check "corrupt file: polling went on" seen_in "$T_TMP/bad.txt" "db $NB unknown -> up"
kill -TERM $RB; wait $RB 2>/dev/null

: >"$T_TMP/notadir"
printf '[defaults]\ninterval = 1s\nhistory = %s/notadir/history.db\n[node b]\nurl = %s\n' "$T_TMP" "$B" >"$T_TMP/ro.conf"
"$NODETOP" --events -c "$T_TMP/ro.conf" >"$T_TMP/ro.txt" 2>&1 &
RR=$!; t_track "$RR"
t_check "unwritable place: a message" wait_until seen_in "$T_TMP/ro.txt" 'config: history: cannot open .*notadir/history.db \(Not a directory\); polling goes on'
t_check "unwritable place: polling goes on" wait_until seen_in "$T_TMP/ro.txt" "db b unknown -> up"
t_check "unwritable place: still running" t_alive $RR
kill -TERM $RR; wait $RR 2>/dev/null

t_done
