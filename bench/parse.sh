#!/bin/bash
# bench/parse.sh - benchmark 1: Prometheus text parsing. nodetop's parser
# (bench/prom-parse) against promtool and python3-prometheus-client on the same
# generated Chainlink-like files of 100 KB, 1 MB and 10 MB, in the same run.
# Usage: bench/parse.sh [BUILDDIR [SRCDIR]]   (BENCH_QUICK=1: smaller, fewer runs)

BUILDDIR=${1:-${BUILDDIR:-}} SRCDIR=${2:-${SRCDIR:-}}
. "$(dirname "$0")/lib.sh"

SIZES=$(b_quick "100000 1000000 10000000" "100000 1000000")
REPS=$(b_quick 7 3)            # promtool runs per file; the best one counts
PROMPARSE=$BUILDDIR/bench/prom-parse
[ -x "$PROMPARSE" ] || b_die "$PROMPARSE is not built (make bench/prom-parse)"
command -v promtool >/dev/null || b_die "promtool missing (apt-get install prometheus)"

# promtool's start-up (Go runtime, reading an empty stdin) is measured on an
# empty file and subtracted, which only flatters the peer.
: >"$B_TMP/empty.prom"
best_cpu=9 best_wall=9
for i in $(seq 1 "$REPS"); do
	b_run_cpu promtool check metrics <"$B_TMP/empty.prom"
	best_cpu=$(b_calc "$RUN_CPU < $best_cpu ? $RUN_CPU : $best_cpu")
	best_wall=$(b_calc "$RUN_WALL < $best_wall ? $RUN_WALL : $best_wall")
done
PT_START_CPU=$best_cpu PT_START_WALL=$best_wall

label() { if [ "$1" -ge 1000000 ]; then echo "$(($1 / 1000000)) MB"; else echo "$(($1 / 1000)) KB"; fi; }

echo "## 1. Prometheus text parsing"
echo
echo "Files from \`bench/gen-metrics.py SIZE\`; MB = 10^6 bytes. nodetop: best of repeated"
echo "in-memory parses (one thread). promtool: best of $REPS runs of \`promtool check metrics <FILE\`,"
echo "CPU (user+sys, all threads) and wall time each minus its start-up on an empty file"
echo "(${PT_START_CPU} s CPU, ${PT_START_WALL} s wall); the faster of the two counts for promtool."
echo "Where start-up is more than half of promtool's run the ratio is not given."
echo "python: \`/usr/bin/python3 bench/pyparse.py FILE\` (prometheus_client $($PY -c 'import prometheus_client.parser as p, importlib.metadata as m; print(m.version("prometheus_client"))' 2>/dev/null)), CPU clock."
echo
echo "| file | sample lines | nodetop samples | nodetop MB/s (median) | promtool MB/s | python MB/s | nodetop/promtool | nodetop/python |"
echo "|---|---|---|---|---|---|---|---|"
VERDICTS=""
for size in $SIZES; do
	f=$B_TMP/metrics-$size.prom
	$PY "$SRCDIR/bench/gen-metrics.py" "$size" >"$f" || b_die "gen-metrics.py failed"
	bytes=$(stat -c %s "$f")
	lines=$(grep -c -v -e '^#' -e '^[[:space:]]*$' "$f")

	b_log "prom-parse $size"
	out=$("$PROMPARSE" "$f") || b_die "prom-parse reported parse errors on $f"
	last=$(echo "$out" | tail -1)
	np_median=$(echo "$out" | sed -n 's/^median_mbps=//p')
	np_samples=$(echo "$last" | sed -n 's/.*samples=\([0-9]*\).*/\1/p')
	np_mbps=$(echo "$last" | sed -n 's/.*mbps=\([0-9.]*\).*/\1/p')
	[ -n "$np_mbps" ] || b_die "prom-parse printed: $last"

	b_log "promtool $size"
	best_cpu=999 best_wall=999
	for i in $(seq 1 "$REPS"); do
		b_run_cpu promtool check metrics <"$f"
		best_cpu=$(b_calc "$RUN_CPU < $best_cpu ? $RUN_CPU : $best_cpu")
		best_wall=$(b_calc "$RUN_WALL < $best_wall ? $RUN_WALL : $best_wall")
	done
	net=$(b_calc "$best_cpu - $PT_START_CPU < $best_wall - $PT_START_WALL ? \
		$best_cpu - $PT_START_CPU : $best_wall - $PT_START_WALL")
	raw=$(b_calc "$best_cpu < $best_wall ? $best_cpu : $best_wall")
	# When start-up is most of the run the difference is noise: no figure.
	measurable=$(b_calc "$net >= 0.5 * $raw")
	pt_mbps=$(b_fmt %.1f "$measurable ? $bytes / $net / 1e6 : 0")

	b_log "pyparse $size"
	py_last=$($PY "$SRCDIR/bench/pyparse.py" "$f" "$(b_quick 2 0.5)" | tail -1)
	py_samples=$(echo "$py_last" | sed -n 's/.*samples=\([0-9]*\).*/\1/p')
	py_mbps=$(echo "$py_last" | sed -n 's/.*mbps=\([0-9.]*\).*/\1/p')

	r_pt=$(b_fmt %.1f "$pt_mbps > 0 ? $np_mbps / $pt_mbps : 0")
	r_pt_s=${r_pt}x
	if [ "$measurable" = 0 ]; then
		pt_mbps="n/a (start-up bound: $(b_fmt %.3f "$raw") s)" r_pt_s="n/a"
	fi
	r_py=$(b_fmt %.0f "$py_mbps > 0 ? $np_mbps / $py_mbps : 0")
	echo "| $(label "$size") ($bytes B) | $lines | $np_samples | $np_mbps ($np_median) | $pt_mbps | $py_mbps | $r_pt_s | ${r_py}x |"

	ok=$([ "$np_samples" = "$lines" ] && [ "$py_samples" = "$lines" ] && echo 1 || echo 0)
	VERDICTS="$VERDICTS$(b_verdict "$ok" "parse $(label "$size"): samples counted = sample lines ($lines): nodetop $np_samples, python $py_samples")
"
	ok=$(b_calc "$np_mbps >= 1000")
	VERDICTS="$VERDICTS$(b_verdict "$ok" "parse $(label "$size"): nodetop >= 1000 MB/s on one core: $np_mbps MB/s")
"
	if [ "$measurable" = 1 ]; then
		ok=$(b_calc "$r_pt >= 25")
		VERDICTS="$VERDICTS$(b_verdict "$ok" "parse $(label "$size"): nodetop >= 25x promtool: ${r_pt}x ($np_mbps vs $pt_mbps MB/s)")
"
	fi
done
echo
printf '%s' "$VERDICTS"
echo
echo "Commands: \`python3 bench/gen-metrics.py SIZE >FILE\`, \`bench/prom-parse FILE\`,"
echo "\`promtool check metrics <FILE\`, \`/usr/bin/python3 bench/pyparse.py FILE\`."
