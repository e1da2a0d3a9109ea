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
} model_db_t;

/* Adds a database tied to nodes or groups by name (ties copied). Returns its index. */
size_t model_db_add(model_t *m, const char *name, const char *const *ties, size_t nties, int64_t interval_ms);
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
