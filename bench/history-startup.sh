#!/bin/bash
# bench/history-startup.sh - issue 14's "start-up with 30 days of history for 1000
# nodes loads in under 1 s", measured on the real binary: history-bench writes 30
# days ending now; nodetop loads it for 1000 configured nodes polling a refused port.
# Usage: bench/history-startup.sh [BUILDDIR [SRCDIR]]   (BENCH_QUICK=1: 100 nodes;
# BENCH_HISTORY_DB=FILE: use that file, written by an earlier --gen-now for as many
# nodes, instead of writing one: the generation takes minutes)
# The load itself is NODETOP_STATS' history_load_wall_ms/history_load_cpu_ms (the
# time spent in histwire_open: open, check, restore); the whole run's wall and CPU
# with and without history (--no-history) is given beside it.

BUILDDIR=${1:-${BUILDDIR:-}} SRCDIR=${2:-${SRCDIR:-}}
. "$(dirname "$0")/lib.sh"

BIN=$BUILDDIR/bench/history-bench
[ -x "$BIN" ] || b_die "$BIN is not built (make bench/history-bench)"
[ -x "$NODETOP" ] || b_die "$NODETOP is not built"
NODES=$(b_quick 1000 100)
RUNS=$(b_quick 5 2)

DB=$B_TMP/now30.db
if [ -n "${BENCH_HISTORY_DB:-}" ]; then
	cp "$BENCH_HISTORY_DB" "$DB" || b_die "cannot copy $BENCH_HISTORY_DB"
	echo "$BENCH_HISTORY_DB (written by an earlier history-bench --gen-now; $NODES nodes expected)" >"$B_TMP/gen.txt"
else
	b_log "writing 30 days of history for $NODES nodes ending now"
	"$BIN" "$B_TMP" "$NODES" --gen-now >"$B_TMP/gen.txt" || b_die "history-bench --gen-now failed"
fi
cat "$B_TMP/gen.txt" >&2

PORT=$(b_free_port)        # nothing listens: every poll is refused at once
CONF=$B_TMP/nodes.conf
{
	printf '[defaults]\ninterval = 5s\ntimeout = 2s\nhistory = %s\n' "$DB"
	for i in $(seq 0 $((NODES - 1))); do
		printf '[node node-%04d]\nurl = http://127.0.0.1:%s\n' "$i" "$PORT"
	done
} >"$CONF"

stat_of() { sed -n "s/^$1=//p" "$2"; }

# once TAG ARGS...: nodetop --once --json ARGS; appends "wall cpu load_wall load_cpu" to TAG.txt
once() {
	local tag=$1 TIMEFORMAT='%R %U %S' t
	shift
	t=$( { time NODETOP_STATS=$B_TMP/$tag.stats "$NODETOP" --once --json -c "$CONF" "$@" \
		>"$B_TMP/$tag.json" 2>"$B_TMP/$tag.err"; } 2>&1 )
	echo "$t" | awk '{ printf "%s %s ", $1, $2 + $3 }' >>"$B_TMP/$tag.txt"
	echo "$(stat_of history_load_wall_ms "$B_TMP/$tag.stats") $(stat_of history_load_cpu_ms "$B_TMP/$tag.stats")" >>"$B_TMP/$tag.txt"
}

for r in $(seq 1 "$RUNS"); do
	once hist
	once nohist --no-history
done
grep -q '"30d":' "$B_TMP/hist.json" || b_die "--once --json has no 30d uptime: $(head -c 300 "$B_TMP/hist.json")"
known=$(grep -o '"30d":[0-9]' "$B_TMP/hist.json" | wc -l)
[ "$known" -gt 0 ] || b_die "the history was not loaded: no node has a 30 d figure"

# the dashboard's restore path (uptime, charted points, timeline; bars of a fleet
# this size come later): --events, stopped once the first round has been reported
cp "$DB" "$B_TMP/ev.db"
sed "s|^history = .*|history = $B_TMP/ev.db|" "$CONF" >"$B_TMP/ev.conf"
b_bg env NODETOP_STATS="$B_TMP/ev.stats" "$NODETOP" --events -c "$B_TMP/ev.conf" >"$B_TMP/ev.txt" 2>&1
pid=$B_PID
for i in $(seq 1 600); do
	grep -q ' -> ' "$B_TMP/ev.txt" 2>/dev/null && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
b_stop "$pid"
ev_wall=$(stat_of history_load_wall_ms "$B_TMP/ev.stats")
ev_cpu=$(stat_of history_load_cpu_ms "$B_TMP/ev.stats")

med() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
col() { awk -v c="$2" '{ print $c }' "$B_TMP/$1.txt" | med; }
load_wall=$(col hist 3) load_cpu=$(col hist 4)
hw=$(col hist 1) hc=$(col hist 2) nw=$(col nohist 1) nc=$(col nohist 2)
size=$(du -k "$DB" | awk '{ printf "%.1f", $1 / 1024 }')

echo "## History start-up through the binary (bench/history-startup.sh)"
echo
echo "$(cat "$B_TMP/gen.txt") (${size} MiB on disk)."
echo "\`nodetop --once --json -c nodes.conf\` with $NODES \`[node node-NNNN]\` sections whose URL is a refused"
echo "loopback port, medians of $RUNS runs; \"load\" is the time inside histwire_open (NODETOP_STATS"
echo "\`history_load_wall_ms\`, \`history_load_cpu_ms\`), the rest is the whole process (utime+stime):"
echo
echo "| run | history load wall | history load CPU | whole run wall | whole run CPU |"
echo "|---|---|---|---|---|"
echo "| --once --json, with history | $(b_fmt %.1f "$load_wall") ms | $(b_fmt %.1f "$load_cpu") ms | $(b_fmt %.3f "$hw") s | $(b_fmt %.2f "$hc") s |"
echo "| --once --json --no-history | - | - | $(b_fmt %.3f "$nw") s | $(b_fmt %.2f "$nc") s |"
echo "| --events (the dashboard's restore: uptime, charts, timeline) | $(b_fmt %.1f "${ev_wall:-0}") ms | $(b_fmt %.1f "${ev_cpu:-0}") ms | - | - |"
echo
echo "The JSON holds $known 30 d figures restored from the file (per node its availability and its"
echo "database; the stored rpc:1 series is not loaded, no chain being configured here)."
echo
ok() { awk "BEGIN { exit !($1) }" && echo 1 || echo 0; }
worst=$(awk -v a="$load_wall" -v b="${ev_wall:-999999}" 'BEGIN { print (a > b ? a : b) }')
b_verdict "$(ok "$worst < 1000")" "start-up of the binary with 30 days of history for $NODES nodes: history load $(b_fmt %.3f "$worst / 1000") s wall (--once $(b_fmt %.3f "$load_wall / 1000") s, --events $(b_fmt %.3f "${ev_wall:-999999} / 1000") s; target < 1 s)"
