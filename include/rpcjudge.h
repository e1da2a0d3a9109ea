/* rpcjudge.h - the judgement of one Ethereum RPC endpoint from what its probes saw
 * (pure: no I/O): up, degraded or down with the reason, lag against the chain's best head. */
#ifndef NODETOP_RPCJUDGE_H
#define NODETOP_RPCJUDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parse_jsonrpc.h"
#include "state.h"

#define RPCJUDGE_LAG_BLOCKS 5           /* default lag_blocks */
#define RPCJUDGE_HEAD_STALL_MS 180000   /* default head_stall: Chainlink's NoNewHeadsThreshold (3 min) */
#define RPCJUDGE_SLOW_MS 2000           /* default: a batch slower than this is degraded */

typedef struct rpcjudge_cfg {
	uint64_t chain;          /* expected chain id; 0 = any */
	uint64_t lag_blocks;
	int64_t head_stall_ms;
	int64_t slow_ms;
} rpcjudge_cfg_t;

typedef enum rpc_ws_state {
	RPC_WS_NONE = 0,         /* no WebSocket URL */
	RPC_WS_CONNECTING,       /* first connection under way */
	RPC_WS_SUBSCRIBED,       /* open, eth_subscribe answered */
	RPC_WS_RECONNECTING,     /* closed or failed: waiting for the next attempt (back-off) */
	RPC_WS__COUNT
} rpc_ws_state_t;

/* What the glue saw of one endpoint. Ages are milliseconds, -1 when never. */
typedef struct rpcjudge_in {
	bool has_http;           /* an HTTP(S) URL is configured */
	bool http_done;          /* at least one batch finished (answer or failure) */
	bool http_ok;            /* the last batch answered and parsed: st is valid */
	const char *http_error;  /* when http_done && !http_ok */
	const jsonrpc_status_t *st;
	double latency_ms;       /* of the last batch */
	rpc_ws_state_t ws_state;
	const char *ws_error;    /* why the WebSocket last closed/failed ("" or NULL when none) */
	unsigned ws_attempts;    /* failed attempts in a row */
	uint64_t ws_head;        /* last head over the WebSocket (0 = none yet) */
	int64_t ws_head_age_ms;  /* since the last head over the WebSocket */
	int64_t ws_up_age_ms;    /* since the subscription was answered (-1 when not subscribed) */
	bool ws_silent;          /* closed by the idle watchdog: silent for head_stall */
	int64_t head_age_ms;     /* since the endpoint's head (HTTP or WS) last rose */
	uint64_t best_head;      /* the best head among the chain's endpoints (0 = unknown) */
} rpcjudge_in_t;

typedef struct rpcjudge_out {
	state_t state;
	uint64_t head;           /* max of the HTTP and WS heads (0 = unknown) */
	uint64_t lag;            /* best_head - head when both known, else 0 */
	char reason[160];        /* "" when up */
} rpcjudge_out_t;

void rpcjudge_defaults(rpcjudge_cfg_t *cfg);
/* The endpoint's head: the larger of its HTTP and WebSocket heads (0 = unknown). */
uint64_t rpcjudge_head(const rpcjudge_in_t *in);
void rpcjudge_judge(const rpcjudge_cfg_t *cfg, const rpcjudge_in_t *in, rpcjudge_out_t *out);
/* "none", "connecting", "subscribed", "reconnecting" */
const char *rpcjudge_ws_name(rpc_ws_state_t s);

#endif
