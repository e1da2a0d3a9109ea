/* tui_priv.h - the dashboard's internal state and the functions that tui.c,
 * render.c, input.c and the panel_*.c files share (not a program contract). */
#ifndef NODETOP_TUI_PRIV_H
#define NODETOP_TUI_PRIV_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>
#include <stdbool.h>
#include <stdint.h>
#include <termios.h>
#include <uv.h>

#include "checktree.h"
#include "layout.h"
#include "model.h"
#include "tui.h"

/* What has to be drawn again at the next frame. */
enum {
	DIRTY_HEADER = 1u << 0,
	DIRTY_NODES  = 1u << 1,
	DIRTY_CHECKS = 1u << 2,
	DIRTY_CHARTS = 1u << 3,
	DIRTY_EVENTS = 1u << 4,
	DIRTY_FOOTER = 1u << 5,
	DIRTY_HELP   = 1u << 6,
	DIRTY_ALL    = 0x7fu,
	DIRTY_MODEL  = DIRTY_HEADER | DIRTY_NODES | DIRTY_CHECKS | DIRTY_CHARTS | DIRTY_EVENTS,
};

typedef enum tui_focus {
	FOCUS_NODES = 0,
	FOCUS_CHECKS,
	FOCUS_CHARTS,
	FOCUS_EVENTS,
	FOCUS__COUNT
} tui_focus_t;

typedef enum tui_view {
	VIEW_MAIN = 0,
	VIEW_DETAIL,       /* one node: all checks with full output, larger charts */
} tui_view_t;

/* What takes the kiosk's screen. */
typedef enum kiosk_view {
	KIOSK_LIST = 0,    /* something needs attention (or is not known yet): problem nodes first, in pages */
	KIOSK_HEALTHY,     /* every node and group indicator up: the big ALL HEALTHY banner */
	KIOSK_STALE,       /* nodetop's own data is old: the whole screen says so */
} kiosk_view_t;

typedef enum tui_win {
	WIN_HEADER = 0,
	WIN_NODES,
	WIN_CHECKS,
	WIN_CHARTS,
	WIN_EVENTS,
	WIN_FOOTER,
	WIN__COUNT
} tui_win_t;

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

/* One glyph table for UTF-8 terminals and one for ASCII (htop's Meter.c way). */
typedef struct tui_glyphs {
	const char *state[STATE__COUNT];     /* ? ○ ● ◐ ▲ ✖  /  ? o + ~ ! X */
	const char *hist_color[STATE__COUNT];/* history cells when colours tell the state */
	const char *hist_mono[STATE__COUNT]; /* history cells when only the glyph can */
	const char *const *spark;            /* SPARK_LEVELS glyphs */
	const char *hline;                   /* ─ / - */
	const char *sel;                     /* ▶ / > */
	const char *open, *closed;           /* ▾ ▸ / - + */
	const char *ellipsis;                /* … / ~ */
	const char *dot;                     /* · / . */
	const char *restart;                 /* ↻ / R */
	const char *more_up, *more_down;     /* ▲ ▼ / ^ v : scroll hints */
} tui_glyphs_t;

/* Model changes (many nodes polling) are drawn at most this often; keys at once. */
#define TUI_MODEL_FRAME_MS 100
/* A message (config reload...) stays this long in the header. */
#define TUI_MESSAGE_MS 10000
/* At most one bell and one title change per this long (NODETOP_ALERT_MIN_MS overrides). */
#define TUI_ALERT_MIN_MS 30000
/* Kiosk burn-in care: the layout moves by a cell this often (NODETOP_KIOSK_SHIFT_MS overrides). */
#define TUI_KIOSK_SHIFT_MS (5 * 60 * 1000)
/* Kiosk pages turn this often unless the config says (kiosk_page). */
#define TUI_KIOSK_PAGE_MS 10000
/* Burn-in positions (x, y) the kiosk cycles through, a cell apart. */
#define TUI_KIOSK_SHIFTS 6
/* Longest acknowledgement note, in bytes. */
#define TUI_ACK_MAX 100
/* The summary copied with y is cut at this size. */
#define TUI_COPY_MAX (64 * 1024)

struct tui {
	uv_loop_t *loop;
	model_t *m;
	tui_opts_t opts;
	tui_quit_fn quit;
	void *ud;

	/* terminal */
	SCREEN *scr;
	WINDOW *win[WIN__COUNT];
	WINDOW *help;                /* overlay, NULL when closed */
	WINDOW *inpad;               /* 1x1 pad read by wget_wch: never refreshes a window */
	bool utf8, color, mouse;
	const tui_glyphs_t *g;
	int cols, rows;
	layout_t lay;
	size_t lay_nnodes;           /* node count the layout was made for */
	struct termios saved_tio;    /* before curses */
	bool have_tio;
	int saved_flags;             /* fcntl(0, F_GETFL) before libuv */

	/* drawing */
	unsigned dirty;
	bool relayout;               /* windows must be made again (size or view changed) */
	bool repaint;                /* clearok(curscr): Ctrl-L, SIGCONT, resize */
	int64_t now_ms;
	uint64_t frames;
	uint64_t stale_mask;         /* nodes seen stale at the last tick (first 64) */
	uint64_t last_frame_ms;      /* uv_now() of the last frame */
	int64_t start_ms;            /* wall clock when the dashboard started */
	uint64_t last_tick_uv;       /* uv_now() at the last clock tick: a loop stall shows as a jump */
	int64_t stall_mark_ms;       /* after a stall: data older than this came before it */
	int64_t stall_until_ms;      /* ...and counts as stale until then at the latest */
	char message[600];           /* raw; the header escapes it */
	int64_t message_until_ms;    /* shown until then */
	uint64_t message_seq;        /* events.seq when it was set (a CONFIG down after it = an error) */
	bool message_err;

	/* alerts on transitions (bell = true, title = true), the OSC 52 copy */
	uint64_t last_event_seq;     /* events already looked at for alerts */
	bool alerts_armed;           /* after the first poll round: the first title says how things are */
	bool title_due;              /* the status line changed by a transition: set the title */
	bool bell_due;
	int64_t alert_min_ms;        /* at most one bell and one title per this (NODETOP_ALERT_MIN_MS) */
	int64_t last_bell_ms, last_title_ms;
	const char *title_pre, *title_post;  /* NULL: this terminal has no title */
	char title_last[256];        /* the title last written */
	char *osc52;                 /* OSC 52 sequence to write after the next frame */
	size_t osc52_len;

	/* view state */
	tui_view_t view;
	tui_focus_t focus;
	bool help_open;
	size_t sel;                  /* selected node */
	size_t node_top;             /* first node shown */
	checktree_t ct;
	size_t ct_node;              /* node the tree was built for */
	uint64_t ct_gen;             /* model generation it was built at */
	bool ct_valid;
	size_t ct_cur;               /* cursor: index into ct.rows */
	size_t ct_top;               /* first row shown */
	char ct_cur_name[256];       /* cursor check, to find it again after a rebuild */
	size_t chart_top;
	size_t ev_top;
	bool filter_editing;
	char filter[128];            /* being typed (UTF-8) */
	bool ack_editing;            /* the acknowledge prompt is open */
	char ack_name[64];           /* node it is for (by name: a reload may move indices) */
	char ack_note[TUI_ACK_MAX + 1];
	WINDOW *prompt;              /* the prompt's overlay on the last row */

	/* kiosk */
	WINDOW *kwin;                /* the kiosk's one window, moved by the burn-in shift */
	kiosk_view_t kview;
	int kiosk_page, kiosk_npages;
	int64_t kiosk_next_ms;       /* next page turn */
	uint64_t kiosk_seq;          /* events.seq last drawn: model changes without a transition wait for the tick */
	int64_t shift_ms;            /* burn-in: the layout moves a cell this often */
	int64_t shift_next_ms;
	unsigned shift_idx;

	/* loop handles, all closed by tui_stop */
	uv_poll_t in;
	uv_signal_t sig_winch, sig_tstp, sig_cont, sig_int, sig_term;   /* SIGHUP is the app's (reload) */
	uv_timer_t tick;
	uv_timer_t throttle;         /* model changes draw at most every TUI_MODEL_FRAME_MS */
	uv_idle_t idle;              /* keeps the loop from blocking while a frame is due */
	uv_check_t check;            /* draws the frame after the loop's I/O phase */
	int closing;                 /* handles whose close callback has not run yet */
	bool handles_open, frame_pending, stopped, free_pending;
};

/* ---------------------------------------------------------------- tui.c */
int64_t tui_now_ms(void);
/* Marks parts dirty and schedules one frame for this loop pass. */
void tui_dirty(tui_t *t, unsigned what);
/* Windows must be made again (view or size changed); implies a full redraw. */
void tui_relayout(tui_t *t);
void tui_request_quit(tui_t *t);
/* Ctrl-L: repaint the whole terminal at the next frame. */
void tui_repaint(tui_t *t);
/* After doupdate(): the bell, the terminal title and an OSC 52 copy, between frames. */
void tui_after_frame(tui_t *t);
/* y: puts the incident summary on the clipboard (OSC 52) after the next frame. */
void tui_copy_summary(tui_t *t);
/* True when nodetop's own data is stale: every node's newest data is older than 3
 * of its intervals (or none came in that long since the start), or nodetop itself
 * stalled and some node has not answered since. *newest_ms gets the time of the
 * newest poll result (when stale: the newest of the old ones; 0 = none). */
bool tui_all_stale(const tui_t *t, int64_t now_ms, int64_t *newest_ms);
/* True while a message is shown; *err when it reports an error. */
bool tui_message_active(tui_t *t, bool *err);
/* True when the node has something to acknowledge (a state, an indicator or a check not fine). */
bool tui_node_has_problem(const tui_t *t, size_t idx);

/* ---------------------------------------------------------------- render.c */
/* Builds one frame: recomputes the layout if needed, draws the dirty windows
 * (werase + draw + wnoutrefresh), the help overlay, then one doupdate(). */
void render_frame(tui_t *t);
/* Attributes for a state: colour pair (when colours) plus bold/dim so that
 * monochrome still tells every state apart. */
attr_t render_state_attr(const tui_t *t, state_t s);
attr_t render_pair(const tui_t *t, int pair);
/* Draws s (trusted, already escaped UTF-8 or ASCII) at (y, x), cut to maxw
 * cells with an ellipsis; returns the cells drawn. */
int render_put(const tui_t *t, WINDOW *w, int y, int x, int maxw, const char *s, attr_t a);
/* Draws s in a field of width cells: cut with an ellipsis, padded; right-aligned when right. */
void render_field(const tui_t *t, WINDOW *w, int y, int x, int width, const char *s, attr_t a, bool right);
int render_putf(const tui_t *t, WINDOW *w, int y, int x, int maxw, attr_t a, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
/* Escapes untrusted bytes for display into dst (see textsafe_escape). */
void render_escape(const tui_t *t, char *dst, size_t dstsz, const char *raw, bool keep_newlines);
/* The same into a new heap string (for outputs of any size). */
char *render_escape_dup(const tui_t *t, const char *raw, bool keep_newlines);
/* A panel's title row: "─ Title ─ right ───"; returns the column after the text. */
int render_title(const tui_t *t, WINDOW *w, const char *title, const char *right, bool focused);
void render_hline(const tui_t *t, WINDOW *w, int y, int x, int n, attr_t a);
/* Scroll hint glyph at the right end of row y when more is above/below. */
void render_scroll_hint(const tui_t *t, WINDOW *w, int y, bool up);
/* Display width of trusted text. */
int render_width(const char *s);

/* ---------------------------------------------------------------- input.c */
void input_key(tui_t *t, int is_key, wint_t ch);
/* The acknowledge prompt on the last row (drawn over whatever is there). */
void input_prompt_draw(tui_t *t, WINDOW *w);
void input_mouse(tui_t *t);
/* Keeps the selection, scroll offsets and cursor in range after a change. */
void input_clamp(tui_t *t);

/* ---------------------------------------------------------------- panels */
void panel_header_draw(tui_t *t, WINDOW *w);
void panel_footer_draw(tui_t *t, WINDOW *w);
void panel_nodes_draw(tui_t *t, WINDOW *w);
/* Node index under row y of the node window, or (size_t)-1. */
size_t panel_nodes_hit(const tui_t *t, int y);
/* Detail view: the selected node's facts. */
void panel_nodes_detail_draw(tui_t *t, WINDOW *w);
/* Rebuilds the check tree when the node or the model changed. */
void panel_checks_sync(tui_t *t);
void panel_checks_draw(tui_t *t, WINDOW *w);
/* Tree row under window row y, or (size_t)-1. */
size_t panel_checks_hit(tui_t *t, int y);
void panel_charts_draw(tui_t *t, WINDOW *w);
/* Number of charted series of the selected node. */
size_t panel_charts_count(const tui_t *t);
void panel_events_draw(tui_t *t, WINDOW *w);
void panel_help_draw(tui_t *t, WINDOW *w);
/* Size of the help overlay for the current terminal. */
void panel_help_size(const tui_t *t, int *h, int *w);
void panel_too_small_draw(tui_t *t, WINDOW *w);
/* The kiosk: chooses the view (list, ALL HEALTHY, stale) and draws it into
 * its one window; counts the pages of the list (kiosk_npages). */
void panel_kiosk_draw(tui_t *t, WINDOW *w);
/* The kiosk's burn-in offset for shift position idx: x in 0..2, y in 0..1. */
void panel_kiosk_offset(unsigned idx, int *dy, int *dx);
/* "ACK: note" (escaped) for an acknowledged node, "" otherwise. */
void panel_ack_text(const tui_t *t, const node_t *n, char *buf, size_t sz);
/* Symbol and name of a state ("✖", "down"). */
const char *panel_state_symbol(const tui_t *t, state_t s);

#endif
