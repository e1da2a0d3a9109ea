/* test_source.c - cmocka tests of [source NAME] (issue 17): its settings, the queries of a
 * round, and a round's answers in the model (discovery, up == 0, stale, gone, source down). */
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
#include "model_source.h"
#include "parse_promapi.h"
#include "report_source.h"
#include "settings.h"
#include "strbuf.h"
#include "testutil.h"
#include "xalloc.h"

/* ---------------------------------------------------------------- settings */

static int load(settings_t *s, const char *text, char *err, size_t n)
{
	settings_init(s);
	return settings_load_string(s, "fleet.conf", text, err, n);
}

/* A source on this machine is asked for plain answers (compressing them on loopback costs
 * both sides CPU and saves nothing): which URLs are loopback. */
static void test_url_loopback(void **state)
{
	(void)state;
	const char *yes[] = { "http://127.0.0.1:9090", "http://127.0.0.1", "https://127.8.9.10:443/prometheus",
		              "http://localhost:9090/api", "http://LOCALHOST", "http://[::1]:9090", "http://[::1]",
		              "http://127.0.0.1/x?y=1" };
	const char *no[] = { "http://10.0.0.1:9090", "http://128.0.0.1", "http://127.0.0.1.example.com",
		             "http://localhost.example.com:9090", "http://[::2]:9090", "https://mimir.example.com/prometheus",
		             "http://1127.0.0.1", "http://127.0.0.256", "http://example.com/127.0.0.1", "127.0.0.1", "",
		             "http://[::1]x" };
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		assert_true(settings_url_loopback(yes[i]));
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		assert_false(settings_url_loopback(no[i]));
	assert_false(settings_url_loopback(NULL));
}

static void test_settings_defaults(void **state)
{
	(void)state;
	settings_t s;
	char err[512] = "";
	setenv("NODETOP_TEST_PROM_TOKEN", "s3cret-token", 1);
	assert_int_equal(load(&s, "[source prometheus-eu]\ntype = prometheus\nurl = https://mimir.example/prometheus/\n"
	                          "header = X-Scope-OrgID: tenant-1\nbearer_token_env = NODETOP_TEST_PROM_TOKEN\n"
	                          "group_label = pair\n", err, sizeof err), 0);
	assert_int_equal(s.nsources, 1);
	const source_cfg_t *c = &s.sources[0];
	assert_string_equal(c->name, "prometheus-eu");
	assert_int_equal(c->type, SOURCE_PROMETHEUS);
	assert_string_equal(c->url, "https://mimir.example/prometheus");   /* path prefix kept, slash dropped */
	assert_string_equal(c->selector, "{job=\"chainlink_node\"}");
	assert_string_equal(c->name_label, "instance");
	assert_string_equal(c->group_label, "pair");
	assert_int_equal(c->interval_ms, 5000);
	assert_int_equal(c->scrape_interval_ms, 15000);
	assert_string_equal(c->http.bearer_token, "s3cret-token");
	assert_int_equal(c->http.nheaders, 1);
	assert_int_equal(s.nnodes, 0);
	settings_free(&s);
}

static void test_settings_errors(void **state)
{
	(void)state;
	struct { const char *text, *want; } cases[] = {
		{ "[source a]\nurl = http://p:9090\n", "fleet.conf:1: [source a] has no type (type = prometheus)" },
		{ "[source a]\ntype = graphite\nurl = http://p\n", "fleet.conf:2: unknown source type 'graphite'" },
		{ "[source a]\ntype = prometheus\n", "fleet.conf:1: [source a] has no url" },
		{ "[source a]\ntype = prometheus\nurl = http://p\nselector = job=\"x\"\n", "fleet.conf:4: bad selector" },
		{ "[source a]\ntype = prometheus\nurl = http://p\ninterval = 2s\ntimeout = 11m\n",
		  "fleet.conf:5: [source a]: timeout is longer than 10 minutes" },
		{ "[source a]\ntype = prometheus\nurl = ftp://p\n", "fleet.conf:3:" },
		{ "[source a]\ntype = prometheus\nurl = http://p\nname_label = 9bad\n", "fleet.conf:4: bad label name" },
		{ "[source a]\ntype = prometheus\nurl = http://p\n[source a]\n", "fleet.conf:4: duplicate source 'a'" },
		{ "[source a]\ntype = prometheus\nurl = http://p\nbogus = 1\n", "fleet.conf:4:" },
		{ "[node n]\nurl = http://n:6688\nsource = nope\n", "fleet.conf:3: [node n]: no [source nope]" },
		{ "[defaults]\nsource = a\n", "fleet.conf:2:" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		settings_t s;
		char err[512] = "";
		assert_int_equal(load(&s, cases[i].text, err, sizeof err), -1);
		if (strncmp(err, cases[i].want, strlen(cases[i].want)) != 0)
			fail_msg("case %zu: got '%s', want '%s...'", i, err, cases[i].want);
		settings_free(&s);
	}
}

static void test_settings_node_source(void **state)
{
	(void)state;
	settings_t s;
	char err[512] = "";
	assert_int_equal(load(&s, "[node n]\nurl = http://n:6688\nsource = eu\n[source eu]\ntype = prometheus\n"
	                          "url = http://p:9090\nselector = {job=\"cl\",env=\"prod\"}\nscrape_interval = 1s\n",
	                      err, sizeof err), 0);
	assert_string_equal(s.nodes[0].source, "eu");
	assert_string_equal(s.sources[0].selector, "{job=\"cl\",env=\"prod\"}");
	assert_int_equal(s.sources[0].scrape_interval_ms, 1000);
	assert_int_equal(s.sources[0].lag_ms, 0);
	settings_free(&s);
}

/* ---------------------------------------------------------------- queries */

static void test_queries_do_not_depend_on_nodes(void **state)
{
	(void)state;
	settings_t s;
	char err[512] = "";
	assert_int_equal(load(&s, "[source a]\ntype = prometheus\nurl = http://p\nselector = {job=\"cl\"}\n", err,
	                      sizeof err), 0);
	size_t n;
	char **q = srcq_build(&s.sources[0], &s.charts, &n);
	assert_true(n > SRCQ_FAMILIES + 5);
	assert_string_equal(q[SRCQ_UP], "up{job=\"cl\"}");
	assert_string_equal(q[SRCQ_TS], "timestamp(up{job=\"cl\"})");
	bool health = false, mns = false, legacy = false, db = false;
	for (size_t i = SRCQ_FAMILIES; i < n; i++) {
		assert_non_null(strstr(q[i], ",job=\"cl\"}"));
		health |= strcmp(q[i], "{__name__=~\"health\",job=\"cl\"}") == 0;
		mns |= strstr(q[i], "\"multi_node_states\"") != NULL;
		legacy |= strstr(q[i], "\"evm_pool_rpc_node_states\"") != NULL;
		db |= strstr(q[i], "db_conns_open") != NULL;
	}
	assert_true(health && mns && legacy && db);
	/* the states: the ones not 0, and Alive always (a chain with none Alive is still seen) */
	bool states = false;
	for (size_t i = SRCQ_FAMILIES; i < n; i++)
		states |= strcmp(q[i], "{__name__=~\"multi_node_states\",job=\"cl\"} != 0 or "
		                       "{__name__=~\"multi_node_states\",job=\"cl\",state=\"Alive\"}") == 0;
	assert_true(states);
	/* the charted series nobody asked yet: in one more query (go_goroutines is charted by default) */
	bool charted = false;
	for (size_t i = SRCQ_FAMILIES; i < n; i++)
		charted |= strstr(q[i], "go_goroutines") != NULL;
	assert_true(charted);
	srcq_free(q, n);
	settings_free(&s);
}

/* ---------------------------------------------------------------- a round in the model */

typedef struct fake {
	settings_t s;
	model_t m;
	src_state_t st;
	size_t nconfig;         /* nodes of the config, polled: the model's first ones */
	const node_cfg_t *cfg;  /* their config (NULL: none) */
	src_state_t *views[1];  /* model.sources, once fake_show made the source known to the views */
} fake_t;

static void fake_init(fake_t *f, const char *extra)
{
	char err[512] = "", conf[1024];
	snprintf(conf, sizeof conf, "[source eu]\ntype = prometheus\nurl = http://p:9090\nscrape_interval = 1s\n%s",
	         extra ? extra : "");
	settings_init(&f->s);
	assert_int_equal(settings_load_string(&f->s, "fleet.conf", conf, err, sizeof err), 0);
	model_init(&f->m, NULL);
	memset(&f->st, 0, sizeof f->st);
	f->nconfig = 0;
	f->cfg = NULL;
}

/* The source, named eu, as the app hands it to the model's views (model.sources). */
static void fake_show(fake_t *f)
{
	snprintf(f->st.name, sizeof f->st.name, "eu");
	f->views[0] = &f->st;
	f->m.sources = f->views;
	f->m.nsources = 1;
}

static void fake_free(fake_t *f)
{
	src_state_free(&f->st);
	model_free(&f->m);
	settings_free(&f->s);
}

/* An instant vector answer: specs "instance|labels|value" where labels is ',k="v"' text. */
static char *vec(int64_t t_ms, const char *metric, const char *const *specs, size_t n)
{
	strbuf_t b = STRBUF_INIT;
	strbuf_puts(&b, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[");
	for (size_t i = 0; i < n; i++) {
		char inst[64], labels[256], val[64];
		assert_int_equal(sscanf(specs[i], "%63[^|]|%255[^|]|%63s", inst, labels, val), 3);
		strbuf_printf(&b, "%s{\"metric\":{\"__name__\":\"%s\",\"instance\":\"%s\",\"job\":\"chainlink_node\"%s},"
		              "\"value\":[%.3f,\"%s\"]}", i ? "," : "", metric, inst, strcmp(labels, "-") ? labels : "",
		              (double)t_ms / 1000.0, val);
	}
	strbuf_puts(&b, "]}}");
	char *s = xstrdup(strbuf_str(&b));
	strbuf_free(&b);
	return s;
}

/* A round: up with values, timestamps ts_ms, health and db families as given. */
typedef struct round_in {
	const char *const *up;
	size_t nup;
	int64_t sample_ms;
	const char *const *health;
	size_t nhealth;
	const char *const *db;
	size_t ndb;
	const char *up_error;       /* the up query failed with this transport error */
	const char *family_error;   /* the health query failed with this transport error */
	const char *targets;        /* a targets answer, or NULL */
	bool failing_only;          /* health is the answer of health == 0 (failing checks only) */
	const char *const *full;    /* failing_only: and the full lists of these nodes (sorted) */
	size_t nfull;
} round_in_t;

static void run_round(fake_t *f, const round_in_t *in, int64_t now)
{
	size_t nq;
	char **q = srcq_build(&f->s.sources[0], &f->s.charts, &nq);
	srcq_free(q, nq);
	src_round_t r;
	memset(&r, 0, sizeof r);
	r.n = nq;
	r.res = xcalloc(nq, sizeof *r.res);
	r.error = xcalloc(nq, sizeof *r.error);
	r.done_ms = now;
	r.latency_ms = 3;
	r.health_all = !in->failing_only;
	r.health_full = in->full;
	r.nhealth_full = in->nfull;
	for (size_t i = 0; i < nq; i++) {
		char *body = NULL;
		if (i == SRCQ_UP && in->up_error) {
			snprintf(r.error[i], sizeof r.error[i], "%s", in->up_error);
			continue;
		}
		if (i == SRCQ_FAMILIES && in->family_error) {
			snprintf(r.error[i], sizeof r.error[i], "%s", in->family_error);
			continue;
		}
		if (i == SRCQ_UP) {
			body = vec(now, "up", in->up, in->nup);
		} else if (i == SRCQ_TS) {
			char (*spec)[128] = xcalloc(in->nup ? in->nup : 1, sizeof *spec);
			const char **ps = xcalloc(in->nup ? in->nup : 1, sizeof *ps);
			for (size_t k = 0; k < in->nup; k++) {
				char inst[64];
				sscanf(in->up[k], "%63[^|]", inst);
				snprintf(spec[k], sizeof spec[k], "%s|-|%.3f", inst, (double)in->sample_ms / 1000.0);
				ps[k] = spec[k];
			}
			body = vec(now, "x", ps, in->nup);
			free(ps);
			free(spec);
		} else if (i == SRCQ_FAMILIES) {
			body = vec(now, "health", in->health, in->nhealth);
		} else if (i == SRCQ_FAMILIES + 5) {
			body = vec(now, "db_conns_open", in->db, in->ndb);
		} else {
			body = vec(now, "nothing", NULL, 0);
		}
		assert_int_equal(promapi_parse(body, strlen(body), &r.res[i]), 0);
		free(body);
	}
	promapi_targets_t t;
	if (in->targets) {
		size_t len;
		char *body = tu_slurp(in->targets, &len);
		assert_int_equal(promapi_parse_targets(body, len, &t), 0);
		free(body);
		r.targets = &t;
	}
	src_apply(&f->m, f->nconfig, f->cfg, &f->s.sources[0], &f->st, &r);
	model_tick(&f->m, now);
	if (in->targets)
		promapi_targets_free(&t);
	for (size_t i = 0; i < nq; i++)
		promapi_result_free(&r.res[i]);
	free(r.res);
	free(r.error);
}

static const node_t *node_of(const fake_t *f, const char *name)
{
	size_t i = model_find_node(&f->m, name);
	assert_true(i != (size_t)-1);
	return &f->m.nodes[i];
}

static const check_t *check_of(const node_t *n, const char *name)
{
	for (size_t i = 0; i < n->nchecks; i++)
		if (strcmp(n->checks[i].name, name) == 0)
			return &n->checks[i];
	return NULL;
}

static const char *const UP3[] = { "127.0.0.1:35071|-|1", "127.0.0.1:40439|-|1", "127.0.0.1:1|-|0" };
static const char *const HEALTH[] = {
	"127.0.0.1:35071|,\"service_id\":\"Heartbeat\"|1",
	"127.0.0.1:40439|,\"service_id\":\"Heartbeat\"|1",
	"127.0.0.1:40439|,\"service_id\":\"EVM.1.HeadTracker.HeadListener\"|0",
};
static const char *const DB[] = { "127.0.0.1:35071|-|5", "127.0.0.1:40439|-|5" };

/* A round of the three-node fleet (UP3, HEALTH, DB) whose samples are age_ms old at now. */
static void fleet_round(fake_t *f, int64_t now, int64_t age_ms)
{
	round_in_t in = { UP3, 3, now - age_ms, HEALTH, 3, DB, 2, NULL, NULL, NULL, false, NULL, 0 };
	run_round(f, &in, now);
}

static void test_round_discovers_and_judges(void **state)
{
	(void)state;
	fake_t f;
	fake_init(&f, NULL);
	int64_t t0 = TU_T0;
	round_in_t in = { UP3, 3, t0 - 500, HEALTH, 3, DB, 2, NULL, NULL, "promapi/prom-targets.json", false, NULL, 0 };
	run_round(&f, &in, t0);
	assert_int_equal(f.m.nnodes, 3);
	const node_t *a = node_of(&f, "127.0.0.1:35071"), *b = node_of(&f, "127.0.0.1:40439");
	const node_t *down = node_of(&f, "127.0.0.1:1");
	assert_int_equal(a->ind[IND_NODE].state, STATE_UP);
	assert_non_null(check_of(a, "Heartbeat"));
	assert_int_equal(b->ind[IND_NODE].state, STATE_DEGRADED);
	const check_t *hl = check_of(b, "EVM.1.HeadTracker.HeadListener");
	assert_non_null(hl);
	assert_int_equal(hl->status, CHECK_FAILING);
	assert_string_equal(hl->output, "output not available through Prometheus");
	/* up == 0: down, with the scrape error the target gave */
	assert_int_equal(down->ind[IND_NODE].state, STATE_DOWN);
	assert_non_null(strstr(down->ind[IND_NODE].reason, "scrape failed (source eu):"));
	assert_non_null(strstr(down->ind[IND_NODE].reason, "connect: connection refused"));
	assert_int_equal(down->health_error, PROBE_ERR_REFUSED);
	assert_int_equal(model_node_attention(&f.m, model_find_node(&f.m, "127.0.0.1:1"), t0).severity, SEV_CRITICAL);
	assert_int_equal(f.st.nodes_seen, 3);
	fake_free(&f);
}

static void test_source_down_makes_nodes_unknown(void **state)
{
	(void)state;
	fake_t f;
	fake_init(&f, NULL);
	int64_t t0 = TU_T0;
	fleet_round(&f, t0, 500);
	round_in_t bad = { NULL, 0, 0, NULL, 0, NULL, 0, "connection refused", NULL, NULL, false, NULL, 0 };
	run_round(&f, &bad, t0 + 5000);
	assert_int_equal(f.m.nnodes, 3);
	for (size_t i = 0; i < f.m.nnodes; i++) {
		attention_t at = model_node_attention(&f.m, i, t0 + 5000);
		assert_int_equal(f.m.nodes[i].ind[IND_NODE].state, STATE_UNKNOWN);
		assert_int_equal(at.severity, SEV_UNKNOWN);
		assert_non_null(strstr(f.m.nodes[i].ind[IND_NODE].reason, "nodetop cannot see: source eu: connection refused"));
		assert_int_not_equal(f.m.nodes[i].ind[IND_DB].state, STATE_DOWN);
	}
	assert_int_equal(f.st.failed_rounds, 1);
	/* the header's line: the source cannot be read */
	fake_show(&f);
	char line[200];
	bool trouble;
	model_source_line(&f.m, t0 + 5000, line, sizeof line, &trouble);
	assert_string_equal(line, "source eu: cannot read: connection refused");
	assert_true(trouble);
	/* and back */
	fleet_round(&f, t0 + 10000, 500);
	assert_int_equal(node_of(&f, "127.0.0.1:35071")->ind[IND_NODE].state, STATE_UP);
	model_source_line(&f.m, t0 + 12000, line, sizeof line, &trouble);
	assert_string_equal(line, "via eu, 2s old");
	assert_false(trouble);
	/* a family's query fails: the fleet is read, the header warns */
	round_in_t half = { UP3, 3, t0 + 15000 - 500, HEALTH, 3, DB, 2, NULL, "timed out after 4000 ms", NULL, false, NULL, 0 };
	run_round(&f, &half, t0 + 15000);
	assert_int_equal(node_of(&f, "127.0.0.1:35071")->ind[IND_NODE].state, STATE_UP);
	/* the checks seen last are kept, not dropped as "no longer reported" */
	const check_t *hl = check_of(node_of(&f, "127.0.0.1:40439"), "EVM.1.HeadTracker.HeadListener");
	assert_non_null(hl);
	assert_int_equal(hl->status, CHECK_FAILING);
	assert_int_equal(node_of(&f, "127.0.0.1:40439")->ind[IND_NODE].state, STATE_DEGRADED);
	model_source_line(&f.m, t0 + 15000, line, sizeof line, &trouble);
	assert_string_equal(line, "via eu, 0s old; eu: query of a family failed: timed out after 4000 ms");
	assert_true(trouble);
	f.m.sources = NULL;
	f.m.nsources = 0;
	fake_free(&f);
}

static void test_stale_and_gone(void **state)
{
	(void)state;
	fake_t f;
	fake_init(&f, NULL);
	int64_t t0 = TU_T0;
	fleet_round(&f, t0, 500);
	/* samples 2.5 s old with a 1 s scrape interval: stale */
	fleet_round(&f, t0 + 5000, 2500);
	const node_t *a = node_of(&f, "127.0.0.1:35071");
	assert_int_equal(a->ind[IND_NODE].state, STATE_UNKNOWN);
	assert_non_null(strstr(a->ind[IND_NODE].reason, "stale"));
	/* one series gone: unknown, kept */
	round_in_t two = { UP3, 2, t0 + 10000 - 200, HEALTH, 3, DB, 2, NULL, NULL, NULL, false, NULL, 0 };
	run_round(&f, &two, t0 + 10000);
	assert_int_equal(f.m.nnodes, 3);
	const node_t *gone = node_of(&f, "127.0.0.1:1");
	assert_int_equal(gone->ind[IND_NODE].state, STATE_UNKNOWN);
	assert_non_null(strstr(gone->ind[IND_NODE].reason, "gone from source eu"));
	assert_int_equal(node_of(&f, "127.0.0.1:35071")->ind[IND_NODE].state, STATE_UP);
	fake_free(&f);
}

/* Label values with quotes, backslashes and new lines reach the model as they were: a
 * check's name, and a series whose text the model reads back (db_conns_open). */
static void test_hostile_labels_pass_through(void **state)
{
	(void)state;
	fake_t f;
	fake_init(&f, NULL);
	int64_t t0 = TU_T0;
	const char *const up[] = { "a:1|-|1" };
	const char *const health[] = { "a:1|,\"service_id\":\"Odd\\\"Check\\\\x\\ny\"|0" };
	const char *const db[] = { "a:1|,\"pool\":\"q\\\"r\\\\s\\nt\"|5" };
	round_in_t in = { up, 1, t0 - 100, health, 1, db, 1, NULL, NULL, NULL, false, NULL, 0 };
	run_round(&f, &in, t0);
	const node_t *n = node_of(&f, "a:1");
	const check_t *ck = check_of(n, "Odd\"Check\\x\ny");
	assert_non_null(ck);
	assert_int_equal(ck->status, CHECK_FAILING);
	/* the /metrics text made of it was well formed: its value was read */
	assert_true(n->have_metrics);
	assert_string_equal(n->metrics_error, "");
	assert_float_equal(n->db_open, 5, 0);
	fake_free(&f);
}

static void test_groups_by_label(void **state)
{
	(void)state;
	fake_t f;
	fake_init(&f, "group_label = pair\n");
	int64_t t0 = TU_T0;
	const char *const up[] = { "a:1|,\"pair\":\"p1\"|1", "b:1|,\"pair\":\"p1\"|0", "c:1|-|1" };
	const char *const none[] = { "zz|-|1" };
	round_in_t in = { up, 3, t0 - 100, none, 0, none, 0, NULL, NULL, NULL, false, NULL, 0 };
	run_round(&f, &in, t0);
	assert_string_equal(node_of(&f, "a:1")->group, "p1");
	assert_string_equal(node_of(&f, "b:1")->group, "p1");
	assert_null(node_of(&f, "c:1")->group);
	assert_int_equal(f.m.ngroups, 1);
	/* scraped (up == 1), but the source has no health series of it: no checks claimed */
	assert_int_equal(node_of(&f, "c:1")->ind[IND_NODE].state, STATE_UP);
	assert_string_equal(node_of(&f, "c:1")->ind[IND_NODE].reason, "answering, but no checks reported");
	fake_free(&f);
}

static void test_polled_name_is_not_taken(void **state)
{
	(void)state;
	fake_t f;
	fake_init(&f, NULL);
	model_add_node(&f.m, "127.0.0.1:35071", "http://127.0.0.1:35071", NULL, 5000);
	f.nconfig = 1;
	int64_t t0 = TU_T0;
	fleet_round(&f, t0, 500);
	assert_int_equal(f.m.nnodes, 3);   /* no second node of that name */
	const node_t *polled = node_of(&f, "127.0.0.1:35071");
	assert_int_equal(polled->polls, 0);   /* left to its own poller */
	assert_int_equal(node_of(&f, "127.0.0.1:40439")->ind[IND_NODE].state, STATE_DEGRADED);
	fake_free(&f);
}

static void test_backfill_seeds_uptime(void **state)
{
	(void)state;
	fake_t f;
	fake_init(&f, NULL);
	int64_t t0 = TU_T0;   /* a whole minute */
	fleet_round(&f, t0, 500);
	/* 120 minutes before t0: 35071 always up, 40439 down for 10 of them, "other" not ours */
	strbuf_t b = STRBUF_INIT;
	strbuf_puts(&b, "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[");
	const char *names[] = { "127.0.0.1:35071", "127.0.0.1:40439", "other:1" };
	for (int k = 0; k < 3; k++) {
		strbuf_printf(&b, "%s{\"metric\":{\"__name__\":\"up\",\"instance\":\"%s\"},\"values\":[", k ? "," : "", names[k]);
		for (int i = 0; i < 120; i++) {
			int64_t ts = t0 - (120 - i) * 60000 + 30000;
			strbuf_printf(&b, "%s[%lld,\"%d\"]", i ? "," : "", (long long)(ts / 1000), k == 1 && i >= 50 && i < 60 ? 0 : 1);
		}
		strbuf_puts(&b, "]}");
	}
	strbuf_puts(&b, "]}}");
	promapi_result_t res;
	assert_int_equal(promapi_parse(b.data, b.len, &res), 0);
	strbuf_free(&b);
	size_t seeded = src_backfill(&f.m, 0, NULL, &f.s.sources[0], &f.st, &res, t0);
	assert_int_equal(seeded, 240);
	promapi_result_free(&res);
	double pct = 0;
	const node_t *a = node_of(&f, "127.0.0.1:35071"), *bn = node_of(&f, "127.0.0.1:40439");
	assert_true(uptime_percent(&a->ind[IND_NODE].uptime, t0, 24 * 3600 * INT64_C(1000), &pct));
	assert_true(pct > 99.99);
	assert_true(uptime_percent(&bn->ind[IND_NODE].uptime, t0, 24 * 3600 * INT64_C(1000), &pct));
	assert_true(pct > 100.0 * 110 / 120 - 0.01 && pct < 100.0 * 110 / 120 + 0.01);
	assert_true(uptime_observed_ms(&bn->ind[IND_NODE].uptime, t0, 24 * 3600 * INT64_C(1000)) >= 120 * 60000);
	assert_int_equal(model_find_node(&f.m, "other:1"), (size_t)-1);
	fake_free(&f);
}

/* mixed mode: a polled node with source = eu takes its history from the source (by url host:port) */
static void test_backfill_mixed_mode(void **state)
{
	(void)state;
	fake_t f;
	fake_init(&f, NULL);
	model_add_node(&f.m, "primary", "http://127.0.0.1:40439", NULL, 5000);
	model_add_node(&f.m, "other", "http://127.0.0.1:1", NULL, 5000);
	node_cfg_t cfg[2];
	memset(cfg, 0, sizeof cfg);
	cfg[0].name = "primary";
	cfg[0].url = "http://127.0.0.1:40439";
	cfg[0].source = "eu";
	cfg[1].name = "other";      /* no source = : not backfilled */
	cfg[1].url = "http://127.0.0.1:1";
	int64_t t0 = TU_T0;
	const char *doc = "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
	                  "{\"metric\":{\"instance\":\"127.0.0.1:40439\"},\"values\":[[%lld,\"1\"],[%lld,\"0\"]]},"
	                  "{\"metric\":{\"instance\":\"127.0.0.1:1\"},\"values\":[[%lld,\"1\"]]}]}}";
	char body[600];
	snprintf(body, sizeof body, doc, (long long)(t0 / 1000 - 150), (long long)(t0 / 1000 - 90), (long long)(t0 / 1000 - 90));
	promapi_result_t res;
	assert_int_equal(promapi_parse(body, strlen(body), &res), 0);
	assert_int_equal(src_backfill(&f.m, 2, cfg, &f.s.sources[0], &f.st, &res, t0), 2);
	promapi_result_free(&res);
	double pct;
	assert_true(uptime_percent(&f.m.nodes[0].ind[IND_NODE].uptime, t0, 3600000, &pct));
	assert_true(pct > 49.9 && pct < 50.1);
	assert_false(uptime_percent(&f.m.nodes[1].ind[IND_NODE].uptime, t0, 3600000, &pct));
	fake_free(&f);
}

/* mixed mode: a polled node with source = eu whose series the source has (by the url's
 * host:port, userinfo aside) stays one node, polled directly; the source says so */
static void test_mixed_mode_one_node(void **state)
{
	(void)state;
	fake_t f;
	fake_init(&f, NULL);
	model_add_node(&f.m, "primary", "http://user:pw@127.0.0.1:40439", NULL, 5000);
	node_cfg_t cfg[1];
	memset(cfg, 0, sizeof cfg);
	cfg[0].name = "primary";
	cfg[0].url = "http://user:pw@127.0.0.1:40439";
	cfg[0].source = "eu";
	f.cfg = cfg;
	f.nconfig = 1;
	const src_state_t *views[1] = { &f.st };
	f.m.sources = (struct src_state *const *)views;
	f.m.nsources = 1;
	snprintf(f.st.name, sizeof f.st.name, "eu");
	int64_t t0 = TU_T0;
	fleet_round(&f, t0, 500);
	assert_int_equal(f.m.nnodes, 3);   /* primary, 35071, 1: 40439 is primary, not a second node */
	assert_int_equal(model_find_node(&f.m, "127.0.0.1:40439"), (size_t)-1);
	assert_int_equal(f.m.nodes[0].polls, 0);   /* its live state is its own polls' */
	assert_null(model_source_of(&f.m, 0));
	assert_ptr_equal(model_source_mixed(&f.m, 0), &f.st);
	assert_ptr_equal(model_source_of(&f.m, model_find_node(&f.m, "127.0.0.1:35071")), &f.st);
	assert_null(model_source_mixed(&f.m, model_find_node(&f.m, "127.0.0.1:35071")));
	assert_int_equal(model_source_polled(&f.m), 1);

	/* --once: where each part came from */
	cJSON *o = cJSON_CreateObject();
	report_source_node_json(o, &f.m, 0);
	char *js = cJSON_PrintUnformatted(o);
	assert_string_equal(js, "{\"from\":{\"state\":\"direct\",\"checks\":\"direct\",\"history\":\"source eu\"}}");
	free(js);
	cJSON_Delete(o);
	o = cJSON_CreateObject();
	report_source_node_json(o, &f.m, model_find_node(&f.m, "127.0.0.1:35071"));
	js = cJSON_PrintUnformatted(o);
	assert_string_equal(js, "{\"from\":{\"state\":\"source eu\",\"checks\":\"source eu\",\"history\":\"source eu\"}}");
	free(js);
	cJSON_Delete(o);
	strbuf_t sb = STRBUF_INIT;
	report_source_node_text(&sb, &f.m, 0);
	assert_string_equal(strbuf_str(&sb), "  from:     state and checks from direct polls, history from source eu\n");
	strbuf_free(&sb);
	f.m.sources = NULL;
	f.m.nsources = 0;
	fake_free(&f);
}

/* nothing polled: the model says so (the header makes no claim about polls) */
static void test_polled_counts(void **state)
{
	(void)state;
	fake_t f;
	fake_init(&f, NULL);
	const src_state_t *views[1] = { &f.st };
	f.m.sources = (struct src_state *const *)views;
	f.m.nsources = 1;
	int64_t t0 = TU_T0;
	fleet_round(&f, t0, 500);
	assert_int_equal(f.m.nnodes, 3);
	assert_int_equal(model_source_polled(&f.m), 0);
	model_add_node(&f.m, "direct", "http://d:6688", NULL, 5000);
	assert_int_equal(model_source_polled(&f.m), 1);
	assert_null(model_source_of(&f.m, 3));
	f.m.sources = NULL;
	f.m.nsources = 0;
	fake_free(&f);
}

/* "sources" of --once --json: up with its age, queries and nodes; down with why; the url's userinfo masked */
static void test_sources_json(void **state)
{
	(void)state;
	fake_t f;
	fake_init(&f, NULL);
	const src_state_t *views[1] = { &f.st };
	f.m.sources = (struct src_state *const *)views;
	f.m.nsources = 1;
	snprintf(f.st.name, sizeof f.st.name, "eu");
	snprintf(f.st.type, sizeof f.st.type, "prometheus");
	snprintf(f.st.url, sizeof f.st.url, "http://***@p:9090");
	cJSON *a = report_source_json(&f.m, TU_T0);
	char *js = cJSON_PrintUnformatted(a);
	assert_string_equal(js, "[{\"name\":\"eu\",\"type\":\"prometheus\",\"url\":\"http://***@p:9090\","
	                        "\"state\":\"unknown\",\"age_ms\":null,\"queries_per_round\":null,\"nodes\":0,\"error\":null}]");
	free(js);
	cJSON_Delete(a);
	int64_t t0 = TU_T0;
	fleet_round(&f, t0, 500);
	size_t nq;
	char **qs = srcq_build(&f.s.sources[0], &f.s.charts, &nq);
	srcq_free(qs, nq);
	a = report_source_json(&f.m, t0 + 1500);
	cJSON *s0 = cJSON_GetArrayItem(a, 0);
	assert_string_equal(cJSON_GetObjectItem(s0, "state")->valuestring, "up");
	assert_int_equal((int)cJSON_GetObjectItem(s0, "age_ms")->valuedouble, 1500);
	assert_int_equal((size_t)cJSON_GetObjectItem(s0, "queries_per_round")->valuedouble, nq);
	assert_int_equal((int)cJSON_GetObjectItem(s0, "nodes")->valuedouble, 3);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(s0, "error")));
	cJSON_Delete(a);
	round_in_t dead = { UP3, 3, t0 - 500, HEALTH, 3, DB, 2, "connection refused", NULL, NULL, false, NULL, 0 };
	run_round(&f, &dead, t0 + 5000);
	a = report_source_json(&f.m, t0 + 6000);
	s0 = cJSON_GetArrayItem(a, 0);
	assert_string_equal(cJSON_GetObjectItem(s0, "state")->valuestring, "down");
	assert_string_equal(cJSON_GetObjectItem(s0, "error")->valuestring, "connection refused");
	assert_int_equal((int)cJSON_GetObjectItem(s0, "age_ms")->valuedouble, 6000);
	cJSON_Delete(a);
	strbuf_t sb = STRBUF_INIT;
	report_source_text(&sb, &f.m, t0 + 6000);
	assert_string_equal(strbuf_str(&sb), "source eu (prometheus): DOWN - connection refused\n");
	strbuf_free(&sb);
	f.m.sources = NULL;
	f.m.nsources = 0;
	fake_free(&f);
}

/* backfill of the database and RPC indicators: their own queries (restricted by the
 * selector, by name_label), a minute's 1/0 into that indicator's uptime only */
static void test_backfill_db_and_rpc(void **state)
{
	(void)state;
	fake_t f;
	fake_init(&f, "selector = {job=\"cl\"}\n");
	char *q = srcq_backfill_ind(&f.s.sources[0], IND_DB);
	assert_string_equal(q, "1 - (db_conns_open{job=\"cl\"} <= bool 0) * (db_conns_max{job=\"cl\"} > bool 0)");
	free(q);
	q = srcq_backfill_ind(&f.s.sources[0], IND_RPC);
	assert_string_equal(q, "min by (instance) (sum by (instance, chainId) (multi_node_states{job=\"cl\",state=\"Alive\"}) "
	                       "> bool 0) or min by (instance) (sum by (instance, evmChainID) "
	                       "(evm_pool_rpc_node_states{job=\"cl\",state=\"Alive\"}) > bool 0)");
	free(q);
	q = srcq_backfill_ind(&f.s.sources[0], IND_NODE);
	assert_string_equal(q, "up{job=\"cl\"}");
	free(q);
	int64_t t0 = TU_T0;
	fleet_round(&f, t0, 500);
	const char *doc = "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
	                  "{\"metric\":{\"instance\":\"127.0.0.1:35071\"},\"values\":[[%lld,\"1\"],[%lld,\"0\"],[%lld,\"0\"],[%lld,\"1\"]]}]}}";
	char body[600];
	snprintf(body, sizeof body, doc, (long long)(t0 / 1000 - 230), (long long)(t0 / 1000 - 170),
	         (long long)(t0 / 1000 - 110), (long long)(t0 / 1000 - 50));
	promapi_result_t res;
	assert_int_equal(promapi_parse(body, strlen(body), &res), 0);
	assert_int_equal(src_backfill_ind(&f.m, 0, NULL, &f.s.sources[0], &f.st, IND_DB, &res, t0), 4);
	assert_int_equal(src_backfill_ind(&f.m, 0, NULL, &f.s.sources[0], &f.st, IND_RPC, &res, t0), 4);
	promapi_result_free(&res);
	const node_t *a = node_of(&f, "127.0.0.1:35071");
	double pct;
	for (int k = IND_DB; k <= IND_RPC; k++) {
		assert_true(uptime_percent(&a->ind[k].uptime, t0, 3600000, &pct));
		assert_true(pct > 49.9 && pct < 50.1);
	}
	/* the node indicator is up's, not the database's */
	assert_true(uptime_observed_ms(&a->ind[IND_NODE].uptime, t0, 3600000) < 60000);
	assert_true(uptime_observed_ms(&a->ind[IND_DB].uptime, t0, 3600000) >= 4 * 60000);
	fake_free(&f);
}


/* After the first full check list a round asks the failing checks of the fleet and the
 * full lists of one part of it: the failing ones are applied to the list each node had (the
 * others pass), a node of the part gets its list anew, a new node waits for its list. */
static void test_failing_checks_between_full_lists(void **state)
{
	(void)state;
	fake_t f;
	fake_init(&f, NULL);
	int64_t t = TU_T0;
	static const char *const up1[] = { "a:1|-|1" };
	static const char *const full[] = { "a:1|,\"service_id\":\"Heartbeat\"|1", "a:1|,\"service_id\":\"EVM.1.Txm\"|1",
		                            "a:1|,\"service_id\":\"Heartbeat\"|1" /* a second job: once */ };
	src_health_ask_t ask;
	srcq_health_ask(&f.m, &f.s.sources[0], &f.st, &ask);
	assert_true(ask.all);   /* the first round asks every node's full list */
	assert_string_equal(ask.query, "{__name__=~\"health\",job=\"chainlink_node\"}");
	srcq_health_ask_free(&ask);
	round_in_t in = { up1, 1, t - 100, full, 3, NULL, 0, NULL, NULL, NULL, false, NULL, 0 };
	run_round(&f, &in, t);
	const node_t *a = node_of(&f, "a:1");
	assert_int_equal(a->nchecks, 2);
	assert_int_equal(a->ind[IND_NODE].state, STATE_UP);
	srcq_health_ask(&f.m, &f.s.sources[0], &f.st, &ask);
	assert_false(ask.all);
	assert_string_equal(ask.query, ask.nnames ? "{__name__=~\"health\",job=\"chainlink_node\"} == 0 or "
	                                            "{__name__=~\"health\",job=\"chainlink_node\",instance=~\"a:1\"}"
	                                          : "{__name__=~\"health\",job=\"chainlink_node\"} == 0");
	srcq_health_ask_free(&ask);

	/* Txm fails: degraded, Heartbeat still listed and passing */
	static const char *const fail1[] = { "a:1|,\"service_id\":\"EVM.1.Txm\"|0" };
	t += 1000;
	round_in_t in2 = { up1, 1, t - 100, fail1, 1, NULL, 0, NULL, NULL, NULL, true, NULL, 0 };
	run_round(&f, &in2, t);
	a = node_of(&f, "a:1");
	assert_int_equal(a->nchecks, 2);
	assert_int_equal(a->ind[IND_NODE].state, STATE_DEGRADED);
	assert_int_equal(check_of(a, "EVM.1.Txm")->status, CHECK_FAILING);
	assert_string_equal(check_of(a, "EVM.1.Txm")->output, "output not available through Prometheus");
	assert_int_equal(check_of(a, "Heartbeat")->status, CHECK_PASSING);

	/* a failing check it did not have is added; one that stopped failing passes */
	static const char *const fail2[] = { "a:1|,\"service_id\":\"Mailbox\"|0" };
	t += 1000;
	round_in_t in3 = { up1, 1, t - 100, fail2, 1, NULL, 0, NULL, NULL, NULL, true, NULL, 0 };
	run_round(&f, &in3, t);
	a = node_of(&f, "a:1");
	assert_int_equal(a->nchecks, 3);
	assert_int_equal(check_of(a, "EVM.1.Txm")->status, CHECK_PASSING);
	assert_int_equal(check_of(a, "Mailbox")->status, CHECK_FAILING);
	assert_int_equal(a->ind[IND_NODE].state, STATE_DEGRADED);

	/* nothing fails: up, every check it had listed and passing */
	t += 1000;
	round_in_t in4 = { up1, 1, t - 100, NULL, 0, NULL, 0, NULL, NULL, NULL, true, NULL, 0 };
	run_round(&f, &in4, t);
	a = node_of(&f, "a:1");
	assert_int_equal(a->nchecks, 3);
	assert_int_equal(a->nfailing, 0);
	assert_int_equal(a->ind[IND_NODE].state, STATE_UP);
	run_round(&f, &in4, t + 500);   /* the same again: unchanged */
	assert_int_equal(node_of(&f, "a:1")->nchecks, 3);
	assert_int_equal(node_of(&f, "a:1")->ind[IND_NODE].state, STATE_UP);

	/* a node that appears between full lists has none: no checks said, its list asked next round */
	static const char *const up2[] = { "a:1|-|1", "b:2|-|1" };
	t += 1000;
	round_in_t in5 = { up2, 2, t - 100, NULL, 0, NULL, 0, NULL, NULL, NULL, true, NULL, 0 };
	run_round(&f, &in5, t);
	const node_t *b = node_of(&f, "b:2");
	assert_int_equal(b->nchecks, 0);
	assert_false(b->have_health);
	assert_int_not_equal(b->ind[IND_NODE].state, STATE_UP);
	srcq_health_ask(&f.m, &f.s.sources[0], &f.st, &ask);
	assert_false(ask.all);
	bool asks_b = false;
	for (size_t i = 0; i < ask.nnames; i++)
		asks_b |= strcmp(ask.names[i], "b:2") == 0;
	assert_true(asks_b);
	assert_non_null(strstr(ask.query, "instance=~\""));
	srcq_health_ask_free(&ask);
	/* the part's lists: b's (and a's) replace what each had; a passing check in it is listed */
	static const char *const part[] = { "a:1|,\"service_id\":\"Heartbeat\"|1", "b:2|,\"service_id\":\"Heartbeat\"|1",
		                            "b:2|,\"service_id\":\"JobSpawner\"|1" };
	static const char *const both[] = { "a:1", "b:2" };
	t += 1000;
	round_in_t in6 = { up2, 2, t - 100, part, 3, NULL, 0, NULL, NULL, NULL, true, both, 2 };
	run_round(&f, &in6, t);
	assert_int_equal(node_of(&f, "b:2")->ind[IND_NODE].state, STATE_UP);
	assert_int_equal(node_of(&f, "b:2")->nchecks, 2);
	/* the full list replaces what a had: the checks gone from it are gone */
	assert_int_equal(node_of(&f, "a:1")->nchecks, 1);
	/* a node not of the part: a passing check in the answer is no news, only failing ones count */
	static const char *const mixed[] = { "b:2|,\"service_id\":\"Extra\"|1", "b:2|,\"service_id\":\"JobSpawner\"|0" };
	t += 1000;
	round_in_t in7 = { up2, 2, t - 100, mixed, 2, NULL, 0, NULL, NULL, NULL, true, NULL, 0 };
	run_round(&f, &in7, t);
	b = node_of(&f, "b:2");
	assert_int_equal(b->nchecks, 2);
	assert_null(check_of(b, "Extra"));
	assert_int_equal(check_of(b, "JobSpawner")->status, CHECK_FAILING);
	/* a failed health query: the checks seen last stay */
	t += 1000;
	round_in_t in8 = { up2, 2, t - 100, NULL, 0, NULL, 0, NULL, "timed out after 5000 ms", NULL, true, NULL, 0 };
	run_round(&f, &in8, t);
	assert_int_equal(node_of(&f, "a:1")->ind[IND_NODE].state, STATE_UP);
	assert_int_equal(node_of(&f, "b:2")->nchecks, 2);
	fake_free(&f);
}

/* The parts: over SRC_HEALTH_PARTS rounds every node's full list is asked exactly once
 * (each round a part, none of them most of the fleet), a name with regular expression
 * characters matches only itself, and no answer of the whole fleet's lists is asked again. */
static void test_health_parts(void **state)
{
	(void)state;
	fake_t f;
	fake_init(&f, "selector = {job=\"cl\"}\n");
	enum { N = 600 };
	static char names[N][32], specs[N][48];
	static const char *up[N], *full[N];
	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof names[i], i == 7 ? "node.7:(x)+y" : "node%03d.eu:9100", i);
		snprintf(specs[i], sizeof specs[i], "%s|-|1", names[i]);
		up[i] = specs[i];
	}
	for (int i = 0; i < N; i++) {
		static char hs[N][160];
		snprintf(hs[i], sizeof hs[i], "%.31s|,\"service_id\":\"Heartbeat\"|1", names[i]);
		full[i] = hs[i];
	}
	int64_t t = TU_T0;
	round_in_t in = { up, N, t - 100, full, N, NULL, 0, NULL, NULL, NULL, false, NULL, 0 };
	run_round(&f, &in, t);
	assert_int_equal(f.m.nnodes, N);
	int asked[N] = { 0 }, odd = 0;
	size_t most = 0;
	for (int r = 0; r < SRC_HEALTH_PARTS; r++) {
		src_health_ask_t ask;
		srcq_health_ask(&f.m, &f.s.sources[0], &f.st, &ask);
		assert_false(ask.all);
		const char *pre = "{__name__=~\"health\",job=\"cl\"} == 0 or {__name__=~\"health\",job=\"cl\",instance=~\"";
		assert_true(strncmp(ask.query, pre, strlen(pre)) == 0);
		most = ask.nnames > most ? ask.nnames : most;
		for (size_t k = 0; k < ask.nnames; k++)
			for (int i = 0; i < N; i++)
				asked[i] += strcmp(ask.names[k], names[i]) == 0;
		for (size_t k = 1; k < ask.nnames; k++)
			assert_true(strcmp(ask.names[k - 1], ask.names[k]) < 0);
		odd += strstr(ask.query, "node\\\\.7:\\\\(x\\\\)\\\\+y|") != NULL;   /* node\.7:\(x\)\+y in a string */
		srcq_health_ask_free(&ask);
	}
	for (int i = 0; i < N; i++)
		assert_int_equal(asked[i], 1);
	assert_int_equal(odd, 1);   /* the odd name, escaped, once */
	assert_true(most < N / 4);   /* a part is a part: 600 / 12 is 50 on average */
	fake_free(&f);
}

/* Charts backfilled: one query_range per chart for the fleet (gauges summed, counters as a
 * rate per minute, by node and split key), the points before the ones a node has. */
static void test_backfill_charts(void **state)
{
	(void)state;
	fake_t f;
	fake_init(&f, "selector = {job=\"cl\"}\n");
	const chart_set_t *cs = &f.m.charts;
	size_t head = cs->n, heads = cs->n, rpc = cs->n;
	for (size_t i = 0; i < cs->n; i++) {
		head = strcmp(cs->defs[i].id, "head") == 0 ? i : head;
		heads = strcmp(cs->defs[i].id, "heads") == 0 ? i : heads;
		rpc = strcmp(cs->defs[i].id, "rpc_alive") == 0 ? i : rpc;
	}
	assert_true(head < cs->n && heads < cs->n && rpc < cs->n);
	char *q = srcq_backfill_chart(&f.s.sources[0], &cs->defs[head]);
	assert_non_null(strstr(q, "sum by (instance, "));
	assert_non_null(strstr(q, "{__name__=~\"head_tracker_current_head"));
	assert_non_null(strstr(q, ",job=\"cl\"}"));
	assert_null(strstr(q, "rate("));
	free(q);
	q = srcq_backfill_chart(&f.s.sources[0], &cs->defs[heads]);
	assert_non_null(strstr(q, "(rate({__name__=~\"head_tracker_heads_received"));
	assert_non_null(strstr(q, "[60s])) * 60"));
	free(q);
	q = srcq_backfill_chart(&f.s.sources[0], &cs->defs[rpc]);
	assert_non_null(strstr(q, ",state=\"Alive\"}"));   /* the chart's filter */
	free(q);

	int64_t t0 = TU_T0;
	static const char *const up1[] = { "a:1|-|1" };
	round_in_t in = { up1, 1, t0 - 100, NULL, 0, NULL, 0, NULL, NULL, NULL, false, NULL, 0 };
	run_round(&f, &in, t0);
	/* a live point of a's head chart at t0 (what the round above gave: none), then the backfill */
	const char *doc = "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
	                  "{\"metric\":{\"instance\":\"a:1\",\"evmChainID\":\"1\"},\"values\":[[%lld,\"100\"],[%lld,\"101\"],[%lld,\"102\"]]},"
	                  "{\"metric\":{\"instance\":\"other:9\",\"evmChainID\":\"1\"},\"values\":[[%lld,\"7\"]]}]}}";
	char body[1024];
	long long s0 = t0 / 1000;
	snprintf(body, sizeof body, doc, s0 - 15, s0 - 10, s0 - 5, s0 - 5);
	promapi_result_t res;
	assert_int_equal(promapi_parse(body, strlen(body), &res), 0);
	assert_true(model_restore_point(&f.m, 0, "head:1", t0 - 7000, 555));   /* a point it had (local history) */
	size_t added = src_backfill_chart(&f.m, 0, NULL, &f.s.sources[0], &f.st, head, &res);
	promapi_result_free(&res);
	assert_int_equal(added, 2);   /* the one at t0 - 5 s is newer than the point it had: kept out */
	const node_t *a = node_of(&f, "a:1");
	const series_t *sr = NULL;
	for (size_t i = 0; i < a->nseries; i++)
		if (a->series[i].def == head && strcmp(a->series[i].key, "1") == 0)
			sr = &a->series[i];
	assert_non_null(sr);
	assert_int_equal(sr->ring.len, 3);
	int64_t t;
	double v;
	assert_true(ring_get(&sr->ring, 0, &t, &v));
	assert_int_equal(t, t0 - 15000);
	assert_float_equal(v, 100, 0);
	assert_true(ring_get(&sr->ring, 1, &t, &v));
	assert_int_equal(t, t0 - 10000);
	assert_true(ring_get(&sr->ring, 2, &t, &v));
	assert_int_equal(t, t0 - 7000);
	assert_float_equal(v, 555, 0);
	assert_int_equal(model_find_node(&f.m, "other:9"), (size_t)-1);   /* not one of its nodes */
	fake_free(&f);
}

/* The first round's up shows the fleet before the rest of the round is in; a node whose
 * checks could not be read says why it has no state. */
static void test_first_up_and_unread_checks(void **state)
{
	(void)state;
	fake_t f;
	fake_init(&f, NULL);
	int64_t t0 = TU_T0;
	static const char *const up2[] = { "a:1|-|1", "b:2|-|0" };
	char *body = vec(t0, "up", up2, 2);
	promapi_result_t up;
	assert_int_equal(promapi_parse(body, strlen(body), &up), 0);
	free(body);
	assert_int_equal(src_discover(&f.m, 0, NULL, &f.s.sources[0], &f.st, &up), 2);
	assert_int_equal(src_discover(&f.m, 0, NULL, &f.s.sources[0], &f.st, &up), 0);   /* known: not twice */
	promapi_result_free(&up);
	assert_int_equal(f.m.nnodes, 2);
	model_tick(&f.m, t0);
	const node_t *a = node_of(&f, "a:1");
	assert_int_equal(a->ind[IND_NODE].state, STATE_UNKNOWN);
	assert_string_equal(a->ind[IND_NODE].reason, "waiting for the first round of source eu");
	/* the round: health timed out, a had never had its checks */
	round_in_t in = { up2, 2, t0 - 100, NULL, 0, NULL, 0, NULL, "timed out after 5000 ms", NULL, false, NULL, 0 };
	run_round(&f, &in, t0 + 500);
	a = node_of(&f, "a:1");
	assert_int_equal(f.m.nnodes, 2);
	assert_int_equal(a->ind[IND_NODE].state, STATE_UNKNOWN);
	assert_string_equal(a->ind[IND_NODE].reason, "checks not read from source eu: timed out after 5000 ms");
	assert_int_equal(node_of(&f, "b:2")->ind[IND_NODE].state, STATE_DOWN);   /* up == 0 needs no checks */
	fake_free(&f);
}

/* A fleet above SRC_CHART_BACKFILL_NODES read through a source: its charts are short
 * (60 samples) and stay in the source (not written again to the local history); a
 * polled node beside it keeps its own. A small fleet keeps them all locally. */
static void test_big_fleet_keeps_charts_in_source(void **state)
{
	(void)state;
	fake_t f;
	fake_init(&f, NULL);
	int64_t t0 = TU_T0;
	model_add_node(&f.m, "p:1", "http://p:1", NULL, 1000);   /* polled, not in the config: a stand-in */
	fake_show(&f);
	size_t n = SRC_CHART_BACKFILL_NODES + 1;
	char (*spec)[64] = xcalloc(n, sizeof *spec);
	const char **specs = xcalloc(n, sizeof *specs);
	for (size_t i = 0; i < n; i++) {
		snprintf(spec[i], sizeof spec[i], "n%05zu:1|-|1", i);
		specs[i] = spec[i];
	}
	char *body = vec(t0, "up", specs, 3);
	promapi_result_t up;
	assert_int_equal(promapi_parse(body, strlen(body), &up), 0);
	free(body);
	assert_int_equal(src_discover(&f.m, 0, NULL, &f.s.sources[0], &f.st, &up), 3);
	promapi_result_free(&up);
	assert_int_equal(f.m.ring_cap, 720);                      /* 4 nodes: long charts, all kept here */
	assert_true(model_charts_local(&f.m, model_find_node(&f.m, "n00000:1")));
	body = vec(t0, "up", specs, n);
	assert_int_equal(promapi_parse(body, strlen(body), &up), 0);
	free(body);
	assert_int_equal(src_discover(&f.m, 0, NULL, &f.s.sources[0], &f.st, &up), n - 3);
	promapi_result_free(&up);
	assert_int_equal(f.m.nnodes, n + 1);
	assert_int_equal(f.m.ring_cap, 60);
	assert_false(model_charts_local(&f.m, model_find_node(&f.m, "n00000:1")));
	assert_false(model_charts_local(&f.m, model_find_node(&f.m, "n02000:1")));
	assert_true(model_charts_local(&f.m, model_find_node(&f.m, "p:1")));
	model_fit_rings(&f.m, 10);                                /* never longer again */
	assert_int_equal(f.m.ring_cap, 60);
	free(spec);
	free(specs);
	fake_free(&f);
}

/* The day's backfill in slices that keep an answer well under max_size: the whole day for
 * a small fleet, 104 minutes a slice for 10 000 nodes at the default 64 MB, never under 10
 * minutes; a backfill that failed is said on the header's source line. */
static void test_backfill_slices_and_failure(void **state)
{
	(void)state;
	assert_int_equal(src_backfill_slice_s((size_t)64 << 20, 3), 86400);
	assert_int_equal(src_backfill_slice_s((size_t)64 << 20, 728), 86400);
	assert_int_equal(src_backfill_slice_s((size_t)64 << 20, 729), 1438 * 60);
	assert_int_equal(src_backfill_slice_s((size_t)64 << 20, 10000), 104 * 60);
	assert_int_equal(src_backfill_slice_s((size_t)32 << 10, 1), 512 * 60);    /* the integration test's */
	assert_int_equal(src_backfill_slice_s((size_t)1 << 10, 100000), 600);
	assert_int_equal(src_backfill_slice_s((size_t)64 << 20, 0), 86400);
	/* 512-minute slices of a day, newest first, a minute apart: three */
	int64_t first = 1000000, end = first + 86400;
	assert_int_equal(src_backfill_prev_end(end, 512 * 60, first), end - 512 * 60 - 60);
	assert_int_equal(src_backfill_prev_end(end - 512 * 60 - 60, 512 * 60, first), end - 2 * (512 * 60 + 60));
	assert_int_equal(src_backfill_prev_end(end - 2 * (512 * 60 + 60), 512 * 60, first), 0);
	assert_int_equal(src_backfill_prev_end(end, 86400, first), 0);   /* the day at once */

	fake_t f;
	fake_init(&f, NULL);
	int64_t t0 = TU_T0;
	fleet_round(&f, t0, 500);
	fake_show(&f);
	char line[300];
	bool trouble;
	model_source_line(&f.m, t0 + 1000, line, sizeof line, &trouble);
	assert_string_equal(line, "via eu, 1s old");
	assert_false(trouble);
	f.st.backfill_slices = 9;
	f.st.backfill_slices_done = 4;
	model_source_line(&f.m, t0 + 1000, line, sizeof line, &trouble);
	assert_string_equal(line, "via eu, 1s old; eu: backfilling the last 24 h (4/9)");
	assert_false(trouble);
	snprintf(f.st.backfill_error, sizeof f.st.backfill_error, "backfill of the node failed: answer larger than 32768 bytes (max_size)");
	model_source_line(&f.m, t0 + 1000, line, sizeof line, &trouble);
	assert_string_equal(line, "via eu, 1s old; eu: backfill of the node failed: answer larger than 32768 bytes (max_size)");
	assert_true(trouble);
	fake_free(&f);
}

/* A reload moves a polled node before the source's and removes one: the source still
 * knows which model index is which of its nodes. */
static void test_move_and_remove_keep_the_source_index(void **state)
{
	(void)state;
	fake_t f;
	fake_init(&f, NULL);
	int64_t t0 = TU_T0;
	fleet_round(&f, t0, 500);
	fake_show(&f);
	size_t p = model_add_node(&f.m, "direct", "http://d:1", NULL, 1000);
	src_move_node(&f.m, p, 0);
	assert_string_equal(f.m.nodes[0].name, "direct");
	assert_null(model_source_of(&f.m, 0));
	for (size_t i = 1; i < f.m.nnodes; i++)
		assert_ptr_equal(model_source_of(&f.m, i), &f.st);
	src_remove_node(&f.m, 0);
	assert_int_equal(f.m.nnodes, 3);
	for (size_t i = 0; i < f.m.nnodes; i++)
		assert_ptr_equal(model_source_of(&f.m, i), &f.st);
	src_remove_node(&f.m, model_find_node(&f.m, "127.0.0.1:1"));
	assert_int_equal(f.m.nnodes, 2);
	for (size_t i = 0; i < f.m.nnodes; i++)
		assert_ptr_equal(model_source_of(&f.m, i), &f.st);
	fake_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settings_defaults),
		cmocka_unit_test(test_url_loopback),
		cmocka_unit_test(test_settings_errors),
		cmocka_unit_test(test_settings_node_source),
		cmocka_unit_test(test_queries_do_not_depend_on_nodes),
		cmocka_unit_test(test_round_discovers_and_judges),
		cmocka_unit_test(test_source_down_makes_nodes_unknown),
		cmocka_unit_test(test_stale_and_gone),
		cmocka_unit_test(test_hostile_labels_pass_through),
		cmocka_unit_test(test_groups_by_label),
		cmocka_unit_test(test_polled_name_is_not_taken),
		cmocka_unit_test(test_backfill_seeds_uptime),
		cmocka_unit_test(test_backfill_mixed_mode),
		cmocka_unit_test(test_mixed_mode_one_node),
		cmocka_unit_test(test_polled_counts),
		cmocka_unit_test(test_sources_json),
		cmocka_unit_test(test_backfill_db_and_rpc),
		cmocka_unit_test(test_failing_checks_between_full_lists),
		cmocka_unit_test(test_health_parts),
		cmocka_unit_test(test_backfill_charts),
		cmocka_unit_test(test_first_up_and_unread_checks),
		cmocka_unit_test(test_big_fleet_keeps_charts_in_source),
		cmocka_unit_test(test_backfill_slices_and_failure),
		cmocka_unit_test(test_move_and_remove_keep_the_source_index),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
