/* test_rpc.c - the [rpc NAME] endpoints without I/O: the config section and its errors, each
 * endpoint's judgement in the model, a node's RPC indicator with the direct view, the JSON. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <cmocka.h>

#include "model.h"
#include "model_rpc.h"
#include "report.h"
#include "settings.h"
#include "strbuf.h"
#include "testutil.h"

#define SEC 1000

/* ---------------------------------------------------------------- settings */

static void load_ok(settings_t *s, const char *text)
{
	char err[512] = "";
	settings_init(s);
	if (settings_load_string(s, "nodetop.conf", text, err, sizeof err) != 0)
		fail_msg("config:\n%s\nunexpected error: %s", text, err);
}

static void load_err(const char *text, const char *want)
{
	settings_t s;
	char err[512] = "";
	settings_init(&s);
	assert_int_equal(settings_load_string(&s, "nodetop.conf", text, err, sizeof err), -1);
	if (!strstr(err, want))
		fail_msg("config:\n%s\nerror '%s' lacks '%s'", text, err, want);
	if (strstr(err, "SECRET"))
		fail_msg("the error shows a secret: %s", err);
	settings_free(&s);
}

static void test_settings_rpc(void **state)
{
	(void)state;
	settings_t s;
	setenv("NT_TEST_RPC_TOKEN", "tok-SECRET-1234", 1);
	load_ok(&s, "[defaults]\nhead_stall = 60s\n"
	            "[node a]\nurl = http://a\n[node b]\nurl = http://b\n"
	            "[rpc main]\nurl = https://eth.example.com/v2/SECRETKEY\nws_url = wss://eth.example.com/ws/SECRETKEY\n"
	            "chain = 0x1\ninterval = 2s\ntimeout = 1s\nlag_blocks = 3\nslow = 500ms\nnodes = b\n"
	            "header = X-Api-Key: SECRETHDR\nbearer_token_env = NT_TEST_RPC_TOKEN\ninsecure = true\n"
	            "[rpc ws]\nurl = ws://127.0.0.1:8546\nchain = 137\nhead_stall = 30s\n");
	assert_int_equal(s.nrpc, 2);
	const rpc_cfg_t *c = &s.rpc[0];
	assert_string_equal(c->name, "main");
	assert_string_equal(c->url, "https://eth.example.com/v2/SECRETKEY");
	assert_string_equal(c->ws_url, "wss://eth.example.com/ws/SECRETKEY");
	assert_true(c->chain == 1);
	assert_int_equal(c->interval_ms, 2000);
	assert_int_equal(c->timeout_ms, 1000);
	assert_int_equal(c->lag_blocks, 3);
	assert_int_equal(c->slow_ms, 500);
	assert_int_equal(c->head_stall_ms, 60000);   /* [defaults] head_stall */
	assert_int_equal(c->nnodes, 1);
	assert_string_equal(c->nodes[0], "b");
	assert_int_equal(c->http.nheaders, 1);
	assert_string_equal(c->http.bearer_token, "tok-SECRET-1234");
	assert_true(c->http.insecure);
	c = &s.rpc[1];
	assert_null(c->ws_url);
	assert_true(c->chain == 137);
	assert_int_equal(c->interval_ms, 5000);      /* defaults */
	assert_int_equal(c->timeout_ms, 5000);
	assert_int_equal(c->lag_blocks, 5);
	assert_int_equal(c->head_stall_ms, 30000);
	assert_int_equal(c->nnodes, 0);
	/* the insecure warning names the section, never the URL */
	bool warned = false;
	for (size_t i = 0; i < s.nwarnings; i++)
		if (strstr(s.warnings[i], "rpc main: TLS verification disabled"))
			warned = true;
	assert_true(warned);
	settings_free(&s);
	unsetenv("NT_TEST_RPC_TOKEN");
}

static void test_settings_rpc_errors(void **state)
{
	(void)state;
	load_err("[rpc x]\nchain = 1\n", "nodetop.conf:1: [rpc x] has no url");
	load_err("[rpc x]\nurl = http://h/SECRET\n", "nodetop.conf:1: [rpc x] has no chain");
	load_err("[rpc x]\nurl = gopher://h:1/SECRET\nchain = 1\n",
	         "nodetop.conf:2: url 'gopher://h:1/…' must start with http://, https://, ws:// or wss://");
	load_err("[rpc x]\nurl = http://user:SECRET@h/\nchain = 1\n", "nodetop.conf:2: url must not contain a user name");
	load_err("[rpc x]\nurl = http://h:99999/SECRET\nchain = 1\n", "nodetop.conf:2: url 'http://h:99999/…' has a bad host or port");
	load_err("[rpc x]\nurl = http://h/SE CRET\nchain = 1\n", "nodetop.conf:2: url 'http://h/…' contains spaces");
	load_err("[rpc x]\nurl = http://h\nchain = 0\n", "nodetop.conf:3: bad chain id '0' for 'chain'");
	load_err("[rpc x]\nurl = http://h\nchain = -1\n", "nodetop.conf:3: bad chain id '-1'");
	load_err("[rpc x]\nurl = http://h\nchain = 0x20000000000000\n", "nodetop.conf:3: bad chain id");
	load_err("[rpc x]\nurl = ws://h/SECRET\nws_url = ws://h/SECRET\nchain = 1\n",
	         "nodetop.conf:3: [rpc x]: ws_url goes beside an http(s) url");
	load_err("[rpc x]\nurl = http://h\nws_url = http://h/SECRET\nchain = 1\n",
	         "nodetop.conf:3: [rpc x]: ws_url must start with ws:// or wss://");
	load_err("[rpc x]\nurl = http://h\nchain = 1\ninterval = 1s\ntimeout = 2s\n",
	         "nodetop.conf:5: [rpc x]: timeout is longer than interval");
	load_err("[rpc x]\nurl = http://h\nchain = 1\nlag_blocks = many\n", "nodetop.conf:4: bad count 'many' for 'lag_blocks'");
	load_err("[rpc x]\nurl = http://h\nchain = 1\nnodes = ghost\n", "nodetop.conf:4: [rpc x]: no [node ghost]");
	load_err("[rpc x]\nurl = http://h\nchain = 1\nurl = http://h\n", "nodetop.conf:4: duplicate key 'url' in [rpc x]");
	load_err("[rpc x]\nurl = http://h\nchain = 1\n[rpc x]\n", "nodetop.conf:4: duplicate rpc 'x'");
	load_err("[rpc]\n", "section [rpc] needs a name");
	load_err("[rpc x]\nurl = http://h\nchain = 1\ngroup = g\n", "nodetop.conf:4: unknown key 'group' in [rpc x]");
	load_err("[rpc x]\nurl = http://h\nchain = 1\nheader = Authorization: Bearer SECRETX\n"
	         "bearer_token_env = HOME\n", "[rpc x] has both a bearer token and an Authorization header");
}

/* ---------------------------------------------------------------- the model */


/* A node up with chain 1 at head h (2 RPC nodes alive). */
static void node_up(model_t *m, size_t i, double h, int64_t t)
{
	char prom[512];
	snprintf(prom, sizeof prom,
	         "head_tracker_current_head{evmChainID=\"1\"} %.0f\n"
	         "multi_node_states{network=\"EVM\",chainId=\"1\",state=\"Alive\"} 2\n"
	         "db_conns_max 20\ndb_conns_open 4\ndb_conns_used 1\ndb_wait_count 0\n", h);
	size_t hl;
	char *health = tu_slurp("chainlink/health-all-passing.json", &hl);
	tu_feed(m, i, PROBE_HEALTH, 200, TU_JSON_CT, health, hl, t);
	free(health);
	tu_feed(m, i, PROBE_METRICS, 200, TU_PROM_CT, prom, strlen(prom), t);
}

/* An endpoint that answered at t with head h on chain id. */
static rpc_obs_t obs_ok(uint64_t chain, uint64_t h, int64_t t)
{
	rpc_obs_t o;
	memset(&o, 0, sizeof o);
	o.has_http = o.http_done = o.http_ok = true;
	o.st.chain_id = chain;
	o.st.head = h;
	o.st.syncing = JSONRPC_SYNC_NO;
	snprintf(o.st.client, sizeof o.st.client, "anvil/v1");
	o.latency_ms = 3;
	o.head_rise_ms = t;
	o.batches = 1;
	return o;
}

static size_t add_ep(model_t *m, const char *name, uint64_t chain, char *const *nodes, size_t nnodes)
{
	rpcjudge_cfg_t jc;
	rpcjudge_defaults(&jc);
	jc.chain = chain;
	jc.lag_blocks = 5;
	return model_rpc_add(m, name, "https://h/…", "", &jc, nodes, nnodes);
}

static void test_model_direct_view(void **state)
{
	(void)state;
	model_t m;
	int64_t t = TU_T0;
	model_init(&m, NULL);
	model_add_node(&m, "alpha", "http://a", NULL, 5000);
	size_t a = add_ep(&m, "prov-a", 1, NULL, 0), b = add_ep(&m, "prov-b", 1, NULL, 0);
	node_up(&m, 0, 1000, t);
	model_tick(&m, t);
	/* not probed yet: the node's own view stands */
	assert_int_equal(m.nodes[0].ind[IND_RPC].state, STATE_UP);
	assert_non_null(strstr(m.nodes[0].ind[IND_RPC].reason, "direct: chain 1: 2 endpoints not probed yet"));

	rpc_obs_t o = obs_ok(1, 1002, t);
	model_rpc_apply(&m, a, &o, t);
	o = obs_ok(1, 1001, t);
	model_rpc_apply(&m, b, &o, t);
	model_tick(&m, t);
	assert_int_equal(model_rpc_get(&m, a)->out.state, STATE_UP);
	assert_true(model_rpc_get(&m, b)->out.lag == 1);
	assert_true(model_rpc_best_head(&m, "1") == 1002);
	assert_string_equal(m.nodes[0].ind[IND_RPC].reason,
	                    "node: 2/2 RPC nodes Alive, head 1000 on chain 1; "
	                    "direct: chain 1: 2/2 endpoints up, node head 1000, best RPC head 1002");

	/* the providers run ahead of the node: it is falling behind its own providers */
	o = obs_ok(1, 1050, t + SEC);
	model_rpc_apply(&m, a, &o, t + SEC);
	model_tick(&m, t + SEC);
	assert_int_equal(m.nodes[0].ind[IND_RPC].state, STATE_DEGRADED);
	assert_non_null(strstr(m.nodes[0].ind[IND_RPC].reason,
	                       "node head 1000, best RPC head 1050: the node is 50 blocks behind its providers"));
	/* ...and prov-b, 49 behind prov-a, is degraded itself */
	assert_int_equal(model_rpc_get(&m, b)->out.state, STATE_DEGRADED);
	assert_string_equal(model_rpc_get(&m, b)->out.reason, "49 blocks behind the best head 1050");
	model_free(&m);
}

static void test_model_node_down_direct_known(void **state)
{
	(void)state;
	model_t m;
	int64_t t = TU_T0;
	model_init(&m, NULL);
	model_add_node(&m, "alpha", "http://a", NULL, 5000);
	size_t a = add_ep(&m, "prov-a", 1, NULL, 0);
	tu_feed_error(&m, 0, PROBE_HEALTH, "connection refused", t);
	tu_feed_error(&m, 0, PROBE_METRICS, "connection refused", t);
	/* the node is down: its view of RPC is gone, the direct one is not */
	rpc_obs_t o = obs_ok(1, 500, t);
	model_rpc_apply(&m, a, &o, t);
	model_tick(&m, t);
	assert_int_equal(m.nodes[0].ind[IND_RPC].state, STATE_UP);
	assert_non_null(strstr(m.nodes[0].ind[IND_RPC].reason, "direct: chain 1: 1/1 endpoints up, best RPC head 500; node: node down"));

	/* wrong chain: down, and not the chain's best head */
	o = obs_ok(5, 9999, t + SEC);
	model_rpc_apply(&m, a, &o, t + SEC);
	model_tick(&m, t + SEC);
	assert_int_equal(model_rpc_get(&m, a)->out.state, STATE_DOWN);
	assert_string_equal(model_rpc_get(&m, a)->out.reason, "wrong chain: expected 1, got 5");
	assert_true(model_rpc_best_head(&m, "1") == 0);
	assert_int_equal(m.nodes[0].ind[IND_RPC].state, STATE_DOWN);
	assert_non_null(strstr(m.nodes[0].ind[IND_RPC].reason, "direct: chain 1: every endpoint down (prov-a: wrong chain"));
	/* the change is an event: "rpc chain 1 up -> down on prov-a" */
	bool seen = false;
	for (size_t i = 0; i < m.events.len; i++) {
		const event_t *e = eventlog_get(&m.events, i);
		if (e->kind == EVENT_RPC && strcmp(e->node, "prov-a") == 0 && e->to == STATE_DOWN &&
		    strcmp(e->subject, "1") == 0)
			seen = true;
	}
	assert_true(seen);
	model_free(&m);
}

static void test_model_stall_and_filter(void **state)
{
	(void)state;
	model_t m;
	int64_t t = TU_T0;
	char *only_beta[] = { "beta" };
	model_init(&m, NULL);
	model_add_node(&m, "alpha", "http://a", NULL, 5000);
	model_add_node(&m, "beta", "http://b", NULL, 5000);
	size_t a = add_ep(&m, "for-beta", 1, only_beta, 1);
	node_up(&m, 0, 1000, t);
	node_up(&m, 1, 1000, t);
	rpc_obs_t o = obs_ok(1, 1000, t);
	model_rpc_apply(&m, a, &o, t);
	/* the head stays at 1000 for head_stall (3 min): down */
	for (int64_t s = 0; s <= 181; s += 10) {
		node_up(&m, 0, 1000 + (double)s, t + s * SEC);
		node_up(&m, 1, 1000 + (double)s, t + s * SEC);
		model_tick(&m, t + s * SEC);
	}
	o.batches = 30;
	model_rpc_apply(&m, a, &o, t + 181 * SEC);
	assert_int_equal(model_rpc_get(&m, a)->out.state, STATE_DOWN);
	assert_string_equal(model_rpc_get(&m, a)->out.reason, "no new head for 181 s (head 1000)");
	/* it serves beta only: alpha's indicator does not see it */
	assert_int_equal(m.nodes[0].ind[IND_RPC].state, STATE_UP);
	assert_null(strstr(m.nodes[0].ind[IND_RPC].reason, "direct"));
	assert_int_equal(m.nodes[1].ind[IND_RPC].state, STATE_DOWN);
	assert_true(model_rpc_worst(&m) == a);
	/* the lag history has samples for the sparkline */
	assert_true(model_rpc_get(&m, a)->lag.len >= 2);
	model_free(&m);
}

/* ---------------------------------------------------------------- JSON */

static void test_json_direct(void **state)
{
	(void)state;
	model_t m;
	int64_t t = TU_T0;
	model_init(&m, NULL);
	model_add_node(&m, "alpha", "http://a", NULL, 5000);
	rpcjudge_cfg_t jc;
	rpcjudge_defaults(&jc);
	jc.chain = 1;
	size_t a = model_rpc_add(&m, "ws-one", "https://h/…", "wss://h/…", &jc, NULL, 0);
	size_t b = add_ep(&m, "sick", 1, NULL, 0);
	node_up(&m, 0, 1000, t);
	rpc_obs_t o = obs_ok(1, 1001, t);
	o.ws_state = RPC_WS_SUBSCRIBED;
	o.ws_head = 1001;
	o.ws_head_ms = t - 400;
	o.ws_up_ms = t - 5000;
	snprintf(o.st.client, sizeof o.st.client, "Geth/v1.14");
	model_rpc_apply(&m, a, &o, t);
	rpc_obs_t bad;
	memset(&bad, 0, sizeof bad);
	bad.has_http = bad.http_done = true;
	snprintf(bad.http_error, sizeof bad.http_error, "invalid JSON at byte 0");
	model_rpc_apply(&m, b, &bad, t);
	model_tick(&m, t);

	strbuf_t out = STRBUF_INIT;
	report_json(&out, &m, t);
	cJSON *j = cJSON_ParseWithLength(out.data, out.len);
	assert_non_null(j);
	cJSON *rpc = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "nodes"), 0), "rpc");
	cJSON *direct = cJSON_GetObjectItem(rpc, "direct");
	assert_int_equal(cJSON_GetArraySize(direct), 2);
	char *one = cJSON_PrintUnformatted(cJSON_GetArrayItem(direct, 0));
	assert_string_equal(one, "{\"name\":\"ws-one\",\"chain\":1,\"state\":\"up\",\"head\":1001,\"lag_blocks\":0,"
	                         "\"latency_ms\":3,\"client\":\"Geth/v1.14\",\"syncing\":false,"
	                         "\"ws\":{\"state\":\"subscribed\",\"last_head_ms_ago\":400},\"error\":null}");
	free(one);
	char *two = cJSON_PrintUnformatted(cJSON_GetArrayItem(direct, 1));
	assert_string_equal(two, "{\"name\":\"sick\",\"chain\":1,\"state\":\"down\",\"head\":null,\"lag_blocks\":null,"
	                         "\"latency_ms\":0,\"client\":null,\"syncing\":null,\"ws\":null,"
	                         "\"error\":\"invalid JSON at byte 0\"}");
	free(two);
	assert_non_null(strstr(cJSON_GetObjectItem(rpc, "reason")->valuestring, "sick down: invalid JSON at byte 0"));
	cJSON_Delete(j);
	strbuf_free(&out);

	/* no [rpc] endpoints: "direct" is an empty list */
	model_t m2;
	model_init(&m2, NULL);
	model_add_node(&m2, "alpha", "http://a", NULL, 5000);
	strbuf_t o2 = STRBUF_INIT;
	report_json(&o2, &m2, t);
	assert_non_null(strstr(o2.data, "\"direct\":[]"));
	strbuf_free(&o2);
	model_free(&m2);
	model_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settings_rpc),
		cmocka_unit_test(test_settings_rpc_errors),
		cmocka_unit_test(test_model_direct_view),
		cmocka_unit_test(test_model_node_down_direct_known),
		cmocka_unit_test(test_model_stall_and_filter),
		cmocka_unit_test(test_json_direct),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
