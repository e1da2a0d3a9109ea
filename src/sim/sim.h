/* sim.h - nodetop-sim's internal interface: the simulator state, the simulated
 * node and its scenarios, and the HTTP, /health and /metrics modules. */
#ifndef NODETOP_SIM_H
#define NODETOP_SIM_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <uv.h>

#include "strbuf.h"

/* ---------------------------------------------------------------- scenarios */
typedef enum sim_scenario {
	SIM_HEALTHY,
	SIM_RPC_OUTAGE,
	SIM_DB_OUTAGE,
	SIM_DB_EXHAUSTED,
	SIM_FLAPPING,
	SIM_STARTING,
	SIM_LEGACY,
	SIM_LEGACY_RPC_OUTAGE,
	SIM_RPC_DEGRADED,
	SIM_SLOW,
	SIM_TRICKLE,
	SIM_GARBAGE,
	SIM_HTML,
	SIM_HUGE,
	SIM_HOSTILE,
	SIM_HTTP_ERROR,
	SIM_UNAUTHORIZED,
	SIM_RATELIMIT,
	SIM_DOWN,
	/* what the alert rules watch (issue 13); otherwise healthy */
	SIM_LOW_BALANCE,            /* a key below 0.1 (critical), another below 1 (warning) */
	SIM_HEADS_STALL,            /* no new heads while every RPC node stays Alive */
	SIM_STUCK_TX,               /* unconfirmed for 120 blocks / 25 min, gas bumps over the limit, no funds */
	SIM_JOB_ERRORS,             /* two jobs' run errors climbing (pipeline_run_errors_total) */
	SIM_SCENARIO_COUNT
} sim_scenario_t;

const char *sim_scenario_name(sim_scenario_t s);
/* 0 and *out set when name (n bytes) is a scenario name, else -1. */
int sim_scenario_parse(const char *name, size_t n, sim_scenario_t *out);

/* ---------------------------------------------------------------- chains */
#define SIM_MAX_CHAINS 64
#define SIM_RPCS 2              /* RPC nodes configured per chain */

typedef struct sim_chain_info {
	uint64_t id;
	char idstr[24];
	uint64_t block_ms;          /* one new head every block_ms */
	uint64_t base_head;         /* head number at simulator start */
	unsigned finality;          /* finalized = head - finality */
} sim_chain_info_t;

/* One simulated check (a /health entry), precomputed once, sorted by name. */
typedef enum sim_check_kind {
	SIM_CK_PLAIN,
	SIM_CK_HEADLISTENER,        /* EVM.<id>...HeadTracker.HeadListener */
	SIM_CK_HOSTILE              /* extra check of the hostile scenario */
} sim_check_kind_t;

typedef struct sim_check {
	char *name;                 /* raw bytes */
	size_t name_len;
	char *json;                 /* name as a JSON string body (Go escaping) */
	char *prom;                 /* name as a Prometheus label value body */
	sim_check_kind_t kind;
	int chain;                  /* chain index, or -1 */
	const char *hostile_output; /* NULL: passing (hostile checks only) */
} sim_check_t;

typedef struct sim_checklist {
	sim_check_t *v;
	size_t n;
} sim_checklist_t;

/* ---------------------------------------------------------------- node state */
typedef struct sim_rpc {
	int alive;
	uint64_t seen;              /* highest seen block */
	uint64_t polls_ok, polls_failed;
	uint64_t to_alive, to_unreachable;
	double poll_acc;
} sim_rpc_t;

typedef struct sim_chain {
	uint64_t head;              /* the node's latest head */
	uint64_t head_ms;           /* loop time of the last new head */
	uint64_t heads_received;
	uint64_t conn_errors;
	double err_acc, tx_acc;
	uint64_t tx_broadcast, tx_confirmed, gas_bumps;
	double balance[2];
	sim_rpc_t rpc[SIM_RPCS];
} sim_chain_t;

typedef struct sim sim_t;
typedef struct sim_conn sim_conn_t;

typedef struct sim_node {
	sim_t *sim;
	int index;
	int port;
	sim_scenario_t scenario;    /* as set */
	uint64_t scenario_ms;       /* loop time it was set (flapping phase origin) */
	int cycle_pos;              /* position in sim->list for --cycle-ms */
	uint64_t rng;               /* xorshift state (garbage bodies) */
	uint64_t seed;              /* per-node constant for value wiggles */

	/* the simulated process: reset when it leaves `starting` (a restart) */
	uint64_t start_ms;          /* uptime origin */
	uint64_t adv_ms;            /* last sim_node_advance */
	double cpu_seconds, db_wait_seconds, gc_sum;
	double db_acc, gc_acc, log_acc[4], sql_acc;
	uint64_t db_wait_count, gc_count, log_count[4];
	uint64_t sql_buckets[11];   /* non-cumulative counts per bucket (10..100, +Inf) */
	uint64_t metrics_served;
	uint64_t health_requests, metrics_requests;   /* received, whatever the answer (/control/state) */
	sim_chain_t chains[SIM_MAX_CHAINS];

	/* HTTP side (sim_http.c) */
	uv_tcp_t *listener;         /* NULL while not listening */
	uv_tcp_t *parked;           /* while down: the port bound, not listening (refused, and kept) */
	int want_listen;
	int unplugged;              /* told to stop listening whatever its scenario (a standby's
	                               closed port); the port stays bound, as for `down` */
	sim_conn_t *conns;          /* doubly-linked list of open connections */
	int nconns;
} sim_node_t;

/* ---------------------------------------------------------------- simulator */
struct sim {
	uv_loop_t loop;
	/* options */
	int base_port;
	int nnodes;
	sim_scenario_t *list;       /* --scenarios, in order */
	int nlist;
	size_t metrics_size;
	int nchains;
	const char *token;
	int plugin;
	const char *control_file;
	uint64_t seed;
	const char *port_file;
	uint64_t cycle_ms, flap_ms, slow_ms;
	int lease_pair[2];          /* --lease-pair I,J: a database lease keeps one of them
	                               listening (-1: none) */
	uint64_t failover_ms;       /* --failover-ms: the holder loses the lease this often */
	int lease_holder, lease_phase;   /* index into lease_pair; 0 hold, 1 gap, 2 migrating */
	uint64_t lease_phase_ms;    /* loop time the phase began */

	/* state */
	sim_node_t *nodes;
	sim_chain_info_t chains[SIM_MAX_CHAINS];
	uint64_t t0_ms;             /* loop time at start */
	time_t t0_wall;
	sim_checklist_t checks;     /* the node's checks (plugin layout with --plugin) */
	sim_checklist_t hostile;    /* checks plus the hostile ones */
	strbuf_t padding;           /* static pipeline series, shared by all nodes */
	int stopping;
};

/* ---------------------------------------------------------------- HTTP messages */
typedef struct sim_request {
	const char *method;
	size_t method_len;
	const char *path;
	size_t path_len;
	const char *query;          /* after '?', NULL when absent */
	size_t query_len;
	const char *accept;         /* NULL when absent */
	size_t accept_len;
	const char *auth;           /* Authorization value, NULL when absent */
	size_t auth_len;
} sim_request_t;

typedef enum sim_send {
	SIM_SEND_NOW,               /* write at once */
	SIM_SEND_DELAY,             /* write after delay_ms (slow) */
	SIM_SEND_TRICKLE,           /* one byte per second */
	SIM_SEND_STREAM             /* endless chunked body generated on the fly (huge) */
} sim_send_t;

typedef enum sim_stream {
	SIM_STREAM_HEALTH_JSON,
	SIM_STREAM_HEALTH_TEXT,
	SIM_STREAM_METRICS
} sim_stream_t;

typedef struct sim_response {
	int status;
	const char *content_type;   /* NULL: none */
	char extra_headers[96];     /* complete header lines, e.g. "Retry-After: 30\r\n" */
	strbuf_t body;              /* owned; sent first */
	const char *tail;           /* not owned, lives as long as the simulator */
	size_t tail_len;
	strbuf_t body2;             /* owned; sent after tail */
	int close;                  /* close the connection after it */
	sim_send_t send;
	uint64_t delay_ms;
	sim_stream_t stream;
} sim_response_t;

/* ---------------------------------------------------------------- sim_node.c */
void sim_node_init(sim_t *sim, sim_node_t *node, int index, sim_scenario_t s, int cycle_pos);
/* The scenario in force now (flapping resolves to healthy or rpc-outage). */
sim_scenario_t sim_node_effective(const sim_node_t *node, uint64_t now);
/* Switches the scenario; opens or closes the listening socket as needed. */
void sim_node_set_scenario(sim_node_t *node, sim_scenario_t s);
/* Stops listening (on = 0: connections are refused, the port stays bound) or
 * listens again (on = 1), keeping the scenario. */
void sim_node_set_listening(sim_node_t *node, int on);
/* Moves counters, heads and RPC states forward to loop time now. */
void sim_node_advance(sim_node_t *node, uint64_t now);
/* Answers one request (resp is zeroed by the caller). */
void sim_node_handle(sim_node_t *node, const sim_request_t *req, sim_response_t *resp);
/* Applies "INDEX SCENARIO" / "all SCENARIO" lines; returns the number of bad lines. */
int sim_node_apply_control(sim_t *sim, const char *text, size_t len);
/* Deterministic noise in [0,1) for (node, key, time bucket). */
double sim_node_noise(const sim_node_t *node, unsigned key, uint64_t bucket);
uint64_t sim_node_random(sim_node_t *node);
uint64_t sim_chain_head(const sim_t *sim, int chain, uint64_t now);

/* ---------------------------------------------------------------- sim_health.c */
void sim_health_setup(sim_t *sim);
void sim_health_free(sim_t *sim);
/* The output of a failing check in scenario eff, or NULL when it passes. */
const char *sim_health_output(const sim_check_t *c, sim_scenario_t eff);
const sim_checklist_t *sim_health_checks(const sim_t *sim, sim_scenario_t eff);
/* /health body: JSON:API compact, or the text variant; returns 200 or 207. */
int sim_health_render(const sim_node_t *node, sim_scenario_t eff, int text, int failing_only,
                      strbuf_t *out);
/* Appends s (n bytes) as the body of a JSON string, escaped the way Go does. */
void sim_json_escape(strbuf_t *out, const char *s, size_t n);

/* ---------------------------------------------------------------- sim_metrics.c */
/* Builds the shared padding for --metrics-size; call after sim_health_setup. */
void sim_metrics_setup(sim_t *sim);
void sim_metrics_free(sim_t *sim);
/* /metrics (chain < 0) or /plugins/evm.<id>/metrics (chain index) into resp. */
void sim_metrics_render(sim_node_t *node, sim_scenario_t eff, int chain, sim_response_t *resp);
/* Formats v the way Go's strconv 'g' -1 does (Prometheus text); returns length. */
int sim_metrics_fmt(char *out, size_t cap, double v);
/* printf append with a single vsnprintf in the common case. */
void sim_bprintf(strbuf_t *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---------------------------------------------------------------- sim_http.c */
void sim_http_setup(sim_t *sim);
void sim_http_free(sim_t *sim);
/* Binds and listens on 127.0.0.1:node->port (0: any; node->port is set). */
int sim_http_listen(sim_node_t *node, char *err, size_t errlen);
/* Closes the listening socket and every connection of the node. */
void sim_http_unlisten(sim_node_t *node);
/* Closes every listening socket and connection at once (shutdown). */
void sim_http_close_all(sim_t *sim);
/* Closes idle, stalled and slowloris connections; retries wanted listens. */
void sim_http_sweep(sim_t *sim, uint64_t now);

#endif
