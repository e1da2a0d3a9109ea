# tests/integ/anvil_lib.sh - real Ethereum nodes for the RPC tests: anvil (npm package
# @foundry-rs/anvil-linux-amd64 in tests/.peers) on loopback, and JSON-RPC calls to steer it.
# Sourced after tests/lib.sh.

PEERS=$top_srcdir/tests/.peers
ANVIL=${ANVIL:-$PEERS/node_modules/.bin/anvil}

# anvil_need: installs anvil with npm when it is missing; SKIP without npm.
anvil_need() {
	[ -x "$ANVIL" ] && return 0
	if command -v npm >/dev/null 2>&1; then
		echo "# installing anvil: npm install --prefix tests/.peers @foundry-rs/anvil-linux-amd64"
		if ! npm install --prefix "$PEERS" @foundry-rs/anvil-linux-amd64 >"$T_TMP/npm.log" 2>&1 || [ ! -x "$ANVIL" ]; then
			t_fail "anvil installs with npm"; sed 's/^/#   /' "$T_TMP/npm.log" | tail -20; t_done
		fi
	else
		t_fail "anvil is installed, or npm to install it (apt-get install npm)"; t_done
	fi
}

# anvil_start NAME CHAIN_ID: anvil on a port it picks (--port 0), 1 block a second.
# Sets PORT_<NAME> and PID_<NAME>.
anvil_start() {
	local name=$1 chain=$2 log=$T_TMP/anvil-$1.log port="" i
	"$ANVIL" --host 127.0.0.1 --port 0 --chain-id "$chain" --block-time 1 --accounts 1 >"$log" 2>&1 &
	local pid=$!
	t_track "$pid"
	for i in $(seq 1 1200); do
		port=$(sed -n 's/^Listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -1)
		[ -n "$port" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if [ -z "$port" ]; then
		echo "# anvil $name did not start:"; sed 's/^/#   /' "$log" | tail -20
		return 1
	fi
	printf -v "PORT_$name" '%s' "$port"
	printf -v "PID_$name" '%s' "$pid"
}

# rpc PORT METHOD PARAMS: one JSON-RPC call to an anvil (the test steering it).
rpc() {
	curl -s -m 10 -H 'Content-Type: application/json' \
		-d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$2\",\"params\":$3}" "http://127.0.0.1:$1"
}
# head_of PORT: the anvil's block number.
head_of() { python3 -c 'import json,sys; print(int(json.load(sys.stdin)["result"],16))' < <(rpc "$1" eth_blockNumber '[]'); }
# anvil_pause PORT: no more blocks (interval mining and automine off).
anvil_pause() { rpc "$1" evm_setIntervalMining '[0]' >/dev/null; rpc "$1" evm_setAutomine '[false]' >/dev/null; }
# anvil_mine PORT N: N blocks at once.
anvil_mine() { rpc "$1" anvil_mine "[\"0x$(printf %x "$2")\"]" >/dev/null; }
