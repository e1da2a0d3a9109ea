#!/bin/bash
# tests/ci-extra.sh - the CI steps after the main suite (called by .ci/run):
#   1. a second, out-of-tree build with --enable-sanitizers (ASan + UBSan) that
#      runs the whole `make check` there;
#   2. a fuzz smoke run: clang build with --enable-fuzz, FUZZ_SECONDS (20) per target.
# Prints its own "ok - ..." / "not ok - ..." lines (the sanitizer build's test
# results are added up as tests/summary.sh does), then "# ci-extra: N passed,
# N failed"; exits non-zero when anything failed.
# Usage: tests/ci-extra.sh [SRCDIR]   (default: the directory above this script)
# Environment: CI_EXTRA_DIR (work directory, default a temporary one),
# FUZZ_SECONDS (20), CI_EXTRA_SKIP_SAN=1 / CI_EXTRA_SKIP_FUZZ=1 to leave a step out.
set -u
SRC=$(cd "${1:-$(dirname "$0")/..}" && pwd)
WORK=${CI_EXTRA_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/nodetop-ci-extra.XXXXXX")}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
JOBS=${JOBS:-2}
P=0; F=0
ok() { P=$((P + 1)); echo "ok - $*"; }
notok() { F=$((F + 1)); echo "not ok - $*"; }
tail_log() { tail -n "${2:-25}" "$1" | sed 's/^/#   /'; }

# A clean copy of the sources: automake refuses an out-of-tree build of a source
# directory that is itself configured (its config.status would shadow ours).
mkdir -p "$WORK"
if [ ! -f "$WORK/src/configure.ac" ]; then
	mkdir -p "$WORK/src"
	if git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
		# tracked files plus new ones not ignored: what the next commit would hold
		(cd "$SRC" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -) | tar -C "$WORK/src" -xf -
	else
		(cd "$SRC" && tar --exclude=./build-san --exclude=./build-fuzz -cf - .) | tar -C "$WORK/src" -xf -
		[ -f "$WORK/src/Makefile" ] && make -C "$WORK/src" distclean >/dev/null 2>&1
	fi
fi
if (cd "$WORK/src" && autoreconf -fi) >"$WORK/autoreconf.log" 2>&1; then
	ok "ci-extra: a clean copy of the sources in $WORK/src"
else
	notok "ci-extra: autoreconf in the copy of the sources"; tail_log "$WORK/autoreconf.log"
	echo "# ci-extra: $P passed, $F failed"; exit 1
fi

# ---------------------------------------------------------------- 1. sanitizers
if [ -z "${CI_EXTRA_SKIP_SAN:-}" ]; then
	B=$WORK/build-san
	mkdir -p "$B"
	if (cd "$B" && ../src/configure --enable-sanitizers) >"$WORK/san-configure.log" 2>&1; then
		ok "sanitizers: configure --enable-sanitizers (out of tree)"
		if make -C "$B" -j"$JOBS" all >"$WORK/san-build.log" 2>&1; then
			ok "sanitizers: build"
			# UBSan aborts on the first report; leaks count as errors
			ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
			UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
				make -C "$B" -j"$JOBS" check >"$WORK/san-check.log" 2>&1
			rc=$?
			grep -E '^(PASS|FAIL|XFAIL|XPASS|ERROR|SKIP):' "$WORK/san-check.log" | sed 's/^/# san /'
			sum=$(sh "$WORK/src/tests/summary.sh" "$B" | tail -1)
			sp=${sum%% passed*}; sf=${sum#*, }; sf=${sf%% failed*}
			echo "# sanitizer build: $sum"
			P=$((P + sp)); F=$((F + sf))
			# sanitizer reports anywhere in the logs fail the step even when a test passed
			reports=$(grep -l -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' \
				$(find "$B/tests" -name '*.log' ! -name test-suite.log) 2>/dev/null)
			if [ "$rc" -eq 0 ] && [ -z "$reports" ]; then
				ok "sanitizers: make check passes with no ASan/UBSan report"
			else
				notok "sanitizers: make check (exit $rc)${reports:+; sanitizer reports in: $(echo $reports)}"
				for f in $reports $(grep -l -E '^(not ok|\[  FAILED)' $(find "$B/tests" -name '*.log' ! -name test-suite.log) 2>/dev/null); do
					echo "# == $f"; grep -E '^(not ok|#|\[  (FAILED|ERROR))|Sanitizer|runtime error|^    #[0-9]' "$f" | head -30 | sed 's/^/#   /'
				done
			fi
		else
			notok "sanitizers: build"; tail_log "$WORK/san-build.log"
		fi
	else
		notok "sanitizers: configure --enable-sanitizers"; tail_log "$WORK/san-configure.log"
	fi
fi

# ---------------------------------------------------------------- 2. fuzz smoke
if [ -z "${CI_EXTRA_SKIP_FUZZ:-}" ]; then
	if ! command -v clang >/dev/null; then
		notok "fuzz: clang is installed (apt-get install clang)"
	else
		B=$WORK/build-fuzz
		mkdir -p "$B"
		# The whole core library instrumented for coverage and ASan/UBSan, not only
		# the fuzz_*.c files (--enable-fuzz adds its flags to the fuzzers alone).
		if (cd "$B" && CC=clang CFLAGS="-g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer" \
			../src/configure --enable-fuzz) >"$WORK/fuzz-configure.log" 2>&1; then
			ok "fuzz: configure CC=clang --enable-fuzz"
			if make -C "$B" -j"$JOBS" fuzzers >"$WORK/fuzz-build.log" 2>&1; then
				ok "fuzz: every target of FUZZERS builds"
				# `make fuzz` runs tests/fuzz/run.sh over every target of FUZZERS
				FUZZ_SECONDS=$FUZZ_SECONDS make -s -C "$B" fuzz >"$WORK/fuzz-run.log" 2>&1
				while IFS= read -r line; do
					case $line in
					"ok - "*) ok "${line#ok - }" ;;
					"not ok - "*) notok "${line#not ok - }" ;;
					*) echo "$line" ;;
					esac
				done <"$WORK/fuzz-run.log"
			else
				notok "fuzz: build"; tail_log "$WORK/fuzz-build.log"
			fi
		else
			notok "fuzz: configure CC=clang --enable-fuzz"; tail_log "$WORK/fuzz-configure.log"
		fi
	fi
fi

echo "# ci-extra: $P passed, $F failed (logs in $WORK)"
[ "$F" -eq 0 ]
