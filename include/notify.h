/* notify.h - notifications: every [notify NAME] hook (a command run through libuv,
 * or a webhook POSTed through libcurl on the same loop) gets the events it asked for. */
#ifndef NODETOP_NOTIFY_H
#define NODETOP_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "events.h"
#include "model.h"
#include "settings.h"

typedef struct notifier notifier_t;

/* A notifier for the n [notify] sections (copied: the settings may go). Its
 * own reports (a hook that failed, timed out, printed something, a full queue)
 * go into m's event log as kind "notify". NULL when n is 0 or libcurl fails. */
notifier_t *notify_new(uv_loop_t *loop, model_t *m, const notify_cfg_t *cfg, size_t n);
/* An event of the model's log: rule firings and resolvings, node state changes
 * and failovers are matched against every hook (on, nodes, rules), de-duplicated
 * and queued. Never blocks. */
void notify_event(notifier_t *nt, const event_t *e);
/* The [notify] sections after a reload (SIGHUP), matched by name. A hook
 * kept keeps its queue, the delivery in flight (its command or POST goes on
 * as started, with the settings it started with), its back-off and what it
 * was told (de-duplication, repeats); deliveries made from now on, and every
 * attempt started from now on, use the new settings. A new hook hears of
 * events from now on. A hook removed has its command killed and its POST
 * stopped; its queued deliveries (and the one in flight) are dropped, counted
 * in notify_counts' dropped and said in the event log. */
void notify_reload(notifier_t *nt, const notify_cfg_t *cfg, size_t n);
/* Stops: timers, the running commands (killed) and requests; queued deliveries
 * are dropped. Handles are closed; free after the loop has run them down. */
void notify_stop(notifier_t *nt);
void notify_free(notifier_t *nt);
/* Deliveries made, failed for good, dropped (full queue), for tests and stats. */
void notify_counts(const notifier_t *nt, unsigned long *sent, unsigned long *failed, unsigned long *dropped);

#endif
