/* panel_kiosk.h - the read-only wall screen: it chooses its view (list, ALL HEALTHY,
 * stale), draws it into its one window and counts the list's pages (kiosk_npages). */
#ifndef NODETOP_PANEL_KIOSK_H
#define NODETOP_PANEL_KIOSK_H

#include "render.h"
#include "view.h"

void panel_kiosk_draw(view_t *v, WINDOW *w);

#endif
