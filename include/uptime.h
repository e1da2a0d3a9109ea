/* uptime.h - availability accounting for one indicator: per-minute buckets
 * over 24 h (time spent in each state), windows in %, worst state per bucket. */
#ifndef NODETOP_UPTIME_H
#define NODETOP_UPTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "state.h"

#define UPTIME_BUCKET_MS   60000
#define UPTIME_NBUCKETS    1440          /* 24 h of one-minute buckets */

/* One detailed minute: milliseconds spent in each state during that minute.
 * Whole minutes (60000 ms in one state) take one byte in uptime_t.code instead. */
typedef struct uptime_bucket {
	int32_t minute;                     /* start time / UPTIME_BUCKET_MS */
	uint16_t ms[STATE__COUNT];          /* at most 60000 in all: 16 bytes a detailed minute */
} uptime_bucket_t;

#define UPTIME_INLINE 2                 /* detailed minutes held without a heap allocation */

/* 24 h of minutes in one byte each: code[minute % UPTIME_NBUCKETS] is 0 (empty),
 * 1 + s (the whole minute in state s), or a detailed minute, kept in a sorted
 * array (inline while small, on the heap beyond UPTIME_INLINE: uptime_free).
 * Never copy an uptime_t by value: the copy would share its heap array. */
typedef struct uptime {
	state_t cur;                        /* state in force since last_ms */
	int64_t last_ms;                    /* 0 = not started */
	int64_t newest;                     /* a whole-minute code in slot s holds the minute m with
	                                       m % 1440 == s in (newest - 1440, newest]; INT64_MIN: none */
	uptime_bucket_t *heap;              /* the detailed minutes when not inline, else NULL */
	uint16_t head, len, cap;            /* detailed minutes: (heap or inl)[head .. head+len),
	                                       ascending by minute; cap: heap's capacity */
	uptime_bucket_t inl[UPTIME_INLINE];
	unsigned char code[UPTIME_NBUCKETS];
} uptime_t;

void uptime_init(uptime_t *u);
/* Frees the heap an uptime may hold and leaves it as uptime_init does; safe on zeroed memory. */
void uptime_free(uptime_t *u);
/* Accrues the time from the last call to now_ms in the state that was in force,
 * then makes `state` the state in force. Time going backwards is ignored.
 * Minutes whose number does not fit 32 bits (beyond the year 6053) are not kept. */
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
 * most a minute in all): a minute whose slot (minute % UPTIME_NBUCKETS) holds a newer
 * one, i.e. older than 24 h before the newest ones, is dropped. */
void uptime_seed(uptime_t *u, int64_t minute, const uint32_t ms[STATE__COUNT]);

/* For tests and measurements: the time per state stored for `minute` (false,
 * and ms left, when its slot holds another minute or none); how many minutes
 * are held in detail (and the oldest of them); heap bytes held. */
bool uptime_bucket_ms(const uptime_t *u, int64_t minute, uint32_t ms[STATE__COUNT]);
size_t uptime_detailed(const uptime_t *u, int64_t *oldest_minute);
size_t uptime_heap_bytes(const uptime_t *u);

#endif
