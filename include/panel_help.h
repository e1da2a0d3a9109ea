/* panel_help.h - the help overlay (and its size for this terminal) and the "terminal too
 * small" notice. */
#ifndef NODETOP_PANEL_HELP_H
#define NODETOP_PANEL_HELP_H

#include "render.h"
#include "view.h"

void panel_help_draw(view_t *v, WINDOW *w);
void panel_help_size(const view_t *v, int *h, int *w);
void panel_too_small_draw(view_t *v, WINDOW *w);

#endif
