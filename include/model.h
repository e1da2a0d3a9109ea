/* model.h - what nodetop knows about every node: state, checks, versions, RPC
 * chains, database pool, charted series, indicators, uptime, groups, events. */
#ifndef NODETOP_MODEL_H
#define NODETOP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buckets.h"
#include "charts.h"
#include "events.h"
#include "parse_health.h"
#include "probe.h"
#include "ring.h"
#include "rules.h"
#include "state.h"
#include "uptime.h"

typedef enum indicator_id {
	IND_NODE = 0,
	IND_DB,
	IND_RPC,
	IND__COUNT
} indicator_id_t;

/* What the history glue (histwire.c) looked up for an indicator, its series in the store, kept
 * with it so that a large fleet's indicators are not looked up by name every round: opaque to
 * the model (epoch 0: not looked up). */
typedef struct model_hist_ref {
	int id;
	unsigned epoch;
} model_hist_ref_t;

typedef struct indicator {
	state_t state;
	int64_t since_ms;       /* when it entered this state (0 = never set) */
	bool since_seen;        /* nodetop saw it enter the state (the state before was known);
	                           false: it was already so when first seen, since_ms is a lower bound */
	char reason[192];       /* why, e.g. "db_conns_open = 0 (max 20)", "no RPC node Alive on chain 1" */
	uptime_t uptime;
	/* from the stored history (issue 14, model_hist.c): availability over 7 d and
	 * 30 d; long_known[w] false while nothing was seen in the window (JSON null) */
	double long_pct[2];
	bool long_known[2];
	/* history bars by hour, day and week (MODEL_BAR_*), newest last: the worst
	 * state of each, STATE_UNKNOWN where nothing was watched; long_bar_end[r]:
	 * the bucket index (hours, days, ISO weeks since 1970) of the newest cell */
	unsigned char long_bar[3][64];
	int64_t long_bar_end[3];
	bool long_bar_known;
	model_hist_ref_t hist;
} indicator_t;

typedef struct check {
	char *name;             /* untrusted bytes */
	check_status_t status;
	char *output;           /* untrusted bytes, may be multi-line */
	int64_t since_ms;       /* when it entered this status */
	bool since_seen;        /* seen changing into it (false: already so when first seen) */
} check_t;

typedef struct rpc_chain {
	char id[48];            /* chain id as labelled by the node, e.g. "1" */
	state_t state;
	char reason[160];
	int alive, total;       /* RPC nodes Alive / all states, from multi_node_states */
	bool have_states;
	double head;            /* head_tracker_current_head */
	bool have_head;
	int64_t head_changed_ms;/* when head last moved (or was first seen) */
	bool listener_failing;  /* a check ending in HeadTracker.HeadListener for this chain fails */
	bool seen;              /* seen in the current scrape (internal) */
	bool have_listener;     /* a HeadListener check exists for this chain (passing or not) */
	char source[64];        /* where its metrics come from: "" = /metrics, else the plugin path */
	model_hist_ref_t hist;  /* its indicator's series in the history store (as indicator_t's) */
} rpc_chain_t;

#define SERIES_RATE_WINDOW 64   /* recent scrapes kept for rates: 60 s even at 1 s polls */
#define SERIES_RATE_SPAN_MS 60000

typedef struct series {
	size_t def;             /* index in model.charts */
	char key[48];           /* value of the split label, "" when not split */
	ring_t ring;            /* charted values (rates already computed) */
	double raw_prev;        /* for rates: previous raw counter value */
	int64_t raw_prev_ms;
	bool have_prev;
	double adj;             /* for rates: counter with resets added back (monotonic) */
	/* Rates only (NULL for a gauge): recent (time, adj) pairs, the rate over up to 60 s or
	 * between the counter's own steps (model_metrics.c). win_cap of each in one allocation
	 * (win_v inside win_t's), growing up to SERIES_RATE_WINDOW while it holds under 120 s. */
	int64_t *win_t;
	double *win_v;
	unsigned char win_cap, win_n, win_head;
	int64_t step_period_ms;  /* a counter stepping slower than its scrapes: its period (0 = none seen) */
	int64_t last_step_ms;    /* when it last stepped */
	double acc;             /* sum during the current scrape (internal) */
	bool seen;              /* seen in the current scrape (internal) */
} series_t;

typedef struct node {
	char *name, *url, *group;        /* group may be NULL */
	int64_t interval_ms;

	state_t state;                   /* up, degraded, starting, down, unknown (not polled yet) */
	int64_t state_since_ms;
	bool state_since_seen;           /* nodetop saw the state begin (see indicator_t.since_seen) */
	double health_timeout_ms, metrics_timeout_ms;   /* the limits of the last requests (0 = unknown) */
	bool health_slow, metrics_slow;  /* the last one answered in >= MODEL_SLOW_FRACTION of its limit */
	int64_t first_round_ms;          /* when nodetop's first round (/health and /metrics, or two
	                                    /health) was complete: a DB/RPC change up to then was not
	                                    seen happen, only the first look (0 = not yet) */
	char error[256];                 /* last health error, "" when none (untrusted parts escaped later) */
	probe_error_t health_error;      /* why the last /health got no answer (PROBE_ERR_NONE when it did) */
	long http_status;                /* of the last /health */
	double health_latency_ms, metrics_latency_ms;
	int64_t last_health_ms;          /* when the last /health result (any) arrived; 0 = never */
	int64_t last_metrics_ms;
	int64_t last_ok_ms;              /* last /health that gave a parsed answer (or 204) */
	unsigned long polls, poll_errors;   /* /health answers (results or errors), failed ones */
	unsigned long metrics_polls;        /* /metrics answers (results or errors) */

	check_t *checks;                 /* sorted by name */
	size_t nchecks, checks_cap, nfailing;
	bool have_health;
	bool health_seen;                /* the last parsed 200/207 /health body is known by its length
	                                    and hash (internal: a node recomputes every 15 s, so most
	                                    polls repeat it, and a document is not parsed twice) */
	size_t health_len;
	uint64_t health_hash;

	char version[64], commit[64];    /* from version{version=,commit=}; "" when unknown */
	double proc_uptime_s;            /* uptime_seconds */
	bool have_proc_uptime;
	int64_t uptime_grew_ms;          /* the last scrape whose uptime_seconds was above the one
	                                    before (0 = none): the process serves */
	unsigned restarts;
	int64_t last_restart_ms;

	bool have_metrics;               /* last /metrics scrape succeeded */
	uint64_t metrics_health_sig;     /* health{service_id} of the last scrape (which checks fail) */
	char metrics_error[256];
	char plugin_error[256];          /* last failed plugin scrape, "PATH: error"; "" once PATH succeeds */
	size_t metrics_series;           /* samples in the last scrape */
	size_t metrics_bad_lines;        /* malformed lines in the last scrape (a series with more
	                                    than PROM_MAX_LABELS labels is one): its parse errors */
	char metrics_bad_first[96];      /* the first of them, "line 12: too many labels" ("" = none) */
	double db_max, db_open, db_used, db_wait;
	bool have_db;                    /* the db_conns_* gauges were present */
	double db_wait_prev;
	bool have_db_wait_prev;
	state_t db_node_view;            /* the database as the node's own gauges show it, before the
	                                    direct probes of model_db.c are added in (issue 15) */
	char db_node_reason[160];

	rpc_chain_t *chains;
	size_t nchains, chains_cap;
	series_t *series;
	size_t nseries, series_cap;

	indicator_t ind[IND__COUNT];

	bool acked;                      /* operator acknowledged the current problem */
	char ack_note[128];
	int64_t ack_ms;
	state_t ack_state;               /* node state when acknowledged; cleared when it changes */

	rules_cfg_t rules_cfg;           /* the alert rules as they apply to this node */
	rules_state_t *rules;            /* their state (pending, firing); evaluated on every /metrics */

	int64_t judge_due_ms;            /* model_tick judges it again at this time at the latest
	                                    (0: at the next tick; see model_node_touch) */
	uint64_t judged_epoch;           /* m->judge_epoch when last judged */
} node_t;

/* What counts as a standby's answer besides a refused connection (the lease
 * keeps the standby's web server closed): a load balancer's 502 or 503. */
#define GROUP_STANDBY_502 1u
#define GROUP_STANDBY_503 2u
#define GROUP_FAILOVER_GRACE_MS 60000
#define GROUP_FAILOVER_LOG 32            /* failover times kept per group */
#define GROUP_NONE ((size_t)-1)

typedef struct group {
	char *name;
	size_t *members;                 /* node indices */
	size_t nmembers;
	indicator_t ind[IND__COUNT];     /* node: its active member's state (down with none);
	                                    db, rpc: the active member's, else the best member's */
	int64_t failover_grace_ms;       /* a failover may take this long before it is critical */
	unsigned standby_answers;        /* GROUP_STANDBY_* bits */
	size_t active;                   /* node index of the active member, GROUP_NONE when none answers */
	int64_t active_since_ms;
	size_t last_active;              /* the member active before, GROUP_NONE when none ever was */
	int64_t lost_ms;                 /* failing over: when the active member last answered, else 0 */
	int64_t failover_ms[GROUP_FAILOVER_LOG];   /* newest failovers, a ring */
	size_t nfailover_log, failover_head;
	unsigned long failovers;         /* since nodetop started */
	int64_t two_since_ms;            /* two members serving since (0 = not now) */
	bool two_active;                 /* ... for longer than two intervals: the lease is not working */
} group_t;

typedef struct model {
	node_t *nodes;
	size_t nnodes, nodes_cap;
	group_t *groups;
	size_t ngroups;
	chart_set_t charts;
	eventlog_t events;
	int64_t head_stall_ms;           /* default 180000 */
	size_t ring_cap;                 /* samples per series, default 720 */
	uint64_t generation;             /* bumped on every visible change: redraw when it moved */
	int64_t now_ms;                  /* the newest time seen by model_apply or model_tick: the
	                                    judgements' "now" when they are given none (0) */
	rules_cfg_t rules_cfg;           /* alert rules of nodes added from now on (defaults) */
	struct model_rpc *rpc;           /* [rpc NAME] endpoints probed directly (model_rpc.h), or NULL */
	struct model_db *dbs;            /* databases probed directly (model_db.h, issue 15) */
	size_t ndbs;
	struct src_state *const *sources;/* [source NAME]s' state (model_source.h, issue 17; owned by the app), or NULL */
	size_t nsources;
	uint64_t judge_epoch;            /* bumped when what every node's judgement reads changed */
	size_t judge_shape[4];           /* groups, databases, RPC endpoints, head_stall_ms last seen */
	int64_t tick_ms;                 /* the last model_tick (0: none yet) */
} model_t;

void model_init(model_t *m, const chart_set_t *charts);   /* charts copied; NULL = defaults */
/* Charts hold fewer samples as the fleet grows (16 bytes a sample, about 8 series a
 * node): 720 up to 100 nodes, 240 up to MODEL_FLEET_LARGE, then 60. Rings made
 * before keep their length. */
#define MODEL_FLEET_LARGE 2000
void model_fit_rings(model_t *m, size_t fleet);
/* model_tick judges a node again when something it reads changed or a time its judgement
 * depends on came (it turns stale, a head is stuck for too long, a duration is on show),
 * and at least every MODEL_JUDGE_IDLE_MS (uptime accrues); model_apply judges at once.
 * Whoever changes a node's inputs outside model_apply calls model_node_touch. */
#define MODEL_JUDGE_IDLE_MS 60000
/* A node left alone accrues its uptime this often (the views count the time since
 * exactly), and at every tick after a gap, as a judgement would. */
#define MODEL_ACCRUE_MS 10000
void model_node_touch(model_t *m, size_t idx);
void model_free(model_t *m);
/* Adds a node; groups are created on first use. Returns its index. */
size_t model_add_node(model_t *m, const char *name, const char *url, const char *group, int64_t interval_ms);
/* Removes node idx (config reload); indices above it shift down by one. */
void model_remove_node(model_t *m, size_t idx);
/* Moves node from to index to (to < from), the nodes between one up: a reload puts a new
 * polled node before the nodes of the sources. Group members follow their nodes. */
void model_move_node(model_t *m, size_t from, size_t to);
/* Index of the node named name, or (size_t)-1. */
size_t model_find_node(const model_t *m, const char *name);
/* Index of the group of node n, or (size_t)-1 when it has none. */
size_t model_group_index(const model_t *m, const node_t *n);
/* Sets group name's failover grace (<= 0: the default) and GROUP_STANDBY_* bits. */
void model_group_options(model_t *m, const char *group, int64_t failover_grace_ms, unsigned standby_answers);
/* Whether group gi has two active members: 1 yes (for longer than two intervals),
 * 0 no, -1 not known (a member has answered fewer than three times: one poll, as
 * in --once, cannot show two uptime_seconds growing). */
int model_group_two_active(const model_t *m, size_t gi);
/* Failovers of group gi within the last window_ms (at most GROUP_FAILOVER_LOG). */
size_t model_group_failovers(const model_t *m, size_t gi, int64_t now_ms, int64_t window_ms);

/* What the poller should do next about the node a result was for. */
typedef struct model_next {
	bool health_answered;   /* a /health result: health_settled says how often to ask it */
	bool health_settled;    /* node_health_settled(): it may be asked less often */
	bool ask_health;        /* /metrics saw the set of failing checks change: ask /health now */
} model_next_t;

/* Feeds one request's outcome: HTTP status and body are interpreted here
 * (204 = starting, 200/207 = parse the body, others = down with "HTTP 503 ...").
 * Returns what the poller should do next (all false for an unknown node). */
model_next_t model_apply(model_t *m, const probe_result_t *r);
/* Time passes: head stalls, staleness, uptime accrual, group indicators. Call at least once a second. */
void model_tick(model_t *m, int64_t now_ms);

/* True when the node's newest data is older than 3 of its intervals. */
bool node_is_stale(const node_t *n, int64_t now_ms);
/* /health answered, parsed, every check passing: it may be asked less often. */
bool node_health_settled(const node_t *n);
/* When the node last answered (/health or /metrics, result or error); 0 = never. */
int64_t node_last_answer_ms(const node_t *n);
/* ------------------------------------------------------------ judgements
 * Every view (the dashboard, the kiosk, the report, the status line, --events)
 * asks these; none decides on its own. */

/* Severity, monitoring-plugin convention; the values are the exit codes. */
typedef enum severity {
	SEV_OK = 0,
	SEV_WARNING = 1,
	SEV_CRITICAL = 2,
	SEV_UNKNOWN = 3
} severity_t;

/* "OK", "WARNING", "CRITICAL", "UNKNOWN". */
const char *severity_name(severity_t s);

/* A node's role in its failover group. */
typedef enum role {
	ROLE_NONE = 0,       /* not in a group, or nothing known */
	ROLE_ACTIVE,         /* the member carrying the group */
	ROLE_STANDBY         /* waiting for the database lease: its normal state */
} role_t;

/* "active", "standby"; NULL for ROLE_NONE. */
const char *role_name(role_t r);

typedef struct attention {
	state_t state;          /* the state that counts: the NODE indicator's (unknown when stale) */
	severity_t severity;    /* what it weighs for the exit status */
	int rank;               /* for sorting, worst first (0 = fine); severity first, then
	                           node down > db/rpc down > degraded > starting > unknown */
	bool problem;           /* needs attention (dashboard, kiosk, summary, acknowledgement) */
	bool stale;             /* polled, but its newest data is older than 3 intervals */
	bool waiting;           /* a standby answering 204 while its group is up (normal) */
	indicator_id_t ind;     /* the indicator the reason is about */
	int64_t since_ms;       /* since when (the indicator's since, or the last answer when stale) */
	bool since_seen;        /* since_ms is when it began (false: only when nodetop first saw it) */
	role_t role;
	char reason[192];       /* short, raw (escape before display) */
} attention_t;

/* How much node idx needs attention. Rules (grouped = in a failover group):
 *  - a node indicator down: CRITICAL, but WARNING for a grouped member while its
 *    group's indicator is available (a peer carries the service, the failover is gone);
 *  - degraded or starting: WARNING, except a grouped member starting while its group is
 *    up (the standby waiting for the lease): OK, not a problem;
 *  - unknown node state (never polled, stale) or DB/RPC unknown because /metrics
 *    failed: UNKNOWN, a problem; DB/RPC unknown for want of series: OK. */
attention_t model_node_attention(const model_t *m, size_t idx, int64_t now_ms);   /* now 0: m->now_ms */

/* Group gi's indicator. Node: the state of its active member (the member that
 * answers; starting while it migrates), degraded while two members are active,
 * down when no member answers (unknown when nothing is known). DB/RPC: the
 * active member's, else the best member's. */
state_t model_group_state(const model_t *m, size_t gi, indicator_id_t ind);

/* How much group gi needs attention, for its node indicator: up OK; degraded
 * (or two active members) WARNING; starting WARNING; no member answering
 * CRITICAL - except while failing over (the active member lost less than
 * failover_grace ago), which is a WARNING until the grace runs out. role is
 * ROLE_NONE; reason e.g. "failing over: standby starting, 14s". */
attention_t model_group_attention(const model_t *m, size_t gi, int64_t now_ms);

typedef struct model_status {
	severity_t severity;    /* == exit code 0/1/2/3 */
	const char *name;       /* "OK", "WARNING", "CRITICAL", "UNKNOWN" */
	state_t overall;        /* the state matching it: UP, DEGRADED or STARTING, DOWN, UNKNOWN */
	size_t nodes, available;            /* available = up + degraded + starting */
	size_t up, degraded, starting, down, unknown, standby;   /* by the state that counts */
	size_t stale, problems;
} model_status_t;

/* The overall status: no nodes -> UNKNOWN; else the worst severity of every
 * ungrouped node and every grouped member (a member's unknown counts through
 * its group only) and of every group indicator (down CRITICAL, degraded or
 * starting WARNING, unknown UNKNOWN when nodetop tried: the node state, or
 * DB/RPC with a /metrics error). CRITICAL > WARNING > UNKNOWN > OK. */
model_status_t model_status(const model_t *m, int64_t now_ms);

/* Alerts on the terminal (bell, title), asked per event of the log: a
 * transition of a node, database or RPC indicator changes the status (the
 * title follows it); one getting worse from a known state into degraded or
 * down rings (nodetop's own start or blindness rings nothing). */
bool model_event_is_transition(const event_t *e);
bool model_event_rings(const event_t *e);

/* Thin wrappers kept for the screen until it asks model_status(): */
/* model_status(m, 0).overall (0: the model's own now_ms). */
state_t model_overall(const model_t *m);
/* model_status(m, 0).available: nodes whose NODE indicator is up, degraded or starting. */
size_t model_nodes_up(const model_t *m);
const char *indicator_name(indicator_id_t id);   /* "node", "db", "rpc" */
/* Alert rules of node idx (per-node thresholds applied on top of model.rules_cfg). */
void model_set_node_rules(model_t *m, size_t idx, const rules_cfg_t *cfg);
/* Marks the node's current problem acknowledged (adds an EVENT_ACK). */
void model_ack(model_t *m, size_t idx, const char *note, int64_t now_ms);

/* ------------------------------------------------------------ model_truth.c */

/* Nodes by what they are now, "up" meaning up: a node whose NODE indicator is
 * up but whose DB or RPC indicator is down or degraded, or with failing checks,
 * counts as degraded; a stale node as unknown; a standby waiting for the lease
 * (refused, or 204 while its peer serves) as standby. */
typedef struct model_counts {
	size_t nodes, up, degraded, starting, down, standby, unknown;
} model_counts_t;
model_counts_t model_counts(const model_t *m, int64_t now_ms);   /* now 0: m->now_ms */

/* True when what is known of node idx's checks, charts and DB/RPC indicators
 * is not current: the node is stale, or its last /health gave no body (refused,
 * timed out, an HTTP error, 204 starting, a standby). *seen_ms: until when it
 * was current (the last answer when stale, else when the node stopped giving a
 * body). Views show such data as "last seen at T", dimmed, never as live. */
bool model_node_unread(const model_t *m, size_t idx, int64_t now_ms, int64_t *seen_ms);

/* True when there are two nodes or more and not one answered its last /health:
 * every one refused, timed out or did not resolve. The likelier cause is then
 * this host's own network or DNS, not the nodes: views say so apart from the
 * nodes' own verdicts. */
bool model_none_reachable(const model_t *m, int64_t now_ms);

/* A node that answers in this share of its timeout or more is slow: one
 * hiccup more and its polls time out (issue 12 point 6). */
#define MODEL_SLOW_FRACTION 0.75
/* True when node idx's last answered /health or /metrics took at least
 * MODEL_SLOW_FRACTION of its timeout, and the node is not stale or unread
 * for another reason. *latency_ms and *timeout_ms (may be NULL): the slower
 * of the two answers and its limit. Not a state: a slow node keeps its state
 * and severity; views show it beside them ("slow"). */
bool model_node_slow(const model_t *m, size_t idx, int64_t now_ms, double *latency_ms, double *timeout_ms);
/* ------------------------------------------------------------ model_hist.c
 * What the stored history (issue 14) takes from and gives back to the model.
 * Every indicator has a name and a key: a node's "node", "db", "rpc" and
 * "rpc:<chain id>", a group's (under the group's name) "node", "db", "rpc". */

#define MODEL_LONG_7D 0
#define MODEL_LONG_30D 1
extern const int64_t model_long_window_ms[2];   /* 7 d, 30 d */

/* Calls cb for every indicator of every node, chain and group with the state
 * its uptime accrues now (a chain: its state); ind is NULL for a chain. */
typedef void (*model_indicator_cb)(void *ud, const char *name, const char *key, state_t st, indicator_t *ind,
                                   model_hist_ref_t *ref);
void model_each_indicator(model_t *m, model_indicator_cb cb, void *ud);
/* The indicator of name and key (a node's first, then a group's), NULL when none (chains too). */
indicator_t *model_find_indicator(model_t *m, const char *name, const char *key);
/* Time per state of n stored minutes from minute index first (buckets.h
 * layout: ms per hstate_t) into the indicator's uptime (the last 24 h). */
void model_restore_minutes(indicator_t *ind, int64_t first, int n, const bucket_t *b);
/* History bars: n buckets (hours, days or weeks: MODEL_BAR_*) ending with
 * bucket index end, as stored; the newest 64 are kept. */
#define MODEL_BAR_CELLS 64
#define MODEL_BAR_HOURS 0
#define MODEL_BAR_DAYS 1
#define MODEL_BAR_WEEKS 2
void model_set_long_bar(indicator_t *ind, int res, int64_t end, const bucket_t *b, int n);
/* A charted series' history key: "<chart id>" or "<chart id>:<split key>". */
void model_chart_key(const model_t *m, const series_t *s, char *buf, size_t n);
/* Appends a stored point to node idx's series of that key (made if missing;
 * false when the chart is not charted now or the node has too many series). */
bool model_restore_point(model_t *m, size_t idx, const char *chart_key, int64_t ts_ms, double v);
/* Backfill (issue 17): points ts/v[0..n) (oldest first) of node idx's series of chart def
 * and split key go before the oldest point it has (live or restored: those are kept),
 * the newest of them that fit. Returns how many were added. */
size_t model_backfill_points(model_t *m, size_t idx, size_t def, const char *key, const int64_t *ts, const double *v,
                             size_t n);

#endif
