/* panel.h - the dashboard's panels, one file each (panel_*.c): each draws its part of
 * the view state into a window with the render helpers; tui.c hands them to the frame builder. */
#ifndef NODETOP_PANEL_H
#define NODETOP_PANEL_H

#include <stddef.h>

#include "render.h"
#include "view.h"

/* panel_header.c: the header bar, the footer bar (key hints, the filter prompt)
 * and the acknowledge prompt over the last row. */
void panel_header_draw(view_t *v, WINDOW *w);
void panel_footer_draw(view_t *v, WINDOW *w);
void panel_prompt_draw(view_t *v, WINDOW *w);

/* panel_nodes.c: the node list; the detail view's facts of the selected node. */
void panel_nodes_draw(view_t *v, WINDOW *w);
void panel_nodes_detail_draw(view_t *v, WINDOW *w);
/* Node index under row y of the node window, or (size_t)-1. */
size_t panel_nodes_hit(const view_t *v, int y);

/* panel_checks.c: the selected node's check tree. */
void panel_checks_draw(view_t *v, WINDOW *w);
/* Tree row under row y of the check window, or (size_t)-1. */
size_t panel_checks_hit(view_t *v, int y);

/* panel_charts.c, panel_events.c */
void panel_charts_draw(view_t *v, WINDOW *w);
void panel_events_draw(view_t *v, WINDOW *w);

/* panel_help.c: the help overlay and its size for this terminal; "terminal too small". */
void panel_help_draw(view_t *v, WINDOW *w);
void panel_help_size(const view_t *v, int *h, int *w);
void panel_too_small_draw(view_t *v, WINDOW *w);

/* panel_kiosk.c: the kiosk chooses its view (list, ALL HEALTHY, stale) and draws it
 * into its one window; counts the pages of the list (kiosk_npages). */
void panel_kiosk_draw(view_t *v, WINDOW *w);

#endif
