/* panel_db.h - the databases probed directly, drawn in the node detail view
 * (issue 15): one line per database tied to the node. */
#ifndef NODETOP_PANEL_DB_H
#define NODETOP_PANEL_DB_H

#include <stddef.h>

#include "render.h"
#include "view.h"

/* How many databases are tied to node idx: the rows the detail view needs. */
int panel_db_count(const model_t *m, size_t idx);

/* Draws a line per database tied to node idx from row y while rows remain;
 * returns the next free row. */
int panel_db_detail_draw(view_t *t, WINDOW *w, int y, size_t idx);

#endif
