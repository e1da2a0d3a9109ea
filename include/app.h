/* app.h - one run of nodetop: the loop that joins settings, poller, model and
 * the chosen output (dashboard, --once report, --events lines, status line). */
#ifndef NODETOP_APP_H
#define NODETOP_APP_H

#include "cli.h"
#include "settings.h"

/* Runs until done (or quit) and returns the process exit code. */
int app_run(settings_t *s, const cli_t *cli);

#endif
