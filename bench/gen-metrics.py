#!/usr/bin/env python3
# gen-metrics.py - writes a realistic Chainlink-node /metrics body (Prometheus
# text format 0.0.4) of about SIZE_BYTES, for the parser benchmark and tests.
"""Usage: gen-metrics.py SIZE_BYTES [SEED] > file

The vocabulary follows /work/shared/ENDPOINTS.md: database gauges, multi-node
states, per-RPC-node series, head tracker, health, version, tx manager, logs,
Go runtime and process series, and per-job pipeline series (many jobs is what
makes real bodies hundreds of KB). Families are contiguous, each with HELP and
TYPE; a histogram, a summary, escaped job names, NaN and +Inf are included.
Output is deterministic for a given SIZE and SEED."""

import random
import sys

STATES = ["Undialed", "Dialed", "InvalidChainID", "Alive", "Unreachable", "OutOfSync",
          "Unusable", "Closed", "Syncing", "FinalizedBlockOutOfSync",
          "FinalizedStateNotAvailable"]
CHAINS = [("EVM", "1"), ("EVM", "137"), ("EVM", "42161"), ("EVM", "10"), ("EVM", "8453")]
HEALTH = ["EVM.1.HeadTracker", "EVM.1.HeadBroadcaster", "EVM.1.Txm", "EVM.1.Txm.Broadcaster",
          "EVM.1.Txm.Confirmer", "EVM.1.LogBroadcaster", "EVM.137.HeadTracker",
          "EVM.137.Txm", "JobSpawner", "Mailbox.Monitor", "Mercury.WSRPCPool",
          "PipelineORM", "PipelineRunner", "PromReporter", "TelemetryManager",
          "WorkflowDBStore"]
TASK_TYPES = ["http", "jsonparse", "multiply", "ethabiencode", "ethtx", "bridge",
              "median", "ethcall", "ethabidecode", "any"]
JOB_KINDS = ["OCR2 ETH/USD", "OCR2 BTC/USD", "Keeper registry", "VRF v2", "Direct request",
             "Flux monitor LINK/ETH", "Webhook", "Cron \"daily\" settle",
             "Bridge C:\\adapters\\coingecko", "Mercury feed"]
LE_SQL = ["10", "20", "30", "40", "50", "60", "70", "80", "90", "100", "+Inf"]
LE_HTTP = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10",
           "+Inf"]


def esc(v):
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")


def labels(kv):
    if not kv:
        return ""
    return "{" + ",".join('%s="%s"' % (k, esc(str(v))) for k, v in kv.items()) + "}"


def num(x):
    if isinstance(x, float):
        if x != x:
            return "NaN"
        if x == float("inf"):
            return "+Inf"
        return repr(x)
    return str(x)


class Out:
    def __init__(self):
        self.parts = []

    def family(self, name, typ, help_text):
        self.parts.append("# HELP %s %s\n# TYPE %s %s\n" % (
            name, help_text.replace("\\", "\\\\").replace("\n", "\\n"), name, typ))

    def sample(self, metric, value, /, **kv):
        self.parts.append("%s%s %s\n" % (metric, labels(kv), num(value)))

    def text(self):
        return "".join(self.parts)


def go_runtime(o, r):
    o.family("go_gc_duration_seconds", "summary",
             "A summary of the pause duration of garbage collection cycles.")
    for q, v in [("0", 2.3e-05), ("0.25", 4.1e-05), ("0.5", 6.2e-05), ("0.75", 9.9e-05),
                 ("1", 0.004712)]:
        o.sample("go_gc_duration_seconds", v, quantile=q)
    o.sample("go_gc_duration_seconds_sum", 1.287364411)
    o.sample("go_gc_duration_seconds_count", 18342)
    o.family("go_goroutines", "gauge", "Number of goroutines that currently exist.")
    o.sample("go_goroutines", r.randint(900, 4000))
    o.family("go_info", "gauge", "Information about the Go environment.")
    o.sample("go_info", 1, version="go1.22.5")
    for name, typ, help_text, v in [
            ("go_memstats_alloc_bytes", "gauge", "Number of bytes allocated and still in use.",
             r.randint(10**8, 10**9)),
            ("go_memstats_alloc_bytes_total", "counter", "Total number of bytes allocated, even if freed.",
             1.3873626608e+11),
            ("go_memstats_buck_hash_sys_bytes", "gauge", "Number of bytes used by the profiling bucket hash table.",
             2345678),
            ("go_memstats_frees_total", "counter", "Total number of frees.", 1.812345678e+09),
            ("go_memstats_gc_sys_bytes", "gauge", "Number of bytes used for garbage collection system metadata.",
             1.6472e+07),
            ("go_memstats_heap_alloc_bytes", "gauge", "Number of heap bytes allocated and still in use.",
             r.randint(10**8, 10**9)),
            ("go_memstats_heap_idle_bytes", "gauge", "Number of heap bytes waiting to be used.",
             2.1471232e+08),
            ("go_memstats_heap_inuse_bytes", "gauge", "Number of heap bytes that are in use.",
             3.01989888e+08),
            ("go_memstats_heap_objects", "gauge", "Number of allocated objects.", 1893222),
            ("go_memstats_heap_released_bytes", "gauge", "Number of heap bytes released to OS.",
             1.2345344e+08),
            ("go_memstats_heap_sys_bytes", "gauge", "Number of heap bytes obtained from system.",
             5.16702208e+08),
            ("go_memstats_last_gc_time_seconds", "gauge", "Number of seconds since 1970 of last garbage collection.",
             1.7212345678901234e+09),
            ("go_memstats_lookups_total", "counter", "Total number of pointer lookups.", 0),
            ("go_memstats_mallocs_total", "counter", "Total number of mallocs.", 1.814567891e+09),
            ("go_memstats_next_gc_bytes", "gauge", "Number of heap bytes when next garbage collection will take place.",
             4.28867e+08),
            ("go_memstats_stack_inuse_bytes", "gauge", "Number of bytes in use by the stack allocator.",
             1.6318464e+07),
            ("go_memstats_sys_bytes", "gauge", "Number of bytes obtained from system.", 5.83611448e+08),
            ("go_threads", "gauge", "Number of OS threads created.", 42)]:
        o.family(name, typ, help_text)
        o.sample(name, v)


def process(o, r):
    for name, typ, help_text, v in [
            ("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.",
             round(r.uniform(1e3, 1e5), 2)),
            ("process_max_fds", "gauge", "Maximum number of open file descriptors.", 1048576),
            ("process_open_fds", "gauge", "Number of open file descriptors.", r.randint(100, 900)),
            ("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
             r.randint(3 * 10**8, 2 * 10**9)),
            ("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.",
             1.72098765432e+09),
            ("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", 5.234491392e+09),
            ("process_virtual_memory_max_bytes", "gauge", "Maximum amount of virtual memory available in bytes.",
             1.8446744073709552e+19)]:
        o.family(name, typ, help_text)
        o.sample(name, v)


def node(o, r, n_rpc):
    for name, v in [("db_conns_max", 20), ("db_conns_open", r.randint(5, 20)),
                    ("db_conns_used", r.randint(0, 20)), ("db_wait_count", r.randint(0, 10**5)),
                    ("db_wait_time_seconds", round(r.uniform(0, 1e4), 6))]:
        o.family(name, "gauge", "Database connection pool statistic " + name[3:] + ".")
        o.sample(name, v)
    o.family("sql_query_timeout_percent", "histogram",
             "SQL query time as a percentage of the configured timeout.")
    acc = 0
    for le in LE_SQL:
        acc += r.randint(0, 5000) if le != "+Inf" else r.randint(0, 3)
        o.sample("sql_query_timeout_percent_bucket", acc, le=le)
    o.sample("sql_query_timeout_percent_sum", round(acc * 3.7, 3))
    o.sample("sql_query_timeout_percent_count", acc)

    o.family("multi_node_states", "gauge", "The number of RPC nodes currently in the given state for the given chain")
    for net, cid in CHAINS:
        for st in STATES:
            o.sample("multi_node_states", n_rpc if st == "Alive" else 0,
                     network=net, chainId=cid, state=st)
    rpcs = [(net, cid, "%s-%s-rpc-%d" % (net.lower(), cid, i))
            for net, cid in CHAINS for i in range(n_rpc)]
    heads = {cid: r.randint(10**6, 6 * 10**7) for _, cid in CHAINS}
    for name, typ, help_text in [
            ("pool_rpc_node_highest_seen_block", "gauge", "The highest seen block for the given RPC node"),
            ("pool_rpc_node_highest_finalized_block", "gauge", "The highest seen finalized block for the given RPC node"),
            ("pool_rpc_node_polls_total", "counter", "The total number of poll checks for the given RPC node"),
            ("pool_rpc_node_polls_failed", "counter", "The total number of failed poll checks for the given RPC node"),
            ("pool_rpc_node_polls_success", "counter", "The total number of successful poll checks for the given RPC node"),
            ("pool_rpc_node_num_transitions_to_alive", "counter", "Total number of times node has transitioned to Alive"),
            ("pool_rpc_node_num_transitions_to_out_of_sync", "counter", "Total number of times node has transitioned to OutOfSync"),
            ("pool_rpc_node_num_transitions_to_unreachable", "counter", "Total number of times node has transitioned to Unreachable"),
            ("pool_rpc_node_num_transitions_to_invalid_chain_id", "counter", "Total number of times node has transitioned to InvalidChainID")]:
        o.family(name, typ, help_text)
        for net, cid, nn in rpcs:
            if "block" in name:
                v = heads[cid] - r.randint(0, 64 if "finalized" in name else 2)
            elif "polls" in name:
                v = r.randint(0, 10**6)
            else:
                v = r.randint(0, 40)
            o.sample(name, v, network=net, chainID=cid, nodeName=nn)
    o.family("pool_rpc_node_client_version", "gauge", "Client version reported by the RPC node")
    for net, cid, nn in rpcs:
        o.sample("pool_rpc_node_client_version", 1, network=net, chainID=cid, nodeName=nn,
                 rpcClientVersion=r.choice(["Geth/v1.14.7-stable-aa55f5ea/linux-amd64/go1.22.5",
                                            "erigon/2.60.4/linux-amd64/go1.21.5",
                                            "Nethermind/v1.27.0+220b5b85/linux-x64/dotnet8.0.6"]))

    o.family("head_tracker_current_head", "gauge", "The highest seen head number")
    for _, cid in CHAINS:
        o.sample("head_tracker_current_head", heads[cid], evmChainID=cid)
    o.family("head_tracker_very_old_head", "gauge", "Counter is incremented every time we get a head that is much lower than the highest seen head")
    for _, cid in CHAINS:
        o.sample("head_tracker_very_old_head", 0, evmChainID=cid)
    for name, help_text in [("head_tracker_heads_received", "The total number of heads seen"),
                            ("head_tracker_connection_errors", "The total number of node connection errors")]:
        o.family(name, "counter", help_text)
        for _, cid in CHAINS:
            o.sample(name, r.randint(0, 10**7), ChainID=cid)

    o.family("health", "gauge", "Health of the service (1 = healthy, 0 = unhealthy)")
    for sid in HEALTH:
        o.sample("health", 0 if r.random() < 0.1 else 1, service_id=sid)
    o.family("uptime_seconds", "counter", "Uptime of the application measured in seconds")
    o.sample("uptime_seconds", r.randint(1, 10**7 // 15) * 15)
    o.family("version", "gauge", "Application version information")
    o.sample("version", 1, version="2.14.0", commit="0ec0b0c8d8e8a1b2c3d4e5f60718293a4b5c6d7e")

    for name, typ, help_text in [
            ("tx_manager_num_broadcasted", "counter", "The number of transactions broadcasted"),
            ("tx_manager_num_confirmed_transactions", "counter", "The number of transactions confirmed"),
            ("tx_manager_num_gas_bumps", "counter", "The number of gas bumps"),
            ("unconfirmed_transactions", "gauge", "Number of unconfirmed transactions"),
            ("max_unconfirmed_tx_age", "gauge", "The length of time the oldest unconfirmed tx has been in that state"),
            ("max_unconfirmed_blocks", "gauge", "The max number of blocks any currently unconfirmed tx has been unconfirmed for")]:
        o.family(name, typ, help_text)
        for _, cid in CHAINS:
            o.sample(name, r.randint(0, 10**5), evmChainID=cid)
    o.family("tx_manager_time_until_tx_confirmed", "histogram", "The amount of time elapsed from a transaction being broadcast to being included in a block.")
    for _, cid in CHAINS:
        acc = 0
        for le in LE_HTTP:
            acc += r.randint(0, 900)
            o.sample("tx_manager_time_until_tx_confirmed_bucket", acc, evmChainID=cid, le=le)
        o.sample("tx_manager_time_until_tx_confirmed_sum", round(acc * 1.93, 6), evmChainID=cid)
        o.sample("tx_manager_time_until_tx_confirmed_count", acc, evmChainID=cid)
    o.family("eth_balance", "gauge", "Each Ethereum account's balance")
    for _, cid in CHAINS:
        for i in range(3):
            o.sample("eth_balance", round(r.uniform(0, 50), 18),
                     account="0x%040x" % r.getrandbits(160), evmChainID=cid)

    for lvl in ["error", "critical", "warn", "panic"]:
        name = "log_%s_count" % lvl
        o.family(name, "counter", "Number of %s level logs" % lvl)
        o.sample(name, r.randint(0, 10**5) if lvl != "panic" else 0)
    o.family("pipeline_runs_queued", "gauge", "The total number of pipeline runs that are awaiting execution")
    o.sample("pipeline_runs_queued", r.randint(0, 20))
    o.family("pipeline_task_runs_queued", "gauge", "The total number of pipeline tasks that are awaiting execution")
    o.sample("pipeline_task_runs_queued", r.randint(0, 200))
    o.family("mailbox_load_percent", "gauge", "Percent of mailbox capacity used")
    for i in range(8):
        o.sample("mailbox_load_percent", round(r.uniform(0, 100), 2) if i else float("nan"),
                 appID="app-%d" % i, name="Monitor.%d" % i, capacity="%d" % (100 * (i + 1)))
    o.family("promhttp_metric_handler_requests_total", "counter", "Total number of scrapes by HTTP status code.")
    for code in ["200", "500", "503"]:
        o.sample("promhttp_metric_handler_requests_total", r.randint(0, 10**5), code=code)


def jobs(o, r, n_jobs):
    js = []
    for i in range(n_jobs):
        kind = JOB_KINDS[i % len(JOB_KINDS)]
        tasks = r.sample(TASK_TYPES, r.randint(3, 7))
        js.append((str(1000 + i), "%s #%d" % (kind, i), tasks))
    o.family("pipeline_run_errors", "counter", "Number of errors for each pipeline spec")
    for jid, jn, _ in js:
        o.sample("pipeline_run_errors", r.randint(0, 50), job_id=jid, job_name=jn)
    o.family("pipeline_run_total_time_to_completion", "gauge", "How long each pipeline run took to finish (from the moment it was created)")
    for jid, jn, _ in js:
        o.sample("pipeline_run_total_time_to_completion", r.randint(10**6, 10**10), job_id=jid, job_name=jn)
    o.family("pipeline_tasks_total_finished", "counter", "The total number of pipeline tasks which have finished")
    for jid, jn, tasks in js:
        for t in tasks:
            for st in ("completed", "error"):
                o.sample("pipeline_tasks_total_finished", r.randint(0, 10**6), job_id=jid, job_name=jn,
                         status=st, task_type=t)
    o.family("pipeline_task_execution_time", "gauge", "How long each pipeline task took to execute")
    for jid, jn, tasks in js:
        for t in tasks:
            o.sample("pipeline_task_execution_time", r.randint(10**5, 10**9), job_id=jid, job_name=jn,
                     task_type=t)
    o.family("pipeline_task_http_response_time", "histogram", "Time taken to fully execute the HTTP request")
    for jid, jn, tasks in js:
        if "http" not in tasks:
            continue
        acc = 0
        for le in LE_HTTP:
            acc += r.randint(0, 2000)
            o.sample("pipeline_task_http_response_time_bucket", acc, job_id=jid, job_name=jn, le=le)
        o.sample("pipeline_task_http_response_time_sum", round(acc * 0.21, 6), job_id=jid, job_name=jn)
        o.sample("pipeline_task_http_response_time_count", acc, job_id=jid, job_name=jn)
    o.family("bridge_latency_seconds", "gauge", "Latency of the last bridge call (NaN when never called, +Inf on timeout)")
    for jid, jn, tasks in js:
        if "bridge" in tasks:
            x = r.random()
            v = float("nan") if x < 0.1 else float("inf") if x < 0.15 else round(r.uniform(0.01, 3), 6)
            o.sample("bridge_latency_seconds", v, job_id=jid, job_name=jn)


def generate(n_jobs, n_rpc, seed):
    r = random.Random(seed)
    o = Out()
    go_runtime(o, r)
    process(o, r)
    node(o, r, n_rpc)
    jobs(o, r, n_jobs)
    return o.text()


def main():
    if len(sys.argv) < 2 or not sys.argv[1].isdigit():
        sys.stderr.write(__doc__)
        return 2
    size = int(sys.argv[1])
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    n_rpc = 3
    base = len(generate(0, n_rpc, seed))
    per = (len(generate(100, n_rpc, seed)) - base) / 100.0
    n_jobs = max(1, int(round((size - base) / per)))
    text = generate(n_jobs, n_rpc, seed)
    # The per-job estimate is good to a few percent; settle on the closest count.
    for _ in range(4):
        err = size - len(text)
        step = int(round(err / per))
        if step == 0 or n_jobs + step < 1:
            break
        n_jobs += step
        text = generate(n_jobs, n_rpc, seed)
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
