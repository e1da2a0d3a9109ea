#!/bin/bash
# bench/history.sh - benchmark 5: the history store (issue 14) at 1000 nodes x 3
# indicators: CPU of recording and writing at a 5 s poll, file growth, start-up
# load of 7 d / 30 d, `--report --since 30d`; bench/history-bench does the work.
# Usage: bench/history.sh [BUILDDIR [SRCDIR]]   (BENCH_QUICK=1: 100 nodes)

BUILDDIR=${1:-${BUILDDIR:-}} SRCDIR=${2:-${SRCDIR:-}}
. "$(dirname "$0")/lib.sh"

BIN=$BUILDDIR/bench/history-bench
[ -x "$BIN" ] || b_die "$BIN is not built (make bench/history-bench)"
NODES=$(b_quick 1000 100)
YNODES=$(b_quick 100 10)
b_log "history-bench $NODES nodes (400 days: $YNODES nodes)"
"$BIN" "$B_TMP" "$NODES" "$YNODES" >"$B_TMP/out.txt" || b_die "history-bench failed"
sed 's/^/    /' "$B_TMP/out.txt" >&2

num() { grep -E "$1" "$B_TMP/out.txt" | head -1 | sed -E "s/.*$2.*/\\1/"; }
cpu_pct=$(num '^cpu:' '= ([0-9.]+) % of a core')
startup=$(num '^start-up load' ': ([0-9.]+) s wall')
report=$(num '^report --since 30d' ': ([0-9.]+) s wall')
per1000=$(num '^size after 400 days' '= ([0-9.]+) MB per 1000 nodes')

echo "## History store (bench/history.sh)"
echo
echo "bench/history-bench at $NODES nodes x 3 indicators on simulated time (the figures"
echo "are CPU of this process, the file's bytes with its WAL):"
echo
echo '```'
cat "$B_TMP/out.txt"
echo '```'
echo
ok() { awk "BEGIN { exit !($1) }" && echo 1 || echo 0; }
b_verdict "$(ok "${cpu_pct:-999} <= 0.5")" "history at $NODES nodes every 5 s: ${cpu_pct:-?} % of a core (target <= 0.5 %)"
b_verdict "$(ok "${per1000:-999} <= 60")" "history file: ${per1000:-?} MB per 1000 nodes per year (target <= 60 MB)"
b_verdict "$(ok "${startup:-999} < 1")" "start-up with 30 days of history for $NODES nodes: ${startup:-?} s (target < 1 s)"
b_verdict "$(ok "${report:-999} < 2")" "--report --since 30d for $NODES nodes: ${report:-?} s (target < 2 s)"
echo
# the same target through the real binary (nodetop --once/--events on 30 days of history)
bash "$(dirname "$0")/history-startup.sh" "$BUILDDIR" "$SRCDIR" || b_die "bench/history-startup.sh did not complete"
