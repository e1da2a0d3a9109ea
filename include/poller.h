/* poller.h - the glue between libuv and libcurl's multi interface: polls every
 * node's /health and /metrics on its interval, one request in flight per endpoint. */
#ifndef NODETOP_POLLER_H
#define NODETOP_POLLER_H

#include <stdbool.h>
#include <uv.h>

#include "probe.h"
#include "settings.h"

typedef struct poller poller_t;

/* Called on the loop thread for every finished request; r and its strings
 * are valid only during the call. A request that libcurl or libuv could not
 * make (an option refused, a socket that cannot be watched) ends the same
 * way, from the loop, with r->ok = 0 and r->error saying which call failed. */
typedef void (*poller_result_fn)(void *ud, const probe_result_t *r);

/* Creates a poller for nodes cfg[0..n) (copied). Node i of the poller is node i
 * of the model. */
poller_t *poller_new(uv_loop_t *loop, const node_cfg_t *cfg, size_t n,
                     poller_result_fn fn, void *ud);
/* Starts periodic polling, the first round spread with jitter over the interval
 * (spread = false: everything at once, for --once). */
void poller_start(poller_t *p, bool spread);
/* Replaces the node list (config reload); nodes are matched by name. */
void poller_set_nodes(poller_t *p, const node_cfg_t *cfg, size_t n);
/* How often /health of a node whose checks all pass is asked: health_interval,
 * or automatically the interval, at least POLLER_HEALTH_AUTO_MS when /metrics
 * is polled too (a node recomputes its checks every 15 s; /metrics, polled every
 * interval, shows a node that goes away or changes its answer, and then /health
 * is asked at once and every round until it is settled again). */
#define POLLER_HEALTH_AUTO_MS 15000
int64_t poller_health_interval(const node_cfg_t *cfg);
/* Said by the owner after each /health result of node i: settled (answered,
 * parsed, every check passing) or not (asked again every round). */
void poller_health_settled(poller_t *p, size_t i, bool settled);
/* Asks node i's /health now (unless one is in flight), and every round until
 * it is settled: e.g. when /metrics shows that a check changed. */
void poller_poll_health(poller_t *p, size_t i);
/* Rounds completed by node i (health, metrics and plugin scrapes all done). */
unsigned long poller_rounds(const poller_t *p, size_t i);
/* Lateness statistics of started polls (ms): for the benchmarks and soak. */
void poller_lateness(const poller_t *p, double *p50, double *p99, double *max, unsigned long *count);
/* Stops timers and transfers, cleans up curl, closes its handles; the loop
 * must then run until it is empty. */
void poller_stop(poller_t *p);
void poller_free(poller_t *p);

#endif
