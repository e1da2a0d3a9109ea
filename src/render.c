/* render.c - builds frames: windows from the layout, werase + draw + wnoutrefresh
 * for each dirty window, the help overlay, one doupdate(); shared drawing helpers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "textsafe.h"
#include "tui_priv.h"
#include "xalloc.h"

/* ---------------------------------------------------------------- helpers */

attr_t render_pair(const tui_t *t, int pair)
{
	return t->color ? COLOR_PAIR(pair) : A_NORMAL;
}

attr_t render_state_attr(const tui_t *t, state_t s)
{
	if (t->color) {
		switch (s) {
		case STATE_UP:       return COLOR_PAIR(PAIR_UP);
		case STATE_STARTING: return COLOR_PAIR(PAIR_STARTING);
		case STATE_DEGRADED: return COLOR_PAIR(PAIR_DEGRADED) | A_BOLD;
		case STATE_DOWN:     return COLOR_PAIR(PAIR_DOWN) | A_BOLD;
		default:             return A_DIM;
		}
	}
	/* monochrome: the symbol tells the state, the attribute makes the bad ones loud */
	switch (s) {
	case STATE_DEGRADED: return A_BOLD;
	case STATE_DOWN:     return A_BOLD | A_REVERSE;
	case STATE_UNKNOWN:  return A_DIM;
	default:             return A_NORMAL;
	}
}

int render_width(const char *s)
{
	return fmt_width(s, strlen(s));
}

int render_put(const tui_t *t, WINDOW *w, int y, int x, int maxw, const char *s, attr_t a)
{
	char buf[2048];
	int cols, room = getmaxx(w) - x;

	if (maxw > room)
		maxw = room;
	if (maxw <= 0 || y < 0 || y >= getmaxy(w) || !s[0])
		return 0;
	cols = fmt_fit(buf, sizeof buf, s, maxw, t->g->ellipsis);
	wattrset(w, a);
	mvwaddstr(w, y, x, buf);
	wattrset(w, A_NORMAL);
	return cols;
}

void render_field(const tui_t *t, WINDOW *w, int y, int x, int width, const char *s, attr_t a, bool right)
{
	int sw;

	if (width <= 0)
		return;
	sw = render_width(s);
	if (right && sw < width)
		x += width - sw;
	render_put(t, w, y, x, width, s, a);
}

int render_putf(const tui_t *t, WINDOW *w, int y, int x, int maxw, attr_t a, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return render_put(t, w, y, x, maxw, buf, a);
}

void render_escape(const tui_t *t, char *dst, size_t dstsz, const char *raw, bool keep_newlines)
{
	if (!raw)
		raw = "";
	textsafe_escape(dst, dstsz, raw, strlen(raw), t->utf8, keep_newlines);
}

char *render_escape_dup(const tui_t *t, const char *raw, bool keep_newlines)
{
	size_t len = raw ? strlen(raw) : 0, cap = len * 10 + 1;   /* worst case: \u{10FFFF} per 4 bytes, \xNN per byte */
	char *dst = xmalloc(cap);

	textsafe_escape(dst, cap, raw ? raw : "", len, t->utf8, keep_newlines);
	return dst;
}

void render_hline(const tui_t *t, WINDOW *w, int y, int x, int n, attr_t a)
{
	char buf[1024];
	size_t gl = strlen(t->g->hline), len = 0;
	int room = getmaxx(w) - x;

	if (n > room)
		n = room;
	for (int i = 0; i < n && len + gl < sizeof buf; i++) {
		memcpy(buf + len, t->g->hline, gl);
		len += gl;
	}
	buf[len] = '\0';
	if (len) {
		wattrset(w, a);
		mvwaddstr(w, y, x, buf);
		wattrset(w, A_NORMAL);
	}
}

int render_title(const tui_t *t, WINDOW *w, const char *title, const char *right, bool focused)
{
	int W = getmaxx(w), x = 1;
	attr_t line = A_DIM | render_pair(t, PAIR_TITLE);
	attr_t ta = A_BOLD | (focused ? A_REVERSE : render_pair(t, PAIR_TITLE));

	render_hline(t, w, 0, 0, W, line);
	x += render_putf(t, w, 0, x, W - x - 1, ta, " %s ", title);
	if (right && right[0] && x + 3 < W)
		x += 1 + render_putf(t, w, 0, x + 1, W - x - 2, A_NORMAL, " %s ", right);
	return x;
}

void render_scroll_hint(const tui_t *t, WINDOW *w, int y, bool up)
{
	render_put(t, w, y, getmaxx(w) - 1, 1, up ? t->g->more_up : t->g->more_down, A_BOLD);
}

/* ---------------------------------------------------------------- windows */

static WINDOW *render_newwin(rect_t r)
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
static void render_drop(WINDOW **w)
{
	if (*w) {
		delwin(*w);
		*w = NULL;
	}
}

static void render_make_windows(tui_t *t)
{
	for (int i = 0; i < WIN__COUNT; i++)
		render_drop(&t->win[i]);
	render_drop(&t->help);
	render_drop(&t->prompt);
	render_drop(&t->kwin);
	getmaxyx(stdscr, t->rows, t->cols);
	if (t->opts.kiosk) {
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
		panel_kiosk_offset(t->shift_idx, &dy, &dx);
		t->kwin = render_newwin((rect_t){ dy, dx, t->rows - 1, t->cols - 2 });
		return;
	}
	if (t->view == VIEW_DETAIL)
		layout_detail(&t->lay, t->cols, t->rows);
	else
		layout_compute(&t->lay, t->cols, t->rows, t->m->nnodes);
	t->lay_nnodes = t->m->nnodes;
	/* whatever the old windows left outside the new ones goes */
	werase(stdscr);
	wnoutrefresh(stdscr);
	if (t->lay.mode == LAYOUT_TOO_SMALL) {
		t->relayout = false;
		return;
	}
	t->win[WIN_HEADER] = render_newwin(t->lay.header);
	t->win[WIN_NODES] = render_newwin(t->lay.nodes);
	t->win[WIN_CHECKS] = render_newwin(t->lay.checks);
	if (!t->lay.shared_middle)
		t->win[WIN_CHARTS] = render_newwin(t->lay.charts);
	t->win[WIN_EVENTS] = render_newwin(t->lay.events);
	t->win[WIN_FOOTER] = render_newwin(t->lay.footer);
	t->relayout = false;
}

/* An overlay window at r (made again when it moved or changed size), drawn
 * on top of whatever was refreshed below it. */
static void render_overlay(tui_t *t, WINDOW **win, rect_t r, void (*draw)(tui_t *, WINDOW *))
{
	if (*win) {
		int oy, ox, oh, ow;
		getbegyx(*win, oy, ox);
		getmaxyx(*win, oh, ow);
		if (oy != r.y || ox != r.x || oh != r.h || ow != r.w)
			render_drop(win);
	}
	if (!*win && !(*win = render_newwin(r)))
		return;
	werase(*win);
	draw(t, *win);
	touchwin(*win);
	wnoutrefresh(*win);
}

static void render_help(tui_t *t)
{
	int h, w, y, x;

	panel_help_size(t, &h, &w);
	if (h > t->rows)
		h = t->rows;
	if (w > t->cols)
		w = t->cols;
	y = (t->rows - h) / 2;
	x = (t->cols - w) / 2;
	render_overlay(t, &t->help, (rect_t){ y, x, h, w }, panel_help_draw);
}

/* The acknowledge prompt: an overlay on the last row, over the footer (or the
 * list in the summary layout, which has none). */
static void render_prompt(tui_t *t)
{
	render_overlay(t, &t->prompt, (rect_t){ t->rows - 1, 0, 1, t->cols }, input_prompt_draw);
}

/* The frame is complete: to the terminal, then what goes between frames. */
static void render_finish(tui_t *t)
{
	doupdate();
	t->frames++;
	t->last_frame_ms = uv_now(t->loop);
	tui_after_frame(t);
}

void render_frame(tui_t *t)
{
	unsigned d = t->dirty;
	WINDOW *w;

	t->dirty = 0;
	t->now_ms = tui_now_ms();
	if (t->view == VIEW_MAIN && t->lay_nnodes != t->m->nnodes)
		t->relayout = true;
	if (t->relayout) {
		render_make_windows(t);
		d = DIRTY_ALL;
	}
	input_clamp(t);
	panel_checks_sync(t);
	if (t->repaint) {
		clearok(curscr, TRUE);
		t->repaint = false;
	}
	if (t->lay.mode == LAYOUT_TOO_SMALL) {
		if (d) {
			werase(stdscr);
			panel_too_small_draw(t, stdscr);
			wnoutrefresh(stdscr);
		}
		render_finish(t);
		return;
	}
	if (t->opts.kiosk) {
		if ((w = t->kwin) && d) {
			werase(w);
			panel_kiosk_draw(t, w);
			wnoutrefresh(w);
		}
		render_finish(t);
		return;
	}
	if ((w = t->win[WIN_HEADER]) && (d & DIRTY_HEADER)) {
		werase(w);
		panel_header_draw(t, w);
		wnoutrefresh(w);
	}
	if ((w = t->win[WIN_NODES]) && (d & DIRTY_NODES)) {
		werase(w);
		if (t->view == VIEW_DETAIL)
			panel_nodes_detail_draw(t, w);
		else
			panel_nodes_draw(t, w);
		wnoutrefresh(w);
	}
	if ((w = t->win[WIN_CHECKS])) {
		bool charts_here = t->lay.shared_middle && t->focus == FOCUS_CHARTS;
		if (d & (charts_here ? DIRTY_CHARTS : DIRTY_CHECKS)) {
			werase(w);
			if (charts_here)
				panel_charts_draw(t, w);
			else
				panel_checks_draw(t, w);
			wnoutrefresh(w);
		}
	}
	if ((w = t->win[WIN_CHARTS]) && (d & DIRTY_CHARTS)) {
		werase(w);
		panel_charts_draw(t, w);
		wnoutrefresh(w);
	}
	if ((w = t->win[WIN_EVENTS]) && (d & DIRTY_EVENTS)) {
		werase(w);
		panel_events_draw(t, w);
		wnoutrefresh(w);
	}
	if ((w = t->win[WIN_FOOTER]) && (d & DIRTY_FOOTER)) {
		werase(w);
		panel_footer_draw(t, w);
		wnoutrefresh(w);
	}
	if (t->help_open) {
		if (d)
			render_help(t);
	} else {
		render_drop(&t->help);
	}
	if (t->ack_editing) {
		if (d)
			render_prompt(t);
	} else {
		render_drop(&t->prompt);
	}
	render_finish(t);
}
