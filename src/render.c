/* render.c - the drawing helpers every panel shares: attributes and colour pairs,
 * cut and padded text, escaped untrusted text, titles, lines, scroll hints, state symbols. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "render.h"
#include "textsafe.h"
#include "xalloc.h"

/* ---------------------------------------------------------------- helpers */

attr_t render_pair(const view_t *t, int pair)
{
	return t->color ? COLOR_PAIR(pair) : A_NORMAL;
}

attr_t render_state_attr(const view_t *t, state_t s)
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

const char *render_state_symbol(const view_t *t, state_t s)
{
	return (unsigned)s < STATE__COUNT ? t->g->state[s] : "?";
}

void render_ack_text(const view_t *t, const node_t *n, char *buf, size_t sz)
{
	char note[256];

	buf[0] = '\0';
	if (!n->acked)
		return;
	render_escape(t, note, sizeof note, n->ack_note, false);
	snprintf(buf, sz, note[0] ? "ACK: %s" : "ACK", note);
}

int render_width(const char *s)
{
	return fmt_width(s, strlen(s));
}

int render_put(const view_t *t, WINDOW *w, int y, int x, int maxw, const char *s, attr_t a)
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

void render_field(const view_t *t, WINDOW *w, int y, int x, int width, const char *s, attr_t a, bool right)
{
	int sw;

	if (width <= 0)
		return;
	sw = render_width(s);
	if (right && sw < width)
		x += width - sw;
	render_put(t, w, y, x, width, s, a);
}

int render_putf(const view_t *t, WINDOW *w, int y, int x, int maxw, attr_t a, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return render_put(t, w, y, x, maxw, buf, a);
}

void render_escape(const view_t *t, char *dst, size_t dstsz, const char *raw, bool keep_newlines)
{
	if (!raw)
		raw = "";
	textsafe_escape(dst, dstsz, raw, strlen(raw), t->utf8, keep_newlines);
}

char *render_escape_dup(const view_t *t, const char *raw, bool keep_newlines)
{
	size_t len = raw ? strlen(raw) : 0, cap = len * 10 + 1;   /* worst case: \u{10FFFF} per 4 bytes, \xNN per byte */
	char *dst = xmalloc(cap);

	textsafe_escape(dst, cap, raw ? raw : "", len, t->utf8, keep_newlines);
	return dst;
}

void render_hline(const view_t *t, WINDOW *w, int y, int x, int n, attr_t a)
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

int render_title(const view_t *t, WINDOW *w, const char *title, const char *right, bool focused)
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

void render_scroll_hint(const view_t *t, WINDOW *w, int y, bool up)
{
	int W = getmaxx(w);

	/* a blank cell before it, so that an ASCII "v" never runs into text ("nodev") */
	if (W >= 2 && !t->utf8) {
		chtype c = mvwinch(w, y, W - 2) & A_CHARTEXT;
		if (c != (chtype)'-')
			mvwaddch(w, y, W - 2, ' ');
	}
	render_put(t, w, y, W - 1, 1, up ? t->g->more_up : t->g->more_down, A_BOLD);
}
