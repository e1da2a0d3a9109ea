/* panel_header.c - the header bar (clock, the counts, the worst thing with its own state,
 * nodetop's own poll health and the DATA STALE warning), the footer bar (key hints,
 * messages, the filter prompt) and the acknowledge prompt. */
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "model_source.h"
#include "panel_header.h"
#include "render.h"

void panel_header_draw(view_t *t, WINDOW *w)
{
	int W = getmaxx(w), x = 0;
	bool narrow = W < 70, all_stale;
	char clock[16], buf[700], name[300], age[16];
	view_phrase_t ph[2];
	size_t nph;
	model_status_t status = model_status(t->m, t->now_ms);
	size_t n = t->m->nnodes, stale = 0, npolled = 0;
	double maxlat = -1;
	int64_t newest;
	state_t overall = status.overall;

	for (size_t i = 0; i < n; i++) {
		const node_t *nd = &t->m->nodes[i];
		if (node_is_stale(nd, t->now_ms))
			stale++;
		/* latency and slowness are of nodetop's own polls, not of a [source]'s queries */
		bool polled = !t->m->nsources || !model_source_of(t->m, i);
		npolled += polled;
		if (polled && nd->last_health_ms && nd->health_latency_ms > maxlat)
			maxlat = nd->health_latency_ms;
	}
	all_stale = view_all_stale(t, t->now_ms, &newest);
	fmt_clock(clock, sizeof clock, t->now_ms, false);

	if (!narrow)
		x += render_put(t, w, 0, x, W - x, " nodetop ", A_BOLD | A_REVERSE) + 1;
	else
		x += 1;
	x += render_put(t, w, 0, x, W - x, clock, A_BOLD) + 2;

	if (all_stale) {
		/* nodetop's own data is old: say so across the header, nothing else */
		fmt_age(age, sizeof age, t->now_ms, newest);
		snprintf(buf, sizeof buf, newest ? " DATA STALE %s last successful poll %s ago " : " DATA STALE %s no poll result yet ",
		         t->utf8 ? "\xe2\x80\x94" : "-", age);
		mvwchgat(w, 0, x, -1, A_BOLD | A_REVERSE, PAIR_DEGRADED * t->color, NULL);
		render_put(t, w, 0, x, W - x, buf, A_BOLD | A_REVERSE | render_pair(t, PAIR_DEGRADED));
		return;
	}

	/* the counts, "up" meaning up: "2 up · 1 degraded · 1 starting" */
	{
		model_counts_t c = model_counts(t->m, t->now_ms);
		if (narrow)      /* no room for every state: how many of all are up (up meaning up) */
			snprintf(buf, sizeof buf, "%zu/%zu up", c.up, c.nodes);
		else
			view_counts_text(t, buf, sizeof buf);
		x += render_put(t, w, 0, x, W - x, buf, c.up < c.nodes ? A_BOLD : A_NORMAL) + 2;
	}

	/* every node failing to connect at once: most likely this host's network */
	if (npolled == n && model_none_reachable(t->m, t->now_ms))
		x += render_putf(t, w, 0, x, W - x, A_BOLD | A_REVERSE | render_pair(t, PAIR_DEGRADED),
		                 narrow ? " no node reachable: check this host " : " cannot reach any node %s check this host's network ",
		                 t->utf8 ? "\xe2\x80\x94" : "-") + 2;

	/* the worst thing with its own state, the group carrying the service first */
	nph = view_headline(t, ph);
	for (size_t i = 0; i < nph && x < W - 4; i++) {
		if (i)
			x += render_putf(t, w, 0, x, W - x, A_DIM, "%s ", t->g->dot);
		render_escape(t, name, sizeof name, ph[i].text, false);
		x += render_putf(t, w, 0, x, W - x, render_state_attr(t, ph[i].state) & ~A_REVERSE, "%s %s",
		                 render_state_symbol(t, ph[i].state), name) + 1;
	}
	if (nph == 0)
		x += render_putf(t, w, 0, x, W - x, render_state_attr(t, overall), "%s %s",
		                 render_state_symbol(t, overall), status.name);
	x += 2;

	/* nodetop's own health: are the polls on time; a node answering in >= 75 %
	 * of its timeout is slow, not on time */
	size_t nslow = 0, slow1 = 0;
	double slat = 0, stmo = 0;
	for (size_t i = 0; i < n; i++)
		if ((npolled == n || !model_source_of(t->m, i)) &&
		    model_node_slow(t->m, i, t->now_ms, nslow ? NULL : &slat, nslow ? NULL : &stmo) && nslow++ == 0)
			slow1 = i;
	{
		/* where a [source]'s nodes come from (issue 17): "via prometheus-eu, 1s old" */
		bool trouble;
		model_source_line(t->m, t->now_ms, buf, sizeof buf, &trouble);
		if (buf[0] && !narrow && x + 12 < W) {
			render_escape(t, name, sizeof name, buf, false);
			x += render_put(t, w, 0, x, W - x, name, trouble ? A_BOLD | render_pair(t, PAIR_DEGRADED) : A_DIM) + 2;
		}
	}
	if (stale) {
		snprintf(buf, sizeof buf, narrow ? "%zu STALE" : " %zu node%s STALE ", stale, stale == 1 ? "" : "s");
		x += render_put(t, w, 0, x, W - x, buf, A_BOLD | A_REVERSE | render_pair(t, PAIR_DEGRADED)) + 2;
	} else if (nslow && x + 8 < W) {
		char a[16], b[16];
		fmt_latency(a, sizeof a, slat);
		fmt_latency(b, sizeof b, stmo);
		render_escape(t, name, sizeof name, t->m->nodes[slow1].name, false);
		if (narrow)
			snprintf(buf, sizeof buf, "%zu slow", nslow);
		else if (nslow == 1)
			snprintf(buf, sizeof buf, "%s slow: %s of %s timeout", name, a, b);
		else
			snprintf(buf, sizeof buf, "%zu nodes slow: %s %s of %s", nslow, name, a, b);
		x += render_putf(t, w, 0, x, W - x, A_BOLD | (render_state_attr(t, STATE_DEGRADED) & ~A_REVERSE),
		                 "%s %s", render_state_symbol(t, STATE_DEGRADED), buf) + 2;
	} else if (!narrow && npolled && x + 14 < W) {   /* no claim about polls when nothing is polled */
		char lat[16];
		fmt_latency(lat, sizeof lat, maxlat);
		x += render_put(t, w, 0, x, W - x, "polls on time", A_DIM);
		if (maxlat >= 0 && x + 40 < W)
			x += render_putf(t, w, 0, x, W - x, A_DIM, ", max %s", lat);
		x += 2;
	}
	{
		const char *hint = narrow ? "?:help" : "? help  q quit";
		int hw = render_width(hint);
		if (x + hw + 1 <= W)
			render_put(t, w, 0, W - hw - 1, hw, hint, A_DIM);
	}
}

/* One "key label" pair of the footer; returns the new x. */
static int panel_footer_key(view_t *t, WINDOW *w, int x, const char *key, const char *label)
{
	int W = getmaxx(w), need = render_width(key) + render_width(label) + 2;

	if (x + need > W)
		return W;
	x += render_put(t, w, 0, x, W - x, key, A_BOLD | render_pair(t, PAIR_KEY));
	x += render_put(t, w, 0, x + 1, W - x - 1, label, A_NORMAL) + 1;
	return x + 1;
}

void panel_footer_draw(view_t *t, WINDOW *w)
{
	int W = getmaxx(w), x = 0;
	char buf[256];
	bool msg_err = false;

	if (t->filter_editing) {
		render_escape(t, buf, sizeof buf, t->filter, false);
		x += render_put(t, w, 0, x, W, "/", A_BOLD | A_REVERSE);
		x += render_putf(t, w, 0, x + 1, W - x - 20, A_BOLD, "filter checks: %s", buf) + 1;
		wattrset(w, A_REVERSE);
		mvwaddstr(w, 0, x, " ");                /* the text cursor */
		wattrset(w, A_NORMAL);
		render_put(t, w, 0, x + 2, W - x - 2, "Enter keep  Esc clear", A_DIM);
		return;
	}
	if (view_message_active(t, &msg_err)) {
		/* messages have their own place, apart from the alerts in the header */
		char msg[700];
		int hint = msg_err ? 14 : 0;
		render_escape(t, msg, sizeof msg, t->message, false);
		if (msg_err) {
			x += render_putf(t, w, 0, x, W - x - hint, A_BOLD | A_REVERSE | render_pair(t, PAIR_DOWN), " %s %s ",
			                 render_state_symbol(t, STATE_DOWN), msg) + 2;
			if (x + hint <= W)
				render_put(t, w, 0, x, W - x, "Esc dismiss", A_DIM);
		} else {
			render_putf(t, w, 0, x, W - x, A_BOLD, " %s", msg);
		}
		return;
	}
	if (t->view == VIEW_DETAIL) {
		x = panel_footer_key(t, w, x, "Esc", "back");
		x = panel_footer_key(t, w, x, "Tab", "checks/charts");
		x = panel_footer_key(t, w, x, t->utf8 ? "\xe2\x86\x91\xe2\x86\x93" : "j/k", "scroll");
	} else {
		x = panel_footer_key(t, w, x, t->utf8 ? "\xe2\x86\x91\xe2\x86\x93" : "j/k", "move");
		x = panel_footer_key(t, w, x, "Tab", "panel");
		x = panel_footer_key(t, w, x, "Enter", t->focus == FOCUS_CHECKS ? "open/close" : "detail");
	}
	x = panel_footer_key(t, w, x, "/", "filter");
	x = panel_footer_key(t, w, x, "f", t->ct.failing_only ? "all checks" : "failing only");
	x = panel_footer_key(t, w, x, "?", "help");
	x = panel_footer_key(t, w, x, "q", "quit");
	x = panel_footer_key(t, w, x, "a", "ack");
	x = panel_footer_key(t, w, x, "y", "copy");
	if (t->ct.filter[0] && x < W - 10) {
		render_escape(t, buf, sizeof buf, t->ct.filter, false);
		render_putf(t, w, 0, x + 1, W - x - 1, A_BOLD, "filter: %s", buf);
	}
}

/* The acknowledge prompt: "ack NODE: note", the cursor, the keys. */
void panel_prompt_draw(view_t *t, WINDOW *w)
{
	int W = getmaxx(w), x = 0, room;
	char name[96], note[VIEW_ACK_MAX * 4 + 1];

	render_escape(t, name, sizeof name, t->ack_name, false);
	render_escape(t, note, sizeof note, t->ack_note, false);
	x += render_putf(t, w, 0, x, W, A_BOLD | A_REVERSE, "ack %s:", name) + 1;
	/* the end of a long note stays in view, next to the cursor */
	room = W - x - 24;
	if (room < 8)
		room = W - x - 1;
	{
		const char *p = note;
		while (render_width(p) > room && *p) {
			p++;
			while ((*p & 0xC0) == 0x80)
				p++;
		}
		x += render_put(t, w, 0, x, room, p, A_BOLD);
	}
	wattrset(w, A_REVERSE);
	mvwaddstr(w, 0, x < W ? x : W - 1, " ");      /* the text cursor */
	wattrset(w, A_NORMAL);
	render_put(t, w, 0, x + 2, W - x - 2, "Enter confirm  Esc cancel", A_DIM);
}
