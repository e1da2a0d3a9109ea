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

/* Called after the model took a new observation (and, with once, every 250 ms). */
typedef void (*app_rpc_changed_fn)(void *ud);

/* Adds s's [rpc] endpoints to the model and starts probing them (once: also
 * watches for every endpoint's first result). NULL with err when there are none
 * (err "") or they cannot start (err says why; never a URL's secret part). */
app_rpc_t *app_rpc_new(uv_loop_t *loop, model_t *m, const settings_t *s, bool once,
                       app_rpc_changed_fn fn, void *ud, char *err, size_t errlen);
/* Every endpoint has its first answer: its HTTP batch finished and its WebSocket
 * gave a head, failed, or stayed silent for head_stall (at most 15 s). */
bool app_rpc_round_done(const app_rpc_t *ar);
/* The longest --once may wait for it (ms). */
int64_t app_rpc_once_budget_ms(const settings_t *s);
/* Stops probing and closes its handles (the loop must run after this). */
void app_rpc_stop(app_rpc_t *ar);
/* After the loop has run dry. NULL is fine. */
void app_rpc_free(app_rpc_t *ar);

#endif
