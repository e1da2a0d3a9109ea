/* settings.c - nodetop's configuration: the INI file (parsed by inih) with its [defaults],
 * [node NAME], [chart ID], [alerts] and [notify NAME] sections, and nodes given as URLs. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "parse_jsonrpc.h"
#include "settings.h"
#include "xalloc.h"

#define SETTINGS_FILE_MAX   (1024 * 1024)  /* a config file larger than this is a mistake */
#define SETTINGS_TOKEN_MAX  (64 * 1024)
#define SETTINGS_NAME_MAX   64             /* node, group and chart names */
#define SETTINGS_ECHO_MAX   80             /* longest user text quoted in a message */

#define DEF_INTERVAL_MS     5000
#define DEF_TIMEOUT_MS      4000
#define DEF_CONNECT_MS      2000
#define DEF_HEALTH_MAX      ((size_t)1 << 20)
#define DEF_METRICS_MAX     ((size_t)16 << 20)
#define DEF_HEAD_STALL_MS   (180 * 1000)
#define DEF_KIOSK_PAGE_MS   (10 * 1000)

#define MIN_INTERVAL_MS     100
#define MAX_INTERVAL_MS     (3600 * 1000)
#define MIN_SIZE            ((size_t)1 << 10)
#define MAX_SIZE            ((size_t)1 << 30)

/* ------------------------------------------------------------------ keys */

/*
 * Every key of every section kind is one row of a key table: its name, its
 * type (how a value is read, inherited and freed), where it goes (offsetof
 * in the section's struct), its limits and flags. The reading of a line, the
 * duplicate and exclusivity checks, [defaults] inheritance and freeing are
 * all driven by the rows: a new key is a new row. A new section kind is a
 * new table plus a row of settings_sections (below, with its begin function).
 */

typedef enum key_type {
	KT_URL,          /* char *: http(s) URL, stored without trailing slashes */
	KT_NAME,         /* char *: a name (letters, digits, -_.:) */
	KT_DURATION,     /* int64_t ms within [lo, hi] */
	KT_SIZE,         /* size_t bytes within [lo, hi] */
	KT_BOOL,         /* bool */
	KT_FILE,         /* char *: path of a readable regular file (KEY_SECRET: warned when others can read it) */
	KT_TOKEN_FILE,   /* char *: path; the token read from it goes to node_cfg_t.bearer_token */
	KT_TOKEN_ENV,    /* char *: variable name; its value goes to node_cfg_t.bearer_token */
	KT_HEADER,       /* node_cfg_t.headers: "Name: value", repeatable; [defaults] ones merged in */
	KT_CHART_LIST,   /* the [defaults] charts = id, id, ... selection (kept in the parse state) */
	KT_CHART_TITLE,  /* char *: at most 64 characters, no control characters */
	KT_METRIC,       /* char *: a Prometheus metric name */
	KT_LABEL,        /* char *: a Prometheus label name */
	KT_FILTER,       /* char * label (off) and char * value (off2): label=value */
	KT_CHART_MODE,   /* chart_mode_t: gauge or rate */
	KT_UNIT,         /* chart_unit_t */
	KT_NUMBER,       /* double (off) and bool "given" (off2) */
	KT_STANDBY,      /* unsigned: what a group's standby may answer besides refused (502, 503 bits) */
	KT_THRESHOLD,    /* double (off), NaN for "none"; bool "given" (off2) */
	KT_COUNT,        /* size_t within [lo, hi] */
	KT_NAME_LIST,    /* char ** (off) and size_t count (off2): "a, b, c" of names */
	KT_NOTIFY_ON,    /* unsigned NOTIFY_ON_* bits: critical, warning, resolved, node, failover */
	KT_NOTIFY_FORMAT,/* notify_format_t: json or slack */
	KT_COMMAND,      /* char *: a command line (split into argv after the file) */
	KT_RPC_URL,      /* char *: http(s):// or ws(s):// URL whose path and query are secrets */
	KT_CHAIN_ID,     /* uint64_t: a chain id, decimal or 0x hex, above 0 */
	KT_TEXT,         /* char *: at most 255 bytes, no control characters ([database] host, dbname, user) */
	KT_SSLMODE,      /* char *: one of libpq's sslmode values */
	KT_HISTORY,      /* settings_t.history (char *, a path) and history_off: PATH or off */
	KT_SOURCE_TYPE,  /* source_type_t: prometheus ([source NAME], issue 17) */
	KT_SELECTOR,     /* char *: PromQL label matchers "{...}", no control characters */
	KT__COUNT
} key_type_t;

enum key_flags {
	KEY_INHERIT = 1 << 0,       /* a [node] without it takes the [defaults] value */
	KEY_REPEAT = 1 << 1,        /* may be given more than once */
	KEY_EMPTY_OK = 1 << 2,      /* "key =" is a value */
	KEY_NOT_DEFAULTS = 1 << 3,  /* a node key that [defaults] may not give */
	KEY_SECRET = 1 << 4,        /* the file holds a secret */
};

typedef struct key_def {
	const char *name;
	key_type_t type;
	size_t off, off2;          /* fields in the section's struct */
	int64_t lo, hi;            /* limits of durations (ms) and sizes (bytes) */
	unsigned flags;
	const char *exclusive;     /* keys with the same tag exclude each other (and are inherited together) */
} key_def_t;

typedef struct key_table {
	const key_def_t *keys;
	size_t n;
} key_table_t;

#define SETTINGS_KEYS_MAX 64       /* keys per table (lines are tracked per key) */
#define KEY_TABLE(rows) { rows, sizeof(rows) / sizeof(rows[0]) }
#define NODE_OFF(f) offsetof(node_cfg_t, f)
#define SET_OFF(f) offsetof(settings_t, f)
#define CHART_OFF(f) offsetof(chart_def_t, f)

/* [node NAME], and [defaults] for all nodes */
static const key_def_t settings_node_rows[] = {
	{ "url", KT_URL, NODE_OFF(url), 0, 0, 0, KEY_NOT_DEFAULTS, NULL },
	{ "group", KT_NAME, NODE_OFF(group), 0, 0, 0, KEY_INHERIT, NULL },
	{ "interval", KT_DURATION, NODE_OFF(interval_ms), 0, MIN_INTERVAL_MS, MAX_INTERVAL_MS, KEY_INHERIT, NULL },
	{ "timeout", KT_DURATION, NODE_OFF(timeout_ms), 0, MIN_INTERVAL_MS, MAX_INTERVAL_MS, KEY_INHERIT, NULL },
	{ "connect_timeout", KT_DURATION, NODE_OFF(connect_timeout_ms), 0, MIN_INTERVAL_MS, MAX_INTERVAL_MS,
	  KEY_INHERIT, NULL },
	{ "health_max", KT_SIZE, NODE_OFF(health_max_bytes), 0, MIN_SIZE, MAX_SIZE, KEY_INHERIT, NULL },
	{ "metrics_max", KT_SIZE, NODE_OFF(metrics_max_bytes), 0, MIN_SIZE, MAX_SIZE, KEY_INHERIT, NULL },
	{ "metrics", KT_BOOL, NODE_OFF(metrics), 0, 0, 0, KEY_INHERIT, NULL },
	{ "bearer_token_file", KT_TOKEN_FILE, NODE_OFF(bearer_token_file), 0, 0, 0, KEY_INHERIT, "token" },
	{ "bearer_token_env", KT_TOKEN_ENV, NODE_OFF(bearer_token_env), 0, 0, 0, KEY_INHERIT, "token" },
	{ "header", KT_HEADER, NODE_OFF(headers), 0, 0, 0, KEY_INHERIT | KEY_REPEAT, NULL },
	{ "ca_file", KT_FILE, NODE_OFF(ca_file), 0, 0, 0, KEY_INHERIT, NULL },
	{ "cert_file", KT_FILE, NODE_OFF(cert_file), 0, 0, 0, KEY_INHERIT, NULL },
	{ "key_file", KT_FILE, NODE_OFF(key_file), 0, 0, 0, KEY_INHERIT | KEY_SECRET, NULL },
	{ "insecure", KT_BOOL, NODE_OFF(insecure), 0, 0, 0, KEY_INHERIT, NULL },
	/* per-node thresholds of the rules where nodes differ (chain token, block time) */
	{ "balance_warn", KT_THRESHOLD, NODE_OFF(alerts.r[RULE_BALANCE].warn),
	  NODE_OFF(alerts.r[RULE_BALANCE].warn_given), 0, 0, KEY_NOT_DEFAULTS, NULL },
	{ "balance_crit", KT_THRESHOLD, NODE_OFF(alerts.r[RULE_BALANCE].crit),
	  NODE_OFF(alerts.r[RULE_BALANCE].crit_given), 0, 0, KEY_NOT_DEFAULTS, NULL },
	{ "unconfirmed_blocks_warn", KT_THRESHOLD, NODE_OFF(alerts.r[RULE_UNCONFIRMED_BLOCKS].warn),
	  NODE_OFF(alerts.r[RULE_UNCONFIRMED_BLOCKS].warn_given), 0, 0, KEY_NOT_DEFAULTS, NULL },
	{ "unconfirmed_blocks_crit", KT_THRESHOLD, NODE_OFF(alerts.r[RULE_UNCONFIRMED_BLOCKS].crit),
	  NODE_OFF(alerts.r[RULE_UNCONFIRMED_BLOCKS].crit_given), 0, 0, KEY_NOT_DEFAULTS, NULL },
	{ "tx_age_warn", KT_THRESHOLD, NODE_OFF(alerts.r[RULE_TX_AGE].warn),
	  NODE_OFF(alerts.r[RULE_TX_AGE].warn_given), 0, 0, KEY_NOT_DEFAULTS, NULL },
	{ "tx_age_crit", KT_THRESHOLD, NODE_OFF(alerts.r[RULE_TX_AGE].crit),
	  NODE_OFF(alerts.r[RULE_TX_AGE].crit_given), 0, 0, KEY_NOT_DEFAULTS, NULL },
	{ "health_interval", KT_DURATION, NODE_OFF(health_interval_ms), 0, MIN_INTERVAL_MS, MAX_INTERVAL_MS,
	  KEY_INHERIT, NULL },
	{ "failover_grace", KT_DURATION, NODE_OFF(failover_grace_ms), 0, MIN_INTERVAL_MS, MAX_INTERVAL_MS,
	  KEY_INHERIT, NULL },
	{ "standby_answers", KT_STANDBY, NODE_OFF(standby_answers), 0, 0, 0, KEY_INHERIT, NULL },
	{ "database", KT_NAME, NODE_OFF(database), 0, 0, 0, KEY_INHERIT, NULL },
	{ "source", KT_NAME, NODE_OFF(source), 0, 0, 0, KEY_NOT_DEFAULTS, NULL },   /* issue 17 */
	{ "db_client", KT_TEXT, NODE_OFF(db_client), 0, 0, 0, KEY_NOT_DEFAULTS, NULL },
};

/* [defaults] only: the program's own settings */
static const key_def_t settings_defaults_rows[] = {
	{ "charts", KT_CHART_LIST, 0, 0, 0, 0, KEY_EMPTY_OK, NULL },
	{ "head_stall", KT_DURATION, SET_OFF(head_stall_ms), 0, 10 * 1000, 24 * 3600 * 1000, 0, NULL },
	{ "kiosk", KT_BOOL, SET_OFF(kiosk), 0, 0, 0, 0, NULL },
	{ "kiosk_page", KT_DURATION, SET_OFF(kiosk_page_ms), 0, 1000, 3600 * 1000, 0, NULL },
	{ "bell", KT_BOOL, SET_OFF(bell), 0, 0, 0, 0, NULL },
	{ "title", KT_BOOL, SET_OFF(title), 0, 0, 0, 0, NULL },
	{ "history", KT_HISTORY, SET_OFF(history), SET_OFF(history_off), 0, 0, 0, NULL },   /* issue 14 */
};

/* [chart ID] */
static const key_def_t settings_chart_rows[] = {
	{ "title", KT_CHART_TITLE, CHART_OFF(title), 0, 0, 0, 0, NULL },
	{ "metric", KT_METRIC, CHART_OFF(metric), 0, 0, 0, 0, NULL },
	{ "filter", KT_FILTER, CHART_OFF(filter_label), CHART_OFF(filter_value), 0, 0, 0, NULL },
	{ "split", KT_LABEL, CHART_OFF(split_label), 0, 0, 0, 0, NULL },
	{ "mode", KT_CHART_MODE, CHART_OFF(mode), 0, 0, 0, 0, NULL },
	{ "unit", KT_UNIT, CHART_OFF(unit), 0, 0, 0, 0, NULL },
	{ "warn", KT_NUMBER, CHART_OFF(warn), CHART_OFF(has_warn), 0, 0, 0, NULL },
	{ "crit", KT_NUMBER, CHART_OFF(crit), CHART_OFF(has_crit), 0, 0, 0, NULL },
	{ "below", KT_BOOL, CHART_OFF(below), 0, 0, 0, 0, NULL },
};

/* [alerts]: per rule NAME = on|off, NAME_warn, NAME_crit (a number or none),
 * NAME_for and, for the windowed rules, NAME_window. */
#define ALERT_OFF(id, f) SET_OFF(alerts.r[id].f)
#define ALERT_FOR_MAX (24 * 3600 * 1000)
#define ALERT_WIN_MIN (10 * 1000)
#define ALERT_WIN_MAX (7 * 24 * 3600 * 1000)
#define ALERT_ROWS(name, id) \
	{ name, KT_BOOL, ALERT_OFF(id, on), 0, 0, 0, 0, NULL }, \
	{ name "_warn", KT_THRESHOLD, ALERT_OFF(id, warn), ALERT_OFF(id, warn_given), 0, 0, 0, NULL }, \
	{ name "_crit", KT_THRESHOLD, ALERT_OFF(id, crit), ALERT_OFF(id, crit_given), 0, 0, 0, NULL }, \
	{ name "_for", KT_DURATION, ALERT_OFF(id, for_ms), 0, 0, ALERT_FOR_MAX, 0, NULL }
#define ALERT_WINDOW(name, id) \
	{ name "_window", KT_DURATION, ALERT_OFF(id, window_ms), 0, ALERT_WIN_MIN, ALERT_WIN_MAX, 0, NULL }

static const key_def_t settings_alerts_rows[] = {
	ALERT_ROWS("balance", RULE_BALANCE),
	ALERT_ROWS("heads_stalled", RULE_HEADS_STALLED), ALERT_WINDOW("heads_stalled", RULE_HEADS_STALLED),
	ALERT_ROWS("unconfirmed_blocks", RULE_UNCONFIRMED_BLOCKS),
	ALERT_ROWS("tx_age", RULE_TX_AGE),
	ALERT_ROWS("gas_bump_limit", RULE_GAS_BUMP_LIMIT), ALERT_WINDOW("gas_bump_limit", RULE_GAS_BUMP_LIMIT),
	ALERT_ROWS("insufficient_funds", RULE_INSUFFICIENT_FUNDS),
	ALERT_WINDOW("insufficient_funds", RULE_INSUFFICIENT_FUNDS),
	ALERT_ROWS("job_errors", RULE_JOB_ERRORS), ALERT_WINDOW("job_errors", RULE_JOB_ERRORS),
	ALERT_ROWS("health_history", RULE_HEALTH_HISTORY), ALERT_WINDOW("health_history", RULE_HEALTH_HISTORY),
	ALERT_ROWS("log_critical", RULE_LOG_CRITICAL), ALERT_WINDOW("log_critical", RULE_LOG_CRITICAL),
	ALERT_ROWS("log_errors", RULE_LOG_ERRORS), ALERT_WINDOW("log_errors", RULE_LOG_ERRORS),
	ALERT_ROWS("metric_missing", RULE_METRIC_MISSING),
};

/* [notify NAME] */
#define NOTIFY_OFF(f) offsetof(notify_cfg_t, f)
static const key_def_t settings_notify_rows[] = {
	{ "command", KT_COMMAND, NOTIFY_OFF(command), 0, 0, 0, 0, "target" },
	{ "webhook", KT_URL, NOTIFY_OFF(webhook), 0, 0, 0, 0, "target" },
	{ "format", KT_NOTIFY_FORMAT, NOTIFY_OFF(format), 0, 0, 0, 0, NULL },
	{ "on", KT_NOTIFY_ON, NOTIFY_OFF(on), 0, 0, 0, 0, NULL },
	{ "nodes", KT_NAME_LIST, NOTIFY_OFF(nodes), NOTIFY_OFF(nnodes), 0, 0, 0, NULL },
	{ "rules", KT_NAME_LIST, NOTIFY_OFF(rules), NOTIFY_OFF(nrules), 0, 0, 0, NULL },
	{ "repeat", KT_DURATION, NOTIFY_OFF(repeat_ms), 0, 0, ALERT_WIN_MAX, 0, NULL },
	{ "timeout", KT_DURATION, NOTIFY_OFF(timeout_ms), 0, MIN_INTERVAL_MS, 600 * 1000, 0, NULL },
	{ "retries", KT_COUNT, NOTIFY_OFF(retries), 0, 0, 10, 0, NULL },
	{ "queue", KT_COUNT, NOTIFY_OFF(queue_max), 0, 1, 10000, 0, NULL },
};

/* [notify NAME]'s HTTP keys, read as for nodes into notify_cfg_t.http */
static const key_def_t settings_notify_http_rows[] = {
	{ "bearer_token_file", KT_TOKEN_FILE, NODE_OFF(bearer_token_file), 0, 0, 0, 0, "token" },
	{ "bearer_token_env", KT_TOKEN_ENV, NODE_OFF(bearer_token_env), 0, 0, 0, 0, "token" },
	{ "header", KT_HEADER, NODE_OFF(headers), 0, 0, 0, KEY_REPEAT, NULL },
	{ "ca_file", KT_FILE, NODE_OFF(ca_file), 0, 0, 0, 0, NULL },
	{ "insecure", KT_BOOL, NODE_OFF(insecure), 0, 0, 0, 0, NULL },
};

/* [rpc NAME] (issue 16); its HTTP keys are the notify ones, read into rpc_cfg_t.http */
#define RPC_OFF(f) offsetof(rpc_cfg_t, f)
static const key_def_t settings_rpc_rows[] = {
	{ "url", KT_RPC_URL, RPC_OFF(url), 0, 0, 0, 0, NULL },
	{ "ws_url", KT_RPC_URL, RPC_OFF(ws_url), 0, 0, 0, 0, NULL },
	{ "chain", KT_CHAIN_ID, RPC_OFF(chain), 0, 0, 0, 0, NULL },
	{ "interval", KT_DURATION, RPC_OFF(interval_ms), 0, MIN_INTERVAL_MS, MAX_INTERVAL_MS, 0, NULL },
	{ "timeout", KT_DURATION, RPC_OFF(timeout_ms), 0, MIN_INTERVAL_MS, 600 * 1000, 0, NULL },
	{ "head_stall", KT_DURATION, RPC_OFF(head_stall_ms), 0, 1000, 24 * 3600 * 1000, 0, NULL },
	{ "slow", KT_DURATION, RPC_OFF(slow_ms), 0, 1, 600 * 1000, 0, NULL },
	{ "lag_blocks", KT_COUNT, RPC_OFF(lag_blocks), 0, 0, 1000000, 0, NULL },
	{ "nodes", KT_NAME_LIST, RPC_OFF(nodes), RPC_OFF(nnodes), 0, 0, 0, NULL },
};
static const key_table_t settings_rpc_keys = KEY_TABLE(settings_rpc_rows);
/* [database NAME] (issue 15): a PostgreSQL probed directly */
#define DB_OFF(f) offsetof(db_cfg_t, f)
#define DEF_DB_INTERVAL_MS  10000
#define DEF_DB_TIMEOUT_MS   5000
static const key_def_t settings_db_rows[] = {
	{ "host", KT_TEXT, DB_OFF(host), 0, 0, 0, 0, NULL },
	{ "port", KT_COUNT, DB_OFF(port), 0, 1, 65535, 0, NULL },
	{ "dbname", KT_TEXT, DB_OFF(dbname), 0, 0, 0, 0, NULL },
	{ "user", KT_TEXT, DB_OFF(user), 0, 0, 0, 0, NULL },
	{ "password_file", KT_FILE, DB_OFF(password_file), 0, 0, 0, KEY_SECRET, NULL },
	{ "sslmode", KT_SSLMODE, DB_OFF(sslmode), 0, 0, 0, 0, NULL },
	{ "sslrootcert", KT_FILE, DB_OFF(sslrootcert), 0, 0, 0, 0, NULL },
	{ "interval", KT_DURATION, DB_OFF(interval_ms), 0, 1000, MAX_INTERVAL_MS, 0, NULL },
	{ "timeout", KT_DURATION, DB_OFF(timeout_ms), 0, MIN_INTERVAL_MS, MAX_INTERVAL_MS, 0, NULL },
	{ "nodes", KT_NAME_LIST, DB_OFF(nodes), DB_OFF(nnodes), 0, 0, 0, NULL },
	{ "lease_duration", KT_DURATION, DB_OFF(lease_duration_ms), 0, 1000, 3600 * 1000, 0, NULL },
};
static const key_table_t settings_db_keys = KEY_TABLE(settings_db_rows);
/* [source NAME] (issue 17): a Prometheus-compatible query API; its HTTP keys are a node's */
#define SRC_OFF(f) offsetof(source_cfg_t, f)
#define DEF_SOURCE_MAX      ((size_t)64 << 20)
static const key_def_t settings_source_rows[] = {
	{ "type", KT_SOURCE_TYPE, SRC_OFF(type), 0, 0, 0, 0, NULL },
	{ "url", KT_URL, SRC_OFF(url), 0, 0, 0, 0, NULL },
	{ "selector", KT_SELECTOR, SRC_OFF(selector), 0, 0, 0, 0, NULL },
	{ "name_label", KT_LABEL, SRC_OFF(name_label), 0, 0, 0, 0, NULL },
	{ "group_label", KT_LABEL, SRC_OFF(group_label), 0, 0, 0, 0, NULL },
	{ "interval", KT_DURATION, SRC_OFF(interval_ms), 0, 1000, MAX_INTERVAL_MS, 0, NULL },
	{ "timeout", KT_DURATION, SRC_OFF(timeout_ms), 0, MIN_INTERVAL_MS, MAX_INTERVAL_MS, 0, NULL },
	{ "scrape_interval", KT_DURATION, SRC_OFF(scrape_interval_ms), 0, 1000, MAX_INTERVAL_MS, 0, NULL },
	{ "lag", KT_DURATION, SRC_OFF(lag_ms), 0, 0, MAX_INTERVAL_MS, 0, NULL },
	{ "max_size", KT_SIZE, SRC_OFF(max_bytes), 0, MIN_SIZE, MAX_SIZE, 0, NULL },
};
static const key_table_t settings_source_keys = KEY_TABLE(settings_source_rows);
static const key_def_t settings_source_http_rows[] = {
	{ "bearer_token_file", KT_TOKEN_FILE, NODE_OFF(bearer_token_file), 0, 0, 0, 0, "token" },
	{ "bearer_token_env", KT_TOKEN_ENV, NODE_OFF(bearer_token_env), 0, 0, 0, 0, "token" },
	{ "header", KT_HEADER, NODE_OFF(headers), 0, 0, 0, KEY_REPEAT, NULL },
	{ "ca_file", KT_FILE, NODE_OFF(ca_file), 0, 0, 0, 0, NULL },
	{ "cert_file", KT_FILE, NODE_OFF(cert_file), 0, 0, 0, 0, NULL },
	{ "key_file", KT_FILE, NODE_OFF(key_file), 0, 0, 0, KEY_SECRET, NULL },
	{ "insecure", KT_BOOL, NODE_OFF(insecure), 0, 0, 0, 0, NULL },
};
static const key_table_t settings_source_http_keys = KEY_TABLE(settings_source_http_rows);

static const key_table_t settings_node_keys = KEY_TABLE(settings_node_rows);
static const key_table_t settings_alerts_keys = KEY_TABLE(settings_alerts_rows);
static const key_table_t settings_notify_keys = KEY_TABLE(settings_notify_rows);
static const key_table_t settings_notify_http_keys = KEY_TABLE(settings_notify_http_rows);
static const key_table_t settings_defaults_keys = KEY_TABLE(settings_defaults_rows);
static const key_table_t settings_chart_keys = KEY_TABLE(settings_chart_rows);

_Static_assert(sizeof(settings_node_rows) / sizeof(key_def_t) <= SETTINGS_KEYS_MAX, "node keys");
_Static_assert(sizeof(settings_defaults_rows) / sizeof(key_def_t) <= SETTINGS_KEYS_MAX, "defaults keys");
_Static_assert(sizeof(settings_chart_rows) / sizeof(key_def_t) <= SETTINGS_KEYS_MAX, "chart keys");

/* The row of a key, or -1. */
static int key_find(const key_table_t *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->keys[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* The line where the key (a name of table t) was set, 0 when not. */
static int key_line(const key_table_t *t, const int *lines, const char *name)
{
	int k = key_find(t, name);
	if (k < 0) {
		fprintf(stderr, "nodetop: internal error: no config key '%s'\n", name);
		abort();
	}
	return lines[k];
}

/* True when the key, or one it excludes, was set. */
static bool key_group_set(const key_table_t *t, const int *lines, size_t k)
{
	const char *tag = t->keys[k].exclusive;
	if (lines[k])
		return true;
	for (size_t j = 0; tag && j < t->n; j++)
		if (lines[j] && t->keys[j].exclusive && strcmp(t->keys[j].exclusive, tag) == 0)
			return true;
	return false;
}

#define KEY_FIELD(base, off, T) ((T *)(void *)((char *)(base) + (off)))
#define KEY_CFIELD(base, off, T) ((const T *)(const void *)((const char *)(base) + (off)))

/* ------------------------------------------------------------------ parse state */

typedef enum { SEC_NONE, SEC_DEFAULTS, SEC_NODE, SEC_CHART, SEC_ALERTS, SEC_NOTIFY, SEC_RPC, SEC_DB,
               SEC_SOURCE } section_kind_t;

typedef struct notify_lines {
	int section;               /* line of [notify NAME] */
	int key[SETTINGS_KEYS_MAX];
	int hkey[SETTINGS_KEYS_MAX];
} notify_lines_t;

typedef struct node_lines {
	int section;               /* line of [node NAME] */
	int key[SETTINGS_KEYS_MAX];/* line where each key was set, 0 when not */
} node_lines_t;

typedef struct chart_sec {
	chart_def_t def;
	int section;
	int key[SETTINGS_KEYS_MAX];
} chart_sec_t;

typedef struct parse {
	settings_t *s;
	const char *name;          /* file name in messages */
	char *base_dir;            /* relative paths resolve against it, or NULL */
	const char *p, *end;       /* reader position in the text */
	int line;                  /* number of the line last handed to inih */
	int err_line;              /* line of the first error (-1 without one), 0 = none yet */
	char *err;
	size_t errlen;

	section_kind_t sec;
	size_t cur;                /* node (absolute) or chart index of the section */
	size_t first_node;         /* nodes before this index did not come from this file */
	node_lines_t *nl;          /* per node of this file */
	size_t nl_cap;
	int defaults_section;
	int dline[SETTINGS_KEYS_MAX]; /* node keys set in [defaults] */
	int dkey[SETTINGS_KEYS_MAX];  /* [defaults]' own keys */
	chart_sec_t *charts;
	size_t ncharts, charts_cap;
	chart_set_t sel;           /* [defaults] charts = ..., when given */
	int alerts_section;
	int akey[SETTINGS_KEYS_MAX];  /* [alerts] keys */
	size_t first_notify;       /* notify sections before this index came from elsewhere */
	notify_lines_t *ntl;       /* per [notify] of this file */
	size_t ntl_cap;
	size_t first_rpc;          /* [rpc] sections: as for [notify] */
	notify_lines_t *rl;
	size_t rl_cap;
	size_t first_db;           /* [database] sections before this index came from elsewhere */
	node_lines_t *dbl;         /* per [database] of this file */
	size_t dbl_cap;
	size_t first_source;       /* [source] sections (issue 17): as for [notify] */
	notify_lines_t *sl;
	size_t sl_cap;
} parse_t;

/* One key table as the current section sees it. */
typedef struct key_scope {
	const key_table_t *table;
	void *base;                /* the struct its offsets point into */
	int *lines;                /* line where each key was set, 0 = not */
} key_scope_t;

/* Copies text into buf for quoting in a message: non-printable bytes become
 * '?', long text is cut with "...". */
static const char *settings_echo(char *buf, size_t len, const char *text)
{
	size_t o = 0, i = 0;
	for (; text[i] && o + 4 < len && i < SETTINGS_ECHO_MAX; i++) {
		unsigned char c = (unsigned char)text[i];
		buf[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	if (text[i]) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

static void settings_set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void settings_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Records the first error as "NAME:LINE: message"; later ones are dropped. */
static void parse_error(parse_t *ps, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void parse_error(parse_t *ps, int line, const char *fmt, ...)
{
	if (ps->err_line)
		return;
	ps->err_line = line > 0 ? line : -1;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		settings_set_err(ps->err, ps->errlen, "%s:%d: %s", ps->name, line, msg);
	else
		settings_set_err(ps->err, ps->errlen, "%s: %s", ps->name, msg);
}

static void settings_warn(settings_t *s, char *msg)
{
	for (size_t i = 0; i < s->nwarnings; i++) {
		if (strcmp(s->warnings[i], msg) == 0) {
			free(msg);
			return;
		}
	}
	s->warnings = xrealloc(s->warnings, (s->nwarnings + 1) * sizeof *s->warnings);
	s->warnings[s->nwarnings++] = msg;
}

/* ------------------------------------------------------------------ node configs */

static void settings_node_defaults(node_cfg_t *n)
{
	memset(n, 0, sizeof *n);
	n->interval_ms = DEF_INTERVAL_MS;
	n->timeout_ms = DEF_TIMEOUT_MS;
	n->connect_timeout_ms = DEF_CONNECT_MS;
	n->health_max_bytes = DEF_HEALTH_MAX;
	n->metrics_max_bytes = DEF_METRICS_MAX;
	n->metrics = true;
}

static char *settings_dup(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void settings_scrub_free(char *secret)
{
	if (secret) {
		explicit_bzero(secret, strlen(secret));
		free(secret);
	}
}

static void settings_add_header(node_cfg_t *n, char *h)
{
	n->headers = xrealloc(n->headers, (n->nheaders + 1) * sizeof *n->headers);
	n->headers[n->nheaders++] = h;
}

/* True when the header "Name: value" has the name (case-insensitive). */
static bool settings_header_is(const char *h, const char *name, size_t nlen)
{
	return strncasecmp(h, name, nlen) == 0 && h[nlen] == ':';
}

/* Headers: the [defaults] ones first, unless the node gives one of the same name. */
static void settings_merge_headers(node_cfg_t *n, const node_cfg_t *d)
{
	if (!d->nheaders)
		return;
	char **own = n->headers;
	size_t nown = n->nheaders;
	n->headers = NULL;
	n->nheaders = 0;
	for (size_t j = 0; j < d->nheaders; j++) {
		size_t nlen = strcspn(d->headers[j], ":");
		bool overridden = false;
		for (size_t m = 0; m < nown; m++)
			overridden = overridden || settings_header_is(own[m], d->headers[j], nlen);
		if (!overridden)
			settings_add_header(n, xstrdup(d->headers[j]));
	}
	for (size_t m = 0; m < nown; m++)
		settings_add_header(n, own[m]);
	free(own);
}

/* A node key's value from [defaults] (src) into a node (dst), which gave it
 * or not (set: the key, or one it excludes). */
static void key_inherit(const key_def_t *d, node_cfg_t *dst, const node_cfg_t *src, bool set)
{
	if (!(d->flags & KEY_INHERIT))
		return;
	if (d->type == KT_HEADER) {
		settings_merge_headers(dst, src);
		return;
	}
	if (set)
		return;
	switch (d->type) {
	case KT_DURATION:
		*KEY_FIELD(dst, d->off, int64_t) = *KEY_CFIELD(src, d->off, int64_t);
		break;
	case KT_SIZE:
		*KEY_FIELD(dst, d->off, size_t) = *KEY_CFIELD(src, d->off, size_t);
		break;
	case KT_BOOL:
		*KEY_FIELD(dst, d->off, bool) = *KEY_CFIELD(src, d->off, bool);
		break;
	case KT_STANDBY:
		*KEY_FIELD(dst, d->off, unsigned) = *KEY_CFIELD(src, d->off, unsigned);
		break;
	case KT_TOKEN_FILE:
	case KT_TOKEN_ENV:
		/* the token goes with the key that gave it ([defaults] has one at most) */
		if (*KEY_CFIELD(src, d->off, char *) && !dst->bearer_token)
			dst->bearer_token = settings_dup(src->bearer_token);
		/* fall through */
	case KT_NAME:
	case KT_FILE:
	case KT_URL:
		*KEY_FIELD(dst, d->off, char *) = settings_dup(*KEY_CFIELD(src, d->off, char *));
		break;
	default:
		break;
	}
}

/* Frees what a node key holds. */
static void key_fini(const key_def_t *d, node_cfg_t *n)
{
	switch (d->type) {
	case KT_HEADER:
		for (size_t i = 0; i < n->nheaders; i++)
			settings_scrub_free(n->headers[i]);
		free(n->headers);
		n->headers = NULL;
		n->nheaders = 0;
		break;
	case KT_URL:
	case KT_NAME:
	case KT_FILE:
	case KT_TOKEN_FILE:
	case KT_TOKEN_ENV:
	case KT_TEXT: {
		char **f = KEY_FIELD(n, d->off, char *);
		free(*f);
		*f = NULL;
		break;
	}
	default:
		break;
	}
}

static void settings_node_free(node_cfg_t *n)
{
	for (size_t k = 0; k < settings_node_keys.n; k++)
		key_fini(&settings_node_keys.keys[k], n);
	free(n->name);
	settings_scrub_free(n->bearer_token);
	memset(n, 0, sizeof *n);
}

/* Fills dst, empty, with what [defaults] (src) gives every node; lines: the
 * node keys dst set itself (NULL: none). */
static void settings_node_inherit(node_cfg_t *dst, const node_cfg_t *src, const int *lines)
{
	static const int none[SETTINGS_KEYS_MAX];
	if (!lines)
		lines = none;
	for (size_t k = 0; k < settings_node_keys.n; k++)
		key_inherit(&settings_node_keys.keys[k], dst, src, key_group_set(&settings_node_keys, lines, k));
}

static node_cfg_t *settings_find_node(settings_t *s, const char *name, size_t *idx)
{
	for (size_t i = 0; i < s->nnodes; i++) {
		if (strcmp(s->nodes[i].name, name) == 0) {
			if (idx)
				*idx = i;
			return &s->nodes[i];
		}
	}
	return NULL;
}

static node_cfg_t *settings_append_node(settings_t *s)
{
	s->nodes = xgrow(s->nodes, &s->nodes_cap, s->nnodes + 1, sizeof *s->nodes);
	node_cfg_t *n = &s->nodes[s->nnodes++];
	memset(n, 0, sizeof *n);
	return n;
}

/* ------------------------------------------------------------------ public: lifetime */

void settings_init(settings_t *s)
{
	memset(s, 0, sizeof *s);
	settings_node_defaults(&s->defaults);
	chart_set_defaults(&s->charts);
	s->head_stall_ms = DEF_HEAD_STALL_MS;
	s->kiosk = false;
	s->kiosk_page_ms = DEF_KIOSK_PAGE_MS;
	s->bell = false;
	s->title = false;
	rules_cfg_default(&s->alerts);
}

static void settings_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void settings_notify_free(notify_cfg_t *c)
{
	free(c->name);
	free(c->command);
	settings_strv_free(c->argv, c->argc);
	free(c->webhook);
	settings_strv_free(c->nodes, c->nnodes);
	settings_strv_free(c->rules, c->nrules);
	settings_node_free(&c->http);
	memset(c, 0, sizeof *c);
}

static void settings_source_free(source_cfg_t *c)
{
	free(c->name);
	free(c->url);
	free(c->selector);
	free(c->name_label);
	free(c->group_label);
	settings_node_free(&c->http);
	memset(c, 0, sizeof *c);
}

static void settings_rpc_free(rpc_cfg_t *c)
{
	free(c->name);
	settings_scrub_free(c->url);
	settings_scrub_free(c->ws_url);
	settings_strv_free(c->nodes, c->nnodes);
	settings_node_free(&c->http);
	memset(c, 0, sizeof *c);
}

void settings_node_rules(const settings_t *s, const node_cfg_t *n, rules_cfg_t *out)
{
	*out = s->alerts;
	if (n)
		rules_cfg_override(out, &n->alerts);
}

static void settings_db_free(db_cfg_t *d)
{
	free(d->name);
	free(d->host);
	free(d->dbname);
	free(d->user);
	free(d->password_file);
	free(d->sslmode);
	free(d->sslrootcert);
	settings_strv_free(d->nodes, d->nnodes);
	memset(d, 0, sizeof *d);
}

void settings_free(settings_t *s)
{
	free(s->path);
	free(s->history);
	settings_node_free(&s->defaults);
	for (size_t i = 0; i < s->nnodes; i++)
		settings_node_free(&s->nodes[i]);
	free(s->nodes);
	chart_set_free(&s->charts);
	for (size_t i = 0; i < s->nnotify; i++)
		settings_notify_free(&s->notify[i]);
	free(s->notify);
	for (size_t i = 0; i < s->nrpc; i++)
		settings_rpc_free(&s->rpc[i]);
	free(s->rpc);
	for (size_t i = 0; i < s->ndbs; i++)
		settings_db_free(&s->dbs[i]);
	free(s->dbs);
	for (size_t i = 0; i < s->nsources; i++)
		settings_source_free(&s->sources[i]);
	free(s->sources);
	for (size_t i = 0; i < s->nwarnings; i++)
		free(s->warnings[i]);
	free(s->warnings);
	memset(s, 0, sizeof *s);
}

/* ------------------------------------------------------------------ value parsers */

static bool settings_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool settings_is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool settings_parse_duration(const char *v, int64_t *ms)
{
	/* a sequence of NUMBER[.FRACTION]UNIT (ms, s, m, h); a bare number is seconds */
	static const int64_t max_ms = INT64_C(1000) * 86400 * 366 * 100;
	if (!v || !*v)
		return false;
	const char *p = v;
	int64_t total = 0;
	while (*p) {
		if (!settings_is_digit(*p))
			return false;
		int64_t whole = 0, frac = 0, scale = 1;
		for (; settings_is_digit(*p); p++) {
			whole = whole * 10 + (*p - '0');
			if (whole > max_ms)
				return false;
		}
		if (*p == '.') {
			p++;
			if (!settings_is_digit(*p))
				return false;
			for (; settings_is_digit(*p); p++) {
				if (scale < INT64_C(1000000000)) {
					frac = frac * 10 + (*p - '0');
					scale *= 10;
				}
			}
		}
		int64_t mult;
		if (*p == '\0' && p == v + strspn(v, "0123456789."))
			mult = 1000;             /* the whole value is a bare number */
		else if (p[0] == 'm' && p[1] == 's')
			mult = 1, p += 2;
		else if (*p == 's')
			mult = 1000, p++;
		else if (*p == 'm')
			mult = 60 * 1000, p++;
		else if (*p == 'h')
			mult = 3600 * 1000, p++;
		else
			return false;
		if (whole > (max_ms - total) / mult)
			return false;
		total += whole * mult + frac * mult / scale;
		if (total > max_ms)
			return false;
	}
	*ms = total;
	return true;
}

void settings_format_duration(int64_t ms, char *buf, size_t len)
{
	if (!buf || len == 0)
		return;
	if (ms < 0 || ms % 1000 != 0 || ms == 0) {
		snprintf(buf, len, "%" PRId64 "ms", ms);
		return;
	}
	int64_t s = ms / 1000, h = s / 3600, m = s / 60 % 60;
	s %= 60;
	size_t o = 0;
	buf[0] = '\0';
	if (h)
		o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%" PRId64 "h", h);
	if (m && o < len)
		o += (size_t)snprintf(buf + o, len - o, "%" PRId64 "m", m);
	if (s && o < len)
		snprintf(buf + o, len - o, "%" PRId64 "s", s);
}

bool settings_parse_size(const char *v, size_t *bytes)
{
	static const uint64_t max = (uint64_t)1 << 40;
	if (!v || !settings_is_digit(*v))
		return false;
	uint64_t n = 0;
	const char *p = v;
	for (; settings_is_digit(*p); p++) {
		n = n * 10 + (uint64_t)(*p - '0');
		if (n > max)
			return false;
	}
	uint64_t mult = 1;
	switch (*p) {
	case 'k': case 'K': mult = (uint64_t)1 << 10; p++; break;
	case 'm': case 'M': mult = (uint64_t)1 << 20; p++; break;
	case 'g': case 'G': mult = (uint64_t)1 << 30; p++; break;
	default: break;
	}
	if (mult > 1 && *p == 'i') {
		p++;
		if (*p != 'b' && *p != 'B')
			return false;
	}
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p)
		return false;
	if (n > max / mult)
		return false;
	*bytes = (size_t)(n * mult);
	return true;
}

static bool settings_parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

static bool settings_parse_double(const char *v, double *out)
{
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	if (end == v || *end || errno == ERANGE || !isfinite(d))
		return false;
	*out = d;
	return true;
}

/* Node, group and chart names: letters, digits and -_.: */
static bool settings_name_ok(const char *n)
{
	if (!*n || strlen(n) > SETTINGS_NAME_MAX)
		return false;
	for (const char *p = n; *p; p++)
		if (!settings_is_alpha(*p) && !settings_is_digit(*p) && !strchr("-_.:", *p))
			return false;
	return true;
}

/* Prometheus label name. */
static bool settings_label_ok(const char *n)
{
	if (!settings_is_alpha(*n) && *n != '_')
		return false;
	for (const char *p = n + 1; *p; p++)
		if (!settings_is_alpha(*p) && !settings_is_digit(*p) && *p != '_')
			return false;
	return true;
}

/* Prometheus metric name. */
static bool settings_metric_ok(const char *n)
{
	if (!settings_is_alpha(*n) && *n != '_' && *n != ':')
		return false;
	for (const char *p = n + 1; *p; p++)
		if (!settings_is_alpha(*p) && !settings_is_digit(*p) && *p != '_' && *p != ':')
			return false;
	return true;
}

/* An HTTP header name: a token (RFC 9110 tchar). */
static bool settings_token_ok(const char *n, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!settings_is_alpha(n[i]) && !settings_is_digit(n[i]) && !strchr("!#$%&'*+-.^_`|~", n[i]))
			return false;
	return true;
}

static bool settings_has_ctl(const char *v, bool allow_tab)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if ((*p < 0x20 && !(allow_tab && *p == '\t')) || *p == 0x7f)
			return true;
	return false;
}

/* ------------------------------------------------------------------ URLs */

bool settings_url_loopback(const char *url)
{
	const char *h = url ? strstr(url, "://") : NULL;
	if (!h)
		return false;
	h += 3;
	size_t n = strcspn(h, "/?#");
	const char *at = memchr(h, '@', n);   /* userinfo (refused in a config): the host follows it */
	if (at) {
		n -= (size_t)(at + 1 - h);
		h = at + 1;
	}
	if (n >= 5 && strncmp(h, "[::1]", 5) == 0)
		return n == 5 || h[5] == ':';
	size_t hl = strcspn(h, ":/?#");
	if (hl > n)
		hl = n;
	if (hl == 9 && strncasecmp(h, "localhost", 9) == 0)
		return true;
	unsigned a, b, c, d;
	char end;
	char host[16];
	if (hl >= sizeof host || hl < 7)
		return false;
	memcpy(host, h, hl);
	host[hl] = '\0';
	return sscanf(host, "%3u.%3u.%3u.%3u%c", &a, &b, &c, &d, &end) == 4 && a == 127 && b < 256 && c < 256 &&
	       d < 256;
}

bool settings_url_valid(const char *url, char *err, size_t errlen)
{
	char e[SETTINGS_ECHO_MAX + 8];
	if (!url || !*url) {
		settings_set_err(err, errlen, "empty url");
		return false;
	}
	const char *rest;
	if (strncasecmp(url, "http://", 7) == 0)
		rest = url + 7;
	else if (strncasecmp(url, "https://", 8) == 0)
		rest = url + 8;
	else {
		settings_set_err(err, errlen, "url '%s' must start with http:// or https://",
		                 settings_echo(e, sizeof(e), url));
		return false;
	}
	size_t alen = strcspn(rest, "/?#");
	if (memchr(rest, '@', alen)) {
		/* never echo: what precedes '@' is a password */
		settings_set_err(err, errlen, "url must not contain a user name or password "
		                 "(use bearer_token_file, bearer_token_env or header)");
		return false;
	}
	for (const unsigned char *p = (const unsigned char *)url; *p; p++) {
		if (*p <= 0x20 || *p == 0x7f) {
			settings_set_err(err, errlen, "url '%s' contains spaces or control characters",
			                 settings_echo(e, sizeof(e), url));
			return false;
		}
		if (*p >= 0x80) {
			settings_set_err(err, errlen, "url '%s' is not ASCII (use punycode and %%-encoding)",
			                 settings_echo(e, sizeof(e), url));
			return false;
		}
	}
	if (strpbrk(rest, "?#")) {
		settings_set_err(err, errlen, "url '%s' must not have a query or fragment",
		                 settings_echo(e, sizeof(e), url));
		return false;
	}
	const char *host = rest, *hend, *port = NULL;
	const char *aend = rest + alen;
	if (*host == '[') {
		hend = memchr(host, ']', alen);
		bool ok = hend && hend > host + 1;
		for (const char *p = host + 1; ok && p < hend; p++)
			if (!settings_is_digit(*p) && !strchr("abcdefABCDEF:.%", *p) && !settings_is_alpha(*p))
				ok = false;
		if (ok && !memchr(host, ':', (size_t)(hend - host)))
			ok = false;
		if (!ok) {
			settings_set_err(err, errlen, "url '%s' has a bad IPv6 address",
			                 settings_echo(e, sizeof(e), url));
			return false;
		}
		hend++;
		if (hend < aend && *hend != ':') {
			settings_set_err(err, errlen, "url '%s' has a bad host",
			                 settings_echo(e, sizeof(e), url));
			return false;
		}
		if (hend < aend)
			port = hend + 1;
	} else {
		const char *colon = memchr(host, ':', alen);
		hend = colon ? colon : aend;
		if (colon)
			port = colon + 1;
		for (const char *p = host; p < hend; p++) {
			if (!settings_is_alpha(*p) && !settings_is_digit(*p) && !strchr("-._~%", *p)) {
				settings_set_err(err, errlen, "url '%s' has a bad host",
				                 settings_echo(e, sizeof(e), url));
				return false;
			}
		}
	}
	if (hend == host) {
		settings_set_err(err, errlen, "url '%s' has no host", settings_echo(e, sizeof(e), url));
		return false;
	}
	if (port) {
		long v = 0;
		const char *p = port;
		for (; p < aend && settings_is_digit(*p) && v <= 65535; p++)
			v = v * 10 + (*p - '0');
		if (p == port || p != aend || v < 1 || v > 65535) {
			settings_set_err(err, errlen, "url '%s' has a bad port",
			                 settings_echo(e, sizeof(e), url));
			return false;
		}
	}
	return true;
}

/* An [rpc] url or ws_url: scheme and host checked; messages show the URL
 * masked (jsonrpc_url_mask), never its path or query (provider API keys). */
static bool settings_rpc_url_valid(const char *key, const char *url, char *err, size_t errlen)
{
	char masked[160];
	jsonrpc_url_mask(url, masked, sizeof masked);
	const char *rest = NULL;
	static const char *const schemes[] = { "http://", "https://", "ws://", "wss://" };
	for (size_t i = 0; i < 4 && !rest; i++)
		if (strncasecmp(url, schemes[i], strlen(schemes[i])) == 0)
			rest = url + strlen(schemes[i]);
	if (!rest) {
		settings_set_err(err, errlen, "%s '%s' must start with http://, https://, ws:// or wss://", key, masked);
		return false;
	}
	size_t alen = strcspn(rest, "/?#");
	if (memchr(rest, '@', alen)) {
		settings_set_err(err, errlen, "%s must not contain a user name or password "
		                 "(use bearer_token_file, bearer_token_env or header)", key);
		return false;
	}
	for (const unsigned char *p = (const unsigned char *)url; *p; p++) {
		if (*p <= 0x20 || *p >= 0x7f) {
			settings_set_err(err, errlen, "%s '%s' contains spaces, control or non-ASCII characters", key, masked);
			return false;
		}
	}
	/* the host part alone through the node URL check (no secret in it) */
	char *hostonly = xasprintf("http://%.*s", (int)alen, rest);
	char sub[256];
	bool ok = settings_url_valid(hostonly, sub, sizeof sub);
	free(hostonly);
	if (!ok) {
		settings_set_err(err, errlen, "%s '%s' has a bad host or port", key, masked);
		return false;
	}
	return true;
}

/* The URL as stored: without trailing slashes. */
static char *settings_url_normalize(const char *url)
{
	size_t len = strlen(url);
	size_t min = (size_t)(strstr(url, "://") - url) + 3;
	while (len > min && url[len - 1] == '/')
		len--;
	return xstrndup(url, len);
}

/* "host:port" for a valid URL, the port from the scheme when absent. */
static char *settings_url_name(const char *url)
{
	bool tls = strncasecmp(url, "https://", 8) == 0;
	const char *host = url + (tls ? 8 : 7);
	size_t alen = strcspn(host, "/");
	const char *colon;
	if (*host == '[') {
		const char *rb = memchr(host, ']', alen);
		colon = (rb && rb + 1 < host + alen) ? rb + 1 : NULL;
	} else
		colon = memchr(host, ':', alen);
	if (colon)
		return xstrndup(host, alen);
	return xasprintf("%.*s:%s", (int)alen, host, tls ? "443" : "80");
}

/* ------------------------------------------------------------------ files */

static char *parse_path(parse_t *ps, const char *v)
{
	if (v[0] == '~' && v[1] == '/') {
		const char *home = getenv("HOME");
		if (home && *home)
			return xasprintf("%s/%s", home, v + 2);
	}
	if (v[0] != '/' && ps->base_dir)
		return xasprintf("%s/%s", ps->base_dir, v);
	return xstrdup(v);
}

static char *settings_mode_warning(const char *what, const char *path, mode_t mode)
{
	return xasprintf("%s %s is readable by group/others (mode %04o); chmod 600 it",
	                 what, path, (unsigned)(mode & 07777));
}

/* Checks that path is a readable regular file (ca_file, cert_file, key_file). */
static bool parse_check_file(parse_t *ps, const char *key, const char *path, bool secret)
{
	char e[SETTINGS_ECHO_MAX + 8];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		int saved = errno;
		if (fd >= 0)
			close(fd);
		parse_error(ps, ps->line, "cannot read %s '%s': %s", key,
		            settings_echo(e, sizeof(e), path), strerror(saved));
		return false;
	}
	close(fd);
	if (!S_ISREG(st.st_mode)) {
		parse_error(ps, ps->line, "%s '%s' is not a regular file", key,
		            settings_echo(e, sizeof(e), path));
		return false;
	}
	if (secret && (st.st_mode & 0044))
		settings_warn(ps->s, settings_mode_warning("key file", path, st.st_mode));
	return true;
}

/* Reads a bearer token from a file: whitespace trimmed, one token. */
static char *parse_token_file(parse_t *ps, const char *path)
{
	char e[SETTINGS_ECHO_MAX + 8];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		int saved = errno;
		if (fd >= 0)
			close(fd);
		parse_error(ps, ps->line, "cannot read bearer_token_file '%s': %s",
		            settings_echo(e, sizeof(e), path), strerror(saved));
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		parse_error(ps, ps->line, "bearer_token_file '%s' is not a regular file",
		            settings_echo(e, sizeof(e), path));
		return NULL;
	}
	char *buf = xmalloc(SETTINGS_TOKEN_MAX + 1);
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, buf + n, SETTINGS_TOKEN_MAX + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int saved = errno;
			close(fd);
			free(buf);
			parse_error(ps, ps->line, "cannot read bearer_token_file '%s': %s",
			            settings_echo(e, sizeof(e), path), strerror(saved));
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > SETTINGS_TOKEN_MAX)
			break;
	}
	close(fd);
	char *tok = NULL;
	const char *problem = NULL;
	if (n > SETTINGS_TOKEN_MAX)
		problem = "is too large for a token";
	else {
		size_t a = 0, b = n;
		while (a < b && strchr(" \t\r\n\v\f", buf[a]) && buf[a])
			a++;
		while (b > a && strchr(" \t\r\n\v\f", buf[b - 1]) && buf[b - 1])
			b--;
		for (size_t i = a; i < b && !problem; i++) {
			unsigned char c = (unsigned char)buf[i];
			if (c <= 0x20 || c == 0x7f)
				problem = "holds more than one word (spaces or control characters)";
		}
		if (!problem && a == b)
			problem = "is empty";
		if (!problem)
			tok = xstrndup(buf + a, b - a);
	}
	explicit_bzero(buf, SETTINGS_TOKEN_MAX + 1);
	free(buf);
	if (problem) {
		parse_error(ps, ps->line, "bearer_token_file '%s' %s",
		            settings_echo(e, sizeof(e), path), problem);
		return NULL;
	}
	if (st.st_mode & 0044)
		settings_warn(ps->s, settings_mode_warning("token file", path, st.st_mode));
	return tok;
}

/* ------------------------------------------------------------------ sections */

static void parse_section_name(const parse_t *ps, char *buf, size_t len)
{
	char e[SETTINGS_ECHO_MAX + 8];
	switch (ps->sec) {
	case SEC_DEFAULTS:
		snprintf(buf, len, "[defaults]");
		break;
	case SEC_NODE:
		snprintf(buf, len, "[node %s]", settings_echo(e, sizeof(e), ps->s->nodes[ps->cur].name));
		break;
	case SEC_CHART:
		snprintf(buf, len, "[chart %s]", settings_echo(e, sizeof(e), ps->charts[ps->cur].def.id));
		break;
	case SEC_ALERTS:
		snprintf(buf, len, "[alerts]");
		break;
	case SEC_NOTIFY:
		snprintf(buf, len, "[notify %s]", settings_echo(e, sizeof(e), ps->s->notify[ps->cur].name));
		break;
	case SEC_RPC:
		snprintf(buf, len, "[rpc %s]", settings_echo(e, sizeof(e), ps->s->rpc[ps->cur].name));
		break;
	case SEC_DB:
		snprintf(buf, len, "[database %s]", settings_echo(e, sizeof(e), ps->s->dbs[ps->cur].name));
		break;
	case SEC_SOURCE:
		snprintf(buf, len, "[source %s]", settings_echo(e, sizeof(e), ps->s->sources[ps->cur].name));
		break;
	default:
		snprintf(buf, len, "(no section)");
		break;
	}
}

/* The name of a [node NAME] or [chart ID] section: present and well formed. */
static bool parse_check_section_name(parse_t *ps, const char *kind, const char *what,
                               const char *example, const char *name)
{
	char e[SETTINGS_ECHO_MAX + 8];
	if (!*name) {
		parse_error(ps, ps->line, "section [%s] needs %s, e.g. [%s %s]", kind,
		            strcmp(what, "id") == 0 ? "an id" : "a name", kind, example);
		return false;
	}
	if (!settings_name_ok(name)) {
		parse_error(ps, ps->line, "bad %s %s '%s' (use up to %d letters, digits and -_.:)", kind, what,
		            settings_echo(e, sizeof(e), name), SETTINGS_NAME_MAX);
		return false;
	}
	return true;
}

static void parse_begin_node(parse_t *ps, const char *name)
{
	if (!parse_check_section_name(ps, "node", "name", "primary", name))
		return;
	size_t idx;
	if (settings_find_node(ps->s, name, &idx)) {
		if (idx >= ps->first_node)
			parse_error(ps, ps->line, "duplicate node '%s' (first at line %d)", name,
			            ps->nl[idx - ps->first_node].section);
		else
			parse_error(ps, ps->line, "duplicate node '%s' (already added)", name);
		return;
	}
	size_t i = ps->s->nnodes - ps->first_node;
	ps->nl = xgrow(ps->nl, &ps->nl_cap, i + 1, sizeof *ps->nl);
	memset(&ps->nl[i], 0, sizeof ps->nl[i]);
	ps->nl[i].section = ps->line;
	node_cfg_t *n = settings_append_node(ps->s);
	n->name = xstrdup(name);
	ps->sec = SEC_NODE;
	ps->cur = ps->s->nnodes - 1;
}

static void parse_begin_chart(parse_t *ps, const char *id)
{
	if (!parse_check_section_name(ps, "chart", "id", "balance", id))
		return;
	for (size_t i = 0; i < ps->ncharts; i++) {
		if (strcmp(ps->charts[i].def.id, id) == 0) {
			parse_error(ps, ps->line, "duplicate chart '%s' (first at line %d)", id,
			            ps->charts[i].section);
			return;
		}
	}
	ps->charts = xgrow(ps->charts, &ps->charts_cap, ps->ncharts + 1, sizeof *ps->charts);
	chart_sec_t *c = &ps->charts[ps->ncharts++];
	memset(c, 0, sizeof *c);
	c->def.id = xstrdup(id);
	c->def.mode = CHART_GAUGE;
	c->def.unit = UNIT_NONE;
	c->section = ps->line;
	ps->sec = SEC_CHART;
	ps->cur = ps->ncharts - 1;
}

static void parse_begin_defaults(parse_t *ps, const char *name)
{
	(void)name;
	if (ps->defaults_section)
		parse_error(ps, ps->line, "duplicate section [defaults] (first at line %d)", ps->defaults_section);
	ps->defaults_section = ps->line;
	ps->sec = SEC_DEFAULTS;
}

static void parse_begin_alerts(parse_t *ps, const char *name)
{
	(void)name;
	if (ps->alerts_section)
		parse_error(ps, ps->line, "duplicate section [alerts] (first at line %d)", ps->alerts_section);
	ps->alerts_section = ps->line;
	ps->sec = SEC_ALERTS;
}

/* A [kind NAME] section whose items settings keeps in a list ([notify], [rpc], [database]). */
typedef struct named_list {
	const char *kind, *example;        /* "rpc", and a name for the message */
	const void *items;                 /* settings' list: n items of isize bytes, the name at name_off */
	size_t n, isize, name_off;
	size_t first;                      /* items from here on came from this file */
	void *lines;                       /* this file's line records, lsize bytes each, int section first */
	size_t *lines_cap, lsize;
} named_list_t;

/* Checks NAME, refuses a duplicate (this file's: with its line), and adds the section's zeroed
 * line record. Returns the grown line records, or NULL after an error (the records untouched). */
static void *parse_begin_named(parse_t *ps, const char *name, const named_list_t *l)
{
	if (!parse_check_section_name(ps, l->kind, "name", l->example, name))
		return NULL;
	for (size_t i = 0; i < l->n; i++) {
		const char *other = *(char *const *)(const void *)((const char *)l->items + i * l->isize + l->name_off);
		if (strcmp(other, name) == 0) {
			if (i >= l->first)
				parse_error(ps, ps->line, "duplicate %s '%s' (first at line %d)", l->kind, name,
				            *(const int *)(const void *)((const char *)l->lines + (i - l->first) * l->lsize));
			else
				parse_error(ps, ps->line, "duplicate %s '%s' (already added)", l->kind, name);
			return NULL;
		}
	}
	size_t i = l->n - l->first;
	char *lines = xgrow(l->lines, l->lines_cap, i + 1, l->lsize);
	memset(lines + i * l->lsize, 0, l->lsize);
	*(int *)(void *)(lines + i * l->lsize) = ps->line;
	return lines;
}

_Static_assert(offsetof(notify_lines_t, section) == 0 && offsetof(node_lines_t, section) == 0,
               "parse_begin_named writes the section line first");

static void parse_begin_notify(parse_t *ps, const char *name)
{
	settings_t *s = ps->s;
	notify_lines_t *l = parse_begin_named(ps, name, &(named_list_t){ "notify", "oncall", s->notify, s->nnotify,
		sizeof *s->notify, offsetof(notify_cfg_t, name), ps->first_notify, ps->ntl, &ps->ntl_cap, sizeof *ps->ntl });
	if (!l)
		return;
	ps->ntl = l;
	s->notify = xgrow(s->notify, &s->notify_cap, s->nnotify + 1, sizeof *s->notify);
	notify_cfg_t *c = &s->notify[s->nnotify++];
	memset(c, 0, sizeof *c);
	c->name = xstrdup(name);
	c->format = NOTIFY_FORMAT_JSON;
	c->on = NOTIFY_ON_CRITICAL | NOTIFY_ON_WARNING | NOTIFY_ON_RESOLVED;
	c->timeout_ms = 10 * 1000;
	c->retries = 3;
	c->queue_max = 64;
	settings_node_defaults(&c->http);
	ps->sec = SEC_NOTIFY;
	ps->cur = s->nnotify - 1;
}

/* [rpc NAME] (issue 16) */
static void parse_begin_rpc(parse_t *ps, const char *name)
{
	settings_t *s = ps->s;
	notify_lines_t *l = parse_begin_named(ps, name, &(named_list_t){ "rpc", "mainnet-a", s->rpc, s->nrpc,
		sizeof *s->rpc, offsetof(rpc_cfg_t, name), ps->first_rpc, ps->rl, &ps->rl_cap, sizeof *ps->rl });
	if (!l)
		return;
	ps->rl = l;
	s->rpc = xgrow(s->rpc, &s->rpc_cap, s->nrpc + 1, sizeof *s->rpc);
	rpc_cfg_t *c = &s->rpc[s->nrpc++];
	memset(c, 0, sizeof *c);
	c->name = xstrdup(name);
	c->interval_ms = 5000;
	c->timeout_ms = 5000;
	c->slow_ms = 2000;
	c->lag_blocks = 5;
	settings_node_defaults(&c->http);
	ps->sec = SEC_RPC;
	ps->cur = s->nrpc - 1;
}

static void parse_begin_db(parse_t *ps, const char *name)
{
	settings_t *s = ps->s;
	node_lines_t *l = parse_begin_named(ps, name, &(named_list_t){ "database", "db-a", s->dbs, s->ndbs,
		sizeof *s->dbs, offsetof(db_cfg_t, name), ps->first_db, ps->dbl, &ps->dbl_cap, sizeof *ps->dbl });
	if (!l)
		return;
	ps->dbl = l;
	s->dbs = xgrow(s->dbs, &s->dbs_cap, s->ndbs + 1, sizeof *s->dbs);
	db_cfg_t *d = &s->dbs[s->ndbs++];
	memset(d, 0, sizeof *d);
	d->name = xstrdup(name);
	d->interval_ms = DEF_DB_INTERVAL_MS;
	d->timeout_ms = DEF_DB_TIMEOUT_MS;
	d->lease_duration_ms = 10 * 1000;
	ps->sec = SEC_DB;
	ps->cur = s->ndbs - 1;
}

/* [source NAME] (issue 17) */
static void parse_begin_source(parse_t *ps, const char *name)
{
	settings_t *s = ps->s;
	notify_lines_t *l = parse_begin_named(ps, name, &(named_list_t){ "source", "prometheus-eu", s->sources,
		s->nsources, sizeof *s->sources, offsetof(source_cfg_t, name), ps->first_source, ps->sl, &ps->sl_cap,
		sizeof *ps->sl });
	if (!l)
		return;
	ps->sl = l;
	s->sources = xgrow(s->sources, &s->sources_cap, s->nsources + 1, sizeof *s->sources);
	source_cfg_t *c = &s->sources[s->nsources++];
	memset(c, 0, sizeof *c);
	c->name = xstrdup(name);
	c->interval_ms = DEF_INTERVAL_MS;
	c->timeout_ms = DEF_TIMEOUT_MS;
	c->scrape_interval_ms = 15 * 1000;
	c->max_bytes = DEF_SOURCE_MAX;
	settings_node_defaults(&c->http);
	ps->sec = SEC_SOURCE;
	ps->cur = s->nsources - 1;
}

/* The section kinds: [kind] or [kind NAME]. A new kind is a row here, a
 * begin function, its key table and its place in parse_scopes. */
typedef struct section_def {
	const char *kind;
	bool named;                /* [kind NAME]; false: the kind alone */
	void (*begin)(parse_t *ps, const char *name);
} section_def_t;

static const section_def_t settings_sections[] = {
	{ "defaults", false, parse_begin_defaults },
	{ "node", true, parse_begin_node },
	{ "chart", true, parse_begin_chart },
	{ "alerts", false, parse_begin_alerts },
	{ "notify", true, parse_begin_notify },
	{ "rpc", true, parse_begin_rpc },
	{ "database", true, parse_begin_db },
	{ "source", true, parse_begin_source },
};

/* A section header [raw]: raw is the text between the brackets. */
static void parse_section(parse_t *ps, const char *raw, size_t len)
{
	char e[SETTINGS_ECHO_MAX + 8];
	char *t = xstrndup(raw, len);
	char *a = t, *b = t + len;
	while (*a == ' ' || *a == '\t')
		a++;
	while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
		b--;
	*b = '\0';
	size_t wlen = strcspn(a, " \t");
	char *rest = a + wlen;
	while (*rest == ' ' || *rest == '\t')
		rest++;
	const section_def_t *sd = NULL;
	for (size_t i = 0; !sd && i < sizeof(settings_sections) / sizeof(settings_sections[0]); i++) {
		const section_def_t *c = &settings_sections[i];
		if (strlen(c->kind) == wlen && strncmp(a, c->kind, wlen) == 0 && (c->named || !*rest))
			sd = c;
	}
	if (sd)
		sd->begin(ps, rest);
	else
		parse_error(ps, ps->line, "unknown section [%s]", settings_echo(e, sizeof(e), a));
	free(t);
}

/* ------------------------------------------------------------------ keys */

static bool parse_duration_key(parse_t *ps, const char *key, const char *v, int64_t lo, int64_t hi,
                               int64_t *out)
{
	char e[SETTINGS_ECHO_MAX + 8], l[32], h[32];
	int64_t ms;
	if (!settings_parse_duration(v, &ms)) {
		parse_error(ps, ps->line, "bad duration '%s' for '%s' (use e.g. 5s, 500ms, 2m)",
		            settings_echo(e, sizeof(e), v), key);
		return false;
	}
	if (ms < lo || ms > hi) {
		settings_format_duration(lo, l, sizeof(l));
		settings_format_duration(hi, h, sizeof(h));
		parse_error(ps, ps->line, "%s '%s' out of range (%s to %s)", key,
		            settings_echo(e, sizeof(e), v), l, h);
		return false;
	}
	*out = ms;
	return true;
}

static bool parse_bool_key(parse_t *ps, const char *key, const char *v, bool *out)
{
	char e[SETTINGS_ECHO_MAX + 8];
	if (!settings_parse_bool(v, out)) {
		parse_error(ps, ps->line, "bad boolean '%s' for '%s' (use true or false)",
		            settings_echo(e, sizeof(e), v), key);
		return false;
	}
	return true;
}

/* A size the way the parser reads it: "1k", "16M", "1G", or bytes. */
static void settings_format_size(int64_t n, char *buf, size_t len)
{
	static const char units[] = "GMk";
	for (int i = 0; i < 3; i++) {
		int64_t u = INT64_C(1) << (10 * (3 - i));
		if (n >= u && n % u == 0) {
			snprintf(buf, len, "%" PRId64 "%c", n / u, units[i]);
			return;
		}
	}
	snprintf(buf, len, "%" PRId64, n);
}

static bool parse_size_key(parse_t *ps, const char *key, const char *v, int64_t lo, int64_t hi, size_t *out)
{
	char e[SETTINGS_ECHO_MAX + 8], l[32], h[32];
	size_t n;
	if (!settings_parse_size(v, &n)) {
		parse_error(ps, ps->line, "bad size '%s' for '%s' (use e.g. 512k, 16M)",
		            settings_echo(e, sizeof(e), v), key);
		return false;
	}
	if (n < (uint64_t)lo || n > (uint64_t)hi) {
		settings_format_size(lo, l, sizeof(l));
		settings_format_size(hi, h, sizeof(h));
		parse_error(ps, ps->line, "%s '%s' out of range (%s to %s)", key,
		            settings_echo(e, sizeof(e), v), l, h);
		return false;
	}
	*out = n;
	return true;
}

/* header = Name: value. The value is a secret: never quoted in a message. */
static void parse_header(parse_t *ps, node_cfg_t *n, const char *v)
{
	char e[SETTINGS_ECHO_MAX + 8];
	const char *colon = strchr(v, ':');
	size_t nlen = colon ? (size_t)(colon - v) : strlen(v);
	while (nlen > 0 && (v[nlen - 1] == ' ' || v[nlen - 1] == '\t'))
		nlen--;
	char *hname = xstrndup(v, nlen);
	if (!colon) {
		parse_error(ps, ps->line, "header must be 'Name: value'");
	} else if (!settings_token_ok(v, nlen)) {
		parse_error(ps, ps->line, "bad header name '%s'", settings_echo(e, sizeof(e), hname));
	} else if (strcasecmp(hname, "Origin") == 0) {
		parse_error(ps, ps->line, "header 'Origin' makes Chainlink's CORS check refuse the request");
	} else {
		const char *val = colon + 1;
		while (*val == ' ' || *val == '\t')
			val++;
		size_t vlen = strlen(val);
		while (vlen > 0 && (val[vlen - 1] == ' ' || val[vlen - 1] == '\t'))
			vlen--;
		if (vlen == 0)
			parse_error(ps, ps->line, "header '%s' has no value", hname);
		else if (settings_has_ctl(val, true))
			parse_error(ps, ps->line, "header '%s' has control characters in its value", hname);
		else {
			for (size_t i = 0; i < n->nheaders; i++) {
				if (settings_header_is(n->headers[i], hname, nlen)) {
					parse_error(ps, ps->line, "header '%s' given twice", hname);
					free(hname);
					return;
				}
			}
			settings_add_header(n, xasprintf("%s: %.*s", hname, (int)vlen, val));
		}
	}
	free(hname);
}

/* bearer_token_env = NAME: the token is the variable's value, read now. */
static void parse_token_env(parse_t *ps, node_cfg_t *n, const char *v)
{
	char e[SETTINGS_ECHO_MAX + 8];
	bool ok = settings_is_alpha(*v) || *v == '_';
	for (const char *p = v; ok && *p; p++)
		ok = settings_is_alpha(*p) || settings_is_digit(*p) || *p == '_';
	if (!ok) {
		parse_error(ps, ps->line, "bad environment variable name '%s' for 'bearer_token_env'",
		            settings_echo(e, sizeof(e), v));
		return;
	}
	const char *tok = getenv(v);
	if (!tok || !*tok) {
		parse_error(ps, ps->line, "environment variable %s (bearer_token_env) is unset or empty", v);
		return;
	}
	size_t a = strspn(tok, " \t\r\n"), b = strlen(tok);
	while (b > a && strchr(" \t\r\n", tok[b - 1]))
		b--;
	for (size_t i = a; i < b; i++) {
		if ((unsigned char)tok[i] <= 0x20 || tok[i] == 0x7f) {
			parse_error(ps, ps->line, "environment variable %s (bearer_token_env) holds more "
			            "than one word (spaces or control characters)", v);
			return;
		}
	}
	if (a == b) {
		parse_error(ps, ps->line, "environment variable %s (bearer_token_env) is unset or empty", v);
		return;
	}
	n->bearer_token_env = xstrdup(v);
	n->bearer_token = xstrndup(tok + a, b - a);
}

/* charts = id, id, ...: built-in charts, in the order to show them. */
static void parse_chart_list(parse_t *ps, const char *v)
{
	char e[SETTINGS_ECHO_MAX + 8];
	const char *p = v;
	while (*p) {
		size_t len = strcspn(p, ",");
		char *id = xstrndup(p, len);
		char *a = id, *b = id + len;
		while (*a == ' ' || *a == '\t')
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		*b = '\0';
		const chart_def_t *d = *a ? chart_builtin(a) : NULL;
		bool dup = false;
		for (size_t i = 0; d && i < ps->sel.n; i++)
			dup = dup || strcmp(ps->sel.defs[i].id, a) == 0;
		if (*a && !d)
			parse_error(ps, ps->line, "unknown chart '%s' in 'charts'", settings_echo(e, sizeof(e), a));
		else if (dup)
			parse_error(ps, ps->line, "chart '%s' listed twice in 'charts'", a);
		else if (d)
			chart_set_add(&ps->sel, d);
		free(id);
		if (ps->err_line)
			return;
		p += len;
		if (*p == ',')
			p++;
	}
}

/* filter = label=value */
static void parse_filter(parse_t *ps, const key_def_t *d, void *base, const char *v)
{
	char e[SETTINGS_ECHO_MAX + 8];
	const char *eq = strchr(v, '=');
	char *label = xstrndup(v, eq ? (size_t)(eq - v) : strlen(v));
	char *b = label + strlen(label);
	while (b > label && (b[-1] == ' ' || b[-1] == '\t'))
		*--b = '\0';
	const char *val = eq ? eq + 1 : "";
	while (*val == ' ' || *val == '\t')
		val++;
	if (!eq || !settings_label_ok(label) || settings_has_ctl(val, false)) {
		parse_error(ps, ps->line, "bad filter '%s' (use label=value, e.g. state=Alive)",
		            settings_echo(e, sizeof(e), v));
		free(label);
		return;
	}
	*KEY_FIELD(base, d->off, char *) = label;
	*KEY_FIELD(base, d->off2, char *) = xstrdup(val);
}

/* A path given for a key: a readable regular file (ca_file, cert_file, key_file)
 * or the bearer token's file. */
static void parse_file_key(parse_t *ps, const key_def_t *d, node_cfg_t *n, const char *v)
{
	char *path = parse_path(ps, v);
	if (d->type == KT_TOKEN_FILE) {
		char *tok = parse_token_file(ps, path);
		if (!tok) {
			free(path);
			return;
		}
		n->bearer_token = tok;
	} else if (!parse_check_file(ps, d->name, path, d->flags & KEY_SECRET)) {
		free(path);
		return;
	}
	*KEY_FIELD(n, d->off, char *) = path;
}

/* "a, b, c": names (letters, digits, -_.:), at least one. */
static void parse_name_list(parse_t *ps, const key_def_t *d, void *base, const char *v)
{
	char e[SETTINGS_ECHO_MAX + 8];
	char ***list = KEY_FIELD(base, d->off, char **);
	size_t *n = KEY_FIELD(base, d->off2, size_t);
	size_t cap = 0;
	settings_strv_free(*list, *n);
	*list = NULL;
	*n = 0;
	const char *p = v;
	while (*p) {
		size_t len = strcspn(p, ",");
		char *w = xstrndup(p, len);
		char *a = w, *b = w + strlen(w);
		while (*a == ' ' || *a == '\t')
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			*--b = '\0';
		if (!settings_name_ok(a)) {
			parse_error(ps, ps->line, "bad name '%s' in '%s' (a list of names: a, b, c)",
			            settings_echo(e, sizeof(e), a), d->name);
			free(w);
			return;
		}
		*list = xgrow(*list, &cap, *n + 1, sizeof **list);
		(*list)[(*n)++] = xstrdup(a);
		free(w);
		p += len;
		if (*p == ',')
			p++;
	}
}

static void parse_notify_on(parse_t *ps, void *base, const key_def_t *d, const char *v)
{
	static const char *const names[] = { "critical", "warning", "resolved", "node", "failover" };
	char e[SETTINGS_ECHO_MAX + 8];
	unsigned on = 0;
	const char *p = v;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		size_t len = strcspn(p, ", \t");
		if (!len)
			break;
		size_t k = 0;
		while (k < 5 && !(strlen(names[k]) == len && strncmp(p, names[k], len) == 0))
			k++;
		if (k == 5) {
			char *w = xstrndup(p, len);
			parse_error(ps, ps->line, "bad event '%s' for '%s' (use critical, warning, resolved, node, failover)",
			            settings_echo(e, sizeof(e), w), d->name);
			free(w);
			return;
		}
		on |= 1u << k;
		p += len;
	}
	*KEY_FIELD(base, d->off, unsigned) = on;
}

/* Reads value v of key d into the section's struct at base. */
static void key_parse(parse_t *ps, const key_def_t *d, void *base, const char *v)
{
	char e[SETTINGS_ECHO_MAX + 8], msg[256];
	char **str = KEY_FIELD(base, d->off, char *);
	switch (d->type) {
	case KT_RPC_URL:
		if (!settings_rpc_url_valid(d->name, v, msg, sizeof(msg)))
			parse_error(ps, ps->line, "%s", msg);
		else
			*str = xstrdup(v);
		break;
	case KT_CHAIN_ID: {
		char *end;
		errno = 0;
		unsigned long long x = strtoull(v, &end, 0);
		if (!settings_is_digit(*v) || *end || errno || x == 0 || x > JSONRPC_MAX_QUANTITY)
			parse_error(ps, ps->line, "bad chain id '%s' for '%s' (a number above 0, e.g. 1 or 0x89)",
			            settings_echo(e, sizeof(e), v), d->name);
		else
			*KEY_FIELD(base, d->off, uint64_t) = (uint64_t)x;
		break;
	}
	case KT_URL:
		if (!settings_url_valid(v, msg, sizeof(msg)))
			parse_error(ps, ps->line, "%s", msg);
		else
			*str = settings_url_normalize(v);
		break;
	case KT_NAME:
		if (!settings_name_ok(v))
			parse_error(ps, ps->line, "bad %s name '%s' (use up to %d letters, digits and -_.:)", d->name,
			            settings_echo(e, sizeof(e), v), SETTINGS_NAME_MAX);
		else
			*str = xstrdup(v);
		break;
	case KT_DURATION:
		parse_duration_key(ps, d->name, v, d->lo, d->hi, KEY_FIELD(base, d->off, int64_t));
		break;
	case KT_SIZE:
		parse_size_key(ps, d->name, v, d->lo, d->hi, KEY_FIELD(base, d->off, size_t));
		break;
	case KT_BOOL:
		parse_bool_key(ps, d->name, v, KEY_FIELD(base, d->off, bool));
		break;
	case KT_FILE:
	case KT_TOKEN_FILE:
		parse_file_key(ps, d, base, v);
		break;
	case KT_TOKEN_ENV:
		parse_token_env(ps, base, v);
		break;
	case KT_HEADER:
		parse_header(ps, base, v);
		break;
	case KT_CHART_LIST:
		parse_chart_list(ps, v);
		break;
	case KT_CHART_TITLE:
		if (settings_has_ctl(v, false) || strlen(v) > 64)
			parse_error(ps, ps->line, "bad title for [chart %s] (at most 64 characters, no control characters)",
			            ((chart_def_t *)base)->id);
		else
			*str = xstrdup(v);
		break;
	case KT_METRIC:
		if (!settings_metric_ok(v))
			parse_error(ps, ps->line, "bad metric name '%s'", settings_echo(e, sizeof(e), v));
		else
			*str = xstrdup(v);
		break;
	case KT_LABEL:
		if (!settings_label_ok(v))
			parse_error(ps, ps->line, "bad label name '%s' for '%s'", settings_echo(e, sizeof(e), v), d->name);
		else
			*str = xstrdup(v);
		break;
	case KT_FILTER:
		parse_filter(ps, d, base, v);
		break;
	case KT_SOURCE_TYPE:
		if (strcmp(v, "prometheus") != 0)
			parse_error(ps, ps->line, "unknown source type '%s' (the one known is prometheus: "
			            "Prometheus, Thanos, Mimir, Cortex, VictoriaMetrics)", settings_echo(e, sizeof(e), v));
		else
			*KEY_FIELD(base, d->off, source_type_t) = SOURCE_PROMETHEUS;
		break;
	case KT_SELECTOR: {
		size_t n = strlen(v);
		if (n < 2 || v[0] != '{' || v[n - 1] != '}' || n > 4096 || settings_has_ctl(v, false))
			parse_error(ps, ps->line, "bad selector '%s' (label matchers in braces, e.g. {job=\"chainlink\"})",
			            settings_echo(e, sizeof(e), v));
		else
			*str = xstrdup(v);
		break;
	}
	case KT_HISTORY:   /* history = PATH (relative to the file) or off */
		free(*str);
		*str = NULL;
		*KEY_FIELD(base, d->off2, bool) = strcmp(v, "off") == 0;
		if (strcmp(v, "off") != 0)
			*str = parse_path(ps, v);
		break;
	case KT_CHART_MODE:
		if (strcmp(v, "gauge") == 0)
			*KEY_FIELD(base, d->off, chart_mode_t) = CHART_GAUGE;
		else if (strcmp(v, "rate") == 0)
			*KEY_FIELD(base, d->off, chart_mode_t) = CHART_RATE_PER_MIN;
		else
			parse_error(ps, ps->line, "bad mode '%s' (use gauge or rate)", settings_echo(e, sizeof(e), v));
		break;
	case KT_UNIT:
		if (!chart_unit_parse(v, KEY_FIELD(base, d->off, chart_unit_t)))
			parse_error(ps, ps->line, "bad unit '%s' (use none, bytes, per_min, seconds or percent)",
			            settings_echo(e, sizeof(e), v));
		break;
	case KT_STANDBY: {
		/* "refused" (always), "502", "503", separated by spaces or commas */
		unsigned bits = 0;
		for (const char *p = v; *p;) {
			size_t len = strcspn(p, " ,\t");
			if (len == 3 && strncmp(p, "502", 3) == 0)
				bits |= 1u;
			else if (len == 3 && strncmp(p, "503", 3) == 0)
				bits |= 2u;
			else if (len && !(len == 7 && strncmp(p, "refused", 7) == 0)) {
				parse_error(ps, ps->line, "bad standby_answers '%s' (use refused, 502, 503)",
				            settings_echo(e, sizeof(e), v));
				return;
			}
			p += len;
			p += strspn(p, " ,\t");
		}
		*KEY_FIELD(base, d->off, unsigned) = bits;
		break;
	}
	case KT_THRESHOLD: {
		double x = NAN;
		if (strcasecmp(v, "none") != 0 && !settings_parse_double(v, &x)) {
			parse_error(ps, ps->line, "bad threshold '%s' for '%s' (a number, or none)",
			            settings_echo(e, sizeof(e), v), d->name);
		} else {
			*KEY_FIELD(base, d->off, double) = x;
			*KEY_FIELD(base, d->off2, bool) = true;
		}
		break;
	}
	case KT_COUNT: {
		char *end;
		errno = 0;
		unsigned long long x = strtoull(v, &end, 10);
		if (!settings_is_digit(*v) || *end || errno || x < (unsigned long long)d->lo ||
		    x > (unsigned long long)d->hi)
			parse_error(ps, ps->line, "bad count '%s' for '%s' (%" PRId64 " to %" PRId64 ")",
			            settings_echo(e, sizeof(e), v), d->name, d->lo, d->hi);
		else
			*KEY_FIELD(base, d->off, size_t) = (size_t)x;
		break;
	}
	case KT_NAME_LIST:
		parse_name_list(ps, d, base, v);
		break;
	case KT_NOTIFY_ON:
		parse_notify_on(ps, base, d, v);
		break;
	case KT_NOTIFY_FORMAT:
		if (strcmp(v, "json") == 0)
			*KEY_FIELD(base, d->off, notify_format_t) = NOTIFY_FORMAT_JSON;
		else if (strcmp(v, "slack") == 0)
			*KEY_FIELD(base, d->off, notify_format_t) = NOTIFY_FORMAT_SLACK;
		else
			parse_error(ps, ps->line, "bad format '%s' (use json or slack)", settings_echo(e, sizeof(e), v));
		break;
	case KT_TEXT:
		if (settings_has_ctl(v, false) || strlen(v) > 255)
			parse_error(ps, ps->line, "bad %s '%s' (at most 255 characters, no control characters)", d->name,
			            settings_echo(e, sizeof(e), v));
		else
			*str = xstrdup(v);
		break;
	case KT_SSLMODE: {
		static const char *const modes[] = { "disable", "allow", "prefer", "require", "verify-ca", "verify-full" };
		size_t k = 0;
		while (k < 6 && strcmp(v, modes[k]) != 0)
			k++;
		if (k == 6)
			parse_error(ps, ps->line, "bad sslmode '%s' (use disable, allow, prefer, require, verify-ca or "
			            "verify-full)", settings_echo(e, sizeof(e), v));
		else
			*str = xstrdup(v);
		break;
	}
	case KT_COMMAND:
		if (settings_has_ctl(v, false))
			parse_error(ps, ps->line, "bad command for '%s' (control characters)", d->name);
		else
			*str = xstrdup(v);
		break;
	case KT_NUMBER: {
		double x;
		if (!settings_parse_double(v, &x)) {
			parse_error(ps, ps->line, "bad number '%s' for '%s'", settings_echo(e, sizeof(e), v), d->name);
		} else {
			*KEY_FIELD(base, d->off, double) = x;
			*KEY_FIELD(base, d->off2, bool) = true;
		}
		break;
	}
	default:
		break;
	}
}

/* One "key = value" line of the current section, key k of scope sc. */
static void parse_key(parse_t *ps, const key_scope_t *sc, size_t k, const char *v, const char *sect)
{
	const key_table_t *t = sc->table;
	const key_def_t *d = &t->keys[k];
	if (sc->lines[k] && !(d->flags & KEY_REPEAT)) {
		parse_error(ps, ps->line, "duplicate key '%s' in %s (first at line %d)", d->name, sect, sc->lines[k]);
		return;
	}
	if (!sc->lines[k])
		sc->lines[k] = ps->line;
	if ((d->flags & KEY_NOT_DEFAULTS) && ps->sec == SEC_DEFAULTS) {
		parse_error(ps, ps->line, "'%s' belongs in a [node NAME] section, not in [defaults]", d->name);
		return;
	}
	for (size_t j = 0; d->exclusive && j < t->n; j++) {
		const key_def_t *o = &t->keys[j];
		if (j != k && sc->lines[j] && o->exclusive && strcmp(o->exclusive, d->exclusive) == 0) {
			parse_error(ps, ps->line, "'%s' and '%s' are exclusive in %s", j < k ? o->name : d->name,
			            j < k ? d->name : o->name, sect);
			return;
		}
	}
	key_parse(ps, d, sc->base, v);
}

/* The key tables of the current section, with where their values go. */
static size_t parse_scopes(parse_t *ps, key_scope_t sc[2])
{
	settings_t *s = ps->s;
	switch (ps->sec) {
	case SEC_DEFAULTS:
		sc[0] = (key_scope_t){ &settings_node_keys, &s->defaults, ps->dline };
		sc[1] = (key_scope_t){ &settings_defaults_keys, s, ps->dkey };
		return 2;
	case SEC_NODE:
		sc[0] = (key_scope_t){ &settings_node_keys, &s->nodes[ps->cur], ps->nl[ps->cur - ps->first_node].key };
		return 1;
	case SEC_CHART:
		sc[0] = (key_scope_t){ &settings_chart_keys, &ps->charts[ps->cur].def, ps->charts[ps->cur].key };
		return 1;
	case SEC_ALERTS:
		sc[0] = (key_scope_t){ &settings_alerts_keys, s, ps->akey };
		return 1;
	case SEC_NOTIFY: {
		notify_lines_t *l = &ps->ntl[ps->cur - ps->first_notify];
		sc[0] = (key_scope_t){ &settings_notify_keys, &s->notify[ps->cur], l->key };
		sc[1] = (key_scope_t){ &settings_notify_http_keys, &s->notify[ps->cur].http, l->hkey };
		return 2;
	}
	case SEC_RPC: {
		notify_lines_t *l = &ps->rl[ps->cur - ps->first_rpc];
		sc[0] = (key_scope_t){ &settings_rpc_keys, &s->rpc[ps->cur], l->key };
		sc[1] = (key_scope_t){ &settings_notify_http_keys, &s->rpc[ps->cur].http, l->hkey };
		return 2;
	}
	case SEC_DB:
		sc[0] = (key_scope_t){ &settings_db_keys, &s->dbs[ps->cur], ps->dbl[ps->cur - ps->first_db].key };
		return 1;
	case SEC_SOURCE: {
		notify_lines_t *l = &ps->sl[ps->cur - ps->first_source];
		sc[0] = (key_scope_t){ &settings_source_keys, &s->sources[ps->cur], l->key };
		sc[1] = (key_scope_t){ &settings_source_http_keys, &s->sources[ps->cur].http, l->hkey };
		return 2;
	}
	default:
		return 0;
	}
}

/* inih's handler: one call per "name = value" line. Errors are kept in ps
 * (inih's own return value is then only about syntax). */
static int parse_handler(void *user, const char *section, const char *name, const char *value)
{
	parse_t *ps = user;
	char e[SETTINGS_ECHO_MAX + 8], sect[SETTINGS_ECHO_MAX + 16];
	(void)section;   /* sections are tracked by the reader, with their lines */
	if (!name || ps->err_line)
		return 1;
	if (!value)
		value = "";
	if (!*name) {
		parse_error(ps, ps->line, "syntax error");
		return 1;
	}
	parse_section_name(ps, sect, sizeof(sect));
	if (ps->sec == SEC_NONE) {
		parse_error(ps, ps->line, "key '%s' outside of a section (put it under [defaults] or [node NAME])",
		            settings_echo(e, sizeof(e), name));
		return 1;
	}
	key_scope_t sc[2];
	size_t nsc = parse_scopes(ps, sc);
	for (size_t i = 0; i < nsc; i++) {
		int k = key_find(sc[i].table, name);
		if (k < 0)
			continue;
		if (!*value && !(sc[i].table->keys[k].flags & KEY_EMPTY_OK))
			parse_error(ps, ps->line, "empty value for '%s' in %s", name, sect);
		else
			parse_key(ps, &sc[i], (size_t)k, value, sect);
		return 1;
	}
	if (ps->sec == SEC_NODE && key_find(&settings_defaults_keys, name) >= 0)
		parse_error(ps, ps->line, "'%s' belongs in [defaults], not in %s", name, sect);
	else
		parse_error(ps, ps->line, "unknown key '%s' in %s", settings_echo(e, sizeof(e), name), sect);
	return 1;
}

static bool settings_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* inih's reader: hands over one line of the text per call, so that ps->line is
 * the line inih is on. Leading whitespace goes (no continuation lines: an
 * indented key is a key), " #" and " ;" start comments (removed here, for
 * section lines too), section headers are recorded here with their lines. */
static char *parse_reader(char *buf, int num, void *user)
{
	parse_t *ps = user;
	if (ps->err_line || ps->p >= ps->end || num < 2)
		return NULL;
	const char *a = ps->p;
	const char *nl = memchr(a, '\n', (size_t)(ps->end - a));
	const char *eol = nl ? nl : ps->end;
	ps->p = nl ? nl + 1 : ps->end;
	ps->line++;
	if (ps->line == 1 && eol - a >= 3 && memcmp(a, "\xEF\xBB\xBF", 3) == 0)
		a += 3;
	if (memchr(a, '\0', (size_t)(eol - a))) {
		parse_error(ps, ps->line, "NUL byte in the file");
		return NULL;
	}
	while (a < eol && settings_is_space(*a))
		a++;
	for (const char *q = a + 1; q < eol; q++) {
		if ((*q == '#' || *q == ';') && settings_is_space(q[-1])) {
			eol = q;
			break;
		}
	}
	while (eol > a && settings_is_space(eol[-1]))
		eol--;
	size_t len = (size_t)(eol - a);
	if (len > (size_t)num - 1) {
		parse_error(ps, ps->line, "line too long (more than %d characters)", num - 1);
		return NULL;
	}
	if (len > 0 && *a == '[') {
		const char *q = memchr(a, ']', len);
		if (!q) {
			parse_error(ps, ps->line, "syntax error");
			return NULL;
		}
		parse_section(ps, a + 1, (size_t)(q - a - 1));
		if (ps->err_line)
			return NULL;
	}
	memcpy(buf, a, len);
	buf[len] = '\0';
	return buf;
}

/* ------------------------------------------------------------------ after the file */

/* The HTTP settings of [kind NAME] (a node's, or a [notify]/[rpc] target's): a bearer token and an
 * Authorization header do not go together (the error at line); insecure = true is warned of. */
static void parse_finish_http(parse_t *ps, const char *kind, const char *name, const node_cfg_t *h, int line)
{
	if (h->bearer_token) {
		for (size_t j = 0; j < h->nheaders; j++) {
			if (settings_header_is(h->headers[j], "Authorization", 13)) {
				parse_error(ps, line, "[%s %s] has both a bearer token and an Authorization header", kind, name);
				return;
			}
		}
	}
	if (h->insecure)
		settings_warn(ps->s, xasprintf("%s %s: TLS verification disabled (insecure = true)", kind, name));
}

/* Node values not given take the [defaults] ones; then cross-key checks. */
static void parse_finish_node(parse_t *ps, size_t i)
{
	char a[32], b[32];
	settings_t *s = ps->s;
	const node_cfg_t *d = &s->defaults;
	node_cfg_t *n = &s->nodes[ps->first_node + i];
	const int *k = ps->nl[i].key;
	int sline = ps->nl[i].section;
	const key_table_t *t = &settings_node_keys;
	if (!key_line(t, k, "url")) {
		parse_error(ps, sline, "[node %s] has no url", n->name);
		return;
	}
	settings_node_inherit(n, d, k);

	/* the lines of the keys that the checks below name */
	int k_interval = key_line(t, k, "interval"), d_interval = key_line(t, ps->dline, "interval");
	int k_timeout = key_line(t, k, "timeout"), d_timeout = key_line(t, ps->dline, "timeout");
	int k_health = key_line(t, k, "health_interval"), d_health = key_line(t, ps->dline, "health_interval");
	int k_connect = key_line(t, k, "connect_timeout"), d_connect = key_line(t, ps->dline, "connect_timeout");

	/* timeouts: a built-in default is capped, a value given is an error */
	int tl = k_timeout ? k_timeout : k_interval ? k_interval : d_timeout ? d_timeout : d_interval;
	bool t_given = k_timeout || d_timeout;
	if (n->timeout_ms > n->interval_ms) {
		if (!t_given)
			n->timeout_ms = n->interval_ms;
		else {
			settings_format_duration(n->timeout_ms, a, sizeof(a));
			settings_format_duration(n->interval_ms, b, sizeof(b));
			parse_error(ps, tl, "timeout %s is longer than interval %s in [node %s]", a, b, n->name);
			return;
		}
	}
	/* health_interval: 0 is automatic; a value given may not be below the interval */
	if (n->health_interval_ms && n->health_interval_ms < n->interval_ms) {
		int hl = k_health ? k_health : k_interval ? k_interval : d_health ? d_health : sline;
		settings_format_duration(n->health_interval_ms, a, sizeof(a));
		settings_format_duration(n->interval_ms, b, sizeof(b));
		parse_error(ps, hl, "health_interval %s is shorter than interval %s in [node %s]", a, b, n->name);
		return;
	}
	int cl = k_connect ? k_connect : k_timeout ? k_timeout : d_connect ? d_connect : tl;
	bool c_given = k_connect || d_connect;
	if (n->connect_timeout_ms > n->timeout_ms) {
		if (!c_given)
			n->connect_timeout_ms = n->timeout_ms;
		else {
			settings_format_duration(n->connect_timeout_ms, a, sizeof(a));
			settings_format_duration(n->timeout_ms, b, sizeof(b));
			parse_error(ps, cl, "connect_timeout %s is longer than timeout %s in [node %s]", a, b,
			            n->name);
			return;
		}
	}
	parse_finish_http(ps, "node", n->name, n, sline);
}

static void parse_finish_charts(parse_t *ps)
{
	settings_t *s = ps->s;
	if (key_line(&settings_defaults_keys, ps->dkey, "charts")) {
		chart_set_free(&s->charts);
		s->charts = ps->sel;
		memset(&ps->sel, 0, sizeof ps->sel);
	}
	for (size_t i = 0; i < ps->ncharts && !ps->err_line; i++) {
		chart_sec_t *c = &ps->charts[i];
		if (!c->def.metric) {
			parse_error(ps, c->section, "[chart %s] has no metric", c->def.id);
			return;
		}
		for (size_t j = 0; j < s->charts.n; j++) {
			if (strcmp(s->charts.defs[j].id, c->def.id) == 0) {
				parse_error(ps, c->section, "chart '%s' is already defined (a built-in); "
				            "choose another id", c->def.id);
				return;
			}
		}
		if (!c->def.title)
			c->def.title = xstrdup(c->def.id);
		chart_set_add(&s->charts, &c->def);
	}
}

/* Splits a command line into words: blanks separate, "..." and '...' group. */
static bool settings_split_command(const char *cmd, char ***argv, size_t *argc)
{
	size_t cap = 0, n = 0;
	char **v = NULL;
	const char *p = cmd;
	char *buf = xmalloc(strlen(cmd) + 1);
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		size_t o = 0;
		while (*p && *p != ' ' && *p != '\t') {
			if (*p == '"' || *p == '\'') {
				char q = *p++;
				while (*p && *p != q)
					buf[o++] = *p++;
				if (*p != q) {
					free(buf);
					settings_strv_free(v, n);
					return false;
				}
				p++;
			} else {
				buf[o++] = *p++;
			}
		}
		v = xgrow(v, &cap, n + 2, sizeof *v);
		v[n++] = xstrndup(buf, o);
		v[n] = NULL;
	}
	free(buf);
	*argv = v;
	*argc = n;
	return n > 0;
}

/* [notify NAME]: a command or a webhook; known rule names in rules = ... */
static void parse_finish_notify(parse_t *ps, size_t i)
{
	settings_t *s = ps->s;
	notify_cfg_t *c = &s->notify[ps->first_notify + i];
	const notify_lines_t *l = &ps->ntl[i];
	const key_table_t *t = &settings_notify_keys;
	if (!c->command && !c->webhook) {
		parse_error(ps, l->section, "[notify %s] needs command = PATH ARGS... or webhook = URL", c->name);
		return;
	}
	if (c->command && !settings_split_command(c->command, &c->argv, &c->argc)) {
		parse_error(ps, key_line(t, l->key, "command"), "bad command in [notify %s] (empty, or a quote "
		            "without its end)", c->name);
		return;
	}
	for (size_t k = 0; k < c->nrules; k++) {
		if (rule_find(c->rules[k], strlen(c->rules[k])) < 0) {
			parse_error(ps, key_line(t, l->key, "rules"), "unknown rule '%s' in [notify %s] (rules: balance, "
			            "heads_stalled, unconfirmed_blocks, tx_age, gas_bump_limit, insufficient_funds, job_errors, "
			            "health_history, log_critical, log_errors, metric_missing)", c->rules[k], c->name);
			return;
		}
	}
	if (c->on == 0) {
		parse_error(ps, key_line(t, l->key, "on"), "[notify %s] is notified of nothing (on = ...)", c->name);
		return;
	}
	parse_finish_http(ps, "notify", c->name, &c->http, l->section);
}

/* [rpc NAME]: url and chain given, ws_url only beside an http(s) url, known nodes. */
static void parse_finish_rpc(parse_t *ps, size_t i)
{
	settings_t *s = ps->s;
	rpc_cfg_t *c = &s->rpc[ps->first_rpc + i];
	const notify_lines_t *l = &ps->rl[i];
	const key_table_t *t = &settings_rpc_keys;
	if (!c->url) {
		parse_error(ps, l->section, "[rpc %s] has no url (http://, https://, ws:// or wss://)", c->name);
		return;
	}
	if (!c->chain) {
		parse_error(ps, l->section, "[rpc %s] has no chain (the chain id it must serve, e.g. chain = 1)", c->name);
		return;
	}
	if (c->ws_url && strncasecmp(c->url, "ws", 2) == 0) {
		parse_error(ps, key_line(t, l->key, "ws_url"), "[rpc %s]: ws_url goes beside an http(s) url, "
		            "and url is already a WebSocket", c->name);
		return;
	}
	if (c->ws_url && strncasecmp(c->ws_url, "ws", 2) != 0) {
		parse_error(ps, key_line(t, l->key, "ws_url"), "[rpc %s]: ws_url must start with ws:// or wss://", c->name);
		return;
	}
	if (c->timeout_ms > c->interval_ms && key_line(t, l->key, "timeout")) {
		parse_error(ps, key_line(t, l->key, "timeout"), "[rpc %s]: timeout is longer than interval", c->name);
		return;
	}
	if (c->timeout_ms > c->interval_ms)
		c->timeout_ms = c->interval_ms;
	if (!key_line(t, l->key, "head_stall"))
		c->head_stall_ms = s->head_stall_ms;
	for (size_t k = 0; k < c->nnodes; k++) {
		bool found = false;
		for (size_t j = 0; j < s->nnodes && !found; j++)
			found = strcmp(s->nodes[j].name, c->nodes[k]) == 0;
		if (!found) {
			parse_error(ps, key_line(t, l->key, "nodes"), "[rpc %s]: no [node %s]", c->name, c->nodes[k]);
			return;
		}
	}
	parse_finish_http(ps, "rpc", c->name, &c->http, l->section);
}

/* [source NAME] (issue 17): type and url given, defaults filled in; every
 * node's source = NAME names a [source]. */
static void parse_finish_source(parse_t *ps, size_t i)
{
	settings_t *s = ps->s;
	source_cfg_t *c = &s->sources[ps->first_source + i];
	const notify_lines_t *l = &ps->sl[i];
	const key_table_t *t = &settings_source_keys;
	if (!c->type) {
		parse_error(ps, l->section, "[source %s] has no type (type = prometheus)", c->name);
		return;
	}
	if (!c->url) {
		parse_error(ps, l->section, "[source %s] has no url (e.g. http://prometheus:9090, "
		            "or with a path prefix such as https://mimir/prometheus)", c->name);
		return;
	}
	/* a timeout longer than the interval is allowed: a round still running skips the next
	 * ones (a fleet's answers can take longer than its pace) */
	if (c->timeout_ms > SRC_TIMEOUT_MAX_MS && key_line(t, l->key, "timeout")) {
		parse_error(ps, key_line(t, l->key, "timeout"), "[source %s]: timeout is longer than 10 minutes", c->name);
		return;
	}
	if (!key_line(t, l->key, "timeout") && c->timeout_ms > c->interval_ms)
		c->timeout_ms = c->interval_ms;   /* the default, 4 s, within a shorter interval */
	if (!c->selector)
		c->selector = xstrdup("{job=\"chainlink_node\"}");
	if (!c->name_label)
		c->name_label = xstrdup("instance");
	if (c->http.bearer_token) {
		for (size_t j = 0; j < c->http.nheaders; j++) {
			if (settings_header_is(c->http.headers[j], "Authorization", 13)) {
				parse_error(ps, l->section, "[source %s] has both a bearer token and an Authorization header",
				            c->name);
				return;
			}
		}
	}
	if (c->http.insecure)
		settings_warn(s, xasprintf("source %s: TLS verification disabled (insecure = true)", c->name));
}

static void parse_finish_source_refs(parse_t *ps)
{
	settings_t *s = ps->s;
	for (size_t i = ps->first_node; i < s->nnodes; i++) {
		const node_cfg_t *n = &s->nodes[i];
		if (!n->source)
			continue;
		bool found = false;
		for (size_t j = 0; j < s->nsources && !found; j++)
			found = strcmp(s->sources[j].name, n->source) == 0;
		if (!found) {
			parse_error(ps, key_line(&settings_node_keys, ps->nl[i - ps->first_node].key, "source"),
			            "[node %s]: no [source %s]", n->name, n->source);
			return;
		}
	}
}

/* [database NAME]: the timeout within the interval; nodes = ... name nodes or
 * groups; every node's database = NAME names a [database]. */
static void parse_finish_db(parse_t *ps, size_t i)
{
	char a[32], b[32];
	settings_t *s = ps->s;
	db_cfg_t *d = &s->dbs[ps->first_db + i];
	const int *k = ps->dbl[i].key;
	const key_table_t *t = &settings_db_keys;
	if (d->timeout_ms > d->interval_ms) {
		int tl = key_line(t, k, "timeout");
		if (!tl) {
			d->timeout_ms = d->interval_ms;
		} else {
			settings_format_duration(d->timeout_ms, a, sizeof(a));
			settings_format_duration(d->interval_ms, b, sizeof(b));
			parse_error(ps, tl, "timeout %s is longer than interval %s in [database %s]", a, b, d->name);
			return;
		}
	}
	for (size_t j = 0; j < d->nnodes; j++) {
		bool found = false;
		for (size_t n = 0; n < s->nnodes && !found; n++)
			found = strcmp(s->nodes[n].name, d->nodes[j]) == 0 ||
			        (s->nodes[n].group && strcmp(s->nodes[n].group, d->nodes[j]) == 0);
		if (!found) {
			parse_error(ps, key_line(t, k, "nodes"), "unknown node or group '%s' in [database %s]", d->nodes[j],
			            d->name);
			return;
		}
	}
}

static void parse_finish_db_refs(parse_t *ps)
{
	settings_t *s = ps->s;
	for (size_t i = ps->first_node; i < s->nnodes; i++) {
		const node_cfg_t *n = &s->nodes[i];
		bool found = !n->database;
		for (size_t j = 0; j < s->ndbs && !found; j++)
			found = strcmp(s->dbs[j].name, n->database) == 0;
		if (!found) {
			int line = key_line(&settings_node_keys, ps->nl[i - ps->first_node].key, "database");
			parse_error(ps, line ? line : key_line(&settings_node_keys, ps->dline, "database"),
			            "unknown database '%s' for [node %s] (no [database %s] section)", n->database, n->name,
			            n->database);
			return;
		}
	}
}

bool settings_db_ties(const db_cfg_t *d, const node_cfg_t *n)
{
	if (n->database && strcmp(n->database, d->name) == 0)
		return true;
	for (size_t j = 0; j < d->nnodes; j++)
		if (strcmp(d->nodes[j], n->name) == 0 || (n->group && strcmp(d->nodes[j], n->group) == 0))
			return true;
	return false;
}

/* [alerts] and per-node thresholds: the critical level is past the warning one. */
static void parse_check_levels(parse_t *ps, const rules_cfg_t *c, int line, const char *where)
{
	for (int r = 0; r < RULE__COUNT; r++) {
		const rule_info_t *ri = rule_info((rule_id_t)r);
		double w = c->r[r].warn, k = c->r[r].crit;
		if (isnan(w) || isnan(k) || (ri->below ? k <= w : k >= w))
			continue;
		parse_error(ps, line, "%s_crit %g is %s %s_warn %g in %s (the critical level must be %s)", ri->name, k,
		            ri->below ? "above" : "below", ri->name, w, where, ri->below ? "lower" : "higher");
		return;
	}
}

static int settings_parse(settings_t *s, const char *name, const char *dir, const char *text,
                          size_t len, char *err, size_t errlen)
{
	parse_t ps;
	memset(&ps, 0, sizeof ps);
	ps.s = s;
	ps.name = name;
	ps.base_dir = dir ? xstrdup(dir) : NULL;
	ps.p = text;
	ps.end = text + len;
	ps.err = err;
	ps.errlen = errlen;
	ps.first_node = s->nnodes;
	ps.first_notify = s->nnotify;
	ps.first_rpc = s->nrpc;
	ps.first_db = s->ndbs;
	ps.first_source = s->nsources;

	int r = ini_parse_stream(parse_reader, &ps, parse_handler, &ps);
	if (r > 0 && (!ps.err_line || r < ps.err_line)) {
		/* inih found a line it could not read before our first complaint */
		ps.err_line = 0;
		parse_error(&ps, r, "syntax error");
	} else if (r < 0 && !ps.err_line) {
		parse_error(&ps, 0, "cannot parse (%s)", r == -2 ? "out of memory" : "read error");
	}
	for (size_t i = 0; !ps.err_line && i < s->nnodes - ps.first_node; i++)
		parse_finish_node(&ps, i);
	if (!ps.err_line)
		parse_finish_charts(&ps);
	for (size_t i = 0; !ps.err_line && i < s->nnotify - ps.first_notify; i++)
		parse_finish_notify(&ps, i);
	for (size_t i = 0; !ps.err_line && i < s->nrpc - ps.first_rpc; i++)
		parse_finish_rpc(&ps, i);
	for (size_t i = 0; !ps.err_line && i < s->ndbs - ps.first_db; i++)
		parse_finish_db(&ps, i);
	if (!ps.err_line)
		parse_finish_db_refs(&ps);
	for (size_t i = 0; !ps.err_line && i < s->nsources - ps.first_source; i++)
		parse_finish_source(&ps, i);
	if (!ps.err_line)
		parse_finish_source_refs(&ps);
	if (!ps.err_line && ps.alerts_section)
		parse_check_levels(&ps, &s->alerts, ps.alerts_section, "[alerts]");
	for (size_t i = 0; !ps.err_line && i < s->nnodes - ps.first_node; i++) {
		rules_cfg_t rc;
		settings_node_rules(s, &s->nodes[ps.first_node + i], &rc);
		char where[SETTINGS_NAME_MAX + 16];
		snprintf(where, sizeof where, "[node %s]", s->nodes[ps.first_node + i].name);
		parse_check_levels(&ps, &rc, ps.nl[i].section, where);
	}

	for (size_t i = 0; i < ps.ncharts; i++)
		chart_def_free(&ps.charts[i].def);
	free(ps.charts);
	chart_set_free(&ps.sel);
	free(ps.nl);
	free(ps.ntl);
	free(ps.rl);
	free(ps.dbl);
	free(ps.sl);
	free(ps.base_dir);
	if (ps.err_line) {
		settings_free(s);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ public: loading */

int settings_load_string(settings_t *s, const char *name, const char *text, char *err, size_t errlen)
{
	if (!name)
		name = "config";
	if (!text)
		text = "";
	return settings_parse(s, name, NULL, text, strlen(text), err, errlen);
}

int settings_load_file(settings_t *s, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		settings_set_err(err, errlen, "cannot read %s: %s", path, strerror(errno));
		settings_free(s);
		return -1;
	}
	size_t cap = 8192, len = 0;
	char *buf = xmalloc(cap + 1);
	for (;;) {
		size_t r = fread(buf + len, 1, cap - len, f);
		len += r;
		if (r == 0 || len > SETTINGS_FILE_MAX)
			break;
		if (len == cap) {
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
	}
	int rerr = ferror(f) ? errno : 0;
	fclose(f);
	if (rerr || len > SETTINGS_FILE_MAX) {
		if (rerr)
			settings_set_err(err, errlen, "cannot read %s: %s", path, strerror(rerr));
		else
			settings_set_err(err, errlen, "%s: too large for a config file (over %d KB)", path,
			                 SETTINGS_FILE_MAX / 1024);
		free(buf);
		settings_free(s);
		return -1;
	}
	buf[len] = '\0';
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : NULL;
	free(s->path);
	s->path = xstrdup(path);
	int rc = settings_parse(s, path, dir, buf, len, err, errlen);
	free(dir);
	free(buf);
	return rc;
}

int settings_add_url(settings_t *s, const char *url, char *err, size_t errlen)
{
	if (!settings_url_valid(url, err, errlen))
		return -1;
	node_cfg_t n;
	memset(&n, 0, sizeof n);
	settings_node_inherit(&n, &s->defaults, NULL);
	n.url = settings_url_normalize(url);
	char *base = settings_url_name(n.url);
	n.name = xstrdup(base);
	for (unsigned i = 2; settings_find_node(s, n.name, NULL); i++) {
		free(n.name);
		n.name = xasprintf("%s#%u", base, i);
	}
	free(base);
	if (n.timeout_ms > n.interval_ms)
		n.timeout_ms = n.interval_ms;
	if (n.connect_timeout_ms > n.timeout_ms)
		n.connect_timeout_ms = n.timeout_ms;
	if (n.insecure)
		settings_warn(s, xasprintf("node %s: TLS verification disabled (insecure = true)", n.name));
	*settings_append_node(s) = n;
	return 0;
}

char *settings_default_path(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	if (xdg && xdg[0] == '/')      /* relative values are to be ignored (XDG spec) */
		return xasprintf("%s/nodetop/nodetop.conf", xdg);
	const char *home = getenv("HOME");
	if (!home || !*home) {
		struct passwd *pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : NULL;
	}
	if (!home || !*home)
		return NULL;
	return xasprintf("%s/.config/nodetop/nodetop.conf", home);
}
