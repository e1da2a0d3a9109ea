/* app_db.h - the app's glue for the databases probed directly (issue 15): one
 * timer and one dbprobe per [database], results into the model (model_apply_db). */
#ifndef NODETOP_APP_DB_H
#define NODETOP_APP_DB_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

#include <uv.h>

#include "model.h"
#include "settings.h"

typedef struct app_db app_db_t;

/* Called on the loop after each result went into the model. */
typedef void (*app_db_cb)(void *ud);

/* Adds s's databases to the model (model_db_add, ties by name) and makes a
 * probe for each; NULL when s has none. Nothing runs before app_db_start. */
app_db_t *app_db_new(uv_loop_t *loop, model_t *m, const settings_t *s, app_db_cb cb, void *ud);
/* Probes every database now; with repeat, again every interval after that. */
void app_db_start(app_db_t *w, bool repeat);
/* True when every database has been probed at least once (always for NULL). */
bool app_db_round_done(const app_db_t *w);
/* The longest probe timeout of s's databases (0 without any). */
int64_t app_db_worst_timeout_ms(const settings_t *s);
/* NODETOP_STATS: "db_loop_max_ms=X" - the longest the event loop was held by
 * the database probes in one go (a probe's callback plus the handling of its
 * result: an upper bound), 0 without databases. */
void app_db_write_stats(FILE *f, const model_t *m);
/* Cancels the probes in flight, closes the handles (the loop finishes that)
 * and frees w. The model keeps its databases (model_db_clear drops them). */
void app_db_stop(app_db_t *w);

#endif
