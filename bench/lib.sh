# bench/lib.sh - helpers shared by the benchmarks: a temp dir and child
# processes cleaned up on exit, free loopback ports, CPU and memory of a
# process from /proc, the simulator, and the markdown the scripts print.
#
# Sourced by bench/*.sh with BUILDDIR and SRCDIR set (bench/run.sh does it).
# Every benchmark prints a markdown section on stdout and progress on stderr.

set -u
: "${BUILDDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${SRCDIR:=$BUILDDIR}"
NODETOP=${NODETOP:-$BUILDDIR/src/nodetop}
NODETOP_SIM=${NODETOP_SIM:-$BUILDDIR/src/nodetop-sim}
PY=/usr/bin/python3               # the Debian python, which has prometheus_client
HZ=$(getconf CLK_TCK)
QUICK=${BENCH_QUICK:-0}

B_TMP=$(mktemp -d "${TMPDIR:-/tmp}/nodetop-bench.XXXXXX")
B_PIDS=""

# b_stop PID: SIGTERM, then SIGKILL after 10 s; waits for it.
b_stop() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# b_started PID: the start time of process PID (clock ticks since boot).
b_started() { local st; st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) && set -- $st && echo "${20}"; }
# Stops what b_bg started and is still running - that process, not a later one given
# its number (a benchmark stops most of its processes itself; pid_max is 32768, and a
# test suite beside it reuses numbers within minutes).
b_cleanup() {
	local e
	for e in $B_PIDS; do
		[ -n "${e#*:}" ] && [ "$(b_started "${e%%:*}")" = "${e#*:}" ] && b_stop "${e%%:*}"
	done
	rm -rf "$B_TMP"
}
trap b_cleanup EXIT
trap 'exit 130' INT TERM

# b_bg CMD...: starts CMD in the background; sets B_PID and remembers it for cleanup.
b_bg() {
	"$@" &
	B_PID=$!
	b_track "$B_PID"
}
# b_track PID: a process started otherwise, stopped at exit as b_bg's are.
b_track() { B_PIDS="$B_PIDS $1:$(b_started "$1")"; }

b_log() { echo "[$(date +%T)] $(basename "$0"): $*" >&2; }
b_die() { b_log "error: $*"; exit 1; }

# b_quick FULL QUICK: prints FULL, or QUICK when BENCH_QUICK=1.
b_quick() { if [ "$QUICK" = 1 ]; then echo "$2"; else echo "$1"; fi; }

# b_free_port: a TCP port on 127.0.0.1 that is free right now.
b_free_port() {
	$PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# b_ticks PID: utime+stime of PID (all its threads) in clock ticks, from /proc/PID/stat.
b_ticks() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
	stat=${stat##*) }            # the command name may hold spaces: cut after ")"
	set -- $stat                 # field 3 (state) is now $1: utime is $12, stime $13
	echo $(( ${12} + ${13} ))
}

# b_status_kb PID FIELD: a kB field of /proc/PID/status (VmRSS, VmHWM).
b_status_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null; }

# b_now: seconds since the epoch, microsecond resolution.
b_now() { echo "$EPOCHREALTIME"; }

# b_calc EXPR: floating-point arithmetic (awk), e.g. b_calc "3 / 7".
b_calc() { awk "BEGIN { x = $1; printf \"%.6g\n\", x }"; }
# b_fmt FORMAT EXPR: like b_calc with a printf format.
b_fmt() { awk "BEGIN { x = $2; printf \"$1\n\", x }"; }

# b_verdict OK TEXT: a target line, collected by run.sh into the summary.
b_verdict() {
	if [ "$1" = 1 ]; then echo "- **PASS** $2"; else echo "- **MISS** $2"; fi
}

# b_sim_start NODES METRICS_BYTES [ARGS...]: starts one nodetop-sim serving NODES
# healthy nodes on free ports; waits for its port file. Sets SIM_PID and SIM_PORTS.
b_sim_start() {
	local n=$1 size=$2 i
	shift 2
	[ -x "$NODETOP_SIM" ] || b_die "$NODETOP_SIM is not built (make src/nodetop-sim)"
	rm -f "$B_TMP/sim.ports"
	b_bg "$NODETOP_SIM" --base-port 0 --nodes "$n" --scenarios healthy --metrics-size "$size" \
		--port-file "$B_TMP/sim.ports" "$@" >"$B_TMP/sim.log" 2>&1
	SIM_PID=$B_PID
	for i in $(seq 1 200); do
		[ -s "$B_TMP/sim.ports" ] && break
		kill -0 "$SIM_PID" 2>/dev/null || break
		sleep 0.05
	done
	[ -s "$B_TMP/sim.ports" ] || { cat "$B_TMP/sim.log" >&2; b_die "nodetop-sim did not start"; }
	SIM_PORTS=$(awk '{ print $2 }' "$B_TMP/sim.ports")
}

# b_urls: the simulated nodes as URLs, one argument each.
b_urls() { local p; for p in $SIM_PORTS; do echo "http://127.0.0.1:$p"; done; }

# b_wait_exit PID SECONDS: waits for PID to end by itself, at most SECONDS.
b_wait_exit() {
	local i
	for i in $(seq 1 $(($2 * 10))); do
		kill -0 "$1" 2>/dev/null || { wait "$1" 2>/dev/null; return 0; }
		sleep 0.1
	done
	return 1
}

# b_machine: one line describing the CPU.
b_machine() {
	echo "$(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) CPUs, $(uname -sr)"
}

# b_run_cpu CMD...: runs CMD (stdin/stdout as given) and sets RUN_WALL and RUN_CPU
# (user+sys seconds of CMD and its threads, from the kernel's accounting of the
# reaped child, the same utime+stime as /proc/PID/stat).
b_run_cpu() {
	local t0 t1 out
	t0=$EPOCHREALTIME
	out=$( { "$@"; } >/dev/null 2>&1; times )
	t1=$EPOCHREALTIME
	RUN_WALL=$(b_calc "$t1 - $t0")
	RUN_CPU=$(echo "$out" | sed -n 2p | awk '{
		s = 0
		for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); s += a[1] * 60 + a[2] }
		printf "%.4f\n", s }')
}
