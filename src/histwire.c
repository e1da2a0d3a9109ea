/* histwire.c - the stored history in the running program: opens the file the
 * settings name, restores uptime, 7 d / 30 d and the timeline, feeds it on a timer. */
#include <langinfo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "histwire.h"
#include "history.h"
#include "model_source.h"
#include "sla.h"
#include "strbuf.h"
#include "xalloc.h"

#define HISTWIRE_TICK_MS 1000
#define HISTWIRE_LONG_MS 60000           /* the 7 d / 30 d figures are read again this often */
#define HISTWIRE_TIMELINE_MS (7 * 86400000LL)  /* restored events: the last week... */
#define HISTWIRE_TIMELINE_MAX 500        /* ...the newest this many */
#define HISTWIRE_FEED_MS 10000          /* the states are handed over at least this often */
#define HISTWIRE_BARS_MS 600000          /* the hour / day / week bars are read again this often */
#define HISTWIRE_FLUSH_LARGE_MS 30000    /* a fleet above MODEL_FLEET_LARGE nodes is written this often */
#define HISTWIRE_WEEK_DAYS (MODEL_BAR_CELLS * 7)

struct histwire {
	history_t *h;
	unsigned epoch;                  /* this one's mark on the model's model_hist_ref_t (never 0) */
	model_t *m;
	uv_timer_t timer;
	bool timer_on, record;
	int64_t last_long, last_bars;
	bucket_t *bar_buf;               /* HISTWIRE_WEEK_DAYS buckets, for reading bars */
	int64_t now;                     /* of the pass feeding the observations */
	unsigned pass;                   /* feeding passes so far */
	uint64_t fed_gen;                /* the model's generation at the last pass */
	int64_t fed_ms;                  /* and when it was */
	uint64_t points_gen;             /* the model's generation at the last pass over the points */
	int64_t *scraped;                /* per node: the /metrics answer whose points were handed over */
	size_t nscraped;                 /* the node count it was made for (a reload makes it again) */
	unsigned *fed;                   /* per history series: the last pass that fed it (0 never) */
	size_t nfed, cap_fed;
	char last_err[512];
	char last_notice[1024];
	histwire_msg_cb msg;
	void *ud;
};

bool histwire_path(const settings_t *s, const cli_t *cli, char *buf, size_t n)
{
	if (n)
		buf[0] = '\0';
	if (cli->no_history || s->history_off)
		return false;
	if (s->history) {
		if ((size_t)snprintf(buf, n, "%s", s->history) >= n) {
			buf[0] = '\0';
			return false;
		}
		return true;
	}
	return history_default_path(buf, n);
}

/* ---------------------------------------------------------------- restoring */

/* The hour, day and week bars of one indicator (a day bar is the newest 64 of
 * the days that make the week bar). */
static void histwire_bars_one(void *ud, const char *name, const char *key, state_t st, indicator_t *ind,
                              model_hist_ref_t *ref)
{
	(void)ref;
	histwire_t *hw = ud;
	(void)st;
	if (!ind)
		return;
	bucket_t *b = hw->bar_buf;
	int64_t now = hw->now;
	int64_t lasth = buckets_index(BUCKET_HOUR, now);
	if (history_load_buckets(hw->h, name, key, BUCKET_HOUR, lasth - MODEL_BAR_CELLS + 1, MODEL_BAR_CELLS, b) != 0)
		return;
	model_set_long_bar(ind, MODEL_BAR_HOURS, lasth, b, MODEL_BAR_CELLS);
	int64_t lastd = buckets_index(BUCKET_DAY, now), lastw = buckets_week_of_day(lastd);
	int64_t firstd = (lastw - MODEL_BAR_CELLS + 1) * 7 - 3;   /* the Monday of the oldest week */
	int nd = (int)(lastd - firstd + 1);
	if (nd > HISTWIRE_WEEK_DAYS)
		nd = HISTWIRE_WEEK_DAYS;
	if (history_load_buckets(hw->h, name, key, BUCKET_DAY, firstd, nd, b) != 0)
		return;
	model_set_long_bar(ind, MODEL_BAR_DAYS, lastd, b + (nd - MODEL_BAR_CELLS), MODEL_BAR_CELLS);
	bucket_t weeks[MODEL_BAR_CELLS];
	memset(weeks, 0, sizeof weeks);
	for (int i = 0; i < nd; i++) {
		int64_t w = buckets_week_of_day(firstd + i) - (lastw - MODEL_BAR_CELLS + 1);
		if (w >= 0 && w < MODEL_BAR_CELLS)
			buckets_add(&weeks[w], &b[i]);
	}
	model_set_long_bar(ind, MODEL_BAR_WEEKS, lastw, weeks, MODEL_BAR_CELLS);
}

static void histwire_bars(histwire_t *hw)
{
	if (!hw->bar_buf)
		hw->bar_buf = xcalloc(HISTWIRE_WEEK_DAYS, sizeof(bucket_t));
	model_each_indicator(hw->m, histwire_bars_one, hw);
	hw->m->generation++;
}

typedef struct restore {
	histwire_t *hw;
	int64_t now, first;
	bucket_t *minutes;
	int64_t last_seen;               /* end of the newest minute anything was seen in */
} restore_t;

static void histwire_restore_one(void *ud, const char *name, const char *key, state_t st, indicator_t *ind,
                                 model_hist_ref_t *ref)
{
	(void)ref;
	restore_t *r = ud;
	(void)st;
	if (!ind)
		return;
	/* the last 24 h of minutes and the 7 d / 30 d figures, in one read */
	if (history_restore(r->hw->h, name, key, r->now, r->first, UPTIME_NBUCKETS, r->minutes,
	                    model_long_window_ms, 2, ind->long_pct, ind->long_known) == 0) {
		model_restore_minutes(ind, r->first, UPTIME_NBUCKETS, r->minutes);
		for (int i = UPTIME_NBUCKETS; i-- > 0;)
			if (buckets_seen_ms(&r->minutes[i])) {
				/* the newest minute watched: up to the end of its span (rows of
				 * schema 1 have none: assume it was watched from its start) */
				const bucket_t *b = &r->minutes[i];
				int64_t end = buckets_start_ms(BUCKET_MINUTE, r->first + i) +
				              (int64_t)(b->last ? b->last : buckets_seen_ms(b));
				if (end > r->last_seen)
					r->last_seen = end;
				break;
			}
	}
}

typedef struct prestore {
	histwire_t *hw;
	size_t node;
	const char *chart;
} prestore_t;

static void histwire_point(void *ud, int64_t ts, double v)
{
	prestore_t *p = ud;
	model_restore_point(p->hw->m, p->node, p->chart, ts, v);
}

static void histwire_chart(void *ud, const char *chart)
{
	prestore_t *p = ud;
	p->chart = chart;
	history_load_points(p->hw->h, p->hw->m->nodes[p->node].name, chart, histwire_point, p);
}

/* The charted series' last points: sparklines are full at once. */
static void histwire_restore_points(histwire_t *hw)
{
	for (size_t i = 0; i < hw->m->nnodes; i++) {
		prestore_t p = { hw, i, NULL };
		history_each_chart(hw->h, hw->m->nodes[i].name, histwire_chart, &p);
	}
}

/* The newest point of every series of the nodes scraped since the last pass. */
static void histwire_feed_points(histwire_t *hw)
{
	char key[128];
	if (hw->nscraped != hw->m->nnodes) {
		free(hw->scraped);
		hw->nscraped = hw->m->nnodes;
		hw->scraped = xcalloc(hw->nscraped ? hw->nscraped : 1, sizeof *hw->scraped);
	}
	for (size_t i = 0; i < hw->m->nnodes; i++) {
		const node_t *n = &hw->m->nodes[i];
		if (n->last_metrics_ms == hw->scraped[i])
			continue;                /* nothing new since the last pass */
		hw->scraped[i] = n->last_metrics_ms;
		if (!model_charts_local(hw->m, i))
			continue;
		for (size_t k = 0; k < n->nseries; k++) {
			int64_t t;
			double v;
			if (!ring_last(&n->series[k].ring, &t, &v))
				continue;
			model_chart_key(hw->m, &n->series[k], key, sizeof key);
			history_add_point(hw->h, n->name, key, t, v);   /* a point already given is dropped */
		}
	}
}

static void histwire_long_one(void *ud, const char *name, const char *key, state_t st, indicator_t *ind,
                              model_hist_ref_t *ref)
{
	(void)ref;
	histwire_t *hw = ud;
	(void)st;
	if (ind)
		history_uptime(hw->h, name, key, clock_wall_ms(), model_long_window_ms, 2, ind->long_pct, ind->long_known);
}

typedef struct evring {
	sla_event_t *ev;
	size_t n, head;
} evring_t;

static void histwire_keep_event(void *ud, const sla_event_t *e)
{
	evring_t *r = ud;
	r->ev[r->head] = *e;
	r->head = (r->head + 1) % HISTWIRE_TIMELINE_MAX;
	if (r->n < HISTWIRE_TIMELINE_MAX)
		r->n++;
}

static bool histwire_kind(const char *name, event_kind_t *k)
{
	for (int i = EVENT_NODE; i <= EVENT_NOTIFY; i++)
		if (strcmp(event_kind_name((event_kind_t)i), name) == 0) {
			*k = (event_kind_t)i;
			return true;
		}
	return false;
}

static state_t histwire_state(const char *name)
{
	for (int i = 0; i < STATE__COUNT; i++)
		if (strcmp(state_name((state_t)i), name) == 0)
			return (state_t)i;
	return STATE_UNKNOWN;
}

/* The timeline of the runs before: their events, then one line saying since
 * when nothing was watched (the restored events are older than it). */
static void histwire_restore_timeline(histwire_t *hw, int64_t now, int64_t last_seen)
{
	evring_t r = { xcalloc(HISTWIRE_TIMELINE_MAX, sizeof(sla_event_t)), 0, 0 };
	if (history_load_events(hw->h, now - HISTWIRE_TIMELINE_MS, now + 1, histwire_keep_event, &r) != 0)
		r.n = 0;
	size_t start = (r.head + HISTWIRE_TIMELINE_MAX - r.n) % HISTWIRE_TIMELINE_MAX;
	int64_t newest = 0;
	for (size_t i = 0; i < r.n; i++) {
		const sla_event_t *se = &r.ev[(start + i) % HISTWIRE_TIMELINE_MAX];
		event_t e;
		memset(&e, 0, sizeof e);
		if (!histwire_kind(se->kind, &e.kind))
			continue;
		e.ts_ms = se->ts_ms;
		e.from = histwire_state(se->from);
		e.to = histwire_state(se->to);
		snprintf(e.node, sizeof e.node, "%s", se->node);
		snprintf(e.subject, sizeof e.subject, "%s", se->subject);
		snprintf(e.detail, sizeof e.detail, "%s", se->detail);
		if (e.kind == EVENT_FAILOVER || e.kind == EVENT_TWO_ACTIVE)
			snprintf(e.group, sizeof e.group, "%s", se->node);
		e.value = e.threshold = NAN;
		eventlog_add(&hw->m->events, &e);
		if (e.ts_ms > newest)
			newest = e.ts_ms;
	}
	free(r.ev);
	if (newest > last_seen)
		last_seen = newest;
	if (last_seen <= 0)
		return;                      /* nothing kept yet: a first run */
	if (last_seen > now)
		last_seen = now;
	event_t e;
	memset(&e, 0, sizeof e);
	e.ts_ms = now;
	e.kind = EVENT_CONFIG;
	e.from = STATE_UNKNOWN;
	e.to = STATE_UNKNOWN;
	char t[32];
	time_t secs = (time_t)(last_seen / 1000);
	struct tm tm;
	localtime_r(&secs, &tm);
	strftime(t, sizeof t, "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(e.detail, sizeof e.detail, "history: not watched since about %s (nodetop was not running); "
	         "older events are from the history file", t);
	e.value = e.threshold = NAN;
	eventlog_add(&hw->m->events, &e);
}

/* ---------------------------------------------------------------- recording */

static void histwire_observe_one(void *ud, const char *name, const char *key, state_t st, indicator_t *ind,
                                 model_hist_ref_t *ref)
{
	histwire_t *hw = ud;
	(void)ind;
	int sid = ref->epoch == hw->epoch ? ref->id : -1;
	if (sid < 0) {   /* looked up once by name, then kept with the indicator */
		sid = history_series(hw->h, name, key);
		if (sid < 0)
			return;
		ref->id = sid;
		ref->epoch = hw->epoch;
	}
	if ((size_t)sid >= hw->nfed) {
		hw->fed = xgrow(hw->fed, &hw->cap_fed, (size_t)sid + 1, sizeof *hw->fed);
		memset(hw->fed + hw->nfed, 0, ((size_t)sid + 1 - hw->nfed) * sizeof *hw->fed);
		hw->nfed = (size_t)sid + 1;
	}
	hw->fed[sid] = hw->pass;
	history_observe(hw->h, sid, hw->now, buckets_from_state(st));
}

/* One pass: every indicator the model has now; one it no longer has (a node
 * removed by a reload, a chain gone) stops being watched. */
static void histwire_feed(histwire_t *hw)
{
	hw->pass++;
	model_each_indicator(hw->m, histwire_observe_one, hw);
	for (size_t i = 0; i < hw->nfed; i++)
		if (hw->fed[i] && hw->fed[i] != hw->pass) {
			history_unwatch(hw->h, (int)i, hw->now);
			hw->fed[i] = 0;
		}
}

/* Tells the user when writing stops, starts again, or the file was replaced. */
static void histwire_report_state(histwire_t *hw)
{
	const char *notice = history_notice(hw->h);
	if (notice && strcmp(notice, hw->last_notice) != 0) {
		snprintf(hw->last_notice, sizeof hw->last_notice, "%s", notice);
		if (hw->msg)
			hw->msg(hw->ud, notice, true);
	}
	const char *err = history_error(hw->h);
	if (!err)
		err = "";
	if (strcmp(err, hw->last_err) != 0) {
		if (hw->msg) {
			if (err[0])
				hw->msg(hw->ud, err, true);
			else
				hw->msg(hw->ud, "history: writing again", false);
		}
		snprintf(hw->last_err, sizeof hw->last_err, "%s", err);
	}
}

static void histwire_on_timer(uv_timer_t *t)
{
	histwire_t *hw = t->data;
	int64_t now = hw->now = clock_wall_ms();
	/* The states: at once when the model changed (a state begins when it is seen), else
	 * every HISTWIRE_FEED_MS - a state in force accrues the same whenever it is handed
	 * over (history_observe catches up); a pass only says it is still watched. A fleet
	 * between its rounds is not walked every second. */
	if (hw->m->generation != hw->fed_gen || now - hw->fed_ms >= HISTWIRE_FEED_MS || now < hw->fed_ms) {
		hw->fed_gen = hw->m->generation;
		hw->fed_ms = now;
		histwire_feed(hw);
	}
	if (hw->m->generation != hw->points_gen) {   /* no new answer: no new point */
		hw->points_gen = hw->m->generation;
		histwire_feed_points(hw);
	}
	/* the 7 d / 30 d figures every minute; a fleet above MODEL_FLEET_LARGE nodes every 10
	 * minutes (a read of the file per indicator: for 30 000 of them a minute, 1.3 % of a core) */
	int64_t long_every = hw->m->nnodes > MODEL_FLEET_LARGE ? HISTWIRE_BARS_MS : HISTWIRE_LONG_MS;
	/* every 5 s; a fleet above MODEL_FLEET_LARGE nodes every 30 s (each write re-encodes the
	 * hour of every indicator: 30 000 of them every 5 s cost 0.8 % of a core) */
	history_set_flush_ms(hw->h, hw->m->nnodes > MODEL_FLEET_LARGE ? HISTWIRE_FLUSH_LARGE_MS : 0);
	if (history_tick(hw->h, now) && now - hw->last_long >= long_every) {
		hw->last_long = now;
		model_each_indicator(hw->m, histwire_long_one, hw);
		hw->m->generation++;
		/* a small fleet's bars every minute, a large one's every 10 minutes */
		if (now - hw->last_bars >= (hw->m->nnodes <= 50 ? HISTWIRE_LONG_MS : HISTWIRE_BARS_MS)) {
			hw->last_bars = now;
			histwire_bars(hw);
		}
	}
	histwire_report_state(hw);
}

histwire_t *histwire_open(uv_loop_t *loop, model_t *m, const settings_t *s, const cli_t *cli, bool record,
                          histwire_msg_cb msg, void *ud)
{
	char path[4096];
	if (cli->mode == CLI_STATUS_LINE || !histwire_path(s, cli, path, sizeof path))
		return NULL;
	if (!record && access(path, F_OK) != 0)
		return NULL;                 /* nothing kept yet: --once does not start a file */
	int64_t now = clock_wall_ms();
	history_opts_t o;
	memset(&o, 0, sizeof o);
	o.path = path;
	histwire_t *hw = xcalloc(1, sizeof *hw);
	hw->m = m;
	hw->record = record;
	hw->msg = msg;
	hw->ud = ud;
	hw->h = history_open(&o, now);
	static unsigned epochs;
	if (++epochs == 0)
		epochs = 1;
	hw->epoch = epochs;
	hw->last_long = now;

	/* what the model shows from the runs before */
	void (*saved)(void *, const event_t *) = m->events.on_event;
	m->events.on_event = NULL;       /* restored events are not news */
	restore_t r = { hw, now, buckets_index(BUCKET_MINUTE, now) - UPTIME_NBUCKETS + 1,
	                xcalloc(UPTIME_NBUCKETS, sizeof(bucket_t)), 0 };
	model_each_indicator(m, histwire_restore_one, &r);
	free(r.minutes);
	if (record) {
		hw->now = hw->last_bars = now;
		if (m->nnodes <= 50)
			histwire_bars(hw);       /* a large fleet's bars come with its first refresh, */
		else                         /* not in the way of the start-up */
			hw->last_bars = now - HISTWIRE_BARS_MS + HISTWIRE_LONG_MS;
		histwire_restore_points(hw);
	}
	if (record)
		histwire_restore_timeline(hw, now, r.last_seen);
	m->events.on_event = saved;
	m->generation++;

	if (record && loop) {
		uv_timer_init(loop, &hw->timer);
		hw->timer.data = hw;
		uv_timer_start(&hw->timer, histwire_on_timer, HISTWIRE_TICK_MS, HISTWIRE_TICK_MS);
		hw->timer_on = true;
	}
	/* --once: said on stderr now; a running nodetop says it at its first tick */
	if (!record) {
		const char *err = history_error(hw->h), *notice = history_notice(hw->h);
		if (notice)
			fprintf(stderr, "nodetop: %s\n", notice);
		if (err)
			fprintf(stderr, "nodetop: %s\n", err);
	}
	return hw;
}

void histwire_event(histwire_t *hw, const event_t *e)
{
	if (!hw || !hw->record)
		return;
	if (e->kind == EVENT_FAILOVER || e->kind == EVENT_TWO_ACTIVE) {
		event_t g = *e;              /* counted on the group in the report */
		snprintf(g.node, sizeof g.node, "%s", e->group);
		history_add_event(hw->h, &g);
		return;
	}
	history_add_event(hw->h, e);
}

void histwire_stop(histwire_t *hw)
{
	if (!hw || !hw->timer_on)
		return;
	uv_timer_stop(&hw->timer);
	uv_close((uv_handle_t *)&hw->timer, NULL);
	hw->timer_on = false;
}

void histwire_close(histwire_t *hw)
{
	if (!hw)
		return;
	int64_t now = hw->now = clock_wall_ms();
	if (hw->record) {
		histwire_feed(hw);
		histwire_feed_points(hw);
	}
	history_close(hw->h, now);
	free(hw->fed);
	free(hw->bar_buf);
	free(hw->scraped);
	free(hw);
}

/* ---------------------------------------------------------------- --report */

int histwire_report(const settings_t *s, const cli_t *cli)
{
	char path[4096];
	if (!histwire_path(s, cli, path, sizeof path)) {
		fprintf(stderr, "nodetop: --report: history is off (history = off or --no-history)\n");
		return 3;
	}
	if (access(path, F_OK) != 0) {
		fprintf(stderr, "nodetop: --report: no history file %s yet (nodetop keeps it while it runs)\n", path);
		return 3;
	}
	int64_t now = clock_wall_ms(), since;
	const char *sv = cli->since ? cli->since : "30d";
	if (!sla_parse_since(sv, now, &since)) {
		fprintf(stderr, "nodetop: --report: bad --since '%s' (use e.g. 36h, 30d, 4w or 2026-11-01)\n", sv);
		return 3;
	}
	sla_period_t per = SLA_DAY;
	if (cli->per && !sla_parse_period(cli->per, &per)) {
		fprintf(stderr, "nodetop: --report: bad --per '%s' (use day or week)\n", cli->per);
		return 3;
	}
	history_opts_t o;
	memset(&o, 0, sizeof o);
	o.path = path;
	history_t *h = history_open(&o, now);
	const char *err = history_error(h), *notice = history_notice(h);
	if (notice)
		fprintf(stderr, "nodetop: %s\n", notice);
	sla_input_t in;
	sla_input_init(&in, since, now);
	if (err || history_load_report(h, since, now, &in) != 0) {
		fprintf(stderr, "nodetop: --report: %s\n", err ? err : "cannot read the history file");
		sla_input_free(&in);
		history_close(h, now);
		return 3;
	}
	sla_report_t rep;
	sla_build(&in, per, &rep);
	strbuf_t out = STRBUF_INIT;
	if (cli->json)
		sla_write_json(&rep, &out);
	else if (cli->csv)
		sla_write_csv(&rep, &out);
	else
		sla_write_text(&rep, &out, !cli->ascii && strcmp(nl_langinfo(CODESET), "UTF-8") == 0);
	fwrite(out.data ? out.data : "", 1, out.len, stdout);
	int rc = fflush(stdout) == 0 ? 0 : 3;
	strbuf_free(&out);
	sla_report_free(&rep);
	sla_input_free(&in);
	history_close(h, now);
	return rc;
}
