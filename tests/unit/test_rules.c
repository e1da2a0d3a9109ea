/* test_rules.c - unit tests of the alert rules: synthetic /metrics text fed to a
 * model, rule instances, events of kind "rule", attention, status and the report. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model.h"
#include "report.h"
#include "rules.h"
#include "strbuf.h"
#include "testutil.h"

#define SEC 1000LL
#define MIN 60000LL
#define T0 TU_T0

static model_t M;
static char *passing;

static int setup(void **state)
{
	(void)state;
	model_init(&M, NULL);
	model_add_node(&M, "alpha", "http://127.0.0.1:1", NULL, 5000);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	model_free(&M);
	free(passing);
	passing = NULL;
	return 0;
}

/* The node answers /health (all passing) and /metrics body at t. */
static void scrape(const char *body, int64_t t)
{
	if (!passing)
		passing = tu_slurp("chainlink/health-all-passing.json", NULL);
	tu_feed(&M, 0, PROBE_HEALTH, 200, TU_JSON_CT, passing, strlen(passing), t);
	tu_feed(&M, 0, PROBE_METRICS, 200, TU_PROM_CT, body, strlen(body), t);
	model_tick(&M, t);
}

static rules_cfg_t *cfg(void)
{
	return &M.nodes[0].rules_cfg;
}

/* The firing instance of rule r (any subject), or NULL. */
static const rule_inst_t *firing(rule_id_t r)
{
	const rules_state_t *st = M.nodes[0].rules;
	for (size_t i = 0; i < rules_count(st); i++) {
		const rule_inst_t *x = rules_get(st, i);
		if (x->rule == r && x->level > 0)
			return x;
	}
	return NULL;
}

/* The newest event of kind rule, or NULL. */
static const event_t *last_rule_event(void)
{
	for (size_t i = 0; i < M.events.len; i++) {
		const event_t *e = eventlog_get(&M.events, i);
		if (e->kind == EVENT_RULE)
			return e;
	}
	return NULL;
}

static size_t rule_events(void)
{
	size_t n = 0;
	for (size_t i = 0; i < M.events.len; i++)
		n += eventlog_get(&M.events, i)->kind == EVENT_RULE;
	return n;
}

static char body[8192];

/* ------------------------------------------------------------ balance */

static void test_balance_current_name(void **state)
{
	(void)state;
	const char *acct = "0x9d3cE9c5E6e7e0A0B1b7c1D9d6a8c2fB3e4F8d9e";
	snprintf(body, sizeof body, "node_balance{account=\"%s\",chainID=\"56\",chainFamily=\"evm\"} 5\n", acct);
	scrape(body, T0);
	assert_null(firing(RULE_BALANCE));
	assert_int_equal(model_status(&M, T0).severity, SEV_OK);

	snprintf(body, sizeof body, "node_balance{account=\"%s\",chainID=\"56\",chainFamily=\"evm\"} 0.5\n", acct);
	scrape(body, T0 + 5 * SEC);
	const rule_inst_t *x = firing(RULE_BALANCE);
	assert_non_null(x);
	assert_int_equal(x->level, RULE_LEVEL_WARNING);
	assert_true(x->threshold == 1.0);
	assert_true(x->value == 0.5);
	assert_non_null(strstr(x->subject, acct));
	assert_non_null(strstr(x->detail, "0x9d3c\xe2\x80\xa6" "8d9e chain 56"));
	assert_non_null(strstr(x->detail, "native balance 0.5"));
	attention_t a = model_node_attention(&M, 0, T0 + 5 * SEC);
	assert_int_equal(a.severity, SEV_WARNING);
	assert_true(a.problem);
	assert_non_null(strstr(a.reason, "balance"));
	assert_int_equal(model_status(&M, T0 + 5 * SEC).severity, SEV_WARNING);
	const event_t *e = last_rule_event();
	assert_non_null(e);
	assert_string_equal(e->rule, "balance");
	assert_int_equal(e->level, 1);
	assert_int_equal(e->to, STATE_DEGRADED);

	snprintf(body, sizeof body, "node_balance{account=\"%s\",chainID=\"56\",chainFamily=\"evm\"} 0.05\n", acct);
	scrape(body, T0 + 10 * SEC);
	assert_int_equal(firing(RULE_BALANCE)->level, RULE_LEVEL_CRITICAL);
	assert_true(firing(RULE_BALANCE)->threshold == 0.1);
	assert_int_equal(model_status(&M, T0 + 10 * SEC).severity, SEV_CRITICAL);
	assert_int_equal(last_rule_event()->from_level, 1);
	assert_int_equal(last_rule_event()->level, 2);

	snprintf(body, sizeof body, "node_balance{account=\"%s\",chainID=\"56\",chainFamily=\"evm\"} 3\n", acct);
	scrape(body, T0 + 15 * SEC);
	assert_null(firing(RULE_BALANCE));
	assert_int_equal(last_rule_event()->level, 0);
	assert_int_equal(last_rule_event()->to, STATE_UP);
	assert_int_equal(model_status(&M, T0 + 15 * SEC).severity, SEV_OK);
	assert_int_equal(rule_events(), 3);
}

static void test_balance_deprecated_name_and_report(void **state)
{
	(void)state;
	scrape("eth_balance{account=\"0xabc\",evmChainID=\"1\"} 0.01\n", T0);
	const rule_inst_t *x = firing(RULE_BALANCE);
	assert_non_null(x);
	assert_int_equal(x->level, RULE_LEVEL_CRITICAL);
	assert_string_equal(x->subject, "0xabc chain 1");

	strbuf_t out = STRBUF_INIT;
	report_json(&out, &M, T0);
	const char *j = strbuf_str(&out);
	assert_non_null(strstr(j, "\"rules\":[{\"name\":\"balance\",\"severity\":\"critical\",\"node\":\"alpha\","
	                          "\"subject\":\"0xabc chain 1\",\"value\":0.01,\"threshold\":0.1"));
	assert_non_null(strstr(j, "\"exit_code\":2"));
	strbuf_free(&out);

	report_text(&out, &M, T0);
	assert_non_null(strstr(strbuf_str(&out), "  rules:\n    CRITICAL balance: native balance 0.01 of 0xabc chain 1 (threshold 0.1)"));
	strbuf_free(&out);

	report_event_json(&out, last_rule_event());
	assert_non_null(strstr(strbuf_str(&out), "\"kind\":\"rule\""));
	assert_non_null(strstr(strbuf_str(&out), "\"rule\":\"balance\",\"severity\":\"critical\",\"previous\":\"ok\","
	                                         "\"value\":0.01,\"threshold\":0.1"));
	strbuf_free(&out);
}

static void test_balance_off_and_per_node(void **state)
{
	(void)state;
	cfg()->r[RULE_BALANCE].warn = 0.2;
	cfg()->r[RULE_BALANCE].crit = 0.001;
	scrape("eth_balance{account=\"0xabc\",evmChainID=\"1\"} 0.5\n", T0);
	assert_null(firing(RULE_BALANCE));
	scrape("eth_balance{account=\"0xabc\",evmChainID=\"1\"} 0.1\n", T0 + 5 * SEC);
	assert_int_equal(firing(RULE_BALANCE)->level, RULE_LEVEL_WARNING);
	cfg()->r[RULE_BALANCE].on = false;
	scrape("eth_balance{account=\"0xabc\",evmChainID=\"1\"} 0.0001\n", T0 + 10 * SEC);
	assert_null(firing(RULE_BALANCE));
	assert_int_equal(last_rule_event()->level, 0);     /* resolved: turned off */
	assert_int_equal(model_status(&M, T0 + 10 * SEC).severity, SEV_OK);
}

/* ------------------------------------------------------------ for, NaN, missing */

static void test_for_duration(void **state)
{
	(void)state;
	cfg()->r[RULE_BALANCE].for_ms = 30 * SEC;
	const char *low = "eth_balance{account=\"0xabc\",evmChainID=\"1\"} 0.5\n";
	scrape(low, T0);
	assert_null(firing(RULE_BALANCE));
	assert_int_equal(rules_count(M.nodes[0].rules), 1);   /* pending */
	assert_int_equal(model_status(&M, T0).severity, SEV_OK);
	scrape(low, T0 + 29 * SEC);
	assert_null(firing(RULE_BALANCE));
	scrape(low, T0 + 30 * SEC);
	assert_non_null(firing(RULE_BALANCE));
	assert_true(firing(RULE_BALANCE)->since_ms == T0 + 30 * SEC);
	/* a good value in between starts the wait again */
	scrape("eth_balance{account=\"0xabc\",evmChainID=\"1\"} 5\n", T0 + 35 * SEC);
	scrape(low, T0 + 40 * SEC);
	scrape(low, T0 + 65 * SEC);
	assert_null(firing(RULE_BALANCE));
	scrape(low, T0 + 70 * SEC);
	assert_non_null(firing(RULE_BALANCE));
}

static void test_nan_and_missing(void **state)
{
	(void)state;
	scrape("eth_balance{account=\"0xabc\",evmChainID=\"1\"} NaN\nmax_unconfirmed_blocks{evmChainID=\"1\"} NaN\n", T0);
	assert_int_equal(rules_count(M.nodes[0].rules), 0);
	scrape("eth_balance{account=\"0xabc\",evmChainID=\"1\"} 0.5\n", T0 + 5 * SEC);
	assert_non_null(firing(RULE_BALANCE));
	/* no value: the rule keeps its state for a while, then resolves */
	scrape("eth_balance{account=\"0xabc\",evmChainID=\"1\"} NaN\n", T0 + 10 * SEC);
	assert_non_null(firing(RULE_BALANCE));
	scrape("up 1\n", T0 + 15 * SEC);
	assert_non_null(firing(RULE_BALANCE));
	scrape("up 1\n", T0 + 20 * SEC);
	assert_null(firing(RULE_BALANCE));
	assert_string_equal(last_rule_event()->detail, "no longer reported");
}

/* ------------------------------------------------------------ counters */

static void test_counter_reset_does_not_fire(void **state)
{
	(void)state;
	scrape("log_critical_count 5\nlog_panic_count 1\n", T0);
	scrape("log_critical_count 5\nlog_panic_count 1\n", T0 + 5 * SEC);
	assert_null(firing(RULE_LOG_CRITICAL));
	/* restart: the counters start again from zero */
	scrape("log_critical_count 0\nlog_panic_count 0\n", T0 + 10 * SEC);
	scrape("log_critical_count 0\nlog_panic_count 0\n", T0 + 15 * SEC);
	assert_null(firing(RULE_LOG_CRITICAL));
	assert_int_equal(rule_events(), 0);
	/* a real increase, with the _total suffix */
	scrape("log_critical_count_total 0\nlog_panic_count_total 1\n", T0 + 20 * SEC);
	const rule_inst_t *x = firing(RULE_LOG_CRITICAL);
	assert_non_null(x);
	assert_int_equal(x->level, RULE_LEVEL_CRITICAL);
	assert_true(x->value == 1);
	/* quiet for the whole window: resolved */
	scrape("log_critical_count_total 0\nlog_panic_count_total 1\n", T0 + 20 * SEC + 15 * MIN);
	assert_null(firing(RULE_LOG_CRITICAL));
}

static void test_log_errors_rate(void **state)
{
	(void)state;
	cfg()->r[RULE_LOG_ERRORS].window_ms = 60 * SEC;
	cfg()->r[RULE_LOG_ERRORS].warn = 10;
	cfg()->r[RULE_LOG_ERRORS].crit = 100;
	scrape("log_error_count 1000\n", T0);            /* the first value is the base */
	assert_null(firing(RULE_LOG_ERRORS));
	scrape("log_error_count_total 1010\n", T0 + 10 * SEC);
	assert_null(firing(RULE_LOG_ERRORS));            /* 10 is not more than 10 */
	scrape("log_error_count NaN\n", T0 + 15 * SEC);   /* no value: nothing changes */
	assert_null(firing(RULE_LOG_ERRORS));
	scrape("log_error_count 1011\n", T0 + 20 * SEC);
	assert_int_equal(firing(RULE_LOG_ERRORS)->level, RULE_LEVEL_WARNING);
	assert_true(firing(RULE_LOG_ERRORS)->value == 11);
	scrape("log_error_count 1200\n", T0 + 30 * SEC);
	assert_int_equal(firing(RULE_LOG_ERRORS)->level, RULE_LEVEL_CRITICAL);
	assert_int_equal(model_status(&M, T0 + 30 * SEC).severity, SEV_CRITICAL);
	/* the errors leave the window */
	scrape("log_error_count 1200\n", T0 + 100 * SEC);
	assert_null(firing(RULE_LOG_ERRORS));
}

static void test_heads_stalled(void **state)
{
	(void)state;
	cfg()->r[RULE_HEADS_STALLED].window_ms = 60 * SEC;
	const char *fmt = "multi_node_states{chainId=\"1\",network=\"EVM\",state=\"Alive\"} 2\n"
	                  "head_tracker_current_head{evmChainID=\"1\"} %d\n"
	                  "head_tracker_heads_received%s{evmChainID=\"1\"} %d\n";
	int64_t t = T0;
	/* heads arrive: never fires */
	for (int i = 0; i < 20; i++, t += 5 * SEC) {
		snprintf(body, sizeof body, fmt, 100 + i, i % 2 ? "_total" : "", 100 + i);
		scrape(body, t);
	}
	assert_null(firing(RULE_HEADS_STALLED));
	assert_int_equal(M.nodes[0].ind[IND_RPC].state, STATE_UP);
	/* heads stop (the head height keeps moving: a stall of heads received only) */
	int64_t stop = t;
	for (int i = 0; t - stop < 60 * SEC; i++, t += 5 * SEC) {
		snprintf(body, sizeof body, fmt, 200 + i, "", 120);
		scrape(body, t);
		assert_null(firing(RULE_HEADS_STALLED));
	}
	snprintf(body, sizeof body, fmt, 300, "", 120);
	scrape(body, t);
	const rule_inst_t *x = firing(RULE_HEADS_STALLED);
	assert_non_null(x);
	assert_string_equal(x->subject, "1");
	assert_int_equal(x->level, RULE_LEVEL_CRITICAL);
	assert_int_equal(M.nodes[0].ind[IND_RPC].state, STATE_DOWN);
	assert_non_null(strstr(M.nodes[0].ind[IND_RPC].reason, "heads stalled"));
	/* heads again */
	snprintf(body, sizeof body, fmt, 301, "", 121);
	scrape(body, t + 5 * SEC);
	assert_null(firing(RULE_HEADS_STALLED));
	assert_int_equal(M.nodes[0].ind[IND_RPC].state, STATE_UP);
}

/* Scrapes much closer together than the window / 28: the kept samples still reach
 * back a whole window (a stall is seen, once the window has passed). */
static void test_heads_stalled_fast_polls(void **state)
{
	(void)state;
	cfg()->r[RULE_HEADS_STALLED].window_ms = 10 * SEC;
	int64_t t = T0;
	for (int i = 0; i < 40; i++, t += 300) {
		snprintf(body, sizeof body, "head_tracker_heads_received{ChainID=\"5\"} 7\n");
		scrape(body, t);
		if (t - T0 < 10 * SEC)
			assert_null(firing(RULE_HEADS_STALLED));
	}
	assert_non_null(firing(RULE_HEADS_STALLED));
	assert_string_equal(firing(RULE_HEADS_STALLED)->subject, "5");
}

static void test_job_errors_top_names(void **state)
{
	(void)state;
	cfg()->r[RULE_JOB_ERRORS].warn = 10;
	scrape("pipeline_run_errors{job_id=\"1\",job_name=\"eth-usd\"} 10\n"
	       "pipeline_run_errors{job_id=\"2\",job_name=\"btc-usd\"} 0\n", T0);
	assert_null(firing(RULE_JOB_ERRORS));
	scrape("pipeline_run_errors{job_id=\"1\",job_name=\"eth-usd\"} 12\n"
	       "pipeline_run_errors{job_id=\"2\",job_name=\"btc-usd\"} 4\n", T0 + MIN);
	assert_null(firing(RULE_JOB_ERRORS));
	scrape("pipeline_run_errors_total{job_id=\"1\",job_name=\"eth-usd\"} 13\n"
	       "pipeline_run_errors_total{job_id=\"2\",job_name=\"btc-usd\"} 8\n", T0 + 2 * MIN);
	const rule_inst_t *x = firing(RULE_JOB_ERRORS);
	assert_non_null(x);
	assert_true(x->value == 11);
	assert_non_null(strstr(x->detail, "most: btc-usd (8), eth-usd (3)"));
}

static void test_gas_bump_and_insufficient_funds(void **state)
{
	(void)state;
	scrape("tx_manager_gas_bump_exceeds_limit{chainID=\"1\"} 0\n"
	       "tx_manager_attempt_error_total{chainID=\"1\",cause=\"insufficient_funds\"} 2\n"
	       "tx_manager_attempt_error_total{chainID=\"1\",cause=\"nonce_too_low\"} 0\n", T0);
	scrape("tx_manager_gas_bump_exceeds_limit{chainID=\"1\"} 0\n"
	       "tx_manager_attempt_error_total{chainID=\"1\",cause=\"insufficient_funds\"} 2\n"
	       "tx_manager_attempt_error_total{chainID=\"1\",cause=\"nonce_too_low\"} 9\n", T0 + 5 * SEC);
	assert_null(firing(RULE_GAS_BUMP_LIMIT));
	assert_null(firing(RULE_INSUFFICIENT_FUNDS));
	scrape("tx_manager_gas_bump_exceeds_limit_total{chainID=\"1\"} 1\n"
	       "tx_manager_attempt_error_total{chainID=\"1\",cause=\"insufficient_funds\"} 3\n", T0 + 10 * SEC);
	assert_int_equal(firing(RULE_GAS_BUMP_LIMIT)->level, RULE_LEVEL_CRITICAL);
	assert_int_equal(firing(RULE_INSUFFICIENT_FUNDS)->level, RULE_LEVEL_CRITICAL);
	assert_non_null(strstr(firing(RULE_INSUFFICIENT_FUNDS)->detail, "balance"));
}

static void test_stuck_transactions(void **state)
{
	(void)state;
	scrape("max_unconfirmed_blocks{evmChainID=\"1\"} 10\nmax_unconfirmed_tx_age{evmChainID=\"1\"} 30\n", T0);
	assert_int_equal(rules_count(M.nodes[0].rules), 0);
	scrape("max_unconfirmed_blocks{chainID=\"1\"} 80\nmax_unconfirmed_tx_age{chainID=\"1\"} 900\n", T0 + 5 * SEC);
	assert_int_equal(firing(RULE_UNCONFIRMED_BLOCKS)->level, RULE_LEVEL_WARNING);
	assert_int_equal(firing(RULE_TX_AGE)->level, RULE_LEVEL_WARNING);
	assert_non_null(strstr(firing(RULE_TX_AGE)->detail, "15m"));
	assert_int_equal(model_node_attention(&M, 0, T0 + 5 * SEC).severity, SEV_WARNING);
}

static void test_health_history(void **state)
{
	(void)state;
	cfg()->r[RULE_HEALTH_HISTORY].window_ms = 100 * SEC;
	/* a check failing every other scrape: 50% of the time */
	int64_t t = T0;
	for (int i = 0; i < 8; i++, t += 5 * SEC) {
		snprintf(body, sizeof body, "health{service_id=\"EVM.1.Txm\"} %d\n", i % 2);
		scrape(body, t);
	}
	assert_null(firing(RULE_HEALTH_HISTORY));   /* 20 s failing of 100 s */
	for (int i = 8; i < 20; i++, t += 5 * SEC) {
		snprintf(body, sizeof body, "health{service_id=\"EVM.1.Txm\"} %d\n", i % 2);
		scrape(body, t);
	}
	const rule_inst_t *x = firing(RULE_HEALTH_HISTORY);
	assert_non_null(x);
	assert_string_equal(x->subject, "EVM.1.Txm");
	assert_int_equal(x->level, RULE_LEVEL_WARNING);
	assert_true(x->value > 30 && x->value <= 50);
}

static void test_metric_missing(void **state)
{
	(void)state;
	cfg()->r[RULE_METRIC_MISSING].for_ms = 0;
	scrape("db_conns_open 3\nlog_error_count 1\n", T0);
	scrape("log_error_count 1\n", T0 + 5 * SEC);
	const rule_inst_t *x = firing(RULE_METRIC_MISSING);
	assert_non_null(x);
	assert_string_equal(x->subject, "db_conns_open");
	assert_int_equal(x->level, RULE_LEVEL_WARNING);
	size_t n = rule_events();
	scrape("log_error_count 1\n", T0 + 10 * SEC);
	assert_int_equal(rule_events(), n);             /* said once */
	scrape("db_conns_open 3\nlog_error_count 1\n", T0 + 15 * SEC);
	assert_null(firing(RULE_METRIC_MISSING));
}

/* LOOPP: a chain's series come from a plugin process; the rules see them with
 * the node's next /metrics (the plugin's own log counters are not the node's). */
static void test_plugin_inputs(void **state)
{
	(void)state;
	const char *plug = "eth_balance{account=\"0xabc\",evmChainID=\"1\"} 0.05\nlog_critical_count 1\n";
	scrape("up 1\n", T0);
	tu_feed(&M, 0, PROBE_PLUGIN_METRICS, 200, TU_PROM_CT, plug, strlen(plug), T0 + SEC);
	assert_null(firing(RULE_BALANCE));                /* not before the node's own scrape */
	scrape("up 1\n", T0 + 5 * SEC);
	assert_non_null(firing(RULE_BALANCE));
	assert_string_equal(firing(RULE_BALANCE)->subject, "0xabc chain 1");
	plug = "eth_balance{account=\"0xabc\",evmChainID=\"1\"} 0.05\nlog_critical_count 5\n";
	tu_feed(&M, 0, PROBE_PLUGIN_METRICS, 200, TU_PROM_CT, plug, strlen(plug), T0 + 6 * SEC);
	scrape("up 1\n", T0 + 10 * SEC);
	assert_null(firing(RULE_LOG_CRITICAL));
	/* the plugin fails: its values go, the rule resolves after three scrapes without one */
	tu_feed_error(&M, 0, PROBE_PLUGIN_METRICS, "connection refused", T0 + 11 * SEC);
	scrape("up 1\n", T0 + 15 * SEC);
	scrape("up 1\n", T0 + 20 * SEC);
	assert_non_null(firing(RULE_BALANCE));
	scrape("up 1\n", T0 + 25 * SEC);
	assert_null(firing(RULE_BALANCE));
}

static void test_vocabulary(void **state)
{
	(void)state;
	rules_cfg_t c;
	rules_cfg_default(&c);
	for (int i = 0; i < RULE__COUNT; i++) {
		assert_non_null(rule_info((rule_id_t)i)->name);
		assert_int_equal(rule_find(rule_info((rule_id_t)i)->name, strlen(rule_info((rule_id_t)i)->name)), i);
		assert_true(c.r[i].on);
	}
	assert_true(c.r[RULE_BALANCE].warn == 1.0 && c.r[RULE_BALANCE].crit == 0.1);
	assert_true(c.r[RULE_HEADS_STALLED].window_ms == 10 * MIN);
	assert_true(c.r[RULE_UNCONFIRMED_BLOCKS].warn == 50);
	assert_true(c.r[RULE_TX_AGE].warn == 600);
	assert_int_equal(rule_find("nope", 4), -1);
	char b[32];
	rules_short_account(b, sizeof b, "0x9d3cE9c5E6e7e0A0B1b7c1D9d6a8c2fB3e4F8d9e", 42);
	assert_string_equal(b, "0x9d3c\xe2\x80\xa6" "8d9e");
}

/* The value nearest each rule's thresholds, for the detail view: the lowest
 * balance of two keys, none for a rule without series, none when turned off. */
static void test_last_values(void **state)
{
	(void)state;
	double v = 0;
	const char *subj = NULL;
	scrape("node_balance{account=\"0xaaa\",chainID=\"1\"} 7\n"
	       "node_balance{account=\"0xbbb\",chainID=\"56\"} 3\n"
	       "max_unconfirmed_blocks{evmChainID=\"1\"} 4\n", T0);
	assert_true(rules_last(M.nodes[0].rules, RULE_BALANCE, &v, &subj));
	assert_true(v == 3);
	assert_string_equal(subj, "0xbbb chain 56");
	assert_null(firing(RULE_BALANCE));
	assert_true(rules_last(M.nodes[0].rules, RULE_UNCONFIRMED_BLOCKS, &v, NULL));
	assert_true(v == 4);
	assert_false(rules_last(M.nodes[0].rules, RULE_TX_AGE, &v, NULL));
	cfg()->r[RULE_BALANCE].on = false;
	scrape("node_balance{account=\"0xaaa\",chainID=\"1\"} 0.01\n", T0 + 5 * SEC);
	assert_false(rules_last(M.nodes[0].rules, RULE_BALANCE, &v, NULL));
	assert_false(rules_last(NULL, RULE_BALANCE, &v, NULL));
}

/* An acknowledgement covers the rules firing when it was given: a rule that
 * fires later, or a warning that becomes critical, is a new problem. */
static void test_ack_until_new_firing(void **state)
{
	(void)state;
	scrape("node_balance{account=\"0xaaa\",chainID=\"1\"} 0.5\n", T0);
	assert_non_null(firing(RULE_BALANCE));
	model_ack(&M, 0, "topping up", T0 + SEC);
	assert_true(M.nodes[0].acked);
	scrape("node_balance{account=\"0xaaa\",chainID=\"1\"} 0.6\n", T0 + 5 * SEC);
	assert_true(M.nodes[0].acked);                 /* still the same warning */
	scrape("node_balance{account=\"0xaaa\",chainID=\"1\"} 0.05\n", T0 + 10 * SEC);
	assert_int_equal(firing(RULE_BALANCE)->level, RULE_LEVEL_CRITICAL);
	assert_false(M.nodes[0].acked);                /* escalated: no longer covered */
	model_ack(&M, 0, "", T0 + 11 * SEC);
	scrape("node_balance{account=\"0xaaa\",chainID=\"1\"} 2\n", T0 + 15 * SEC);
	assert_null(firing(RULE_BALANCE));
	assert_true(M.nodes[0].acked);                 /* a resolving changes nothing */
	scrape("node_balance{account=\"0xaaa\",chainID=\"1\"} 2\n"
	       "max_unconfirmed_blocks{evmChainID=\"1\"} 80\n", T0 + 20 * SEC);
	assert_non_null(firing(RULE_UNCONFIRMED_BLOCKS));
	assert_false(M.nodes[0].acked);                /* another rule fired */
}

/* The status line (tmux status-right, the pane title) names the rule, not "node UP". */
static void test_status_line_names_the_rule(void **state)
{
	(void)state;
	scrape("node_balance{account=\"0xaaa\",chainID=\"1\"} 0.05\n", T0);
	scrape("node_balance{account=\"0xaaa\",chainID=\"1\"} 0.05\n", T0 + 2 * MIN);
	strbuf_t out = STRBUF_INIT;
	report_status_line(&out, &M, T0 + 2 * MIN, true);
	assert_string_equal(strbuf_str(&out), "CL 1/1 up \xc2\xb7 balance CRITICAL alpha 2m");
	strbuf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_balance_current_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_balance_deprecated_name_and_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_balance_off_and_per_node, setup, teardown),
		cmocka_unit_test_setup_teardown(test_for_duration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nan_and_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counter_reset_does_not_fire, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_errors_rate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_heads_stalled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_heads_stalled_fast_polls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_job_errors_top_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gas_bump_and_insufficient_funds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stuck_transactions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_health_history, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metric_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plugin_inputs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_last_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_until_new_firing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_line_names_the_rule, setup, teardown),
		cmocka_unit_test(test_vocabulary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
