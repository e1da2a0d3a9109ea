/* ring.h - fixed-capacity ring buffer of timestamped values, the history of
 * one charted series. Pure data; the oldest sample is overwritten when full. */
#ifndef NODETOP_RING_H
#define NODETOP_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ring {
	int64_t *t;      /* ms since the epoch */
	double *v;
	size_t cap;
	size_t head;     /* index of the next write */
	size_t len;
	size_t alloc;    /* elements allocated in t and v: grows up to cap as samples arrive */
} ring_t;

void ring_init(ring_t *r, size_t cap);
void ring_free(ring_t *r);
void ring_push(ring_t *r, int64_t t_ms, double v);
void ring_clear(ring_t *r);
/* i = 0 is the oldest, len-1 the newest. Returns false when out of range. */
bool ring_get(const ring_t *r, size_t i, int64_t *t_ms, double *v);
/* Newest value; false when empty. */
bool ring_last(const ring_t *r, int64_t *t_ms, double *v);
/* Min and max of the finite values among the newest n (n = 0: all). false when none. */
bool ring_range(const ring_t *r, size_t n, double *min, double *max);

#endif
