/* sparkline.c - scaling series to 8 glyph levels, UTF-8 and ASCII glyph
 * tables, gaps for NaN/Inf and missing samples, multi-row chart cells. */
#include <math.h>
#include <string.h>

#include "sparkline.h"

const char *const sparkline_utf8[SPARK_LEVELS] = {
	"\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
	"\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88",
};
const char *const sparkline_ascii[SPARK_LEVELS] = {
	"_", ".", "-", "~", "=", "+", "*", "#",
};

bool sparkline_range(const double *v, size_t n, double *min, double *max)
{
	bool any = false;
	double lo = 0, hi = 0;

	for (size_t i = 0; i < n; i++) {
		if (!isfinite(v[i]))
			continue;
		if (!any || v[i] < lo)
			lo = v[i];
		if (!any || v[i] > hi)
			hi = v[i];
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

int sparkline_level(double v, double min, double max, int nlevels)
{
	double f;
	int l;

	if (!isfinite(v) || nlevels < 1)
		return -1;
	if (!isfinite(min) || !isfinite(max) || !(max > min))
		return v == 0 ? 0 : (nlevels / 2 > 0 ? nlevels / 2 - 1 : 0);
	f = (v - min) / (max - min);
	if (!isfinite(f))      /* range too wide for a double */
		f = v >= max ? 1.0 : 0.0;
	if (f < 0)
		f = 0;
	if (f > 1)
		f = 1;
	l = (int)floor(f * (nlevels - 1) + 0.5);
	return l < 0 ? 0 : l >= nlevels ? nlevels - 1 : l;
}

bool sparkline_scale(const double *v, size_t n, int nlevels, int *levels, double *min, double *max)
{
	double lo, hi;

	if (!sparkline_range(v, n, &lo, &hi)) {
		for (size_t i = 0; i < n; i++)
			levels[i] = -1;
		return false;
	}
	for (size_t i = 0; i < n; i++)
		levels[i] = sparkline_level(v[i], lo, hi, nlevels);
	if (min)
		*min = lo;
	if (max)
		*max = hi;
	return true;
}

void sparkline_span(double *lo, double *hi, double min_span, int nlevels)
{
	double mid, f;
	bool nonneg = *lo >= 0;

	if (!isfinite(*lo) || !isfinite(*hi) || !(min_span > 0) || *hi - *lo >= min_span || nlevels < 2)
		return;
	if (*lo == 0 && *hi == 0)
		return;                      /* always zero: drawn at the bottom */
	/* the middle of the values on the middle level, where a constant is drawn */
	mid = (*lo + *hi) / 2;
	f = (double)(nlevels / 2 - 1) / (nlevels - 1);
	*lo = mid - f * min_span;
	*hi = *lo + min_span;
	if (nonneg && *lo < 0) {             /* a count never goes below zero */
		*lo = 0;
		*hi = min_span;
	}
}

void sparkline_scale_span(const double *v, size_t n, int nlevels, int *levels, double min_span)
{
	double lo, hi;

	if (!sparkline_range(v, n, &lo, &hi)) {
		for (size_t i = 0; i < n; i++)
			levels[i] = -1;
		return;
	}
	sparkline_span(&lo, &hi, min_span, nlevels);
	for (size_t i = 0; i < n; i++)
		levels[i] = sparkline_level(v[i], lo, hi, nlevels);
}

size_t sparkline_render(char *dst, size_t dstsz, const int *levels, size_t n, bool ascii)
{
	const char *const *g = ascii ? sparkline_ascii : sparkline_utf8;
	size_t len = 0;

	if (dstsz == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const char *s = levels[i] < 0 ? " " : g[levels[i] >= SPARK_LEVELS ? SPARK_LEVELS - 1 : levels[i]];
		size_t k = strlen(s);

		if (len + k + 1 > dstsz)
			break;
		memcpy(dst + len, s, k);
		len += k;
	}
	dst[len] = '\0';
	return len;
}

int sparkline_cell(int level, int row)
{
	int h;

	if (level < 0 || row < 0)
		return -1;
	h = level + 1 - row * SPARK_LEVELS;   /* eighths of this cell that are filled */
	if (h <= 0)
		return -1;
	return h >= SPARK_LEVELS ? SPARK_LEVELS - 1 : h - 1;
}

void sparkline_from_ring(const ring_t *r, int64_t now_ms, int64_t step_ms, double *out, size_t ncols)
{
	int64_t later;
	size_t c;

	for (c = 0; c < ncols; c++)
		out[c] = NAN;
	if (!r || ncols == 0 || step_ms <= 0)
		return;
	/* newest sample in the last column, then one column per older sample; a
	 * silence of two steps or more becomes gap columns (one per missed step),
	 * so that the jitter of the polls never shows as holes */
	later = now_ms;
	c = ncols;
	for (size_t i = r->len; i-- > 0 && c > 0;) {
		int64_t t, dt, missed;
		double v;

		if (!ring_get(r, i, &t, &v))
			continue;
		dt = later - t;
		missed = dt >= 2 * step_ms ? (dt + step_ms / 2) / step_ms - 1 : 0;
		while (missed-- > 0 && c > 0)
			c--;                       /* stays NaN: a gap */
		if (c == 0)
			break;
		out[--c] = v;
		later = t;
	}
}
