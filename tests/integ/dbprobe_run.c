/* dbprobe_run.c - test driver for the PostgreSQL probe: runs dbprobe on a uv
 * loop against the database given on the command line, prints results as JSON.
 *
 * Usage: dbprobe_run [--host H] [--port P] [--dbname D] [--user U]
 *          [--password-file F] [--sslmode M] [--sslrootcert F] [--timeout MS]
 *          [--name N] [--count N] [--interval MS] [--tick MS]
 *          [--cancel-after-ticks K] [--cpu] [--stdin] [--fresh]
 * One JSON object per probe on stdout: dbinfo_to_json's fields plus "ticks",
 * how often a second timer (--tick, default 5 ms) fired while the probe was in
 * flight: the loop kept running. --cancel-after-ticks K drops the probe once K
 * ticks passed during it and prints {"cancelled": true, "ticks": K, "busy": ...}.
 * --cpu adds a last line {"probes", "cpu_us_per_probe"} (getrusage, user+sys).
 * --fresh: a new connection for every probe (dbprobe_conf_t.fresh_connection).
 * --stdin: one probe per line read from stdin (the same dbprobe, so a kept
 * connection carries over), until end of input; --count is ignored.
 * Exit status: 0, 2 on bad usage, 3 when the loop does not close cleanly. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <cJSON.h>
#include <uv.h>

#include "dbinfo.h"
#include "dbprobe.h"

typedef struct run {
	uv_loop_t loop;
	uv_timer_t tick, next;
	uv_pipe_t in;
	bool use_stdin, in_eof;
	long pending;         /* --stdin: lines not yet probed */
	dbprobe_t *probe;
	const char *name;
	long count, done, interval_ms, cancel_after;
	long ticks;           /* during the probe in flight */
	bool in_flight;
} run_t;

static void run_start_next(run_t *r);
static void run_next_due(uv_timer_t *t);

static void run_finish(run_t *r)
{
	uv_timer_stop(&r->tick);
	uv_close((uv_handle_t *)&r->tick, NULL);
	uv_close((uv_handle_t *)&r->next, NULL);
	if (r->use_stdin)
		uv_close((uv_handle_t *)&r->in, NULL);
	dbprobe_close(r->probe);
	r->probe = NULL;
}

static void run_done(dbprobe_t *p, const db_probe_result_t *res, void *ud)
{
	run_t *r = ud;
	(void)p;
	r->in_flight = false;
	cJSON *o = dbinfo_to_json(r->name, res);
	cJSON_AddNumberToObject(o, "ticks", (double)r->ticks);
	char *s = cJSON_PrintUnformatted(o);
	printf("%s\n", s);
	fflush(stdout);
	cJSON_free(s);
	cJSON_Delete(o);
	++r->done;
	if (r->use_stdin) {
		if (r->pending > 0) {
			r->pending--;
			run_start_next(r);
		} else if (r->in_eof) {
			run_finish(r);
		}
	} else if (r->done >= r->count)
		run_finish(r);
	else if (r->interval_ms > 0)
		uv_timer_start(&r->next, run_next_due, (uint64_t)r->interval_ms, 0);
	else
		run_start_next(r);
}

static void run_start_next(run_t *r)
{
	r->ticks = 0;
	r->in_flight = true;
	if (dbprobe_start(r->probe) != 0) {
		fprintf(stderr, "dbprobe_run: dbprobe_start refused\n");
		exit(3);
	}
}

static void run_next_due(uv_timer_t *t)
{
	run_start_next(t->data);
}

static void run_tick(uv_timer_t *t)
{
	run_t *r = t->data;
	if (!r->in_flight)
		return;
	r->ticks++;
	if (r->cancel_after > 0 && r->ticks >= r->cancel_after) {
		bool busy = dbprobe_busy(r->probe);
		dbprobe_cancel(r->probe);
		r->in_flight = false;
		printf("{\"cancelled\": true, \"ticks\": %ld, \"busy\": %s}\n", r->ticks, busy ? "true" : "false");
		fflush(stdout);
		run_finish(r);
	}
}

static void run_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	static char mem[256];
	(void)h;
	(void)hint;
	*buf = uv_buf_init(mem, sizeof mem);
}

static void run_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	run_t *r = s->data;
	if (n < 0) {
		uv_read_stop(s);
		r->in_eof = true;
		if (!r->in_flight && r->probe)
			run_finish(r);
		return;
	}
	for (ssize_t i = 0; i < n; i++)
		if (buf->base[i] == '\n')
			r->pending++;
	if (!r->in_flight && r->pending > 0) {
		r->pending--;
		run_start_next(r);
	}
}

static long run_num(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end || v < 0) {
		fprintf(stderr, "dbprobe_run: not a number: %s\n", s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	dbprobe_conf_t c;
	run_t r;
	long tick_ms = 5;
	bool cpu = false;

	memset(&c, 0, sizeof c);
	memset(&r, 0, sizeof r);
	r.count = 1;
	r.name = "db";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--cpu") == 0) {
			cpu = true;
			continue;
		}
		if (strcmp(a, "--fresh") == 0) {
			c.fresh_connection = true;
			continue;
		}
		if (strcmp(a, "--stdin") == 0) {
			r.use_stdin = true;
			continue;
		}
		if (!v) {
			fprintf(stderr, "dbprobe_run: %s needs a value\n", a);
			return 2;
		}
		i++;
		if (strcmp(a, "--host") == 0) c.host = v;
		else if (strcmp(a, "--port") == 0) c.port = v;
		else if (strcmp(a, "--dbname") == 0) c.dbname = v;
		else if (strcmp(a, "--user") == 0) c.user = v;
		else if (strcmp(a, "--password-file") == 0) c.password_file = v;
		else if (strcmp(a, "--sslmode") == 0) c.sslmode = v;
		else if (strcmp(a, "--sslrootcert") == 0) c.sslrootcert = v;
		else if (strcmp(a, "--timeout") == 0) c.timeout_ms = (unsigned)run_num(v);
		else if (strcmp(a, "--name") == 0) r.name = v;
		else if (strcmp(a, "--count") == 0) r.count = run_num(v);
		else if (strcmp(a, "--interval") == 0) r.interval_ms = run_num(v);
		else if (strcmp(a, "--tick") == 0) tick_ms = run_num(v);
		else if (strcmp(a, "--cancel-after-ticks") == 0) r.cancel_after = run_num(v);
		else {
			fprintf(stderr, "dbprobe_run: unknown option %s\n", a);
			return 2;
		}
	}
	if (r.count < 1 || tick_ms < 1)
		return 2;
	c.name = r.name;

	struct rusage ru0, ru1;
	getrusage(RUSAGE_SELF, &ru0);

	uv_loop_init(&r.loop);
	uv_timer_init(&r.loop, &r.tick);
	uv_timer_init(&r.loop, &r.next);
	r.tick.data = &r;
	r.next.data = &r;
	uv_timer_start(&r.tick, run_tick, (uint64_t)tick_ms, (uint64_t)tick_ms);
	r.probe = dbprobe_new(&r.loop, &c, run_done, &r);
	if (r.use_stdin) {
		uv_pipe_init(&r.loop, &r.in, 0);
		r.in.data = &r;
		if (uv_pipe_open(&r.in, 0) != 0 || uv_read_start((uv_stream_t *)&r.in, run_alloc, run_read) != 0) {
			fprintf(stderr, "dbprobe_run: cannot read stdin\n");
			return 2;
		}
	} else {
		run_start_next(&r);
	}
	uv_run(&r.loop, UV_RUN_DEFAULT);

	getrusage(RUSAGE_SELF, &ru1);
	if (cpu) {
		double us = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) * 1e6 +
		            (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) +
		            (double)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) * 1e6 +
		            (double)(ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec);
		printf("{\"probes\": %ld, \"cpu_us_per_probe\": %.1f}\n", r.done, us / (double)(r.done ? r.done : 1));
	}
	if (uv_loop_close(&r.loop) != 0) {
		fprintf(stderr, "dbprobe_run: handles left open on the loop\n");
		return 3;
	}
	return 0;
}
