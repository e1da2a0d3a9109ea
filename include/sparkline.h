/* sparkline.h - scaling a series of values to glyph levels: 8-level UTF-8
 * blocks (▁▂▃▄▅▆▇█) or ASCII, gaps for missing samples, multi-row charts. Pure. */
#ifndef NODETOP_SPARKLINE_H
#define NODETOP_SPARKLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ring.h"

#define SPARK_LEVELS 8

/* Glyph tables, lowest level first. */
extern const char *const sparkline_utf8[SPARK_LEVELS];   /* ▁ ▂ ▃ ▄ ▅ ▆ ▇ █ */
extern const char *const sparkline_ascii[SPARK_LEVELS];  /* _ . - ~ = + * # */

/* Range of the finite values of v[0..n); false when there is none. */
bool sparkline_range(const double *v, size_t n, double *min, double *max);
/* Level 0..nlevels-1 of v within [min, max], rounded to the nearest level;
 * -1 when v is not finite (NaN and infinities are gaps). A constant series
 * (max <= min) is drawn at level 0 when its value is 0 and at the middle level
 * (nlevels / 2 - 1) otherwise, so that "always 5" does not look like "always 0". */
int sparkline_level(double v, double min, double max, int nlevels);
/* Levels of v[0..n) against the finite range of v itself (min/max, may be
 * NULL, receive it). Returns false, every level -1, when no value is finite. */
bool sparkline_scale(const double *v, size_t n, int nlevels, int *levels, double *min, double *max);
/* Widens [*lo, *hi] to at least min_span, its middle on the middle level of
 * nlevels (where a constant is drawn; from 0 when lo >= 0 and that would go
 * below 0), so that a near-constant series draws flat in the middle instead of
 * swinging full height; an all-zero range is kept. */
void sparkline_span(double *lo, double *hi, double min_span, int nlevels);
/* sparkline_scale() with the range widened to min_span (0: none). */
void sparkline_scale_span(const double *v, size_t n, int nlevels, int *levels, double min_span);
/* Text for levels[0..n) of SPARK_LEVELS levels: one glyph per value, a space
 * for a gap (-1). Always NUL-terminated; stops at a whole glyph. Returns its length. */
size_t sparkline_render(char *dst, size_t dstsz, const int *levels, size_t n, bool ascii);
/* Multi-row charts: for a column at level (0 .. rows*8-1, or -1 for a gap) of
 * a chart rows high, the glyph index (0..7) of row row (0 = bottom), or -1 for
 * an empty cell. */
int sparkline_cell(int level, int row);
/* Lays the newest samples of a ring into ncols columns, the newest in the last
 * one: one column per sample, and where two samples (or the newest and now_ms)
 * are two steps (step_ms, the poll interval) or more apart, one NaN gap column
 * per missed step. Columns before the oldest sample are NaN. */
void sparkline_from_ring(const ring_t *r, int64_t now_ms, int64_t step_ms, double *out, size_t ncols);

#endif
