/* model.c - what nodetop knows about each node: the node list and groups, indicators,
 * uptime, events and ticks; the judgements every view asks (attention, overall status). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "model.h"
#include "model_priv.h"
#include "xalloc.h"

/* ------------------------------------------------------------ small helpers */

void model_copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

void model_copy_slice(char *dst, size_t size, const char *p, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(dst, p, len);
	dst[len] = '\0';
}

/* First non-blank line of s, trimmed, at most max bytes (raw bytes). */
void model_first_line(char *dst, size_t size, const char *s, size_t len, size_t max)
{
	size_t i = 0;
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	size_t j = i;
	while (j < len && s[j] != '\n' && s[j] != '\r')
		j++;
	while (j > i && (s[j - 1] == ' ' || s[j - 1] == '\t'))
		j--;
	size_t n = j - i;
	if (n > max)
		n = max;
	model_copy_slice(dst, size, s + i, n);
}

const char *model_http_reason(long code)
{
	switch (code) {
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return NULL;
	}
}

/* Numbers compare as numbers ("2" < "10"), anything else as bytes. */
int model_idcmp(const char *a, const char *b)
{
	size_t la = strspn(a, "0123456789"), lb = strspn(b, "0123456789");
	if (la && lb && !a[la] && !b[lb] && la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a, b);
}

void model_event(model_t *m, event_kind_t kind, const char *node, const char *subject,
                        state_t from, state_t to, const char *detail, int64_t ts)
{
	event_t e;
	memset(&e, 0, sizeof e);
	e.ts_ms = ts;
	e.kind = kind;
	e.from = from;
	e.to = to;
	model_copy(e.node, sizeof e.node, node);
	model_copy(e.subject, sizeof e.subject, subject);
	model_copy(e.detail, sizeof e.detail, detail);
	eventlog_add(&m->events, &e);
}

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

void model_free_checks(node_t *n)
{
	for (size_t i = 0; i < n->nchecks; i++) {
		free(n->checks[i].name);
		free(n->checks[i].output);
	}
	free(n->checks);
	n->checks = NULL;
	n->nchecks = n->checks_cap = n->nfailing = 0;
}

static void model_free_node(node_t *n)
{
	free(n->name);
	free(n->url);
	free(n->group);
	model_free_checks(n);
	free(n->health_body);
	free(n->chains);
	for (size_t i = 0; i < n->nseries; i++)
		ring_free(&n->series[i].ring);
	free(n->series);
	rules_state_free(n->rules);
	memset(n, 0, sizeof *n);
}

static void model_free_group(group_t *g)
{
	free(g->name);
	free(g->members);
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

size_t model_find_node(const model_t *m, const char *name)
{
	for (size_t i = 0; i < m->nnodes; i++)
		if (strcmp(m->nodes[i].name, name) == 0)
			return i;
	return (size_t)-1;
}

size_t model_group_index(const model_t *m, const node_t *n)
{
	for (size_t i = 0; n->group && i < m->ngroups; i++)
		if (strcmp(m->groups[i].name, n->group) == 0)
			return i;
	return (size_t)-1;
}

/* ------------------------------------------------------------ chains and series */

rpc_chain_t *model_chain_find(node_t *n, const char *id, size_t len, bool create)
{
	for (size_t i = 0; i < n->nchains; i++) {
		rpc_chain_t *c = &n->chains[i];
		if (strlen(c->id) == len && memcmp(c->id, id, len) == 0)
			return c;
	}
	if (!create || n->nchains >= MODEL_MAX_CHAINS || len >= sizeof n->chains[0].id)
		return NULL;
	n->chains = xgrow(n->chains, &n->chains_cap, n->nchains + 1, sizeof *n->chains);
	rpc_chain_t *c = &n->chains[n->nchains++];
	memset(c, 0, sizeof *c);
	model_copy_slice(c->id, sizeof c->id, id, len);
	return c;
}

static int model_chain_cmp(const void *a, const void *b)
{
	return model_idcmp(((const rpc_chain_t *)a)->id, ((const rpc_chain_t *)b)->id);
}

void model_sort_chains(node_t *n)
{
	for (size_t i = 1; i < n->nchains; i++) {
		if (model_idcmp(n->chains[i - 1].id, n->chains[i].id) > 0) {
			qsort(n->chains, n->nchains, sizeof *n->chains, model_chain_cmp);
			return;
		}
	}
}

/* ------------------------------------------------------------ indicators */

int64_t node_last_answer_ms(const node_t *n)
{
	return n->last_health_ms > n->last_metrics_ms ? n->last_health_ms : n->last_metrics_ms;
}

bool node_health_settled(const node_t *n)
{
	return n->have_health && n->http_status == 200 && n->nfailing == 0 && n->state == STATE_UP;
}

bool node_is_stale(const node_t *n, int64_t now_ms)
{
	int64_t newest = node_last_answer_ms(n);
	if (newest == 0)
		return false;
	int64_t iv = n->interval_ms > 0 ? n->interval_ms : 5000;
	return now_ms - newest > MODEL_STALE_N * iv;
}

/* Sets an indicator: event on a state change, uptime accrual, reason.
 * Returns true when anything visible changed. */
static bool model_ind_set(model_t *m, indicator_t *ind, event_kind_t kind, const char *node,
                          const char *subject, state_t st, const char *reason, int64_t now)
{
	bool changed = false;
	uptime_t *u = &ind->uptime;
	if (u->last_ms && now - u->last_ms > MODEL_GAP_MS)
		uptime_observe(u, u->last_ms, STATE_UNKNOWN);   /* nodetop was not running */
	if (ind->state != st) {
		if (node)
			model_event(m, kind, node, subject, ind->state, st, reason, now);
		ind->state = st;
		ind->since_ms = now;
		changed = true;
	}
	if (strcmp(ind->reason, reason) != 0) {
		model_copy(ind->reason, sizeof ind->reason, reason);
		changed = true;
	}
	uptime_observe(u, now, st);
	return changed;
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
		char d[32];
		fmt_duration(d, sizeof d, now - c->head_changed_ms);
		c->state = STATE_DOWN;
		snprintf(c->reason, sizeof c->reason, "head stuck at %.0f for %s on chain %s", c->head, d, id);
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
		c->state = STATE_UP;
		if (c->have_states && c->have_head)
			snprintf(c->reason, sizeof c->reason, "%d/%d RPC nodes Alive, head %.0f on chain %s",
			         c->alive, c->total, c->head, id);
		else if (c->have_states)
			snprintf(c->reason, sizeof c->reason, "%d/%d RPC nodes Alive on chain %s", c->alive, c->total, id);
		else
			snprintf(c->reason, sizeof c->reason, "head %.0f on chain %s", c->head, id);
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
static void model_blind_reason(const node_t *n, bool stale, int64_t now, char *dst, size_t size)
{
	dst[0] = '\0';
	if (stale) {
		char d[32];
		int64_t newest = node_last_answer_ms(n);
		fmt_duration(d, sizeof d, now - newest);
		snprintf(dst, size, "no data for %s (stale)", d);
	} else if (n->state == STATE_UNKNOWN) {
		model_copy(dst, size, "not polled yet");
	} else if (n->state == STATE_DOWN) {
		snprintf(dst, size, "node down: %.200s", n->error);
	}
}

static bool model_node_update(model_t *m, node_t *n, int64_t now)
{
	bool changed = false;
	bool stale = node_is_stale(n, now);
	char blind[256], reason[256];
	model_blind_reason(n, stale, now, blind, sizeof blind);

	/* node */
	state_t st = stale ? STATE_UNKNOWN : n->state;
	if (stale) {
		model_copy(reason, sizeof reason, blind);
	} else {
		switch (n->state) {
		case STATE_UP:
			snprintf(reason, sizeof reason, "all %zu checks passing", n->nchecks);
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
			model_copy(reason, sizeof reason, "not polled yet");
			break;
		}
	}
	changed |= model_ind_set(m, &n->ind[IND_NODE], EVENT_NODE, n->name, "", st, reason, now);
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
		snprintf(reason, sizeof reason, "%.0f open, %.0f in use, max %.0f", n->db_open, n->db_used, n->db_max);
	}
	changed |= model_ind_set(m, &n->ind[IND_DB], EVENT_DB, n->name, "", st, reason, now);

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
	changed |= model_ind_set(m, &n->ind[IND_RPC], EVENT_RPC, n->name, "", st, reason, now);
	return changed;
}

static bool model_group_update(model_t *m, group_t *g, int64_t now)
{
	bool changed = false;
	for (int k = 0; k < IND__COUNT; k++) {
		state_t best = STATE_UNKNOWN;
		const node_t *bn = NULL;
		for (size_t i = 0; i < g->nmembers; i++) {
			if (g->members[i] >= m->nnodes)
				continue;
			const node_t *n = &m->nodes[g->members[i]];
			state_t s = n->ind[k].state;
			if (!bn || (s != best && state_best(best, s) == s)) {
				bn = n;
				best = s;
			}
		}
		char reason[192];
		if (bn)
			snprintf(reason, sizeof reason, "%.60s: %.120s", bn->name, bn->ind[k].reason);
		else
			model_copy(reason, sizeof reason, "no members");
		changed |= model_ind_set(m, &g->ind[k], EVENT_NODE, NULL, "", best, reason, now);
	}
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
	model_node_update(m, n, r->done_ms);
	group_t *g = model_group_of(m, n);
	if (g)
		model_group_update(m, g, r->done_ms);
	m->generation++;   /* latency, counters and times shown have changed */
	return next;
}

void model_tick(model_t *m, int64_t now_ms)
{
	bool changed = false;
	for (size_t i = 0; i < m->nnodes; i++)
		changed |= model_node_update(m, &m->nodes[i], now_ms);
	for (size_t i = 0; i < m->ngroups; i++)
		changed |= model_group_update(m, &m->groups[i], now_ms);
	if (changed)
		m->generation++;
}

/* ------------------------------------------------------------ judgements */

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
	const group_t *g = &m->groups[gi];
	state_t s = STATE_UNKNOWN;
	for (size_t k = 0; k < g->nmembers; k++)
		if (g->members[k] < m->nnodes)
			s = state_best(s, m->nodes[g->members[k]].ind[ind].state);
	return s;
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

static weight_t model_ind_weight(const model_t *m, const node_t *n, size_t gi, indicator_id_t k, state_t s)
{
	weight_t w = { SEV_OK, 0, false };
	bool grouped = gi != (size_t)-1;
	switch (s) {
	case STATE_UP:
		break;
	case STATE_STARTING:
		if (grouped && k == IND_NODE && model_group_state(m, gi, IND_NODE) == STATE_UP) {
			w.waiting = true;      /* the standby waiting for the lease: as it should be */
			break;
		}
		w.sev = SEV_WARNING;
		w.sub = 2;
		break;
	case STATE_DEGRADED:
		w.sev = SEV_WARNING;
		w.sub = 3;
		break;
	case STATE_DOWN:
		/* a member down while a peer carries the group: the failover is gone */
		w.sev = grouped && state_available(model_group_state(m, gi, k)) ? SEV_WARNING : SEV_CRITICAL;
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

/* The attention of node idx, and the worst severity of its known indicators
 * (-1 none, else SEV_OK/WARNING/CRITICAL): a grouped member's unknown counts
 * through its group only. */
static attention_t model_judge(const model_t *m, size_t idx, int64_t now_ms, int *known)
{
	attention_t a;
	memset(&a, 0, sizeof a);
	a.ind = IND_NODE;
	a.role = ROLE_NONE;
	*known = -1;
	if (idx >= m->nnodes) {
		a.state = STATE_UNKNOWN;
		a.severity = SEV_UNKNOWN;
		return a;
	}
	const node_t *n = &m->nodes[idx];
	size_t gi = model_group_index(m, n);
	a.stale = n->last_health_ms > 0 && node_is_stale(n, now_ms);
	a.state = a.stale ? STATE_UNKNOWN : n->ind[IND_NODE].state;

	weight_t worst = { SEV_OK, 0, false };
	for (int k = 0; k < IND__COUNT; k++) {
		/* a stale node's indicators are all unknown, whatever they said last */
		state_t s = a.stale ? STATE_UNKNOWN : n->ind[k].state;
		weight_t w = model_ind_weight(m, n, gi, (indicator_id_t)k, s);
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
	/* firing alert rules: warning -> WARNING, critical -> CRITICAL (not when stale:
	 * their values are as old as the rest) */
	const rule_inst_t *rule = NULL;
	int level = a.stale ? 0 : rules_worst(n->rules, &rule);
	bool by_rule = false;
	if (level > 0) {
		weight_t w = { level >= RULE_LEVEL_CRITICAL ? SEV_CRITICAL : SEV_WARNING, level >= RULE_LEVEL_CRITICAL ? 4 : 3, false };
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
		a.ind = IND_NODE;
	} else if (by_rule) {
		snprintf(a.reason, sizeof a.reason, "%s: %.160s", rule_info(rule->rule)->name, rule->detail);
		a.since_ms = rule->since_ms;
	} else if (a.waiting) {
		model_copy(a.reason, sizeof a.reason, "standby waiting for the database lease (HTTP 204)");
		a.since_ms = n->ind[IND_NODE].since_ms;
	} else {
		model_copy(a.reason, sizeof a.reason, n->ind[a.ind].reason);
		a.since_ms = n->ind[a.ind].since_ms;
	}
	return a;
}

attention_t model_node_attention(const model_t *m, size_t idx, int64_t now_ms)
{
	int known;
	return model_judge(m, idx, now_ms, &known);
}

model_status_t model_status(const model_t *m, int64_t now_ms)
{
	model_status_t st;
	memset(&st, 0, sizeof st);
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

const char *indicator_name(indicator_id_t id)
{
	static const char *const names[IND__COUNT] = { "node", "db", "rpc" };
	return (unsigned)id < IND__COUNT ? names[id] : "?";
}

void model_set_node_rules(model_t *m, size_t idx, const rules_cfg_t *cfg)
{
	if (idx >= m->nnodes || !cfg)
		return;
	m->nodes[idx].rules_cfg = *cfg;
	m->generation++;
}

void model_ack(model_t *m, size_t idx, const char *note, int64_t now_ms)
{
	if (idx >= m->nnodes)
		return;
	node_t *n = &m->nodes[idx];
	n->acked = true;
	model_copy(n->ack_note, sizeof n->ack_note, note);
	n->ack_ms = now_ms;
	n->ack_state = n->state;
	model_event(m, EVENT_ACK, n->name, "", n->ind[IND_NODE].state, n->ind[IND_NODE].state,
	            n->ack_note, now_ms);
	m->generation++;
}
