/* report_rpc.c - the [rpc NAME] endpoints in the reports (pure): each node's "direct" list in
 * JSON and one text line per endpoint; URLs never appear, untrusted text is escaped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsontext.h"
#include "model_rpc.h"
#include "report_rpc.h"
#include "textsafe.h"
#include "xalloc.h"

static void report_rpc_add(cJSON *o, const char *k, cJSON *v)
{
	cJSON_AddItemToObject(o, k, v ? v : cJSON_CreateNull());
}

static int64_t report_rpc_ago(int64_t now, int64_t then)
{
	return then && now > then ? now - then : 0;
}

/* One endpoint as both reports show it: each field known or not, decided once. */
typedef struct rpc_fields {
	const rpc_ep_t *e;
	bool head;                 /* head and lag known */
	bool latency;              /* latency_ms known */
	const char *client;        /* NULL: unknown */
	bool syncing_known, syncing;
	bool ws;                   /* a WebSocket is configured */
	rpc_ws_state_t ws_state;
	bool ws_head;              /* ws_head_ago_ms known */
	int64_t ws_head_ago_ms;
} rpc_fields_t;

/* The next endpoint from *i on that serves node n, in f; false past the last. */
static bool report_rpc_next(rpc_fields_t *f, const model_t *m, const node_t *n, int64_t now_ms, size_t *i)
{
	for (; *i < model_rpc_count(m); (*i)++) {
		const rpc_ep_t *e = model_rpc_get(m, *i);
		if (!model_rpc_serves(e, n->name))
			continue;
		const rpc_obs_t *o = &e->obs;
		bool ok = e->have_obs && o->http_ok;
		memset(f, 0, sizeof *f);
		f->e = e;
		f->head = e->out.head != 0;
		f->latency = e->have_obs && o->http_done;
		f->client = ok && o->st.client[0] ? o->st.client : NULL;
		f->syncing_known = ok && o->st.syncing != JSONRPC_SYNC_UNKNOWN;
		f->syncing = ok && o->st.syncing == JSONRPC_SYNC_YES;
		f->ws = e->ws_url[0] != '\0';
		f->ws_state = e->have_obs ? o->ws_state : RPC_WS_CONNECTING;
		f->ws_head = e->have_obs && o->ws_head_ms;
		f->ws_head_ago_ms = report_rpc_ago(now_ms ? now_ms : m->now_ms, o->ws_head_ms);
		(*i)++;
		return true;
	}
	return false;
}

void report_rpc_json(cJSON *rpc, const model_t *m, const node_t *n, int64_t now_ms)
{
	cJSON *arr = cJSON_CreateArray();
	rpc_fields_t f;
	for (size_t i = 0; report_rpc_next(&f, m, n, now_ms, &i);) {
		const rpc_ep_t *e = f.e;
		cJSON *j = cJSON_CreateObject();
		report_rpc_add(j, "name", jsontext_str(e->name));
		report_rpc_add(j, "chain", cJSON_CreateNumber((double)e->chain));
		report_rpc_add(j, "state", cJSON_CreateString(state_name(e->out.state)));
		report_rpc_add(j, "head", f.head ? cJSON_CreateNumber((double)e->out.head) : NULL);
		report_rpc_add(j, "lag_blocks", f.head ? cJSON_CreateNumber((double)e->out.lag) : NULL);
		report_rpc_add(j, "latency_ms", f.latency ? cJSON_CreateNumber(e->obs.latency_ms) : NULL);
		report_rpc_add(j, "client", f.client ? jsontext_str(f.client) : NULL);
		report_rpc_add(j, "syncing", f.syncing_known ? cJSON_CreateBool(f.syncing) : NULL);
		if (f.ws) {
			cJSON *ws = cJSON_CreateObject();
			report_rpc_add(ws, "state", cJSON_CreateString(rpcjudge_ws_name(f.ws_state)));
			report_rpc_add(ws, "last_head_ms_ago", f.ws_head ? cJSON_CreateNumber((double)f.ws_head_ago_ms) : NULL);
			report_rpc_add(j, "ws", ws);
		} else {
			report_rpc_add(j, "ws", NULL);
		}
		bool bad = e->out.state == STATE_DOWN || e->out.state == STATE_DEGRADED;
		report_rpc_add(j, "error", bad && e->out.reason[0] ? jsontext_str(e->out.reason) : NULL);
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
	rpc_fields_t f;
	for (size_t i = 0; report_rpc_next(&f, m, n, now_ms, &i);) {
		const rpc_ep_t *e = f.e;
		strbuf_printf(sb, "%sdirect ", indent);
		report_rpc_esc(sb, e->name, utf8);
		strbuf_printf(sb, " (chain %llu): %s", (unsigned long long)e->chain, state_name_upper(e->out.state));
		if (f.head)
			strbuf_printf(sb, ", head %llu, lag %llu", (unsigned long long)e->out.head,
			              (unsigned long long)e->out.lag);
		if (f.latency)
			strbuf_printf(sb, ", %.0f ms", e->obs.latency_ms);
		if (f.client) {
			strbuf_puts(sb, ", ");
			report_rpc_esc(sb, f.client, utf8);
		}
		if (f.syncing)
			strbuf_puts(sb, ", syncing");
		if (f.ws) {
			strbuf_printf(sb, "; ws %s", rpcjudge_ws_name(f.ws_state));
			if (f.ws_head)
				strbuf_printf(sb, ", last head %.1f s ago", (double)f.ws_head_ago_ms / 1000.0);
		}
		if (e->out.state != STATE_UP && e->out.reason[0]) {
			strbuf_puts(sb, " - ");
			report_rpc_esc(sb, e->out.reason, utf8);
		}
		strbuf_putc(sb, '\n');
	}
}
