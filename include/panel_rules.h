/* panel_rules.h - the alert rules on the screen: the detail view's list of the node's
 * rules (state, value against threshold, for how long, acknowledged), the help's, the kiosk's. */
#ifndef NODETOP_PANEL_RULES_H
#define NODETOP_PANEL_RULES_H

#include <stdbool.h>
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

/* The kiosk's card of node n: rows its firing rules take (at most 3 and a count). */
int panel_rules_kiosk_rows(const node_t *n);
/* Draws them from row y, not at or past row end; returns the next free row. */
int panel_rules_kiosk_draw(view_t *v, WINDOW *w, int y, int end, const node_t *n, bool stale);
/* The banner's word and line when a firing rule is what makes node n the worst:
 * "CRITICAL" / "WARNING" and "balance critical on NODE for 2m: native balance ...";
 * false when no rule fires at severity sev (then the indicators say it). */
bool panel_rules_kiosk_banner(const view_t *v, const node_t *n, severity_t sev, const char **word,
                              char *what, size_t sz);

#endif
