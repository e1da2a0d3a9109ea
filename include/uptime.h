/* uptime.h - availability accounting for one indicator: per-minute buckets
 * over 24 h (time spent in each state), windows in %, worst state per bucket. */
#ifndef NODETOP_UPTIME_H
#define NODETOP_UPTIME_H

#include <stdbool.h>
#include <stdint.h>
#include "state.h"

#define UPTIME_BUCKET_MS   60000
#define UPTIME_NBUCKETS    1440          /* 24 h of one-minute buckets */

/* One bucket: milliseconds spent in each state during that minute. Plain
 * data, so that history can be written to disk and read back as is. */
typedef struct uptime_bucket {
	int32_t minute;                     /* start time / UPTIME_BUCKET_MS; -1 = never used */
	uint16_t ms[STATE__COUNT];          /* at most 60000 each: 16 bytes a bucket, 23 KB a day */
} uptime_bucket_t;

typedef struct uptime {
	uptime_bucket_t b[UPTIME_NBUCKETS]; /* b[minute % UPTIME_NBUCKETS] */
	state_t cur;                        /* state in force since last_ms */
	int64_t last_ms;                    /* 0 = not started */
} uptime_t;

void uptime_init(uptime_t *u);
/* Accrues the time from the last call to now_ms in the state that was in force,
 * then makes `state` the state in force. Time going backwards is ignored. */
void uptime_observe(uptime_t *u, int64_t now_ms, state_t state);
/* Availability over the last window_ms ending at now_ms, in percent:
 * (up + starting + degraded) / (up + starting + degraded + down); unknown is excluded.
 * Returns false (and leaves *pct) when no known time was observed in the window. */
bool uptime_percent(const uptime_t *u, int64_t now_ms, int64_t window_ms, double *pct);
/* How much known time (any state but unknown) lies in the last window_ms: what
 * an availability over that window rests on. */
int64_t uptime_observed_ms(const uptime_t *u, int64_t now_ms, int64_t window_ms);
/* Availability is shown only over at least this much observed time: one poll
 * (--once) observes milliseconds, and "100.00%" over them says nothing. */
#define UPTIME_MIN_OBSERVED_MS 60000

/* Worst state with nonzero time in the bucket of the given minute, STATE_UNKNOWN when none. */
state_t uptime_bucket_state(const uptime_t *u, int64_t minute);
/* Fills out[0..n) with the worst state of n consecutive spans of span_ms each,
 * the last ending at now_ms (out[n-1] is the newest); span_ms is rounded up to
 * whole minutes. Used for history bars of any width. */
void uptime_history(const uptime_t *u, int64_t now_ms, int64_t span_ms, state_t *out, int n);

/* Adds time per state to minute `minute` (restored from stored history; at
 * most a minute in all): minutes older than 24 h before the newest ones are dropped. */
void uptime_seed(uptime_t *u, int64_t minute, const uint32_t ms[STATE__COUNT]);

#endif
