/* test_display.c - cmocka tests of the pure display modules: layout arithmetic,
 * sparkline scaling, value/duration formatting and widths, and the check tree. */
#include <locale.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checktree.h"
#include "fmt.h"
#include "layout.h"
#include "parse_health.h"
#include "ring.h"
#include "sparkline.h"
#include "xalloc.h"

#include "tests/unit/testdata.h"   /* TESTDATA, made by make */

/* ---------------------------------------------------------------- layout */

static void assert_rect(rect_t r, int y, int x, int h, int w)
{
	assert_int_equal(r.y, y);
	assert_int_equal(r.x, x);
	assert_int_equal(r.h, h);
	assert_int_equal(r.w, w);
}

/* Every panel is inside the screen and no two overlap (checks/charts may be
 * the same rectangle when they share it). */
static void assert_sane(const layout_t *l)
{
	rect_t r[7] = { l->header, l->footer, l->nodes, l->checks, l->charts, l->events, l->rules };

	for (int i = 0; i < 7; i++) {
		assert_true(rect_inside(r[i], l->cols, l->rows));
		for (int j = i + 1; j < 7; j++) {
			if (i == 3 && j == 4 && l->shared_middle)
				continue;
			if (rect_overlap(r[i], r[j]))
				fail_msg("%dx%d (%s): panels %d and %d overlap", l->cols, l->rows,
				         layout_mode_name(l->mode), i, j);
		}
	}
}

/* Rows used by the main screen's panels, each row counted once. */
static int rows_used(const layout_t *l)
{
	int n = 0;

	for (int y = 0; y < l->rows; y++) {
		rect_t r[6] = { l->header, l->footer, l->nodes, l->checks, l->charts, l->events };
		for (int i = 0; i < 6; i++)
			if (rect_contains(r[i], y, 0)) {
				n++;
				break;
			}
	}
	return n;
}

static void test_layout_modes(void **state)
{
	assert_int_equal(layout_mode(132, 40), LAYOUT_FULL);
	assert_int_equal(layout_mode(100, 30), LAYOUT_FULL);
	assert_int_equal(layout_mode(99, 30), LAYOUT_COMPACT);
	assert_int_equal(layout_mode(100, 29), LAYOUT_COMPACT);
	assert_int_equal(layout_mode(80, 24), LAYOUT_COMPACT);
	assert_int_equal(layout_mode(70, 18), LAYOUT_COMPACT);
	assert_int_equal(layout_mode(60, 15), LAYOUT_SUMMARY);
	assert_int_equal(layout_mode(50, 12), LAYOUT_SUMMARY);
	assert_int_equal(layout_mode(40, 10), LAYOUT_SUMMARY);
	assert_int_equal(layout_mode(39, 9), LAYOUT_TOO_SMALL);
	assert_int_equal(layout_mode(39, 10), LAYOUT_TOO_SMALL);
	assert_int_equal(layout_mode(40, 9), LAYOUT_TOO_SMALL);
	assert_int_equal(layout_mode(0, 0), LAYOUT_TOO_SMALL);
	assert_string_equal(layout_mode_name(LAYOUT_COMPACT), "compact");
}

static void test_layout_132x40(void **state)
{
	layout_t l;

	layout_compute(&l, 132, 40, 2);
	assert_int_equal(l.mode, LAYOUT_FULL);
	assert_rect(l.header, 0, 0, 1, 132);
	assert_rect(l.footer, 39, 0, 1, 132);
	assert_int_equal(l.node_lines, 4);
	assert_rect(l.nodes, 1, 0, 9, 132);          /* title + 2 cards of 4 lines */
	assert_int_equal(l.nodes_fit, 2);
	assert_false(l.shared_middle);
	/* checks left, charts right, same rows, together the whole width */
	assert_int_equal(l.checks.y, 10);
	assert_int_equal(l.checks.x, 0);
	assert_int_equal(l.charts.y, l.checks.y);
	assert_int_equal(l.charts.h, l.checks.h);
	assert_int_equal(l.checks.w + l.charts.w, 132);
	assert_int_equal(l.charts.x, l.checks.w);
	assert_true(l.checks.w > l.charts.w);
	assert_rect(l.events, 10 + l.checks.h, 0, 9, 132);
	assert_int_equal(l.events.y + l.events.h, 39);
	assert_true(l.checks.h >= 8);
	assert_int_equal(rows_used(&l), 40);
	assert_sane(&l);

	/* 20 nodes no longer fit as cards: one line each, the list takes its share */
	layout_compute(&l, 132, 40, 20);
	assert_int_equal(l.node_lines, 1);
	assert_int_equal(l.nodes.h, 21);
	assert_int_equal(l.nodes_fit, 20);
	assert_true(l.checks.h >= 8);
	assert_sane(&l);

	/* 6 nodes: two lines each */
	layout_compute(&l, 132, 40, 6);
	assert_int_equal(l.node_lines, 2);
	assert_int_equal(l.nodes.h, 13);
	assert_sane(&l);
}

static void test_layout_80x24(void **state)
{
	layout_t l;

	layout_compute(&l, 80, 24, 2);
	assert_int_equal(l.mode, LAYOUT_COMPACT);
	assert_rect(l.header, 0, 0, 1, 80);
	assert_rect(l.footer, 23, 0, 1, 80);
	assert_int_equal(l.node_lines, 2);
	assert_rect(l.nodes, 1, 0, 5, 80);
	assert_true(l.shared_middle);
	assert_rect(l.checks, 6, 0, 13, 80);
	assert_rect(l.charts, 6, 0, 13, 80);
	assert_rect(l.events, 19, 0, 4, 80);
	assert_int_equal(rows_used(&l), 24);
	assert_sane(&l);

	/* 8 nodes: one line each, the middle keeps at least 6 rows */
	layout_compute(&l, 80, 24, 8);
	assert_int_equal(l.node_lines, 1);
	assert_int_equal(l.nodes.h, 9);
	assert_true(l.checks.h >= 6);
	assert_sane(&l);
	/* 50 nodes: the list scrolls */
	layout_compute(&l, 80, 24, 50);
	assert_int_equal(l.nodes_fit, l.nodes.h - 1);
	assert_true(l.checks.h >= 6);
	assert_sane(&l);
}

static void test_layout_summary(void **state)
{
	layout_t l;

	layout_compute(&l, 50, 12, 2);
	assert_int_equal(l.mode, LAYOUT_SUMMARY);
	assert_rect(l.header, 0, 0, 1, 50);
	assert_rect(l.footer, 0, 0, 0, 0);
	assert_int_equal(l.node_lines, 1);
	assert_rect(l.nodes, 1, 0, 2, 50);
	assert_int_equal(l.nodes_fit, 2);
	assert_rect(l.checks, 0, 0, 0, 0);
	assert_rect(l.events, 3, 0, 9, 50);
	assert_sane(&l);

	layout_compute(&l, 40, 10, 2);
	assert_int_equal(l.mode, LAYOUT_SUMMARY);
	assert_rect(l.nodes, 1, 0, 2, 40);
	assert_rect(l.events, 3, 0, 7, 40);
	assert_sane(&l);

	/* too many nodes for events as well: the list takes the whole body */
	layout_compute(&l, 40, 10, 8);
	assert_rect(l.nodes, 1, 0, 9, 40);
	assert_int_equal(l.nodes_fit, 9);
	assert_rect(l.events, 0, 0, 0, 0);
	assert_sane(&l);
}

static void test_layout_too_small(void **state)
{
	layout_t l;

	layout_compute(&l, 39, 9, 2);
	assert_int_equal(l.mode, LAYOUT_TOO_SMALL);
	assert_int_equal(l.cols, 39);
	assert_int_equal(l.rows, 9);
	assert_rect(l.header, 0, 0, 0, 0);
	assert_rect(l.nodes, 0, 0, 0, 0);
	assert_rect(l.events, 0, 0, 0, 0);
	layout_detail(&l, 39, 9);
	assert_int_equal(l.mode, LAYOUT_TOO_SMALL);
}

static void test_layout_detail(void **state)
{
	layout_t l;

	layout_detail(&l, 132, 40);
	assert_int_equal(l.mode, LAYOUT_FULL);
	assert_rect(l.nodes, 1, 0, 6, 132);
	assert_int_equal(l.checks.y, 7);
	assert_int_equal(l.checks.h, 32);
	assert_int_equal(l.charts.x, l.checks.w);
	/* the rules above the charts: a title and every rule */
	assert_rect(l.rules, 7, l.checks.w, LAYOUT_RULES_ROWS, 132 - l.checks.w);
	assert_int_equal(l.charts.y, 7 + LAYOUT_RULES_ROWS);
	assert_int_equal(l.charts.h, 32 - LAYOUT_RULES_ROWS);
	assert_rect(l.events, 0, 0, 0, 0);
	assert_sane(&l);

	layout_detail(&l, 80, 24);
	assert_rect(l.nodes, 1, 0, 4, 80);
	assert_rect(l.rules, 5, 0, 6, 80);            /* stacked: a third of 18 rows for the rules */
	assert_rect(l.checks, 11, 0, 6, 80);          /* the other 12 split in two */
	assert_rect(l.charts, 17, 0, 6, 80);
	assert_sane(&l);

	layout_compute(&l, 132, 40, 3);
	assert_rect(l.rules, 0, 0, 0, 0);             /* the main screen has none */

	layout_detail(&l, 50, 12);
	assert_true(l.shared_middle);
	assert_sane(&l);

	/* a database line per [database] grows the facts: the rules move down with the
	 * checks and charts, nothing overlaps (the rules' title used to cover the line) */
	layout_detail(&l, 132, 40);
	layout_detail_grow(&l, 2);
	assert_rect(l.nodes, 1, 0, 8, 132);
	assert_int_equal(l.checks.y, 9);
	assert_rect(l.rules, 9, l.checks.w, LAYOUT_RULES_ROWS, 132 - l.checks.w);
	assert_int_equal(l.charts.y, 9 + LAYOUT_RULES_ROWS);
	assert_sane(&l);
	layout_detail(&l, 80, 40);                    /* stacked: rules on top, then checks and charts */
	rect_t rules = l.rules, checks = l.checks;
	layout_detail_grow(&l, 2);
	assert_int_equal(l.nodes.h, 4 + 2);
	assert_rect(l.rules, rules.y + 2, 0, rules.h, 80);
	assert_rect(l.checks, checks.y + 2, 0, checks.h - 2, 80);
	assert_sane(&l);
	layout_detail(&l, 80, 24);                    /* checks at their 6-row minimum: no room */
	layout_detail_grow(&l, 2);
	assert_int_equal(l.nodes.h, 4);
	for (int c = 40; c <= 220; c += 7)
		for (int r = 10; r <= 70; r += 5)
			for (int e = 1; e <= 8; e++) {
				layout_detail(&l, c, r);
				layout_detail_grow(&l, e);
				assert_sane(&l);
			}
}

/* Every size from the smallest to a large one, with various node counts. */
static void test_layout_all_sizes(void **state)
{
	static const size_t counts[] = { 0, 1, 2, 3, 7, 40, 1000 };
	layout_t l;

	for (int c = 40; c <= 220; c += 3)
		for (int r = 10; r <= 70; r++)
			for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
				layout_compute(&l, c, r, counts[k]);
				assert_int_not_equal(l.mode, LAYOUT_TOO_SMALL);
				assert_sane(&l);
				assert_true(l.nodes.h >= 1);
				assert_true(l.nodes_fit >= 1);
				if (l.mode != LAYOUT_SUMMARY) {
					assert_int_equal(rows_used(&l), r);
					assert_true(l.checks.h >= 6);
					assert_true(l.events.h >= 3);
				}
				layout_detail(&l, c, r);
				assert_sane(&l);
				assert_true(l.checks.h >= 3);
				assert_true(l.rules.h == 0 || l.rules.h >= 4);
				if (l.mode == LAYOUT_FULL)
					assert_true(l.rules.h >= 4);
			}
}

/* ---------------------------------------------------------------- sparkline */

static void test_spark_levels(void **state)
{
	double v[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	int lv[8];
	double lo, hi;

	assert_true(sparkline_scale(v, 8, SPARK_LEVELS, lv, &lo, &hi));
	assert_true(lo == 0 && hi == 7);
	for (int i = 0; i < 8; i++)
		assert_int_equal(lv[i], i);
	/* rounding to the nearest level; outside the range clamps */
	assert_int_equal(sparkline_level(0.49, 0, 7, 8), 0);
	assert_int_equal(sparkline_level(0.51, 0, 7, 8), 1);
	assert_int_equal(sparkline_level(-5, 0, 7, 8), 0);
	assert_int_equal(sparkline_level(100, 0, 7, 8), 7);
	assert_int_equal(sparkline_level(50, 0, 100, 8), 4);
	assert_int_equal(sparkline_level(1e308, -1e308, 1e308, 8), 7);
}

static void test_spark_gaps(void **state)
{
	double v[6] = { NAN, 10, INFINITY, 20, -INFINITY, 30 };
	int lv[6];
	double lo = -1, hi = -1;

	assert_true(sparkline_scale(v, 6, SPARK_LEVELS, lv, &lo, &hi));
	assert_true(lo == 10 && hi == 30);
	assert_int_equal(lv[0], -1);
	assert_int_equal(lv[1], 0);
	assert_int_equal(lv[2], -1);
	assert_int_equal(lv[3], 4);
	assert_int_equal(lv[4], -1);
	assert_int_equal(lv[5], 7);

	double none[3] = { NAN, NAN, INFINITY };
	assert_false(sparkline_scale(none, 3, SPARK_LEVELS, lv, NULL, NULL));
	assert_int_equal(lv[0], -1);
	assert_int_equal(lv[2], -1);
	assert_false(sparkline_range(none, 3, &lo, &hi));
	assert_false(sparkline_range(none, 0, &lo, &hi));
}

static void test_spark_constant_negative(void **state)
{
	double c[4] = { 5, 5, 5, 5 }, z[3] = { 0, 0, 0 }, neg[3] = { -10, 0, 10 }, allneg[3] = { -3, -2, -1 };
	int lv[4];

	sparkline_scale(c, 4, SPARK_LEVELS, lv, NULL, NULL);
	for (int i = 0; i < 4; i++)
		assert_int_equal(lv[i], 3);                 /* middle, not the floor */
	sparkline_scale(z, 3, SPARK_LEVELS, lv, NULL, NULL);
	for (int i = 0; i < 3; i++)
		assert_int_equal(lv[i], 0);
	sparkline_scale(neg, 3, SPARK_LEVELS, lv, NULL, NULL);
	assert_int_equal(lv[0], 0);
	assert_int_equal(lv[1], 4);
	assert_int_equal(lv[2], 7);
	sparkline_scale(allneg, 3, SPARK_LEVELS, lv, NULL, NULL);
	assert_int_equal(lv[0], 0);
	assert_int_equal(lv[1], 4);
	assert_int_equal(lv[2], 7);
	/* constant negative: drawn as a mid line too */
	assert_int_equal(sparkline_level(-4, -4, -4, 8), 3);
}

/* A near-constant rate draws flat in the middle, not full height; a stall
 * (a drop to 0) still spans the whole height; all-zero stays at the bottom. */
static void test_spark_min_span(void **state)
{
	double near[6] = { 30, 30.1, 30, 30.1, 30, 30.1 }, stall[6] = { 30, 30, 30, 0, 0, 0 }, zero[3] = { 0, 0, 0 };
	int lv[6];
	char out[64];

	(void)state;
	sparkline_scale_span(near, 6, SPARK_LEVELS, lv, 30.1 * 0.25);
	sparkline_render(out, sizeof out, lv, 6, true);
	assert_string_equal(out, "~~~~~~");            /* the middle level, no swing */
	sparkline_scale_span(near, 6, SPARK_LEVELS, lv, 0);
	sparkline_render(out, sizeof out, lv, 6, true);
	assert_string_equal(out, "_#_#_#");            /* without a minimum span: full swing */
	sparkline_scale_span(stall, 6, SPARK_LEVELS, lv, 30 * 0.25);
	sparkline_render(out, sizeof out, lv, 6, true);
	assert_string_equal(out, "###___");            /* the stall is a stall */
	sparkline_scale_span(zero, 3, SPARK_LEVELS, lv, 1);
	sparkline_render(out, sizeof out, lv, 3, true);
	assert_string_equal(out, "___");
	{
		double lo = 0.2, hi = 0.3;             /* small counts: from 0, never below */
		sparkline_span(&lo, &hi, 1, SPARK_LEVELS);
		assert_true(lo == 0 && hi == 1);
	}
}

/* Failover groups get their own lines above the nodes (the title row keeps the column headers). */
static void test_layout_group_lines(void **state)
{
	layout_t l;

	(void)state;
	layout_compute_groups(&l, 132, 40, 2, 1);
	assert_int_equal(l.group_lines, 1);
	assert_int_equal(l.node_lines, 4);
	assert_int_equal(l.nodes.h, 1 + 1 + 4 * 2);
	assert_int_equal(l.nodes_fit, 2);
	layout_compute(&l, 132, 40, 2);
	assert_int_equal(l.group_lines, 0);
}

static void test_spark_render(void **state)
{
	int lv[5] = { 0, 7, -1, 3, 9 };
	char buf[64];

	assert_int_equal(sparkline_render(buf, sizeof buf, lv, 5, false), 13);
	assert_string_equal(buf, "▁█ ▄█");
	sparkline_render(buf, sizeof buf, lv, 5, true);
	assert_string_equal(buf, "_# ~#");
	/* a short buffer stops at a whole glyph */
	assert_int_equal(sparkline_render(buf, 6, lv, 5, false), 3);
	assert_string_equal(buf, "▁");
	assert_int_equal(sparkline_render(buf, 1, lv, 5, false), 0);
	assert_string_equal(buf, "");
	for (int i = 0; i < SPARK_LEVELS; i++) {
		assert_int_equal(strlen(sparkline_ascii[i]), 1);
		assert_int_equal(strlen(sparkline_utf8[i]), 3);
	}
}

static void test_spark_cells(void **state)
{
	/* a chart two rows high has 16 levels */
	assert_int_equal(sparkline_cell(15, 0), 7);
	assert_int_equal(sparkline_cell(15, 1), 7);
	assert_int_equal(sparkline_cell(8, 0), 7);
	assert_int_equal(sparkline_cell(8, 1), 0);
	assert_int_equal(sparkline_cell(3, 0), 3);
	assert_int_equal(sparkline_cell(3, 1), -1);
	assert_int_equal(sparkline_cell(0, 0), 0);
	assert_int_equal(sparkline_cell(-1, 0), -1);
	assert_int_equal(sparkline_level(100, 0, 100, 16), 15);
}

static void test_spark_from_ring(void **state)
{
	ring_t r;
	double out[6];

	ring_init(&r, 16);
	ring_push(&r, 1000, 1);
	ring_push(&r, 2000, 2);
	ring_push(&r, 2900, 2.9);    /* jitter: still its own column, no hole */
	ring_push(&r, 4100, 4.1);
	ring_push(&r, 7000, 7);      /* two polls missed before this one */
	sparkline_from_ring(&r, 7200, 1000, out, 6);
	assert_true(out[5] == 7);
	assert_true(isnan(out[4]) && isnan(out[3]));
	assert_true(out[2] == 4.1);
	assert_true(out[1] == 2.9);
	assert_true(out[0] == 2);
	/* nothing new for a while: the chart scrolls left, gaps on the right */
	sparkline_from_ring(&r, 10000, 1000, out, 6);
	assert_true(isnan(out[5]) && isnan(out[4]));
	assert_true(out[3] == 7);
	assert_true(isnan(out[2]) && isnan(out[1]));
	assert_true(out[0] == 4.1);
	/* fewer samples than columns: NaN on the left */
	sparkline_from_ring(&r, 7000, 1000, out, 6);
	assert_true(out[5] == 7 && out[2] == 4.1);
	sparkline_from_ring(&r, 7000, 100000, out, 6);   /* long step: no gaps at all */
	assert_true(out[5] == 7 && out[4] == 4.1 && out[3] == 2.9 && out[2] == 2 && out[1] == 1);
	assert_true(isnan(out[0]));
	sparkline_from_ring(NULL, 6000, 1000, out, 6);
	assert_true(isnan(out[0]));
	ring_free(&r);
}

/* ---------------------------------------------------------------- formatting */

typedef struct fcase {
	double v;
	const char *want;
} fcase_t;

static void check_table(size_t (*f)(char *, size_t, double), const fcase_t *t, size_t n)
{
	char buf[64];

	for (size_t i = 0; i < n; i++) {
		f(buf, sizeof buf, t[i].v);
		if (strcmp(buf, t[i].want) != 0)
			fail_msg("%g: got '%s', want '%s'", t[i].v, buf, t[i].want);
	}
}

static void test_fmt_si(void **state)
{
	static const fcase_t t[] = {
		{ 0, "0" }, { 1, "1" }, { 12, "12" }, { 999, "999" }, { 0.35, "0.35" },
		{ 1.5, "1.5" }, { 12.5, "12.5" }, { 123.4, "123" }, { 999.6, "1k" },
		{ 1000, "1k" }, { 1200, "1.2k" }, { 1249, "1.2k" }, { 12345, "12k" },
		{ 123456, "123k" }, { 999999, "1M" }, { 3.4e6, "3.4M" }, { 21345678, "21M" },
		{ 1.2e9, "1.2G" }, { 5e12, "5T" }, { -1200, "-1.2k" }, { -0.5, "-0.5" },
		{ -0.0001, "0" }, { NAN, "-" }, { INFINITY, "inf" }, { -INFINITY, "-inf" },
	};
	check_table(fmt_si, t, sizeof t / sizeof t[0]);
}

/* fmt_whole writes what "%.0f" writes: the fast path for whole numbers and printf's for
 * the rest (halves round as printf rounds them, -0, not finite, beyond 2^53), also cut short. */
static void test_fmt_whole(void **state)
{
	(void)state;
	const double v[] = { 0, -0.0, 1, -1, 4, 20, 23400000, -23400000, 9007199254740991.0, 9007199254740992.0,
		             -9007199254740993.0, 1e20, -1e300, 0.5, 1.5, 2.5, -0.5, -2.5, 3.49, 1e15 + 0.5,
		             NAN, INFINITY, -INFINITY, 4294967296.0, 18446744073709551616.0 };
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		char want[400], got[400];
		snprintf(want, sizeof want, "%.0f", v[i]);
		assert_int_equal(fmt_whole(got, sizeof got, v[i]), strlen(want));
		assert_string_equal(got, want);
		char small[4];   /* cut to fit, NUL-terminated, as snprintf would */
		size_t n = fmt_whole(small, sizeof small, v[i]);
		assert_int_equal(n, strlen(want) < 3 ? strlen(want) : 3);
		assert_int_equal(strlen(small), n);
		assert_memory_equal(small, want, n);
	}
	for (long long k = -100000; k <= 100000; k += 7) {   /* a stretch of them */
		char want[32], got[32];
		snprintf(want, sizeof want, "%.0f", (double)k * 1000003.0);
		fmt_whole(got, sizeof got, (double)k * 1000003.0);
		assert_string_equal(got, want);
	}
}

static void test_fmt_bytes(void **state)
{
	static const fcase_t t[] = {
		{ 0, "0 B" }, { 512, "512 B" }, { 999, "999 B" }, { 1000, "1 kB" },
		{ 3400, "3.4 kB" }, { 3.4e6, "3.4 MB" }, { 12e6, "12 MB" }, { 123456789, "123 MB" },
		{ 999.9e6, "1 GB" }, { 1.2e9, "1.2 GB" }, { 2.5e12, "2.5 TB" }, { NAN, "-" },
	};
	check_table(fmt_bytes, t, sizeof t / sizeof t[0]);
}

static void test_fmt_rates_percent(void **state)
{
	static const fcase_t rate[] = {
		{ 12, "12/min" }, { 1200, "1.2k/min" }, { 0.5, "0.5/min" }, { 0, "0/min" },
		{ NAN, "-" },
	};
	static const fcase_t pct[] = {
		{ 100, "100%" }, { 12.5, "12.5%" }, { 0.3, "0.3%" }, { 0, "0%" }, { 99.96, "100%" },
	};
	static const fcase_t up[] = {
		{ 100, "100%" }, { 99.999, "99.99%" }, { 99.99, "99.99%" }, { 93.21, "93.21%" },
		{ 5.2, "5.20%" }, { 0, "0%" }, { 0.004, "0.00%" }, { 150, "100%" },
	};
	static const fcase_t secs[] = {
		{ 0, "0s" }, { 0.35, "350ms" }, { 0.0042, "4.2ms" }, { 4.2, "4.2s" }, { 12, "12s" },
		{ 252, "4m12s" }, { -1.5, "-1.5s" },
	};
	check_table(fmt_per_min, rate, sizeof rate / sizeof rate[0]);
	check_table(fmt_percent, pct, sizeof pct / sizeof pct[0]);
	check_table(fmt_uptime, up, sizeof up / sizeof up[0]);
	check_table(fmt_seconds, secs, sizeof secs / sizeof secs[0]);
}

static void test_fmt_value_units(void **state)
{
	char buf[32];

	fmt_value(buf, sizeof buf, 3.4e6, UNIT_BYTES);
	assert_string_equal(buf, "3.4 MB");
	fmt_value(buf, sizeof buf, 12, UNIT_PER_MIN);
	assert_string_equal(buf, "12/min");
	fmt_value(buf, sizeof buf, 252, UNIT_SECONDS);
	assert_string_equal(buf, "4m12s");
	fmt_value(buf, sizeof buf, 42, UNIT_PERCENT);
	assert_string_equal(buf, "42%");
	fmt_value(buf, sizeof buf, 1234, UNIT_NONE);
	assert_string_equal(buf, "1.2k");
	/* truncation never overflows and stays terminated */
	assert_int_equal(fmt_value(buf, 4, 3.4e6, UNIT_BYTES), 3);
	assert_string_equal(buf, "3.4");
	assert_int_equal(fmt_si(buf, 0, 1), 0);
}

static void test_fmt_durations(void **state)
{
	static const struct { int64_t ms; const char *want; } t[] = {
		{ 0, "0s" }, { 999, "0s" }, { 12000, "12s" }, { 59999, "59s" }, { 60000, "1m00s" },
		{ 252000, "4m12s" }, { 3599000, "59m59s" }, { 3600000, "1h00m" }, { 11100000, "3h05m" },
		{ 86400000, "1d00h" }, { 187200000, "2d04h" }, { 100LL * 86400000, "100d" },
		{ -5000, "0s" },
	};
	char buf[32];

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		fmt_duration(buf, sizeof buf, t[i].ms);
		if (strcmp(buf, t[i].want) != 0)
			fail_msg("%lld ms: got '%s', want '%s'", (long long)t[i].ms, buf, t[i].want);
	}
	fmt_age(buf, sizeof buf, 10000, 0);
	assert_string_equal(buf, "never");
	fmt_age(buf, sizeof buf, 1700000252000, 1700000000000);
	assert_string_equal(buf, "4m12s");
	fmt_latency(buf, sizeof buf, 0.42);
	assert_string_equal(buf, "0.4ms");
	fmt_latency(buf, sizeof buf, 45.2);
	assert_string_equal(buf, "45ms");
	fmt_latency(buf, sizeof buf, 1234);
	assert_string_equal(buf, "1.2s");
	fmt_latency(buf, sizeof buf, 15000);
	assert_string_equal(buf, "15s");
	fmt_latency(buf, sizeof buf, NAN);
	assert_string_equal(buf, "-");
	fmt_clock(buf, sizeof buf, 1700000252000, true);
	assert_string_equal(buf, "22:17:32");
}

static void test_fmt_widths(void **state)
{
	char buf[64];
	size_t next, l;

	assert_non_null(setlocale(LC_CTYPE, "C.UTF-8"));
	assert_int_equal(fmt_width("abc", 3), 3);
	assert_int_equal(fmt_width("▁█●", strlen("▁█●")), 3);
	assert_int_equal(fmt_width("日本", strlen("日本")), 4);
	/* never half a character */
	assert_int_equal(fmt_prefix("日本語", strlen("日本語"), 3, NULL), 3);
	assert_int_equal(fmt_prefix("a●b", strlen("a●b"), 2, NULL), 4);
	assert_int_equal(fmt_fit(buf, sizeof buf, "HeadListener", 8, "…"), 8);
	assert_string_equal(buf, "HeadLis…");
	assert_int_equal(fmt_fit(buf, sizeof buf, "日本語テキスト", 6, "…"), 5);
	assert_string_equal(buf, "日本…");
	assert_int_equal(fmt_fit(buf, sizeof buf, "short", 8, "…"), 5);
	assert_string_equal(buf, "short");
	assert_int_equal(fmt_fit(buf, 6, "●●●●●", 10, "~"), 2);   /* byte limit: 5 bytes, one ● + ~ */
	assert_string_equal(buf, "●~");
	assert_int_equal(fmt_fit_middle(buf, sizeof buf, "127.0.0.1:17000", 10, "…"), 10);
	assert_string_equal(buf, "127.…17000");
	assert_int_equal(fmt_fit_middle(buf, sizeof buf, "127.0.0.1:17000", 15, "…"), 15);
	assert_string_equal(buf, "127.0.0.1:17000");
	assert_int_equal(fmt_fit_middle(buf, sizeof buf, "日本語テキスト", 7, "…"), 7);
	assert_string_equal(buf, "日本…ト");
	assert_int_equal(fmt_fit_middle(buf, sizeof buf, "abcdef", 2, "…"), 2);   /* too narrow: plain fit */
	assert_string_equal(buf, "a…");
	assert_int_equal(fmt_fit(buf, sizeof buf, "abc", 0, "~"), 0);
	assert_string_equal(buf, "");

	/* wrapping: at LF, at spaces, mid-word when it must, by display width */
	const char *s = "Listener connected = false, receiving heads = false";
	l = fmt_wrap(s, strlen(s), 20, &next);
	assert_int_equal(l, strlen("Listener connected ="));
	assert_int_equal(next, strlen("Listener connected = "));
	l = fmt_wrap(s, strlen(s), 19, &next);
	assert_int_equal(l, strlen("Listener connected"));
	assert_int_equal(next, strlen("Listener connected "));
	l = fmt_wrap("ab\ncd", 5, 20, &next);
	assert_int_equal(l, 2);
	assert_int_equal(next, 3);
	l = fmt_wrap("abcdefgh", 8, 3, &next);
	assert_int_equal(l, 3);
	assert_int_equal(next, 3);
	l = fmt_wrap("日本語", strlen("日本語"), 5, &next);
	assert_int_equal(l, 6);
	l = fmt_wrap("日本語", strlen("日本語"), 1, &next);    /* wider than the line: progress anyway */
	assert_int_equal(l, 3);
	assert_int_equal(next, 3);
	l = fmt_wrap("fits", 4, 10, &next);
	assert_int_equal(l, 4);
	assert_int_equal(next, 4);
	/* a whole paragraph wraps into lines that each fit */
	const char *p = "service is \"Unstarted\", not started; and a rather long second sentence follows here";
	size_t off = 0, lines = 0;
	while (off < strlen(p)) {
		l = fmt_wrap(p + off, strlen(p) - off, 16, &next);
		assert_true(fmt_width(p + off, l) <= 16);
		assert_true(next > 0);
		off += next;
		lines++;
	}
	assert_int_equal(lines, 6);
	setlocale(LC_CTYPE, "C");
}

/* ---------------------------------------------------------------- check tree */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = xmalloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void load_loopp(checktree_t *ct)
{
	health_report_t r = HEALTH_REPORT_INIT;
	char err[256];
	size_t len;
	char *body = slurp(TESTDATA "/chainlink/health-loopp.txt", &len);

	assert_int_equal(health_parse_text(body, len, &r, err, sizeof err), 0);
	assert_int_equal(r.n, 71);
	checktree_build_report(ct, &r);
	health_report_free(&r);
	free(body);
}

#define HL "EVM.1.RelayerService.PluginRelayerClient.PluginEVM.HeadTracker.HeadListener"
#define MB "EVM.1.RelayerService.PluginRelayerClient.PluginEVM.Mailbox.Monitor"
#define PEVM "EVM.1.RelayerService.PluginRelayerClient.PluginEVM"

static const char *row_name(const checktree_t *ct, size_t i)
{
	return ct->nodes[ct->rows[i].node].name;
}

static bool row_visible(const checktree_t *ct, const char *name)
{
	for (size_t i = 0; i < ct->nrows; i++)
		if (strcmp(row_name(ct, i), name) == 0)
			return true;
	return false;
}

static void test_tree_structure(void **state)
{
	checktree_t ct;
	size_t evm, evm1, hl, ht;

	checktree_init(&ct);
	load_loopp(&ct);
	assert_int_equal(ct.nchecks, 71);
	assert_int_equal(ct.nfailing, 2);

	evm = checktree_find(&ct, "EVM");
	evm1 = checktree_find(&ct, "EVM.1");
	hl = checktree_find(&ct, HL);
	ht = checktree_find(&ct, PEVM ".HeadTracker");
	assert_true(evm != CT_NONE && evm1 != CT_NONE && hl != CT_NONE && ht != CT_NONE);
	/* EVM and EVM.1 are groups made from the dotted names, not checks */
	assert_false(ct.nodes[evm].is_check);
	assert_false(ct.nodes[evm1].is_check);
	assert_int_equal(ct.nodes[evm].depth, 0);
	assert_int_equal(ct.nodes[evm1].depth, 1);
	assert_int_equal(ct.nodes[evm1].parent, evm);
	assert_string_equal(ct.nodes[evm1].label, "1");
	assert_int_equal(ct.nodes[evm].nchecks, 16);
	/* the failing check: a real check, deep, under HeadTracker, with its output */
	assert_true(ct.nodes[hl].is_check);
	assert_int_equal(ct.nodes[hl].status, CHECK_FAILING);
	assert_int_equal(ct.nodes[hl].depth, 6);
	assert_int_equal(ct.nodes[hl].parent, ht);
	assert_string_equal(ct.nodes[hl].label, "HeadListener");
	assert_string_equal(ct.nodes[hl].output, "Listener connected = false, receiving heads = false");
	assert_true(ct.nodes[ht].is_check);
	assert_int_equal(ct.nodes[ht].status, CHECK_PASSING);
	/* a failing child marks its ancestors */
	assert_int_equal(ct.nodes[ht].nfailing, 1);
	assert_int_equal(ct.nodes[evm1].nfailing, 2);
	assert_int_equal(ct.nodes[evm].nfailing, 2);
	assert_int_equal(ct.nodes[checktree_find(&ct, "Aptos")].nfailing, 0);
	/* the top-level Mailbox.Monitor is another check than the plugin's */
	assert_int_equal(ct.nodes[checktree_find(&ct, "Mailbox.Monitor")].status, CHECK_PASSING);
	assert_int_equal(ct.nodes[checktree_find(&ct, MB)].status, CHECK_FAILING);
	assert_string_equal(ct.nodes[checktree_find(&ct, MB)].output, "service is \"Unstarted\", not started");
	checktree_free(&ct);
}

static void test_tree_order(void **state)
{
	checktree_t ct;
	const ct_node_t *pevm;

	checktree_init(&ct);
	load_loopp(&ct);
	/* failing first at the top, then by name */
	assert_string_equal(ct.nodes[ct.roots[0]].name, "EVM");
	assert_string_equal(ct.nodes[ct.roots[1]].name, "Aptos");
	assert_string_equal(ct.nodes[ct.roots[2]].name, "BridgeStatusReporter");
	assert_string_equal(ct.nodes[ct.roots[3]].name, "Cosmos");
	assert_string_equal(ct.nodes[ct.roots[ct.nroots - 1]].name, "WorkflowStore");
	for (size_t i = 2; i < ct.nroots; i++)
		assert_true(strcmp(ct.nodes[ct.roots[i - 1]].name, ct.nodes[ct.roots[i]].name) < 0);
	/* under PluginEVM: the two failing subtrees, then the rest by name */
	pevm = &ct.nodes[checktree_find(&ct, PEVM)];
	assert_int_equal(pevm->nkids, 7);
	assert_string_equal(ct.nodes[pevm->kids[0]].label, "HeadTracker");
	assert_string_equal(ct.nodes[pevm->kids[1]].label, "Mailbox");
	assert_string_equal(ct.nodes[pevm->kids[2]].label, "BalanceMonitor");
	assert_string_equal(ct.nodes[pevm->kids[3]].label, "HeadBroadcaster");
	assert_string_equal(ct.nodes[pevm->kids[6]].label, "Txm");
	checktree_free(&ct);
}

static void test_tree_flatten_collapse(void **state)
{
	checktree_t ct;
	size_t n, aptos;

	checktree_init(&ct);
	load_loopp(&ct);
	n = checktree_flatten(&ct);
	/* default: the failing path is open, passing subtrees are closed */
	assert_string_equal(row_name(&ct, 0), "EVM");
	assert_int_equal(ct.rows[0].depth, 0);
	assert_string_equal(row_name(&ct, 1), "EVM.1");
	assert_int_equal(ct.rows[1].depth, 1);
	assert_string_equal(row_name(&ct, 2), "EVM.1.RelayerService");
	assert_string_equal(row_name(&ct, 5), PEVM ".HeadTracker");
	assert_string_equal(row_name(&ct, 6), HL);
	assert_int_equal(ct.rows[6].depth, 6);
	assert_string_equal(row_name(&ct, 7), PEVM ".Mailbox");
	assert_string_equal(row_name(&ct, 8), MB);
	assert_string_equal(row_name(&ct, 9), PEVM ".BalanceMonitor");
	assert_true(row_visible(&ct, PEVM ".Txm"));
	assert_false(row_visible(&ct, PEVM ".Txm.Broadcaster"));   /* passing subtree, closed */
	assert_true(row_visible(&ct, "Aptos"));
	assert_false(row_visible(&ct, "Aptos.42"));
	assert_true(row_visible(&ct, "Heartbeat"));
	assert_true(row_visible(&ct, "PipelineRunner"));
	assert_false(row_visible(&ct, "PipelineRunner.BridgeCache"));
	/* 14 rows of the EVM subtree plus the 22 other top-level names */
	assert_int_equal(n, 14 + 22);
	assert_int_equal(ct.nroots, 23);

	/* open Aptos, close EVM */
	aptos = checktree_find(&ct, "Aptos");
	assert_true(checktree_collapsed(&ct, aptos));
	checktree_toggle(&ct, aptos);
	checktree_toggle(&ct, checktree_find(&ct, "EVM"));
	checktree_flatten(&ct);
	assert_true(row_visible(&ct, "Aptos.42"));
	assert_false(row_visible(&ct, "Aptos.42.RelayerService"));
	assert_false(row_visible(&ct, "EVM.1"));
	assert_string_equal(row_name(&ct, 0), "EVM");
	/* a rebuild (the next poll) keeps the user's choices */
	load_loopp(&ct);
	checktree_flatten(&ct);
	assert_true(row_visible(&ct, "Aptos.42"));
	assert_false(row_visible(&ct, "EVM.1"));
	checktree_reset_collapse(&ct);
	checktree_flatten(&ct);
	assert_true(row_visible(&ct, HL));
	/* leaves cannot be collapsed */
	checktree_toggle(&ct, checktree_find(&ct, "Heartbeat"));
	assert_false(checktree_collapsed(&ct, checktree_find(&ct, "Heartbeat")));
	/* expand_all shows every node */
	ct.expand_all = true;
	assert_int_equal(checktree_flatten(&ct), ct.n);
	checktree_free(&ct);
}

static void test_tree_filters(void **state)
{
	checktree_t ct;

	checktree_init(&ct);
	load_loopp(&ct);

	/* failing only: the two failing checks and their ancestors, collapse ignored */
	checktree_toggle(&ct, checktree_find(&ct, "EVM"));
	checktree_set_failing_only(&ct, true);
	assert_int_equal(checktree_flatten(&ct), 9);
	assert_string_equal(row_name(&ct, 0), "EVM");
	assert_string_equal(row_name(&ct, 6), HL);
	assert_string_equal(row_name(&ct, 8), MB);
	assert_false(row_visible(&ct, "Mailbox.Monitor"));

	/* text, matched in the output too, case-insensitively */
	checktree_set_failing_only(&ct, false);
	checktree_set_filter(&ct, "RECEIVING HEADS");
	assert_int_equal(checktree_flatten(&ct), 7);
	assert_string_equal(row_name(&ct, 6), HL);
	assert_true(checktree_matches(&ct, checktree_find(&ct, HL)));
	assert_false(checktree_matches(&ct, checktree_find(&ct, "EVM")));

	/* text in names: every Txm, with their ancestors, nothing else */
	checktree_set_filter(&ct, "txm");
	checktree_flatten(&ct);
	assert_true(row_visible(&ct, PEVM ".Txm.Broadcaster"));
	assert_true(row_visible(&ct, "Cosmos.Foo.RelayerService.PluginRelayerClient.PluginCosmos.Txm"));
	assert_true(row_visible(&ct, "Tron.1001.RelayerService.PluginRelayerClient.PluginTron.TronTxm"));
	assert_false(row_visible(&ct, "Heartbeat"));
	assert_false(row_visible(&ct, HL));
	assert_false(row_visible(&ct, "Aptos"));
	for (size_t i = 0; i < ct.nrows; i++) {
		/* each row matches or leads to a match below it */
		size_t node = ct.rows[i].node;
		bool ok = checktree_matches(&ct, node);
		for (size_t j = i + 1; !ok && j < ct.nrows && ct.rows[j].depth > ct.rows[i].depth; j++)
			ok = checktree_matches(&ct, ct.rows[j].node);
		assert_true(ok);
	}

	/* both filters: failing AND "mailbox" -> only the plugin's Mailbox.Monitor */
	checktree_set_filter(&ct, "mailbox");
	checktree_set_failing_only(&ct, true);
	assert_int_equal(checktree_flatten(&ct), 7);
	assert_string_equal(row_name(&ct, 6), MB);

	/* nothing matches */
	checktree_set_filter(&ct, "no such check");
	assert_int_equal(checktree_flatten(&ct), 0);
	checktree_free(&ct);
}

static void test_tree_edge_cases(void **state)
{
	static const checktree_item_t items[] = {
		{ "b.x", CHECK_PASSING, "", 0, false },
		{ "a", CHECK_PASSING, "", 0, false },
		{ "c", CHECK_UNKNOWN, "", 0, false },
		{ "b.x", CHECK_FAILING, "boom", 5, false },     /* repeated: the worst wins */
		{ "b.x", CHECK_PASSING, "", 0, false },
		{ "d..e", CHECK_PASSING, "", 0, false },        /* empty component */
		{ ".f", CHECK_PASSING, "", 0, false },
		{ "", CHECK_PASSING, "", 0, false },
	};
	checktree_t ct;
	size_t bx;
	char longf[300];

	checktree_init(&ct);
	checktree_build(&ct, items, sizeof items / sizeof items[0]);
	assert_int_equal(ct.nfailing, 1);
	bx = checktree_find(&ct, "b.x");
	assert_int_equal(ct.nodes[bx].status, CHECK_FAILING);
	assert_string_equal(ct.nodes[bx].output, "boom");
	assert_int_equal(ct.nodes[bx].since_ms, 5);
	/* failing first, then unknown, then the rest */
	assert_string_equal(ct.nodes[ct.roots[0]].name, "b");
	assert_string_equal(ct.nodes[ct.roots[1]].name, "c");
	assert_true(checktree_find(&ct, "d..e") != CT_NONE);
	assert_int_equal(ct.nodes[checktree_find(&ct, "d..e")].depth, 2);
	assert_string_equal(ct.nodes[checktree_find(&ct, "d..e")].label, "e");
	assert_true(checktree_find(&ct, ".f") != CT_NONE);
	checktree_flatten(&ct);
	assert_true(ct.nrows >= 5);

	/* an over-long filter is cut, not overflowed */
	memset(longf, 'x', sizeof longf - 1);
	longf[sizeof longf - 1] = '\0';
	checktree_set_filter(&ct, longf);
	assert_int_equal(strlen(ct.filter), sizeof ct.filter - 1);
	checktree_set_filter(&ct, NULL);
	assert_string_equal(ct.filter, "");

	/* empty tree */
	checktree_build(&ct, NULL, 0);
	assert_int_equal(checktree_flatten(&ct), 0);
	checktree_free(&ct);
}

/* A very deep name must not recurse on the C stack. */
static void test_tree_deep(void **state)
{
	size_t n = 20000;
	char *name = xmalloc(2 * n + 1);
	checktree_item_t it;
	checktree_t ct;

	for (size_t i = 0; i < n; i++) {
		name[2 * i] = 'a';
		name[2 * i + 1] = '.';
	}
	name[2 * n - 1] = '\0';
	it.name = name;
	it.status = CHECK_FAILING;
	it.output = "x";
	it.since_ms = 0;
	it.since_seen = false;
	checktree_init(&ct);
	checktree_build(&ct, &it, 1);
	assert_int_equal(ct.n, n);
	assert_int_equal(checktree_flatten(&ct), n);
	assert_int_equal(ct.rows[n - 1].depth, (int)n - 1);
	checktree_free(&ct);
	free(name);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_modes),
		cmocka_unit_test(test_layout_132x40),
		cmocka_unit_test(test_layout_80x24),
		cmocka_unit_test(test_layout_summary),
		cmocka_unit_test(test_layout_too_small),
		cmocka_unit_test(test_layout_detail),
		cmocka_unit_test(test_layout_all_sizes),
		cmocka_unit_test(test_spark_levels),
		cmocka_unit_test(test_spark_gaps),
		cmocka_unit_test(test_spark_constant_negative),
		cmocka_unit_test(test_spark_min_span),
		cmocka_unit_test(test_layout_group_lines),
		cmocka_unit_test(test_spark_render),
		cmocka_unit_test(test_spark_cells),
		cmocka_unit_test(test_spark_from_ring),
		cmocka_unit_test(test_fmt_si),
		cmocka_unit_test(test_fmt_whole),
		cmocka_unit_test(test_fmt_bytes),
		cmocka_unit_test(test_fmt_rates_percent),
		cmocka_unit_test(test_fmt_value_units),
		cmocka_unit_test(test_fmt_durations),
		cmocka_unit_test(test_fmt_widths),
		cmocka_unit_test(test_tree_structure),
		cmocka_unit_test(test_tree_order),
		cmocka_unit_test(test_tree_flatten_collapse),
		cmocka_unit_test(test_tree_filters),
		cmocka_unit_test(test_tree_edge_cases),
		cmocka_unit_test(test_tree_deep),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
