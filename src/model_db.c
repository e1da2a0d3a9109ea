/* model_db.c - the databases nodetop probes itself (issue 15): results into the
 * model, failover and lease events, and the database indicator's two views. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "model_db.h"
#include "model_priv.h"
#include "xalloc.h"

size_t model_db_add(model_t *m, const char *name, const char *const *ties, size_t nties, int64_t interval_ms)
{
	m->dbs = xrealloc(m->dbs, (m->ndbs + 1) * sizeof *m->dbs);
	model_db_t *d = &m->dbs[m->ndbs];
	memset(d, 0, sizeof *d);
	d->name = xstrdup(name ? name : "");
	d->ties = nties ? xcalloc(nties, sizeof *d->ties) : NULL;
	for (size_t i = 0; i < nties; i++)
		d->ties[i] = xstrdup(ties[i]);
	d->nties = nties;
	d->interval_ms = interval_ms > 0 ? interval_ms : 10000;
	dbinfo_init(&d->last);
	d->ind.state = STATE_UNKNOWN;
	model_copy(d->ind.reason, sizeof d->ind.reason, "not probed yet");
	uptime_init(&d->ind.uptime);
	m->generation++;
	return m->ndbs++;
}

void model_db_clear(model_t *m)
{
	for (size_t i = 0; i < m->ndbs; i++) {
		model_db_t *d = &m->dbs[i];
		for (size_t k = 0; k < d->nties; k++)
			free(d->ties[k]);
		free(d->ties);
		free(d->name);
	}
	free(m->dbs);
	m->dbs = NULL;
	m->ndbs = 0;
	m->generation++;
}

size_t model_db_find(const model_t *m, const char *name)
{
	for (size_t i = 0; name && i < m->ndbs; i++)
		if (strcmp(m->dbs[i].name, name) == 0)
			return i;
	return (size_t)-1;
}

bool model_db_tied(const model_t *m, size_t di, const node_t *n)
{
	if (di >= m->ndbs)
		return false;
	const model_db_t *d = &m->dbs[di];
	for (size_t k = 0; k < d->nties; k++)
		if (strcmp(d->ties[k], n->name) == 0 || (n->group && strcmp(d->ties[k], n->group) == 0))
			return true;
	return false;
}

bool model_db_direct(const model_t *m, const node_t *n)
{
	for (size_t i = 0; i < m->ndbs; i++)
		if (m->dbs[i].probes && model_db_tied(m, i, n))
			return true;
	return false;
}

/* ------------------------------------------------------------ results */

/* "writer, 12/30 connections, 2.1 ms" or "refused: connection refused ..." */
static void db_direct_reason(const db_probe_result_t *r, char *dst, size_t size)
{
	if (!r->up) {
		snprintf(dst, size, "%s: %.150s", dbinfo_error_name(r->error), r->error_text);
		return;
	}
	double ms = (r->connect_ms > 0 ? r->connect_ms : 0) + (r->query_ms > 0 ? r->query_ms : 0);
	snprintf(dst, size, "%s, %lld/%lld connections, %.1f ms", dbinfo_role_name(r->role), (long long)r->connections,
	         (long long)r->max_connections, ms);
}

/* What the failover groups tied to d say now: "; pair: active member primary". */
static void db_pair_facts(const model_t *m, const model_db_t *d, char *dst, size_t size)
{
	size_t o = 0;
	dst[0] = '\0';
	for (size_t gi = 0; gi < m->ngroups && o + 1 < size; gi++) {
		const group_t *g = &m->groups[gi];
		bool tied = false;
		for (size_t k = 0; k < g->nmembers && !tied; k++)
			tied = g->members[k] < m->nnodes && model_db_tied(m, (size_t)(d - m->dbs), &m->nodes[g->members[k]]);
		if (!tied)
			continue;
		const node_t *act = model_member(m, g->active);
		int w = act ? snprintf(dst + o, size - o, "; %.40s: active member %.40s", g->name, act->name)
		            : snprintf(dst + o, size - o, "; %.40s: no active member now", g->name);
		if (w < 0)
			break;
		o += (size_t)w < size - o ? (size_t)w : size - o - 1;
	}
}

static void db_events(model_t *m, model_db_t *d, const db_probe_result_t *r, int64_t now)
{
	char detail[256], pair[160];
	if (!r->up)
		return;
	if (r->role != DB_ROLE_UNKNOWN) {
		if (d->role_seen != DB_ROLE_UNKNOWN && d->role_seen != r->role) {
			bool w = r->role == DB_ROLE_WRITER;
			snprintf(detail, sizeof detail, "database failover: %.60s is now %s", d->name,
			         w ? "the writer" : "a reader");
			model_event(m, EVENT_DB_FAILOVER, "", d->name, w ? STATE_STANDBY : STATE_UP,
			            w ? STATE_UP : STATE_STANDBY, detail, now);
		}
		d->role_seen = r->role;
	}
	if (r->lease != DB_LEASE_HELD)
		return;
	bool live = r->lease_expires_in_ms >= 0;
	db_pair_facts(m, d, pair, sizeof pair);
	if (d->holder_seen[0] && strcmp(d->holder_seen, r->lease_holder) != 0) {
		snprintf(detail, sizeof detail, "lease holder changed on %.60s: %.40s -> %.40s%s", d->name, d->holder_seen,
		         r->lease_holder, pair);
		model_event(m, EVENT_DB_LEASE, "", d->name, STATE_UNKNOWN, live ? STATE_UP : STATE_DOWN, detail, now);
	} else if (d->holder_seen[0] && d->lease_live && !live) {
		snprintf(detail, sizeof detail, "lease on %.60s expired: %.40s stopped refreshing it%s", d->name,
		         r->lease_holder, pair);
		model_event(m, EVENT_DB_LEASE, "", d->name, STATE_UP, STATE_DOWN, detail, now);
	}
	model_copy(d->holder_seen, sizeof d->holder_seen, r->lease_holder);
	d->lease_live = live;
}

void model_apply_db(model_t *m, size_t di, const db_probe_result_t *r, int64_t now_ms)
{
	if (di >= m->ndbs || !r)
		return;
	model_db_t *d = &m->dbs[di];
	char reason[192];
	if (now_ms > m->now_ms)
		m->now_ms = now_ms;
	d->last = *r;
	d->probes++;
	d->last_ms = now_ms;
	db_direct_reason(r, reason, sizeof reason);
	model_ind_set_uptime(m, &d->ind, EVENT_DB, NULL, d->name, r->up ? STATE_UP : STATE_DOWN,
	                     r->up ? STATE_UP : STATE_DOWN, reason, now_ms);
	db_events(m, d, r, now_ms);
	m->generation++;         /* the caller's model_tick re-judges the nodes tied to it */
}

/* ------------------------------------------------------------ the judgement */

/* libpq's error without its "connection to server at "H", port P failed: "
 * prefix and the severity word: the reason's room goes to the cause. */
static const char *db_short_error(const char *text)
{
	const char *p = text;
	if (strncmp(p, "connection to server", 20) == 0) {
		const char *f = strstr(p, " failed: ");
		if (f)
			p = f + 9;
	}
	if (strncmp(p, "FATAL:  ", 8) == 0)
		p += 8;
	else if (strncmp(p, "FATAL: ", 7) == 0)
		p += 7;
	return p;
}

void model_db_judge(model_t *m, node_t *n, state_t *st, char *reason, size_t rsize)
{
	char node_view[160], up_name[64] = "", down[192] = "", up_why[96] = "";
	size_t tied = 0, up = 0;
	n->db_node_view = *st;
	model_copy(n->db_node_reason, sizeof n->db_node_reason, reason);
	model_copy(node_view, sizeof node_view, reason);
	for (size_t i = 0; i < m->ndbs; i++) {
		const model_db_t *d = &m->dbs[i];
		if (!d->probes || !model_db_tied(m, i, n))
			continue;
		tied++;
		if (d->last.up) {
			if (!up++) {
				model_copy(up_name, sizeof up_name, d->name);
				db_direct_reason(&d->last, up_why, sizeof up_why);
			}
		} else if (!down[0]) {
			snprintf(down, sizeof down, "%.60s down (%s: %.100s)", d->name, dbinfo_error_name(d->last.error),
			         db_short_error(d->last.error_text));
		}
	}
	if (!tied)
		return;
	if (up == 0) {
		*st = STATE_DOWN;
		snprintf(reason, rsize, "%s, direct probe; node's view: %s", down, node_view);
	} else if (up < tied) {
		if (*st < STATE_DEGRADED)
			*st = STATE_DEGRADED;
		snprintf(reason, rsize, "%s, direct probe; %.40s up; node's view: %s", down, up_name, node_view);
	} else if (*st == STATE_DOWN || *st == STATE_DEGRADED) {
		snprintf(reason, rsize, "node cannot use the database: %.80s; %.40s up (direct probe)", node_view, up_name);
	} else {
		*st = STATE_UP;
		snprintf(reason, rsize, "%.40s up (direct probe: %.60s); node's view: %s", up_name, up_why, node_view);
	}
}
