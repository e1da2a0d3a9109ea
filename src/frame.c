/* frame.c - the frame builder: windows from the layout, werase + draw + wnoutrefresh
 * for each dirty window through the panels handed in, the overlays, one doupdate(). */
#include "clock.h"
#include "frame.h"
#include "model_rpc.h"
#include "panel_db.h"

static WINDOW *frame_newwin(rect_t r)
{
	WINDOW *w;

	if (r.h <= 0 || r.w <= 0)
		return NULL;
	w = newwin(r.h, r.w, r.y, r.x);
	if (w)
		leaveok(w, TRUE);
	return w;
}

/* Deletes *w, if any, and forgets it. */
static void frame_drop(WINDOW **w)
{
	if (*w) {
		delwin(*w);
		*w = NULL;
	}
}

static void frame_make_windows(frame_t *f, view_t *t)
{
	for (int i = 0; i < WIN__COUNT; i++)
		frame_drop(&f->win[i]);
	frame_drop(&f->help);
	frame_drop(&f->prompt);
	frame_drop(&f->kwin);
	getmaxyx(stdscr, t->rows, t->cols);
	if (t->kiosk) {
		/* one window, two columns and a row smaller than the terminal: it moves
		 * a cell every so often so that nothing stays lit in one place for hours */
		int dy, dx;
		layout_compute(&t->lay, t->cols, t->rows, t->m->nnodes);
		t->lay_nnodes = t->m->nnodes;
		werase(stdscr);
		wnoutrefresh(stdscr);
		t->relayout = false;
		if (t->lay.mode == LAYOUT_TOO_SMALL)
			return;
		view_kiosk_offset(t, &dy, &dx);
		f->kwin = frame_newwin((rect_t){ dy, dx, t->rows - 1, t->cols - 2 });
		return;
	}
	if (t->view == VIEW_DETAIL) {
		layout_detail(&t->lay, t->cols, t->rows);
		layout_detail_grow(&t->lay, panel_db_count(t->m, t->sel));   /* its databases (panel_db.c) */
	}
	else
		layout_compute_rpc(&t->lay, t->cols, t->rows, t->m->nnodes, t->m->ngroups, model_rpc_count(t->m));
	t->lay_nnodes = t->m->nnodes;
	/* whatever the old windows left outside the new ones goes */
	werase(stdscr);
	wnoutrefresh(stdscr);
	if (t->lay.mode == LAYOUT_TOO_SMALL) {
		t->relayout = false;
		return;
	}
	f->win[WIN_HEADER] = frame_newwin(t->lay.header);
	f->win[WIN_NODES] = frame_newwin(t->lay.nodes);
	f->win[WIN_CHECKS] = frame_newwin(t->lay.checks);
	if (!t->lay.shared_middle)
		f->win[WIN_CHARTS] = frame_newwin(t->lay.charts);
	f->win[WIN_EVENTS] = frame_newwin(t->lay.events);
	f->win[WIN_FOOTER] = frame_newwin(t->lay.footer);
	f->win[WIN_RULES] = frame_newwin(t->lay.rules);
	t->relayout = false;
}

/* An overlay window at r (made again when it moved or changed size), drawn
 * on top of whatever was refreshed below it. */
static void frame_overlay(view_t *t, WINDOW **win, rect_t r, frame_draw_fn draw)
{
	if (*win) {
		int oy, ox, oh, ow;
		getbegyx(*win, oy, ox);
		getmaxyx(*win, oh, ow);
		if (oy != r.y || ox != r.x || oh != r.h || ow != r.w)
			frame_drop(win);
	}
	if (!*win && !(*win = frame_newwin(r)))
		return;
	werase(*win);
	draw(t, *win);
	touchwin(*win);
	wnoutrefresh(*win);
}

static void frame_help(frame_t *f, view_t *t, const frame_panels_t *p)
{
	int h, w, y, x;

	p->help_size(t, &h, &w);
	if (h > t->rows)
		h = t->rows;
	if (w > t->cols)
		w = t->cols;
	y = (t->rows - h) / 2;
	x = (t->cols - w) / 2;
	frame_overlay(t, &f->help, (rect_t){ y, x, h, w }, p->help);
}

/* The acknowledge prompt: an overlay on the last row, over the footer (or the
 * list in the summary layout, which has none). */
static void frame_prompt(frame_t *f, view_t *t, const frame_panels_t *p)
{
	frame_overlay(t, &f->prompt, (rect_t){ t->rows - 1, 0, 1, t->cols }, p->prompt);
}

/* The frame is complete: to the terminal. */
static void frame_finish(view_t *t)
{
	doupdate();
	t->frames++;
}

void frame_draw(frame_t *f, view_t *t, const frame_panels_t *p)
{
	unsigned d = t->dirty;
	WINDOW *w;

	t->dirty = 0;
	t->now_ms = clock_wall_ms();
	if (t->view == VIEW_MAIN && t->lay_nnodes != t->m->nnodes)
		t->relayout = true;
	if (t->relayout) {
		frame_make_windows(f, t);
		d = DIRTY_ALL;
	}
	view_clamp(t);
	view_checks_sync(t);
	if (t->repaint) {
		clearok(curscr, TRUE);
		t->repaint = false;
	}
	if (t->lay.mode == LAYOUT_TOO_SMALL) {
		if (d) {
			werase(stdscr);
			p->too_small(t, stdscr);
			wnoutrefresh(stdscr);
		}
		frame_finish(t);
		return;
	}
	if (t->kiosk) {
		if ((w = f->kwin) && d) {
			werase(w);
			p->kiosk(t, w);
			wnoutrefresh(w);
		}
		frame_finish(t);
		return;
	}
	if ((w = f->win[WIN_HEADER]) && (d & DIRTY_HEADER)) {
		werase(w);
		p->header(t, w);
		wnoutrefresh(w);
	}
	if ((w = f->win[WIN_NODES]) && (d & DIRTY_NODES)) {
		werase(w);
		if (t->view == VIEW_DETAIL)
			p->node_detail(t, w);
		else
			p->nodes(t, w);
		wnoutrefresh(w);
	}
	if ((w = f->win[WIN_CHECKS])) {
		bool charts_here = t->lay.shared_middle && t->focus == FOCUS_CHARTS;
		if (d & (charts_here ? DIRTY_CHARTS : DIRTY_CHECKS)) {
			werase(w);
			if (charts_here)
				p->charts(t, w);
			else
				p->checks(t, w);
			wnoutrefresh(w);
		}
	}
	if ((w = f->win[WIN_CHARTS]) && (d & DIRTY_CHARTS)) {
		werase(w);
		p->charts(t, w);
		wnoutrefresh(w);
	}
	if ((w = f->win[WIN_EVENTS]) && (d & DIRTY_EVENTS)) {
		werase(w);
		p->events(t, w);
		wnoutrefresh(w);
	}
	if ((w = f->win[WIN_RULES]) && p->rules && (d & DIRTY_NODES)) {
		werase(w);
		p->rules(t, w);
		wnoutrefresh(w);
	}
	if ((w = f->win[WIN_FOOTER]) && (d & DIRTY_FOOTER)) {
		werase(w);
		p->footer(t, w);
		wnoutrefresh(w);
	}
	if (t->help_open) {
		if (d)
			frame_help(f, t, p);
	} else {
		frame_drop(&f->help);
	}
	if (t->ack_editing) {
		if (d)
			frame_prompt(f, t, p);
	} else {
		frame_drop(&f->prompt);
	}
	frame_finish(t);
}

void frame_free(frame_t *f)
{
	for (int i = 0; i < WIN__COUNT; i++)
		frame_drop(&f->win[i]);
	frame_drop(&f->help);
	frame_drop(&f->prompt);
	frame_drop(&f->kwin);
}
