/* panel_rpc.h - the [rpc NAME] endpoints on the screen: rows under the node list (state,
 * head, lag, latency, WebSocket, a head-lag sparkline) and the failing ones in the kiosk. */
#ifndef NODETOP_PANEL_RPC_H
#define NODETOP_PANEL_RPC_H

#include "render.h"
#include "view.h"

/* Rows the endpoint list takes at the bottom of a nodes window H rows high
 * (a title row and one per endpoint, at most a third of H; 0 without endpoints). */
int panel_rpc_rows(const view_t *t, int H);
/* Draws the list into rows [y, y + rows) of w. */
void panel_rpc_draw(view_t *t, WINDOW *w, int y, int rows);
/* The kiosk: one line per endpoint that is down or degraded from row top
 * (at most 3, stops before bottom); returns the next free row. */
int panel_rpc_kiosk(view_t *t, WINDOW *w, int top, int bottom);

#endif
