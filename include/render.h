/* render.h - drawing helpers of the dashboard: attributes and colour pairs, text cut
 * to a width, escaped untrusted text, titles, lines, scroll hints, state symbols. */
#ifndef NODETOP_RENDER_H
#define NODETOP_RENDER_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

#include "view.h"

/* Colour pairs (used only when the terminal has colours and they are wanted). */
enum {
	PAIR_UP = 1,
	PAIR_STARTING,
	PAIR_DEGRADED,
	PAIR_DOWN,
	PAIR_UNKNOWN,
	PAIR_TITLE,
	PAIR_KEY,
	PAIR__COUNT
};

/* Attributes for a state: colour pair (when colours) plus bold/dim so that
 * monochrome still tells every state apart. */
attr_t render_state_attr(const view_t *t, state_t s);
attr_t render_pair(const view_t *t, int pair);
/* Symbol of a state ("✖"). */
const char *render_state_symbol(const view_t *t, state_t s);
/* "ACK: note" (escaped) for an acknowledged node, "" otherwise. */
void render_ack_text(const view_t *t, const node_t *n, char *buf, size_t sz);
/* Draws s (trusted, already escaped UTF-8 or ASCII) at (y, x), cut to maxw
 * cells with an ellipsis; returns the cells drawn. */
int render_put(const view_t *t, WINDOW *w, int y, int x, int maxw, const char *s, attr_t a);
/* Draws s in a field of width cells: cut with an ellipsis, padded; right-aligned when right. */
void render_field(const view_t *t, WINDOW *w, int y, int x, int width, const char *s, attr_t a, bool right);
int render_putf(const view_t *t, WINDOW *w, int y, int x, int maxw, attr_t a, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
/* Escapes untrusted bytes for display into dst (see textsafe_escape). */
void render_escape(const view_t *t, char *dst, size_t dstsz, const char *raw, bool keep_newlines);
/* The same into a new heap string (for outputs of any size). */
char *render_escape_dup(const view_t *t, const char *raw, bool keep_newlines);
/* A panel's title row: "─ Title ─ right ───"; returns the column after the text. */
int render_title(const view_t *t, WINDOW *w, const char *title, const char *right, bool focused);
void render_hline(const view_t *t, WINDOW *w, int y, int x, int n, attr_t a);
/* Scroll hint glyph at the right end of row y when more is above/below. */
void render_scroll_hint(const view_t *t, WINDOW *w, int y, bool up);
/* Display width of trusted text. */
int render_width(const char *s);

#endif
