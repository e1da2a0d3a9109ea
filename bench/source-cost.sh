#!/bin/bash
# bench/source-cost.sh - issue 17: nodetop reading a fleet of NODES nodes from one
# [source] (a Prometheus scraping them every 5 s; ENGINE=victoria-metrics: a VictoriaMetrics
# fed through its import API) against nodetop polling POLL_NODES simulated nodes itself, in
# the same run, one after the other (the two would share the 2 cores with the engine):
# queries, CPU and RSS per round.
# Usage: bench/source-cost.sh [BUILDDIR [SRCDIR]]   (BENCH_QUICK=1: shorter; NODES=N)

BUILDDIR=${1:-${BUILDDIR:-}} SRCDIR=${2:-${SRCDIR:-}}
. "$(dirname "$0")/lib.sh"

NODES=${NODES:-10000} POLL_NODES=${POLL_NODES:-1000} INTERVAL=5
WARM=$(b_quick 30 12) WINDOW=$(b_quick 120 30)
# the source's window: long enough for its charts to fill (60 points a series above 2000
# nodes, a point a round), so that its memory is measured with them full
SRC_WINDOW=$(b_quick 330 30)
[ -x "$NODETOP" ] || b_die "$NODETOP is not built"
command -v tmux >/dev/null || b_die "tmux missing (apt-get install tmux)"

# The fleet's series (about 55 a node: 30 checks, 11 RPC states, head, DB pool, uptime,
# version, balance, memory, goroutines), as one exposition body every INTERVAL s. What does
# not change is formatted once; head, heads and uptime every time.
# ENGINE=prometheus (the default): a Prometheus scrapes the body from the feeder as one
# target every INTERVAL s, honouring its job and instance labels (as a federation does).
# ENGINE=victoria-metrics: the feeder pushes the body into VictoriaMetrics' import API.
ENGINE=${ENGINE:-prometheus}
cat >"$B_TMP/feed.py" <<'PY'
import sys, time, http.server, urllib.request
mode, url, n, iv = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
checks = ["EVM.1.HeadTracker.HeadListener", "EVM.1.Txm", "Heartbeat", "PipelineRunner", "JobSpawner"] + \
         ["Service%02d" % i for i in range(25)]
states = ["Undialed", "Dialed", "InvalidChainID", "Alive", "Unreachable", "OutOfSync", "Unusable", "Closed",
          "Syncing", "FinalizedBlockOutOfSync", "FinalizedStateNotAvailable"]
static, labs = [], []
for k in range(n):
    l = 'job="chainlink_node",instance="node%05d"' % k
    labs.append(l)
    out = ['up{%s} 1' % l]
    out += ['health{%s,service_id="%s"} 1' % (l, c) for c in checks]
    out += ['multi_node_states{%s,network="EVM",chainId="1",state="%s"} %d' % (l, s, 2 if s == "Alive" else 0)
            for s in states]
    out += ['%s{%s} %d' % (f, l, v) for f, v in (("db_conns_max", 20), ("db_conns_open", 4), ("db_conns_used", 1),
                                                   ("db_wait_count", 0))]
    out += ['version{%s,version="2.27.2",commit="c256437f"} 1' % l, 'go_goroutines{%s} 900' % l,
            'process_resident_memory_bytes{%s} 5.2e+08' % l, 'eth_balance{%s,account="0xabc",evmChainID="1"} 3.5' % l]
    static.append("\n".join(out))
static = ("\n".join(static) + "\n").encode()
per_node = static.count(b"\n") // n + 3
t0 = time.time()
def body():
    up = int(time.time() - t0)
    head, heads, upt = 23400000 + up // 12, up // 12, 3600 + up - up % 15
    return static + "".join('head_tracker_current_head{%s,evmChainID="1"} %d\nhead_tracker_heads_received{%s,ChainID="1"} %d\n'
                            'uptime_seconds{%s} %d\n' % (l, head, l, heads, l, upt) for l in labs).encode()
sys.stdout.write("%d\n" % (per_node * n)); sys.stdout.flush()
if mode == "serve":
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            b = body()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(b)))
            self.end_headers()
            self.wfile.write(b)
        def log_message(self, *a): pass
    http.server.ThreadingHTTPServer(("127.0.0.1", int(url)), H).serve_forever()
while True:
    start = time.time()
    urllib.request.urlopen(urllib.request.Request(url + "/api/v1/import/prometheus", data=body()), timeout=60).read()
    time.sleep(max(0.0, iv - (time.time() - start)))
PY
EPORT=$(b_free_port)
ENG=http://127.0.0.1:$EPORT
case $ENGINE in
prometheus)
	command -v prometheus >/dev/null || b_die "prometheus missing (apt-get install prometheus)"
	FPORT=$(b_free_port)
	b_bg $PY "$B_TMP/feed.py" serve "$FPORT" "$NODES" "$INTERVAL" >"$B_TMP/feed.log" 2>&1
	FEED_PID=$B_PID
	printf 'global:\n  scrape_interval: %ss\n  scrape_timeout: %ss\nscrape_configs:\n  - job_name: feeder\n    honor_labels: true\n    static_configs:\n      - targets: ["127.0.0.1:%s"]\n' \
		"$INTERVAL" "$INTERVAL" "$FPORT" >"$B_TMP/prometheus.yml"
	b_bg prometheus --config.file="$B_TMP/prometheus.yml" --storage.tsdb.path="$B_TMP/prom" \
		--web.listen-address=127.0.0.1:$EPORT --log.level=warn >"$B_TMP/engine.log" 2>&1
	ENG_PID=$B_PID
	ENG_NAME="Prometheus $(prometheus --version 2>&1 | sed -n '1s/^prometheus, version \([^ +]*\).*/\1/p') (scraping the feeder)"
	;;
victoria-metrics)
	command -v victoria-metrics >/dev/null || b_die "victoria-metrics missing (apt-get install victoria-metrics)"
	b_bg victoria-metrics -storageDataPath="$B_TMP/vm" -httpListenAddr=127.0.0.1:$EPORT -search.latencyOffset=1s \
		-search.maxUniqueTimeseries=2000000 -loggerLevel=ERROR >"$B_TMP/engine.log" 2>&1
	ENG_PID=$B_PID
	for i in $(seq 1 200); do curl -sf -o /dev/null "$ENG/health" && break; sleep 0.1; done
	curl -sf -o /dev/null "$ENG/health" || b_die "victoria-metrics did not start"
	b_bg $PY "$B_TMP/feed.py" push "$ENG" "$NODES" "$INTERVAL" >"$B_TMP/feed.log" 2>&1
	FEED_PID=$B_PID
	ENG_NAME="VictoriaMetrics $(victoria-metrics --version 2>&1 | grep -o 'v1\.[0-9.]*' | head -1) (fed through its import API)"
	;;
*) b_die "ENGINE is prometheus or victoria-metrics" ;;
esac
# the instant queries the engine answered so far (its own counter): the pace within the window
engine_queries() {
	case $ENGINE in
	prometheus) curl -s "$ENG/metrics" | awk '/^prometheus_http_requests_total\{.*handler="\/api\/v1\/query"/ { s += $NF } END { print s + 0 }' ;;
	*) curl -s "$ENG/metrics" | awk '/^vm_http_requests_total\{.*path="\/api\/v1\/query"/ { s += $NF } END { print s + 0 }' ;;
	esac
}
b_log "$NODES nodes into $ENGINE every $INTERVAL s"
fed() { [ -s "$B_TMP/feed.log" ] && [ "$(curl -s "$ENG/api/v1/query?query=count(up%7Bjob%3D%22chainlink_node%22%7D)" | sed -n 's/.*"value":\[[^,]*,"\([0-9]*\)".*/\1/p')" = "$NODES" ]; }
for i in $(seq 1 900); do fed && break; sleep 0.2; done
fed || b_die "$ENGINE does not have the $NODES nodes"
series=$(head -1 "$B_TMP/feed.log")

# The source's pace: a round every SRC_INTERVAL s (its timeout the same). A round that
# VictoriaMetrics answers more slowly comes later: the run says the pace it got, and the CPU
# verdict counts only at the pace asked for.
SRC_INTERVAL=${SRC_INTERVAL:-$INTERVAL}
printf '[source fleet]\ntype = prometheus\nurl = %s\nscrape_interval = %ss\nlag = %ss\ninterval = %ss\ntimeout = %ss\nmax_size = 500MB\n' \
	"$ENG" "$INTERVAL" "$SRC_INTERVAL" "$SRC_INTERVAL" "$SRC_INTERVAL" >"$B_TMP/source.conf"
# The first screen: nodetop on a terminal (tmux), until its header counts every node
b_log "nodetop's dashboard through the source: the first screen"
TSOCK=$B_TMP/tmux.sock
ts0=$(b_now)
tmux -S "$TSOCK" new-session -d -x 160 -y 50 "env XDG_STATE_HOME=$B_TMP/state-tui $NODETOP -c $B_TMP/source.conf"
counted() {   # the header's node counts ("0 up · 10000 unknown") add up to NODES
	[ "$(tmux -S "$TSOCK" capture-pane -p 2>/dev/null | head -1 | grep -oE '(  |· )[0-9]+ (up|down|degraded|unknown|starting|standby)' | tr -d '·' |
		awk '{ s += $1 } END { print s + 0 }')" = "$NODES" ]
}
end=$(b_fmt %.3f "$ts0 + 60")
until counted || [ "$(b_calc "$(b_now) > $end")" = 1 ]; do sleep 0.05; done
first=$(b_fmt %.2f "$(b_now) - $ts0")
counted || first="(not within 60 s)"
tmux -S "$TSOCK" kill-server 2>/dev/null
b_log "nodetop --events through the source"
ts0=$(b_now)
b_bg env XDG_STATE_HOME="$B_TMP/state-src" NODETOP_STATS="$B_TMP/src.stats" "$NODETOP" -c "$B_TMP/source.conf" --events \
	>"$B_TMP/src-events.log" 2>&1
SRC_PID=$B_PID
# the first full model: an event for every node's first state (the first complete round)
first_all() { [ "$(grep -c '^[^ ]* node node[0-9]* unknown -> ' "$B_TMP/src-events.log")" -ge "$NODES" ]; }
end=$(b_fmt %.3f "$ts0 + 180")
until first_all || [ "$(b_calc "$(b_now) > $end")" = 1 ]; do sleep 0.2; done
first_state=$(b_fmt %.2f "$(b_now) - $ts0")
first_all || first_state="(not within 180 s)"

sleep "$WARM"
for p in $SRC_PID $ENG_PID $FEED_PID; do kill -0 "$p" 2>/dev/null || b_die "a process exited early ($p)"; done
b_log "measuring the source for $SRC_WINDOW s"
t0=$(b_now) s0=$(b_ticks "$SRC_PID") v0=$(b_ticks "$ENG_PID") f0=$(b_ticks "$FEED_PID") q0=$(engine_queries)
sleep "$SRC_WINDOW"
t1=$(b_now) s1=$(b_ticks "$SRC_PID") v1=$(b_ticks "$ENG_PID") f1=$(b_ticks "$FEED_PID") q1=$(engine_queries)
s_hwm=$(b_status_kb "$SRC_PID" VmHWM)
s_run=$(b_calc "$t1 - $ts0")
b_stop "$SRC_PID"
b_stop "$FEED_PID"
b_stop "$ENG_PID"
rounds=$(sed -n 's/^source_rounds=//p' "$B_TMP/src.stats")
queries=$(sed -n 's/^source_queries=//p' "$B_TMP/src.stats")
wall=$(b_calc "$t1 - $t0")

# the peer in the same run: nodetop polling POLL_NODES simulated nodes itself, alone
b_sim_start "$POLL_NODES" 100000
b_log "nodetop --events polling $POLL_NODES simulated nodes directly"
b_bg env XDG_STATE_HOME="$B_TMP/state-poll" NODETOP_STATS="$B_TMP/poll.stats" "$NODETOP" --events --interval ${INTERVAL}s $(b_urls) >"$B_TMP/poll-events.log" 2>&1
POLL_PID=$B_PID
sleep "$WARM"
kill -0 "$POLL_PID" 2>/dev/null || b_die "the polling nodetop exited early"
b_log "measuring the polling nodetop for $WINDOW s"
pt0=$(b_now) p0=$(b_ticks "$POLL_PID")
sleep "$WINDOW"
pt1=$(b_now) p1=$(b_ticks "$POLL_PID")
p_hwm=$(b_status_kb "$POLL_PID" VmHWM)
b_stop "$POLL_PID"
pwall=$(b_calc "$pt1 - $pt0")
seen=$(sed -n 's/^source_nodes=//p' "$B_TMP/src.stats")
# the charts' rings fill at a sample a round (60 a series above 2000 nodes): a run this short
# ends before they are full, so the memory once they are is the peak plus what they still lack
ring_now=$(sed -n 's/^chart_ring_bytes=//p' "$B_TMP/src.stats") ring_full=$(sed -n 's/^chart_ring_full_bytes=//p' "$B_TMP/src.stats")
s_full=$(b_fmt %.1f "${s_hwm:-0} / 1024 + (${ring_full:-0} - ${ring_now:-0}) / 1048576")
polls=$(sed -n 's/^polls=//p' "$B_TMP/poll.stats")

s_cpu=$(b_fmt %.2f "($s1 - $s0) / $HZ") p_cpu=$(b_fmt %.2f "($p1 - $p0) / $HZ") v_cpu=$(b_fmt %.2f "($v1 - $v0) / $HZ")
f_cpu=$(b_fmt %.2f "($f1 - $f0) / $HZ")
share() { b_fmt %.2f "100 * $1 / ${2:-$wall}"; }
per_round=$(b_fmt %.1f "${rounds:-0} > 0 ? ${queries:-0} / $rounds : 0")
# the pace: the rounds within the window, from the queries the engine answered in it
per_round_q=$(b_calc "${rounds:-0} > 0 ? ${queries:-0} / $rounds : 16")
w_rounds=$(b_fmt %.1f "($q1 - $q0) / $per_round_q")
period=$(b_fmt %.1f "$w_rounds > 0 ? $wall / $w_rounds : 0")
# the cost of one node for one round: nodetop's CPU in the window over the node-rounds in it
s_node=$(b_fmt %.1f "$w_rounds > 0 ? 1e6 * $s_cpu / ($NODES * $w_rounds) : 0")
p_node=$(b_fmt %.1f "1e6 * $p_cpu / ($POLL_NODES * $pwall / $INTERVAL)")
on_pace=$(b_calc "$w_rounds > 0 && $period <= $SRC_INTERVAL * 1.1")

echo "## Fleet through a [source] (issue 17)"
echo
echo "$NODES nodes, $series series every $INTERVAL s in $ENG_NAME;"
echo "nodetop with one \`[source]\` (interval $SRC_INTERVAL s), measured for $(b_fmt %.1f "$wall") s after $WARM s; then,"
echo "alone, nodetop polling $POLL_NODES simulated nodes (100 KB /metrics) every $INTERVAL s, measured for $(b_fmt %.1f "$pwall") s."
echo
echo "| process | CPU % of one core | peak RSS MB | work |"
echo "|---|---|---|---|"
echo "| nodetop via [source], $NODES nodes | $(share "$s_cpu") | $(b_fmt %.1f "$s_hwm / 1024") | $w_rounds rounds in the window (one each $period s; ${rounds:-?} since its start), ${queries:-?} queries ($per_round a round), $seen nodes |"
echo "| $ENGINE | $(share "$v_cpu") | | takes the series, answers the queries |"
echo "| the feeder (python) | $(share "$f_cpu") | | formats $series samples every $INTERVAL s |"
echo "| nodetop polling $POLL_NODES nodes (after) | $(share "$p_cpu" "$pwall") | $(b_fmt %.1f "$p_hwm / 1024") | ${polls:-?} polls |"
echo
echo "- CPU per node and round: $s_node µs through the source, $p_node µs polling directly ($(b_fmt %.1f "$p_node > 0 ? $p_node / ($s_node > 0 ? $s_node : 1) : 0")x less through the source)."
echo "- The per-round figure counts all of the source's nodetop CPU, also what does not depend on the rounds"
echo "  (the model's tick, the history's writes)."
if [ "$(b_calc "${ring_full:-0} > ${ring_now:-0}")" = 1 ]; then
	echo "- Memory once the charts are full: the peak RSS above plus what the rings still lacked at the end"
	echo "  ($(b_fmt %.1f "${ring_now:-0} / 1048576") MB of $(b_fmt %.1f "${ring_full:-0} / 1048576") MB allocated at the end): $s_full MB (worked out, not measured)."
else
	echo "- The charts were full by the end ($(b_fmt %.1f "${ring_full:-0} / 1048576") MB of rings): the peak RSS above is measured with them full."
fi
echo "- First screen with every node listed (the dashboard's header counts $NODES): $first s after start;"
echo "  every node's first state (--events, the first complete round): $first_state s."
echo
b_verdict "$(b_calc "$on_pace && $(share "$s_cpu") <= 5")" "source: nodetop at most 5 % of a core for $NODES nodes a round every $SRC_INTERVAL s: $(share "$s_cpu") % (a round each $period s$([ "$on_pace" = 1 ] || echo ": not the pace asked for"))"
b_verdict "$(b_calc "$s_full <= 400")" "source: at most 400 MB RSS for $NODES nodes, charts full: $s_full MB (peak $(b_fmt %.1f "${s_hwm:-0} / 1024") MB in the run)"
b_verdict "$(b_calc "$(echo "$first" | tr -dc '0-9.' | sed 's/^$/99/') <= 3")" "source: first full screen within 3 s: $first s"
b_verdict "$([ "${seen:-0}" = "$NODES" ] && echo 1 || echo 0)" "source: every node seen ($seen/$NODES)"
