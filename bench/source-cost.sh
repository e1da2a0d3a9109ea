#!/bin/bash
# bench/source-cost.sh - issue 17: nodetop reading a fleet of NODES nodes from one
# [source] (a VictoriaMetrics fed through its import API every 5 s) against nodetop
# polling NODES simulated nodes itself, in the same run: queries, CPU and RSS per round.
# Usage: bench/source-cost.sh [BUILDDIR [SRCDIR]]   (BENCH_QUICK=1: shorter; NODES=N)

BUILDDIR=${1:-${BUILDDIR:-}} SRCDIR=${2:-${SRCDIR:-}}
. "$(dirname "$0")/lib.sh"

NODES=${NODES:-1000} INTERVAL=5
WARM=$(b_quick 20 12) WINDOW=$(b_quick 60 20)
[ -x "$NODETOP" ] || b_die "$NODETOP is not built"
command -v victoria-metrics >/dev/null || b_die "victoria-metrics missing (apt-get install victoria-metrics)"

VPORT=$(b_free_port)
VM=http://127.0.0.1:$VPORT
b_bg victoria-metrics -storageDataPath="$B_TMP/vm" -httpListenAddr=127.0.0.1:$VPORT -search.latencyOffset=1s \
	-loggerLevel=ERROR >"$B_TMP/vm.log" 2>&1
VM_PID=$B_PID
for i in $(seq 1 200); do curl -sf -o /dev/null "$VM/health" && break; sleep 0.1; done
curl -sf -o /dev/null "$VM/health" || b_die "victoria-metrics did not start"

# The feeder: every INTERVAL s, the fleet's series as one exposition body (about 55 series a node).
cat >"$B_TMP/feed.py" <<'PY'
import sys, time, urllib.request
url, n, iv = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
checks = ["EVM.1.HeadTracker.HeadListener", "EVM.1.Txm", "Heartbeat", "PipelineRunner", "JobSpawner"] + \
         ["Service%02d" % i for i in range(25)]
states = ["Undialed", "Dialed", "InvalidChainID", "Alive", "Unreachable", "OutOfSync", "Unusable", "Closed",
          "Syncing", "FinalizedBlockOutOfSync", "FinalizedStateNotAvailable"]
t0 = time.time()
while True:
    start = time.time()
    up = int(start - t0)
    out = []
    for k in range(n):
        l = 'job="chainlink_node",instance="node%05d"' % k
        out.append('up{%s} 1' % l)
        for c in checks:
            out.append('health{%s,service_id="%s"} 1' % (l, c))
        for s in states:
            out.append('multi_node_states{%s,network="EVM",chainId="1",state="%s"} %d' % (l, s, 2 if s == "Alive" else 0))
        out.append('head_tracker_current_head{%s,evmChainID="1"} %d' % (l, 23400000 + up // 12))
        out.append('head_tracker_heads_received{%s,ChainID="1"} %d' % (l, up // 12))
        for f, v in (("db_conns_max", 20), ("db_conns_open", 4), ("db_conns_used", 1), ("db_wait_count", 0)):
            out.append('%s{%s} %d' % (f, l, v))
        out.append('uptime_seconds{%s} %d' % (l, 3600 + up - up % 15))
        out.append('version{%s,version="2.27.2",commit="c256437f"} 1' % l)
        out.append('go_goroutines{%s} 900' % l)
        out.append('process_resident_memory_bytes{%s} 5.2e+08' % l)
        out.append('eth_balance{%s,account="0xabc",evmChainID="1"} 3.5' % l)
    body = ("\n".join(out) + "\n").encode()
    urllib.request.urlopen(urllib.request.Request(url + "/api/v1/import/prometheus", data=body), timeout=30).read()
    sys.stdout.write("%d\n" % len(out)); sys.stdout.flush()
    time.sleep(max(0.0, iv - (time.time() - start)))
PY
b_log "feeding $NODES nodes into victoria-metrics every $INTERVAL s"
b_bg $PY "$B_TMP/feed.py" "$VM" "$NODES" "$INTERVAL" >"$B_TMP/feed.log" 2>&1
FEED_PID=$B_PID
fed() { [ -s "$B_TMP/feed.log" ] && [ "$(curl -s "$VM/api/v1/query?query=count(up)" | sed -n 's/.*"value":\[[^,]*,"\([0-9]*\)".*/\1/p')" = "$NODES" ]; }
for i in $(seq 1 600); do fed && break; sleep 0.2; done
fed || b_die "victoria-metrics does not have the $NODES nodes"
series=$(tail -1 "$B_TMP/feed.log")

printf '[source fleet]\ntype = prometheus\nurl = %s\nscrape_interval = %ss\nlag = 8s\ninterval = %ss\ntimeout = %ss\n' \
	"$VM" "$INTERVAL" "$INTERVAL" "$INTERVAL" >"$B_TMP/source.conf"
b_log "nodetop --events through the source"
ts0=$(b_now)
b_bg env NODETOP_STATS="$B_TMP/src.stats" "$NODETOP" -c "$B_TMP/source.conf" --events >"$B_TMP/src-events.log" 2>&1
SRC_PID=$B_PID
# the first full model: an event for every node's first state
first_all() { [ "$(grep -c '^[^ ]* node node[0-9]* unknown -> ' "$B_TMP/src-events.log")" -ge "$NODES" ]; }
for i in $(seq 1 1200); do first_all && break; sleep 0.05; done
first=$(b_fmt %.2f "$(b_now) - $ts0")
first_all || first="(not within 60 s)"

b_sim_start "$NODES" 100000
b_log "nodetop --events polling $NODES simulated nodes directly"
b_bg env NODETOP_STATS="$B_TMP/poll.stats" "$NODETOP" --events --interval ${INTERVAL}s $(b_urls) >"$B_TMP/poll-events.log" 2>&1
POLL_PID=$B_PID

sleep "$WARM"
for p in $SRC_PID $POLL_PID $VM_PID; do kill -0 "$p" 2>/dev/null || b_die "a process exited early ($p)"; done
b_log "measuring for $WINDOW s"
t0=$(b_now) s0=$(b_ticks "$SRC_PID") p0=$(b_ticks "$POLL_PID") v0=$(b_ticks "$VM_PID")
sleep "$WINDOW"
t1=$(b_now) s1=$(b_ticks "$SRC_PID") p1=$(b_ticks "$POLL_PID") v1=$(b_ticks "$VM_PID")
s_hwm=$(b_status_kb "$SRC_PID" VmHWM) p_hwm=$(b_status_kb "$POLL_PID" VmHWM)
b_stop "$SRC_PID"
b_stop "$POLL_PID"
rounds=$(sed -n 's/^source_rounds=//p' "$B_TMP/src.stats")
queries=$(sed -n 's/^source_queries=//p' "$B_TMP/src.stats")
seen=$(sed -n 's/^source_nodes=//p' "$B_TMP/src.stats")
polls=$(sed -n 's/^polls=//p' "$B_TMP/poll.stats")

wall=$(b_calc "$t1 - $t0")
s_cpu=$(b_fmt %.2f "($s1 - $s0) / $HZ") p_cpu=$(b_fmt %.2f "($p1 - $p0) / $HZ") v_cpu=$(b_fmt %.2f "($v1 - $v0) / $HZ")
share() { b_fmt %.2f "100 * $1 / $wall"; }
per_round=$(b_fmt %.1f "${rounds:-0} > 0 ? ${queries:-0} / $rounds : 0")

echo "## Fleet through a [source] (issue 17)"
echo
echo "$NODES nodes, $series series a round pushed into VictoriaMetrics 1.79 (import API, every $INTERVAL s);"
echo "nodetop with one \`[source]\` (interval $INTERVAL s) beside nodetop polling $NODES simulated nodes"
echo "(100 KB /metrics) every $INTERVAL s, measured together for $(b_fmt %.1f "$wall") s after $WARM s."
echo
echo "| process | CPU % of one core | peak RSS MB | work |"
echo "|---|---|---|---|"
echo "| nodetop via [source] | $(share "$s_cpu") | $(b_fmt %.1f "$s_hwm / 1024") | ${rounds:-?} rounds, ${queries:-?} queries ($per_round a round: the ended rounds), $seen nodes |"
echo "| nodetop polling | $(share "$p_cpu") | $(b_fmt %.1f "$p_hwm / 1024") | ${polls:-?} polls |"
echo "| victoria-metrics | $(share "$v_cpu") | | serves the queries and the imports |"
echo
echo "First full model through the source (every node's first state): $first s after start."
echo
b_verdict "$(b_calc "$(share "$s_cpu") <= 5")" "source: nodetop at most 5 % of a core for $NODES nodes: $(share "$s_cpu") %"
b_verdict "$([ "${seen:-0}" = "$NODES" ] && echo 1 || echo 0)" "source: every node seen ($seen/$NODES)"
