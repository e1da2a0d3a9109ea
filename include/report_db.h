/* report_db.h - the databases probed directly in the --once reports (issue 15):
 * a node's "node_view" and "direct" in JSON, its direct lines in text. */
#ifndef NODETOP_REPORT_DB_H
#define NODETOP_REPORT_DB_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "model.h"
#include "strbuf.h"

/* Adds "node_view": {"state", "reason", "open", "used", "max", "wait_count"}
 * and "direct": [{"name", "state", "role", "latency_ms", "connections",
 * "max_connections", "lease": {"holder", "expires_in_ms"} | null, "error", ...}]
 * (dbinfo_to_json's fields, with the direct view's uptime) to node idx's
 * "database" object db. */
void report_db_node_json(cJSON *db, const model_t *m, size_t idx, int64_t now_ms);

/* "databases": every [database] probed, tied to nodes or not: the direct
 * entry's fields and "ties" (the node and group names it is tied to). */
cJSON *report_db_json(const model_t *m, int64_t now_ms);

/* Text: one line per database tied to node idx, each starting with indent:
 * "db-a: up, writer, 3/30 connections, 1.2 ms, lease 1111... (expires in 9s)". */
void report_db_node_text(strbuf_t *sb, const model_t *m, size_t idx, const char *indent);

#endif
