/* model_source.h - a [source NAME] round (Prometheus API answers, issue 17) turned into
 * the model's own inputs: discovery, the same /health and /metrics applies as direct polls. */
#ifndef NODETOP_MODEL_SOURCE_H
#define NODETOP_MODEL_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "parse_promapi.h"
#include "settings.h"

/* The queries of one round: [SRCQ_UP] up{selector} (discovery), [SRCQ_TS] the times of
 * those samples (staleness), then one per metric family for the whole fleet. */
enum { SRCQ_UP = 0, SRCQ_TS, SRCQ_FAMILIES };

/* The PromQL texts of a round for source c (charts: the charted metrics added as a
 * family); *n of them, heap strings, freed with srcq_free. Their number does not
 * depend on the number of nodes. */
char **srcq_build(const source_cfg_t *c, const chart_set_t *charts, size_t *n);
void srcq_free(char **q, size_t n);

/* What a round of source c gave: answers[i] for query i (ok false: failed, with
 * why in error[i] when the request itself failed), and the targets when asked. */
typedef struct src_round {
	size_t n;
	promapi_result_t *res;          /* n of them */
	char (*error)[256];             /* n: "" or a transport error ("connection refused", "HTTP 502 ...") */
	const promapi_targets_t *targets;   /* NULL: not asked or failed */
	int64_t done_ms;                /* when the round ended */
	bool health_all;                /* the health family's answer has every node's full check list */
	const char *const *health_full; /* else: the failing checks of every node, and the full lists of
	                                   these nodes (sorted names, srcq_health_ask): the others' failing
	                                   checks are applied to the list each had */
	size_t nhealth_full;
	double latency_ms;              /* its longest query */
} src_round_t;

/* Per-source memory across rounds: the names it has reported (sorted), each with
 * the model index it last had (checked before use: a reload may move nodes). */
typedef struct src_state {
	char name[64];                  /* the source's name (for the views) */
	char **names;
	size_t *idx;
	size_t nnames, cap, idx_cap;
	unsigned long rounds, queries, failed_rounds;
	int64_t last_ok_ms;             /* newest round that answered; 0 = none */
	char last_error[256];           /* "" when the last round answered */
	char warning[256];              /* the last round's first query error, warning or partial
	                                   answer (the fleet was read, some of it may be missing); "" = none */
	size_t nodes_seen;              /* series of up in the last good round */
	char type[16];                  /* "prometheus" (for --once --json) */
	char url[256];                  /* its url, userinfo masked (for --once --json) */
	size_t last_queries;            /* queries of the last round */
	bool health_listed;             /* a full list of every node's checks has answered */
	unsigned health_part;           /* the part whose full lists the next round asks */
	char backfill_error[256];       /* why a backfill on start failed (its older minutes not asked): "" = none */
	unsigned backfill_slices, backfill_slices_done;   /* the day's backfill: answers to have, and had */
	size_t *mixed;                  /* mixed mode: the polled nodes (model index) whose series it has */
	size_t nmixed, mixed_cap;
} src_state_t;

void src_state_free(src_state_t *st);

/* The cost of a fleet's checks (a series per check of every node, 30 a node for Chainlink):
 * the full list, health{selector}, is asked until it has answered once; after that a round
 * asks the failing checks of every node and the full lists of one part of the fleet
 * (SRC_HEALTH_PARTS parts by a hash of the name) and of the nodes that have none yet:
 * health{selector} == 0 or health{selector,NAME_LABEL=~"a|b"}. Each node's list is read again
 * every SRC_HEALTH_PARTS rounds (a check that appears or vanishes shows then), and no round
 * after the first carries the whole fleet's lists (300 000 series, 40 MB, for 10 000 nodes). */
#define SRC_HEALTH_PARTS 12
typedef struct src_health_ask {
	char *query;                    /* the health family's query of this round */
	bool all;                       /* every node's full list */
	char **names;                   /* else the nodes whose full list it asks, sorted */
	size_t nnames, cap;
} src_health_ask_t;
/* The health query of the next round of source c (st's part moves on one). */
void srcq_health_ask(model_t *m, const source_cfg_t *c, src_state_t *st, src_health_ask_t *a);
void srcq_health_ask_free(src_health_ask_t *a);

/* What the header says of the model's sources ("" when it has none): "via NAME, 1s old"
 * (the oldest of them), with "; warning: ..." when a query failed or the source warned
 * or answered partially, or "source NAME: cannot read: why" while one cannot be read;
 * *trouble true for the last two. */
void model_source_line(const model_t *m, int64_t now_ms, char *buf, size_t len, bool *trouble);

/* The source whose node idx is (discovered by it), or NULL when idx is polled directly. */
const src_state_t *model_source_of(const model_t *m, size_t idx);
/* Mixed mode: the source that has a series of polled node idx (its source = NAME,
 * matched by name or the url's host:port), or NULL. Its history comes from there,
 * its live state and check outputs from its own polls. */
const src_state_t *model_source_mixed(const model_t *m, size_t idx);
/* The nodes polled directly (not discovered by a source). */
size_t model_source_polled(const model_t *m);

/* Applies round r of source c to m: new nodes added (named by name_label, grouped
 * by group_label), each node's /health (from health{service_id}: check outputs
 * are "output not available through Prometheus") and /metrics (the families'
 * samples) fed through model_apply, up == 0 as a failed poll with the target's
 * scrape error, stale or vanished series and a failed source as unknown. Nodes
 * of the config (index < nconfig) are fed only when their source = c->name.
 * Returns true when up could be read (the source answered). */
bool src_apply(model_t *m, size_t nconfig, const node_cfg_t *cfg, const source_cfg_t *c, src_state_t *st,
               const src_round_t *r);

/* The first round's up answer, before the rest of the round is in: the fleet's nodes
 * added (as src_apply adds them), waiting for the round. Returns how many are new. */
size_t src_discover(model_t *m, size_t nconfig, const node_cfg_t *cfg, const source_cfg_t *c, src_state_t *st,
                    const promapi_result_t *up);

/* Backfill on start: up{selector} over the last SRC_BACKFILL_MS, a point a minute
 * (query_range with start, end and step as given by srcq_backfill_range). */
#define SRC_BACKFILL_MS (24 * 3600 * INT64_C(1000))
#define SRC_BACKFILL_STEP_S 60
char *srcq_backfill(const source_cfg_t *c);
/* Seeds the node indicator's uptime of each node of st named in res (a matrix of
 * up) with the minutes before before_ms: 1 = up, 0 = down, no point = unknown.
 * Mixed mode: a polled node (cfg[0..nconfig), model index = config index) with
 * source = c->name takes the series whose name_label is its name or its url's
 * host:port (its live state stays its own polls'). A minute that local history
 * already filled is kept (uptime_seed adds at most a minute in all). Returns the
 * minutes seeded. */
size_t src_backfill(model_t *m, size_t nconfig, const node_cfg_t *cfg, const source_cfg_t *c,
                    const src_state_t *st, const promapi_result_t *res, int64_t before_ms);
/* The same for indicator ind: IND_NODE from up, IND_DB from db_conns_open and
 * db_conns_max (0 = down: no connection open of a sized pool), IND_RPC from
 * multi_node_states (or evm_pool_rpc_node_states) Alive per chain (0 = down: a
 * chain with none). Up or down a minute, nothing finer (degraded is not backfilled). */
char *srcq_backfill_ind(const source_cfg_t *c, indicator_id_t ind);
/* The day is asked in slices, newest first, so that an answer stays well under max_size
 * (a point of a series is at most about SRC_BACKFILL_POINT_BYTES of JSON; the answer
 * itself about 17): the whole day at once up to max_bytes / 64 / 1440 nodes (728 at the
 * default 64 MB), else as many minutes a slice as fit, at least SRC_BACKFILL_SLICE_MIN_S.
 * Returns the seconds of a slice. */
#define SRC_BACKFILL_POINT_BYTES 64
#define SRC_BACKFILL_SLICE_MIN_S 600
int64_t src_backfill_slice_s(size_t max_bytes, size_t nodes);
/* The end (s) of the slice before the one that ends at end_s, or 0 when that one
 * reached first_s (the start of the day). */
int64_t src_backfill_prev_end(int64_t end_s, int64_t slice_s, int64_t first_s);
size_t src_backfill_ind(model_t *m, size_t nconfig, const node_cfg_t *cfg, const source_cfg_t *c,
                        const src_state_t *st, indicator_id_t ind, const promapi_result_t *res, int64_t before_ms);

/* model_move_node / model_remove_node with the sources' memory of model indices kept
 * right: the way to move or remove a node of a model that has sources (a reload). */
void src_move_node(model_t *m, size_t from, size_t to);
void src_remove_node(model_t *m, size_t idx);

/* Charts (issue 17): one query_range per chart def for the whole fleet, the values as the
 * live charts have them (gauges summed per node and split key, counters as a rate per
 * minute), fed before the points each node has; at most SRC_CHART_BACKFILL_NODES nodes
 * (a bigger fleet's charts fill from the live rounds: the answer would be nodes x points). */
#define SRC_CHART_BACKFILL_NODES MODEL_FLEET_LARGE
char *srcq_backfill_chart(const source_cfg_t *c, const chart_def_t *d);
size_t src_backfill_chart(model_t *m, size_t nconfig, const node_cfg_t *cfg, const source_cfg_t *c,
                          const src_state_t *st, size_t def, const promapi_result_t *res);

/* Whether node idx's charted points go into the local history: not for a node of a
 * fleet read through a source above SRC_CHART_BACKFILL_NODES nodes (the source keeps
 * them: 8 series of 10 000 nodes every round would be written a second time). */
bool model_charts_local(const model_t *m, size_t idx);

/* Node idx cannot be seen (its source is down, or its series is stale or gone):
 * state unknown with why, never down. */
void model_source_blind(model_t *m, size_t idx, const char *why, int64_t now_ms);

#endif
