/* panel_header.h - the header bar (clock, nodes up, worst state, DATA STALE, messages), the footer bar
 * (key hints, the filter prompt) and the acknowledge prompt over the last row. */
#ifndef NODETOP_PANEL_HEADER_H
#define NODETOP_PANEL_HEADER_H

#include "render.h"
#include "view.h"

void panel_header_draw(view_t *v, WINDOW *w);
void panel_footer_draw(view_t *v, WINDOW *w);
void panel_prompt_draw(view_t *v, WINDOW *w);

#endif
