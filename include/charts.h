/* charts.h - definitions of the charted metric series (built-in set and the
 * ones a config adds): which metric, which labels, gauge or rate, unit, thresholds. */
#ifndef NODETOP_CHARTS_H
#define NODETOP_CHARTS_H

#include <stdbool.h>
#include <stddef.h>

typedef enum chart_mode {
	CHART_GAUGE = 0,      /* value as is (summed over matching series) */
	CHART_RATE_PER_MIN,   /* counter (or cumulative gauge) turned into a rate per minute; resets handled */
} chart_mode_t;

typedef enum chart_unit {
	UNIT_NONE = 0,        /* plain number: 1.2k, 3.4M */
	UNIT_BYTES,           /* 3.4 MB */
	UNIT_PER_MIN,         /* 12/min */
	UNIT_SECONDS,         /* 4m12s */
	UNIT_PERCENT,
} chart_unit_t;

typedef struct chart_def {
	char *id;             /* short key, e.g. "head" */
	char *title;          /* e.g. "head height" */
	char *metric;         /* series name, e.g. "head_tracker_current_head" */
	char *alt_metric;     /* older name for the same thing, or NULL */
	char *filter_label;   /* only samples whose label filter_label == filter_value (or NULL) */
	char *filter_value;
	char *split_label;    /* one series per value of this label (e.g. "evmChainID"), or NULL to sum all */
	char *alt_split_label;/* the same label under another spelling (e.g. "ChainID"), or NULL */
	chart_mode_t mode;
	chart_unit_t unit;
	bool has_warn, has_crit;
	double warn, crit;    /* threshold: value >= warn (or <= when below is true) is bad */
	bool below;           /* thresholds are lower bounds (e.g. RPC nodes alive) */
} chart_def_t;

typedef struct chart_set {
	chart_def_t *defs;
	size_t n, cap;
} chart_set_t;

/* The default set: head height and heads/min per chain, RPC nodes alive, DB
 * connections open/used, DB waits/min, unconfirmed txs, error logs/min,
 * resident memory, goroutines. */
void chart_set_defaults(chart_set_t *cs);
/* Looks up a built-in by id; returns NULL when unknown. */
const chart_def_t *chart_builtin(const char *id);
/* Appends a deep copy of d. */
void chart_set_add(chart_set_t *cs, const chart_def_t *d);
void chart_set_free(chart_set_t *cs);
void chart_def_free(chart_def_t *d);
const char *chart_unit_name(chart_unit_t u);
/* Parses "bytes", "per_min", "seconds", "percent", "none"; false when unknown. */
bool chart_unit_parse(const char *s, chart_unit_t *out);

#endif
