#!/bin/bash
# tests/tui/signals.sh - the dashboard against SIGPIPE, a stdin at EOF and a
# closed stdout: no crash, no hang, and the terminal's modes as they were.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
tmux_need

sim_start --nodes 1 --scenarios healthy || { t_fail "simulator starts"; t_done; }
U=$(sim_url 0)

# run_case NAME REDIRECTION: nodetop in tmux through a shell that saves stty -a
# before and after, and the exit status.
run_case() {
	local name=$1 redir=$2 d="$T_TMP/$1"
	mkdir -p "$d"
	tmux_start 100 30 sh -c "stty -a >'$d/before'; LC_ALL=C.UTF-8 '$NODETOP' --interval 1s '$U' $redir 2>'$d/err'; echo \$? >'$d/rc'; stty -a >'$d/after'; echo CASE-DONE; exec sleep 600" ||
		t_fail "$name: tmux starts a session"
}

# SIGPIPE is ignored by the dashboard: it keeps running and drawing.
run_case sigpipe ""
tmux_wait 'Nodes' >/dev/null
NPID=$(tmux_child nodetop)
if [ -n "$NPID" ] && kill -PIPE "$NPID"; then
	t_check "SIGPIPE: the dashboard keeps drawing (its clock moves on twice)" tmux_ticks 2
	t_check "SIGPIPE: nodetop is still running" kill -0 "$NPID"
else
	t_fail "SIGPIPE: nodetop's pid (the pane's child) to send the signal to"
fi
t_match "SIGPIPE: the dashboard still shows the node" 'Nodes' "$(tmux_screen)"
tmux_keys q
t_check "SIGPIPE: q still quits" wait_file "$T_TMP/sigpipe/rc"
t_file_eq "SIGPIPE: exit 0" 0 "$T_TMP/sigpipe/rc"
wait_file "$T_TMP/sigpipe/after"
t_same "SIGPIPE: stty -a as before" "$T_TMP/sigpipe/before" "$T_TMP/sigpipe/after"

# stdin at EOF (the terminal gone, or </dev/null): nodetop ends instead of spinning.
run_case stdin-eof "</dev/null"
t_check "stdin at EOF: nodetop ends by itself" wait_file "$T_TMP/stdin-eof/rc"
wait_file "$T_TMP/stdin-eof/after"
t_same "stdin at EOF: stty -a as before" "$T_TMP/stdin-eof/before" "$T_TMP/stdin-eof/after"

# stdout closed: no terminal to draw on; a clear message and a non-zero exit, no hang.
run_case stdout-closed ">&-"
t_check "stdout closed: nodetop ends by itself" wait_file "$T_TMP/stdout-closed/rc"
t_file_eq "stdout closed: exit 1 (an error, not a crash)" 1 "$T_TMP/stdout-closed/rc"
t_match "stdout closed: says the dashboard needs a terminal" 'needs a terminal' "$(cat "$T_TMP/stdout-closed/err" 2>/dev/null)"
wait_file "$T_TMP/stdout-closed/after"
t_same "stdout closed: stty -a as before" "$T_TMP/stdout-closed/before" "$T_TMP/stdout-closed/after"
t_done
