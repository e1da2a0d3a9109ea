/* test_buckets.c - unit tests of the history's bucket arithmetic: UTC
 * boundaries, worst state wins, unknown vs down, not-watched gaps, retention,
 * the merge rule of two writers, and the chunk encoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "buckets.h"

#define SEC 1000LL
#define MIN 60000LL
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)
/* 2026-03-29T00:00:00Z: the night Europe moves its clocks; UTC does not. */
#define T_DST 1774742400000LL

static void test_boundaries(void **state)
{
	assert_int_equal(buckets_index(BUCKET_MINUTE, 0), 0);
	assert_int_equal(buckets_index(BUCKET_MINUTE, MIN - 1), 0);
	assert_int_equal(buckets_index(BUCKET_MINUTE, MIN), 1);
	/* before 1970 the bucket still starts at or before the time */
	assert_int_equal(buckets_index(BUCKET_MINUTE, -1), -1);
	assert_int_equal(buckets_index(BUCKET_HOUR, -HOUR), -1);
	assert_int_equal(buckets_index(BUCKET_HOUR, -HOUR - 1), -2);
	assert_int_equal(buckets_start_ms(BUCKET_DAY, buckets_index(BUCKET_DAY, T_DST + 5 * HOUR)), T_DST);
	/* UTC: the DST night has 24 hour buckets, each exactly an hour */
	int64_t h0 = buckets_index(BUCKET_HOUR, T_DST), h24 = buckets_index(BUCKET_HOUR, T_DST + DAY);
	assert_int_equal(h24 - h0, 24);
	assert_int_equal(buckets_index(BUCKET_DAY, T_DST), 20541);     /* days since 1970-01-01 */
	assert_int_equal(buckets_index(BUCKET_DAY, T_DST - 1), 20540);
	/* chunks: an hour of minutes, a day of hours, 32 days */
	assert_int_equal(buckets_chunk_of(BUCKET_MINUTE, 59), 0);
	assert_int_equal(buckets_chunk_of(BUCKET_MINUTE, 60), 1);
	assert_int_equal(buckets_chunk_of(BUCKET_MINUTE, -1), -1);
	assert_int_equal(buckets_chunk_of(BUCKET_HOUR, h0), h0 / 24);
	assert_int_equal(buckets_chunk_of(BUCKET_DAY, 20541), 20541 / 32);
	/* weeks start on Monday: 2026-03-29 is a Sunday, 2026-03-30 a Monday */
	assert_int_equal(buckets_week_of_day(20541 + 1), buckets_week_of_day(20541) + 1);
	assert_int_equal(buckets_week_of_day(20541 + 7), buckets_week_of_day(20541 + 1));      /* next Sunday */
	assert_int_equal(buckets_week_of_day(20541 + 8), buckets_week_of_day(20541 + 1) + 1);
	assert_int_equal(buckets_week_of_day(20541 - 6), buckets_week_of_day(20541));   /* Monday 23rd */
	assert_int_equal(buckets_week_of_day(20541 - 7), buckets_week_of_day(20541) - 1);  /* Sunday 22nd */
	assert_int_equal(buckets_week_of_day(0), 0);     /* Thursday 1970-01-01 */
	assert_int_equal(buckets_week_of_day(-3), 0);    /* Monday 1969-12-29 */
	assert_int_equal(buckets_week_of_day(-4), -1);
}

static void test_accrue_across_boundaries(void **state)
{
	bucket_t b[3];
	memset(b, 0, sizeof b);
	int64_t m0 = T_DST + 10 * MIN;
	/* 10:30 up until 12:15 of the next two minutes, spread over three buckets */
	for (int i = 0; i < 3; i++)
		buckets_accrue(&b[i], m0 + i * MIN, MIN, m0 + 30 * SEC, m0 + 2 * MIN + 15 * SEC, HS_UP);
	assert_int_equal(b[0].ms[HS_UP], 30 * SEC);
	assert_int_equal(b[1].ms[HS_UP], 60 * SEC);
	assert_int_equal(b[2].ms[HS_UP], 15 * SEC);
	/* outside the bucket and empty spans add nothing */
	buckets_accrue(&b[0], m0, MIN, m0 + MIN, m0 + 2 * MIN, HS_DOWN);
	buckets_accrue(&b[0], m0, MIN, m0 + 5 * SEC, m0 + 5 * SEC, HS_DOWN);
	buckets_accrue(&b[0], m0, MIN, m0 - MIN, m0, HS_DOWN);
	assert_int_equal(b[0].ms[HS_DOWN], 0);
	assert_int_equal(buckets_not_watched_ms(&b[0], MIN), 30 * SEC);
	assert_int_equal(buckets_not_watched_ms(&b[1], MIN), 0);
}

static void test_worst_state_wins(void **state)
{
	bucket_t b = { { 0 }, 0, 0 };
	assert_int_equal(buckets_worst(&b), HS_NOT_WATCHED);
	assert_string_equal(buckets_state_name(buckets_worst(&b)), "not watched");
	b.ms[HS_UNKNOWN] = 5 * SEC;
	assert_int_equal(buckets_worst(&b), HS_UNKNOWN);
	b.ms[HS_UP] = 50 * SEC;
	assert_int_equal(buckets_worst(&b), HS_UP);
	b.ms[HS_STANDBY] = 1 * SEC;
	assert_int_equal(buckets_worst(&b), HS_STANDBY);
	b.ms[HS_DEGRADED] = 1 * SEC;
	assert_int_equal(buckets_worst(&b), HS_DEGRADED);
	b.ms[HS_DOWN] = 1;          /* one millisecond down is enough for the colour */
	assert_int_equal(buckets_worst(&b), HS_DOWN);
	assert_string_equal(buckets_state_name(HS_DOWN), "down");
	assert_int_equal(buckets_from_state(STATE_DOWN), HS_DOWN);
	assert_int_equal(buckets_from_state(STATE_UNKNOWN), HS_UNKNOWN);
	assert_int_equal(buckets_from_state(STATE_STARTING), HS_STARTING);
}

static void test_unknown_is_not_down(void **state)
{
	bucket_t b = { { 0 }, 0, 0 };
	double pct = -1;
	b.ms[HS_UNKNOWN] = 40 * SEC;
	b.ms[HS_STANDBY] = 10 * SEC;
	assert_false(buckets_percent(&b, &pct));     /* nothing counted: no figure, not 0 % */
	assert_true(pct == -1);
	b.ms[HS_UP] = 9 * SEC;
	b.ms[HS_DOWN] = 1 * SEC;
	assert_true(buckets_percent(&b, &pct));
	assert_float_equal(pct, 90.0, 1e-9);         /* unknown and standby left out */
	assert_int_equal(buckets_seen_ms(&b), 60 * SEC);
	assert_int_equal(buckets_counted_ms(&b), 10 * SEC);
	b.ms[HS_STARTING] = 5 * SEC;
	b.ms[HS_DEGRADED] = 5 * SEC;
	assert_true(buckets_percent(&b, &pct));
	assert_float_equal(pct, 95.0, 1e-9);         /* starting and degraded are available */
}

static void test_not_watched_gap_in_a_day(void **state)
{
	/* nodetop ran 00:00-06:00 (up) and 18:00-24:00 (2 h down): the 12 h between are not watched */
	bucket_t day = { { 0 }, 0, 0 };
	buckets_accrue(&day, T_DST, DAY, T_DST, T_DST + 6 * HOUR, HS_UP);
	buckets_accrue(&day, T_DST, DAY, T_DST + 18 * HOUR, T_DST + 22 * HOUR, HS_UP);
	buckets_accrue(&day, T_DST, DAY, T_DST + 22 * HOUR, T_DST + DAY, HS_DOWN);
	assert_int_equal(buckets_not_watched_ms(&day, DAY), 12 * HOUR);
	double pct;
	assert_true(buckets_percent(&day, &pct));
	assert_float_equal(pct, 100.0 * 10 / 12, 1e-9);
	assert_int_equal(buckets_worst(&day), HS_DOWN);
}

static void test_retention(void **state)
{
	int64_t now = T_DST + 12 * HOUR;
	/* the hour chunk of minutes ending exactly 48 h ago is rolled up; the next is not */
	int64_t c = buckets_chunk_of(BUCKET_MINUTE, buckets_index(BUCKET_MINUTE, now - 48 * HOUR - 1));
	assert_true(buckets_chunk_expired(BUCKET_MINUTE, c, now));
	assert_false(buckets_chunk_expired(BUCKET_MINUTE, c + 1, now));
	assert_false(buckets_chunk_expired(BUCKET_MINUTE, c, now - 1));
	assert_int_equal(buckets_expired_before(BUCKET_MINUTE, now), c + 1);
	/* the same judgement by the chunk's end, for a run of times around the edge */
	for (int64_t t = now - 2 * HOUR; t < now + 2 * HOUR; t += 7 * SEC + 1) {
		int64_t end = buckets_start_ms(BUCKET_MINUTE, (c + 1) * 60);
		assert_int_equal(buckets_chunk_expired(BUCKET_MINUTE, c, t), end <= t - 48 * HOUR);
	}
	/* hours: a day chunk that ended 35 days ago */
	int64_t dc = buckets_chunk_of(BUCKET_HOUR, buckets_index(BUCKET_HOUR, T_DST - 35 * DAY));
	assert_true(buckets_chunk_expired(BUCKET_HOUR, dc, T_DST + DAY));
	assert_false(buckets_chunk_expired(BUCKET_HOUR, dc, T_DST + DAY - 1));
	/* days: 400 days */
	assert_int_equal(buckets_keep_ms(BUCKET_DAY), 400 * DAY);
	int64_t yc = buckets_chunk_of(BUCKET_DAY, buckets_index(BUCKET_DAY, now));
	assert_false(buckets_chunk_expired(BUCKET_DAY, yc, now + 399 * DAY));
	assert_true(buckets_chunk_expired(BUCKET_DAY, yc, now + 432 * DAY));
}

static bucket_t mk(uint32_t unknown, uint32_t up, uint32_t standby, uint32_t starting, uint32_t degraded, uint32_t down)
{
	bucket_t b = { { unknown, up, standby, starting, degraded, down }, 0, 0 };
	return b;
}

/* A bucket observed over [first, last) (ms from its start). */
static bucket_t at(bucket_t b, uint32_t first, uint32_t last)
{
	b.first = first;
	b.last = last;
	return b;
}

/* What one writer records: state st over [t0, t1) inside the minute at 0. */
static bucket_t watched(int64_t t0, int64_t t1, hstate_t st)
{
	bucket_t b = mk(0, 0, 0, 0, 0, 0);
	buckets_accrue(&b, 0, MIN, t0, t1, st);
	return b;
}

static void assert_bucket(const bucket_t *b, const bucket_t *want)
{
	for (int s = 0; s < HS__COUNT; s++)
		assert_int_equal(b->ms[s], want->ms[s]);
}

static void test_merge_two_writers(void **state)
{
	/* accrual records the span observed */
	bucket_t a = watched(10 * SEC, 40 * SEC, HS_UP), b;
	assert_int_equal(a.first, 10 * SEC);
	assert_int_equal(a.last, 40 * SEC);
	buckets_accrue(&a, 0, MIN, 45 * SEC, 50 * SEC, HS_DOWN);
	assert_int_equal(a.first, 10 * SEC);
	assert_int_equal(a.last, 50 * SEC);

	/* the same span twice (two processes started at :10, stopped at :40): counted once */
	a = watched(10 * SEC, 40 * SEC, HS_UP);
	b = a;
	buckets_merge(&a, &b, MIN);
	bucket_t want = mk(0, 30 * SEC, 0, 0, 0, 0);
	assert_bucket(&a, &want);
	assert_int_equal(a.first, 10 * SEC);
	assert_int_equal(a.last, 40 * SEC);
	/* two whole minutes: once */
	a = watched(0, MIN, HS_UP);
	b = a;
	buckets_merge(&a, &b, MIN);
	want = mk(0, 60 * SEC, 0, 0, 0, 0);
	assert_bucket(&a, &want);

	/* disjoint halves (a restart inside the minute): both kept, summed */
	a = watched(0, 20 * SEC, HS_UP);
	b = watched(20 * SEC, MIN, HS_UP);
	buckets_accrue(&b, 0, MIN, 0, 0, HS_DOWN);      /* empty: changes nothing */
	buckets_merge(&a, &b, MIN);
	want = mk(0, 60 * SEC, 0, 0, 0, 0);
	assert_bucket(&a, &want);
	a = watched(0, 20 * SEC, HS_UP);
	b = watched(25 * SEC, 40 * SEC, HS_DOWN);
	buckets_merge(&a, &b, MIN);
	want = mk(0, 20 * SEC, 0, 0, 0, 15 * SEC);
	assert_bucket(&a, &want);
	assert_int_equal(a.first, 0);
	assert_int_equal(a.last, 40 * SEC);

	/* partial overlap: the union (10..40 and 20..50: 40 s, not 60) */
	a = watched(10 * SEC, 40 * SEC, HS_UP);
	b = watched(20 * SEC, 50 * SEC, HS_UP);
	buckets_merge(&a, &b, MIN);
	want = mk(0, 40 * SEC, 0, 0, 0, 0);
	assert_bucket(&a, &want);

	/* one saw it up, the other down over the same time: in the overlap the worst wins,
	 * outside it each writer's own time stands */
	a = watched(0, MIN, HS_UP);
	b = watched(10 * SEC, 30 * SEC, HS_DOWN);
	buckets_accrue(&b, 0, MIN, 30 * SEC, 40 * SEC, HS_UP);
	buckets_merge(&a, &b, MIN);
	want = mk(0, 40 * SEC, 0, 0, 0, 20 * SEC);
	assert_bucket(&a, &want);
	a = watched(0, 30 * SEC, HS_DEGRADED);
	b = watched(20 * SEC, 40 * SEC, HS_DOWN);
	buckets_merge(&a, &b, MIN);                     /* union 40 s: 10 s of degraded give way */
	want = mk(0, 0, 0, 0, 20 * SEC, 20 * SEC);
	assert_bucket(&a, &want);

	/* unknown is kept apart from down: it gives way to what the other saw, never becomes down */
	a = watched(0, 30 * SEC, HS_UNKNOWN);
	b = watched(0, 30 * SEC, HS_DOWN);
	buckets_merge(&a, &b, MIN);
	want = mk(0, 0, 0, 0, 0, 30 * SEC);
	assert_bucket(&a, &want);
	a = watched(0, 30 * SEC, HS_UNKNOWN);
	b = watched(30 * SEC, MIN, HS_DOWN);
	buckets_merge(&a, &b, MIN);
	want = mk(30 * SEC, 0, 0, 0, 0, 30 * SEC);
	assert_bucket(&a, &want);
	a = watched(0, 40 * SEC, HS_UNKNOWN);
	b = watched(20 * SEC, MIN, HS_UP);
	buckets_merge(&a, &b, MIN);                     /* the overlap was seen up by b */
	want = mk(20 * SEC, 40 * SEC, 0, 0, 0, 0);
	assert_bucket(&a, &want);

	/* a row of the first format (no span): read as watched from the bucket's start */
	a = mk(0, 20 * SEC, 0, 0, 0, 0);
	b = watched(0, 20 * SEC, HS_UP);
	buckets_merge(&a, &b, MIN);
	want = mk(0, 20 * SEC, 0, 0, 0, 0);
	assert_bucket(&a, &want);
	a = mk(0, 20 * SEC, 0, 0, 0, 0);
	b = watched(30 * SEC, MIN, HS_UP);
	buckets_merge(&a, &b, MIN);
	want = mk(0, 50 * SEC, 0, 0, 0, 0);
	assert_bucket(&a, &want);

	/* holes inside a span are not counted as watched by both: the union is never undercounted */
	a = watched(0, 10 * SEC, HS_UP);
	buckets_accrue(&a, 0, MIN, 50 * SEC, MIN, HS_UP);   /* span 0..60, 20 s seen */
	b = watched(20 * SEC, 40 * SEC, HS_DOWN);
	buckets_merge(&a, &b, MIN);
	want = mk(0, 20 * SEC, 0, 0, 0, 20 * SEC);
	assert_bucket(&a, &want);

	/* clamping still holds: nothing exceeds the bucket, however malformed the input */
	a = at(mk(40 * SEC, 40 * SEC, 0, 0, 0, 0), 0, MIN);
	b = at(mk(0, 0, 0, 0, 0, 50 * SEC), 0, MIN);
	buckets_merge(&a, &b, MIN);
	assert_true(buckets_seen_ms(&a) <= MIN);
	assert_int_equal(a.ms[HS_DOWN], 50 * SEC);
	assert_true(a.last <= MIN);
	bucket_t c = at(mk(0, 90 * SEC, 0, 0, 0, 0), 0, 90 * SEC);
	buckets_clamp(&c, MIN);
	want = mk(0, 60 * SEC, 0, 0, 0, 0);
	assert_bucket(&c, &want);
	assert_int_equal(c.last, MIN);
}

/* The length of the union of [lo[k], hi[k]), k < n, the plain way: sorted by start. */
static int64_t union_ms(const int64_t *lo, const int64_t *hi, int n)
{
	int ord[3] = { 0, 1, 2 };
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (lo[ord[j]] < lo[ord[i]]) {
				int t = ord[i];
				ord[i] = ord[j];
				ord[j] = t;
			}
	int64_t total = 0, end = INT64_MIN;
	for (int i = 0; i < n; i++) {
		int64_t a = lo[ord[i]], b = hi[ord[i]];
		if (a < end)
			a = end;
		if (b > a)
			total += b - a;
		if (b > end)
			end = b;
	}
	return total;
}

static void test_merge_order_does_not_matter(void **state)
{
	/* a small deterministic generator of gap-free spans: two writers merge the same either
	 * way round, and the seen time is the exact union of the spans, whatever the order of
	 * three writers */
	uint32_t x = 12345;
	for (int round = 0; round < 2000; round++) {
		bucket_t w[3];
		int64_t lo[3], hi[3];
		for (int k = 0; k < 3; k++) {
			x = x * 1103515245u + 12345u;
			lo[k] = (x >> 8) % (MIN + 1);
			x = x * 1103515245u + 12345u;
			hi[k] = (x >> 8) % (MIN + 1);
			if (hi[k] < lo[k]) {
				int64_t t = lo[k];
				lo[k] = hi[k];
				hi[k] = t;
			}
			w[k] = mk(0, 0, 0, 0, 0, 0);
			int64_t t = lo[k];
			while (t < hi[k]) {             /* runs of random states, gap-free */
				x = x * 1103515245u + 12345u;
				int64_t e = t + 1 + (x >> 8) % (hi[k] - t);
				buckets_accrue(&w[k], 0, MIN, t, e, (hstate_t)((x >> 3) % HS__COUNT));
				t = e;
			}
		}
		bucket_t ab = w[0], ba = w[1];
		buckets_merge(&ab, &w[1], MIN);
		buckets_merge(&ba, &w[0], MIN);
		assert_bucket(&ab, &ba);
		assert_int_equal(ab.first, ba.first);
		assert_int_equal(ab.last, ba.last);
		int64_t uni2 = union_ms(lo, hi, 2), uni3 = union_ms(lo, hi, 3);
		assert_int_equal(buckets_seen_ms(&ab), uni2);
		bool disjoint = hi[0] <= lo[1] || hi[1] <= lo[0];
		for (int s = 0; s < HS__COUNT; s++) {
			if (disjoint)                   /* disjoint spans: added */
				assert_int_equal(ab.ms[s], w[0].ms[s] + w[1].ms[s]);
			else                            /* never more than both, never less than the worse */
				assert_true(ab.ms[s] <= w[0].ms[s] + w[1].ms[s]);
		}
		assert_int_equal(ab.ms[HS_DOWN] >= w[0].ms[HS_DOWN] && ab.ms[HS_DOWN] >= w[1].ms[HS_DOWN], 1);
		/* three writers' rows, in any order: the exact union, the same figures */
		bucket_t abc, cba, rows[3] = { w[0], w[1], w[2] }, back[3] = { w[2], w[1], w[0] };
		buckets_merge_writers(&abc, rows, 3, 1, MIN);
		buckets_merge_writers(&cba, back, 3, 1, MIN);
		assert_int_equal(buckets_seen_ms(&abc), uni3);
		assert_bucket(&abc, &cba);
		/* merging a writer with itself changes nothing */
		bucket_t self = w[2];
		buckets_merge(&self, &w[2], MIN);
		assert_bucket(&self, &w[2]);
	}
}

static void test_merge_three_writers(void **state)
{
	/* run 1 watched :00-:20 of a minute and was stopped; run 2's two processes
	 * watched :35-:60 and :36-:60 of it: 45 s seen, in whatever order the rows come */
	bucket_t w[3] = { watched(0, 20 * SEC, HS_DOWN), watched(35 * SEC, MIN, HS_UP), watched(36 * SEC, MIN, HS_UP) };
	int orders[6][3] = { { 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 }, { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 } };
	for (int k = 0; k < 6; k++) {
		bucket_t rows[3][2], out[2];
		for (int r = 0; r < 3; r++) {
			rows[r][0] = w[orders[k][r]];
			rows[r][1] = mk(0, 0, 0, 0, 0, 0);       /* a second bucket nobody watched */
		}
		buckets_merge_writers(out, &rows[0][0], 3, 2, MIN);
		bucket_t want = mk(0, 25 * SEC, 0, 0, 0, 20 * SEC);
		assert_bucket(&out[0], &want);
		assert_int_equal(out[0].first, 0);
		assert_int_equal(out[0].last, MIN);
		assert_int_equal(buckets_seen_ms(&out[1]), 0);
	}
	/* one row alone is itself */
	bucket_t one;
	buckets_merge_writers(&one, &w[1], 1, 1, MIN);
	assert_bucket(&one, &w[1]);
}

static void test_rollup_keeps_seen_time(void **state)
{
	/* minutes -> hour -> day: each finer bucket at its offset; seen time adds up exactly */
	bucket_t mins[60], hour = mk(0, 0, 0, 0, 0, 0), day = mk(0, 0, 0, 0, 0, 0);
	uint64_t total = 0, down = 0;
	for (int i = 0; i < 60; i++) {
		mins[i] = mk(0, 0, 0, 0, 0, 0);
		if (i % 7 == 3)
			continue;                          /* not watched */
		int64_t f = (i * 13) % 50 * SEC, l = MIN - (i % 5) * SEC;
		buckets_accrue(&mins[i], 0, MIN, f, l, i % 11 == 0 ? HS_DOWN : HS_UP);
		total += (uint64_t)(l - f);
		down += i % 11 == 0 ? (uint64_t)(l - f) : 0;
	}
	for (int i = 0; i < 60; i++)
		buckets_merge_at(&hour, HOUR, &mins[i], i * MIN);
	assert_int_equal(buckets_seen_ms(&hour), total);
	assert_int_equal(hour.ms[HS_DOWN], down);
	assert_int_equal(hour.first, 0 * MIN + 0);
	assert_int_equal(hour.last, 58 * MIN + MIN - 3 * SEC);   /* minute 59 was not watched */
	for (int hr = 0; hr < 24; hr += 2)           /* every other hour of a day */
		buckets_merge_at(&day, DAY, &hour, hr * HOUR);
	assert_int_equal(buckets_seen_ms(&day), 12 * total);
	assert_int_equal(day.ms[HS_DOWN], 12 * down);
	assert_int_equal(day.last, 22 * HOUR + hour.last);
}

static void test_encode_roundtrip(void **state)
{
	bucket_t in[60], out[60];
	memset(in, 0, sizeof in);
	uint8_t buf[BUCKETS_ENCODE_MAX(60)];
	/* an hour never watched, then a steady hour: a few bytes each */
	size_t n = buckets_encode(in, 60, buf, sizeof buf);
	assert_int_equal(n, 3);
	assert_true(buckets_decode(buf, n, out, 60, MIN));
	assert_memory_equal(in, out, sizeof in);
	for (int i = 0; i < 60; i++)
		in[i] = at(mk(0, MIN, 0, 0, 0, 0), 0, MIN);
	n = buckets_encode(in, 60, buf, sizeof buf);
	assert_int_equal(n, 10);
	assert_true(buckets_decode(buf, n, out, 60, MIN));
	assert_memory_equal(in, out, sizeof in);
	/* a mixed hour */
	in[7] = at(mk(1, 2, 3, 4, 5, 6), 100, 200);
	in[8] = at(mk(0, 0, 0, 0, 0, MIN), 0, MIN);
	in[59] = at(mk(0, 30 * SEC, 0, 0, 0, 0), 30 * SEC, MIN);
	n = buckets_encode(in, 60, buf, sizeof buf);
	assert_true(n > 10);
	assert_true(buckets_decode(buf, n, out, 60, MIN));
	assert_memory_equal(in, out, sizeof in);
	/* too small an output buffer: 0, never an overrun */
	assert_int_equal(buckets_encode(in, 60, buf, 5), 0);

	/* malformed input is refused: wrong version, short, long, over-full, zero run */
	assert_false(buckets_decode(buf, n - 1, out, 60, MIN));
	uint8_t longer[sizeof buf + 1];
	memcpy(longer, buf, n);
	longer[n] = 0;
	assert_false(buckets_decode(longer, n + 1, out, 60, MIN));
	assert_false(buckets_decode(buf, n, out, 59, MIN));
	buf[0] = 3;
	assert_false(buckets_decode(buf, n, out, 60, MIN));
	assert_false(buckets_decode(buf, 0, out, 60, MIN));
	const uint8_t zero_run[] = { 1, 0, 0 };
	assert_false(buckets_decode(zero_run, sizeof zero_run, out, 1, MIN));
	const uint8_t overfull[] = { 1, 1, 0x03, 0xe0, 0xd4, 0x03, 0x01 };   /* 60000 + 1 ms in a minute */
	assert_false(buckets_decode(overfull, sizeof overfull, out, 1, MIN));
	const uint8_t okfull[] = { 1, 1, 0x02, 0xe0, 0xd4, 0x03 };           /* 60000 ms up */
	assert_true(buckets_decode(okfull, sizeof okfull, out, 1, MIN));
	assert_int_equal(out[0].ms[HS_UP], MIN);
	/* format 1 (schema 1, no spans): read as watched from the bucket's start */
	const uint8_t v1part[] = { 1, 1, 0x02, 0xa0, 0x9c, 0x01 };           /* 20000 ms up */
	assert_true(buckets_decode(v1part, sizeof v1part, out, 1, MIN));
	assert_int_equal(out[0].ms[HS_UP], 20 * SEC);
	assert_int_equal(out[0].first, 0);
	assert_int_equal(out[0].last, 20 * SEC);
	/* format 2: the span is kept; one shorter than its time, or past the bucket, is refused */
	const uint8_t v2[] = { 2, 1, 0x02, 0xa0, 0x9c, 0x01, 0x90, 0x4e, 0xa0, 0x9c, 0x01 };  /* 20 s up in 10..30 s */
	assert_true(buckets_decode(v2, sizeof v2, out, 1, MIN));
	assert_int_equal(out[0].first, 10 * SEC);
	assert_int_equal(out[0].last, 30 * SEC);
	const uint8_t v2short[] = { 2, 1, 0x02, 0xa0, 0x9c, 0x01, 0x00, 0x90, 0x4e };           /* 20 s in a 10 s span */
	assert_false(buckets_decode(v2short, sizeof v2short, out, 1, MIN));
	const uint8_t v2past[] = { 2, 1, 0x02, 0xa0, 0x9c, 0x01, 0xc0, 0xb8, 0x02, 0xa0, 0x9c, 0x01 }; /* 40..60 s */
	assert_true(buckets_decode(v2past, sizeof v2past, out, 1, MIN));
	const uint8_t v2over[] = { 2, 1, 0x02, 0xa0, 0x9c, 0x01, 0xc1, 0xb8, 0x02, 0xa0, 0x9c, 0x01 };
	assert_false(buckets_decode(v2over, sizeof v2over, out, 1, MIN));
	const uint8_t badmask[] = { 1, 1, 0x40 };
	assert_false(buckets_decode(badmask, sizeof badmask, out, 1, MIN));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boundaries),
		cmocka_unit_test(test_accrue_across_boundaries),
		cmocka_unit_test(test_worst_state_wins),
		cmocka_unit_test(test_unknown_is_not_down),
		cmocka_unit_test(test_not_watched_gap_in_a_day),
		cmocka_unit_test(test_retention),
		cmocka_unit_test(test_merge_two_writers),
		cmocka_unit_test(test_merge_order_does_not_matter),
		cmocka_unit_test(test_merge_three_writers),
		cmocka_unit_test(test_rollup_keeps_seen_time),
		cmocka_unit_test(test_encode_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
