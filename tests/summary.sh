#!/bin/sh
# tests/summary.sh - adds up the results of every test program's log after
# `make check`: cmocka's PASSED/FAILED counts and the shell tests' ok/not ok lines.
# A program that failed without reporting a failed case (a crash) counts as one failure.
# Usage: tests/summary.sh [BUILDDIR]; prints "N passed, N failed" as its last line.
dir=${1:-.}
P=0; F=0
for log in $(find "$dir/tests" -name '*.log' ! -name 'test-suite.log' 2>/dev/null); do
	trs=${log%.log}.trs
	[ -f "$trs" ] || continue
	set -- $(awk '
		/^\[  PASSED  \] [0-9]+ test/ { p += $4 }
		/^\[  FAILED  \] [0-9]+ test/ { f += $4 }
		/^ok - /     { p++ }
		/^not ok - / { f++ }
		END { print p + 0, f + 0 }' "$log")
	p=$1; f=$2
	if grep -Eq '^:test-result: (FAIL|ERROR)' "$trs" && [ "$f" -eq 0 ]; then
		echo "# $log: the program failed without a failed case (crash or error)"
		f=1
	fi
	P=$((P + p)); F=$((F + f))
done
echo "$P passed, $F failed"
