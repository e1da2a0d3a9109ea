/* app_db.c - one uv timer and one dbprobe per [database NAME]: probes on the
 * loop at each interval (never two at once per database), results to model_db. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "app_db.h"
#include "clock.h"
#include "dbprobe.h"
#include "model_db.h"
#include "xalloc.h"

typedef struct app_db_one {
	uv_timer_t timer;
	dbprobe_t *probe;
	struct app_db *w;
	size_t di;                 /* index in model.dbs */
	int64_t interval_ms;
	unsigned long done;
} app_db_one_t;

struct app_db {
	model_t *m;
	app_db_cb cb;
	void *ud;
	app_db_one_t **dbs;
	size_t n;
};

static void app_db_done(dbprobe_t *p, const db_probe_result_t *r, void *ud)
{
	app_db_one_t *o = ud;
	(void)p;
	o->done++;
	uint64_t t0 = uv_hrtime();
	int64_t now = clock_wall_ms();
	model_apply_db(o->w->m, o->di, r, now);
	model_tick(o->w->m, now);   /* the database indicator of every node tied to it */
	/* for NODETOP_STATS: the loop held by a result's handling (the caller's
	 * callback, a redraw as after any result, left out: it may end the app) */
	double ms = (double)(uv_hrtime() - t0) / 1e6;
	model_db_t *d = &o->w->m->dbs[o->di];
	if (ms > d->apply_max_ms)
		d->apply_max_ms = ms;
	if (o->w->cb)
		o->w->cb(o->w->ud);   /* o and w may be gone after it (app_db_stop) */
}

static void app_db_due(uv_timer_t *t)
{
	app_db_one_t *o = t->data;
	dbprobe_start(o->probe);   /* UV_EBUSY: the one before is still in flight (its timeout ends it) */
}

app_db_t *app_db_new(uv_loop_t *loop, model_t *m, const settings_t *s, app_db_cb cb, void *ud)
{
	if (!s->ndbs)
		return NULL;
	app_db_t *w = xcalloc(1, sizeof *w);
	w->m = m;
	w->cb = cb;
	w->ud = ud;
	w->dbs = xcalloc(s->ndbs, sizeof *w->dbs);
	for (size_t i = 0; i < s->ndbs; i++) {
		const db_cfg_t *d = &s->dbs[i];
		/* ties: nodes = ... as given, and every node whose database key names it */
		const char **ties = xcalloc(d->nnodes + s->nnodes + 1, sizeof *ties);
		size_t nt = 0;
		for (size_t k = 0; k < d->nnodes; k++)
			ties[nt++] = d->nodes[k];
		for (size_t k = 0; k < s->nnodes; k++)
			if (s->nodes[k].database && strcmp(s->nodes[k].database, d->name) == 0)
				ties[nt++] = s->nodes[k].name;
		size_t di = model_db_add(m, d->name, ties, nt, d->interval_ms);
		free(ties);
		for (size_t k = 0; k < s->nnodes; k++)   /* who may hold the lease */
			if (s->nodes[k].db_client)
				model_db_add_client(m, di, s->nodes[k].name, s->nodes[k].db_client);

		char port[16];
		snprintf(port, sizeof port, "%zu", d->port);
		dbprobe_conf_t c;
		memset(&c, 0, sizeof c);
		c.name = d->name;
		c.host = d->host;
		c.port = d->port ? port : NULL;
		c.dbname = d->dbname;
		c.user = d->user;
		c.password_file = d->password_file;
		c.sslmode = d->sslmode;
		c.sslrootcert = d->sslrootcert;
		c.timeout_ms = (unsigned)d->timeout_ms;
		c.lease_duration_ms = (unsigned)d->lease_duration_ms;

		app_db_one_t *o = xcalloc(1, sizeof *o);
		o->w = w;
		o->di = di;
		o->interval_ms = d->interval_ms;
		uv_timer_init(loop, &o->timer);
		o->timer.data = o;
		o->probe = dbprobe_new(loop, &c, app_db_done, o);
		w->dbs[w->n++] = o;
	}
	return w;
}

void app_db_start(app_db_t *w, bool repeat)
{
	for (size_t i = 0; w && i < w->n; i++) {
		app_db_one_t *o = w->dbs[i];
		uv_timer_start(&o->timer, app_db_due, 0, repeat ? (uint64_t)o->interval_ms : 0);
	}
}

bool app_db_round_done(const app_db_t *w)
{
	for (size_t i = 0; w && i < w->n; i++)
		if (w->dbs[i]->done < 1)
			return false;
	return true;
}

int64_t app_db_worst_timeout_ms(const settings_t *s)
{
	int64_t worst = 0;
	for (size_t i = 0; i < s->ndbs; i++)
		if (s->dbs[i].timeout_ms > worst)
			worst = s->dbs[i].timeout_ms;
	return worst;
}

void app_db_write_stats(FILE *f, const model_t *m)
{
	double worst = 0;
	for (size_t i = 0; i < m->ndbs; i++)
		if (m->dbs[i].loop_held_max_ms + m->dbs[i].apply_max_ms > worst)
			worst = m->dbs[i].loop_held_max_ms + m->dbs[i].apply_max_ms;
	fprintf(f, "db_loop_max_ms=%.3f\n", worst);
}

static void app_db_closed(uv_handle_t *h)
{
	free(h->data);
}

void app_db_stop(app_db_t *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++) {
		app_db_one_t *o = w->dbs[i];
		dbprobe_close(o->probe);
		uv_timer_stop(&o->timer);
		uv_close((uv_handle_t *)&o->timer, app_db_closed);
	}
	free(w->dbs);
	free(w);
}
