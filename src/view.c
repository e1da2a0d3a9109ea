/* view.c - the dashboard's view state: dirty flags, the message, staleness and the stall, the
 * clock tick, selection and scroll ranges, the sentences header and kiosk share (counts, headline). */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "fmt.h"
#include "view.h"

void view_init(view_t *v, const model_t *m, const view_asks_t *ask, void *ask_ud)
{
	memset(v, 0, sizeof *v);
	v->m = m;
	v->ask = ask;
	v->ask_ud = ask_ud;
	v->focus = FOCUS_NODES;
	v->start_ms = clock_wall_ms();
	v->relayout = true;
	v->dirty = DIRTY_ALL;
	checktree_init(&v->ct);
}

void view_free(view_t *v)
{
	checktree_free(&v->ct);
}

/* ---------------------------------------------------------------- dirty */

void view_dirty(view_t *v, unsigned what)
{
	v->dirty |= what;
	if (v->ask && v->ask->redraw)
		v->ask->redraw(v->ask_ud);
}

void view_relayout(view_t *v)
{
	v->relayout = true;
	view_dirty(v, DIRTY_ALL);
}

void view_repaint(view_t *v)
{
	v->repaint = true;
	view_dirty(v, DIRTY_ALL);
}

/* ---------------------------------------------------------------- message */

void view_set_message(view_t *v, const char *msg)
{
	/* stored raw; the header escapes it */
	snprintf(v->message, sizeof v->message, "%s", msg ? msg : "");
	v->message_until_ms = clock_wall_ms() + VIEW_MESSAGE_MS;
	v->message_seq = v->m->events.seq;
	v->message_err = false;
	view_dirty(v, DIRTY_HEADER | DIRTY_FOOTER);
}

bool view_message_active(view_t *v, bool *err)
{
	if (!v->message[0])
		return false;
	if (!v->message_err && v->m->events.seq > v->message_seq) {
		/* app.c adds the timeline's CONFIG event right after the message */
		uint64_t fresh = v->m->events.seq - v->message_seq;
		for (size_t i = 0; i < fresh && i < v->m->events.len; i++) {
			const event_t *e = eventlog_get(&v->m->events, i);
			if (e && e->kind == EVENT_CONFIG && e->to == STATE_DOWN)
				v->message_err = true;
		}
	}
	/* an error stays until it is fixed (a new message) or acknowledged */
	if (!v->message_err && v->now_ms >= v->message_until_ms)
		return false;
	if (err)
		*err = v->message_err;
	return true;
}

bool view_message_dismiss(view_t *v)
{
	bool err;

	if (!view_message_active(v, &err))
		return false;
	v->message[0] = '\0';
	v->message_err = false;
	v->message_until_ms = 0;
	view_dirty(v, DIRTY_HEADER | DIRTY_FOOTER);
	return true;
}

/* ---------------------------------------------------------------- staleness */

bool view_all_stale(const view_t *v, int64_t now_ms, int64_t *newest_ms)
{
	const model_t *m = v->m;
	int64_t newest = 0, newest_old = 0;
	bool stall = v->stall_mark_ms && now_ms < v->stall_until_ms, all;
	size_t old = 0;

	for (size_t i = 0; i < m->nnodes; i++) {
		const node_t *n = &m->nodes[i];
		int64_t last = node_last_answer_ms(n);
		int64_t iv = n->interval_ms > 0 ? n->interval_ms : 5000;
		bool is_old = last ? node_is_stale(n, now_ms) : now_ms - v->start_ms > 3 * iv;
		if (stall && last < v->stall_mark_ms)
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

/* ---------------------------------------------------------------- the clock */

/* The smallest poll interval of any node (5 s when there are none). */
static int64_t view_min_interval(const view_t *v)
{
	int64_t iv = 0;

	for (size_t i = 0; i < v->m->nnodes; i++)
		if (v->m->nodes[i].interval_ms > 0 && (!iv || v->m->nodes[i].interval_ms < iv))
			iv = v->m->nodes[i].interval_ms;
	return iv ? iv : 5000;
}

/* The largest poll interval of any node (5 s when there are none). */
static int64_t view_max_interval(const view_t *v)
{
	int64_t iv = 0;

	for (size_t i = 0; i < v->m->nnodes; i++)
		if (v->m->nodes[i].interval_ms > iv)
			iv = v->m->nodes[i].interval_ms;
	return iv ? iv : 5000;
}

/* Kiosk: turns the page, and moves the layout a cell for burn-in care. */
static unsigned view_kiosk_tick(view_t *v, int64_t now)
{
	int64_t page = v->kiosk_page_ms;

	if (v->kview == KIOSK_LIST && v->kiosk_npages > 1) {
		if (v->kiosk_next_ms == 0)
			v->kiosk_next_ms = now + page;
		if (now >= v->kiosk_next_ms) {
			v->kiosk_next_ms = now + page;
			v->kiosk_page = (v->kiosk_page + 1) % v->kiosk_npages;
		}
	} else {
		v->kiosk_page = 0;
		v->kiosk_next_ms = 0;        /* page 1 gets its full time when pages come back */
	}
	if (now >= v->shift_next_ms) {
		v->shift_next_ms = now + v->shift_ms;
		v->shift_idx++;
		v->relayout = true;          /* the window moves */
	}
	return DIRTY_ALL;                    /* the clock, the ages: the kiosk is one window */
}

unsigned view_tick(view_t *v, int64_t now, int64_t gap, bool *stalled)
{
	unsigned what = DIRTY_HEADER | DIRTY_NODES | DIRTY_EVENTS;
	uint64_t stale = 0;

	/* The watchdog: the tick is due every second; a much longer gap means that
	 * nodetop itself did not run (stopped, starved), so what it shows is from
	 * before the gap: stale until every node has answered again (view_all_stale). */
	*stalled = gap > 0 && gap > 3 * view_min_interval(v) && gap > 2000;
	if (*stalled) {
		char msg[128], d[16];
		/* data older than the middle of the gap came before it: stale until each node answers */
		v->stall_mark_ms = now - gap / 2;
		v->stall_until_ms = now + 3 * view_max_interval(v) + 5000;
		fmt_duration(d, sizeof d, gap);
		snprintf(msg, sizeof msg, "nodetop itself did not run for %s: no polls, no screen", d);
		view_set_message(v, msg);
	}
	for (size_t i = 0; i < v->m->nnodes && i < 64; i++)
		if (node_is_stale(&v->m->nodes[i], now))
			stale |= 1ull << i;
	if (stale != v->stale_mask) {
		v->stale_mask = stale;
		what |= DIRTY_MODEL;        /* data became (or stopped being) stale: dim or undim it */
	}
	if (v->message[0] && now >= v->message_until_ms && v->message_until_ms && !v->message_err) {
		v->message_until_ms = 0;    /* gone: draw the header without it */
		what |= DIRTY_HEADER | DIRTY_FOOTER;
	}
	if (v->kiosk)
		what |= view_kiosk_tick(v, now);
	return what;
}

/* ---------------------------------------------------------------- ranges */

size_t view_charts_count(const view_t *v)
{
	if (v->m->nnodes == 0 || v->sel >= v->m->nnodes)
		return 0;
	return v->m->nodes[v->sel].nseries;
}

void view_clamp(view_t *v)
{
	size_t n = v->m->nnodes, nch = view_charts_count(v);
	size_t fit = v->lay.nodes_fit > 0 ? (size_t)v->lay.nodes_fit : 1;

	if (n == 0) {
		v->sel = v->node_top = 0;
	} else {
		if (v->sel >= n)
			v->sel = n - 1;
		if (v->sel < v->node_top)
			v->node_top = v->sel;
		if (v->sel >= v->node_top + fit)
			v->node_top = v->sel + 1 - fit;
		if (v->node_top + fit > n)
			v->node_top = n > fit ? n - fit : 0;
	}
	if (v->ct_cur >= v->ct.nrows)
		v->ct_cur = v->ct.nrows ? v->ct.nrows - 1 : 0;
	if (v->ct_top > v->ct_cur)
		v->ct_top = v->ct_cur;
	if (v->chart_top >= nch)
		v->chart_top = nch ? nch - 1 : 0;
	if (v->ev_top >= v->m->events.len)
		v->ev_top = v->m->events.len ? v->m->events.len - 1 : 0;
}

void view_checks_sync(view_t *v)
{
	const model_t *m = v->m;
	bool same_node;

	if (m->nnodes == 0) {
		if (v->ct_valid || v->ct.n) {
			checktree_build(&v->ct, NULL, 0);
			checktree_flatten(&v->ct);
		}
		v->ct_valid = false;
		v->ct_cur = v->ct_top = 0;
		return;
	}
	if (v->sel >= m->nnodes)
		v->sel = m->nnodes - 1;
	v->ct.expand_all = v->view == VIEW_DETAIL;
	if (v->ct_valid && v->ct_node == v->sel && v->ct_gen == m->generation)
		return;
	same_node = v->ct_valid && v->ct_node == v->sel;
	if (same_node && v->ct_cur < v->ct.nrows)
		snprintf(v->ct_cur_name, sizeof v->ct_cur_name, "%s", v->ct.nodes[v->ct.rows[v->ct_cur].node].name);
	else
		v->ct_cur_name[0] = '\0';
	checktree_build_node(&v->ct, &m->nodes[v->sel]);
	checktree_flatten(&v->ct);
	if (!same_node) {
		v->ct_cur = 0;
		v->ct_top = 0;
	} else if (v->ct_cur_name[0]) {
		/* keep the cursor on the same check when the tree changed under it */
		for (size_t i = 0; i < v->ct.nrows; i++)
			if (strcmp(v->ct.nodes[v->ct.rows[i].node].name, v->ct_cur_name) == 0) {
				v->ct_cur = i;
				break;
			}
	}
	if (v->ct_cur >= v->ct.nrows)
		v->ct_cur = v->ct.nrows ? v->ct.nrows - 1 : 0;
	v->ct_valid = true;
	v->ct_node = v->sel;
	v->ct_gen = m->generation;
}

/* ---------------------------------------------------------------- kiosk burn-in */

void view_kiosk_offset(const view_t *v, int *dy, int *dx)
{
	/* right along one row, back along the next: each step moves a single cell */
	static const int pos[VIEW_KIOSK_SHIFTS][2] = { { 0, 0 }, { 0, 1 }, { 0, 2 }, { 1, 2 }, { 1, 1 }, { 1, 0 } };
	unsigned idx = v->shift_idx % VIEW_KIOSK_SHIFTS;

	*dy = pos[idx][0];
	*dx = pos[idx][1];
}

bool view_kiosk_inverted(const view_t *v)
{
	return (v->shift_idx / VIEW_KIOSK_SHIFTS) % 2 == 1;
}

/* ---------------------------------------------------------------- true sentences */

void view_counts_text(const view_t *v, char *buf, size_t sz)
{
	model_counts_t c = model_counts(v->m, v->now_ms), *st = &c;
	const char *dot = v->g ? v->g->dot : "\xc2\xb7";
	const struct { size_t n; const char *word; } part[] = {
		{ st->degraded, "degraded" }, { st->starting, "starting" }, { st->down, "down" },
		{ st->standby, "standby" }, { st->unknown, "unknown" },
	};
	size_t len;

	if (st->nodes == 0) {
		snprintf(buf, sz, "no nodes");
		return;
	}
	if (st->up == st->nodes) {
		snprintf(buf, sz, st->nodes == 1 ? "1 up" : "all %zu up", st->nodes);
	} else {
		snprintf(buf, sz, "%zu up", st->up);
		for (size_t i = 0; i < sizeof part / sizeof part[0]; i++) {
			len = strlen(buf);
			if (part[i].n && len < sz)
				snprintf(buf + len, sz - len, " %s %zu %s", dot, part[i].n, part[i].word);
		}
	}
	/* alert rules firing: problems of up nodes too (not of stale ones: old values) */
	size_t firing = 0;
	for (size_t i = 0; i < v->m->nnodes; i++) {
		const node_t *n = &v->m->nodes[i];
		if (node_is_stale(n, v->now_ms))
			continue;
		for (size_t k = 0; k < rules_count(n->rules); k++)
			firing += rules_get(n->rules, k)->level > 0;
	}
	len = strlen(buf);
	if (firing && len < sz)
		snprintf(buf + len, sz - len, " %s %zu rule%s firing", dot, firing, firing == 1 ? "" : "s");
}

void view_group_text(const view_t *v, size_t gi, char *buf, size_t sz)
{
	const model_t *m = v->m;
	const group_t *g;
	attention_t ga;

	if (gi >= m->ngroups) {
		buf[0] = '\0';
		return;
	}
	g = &m->groups[gi];
	ga = model_group_attention(m, gi, v->now_ms);
	if (g->two_active)
		snprintf(buf, sz, "%.60s: two active members", g->name);
	else if (ga.severity != SEV_OK && ga.reason[0] && g->lost_ms)
		snprintf(buf, sz, "%.60s %.150s", g->name, ga.reason);           /* "pair failing over: ..." */
	else if (g->active != GROUP_NONE && g->active < m->nnodes)
		snprintf(buf, sz, "%.60s %s on %.60s", g->name, state_name(ga.state), m->nodes[g->active].name);
	else if (ga.state == STATE_UNKNOWN)
		snprintf(buf, sz, "%.60s not known yet", g->name);
	else
		snprintf(buf, sz, "%.60s %s: no member answering", g->name, state_name(ga.state));
}

/* "primary down 4m", "rpc down on bravo 1m", "delta: no answer for 45s". */
static void view_node_phrase(const view_t *v, size_t i, const attention_t *a, view_phrase_t *out)
{
	const node_t *n = &v->m->nodes[i];
	state_t s = n->ind[a->ind].state;
	char dur[32] = "";

	if (a->since_ms && v->now_ms > a->since_ms) {
		dur[0] = ' ';
		fmt_duration_seen(dur + 1, sizeof dur - 1, v->now_ms - a->since_ms, a->since_seen, v->utf8);
	}
	if (a->stale) {
		out->state = STATE_UNKNOWN;
		snprintf(out->text, sizeof out->text, "%.60s %.120s", n->name, a->reason);
	} else if (s == STATE_UP && n->nfailing) {
		out->state = STATE_DEGRADED;
		snprintf(out->text, sizeof out->text, "%.60s %zu check%s failing", n->name, n->nfailing,
		         n->nfailing == 1 ? "" : "s");
	} else if (a->ind == IND_NODE) {
		out->state = s;
		snprintf(out->text, sizeof out->text, "%.60s %s%s", n->name, state_name(s), dur);
	} else {
		out->state = s;
		snprintf(out->text, sizeof out->text, "%s %s on %.60s%s", indicator_name(a->ind), state_name(s),
		         n->name, dur);
	}
}

size_t view_headline(const view_t *v, view_phrase_t out[2])
{
	const model_t *m = v->m;
	attention_t worst = { .rank = 0 }, gworst = { .rank = 0 };
	size_t wi = (size_t)-1, gwi = (size_t)-1, gi, k = 0;

	for (size_t i = 0; i < m->nnodes; i++) {
		attention_t a = model_node_attention(m, i, v->now_ms);
		if (a.problem && a.rank > worst.rank) {
			worst = a;
			wi = i;
		}
	}
	for (size_t g = 0; g < m->ngroups; g++) {
		attention_t a = model_group_attention(m, g, v->now_ms);
		if (a.rank > gworst.rank || (gwi == (size_t)-1 && m->groups[g].nmembers)) {
			gworst = a;
			gwi = g;
		}
	}
	gi = wi != (size_t)-1 ? model_group_index(m, &m->nodes[wi]) : (size_t)-1;
	if (gwi != (size_t)-1 && gworst.rank > 0 && gworst.rank >= worst.rank) {
		/* the group itself is the worst: no member carries the service */
		out[k].state = gworst.state;
		view_group_text(v, gwi, out[k].text, sizeof out[k].text);
		return k + 1;
	}
	if (gi == (size_t)-1 && wi == (size_t)-1)
		gi = gwi;                /* nothing wrong: the group carrying the service */
	if (gi != (size_t)-1) {
		out[k].state = model_group_state(m, gi, IND_NODE);
		view_group_text(v, gi, out[k].text, sizeof out[k].text);
		k++;
	}
	if (wi != (size_t)-1)
		view_node_phrase(v, wi, &worst, &out[k++]);
	return k;
}
