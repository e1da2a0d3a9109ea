/* model_hist.c - what the stored history takes from the model and gives back:
 * every indicator by name and key, restored uptime minutes, the 7 d / 30 d figures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "model_db.h"
#include "model_priv.h"
#include "xalloc.h"

const int64_t model_long_window_ms[2] = { 7 * 86400000LL, 30 * 86400000LL };

/* An indicator's history key is its name (indicator_name): one added to
 * indicator_id_t is kept and restored with no change here. */
void model_each_indicator(model_t *m, model_indicator_cb cb, void *ud)
{
	char key[64];
	for (size_t i = 0; i < m->nnodes; i++) {
		node_t *n = &m->nodes[i];
		for (int k = 0; k < IND__COUNT; k++)
			cb(ud, n->name, indicator_name((indicator_id_t)k), n->ind[k].uptime.cur, &n->ind[k], &n->ind[k].hist);
		for (size_t c = 0; c < n->nchains; c++) {
			size_t l = strnlen(n->chains[c].id, sizeof key - 5);   /* "rpc:ID", as often as there are rounds */
			memcpy(key, "rpc:", 4);
			memcpy(key + 4, n->chains[c].id, l);
			key[4 + l] = '\0';
			cb(ud, n->name, key, n->chains[c].state, NULL, &n->chains[c].hist);
		}
	}
	for (size_t g = 0; g < m->ngroups; g++)
		for (int k = 0; k < IND__COUNT; k++)
			cb(ud, m->groups[g].name, indicator_name((indicator_id_t)k), m->groups[g].ind[k].uptime.cur,
			   &m->groups[g].ind[k], &m->groups[g].ind[k].hist);
	for (size_t d = 0; d < m->ndbs; d++)   /* a [database]'s direct probe (issue 15) */
		cb(ud, m->dbs[d].name, MODEL_DB_HIST_KEY, m->dbs[d].ind.uptime.cur, &m->dbs[d].ind, &m->dbs[d].ind.hist);
}

indicator_t *model_find_indicator(model_t *m, const char *name, const char *key)
{
	int k = 0;
	if (strcmp(key, MODEL_DB_HIST_KEY) == 0) {
		size_t d = model_db_find(m, name);
		return d < m->ndbs ? &m->dbs[d].ind : NULL;
	}
	while (k < IND__COUNT && strcmp(indicator_name((indicator_id_t)k), key) != 0)
		k++;
	if (k == IND__COUNT)
		return NULL;
	for (size_t i = 0; i < m->nnodes; i++)
		if (strcmp(m->nodes[i].name, name) == 0)
			return &m->nodes[i].ind[k];
	for (size_t g = 0; g < m->ngroups; g++)
		if (strcmp(m->groups[g].name, name) == 0)
			return &m->groups[g].ind[k];
	return NULL;
}

/* A stored state as the model's. */
static state_t model_hist_state(hstate_t s)
{
	switch (s) {
	case HS_UP: return STATE_UP;
	case HS_STANDBY: return STATE_STANDBY;
	case HS_STARTING: return STATE_STARTING;
	case HS_DEGRADED: return STATE_DEGRADED;
	case HS_DOWN: return STATE_DOWN;
	default: return STATE_UNKNOWN;
	}
}

void model_restore_minutes(indicator_t *ind, int64_t first, int n, const bucket_t *b)
{
	for (int i = 0; i < n; i++) {
		if (buckets_seen_ms(&b[i]) == 0)
			continue;               /* not watched: left empty, never up */
		uint32_t ms[STATE__COUNT] = { 0 };
		for (int s = 0; s < HS__COUNT; s++)
			ms[model_hist_state((hstate_t)s)] += b[i].ms[s];
		uptime_seed(&ind->uptime, first + i, ms);
	}
}

void model_set_long_bar(indicator_t *ind, int res, int64_t end, const bucket_t *b, int n)
{
	if (res < 0 || res > MODEL_BAR_WEEKS)
		return;
	int skip = n > MODEL_BAR_CELLS ? n - MODEL_BAR_CELLS : 0;
	int pad = MODEL_BAR_CELLS - (n - skip);
	for (int i = 0; i < MODEL_BAR_CELLS; i++) {
		int k = i - pad + skip;
		ind->long_bar[res][i] = (unsigned char)(k >= skip && k < n ? model_hist_state(buckets_worst(&b[k]))
		                                                           : STATE_UNKNOWN);
	}
	ind->long_bar_end[res] = end;
	ind->long_bar_known = true;
}

void model_chart_key(const model_t *m, const series_t *s, char *buf, size_t n)
{
	const char *id = s->def < m->charts.n ? m->charts.defs[s->def].id : "?";
	if (s->key[0])
		snprintf(buf, n, "%s:%s", id, s->key);
	else
		snprintf(buf, n, "%s", id);
}

/* Node n's series of chart def and split key, made if missing (NULL: too many). */
static series_t *model_series_for(model_t *m, node_t *n, size_t def, const char *key)
{
	series_t *s = NULL;
	for (size_t i = 0; i < n->nseries && !s; i++)
		if (n->series[i].def == def && strcmp(n->series[i].key, key) == 0)
			s = &n->series[i];
	if (!s) {
		if (n->nseries >= MODEL_MAX_SERIES)
			return false;
		n->series = xgrow(n->series, &n->series_cap, n->nseries + 1, sizeof *n->series);
		s = &n->series[n->nseries++];
		memset(s, 0, sizeof *s);
		s->def = def;
		model_copy(s->key, sizeof s->key, key);
		ring_init(&s->ring, m->ring_cap);
	}
	return s;
}

bool model_restore_point(model_t *m, size_t idx, const char *chart_key, int64_t ts_ms, double v)
{
	if (idx >= m->nnodes)
		return false;
	node_t *n = &m->nodes[idx];
	const char *colon = strchr(chart_key, ':');
	size_t idlen = colon ? (size_t)(colon - chart_key) : strlen(chart_key);
	const char *key = colon ? colon + 1 : "";
	size_t def = 0;
	while (def < m->charts.n && !(strlen(m->charts.defs[def].id) == idlen &&
	                                 memcmp(m->charts.defs[def].id, chart_key, idlen) == 0))
		def++;
	if (def == m->charts.n || strlen(key) >= sizeof n->series[0].key)
		return false;
	series_t *s = model_series_for(m, n, def, key);
	if (!s)
		return false;
	int64_t last;
	if (ring_last(&s->ring, &last, NULL) && ts_ms <= last)
		return false;
	ring_push(&s->ring, ts_ms, v);
	m->generation++;
	return true;
}

size_t model_backfill_points(model_t *m, size_t idx, size_t def, const char *key, const int64_t *ts, const double *v,
                             size_t n)
{
	if (idx >= m->nnodes || def >= m->charts.n || strlen(key) >= sizeof m->nodes[idx].series[0].key || n == 0)
		return 0;
	series_t *s = model_series_for(m, &m->nodes[idx], def, key);
	if (!s)
		return 0;
	ring_t *r = &s->ring;
	int64_t oldest = INT64_MAX;
	if (r->len)
		ring_get(r, 0, &oldest, NULL);
	/* the points before the oldest it has, in order, the newest that fit */
	size_t end = 0;
	while (end < n && ts[end] < oldest)
		end++;
	size_t room = r->cap > r->len ? r->cap - r->len : 0, start = end > room ? end - room : 0;
	if (start >= end)
		return 0;
	size_t keep = r->len;
	int64_t *kt = xcalloc(keep ? keep : 1, sizeof *kt);
	double *kv = xcalloc(keep ? keep : 1, sizeof *kv);
	for (size_t i = 0; i < keep; i++)
		ring_get(r, i, &kt[i], &kv[i]);
	ring_clear(r);
	size_t added = 0;
	int64_t prev = INT64_MIN;
	for (size_t i = start; i < end; i++) {
		if (ts[i] <= prev)
			continue;   /* out of order or twice: not a point of a series */
		ring_push(r, ts[i], v[i]);
		prev = ts[i];
		added++;
	}
	for (size_t i = 0; i < keep; i++)
		ring_push(r, kt[i], kv[i]);
	free(kt);
	free(kv);
	m->generation++;
	return added;
}
