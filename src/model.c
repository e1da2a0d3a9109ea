/* model.c - what nodetop knows about each node: the node list and groups, indicators,
 * uptime, events, model_apply and model_tick (groups: model_group.c; judgements: model_judge.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "model.h"
#include "model_db.h"
#include "model_priv.h"
#include "model_rpc.h"
#include "xalloc.h"

/* ------------------------------------------------------------ small helpers */

/* ------------------------------------------------------------ lifecycle */

static void model_indicator_init(indicator_t *ind)
{
	ind->state = STATE_UNKNOWN;
	ind->since_ms = 0;
	ind->reason[0] = '\0';
	uptime_init(&ind->uptime);
}

void model_init(model_t *m, const chart_set_t *charts)
{
	memset(m, 0, sizeof *m);
	if (charts) {
		for (size_t i = 0; i < charts->n; i++)
			chart_set_add(&m->charts, &charts->defs[i]);
	} else {
		chart_set_defaults(&m->charts);
	}
	eventlog_init(&m->events, 2000);
	m->head_stall_ms = 180000;
	m->ring_cap = 720;
	rules_cfg_default(&m->rules_cfg);
}

static void model_free_node(node_t *n)
{
	free(n->name);
	free(n->url);
	free(n->group);
	model_free_checks(n);
	free(n->chains);
	for (size_t i = 0; i < n->nseries; i++) {
		ring_free(&n->series[i].ring);
		free(n->series[i].win_t);
	}
	free(n->series);
	rules_state_free(n->rules);
	for (int k = 0; k < IND__COUNT; k++)
		uptime_free(&n->ind[k].uptime);
	memset(n, 0, sizeof *n);
}

static void model_free_group(group_t *g)
{
	free(g->name);
	free(g->members);
	for (int k = 0; k < IND__COUNT; k++)
		uptime_free(&g->ind[k].uptime);
	memset(g, 0, sizeof *g);
}

void model_free(model_t *m)
{
	for (size_t i = 0; i < m->nnodes; i++)
		model_free_node(&m->nodes[i]);
	free(m->nodes);
	for (size_t i = 0; i < m->ngroups; i++)
		model_free_group(&m->groups[i]);
	free(m->groups);
	chart_set_free(&m->charts);
	eventlog_free(&m->events);
	model_rpc_free(m);
	model_db_clear(m);
	memset(m, 0, sizeof *m);
}

size_t model_add_node(model_t *m, const char *name, const char *url, const char *group, int64_t interval_ms)
{
	m->nodes = xgrow(m->nodes, &m->nodes_cap, m->nnodes + 1, sizeof *m->nodes);
	size_t idx = m->nnodes++;
	node_t *n = &m->nodes[idx];
	memset(n, 0, sizeof *n);
	n->name = xstrdup(name ? name : "");
	n->url = xstrdup(url ? url : "");
	n->group = group && *group ? xstrdup(group) : NULL;
	n->interval_ms = interval_ms > 0 ? interval_ms : 5000;
	n->state = STATE_UNKNOWN;
	for (int k = 0; k < IND__COUNT; k++)
		model_indicator_init(&n->ind[k]);
	model_copy(n->ind[IND_NODE].reason, sizeof n->ind[IND_NODE].reason, "not polled yet");
	n->rules_cfg = m->rules_cfg;
	n->rules = rules_state_new();
	if (n->group) {
		size_t gi = model_group_index(m, n);
		group_t *g = gi != (size_t)-1 ? &m->groups[gi] : NULL;
		if (!g) {
			m->groups = xrealloc(m->groups, (m->ngroups + 1) * sizeof *m->groups);
			g = &m->groups[m->ngroups++];
			memset(g, 0, sizeof *g);
			g->name = xstrdup(n->group);
			for (int k = 0; k < IND__COUNT; k++)
				model_indicator_init(&g->ind[k]);
			g->failover_grace_ms = GROUP_FAILOVER_GRACE_MS;
			g->active = g->last_active = GROUP_NONE;
		}
		g->members = xrealloc(g->members, (g->nmembers + 1) * sizeof *g->members);
		g->members[g->nmembers++] = idx;
	}
	m->generation++;
	return idx;
}

void model_remove_node(model_t *m, size_t idx)
{
	if (idx >= m->nnodes)
		return;
	model_free_node(&m->nodes[idx]);
	memmove(&m->nodes[idx], &m->nodes[idx + 1], (m->nnodes - idx - 1) * sizeof *m->nodes);
	m->nnodes--;
	for (size_t gi = 0; gi < m->ngroups;) {
		group_t *g = &m->groups[gi];
		size_t w = 0;
		for (size_t k = 0; k < g->nmembers; k++) {
			size_t mi = g->members[k];
			if (mi == idx)
				continue;
			g->members[w++] = mi > idx ? mi - 1 : mi;
		}
		g->nmembers = w;
		g->active = g->active == idx ? GROUP_NONE : g->active != GROUP_NONE && g->active > idx ? g->active - 1 : g->active;
		g->last_active = g->last_active == idx ? GROUP_NONE
		               : g->last_active != GROUP_NONE && g->last_active > idx ? g->last_active - 1 : g->last_active;
		if (w == 0) {   /* the group left with its last member */
			model_free_group(g);
			memmove(g, g + 1, (m->ngroups - gi - 1) * sizeof *g);
			m->ngroups--;
			continue;
		}
		gi++;
	}
	m->generation++;
}

/* An index after the node at from moved to to (to < from): the ones between shift up. */
size_t model_moved_idx(size_t i, size_t from, size_t to)
{
	if (i == GROUP_NONE)
		return i;
	return i == from ? to : i >= to && i < from ? i + 1 : i;
}

void model_move_node(model_t *m, size_t from, size_t to)
{
	if (from >= m->nnodes || to >= from)
		return;
	node_t tmp = m->nodes[from];
	memmove(&m->nodes[to + 1], &m->nodes[to], (from - to) * sizeof *m->nodes);
	m->nodes[to] = tmp;
	for (size_t gi = 0; gi < m->ngroups; gi++) {
		group_t *g = &m->groups[gi];
		for (size_t k = 0; k < g->nmembers; k++)
			g->members[k] = model_moved_idx(g->members[k], from, to);
		g->active = model_moved_idx(g->active, from, to);
		g->last_active = model_moved_idx(g->last_active, from, to);
	}
	m->generation++;
}

size_t model_find_node(const model_t *m, const char *name)
{
	for (size_t i = 0; i < m->nnodes; i++)
		if (strcmp(m->nodes[i].name, name) == 0)
			return i;
	return (size_t)-1;
}

/* ------------------------------------------------------------ chains and series */

/* ------------------------------------------------------------ indicators */

/* Sets an indicator: event on a state change, uptime accrual, reason.
 * Returns true when anything visible changed. */
static bool model_ind_set(model_t *m, indicator_t *ind, event_kind_t kind, const char *node,
                          const char *subject, state_t st, const char *reason, int64_t now)
{
	return model_ind_set_uptime(m, ind, kind, node, subject, st, st, reason, now);
}

/* A node indicator that changed during nodetop's first round (/health said
 * degraded, the /metrics a moment later said down) did not change before
 * nodetop's eyes: it was seen as it already was. */
static void model_ind_first_round(const node_t *n, indicator_t *ind, int64_t now)
{
	if (ind->since_ms == now && (n->first_round_ms == 0 || now <= n->first_round_ms))
		ind->since_seen = false;
}

static void model_chain_eval(const model_t *m, const node_t *n, rpc_chain_t *c, int64_t now)
{
	const char *id = c->id;
	if (c->have_states && c->alive <= 0) {
		c->state = STATE_DOWN;
		snprintf(c->reason, sizeof c->reason, "no RPC node Alive on chain %s (0/%d)", id, c->total);
		return;
	}
	if (c->have_head && c->head_changed_ms && now - c->head_changed_ms > m->head_stall_ms) {
		char d[32], h[32];
		fmt_duration(d, sizeof d, now - c->head_changed_ms);
		fmt_whole(h, sizeof h, c->head);
		c->state = STATE_DOWN;
		snprintf(c->reason, sizeof c->reason, "head stuck at %s for %s on chain %s", h, d, id);
		return;
	}
	/* the heads_stalled rule: no new head for its window while the process is up */
	const rule_inst_t *stall = rules_firing(n->rules, RULE_HEADS_STALLED, id);
	if (stall && stall->level >= RULE_LEVEL_CRITICAL) {
		c->state = STATE_DOWN;
		snprintf(c->reason, sizeof c->reason, "heads stalled: %.140s", stall->detail);
		return;
	}
	if (c->listener_failing) {
		const char *out = model_listener_output(n, id);
		char line[FIRST_LINE_MAX + 1] = "";
		if (out)
			model_first_line(line, sizeof line, out, strlen(out), FIRST_LINE_MAX);
		c->state = STATE_DEGRADED;
		snprintf(c->reason, sizeof c->reason, "HeadListener failing on chain %s%s%s", id,
		         line[0] ? ": " : "", line);
		return;
	}
	if (c->have_states && c->alive < c->total) {
		c->state = STATE_DEGRADED;
		snprintf(c->reason, sizeof c->reason, "%d/%d RPC nodes Alive on chain %s", c->alive, c->total, id);
		return;
	}
	if (c->have_states || c->have_head) {
		char h[32];
		fmt_whole(h, sizeof h, c->head);
		c->state = STATE_UP;
		if (c->have_states && c->have_head)
			snprintf(c->reason, sizeof c->reason, "%d/%d RPC nodes Alive, head %s on chain %s",
			         c->alive, c->total, h, id);
		else if (c->have_states)
			snprintf(c->reason, sizeof c->reason, "%d/%d RPC nodes Alive on chain %s", c->alive, c->total, id);
		else
			snprintf(c->reason, sizeof c->reason, "head %s on chain %s", h, id);
		return;
	}
	/* Judge from the check alone only once /metrics had its chance (it answered,
	 * or a whole interval passed): the first /health usually lands first. */
	if (c->have_listener && (n->last_metrics_ms != 0 || n->polls >= 2)) {
		c->state = STATE_UP;
		snprintf(c->reason, sizeof c->reason, "HeadListener passing on chain %s (no metrics)", id);
		return;
	}
	c->state = STATE_UNKNOWN;
	snprintf(c->reason, sizeof c->reason, "no data for chain %s", id);
}

static bool model_chain_set(model_t *m, node_t *n, rpc_chain_t *c, state_t st, const char *reason,
                            int64_t now, bool emit)
{
	bool changed = false;
	if (c->state != st) {
		if (emit)
			model_event(m, EVENT_RPC, n->name, c->id, c->state, st, reason, now);
		c->state = st;
		changed = true;
	}
	if (strcmp(c->reason, reason) != 0) {
		model_copy(c->reason, sizeof c->reason, reason);
		changed = true;
	}
	return changed;
}

/* Why nodetop cannot judge a node's DB or RPC ("" when it can). */
static void model_blind_reason(const node_t *n, bool stale, bool standby, int64_t now, char *dst, size_t size)
{
	dst[0] = '\0';
	if (standby) {
		model_copy(dst, size, "standby: not serving");
	} else if (stale) {
		char d[32];
		int64_t newest = node_last_answer_ms(n);
		fmt_duration(d, sizeof d, now - newest);
		snprintf(dst, size, "no data for %s (stale)", d);
	} else if (n->state == STATE_UNKNOWN) {
		/* an error with an unknown state: a [source] cannot see it (model_source.c) */
		model_copy(dst, size, n->error[0] ? n->error : "not polled yet");
	} else if (n->state == STATE_DOWN) {
		snprintf(dst, size, "node down: %.200s", n->error);
	}
}

/* Whether a node's judgement reads more than the node: its group, a database or an RPC
 * endpoint probed directly (tied by the config). Those are judged on every tick. */
static bool model_node_shared(const model_t *m, const node_t *n)
{
	if (n->group)
		return true;
	for (size_t i = 0; i < m->ndbs; i++)
		if (model_db_tied(m, i, n))
			return true;
	for (size_t i = 0; i < model_rpc_count(m); i++)
		if (model_rpc_serves(&m->rpc->eps[i], n->name))
			return true;
	return false;
}

/* The latest time node n must be judged again without new input: 0 (every tick) when it
 * reads other things or shows a duration that grows (stale, a stuck head), else the
 * first time a judgement of its own turns (stale, a head stuck too long), at most
 * MODEL_JUDGE_IDLE_MS away. */
static int64_t model_judge_due(const model_t *m, const node_t *n, int64_t now, bool stale)
{
	if (stale || model_node_shared(m, n))
		return 0;
	int64_t due = now + MODEL_JUDGE_IDLE_MS;
	int64_t newest = node_last_answer_ms(n);
	if (newest) {
		int64_t at = newest + MODEL_STALE_N * (n->interval_ms > 0 ? n->interval_ms : 5000) + 1;
		if (at < due)
			due = at;
	}
	for (size_t i = 0; i < n->nchains; i++) {
		const rpc_chain_t *c = &n->chains[i];
		if (!c->have_head || !c->head_changed_ms)
			continue;
		int64_t at = c->head_changed_ms + m->head_stall_ms + 1;
		if (at <= now)
			return 0;
		if (at < due)
			due = at;
	}
	return due;
}

/* A node's uptime accrued up to the last tick, in the states in force: what judging it
 * at every tick would have accrued (a judgement's gap rule then sees the same). */
static void model_node_catch_up(const model_t *m, node_t *n)
{
	for (int k = 0; k < IND__COUNT; k++) {
		uptime_t *u = &n->ind[k].uptime;
		if (u->last_ms && u->last_ms < m->tick_ms)
			uptime_observe(u, m->tick_ms, u->cur);
	}
}

static bool model_node_update(model_t *m, node_t *n, int64_t now)
{
	bool changed = false;
	if (now >= m->tick_ms)
		model_node_catch_up(m, n);
	bool stale = node_is_stale(n, now);
	bool standby = model_is_standby(m, n, stale);
	bool pending = !standby && model_role_pending(m, n, stale);
	char blind[256], reason[256];
	model_blind_reason(n, stale, standby, now, blind, sizeof blind);

	/* node */
	state_t st = stale || pending ? STATE_UNKNOWN : standby ? STATE_STANDBY : n->state;
	if (stale) {
		model_copy(reason, sizeof reason, blind);
	} else if (pending) {
		model_copy(reason, sizeof reason, "refused: standby or down, known once its group's other members answer");
	} else if (standby) {
		if (n->http_status)
			snprintf(reason, sizeof reason, "standby: HTTP %ld from the load balancer (standby_answers)",
			         n->http_status);
		else
			model_copy(reason, sizeof reason, "standby: not listening (waiting for the database lease)");
	} else {
		switch (n->state) {
		case STATE_UP:
			if (n->nchecks)
				snprintf(reason, sizeof reason, "all %zu checks passing", n->nchecks);
			else   /* an empty /health, or a source without its health series */
				model_copy(reason, sizeof reason, "answering, but no checks reported");
			break;
		case STATE_DEGRADED: {
			const char *first = "";
			for (size_t i = 0; i < n->nchecks; i++)
				if (n->checks[i].status == CHECK_FAILING) {
					first = n->checks[i].name;
					break;
				}
			if (n->nfailing == 1)
				snprintf(reason, sizeof reason, "1 failing check: %.160s", first);
			else
				snprintf(reason, sizeof reason, "%zu failing checks: %.160s, ...", n->nfailing, first);
			break;
		}
		case STATE_STARTING:
			model_copy(reason, sizeof reason, "starting (HTTP 204)");
			break;
		case STATE_DOWN:
			model_copy(reason, sizeof reason, n->error);
			break;
		default:
			model_copy(reason, sizeof reason, n->error[0] ? n->error : "not polled yet");
			break;
		}
	}
	changed |= model_ind_set(m, &n->ind[IND_NODE], EVENT_NODE, n->name, "", st, reason, now);
	model_ind_first_round(n, &n->ind[IND_NODE], now);
	if (n->acked && n->state != n->ack_state) {
		n->acked = false;
		changed = true;
	}

	/* database */
	if (blind[0]) {
		st = STATE_UNKNOWN;
		model_copy(reason, sizeof reason, blind);
	} else if (!n->have_metrics) {
		st = STATE_UNKNOWN;
		if (n->metrics_error[0])
			snprintf(reason, sizeof reason, "metrics unavailable: %.200s", n->metrics_error);
		else
			model_copy(reason, sizeof reason, "no metrics yet");
	} else if (!n->have_db) {
		st = STATE_UNKNOWN;
		model_copy(reason, sizeof reason, "no db_conns_* series in /metrics");
	} else if (n->db_open <= 0 && n->db_max > 0) {
		st = STATE_DOWN;
		snprintf(reason, sizeof reason, "db_conns_open = 0 (max %.0f)", n->db_max);
	} else if (n->db_max > 0 && n->db_used >= n->db_max && n->have_db_wait_prev &&
	           n->db_wait > n->db_wait_prev) {
		st = STATE_DEGRADED;
		snprintf(reason, sizeof reason, "pool exhausted: %.0f/%.0f in use, %.0f new waits",
		         n->db_used, n->db_max, n->db_wait - n->db_wait_prev);
	} else {
		st = STATE_UP;
		char o[32], u[32], x[32];
		fmt_whole(o, sizeof o, n->db_open);
		fmt_whole(u, sizeof u, n->db_used);
		fmt_whole(x, sizeof x, n->db_max);
		snprintf(reason, sizeof reason, "%s open, %s in use, max %s", o, u, x);
	}
	model_db_judge(m, n, &st, reason, sizeof reason);   /* the direct probes (model_db.c) */
	changed |= model_ind_set(m, &n->ind[IND_DB], EVENT_DB, n->name, "", st, reason, now);
	model_ind_first_round(n, &n->ind[IND_DB], now);

	/* RPC per chain, then overall = worst chain */
	state_t worst = STATE_UNKNOWN;
	const rpc_chain_t *wc = NULL;
	size_t nworst = 0;
	for (size_t i = 0; i < n->nchains; i++) {
		rpc_chain_t *c = &n->chains[i];
		rpc_chain_t tmp = *c;
		if (blind[0]) {
			tmp.state = STATE_UNKNOWN;
			model_copy(tmp.reason, sizeof tmp.reason, blind);
		} else {
			model_chain_eval(m, n, &tmp, now);
		}
		/* a chain going blind with its node is told by the overall RPC event */
		changed |= model_chain_set(m, n, c, tmp.state, tmp.reason, now, !blind[0]);
		if (c->state == STATE_UNKNOWN)
			continue;
		if (!wc || c->state > worst) {
			worst = c->state;
			wc = c;
			nworst = 1;
		} else if (c->state == worst) {
			nworst++;
		}
	}
	if (blind[0]) {
		st = STATE_UNKNOWN;
		model_copy(reason, sizeof reason, blind);
	} else if (!wc) {
		st = STATE_UNKNOWN;
		if (!n->have_metrics && n->metrics_error[0])
			snprintf(reason, sizeof reason, "metrics unavailable: %.200s", n->metrics_error);
		else
			model_copy(reason, sizeof reason, n->nchains ? "no RPC data" : "no chains seen");
	} else {
		st = worst;
		if (nworst > 1 && worst != STATE_UP)
			snprintf(reason, sizeof reason, "%s (+%zu more chain%s)", wc->reason, nworst - 1,
			         nworst > 2 ? "s" : "");
		else if (nworst > 1)
			snprintf(reason, sizeof reason, "%zu chains up", nworst);
		else
			model_copy(reason, sizeof reason, wc->reason);
	}
	model_rpc_combine(m, n, blind[0] != '\0', &st, reason, sizeof reason);   /* [rpc] endpoints */
	changed |= model_ind_set(m, &n->ind[IND_RPC], EVENT_RPC, n->name, "", st, reason, now);
	model_ind_first_round(n, &n->ind[IND_RPC], now);
	n->judge_due_ms = model_judge_due(m, n, now, stale);
	n->judged_epoch = m->judge_epoch;
	return changed;
}

static group_t *model_group_of(model_t *m, const node_t *n)
{
	size_t gi = model_group_index(m, n);
	return gi != (size_t)-1 ? &m->groups[gi] : NULL;
}

/* ------------------------------------------------------------ entry points */

model_next_t model_apply(model_t *m, const probe_result_t *r)
{
	model_next_t next = { false, false, false };
	if (!r || r->node >= m->nnodes)
		return next;
	node_t *n = &m->nodes[r->node];
	if (r->done_ms > m->now_ms)
		m->now_ms = r->done_ms;
	switch (r->kind) {
	case PROBE_HEALTH:
		model_apply_health(m, n, r);
		next.health_answered = true;
		next.health_settled = node_health_settled(n);
		break;
	case PROBE_METRICS:
	case PROBE_PLUGIN_METRICS:
		next.ask_health = model_apply_metrics(m, n, r);
		break;
	default:
		return next;   /* discovery is the poller's business */
	}
	{
		/* slow: answered, but in >= 75 % of the time it was given */
		bool slow = r->ok && r->timeout_ms > 0 && r->latency_ms >= MODEL_SLOW_FRACTION * r->timeout_ms;
		if (r->kind == PROBE_HEALTH) {
			n->health_timeout_ms = r->timeout_ms;
			n->health_slow = slow;
		} else if (r->kind == PROBE_METRICS) {
			n->metrics_timeout_ms = r->timeout_ms;
			n->metrics_slow = slow;
		}
	}
	model_node_update(m, n, r->done_ms);
	if (n->first_round_ms == 0 && n->last_health_ms > 0 && (n->last_metrics_ms > 0 || n->polls >= 2))
		n->first_round_ms = r->done_ms;   /* after this update: its changes were the first look */
	group_t *g = model_group_of(m, n);
	if (g) {
		/* a member that starts or stops answering changes its peers' roles now */
		for (size_t k = 0; k < g->nmembers; k++)
			if (g->members[k] < m->nnodes && &m->nodes[g->members[k]] != n)
				model_node_update(m, &m->nodes[g->members[k]], r->done_ms);
		model_group_update(m, g, r->done_ms);
	}
	m->generation++;   /* latency, counters and times shown have changed */
	return next;
}

void model_node_touch(model_t *m, size_t idx)
{
	if (idx < m->nnodes)
		m->nodes[idx].judge_due_ms = 0;
}

void model_tick(model_t *m, int64_t now_ms)
{
	bool changed = false;
	if (now_ms > m->now_ms)
		m->now_ms = now_ms;
	/* groups, databases or endpoints added, or the stall limit changed: judge everyone */
	size_t shape[4] = { m->ngroups, m->ndbs, model_rpc_count(m), (size_t)m->head_stall_ms };
	if (memcmp(shape, m->judge_shape, sizeof shape) != 0) {
		memcpy(m->judge_shape, shape, sizeof shape);
		m->judge_epoch++;
	}
	changed |= model_rpc_tick(m, now_ms);
	for (size_t i = 0; i < m->nnodes; i++) {
		node_t *n = &m->nodes[i];
		if (n->judge_due_ms && now_ms < n->judge_due_ms && n->judged_epoch == m->judge_epoch) {
			/* nothing it reads changed, and no time it depends on came: the states in
			 * force accrue now and then (after a gap, longer than that, as a judgement
			 * would accrue them: up to the last tick, then unknown) */
			if (now_ms - n->ind[IND_NODE].uptime.last_ms >= MODEL_ACCRUE_MS) {
				model_node_catch_up(m, n);
				for (int k = 0; k < IND__COUNT; k++) {
					model_ind_gap(&n->ind[k], now_ms);
					uptime_observe(&n->ind[k].uptime, now_ms, n->ind[k].uptime.cur);
				}
			}
			continue;
		}
		changed |= model_node_update(m, n, now_ms);
	}
	if (now_ms > m->tick_ms)
		m->tick_ms = now_ms;
	for (size_t i = 0; i < m->ngroups; i++)
		changed |= model_group_update(m, &m->groups[i], now_ms);
	if (changed)
		m->generation++;
}

void model_fit_rings(model_t *m, size_t fleet)
{
	size_t cap = fleet > MODEL_FLEET_LARGE ? 60 : fleet > 100 ? 240 : m->ring_cap;
	if (cap < m->ring_cap)
		m->ring_cap = cap;
}

void model_set_node_rules(model_t *m, size_t idx, const rules_cfg_t *cfg)
{
	if (idx >= m->nnodes || !cfg)
		return;
	m->nodes[idx].rules_cfg = *cfg;
	model_node_touch(m, idx);
	m->generation++;
}

void model_ack(model_t *m, size_t idx, const char *note, int64_t now_ms)
{
	if (idx >= m->nnodes)
		return;
	node_t *n = &m->nodes[idx];
	n->acked = true;
	model_node_touch(m, idx);
	model_copy(n->ack_note, sizeof n->ack_note, note);
	n->ack_ms = now_ms;
	n->ack_state = n->state;
	model_event(m, EVENT_ACK, n->name, "", n->ind[IND_NODE].state, n->ind[IND_NODE].state,
	            n->ack_note, now_ms);
	m->generation++;
}
