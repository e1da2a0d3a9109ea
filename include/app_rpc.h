/* app_rpc.h - nodetop's wiring of the RPC probes ([rpc NAME]): rpcprobe on the app's
 * libuv loop, each endpoint's view handed to the model as a plain observation. */
#ifndef NODETOP_APP_RPC_H
#define NODETOP_APP_RPC_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "model.h"
#include "settings.h"

typedef struct app_rpc app_rpc_t;

/* How the run uses the probes: all along, once (--once), or once and quickly (--status-line). */
typedef enum app_rpc_mode { APP_RPC_LIVE = 0, APP_RPC_ONCE, APP_RPC_QUICK } app_rpc_mode_t;

/* Called after the model took a new observation (and, once, every 250 ms). */
typedef void (*app_rpc_changed_fn)(void *ud);

/* Adds s's [rpc] endpoints to the model and starts probing them (once: also
 * watches for every endpoint's first result; quick: timeouts of at most 2.5 s and
 * no wait for a first WebSocket head). NULL with err when there are none (err "");
 * when they cannot start, err says why (never a URL's secret part). */
app_rpc_t *app_rpc_new(uv_loop_t *loop, model_t *m, const settings_t *s, app_rpc_mode_t mode,
                       app_rpc_changed_fn fn, void *ud, char *err, size_t errlen);
/* Every endpoint has its first answer: its HTTP batch finished and its WebSocket
 * gave a head, failed, or stayed silent for head_stall (at most 15 s; quick: subscribed). */
bool app_rpc_round_done(const app_rpc_t *ar);
/* The longest --once (or, quick, --status-line) may wait for it (ms). */
int64_t app_rpc_once_budget_ms(const settings_t *s, app_rpc_mode_t mode);
/* Stops probing and closes its handles (the loop must run after this). */
void app_rpc_stop(app_rpc_t *ar);
/* After the loop has run dry. NULL is fine. */
void app_rpc_free(app_rpc_t *ar);

#endif
