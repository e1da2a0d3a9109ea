#!/bin/bash
# bench/scale.sh - benchmark 3: nodetop --events polling 1000 simulated nodes
# (one nodetop-sim) every 5 s: CPU share, RSS, poll lateness (NODETOP_STATS),
# and how CPU and memory grow per node and per scraped series (smaller runs).
# Peer in the same run: one `curl --parallel` per round fetching the same URLs.
# Usage: bench/scale.sh [BUILDDIR [SRCDIR]]   (BENCH_QUICK=1: shorter)

BUILDDIR=${1:-${BUILDDIR:-}} SRCDIR=${2:-${SRCDIR:-}}
. "$(dirname "$0")/lib.sh"

NODES=1000 FEW=250 SIZE=100000 LARGE=1000000 INTERVAL=5
WARM=$(b_quick 10 5) WINDOW=$(b_quick 60 20) WINDOW_FEW=$(b_quick 30 10)
CURL_ROUNDS=$(b_quick 4 2)
[ -x "$NODETOP" ] || b_die "$NODETOP is not built"

# run_nodetop TAG N: nodetop --events on the first N sim nodes, from a config
# file, warm-up then a measured window; sets CPU (s), WALL, RSS and HWM (kB),
# and the lateness and poll figures from NODETOP_STATS.
run_nodetop() {
	local tag=$1 n=$2 window=$3 conf=$B_TMP/$1.conf i=0 p pid t0 t1 c0 c1
	{
		printf '[defaults]\ninterval = %ss\ntimeout = 4s\n' "$INTERVAL"
		for p in $SIM_PORTS; do
			[ "$i" -lt "$n" ] || break
			printf '[node n%d]\nurl = http://127.0.0.1:%s\n' "$i" "$p"
			i=$((i + 1))
		done
	} >"$conf"
	b_log "$tag: $n nodes, ${WARM} s warm-up, ${window} s window"
	b_bg env NODETOP_STATS="$B_TMP/$tag.stats" "$NODETOP" --events -c "$conf" >"$B_TMP/$tag.events" 2>&1
	pid=$B_PID
	sleep "$WARM"
	kill -0 "$pid" 2>/dev/null || { tail "$B_TMP/$tag.events" >&2; b_die "nodetop exited"; }
	t0=$(b_now) c0=$(b_ticks "$pid") s0=$(b_ticks "$SIM_PID")
	sleep "$window"
	t1=$(b_now) c1=$(b_ticks "$pid") s1=$(b_ticks "$SIM_PID")
	RSS=$(b_status_kb "$pid" VmRSS) HWM=$(b_status_kb "$pid" VmHWM)
	b_stop "$pid"
	WALL=$(b_calc "$t1 - $t0")
	CPU=$(b_calc "($c1 - $c0) / $HZ")
	SIMCPU=$(b_calc "($s1 - $s0) / $HZ")
	nstat() { sed -n "s/^$1=//p" "$B_TMP/$tag.stats" 2>/dev/null; }
	P50=$(nstat lateness_p50_ms) P99=$(nstat lateness_p99_ms) PMAX=$(nstat lateness_max_ms)
	POLLS=$(nstat polls) ERRORS=$(nstat poll_errors) ROUNDS=$(nstat rounds)
	[ -n "$POLLS" ] || b_log "$tag: no NODETOP_STATS figures (nodetop without NODETOP_STATS?)"
}

# series_per_body: sample lines in one /metrics body of the running sim.
series_per_body() {
	curl -s "http://127.0.0.1:${SIM_PORTS%%[!0-9]*}/metrics" | grep -c -v -e '^#' -e '^[[:space:]]*$'
}

# curl_peer N ROUNDS: one `curl --parallel` per round over what nodetop asks in
# a round of the first N (healthy) nodes: every /metrics, and /health of a third
# of them (health_interval 15 s at a 5 s interval); sets PEER_CPU (s per round,
# mean) and PEER_WALL.
curl_peer() {
	local n=$1 rounds=$2 i=0 p r sum=0 wsum=0
	for p in $SIM_PORTS; do
		[ "$i" -lt "$n" ] || break
		[ $((i % 3)) = 0 ] && printf 'url = "http://127.0.0.1:%s/health"\noutput = "/dev/null"\n' "$p"
		printf 'url = "http://127.0.0.1:%s/metrics"\noutput = "/dev/null"\n' "$p"
		i=$((i + 1))
	done >"$B_TMP/curl.conf"
	b_log "peer: curl --parallel over $(grep -c '^url' "$B_TMP/curl.conf") URLs, $rounds rounds"
	for r in $(seq 1 "$rounds"); do
		b_run_cpu curl -s --parallel --parallel-max 64 -K "$B_TMP/curl.conf"
		sum=$(b_calc "$sum + $RUN_CPU") wsum=$(b_calc "$wsum + $RUN_WALL")
		sleep "$(b_calc "$RUN_WALL < $INTERVAL ? $INTERVAL - $RUN_WALL : 0")"
	done
	PEER_CPU=$(b_calc "$sum / $rounds") PEER_WALL=$(b_calc "$wsum / $rounds")
}

row() {   # row LABEL NODES BODY: a table row from the last run_nodetop
	echo "| $1 | $2 | $3 | $(b_fmt %.2f "$CPU") / $(b_fmt %.1f "$WALL") | $(b_fmt %.2f "100 * $CPU / $WALL") | $(b_fmt %.1f "$RSS / 1024") ($(b_fmt %.1f "$HWM / 1024")) | ${P50:-?} / ${P99:-?} / ${PMAX:-?} | ${POLLS:-?} / ${ERRORS:-?} | $(b_fmt %.2f "100 * $SIMCPU / $WALL") |"
}

b_sim_start "$NODES" "$SIZE"
SERIES_BIG=$(series_per_body)
run_nodetop big "$NODES" "$WINDOW"
A_CPU=$CPU A_WALL=$WALL A_HWM=$HWM A_RSS=$RSS A_P99=$P99 A_ERR=$ERRORS
ROW_A=$(row "A" "$NODES" "$SIZE B, $SERIES_BIG series")
run_nodetop few "$FEW" "$WINDOW_FEW"
B_CPU=$CPU B_WALL=$WALL B_RSS=$RSS
ROW_B=$(row "B" "$FEW" "$SIZE B, $SERIES_BIG series")
curl_peer "$NODES" "$CURL_ROUNDS"
b_stop "$SIM_PID"

b_sim_start "$FEW" "$LARGE"
SERIES_LARGE=$(series_per_body)
run_nodetop large "$FEW" "$WINDOW_FEW"
C_CPU=$CPU C_WALL=$WALL C_RSS=$RSS
ROW_C=$(row "C" "$FEW" "$LARGE B, $SERIES_LARGE series")
b_stop "$SIM_PID"

# Growth: CPU in % of one core (at a 5 s interval) and RSS, per node (A - B)
# and per scraped series per node (C - B).
a_share=$(b_calc "100 * $A_CPU / $A_WALL") b_share=$(b_calc "100 * $B_CPU / $B_WALL")
per_node_cpu=$(b_fmt %.4f "($a_share - $b_share) / ($NODES - $FEW)")
per_node_kb=$(b_fmt %.1f "($A_RSS - $B_RSS) / ($NODES - $FEW)")
dseries=$((FEW * (SERIES_LARGE - SERIES_BIG)))
per_series_us=$(b_fmt %.3f "($C_CPU / $C_WALL - $B_CPU / $B_WALL) * $INTERVAL * 1e6 / $dseries")
per_series_b=$(b_fmt %.1f "($C_RSS - $B_RSS) * 1024 / $dseries")
rounds=$(b_calc "$A_WALL / $INTERVAL")
nt_round=$(b_calc "$A_CPU / $rounds")
ratio=$(b_fmt %.2f "$nt_round / $PEER_CPU")

echo "## 3. Scale: 1000 nodes every 5 s"
echo
echo "One \`nodetop-sim\` of $NODES healthy nodes; \`nodetop --events -c CONF\` with \`interval = ${INTERVAL}s\`,"
echo "CPU (utime+stime from /proc) and RSS over the window after a $WARM s warm-up; lateness"
echo "(poll start against schedule, every poll of the run) from \`NODETOP_STATS\`. Runs B and C"
echo "give the growth per node (A - B) and per scraped series (C - B)."
echo
echo "| run | nodes | body | CPU s / window s | CPU % of one core | RSS MB (peak) | lateness ms p50 / p99 / max | answers (/health + /metrics) / errors | sim CPU % |"
echo "|---|---|---|---|---|---|---|---|---|"
echo "$ROW_A"
echo "$ROW_B"
echo "$ROW_C"
echo
echo "Growth: **$per_node_cpu % of a core and $per_node_kb kB RSS per node** (5 s interval; the average"
echo "is $(b_fmt %.4f "$b_share / $FEW") %/node at $FEW nodes and $(b_fmt %.4f "$a_share / $NODES") %/node at $NODES nodes);"
echo "**$per_series_us µs CPU per scraped series per poll, $per_series_b bytes RSS per scraped series**."
echo "Differences of two runs on a shared machine: small or negative figures are within the noise."
echo
echo "Peer: \`curl -s --parallel --parallel-max 64 -K urls\` fetching what nodetop asks in a round:"
echo "/metrics of all $NODES nodes and /health of every third (nodetop asks /health of a healthy node every"
echo "15 s, its health_interval, and /metrics every 5 s); new connections each round, no parsing: $(b_fmt %.3f "$PEER_CPU") s CPU per round"
echo "($(b_fmt %.2f "$PEER_WALL") s wall). nodetop per round: $(b_fmt %.3f "$nt_round") s, **${ratio}x curl**."
echo
b_verdict "$(b_calc "$a_share <= 10")" "scale: CPU <= 10% of one core at $NODES nodes: $(b_fmt %.2f "$a_share")%"
b_verdict "$(b_calc "$A_HWM <= 200 * 1024")" "scale: RSS <= 200 MB at $NODES nodes: peak $(b_fmt %.1f "$A_HWM / 1024") MB"
b_verdict "$([ -n "$A_P99" ] && b_calc "$A_P99 < 1000" || echo 0)" "scale: p99 poll lateness < 1 s at $NODES nodes: ${A_P99:-not reported} ms"
b_verdict "$([ "${A_ERR:-1}" = 0 ] && echo 1 || echo 0)" "scale: no failed polls at $NODES nodes: ${A_ERR:-not reported}"
echo
echo "Commands: \`nodetop-sim --base-port 0 --nodes $NODES --scenarios healthy --metrics-size $SIZE --port-file F\`,"
echo "\`NODETOP_STATS=F nodetop --events -c CONF\` (CONF: \`[defaults] interval = ${INTERVAL}s timeout = 4s\`, one"
echo "\`[node nI] url = http://127.0.0.1:PORT\` per node), \`curl -s --parallel --parallel-max 64 -K urls\`."
