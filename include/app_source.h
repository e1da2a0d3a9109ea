/* app_source.h - nodetop's wiring of [source NAME] sections (issue 17): each source's
 * round of Prometheus API queries on the app's libuv loop (curluv), applied to the model. */
#ifndef NODETOP_APP_SOURCE_H
#define NODETOP_APP_SOURCE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <uv.h>

#include "model.h"
#include "settings.h"

typedef struct app_source app_source_t;

/* Called after a round went into the model. */
typedef void (*app_source_changed_fn)(void *ud);

/* Starts querying s's sources (once: one round each). NULL when there are none
 * (err "") or when they cannot start (err says why, never a secret). s must
 * outlive it (a reload may change its nodes: they are read at each round). */
app_source_t *app_source_new(uv_loop_t *loop, model_t *m, const settings_t *s, bool once,
                             app_source_changed_fn fn, void *ud, char *err, size_t errlen);
/* Every source has finished a round (NULL: true). */
bool app_source_round_done(const app_source_t *as);
/* The longest --once may wait for a round (ms). */
int64_t app_source_once_budget_ms(const settings_t *s);
/* NODETOP_STATS lines: source_rounds (ended), source_queries (made by those rounds: the
 * backfill not counted), source_nodes (in the last good round), source_backfill_minutes. */
void app_source_stats(const app_source_t *as, FILE *f);
/* Stops querying and closes its handles (the loop must run after this). NULL is fine. */
void app_source_stop(app_source_t *as);
/* After the loop has run dry. NULL is fine. */
void app_source_free(app_source_t *as);

#endif
