#!/bin/bash
# bench/run.sh - `make bench`: runs every benchmark under bench/ one after the
# other and writes their figures, ratios and targets to bench/RESULTS.md with
# the machine, the date and the commit.
# Usage: bench/run.sh BUILDDIR SRCDIR
#   BENCH_QUICK=1        short smoke run (written to BUILDDIR/bench/out/RESULTS-quick.md)
#   BENCH_ONLY="parse idle"   a subset of: parse poll-cost scale idle rpc-cost db-cost history promapi source-cost
#   BENCH_RESULTS=FILE   write the results elsewhere

set -u
BUILDDIR=$(cd "${1:-.}" && pwd) SRCDIR=$(cd "${2:-.}" && pwd)
QUICK=${BENCH_QUICK:-0}
if [ "$QUICK" = 1 ]; then
	OUT=${BENCH_RESULTS:-$BUILDDIR/bench/out/RESULTS-quick.md}; mkdir -p "$BUILDDIR/bench/out"
else
	OUT=${BENCH_RESULTS:-$SRCDIR/bench/RESULTS.md}
fi
ONLY=${BENCH_ONLY:-parse poll-cost scale idle rpc-cost db-cost history promapi source-cost}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nodetop-bench-run.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
export BUILDDIR SRCDIR BENCH_QUICK=$QUICK

# busy: "busy total" jiffies of the whole machine from /proc/stat.
busy() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat; }

commit=$(git -C "$SRCDIR" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$SRCDIR" diff --quiet HEAD -- src include bench 2>/dev/null || commit="$commit (with uncommitted changes)"
started=$(date -u '+%Y-%m-%d %H:%M UTC')
read -r busy0 total0 <<<"$(busy)"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
failed=0
: >"$TMP/body.md"
for b in $ONLY; do
	echo "== bench/$b.sh" >&2
	if bash "$SRCDIR/bench/$b.sh" "$BUILDDIR" "$SRCDIR" >"$TMP/$b.md" 2> >(tee "$TMP/$b.err" >&2); then
		cat "$TMP/$b.md" >>"$TMP/body.md"
	else
		failed=1
		{ cat "$TMP/$b.md"; echo; echo "**bench/$b.sh did not complete:**"; echo '```'
		  tail -15 "$TMP/$b.err"; echo '```'; } >>"$TMP/body.md"
	fi
	echo >>"$TMP/body.md"
done
read -r busy1 total1 <<<"$(busy)"

{
	echo "# nodetop benchmark results$([ "$QUICK" = 1 ] && echo " (BENCH_QUICK smoke run: short, figures not representative)")"
	echo
	echo "- Date: $started; commit $commit"
	echo "- Binaries (built from the working tree): $(cd "$BUILDDIR" && for f in src/nodetop src/nodetop-sim bench/prom-parse bench/history-bench; do printf '%s %s; ' "$f" "$(date -u -r "$f" '+%H:%M UTC' 2>/dev/null || echo missing)"; done | sed 's/; $//')"
	echo "- Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) CPUs, $(uname -sr)"
	echo "- Load average at the start: $load0; the whole machine was $(awk "BEGIN { printf \"%.0f\", 100 * ($busy1 - $busy0) / ($total1 - $total0) }")% busy during the run (all processes, all CPUs)"
	echo "- Command: \`$([ "$QUICK" = 1 ] && echo "BENCH_QUICK=1 ")make bench\` (bench/run.sh); CPU is utime+stime from /proc, never wall time; every peer ran in the same run"
	echo
	echo "## Targets"
	echo
	grep -E '^- \*\*(PASS|MISS)\*\*' "$TMP/body.md" || echo "(no figures)"
	[ "$failed" = 0 ] || echo "- **a benchmark did not complete; see below**"
	echo
	cat "$TMP/body.md"
} >"$OUT"
cat "$OUT"
echo "wrote $OUT" >&2
exit "$failed"
