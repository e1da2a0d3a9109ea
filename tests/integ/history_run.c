/* history_run.c - the crash test's driver: `write FILE N` records N nodes x 3
 * indicators in a loop (a write transaction per simulated 5 s) until killed;
 * `check FILE` reopens the file as a restarted nodetop would and reports. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "history.h"

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *const indicators[] = { "node", "db", "rpc:1" };

static int do_write(const char *path, int nodes)
{
	history_opts_t o = { .path = path, .flush_ms = 5000, .compact_ms = 60000 };
	int64_t now = wall_ms();
	history_t *h = history_open(&o, now);
	if (history_error(h)) {
		fprintf(stderr, "%s\n", history_error(h));
		return 1;
	}
	int *ids = malloc(sizeof *ids * (size_t)nodes * 3);
	char name[32];
	for (int n = 0; n < nodes; n++) {
		snprintf(name, sizeof name, "node-%04d", n);
		for (int k = 0; k < 3; k++)
			ids[n * 3 + k] = history_series(h, name, indicators[k]);
	}
	unsigned x = (unsigned)now;
	for (long round = 0;; round++) {
		now += 5000;                      /* a simulated poll every 5 s: every round writes */
		for (int i = 0; i < nodes * 3; i++) {
			x = x * 1103515245u + 12345u;
			hstate_t s = (x >> 16) % 50 == 0 ? HS_DOWN : (x >> 16) % 50 == 1 ? HS_UNKNOWN : HS_UP;
			history_observe(h, ids[i], now, s);
			if (s == HS_DOWN) {
				event_t e;
				memset(&e, 0, sizeof e);
				e.ts_ms = now;
				e.kind = EVENT_NODE;
				e.from = STATE_UP;
				e.to = STATE_DOWN;
				snprintf(e.node, sizeof e.node, "node-%04d", i / 3);
				snprintf(e.detail, sizeof e.detail, "round %ld", round);
				history_add_event(h, &e);
			}
			if (i % 3 == 0)
				history_add_point(h, "chart", "head", now, (double)round);
		}
		if (history_tick(h, now)) {
			printf("flush %ld\n", round);
			fflush(stdout);
		} else if (history_error(h)) {
			fprintf(stderr, "%s\n", history_error(h));
			return 1;
		}
	}
}

static void count_series(void *ud, const char *name, const char *indicator)
{
	(*(int *)ud)++;
}

static int do_check(const char *path)
{
	history_opts_t o = { .path = path };
	int64_t now = wall_ms() + 400LL * 86400000;     /* far enough for anything written so far */
	history_t *h = history_open(&o, wall_ms());
	if (history_error(h) || history_notice(h)) {
		printf("not ok: %s\n", history_error(h) ? history_error(h) : history_notice(h));
		history_close(h, wall_ms());
		return 1;
	}
	int n = 0;
	double pct = -1;
	history_each_series(h, count_series, &n);
	bool known = history_availability(h, "node-0000", "node", now, 500LL * 86400000, &pct);
	printf("ok series=%d availability=%s%.2f\n", n, known ? "" : "none:", pct);
	history_close(h, wall_ms());
	return known ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "write") == 0)
		return do_write(argv[2], atoi(argv[3]));
	if (argc == 3 && strcmp(argv[1], "check") == 0)
		return do_check(argv[2]);
	fprintf(stderr, "usage: history_run write FILE NODES | check FILE\n");
	return 2;
}
