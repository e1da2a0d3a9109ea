/* test_model_hist.c - what the stored history takes from the model and gives
 * back (model_hist.c): every indicator by name and key, restored minutes, 7d/30d in JSON. */
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
#include "settings.h"
#include "strbuf.h"
#include "testutil.h"
#include "xalloc.h"

#define T0 TU_T0
#define MIN_MS 60000

static const char METRICS_OK[] =
	"db_conns_max 20\n"
	"db_conns_open 5\n"
	"db_conns_used 2\n"
	"db_wait_count 0\n"
	"multi_node_states{network=\"EVM\",chainId=\"1\",state=\"Alive\"} 2\n"
	"multi_node_states{network=\"EVM\",chainId=\"10\",state=\"Alive\"} 0\n"
	"multi_node_states{network=\"EVM\",chainId=\"10\",state=\"Unreachable\"} 2\n"
	"head_tracker_current_head{evmChainID=\"1\"} 123456\n"
	"head_tracker_current_head{evmChainID=\"10\"} 999\n"
	"uptime_seconds 3600\n";

typedef struct seen {
	char lines[32][96];
	int n;
	int with_ind;
} seen_t;

static void collect(void *ud, const char *name, const char *key, state_t st, indicator_t *ind,
                    model_hist_ref_t *ref)
{
	(void)ref;
	seen_t *s = ud;
	if (s->n < 32)
		snprintf(s->lines[s->n++], sizeof s->lines[0], "%s %s %s", name, key, state_name(st));
	if (ind)
		s->with_ind++;
}

static bool has(const seen_t *s, const char *line)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->lines[i], line) == 0)
			return true;
	return false;
}

/* Every indicator of every node, chain and group, with the state its uptime accrues. */
static void test_each_indicator(void **state)
{
	(void)state;
	model_t m;
	model_init(&m, NULL);
	model_add_node(&m, "alpha", "http://a", "pair", 5000);
	model_add_node(&m, "bravo", "http://b", "pair", 5000);
	char *health = tu_slurp("chainlink/health-all-passing.json", NULL);
	tu_feed(&m, 0, PROBE_HEALTH, 200, TU_JSON_CT, health, strlen(health), T0);
	tu_feed(&m, 0, PROBE_METRICS, 200, TU_PROM_CT, METRICS_OK, strlen(METRICS_OK), T0);
	model_tick(&m, T0 + 1000);
	seen_t s = { .n = 0 };
	model_each_indicator(&m, collect, &s);
	assert_true(has(&s, "alpha node up"));
	assert_true(has(&s, "alpha db up"));
	assert_true(has(&s, "alpha rpc:1 up"));
	assert_true(has(&s, "alpha rpc:10 down"));      /* a chain: its own state */
	assert_true(has(&s, "bravo node unknown"));      /* not polled yet */
	assert_true(has(&s, "pair node up"));            /* the group, under its name */
	assert_int_equal(s.n, 3 + 2 + 3 + 3);            /* alpha 3 + 2 chains, bravo 3, pair 3 */
	assert_int_equal(s.with_ind, 9);                 /* chains have no indicator_t */
	assert_ptr_equal(model_find_indicator(&m, "bravo", "db"), &m.nodes[1].ind[IND_DB]);
	assert_ptr_equal(model_find_indicator(&m, "pair", "rpc"), &m.groups[0].ind[IND_RPC]);
	assert_null(model_find_indicator(&m, "alpha", "rpc:1"));
	assert_null(model_find_indicator(&m, "nobody", "node"));
	free(health);
	model_free(&m);
}

/* Restored minutes make the 1 h / 24 h figures; a minute nobody watched is left
 * out (not up, not down); live time adds to the restarted minute. */
static void test_restore_minutes(void **state)
{
	(void)state;
	model_t m;
	model_init(&m, NULL);
	model_add_node(&m, "alpha", "http://a", NULL, 5000);
	indicator_t *ind = &m.nodes[0].ind[IND_DB];
	int64_t now = T0 + 30 * MIN_MS;
	int64_t first = buckets_index(BUCKET_MINUTE, now) - 10;
	bucket_t b[10];
	memset(b, 0, sizeof b);
	for (int i = 0; i < 3; i++)
		b[i].ms[HS_UP] = MIN_MS;                 /* 3 minutes up */
	b[3].ms[HS_DOWN] = MIN_MS;                   /* 1 minute down */
	/* minutes 4..9: not watched (nodetop was not running) */
	model_restore_minutes(ind, first, 10, b);
	double p;
	assert_true(uptime_percent(&ind->uptime, now, 3600000, &p));
	assert_float_equal(p, 75.0, 1e-9);
	state_t bar[10];
	uptime_history(&ind->uptime, now, MIN_MS, bar, 10);
	assert_int_equal(bar[0], STATE_UP);
	assert_int_equal(bar[3], STATE_DOWN);
	assert_int_equal(bar[4], STATE_UNKNOWN);     /* drawn as not seen, never as up */
	assert_int_equal(bar[9], STATE_UNKNOWN);
	/* standby and unknown time are kept, and not counted */
	bucket_t sb = { { 0 }, 0, 0 };
	sb.ms[HS_STANDBY] = 20000;
	sb.ms[HS_UNKNOWN] = 40000;
	model_restore_minutes(ind, first + 5, 1, &sb);
	assert_true(uptime_percent(&ind->uptime, now, 3600000, &p));
	assert_float_equal(p, 75.0, 1e-9);
	assert_int_equal(uptime_bucket_state(&ind->uptime, first + 5), STATE_STANDBY);
	model_free(&m);
}

/* uptime_percent of JSON: "7d" and "30d" beside 1h and 24h, null while unknown. */
static void test_json_long(void **state)
{
	(void)state;
	model_t m;
	model_init(&m, NULL);
	model_add_node(&m, "alpha", "http://a", NULL, 5000);
	m.nodes[0].ind[IND_DB].long_known[MODEL_LONG_7D] = true;
	m.nodes[0].ind[IND_DB].long_pct[MODEL_LONG_7D] = 99.5;
	strbuf_t out = STRBUF_INIT;
	report_json(&out, &m, T0);
	cJSON *root = cJSON_Parse(out.data);
	assert_non_null(root);
	cJSON *n = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "nodes"), 0);
	cJSON *up = cJSON_GetObjectItem(cJSON_GetObjectItem(n, "database"), "uptime_percent");
	assert_non_null(up);
	assert_float_equal(cJSON_GetObjectItem(up, "7d")->valuedouble, 99.5, 1e-9);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(up, "30d")));
	up = cJSON_GetObjectItem(cJSON_GetObjectItem(n, "rpc"), "uptime_percent");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(up, "7d")));
	cJSON_Delete(root);
	strbuf_free(&out);
	model_free(&m);
}

/* [defaults] history = PATH (relative to the file) or off. */
static void test_settings_history(void **state)
{
	(void)state;
	char err[256];
	settings_t s;
	settings_init(&s);
	assert_null(s.history);
	assert_false(s.history_off);
	assert_int_equal(settings_load_string(&s, "n.conf", "[defaults]\nhistory = /var/lib/x/h.db\n", err, sizeof err), 0);
	assert_string_equal(s.history, "/var/lib/x/h.db");
	assert_false(s.history_off);
	settings_free(&s);
	settings_init(&s);
	assert_int_equal(settings_load_string(&s, "n.conf", "[defaults]\nhistory = off\n", err, sizeof err), 0);
	assert_null(s.history);
	assert_true(s.history_off);
	settings_free(&s);
	settings_init(&s);
	assert_int_equal(settings_load_string(&s, "n.conf", "[defaults]\nhistory = state/h.db\n", err, sizeof err), 0);
	assert_non_null(s.history);
	assert_true(s.history[0] == '/' || strcmp(s.history, "state/h.db") == 0);
	assert_non_null(strstr(s.history, "state/h.db"));
	settings_free(&s);
	settings_init(&s);
	assert_int_not_equal(settings_load_string(&s, "n.conf", "[node a]\nurl = http://a\nhistory = off\n", err,
	                                          sizeof err), 0);   /* a program setting, not a node's */
	settings_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_indicator),
		cmocka_unit_test(test_restore_minutes),
		cmocka_unit_test(test_json_long),
		cmocka_unit_test(test_settings_history),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
