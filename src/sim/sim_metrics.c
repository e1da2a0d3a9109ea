/* sim_metrics.c - nodetop-sim's /metrics: Chainlink's vocabulary in the
 * Prometheus text format, built from the node's evolving state, with the
 * static per-job padding built once and shared by every node. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "xalloc.h"

#define ESC "\x1b"

static const char metrics_version[] = "2.27.2";
static const char metrics_commit[] = "c256437f4683be352374f769453586e52f5ce026";
static const char metrics_legacy_version[] = "2.7.2";
static const char metrics_legacy_commit[] = "9a8d7b1c5e0f4a3b2c6d8e9f0a1b2c3d4e5f6a7b";

static const char *const metrics_states[] = {
	/* sorted, as the Go client writes them */
	"Alive", "Closed", "Dialed", "FinalizedBlockOutOfSync", "FinalizedStateNotAvailable",
	"InvalidChainID", "OutOfSync", "Syncing", "Undialed", "Unreachable", "Unusable",
};
#define METRICS_NSTATES (sizeof(metrics_states) / sizeof(metrics_states[0]))

/* ---------------------------------------------------------------- formatting */
void sim_bprintf(strbuf_t *sb, const char *fmt, ...)
{
	static const char room[512];
	if (sb->cap - sb->len < sizeof(room) + 1) {
		strbuf_append(sb, room, sizeof(room));
		sb->len -= sizeof(room);
		sb->data[sb->len] = '\0';
	}
	va_list ap;
	va_start(ap, fmt);
	size_t avail = sb->cap - sb->len;
	int n = vsnprintf(sb->data + sb->len, avail, fmt, ap);
	va_end(ap);
	if (n < 0) {
		sb->data[sb->len] = '\0';
		return;
	}
	if ((size_t)n < avail) {
		sb->len += (size_t)n;
		return;
	}
	sb->data[sb->len] = '\0';
	va_start(ap, fmt);
	strbuf_vprintf(sb, fmt, ap);
	va_end(ap);
}

int sim_metrics_fmt(char *out, size_t cap, double v)
{
	if (isnan(v))
		return snprintf(out, cap, "NaN");
	if (isinf(v))
		return snprintf(out, cap, v > 0 ? "+Inf" : "-Inf");
	if (v == floor(v) && fabs(v) < 1e15) {
		long long iv = (long long)v;
		if (iv > -1000000 && iv < 1000000)
			return snprintf(out, cap, "%lld", iv);
		char digits[32];
		int nd = snprintf(digits, sizeof(digits), "%lld", iv < 0 ? -iv : iv);
		while (nd > 1 && digits[nd - 1] == '0')
			nd--;
		return snprintf(out, cap, "%.*e", nd - 1, v);
	}
	/* shortest digits that read back as v, then Go's %g layout (exponent < -4 or >= 6: %e) */
	char buf[40];
	int p;
	for (p = 1; p < 17; p++) {
		snprintf(buf, sizeof(buf), "%.*e", p - 1, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	snprintf(buf, sizeof(buf), "%.*e", p - 1, v);
	const char *e = strchr(buf, 'e');
	int exp = e ? atoi(e + 1) : 0;
	if (exp < -4 || exp >= 6)
		return snprintf(out, cap, "%s", buf);
	int dec = p - 1 - exp;
	return snprintf(out, cap, "%.*f", dec > 0 ? dec : 0, v);
}

/* ---------------------------------------------------------------- emitters */
static void metrics_family(strbuf_t *o, const char *name, const char *type, const char *help)
{
	sim_bprintf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void metrics_sample(strbuf_t *o, const char *name, const char *labels, double v)
{
	char num[48];
	sim_metrics_fmt(num, sizeof(num), v);
	if (labels)
		sim_bprintf(o, "%s{%s} %s\n", name, labels, num);
	else
		sim_bprintf(o, "%s %s\n", name, num);
}

static void metrics_gauge(strbuf_t *o, const char *name, const char *help, double v)
{
	metrics_family(o, name, "gauge", help);
	metrics_sample(o, name, NULL, v);
}

static void metrics_counter(strbuf_t *o, const char *name, const char *help, double v)
{
	metrics_family(o, name, "counter", help);
	metrics_sample(o, name, NULL, v);
}

/* ---------------------------------------------------------------- padding */
static const char *const metrics_pairs[] = {
	"ETH/USD", "BTC/USD", "LINK/USD", "LINK/ETH", "USDC/USD", "MATIC/USD", "SOL/USD",
	"ARB/USD", "OP/USD", "AVAX/USD", "DAI/USD", "stETH/ETH", "BNB/USD", "EUR/USD",
};
static const char *const metrics_kinds[] = {
	"OCR2 %s feed #%d", "Flux monitor %s #%d", "Keeper registry %s #%d",
	"VRF v2 %s #%d", "Direct request %s #%d", "Cron \\\"daily\\\" settle %s #%d",
	"Webhook %s #%d", "Bridge C:\\\\adapters\\\\%s #%d",
};
static const struct {
	const char *id, *type, *bridge;
} metrics_tasks[] = {
	{ "answer", "median", "" },
	{ "ds1", "bridge", "coingecko" },
	{ "ds1_parse", "jsonparse", "" },
	{ "ds2", "bridge", "coinmetrics" },
	{ "ds2_parse", "jsonparse", "" },
};
#define METRICS_NTASKS (sizeof(metrics_tasks) / sizeof(metrics_tasks[0]))

static uint64_t metrics_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static void metrics_job_name(char *out, size_t cap, int j)
{
	size_t nk = sizeof(metrics_kinds) / sizeof(metrics_kinds[0]);
	size_t np = sizeof(metrics_pairs) / sizeof(metrics_pairs[0]);
	snprintf(out, cap, metrics_kinds[(size_t)j % nk], metrics_pairs[(size_t)j / nk % np], j + 1);
}

static void metrics_padding(strbuf_t *o, int njobs, uint64_t seed)
{
	char name[96], lab[384];
	metrics_family(o, "pipeline_run_errors", "counter", "Number of errors for each pipeline spec");
	for (int j = 0; j < njobs; j++) {
		metrics_job_name(name, sizeof(name), j);
		snprintf(lab, sizeof(lab), "job_id=\"%d\",job_name=\"%s\"", 100 + j, name);
		metrics_sample(o, "pipeline_run_errors", lab, (double)(metrics_mix(seed ^ (uint64_t)j) % 7));
	}
	metrics_family(o, "pipeline_run_total_time_to_completion", "gauge",
	               "How long each pipeline run took to finish (from the moment it was created)");
	for (int j = 0; j < njobs; j++) {
		metrics_job_name(name, sizeof(name), j);
		snprintf(lab, sizeof(lab), "job_id=\"%d\",job_name=\"%s\"", 100 + j, name);
		metrics_sample(o, "pipeline_run_total_time_to_completion", lab,
		               (double)(20000000 + metrics_mix(seed + (uint64_t)j) % 900000000));
	}
	metrics_gauge(o, "pipeline_runs_queued", "The total number of pipeline runs that are awaiting execution", 0);
	metrics_family(o, "pipeline_task_execution_time", "gauge", "How long each pipeline task took to execute");
	for (int j = 0; j < njobs; j++) {
		metrics_job_name(name, sizeof(name), j);
		for (size_t t = 0; t < METRICS_NTASKS; t++) {
			snprintf(lab, sizeof(lab), "job_id=\"%d\",job_name=\"%s\",task_id=\"%s\",task_type=\"%s\"",
			         100 + j, name, metrics_tasks[t].id, metrics_tasks[t].type);
			metrics_sample(o, "pipeline_task_execution_time", lab,
			               (double)(1000 + metrics_mix(seed * 31 + (uint64_t)j * 8 + t) % 400000000));
		}
	}
	metrics_gauge(o, "pipeline_task_runs_queued", "The total number of pipeline task runs that are awaiting execution", 0);
	metrics_family(o, "pipeline_tasks_total_finished", "counter", "The total number of pipeline tasks which have finished");
	for (int j = 0; j < njobs; j++) {
		metrics_job_name(name, sizeof(name), j);
		uint64_t runs = 1000 + metrics_mix(seed ^ ((uint64_t)j << 20)) % 90000;
		for (size_t t = 0; t < METRICS_NTASKS; t++)
			for (int st = 0; st < 2; st++) {
				snprintf(lab, sizeof(lab),
				         "bridge_name=\"%s\",job_id=\"%d\",job_name=\"%s\",status=\"%s\",task_id=\"%s\",task_type=\"%s\"",
				         metrics_tasks[t].bridge, 100 + j, name, st ? "error" : "completed",
				         metrics_tasks[t].id, metrics_tasks[t].type);
				double v = st ? (double)(metrics_mix(runs + t) % 40) : (double)runs;
				metrics_sample(o, "pipeline_tasks_total_finished", lab, v);
			}
	}
}

/* ---------------------------------------------------------------- values */
static double metrics_noise(const sim_node_t *n, unsigned key, uint64_t now, uint64_t period_ms)
{
	return sim_node_noise(n, key, (now - n->sim->t0_ms) / period_ms);
}

static int metrics_is_rpc_down(sim_scenario_t eff)
{
	return eff == SIM_RPC_OUTAGE || eff == SIM_LEGACY_RPC_OUTAGE;
}

static void metrics_account(const sim_node_t *n, int chain, int k, char *out)
{
	uint64_t a = metrics_mix(n->seed ^ ((uint64_t)chain << 8) ^ (uint64_t)k);
	uint64_t b = metrics_mix(a), c = metrics_mix(b);
	snprintf(out, 43, "0x%016llx%016llx%08llx", (unsigned long long)a, (unsigned long long)b,
	         (unsigned long long)(c >> 32));
}

typedef struct metrics_ctx {
	sim_node_t *n;
	sim_t *sim;
	sim_scenario_t eff;
	uint64_t now;
	int legacy, hostile;
	int c0, c1;                 /* chain range for the chain families */
	int core;                   /* node-process families (db, health, jobs...) */
} metrics_ctx_t;

static void metrics_db(const metrics_ctx_t *m, strbuf_t *o)
{
	const sim_node_t *n = m->n;
	double max = 20, open = 4 + floor(metrics_noise(n, 1, m->now, 10000) * 5);
	double used = floor(metrics_noise(n, 2, m->now, 10000) * 4);
	if (m->eff == SIM_DB_OUTAGE)
		open = used = 0;
	else if (m->eff == SIM_DB_EXHAUSTED)
		open = used = max;
	metrics_gauge(o, "db_conns_max", "Maximum number of open connections to the database.", max);
	metrics_gauge(o, "db_conns_open", "The number of established connections both in use and idle.", open);
	metrics_gauge(o, "db_conns_used", "The number of connections currently in use.",
	              m->hostile ? NAN : used);
	metrics_gauge(o, "db_wait_count", "The total number of connections waited for.", (double)n->db_wait_count);
	metrics_gauge(o, "db_wait_time_seconds", "The total time blocked waiting for a new connection.",
	              m->hostile ? -INFINITY : floor(n->db_wait_seconds * 1000) / 1000);
}

static void metrics_chain_a(const metrics_ctx_t *m, strbuf_t *o)
{
	const sim_node_t *n = m->n;
	const sim_t *sim = m->sim;
	char lab[256], acct[48];
	if (m->c0 >= m->c1)
		return;
	metrics_family(o, "eth_balance", "gauge", "Each Ethereum account's balance");
	for (int c = m->c0; c < m->c1; c++)
		for (int k = 0; k < 2; k++) {
			metrics_account(n, c, k, acct);
			snprintf(lab, sizeof(lab), "account=\"%s\",evmChainID=\"%s\"", acct, sim->chains[c].idstr);
			double bal = floor(n->chains[c].balance[k] * 1e6) / 1e6;
			if (m->eff == SIM_LOW_BALANCE && c == 0)
				bal = k == 0 ? 0.05 : 0.5;     /* critical and warning */
			metrics_sample(o, "eth_balance", lab, bal);
		}
	if (!m->legacy)
		return;
	static const char *const legacy_rpc[] = {
		"evm_pool_rpc_node_highest_seen_block", "evm_pool_rpc_node_num_transitions_to_alive",
		"evm_pool_rpc_node_num_transitions_to_unreachable", "evm_pool_rpc_node_polls_failed",
		"evm_pool_rpc_node_polls_success", "evm_pool_rpc_node_polls_total",
	};
	for (size_t f = 0; f < sizeof(legacy_rpc) / sizeof(legacy_rpc[0]); f++) {
		metrics_family(o, legacy_rpc[f], f ? "counter" : "gauge",
		               f ? "Number of events of this kind per RPC node" : "The highest seen block for the given RPC node");
		for (int c = m->c0; c < m->c1; c++)
			for (int r = 0; r < SIM_RPCS; r++) {
				const sim_rpc_t *rp = &n->chains[c].rpc[r];
				double v = f == 0 ? (double)rp->seen : f == 1 ? (double)rp->to_alive :
				           f == 2 ? (double)rp->to_unreachable : f == 3 ? (double)rp->polls_failed :
				           f == 4 ? (double)rp->polls_ok : (double)(rp->polls_ok + rp->polls_failed);
				snprintf(lab, sizeof(lab), "evmChainID=\"%s\",nodeName=\"evm-%s-%s\"",
				         sim->chains[c].idstr, sim->chains[c].idstr, r ? "secondary" : "primary");
				metrics_sample(o, legacy_rpc[f], lab, v);
			}
	}
	metrics_family(o, "evm_pool_rpc_node_states", "gauge",
	               "The number of RPC nodes currently in the given state for the given chain");
	for (int c = m->c0; c < m->c1; c++) {
		int alive = n->chains[c].rpc[0].alive + n->chains[c].rpc[1].alive;
		for (size_t s = 0; s < METRICS_NSTATES; s++) {
			double v = !strcmp(metrics_states[s], "Alive") ? alive :
			           !strcmp(metrics_states[s], "Unreachable") ? SIM_RPCS - alive : 0;
			snprintf(lab, sizeof(lab), "evmChainID=\"%s\",state=\"%s\"", sim->chains[c].idstr, metrics_states[s]);
			metrics_sample(o, "evm_pool_rpc_node_states", lab, v);
		}
	}
}

static void metrics_go(const metrics_ctx_t *m, strbuf_t *o, double scale)
{
	const sim_node_t *n = m->n;
	double up = (double)(m->now - n->start_ms) / 1000.0;
	metrics_family(o, "go_gc_duration_seconds", "summary",
	               "A summary of the wall-time pause (stop-the-world) duration in garbage collection cycles.");
	static const char *const q[] = { "0", "0.25", "0.5", "0.75", "1" };
	static const double qv[] = { 2.1e-05, 3.9e-05, 5.6e-05, 8.8e-05, 0.0041 };
	char lab[64];
	for (int i = 0; i < 5; i++) {
		snprintf(lab, sizeof(lab), "quantile=\"%s\"", q[i]);
		double v = qv[i] * (1 + floor(metrics_noise(n, 10 + (unsigned)i, m->now, 15000) * 50) / 100);
		metrics_sample(o, "go_gc_duration_seconds", lab, floor(v * 1e9) / 1e9);
	}
	metrics_sample(o, "go_gc_duration_seconds_sum", NULL, floor(n->gc_sum * scale * 1e6) / 1e6);
	metrics_sample(o, "go_gc_duration_seconds_count", NULL, floor((double)n->gc_count * scale));
	metrics_gauge(o, "go_goroutines", "Number of goroutines that currently exist.",
	              floor((900 + metrics_noise(n, 3, m->now, 5000) * 300) * scale));
	metrics_family(o, "go_info", "gauge", "Information about the Go environment.");
	metrics_sample(o, "go_info", "version=\"go1.24.5\"", 1);
	double heap = floor((150e6 + metrics_noise(n, 4, m->now, 5000) * 80e6) * scale);
	metrics_gauge(o, "go_memstats_alloc_bytes", "Number of bytes allocated in heap and currently in use.", heap);
	metrics_counter(o, "go_memstats_alloc_bytes_total", "Total number of bytes allocated in heap until now, even if released already.",
	                floor((up * 24e6 + heap) * scale));
	metrics_counter(o, "go_memstats_frees_total", "Total number of heap objects frees.", floor(up * 210000 * scale));
	metrics_gauge(o, "go_memstats_heap_alloc_bytes", "Number of heap bytes allocated and currently in use.", heap);
	metrics_gauge(o, "go_memstats_heap_idle_bytes", "Number of heap bytes waiting to be used.", floor(90e6 * scale));
	metrics_gauge(o, "go_memstats_heap_inuse_bytes", "Number of heap bytes that are in use.", floor(heap * 1.12));
	metrics_gauge(o, "go_memstats_heap_objects", "Number of currently allocated objects.", floor(heap / 96));
	metrics_gauge(o, "go_memstats_heap_sys_bytes", "Number of heap bytes obtained from system.", floor(300e6 * scale));
	metrics_gauge(o, "go_memstats_last_gc_time_seconds", "Number of seconds since 1970 of last garbage collection.",
	              floor(((double)m->sim->t0_wall + (double)(m->now - m->sim->t0_ms) / 1000.0 -
	                     metrics_noise(n, 5, m->now, 5000) * 8) * 1000) / 1000);
	metrics_counter(o, "go_memstats_mallocs_total", "Total number of heap objects allocated.",
	                floor((up * 210000 + heap / 96) * scale));
	metrics_gauge(o, "go_memstats_next_gc_bytes", "Number of heap bytes when next garbage collection will take place.",
	              floor(260e6 * scale));
	metrics_gauge(o, "go_memstats_stack_inuse_bytes", "Number of bytes obtained from system for stack allocator in non-CGO environments.",
	              floor(9.8e6 * scale));
	metrics_gauge(o, "go_memstats_sys_bytes", "Number of bytes obtained from system.", floor(420e6 * scale));
	metrics_gauge(o, "go_threads", "Number of OS threads created.", scale < 1 ? 14 : 38);
}

static void metrics_head_tracker(const metrics_ctx_t *m, strbuf_t *o)
{
	const sim_node_t *n = m->n;
	const sim_t *sim = m->sim;
	char lab[128];
	if (m->c0 >= m->c1)
		return;
	metrics_family(o, "head_tracker_connection_errors", "counter", "The total number of node connection errors");
	for (int c = m->c0; c < m->c1; c++) {
		snprintf(lab, sizeof(lab), "ChainID=\"%s\"", sim->chains[c].idstr);
		metrics_sample(o, "head_tracker_connection_errors", lab, (double)n->chains[c].conn_errors);
	}
	metrics_family(o, "head_tracker_current_head", "gauge", "The highest seen head number");
	for (int c = m->c0; c < m->c1; c++) {
		snprintf(lab, sizeof(lab), "evmChainID=\"%s\"", sim->chains[c].idstr);
		metrics_sample(o, "head_tracker_current_head", lab, (double)n->chains[c].head);
	}
	if (m->hostile)
		strbuf_puts(o, "head_tracker_current_head{evmChainID=\"" ESC "]0;pwned\a" ESC "[2J\"} 1e999\n"
		               "head_tracker_current_head{evmChainID=\"1\"} -1e999\n");
	metrics_family(o, "head_tracker_heads_received", "counter", "The total number of heads seen");
	for (int c = m->c0; c < m->c1; c++) {
		snprintf(lab, sizeof(lab), "ChainID=\"%s\"", sim->chains[c].idstr);
		metrics_sample(o, "head_tracker_heads_received", lab, (double)n->chains[c].heads_received);
	}
	metrics_family(o, "head_tracker_very_old_head", "gauge",
	               "Counter isincremented every time we get a head that is much lower than the highest seen head");
	for (int c = m->c0; c < m->c1; c++) {
		snprintf(lab, sizeof(lab), "evmChainID=\"%s\"", sim->chains[c].idstr);
		int old = !(n->chains[c].rpc[0].alive || n->chains[c].rpc[1].alive) &&
		          m->now - n->chains[c].head_ms > 60000;
		metrics_sample(o, "head_tracker_very_old_head", lab, old);
	}
}

static void metrics_health(const metrics_ctx_t *m, strbuf_t *o)
{
	const sim_checklist_t *l = sim_health_checks(m->sim, m->eff);
	if (m->hostile)
		metrics_family(o, "health", "gauge", "How healthy the service is: 1 for passing " ESC "[2J" ESC "]0;pwned\a");
	else
		metrics_family(o, "health", "gauge", "Health status of each service (1 is passing, 0 is failing)");
	for (size_t i = 0; i < l->n; i++) {
		const char *out = sim_health_output(&l->v[i], m->eff);
		sim_bprintf(o, "health{service_id=\"%s\"} %d\n", l->v[i].prom, out ? 0 : 1);
	}
}

static void metrics_logs_mailbox(const metrics_ctx_t *m, strbuf_t *o)
{
	const sim_node_t *n = m->n;
	static const char *const names[] = { "log_critical_count", "log_error_count", "log_panic_count", "log_warn_count" };
	static const char *const help[] = { "Number of critical messages in log", "Number of error messages in log",
	                                    "Number of panic messages in log", "Number of warning messages in log" };
	for (int i = 0; i < 4; i++)
		metrics_counter(o, names[i], help[i], (double)n->log_count[i]);
	metrics_family(o, "mailbox_load_percent", "gauge", "Percent of mailbox capacity used");
	char lab[256];
	static const char *const boxes[] = { "HeadBroadcaster", "HeadTracker.HeadSaver", "LogBroadcaster.Subscribers" };
	for (int c = 0; c < m->sim->nchains && c < 4; c++)
		for (int b = 0; b < 3; b++) {
			snprintf(lab, sizeof(lab), "appID=\"chainlink\",capacity=\"%d\",name=\"EVM.%s.%s\"",
			         b == 2 ? 100000 : 10, m->sim->chains[c].idstr, boxes[b]);
			double v = floor(metrics_noise(n, 20 + (unsigned)(c * 3 + b), m->now, 5000) * (b == 2 ? 3 : 30));
			metrics_sample(o, "mailbox_load_percent", lab, v);
		}
	if (m->hostile)
		strbuf_puts(o, "mailbox_load_percent{appID=\"\xff\xfe\xc3\x28\",capacity=\"\xe2\x80\xae" "001\","
		               "name=\"\xc2\x9b" "2J" ESC "[31m\r\"} +Inf\n");
}

static void metrics_tx_gauges_a(const metrics_ctx_t *m, strbuf_t *o)
{
	const sim_node_t *n = m->n;
	char lab[128];
	if (m->c0 >= m->c1)
		return;
	metrics_family(o, "max_unconfirmed_blocks", "gauge", "The max number of blocks any currently unconfirmed transaction has been unconfirmed for");
	for (int c = m->c0; c < m->c1; c++) {
		snprintf(lab, sizeof(lab), "evmChainID=\"%s\"", m->sim->chains[c].idstr);
		metrics_sample(o, "max_unconfirmed_blocks", lab,
		               m->eff == SIM_STUCK_TX ? 120 :
		               metrics_is_rpc_down(m->eff) ? 0 : floor(metrics_noise(n, 30 + (unsigned)c, m->now, 5000) * 3));
	}
	metrics_family(o, "max_unconfirmed_tx_age", "gauge", "The length of time the oldest unconfirmed transaction has been in that state (in seconds)");
	for (int c = m->c0; c < m->c1; c++) {
		snprintf(lab, sizeof(lab), "evmChainID=\"%s\"", m->sim->chains[c].idstr);
		double age = metrics_is_rpc_down(m->eff) ? (double)(m->now - n->chains[c].head_ms) / 1000.0
		                                        : metrics_noise(n, 40 + (unsigned)c, m->now, 5000) * 30;
		if (m->eff == SIM_STUCK_TX)
			age = 1500 + (double)(m->now - n->scenario_ms) / 1000.0;
		metrics_sample(o, "max_unconfirmed_tx_age", lab, floor(age));
	}
}

static void metrics_multi_node(const metrics_ctx_t *m, strbuf_t *o)
{
	const sim_node_t *n = m->n;
	char lab[160];
	if (m->legacy || m->c0 >= m->c1)
		return;
	metrics_family(o, "multi_node_states", "gauge", "The number of RPC nodes currently in the given state for the given chain");
	for (int c = m->c0; c < m->c1; c++) {
		int alive = n->chains[c].rpc[0].alive + n->chains[c].rpc[1].alive;
		for (size_t s = 0; s < METRICS_NSTATES; s++) {
			double v = !strcmp(metrics_states[s], "Alive") ? alive :
			           !strcmp(metrics_states[s], "Unreachable") ? SIM_RPCS - alive : 0;
			snprintf(lab, sizeof(lab), "chainId=\"%s\",network=\"EVM\",state=\"%s\"",
			         m->sim->chains[c].idstr, metrics_states[s]);
			metrics_sample(o, "multi_node_states", lab, v);
		}
	}
	if (m->hostile)
		strbuf_puts(o, "multi_node_states{chainId=\"1\",network=\"EVM\",state=\"Alive\"} 7\n");
}

static void metrics_pool_rpc(const metrics_ctx_t *m, strbuf_t *o)
{
	const sim_node_t *n = m->n;
	const sim_t *sim = m->sim;
	char lab[256];
	if (m->legacy || m->c0 >= m->c1)
		return;
	metrics_family(o, "pool_rpc_node_client_version", "gauge", "The client version reported by the RPC node");
	for (int c = m->c0; c < m->c1; c++)
		for (int r = 0; r < SIM_RPCS; r++) {
			snprintf(lab, sizeof(lab), "chainID=\"%s\",network=\"EVM\",nodeName=\"evm-%s-%s\",rpcClientVersion=\"%s\"",
			         sim->chains[c].idstr, sim->chains[c].idstr, r ? "secondary" : "primary",
			         r ? "erigon/3.0.4/linux-amd64/go1.23.6" : "Geth/v1.15.11-stable-36b2371c/linux-amd64/go1.24.2");
			metrics_sample(o, "pool_rpc_node_client_version", lab, 1);
		}
	static const char *const fam[] = {
		"pool_rpc_node_highest_finalized_block", "pool_rpc_node_highest_seen_block",
		"pool_rpc_node_num_transitions_to_alive", "pool_rpc_node_num_transitions_to_unreachable",
		"pool_rpc_node_polls_failed", "pool_rpc_node_polls_success", "pool_rpc_node_polls_total",
	};
	static const char *const help[] = {
		"The highest seen finalized block for the given RPC node", "The highest seen block for the given RPC node",
		"Total number of times node has transitioned to Alive", "Total number of times node has transitioned to Unreachable",
		"The total number of failed health checks", "The total number of successful health checks",
		"The total number of poll checks for the given RPC node",
	};
	for (size_t f = 0; f < sizeof(fam) / sizeof(fam[0]); f++) {
		metrics_family(o, fam[f], f < 2 ? "gauge" : "counter", help[f]);
		for (int c = m->c0; c < m->c1; c++)
			for (int r = 0; r < SIM_RPCS; r++) {
				const sim_rpc_t *rp = &n->chains[c].rpc[r];
				double fin = rp->seen > sim->chains[c].finality ? (double)(rp->seen - sim->chains[c].finality) : 0;
				double v = f == 0 ? fin : f == 1 ? (double)rp->seen : f == 2 ? (double)rp->to_alive :
				           f == 3 ? (double)rp->to_unreachable : f == 4 ? (double)rp->polls_failed :
				           f == 5 ? (double)rp->polls_ok : (double)(rp->polls_ok + rp->polls_failed);
				snprintf(lab, sizeof(lab), "chainID=\"%s\",network=\"EVM\",nodeName=\"evm-%s-%s\"",
				         sim->chains[c].idstr, sim->chains[c].idstr, r ? "secondary" : "primary");
				metrics_sample(o, fam[f], lab, v);
			}
	}
}

static void metrics_process(const metrics_ctx_t *m, strbuf_t *o, double scale)
{
	const sim_node_t *n = m->n;
	metrics_counter(o, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
	                floor(n->cpu_seconds * scale * 100) / 100);
	metrics_gauge(o, "process_max_fds", "Maximum number of open file descriptors.", 1048576);
	metrics_gauge(o, "process_open_fds", "Number of open file descriptors.",
	              floor((scale < 1 ? 20 : 60) + metrics_noise(n, 6, m->now, 5000) * 20 + n->nconns));
	double rss = floor((300e6 + metrics_noise(n, 7, m->now, 5000) * 60e6) * scale);
	metrics_gauge(o, "process_resident_memory_bytes", "Resident memory size in bytes.", m->hostile ? INFINITY : rss);
	metrics_gauge(o, "process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
	              floor(((double)m->sim->t0_wall + (double)(n->start_ms - m->sim->t0_ms) / 1000.0) * 100) / 100);
	metrics_gauge(o, "process_virtual_memory_bytes", "Virtual memory size in bytes.", floor(2.9e9 * scale));
}

static void metrics_core_b(const metrics_ctx_t *m, strbuf_t *o)
{
	const sim_node_t *n = m->n;
	metrics_gauge(o, "promhttp_metric_handler_requests_in_flight", "Current number of scrapes being served.", 1);
	metrics_family(o, "promhttp_metric_handler_requests_total", "counter", "Total number of scrapes by HTTP status code.");
	metrics_sample(o, "promhttp_metric_handler_requests_total", "code=\"200\"", (double)n->metrics_served);
	metrics_sample(o, "promhttp_metric_handler_requests_total", "code=\"500\"", 0);
	metrics_sample(o, "promhttp_metric_handler_requests_total", "code=\"503\"", 0);
	metrics_family(o, "sql_query_timeout_percent", "histogram", "SQL query time as a percentage of timeout.");
	uint64_t cum = 0;
	double sum = 0;
	char lab[32];
	for (int b = 0; b < 11; b++) {
		cum += n->sql_buckets[b];
		sum += (double)n->sql_buckets[b] * (b < 10 ? b * 10 + 5 : 100);
		if (b < 10)
			snprintf(lab, sizeof(lab), "le=\"%d\"", (b + 1) * 10);
		else
			snprintf(lab, sizeof(lab), "le=\"+Inf\"");
		metrics_sample(o, "sql_query_timeout_percent_bucket", lab, (double)cum);
	}
	metrics_sample(o, "sql_query_timeout_percent_sum", NULL, sum);
	metrics_sample(o, "sql_query_timeout_percent_count", NULL, (double)cum);
}

/* Series that appear only when something goes wrong: gas bumps over the limit and
 * attempts without funds (stuck-tx), job run errors (job-errors), counting up from
 * when the scenario was set. */
static void metrics_rule_scenarios(const metrics_ctx_t *m, strbuf_t *o)
{
	char lab[160];
	double secs = (double)(m->now - m->n->scenario_ms) / 1000.0;
	if (m->eff == SIM_STUCK_TX) {
		metrics_family(o, "tx_manager_gas_bump_exceeds_limit", "counter",
		               "Number of times gas bumping failed from exceeding the configured limit. Any counts of this "
		               "type indicate a serious problem.");
		for (int c = m->c0; c < m->c1; c++) {
			snprintf(lab, sizeof(lab), "chainID=\"%s\"", m->sim->chains[c].idstr);
			metrics_sample(o, "tx_manager_gas_bump_exceeds_limit", lab, 1 + floor(secs / 2));
		}
		metrics_family(o, "tx_manager_attempt_error_total", "counter", "Number of errored transaction attempts");
		for (int c = m->c0; c < m->c1; c++) {
			snprintf(lab, sizeof(lab), "cause=\"insufficient_funds\",chainID=\"%s\",senderAddress=\"0xabc\"",
			         m->sim->chains[c].idstr);
			metrics_sample(o, "tx_manager_attempt_error_total", lab, 1 + floor(secs / 3));
		}
	}
	if (m->eff == SIM_JOB_ERRORS && m->core) {
		metrics_family(o, "pipeline_run_errors_total", "counter", "Number of errors for each pipeline spec");
		metrics_sample(o, "pipeline_run_errors_total", "job_id=\"900\",job_name=\"ocr2-eth-usd\"", floor(secs * 4));
		metrics_sample(o, "pipeline_run_errors_total", "job_id=\"901\",job_name=\"vrf-\x1b[31mred\"",
		               floor(secs * 2));
	}
}

static void metrics_chain_b(const metrics_ctx_t *m, strbuf_t *o)
{
	const sim_node_t *n = m->n;
	char lab[128];
	if (m->c0 >= m->c1)
		return;
	static const char *const fam[] = { "tx_manager_num_broadcasted", "tx_manager_num_confirmed_transactions",
	                                   "tx_manager_num_gas_bumps" };
	static const char *const help[] = { "The number of transactions broadcasted",
	                                    "The number of transactions that have been confirmed",
	                                    "The number of gas bumps" };
	for (int f = 0; f < 3; f++) {
		metrics_family(o, fam[f], "counter", help[f]);
		for (int c = m->c0; c < m->c1; c++) {
			const sim_chain_t *ch = &n->chains[c];
			snprintf(lab, sizeof(lab), "chainID=\"%s\"", m->sim->chains[c].idstr);
			metrics_sample(o, fam[f], lab, (double)(f == 0 ? ch->tx_broadcast : f == 1 ? ch->tx_confirmed : ch->gas_bumps));
		}
	}
	metrics_rule_scenarios(m, o);
	metrics_family(o, "unconfirmed_transactions", "gauge", "Number of currently unconfirmed transactions");
	for (int c = m->c0; c < m->c1; c++) {
		const sim_chain_t *ch = &n->chains[c];
		snprintf(lab, sizeof(lab), "evmChainID=\"%s\"", m->sim->chains[c].idstr);
		metrics_sample(o, "unconfirmed_transactions", lab, (double)(ch->tx_broadcast - ch->tx_confirmed));
	}
}

static void metrics_tail(const metrics_ctx_t *m, strbuf_t *o)
{
	const sim_node_t *n = m->n;
	double up = floor((double)(m->now - n->start_ms) / 15000.0) * 15;
	metrics_counter(o, "uptime_seconds", "Uptime of the application measured in seconds", up);
	if (m->hostile) {
		metrics_sample(o, "uptime_seconds", NULL, up + 1e9);
		strbuf_puts(o, "uptime_seconds NaN\n");
	}
	metrics_family(o, "version", "gauge", "Application version information");
	if (m->hostile)
		strbuf_puts(o, "version{commit=\"" ESC "[31m" ESC "]0;pwned\a\",version=\"2.27.2\xe2\x80\xae" "3.0\xc2\x9b" "2J\"} 1\n");
	else
		sim_bprintf(o, "version{commit=\"%s\",version=\"%s\"} 1\n",
		            m->legacy ? metrics_legacy_commit : metrics_commit,
		            m->legacy ? metrics_legacy_version : metrics_version);
}

/* Families before the padding (sorted: up to multi_node_states) into a, after it into b. */
static void metrics_build(const metrics_ctx_t *m, strbuf_t *a, strbuf_t *b)
{
	double scale = m->core ? 1.0 : 0.25;
	if (m->core)
		metrics_db(m, a);
	metrics_chain_a(m, a);
	metrics_go(m, a, scale);
	metrics_head_tracker(m, a);
	if (m->core) {
		metrics_health(m, a);
		metrics_logs_mailbox(m, a);
	}
	metrics_tx_gauges_a(m, a);
	metrics_multi_node(m, a);
	/* padding (pipeline_*) goes here */
	metrics_pool_rpc(m, b);
	metrics_process(m, b, scale);
	if (m->core)
		metrics_core_b(m, b);
	metrics_chain_b(m, b);
	if (m->core)
		metrics_tail(m, b);
}

void sim_metrics_render(sim_node_t *node, sim_scenario_t eff, int chain, sim_response_t *resp)
{
	sim_t *sim = node->sim;
	metrics_ctx_t m = {
		.n = node, .sim = sim, .eff = eff, .now = uv_now(&sim->loop),
		.legacy = eff == SIM_LEGACY || eff == SIM_LEGACY_RPC_OUTAGE,
		.hostile = eff == SIM_HOSTILE,
	};
	sim_node_advance(node, m.now);
	if (chain >= 0) {
		m.c0 = chain;
		m.c1 = chain + 1;
		m.core = 0;
	} else {
		m.c0 = 0;
		m.c1 = sim->plugin ? 0 : sim->nchains;
		m.core = 1;
		node->metrics_served++;
	}
	metrics_build(&m, &resp->body, &resp->body2);
	if (m.core) {
		resp->tail = strbuf_str(&sim->padding);
		resp->tail_len = sim->padding.len;
	}
}

/* ---------------------------------------------------------------- setup */
void sim_metrics_setup(sim_t *sim)
{
	/* measure one node's dynamic part and the cost of one padding job */
	sim_node_t probe;
	sim_node_init(sim, &probe, 0, SIM_HEALTHY, 0);
	metrics_ctx_t m = {
		.n = &probe, .sim = sim, .eff = SIM_HEALTHY, .now = sim->t0_ms,
		.c0 = 0, .c1 = sim->plugin ? 0 : sim->nchains, .core = 1,
	};
	strbuf_t a = STRBUF_INIT, b = STRBUF_INIT, p = STRBUF_INIT;
	metrics_build(&m, &a, &b);
	size_t dyn = a.len + b.len;
	metrics_padding(&p, 0, sim->seed);
	size_t base = p.len;
	strbuf_reset(&p);
	metrics_padding(&p, 16, sim->seed);
	size_t per_job = (p.len - base) / 16;
	int njobs = 0;
	if (sim->metrics_size > dyn + base)
		njobs = (int)((sim->metrics_size - dyn - base + per_job / 2) / per_job);
	strbuf_reset(&sim->padding);
	metrics_padding(&sim->padding, njobs, sim->seed);
	if (njobs > 16 && sim->padding.len > base) {
		/* later jobs have longer ids and names: correct once with the measured cost */
		double real = (double)(sim->padding.len - base) / njobs;
		int better = (int)((double)(sim->metrics_size - dyn - base) / real + 0.5);
		if (better != njobs) {
			strbuf_reset(&sim->padding);
			metrics_padding(&sim->padding, better, sim->seed);
		}
	}
	strbuf_free(&a);
	strbuf_free(&b);
	strbuf_free(&p);
}

void sim_metrics_free(sim_t *sim)
{
	strbuf_free(&sim->padding);
}
