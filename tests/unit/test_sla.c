/* test_sla.c - unit tests of the SLA report over hand-made history: weeks,
 * outages that began before the report or are still going on, failovers,
 * and what the text, JSON and CSV writers make of hostile names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sla.h"

#define SEC 1000LL
#define MIN 60000LL
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)
/* 2026-11-18T00:00:00Z, a Wednesday */
#define WED 1794960000000LL

static sla_event_t ev(int64_t ts, const char *kind, const char *node, const char *subject, const char *to,
                      const char *detail)
{
	sla_event_t e;
	memset(&e, 0, sizeof e);
	e.ts_ms = ts;
	snprintf(e.kind, sizeof e.kind, "%s", kind);
	snprintf(e.node, sizeof e.node, "%s", node);
	snprintf(e.subject, sizeof e.subject, "%s", subject);
	snprintf(e.from, sizeof e.from, "%s", strcmp(to, "down") ? "down" : "up");
	snprintf(e.to, sizeof e.to, "%s", to);
	snprintf(e.detail, sizeof e.detail, "%s", detail);
	return e;
}

static void test_weeks_start_on_monday(void **state)
{
	/* fourteen days from a Wednesday: Wed-Sun, Mon-Sun, Mon-Tue */
	sla_input_t in;
	sla_input_init(&in, WED, WED + 14 * DAY);
	bucket_t *d = sla_input_add_series(&in, "primary", "node");
	assert_int_equal(in.series[0].ndays, 14);
	for (int i = 0; i < 14; i++)
		d[i].ms[HS_UP] = DAY;
	d[6].ms[HS_UP] = DAY - HOUR;          /* Tuesday of week 2: an hour down */
	d[6].ms[HS_DOWN] = HOUR;
	d[13].ms[HS_UP] = 0;                  /* the last day not watched at all */
	sla_report_t r;
	sla_build(&in, SLA_WEEK, &r);
	assert_int_equal(r.nrows, 3);
	assert_int_equal(r.rows[0].start_ms, WED);
	assert_int_equal(r.rows[0].end_ms, WED + 5 * DAY);
	assert_int_equal(r.rows[1].start_ms, WED + 5 * DAY);
	assert_int_equal(r.rows[1].end_ms, WED + 12 * DAY);
	assert_int_equal(r.rows[1].sum.ms[HS_DOWN], HOUR);
	assert_int_equal(r.rows[2].start_ms, WED + 12 * DAY);
	assert_int_equal(r.rows[2].end_ms, WED + 14 * DAY);
	assert_int_equal(r.rows[2].not_watched_ms, DAY);
	strbuf_t sb = STRBUF_INIT;
	sla_write_json(&r, &sb);
	assert_non_null(strstr(strbuf_str(&sb), "\"period\":\"week\""));
	/* week 2: 167 of 168 hours */
	assert_non_null(strstr(strbuf_str(&sb), "{\"start\":\"2026-11-23T00:00:00Z\",\"end\":\"2026-11-30T00:00:00Z\","
	                                        "\"availability_percent\":99.405,\"downtime_minutes\":60,"));
	sla_report_free(&r);

	sla_build(&in, SLA_DAY, &r);
	assert_int_equal(r.nrows, 14);
	assert_int_equal(r.rows[13].not_watched_ms, DAY);
	strbuf_reset(&sb);
	sla_write_json(&r, &sb);
	/* a day nobody watched has no availability (null), never 0 % or 100 % */
	assert_non_null(strstr(strbuf_str(&sb), "{\"start\":\"2026-12-01T00:00:00Z\",\"end\":\"2026-12-02T00:00:00Z\","
	                                        "\"availability_percent\":null,\"downtime_minutes\":0,\"not_watched_minutes\":1440}"));
	assert_non_null(strstr(strbuf_str(&sb), "\"downtime_minutes\":60,\"longest_outage_s\":0,\"incidents\":0"));
	strbuf_free(&sb);
	sla_report_free(&r);
	sla_input_free(&in);
}

static void test_outages_from_events(void **state)
{
	int64_t since = WED, until = WED + 2 * DAY;
	sla_input_t in;
	sla_input_init(&in, since, until);
	/* watched all along: the day buckets hold the down time the events describe */
	bucket_t *d = sla_input_add_series(&in, "primary", "node");
	d[0].ms[HS_DOWN] = 5 * MIN;
	d[0].ms[HS_UP] = DAY - 5 * MIN;
	d[1].ms[HS_UP] = DAY;
	d = sla_input_add_series(&in, "primary", "rpc:1");
	d[0].ms[HS_DOWN] = 2 * MIN + 21 * HOUR;
	d[0].ms[HS_UP] = DAY - d[0].ms[HS_DOWN];
	d[1].ms[HS_DOWN] = DAY;
	sla_input_add_series(&in, "pair", "node");
	/* given out of order: began 10 min before the report, ended 5 min into it */
	sla_event_t e[] = {
		ev(since + 5 * MIN, "node", "primary", "", "up", ""),
		ev(since - 10 * MIN, "node", "primary", "", "down", "refused"),
		ev(since + HOUR, "rpc", "primary", "1", "down", "eth down"),
		ev(since + HOUR + 2 * MIN, "rpc", "primary", "1", "degraded", ""),
		ev(since + 3 * HOUR, "rpc", "primary", "1", "down", "again"),     /* still down at the end */
		ev(since + 2 * HOUR, "check", "primary", "Foo", "down", ""),      /* checks are not indicators */
		ev(since + 2 * HOUR, "failover", "pair", "", "up", ""),
		ev(since - HOUR, "failover", "pair", "", "up", ""),               /* before the report */
		ev(until + HOUR, "node", "primary", "", "down", ""),              /* after it */
	};
	for (size_t i = 0; i < sizeof e / sizeof e[0]; i++)
		sla_input_add_event(&in, &e[i]);
	sla_report_t r;
	sla_build(&in, SLA_DAY, &r);
	assert_int_equal(r.nincidents, 3);
	assert_int_equal(r.incidents[0].series, 0);
	assert_int_equal(r.incidents[0].start_ms, since);           /* clipped to the report */
	assert_int_equal(r.incidents[0].end_ms, since + 5 * MIN);
	assert_string_equal(r.incidents[0].detail, "refused");
	assert_int_equal(r.incidents[1].end_ms - r.incidents[1].start_ms, 2 * MIN);
	assert_true(r.incidents[2].ongoing);
	assert_int_equal(r.incidents[2].end_ms, until);
	assert_int_equal(r.totals[1].incidents, 2);
	assert_int_equal(r.totals[1].longest_outage_ms, until - since - 3 * HOUR);
	assert_int_equal(r.totals[0].longest_outage_ms, 5 * MIN);
	assert_int_equal(r.totals[2].failovers, 1);
	assert_int_equal(r.totals[0].failovers, 0);
	strbuf_t sb = STRBUF_INIT;
	sla_write_text(&r, &sb, true);
	assert_non_null(strstr(strbuf_str(&sb), "Incidents (3):"));
	assert_non_null(strstr(strbuf_str(&sb), "(ongoing)  primary rpc:1: again"));
	strbuf_free(&sb);
	sla_report_free(&r);
	sla_input_free(&in);
	char buf[64];
	assert_string_equal(sla_indicator_of("rpc", "", buf, sizeof buf), "rpc");
	assert_string_equal(sla_indicator_of("db", "x", buf, sizeof buf), "db");
	assert_null(sla_indicator_of("restart", "", buf, sizeof buf));
}

/* kill -9 (or nodetop stopped) while the node was down: the outage ends where
 * watching ended, never at the report's end nor at the next run's "up". */
static void test_outage_ends_when_watching_stops(void **state)
{
	int64_t since = WED, until = WED + 2 * DAY;
	sla_input_t in;
	sla_input_init(&in, since, until);
	bucket_t *d = sla_input_add_series(&in, "primary", "node");
	/* day 1: up 10:00-11:00, down 11:00-11:20, then not watched until the report's end */
	d[0].ms[HS_UP] = HOUR;
	d[0].ms[HS_DOWN] = 20 * MIN;
	d = sla_input_add_series(&in, "backup", "node");
	/* day 1: up 23:00-23:50, down 23:50 to day 2 00:30, not watched, up again 06:00-07:00 */
	d[0].ms[HS_UP] = 50 * MIN;
	d[0].ms[HS_DOWN] = 10 * MIN;
	d[1].ms[HS_DOWN] = 30 * MIN;
	d[1].ms[HS_UP] = HOUR;
	sla_event_t e[] = {
		ev(since + 11 * HOUR, "node", "primary", "", "down", "refused"),
		ev(since + 23 * HOUR + 50 * MIN, "node", "backup", "", "down", "timeout"),
		ev(since + DAY + 6 * HOUR, "node", "backup", "", "up", ""),   /* the next run's first poll */
	};
	for (size_t i = 0; i < sizeof e / sizeof e[0]; i++)
		sla_input_add_event(&in, &e[i]);
	sla_report_t r;
	sla_build(&in, SLA_DAY, &r);
	assert_int_equal(r.nincidents, 2);
	assert_int_equal(r.incidents[0].series, 0);
	assert_int_equal(r.incidents[0].start_ms, since + 11 * HOUR);
	assert_int_equal(r.incidents[0].end_ms, since + 11 * HOUR + 20 * MIN);
	assert_false(r.incidents[0].ongoing);
	assert_true(r.incidents[0].unwatched_end);
	assert_int_equal(r.totals[0].longest_outage_ms, 20 * MIN);
	assert_int_equal(r.incidents[1].series, 1);
	assert_int_equal(r.incidents[1].end_ms, since + DAY + 30 * MIN);
	assert_true(r.incidents[1].unwatched_end);
	assert_int_equal(r.totals[1].longest_outage_ms, 40 * MIN);
	strbuf_t sb = STRBUF_INIT;
	sla_write_text(&r, &sb, true);
	assert_non_null(strstr(strbuf_str(&sb), "(not watched after)  primary node: refused"));
	assert_null(strstr(strbuf_str(&sb), "(ongoing)"));
	strbuf_reset(&sb);
	sla_write_json(&r, &sb);
	assert_non_null(strstr(strbuf_str(&sb), "\"longest_outage_s\":1200,"));
	assert_non_null(strstr(strbuf_str(&sb), "\"end\":\"2026-11-18T11:20:00Z\",\"duration_s\":1200,"
	                                        "\"ongoing\":false,\"detail\":\"refused\",\"not_watched_after\":true}"));
	strbuf_free(&sb);
	sla_report_free(&r);
	sla_input_free(&in);
}

static void test_hostile_names(void **state)
{
	sla_input_t in;
	sla_input_init(&in, WED, WED + DAY);
	bucket_t *d = sla_input_add_series(&in, "=HYPERLINK(\"http://x\")", "node");
	d[0].ms[HS_UP] = DAY;
	d = sla_input_add_series(&in, "evil\x1b]0;pwned\x07", "node");
	d[0].ms[HS_UP] = DAY;
	sla_report_t r;
	sla_build(&in, SLA_DAY, &r);
	strbuf_t sb = STRBUF_INIT;
	sla_write_csv(&r, &sb);
	const char *csv = strbuf_str(&sb);
	/* a formula is defused, quotes doubled; no control byte reaches the file */
	assert_non_null(strstr(csv, "\"'=HYPERLINK(\"\"http://x\"\")\",\"node\",total,"));
	assert_null(strchr(csv, '\x1b'));
	assert_null(strchr(csv, '\x07'));
	assert_non_null(strstr(csv, "\r\n"));
	assert_true(strncmp(csv, "name,indicator,period,start,end,availability_percent,", 52) == 0);
	strbuf_reset(&sb);
	sla_write_text(&r, &sb, false);
	assert_null(strchr(strbuf_str(&sb), '\x1b'));
	assert_non_null(strstr(strbuf_str(&sb), "evil\\x1b]0;pwned\\x07"));
	strbuf_reset(&sb);
	sla_write_json(&r, &sb);
	assert_null(strchr(strbuf_str(&sb), '\x1b'));
	strbuf_free(&sb);
	sla_report_free(&r);
	sla_input_free(&in);
}

static void test_parse_since(void **state)
{
	int64_t now = WED + 10 * HOUR, t = 0;
	assert_true(sla_parse_since("30d", now, &t));
	assert_int_equal(t, now - 30 * DAY);
	assert_true(sla_parse_since("90m", now, &t));
	assert_int_equal(t, now - 90 * MIN);
	assert_true(sla_parse_since("36h", now, &t));
	assert_int_equal(t, now - 36 * HOUR);
	assert_true(sla_parse_since("4w", now, &t));
	assert_int_equal(t, now - 28 * DAY);
	assert_true(sla_parse_since("2026-11-18", now, &t));
	assert_int_equal(t, WED);
	assert_true(sla_parse_since("2024-02-29", now, &t));
	assert_int_equal(t, 1709164800000LL);
	assert_true(sla_parse_since("1970-01-01", now, &t));
	assert_int_equal(t, 0);
	const char *bad[] = { "", "d", "30", "30x", "30dd", "-3d", "0d", " 3d", "+3d", "99999999999999d", "2026-11-19",
	                      "2025-02-29", "2026-13-01", "2026-04-31", "2026-1-01", "2026-11-18x" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		t = 12345;
		bool ok = sla_parse_since(bad[i], now, &t);
		if (ok)
			fail_msg("'%s' was taken as a start", bad[i]);
	}
	sla_period_t p;
	assert_true(sla_parse_period("week", &p));
	assert_int_equal(p, SLA_WEEK);
	assert_true(sla_parse_period("day", &p));
	assert_int_equal(p, SLA_DAY);
	assert_false(sla_parse_period("month", &p));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weeks_start_on_monday),
		cmocka_unit_test(test_outages_from_events),
		cmocka_unit_test(test_outage_ends_when_watching_stops),
		cmocka_unit_test(test_hostile_names),
		cmocka_unit_test(test_parse_since),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
