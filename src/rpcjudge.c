/* rpcjudge.c - judges one Ethereum RPC endpoint (pure): down when unreachable, on the
 * wrong chain or stalled; degraded when behind, syncing, slow or its WebSocket is closed. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rpcjudge.h"

static const char *const rpcjudge_ws_names[RPC_WS__COUNT] = {
	"none", "connecting", "subscribed", "reconnecting",
};

const char *rpcjudge_ws_name(rpc_ws_state_t s)
{
	return (unsigned)s < RPC_WS__COUNT ? rpcjudge_ws_names[s] : "?";
}

void rpcjudge_defaults(rpcjudge_cfg_t *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->lag_blocks = RPCJUDGE_LAG_BLOCKS;
	cfg->head_stall_ms = RPCJUDGE_HEAD_STALL_MS;
	cfg->slow_ms = RPCJUDGE_SLOW_MS;
}

uint64_t rpcjudge_head(const rpcjudge_in_t *in)
{
	uint64_t h = in->http_ok && in->st ? in->st->head : 0;
	return in->ws_head > h ? in->ws_head : h;
}

/* "12.3 s" style text of a duration in ms. */
static void rpcjudge_secs(char *b, size_t n, int64_t ms)
{
	snprintf(b, n, "%lld s", (long long)(ms / 1000));
}

static void rpcjudge_set(rpcjudge_out_t *out, state_t s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Sets state and reason unless an equal or worse one is already set. */
static void rpcjudge_set(rpcjudge_out_t *out, state_t s, const char *fmt, ...)
{
	va_list ap;
	if (out->state >= s && out->state != STATE_UNKNOWN)
		return;
	out->state = s;
	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof out->reason, fmt, ap);
	va_end(ap);
}

void rpcjudge_judge(const rpcjudge_cfg_t *cfg, const rpcjudge_in_t *in, rpcjudge_out_t *out)
{
	const bool has_ws = in->ws_state != RPC_WS_NONE;
	const jsonrpc_status_t *st = in->http_ok ? in->st : NULL;
	char age[32];

	memset(out, 0, sizeof *out);
	out->head = rpcjudge_head(in);
	if (out->head && in->best_head > out->head)
		out->lag = in->best_head - out->head;

	/* down */
	if (in->has_http && in->http_done && !in->http_ok)
		rpcjudge_set(out, STATE_DOWN, "%s", in->http_error && *in->http_error ? in->http_error : "no answer");
	if (st && cfg->chain && st->chain_id != cfg->chain)
		rpcjudge_set(out, STATE_DOWN, "wrong chain: expected %llu, got %llu",
		             (unsigned long long)cfg->chain, (unsigned long long)st->chain_id);
	if (out->head && in->head_age_ms >= 0 && cfg->head_stall_ms > 0 && in->head_age_ms >= cfg->head_stall_ms) {
		rpcjudge_secs(age, sizeof age, in->head_age_ms);
		rpcjudge_set(out, STATE_DOWN, "no new head for %s (head %llu)", age, (unsigned long long)out->head);
	}
	if (has_ws && cfg->head_stall_ms > 0) {
		/* The WebSocket is what Chainlink gets its heads from: silent for
		 * head_stall while open, or closed for that long, is down even
		 * when HTTP answers. */
		int64_t silent = in->ws_head_age_ms;
		if (silent < 0 || (in->ws_up_age_ms >= 0 && in->ws_up_age_ms < silent))
			silent = in->ws_up_age_ms;
		if (in->ws_state == RPC_WS_SUBSCRIBED && silent >= cfg->head_stall_ms) {
			rpcjudge_secs(age, sizeof age, silent);
			rpcjudge_set(out, STATE_DOWN, "WebSocket: no head for %s", age);
		} else if (in->ws_state == RPC_WS_RECONNECTING && in->ws_head_age_ms >= cfg->head_stall_ms) {
			rpcjudge_secs(age, sizeof age, in->ws_head_age_ms);
			rpcjudge_set(out, STATE_DOWN, "WebSocket closed%s%s, no head for %s",
			             in->ws_error && *in->ws_error ? ": " : "", in->ws_error ? in->ws_error : "", age);
		} else if (in->ws_state == RPC_WS_RECONNECTING && in->ws_silent) {
			/* dropped by the idle watchdog (ws_idle_ms = head_stall): the same
			 * silence as a subscribed WebSocket's above, not a lesser fault */
			rpcjudge_secs(age, sizeof age, cfg->head_stall_ms);
			rpcjudge_set(out, STATE_DOWN, "WebSocket: no head for %s", age);
		} else if (in->ws_state == RPC_WS_RECONNECTING && in->ws_head_age_ms < 0 && in->ws_attempts >= 3)
			rpcjudge_set(out, STATE_DOWN, "WebSocket: cannot connect%s%s (%u attempts)",
			             in->ws_error && *in->ws_error ? ": " : "", in->ws_error ? in->ws_error : "",
			             in->ws_attempts);
	}
	if (out->state == STATE_DOWN)
		return;

	/* degraded */
	if (has_ws && in->ws_state == RPC_WS_RECONNECTING)
		rpcjudge_set(out, STATE_DEGRADED, "WebSocket closed%s%s, reconnecting (attempt %u)",
		             in->ws_error && *in->ws_error ? ": " : "", in->ws_error ? in->ws_error : "",
		             in->ws_attempts + 1);
	if (st && st->syncing == JSONRPC_SYNC_YES) {
		if (st->sync_has_blocks)
			rpcjudge_set(out, STATE_DEGRADED, "syncing (block %llu of %llu)",
			             (unsigned long long)st->sync_current, (unsigned long long)st->sync_highest);
		else
			rpcjudge_set(out, STATE_DEGRADED, "syncing");
	}
	if (has_ws && in->ws_state == RPC_WS_SUBSCRIBED && in->ws_head && st && st->head > in->ws_head + cfg->lag_blocks)
		rpcjudge_set(out, STATE_DEGRADED, "WebSocket head %llu behind the HTTP head %llu",
		             (unsigned long long)in->ws_head, (unsigned long long)st->head);
	if (out->lag > cfg->lag_blocks)
		rpcjudge_set(out, STATE_DEGRADED, "%llu blocks behind the best head %llu",
		             (unsigned long long)out->lag, (unsigned long long)in->best_head);
	if (st && cfg->slow_ms > 0 && in->latency_ms > (double)cfg->slow_ms)
		rpcjudge_set(out, STATE_DEGRADED, "slow: %.0f ms", in->latency_ms);
	if (out->state == STATE_DEGRADED)
		return;

	/* up, or not seen yet */
	if (st || (has_ws && in->ws_state == RPC_WS_SUBSCRIBED && in->ws_head))
		out->state = STATE_UP;
	else {
		out->state = STATE_UNKNOWN;
		snprintf(out->reason, sizeof out->reason, "%s", has_ws ? "waiting for the first head" : "not probed yet");
	}
}
