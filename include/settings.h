/* settings.h - nodetop's configuration: the INI file (inih) with [defaults], [node NAME],
 * [chart ID], [alerts], [notify NAME] and [database NAME] sections, and nodes given as URLs. */
#ifndef NODETOP_SETTINGS_H
#define NODETOP_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "charts.h"
#include "rules.h"

typedef struct node_cfg {
	char *name;
	char *url;                 /* base URL: scheme://host[:port][/prefix], no trailing slash */
	char *group;               /* failover group or NULL */
	int64_t interval_ms;       /* default 5000 */
	int64_t timeout_ms;        /* whole request, default 4000 (capped below interval) */
	int64_t health_interval_ms;/* /health of a healthy node; 0 = automatic (see poller.h) */
	int64_t connect_timeout_ms;/* default 2000 */
	size_t health_max_bytes;   /* default 1 MB */
	size_t metrics_max_bytes;  /* default 16 MB */
	bool metrics;              /* poll /metrics, default true */
	char *bearer_token_file;   /* path; the token itself is read at load time */
	char *bearer_token_env;    /* name of an environment variable holding the token */
	char *bearer_token;        /* secret: never printed */
	char **headers;            /* "Name: value" (values are secrets: never printed) */
	size_t nheaders;
	char *ca_file, *cert_file, *key_file;
	bool insecure;             /* skip TLS verification: warned about on every start */
	int64_t failover_grace_ms; /* its group's failover may take this long (0 = 60 s default) */
	unsigned standby_answers;  /* besides refused, what a standby answers: bit 1 = 502, 2 = 503 */
	rules_cfg_t alerts;        /* per-node rule thresholds (warn_given / crit_given set) */
	char *database;            /* database = NAME: a [database NAME] probed for this node, or NULL */
	char *source;              /* source = NAME: a [source NAME] that also reports this node (issue 17), or NULL */
	char *db_client;           /* db_client = [ADDR][|APPLICATION_NAME]: its sessions in the database (the lease holder's tie) */
} node_cfg_t;

/* [database NAME]: a PostgreSQL probed directly (issue 15). Strings NULL:
 * libpq's default (the PG* environment, ~/.pgpass, the unix socket). */
typedef struct db_cfg {
	char *name;
	char *host, *dbname, *user;
	size_t port;               /* 0: libpq's default ($PGPORT, 5432) */
	char *password_file;       /* path; read by the probe, never kept here */
	char *sslmode;             /* disable|allow|prefer|require|verify-ca|verify-full */
	char *sslrootcert;         /* path */
	int64_t interval_ms;       /* default 10 s */
	int64_t timeout_ms;        /* the whole probe, default 5 s (capped at the interval) */
	int64_t lease_duration_ms; /* Chainlink's Database.Lock.LeaseDuration, default 10 s (the lease holder's tie) */
	char **nodes;              /* nodes = a, b: nodes or groups tied to it (node key database = NAME too) */
	size_t nnodes;
} db_cfg_t;

/* What a [notify NAME] section is notified of (the on = ... list). */
enum notify_on {
	NOTIFY_ON_CRITICAL = 1 << 0,   /* a rule firing critical */
	NOTIFY_ON_WARNING = 1 << 1,    /* a rule firing warning */
	NOTIFY_ON_RESOLVED = 1 << 2,   /* a rule resolved */
	NOTIFY_ON_NODE = 1 << 3,       /* a node's state changed */
	NOTIFY_ON_FAILOVER = 1 << 4,   /* a failover group's active member changed */
};

typedef enum notify_format { NOTIFY_FORMAT_JSON = 0, NOTIFY_FORMAT_SLACK } notify_format_t;

/* [notify NAME]: a command run or a webhook POSTed for each matching event. */
typedef struct notify_cfg {
	char *name;
	char *command;             /* "PATH ARGS...", split into argv (quotes "..." and '...' group) */
	char **argv;               /* NULL-terminated */
	size_t argc;
	char *webhook;             /* http(s) URL */
	notify_format_t format;    /* json (default) or slack ({"text": ...}, also Mattermost) */
	unsigned on;               /* NOTIFY_ON_*; default critical, warning, resolved */
	char **nodes, **rules;     /* filters (empty: all) */
	size_t nnodes, nrules;
	int64_t repeat_ms;         /* a rule still firing is sent again after this; 0 = never */
	int64_t timeout_ms;        /* a command or request running longer is stopped (default 10 s) */
	size_t retries;            /* failed deliveries tried again, with back-off (default 3) */
	size_t queue_max;          /* pending deliveries kept; older ones dropped (default 64) */
	node_cfg_t http;           /* webhook: header, bearer_token_file/env, ca_file, insecure */
} notify_cfg_t;

/* [rpc NAME]: an Ethereum JSON-RPC endpoint probed directly (issue 16). Everything
 * after the host of url and ws_url is a secret (provider API keys): never printed. */
typedef struct rpc_cfg {
	char *name;
	char *url;                 /* http://, https://, ws:// or wss:// */
	char *ws_url;              /* ws:// or wss:// beside an http(s) url (Chainlink's WSURL); NULL when none */
	uint64_t chain;            /* the expected chain id (eth_chainId); required */
	int64_t interval_ms;       /* between HTTP batches, default 5 s */
	int64_t timeout_ms;        /* per batch and per WebSocket connect, default 5 s */
	int64_t head_stall_ms;     /* no new head this long: down (default [defaults] head_stall) */
	int64_t slow_ms;           /* a batch slower than this: degraded (default 2 s) */
	size_t lag_blocks;         /* behind the chain's best head by more: degraded (default 5) */
	char **nodes;              /* the nodes it serves (none given: every node) */
	size_t nnodes;
	node_cfg_t http;           /* header, bearer_token_file/env, ca_file, insecure */
} rpc_cfg_t;

/* [source NAME] (issue 17): a Prometheus-compatible query API (Prometheus, Thanos,
 * Mimir, VictoriaMetrics) that reports a fleet of nodes. The token and header
 * values in http are secrets: never printed. */
typedef enum source_type { SOURCE_PROMETHEUS = 1 } source_type_t;
#define SRC_TIMEOUT_MAX_MS 600000   /* a [source]'s timeout: at most 10 minutes */

typedef struct source_cfg {
	char *name;
	source_type_t type;        /* type = prometheus (required) */
	char *url;                 /* base URL with any path prefix (Mimir's /prometheus), no trailing slash */
	char *selector;            /* label matchers "{...}", default {job="chainlink_node"} */
	char *name_label;          /* the label naming a node, default instance */
	char *group_label;         /* a label naming failover pairs, or NULL */
	int64_t interval_ms;       /* between rounds of queries, default 5 s */
	int64_t timeout_ms;        /* per query, default 4 s (the interval when shorter), at most 10 min */
	int64_t scrape_interval_ms;/* the source's own scrape interval: samples older than two are stale (default 15 s) */
	int64_t lag_ms;            /* how late samples show in its answers, added to that bound (VictoriaMetrics'
	                              -search.latencyOffset, 30 s by default there); default 0 */
	size_t max_bytes;          /* an answer larger than this is refused, default 64 MB */
	node_cfg_t http;           /* header, bearer_token_file/env, ca_file, cert_file, key_file, insecure */
} source_cfg_t;

typedef struct settings {
	char *path;                /* config file read, or NULL */
	node_cfg_t defaults;
	node_cfg_t *nodes;
	size_t nnodes, nodes_cap;
	chart_set_t charts;        /* what to chart; defaults unless [defaults] charts= or [chart] sections */
	int64_t head_stall_ms;     /* [defaults] head_stall = 180 (seconds) */
	bool kiosk;                /* [defaults] kiosk = true */
	int64_t kiosk_page_ms;     /* [defaults] kiosk_page = 10 (seconds) */
	bool bell, title;          /* [defaults] bell, title: alerts on transitions */
	rules_cfg_t alerts;        /* [alerts]: the rules' thresholds, for and window durations, on/off */
	notify_cfg_t *notify;      /* [notify NAME] sections */
	size_t nnotify, notify_cap;
	rpc_cfg_t *rpc;            /* [rpc NAME] sections (read at start only) */
	size_t nrpc, rpc_cap;
	db_cfg_t *dbs;             /* [database NAME] sections */
	size_t ndbs, dbs_cap;
	source_cfg_t *sources;     /* [source NAME] sections (issue 17; read at start only) */
	size_t nsources, sources_cap;
	char *history;             /* [defaults] history = PATH: the history file, NULL = the default */
	bool history_off;          /* [defaults] history = off: keep nothing */
	char **warnings;           /* messages to print on start (insecure TLS, token file mode) */
	size_t nwarnings;
} settings_t;

void settings_init(settings_t *s);            /* built-in defaults, no nodes */
void settings_free(settings_t *s);
/* Reads an INI file. On error returns -1 and writes "FILE:LINE: problem" into err
 * (e.g. "nodetop.conf:7: unknown key 'intervall' in [node alpha]"). */
int settings_load_file(settings_t *s, const char *path, char *err, size_t errlen);
/* The same from a string; name stands for the file in messages (NULL: "config").
 * Both loaders: nodes are appended to those already in s; relative paths in the
 * file resolve against the file's directory (the current one for a string); on
 * error s is freed and zeroed (settings_free on it again is harmless). */
int settings_load_string(settings_t *s, const char *name, const char *text, char *err, size_t errlen);
/* Adds a node from a URL given on the command line (name = host:port, a second
 * one "host:port#2"), with the [defaults] values; timeouts are capped at the
 * interval. On error returns -1, writes the problem into err, leaves s as it was. */
int settings_add_url(settings_t *s, const char *url, char *err, size_t errlen);
/* True when [database] d is tied to node n: named in its nodes (by node or
 * group name), or the node's database key names it. */
bool settings_db_ties(const db_cfg_t *d, const node_cfg_t *n);
/* The rules as they apply to node n: [alerts] with n's own thresholds on top. */
void settings_node_rules(const settings_t *s, const node_cfg_t *n, rules_cfg_t *out);
/* The default config path: $XDG_CONFIG_HOME/nodetop/nodetop.conf or ~/.config/...; heap string
 * (NULL only when neither XDG_CONFIG_HOME nor a home directory is known). */
char *settings_default_path(void);
/* Checks a URL: scheme http or https, a host. */
bool settings_url_valid(const char *url, char *err, size_t errlen);
/* The URL's host is this machine's loopback: localhost, 127.0.0.0/8 or [::1]. */
bool settings_url_loopback(const char *url);
/* Parses "5", "5s", "500ms", "2m" into milliseconds; false when bad. Also "1h",
 * "1m30s", "0.5s"; a bare number is seconds. */
bool settings_parse_duration(const char *v, int64_t *ms);
/* Writes ms the way the parser reads it back: "500ms", "5s", "2m", "1m30s", "1h". */
void settings_format_duration(int64_t ms, char *buf, size_t len);
/* Parses "1048576", "1M", "16MB", "512k" into bytes; false when bad. Units are
 * binary (k = 1024) and case-insensitive: k, M, G, optionally followed by "B" or "iB". */
bool settings_parse_size(const char *v, size_t *bytes);

#endif
