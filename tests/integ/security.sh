#!/bin/bash
# tests/integ/security.sh - secrets and other safety promises: bearer tokens and
# header values never appear in any output (--once text/JSON/summary,
# --status-line, --events, stderr), even when nodes fail; group/world-readable
# token files and insecure = true are warned about on every start; URLs with
# other schemes or with a password are refused (file:line for the config);
# a --once run executes nothing (strace: one execve, nodetop's own).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

[ -x "$NODETOP" ] || { t_fail "nodetop is built ($NODETOP)"; t_done; }
command -v python3 >/dev/null || { t_fail "python3 is installed"; t_done; }


# The secrets: distinctive strings that cannot turn up by chance.
TOK_FILE=tokFILE7c2e91d4a06b5f38
TOK_ENV=tokENV3b81f0c95d2e7a64
HDR_VAL=hdrVAL9e4d17b2c6f0a853
HDR_VAL2=hdrVAL2d05c8e3f71a9b46
URL_PW=pwURL61f3a9d0e8c2b7d5
SECRETS=("$TOK_FILE" "$TOK_ENV" "$HDR_VAL" "$HDR_VAL2" "$URL_PW")

SCEN=(healthy down html unauthorized http-error garbage)
sim_start --nodes ${#SCEN[@]} --scenarios "$(IFS=,; echo "${SCEN[*]}")" --token "$TOK_FILE" --metrics-size 20k ||
	{ t_fail "simulator starts"; t_done; }
url() { local i; for i in "${!SCEN[@]}"; do [ "${SCEN[$i]}" = "$1" ] && sim_url "$i"; done; }
python3 "$top_srcdir/tests/integ/badserver.py" --port-file "$T_TMP/bad.ports" --mode-ports echo,redirect-other \
	2>"$T_TMP/bad.log" &
t_track "$!"
wait_file "$T_TMP/bad.ports" || { t_fail "badserver.py starts"; sed 's/^/#   /' "$T_TMP/bad.log"; t_done; }
bport() { awk -v n="$1" '$1 == n { print $2 }' "$T_TMP/bad.ports"; }

printf '%s\n' "$TOK_FILE" >"$T_TMP/token"
chmod 600 "$T_TMP/token"
export NODETOP_TEST_TOKEN=$TOK_ENV

# Every node carries secrets; most of them fail in some way.
cat >"$T_TMP/secrets.conf" <<EOF
[defaults]
header = X-Api-Key: $HDR_VAL

[node good]
url = $(url healthy)
bearer_token_file = $T_TMP/token

[node refused]
url = $(url down)
bearer_token_file = $T_TMP/token
header = X-Other: $HDR_VAL2

[node html]
url = $(url html)
bearer_token_env = NODETOP_TEST_TOKEN

[node wrongtoken]
url = $(url unauthorized)
bearer_token_env = NODETOP_TEST_TOKEN

[node err500]
url = $(url http-error)
bearer_token_file = $T_TMP/token

[node garbage]
url = $(url garbage)
bearer_token_file = $T_TMP/token
EOF

# no_secret DESC FILE...: no secret occurs in the files, not even its first 12
# characters (a truncated secret is still a leak).
no_secret() {
	local d=$1 s f hit=""; shift
	for f in "$@"; do for s in "${SECRETS[@]}"; do grep -qF -- "${s:0:12}" "$f" && hit="$hit ${f##*/}:$s"; done; done
	if [ -z "$hit" ]; then t_ok "$d"; else t_fail "$d (found:$hit)"; fi
}

C=$T_TMP/secrets.conf
"$NODETOP" --once --interval 10s --timeout 10s -c "$C" >"$T_TMP/once.txt" 2>"$T_TMP/once.err"; rc=$?
t_eq "secrets config: --once runs (exit 2, nodes fail)" 2 "$rc"
"$NODETOP" --once --json --interval 10s --timeout 10s -c "$C" >"$T_TMP/once.json" 2>"$T_TMP/once.json.err"
"$NODETOP" --once --summary --interval 10s --timeout 10s -c "$C" >"$T_TMP/summary.txt" 2>"$T_TMP/summary.err"
"$NODETOP" --status-line -c "$C" >"$T_TMP/status.txt" 2>"$T_TMP/status.err"
t_check "the token is sent: the node behind the token shows its database (metrics readable)" python3 -c '
import json, sys
d = {n["name"]: n for n in json.load(open(sys.argv[1]))["nodes"]}
sys.exit(0 if d["good"]["database"]["state"] == "up" and d["wrongtoken"]["metrics_error"] else 1)' "$T_TMP/once.json"
no_secret "--once text: no token or header value (stdout, stderr)" "$T_TMP/once.txt" "$T_TMP/once.err"
no_secret "--once --json: no token or header value" "$T_TMP/once.json" "$T_TMP/once.json.err"
no_secret "--once --summary: no token or header value" "$T_TMP/summary.txt" "$T_TMP/summary.err"
no_secret "--status-line: no token or header value" "$T_TMP/status.txt" "$T_TMP/status.err"

"$NODETOP" --events --interval 1s --timeout 1s -c "$C" >"$T_TMP/ev.txt" 2>"$T_TMP/ev.err" &
EV=$!; t_track "$EV"
"$NODETOP" --events --json --interval 1s --timeout 1s -c "$C" >"$T_TMP/evj.txt" 2>"$T_TMP/evj.err" &
EVJ=$!; t_track "$EVJ"
six_down() { [ "$(grep -c ' -> down' "$T_TMP/ev.txt")" -ge 4 ] && [ -s "$T_TMP/evj.txt" ]; }
wait_until six_down || t_fail "--events: the failing nodes are reported"
sim_scenario 0 rpc-outage; sim_scenario 2 healthy
changed() { grep -q 'node html .*-> up' "$T_TMP/ev.txt"; }
wait_until changed || t_fail "--events: a recovery is reported"
kill -TERM $EV $EVJ; wait $EV; wait $EVJ
no_secret "--events: no token or header value (stdout, stderr)" "$T_TMP/ev.txt" "$T_TMP/ev.err"
no_secret "--events --json: no token or header value (stdout, stderr)" "$T_TMP/evj.txt" "$T_TMP/evj.err"

# A node (or a proxy in front of it) that reflects the request headers in its
# error page: the error text nodetop shows must not repeat the secrets.
cat >"$T_TMP/echo.conf" <<EOF
[node echo]
url = http://127.0.0.1:$(bport port:echo)
bearer_token_file = $T_TMP/token
header = X-Api-Key: $HDR_VAL
EOF
"$NODETOP" --once --interval 10s --timeout 10s -c "$T_TMP/echo.conf" >"$T_TMP/echo.txt" 2>&1
"$NODETOP" --once --json --interval 10s --timeout 10s -c "$T_TMP/echo.conf" >"$T_TMP/echo.json" 2>&1
t_match "reflecting node: the error shows the HTTP status" 'HTTP 400' "$(cat "$T_TMP/echo.txt")"
no_secret "reflecting node: secrets echoed by the server are not shown (text, JSON)" "$T_TMP/echo.txt" "$T_TMP/echo.json"

# A redirect to another host:port must not carry the token or header values
# there: a node with secrets does not follow redirects at all, and says so.
cat >"$T_TMP/redir.conf" <<EOF
[node redir]
url = http://127.0.0.1:$(bport port:redirect-other)
bearer_token_file = $T_TMP/token
header = X-Api-Key: $HDR_VAL
EOF
"$NODETOP" --once --interval 10s --timeout 10s -c "$T_TMP/redir.conf" >"$T_TMP/redir.txt" 2>&1
curl -s "http://127.0.0.1:$(bport http)/_captured/all" >"$T_TMP/captured.txt"
t_check "redirect with secrets configured: not followed (nothing arrived at the other port)" sh -c '! grep -q "GET /health" "$1"' _ "$T_TMP/captured.txt"
t_match "redirect with secrets configured: the 3xx is shown" 'HTTP 30[1278]' "$(cat "$T_TMP/redir.txt")"
no_secret "redirect to another host:port: no token or header value sent there" "$T_TMP/captured.txt"

# ---------------------------------------------------------------- file modes, insecure
chmod 644 "$T_TMP/token"
printf '[node a]\nurl = %s\nbearer_token_file = %s\n' "$(url healthy)" "$T_TMP/token" >"$T_TMP/perm.conf"
"$NODETOP" --once --interval 10s --timeout 10s -c "$T_TMP/perm.conf" >/dev/null 2>"$T_TMP/perm.err"
t_match "a world-readable token file: a warning naming the file" "warning: .*$T_TMP/token.*(readable|mode)" "$(cat "$T_TMP/perm.err")"
chmod 640 "$T_TMP/token"
"$NODETOP" --once --json --interval 10s --timeout 10s -c "$T_TMP/perm.conf" >/dev/null 2>"$T_TMP/perm.err"
t_match "a group-readable token file: a warning naming the file" "warning: .*$T_TMP/token" "$(cat "$T_TMP/perm.err")"
no_secret "the warning does not quote the token" "$T_TMP/perm.err"
chmod 600 "$T_TMP/token"
"$NODETOP" --once --interval 10s --timeout 10s -c "$T_TMP/perm.conf" >/dev/null 2>"$T_TMP/perm.err"
t_check "a token file of mode 600: no warning" test ! -s "$T_TMP/perm.err"

printf '[node tls]\nurl = https://127.0.0.1:%s\ninsecure = true\n' "$(sim_port 1)" >"$T_TMP/insecure.conf"
for mode in "--once" "--once --json" "--status-line" "--once"; do
	"$NODETOP" $mode --timeout 1s -c "$T_TMP/insecure.conf" >/dev/null 2>"$T_TMP/ins.err"
	t_match "insecure = true: a warning on start ($mode)" 'warning: .*tls.*(insecure|verification)' "$(cat "$T_TMP/ins.err")"
done
"$NODETOP" --events --interval 1s -c "$T_TMP/insecure.conf" >/dev/null 2>"$T_TMP/ins.err" &
IP=$!; t_track "$IP"
wait_until grep -q warning "$T_TMP/ins.err" || echo "# --events wrote no warning (still running: $(kill -0 $IP 2>/dev/null && echo yes || echo no))"
kill -TERM $IP; wait $IP; rc=$?
t_match "insecure = true: a warning on start (--events)" 'warning: .*tls.*(insecure|verification)' "$(cat "$T_TMP/ins.err")"
t_eq "insecure = true, --events: ran until SIGTERM (143)" 143 "$rc"

# ---------------------------------------------------------------- URLs
n=0
for u in ftp://127.0.0.1/x file:///etc/passwd gopher://127.0.0.1:70/ 'javascript:alert(1)' 'ldap://127.0.0.1/' \
         'dict://127.0.0.1:11211/' 'scp://127.0.0.1/x' 'http:/127.0.0.1' '//127.0.0.1:6688'; do
	n=$((n + 1))
	printf '# nodes\n[node ok]\nurl = %s\n\n[node bad]\nurl = %s\n' "$(url healthy)" "$u" >"$T_TMP/scheme$n.conf"
	out=$("$NODETOP" --once -c "$T_TMP/scheme$n.conf" 2>&1); rc=$?
	t_match "url '$u' in a config: refused with file:line" "scheme$n.conf:6: .*url" "$out"
	t_eq "url '$u' in a config: exit 3" 3 "$rc"
	out=$("$NODETOP" --once "$u" 2>&1); rc=$?
	t_check "url '$u' on the command line: refused (exit $rc, $(printf '%s' "$out" | head -1 | cut -c1-80))" \
		test "$rc" -eq 3 -a -n "$out"
done
out=$("$NODETOP" --once "http://admin:$URL_PW@127.0.0.1:6688" 2>&1); rc=$?
t_eq "a password in a URL: refused (exit 3)" 3 "$rc"
t_nomatch "a password in a URL: the message does not repeat it" "$URL_PW" "$out"
printf '[node a]\nurl = http://admin:%s@127.0.0.1:6688\n' "$URL_PW" >"$T_TMP/pw.conf"
out=$("$NODETOP" --once -c "$T_TMP/pw.conf" 2>&1); rc=$?
t_match "a password in a config URL: refused with file:line" 'pw.conf:2: ' "$out"
t_nomatch "a password in a config URL: the message does not repeat it" "$URL_PW" "$out"

# ---------------------------------------------------------------- no shell, no exec
if command -v strace >/dev/null; then
	strace -f -qq -e trace=execve -o "$T_TMP/strace.txt" "$NODETOP" --once --interval 10s --timeout 10s -c "$C" >/dev/null 2>&1
	execs=$(grep -c 'execve(' "$T_TMP/strace.txt")
	t_eq "strace --once: exactly one execve" 1 "$execs"
	t_match "strace --once: the one execve is nodetop itself" "execve\(\"$NODETOP\"" "$(cat "$T_TMP/strace.txt")"
	strace -f -qq -e trace=execve -o "$T_TMP/strace2.txt" "$NODETOP" --once --json --interval 10s --timeout 10s \
		"$(url healthy)" "http://nodetop-test.invalid:6688" >/dev/null 2>&1
	t_eq "strace --once --json with an unresolvable name: exactly one execve" 1 "$(grep -c 'execve(' "$T_TMP/strace2.txt")"
	no_secret "strace log: no secret passed to a program" "$T_TMP/strace.txt"
else
	t_fail "strace is installed (apt-get install strace)"
fi

t_done
