/* model_rpc.h - what nodetop knows of the Ethereum RPC endpoints it probes itself ([rpc NAME]):
 * each endpoint's judgement, head-lag history, and each chain's direct view (pure, no I/O). */
#ifndef NODETOP_MODEL_RPC_H
#define NODETOP_MODEL_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "parse_jsonrpc.h"
#include "rpcjudge.h"

/* What the probe glue saw of one endpoint. Times are wall-clock ms, 0 = never. */
typedef struct rpc_obs {
	bool has_http, http_done, http_ok;
	char http_error[200];          /* masked and scrubbed by the glue */
	jsonrpc_status_t st;           /* valid while http_ok */
	double latency_ms;
	rpc_ws_state_t ws_state;
	char ws_error[160];
	unsigned ws_attempts;
	uint64_t ws_head;
	int64_t ws_head_ms, ws_up_ms, head_rise_ms;
	bool ws_silent;                /* the WebSocket was dropped for silence (rpcprobe_view_t) */
	unsigned long batches, ws_heads, ws_connects;
} rpc_obs_t;

#define RPC_LAG_RING 240           /* head-lag samples kept per endpoint (one per tick) */

typedef struct rpc_ep {
	char *name;
	char url[160], ws_url[160];    /* masked: "https://host/…"; "" when not configured */
	uint64_t chain;
	char chain_id[24];             /* decimal, as nodes label their chains */
	rpcjudge_cfg_t jcfg;
	char **nodes;                  /* the nodes it serves (none: every node) */
	size_t nnodes;
	rpc_obs_t obs;
	bool have_obs;
	rpcjudge_out_t out;            /* state, head, lag, reason */
	indicator_t ind;               /* state since, uptime; reason = out.reason */
	ring_t lag;                    /* head lag in blocks, for the sparkline */
	int64_t lag_pushed_ms;
} rpc_ep_t;

typedef struct model_rpc {
	rpc_ep_t *eps;
	size_t n, cap;
} model_rpc_t;

/* Adds endpoint NAME (strings copied); returns its index. */
size_t model_rpc_add(model_t *m, const char *name, const char *url_masked, const char *ws_masked,
                     const rpcjudge_cfg_t *jcfg, char *const *nodes, size_t nnodes);
/* A fresh observation of endpoint idx at time now (wall ms). */
void model_rpc_apply(model_t *m, size_t idx, const rpc_obs_t *obs, int64_t now_ms);
/* Re-judges every endpoint (ages grow); true when anything visible changed. Called by model_tick. */
bool model_rpc_tick(model_t *m, int64_t now_ms);
size_t model_rpc_count(const model_t *m);
const rpc_ep_t *model_rpc_get(const model_t *m, size_t idx);
/* Whether endpoint e serves node name (its nodes = list, or every node). */
bool model_rpc_serves(const rpc_ep_t *e, const char *node);
/* The best head among the endpoints on chain id (on the right chain), 0 = none. */
uint64_t model_rpc_best_head(const model_t *m, const char *chain_id);
/* Worst endpoint that is not up (for the kiosk, the header): index or (size_t)-1. */
size_t model_rpc_worst(const model_t *m);
void model_rpc_free(model_t *m);

/* Node n's RPC indicator with the direct view folded in (called by the model for
 * each node after its own view is judged): st/reason in = the node's view,
 * out = the combined one saying which saw what. No endpoint serving n: unchanged. */
void model_rpc_combine(const model_t *m, const node_t *n, bool blind, state_t *st, char *reason, size_t rsize);

#endif
