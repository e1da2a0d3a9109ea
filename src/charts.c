/* charts.c - the charted metric series: the built-in definitions (head,
 * heads/min, RPC nodes alive, DB pool, txs, errors, memory, goroutines) and sets of them. */
#include <stdlib.h>
#include <string.h>

#include "charts.h"
#include "xalloc.h"

/* The built-ins. String members are const here and deep-copied into sets. */
static const chart_def_t chart_builtins[] = {
	{ .id = "head", .title = "head height", .metric = "head_tracker_current_head",
	  .split_label = "evmChainID", .mode = CHART_GAUGE, .unit = UNIT_NONE },
	{ .id = "heads", .title = "heads/min", .metric = "head_tracker_heads_received",
	  .split_label = "ChainID", .alt_split_label = "evmChainID",
	  .mode = CHART_RATE_PER_MIN, .unit = UNIT_PER_MIN },
	/* crit when no RPC node is Alive, warn when only one is left (no redundancy) */
	{ .id = "rpc_alive", .title = "RPC nodes alive", .metric = "multi_node_states",
	  .alt_metric = "evm_pool_rpc_node_states", .filter_label = "state", .filter_value = "Alive",
	  .split_label = "chainId", .alt_split_label = "evmChainID",
	  .mode = CHART_GAUGE, .unit = UNIT_NONE,
	  .has_warn = true, .warn = 1, .has_crit = true, .crit = 0, .below = true },
	{ .id = "db_open", .title = "DB conns open", .metric = "db_conns_open",
	  .mode = CHART_GAUGE, .unit = UNIT_NONE },
	{ .id = "db_used", .title = "DB conns used", .metric = "db_conns_used",
	  .mode = CHART_GAUGE, .unit = UNIT_NONE },
	{ .id = "db_waits", .title = "DB waits/min", .metric = "db_wait_count",
	  .mode = CHART_RATE_PER_MIN, .unit = UNIT_PER_MIN },
	{ .id = "unconfirmed", .title = "unconfirmed txs", .metric = "unconfirmed_transactions",
	  .mode = CHART_GAUGE, .unit = UNIT_NONE },
	{ .id = "errors", .title = "error logs/min", .metric = "log_error_count",
	  .mode = CHART_RATE_PER_MIN, .unit = UNIT_PER_MIN },
	{ .id = "memory", .title = "resident memory", .metric = "process_resident_memory_bytes",
	  .mode = CHART_GAUGE, .unit = UNIT_BYTES },
	{ .id = "goroutines", .title = "goroutines", .metric = "go_goroutines",
	  .mode = CHART_GAUGE, .unit = UNIT_NONE },
};
#define NBUILTINS (sizeof chart_builtins / sizeof chart_builtins[0])

static char *chart_dup(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void chart_set_add(chart_set_t *cs, const chart_def_t *d)
{
	cs->defs = xgrow(cs->defs, &cs->cap, cs->n + 1, sizeof *cs->defs);
	chart_def_t *c = &cs->defs[cs->n++];
	*c = *d;
	c->id = chart_dup(d->id);
	c->title = chart_dup(d->title);
	c->metric = chart_dup(d->metric);
	c->alt_metric = chart_dup(d->alt_metric);
	c->filter_label = chart_dup(d->filter_label);
	c->filter_value = chart_dup(d->filter_value);
	c->split_label = chart_dup(d->split_label);
	c->alt_split_label = chart_dup(d->alt_split_label);
}

void chart_set_defaults(chart_set_t *cs)
{
	for (size_t i = 0; i < NBUILTINS; i++)
		chart_set_add(cs, &chart_builtins[i]);
}

const chart_def_t *chart_builtin(const char *id)
{
	if (!id)
		return NULL;
	for (size_t i = 0; i < NBUILTINS; i++)
		if (strcmp(chart_builtins[i].id, id) == 0)
			return &chart_builtins[i];
	return NULL;
}

void chart_def_free(chart_def_t *d)
{
	free(d->id);
	free(d->title);
	free(d->metric);
	free(d->alt_metric);
	free(d->filter_label);
	free(d->filter_value);
	free(d->split_label);
	free(d->alt_split_label);
	memset(d, 0, sizeof *d);
}

void chart_set_free(chart_set_t *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		chart_def_free(&cs->defs[i]);
	free(cs->defs);
	cs->defs = NULL;
	cs->n = cs->cap = 0;
}

static const char *const chart_unit_names[] = {
	[UNIT_NONE] = "none", [UNIT_BYTES] = "bytes", [UNIT_PER_MIN] = "per_min",
	[UNIT_SECONDS] = "seconds", [UNIT_PERCENT] = "percent",
};

const char *chart_unit_name(chart_unit_t u)
{
	return (unsigned)u < sizeof chart_unit_names / sizeof chart_unit_names[0] ?
	       chart_unit_names[u] : "?";
}

bool chart_unit_parse(const char *s, chart_unit_t *out)
{
	if (!s)
		return false;
	for (size_t i = 0; i < sizeof chart_unit_names / sizeof chart_unit_names[0]; i++) {
		if (strcmp(s, chart_unit_names[i]) == 0) {
			if (out)
				*out = (chart_unit_t)i;
			return true;
		}
	}
	return false;
}
