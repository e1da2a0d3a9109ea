#!/bin/bash
# tests/integ/discovery.sh - plugin (LOOPP) nodes: nodetop reads /discovery and
# scrapes each chain at its plugin path; --once reports every chain of every node.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

sim_start --nodes 2 --plugin --chains 3 || { t_fail "plugin simulator starts"; t_done; }
jget() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(eval(sys.argv[1]))' "$2" <<<"$1"; }

# The chain metrics are only at /plugins/evm.N/metrics: three chains up on each
# node means the discovery list was read and every plugin path scraped. Several
# runs, because the result that ends --once (and stops the poller inside its
# callback) is then often a plugin scrape: a sanitizer build catches any use of
# the freed plugin list.
for run in 1 2 3; do
	OUT=$("$NODETOP" --once --json --timeout 5s "$(sim_url 0)" "$(sim_url 1)" 2>"$T_TMP/err"); RC=$?
	t_eq "run $run: --once on two plugin nodes exits 0 (OK)" 0 "$RC"
	t_eq "run $run: stderr is empty" "" "$(cat "$T_TMP/err")"
	t_eq "run $run: chains per node, from the plugin paths" "[3, 3]" \
		"$(jget "$OUT" '[len(n["rpc"]["chains"]) for n in d["nodes"]]')"
	t_eq "run $run: every chain up" "True" \
		"$(jget "$OUT" 'all(c["state"] == "up" for n in d["nodes"] for c in n["rpc"]["chains"])')"
	t_eq "run $run: no plugin error" "[None, None]" "$(jget "$OUT" '[n["plugin_error"] for n in d["nodes"]]')"
done
t_done
