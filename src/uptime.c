/* uptime.c - availability accounting for one indicator: time spent in each
 * state per one-minute bucket over 24 h, windows in percent, worst state per span. */
#include <string.h>

#include "uptime.h"

#define DAY_MS ((int64_t)UPTIME_BUCKET_MS * UPTIME_NBUCKETS)
/* Backwards steps up to this size are jitter between two clocks read a few
 * ms apart (a result's done_ms vs the tick's now): the state changes, no time
 * is taken back. Larger steps are a wall-clock jump: accounting restarts at
 * the new time and buckets "from the future" are dropped. */
#define UPTIME_JITTER_MS 10000

static int64_t uptime_minute(int64_t ms)
{
	int64_t m = ms / UPTIME_BUCKET_MS;
	if (ms < 0 && m * UPTIME_BUCKET_MS != ms)
		m--;
	return m;
}

static size_t uptime_slot(int64_t minute)
{
	int64_t s = minute % UPTIME_NBUCKETS;
	if (s < 0)
		s += UPTIME_NBUCKETS;
	return (size_t)s;
}

void uptime_init(uptime_t *u)
{
	memset(u, 0, sizeof *u);
	for (size_t i = 0; i < UPTIME_NBUCKETS; i++)
		u->b[i].minute = -1;
	u->cur = STATE_UNKNOWN;
	u->last_ms = 0;
}

/* Adds [from, to) spent in state s, minute by minute. */
static void uptime_accrue(uptime_t *u, int64_t from, int64_t to, state_t s)
{
	if ((unsigned)s >= STATE__COUNT || to <= from)
		return;
	if (to - from > DAY_MS)
		from = to - DAY_MS;
	for (int64_t m = uptime_minute(from); m * UPTIME_BUCKET_MS < to; m++) {
		int64_t lo = m * UPTIME_BUCKET_MS, hi = lo + UPTIME_BUCKET_MS;
		if (lo < from)
			lo = from;
		if (hi > to)
			hi = to;
		uptime_bucket_t *b = &u->b[uptime_slot(m)];
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

void uptime_observe(uptime_t *u, int64_t now_ms, state_t state)
{
	if ((unsigned)state >= STATE__COUNT)
		state = STATE_UNKNOWN;
	if (u->last_ms == 0) {
		u->last_ms = now_ms;
		u->cur = state;
		return;
	}
	if (now_ms < u->last_ms) {
		if (u->last_ms - now_ms > UPTIME_JITTER_MS) {
			int64_t nowmin = uptime_minute(now_ms);
			for (size_t i = 0; i < UPTIME_NBUCKETS; i++)
				if (u->b[i].minute >= nowmin)
					u->b[i].minute = -1;
			u->last_ms = now_ms;
		}
		u->cur = state;
		return;
	}
	uptime_accrue(u, u->last_ms, now_ms, u->cur);
	u->last_ms = now_ms;
	u->cur = state;
}

/* Time per state in minute m, restricted to [lo, hi): the stored bucket
 * (scaled by the part of the minute inside the range, since a bucket does not
 * know when within its minute the time was spent) plus the time not yet
 * accrued, [last_ms, now), in the state in force, counted exactly. */
static void uptime_minute_ms(const uptime_t *u, int64_t m, int64_t lo, int64_t hi,
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
	const uptime_bucket_t *b = &u->b[uptime_slot(m)];
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
		if (phi - plo > DAY_MS)
			plo = phi - DAY_MS;
		if (plo < lo)
			plo = lo;
		if (phi > hi)
			phi = hi;
		if (phi > plo && (unsigned)u->cur < STATE__COUNT)
			out[u->cur] += (double)(phi - plo);
	}
}

bool uptime_percent(const uptime_t *u, int64_t now_ms, int64_t window_ms, double *pct)
{
	if (window_ms <= 0)
		return false;
	if (window_ms > DAY_MS)
		window_ms = DAY_MS;
	int64_t start = now_ms - window_ms;
	double avail = 0, down = 0;
	for (int64_t m = uptime_minute(start); m <= uptime_minute(now_ms - 1); m++) {
		double ms[STATE__COUNT];
		uptime_minute_ms(u, m, start, now_ms, now_ms, ms);
		avail += ms[STATE_UP] + ms[STATE_STARTING] + ms[STATE_DEGRADED];
		down += ms[STATE_DOWN];
	}
	if (avail + down <= 0)
		return false;
	if (pct)
		*pct = 100.0 * avail / (avail + down);
	return true;
}

int64_t uptime_observed_ms(const uptime_t *u, int64_t now_ms, int64_t window_ms)
{
	if (window_ms <= 0)
		return 0;
	if (window_ms > DAY_MS)
		window_ms = DAY_MS;
	int64_t start = now_ms - window_ms;
	double known = 0;
	for (int64_t m = uptime_minute(start); m <= uptime_minute(now_ms - 1); m++) {
		double ms[STATE__COUNT];
		uptime_minute_ms(u, m, start, now_ms, now_ms, ms);
		for (int k = 0; k < STATE__COUNT; k++)
			if (k != STATE_UNKNOWN)
				known += ms[k];
	}
	return (int64_t)(known + 0.5);
}

state_t uptime_bucket_state(const uptime_t *u, int64_t minute)
{
	const uptime_bucket_t *b = &u->b[uptime_slot(minute)];
	if (b->minute != (int32_t)minute)
		return STATE_UNKNOWN;
	state_t w = STATE_UNKNOWN;
	for (int k = 0; k < STATE__COUNT; k++)
		if (b->ms[k])
			w = state_worst(w, (state_t)k);
	return w;
}

void uptime_history(const uptime_t *u, int64_t now_ms, int64_t span_ms, state_t *out, int n)
{
	if (n <= 0)
		return;
	int64_t spanm;
	if (span_ms > DAY_MS)                 /* wider spans hold no more than 24 h */
		spanm = UPTIME_NBUCKETS + 1;
	else
		spanm = (span_ms + UPTIME_BUCKET_MS - 1) / UPTIME_BUCKET_MS;
	if (spanm < 1)
		spanm = 1;
	int64_t cur = uptime_minute(now_ms - 1);
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
				uptime_minute_ms(u, m, now_ms - DAY_MS, now_ms, now_ms, ms);
				for (int k = 0; k < STATE__COUNT; k++)
					if (ms[k] > 0)
						w = state_worst(w, (state_t)k);
			}
		}
		out[n - 1 - i] = w;
	}
}

void uptime_seed(uptime_t *u, int64_t minute, const uint32_t ms[STATE__COUNT])
{
	uptime_bucket_t *b = &u->b[uptime_slot(minute)];
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
