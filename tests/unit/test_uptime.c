/* test_uptime.c - unit tests of uptime accounting (buckets, windows, history,
 * clock jumps, 24 h wrap-around) and of the ring buffer of charted samples. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ring.h"
#include "uptime.h"

#define MIN 60000LL
#define HOUR (60 * MIN)
/* An arbitrary minute-aligned wall-clock time (2026-11-24T10:00:00Z). */
#define T0 1795514400000LL

/* One accounting at a time, static so that a failed assertion leaks nothing
 * (the next new_uptime, or the group's teardown, frees what it held). */
static uptime_t the_uptime;

static uptime_t *new_uptime(void)
{
	uptime_free(&the_uptime);
	return &the_uptime;
}

static int teardown(void **state)
{
	uptime_free(&the_uptime);
	return 0;
}

/* The time per state stored for the minute of t, which must be held. */
typedef struct held {
	uint32_t ms[STATE__COUNT];
} held_t;

static held_t bucket(const uptime_t *u, int64_t t)
{
	held_t h;
	assert_true(uptime_bucket_ms(u, t / MIN, h.ms));
	return h;
}

static void test_accrual_across_buckets(void **state)
{
	uptime_t *u = new_uptime();
	uptime_observe(u, T0 + 30000, STATE_UP);          /* starts the clock, nothing accrued */
	assert_int_equal(u->last_ms, T0 + 30000);
	assert_int_equal(u->cur, STATE_UP);
	uptime_observe(u, T0 + 2 * MIN + 15000, STATE_DOWN);  /* 1m45s up over three minutes */
	assert_int_equal(bucket(u, T0).ms[STATE_UP], 30000);
	assert_int_equal(bucket(u, T0 + MIN).ms[STATE_UP], 60000);
	assert_int_equal(bucket(u, T0 + 2 * MIN).ms[STATE_UP], 15000);
	assert_int_equal(bucket(u, T0 + 2 * MIN).ms[STATE_DOWN], 0);
	uptime_observe(u, T0 + 3 * MIN, STATE_UP);            /* 45 s down */
	assert_int_equal(bucket(u, T0 + 2 * MIN).ms[STATE_DOWN], 45000);
	assert_int_equal(uptime_bucket_state(u, (T0 + 2 * MIN) / MIN), STATE_DOWN);
	assert_int_equal(uptime_bucket_state(u, T0 / MIN), STATE_UP);
	assert_int_equal(uptime_bucket_state(u, T0 / MIN - 1), STATE_UNKNOWN);
	/* the same state observed again just accrues */
	for (int64_t t = T0 + 3 * MIN; t <= T0 + 4 * MIN; t += 1000)
		uptime_observe(u, t, STATE_UP);
	assert_int_equal(bucket(u, T0 + 3 * MIN).ms[STATE_UP], 60000);
}

static void test_percent_windows(void **state)
{
	uptime_t *u = new_uptime();
	int64_t t = T0;
	uptime_observe(u, t, STATE_UP);
	t += 50 * MIN;
	uptime_observe(u, t, STATE_DOWN);
	t += 10 * MIN;
	uptime_observe(u, t, STATE_UP);
	double pct = -1;
	assert_true(uptime_percent(u, t, HOUR, &pct));
	assert_float_equal(pct, 100.0 * 50 / 60, 1e-9);

	/* unknown is excluded, not counted as down */
	uptime_observe(u, t + 30 * MIN, STATE_UP);   /* the up state in force until now */
	t += 30 * MIN;
	uptime_observe(u, t, STATE_UNKNOWN);
	t += 30 * MIN;
	uptime_observe(u, t, STATE_UNKNOWN);
	/* last hour: 30 min up, 30 min unknown */
	assert_true(uptime_percent(u, t, HOUR, &pct));
	assert_float_equal(pct, 100.0, 1e-9);
	/* last 24 h (only 2 h observed): 80 up, 10 down, 30 unknown */
	assert_true(uptime_percent(u, t, 24 * HOUR, &pct));
	assert_float_equal(pct, 100.0 * 80 / 90, 1e-9);

	/* degraded and starting count as available */
	uptime_observe(u, t, STATE_DEGRADED);
	t += 20 * MIN;
	uptime_observe(u, t, STATE_STARTING);
	t += 20 * MIN;
	uptime_observe(u, t, STATE_DOWN);
	t += 20 * MIN;
	uptime_observe(u, t, STATE_DOWN);
	assert_true(uptime_percent(u, t, HOUR, &pct));
	assert_float_equal(pct, 100.0 * 40 / 60, 1e-9);

	/* a window with only unknown time has no percentage */
	uptime_observe(u, t, STATE_UNKNOWN);
	t += 2 * HOUR;
	uptime_observe(u, t, STATE_UNKNOWN);
	pct = -1;
	assert_false(uptime_percent(u, t, HOUR, &pct));
	assert_float_equal(pct, -1, 0);
	assert_false(uptime_percent(u, t, 0, &pct));
}

static void test_percent_partial_minutes(void **state)
{
	uptime_t *u = new_uptime();
	/* time not yet accrued (since the last observe) counts in the state in force */
	uptime_observe(u, T0 + 20000, STATE_DOWN);
	double pct = -1;
	assert_true(uptime_percent(u, T0 + 20000 + 30 * MIN, HOUR, &pct));
	assert_float_equal(pct, 0.0, 1e-9);
	uptime_observe(u, T0 + 20000 + 30 * MIN, STATE_UP);
	/* 30 min down, then 30 min up in force: 50 % over the hour */
	assert_true(uptime_percent(u, T0 + 20000 + 60 * MIN, HOUR, &pct));
	assert_float_equal(pct, 50.0, 1e-9);
	/* a 10 s window, inside the pending up time */
	assert_true(uptime_percent(u, T0 + 20000 + 60 * MIN, 10000, &pct));
	assert_float_equal(pct, 100.0, 1e-9);
}

static void test_worst_state_bucket(void **state)
{
	uptime_t *u = new_uptime();
	uptime_observe(u, T0, STATE_UP);
	uptime_observe(u, T0 + 50000, STATE_UNKNOWN);
	uptime_observe(u, T0 + 55000, STATE_UP);
	uptime_observe(u, T0 + MIN, STATE_UP);
	assert_int_equal(uptime_bucket_state(u, T0 / MIN), STATE_UP);      /* unknown never wins */
	uptime_observe(u, T0 + MIN + 58000, STATE_DEGRADED);
	uptime_observe(u, T0 + MIN + 59000, STATE_UP);
	uptime_observe(u, T0 + 2 * MIN, STATE_STARTING);
	assert_int_equal(uptime_bucket_state(u, T0 / MIN + 1), STATE_DEGRADED);
	uptime_observe(u, T0 + 2 * MIN + 1, STATE_DOWN);                    /* 1 ms starting */
	uptime_observe(u, T0 + 2 * MIN + 2, STATE_UP);                      /* 1 ms down */
	uptime_observe(u, T0 + 3 * MIN, STATE_UP);
	assert_int_equal(uptime_bucket_state(u, T0 / MIN + 2), STATE_DOWN);
	assert_int_equal(bucket(u, T0 + 2 * MIN).ms[STATE_STARTING], 1);
	assert_int_equal(bucket(u, T0 + 2 * MIN).ms[STATE_DOWN], 1);
	assert_int_equal(bucket(u, T0 + 2 * MIN).ms[STATE_UP], 59998);
	/* a bucket with only unknown time */
	uptime_observe(u, T0 + 3 * MIN, STATE_UNKNOWN);
	uptime_observe(u, T0 + 4 * MIN, STATE_UNKNOWN);
	assert_int_equal(uptime_bucket_state(u, T0 / MIN + 3), STATE_UNKNOWN);
}

static void test_history_any_width(void **state)
{
	uptime_t *u = new_uptime();
	/* 10 minutes: up, up, down, up, degraded, up, up, starting, up, up */
	static const state_t seq[10] = {
		STATE_UP, STATE_UP, STATE_DOWN, STATE_UP, STATE_DEGRADED,
		STATE_UP, STATE_UP, STATE_STARTING, STATE_UP, STATE_UP,
	};
	for (int i = 0; i < 10; i++)
		uptime_observe(u, T0 + i * MIN, seq[i]);
	int64_t now = T0 + 10 * MIN;
	uptime_observe(u, now, STATE_UP);

	state_t out[12];
	uptime_history(u, now, MIN, out, 12);             /* one cell per minute */
	assert_int_equal(out[0], STATE_UNKNOWN);          /* before the first observation */
	assert_int_equal(out[1], STATE_UNKNOWN);
	for (int i = 0; i < 10; i++)
		assert_int_equal(out[2 + i], seq[i]);

	uptime_history(u, now, 2 * MIN, out, 5);          /* two minutes a cell, worst wins */
	assert_int_equal(out[0], STATE_UP);
	assert_int_equal(out[1], STATE_DOWN);
	assert_int_equal(out[2], STATE_DEGRADED);
	assert_int_equal(out[3], STATE_STARTING);
	assert_int_equal(out[4], STATE_UP);

	uptime_history(u, now, 90000, out, 5);            /* 90 s rounds up to 2 min */
	assert_int_equal(out[1], STATE_DOWN);
	assert_int_equal(out[3], STATE_STARTING);

	uptime_history(u, now, 5 * MIN, out, 3);          /* 5 minutes a cell */
	assert_int_equal(out[0], STATE_UNKNOWN);
	assert_int_equal(out[1], STATE_DOWN);
	assert_int_equal(out[2], STATE_STARTING);

	uptime_history(u, now, 24 * HOUR, out, 2);        /* one day a cell */
	assert_int_equal(out[0], STATE_UNKNOWN);
	assert_int_equal(out[1], STATE_DOWN);
	uptime_history(u, now, INT64_MAX, out, 2);        /* absurd spans are safe */
	assert_int_equal(out[1], STATE_DOWN);
	uptime_history(u, now, 0, out, 1);                /* 0 rounds up to one minute */
	assert_int_equal(out[0], STATE_UP);

	/* the minute in progress shows the time not yet accrued */
	uptime_observe(u, now + 10000, STATE_DOWN);
	uptime_history(u, now + 20000, MIN, out, 1);
	assert_int_equal(out[0], STATE_DOWN);
}

static void test_time_backwards(void **state)
{
	uptime_t *u = new_uptime();
	uptime_observe(u, T0, STATE_UP);
	uptime_observe(u, T0 + 30000, STATE_UP);
	/* a small step back (two clocks read ms apart): state changes, nothing accrues */
	uptime_observe(u, T0 + 25000, STATE_DOWN);
	assert_int_equal(u->last_ms, T0 + 30000);
	assert_int_equal(u->cur, STATE_DOWN);
	uptime_observe(u, T0 + 40000, STATE_UP);
	assert_int_equal(bucket(u, T0).ms[STATE_UP], 30000);
	assert_int_equal(bucket(u, T0).ms[STATE_DOWN], 10000);

	/* run two hours, then the wall clock jumps back one hour */
	for (int64_t t = T0 + MIN; t <= T0 + 2 * HOUR; t += 10000)
		uptime_observe(u, t, STATE_UP);
	uptime_observe(u, T0 + HOUR, STATE_DOWN);
	assert_int_equal(u->last_ms, T0 + HOUR);
	/* buckets "from the future" were dropped: nothing can exceed a minute */
	assert_int_equal(uptime_bucket_state(u, (T0 + HOUR) / MIN + 10), STATE_UNKNOWN);
	for (int64_t t = T0 + HOUR; t <= T0 + 2 * HOUR; t += 10000)
		uptime_observe(u, t, STATE_DOWN);
	/* every minute held (all lie within a day of the observed ones) */
	for (int64_t m = T0 / MIN - 2 * UPTIME_NBUCKETS; m <= (T0 + 2 * HOUR) / MIN + 2 * UPTIME_NBUCKETS; m++) {
		uint32_t ms[STATE__COUNT];
		if (!uptime_bucket_ms(u, m, ms))
			continue;
		unsigned sum = 0;
		for (int k = 0; k < STATE__COUNT; k++)
			sum += ms[k];
		assert_true(sum <= 60000);
	}
	double pct;
	assert_true(uptime_percent(u, T0 + 2 * HOUR, HOUR, &pct));
	assert_float_equal(pct, 0.0, 1e-9);
	/* over 2 h: the first hour as first observed (10 s of it down), then down */
	assert_true(uptime_percent(u, T0 + 2 * HOUR, 2 * HOUR, &pct));
	assert_float_equal(pct, 100.0 * (HOUR - 10000) / (2 * HOUR), 1e-9);
}

static void test_wraparound_24h(void **state)
{
	uptime_t *u = new_uptime();
	int64_t t = T0;
	/* 1 h down, then 24 h up, ticking every 15 s */
	uptime_observe(u, t, STATE_DOWN);
	for (; t < T0 + HOUR; t += 15000)
		uptime_observe(u, t, STATE_DOWN);
	for (; t <= T0 + 25 * HOUR; t += 15000)
		uptime_observe(u, t, STATE_UP);
	t -= 15000;
	assert_int_equal(t, T0 + 25 * HOUR);
	double pct;
	assert_true(uptime_percent(u, t, 24 * HOUR, &pct));
	assert_float_equal(pct, 100.0, 1e-9);               /* the down hour fell out */
	assert_int_equal(uptime_bucket_state(u, T0 / MIN), STATE_UNKNOWN);   /* slot reused */
	assert_int_equal(uptime_bucket_state(u, (T0 + 24 * HOUR) / MIN), STATE_UP);

	/* 25 h down in one step: only the last 24 h are kept, every minute full */
	uptime_observe(u, t, STATE_DOWN);
	uptime_observe(u, t + 25 * HOUR, STATE_DOWN);
	assert_true(uptime_percent(u, t + 25 * HOUR, 24 * HOUR, &pct));
	assert_float_equal(pct, 0.0, 1e-9);
	for (int64_t m = (t + 25 * HOUR) / MIN - UPTIME_NBUCKETS; m < (t + 25 * HOUR) / MIN; m++) {
		uint32_t ms[STATE__COUNT];
		assert_true(uptime_bucket_ms(u, m, ms));          /* all 1440 slots in use */
		assert_true(ms[STATE_DOWN] <= 60000);
	}

	/* a 26 h window is a 24 h window */
	double p24;
	assert_true(uptime_percent(u, t + 25 * HOUR, 26 * HOUR, &pct));
	assert_true(uptime_percent(u, t + 25 * HOUR, 24 * HOUR, &p24));
	assert_float_equal(pct, p24, 1e-9);
}

static void test_fresh(void **state)
{
	uptime_t *u = new_uptime();
	double pct = -1;
	assert_false(uptime_percent(u, T0, HOUR, &pct));
	state_t out[3] = { STATE_UP, STATE_UP, STATE_UP };
	uptime_history(u, T0, MIN, out, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(out[i], STATE_UNKNOWN);
	assert_int_equal(uptime_bucket_state(u, T0 / MIN), STATE_UNKNOWN);
}

static void test_ring_basics(void **state)
{
	ring_t r;
	ring_init(&r, 5);
	int64_t t;
	double v, lo, hi;
	assert_false(ring_last(&r, &t, &v));
	assert_false(ring_get(&r, 0, &t, &v));
	assert_false(ring_range(&r, 0, &lo, &hi));
	for (int i = 1; i <= 3; i++)
		ring_push(&r, i * 1000, i * 10.0);
	assert_int_equal(r.len, 3);
	assert_true(ring_get(&r, 0, &t, &v));
	assert_int_equal(t, 1000);
	assert_float_equal(v, 10.0, 0);
	assert_true(ring_last(&r, &t, &v));
	assert_int_equal(t, 3000);
	assert_float_equal(v, 30.0, 0);
	/* wrap: the oldest are overwritten */
	for (int i = 4; i <= 8; i++)
		ring_push(&r, i * 1000, i * 10.0);
	assert_int_equal(r.len, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_true(ring_get(&r, i, &t, &v));
		assert_int_equal(t, (int64_t)(i + 4) * 1000);
		assert_float_equal(v, (i + 4) * 10.0, 0);
	}
	assert_false(ring_get(&r, 5, &t, &v));
	assert_true(ring_range(&r, 0, &lo, &hi));
	assert_float_equal(lo, 40, 0);
	assert_float_equal(hi, 80, 0);
	assert_true(ring_range(&r, 2, &lo, &hi));     /* the newest two */
	assert_float_equal(lo, 70, 0);
	assert_float_equal(hi, 80, 0);
	/* non-finite values are skipped by the range */
	ring_push(&r, 9000, NAN);
	ring_push(&r, 10000, INFINITY);
	assert_true(ring_range(&r, 0, &lo, &hi));
	assert_float_equal(lo, 60, 0);
	assert_float_equal(hi, 80, 0);
	assert_false(ring_range(&r, 2, &lo, &hi));
	ring_clear(&r);
	assert_int_equal(r.len, 0);
	ring_push(&r, 11000, -1.5);
	assert_true(ring_last(&r, &t, &v));
	assert_float_equal(v, -1.5, 0);
	ring_free(&r);

	/* a large ring grows as samples come, keeps order across growth and wrap */
	ring_init(&r, 720);
	for (int i = 0; i < 1000; i++)
		ring_push(&r, i, i);
	assert_int_equal(r.len, 720);
	assert_int_equal(r.alloc, 720);
	for (size_t i = 0; i < 720; i++) {
		assert_true(ring_get(&r, i, &t, &v));
		assert_int_equal(t, (int64_t)i + 280);
	}
	ring_free(&r);

	ring_init(&r, 1);
	ring_push(&r, 1, 1);
	ring_push(&r, 2, 2);
	assert_int_equal(r.len, 1);
	assert_true(ring_last(&r, &t, &v));
	assert_int_equal(t, 2);
	ring_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accrual_across_buckets),
		cmocka_unit_test(test_percent_windows),
		cmocka_unit_test(test_percent_partial_minutes),
		cmocka_unit_test(test_worst_state_bucket),
		cmocka_unit_test(test_history_any_width),
		cmocka_unit_test(test_time_backwards),
		cmocka_unit_test(test_wraparound_24h),
		cmocka_unit_test(test_fresh),
		cmocka_unit_test(test_ring_basics),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
