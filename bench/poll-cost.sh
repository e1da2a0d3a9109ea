#!/bin/bash
# bench/poll-cost.sh - benchmark 2: the CPU and memory nodetop (--events, no
# screen) spends polling 20 simulated nodes with 100 KB /metrics every second,
# side by side with a Prometheus server scraping the same targets.
# Usage: bench/poll-cost.sh [BUILDDIR [SRCDIR]]   (BENCH_QUICK=1: shorter)

BUILDDIR=${1:-${BUILDDIR:-}} SRCDIR=${2:-${SRCDIR:-}}
. "$(dirname "$0")/lib.sh"

NODES=20 SIZE=100000
WARM=$(b_quick 10 5) WINDOW=$(b_quick 30 8)
[ -x "$NODETOP" ] || b_die "$NODETOP is not built"
command -v prometheus >/dev/null || b_die "prometheus missing (apt-get install prometheus)"

b_sim_start "$NODES" "$SIZE"
PPORT=$(b_free_port)
{
	echo "global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1m }"
	echo "scrape_configs:"
	echo "  - job_name: sim"
	echo "    static_configs:"
	echo "      - targets: [$(for p in $SIM_PORTS; do printf '"127.0.0.1:%s",' "$p"; done | sed 's/,$//')]"
} >"$B_TMP/prometheus.yml"
mkdir "$B_TMP/tsdb"
PROM_CMD="prometheus --config.file=$B_TMP/prometheus.yml --storage.tsdb.path=$B_TMP/tsdb --web.listen-address=127.0.0.1:$PPORT"
b_log "starting prometheus and nodetop against $NODES nodes"
b_bg $PROM_CMD --log.level=warn >"$B_TMP/prometheus.log" 2>&1
PROM_PID=$B_PID
b_bg env NODETOP_STATS="$B_TMP/stats" "$NODETOP" --events --interval 1s $(b_urls) >"$B_TMP/events.log" 2>&1
NT_PID=$B_PID

# prom_scrapes: scrapes done so far by the Prometheus server (its own counter).
prom_scrapes() {
	curl -s "http://127.0.0.1:$PPORT/metrics" |
		awk '/^prometheus_target_interval_length_seconds_count/ { n += $2 } END { print n + 0 }'
}

sleep "$WARM"
kill -0 "$NT_PID" 2>/dev/null || { cat "$B_TMP/events.log" >&2; b_die "nodetop exited"; }
kill -0 "$PROM_PID" 2>/dev/null || { cat "$B_TMP/prometheus.log" >&2; b_die "prometheus exited"; }
b_log "measuring for $WINDOW s"
t0=$(b_now) nt0=$(b_ticks "$NT_PID") pr0=$(b_ticks "$PROM_PID") sim0=$(b_ticks "$SIM_PID") sc0=$(prom_scrapes)
sleep "$WINDOW"
t1=$(b_now) nt1=$(b_ticks "$NT_PID") pr1=$(b_ticks "$PROM_PID") sim1=$(b_ticks "$SIM_PID") sc1=$(prom_scrapes)
nt_hwm=$(b_status_kb "$NT_PID" VmHWM) pr_hwm=$(b_status_kb "$PROM_PID" VmHWM)
up=$(curl -s "http://127.0.0.1:$PPORT/api/v1/query?query=sum(up)" | sed -n 's/.*"value":\[[^,]*,"\([0-9.]*\)".*/\1/p')
b_stop "$NT_PID"
polls=$(sed -n 's/^polls=//p' "$B_TMP/stats" 2>/dev/null)
hpolls=$(sed -n 's/^health_polls=//p' "$B_TMP/stats" 2>/dev/null)
mpolls=$(sed -n 's/^metrics_polls=//p' "$B_TMP/stats" 2>/dev/null)
errors=$(sed -n 's/^poll_errors=//p' "$B_TMP/stats" 2>/dev/null)

wall=$(b_calc "$t1 - $t0")
nt_cpu=$(b_fmt %.2f "($nt1 - $nt0) / $HZ") pr_cpu=$(b_fmt %.2f "($pr1 - $pr0) / $HZ")
sim_cpu=$(b_fmt %.2f "($sim1 - $sim0) / $HZ")
share() { b_fmt %.2f "100 * $1 / $wall"; }
ratio=$(b_fmt %.3f "$pr_cpu > 0 ? $nt_cpu / $pr_cpu : 99")

echo "## 2. Poll cost: nodetop against a Prometheus server"
echo
echo "$NODES simulated nodes (one \`nodetop-sim\`, $SIZE-byte /metrics), both clients at 1 s,"
echo "measured for $(b_fmt %.1f "$wall") s after a $WARM s warm-up; CPU = utime+stime from /proc/PID/stat,"
echo "peak RSS = VmHWM. nodetop polls /metrics of every node every second, and /health"
echo "every round until the node is settled, then every 15 s (the default health_interval:"
echo "a node recomputes its checks every 15 s); Prometheus scrapes /metrics."
echo
echo "| process | CPU s | CPU % of one core | peak RSS MB | work |"
echo "|---|---|---|---|---|"
echo "| nodetop --events | $nt_cpu | $(share "$nt_cpu") | $(b_fmt %.1f "$nt_hwm / 1024") | ${mpolls:-?} /metrics and ${hpolls:-?} /health answers in the whole run, ${errors:-?} errors |"
echo "| prometheus | $pr_cpu | $(share "$pr_cpu") | $(b_fmt %.1f "$pr_hwm / 1024") | $((sc1 - sc0)) scrapes in the window, ${up:-?} targets up |"
echo "| nodetop-sim (serves both) | $sim_cpu | $(share "$sim_cpu") | | |"
echo
echo "nodetop/Prometheus CPU: **$ratio**; RSS: $(b_fmt %.3f "$nt_hwm / $pr_hwm")"
echo
b_verdict "$(b_calc "$ratio <= 0.1")" "poll cost: nodetop CPU <= 1/10 of Prometheus: $ratio ($nt_cpu s vs $pr_cpu s)"
b_verdict "$([ "${up:-0}" = "$NODES" ] && [ "${errors:-1}" = 0 ] && [ "${polls:-0}" -gt 0 ] && echo 1 || echo 0)" \
	"poll cost: both clients saw every node (Prometheus up=${up:-?}/$NODES, nodetop poll errors=${errors:-?})"
echo
echo "Commands: \`nodetop-sim --base-port 0 --nodes $NODES --scenarios healthy --metrics-size $SIZE --port-file F\`,"
echo "\`NODETOP_STATS=F nodetop --events --interval 1s URL...\` (the $NODES sim URLs),"
echo "\`prometheus --config.file=prometheus.yml --storage.tsdb.path=TMP --web.listen-address=127.0.0.1:PORT\`"
echo "with \`scrape_interval: 1s\` and the $NODES targets."
