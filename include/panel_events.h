/* panel_events.h - the event timeline, newest first. */
#ifndef NODETOP_PANEL_EVENTS_H
#define NODETOP_PANEL_EVENTS_H

#include "render.h"
#include "view.h"

void panel_events_draw(view_t *v, WINDOW *w);

#endif
