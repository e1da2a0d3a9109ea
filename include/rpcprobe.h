/* rpcprobe.h - the glue that probes Ethereum RPC endpoints directly: JSON-RPC batches
 * over HTTP(S) through a libcurl multi handle, newHeads over WebSocket (libwebsockets), on one libuv loop. */
#ifndef NODETOP_RPCPROBE_H
#define NODETOP_RPCPROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>
#include <uv.h>

#include "parse_jsonrpc.h"
#include "rpcjudge.h"

typedef struct rpcprobe rpcprobe_t;

typedef struct rpc_endpoint_cfg {
	const char *name;
	const char *http_url;          /* http:// or https://; NULL for WebSocket only */
	const char *ws_url;            /* ws:// or wss://; NULL for HTTP only */
	const char *const *headers;    /* "Name: value" lines sent with both (secrets) */
	size_t nheaders;
	const char *bearer;            /* Authorization: Bearer (a secret); NULL for none */
	const char *ca_file;           /* trusted CAs for https:// and wss:// (PEM) */
	bool insecure;                 /* skip certificate checks (HTTPS and WSS) */
	int64_t interval_ms;           /* between HTTP batches (default 5000) */
	int64_t timeout_ms;            /* per HTTP batch and per WebSocket connect (default 5000) */
	int64_t ws_idle_ms;            /* reconnect when the WebSocket is silent this long
	                                  (0: head_stall's default, 3 min; negative: never) */
} rpc_endpoint_cfg_t;

/* A snapshot of what one endpoint's probes saw. Times are uv_now() milliseconds. */
typedef struct rpcprobe_view {
	const char *name;
	char url[160];                 /* masked: "https://host/…" */
	char ws_url[160];              /* masked; "" without WebSocket */
	bool has_http;
	bool http_done, http_ok;
	char http_error[200];
	jsonrpc_status_t st;           /* last good batch (valid while http_ok) */
	double latency_ms;
	rpc_ws_state_t ws_state;
	char ws_error[160];
	unsigned ws_attempts;          /* attempts since the last subscription that lasted 10 s */
	uint64_t ws_head;
	int64_t ws_head_ms;            /* -1: never */
	int64_t ws_up_ms;              /* when subscribed; -1 when not */
	bool ws_silent;                /* the last connection was dropped for saying nothing for ws_idle_ms */
	int64_t head_rise_ms;          /* when the head last rose (HTTP or WS); -1: never */
	unsigned long batches, ws_heads, ws_connects;
} rpcprobe_view_t;

typedef enum rpcprobe_event {
	RPCPROBE_EV_BATCH = 1,         /* an HTTP batch finished (answer or failure) */
	RPCPROBE_EV_WS_HEAD,           /* a newHeads notification */
	RPCPROBE_EV_WS_STATE,          /* the WebSocket opened, subscribed, closed or failed */
} rpcprobe_event_t;

typedef void (*rpcprobe_event_fn)(void *ud, size_t idx, rpcprobe_event_t ev);

/* Drive the multi handle: rpcprobe installs its socket and timer callbacks
 * and reads its messages. Without this flag the multi's owner (the poller)
 * drives it and hands every CURLMSG_DONE to rpcprobe_transfer_done. */
#define RPCPROBE_DRIVE_MULTI 1u

/* Both loop and multi belong to the caller and must outlive the rpcprobe.
 * NULL only with RPCPROBE_DRIVE_MULTI when libcurl refuses the callbacks. */
rpcprobe_t *rpcprobe_new(uv_loop_t *loop, CURLM *multi, unsigned flags, rpcprobe_event_fn fn, void *ud);
/* Adds an endpoint (before rpcprobe_start); returns its index, or -1 with err
 * ("ws_url: not a ws:// or wss:// URL", ...; never the secret part of a URL). */
int rpcprobe_add(rpcprobe_t *rp, const rpc_endpoint_cfg_t *cfg, char *err, size_t errlen);
/* Starts the HTTP schedules (first batch at once) and the WebSockets.
 * Returns 0, or -1 with err when libwebsockets cannot join the loop. */
int rpcprobe_start(rpcprobe_t *rp, char *err, size_t errlen);
size_t rpcprobe_count(const rpcprobe_t *rp);
void rpcprobe_view(const rpcprobe_t *rp, size_t idx, rpcprobe_view_t *out);
/* The judge's input for a view at time now_ms (uv_now), given the chain's best head. */
void rpcprobe_judge_input(const rpcprobe_view_t *v, int64_t now_ms, uint64_t best_head, rpcjudge_in_t *in);
/* For a multi driven by its owner: true when easy was one of ours (then it is handled). */
bool rpcprobe_transfer_done(rpcprobe_t *rp, CURL *easy, CURLcode rc);
/* Stops everything and frees rp once the loop has closed its handles and
 * libwebsockets has left the loop: run the loop after this call. The multi
 * handle may be cleaned up once the loop has run. */
void rpcprobe_close(rpcprobe_t *rp);

#endif
