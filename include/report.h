/* report.h - the text forms of the model for people and scripts: the --once
 * report (text and JSON), --events lines, the incident summary and the tmux status line. */
#ifndef NODETOP_REPORT_H
#define NODETOP_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "model.h"
#include "strbuf.h"

/* Exit codes, monitoring-plugin convention. */
enum { REPORT_OK = 0, REPORT_WARNING = 1, REPORT_CRITICAL = 2, REPORT_UNKNOWN = 3 };

/* Maps model_overall() (and an empty model) to an exit code and "OK"/"WARNING"/"CRITICAL"/"UNKNOWN". */
int report_status(const model_t *m);
const char *report_status_name(int code);

/* --once: a human-readable report of every node (state, error, version, failing
 * checks with output, database, RPC per chain), all untrusted text escaped. */
void report_text(strbuf_t *out, const model_t *m, int64_t now_ms);
/* --once --json: {"status", "nodes": [{"name","url","group","state","error","version",
 * "checks":[{"name","status","output"}],"database":{"state",...},"rpc":{"state","chains":[...]}}]} */
void report_json(strbuf_t *out, const model_t *m, int64_t now_ms);
/* --events: one line per event, "2026-11-24T10:00:00Z rpc alpha up -> down: no RPC node Alive on chain 1" */
void report_event_line(strbuf_t *out, const event_t *e);
/* --events --json: one JSON object per line. */
void report_event_json(strbuf_t *out, const event_t *e);
/* Incident summary (y key, --once --summary): nodes, failing checks with output,
 * indicator states and since-when, the last events. Plain text. */
void report_summary(strbuf_t *out, const model_t *m, int64_t now_ms, size_t max_events);
/* --status-line: one short line for tmux status-right, e.g. "CL 3/4 up · rpc DOWN bravo 4m". */
void report_status_line(strbuf_t *out, const model_t *m, int64_t now_ms, bool utf8);

#endif
