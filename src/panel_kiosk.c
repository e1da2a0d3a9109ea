/* panel_kiosk.c - the read-only wall screen in one window: the nodes that need attention
 * first, in pages that turn; the big ALL HEALTHY banner; the whole screen saying STALE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "panel_kiosk.h"
#include "panel_rules.h"
#include "panel_rpc.h"
#include "model_db.h"
#include "render.h"
#include "xalloc.h"

#define HOUR_MS (3600LL * 1000)
#define DAY_MS (24 * HOUR_MS)
#define KIOSK_MAX_CHECKS 4      /* failing checks listed per node, the rest counted */
#define KIOSK_MAX_EVENTS 8      /* recent events in the room left on the last page */

/* A 5-row block font for the banners, '#' lit; letters 5 wide, a space 3. */
typedef struct kiosk_glyph {
	char c;
	const char *row[5];
} kiosk_glyph_t;

static const kiosk_glyph_t kiosk_font[] = {
	{ 'A', { " ### ", "#   #", "#####", "#   #", "#   #" } },
	{ 'C', { " ####", "#    ", "#    ", "#    ", " ####" } },   /* CRITICAL (a rule firing) */
	{ 'E', { "#####", "#    ", "#### ", "#    ", "#####" } },
	{ 'H', { "#   #", "#   #", "#####", "#   #", "#   #" } },
	{ 'L', { "#    ", "#    ", "#    ", "#    ", "#####" } },
	{ 'S', { " ####", "#    ", " ### ", "    #", "#### " } },
	{ 'T', { "#####", "  #  ", "  #  ", "  #  ", "  #  " } },
	{ 'Y', { "#   #", " # # ", "  #  ", "  #  ", "  #  " } },
	{ 'D', { "#### ", "#   #", "#   #", "#   #", "#### " } },
	{ 'G', { " ####", "#    ", "#  ##", "#   #", " ####" } },
	{ 'I', { "#####", "  #  ", "  #  ", "  #  ", "#####" } },
	{ 'K', { "#   #", "#  # ", "###  ", "#  # ", "#   #" } },
	{ 'N', { "#   #", "##  #", "# # #", "#  ##", "#   #" } },
	{ 'O', { " ### ", "#   #", "#   #", "#   #", " ### " } },
	{ 'R', { "#### ", "#   #", "#### ", "#  # ", "#   #" } },
	{ 'U', { "#   #", "#   #", "#   #", "#   #", " ### " } },
	{ 'W', { "#   #", "#   #", "# # #", "## ##", "#   #" } },
	{ ' ', { "   ", "   ", "   ", "   ", "   " } },
};

static const kiosk_glyph_t *kiosk_glyph(char c)
{
	for (size_t i = 0; i < sizeof kiosk_font / sizeof kiosk_font[0]; i++)
		if (kiosk_font[i].c == c)
			return &kiosk_font[i];
	return &kiosk_font[sizeof kiosk_font / sizeof kiosk_font[0] - 1];
}

/* Width in cells of s[0..len) in the block font at horizontal scale sx. */
static int kiosk_big_width(const char *s, size_t len, int sx)
{
	int w = 0;

	for (size_t i = 0; i < len; i++)
		w += ((int)strlen(kiosk_glyph(s[i])->row[0]) + (i + 1 < len)) * sx;
	return w;
}

/* Draws s[0..len) in the block font at (y, x); inverted, the letters are the
 * dark cells of a lit block one cell larger all round. */
static void kiosk_big(const view_t *t, WINDOW *w, int y, int x, const char *s, size_t len,
                      int sx, int sy, attr_t a, bool invert)
{
	const char *on = t->utf8 ? "\xe2\x96\x88" : "#";     /* █ */
	int width = kiosk_big_width(s, len, sx), W = getmaxx(w), H = getmaxy(w);

	wattrset(w, a);
	for (int r = -1; r <= 5 * sy; r++) {
		int cx = x;
		if (y + r < 0 || y + r >= H)
			continue;
		if (invert && x - 2 >= 0)
			mvwaddstr(w, y + r, x - 2, on), mvwaddstr(w, y + r, x - 1, on);
		for (size_t i = 0; i < len; i++) {
			const kiosk_glyph_t *g = kiosk_glyph(s[i]);
			int gw = (int)strlen(g->row[0]);
			for (int c = 0; c < (gw + (i + 1 < len)) * sx && cx + c < W; c++) {
				bool lit = r >= 0 && r < 5 * sy && c < gw * sx && g->row[r / sy][c / sx] == '#';
				if (lit != invert)
					mvwaddstr(w, y + r, cx + c, on);
			}
			cx += (gw + (i + 1 < len)) * sx;
		}
		if (invert && x + width + 1 < W)
			mvwaddstr(w, y + r, x + width, on), mvwaddstr(w, y + r, x + width + 1, on);
	}
	wattrset(w, A_NORMAL);
}

/* A banner of words, as big as fits in W x H: one line at scales 4x2, 2x1, 1x1,
 * then the words on two lines, then plain bold text. Returns the rows it takes
 * (a row of room above and below included), drawing only when w is not NULL. */
static int kiosk_banner(const view_t *t, WINDOW *w, int y, int W, int H, const char *text, attr_t a, bool invert)
{
	static const int scale[][3] = { { 4, 2, 1 }, { 2, 1, 1 }, { 1, 1, 1 }, { 2, 1, 2 }, { 1, 1, 2 } };
	const char *sp = strchr(text, ' ');
	size_t len = strlen(text), l1 = sp ? (size_t)(sp - text) : len;

	for (size_t i = 0; i < sizeof scale / sizeof scale[0]; i++) {
		int sx = scale[i][0], sy = scale[i][1], lines = scale[i][2], bw, bh;
		if (lines == 2 && !sp)
			continue;
		bw = lines == 1 ? kiosk_big_width(text, len, sx)
		                : kiosk_big_width(text, l1, sx) > kiosk_big_width(sp + 1, len - l1 - 1, sx)
		                  ? kiosk_big_width(text, l1, sx) : kiosk_big_width(sp + 1, len - l1 - 1, sx);
		bh = lines * 5 * sy + (lines - 1) * 2 + 2;
		if (bw + 4 > W || bh > H)
			continue;
		if (w) {
			if (lines == 1) {
				kiosk_big(t, w, y + 1, (W - bw) / 2, text, len, sx, sy, a, invert);
			} else {
				int w1 = kiosk_big_width(text, l1, sx), w2 = kiosk_big_width(sp + 1, len - l1 - 1, sx);
				kiosk_big(t, w, y + 1, (W - w1) / 2, text, l1, sx, sy, a, invert);
				kiosk_big(t, w, y + 1 + 5 * sy + 2, (W - w2) / 2, sp + 1, len - l1 - 1, sx, sy, a, invert);
			}
		}
		return bh;
	}
	if (w)
		render_put(t, w, y, (W - (int)len) / 2 > 0 ? (W - (int)len) / 2 : 0, W, text, a | A_BOLD);
	return 1;
}

static void kiosk_center(const view_t *t, WINDOW *w, int y, const char *s, attr_t a)
{
	int W = getmaxx(w), sw = render_width(s);

	render_put(t, w, y, sw < W ? (W - sw) / 2 : 0, W, s, a);
}

/* Is the indicator worth a line in the node's card? */
static bool kiosk_ind_shown(const node_t *n, indicator_id_t k)
{
	state_t s = n->ind[k].state;

	if (s == STATE_DOWN || s == STATE_DEGRADED || s == STATE_STARTING)
		return true;
	return s == STATE_UNKNOWN && k != IND_NODE && n->state != STATE_DOWN && n->metrics_error[0];
}

/* Rows of node i in the list: a card for a problem, a line for a fine node. */
static int kiosk_item_rows(const view_t *t, size_t i, const attention_t *a)
{
	const node_t *n = &t->m->nodes[i];
	int rows = 1, shown = 0;

	if (!a->problem)
		return 1;
	if (node_is_stale(n, t->now_ms) || !n->last_health_ms)
		return 2;
	for (int k = 0; k < IND__COUNT; k++)
		rows += kiosk_ind_shown(n, (indicator_id_t)k);
	for (size_t c = 0; c < n->nchecks; c++) {
		if (n->checks[c].status != CHECK_FAILING)
			continue;
		if (shown++ == KIOSK_MAX_CHECKS) {
			rows++;                      /* "+N more failing" */
			break;
		}
		rows += 1 + (n->checks[c].output && n->checks[c].output[0]);
	}
	rows += panel_rules_kiosk_rows(n);      /* the alert rules firing */
	return rows + 1;                         /* a blank row after a card */
}

/* Draws node i from row y, at most maxrows rows. */
static void kiosk_item_draw(view_t *t, WINDOW *w, int y, int maxrows, size_t i, const attention_t *a)
{
	const node_t *n = &t->m->nodes[i];
	int W = getmaxx(w), x = 1, end = y + maxrows, nshown = 0;
	bool stale = node_is_stale(n, t->now_ms);
	state_t shown = n->ind[IND_NODE].state == STATE_STANDBY ? STATE_STANDBY : n->state;
	state_t st = stale ? STATE_UNKNOWN : shown;
	attr_t sa = stale ? A_DIM : render_state_attr(t, shown);
	char buf[700], name[128], dur[16], seen_clock[16];
	int64_t seen = 0;
	bool unread;

	render_escape(t, name, sizeof name, n->name, false);
	x += render_put(t, w, y, x, W - x, render_state_symbol(t, st), sa) + 1;
	x += render_put(t, w, y, x, W - x, name, A_BOLD | (stale ? A_DIM : 0)) + 2;
	if (!a->problem) {
		/* a fine node: one line with its three indicators */
		x += render_put(t, w, y, x, W - x, state_name_upper(shown), sa & ~A_REVERSE) + 2;
		for (int k = 0; k < IND__COUNT; k++) {
			x += render_put(t, w, y, x, W - x, indicator_name((indicator_id_t)k), A_DIM) + 1;
			x += render_put(t, w, y, x, W - x, render_state_symbol(t, n->ind[k].state),
			                render_state_attr(t, n->ind[k].state)) + 2;
		}
		if (a->waiting)
			render_put(t, w, y, x, W - x, "standby of an up pair, waiting for the database lease", A_DIM);
		else if (a->role == ROLE_ACTIVE)
			render_put(t, w, y, x, W - x, "active: carries its pair", A_DIM);
		return;
	}
	if (stale || !n->last_health_ms) {
		fmt_age(dur, sizeof dur, t->now_ms, node_last_answer_ms(n));
		render_putf(t, w, y, x, W - x, A_BOLD, n->last_health_ms ? "no data for %s (last: %s)" : "not polled yet",
		            dur, state_name(n->state));
		return;
	}
	x += render_put(t, w, y, x, W - x, state_name_upper(n->state), sa) + 1;
	if (n->state_since_ms) {
		fmt_duration_seen(dur, sizeof dur, t->now_ms - n->state_since_ms, n->state_since_seen, t->utf8);
		x += render_putf(t, w, y, x, W - x, A_NORMAL, "for %s", dur) + 2;
	}
	render_ack_text(t, n, buf, sizeof buf);
	if (buf[0])
		x += render_put(t, w, y, x, W - x, buf, A_BOLD | A_REVERSE) + 2;
	if (n->error[0]) {
		render_escape(t, buf, sizeof buf, n->error, false);
		render_put(t, w, y, x, W - x, buf, A_NORMAL);
	}
	y++;
	/* the indicators that are not fine, with since when and why; what is not read
	 * now (the node gives no /health body) as last seen, dimmed */
	unread = model_node_unread(t->m, i, t->now_ms, &seen);
	fmt_clock(seen_clock, sizeof seen_clock, seen, false);
	for (int k = 0; k < IND__COUNT && y < end; k++) {
		const indicator_t *ind = &n->ind[k];
		bool old = unread && k != IND_NODE && !(k == IND_DB && model_db_direct(t->m, n));
		if (!kiosk_ind_shown(n, (indicator_id_t)k))
			continue;
		x = 5;
		render_field(t, w, y, x, 4, indicator_name((indicator_id_t)k), A_BOLD, false);
		x += 5;
		x += render_putf(t, w, y, x, W - x, old ? A_DIM : render_state_attr(t, ind->state) & ~A_REVERSE, "%s %s",
		                 render_state_symbol(t, ind->state), state_name(ind->state)) + 1;
		if (old && seen) {
			x += render_putf(t, w, y, x, W - x, A_DIM, "last seen %s", seen_clock) + 2;
		} else if (ind->since_ms) {
			fmt_duration_seen(dur, sizeof dur, t->now_ms - ind->since_ms, ind->since_seen, t->utf8);
			x += render_putf(t, w, y, x, W - x, A_NORMAL, "for %s", dur) + 2;
		}
		render_escape(t, buf, sizeof buf, ind->reason, false);
		render_put(t, w, y, x, W - x, buf, A_DIM);
		y++;
	}
	y = panel_rules_kiosk_draw(t, w, y, end, n, unread);   /* the alert rules firing */
	/* the failing checks, each with the first line of its output */
	for (size_t c = 0; c < n->nchecks && y < end; c++) {
		const check_t *ck = &n->checks[c];
		if (ck->status != CHECK_FAILING)
			continue;
		if (nshown++ == KIOSK_MAX_CHECKS) {
			render_putf(t, w, y++, 5, W - 5, A_DIM, "+%zu more failing", n->nfailing - KIOSK_MAX_CHECKS);
			break;
		}
		x = 5;
		x += render_put(t, w, y, x, 2, render_state_symbol(t, STATE_DOWN),
		                unread ? A_DIM : render_state_attr(t, STATE_DOWN) & ~A_REVERSE) + 1;
		render_escape(t, buf, sizeof buf, ck->name, false);
		x += render_put(t, w, y, x, W - x - 16, buf, unread ? A_DIM : A_BOLD) + 2;
		if (unread) {
			if (seen)
				render_putf(t, w, y, x, W - x, A_DIM, "failing when last seen %s", seen_clock);
			else
				render_put(t, w, y, x, W - x, "failing when last seen", A_DIM);
		} else if (ck->since_ms) {
			fmt_duration_seen(dur, sizeof dur, t->now_ms - ck->since_ms, ck->since_seen, t->utf8);
			render_putf(t, w, y, x, W - x, A_NORMAL, "failing for %s", dur);
		}
		y++;
		if (ck->output && ck->output[0] && y < end) {
			const char *nl = strchr(ck->output, '\n');
			size_t ol = nl ? (size_t)(nl - ck->output) : strlen(ck->output);
			char *line = xstrndup(ck->output, ol > 400 ? 400 : ol);
			render_escape(t, buf, sizeof buf, line, false);
			free(line);
			render_put(t, w, y++, 9, W - 9, buf, A_DIM);
		}
	}
}

/* One event of the timeline, on one row. */
static void kiosk_event(view_t *t, WINDOW *w, int y, const event_t *e)
{
	int W = getmaxx(w), x = 3;
	char clock[16], node[128], sub[200], detail[300];

	fmt_clock(clock, sizeof clock, e->ts_ms, false);
	render_escape(t, node, sizeof node, e->node, false);
	render_escape(t, sub, sizeof sub, e->subject, false);
	render_escape(t, detail, sizeof detail, e->detail, false);
	x += render_put(t, w, y, x, W - x, clock, A_DIM) + 2;
	switch (e->kind) {
	case EVENT_CONFIG:
		render_putf(t, w, y, x, W - x, A_NORMAL, "config: %s", detail);
		return;
	case EVENT_ACK:
		render_putf(t, w, y, x, W - x, A_BOLD, "ack on %s: %s", node, detail);
		return;
	case EVENT_RESTART:
		render_putf(t, w, y, x, W - x, A_NORMAL, "restart of %s", node);
		return;
	case EVENT_GROUP: {
		char group[128];
		render_escape(t, group, sizeof group, e->group, false);
		x += render_put(t, w, y, x, 2, render_state_symbol(t, e->to), render_state_attr(t, e->to) & ~A_REVERSE) + 1;
		x += render_putf(t, w, y, x, W - x, A_NORMAL, "group %s%s%s %s", group, sub[0] ? " " : "", sub,
		                 state_name(e->to)) + 1;
		if (detail[0] && x + 8 < W)
			render_putf(t, w, y, x, W - x, A_DIM, "%s %s", t->g->dot, detail);
		return;
	}
	default:
		break;
	}
	x += render_put(t, w, y, x, 2, render_state_symbol(t, e->to), render_state_attr(t, e->to) & ~A_REVERSE) + 1;
	if (e->kind == EVENT_CHECK)
		x += render_putf(t, w, y, x, W - x, A_NORMAL, "%s %s on %s", sub,
		                 e->to == STATE_DOWN ? "failing" : e->to == STATE_UP ? "passing" : "unknown", node) + 1;
	else if (e->kind == EVENT_RPC && sub[0])
		x += render_putf(t, w, y, x, W - x, A_NORMAL, "rpc chain %s %s on %s", sub, state_name(e->to), node) + 1;
	else if (e->kind == EVENT_RULE)    /* "rule balance critical on lb" */
		x += render_putf(t, w, y, x, W - x, A_NORMAL, "rule %.24s %s on %s", e->rule, rule_level_name(e->level),
		                 node) + 1;
	else
		x += render_putf(t, w, y, x, W - x, A_NORMAL, "%s %s on %s", event_kind_name(e->kind),
		                 state_name(e->to), node) + 1;
	if (detail[0] && x + 8 < W)
		render_putf(t, w, y, x, W - x, A_DIM, "%s %s", t->g->dot, detail);
}

/* Is the event worth the wall? The first sight of a fine node is not. */
static bool kiosk_is_news(const event_t *e)
{
	return !(e->from == STATE_UNKNOWN && e->to == STATE_UP);
}

static bool kiosk_news(const view_t *t)
{
	for (size_t i = 0; i < t->m->events.len; i++) {
		const event_t *e = eventlog_get(&t->m->events, i);
		if (e && kiosk_is_news(e))
			return true;
	}
	return false;
}

/* Group gi on row y: "● pair up on standby · carried by standby"; returns the next row. */
static int kiosk_group_line(view_t *t, WINDOW *w, int y, size_t gi)
{
	attention_t ga = model_group_attention(t->m, gi, t->now_ms);
	int W = getmaxx(w), x = 1;
	char text[300], esc[400];

	view_group_text(t, gi, text, sizeof text);
	render_escape(t, esc, sizeof esc, text, false);
	x += render_put(t, w, y, x, 2, render_state_symbol(t, ga.state), render_state_attr(t, ga.state)) + 1;
	x += render_put(t, w, y, x, W - x, esc, A_BOLD | (render_state_attr(t, ga.state) & ~A_REVERSE)) + 2;
	if (ga.severity != SEV_OK && ga.reason[0] && !t->m->groups[gi].lost_ms) {
		render_escape(t, esc, sizeof esc, ga.reason, false);
		render_put(t, w, y, x, W - x, esc, A_DIM);
	}
	return y + 2;
}

/* The list: the nodes that need attention first (unacknowledged before
 * acknowledged, worst first), then the fine ones; in pages that turn. */
static void kiosk_list(view_t *t, WINDOW *w, int top, int bottom)
{
	size_t n = t->m->nnodes, *order = xcalloc(n ? n : 1, sizeof *order), bad = 0, worst = 0;
	attention_t *att = xcalloc(n ? n : 1, sizeof *att);
	int W = getmaxx(w), avail, used = 0, page = 0, y;
	char buf[300];

	/* the model says how much each node needs attention */
	for (size_t i = 0; i < n; i++) {
		att[i] = model_node_attention(t->m, i, t->now_ms);
		if (att[i].problem)
			bad++;
		if (att[i].rank > att[worst].rank)
			worst = i;
	}
	/* insertion sort, stable: rank down, unacknowledged first, then configuration order */
	for (size_t i = 0; i < n; i++) {
		size_t j = i;
		while (j > 0) {
			size_t a = order[j - 1];
			int ka = att[a].rank * 2 + !t->m->nodes[a].acked, kb = att[i].rank * 2 + !t->m->nodes[i].acked;
			if (ka >= kb)
				break;
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	if (model_none_reachable(t->m, t->now_ms) && bottom - top > 6) {
		/* apart from the nodes' verdicts: the likelier cause is this host */
		snprintf(buf, sizeof buf, " cannot reach any node %s check this host's network (DNS, routes, VPN) ",
		         t->utf8 ? "\xe2\x80\x94" : "-");
		render_put(t, w, top, 1, W - 1, buf, A_BOLD | A_REVERSE | render_pair(t, PAIR_DEGRADED));
		top += 2;
	}
	if (n == 0)
		snprintf(buf, sizeof buf, "no nodes configured");
	else if (bad) {
		char counts[128];
		view_counts_text(t, counts, sizeof counts);
		snprintf(buf, sizeof buf, "%zu of %zu node%s need%s attention %s %s", bad, n, n == 1 ? "" : "s",
		         bad == 1 ? "s" : "", t->g->dot, counts);
	}
	else
		snprintf(buf, sizeof buf, "%zu node%s fine, not every indicator known yet", n, n == 1 ? "" : "s");
	render_put(t, w, top, 1, W - 1, buf,
	           A_BOLD | (bad && att[worst].severity == SEV_CRITICAL ? render_pair(t, PAIR_DOWN)
	                     : bad && att[worst].severity == SEV_WARNING ? render_pair(t, PAIR_DEGRADED) : 0));
	top += 2;
	/* the worst item across the room: its state in big letters, what and where
	 * under it, when the list leaves the room */
	if (bad) {
		int need = 0, bh;
		const node_t *wn = &t->m->nodes[worst];
		state_t ws = att[worst].stale ? STATE_UNKNOWN : wn->ind[att[worst].ind].state;
		char what[300], esc[200], dur[16];
		const char *word;
		if (ws == STATE_UP && wn->nfailing)
			ws = STATE_DEGRADED;
		word = state_name_upper(ws);
		/* a firing alert rule is the worst: its severity in big letters, the rule under it */
		bool by_rule = ws != STATE_DOWN && !att[worst].stale &&
		               panel_rules_kiosk_banner(t, wn, att[worst].severity, &word, what, sizeof what);
		if (by_rule)
			ws = att[worst].severity == SEV_CRITICAL ? STATE_DOWN : STATE_DEGRADED;
		for (size_t k = 0; k < n; k++)
			need += kiosk_item_rows(t, k, &att[k]);
		need += (int)(t->m->ngroups < 3 ? t->m->ngroups : 3) * 2;
		bh = kiosk_banner(t, NULL, 0, W, bottom - top - need - 2, word, 0, false);
		if (bh > 1 && top + bh + 2 + need <= bottom) {
			attr_t wa = A_BOLD | (render_state_attr(t, ws) & ~A_REVERSE);
			kiosk_banner(t, w, top, W, bh, word, wa, false);
			top += bh;
			render_escape(t, esc, sizeof esc, wn->name, false);
			fmt_duration_seen(dur, sizeof dur, att[worst].since_ms ? t->now_ms - att[worst].since_ms : 0,
			                  att[worst].since_seen, t->utf8);
			if (by_rule)
				;                    /* panel_rules_kiosk_banner said what */
			else if (att[worst].ind == IND_NODE)
				snprintf(what, sizeof what, "%s %s for %s", esc, state_name(ws), dur);
			else
				snprintf(what, sizeof what, "%s %s on %s for %s", indicator_name(att[worst].ind), state_name(ws), esc, dur);
			kiosk_center(t, w, top, what, A_BOLD);
			top += 2;
		}
	}
	/* the failover groups first: which member carries each */
	for (size_t g = 0; g < t->m->ngroups && g < 3 && top + 4 < bottom; g++)
		top = kiosk_group_line(t, w, top, g);
	top = panel_rpc_kiosk(t, w, top, bottom);   /* failing [rpc] endpoints */
	avail = bottom - top;

	/* count the pages, then draw the current one */
	for (size_t k = 0; k < n; k++) {
		int h = kiosk_item_rows(t, order[k], &att[order[k]]);
		if (used > 0 && used + h > avail) {
			page++;
			used = 0;
		}
		used += h;
	}
	t->kiosk_npages = page + 1;
	if (t->kiosk_page >= t->kiosk_npages)
		t->kiosk_page = 0;
	page = 0;
	used = 0;
	y = top;
	for (size_t k = 0; k < n; k++) {
		int h = kiosk_item_rows(t, order[k], &att[order[k]]);
		if (used > 0 && used + h > avail) {
			page++;
			used = 0;
			y = top;
		}
		if (page == t->kiosk_page)
			kiosk_item_draw(t, w, y, bottom - y, order[k], &att[order[k]]);
		used += h;
		y += h;
	}
	/* the room left on the last page: what happened lately */
	if (t->kiosk_page == t->kiosk_npages - 1 && bottom - y >= 3 && kiosk_news(t)) {
		render_put(t, w, y++, 1, W - 1, "recent events", A_BOLD);
		for (size_t i = 0, shown = 0; i < t->m->events.len && shown < KIOSK_MAX_EVENTS && y < bottom; i++) {
			const event_t *e = eventlog_get(&t->m->events, i);
			if (!e || !kiosk_is_news(e))
				continue;
			kiosk_event(t, w, y++, e);
			shown++;
		}
	}
	free(order);
	free(att);
}

/* The lowest availability over the nodes and failover groups (a pair counts
 * as one, up when a member is), "-" when nothing is known. */
static void kiosk_lowest(const view_t *t, indicator_id_t k, int64_t window, char *buf, size_t sz)
{
	double low = 101, p;

	for (size_t g = 0; g < t->m->ngroups; g++)
		if (uptime_percent(&t->m->groups[g].ind[k].uptime, t->now_ms, window, &p) && p < low)
			low = p;
	for (size_t i = 0; i < t->m->nnodes; i++)
		if (!t->m->nodes[i].group && uptime_percent(&t->m->nodes[i].ind[k].uptime, t->now_ms, window, &p) && p < low)
			low = p;
	if (low > 100)
		snprintf(buf, sz, "-");
	else
		fmt_uptime(buf, sz, low);
}

/* The same over 7 d or 30 d (l: MODEL_LONG_*), from the stored history. */
static void kiosk_lowest_long(const view_t *t, indicator_id_t k, int l, char *buf, size_t sz)
{
	double low = 101;

	for (size_t g = 0; g < t->m->ngroups; g++)
		if (t->m->groups[g].ind[k].long_known[l] && t->m->groups[g].ind[k].long_pct[l] < low)
			low = t->m->groups[g].ind[k].long_pct[l];
	for (size_t i = 0; i < t->m->nnodes; i++)
		if (!t->m->nodes[i].group && t->m->nodes[i].ind[k].long_known[l] && t->m->nodes[i].ind[k].long_pct[l] < low)
			low = t->m->nodes[i].ind[k].long_pct[l];
	if (low > 100)
		snprintf(buf, sz, "-");
	else
		fmt_uptime(buf, sz, low);
}

/* ALL HEALTHY, as big as fits, with the node count, uptimes and the last poll. */
static void kiosk_healthy(view_t *t, WINDOW *w, int top, int bottom, int64_t newest)
{
	int W = getmaxx(w), H = bottom - top, bh, rows, y, gap;
	size_t standby = 0, n = t->m->nnodes;
	char buf[200], clock[16], age[16], p1[16], p24[16], p7[16], p30[16];
	attr_t a = A_BOLD | render_pair(t, PAIR_UP);

	for (size_t i = 0; i < n; i++)
		if (model_node_attention(t->m, i, t->now_ms).waiting)
			standby++;
	/* banner, count, uptime (4 rows), last poll: with blank rows between when they fit */
	bh = kiosk_banner(t, NULL, 0, W, H - 6, "ALL HEALTHY", a, false);
	gap = H >= bh + 9 ? 1 : 0;
	rows = bh + 6 + 3 * gap;
	y = top + (H - rows) / 2;
	if (y < top)
		y = top;
	kiosk_banner(t, w, y, W, H - 6, "ALL HEALTHY", a, view_kiosk_inverted(t));
	y += bh + (bh > 1 ? 0 : gap);
	if (t->m->ngroups == 1) {
		char gt[120], esc[160];
		view_group_text(t, 0, gt, sizeof gt);
		render_escape(t, esc, sizeof esc, gt, false);
		snprintf(buf, sizeof buf, "all %zu nodes healthy %s %s%s", n, t->g->dot, esc,
		         standby ? ", standby waiting" : "");
	} else if (t->m->ngroups)
		snprintf(buf, sizeof buf, "all %zu nodes healthy %s %zu failover group%s up%s", n, t->g->dot,
		         t->m->ngroups, t->m->ngroups == 1 ? "" : "s", standby ? ", standby waiting" : "");
	else
		snprintf(buf, sizeof buf, "all %zu node%s healthy", n, n == 1 ? "" : "s");
	kiosk_center(t, w, y, buf, A_BOLD);
	y += 1 + gap;
	if (y < bottom) {
		snprintf(buf, sizeof buf, "%-16s %8s %8s %8s %8s", "uptime (lowest)", "1 h", "24 h", "7 d", "30 d");
		kiosk_center(t, w, y++, buf, A_DIM);
	}
	for (int k = 0; k < IND__COUNT && y < bottom; k++) {
		kiosk_lowest(t, (indicator_id_t)k, HOUR_MS, p1, sizeof p1);
		kiosk_lowest(t, (indicator_id_t)k, DAY_MS, p24, sizeof p24);
		kiosk_lowest_long(t, (indicator_id_t)k, MODEL_LONG_7D, p7, sizeof p7);
		kiosk_lowest_long(t, (indicator_id_t)k, MODEL_LONG_30D, p30, sizeof p30);
		snprintf(buf, sizeof buf, "%-16s %8s %8s %8s %8s", indicator_name((indicator_id_t)k), p1, p24, p7, p30);
		kiosk_center(t, w, y++, buf, A_NORMAL);
	}
	y += gap;
	if (y < bottom) {
		fmt_clock(clock, sizeof clock, newest, false);
		fmt_age(age, sizeof age, t->now_ms, newest);
		snprintf(buf, sizeof buf, "last successful poll %s (%s ago)", clock, age);
		kiosk_center(t, w, y, buf, A_NORMAL);
	}
}

/* Nodetop's own data is old: the whole screen in reverse video says so, with the age. */
static void kiosk_stale(view_t *t, WINDOW *w, int top, int bottom, int64_t newest)
{
	int W = getmaxx(w), H = bottom - top, bh, y;
	attr_t a = A_REVERSE | A_BOLD | render_pair(t, PAIR_DEGRADED);
	char buf[300], age[16], clock[16];

	for (int r = 0; r < getmaxy(w); r++)
		mvwchgat(w, r, 0, -1, a, t->color ? PAIR_DEGRADED : 0, NULL);
	fmt_age(age, sizeof age, t->now_ms, newest);
	bh = kiosk_banner(t, NULL, 0, W, H - 6, "STALE", a, true);
	y = top + (H - bh - 6) / 2;
	if (y < top)
		y = top;
	kiosk_banner(t, w, y, W, H - 6, "STALE", a, false);
	y += bh + 1;
	if (newest)
		snprintf(buf, sizeof buf, "DATA STALE %s last successful poll %s ago", t->utf8 ? "\xe2\x80\x94" : "-", age);
	else
		snprintf(buf, sizeof buf, "DATA STALE %s no poll result since the start", t->utf8 ? "\xe2\x80\x94" : "-");
	if (y >= bottom)
		y = bottom - 1;              /* this line above all */
	kiosk_center(t, w, y, buf, a);
	y += 2;
	if (y < bottom)
		kiosk_center(t, w, y++, "nodetop's own polls stopped completing, or nodetop did not run:", a & ~A_BOLD);
	if (y < bottom)
		kiosk_center(t, w, y++, "what was shown last may no longer be true", a & ~A_BOLD);
	if (newest && y + 1 < bottom) {
		fmt_clock(clock, sizeof clock, newest, false);
		snprintf(buf, sizeof buf, "last poll result at %s", clock);
		kiosk_center(t, w, y + 1, buf, a & ~A_BOLD);
	}
}

void panel_kiosk_draw(view_t *t, WINDOW *w)
{
	int W = getmaxx(w), H = getmaxy(w), x = 0;
	int64_t newest;
	bool msg_err = false, loud;
	char buf[700], clock[16], age[16];
	model_status_t status = model_status(t->m, t->now_ms);
	attr_t base;

	if (view_all_stale(t, t->now_ms, &newest))
		t->kview = KIOSK_STALE;
	else if (status.nodes > 0 && status.severity == SEV_OK && status.problems == 0)
		t->kview = KIOSK_HEALTHY;
	else
		t->kview = KIOSK_LIST;
	loud = t->kview == KIOSK_STALE;
	base = loud ? A_REVERSE | render_pair(t, PAIR_DEGRADED) : A_NORMAL;

	/* body first: the stale view paints the whole window */
	if (t->kview == KIOSK_STALE)
		kiosk_stale(t, w, 2, H - 1, newest);
	else if (t->kview == KIOSK_HEALTHY)
		kiosk_healthy(t, w, 2, H - 1, newest);
	else
		kiosk_list(t, w, 2, H - 1);
	if (t->kview != KIOSK_LIST)
		t->kiosk_npages = 1;

	/* the clock and the last poll, always; the rest when it fits */
	fmt_clock(clock, sizeof clock, t->now_ms, false);
	{
		char poll[64], state[32] = "", page[32] = "";
		bool narrow = W < 70;
		state_t st = status.overall;
		int need;

		if (newest) {
			fmt_clock(buf, sizeof buf, newest, false);
			fmt_age(age, sizeof age, t->now_ms, newest);
			snprintf(poll, sizeof poll, narrow ? "poll %s (%s)" : "last poll %s (%s ago)", buf, age);
		} else {
			snprintf(poll, sizeof poll, "no poll yet");
		}
		if (!loud)
			snprintf(state, sizeof state, "%s %s", render_state_symbol(t, st), status.name);
		if (t->kiosk_npages > 1)
			snprintf(page, sizeof page, " page %d/%d ", t->kiosk_page + 1, t->kiosk_npages);
		need = 10 + render_width(poll) + render_width(page) + 1;
		x += render_putf(t, w, 0, x, W - x, base | A_BOLD, " %s ", clock) + 1;
		if (need + 9 + render_width(state) + 2 <= W)
			x += render_put(t, w, 0, x, W - x, "nodetop", base | (loud ? A_BOLD : A_DIM)) + 2;
		if (state[0] && need + render_width(state) + 2 <= W)
			x += render_put(t, w, 0, x, W - x, state, render_state_attr(t, st) | A_BOLD) + 2;
		x += render_put(t, w, 0, x, W - x, poll, base) + 2;
		if (page[0] && x + render_width(page) <= W)
			render_put(t, w, 0, W - render_width(page), W, page, A_BOLD | A_REVERSE);
	}
	if (!loud)
		render_hline(t, w, 1, 0, W, A_DIM);

	/* the last row: a message (config reload...), else what this screen is */
	if (view_message_active(t, &msg_err)) {
		render_escape(t, buf, sizeof buf, t->message, false);
		render_putf(t, w, H - 1, 0, W, msg_err ? A_BOLD | A_REVERSE | render_pair(t, PAIR_DOWN) : base | A_BOLD,
		            " %s ", buf);
	} else if (!loud) {
		snprintf(buf, sizeof buf, "read-only kiosk %s %zu node%s", t->g->dot, t->m->nnodes, t->m->nnodes == 1 ? "" : "s");
		if (t->kiosk_npages > 1) {
			char every[16];
			fmt_duration(every, sizeof every, t->kiosk_page_ms);
			snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " %s next page every %s", t->g->dot, every);
		}
		render_put(t, w, H - 1, 1, W - 1, buf, A_DIM);
	}
}
