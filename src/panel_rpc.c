/* panel_rpc.c - the [rpc NAME] endpoints on the screen: their rows under the node list with a
 * head-lag sparkline each, and the failing ones in the kiosk. Judgements come from the model. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "model_rpc.h"
#include "panel_rpc.h"
#include "sparkline.h"
#include "uptime.h"

#define RPC_SPARK_MAX 30
#define RPC_SPARK_STEP_MS 1000

int panel_rpc_rows(const view_t *t, int H)
{
	(void)H;
	return model_rpc_count(t->m) && t->view == VIEW_MAIN ? t->lay.rpc_lines : 0;
}

/* "▁▁▂▅" of the endpoint's lag, cells wide (spaces where nothing is known). */
static void panel_rpc_spark(const view_t *t, const rpc_ep_t *e, int cells, char *buf, size_t sz)
{
	double vals[RPC_SPARK_MAX];
	int levels[RPC_SPARK_MAX];
	if (cells > RPC_SPARK_MAX)
		cells = RPC_SPARK_MAX;
	sparkline_from_ring(&e->lag, t->now_ms, RPC_SPARK_STEP_MS, vals, (size_t)cells);
	/* a lag of 0 stays on the floor; lag_blocks reaches the middle */
	double span = e->jcfg.lag_blocks ? (double)e->jcfg.lag_blocks * 2 : 10;
	double lo = 0, hi = span;
	for (int i = 0; i < cells; i++)
		if (isfinite(vals[i]) && vals[i] > hi)
			hi = vals[i];
	for (int i = 0; i < cells; i++)
		levels[i] = isfinite(vals[i]) ? sparkline_level(vals[i], lo, hi, SPARK_LEVELS) : -1;
	sparkline_render(buf, sz, levels, (size_t)cells, !t->utf8);
}

static void panel_rpc_line(view_t *t, WINDOW *w, int y, const rpc_ep_t *e)
{
	int W = getmaxx(w), x = 2;
	char buf[400], esc[400];
	const rpc_obs_t *o = &e->obs;
	state_t st = e->out.state;

	x += render_put(t, w, y, x, 1, render_state_symbol(t, st), render_state_attr(t, st)) + 1;
	render_escape(t, esc, sizeof esc, e->name, false);
	render_field(t, w, y, x, 14, esc, A_BOLD, false);
	x += 15;
	snprintf(buf, sizeof buf, "chain %llu", (unsigned long long)e->chain);
	render_field(t, w, y, x, 12, buf, A_DIM, false);
	x += 13;
	render_field(t, w, y, x, 8, state_name(st), render_state_attr(t, st) & ~A_REVERSE, false);
	x += 9;
	{
		/* availability over the last hour, as the indicators show theirs */
		double pct;
		char p1[16] = "-";
		if (uptime_percent(&e->ind.uptime, t->now_ms, 3600LL * 1000, &pct))
			fmt_uptime(p1, sizeof p1, pct);
		render_put(t, w, y, x, 3, "1h", A_DIM);
		render_field(t, w, y, x + 3, 6, p1, A_NORMAL, true);
		x += 11;
	}
	if (e->out.head)
		snprintf(buf, sizeof buf, "head %llu", (unsigned long long)e->out.head);
	else
		snprintf(buf, sizeof buf, "head -");
	render_field(t, w, y, x, 15, buf, A_NORMAL, false);
	x += 16;
	if (x + 10 > W)
		return;
	snprintf(buf, sizeof buf, "lag %llu", (unsigned long long)e->out.lag);
	render_field(t, w, y, x, 8, e->out.head ? buf : "lag -", e->out.lag > e->jcfg.lag_blocks ? A_BOLD : A_NORMAL,
	             false);
	x += 9;
	if (x + RPC_SPARK_MAX / 2 + 2 <= W) {
		panel_rpc_spark(t, e, RPC_SPARK_MAX / 2, buf, sizeof buf);
		render_put(t, w, y, x, RPC_SPARK_MAX / 2, buf, A_NORMAL);
		x += RPC_SPARK_MAX / 2 + 1;
	}
	if (x + 9 <= W && e->have_obs && o->http_done) {
		fmt_latency(buf, sizeof buf, o->latency_ms);
		render_field(t, w, y, x, 8, buf, A_DIM, true);
		x += 9;
	}
	if (x + 14 <= W && e->ws_url[0]) {
		char ago[16] = "";
		if (e->have_obs && o->ws_head_ms)
			fmt_age(ago, sizeof ago, t->now_ms, o->ws_head_ms);
		snprintf(buf, sizeof buf, "ws %s%s%s", rpcjudge_ws_name(e->have_obs ? o->ws_state : RPC_WS_CONNECTING),
		         ago[0] ? " " : "", ago);
		x += render_put(t, w, y, x, W - x, buf, A_DIM) + 2;
	}
	if (st != STATE_UP && e->out.reason[0] && x + 8 <= W) {
		render_escape(t, esc, sizeof esc, e->out.reason, false);
		render_put(t, w, y, x, W - x, esc, A_DIM);
	}
}

void panel_rpc_draw(view_t *t, WINDOW *w, int y, int rows)
{
	size_t n = model_rpc_count(t->m), bad = 0;
	int W = getmaxx(w);
	if (rows < 1 || !n)
		return;
	for (size_t i = 0; i < n; i++)
		bad += model_rpc_get(t->m, i)->out.state >= STATE_DEGRADED;
	size_t wi = model_rpc_worst(t->m);
	char worst[80] = "";
	if (wi != (size_t)-1)
		snprintf(worst, sizeof worst, " %s %.40s %s", t->g->dot, model_rpc_get(t->m, wi)->name,
		         state_name(model_rpc_get(t->m, wi)->out.state));
	render_hline(t, w, y, 0, W, A_DIM);
	render_putf(t, w, y, 2, W - 2, A_BOLD, " RPC endpoints %s %zu/%zu up%s%s ", t->g->dot, n - bad, n, worst,
	            rows - 1 < (int)n ? " (more below)" : "");
	for (size_t i = 0; i < n && (int)i + 1 < rows; i++)
		panel_rpc_line(t, w, y + 1 + (int)i, model_rpc_get(t->m, i));
}

int panel_rpc_kiosk(view_t *t, WINDOW *w, int top, int bottom)
{
	int W = getmaxx(w), shown = 0;
	char esc[300], buf[400];
	for (size_t i = 0; i < model_rpc_count(t->m) && shown < 3 && top + 1 < bottom; i++) {
		const rpc_ep_t *e = model_rpc_get(t->m, i);
		if (e->out.state != STATE_DOWN && e->out.state != STATE_DEGRADED)
			continue;
		render_escape(t, esc, sizeof esc, e->out.reason, false);
		snprintf(buf, sizeof buf, "rpc %s (chain %llu) %s: %s", e->name, (unsigned long long)e->chain,
		         state_name(e->out.state), esc);
		render_put(t, w, top, 1, 1, render_state_symbol(t, e->out.state), render_state_attr(t, e->out.state));
		render_put(t, w, top, 3, W - 3, buf, A_BOLD | (render_state_attr(t, e->out.state) & ~A_REVERSE));
		top++;
		shown++;
	}
	return shown ? top + 1 : top;
}
