#!/bin/bash
# bench/promapi.sh - issue 17: the Prometheus API answer parser (src/parse_promapi.c, one pass,
# no DOM) against the cJSON reader it replaced (tests/unit/promapi_ref.c), in the same run.
# Usage: bench/promapi.sh [BUILDDIR [SRCDIR]]   (BENCH_QUICK=1: smaller answer)

BUILDDIR=${1:-${BUILDDIR:-}} SRCDIR=${2:-${SRCDIR:-}}
. "$(dirname "$0")/lib.sh"

N=$(b_quick 300000 50000)
BIN=$BUILDDIR/bench/promapi-parse
[ -x "$BIN" ] || b_die "$BIN is not built (make bench/promapi-parse)"
"$BIN" "$N" 5 >"$B_TMP/out" 2>&1 || { cat "$B_TMP/out" >&2; b_die "bench/promapi-parse failed"; }
field() { sed -n "s/^$1 .* \\([0-9.]*\\) MB\\/s.*/\\1/p" "$B_TMP/out"; }
heap() { sed -n "s/^$1 .*result holds \\([0-9.]*\\) MB heap.*/\\1/p" "$B_TMP/out"; }
new=$(field streaming) ref=$(field cJSON-ref) hn=$(heap streaming) hr=$(heap cJSON-ref)
echo "## Prometheus API answers: the parser (issue 17)"
echo
echo "An /api/v1/query answer of $N series (the health checks of a fleet: \`$(sed -n 's/^answer: //p' "$B_TMP/out")\`),"
echo "parsed in memory, best of 5 (CPU time): nodetop's one-pass reader against the cJSON tree it replaced."
echo
echo "| reader | MB/s | heap held by the result MB |"
echo "|---|---|---|"
echo "| one pass (src/parse_promapi.c) | $new | $hn |"
echo "| cJSON tree (the old reader, tests/unit/promapi_ref.c) | $ref | $hr |"
echo
b_verdict "$(b_calc "$new >= 3 * $ref")" "promapi: the one-pass reader at least 3x the cJSON tree: $(b_fmt %.1f "$new / $ref")x ($new vs $ref MB/s)"
b_verdict "$(b_calc "$hn * 5 <= $hr")" "promapi: at most a fifth of the cJSON tree's memory: $hn vs $hr MB"
