/* model_metrics.c - interprets a /metrics (or plugin) scrape by Chainlink's metric names:
 * database pool, RPC chain states and heads, uptime, version, charted series. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "model_priv.h"
#include "parse_prom.h"
#include "xalloc.h"

static int model_series_cmp(const void *a, const void *b)
{
	const series_t *x = a, *y = b;
	if (x->def != y->def)
		return x->def < y->def ? -1 : 1;
	return model_idcmp(x->key, y->key);
}

/* ------------------------------------------------------------ /metrics */

enum model_match_kind {
	MK_DB_MAX, MK_DB_OPEN, MK_DB_USED, MK_DB_WAIT,
	MK_STATES, MK_STATES_LEGACY, MK_HEAD, MK_UPTIME, MK_VERSION, MK_HEALTH,
	MK_CHART,
	MK_RULE,          /* an input of the alert rules: def = rules_metric_t */
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
	model_match_t match[48 + 2 * 64];
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
	rules_input_t rin;            /* what the alert rules get from this scrape */
	char first_err[96];           /* the first malformed line: "line 12: too many labels" */
} scrape_t;

/* A malformed line (e.g. a series with more than PROM_MAX_LABELS labels):
 * counted in the node's parse errors, the first one kept to be shown. */
static void scrape_on_error(void *ud, size_t line, const char *msg)
{
	scrape_t *c = ud;
	if (!c->first_err[0])
		snprintf(c->first_err, sizeof c->first_err, "line %zu: %s", line, msg);
}

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

/* ------------------------------------------------------------ rule inputs */

/* The chain a sample is about: chainID (current), evmChainID (older), ChainID, chainId. */
static prom_str_t scrape_chain_label(const prom_sample_t *s)
{
	static const char *const names[] = { "chainID", "evmChainID", "ChainID", "chainId" };
	prom_str_t v = { "", 0 };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (prom_label_get(s, names[i], &v))
			return v;
	return (prom_str_t){ "", 0 };
}

static void scrape_rule(scrape_t *c, rules_metric_t rm, const prom_sample_t *s)
{
	prom_str_t v, chain;
	char subj[RULES_SUBJECT_MAX];
	switch (rm) {
	case RM_BALANCE:
		if (!prom_label_get(s, "account", &v))
			v = (prom_str_t){ "?", 1 };
		chain = scrape_chain_label(s);
		snprintf(subj, sizeof subj, "%.*s chain %.*s", (int)(v.len > 64 ? 64 : v.len), v.ptr,
		         (int)(chain.len > 20 ? 20 : chain.len), chain.ptr);
		rules_input_add(&c->rin, rm, subj, strlen(subj), s->value);
		break;
	case RM_INSUFFICIENT:
		if (!prom_label_get(s, "cause", &v) || !prom_str_eq(v, "insufficient_funds"))
			break;
		/* fall through */
	case RM_HEADS: case RM_UNCONF_BLOCKS: case RM_TX_AGE: case RM_GAS_BUMP_LIMIT:
		chain = scrape_chain_label(s);
		rules_input_add(&c->rin, rm, chain.ptr, chain.len, s->value);
		break;
	case RM_JOB_ERRORS:
		if (!prom_label_get(s, "job_name", &v) && !prom_label_get(s, "job_id", &v))
			v = (prom_str_t){ "", 0 };
		rules_input_add(&c->rin, rm, v.ptr, v.len, s->value);
		break;
	case RM_HEALTH:
		if (prom_label_get(s, "service_id", &v))
			rules_input_add(&c->rin, rm, v.ptr, v.len, s->value);
		break;
	case RM_LOG_CRITICAL: case RM_LOG_ERRORS:
		rules_input_add(&c->rin, rm, "", 0, s->value);
		break;
	default:
		rules_input_seen(&c->rin, rm);
		break;
	}
}

/* The series the rules read, by name; counters with and without _total. A
 * plugin process serves its chain's series only (not the node's checks, logs, jobs). */
static void scrape_add_rules(scrape_t *c, bool plugin)
{
	static const struct { const char *name; rules_metric_t rm; } rows[] = {
		{ "node_balance", RM_BALANCE }, { "eth_balance", RM_BALANCE },
		{ "head_tracker_heads_received", RM_HEADS }, { "head_tracker_heads_received_total", RM_HEADS },
		{ "max_unconfirmed_blocks", RM_UNCONF_BLOCKS }, { "max_unconfirmed_tx_age", RM_TX_AGE },
		{ "tx_manager_gas_bump_exceeds_limit", RM_GAS_BUMP_LIMIT },
		{ "tx_manager_gas_bump_exceeds_limit_total", RM_GAS_BUMP_LIMIT },
		{ "tx_manager_attempt_error_total", RM_INSUFFICIENT }, { "tx_manager_attempt_error", RM_INSUFFICIENT },
		{ "pipeline_run_errors", RM_JOB_ERRORS }, { "pipeline_run_errors_total", RM_JOB_ERRORS },
		{ "health", RM_HEALTH },
		{ "log_critical_count", RM_LOG_CRITICAL }, { "log_critical_count_total", RM_LOG_CRITICAL },
		{ "log_panic_count", RM_LOG_CRITICAL }, { "log_panic_count_total", RM_LOG_CRITICAL },
		{ "log_error_count", RM_LOG_ERRORS }, { "log_error_count_total", RM_LOG_ERRORS },
		{ "head_tracker_current_head", RM_CURRENT_HEAD },
		{ "multi_node_states", RM_NODE_STATES }, { "evm_pool_rpc_node_states", RM_NODE_STATES },
		{ "db_conns_open", RM_DB_CONNS },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		rules_metric_t rm = rows[i].rm;
		if (plugin && (rm == RM_JOB_ERRORS || rm == RM_HEALTH || rm == RM_LOG_CRITICAL || rm == RM_LOG_ERRORS ||
		               rm == RM_DB_CONNS))
			continue;
		scrape_add(c, rows[i].name, MK_RULE, rm);
	}
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
	case MK_RULE:
		scrape_rule(c, (rules_metric_t)e->def, s);
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
	scrape_add_rules(c, plugin);
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

/* The window of a rate as cap points (one allocation: the times, then the values), its
 * points oldest first: it starts at 8 and grows only while it holds less than two spans
 * (a 5 s scrape: 32 points, not 64; a 1 s scrape: 64). */
static void series_win_resize(series_t *s, unsigned cap)
{
	int64_t *t = xcalloc(cap, sizeof *s->win_t + sizeof *s->win_v);
	double *v = (double *)(t + cap);
	unsigned n = s->win_n;
	for (unsigned k = 0; k < n; k++) {
		unsigned i = (s->win_head + s->win_cap - n + k) % s->win_cap;
		t[k] = s->win_t[i];
		v[k] = s->win_v[i];
	}
	free(s->win_t);
	s->win_t = t;
	s->win_v = v;
	s->win_cap = (unsigned char)cap;
	s->win_head = (unsigned char)(n % cap);
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
	if (!s->win_t)
		series_win_resize(s, 8);
	if (s->have_prev) {
		/* a decrease is a counter reset (restart): count from zero */
		s->adj += raw >= s->raw_prev ? raw - s->raw_prev : raw;
	}
	/* A counter that steps less often than it is scraped (heads every 12 s,
	 * scraped every 1 or 5 s) is measured between its own steps: from its
	 * oldest step within SERIES_RATE_SPAN_MS to its newest, a whole number of
	 * its update periods, so the rate does not saw up and down with where
	 * "now" falls between two steps. That needs three steps (two periods).
	 * Once such a counter has not stepped for two of its periods, the last
	 * two periods hold no step: 0/min at once - a stall shows as a stall. */
	if (s->win_n > 0) {
		size_t oldest = (s->win_head + s->win_cap - s->win_n) % s->win_cap;
		bool stepped = s->adj != s->win_v[(s->win_head + s->win_cap - 1) % s->win_cap];
		int64_t t_last = stepped ? now : s->last_step_ms;
		int64_t t_first = 0;
		double v_first = 0, v_last = stepped ? s->adj : 0;
		size_t steps = stepped ? 1 : 0;
		/* the steps within the span that ends at the newest step, newest first */
		for (size_t k = s->win_n; k-- > 1;) {
			size_t i = (oldest + k) % s->win_cap, p = (oldest + k - 1) % s->win_cap;
			if (s->win_v[i] == s->win_v[p])
				continue;
			if (steps == 0) {
				t_last = s->win_t[i];
				v_last = s->win_v[i];
			}
			if (t_last - s->win_t[i] > SERIES_RATE_SPAN_MS)
				break;
			t_first = s->win_t[i];
			v_first = s->win_v[i];
			steps++;
		}
		if (stepped && steps == 1) {
			t_first = now;
			v_first = s->adj;
		}
		if (stepped)
			s->last_step_ms = now;
		if (steps >= 3 && t_last > t_first) {
			s->step_period_ms = (t_last - t_first) / (int64_t)(steps - 1);
			if (now - t_last <= 2 * s->step_period_ms) {
				ring_push(&s->ring, now, (v_last - v_first) / ((double)(t_last - t_first) / 60000.0));
				goto keep;
			}
		}
		if (!stepped && s->step_period_ms > 0 && s->last_step_ms > 0 &&
		    now - s->last_step_ms > 2 * s->step_period_ms) {
			ring_push(&s->ring, now, 0);   /* stalled: no step over two of its periods */
			goto keep;
		}
		/* Warming up: fewer than three steps, scrapes without one (the counter
		 * is slower than its scrapes) and less than SERIES_RATE_SPAN_MS watched:
		 * a plain rate here would saw up and down with where "now" falls
		 * between two steps (it looks like a stall): nothing is drawn yet. */
		bool flat = !stepped;
		for (size_t k = 1; k < s->win_n && !flat; k++)
			flat = s->win_v[(oldest + k) % s->win_cap] == s->win_v[(oldest + k - 1) % s->win_cap];
		if (steps < 3 && s->step_period_ms == 0 && flat && now - s->win_t[oldest] < SERIES_RATE_SPAN_MS)
			goto keep;
	}
	/* Else the rate is taken over the oldest kept point at most SERIES_RATE_SPAN_MS
	 * back, so that a counter stepping once per scrape does not read 0, 60, 0. */
	if (s->win_n > 0) {
		size_t oldest = (s->win_head + s->win_cap - s->win_n) % s->win_cap;
		for (size_t k = 0; k < s->win_n; k++) {
			size_t i = (oldest + k) % s->win_cap;
			if (now - s->win_t[i] <= SERIES_RATE_SPAN_MS || k + 1 == s->win_n) {
				double mins = (double)(now - s->win_t[i]) / 60000.0;
				ring_push(&s->ring, now, (s->adj - s->win_v[i]) / mins);
				break;
			}
		}
	}
keep:
	/* full while its oldest point is within two spans (the steps within a span that ends
	 * up to two of the counter's periods back): twice the points, up to SERIES_RATE_WINDOW */
	if (s->win_n == s->win_cap && s->win_cap < SERIES_RATE_WINDOW &&
	    now - s->win_t[s->win_head] < 2 * SERIES_RATE_SPAN_MS)
		series_win_resize(s, s->win_cap * 2u);
	s->win_t[s->win_head] = now;
	s->win_v[s->win_head] = s->adj;
	s->win_head = (unsigned char)((s->win_head + 1) % s->win_cap);
	if (s->win_n < s->win_cap)
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
	model_error_body(line, sizeof line, r->body ? r->body : "", r->body ? r->len : 0, FIRST_LINE_MAX);
	const char *reason = model_http_reason(r->http_status);
	const char *hint = model_auth_hint(r->http_status, true, r->auth_sent);
	if (line[0])
		snprintf(dst, size, "HTTP %ld: %s%s%s", r->http_status, line, hint ? " - " : "", hint ? hint : "");
	else
		snprintf(dst, size, "HTTP %ld%s%s%s%s", r->http_status, reason ? " " : "", reason ? reason : "",
		         hint ? " - " : "", hint ? hint : "");
}

/* ------------------------------------------------------------ alert rules */

typedef struct rule_emit_ctx {
	model_t *m;
	node_t *n;
} rule_emit_ctx_t;

static state_t rule_level_state(int level)
{
	return level >= RULE_LEVEL_CRITICAL ? STATE_DOWN : level == RULE_LEVEL_WARNING ? STATE_DEGRADED : STATE_UP;
}

/* A firing or resolving becomes an event of kind "rule". */
static void model_rule_emit(void *ud, const rule_event_t *re)
{
	rule_emit_ctx_t *x = ud;
	const rule_inst_t *in = re->inst;
	event_t e;
	memset(&e, 0, sizeof e);
	e.ts_ms = x->n->last_metrics_ms;   /* the scrape that decided */
	e.kind = EVENT_RULE;
	e.from = rule_level_state(re->from);
	e.to = rule_level_state(in->level);
	model_copy(e.node, sizeof e.node, x->n->name);
	model_copy(e.subject, sizeof e.subject, in->subject);
	model_copy(e.detail, sizeof e.detail, in->detail);
	model_copy(e.rule, sizeof e.rule, rule_info(in->rule)->name);
	e.level = in->level;
	e.from_level = re->from;
	e.value = in->value;
	e.threshold = in->threshold;
	eventlog_add(&x->m->events, &e);
	/* an acknowledgement covers what fired before it: a new firing or a
	 * higher level is a new problem (repeats of its notifications start again) */
	if (in->level > re->from)
		x->n->acked = false;
	x->m->generation++;
}

static void model_rules_eval(model_t *m, node_t *n, const rules_input_t *in, int64_t now)
{
	if (!n->rules)
		n->rules = rules_state_new();
	rule_emit_ctx_t x = { m, n };
	rules_eval(n->rules, &n->rules_cfg, in, now, model_rule_emit, &x);
}

bool model_apply_metrics(model_t *m, node_t *n, const probe_result_t *r)
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
		prom_handler_t h = { .on_sample = scrape_on_sample, .want = scrape_want, .on_error = scrape_on_error,
		                     .ud = &c };
		if (r->samples) {   /* a source's samples: the same handling, no text between */
			for (size_t i = 0; i < r->nsamples; i++) {
				st.lines++;
				if (!scrape_want(&c, r->samples[i].name)) {
					st.skipped++;
					continue;
				}
				st.samples++;
				scrape_on_sample(&c, &r->samples[i]);
			}
		} else {
			prom_parse(r->body ? r->body : "", r->body ? r->len : 0, &h, &st);
		}
		if (st.samples == 0 && st.errors > 0) {
			snprintf(err, sizeof err, "unparsable /metrics: %zu malformed line%s", st.errors,
			         st.errors == 1 ? "" : "s");
			free(c.acc);
			rules_input_free(&c.rin);
		}
	}
	if (err[0]) {
		model_chains_lost(n, src);
		if (plugin) {
			rules_stash(n->rules, src, NULL);
			snprintf(n->plugin_error, sizeof n->plugin_error, "%.60s: %.190s", src, err);
		} else {
			n->have_metrics = false;
			model_copy(n->metrics_error, sizeof n->metrics_error, err);
			n->have_db = false;
			n->have_db_wait_prev = false;
			n->metrics_series = 0;
			n->metrics_bad_lines = 0;
			n->metrics_bad_first[0] = '\0';
		}
		return false;
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
		/* evaluated with the node's next /metrics */
		rules_stash(n->rules, src, &c.rin);
		rules_input_free(&c.rin);
		if (n->plugin_error[0] && strncmp(n->plugin_error, src, strlen(src)) == 0 &&
		    n->plugin_error[strlen(src)] == ':')
			n->plugin_error[0] = '\0';
		return false;
	}

	/* the checks as /metrics sees them: a change asks for /health now */
	uint64_t hsig = c.health_sig + (uint64_t)c.health_series * 0x632be59bd9b4e019ull;
	bool hint = n->have_metrics && hsig != n->metrics_health_sig;
	n->metrics_health_sig = hsig;

	n->have_metrics = true;
	n->metrics_error[0] = '\0';
	n->metrics_series = st.samples + st.skipped;
	n->metrics_bad_lines = st.errors;
	model_copy(n->metrics_bad_first, sizeof n->metrics_bad_first, c.first_err);

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

	/* process uptime: a drop is a restart; a rise says the process serves (two active members) */
	if (c.have_uptime && n->have_proc_uptime && c.uptime > n->proc_uptime_s)
		n->uptime_grew_ms = now;
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
	model_rules_eval(m, n, &c.rin, now);
	rules_input_free(&c.rin);
	return hint;
}

