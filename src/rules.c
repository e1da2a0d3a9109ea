/* rules.c - the alert rules: vocabulary and defaults, counters with resets and
 * windows, check histories, and each rule instance's pending/firing/resolved life. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "rules.h"
#include "xalloc.h"

/* ------------------------------------------------------------ vocabulary */

static const rule_info_t rules_info[RULE__COUNT] = {
	[RULE_BALANCE] = { "balance", "native balance of a key below warn / crit (whole coins)", true, false, "" },
	[RULE_HEADS_STALLED] = { "heads_stalled", "fewer than crit new heads received on a chain in window", true, true, "/window" },
	[RULE_UNCONFIRMED_BLOCKS] = { "unconfirmed_blocks", "a transaction unconfirmed for more than warn / crit blocks", false, false, "" },
	[RULE_TX_AGE] = { "tx_age", "the oldest unconfirmed transaction older than warn / crit seconds", false, false, "s" },
	[RULE_GAS_BUMP_LIMIT] = { "gas_bump_limit", "gas bumps exceeding the price limit: more than crit in window", false, true, "/window" },
	[RULE_INSUFFICIENT_FUNDS] = { "insufficient_funds", "transaction attempts failing for insufficient funds: more than crit in window", false, true, "/window" },
	[RULE_JOB_ERRORS] = { "job_errors", "job run errors: more than warn / crit in window", false, true, "/window" },
	[RULE_HEALTH_HISTORY] = { "health_history", "a check failing more than warn / crit percent of window", false, true, "%" },
	[RULE_LOG_CRITICAL] = { "log_critical", "critical or panic log lines: more than crit in window", false, true, "/window" },
	[RULE_LOG_ERRORS] = { "log_errors", "error log lines: more than warn / crit in window", false, true, "/window" },
	[RULE_METRIC_MISSING] = { "metric_missing", "a series nodetop relies on disappeared from a node that sent it", true, false, "" },
};

void rules_cfg_default(rules_cfg_t *c)
{
	const double none = NAN;
	static const struct { double warn, crit; int64_t for_ms, window_ms; } d[RULE__COUNT] = {
		[RULE_BALANCE] = { 1.0, 0.1, 0, 0 },
		[RULE_HEADS_STALLED] = { -1, 1, 0, 600000 },
		[RULE_UNCONFIRMED_BLOCKS] = { 50, -1, 0, 0 },
		[RULE_TX_AGE] = { 600, -1, 0, 0 },
		[RULE_GAS_BUMP_LIMIT] = { -1, 0, 0, 900000 },
		[RULE_INSUFFICIENT_FUNDS] = { -1, 0, 0, 900000 },
		[RULE_JOB_ERRORS] = { 10, -1, 0, 3600000 },
		[RULE_HEALTH_HISTORY] = { 30, 50, 0, 900000 },
		[RULE_LOG_CRITICAL] = { -1, 0, 0, 900000 },
		[RULE_LOG_ERRORS] = { 60, -1, 0, 3600000 },
		[RULE_METRIC_MISSING] = { 1, -1, 60000, 0 },
	};
	memset(c, 0, sizeof *c);
	for (int i = 0; i < RULE__COUNT; i++) {
		rule_cfg_t *r = &c->r[i];
		r->on = true;
		/* -1 in the table: no such level (a threshold of -1 makes no sense here) */
		r->warn = d[i].warn == -1 ? none : d[i].warn;
		r->crit = d[i].crit == -1 ? none : d[i].crit;
		r->for_ms = d[i].for_ms;
		r->window_ms = d[i].window_ms;
	}
}

void rules_cfg_override(rules_cfg_t *c, const rules_cfg_t *over)
{
	for (int i = 0; i < RULE__COUNT; i++) {
		if (over->r[i].warn_given)
			c->r[i].warn = over->r[i].warn;
		if (over->r[i].crit_given)
			c->r[i].crit = over->r[i].crit;
	}
}

const rule_info_t *rule_info(rule_id_t r)
{
	return (unsigned)r < RULE__COUNT ? &rules_info[r] : NULL;
}

int rule_find(const char *name, size_t len)
{
	for (int i = 0; i < RULE__COUNT; i++)
		if (strlen(rules_info[i].name) == len && memcmp(rules_info[i].name, name, len) == 0)
			return i;
	return -1;
}

const char *rule_level_name(int level)
{
	return level >= RULE_LEVEL_CRITICAL ? "critical" : level == RULE_LEVEL_WARNING ? "warning" : "resolved";
}

/* ------------------------------------------------------------ inputs */

static const char *const rules_metric_names[RM__COUNT] = {
	[RM_BALANCE] = "node_balance",
	[RM_HEADS] = "head_tracker_heads_received",
	[RM_UNCONF_BLOCKS] = "max_unconfirmed_blocks",
	[RM_TX_AGE] = "max_unconfirmed_tx_age",
	[RM_GAS_BUMP_LIMIT] = "tx_manager_gas_bump_exceeds_limit",
	[RM_INSUFFICIENT] = "tx_manager_attempt_error_total",
	[RM_JOB_ERRORS] = "pipeline_run_errors",
	[RM_HEALTH] = "health",
	[RM_LOG_CRITICAL] = "log_critical_count",
	[RM_LOG_ERRORS] = "log_error_count",
	[RM_CURRENT_HEAD] = "head_tracker_current_head",
	[RM_NODE_STATES] = "multi_node_states",
	[RM_DB_CONNS] = "db_conns_open",
};

const char *rules_metric_name(rules_metric_t m)
{
	return (unsigned)m < RM__COUNT ? rules_metric_names[m] : "?";
}

/* Families always served once a node has them: their disappearance means
 * something (counter families that appear on the first error do not count). */
static const uint32_t rules_missing_watch =
	1u << RM_BALANCE | 1u << RM_HEADS | 1u << RM_HEALTH | 1u << RM_LOG_CRITICAL |
	1u << RM_LOG_ERRORS | 1u << RM_CURRENT_HEAD | 1u << RM_NODE_STATES | 1u << RM_DB_CONNS;

void rules_input_init(rules_input_t *in)
{
	memset(in, 0, sizeof *in);
}

void rules_input_free(rules_input_t *in)
{
	free(in->s);
	free(in->slot);
	memset(in, 0, sizeof *in);
}

static bool rules_is_counter(rules_metric_t m)
{
	return m == RM_HEADS || m == RM_GAS_BUMP_LIMIT || m == RM_INSUFFICIENT || m == RM_JOB_ERRORS ||
	       m == RM_LOG_CRITICAL || m == RM_LOG_ERRORS;
}

void rules_input_seen(rules_input_t *in, rules_metric_t m)
{
	if ((unsigned)m < RM__COUNT)
		in->present |= 1u << m;
}

#define RULES_SLOTS (2 * RULES_INPUT_MAX)   /* a power of two, at most half full */

static uint32_t rules_hash(rules_metric_t m, const char *p, size_t len)
{
	uint32_t h = 2166136261u ^ (uint32_t)m;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)p[i]) * 16777619u;
	return h;
}

/* A node may serve thousands of job series a scrape: samples are found by hash. */
void rules_input_add(rules_input_t *in, rules_metric_t m, const char *subject, size_t len, double v)
{
	if ((unsigned)m >= RM__COUNT || !isfinite(v))
		return;
	in->present |= 1u << m;
	if (len >= RULES_SUBJECT_MAX)
		len = RULES_SUBJECT_MAX - 1;
	if (!in->slot)
		in->slot = xcalloc(RULES_SLOTS, sizeof *in->slot);
	size_t k = rules_hash(m, subject, len) & (RULES_SLOTS - 1);
	for (; in->slot[k]; k = (k + 1) & (RULES_SLOTS - 1)) {
		rules_sample_t *s = &in->s[in->slot[k] - 1];
		if (s->metric != m || strncmp(s->subject, subject, len) != 0 || s->subject[len] != '\0')
			continue;
		if (rules_is_counter(m))
			s->value += v;
		else if (m == RM_HEALTH ? v < s->value : v > s->value)
			s->value = v;
		return;
	}
	if (in->n >= RULES_INPUT_MAX)
		return;
	in->s = xgrow(in->s, &in->cap, in->n + 1, sizeof *in->s);
	rules_sample_t *s = &in->s[in->n++];
	s->metric = m;
	memcpy(s->subject, subject, len);
	s->subject[len] = '\0';
	s->value = v;
	in->slot[k] = (uint32_t)in->n;
}

/* ------------------------------------------------------------ state */

#define WIN_N 32
#define HIST_N 16          /* buckets of window / 15 (one spare) */
#define RULES_MAX_TRACKED 256
#define RULES_MISSED_DROP 3

/* A counter with resets taken out (adj only grows) and recent (time, adj) samples. */
typedef struct counter {
	rules_metric_t metric;
	char subject[RULES_SUBJECT_MAX];
	double prev, adj;
	int64_t t[WIN_N];
	double v[WIN_N];
	unsigned n, head;
	unsigned missed;
	bool seen;
} counter_t;

/* A check's failing time in buckets of window / 15. */
typedef struct hcheck {
	char name[RULES_SUBJECT_MAX];
	int64_t last_ms;
	bool failing;
	int64_t bucket[HIST_N];
	int64_t fail_ms[HIST_N];
	unsigned missed;
	bool seen;
} hcheck_t;

#define RULES_STASH_MAX 64

/* The last inputs of one plugin source. */
typedef struct stash {
	char src[64];
	rules_sample_t *s;
	size_t n;
	uint32_t present;
} stash_t;

struct rules_state {
	stash_t *stash;
	size_t nstash, stash_cap;
	rule_inst_t *inst;
	size_t ninst, inst_cap;
	counter_t *ctr;
	size_t nctr, ctr_cap;
	hcheck_t *hc;
	size_t nhc, hc_cap;
	uint32_t ever;              /* families seen at least once */
	struct {
		bool have;
		double v;
		char subject[RULES_SUBJECT_MAX];
	} last[RULE__COUNT];        /* per rule: the value nearest its thresholds this eval */
	rules_emit_fn emit;         /* during rules_eval */
	void *ud;
	const rules_cfg_t *cfg;
	int64_t now;
};

rules_state_t *rules_state_new(void)
{
	return xcalloc(1, sizeof(rules_state_t));
}

void rules_state_free(rules_state_t *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->nstash; i++)
		free(st->stash[i].s);
	free(st->stash);
	free(st->inst);
	free(st->ctr);
	free(st->hc);
	free(st);
}

void rules_stash(rules_state_t *st, const char *src, const rules_input_t *in)
{
	if (!st || !src)
		return;
	stash_t *x = NULL;
	for (size_t i = 0; i < st->nstash && !x; i++)
		if (strncmp(st->stash[i].src, src, sizeof st->stash[i].src - 1) == 0)
			x = &st->stash[i];
	if (!in) {
		if (x) {
			free(x->s);
			*x = st->stash[--st->nstash];
		}
		return;
	}
	if (!x) {
		if (st->nstash >= RULES_STASH_MAX)
			return;
		st->stash = xgrow(st->stash, &st->stash_cap, st->nstash + 1, sizeof *st->stash);
		x = &st->stash[st->nstash++];
		memset(x, 0, sizeof *x);
		snprintf(x->src, sizeof x->src, "%s", src);
	}
	free(x->s);
	x->s = in->n ? xcalloc(in->n, sizeof *x->s) : NULL;
	if (in->n)
		memcpy(x->s, in->s, in->n * sizeof *x->s);
	x->n = in->n;
	x->present = in->present;
}

size_t rules_count(const rules_state_t *st)
{
	return st ? st->ninst : 0;
}

const rule_inst_t *rules_get(const rules_state_t *st, size_t i)
{
	return st && i < st->ninst ? &st->inst[i] : NULL;
}

int rules_worst(const rules_state_t *st, const rule_inst_t **worst)
{
	int w = 0;
	if (worst)
		*worst = NULL;
	for (size_t i = 0; st && i < st->ninst; i++) {
		if (st->inst[i].level > w) {
			w = st->inst[i].level;
			if (worst)
				*worst = &st->inst[i];
		}
	}
	return w;
}

bool rules_last(const rules_state_t *st, rule_id_t r, double *value, const char **subject)
{
	if (!st || (unsigned)r >= RULE__COUNT || !st->last[r].have)
		return false;
	if (value)
		*value = st->last[r].v;
	if (subject)
		*subject = st->last[r].subject;
	return true;
}

const rule_inst_t *rules_firing(const rules_state_t *st, rule_id_t r, const char *subject)
{
	for (size_t i = 0; st && i < st->ninst; i++) {
		const rule_inst_t *x = &st->inst[i];
		if (x->rule == r && x->level > 0 && strcmp(x->subject, subject) == 0)
			return x;
	}
	return NULL;
}

void rules_short_account(char *dst, size_t size, const char *acct, size_t len)
{
	if (len > 14 && acct[0] == '0' && (acct[1] == 'x' || acct[1] == 'X'))
		snprintf(dst, size, "%.6s\xe2\x80\xa6%.4s", acct, acct + len - 4);
	else
		snprintf(dst, size, "%.*s", (int)(len > 64 ? 64 : len), acct);
}

/* ------------------------------------------------------------ counters */

static counter_t *counter_get(rules_state_t *st, rules_metric_t m, const char *subject)
{
	for (size_t i = 0; i < st->nctr; i++)
		if (st->ctr[i].metric == m && strcmp(st->ctr[i].subject, subject) == 0)
			return &st->ctr[i];
	if (st->nctr >= RULES_MAX_TRACKED)
		return NULL;
	st->ctr = xgrow_few(st->ctr, &st->ctr_cap, st->nctr + 1, sizeof *st->ctr);
	counter_t *c = &st->ctr[st->nctr++];
	memset(c, 0, sizeof *c);
	c->metric = m;
	snprintf(c->subject, sizeof c->subject, "%s", subject);
	return c;
}

/* A new raw value: a decrease is a reset (restart): the new value is the new
 * base, it does not count as an increase. The first value is the base too. */
static void counter_observe(counter_t *c, double raw, int64_t now, int64_t window)
{
	if (c->n > 0 && raw >= c->prev)
		c->adj += raw - c->prev;
	c->prev = raw;
	c->seen = true;
	c->missed = 0;
	unsigned newest = (c->head + WIN_N - 1) % WIN_N;
	if (c->n > 0 && now <= c->t[newest]) {
		c->v[newest] = c->adj;
		return;
	}
	/* thin: the newest sample moves on (while it is less than gran past the one
	 * before and the new one less than gran past it), so that the kept samples
	 * always span more than the window */
	int64_t gran = window / (WIN_N - 4);
	if (c->n >= 2) {
		unsigned before = (c->head + WIN_N - 2) % WIN_N;
		if (c->t[newest] - c->t[before] < gran && now - c->t[newest] < gran) {
			c->t[newest] = now;
			c->v[newest] = c->adj;
			return;
		}
	}
	c->t[c->head] = now;
	c->v[c->head] = c->adj;
	c->head = (c->head + 1) % WIN_N;
	if (c->n < WIN_N)
		c->n++;
}

/* Increase over the last window; *covered when the samples reach back that far. */
static double counter_increase(const counter_t *c, int64_t now, int64_t window, bool *covered)
{
	*covered = false;
	if (c->n == 0)
		return 0;
	unsigned oldest = (c->head + WIN_N - c->n) % WIN_N;
	double base = c->v[oldest];
	for (unsigned k = 0; k < c->n; k++) {
		unsigned i = (oldest + k) % WIN_N;
		if (c->t[i] <= now - window) {
			base = c->v[i];
			*covered = true;
		}
	}
	return c->adj - base;
}

/* ------------------------------------------------------------ check history */

static hcheck_t *hcheck_get(rules_state_t *st, const char *name)
{
	for (size_t i = 0; i < st->nhc; i++)
		if (strcmp(st->hc[i].name, name) == 0)
			return &st->hc[i];
	if (st->nhc >= RULES_MAX_TRACKED)
		return NULL;
	st->hc = xgrow(st->hc, &st->hc_cap, st->nhc + 1, sizeof *st->hc);
	hcheck_t *h = &st->hc[st->nhc++];
	memset(h, 0, sizeof *h);
	snprintf(h->name, sizeof h->name, "%s", name);
	return h;
}

/* The time since the last observation counts in the state seen then. */
static void hcheck_observe(hcheck_t *h, bool failing, int64_t now, int64_t window)
{
	int64_t bms = window / (HIST_N - 1);
	if (bms <= 0)
		bms = 1;
	if (h->last_ms > 0 && now > h->last_ms && h->failing) {
		int64_t dt = now - h->last_ms;
		if (dt > window)
			dt = window;
		int64_t id = now / bms;
		size_t slot = (size_t)(id % HIST_N);
		if (h->bucket[slot] != id) {
			h->bucket[slot] = id;
			h->fail_ms[slot] = 0;
		}
		h->fail_ms[slot] += dt;
	}
	if (now >= h->last_ms) {
		h->last_ms = now;
		h->failing = failing;
	}
	h->seen = true;
	h->missed = 0;
}

static double hcheck_percent(const hcheck_t *h, int64_t now, int64_t window)
{
	int64_t bms = window / (HIST_N - 1);
	if (bms <= 0)
		bms = 1;
	int64_t cur = now / bms, sum = 0;
	for (size_t i = 0; i < HIST_N; i++)
		if (h->bucket[i] > cur - (HIST_N - 1) && h->bucket[i] <= cur)
			sum += h->fail_ms[i];
	double pct = 100.0 * (double)sum / (double)window;
	return pct > 100 ? 100 : pct;
}

/* ------------------------------------------------------------ instances */

static rule_inst_t *inst_find(rules_state_t *st, rule_id_t r, const char *subject, bool create)
{
	for (size_t i = 0; i < st->ninst; i++)
		if (st->inst[i].rule == r && strcmp(st->inst[i].subject, subject) == 0)
			return &st->inst[i];
	if (!create || st->ninst >= RULES_MAX_TRACKED)
		return NULL;
	st->inst = xgrow_few(st->inst, &st->inst_cap, st->ninst + 1, sizeof *st->inst);
	rule_inst_t *x = &st->inst[st->ninst++];
	memset(x, 0, sizeof *x);
	x->rule = r;
	snprintf(x->subject, sizeof x->subject, "%s", subject);
	return x;
}

static void inst_emit(rules_state_t *st, const rule_inst_t *x, int from)
{
	if (st->emit) {
		rule_event_t e = { x, from };
		st->emit(st->ud, &e);
	}
}

static void inst_remove(rules_state_t *st, rule_inst_t *x)
{
	size_t i = (size_t)(x - st->inst);
	memmove(&st->inst[i], &st->inst[i + 1], (st->ninst - i - 1) * sizeof *st->inst);
	st->ninst--;
}

static void inst_resolve(rules_state_t *st, rule_inst_t *x, const char *why)
{
	if (x->level > 0) {
		int from = x->level;
		x->level = 0;
		if (why)
			snprintf(x->detail, sizeof x->detail, "%s", why);
		inst_emit(st, x, from);
	}
	inst_remove(st, x);
}

/* The level value v reaches against the rule's thresholds. */
static int rule_level(const rule_info_t *ri, const rule_cfg_t *rc, double v, double *threshold)
{
	if (!isnan(rc->crit) && (ri->below ? v < rc->crit : v > rc->crit)) {
		*threshold = rc->crit;
		return RULE_LEVEL_CRITICAL;
	}
	if (!isnan(rc->warn) && (ri->below ? v < rc->warn : v > rc->warn)) {
		*threshold = rc->warn;
		return RULE_LEVEL_WARNING;
	}
	*threshold = !isnan(rc->warn) ? rc->warn : rc->crit;
	return RULE_LEVEL_NONE;
}

/* src into dst[size] as snprintf "%s" would (every rule, every node, every scrape). */
static void rules_copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);
	memmove(dst, src, n);
	dst[n] = '\0';
}

/* One observation of rule r for subject, value v, in two steps: rule_look says whether it
 * needs its detail (an instance exists, or begins) and returns the instance, else NULL
 * (most observations: nothing to say, nothing formatted); rule_settle takes the detail. */
static rule_inst_t *rule_look(rules_state_t *st, rule_id_t r, const char *subject, double v, int *level,
                              double *thr)
{
	const rule_cfg_t *rc = &st->cfg->r[r];
	*level = rule_level(&rules_info[r], rc, v, thr);
	if (!st->last[r].have || (rules_info[r].below ? v < st->last[r].v : v > st->last[r].v)) {
		st->last[r].have = true;
		st->last[r].v = v;
		rules_copy(st->last[r].subject, sizeof st->last[r].subject, subject);
	}
	rule_inst_t *x = inst_find(st, r, subject, *level > 0);
	if (!x)
		return NULL;
	x->seen = true;
	x->missed = 0;
	x->value = v;
	return x;
}

static void rule_settle(rules_state_t *st, rule_inst_t *x, int level, double thr, const char *d)
{
	const rule_cfg_t *rc = &st->cfg->r[x->rule];
	x->threshold = thr;
	if (level == 0) {
		inst_resolve(st, x, d);
		return;
	}
	rules_copy(x->detail, sizeof x->detail, d);
	if (x->pending_ms == 0)
		x->pending_ms = st->now;
	if (st->now - x->pending_ms < rc->for_ms || x->level == level)
		return;
	int from = x->level;
	if (from == 0)
		x->since_ms = st->now;
	x->level = level;
	inst_emit(st, x, from);
}

/* One observation of rule r for subject: value v, detail d. */
static void rule_observe(rules_state_t *st, rule_id_t r, const char *subject, double v, const char *d)
{
	int level;
	double thr;
	rule_inst_t *x = rule_look(st, r, subject, v, &level, &thr);
	if (x)
		rule_settle(st, x, level, thr, d);
}

/* The rule keeps its state this scrape (no verdict possible yet). */
static void rule_hold(rules_state_t *st, rule_id_t r, const char *subject)
{
	rule_inst_t *x = inst_find(st, r, subject, false);
	if (x) {
		x->seen = true;
		x->missed = 0;
	}
}

/* ------------------------------------------------------------ the rules */

static void fmt_g(char *b, size_t n, double v)
{
	snprintf(b, n, "%.6g", v);
}

static void chain_suffix(char *b, size_t n, const char *chain)
{
	if (chain[0])
		snprintf(b, n, " on chain %.40s", chain);
	else
		b[0] = '\0';
}

static void eval_balance(rules_state_t *st, const rules_input_t *in)
{
	for (size_t i = 0; i < in->n; i++) {
		const rules_sample_t *s = &in->s[i];
		if (s->metric != RM_BALANCE)
			continue;
		const char *sp = strchr(s->subject, ' ');
		size_t alen = sp ? (size_t)(sp - s->subject) : strlen(s->subject);
		int level;
		double thr;
		rule_inst_t *x = rule_look(st, RULE_BALANCE, s->subject, s->value, &level, &thr);
		if (!x)
			continue;   /* nothing to say: nothing formatted */
		char acct[80], v[32], d[192];
		rules_short_account(acct, sizeof acct, s->subject, alen);
		fmt_g(v, sizeof v, s->value);
		snprintf(d, sizeof d, "native balance %s of %s%s", v, acct, sp ? sp : "");
		rule_settle(st, x, level, thr, d);
	}
}

static void eval_gauge(rules_state_t *st, const rules_input_t *in, rules_metric_t m, rule_id_t r)
{
	for (size_t i = 0; i < in->n; i++) {
		const rules_sample_t *s = &in->s[i];
		if (s->metric != m)
			continue;
		char d[192], c[64], t[32];
		chain_suffix(c, sizeof c, s->subject);
		if (r == RULE_TX_AGE) {
			fmt_duration(t, sizeof t, (int64_t)(s->value * 1000));
			snprintf(d, sizeof d, "oldest unconfirmed transaction %s old%s", t, c);
		} else {
			snprintf(d, sizeof d, "a transaction unconfirmed for %.0f blocks%s", s->value, c);
		}
		rule_observe(st, r, s->subject, s->value, d);
	}
}

/* Counters of metric m: observe every sample; true when some sample came. */
static void counters_observe(rules_state_t *st, const rules_input_t *in, rules_metric_t m, int64_t window)
{
	for (size_t i = 0; i < in->n; i++) {
		const rules_sample_t *s = &in->s[i];
		if (s->metric != m)
			continue;
		counter_t *c = counter_get(st, m, s->subject);
		if (c)
			counter_observe(c, s->value, st->now, window);
	}
}

static void eval_heads(rules_state_t *st)
{
	int64_t w = st->cfg->r[RULE_HEADS_STALLED].window_ms;
	for (size_t i = 0; i < st->nctr; i++) {
		const counter_t *c = &st->ctr[i];
		if (c->metric != RM_HEADS || !c->seen)
			continue;
		bool covered;
		double inc = counter_increase(c, st->now, w, &covered);
		if (!covered) {
			rule_hold(st, RULE_HEADS_STALLED, c->subject);
			continue;
		}
		char d[192], t[32];
		fmt_duration(t, sizeof t, w);
		snprintf(d, sizeof d, "%.0f new heads in %s on chain %.40s (heads_received %.0f)", inc, t,
		         c->subject, c->prev);
		rule_observe(st, RULE_HEADS_STALLED, c->subject, inc, d);
	}
}

static void eval_increase(rules_state_t *st, rules_metric_t m, rule_id_t r, const char *what)
{
	int64_t w = st->cfg->r[r].window_ms;
	for (size_t i = 0; i < st->nctr; i++) {
		const counter_t *c = &st->ctr[i];
		if (c->metric != m || !c->seen)
			continue;
		bool covered;
		double inc = counter_increase(c, st->now, w, &covered);
		char d[192], t[32], ch[64];
		fmt_duration(t, sizeof t, w);
		chain_suffix(ch, sizeof ch, c->subject);
		snprintf(d, sizeof d, "%.0f %s in %s%s", inc, what, t, ch);
		rule_observe(st, r, c->subject, inc, d);
	}
}

typedef struct job_top {
	const char *name;
	double inc;
} job_top_t;

static void eval_jobs(rules_state_t *st)
{
	int64_t w = st->cfg->r[RULE_JOB_ERRORS].window_ms;
	job_top_t top[3] = { { NULL, 0 }, { NULL, 0 }, { NULL, 0 } };
	double total = 0;
	bool any = false;
	for (size_t i = 0; i < st->nctr; i++) {
		const counter_t *c = &st->ctr[i];
		if (c->metric != RM_JOB_ERRORS || !c->seen)
			continue;
		bool covered;
		double inc = counter_increase(c, st->now, w, &covered);
		any = true;
		total += inc;
		for (int k = 0; k < 3; k++) {
			if (inc > 0 && (!top[k].name || inc > top[k].inc)) {
				memmove(&top[k + 1], &top[k], (size_t)(2 - k) * sizeof top[0]);
				top[k] = (job_top_t){ c->subject, inc };
				break;
			}
		}
	}
	if (!any)
		return;
	char d[192], t[32];
	fmt_duration(t, sizeof t, w);
	int o = snprintf(d, sizeof d, "%.0f job run errors in %s", total, t);
	for (int k = 0; k < 3 && top[k].name && o > 0 && (size_t)o < sizeof d; k++)
		o += snprintf(d + o, sizeof d - (size_t)o, "%s%.40s (%.0f)", k ? ", " : "; most: ", top[k].name,
		              top[k].inc);
	rule_observe(st, RULE_JOB_ERRORS, "", total, d);
}

static void eval_health(rules_state_t *st, const rules_input_t *in)
{
	int64_t w = st->cfg->r[RULE_HEALTH_HISTORY].window_ms;
	for (size_t i = 0; i < in->n; i++) {
		const rules_sample_t *s = &in->s[i];
		if (s->metric != RM_HEALTH)
			continue;
		hcheck_t *h = hcheck_get(st, s->subject);
		if (!h)
			continue;
		hcheck_observe(h, s->value == 0, st->now, w);
		double pct = hcheck_percent(h, st->now, w);
		char d[192], t[32];
		fmt_duration(t, sizeof t, w);
		snprintf(d, sizeof d, "check failing %.0f%% of the last %s", pct, t);
		rule_observe(st, RULE_HEALTH_HISTORY, h->name, pct, d);
	}
}

static void eval_missing(rules_state_t *st, const rules_input_t *in)
{
	st->ever |= in->present & rules_missing_watch;
	for (int m = 0; m < RM__COUNT; m++) {
		if (!(st->ever & (1u << m)))
			continue;
		bool there = (in->present >> m) & 1;
		int level;
		double thr;
		rule_inst_t *x = rule_look(st, RULE_METRIC_MISSING, rules_metric_names[m], there ? 1 : 0, &level, &thr);
		if (!x)
			continue;
		char d[192];
		snprintf(d, sizeof d, there ? "%s is served again" : "%s no longer served", rules_metric_names[m]);
		rule_settle(st, x, level, thr, d);
	}
}

static int inst_cmp(const void *a, const void *b)
{
	const rule_inst_t *x = a, *y = b;
	if (x->level != y->level)
		return x->level > y->level ? -1 : 1;
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return strcmp(x->subject, y->subject);
}

void rules_eval(rules_state_t *st, const rules_cfg_t *cfg, const rules_input_t *in, int64_t now_ms,
                rules_emit_fn emit, void *ud)
{
	if (!st || !cfg || !in)
		return;
	/* the node's own scrape, and what its plugin processes said last */
	rules_input_t merged;
	rules_input_init(&merged);
	if (st->nstash > 0) {
		merged.present = in->present;
		for (size_t i = 0; i < in->n; i++)
			rules_input_add(&merged, in->s[i].metric, in->s[i].subject, strlen(in->s[i].subject), in->s[i].value);
		for (size_t k = 0; k < st->nstash; k++) {
			const stash_t *x = &st->stash[k];
			merged.present |= x->present;
			for (size_t i = 0; i < x->n; i++)
				rules_input_add(&merged, x->s[i].metric, x->s[i].subject, strlen(x->s[i].subject), x->s[i].value);
		}
		in = &merged;
	}
	st->emit = emit;
	st->ud = ud;
	st->cfg = cfg;
	st->now = now_ms;
	for (size_t i = 0; i < st->ninst; i++)
		st->inst[i].seen = false;
	for (int r = 0; r < RULE__COUNT; r++)
		st->last[r].have = false;
	for (size_t i = 0; i < st->nctr; i++)
		st->ctr[i].seen = false;
	for (size_t i = 0; i < st->nhc; i++)
		st->hc[i].seen = false;

	/* counters first: their windows keep running even when their rule is off */
	static const struct { rules_metric_t m; rule_id_t r; } ctrs[] = {
		{ RM_HEADS, RULE_HEADS_STALLED }, { RM_GAS_BUMP_LIMIT, RULE_GAS_BUMP_LIMIT },
		{ RM_INSUFFICIENT, RULE_INSUFFICIENT_FUNDS }, { RM_JOB_ERRORS, RULE_JOB_ERRORS },
		{ RM_LOG_CRITICAL, RULE_LOG_CRITICAL }, { RM_LOG_ERRORS, RULE_LOG_ERRORS },
	};
	for (size_t i = 0; i < sizeof ctrs / sizeof ctrs[0]; i++)
		counters_observe(st, in, ctrs[i].m, cfg->r[ctrs[i].r].window_ms);

	const rule_cfg_t *rc = cfg->r;
	if (rc[RULE_BALANCE].on)
		eval_balance(st, in);
	if (rc[RULE_HEADS_STALLED].on)
		eval_heads(st);
	if (rc[RULE_UNCONFIRMED_BLOCKS].on)
		eval_gauge(st, in, RM_UNCONF_BLOCKS, RULE_UNCONFIRMED_BLOCKS);
	if (rc[RULE_TX_AGE].on)
		eval_gauge(st, in, RM_TX_AGE, RULE_TX_AGE);
	if (rc[RULE_GAS_BUMP_LIMIT].on)
		eval_increase(st, RM_GAS_BUMP_LIMIT, RULE_GAS_BUMP_LIMIT, "gas bumps over the limit");
	if (rc[RULE_INSUFFICIENT_FUNDS].on)
		eval_increase(st, RM_INSUFFICIENT, RULE_INSUFFICIENT_FUNDS,
		              "attempts failed for insufficient funds (see balance)");
	if (rc[RULE_JOB_ERRORS].on)
		eval_jobs(st);
	if (rc[RULE_HEALTH_HISTORY].on)
		eval_health(st, in);
	if (rc[RULE_LOG_CRITICAL].on)
		eval_increase(st, RM_LOG_CRITICAL, RULE_LOG_CRITICAL, "critical/panic log lines");
	if (rc[RULE_LOG_ERRORS].on)
		eval_increase(st, RM_LOG_ERRORS, RULE_LOG_ERRORS, "error log lines");
	if (rc[RULE_METRIC_MISSING].on)
		eval_missing(st, in);

	/* instances of a rule turned off go; those without a value for a few scrapes too */
	for (size_t i = st->ninst; i-- > 0;) {
		rule_inst_t *x = &st->inst[i];
		if (!rc[x->rule].on)
			inst_resolve(st, x, "rule turned off");
		else if (!x->seen && ++x->missed >= RULES_MISSED_DROP)
			inst_resolve(st, x, "no longer reported");
	}
	for (size_t i = st->nctr; i-- > 0;) {
		if (!st->ctr[i].seen && ++st->ctr[i].missed >= RULES_MISSED_DROP) {
			memmove(&st->ctr[i], &st->ctr[i + 1], (st->nctr - i - 1) * sizeof *st->ctr);
			st->nctr--;
		}
	}
	for (size_t i = st->nhc; i-- > 0;) {
		if (!st->hc[i].seen && ++st->hc[i].missed >= RULES_MISSED_DROP) {
			memmove(&st->hc[i], &st->hc[i + 1], (st->nhc - i - 1) * sizeof *st->hc);
			st->nhc--;
		}
	}
	if (st->ninst > 1)
		qsort(st->inst, st->ninst, sizeof *st->inst, inst_cmp);
	st->emit = NULL;
	st->ud = NULL;
	st->cfg = NULL;
	if (in == &merged)
		rules_input_free(&merged);
}
