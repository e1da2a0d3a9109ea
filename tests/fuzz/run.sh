#!/bin/sh
# tests/fuzz/run.sh - the `make fuzz` entry: runs each libFuzzer target for
# SECONDS, seeded from tests/data, with its corpus in a temporary directory;
# any crash, time-out, leak or out-of-memory fails the run. The inputs that
# failed are kept in BUILDDIR/tests/fuzz/crashes/TARGET/ to reproduce with
#   BUILDDIR/tests/fuzz/TARGET FILE
# Prints "ok - ..." / "not ok - ..." per target and exits non-zero on a failure.
# Usage: tests/fuzz/run.sh BUILDDIR SRCDIR SECONDS [TARGET...]
# (builds are made by `make fuzz` after: CC=clang ./configure --enable-fuzz)
set -u
[ $# -ge 3 ] || { echo "usage: $0 BUILDDIR SRCDIR SECONDS [TARGET...]" >&2; exit 2; }
B=$1; S=$2; SECS=$3; shift 3
case $SECS in ''|*[!0-9]*) echo "$0: SECONDS must be a whole number, not '$SECS'" >&2; exit 2 ;; esac
TARGETS=${*:-fuzz_prom fuzz_health_json fuzz_health_text fuzz_settings fuzz_discovery fuzz_textsafe fuzz_report fuzz_dbinfo fuzz_buckets fuzz_jsonrpc}
D=$S/tests/data
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nodetop-fuzz.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM

# seeds TARGET: the files that seed its corpus
seeds() {
	case $1 in
	fuzz_prom) ls "$D"/prom/* ;;
	fuzz_health_json) ls "$D"/chainlink/*.json "$D"/health/*.json "$D"/chainlink/*.html ;;
	fuzz_health_text) ls "$D"/chainlink/*.txt "$D"/health/*.txt ;;
	fuzz_settings) ls "$D"/conf/*.conf "$S"/share/nodetop.conf.example ;;
	fuzz_discovery) ls "$D"/discovery/* ;;
	fuzz_textsafe) ls "$D"/health/*.txt "$D"/chainlink/*.txt ;;
	fuzz_report) ls "$D"/chainlink/*.json "$D"/health/*.json "$D"/prom/* ;;
	fuzz_dbinfo) ls "$D"/db/* ;;
	fuzz_jsonrpc) ls "$D"/jsonrpc/* ;;
	fuzz_promapi) ls "$D"/promapi/* ;;
	fuzz_buckets) ls "$D"/buckets/* ;;
	esac 2>/dev/null
}

fail=0
for t in $TARGETS; do
	bin=$B/tests/fuzz/$t
	if [ ! -x "$bin" ]; then
		echo "not ok - fuzz $t: $bin is not built (CC=clang ./configure --enable-fuzz && make fuzz)"
		fail=1
		continue
	fi
	dir=$WORK/$t
	mkdir -p "$dir/corpus" "$dir/art"
	nseed=0
	for f in $(seeds "$t"); do
		cp "$f" "$dir/corpus/seed-$nseed-$(basename "$f")" && nseed=$((nseed + 1))
	done
	# the fuzzer's own working directory: relative paths in config inputs land here
	(cd "$dir" && ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
		"$bin" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -max_len=262144 \
		-print_final_stats=1 -artifact_prefix="$dir/art/" corpus >"$dir/log" 2>&1)
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
	ncorp=$(ls "$dir/corpus" | wc -l)
	arts=$(ls "$dir/art" 2>/dev/null)
	if [ "$rc" -eq 0 ] && [ -z "$arts" ]; then
		echo "ok - fuzz $t: ${runs:-?} runs in ${SECS} s, no crash (corpus $nseed seeds -> $ncorp inputs)"
	else
		fail=1
		keep=$B/tests/fuzz/crashes/$t
		mkdir -p "$keep"
		[ -n "$arts" ] && cp "$dir"/art/* "$keep"/
		echo "not ok - fuzz $t: exit $rc after ${runs:-?} runs; inputs kept in $keep: $(echo $arts)"
		grep -E 'ERROR|SUMMARY|check failed|runtime error|#[0-9]+ 0x' "$dir/log" | head -30 | sed 's/^/#   /'
	fi
done
exit $fail
