/* rules.h - the alert rules: their fixed vocabulary and defaults, the inputs a
 * scrape collects for them, and each node's rule state (pending, firing, resolved). */
#ifndef NODETOP_RULES_H
#define NODETOP_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum rule_id {
	RULE_BALANCE = 0,        /* native balance of a key below warn / crit */
	RULE_HEADS_STALLED,      /* head_tracker_heads_received did not increase in window */
	RULE_UNCONFIRMED_BLOCKS, /* max_unconfirmed_blocks above warn / crit */
	RULE_TX_AGE,             /* max_unconfirmed_tx_age (s) above warn / crit */
	RULE_GAS_BUMP_LIMIT,     /* tx_manager_gas_bump_exceeds_limit increased in window */
	RULE_INSUFFICIENT_FUNDS, /* tx_manager_attempt_error_total{cause="insufficient_funds"} increased */
	RULE_JOB_ERRORS,         /* pipeline_run_errors: increase in window above warn / crit */
	RULE_HEALTH_HISTORY,     /* a check failing more than warn / crit % of window */
	RULE_LOG_CRITICAL,       /* log_critical_count or log_panic_count increased in window */
	RULE_LOG_ERRORS,         /* log_error_count: increase in window above warn / crit */
	RULE_METRIC_MISSING,     /* a series nodetop relies on disappeared */
	RULE__COUNT
} rule_id_t;

/* Severity levels of a rule instance (the same numbers as severity_t). */
enum { RULE_LEVEL_NONE = 0, RULE_LEVEL_WARNING = 1, RULE_LEVEL_CRITICAL = 2 };

/* One rule's settings. A level whose threshold is NaN does not exist. */
typedef struct rule_cfg {
	bool on;
	double warn, crit;
	bool warn_given, crit_given;   /* set by the config file (per-node overrides) */
	int64_t for_ms;                /* the condition must hold this long before it fires */
	int64_t window_ms;             /* windowed rules: how far back increases are counted */
} rule_cfg_t;

typedef struct rules_cfg {
	rule_cfg_t r[RULE__COUNT];
} rules_cfg_t;

typedef struct rule_info {
	const char *name;         /* config and JSON name, e.g. "balance" */
	const char *what;         /* one line for the help and the man page */
	bool below;               /* fires when the value is below the threshold */
	bool windowed;            /* window_ms is used */
	const char *unit;         /* of value and threshold: "", "s", "%", "/window" */
} rule_info_t;

void rules_cfg_default(rules_cfg_t *c);
/* Copies the thresholds given in over (warn_given / crit_given) onto c. */
void rules_cfg_override(rules_cfg_t *c, const rules_cfg_t *over);
const rule_info_t *rule_info(rule_id_t r);
/* Index of the rule named name (len bytes), or -1. */
int rule_find(const char *name, size_t len);
/* "warning", "critical", "resolved" (level 0). */
const char *rule_level_name(int level);

/* ------------------------------------------------------------ inputs */

/* What a scrape hands to the rules. Subjects are raw bytes from the node. */
typedef enum rules_metric {
	RM_BALANCE = 0,       /* gauge; subject "ACCOUNT chain ID" */
	RM_HEADS,             /* counter; subject chain id */
	RM_UNCONF_BLOCKS,     /* gauge; subject chain id or "" */
	RM_TX_AGE,            /* gauge (s); subject chain id or "" */
	RM_GAS_BUMP_LIMIT,    /* counter; subject chain id or "" */
	RM_INSUFFICIENT,      /* counter; subject chain id or "" */
	RM_JOB_ERRORS,        /* counter; subject job name */
	RM_HEALTH,            /* 1 passing / 0 failing; subject check name */
	RM_LOG_CRITICAL,      /* counter (critical + panic) */
	RM_LOG_ERRORS,        /* counter */
	RM_CURRENT_HEAD,      /* presence only (metric_missing) */
	RM_NODE_STATES,       /* presence only */
	RM_DB_CONNS,          /* presence only */
	RM__COUNT
} rules_metric_t;

#define RULES_SUBJECT_MAX 96
#define RULES_INPUT_MAX 1024

typedef struct rules_sample {
	rules_metric_t metric;
	char subject[RULES_SUBJECT_MAX];
	double value;
} rules_sample_t;

typedef struct rules_input {
	rules_sample_t *s;
	size_t n, cap;
	uint32_t present;         /* bit per rules_metric_t seen in the scrape */
	uint32_t *slot;           /* hash of (metric, subject) -> index + 1 (internal) */
} rules_input_t;

void rules_input_init(rules_input_t *in);
void rules_input_free(rules_input_t *in);
/* Adds a sample: counters of the same subject are summed, gauges keep the
 * largest, RM_HEALTH the smallest. Non-finite values are ignored (missing). */
void rules_input_add(rules_input_t *in, rules_metric_t m, const char *subject, size_t len, double v);
/* Marks a metric family as present without a value (presence-only ones). */
void rules_input_seen(rules_input_t *in, rules_metric_t m);
/* The name of the metric family nodetop relies on, e.g. "node_balance". */
const char *rules_metric_name(rules_metric_t m);

/* ------------------------------------------------------------ state */

typedef struct rule_inst {
	rule_id_t rule;
	char subject[RULES_SUBJECT_MAX];   /* raw (untrusted): escape before display */
	int level;                /* firing level, RULE_LEVEL_NONE while pending */
	int64_t pending_ms;       /* when the condition began (0 = not holding) */
	int64_t since_ms;         /* firing since */
	double value, threshold;
	char detail[192];         /* raw, e.g. "native balance 0.05 < 0.1 (0x9d3c…8d9e chain 56)" */
	unsigned missed;          /* scrapes without a value */
	bool seen;                /* internal */
} rule_inst_t;

typedef struct rules_state rules_state_t;

/* A firing (level > 0, maybe a change of level) or a resolving (level 0). */
typedef struct rule_event {
	const rule_inst_t *inst;  /* level, value, threshold, detail as now */
	int from;                 /* the level before */
} rule_event_t;

typedef void (*rules_emit_fn)(void *ud, const rule_event_t *e);

rules_state_t *rules_state_new(void);
void rules_state_free(rules_state_t *st);
/* One successful scrape at now_ms: updates every rule, calls emit for each
 * firing and resolving. */
void rules_eval(rules_state_t *st, const rules_cfg_t *cfg, const rules_input_t *in, int64_t now_ms,
                rules_emit_fn emit, void *ud);
/* The inputs of a plugin (LOOPP) scrape of source src (a node's chains served
 * by its plugin processes): kept, and added to every following rules_eval of the
 * node's own /metrics; in = NULL (the scrape failed) drops them. */
void rules_stash(rules_state_t *st, const char *src, const rules_input_t *in);
/* Instances, firing ones first (then pending), i = 0..count-1. */
size_t rules_count(const rules_state_t *st);
const rule_inst_t *rules_get(const rules_state_t *st, size_t i);
/* Worst firing level, and the instance with it (NULL when none fires). */
int rules_worst(const rules_state_t *st, const rule_inst_t **worst);
/* The value of rule r at the last rules_eval nearest to (or past) its thresholds
 * (the lowest balance, the oldest transaction...) and its subject (raw); false when
 * the rule got no value then (off, no series, window not covered yet). */
bool rules_last(const rules_state_t *st, rule_id_t r, double *value, const char **subject);
/* The firing instance of rule r with this subject, or NULL. */
const rule_inst_t *rules_firing(const rules_state_t *st, rule_id_t r, const char *subject);

/* "0x9d3c…8d9e" from a long hex account (raw bytes copied otherwise). */
void rules_short_account(char *dst, size_t size, const char *acct, size_t len);

#endif
