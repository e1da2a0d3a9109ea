/* report_rpc.h - the [rpc NAME] endpoints in the reports: a node's "rpc": {"direct": [...]}
 * in JSON, and one line per endpoint under the node's rpc line in --once text. */
#ifndef NODETOP_REPORT_RPC_H
#define NODETOP_REPORT_RPC_H

#include <stdbool.h>
#include <stdint.h>

#include <cJSON.h>

#include "model.h"
#include "strbuf.h"

/* Adds "direct": [...] (the endpoints serving node n; [] when none) to rpc. */
void report_rpc_json(cJSON *rpc, const model_t *m, const node_t *n, int64_t now_ms);
/* "    direct NAME (chain 1): UP, head 123, lag 0, 12 ms, anvil/1.0; ws subscribed, head 0.4 s ago\n" per endpoint. */
void report_rpc_text(strbuf_t *sb, const model_t *m, const node_t *n, int64_t now_ms, const char *indent, bool utf8);

#endif
