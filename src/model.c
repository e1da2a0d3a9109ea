/* model.c - interprets poll results into what nodetop knows about each node:
 * state, checks, DB pool, RPC chains, charted series, indicators, uptime, groups, events. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "model.h"
#include "parse_prom.h"
#include "xalloc.h"

#define MODEL_MAX_CHAINS  64      /* per node: a hostile node cannot make us grow without bound */
#define MODEL_MAX_SERIES  256     /* charted series per node */
#define MODEL_GAP_MS      60000   /* no tick for this long: the gap is accrued as unknown */
#define MODEL_STALE_N     3       /* stale after this many intervals without a result */
#define FIRST_LINE_MAX    80

/* ------------------------------------------------------------ small helpers */

static void model_copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

static void model_copy_slice(char *dst, size_t size, const char *p, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(dst, p, len);
	dst[len] = '\0';
}

/* First non-blank line of s, trimmed, at most max bytes (raw bytes). */
static void model_first_line(char *dst, size_t size, const char *s, size_t len, size_t max)
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

static const char *model_http_reason(long code)
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
static int model_idcmp(const char *a, const char *b)
{
	size_t la = strspn(a, "0123456789"), lb = strspn(b, "0123456789");
	if (la && lb && !a[la] && !b[lb] && la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a, b);
}

static state_t model_check_state(check_status_t s)
{
	return s == CHECK_PASSING ? STATE_UP : s == CHECK_FAILING ? STATE_DOWN : STATE_UNKNOWN;
}

static void model_event(model_t *m, event_kind_t kind, const char *node, const char *subject,
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

static void model_free_checks(node_t *n)
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

static rpc_chain_t *model_chain_find(node_t *n, const char *id, size_t len, bool create)
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

static void model_sort_chains(node_t *n)
{
	for (size_t i = 1; i < n->nchains; i++) {
		if (model_idcmp(n->chains[i - 1].id, n->chains[i].id) > 0) {
			qsort(n->chains, n->nchains, sizeof *n->chains, model_chain_cmp);
			return;
		}
	}
}

static int model_series_cmp(const void *a, const void *b)
{
	const series_t *x = a, *y = b;
	if (x->def != y->def)
		return x->def < y->def ? -1 : 1;
	return model_idcmp(x->key, y->key);
}

/* ------------------------------------------------------------ /health */

/* The chain id of a HeadListener check: "EVM.<id>." ... "HeadTracker.HeadListener",
 * at any depth (plugin names nest the tracker under RelayerService...). */
static bool model_listener_chain(const char *name, const char **id, size_t *idlen)
{
	static const char suffix[] = "HeadTracker.HeadListener";
	size_t len = strlen(name), sl = sizeof suffix - 1;
	if (len < sl || strcmp(name + len - sl, suffix) != 0)
		return false;
	if (len > sl && name[len - sl - 1] != '.')
		return false;
	if (strncmp(name, "EVM.", 4) != 0)
		return false;
	const char *p = name + 4, *dot = strchr(p, '.');
	if (!dot || dot == p)
		return false;
	*id = p;
	*idlen = (size_t)(dot - p);
	return true;
}

static void model_update_listeners(node_t *n)
{
	for (size_t i = 0; i < n->nchains; i++)
		n->chains[i].have_listener = n->chains[i].listener_failing = false;
	for (size_t i = 0; i < n->nchecks; i++) {
		const char *id;
		size_t idlen;
		if (!model_listener_chain(n->checks[i].name, &id, &idlen))
			continue;
		rpc_chain_t *c = model_chain_find(n, id, idlen, true);
		if (!c)
			continue;
		c->have_listener = true;
		if (n->checks[i].status == CHECK_FAILING)
			c->listener_failing = true;
	}
	model_sort_chains(n);
}

/* Output of the failing HeadListener check of chain id (first line), or NULL. */
static const char *model_listener_output(const node_t *n, const char *chain)
{
	for (size_t i = 0; i < n->nchecks; i++) {
		const char *id;
		size_t idlen;
		if (n->checks[i].status == CHECK_FAILING &&
		    model_listener_chain(n->checks[i].name, &id, &idlen) &&
		    strlen(chain) == idlen && memcmp(chain, id, idlen) == 0)
			return n->checks[i].output;
	}
	return NULL;
}

static int model_check_cmp(const void *a, const void *b)
{
	return strcmp(((const check_t *)a)->name, ((const check_t *)b)->name);
}

static void model_check_event(model_t *m, node_t *n, const check_t *c, state_t from, state_t to,
                              int64_t now)
{
	char detail[256];
	const char *out = c && c->output ? c->output : "";
	model_first_line(detail, sizeof detail, out, strlen(out), sizeof detail - 1);
	model_event(m, EVENT_CHECK, n->name, c ? c->name : "", from, to, detail, now);
}

/* Replaces the node's checks with rep's (taking its strings), carrying each
 * check's since_ms over by name and emitting EVENT_CHECK on changes.
 * rep == NULL clears the list (a starting node). */
static void model_set_checks(model_t *m, node_t *n, health_report_t *rep, int64_t now)
{
	size_t nn = rep ? rep->n : 0;
	check_t *nc = xcalloc(nn ? nn : 1, sizeof *nc);
	size_t nfail = 0;
	for (size_t i = 0; i < nn; i++) {
		nc[i].name = rep->checks[i].name ? rep->checks[i].name : xstrdup("");
		nc[i].output = rep->checks[i].output ? rep->checks[i].output : xstrdup("");
		nc[i].status = rep->checks[i].status;
		rep->checks[i].name = rep->checks[i].output = NULL;
		if (nc[i].status == CHECK_FAILING)
			nfail++;
	}
	qsort(nc, nn, sizeof *nc, model_check_cmp);

	size_t o = 0;
	for (size_t i = 0; i < nn; i++) {
		check_t *c = &nc[i];
		int cmp = 1;
		while (o < n->nchecks && (cmp = strcmp(n->checks[o].name, c->name)) < 0) {
			check_t *gone = &n->checks[o++];
			if (gone->status == CHECK_FAILING) {
				check_t tmp = *gone;
				tmp.output = "no longer reported";
				model_check_event(m, n, &tmp, STATE_DOWN, STATE_UNKNOWN, now);
			}
		}
		if (o < n->nchecks && cmp == 0) {
			check_t *old = &n->checks[o++];
			if (old->status == c->status) {
				c->since_ms = old->since_ms;
			} else {
				c->since_ms = now;
				model_check_event(m, n, c, model_check_state(old->status),
				                  model_check_state(c->status), now);
			}
		} else {
			c->since_ms = now;
			if (c->status == CHECK_FAILING)
				model_check_event(m, n, c, STATE_UNKNOWN, STATE_DOWN, now);
		}
	}
	for (; o < n->nchecks; o++) {
		check_t *gone = &n->checks[o];
		if (gone->status == CHECK_FAILING) {
			check_t tmp = *gone;
			tmp.output = rep ? "no longer reported" : "node starting";
			model_check_event(m, n, &tmp, STATE_DOWN, STATE_UNKNOWN, now);
		}
	}
	model_free_checks(n);
	n->checks = nc;
	n->nchecks = nn;
	n->checks_cap = nn ? nn : 1;
	n->nfailing = nfail;
	model_update_listeners(n);
}

static void model_set_node_state(node_t *n, state_t st, int64_t now)
{
	if (n->state != st) {
		n->state = st;
		n->state_since_ms = now;
	}
}

static void model_apply_health(model_t *m, node_t *n, const probe_result_t *r)
{
	int64_t now = r->done_ms;
	n->polls++;
	n->last_health_ms = now;
	n->health_latency_ms = r->latency_ms;
	n->http_status = r->ok ? r->http_status : 0;

	if (!r->ok) {
		model_copy(n->error, sizeof n->error, r->error && *r->error ? r->error : "request failed");
		n->poll_errors++;
		n->have_health = false;
		model_set_node_state(n, STATE_DOWN, now);
		return;
	}
	const char *body = r->body ? r->body : "";
	size_t len = r->body ? r->len : 0;
	if (r->http_status == 204) {
		n->error[0] = '\0';
		n->last_ok_ms = now;
		n->have_health = false;
		model_set_checks(m, n, NULL, now);
		model_set_node_state(n, STATE_STARTING, now);
		return;
	}
	if ((r->http_status == 200 || r->http_status == 207) && n->have_health && n->health_body &&
	    len == n->health_body_len && memcmp(body, n->health_body, len) == 0) {
		/* The same document as last time: nothing to parse or compare. */
		n->error[0] = '\0';
		n->last_ok_ms = now;
		model_set_node_state(n, n->nfailing ? STATE_DEGRADED : STATE_UP, now);
		return;
	}
	free(n->health_body);
	n->health_body = NULL;
	n->health_body_len = 0;
	if (r->http_status == 200 || r->http_status == 207) {
		health_report_t rep = HEALTH_REPORT_INIT;
		char err[160] = "";
		if (health_parse_any(r->content_type, body, len, &rep, err, sizeof err) != 0) {
			snprintf(n->error, sizeof n->error, "unparsable /health: %s", err[0] ? err : "parse error");
			n->poll_errors++;
			n->have_health = false;
			health_report_free(&rep);
			model_set_node_state(n, STATE_DOWN, now);
			return;
		}
		model_set_checks(m, n, &rep, now);
		health_report_free(&rep);
		n->health_body = xstrndup(body, len);
		n->health_body_len = len;
		n->error[0] = '\0';
		n->last_ok_ms = now;
		n->have_health = true;
		model_set_node_state(n, n->nfailing ? STATE_DEGRADED : STATE_UP, now);
		return;
	}
	/* any other status: down, with the status line and the body's first line */
	char line[FIRST_LINE_MAX + 1];
	model_first_line(line, sizeof line, body, len, FIRST_LINE_MAX);
	const char *reason = model_http_reason(r->http_status);
	snprintf(n->error, sizeof n->error, "HTTP %ld%s%s%s%s", r->http_status,
	         reason ? " " : "", reason ? reason : "", line[0] ? ": " : "", line);
	n->poll_errors++;
	n->have_health = false;
	model_set_node_state(n, STATE_DOWN, now);
}

/* ------------------------------------------------------------ /metrics */

enum model_match_kind {
	MK_DB_MAX, MK_DB_OPEN, MK_DB_USED, MK_DB_WAIT,
	MK_STATES, MK_STATES_LEGACY, MK_HEAD, MK_UPTIME, MK_VERSION, MK_HEALTH,
	MK_CHART,
};

typedef struct model_match {
	const char *name;
	size_t len;
	enum model_match_kind kind;
	size_t def;
} model_match_t;

/* Per-chain accumulators of one scrape, parallel to node->chains. */
typedef struct chain_acc {
	double alive, total, lalive, ltotal, head;
	bool states, lstates, have_head;
} chain_acc_t;

typedef struct scrape {
	model_t *m;
	node_t *n;
	bool plugin;
	model_match_t match[16 + 2 * 64];
	size_t nmatch;
	uint64_t lenmask[2];          /* bit (len & 127) set when some match has that length */
	chain_acc_t *acc;
	size_t acc_cap;
	double db[4];
	bool have_db[4];
	double uptime;
	bool have_uptime;
	char version[64], commit[64];
	bool have_version;
	uint64_t health_sig;          /* health{service_id}: which checks fail, order-free */
	size_t health_series;
} scrape_t;

static void scrape_add(scrape_t *c, const char *name, enum model_match_kind kind, size_t def)
{
	if (!name || !*name || c->nmatch >= sizeof c->match / sizeof c->match[0])
		return;
	model_match_t *e = &c->match[c->nmatch++];
	e->name = name;
	e->len = strlen(name);
	e->kind = kind;
	e->def = def;
	c->lenmask[(e->len >> 6) & 1] |= (uint64_t)1 << (e->len & 63);
}

static chain_acc_t *scrape_chain(scrape_t *c, prom_str_t id)
{
	rpc_chain_t *ch = model_chain_find(c->n, id.ptr, id.len, true);
	if (!ch)
		return NULL;
	size_t i = (size_t)(ch - c->n->chains);
	if (i >= c->acc_cap) {
		size_t old = c->acc_cap;
		c->acc = xgrow(c->acc, &c->acc_cap, i + 1, sizeof *c->acc);
		memset(c->acc + old, 0, (c->acc_cap - old) * sizeof *c->acc);
	}
	ch->seen = true;
	return &c->acc[i];
}

static series_t *scrape_series(scrape_t *c, size_t def, prom_str_t key)
{
	node_t *n = c->n;
	if (key.len >= sizeof n->series[0].key)
		key.len = sizeof n->series[0].key - 1;
	for (size_t i = 0; i < n->nseries; i++) {
		series_t *s = &n->series[i];
		if (s->def == def && strlen(s->key) == key.len && memcmp(s->key, key.ptr, key.len) == 0)
			return s;
	}
	if (n->nseries >= MODEL_MAX_SERIES)
		return NULL;
	n->series = xgrow(n->series, &n->series_cap, n->nseries + 1, sizeof *n->series);
	series_t *s = &n->series[n->nseries++];
	memset(s, 0, sizeof *s);
	s->def = def;
	model_copy_slice(s->key, sizeof s->key, key.ptr, key.len);
	ring_init(&s->ring, c->m->ring_cap);
	return s;
}

static void scrape_chart(scrape_t *c, const model_match_t *e, const prom_sample_t *s)
{
	const chart_def_t *d = &c->m->charts.defs[e->def];
	prom_str_t v, key = { "", 0 };
	if (d->filter_label && (!prom_label_get(s, d->filter_label, &v) ||
	                        !d->filter_value || !prom_str_eq(v, d->filter_value)))
		return;
	if (d->split_label && !prom_label_get(s, d->split_label, &key) &&
	    !(d->alt_split_label && prom_label_get(s, d->alt_split_label, &key)))
		key = (prom_str_t){ "", 0 };
	series_t *ser = scrape_series(c, e->def, key);
	if (!ser)
		return;
	if (!ser->seen) {
		ser->seen = true;
		ser->acc = 0;
	}
	ser->acc += s->value;
}

static void scrape_handle(scrape_t *c, const model_match_t *e, const prom_sample_t *s)
{
	prom_str_t id, st;
	chain_acc_t *a;
	switch (e->kind) {
	case MK_DB_MAX: case MK_DB_OPEN: case MK_DB_USED: case MK_DB_WAIT:
		c->db[e->kind - MK_DB_MAX] = s->value;
		c->have_db[e->kind - MK_DB_MAX] = true;
		break;
	case MK_STATES:
	case MK_STATES_LEGACY:
		if (!prom_label_get(s, e->kind == MK_STATES ? "chainId" : "evmChainID", &id) &&
		    !prom_label_get(s, e->kind == MK_STATES ? "chainID" : "chainId", &id))
			break;
		if (!prom_label_get(s, "state", &st) || !(a = scrape_chain(c, id)))
			break;
		if (e->kind == MK_STATES) {
			a->states = true;
			a->total += s->value;
			if (prom_str_eq(st, "Alive"))
				a->alive += s->value;
		} else {
			a->lstates = true;
			a->ltotal += s->value;
			if (prom_str_eq(st, "Alive"))
				a->lalive += s->value;
		}
		break;
	case MK_HEAD:
		/* a block number is a non-negative integer well below 2^53 */
		if (s->value < 0 || s->value > 9007199254740992.0)
			break;
		if (!prom_label_get(s, "evmChainID", &id) && !prom_label_get(s, "chainId", &id) &&
		    !prom_label_get(s, "ChainID", &id))
			break;
		if (!(a = scrape_chain(c, id)))
			break;
		if (!a->have_head || s->value > a->head)
			a->head = s->value;
		a->have_head = true;
		break;
	case MK_UPTIME:
		c->uptime = s->value;
		c->have_uptime = true;
		break;
	case MK_HEALTH: {
		/* a sum of per-check hashes, the failing ones marked: equal sets, equal sums */
		uint64_t h = 1469598103934665603ull;
		if (prom_label_get(s, "service_id", &st))
			for (size_t i = 0; i < st.len; i++)
				h = (h ^ (unsigned char)st.ptr[i]) * 1099511628211ull;
		c->health_sig += s->value == 0 ? h * 0x9e3779b97f4a7c15ull : h;
		c->health_series++;
		break;
	}
	case MK_VERSION:
		c->have_version = true;
		if (prom_label_get(s, "version", &st))
			model_copy_slice(c->version, sizeof c->version, st.ptr, st.len);
		if (prom_label_get(s, "commit", &st))
			model_copy_slice(c->commit, sizeof c->commit, st.ptr, st.len);
		break;
	case MK_CHART:
		scrape_chart(c, e, s);
		break;
	}
}

/* Called for every sample of every scrape: reject by name length first. */
static void scrape_on_sample(void *ud, const prom_sample_t *s)
{
	scrape_t *c = ud;
	size_t len = s->name.len;
	if (!((c->lenmask[(len >> 6) & 1] >> (len & 63)) & 1))
		return;
	if (!isfinite(s->value))
		return;
	for (size_t i = 0; i < c->nmatch; i++) {
		const model_match_t *e = &c->match[i];
		if (e->len == len && e->name[0] == s->name.ptr[0] && memcmp(e->name, s->name.ptr, len) == 0)
			scrape_handle(c, e, s);
	}
}

/* Lines of series the model does not track are skipped by the parser after
 * the name: most of a large /metrics body is job and runtime series. */
static bool scrape_want(void *ud, prom_str_t name)
{
	const scrape_t *c = ud;
	size_t len = name.len;
	if (!((c->lenmask[(len >> 6) & 1] >> (len & 63)) & 1))
		return false;
	for (size_t i = 0; i < c->nmatch; i++) {
		const model_match_t *e = &c->match[i];
		if (e->len == len && e->name[0] == name.ptr[0] && memcmp(e->name, name.ptr, len) == 0)
			return true;
	}
	return false;
}

static void scrape_init(scrape_t *c, model_t *m, node_t *n, bool plugin)
{
	memset(c, 0, sizeof *c);
	c->m = m;
	c->n = n;
	c->plugin = plugin;
	/* a plugin (LOOPP) process serves its chain's series; its DB, uptime,
	 * version and process series are its own, not the node's: skip them */
	if (!plugin) {
		scrape_add(c, "db_conns_max", MK_DB_MAX, 0);
		scrape_add(c, "db_conns_open", MK_DB_OPEN, 0);
		scrape_add(c, "db_conns_used", MK_DB_USED, 0);
		scrape_add(c, "db_wait_count", MK_DB_WAIT, 0);
		scrape_add(c, "uptime_seconds", MK_UPTIME, 0);
		scrape_add(c, "version", MK_VERSION, 0);
		scrape_add(c, "health", MK_HEALTH, 0);
	}
	scrape_add(c, "multi_node_states", MK_STATES, 0);
	scrape_add(c, "evm_pool_rpc_node_states", MK_STATES_LEGACY, 0);
	scrape_add(c, "head_tracker_current_head", MK_HEAD, 0);
	for (size_t i = 0; i < m->charts.n; i++) {
		const chart_def_t *d = &m->charts.defs[i];
		if (plugin && !d->split_label)
			continue;
		scrape_add(c, d->metric, MK_CHART, i);
		if (d->alt_metric)
			scrape_add(c, d->alt_metric, MK_CHART, i);
	}
	for (size_t i = 0; i < n->nchains; i++)
		n->chains[i].seen = false;
	for (size_t i = 0; i < n->nseries; i++) {
		n->series[i].seen = false;
		n->series[i].acc = 0;
	}
}

static void model_series_push(model_t *m, series_t *s, int64_t now)
{
	const chart_def_t *d = &m->charts.defs[s->def];
	double raw = s->acc;
	if (d->mode != CHART_RATE_PER_MIN) {
		ring_push(&s->ring, now, raw);
		return;
	}
	if (s->have_prev && now <= s->raw_prev_ms)
		return;
	if (s->have_prev) {
		/* a decrease is a counter reset (restart): count from zero */
		s->adj += raw >= s->raw_prev ? raw - s->raw_prev : raw;
	}
	/* The rate is taken over the oldest kept point at most SERIES_RATE_SPAN_MS
	 * back, so that a counter stepping once per scrape does not read 0, 60, 0. */
	if (s->win_n > 0) {
		size_t oldest = (s->win_head + SERIES_RATE_WINDOW - s->win_n) % SERIES_RATE_WINDOW;
		for (size_t k = 0; k < s->win_n; k++) {
			size_t i = (oldest + k) % SERIES_RATE_WINDOW;
			if (now - s->win_t[i] <= SERIES_RATE_SPAN_MS || k + 1 == s->win_n) {
				double mins = (double)(now - s->win_t[i]) / 60000.0;
				ring_push(&s->ring, now, (s->adj - s->win_v[i]) / mins);
				break;
			}
		}
	}
	s->win_t[s->win_head] = now;
	s->win_v[s->win_head] = s->adj;
	s->win_head = (unsigned char)((s->win_head + 1) % SERIES_RATE_WINDOW);
	if (s->win_n < SERIES_RATE_WINDOW)
		s->win_n++;
	s->raw_prev = raw;
	s->raw_prev_ms = now;
	s->have_prev = true;
}

static bool model_same_source(const rpc_chain_t *c, const char *src)
{
	return strncmp(c->source, src, sizeof c->source - 1) == 0;
}

/* A scrape of src failed (or its body was not Prometheus text): the chains it
 * fed have no current data. Head values are kept so a stall is still measured
 * from when the head really last moved. */
static void model_chains_lost(node_t *n, const char *src)
{
	for (size_t i = 0; i < n->nchains; i++) {
		rpc_chain_t *c = &n->chains[i];
		if (model_same_source(c, src)) {
			c->have_states = false;
			c->have_head = false;
		}
	}
}

static void model_metrics_error(node_t *n, const probe_result_t *r, char *dst, size_t size)
{
	if (!r->ok) {
		model_copy(dst, size, r->error && *r->error ? r->error : "request failed");
		return;
	}
	char line[FIRST_LINE_MAX + 1];
	model_first_line(line, sizeof line, r->body ? r->body : "", r->body ? r->len : 0, FIRST_LINE_MAX);
	const char *reason = model_http_reason(r->http_status);
	if (line[0])
		snprintf(dst, size, "HTTP %ld: %s", r->http_status, line);
	else
		snprintf(dst, size, "HTTP %ld%s%s", r->http_status, reason ? " " : "", reason ? reason : "");
}

static void model_apply_metrics(model_t *m, node_t *n, const probe_result_t *r)
{
	bool plugin = r->kind == PROBE_PLUGIN_METRICS;
	const char *src = plugin ? (r->path ? r->path : "plugin") : "";
	int64_t now = r->done_ms;
	char err[256] = "";

	n->last_metrics_ms = now;
	if (!plugin) {
		n->metrics_latency_ms = r->latency_ms;
		n->metrics_polls++;
	}
	if (!r->ok || r->http_status != 200)
		model_metrics_error(n, r, err, sizeof err);

	scrape_t c;
	prom_stats_t st = { 0, 0, 0, 0 };
	if (!err[0]) {
		scrape_init(&c, m, n, plugin);
		prom_handler_t h = { .on_sample = scrape_on_sample, .want = scrape_want, .ud = &c };
		prom_parse(r->body ? r->body : "", r->body ? r->len : 0, &h, &st);
		if (st.samples == 0 && st.errors > 0) {
			snprintf(err, sizeof err, "unparsable /metrics: %zu malformed line%s", st.errors,
			         st.errors == 1 ? "" : "s");
			free(c.acc);
		}
	}
	if (err[0]) {
		model_chains_lost(n, src);
		if (plugin) {
			snprintf(n->plugin_error, sizeof n->plugin_error, "%.60s: %.190s", src, err);
		} else {
			n->have_metrics = false;
			model_copy(n->metrics_error, sizeof n->metrics_error, err);
			n->have_db = false;
			n->have_db_wait_prev = false;
			n->metrics_series = 0;
			n->metrics_bad_lines = 0;
		}
		return;
	}

	/* chains */
	for (size_t i = 0; i < n->nchains; i++) {
		rpc_chain_t *ch = &n->chains[i];
		if (!ch->seen) {
			if (model_same_source(ch, src))
				ch->have_states = ch->have_head = false;
			continue;
		}
		chain_acc_t *a = i < c.acc_cap ? &c.acc[i] : NULL;
		if (!a)
			continue;
		model_copy(ch->source, sizeof ch->source, src);
		if (a->states || a->lstates) {
			ch->alive = (int)(a->states ? a->alive : a->lalive);
			ch->total = (int)(a->states ? a->total : a->ltotal);
			ch->have_states = true;
		} else {
			ch->have_states = false;
		}
		if (a->have_head) {
			if (ch->head_changed_ms == 0 || a->head != ch->head)
				ch->head_changed_ms = now;
			ch->head = a->head;
			ch->have_head = true;
		} else {
			ch->have_head = false;
		}
	}
	free(c.acc);
	model_sort_chains(n);

	/* charted series */
	bool sort_series = false;
	for (size_t i = 0; i < n->nseries; i++) {
		series_t *s = &n->series[i];
		if (s->seen)
			model_series_push(m, s, now);
		if (i > 0 && model_series_cmp(&n->series[i - 1], s) > 0)
			sort_series = true;
	}
	if (sort_series)
		qsort(n->series, n->nseries, sizeof *n->series, model_series_cmp);

	if (plugin) {
		if (n->plugin_error[0] && strncmp(n->plugin_error, src, strlen(src)) == 0 &&
		    n->plugin_error[strlen(src)] == ':')
			n->plugin_error[0] = '\0';
		return;
	}

	/* the checks as /metrics sees them: a change asks for /health now */
	uint64_t hsig = c.health_sig + (uint64_t)c.health_series * 0x632be59bd9b4e019ull;
	if (!plugin && n->have_metrics && hsig != n->metrics_health_sig)
		n->health_hint = true;
	if (!plugin)
		n->metrics_health_sig = hsig;

	n->have_metrics = true;
	n->metrics_error[0] = '\0';
	n->metrics_series = st.samples + st.skipped;
	n->metrics_bad_lines = st.errors;

	/* database: the previous scrape's wait count is kept to see it grow */
	bool had_wait = n->have_db;
	double old_wait = n->db_wait;
	n->have_db = c.have_db[0] && c.have_db[1];
	n->db_max = c.have_db[0] ? c.db[0] : 0;
	n->db_open = c.have_db[1] ? c.db[1] : 0;
	n->db_used = c.have_db[2] ? c.db[2] : 0;
	n->db_wait = c.have_db[3] ? c.db[3] : 0;
	n->have_db_wait_prev = had_wait && c.have_db[3];
	n->db_wait_prev = old_wait;

	/* process uptime: a drop is a restart */
	if (c.have_uptime) {
		if (n->have_proc_uptime && c.uptime < n->proc_uptime_s) {
			char d[128];
			n->restarts++;
			n->last_restart_ms = now;
			snprintf(d, sizeof d, "uptime_seconds fell from %.0f to %.0f", n->proc_uptime_s, c.uptime);
			model_event(m, EVENT_RESTART, n->name, "", n->state, n->state, d, now);
		}
		n->proc_uptime_s = c.uptime;
		n->have_proc_uptime = true;
	} else {
		n->have_proc_uptime = false;
	}
	if (c.have_version) {
		model_copy(n->version, sizeof n->version, c.version);
		model_copy(n->commit, sizeof n->commit, c.commit);
	} else {
		n->version[0] = n->commit[0] = '\0';
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

void model_apply(model_t *m, const probe_result_t *r)
{
	if (!r || r->node >= m->nnodes)
		return;
	node_t *n = &m->nodes[r->node];
	switch (r->kind) {
	case PROBE_HEALTH:
		model_apply_health(m, n, r);
		break;
	case PROBE_METRICS:
	case PROBE_PLUGIN_METRICS:
		model_apply_metrics(m, n, r);
		break;
	default:
		return;   /* discovery is the poller's business */
	}
	model_node_update(m, n, r->done_ms);
	group_t *g = model_group_of(m, n);
	if (g)
		model_group_update(m, g, r->done_ms);
	m->generation++;   /* latency, counters and times shown have changed */
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

/* Severity for exit codes: unknown ranks above up (we could not see) but
 * below every real problem. */
static int model_rank(state_t s)
{
	switch (s) {
	case STATE_UP: return 0;
	case STATE_UNKNOWN: return 1;
	case STATE_STARTING: return 2;
	case STATE_DEGRADED: return 3;
	case STATE_DOWN: return 4;
	default: return 1;
	}
}

static void model_overall_add(state_t *acc, bool *any, state_t s)
{
	if (!*any || model_rank(s) > model_rank(*acc))
		*acc = s;
	*any = true;
}

state_t model_overall(const model_t *m)
{
	state_t acc = STATE_UNKNOWN;
	bool any = false;
	for (size_t i = 0; i < m->nnodes; i++) {
		const node_t *n = &m->nodes[i];
		if (n->group)
			continue;      /* judged through its group */
		model_overall_add(&acc, &any, n->ind[IND_NODE].state);
		for (int k = IND_DB; k < IND__COUNT; k++) {
			state_t s = n->ind[k].state;
			/* DB/RPC unknown only counts when nodetop tried and failed */
			if (s != STATE_UNKNOWN || n->metrics_error[0])
				model_overall_add(&acc, &any, s);
		}
	}
	for (size_t i = 0; i < m->ngroups; i++) {
		const group_t *g = &m->groups[i];
		bool tried = false;
		for (size_t j = 0; j < g->nmembers; j++)
			if (g->members[j] < m->nnodes && m->nodes[g->members[j]].metrics_error[0])
				tried = true;
		model_overall_add(&acc, &any, g->ind[IND_NODE].state);
		for (int k = IND_DB; k < IND__COUNT; k++)
			if (g->ind[k].state != STATE_UNKNOWN || tried)
				model_overall_add(&acc, &any, g->ind[k].state);
	}
	return any ? acc : STATE_UNKNOWN;
}

size_t model_nodes_up(const model_t *m)
{
	size_t k = 0;
	for (size_t i = 0; i < m->nnodes; i++) {
		state_t s = m->nodes[i].ind[IND_NODE].state;
		if (s == STATE_UP || s == STATE_DEGRADED || s == STATE_STARTING)
			k++;
	}
	return k;
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
