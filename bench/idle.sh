#!/bin/bash
# bench/idle.sh - benchmark 4: the idle dashboard. nodetop on 2 simulated
# nodes at a 5 s interval, open in a 132x40 tmux pane for 5 minutes, under
# bench/pty-count.py, which counts the bytes written to the terminal and the
# CPU after a warm-up; htop runs the same way, at the same time, for reference.
# Usage: bench/idle.sh [BUILDDIR [SRCDIR]]   (BENCH_QUICK=1: 30 s;
#        BENCH_IDLE_SECONDS=N overrides the duration)

BUILDDIR=${1:-${BUILDDIR:-}} SRCDIR=${2:-${SRCDIR:-}}
. "$(dirname "$0")/lib.sh"

SECONDS_RUN=${BENCH_IDLE_SECONDS:-$(b_quick 300 30)}
WARM=$(b_quick 30 5)
COLS=132 ROWS=40
[ -x "$NODETOP" ] || b_die "$NODETOP is not built"
command -v tmux >/dev/null || b_die "tmux missing"
command -v htop >/dev/null || b_die "htop missing (apt-get install htop)"

b_sim_start 2 100000
mkdir -p "$B_TMP/home"
printf 'set -g status off\nset -g default-terminal tmux-256color\n' >"$B_TMP/tmux.conf"
SOCK=nodetop-bench-$$
b_tmux_cleanup() { tmux -L "$SOCK" kill-server 2>/dev/null; b_cleanup; }
trap b_tmux_cleanup EXIT

# in_tmux NAME OUTFILE CMD...: CMD under pty-count.py in its own 132x40 tmux
# window, with a scratch HOME so that no user configuration is read or written.
in_tmux() {
	local name=$1 out=$2
	shift 2
	local cmd="env HOME=$B_TMP/home XDG_CONFIG_HOME=$B_TMP/home/.config XDG_STATE_HOME=$B_TMP/home/.state"
	cmd="$cmd $PY $SRCDIR/bench/pty-count.py --cols $COLS --rows $ROWS --seconds $SECONDS_RUN"
	cmd="$cmd --warmup $WARM --relay --out $out -- $*"
	if tmux -L "$SOCK" has-session 2>/dev/null; then
		tmux -L "$SOCK" new-window -d -n "$name" "$cmd"
	else
		tmux -L "$SOCK" -f "$B_TMP/tmux.conf" new-session -d -s bench -n "$name" -x "$COLS" -y "$ROWS" "$cmd"
	fi
}

NT_ARGS="--interval 5s $(b_urls | xargs)"
b_log "nodetop and htop -d 50 in tmux ${COLS}x$ROWS for $SECONDS_RUN s (warm-up $WARM s)"
in_tmux nodetop "$B_TMP/nodetop.fig" "$NODETOP" $NT_ARGS
in_tmux htop "$B_TMP/htop.fig" htop -d 50
sleep "$((SECONDS_RUN - 2))"
SCREEN=$(tmux -L "$SOCK" capture-pane -p -t bench:nodetop 2>/dev/null)
for i in $(seq 1 150); do
	[ -s "$B_TMP/nodetop.fig" ] && [ -s "$B_TMP/htop.fig" ] && break
	sleep 0.2
done
[ -s "$B_TMP/nodetop.fig" ] || b_die "no figures from pty-count.py for nodetop"

fig() { sed -n "s/^$2=//p" "$B_TMP/$1.fig"; }
bps() { b_fmt %.1f "$(fig "$1" bytes_steady) / $(fig "$1" seconds_steady)"; }
cpu_pct() { b_fmt %.3f "100 * $(fig "$1" cpu_steady_s) / $(fig "$1" seconds_steady)"; }
row() {
	echo "| $1 | $(fig "$2" seconds_steady) | $(fig "$2" cpu_steady_s) | $(cpu_pct "$2") | $(bps "$2") | $(fig "$2" peak_steady_bps) | $(fig "$2" bytes_total) | $(b_fmt %.1f "$(fig "$2" hwm_kb) / 1024") |"
}
lines=$(printf '%s\n' "$SCREEN" | grep -c '[^[:space:]]')

echo "## 4. Idle dashboard"
echo
echo "2 simulated nodes, \`interval 5s\`; each program on its own ${COLS}x$ROWS pseudo-terminal"
echo "(\`bench/pty-count.py\`, relayed into a ${COLS}x$ROWS tmux window, TERM=tmux-256color) for"
echo "$SECONDS_RUN s; figures are for the steady state after a $WARM s warm-up (CPU = utime+stime"
echo "from /proc). htop ran at the same time with \`-d 50\` (a 5 s refresh, like nodetop's interval)."
echo
echo "| program | steady s | CPU s | CPU % of one core | bytes/s to the terminal | peak bytes in one second | bytes total (incl. first paint) | peak RSS MB |"
echo "|---|---|---|---|---|---|---|---|"
row "nodetop $NT_ARGS" nodetop | sed 's|http://127.0.0.1:[0-9]*|URL|g'
[ -s "$B_TMP/htop.fig" ] && row "htop -d 50" htop
echo
ratio_cpu=$(b_fmt %.2f "$(fig htop cpu_steady_s) > 0 ? $(fig nodetop cpu_steady_s) / $(fig htop cpu_steady_s) : 0")
ratio_bps=$(b_fmt %.2f "$(bps htop) > 0 ? $(bps nodetop) / $(bps htop) : 0")
echo "nodetop/htop: CPU **$ratio_cpu**, bytes/s **$ratio_bps**. The nodetop pane had $lines non-blank"
echo "lines near the end of the run$([ "$(fig nodetop exited_early)" = 1 ] && echo "; **nodetop exited early**")."
echo
b_verdict "$(b_calc "$(cpu_pct nodetop) <= 0.2")" "idle: nodetop CPU <= 0.2% of one core: $(cpu_pct nodetop)%"
b_verdict "$(b_calc "$(bps nodetop) <= 1000")" "idle: nodetop writes <= 1 KB/s to the terminal: $(bps nodetop) B/s"
b_verdict "$([ "$(fig nodetop exited_early)" = 0 ] && [ "$lines" -gt 3 ] && echo 1 || echo 0)" \
	"idle: the dashboard ran for the whole time and drew a screen ($lines non-blank lines)"
echo
echo "Commands: \`nodetop-sim --base-port 0 --nodes 2 --scenarios healthy --metrics-size 100000 --port-file F\`;"
echo "in \`tmux new-session -x $COLS -y $ROWS\`: \`pty-count.py --cols $COLS --rows $ROWS --seconds $SECONDS_RUN --warmup $WARM --relay -- nodetop --interval 5s URL URL\`"
echo "and the same with \`htop -d 50\`."
