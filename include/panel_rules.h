/* panel_rules.h - the alert rules on the screen: the detail view's list of the node's
 * rules (state, value against threshold, for how long, acknowledged) and the help's. */
#ifndef NODETOP_PANEL_RULES_H
#define NODETOP_PANEL_RULES_H

#include <stddef.h>

#include "render.h"
#include "rules.h"
#include "view.h"

/* The detail view's panel: every rule of the selected node, firing ones first. */
void panel_rules_draw(view_t *v, WINDOW *w);
/* "warn < 1, crit < 0.1", "crit < 1 in 10m", "off": rule r's thresholds in c. */
void panel_rules_thresholds(char *buf, size_t sz, rule_id_t r, const rule_cfg_t *c);
/* Rows the help overlay's rule list takes (a title and a line per rule). */
int panel_rules_help_rows(void);
/* Draws that list from row y, at most up to row H - 2; returns the next free row. */
int panel_rules_help_draw(view_t *v, WINDOW *w, int y, int H);

#endif
