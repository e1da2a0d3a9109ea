/* report_source.h - the [source NAME]s in the --once reports (issue 17): each source's
 * state in JSON, and for each node where its parts came from (direct polls or a source). */
#ifndef NODETOP_REPORT_SOURCE_H
#define NODETOP_REPORT_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "model.h"
#include "strbuf.h"

/* "sources": [{"name", "type", "url" (userinfo masked), "state" ("up": its last round
 * answered; "down": it could not be read; "unknown": no round yet), "age_ms" (since the
 * last answered round, null: none), "queries_per_round", "nodes" (series of up in the
 * last answered round), "error" (why it cannot be read, or the last round's warning;
 * null: none)}] */
cJSON *report_source_json(const model_t *m, int64_t now_ms);

/* Adds "from": {"state", "checks", "history"} to node idx's JSON object o: "direct"
 * or "source NAME" for each ("history": "local" when nodetop's own). */
void report_source_node_json(cJSON *o, const model_t *m, size_t idx);

/* Text: for a node that a source feeds, one line "  from:     ..." saying where its
 * state, checks and history came from; nothing for a node only polled directly. */
void report_source_node_text(strbuf_t *sb, const model_t *m, size_t idx);

/* Text: one line per source, "source fleet (prometheus): up, 1s old, 16 queries a round,
 * 5 nodes" (with " - warning"), or "source fleet (prometheus): DOWN - why". */
void report_source_text(strbuf_t *sb, const model_t *m, int64_t now_ms);

#endif
