/* model_judge.c - the judgements every view asks: how much a node or a group needs
 * attention (state, severity, rank, role, reason) and the overall status and exit code. */
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "model.h"
#include "model_priv.h"

const char *severity_name(severity_t s)
{
	switch (s) {
	case SEV_OK: return "OK";
	case SEV_WARNING: return "WARNING";
	case SEV_CRITICAL: return "CRITICAL";
	default: return "UNKNOWN";
	}
}

const char *role_name(role_t r)
{
	return r == ROLE_ACTIVE ? "active" : r == ROLE_STANDBY ? "standby" : NULL;
}

state_t model_group_state(const model_t *m, size_t gi, indicator_id_t ind)
{
	if (gi >= m->ngroups || (unsigned)ind >= IND__COUNT)
		return STATE_UNKNOWN;
	return model_group_eval(m, &m->groups[gi], ind, 0, NULL, NULL, 0, NULL);
}

/* Order of severities for "worst wins": CRITICAL > WARNING > UNKNOWN > OK. */
static int sev_order(severity_t s)
{
	switch (s) {
	case SEV_CRITICAL: return 3;
	case SEV_WARNING: return 2;
	case SEV_UNKNOWN: return 1;
	default: return 0;
	}
}

/* One indicator's weight: its severity and its place within that severity
 * (5 node down, 4 db/rpc down, 3 degraded, 2 starting, 1 unknown, 0 fine). */
typedef struct weight {
	severity_t sev;
	int sub;
	bool waiting;
} weight_t;

static weight_t model_ind_weight(const model_t *m, const node_t *n, size_t gi, indicator_id_t k, state_t s,
                                 int64_t now)
{
	weight_t w = { SEV_OK, 0, false };
	bool grouped = gi != (size_t)-1;
	const group_t *g = grouped ? &m->groups[gi] : NULL;
	const node_t *act = g ? model_member(m, g->active) : NULL;
	switch (s) {
	case STATE_UP:
		break;
	case STATE_STANDBY:
		w.waiting = true;          /* refusing while a peer answers: its normal state */
		break;
	case STATE_STARTING:
		if (k == IND_NODE && act && act != n &&
		    (act->ind[IND_NODE].state == STATE_UP || act->ind[IND_NODE].state == STATE_DEGRADED)) {
			w.waiting = true;      /* answering 204 while the active member serves: waiting */
			break;
		}
		/* the active member starting: as much as the group (critical once a failover is late) */
		w.sev = k == IND_NODE && act == n ? model_group_attention(m, gi, now).severity : SEV_WARNING;
		w.sub = 2;
		break;
	case STATE_DEGRADED:
		w.sev = SEV_WARNING;
		w.sub = 3;
		break;
	case STATE_DOWN:
		/* a member down while a peer carries the group: the failover is gone (a
		 * member that misbehaves is not a standby); with no member carrying it,
		 * as much as the group (a warning while failing over, then critical) */
		if (grouped && state_available(model_group_state(m, gi, k)))
			w.sev = SEV_WARNING;
		else if (grouped && k == IND_NODE)
			w.sev = model_group_attention(m, gi, now).severity;
		else
			w.sev = SEV_CRITICAL;
		w.sub = k == IND_NODE ? 5 : 4;
		break;
	default:
		/* nodetop could not see: counts when it tried (the node, or a failed /metrics) */
		if (k == IND_NODE || n->metrics_error[0]) {
			w.sev = SEV_UNKNOWN;
			w.sub = 1;
		}
		break;
	}
	return w;
}

static bool weight_worse(weight_t a, weight_t b)
{
	if (sev_order(a.sev) != sev_order(b.sev))
		return sev_order(a.sev) > sev_order(b.sev);
	return a.sub > b.sub;
}

/* The attention of something nothing is known of (a node or group index out
 * of range; the start of every judgement): unknown, no role, no reason. */
static attention_t attention_unknown(void)
{
	attention_t a;
	memset(&a, 0, sizeof a);
	a.state = STATE_UNKNOWN;
	a.severity = SEV_UNKNOWN;
	a.ind = IND_NODE;
	a.role = ROLE_NONE;
	return a;
}

/* The attention of node idx, and the worst severity of its known indicators
 * (-1 none, else SEV_OK/WARNING/CRITICAL): a grouped member's unknown counts
 * through its group only. */
static attention_t model_judge(const model_t *m, size_t idx, int64_t now_ms, int *known)
{
	if (now_ms <= 0)
		now_ms = m->now_ms;
	attention_t a = attention_unknown();
	*known = -1;
	if (idx >= m->nnodes)
		return a;
	const node_t *n = &m->nodes[idx];
	size_t gi = model_group_index(m, n);
	a.stale = n->last_health_ms > 0 && node_is_stale(n, now_ms);
	a.state = a.stale ? STATE_UNKNOWN : n->ind[IND_NODE].state;

	if (gi != (size_t)-1) {
		const group_t *g = &m->groups[gi];
		a.role = g->active == idx ? ROLE_ACTIVE : ROLE_NONE;
	}
	weight_t worst = { SEV_OK, 0, false };
	for (int k = 0; k < IND__COUNT; k++) {
		/* a stale node's indicators are all unknown, whatever they said last */
		state_t s = a.stale ? STATE_UNKNOWN : n->ind[k].state;
		weight_t w = model_ind_weight(m, n, gi, (indicator_id_t)k, s, now_ms);
		if (k == IND_NODE)
			a.waiting = w.waiting;
		else if (a.waiting && w.sev == SEV_UNKNOWN)
			w.sev = SEV_OK, w.sub = 0;   /* a waiting standby serves no /metrics yet */
		if (s != STATE_UNKNOWN && (unsigned)s < STATE__COUNT) {
			int o = w.sev == SEV_CRITICAL ? 2 : w.sev == SEV_WARNING ? 1 : 0;
			if (o > *known)
				*known = o;
		}
		if (k == IND_NODE || weight_worse(w, worst)) {
			worst = w;
			a.ind = (indicator_id_t)k;
		}
	}
	if (a.waiting)
		a.role = ROLE_STANDBY;
	/* firing alert rules: warning -> WARNING, critical -> CRITICAL (not when stale:
	 * their values are as old as the rest) */
	const rule_inst_t *rule = NULL;
	int level = a.stale ? 0 : rules_worst(n->rules, &rule);
	bool by_rule = false;
	if (level > 0) {
		weight_t w = { level >= RULE_LEVEL_CRITICAL ? SEV_CRITICAL : SEV_WARNING,
		               level >= RULE_LEVEL_CRITICAL ? 4 : 3, false };
		if (level > *known)
			*known = level;
		if (weight_worse(w, worst)) {
			worst = w;
			by_rule = true;
		}
	}
	a.severity = worst.sev;
	a.rank = worst.sub ? sev_order(worst.sev) * 8 + worst.sub : 0;
	a.problem = a.severity != SEV_OK || a.stale || n->nfailing > 0 || level > 0;
	if (a.problem && a.rank == 0)
		a.rank = 1;
	if (a.stale) {
		char d[32];
		fmt_duration(d, sizeof d, now_ms - node_last_answer_ms(n));
		snprintf(a.reason, sizeof a.reason, "stale: last answer %s ago", d);
		a.since_ms = node_last_answer_ms(n);
		a.since_seen = true;
		a.ind = IND_NODE;
	} else if (by_rule) {
		snprintf(a.reason, sizeof a.reason, "%s: %.160s", rule_info(rule->rule)->name, rule->detail);
		a.since_ms = rule->since_ms;
		a.since_seen = true;
	} else if (a.waiting && a.state == STATE_STARTING) {
		model_copy(a.reason, sizeof a.reason, "standby waiting for the database lease (HTTP 204)");
		a.since_ms = n->ind[IND_NODE].since_ms;
		a.since_seen = n->ind[IND_NODE].since_seen;
	} else {
		model_copy(a.reason, sizeof a.reason, n->ind[a.ind].reason);
		a.since_ms = n->ind[a.ind].since_ms;
		a.since_seen = n->ind[a.ind].since_seen;
	}
	return a;
}

attention_t model_node_attention(const model_t *m, size_t idx, int64_t now_ms)
{
	int known;
	return model_judge(m, idx, now_ms, &known);
}

attention_t model_group_attention(const model_t *m, size_t gi, int64_t now_ms)
{
	if (now_ms <= 0)
		now_ms = m->now_ms;
	attention_t a = attention_unknown();
	if (gi >= m->ngroups)
		return a;
	const group_t *g = &m->groups[gi];
	a.state = model_group_eval(m, g, IND_NODE, now_ms, NULL, a.reason, sizeof a.reason, &a.severity);
	int sub = a.state == STATE_DOWN ? 5 : a.state == STATE_DEGRADED ? 3 : a.state == STATE_STARTING ? 2
	        : a.state == STATE_UNKNOWN ? 1 : 0;
	a.rank = a.severity == SEV_OK ? 0 : sev_order(a.severity) * 8 + sub;
	a.problem = a.severity != SEV_OK;
	a.since_ms = g->ind[IND_NODE].state == a.state ? g->ind[IND_NODE].since_ms : 0;
	a.since_seen = g->ind[IND_NODE].state == a.state && g->ind[IND_NODE].since_seen;
	if (g->lost_ms && (a.state == STATE_DOWN || a.state == STATE_STARTING)) {
		a.since_ms = g->lost_ms;
		a.since_seen = true;
	}
	return a;
}

model_status_t model_status(const model_t *m, int64_t now_ms)
{
	model_status_t st;
	memset(&st, 0, sizeof st);
	if (m && now_ms <= 0)
		now_ms = m->now_ms;
	int worst = -1;            /* -1 nothing known, 0 OK, 1 WARNING, 2 CRITICAL */
	bool blind = false;
	/* The state shown for a WARNING: the worst warning state of an ungrouped node
	 * or a group, else (only a member is wrong while its group is fine) DEGRADED. */
	state_t warn = STATE_UNKNOWN;
	st.nodes = m ? m->nnodes : 0;
	for (size_t i = 0; i < st.nodes; i++) {
		const node_t *n = &m->nodes[i];
		int known;
		attention_t a = model_judge(m, i, now_ms, &known);
		switch (a.state) {
		case STATE_UP: st.up++; break;
		case STATE_DEGRADED: st.degraded++; break;
		case STATE_STARTING: st.starting++; break;
		case STATE_DOWN: st.down++; break;
		case STATE_STANDBY: st.standby++; break;
		default: st.unknown++; break;
		}
		st.stale += a.stale;
		st.problems += a.problem;
		if (n->group) {
			if (known > worst)
				worst = known;
		} else {
			if (a.severity == SEV_UNKNOWN)
				blind = true;
			else if ((int)a.severity > worst)
				worst = (int)a.severity;
		}
		if (!n->group && a.severity == SEV_WARNING)
			warn = state_worst(warn, a.rank % 8 >= 3 ? STATE_DEGRADED : STATE_STARTING);
	}
	st.available = st.up + st.degraded + st.starting;
	for (size_t gi = 0; m && gi < m->ngroups; gi++) {
		const group_t *g = &m->groups[gi];
		if (g->nmembers == 0)
			continue;
		/* the group's DB/RPC unknown counts when a member that should serve
		 * /metrics failed to (not the standby waiting for the lease) */
		bool tried = false;
		for (size_t k = 0; k < g->nmembers; k++)
			if (g->members[k] < m->nnodes && m->nodes[g->members[k]].metrics_error[0] &&
			    !model_node_attention(m, g->members[k], now_ms).waiting)
				tried = true;
		for (int k = 0; k < IND__COUNT; k++) {
			state_t gs = model_group_state(m, gi, (indicator_id_t)k);
			int sev = gs == STATE_DOWN ? 2 : gs == STATE_DEGRADED || gs == STATE_STARTING ? 1 : 0;
			if (k == IND_NODE && gs != STATE_UNKNOWN) {
				/* the group's own judgement: failing over within the grace is a warning */
				severity_t gsev = model_group_attention(m, gi, now_ms).severity;
				sev = gsev == SEV_CRITICAL ? 2 : gsev == SEV_WARNING ? 1 : 0;
				if (gs == STATE_DOWN && sev == 1)
					gs = STATE_DEGRADED;
			}
			if (gs == STATE_UNKNOWN) {
				if (k == IND_NODE || tried)
					blind = true;
				continue;
			}
			if (sev == 1)
				warn = state_worst(warn, gs);
			if (sev > worst)
				worst = sev;
		}
	}
	if (st.nodes == 0)
		st.severity = SEV_UNKNOWN;
	else if (worst == 2)
		st.severity = SEV_CRITICAL;
	else if (worst == 1)
		st.severity = SEV_WARNING;
	else if (worst < 0 || blind)
		st.severity = SEV_UNKNOWN;
	else
		st.severity = SEV_OK;
	st.name = severity_name(st.severity);
	if (warn == STATE_UNKNOWN)
		warn = STATE_DEGRADED;
	st.overall = st.severity == SEV_CRITICAL ? STATE_DOWN : st.severity == SEV_WARNING ? warn
	           : st.severity == SEV_UNKNOWN ? STATE_UNKNOWN : STATE_UP;
	return st;
}

state_t model_overall(const model_t *m)
{
	return model_status(m, 0).overall;
}

size_t model_nodes_up(const model_t *m)
{
	return model_status(m, 0).available;
}

bool model_event_is_transition(const event_t *e)
{
	return e && (e->kind == EVENT_NODE || e->kind == EVENT_DB || e->kind == EVENT_RPC) && e->from != e->to;
}

bool model_event_rings(const event_t *e)
{
	return model_event_is_transition(e) && (e->to == STATE_DEGRADED || e->to == STATE_DOWN) &&
	       e->from < e->to && e->from != STATE_UNKNOWN;
}
