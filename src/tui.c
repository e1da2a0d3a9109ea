/* tui.c - owns the terminal: curses set-up and restore (crashes included), colours
 * and glyphs, keys, signals and the clock on the libuv loop, one frame per loop pass. */
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "fmt.h"
#include "report.h"
#include "sparkline.h"
#include "strbuf.h"
#include "textsafe.h"
#include "tui_priv.h"
#include "xalloc.h"

/* ---------------------------------------------------------------- glyphs */

static const tui_glyphs_t tui_glyphs_utf8 = {
	.state = { "?", "\xe2\x97\x8b", "\xe2\x97\x8f", "\xe2\x97\x90", "\xe2\x96\xb2", "\xe2\x9c\x96" },   /* ? ○ ● ◐ ▲ ✖ */
	.hist_color = { "\xc2\xb7", "\xe2\x94\x80", "\xe2\x96\x88", "\xe2\x96\x88", "\xe2\x96\x88", "\xe2\x96\x88" }, /* · ─ █ █ █ █ */
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

static const tui_glyphs_t tui_glyphs_ascii = {
	.state = { "?", "o", "+", "~", "!", "X" },
	.hist_color = { ".", "-", "=", "~", "!", "X" },
	.hist_mono = { ".", "-", "=", "~", "!", "X" },
	.spark = sparkline_ascii,
	.hline = "-",
	.sel = ">",
	.open = "v",
	.closed = ">",
	.ellipsis = "~",
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
	if (t->mouse) {
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

/* ---------------------------------------------------------------- scheduling */

int64_t tui_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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
		render_frame(t);
}

void tui_dirty(tui_t *t, unsigned what)
{
	t->dirty |= what;
	if (t->stopped || t->frame_pending || !t->handles_open)
		return;
	t->frame_pending = true;
	uv_idle_start(&t->idle, tui_on_idle);
	uv_check_start(&t->check, tui_on_check);
}

void tui_relayout(tui_t *t)
{
	t->relayout = true;
	tui_dirty(t, DIRTY_ALL);
}

void tui_repaint(tui_t *t)
{
	t->repaint = true;
	tui_dirty(t, DIRTY_ALL);
}

void tui_request_quit(tui_t *t)
{
	if (t->quit)
		t->quit(t->ud);
}

static void tui_on_throttle(uv_timer_t *h)
{
	tui_t *t = h->data;

	if (t->dirty)
		tui_dirty(t, 0);
}

void tui_mark_dirty(tui_t *t)
{
	uint64_t now, due;

	if (!t || t->stopped)
		return;
	/* with many nodes the model changes many times a second: draw it at most
	 * every TUI_MODEL_FRAME_MS, what is left waits for the throttle timer */
	if (t->opts.kiosk && t->m->events.seq == t->kiosk_seq && t->frames) {
		t->dirty |= DIRTY_MODEL;     /* a wall screen: the clock tick draws it, a transition at once */
		return;
	}
	t->kiosk_seq = t->m->events.seq;
	now = uv_now(t->loop);
	due = t->last_frame_ms + TUI_MODEL_FRAME_MS;
	if (t->frames == 0 || now >= due || t->frame_pending) {
		tui_dirty(t, DIRTY_MODEL);
		return;
	}
	t->dirty |= DIRTY_MODEL;
	if (t->handles_open && !uv_is_active((uv_handle_t *)&t->throttle))
		uv_timer_start(&t->throttle, tui_on_throttle, due - now, 0);
}

/* ---------------------------------------------------------------- what the screen says */

bool tui_all_stale(const tui_t *t, int64_t now_ms, int64_t *newest_ms)
{
	const model_t *m = t->m;
	int64_t newest = 0, newest_old = 0;
	bool stall = t->stall_mark_ms && now_ms < t->stall_until_ms, all;
	size_t old = 0;

	for (size_t i = 0; i < m->nnodes; i++) {
		const node_t *n = &m->nodes[i];
		int64_t last = node_last_answer_ms(n);
		int64_t iv = n->interval_ms > 0 ? n->interval_ms : 5000;
		bool is_old = last ? node_is_stale(n, now_ms) : now_ms - t->start_ms > 3 * iv;
		if (stall && last < t->stall_mark_ms)
			is_old = true;           /* from before nodetop stalled: not answered since */
		if (last > newest)
			newest = last;
		if (is_old) {
			old++;
			if (last > newest_old)
				newest_old = last;
		}
	}
	/* every node old; or, after a stall, any node not heard from since */
	all = m->nnodes > 0 && (old == m->nnodes || (stall && old > 0));
	if (newest_ms)
		*newest_ms = all ? newest_old : newest;
	return all;
}

bool tui_message_active(tui_t *t, bool *err)
{
	if (!t->message[0] || t->now_ms >= t->message_until_ms)
		return false;
	if (!t->message_err && t->m->events.seq > t->message_seq) {
		/* app.c adds the timeline's CONFIG event right after the message */
		uint64_t fresh = t->m->events.seq - t->message_seq;
		for (size_t i = 0; i < fresh && i < t->m->events.len; i++) {
			const event_t *e = eventlog_get(&t->m->events, i);
			if (e && e->kind == EVENT_CONFIG && e->to == STATE_DOWN)
				t->message_err = true;
		}
	}
	if (err)
		*err = t->message_err;
	return true;
}

void tui_set_message(tui_t *t, const char *msg)
{
	if (!t)
		return;
	/* stored raw; the header escapes it */
	snprintf(t->message, sizeof t->message, "%s", msg ? msg : "");
	t->message_until_ms = tui_now_ms() + TUI_MESSAGE_MS;
	t->message_seq = t->m->events.seq;
	t->message_err = false;
	tui_dirty(t, DIRTY_HEADER | DIRTY_FOOTER);
}

bool tui_node_has_problem(const tui_t *t, size_t idx)
{
	const node_t *n;

	if (idx >= t->m->nnodes)
		return false;
	n = &t->m->nodes[idx];
	if (node_is_stale(n, t->now_ms) || n->nfailing > 0 || n->error[0])
		return true;
	if (n->state == STATE_DOWN || n->state == STATE_DEGRADED || n->state == STATE_STARTING)
		return true;
	for (int k = 0; k < IND__COUNT; k++)
		if (n->ind[k].state == STATE_DOWN || n->ind[k].state == STATE_DEGRADED)
			return true;
	return false;
}

/* ---------------------------------------------------------------- bell, title, clipboard */

/* Writes to the terminal between frames: curses has flushed its own output. */
static void tui_tty_write(const char *s, size_t len)
{
	fwrite(s, 1, len, stdout);
	fflush(stdout);
}

/* The terminal's title sequence: OSC 2 on the terminals known to take it, else
 * terminfo's tsl/fsl when it says it has a status line that takes one. */
static void tui_title_caps(tui_t *t)
{
	static const char *const known[] = { "xterm", "screen", "tmux", "rxvt", "alacritty", "foot", "kitty" };
	const char *term = getenv("TERM"), *tsl, *fsl;

	t->title_pre = t->title_post = NULL;
	for (size_t i = 0; term && i < sizeof known / sizeof known[0]; i++)
		if (strncmp(term, known[i], strlen(known[i])) == 0) {
			t->title_pre = "\033]2;";
			t->title_post = "\007";
			return;
		}
	tsl = tigetstr("tsl");
	fsl = tigetstr("fsl");
	if (tigetflag("hs") > 0 && tsl && tsl != (const char *)-1 && fsl && fsl != (const char *)-1) {
		t->title_pre = tsl;
		t->title_post = fsl;
	}
}

/* Sets the title to the status line; false when it already says that. */
static bool tui_title_write(tui_t *t)
{
	strbuf_t sb = STRBUF_INIT;
	char safe[256];

	report_status_line(&sb, t->m, t->now_ms, t->utf8);
	textsafe_escape(safe, sizeof safe, strbuf_str(&sb), sb.len, t->utf8, false);
	strbuf_free(&sb);
	if (strcmp(safe, t->title_last) == 0)
		return false;
	snprintf(t->title_last, sizeof t->title_last, "%s", safe);
	tui_tty_write(t->title_pre, strlen(t->title_pre));
	tui_tty_write(safe, strlen(safe));
	tui_tty_write(t->title_post, strlen(t->title_post));
	return true;
}

/* Looks at the events added since the last frame: a node, database or RPC
 * indicator getting worse from a known state into degraded or down rings the
 * bell, any of their transitions sets the title again (when its text changed).
 * Both at most once per alert_min_ms; a title held back is written when that
 * time is over (the clock tick draws frames), a bell held back is dropped. */
static void tui_alerts(tui_t *t)
{
	const eventlog_t *log = &t->m->events;
	int64_t now = t->now_ms;

	if (!t->alerts_armed) {
		/* the first title when every node has answered once (or after 10 s) */
		bool polled = true;
		for (size_t i = 0; i < t->m->nnodes; i++)
			if (!t->m->nodes[i].last_health_ms)
				polled = false;
		if (!polled && now - t->start_ms < 10000)
			return;
		t->alerts_armed = true;
		t->last_event_seq = log->seq;
		t->title_due = true;      /* the first title: how things are */
	}
	if (log->seq != t->last_event_seq) {
		uint64_t fresh = log->seq - t->last_event_seq;
		for (size_t i = 0; i < fresh && i < log->len; i++) {
			const event_t *e = eventlog_get(log, i);
			if (!e || (e->kind != EVENT_NODE && e->kind != EVENT_DB && e->kind != EVENT_RPC) || e->from == e->to)
				continue;
			t->title_due = true;
			/* worse, from a state that was known: nodetop's own start (or blindness) rings nothing */
			if ((e->to == STATE_DEGRADED || e->to == STATE_DOWN) && e->from < e->to && e->from != STATE_UNKNOWN)
				t->bell_due = true;
		}
		t->last_event_seq = log->seq;
	}
	if (t->bell_due) {
		t->bell_due = false;     /* a bell held back would ring late: it is dropped */
		if (t->opts.bell && (!t->last_bell_ms || now - t->last_bell_ms >= t->alert_min_ms)) {
			t->last_bell_ms = now;
			tui_tty_write("\007", 1);
		}
	}
	if (t->title_due && t->opts.title && t->title_pre &&
	    (!t->last_title_ms || now - t->last_title_ms >= t->alert_min_ms)) {
		t->title_due = false;
		if (tui_title_write(t))
			t->last_title_ms = now;
	}
}

void tui_after_frame(tui_t *t)
{
	tui_alerts(t);
	if (t->osc52) {
		tui_tty_write(t->osc52, t->osc52_len);
		free(t->osc52);
		t->osc52 = NULL;
		t->osc52_len = 0;
	}
}

/* Standard base64 of src[0..len) into dst (room for 4 * ((len + 2) / 3) + 1). */
static size_t tui_base64(char *dst, const unsigned char *src, size_t len)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0, i;

	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8 | src[i + 2];
		dst[o++] = tab[v >> 18 & 63];
		dst[o++] = tab[v >> 12 & 63];
		dst[o++] = tab[v >> 6 & 63];
		dst[o++] = tab[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)src[i] << 16 | (i + 1 < len ? (uint32_t)src[i + 1] << 8 : 0);
		dst[o++] = tab[v >> 18 & 63];
		dst[o++] = tab[v >> 12 & 63];
		dst[o++] = i + 1 < len ? tab[v >> 6 & 63] : '=';
		dst[o++] = '=';
	}
	dst[o] = '\0';
	return o;
}

void tui_copy_summary(tui_t *t)
{
	static const char cut_note[] = "\n[summary cut at 64 KB]\n";
	strbuf_t sb = STRBUF_INIT;
	size_t len, cap;
	char msg[160];

	report_summary(&sb, t->m, tui_now_ms(), 20);
	len = sb.len;
	if (len > TUI_COPY_MAX) {
		/* cut on a character boundary, and say so */
		len = TUI_COPY_MAX - (sizeof cut_note - 1);
		while (len > 0 && ((unsigned char)sb.data[len] & 0xC0) == 0x80)
			len--;
		sb.len = len;
		strbuf_puts(&sb, cut_note);
		len = sb.len;
	}
	/* OSC 52: ESC ] 52 ; c ; BASE64 BEL; tmux keeps it as a paste buffer (set-clipboard on) */
	cap = 8 + 4 * ((len + 2) / 3) + 2;
	free(t->osc52);
	t->osc52 = xmalloc(cap);
	memcpy(t->osc52, "\033]52;c;", 7);
	t->osc52_len = 7 + tui_base64(t->osc52 + 7, (const unsigned char *)strbuf_str(&sb), len);
	t->osc52[t->osc52_len++] = '\007';
	strbuf_free(&sb);
	if (getenv("TMUX"))
		snprintf(msg, sizeof msg, "summary copied (%zu bytes) %s in tmux: set -g set-clipboard on",
		         len, t->utf8 ? "\xe2\x80\x94" : "-");
	else
		snprintf(msg, sizeof msg, "summary copied (%zu bytes) to the clipboard (OSC 52)", len);
	tui_set_message(t, msg);
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
		tui_request_quit(t);
		return;
	}
	for (;;) {
		wint_t ch;
		int r = wget_wch(t->inpad, &ch);

		if (r == ERR)
			break;
		n++;
		if (r == KEY_CODE_YES && ch == KEY_MOUSE)
			input_mouse(t);
		else
			input_key(t, r == KEY_CODE_YES, ch);
		if (t->stopped)
			return;          /* the key quit */
	}
	if (n == 0 && tui_stdin_gone()) {
		/* readable but empty: the terminal is gone (EOF); do not spin on it */
		uv_poll_stop(&t->in);
		tui_request_quit(t);
	}
}

/* ---------------------------------------------------------------- signals */

static void tui_resize(tui_t *t)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	t->repaint = true;
	tui_relayout(t);
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
		tui_request_quit(t);
		break;
	}
}

/* ---------------------------------------------------------------- clock */

static void tui_on_tick(uv_timer_t *h);

static void tui_start_tick(tui_t *t)
{
	int64_t now = tui_now_ms();

	uv_timer_start(&t->tick, tui_on_tick, (uint64_t)(1000 - now % 1000) + 2, 0);
}

/* The smallest poll interval of any node (5 s when there are none). */
static int64_t tui_min_interval(const tui_t *t)
{
	int64_t iv = 0;

	for (size_t i = 0; i < t->m->nnodes; i++)
		if (t->m->nodes[i].interval_ms > 0 && (!iv || t->m->nodes[i].interval_ms < iv))
			iv = t->m->nodes[i].interval_ms;
	return iv ? iv : 5000;
}

/* The largest poll interval of any node (5 s when there are none). */
static int64_t tui_max_interval(const tui_t *t)
{
	int64_t iv = 0;

	for (size_t i = 0; i < t->m->nnodes; i++)
		if (t->m->nodes[i].interval_ms > iv)
			iv = t->m->nodes[i].interval_ms;
	return iv ? iv : 5000;
}

/* Kiosk: turns the page, and moves the layout a cell for burn-in care. */
static unsigned tui_kiosk_tick(tui_t *t, int64_t now)
{
	int64_t page = t->opts.kiosk_page_ms;

	if (t->kview == KIOSK_LIST && t->kiosk_npages > 1) {
		if (t->kiosk_next_ms == 0)
			t->kiosk_next_ms = now + page;
		if (now >= t->kiosk_next_ms) {
			t->kiosk_next_ms = now + page;
			t->kiosk_page = (t->kiosk_page + 1) % t->kiosk_npages;
		}
	} else {
		t->kiosk_page = 0;
		t->kiosk_next_ms = 0;        /* page 1 gets its full time when pages come back */
	}
	if (now >= t->shift_next_ms) {
		t->shift_next_ms = now + t->shift_ms;
		t->shift_idx++;
		t->relayout = true;          /* the window moves */
	}
	return DIRTY_ALL;                    /* the clock, the ages: the kiosk is one window */
}

static void tui_on_tick(uv_timer_t *h)
{
	tui_t *t = h->data;
	uint64_t stale = 0, uvnow = uv_now(t->loop);
	unsigned what = DIRTY_HEADER | DIRTY_NODES | DIRTY_EVENTS;
	int64_t now = tui_now_ms(), gap = (int64_t)(uvnow - t->last_tick_uv);
	bool stalled;

	if (t->stopped)
		return;
	tui_start_tick(t);
	/* The watchdog: the tick is due every second; a much longer gap means that
	 * nodetop itself did not run (stopped, starved), so what it shows is from
	 * before the gap: stale until every node has answered again (tui_all_stale).
	 * Drawn at once, in the timer phase, before the I/O phase brings fresh results. */
	stalled = t->last_tick_uv && gap > 3 * tui_min_interval(t) && gap > 2000;
	t->last_tick_uv = uvnow;
	if (stalled) {
		char msg[128], d[16];
		/* data older than the middle of the gap came before it: stale until each node answers */
		t->stall_mark_ms = now - gap / 2;
		t->stall_until_ms = now + 3 * tui_max_interval(t) + 5000;
		fmt_duration(d, sizeof d, gap);
		snprintf(msg, sizeof msg, "nodetop itself did not run for %s: no polls, no screen", d);
		tui_set_message(t, msg);
	}
	for (size_t i = 0; i < t->m->nnodes && i < 64; i++)
		if (node_is_stale(&t->m->nodes[i], now))
			stale |= 1ull << i;
	if (stale != t->stale_mask) {
		t->stale_mask = stale;
		what |= DIRTY_MODEL;        /* data became (or stopped being) stale: dim or undim it */
	}
	if (t->message[0] && now >= t->message_until_ms && t->message_until_ms) {
		t->message_until_ms = 0;    /* gone: draw the header without it */
		what |= DIRTY_HEADER | DIRTY_FOOTER;
	}
	if (t->opts.kiosk)
		what |= tui_kiosk_tick(t, now);
	if (stalled) {
		t->dirty |= what | DIRTY_ALL;
		render_frame(t);
		return;
	}
	tui_dirty(t, what);
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
	t->color = true;
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
	checktree_init(&t->ct);

	t->scr = newterm(NULL, stdout, stdin);
	if (!t->scr) {
		fprintf(stderr, "nodetop: cannot use terminal type '%s' (no terminfo entry?)\n", term);
		checktree_free(&t->ct);
		free(t);
		return NULL;
	}
	set_term(t->scr);
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
	t->utf8 = !t->opts.ascii && cs && strcmp(cs, "UTF-8") == 0;
	t->g = t->utf8 ? &tui_glyphs_utf8 : &tui_glyphs_ascii;
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
			t->mouse = true;
		}
	}
	tui_reset_prepare(t);

	getmaxyx(stdscr, t->rows, t->cols);
	t->sel = 0;
	t->focus = FOCUS_NODES;
	t->last_event_seq = m->events.seq;
	t->start_ms = tui_now_ms();
	t->alert_min_ms = tui_env_ms("NODETOP_ALERT_MIN_MS", TUI_ALERT_MIN_MS);
	t->shift_ms = tui_env_ms("NODETOP_KIOSK_SHIFT_MS",
	                         t->opts.kiosk_shift_ms > 0 ? t->opts.kiosk_shift_ms : TUI_KIOSK_SHIFT_MS);
	t->shift_next_ms = t->start_ms + t->shift_ms;
	tui_title_caps(t);
	t->relayout = true;
	t->dirty = DIRTY_ALL;
	if (tui_start_handles(t) != 0) {
		endwin();
		tui_reset_armed = 0;
		delscreen(t->scr);
		checktree_free(&t->ct);
		fprintf(stderr, "nodetop: cannot watch the terminal for keys\n");
		free(t);
		return NULL;
	}
	tui_dirty(t, DIRTY_ALL);
	return t;
}

void tui_stop(tui_t *t)
{
	if (!t || t->stopped)
		return;
	t->stopped = true;
	tui_close_handles(t);
	if (t->mouse)
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
	for (int i = 0; i < WIN__COUNT; i++)
		if (t->win[i])
			delwin(t->win[i]);
	if (t->help)
		delwin(t->help);
	if (t->prompt)
		delwin(t->prompt);
	if (t->kwin)
		delwin(t->kwin);
	free(t->osc52);
	if (t->inpad)
		delwin(t->inpad);
	if (t->scr)
		delscreen(t->scr);
	checktree_free(&t->ct);
	if (t->closing > 0)
		t->free_pending = true;      /* the last close callback frees it */
	else
		free(t);
}
