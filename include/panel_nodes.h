/* panel_nodes.h - the node list (cards, rows, summary lines) and the detail view's facts
 * of the selected node. */
#ifndef NODETOP_PANEL_NODES_H
#define NODETOP_PANEL_NODES_H

#include <stddef.h>

#include "render.h"
#include "view.h"

void panel_nodes_draw(view_t *v, WINDOW *w);
void panel_nodes_detail_draw(view_t *v, WINDOW *w);
/* Node index under row y of the node window, or (size_t)-1. */
size_t panel_nodes_hit(const view_t *v, int y);

#endif
