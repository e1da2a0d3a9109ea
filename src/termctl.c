/* termctl.c - writes to the terminal between frames, past curses: the bell and the
 * title on transitions (rate-limited), the OSC 52 copy of the incident summary. */
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "report.h"
#include "strbuf.h"
#include "termctl.h"
#include "textsafe.h"
#include "xalloc.h"

bool termctl_can_address(void)
{
	const char *cup = tigetstr("cup");

	return cup && cup != (const char *)-1;
}

/* Writes to the terminal between frames: curses has flushed its own output. */
static void termctl_write(const char *s, size_t len)
{
	fwrite(s, 1, len, stdout);
	fflush(stdout);
}

/* The terminal's title sequence: OSC 2 on the terminals known to take it, else
 * terminfo's tsl/fsl when it says it has a status line that takes one. */
static void termctl_title_caps(termctl_t *t)
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

void termctl_init(termctl_t *t, bool bell, bool title, int64_t alert_min_ms, uint64_t seq)
{
	memset(t, 0, sizeof *t);
	t->bell = bell;
	t->title = title;
	t->alert_min_ms = alert_min_ms;
	t->last_event_seq = seq;
	termctl_title_caps(t);
}

void termctl_free(termctl_t *t)
{
	free(t->osc52);
	t->osc52 = NULL;
	t->osc52_len = 0;
}

/* Sets the title to the status line; false when it already says that. */
static bool termctl_title_write(termctl_t *t, const view_t *v)
{
	strbuf_t sb = STRBUF_INIT;
	char safe[256];

	report_status_line(&sb, v->m, v->now_ms, v->utf8);
	textsafe_escape(safe, sizeof safe, strbuf_str(&sb), sb.len, v->utf8, false);
	strbuf_free(&sb);
	if (strcmp(safe, t->title_last) == 0)
		return false;
	snprintf(t->title_last, sizeof t->title_last, "%s", safe);
	termctl_write(t->title_pre, strlen(t->title_pre));
	termctl_write(safe, strlen(safe));
	termctl_write(t->title_post, strlen(t->title_post));
	return true;
}

/* Looks at the events added since the last frame: the model says which ring
 * the bell and which set the title again (when its text changed).
 * Both at most once per alert_min_ms; a title held back is written when that
 * time is over (the clock tick draws frames), a bell held back is dropped. */
static void termctl_alerts(termctl_t *t, const view_t *v)
{
	const eventlog_t *log = &v->m->events;
	int64_t now = v->now_ms;

	if (!t->alerts_armed) {
		/* the first title when every node has answered once (or after 10 s) */
		bool polled = true;
		for (size_t i = 0; i < v->m->nnodes; i++)
			if (!v->m->nodes[i].last_health_ms)
				polled = false;
		if (!polled && now - v->start_ms < 10000)
			return;
		t->alerts_armed = true;
		t->last_event_seq = log->seq;
		t->title_due = true;      /* the first title: how things are */
	}
	if (log->seq != t->last_event_seq) {
		uint64_t fresh = log->seq - t->last_event_seq;
		for (size_t i = 0; i < fresh && i < log->len; i++) {
			const event_t *e = eventlog_get(log, i);
			if (!model_event_is_transition(e))
				continue;
			t->title_due = true;
			if (model_event_rings(e))
				t->bell_due = true;
		}
		t->last_event_seq = log->seq;
	}
	if (t->bell_due) {
		t->bell_due = false;     /* a bell held back would ring late: it is dropped */
		if (t->bell && (!t->last_bell_ms || now - t->last_bell_ms >= t->alert_min_ms)) {
			t->last_bell_ms = now;
			termctl_write("\007", 1);
		}
	}
	if (t->title_due && t->title && t->title_pre &&
	    (!t->last_title_ms || now - t->last_title_ms >= t->alert_min_ms)) {
		t->title_due = false;
		if (termctl_title_write(t, v))
			t->last_title_ms = now;
	}
}

void termctl_after_frame(termctl_t *t, const view_t *v)
{
	termctl_alerts(t, v);
	if (t->osc52) {
		termctl_write(t->osc52, t->osc52_len);
		free(t->osc52);
		t->osc52 = NULL;
		t->osc52_len = 0;
	}
}

/* Standard base64 of src[0..len) into dst (room for 4 * ((len + 2) / 3) + 1). */
static size_t termctl_base64(char *dst, const unsigned char *src, size_t len)
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

void termctl_copy_summary(termctl_t *t, view_t *v)
{
	static const char cut_note[] = "\n[summary cut at 64 KB]\n";
	strbuf_t sb = STRBUF_INIT;
	size_t len, cap;
	char msg[160];

	report_summary(&sb, v->m, clock_wall_ms(), 20);
	len = sb.len;
	if (len > TERMCTL_COPY_MAX) {
		/* cut on a character boundary, and say so */
		len = TERMCTL_COPY_MAX - (sizeof cut_note - 1);
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
	t->osc52_len = 7 + termctl_base64(t->osc52 + 7, (const unsigned char *)strbuf_str(&sb), len);
	t->osc52[t->osc52_len++] = '\007';
	strbuf_free(&sb);
	if (getenv("TMUX"))
		snprintf(msg, sizeof msg, "summary copied (%zu bytes) %s in tmux: set -g set-clipboard on",
		         len, v->utf8 ? "\xe2\x80\x94" : "-");
	else
		snprintf(msg, sizeof msg, "summary copied (%zu bytes) to the clipboard (OSC 52)", len);
	view_set_message(v, msg);
}
