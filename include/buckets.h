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

/* Milliseconds spent in each state inside one bucket. */
typedef struct bucket {
	uint32_t ms[HS__COUNT];
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
/* Adds to b the part of [t0, t1) that falls inside [start, start + len) in state s. */
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
 * Merge rule (two nodetop processes observing the same name in the same bucket,
 * or one process restarted inside it): each process writes its own totals for
 * the bucket; readers add them up per state and, if the sum exceeds the
 * bucket's length, take the excess away from the best states first (unknown,
 * then up, standby, starting, degraded): the worst state observed keeps its
 * time. Two processes that watched the same minute count it once; a restart
 * inside a minute keeps both halves. buckets_merge is commutative and
 * associative (see the unit tests), so the order of writers does not matter. */
void buckets_clamp(bucket_t *b, int64_t len);
void buckets_merge(bucket_t *acc, const bucket_t *other, int64_t len);
/* Plain saturating sum, for rolling finer buckets up into a coarser one. */
void buckets_add(bucket_t *acc, const bucket_t *b);

/* ---- storage encoding of a chunk of n buckets (run-length, varints): an
 * hour of one steady state takes 6 bytes. */
#define BUCKETS_ENCODE_MAX(n) (1 + (size_t)(n) * (10 + 1 + 5 * HS__COUNT))
/* Returns the bytes written, 0 when cap is too small. */
size_t buckets_encode(const bucket_t *b, int n, uint8_t *out, size_t cap);
/* Decodes exactly n buckets; false (b undefined) when the data is malformed,
 * does not cover exactly n buckets, or a bucket holds more than len ms. */
bool buckets_decode(const uint8_t *in, size_t inlen, bucket_t *b, int n, int64_t len);

#endif
