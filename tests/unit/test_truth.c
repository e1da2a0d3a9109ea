/* test_truth.c - cmocka tests of issue 12 "say only what is true" as --once, JSON,
 * the summary and the status line word it: unseen starts, observed windows, perfdata. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "model.h"
#include "report.h"
#include "strbuf.h"
#include "testutil.h"
#include "xalloc.h"

#define T0 TU_T0
#define MIN INT64_C(60000)
#define GE "\xE2\x89\xA5"   /* ≥ */

static const char METRICS_OK[] =
	"db_conns_max 20\n"
	"db_conns_open 5\n"
	"db_conns_used 2\n"
	"db_wait_count 0\n"
	"multi_node_states{network=\"EVM\",chainId=\"1\",state=\"Alive\"} 2\n"
	"head_tracker_current_head{evmChainID=\"1\"} 123456\n"
	"uptime_seconds 3600\n"
	"version{version=\"2.27.2\",commit=\"abc123\"} 1\n";

typedef struct fx {
	model_t m;
	char *passing;
	strbuf_t out;
} fx_t;

static int fx_setup(void **state)
{
	fx_t *f = xcalloc(1, sizeof *f);
	model_init(&f->m, NULL);
	f->m.head_stall_ms = 24 * 60 * MIN;   /* the bodies keep one head */
	f->passing = tu_slurp("chainlink/health-all-passing.json", NULL);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	fx_t *f = *state;
	model_free(&f->m);
	free(f->passing);
	strbuf_free(&f->out);
	free(f);
	return 0;
}

static size_t add(fx_t *f, const char *name)
{
	return tu_add_node(&f->m, name, NULL, 5000);
}

static void healthy(fx_t *f, size_t idx, int64_t t)
{
	tu_feed(&f->m, idx, PROBE_HEALTH, 200, TU_JSON_CT, f->passing, strlen(f->passing), t);
	tu_feed(&f->m, idx, PROBE_METRICS, 200, TU_PROM_CT, METRICS_OK, strlen(METRICS_OK), t);
}

static void refused(fx_t *f, size_t idx, int64_t t)
{
	tu_feed_error(&f->m, idx, PROBE_HEALTH, "connection refused", t);
	tu_feed_error(&f->m, idx, PROBE_METRICS, "connection refused", t);
}

/* Polls every node in the list as the program would, every 5 s, from..to. */
static void run(fx_t *f, int64_t from, int64_t to, void (*poll)(fx_t *, size_t, int64_t), size_t idx)
{
	for (int64_t t = from; t <= to; t += 5000) {
		poll(f, idx, t);
		model_tick(&f->m, t);
	}
}

static const char *text(fx_t *f, int64_t now)
{
	strbuf_reset(&f->out);
	report_text(&f->out, &f->m, now);
	return strbuf_str(&f->out);
}

static cJSON *json(fx_t *f, int64_t now)
{
	strbuf_reset(&f->out);
	report_json(&f->out, &f->m, now);
	cJSON *j = cJSON_Parse(strbuf_str(&f->out));
	assert_non_null(j);
	return j;
}

static cJSON *jpath(cJSON *j, const char *a, const char *b)
{
	cJSON *x = a ? cJSON_GetObjectItemCaseSensitive(j, a) : j;
	return b ? cJSON_GetObjectItemCaseSensitive(x, b) : x;
}

/* ------------------------------------------------------------ point 3: durations */

/* A node nodetop saw go down has a true "since"; a node already down at the
 * first poll only has a lower bound, said as such. */
static void test_since_seen_and_unseen(void **state)
{
	fx_t *f = *state;
	size_t a = add(f, "alpha"), b = add(f, "bravo");
	run(f, T0, T0 + MIN - 5000, healthy, a);
	run(f, T0, T0 + 2 * MIN, refused, b);
	run(f, T0 + MIN, T0 + 2 * MIN, refused, a);
	const char *s = text(f, T0 + 2 * MIN);
	tu_assert_contains(s, "\nalpha: DOWN since 2026-11-24T10:01:00Z (1m00s)\n");
	tu_assert_contains(s, "\nbravo: DOWN since nodetop started 2026-11-24T10:00:00Z (" GE " 2m00s)\n");

	cJSON *j = json(f, T0 + 2 * MIN);
	cJSON *nodes = jpath(j, "nodes", NULL);
	assert_true(cJSON_IsTrue(jpath(cJSON_GetArrayItem(nodes, 0), "since_observed", NULL)));
	assert_true(cJSON_IsFalse(jpath(cJSON_GetArrayItem(nodes, 1), "since_observed", NULL)));
	assert_string_equal(jpath(cJSON_GetArrayItem(nodes, 1), "since", NULL)->valuestring, "2026-11-24T10:00:00Z");
	cJSON_Delete(j);

	strbuf_reset(&f->out);
	report_summary(&f->out, &f->m, T0 + 2 * MIN, 5);
	tu_assert_contains(strbuf_str(&f->out), "\nbravo: DOWN since nodetop started 2026-11-24T10:00:00Z (" GE " 2m00s)\n");
	tu_assert_contains(strbuf_str(&f->out), "\nalpha: DOWN since 2026-11-24T10:01:00Z (1m00s)\n");
}

/* One poll (--once): no duration at all, the process start from uptime_seconds. */
static void test_once_has_no_duration(void **state)
{
	fx_t *f = *state;
	size_t a = add(f, "alpha");
	healthy(f, a, T0);
	const char *s = text(f, T0 + 200);
	tu_assert_contains(s, "\nalpha: UP\n");
	tu_assert_not_contains(s, "(0s)");
	tu_assert_not_contains(s, "for 0s");
	tu_assert_contains(s, "  process:  up 1h00m (started 2026-11-24T09:00:00Z), 0 restarts\n");
	tu_assert_contains(s, "  database: UP: 5 open");
	cJSON *j = json(f, T0 + 200);
	cJSON *n = cJSON_GetArrayItem(jpath(j, "nodes", NULL), 0);
	assert_true(cJSON_IsFalse(jpath(n, "since_observed", NULL)));
	assert_true(cJSON_IsFalse(jpath(jpath(n, "database", NULL), "since_observed", NULL)));
	assert_string_equal(jpath(n, "process_started", NULL)->valuestring, "2026-11-24T09:00:00Z");
	cJSON_Delete(j);
}

/* The status line: a lower bound is marked, a first sight has no duration
 * (it is run once per tmux refresh: it always said 0s). */
static void test_status_line_durations(void **state)
{
	fx_t *f = *state;
	size_t a = add(f, "alpha");
	refused(f, a, T0);
	strbuf_reset(&f->out);
	report_status_line(&f->out, &f->m, T0 + 100, false);
	assert_string_equal(strbuf_str(&f->out), "CL 0/1 up | node DOWN alpha");
	run(f, T0 + 5000, T0 + 3 * MIN, refused, a);
	strbuf_reset(&f->out);
	report_status_line(&f->out, &f->m, T0 + 3 * MIN, true);
	assert_string_equal(strbuf_str(&f->out), "CL 0/1 up \xC2\xB7 node DOWN alpha " GE "3m");
}

/* ------------------------------------------------------------ point 4: observed windows */

static void test_uptime_only_over_observed_time(void **state)
{
	fx_t *f = *state;
	size_t a = add(f, "alpha");
	healthy(f, a, T0);
	model_tick(&f->m, T0 + 200);
	const char *s = text(f, T0 + 200);
	tu_assert_not_contains(s, "uptime:");
	tu_assert_not_contains(s, "100.00%");
	cJSON *j = json(f, T0 + 200);
	cJSON *up = jpath(jpath(cJSON_GetArrayItem(jpath(j, "nodes", NULL), 0), "availability", "uptime_percent"), NULL, NULL);
	assert_true(cJSON_IsNull(jpath(up, "1h", NULL)));
	assert_true(cJSON_IsNull(jpath(up, "24h", NULL)));
	assert_true(jpath(up, "observed_seconds", NULL)->valuedouble < 1.0);
	cJSON_Delete(j);

	/* ten minutes watched, the last 55 s down: 90.83 % over what was seen */
	run(f, T0 + 5000, T0 + 9 * MIN, healthy, a);
	run(f, T0 + 9 * MIN + 5000, T0 + 10 * MIN, refused, a);
	s = text(f, T0 + 10 * MIN);
	tu_assert_contains(s, "  uptime:   over 10m00s observed: node 90.83%, ");
	j = json(f, T0 + 10 * MIN);
	up = jpath(jpath(cJSON_GetArrayItem(jpath(j, "nodes", NULL), 0), "availability", "uptime_percent"), NULL, NULL);
	assert_int_equal((int)(jpath(up, "observed_seconds", NULL)->valuedouble + 0.5), 600);
	assert_true(jpath(up, "1h", NULL)->valuedouble < 91.0);
	cJSON_Delete(j);
}

/* ------------------------------------------------------------ point 12: plugin output */

static const char *perf(fx_t *f, int64_t now)
{
	const char *s = text(f, now);
	const char *bar = strstr(s, " | ");
	assert_non_null(bar);
	assert_true(bar < strchr(s, '\n'));
	static char line[2048];
	size_t l = strcspn(bar + 3, "\n");
	assert_true(l < sizeof line);
	memcpy(line, bar + 3, l);
	line[l] = '\0';
	return line;
}

static void test_perfdata(void **state)
{
	fx_t *f = *state;
	size_t a = add(f, "alpha");
	size_t b = model_add_node(&f->m, "it's b|x", "http://b.example", NULL, 5000);
	static const char heads1[] = "head_tracker_heads_received{ChainID=\"1\"} 100\ndb_conns_open 3\ndb_conns_max 10\ndb_conns_used 1\n";
	static const char heads2[] = "head_tracker_heads_received{ChainID=\"1\"} 104\ndb_conns_open 3\ndb_conns_max 10\ndb_conns_used 1\n";
	healthy(f, a, T0);
	tu_feed(&f->m, a, PROBE_METRICS, 200, TU_PROM_CT, heads1, strlen(heads1), T0);
	tu_feed(&f->m, a, PROBE_METRICS, 200, TU_PROM_CT, heads2, strlen(heads2), T0 + MIN);
	refused(f, b, T0 + MIN);
	const char *p = perf(f, T0 + MIN);
	assert_string_equal(p, "alpha_latency=0.012s;;;0 alpha_failing_checks=0;;0.5;0;17 "
	                       "alpha_heads_per_min_chain_1=4;;;0 alpha_db_conns_open=3;;;0;10 "
	                       "alpha_db_conns_used=1;;;0;10");
	/* the headline names the node: its '|' must not start the perfdata early */
	const char *s = text(f, T0 + MIN);
	assert_string_equal(strstr(s, " | "), strstr(s, " | alpha_latency"));
	tu_assert_contains(s, "(it's b/x)");

	/* a node that answers: its label is quoted, the quote doubled */
	healthy(f, b, T0 + MIN + 1000);
	p = perf(f, T0 + MIN + 1000);
	tu_assert_contains(p, " 'it''s b_x_latency'=0.012s;;;0 'it''s b_x_failing_checks'=0;;0.5;0;17");
}

static void test_perfdata_none_without_nodes(void **state)
{
	fx_t *f = *state;
	const char *s = text(f, T0);
	tu_assert_not_contains(s, "|");
}

static void test_json_schema_version(void **state)
{
	fx_t *f = *state;
	healthy(f, add(f, "alpha"), T0);
	strbuf_reset(&f->out);
	report_json(&f->out, &f->m, T0);
	/* the first key of the document */
	assert_int_equal(strncmp(strbuf_str(&f->out), "{\"schema_version\":1,", 20), 0);
}

/* ------------------------------------------------------------ point 6: slow */

static void health_in(fx_t *f, size_t idx, double latency_ms, double timeout_ms, int64_t t)
{
	probe_result_t r = tu_result(idx, PROBE_HEALTH, 200, TU_JSON_CT, f->passing, strlen(f->passing), t);
	r.latency_ms = latency_ms;
	r.timeout_ms = timeout_ms;
	model_apply(&f->m, &r);
}

static void test_slow(void **state)
{
	fx_t *f = *state;
	size_t a = add(f, "alpha");
	double lat = 0, lim = 0;
	health_in(f, a, 1400, 2000, T0);            /* 70 %: not slow */
	assert_false(model_node_slow(&f->m, a, T0, NULL, NULL));
	tu_assert_not_contains(text(f, T0), "slow");
	health_in(f, a, 1500, 2000, T0 + 5000);     /* 75 %: slow */
	assert_true(model_node_slow(&f->m, a, T0 + 5000, &lat, &lim));
	assert_true(lat == 1500 && lim == 2000);
	assert_int_equal(f->m.nodes[a].state, STATE_UP);   /* a state of its own is not changed */
	tu_assert_contains(text(f, T0 + 5000), "  latency:  health 1500 ms, HTTP 200 - slow: 1500 ms of its 2000 ms timeout\n");
	cJSON *j = json(f, T0 + 5000);
	assert_true(cJSON_IsTrue(jpath(cJSON_GetArrayItem(jpath(j, "nodes", NULL), 0), "slow", NULL)));
	cJSON_Delete(j);
	/* no answer at all: down says it, not slow */
	tu_feed_error(&f->m, a, PROBE_HEALTH, "timed out after 2000 ms waiting for the answer (on a reused connection)", T0 + 10000);
	assert_false(model_node_slow(&f->m, a, T0 + 10000, NULL, NULL));
	assert_int_equal(f->m.nodes[a].health_error, PROBE_ERR_TIMEOUT);
}

/* ------------------------------------------------------------ 11/13: error answers */

static const char NGINX_400[] =
	"<html>\r\n<head><title>400 No required SSL certificate was sent</title></head>\r\n<body>\r\n"
	"<center><h1>400 Bad Request</h1></center>\r\n<center>No required SSL certificate was sent</center>\r\n"
	"<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n";

static void test_html_error_title(void **state)
{
	fx_t *f = *state;
	size_t a = add(f, "alpha");
	tu_feed(&f->m, a, PROBE_HEALTH, 400, "text/html", NGINX_400, strlen(NGINX_400), T0);
	assert_string_equal(f->m.nodes[a].error, "HTTP 400 Bad Request: 400 No required SSL certificate was sent");
	static const char notitle[] = "<!DOCTYPE html>\n<html><body><h1>Oops</h1></body></html>";
	tu_feed(&f->m, a, PROBE_HEALTH, 502, "text/html", notitle, strlen(notitle), T0 + 5000);
	assert_string_equal(f->m.nodes[a].error, "HTTP 502 Bad Gateway: HTML error page");
	static const char spaced[] = "\n  <HTML><HEAD><TITLE>\n   503 Service\n Temporarily Unavailable </TITLE>";
	tu_feed(&f->m, a, PROBE_HEALTH, 503, "text/html", spaced, strlen(spaced), T0 + 10000);
	assert_string_equal(f->m.nodes[a].error, "HTTP 503 Service Unavailable: 503 Service Temporarily Unavailable");
	/* not HTML: the first line, as before */
	tu_feed(&f->m, a, PROBE_HEALTH, 500, "text/plain", "boom\nmore", 9, T0 + 15000);
	assert_string_equal(f->m.nodes[a].error, "HTTP 500 Internal Server Error: boom");
}

static void test_401_says_what_to_do(void **state)
{
	fx_t *f = *state;
	size_t a = add(f, "alpha");
	healthy(f, a, T0);
	static const char body[] = "invalid or missing token";
	tu_feed(&f->m, a, PROBE_METRICS, 401, "text/plain", body, strlen(body), T0 + 5000);
	assert_string_equal(f->m.nodes[a].metrics_error,
	                    "HTTP 401: invalid or missing token - set bearer_token_file (the node's [Prometheus] AuthToken)");
	/* a token went with it: it was refused */
	probe_result_t r = tu_result(a, PROBE_METRICS, 401, "text/plain", body, strlen(body), T0 + 10000);
	r.auth_sent = 1;
	model_apply(&f->m, &r);
	assert_string_equal(f->m.nodes[a].metrics_error,
	                    "HTTP 401: invalid or missing token - the token sent was refused (bearer_token_file)");
	/* on /health (never authenticated by a node): something in front of it */
	tu_feed(&f->m, a, PROBE_HEALTH, 401, "text/html", "", 0, T0 + 15000);
	assert_string_equal(f->m.nodes[a].error,
	                    "HTTP 401 Unauthorized - a proxy wants credentials (header, bearer_token_file)");
}

/* A series with more labels than the parser holds is not dropped silently:
 * it is one of the node's parse errors, shown with the first of them. */
static void test_too_many_labels_counted(void **state)
{
	fx_t *f = *state;
	size_t a = add(f, "alpha");
	healthy(f, a, T0);
	char body[8192];
	size_t n = (size_t)snprintf(body, sizeof body, "%s", METRICS_OK);
	n += (size_t)snprintf(body + n, sizeof body - n, "db_conns_used{");
	for (int i = 0; i < 65; i++)
		n += (size_t)snprintf(body + n, sizeof body - n, "l%d=\"v\",", i);
	n += (size_t)snprintf(body + n, sizeof body - n, "} 7\n");
	tu_feed(&f->m, a, PROBE_METRICS, 200, TU_PROM_CT, body, n, T0 + 5000);
	const node_t *nd = &f->m.nodes[a];
	assert_true(nd->have_metrics);
	assert_int_equal(nd->metrics_bad_lines, 1);
	assert_string_equal(nd->metrics_bad_first, "line 9: too many labels");
	assert_true(nd->db_used == 2);        /* the good line counts, the bad one does not */
	tu_assert_contains(text(f, T0 + 5000), "  metrics:  1 malformed line skipped (first: line 9: too many labels)\n");
	cJSON *j = json(f, T0 + 5000);
	cJSON *jn = cJSON_GetArrayItem(jpath(j, "nodes", NULL), 0);
	assert_int_equal(jpath(jn, "metrics_parse_errors", NULL)->valueint, 1);
	assert_string_equal(jpath(jn, "metrics_parse_error", NULL)->valuestring, "line 9: too many labels");
	cJSON_Delete(j);
	/* a clean scrape clears it */
	tu_feed(&f->m, a, PROBE_METRICS, 200, TU_PROM_CT, METRICS_OK, strlen(METRICS_OK), T0 + 10000);
	assert_int_equal(f->m.nodes[a].metrics_bad_lines, 0);
	tu_assert_not_contains(text(f, T0 + 10000), "malformed");
}

/* --events: a group's own transitions, text and JSON */
static void test_group_events(void **state)
{
	fx_t *f = *state;
	size_t a = model_add_node(&f->m, "primary", "http://p.example", "pair", 5000);
	size_t b = model_add_node(&f->m, "standby", "http://s.example", "pair", 5000);
	healthy(f, a, T0);
	refused(f, b, T0);
	model_tick(&f->m, T0);
	refused(f, a, T0 + 5000);
	model_tick(&f->m, T0 + 5000);
	const event_t *ge = NULL;
	for (size_t i = 0; i < f->m.events.len; i++) {
		const event_t *e = eventlog_get(&f->m.events, i);
		if (e->kind == EVENT_GROUP && e->subject[0] == '\0') {
			ge = e;       /* the newest transition of the group itself */
			break;
		}
	}
	assert_non_null(ge);
	assert_int_equal(ge->from, STATE_UP);
	strbuf_reset(&f->out);
	report_event_line(&f->out, ge);
	tu_assert_contains(strbuf_str(&f->out), "2026-11-24T10:00:05Z group pair up -> ");
	strbuf_reset(&f->out);
	report_event_json(&f->out, ge);
	cJSON *j = cJSON_Parse(strbuf_str(&f->out));
	assert_non_null(j);
	assert_string_equal(jpath(j, "kind", NULL)->valuestring, "group");
	assert_string_equal(jpath(j, "group", NULL)->valuestring, "pair");
	assert_string_equal(jpath(j, "from", NULL)->valuestring, "up");
	assert_true(cJSON_IsNull(jpath(j, "node", NULL)));
	cJSON_Delete(j);
}

/* ------------------------------------------------------------ point 8: rates over the counter's period */

static const series_t *heads_series(fx_t *f, size_t idx)
{
	const node_t *n = &f->m.nodes[idx];
	for (size_t i = 0; i < n->nseries; i++)
		if (strcmp(f->m.charts.defs[n->series[i].def].id, "heads") == 0)
			return &n->series[i];
	return NULL;
}

static void heads_at(fx_t *f, size_t idx, double count, int64_t t)
{
	char body[128];
	int len = snprintf(body, sizeof body, "head_tracker_heads_received{ChainID=\"1\"} %.0f\n", count);
	tu_feed(&f->m, idx, PROBE_METRICS, 200, TU_PROM_CT, body, (size_t)len, t);
}

/* Heads every 12 s, scraped every second: 5/min on every scrape once two
 * periods are seen, nothing before - no sawtooth between 4 and 8 (a window of
 * whole periods), not even while warming up. */
static void test_rate_fits_update_period(void **state)
{
	fx_t *f = *state;
	size_t a = add(f, "alpha");
	for (int s = 0; s <= 180; s++)
		heads_at(f, a, 1000 + s / 12, T0 + s * 1000);
	const series_t *h = heads_series(f, a);
	assert_non_null(h);
	double lo = 1e9, hi = -1e9;
	for (size_t i = 0; i < h->ring.len; i++) {
		int64_t t;
		double v;
		assert_true(ring_get(&h->ring, i, &t, &v));
		if (v < lo)
			lo = v;
		if (v > hi)
			hi = v;
	}
	assert_true(h->ring.len > 100);
	assert_true(lo > 4.99 && hi < 5.01);
	assert_int_equal(h->win_cap, SERIES_RATE_WINDOW);   /* 1 s scrapes: the whole window */

	/* 5 s scrapes of a counter stepping every 15 s: 4/min, flat */
	size_t b = add(f, "bravo");
	for (int s = 0; s <= 180; s += 5)
		heads_at(f, b, 500 + s / 15, T0 + s * 1000);
	h = heads_series(f, b);
	double v;
	assert_true(ring_last(&h->ring, NULL, &v));
	assert_true(v > 3.99 && v < 4.01);
	assert_int_equal(h->win_cap, 32);   /* 5 s scrapes: 120 s and no more (the memory of a fleet) */
}

/* The counter stops: once two of its periods pass without a step, 0/min at
 * once - a stall is a stall, not a slow slide over a minute. */
static void test_rate_stall_visible(void **state)
{
	fx_t *f = *state;
	size_t a = add(f, "alpha");
	int s;
	for (s = 0; s <= 120; s++)                  /* steps at 0, 12, ..., 120 s */
		heads_at(f, a, 1000 + s / 12, T0 + s * 1000);
	const series_t *h = heads_series(f, a);
	double v;
	for (; s <= 140; s++)                       /* 20 s without a step: within two periods */
		heads_at(f, a, 1010, T0 + s * 1000);
	assert_true(ring_last(&h->ring, NULL, &v));
	assert_true(v > 4.99 && v < 5.01);
	for (; s <= 150; s++)                       /* 30 s: more than two periods */
		heads_at(f, a, 1010, T0 + s * 1000);
	assert_true(ring_last(&h->ring, NULL, &v));
	assert_true(v == 0);
	heads_at(f, a, 1011, T0 + s * 1000);        /* it steps again: no longer 0 */
	assert_true(ring_last(&h->ring, NULL, &v));
	assert_true(v > 0);
}

int main(void)
{
#define FX(t) cmocka_unit_test_setup_teardown(t, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		FX(test_since_seen_and_unseen),
		FX(test_once_has_no_duration),
		FX(test_status_line_durations),
		FX(test_uptime_only_over_observed_time),
		FX(test_perfdata),
		FX(test_perfdata_none_without_nodes),
		FX(test_json_schema_version),
		FX(test_slow),
		FX(test_html_error_title),
		FX(test_401_says_what_to_do),
		FX(test_too_many_labels_counted),
		FX(test_group_events),
		FX(test_rate_fits_update_period),
		FX(test_rate_stall_visible),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
