# tests/lib.sh - helpers for the black-box tests: assertions that print
# "ok - ..." / "not ok - ...", free loopback ports, the simulator, tmux.
# Sourced by tests/integ/*.sh and tests/tui/*.sh; run under `make check`.

set -u
: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_srcdir:=$top_builddir}"
: "${NODETOP:=$top_builddir/src/nodetop}"
: "${NODETOP_SIM:=$top_builddir/src/nodetop-sim}"
: "${TESTDATA:=$top_srcdir/tests/data}"

T_PASS=0
T_FAIL=0
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/nodetop-test.XXXXXX")
T_PIDS=""
T_TMUX=""

t_ok()   { T_PASS=$((T_PASS + 1)); echo "ok - $*"; }
t_fail() { T_FAIL=$((T_FAIL + 1)); echo "not ok - $*"; }
# t_check DESC CMD...: passes when CMD succeeds.
t_check() { local d=$1; shift; if "$@"; then t_ok "$d"; else t_fail "$d"; fi; }
# t_eq DESC EXPECTED ACTUAL
t_eq() { if [ "$2" = "$3" ]; then t_ok "$1"; else t_fail "$1 (expected '$2', got '$3')"; fi; }
# t_match DESC REGEX TEXT: extended regex, grep -E semantics, over all lines.
t_match() { if printf '%s\n' "$3" | grep -Eq -- "$2"; then t_ok "$1"; else t_fail "$1 (no match for /$2/ in:"; printf '%s\n' "$3" | sed 's/^/#   /' | head -40; echo "# )"; fi; }
t_nomatch() { if printf '%s\n' "$3" | grep -Eq -- "$2"; then t_fail "$1 (unexpected /$2/ in:"; printf '%s\n' "$3" | sed 's/^/#   /' | head -40; echo "# )"; else t_ok "$1"; fi; }

t_cleanup() {
	[ -n "$T_TMUX" ] && tmux -L "$T_TMUX" kill-server 2>/dev/null
	for p in $T_PIDS; do kill "$p" 2>/dev/null; done
	for p in $T_PIDS; do wait "$p" 2>/dev/null; done
	rm -rf "$T_TMP"
}
trap t_cleanup EXIT

# t_done: prints the totals and exits non-zero when anything failed.
t_done() {
	echo "# $(basename "$0"): $T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
	exit $?
}

# free_port: prints a TCP port on 127.0.0.1 that is free right now.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# sim_start ARGS...: starts nodetop-sim in the background on ports it picks
# itself (no collisions between tests running in parallel) and waits until every
# node listens. Sets SIM_PID, SIM_PORTS (array) and SIM_BASE (node 0's port).
sim_start() {
	local pf="$T_TMP/sim-ports.$RANDOM" i
	"$NODETOP_SIM" --base-port 0 --port-file "$pf" "$@" >"$T_TMP/sim.log" 2>&1 &
	SIM_PID=$!
	T_PIDS="$T_PIDS $SIM_PID"
	for i in $(seq 1 200); do
		if [ -s "$pf" ]; then
			SIM_PORTS=()
			local idx port
			while read -r idx port; do SIM_PORTS[$idx]=$port; done <"$pf"
			SIM_BASE=${SIM_PORTS[0]}
			return 0
		fi
		kill -0 "$SIM_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "# nodetop-sim did not start:"; sed 's/^/#   /' "$T_TMP/sim.log"
	return 1
}
sim_port() { echo "${SIM_PORTS[$1]}"; }
sim_url() { echo "http://127.0.0.1:${SIM_PORTS[$1]}"; }

# sim_scenario NODE_INDEX SCENARIO: switches a simulated node's scenario through
# the control endpoint of any node that still listens.
sim_scenario() {
	local p
	for p in "${SIM_PORTS[@]}"; do
		if [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$p/control/scenario?node=$1&name=$2")" = 200 ]; then
			return 0
		fi
	done
	echo "# could not switch node $1 to $2"
	return 1
}

ms_now() { date +%s%3N; }
# wait_until DEADLINE_MS CMD...: runs CMD every 50 ms until it succeeds or the deadline passes.
wait_until() { local end=$(( $(ms_now) + $1 )); shift; until "$@"; do [ "$(ms_now)" -ge "$end" ] && return 1; sleep 0.05; done; }

# psim_start FILE ARGS...: nodetop-sim on ports the kernel picks (--base-port 0),
# "INDEX PORT" lines in FILE (other tests may hold ports next to free_port's pick).
# psim_port FILE INDEX: a node's port. psim_set FILE INDEX SCENARIO: switches a node.
psim_start() {
	local pf=$1; shift
	"$NODETOP_SIM" --base-port 0 --port-file "$pf" "$@" >"$pf.log" 2>&1 &
	T_PIDS="$T_PIDS $!"
	local k; for k in $(seq 1 100); do [ -s "$pf" ] && return 0; sleep 0.05; done
	echo "# nodetop-sim did not start:"; sed 's/^/#   /' "$pf.log"; return 1
}
psim_port() { awk -v i="$2" '$1 == i { print $2 }' "$1"; }
psim_set() {
	curl -s -o /dev/null -w '%{http_code}' -X POST \
		"http://127.0.0.1:$(psim_port "$1" 0)/control/scenario?name=$3&node=$2" | grep -q 200
}

# tmux_start COLS ROWS CMD...: runs CMD in a fresh private tmux server.
tmux_start() {
	local cols=$1 rows=$2; shift 2
	T_TMUX="nodetop-test-$$"
	tmux -L "$T_TMUX" -f /dev/null new-session -d -s t -x "$cols" -y "$rows" "$@"
	tmux -L "$T_TMUX" set -g status off 2>/dev/null
}
tmux_cmd() { tmux -L "$T_TMUX" "$@"; }
tmux_screen() { tmux -L "$T_TMUX" capture-pane -p -t t; }
tmux_keys() { tmux -L "$T_TMUX" send-keys -t t "$@"; }
# tmux_wait REGEX [SECONDS]: waits until the screen matches REGEX; prints the screen on time-out.
# tmux_wait_gone RE [SECS]: waits until the screen no longer shows RE.
tmux_wait_gone() {
	local re=$1 secs=${2:-10} i
	for i in $(seq 1 $((secs * 10))); do
		tmux_screen 2>/dev/null | grep -Eq -- "$re" || return 0
		sleep 0.1
	done
	echo "# screen still shows /$re/ after ${secs}s:"; tmux_screen 2>/dev/null | sed 's/^/#   |/'
	return 1
}
# tmux_wait_polled [SECS]: every node on the screen has had its first answer
# (the fastest, e.g. a refused connection, lands long before the others).
tmux_wait_polled() { tmux_wait_gone 'not polled yet' "${1:-10}" >/dev/null; }

tmux_wait() {
	local re=$1 secs=${2:-10} i
	for i in $(seq 1 $((secs * 10))); do
		if tmux_screen 2>/dev/null | grep -Eq -- "$re"; then return 0; fi
		sleep 0.1
	done
	echo "# screen did not show /$re/ within ${secs}s:"; tmux_screen 2>/dev/null | sed 's/^/#   |/'
	return 1
}
