/* app.c - one run of nodetop: builds the model and the poller from the
 * settings, feeds results to the model, and drives the chosen output. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "app.h"
#include "app_rpc.h"
#include "app_db.h"
#include "app_source.h"
#include "model_source.h"
#include "clock.h"
#include "model_db.h"
#include "histwire.h"
#include "model.h"
#include "notify.h"
#include "poller.h"
#include "report.h"
#include "strbuf.h"
#include "tui.h"
#include "xalloc.h"

#define APP_TICK_MS 1000
#define APP_STATUS_LINE_TIMEOUT_MS 2500

typedef struct app {
	uv_loop_t loop;
	const cli_t *cli;
	settings_t *settings;
	model_t model;
	poller_t *poller;
	tui_t *tui;
	notifier_t *notify;        /* [notify NAME] hooks, or NULL */
	app_rpc_t *rpc;            /* [rpc NAME] probes, or NULL */
	app_db_t *db;              /* [database NAME] probes, or NULL (app_db.c) */
	histwire_t *history;       /* the stored history (issue 14), or NULL */
	app_source_t *src;         /* [source NAME] queries (issue 17), or NULL (app_source.c) */
	double history_wall_ms, history_cpu_ms;   /* opening and restoring it, for NODETOP_STATS */
	uv_timer_t tick;
	uv_timer_t deadline;       /* --once / --status-line: the latest moment to report */
	uv_signal_t sig_int, sig_term, sig_hup, sig_pipe;
	uv_poll_t out_watch;       /* --events: notices a reader that went away */
	bool out_watching;
	uint64_t drawn_generation;
	bool quitting;
	int exit_code;
} app_t;

static void app_on_probe(void *ud);

static void app_close_walk(uv_handle_t *h, void *arg)
{
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

/* Stops everything; the loop then runs dry and uv_run returns. */
/* NODETOP_STATS=FILE: poll-lateness figures for the benchmarks and the soak test. */
static void app_write_stats(const app_t *a)
{
	const char *path = getenv("NODETOP_STATS");
	if (!path || !path[0] || !a->poller)
		return;
	FILE *f = fopen(path, "w");
	if (!f)
		return;
	double p50, p99, max;
	unsigned long count;
	poller_lateness(a->poller, &p50, &p99, &max, &count);
	unsigned long hpolls = 0, mpolls = 0, errors = 0;
	for (size_t i = 0; i < a->model.nnodes; i++) {
		hpolls += a->model.nodes[i].polls;
		mpolls += a->model.nodes[i].metrics_polls;
		errors += a->model.nodes[i].poll_errors;
	}
	fprintf(f, "lateness_p50_ms=%.3f\nlateness_p99_ms=%.3f\nlateness_max_ms=%.3f\nrounds=%lu\n"
	        "polls=%lu\nhealth_polls=%lu\nmetrics_polls=%lu\npoll_errors=%lu\nnodes=%zu\n",
	        p50, p99, max, count, hpolls + mpolls, hpolls, mpolls, errors, a->model.nnodes);
	unsigned long dbp = 0;
	for (size_t i = 0; i < a->model.ndbs; i++)
		dbp += a->model.dbs[i].probes;
	fprintf(f, "db_probes=%lu\n", dbp);
	app_db_write_stats(f, &a->model);   /* db_loop_max_ms */
	fprintf(f, "history_load_wall_ms=%.3f\nhistory_load_cpu_ms=%.3f\n", a->history_wall_ms, a->history_cpu_ms);
	/* the charts' rings: allocated now and once every ring is full (bytes), for the
	 * benchmarks' memory figure of a run shorter than the rings take to fill */
	size_t nseries = 0, ring_now = 0, ring_full = 0;
	for (size_t i = 0; i < a->model.nnodes; i++)
		for (size_t k = 0; k < a->model.nodes[i].nseries; k++) {
			const ring_t *r = &a->model.nodes[i].series[k].ring;
			nseries++;
			ring_now += r->alloc * (sizeof *r->t + sizeof *r->v);
			ring_full += r->cap * (sizeof *r->t + sizeof *r->v);
		}
	fprintf(f, "chart_series=%zu\nchart_ring_bytes=%zu\nchart_ring_full_bytes=%zu\n", nseries, ring_now, ring_full);
	app_source_stats(a->src, f);
	fclose(f);
}

static void app_quit(app_t *a)
{
	if (a->quitting)
		return;
	a->quitting = true;
	app_write_stats(a);
	if (a->tui)
		tui_stop(a->tui);
	if (a->poller)
		poller_stop(a->poller);
	app_rpc_stop(a->rpc);
	app_source_stop(a->src);
	notify_stop(a->notify);
	app_db_stop(a->db);
	a->db = NULL;
	histwire_stop(a->history);
	uv_timer_stop(&a->tick);
	uv_timer_stop(&a->deadline);
	uv_close((uv_handle_t *)&a->tick, NULL);
	uv_close((uv_handle_t *)&a->deadline, NULL);
	uv_close((uv_handle_t *)&a->sig_int, NULL);
	uv_close((uv_handle_t *)&a->sig_term, NULL);
	uv_close((uv_handle_t *)&a->sig_hup, NULL);
	uv_close((uv_handle_t *)&a->sig_pipe, NULL);
	if (a->out_watching)
		uv_close((uv_handle_t *)&a->out_watch, NULL);
}

static void app_on_tui_quit(void *ud)
{
	app_quit(ud);
}

static void app_changed(app_t *a)
{
	if (a->tui && a->model.generation != a->drawn_generation) {
		a->drawn_generation = a->model.generation;
		tui_mark_dirty(a->tui);
	}
}

/* ---------------------------------------------------------------- live reload */

static bool app_str_eq(const char *x, const char *y)
{
	return (!x && !y) || (x && y && strcmp(x, y) == 0);
}

/* Same node for the model: same name, url and group (history is kept; a new
 * interval is only a new pace, issue 12: it must not wipe the history). */
static bool app_node_same(const node_t *n, const node_cfg_t *c)
{
	return strcmp(n->name, c->name) == 0 && strcmp(n->url, c->url) == 0 &&
	       app_str_eq(n->group, c->group);
}

static void app_config_event(app_t *a, state_t to, const char *detail)
{
	event_t e;
	memset(&e, 0, sizeof(e));
	e.ts_ms = clock_wall_ms();
	e.kind = EVENT_CONFIG;
	e.from = STATE_UP;
	e.to = to;
	snprintf(e.detail, sizeof(e.detail), "%s", detail);
	eventlog_add(&a->model.events, &e);
	a->model.generation++;
}

/* The history file's troubles (and their end): the header and the timeline. */
static void app_history_message(void *ud, const char *msg, bool error)
{
	app_t *a = ud;
	if (a->tui)
		tui_set_message(a->tui, msg);
	app_config_event(a, error ? STATE_DOWN : STATE_UP, msg);
	app_changed(a);
}

/* The alert rules of every node: [alerts] with the node's own thresholds. */
static void app_apply_rules(app_t *a, const settings_t *s)
{
	a->model.rules_cfg = s->alerts;
	for (size_t i = 0; i < a->model.nnodes; i++) {
		rules_cfg_t rc;
		const node_cfg_t *c = NULL;
		for (size_t j = 0; j < s->nnodes && !c; j++)
			if (strcmp(s->nodes[j].name, a->model.nodes[i].name) == 0)
				c = &s->nodes[j];
		settings_node_rules(s, c, &rc);
		model_set_node_rules(&a->model, i, &rc);
	}
}

/* SIGHUP: re-reads the config file. Unchanged nodes keep their history and
 * their poll schedule; a bad file keeps the old config running and says why. */
/* A failover group's settings come from its members: the longest failover_grace
 * and every standby_answers given. */
static void app_group_options(app_t *a, const node_cfg_t *nodes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!nodes[i].group)
			continue;
		int64_t grace = 0;
		unsigned bits = 0;
		for (size_t j = 0; j < n; j++) {
			if (!nodes[j].group || strcmp(nodes[j].group, nodes[i].group) != 0)
				continue;
			if (nodes[j].failover_grace_ms > grace)
				grace = nodes[j].failover_grace_ms;
			bits |= nodes[j].standby_answers;
		}
		model_group_options(&a->model, nodes[i].group, grace,
		                    ((bits & 1u) ? GROUP_STANDBY_502 : 0) | ((bits & 2u) ? GROUP_STANDBY_503 : 0));
	}
}

static void app_on_event(void *ud, const event_t *e);

/* [notify NAME] sections on a reload: hooks kept by name go on with their
 * queues and deliveries in flight (notify_reload says what happens to each). */
static void app_reload_notify(app_t *a, const settings_t *ns)
{
	if (a->notify) {
		notify_reload(a->notify, ns->notify, ns->nnotify);
		return;
	}
	if (ns->nnotify == 0)
		return;
	a->notify = notify_new(&a->loop, &a->model, ns->notify, ns->nnotify);
	if (!a->notify) {
		app_config_event(a, STATE_DEGRADED, "cannot set up notifications (libcurl's multi interface)");
		return;
	}
	a->model.events.on_event = app_on_event;
	a->model.events.ud = a;
}

static void app_reload(app_t *a)
{
	char err[512];
	const char *path = a->settings->path;
	settings_t ns;
	settings_init(&ns);
	if (settings_load_file(&ns, path, err, sizeof(err)) != 0 || (ns.nnodes == 0 && ns.nsources == 0)) {
		if (ns.nnodes == 0 && !err[0])
			snprintf(err, sizeof(err), "%s: no [node] section", path);
		else if (ns.nnodes == 0 && strstr(err, path) == NULL)
			snprintf(err, sizeof(err), "%s: no [node] section", path);
		char msg[600];
		snprintf(msg, sizeof(msg), "config not reloaded: %s", err);
		if (a->tui)
			tui_set_message(a->tui, msg);
		app_config_event(a, STATE_DOWN, msg);
		settings_free(&ns);
		app_changed(a);
		return;
	}
	const cli_t *cli = a->cli;
	for (size_t i = 0; i < ns.nnodes; i++)
		cli_apply_node(cli, &ns.nodes[i]);
	/* Drop from the model what is gone or changed... */
	size_t removed = 0, added = 0;
	for (size_t i = a->model.nnodes; i-- > 0;) {
		/* a source's node stays with what it has seen (its source goes on), unless a
		   polled node now has its name */
		bool keep = model_source_of(&a->model, i) != NULL;
		for (size_t j = 0; j < ns.nnodes && keep; j++)
			keep = strcmp(a->model.nodes[i].name, ns.nodes[j].name) != 0;
		for (size_t j = 0; j < ns.nnodes && !keep; j++)
			keep = app_node_same(&a->model.nodes[i], &ns.nodes[j]);
		if (!keep) {
			src_remove_node(&a->model, i);
			removed++;
		}
	}
	/* ...then append what is new, and give the poller the model's order. */
	size_t n = ns.nnodes;
	node_cfg_t *order = xcalloc(n ? n : 1, sizeof(*order));
	bool *used = xcalloc(n ? n : 1, sizeof(*used));
	size_t k = 0;
	for (size_t i = 0; i < a->model.nnodes; i++)
		for (size_t j = 0; j < n; j++)
			if (!used[j] && app_node_same(&a->model.nodes[i], &ns.nodes[j])) {
				a->model.nodes[i].interval_ms = ns.nodes[j].interval_ms;
				model_node_touch(&a->model, i);   /* its staleness depends on it */
				order[k++] = ns.nodes[j];
				used[j] = true;
				break;
			}
	for (size_t j = 0; j < n; j++) {
		if (used[j])
			continue;
		size_t idx = model_add_node(&a->model, ns.nodes[j].name, ns.nodes[j].url, ns.nodes[j].group,
		                            ns.nodes[j].interval_ms);
		src_move_node(&a->model, idx, k);   /* the polled nodes first, the sources' after them */
		order[k++] = ns.nodes[j];
		added++;
	}
	poller_set_nodes(a->poller, order, k);
	app_group_options(a, order, k);
	free(order);
	free(used);
	for (size_t i = 0; i < ns.nwarnings; i++)
		app_config_event(a, STATE_DEGRADED, ns.warnings[i]);
	app_apply_rules(a, &ns);
	app_reload_notify(a, &ns);

	/* The new settings replace the old; the old strings are no longer used. */
	settings_free(a->settings);
	*a->settings = ns;
	app_db_stop(a->db);               /* databases: probed anew from the new settings */
	model_db_clear(&a->model);
	a->db = app_db_new(&a->loop, &a->model, a->settings, app_on_probe, a);
	app_db_start(a->db, true);
	char msg[200];
	snprintf(msg, sizeof(msg), "config reloaded: %zu nodes (%zu added, %zu removed or changed)",
	         a->model.nnodes, added, removed);
	if (a->tui)
		tui_set_message(a->tui, msg);
	app_config_event(a, STATE_UP, msg);
	app_changed(a);
}

static void app_on_signal(uv_signal_t *h, int signum)
{
	app_t *a = h->data;
	if (signum == SIGPIPE)
		return;                  /* a closed pipe shows up as a write error instead */
	if (signum == SIGHUP && a->settings->path && a->poller &&
	    (a->cli->mode == CLI_DASHBOARD || a->cli->mode == CLI_EVENTS)) {
		app_reload(a);
		return;
	}
	a->exit_code = a->cli->mode == CLI_DASHBOARD ? 0 : 128 + signum;
	app_quit(a);
}

/* ---------------------------------------------------------------- one-shot modes */

static bool app_round_done(const app_t *a)
{
	if (!app_db_round_done(a->db))
		return false;
	for (size_t i = 0; i < a->model.nnodes && i < a->settings->nnodes; i++)   /* after them: a source's */
		if (poller_rounds(a->poller, i) < 1)
			return false;
	return app_rpc_round_done(a->rpc) && app_source_round_done(a->src);
}

static void app_report_once(app_t *a)
{
	int64_t now = clock_wall_ms();
	model_tick(&a->model, now);
	strbuf_t out = STRBUF_INIT;
	if (a->cli->mode == CLI_STATUS_LINE) {
		report_status_line(&out, &a->model, now, true);
		strbuf_putc(&out, '\n');
	} else if (a->cli->json) {
		report_json(&out, &a->model, now);
		strbuf_putc(&out, '\n');
	} else if (a->cli->summary) {
		report_summary(&out, &a->model, now, 20);
	} else {
		report_text(&out, &a->model, now);
	}
	fwrite(out.data ? out.data : "", 1, out.len, stdout);
	fflush(stdout);
	strbuf_free(&out);
	a->exit_code = (int)model_status(&a->model, now).severity;
}

static void app_on_deadline(uv_timer_t *t)
{
	app_t *a = t->data;
	app_report_once(a);
	app_quit(a);
}

/* ---------------------------------------------------------------- results */

static void app_on_result(void *ud, const probe_result_t *r)
{
	app_t *a = ud;
	if (a->quitting)
		return;
	/* How often /health is worth asking depends on what the model made of it. */
	model_next_t next = model_apply(&a->model, r);
	if (next.health_answered)
		poller_health_settled(a->poller, r->node, next.health_settled);
	if (next.ask_health)
		poller_poll_health(a->poller, r->node);
	app_changed(a);
	if ((a->cli->mode == CLI_ONCE || a->cli->mode == CLI_STATUS_LINE) && app_round_done(a)) {
		app_report_once(a);
		app_quit(a);
	}
}

/* A probe's result went into the model already ([rpc] endpoints through app_rpc.c,
 * [database] sections through app_db.c): redraw, and end a --once round that is done. */
static void app_on_probe(void *ud)
{
	app_t *a = ud;
	if (a->quitting)
		return;
	app_changed(a);
	if ((a->cli->mode == CLI_ONCE || a->cli->mode == CLI_STATUS_LINE) && app_round_done(a)) {
		app_report_once(a);
		app_quit(a);
	}
}

static void app_on_tick(uv_timer_t *t)
{
	app_t *a = t->data;
	model_tick(&a->model, clock_wall_ms());
	app_changed(a);
}

static void app_on_event(void *ud, const event_t *e)
{
	strbuf_t line = STRBUF_INIT;
	const app_t *a = ud;
	notify_event(a->notify, e);
	histwire_event(a->history, e);
	if (a->cli->mode != CLI_EVENTS)
		return;
	if (a->cli->json)
		report_event_json(&line, e);
	else
		report_event_line(&line, e);
	strbuf_putc(&line, '\n');
	if (fwrite(line.data, 1, line.len, stdout) != line.len || fflush(stdout) != 0) {
		/* stdout is gone (closed pipe): nothing left to do. */
		app_quit((app_t *)ud);
	}
	strbuf_free(&line);
}

/* The reader of our stdout pipe has gone (e.g. `nodetop --events | head -1`):
 * stop now rather than at the next event, which may be hours away. */
static void app_on_stdout_gone(uv_poll_t *h, int status, int events)
{
	app_t *a = h->data;
	if (status < 0 || (events & UV_DISCONNECT))
		app_quit(a);
}

static void app_watch_stdout(app_t *a)
{
	struct stat st;
	/* A pipe only: a socket's peer may shut down its own sending side and
	 * still read, as journald does with a unit's stdout (StandardOutput=journal);
	 * a socket reader that has gone shows as a failed write in app_on_event. */
	if (fstat(STDOUT_FILENO, &st) != 0 || !S_ISFIFO(st.st_mode))
		return;
	int flags = fcntl(STDOUT_FILENO, F_GETFL);
	if (uv_poll_init(&a->loop, &a->out_watch, STDOUT_FILENO) != 0)
		return;
	/* uv_poll_init made stdout non-blocking; writes must block for a slow reader. */
	if (flags >= 0)
		fcntl(STDOUT_FILENO, F_SETFL, flags);
	a->out_watch.data = a;
	a->out_watching = true;
	/* epoll reports EPOLLERR on a pipe's write end once the read end closes. */
	uv_poll_start(&a->out_watch, UV_DISCONNECT, app_on_stdout_gone);
}

/* ---------------------------------------------------------------- run */

static void app_signals_start(app_t *a)
{
	uv_signal_t *sigs[] = { &a->sig_int, &a->sig_term, &a->sig_hup, &a->sig_pipe };
	int nums[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	for (size_t i = 0; i < 4; i++) {
		uv_signal_init(&a->loop, sigs[i]);
		sigs[i]->data = a;
		uv_signal_start(sigs[i], app_on_signal, nums[i]);
	}
}

int app_run(settings_t *s, const cli_t *cli)
{
	app_t *a = xcalloc(1, sizeof(*a));
	a->cli = cli;
	a->settings = s;
	uv_loop_init(&a->loop);

	model_init(&a->model, &s->charts);
	if (s->head_stall_ms > 0)
		a->model.head_stall_ms = s->head_stall_ms;
	/* many nodes keep shorter charts: 1000 nodes under 200 MB once rings fill */
	model_fit_rings(&a->model, s->nnodes);
	for (size_t i = 0; i < s->nnodes; i++) {
		node_cfg_t *n = &s->nodes[i];
		/* a short budget for a status bar, unless --timeout asks for more */
		if (cli->mode == CLI_STATUS_LINE && !cli->timeout_ms && n->timeout_ms > APP_STATUS_LINE_TIMEOUT_MS)
			n->timeout_ms = APP_STATUS_LINE_TIMEOUT_MS;
		model_add_node(&a->model, n->name, n->url, n->group, n->interval_ms);
	}
	app_group_options(a, s->nodes, s->nnodes);
	app_apply_rules(a, s);
	for (size_t i = 0; cli->mode == CLI_STATUS_LINE && i < s->ndbs; i++)
		if (s->dbs[i].timeout_ms > APP_STATUS_LINE_TIMEOUT_MS)
			s->dbs[i].timeout_ms = APP_STATUS_LINE_TIMEOUT_MS;
	if (cli->mode == CLI_DASHBOARD || cli->mode == CLI_EVENTS)
		a->notify = notify_new(&a->loop, &a->model, s->notify, s->nnotify);
	if (s->nnotify > 0 && (cli->mode == CLI_DASHBOARD || cli->mode == CLI_EVENTS) && !a->notify)
		fprintf(stderr, "nodetop: cannot set up notifications (libcurl's multi interface)\n");
	if (!((cli->mode == CLI_ONCE || cli->mode == CLI_STATUS_LINE) && s->nnodes == 0))
		a->db = app_db_new(&a->loop, &a->model, s, app_on_probe, a);   /* before the history: its 7 d / 30 d */
	uint64_t hw0 = uv_hrtime();
	clock_t hc0 = clock();
	a->history = histwire_open(&a->loop, &a->model, s, cli,
	                           cli->mode == CLI_DASHBOARD || cli->mode == CLI_EVENTS, app_history_message, a);
	a->history_wall_ms = (double)(uv_hrtime() - hw0) / 1e6;
	a->history_cpu_ms = (double)(clock() - hc0) * 1000.0 / CLOCKS_PER_SEC;
	if (cli->mode == CLI_EVENTS || a->notify || a->history) {
		a->model.events.on_event = app_on_event;
		a->model.events.ud = a;
	}
	if (cli->mode == CLI_EVENTS)
		app_watch_stdout(a);

	app_signals_start(a);
	uv_timer_init(&a->loop, &a->tick);
	a->tick.data = a;
	uv_timer_init(&a->loop, &a->deadline);
	a->deadline.data = a;

	if ((cli->mode == CLI_ONCE || cli->mode == CLI_STATUS_LINE) && s->nnodes == 0 && s->nsources == 0) {
		/* Nothing to poll: the report says so and exits UNKNOWN. */
		app_report_once(a);
		app_quit(a);
	} else {
		a->poller = poller_new(&a->loop, s->nodes, s->nnodes, app_on_result, a);
		if (!a->poller) {
			fprintf(stderr, "nodetop: cannot initialise libcurl's multi interface\n");
			a->exit_code = 3;
			app_quit(a);
		}
	}
	if (!a->quitting && s->nrpc) {
		char err[300];
		app_rpc_mode_t rm = cli->mode == CLI_ONCE ? APP_RPC_ONCE : cli->mode == CLI_STATUS_LINE ? APP_RPC_QUICK
		                                                                                 : APP_RPC_LIVE;
		a->rpc = app_rpc_new(&a->loop, &a->model, s, rm, app_on_probe, a, err, sizeof err);
		if (err[0]) {
			fprintf(stderr, "nodetop: %s\n", err);
			a->exit_code = 3;
			app_quit(a);
		}
	}

	if (!a->quitting && s->nsources) {   /* a source's round ends like an [rpc] probe's: app_on_probe */
		char err[300];
		a->src = app_source_new(&a->loop, &a->model, s, cli->mode == CLI_ONCE || cli->mode == CLI_STATUS_LINE,
		                        app_on_probe, a, err, sizeof err);
		if (err[0]) {
			fprintf(stderr, "nodetop: %s\n", err);
			a->exit_code = 3;
			app_quit(a);
		}
	}

	if (!a->quitting) {
		if (cli->mode == CLI_ONCE || cli->mode == CLI_STATUS_LINE) {
			int64_t worst = 0;
			for (size_t i = 0; i < s->nnodes; i++) {
				int64_t t = s->nodes[i].timeout_ms + s->nodes[i].connect_timeout_ms;
				if (t > worst)
					worst = t;
			}
			app_rpc_mode_t rm = cli->mode == CLI_ONCE ? APP_RPC_ONCE : APP_RPC_QUICK;
			if (a->rpc && app_rpc_once_budget_ms(s, rm) > worst)
				worst = app_rpc_once_budget_ms(s, rm);
			if (app_db_worst_timeout_ms(s) > worst)
				worst = app_db_worst_timeout_ms(s);
			if (app_source_once_budget_ms(s) > worst)
				worst = app_source_once_budget_ms(s);
			/* Every request ends by its own timeout; this is a backstop for the report. */
			uv_timer_start(&a->deadline, app_on_deadline, (uint64_t)worst + 1500, 0);
			poller_start(a->poller, false);
			app_db_start(a->db, false);
		} else {
			poller_start(a->poller, true);
			app_db_start(a->db, true);
			uv_timer_start(&a->tick, app_on_tick, APP_TICK_MS, APP_TICK_MS);
		}
		if (cli->mode == CLI_DASHBOARD) {
			tui_opts_t to;
			memset(&to, 0, sizeof(to));
			to.ascii = cli->ascii;
			to.no_color = cli->no_color || (getenv("NO_COLOR") && getenv("NO_COLOR")[0]);
			to.no_mouse = cli->no_mouse;
			to.kiosk = cli->kiosk || s->kiosk;
			to.kiosk_page_ms = s->kiosk_page_ms;
			to.bell = s->bell;
			to.title = s->title;
			a->tui = tui_new(&a->loop, &a->model, &to, app_on_tui_quit, a);
			if (!a->tui) {
				a->exit_code = 1;
				app_quit(a);
			}
		}
	}

	uv_run(&a->loop, UV_RUN_DEFAULT);
	/* Anything still open (there should be nothing) is closed before the loop goes. */
	uv_walk(&a->loop, app_close_walk, NULL);
	uv_run(&a->loop, UV_RUN_DEFAULT);
	int rc = uv_loop_close(&a->loop);
	if (rc != 0)
		fprintf(stderr, "nodetop: internal error: the event loop still had handles at exit (%s)\n",
		        uv_strerror(rc));

	if (a->tui)
		tui_free(a->tui);
	if (a->poller)
		poller_free(a->poller);
	app_rpc_free(a->rpc);
	app_source_free(a->src);
	notify_free(a->notify);
	histwire_close(a->history);
	model_free(&a->model);
	int code = a->exit_code;
	free(a);
	return code;
}
