/* events.h - the event timeline: every state change of a node, a check, a
 * database or RPC indicator, or the config, kept in a bounded ring. */
#ifndef NODETOP_EVENTS_H
#define NODETOP_EVENTS_H

#include <stddef.h>
#include <stdint.h>
#include "state.h"

typedef enum event_kind {
	EVENT_NODE = 0,   /* node state (the NODE indicator) */
	EVENT_DB,         /* database indicator */
	EVENT_RPC,        /* RPC indicator; subject = chain id, "" for the overall one */
	EVENT_CHECK,      /* a /health check; subject = check name; states: UP = passing, DOWN = failing, UNKNOWN */
	EVENT_RESTART,    /* process restart detected from uptime_seconds */
	EVENT_CONFIG,     /* config reloaded or rejected; node = "" */
	EVENT_ACK,        /* an operator acknowledged the node's problem; detail = note */
	EVENT_FAILOVER,   /* a group's active member changed: group, peer = from, node = to, gap_ms */
	EVENT_TWO_ACTIVE, /* two members of group active at once (to = degraded) or no longer (to = up) */
	EVENT_RULE,       /* an alert rule fired, changed level or resolved; subject = rule subject;
	                     to: DEGRADED warning, DOWN critical, UP resolved; rule/level/value/threshold */
	EVENT_NOTIFY,     /* a notification hook failed or said something; subject = hook name */
	EVENT_DB_FAILOVER,/* a database probed directly became the writer (to = UP) or a reader
	                     (to = STANDBY); subject = database, detail = the sentence */
	EVENT_DB_LEASE,   /* Chainlink's lease_lock changed holder or expired; subject = database */
	EVENT_GROUP,      /* a failover group's indicator changed: group; subject "" (the group
	                     itself), "db" or "rpc"; node = "" */
} event_kind_t;

typedef struct event {
	int64_t ts_ms;
	event_kind_t kind;
	state_t from, to;
	char node[64];
	char subject[160];    /* raw (untrusted) for checks; escape before display */
	char detail[256];     /* reason / error text / check output first line (untrusted) */
	char group[64];       /* failover and two-active events: the group */
	char peer[64];        /* failover: the member that was active before ("" when none) */
	int64_t gap_ms;       /* failover: how long no member was active */
	char rule[24];        /* EVENT_RULE: the rule's name */
	int level, from_level;/* EVENT_RULE: 0 resolved, 1 warning, 2 critical (now, before) */
	double value, threshold;  /* EVENT_RULE: NaN when none */
} event_t;

typedef struct eventlog {
	event_t *ev;
	size_t cap, head, len;
	uint64_t seq;                      /* total events ever added */
	void (*on_event)(void *ud, const event_t *e);   /* optional listener (--events mode) */
	void *ud;
} eventlog_t;

void eventlog_init(eventlog_t *log, size_t cap);
void eventlog_free(eventlog_t *log);
/* Copies e into the log and calls the listener. */
void eventlog_add(eventlog_t *log, const event_t *e);
/* i = 0 is the newest event. NULL when out of range. */
const event_t *eventlog_get(const eventlog_t *log, size_t i);
/* How long the state entered by the i-th newest event lasted: until the next
 * event with the same kind, node and subject, or until now_ms if none. */
int64_t eventlog_duration(const eventlog_t *log, size_t i, int64_t now_ms);
/* "node", "db", "rpc", "check", "restart", "config", "ack", "failover", "two-active", "rule", "notify",
 * "db-failover", "lease", "group" */
const char *event_kind_name(event_kind_t k);

#endif
