/* app_rpc.c - nodetop's wiring of the RPC probes: builds rpcprobe from the [rpc] sections on the
 * app's loop (its own libcurl multi handle), and turns each endpoint's view into a model observation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "app_rpc.h"
#include "clock.h"
#include "model_rpc.h"
#include "rpcprobe.h"
#include "xalloc.h"

#define APP_RPC_ONCE_CHECK_MS 250
#define APP_RPC_ONCE_WS_MAX_MS 15000   /* --once waits this long at most for a first WebSocket head */
#define APP_RPC_QUICK_TIMEOUT_MS 2500  /* --status-line: per batch and connection */

struct app_rpc {
	uv_loop_t *loop;
	model_t *model;
	CURLM *multi;
	rpcprobe_t *rp;
	size_t *model_idx;               /* probe index -> model endpoint index */
	int64_t *ws_wait_ms;             /* --once: how long a silent subscription is waited for */
	size_t n;
	bool stopped, check_init;
	uv_timer_t check;                /* --once: re-checks the round as subscriptions age */
	app_rpc_changed_fn fn;
	void *ud;
};

/* A loop time (uv_now ms, -1 never) as wall-clock ms (0 never). */
static int64_t app_rpc_to_wall(int64_t t, int64_t loop_now, int64_t wall_now)
{
	if (t < 0)
		return 0;
	int64_t w = wall_now - (loop_now - t);
	return w > 0 ? w : 1;
}

static void app_rpc_observe(app_rpc_t *ar, size_t idx)
{
	rpcprobe_view_t v;
	rpc_obs_t o;
	int64_t now = (int64_t)uv_now(ar->loop), wall = clock_wall_ms();
	rpcprobe_view(ar->rp, idx, &v);
	memset(&o, 0, sizeof o);
	o.has_http = v.has_http;
	o.http_done = v.http_done;
	o.http_ok = v.http_ok;
	snprintf(o.http_error, sizeof o.http_error, "%s", v.http_error);
	o.st = v.st;
	o.latency_ms = v.latency_ms;
	o.ws_state = v.ws_state;
	snprintf(o.ws_error, sizeof o.ws_error, "%s", v.ws_error);
	o.ws_attempts = v.ws_attempts;
	o.ws_head = v.ws_head;
	o.ws_head_ms = app_rpc_to_wall(v.ws_head_ms, now, wall);
	o.ws_up_ms = app_rpc_to_wall(v.ws_up_ms, now, wall);
	o.ws_silent = v.ws_silent;
	o.head_rise_ms = app_rpc_to_wall(v.head_rise_ms, now, wall);
	o.batches = v.batches;
	o.ws_heads = v.ws_heads;
	o.ws_connects = v.ws_connects;
	model_rpc_apply(ar->model, ar->model_idx[idx], &o, wall);
}

static void app_rpc_on_event(void *ud, size_t idx, rpcprobe_event_t ev)
{
	app_rpc_t *ar = ud;
	(void)ev;
	if (ar->stopped || idx >= ar->n)
		return;
	app_rpc_observe(ar, idx);
	if (ar->fn)
		ar->fn(ar->ud);
}

static void app_rpc_on_check(uv_timer_t *t)
{
	app_rpc_t *ar = t->data;
	if (ar->stopped)
		return;
	for (size_t i = 0; i < ar->n; i++)
		app_rpc_observe(ar, i);
	if (ar->fn)
		ar->fn(ar->ud);
}

int64_t app_rpc_once_budget_ms(const settings_t *s, app_rpc_mode_t mode)
{
	int64_t worst = 0;
	for (size_t i = 0; i < s->nrpc; i++) {
		const rpc_cfg_t *c = &s->rpc[i];
		int64_t t = c->timeout_ms;
		bool ws = c->ws_url || strncasecmp(c->url, "ws", 2) == 0;
		if (mode == APP_RPC_QUICK) {
			t = t < APP_RPC_QUICK_TIMEOUT_MS ? t : APP_RPC_QUICK_TIMEOUT_MS;
		} else if (ws) {
			int64_t w = c->head_stall_ms < APP_RPC_ONCE_WS_MAX_MS ? c->head_stall_ms : APP_RPC_ONCE_WS_MAX_MS;
			t += w;
		}
		if (t > worst)
			worst = t;
	}
	return worst;
}

app_rpc_t *app_rpc_new(uv_loop_t *loop, model_t *m, const settings_t *s, app_rpc_mode_t mode,
                       app_rpc_changed_fn fn, void *ud, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!s->nrpc)
		return NULL;
	app_rpc_t *ar = xcalloc(1, sizeof *ar);
	ar->loop = loop;
	ar->model = m;
	ar->fn = fn;
	ar->ud = ud;
	ar->multi = curl_multi_init();
	if (!ar->multi) {
		snprintf(err, errlen, "rpc: cannot initialise libcurl's multi interface");
		free(ar);
		return NULL;
	}
	ar->rp = rpcprobe_new(loop, ar->multi, RPCPROBE_DRIVE_MULTI, app_rpc_on_event, ar);
	ar->model_idx = xcalloc(s->nrpc, sizeof *ar->model_idx);
	ar->ws_wait_ms = xcalloc(s->nrpc, sizeof *ar->ws_wait_ms);
	for (size_t i = 0; i < s->nrpc; i++) {
		const rpc_cfg_t *c = &s->rpc[i];
		bool ws_main = strncasecmp(c->url, "ws", 2) == 0;
		rpc_endpoint_cfg_t pc;
		memset(&pc, 0, sizeof pc);
		pc.name = c->name;
		pc.http_url = ws_main ? NULL : c->url;
		pc.ws_url = ws_main ? c->url : c->ws_url;
		pc.headers = (const char *const *)c->http.headers;
		pc.nheaders = c->http.nheaders;
		pc.bearer = c->http.bearer_token;
		pc.ca_file = c->http.ca_file;
		pc.insecure = c->http.insecure;
		pc.interval_ms = c->interval_ms;
		pc.timeout_ms = c->timeout_ms;
		if (mode == APP_RPC_QUICK && pc.timeout_ms > APP_RPC_QUICK_TIMEOUT_MS)
			pc.timeout_ms = APP_RPC_QUICK_TIMEOUT_MS;
		pc.ws_idle_ms = c->head_stall_ms;
		char perr[200];
		if (rpcprobe_add(ar->rp, &pc, perr, sizeof perr) < 0) {
			snprintf(err, errlen, "[rpc %s]: %s", c->name, perr);
			ar->stopped = true;
			rpcprobe_close(ar->rp);
			ar->rp = NULL;
			return ar;    /* the caller runs the loop, then frees */
		}
		rpcjudge_cfg_t jc;
		rpcjudge_defaults(&jc);
		jc.chain = c->chain;
		jc.lag_blocks = c->lag_blocks;
		jc.head_stall_ms = c->head_stall_ms;
		jc.slow_ms = c->slow_ms;
		char mu[160] = "", mw[160] = "";
		if (pc.http_url)
			jsonrpc_url_mask(pc.http_url, mu, sizeof mu);
		if (pc.ws_url)
			jsonrpc_url_mask(pc.ws_url, mw, sizeof mw);
		ar->model_idx[i] = model_rpc_add(m, c->name, mu, mw, &jc, c->nodes, c->nnodes);
		ar->ws_wait_ms[i] = mode == APP_RPC_QUICK ? 0
		                  : c->head_stall_ms < APP_RPC_ONCE_WS_MAX_MS ? c->head_stall_ms : APP_RPC_ONCE_WS_MAX_MS;
		ar->n++;
	}
	char perr[200];
	if (rpcprobe_start(ar->rp, perr, sizeof perr) != 0) {
		snprintf(err, errlen, "rpc: %s", perr);
		ar->stopped = true;
		rpcprobe_close(ar->rp);
		ar->rp = NULL;
		return ar;
	}
	uv_timer_init(loop, &ar->check);
	ar->check.data = ar;
	ar->check_init = true;
	if (mode != APP_RPC_LIVE)
		uv_timer_start(&ar->check, app_rpc_on_check, APP_RPC_ONCE_CHECK_MS, APP_RPC_ONCE_CHECK_MS);
	return ar;
}

bool app_rpc_round_done(const app_rpc_t *ar)
{
	if (!ar || !ar->rp)
		return true;
	int64_t now = (int64_t)uv_now(ar->loop);
	for (size_t i = 0; i < ar->n; i++) {
		rpcprobe_view_t v;
		rpcprobe_view(ar->rp, i, &v);
		if (v.has_http && !v.http_done)
			return false;
		if (v.ws_state == RPC_WS_NONE || v.ws_heads > 0 || v.ws_attempts > 0)
			continue;
		if (v.ws_state == RPC_WS_SUBSCRIBED && v.ws_up_ms >= 0 && now - v.ws_up_ms >= ar->ws_wait_ms[i])
			continue;
		return false;
	}
	return true;
}

void app_rpc_stop(app_rpc_t *ar)
{
	if (!ar)
		return;
	if (ar->rp && !ar->stopped) {
		ar->stopped = true;
		rpcprobe_close(ar->rp);
	}
	ar->stopped = true;
	if (ar->check_init && !uv_is_closing((uv_handle_t *)&ar->check)) {
		uv_timer_stop(&ar->check);
		uv_close((uv_handle_t *)&ar->check, NULL);
	}
}

void app_rpc_free(app_rpc_t *ar)
{
	if (!ar)
		return;
	if (ar->multi)
		curl_multi_cleanup(ar->multi);
	free(ar->model_idx);
	free(ar->ws_wait_ms);
	free(ar);
}
