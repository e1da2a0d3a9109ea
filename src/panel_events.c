/* panel_events.c - the event timeline: state changes of every node merged, newest
 * first, with time and duration ("rpc down on bravo for 4m12s"). */
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "panel_events.h"
#include "render.h"

/* The word for the state an event entered: checks say passing/failing. */
static const char *events_state_word(const event_t *e)
{
	if (e->kind == EVENT_CHECK)
		return e->to == STATE_DOWN ? "failing" : e->to == STATE_UP ? "passing" : "unknown";
	if (e->kind == EVENT_RULE)
		return rule_level_name(e->level);      /* warning, critical, resolved */
	return state_name(e->to);
}

/* What the event is about: "node", "db", "rpc", "rpc chain 1", a check name. */
static void events_subject(const view_t *t, const event_t *e, char *buf, size_t n)
{
	char sub[256];

	render_escape(t, sub, sizeof sub, e->subject, false);
	switch (e->kind) {
	case EVENT_RPC:
		if (sub[0])
			snprintf(buf, n, "rpc chain %s", sub);
		else
			snprintf(buf, n, "rpc");
		break;
	case EVENT_CHECK:
		snprintf(buf, n, "%s", sub);
		break;
	case EVENT_RULE:
		snprintf(buf, n, "rule %.24s", e->rule);     /* "rule balance": the detail says of what */
		break;
	default:
		snprintf(buf, n, "%s", event_kind_name(e->kind));
		break;
	}
}

static void events_line(view_t *t, WINDOW *w, int y, size_t i, const event_t *e, bool compact)
{
	int W = getmaxx(w), x = 1;
	char clock[16], dur[24], subject[300], node[128], detail[300];
	attr_t sa = render_state_attr(t, e->to);

	fmt_clock(clock, sizeof clock, e->ts_ms, false);
	/* from unknown: nodetop's first look, the state began before it */
	fmt_duration_seen(dur, sizeof dur, eventlog_duration(&t->m->events, i, t->now_ms),
	                  e->from != STATE_UNKNOWN, t->utf8);
	render_escape(t, node, sizeof node, e->node, false);
	render_escape(t, detail, sizeof detail, e->detail, false);
	if (compact)
		clock[5] = '\0';                    /* HH:MM */
	x += render_put(t, w, y, x, W - x, clock, A_DIM) + 1;

	if (e->kind == EVENT_CONFIG) {
		x += render_put(t, w, y, x, W - x, "config", A_BOLD) + 1;
		render_put(t, w, y, x, W - x, detail, A_NORMAL);
		return;
	}
	if (e->kind == EVENT_RESTART) {
		x += render_putf(t, w, y, x, W - x, A_BOLD, "%s restart", t->g->restart) + 1;
		x += render_putf(t, w, y, x, W - x, A_NORMAL, "of %s", node) + 2;
		render_put(t, w, y, x, W - x, detail, A_DIM);
		return;
	}
	if (e->kind == EVENT_FAILOVER) {
		/* "⇄ failover in pair: primary → standby after 14s without an active member" */
		char group[128], peer[128], gap[32];
		render_escape(t, group, sizeof group, e->group, false);
		render_escape(t, peer, sizeof peer, e->peer[0] ? e->peer : "?", false);
		if (e->gap_ms < 1000)
			snprintf(gap, sizeof gap, "%lld ms", (long long)(e->gap_ms > 0 ? e->gap_ms : 0));
		else
			fmt_duration(gap, sizeof gap, e->gap_ms);
		x += render_put(t, w, y, x, 1, render_state_symbol(t, e->to), sa) + 1;
		x += render_putf(t, w, y, x, W - x, A_BOLD, "failover in %s:", group) + 1;
		x += render_putf(t, w, y, x, W - x, A_NORMAL, "%s %s ", peer, t->utf8 ? "\xe2\x86\x92" : "->");
		x += render_put(t, w, y, x, W - x, node, A_BOLD) + 1;
		if (!compact)
			render_putf(t, w, y, x, W - x, A_NORMAL, "after %s without an active member", gap);
		else
			render_putf(t, w, y, x, W - x, A_NORMAL, "gap %s", gap);
		return;
	}
	if (e->kind == EVENT_TWO_ACTIVE) {
		/* "▲ two active members in pair for 40s · primary and standby both active ..." */
		char group[128];
		render_escape(t, group, sizeof group, e->group, false);
		x += render_put(t, w, y, x, 1, render_state_symbol(t, e->to), sa) + 1;
		if (e->to == STATE_UP)
			x += render_putf(t, w, y, x, W - x, A_NORMAL, "one active member again in %s", group) + 1;
		else
			x += render_putf(t, w, y, x, W - x, sa & ~A_REVERSE, "two active members in %s for %s", group, dur) + 1;
		if (e->to != STATE_UP && detail[0] && x + 6 < W) {
			x += render_put(t, w, y, x, 1, t->g->dot, A_DIM) + 1;
			render_put(t, w, y, x, W - x, detail, A_DIM);
		}
		return;
	}
	if (e->kind == EVENT_NOTIFY) {
		/* a hook's own word: "✖ hook web: gave up after 3 attempts: HTTP 500" */
		char hook[128];
		render_escape(t, hook, sizeof hook, e->subject, false);
		x += render_put(t, w, y, x, 1, render_state_symbol(t, e->to), sa & ~A_REVERSE) + 1;
		x += render_putf(t, w, y, x, W - x, A_BOLD, "hook %s:", hook) + 1;
		render_put(t, w, y, x, W - x, detail, A_NORMAL);
		return;
	}
	if (e->kind == EVENT_DB_FAILOVER || e->kind == EVENT_DB_LEASE) {
		/* "● database failover: db-a is now the writer" (issue 15) */
		x += render_put(t, w, y, x, 1, render_state_symbol(t, e->to), sa) + 1;
		render_put(t, w, y, x, W - x, detail, A_BOLD);
		return;
	}
	if (e->kind == EVENT_GROUP) {
		/* "✖ group pair down for 14s · no member answers", "▲ group pair db degraded ..." */
		char group[128];
		render_escape(t, group, sizeof group, e->group, false);
		x += render_put(t, w, y, x, 1, render_state_symbol(t, e->to), sa) + 1;
		x += render_putf(t, w, y, x, W - x, A_BOLD, "group %s", group) + 1;
		if (e->subject[0])
			x += render_put(t, w, y, x, W - x, e->subject, A_NORMAL) + 1;
		x += render_put(t, w, y, x, W - x, events_state_word(e), sa & ~A_REVERSE) + 1;
		x += render_putf(t, w, y, x, W - x, A_NORMAL, "for %s", dur) + 1;
		if (!compact && detail[0] && x + 6 < W) {
			x += render_put(t, w, y, x, 1, t->g->dot, A_DIM) + 1;
			render_put(t, w, y, x, W - x, detail, A_DIM);
		}
		return;
	}
	if (e->kind == EVENT_ACK) {
		x += render_put(t, w, y, x, W - x, "ack", A_BOLD) + 1;
		x += render_putf(t, w, y, x, W - x, A_NORMAL, "on %s", node) + 2;
		render_put(t, w, y, x, W - x, detail, A_DIM);
		return;
	}
	x += render_put(t, w, y, x, 1, render_state_symbol(t, e->to), sa) + 1;
	events_subject(t, e, subject, sizeof subject);
	if (compact) {
		/* "bravo rpc down 4m12s" */
		x += render_put(t, w, y, x, W - x, node, A_BOLD) + 1;
		x += render_put(t, w, y, x, W - x, subject, A_NORMAL) + 1;
		x += render_put(t, w, y, x, W - x, events_state_word(e), sa & ~A_REVERSE) + 1;
		render_put(t, w, y, x, W - x, dur, A_NORMAL);
		return;
	}
	/* "rpc down on bravo for 4m12s · no RPC node Alive on chain 1" */
	x += render_put(t, w, y, x, W - x, subject, A_NORMAL) + 1;
	x += render_put(t, w, y, x, W - x, events_state_word(e), sa & ~A_REVERSE) + 1;
	x += render_put(t, w, y, x, W - x, "on", A_NORMAL) + 1;
	x += render_put(t, w, y, x, W - x, node, A_BOLD) + 1;
	x += render_putf(t, w, y, x, W - x, A_NORMAL, "for %s", dur) + 1;
	if (detail[0] && x + 6 < W) {
		x += render_put(t, w, y, x, 1, t->g->dot, A_DIM) + 1;
		render_put(t, w, y, x, W - x, detail, A_DIM);
	}
}

void panel_events_draw(view_t *t, WINDOW *w)
{
	int W = getmaxx(w), H = getmaxy(w), y = 1;
	const eventlog_t *log = &t->m->events;
	bool compact = W < 60;
	char right[64];
	size_t i;

	snprintf(right, sizeof right, "%zu, newest first", log->len);
	render_title(t, w, "Events", log->len ? right : "", t->focus == FOCUS_EVENTS);
	if (log->len == 0) {
		render_put(t, w, y, 2, W - 2, "no state changes yet", A_DIM);
		return;
	}
	for (i = t->ev_top; i < log->len && y < H; i++, y++) {
		const event_t *e = eventlog_get(log, i);
		if (e)
			events_line(t, w, y, i, e, compact);
	}
	if (t->ev_top > 0)
		render_scroll_hint(t, w, 1, true);
	if (i < log->len)
		render_scroll_hint(t, w, H - 1, false);
}
