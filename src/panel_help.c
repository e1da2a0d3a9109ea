/* panel_help.c - the screens that are not the dashboard: the help overlay (keys,
 * symbols, this terminal's layout) and the "terminal too small" notice. */
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "layout.h"
#include "panel_help.h"
#include "panel_rules.h"
#include "render.h"

typedef struct help_line {
	const char *key_utf8, *key_ascii, *what;
} help_line_t;

static const help_line_t help_keys[] = {
	{ "\xe2\x86\x91 \xe2\x86\x93  j k", "Up Down  j k", "move in the focused panel (nodes, checks, charts, events)" },
	{ "Tab  S-Tab", "Tab  S-Tab", "next / previous panel" },
	{ "Enter", "Enter", "detail view of the node; in checks: open/close a group" },
	{ "\xe2\x86\x90 \xe2\x86\x92  h l  Space", "Left Right  h l  Space", "close / open a check group" },
	{ "PgUp PgDn  g G", "PgUp PgDn  g G", "page up / down, first / last" },
	{ "Esc  Backspace", "Esc  Backspace", "dismiss a message; back from the detail view; clear the filter" },
	{ "/", "/", "filter checks by text (name or output)" },
	{ "f", "f", "failing checks only (toggle)" },
	{ "b", "b", "history bars: 1 cell = 1 minute, hour, day, week (hours on: from the history file)" },
	{ "a", "a", "acknowledge the selected node's problem, with a note (until its state changes or a rule fires); stops the repeats of its notifications" },
	{ "y", "y", "copy an incident summary to the clipboard (OSC 52; tmux: set-clipboard on)" },
	{ "Ctrl-L", "Ctrl-L", "repaint the whole screen (after a tmux reattach)" },
	{ "?  F1", "?  F1", "this help; any key closes it" },
	{ "q", "q", "quit" },
	{ "mouse", "mouse", "click selects a node or a check; the wheel scrolls" },
};

void panel_help_size(const view_t *t, int *h, int *w)
{
	*h = (int)(sizeof help_keys / sizeof help_keys[0]) + 13;   /* a few lines wrap */
	*h += panel_rules_help_rows();
	*w = 96;
}

void panel_help_draw(view_t *t, WINDOW *w)
{
	int W = getmaxx(w), H = getmaxy(w), y = 1, kw = t->utf8 ? 20 : 24, x;
	char buf[256];

	if (t->utf8)
		box(w, 0, 0);
	else
		wborder(w, '|', '|', '-', '-', '+', '+', '+', '+');
	render_put(t, w, 0, 2, W - 4, " nodetop: keys ", A_BOLD);
	for (size_t i = 0; i < sizeof help_keys / sizeof help_keys[0] && y < H - 1; i++, y++) {
		render_put(t, w, y, 2, kw, t->utf8 ? help_keys[i].key_utf8 : help_keys[i].key_ascii, A_BOLD);
		/* a long line wraps under itself instead of being cut */
		{
			const char *what = help_keys[i].what;
			size_t len = strlen(what), off = 0, next, l;
			int width = W - 3 - kw;
			while (off < len && y < H - 1 && width > 8) {
				l = fmt_wrap(what + off, len - off, width, &next);
				snprintf(buf, sizeof buf, "%.*s", (int)l, what + off);
				render_put(t, w, y, 2 + kw, width, buf, A_NORMAL);
				off += next ? next : len;
				if (off < len)
					y++;
			}
		}
	}
	y++;
	if (y < H - 1) {
		/* every state has its own symbol, so the screen reads without colour */
		x = 2 + render_put(t, w, y, 2, W - 4, "states:", A_BOLD) + 1;
		for (int s = STATE_UP; s <= STATE_DOWN + 2 && x < W - 12; s++) {
			state_t st = s == STATE_DOWN + 1 ? STATE_UNKNOWN : s == STATE_DOWN + 2 ? STATE_STANDBY : (state_t)s;
			x += render_put(t, w, y, x, 2, render_state_symbol(t, st), render_state_attr(t, st)) + 1;
			x += render_put(t, w, y, x, W - 2 - x, state_name(st), A_NORMAL) + 2;
		}
		y++;
	}
	if (y < H - 1) {
		x = 2 + render_put(t, w, y, 2, W - 4, "history:", A_BOLD) + 1;
		for (int s = STATE_UP; s <= STATE_DOWN + 2 && x < W - 12; s++) {
			state_t st = s == STATE_DOWN + 1 ? STATE_UNKNOWN : s == STATE_DOWN + 2 ? STATE_STANDBY : (state_t)s;
			const char *g = t->color ? t->g->hist_color[st] : t->g->hist_mono[st];
			x += render_put(t, w, y, x, 1, g, render_state_attr(t, st) & ~A_REVERSE) + 1;
			x += render_put(t, w, y, x, W - 2 - x, state_name(st), A_NORMAL) + 2;
		}
		render_put(t, w, y, x, W - 2 - x, t->bar_res == 0 ? "(1 cell = 1 min)" : t->bar_res == 1 ? "(1 cell = 1 h)"
		                                  : t->bar_res == 2 ? "(1 cell = 1 day)" : "(1 cell = 1 week)", A_DIM);
		y++;
	}
	if (y < H - 1) {
		snprintf(buf, sizeof buf, "stale data (older than 3 poll intervals) is dimmed and shows its age");
		render_put(t, w, y++, 2, W - 4, buf, A_DIM);
	}
	y = panel_rules_help_draw(t, w, y + 1, H);
	y++;
	if (y < H - 1) {
		render_put(t, w, y++, 2, W - 4, "output to the terminal: script -q -c 'nodetop URL...' t.log; wc -c t.log", A_DIM);
	}
	if (y < H - 1) {
		render_put(t, w, y++, 2, W - 4, "or, in tmux:  tmux pipe-pane -o 'cat >>/tmp/t.log'", A_DIM);
	}
	if (y < H - 1) {
		snprintf(buf, sizeof buf, "this terminal: %dx%d, %s, %s, %s",
		         t->cols, t->rows, t->utf8 ? "UTF-8" : "ASCII",
		         t->color ? "colour" : "monochrome", t->mouse ? "mouse" : "no mouse");
		render_put(t, w, y, 2, W - 4, buf, A_DIM);
	}
}

void panel_too_small_draw(view_t *t, WINDOW *w)
{
	int W = getmaxx(w), H = getmaxy(w), y = H / 2 - 1;
	char buf[128];
	const char *l1 = "terminal too small";

	if (y < 0)
		y = 0;
	snprintf(buf, sizeof buf, "%dx%d, need %dx%d", W, H, LAYOUT_MIN_COLS, LAYOUT_MIN_ROWS);
	render_put(t, w, y, (W - render_width(l1)) / 2 > 0 ? (W - render_width(l1)) / 2 : 0, W, l1, A_BOLD);
	if (y + 1 < H)
		render_put(t, w, y + 1, (W - render_width(buf)) / 2 > 0 ? (W - render_width(buf)) / 2 : 0, W, buf, A_NORMAL);
	if (y + 2 < H)
		render_put(t, w, y + 2, (W - 6) / 2 > 0 ? (W - 6) / 2 : 0, W, "q quit", A_DIM);
}
