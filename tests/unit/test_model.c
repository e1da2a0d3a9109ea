/* test_model.c - unit tests of the model: /health and /metrics results in,
 * node states, checks, DB and RPC indicators, series, groups, uptime and events out. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "model.h"
#include "parse_prom.h"
#include "testutil.h"

#define SEC 1000LL
#define MIN 60000LL
#define HOUR (60 * MIN)
#define T0 TU_T0
#define JSON_CT TU_JSON_CT

static model_t M;

/* ------------------------------------------------------------ fixtures */

static char *loaded[16];
static size_t nloaded;
static const char *passing;    /* health-all-passing.json, loaded once per test */

/* Reads TESTDATA/name; freed by the teardown, so a failed assertion leaks nothing. */
static const char *fixture(const char *name, size_t *len)
{
	assert_true(nloaded < sizeof loaded / sizeof loaded[0]);
	loaded[nloaded] = tu_slurp(name, len);
	return loaded[nloaded++];
}

static int setup(void **state)
{
	model_init(&M, NULL);
	return 0;
}

static int teardown(void **state)
{
	model_free(&M);
	for (size_t i = 0; i < nloaded; i++)
		free(loaded[i]);
	nloaded = 0;
	passing = NULL;
	return 0;
}

/* ------------------------------------------------------------ feeding results */

static probe_result_t result(size_t node, probe_kind_t kind, long status, const char *ct,
                             const char *body, int64_t t)
{
	return tu_result(node, kind, status, ct, body, body ? strlen(body) : 0, t);
}

static model_next_t health(size_t node, long status, const char *ct, const char *body, int64_t t)
{
	probe_result_t r = result(node, PROBE_HEALTH, status, ct, body, t);
	return model_apply(&M, &r);
}

static model_next_t metrics(size_t node, const char *body, int64_t t)
{
	probe_result_t r = result(node, PROBE_METRICS, 200, "text/plain; version=0.0.4", body, t);
	return model_apply(&M, &r);
}

static model_next_t plugin_metrics(size_t node, long status, const char *body, int64_t t)
{
	probe_result_t r = result(node, PROBE_PLUGIN_METRICS, status, "text/plain", body, t);
	return model_apply(&M, &r);
}

static void failed(size_t node, probe_kind_t kind, const char *err, int64_t t)
{
	tu_feed_error(&M, node, kind, err, t);
}

static const char *passing_body(void)
{
	if (!passing)
		passing = fixture("chainlink/health-all-passing.json", NULL);
	return passing;
}

/* A /health JSON body from (name, status, output) triples ended by NULL. */
static const char *hbody(const char *name, ...)
{
	static char buf[4096];
	size_t n = (size_t)snprintf(buf, sizeof buf, "{\"data\":[");
	va_list ap;
	va_start(ap, name);
	for (const char *nm = name; nm; nm = va_arg(ap, const char *)) {
		const char *st = va_arg(ap, const char *);
		const char *out = va_arg(ap, const char *);
		n += (size_t)snprintf(buf + n, sizeof buf - n,
		        "%s{\"type\":\"checks\",\"id\":\"%s\",\"attributes\":{\"name\":\"%s\",\"status\":\"%s\",\"output\":\"%s\"}}",
		        nm == name ? "" : ",", nm, nm, st, out);
	}
	va_end(ap);
	snprintf(buf + n, sizeof buf - n, "]}");
	return buf;
}

/* ------------------------------------------------------------ looking at the model */

static node_t *N(size_t i)
{
	assert_true(i < M.nnodes);
	return &M.nodes[i];
}

static const check_t *find_check(const node_t *n, const char *name)
{
	for (size_t i = 0; i < n->nchecks; i++)
		if (strcmp(n->checks[i].name, name) == 0)
			return &n->checks[i];
	return NULL;
}

static const rpc_chain_t *find_chain(const node_t *n, const char *id)
{
	for (size_t i = 0; i < n->nchains; i++)
		if (strcmp(n->chains[i].id, id) == 0)
			return &n->chains[i];
	return NULL;
}

static const series_t *find_series(const node_t *n, const char *chart, const char *key)
{
	for (size_t i = 0; i < n->nseries; i++) {
		const series_t *s = &n->series[i];
		if (strcmp(M.charts.defs[s->def].id, chart) == 0 && strcmp(s->key, key) == 0)
			return s;
	}
	return NULL;
}

/* Index (0 = newest) of the newest event of that kind, node and subject, or -1. */
static long find_event(event_kind_t kind, const char *node, const char *subject)
{
	for (size_t i = 0; i < M.events.len; i++) {
		const event_t *e = eventlog_get(&M.events, i);
		if (e->kind == kind && strcmp(e->node, node) == 0 && strcmp(e->subject, subject) == 0)
			return (long)i;
	}
	return -1;
}

/* Index of the newest such event that entered state `to`. */
static size_t find_event_to(event_kind_t kind, const char *node, const char *subject, state_t to)
{
	for (size_t i = 0; i < M.events.len; i++) {
		const event_t *e = eventlog_get(&M.events, i);
		if (e->kind == kind && strcmp(e->node, node) == 0 && strcmp(e->subject, subject) == 0 && e->to == to)
			return i;
	}
	fail_msg("no %s event to %s for %s/%s", event_kind_name(kind), state_name(to), node, subject);
	return 0;
}

static const event_t *last_event(event_kind_t kind, const char *node, const char *subject)
{
	long i = find_event(kind, node, subject);
	if (i < 0)
		fail_msg("no %s event for %s/%s", event_kind_name(kind), node, subject);
	return eventlog_get(&M.events, (size_t)i);
}

static size_t count_events(event_kind_t kind, const char *node, const char *subject)
{
	size_t k = 0;
	for (size_t i = 0; i < M.events.len; i++) {
		const event_t *e = eventlog_get(&M.events, i);
		if (e->kind == kind && strcmp(e->node, node) == 0 && (!subject || strcmp(e->subject, subject) == 0))
			k++;
	}
	return k;
}

static void assert_event(const event_t *e, int64_t ts, state_t from, state_t to, const char *detail)
{
	assert_int_equal(e->ts_ms, ts);
	assert_int_equal(e->from, from);
	assert_int_equal(e->to, to);
	assert_string_equal(e->detail, detail);
}

/* ------------------------------------------------------------ /health */

static void test_health_200_all_passing(void **state)
{
	size_t i = model_add_node(&M, "primary", "http://10.0.0.1:6688", NULL, 5000);
	assert_int_equal(i, 0);
	assert_int_equal(N(0)->state, STATE_UNKNOWN);
	uint64_t gen = M.generation;
	health(0, 200, JSON_CT, passing_body(), T0);
	node_t *n = N(0);
	assert_true(M.generation > gen);
	assert_int_equal(n->state, STATE_UP);
	assert_int_equal(n->state_since_ms, T0);
	assert_int_equal(n->nchecks, 17);
	assert_int_equal(n->nfailing, 0);
	assert_true(n->have_health);
	assert_string_equal(n->error, "");
	assert_int_equal(n->http_status, 200);
	assert_int_equal(n->polls, 1);
	assert_int_equal(n->poll_errors, 0);
	assert_int_equal(n->last_health_ms, T0);
	assert_int_equal(n->last_ok_ms, T0);
	assert_float_equal(n->health_latency_ms, TU_HEALTH_LATENCY, 0);
	assert_string_equal(n->checks[0].name, "BridgeStatusReporter");
	assert_int_equal(n->checks[0].since_ms, T0);
	assert_int_equal(n->ind[IND_NODE].state, STATE_UP);
	assert_int_equal(n->ind[IND_NODE].since_ms, T0);
	assert_string_equal(n->ind[IND_NODE].reason, "all 17 checks passing");
	/* the first transition out of unknown is an event (--events prints it) */
	assert_event(last_event(EVENT_NODE, "primary", ""), T0, STATE_UNKNOWN, STATE_UP, "all 17 checks passing");
	assert_int_equal(count_events(EVENT_CHECK, "primary", NULL), 0);    /* passing on first sight */
	/* no metrics yet: DB and RPC are unknown, not down */
	assert_int_equal(n->ind[IND_DB].state, STATE_UNKNOWN);
	assert_string_equal(n->ind[IND_DB].reason, "no metrics yet");
	assert_int_equal(n->ind[IND_RPC].state, STATE_UNKNOWN);
	assert_int_equal(find_event(EVENT_DB, "primary", ""), -1);
	assert_int_equal(model_nodes_up(&M), 1);
	assert_string_equal(indicator_name(IND_NODE), "node");
	assert_string_equal(indicator_name(IND_DB), "db");
	assert_string_equal(indicator_name(IND_RPC), "rpc");
}

static void test_health_207_failing(void **state)
{
	model_add_node(&M, "primary", "http://10.0.0.1:6688", NULL, 5000);
	health(0, 207, JSON_CT, fixture("chainlink/health.json", NULL), T0);
	node_t *n = N(0);
	assert_int_equal(n->state, STATE_DEGRADED);
	assert_int_equal(n->nchecks, 34);
	assert_int_equal(n->nfailing, 1);
	assert_int_equal(n->http_status, 207);
	assert_string_equal(n->ind[IND_NODE].reason, "1 failing check: EVM.1399100.HeadTracker.HeadListener");
	const check_t *c = find_check(n, "EVM.1399100.HeadTracker.HeadListener");
	assert_non_null(c);
	assert_int_equal(c->status, CHECK_FAILING);
	assert_string_equal(c->output, "Listener connected = false, receiving heads = false");
	assert_int_equal(c->since_ms, T0);
	assert_event(last_event(EVENT_CHECK, "primary", "EVM.1399100.HeadTracker.HeadListener"), T0,
	             STATE_UNKNOWN, STATE_DOWN, "Listener connected = false, receiving heads = false");
	assert_int_equal(count_events(EVENT_CHECK, "primary", NULL), 1);
	/* metrics unavailable, but the HeadListener fails: RPC degraded */
	const rpc_chain_t *ch = find_chain(n, "1399100");
	assert_non_null(ch);
	assert_true(ch->listener_failing);
	assert_int_equal(ch->state, STATE_DEGRADED);
	assert_int_equal(n->ind[IND_RPC].state, STATE_DEGRADED);
	assert_string_equal(n->ind[IND_RPC].reason,
	                    "HeadListener failing on chain 1399100: Listener connected = false, receiving heads = false");
	assert_event(last_event(EVENT_RPC, "primary", "1399100"), T0, STATE_UNKNOWN, STATE_DEGRADED,
	             "HeadListener failing on chain 1399100: Listener connected = false, receiving heads = false");
	assert_int_equal(model_nodes_up(&M), 1);   /* degraded counts as up */
}

static void test_health_pre29_and_text(void **state)
{
	model_add_node(&M, "old", "http://old:6688", NULL, 5000);
	model_add_node(&M, "txt", "http://txt:6688", NULL, 5000);
	/* before v2.9 a failing node answers 200: the body is the truth */
	health(0, 200, JSON_CT, fixture("chainlink/health-failing.json", NULL), T0);
	assert_int_equal(N(0)->state, STATE_DEGRADED);
	assert_int_equal(N(0)->nfailing, 1);
	/* the text variant gives the same picture as the JSON one */
	health(1, 207, "text/plain; charset=utf-8", fixture("chainlink/health.txt", NULL), T0);
	assert_int_equal(N(1)->state, STATE_DEGRADED);
	assert_int_equal(N(1)->nchecks, 34);
	assert_int_equal(N(1)->nfailing, 1);
	const check_t *c = find_check(N(1), "EVM.1399100.HeadTracker.HeadListener");
	assert_non_null(c);
	assert_string_equal(c->output, "Listener connected = false, receiving heads = false");
	/* checks are kept sorted by name */
	for (size_t i = 1; i < N(1)->nchecks; i++)
		assert_true(strcmp(N(1)->checks[i - 1].name, N(1)->checks[i].name) <= 0);
}

static void test_health_204_starting(void **state)
{
	model_add_node(&M, "standby", "http://10.0.0.2:6688", NULL, 5000);
	health(0, 207, JSON_CT, fixture("chainlink/health.json", NULL), T0);
	health(0, 204, NULL, "", T0 + 5 * SEC);
	node_t *n = N(0);
	assert_int_equal(n->state, STATE_STARTING);
	assert_int_equal(n->state_since_ms, T0 + 5 * SEC);
	assert_int_equal(n->nchecks, 0);
	assert_int_equal(n->nfailing, 0);
	assert_false(n->have_health);
	assert_string_equal(n->error, "");
	assert_int_equal(n->http_status, 204);
	assert_int_equal(n->last_ok_ms, T0 + 5 * SEC);
	assert_int_equal(n->poll_errors, 0);
	assert_int_equal(n->ind[IND_NODE].state, STATE_STARTING);
	assert_string_equal(n->ind[IND_NODE].reason, "starting (HTTP 204)");
	assert_event(last_event(EVENT_NODE, "standby", ""), T0 + 5 * SEC, STATE_DEGRADED, STATE_STARTING,
	             "starting (HTTP 204)");
	/* the failing check went away with the list: its failure ended */
	assert_event(last_event(EVENT_CHECK, "standby", "EVM.1399100.HeadTracker.HeadListener"), T0 + 5 * SEC,
	             STATE_DOWN, STATE_UNKNOWN, "node starting");
	/* no listener any more, no metrics: RPC unknown */
	assert_int_equal(n->ind[IND_RPC].state, STATE_UNKNOWN);
	/* starting counts as available */
	for (int64_t t = T0 + 10 * SEC; t <= T0 + 10 * MIN; t += 5 * SEC) {
		health(0, 204, NULL, "", t);
		model_tick(&M, t);
	}
	double pct = -1;
	assert_true(uptime_percent(&n->ind[IND_NODE].uptime, T0 + 10 * MIN, HOUR, &pct));
	assert_float_equal(pct, 100.0, 1e-9);
	assert_int_equal(model_nodes_up(&M), 1);
}

static void test_health_http_errors(void **state)
{
	model_add_node(&M, "a", "http://a:6688", NULL, 5000);
	health(0, 503, "text/plain", "upstream connect error or disconnect/reset before headers\r\nsecond line", T0);
	node_t *n = N(0);
	assert_int_equal(n->state, STATE_DOWN);
	assert_string_equal(n->error,
	                    "HTTP 503 Service Unavailable: upstream connect error or disconnect/reset before headers");
	assert_int_equal(n->http_status, 503);
	assert_int_equal(n->poll_errors, 1);
	assert_int_equal(n->last_ok_ms, 0);
	assert_string_equal(n->ind[IND_NODE].reason, n->error);
	assert_event(last_event(EVENT_NODE, "a", ""), T0, STATE_UNKNOWN, STATE_DOWN, n->error);

	health(0, 503, NULL, "", T0 + 5 * SEC);
	assert_string_equal(n->error, "HTTP 503 Service Unavailable");
	health(0, 429, "text/plain", "\n\n  rate limited  \n", T0 + 10 * SEC);
	assert_string_equal(n->error, "HTTP 429 Too Many Requests: rate limited");
	health(0, 418, NULL, "I'm a teapot", T0 + 15 * SEC);
	assert_string_equal(n->error, "HTTP 418: I'm a teapot");
	/* the body's line is cut at 80 bytes */
	char longline[200];
	memset(longline, 'x', sizeof longline - 1);
	longline[sizeof longline - 1] = '\0';
	health(0, 502, NULL, longline, T0 + 20 * SEC);
	assert_int_equal(strlen(n->error), strlen("HTTP 502 Bad Gateway: ") + 80);
	assert_int_equal(n->polls, 5);
	assert_int_equal(n->poll_errors, 5);
	/* the node stayed down: one event only */
	assert_int_equal(count_events(EVENT_NODE, "a", ""), 1);
}

static void test_health_timeout_garbage_html(void **state)
{
	model_add_node(&M, "a", "http://a:6688", NULL, 5000);
	health(0, 207, JSON_CT, fixture("chainlink/health.json", NULL), T0);
	failed(0, PROBE_HEALTH, "timed out after 5000 ms (312 bytes received)", T0 + 5 * SEC);
	node_t *n = N(0);
	assert_int_equal(n->state, STATE_DOWN);
	assert_string_equal(n->error, "timed out after 5000 ms (312 bytes received)");
	assert_int_equal(n->http_status, 0);
	assert_int_equal(n->poll_errors, 1);
	assert_int_equal(n->polls, 2);
	assert_int_equal(n->last_health_ms, T0 + 5 * SEC);
	assert_int_equal(n->last_ok_ms, T0);
	assert_false(n->have_health);
	assert_int_equal(n->nchecks, 34);     /* the last known checks are kept */
	assert_event(last_event(EVENT_NODE, "a", ""), T0 + 5 * SEC, STATE_DEGRADED, STATE_DOWN,
	             "timed out after 5000 ms (312 bytes received)");
	/* a down node's DB and RPC are unknown: nodetop cannot see them */
	assert_int_equal(n->ind[IND_DB].state, STATE_UNKNOWN);
	assert_int_equal(n->ind[IND_RPC].state, STATE_UNKNOWN);
	assert_string_equal(n->ind[IND_RPC].reason, "node down: timed out after 5000 ms (312 bytes received)");
	assert_event(last_event(EVENT_RPC, "a", ""), T0 + 5 * SEC, STATE_DEGRADED, STATE_UNKNOWN,
	             "node down: timed out after 5000 ms (312 bytes received)");
	/* the chain went blind with the node: the overall RPC event told it */
	assert_int_equal(count_events(EVENT_RPC, "a", "1399100"), 1);

	failed(0, PROBE_HEALTH, "connection refused", T0 + 10 * SEC);
	assert_string_equal(n->error, "connection refused");
	assert_string_equal(last_event(EVENT_NODE, "a", "")->detail, "timed out after 5000 ms (312 bytes received)");

	health(0, 200, "application/json", "{\"data\": [ {\"type\": 12", T0 + 15 * SEC);
	assert_int_equal(n->state, STATE_DOWN);
	assert_true(strncmp(n->error, "unparsable /health: ", 20) == 0);
	assert_true(strlen(n->error) > 20);
	assert_int_equal(n->http_status, 200);

	health(0, 200, "text/html; charset=utf-8", fixture("chainlink/health.html", NULL), T0 + 20 * SEC);
	assert_int_equal(n->state, STATE_DOWN);
	assert_true(strncmp(n->error, "unparsable /health: ", 20) == 0);
	assert_non_null(strstr(n->error, "HTML"));
	assert_int_equal(n->poll_errors, 4);

	health(0, 200, JSON_CT, passing_body(), T0 + 25 * SEC);
	assert_int_equal(n->state, STATE_UP);
	assert_string_equal(n->error, "");
	assert_event(last_event(EVENT_NODE, "a", ""), T0 + 25 * SEC, STATE_DOWN, STATE_UP, "all 17 checks passing");
	/* the down state lasted from the timeout to the recovery */
	assert_int_equal(eventlog_duration(&M.events, find_event_to(EVENT_NODE, "a", "", STATE_DOWN), T0 + HOUR),
	                 20 * SEC);
	assert_int_equal(eventlog_duration(&M.events, find_event_to(EVENT_NODE, "a", "", STATE_UP), T0 + HOUR),
	                 HOUR - 25 * SEC);
}

static void test_check_since_and_events(void **state)
{
	model_add_node(&M, "n", "http://n:6688", NULL, 5000);
	int64_t t1 = T0, t2 = T0 + 5 * SEC, t3 = T0 + 10 * SEC, t4 = T0 + 15 * SEC;
	health(0, 207, JSON_CT, hbody("A", "passing", "", "B", "failing", "boom\\nsecond line", NULL), t1);
	node_t *n = N(0);
	assert_int_equal(find_check(n, "A")->since_ms, t1);
	assert_int_equal(find_check(n, "B")->since_ms, t1);
	assert_string_equal(find_check(n, "B")->output, "boom\nsecond line");
	assert_event(last_event(EVENT_CHECK, "n", "B"), t1, STATE_UNKNOWN, STATE_DOWN, "boom");
	assert_int_equal(find_event(EVENT_CHECK, "n", "A"), -1);

	health(0, 207, JSON_CT, hbody("A", "passing", "", "B", "failing", "boom again", NULL), t2);
	assert_int_equal(find_check(n, "B")->since_ms, t1);         /* carried over by name */
	assert_string_equal(find_check(n, "B")->output, "boom again");
	assert_int_equal(count_events(EVENT_CHECK, "n", "B"), 1);

	health(0, 207, JSON_CT, hbody("A", "passing", "", "B", "passing", "", "C", "failing", "new", NULL), t3);
	assert_int_equal(find_check(n, "A")->since_ms, t1);
	assert_int_equal(find_check(n, "B")->since_ms, t3);
	assert_int_equal(find_check(n, "C")->since_ms, t3);
	assert_event(last_event(EVENT_CHECK, "n", "B"), t3, STATE_DOWN, STATE_UP, "");
	assert_event(last_event(EVENT_CHECK, "n", "C"), t3, STATE_UNKNOWN, STATE_DOWN, "new");
	/* B failed from t1 to t3 */
	size_t bi = 0;
	for (size_t i = 0; i < M.events.len; i++) {
		const event_t *e = eventlog_get(&M.events, i);
		if (e->kind == EVENT_CHECK && strcmp(e->subject, "B") == 0 && e->to == STATE_DOWN)
			bi = i;
	}
	assert_int_equal(eventlog_get(&M.events, bi)->ts_ms, t1);
	assert_int_equal(eventlog_duration(&M.events, bi, t4), t3 - t1);
	/* C has been failing since t3 */
	assert_int_equal(eventlog_duration(&M.events, (size_t)find_event(EVENT_CHECK, "n", "C"), t4), t4 - t3);

	/* a failing check that disappears ends its failure */
	health(0, 200, JSON_CT, hbody("A", "passing", "", "B", "passing", "", NULL), t4);
	assert_null(find_check(n, "C"));
	assert_event(last_event(EVENT_CHECK, "n", "C"), t4, STATE_DOWN, STATE_UNKNOWN, "no longer reported");
	assert_int_equal(n->state, STATE_UP);
	assert_string_equal(n->ind[IND_NODE].reason, "all 2 checks passing");
	/* an unknown status is not failing */
	health(0, 200, "text/plain", "ok A\n?  B\n", t4 + 5 * SEC);
	assert_int_equal(find_check(n, "B")->status, CHECK_UNKNOWN);
	assert_int_equal(n->state, STATE_UP);
	assert_event(last_event(EVENT_CHECK, "n", "B"), t4 + 5 * SEC, STATE_UP, STATE_UNKNOWN, "");
}

/* ------------------------------------------------------------ database */

static const char *db_body(int max, int open, int used, int waits)
{
	static char buf[512];
	snprintf(buf, sizeof buf,
	         "# HELP db_conns_max Maximum number of open connections to the database.\n"
	         "# TYPE db_conns_max gauge\ndb_conns_max %d\n"
	         "# TYPE db_conns_open gauge\ndb_conns_open %d\n"
	         "# TYPE db_conns_used gauge\ndb_conns_used %d\n"
	         "# TYPE db_wait_count gauge\ndb_wait_count %d\n"
	         "db_wait_time_seconds 0.25\n", max, open, used, waits);
	return buf;
}

static void test_db_rules(void **state)
{
	model_add_node(&M, "n", "http://n:6688", NULL, 5000);
	node_t *n = N(0);
	int64_t t = T0;
	health(0, 200, JSON_CT, passing_body(), t);
	metrics(0, db_body(20, 7, 2, 0), t);
	assert_true(n->have_metrics);
	assert_true(n->have_db);
	assert_float_equal(n->db_max, 20, 0);
	assert_float_equal(n->db_open, 7, 0);
	assert_float_equal(n->db_used, 2, 0);
	assert_int_equal(n->metrics_series, 5);
	assert_int_equal(n->metrics_bad_lines, 0);
	assert_float_equal(n->metrics_latency_ms, TU_METRICS_LATENCY, 0);
	assert_int_equal(n->last_metrics_ms, t);
	assert_int_equal(n->ind[IND_DB].state, STATE_UP);
	assert_string_equal(n->ind[IND_DB].reason, "7 open, 2 in use, max 20");
	assert_event(last_event(EVENT_DB, "n", ""), t, STATE_UNKNOWN, STATE_UP, "7 open, 2 in use, max 20");

	/* exhausted and the wait count grew: degraded */
	metrics(0, db_body(20, 20, 20, 5), t += 5 * SEC);
	assert_int_equal(n->ind[IND_DB].state, STATE_DEGRADED);
	assert_string_equal(n->ind[IND_DB].reason, "pool exhausted: 20/20 in use, 5 new waits");
	/* exhausted, no new waits: up */
	metrics(0, db_body(20, 20, 20, 5), t += 5 * SEC);
	assert_int_equal(n->ind[IND_DB].state, STATE_UP);
	metrics(0, db_body(20, 20, 20, 8), t += 5 * SEC);
	assert_int_equal(n->ind[IND_DB].state, STATE_DEGRADED);
	assert_string_equal(n->ind[IND_DB].reason, "pool exhausted: 20/20 in use, 3 new waits");
	/* waits growing but the pool is not exhausted: up */
	metrics(0, db_body(20, 12, 10, 12), t += 5 * SEC);
	assert_int_equal(n->ind[IND_DB].state, STATE_UP);
	/* no connection open: down */
	metrics(0, db_body(20, 0, 0, 12), t += 5 * SEC);
	assert_int_equal(n->ind[IND_DB].state, STATE_DOWN);
	assert_string_equal(n->ind[IND_DB].reason, "db_conns_open = 0 (max 20)");
	assert_event(last_event(EVENT_DB, "n", ""), t, STATE_UP, STATE_DOWN, "db_conns_open = 0 (max 20)");

	/* a plugin scrape lacks db_*: the DB stays as it was */
	plugin_metrics(0, 200, "multi_node_states{network=\"EVM\",chainId=\"1\",state=\"Alive\"} 1\n", t += SEC);
	assert_int_equal(n->ind[IND_DB].state, STATE_DOWN);
	assert_true(n->have_db);

	/* metrics refused: unknown */
	probe_result_t r = result(0, PROBE_METRICS, 401, "text/plain", "invalid or missing token\n", t += 5 * SEC);
	model_apply(&M, &r);
	assert_false(n->have_metrics);
	assert_string_equal(n->metrics_error, "HTTP 401: invalid or missing token - set bearer_token_file (the node's [Prometheus] AuthToken)");
	assert_int_equal(n->ind[IND_DB].state, STATE_UNKNOWN);
	assert_string_equal(n->ind[IND_DB].reason, "metrics unavailable: HTTP 401: invalid or missing token - set bearer_token_file (the node's [Prometheus] AuthToken)");
	failed(0, PROBE_METRICS, "timed out after 4000 ms (65536 bytes received)", t += 5 * SEC);
	assert_string_equal(n->metrics_error, "timed out after 4000 ms (65536 bytes received)");
	r = result(0, PROBE_METRICS, 404, NULL, "", t += 5 * SEC);
	model_apply(&M, &r);
	assert_string_equal(n->metrics_error, "HTTP 404 Not Found");

	/* back, but without the DB series: unknown */
	metrics(0, "go_goroutines 812\n", t += 5 * SEC);
	assert_true(n->have_metrics);
	assert_string_equal(n->metrics_error, "");
	assert_false(n->have_db);
	assert_int_equal(n->ind[IND_DB].state, STATE_UNKNOWN);
	assert_string_equal(n->ind[IND_DB].reason, "no db_conns_* series in /metrics");

	/* an HTML page instead of metrics is a failure, not an empty scrape */
	metrics(0, "<html>\n<body>login</body>\n</html>\n", t += 5 * SEC);
	assert_false(n->have_metrics);
	assert_true(strncmp(n->metrics_error, "unparsable /metrics: ", 21) == 0);

	/* good metrics but the node is down: unknown */
	metrics(0, db_body(20, 7, 2, 12), t += 5 * SEC);
	assert_int_equal(n->ind[IND_DB].state, STATE_UP);
	failed(0, PROBE_HEALTH, "connection refused", t += SEC);
	assert_int_equal(n->ind[IND_DB].state, STATE_UNKNOWN);
	assert_string_equal(n->ind[IND_DB].reason, "node down: connection refused");
}

/* ------------------------------------------------------------ RPC */

static const char *states_body(const char *chain, int alive, int unreachable, int outofsync)
{
	static char buf[1024];
	snprintf(buf, sizeof buf,
	         "# TYPE multi_node_states gauge\n"
	         "multi_node_states{network=\"EVM\",chainId=\"%s\",state=\"Alive\"} %d\n"
	         "multi_node_states{network=\"EVM\",chainId=\"%s\",state=\"Closed\"} 0\n"
	         "multi_node_states{network=\"EVM\",chainId=\"%s\",state=\"Dialed\"} 0\n"
	         "multi_node_states{network=\"EVM\",chainId=\"%s\",state=\"OutOfSync\"} %d\n"
	         "multi_node_states{network=\"EVM\",chainId=\"%s\",state=\"Unreachable\"} %d\n"
	         "multi_node_states{network=\"EVM\",chainId=\"%s\",state=\"Undialed\"} 0\n",
	         chain, alive, chain, chain, chain, outofsync, chain, unreachable, chain);
	return buf;
}

static void test_rpc_alive_rules(void **state)
{
	model_add_node(&M, "n", "http://n:6688", NULL, 5000);
	node_t *n = N(0);
	int64_t t = T0;
	health(0, 200, JSON_CT, passing_body(), t);
	metrics(0, states_body("1", 0, 2, 0), t);
	const rpc_chain_t *c = find_chain(n, "1");
	assert_non_null(c);
	assert_true(c->have_states);
	assert_int_equal(c->alive, 0);
	assert_int_equal(c->total, 2);
	assert_int_equal(c->state, STATE_DOWN);
	assert_string_equal(c->reason, "no RPC node Alive on chain 1 (0/2)");
	assert_int_equal(n->ind[IND_RPC].state, STATE_DOWN);
	assert_string_equal(n->ind[IND_RPC].reason, "no RPC node Alive on chain 1 (0/2)");
	assert_event(last_event(EVENT_RPC, "n", "1"), t, STATE_UNKNOWN, STATE_DOWN, "no RPC node Alive on chain 1 (0/2)");
	assert_event(last_event(EVENT_RPC, "n", ""), t, STATE_UNKNOWN, STATE_DOWN, "no RPC node Alive on chain 1 (0/2)");

	metrics(0, states_body("1", 1, 0, 1), t += 5 * SEC);
	c = find_chain(n, "1");
	assert_int_equal(c->state, STATE_DEGRADED);
	assert_string_equal(c->reason, "1/2 RPC nodes Alive on chain 1");
	assert_int_equal(n->ind[IND_RPC].state, STATE_DEGRADED);

	/* labels matched by name, in any order */
	metrics(0, "multi_node_states{state=\"Alive\",chainId=\"1\",network=\"EVM\"} 2\n"
	           "multi_node_states{state=\"Unreachable\",network=\"EVM\",chainId=\"1\"} 0\n", t += 5 * SEC);
	c = find_chain(n, "1");
	assert_int_equal(c->state, STATE_UP);
	assert_string_equal(c->reason, "2/2 RPC nodes Alive on chain 1");
	assert_int_equal(n->ind[IND_RPC].state, STATE_UP);
	assert_event(last_event(EVENT_RPC, "n", ""), t, STATE_DEGRADED, STATE_UP, "2/2 RPC nodes Alive on chain 1");

	/* legacy names (before v2.8.0) */
	model_add_node(&M, "legacy", "http://l:6688", NULL, 5000);
	health(1, 200, JSON_CT, passing_body(), t);
	metrics(1, "evm_pool_rpc_node_states{evmChainID=\"5\",state=\"Alive\"} 2\n"
	           "evm_pool_rpc_node_states{evmChainID=\"5\",state=\"OutOfSync\"} 0\n"
	           "evm_pool_rpc_node_states{evmChainID=\"137\",state=\"Alive\"} 0\n"
	           "evm_pool_rpc_node_states{evmChainID=\"137\",state=\"Unreachable\"} 3\n", t);
	n = N(1);
	assert_int_equal(n->nchains, 2);
	assert_string_equal(n->chains[0].id, "5");        /* sorted numerically */
	assert_string_equal(n->chains[1].id, "137");
	c = find_chain(n, "5");
	assert_int_equal(c->state, STATE_UP);
	assert_int_equal(c->alive, 2);
	assert_int_equal(c->total, 2);
	c = find_chain(n, "137");
	assert_int_equal(c->state, STATE_DOWN);
	assert_string_equal(c->reason, "no RPC node Alive on chain 137 (0/3)");
	/* overall: the worst chain */
	assert_int_equal(n->ind[IND_RPC].state, STATE_DOWN);
	assert_string_equal(n->ind[IND_RPC].reason, "no RPC node Alive on chain 137 (0/3)");
}

static const char *head_body(double head)
{
	static char buf[512];
	snprintf(buf, sizeof buf,
	         "head_tracker_current_head{evmChainID=\"1\"} %.0f\n"
	         "multi_node_states{network=\"EVM\",chainId=\"1\",state=\"Alive\"} 2\n", head);
	return buf;
}

/* A document like the last one is not read again; one that differs, even at the same
 * length (passing -> failing), is. */
static void test_health_same_document(void **state)
{
	model_add_node(&M, "n", "http://n:6688", NULL, 5000);
	node_t *n = N(0);
	char first[4096];
	snprintf(first, sizeof first, "%s", hbody("A", "passing", "", "B", "passing", "", NULL));
	health(0, 200, JSON_CT, first, T0);
	assert_int_equal(n->ind[IND_NODE].state, STATE_UP);
	const check_t *b = find_check(n, "B");
	assert_non_null(b);
	int64_t since = b->since_ms;
	health(0, 200, JSON_CT, first, T0 + 5 * SEC);
	assert_int_equal(find_check(n, "B")->since_ms, since);
	assert_int_equal(n->last_ok_ms, T0 + 5 * SEC);
	const char *second = hbody("A", "passing", "", "B", "failing", "", NULL);
	assert_int_equal(strlen(second), strlen(first));
	health(0, 207, JSON_CT, second, T0 + 10 * SEC);
	assert_int_equal(find_check(n, "B")->status, CHECK_FAILING);
	assert_int_equal(n->ind[IND_NODE].state, STATE_DEGRADED);
	/* a [source]'s "the same as last time", without a body */
	probe_result_t r = result(0, PROBE_HEALTH, 200, JSON_CT, NULL, T0 + 15 * SEC);
	r.same_body = 1;
	model_apply(&M, &r);
	assert_int_equal(n->ind[IND_NODE].state, STATE_DEGRADED);
	assert_int_equal(n->nchecks, 2);
	assert_int_equal(n->last_ok_ms, T0 + 15 * SEC);
}

static void test_rpc_head_stall(void **state)
{
	model_add_node(&M, "n", "http://n:6688", NULL, 5000);
	node_t *n = N(0);
	int64_t t;
	for (t = T0; t <= T0 + 180 * SEC; t += 5 * SEC) {
		health(0, 200, JSON_CT, passing_body(), t);
		metrics(0, head_body(123456), t);
		model_tick(&M, t);
		assert_int_equal(n->ind[IND_RPC].state, STATE_UP);
	}
	const rpc_chain_t *c = find_chain(n, "1");
	assert_true(c->have_head);
	assert_float_equal(c->head, 123456, 0);
	assert_int_equal(c->head_changed_ms, T0);
	assert_string_equal(c->reason, "2/2 RPC nodes Alive, head 123456 on chain 1");
	/* past the threshold, between two scrapes: the tick sees it */
	model_tick(&M, T0 + 181 * SEC);
	assert_int_equal(c->state, STATE_DOWN);
	assert_string_equal(c->reason, "head stuck at 123456 for 3m01s on chain 1");
	assert_int_equal(n->ind[IND_RPC].state, STATE_DOWN);
	assert_event(last_event(EVENT_RPC, "n", ""), T0 + 181 * SEC, STATE_UP, STATE_DOWN,
	             "head stuck at 123456 for 3m01s on chain 1");
	model_tick(&M, T0 + 192 * SEC);
	assert_string_equal(n->ind[IND_RPC].reason, "head stuck at 123456 for 3m12s on chain 1");
	/* the head moves: up again, stall measured from now */
	health(0, 200, JSON_CT, passing_body(), T0 + 195 * SEC);
	metrics(0, head_body(123457), T0 + 195 * SEC);
	assert_int_equal(c->state, STATE_UP);
	assert_int_equal(c->head_changed_ms, T0 + 195 * SEC);
	assert_int_equal(n->ind[IND_RPC].state, STATE_UP);
	/* the RPC was down from 181 s to 195 s */
	assert_int_equal(eventlog_duration(&M.events, find_event_to(EVENT_RPC, "n", "", STATE_DOWN), T0 + HOUR),
	                 14 * SEC);
	/* the threshold is a model setting */
	M.head_stall_ms = 10 * SEC;
	model_tick(&M, T0 + 206 * SEC);
	assert_int_equal(c->state, STATE_DOWN);
	assert_string_equal(c->reason, "head stuck at 123457 for 11s on chain 1");
}

static void test_rpc_headlistener(void **state)
{
	/* plugin (LOOPP) names: the check is nested deeper, matched by suffix */
	model_add_node(&M, "loopp", "http://n:6688", NULL, 5000);
	node_t *n = N(0);
	health(0, 207, JSON_CT, fixture("chainlink/health-loopp.json", NULL), T0);
	assert_int_equal(n->nfailing, 2);
	metrics(0, states_body("1", 2, 0, 0), T0);
	const rpc_chain_t *c = find_chain(n, "1");
	assert_non_null(c);
	assert_true(c->have_listener);
	assert_true(c->listener_failing);
	assert_int_equal(c->state, STATE_DEGRADED);
	assert_string_equal(c->reason, "HeadListener failing on chain 1: Listener connected = false, receiving heads = false");
	assert_int_equal(n->ind[IND_RPC].state, STATE_DEGRADED);
	/* failing listener and no Alive node: down wins */
	metrics(0, states_body("1", 0, 2, 0), T0 + 5 * SEC);
	assert_int_equal(find_chain(n, "1")->state, STATE_DOWN);
	/* the listener recovers */
	health(0, 200, JSON_CT, hbody("EVM.1.RelayerService.PluginRelayerClient.PluginEVM.HeadTracker.HeadListener",
	                              "passing", "", NULL), T0 + 10 * SEC);
	metrics(0, states_body("1", 2, 0, 0), T0 + 10 * SEC);
	c = find_chain(n, "1");
	assert_false(c->listener_failing);
	assert_true(c->have_listener);
	assert_int_equal(c->state, STATE_UP);

	/* names that only look alike are not listeners */
	model_add_node(&M, "other", "http://o:6688", NULL, 5000);
	health(1, 207, JSON_CT, hbody("EVM.7.FooHeadTracker.HeadListener", "failing", "x",
	                              "Solana.mainnet.HeadTracker.HeadListener", "failing", "y",
	                              "EVM.8.HeadTracker.HeadListenerX", "failing", "z", NULL), T0);
	assert_int_equal(N(1)->nchains, 0);
	assert_int_equal(N(1)->ind[IND_RPC].state, STATE_UNKNOWN);
	assert_string_equal(N(1)->ind[IND_RPC].reason, "no chains seen");

	/* metrics refused, listener passing: up on the check alone */
	model_add_node(&M, "nometrics", "http://m:6688", NULL, 5000);
	health(2, 200, JSON_CT, hbody("EVM.10.HeadTracker.HeadListener", "passing", "", NULL), T0);
	probe_result_t r = result(2, PROBE_METRICS, 401, NULL, "invalid or missing token", T0);
	model_apply(&M, &r);
	assert_int_equal(N(2)->ind[IND_RPC].state, STATE_UP);
	assert_string_equal(N(2)->ind[IND_RPC].reason, "HeadListener passing on chain 10 (no metrics)");
	/* and failing: degraded */
	health(2, 207, JSON_CT, hbody("EVM.10.HeadTracker.HeadListener", "failing", "Listener is not connected", NULL),
	       T0 + 5 * SEC);
	assert_int_equal(N(2)->ind[IND_RPC].state, STATE_DEGRADED);
	assert_string_equal(N(2)->ind[IND_RPC].reason, "HeadListener failing on chain 10: Listener is not connected");
}

static void test_rpc_plugin_scrapes(void **state)
{
	model_add_node(&M, "n", "http://n:6688", NULL, 5000);
	node_t *n = N(0);
	health(0, 200, JSON_CT, passing_body(), T0);
	metrics(0, "go_goroutines 800\n" "db_conns_max 10\ndb_conns_open 2\n", T0);
	assert_int_equal(n->ind[IND_RPC].state, STATE_UNKNOWN);
	plugin_metrics(0, 200, "multi_node_states{network=\"EVM\",chainId=\"1\",state=\"Alive\"} 2\n"
	                       "head_tracker_current_head{evmChainID=\"1\"} 500\n"
	                       "go_goroutines 90\n", T0 + SEC);
	const rpc_chain_t *c = find_chain(n, "1");
	assert_non_null(c);
	assert_string_equal(c->source, "/plugins/evm.1/metrics");
	assert_int_equal(c->state, STATE_UP);
	assert_int_equal(n->ind[IND_RPC].state, STATE_UP);
	/* the plugin's own process series are not the node's */
	const series_t *g = find_series(n, "goroutines", "");
	assert_non_null(g);
	assert_int_equal(g->ring.len, 1);
	double v;
	assert_true(ring_last(&g->ring, NULL, &v));
	assert_float_equal(v, 800, 0);
	/* ... but its per-chain series are charted */
	assert_non_null(find_series(n, "head", "1"));
	/* the next /metrics does not erase the plugin's chain */
	metrics(0, "go_goroutines 801\n" "db_conns_max 10\ndb_conns_open 2\n", T0 + 5 * SEC);
	assert_int_equal(find_chain(n, "1")->state, STATE_UP);
	/* the plugin fails: its chain has no data, /metrics is still fine */
	plugin_metrics(0, 404, "", T0 + 6 * SEC);
	assert_true(n->have_metrics);
	assert_string_equal(n->plugin_error, "/plugins/evm.1/metrics: HTTP 404 Not Found");
	assert_int_equal(find_chain(n, "1")->state, STATE_UNKNOWN);
	assert_int_equal(n->ind[IND_RPC].state, STATE_UNKNOWN);
	assert_int_equal(n->ind[IND_DB].state, STATE_UP);
	plugin_metrics(0, 200, "multi_node_states{network=\"EVM\",chainId=\"1\",state=\"Alive\"} 2\n"
	                       "head_tracker_current_head{evmChainID=\"1\"} 501\n", T0 + 11 * SEC);
	assert_string_equal(n->plugin_error, "");
	assert_int_equal(find_chain(n, "1")->state, STATE_UP);
}

/* ------------------------------------------------------------ process, version, series */

static void test_restarts_and_version(void **state)
{
	model_add_node(&M, "n", "http://n:6688", NULL, 5000);
	node_t *n = N(0);
	health(0, 200, JSON_CT, passing_body(), T0);
	metrics(0, fixture("prom/chainlink-small.prom", NULL), T0);
	assert_string_equal(n->version, "2.14.0");
	assert_string_equal(n->commit, "0ec0b0c8d8e8");
	assert_true(n->have_proc_uptime);
	assert_float_equal(n->proc_uptime_s, 86415, 0);
	assert_int_equal(n->restarts, 0);
	/* the fixture's other values */
	assert_true(n->have_db);
	assert_float_equal(n->db_open, 7, 0);
	const rpc_chain_t *c = find_chain(n, "1");
	assert_non_null(c);
	assert_int_equal(c->alive, 2);
	assert_int_equal(c->total, 3);
	assert_float_equal(c->head, 20123456, 0);
	assert_int_equal(c->state, STATE_DEGRADED);

	metrics(0, "uptime_seconds 86430\nversion{commit=\"abc\",version=\"2.15.0\"} 1\n", T0 + 15 * SEC);
	assert_int_equal(n->restarts, 0);
	assert_string_equal(n->version, "2.15.0");
	assert_string_equal(n->commit, "abc");
	metrics(0, "uptime_seconds 15\n", T0 + 30 * SEC);
	assert_int_equal(n->restarts, 1);
	assert_int_equal(n->last_restart_ms, T0 + 30 * SEC);
	assert_float_equal(n->proc_uptime_s, 15, 0);
	assert_string_equal(n->version, "");
	const event_t *e = last_event(EVENT_RESTART, "n", "");
	assert_int_equal(e->ts_ms, T0 + 30 * SEC);
	assert_string_equal(e->detail, "uptime_seconds fell from 86430 to 15");
	metrics(0, "uptime_seconds 30\n", T0 + 45 * SEC);
	assert_int_equal(n->restarts, 1);
	/* a restart during a metrics outage is seen when they come back */
	failed(0, PROBE_METRICS, "connection refused", T0 + 60 * SEC);
	metrics(0, "uptime_seconds 5\n", T0 + 75 * SEC);
	assert_int_equal(n->restarts, 2);
}

static const char *rate_body(double h1, double h2, double unconf)
{
	static char buf[1024];
	snprintf(buf, sizeof buf,
	         "# TYPE head_tracker_heads_received counter\n"
	         "head_tracker_heads_received{ChainID=\"10\"} %.0f\n"
	         "head_tracker_heads_received{ChainID=\"2\"} %.0f\n"
	         "unconfirmed_transactions{evmChainID=\"1\"} %.0f\n"
	         "unconfirmed_transactions{evmChainID=\"10\"} 4\n"
	         "multi_node_states{network=\"EVM\",chainId=\"1\",state=\"Alive\"} 2\n"
	         "multi_node_states{network=\"EVM\",chainId=\"1\",state=\"OutOfSync\"} 1\n"
	         "evm_pool_rpc_node_states{evmChainID=\"5\",state=\"Alive\"} 3\n"
	         "process_resident_memory_bytes 4.12532736e+08\n",
	         h1, h2, unconf);
	return buf;
}

/* A /health body identical to the last one is not parsed again (a node
 * recomputes every 15 s): the checks stay the same objects, and a changed
 * body is parsed as usual. */
static void test_health_same_body(void **state)
{
	model_add_node(&M, "n", "http://n:6688", NULL, 1000);
	size_t len;
	const char *body = fixture("chainlink/health.json", &len);
	health(0, 207, JSON_CT, body, T0);
	const char *first_name = N(0)->checks[0].name;
	int64_t since = N(0)->checks[0].since_ms;
	health(0, 207, JSON_CT, body, T0 + SEC);
	assert_ptr_equal(N(0)->checks[0].name, first_name);
	assert_int_equal(N(0)->checks[0].since_ms, since);
	assert_int_equal(N(0)->state, STATE_DEGRADED);
	assert_int_equal(N(0)->last_ok_ms, T0 + SEC);
	health(0, 200, JSON_CT, passing_body(), T0 + 2 * SEC);
	assert_int_equal(N(0)->state, STATE_UP);
	assert_int_equal(N(0)->nfailing, 0);
}

/* A counter that moves every other scrape (1 s scrapes, one head per 2 s) must
 * read as a steady 30/min, not alternate between 0 and 60: it is measured
 * between its own steps, and nothing is drawn before two of its periods are
 * seen (issue 12: a sawtooth while warming up looked like a stall). */
static void test_rate_smoothing(void **state)
{
	model_add_node(&M, "n", "http://n:6688", NULL, 1000);
	health(0, 200, JSON_CT, passing_body(), T0);
	for (int i = 0; i <= 40; i++)
		metrics(0, rate_body(1000 + i / 2, 100, 3), T0 + i * SEC);
	const series_t *h10 = find_series(N(0), "heads", "10");
	assert_non_null(h10);
	assert_true(h10->ring.len >= 30 && h10->ring.len < 40);
	for (size_t i = 0; i < h10->ring.len; i++) {
		double v;
		assert_true(ring_get(&h10->ring, i, NULL, &v));
		assert_true(v > 29.5 && v < 30.5);
	}
}

static void test_series_and_rates(void **state)
{
	model_add_node(&M, "n", "http://n:6688", NULL, 5000);
	node_t *n = N(0);
	health(0, 200, JSON_CT, passing_body(), T0);
	metrics(0, rate_body(1000, 100, 3), T0);
	/* counters need two scrapes for a rate */
	const series_t *h10 = find_series(n, "heads", "10"), *h2 = find_series(n, "heads", "2");
	assert_non_null(h10);
	assert_non_null(h2);
	assert_int_equal(h10->ring.len, 0);
	assert_true(h2 < h10);                       /* "2" sorts before "10" */
	/* gauges are summed over the other labels */
	const series_t *u = find_series(n, "unconfirmed", "");
	assert_non_null(u);
	double v;
	int64_t ts;
	assert_true(ring_last(&u->ring, &ts, &v));
	assert_int_equal(ts, T0);
	assert_float_equal(v, 7, 0);
	/* filter state=Alive, split by chain; the legacy name with its own label */
	const series_t *a1 = find_series(n, "rpc_alive", "1"), *a5 = find_series(n, "rpc_alive", "5");
	assert_non_null(a1);
	assert_non_null(a5);
	assert_true(ring_last(&a1->ring, NULL, &v));
	assert_float_equal(v, 2, 0);
	assert_true(ring_last(&a5->ring, NULL, &v));
	assert_float_equal(v, 3, 0);
	assert_true(ring_last(&find_series(n, "memory", "")->ring, NULL, &v));
	assert_float_equal(v, 412532736, 0);

	metrics(0, rate_body(1030, 160, 9), T0 + MIN);
	h10 = find_series(n, "heads", "10");
	h2 = find_series(n, "heads", "2");
	assert_true(ring_last(&h10->ring, &ts, &v));
	assert_int_equal(ts, T0 + MIN);
	assert_float_equal(v, 30, 1e-9);
	assert_true(ring_last(&h2->ring, NULL, &v));
	assert_float_equal(v, 60, 1e-9);
	metrics(0, rate_body(1030, 220, 9), T0 + 2 * MIN);
	assert_true(ring_last(&find_series(n, "heads", "10")->ring, NULL, &v));
	assert_float_equal(v, 0, 1e-9);
	/* a counter reset (restart): the new value counts from zero */
	metrics(0, rate_body(1045, 30, 9), T0 + 2 * MIN + 30 * SEC);
	h2 = find_series(n, "heads", "2");
	assert_true(ring_last(&h2->ring, NULL, &v));
	assert_float_equal(v, 60, 1e-9);               /* 30 heads in half a minute */
	assert_int_equal(h2->ring.len, 3);
	assert_true(ring_last(&find_series(n, "heads", "10")->ring, NULL, &v));
	assert_float_equal(v, 30, 1e-9);
	u = find_series(n, "unconfirmed", "");
	assert_int_equal(u->ring.len, 4);
	double lo, hi;
	assert_true(ring_range(&u->ring, 0, &lo, &hi));
	assert_float_equal(lo, 7, 0);
	assert_float_equal(hi, 13, 0);
	/* a scrape without the series pushes nothing */
	metrics(0, "go_goroutines 5\n", T0 + 3 * MIN);
	assert_int_equal(find_series(n, "unconfirmed", "")->ring.len, 4);
	assert_int_equal(find_series(n, "goroutines", "")->ring.len, 1);
	/* the built-in set */
	assert_int_equal(M.charts.n, 10);
	const chart_def_t *d = chart_builtin("rpc_alive");
	assert_non_null(d);
	assert_true(d->below);
	assert_string_equal(d->alt_metric, "evm_pool_rpc_node_states");
	assert_null(chart_builtin("nope"));
	chart_unit_t cu;
	assert_true(chart_unit_parse("bytes", &cu));
	assert_int_equal(cu, UNIT_BYTES);
	assert_false(chart_unit_parse("parsecs", &cu));
	assert_string_equal(chart_unit_name(UNIT_PER_MIN), "per_min");
}

static void test_custom_charts(void **state)
{
	model_free(&M);
	chart_set_t cs = { NULL, 0, 0 };
	chart_def_t d = { .id = "errs", .title = "pipeline errors/min", .metric = "pipeline_run_errors",
	                  .split_label = "job_name", .mode = CHART_RATE_PER_MIN, .unit = UNIT_PER_MIN };
	chart_set_add(&cs, &d);
	model_init(&M, &cs);
	chart_set_free(&cs);
	assert_int_equal(M.charts.n, 1);
	M.ring_cap = 2;
	model_add_node(&M, "n", "http://n:6688", NULL, 5000);
	for (int i = 0; i < 5; i++) {
		char body[256];
		snprintf(body, sizeof body, "pipeline_run_errors{job_id=\"7\",job_name=\"Cron \\\"daily\\\"\"} %d\n", i * 6);
		metrics(0, body, T0 + i * MIN);
	}
	const series_t *s = find_series(N(0), "errs", "Cron \"daily\"");
	assert_non_null(s);
	assert_int_equal(s->ring.len, 2);
	assert_int_equal(s->ring.cap, 2);
	double v;
	assert_true(ring_last(&s->ring, NULL, &v));
	assert_float_equal(v, 6, 1e-9);
}

/* ------------------------------------------------------------ groups, staleness, ack */

static void test_groups(void **state)
{
	size_t p = model_add_node(&M, "primary", "http://p:6688", "pair", 5000);
	size_t s = model_add_node(&M, "standby", "http://s:6688", "pair", 5000);
	model_add_node(&M, "solo", "http://x:6688", NULL, 5000);
	assert_int_equal(M.ngroups, 1);
	group_t *g = &M.groups[0];
	assert_string_equal(g->name, "pair");
	assert_int_equal(g->nmembers, 2);
	assert_int_equal(g->members[0], p);
	assert_int_equal(g->members[1], s);
	int64_t t = T0;
	/* 10 min: the lease pair as Chainlink runs it: the primary up, the standby's
	 * port closed while it waits for the database lease */
	for (; t < T0 + 10 * MIN; t += 5 * SEC) {
		health(p, 200, JSON_CT, passing_body(), t);
		failed(s, PROBE_HEALTH, "connection refused", t);
		health(2, 200, JSON_CT, passing_body(), t);
		model_tick(&M, t);
	}
	assert_int_equal(g->ind[IND_NODE].state, STATE_UP);
	assert_string_equal(g->ind[IND_NODE].reason, "primary: all 17 checks passing");
	assert_int_equal(N(s)->ind[IND_NODE].state, STATE_STANDBY);
	assert_string_equal(N(s)->ind[IND_NODE].reason, "standby: not listening (waiting for the database lease)");
	assert_int_equal(g->active, p);
	assert_int_equal(model_overall(&M), STATE_UP);
	assert_int_equal(count_events(EVENT_NODE, "standby", ""), 1);    /* unknown -> standby, once */
	/* 10 min: the primary stops listening, the standby takes the lease and migrates
	 * (204): a failover, 5 s without an active member; the group is starting, which
	 * is not available; the old primary, refused while the standby answers, is
	 * the standby now */
	for (; t < T0 + 20 * MIN; t += 5 * SEC) {
		failed(p, PROBE_HEALTH, "connection refused", t);
		health(s, 204, NULL, "", t);
		health(2, 200, JSON_CT, passing_body(), t);
		model_tick(&M, t);
	}
	assert_int_equal(g->ind[IND_NODE].state, STATE_STARTING);
	assert_string_equal(g->ind[IND_NODE].reason, "failing over: standby starting, 10m00s");
	assert_int_equal(g->active, s);
	assert_int_equal(N(p)->ind[IND_NODE].state, STATE_STANDBY);
	assert_int_equal(count_events(EVENT_FAILOVER, "standby", ""), 1);
	const event_t *fo = last_event(EVENT_FAILOVER, "standby", "");
	assert_int_equal(fo->ts_ms, T0 + 10 * MIN);
	assert_int_equal(fo->gap_ms, 5 * SEC);
	assert_string_equal(fo->peer, "primary");
	assert_string_equal(fo->group, "pair");
	assert_string_equal(fo->detail, "primary -> standby after 5s without an active member");
	assert_int_equal(model_group_failovers(&M, 0, t, 86400000), 1);
	/* still starting long after the grace: critical */
	assert_int_equal(model_group_attention(&M, 0, t).severity, SEV_CRITICAL);
	assert_int_equal(model_overall(&M), STATE_DOWN);
	/* 10 min: both refused: no member answers, both down */
	for (; t <= T0 + 30 * MIN; t += 5 * SEC) {
		failed(p, PROBE_HEALTH, "connection refused", t);
		failed(s, PROBE_HEALTH, "connection refused", t);
		health(2, 200, JSON_CT, passing_body(), t);
		model_tick(&M, t);
	}
	t -= 5 * SEC;
	assert_int_equal(g->ind[IND_NODE].state, STATE_DOWN);
	assert_int_equal(N(p)->ind[IND_NODE].state, STATE_DOWN);
	assert_int_equal(N(s)->ind[IND_NODE].state, STATE_DOWN);
	assert_int_equal(model_overall(&M), STATE_DOWN);
	double pct;
	/* the group was available while its active member served: 10 of 30 minutes */
	assert_true(uptime_percent(&g->ind[IND_NODE].uptime, t, HOUR, &pct));
	assert_float_equal(pct, 100.0 * 10 / 30, 1e-6);
	/* standby time counts neither way: the primary 10 up, 10 standby, 10 down */
	assert_true(uptime_percent(&N(p)->ind[IND_NODE].uptime, t, HOUR, &pct));
	assert_float_equal(pct, 50.0, 1e-6);
	assert_true(uptime_percent(&N(s)->ind[IND_NODE].uptime, t, HOUR, &pct));
	assert_float_equal(pct, 50.0, 1e-6);
	state_t hist[3];
	uptime_history(&g->ind[IND_NODE].uptime, t, 10 * MIN, hist, 3);
	assert_int_equal(hist[0], STATE_UP);
	assert_int_equal(hist[1], STATE_DOWN);
	assert_int_equal(hist[2], STATE_DOWN);
	uptime_history(&N(s)->ind[IND_NODE].uptime, t, 10 * MIN, hist, 3);
	assert_int_equal(hist[0], STATE_STANDBY);
	assert_int_equal(hist[1], STATE_STARTING);
	assert_int_equal(hist[2], STATE_DOWN);
	/* the same member answers again: no failover; the other is the standby again */
	health(s, 200, JSON_CT, passing_body(), t + 5 * SEC);
	model_tick(&M, t + 5 * SEC);
	assert_int_equal(g->ind[IND_NODE].state, STATE_UP);
	assert_int_equal(N(p)->ind[IND_NODE].state, STATE_STANDBY);
	assert_int_equal(count_events(EVENT_FAILOVER, "standby", ""), 1);
	assert_int_equal(count_events(EVENT_FAILOVER, "primary", ""), 0);
	assert_int_equal(model_overall(&M), STATE_UP);
	model_status_t st = model_status(&M, t + 5 * SEC);
	assert_int_equal(st.severity, SEV_OK);
	assert_int_equal(st.standby, 1);
	assert_int_equal(st.available, 2);
	assert_int_equal(model_nodes_up(&M), 2);
}

static void test_staleness(void **state)
{
	model_add_node(&M, "n", "http://n:6688", NULL, 5000);
	node_t *n = N(0);
	health(0, 200, JSON_CT, passing_body(), T0);
	char body[2048];
	snprintf(body, sizeof body, "%s", db_body(20, 7, 2, 0));
	snprintf(body + strlen(body), sizeof body - strlen(body), "%s", states_body("1", 2, 0, 0));
	metrics(0, body, T0);
	assert_int_equal(n->ind[IND_DB].state, STATE_UP);
	assert_int_equal(n->ind[IND_RPC].state, STATE_UP);
	assert_false(node_is_stale(n, T0 + 15 * SEC));
	model_tick(&M, T0 + 15 * SEC);
	assert_int_equal(n->ind[IND_NODE].state, STATE_UP);
	assert_true(node_is_stale(n, T0 + 15 * SEC + 1));
	uint64_t gen = M.generation;
	model_tick(&M, T0 + 16 * SEC);
	assert_true(M.generation > gen);
	for (int k = 0; k < IND__COUNT; k++) {
		assert_int_equal(n->ind[k].state, STATE_UNKNOWN);
		assert_string_equal(n->ind[k].reason, "no data for 16s (stale)");
	}
	assert_int_equal(n->state, STATE_UP);           /* what was last seen */
	assert_int_equal(find_chain(n, "1")->state, STATE_UNKNOWN);
	assert_event(last_event(EVENT_NODE, "n", ""), T0 + 16 * SEC, STATE_UP, STATE_UNKNOWN, "no data for 16s (stale)");
	assert_event(last_event(EVENT_DB, "n", ""), T0 + 16 * SEC, STATE_UP, STATE_UNKNOWN, "no data for 16s (stale)");
	/* unknown time is not down time */
	for (int64_t t = T0 + 17 * SEC; t <= T0 + 5 * MIN; t += SEC)
		model_tick(&M, t);
	double pct;
	assert_true(uptime_percent(&n->ind[IND_NODE].uptime, T0 + 5 * MIN, HOUR, &pct));
	assert_float_equal(pct, 100.0, 1e-9);
	assert_string_equal(n->ind[IND_NODE].reason, "no data for 5m00s (stale)");
	assert_int_equal(model_overall(&M), STATE_UNKNOWN);
	/* data again */
	health(0, 200, JSON_CT, passing_body(), T0 + 5 * MIN + SEC);
	assert_int_equal(n->ind[IND_NODE].state, STATE_UP);
	assert_int_equal(model_overall(&M), STATE_UP);
}

static void test_tick_gap_is_unknown(void **state)
{
	model_add_node(&M, "n", "http://n:6688", NULL, 5000);
	node_t *n = N(0);
	int64_t t;
	for (t = T0; t <= T0 + 10 * MIN; t += 5 * SEC) {
		health(0, 200, JSON_CT, passing_body(), t);
		model_tick(&M, t);
	}
	/* nodetop was suspended for 10 minutes; the first result after it is down */
	t = T0 + 20 * MIN;
	failed(0, PROBE_HEALTH, "connection refused", t);
	model_tick(&M, t);
	for (t += 5 * SEC; t <= T0 + 30 * MIN; t += 5 * SEC) {
		failed(0, PROBE_HEALTH, "connection refused", t);
		model_tick(&M, t);
	}
	t -= 5 * SEC;
	double pct;
	assert_true(uptime_percent(&n->ind[IND_NODE].uptime, t, HOUR, &pct));
	assert_float_equal(pct, 50.0, 1e-6);          /* 10 min up, 10 unseen, 10 down */
	assert_int_equal(uptime_bucket_state(&n->ind[IND_NODE].uptime, (T0 + 15 * MIN) / MIN), STATE_UNKNOWN);
}

static void test_ack(void **state)
{
	model_add_node(&M, "n", "http://n:6688", NULL, 5000);
	node_t *n = N(0);
	failed(0, PROBE_HEALTH, "connection refused", T0);
	model_ack(&M, 0, "failing over, see INC-42", T0 + SEC);
	assert_true(n->acked);
	assert_string_equal(n->ack_note, "failing over, see INC-42");
	assert_int_equal(n->ack_ms, T0 + SEC);
	assert_int_equal(n->ack_state, STATE_DOWN);
	const event_t *e = last_event(EVENT_ACK, "n", "");
	assert_int_equal(e->ts_ms, T0 + SEC);
	assert_int_equal(e->to, STATE_DOWN);
	assert_string_equal(e->detail, "failing over, see INC-42");
	failed(0, PROBE_HEALTH, "connection refused", T0 + 5 * SEC);
	model_tick(&M, T0 + 6 * SEC);
	assert_true(n->acked);
	health(0, 204, NULL, "", T0 + 10 * SEC);
	assert_false(n->acked);
	model_ack(&M, 7, "no such node", T0);          /* ignored */
}

static void test_remove_node(void **state)
{
	model_add_node(&M, "a", "http://a:6688", "g", 5000);
	model_add_node(&M, "b", "http://b:6688", "g", 5000);
	model_add_node(&M, "c", "http://c:6688", NULL, 5000);
	for (int64_t t = T0; t <= T0 + MIN; t += 5 * SEC) {
		for (size_t i = 0; i < 3; i++) {
			health(i, 200, JSON_CT, passing_body(), t);
			metrics(i, db_body(20, 7, 2, 0), t);
		}
		model_tick(&M, t);
	}
	size_t len = find_series(N(2), "db_open", "")->ring.len;
	assert_int_equal(len, 13);
	int64_t since = N(2)->ind[IND_DB].since_ms;
	size_t nev = M.events.len;
	model_remove_node(&M, 0);
	assert_int_equal(M.nnodes, 2);
	assert_string_equal(N(0)->name, "b");
	assert_string_equal(N(1)->name, "c");
	assert_int_equal(model_find_node(&M, "c"), 1);
	assert_int_equal(model_find_node(&M, "a"), (size_t)-1);
	assert_int_equal(find_series(N(1), "db_open", "")->ring.len, len);
	assert_int_equal(N(1)->ind[IND_DB].since_ms, since);
	assert_int_equal(N(1)->ind[IND_DB].state, STATE_UP);
	double pct;
	assert_true(uptime_percent(&N(1)->ind[IND_NODE].uptime, T0 + MIN, HOUR, &pct));
	assert_float_equal(pct, 100, 0);
	assert_int_equal(M.events.len, nev);           /* history of the timeline kept */
	assert_int_equal(M.ngroups, 1);
	assert_int_equal(M.groups[0].nmembers, 1);
	assert_int_equal(M.groups[0].members[0], 0);
	assert_true(uptime_percent(&M.groups[0].ind[IND_NODE].uptime, T0 + MIN, HOUR, &pct));
	/* results for the shifted indices land on the right nodes */
	failed(1, PROBE_HEALTH, "connection refused", T0 + MIN + 5 * SEC);
	assert_int_equal(N(1)->state, STATE_DOWN);
	assert_int_equal(N(0)->state, STATE_UP);
	model_remove_node(&M, 0);
	assert_int_equal(M.ngroups, 0);
	assert_string_equal(N(0)->name, "c");
	model_remove_node(&M, 5);                      /* out of range: ignored */
	assert_int_equal(M.nnodes, 1);
}

/* A reload puts a new polled node before the sources' nodes: the nodes and their group
 * memberships move together, and results for the new indices land on the right nodes. */
static void test_move_node(void **state)
{
	(void)state;
	model_add_node(&M, "a", "http://a:6688", NULL, 5000);
	model_add_node(&M, "s1", "s1 (via eu)", "pair", 5000);
	model_add_node(&M, "s2", "s2 (via eu)", "pair", 5000);
	health(1, 200, JSON_CT, passing_body(), T0);
	model_tick(&M, T0);
	assert_int_equal(N(1)->state, STATE_UP);
	size_t idx = model_add_node(&M, "b", "http://b:6688", NULL, 5000);
	assert_int_equal(idx, 3);
	model_move_node(&M, idx, 1);
	assert_string_equal(N(0)->name, "a");
	assert_string_equal(N(1)->name, "b");
	assert_string_equal(N(2)->name, "s1");
	assert_string_equal(N(3)->name, "s2");
	assert_int_equal(N(2)->state, STATE_UP);      /* what s1 had moved with it */
	assert_int_equal(M.ngroups, 1);
	assert_int_equal(M.groups[0].nmembers, 2);
	assert_int_equal(M.groups[0].members[0], 2);
	assert_int_equal(M.groups[0].members[1], 3);
	failed(1, PROBE_HEALTH, "connection refused", T0 + 5 * SEC);
	assert_int_equal(N(1)->state, STATE_DOWN);
	assert_int_equal(N(2)->state, STATE_UP);
	model_move_node(&M, 1, 3);                      /* not backwards: ignored */
	model_move_node(&M, 9, 0);                      /* out of range: ignored */
	assert_string_equal(N(1)->name, "b");
	assert_int_equal(M.nnodes, 4);
}

static void test_overall_and_discovery(void **state)
{
	assert_int_equal(model_overall(&M), STATE_UNKNOWN);
	model_add_node(&M, "a", "http://a:6688", NULL, 5000);
	assert_int_equal(model_overall(&M), STATE_UNKNOWN);
	health(0, 200, JSON_CT, passing_body(), T0);
	/* metrics never requested: DB/RPC unknown do not make the whole unknown */
	assert_int_equal(model_overall(&M), STATE_UP);
	probe_result_t r = result(0, PROBE_METRICS, 401, NULL, "invalid or missing token", T0);
	model_apply(&M, &r);
	assert_int_equal(model_overall(&M), STATE_UNKNOWN);     /* tried and could not see */
	metrics(0, db_body(20, 20, 20, 0), T0 + 5 * SEC);
	metrics(0, db_body(20, 20, 20, 3), T0 + 10 * SEC);
	assert_int_equal(model_overall(&M), STATE_DEGRADED);
	uint64_t gen = M.generation;
	r = result(0, PROBE_DISCOVERY, 200, "application/json", "[]", T0 + 11 * SEC);
	model_apply(&M, &r);                           /* the poller's business */
	assert_int_equal(M.generation, gen);
	r.node = 99;
	r.kind = PROBE_HEALTH;
	model_apply(&M, &r);                           /* no such node: ignored */
	assert_int_equal(M.generation, gen);
}

/* ------------------------------------------------------------ judgements */

static attention_t att(size_t i, int64_t now)
{
	return model_node_attention(&M, i, now);
}

/* Ungrouped nodes: every state's severity, rank order, problem and reason. */
static void test_attention_ungrouped(void **state)
{
	const char *names[] = { "fine", "down", "dbdown", "degraded", "starting", "blind", "unseen", "noseries" };
	for (size_t i = 0; i < 8; i++)
		model_add_node(&M, names[i], "http://n:6688", NULL, 5000);
	int64_t t = T0;
	health(0, 200, JSON_CT, passing_body(), t);
	metrics(0, db_body(20, 5, 1, 0), t);
	failed(1, PROBE_HEALTH, "connection refused", t);
	health(2, 200, JSON_CT, passing_body(), t);
	metrics(2, db_body(20, 0, 0, 0), t);
	health(3, 207, JSON_CT, hbody("A", "passing", "", "B", "failing", "boom", NULL), t);
	health(4, 204, NULL, "", t);
	health(5, 200, JSON_CT, passing_body(), t);
	probe_result_t r = result(5, PROBE_METRICS, 401, NULL, "invalid or missing token", t);
	model_apply(&M, &r);
	/* 6 never polled */
	health(7, 200, JSON_CT, passing_body(), t);     /* /metrics never asked */
	model_tick(&M, t);

	attention_t a = att(0, t);
	assert_int_equal(a.state, STATE_UP);
	assert_int_equal(a.severity, SEV_OK);
	assert_false(a.problem);
	assert_int_equal(a.rank, 0);
	assert_int_equal(a.role, ROLE_NONE);
	assert_string_equal(a.reason, "all 17 checks passing");

	a = att(1, t);
	assert_int_equal(a.state, STATE_DOWN);
	assert_int_equal(a.severity, SEV_CRITICAL);
	assert_true(a.problem);
	assert_int_equal(a.ind, IND_NODE);
	assert_string_equal(a.reason, "connection refused");
	assert_int_equal(a.since_ms, t);

	a = att(2, t);
	assert_int_equal(a.state, STATE_UP);
	assert_int_equal(a.severity, SEV_CRITICAL);
	assert_int_equal(a.ind, IND_DB);
	assert_string_equal(a.reason, "db_conns_open = 0 (max 20)");

	a = att(3, t);
	assert_int_equal(a.severity, SEV_WARNING);
	assert_true(a.problem);
	assert_string_equal(a.reason, "1 failing check: B");
	a = att(4, t);
	assert_int_equal(a.state, STATE_STARTING);
	assert_int_equal(a.severity, SEV_WARNING);
	assert_false(a.waiting);
	a = att(5, t);
	assert_int_equal(a.severity, SEV_UNKNOWN);     /* tried /metrics and could not see */
	assert_true(a.problem);
	assert_int_equal(a.ind, IND_DB);
	assert_string_equal(a.reason, "metrics unavailable: HTTP 401: invalid or missing token - set bearer_token_file (the node's [Prometheus] AuthToken)");
	a = att(6, t);
	assert_int_equal(a.state, STATE_UNKNOWN);
	assert_int_equal(a.severity, SEV_UNKNOWN);
	assert_true(a.problem);
	assert_string_equal(a.reason, "not polled yet");
	a = att(7, t);
	assert_int_equal(a.severity, SEV_OK);          /* no series asked: nothing to judge */
	assert_false(a.problem);

	/* worst first: down > db down > degraded > starting > unknown > fine */
	const size_t order[] = { 1, 2, 3, 4, 5, 0 };
	for (size_t i = 0; i + 1 < sizeof order / sizeof order[0]; i++)
		assert_true(att(order[i], t).rank > att(order[i + 1], t).rank);
	assert_int_equal(att(5, t).rank, att(6, t).rank);

	model_status_t st = model_status(&M, t);
	assert_int_equal(st.severity, SEV_CRITICAL);
	assert_string_equal(st.name, "CRITICAL");
	assert_int_equal(st.overall, STATE_DOWN);
	assert_int_equal(st.nodes, 8);
	assert_int_equal(st.up, 4);
	assert_int_equal(st.degraded, 1);
	assert_int_equal(st.starting, 1);
	assert_int_equal(st.down, 1);
	assert_int_equal(st.unknown, 1);
	assert_int_equal(st.available, 6);
	assert_int_equal(st.problems, 6);
}

/* The exit status steps down as problems go: CRITICAL, WARNING, UNKNOWN, OK. */
static void test_status_severity_order(void **state)
{
	model_status_t st = model_status(&M, T0);
	assert_int_equal(st.severity, SEV_UNKNOWN);    /* no nodes */
	assert_int_equal(st.overall, STATE_UNKNOWN);
	model_add_node(&M, "a", "http://a:6688", NULL, 5000);
	model_add_node(&M, "b", "http://b:6688", NULL, 5000);
	failed(0, PROBE_HEALTH, "connection refused", T0);
	health(1, 204, NULL, "", T0);
	assert_int_equal(model_status(&M, T0).severity, SEV_CRITICAL);
	health(0, 207, JSON_CT, hbody("A", "failing", "x", NULL), T0 + SEC);
	st = model_status(&M, T0 + SEC);
	assert_int_equal(st.severity, SEV_WARNING);
	assert_int_equal(st.overall, STATE_DEGRADED);
	health(0, 200, JSON_CT, passing_body(), T0 + 2 * SEC);
	st = model_status(&M, T0 + 2 * SEC);
	assert_int_equal(st.severity, SEV_WARNING);
	assert_int_equal(st.overall, STATE_STARTING);
	health(1, 200, JSON_CT, passing_body(), T0 + 3 * SEC);
	st = model_status(&M, T0 + 3 * SEC);
	assert_int_equal(st.severity, SEV_OK);
	assert_int_equal(st.overall, STATE_UP);
	assert_int_equal(st.problems, 0);
	/* b goes stale: nodetop cannot see it, which is UNKNOWN, not down */
	health(0, 200, JSON_CT, passing_body(), T0 + 20 * SEC);
	model_tick(&M, T0 + 20 * SEC);
	attention_t a = att(1, T0 + 20 * SEC);
	assert_true(a.stale);
	assert_true(a.problem);
	assert_int_equal(a.state, STATE_UNKNOWN);
	assert_int_equal(a.severity, SEV_UNKNOWN);
	assert_string_equal(a.reason, "stale: last answer 17s ago");
	assert_int_equal(a.since_ms, T0 + 3 * SEC);
	st = model_status(&M, T0 + 20 * SEC);
	assert_int_equal(st.severity, SEV_UNKNOWN);
	assert_int_equal(st.stale, 1);
	assert_int_equal(st.unknown, 1);
	assert_string_equal(severity_name(SEV_OK), "OK");
	assert_string_equal(severity_name(SEV_WARNING), "WARNING");
	assert_string_equal(severity_name(SEV_CRITICAL), "CRITICAL");
	assert_string_equal(severity_name(SEV_UNKNOWN), "UNKNOWN");
}

/* Groups: the standby waiting for the lease is fine; a member down while its
 * pair is up is a WARNING; the pair down is CRITICAL. */
static void test_attention_groups(void **state)
{
	size_t p = model_add_node(&M, "primary", "http://p:6688", "pair", 5000);
	size_t s = model_add_node(&M, "standby", "http://s:6688", "pair", 5000);
	int64_t t = T0;
	health(p, 200, JSON_CT, passing_body(), t);
	health(s, 204, NULL, "", t);
	probe_result_t r = result(s, PROBE_METRICS, 503, NULL, "", t);
	model_apply(&M, &r);                   /* a standby serves no /metrics */
	model_tick(&M, t);
	attention_t a = att(s, t);
	assert_int_equal(a.state, STATE_STARTING);
	assert_true(a.waiting);
	assert_false(a.problem);
	assert_int_equal(a.severity, SEV_OK);
	assert_int_equal(a.rank, 0);
	assert_string_equal(a.reason, "standby waiting for the database lease (HTTP 204)");
	model_status_t st = model_status(&M, t);
	assert_int_equal(st.severity, SEV_OK);
	assert_int_equal(st.starting, 1);
	assert_int_equal(st.problems, 0);
	assert_int_equal(model_group_state(&M, 0, IND_NODE), STATE_UP);

	/* the standby's port refuses (the lease keeps it closed): its normal state */
	failed(s, PROBE_HEALTH, "connection refused", t + SEC);
	a = att(s, t + SEC);
	assert_int_equal(a.state, STATE_STANDBY);
	assert_int_equal(a.role, ROLE_STANDBY);
	assert_int_equal(a.severity, SEV_OK);
	assert_false(a.problem);
	assert_true(a.waiting);
	assert_int_equal(att(p, t + SEC).role, ROLE_ACTIVE);
	st = model_status(&M, t + SEC);
	assert_int_equal(st.severity, SEV_OK);
	assert_int_equal(st.standby, 1);
	assert_int_equal(st.down, 0);

	/* a standby that times out, resets or answers an HTTP error misbehaves: down,
	 * a WARNING while the pair is up (its failover is gone) */
	const char *bad[] = { "timed out after 4000 ms (0 bytes received)", "connection reset while receiving (0 bytes received)" };
	for (size_t i = 0; i < 2; i++) {
		failed(s, PROBE_HEALTH, bad[i], t + SEC);
		a = att(s, t + SEC);
		assert_int_equal(a.state, STATE_DOWN);
		assert_int_equal(a.severity, SEV_WARNING);
		assert_int_equal(a.role, ROLE_NONE);
		assert_true(a.problem);
	}
	health(s, 503, "text/plain", "Service Unavailable", t + SEC);
	assert_int_equal(att(s, t + SEC).state, STATE_DOWN);
	/* ... unless the group says its balancer answers 503 for the standby */
	model_group_options(&M, "pair", 0, GROUP_STANDBY_503);
	health(s, 503, "text/plain", "Service Unavailable", t + SEC);
	a = att(s, t + SEC);
	assert_int_equal(a.state, STATE_STANDBY);
	assert_string_equal(a.reason, "standby: HTTP 503 from the load balancer (standby_answers)");
	health(s, 502, "text/plain", "Bad Gateway", t + SEC);
	assert_int_equal(att(s, t + SEC).state, STATE_DOWN);
	failed(s, PROBE_HEALTH, "timed out after 4000 ms (0 bytes received)", t + SEC);
	st = model_status(&M, t + SEC);
	assert_int_equal(st.severity, SEV_WARNING);
	assert_int_equal(st.overall, STATE_DEGRADED);
	assert_int_equal(st.down, 1);

	/* the primary down, the standby starting: a failover in progress, a WARNING
	 * within the grace (60 s from the primary's last answer), CRITICAL after */
	failed(p, PROBE_HEALTH, "connection refused", t + 2 * SEC);
	health(s, 204, NULL, "", t + 2 * SEC);
	assert_int_equal(model_group_state(&M, 0, IND_NODE), STATE_STARTING);
	a = att(s, t + 2 * SEC);
	assert_false(a.waiting);
	assert_int_equal(a.role, ROLE_ACTIVE);
	assert_int_equal(a.severity, SEV_WARNING);
	assert_int_equal(att(p, t + 2 * SEC).state, STATE_STANDBY);
	assert_int_equal(att(p, t + 2 * SEC).severity, SEV_OK);
	attention_t ga = model_group_attention(&M, 0, t + 2 * SEC);
	assert_int_equal(ga.severity, SEV_WARNING);
	assert_string_equal(ga.reason, "failing over: standby starting, 2s");
	st = model_status(&M, t + 2 * SEC);
	assert_int_equal(st.severity, SEV_WARNING);
	assert_int_equal(st.overall, STATE_STARTING);
	assert_int_equal(model_status(&M, t + 61 * SEC).severity, SEV_CRITICAL);
	assert_int_equal(model_group_attention(&M, 0, t + 61 * SEC).severity, SEV_CRITICAL);

	/* nobody answers: both down, still failing over within the grace */
	failed(s, PROBE_HEALTH, "connection refused", t + 3 * SEC);
	failed(p, PROBE_HEALTH, "connection refused", t + 3 * SEC);
	assert_int_equal(att(p, t + 3 * SEC).state, STATE_DOWN);
	assert_int_equal(att(p, t + 3 * SEC).severity, SEV_WARNING);
	assert_int_equal(att(s, t + 3 * SEC).severity, SEV_WARNING);
	assert_int_equal(model_status(&M, t + 3 * SEC).severity, SEV_WARNING);
	assert_string_equal(model_group_attention(&M, 0, t + 3 * SEC).reason, "failing over: no member answering for 3s");
	assert_int_equal(model_status(&M, t + 70 * SEC).severity, SEV_CRITICAL);
	assert_int_equal(model_group_attention(&M, 0, t + 70 * SEC).severity, SEV_CRITICAL);

	/* a member never polled counts through its group: the pair is up, so OK */
	size_t x = model_add_node(&M, "third", "http://x:6688", "pair", 5000);
	health(p, 200, JSON_CT, passing_body(), t + 4 * SEC);
	health(s, 200, JSON_CT, passing_body(), t + 4 * SEC);
	assert_int_equal(model_status(&M, t + 4 * SEC).severity, SEV_UNKNOWN);  /* the standby's 503 */
	metrics(s, db_body(20, 5, 1, 0), t + 4 * SEC);
	a = att(x, t + 4 * SEC);
	assert_int_equal(a.severity, SEV_UNKNOWN);
	assert_true(a.problem);
	assert_int_equal(model_status(&M, t + 4 * SEC).severity, SEV_OK);
}

/* Two members active at once (both serve /metrics with a growing uptime, neither
 * starting) for longer than two intervals: the lease is not doing its job. */
static void test_two_active(void **state)
{
	size_t p = model_add_node(&M, "primary", "http://p:6688", "pair", 5000);
	size_t s = model_add_node(&M, "standby", "http://s:6688", "pair", 5000);
	char body[64];
	int64_t t = T0;
	assert_int_equal(model_group_two_active(&M, 0), -1);      /* nothing watched yet: not known */
	/* a standby answering 204 while the primary serves is waiting, not active */
	for (int i = 0; i < 6; i++, t += 5 * SEC) {
		snprintf(body, sizeof body, "uptime_seconds %d\n", 100 + 5 * i);
		health(p, 200, JSON_CT, passing_body(), t);
		metrics(p, body, t);
		health(s, 204, NULL, "", t);
		model_tick(&M, t);
	}
	assert_false(M.groups[0].two_active);
	assert_int_equal(model_group_two_active(&M, 0), 0);       /* watched long enough: no */
	assert_int_equal(att(s, t).role, ROLE_STANDBY);
	assert_int_equal(M.groups[0].active, p);
	/* both serving: after two intervals (10 s), one two-active event and a WARNING */
	int64_t both = t;
	for (int i = 0; i < 6; i++, t += 5 * SEC) {
		snprintf(body, sizeof body, "uptime_seconds %d\n", 200 + 5 * i);
		health(p, 200, JSON_CT, passing_body(), t);
		metrics(p, body, t);
		health(s, 200, JSON_CT, passing_body(), t);
		metrics(s, body, t);
		model_tick(&M, t);
		if (t - both <= 2 * 5 * SEC + 5 * SEC)   /* the first scrape has nothing to compare */
			assert_false(M.groups[0].two_active);
	}
	t -= 5 * SEC;
	assert_true(M.groups[0].two_active);
	assert_int_equal(model_group_two_active(&M, 0), 1);
	assert_int_equal(M.groups[0].active, p);                 /* still the one that was active */
	assert_int_equal(count_events(EVENT_FAILOVER, "standby", ""), 0);   /* not a failover */
	const event_t *e = eventlog_get(&M.events, 0);
	size_t n2 = 0;
	for (size_t i = 0; i < M.events.len; i++)
		if (eventlog_get(&M.events, i)->kind == EVENT_TWO_ACTIVE) {
			e = eventlog_get(&M.events, i);
			n2++;
		}
	assert_int_equal(n2, 1);
	assert_int_equal(e->to, STATE_DEGRADED);
	assert_string_equal(e->group, "pair");
	assert_non_null(strstr(e->detail, "primary and standby both active for"));
	assert_int_equal(model_group_state(&M, 0, IND_NODE), STATE_DEGRADED);
	attention_t ga = model_group_attention(&M, 0, t);
	assert_int_equal(ga.severity, SEV_WARNING);
	assert_string_equal(ga.reason, "two active members: the database lease is not keeping them apart");
	assert_int_equal(model_status(&M, t).severity, SEV_WARNING);
	/* the standby's port closes again: over, one event back to up */
	t += 5 * SEC;
	failed(s, PROBE_HEALTH, "connection refused", t);
	failed(s, PROBE_METRICS, "connection refused", t);
	model_tick(&M, t);
	assert_false(M.groups[0].two_active);
	assert_int_equal(att(s, t).state, STATE_STANDBY);
	e = eventlog_get(&M.events, 0);
	for (size_t i = 0; i < M.events.len; i++)
		if (eventlog_get(&M.events, i)->kind == EVENT_TWO_ACTIVE) {
			e = eventlog_get(&M.events, i);
			break;
		}
	assert_int_equal(e->to, STATE_UP);
	assert_int_equal(model_status(&M, t).severity, SEV_OK);
}

/* The standby's refusal arrives before its peer's first answer: not down (it
 * may be the standby), unknown until the peer answers; then standby. Its
 * uptime never holds down time, so its availability is not counted against it. */
static void test_standby_refused_before_peer_answers(void **state)
{
	(void)state;
	size_t p = model_add_node(&M, "primary", "http://a:6688", "pair", 5000);
	size_t s = model_add_node(&M, "standby", "http://b:6688", "pair", 5000);
	failed(s, PROBE_HEALTH, "connection refused", T0);
	model_tick(&M, T0);
	attention_t a = att(s, T0);
	assert_int_equal(a.state, STATE_UNKNOWN);
	assert_int_equal(N(s)->ind[IND_NODE].state, STATE_UNKNOWN);
	assert_non_null(strstr(N(s)->ind[IND_NODE].reason, "standby or down"));
	health(p, 200, JSON_CT, passing_body(), T0 + 100);
	model_tick(&M, T0 + 100);
	assert_int_equal(N(s)->ind[IND_NODE].state, STATE_STANDBY);
	assert_int_equal(att(s, T0 + 100).role, ROLE_STANDBY);
	for (int64_t t = T0 + 5 * SEC; t <= T0 + 10 * MIN; t += 5 * SEC) {
		health(p, 200, JSON_CT, passing_body(), t);
		failed(s, PROBE_HEALTH, "connection refused", t);
		model_tick(&M, t);
	}
	assert_int_equal(N(s)->ind[IND_NODE].state, STATE_STANDBY);
	double pct = -1;
	/* only unknown and standby time: no availability figure, never 0 % */
	assert_false(uptime_percent(&N(s)->ind[IND_NODE].uptime, T0 + 10 * MIN, HOUR, &pct));
	assert_int_equal(count_events(EVENT_NODE, "standby", ""), 1);   /* unknown -> standby, never down */
	for (size_t i = 0; i < M.events.len; i++) {
		const event_t *e = eventlog_get(&M.events, i);
		if (e->kind == EVENT_NODE && strcmp(e->node, "standby") == 0)
			assert_int_not_equal(e->to, STATE_DOWN);
	}
	/* both refuse once the peer has been polled: the group is down, so is each member */
	failed(p, PROBE_HEALTH, "connection refused", T0 + 10 * MIN + 100);
	model_tick(&M, T0 + 10 * MIN + 100);
	assert_int_equal(N(s)->ind[IND_NODE].state, STATE_DOWN);
	assert_int_equal(N(p)->ind[IND_NODE].state, STATE_DOWN);
}

/* Ungrouped nodes: a refused connection is down, as it always was. */
static void test_refused_ungrouped_is_down(void **state)
{
	model_add_node(&M, "solo", "http://x:6688", NULL, 5000);
	failed(0, PROBE_HEALTH, "connection refused", T0);
	attention_t a = att(0, T0);
	assert_int_equal(a.state, STATE_DOWN);
	assert_int_equal(a.severity, SEV_CRITICAL);
	assert_int_equal(a.role, ROLE_NONE);
	assert_int_equal(N(0)->health_error, PROBE_ERR_REFUSED);
	/* a pair with nobody answering: both down, no standby */
	model_add_node(&M, "p", "http://p:6688", "g", 5000);
	model_add_node(&M, "s", "http://s:6688", "g", 5000);
	failed(1, PROBE_HEALTH, "connection refused", T0);
	failed(2, PROBE_HEALTH, "connection refused", T0);
	assert_int_equal(att(1, T0).state, STATE_DOWN);
	assert_int_equal(att(2, T0).state, STATE_DOWN);
	assert_int_equal(model_group_attention(&M, 0, T0).severity, SEV_CRITICAL);   /* never had an active member */
	assert_int_equal(M.groups[0].active, GROUP_NONE);
}

/* Charts get shorter as the fleet grows (their memory is 16 bytes a sample), never longer. */
static void test_fit_rings(void **state)
{
	(void)state;
	model_t m;
	model_init(&m, NULL);
	model_fit_rings(&m, 100);
	assert_int_equal(m.ring_cap, 720);
	model_fit_rings(&m, 101);
	assert_int_equal(m.ring_cap, 240);
	model_fit_rings(&m, MODEL_FLEET_LARGE);
	assert_int_equal(m.ring_cap, 240);
	model_fit_rings(&m, MODEL_FLEET_LARGE + 1);
	assert_int_equal(m.ring_cap, 60);
	model_fit_rings(&m, 3);
	assert_int_equal(m.ring_cap, 60);
	model_free(&m);
}

static void test_eventlog_ring(void **state)
{
	eventlog_t log;
	eventlog_init(&log, 3);
	size_t calls = 0;
	log.on_event = NULL;
	for (int i = 0; i < 5; i++) {
		event_t e;
		memset(&e, 0, sizeof e);
		e.ts_ms = T0 + i * SEC;
		e.kind = EVENT_NODE;
		e.to = i % 2 ? STATE_DOWN : STATE_UP;
		snprintf(e.node, sizeof e.node, "n");
		eventlog_add(&log, &e);
		calls++;
	}
	assert_int_equal(log.len, 3);
	assert_int_equal(log.seq, 5);
	assert_int_equal(eventlog_get(&log, 0)->ts_ms, T0 + 4 * SEC);
	assert_int_equal(eventlog_get(&log, 2)->ts_ms, T0 + 2 * SEC);
	assert_null(eventlog_get(&log, 3));
	assert_int_equal(eventlog_duration(&log, 2, T0 + HOUR), SEC);
	assert_int_equal(eventlog_duration(&log, 0, T0 + 10 * SEC), 6 * SEC);
	assert_int_equal(eventlog_duration(&log, 9, T0), 0);
	assert_string_equal(event_kind_name(EVENT_RESTART), "restart");
	assert_string_equal(event_kind_name(EVENT_ACK), "ack");
	eventlog_free(&log);
	(void)calls;
}

/* ------------------------------------------------------------ cost */

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void noop_sample(void *ud, const prom_sample_t *s)
{
	(*(size_t *)ud)++;
}

/* Not a timed test (the bars are measured by the benchmarks): prints the cost
 * of one /metrics scrape through the model, next to the bare parse. */
static void test_apply_cost(void **state)
{
	size_t len;
	const char *body = fixture("prom/gen-100k.prom", &len);
	model_add_node(&M, "n", "http://n:6688", NULL, 5000);
	health(0, 200, JSON_CT, passing_body(), T0);
	int iters = 300;
	metrics(0, body, T0);
	double t0 = now_us();
	for (int i = 1; i <= iters; i++)
		metrics(0, body, T0 + i * 5 * SEC);
	double per = (now_us() - t0) / iters;
	size_t nsamples = 0;
	prom_handler_t h = { .on_sample = noop_sample, .ud = &nsamples };
	t0 = now_us();
	for (int i = 0; i < iters; i++)
		prom_parse(body, len, &h, NULL);
	double parse = (now_us() - t0) / iters;
	node_t *n = N(0);
	assert_true(n->have_metrics);
	assert_int_equal(n->metrics_series, 987);
	assert_int_equal(n->metrics_bad_lines, 0);
	assert_true(n->nseries > 0);
	print_message("model_apply on %zu bytes (%zu samples, %zu series charted): %.1f us a scrape; "
	              "bare prom_parse: %.1f us\n", len, n->metrics_series, n->nseries, per, parse);
}

/* /health of a node whose checks all pass may be asked less often (settled);
 * a change in health{service_id} of /metrics says when to ask it again. */
static void test_health_settled_and_hint(void **state)
{
	(void)state;
	model_add_node(&M, "primary", "http://10.0.0.1:6688", NULL, 1000);
	assert_false(node_health_settled(N(0)));          /* never polled */
	health(0, 200, JSON_CT, hbody("HeadReporter", "passing", "", "EVM.1.HeadTracker.HeadListener", "passing", "", NULL), T0);
	assert_true(node_health_settled(N(0)));
	assert_int_equal(node_last_answer_ms(N(0)), T0);

	const char *ok = "health{service_id=\"HeadReporter\"} 1\nhealth{service_id=\"EVM.1.HeadTracker.HeadListener\"} 1\n";
	const char *bad = "health{service_id=\"HeadReporter\"} 1\nhealth{service_id=\"EVM.1.HeadTracker.HeadListener\"} 0\n";
	const char *bad_reordered = "health{service_id=\"EVM.1.HeadTracker.HeadListener\"} 0\nhealth{service_id=\"HeadReporter\"} 1\n";
	const char *other_bad = "health{service_id=\"HeadReporter\"} 0\nhealth{service_id=\"EVM.1.HeadTracker.HeadListener\"} 1\n";
	assert_false(metrics(0, ok, T0 + SEC).ask_health);          /* the first scrape: nothing to compare */
	assert_int_equal(N(0)->metrics_polls, 1);
	assert_int_equal(node_last_answer_ms(N(0)), T0 + SEC);
	assert_false(metrics(0, ok, T0 + 2 * SEC).ask_health);      /* unchanged */
	assert_true(metrics(0, bad, T0 + 3 * SEC).ask_health);      /* a check failed */
	assert_false(metrics(0, bad_reordered, T0 + 4 * SEC).ask_health);   /* the same set in another order */
	assert_true(metrics(0, other_bad, T0 + 5 * SEC).ask_health);        /* another check failing instead */
	assert_true(metrics(0, "health{service_id=\"HeadReporter\"} 0\n", T0 + 6 * SEC).ask_health); /* a check gone */
	assert_false(metrics(0, "health{service_id=\"HeadReporter\"} 0\n", T0 + 7 * SEC).ask_health);
	/* a failed scrape asks nothing; a plugin scrape neither */
	probe_result_t fr = result(0, PROBE_METRICS, 0, NULL, "", T0 + 7 * SEC);
	fr.ok = 0;
	fr.error = "connection refused";
	model_next_t nx = model_apply(&M, &fr);
	assert_false(nx.ask_health);
	assert_false(nx.health_answered);
	assert_false(plugin_metrics(0, 200, bad, T0 + 7 * SEC).ask_health);
	assert_int_equal(N(0)->metrics_polls, 8);

	/* failing, unparsable, down or starting: not settled; model_apply says so */
	nx = health(0, 207, JSON_CT, hbody("HeadReporter", "failing", "no heads", NULL), T0 + 7 * SEC);
	assert_true(nx.health_answered);
	assert_false(nx.health_settled);
	assert_false(nx.ask_health);
	assert_false(node_health_settled(N(0)));
	health(0, 200, JSON_CT, "{not json", T0 + 8 * SEC);
	assert_false(node_health_settled(N(0)));
	failed(0, PROBE_HEALTH, "connection refused", T0 + 9 * SEC);
	assert_false(node_health_settled(N(0)));
	health(0, 204, NULL, "", T0 + 10 * SEC);
	assert_false(node_health_settled(N(0)));
	nx = health(0, 200, JSON_CT, hbody("HeadReporter", "passing", "", NULL), T0 + 11 * SEC);
	assert_true(nx.health_answered && nx.health_settled);
	assert_true(node_health_settled(N(0)));
	/* a result for a node that is not there: nothing to do */
	fr.node = 5;
	nx = model_apply(&M, &fr);
	assert_false(nx.health_answered || nx.health_settled || nx.ask_health);
}

/* The bell rings for a node, database or RPC indicator getting worse from a
 * known state into degraded or down; any of their transitions sets the title. */
static void test_event_rings(void **state)
{
	(void)state;
	event_t e;
	memset(&e, 0, sizeof e);
	e.kind = EVENT_NODE;
	e.from = STATE_UP;
	e.to = STATE_DOWN;
	assert_true(model_event_is_transition(&e));
	assert_true(model_event_rings(&e));
	e.to = STATE_DEGRADED;
	assert_true(model_event_rings(&e));
	e.kind = EVENT_DB;
	assert_true(model_event_rings(&e));
	e.kind = EVENT_RPC;
	e.from = STATE_STARTING;
	assert_true(model_event_rings(&e));
	/* better, or unchanged: a title, no bell */
	e.from = STATE_DOWN;
	e.to = STATE_UP;
	assert_true(model_event_is_transition(&e));
	assert_false(model_event_rings(&e));
	e.from = STATE_DOWN;
	e.to = STATE_DEGRADED;
	assert_false(model_event_rings(&e));
	e.to = STATE_DOWN;
	assert_false(model_event_is_transition(&e));
	assert_false(model_event_rings(&e));
	/* from unknown (nodetop's start, blindness): nothing rings */
	e.from = STATE_UNKNOWN;
	assert_true(model_event_is_transition(&e));
	assert_false(model_event_rings(&e));
	/* other kinds neither ring nor set the title */
	e.kind = EVENT_RULE;
	e.from = STATE_UP;
	assert_false(model_event_is_transition(&e));
	assert_false(model_event_rings(&e));
	e.kind = EVENT_NOTIFY;
	assert_false(model_event_rings(&e));
	assert_false(model_event_is_transition(NULL));
	assert_false(model_event_rings(NULL));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_health_200_all_passing),
		T(test_health_207_failing),
		T(test_health_same_document),
		T(test_health_pre29_and_text),
		T(test_health_204_starting),
		T(test_health_settled_and_hint),
		T(test_health_http_errors),
		T(test_health_timeout_garbage_html),
		T(test_check_since_and_events),
		T(test_db_rules),
		T(test_rpc_alive_rules),
		T(test_rpc_head_stall),
		T(test_rpc_headlistener),
		T(test_rpc_plugin_scrapes),
		T(test_restarts_and_version),
		T(test_series_and_rates),
		T(test_rate_smoothing),
		T(test_health_same_body),
		T(test_custom_charts),
		T(test_groups),
		T(test_staleness),
		T(test_tick_gap_is_unknown),
		T(test_ack),
		T(test_remove_node),
		T(test_move_node),
		T(test_overall_and_discovery),
		T(test_attention_ungrouped),
		T(test_status_severity_order),
		T(test_attention_groups),
		T(test_two_active),
		T(test_standby_refused_before_peer_answers),
		T(test_refused_ungrouped_is_down),
		T(test_fit_rings),
		T(test_eventlog_ring),
		T(test_apply_cost),
		T(test_event_rings),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
