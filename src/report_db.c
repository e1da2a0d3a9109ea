/* report_db.c - the databases probed directly in nodetop's reports (issue 15):
 * what the node saw, what the probe saw, as JSON and as text lines. */
#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "dbinfo.h"
#include "model.h"
#include "model_db.h"
#include "report_db.h"
#include "strbuf.h"
#include "textsafe.h"

static cJSON *db_uptime(const indicator_t *ind, int64_t now_ms)
{
	cJSON *o = cJSON_CreateObject();
	double p;
	cJSON_AddItemToObject(o, "1h", uptime_percent(&ind->uptime, now_ms, 3600000, &p) ? cJSON_CreateNumber(p)
	                                                                                   : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "24h", uptime_percent(&ind->uptime, now_ms, 86400000, &p) ? cJSON_CreateNumber(p)
	                                                                                     : cJSON_CreateNull());
	/* from the stored history (null while nothing was seen in the window, or no history) */
	cJSON_AddItemToObject(o, "7d", ind->long_known[MODEL_LONG_7D] ? cJSON_CreateNumber(ind->long_pct[MODEL_LONG_7D])
	                                                              : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "30d", ind->long_known[MODEL_LONG_30D] ? cJSON_CreateNumber(ind->long_pct[MODEL_LONG_30D])
	                                                                : cJSON_CreateNull());
	return o;
}

/* Untrusted text (the node's view quotes what the node sent) as valid UTF-8. */
static cJSON *db_str_or_null(const char *s)
{
	char buf[sizeof ((node_t *)0)->db_node_reason * 3 + 1];
	if (!s || !s[0])
		return cJSON_CreateNull();
	textsafe_utf8_repair(buf, sizeof buf, s, strlen(s));
	return cJSON_CreateString(buf);
}

static cJSON *db_direct_json(const model_db_t *d, int64_t now_ms)
{
	cJSON *o = dbinfo_to_json(d->name, &d->last);
	if (!d->probes)
		cJSON_ReplaceItemInObject(o, "state", cJSON_CreateString("unknown"));
	cJSON_AddItemToObject(o, "uptime_percent", db_uptime(&d->ind, now_ms));
	cJSON *l = cJSON_GetObjectItemCaseSensitive(o, "lease");
	if (cJSON_IsObject(l)) {
		/* the holder tied to a node, and whether it agrees with the pair's active member */
		cJSON_AddItemToObject(l, "holder_node", d->holder_node[0] ? cJSON_CreateString(d->holder_node)
		                                                          : cJSON_CreateNull());
		cJSON_AddItemToObject(l, "holder_tie", db_str_or_null(d->holder_tie));
		cJSON_AddItemToObject(l, "agrees", d->agrees < 0 ? cJSON_CreateNull() : cJSON_CreateBool(d->agrees));
		cJSON_AddItemToObject(l, "disagreement", d->agrees == 0 ? db_str_or_null(d->agree_text) : cJSON_CreateNull());
		cJSON_AddItemToObject(l, "problem", cJSON_CreateBool(d->disagree));
	}
	return o;
}

void report_db_node_json(cJSON *db, const model_t *m, size_t idx, int64_t now_ms)
{
	const node_t *n = &m->nodes[idx];
	cJSON *nv = cJSON_CreateObject();
	cJSON_AddStringToObject(nv, "state", state_name(n->db_node_view));
	cJSON_AddItemToObject(nv, "reason", db_str_or_null(n->db_node_reason));
	cJSON_AddItemToObject(nv, "open", n->have_db ? cJSON_CreateNumber(n->db_open) : cJSON_CreateNull());
	cJSON_AddItemToObject(nv, "used", n->have_db ? cJSON_CreateNumber(n->db_used) : cJSON_CreateNull());
	cJSON_AddItemToObject(nv, "max", n->have_db ? cJSON_CreateNumber(n->db_max) : cJSON_CreateNull());
	cJSON_AddItemToObject(nv, "wait_count", n->have_db ? cJSON_CreateNumber(n->db_wait) : cJSON_CreateNull());
	cJSON_AddItemToObject(db, "node_view", nv);

	cJSON *direct = cJSON_CreateArray();
	for (size_t i = 0; i < m->ndbs; i++) {
		const model_db_t *d = &m->dbs[i];
		if (!model_db_tied(m, i, n))
			continue;
		cJSON_AddItemToArray(direct, db_direct_json(d, now_ms));
	}
	cJSON_AddItemToObject(db, "direct", direct);
}

cJSON *report_db_json(const model_t *m, int64_t now_ms)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < m->ndbs; i++) {
		cJSON *o = db_direct_json(&m->dbs[i], now_ms), *ties = cJSON_CreateArray();
		for (size_t k = 0; k < m->dbs[i].nties; k++)
			cJSON_AddItemToArray(ties, cJSON_CreateString(m->dbs[i].ties[k]));
		cJSON_AddItemToObject(o, "ties", ties);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

void report_db_node_text(strbuf_t *sb, const model_t *m, size_t idx, const char *indent)
{
	const node_t *n = &m->nodes[idx];
	for (size_t i = 0; i < m->ndbs; i++) {
		const model_db_t *d = &m->dbs[i];
		const db_probe_result_t *r = &d->last;
		if (!model_db_tied(m, i, n))
			continue;
		strbuf_printf(sb, "%s%s (direct): ", indent, d->name);
		if (!d->probes) {
			strbuf_puts(sb, "not probed yet\n");
			continue;
		}
		if (!r->up) {
			strbuf_printf(sb, "DOWN, %s: %s\n", dbinfo_error_name(r->error), r->error_text);
			continue;
		}
		double ms = (r->connect_ms > 0 ? r->connect_ms : 0) + (r->query_ms > 0 ? r->query_ms : 0);
		strbuf_printf(sb, "UP, %s", dbinfo_role_name(r->role));
		if (r->role == DB_ROLE_READER && r->replay_lag_ms >= 0)
			strbuf_printf(sb, " (replay lag %lld ms)", (long long)r->replay_lag_ms);
		strbuf_printf(sb, ", %lld/%lld connections, %.1f ms, version %s", (long long)r->connections,
		              (long long)r->max_connections, ms, r->server_version);
		if (r->lease == DB_LEASE_HELD) {
			strbuf_printf(sb, ", lease %s (%s %lld ms)", r->lease_holder,
			              r->lease_expires_in_ms >= 0 ? "expires in" : "expired", (long long)
			              (r->lease_expires_in_ms >= 0 ? r->lease_expires_in_ms : -r->lease_expires_in_ms));
			if (d->holder_node[0])
				strbuf_printf(sb, " held by %s", d->holder_node);
			else if (d->holder_tie[0] && d->nclients)
				strbuf_printf(sb, ", %s", d->holder_tie);
			if (d->agrees == 0)
				strbuf_printf(sb, "; DISAGREES: %s%s", d->agree_text, d->disagree ? "" : " (within the grace)");
		}
		else if (r->lease == DB_LEASE_EMPTY)
			strbuf_puts(sb, ", lease: nobody holds it");
		else
			strbuf_puts(sb, ", lease: not readable");
		strbuf_putc(sb, '\n');
	}
}
