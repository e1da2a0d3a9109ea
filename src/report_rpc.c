/* report_rpc.c - the [rpc NAME] endpoints in the reports (pure): each node's "direct" list in
 * JSON and one text line per endpoint; URLs never appear, untrusted text is escaped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_rpc.h"
#include "report_rpc.h"
#include "textsafe.h"
#include "xalloc.h"

static cJSON *report_rpc_str(const char *s)
{
	size_t len = strlen(s), cap = len * 3 + 1;
	char *buf = xmalloc(cap);
	textsafe_utf8_repair(buf, cap, s, len);
	cJSON *j = cJSON_CreateString(buf);
	free(buf);
	return j;
}

static void report_rpc_add(cJSON *o, const char *k, cJSON *v)
{
	cJSON_AddItemToObject(o, k, v ? v : cJSON_CreateNull());
}

static int64_t report_rpc_ago(int64_t now, int64_t then)
{
	return then && now > then ? now - then : 0;
}

void report_rpc_json(cJSON *rpc, const model_t *m, const node_t *n, int64_t now_ms)
{
	cJSON *arr = cJSON_CreateArray();
	if (!now_ms)
		now_ms = m->now_ms;
	for (size_t i = 0; i < model_rpc_count(m); i++) {
		const rpc_ep_t *e = model_rpc_get(m, i);
		if (!model_rpc_serves(e, n->name))
			continue;
		const rpc_obs_t *o = &e->obs;
		cJSON *j = cJSON_CreateObject();
		report_rpc_add(j, "name", report_rpc_str(e->name));
		report_rpc_add(j, "chain", cJSON_CreateNumber((double)e->chain));
		report_rpc_add(j, "state", cJSON_CreateString(state_name(e->out.state)));
		report_rpc_add(j, "head", e->out.head ? cJSON_CreateNumber((double)e->out.head) : NULL);
		report_rpc_add(j, "lag_blocks", e->out.head ? cJSON_CreateNumber((double)e->out.lag) : NULL);
		report_rpc_add(j, "latency_ms", e->have_obs && o->http_done ? cJSON_CreateNumber(o->latency_ms) : NULL);
		report_rpc_add(j, "client", e->have_obs && o->http_ok && o->st.client[0] ? report_rpc_str(o->st.client) : NULL);
		report_rpc_add(j, "syncing", e->have_obs && o->http_ok && o->st.syncing != JSONRPC_SYNC_UNKNOWN
		                                 ? cJSON_CreateBool(o->st.syncing == JSONRPC_SYNC_YES) : NULL);
		if (e->ws_url[0]) {
			cJSON *ws = cJSON_CreateObject();
			report_rpc_add(ws, "state", cJSON_CreateString(rpcjudge_ws_name(e->have_obs ? o->ws_state
			                                                                          : RPC_WS_CONNECTING)));
			report_rpc_add(ws, "last_head_ms_ago", e->have_obs && o->ws_head_ms
			                                           ? cJSON_CreateNumber((double)report_rpc_ago(now_ms, o->ws_head_ms))
			                                           : NULL);
			report_rpc_add(j, "ws", ws);
		} else {
			report_rpc_add(j, "ws", NULL);
		}
		bool bad = e->out.state == STATE_DOWN || e->out.state == STATE_DEGRADED;
		report_rpc_add(j, "error", bad && e->out.reason[0] ? report_rpc_str(e->out.reason) : NULL);
		cJSON_AddItemToArray(arr, j);
	}
	cJSON_AddItemToObject(rpc, "direct", arr);
}

static void report_rpc_esc(strbuf_t *sb, const char *s, bool utf8)
{
	size_t len = strlen(s), cap = len * 4 + 1;
	char *buf = xmalloc(cap);
	size_t k = textsafe_escape(buf, cap, s, len, utf8, false);
	strbuf_append(sb, buf, k);
	free(buf);
}

void report_rpc_text(strbuf_t *sb, const model_t *m, const node_t *n, int64_t now_ms, const char *indent, bool utf8)
{
	if (!now_ms)
		now_ms = m->now_ms;
	for (size_t i = 0; i < model_rpc_count(m); i++) {
		const rpc_ep_t *e = model_rpc_get(m, i);
		if (!model_rpc_serves(e, n->name))
			continue;
		const rpc_obs_t *o = &e->obs;
		strbuf_printf(sb, "%sdirect ", indent);
		report_rpc_esc(sb, e->name, utf8);
		strbuf_printf(sb, " (chain %llu): %s", (unsigned long long)e->chain, state_name_upper(e->out.state));
		if (e->out.head)
			strbuf_printf(sb, ", head %llu, lag %llu", (unsigned long long)e->out.head,
			              (unsigned long long)e->out.lag);
		if (e->have_obs && o->http_done)
			strbuf_printf(sb, ", %.0f ms", o->latency_ms);
		if (e->have_obs && o->http_ok && o->st.client[0]) {
			strbuf_puts(sb, ", ");
			report_rpc_esc(sb, o->st.client, utf8);
		}
		if (e->have_obs && o->http_ok && o->st.syncing == JSONRPC_SYNC_YES)
			strbuf_puts(sb, ", syncing");
		if (e->ws_url[0]) {
			strbuf_printf(sb, "; ws %s", rpcjudge_ws_name(e->have_obs ? o->ws_state : RPC_WS_CONNECTING));
			if (e->have_obs && o->ws_head_ms)
				strbuf_printf(sb, ", last head %.1f s ago", (double)report_rpc_ago(now_ms, o->ws_head_ms) / 1000.0);
		}
		if (e->out.state != STATE_UP && e->out.reason[0]) {
			strbuf_puts(sb, " - ");
			report_rpc_esc(sb, e->out.reason, utf8);
		}
		strbuf_putc(sb, '\n');
	}
}
