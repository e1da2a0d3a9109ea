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

/* Why a request got no HTTP answer: the model tells a standby (its port
 * refuses connections while it waits for the database lease) from a node that
 * misbehaves (times out, resets, sends garbage). */
typedef enum probe_error {
	PROBE_ERR_NONE = 0,   /* an HTTP answer arrived (ok = 1) */
	PROBE_ERR_REFUSED,    /* connection refused: nothing listens on the port */
	PROBE_ERR_TIMEOUT,    /* connect or transfer timed out */
	PROBE_ERR_TLS,        /* TLS handshake or verification failed */
	PROBE_ERR_DNS,        /* the host name did not resolve */
	PROBE_ERR_RESET,      /* connection reset or closed without an answer */
	PROBE_ERR_TOO_BIG,    /* the body passed the size limit */
	PROBE_ERR_OTHER
} probe_error_t;

struct prom_sample;

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
	probe_error_t error_class; /* when !ok: what kind of failure (PROBE_ERR_OTHER when unsure) */
	int64_t scheduled_ms;      /* when the poll was due */
	int64_t started_ms;        /* when the request started */
	int64_t done_ms;           /* when it finished */
	double latency_ms;         /* total time */
	double timeout_ms;         /* the limit it ran under (0 = not known): the model calls
	                              a node answering in >= 75 % of it slow */
	int auth_sent;             /* 1 = a token or header was sent (a 401 then means it was refused) */
	int same_body;             /* 1 = the 200 /health document of the last answer again, body
	                              not given (a [source] round in which nothing changed) */
	const struct prom_sample *samples;   /* /metrics as samples already (a [source] round: the
	                              query API's answers, never text): used instead of body when
	                              not NULL; nsamples of them (parse_prom.h) */
	size_t nsamples;
} probe_result_t;

#endif
