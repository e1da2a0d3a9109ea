#!/bin/bash
# tests/pkg/completion.sh - the shell completions as a user meets them: Tab typed
# into bash (with and without bash-completion) and zsh in tmux, the screen read back.
. "$(dirname "$0")/../lib.sh"
tmux_need

COMP=$top_srcdir/share/completions
W=$T_TMP/work
B=$T_TMP/bin
mkdir -p "$W/sub dir" "$B"
: >"$W/alpha.conf"; : >"$W/beta.conf"; : >"$W/notes.txt"
ln -s "$NODETOP" "$B/nodetop"
ln -s "$NODETOP_SIM" "$B/nodetop-sim"
ENV=(env -i HOME="$T_TMP" PATH="$B:/usr/bin:/bin" TERM=screen LANG=C.UTF-8)

# ---------------------------------------------------------------- lists in step with --help
# bash reads the options from --help; zsh's are written out, so every option
# --help names must be in _nodetop (a new option without completion fails here).
for prog in nodetop nodetop-sim; do
	missing=
	for o in $("$B/$prog" --help 2>&1 | grep -oE -- '(^|[^-A-Za-z0-9])--[a-z][-a-z]*' | grep -oE -- '--[a-z][-a-z]*' | sort -u); do
		grep -qE -- "(^|[^-a-z])$o([]=[+,}']|$)" "$COMP/_nodetop" || missing="$missing $o"
	done
	t_eq "zsh: _nodetop completes every option $prog --help names" "" "$missing"
done
t_check "zsh: _nodetop parses (zsh -n)" zsh -n "$COMP/_nodetop"
t_check "bash: share/completions/nodetop parses (bash -n)" bash -n "$COMP/nodetop"

# ---------------------------------------------------------------- driving a shell
# fresh_line: an empty screen with the prompt only, so each case reads only its own output.
fresh_line() {
	tmux_keys C-c
	tmux_keys -l 'clear'
	tmux_keys Enter
	one_line() { [ "$(tmux_screen | grep -c .)" -eq 1 ]; }
	wait_until 60000 one_line
}
# tab DESC TEXT KEYS REGEX: types TEXT, presses KEYS (Tab, or Tab Tab for a list)
# and waits for REGEX on the screen. A "Z" typed after the keys shows where the
# cursor is (a completed word ends with a space: "--interval Z"; zsh would take
# back its space before a "|").
tab() {
	fresh_line
	tmux_keys -l "$2"
	tmux_keys $3
	tmux_keys -l 'Z'
	if tmux_wait "$4" ${TAB_WAIT:-60} >"$T_TMP/wait.out"; then t_ok "$1"; else t_fail "$1"; cat "$T_TMP/wait.out"; fi
}
# notab DESC REGEX: the last case's screen does not show REGEX.
notab() { t_nomatch "$1" "$2" "$(tmux_screen)"; }

bash_cases() {
	local how=$1
	tab "bash ($how): --inter completes to --interval" 'nodetop --inter' Tab '^\$ nodetop --interval Z$'
	tab "bash ($how): -c lists the .conf files and directories" 'nodetop -c ' 'Tab Tab' 'alpha\.conf +beta\.conf +sub dir/'
	notab "bash ($how): -c leaves out files that are not .conf" 'notes\.txt'
	tab "bash ($how): --config=al completes the file name" 'nodetop --config=al' Tab '^\$ nodetop --config=alpha\.conf Z$'
	tab "bash ($how): --sim lists every file" 'nodetop --sim ' 'Tab Tab' 'notes\.txt'
	tab "bash ($how): --interval offers durations (config key interval)" 'nodetop --interval ' 'Tab Tab' '^10s +15s +1m +1s +2s +30s +500ms +5m +5s *$'
	tab "bash ($how): --health-interval 1 offers 10s 15s 1m" 'nodetop --health-interval 1' 'Tab Tab' '^10s +15s +1m *$'
	tab "bash ($how): a URL is offered where a node is asked" 'nodetop --once https' Tab '^\$ nodetop --once https://Z$'
	tab "bash ($how): nodetop-sim --scenario db-o completes db-outage" 'nodetop-sim --scenario db-o' Tab '^\$ nodetop-sim --scenario db-outage Z$'
	tab "bash ($how): nodetop-sim --scenarios completes the last item of a list" 'nodetop-sim --scenarios healthy,rpc-o' Tab '^\$ nodetop-sim --scenarios healthy,rpc-outageZ$'
}

# start_shell PROMPT CMD...: the shell in a tmux server of its own (a new socket
# each time: a killed server may still hold the last one), CMD typed into it
# once the shell shows its first prompt (keys typed before the shell reads its
# terminal are echoed and read in a muddle); waits for PROMPT.
N_SHELL=0
start_shell() {
	local prompt=$1; shift
	N_SHELL=$((N_SHELL + 1))
	tmux_start 120 30 "${ENV[@]}" "${SHELL_CMD[@]}" &&
	tmux_wait '[#$%>]$' 60 >/dev/null &&
	tmux_keys -l "$*" && tmux_keys Enter &&
	tmux_wait "^${prompt% }\$" 60 && return 0
	t_fail "the shell did not start ($*)"
	t_done
}
stop_shell() { tmux_stop; }

# bash without bash-completion: the file alone.
SHELL_CMD=(bash --norc --noprofile)
start_shell '\$ ' "cd '$W'; PS1='\$ '; . '$COMP/nodetop'"
bash_cases "file alone"
stop_shell

# bash with bash-completion, as on a Debian machine with it installed.
BC=/usr/share/bash-completion/bash_completion
if [ -f "$BC" ]; then
	start_shell '\$ ' "cd '$W'; . '$BC'; PS1='\$ '; . '$COMP/nodetop'"
	bash_cases "with bash-completion"
	stop_shell
else
	echo "# $BC is not installed: bash was tried without bash-completion only"
fi

# zsh with compinit and the directory of _nodetop on its fpath.
if command -v zsh >/dev/null; then
	SHELL_CMD=(zsh -f)
	start_shell '% ' "cd '$W'; fpath=('$COMP' \$fpath); autoload -Uz compinit; compinit -u -d '$T_TMP/zcompdump'; PS1='%% '"
	tab "zsh: --inter completes to --interval=" 'nodetop --inter' Tab '^% nodetop --interval=Z$'
	tab "zsh: --interval= offers durations" 'nodetop --interval=' Tab '^10s +15s +1m +1s +2s +30s +500ms +5m +5s *$'
	tab "zsh: -c lists the .conf files and directories" 'nodetop -c ' Tab 'alpha\.conf +beta\.conf +sub\\ dir/'
	notab "zsh: -c leaves out files that are not .conf" 'notes\.txt'
	tab "zsh: --no-m completes to --no-mouse" 'nodetop --no-m' Tab '^% nodetop --no-mouse Z$'
	tab "zsh: nodetop-sim --scenario= db-o completes db-outage" 'nodetop-sim --scenario=db-o' Tab '^% nodetop-sim --scenario=db-outage Z$'
	stop_shell
else
	t_fail "zsh is not installed: apt-get install zsh (the zsh completion is tested in it)"
fi

t_done
