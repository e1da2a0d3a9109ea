/* test_uptime.c - unit tests of uptime accounting (buckets, windows, history, clock
 * jumps, 24 h wrap-around, compact storage against the old dense ring) and of the ring buffer. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/* ------------------------------------------------------------ compact storage */

/* Observes `state` every `step` ms over [from, to]. */
static void run_state(uptime_t *u, int64_t from, int64_t to, int64_t step, state_t state)
{
	for (int64_t t = from; t <= to; t += step)
		uptime_observe(u, t, state);
}

static void test_compact_whole_day(void **state)
{
	/* issue 17's figure: a day of whole minutes fits in about 2 KB and no heap */
	assert_true(sizeof(uptime_t) <= 2048);
	uptime_t *u = new_uptime();
	run_state(u, T0 + 1000, T0 + 25 * HOUR, 1000, STATE_UP);
	int64_t now = T0 + 25 * HOUR;
	assert_int_equal(uptime_heap_bytes(u), 0);
	int64_t oldest = 0;
	/* at a minute boundary every held minute is whole: nothing detailed */
	assert_int_equal(uptime_detailed(u, &oldest), 0);
	for (int64_t m = now / MIN - UPTIME_NBUCKETS; m < now / MIN; m++) {
		held_t h = bucket(u, m * MIN);
		assert_int_equal(h.ms[STATE_UP], 60000);
		assert_int_equal(uptime_bucket_state(u, m), STATE_UP);
	}
	double pct;
	assert_true(uptime_percent(u, now, 24 * HOUR, &pct));
	assert_float_equal(pct, 100.0, 0);
	assert_int_equal(uptime_observed_ms(u, now, 24 * HOUR), 24 * HOUR);
	/* the minute accruing is the one detailed minute */
	uptime_observe(u, now + 1000, STATE_UP);
	assert_int_equal(uptime_detailed(u, &oldest), 1);
	assert_int_equal(oldest, now / MIN);
	assert_int_equal(bucket(u, now).ms[STATE_UP], 1000);
	assert_int_equal(uptime_heap_bytes(u), 0);
}

static void test_compact_flapping_day(void **state)
{
	uptime_t *u = new_uptime();
	/* up 20 s, down 20 s, up 20 s, ... for 25 h */
	int64_t t = T0;
	for (int i = 0; t <= T0 + 25 * HOUR; i++, t += 20000)
		uptime_observe(u, t, i % 2 ? STATE_DOWN : STATE_UP);
	int64_t now = t - 20000;
	assert_int_equal(now, T0 + 25 * HOUR);
	int64_t oldest = 0;
	size_t n = uptime_detailed(u, &oldest);
	assert_int_equal(n, UPTIME_NBUCKETS);              /* every minute mixed, 24 h of them */
	assert_int_equal(oldest, now / MIN - UPTIME_NBUCKETS);
	assert_true(uptime_heap_bytes(u) <= UPTIME_NBUCKETS * sizeof(uptime_bucket_t));
	for (int64_t m = now / MIN - UPTIME_NBUCKETS; m < now / MIN; m++) {
		held_t h = bucket(u, m * MIN);
		/* minutes start alternately up-down-up and down-up-down */
		int64_t upms = (m - T0 / MIN) % 2 ? 20000 : 40000;
		assert_int_equal(h.ms[STATE_UP], upms);
		assert_int_equal(h.ms[STATE_DOWN], 60000 - upms);
		assert_int_equal(uptime_bucket_state(u, m), STATE_DOWN);
	}
	double pct;
	assert_true(uptime_percent(u, now, 24 * HOUR, &pct));
	assert_float_equal(pct, 50.0, 1e-9);

	/* then all up for a day: the detailed minutes roll out, the heap goes */
	uptime_observe(u, now, STATE_UP);
	for (t = now; t <= now + 25 * HOUR; t += 1000) {
		uptime_observe(u, t, STATE_UP);
		if ((t - now) % HOUR == 0) {
			/* never more than 24 h of detailed minutes, none older than 24 h */
			size_t k = uptime_detailed(u, &oldest);
			assert_true(k <= UPTIME_NBUCKETS);
			if (k)
				assert_true(oldest >= t / MIN - UPTIME_NBUCKETS);
		}
	}
	assert_int_equal(uptime_detailed(u, &oldest), 0);
	assert_int_equal(uptime_heap_bytes(u), 0);
	assert_true(uptime_percent(u, now + 25 * HOUR, 24 * HOUR, &pct));
	assert_float_equal(pct, 100.0, 0);
}

static void test_compact_seed(void **state)
{
	uptime_t *u = new_uptime();
	int64_t m0 = T0 / MIN;
	uint32_t up[STATE__COUNT] = { [STATE_UP] = 60000 };
	uint32_t down[STATE__COUNT] = { [STATE_DOWN] = 60000 };
	uint32_t part[STATE__COUNT] = { [STATE_UP] = 25000, [STATE_DEGRADED] = 5000 };
	int64_t oldest;
	/* whole minutes take no detailed entry */
	for (int i = 0; i < 10; i++)
		uptime_seed(u, m0 + i, up);
	assert_int_equal(uptime_detailed(u, &oldest), 0);
	assert_int_equal(bucket(u, (m0 + 3) * MIN).ms[STATE_UP], 60000);
	/* seeding into a whole minute adds nothing (at most a minute in all) */
	uptime_seed(u, m0 + 3, down);
	held_t h = bucket(u, (m0 + 3) * MIN);
	assert_int_equal(h.ms[STATE_UP], 60000);
	assert_int_equal(h.ms[STATE_DOWN], 0);
	assert_int_equal(uptime_bucket_state(u, m0 + 3), STATE_UP);
	/* into an empty minute: partial, held in detail */
	uptime_seed(u, m0 + 10, part);
	assert_int_equal(uptime_detailed(u, &oldest), 1);
	assert_int_equal(oldest, m0 + 10);
	h = bucket(u, (m0 + 10) * MIN);
	assert_int_equal(h.ms[STATE_UP], 25000);
	assert_int_equal(h.ms[STATE_DEGRADED], 5000);
	assert_int_equal(uptime_bucket_state(u, m0 + 10), STATE_DEGRADED);
	/* into a partial minute: topped up to a minute, never beyond */
	uptime_seed(u, m0 + 10, down);
	h = bucket(u, (m0 + 10) * MIN);
	assert_int_equal(h.ms[STATE_UP], 25000);
	assert_int_equal(h.ms[STATE_DEGRADED], 5000);
	assert_int_equal(h.ms[STATE_DOWN], 30000);
	assert_int_equal(uptime_detailed(u, &oldest), 1);
	/* a partial minute completed in one state becomes whole: folded */
	uint32_t half[STATE__COUNT] = { [STATE_DOWN] = 30000 };
	uptime_seed(u, m0 + 11, half);
	assert_int_equal(uptime_detailed(u, &oldest), 2);
	uptime_seed(u, m0 + 11, half);
	assert_int_equal(uptime_detailed(u, &oldest), 1);
	assert_int_equal(bucket(u, (m0 + 11) * MIN).ms[STATE_DOWN], 60000);
	assert_int_equal(uptime_bucket_state(u, m0 + 11), STATE_DOWN);
	/* a minute older than the one its slot holds is dropped */
	uptime_seed(u, m0 + 3 - UPTIME_NBUCKETS, down);
	assert_false(uptime_bucket_ms(u, m0 + 3 - UPTIME_NBUCKETS, h.ms));
	assert_int_equal(bucket(u, (m0 + 3) * MIN).ms[STATE_UP], 60000);
	/* a newer one replaces it */
	uptime_seed(u, m0 + 3 + UPTIME_NBUCKETS, down);
	assert_false(uptime_bucket_ms(u, m0 + 3, h.ms));
	assert_int_equal(bucket(u, (m0 + 3 + UPTIME_NBUCKETS) * MIN).ms[STATE_DOWN], 60000);
	/* the minutes now more than a day behind the newest are still what their
	 * slots hold (as they always were): m0..m0+2 in detail, m0+4.. as bytes */
	assert_int_equal(bucket(u, (m0 + 1) * MIN).ms[STATE_UP], 60000);
	assert_int_equal(bucket(u, (m0 + 4) * MIN).ms[STATE_UP], 60000);
	assert_int_equal(bucket(u, (m0 + 10) * MIN).ms[STATE_DOWN], 30000);
	assert_int_equal(uptime_bucket_state(u, m0 + 2), STATE_UP);
	assert_int_equal(uptime_detailed(u, &oldest), 4);
	assert_int_equal(oldest, m0);
	/* observing from there replaces them minute by minute */
	run_state(u, (m0 + 3 + UPTIME_NBUCKETS) * MIN, (m0 + 12 + UPTIME_NBUCKETS) * MIN, 1000, STATE_UP);
	assert_int_equal(bucket(u, (m0 + 3 + UPTIME_NBUCKETS) * MIN).ms[STATE_DOWN], 60000);   /* was whole */
	for (int i = 4; i < 12; i++) {
		assert_false(uptime_bucket_ms(u, m0 + i, h.ms));
		assert_int_equal(bucket(u, (m0 + i + UPTIME_NBUCKETS) * MIN).ms[STATE_UP], 60000);
	}
	assert_int_equal(uptime_detailed(u, &oldest), 3);
	assert_int_equal(oldest, m0);
	/* a day on, accrual has reached every slot: nothing older than 24 h is left */
	run_state(u, (m0 + 12 + UPTIME_NBUCKETS) * MIN, (m0 + 12 + 2 * UPTIME_NBUCKETS) * MIN, 10000, STATE_UP);
	assert_int_equal(uptime_detailed(u, &oldest), 0);
	assert_false(uptime_bucket_ms(u, m0 + 1, h.ms));
	assert_int_equal(uptime_heap_bytes(u), 0);
}

static void test_compact_minute_boundary(void **state)
{
	uptime_t *u = new_uptime();
	int64_t oldest;
	run_state(u, T0 + 50000, T0 + 70000, 1000, STATE_UP);
	/* the first minute (from :50) and the one accruing are detailed */
	assert_int_equal(uptime_detailed(u, &oldest), 2);
	assert_int_equal(oldest, T0 / MIN);
	assert_int_equal(bucket(u, T0).ms[STATE_UP], 10000);
	assert_int_equal(bucket(u, T0 + MIN).ms[STATE_UP], 10000);
	state_t out[3];
	uptime_history(u, T0 + 70000, MIN, out, 3);
	assert_int_equal(out[0], STATE_UNKNOWN);
	assert_int_equal(out[1], STATE_UP);
	assert_int_equal(out[2], STATE_UP);
	/* the minute completes: folded into its byte, the next one accrues */
	run_state(u, T0 + 71000, T0 + 2 * MIN + 1000, 1000, STATE_UP);
	assert_int_equal(uptime_detailed(u, &oldest), 2);
	assert_int_equal(bucket(u, T0 + MIN).ms[STATE_UP], 60000);
	assert_int_equal(bucket(u, T0 + 2 * MIN).ms[STATE_UP], 1000);
	uptime_observe(u, T0 + 2 * MIN + 1000, STATE_DOWN);
	uptime_observe(u, T0 + 3 * MIN, STATE_DOWN);
	assert_int_equal(uptime_detailed(u, &oldest), 2);   /* a mixed minute stays detailed */
	held_t h = bucket(u, T0 + 2 * MIN);
	assert_int_equal(h.ms[STATE_UP], 1000);
	assert_int_equal(h.ms[STATE_DOWN], 59000);
	/* one step over several minutes: whole ones are written as such */
	uptime_observe(u, T0 + 10 * MIN + 30000, STATE_UP);
	assert_int_equal(uptime_detailed(u, &oldest), 3);   /* + the half minute at the end */
	for (int i = 3; i < 10; i++)
		assert_int_equal(bucket(u, T0 + i * MIN).ms[STATE_DOWN], 60000);
	assert_int_equal(bucket(u, T0 + 10 * MIN).ms[STATE_DOWN], 30000);
	double pct;
	assert_true(uptime_percent(u, T0 + 11 * MIN, 10 * MIN, &pct));
	/* minute 1 up, 1 s of minute 2, the 30 s up in force in minute 10 */
	assert_float_equal(pct, 100.0 * (60000 + 1000 + 30000) / (10 * MIN), 1e-9);
}

static void test_compact_backwards(void **state)
{
	uptime_t *u = new_uptime();
	int64_t oldest;
	/* 2 h flapping every 20 s: 120 detailed minutes */
	int64_t t = T0;
	for (int i = 0; t <= T0 + 2 * HOUR; i++, t += 20000)
		uptime_observe(u, t, i % 2 ? STATE_DOWN : STATE_UP);
	assert_int_equal(uptime_detailed(u, &oldest), 120);
	/* the clock jumps back an hour and a half: the detailed minutes after it go */
	uptime_observe(u, T0 + 30 * MIN + 30000, STATE_UP);
	assert_int_equal(uptime_detailed(u, &oldest), 30);
	assert_int_equal(oldest, T0 / MIN);
	held_t h;
	assert_false(uptime_bucket_ms(u, T0 / MIN + 30, h.ms));
	assert_false(uptime_bucket_ms(u, T0 / MIN + 100, h.ms));
	assert_int_equal(uptime_bucket_state(u, T0 / MIN + 29), STATE_DOWN);
	/* accrual from the new time: minute 30 restarts from :30, then whole minutes */
	run_state(u, T0 + 31 * MIN, T0 + 3 * HOUR, 5000, STATE_UP);
	assert_int_equal(bucket(u, T0 + 30 * MIN).ms[STATE_UP], 30000);
	assert_int_equal(bucket(u, T0 + 30 * MIN).ms[STATE_DOWN], 0);
	for (int64_t m = T0 / MIN + 31; m < (T0 + 3 * HOUR) / MIN; m++) {
		held_t b = bucket(u, m * MIN);
		assert_int_equal(b.ms[STATE_UP], 60000);
	}
	assert_int_equal(uptime_detailed(u, &oldest), 31);   /* 30 flapping + the half minute */
	/* a small step back changes the state and keeps everything */
	uptime_observe(u, T0 + 3 * HOUR - 5000, STATE_DOWN);
	assert_int_equal(uptime_detailed(u, &oldest), 31);
	/* back two days: everything held is newer than that and goes */
	uptime_observe(u, T0 - 2 * 24 * HOUR, STATE_UP);
	assert_int_equal(uptime_detailed(u, &oldest), 0);
	assert_int_equal(uptime_heap_bytes(u), 0);
	uptime_observe(u, T0 - 24 * HOUR - MIN, STATE_UP);
	assert_int_equal(uptime_detailed(u, &oldest), 0);
	assert_false(uptime_bucket_ms(u, T0 / MIN, h.ms));
	double pct;
	assert_true(uptime_percent(u, T0 - 24 * HOUR - MIN, 24 * HOUR, &pct));
	assert_float_equal(pct, 100.0, 0);
}

/* ------------------------------------------------------------ differential test
 * The dense implementation uptime.c had before the compact storage (a 16-byte
 * bucket for each of the 1440 slots), kept as the reference: the compact one
 * must give the same results, to the millisecond, for any sequence of calls. */

typedef struct ref_bucket {
	int32_t minute;
	uint16_t ms[STATE__COUNT];
} ref_bucket_t;

typedef struct ref_uptime {
	ref_bucket_t b[UPTIME_NBUCKETS];
	state_t cur;
	int64_t last_ms;
} ref_uptime_t;

#define REF_DAY_MS ((int64_t)UPTIME_BUCKET_MS * UPTIME_NBUCKETS)
/* Backwards steps up to this size are jitter between two clocks read a few
 * ms apart (a result's done_ms vs the tick's now): the state changes, no time
 * is taken back. Larger steps are a wall-clock jump: accounting restarts at
 * the new time and buckets "from the future" are dropped. */
#define REF_JITTER_MS 10000

static int64_t ref_minute(int64_t ms)
{
	int64_t m = ms / UPTIME_BUCKET_MS;
	if (ms < 0 && m * UPTIME_BUCKET_MS != ms)
		m--;
	return m;
}

static size_t ref_slot(int64_t minute)
{
	int64_t s = minute % UPTIME_NBUCKETS;
	if (s < 0)
		s += UPTIME_NBUCKETS;
	return (size_t)s;
}

static void ref_init(ref_uptime_t *u)
{
	memset(u, 0, sizeof *u);
	for (size_t i = 0; i < UPTIME_NBUCKETS; i++)
		u->b[i].minute = -1;
	u->cur = STATE_UNKNOWN;
	u->last_ms = 0;
}

/* Adds [from, to) spent in state s, minute by minute. */
static void ref_accrue(ref_uptime_t *u, int64_t from, int64_t to, state_t s)
{
	if ((unsigned)s >= STATE__COUNT || to <= from)
		return;
	if (to - from > REF_DAY_MS)
		from = to - REF_DAY_MS;
	for (int64_t m = ref_minute(from); m * UPTIME_BUCKET_MS < to; m++) {
		int64_t lo = m * UPTIME_BUCKET_MS, hi = lo + UPTIME_BUCKET_MS;
		if (lo < from)
			lo = from;
		if (hi > to)
			hi = to;
		ref_bucket_t *b = &u->b[ref_slot(m)];
		if (b->minute != (int32_t)m) {
			memset(b, 0, sizeof *b);
			b->minute = (int32_t)m;
		}
		int64_t sum = 0;
		for (int k = 0; k < STATE__COUNT; k++)
			sum += b->ms[k];
		int64_t add = hi - lo;
		if (sum + add > UPTIME_BUCKET_MS)   /* never more than a minute per minute */
			add = UPTIME_BUCKET_MS - sum;
		if (add > 0)
			b->ms[s] = (uint16_t)(b->ms[s] + add);
	}
}

static void ref_observe(ref_uptime_t *u, int64_t now_ms, state_t state)
{
	if ((unsigned)state >= STATE__COUNT)
		state = STATE_UNKNOWN;
	if (u->last_ms == 0) {
		u->last_ms = now_ms;
		u->cur = state;
		return;
	}
	if (now_ms < u->last_ms) {
		if (u->last_ms - now_ms > REF_JITTER_MS) {
			int64_t nowmin = ref_minute(now_ms);
			for (size_t i = 0; i < UPTIME_NBUCKETS; i++)
				if (u->b[i].minute >= nowmin)
					u->b[i].minute = -1;
			u->last_ms = now_ms;
		}
		u->cur = state;
		return;
	}
	ref_accrue(u, u->last_ms, now_ms, u->cur);
	u->last_ms = now_ms;
	u->cur = state;
}

/* Time per state in minute m, restricted to [lo, hi): the stored bucket
 * (scaled by the part of the minute inside the range, since a bucket does not
 * know when within its minute the time was spent) plus the time not yet
 * accrued, [last_ms, now), in the state in force, counted exactly. */
static void ref_minute_ms(const ref_uptime_t *u, int64_t m, int64_t lo, int64_t hi,
                             int64_t now_ms, double out[STATE__COUNT])
{
	int64_t mlo = m * UPTIME_BUCKET_MS, mhi = mlo + UPTIME_BUCKET_MS;
	if (lo < mlo)
		lo = mlo;
	if (hi > mhi)
		hi = mhi;
	for (int k = 0; k < STATE__COUNT; k++)
		out[k] = 0;
	if (hi <= lo)
		return;
	const ref_bucket_t *b = &u->b[ref_slot(m)];
	if (b->minute == (int32_t)m) {
		/* the stored time (total T) was spent before last_ms, contiguously
		 * since observations began: assume it is [sh - T, sh) */
		int64_t sh = u->last_ms > mlo && u->last_ms < mhi ? u->last_ms : mhi;
		int64_t total = 0;
		for (int k = 0; k < STATE__COUNT; k++)
			total += b->ms[k];
		int64_t sl = sh - total;
		int64_t olo = lo > sl ? lo : sl, ohi = hi < sh ? hi : sh;
		double f = total > 0 && ohi > olo ? (double)(ohi - olo) / (double)total : 0.0;
		for (int k = 0; k < STATE__COUNT; k++)
			out[k] = b->ms[k] * f;
	}
	if (u->last_ms > 0 && now_ms > u->last_ms) {
		int64_t plo = u->last_ms, phi = now_ms;
		if (phi - plo > REF_DAY_MS)
			plo = phi - REF_DAY_MS;
		if (plo < lo)
			plo = lo;
		if (phi > hi)
			phi = hi;
		if (phi > plo && (unsigned)u->cur < STATE__COUNT)
			out[u->cur] += (double)(phi - plo);
	}
}

static bool ref_percent(const ref_uptime_t *u, int64_t now_ms, int64_t window_ms, double *pct)
{
	if (window_ms <= 0)
		return false;
	if (window_ms > REF_DAY_MS)
		window_ms = REF_DAY_MS;
	int64_t start = now_ms - window_ms;
	double avail = 0, down = 0;
	for (int64_t m = ref_minute(start); m <= ref_minute(now_ms - 1); m++) {
		double ms[STATE__COUNT];
		ref_minute_ms(u, m, start, now_ms, now_ms, ms);
		avail += ms[STATE_UP] + ms[STATE_STARTING] + ms[STATE_DEGRADED];
		down += ms[STATE_DOWN];
	}
	if (avail + down <= 0)
		return false;
	if (pct)
		*pct = 100.0 * avail / (avail + down);
	return true;
}

static int64_t ref_observed_ms(const ref_uptime_t *u, int64_t now_ms, int64_t window_ms)
{
	if (window_ms <= 0)
		return 0;
	if (window_ms > REF_DAY_MS)
		window_ms = REF_DAY_MS;
	int64_t start = now_ms - window_ms;
	double known = 0;
	for (int64_t m = ref_minute(start); m <= ref_minute(now_ms - 1); m++) {
		double ms[STATE__COUNT];
		ref_minute_ms(u, m, start, now_ms, now_ms, ms);
		for (int k = 0; k < STATE__COUNT; k++)
			if (k != STATE_UNKNOWN)
				known += ms[k];
	}
	return (int64_t)(known + 0.5);
}

static state_t ref_bucket_state(const ref_uptime_t *u, int64_t minute)
{
	const ref_bucket_t *b = &u->b[ref_slot(minute)];
	if (b->minute != (int32_t)minute)
		return STATE_UNKNOWN;
	state_t w = STATE_UNKNOWN;
	for (int k = 0; k < STATE__COUNT; k++)
		if (b->ms[k])
			w = state_worst(w, (state_t)k);
	return w;
}

static void ref_history(const ref_uptime_t *u, int64_t now_ms, int64_t span_ms, state_t *out, int n)
{
	if (n <= 0)
		return;
	int64_t spanm;
	if (span_ms > REF_DAY_MS)                 /* wider spans hold no more than 24 h */
		spanm = UPTIME_NBUCKETS + 1;
	else
		spanm = (span_ms + UPTIME_BUCKET_MS - 1) / UPTIME_BUCKET_MS;
	if (spanm < 1)
		spanm = 1;
	int64_t cur = ref_minute(now_ms - 1);
	int64_t oldest = cur - UPTIME_NBUCKETS;      /* nothing is kept before this */
	for (int i = 0; i < n; i++) {
		int64_t hi = cur - (int64_t)i * spanm;   /* newest minute of this span */
		int64_t lo = hi - spanm + 1;
		state_t w = STATE_UNKNOWN;
		if (hi >= oldest) {
			if (lo < oldest)
				lo = oldest;
			for (int64_t m = lo; m <= hi; m++) {
				double ms[STATE__COUNT];
				ref_minute_ms(u, m, now_ms - REF_DAY_MS, now_ms, now_ms, ms);
				for (int k = 0; k < STATE__COUNT; k++)
					if (ms[k] > 0)
						w = state_worst(w, (state_t)k);
			}
		}
		out[n - 1 - i] = w;
	}
}

static void ref_seed(ref_uptime_t *u, int64_t minute, const uint32_t ms[STATE__COUNT])
{
	ref_bucket_t *b = &u->b[ref_slot(minute)];
	if (b->minute > (int32_t)minute)
		return;                       /* the slot holds a newer minute */
	if (b->minute != (int32_t)minute) {
		memset(b, 0, sizeof *b);
		b->minute = (int32_t)minute;
	}
	int64_t sum = 0;
	for (int j = 0; j < STATE__COUNT; j++)
		sum += b->ms[j];
	for (int k = 0; k < STATE__COUNT; k++) {
		int64_t add = ms[k];
		if (sum + add > UPTIME_BUCKET_MS)
			add = UPTIME_BUCKET_MS - sum;
		if (add > 0) {
			b->ms[k] = (uint16_t)(b->ms[k] + add);
			sum += add;
		}
	}
}

static bool ref_bucket_ms(const ref_uptime_t *u, int64_t minute, uint32_t ms[STATE__COUNT])
{
	const ref_bucket_t *b = &u->b[ref_slot(minute)];
	if (b->minute != (int32_t)minute)
		return false;
	for (int k = 0; k < STATE__COUNT; k++)
		ms[k] = b->ms[k];
	return true;
}

static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

/* Uniform in [lo, hi]. */
static int64_t rnd(int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rng() % (uint64_t)(hi - lo + 1));
}

static ref_uptime_t the_ref;

/* Every minute either could hold, compared. */
static void diff_all_minutes(const uptime_t *u, const ref_uptime_t *r, int64_t lo, int64_t hi)
{
	for (int64_t m = lo; m <= hi; m++) {
		uint32_t a[STATE__COUNT] = { 0 }, b[STATE__COUNT] = { 0 };
		bool ha = uptime_bucket_ms(u, m, a), hb = ref_bucket_ms(r, m, b);
		assert_int_equal(ha, hb);
		for (int k = 0; k < STATE__COUNT; k++)
			assert_int_equal(a[k], b[k]);
		assert_int_equal(uptime_bucket_state(u, m), ref_bucket_state(r, m));
	}
}

static void diff_run(uint64_t seed, int steps)
{
	uptime_t *u = new_uptime();
	ref_uptime_t *r = &the_ref;
	ref_init(r);
	rng_state = seed;
	int64_t t = T0 + rnd(0, MIN);
	int64_t lo_t = t, hi_t = t;        /* the range of times used, for the full comparisons */
	state_t st = STATE_UP;
	for (int i = 0; i < steps; i++) {
		int op = (int)rnd(0, 99);
		if (op < 55) {                 /* observe */
			int kind = (int)rnd(0, 99);
			if (kind < 70)
				t += rnd(0, 2000);
			else if (kind < 82)
				t += rnd(0, 2 * MIN);
			else if (kind < 88)
				t += rnd(0, 3 * HOUR);
			else if (kind < 90)
				t += rnd(20 * HOUR, 30 * HOUR);
			else if (kind < 96)
				t -= rnd(0, 10001);        /* jitter, or just past it */
			else
				t -= rnd(10001, 50 * HOUR);
			if (rnd(0, 1))
				st = (state_t)rnd(0, STATE__COUNT);   /* STATE__COUNT: invalid, taken as unknown */
			uptime_observe(u, t, st);
			ref_observe(r, t, st);
			assert_int_equal(u->last_ms, r->last_ms);
			assert_int_equal(u->cur, r->cur);
		} else if (op < 65) {          /* seed */
			int64_t m = t / MIN + (rnd(0, 19) ? rnd(-3000, 100) : rnd(-6000, 6000));
			uint32_t ms[STATE__COUNT] = { 0 };
			int kind = (int)rnd(0, 3);
			if (kind == 0)
				ms[rnd(0, STATE__COUNT - 1)] = 60000;
			else if (kind == 1)
				ms[rnd(0, STATE__COUNT - 1)] = (uint32_t)rnd(0, 70000);
			else if (kind == 2)
				for (int k = 0; k < STATE__COUNT; k++)
					ms[k] = rnd(0, 2) ? 0 : (uint32_t)rnd(0, 30000);
			uptime_seed(u, m, ms);
			ref_seed(r, m, ms);
			if (m * MIN < lo_t)
				lo_t = m * MIN;
			if (m * MIN > hi_t)
				hi_t = m * MIN;
		} else {                       /* queries at a time near the last observed */
			int64_t now = (r->last_ms ? r->last_ms : t) + rnd(-MIN, 10 * MIN);
			int q = (int)rnd(0, 3);
			if (q == 0 || q == 1) {
				int64_t win = rnd(0, 9) ? rnd(-1, 2 * HOUR) : rnd(0, 26 * HOUR);
				double pa = -1, pb = -1;
				bool a = uptime_percent(u, now, win, &pa), b = ref_percent(r, now, win, &pb);
				assert_int_equal(a, b);
				assert_true(pa == pb);     /* the same arithmetic: bit for bit */
				assert_int_equal(uptime_observed_ms(u, now, win), ref_observed_ms(r, now, win));
			} else if (q == 2) {
				int64_t m = now / MIN + rnd(-1500, 50);
				assert_int_equal(uptime_bucket_state(u, m), ref_bucket_state(r, m));
				uint32_t a[STATE__COUNT] = { 0 }, b[STATE__COUNT] = { 0 };
				assert_int_equal(uptime_bucket_ms(u, m, a), ref_bucket_ms(r, m, b));
				assert_memory_equal(a, b, sizeof a);
			} else {
				state_t ha[40], hb[40];
				int n = (int)rnd(1, 40);
				int64_t span = rnd(0, 9) ? rnd(0, 5 * MIN) : rnd(0, 30 * HOUR);
				uptime_history(u, now, span, ha, n);
				ref_history(r, now, span, hb, n);
				assert_memory_equal(ha, hb, n * sizeof ha[0]);
			}
		}
		if (t < lo_t)
			lo_t = t;
		if (t > hi_t)
			hi_t = t;
		/* one detailed minute a slot at most, so never more than 24 h of them */
		assert_true(uptime_detailed(u, NULL) <= UPTIME_NBUCKETS);
		assert_true(uptime_heap_bytes(u) <= UPTIME_NBUCKETS * sizeof(uptime_bucket_t));
		if (i % 5000 == 4999)
			diff_all_minutes(u, r, lo_t / MIN - 2, hi_t / MIN + 200);
	}
	diff_all_minutes(u, r, lo_t / MIN - 2, hi_t / MIN + 200);
}

static void test_compact_differential(void **state)
{
	/* ~100k random observe/seed/query steps in runs of different shapes */
	static const uint64_t seeds[] = { 0x9e3779b97f4a7c15ULL, 12345, 0xdeadbeefcafef00dULL, 42 };
	for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++)
		diff_run(seeds[i], 25000);
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
		cmocka_unit_test(test_compact_whole_day),
		cmocka_unit_test(test_compact_flapping_day),
		cmocka_unit_test(test_compact_seed),
		cmocka_unit_test(test_compact_minute_boundary),
		cmocka_unit_test(test_compact_backwards),
		cmocka_unit_test(test_compact_differential),
		cmocka_unit_test(test_ring_basics),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
