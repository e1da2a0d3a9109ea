/* panel_nodes.c - the node list (cards of four lines, two-line rows, one-line rows,
 * the summary lines) with the NODE/DB/RPC indicators, and the detail view's facts. */
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "panel_nodes.h"
#include "panel_rpc.h"
#include "model_db.h"
#include "panel_db.h"
#include "render.h"

#define HOUR_MS (3600LL * 1000)
#define DAY_MS (24 * HOUR_MS)

/* Columns of a node's first line; x < 0 when a column does not fit. */
enum { C_SEL, C_SYM, C_NAME, C_GROUP, C_STATE, C_IND, C_VERSION, C_UPTIME, C_POLL, C_LAT, C_FAIL, C_ERROR, C__COUNT };

typedef struct cols {
	int x[C__COUNT];
	int w[C__COUNT];
} cols_t;

static const char *const col_label[C__COUNT] = {
	"", "", "NODE", "GROUP", "STATE", "NODE DB RPC", "VERSION", "UPTIME", "POLL", "LATENCY", "CHECKS", "",
};

static int clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* A node name in a field of width cells, cut in the middle when too long
 * (names like host:port differ at the end). */
static void nodes_name(const view_t *t, WINDOW *w, int y, int x, int width, const char *raw, attr_t a)
{
	char esc[256], fit[512];

	render_escape(t, esc, sizeof esc, raw, false);
	fmt_fit_middle(fit, sizeof fit, esc, width, t->g->ellipsis);
	render_put(t, w, y, x, width, fit, a);
}

/* Display widths of the widest name, group and version. */
static void nodes_measure(const view_t *t, int *nw, int *gw, int *vw)
{
	char buf[256];

	*nw = *gw = *vw = 0;
	for (size_t i = 0; i < t->m->nnodes; i++) {
		const node_t *n = &t->m->nodes[i];
		int k;
		render_escape(t, buf, sizeof buf, n->name, false);
		if ((k = render_width(buf)) > *nw)
			*nw = k;
		if (n->group) {
			render_escape(t, buf, sizeof buf, n->group, false);
			if ((k = render_width(buf)) > *gw)
				*gw = k;
		}
		render_escape(t, buf, sizeof buf, n->version, false);
		if ((k = render_width(buf)) > *vw)
			*vw = k;
	}
}

/* Chooses the columns of the first line for a window W wide, dropping the
 * least important ones until the rest fit. */
static void nodes_columns(const view_t *t, int W, bool one_line, cols_t *c)
{
	static const int drop_order[] = { C_ERROR, C_GROUP, C_VERSION, C_LAT, C_UPTIME, C_POLL, C_IND, C_FAIL };
	int nw, gw, vw, x = 0;

	nodes_measure(t, &nw, &gw, &vw);
	memset(c, 0, sizeof *c);
	c->w[C_SEL] = 2;
	c->w[C_SYM] = 2;
	c->w[C_NAME] = clampi(nw, 5, 20) + 1;
	c->w[C_GROUP] = gw ? clampi(gw, 5, 12) + 1 : 0;
	c->w[C_STATE] = 9;
	c->w[C_IND] = one_line ? 15 : 0;
	c->w[C_VERSION] = vw ? clampi(vw, 7, 16) + 1 : 0;
	c->w[C_UPTIME] = 10;
	c->w[C_POLL] = 10;
	c->w[C_LAT] = 8;
	c->w[C_FAIL] = 11;
	c->w[C_ERROR] = 0;
	for (size_t d = 0;; d++) {
		int sum = 0;
		for (int i = 0; i < C__COUNT; i++)
			sum += c->w[i];
		if (sum + 12 <= W) {
			c->w[C_ERROR] = W - sum;      /* the rest: the error or the reason */
			break;
		}
		if (sum <= W || d >= sizeof drop_order / sizeof drop_order[0])
			break;
		c->w[drop_order[d]] = 0;
	}
	for (int i = 0; i < C__COUNT; i++) {
		c->x[i] = c->w[i] ? x : -1;
		x += c->w[i];
	}
}

/* Availability text of an indicator over a window: "99.98%", or "-" when nothing known. */
static void nodes_pct(const indicator_t *ind, int64_t now, int64_t window, char *buf, size_t n)
{
	double pct;

	if (uptime_percent(&ind->uptime, now, window, &pct))
		fmt_uptime(buf, n, pct);
	else
		snprintf(buf, n, "-");
}

/* History bar: one cell per one-minute bucket (or hour, day, week: b), newest on the right, worst state wins. */
static void nodes_bar(const view_t *t, WINDOW *w, int y, int x, int cells, const indicator_t *ind, attr_t base)
{
	state_t hist[256];

	if (cells <= 0)
		return;
	if (cells > 256)
		cells = 256;
	if (t->bar_res > 0) {   /* hours, days, weeks: from the history file (blank without one) */
		const unsigned char *lb = ind->long_bar[t->bar_res - 1];
		for (int i = 0; i < cells; i++) {
			int k = MODEL_BAR_CELLS - cells + i;
			hist[i] = k >= 0 && ind->long_bar_known ? (state_t)lb[k] : STATE_UNKNOWN;
		}
	} else {
		uptime_history(&ind->uptime, t->now_ms, UPTIME_BUCKET_MS, hist, cells);
	}
	for (int i = 0; i < cells; i++) {
		state_t s = hist[i];
		const char *g = t->color ? t->g->hist_color[s] : t->g->hist_mono[s];
		attr_t a = render_state_attr(t, s) & ~A_REVERSE;
		wattrset(w, a | base);
		mvwaddstr(w, y, x + i, g);
	}
	wattrset(w, A_NORMAL);
}

/* True when the node's DB/RPC indicators and checks are not read now (the model
 * says so); *seen: until when they were. */
static bool nodes_unread(const view_t *t, const node_t *n, int64_t *seen)
{
	return model_node_unread(t->m, (size_t)(n - t->m->nodes), t->now_ms, seen);
}

/* Attribute for everything of a node whose data is stale: dimmed, never bright. */
static attr_t nodes_base(const view_t *t, const node_t *n)
{
	return node_is_stale(n, t->now_ms) ? A_DIM : A_NORMAL;
}

static attr_t nodes_state_attr(const view_t *t, const node_t *n, state_t s)
{
	if (node_is_stale(n, t->now_ms))
		return A_DIM;                 /* stale: no colour that would pass it off as current */
	return render_state_attr(t, s);
}

/* "stale 45s" / "3s" / "never": when the node last answered (/health or /metrics). */
static void nodes_poll_text(const view_t *t, const node_t *n, char *buf, size_t sz, bool *stale)
{
	char age[16];

	*stale = node_is_stale(n, t->now_ms);
	fmt_age(age, sizeof age, t->now_ms, node_last_answer_ms(n));
	if (*stale)
		snprintf(buf, sz, "stale %s", age);
	else
		snprintf(buf, sz, "%s ago", age);
	if (!node_last_answer_ms(n))
		snprintf(buf, sz, "never");
}

/* The reason to show for a node: its error, else the first indicator that is not up. */
static void nodes_reason(const view_t *t, const node_t *n, char *buf, size_t sz)
{
	buf[0] = '\0';
	if (n->ind[IND_NODE].state == STATE_STANDBY && !node_is_stale(n, t->now_ms)) {
		/* "standby · not listening (waiting for the database lease)" */
		const char *r = n->ind[IND_NODE].reason;
		char esc[256];
		if (strncmp(r, "standby: ", 9) == 0)
			r += 9;
		render_escape(t, esc, sizeof esc, r, false);
		snprintf(buf, sz, "standby %s %s", t->g->dot, esc);
		return;
	}
	if (n->error[0]) {
		render_escape(t, buf, sz, n->error, false);
		return;
	}
	for (int k = 0; k < IND__COUNT; k++)
		if (n->ind[k].state != STATE_UP && n->ind[k].reason[0]) {
			char r[256];
			render_escape(t, r, sizeof r, n->ind[k].reason, false);
			snprintf(buf, sz, "%s: %s", indicator_name((indicator_id_t)k), r);
			return;
		}
	/* else the worst alert rule firing (issue 13) */
	const rule_inst_t *x = NULL;
	if (!node_is_stale(n, t->now_ms) && rules_worst(n->rules, &x) > 0 && x) {
		char d[256];
		render_escape(t, d, sizeof d, x->detail, false);
		snprintf(buf, sz, "%s %s: %s", rule_info(x->rule)->name, rule_level_name(x->level), d);
	}
}

/* Draws "ACK: note" on row y in the reason column when it is wide enough, else
 * over version, uptime, poll and latency (the failing count stays): an
 * acknowledgement matters more than those. */
static void nodes_ack(const view_t *t, WINDOW *w, int y, const node_t *n, const cols_t *c)
{
	static const int over[] = { C_VERSION, C_UPTIME, C_POLL, C_LAT, C_FAIL };
	char buf[300];
	int x = -1, end = getmaxx(w);

	render_ack_text(t, n, buf, sizeof buf);
	if (!buf[0])
		return;
	if (c->x[C_ERROR] >= 0 && c->w[C_ERROR] >= 16)
		x = c->x[C_ERROR];
	for (size_t i = 0; x < 0 && i < sizeof over / sizeof over[0]; i++)
		if (c->x[over[i]] >= 0 && c->w[over[i]] > 0)
			x = c->x[over[i]];
	if (x < 0 || x >= end - 4)
		return;
	if (x < c->x[C_FAIL] && c->x[C_FAIL] - x >= 16)
		end = c->x[C_FAIL] - 1;
	for (int i = x; i < end; i++)
		mvwaddch(w, y, i, ' ');
	render_put(t, w, y, x, end - x, buf, A_BOLD);
}

/* The most severe indicator (node first on a tie). */
static indicator_id_t nodes_worst_ind(const node_t *n)
{
	indicator_id_t w = IND_NODE;

	for (int k = 1; k < IND__COUNT; k++)
		if (n->ind[k].state > n->ind[w].state)
			w = (indicator_id_t)k;
	return w;
}

static void nodes_first_line(view_t *t, WINDOW *w, int y, size_t idx, const cols_t *c, bool selected)
{
	const node_t *n = &t->m->nodes[idx];
	attr_t base = nodes_base(t, n);
	char buf[512], tmp[64];
	bool stale;

	bool is_stale = node_is_stale(n, t->now_ms);
	/* the state that counts: a standby is a standby, not down */
	state_t shown = is_stale ? n->state : n->ind[IND_NODE].state;

	if (selected)
		render_put(t, w, y, c->x[C_SEL], 1, t->g->sel, A_BOLD);
	/* stale: nodetop does not know the state now; the last one is shown dim, in lower case */
	render_put(t, w, y, c->x[C_SYM], 1, render_state_symbol(t, is_stale ? STATE_UNKNOWN : shown),
	           nodes_state_attr(t, n, shown));
	nodes_name(t, w, y, c->x[C_NAME], c->w[C_NAME] - 1, n->name, A_BOLD | base);
	if (c->x[C_GROUP] >= 0 && n->group) {
		render_escape(t, buf, sizeof buf, n->group, false);
		render_field(t, w, y, c->x[C_GROUP], c->w[C_GROUP] - 1, buf, base, false);
	}
	render_field(t, w, y, c->x[C_STATE], c->w[C_STATE] - 1,
	             is_stale ? state_name(shown) : state_name_upper(shown),
	             nodes_state_attr(t, n, shown), false);
	if (c->x[C_IND] >= 0) {
		int x = c->x[C_IND];
		static const char *const short_name[IND__COUNT] = { "node", "db", "rpc" };
		for (int k = 0; k < IND__COUNT; k++) {
			x += render_put(t, w, y, x, 4, short_name[k], base | A_DIM);
			x += render_put(t, w, y, x, 1, render_state_symbol(t, n->ind[k].state),
			                nodes_state_attr(t, n, n->ind[k].state)) + 1;
		}
	}
	if (c->x[C_VERSION] >= 0) {
		render_escape(t, buf, sizeof buf, n->version[0] ? n->version : "-", false);
		render_field(t, w, y, c->x[C_VERSION], c->w[C_VERSION] - 1, buf, base, false);
	}
	if (c->x[C_UPTIME] >= 0) {
		if (n->have_proc_uptime)
			fmt_duration(tmp, sizeof tmp, (int64_t)(n->proc_uptime_s * 1000));
		else
			snprintf(tmp, sizeof tmp, "-");
		if (n->restarts)
			snprintf(buf, sizeof buf, "%s%u %s", t->g->restart, n->restarts, tmp);
		else
			snprintf(buf, sizeof buf, "%s", tmp);
		render_field(t, w, y, c->x[C_UPTIME], c->w[C_UPTIME] - 1, buf, base | (n->restarts ? A_BOLD : 0), false);
	}
	if (c->x[C_POLL] >= 0) {
		nodes_poll_text(t, n, buf, sizeof buf, &stale);
		render_field(t, w, y, c->x[C_POLL], c->w[C_POLL] - 1, buf,
		             stale ? A_BOLD | A_REVERSE : base, false);
	}
	if (c->x[C_LAT] >= 0 && n->last_health_ms) {
		/* slow (>= 75 % of its timeout): marked, not "on time" */
		bool slow = model_node_slow(t->m, idx, t->now_ms, NULL, NULL);
		fmt_latency(buf, sizeof buf, n->health_latency_ms);
		if (slow)
			snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " slow");
		render_field(t, w, y, c->x[C_LAT], c->w[C_LAT] - 2, buf,
		             slow ? A_BOLD | (render_state_attr(t, STATE_DEGRADED) & ~A_REVERSE) : base, true);
	}
	if (c->x[C_FAIL] >= 0) {
		attr_t a = base;
		if (!n->have_health)
			snprintf(buf, sizeof buf, "-");
		else if (n->nfailing) {
			snprintf(buf, sizeof buf, "%zu failing", n->nfailing);
			/* failing when last read, not now: dimmed */
			a = nodes_unread(t, n, NULL) ? A_DIM : nodes_state_attr(t, n, STATE_DOWN) & ~A_REVERSE;
		} else
			snprintf(buf, sizeof buf, "%zu ok", n->nchecks);
		render_field(t, w, y, c->x[C_FAIL], c->w[C_FAIL] - 1, buf, a, false);
	}
	if (c->x[C_ERROR] >= 0 && c->w[C_ERROR] > 0) {
		nodes_reason(t, n, buf, sizeof buf);
		render_put(t, w, y, c->x[C_ERROR], c->w[C_ERROR], buf, base | A_DIM);
	}
	nodes_ack(t, w, y, n, c);
	if (selected && t->focus == FOCUS_NODES && t->view == VIEW_MAIN)
		mvwchgat(w, y, 0, -1, A_REVERSE | A_BOLD, 0, NULL);
}

/* One indicator line of a card: name, state, 1 h and 24 h (7 d and 30 d where there is room),
 * since, history bar, reason. */
static void nodes_ind_line(view_t *t, WINDOW *w, int y, const node_t *n, indicator_id_t k, int indent)
{
	const indicator_t *ind = &n->ind[k];
	attr_t base = nodes_base(t, n);
	int W = getmaxx(w), x = indent, bar;
	char p1[16], p24[16], since[16], buf[512];
	int64_t seen = 0;
	/* a DB/RPC state not read now: last seen, dimmed, not a live state */
	bool old = k != IND_NODE && ind->state != STATE_UNKNOWN && nodes_unread(t, n, &seen) &&
	           !(k == IND_DB && model_db_direct(t->m, n));   /* probed directly: current */

	nodes_pct(ind, t->now_ms, HOUR_MS, p1, sizeof p1);
	nodes_pct(ind, t->now_ms, DAY_MS, p24, sizeof p24);
	render_field(t, w, y, x, 5, indicator_name(k), base | A_BOLD, false);
	x += 5;
	render_put(t, w, y, x, 1, render_state_symbol(t, ind->state), old ? A_DIM : nodes_state_attr(t, n, ind->state));
	render_field(t, w, y, x + 2, 9, state_name(ind->state), old ? A_DIM : nodes_state_attr(t, n, ind->state), false);
	x += 11;
	render_put(t, w, y, x, 3, "1h", A_DIM);
	render_field(t, w, y, x + 3, 6, p1, base, true);
	x += 11;
	render_put(t, w, y, x, 3, "24h", A_DIM);
	render_field(t, w, y, x + 4, 6, p24, base, true);
	x += 12;
	if (indent == 1 || W >= 140) {   /* 7 d and 30 d from the stored history: the detail view, wide cards */
		static const char *const lab[2] = { "7d", "30d" };
		for (int l = 0; l < 2; l++) {
			char pl[16] = "-";
			if (ind->long_known[l])
				fmt_uptime(pl, sizeof pl, ind->long_pct[l]);
			render_put(t, w, y, x, 3, lab[l], A_DIM);
			render_field(t, w, y, x + 4, 6, pl, base, true);
			x += 12;
		}
	}
	if (old && seen) {
		fmt_clock(since, sizeof since, seen, false);
		render_putf(t, w, y, x, 10, A_DIM, "@%s", since);
	} else if (ind->since_ms) {
		fmt_duration_seen(since, sizeof since, t->now_ms - ind->since_ms, ind->since_seen, t->utf8);
		render_putf(t, w, y, x, 10, base, "for %s", since);
	}
	x += 11;
	bar = W - x - 24;
	if (bar > 60)
		bar = 60;
	if (bar < 10)
		bar = W - x - 1;
	nodes_bar(t, w, y, x, bar, ind, base);
	x += bar + 2;
	if (old && x < W - 4) {
		fmt_clock(since, sizeof since, seen, false);
		render_escape(t, buf, sizeof buf, ind->reason, false);
		render_putf(t, w, y, x, W - x, A_DIM, "last seen %s%s%s", since, buf[0] ? ": " : "", buf);
	} else if (ind->state != STATE_UP && ind->reason[0] && x < W - 4) {
		render_escape(t, buf, sizeof buf, ind->reason, false);
		render_put(t, w, y, x, W - x, buf, base | A_DIM);
	}
}

/* The second line of a two-line row: the three indicators with 1 h and a short bar. */
static void nodes_ind_compact(view_t *t, WINDOW *w, int y, const node_t *n)
{
	int W = getmaxx(w), x = 4, block = (W - 4) / 3, bar;
	char p1[16];
	attr_t base = nodes_base(t, n);

	/* "node ● 100% ▕bar▏  " per indicator */
	bar = block - 5 - 2 - 6 - 1 - 2;
	if (bar > 30)
		bar = 30;
	for (int k = 0; k < IND__COUNT; k++) {
		const indicator_t *ind = &n->ind[k];
		int x0 = x;
		nodes_pct(ind, t->now_ms, HOUR_MS, p1, sizeof p1);
		render_put(t, w, y, x, 4, indicator_name((indicator_id_t)k), base | A_DIM);
		x += 5;
		render_put(t, w, y, x, 1, render_state_symbol(t, ind->state), nodes_state_attr(t, n, ind->state));
		x += 2;
		render_field(t, w, y, x, 6, p1, base, true);
		x += 7;
		nodes_bar(t, w, y, x, bar, ind, base);
		x = x0 + block;
	}
}

/* One line per node for small terminals (and many nodes): which node, which
 * indicator, since when. */
static void nodes_summary_line(view_t *t, WINDOW *w, int y, size_t idx, int nw, bool selected)
{
	const node_t *n = &t->m->nodes[idx];
	int W = getmaxx(w), x = 0;
	indicator_id_t k = nodes_worst_ind(n);
	const indicator_t *ind = &n->ind[k];
	attr_t base = nodes_base(t, n);
	char buf[512], dur[16];
	bool stale;

	if (selected)
		render_put(t, w, y, 0, 1, t->g->sel, A_BOLD);
	x = 2;
	render_put(t, w, y, x, 1, render_state_symbol(t, ind->state), nodes_state_attr(t, n, ind->state));
	x += 2;
	nodes_name(t, w, y, x, nw, n->name, A_BOLD | base);
	x += nw + 1;
	nodes_poll_text(t, n, buf, sizeof buf, &stale);
	/* which indicator, in a fixed field so that the "since" column lines up */
	if (stale) {
		render_field(t, w, y, x, 13, buf, A_BOLD | A_REVERSE, false);
	} else if (ind->state == STATE_UP) {
		render_field(t, w, y, x, 13, "all up", nodes_state_attr(t, n, STATE_UP), false);
	} else {
		snprintf(buf, sizeof buf, "%s %s", indicator_name(k), state_name(ind->state));
		render_field(t, w, y, x, 13, buf, nodes_state_attr(t, n, ind->state) & ~A_REVERSE, false);
	}
	x += 14;
	if (k != IND_NODE && nodes_unread(t, n, NULL) && !(k == IND_DB && model_db_direct(t->m, n))) {
		render_field(t, w, y, x, 6, "seen", A_DIM, true);   /* last seen, not counting on */
		x += 7;
	} else if (ind->since_ms) {
		fmt_duration_seen(dur, sizeof dur, t->now_ms - ind->since_ms, ind->since_seen, t->utf8);
		render_field(t, w, y, x, 6, dur, base, true);
		x += 7;
	}
	/* an acknowledgement, else the other indicators, when there is room */
	render_ack_text(t, n, buf, sizeof buf);
	if (buf[0] && x + 8 <= W) {
		x += render_put(t, w, y, x, W - x, buf, A_BOLD) + 2;
	} else if (x + 16 <= W) {
		for (int j = 0; j < IND__COUNT; j++) {
			x += render_put(t, w, y, x, 4, indicator_name((indicator_id_t)j), A_DIM);
			x += render_put(t, w, y, x, 1, render_state_symbol(t, n->ind[j].state),
			                nodes_state_attr(t, n, n->ind[j].state)) + 1;
		}
		x += 1;
	}
	if (n->nfailing && x + 10 <= W)
		x += render_putf(t, w, y, x, W - x, nodes_state_attr(t, n, STATE_DOWN) & ~A_REVERSE,
		                 "%zu failing", n->nfailing) + 2;
	if (x + 12 <= W && !n->acked) {
		nodes_reason(t, n, buf, sizeof buf);
		render_put(t, w, y, x, W - x, buf, A_DIM);
	}
	if (selected && t->focus == FOCUS_NODES)
		mvwchgat(w, y, 0, -1, A_REVERSE | A_BOLD, 0, NULL);
}

/* One failover group on row y: "◆ pair  up on primary  node● db● rpc●  1 failover in 24 h",
 * and why when it is not fine ("failing over: standby starting, 14s"). */
static void nodes_group_line(view_t *t, WINDOW *w, int y, size_t gi)
{
	const group_t *gr = &t->m->groups[gi];
	attention_t ga = model_group_attention(t->m, gi, t->now_ms);
	int W = getmaxx(w), x = 2;
	size_t fo = model_group_failovers(t->m, gi, t->now_ms, DAY_MS);
	char text[300], esc[400];

	x += render_put(t, w, y, x, 1, render_state_symbol(t, ga.state), render_state_attr(t, ga.state)) + 1;
	view_group_text(t, gi, text, sizeof text);
	render_escape(t, esc, sizeof esc, text, false);
	x += render_put(t, w, y, x, W - x, esc, A_BOLD | (render_state_attr(t, ga.state) & ~A_REVERSE)) + 2;
	for (int k = 0; k < IND__COUNT && x + 8 < W; k++) {
		x += render_put(t, w, y, x, 4, indicator_name((indicator_id_t)k), A_DIM);
		x += render_put(t, w, y, x, 1, render_state_symbol(t, gr->ind[k].state),
		                render_state_attr(t, gr->ind[k].state)) + 1;
	}
	x += 1;
	if (x + 20 < W)
		x += render_putf(t, w, y, x, W - x, fo ? A_BOLD : A_DIM, "%zu failover%s in 24 h", fo,
		                 fo == 1 ? "" : "s") + 2;
	if (ga.severity != SEV_OK && ga.reason[0] && x + 10 < W && !gr->lost_ms) {
		render_escape(t, esc, sizeof esc, ga.reason, false);
		render_put(t, w, y, x, W - x, esc, A_DIM);
	}
}

void panel_nodes_draw(view_t *t, WINDOW *w)
{
	int W = getmaxx(w), H = getmaxy(w), lines = t->lay.node_lines, y0, y, tx = 0;
	bool titled = t->lay.mode != LAYOUT_SUMMARY;
	size_t n = t->m->nnodes;
	char right[160], counts[128];
	cols_t c;

	y0 = titled ? 1 : 0;
	if (titled && panel_rpc_rows(t, H) > 0) {
		/* [rpc] endpoints at the bottom; the nodes above them */
		int rr = panel_rpc_rows(t, H);
		panel_rpc_draw(t, w, H - rr, rr);
		H -= rr;
	}
	if (titled) {
		size_t shown = lines > 0 ? (size_t)((H - 1 - t->lay.group_lines) / lines) : 0;
		view_counts_text(t, counts, sizeof counts);
		if (shown < n)
			snprintf(right, sizeof right, "%s %s %zu-%zu of %zu", counts, t->g->dot,
			         t->node_top + 1, t->node_top + shown > n ? n : t->node_top + shown, n);
		else
			snprintf(right, sizeof right, "%s", counts);
		tx = render_title(t, w, "Nodes", NULL, t->focus == FOCUS_NODES);
		for (int g = 0; g < t->lay.group_lines && (size_t)g < t->m->ngroups && g + 1 < H; g++)
			nodes_group_line(t, w, 1 + g, (size_t)g);
		y0 += t->lay.group_lines;
	}
	if (n == 0) {
		render_put(t, w, y0, 2, W - 2, "no nodes configured", A_DIM);
		return;
	}
	if (!titled || lines == 0) {
		int nw = 0, gw, vw, g0 = 0;
		nodes_measure(t, &nw, &gw, &vw);
		nw = clampi(nw, 5, W / 3);
		if (!titled) {
			/* the smallest layout keeps its group lines too: who carries the pair */
			for (; g0 < t->lay.group_lines && (size_t)g0 < t->m->ngroups && g0 + 1 < H; g0++)
				nodes_group_line(t, w, g0, (size_t)g0);
		}
		for (size_t i = t->node_top, y1 = (size_t)g0; i < n && (int)y1 < H; i++, y1++)
			nodes_summary_line(t, w, (int)y1, i, nw, i == t->sel);
		if (t->node_top > 0)
			render_scroll_hint(t, w, g0, true);
		if (t->node_top + (size_t)(H - g0) < n)
			render_scroll_hint(t, w, H - 1, false);
		return;
	}
	nodes_columns(t, W, lines == 1, &c);
	/* column labels in the title row, right of the title; the counts at its right
	 * end when they fit there, else right after the title (and labels give way) */
	{
		int rw = render_width(right) + 2, lend = tx;
		for (int i = C_GROUP; i < C_ERROR; i++)
			if (c.w[i] > 0 && c.x[i] >= tx + 2)
				lend = c.x[i] + render_width(col_label[i]);
		if (W - rw - 2 <= lend + 1 && t->node_top == 0 && (size_t)((H - 1 - t->lay.group_lines) / lines) >= n) {
			/* no room for every state beside the column headers: how many of all are up */
			model_counts_t mc = model_counts(t->m, t->now_ms);
			snprintf(right, sizeof right, "%zu/%zu up", mc.up, mc.nodes);
			rw = render_width(right) + 2;
		}
		if (W - rw - 2 > lend + 1) {
			render_putf(t, w, 0, W - rw - 2, rw, A_NORMAL, " %s ", right);
		} else {
			tx += 1 + render_putf(t, w, 0, tx + 1, W - tx - 2, A_NORMAL, " %s ", right);
			lend = W;
		}
		tx += 2;
		for (int i = C_GROUP; i < C_ERROR; i++)
			if (c.x[i] >= tx && c.w[i] > 0 && c.x[i] + render_width(col_label[i]) <= lend)
				render_put(t, w, 0, c.x[i], c.w[i] - 1, col_label[i], A_DIM);
	}
	y = y0;
	for (size_t i = t->node_top; i < n && y + lines <= H; i++) {
		const node_t *nd = &t->m->nodes[i];
		nodes_first_line(t, w, y, i, &c, i == t->sel);
		if (lines == 4) {
			for (int k = 0; k < IND__COUNT; k++)
				nodes_ind_line(t, w, y + 1 + k, nd, (indicator_id_t)k, 4);
		} else if (lines == 2) {
			nodes_ind_compact(t, w, y + 1, nd);
		}
		y += lines;
	}
	if (t->node_top > 0)
		render_scroll_hint(t, w, y0, true);
	if (t->node_top + (size_t)((H - y0) / lines) < n)
		render_scroll_hint(t, w, H - 1, false);
}

size_t panel_nodes_hit(const view_t *t, int y)
{
	int lines = t->lay.node_lines > 0 ? t->lay.node_lines : 1;
	size_t idx;

	if (t->view != VIEW_MAIN)
		return (size_t)-1;
	if (t->lay.mode != LAYOUT_SUMMARY) {
		if (y < 1 + t->lay.group_lines || (t->lay.rpc_lines && y >= t->lay.nodes.h - t->lay.rpc_lines))
			return (size_t)-1;   /* the title, a group line, or the [rpc] endpoints at the bottom */
		y -= 1 + t->lay.group_lines;
	} else {
		if (y < t->lay.group_lines)
			return (size_t)-1;      /* a group line, not a node */
		y -= t->lay.group_lines;
	}
	idx = t->node_top + (size_t)(y / lines);
	return idx < t->m->nnodes ? idx : (size_t)-1;
}

/* ---------------------------------------------------------------- detail facts */

void panel_nodes_detail_draw(view_t *t, WINDOW *w)
{
	int W = getmaxx(w), H = getmaxy(w), y = 1, x;
	const node_t *n;
	char name[128], url[512], buf[512], tmp[64], tmp2[64];
	attr_t base;
	bool stale;

	if (t->m->nnodes == 0 || t->sel >= t->m->nnodes) {
		render_title(t, w, "Node", "", false);
		return;
	}
	n = &t->m->nodes[t->sel];
	base = nodes_base(t, n);
	render_escape(t, name, sizeof name, n->name, false);
	render_escape(t, url, sizeof url, n->url ? n->url : "", false);
	snprintf(buf, sizeof buf, "Node %s", name);
	render_title(t, w, buf, url, false);

	/* facts: state, version, uptime, polls */
	x = 1;
	x += render_putf(t, w, y, x, W - x, nodes_state_attr(t, n, n->state), "%s %s",
	                 render_state_symbol(t, n->state), state_name_upper(n->state)) + 1;
	if (n->state_since_ms) {
		fmt_duration_seen(tmp, sizeof tmp, t->now_ms - n->state_since_ms, n->state_since_seen, t->utf8);
		x += render_putf(t, w, y, x, W - x, base, "for %s", tmp) + 2;
	}
	if (n->group) {
		render_escape(t, buf, sizeof buf, n->group, false);
		x += render_putf(t, w, y, x, W - x, base, "group %s", buf) + 2;
	}
	if (n->version[0]) {
		char v[128], cm[128];
		render_escape(t, v, sizeof v, n->version, false);
		render_escape(t, cm, sizeof cm, n->commit, false);
		x += render_putf(t, w, y, x, W - x, base, "version %s%s%.12s", v, cm[0] ? " @" : "", cm) + 2;
	}
	if (n->have_proc_uptime) {
		fmt_duration(tmp, sizeof tmp, (int64_t)(n->proc_uptime_s * 1000));
		x += render_putf(t, w, y, x, W - x, base | (n->restarts ? A_BOLD : 0), "up %s, %u restart%s",
		                 tmp, n->restarts, n->restarts == 1 ? "" : "s") + 2;
	}
	nodes_poll_text(t, n, buf, sizeof buf, &stale);
	fmt_latency(tmp2, sizeof tmp2, n->health_latency_ms);
	x += render_putf(t, w, y, x, W - x, stale ? A_BOLD | A_REVERSE : base, "polled %s", buf) + 1;
	if (n->last_health_ms)
		x += render_putf(t, w, y, x, W - x, base, "(%s, HTTP %ld)", tmp2, n->http_status) + 2;
	{
		double sl, st;
		if (model_node_slow(t->m, t->sel, t->now_ms, &sl, &st)) {
			char a[16], b[16];
			fmt_latency(a, sizeof a, sl);
			fmt_latency(b, sizeof b, st);
			x += render_putf(t, w, y, x, W - x, A_BOLD | (render_state_attr(t, STATE_DEGRADED) & ~A_REVERSE),
			                 "slow: %s of its %s timeout", a, b) + 2;
		}
	}
	x += render_putf(t, w, y, x, W - x, A_DIM, "%lu /health %lu /metrics, %lu errors", n->polls, n->metrics_polls,
	                 n->poll_errors) + 2;
	if (n->have_metrics && n->metrics_bad_lines)   /* the node's parse errors: never silent */
		render_putf(t, w, y, x, W - x, A_BOLD, "%zu malformed /metrics line%s", n->metrics_bad_lines,
		            n->metrics_bad_lines == 1 ? "" : "s");
	y++;

	/* what is wrong, database and RPC facts */
	if (y < H) {
		x = 1;
		if (n->state_since_ms && !n->state_since_seen) {
			/* the state was so already at the first poll: say since when nodetop looks */
			char clk[16];
			fmt_clock(clk, sizeof clk, n->state_since_ms, false);
			x += render_putf(t, w, y, x, W - x, A_DIM, "%s since nodetop started %s", state_name(n->state),
			                 clk) + 2;
		}
		render_ack_text(t, n, buf, sizeof buf);
		if (buf[0]) {
			fmt_duration(tmp, sizeof tmp, t->now_ms - n->ack_ms);
			x += render_putf(t, w, y, x, W - x, A_BOLD, "%s (%s ago)", buf, tmp) + 2;
		}
		if (n->error[0]) {
			render_escape(t, buf, sizeof buf, n->error, false);
			x += render_putf(t, w, y, x, W - x, nodes_state_attr(t, n, STATE_DOWN) & ~A_REVERSE,
			                 "error: %s", buf) + 2;
		}
		if (n->have_db)
			x += render_putf(t, w, y, x, W - x, base, "db conns %.0f open, %.0f used, max %.0f", n->db_open,
			                 n->db_used, n->db_max) + 2;
		else if (n->metrics_error[0]) {
			render_escape(t, buf, sizeof buf, n->metrics_error, false);
			x += render_putf(t, w, y, x, W - x, A_DIM, "metrics: %s", buf) + 2;
		}
		for (size_t i = 0; i < n->nchains && x < W - 10; i++) {
			const rpc_chain_t *ch = &n->chains[i];
			char id[96];
			render_escape(t, id, sizeof id, ch->id, false);
			x += render_putf(t, w, y, x, W - x,
			                 nodes_unread(t, n, NULL) ? A_DIM : nodes_state_attr(t, n, ch->state) & ~A_REVERSE,
			                 "%s chain %s", render_state_symbol(t, ch->state), id) + 1;
			if (ch->have_states)
				x += render_putf(t, w, y, x, W - x, base, "%d/%d RPC alive", ch->alive, ch->total) + 1;
			if (ch->have_head)
				x += render_putf(t, w, y, x, W - x, base, "head %.0f", ch->head) + 1;
			x += 1;
		}
		y++;
	}
	/* indicators: full lines when there is room, one compact line otherwise */
	if (H - y >= IND__COUNT) {
		for (int k = 0; k < IND__COUNT && y < H; k++, y++)
			nodes_ind_line(t, w, y, n, (indicator_id_t)k, 1);
	} else if (y < H) {
		nodes_ind_compact(t, w, y++, n);
	}
	panel_db_detail_draw(t, w, y, t->sel);   /* the databases probed directly (panel_db.c) */
}
