/* panel_checks.h - the selected node's /health checks as a collapsible tree with their
 * output. */
#ifndef NODETOP_PANEL_CHECKS_H
#define NODETOP_PANEL_CHECKS_H

#include <stddef.h>

#include "render.h"
#include "view.h"

void panel_checks_draw(view_t *v, WINDOW *w);
/* Tree row under row y of the check window, or (size_t)-1. */
size_t panel_checks_hit(view_t *v, int y);

#endif
