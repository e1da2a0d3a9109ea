/* panel_db.c - the node detail view's database lines (issue 15): what nodetop's
 * own probe of each tied PostgreSQL found: role, connections, latency, lease. */
#include <stdio.h>
#include <string.h>

#include "dbinfo.h"
#include "fmt.h"
#include "model_db.h"
#include "panel_db.h"
#include "render.h"

#define HOUR_MS (3600LL * 1000)

/* "● db-a writer 3/30 conns 1.2 ms lease 11111111… expires in 9s  100% 1h" */
static void db_line(view_t *t, WINDOW *w, int y, const model_db_t *d)
{
	const db_probe_result_t *r = &d->last;
	int W = getmaxx(w), x = 1;
	char name[96], buf[256], dur[32];
	state_t st = d->probes ? (r->up ? STATE_UP : STATE_DOWN) : STATE_UNKNOWN;
	double pct;

	render_escape(t, name, sizeof name, d->name, false);
	x += render_put(t, w, y, x, 1, render_state_symbol(t, st), render_state_attr(t, st)) + 1;
	x += render_putf(t, w, y, x, W - x, A_BOLD, "database %s", name) + 1;
	if (!d->probes) {
		render_put(t, w, y, x, W - x, "not probed yet", A_DIM);
		return;
	}
	if (!r->up) {
		render_escape(t, buf, sizeof buf, r->error_text, false);
		x += render_putf(t, w, y, x, W - x, render_state_attr(t, STATE_DOWN) & ~A_REVERSE, "down, %s:",
		                 dbinfo_error_name(r->error)) + 1;
		x += render_put(t, w, y, x, W - x, buf, A_NORMAL) + 2;
	} else {
		x += render_put(t, w, y, x, W - x, dbinfo_role_name(r->role), A_NORMAL) + 1;
		if (r->role == DB_ROLE_READER && r->replay_lag_ms >= 0)
			x += render_putf(t, w, y, x, W - x, A_NORMAL, "lag %lld ms", (long long)r->replay_lag_ms) + 1;
		x += render_putf(t, w, y, x, W - x, A_NORMAL, "%lld/%lld conns", (long long)r->connections,
		                 (long long)r->max_connections) + 1;
		fmt_latency(buf, sizeof buf, (r->connect_ms > 0 ? r->connect_ms : 0) + (r->query_ms > 0 ? r->query_ms : 0));
		x += render_put(t, w, y, x, W - x, buf, A_NORMAL) + 2;
		if (r->lease == DB_LEASE_HELD) {
			char holder[320];
			bool live = r->lease_expires_in_ms >= 0;
			fmt_duration(dur, sizeof dur, live ? r->lease_expires_in_ms : -r->lease_expires_in_ms);
			if (d->holder_node[0]) {   /* tied to a node: its name instead of the UUID */
				render_escape(t, holder, sizeof holder, d->holder_node, false);
				x += render_putf(t, w, y, x, W - x, A_NORMAL, "lease: held by %s, expires in %s", holder, dur) + 2;
			} else {
				render_escape(t, holder, sizeof holder, r->lease_holder, false);
				x += render_putf(t, w, y, x, W - x, live ? A_NORMAL : A_BOLD, "lease %.13s %s %s%s%s", holder,
				                 live ? "expires in" : "expired", dur, live ? "" : " ago",
				                 live ? " (not tied to a node)" : "") + 2;
			}
			if (d->agrees == 0) {
				render_escape(t, holder, sizeof holder, d->agree_text, false);
				x += render_putf(t, w, y, x, W - x, d->disagree ? render_state_attr(t, STATE_DEGRADED) & ~A_REVERSE
				                 : A_BOLD, "disagrees: %s", holder) + 2;
			}
		} else {
			x += render_put(t, w, y, x, W - x, r->lease == DB_LEASE_EMPTY ? "lease: none" : "lease: not readable",
			                A_DIM) + 2;
		}
	}
	if (uptime_percent(&d->ind.uptime, t->now_ms, HOUR_MS, &pct))
		x += render_putf(t, w, y, x, W - x, A_DIM, "%.0f%% 1h", pct) + 1;
	static const char *const lab[2] = { "7d", "30d" };   /* from the stored history */
	for (int l = 0; l < 2; l++)
		if (d->ind.long_known[l]) {
			fmt_uptime(buf, sizeof buf, d->ind.long_pct[l]);
			x += render_putf(t, w, y, x, W - x, A_DIM, "%s %s", buf, lab[l]) + 1;
		}
}

int panel_db_count(const model_t *m, size_t idx)
{
	int n = 0;
	for (size_t i = 0; idx < m->nnodes && i < m->ndbs; i++)
		n += model_db_tied(m, i, &m->nodes[idx]);
	return n;
}

int panel_db_detail_draw(view_t *t, WINDOW *w, int y, size_t idx)
{
	const model_t *m = t->m;
	int H = getmaxy(w);
	if (idx >= m->nnodes)
		return y;
	for (size_t i = 0; i < m->ndbs && y < H; i++)
		if (model_db_tied(m, i, &m->nodes[idx]))
			db_line(t, w, y++, &m->dbs[i]);
	return y;
}
