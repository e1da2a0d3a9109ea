/* fmt.h - short human forms of numbers for the dashboard (1.2k, 3.4 MB, 12/min,
 * 4m12s, 99.98%) and display-width arithmetic on UTF-8 text (fit, wrap). Pure. */
#ifndef NODETOP_FMT_H
#define NODETOP_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "charts.h"

/* Every formatter writes at most n bytes (always NUL-terminated when n > 0)
 * and returns the length written. Not finite values come out as "-",
 * "inf" or "-inf". */

/* A count as "%.0f" writes it (4, 23400000, -3, nan), without printf's float path for
 * the whole numbers below 2^53 a model formats every round (heads, connections). */
size_t fmt_whole(char *buf, size_t n, double v);
/* Plain number with an SI suffix: 0, 0.35, 12.5, 999, 1.2k, 12k, 123k, 3.4M, 1.2G. */
size_t fmt_si(char *buf, size_t n, double v);
/* Bytes in decimal units: 512 B, 3.4 kB, 12 MB, 1.2 GB. */
size_t fmt_bytes(char *buf, size_t n, double v);
/* A rate per minute: 12/min, 1.2k/min, 0.5/min. */
size_t fmt_per_min(char *buf, size_t n, double v);
/* Seconds as a value: 350ms, 4.2s, 4m12s. */
size_t fmt_seconds(char *buf, size_t n, double secs);
/* A percentage: 100%, 12.5%, 0.3%. */
size_t fmt_percent(char *buf, size_t n, double pct);
/* An availability: "100%" only when it is exactly 100, otherwise truncated
 * (never rounded up) to two decimals: 99.99%, 93.21%, 0%. */
size_t fmt_uptime(char *buf, size_t n, double pct);
/* A value of a charted series in its unit. */
size_t fmt_value(char *buf, size_t n, double v, chart_unit_t unit);

/* A duration, two units at most: 0s, 12s, 4m12s, 3h05m, 2d04h, 123d.
 * Negative durations are shown as 0s. */
size_t fmt_duration(char *buf, size_t n, int64_t ms);
/* A duration nodetop may not have seen begin: fmt_duration when seen, else a
 * lower bound, "≥ 3s" (">= 3s" without utf8). Issue 12 point 3. */
size_t fmt_duration_seen(char *buf, size_t n, int64_t ms, bool seen, bool utf8);
/* Time since then_ms: "never" when then_ms is 0, else fmt_duration(now - then). */
size_t fmt_age(char *buf, size_t n, int64_t now_ms, int64_t then_ms);
/* A latency in milliseconds: 0.4ms, 45ms, 1.2s, "-" when negative or NaN. */
size_t fmt_latency(char *buf, size_t n, double ms);
/* Wall-clock time of day, HH:MM:SS, local time (or UTC when utc). */
size_t fmt_clock(char *buf, size_t n, int64_t ms, bool utc);

/* Display width of s[0..len) in terminal cells under the current locale
 * (LC_CTYPE): a UTF-8 character counts wcwidth() cells, anything that does
 * not decode counts one cell per byte. */
int fmt_width(const char *s, size_t len);
/* Length in bytes of the longest prefix of s[0..len) that fits in maxcols
 * cells, never cutting a multi-byte character; *cols (may be NULL) gets its width. */
size_t fmt_prefix(const char *s, size_t len, int maxcols, int *cols);
/* Copies s into dst, truncated to maxcols cells; when it did not fit whole,
 * the copy ends with ellipsis (which must itself fit in one cell).
 * Returns the width in cells of the result. */
int fmt_fit(char *dst, size_t dstsz, const char *s, int maxcols, const char *ellipsis);
/* Like fmt_fit, but cuts in the middle, keeping the head and the tail (node
 * names such as "10.0.1.5:6688" differ at the end): "10.0…:6688". */
int fmt_fit_middle(char *dst, size_t dstsz, const char *s, int maxcols, const char *ellipsis);
/* Wrapping: the first display line of s[0..len) within maxcols cells, breaking
 * at an LF, else after the last space that fits, else mid-word (on a character
 * boundary). Returns its length in bytes (trailing spaces of a soft break
 * excluded) and sets *next to the offset where the following line starts
 * (== len when done). maxcols < 1 is treated as 1. */
size_t fmt_wrap(const char *s, size_t len, int maxcols, size_t *next);

#endif
