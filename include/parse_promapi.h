/* parse_promapi.h - the Prometheus HTTP API's JSON (/api/v1/query, query_range,
 * targets) as served by Prometheus, Thanos, Mimir and VictoriaMetrics: bounded, pure. */
#ifndef NODETOP_PARSE_PROMAPI_H
#define NODETOP_PARSE_PROMAPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROMAPI_MAX_SERIES 200000   /* series kept from one answer; more: truncated */
#define PROMAPI_MAX_POINTS 20000    /* points kept per series (a day at 5 s is 17280) */
#define PROMAPI_MAX_LABELS 64       /* labels kept per series; more: the series is dropped */
#define PROMAPI_MAX_LABEL_LEN 1024  /* a longer label name or value: the series is dropped */

typedef enum promapi_type {
	PROMAPI_NONE = 0,
	PROMAPI_VECTOR,
	PROMAPI_MATRIX,
	PROMAPI_SCALAR,
	PROMAPI_STRING,
} promapi_type_t;

typedef struct promapi_label {
	const char *name, *value;  /* raw bytes from the server (untrusted; NUL-free), kept by the
	                              result they belong to (valid until it is freed) */
} promapi_label_t;

typedef struct promapi_series {
	promapi_label_t *labels;   /* as sent (no __name__ removal) */
	size_t nlabels;
	int64_t *ts_ms;            /* sample times, milliseconds since the epoch */
	double *v;                 /* values: "NaN", "+Inf", "-Inf" become NAN and +-INFINITY */
	size_t n;
} promapi_series_t;

typedef struct promapi_result {
	bool ok;                   /* status "success" and the data parsed */
	char error[256];           /* !ok: the server's error (made printable) or the parse problem */
	char error_type[48];       /* errorType ("bad_data", "timeout", ...), printable; "" when none */
	char warning[256];         /* the first warning (printable), "" when none */
	size_t nwarnings;
	bool partial;              /* Thanos/Mimir: isPartial, or series/points cut at the limits */
	promapi_type_t type;
	promapi_series_t *series;  /* vector, matrix; scalar and string: one series without labels */
	size_t nseries;
	char *string;              /* resultType string: its value (raw), else NULL */
	size_t dropped;            /* series dropped as malformed or over the limits */
	void *doc;                 /* the parsed document the labels point into (internal) */
} promapi_result_t;

/* Parses an /api/v1/query or query_range answer body[0..len) (need not be
 * NUL-terminated). Returns 0 when r->ok, -1 otherwise (r->error says why).
 * r is always initialised: free it with promapi_result_free. */
int promapi_parse(const char *body, size_t len, promapi_result_t *r);
void promapi_result_free(promapi_result_t *r);

/* Value of label name in s, or NULL. */
const char *promapi_label(const promapi_series_t *s, const char *name);

/* One scrape target of /api/v1/targets. */
typedef struct promapi_target {
	promapi_label_t *labels;   /* its labels after relabelling (job, instance, ...) */
	size_t nlabels;
	char health[16];           /* "up", "down", "unknown" (printable) */
	char last_error[256];      /* lastError, made printable; "" when none */
	char scrape_url[256];      /* printable */
} promapi_target_t;

typedef struct promapi_targets {
	bool ok;
	char error[256];
	promapi_target_t *t;
	size_t n;
	void *doc;                 /* internal, as in promapi_result_t */
} promapi_targets_t;

/* Parses an /api/v1/targets answer (activeTargets only). Same contract as promapi_parse. */
int promapi_parse_targets(const char *body, size_t len, promapi_targets_t *r);
void promapi_targets_free(promapi_targets_t *r);
/* Label of a target, or NULL. */
const char *promapi_target_label(const promapi_target_t *t, const char *name);

#endif
