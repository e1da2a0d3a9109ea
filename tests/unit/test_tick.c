/* test_tick.c - unit tests of model_tick's lazy judging: a model that judges a node only when
 * its inputs changed or a time came shows exactly what one judging every node every tick shows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <math.h>

#include "model.h"
#include "testutil.h"

#define SEC 1000LL

static char *passing, *failing;

static int setup(void **state)
{
	(void)state;
	passing = tu_slurp("chainlink/health-all-passing.json", NULL);
	failing = tu_slurp("chainlink/health-failing.json", NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(passing);
	free(failing);
	return 0;
}

/* xorshift64: the same scenario on every run */
static uint64_t rnd_state;
static unsigned rnd(unsigned n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (unsigned)(rnd_state % n);
}

/* Feeds both models the same thing. */
static void feed_both(model_t *a, model_t *b, size_t node, probe_kind_t kind, long status, const char *ct,
                      const char *body, int64_t t)
{
	tu_feed(a, node, kind, status, ct, body, body ? strlen(body) : 0, t);
	tu_feed(b, node, kind, status, ct, body, body ? strlen(body) : 0, t);
}

static void error_both(model_t *a, model_t *b, size_t node, probe_kind_t kind, const char *err, int64_t t)
{
	tu_feed_error(a, node, kind, err, t);
	tu_feed_error(b, node, kind, err, t);
}

static void assert_ind_same(const indicator_t *x, const indicator_t *y, int64_t now, const char *what)
{
	if (x->state != y->state || x->since_ms != y->since_ms || x->since_seen != y->since_seen ||
	    strcmp(x->reason, y->reason) != 0)
		fail_msg("%s at +%lld ms: lazy %s since %lld (%d) \"%s\", every tick %s since %lld (%d) \"%s\"", what,
		         (long long)(now - TU_T0), state_name(x->state), (long long)x->since_ms, x->since_seen, x->reason,
		         state_name(y->state), (long long)y->since_ms, y->since_seen, y->reason);
	static const int64_t windows[] = { 3600 * SEC, 86400 * SEC };   /* the views' */
	for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
		double px = -1, py = -1;
		bool kx = uptime_percent(&x->uptime, now, windows[w], &px);
		bool ky = uptime_percent(&y->uptime, now, windows[w], &py);
		/* the same to a thousandth of a point (2 decimals are shown): a window's first and
		 * last minutes are counted in proportion to their part in it, and a lazy model's
		 * last seconds (at most MODEL_ACCRUE_MS), not yet accrued, exactly */
		int64_t ox = uptime_observed_ms(&x->uptime, now, windows[w]), oy = uptime_observed_ms(&y->uptime, now, windows[w]);
		if (kx != ky || fabs(px - py) > 1e-3 || llabs(ox - oy) > 100)
			fail_msg("%s at +%lld ms: uptime over %lld s: lazy %d %.9f (%lld ms seen), every tick %d %.9f (%lld ms)",
			         what, (long long)(now - TU_T0), (long long)(windows[w] / SEC), kx, px, (long long)ox, ky, py,
			         (long long)oy);
	}
	state_t hx[30], hy[30];
	uptime_history(&x->uptime, now, 60 * SEC, hx, 30);
	uptime_history(&y->uptime, now, 60 * SEC, hy, 30);
	assert_memory_equal(hx, hy, sizeof hx);
}

/* Everything a view reads of the nodes, the groups, the events and the status. */
static void assert_models_same(const model_t *a, const model_t *b, int64_t now)
{
	assert_int_equal(a->nnodes, b->nnodes);
	char what[96];
	for (size_t i = 0; i < a->nnodes; i++) {
		const node_t *x = &a->nodes[i], *y = &b->nodes[i];
		for (int k = 0; k < IND__COUNT; k++) {
			snprintf(what, sizeof what, "node %s, %s", x->name, indicator_name((indicator_id_t)k));
			assert_ind_same(&x->ind[k], &y->ind[k], now, what);
		}
		assert_int_equal(x->acked, y->acked);
		assert_int_equal(x->nchains, y->nchains);
		for (size_t c = 0; c < x->nchains; c++) {
			assert_int_equal(x->chains[c].state, y->chains[c].state);
			assert_string_equal(x->chains[c].reason, y->chains[c].reason);
		}
		attention_t ax = model_node_attention(a, i, now), ay = model_node_attention(b, i, now);
		assert_int_equal(ax.severity, ay.severity);
		assert_int_equal(ax.rank, ay.rank);
		assert_int_equal(ax.role, ay.role);
		assert_string_equal(ax.reason, ay.reason);
	}
	for (size_t g = 0; g < a->ngroups; g++)
		for (int k = 0; k < IND__COUNT; k++) {
			snprintf(what, sizeof what, "group %s, %s", a->groups[g].name, indicator_name((indicator_id_t)k));
			assert_ind_same(&a->groups[g].ind[k], &b->groups[g].ind[k], now, what);
		}
	model_status_t sa = model_status(a, now), sb = model_status(b, now);
	assert_int_equal(sa.severity, sb.severity);
	assert_int_equal(sa.overall, sb.overall);
	assert_int_equal(sa.up, sb.up);
	assert_int_equal(sa.stale, sb.stale);
	assert_int_equal(sa.problems, sb.problems);
	assert_int_equal(a->events.seq, b->events.seq);
	for (size_t e = 0; e < a->events.len; e++) {
		const event_t *x = eventlog_get(&a->events, e), *y = eventlog_get(&b->events, e);
		assert_int_equal(x->ts_ms, y->ts_ms);
		assert_int_equal(x->kind, y->kind);
		assert_int_equal(x->from, y->from);
		assert_int_equal(x->to, y->to);
		assert_string_equal(x->node, y->node);
		assert_string_equal(x->detail, y->detail);
	}
	assert_int_equal(a->generation, b->generation);
}

static const char *head_metrics(double head)
{
	static char buf[512];
	snprintf(buf, sizeof buf,
	         "head_tracker_current_head{evmChainID=\"1\"} %.0f\n"
	         "multi_node_states{network=\"EVM\",chainId=\"1\",state=\"Alive\"} 2\n"
	         "db_conns_max 10\ndb_conns_open 3\ndb_conns_used 1\n", head);
	return buf;
}

/* Runs one seeded scenario of ticks, answers, failures, pauses and acks through a model
 * that judges lazily (a) and one whose every node is touched before each tick (b). */
static void run_scenario(uint64_t seed)
{
	rnd_state = seed;
	model_t a, b;
	model_init(&a, NULL);
	model_init(&b, NULL);
	static const char *const names[] = { "fast", "slow", "rare", "minute", "pair-a", "pair-b" };
	static const int64_t iv[] = { 1 * SEC, 5 * SEC, 15 * SEC, 60 * SEC, 5 * SEC, 5 * SEC };
	size_t nn = sizeof names / sizeof names[0];
	double head[6] = { 100, 200, 300, 400, 500, 600 };
	for (size_t i = 0; i < nn; i++) {
		const char *group = i >= 4 ? "pair" : NULL;
		tu_add_node(&a, names[i], group, iv[i]);
		tu_add_node(&b, names[i], group, iv[i]);
	}
	a.head_stall_ms = b.head_stall_ms = 20 * SEC;
	int64_t t = TU_T0;
	size_t lazy = 0;   /* ticks at which a node of a was due later: judgements left out */
	for (int step = 0; step < 1500; step++) {
		/* a tick a second, now and then a pause (stale nodes, a gap in the uptime) */
		unsigned p = rnd(1000);
		t += p < 5 ? (int64_t)(30 + rnd(60)) * SEC : p < 30 ? 2 * SEC + rnd(500) : SEC + rnd(40) - 20;
		if (rnd(400) == 0)   /* the stall limit changed (a reloaded config) */
			a.head_stall_ms = b.head_stall_ms = (int64_t)(10 + rnd(30)) * SEC;
		for (size_t i = 0; i < nn; i++) {
			if (rnd((unsigned)(iv[i] / SEC) * 2) != 0)
				continue;   /* about every other interval: answers come late, and go missing */
			int64_t at = t - rnd(900);
			switch (rnd(12)) {
			case 0: case 1: case 2: case 3:
				feed_both(&a, &b, i, PROBE_HEALTH, 200, TU_JSON_CT, passing, at);
				break;
			case 4:
				feed_both(&a, &b, i, PROBE_HEALTH, 207, TU_JSON_CT, failing, at);
				break;
			case 5:
				feed_both(&a, &b, i, PROBE_HEALTH, 204, NULL, "", at);
				break;
			case 6:
				error_both(&a, &b, i, PROBE_HEALTH, "connection refused", at);
				break;
			case 7: case 8: case 9:
				if (rnd(3) != 0)   /* else the head stays: stuck after the stall limit */
					head[i] += 1 + rnd(3);
				feed_both(&a, &b, i, PROBE_METRICS, 200, TU_PROM_CT, head_metrics(head[i]), at);
				break;
			case 10:
				error_both(&a, &b, i, PROBE_METRICS, "operation timed out after 4000 ms", at);
				break;
			default:
				if (rnd(4) == 0) {
					model_ack(&a, i, "looking", at);
					model_ack(&b, i, "looking", at);
				}
				break;
			}
		}
		for (size_t i = 0; i < nn; i++)
			model_node_touch(&b, i);
		for (size_t i = 0; i < nn; i++)
			lazy += a.nodes[i].judge_due_ms > t;
		model_tick(&a, t);
		model_tick(&b, t);
		assert_models_same(&a, &b, t);
	}
	/* the lazy model did leave judgements out: otherwise this test proves nothing */
	assert_true(lazy > 500);
	model_free(&a);
	model_free(&b);
}

static void test_lazy_tick_shows_what_every_tick_shows(void **state)
{
	(void)state;
	static const uint64_t seeds[] = { 0x9e3779b97f4a7c15u, 0x2545f4914f6cdd1du, 12345, 777, 31337, 4242 };
	for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++)
		run_scenario(seeds[s]);
}

/* A node with nothing new is due again when it would turn stale, and judged then: the
 * tick between leaves it be, the tick at that time finds it stale. */
static void test_idle_node_due_when_stale(void **state)
{
	(void)state;
	model_t m;
	model_init(&m, NULL);
	tu_add_node(&m, "n", NULL, 5 * SEC);
	tu_feed(&m, 0, PROBE_HEALTH, 200, TU_JSON_CT, passing, strlen(passing), TU_T0);
	tu_feed(&m, 0, PROBE_METRICS, 200, TU_PROM_CT, head_metrics(7), strlen(head_metrics(7)), TU_T0);
	model_tick(&m, TU_T0 + SEC);
	assert_int_equal(m.nodes[0].judge_due_ms, TU_T0 + 3 * 5 * SEC + 1);
	uint64_t gen = m.generation;
	model_tick(&m, TU_T0 + 15 * SEC);
	assert_int_equal(m.generation, gen);
	assert_int_equal(m.nodes[0].ind[IND_NODE].state, STATE_UP);
	model_tick(&m, TU_T0 + 15 * SEC + 1);
	assert_int_equal(m.nodes[0].ind[IND_NODE].state, STATE_UNKNOWN);
	assert_string_equal(m.nodes[0].ind[IND_NODE].reason, "no data for 15s (stale)");
	/* stale: a duration is on show, so every tick judges it */
	assert_int_equal(m.nodes[0].judge_due_ms, 0);
	model_tick(&m, TU_T0 + 16 * SEC + 1);
	assert_string_equal(m.nodes[0].ind[IND_NODE].reason, "no data for 16s (stale)");
	model_free(&m);
}

/* A head that stops moving: the node is due when the stall limit passes, and its RPC is
 * down at that tick, with the duration growing at every tick after. */
static void test_idle_node_due_when_head_stalls(void **state)
{
	(void)state;
	model_t m;
	model_init(&m, NULL);
	m.head_stall_ms = 20 * SEC;
	tu_add_node(&m, "n", NULL, 60 * SEC);
	tu_feed(&m, 0, PROBE_HEALTH, 200, TU_JSON_CT, passing, strlen(passing), TU_T0);
	tu_feed(&m, 0, PROBE_METRICS, 200, TU_PROM_CT, head_metrics(7), strlen(head_metrics(7)), TU_T0);
	model_tick(&m, TU_T0 + SEC);
	assert_int_equal(m.nodes[0].judge_due_ms, TU_T0 + 20 * SEC + 1);
	model_tick(&m, TU_T0 + 20 * SEC);
	assert_int_equal(m.nodes[0].ind[IND_RPC].state, STATE_UP);
	model_tick(&m, TU_T0 + 21 * SEC);
	assert_int_equal(m.nodes[0].ind[IND_RPC].state, STATE_DOWN);
	tu_assert_contains(m.nodes[0].ind[IND_RPC].reason, "head stuck at 7 for 21s");
	model_tick(&m, TU_T0 + 22 * SEC);
	tu_assert_contains(m.nodes[0].ind[IND_RPC].reason, "head stuck at 7 for 22s");
	model_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lazy_tick_shows_what_every_tick_shows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_node_due_when_stale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_node_due_when_head_stalls, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
