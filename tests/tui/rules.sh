#!/bin/bash
# tests/tui/rules.sh - the alert rules on the screen (issue 13): the detail view's
# list of a node's rules, the help's rules with the thresholds in effect, the
# header, node row and events, the kiosk, and `a` stopping a rule's repeats.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

tmux_need
export LC_ALL=C.UTF-8

# lb and far: a key below 0.1 (critical) and one below 1 (warning); ok: healthy
sim_start --nodes 3 --scenarios low-balance,low-balance,healthy || { t_fail "simulator starts"; t_done; }

# The repeat hook: every delivery it gets, one JSON document a line.
cat >"$T_TMP/hook.sh" <<EOF
#!/bin/sh
{ cat; echo; } >>"$T_TMP/rep.txt"
EOF
chmod +x "$T_TMP/hook.sh"
: >"$T_TMP/rep.txt"

cat >"$T_TMP/r.conf" <<EOF
[defaults]
interval = 300ms
[alerts]
log_errors = off
[node lb]
url = $(sim_url 0)
balance_warn = 2
[node far]
url = $(sim_url 1)
[node ok]
url = $(sim_url 2)
[notify rep]
command = $T_TMP/hook.sh
on = critical
rules = balance
repeat = 1s
EOF

tmux_start 132 50 "$NODETOP" -c "$T_TMP/r.conf"
tmux_wait_polled

# ---------------------------------------------------------------- main screen
tmux_wait ' 4 rules firing' >/dev/null && t_ok "header: the rules firing are counted" || t_fail "header count"
S=$(tmux_screen)
t_match "node row: the worst rule and what it says" \
	'^▶ ● lb .* balance critical: native balance 0\.05 of 0x[0-9a-f]{4}…[0-9a-f]{4} chain 1' "$S"

# ---------------------------------------------------------------- detail view
tmux_keys Enter
tmux_wait '─ Rules ─ 2 firing ─' >/dev/null && t_ok "detail view: a Rules panel with the count firing" || t_fail "Rules panel"
S=$(tmux_screen)
t_match "detail: the critical rule first, value against threshold, for how long, not acknowledged" \
	'✖ balance +critical 0\.05 < 0\.1  for [0-9]+s  not acked' "$S"
t_match "detail: what it is about on the line below, the account shortened" \
	' {3}0x[0-9a-f]{4}…[0-9a-f]{4} chain 1 *$' "$S"
t_match "detail: the warning against the node's own threshold (balance_warn = 2)" \
	'▲ balance +warning +0\.5 < 2  for [0-9]+s  not acked' "$S"
t_match "detail: a rule that is fine, its value and thresholds" \
	'● unconfirmed_blocks +ok +[0-9]+ +\(warn > 50\)' "$S"
t_match "detail: a rule turned off" '\? log_errors +off' "$S"
t_match "detail: a windowed rule without enough history yet" '● heads_stalled +ok +no value +\(crit < 1 in 10m\)' "$S"
t_match "detail: every rule listed" 'metric_missing +ok +all served' "$S"

# ---------------------------------------------------------------- help
tmux_keys '?'
tmux_wait 'alert rules in effect for lb:' >/dev/null && t_ok "help: the rules, for the selected node" || t_fail "help rules"
S=$(tmux_screen)
t_match "help: per-node threshold in effect, with the default crit" '│ balance +warn < 2, crit < 0\.1 +native balance' "$S"
t_match "help: windowed rules with their window" '│ job_errors +warn > 10 in 1h +job run errors' "$S"
t_match "help: the rule turned off" '│ log_errors +off +error log lines' "$S"
t_match "help: health history in percent" '│ health_history +warn > 30%, crit > 50% of 15m' "$S"
tmux_keys Escape
tmux_wait_gone 'alert rules in effect' >/dev/null

# ---------------------------------------------------------------- a stops the repeats
# Both lb and far repeat their critical balance every second; far is never
# acknowledged, so its repeats are the clock that proves time passes for lb.
reps() { grep -c "\"event\":\"repeat\",\"kind\":\"rule\",\"severity\":\"critical\",\"node\":\"$1\"" "$T_TMP/rep.txt"; }
at_least() { [ "$(reps "$1")" -ge "$2" ]; }
t_check "repeats: lb's critical rule is sent again while it fires" wait_until at_least lb 2
t_check "repeats: far's too" wait_until at_least far 2
tmux_keys a
tmux_wait 'ack lb:' >/dev/null || t_fail "ack prompt"
tmux_keys -l 'topping up'
tmux_keys Enter
tmux_wait 'acknowledged lb until its state changes' >/dev/null && t_ok "a acknowledges lb" || t_fail "ack"
tmux_wait '✖ balance +critical 0\.05 < 0\.1  for [0-9a-z]+  ACK' >/dev/null \
	&& t_ok "detail: the rule shows it is acknowledged" || t_fail "ACK on the rule"
t_match "detail: the panel title says so" '─ Rules ─ 2 firing, acknowledged ─' "$(tmux_screen)"
# A repeat of lb queued before the ack may still arrive: wait until far has
# been repeated three more times (at least two whole repeat intervals), then
# count lb's; after three more of far's, lb's must not have moved.
F=$(reps far)
t_check "repeats: far goes on after lb's ack" wait_until at_least far $((F + 3))
L1=$(reps lb)
F=$(reps far)
t_check "repeats: far goes on again" wait_until at_least far $((F + 3))
t_eq "repeats: none for lb while acknowledged" "$L1" "$(reps lb)"
t_eq "repeats: the first firing was sent once (de-duplication)" 1 \
	"$(grep -c '"event":"firing","kind":"rule","severity":"critical","node":"lb"' "$T_TMP/rep.txt")"

# a rule that fires after the acknowledgement is a new problem: the ack goes
sim_scenario 0 stuck-tx
tmux_wait '▲ unconfirmed_blocks +warning' >/dev/null && t_ok "a new rule fires on lb" || t_fail "new rule"
tmux_wait_gone 'ACK' >/dev/null && t_ok "... and the acknowledgement no longer covers lb" || t_fail "ack cleared"
tmux_keys Escape
tmux_stop

# ---------------------------------------------------------------- kiosk
printf '[defaults]\ninterval = 300ms\n[node far]\nurl = %s\n[node ok]\nurl = %s\n' "$(sim_url 1)" "$(sim_url 2)" >"$T_TMP/k.conf"
tmux_start 132 50 "$NODETOP" --kiosk -c "$T_TMP/k.conf"
tmux_wait 'balance critical on far for [0-9a-z]+: native balance 0\.05' >/dev/null \
	&& t_ok "kiosk: the firing critical rule under the banner" || t_fail "kiosk banner line"
S=$(tmux_screen)
t_match "kiosk: CRITICAL in the block font (its C)" '^ +████████  ████████ ' "$S"
t_match "kiosk: far needs attention" '1 of 2 nodes needs attention' "$S"
t_match "kiosk: far's card lists its rules" '✖ balance critical  0\.05 < 0\.1  for [0-9a-z]+  0x[0-9a-f]{4}…[0-9a-f]{4} chain 1' "$S"
t_match "kiosk: the status is CRITICAL" '^ [0-9:]{8}  nodetop  ✖ CRITICAL' "$S"
t_match "kiosk: recent events name the rule and its level" '✖ rule balance critical on far · native balance 0\.05' "$S"
t_nomatch "kiosk: no rule in words of node states" 'rule (down|degraded|up) on' "$S"
tmux_stop

# ---------------------------------------------------------------- events panel
printf '[defaults]\ninterval = 300ms\n[node far]\nurl = %s\n[notify bad]\ncommand = /bin/false\non = critical\nretries = 0\n' \
	"$(sim_url 1)" >"$T_TMP/e.conf"
tmux_start 132 50 "$NODETOP" -c "$T_TMP/e.conf"
tmux_wait '✖ rule balance critical on far for [0-9a-z]+ · native balance 0\.05' >/dev/null \
	&& t_ok "events panel: the rule by name and level" || t_fail "events panel rule line"
t_nomatch "events panel: no rule in words of node states" 'rule (down|degraded|up) on' "$(tmux_screen)"
tmux_wait '✖ hook bad: gave up after 1 attempt: command exited with status 1' >/dev/null \
	&& t_ok "events panel: a hook that fails is reported on screen, by name" || t_fail "hook failure line"
tmux_stop

t_done
