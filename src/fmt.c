/* fmt.c - short human forms of numbers, sizes, rates, durations and ages, and
 * display-width arithmetic (fit, wrap) on UTF-8 text. No curses, no libuv. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "fmt.h"

/* snprintf that reports what was really written (never more than n - 1). */
static size_t fmt_put(char *buf, size_t n, const char *s)
{
	size_t l;

	if (n == 0)
		return 0;
	l = strlen(s);
	if (l >= n)
		l = n - 1;
	memcpy(buf, s, l);
	buf[l] = '\0';
	return l;
}

/* Handles NaN and infinities; returns true when v was one of them. */
static bool fmt_nonfinite(char *buf, size_t n, double v, size_t *len)
{
	if (isnan(v)) {
		*len = fmt_put(buf, n, "-");
		return true;
	}
	if (isinf(v)) {
		*len = fmt_put(buf, n, v > 0 ? "inf" : "-inf");
		return true;
	}
	return false;
}

/* Removes a fractional part made only of zeros: "1.50" -> "1.5", "2.0" -> "2". */
static void fmt_strip_zeros(char *s)
{
	char *dot = strchr(s, '.');
	char *end;

	if (!dot)
		return;
	end = dot + strlen(dot);
	while (end > dot + 1 && end[-1] == '0')
		end--;
	if (end == dot + 1)
		end = dot;
	*end = '\0';
}

/* Formats a >= 0 scaled into [1, 1000) with a suffix from units[] (first
 * entry used below 1000): one decimal below 10, none above; a rounding that
 * reaches 1000 moves to the next unit. */
static void fmt_scaled(char *out, size_t outsz, double a, const char *const *units,
                       size_t nunits, const char *sep, bool small_decimals)
{
	size_t u = 0;
	char num[64];

	while (a >= 999.5 && u + 1 < nunits) {
		a /= 1000.0;
		u++;
	}
	for (;;) {
		if (u == 0 && small_decimals && a != floor(a)) {
			snprintf(num, sizeof num, a < 9.995 ? "%.2f" : a < 99.95 ? "%.1f" : "%.0f", a);
		} else if (u == 0) {
			snprintf(num, sizeof num, "%.0f", a);
		} else {
			snprintf(num, sizeof num, a < 9.95 ? "%.1f" : "%.0f", a);
		}
		if (u + 1 < nunits && strtod(num, NULL) >= 1000.0) {
			a /= 1000.0;
			u++;
			continue;
		}
		break;
	}
	fmt_strip_zeros(num);
	snprintf(out, outsz, "%s%s%s", num, units[u][0] ? sep : "", units[u]);
}

size_t fmt_whole(char *buf, size_t n, double v)
{
	if (!(v == floor(v) && fabs(v) < 9007199254740992.0) || (v == 0 && signbit(v))) {
		int len = snprintf(buf, n, "%.0f", v);
		return len < 0 ? 0 : (size_t)len < n ? (size_t)len : n ? n - 1 : 0;
	}
	char d[24];
	size_t k = sizeof d;
	unsigned long long u = (unsigned long long)fabs(v);
	do {
		d[--k] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		d[--k] = '-';
	size_t len = sizeof d - k;
	if (n == 0)
		return 0;
	if (len > n - 1)
		len = n - 1;
	memcpy(buf, d + k, len);
	buf[len] = '\0';
	return len;
}

size_t fmt_si(char *buf, size_t n, double v)
{
	static const char *const units[] = { "", "k", "M", "G", "T", "P", "E" };
	char tmp[80];
	size_t len;

	if (fmt_nonfinite(buf, n, v, &len))
		return len;
	fmt_scaled(tmp + 1, sizeof tmp - 1, fabs(v), units, sizeof units / sizeof units[0], "", true);
	if (v < 0 && strcmp(tmp + 1, "0") != 0) {
		tmp[0] = '-';
		return fmt_put(buf, n, tmp);
	}
	return fmt_put(buf, n, tmp + 1);
}

size_t fmt_bytes(char *buf, size_t n, double v)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };
	char tmp[80];
	size_t len;

	if (fmt_nonfinite(buf, n, v, &len))
		return len;
	fmt_scaled(tmp + 1, sizeof tmp - 1, fabs(v), units, sizeof units / sizeof units[0], " ", false);
	if (v <= -0.5) {
		tmp[0] = '-';
		return fmt_put(buf, n, tmp);
	}
	return fmt_put(buf, n, tmp + 1);
}

size_t fmt_per_min(char *buf, size_t n, double v)
{
	char tmp[80];
	size_t l;

	if (fmt_nonfinite(buf, n, v, &l))
		return l;
	l = fmt_si(tmp, sizeof tmp - 8, v);
	memcpy(tmp + l, "/min", 5);
	return fmt_put(buf, n, tmp);
}

size_t fmt_seconds(char *buf, size_t n, double secs)
{
	char tmp[80];
	size_t l;
	double a;

	if (fmt_nonfinite(buf, n, secs, &l))
		return l;
	a = fabs(secs);
	tmp[0] = '-';
	if (a == 0) {
		return fmt_put(buf, n, "0s");
	} else if (a < 0.9995) {
		snprintf(tmp + 1, sizeof tmp - 1, a < 0.00995 ? "%.1fms" : "%.0fms", a * 1000.0);
		fmt_strip_zeros(tmp + 1);
		if (!strstr(tmp + 1, "ms"))
			strcat(tmp + 1, "ms");
	} else if (a < 59.95) {
		snprintf(tmp + 1, sizeof tmp - 1, "%.1f", a);
		fmt_strip_zeros(tmp + 1);
		strcat(tmp + 1, "s");
	} else {
		fmt_duration(tmp + 1, sizeof tmp - 1, (int64_t)llround(a * 1000.0));
	}
	return fmt_put(buf, n, secs < 0 ? tmp : tmp + 1);
}

size_t fmt_percent(char *buf, size_t n, double pct)
{
	char tmp[80];
	size_t l;

	if (fmt_nonfinite(buf, n, pct, &l))
		return l;
	snprintf(tmp, sizeof tmp, "%.1f", pct);
	fmt_strip_zeros(tmp);
	if (strcmp(tmp, "-0") == 0)
		strcpy(tmp, "0");
	strcat(tmp, "%");
	return fmt_put(buf, n, tmp);
}

size_t fmt_uptime(char *buf, size_t n, double pct)
{
	char tmp[80];
	size_t l;
	double t;

	if (fmt_nonfinite(buf, n, pct, &l))
		return l;
	if (pct >= 100.0)
		return fmt_put(buf, n, "100%");
	if (pct <= 0.0)
		return fmt_put(buf, n, "0%");
	t = floor(pct * 100.0 + 1e-7) / 100.0;
	if (t >= 100.0)          /* cannot happen with pct < 100, but never print 100.00 */
		t = 99.99;
	snprintf(tmp, sizeof tmp, "%.2f%%", t);
	return fmt_put(buf, n, tmp);
}

size_t fmt_value(char *buf, size_t n, double v, chart_unit_t unit)
{
	switch (unit) {
	case UNIT_BYTES:   return fmt_bytes(buf, n, v);
	case UNIT_PER_MIN: return fmt_per_min(buf, n, v);
	case UNIT_SECONDS: return fmt_seconds(buf, n, v);
	case UNIT_PERCENT: return fmt_percent(buf, n, v);
	case UNIT_NONE:
	default:           return fmt_si(buf, n, v);
	}
}

size_t fmt_duration(char *buf, size_t n, int64_t ms)
{
	char tmp[64];
	long long s = ms > 0 ? (long long)(ms / 1000) : 0;

	if (s < 60)
		snprintf(tmp, sizeof tmp, "%llds", s);
	else if (s < 3600)
		snprintf(tmp, sizeof tmp, "%lldm%02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(tmp, sizeof tmp, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else if (s < 100LL * 86400)
		snprintf(tmp, sizeof tmp, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
	else
		snprintf(tmp, sizeof tmp, "%lldd", s / 86400);
	return fmt_put(buf, n, tmp);
}

size_t fmt_duration_seen(char *buf, size_t n, int64_t ms, bool seen, bool utf8)
{
	char d[64], tmp[80];

	fmt_duration(d, sizeof d, ms);
	if (seen)
		return fmt_put(buf, n, d);
	snprintf(tmp, sizeof tmp, "%s %s", utf8 ? "\xE2\x89\xA5" : ">=", d);
	return fmt_put(buf, n, tmp);
}

size_t fmt_age(char *buf, size_t n, int64_t now_ms, int64_t then_ms)
{
	if (then_ms == 0)
		return fmt_put(buf, n, "never");
	return fmt_duration(buf, n, now_ms - then_ms);
}

size_t fmt_latency(char *buf, size_t n, double ms)
{
	char tmp[64];

	if (!isfinite(ms) || ms < 0)
		return fmt_put(buf, n, "-");
	if (ms < 9.95)
		snprintf(tmp, sizeof tmp, "%.1fms", ms);
	else if (ms < 999.5)
		snprintf(tmp, sizeof tmp, "%.0fms", ms);
	else if (ms < 9950)
		snprintf(tmp, sizeof tmp, "%.1fs", ms / 1000.0);
	else
		snprintf(tmp, sizeof tmp, "%.0fs", ms / 1000.0);
	return fmt_put(buf, n, tmp);
}

size_t fmt_clock(char *buf, size_t n, int64_t ms, bool utc)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char tmp[32];

	if (!(utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)))
		return fmt_put(buf, n, "--:--:--");
	strftime(tmp, sizeof tmp, "%H:%M:%S", &tm);
	return fmt_put(buf, n, tmp);
}

/* ---------------------------------------------------------------- widths */

/* Decodes the character at s[i..len): returns its byte length (>= 1) and its
 * width in cells (a byte that does not decode is one cell). */
static size_t fmt_char(const char *s, size_t len, size_t i, int *w)
{
	mbstate_t st;
	wchar_t wc;
	size_t k;
	int cw;

	if ((unsigned char)s[i] < 0x80) {
		*w = 1;
		return 1;
	}
	memset(&st, 0, sizeof st);
	k = mbrtowc(&wc, s + i, len - i, &st);
	if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
		*w = 1;
		return 1;
	}
	cw = wcwidth(wc);
	*w = cw < 0 ? 1 : cw;
	return k;
}

int fmt_width(const char *s, size_t len)
{
	size_t i = 0;
	int total = 0, w;

	while (i < len) {
		i += fmt_char(s, len, i, &w);
		total += w;
	}
	return total;
}

/* Longest prefix within maxcols cells and maxbytes bytes. */
static size_t fmt_prefix2(const char *s, size_t len, int maxcols, size_t maxbytes, int *cols)
{
	size_t i = 0, k;
	int total = 0, w;

	while (i < len) {
		k = fmt_char(s, len, i, &w);
		if (total + w > maxcols || i + k > maxbytes)
			break;
		total += w;
		i += k;
	}
	if (cols)
		*cols = total;
	return i;
}

size_t fmt_prefix(const char *s, size_t len, int maxcols, int *cols)
{
	return fmt_prefix2(s, len, maxcols, len, cols);
}

int fmt_fit(char *dst, size_t dstsz, const char *s, int maxcols, const char *ellipsis)
{
	size_t len = strlen(s), elen = strlen(ellipsis), p;
	int cols = 0, ecols;

	if (dstsz == 0)
		return 0;
	dst[0] = '\0';
	if (maxcols <= 0)
		return 0;
	p = fmt_prefix2(s, len, maxcols, dstsz - 1, &cols);
	if (p == len) {
		memcpy(dst, s, p);
		dst[p] = '\0';
		return cols;
	}
	ecols = fmt_width(ellipsis, elen);
	if (elen + 1 > dstsz || ecols > maxcols) {
		/* no room for the ellipsis: plain cut */
		memcpy(dst, s, p);
		dst[p] = '\0';
		return cols;
	}
	p = fmt_prefix2(s, len, maxcols - ecols, dstsz - 1 - elen, &cols);
	memcpy(dst, s, p);
	memcpy(dst + p, ellipsis, elen);
	dst[p + elen] = '\0';
	return cols + ecols;
}

int fmt_fit_middle(char *dst, size_t dstsz, const char *s, int maxcols, const char *ellipsis)
{
	size_t len = strlen(s), elen = strlen(ellipsis), head, i = 0, k;
	int total = fmt_width(s, len), ecols = fmt_width(ellipsis, elen), hcols, tail, before = 0, w;

	if (total <= maxcols || maxcols < ecols + 2)
		return fmt_fit(dst, dstsz, s, maxcols, ellipsis);
	tail = (maxcols - ecols + 1) / 2;      /* the tail gets the odd cell: it tells nodes apart */
	/* the tail starts at the first character from which the rest fits in tail cells */
	while (i < len && total - before > tail) {
		k = fmt_char(s, len, i, &w);
		before += w;
		i += k;
	}
	head = fmt_prefix(s, len, maxcols - ecols - (total - before), &hcols);
	if (i < head || head + elen + (len - i) + 1 > dstsz)
		return fmt_fit(dst, dstsz, s, maxcols, ellipsis);
	memcpy(dst, s, head);
	memcpy(dst + head, ellipsis, elen);
	memcpy(dst + head + elen, s + i, len - i);
	dst[head + elen + len - i] = '\0';
	return hcols + ecols + (total - before);
}

size_t fmt_wrap(const char *s, size_t len, int maxcols, size_t *next)
{
	size_t i = 0, k, last_space = (size_t)-1, end;
	int total = 0, w;

	if (maxcols < 1)
		maxcols = 1;
	while (i < len) {
		if (s[i] == '\n') {
			*next = i + 1;
			return i;
		}
		k = fmt_char(s, len, i, &w);
		if (total + w > maxcols)
			break;
		if (s[i] == ' ')
			last_space = i;
		total += w;
		i += k;
	}
	if (i >= len) {
		*next = len;
		return len;
	}
	if (s[i] == ' ') {
		end = i;
	} else if (last_space != (size_t)-1 && last_space > 0) {
		end = last_space;
	} else if (i == 0) {
		/* one character wider than the line: take it anyway to make progress */
		k = fmt_char(s, len, 0, &w);
		*next = k;
		return k;
	} else {
		*next = i;
		return i;
	}
	/* soft break at a space: drop the spaces around it */
	k = end;
	while (k < len && s[k] == ' ')
		k++;
	if (k < len && s[k] == '\n')
		k++;
	*next = k;
	while (end > 0 && s[end - 1] == ' ')
		end--;
	return end;
}
