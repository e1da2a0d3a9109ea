/* model_group.c - failover groups as Chainlink runs them: which member is active,
 * which is the standby (refused while a peer answers), failovers, two active members. */
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "model.h"
#include "model_priv.h"

/* The member of a group answers: it is up, degraded or starting, not stale. */
bool model_member_answers(const node_t *n)
{
	return state_available(n->ind[IND_NODE].state);
}

/* Node n of group g is down the way a standby is: its port refuses connections
 * (the lease keeps its web server closed), or a load balancer answers for it
 * with a status listed in standby_answers. A timeout, a reset, an HTTP error
 * or garbage is a listener that misbehaves: not a standby. */
static bool model_member_refuses(const group_t *g, const node_t *n)
{
	if (n->state != STATE_DOWN)
		return false;
	if (n->http_status == 0)
		return n->health_error == PROBE_ERR_REFUSED;
	return (n->http_status == 502 && (g->standby_answers & GROUP_STANDBY_502)) ||
	       (n->http_status == 503 && (g->standby_answers & GROUP_STANDBY_503));
}

/* Node n is its group's standby: it refuses while another member answers. */
bool model_is_standby(const model_t *m, const node_t *n, bool stale)
{
	size_t gi = model_group_index(m, n);
	if (gi == (size_t)-1 || stale || !model_member_refuses(&m->groups[gi], n))
		return false;
	const group_t *g = &m->groups[gi];
	for (size_t k = 0; k < g->nmembers; k++) {
		const node_t *o = g->members[k] < m->nnodes ? &m->nodes[g->members[k]] : NULL;
		if (o && o != n && model_member_answers(o))
			return true;
	}
	return false;
}

/* Node n refuses, no other member answers, and one of them has not been polled
 * yet: whether n is the standby or the group is down is not known until it has. */
bool model_role_pending(const model_t *m, const node_t *n, bool stale)
{
	size_t gi = model_group_index(m, n);
	if (gi == (size_t)-1 || stale || !model_member_refuses(&m->groups[gi], n))
		return false;
	const group_t *g = &m->groups[gi];
	bool unpolled = false;
	for (size_t k = 0; k < g->nmembers; k++) {
		const node_t *o = g->members[k] < m->nnodes ? &m->nodes[g->members[k]] : NULL;
		if (!o || o == n)
			continue;
		if (model_member_answers(o))
			return false;
		if (o->last_health_ms == 0)
			unpolled = true;
	}
	return unpolled;
}

/* A member serves as the active one would: up or degraded (not starting), its
 * /metrics answering with an uptime_seconds that grew lately (Chainlink moves
 * it in steps of 15 s: within two intervals, at least 30 s). */
#define MODEL_UPTIME_STEP_WINDOW_MS 30000

static bool model_member_serves(const node_t *n, int64_t now)
{
	state_t s = n->ind[IND_NODE].state;
	int64_t window = 2 * n->interval_ms > MODEL_UPTIME_STEP_WINDOW_MS ? 2 * n->interval_ms
	               : MODEL_UPTIME_STEP_WINDOW_MS;
	return (s == STATE_UP || s == STATE_DEGRADED) && n->have_metrics && n->uptime_grew_ms &&
	       now - n->uptime_grew_ms <= window;
}

static void model_failover_event(model_t *m, group_t *g, const node_t *from, const node_t *to,
                                 int64_t gap, int64_t now)
{
	event_t e;
	char d[32];
	memset(&e, 0, sizeof e);
	e.ts_ms = now;
	e.kind = EVENT_FAILOVER;
	e.from = from ? from->ind[IND_NODE].state : STATE_UNKNOWN;
	e.to = to->ind[IND_NODE].state;
	model_copy(e.node, sizeof e.node, to->name);
	model_copy(e.peer, sizeof e.peer, from ? from->name : "");
	model_copy(e.group, sizeof e.group, g->name);
	e.gap_ms = gap;
	if (gap < 1000)
		snprintf(d, sizeof d, "%lld ms", (long long)gap);
	else
		fmt_duration(d, sizeof d, gap);
	snprintf(e.detail, sizeof e.detail, "%.60s -> %.60s after %s without an active member",
	         from ? from->name : "?", to->name, d);
	eventlog_add(&m->events, &e);
	g->failovers++;
	g->failover_ms[g->failover_head] = now;
	g->failover_head = (g->failover_head + 1) % GROUP_FAILOVER_LOG;
	if (g->nfailover_log < GROUP_FAILOVER_LOG)
		g->nfailover_log++;
}

static void model_two_active_event(model_t *m, const group_t *g, bool on, const char *detail, int64_t now)
{
	event_t e;
	memset(&e, 0, sizeof e);
	e.ts_ms = now;
	e.kind = EVENT_TWO_ACTIVE;
	e.from = on ? STATE_UP : STATE_DEGRADED;
	e.to = on ? STATE_DEGRADED : STATE_UP;
	model_copy(e.group, sizeof e.group, g->name);
	model_copy(e.detail, sizeof e.detail, detail);
	eventlog_add(&m->events, &e);
}

/* Which member is active: the current one while it answers; else the first
 * answering member that is not starting, else the first answering one. A
 * change of member is a failover (one event, with the time no member was
 * active); the same member answering again is not. */
static bool model_group_roles(model_t *m, group_t *g, int64_t now)
{
	bool changed = false;
	size_t act = GROUP_NONE;
	const node_t *cur = model_member(m, g->active);
	if (cur && model_member_answers(cur)) {
		act = g->active;
	} else {
		for (int pass = 0; pass < 2 && act == GROUP_NONE; pass++)
			for (size_t k = 0; k < g->nmembers && act == GROUP_NONE; k++) {
				const node_t *n = model_member(m, g->members[k]);
				if (n && model_member_answers(n) && (pass || n->ind[IND_NODE].state != STATE_STARTING))
					act = g->members[k];
			}
	}
	if (act != g->active) {
		if (cur) {                 /* the active member stopped answering */
			g->last_active = g->active;
			if (!g->lost_ms)   /* a failover already under way keeps its start */
				g->lost_ms = cur->last_ok_ms ? cur->last_ok_ms : now;
		}
		const node_t *from = model_member(m, g->last_active), *to = model_member(m, act);
		if (to && from && from != to)
			model_failover_event(m, g, from, to, g->lost_ms && now > g->lost_ms ? now - g->lost_ms : 0, now);
		if (to)
			g->last_active = act;
		g->active = act;
		g->active_since_ms = now;
		changed = true;
	}
	/* the failover is over once the active member serves (not starting) */
	const node_t *a = model_member(m, g->active);
	if (a && g->lost_ms && a->ind[IND_NODE].state != STATE_STARTING) {
		g->lost_ms = 0;
		changed = true;
	}

	/* two members serving for longer than two intervals: the lease is not doing its job */
	size_t serving = 0;
	int64_t iv = 0;
	const node_t *s1 = NULL, *s2 = NULL;
	for (size_t k = 0; k < g->nmembers; k++) {
		const node_t *n = model_member(m, g->members[k]);
		if (!n)
			continue;
		if (n->interval_ms > iv)
			iv = n->interval_ms;
		if (model_member_serves(n, now)) {
			serving++;
			if (!s1)
				s1 = n;
			else if (!s2)
				s2 = n;
		}
	}
	if (serving >= 2) {
		if (!g->two_since_ms)
			g->two_since_ms = now;
		if (!g->two_active && now - g->two_since_ms > 2 * iv) {
			char d[256], dur[32];
			fmt_duration(dur, sizeof dur, now - g->two_since_ms);
			snprintf(d, sizeof d, "%.60s and %.60s both active for %s: the database lease is not keeping "
			         "them apart (double transmissions)", s1->name, s2->name, dur);
			g->two_active = true;
			model_two_active_event(m, g, true, d, now);
			changed = true;
		}
	} else {
		g->two_since_ms = 0;
		if (g->two_active) {
			g->two_active = false;
			model_two_active_event(m, g, false, "one active member again", now);
			changed = true;
		}
	}
	return changed;
}

/* Group g's indicator k now: its state, the state its uptime accrues (a group
 * whose active member is starting serves nothing: not available), a reason and
 * the severity (see model_group_attention). */
state_t model_group_eval(const model_t *m, const group_t *g, indicator_id_t k, int64_t now,
                                state_t *ust, char *reason, size_t rsize, severity_t *sev)
{
	const node_t *a = model_member(m, g->active);
	state_t st = STATE_UNKNOWN;
	const node_t *bn = NULL;
	char local[8];
	if (!reason) {
		reason = local;
		rsize = sizeof local;
	}
	if (a) {
		st = a->ind[k].state;
		bn = a;
	} else {
		for (size_t i = 0; i < g->nmembers; i++) {
			const node_t *n = model_member(m, g->members[i]);
			if (!n)
				continue;
			state_t s = n->ind[k].state;
			if (!bn || (s != st && state_best(st, s) == s)) {
				bn = n;
				st = s;
			}
		}
	}
	if (k != IND_NODE) {
		if (bn)
			snprintf(reason, rsize, "%.60s: %.120s", bn->name, bn->ind[k].reason);
		else
			model_copy(reason, rsize, "no members");
		if (ust)
			*ust = st;
		if (sev)
			*sev = st == STATE_DOWN ? SEV_CRITICAL : st == STATE_DEGRADED || st == STATE_STARTING ? SEV_WARNING
			     : st == STATE_UNKNOWN ? SEV_UNKNOWN : SEV_OK;
		return st;
	}
	if (!a && st == STATE_STANDBY)
		st = STATE_DOWN;                     /* cannot last: a standby needs an active peer */
	bool failing_over = g->lost_ms != 0 && (!a || st == STATE_STARTING);
	int64_t lost_for = failing_over && now > g->lost_ms ? now - g->lost_ms : 0;
	bool late = failing_over && lost_for > g->failover_grace_ms;
	char d[32];
	fmt_duration(d, sizeof d, lost_for);
	if (a && g->two_active) {
		st = state_worst(st, STATE_DEGRADED);
		snprintf(reason, rsize, "two active members: the database lease is not keeping them apart");
	} else if (a && failing_over) {
		snprintf(reason, rsize, "failing over: %.60s starting, %s", a->name, d);
	} else if (a) {
		snprintf(reason, rsize, "%.60s: %.120s", a->name, a->ind[IND_NODE].reason);
	} else if (failing_over && st == STATE_DOWN) {
		snprintf(reason, rsize, "failing over: no member answering for %s", d);
	} else if (bn) {
		snprintf(reason, rsize, "%.60s: %.120s", bn->name, bn->ind[IND_NODE].reason);
	} else {
		model_copy(reason, rsize, "no members");
	}
	if (ust)
		*ust = st == STATE_STARTING ? STATE_DOWN : st;
	if (sev) {
		switch (st) {
		case STATE_UP: *sev = SEV_OK; break;
		case STATE_DEGRADED: *sev = SEV_WARNING; break;
		case STATE_STARTING: *sev = late ? SEV_CRITICAL : SEV_WARNING; break;
		case STATE_DOWN: *sev = failing_over && !late ? SEV_WARNING : SEV_CRITICAL; break;
		default: *sev = SEV_UNKNOWN; break;
		}
	}
	return st;
}

bool model_group_update(model_t *m, group_t *g, int64_t now)
{
	bool changed = model_group_roles(m, g, now);
	for (int k = 0; k < IND__COUNT; k++) {
		char reason[192];
		state_t ust;
		state_t st = model_group_eval(m, g, (indicator_id_t)k, now, &ust, reason, sizeof reason, NULL);
		state_t was = g->ind[k].state;
		changed |= model_ind_set_uptime(m, &g->ind[k], EVENT_NODE, NULL, "", st, ust, reason, now);
		if (was != st) {
			/* the group's own transition: "group pair up -> down: no member answers" */
			event_t e;
			memset(&e, 0, sizeof e);
			e.ts_ms = now;
			e.kind = EVENT_GROUP;
			e.from = was;
			e.to = st;
			model_copy(e.group, sizeof e.group, g->name);
			model_copy(e.subject, sizeof e.subject, k == IND_NODE ? "" : indicator_name((indicator_id_t)k));
			model_copy(e.detail, sizeof e.detail, reason);
			eventlog_add(&m->events, &e);
		}
	}
	return changed;
}

void model_group_options(model_t *m, const char *group, int64_t failover_grace_ms, unsigned standby_answers)
{
	for (size_t i = 0; group && i < m->ngroups; i++) {
		if (strcmp(m->groups[i].name, group) != 0)
			continue;
		m->groups[i].failover_grace_ms = failover_grace_ms > 0 ? failover_grace_ms : GROUP_FAILOVER_GRACE_MS;
		m->groups[i].standby_answers = standby_answers & (GROUP_STANDBY_502 | GROUP_STANDBY_503);
		m->generation++;
	}
}

int model_group_two_active(const model_t *m, size_t gi)
{
	if (gi >= m->ngroups)
		return -1;
	const group_t *g = &m->groups[gi];
	if (g->two_active)
		return 1;
	for (size_t k = 0; k < g->nmembers; k++) {
		const node_t *o = model_member(m, g->members[k]);
		if (o && o->polls + o->metrics_polls < 3)
			return -1;
	}
	return 0;
}

size_t model_group_failovers(const model_t *m, size_t gi, int64_t now_ms, int64_t window_ms)
{
	if (gi >= m->ngroups)
		return 0;
	const group_t *g = &m->groups[gi];
	size_t k = 0;
	for (size_t i = 0; i < g->nfailover_log; i++)
		if (now_ms - g->failover_ms[i] <= window_ms)
			k++;
	return k;
}

