/* test_history.c - unit tests of the history store on temp files: schema and
 * migrations, batched flushes, restarts, two writers, roll-up, faults, SLA report. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "history.h"
#include "strbuf.h"

#define SEC 1000LL
#define MIN 60000LL
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)
/* 2026-11-24T10:00:00Z */
#define T0 1795514400000LL

static char tmpdir[256];
static char dbpath[512];

static int setup(void **state)
{
	snprintf(tmpdir, sizeof tmpdir, "%s/nodetop-hist.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(dbpath, sizeof dbpath, "%s/state/nodetop/history.db", tmpdir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", tmpdir, tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static history_t *open_at(int64_t now)
{
	history_opts_t o = { .path = dbpath, .flush_ms = 5000 };
	history_t *h = history_open(&o, now);
	assert_non_null(h);
	return h;
}

/* A query on a connection of the test's own; the integer in the first column. */
static int64_t sql_int(const char *sql)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	int64_t v = -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void sql_exec(const char *path, const char *sql)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static bucket_t sum_hours(history_t *h, const char *name, const char *ind, int64_t from, int n)
{
	bucket_t b[64], sum = { { 0 }, 0, 0 };
	assert_true(n <= 64);
	assert_int_equal(history_load_buckets(h, name, ind, BUCKET_HOUR, buckets_index(BUCKET_HOUR, from), n, b), 0);
	for (int i = 0; i < n; i++)
		buckets_add(&sum, &b[i]);
	return sum;
}

/* Observes st every 5 s over [t0, t1), ticking as a poller would. */
static void run(history_t *h, int s, int64_t t0, int64_t t1, hstate_t st)
{
	for (int64_t t = t0; t < t1; t += 5 * SEC) {
		history_observe(h, s, t, st);
		history_tick(h, t);
	}
}

static void test_schema_and_permissions(void **state)
{
	history_t *h = open_at(T0);
	assert_null(history_error(h));
	assert_null(history_notice(h));
	struct stat sb;
	assert_int_equal(stat(dbpath, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	char dir[600];
	snprintf(dir, sizeof dir, "%s/state/nodetop", tmpdir);
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	assert_int_equal(sql_int("SELECT version FROM schema_version"), 2);
	assert_int_equal(sql_int("PRAGMA application_id"), 0x4E445450);
	assert_int_equal(sql_int("SELECT count(*) FROM sqlite_master WHERE name IN ('series','buckets','events','points')"), 4);
	history_close(h, T0);
	/* WAL: the reading connection sees the mode the writer set */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void test_default_path(void **state)
{
	char buf[256], *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	setenv("HOME", "/home/op", 1);
	setenv("XDG_STATE_HOME", "/var/lib/op-state", 1);
	assert_true(history_default_path(buf, sizeof buf));
	assert_string_equal(buf, "/var/lib/op-state/nodetop/history.db");
	setenv("XDG_STATE_HOME", "relative/ignored", 1);
	assert_true(history_default_path(buf, sizeof buf));
	assert_string_equal(buf, "/home/op/.local/state/nodetop/history.db");
	unsetenv("XDG_STATE_HOME");
	assert_true(history_default_path(buf, sizeof buf));
	assert_string_equal(buf, "/home/op/.local/state/nodetop/history.db");
	assert_false(history_default_path(buf, 10));      /* does not fit: no cut-off path */
	assert_string_equal(buf, "");
	unsetenv("HOME");
	assert_false(history_default_path(buf, sizeof buf));
	/* no path at all: said once, recording goes on harmlessly, nothing written */
	history_opts_t o = { .path = buf };
	history_t *h = history_open(&o, 0);
	assert_non_null(history_error(h));
	history_observe(h, history_series(h, "n", "node"), 1000, HS_UP);
	assert_false(history_tick(h, 60000));
	assert_int_equal(history_flush(h, 60000), -1);
	history_close(h, 60000);
	if (home)
		setenv("HOME", home, 1);
	free(home);
}

static void test_migration(void **state)
{
	/* a version-0 file (only the version table) is brought up to date, data tables created */
	char dir[600];
	snprintf(dir, sizeof dir, "%s/state", tmpdir);
	mkdir(dir, 0700);
	snprintf(dir, sizeof dir, "%s/state/nodetop", tmpdir);
	mkdir(dir, 0700);
	sql_exec(dbpath, "PRAGMA application_id = 1313100880; CREATE TABLE schema_version(version INTEGER NOT NULL);"
	                 "INSERT INTO schema_version VALUES(0);");
	history_t *h = open_at(T0);
	assert_null(history_error(h));
	assert_null(history_notice(h));
	int s = history_series(h, "a", "node");
	run(h, s, T0, T0 + 10 * MIN, HS_UP);
	history_close(h, T0 + 10 * MIN);
	assert_int_equal(sql_int("SELECT version FROM schema_version"), 2);
	assert_int_equal(sql_int("SELECT count(*) FROM series"), 1);

	/* a schema-1 file: its rows (format 1, no spans) stay and read as watched from each
	 * minute's start; a new writer's later part of the minute is added, not merged away */
	char sql[512];
	int64_t m = buckets_index(BUCKET_MINUTE, T0 + 3 * HOUR);
	snprintf(sql, sizeof sql, "UPDATE schema_version SET version = 1;"
	         " INSERT INTO series(kind, name, indicator) VALUES(0, 'old', 'node');"
	         " INSERT INTO buckets VALUES((SELECT id FROM series WHERE name = 'old'), 0, %lld, 7,"
	         " X'010102a09c013b00');",                  /* minute 0 of the hour: 20 s up; 59 empty */
	         (long long)buckets_chunk_of(BUCKET_MINUTE, m));
	sql_exec(dbpath, sql);
	h = open_at(T0 + 3 * HOUR + 30 * SEC);
	assert_null(history_error(h));
	assert_null(history_notice(h));
	assert_int_equal(sql_int("SELECT version FROM schema_version"), 2);
	bucket_t old;
	assert_int_equal(history_load_buckets(h, "old", "node", BUCKET_MINUTE, m, 1, &old), 0);
	assert_int_equal(old.ms[HS_UP], 20 * SEC);
	assert_int_equal(old.last, 20 * SEC);
	s = history_series(h, "old", "node");
	history_observe(h, s, T0 + 3 * HOUR + 30 * SEC, HS_DOWN);
	history_flush(h, T0 + 3 * HOUR + MIN);
	assert_int_equal(history_load_buckets(h, "old", "node", BUCKET_MINUTE, m, 1, &old), 0);
	assert_int_equal(old.ms[HS_UP], 20 * SEC);
	assert_int_equal(old.ms[HS_DOWN], 30 * SEC);
	history_close(h, T0 + 3 * HOUR + MIN);
	assert_int_equal(sql_int("SELECT version FROM schema_version"), 2);

	/* a file from a newer nodetop is left alone: not moved, not written */
	sql_exec(dbpath, "UPDATE schema_version SET version = 99");
	h = open_at(T0 + HOUR);
	assert_non_null(history_error(h));
	assert_non_null(strstr(history_error(h), "newer"));
	s = history_series(h, "b", "node");
	run(h, s, T0 + HOUR, T0 + HOUR + MIN, HS_UP);
	assert_false(history_tick(h, T0 + 2 * HOUR));
	history_close(h, T0 + 2 * HOUR);
	assert_int_equal(sql_int("SELECT count(*) FROM series"), 2);
	assert_int_equal(sql_int("SELECT version FROM schema_version"), 99);
}

static void test_flush_is_batched(void **state)
{
	history_t *h = open_at(T0);
	int s = history_series(h, "node-1", "node");
	int writes = 0;
	/* a poll every 250 ms for one minute: one write per 5 s at most */
	for (int64_t t = T0; t <= T0 + MIN; t += 250) {
		history_observe(h, s, t, HS_UP);
		writes += history_tick(h, t);
		if (t == T0 + 4 * SEC)
			assert_int_equal(sql_int("SELECT count(*) FROM buckets"), 0);    /* nothing yet */
	}
	assert_int_equal(writes, 12);
	assert_int_equal(sql_int("SELECT count(*) FROM buckets"), 1);          /* one row: this hour of this writer */
	/* a large fleet's pace: one write per 30 s */
	history_set_flush_ms(h, 30 * SEC);
	writes = 0;
	for (int64_t t = T0 + MIN + 250; t <= T0 + 3 * MIN; t += 250) {
		history_observe(h, s, t, HS_UP);
		writes += history_tick(h, t);
	}
	assert_int_equal(writes, 4);
	history_close(h, T0 + 3 * MIN);
}

/* The minutes this process keeps until they are written are stored compactly (a byte for
 * a minute wholly in one state): what reaches the file is what the plain buckets hold,
 * minute by minute, through long steady stretches, a minute with many changes, a quarter
 * hour of changes every 20 s, and the turn of an hour. */
static void test_pending_minutes_exact(void **state)
{
	history_t *h = open_at(T0);
	int s = history_series(h, "node-1", "node");
	enum { NMIN = 80 };
	bucket_t want[NMIN];
	memset(want, 0, sizeof want);
	int64_t start = T0 + 25 * MIN + 13 * SEC, end = start + 75 * MIN;   /* from hh:25:13 past the next hour */
	int64_t prev = 0;
	hstate_t cur = HS_UP;
	int64_t first_min = buckets_index(BUCKET_MINUTE, start);
	for (int64_t t = start; t < end; t += 5 * SEC) {
		int64_t k = (t - start) / (5 * SEC);
		hstate_t st;
		if (t < start + 10 * MIN)
			st = HS_UP;                                        /* steady */
		else if (t < start + 11 * MIN)
			st = (hstate_t)(1 + k % 5);                       /* a change every 5 s for a minute */
		else if (t < start + 26 * MIN)
			st = (k / 4) % 2 ? HS_DEGRADED : HS_DOWN;         /* every 20 s for a quarter hour */
		else if (t < start + 60 * MIN)
			st = HS_STANDBY;                                   /* steady, across the hour */
		else
			st = (k / 30) % 2 ? HS_UNKNOWN : HS_UP;            /* every 2.5 min */
		history_observe(h, s, t, st);
		if (prev)   /* the reference: the time since the last look in the state then */
			for (int64_t m = buckets_index(BUCKET_MINUTE, prev); m <= buckets_index(BUCKET_MINUTE, t - 1); m++)
				buckets_accrue(&want[m - first_min], buckets_start_ms(BUCKET_MINUTE, m), BUCKETS_MINUTE_MS, prev,
				               t, cur);
		prev = t;
		cur = st;
		history_tick(h, t);
	}
	int64_t last = end - 5 * SEC;
	assert_int_equal(history_flush(h, last), 0);
	bucket_t got[NMIN];
	assert_int_equal(history_load_buckets(h, "node-1", "node", BUCKET_MINUTE, first_min, NMIN, got), 0);
	int detailed = 0;
	for (int i = 0; i < NMIN; i++) {
		for (int k = 0; k < HS__COUNT; k++)
			assert_int_equal(got[i].ms[k], want[i].ms[k]);
		if (buckets_seen_ms(&want[i])) {
			assert_int_equal(got[i].first, want[i].first);
			assert_int_equal(got[i].last, want[i].last);
		}
		int whole = 0;
		for (int k = 0; k < HS__COUNT; k++)
			whole += want[i].ms[k] == (uint32_t)MIN;
		detailed += buckets_seen_ms(&want[i]) && !whole;
	}
	assert_true(detailed > 20);   /* the quarter hour of changes, and more, were detailed minutes */
	assert_true(buckets_seen_ms(&want[0]) > 0 && buckets_seen_ms(&want[0]) < (uint64_t)MIN);   /* a partial first */
	history_close(h, last);
}

static void test_restart_and_not_watched(void **state)
{
	/* first run 10:00-10:20 up, 10:20-10:30 down; nodetop off 10:30-11:00; second run 11:00-11:30 up */
	history_t *h = open_at(T0);
	int s = history_series(h, "primary", "node");
	run(h, s, T0, T0 + 20 * MIN, HS_UP);
	run(h, s, T0 + 20 * MIN, T0 + 30 * MIN, HS_DOWN);
	history_close(h, T0 + 30 * MIN);

	h = open_at(T0 + HOUR);
	s = history_series(h, "primary", "node");
	run(h, s, T0 + HOUR, T0 + HOUR + 30 * MIN, HS_UP);
	history_flush(h, T0 + HOUR + 30 * MIN);

	bucket_t b = sum_hours(h, "primary", "node", T0, 1);
	assert_int_equal(b.ms[HS_UP], 20 * MIN);
	assert_int_equal(b.ms[HS_DOWN], 10 * MIN);
	assert_int_equal(buckets_not_watched_ms(&b, HOUR), 30 * MIN);
	assert_int_equal(buckets_worst(&b), HS_DOWN);
	/* the minutes while nodetop was off read as not watched, never as up or down */
	bucket_t m[90];
	assert_int_equal(history_load_buckets(h, "primary", "node", BUCKET_MINUTE, T0 / MIN, 90, m), 0);
	assert_int_equal(buckets_worst(&m[5]), HS_UP);
	assert_int_equal(buckets_worst(&m[25]), HS_DOWN);
	for (int i = 30; i < 60; i++)
		assert_int_equal(buckets_worst(&m[i]), HS_NOT_WATCHED);
	assert_int_equal(buckets_worst(&m[60]), HS_UP);
	double pct = -1;
	assert_true(history_availability(h, "primary", "node", T0 + HOUR + 30 * MIN, 7 * DAY, &pct));
	assert_float_equal(pct, 100.0 * 50 / 60, 1e-9);
	/* nothing of an unknown name: no figure (null), not 0 % */
	assert_false(history_availability(h, "nobody", "node", T0 + HOUR, 7 * DAY, &pct));
	/* a restore's one read gives the same minutes and figures as the two reads */
	const int64_t win[2] = { HOUR, 7 * DAY };
	double p2[2] = { -1, -1 }, p1[2] = { -2, -2 };
	bool k2[2], k1[2];
	bucket_t r[90];
	assert_int_equal(history_restore(h, "primary", "node", T0 + HOUR + 30 * MIN, T0 / MIN, 90, r, win, 2, p2, k2), 0);
	assert_int_equal(history_uptime(h, "primary", "node", T0 + HOUR + 30 * MIN, win, 2, p1, k1), 0);
	assert_memory_equal(r, m, sizeof m);
	for (int w = 0; w < 2; w++) {
		assert_true(k1[w] && k2[w]);
		assert_float_equal(p1[w], p2[w], 1e-12);
	}
	assert_float_equal(p2[0], 100.0 * 50 / 60, 1e-9);  /* by whole hours: T0 and T0 + 1 h */
	assert_int_equal(history_restore(h, "nobody", "node", T0 + HOUR, T0 / MIN, 90, r, win, 2, p2, k2), 0);
	assert_false(k2[0] || k2[1]);
	assert_int_equal(buckets_seen_ms(&r[5]), 0);
	history_close(h, T0 + HOUR + 30 * MIN);
}

static void test_gap_longer_than_max_is_not_watched(void **state)
{
	history_t *h = open_at(T0);
	int s = history_series(h, "laptop", "node");
	history_observe(h, s, T0, HS_UP);
	history_observe(h, s, T0 + 10 * MIN, HS_UP);      /* suspended for 10 min: not accrued */
	history_observe(h, s, T0 + 11 * MIN, HS_UP);
	history_flush(h, T0 + 11 * MIN);
	bucket_t b = sum_hours(h, "laptop", "node", T0, 1);
	assert_int_equal(b.ms[HS_UP], 1 * MIN);
	/* not watched for a while (removed from the config, then back) within the same hour */
	history_unwatch(h, s, T0 + 11 * MIN);
	history_flush(h, T0 + 11 * MIN + 30 * SEC);
	history_observe(h, s, T0 + 11 * MIN + 30 * SEC, HS_UP);
	history_observe(h, s, T0 + 12 * MIN, HS_UP);
	history_flush(h, T0 + 12 * MIN);
	b = sum_hours(h, "laptop", "node", T0, 1);
	assert_int_equal(b.ms[HS_UP], 1 * MIN + 30 * SEC);
	/* unknown is kept apart from down */
	history_observe(h, s, T0 + 12 * MIN, HS_UNKNOWN);
	history_observe(h, s, T0 + 14 * MIN, HS_UP);
	history_flush(h, T0 + 14 * MIN);
	b = sum_hours(h, "laptop", "node", T0, 1);
	assert_int_equal(b.ms[HS_UNKNOWN], 2 * MIN);
	assert_int_equal(b.ms[HS_DOWN], 0);
	history_close(h, T0 + 14 * MIN);
}

static void test_two_processes_share_one_file(void **state)
{
	/* a kiosk and an interactive session watch the same node for the same hour */
	history_t *a = open_at(T0), *b = open_at(T0 + 2 * SEC);
	assert_null(history_error(a));
	assert_null(history_error(b));
	int sa = history_series(a, "primary", "node"), sb = history_series(b, "primary", "node");
	for (int64_t t = T0; t <= T0 + HOUR; t += 5 * SEC) {
		history_observe(a, sa, t, HS_UP);
		history_observe(b, sb, t + 2 * SEC, t >= T0 + 30 * MIN && t < T0 + 35 * MIN ? HS_DOWN : HS_UP);
		history_tick(a, t);
		history_tick(b, t + 2 * SEC);
	}
	history_close(a, T0 + HOUR);
	history_close(b, T0 + HOUR);
	history_t *h = open_at(T0 + HOUR + MIN);
	bucket_t sum = sum_hours(h, "primary", "node", T0, 1);
	/* counted once: an hour, of which b saw 5 minutes down (worst wins) */
	assert_int_equal(buckets_seen_ms(&sum), HOUR);
	assert_int_equal(sum.ms[HS_DOWN], 5 * MIN);
	assert_int_equal(sum.ms[HS_UP], 55 * MIN);
	assert_int_equal(sql_int("SELECT count(DISTINCT writer) FROM buckets"), 2);
	history_close(h, T0 + HOUR + MIN);

	/* a restart in the middle of a minute keeps both halves */
	h = open_at(T0 + 2 * HOUR);
	int s = history_series(h, "standby", "node");
	history_observe(h, s, T0 + 2 * HOUR, HS_STANDBY);
	history_close(h, T0 + 2 * HOUR + 20 * SEC);
	h = open_at(T0 + 2 * HOUR + 20 * SEC);
	s = history_series(h, "standby", "node");
	history_observe(h, s, T0 + 2 * HOUR + 20 * SEC, HS_STANDBY);
	history_close(h, T0 + 2 * HOUR + MIN);
	h = open_at(T0 + 3 * HOUR);
	bucket_t m;
	assert_int_equal(history_load_buckets(h, "standby", "node", BUCKET_MINUTE, (T0 + 2 * HOUR) / MIN, 1, &m), 0);
	assert_int_equal(m.ms[HS_STANDBY], MIN);
	assert_int_equal(buckets_worst(&m), HS_STANDBY);
	history_close(h, T0 + 3 * HOUR);

	/* two processes both started at :10 and stopped at :40 of one minute (and 2 s apart):
	 * the time both watched counts once, in the minute, its hour and its day */
	int64_t t = T0 + 4 * HOUR;
	a = open_at(t + 10 * SEC);
	b = open_at(t + 12 * SEC);
	sa = history_series(a, "twin", "node");
	sb = history_series(b, "twin", "node");
	history_observe(a, sa, t + 10 * SEC, HS_UP);
	history_observe(b, sb, t + 12 * SEC, HS_UP);
	history_observe(b, sb, t + 20 * SEC, HS_DOWN);     /* b alone saw 10 s down */
	history_observe(b, sb, t + 30 * SEC, HS_UP);
	history_close(a, t + 40 * SEC);
	history_close(b, t + 40 * SEC);
	h = open_at(t + HOUR);
	assert_int_equal(history_load_buckets(h, "twin", "node", BUCKET_MINUTE, t / MIN, 1, &m), 0);
	assert_int_equal(buckets_seen_ms(&m), 30 * SEC);
	assert_int_equal(m.ms[HS_DOWN], 10 * SEC);
	assert_int_equal(m.ms[HS_UP], 20 * SEC);
	sum = sum_hours(h, "twin", "node", t, 1);
	assert_int_equal(buckets_seen_ms(&sum), 30 * SEC);
	/* the roll-up (minutes -> hours -> days) keeps it: once */
	history_compact(h, t + 3 * DAY);
	assert_int_equal(sql_int("SELECT count(*) FROM buckets WHERE res = 0"), 0);
	sum = sum_hours(h, "twin", "node", t, 1);
	assert_int_equal(buckets_seen_ms(&sum), 30 * SEC);
	assert_int_equal(sum.ms[HS_DOWN], 10 * SEC);
	bucket_t d;
	assert_int_equal(history_load_buckets(h, "twin", "node", BUCKET_DAY, buckets_index(BUCKET_DAY, t), 1, &d), 0);
	assert_int_equal(buckets_seen_ms(&d), 30 * SEC);
	history_close(h, t + 3 * DAY);

	/* three writers in one minute: a run killed at :20, then two at :35 and :36 to its
	 * end (the integration test's run 1 and run 2): 45 s, whatever order the rows have */
	t = T0 + 5 * HOUR;
	history_t *c = open_at(t);
	int sc = history_series(c, "trio", "node");
	history_observe(c, sc, t, HS_DOWN);
	history_close(c, t + 20 * SEC);
	a = open_at(t + 35 * SEC);
	b = open_at(t + 36 * SEC);
	sa = history_series(a, "trio", "node");
	sb = history_series(b, "trio", "node");
	history_observe(a, sa, t + 35 * SEC, HS_UP);
	history_observe(b, sb, t + 36 * SEC, HS_UP);
	history_close(a, t + MIN);
	history_close(b, t + MIN);
	assert_int_equal(sql_int("SELECT count(DISTINCT writer) FROM buckets b JOIN series s ON s.id = b.series"
	                         " WHERE s.name = 'trio'"), 3);
	h = open_at(t + HOUR);
	assert_int_equal(history_load_buckets(h, "trio", "node", BUCKET_MINUTE, t / MIN, 1, &m), 0);
	assert_int_equal(buckets_seen_ms(&m), 45 * SEC);
	assert_int_equal(m.ms[HS_DOWN], 20 * SEC);
	assert_int_equal(m.ms[HS_UP], 25 * SEC);
	history_compact(h, t + 3 * DAY);         /* rolled up: the same */
	sum = sum_hours(h, "trio", "node", t, 1);
	assert_int_equal(buckets_seen_ms(&sum), 45 * SEC);
	assert_int_equal(sum.ms[HS_DOWN], 20 * SEC);
	history_close(h, t + 3 * DAY);
}

static void test_busy_file_is_tried_again(void **state)
{
	history_opts_t o = { .path = dbpath, .busy_ms = 20 };
	history_t *h = history_open(&o, T0);
	int s = history_series(h, "n", "node");
	run(h, s, T0, T0 + MIN, HS_UP);
	/* another process holds the write lock longer than busy_ms */
	sqlite3 *other;
	assert_int_equal(sqlite3_open(dbpath, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(history_flush(h, T0 + MIN), -1);
	assert_null(history_error(h));                  /* nothing to tell the user */
	assert_false(history_tick(h, T0 + MIN + SEC));  /* not hammered: the next flush interval */
	assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	assert_true(history_tick(h, T0 + MIN + 5 * SEC));
	bucket_t b = sum_hours(h, "n", "node", T0, 1);
	assert_int_equal(b.ms[HS_UP], MIN + 5 * SEC);
	history_close(h, T0 + 2 * MIN);
}

static void test_rollup_and_retention(void **state)
{
	history_t *h = open_at(T0);
	int s = history_series(h, "n", "db");
	run(h, s, T0, T0 + 90 * MIN, HS_UP);
	run(h, s, T0 + 90 * MIN, T0 + 2 * HOUR, HS_DEGRADED);
	history_close(h, T0 + 2 * HOUR);
	assert_int_equal(sql_int("SELECT count(*) FROM buckets WHERE res = 0"), 2);

	/* three days on: the minutes are hours now, with the same totals */
	h = open_at(T0 + 3 * DAY);
	assert_int_equal(history_compact(h, T0 + 3 * DAY), 0);
	assert_int_equal(sql_int("SELECT count(*) FROM buckets WHERE res = 0"), 0);
	assert_int_equal(sql_int("SELECT count(*) FROM buckets WHERE res = 1"), 1);
	bucket_t sum = sum_hours(h, "n", "db", T0, 2);
	assert_int_equal(sum.ms[HS_UP], 90 * MIN);
	assert_int_equal(sum.ms[HS_DEGRADED], 30 * MIN);
	bucket_t m[2];
	assert_int_equal(history_load_buckets(h, "n", "db", BUCKET_MINUTE, T0 / MIN, 2, m), 0);
	assert_int_equal(buckets_worst(&m[0]), HS_NOT_WATCHED);    /* minutes are gone after 48 h */
	history_close(h, T0 + 3 * DAY);

	/* forty days on: a day */
	h = open_at(T0 + 40 * DAY);
	assert_int_equal(history_compact(h, T0 + 40 * DAY), 0);
	assert_int_equal(sql_int("SELECT count(*) FROM buckets WHERE res = 1"), 0);
	assert_int_equal(sql_int("SELECT count(*) FROM buckets WHERE res = 2"), 1);
	bucket_t d;
	assert_int_equal(history_load_buckets(h, "n", "db", BUCKET_DAY, buckets_index(BUCKET_DAY, T0), 1, &d), 0);
	assert_int_equal(d.ms[HS_UP], 90 * MIN);
	assert_int_equal(d.ms[HS_DEGRADED], 30 * MIN);
	assert_int_equal(buckets_not_watched_ms(&d, DAY), DAY - 2 * HOUR);
	history_close(h, T0 + 40 * DAY);

	/* after 400 days nothing is left */
	h = open_at(T0 + 440 * DAY);
	assert_int_equal(history_compact(h, T0 + 440 * DAY), 0);
	assert_int_equal(sql_int("SELECT count(*) FROM buckets"), 0);
	history_close(h, T0 + 440 * DAY);
}

static void collect_event(void *ud, const sla_event_t *e)
{
	strbuf_t *sb = ud;
	strbuf_printf(sb, "%s %s>%s;", e->node, e->from, e->to);
}

typedef struct points_seen {
	int n;
	int64_t first, last;
	double last_v;
	bool increasing, values_ok;
} points_seen_t;

/* The driver below stores value 1000 - i at T0 + i s (and 0.5 for the last). */
static void collect_point(void *ud, int64_t ts, double v)
{
	points_seen_t *p = ud;
	int64_t i = (ts - T0) / SEC;
	if (p->n == 0) {
		p->first = i;
		p->increasing = p->values_ok = true;
	} else if (i <= p->last) {
		p->increasing = false;
	}
	if (v != (i == 249 ? 0.5 : (double)(1000 - i)))
		p->values_ok = false;
	p->last = i;
	p->last_v = v;
	p->n++;
}

static void test_events_and_points_are_bounded(void **state)
{
	history_opts_t o = { .path = dbpath, .max_events = 100, .max_points = 70 };
	history_t *h = history_open(&o, T0);
	for (int i = 0; i < 250; i++) {
		event_t e;
		memset(&e, 0, sizeof e);
		e.ts_ms = T0 + i * SEC;
		e.kind = EVENT_NODE;
		e.from = STATE_UP;
		e.to = STATE_DOWN;
		snprintf(e.node, sizeof e.node, "n%d", i);
		history_add_event(h, &e);
		if (i % 50 == 49)
			history_flush(h, T0 + i * SEC);
	}
	for (int i = 0; i < 250; i++)
		history_add_point(h, "n1", "head:1", T0 + i * SEC, i == 249 ? 0.5 : 1000 - i);
	history_add_point(h, "n1", "head:1", T0 + 10 * SEC, 5);     /* out of order: dropped */
	history_compact(h, T0 + 300 * SEC);
	assert_int_equal(sql_int("SELECT count(*) FROM events"), 100);
	/* four full blocks of 60 were written; two and a partial one cover 70 points: three kept */
	assert_int_equal(sql_int("SELECT count(*) FROM points"), 3);
	strbuf_t sb = STRBUF_INIT;
	assert_int_equal(history_load_events(h, T0 + 248 * SEC, T0 + 1000 * SEC, collect_event, &sb), 0);
	assert_string_equal(strbuf_str(&sb), "n248 up>down;n249 up>down;");
	strbuf_reset(&sb);
	assert_int_equal(history_load_events(h, 0, T0 + 1000 * SEC, collect_event, &sb), 0);
	assert_true(strncmp(strbuf_str(&sb), "n150 ", 5) == 0);        /* the oldest kept */
	strbuf_free(&sb);
	points_seen_t p = { 0 };
	assert_int_equal(history_load_points(h, "n1", "head:1", collect_point, &p), 0);
	assert_int_equal(p.n, 70);
	assert_int_equal(p.first, 170);
	assert_int_equal(p.last, 239);
	assert_true(p.increasing && p.values_ok);
	history_close(h, T0 + 300 * SEC);
	/* after a restart the sparkline is full, up to the last point before the close */
	h = history_open(&o, T0 + 400 * SEC);
	memset(&p, 0, sizeof p);
	assert_int_equal(history_load_points(h, "n1", "head:1", collect_point, &p), 0);
	assert_int_equal(p.n, 70);
	assert_int_equal(p.first, 180);
	assert_int_equal(p.last, 249);
	assert_true(p.last_v == 0.5);
	assert_true(p.increasing && p.values_ok);
	memset(&p, 0, sizeof p);
	assert_int_equal(history_load_points(h, "n1", "nothing", collect_point, &p), 0);
	assert_int_equal(p.n, 0);
	history_close(h, T0 + 400 * SEC);
}

static bool corrupt_file_exists(void)
{
	char dir[600];
	snprintf(dir, sizeof dir, "%s/state/nodetop", tmpdir);
	DIR *d = opendir(dir);
	bool found = false;
	struct dirent *e;
	while (d && (e = readdir(d)))
		found |= strncmp(e->d_name, "history.db.corrupt-", 19) == 0 && !strstr(e->d_name, "-wal") && !strstr(e->d_name, "-shm");
	if (d)
		closedir(d);
	return found;
}

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void assert_fresh_store_works(history_t *h, int64_t now)
{
	assert_null(history_error(h));
	int s = history_series(h, "after", "node");
	run(h, s, now, now + MIN, HS_UP);
	assert_int_equal(history_flush(h, now + MIN), 0);
	bucket_t b = sum_hours(h, "after", "node", now, 2);
	assert_int_equal(b.ms[HS_UP], MIN);
}

static void test_garbage_file_moved_aside(void **state)
{
	history_t *h = open_at(T0);           /* creates the directory */
	history_close(h, T0);
	unlink(dbpath);
	write_file(dbpath, "this is not a database, it is a shopping list\n", 46);
	h = open_at(T0);
	assert_non_null(history_notice(h));
	assert_non_null(strstr(history_notice(h), "moved aside to"));
	assert_non_null(strstr(history_notice(h), "history.db.corrupt-20261124T100000Z"));
	assert_true(corrupt_file_exists());
	assert_fresh_store_works(h, T0);
	history_close(h, T0 + MIN);
}

static void test_truncated_file_moved_aside(void **state)
{
	history_t *h = open_at(T0);
	for (int n = 0; n < 200; n++) {
		char name[32];
		snprintf(name, sizeof name, "node-%03d", n);
		int s = history_series(h, name, "node");
		history_observe(h, s, T0, HS_UP);
		history_observe(h, s, T0 + 30 * MIN, n % 2 ? HS_DOWN : HS_UP);
		history_observe(h, s, T0 + 31 * MIN, HS_UP);
	}
	history_close(h, T0 + HOUR);
	sql_exec(dbpath, "PRAGMA wal_checkpoint(TRUNCATE)");
	struct stat sb;
	assert_int_equal(stat(dbpath, &sb), 0);
	assert_true(sb.st_size >= 4 * 4096);
	assert_int_equal(truncate(dbpath, sb.st_size / 2), 0);
	h = open_at(T0 + 2 * HOUR);
	assert_non_null(history_notice(h));
	assert_true(corrupt_file_exists());
	assert_fresh_store_works(h, T0 + 2 * HOUR);
	history_close(h, T0 + 3 * HOUR);
}

static void test_foreign_database_moved_aside(void **state)
{
	history_t *h = open_at(T0);
	history_close(h, T0);
	unlink(dbpath);
	sql_exec(dbpath, "CREATE TABLE invoices(id INTEGER PRIMARY KEY, amount REAL); INSERT INTO invoices VALUES(1, 2.5);");
	h = open_at(T0);
	assert_non_null(history_notice(h));
	assert_non_null(strstr(history_notice(h), "not a nodetop history file"));
	assert_true(corrupt_file_exists());
	assert_fresh_store_works(h, T0);
	history_close(h, T0 + MIN);
}

static void test_unwritable_directory_then_resume(void **state)
{
	/* the directory cannot be made (a file stands where it should be): works as root too */
	char parent[600];
	snprintf(parent, sizeof parent, "%s/state", tmpdir);
	write_file(parent, "x", 1);
	history_opts_t o = { .path = dbpath, .retry_ms = 30000 };
	history_t *h = history_open(&o, T0);
	assert_non_null(history_error(h));
	assert_non_null(strstr(history_error(h), dbpath));
	int s = history_series(h, "n", "node");
	run(h, s, T0, T0 + 2 * MIN, HS_UP);           /* polling goes on, memory keeps it */
	assert_non_null(history_error(h));
	unlink(parent);                                /* fixed: writing resumes by itself */
	run(h, s, T0 + 2 * MIN, T0 + 2 * MIN + 40 * SEC, HS_UP);
	assert_null(history_error(h));
	history_flush(h, T0 + 3 * MIN);
	bucket_t b = sum_hours(h, "n", "node", T0, 1);
	assert_int_equal(b.ms[HS_UP], 3 * MIN);
	history_close(h, T0 + 3 * MIN);

	/* a directory without write permission (only meaningful when not root) */
	if (geteuid() != 0) {
		char dir[600];
		snprintf(dir, sizeof dir, "%s/state/nodetop", tmpdir);
		unlink(dbpath);
		char wal[600];
		snprintf(wal, sizeof wal, "%s-wal", dbpath);
		unlink(wal);
		assert_int_equal(chmod(dir, 0500), 0);
		h = history_open(&o, T0);
		assert_non_null(history_error(h));
		assert_int_equal(chmod(dir, 0700), 0);
		s = history_series(h, "n", "node");
		run(h, s, T0, T0 + MIN, HS_UP);
		assert_null(history_error(h));
		history_close(h, T0 + MIN);
	}
}

/* In a child (the limit is per process): a file size limit of 0 makes every
 * write fail as on a full disk; raised again, writing resumes with nothing lost. */
static void test_disk_full_then_resume(void **state)
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		history_opts_t o = { .path = dbpath, .retry_ms = 30000 };
		history_t *h = history_open(&o, T0);
		int s = history_series(h, "n", "node");
		run(h, s, T0, T0 + MIN, HS_UP);
		int wrote = history_flush(h, T0 + MIN) == 0;
		signal(SIGXFSZ, SIG_IGN);
		struct rlimit old, zero;
		getrlimit(RLIMIT_FSIZE, &old);
		zero.rlim_cur = 0;
		zero.rlim_max = old.rlim_max;
		setrlimit(RLIMIT_FSIZE, &zero);
		run(h, s, T0 + MIN, T0 + 10 * MIN, HS_DOWN);
		int fails = history_flush(h, T0 + 10 * MIN) != 0 && history_error(h) != NULL &&
		            strstr(history_error(h), "cannot write") != NULL;
		setrlimit(RLIMIT_FSIZE, &old);
		run(h, s, T0 + 10 * MIN, T0 + 11 * MIN, HS_UP);
		int resumed = history_tick(h, T0 + 11 * MIN + 31 * SEC) && history_error(h) == NULL;
		bucket_t b = sum_hours(h, "n", "node", T0, 1);
		int kept = b.ms[HS_DOWN] == 9 * MIN && b.ms[HS_UP] == 2 * MIN + 31 * SEC;
		history_close(h, T0 + 12 * MIN);
		_exit(wrote && fails && resumed && kept ? 0 : 100 + wrote + 2 * fails + 4 * resumed + 8 * kept);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	history_t *h = open_at(T0 + HOUR);
	bucket_t b = sum_hours(h, "n", "node", T0, 1);
	assert_int_equal(b.ms[HS_DOWN], 9 * MIN);
	history_close(h, T0 + HOUR);
}

static void test_sla_report_from_history(void **state)
{
	/* two days: primary down 10 min on day 1 (one incident), a failover of the pair */
	int64_t day0 = T0 - 10 * HOUR;                   /* 2026-11-24T00:00Z */
	history_t *h = open_at(day0);
	int p = history_series(h, "primary", "node"), d = history_series(h, "primary", "db");
	int g = history_series(h, "pair", "node");
	for (int64_t t = day0; t < day0 + 2 * DAY; t += 30 * SEC) {
		bool down = t >= T0 && t < T0 + 10 * MIN;
		history_observe(h, p, t, down ? HS_DOWN : HS_UP);
		history_observe(h, d, t, HS_UP);
		history_observe(h, g, t, HS_UP);
		history_tick(h, t);
	}
	event_t e;
	memset(&e, 0, sizeof e);
	e.kind = EVENT_NODE;
	snprintf(e.node, sizeof e.node, "primary");
	snprintf(e.detail, sizeof e.detail, "connection refused\x1b[2J");
	e.ts_ms = T0;
	e.from = STATE_UP;
	e.to = STATE_DOWN;
	history_add_event(h, &e);
	e.ts_ms = T0 + 10 * MIN;
	e.from = STATE_DOWN;
	e.to = STATE_UP;
	history_add_event(h, &e);
	sla_event_t f;
	memset(&f, 0, sizeof f);
	f.ts_ms = T0 + MIN;
	snprintf(f.kind, sizeof f.kind, "failover");
	snprintf(f.node, sizeof f.node, "pair");
	history_add_sla_event(h, &f);
	history_close(h, day0 + 2 * DAY);

	h = open_at(day0 + 2 * DAY);
	sla_input_t in;
	sla_input_init(&in, day0, day0 + 2 * DAY);
	assert_int_equal(history_load_report(h, day0, day0 + 2 * DAY, &in), 0);
	assert_int_equal(in.nseries, 3);
	sla_report_t r;
	sla_build(&in, SLA_DAY, &r);
	assert_int_equal(r.nrows, 6);
	strbuf_t sb = STRBUF_INIT;
	sla_write_json(&r, &sb);
	const char *j = strbuf_str(&sb);
	assert_non_null(strstr(j, "\"name\":\"primary\",\"indicator\":\"node\",\"availability_percent\":99.653,"
	                          "\"downtime_minutes\":10,\"longest_outage_s\":600,\"incidents\":1,\"failovers\":0"));
	assert_non_null(strstr(j, "\"name\":\"pair\",\"indicator\":\"node\",\"availability_percent\":100,"
	                          "\"downtime_minutes\":0,\"longest_outage_s\":0,\"incidents\":0,\"failovers\":1"));
	assert_non_null(strstr(j, "{\"start\":\"2026-11-24T00:00:00Z\",\"end\":\"2026-11-25T00:00:00Z\","
	                          "\"availability_percent\":99.306,\"downtime_minutes\":10"));
	assert_non_null(strstr(j, "\"start\":\"2026-11-24T10:00:00Z\",\"end\":\"2026-11-24T10:10:00Z\",\"duration_s\":600,"
	                          "\"ongoing\":false,\"detail\":\"connection refused\\\\x1b[2J\""));
	assert_null(strchr(j, '\x1b'));
	strbuf_reset(&sb);
	sla_write_text(&r, &sb, true);
	assert_null(strchr(strbuf_str(&sb), '\x1b'));
	assert_non_null(strstr(strbuf_str(&sb), "2026-11-24T10:00:00Z  10m"));
	strbuf_reset(&sb);
	sla_write_csv(&r, &sb);
	assert_non_null(strstr(strbuf_str(&sb), "\"primary\",\"node\",day,2026-11-24T00:00:00Z,2026-11-25T00:00:00Z,99.305,10.0,,,,0.0\r\n"));
	strbuf_free(&sb);
	sla_report_free(&r);
	sla_input_free(&in);
	history_close(h, day0 + 2 * DAY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_schema_and_permissions, setup, teardown),
		cmocka_unit_test(test_default_path),
		cmocka_unit_test_setup_teardown(test_migration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_is_batched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pending_minutes_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_and_not_watched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gap_longer_than_max_is_not_watched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_processes_share_one_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_file_is_tried_again, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollup_and_retention, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_and_points_are_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_file_moved_aside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_file_moved_aside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_database_moved_aside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unwritable_directory_then_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disk_full_then_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sla_report_from_history, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
