#!/bin/bash
# tests/tui/rpc.sh - [rpc NAME] endpoints on the dashboard in tmux: their rows under the nodes
# (state, head, lag, WebSocket, a head-lag sparkline that rises when one falls behind), the
# node's RPC indicator, the kiosk naming a failing endpoint, and no URL key on any screen.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/integ/anvil_lib.sh"

tmux_need
anvil_need
export LC_ALL=C.UTF-8

sim_start --nodes 1 --scenario healthy || { t_fail "simulator starts"; t_done; }
anvil_start A 31337 || { t_fail "anvil A starts"; t_done; }
anvil_start B 1337 || { t_fail "anvil B starts"; t_done; }
anvil_start C 1337 || { t_fail "anvil C starts"; t_done; }
A=127.0.0.1:$PORT_A
# B and C level and paused: C falls behind when the test mines on B alone
anvil_pause "$PORT_B"; anvil_pause "$PORT_C"
hb=$(head_of "$PORT_B"); hc=$(head_of "$PORT_C")
[ "$hb" -lt "$hc" ] && anvil_mine "$PORT_B" $((hc - hb))
[ "$hc" -lt "$hb" ] && anvil_mine "$PORT_C" $((hb - hc))
anvil_mine "$PORT_B" 5; anvil_mine "$PORT_C" 5     # (a head of 0 is no head)

CONF=$T_TMP/rpc.conf
cat >"$CONF" <<CFG
[node alpha]
url = $(sim_url 0)

[rpc mainA]
url = http://$A/?key=SECRETKEY42
ws_url = ws://$A/?key=WSSECRET43
chain = 31337
interval = 1s

[rpc best]
url = http://127.0.0.1:$PORT_B
chain = 1337
interval = 1s
lag_blocks = 3

[rpc behind]
url = http://127.0.0.1:$PORT_C
chain = 1337
interval = 1s
lag_blocks = 3
CFG

# ---------------------------------------------------------------- the dashboard
tmux_start 150 45 env LC_ALL=C.UTF-8 "$NODETOP" -c "$CONF" --interval 1s
tmux_wait 'RPC endpoints · [0-9]/3 up' >/dev/null && t_ok "dashboard: the RPC endpoints' title under the nodes" || t_fail "dashboard: RPC endpoints title"
if tmux_wait '● mainA +chain 31337 +up +1h +100% +head [0-9]+ +lag 0 .* ws subscribed'; then
	t_ok "dashboard: mainA up (100% over the last hour) with its head, lag 0 and its WebSocket subscribed"
else t_fail "dashboard: mainA row"; fi
tmux_wait 'behind +chain 1337 +up +1h +100% +head [0-9]+ +lag 0' >/dev/null && t_ok "dashboard: behind is level with best (lag 0)" || t_fail "dashboard: behind level"
S=$(tmux_screen)
t_match "dashboard: a lag sparkline on the floor while level" 'behind .*lag 0 +▁+ ' "$S"

# C falls 10 blocks behind B: degraded, the sparkline rises to the top
anvil_mine "$PORT_B" 10
if tmux_wait '▲ behind +chain 1337 +degraded +1h +[0-9.]+% +head [0-9]+ +lag 10 +[▁ ]*█ .*10 blocks behind the best head'; then
	t_ok "dashboard: behind degraded, lag 10, its sparkline's newest cell at the top"
else t_fail "dashboard: behind degraded with the sparkline"; fi
tmux_wait 'RPC endpoints · 2/3 up · behind degraded' >/dev/null && t_ok "dashboard: the title counts 2 of 3 up and names the worst" || t_fail "dashboard: 2/3 up"
tmux_wait 'rpc +▲ degraded +1h' >/dev/null && tmux_wait 'alpha +UP .*rpc: direct: chain 1337: behind degraded: 10 blocks behind' >/dev/null \
	&& t_ok "dashboard: the node's rpc indicator is degraded, saying the direct view saw it" || t_fail "dashboard: node rpc indicator"
t_nomatch "dashboard: no URL key on the screen" 'SECRETKEY42|WSSECRET43' "$(tmux_screen)"
tmux_stop

# ---------------------------------------------------------------- the kiosk
tmux_start 120 40 env LC_ALL=C.UTF-8 "$NODETOP" -c "$CONF" --interval 1s --kiosk
if tmux_wait 'rpc behind \(chain 1337\) degraded: 10 blocks behind the best head'; then
	t_ok "kiosk: the failing endpoint is named with why"
else t_fail "kiosk: failing endpoint"; fi
t_nomatch "kiosk: no URL key on the screen" 'SECRETKEY42|WSSECRET43' "$(tmux_screen)"
tmux_stop

t_done
