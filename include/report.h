/* report.h - the text forms of the model for people and scripts: the --once
 * report (text and JSON), --events lines, the incident summary and the tmux status line. */
#ifndef NODETOP_REPORT_H
#define NODETOP_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "strbuf.h"

/* Exit codes, monitoring-plugin convention. */
enum { REPORT_OK = 0, REPORT_WARNING = 1, REPORT_CRITICAL = 2, REPORT_UNKNOWN = 3 };

/* Maps the model to an exit code and "OK"/"WARNING"/"CRITICAL"/"UNKNOWN": no nodes -> UNKNOWN;
 * else the worst node and group indicator, DOWN -> CRITICAL, DEGRADED/STARTING -> WARNING, with
 * failover groups: a member down while its group is up -> WARNING, a member starting (standby
 * waiting for the lease) while its group is up -> OK; a group down -> CRITICAL. When nothing is
 * wrong but an ungrouped node (or a whole group) has no known state, or DB/RPC are unknown
 * because /metrics failed -> UNKNOWN. */
int report_status(const model_t *m);
const char *report_status_name(int code);

/* report_text and report_summary end their output with a newline; report_json,
 * report_status_line, report_event_line and report_event_json add none (one line
 * or one JSON document: the caller ends it). */

/* --once: a human-readable report of every node (state, error, version, failing
 * checks with output, database, RPC per chain), all untrusted text escaped. */
void report_text(strbuf_t *out, const model_t *m, int64_t now_ms);
/* --once --json: {"status", "rules": [{"name","severity","node","subject","value","threshold","since","detail"}],
 * "nodes": [{"name","url","group","state","error","version",
 * "checks":[{"name","status","output"}],"database":{"state",...},"rpc":{"state","chains":[...]}}]} */
void report_json(strbuf_t *out, const model_t *m, int64_t now_ms);
/* --events: one line per event, "2026-11-24T10:00:00Z rpc alpha up -> down: no RPC node Alive on chain 1"
 * (per chain: "rpc alpha chain 1 up -> down: ..."; checks: "check alpha NAME passing -> failing: ...").
 * Newlines in the detail are escaped; no trailing newline is added: the caller ends the line. */
void report_event_line(strbuf_t *out, const event_t *e);
/* --events --json: one JSON object {"time","ts_ms","kind","node","subject","from","to","detail"};
 * no trailing newline is added (the caller writes one per object). For checks from/to read
 * "passing"/"failing"/"unknown"; empty node/subject/detail are null. */
void report_event_json(strbuf_t *out, const event_t *e);
/* Incident summary (y key, --once --summary): nodes, failing checks with output,
 * indicator states and since-when, the last events. Plain text. */
void report_summary(strbuf_t *out, const model_t *m, int64_t now_ms, size_t max_events);
/* Nagios performance data of every node (report_perf.c), space-separated, no
 * newline: "alpha_latency=0.012s;;;0 alpha_failing_checks=1;;0.5;0;30
 * alpha_heads_per_min_chain_1=4;;;0 alpha_db_conns_open=8;;;0;20 ...".
 * Returns false (nothing written) when there is nothing to report. */
bool report_perfdata(strbuf_t *out, const model_t *m, int64_t now_ms);
/* --status-line: one short line for tmux status-right, e.g. "CL 3/4 up · rpc DOWN bravo 4m". */
void report_status_line(strbuf_t *out, const model_t *m, int64_t now_ms, bool utf8);


/* URL with its userinfo ("user:pass@") shown as "***@", as every output shows URLs. Caller frees. */
char *report_url_masked(const char *url);

#endif
