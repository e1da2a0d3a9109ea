/* uptime.c - availability accounting for one indicator: time spent in each state
 * per minute over 24 h (one byte a whole minute), windows in percent, worst state per span. */
#include <stdlib.h>
#include <string.h>

#include "uptime.h"
#include "xalloc.h"

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

/* ------------------------------------------------------------ storage
 * A slot's code: 0 empty; 1 + s the whole minute in state s; CODE_NEAR a
 * detailed minute, the one the whole codes would hold (in (newest - 1440,
 * newest]); CODE_FAR a detailed minute that was outside that window when
 * stored (seeded far in the past, or left behind when newest jumped on), found
 * by its entry. Exactly one detailed entry per slot coded NEAR or FAR, none
 * for others; entries ascend by minute. The old dense ring (a bucket a slot)
 * is what this reproduces exactly: tests/unit/test_uptime.c keeps it as ref_*. */
#define CODE_WHOLE0 1
#define CODE_NEAR (CODE_WHOLE0 + STATE__COUNT)
#define CODE_FAR (CODE_NEAR + 1)
#define NEWEST_NONE INT64_MIN
#define NB ((int64_t)UPTIME_NBUCKETS)
#define DET_MIN_HEAP 8

static uptime_bucket_t *uptime_det(uptime_t *u)
{
	return (u->heap ? u->heap : u->inl) + u->head;
}

static const uptime_bucket_t *uptime_det_c(const uptime_t *u)
{
	return (u->heap ? u->heap : u->inl) + u->head;
}

/* Storage capacity of the array in use. */
static size_t uptime_det_cap(const uptime_t *u)
{
	return u->heap ? u->cap : UPTIME_INLINE;
}

/* A minute a detailed entry can hold (its number fits its int32). */
static bool uptime_storable(int64_t m)
{
	return m >= INT32_MIN && m <= INT32_MAX;
}

/* The minute a whole or NEAR code in slot s holds. */
static int64_t uptime_near_minute(const uptime_t *u, size_t s)
{
	int64_t d = (int64_t)uptime_slot(u->newest) - (int64_t)s;
	if (d < 0)
		d += NB;
	return u->newest - d;
}

static bool uptime_in_window(const uptime_t *u, int64_t m)
{
	return u->newest != NEWEST_NONE && m <= u->newest && u->newest - m < NB;
}

/* Index of the entry of minute m, or -1. The newest is tried first: that is
 * the minute accruing. */
static int uptime_det_find(const uptime_t *u, int64_t m)
{
	const uptime_bucket_t *e = uptime_det_c(u);
	size_t lo = 0, hi = u->len;
	if (hi && e[hi - 1].minute == m)
		return (int)hi - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (e[mid].minute < m)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < u->len && e[lo].minute == m ? (int)lo : -1;
}

/* Index of the entry in slot s (coded FAR: scanned, rare), or -1. */
static int uptime_det_find_slot(const uptime_t *u, size_t s)
{
	if (u->code[s] == CODE_NEAR)
		return uptime_det_find(u, uptime_near_minute(u, s));
	const uptime_bucket_t *e = uptime_det_c(u);
	for (size_t i = 0; i < u->len; i++)
		if (uptime_slot(e[i].minute) == s)
			return (int)i;
	return -1;
}

/* Moves the entries to a new array of cap entries (0: back inline). */
static void uptime_det_realloc(uptime_t *u, size_t cap)
{
	uptime_bucket_t *from = uptime_det(u), *to;
	uptime_bucket_t *old = u->heap;
	if (cap == 0) {
		to = u->inl;
		memmove(to, from, u->len * sizeof *to);
		u->heap = NULL;
		u->cap = 0;
	} else {
		to = xmalloc(cap * sizeof *to);
		memcpy(to, from, u->len * sizeof *to);
		u->heap = to;
		u->cap = (uint16_t)cap;
	}
	u->head = 0;
	free(old);
}

static void uptime_det_remove(uptime_t *u, size_t i)
{
	uptime_bucket_t *e = uptime_det(u);
	if (i == 0)
		u->head++;
	else if (i + 1 < u->len)
		memmove(e + i, e + i + 1, (u->len - i - 1) * sizeof *e);
	u->len--;
	if (u->len == 0)
		u->head = 0;
	if (u->heap && u->len < UPTIME_INLINE)
		uptime_det_realloc(u, 0);
	else if (u->heap && u->cap > DET_MIN_HEAP && u->len <= u->cap / 4)
		uptime_det_realloc(u, u->cap / 2);
}

/* Inserts b (its minute not present) in order. */
static void uptime_det_insert(uptime_t *u, const uptime_bucket_t *b)
{
	if (u->head + u->len == uptime_det_cap(u)) {
		if (u->head == 0) {
			size_t cap = u->heap ? 2 * (size_t)u->cap : DET_MIN_HEAP;
			if (cap > UPTIME_NBUCKETS)
				cap = UPTIME_NBUCKETS;   /* one entry a slot at most */
			uptime_det_realloc(u, cap);
		} else {
			uptime_bucket_t *base = u->heap ? u->heap : u->inl;
			memmove(base, base + u->head, u->len * sizeof *base);
			u->head = 0;
		}
	}
	uptime_bucket_t *e = uptime_det(u);
	size_t i = u->len;
	if (i > 0 && e[i - 1].minute > b->minute) {   /* rare: the newest usually comes last */
		size_t lo = 0, hi = u->len;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (e[mid].minute < b->minute)
				lo = mid + 1;
			else
				hi = mid;
		}
		i = lo;
	}
	if (i == 0 && u->len && u->head > 0) {
		u->head--;
		e--;
	} else if (i < u->len) {
		memmove(e + i + 1, e + i, (u->len - i) * sizeof *e);
	}
	e[i] = *b;
	u->len++;
}

/* Empties slot s. */
static void uptime_slot_clear(uptime_t *u, size_t s)
{
	if (u->code[s] >= CODE_NEAR) {
		int i = uptime_det_find_slot(u, s);
		if (i >= 0)
			uptime_det_remove(u, (size_t)i);
	}
	u->code[s] = 0;
}

/* Makes m the newest minute: codes whose minute leaves the window keep it as FAR entries. */
static void uptime_advance(uptime_t *u, int64_t m)
{
	if (u->newest != NEWEST_NONE) {
		int64_t lo = u->newest - NB + 1, hi = m - NB;   /* the minutes leaving */
		if (hi - lo >= NB)
			hi = lo + NB - 1;                         /* all of them */
		for (int64_t k = lo; k <= hi; k++) {
			size_t s = uptime_slot(k);
			unsigned c = u->code[s];
			if (c >= CODE_WHOLE0 && c < CODE_NEAR) {
				uptime_bucket_t b = { .minute = (int32_t)k };   /* k: newest not moved yet */
				b.ms[c - CODE_WHOLE0] = UPTIME_BUCKET_MS;
				uptime_det_insert(u, &b);
				u->code[s] = CODE_FAR;
			} else if (c == CODE_NEAR) {
				u->code[s] = CODE_FAR;
			}
		}
	}
	u->newest = m;
}

/* Where minute m is held: -2 not held, -1 a whole code, else its entry's index;
 * ms filled when held. */
static int uptime_lookup(const uptime_t *u, int64_t m, uint16_t ms[STATE__COUNT])
{
	size_t s = uptime_slot(m);
	unsigned c = u->code[s];
	if (c == 0 || !uptime_storable(m))
		return -2;
	if (c < CODE_FAR && !uptime_in_window(u, m))   /* the code is for the window's minute */
		return -2;
	if (c < CODE_NEAR) {
		memset(ms, 0, STATE__COUNT * sizeof *ms);
		ms[c - CODE_WHOLE0] = UPTIME_BUCKET_MS;
		return -1;
	}
	int i = uptime_det_find(u, m);
	if (i >= 0)
		memcpy(ms, uptime_det_c(u)[i].ms, STATE__COUNT * sizeof *ms);
	return i >= 0 ? i : -2;
}

/* The state of a whole minute, -1 when ms is not one. */
static int uptime_whole_state(const uint16_t ms[STATE__COUNT])
{
	for (int k = 0; k < STATE__COUNT; k++)
		if (ms[k] == UPTIME_BUCKET_MS)
			return k;
	return -1;
}

/* Stores ms as minute m: into entry idx (from uptime_lookup) when held, else
 * replacing whatever slot m held. */
static void uptime_store(uptime_t *u, int64_t m, int idx, const uint16_t ms[STATE__COUNT])
{
	size_t s = uptime_slot(m);
	int w = uptime_whole_state(ms);
	if (idx == -1)
		return;                       /* a whole minute takes no more time */
	if (idx >= 0) {
		if (w >= 0 && u->code[s] == CODE_NEAR) {   /* folded */
			uptime_det_remove(u, (size_t)idx);
			u->code[s] = (unsigned char)(CODE_WHOLE0 + w);
		} else {
			memcpy(uptime_det(u)[idx].ms, ms, STATE__COUNT * sizeof *ms);
		}
		return;
	}
	uptime_slot_clear(u, s);
	if (u->newest == NEWEST_NONE || m > u->newest)
		uptime_advance(u, m);
	if (uptime_in_window(u, m) && w >= 0) {
		u->code[s] = (unsigned char)(CODE_WHOLE0 + w);
		return;
	}
	uptime_bucket_t b = { .minute = (int32_t)m };
	memcpy(b.ms, ms, sizeof b.ms);
	uptime_det_insert(u, &b);
	u->code[s] = uptime_in_window(u, m) ? CODE_NEAR : CODE_FAR;
}

/* The minute slot s holds, false when none. */
static bool uptime_slot_minute(const uptime_t *u, size_t s, int64_t *m)
{
	unsigned c = u->code[s];
	if (c == 0)
		return false;
	if (c < CODE_FAR) {
		*m = uptime_near_minute(u, s);
		return true;
	}
	int i = uptime_det_find_slot(u, s);
	if (i < 0)
		return false;
	*m = uptime_det_c(u)[i].minute;
	return true;
}

/* Drops every minute from nowmin on (the wall clock went back). */
static void uptime_drop_from(uptime_t *u, int64_t nowmin)
{
	while (u->len && uptime_det(u)[u->len - 1].minute >= nowmin) {
		u->code[uptime_slot(uptime_det(u)[u->len - 1].minute)] = 0;
		uptime_det_remove(u, u->len - 1);
	}
	if (u->newest == NEWEST_NONE || u->newest < nowmin)
		return;
	int64_t lo = u->newest - NB + 1;
	for (int64_t k = lo > nowmin ? lo : nowmin; k <= u->newest; k++) {
		size_t s = uptime_slot(k);
		if (u->code[s] < CODE_FAR)
			u->code[s] = 0;       /* whole, or NEAR whose entry went above */
	}
	u->newest = nowmin - 1;   /* what stays lies in the new window (it was above newest - 1440) */
}

void uptime_init(uptime_t *u)
{
	memset(u, 0, sizeof *u);
	u->cur = STATE_UNKNOWN;
	u->last_ms = 0;
	u->newest = NEWEST_NONE;
	u->heap = NULL;
}

void uptime_free(uptime_t *u)
{
	free(u->heap);
	uptime_init(u);
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
		if (!uptime_storable(m))
			continue;
		if (m == u->newest && u->len && uptime_det(u)[u->len - 1].minute == m) {
			/* the minute accruing, the last entry (NEAR: m is the newest): in place */
			uptime_bucket_t *e = &uptime_det(u)[u->len - 1];
			int64_t sum = 0;
			for (int k = 0; k < STATE__COUNT; k++)
				sum += e->ms[k];
			int64_t add = hi - lo;
			if (sum + add > UPTIME_BUCKET_MS)
				add = UPTIME_BUCKET_MS - sum;
			if (add > 0)
				e->ms[s] = (uint16_t)(e->ms[s] + add);
			if (e->ms[s] == UPTIME_BUCKET_MS && u->code[uptime_slot(m)] == CODE_NEAR) {
				u->code[uptime_slot(m)] = (unsigned char)(CODE_WHOLE0 + s);   /* folded */
				uptime_det_remove(u, u->len - 1);
			}
			continue;
		}
		uint16_t ms[STATE__COUNT];
		int idx = uptime_lookup(u, m, ms);
		if (idx == -1)
			continue;                 /* a whole minute already */
		if (idx == -2)
			memset(ms, 0, sizeof ms);
		int64_t sum = 0;
		for (int k = 0; k < STATE__COUNT; k++)
			sum += ms[k];
		int64_t add = hi - lo;
		if (sum + add > UPTIME_BUCKET_MS)   /* never more than a minute per minute */
			add = UPTIME_BUCKET_MS - sum;
		if (add > 0)
			ms[s] = (uint16_t)(ms[s] + add);
		uptime_store(u, m, idx, ms);
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
			uptime_drop_from(u, uptime_minute(now_ms));
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
	uint16_t bms[STATE__COUNT];
	if (uptime_lookup(u, m, bms) != -2) {
		/* the stored time (total T) was spent before last_ms, contiguously
		 * since observations began: assume it is [sh - T, sh) */
		int64_t sh = u->last_ms > mlo && u->last_ms < mhi ? u->last_ms : mhi;
		int64_t total = 0;
		for (int k = 0; k < STATE__COUNT; k++)
			total += bms[k];
		int64_t sl = sh - total;
		int64_t olo = lo > sl ? lo : sl, ohi = hi < sh ? hi : sh;
		double f = total > 0 && ohi > olo ? (double)(ohi - olo) / (double)total : 0.0;
		for (int k = 0; k < STATE__COUNT; k++)
			out[k] = bms[k] * f;
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
	uint16_t ms[STATE__COUNT];
	if (uptime_lookup(u, minute, ms) == -2)
		return STATE_UNKNOWN;
	state_t w = STATE_UNKNOWN;
	for (int k = 0; k < STATE__COUNT; k++)
		if (ms[k])
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
	if (!uptime_storable(minute))
		return;
	uint16_t b[STATE__COUNT];
	int idx = uptime_lookup(u, minute, b);
	if (idx == -2) {
		int64_t held = -1;            /* an empty slot counts as holding minute -1 */
		uptime_slot_minute(u, uptime_slot(minute), &held);
		if (held > minute)
			return;                   /* the slot holds a newer minute */
		memset(b, 0, sizeof b);
	}
	int64_t sum = 0;
	for (int j = 0; j < STATE__COUNT; j++)
		sum += b[j];
	for (int k = 0; k < STATE__COUNT; k++) {
		int64_t add = ms[k];
		if (sum + add > UPTIME_BUCKET_MS)
			add = UPTIME_BUCKET_MS - sum;
		if (add > 0) {
			b[k] = (uint16_t)(b[k] + add);
			sum += add;
		}
	}
	uptime_store(u, minute, idx, b);
}

bool uptime_bucket_ms(const uptime_t *u, int64_t minute, uint32_t ms[STATE__COUNT])
{
	uint16_t b[STATE__COUNT];
	if (uptime_lookup(u, minute, b) == -2)
		return false;
	for (int k = 0; k < STATE__COUNT; k++)
		ms[k] = b[k];
	return true;
}

size_t uptime_detailed(const uptime_t *u, int64_t *oldest_minute)
{
	if (u->len && oldest_minute)
		*oldest_minute = uptime_det_c(u)[0].minute;
	return u->len;
}

size_t uptime_heap_bytes(const uptime_t *u)
{
	return u->heap ? u->cap * sizeof *u->heap : 0;
}
