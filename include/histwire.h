/* histwire.h - nodetop's stored history (issue 14) in the running program: the
 * file from the settings, what the model shows restored from it, one timer. */
#ifndef NODETOP_HISTWIRE_H
#define NODETOP_HISTWIRE_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "cli.h"
#include "events.h"
#include "model.h"
#include "settings.h"

typedef struct histwire histwire_t;

/* Tells the user something about the history file (error true: it is not
 * being written, or it was replaced). */
typedef void (*histwire_msg_cb)(void *ud, const char *msg, bool error);

/* The history file's path from the settings and the command line: false
 * (buf "") when history is off (history = off, --no-history) or no default
 * is known ($XDG_STATE_HOME and $HOME unset). */
bool histwire_path(const settings_t *s, const cli_t *cli, char *buf, size_t n);

/* Opens the history for a run in mode cli->mode (NULL when off, or for the
 * status line): restores the last 24 h of minutes into the model's uptime, the
 * 7 d / 30 d figures and the recent timeline (marked as such). record: feed
 * it the model's indicators and events from now on (dashboard, --events);
 * otherwise nothing is written and a missing file is not created. Call before
 * the model's event listener is set. */
histwire_t *histwire_open(uv_loop_t *loop, model_t *m, const settings_t *s, const cli_t *cli, bool record,
                          histwire_msg_cb msg, void *ud);
/* An event of the model's timeline, to keep. */
void histwire_event(histwire_t *hw, const event_t *e);
/* Stops the timer (the loop can then run dry). */
void histwire_stop(histwire_t *hw);
/* Writes what is pending and closes the file (after the loop ran dry). */
void histwire_close(histwire_t *hw);

/* nodetop --report: the SLA report of the history file on stdout; the exit code. */
int histwire_report(const settings_t *s, const cli_t *cli);

#endif
