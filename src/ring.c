/* ring.c - fixed-capacity ring buffer of timestamped values (one charted
 * series). Memory grows with the samples up to cap, then the oldest is overwritten. */
#include <math.h>
#include <stdlib.h>

#include "ring.h"
#include "xalloc.h"

void ring_init(ring_t *r, size_t cap)
{
	r->t = NULL;
	r->v = NULL;
	r->cap = cap ? cap : 1;
	r->head = 0;
	r->len = 0;
	r->alloc = 0;
}

void ring_free(ring_t *r)
{
	free(r->t);
	free(r->v);
	r->t = NULL;
	r->v = NULL;
	r->head = r->len = r->alloc = 0;
}

void ring_clear(ring_t *r)
{
	r->head = 0;
	r->len = 0;
}

/* Arrays are allocated lazily and doubled until they reach cap, so a series
 * that only lives for a minute costs a few samples, not cap of them. While
 * len < cap the buffer has not wrapped (head == len), so growing keeps order. */
void ring_push(ring_t *r, int64_t t_ms, double v)
{
	if (r->len < r->cap) {
		if (r->len == r->alloc) {
			size_t n = r->alloc ? r->alloc * 2 : 8;
			if (n > r->cap)
				n = r->cap;
			r->t = xrealloc(r->t, n * sizeof *r->t);
			r->v = xrealloc(r->v, n * sizeof *r->v);
			r->alloc = n;
		}
		r->t[r->len] = t_ms;
		r->v[r->len] = v;
		r->len++;
		r->head = r->len % r->cap;
		return;
	}
	r->t[r->head] = t_ms;
	r->v[r->head] = v;
	r->head = (r->head + 1) % r->cap;
}

bool ring_get(const ring_t *r, size_t i, int64_t *t_ms, double *v)
{
	if (i >= r->len)
		return false;
	size_t start = r->len < r->cap ? 0 : r->head;
	size_t k = (start + i) % r->cap;
	if (t_ms)
		*t_ms = r->t[k];
	if (v)
		*v = r->v[k];
	return true;
}

bool ring_last(const ring_t *r, int64_t *t_ms, double *v)
{
	if (r->len == 0)
		return false;
	return ring_get(r, r->len - 1, t_ms, v);
}

bool ring_range(const ring_t *r, size_t n, double *min, double *max)
{
	if (n == 0 || n > r->len)
		n = r->len;
	bool any = false;
	double lo = 0, hi = 0;
	for (size_t i = r->len - n; i < r->len; i++) {
		double v;
		ring_get(r, i, NULL, &v);
		if (!isfinite(v))
			continue;
		if (!any || v < lo)
			lo = v;
		if (!any || v > hi)
			hi = v;
		any = true;
	}
	if (any) {
		if (min)
			*min = lo;
		if (max)
			*max = hi;
	}
	return any;
}
