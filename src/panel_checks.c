/* panel_checks.c - the selected node's /health checks as a collapsible tree,
 * failing first and highlighted, with their (wrapped, escaped) output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "panel_checks.h"
#include "render.h"
#include "xalloc.h"

#define OUTPUT_LINES_MAIN 3      /* output lines shown per check outside the detail view */

/* Indentation of a tree row: two cells a level, but never more than a third of the width. */
static int checks_indent(int depth, int W)
{
	int ind = 1 + depth * 2, cap = W / 3;

	return ind > cap ? cap : ind;
}

/* Number of screen lines a row takes: itself plus its wrapped output. */
static int checks_row_lines(view_t *t, size_t row, int W, bool detail, char **esc_out)
{
	const ct_node_t *nd = &t->ct.nodes[t->ct.rows[row].node];
	int lines = 1, width = W - checks_indent(t->ct.rows[row].depth, W) - 4;
	char *esc;
	size_t off = 0, len, next;

	if (esc_out)
		*esc_out = NULL;
	if (!nd->output[0])
		return 1;
	esc = render_escape_dup(t, nd->output, true);
	len = strlen(esc);
	while (off < len) {
		fmt_wrap(esc + off, len - off, width, &next);
		off += next;
		lines++;
	}
	if (esc_out)
		*esc_out = esc;
	else
		free(esc);
	if (!detail && lines - 1 > OUTPUT_LINES_MAIN)
		lines = OUTPUT_LINES_MAIN + 2;      /* N lines and a "+M more" line */
	return lines;
}

/* Scrolls so that the cursor row and as much of its output as fits are visible. */
static void checks_scroll(view_t *t, int W, int H)
{
	bool detail = t->view == VIEW_DETAIL;
	int used = 0;

	if (t->ct_cur < t->ct_top)
		t->ct_top = t->ct_cur;
	for (;;) {
		used = 0;
		for (size_t i = t->ct_top; i <= t->ct_cur && i < t->ct.nrows; i++)
			used += checks_row_lines(t, i, W, detail, NULL);
		if (used <= H || t->ct_top >= t->ct_cur)
			break;
		t->ct_top++;
	}
}

static void checks_draw_row(view_t *t, WINDOW *w, int y, size_t row, int W, bool stale)
{
	const ct_row_t *r = &t->ct.rows[row];
	const ct_node_t *nd = &t->ct.nodes[r->node];
	int x = checks_indent(r->depth, W);
	bool filtering = t->ct.filter[0] || t->ct.failing_only;
	attr_t la = A_NORMAL, sa;
	char label[512], clock[16];
	state_t st;

	if (nd->nkids) {
		bool closed = !filtering && !t->ct.expand_all && checktree_collapsed(&t->ct, r->node);
		render_put(t, w, y, x, 1, closed ? t->g->closed : t->g->open, A_BOLD);
	}
	x += 2;
	if (nd->is_check) {
		st = nd->status == CHECK_FAILING ? STATE_DOWN : nd->status == CHECK_PASSING ? STATE_UP : STATE_UNKNOWN;
		sa = stale ? A_DIM : render_state_attr(t, st) & ~A_REVERSE;
		render_put(t, w, y, x, 1, t->g->state[st], sa);
		if (nd->status == CHECK_FAILING)
			la = sa | A_BOLD;
		else if (nd->status == CHECK_UNKNOWN)
			la = sa;
	} else {
		la = A_DIM;        /* a group made from the dotted names, no check of its own */
	}
	if (nd->nfailing && !(nd->is_check && nd->status == CHECK_FAILING))
		la = A_BOLD;       /* a failing check below marks its ancestors */
	if (stale)
		la = (la & ~A_BOLD) | A_DIM;
	x += 2;
	render_escape(t, label, sizeof label, nd->label, false);
	x += render_put(t, w, y, x, W - x, label[0] ? label : "\"\"", la) + 1;
	if (nd->nkids && x < W - 4) {
		if (nd->nfailing)
			x += render_putf(t, w, y, x, W - x, stale ? A_DIM : render_state_attr(t, STATE_DOWN) & ~A_REVERSE,
			                 "(%zu of %zu failing)", nd->nfailing, nd->nchecks) + 1;
		else
			x += render_putf(t, w, y, x, W - x, A_DIM, "(%zu)", nd->nchecks) + 1;
	}
	if (nd->is_check && nd->status != CHECK_PASSING && nd->since_ms && x < W - 16) {
		fmt_clock(clock, sizeof clock, nd->since_ms, false);
		/* failing already at the first poll: it began before then */
		render_putf(t, w, y, x, W - x, A_DIM, nd->since_seen ? "since %s" : "since before %s", clock);
	}
	if (row == t->ct_cur && t->focus == FOCUS_CHECKS)
		mvwchgat(w, y, 0, -1, A_REVERSE, 0, NULL);
}

/* The row's output below it, wrapped; returns the lines used. */
static int checks_draw_output(view_t *t, WINDOW *w, int y, int H, size_t row, int W, bool stale)
{
	bool detail = t->view == VIEW_DETAIL;
	int x = checks_indent(t->ct.rows[row].depth, W) + 4, width = W - x, used = 0, total;
	const ct_node_t *nd = &t->ct.nodes[t->ct.rows[row].node];
	attr_t a = stale ? A_DIM : nd->status == CHECK_FAILING ? render_pair(t, PAIR_DOWN) : A_NORMAL;
	char *esc = NULL, line[2048];
	size_t off = 0, len, next, l;

	total = checks_row_lines(t, row, W, true, &esc) - 1;
	if (!esc)
		return 0;
	len = strlen(esc);
	while (off < len && y + used < H) {
		if (!detail && used == OUTPUT_LINES_MAIN && total > OUTPUT_LINES_MAIN) {
			render_putf(t, w, y + used, x, width, A_DIM, "%s +%d more lines (Enter: detail view)",
			            t->g->ellipsis, total - OUTPUT_LINES_MAIN);
			used++;
			break;
		}
		l = fmt_wrap(esc + off, len - off, width, &next);
		if (l >= sizeof line)
			l = fmt_prefix(esc + off, l, width, NULL);
		if (l >= sizeof line)
			l = sizeof line - 1;
		memcpy(line, esc + off, l);
		line[l] = '\0';
		render_put(t, w, y + used, x, width, line, a);
		off += next;
		used++;
	}
	free(esc);
	return used;
}

/* Appends " · part" to a title's right part ("part" when it is empty). */
static void checks_title_add(const view_t *t, char *right, size_t sz, const char *part)
{
	size_t len = strlen(right);

	snprintf(right + len, sz - len, len ? " %s %s" : "%s", t->g->dot, part);
}

void panel_checks_draw(view_t *t, WINDOW *w)
{
	int W = getmaxx(w), H = getmaxy(w), y = 1;
	const node_t *n;
	char title[256], right[256], name[128], age[48], filt[160], clock[16];
	int64_t seen;
	bool stale, focused = t->focus == FOCUS_CHECKS;
	size_t i;

	if (t->m->nnodes == 0 || t->sel >= t->m->nnodes) {
		render_title(t, w, "Checks", "", focused);
		return;
	}
	n = &t->m->nodes[t->sel];
	stale = model_node_unread(t->m, t->sel, t->now_ms, &seen);
	render_escape(t, name, sizeof name, n->name, false);
	snprintf(title, sizeof title, "Checks %s %s", t->g->dot, name);
	right[0] = '\0';
	if (t->ct.nchecks)
		snprintf(right, sizeof right, "%zu of %zu failing", t->ct.nfailing, t->ct.nchecks);
	if (t->ct.failing_only)
		checks_title_add(t, right, sizeof right, "failing only");
	if (t->ct.filter[0]) {
		render_escape(t, filt + 1, sizeof filt - 1, t->ct.filter, false);
		filt[0] = '/';
		checks_title_add(t, right, sizeof right, filt);
	}
	if (stale && seen && t->ct.nchecks) {
		/* not read now: what is shown is from then, never a live failure */
		fmt_clock(clock, sizeof clock, seen, false);
		snprintf(age, sizeof age, "last seen %s", clock);
		checks_title_add(t, right, sizeof right, age);
	}
	render_title(t, w, title, right, focused);

	if (!n->have_health) {
		if (n->error[0]) {
			render_escape(t, title, sizeof title, n->error, false);
			render_putf(t, w, y, 2, W - 2, A_DIM, "no /health answer: %s", title);
		} else if (n->state == STATE_STARTING) {
			render_put(t, w, y, 2, W - 2, "the node is starting (HTTP 204): no checks yet", A_DIM);
		} else {
			render_put(t, w, y, 2, W - 2, "no /health answer yet", A_DIM);
		}
		return;
	}
	if (t->ct.nrows == 0) {
		if (t->ct.failing_only && !t->ct.filter[0])
			render_putf(t, w, y, 2, W - 2, render_state_attr(t, STATE_UP), "%s all %zu checks passing",
			            t->g->state[STATE_UP], t->ct.nchecks);
		else if (t->ct.nchecks)
			render_putf(t, w, y, 2, W - 2, A_DIM, "no check matches (Esc clears the filter)");
		else
			render_put(t, w, y, 2, W - 2, "the node reports no checks", A_DIM);
		return;
	}
	checks_scroll(t, W, H - 1);
	for (i = t->ct_top; i < t->ct.nrows && y < H; i++) {
		checks_draw_row(t, w, y, i, W, stale);
		y++;
		y += checks_draw_output(t, w, y, H, i, W, stale);
	}
	if (t->ct_top > 0)
		render_scroll_hint(t, w, 1, true);
	if (i < t->ct.nrows)
		render_scroll_hint(t, w, H - 1, false);
}

size_t panel_checks_hit(view_t *t, int y)
{
	int W = t->lay.checks.w, yy = 1;

	if (W <= 0 || t->lay.checks.h <= 0 || y < 1)
		return (size_t)-1;
	for (size_t i = t->ct_top; i < t->ct.nrows; i++) {
		int lines = checks_row_lines(t, i, W, t->view == VIEW_DETAIL, NULL);
		if (y >= yy && y < yy + lines)
			return i;
		yy += lines;
	}
	return (size_t)-1;
}
