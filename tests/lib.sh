# tests/lib.sh - helpers for the black-box tests: assertions that print
# "ok - ..." / "not ok - ...", the simulator, bounded waits on conditions, tmux.
# Sourced by tests/integ/*.sh and tests/tui/*.sh; run under `make check`.
#
# Rules these helpers exist for (tests must pass on a loaded 2-core machine
# under `make -j8 check`, every time):
#  - no wall-clock threshold is an assertion: wait for a condition with
#    wait_until / tmux_wait; their bounds (T_WAIT_MS, 60 s) only end a hung test;
#  - no fixed sleep waits for something to happen: poll the condition;
#  - every check can fail: t_same compares files that must both exist.

set -u
: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_srcdir:=$top_builddir}"
: "${NODETOP:=$top_builddir/src/nodetop}"
: "${NODETOP_SIM:=$top_builddir/src/nodetop-sim}"
: "${TESTDATA:=$top_srcdir/tests/data}"
# The bound of every wait for a condition: long enough that only a hung test
# reaches it, on a machine as loaded as it gets.
: "${T_WAIT_MS:=60000}"

T_PASS=0
T_FAIL=0
# Each test's files (configs, logs, port files, tmux sockets) in a directory of
# its own inside the build tree: nothing outside this build (another checkout's
# tests, a clean-up of /tmp) shares or removes it. T_TMPROOT to put it elsewhere.
T_TMPROOT=${T_TMPROOT:-$top_builddir/tests/tmp}
mkdir -p "$T_TMPROOT" 2>/dev/null && [ -w "$T_TMPROOT" ] || T_TMPROOT=${TMPDIR:-/tmp}
T_TMP=$(mktemp -d "$T_TMPROOT/$(basename "$0" .sh).XXXXXX")
T_PIDS=""
T_TMUX=""
# nodetop keeps its history in $XDG_STATE_HOME/nodetop/history.db: each test a file of its own
export XDG_STATE_HOME=$T_TMP/state
T_TMUX_N=0
T_SIM_N=0

t_ok()   { T_PASS=$((T_PASS + 1)); echo "ok - $*"; }
t_fail() { T_FAIL=$((T_FAIL + 1)); echo "not ok - $*"; }
# t_check DESC CMD...: passes when CMD succeeds.
t_check() { local d=$1; shift; if "$@"; then t_ok "$d"; else t_fail "$d"; fi; }
# t_eq DESC EXPECTED ACTUAL
t_eq() { if [ "$2" = "$3" ]; then t_ok "$1"; else t_fail "$1 (expected '$2', got '$3')"; fi; }
# t_match DESC REGEX TEXT: extended regex, grep -E semantics, over all lines.
t_match() { if printf '%s\n' "$3" | grep -Eq -- "$2"; then t_ok "$1"; else t_fail "$1 (no match for /$2/ in:"; printf '%s\n' "$3" | sed 's/^/#   /' | head -40; echo "# )"; fi; }
t_nomatch() { if printf '%s\n' "$3" | grep -Eq -- "$2"; then t_fail "$1 (unexpected /$2/ in:"; printf '%s\n' "$3" | sed 's/^/#   /' | head -40; echo "# )"; else t_ok "$1"; fi; }
# t_same DESC FILE1 FILE2: both files exist, are not empty, and are equal
# (two missing files are not "the same").
t_same() {
	if [ ! -s "$2" ] || [ ! -s "$3" ]; then
		t_fail "$1 (missing or empty: $([ -s "$2" ] || echo "$2") $([ -s "$3" ] || echo "$3"))"
	elif cmp -s "$2" "$3"; then
		t_ok "$1"
	else
		t_fail "$1 (they differ:)"; diff "$2" "$3" | head -20 | sed 's/^/#   /'
	fi
}
# t_file_eq DESC EXPECTED FILE: FILE exists and holds EXPECTED (one line).
t_file_eq() {
	if [ -e "$3" ]; then t_eq "$1" "$2" "$(cat "$3")"; else t_fail "$1 ($3 does not exist)"; fi
}

# t_alive PID: PID is running (not gone, not a zombie waiting to be reaped, not a
# process whose memory is already gone: a kernel thread that took the number of one
# that exited long ago (a proof run saw 'pid 5656 ()' "hang") or one in its last exit steps).
t_alive() {
	local st
	st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "${st%% *}" != Z ] && [ "$(wc -c <"/proc/$1/cmdline" 2>/dev/null)" -gt 0 ] 2>/dev/null
}
# t_started PID: the start time of process PID (clock ticks since boot), which tells
# it from a later process given the same number.
t_started() { local st; st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) && set -- $st && echo "${20}"; }
# t_track PID...: a process of this test, stopped by t_cleanup - while it is still that
# process. A process that exited gives its number back, and with pid_max at 32768 a busy
# machine hands it to another before long (a proof run lost a freshly started
# rpcserver.py that way, most likely: gone, its log empty).
t_track() {
	local p s
	for p in "$@"; do
		s=$(t_started "$p") || continue        # already gone and reaped: nothing to stop
		T_PIDS="$T_PIDS $p:$s"
	done
}
# t_ours ENTRY: the process of a t_track entry (PID:START) is still the one tracked.
t_ours() { [ -n "${1#*:}" ] && [ "$(t_started "${1%%:*}")" = "${1#*:}" ]; }
# Every process the test started: first SIGCONT (a test may have stopped it), then
# SIGTERM - never a signal while it exits (a SIGCONT then broke LeakSanitizer's exit
# check in sanitizer builds: the process spun forever). One that is still running
# 60 s later is a hang at exit: killed, and the test fails.
t_cleanup() {
	local rc=$? e p end hung=0
	tmux_stop
	for e in $T_PIDS; do t_ours "$e" && { kill -CONT "${e%%:*}"; kill "${e%%:*}"; } 2>/dev/null; done
	for e in $T_PIDS; do
		p=${e%%:*}
		end=$(( $(ms_now) + 60000 ))
		while t_ours "$e" && t_alive "$p" && [ "$(ms_now)" -lt "$end" ]; do sleep 0.05; done
		if t_ours "$e" && t_alive "$p"; then
			echo "not ok - cleanup: pid $p ($(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | cut -c1-120)) still running 60 s after SIGTERM"
			kill -KILL "$p" 2>/dev/null
			hung=1
		fi
		wait "$p" 2>/dev/null
	done
	rm -rf "$T_TMP"
	[ "$hung" = 1 ] && [ "$rc" = 0 ] && exit 1
	exit "$rc"
}
trap t_cleanup EXIT

# t_done: prints the totals and exits non-zero when anything failed.
t_done() {
	echo "# $(basename "$0"): $T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
	exit $?
}

# t_skip REASON: this test cannot run here (exit 77: SKIP for automake).
t_skip() { echo "# SKIP: $*"; exit 77; }

# ---------------------------------------------------------------- waiting
ms_now() { date +%s%3N; }
# wait_until [BOUND_MS] CMD...: runs CMD every 50 ms until it succeeds; fails
# when BOUND_MS (default T_WAIT_MS) passes first. BOUND_MS only ends a hung
# test: it is never the thing a test asserts.
wait_until() {
	local bound=$T_WAIT_MS
	case $1 in '' | *[!0-9]*) ;; *) bound=$1; shift ;; esac
	local end=$(( $(ms_now) + bound ))
	until "$@"; do [ "$(ms_now)" -ge "$end" ] && return 1; sleep 0.05; done
}
# wait_file FILE: until FILE exists and is not empty.
wait_file() { wait_until test -s "$1"; }
# seen FILE REGEX: FILE has a line matching REGEX (for wait_until).
seen_in() { grep -Eq -- "$2" "$1" 2>/dev/null; }

# free_port: prints a TCP port on 127.0.0.1 that is free right now. Only for a
# real peer that cannot pick its own port (PostgreSQL): another test may take
# the port before the peer binds it, so the caller retries on "address in use".
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# ---------------------------------------------------------------- the simulator
# sim_start ARGS...: starts nodetop-sim in the background on ports the kernel
# picks (--base-port 0: no collision with tests running in parallel) and waits
# for its port file (written whole, once every node is bound).
# Sets SIM (this simulator's handle: its port file; keep it, e.g. A=$SIM, when
# a test starts a second one), SIM_PID, SIM_LOG, SIM_PORTS (array), SIM_BASE.
sim_start() {
	T_SIM_N=$((T_SIM_N + 1))
	SIM=$T_TMP/sim$T_SIM_N.ports
	SIM_LOG=$SIM.log
	"$NODETOP_SIM" --base-port 0 --port-file "$SIM" "$@" >"$SIM_LOG" 2>&1 &
	SIM_PID=$!
	t_track "$SIM_PID"
	sim_ready() { [ -s "$SIM" ] || ! kill -0 "$SIM_PID" 2>/dev/null; }
	wait_until sim_ready
	if [ ! -s "$SIM" ]; then
		echo "# nodetop-sim did not start:"; sed 's/^/#   /' "$SIM_LOG"
		return 1
	fi
	SIM_PORTS=()
	local idx port
	while read -r idx port; do SIM_PORTS[$idx]=$port; done <"$SIM"
	SIM_BASE=${SIM_PORTS[0]}
}
# sim_port INDEX [SIM]: a node's port; sim_url INDEX [SIM]: its base URL.
sim_port() { awk -v i="$1" '$1 == i { print $2 }' "${2:-$SIM}"; }
sim_url() { echo "http://127.0.0.1:$(sim_port "$1" "${2:-$SIM}")"; }
# sim_scenario INDEX SCENARIO [SIM]: switches a simulated node's scenario
# through the control endpoint of any node of that simulator that listens.
sim_scenario() {
	local p
	for p in $(awk '{ print $2 }' "${3:-$SIM}"); do
		if [ "$(curl -s --max-time 20 -o /dev/null -w '%{http_code}' -X POST \
			"http://127.0.0.1:$p/control/scenario?node=$1&name=$2")" = 200 ]; then
			return 0
		fi
	done
	echo "# could not switch node $1 to $2"
	return 1
}

# ---------------------------------------------------------------- tmux
# Every terminal test: tmux_need first (SKIP without tmux or the programs),
# then tmux_start for each screen. Each tmux_start gets a server of its own on a
# private socket in T_TMP (never the user's server, never a server that is still
# shutting down), with the status line off before the session exists.
tmux_need() {
	command -v tmux >/dev/null 2>&1 || t_skip "tmux is not installed"
	[ -x "$NODETOP" ] && [ -x "$NODETOP_SIM" ] || t_skip "$NODETOP or $NODETOP_SIM not built"
	printf 'set -g status off\n' >"$T_TMP/tmux.conf"
}
# tmux_start COLS ROWS CMD...: ends the last tmux server of this test, runs CMD
# in a new one; the pane is COLS x ROWS. Fails when the session did not start.
tmux_start() {
	local cols=$1 rows=$2; shift 2
	tmux_stop
	[ -f "$T_TMP/tmux.conf" ] || printf 'set -g status off\n' >"$T_TMP/tmux.conf"
	T_TMUX_N=$((T_TMUX_N + 1))
	T_TMUX=$T_TMP/tmux$T_TMUX_N
	if ! tmux -S "$T_TMUX" -f "$T_TMP/tmux.conf" new-session -d -s t -x "$cols" -y "$rows" "$@"; then
		echo "# tmux did not start a session on $T_TMUX"
		return 1
	fi
}
# tmux_stop: ends this test's tmux server (if any) and waits until the processes its panes ran
# are gone, so that nothing they still write (an exit status, a log line)
# lands after the caller has moved on to the next case.
tmux_stop() {
	[ -n "$T_TMUX" ] || return 0
	local pids p
	pids=$(tmux -S "$T_TMUX" list-panes -a -F '#{pane_pid}' 2>/dev/null)
	tmux -S "$T_TMUX" kill-server 2>/dev/null
	T_TMUX=""
	pid_gone() { ! kill -0 "$1" 2>/dev/null; }
	for p in $pids; do
		wait_until pid_gone "$p" && continue
		echo "# tmux_stop: pane process $p still runs after the server ended; killed"
		kill -KILL "$p" 2>/dev/null
	done
}
tmux_cmd() { tmux -S "$T_TMUX" "$@"; }
tmux_screen() { tmux -S "$T_TMUX" capture-pane -p -t t; }
tmux_keys() { tmux -S "$T_TMUX" send-keys -t t "$@"; }
# tmux_pane_pid: the pid of the pane's own process (the shell or program tmux started).
tmux_pane_pid() { tmux_cmd display -p -t t '#{pane_pid}'; }
# tmux_child NAME: the pid of the process NAME that is a child of the pane's process.
tmux_child() { pgrep -x -P "$(tmux_pane_pid)" "$1" | head -1; }

# tmux_wait REGEX [SECONDS]: waits until the screen matches REGEX; prints the
# screen when it does not. SECONDS (default T_WAIT_MS) only ends a hung test;
# pass a short one only where the screen may rightly never match.
tmux_wait() {
	local re=$1 ms=$T_WAIT_MS
	[ $# -ge 2 ] && ms=$(($2 * 1000))
	screen_has() { tmux_screen 2>/dev/null | grep -Eq -- "$1"; }
	wait_until "$ms" screen_has "$re" && return 0
	echo "# screen did not show /$re/ within $((ms / 1000)) s:"; tmux_screen 2>/dev/null | sed 's/^/#   |/'
	return 1
}
# tmux_wait_gone REGEX [SECONDS]: waits until the screen no longer shows REGEX.
tmux_wait_gone() {
	local re=$1 ms=$T_WAIT_MS
	[ $# -ge 2 ] && ms=$(($2 * 1000))
	screen_lacks() { ! tmux_screen 2>/dev/null | grep -Eq -- "$1"; }
	wait_until "$ms" screen_lacks "$re" && return 0
	echo "# screen still shows /$re/ after $((ms / 1000)) s:"; tmux_screen 2>/dev/null | sed 's/^/#   |/'
	return 1
}
# tmux_wait_polled: every node on the screen has had its first answer
# (the fastest, e.g. a refused connection, lands long before the others).
tmux_wait_polled() { tmux_wait_gone 'not polled yet' >/dev/null; }
# tmux_clock: the first HH:MM:SS on the screen (the dashboard's clock).
tmux_clock() { tmux_screen 2>/dev/null | grep -Eo -m1 '[0-9]{2}:[0-9]{2}:[0-9]{2}' | head -1; }
# tmux_ticks N: waits until the clock on the screen has moved on N times (N
# frames drawn by a program that is running); fails when it stops moving.
tmux_ticks() {
	local n c0
	c0=$(tmux_clock)
	clock_moved() { local c; c=$(tmux_clock); [ -n "$c" ] && [ "$c" != "$c0" ] && c0=$c; }
	for n in $(seq "$1"); do wait_until clock_moved || return 1; done
}
