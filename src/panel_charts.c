/* panel_charts.c - the selected node's charted series: one-line sparklines with the
 * current value and range, or taller bar charts in the detail view; thresholds coloured. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "panel_charts.h"
#include "render.h"
#include "sparkline.h"

#define CHART_ROWS_DETAIL 3       /* bar rows per chart in the detail view */

/* Value with its unit; large whole numbers (block heights) in full. */
static void charts_value(char *buf, size_t n, double v, const chart_def_t *d)
{
	if (d->unit == UNIT_NONE && isfinite(v) && fabs(v) >= 1e5 && fabs(v) < 1e15 && v == floor(v))
		snprintf(buf, n, "%.0f", v);
	else
		fmt_value(buf, n, v, d->unit);
}

/* Threshold attribute of a value: crit red, warn yellow, else plain. */
static attr_t charts_attr(const view_t *t, const chart_def_t *d, double v)
{
	if (!isfinite(v))
		return A_NORMAL;
	if (d->has_crit && (d->below ? v <= d->crit : v >= d->crit))
		return render_state_attr(t, STATE_DOWN) & ~A_REVERSE;
	if (d->has_warn && (d->below ? v <= d->warn : v >= d->warn))
		return render_state_attr(t, STATE_DEGRADED);
	return A_NORMAL;
}

/* A chart cell: threshold colour, else the chart colour. */
static attr_t charts_cell_attr(const view_t *t, const chart_def_t *d, double v)
{
	attr_t a = charts_attr(t, d, v);

	return a != A_NORMAL ? a : render_pair(t, PAIR_TITLE);
}

static void charts_label(const view_t *t, const series_t *s, const chart_def_t *d, char *buf, size_t n)
{
	char key[96];

	if (s->key[0]) {
		render_escape(t, key, sizeof key, s->key, false);
		snprintf(buf, n, "%s [%s]", d->title, key);
	} else {
		snprintf(buf, n, "%s", d->title);
	}
}

/* The smallest span a chart's scale has, so that noise does not swing full
 * height: a rate a quarter of its size (at least 1/min), bytes a twentieth;
 * other gauges none (a change of a block height, a connection, is real). */
static double charts_min_span(const chart_def_t *d, double lo, double hi)
{
	double mag = fabs(lo) > fabs(hi) ? fabs(lo) : fabs(hi);

	if (d->mode == CHART_RATE_PER_MIN || d->unit == UNIT_PER_MIN)
		return mag * 0.25 > 1 ? mag * 0.25 : 1;
	if (d->unit == UNIT_BYTES)
		return mag * 0.05;
	return 0;
}

/* Samples of a series for ncols columns of the node's poll interval. */
static bool charts_columns(const view_t *t, const node_t *n, const series_t *s, double *vals, int ncols,
                           double *lo, double *hi)
{
	int64_t step = n->interval_ms > 0 ? n->interval_ms : 1000;

	sparkline_from_ring(&s->ring, t->now_ms, step, vals, (size_t)ncols);
	return sparkline_range(vals, (size_t)ncols, lo, hi);
}

/* One line: label, sparkline, current value, range. */
static void charts_line(view_t *t, WINDOW *w, int y, const node_t *n, const series_t *s, int lw, bool stale)
{
	const chart_def_t *d = &t->m->charts.defs[s->def];
	int W = getmaxx(w), rw = W >= 64 ? 21 : 0, vw = 10, sw = W - 1 - lw - 1 - vw - 1 - rw;
	double vals[512], lo = 0, hi = 0, last = NAN;
	int levels[512];
	char label[256], val[48], a[32], b[32];
	int64_t tl;
	bool any;

	charts_label(t, s, d, label, sizeof label);
	{
		/* cut in the middle: titles that begin alike stay apart by their ends */
		char fit[512];
		fmt_fit_middle(fit, sizeof fit, label, lw, t->g->ellipsis);
		render_field(t, w, y, 1, lw, fit, stale ? A_DIM : A_NORMAL, false);
	}
	if (sw > 512)
		sw = 512;
	if (sw >= 4) {
		any = charts_columns(t, n, s, vals, sw, &lo, &hi);
		if (any) {
			sparkline_scale_span(vals, (size_t)sw, SPARK_LEVELS, levels, charts_min_span(d, lo, hi));
			for (int i = 0; i < sw; i++) {
				if (levels[i] < 0)
					continue;
				wattrset(w, stale ? A_DIM : charts_cell_attr(t, d, vals[i]));
				mvwaddstr(w, y, 2 + lw + i, t->g->spark[levels[i]]);
			}
			wattrset(w, A_NORMAL);
		} else {
			render_put(t, w, y, 2 + lw, sw, "no samples yet", A_DIM);
		}
	}
	if (ring_last(&s->ring, &tl, &last)) {
		charts_value(val, sizeof val, last, d);
		render_field(t, w, y, 2 + lw + (sw > 0 ? sw : 0) + 1, vw - 1, val,
		             stale ? A_DIM : charts_attr(t, d, last) | A_BOLD, true);
	}
	if (rw && sw >= 4 && sparkline_range(vals, (size_t)sw, &lo, &hi)) {
		char range[80];
		charts_value(a, sizeof a, lo, d);
		charts_value(b, sizeof b, hi, d);
		if (lo == hi)
			snprintf(range, sizeof range, "flat");
		else
			snprintf(range, sizeof range, "%s%s%s", a, t->utf8 ? "\xe2\x80\x93" : "..", b);
		render_field(t, w, y, W - rw, rw - 1, range, A_DIM, false);
	}
}

/* Detail view: a label line and a chart CHART_ROWS_DETAIL rows tall. */
static int charts_big(view_t *t, WINDOW *w, int y, const node_t *n, const series_t *s, bool stale)
{
	const chart_def_t *d = &t->m->charts.defs[s->def];
	int W = getmaxx(w), H = getmaxy(w), cw = W - 3, rows = CHART_ROWS_DETAIL;
	double vals[512], lo = 0, hi = 0, last = NAN;
	int levels[512];
	char label[256], val[48], a[32], b[32];
	int64_t tl;
	bool any;

	if (cw > 512)
		cw = 512;
	charts_label(t, s, d, label, sizeof label);
	any = cw > 0 && charts_columns(t, n, s, vals, cw, &lo, &hi);
	{
		int x = 1 + render_put(t, w, y, 1, W - 2, label, A_BOLD | (stale ? A_DIM : 0)) + 2;
		if (ring_last(&s->ring, &tl, &last)) {
			charts_value(val, sizeof val, last, d);
			x += render_putf(t, w, y, x, W - x, stale ? A_DIM : charts_attr(t, d, last) | A_BOLD, "now %s", val) + 2;
		}
		if (any) {
			charts_value(a, sizeof a, lo, d);
			charts_value(b, sizeof b, hi, d);
			render_putf(t, w, y, x, W - x, A_DIM, "min %s  max %s", a, b);
		}
	}
	y++;
	if (!any) {
		render_put(t, w, y, 3, W - 3, "no samples yet", A_DIM);
		return 1 + rows;
	}
	sparkline_scale_span(vals, (size_t)cw, rows * SPARK_LEVELS, levels, charts_min_span(d, lo, hi));
	for (int r = 0; r < rows && y + r < H; r++) {
		int row = rows - 1 - r;      /* screen top is the chart's top row */
		for (int i = 0; i < cw; i++) {
			int g = sparkline_cell(levels[i], row);
			if (g < 0)
				continue;
			wattrset(w, stale ? A_DIM : charts_cell_attr(t, d, vals[i]));
			mvwaddstr(w, y + r, 2 + i, t->g->spark[g]);
		}
	}
	wattrset(w, A_NORMAL);
	return 1 + rows;
}

void panel_charts_draw(view_t *t, WINDOW *w)
{
	int W = getmaxx(w), H = getmaxy(w), y = 1, lw = 10;
	const node_t *n;
	char title[256], name[128], right[160], clock[16];
	int64_t seen;
	bool stale, focused = t->focus == FOCUS_CHARTS, detail = t->view == VIEW_DETAIL;
	size_t i;

	if (t->m->nnodes == 0 || t->sel >= t->m->nnodes) {
		render_title(t, w, "Metrics", "", focused);
		return;
	}
	n = &t->m->nodes[t->sel];
	stale = model_node_unread(t->m, t->sel, t->now_ms, &seen);
	render_escape(t, name, sizeof name, n->name, false);
	snprintf(title, sizeof title, "Metrics %s %s", t->g->dot, name);
	snprintf(right, sizeof right, "%zu series", n->nseries);
	if (stale && seen && n->nseries) {
		/* not read now: the charts end when the node was last seen */
		fmt_clock(clock, sizeof clock, seen, false);
		snprintf(right + strlen(right), sizeof right - strlen(right), " %s last seen %s", t->g->dot, clock);
	}
	render_title(t, w, title, right, focused);
	if (n->nseries == 0) {
		if (n->metrics_error[0]) {
			render_escape(t, title, sizeof title, n->metrics_error, false);
			render_putf(t, w, y, 2, W - 2, A_DIM, "no metrics: %s", title);
		} else {
			render_put(t, w, y, 2, W - 2, n->have_metrics ? "no charted series in /metrics" : "no /metrics yet", A_DIM);
		}
		return;
	}
	for (i = 0; i < n->nseries; i++) {
		char label[256];
		int k;
		charts_label(t, &n->series[i], &t->m->charts.defs[n->series[i].def], label, sizeof label);
		if ((k = render_width(label)) > lw)
			lw = k;
	}
	if (lw > W / 3)
		lw = W / 3;
	for (i = t->chart_top; i < n->nseries && y < H; i++) {
		if (detail) {
			if (y + 1 + CHART_ROWS_DETAIL > H)
				break;
			y += charts_big(t, w, y, n, &n->series[i], stale);
		} else {
			charts_line(t, w, y, n, &n->series[i], lw, stale);
			y++;
		}
	}
	if (t->chart_top > 0)
		render_scroll_hint(t, w, 1, true);
	if (i < n->nseries)
		render_scroll_hint(t, w, H - 1, false);
}
