#!/bin/bash
# tests/integ/rules.sh - the alert rules against nodetop-sim: `--once --json` (rules,
# status, exit code), text and --summary, [alerts] settings, and `--events [--json]`.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

SCEN=(healthy low-balance stuck-tx job-errors heads-stall)
list=$(IFS=,; echo "${SCEN[*]}")
sim_start --nodes ${#SCEN[@]} --scenarios "$list" || { t_fail "simulator starts"; t_done; }
idx() { local i; for i in "${!SCEN[@]}"; do [ "${SCEN[$i]}" = "$1" ] && echo "$i"; done; }
url() { sim_url "$(idx "$1")"; }
jget() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(eval(sys.argv[1]))' "$2" <<<"$1"; }
once() { # once SCENARIO [ARGS...]: --once --json on that node; sets OUT and RC
	local s=$1; shift
	OUT=$("$NODETOP" --once --json --timeout 2s "$@" "$(url "$s")" 2>"$T_TMP/err"); RC=$?
}

# ---------------------------------------------------------------- --once
once healthy
t_eq "healthy: exit 0, no rule fires" "0 []" "$RC $(jget "$OUT" 'd["rules"]')"

once low-balance
t_eq "low balance: exit 2 (a key below 0.1)" 2 "$RC"
t_eq "low balance: status CRITICAL" CRITICAL "$(jget "$OUT" 'd["status"]')"
t_eq "low balance: two balance rules (critical, warning)" "balance critical 0.05 0.1|balance warning 0.5 1" \
	"$(jget "$OUT" '"|".join("%s %s %g %g" % (r["name"], r["severity"], r["value"], r["threshold"]) for r in d["rules"])')"
t_match "low balance: the subject is the account and chain" '^0x[0-9a-f]{40} chain 1$' "$(jget "$OUT" 'd["rules"][0]["subject"]')"
t_eq "low balance: the rule names its node and since" "True True" \
	"$(jget "$OUT" 'd["rules"][0]["node"]==d["nodes"][0]["name"], d["rules"][0]["since"].endswith("Z")' | tr -d '(),')"
t_match "low balance: shortened account, native balance" 'native balance 0.05 of 0x[0-9a-f]{4}…[0-9a-f]{4} chain 1' \
	"$(jget "$OUT" 'd["rules"][0]["detail"]')"
t_match "low balance: the summary line counts the rules" '2 rules firing' "$(jget "$OUT" 'd["summary"]')"

TXT=$("$NODETOP" --once --timeout 2s "$(url low-balance)")
t_match "text: the node's rules" '^    CRITICAL balance: native balance 0.05 of 0x[0-9a-f]{4}…[0-9a-f]{4} chain 1 \(threshold 0.1\)' "$TXT"
SUM=$("$NODETOP" --once --summary --timeout 2s "$(url low-balance)")
t_match "summary: rules firing" '^  rules firing:$' "$SUM"
t_match "summary: the rule line" 'WARNING balance: native balance 0.5 ' "$SUM"

once stuck-tx
t_eq "stuck transactions: exit 1 (warnings)" 1 "$RC"
t_eq "stuck transactions: blocks and age" "tx_age:warning unconfirmed_blocks:warning:120" \
	"$(jget "$OUT" '" ".join(sorted(r["name"]+":"+r["severity"]+(":%g" % r["value"] if r["name"]=="unconfirmed_blocks" else "") for r in d["rules"]))')"

# ---------------------------------------------------------------- [alerts]
cat >"$T_TMP/off.conf" <<EOF
[alerts]
balance = off
[node lb]
url = $(url low-balance)
EOF
OUT=$("$NODETOP" --once --json --timeout 2s -c "$T_TMP/off.conf"); RC=$?
t_eq "balance = off: exit 0, no rules" "0 []" "$RC $(jget "$OUT" 'd["rules"]')"

cat >"$T_TMP/pernode.conf" <<EOF
[alerts]
unconfirmed_blocks_crit = 100
[node lb]
url = $(url low-balance)
balance_warn = 0.04
balance_crit = 0.01
[node tx]
url = $(url stuck-tx)
tx_age = off
EOF
OUT=$("$NODETOP" --once --json --timeout 2s -c "$T_TMP/pernode.conf" 2>"$T_TMP/err"); RC=$?
t_match "a rule switch is not a node key" "unknown key 'tx_age' in \[node tx\]" "$(cat "$T_TMP/err")"
t_eq "bad config: exit 3" 3 "$RC"
sed -i '/^tx_age = off$/d' "$T_TMP/pernode.conf"
OUT=$("$NODETOP" --once --json --timeout 2s -c "$T_TMP/pernode.conf"); RC=$?
t_eq "per-node balance thresholds and [alerts] crit: only the blocks rule, critical" \
	"2 tx_age:warning:600 unconfirmed_blocks:critical:100" \
	"$RC $(jget "$OUT" '" ".join(sorted("%s:%s:%g" % (r["name"], r["severity"], r["threshold"]) for r in d["rules"]))')"

# ---------------------------------------------------------------- --events
cat >"$T_TMP/ev.conf" <<EOF
[defaults]
interval = 300ms
[alerts]
heads_stalled_window = 10s
gas_bump_limit_window = 10s
job_errors_window = 10s
job_errors_warn = 5
[node lb]
url = $(url low-balance)
[node tx]
url = $(url stuck-tx)
[node jobs]
url = $(url job-errors)
[node stall]
url = $(url heads-stall)
EOF
"$NODETOP" --events --json -c "$T_TMP/ev.conf" >"$T_TMP/ev.json" 2>"$T_TMP/ev.err" &
EVJ=$!; t_track "$EVJ"
"$NODETOP" --events -c "$T_TMP/ev.conf" >"$T_TMP/ev.txt" 2>&1 &
EVT=$!; t_track "$EVT"

wait_for() { local re=$1 f=$2 i; for i in $(seq 1 1200); do grep -Eq -- "$re" "$f" && return 0; sleep 0.1; done; echo "# no /$re/ in $f:"; sed 's/^/#   /' "$f" | tail -20; return 1; }
# rule_ev FILE RULE NODE SEVERITY: a JSON event line of that rule
rule_ev() { wait_for "\"kind\":\"rule\",\"node\":\"$3\".*\"rule\":\"$2\",\"severity\":\"$4\"" "$1"; }

t_check "events: balance critical with value and threshold" \
	wait_for '"kind":"rule","node":"lb",.*"from":"ok","to":"critical",.*"rule":"balance","severity":"critical","previous":"ok","value":0.05,"threshold":0.1' "$T_TMP/ev.json"
t_check "events: gas bumps over the limit (counter increasing)" rule_ev "$T_TMP/ev.json" gas_bump_limit tx critical
t_check "events: insufficient funds" rule_ev "$T_TMP/ev.json" insufficient_funds tx critical
t_check "events: job run errors with the job names" \
	wait_for '"detail":"[0-9]+ job run errors in 10s; most: ocr2-eth-usd \([0-9]+\), vrf-\\u001b\[31mred \([0-9]+\)".*"rule":"job_errors","severity":"warning"' "$T_TMP/ev.json"
t_check "events: heads stalled while RPC nodes are Alive" rule_ev "$T_TMP/ev.json" heads_stalled stall critical
t_check "events: the RPC indicator goes down with that reason" \
	wait_for '"kind":"rpc","node":"stall","subject":"1",.*"to":"down","detail":"heads stalled: 0 new heads in 10s' "$T_TMP/ev.json"
t_check "text events: a rule line" \
	wait_for '^20[0-9-]+T[0-9:]+Z rule lb 0x[0-9a-f]{40} chain 1 balance ok -> critical: native balance 0.05 of .* \(value 0.05, threshold 0.1\)$' "$T_TMP/ev.txt"
t_check "text events: job names escaped" wait_for 'vrf-\\x1b\[31mred' "$T_TMP/ev.txt"
t_check "text events: no raw escape byte" bash -c "! grep -q $'\x1b' '$T_TMP/ev.txt'"

sim_scenario "$(idx low-balance)" healthy
t_check "events: the balance rules resolve" \
	wait_for '"node":"lb",.*"from":"critical","to":"resolved",.*"rule":"balance","severity":"resolved","previous":"critical"' "$T_TMP/ev.json"
sim_scenario "$(idx heads-stall)" healthy
t_check "events: heads again: resolved" rule_ev "$T_TMP/ev.json" heads_stalled stall resolved

# LOOPP: the chain's series come from the plugin processes (/discovery)
MAIN_SIM=$SIM
sim_start --nodes 1 --plugin --chains 2 --scenarios low-balance || t_fail "plugin simulator starts"
PLUG=$SIM; SIM=$MAIN_SIM
"$NODETOP" --events --json --interval 300ms "$(sim_url 0 "$PLUG")" >"$T_TMP/plug.json" 2>&1 &
EVP=$!; t_track "$EVP"
t_check "plugin mode: the balance rules see the plugin's series" \
	wait_for '"kind":"rule",.*"subject":"0x[0-9a-f]{40} chain 1",.*"rule":"balance","severity":"critical"' "$T_TMP/plug.json"
kill -TERM $EVP; wait $EVP 2>/dev/null

kill -TERM $EVJ $EVT; wait $EVJ $EVT 2>/dev/null
t_check "every JSON line parses" python3 -c '
import json,sys
for l in open(sys.argv[1]):
    json.loads(l)' "$T_TMP/ev.json"
t_check "nothing on stderr" test ! -s "$T_TMP/ev.err"

t_done
