/* layout.h - layout arithmetic of the dashboard: which mode a terminal size
 * gets (full, compact, summary, too small) and the rectangle of every panel. Pure. */
#ifndef NODETOP_LAYOUT_H
#define NODETOP_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

/* Size thresholds (columns x rows) of each mode. */
#define LAYOUT_FULL_COLS     100
#define LAYOUT_FULL_ROWS      30
#define LAYOUT_COMPACT_COLS   70
#define LAYOUT_COMPACT_ROWS   18
#define LAYOUT_MIN_COLS       40
#define LAYOUT_MIN_ROWS       10

typedef enum layout_mode {
	LAYOUT_TOO_SMALL = 0, /* below 40x10: only a notice */
	LAYOUT_SUMMARY,       /* one line per node: which node, which indicator, since when */
	LAYOUT_COMPACT,       /* an 80x24 pane: node rows, checks or charts, events */
	LAYOUT_FULL,          /* from 100x30: node cards, checks and charts side by side, events */
} layout_mode_t;

typedef struct rect {
	int y, x, h, w;        /* h == 0 or w == 0: the panel is not shown */
} rect_t;

typedef struct layout {
	layout_mode_t mode;
	int cols, rows;
	rect_t header;         /* clock, nodes up, worst state, poll health: always row 0 */
	rect_t footer;         /* key hints / filter prompt: the last row (absent in summary) */
	rect_t nodes;          /* node list (title row included), or the node's facts in detail */
	rect_t checks;         /* check tree */
	rect_t charts;         /* sparklines; equal to checks when they share it (compact) */
	rect_t events;         /* timeline */
	bool shared_middle;    /* checks and charts share one rectangle: focus picks which */
	int node_lines;        /* lines per node in the list: 4 (card), 2 or 1 */
	int nodes_fit;         /* nodes visible at once in the list */
	int group_lines;       /* failover group lines above the nodes (at most 3) */
	rect_t rules;          /* detail view: the node's alert rules (empty elsewhere) */
	int rpc_lines;         /* [rpc] endpoint lines (a title and one each) below the nodes, in nodes */
} layout_t;

/* Rows the detail view's rule list takes at most (title, one per rule, and what
 * a few firing ones are about). */
#define LAYOUT_RULES_ROWS     16

/* Mode for a terminal of cols x rows. */
layout_mode_t layout_mode(int cols, int rows);
const char *layout_mode_name(layout_mode_t m);   /* "full", "compact", "summary", "too-small" */
/* The main screen for nnodes nodes. */
void layout_compute(layout_t *l, int cols, int rows, size_t nnodes);
/* The same with a line per failover group (at most 3) above the nodes. */
void layout_compute_groups(layout_t *l, int cols, int rows, size_t nnodes, size_t ngroups);
/* The same with a title and a line per [rpc] endpoint at the bottom of the nodes
 * rectangle (fewer when they do not fit while a node still does). */
void layout_compute_rpc(layout_t *l, int cols, int rows, size_t nnodes, size_t ngroups, size_t nrpc);
/* The detail view of one node: facts on top (nodes), then all checks and larger
 * charts, side by side from LAYOUT_FULL_COLS columns (the rules above the charts),
 * stacked below that (the rules first, when a third of the rows is 4 or more). */
void layout_detail(layout_t *l, int cols, int rows);
/* After layout_detail: extra rows for the facts (a node's databases probed
 * directly), taken from the panels below while they keep 6 rows. */
void layout_detail_grow(layout_t *l, int extra);
/* True when r lies inside cols x rows (or is empty). */
bool rect_inside(rect_t r, int cols, int rows);
/* True when both are non-empty and share a cell. */
bool rect_overlap(rect_t a, rect_t b);
/* True when (y, x) is a cell of r. */
bool rect_contains(rect_t r, int y, int x);

#endif
