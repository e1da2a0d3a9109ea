/* history-bench.c - figures for the history store: CPU per poll round at N
 * nodes x 3 indicators, file growth, start-up load and SLA report time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "history.h"

#define DAY_MS 86400000LL

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static long long file_bytes(const char *path)
{
	char p[1024];
	struct stat sb;
	long long total = 0;
	const char *suffix[] = { "", "-wal" };
	for (int i = 0; i < 2; i++) {
		snprintf(p, sizeof p, "%s%s", path, suffix[i]);
		if (stat(p, &sb) == 0)
			total += sb.st_size;
	}
	return total;
}

static const char *const ind[] = { "node", "db", "rpc:1" };

/* Records nodes x 3 series from t0 for days, a poll every poll_ms; returns CPU seconds. */
static double record(const char *path, int nodes, int64_t t0, double days, int64_t poll_ms, int64_t flush_ms,
                     int charts, int64_t *end)
{
	history_opts_t o = { .path = path, .flush_ms = flush_ms, .max_gap_ms = poll_ms + 1,
	                     .compact_ms = charts ? 600000 : 6 * 3600000LL };
	history_t *h = history_open(&o, t0);
	if (history_error(h)) {
		fprintf(stderr, "%s\n", history_error(h));
		exit(1);
	}
	int n = nodes * 3;
	int *ids = malloc(sizeof *ids * (size_t)n);
	char name[32];
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof name, "node-%04d", i / 3);
		ids[i] = history_series(h, name, ind[i % 3]);
	}
	int *down_until = calloc((size_t)n, sizeof *down_until);
	unsigned x = 42;
	double c0 = cpu_s();
	int64_t t = t0, stop = t0 + (int64_t)(days * DAY_MS);
	long rounds = 0;
	for (; t < stop; t += poll_ms, rounds++) {
		for (int i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			if (!down_until[i] && (x >> 8) % 20000 == 0)   /* about one outage per series per day at 5 s */
				down_until[i] = (int)(rounds + 1 + (x >> 20) % 60);
			if (down_until[i] && rounds >= down_until[i])
				down_until[i] = 0;
			history_observe(h, ids[i], t, down_until[i] ? HS_DOWN : HS_UP);
		}
		for (int i = 0; i < nodes * charts; i++) {
			static const char *const chart[] = { "head:1", "heads:1", "rpc_alive:1", "db_open", "db_used",
			                                     "db_waits", "unconfirmed", "errors", "rss", "goroutines" };
			snprintf(name, sizeof name, "node-%04d", i / charts);
			history_add_point(h, name, chart[i % charts % 10], t, (double)(rounds + i));
		}
		history_tick(h, t);
	}
	history_close(h, t);
	*end = t;
	free(ids);
	free(down_until);
	return cpu_s() - c0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: history-bench DIR NODES [NODES_FOR_400_DAYS [cpu-only]]\n"
		                "       history-bench DIR NODES --gen-now\n");
		return 2;
	}
	const char *dir = argv[1];
	int nodes = atoi(argv[2]);
	char path[900];
	int64_t t0 = 1767225600000LL, end;        /* 2026-01-01T00:00Z */

	/* --gen-now: only write DIR/now30.db, 30 days of history ending now (wall
	 * clock), for bench/history-startup.sh to load with the real binary */
	if (argc > 3 && strcmp(argv[3], "--gen-now") == 0) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
		snprintf(path, sizeof path, "%s/now30.db", dir);
		unlink(path);
		double wall = wall_s();
		record(path, nodes, now - 30 * DAY_MS, 30, 300000, 3600000, 0, &end);
		printf("generated %s: %d nodes x 3 indicators, 30 days to now, %.1f MB in %.0f s\n", path, nodes,
		       file_bytes(path) / 1e6, wall_s() - wall);
		return 0;
	}

	/* 1. CPU at the real cadence: a poll every 5 s, a write every 5 s, for 2 simulated hours */
	snprintf(path, sizeof path, "%s/cpu.db", dir);
	unlink(path);
	double cpu = record(path, nodes, t0, 2.0 / 24, 5000, 5000, 0, &end);
	printf("cpu: %d nodes x 3 indicators, poll and flush every 5 s: %.3f s CPU for 2 h = %.3f %% of a core\n",
	       nodes, cpu, 100.0 * cpu / 7200.0);
	printf("size after 2 h: %.1f MB\n", file_bytes(path) / 1e6);
	snprintf(path, sizeof path, "%s/charts.db", dir);
	unlink(path);
	cpu = record(path, nodes, t0, 1.0 / 24, 5000, 5000, 10, &end);
	printf("with 10 charted points per node every 5 s (240 kept per chart): %.3f s CPU for 1 h = %.3f %% of a core,"
	       " %.1f MB\n", cpu, 100.0 * cpu / 3600.0, file_bytes(path) / 1e6);
	if (argc > 4)
		return 0;

	/* 2. growth: a year and a month (a poll every 5 min; the buckets are the same,
	 * retention bounds the file) */
	snprintf(path, sizeof path, "%s/year.db", dir);
	double wall = wall_s();
	struct stat fst;
	if (stat(path, &fst) == 0)             /* kept from an earlier run: measure the loads only */
		end = t0 + 30 * DAY_MS;
	else
		record(path, nodes, t0, 30, 300000, 3600000, 0, &end);
	long long size30 = file_bytes(path);
	printf("size after 30 days: %.1f MB (built in %.0f s)\n", size30 / 1e6, wall_s() - wall);

	/* 3. start-up: 7 d and 30 d availability of every series */
	history_opts_t o = { .path = path };
	wall = wall_s();
	double c0 = cpu_s();
	history_t *h = history_open(&o, end);
	char name[32];
	int known = 0;
	const int64_t win[2] = { 7 * DAY_MS, 30 * DAY_MS };
	for (int i = 0; i < nodes * 3; i++) {
		double pct[2];
		bool k[2];
		snprintf(name, sizeof name, "node-%04d", i / 3);
		history_uptime(h, name, ind[i % 3], end, win, 2, pct, k);
		known += k[0] + k[1];
	}
	printf("start-up load (open + 7 d and 30 d for %d series): %.3f s wall, %.3f s CPU (%d figures)\n", nodes * 3,
	       wall_s() - wall, cpu_s() - c0, known);
	wall = wall_s();
	c0 = cpu_s();

	/* 4. the SLA report over 30 days */
	sla_input_t in;
	sla_input_init(&in, end - 30 * DAY_MS, end);
	history_load_report(h, end - 30 * DAY_MS, end, &in);
	sla_report_t r;
	sla_build(&in, SLA_DAY, &r);
	strbuf_t sb = STRBUF_INIT;
	sla_write_json(&r, &sb);
	printf("report --since 30d --json for %zu series: %.3f s wall, %.3f s CPU (%zu bytes, %zu incidents)\n",
	       in.nseries, wall_s() - wall, cpu_s() - c0, sb.len, r.nincidents);
	strbuf_free(&sb);
	sla_report_free(&r);
	sla_input_free(&in);
	history_close(h, end);

	/* 5. the steady state: 400 days (retention bounds the file from then on), with
	 * fewer nodes to keep the run short; the size is proportional to the series */
	int ynodes = argc > 3 ? atoi(argv[3]) : nodes / 10;
	if (ynodes <= 0)
		return 0;
	snprintf(path, sizeof path, "%s/steady.db", dir);
	wall = wall_s();
	record(path, ynodes, t0, 400, 300000, 3600000, 0, &end);
	long long size400 = file_bytes(path);
	printf("size after 400 days of %d nodes (steady state): %.2f MB = %.1f MB per 1000 nodes (built in %.0f s)\n",
	       ynodes, size400 / 1e6, size400 / 1e6 * 1000.0 / ynodes, wall_s() - wall);
	return 0;
}
