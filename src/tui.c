/* tui.c - the top of the screen: curses set-up and restore (crashes included), colours
 * and glyphs, keys, signals and the clock on the libuv loop wired to the view, one frame per pass. */
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "clock.h"
#include "frame.h"
#include "input.h"
#include "panel_charts.h"
#include "panel_checks.h"
#include "panel_events.h"
#include "panel_header.h"
#include "panel_help.h"
#include "panel_kiosk.h"
#include "panel_nodes.h"
#include "panel_rules.h"
#include "sparkline.h"
#include "termctl.h"
#include "tui.h"
#include "view.h"
#include "xalloc.h"

/* Model changes (many nodes polling) are drawn at most this often; keys at once. */
#define TUI_MODEL_FRAME_MS 100
/* Kiosk burn-in care: the layout moves by a cell this often (NODETOP_KIOSK_SHIFT_MS overrides). */
#define TUI_KIOSK_SHIFT_MS (5 * 60 * 1000)
/* Kiosk pages turn this often unless the config says (kiosk_page). */
#define TUI_KIOSK_PAGE_MS 10000

struct tui {
	uv_loop_t *loop;
	model_t *m;
	tui_opts_t opts;
	tui_quit_fn quit;
	void *ud;

	view_t v;                    /* what is shown: the panels draw it */
	frame_t f;                   /* the windows it is drawn into */
	termctl_t tc;                /* bell, title, clipboard */

	/* terminal */
	SCREEN *scr;
	WINDOW *inpad;               /* 1x1 pad read by wget_wch: never refreshes a window */
	struct termios saved_tio;    /* before curses */
	bool have_tio;
	int saved_flags;             /* fcntl(0, F_GETFL) before libuv */

	/* scheduling */
	uint64_t last_frame_ms;      /* uv_now() of the last frame */
	uint64_t last_tick_uv;       /* uv_now() at the last clock tick: a loop stall shows as a jump */
	uint64_t kiosk_seq;          /* events.seq last drawn: model changes without a transition wait for the tick */

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

/* The panels, as the frame builder calls them. */
static const frame_panels_t tui_panels = {
	.header = panel_header_draw,
	.footer = panel_footer_draw,
	.nodes = panel_nodes_draw,
	.node_detail = panel_nodes_detail_draw,
	.checks = panel_checks_draw,
	.charts = panel_charts_draw,
	.events = panel_events_draw,
	.help = panel_help_draw,
	.help_size = panel_help_size,
	.prompt = panel_prompt_draw,
	.too_small = panel_too_small_draw,
	.kiosk = panel_kiosk_draw,
	.rules = panel_rules_draw,
};

/* ---------------------------------------------------------------- glyphs */

static const view_glyphs_t tui_glyphs_utf8 = {
	.state = { "?", "\xe2\x97\x8b", "\xe2\x97\x8f", "\xe2\x97\x90", "\xe2\x96\xb2", "\xe2\x9c\x96" },   /* ? ○ ● ◐ ▲ ✖ */
	/* distinct glyphs in colour too: a colour-blind user reads the shape */
	.hist_color = { "\xc2\xb7", "\xe2\x94\x80", "\xe2\x96\x88", "\xe2\x96\x91", "\xe2\x96\x92", "X" }, /* · ─ █ ░ ▒ X */
	.hist_mono = { "\xc2\xb7", "\xe2\x94\x80", "\xe2\x96\x88", "\xe2\x96\x91", "\xe2\x96\x92", "X" },  /* · ─ █ ░ ▒ X */
	.spark = sparkline_utf8,
	.hline = "\xe2\x94\x80",       /* ─ */
	.sel = "\xe2\x96\xb6",         /* ▶ */
	.open = "\xe2\x96\xbe",        /* ▾ */
	.closed = "\xe2\x96\xb8",      /* ▸ */
	.ellipsis = "\xe2\x80\xa6",    /* … */
	.dot = "\xc2\xb7",             /* · */
	.restart = "\xe2\x86\xbb",     /* ↻ */
	.more_up = "\xe2\x86\x91",     /* ↑ */
	.more_down = "\xe2\x86\x93",   /* ↓ */
};

static const view_glyphs_t tui_glyphs_ascii = {
	.state = { "?", "o", "+", "~", "!", "X" },
	.hist_color = { ".", "-", "=", "~", "!", "X" },
	.hist_mono = { ".", "-", "=", "~", "!", "X" },
	.spark = sparkline_ascii,
	.hline = "-",
	.sel = ">",
	.open = "v",
	.closed = ">",
	.ellipsis = "..",               /* not "~": that is the starting state */
	.dot = ".",
	.restart = "R",
	.more_up = "^",
	.more_down = "v",
};

/* ---------------------------------------------------------------- emergency restore */

/* Precomputed at start so that a crash handler only calls write(2),
 * tcsetattr(3) and fcntl(2), all async-signal-safe. */
static char tui_reset_seq[512];
static size_t tui_reset_len;
static struct termios tui_reset_tio;
static int tui_reset_flags = -1;
static volatile sig_atomic_t tui_reset_armed;
static volatile sig_atomic_t tui_reset_have_tio;

/* Appends a terminfo string capability without its padding ($<..>). */
static void tui_reset_add(const char *s)
{
	if (!s || s == (const char *)-1)
		return;
	for (; *s; s++) {
		if (s[0] == '$' && s[1] == '<') {
			const char *e = strchr(s, '>');
			if (e) {
				s = e;
				continue;
			}
		}
		if (tui_reset_len + 1 < sizeof tui_reset_seq)
			tui_reset_seq[tui_reset_len++] = *s;
	}
}

static void tui_reset_prepare(const tui_t *t)
{
	tui_reset_len = 0;
	tui_reset_add(tigetstr("sgr0"));
	tui_reset_add(tigetstr("cnorm"));
	if (t->v.mouse) {
		const char *km = tigetstr("kmous");
		if (km && km != (const char *)-1 && km[0])   /* xterm-like mouse: switch every mode off */
			tui_reset_add("\033[?1006l\033[?1003l\033[?1002l\033[?1000l");
	}
	tui_reset_add(tigetstr("rmkx"));
	tui_reset_add(tigetstr("rmcup"));
	tui_reset_tio = t->saved_tio;
	tui_reset_have_tio = t->have_tio;
	tui_reset_flags = t->saved_flags;
	tui_reset_armed = 1;
}

void tui_emergency_restore(void)
{
	size_t off = 0;

	if (!tui_reset_armed)
		return;
	tui_reset_armed = 0;
	while (off < tui_reset_len) {
		ssize_t w = write(STDOUT_FILENO, tui_reset_seq + off, tui_reset_len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	if (tui_reset_have_tio)
		tcsetattr(STDIN_FILENO, TCSANOW, &tui_reset_tio);
	if (tui_reset_flags != -1)
		fcntl(STDIN_FILENO, F_SETFL, tui_reset_flags);
}

/* ---------------------------------------------------------------- frames */

/* One frame of the view, then what goes to the terminal between frames. */
static void tui_draw(tui_t *t)
{
	frame_draw(&t->f, &t->v, &tui_panels);
	t->last_frame_ms = uv_now(t->loop);
	termctl_after_frame(&t->tc, &t->v);
}

static void tui_on_idle(uv_idle_t *h)
{
	(void)h;     /* only there so that the loop polls without blocking */
}

static void tui_on_check(uv_check_t *h)
{
	tui_t *t = h->data;

	uv_idle_stop(&t->idle);
	uv_check_stop(&t->check);
	t->frame_pending = false;
	if (!t->stopped)
		tui_draw(t);
}

/* The view is dirty: one frame in this loop pass, after its I/O phase. */
static void tui_ask_redraw(void *ud)
{
	tui_t *t = ud;

	if (t->stopped || t->frame_pending || !t->handles_open)
		return;
	t->frame_pending = true;
	uv_idle_start(&t->idle, tui_on_idle);
	uv_check_start(&t->check, tui_on_check);
}

static void tui_ask_quit(void *ud)
{
	tui_t *t = ud;

	if (t->quit)
		t->quit(t->ud);
}

static void tui_ask_ack(void *ud, size_t idx, const char *note)
{
	tui_t *t = ud;

	model_ack(t->m, idx, note, clock_wall_ms());
}

static void tui_ask_copy(void *ud)
{
	tui_t *t = ud;

	termctl_copy_summary(&t->tc, &t->v);
}

static const view_asks_t tui_asks = {
	.redraw = tui_ask_redraw,
	.quit = tui_ask_quit,
	.ack = tui_ask_ack,
	.copy = tui_ask_copy,
};

static void tui_on_throttle(uv_timer_t *h)
{
	tui_t *t = h->data;

	if (t->v.dirty)
		view_dirty(&t->v, 0);
}

void tui_mark_dirty(tui_t *t)
{
	uint64_t now, due;

	if (!t || t->stopped)
		return;
	/* with many nodes the model changes many times a second: draw it at most
	 * every TUI_MODEL_FRAME_MS, what is left waits for the throttle timer */
	if (t->opts.kiosk && t->m->events.seq == t->kiosk_seq && t->v.frames) {
		t->v.dirty |= DIRTY_MODEL;   /* a wall screen: the clock tick draws it, a transition at once */
		return;
	}
	t->kiosk_seq = t->m->events.seq;
	now = uv_now(t->loop);
	due = t->last_frame_ms + TUI_MODEL_FRAME_MS;
	if (t->v.frames == 0 || now >= due || t->frame_pending) {
		view_dirty(&t->v, DIRTY_MODEL);
		return;
	}
	t->v.dirty |= DIRTY_MODEL;
	if (t->handles_open && !uv_is_active((uv_handle_t *)&t->throttle))
		uv_timer_start(&t->throttle, tui_on_throttle, due - now, 0);
}

void tui_set_message(tui_t *t, const char *msg)
{
	if (t)
		view_set_message(&t->v, msg);
}

/* ---------------------------------------------------------------- input */

/* True when stdin is at end of file or hung up (readable with nothing to read). */
static bool tui_stdin_gone(void)
{
	int avail = 0;

	if (ioctl(STDIN_FILENO, FIONREAD, &avail) != 0)
		return errno != EINTR;
	return avail == 0;
}

static void tui_on_input(uv_poll_t *h, int status, int events)
{
	tui_t *t = h->data;
	int n = 0;

	if (t->stopped)
		return;
	if (status < 0) {
		uv_poll_stop(&t->in);
		tui_ask_quit(t);
		return;
	}
	for (;;) {
		wint_t ch;
		int r = wget_wch(t->inpad, &ch);

		if (r == ERR)
			break;
		n++;
		if (r == KEY_CODE_YES && ch == KEY_MOUSE)
			input_mouse(&t->v);
		else
			input_key(&t->v, r == KEY_CODE_YES, ch);
		if (t->stopped)
			return;          /* the key quit */
	}
	if (n == 0 && tui_stdin_gone()) {
		/* readable but empty: the terminal is gone (EOF); do not spin on it */
		uv_poll_stop(&t->in);
		tui_ask_quit(t);
	}
}

/* ---------------------------------------------------------------- signals */

static void tui_resize(tui_t *t)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	t->v.repaint = true;
	view_relayout(&t->v);
}

static void tui_on_signal(uv_signal_t *h, int signum)
{
	tui_t *t = h->data;

	if (t->stopped)
		return;
	switch (signum) {
	case SIGWINCH:
		tui_resize(t);
		break;
	case SIGTSTP:
		/* give the terminal back, stop for real (default action), then take it again */
		endwin();
		if (t->have_tio)
			tcsetattr(STDIN_FILENO, TCSADRAIN, &t->saved_tio);
		uv_signal_stop(&t->sig_tstp);        /* SIGTSTP back to its default: stop */
		raise(SIGTSTP);
		/* continued (SIGCONT) */
		uv_signal_start(&t->sig_tstp, tui_on_signal, SIGTSTP);
		tui_resize(t);                        /* the size may have changed meanwhile */
		break;
	case SIGCONT:
		/* also after a stop we did not ask for (kill -STOP) */
		tui_resize(t);
		break;
	default:                                  /* SIGINT, SIGTERM (SIGHUP is the app's: reload) */
		tui_ask_quit(t);
		break;
	}
}

/* ---------------------------------------------------------------- clock */

static void tui_on_tick(uv_timer_t *h);

static void tui_start_tick(tui_t *t)
{
	int64_t now = clock_wall_ms();

	uv_timer_start(&t->tick, tui_on_tick, (uint64_t)(1000 - now % 1000) + 2, 0);
}

static void tui_on_tick(uv_timer_t *h)
{
	tui_t *t = h->data;
	uint64_t uvnow = uv_now(t->loop);
	int64_t gap = t->last_tick_uv ? (int64_t)(uvnow - t->last_tick_uv) : 0;
	unsigned what;
	bool stalled;

	if (t->stopped)
		return;
	tui_start_tick(t);
	t->last_tick_uv = uvnow;
	what = view_tick(&t->v, clock_wall_ms(), gap, &stalled);
	if (stalled) {
		/* nodetop itself did not run: drawn at once, in the timer phase,
		 * before the I/O phase brings fresh results */
		t->v.dirty |= what | DIRTY_ALL;
		tui_draw(t);
		return;
	}
	view_dirty(&t->v, what);
}

/* ---------------------------------------------------------------- set-up */

/* Kiosk: no key may stop, freeze or suspend the wall screen. Ctrl-C (SIGINT)
 * still ends it; the modes are curses' program modes, the saved ones come back at exit. */
static void tui_kiosk_tty(void)
{
	struct termios k;

	if (tcgetattr(STDIN_FILENO, &k) != 0)
		return;
	k.c_iflag &= ~(tcflag_t)IXON;        /* Ctrl-S would freeze the output */
	k.c_cc[VSUSP] = _POSIX_VDISABLE;     /* Ctrl-Z */
	k.c_cc[VQUIT] = _POSIX_VDISABLE;     /* Ctrl-\ */
#ifdef VDSUSP
	k.c_cc[VDSUSP] = _POSIX_VDISABLE;
#endif
	tcsetattr(STDIN_FILENO, TCSANOW, &k);
	def_prog_mode();
}

/* A duration in milliseconds from the environment (tests make them short), else def. */
static int64_t tui_env_ms(const char *name, int64_t def)
{
	const char *v = getenv(name);
	char *end;
	long long ms;

	if (!v || !v[0])
		return def;
	ms = strtoll(v, &end, 10);
	return *end == '\0' && ms >= 100 ? (int64_t)ms : def;
}

static void tui_init_colors(tui_t *t)
{
	short bg = -1, fg = -1;

	if (t->opts.no_color || !has_colors() || start_color() == ERR)
		return;
	if (use_default_colors() == ERR) {
		bg = COLOR_BLACK;
		fg = COLOR_WHITE;
	}
	init_pair(PAIR_UP, COLOR_GREEN, bg);
	init_pair(PAIR_STARTING, COLOR_CYAN, bg);
	init_pair(PAIR_DEGRADED, COLOR_YELLOW, bg);
	init_pair(PAIR_DOWN, COLOR_RED, bg);
	init_pair(PAIR_UNKNOWN, fg, bg);
	init_pair(PAIR_TITLE, COLOR_CYAN, bg);
	init_pair(PAIR_KEY, COLOR_BLACK, COLOR_CYAN);
	t->v.color = true;
}

static void tui_on_close(uv_handle_t *h)
{
	tui_t *t = h->data;

	if (--t->closing == 0 && t->free_pending)
		free(t);
}

static void tui_close(tui_t *t, uv_handle_t *h)
{
	if (uv_is_closing(h))
		return;
	t->closing++;
	uv_close(h, tui_on_close);
}

static int tui_start_handles(tui_t *t)
{
	struct { uv_signal_t *h; int sig; } sigs[] = {
		{ &t->sig_winch, SIGWINCH }, { &t->sig_tstp, SIGTSTP }, { &t->sig_cont, SIGCONT },
		{ &t->sig_int, SIGINT }, { &t->sig_term, SIGTERM },
	};
	int rc;

	rc = uv_poll_init(t->loop, &t->in, STDIN_FILENO);
	if (rc != 0)
		return rc;
	/* libuv made stdin (and with it the tty's stdout) non-blocking: curses
	 * writes must not fail with EAGAIN, and keys are read in nodelay mode anyway */
	if (t->saved_flags != -1)
		fcntl(STDIN_FILENO, F_SETFL, t->saved_flags);
	t->in.data = t;
	uv_poll_start(&t->in, UV_READABLE, tui_on_input);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		uv_signal_init(t->loop, sigs[i].h);
		sigs[i].h->data = t;
		uv_signal_start(sigs[i].h, tui_on_signal, sigs[i].sig);
	}
	uv_timer_init(t->loop, &t->tick);
	t->tick.data = t;
	uv_timer_init(t->loop, &t->throttle);
	t->throttle.data = t;
	uv_idle_init(t->loop, &t->idle);
	t->idle.data = t;
	uv_check_init(t->loop, &t->check);
	t->check.data = t;
	t->handles_open = true;
	tui_start_tick(t);
	return 0;
}

static void tui_close_handles(tui_t *t)
{
	uv_handle_t *hs[] = {
		(uv_handle_t *)&t->in, (uv_handle_t *)&t->sig_winch, (uv_handle_t *)&t->sig_tstp,
		(uv_handle_t *)&t->sig_cont, (uv_handle_t *)&t->sig_int, (uv_handle_t *)&t->sig_term,
		(uv_handle_t *)&t->tick, (uv_handle_t *)&t->throttle,
		(uv_handle_t *)&t->idle,
		(uv_handle_t *)&t->check,
	};

	if (!t->handles_open)
		return;
	t->handles_open = false;
	for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++)
		tui_close(t, hs[i]);
}

tui_t *tui_new(uv_loop_t *loop, model_t *m, const tui_opts_t *opts, tui_quit_fn quit, void *ud)
{
	const char *term = getenv("TERM");
	const char *cs;
	tui_t *t;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "nodetop: the dashboard needs a terminal on stdin and stdout "
		        "(use --once or --events in scripts and pipes)\n");
		return NULL;
	}
	if (!term || !term[0]) {
		fprintf(stderr, "nodetop: TERM is not set: cannot drive the terminal\n");
		return NULL;
	}
	t = xcalloc(1, sizeof *t);
	t->loop = loop;
	t->m = m;
	if (opts)
		t->opts = *opts;
	if (t->opts.kiosk_page_ms <= 0)
		t->opts.kiosk_page_ms = TUI_KIOSK_PAGE_MS;
	t->quit = quit;
	t->ud = ud;
	t->have_tio = tcgetattr(STDIN_FILENO, &t->saved_tio) == 0;
	t->saved_flags = fcntl(STDIN_FILENO, F_GETFL);
	view_init(&t->v, m, &tui_asks, t);
	t->v.kiosk = t->opts.kiosk;
	t->v.kiosk_page_ms = t->opts.kiosk_page_ms;

	t->scr = newterm(NULL, stdout, stdin);
	if (!t->scr) {
		fprintf(stderr, "nodetop: cannot use terminal type '%s' (no terminfo entry?)\n", term);
		view_free(&t->v);
		free(t);
		return NULL;
	}
	set_term(t->scr);
	if (!termctl_can_address()) {
		/* e.g. TERM=dumb: every frame would land on one line */
		endwin();
		delscreen(t->scr);
		fprintf(stderr, "nodetop: terminal type '%s' cannot move the cursor: the dashboard needs a "
		        "terminal such as xterm-256color, screen or tmux (set TERM), or use --events for "
		        "plain lines and --once for a report\n", term);
		view_free(&t->v);
		free(t);
		return NULL;
	}
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	leaveok(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	if (t->opts.kiosk)
		tui_kiosk_tty();

	cs = nl_langinfo(CODESET);
	t->v.utf8 = !t->opts.ascii && cs && strcmp(cs, "UTF-8") == 0;
	t->v.g = t->v.utf8 ? &tui_glyphs_utf8 : &tui_glyphs_ascii;
	tui_init_colors(t);

	t->inpad = newpad(1, 1);
	keypad(t->inpad, TRUE);
	nodelay(t->inpad, TRUE);
	if (!t->opts.no_mouse && !t->opts.kiosk) {    /* a kiosk takes no clicks */
		mmask_t want = BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED;
#ifdef BUTTON5_PRESSED
		want |= BUTTON5_PRESSED;
#endif
		if (mousemask(want, NULL) != 0) {
			mouseinterval(0);
			t->v.mouse = true;
		}
	}
	tui_reset_prepare(t);

	getmaxyx(stdscr, t->v.rows, t->v.cols);
	t->v.start_ms = clock_wall_ms();
	t->v.shift_ms = tui_env_ms("NODETOP_KIOSK_SHIFT_MS",
	                           t->opts.kiosk_shift_ms > 0 ? t->opts.kiosk_shift_ms : TUI_KIOSK_SHIFT_MS);
	t->v.shift_next_ms = t->v.start_ms + t->v.shift_ms;
	termctl_init(&t->tc, t->opts.bell, t->opts.title,
	             tui_env_ms("NODETOP_ALERT_MIN_MS", TERMCTL_ALERT_MIN_MS), m->events.seq);
	if (tui_start_handles(t) != 0) {
		endwin();
		tui_reset_armed = 0;
		delscreen(t->scr);
		view_free(&t->v);
		fprintf(stderr, "nodetop: cannot watch the terminal for keys\n");
		free(t);
		return NULL;
	}
	view_dirty(&t->v, DIRTY_ALL);
	return t;
}

void tui_stop(tui_t *t)
{
	if (!t || t->stopped)
		return;
	t->stopped = true;
	tui_close_handles(t);
	if (t->v.mouse)
		mousemask(0, NULL);
	curs_set(1);
	endwin();
	fflush(stdout);
	if (t->have_tio)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &t->saved_tio);
	if (t->saved_flags != -1)
		fcntl(STDIN_FILENO, F_SETFL, t->saved_flags);
	tui_reset_armed = 0;
}

void tui_free(tui_t *t)
{
	if (!t)
		return;
	tui_stop(t);
	frame_free(&t->f);
	termctl_free(&t->tc);
	if (t->inpad)
		delwin(t->inpad);
	if (t->scr)
		delscreen(t->scr);
	view_free(&t->v);
	if (t->closing > 0)
		t->free_pending = true;      /* the last close callback frees it */
	else
		free(t);
}
