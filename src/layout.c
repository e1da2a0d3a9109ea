/* layout.c - layout arithmetic: the mode for a terminal size and the
 * rectangles of the header, node list, checks, charts, events and footer. */
#include <string.h>

#include "layout.h"

static int layout_clamp(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static rect_t layout_rect(int y, int x, int h, int w)
{
	rect_t r = { y, x, h > 0 ? h : 0, w > 0 ? w : 0 };

	if (r.h == 0 || r.w == 0)
		r.h = r.w = 0;
	return r;
}

layout_mode_t layout_mode(int cols, int rows)
{
	if (cols >= LAYOUT_FULL_COLS && rows >= LAYOUT_FULL_ROWS)
		return LAYOUT_FULL;
	if (cols >= LAYOUT_COMPACT_COLS && rows >= LAYOUT_COMPACT_ROWS)
		return LAYOUT_COMPACT;
	if (cols >= LAYOUT_MIN_COLS && rows >= LAYOUT_MIN_ROWS)
		return LAYOUT_SUMMARY;
	return LAYOUT_TOO_SMALL;
}

const char *layout_mode_name(layout_mode_t m)
{
	switch (m) {
	case LAYOUT_FULL: return "full";
	case LAYOUT_COMPACT: return "compact";
	case LAYOUT_SUMMARY: return "summary";
	default: return "too-small";
	}
}

static void layout_reset(layout_t *l, int cols, int rows)
{
	memset(l, 0, sizeof *l);
	l->cols = cols;
	l->rows = rows;
	l->mode = layout_mode(cols, rows);
}

void layout_compute(layout_t *l, int cols, int rows, size_t nnodes)
{
	layout_compute_groups(l, cols, rows, nnodes, 0);
}

void layout_compute_groups(layout_t *l, int cols, int rows, size_t nnodes, size_t ngroups)
{
	layout_compute_rpc(l, cols, rows, nnodes, ngroups, 0);
}

void layout_compute_rpc(layout_t *l, int cols, int rows, size_t nnodes, size_t ngroups, size_t nrpc)
{
	int body, ev, mid_min, nmax, nh, mid, n = nnodes > 100000 ? 100000 : (int)nnodes, gl, rl;

	layout_reset(l, cols, rows);
	if (l->mode == LAYOUT_TOO_SMALL)
		return;
	l->header = layout_rect(0, 0, 1, cols);

	if (l->mode == LAYOUT_SUMMARY) {
		/* header, then one line per node; the events get what is left when
		 * that is at least a title and two lines. */
		body = rows - 1;
		l->node_lines = 1;
		/* a line per failover group first (at most 3), while a node still fits */
		gl = ngroups > 3 ? 3 : (int)ngroups;
		while (gl > 0 && gl + 1 > body)
			gl--;
		l->group_lines = gl;
		nh = gl + (n < 1 ? 1 : n);
		if (body - nh >= 3) {
			l->nodes = layout_rect(1, 0, nh, cols);
			l->events = layout_rect(1 + nh, 0, body - nh, cols);
		} else {
			l->nodes = layout_rect(1, 0, body, cols);
		}
		l->nodes_fit = l->nodes.h - gl;
		return;
	}

	l->footer = layout_rect(rows - 1, 0, 1, cols);
	body = rows - 2;
	if (l->mode == LAYOUT_FULL) {
		ev = layout_clamp(body / 4, 4, 12);
		mid_min = 8;
	} else {
		ev = layout_clamp(body / 5, 3, 6);
		mid_min = 6;
	}
	nmax = body - ev - mid_min;
	/* a line per failover group above the nodes (at most 3), while a node still fits */
	gl = ngroups > 3 ? 3 : (int)ngroups;
	while (gl > 0 && 1 + gl + 1 > nmax)
		gl--;
	l->group_lines = gl;
	/* the [rpc] endpoints below the nodes: a title and a line each, while a node still fits */
	rl = nrpc > 0 ? (nrpc > 16 ? 17 : (int)nrpc + 1) : 0;
	while (rl > 0 && 1 + gl + rl + 1 > nmax)
		rl--;
	if (rl == 1)
		rl = 0;
	l->rpc_lines = rl;
	gl += rl;   /* (below: the rows that are not node lines) */
	if (l->mode == LAYOUT_FULL && 1 + gl + 4 * n <= nmax)
		l->node_lines = 4;
	else if (1 + gl + 2 * n <= nmax)
		l->node_lines = 2;
	else
		l->node_lines = 1;
	nh = 1 + gl + l->node_lines * (n < 1 ? 1 : n);
	if (nh > nmax)
		nh = nmax;
	l->nodes = layout_rect(1, 0, nh, cols);
	l->nodes_fit = (nh - 1 - gl) / l->node_lines;
	mid = body - nh - ev;
	if (l->mode == LAYOUT_FULL) {
		int cw = cols * 11 / 20;

		l->checks = layout_rect(1 + nh, 0, mid, cw);
		l->charts = layout_rect(1 + nh, cw, mid, cols - cw);
	} else {
		l->checks = layout_rect(1 + nh, 0, mid, cols);
		l->charts = l->checks;
		l->shared_middle = true;
	}
	l->events = layout_rect(1 + nh + mid, 0, ev, cols);
}

void layout_detail(layout_t *l, int cols, int rows)
{
	int body, facts, rest;

	layout_reset(l, cols, rows);
	if (l->mode == LAYOUT_TOO_SMALL)
		return;
	l->header = layout_rect(0, 0, 1, cols);
	l->footer = layout_rect(rows - 1, 0, 1, cols);
	body = rows - 2;
	facts = l->mode == LAYOUT_SUMMARY ? 3 : l->mode == LAYOUT_COMPACT ? 4 : 6;
	l->nodes = layout_rect(1, 0, facts, cols);
	l->node_lines = facts;
	l->nodes_fit = 1;
	rest = body - facts;
	if (cols >= LAYOUT_FULL_COLS) {
		int cw = cols * 11 / 20;
		int rh = rest / 2 < LAYOUT_RULES_ROWS ? rest / 2 : LAYOUT_RULES_ROWS;

		if (rh < 4)
			rh = 0;               /* too short to list anything */
		l->checks = layout_rect(1 + facts, 0, rest, cw);
		l->rules = layout_rect(1 + facts, cw, rh, cols - cw);
		l->charts = layout_rect(1 + facts + rh, cw, rest - rh, cols - cw);
		return;
	}
	/* stacked: the rules first when they get a few rows */
	int rh = rest / 3 < LAYOUT_RULES_ROWS ? rest / 3 : LAYOUT_RULES_ROWS;
	int top = 1 + facts;

	if (rh >= 4) {
		l->rules = layout_rect(top, 0, rh, cols);
		top += rh;
		rest -= rh;
	}
	if (rest >= 12) {
		int ch = rest / 2;

		l->checks = layout_rect(top, 0, ch, cols);
		l->charts = layout_rect(top + ch, 0, rest - ch, cols);
	} else {
		l->checks = layout_rect(top, 0, rest, cols);
		l->charts = l->checks;
		l->shared_middle = true;
	}
}

bool rect_inside(rect_t r, int cols, int rows)
{
	if (r.h == 0 || r.w == 0)
		return true;
	return r.y >= 0 && r.x >= 0 && r.y + r.h <= rows && r.x + r.w <= cols;
}

bool rect_overlap(rect_t a, rect_t b)
{
	if (!a.h || !a.w || !b.h || !b.w)
		return false;
	return a.y < b.y + b.h && b.y < a.y + a.h && a.x < b.x + b.w && b.x < a.x + a.w;
}

bool rect_contains(rect_t r, int y, int x)
{
	return r.h && r.w && y >= r.y && y < r.y + r.h && x >= r.x && x < r.x + r.w;
}

void layout_detail_grow(layout_t *l, int extra)
{
	if (l->mode == LAYOUT_TOO_SMALL || extra <= 0 || l->checks.h <= 6)
		return;
	if (extra > l->checks.h - 6)
		extra = l->checks.h - 6;
	bool side = l->charts.x > l->checks.x;      /* charts (and rules) right of the checks */
	if (side && l->charts.h - extra < 4)
		extra = l->charts.h - 4;                  /* the charts keep a few rows under the rules */
	if (extra <= 0)
		return;
	l->nodes.h += extra;
	l->node_lines += extra;
	if (l->rules.h)
		l->rules.y += extra;                      /* beside the checks or above them: moved down whole */
	l->checks.y += extra;
	l->checks.h -= extra;
	if (side) {
		l->charts.y += extra;
		l->charts.h -= extra;
	} else if (l->shared_middle) {
		l->charts = l->checks;
	}
}
