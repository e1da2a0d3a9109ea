/* testutil.h - what several unit tests share: test data files (tu_slurp), fake poll results fed
 * to a model as the poller would hand them over, a node builder and text checks. */
#ifndef NODETOP_TESTUTIL_H
#define NODETOP_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "probe.h"

#define TU_T0 INT64_C(1795514400000)           /* 2026-11-24T10:00:00Z */
#define TU_JSON_CT "application/vnd.api+json"
#define TU_PROM_CT "text/plain; version=0.0.4"
#define TU_HEALTH_LATENCY 12.0                 /* ms, the latency of every fake /health */
#define TU_METRICS_LATENCY 40.0                /* ms, of every other fake request */

/* TESTDATA/name, NUL-terminated (the length in *len when len is not NULL);
 * the caller frees it. A missing file fails the test. */
char *tu_slurp(const char *name, size_t *len);

/* A complete HTTP answer (ok = 1) to request kind, done at t; path from the kind. */
probe_result_t tu_result(size_t node, probe_kind_t kind, long status, const char *ct,
                         const char *body, size_t len, int64_t t);

/* Feeds m an answer (body NUL-terminated, len its length) and returns what
 * model_apply said. */
model_next_t tu_feed(model_t *m, size_t node, probe_kind_t kind, long status, const char *ct,
                     const char *body, size_t len, int64_t t);
/* The class the poller gives its error text ("connection refused" -> REFUSED,
 * "... timed out ..." -> TIMEOUT, "TLS: ..." -> TLS, ...; else OTHER). */
probe_error_t tu_error_class(const char *error);
/* Feeds m a failed request: no answer, with the poller's error text and its class. */
model_next_t tu_feed_error(model_t *m, size_t node, probe_kind_t kind, const char *error, int64_t t);

/* Adds node name (url http://NAME.example:6688) to m, in group (NULL: none), polled every interval_ms. */
size_t tu_add_node(model_t *m, const char *name, const char *group, int64_t interval_ms);
/* Fail the test (showing hay) unless hay contains needle / unless it does not. */
void tu_assert_contains(const char *hay, const char *needle);
void tu_assert_not_contains(const char *hay, const char *needle);

#endif
