/* buckets.h - pure arithmetic of the stored history: minute, hour and day
 * buckets in UTC, time seen per state, worst state wins, merging, encoding. */
#ifndef NODETOP_BUCKETS_H
#define NODETOP_BUCKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "state.h"

/* The states a bucket keeps apart, ordered by severity so that "worst wins"
 * is a max(). Standby (a failover member waiting for the database lease) is
 * its own state: neither available nor down. */
typedef enum hstate {
	HS_NOT_WATCHED = -1,  /* only as a colour: nothing was observed in the bucket */
	HS_UNKNOWN = 0,       /* nodetop ran but could not see: excluded from availability */
	HS_UP,
	HS_STANDBY,           /* excluded from availability, like unknown */
	HS_STARTING,          /* counts as available */
	HS_DEGRADED,          /* counts as available */
	HS_DOWN,
	HS__COUNT
} hstate_t;

typedef enum bucket_res {
	BUCKET_MINUTE = 0,    /* kept 48 h */
	BUCKET_HOUR,          /* kept 35 days */
	BUCKET_DAY,           /* kept 400 days */
	BUCKET__NRES
} bucket_res_t;

/* Milliseconds spent in each state inside one bucket, and the span observed:
 * [first, last) in ms from the bucket's start, from the first observation to
 * the end of the last one. A bucket with time but last == 0 has no span
 * recorded (a row written before schema 2, or built by hand): it reads as
 * [0, seen), as if watched from the bucket's start. */
typedef struct bucket {
	uint32_t ms[HS__COUNT];
	uint32_t first, last;
} bucket_t;

#define BUCKETS_MINUTE_MS 60000LL
#define BUCKETS_HOUR_MS   3600000LL
#define BUCKETS_DAY_MS    86400000LL

/* ---- time: all in UTC, as epoch milliseconds carry no zone and no DST */
int64_t buckets_len_ms(bucket_res_t r);                 /* 60 000, 3 600 000, 86 400 000 */
/* The bucket holding t_ms: floor(t_ms / len), also for times before 1970. */
int64_t buckets_index(bucket_res_t r, int64_t t_ms);
int64_t buckets_start_ms(bucket_res_t r, int64_t idx);
/* Buckets are stored in chunks (one database row each): 60 minutes (an hour),
 * 24 hours (a day), 32 days. */
int buckets_per_chunk(bucket_res_t r);
int64_t buckets_chunk_of(bucket_res_t r, int64_t idx);
/* How long a resolution is kept: 48 h, 35 d, 400 d. */
int64_t buckets_keep_ms(bucket_res_t r);
/* True when every bucket of the chunk ended before now_ms - keep: it is then
 * rolled up into the next coarser resolution (day chunks are dropped). */
bool buckets_chunk_expired(bucket_res_t r, int64_t chunk, int64_t now_ms);
/* The first chunk not expired at now_ms: chunks below it are expired. */
int64_t buckets_expired_before(bucket_res_t r, int64_t now_ms);
/* Weeks start on Monday 00:00 UTC (ISO). Week index of a day index. */
int64_t buckets_week_of_day(int64_t day);

/* ---- accrual and judgement */
hstate_t buckets_from_state(state_t s);
/* "not watched", "unknown", "up", "standby", "starting", "degraded", "down" */
const char *buckets_state_name(hstate_t s);
/* Adds to b the part of [t0, t1) that falls inside [start, start + len) in
 * state s, and widens b's span to cover it. */
void buckets_accrue(bucket_t *b, int64_t start, int64_t len, int64_t t0, int64_t t1, hstate_t s);
/* Time observed in any state, unknown and standby included. */
uint64_t buckets_seen_ms(const bucket_t *b);
/* Time that counts for availability: up, starting, degraded, down. */
uint64_t buckets_counted_ms(const bucket_t *b);
/* Time available: up, starting, degraded. */
uint64_t buckets_available_ms(const bucket_t *b);
/* Part of a bucket of length len in which nothing was observed (nodetop not running). */
uint64_t buckets_not_watched_ms(const bucket_t *b, int64_t len);
/* Availability = available / counted, in percent; false when nothing counted. */
bool buckets_percent(const bucket_t *b, double *pct);
/* The bucket's colour: the worst state with any time, HS_NOT_WATCHED when none. */
hstate_t buckets_worst(const bucket_t *b);

/* ---- combining
 * Merge rule (issue 14: two nodetop processes observing the same name in the
 * same bucket, or one process restarted inside it). Each writer keeps its own
 * row: per-state times and the span it observed. A reader merges the rows so
 * that time watched by both counts once:
 *  - seen time of the merge = the union of what the two watched: each
 *    one's seen time is taken as the end of its span (a writer watches from
 *    its start until it stops, so its holes, if any, are taken to lie before),
 *    and the part both cover counts once. Disjoint spans add; the same span
 *    twice counts once; a partial overlap counts the union. Exact for
 *    gap-free spans (what one process writes) merged in order of their start
 *    (buckets_merge_writers); never more than the span they cover together.
 *  - per state: the larger of the writers' two times (time both saw in one
 *    state counts once); if these exceed the seen time (the writers saw
 *    different states at the same time) the excess is taken from the best
 *    states first (unknown, up, standby, starting, degraded): in the overlap
 *    the worst state wins; if they fall short, each state gets the rest of
 *    its time (the smaller of the two), worst first, up to the seen time:
 *    outside the overlap each writer's own time stands. Unknown is never
 *    turned into down, nor down into anything else.
 *  - the span of the merge is the hull of both; nothing exceeds len.
 * buckets_merge is commutative. */
void buckets_clamp(bucket_t *b, int64_t len);
void buckets_merge(bucket_t *acc, const bucket_t *other, int64_t len);
/* Every writer's row of one chunk merged into out[n]: rows holds nrows rows of
 * n buckets, one after the other; per bucket the writers are merged in order
 * of their span's start (then the union is exact for gap-free spans, and the
 * order of the rows does not matter). What the loader and the roll-up use. */
void buckets_merge_writers(bucket_t *out, const bucket_t *rows, int nrows, int n, int64_t len);
/* The same rule for a finer bucket `fine` that starts offset_ms into acc's
 * bucket of length len (rolling minutes up into an hour, hours into a day):
 * fine buckets of one writer never overlap, so their seen times add exactly. */
void buckets_merge_at(bucket_t *acc, int64_t len, const bucket_t *fine, int64_t offset_ms);
/* Plain saturating sum of the states (spans are left alone), for totals
 * over many buckets (a window's availability, a report's rows). */
void buckets_add(bucket_t *acc, const bucket_t *b);

/* ---- storage encoding of a chunk of n buckets (run-length, varints, the
 * span of each run): an hour of one steady state takes 10 bytes. Rows of the
 * first format (no spans) still decode, their spans read as [0, seen). */
#define BUCKETS_ENCODE_MAX(n) (1 + (size_t)(n) * (10 + 1 + 5 * HS__COUNT + 10))
/* Returns the bytes written, 0 when cap is too small. */
size_t buckets_encode(const bucket_t *b, int n, uint8_t *out, size_t cap);
/* Decodes exactly n buckets; false (b undefined) when the data is malformed,
 * does not cover exactly n buckets, a bucket holds more than len ms, or more
 * than its span. */
bool buckets_decode(const uint8_t *in, size_t inlen, bucket_t *b, int n, int64_t len);

#endif
