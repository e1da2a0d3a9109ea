/* buckets.c - pure arithmetic of the stored history: UTC bucket boundaries,
 * accrual, worst state wins, the merge rule of two writers, chunk encoding. */
#include <string.h>

#include "buckets.h"

static const int64_t bucket_len[BUCKET__NRES] = { BUCKETS_MINUTE_MS, BUCKETS_HOUR_MS, BUCKETS_DAY_MS };
static const int bucket_chunk[BUCKET__NRES] = { 60, 24, 32 };
static const int64_t bucket_keep[BUCKET__NRES] = { 48 * BUCKETS_HOUR_MS, 35 * BUCKETS_DAY_MS, 400 * BUCKETS_DAY_MS };

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t buckets_len_ms(bucket_res_t r) { return bucket_len[r]; }
int64_t buckets_index(bucket_res_t r, int64_t t_ms) { return floor_div(t_ms, bucket_len[r]); }
int64_t buckets_start_ms(bucket_res_t r, int64_t idx) { return idx * bucket_len[r]; }
int buckets_per_chunk(bucket_res_t r) { return bucket_chunk[r]; }
int64_t buckets_chunk_of(bucket_res_t r, int64_t idx) { return floor_div(idx, bucket_chunk[r]); }
int64_t buckets_keep_ms(bucket_res_t r) { return bucket_keep[r]; }

int64_t buckets_expired_before(bucket_res_t r, int64_t now_ms)
{
	return floor_div(now_ms - bucket_keep[r], bucket_len[r] * bucket_chunk[r]);
}

/* The chunk ends (chunk + 1) * chunk length; expired when that is at or before now - keep. */
bool buckets_chunk_expired(bucket_res_t r, int64_t chunk, int64_t now_ms)
{
	return chunk < buckets_expired_before(r, now_ms);
}

/* 1970-01-01 was a Thursday: day 0 is the fourth day of its week. */
int64_t buckets_week_of_day(int64_t day) { return floor_div(day + 3, 7); }

hstate_t buckets_from_state(state_t s)
{
	switch (s) {
	case STATE_UP: return HS_UP;
	case STATE_STARTING: return HS_STARTING;
	case STATE_DEGRADED: return HS_DEGRADED;
	case STATE_DOWN: return HS_DOWN;
	default: return HS_UNKNOWN;
	}
}

const char *buckets_state_name(hstate_t s)
{
	static const char *const names[HS__COUNT] = { "unknown", "up", "standby", "starting", "degraded", "down" };
	if (s < 0 || s >= HS__COUNT)
		return "not watched";
	return names[s];
}

/* b's span as [*f, *l), read as [0, seen) when none is recorded, widened to
 * hold its seen time and kept inside [0, len); both 0 when nothing was seen. */
static void span_get(const bucket_t *b, uint64_t seen, int64_t len, int64_t *f, int64_t *l)
{
	*f = *l = 0;
	if (!seen)
		return;
	if (b->last > b->first) {
		*f = b->first;
		*l = b->last;
	} else {
		*l = (int64_t)seen;
	}
	if (*l > len)
		*l = len;
	if (*l - *f < (int64_t)seen)
		*f = *l - (int64_t)seen < 0 ? 0 : *l - (int64_t)seen;
	if (*l - *f < (int64_t)seen)
		*l = *f + (int64_t)seen > len ? len : *f + (int64_t)seen;
}

void buckets_accrue(bucket_t *b, int64_t start, int64_t len, int64_t t0, int64_t t1, hstate_t s)
{
	if (s < 0 || s >= HS__COUNT)
		return;
	int64_t lo = t0 > start ? t0 : start;
	int64_t hi = t1 < start + len ? t1 : start + len;
	if (hi <= lo)
		return;
	int64_t f, l;
	span_get(b, buckets_seen_ms(b), len, &f, &l);
	if (f == l) {
		f = lo - start;
		l = hi - start;
	} else {
		f = lo - start < f ? lo - start : f;
		l = hi - start > l ? hi - start : l;
	}
	b->first = (uint32_t)f;
	b->last = (uint32_t)l;
	uint64_t sum = (uint64_t)b->ms[s] + (uint64_t)(hi - lo);
	b->ms[s] = sum > UINT32_MAX ? UINT32_MAX : (uint32_t)sum;
}

uint64_t buckets_seen_ms(const bucket_t *b)
{
	uint64_t t = 0;
	for (int s = 0; s < HS__COUNT; s++)
		t += b->ms[s];
	return t;
}

uint64_t buckets_available_ms(const bucket_t *b)
{
	return (uint64_t)b->ms[HS_UP] + b->ms[HS_STARTING] + b->ms[HS_DEGRADED];
}

uint64_t buckets_counted_ms(const bucket_t *b)
{
	return buckets_available_ms(b) + b->ms[HS_DOWN];
}

uint64_t buckets_not_watched_ms(const bucket_t *b, int64_t len)
{
	uint64_t seen = buckets_seen_ms(b);
	return seen >= (uint64_t)len ? 0 : (uint64_t)len - seen;
}

bool buckets_percent(const bucket_t *b, double *pct)
{
	uint64_t counted = buckets_counted_ms(b);
	if (counted == 0)
		return false;
	*pct = 100.0 * (double)buckets_available_ms(b) / (double)counted;
	return true;
}

hstate_t buckets_worst(const bucket_t *b)
{
	for (int s = HS__COUNT - 1; s >= 0; s--)
		if (b->ms[s])
			return (hstate_t)s;
	return HS_NOT_WATCHED;
}

/* Keeps the worst `room` ms: the excess is taken from the best states first. */
static void clamp_states(bucket_t *b, uint64_t room)
{
	for (int s = HS__COUNT - 1; s >= 0; s--) {
		if (b->ms[s] > room)
			b->ms[s] = (uint32_t)room;
		room -= b->ms[s];
	}
}

void buckets_clamp(bucket_t *b, int64_t len)
{
	clamp_states(b, len > 0 ? (uint64_t)len : 0);
	if (len >= 0 && b->last > (uint64_t)len)
		b->last = (uint32_t)len;
	if (b->first > b->last)
		b->first = b->last;
}

void buckets_add(bucket_t *acc, const bucket_t *b)
{
	for (int s = 0; s < HS__COUNT; s++) {
		uint64_t sum = (uint64_t)acc->ms[s] + b->ms[s];
		acc->ms[s] = sum > UINT32_MAX ? UINT32_MAX : (uint32_t)sum;
	}
}

/* The rule is stated at buckets_merge in buckets.h. */
void buckets_merge_at(bucket_t *acc, int64_t len, const bucket_t *fine, int64_t offset_ms)
{
	uint64_t sa = buckets_seen_ms(acc), sf = buckets_seen_ms(fine);
	if (!sf && (!sa || (acc->last > acc->first && acc->last <= len && sa <= acc->last - acc->first)))
		return;                                /* nothing to add, acc as it should be */
	if (!sa && fine->last > fine->first && offset_ms + fine->first >= 0 && offset_ms + fine->last <= len &&
	    sf <= fine->last - fine->first) {      /* the first thing in acc: a copy, at its offset */
		*acc = *fine;
		acc->first = (uint32_t)(offset_ms + fine->first);
		acc->last = (uint32_t)(offset_ms + fine->last);
		return;
	}
	if (sa && acc->last > acc->first && sa <= acc->last - acc->first && fine->last > fine->first &&
	    sf <= fine->last - fine->first && offset_ms + fine->first >= acc->last && offset_ms + fine->last <= len) {
		for (int s = 0; s < HS__COUNT; s++)   /* wholly after acc (the next minute of an hour): */
			acc->ms[s] += fine->ms[s];        /* disjoint, added (no sum exceeds len) */
		acc->last = (uint32_t)(offset_ms + fine->last);
		return;
	}
	int64_t af, al, ff, fl;
	span_get(acc, sa, len, &af, &al);
	span_get(fine, sf, len, &ff, &fl);
	ff += offset_ms;
	fl += offset_ms;
	if (ff < 0)
		ff = 0;
	if (fl > len)
		fl = len;
	if (!sf || fl <= ff) {                     /* nothing to add (or all of it outside acc's bucket) */
		acc->first = (uint32_t)af;
		acc->last = (uint32_t)al;
		buckets_clamp(acc, len);
		return;
	}
	if (sf > (uint64_t)(fl - ff))
		sf = (uint64_t)(fl - ff);
	if (!sa) {
		for (int s = 0; s < HS__COUNT; s++)
			acc->ms[s] = fine->ms[s];
		clamp_states(acc, sf);
		acc->first = (uint32_t)ff;
		acc->last = (uint32_t)fl;
		return;
	}
	/* the time both watched: each one's time taken as the end of its span (a
	 * writer watches until it stops; holes, if any, lie before), intersected */
	int64_t alo = al - (int64_t)sa, flo = fl - (int64_t)sf;
	int64_t lo = alo > flo ? alo : flo, hi = al < fl ? al : fl;
	int64_t both = hi > lo ? hi - lo : 0;
	int64_t f = af < ff ? af : ff, l = al > fl ? al : fl;
	uint64_t seen = sa + sf - (uint64_t)both;
	if (seen > (uint64_t)(l - f))      /* l - f <= len: nothing exceeds the bucket */
		seen = (uint64_t)(l - f);
	/* per state: the larger of the two first (what both saw counts once); then
	 * the worse states, where the writers disagree (more than the union), or
	 * the rest of each state's time, worst first, up to the union */
	uint32_t lesser[HS__COUNT];
	uint64_t sum = 0;
	for (int s = 0; s < HS__COUNT; s++) {
		uint32_t x = acc->ms[s], y = fine->ms[s];
		acc->ms[s] = x > y ? x : y;
		lesser[s] = x > y ? y : x;
		sum += acc->ms[s];
	}
	if (sum > seen)
		clamp_states(acc, seen);
	for (int s = HS__COUNT - 1; s >= 0 && sum < seen; s--) {
		uint64_t more = seen - sum < lesser[s] ? seen - sum : lesser[s];
		acc->ms[s] += (uint32_t)more;
		sum += more;
	}
	acc->first = (uint32_t)f;
	acc->last = (uint32_t)l;
}

void buckets_merge(bucket_t *acc, const bucket_t *other, int64_t len)
{
	buckets_merge_at(acc, len, other, 0);
}

void buckets_merge_writers(bucket_t *out, const bucket_t *rows, int nrows, int n, int64_t len)
{
	enum { SORTED_MAX = 64 };
	for (int i = 0; i < n; i++) {
		int order[SORTED_MAX], k = 0;
		memset(&out[i], 0, sizeof out[i]);
		for (int r = 0; r < nrows; r++) {
			const bucket_t *b = &rows[(size_t)r * (size_t)n + (size_t)i];
			if (!buckets_seen_ms(b))
				continue;
			if (k == SORTED_MAX) {                 /* more writers than that: in row order */
				buckets_merge(&out[i], b, len);
				continue;
			}
			int j = k++;                           /* insertion by the span's start */
			while (j > 0 && rows[(size_t)order[j - 1] * (size_t)n + (size_t)i].first > b->first) {
				order[j] = order[j - 1];
				j--;
			}
			order[j] = r;
		}
		for (int j = 0; j < k; j++)
			buckets_merge(&out[i], &rows[(size_t)order[j] * (size_t)n + (size_t)i], len);
	}
}

/* ---- encoding: byte 2 (format), then runs until n buckets are covered:
 * varint run length, a byte with one bit per state that has time, a varint
 * per such state and, when any state has time, varints of the span's first
 * offset and length. Format 1 (schema 1) had no spans: its buckets read as
 * spanning [0, seen). */

#define ENCODING_V1 1
#define ENCODING_V2 2

static size_t put_varint(uint8_t *out, size_t pos, size_t cap, uint64_t v)
{
	do {
		if (pos >= cap)
			return 0;
		uint8_t byte = v & 0x7f;
		v >>= 7;
		out[pos++] = byte | (v ? 0x80 : 0);
	} while (v);
	return pos;
}

static bool get_varint(const uint8_t *in, size_t len, size_t *pos, uint64_t *v)
{
	uint64_t r = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (*pos >= len)
			return false;
		uint8_t byte = in[(*pos)++];
		r |= (uint64_t)(byte & 0x7f) << shift;
		if (!(byte & 0x80)) {
			*v = r;
			return true;
		}
	}
	return false;
}

size_t buckets_encode(const bucket_t *b, int n, uint8_t *out, size_t cap)
{
	if (cap < 1)
		return 0;
	size_t pos = 0;
	out[pos++] = ENCODING_V2;
	for (int i = 0; i < n;) {
		int run = 1;
		while (i + run < n && memcmp(&b[i + run], &b[i], sizeof *b) == 0)
			run++;
		uint8_t mask = 0;
		for (int s = 0; s < HS__COUNT; s++)
			if (b[i].ms[s])
				mask |= (uint8_t)(1u << s);
		if (!(pos = put_varint(out, pos, cap, (uint64_t)run)) || pos >= cap)
			return 0;
		out[pos++] = mask;
		for (int s = 0; s < HS__COUNT; s++)
			if (mask & (1u << s) && !(pos = put_varint(out, pos, cap, b[i].ms[s])))
				return 0;
		if (mask) {
			int64_t f, l;
			span_get(&b[i], buckets_seen_ms(&b[i]), UINT32_MAX, &f, &l);
			if (!(pos = put_varint(out, pos, cap, (uint64_t)f)) ||
			    !(pos = put_varint(out, pos, cap, (uint64_t)(l - f))))
				return 0;
		}
		i += run;
	}
	return pos;
}

bool buckets_decode(const uint8_t *in, size_t inlen, bucket_t *b, int n, int64_t len)
{
	size_t pos = 0;
	if (inlen < 1 || (in[0] != ENCODING_V1 && in[0] != ENCODING_V2))
		return false;
	bool spans = in[pos++] == ENCODING_V2;
	int i = 0;
	while (i < n) {
		uint64_t run, v;
		if (!get_varint(in, inlen, &pos, &run) || run == 0 || run > (uint64_t)(n - i) || pos >= inlen)
			return false;
		uint8_t mask = in[pos++];
		if (mask >> HS__COUNT)
			return false;
		bucket_t one = { { 0 }, 0, 0 };
		uint64_t total = 0;
		for (int s = 0; s < HS__COUNT; s++) {
			if (!(mask & (1u << s)))
				continue;
			if (!get_varint(in, inlen, &pos, &v) || v == 0 || v > (uint64_t)len)
				return false;
			one.ms[s] = (uint32_t)v;
			total += v;
		}
		if (total > (uint64_t)len)
			return false;
		if (total && spans) {
			uint64_t f, span;
			if (!get_varint(in, inlen, &pos, &f) || !get_varint(in, inlen, &pos, &span) ||
			    span < total || f > (uint64_t)len || span > (uint64_t)len - f)
				return false;
			one.first = (uint32_t)f;
			one.last = (uint32_t)(f + span);
		} else if (total) {
			one.last = (uint32_t)total;          /* format 1: watched from the bucket's start */
		}
		for (uint64_t k = 0; k < run; k++)
			b[i++] = one;
	}
	return pos == inlen;
}
