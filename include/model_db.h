/* model_db.h - databases probed directly (issue 15): their last probe, their
 * own uptime, writer/reader flips and lease holder changes, and the judgement. */
#ifndef NODETOP_MODEL_DB_H
#define NODETOP_MODEL_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dbinfo.h"
#include "model.h"

typedef struct model_db {
	char *name;
	char **ties;                /* names of the nodes or groups it is tied to */
	size_t nties;
	int64_t interval_ms;
	db_probe_result_t last;     /* the newest probe (dbinfo_init'ed until the first) */
	unsigned long probes;       /* probes finished */
	int64_t last_ms;            /* when the newest finished; 0 = never */
	indicator_t ind;            /* the direct view: up or down, its uptime */
	db_role_t role_seen;        /* the last role known (for flips) */
	char holder_seen[40];       /* the last lease holder known, "" = none */
	bool lease_live;            /* the last lease seen was being refreshed */

	/* The lease holder tied to a node (node key db_client = [ADDR][|APPLICATION_NAME]
	 * matched against the sessions refreshing the lease), and whether it agrees
	 * with the active member of the failover group tied to the database. */
	struct model_db_client *clients;   /* every node's db_client */
	size_t nclients;
	char holder_node[64];       /* the node holding the live lease, "" when not tied */
	char holder_tie[256];       /* how: "primary" or why not ("not tied to a node: ...") */
	bool holder_foreign;        /* refreshed only by sessions that are no node's db_client */
	char conf_uuid[40];         /* a client_id tied to conf_node on two probes in a row (db_confirm) */
	char conf_node[64];
	char cand_uuid[40];         /* the newest probe's tie, seen cand_streak probes in a row */
	char cand_node[64];
	int cand_streak;
	int agrees;                 /* 1 agrees, 0 disagrees, -1 not judged (no tie, no active member) */
	char agree_text[256];       /* "held by standby while primary is active", "" when agreeing */
	int64_t disagree_since_ms;  /* 0 when agreeing or not judged */
	bool disagree;              /* disagreeing for longer than the grace: a problem */
	bool disagree_open;         /* a disagreement said was followed by a lease nodetop cannot judge:
	                               the agreement, once seen, is said */
	double loop_held_max_ms;    /* the longest any probe held the loop (loop_held_ms) */
	double apply_max_ms;        /* the longest the result's handling took (app_db.c's callback) */
} model_db_t;

typedef struct model_db_client {
	char *node;
	char *addr;                 /* client_addr to match, NULL = any */
	char *app;                  /* application_name to match, NULL = any */
} model_db_client_t;

/* How long a lease may disagree with the pair's active member before it is a
 * problem (a failover takes the lease and the first answers this long). */
#define MODEL_DB_LEASE_GRACE_MS 15000

/* The history key of a database's direct view (under the database's name):
 * stored and restored like the nodes' indicators (model_each_indicator). */
#define MODEL_DB_HIST_KEY "direct-db"

/* Adds a database tied to nodes or groups by name (ties copied). Returns its index. */
size_t model_db_add(model_t *m, const char *name, const char *const *ties, size_t nties, int64_t interval_ms);
/* Node node's db_client spec "[ADDR][|APPLICATION_NAME]" for database di's
 * lease: a session refreshing the lease with that client address and/or
 * application name is that node's. Returns false (nothing kept) for a spec
 * with neither part. */
bool model_db_add_client(model_t *m, size_t di, const char *node, const char *spec);
/* Drops every database (config reload, model_free). */
void model_db_clear(model_t *m);
/* Index of the database named name, or (size_t)-1. */
size_t model_db_find(const model_t *m, const char *name);
/* Database di is tied to node n (by the node's name or its group's). */
bool model_db_tied(const model_t *m, size_t di, const node_t *n);

/* A database tied to node n has been probed: its database indicator is
 * current even while the node gives no /health body (down, the standby). */
bool model_db_direct(const model_t *m, const node_t *n);

/* Feeds one probe's outcome of database di, finished at now_ms: its direct
 * state and uptime, "database failover" and lease events. The caller then
 * calls model_tick, which re-judges the database indicator of every node. */
void model_apply_db(model_t *m, size_t di, const db_probe_result_t *r, int64_t now_ms);

/* The judgement, called by the model for node n's database indicator: *st
 * and reason hold the node's own view (its db_conns_* gauges) and become the
 * combined one, which says which saw what:
 *  - no database tied or probed yet: the node's view, unchanged;
 *  - every tied database down by the direct probe: down, even while the node
 *    is down, stale or the standby; some of them: degraded at least;
 *  - probed up but the node's pool empty (down) or exhausted (degraded): that
 *    state, "node cannot use the database: ...";
 *  - probed up, the node's view up or unknown: up. */
void model_db_judge(model_t *m, node_t *n, state_t *st, char *reason, size_t rsize);

#endif
