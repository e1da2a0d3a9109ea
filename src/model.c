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
static bool model_ind_set_uptime(model_t *m, indicator_t *ind, event_kind_t kind, const char *node,
                                 const char *subject, state_t st, state_t ust, const char *reason,
                                 int64_t now)
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
	uptime_observe(u, now, ust);
	return changed;
}

/* Sets an indicator: event on a state change, uptime accrual, reason.
 * Returns true when anything visible changed. */
static bool model_ind_set(model_t *m, indicator_t *ind, event_kind_t kind, const char *node,
                          const char *subject, state_t st, const char *reason, int64_t now)
{
	return model_ind_set_uptime(m, ind, kind, node, subject, st, st, reason, now);
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
		model_copy(dst, size, "not polled yet");
	} else if (n->state == STATE_DOWN) {
		snprintf(dst, size, "node down: %.200s", n->error);
	}
}

/* The member of a group answers: it is up, degraded or starting, not stale. */
static bool model_member_answers(const node_t *n)
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
static bool model_is_standby(const model_t *m, const node_t *n, bool stale)
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

static bool model_node_update(model_t *m, node_t *n, int64_t now)
{
	bool changed = false;
	bool stale = node_is_stale(n, now);
	bool standby = model_is_standby(m, n, stale);
	char blind[256], reason[256];
	model_blind_reason(n, stale, standby, now, blind, sizeof blind);

	/* node */
	state_t st = stale ? STATE_UNKNOWN : standby ? STATE_STANDBY : n->state;
	if (stale) {
		model_copy(reason, sizeof reason, blind);
	} else if (standby) {
		if (n->http_status)
			snprintf(reason, sizeof reason, "standby: HTTP %ld from the load balancer (standby_answers)",
			         n->http_status);
		else
			model_copy(reason, sizeof reason, "standby: not listening (waiting for the database lease)");
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

/* ------------------------------------------------------------ failover groups */

static const node_t *model_member(const model_t *m, size_t idx)
{
	return idx != GROUP_NONE && idx < m->nnodes ? &m->nodes[idx] : NULL;
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
static state_t model_group_eval(const model_t *m, const group_t *g, indicator_id_t k, int64_t now,
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

static bool model_group_update(model_t *m, group_t *g, int64_t now)
{
	bool changed = model_group_roles(m, g, now);
	for (int k = 0; k < IND__COUNT; k++) {
		char reason[192];
		state_t ust;
		state_t st = model_group_eval(m, g, (indicator_id_t)k, now, &ust, reason, sizeof reason, NULL);
		changed |= model_ind_set_uptime(m, &g->ind[k], EVENT_NODE, NULL, "", st, ust, reason, now);
	}
	return changed;
}

static group_t *model_group_of(model_t *m, const node_t *n)
{
	size_t gi = model_group_index(m, n);
	return gi != (size_t)-1 ? &m->groups[gi] : NULL;
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
	model_node_update(m, n, r->done_ms);
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

void model_tick(model_t *m, int64_t now_ms)
{
	bool changed = false;
	if (now_ms > m->now_ms)
		m->now_ms = now_ms;
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

/* The attention of node idx, and the worst severity of its known indicators
 * (-1 none, else SEV_OK/WARNING/CRITICAL): a grouped member's unknown counts
 * through its group only. */
static attention_t model_judge(const model_t *m, size_t idx, int64_t now_ms, int *known)
{
	if (now_ms <= 0)
		now_ms = m->now_ms;
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
	a.severity = worst.sev;
	a.rank = worst.sub ? sev_order(worst.sev) * 8 + worst.sub : 0;
	a.problem = a.severity != SEV_OK || a.stale || n->nfailing > 0;
	if (a.problem && a.rank == 0)
		a.rank = 1;
	if (a.stale) {
		char d[32];
		fmt_duration(d, sizeof d, now_ms - node_last_answer_ms(n));
		snprintf(a.reason, sizeof a.reason, "stale: last answer %s ago", d);
		a.since_ms = node_last_answer_ms(n);
		a.ind = IND_NODE;
	} else if (a.waiting && a.state == STATE_STARTING) {
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

attention_t model_group_attention(const model_t *m, size_t gi, int64_t now_ms)
{
	if (now_ms <= 0)
		now_ms = m->now_ms;
	attention_t a;
	memset(&a, 0, sizeof a);
	a.ind = IND_NODE;
	a.role = ROLE_NONE;
	if (gi >= m->ngroups) {
		a.state = STATE_UNKNOWN;
		a.severity = SEV_UNKNOWN;
		return a;
	}
	const group_t *g = &m->groups[gi];
	a.state = model_group_eval(m, g, IND_NODE, now_ms, NULL, a.reason, sizeof a.reason, &a.severity);
	int sub = a.state == STATE_DOWN ? 5 : a.state == STATE_DEGRADED ? 3 : a.state == STATE_STARTING ? 2
	        : a.state == STATE_UNKNOWN ? 1 : 0;
	a.rank = a.severity == SEV_OK ? 0 : sev_order(a.severity) * 8 + sub;
	a.problem = a.severity != SEV_OK;
	a.since_ms = g->ind[IND_NODE].state == a.state ? g->ind[IND_NODE].since_ms : 0;
	if (g->lost_ms && (a.state == STATE_DOWN || a.state == STATE_STARTING))
		a.since_ms = g->lost_ms;
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

const char *indicator_name(indicator_id_t id)
{
	static const char *const names[IND__COUNT] = { "node", "db", "rpc" };
	return (unsigned)id < IND__COUNT ? names[id] : "?";
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
