#!/bin/bash
# tests/integ/notify.sh - [notify NAME] hooks with `nodetop --events --json` against
# nodetop-sim: a command writing what it gets to a file, filters, repeats, node
# changes and failovers, a hook that hangs, a webhook that answers 500 then 200.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

sim_start --nodes 3 --scenarios low-balance,healthy,healthy || { t_fail "simulator starts"; t_done; }

# ---------------------------------------------------------------- the hooks
cat >"$T_TMP/hook.sh" <<EOF
#!/bin/sh
{ cat; echo; echo "env \$NODETOP_EVENT \$NODETOP_SEVERITY \$NODETOP_RULE \$NODETOP_NODE \$NODETOP_VALUE \$NODETOP_THRESHOLD"; } >>"$T_TMP/\$1.txt"
echo "hello from hook \$1"
EOF
cat >"$T_TMP/hang.sh" <<EOF
#!/bin/sh
echo \$\$ >>"$T_TMP/hang.pids"
sleep 600
EOF
sed 's/hang.pids/slow.pids/' "$T_TMP/hang.sh" >"$T_TMP/slow.sh"
# A hook that runs until the test releases it: "polling goes on while a hook runs"
# must not race the 8 s timeout of the hanging hook on a loaded machine.
cat >"$T_TMP/block.sh" <<EOF
#!/bin/sh
echo \$\$ >>"$T_TMP/block.pids"
while [ ! -e "$T_TMP/release" ]; do sleep 0.1; done
EOF
chmod +x "$T_TMP/hook.sh" "$T_TMP/hang.sh" "$T_TMP/slow.sh" "$T_TMP/block.sh"

# A webhook receiver: answers 500 to the first POST, 200 after; one body per line.
cat >"$T_TMP/web.py" <<'EOF'
import http.server, sys
log, portfile = sys.argv[1], sys.argv[2]
n = [0]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        n[0] += 1
        with open(log, "ab") as f:
            f.write(self.headers.get("Content-Type", "").encode() + b" " + body + b"\n")
        self.send_response(500 if n[0] == 1 else 200)
        self.end_headers()
        self.wfile.write(b"try later" if n[0] == 1 else b"ok")
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(portfile + ".tmp", "w").write(str(s.server_address[1]))
import os; os.rename(portfile + ".tmp", portfile)
s.serve_forever()
EOF
python3 "$T_TMP/web.py" "$T_TMP/web.log" "$T_TMP/web.port" &
t_track "$!"
t_check "webhook receiver starts" wait_until test -s "$T_TMP/web.port"
WEB=$(cat "$T_TMP/web.port")

cat >"$T_TMP/n.conf" <<EOF
[defaults]
interval = 300ms
[node lb]
url = $(sim_url 0)
[node p1]
url = $(sim_url 1)
group = pair
[node p2]
url = $(sim_url 2)
group = pair

[notify all]
command = $T_TMP/hook.sh all
on = critical, warning, resolved, node, failover
[notify crit]
command = $T_TMP/hook.sh crit
on = critical
rules = balance
nodes = lb
[notify rep]
command = "$T_TMP/hook.sh" rep
on = warning
repeat = 1s
[notify hang]
command = $T_TMP/hang.sh
on = critical
rules = balance
timeout = 8s
retries = 1
[notify block]
command = $T_TMP/block.sh
on = critical
rules = balance
timeout = 600s
retries = 0
[notify slow]
command = $T_TMP/slow.sh
on = critical, warning, node
timeout = 10s
retries = 0
queue = 1
[notify web]
webhook = http://127.0.0.1:$WEB/hook
format = slack
on = critical
rules = balance
retries = 2
EOF

"$NODETOP" --events --json -c "$T_TMP/n.conf" >"$T_TMP/ev.json" 2>"$T_TMP/ev.err" &
EV=$!; t_track "$EV"

wait_for() { local re=$1 f=$2 i; for i in $(seq 1 1200); do grep -Eq -- "$re" "$f" 2>/dev/null && return 0; sleep 0.1; done; echo "# no /$re/ in $f:"; sed 's/^/#   /' "$f" 2>/dev/null | tail -20; return 1; }
count() { grep -Ec -- "$1" "$2" 2>/dev/null; }

# ---------------------------------------------------------------- a command hook
t_check "command: the critical firing as JSON on stdin" \
	wait_for '^\{"notify":"all","event":"firing","kind":"rule","severity":"critical","node":"lb","rule":"balance","subject":"0x[0-9a-f]{40} chain 1","value":0.05,"threshold":0.1,"from":"ok","to":"critical"' "$T_TMP/all.txt"
t_check "command: the warning too" wait_for '"event":"firing","kind":"rule","severity":"warning","node":"lb","rule":"balance"' "$T_TMP/all.txt"
t_check "command: NODETOP_* environment" wait_for '^env firing critical balance lb 0.05 0.1$' "$T_TMP/all.txt"
t_check "command: every stdin document parses" python3 -c '
import json,sys
for l in open(sys.argv[1]):
    if l.startswith("{"): json.loads(l)' "$T_TMP/all.txt"
t_check "command: its output goes to the event log" \
	wait_for '"kind":"notify","node":null,"subject":"all",.*"detail":"command said: hello from hook all"' "$T_TMP/ev.json"
t_check "node changes: the first state of each node" wait_for '"event":"node","kind":"node","severity":"up","node":"p2"' "$T_TMP/all.txt"

# ---------------------------------------------------------------- a hook that hangs
t_check "hang: the command started" wait_until 60000 test -s "$T_TMP/hang.pids"
t_check "block: the command started" wait_until 60000 test -s "$T_TMP/block.pids"
BLOCK1=$(head -1 "$T_TMP/block.pids")
sim_scenario 1 down
# p1 refuses while p2 answers: the pair's standby (issue 11), not down
t_check "hang: polling goes on (p1 standby seen)" wait_for '"kind":"node","node":"p1",.*"to":"standby"' "$T_TMP/ev.json"
t_check "hang: ... while a hook still runs" kill -0 "$BLOCK1"
touch "$T_TMP/release"
t_check "block: released, it ends" wait_until 60000 sh -c "! kill -0 $BLOCK1 2>/dev/null"
t_nomatch "block: ended well, no failure reported" '"subject":"block",.*"detail":"(attempt|gave up)' "$(cat "$T_TMP/ev.json")"
t_check "node changes notified" wait_for '"event":"node","kind":"node","severity":"standby","node":"p1"' "$T_TMP/all.txt"
t_check "failover notified" \
	wait_for '"event":"failover","kind":"failover","severity":"warning","node":"p2","rule":null,"subject":"pair",.*"detail":"group pair failed over from p1 to p2"' "$T_TMP/all.txt"
t_check "hang: reported, tried again" \
	wait_for '"subject":"hang",.*"detail":"attempt 1 failed: command timed out after 8.0s and was killed; trying again in 1s"' "$T_TMP/ev.json"
t_check "hang: gave up after its retries" \
	wait_for '"subject":"hang",.*"detail":"gave up after 2 attempts: command timed out after 8.0s and was killed' "$T_TMP/ev.json"
t_eq "hang: run twice (1 + 1 retry)" 2 "$(wc -l <"$T_TMP/hang.pids")"
gone() { local p; for p in $(cat "$T_TMP/hang.pids"); do kill -0 "$p" 2>/dev/null && return 1; done; return 0; }
t_check "hang: killed, nothing left running" wait_until gone

t_check "queue: full while a hook runs, the oldest dropped and said so" \
	wait_for '"subject":"slow",.*"detail":"queue full \(1\): dropped \[' "$T_TMP/ev.json"
t_check "queue: the slow hook gives up, not retried (retries = 0)" \
	wait_for '"subject":"slow",.*"detail":"gave up after 1 attempt: command timed out after 10.0s' "$T_TMP/ev.json"

# ---------------------------------------------------------------- a webhook
t_check "webhook: 500 reported, tried again" \
	wait_for '"subject":"web",.*"detail":"attempt 1 failed: HTTP 500: try later; trying again in 1s"' "$T_TMP/ev.json"
# (a function: the count is taken again on every try, not once before the wait)
at_least() { [ "$(count "$2" "$3")" -ge "$1" ]; }
t_check "webhook: delivered on the second attempt" wait_until at_least 2 . "$T_TMP/web.log"
t_match "webhook: slack format, JSON content type" \
	'^application/json \{"text":"\[critical\] lb balance 0x[0-9a-f]{40} chain 1: native balance 0.05 of 0x[0-9a-f]{4}…[0-9a-f]{4} chain 1 \(value 0.05, threshold 0.1\)"\}$' \
	"$(sed -n 2p "$T_TMP/web.log")"
t_eq "webhook: the same body both times" "$(sed -n 1p "$T_TMP/web.log")" "$(sed -n 2p "$T_TMP/web.log")"

# ---------------------------------------------------------------- repeats, filters, de-duplication
t_check "repeat: a warning still firing is sent again" \
	wait_until at_least 2 '"event":"repeat","kind":"rule","severity":"warning","node":"lb","rule":"balance"' "$T_TMP/rep.txt"
t_eq "filters: the critical-only hook got only the critical firing" "1 1" \
	"$(count '^\{' "$T_TMP/crit.txt") $(count '"severity":"critical","node":"lb","rule":"balance"' "$T_TMP/crit.txt")"
t_eq "de-duplication: one firing per rule and subject, however many polls" 2 \
	"$(count '"event":"firing","kind":"rule".*"node":"lb","rule":"balance"' "$T_TMP/all.txt")"
t_eq "de-duplication: the repeating hook had its firing once" 1 "$(count '"event":"firing"' "$T_TMP/rep.txt")"

sim_scenario 0 healthy
t_check "resolved notified" wait_for '"event":"resolved","kind":"rule","severity":"resolved","node":"lb","rule":"balance".*"from":"critical","to":"resolved"' "$T_TMP/all.txt"
t_check "nodetop still answers (polling never stalled)" kill -0 "$EV"
kill -TERM "$EV"; wait "$EV" 2>/dev/null
slow_gone() { local p; for p in $(cat "$T_TMP/slow.pids"); do kill -0 "$p" 2>/dev/null && return 1; done; return 0; }
t_check "quit: a hook still running is killed" wait_until slow_gone
t_check "nothing on stderr" test ! -s "$T_TMP/ev.err"

# ---------------------------------------------------------------- SIGHUP re-reads [notify]
# A hook kept by name with a new command, a hook added, a hook removed: the
# node's next change goes to the new command and the new hook, not the old ones.
reconf() {
	printf '[defaults]\ninterval = 300ms\n[node lb]\nurl = %s\n' "$(sim_url 0)"
	for h in "$@"; do printf '[notify %s]\ncommand = %s %s\non = node\n' "${h%%=*}" "$T_TMP/hook.sh" "${h#*=}"; done
}
sed 's/slow.pids/stuck.pids/' "$T_TMP/slow.sh" >"$T_TMP/stuck.sh"; chmod +x "$T_TMP/stuck.sh"
{ reconf keep=keep1 gone=gone; printf '[notify stuck]\ncommand = %s\non = node\ntimeout = 60s\n' "$T_TMP/stuck.sh"; } >"$T_TMP/r.conf"
"$NODETOP" --events --json -c "$T_TMP/r.conf" >"$T_TMP/ev2.json" 2>"$T_TMP/ev2.err" &
EV2=$!; t_track "$EV2"
t_check "reload: before, the hooks hear of the node" wait_for '"event":"node","kind":"node","severity":"up","node":"lb"' "$T_TMP/gone.txt"
t_check "reload: ... the kept one too" wait_for '"severity":"up","node":"lb"' "$T_TMP/keep1.txt"
t_check "reload: a hook to be removed is running" wait_until 30000 test -s "$T_TMP/stuck.pids"
reconf keep=keep2 added=added >"$T_TMP/r.conf.new" && mv "$T_TMP/r.conf.new" "$T_TMP/r.conf"
kill -HUP "$EV2"
t_check "reload: the config is re-read" wait_for '"kind":"config".*config reloaded' "$T_TMP/ev2.json"
t_check "reload: a removed hook's delivery in flight is dropped and said so" \
	wait_for '"kind":"notify",.*"subject":"stuck",.*removed by a reload: 1 delivery dropped' "$T_TMP/ev2.json"
stuck_gone() { ! kill -0 "$(cat "$T_TMP/stuck.pids")" 2>/dev/null; }
t_check "reload: ... its command is killed" wait_until 10000 stuck_gone
sim_scenario 0 down
t_check "reload: a hook changed by SIGHUP runs its new command" \
	wait_for '"notify":"keep","event":"node","kind":"node","severity":"down","node":"lb"' "$T_TMP/keep2.txt"
t_check "reload: a hook added by SIGHUP fires" \
	wait_for '"notify":"added","event":"node","kind":"node","severity":"down","node":"lb"' "$T_TMP/added.txt"
sim_scenario 0 healthy
t_check "reload: ... and goes on firing" wait_for '"notify":"added","event":"node","kind":"node","severity":"up","node":"lb"' "$T_TMP/added.txt"
t_check "reload: the kept hook too" wait_for '"notify":"keep","event":"node","kind":"node","severity":"up","node":"lb"' "$T_TMP/keep2.txt"
t_eq "reload: the old command of the changed hook no longer runs" 0 "$(count '"severity":"down"' "$T_TMP/keep1.txt")"
t_eq "reload: the removed hook no longer fires" 0 "$(count '"severity":"down"' "$T_TMP/gone.txt")"
t_eq "reload: the added hook heard nothing from before it was there" 0 "$(count '"node":"lb",.*"from":"unknown"' "$T_TMP/added.txt")"
kill -TERM "$EV2"; wait "$EV2" 2>/dev/null
t_check "reload: nothing on stderr" test ! -s "$T_TMP/ev2.err"

# a bad [notify] section: file, line, problem
printf '[node a]\nurl = http://127.0.0.1:1\n[notify x]\ncommand = /bin/true\non = sometimes\n' >"$T_TMP/bad.conf"
"$NODETOP" --once -c "$T_TMP/bad.conf" >/dev/null 2>"$T_TMP/bad.err"
t_match "a bad [notify] is reported with file and line" "bad.conf:5: bad event 'sometimes' for 'on'" "$(cat "$T_TMP/bad.err")"

t_done
