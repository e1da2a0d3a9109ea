/* model_source.c - one round of a [source NAME] (Prometheus API answers) into the model:
 * discovery, stale and gone series, and the same /health and /metrics applies as polls. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_priv.h"
#include "model_source.h"
#include "parse_prom.h"
#include "strbuf.h"
#include "textsafe.h"
#include "xalloc.h"

#define SRC_NOT_AVAILABLE "output not available through Prometheus"
#define SRC_NAME_MAX 64
#define SRC_HEALTH_ALL_OVER 64   /* more nodes than this asked in full, and most of the fleet: all of it */

/* The metric families asked each round, one query each (NULL-terminated lists). */
static const char *const src_families[][8] = {
	{ "health", NULL },
	{ "multi_node_states", NULL },
	{ "evm_pool_rpc_node_states", NULL },   /* before v2.8.0 */
	{ "head_tracker_current_head", NULL },
	{ "head_tracker_heads_received", "head_tracker_heads_received_total", NULL },
	{ "db_conns_max", "db_conns_open", "db_conns_used", "db_wait_count", NULL },
	{ "uptime_seconds", NULL },
	{ "version", NULL },
	{ "eth_balance", "node_balance", NULL },
	{ "max_unconfirmed_blocks", "max_unconfirmed_tx_age", "unconfirmed_transactions", NULL },
	{ "tx_manager_attempt_error", "tx_manager_attempt_error_total", "tx_manager_gas_bump_exceeds_limit",
	  "tx_manager_gas_bump_exceeds_limit_total", NULL },
	{ "pipeline_run_errors", "pipeline_run_errors_total", NULL },
	{ "log_error_count", "log_error_count_total", "log_critical_count", "log_critical_count_total",
	  "log_panic_count", "log_panic_count_total", NULL },
};
#define SRC_NFAMILIES (sizeof src_families / sizeof src_families[0])

/* multi_node_states and its pre-v2.8 name: a series per state of every chain. */
static bool src_family_is_states(size_t f)
{
	return strcmp(src_families[f][0], "multi_node_states") == 0 ||
	       strcmp(src_families[f][0], "evm_pool_rpc_node_states") == 0;
}

static bool src_family_has(const char *name)
{
	for (size_t f = 0; f < SRC_NFAMILIES; f++)
		for (size_t k = 0; src_families[f][k]; k++)
			if (strcmp(src_families[f][k], name) == 0)
				return true;
	return false;
}

/* The selector's matchers without its braces ({job="cl"} -> job="cl"), a heap string. */
static char *src_inner(const source_cfg_t *c)
{
	const char *sel = c->selector ? c->selector : "{}";
	size_t sl = strlen(sel);
	return sl >= 2 ? xstrndup(sel + 1, sl - 2) : xstrdup("");
}

/* {__name__=~"a|b",INNER} */
static char *src_family_query(const char *inner, const char *const *names, size_t n)
{
	strbuf_t q = STRBUF_INIT;
	strbuf_puts(&q, "{__name__=~\"");
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_putc(&q, '|');
		strbuf_puts(&q, names[i]);
	}
	strbuf_putc(&q, '"');
	if (*inner) {
		strbuf_putc(&q, ',');
		strbuf_puts(&q, inner);
	}
	strbuf_putc(&q, '}');
	char *s = xstrdup(strbuf_str(&q));
	strbuf_free(&q);
	return s;
}

char **srcq_build(const source_cfg_t *c, const chart_set_t *charts, size_t *n)
{
	char *inner = src_inner(c);
	char **q = xcalloc(SRCQ_FAMILIES + SRC_NFAMILIES + 1, sizeof *q);
	size_t k = 0;
	q[k++] = xasprintf("up{%s}", inner);
	q[k++] = xasprintf("timestamp(up{%s})", inner);
	char *alive = xasprintf("%s%sstate=\"Alive\"", inner, *inner ? "," : "");
	for (size_t f = 0; f < SRC_NFAMILIES; f++) {
		size_t m = 0;
		while (src_families[f][m])
			m++;
		q[k] = src_family_query(inner, src_families[f], m);
		if (src_family_is_states(f)) {
			/* eleven states a chain, nearly all 0: the others only when not 0, Alive always
			   (a chain with none Alive is down, and must still be seen) */
			char *a = src_family_query(alive, src_families[f], m);
			char *both = xasprintf("%s != 0 or %s", q[k], a);
			free(a);
			free(q[k]);
			q[k] = both;
		}
		k++;
	}
	free(alive);
	/* the charted series not asked already: one more query */
	const char **extra = xcalloc(charts ? 2 * charts->n + 1 : 1, sizeof *extra);
	size_t ne = 0;
	for (size_t i = 0; charts && i < charts->n; i++) {
		const char *names[2] = { charts->defs[i].metric, charts->defs[i].alt_metric };
		for (size_t j = 0; j < 2; j++) {
			bool dup = !names[j] || src_family_has(names[j]);
			for (size_t e = 0; !dup && e < ne; e++)
				dup = strcmp(extra[e], names[j]) == 0;
			if (!dup)
				extra[ne++] = names[j];
		}
	}
	if (ne)
		q[k++] = src_family_query(inner, extra, ne);
	free(extra);
	free(inner);
	*n = k;
	return q;
}

/* The health family's selector: {__name__=~"health",INNER} (a heap string). */
static char *src_health_sel(const source_cfg_t *c)
{
	char *inner = src_inner(c);
	static const char *const health[] = { "health" };
	char *f = src_family_query(inner, health, 1);
	free(inner);
	return f;
}

static uint64_t src_hash(const char *s);
static size_t src_state_at(model_t *m, src_state_t *st, size_t pos);

/* A node name as a regular expression (RE2) that matches only it, inside a PromQL string. */
static void src_promql_regex(strbuf_t *b, const char *s)
{
	for (; *s; s++) {
		if (strchr("\\.+*?()|[]{}^$", *s))
			strbuf_puts(b, "\\\\");   /* the regex's backslash, escaped for the string */
		else if (*s == '"')
			strbuf_putc(b, '\\');
		strbuf_putc(b, *s);
	}
}

/* A node that never had its check list read (new, or its full list failed): asked in full. */
static bool src_unlisted(const node_t *n)
{
	return !n->have_health && n->nchecks == 0;
}

static int src_str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void srcq_health_ask(model_t *m, const source_cfg_t *c, src_state_t *st, src_health_ask_t *a)
{
	memset(a, 0, sizeof *a);
	char *f = src_health_sel(c);
	unsigned part = st->health_part;
	st->health_part = (part + 1) % SRC_HEALTH_PARTS;
	if (!st->health_listed) {   /* no full list answered yet: every node's */
		a->all = true;
		a->query = f;
		return;
	}
	/* this round's part, and the nodes without a list (new, or whose full list failed) */
	for (size_t i = 0; i < st->nnames; i++) {
		bool in = src_hash(st->names[i]) % SRC_HEALTH_PARTS == part;
		if (!in) {
			size_t idx = src_state_at(m, st, i);
			in = idx < m->nnodes && src_unlisted(&m->nodes[idx]);
		}
		if (in) {
			a->names = xgrow(a->names, &a->cap, a->nnames + 1, sizeof *a->names);
			a->names[a->nnames++] = xstrdup(st->names[i]);
		}
	}
	if (a->nnames > SRC_HEALTH_ALL_OVER && a->nnames > st->nnames / 2) {   /* most of a fleet: the plain list */
		srcq_health_ask_free(a);
		a->all = true;
		a->query = f;
		return;
	}
	strbuf_t q = STRBUF_INIT;
	strbuf_printf(&q, "%s == 0", f);
	if (a->nnames) {   /* the failing checks of all, every check of these (or: each series once) */
		qsort(a->names, a->nnames, sizeof *a->names, src_str_cmp);
		strbuf_printf(&q, " or %.*s,%s=~\"", (int)(strlen(f) - 1), f, c->name_label);
		for (size_t i = 0; i < a->nnames; i++) {
			if (i)
				strbuf_putc(&q, '|');
			src_promql_regex(&q, a->names[i]);
		}
		strbuf_puts(&q, "\"}");
	}
	free(f);
	a->query = xstrdup(strbuf_str(&q));
	strbuf_free(&q);
}

void srcq_health_ask_free(src_health_ask_t *a)
{
	for (size_t i = 0; i < a->nnames; i++)
		free(a->names[i]);
	free(a->names);
	free(a->query);
	memset(a, 0, sizeof *a);
}

void srcq_free(char **q, size_t n)
{
	for (size_t i = 0; q && i < n; i++)
		free(q[i]);
	free(q);
}

/* Position of name in st's sorted names, or where it would go (*found false). */
static size_t src_state_pos(const src_state_t *st, const char *name, bool *found)
{
	size_t lo = 0, hi = st->nnames;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(st->names[mid], name);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

/* The model index of st's node at position pos ((size_t)-1 when not in the model). */
static size_t src_state_at(model_t *m, src_state_t *st, size_t pos)
{
	size_t i = st->idx[pos];
	if (i < m->nnodes && strcmp(m->nodes[i].name, st->names[pos]) == 0)
		return i;
	st->idx[pos] = model_find_node(m, st->names[pos]);
	return st->idx[pos];
}

/* The model index of the source's node name, or (size_t)-1 when it is not one of its own. */
static size_t src_state_idx(model_t *m, const src_state_t *st, const char *name)
{
	bool found;
	size_t pos = src_state_pos(st, name, &found);
	return found ? src_state_at(m, (src_state_t *)st, pos) : (size_t)-1;
}

static void src_state_add(src_state_t *st, const char *name, size_t idx)
{
	bool found;
	size_t pos = src_state_pos(st, name, &found);
	if (found) {
		st->idx[pos] = idx;
		return;
	}
	st->names = xgrow(st->names, &st->cap, st->nnames + 1, sizeof *st->names);
	st->idx = xgrow(st->idx, &st->idx_cap, st->nnames + 1, sizeof *st->idx);
	memmove(&st->names[pos + 1], &st->names[pos], (st->nnames - pos) * sizeof *st->names);
	memmove(&st->idx[pos + 1], &st->idx[pos], (st->nnames - pos) * sizeof *st->idx);
	st->names[pos] = xstrdup(name);
	st->idx[pos] = idx;
	st->nnames++;
}

char *srcq_backfill(const source_cfg_t *c)
{
	return srcq_backfill_ind(c, IND_NODE);
}

char *srcq_backfill_ind(const source_cfg_t *c, indicator_id_t ind)
{
	char *inner = src_inner(c);
	const char *comma = *inner ? "," : "";
	const char *l = c->name_label;
	char *q;
	if (ind == IND_DB)   /* down: no connection open of a pool that has a size (as model.c judges) */
		q = xasprintf("1 - (db_conns_open{%s} <= bool 0) * (db_conns_max{%s} > bool 0)", inner, inner);
	else if (ind == IND_RPC)   /* down: a chain with no RPC node Alive (either name of the family) */
		q = xasprintf("min by (%s) (sum by (%s, chainId) (multi_node_states{%s%sstate=\"Alive\"}) > bool 0) or "
		              "min by (%s) (sum by (%s, evmChainID) (evm_pool_rpc_node_states{%s%sstate=\"Alive\"}) > bool 0)",
		              l, l, inner, comma, l, l, inner, comma);
	else
		q = xasprintf("up{%s}", inner);
	free(inner);
	return q;
}

/* A label value fit to be a node name: printable, at most SRC_NAME_MAX bytes. */
static bool src_name_ok(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n <= SRC_NAME_MAX && textsafe_is_clean(s, n);
}

/* A PromQL string literal's inside: backslash and quote escaped. */
static void src_promql_str(strbuf_t *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			strbuf_putc(b, '\\');
		strbuf_putc(b, *s);
	}
}

char *srcq_backfill_chart(const source_cfg_t *c, const chart_def_t *d)
{
	const char *sel = c->selector ? c->selector : "{}";
	size_t sl = strlen(sel);
	strbuf_t q = STRBUF_INIT;
	strbuf_printf(&q, "sum by (%s", c->name_label);
	if (d->split_label)
		strbuf_printf(&q, ", %s", d->split_label);
	if (d->alt_split_label)
		strbuf_printf(&q, ", %s", d->alt_split_label);
	strbuf_puts(&q, d->mode == CHART_RATE_PER_MIN ? ") (rate(" : ") (");
	strbuf_printf(&q, "{__name__=~\"%s%s%s\"", d->metric, d->alt_metric ? "|" : "", d->alt_metric ? d->alt_metric : "");
	if (sl > 2) {
		strbuf_putc(&q, ',');
		strbuf_append(&q, sel + 1, sl - 2);
	}
	if (d->filter_label) {
		strbuf_printf(&q, ",%s=\"", d->filter_label);
		src_promql_str(&q, d->filter_value ? d->filter_value : "");
		strbuf_putc(&q, '"');
	}
	strbuf_putc(&q, '}');
	if (d->mode == CHART_RATE_PER_MIN) {   /* a rate per minute over at least four scrapes */
		int64_t w = 4 * (c->scrape_interval_ms > 0 ? c->scrape_interval_ms : 15000) / 1000;
		strbuf_printf(&q, "[%llds])) * 60", (long long)(w < 60 ? 60 : w));
	} else {
		strbuf_putc(&q, ')');
	}
	char *r = xstrdup(strbuf_str(&q));
	strbuf_free(&q);
	return r;
}

/* Mixed mode: the polled node with source = c->name that the label value names, or (size_t)-1. */
static size_t src_polled_node(const model_t *m, size_t nconfig, const node_cfg_t *cfg, const source_cfg_t *c,
                              const char *name)
{
	for (size_t i = 0; cfg && i < nconfig && i < m->nnodes; i++) {
		if (!cfg[i].source || strcmp(cfg[i].source, c->name) != 0)
			continue;
		if (strcmp(cfg[i].name, name) == 0)
			return i;
		const char *u = cfg[i].url ? strstr(cfg[i].url, "://") : NULL;
		if (!u)
			continue;
		u += 3;
		size_t hl = strcspn(u, "/?#");
		for (size_t k = hl; k > 0; k--)
			if (u[k - 1] == '@') {   /* userinfo is not the host */
				hl -= k;
				u += k;
				break;
			}
		if (strlen(name) == hl && strncmp(u, name, hl) == 0)
			return i;
	}
	return (size_t)-1;
}

/* The node a backfill series is about: one of the source's own, or (mixed mode) a polled
 * node with source = c->name; (size_t)-1 for neither. */
static size_t src_series_node(model_t *m, size_t nconfig, const node_cfg_t *cfg, const source_cfg_t *c,
                              const src_state_t *st, const promapi_series_t *s)
{
	const char *name = promapi_label(s, c->name_label);
	if (!name)
		return (size_t)-1;
	size_t idx = src_state_idx(m, st, name);
	return idx != (size_t)-1 ? idx : src_polled_node(m, nconfig, cfg, c, name);
}

int64_t src_backfill_slice_s(size_t max_bytes, size_t nodes)
{
	int64_t day = SRC_BACKFILL_MS / 1000;
	if (nodes == 0)
		return day;
	int64_t s = (int64_t)(max_bytes / SRC_BACKFILL_POINT_BYTES / nodes) * SRC_BACKFILL_STEP_S;
	return s > day ? day : s < SRC_BACKFILL_SLICE_MIN_S ? SRC_BACKFILL_SLICE_MIN_S : s;
}

int64_t src_backfill_prev_end(int64_t end_s, int64_t slice_s, int64_t first_s)
{
	int64_t e = end_s - slice_s - SRC_BACKFILL_STEP_S;
	return e > first_s ? e : 0;
}

size_t src_backfill(model_t *m, size_t nconfig, const node_cfg_t *cfg, const source_cfg_t *c,
                    const src_state_t *st, const promapi_result_t *res, int64_t before_ms)
{
	return src_backfill_ind(m, nconfig, cfg, c, st, IND_NODE, res, before_ms);
}

size_t src_backfill_ind(model_t *m, size_t nconfig, const node_cfg_t *cfg, const source_cfg_t *c,
                        const src_state_t *st, indicator_id_t ind, const promapi_result_t *res, int64_t before_ms)
{
	size_t seeded = 0;
	if (!res->ok || res->type != PROMAPI_MATRIX)
		return 0;
	for (size_t i = 0; i < res->nseries; i++) {
		const promapi_series_t *s = &res->series[i];
		size_t idx = src_series_node(m, nconfig, cfg, c, st, s);
		if (idx == (size_t)-1)
			continue;
		uptime_t *u = &m->nodes[idx].ind[ind].uptime;
		int64_t last_minute = -1;
		for (size_t k = 0; k < s->n; k++) {
			int64_t minute = s->ts_ms[k] / UPTIME_BUCKET_MS;
			if ((minute + 1) * UPTIME_BUCKET_MS > before_ms || minute == last_minute ||
			    before_ms - s->ts_ms[k] > SRC_BACKFILL_MS || (s->v[k] != 0.0 && s->v[k] != 1.0))
				continue;
			uint32_t ms[STATE__COUNT] = { 0 };
			ms[s->v[k] == 1.0 ? STATE_UP : STATE_DOWN] = UPTIME_BUCKET_MS;
			uptime_seed(u, minute, ms);
			last_minute = minute;
			seeded++;
		}
	}
	if (seeded)
		m->generation++;
	return seeded;
}

size_t src_backfill_chart(model_t *m, size_t nconfig, const node_cfg_t *cfg, const source_cfg_t *c,
                          const src_state_t *st, size_t def, const promapi_result_t *res)
{
	size_t added = 0;
	if (!res->ok || res->type != PROMAPI_MATRIX || def >= m->charts.n)
		return 0;
	const chart_def_t *d = &m->charts.defs[def];
	for (size_t i = 0; i < res->nseries; i++) {
		const promapi_series_t *s = &res->series[i];
		size_t idx = s->n ? src_series_node(m, nconfig, cfg, c, st, s) : (size_t)-1;
		if (idx == (size_t)-1)
			continue;
		const char *key = d->split_label ? promapi_label(s, d->split_label) : NULL;
		if (!key && d->alt_split_label)
			key = promapi_label(s, d->alt_split_label);
		char k[sizeof m->nodes[idx].series[0].key];   /* cut as the live scrape cuts it */
		snprintf(k, sizeof k, "%s", key ? key : "");
		added += model_backfill_points(m, idx, def, k, s->ts_ms, s->v, s->n);
	}
	return added;
}

void src_state_free(src_state_t *st)
{
	for (size_t i = 0; i < st->nnames; i++)
		free(st->names[i]);
	free(st->names);
	free(st->idx);
	free(st->mixed);
	memset(st, 0, sizeof *st);
}

const src_state_t *model_source_of(const model_t *m, size_t idx)
{
	if (idx >= m->nnodes || !m->nodes[idx].name)
		return NULL;
	for (size_t i = 0; i < m->nsources; i++) {
		const src_state_t *st = m->sources[i];
		bool found;
		size_t pos = src_state_pos(st, m->nodes[idx].name, &found);
		if (found && st->idx[pos] == idx)
			return st;
	}
	return NULL;
}

bool model_charts_local(const model_t *m, size_t idx)
{
	return m->nnodes <= SRC_CHART_BACKFILL_NODES || !model_source_of(m, idx);
}

void src_move_node(model_t *m, size_t from, size_t to)
{
	if (from >= m->nnodes || to >= from)
		return;
	model_move_node(m, from, to);
	for (size_t i = 0; i < m->nsources; i++) {
		src_state_t *st = (src_state_t *)m->sources[i];
		for (size_t k = 0; k < st->nnames; k++)
			st->idx[k] = model_moved_idx(st->idx[k], from, to);
		for (size_t k = 0; k < st->nmixed; k++)
			st->mixed[k] = model_moved_idx(st->mixed[k], from, to);
	}
}

void src_remove_node(model_t *m, size_t idx)
{
	if (idx >= m->nnodes)
		return;
	model_remove_node(m, idx);
	for (size_t i = 0; i < m->nsources; i++) {
		src_state_t *st = (src_state_t *)m->sources[i];
		for (size_t k = 0; k < st->nnames; k++)
			if (st->idx[k] != (size_t)-1)
				st->idx[k] = st->idx[k] == idx ? (size_t)-1 : st->idx[k] > idx ? st->idx[k] - 1 : st->idx[k];
		size_t w = 0;
		for (size_t k = 0; k < st->nmixed; k++)
			if (st->mixed[k] != idx)
				st->mixed[w++] = st->mixed[k] > idx ? st->mixed[k] - 1 : st->mixed[k];
		st->nmixed = w;
	}
}

const src_state_t *model_source_mixed(const model_t *m, size_t idx)
{
	for (size_t i = 0; i < m->nsources; i++)
		for (size_t k = 0; k < m->sources[i]->nmixed; k++)
			if (m->sources[i]->mixed[k] == idx)
				return m->sources[i];
	return NULL;
}

size_t model_source_polled(const model_t *m)
{
	size_t n = 0;
	for (size_t i = 0; i < m->nnodes; i++)
		if (!model_source_of(m, i))
			n++;
	return n;
}

static void src_mixed_add(src_state_t *st, size_t idx)
{
	for (size_t k = 0; k < st->nmixed; k++)
		if (st->mixed[k] == idx)
			return;
	st->mixed = xgrow(st->mixed, &st->mixed_cap, st->nmixed + 1, sizeof *st->mixed);
	st->mixed[st->nmixed++] = idx;
}

void model_source_line(const model_t *m, int64_t now_ms, char *buf, size_t len, bool *trouble)
{
	buf[0] = '\0';
	*trouble = false;
	const src_state_t *oldest = NULL;
	for (size_t i = 0; i < m->nsources; i++) {
		const src_state_t *st = m->sources[i];
		if (st->last_error[0] || (st->rounds && !st->last_ok_ms)) {
			snprintf(buf, len, "source %s: cannot read: %.120s", st->name,
			         st->last_error[0] ? st->last_error : "no answer");
			*trouble = true;
			return;
		}
		if (st->last_ok_ms && (!oldest || st->last_ok_ms < oldest->last_ok_ms))
			oldest = st;
	}
	if (!oldest)
		return;
	char age[32];
	int64_t d = now_ms - oldest->last_ok_ms;
	if (d < 0)
		d = 0;
	if (d < 120000)
		snprintf(age, sizeof age, "%llds", (long long)(d / 1000));
	else
		snprintf(age, sizeof age, "%lldm", (long long)(d / 60000));
	snprintf(buf, len, "via %s%s, %s old", oldest->name, m->nsources > 1 ? " (+more)" : "", age);
	for (size_t i = 0; i < m->nsources; i++) {
		const src_state_t *st = m->sources[i];
		if (st->warning[0] || st->backfill_error[0]) {
			size_t l = strlen(buf);
			snprintf(buf + l, len - l, "; %s: %.160s", st->name, st->warning[0] ? st->warning : st->backfill_error);
			*trouble = true;
			return;
		}
	}
	for (size_t i = 0; i < m->nsources; i++) {
		const src_state_t *st = m->sources[i];
		if (st->backfill_slices_done < st->backfill_slices) {
			size_t l = strlen(buf);
			snprintf(buf + l, len - l, "; %s: backfilling the last 24 h (%u/%u)", st->name, st->backfill_slices_done,
			         st->backfill_slices);
			break;
		}
	}
}

/* ---------------------------------------------------------------- model side */

static void src_blind(model_t *m, size_t idx, const char *why, int64_t now_ms)
{
	if (idx >= m->nnodes)
		return;
	node_t *n = &m->nodes[idx];
	model_node_touch(m, idx);   /* judged by the model_tick after it */
	if (n->state != STATE_UNKNOWN) {
		n->state_since_seen = n->state_since_ms != 0;
		n->state = STATE_UNKNOWN;
		n->state_since_ms = now_ms;
	}
	model_copy(n->error, sizeof n->error, why);
	model_copy(n->metrics_error, sizeof n->metrics_error, why);
	n->have_health = false;
	n->have_metrics = false;
	n->health_error = PROBE_ERR_NONE;
	n->http_status = 0;
	/* its data is as old as the source says, not older: the reason stays this one */
	n->last_health_ms = n->last_metrics_ms = now_ms;
	m->generation++;
}

void model_source_blind(model_t *m, size_t idx, const char *why, int64_t now_ms)
{
	src_blind(m, idx, why, now_ms);
	model_tick(m, now_ms);
}

/* The class a poll would have given a scrape error's text. */
static probe_error_t src_error_class(const char *e)
{
	if (strstr(e, "connection refused"))
		return PROBE_ERR_REFUSED;
	if (strstr(e, "timeout") || strstr(e, "deadline exceeded") || strstr(e, "timed out"))
		return PROBE_ERR_TIMEOUT;
	if (strstr(e, "x509") || strstr(e, "tls:") || strstr(e, "TLS"))
		return PROBE_ERR_TLS;
	if (strstr(e, "no such host"))
		return PROBE_ERR_DNS;
	if (strstr(e, "connection reset") || strstr(e, "EOF"))
		return PROBE_ERR_RESET;
	return PROBE_ERR_OTHER;
}

/* A check of a node as the health family gave it. */
typedef struct src_check {
	const char *name;
	bool pass;
} src_check_t;

static int src_check_cmp(const void *a, const void *b)
{
	return strcmp(((const src_check_t *)a)->name, ((const src_check_t *)b)->name);
}

/* Untrusted bytes as a JSON string, for the model's own /health reading. */
static void src_json_str(strbuf_t *b, const char *s)
{
	strbuf_putc(b, '"');
	while (*s) {   /* runs without escapes copied whole */
		size_t run = 0;
		while (s[run] && s[run] != '"' && s[run] != '\\' && (unsigned char)s[run] >= 0x20)
			run++;
		strbuf_append(b, s, run);
		s += run;
		if (!*s)
			break;
		unsigned char c = (unsigned char)*s++;
		if (c == '"' || c == '\\') {
			strbuf_putc(b, '\\');
			strbuf_putc(b, (char)c);
		} else {
			strbuf_printf(b, "\\u%04x", c);
		}
	}
	strbuf_putc(b, '"');
}

/* One check of a JSON:API /health document. */
static void src_doc_check(strbuf_t *b, const char *name, bool pass)
{
	if (b->len && b->data[b->len - 1] != '[')
		strbuf_putc(b, ',');
	strbuf_puts(b, "{\"type\":\"checks\",\"id\":");
	src_json_str(b, name);
	strbuf_puts(b, ",\"attributes\":{\"name\":");
	src_json_str(b, name);
	strbuf_puts(b, pass ? ",\"status\":\"passing\",\"output\":\"\"}}"
	                    : ",\"status\":\"failing\",\"output\":\"" SRC_NOT_AVAILABLE "\"}}");
}

/* The /health document of a full list of checks: sorted by name, a name twice failing
 * when either fails. Returns the number failing. */
static size_t src_doc_full(strbuf_t *b, src_check_t *ck, size_t n)
{
	size_t nfail = 0;
	if (n)   /* qsort of no array is undefined */
		qsort(ck, n, sizeof *ck, src_check_cmp);
	strbuf_puts(b, "{\"data\":[");
	for (size_t i = 0; i < n;) {
		bool pass = ck[i].pass;
		size_t j = i + 1;
		for (; j < n && strcmp(ck[j].name, ck[i].name) == 0; j++)
			pass = pass && ck[j].pass;
		src_doc_check(b, ck[i].name, pass);
		nfail += !pass;
		i = j;
	}
	strbuf_puts(b, "]}");
	return nfail;
}

/* The /health document of the checks node n had, those in fail[0..nfail) (failing, sorted)
 * failing and the others passing; a failing check it did not have is added. Returns the
 * number failing. */
static size_t src_doc_known(strbuf_t *b, const node_t *n, const src_check_t *fail, size_t nfail)
{
	size_t i = 0, j = 0, failing = 0;
	strbuf_puts(b, "{\"data\":[");
	while (i < n->nchecks || j < nfail) {
		int c = i == n->nchecks ? 1 : j == nfail ? -1 : strcmp(n->checks[i].name, fail[j].name);
		if (c < 0) {
			src_doc_check(b, n->checks[i++].name, true);
			continue;
		}
		src_doc_check(b, fail[j].name, false);
		failing++;
		if (c == 0)
			i++;
		for (j++; j < nfail && strcmp(fail[j].name, fail[j - 1].name) == 0; j++)
			;
	}
	strbuf_puts(b, "]}");
	return failing;
}

/* Label name of series s, by its string in the answer (*key, an answer keeps one copy of
 * each name: 160 000 series a round are not each searched with strcmp), else by name. */
static const char *src_label(const promapi_series_t *s, const char **key, const char *name)
{
	for (size_t i = 0; *key && i < s->nlabels; i++)
		if (s->labels[i].name == *key)
			return s->labels[i].value;
	for (size_t i = 0; i < s->nlabels; i++)
		if (strcmp(s->labels[i].name, name) == 0) {
			*key = s->labels[i].name;
			return s->labels[i].value;
		}
	return NULL;
}

/* A node of this round: its model index and what the families said of it. */
typedef struct src_node {
	const char *name;       /* the series' label (points into the up answer) */
	size_t idx;             /* its model index */
	size_t series;          /* its series in the up answer */
	int64_t sample_ms;      /* when its up sample was taken */
	const promapi_series_t **ser;   /* its series in the families' answers (with __name__) */
	size_t nser, sercap;
	src_check_t *ck;        /* its checks in the health answer (names point into it) */
	size_t nck, ckcap;
	bool full;              /* its full check list was asked (else its failing checks only) */
} src_node_t;

static void src_node_check(src_node_t *nd, const char *name, bool pass)
{
	nd->ck = xgrow(nd->ck, &nd->ckcap, nd->nck + 1, sizeof *nd->ck);
	nd->ck[nd->nck].name = name;
	nd->ck[nd->nck].pass = pass;
	nd->nck++;
}

static int src_node_cmp(const void *a, const void *b)
{
	return strcmp(((const src_node_t *)a)->name, ((const src_node_t *)b)->name);
}

/* The round's nodes by name: an open-addressed table of indices into the sorted
 * array (a family's answer names a node once per series: 100 000 lookups a round
 * for 10 000 nodes), and the last one found (a node's series come together). */
typedef struct src_index {
	src_node_t *v;
	size_t n;
	uint32_t *slot;          /* 1 + index into v, 0 empty */
	size_t mask;
	src_node_t *last;
} src_index_t;

static uint64_t src_hash(const char *s)
{
	uint64_t h = 1469598103934665603u;   /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

static void src_index_init(src_index_t *ix, src_node_t *v, size_t n)
{
	size_t cap = 16;
	while (cap < 2 * n)
		cap *= 2;
	ix->v = v;
	ix->n = n;
	ix->slot = xcalloc(cap, sizeof *ix->slot);
	ix->mask = cap - 1;
	ix->last = NULL;
	for (size_t i = 0; i < n; i++) {
		size_t k = (size_t)src_hash(v[i].name) & ix->mask;
		while (ix->slot[k])
			k = (k + 1) & ix->mask;
		ix->slot[k] = (uint32_t)(i + 1);
	}
}

static src_node_t *src_node_find(src_index_t *ix, const char *name)
{
	if (ix->last && (ix->last->name == name || strcmp(ix->last->name, name) == 0))
		return ix->last;
	for (size_t k = (size_t)src_hash(name) & ix->mask; ix->slot[k]; k = (k + 1) & ix->mask) {
		src_node_t *nd = &ix->v[ix->slot[k] - 1];
		if (strcmp(nd->name, name) == 0)
			return ix->last = nd;
	}
	return NULL;
}

/* The samples of a node's series, as the model takes a scrape's (parse_prom.h): the
 * labels but __name__, the newest value; scratch reused from node to node. */
typedef struct src_samples {
	prom_sample_t *v;
	size_t n, cap;
	prom_label_t *l;
	size_t nl, lcap;
} src_samples_t;

static prom_str_t src_str(const char *s)
{
	prom_str_t r = { s, strlen(s) };
	return r;
}

static void src_samples_of(src_samples_t *ss, const src_node_t *nd)
{
	size_t nl = 0;
	for (size_t i = 0; i < nd->nser; i++)
		nl += nd->ser[i]->nlabels;
	ss->v = xgrow(ss->v, &ss->cap, nd->nser ? nd->nser : 1, sizeof *ss->v);
	ss->l = xgrow(ss->l, &ss->lcap, nl ? nl : 1, sizeof *ss->l);
	ss->n = ss->nl = 0;
	for (size_t i = 0; i < nd->nser; i++) {
		const promapi_series_t *s = nd->ser[i];
		prom_sample_t *o = &ss->v[ss->n++];
		memset(o, 0, sizeof *o);
		o->labels = &ss->l[ss->nl];
		for (size_t k = 0; k < s->nlabels; k++) {
			const promapi_label_t *l = &s->labels[k];
			if (strcmp(l->name, "__name__") == 0) {
				o->name = src_str(l->value);
				continue;
			}
			ss->l[ss->nl].name = src_str(l->name);
			ss->l[ss->nl].value = src_str(l->value);
			ss->nl++;
			o->nlabels++;
		}
		o->value = s->v[s->n - 1];
		o->line = ss->n;
	}
}

/* What a poll of node idx would have given, from round r. */
static void src_result(probe_result_t *pr, size_t idx, probe_kind_t kind, long status, const char *ct,
                       const char *body, size_t len, const char *error, const src_round_t *r)
{
	memset(pr, 0, sizeof *pr);
	pr->same_body = kind == PROBE_HEALTH && status == 200 && !body && !error;
	pr->node = idx;
	pr->kind = kind;
	pr->path = kind == PROBE_HEALTH ? "/health" : "/metrics";
	pr->ok = error == NULL;
	pr->http_status = error ? 0 : status;
	pr->content_type = ct;
	pr->body = body ? body : "";
	pr->len = body ? len : 0;
	pr->error = error;
	pr->error_class = error ? src_error_class(error) : PROBE_ERR_NONE;
	pr->scheduled_ms = pr->started_ms = r->done_ms - (int64_t)r->latency_ms;
	pr->done_ms = r->done_ms;
	pr->latency_ms = r->latency_ms;
}

static void src_feed(model_t *m, size_t idx, probe_kind_t kind, long status, const char *ct, const char *body,
                     size_t len, const char *error, const src_round_t *r)
{
	probe_result_t pr;
	src_result(&pr, idx, kind, status, ct, body, len, error, r);
	model_apply(m, &pr);
}

/* A node's /metrics of this round, as samples (no exposition text between). */
static void src_feed_samples(model_t *m, size_t idx, const src_samples_t *ss, const src_round_t *r)
{
	probe_result_t pr;
	src_result(&pr, idx, PROBE_METRICS, 200, NULL, NULL, 0, NULL, r);
	pr.samples = ss->v;
	pr.nsamples = ss->n;
	model_apply(m, &pr);
}

static const char *src_target_error(const promapi_targets_t *t, const char *label, const char *name)
{
	for (size_t i = 0; t && i < t->n; i++) {
		const char *v = promapi_target_label(&t->t[i], label);
		if (v && strcmp(v, name) == 0 && t->t[i].last_error[0])
			return t->t[i].last_error;
	}
	return NULL;
}

/* Series s of up: the model index of its node (added when new), or (size_t)-1 when it
 * is not one of the source's own nodes (no name, a polled node's, mixed mode). */
static size_t src_discover_one(model_t *m, size_t nconfig, const node_cfg_t *cfg, const source_cfg_t *c,
                               src_state_t *st, const promapi_series_t *s, const char **name_out)
{
	const char *name = promapi_label(s, c->name_label);
	*name_out = name;
	if (!name || !src_name_ok(name))
		return (size_t)-1;
	size_t idx = src_state_idx(m, st, name);
	if (idx != (size_t)-1 && idx < nconfig)
		return (size_t)-1;   /* a reload gave a polled node this name */
	if (idx == (size_t)-1) {
		/* mixed mode: a polled node with source = this one, by name or host:port: its
		   live state is its own polls', not a second node (its history comes from here) */
		size_t p = src_polled_node(m, nconfig, cfg, c, name);
		if (p != (size_t)-1) {
			src_mixed_add(st, p);
			return (size_t)-1;
		}
	}
	if (idx == (size_t)-1 && model_find_node(m, name) != (size_t)-1)
		return (size_t)-1;   /* a polled node's name, or another source's: not ours */
	if (idx == (size_t)-1) {
		const char *g = c->group_label ? promapi_label(s, c->group_label) : NULL;
		if (g && !src_name_ok(g))
			g = NULL;
		char url[300];
		snprintf(url, sizeof url, "%s (via %s)", name, c->name);
		idx = model_add_node(m, name, url, g, c->interval_ms);
		src_state_add(st, name, idx);   /* a name known already: back after a reload emptied the model */
		char why[160];
		snprintf(why, sizeof why, "waiting for the first round of source %s", c->name);
		model_copy(m->nodes[idx].error, sizeof m->nodes[idx].error, why);   /* its reason until the round */
	}
	return idx;
}

size_t src_discover(model_t *m, size_t nconfig, const node_cfg_t *cfg, const source_cfg_t *c, src_state_t *st,
                    const promapi_result_t *up)
{
	size_t before = m->nnodes;
	if (!up->ok || up->type != PROMAPI_VECTOR)
		return 0;
	model_fit_rings(m, m->nnodes + up->nseries);
	for (size_t i = 0; i < up->nseries; i++) {
		const char *name;
		src_discover_one(m, nconfig, cfg, c, st, &up->series[i], &name);
	}
	return m->nnodes - before;
}

bool src_apply(model_t *m, size_t nconfig, const node_cfg_t *cfg, const source_cfg_t *c, src_state_t *st,
               const src_round_t *r)
{
	char why[512];
	int64_t now = r->done_ms;
	const promapi_result_t *up = r->n > SRCQ_UP ? &r->res[SRCQ_UP] : NULL;
	st->rounds++;
	st->queries += r->n;
	st->last_queries = r->n;
	if (!up || !up->ok || (up->type != PROMAPI_VECTOR)) {
		const char *e = up && r->error[SRCQ_UP][0] ? r->error[SRCQ_UP] : up && up->error[0] ? up->error
		                : "no answer";
		snprintf(why, sizeof why, "nodetop cannot see: source %s: %s", c->name, e);
		model_copy(st->last_error, sizeof st->last_error, e);
		st->failed_rounds++;
		for (size_t i = 0; i < st->nnames; i++)
			src_blind(m, src_state_at(m, st, i), why, now);
		model_tick(m, now);
		return false;
	}
	st->last_ok_ms = now;
	st->last_error[0] = '\0';
	st->warning[0] = '\0';
	for (size_t q = 0; q < r->n && !st->warning[0]; q++) {
		const promapi_result_t *res = &r->res[q];
		const char *what = q == SRCQ_UP ? "up" : q == SRCQ_TS ? "timestamp(up)" : "a family";
		if (!res->ok)
			snprintf(st->warning, sizeof st->warning, "query of %s failed: %.200s", what,
			         r->error[q][0] ? r->error[q] : res->error);
		else if (res->nwarnings)
			snprintf(st->warning, sizeof st->warning, "%.200s", res->warning);
		else if (res->partial)
			snprintf(st->warning, sizeof st->warning, "partial answer to the query of %s%s", what,
			         res->dropped ? " (series dropped)" : "");
	}

	/* a fleet keeps shorter charts, as app.c does for many polled nodes (RSS) */
	model_fit_rings(m, m->nnodes + up->nseries);
	/* discovery: every series of up is a node */
	src_node_t *nodes = xcalloc(up->nseries ? up->nseries : 1, sizeof *nodes);
	size_t nn = 0;
	for (size_t i = 0; i < up->nseries; i++) {
		const char *name;
		size_t idx = src_discover_one(m, nconfig, cfg, c, st, &up->series[i], &name);
		if (idx == (size_t)-1)
			continue;
		nodes[nn].name = name;
		nodes[nn].idx = idx;
		nodes[nn].series = i;
		nodes[nn].sample_ms = up->series[i].ts_ms[0];
		nn++;
	}
	qsort(nodes, nn, sizeof *nodes, src_node_cmp);
	/* a name twice (two jobs under one instance): the first only */
	size_t w = 0;
	for (size_t i = 0; i < nn; i++)
		if (w == 0 || strcmp(nodes[w - 1].name, nodes[i].name) != 0)
			nodes[w++] = nodes[i];
	nn = w;
	st->nodes_seen = nn;
	src_index_t ix;
	src_index_init(&ix, nodes, nn);
	for (size_t i = 0; i < r->nhealth_full; i++) {   /* the nodes whose full check list was asked */
		src_node_t *nd = src_node_find(&ix, r->health_full[i]);
		if (nd)
			nd->full = true;
	}

	/* the families, sorted out per node */
	for (size_t q = SRCQ_FAMILIES; q < r->n; q++) {
		const promapi_result_t *res = &r->res[q];
		if (!res->ok || res->type != PROMAPI_VECTOR)
			continue;
		const char *k_name = NULL, *k_metric = NULL, *k_sid = NULL;   /* an answer's label names */
		for (size_t i = 0; i < res->nseries; i++) {
			const promapi_series_t *s = &res->series[i];
			const char *name = src_label(s, &k_name, c->name_label);
			const char *metric = src_label(s, &k_metric, "__name__");
			src_node_t *nd = name ? src_node_find(&ix, name) : NULL;
			if (!nd || s->n == 0)
				continue;
			if (q == SRCQ_FAMILIES) {   /* health: the checks (not the /metrics text: only a poller's hint) */
				const char *sid = src_label(s, &k_sid, "service_id");
				if (sid)   /* health is 1 when passing, 0 when failing */
					src_node_check(nd, sid, s->v[s->n - 1] != 0.0);
				continue;
			}
			if (metric) {
				nd->ser = xgrow(nd->ser, &nd->sercap, nd->nser + 1, sizeof *nd->ser);
				nd->ser[nd->nser++] = s;
			}
		}
	}

	/* sample times, for staleness */
	const promapi_result_t *ts = r->n > SRCQ_TS && r->res[SRCQ_TS].ok ? &r->res[SRCQ_TS] : NULL;
	for (size_t i = 0; ts && i < ts->nseries; i++) {
		const char *v = promapi_label(&ts->series[i], c->name_label);
		src_node_t *nd = v ? src_node_find(&ix, v) : NULL;
		if (nd && ts->series[i].n && isfinite(ts->series[i].v[0]))
			nd->sample_ms = (int64_t)llround(ts->series[i].v[0] * 1000.0);
	}
	bool health_ok = r->n > SRCQ_FAMILIES && r->res[SRCQ_FAMILIES].ok &&   /* the first family is health */
	                 r->res[SRCQ_FAMILIES].type == PROMAPI_VECTOR;
	if (health_ok && r->health_all)
		st->health_listed = true;
	strbuf_t hb = STRBUF_INIT;
	src_samples_t ss = { NULL, 0, 0, NULL, 0, 0 };
	int64_t stale_ms = 2 * (c->scrape_interval_ms > 0 ? c->scrape_interval_ms : 15000) + c->lag_ms;

	bool *seen = xcalloc(st->nnames ? st->nnames : 1, sizeof *seen);
	for (size_t k = 0; k < nn; k++) {
		src_node_t *nd = &nodes[k];
		const promapi_series_t *us = &up->series[nd->series];
		size_t idx = nd->idx;
		bool found;
		size_t pos = src_state_pos(st, nd->name, &found);
		if (found)
			seen[pos] = true;
		int64_t sample_ms = nd->sample_ms;
		if (now - sample_ms > stale_ms) {
			snprintf(why, sizeof why, "nodetop cannot see: no sample from source %s for %llds "
			         "(stale: older than two scrape intervals)", c->name, (long long)((now - sample_ms) / 1000));
			src_blind(m, idx, why, now);
			continue;
		}
		if (us->v[0] == 0.0) {
			const char *te = src_target_error(r->targets, c->name_label, nd->name);
			if (te)
				snprintf(why, sizeof why, "scrape failed (source %s): %s", c->name, te);
			else
				snprintf(why, sizeof why, "up == 0 in source %s (its scrape failed; the source gave no reason)",
				         c->name);
			src_feed(m, idx, PROBE_HEALTH, 0, NULL, NULL, 0, why, r);
			src_feed(m, idx, PROBE_METRICS, 0, NULL, NULL, 0, why, r);
			continue;
		}
		/* the checks (else the ones seen last stay: the header warns of the failed query) */
		const node_t *n = &m->nodes[idx];
		bool full = r->health_all || nd->full;
		if (!full) {   /* not its full list: its failing checks only (a passing one is no news) */
			size_t keep = 0;
			for (size_t j = 0; j < nd->nck; j++)
				if (!nd->ck[j].pass)
					nd->ck[keep++] = nd->ck[j];
			nd->nck = keep;
		}
		if (!health_ok && n->last_health_ms == 0) {
			/* never had its checks: say why it has no state yet */
			const char *e = r->n > SRCQ_FAMILIES ? (r->error[SRCQ_FAMILIES][0] ? r->error[SRCQ_FAMILIES]
			                                        : r->res[SRCQ_FAMILIES].error) : "not asked";
			snprintf(why, sizeof why, "checks not read from source %s: %s", c->name, e[0] ? e : "no answer");
			model_copy(m->nodes[idx].error, sizeof m->nodes[idx].error, why);
		} else if (health_ok && !full && src_unlisted(n)) {
			/* new, or never read: no checks said, its full list is asked next round */
		} else if (health_ok && !full && nd->nck == 0 && n->nfailing == 0 && n->have_health && n->health_seen) {
			/* nothing fails, as before: the document it has, unchanged (same_body) */
			src_feed(m, idx, PROBE_HEALTH, 200, "application/vnd.api+json", NULL, 0, NULL, r);
		} else if (health_ok) {
			strbuf_reset(&hb);
			size_t failing;
			if (!full) {
				if (nd->nck)
					qsort(nd->ck, nd->nck, sizeof *nd->ck, src_check_cmp);
				failing = src_doc_known(&hb, n, nd->ck, nd->nck);
			} else {
				failing = src_doc_full(&hb, nd->ck, nd->nck);
			}
			src_feed(m, idx, PROBE_HEALTH, failing ? 207 : 200, "application/vnd.api+json", strbuf_str(&hb),
			         hb.len, NULL, r);
		}
		src_samples_of(&ss, nd);
		src_feed_samples(m, idx, &ss, r);
	}
	for (size_t i = 0; i < st->nnames; i++) {
		if (seen[i])
			continue;
		snprintf(why, sizeof why, "gone from source %s (no up series for it)", c->name);
		src_blind(m, src_state_at(m, st, i), why, now);
	}
	free(seen);
	model_tick(m, now);
	strbuf_free(&hb);
	free(ss.v);
	free(ss.l);
	for (size_t k = 0; k < nn; k++) {
		free(nodes[k].ser);
		free(nodes[k].ck);
	}
	free(nodes);
	free(ix.slot);
	return true;
}
