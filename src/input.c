/* input.c - keys and mouse: moving between nodes and panels, the detail view, the check
 * filter, collapse/expand; acknowledge, copy and quit are asked of whoever runs the view. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "input.h"
#include "panel_checks.h"
#include "panel_nodes.h"
#include "render.h"

#define KEY_CTRL(c) ((c) & 0x1f)
#define KEY_ESC 27

static size_t input_nodes_fit(const view_t *t)
{
	return t->lay.nodes_fit > 0 ? (size_t)t->lay.nodes_fit : 1;
}

/* ---------------------------------------------------------------- asks */

static void input_ask_quit(view_t *t)
{
	if (t->ask && t->ask->quit)
		t->ask->quit(t->ask_ud);
}

static void input_ask_copy(view_t *t)
{
	if (t->ask && t->ask->copy)
		t->ask->copy(t->ask_ud);
}

/* Panels that can take the focus in the current view and layout. */
static bool input_focusable(const view_t *t, view_focus_t f)
{
	if (t->view == VIEW_DETAIL)
		return f == FOCUS_CHECKS || f == FOCUS_CHARTS;
	if (t->lay.mode == LAYOUT_SUMMARY)
		return f == FOCUS_NODES || (f == FOCUS_EVENTS && t->lay.events.h > 0);
	return true;
}

static void input_focus(view_t *t, view_focus_t f)
{
	if (f == t->focus)
		return;
	t->focus = f;
	/* titles show the focus; a shared middle switches between checks and charts */
	view_dirty(t, DIRTY_NODES | DIRTY_CHECKS | DIRTY_CHARTS | DIRTY_EVENTS | DIRTY_FOOTER);
}

static void input_cycle_focus(view_t *t, int dir)
{
	int f = (int)t->focus;

	for (int i = 0; i < FOCUS__COUNT; i++) {
		f = (f + dir + FOCUS__COUNT) % FOCUS__COUNT;
		if (input_focusable(t, (view_focus_t)f)) {
			input_focus(t, (view_focus_t)f);
			return;
		}
	}
}

static void input_select_node(view_t *t, size_t idx)
{
	if (t->m->nnodes == 0)
		return;
	if (idx >= t->m->nnodes)
		idx = t->m->nnodes - 1;
	if (idx == t->sel)
		return;
	t->sel = idx;
	t->chart_top = 0;
	view_clamp(t);
	view_dirty(t, DIRTY_NODES | DIRTY_CHECKS | DIRTY_CHARTS);
}

static void input_set_view(view_t *t, view_page_t v)
{
	if (t->view == v)
		return;
	t->view = v;
	t->chart_top = 0;
	t->ct_top = 0;
	if (v == VIEW_DETAIL && t->focus != FOCUS_CHARTS)
		t->focus = FOCUS_CHECKS;
	if (v == VIEW_MAIN)
		t->focus = FOCUS_NODES;
	t->ct_valid = false;          /* expand_all changes: rebuild the rows */
	view_relayout(t);
}

/* Moves the focused panel's cursor by delta (large values page). */
static void input_move(view_t *t, long delta)
{
	switch (t->focus) {
	case FOCUS_NODES: {
		long s = (long)t->sel + delta;
		if (s < 0)
			s = 0;
		input_select_node(t, (size_t)s);
		break;
	}
	case FOCUS_CHECKS: {
		long c = (long)t->ct_cur + delta;
		if (c < 0 || t->ct.nrows == 0)
			c = 0;
		else if (c >= (long)t->ct.nrows)
			c = (long)t->ct.nrows - 1;
		t->ct_cur = (size_t)c;
		view_dirty(t, DIRTY_CHECKS);
		break;
	}
	case FOCUS_CHARTS: {
		long c = (long)t->chart_top + delta, nch = (long)view_charts_count(t);
		if (c >= nch)
			c = nch - 1;
		if (c < 0)
			c = 0;
		t->chart_top = (size_t)c;
		view_dirty(t, DIRTY_CHARTS);
		break;
	}
	case FOCUS_EVENTS: {
		long e = (long)t->ev_top + delta, len = (long)t->m->events.len;
		if (e >= len)
			e = len - 1;
		if (e < 0)
			e = 0;
		t->ev_top = (size_t)e;
		view_dirty(t, DIRTY_EVENTS);
		break;
	}
	default:
		break;
	}
}

static long input_page(const view_t *t)
{
	int h = 10;

	switch (t->focus) {
	case FOCUS_NODES:  return (long)input_nodes_fit(t);
	case FOCUS_CHECKS: h = t->lay.checks.h - 2; break;
	case FOCUS_CHARTS: h = t->lay.charts.h - 2; break;
	case FOCUS_EVENTS: h = t->lay.events.h - 2; break;
	default: break;
	}
	return h > 1 ? h : 1;
}

/* Re-flattens the tree after a view-state change and redraws it. */
static void input_tree_changed(view_t *t)
{
	checktree_flatten(&t->ct);
	view_clamp(t);
	view_dirty(t, DIRTY_CHECKS | DIRTY_FOOTER);
}

static void input_tree_open(view_t *t, bool open)
{
	size_t node;

	if (t->ct_cur >= t->ct.nrows)
		return;
	node = t->ct.rows[t->ct_cur].node;
	if (t->ct.nodes[node].nkids && checktree_collapsed(&t->ct, node) == open) {
		checktree_set_collapsed(&t->ct, node, !open);
		input_tree_changed(t);
	} else if (!open && t->ct.nodes[node].parent != CT_NONE) {
		/* on a leaf or an open group, Left goes to the parent */
		size_t parent = t->ct.nodes[node].parent;
		for (size_t i = 0; i < t->ct.nrows; i++)
			if (t->ct.rows[i].node == parent) {
				t->ct_cur = i;
				view_dirty(t, DIRTY_CHECKS);
				break;
			}
	}
}

static void input_tree_toggle(view_t *t)
{
	if (t->ct_cur < t->ct.nrows && t->ct.nodes[t->ct.rows[t->ct_cur].node].nkids) {
		checktree_toggle(&t->ct, t->ct.rows[t->ct_cur].node);
		input_tree_changed(t);
	}
}

static void input_filter_apply(view_t *t)
{
	checktree_set_filter(&t->ct, t->filter);
	t->ct_cur = 0;
	t->ct_top = 0;
	input_tree_changed(t);
}

/* The editing keys of a one-line prompt over buf (UTF-8, at most max bytes):
 * Backspace drops one whole character, Ctrl-U everything, a printable
 * character is appended. Returns true when buf changed. */
static bool input_edit_line(char *buf, size_t max, int is_key, wint_t ch)
{
	size_t len = strlen(buf);

	if ((is_key && ch == KEY_BACKSPACE) || (!is_key && (ch == 127 || ch == 8))) {
		while (len > 0 && ((unsigned char)buf[len - 1] & 0xC0) == 0x80)
			len--;
		if (len > 0)
			len--;
		buf[len] = '\0';
		return true;
	}
	if (!is_key && ch == KEY_CTRL('u')) {
		buf[0] = '\0';
		return true;
	}
	if (!is_key && iswprint(ch)) {
		char mb[MB_LEN_MAX];
		mbstate_t st;
		size_t k;

		memset(&st, 0, sizeof st);
		k = wcrtomb(mb, (wchar_t)ch, &st);
		if (k != (size_t)-1 && len + k <= max) {
			memcpy(buf + len, mb, k);
			buf[len + k] = '\0';
			return true;
		}
	}
	return false;
}

/* Keys while the filter prompt is open. */
static void input_filter_key(view_t *t, int is_key, wint_t ch)
{
	if (!is_key && (ch == '\r' || ch == '\n')) {
		t->filter_editing = false;
	} else if (!is_key && ch == KEY_ESC) {
		t->filter_editing = false;
		t->filter[0] = '\0';
		input_filter_apply(t);
	} else if (input_edit_line(t->filter, sizeof t->filter - 1, is_key, ch)) {
		input_filter_apply(t);
	}
	view_dirty(t, DIRTY_FOOTER | DIRTY_CHECKS);
}

/* ---------------------------------------------------------------- acknowledge */

static void input_ack_open(view_t *t)
{
	char msg[160], name[96];
	const node_t *n;

	if (t->sel >= t->m->nnodes)
		return;
	n = &t->m->nodes[t->sel];
	if (!model_node_attention(t->m, t->sel, t->now_ms).problem) {
		render_escape(t, name, sizeof name, n->name, false);
		snprintf(msg, sizeof msg, "%s has no problem to acknowledge", name);
		view_set_message(t, msg);
		return;
	}
	snprintf(t->ack_name, sizeof t->ack_name, "%s", n->name);
	t->ack_note[0] = '\0';
	t->ack_editing = true;
	view_dirty(t, DIRTY_FOOTER);
}

static void input_ack_close(view_t *t)
{
	t->ack_editing = false;
	view_dirty(t, DIRTY_ALL);                  /* what the prompt covered */
}

/* Keys while the acknowledge prompt is open: Enter confirms, Esc cancels,
 * Backspace and Ctrl-U edit, printable characters are typed (VIEW_ACK_MAX bytes). */
static void input_ack_key(view_t *t, int is_key, wint_t ch)
{
	if (!is_key && (ch == '\r' || ch == '\n')) {
		size_t idx = model_find_node(t->m, t->ack_name);
		char msg[200], name[96];
		input_ack_close(t);
		render_escape(t, name, sizeof name, t->ack_name, false);
		if (idx == (size_t)-1) {
			snprintf(msg, sizeof msg, "%s is no longer configured: not acknowledged", name);
		} else {
			if (t->ask && t->ask->ack)
				t->ask->ack(t->ask_ud, idx, t->ack_note);
			snprintf(msg, sizeof msg, "acknowledged %s until its state changes", name);
		}
		view_set_message(t, msg);
		view_dirty(t, DIRTY_MODEL);
	} else if ((is_key && ch == KEY_ENTER)) {
		input_ack_key(t, 0, '\r');
	} else if (!is_key && ch == KEY_ESC) {
		input_ack_close(t);
	} else {
		input_edit_line(t->ack_note, VIEW_ACK_MAX, is_key, ch);
	}
	view_dirty(t, DIRTY_FOOTER);
}

void input_key(view_t *t, int is_key, wint_t ch)
{
	if (is_key && ch == KEY_RESIZE)
		return;                               /* SIGWINCH is handled through the loop */
	if (!is_key && ch == KEY_CTRL('l')) {
		view_repaint(t);
		return;
	}
	if (t->kiosk)
		return;                               /* read-only: nobody changes it from the keyboard */
	if (t->filter_editing) {
		input_filter_key(t, is_key, ch);
		return;
	}
	if (t->ack_editing) {
		input_ack_key(t, is_key, ch);
		return;
	}
	if (t->help_open) {
		t->help_open = false;
		view_dirty(t, DIRTY_ALL);              /* what was under the overlay */
		if (!is_key && (ch == 'q' || ch == '?' || ch == KEY_ESC))
			return;
		/* any other key closes help and then does its job */
	}
	if (is_key) {
		switch (ch) {
		case KEY_UP:    input_move(t, -1); break;
		case KEY_DOWN:  input_move(t, 1); break;
		case KEY_PPAGE: input_move(t, -input_page(t)); break;
		case KEY_NPAGE: input_move(t, input_page(t)); break;
		case KEY_HOME:  input_move(t, -1000000); break;
		case KEY_END:   input_move(t, 1000000); break;
		case KEY_BTAB:  input_cycle_focus(t, -1); break;
		case KEY_LEFT:
			if (t->focus == FOCUS_CHECKS)
				input_tree_open(t, false);
			break;
		case KEY_RIGHT:
			if (t->focus == FOCUS_CHECKS)
				input_tree_open(t, true);
			break;
		case KEY_ENTER:
			goto enter;
		case KEY_BACKSPACE:
			goto back;
		case KEY_F(1):
			t->help_open = true;
			view_dirty(t, DIRTY_HELP);
			break;
		default:
			break;
		}
		return;
	}
	switch (ch) {
	case 'q':
	case 'Q':
		input_ask_quit(t);
		return;
	case '?':
		t->help_open = true;
		view_dirty(t, DIRTY_HELP);
		return;
	case '\t':
		input_cycle_focus(t, 1);
		return;
	case 'k':
		input_move(t, -1);
		return;
	case 'j':
		input_move(t, 1);
		return;
	case 'g':
		input_move(t, -1000000);
		return;
	case 'G':
		input_move(t, 1000000);
		return;
	case 'h':
		if (t->focus == FOCUS_CHECKS)
			input_tree_open(t, false);
		return;
	case 'l':
		if (t->focus == FOCUS_CHECKS)
			input_tree_open(t, true);
		return;
	case ' ':
		if (t->focus == FOCUS_CHECKS)
			input_tree_toggle(t);
		return;
	case '/':
		if (t->lay.mode == LAYOUT_SUMMARY && t->view == VIEW_MAIN)
			input_set_view(t, VIEW_DETAIL);   /* no check panel here: filter in the detail view */
		if (t->focus != FOCUS_CHECKS)
			input_focus(t, FOCUS_CHECKS);
		t->filter_editing = true;
		snprintf(t->filter, sizeof t->filter, "%s", t->ct.filter);
		view_dirty(t, DIRTY_FOOTER | DIRTY_CHECKS);
		return;
	case 'a':
		input_ack_open(t);
		return;
	case 'y':
		input_ask_copy(t);
		return;
	case 'b': {   /* history bars: minutes, hours, days, weeks (the last three from the history file) */
		static const char *const what[4] = { "minute", "hour", "day", "week (from Monday, UTC)" };
		char msg[96];
		t->bar_res = (t->bar_res + 1) % 4;
		snprintf(msg, sizeof msg, "history bars: 1 cell = 1 %s%s", what[t->bar_res],
		         t->bar_res ? " (from the history file)" : "");
		view_set_message(t, msg);
		view_dirty(t, DIRTY_ALL);
		return;
	}
	case 'f':
		checktree_set_failing_only(&t->ct, !t->ct.failing_only);
		t->ct_cur = 0;
		t->ct_top = 0;
		input_tree_changed(t);
		return;
	case '\r':
	case '\n':
		goto enter;
	case 127:
	case 8:
		goto back;
	case KEY_ESC:
		if (view_message_dismiss(t))
			return;                  /* read: the error (or message) goes */
		if (t->view == VIEW_DETAIL) {
			input_set_view(t, VIEW_MAIN);
		} else if (t->ct.filter[0]) {
			t->filter[0] = '\0';
			input_filter_apply(t);
		}
		return;
	default:
		return;
	}
enter:
	if (t->focus == FOCUS_CHECKS)
		input_tree_toggle(t);
	else if (t->view == VIEW_MAIN && t->focus == FOCUS_NODES && t->m->nnodes)
		input_set_view(t, VIEW_DETAIL);
	return;
back:
	/* as the help says: back from the detail view, else clear the filter */
	if (t->view == VIEW_DETAIL) {
		input_set_view(t, VIEW_MAIN);
	} else if (t->ct.filter[0]) {
		t->filter[0] = '\0';
		input_filter_apply(t);
	}
}

/* ---------------------------------------------------------------- mouse */

void input_mouse(view_t *t)
{
	MEVENT ev;
	const layout_t *l = &t->lay;
	bool wheel_up, wheel_down, click;

	if (getmouse(&ev) != OK || t->kiosk || t->ack_editing)
		return;
	click = ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED);
	wheel_up = ev.bstate & BUTTON4_PRESSED;
#ifdef BUTTON5_PRESSED
	wheel_down = ev.bstate & BUTTON5_PRESSED;
#else
	wheel_down = false;
#endif
	if (t->help_open) {
		t->help_open = false;
		view_dirty(t, DIRTY_ALL);
		return;
	}
	if (rect_contains(l->nodes, ev.y, ev.x) && t->view == VIEW_MAIN) {
		input_focus(t, FOCUS_NODES);
		if (click) {
			size_t idx = panel_nodes_hit(t, ev.y - l->nodes.y);
			if (idx != (size_t)-1)
				input_select_node(t, idx);
		}
	} else if (rect_contains(l->checks, ev.y, ev.x) &&
	           !(l->shared_middle && t->focus == FOCUS_CHARTS)) {
		input_focus(t, FOCUS_CHECKS);
		if (click) {
			size_t row = panel_checks_hit(t, ev.y - l->checks.y);
			if (row != (size_t)-1) {
				if (row == t->ct_cur)
					input_tree_toggle(t);
				t->ct_cur = row;
				view_dirty(t, DIRTY_CHECKS);
			}
		}
	} else if (rect_contains(l->charts, ev.y, ev.x)) {
		input_focus(t, FOCUS_CHARTS);
	} else if (rect_contains(l->events, ev.y, ev.x)) {
		input_focus(t, FOCUS_EVENTS);
	} else {
		return;
	}
	if (wheel_up)
		input_move(t, -3);
	else if (wheel_down)
		input_move(t, 3);
}
