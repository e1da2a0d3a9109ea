/* tui.h - the interactive dashboard: owns the terminal (curses), its input
 * and signals on the libuv loop, and draws the model when it changed. */
#ifndef NODETOP_TUI_H
#define NODETOP_TUI_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "model.h"

typedef struct tui_opts {
	bool ascii;         /* --ascii, or the locale is not UTF-8 */
	bool no_color;      /* --no-color or NO_COLOR set */
	bool no_mouse;      /* --no-mouse */
	bool kiosk;         /* --kiosk: read-only wall screen */
	int64_t kiosk_page_ms;   /* kiosk: turn the page this often (0: 10 s) */
	int64_t kiosk_shift_ms;  /* kiosk: burn-in shift this often (0: 5 min); NODETOP_KIOSK_SHIFT_MS wins */
	bool bell, title;   /* alerts on transitions into degraded/down (bell; OSC 2 title = status line) */
} tui_opts_t;

typedef struct tui tui_t;

/* Called when the user quits (q), on SIGINT/SIGTERM, and when the terminal goes
 * away (end of file or an error on stdin). SIGHUP is left to the caller. */
typedef void (*tui_quit_fn)(void *ud);

/* Takes over the terminal (initscr etc.) and starts reading keys, SIGWINCH,
 * SIGTSTP/SIGCONT, SIGINT/SIGTERM through the loop. Returns NULL (and prints why) when the
 * terminal cannot be used. */
tui_t *tui_new(uv_loop_t *loop, model_t *m, const tui_opts_t *opts, tui_quit_fn quit, void *ud);
/* The model changed: draw at the next pass of the loop (coalesced). */
void tui_mark_dirty(tui_t *t);
/* Shows a one-line message in the header for 10 s (e.g. "config reloaded: ...").
 * It is drawn as an error (reverse video) when the caller adds an EVENT_CONFIG
 * with to == STATE_DOWN right after it, as app.c does for a rejected config. */
void tui_set_message(tui_t *t, const char *msg);
/* Restores the terminal and closes the TUI's handles; safe to call twice. */
void tui_stop(tui_t *t);
void tui_free(tui_t *t);
/* Restores the terminal from a signal handler (async-signal-safe subset). */
void tui_emergency_restore(void);

#endif
