/* probe.h - the outcome of one HTTP request to a node, as plain data, so that
 * the model can be fed and tested without libcurl (the poller fills it). */
#ifndef NODETOP_PROBE_H
#define NODETOP_PROBE_H

#include <stddef.h>
#include <stdint.h>

typedef enum probe_kind {
	PROBE_HEALTH = 0,     /* GET /health */
	PROBE_METRICS,        /* GET /metrics */
	PROBE_DISCOVERY,      /* GET /discovery (plugin mode) */
	PROBE_PLUGIN_METRICS, /* GET /plugins/<x>/metrics */
	PROBE__COUNT
} probe_kind_t;

typedef struct probe_result {
	size_t node;               /* index in the model */
	probe_kind_t kind;
	const char *path;          /* request path (e.g. "/plugins/evm.1/metrics") */
	int ok;                    /* 1 = a complete HTTP response arrived (any status) */
	long http_status;          /* 0 when none */
	const char *content_type;  /* may be NULL */
	const char *body;          /* NUL-terminated copy of the body (may be "" ) */
	size_t len;
	const char *error;         /* when !ok: a specific text, e.g. "connection refused",
	                              "timed out after 5000 ms (312 bytes received)",
	                              "body larger than 1048576 bytes", "TLS: certificate has expired" */
	int64_t scheduled_ms;      /* when the poll was due */
	int64_t started_ms;        /* when the request started */
	int64_t done_ms;           /* when it finished */
	double latency_ms;         /* total time */
} probe_result_t;

#endif
