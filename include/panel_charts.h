/* panel_charts.h - the selected node's charted series: sparklines, or taller charts in the
 * detail view. */
#ifndef NODETOP_PANEL_CHARTS_H
#define NODETOP_PANEL_CHARTS_H

#include "render.h"
#include "view.h"

void panel_charts_draw(view_t *v, WINDOW *w);

#endif
