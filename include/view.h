/* view.h - the dashboard's view state, the bottom of the screen: what is dirty, focus, messages,
 * staleness, the clock, the kiosk's page, the shared sentences; what it may ask of the app. */
#ifndef NODETOP_VIEW_H
#define NODETOP_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checktree.h"
#include "layout.h"
#include "model.h"

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

typedef enum view_focus {
	FOCUS_NODES = 0,
	FOCUS_CHECKS,
	FOCUS_CHARTS,
	FOCUS_EVENTS,
	FOCUS__COUNT
} view_focus_t;

typedef enum view_page {
	VIEW_MAIN = 0,
	VIEW_DETAIL,       /* one node: all checks with full output, larger charts */
} view_page_t;

/* What takes the kiosk's screen. */
typedef enum kiosk_view {
	KIOSK_LIST = 0,    /* something needs attention (or is not known yet): problem nodes first, in pages */
	KIOSK_HEALTHY,     /* every node and group indicator up: the big ALL HEALTHY banner */
	KIOSK_STALE,       /* nodetop's own data is old: the whole screen says so */
} kiosk_view_t;

/* One glyph table for UTF-8 terminals and one for ASCII (htop's Meter.c way). */
typedef struct view_glyphs {
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
} view_glyphs_t;

/* What the view asks of whoever runs it (tui.c installs these). */
typedef struct view_asks {
	void (*redraw)(void *ud);            /* something is dirty: draw soon */
	void (*quit)(void *ud);              /* q */
	void (*ack)(void *ud, size_t idx, const char *note);   /* acknowledge node idx */
	void (*copy)(void *ud);              /* y: the incident summary to the clipboard */
} view_asks_t;

/* A message (config reload...) stays this long in the footer; an error stays
 * until it is fixed (a new message) or acknowledged (Esc). */
#define VIEW_MESSAGE_MS 10000
/* Burn-in positions (x, y) the kiosk cycles through, a cell apart. */
#define VIEW_KIOSK_SHIFTS 6
/* Longest acknowledgement note, in bytes. */
#define VIEW_ACK_MAX 100

typedef struct view {
	const model_t *m;
	const view_asks_t *ask;
	void *ask_ud;

	/* what the terminal shows (set once by tui.c) */
	bool utf8, color, mouse;
	const view_glyphs_t *g;
	bool kiosk;                  /* read-only wall screen */
	int64_t kiosk_page_ms;       /* its pages turn this often */

	/* the frame */
	int cols, rows;
	layout_t lay;
	size_t lay_nnodes;           /* node count the layout was made for */
	unsigned dirty;
	bool relayout;               /* windows must be made again (size or view changed) */
	bool repaint;                /* clearok(curscr): Ctrl-L, SIGCONT, resize */
	int64_t now_ms;              /* the clock of the frame being drawn */
	uint64_t frames;

	/* staleness */
	int64_t start_ms;            /* wall clock when the dashboard started */
	uint64_t stale_mask;         /* nodes seen stale at the last tick (first 64) */
	int64_t stall_mark_ms;       /* after a stall: data older than this came before it */
	int64_t stall_until_ms;      /* ...and counts as stale until then at the latest */

	/* the message in the header */
	char message[600];           /* raw; the header escapes it */
	int64_t message_until_ms;    /* shown until then */
	uint64_t message_seq;        /* events.seq when it was set (a CONFIG down after it = an error) */
	bool message_err;

	/* where the user is */
	view_page_t view;
	view_focus_t focus;
	bool help_open;
	int bar_res;                 /* history bars: 0 one cell a minute, 1 + MODEL_BAR_* (b cycles) */
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
	char ack_note[VIEW_ACK_MAX + 1];

	/* kiosk */
	kiosk_view_t kview;
	int kiosk_page, kiosk_npages;
	int64_t kiosk_next_ms;       /* next page turn */
	int64_t shift_ms;            /* burn-in: the layout moves a cell this often */
	int64_t shift_next_ms;
	unsigned shift_idx;
} view_t;

void view_init(view_t *v, const model_t *m, const view_asks_t *ask, void *ask_ud);
void view_free(view_t *v);

/* Marks parts dirty and asks for a frame. */
void view_dirty(view_t *v, unsigned what);
/* Windows must be made again (view or size changed); implies a full redraw. */
void view_relayout(view_t *v);
/* Ctrl-L: repaint the whole terminal at the next frame. */
void view_repaint(view_t *v);

/* Shows msg (raw) in the header for VIEW_MESSAGE_MS. */
void view_set_message(view_t *v, const char *msg);
/* True while a message is shown; *err when it reports an error. */
bool view_message_active(view_t *v, bool *err);
/* Esc: the operator has read the message (an error too); true when one was shown. */
bool view_message_dismiss(view_t *v);

/* True when nodetop's own data is stale: every node's newest data is older than 3
 * of its intervals (or none came in that long since the start), or nodetop itself
 * stalled and some node has not answered since. *newest_ms gets the time of the
 * newest poll result (when stale: the newest of the old ones; 0 = none). */
bool view_all_stale(const view_t *v, int64_t now_ms, int64_t *newest_ms);

/* The clock ticked at now; gap_ms since the last tick (0: the first). Notices a
 * stall of nodetop itself (*stalled, with a message), nodes turning stale, a message
 * running out, the kiosk's page turn and burn-in shift. Returns what is dirty. */
unsigned view_tick(view_t *v, int64_t now, int64_t gap_ms, bool *stalled);

/* Before a frame: keeps the selection, scroll offsets and cursor in range. */
void view_clamp(view_t *v);
/* Before a frame: rebuilds the check tree when the node or the model changed. */
void view_checks_sync(view_t *v);
/* Number of charted series of the selected node. */
size_t view_charts_count(const view_t *v);
/* The kiosk's burn-in offset now: x in 0..2, y in 0..1. */
void view_kiosk_offset(const view_t *v, int *dy, int *dx);
/* Banners are drawn inverted every other round of the burn-in shift. */
bool view_kiosk_inverted(const view_t *v);

/* ---------------------------------------------------------------- true sentences
 * Shared by the header and the kiosk (the status line says the same in report.c).
 * Names are raw: escape the text before drawing it. */

/* "2 up · 1 degraded · 1 starting · 1 standby" (model_counts(): up means every
 * indicator up); "all 3 up" when every node is up. */
void view_counts_text(const view_t *v, char *buf, size_t sz);

/* One part of the headline: a state and the words saying it. */
typedef struct view_phrase {
	state_t state;
	char text[200];
} view_phrase_t;

/* The headline: the worst thing with its own state, the group first when a group
 * carries the service: "pair up on standby" then "primary down 4m"; "delta down
 * 12s"; "rpc down on bravo 1m"; "pair failing over: standby starting, 14s".
 * Fills up to two phrases; returns how many (0: nothing to say). */
size_t view_headline(const view_t *v, view_phrase_t out[2]);

/* "pair up on primary" / "pair: no active member" for group gi (raw). */
void view_group_text(const view_t *v, size_t gi, char *buf, size_t sz);

#endif
