/* test_settings.c - cmocka tests of the configuration: every key of a full file,
 * [defaults] inheritance, every error message, tokens, headers, URLs, parsers. */
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "settings.h"
#include "xalloc.h"

#include "tests/unit/testdata.h"   /* TESTDATA, made by make */

/* ------------------------------------------------------------------ helpers */

static char tmpdir[256];

static int setup_tmpdir(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s/nodetop-settings.XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int teardown_tmpdir(void **state)
{
	char cmd[320];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* Writes a file in the temp dir with the given mode; returns its path (static buffer). */
static const char *write_file(const char *name, const char *text, mode_t mode)
{
	static char path[512];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static const node_cfg_t *node_named(const settings_t *s, const char *name)
{
	for (size_t i = 0; i < s->nnodes; i++)
		if (strcmp(s->nodes[i].name, name) == 0)
			return &s->nodes[i];
	fail_msg("no node '%s'", name);
	return NULL;
}

static void assert_zeroed(const settings_t *s)
{
	assert_null(s->nodes);
	assert_int_equal(s->nnodes, 0);
	assert_null(s->charts.defs);
	assert_null(s->warnings);
	assert_null(s->path);
	assert_null(s->defaults.headers);
}

/* Loads text as "nodetop.conf" and expects the error message. */
static void expect_error(const char *text, const char *msg)
{
	settings_t s;
	char err[512] = "";
	settings_init(&s);
	int rc = settings_load_string(&s, "nodetop.conf", text, err, sizeof(err));
	if (rc != -1 || strcmp(err, msg) != 0)
		fail_msg("config:\n%s\nexpected: %s\ngot (rc %d): %s", text, msg, rc, err);
	assert_zeroed(&s);
	settings_free(&s);   /* harmless on a freed struct */
}

static void load_ok(settings_t *s, const char *text)
{
	char err[512] = "";
	settings_init(s);
	int rc = settings_load_string(s, "nodetop.conf", text, err, sizeof(err));
	if (rc != 0)
		fail_msg("config:\n%s\nunexpected error: %s", text, err);
}

static bool has_warning(const settings_t *s, const char *w)
{
	for (size_t i = 0; i < s->nwarnings; i++)
		if (strcmp(s->warnings[i], w) == 0)
			return true;
	return false;
}

/* ------------------------------------------------------------------ the full file */

static void test_full_file(void **state)
{
	settings_t s;
	char err[512] = "";
	const char *dir = TESTDATA "/conf";
	setenv("NODETOP_TEST_TOKEN", "  env-token-42 \n", 1);
	settings_init(&s);
	int rc = settings_load_file(&s, TESTDATA "/conf/full.conf", err, sizeof(err));
	if (rc != 0)
		fail_msg("%s", err);
	assert_string_equal(s.path, TESTDATA "/conf/full.conf");
	assert_int_equal(s.nnodes, 3);
	assert_string_equal(s.nodes[0].name, "primary");
	assert_string_equal(s.nodes[1].name, "standby");
	assert_string_equal(s.nodes[2].name, "solo.1:b");

	char path[512];
	const node_cfg_t *p = node_named(&s, "primary");
	assert_string_equal(p->url, "https://primary.example.com:6689");
	assert_string_equal(p->group, "pair-a");
	assert_int_equal(p->interval_ms, 2000);
	assert_int_equal(p->health_interval_ms, 30000);
	assert_int_equal(p->timeout_ms, 1500);
	assert_int_equal(p->connect_timeout_ms, 1000);
	assert_int_equal(p->health_max_bytes, 512 * 1024);
	assert_int_equal(p->metrics_max_bytes, 32 * 1024 * 1024);
	assert_true(p->metrics);
	snprintf(path, sizeof(path), "%s/token", dir);
	assert_string_equal(p->bearer_token_file, path);
	assert_null(p->bearer_token_env);
	assert_string_equal(p->bearer_token, "s3cr3t-token");
	assert_int_equal(p->nheaders, 3);
	assert_string_equal(p->headers[0], "X-Env: prod");
	assert_string_equal(p->headers[1], "X-Team: oncall");
	assert_string_equal(p->headers[2], "X-Scope-OrgID: tenant-7");
	snprintf(path, sizeof(path), "%s/ca.pem", dir);
	assert_string_equal(p->ca_file, path);
	snprintf(path, sizeof(path), "%s/cert.pem", dir);
	assert_string_equal(p->cert_file, path);
	snprintf(path, sizeof(path), "%s/key.pem", dir);
	assert_string_equal(p->key_file, path);
	assert_false(p->insecure);

	const node_cfg_t *b = node_named(&s, "standby");
	assert_string_equal(b->url, "https://lb.example.com/standby");
	assert_string_equal(b->group, "pair-a");
	assert_int_equal(b->interval_ms, 10000);
	assert_int_equal(b->health_interval_ms, 60000);   /* from [defaults] */
	assert_int_equal(b->timeout_ms, 3000);
	assert_int_equal(b->connect_timeout_ms, 1500);
	assert_int_equal(b->health_max_bytes, 2 * 1024 * 1024);
	assert_int_equal(b->metrics_max_bytes, 8 * 1024 * 1024);
	assert_false(b->metrics);
	assert_null(b->bearer_token_file);
	assert_string_equal(b->bearer_token_env, "NODETOP_TEST_TOKEN");
	assert_string_equal(b->bearer_token, "env-token-42");
	assert_int_equal(b->nheaders, 3);
	assert_string_equal(b->headers[0], "X-Team: platform");
	assert_string_equal(b->headers[1], "X-Env: prod");
	assert_string_equal(b->headers[2], "Authorization-Extra: x");
	assert_null(b->ca_file);
	assert_null(b->cert_file);
	assert_null(b->key_file);

	const node_cfg_t *c = node_named(&s, "solo.1:b");
	assert_string_equal(c->url, "http://10.0.0.7:6688");
	assert_null(c->group);
	assert_int_equal(c->interval_ms, 10000);
	assert_true(c->metrics);
	assert_null(c->bearer_token);
	assert_int_equal(c->nheaders, 2);
	assert_string_equal(c->headers[0], "X-Env: prod");
	assert_string_equal(c->headers[1], "X-Team: solo");

	assert_int_equal(s.head_stall_ms, 300000);
	assert_true(s.kiosk);
	assert_int_equal(s.kiosk_page_ms, 15000);
	assert_true(s.bell);
	assert_true(s.title);

	assert_int_equal(s.charts.n, 5);
	assert_string_equal(s.charts.defs[0].id, "head");
	assert_string_equal(s.charts.defs[1].id, "heads");
	assert_string_equal(s.charts.defs[2].id, "rpc_alive");
	const chart_def_t *bal = &s.charts.defs[3];
	assert_string_equal(bal->id, "balance");
	assert_string_equal(bal->title, "ETH balance");
	assert_string_equal(bal->metric, "eth_balance");
	assert_string_equal(bal->filter_label, "account");
	assert_string_equal(bal->filter_value, "0xabc");
	assert_string_equal(bal->split_label, "evmChainID");
	assert_int_equal(bal->mode, CHART_GAUGE);
	assert_int_equal(bal->unit, UNIT_NONE);
	assert_true(bal->has_warn);
	assert_true(bal->has_crit);
	assert_true(bal->warn == 0.5);
	assert_true(bal->crit == 0.1);
	assert_true(bal->below);
	const chart_def_t *jobs = &s.charts.defs[4];
	assert_string_equal(jobs->id, "jobs");
	assert_string_equal(jobs->title, "jobs");
	assert_int_equal(jobs->mode, CHART_RATE_PER_MIN);
	assert_int_equal(jobs->unit, UNIT_PER_MIN);
	assert_false(jobs->has_warn);
	assert_false(jobs->below);

	/* warnings depend on the modes the checkout gave the token and key files */
	struct stat st;
	size_t expect = 0;
	snprintf(path, sizeof(path), "%s/token", dir);
	assert_int_equal(stat(path, &st), 0);
	expect += (st.st_mode & 0044) != 0;
	snprintf(path, sizeof(path), "%s/key.pem", dir);
	assert_int_equal(stat(path, &st), 0);
	expect += (st.st_mode & 0044) != 0;
	assert_int_equal(s.nwarnings, expect);
	for (size_t i = 0; i < s.nwarnings; i++)
		assert_non_null(strstr(s.warnings[i], "is readable by group/others"));
	settings_free(&s);
	unsetenv("NODETOP_TEST_TOKEN");
}

static void test_builtin_defaults(void **state)
{
	settings_t s;
	char err[256];
	settings_init(&s);
	assert_int_equal(settings_load_file(&s, TESTDATA "/conf/minimal.conf", err, sizeof(err)), 0);
	assert_int_equal(s.nnodes, 1);
	const node_cfg_t *n = &s.nodes[0];
	assert_string_equal(n->name, "alpha");
	assert_string_equal(n->url, "http://127.0.0.1:6688");
	assert_null(n->group);
	assert_int_equal(n->interval_ms, 5000);
	assert_int_equal(n->health_interval_ms, 0);         /* automatic */
	assert_int_equal(n->timeout_ms, 4000);
	assert_int_equal(n->connect_timeout_ms, 2000);
	assert_int_equal(n->health_max_bytes, 1024 * 1024);
	assert_int_equal(n->metrics_max_bytes, 16 * 1024 * 1024);
	assert_true(n->metrics);
	assert_null(n->bearer_token);
	assert_int_equal(n->nheaders, 0);
	assert_false(n->insecure);
	assert_int_equal(s.head_stall_ms, 180000);
	assert_false(s.kiosk);
	assert_int_equal(s.kiosk_page_ms, 10000);
	assert_int_equal(s.nwarnings, 0);
	chart_set_t def = { 0 };
	chart_set_defaults(&def);
	assert_int_equal(s.charts.n, def.n);
	chart_set_free(&def);
	settings_free(&s);

	/* a file without nodes is fine: the caller decides */
	settings_init(&s);
	assert_int_equal(settings_load_file(&s, TESTDATA "/conf/empty.conf", err, sizeof(err)), 0);
	assert_int_equal(s.nnodes, 0);
	settings_free(&s);
}

/* The shipped example must load as it is. */
static void test_example_loads(void **state)
{
	settings_t s;
	char err[512] = "";
	settings_init(&s);
	if (settings_load_file(&s, TESTDATA "/../../share/nodetop.conf.example", err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(s.nnodes, 4);
	assert_string_equal(node_named(&s, "primary")->group, "pair-1");
	assert_string_equal(node_named(&s, "standby")->group, "pair-1");
	assert_string_equal(node_named(&s, "lb")->url, "https://lb.example.com/chainlink");
	assert_int_equal(node_named(&s, "lb")->interval_ms, 15000);
	assert_false(node_named(&s, "dev")->metrics);
	assert_int_equal(s.charts.n, 10);
	assert_string_equal(s.charts.defs[9].id, "balance");
	assert_int_equal(s.nwarnings, 0);
	settings_free(&s);
}

static void test_defaults_any_order(void **state)
{
	static const char *const first =
		"[defaults]\ninterval = 30s\ntimeout = 10s\ngroup = g\nmetrics = no\n"
		"[node a]\nurl = http://a:1\n[node b]\nurl = http://b:2\ninterval = 1m\nmetrics = on\n";
	static const char *const last =
		"[node a]\nurl = http://a:1\n[node b]\nurl = http://b:2\ninterval = 1m\nmetrics = on\n"
		"[defaults]\ninterval = 30s\ntimeout = 10s\ngroup = g\nmetrics = no\n";
	static const char *const between =
		"[node a]\nurl = http://a:1\n[defaults]\ninterval = 30s\ntimeout = 10s\ngroup = g\n"
		"metrics = no\n[node b]\nurl = http://b:2\ninterval = 1m\nmetrics = on\n";
	const char *const texts[] = { first, last, between };
	for (size_t i = 0; i < 3; i++) {
		settings_t s;
		load_ok(&s, texts[i]);
		const node_cfg_t *a = node_named(&s, "a"), *b = node_named(&s, "b");
		assert_int_equal(a->interval_ms, 30000);
		assert_int_equal(a->timeout_ms, 10000);
		assert_string_equal(a->group, "g");
		assert_false(a->metrics);
		assert_int_equal(b->interval_ms, 60000);
		assert_int_equal(b->timeout_ms, 10000);
		assert_string_equal(b->group, "g");
		assert_true(b->metrics);
		settings_free(&s);
	}
}

/* Every node key that [defaults] gives reaches a node that does not give it
 * (a [node] section or a URL), and a node's own value wins. */
static void test_defaults_every_key(void **state)
{
	const char *tok = write_file("inherit.token", "tok-defaults\n", 0600);
	char *tokpath = xstrdup(tok);
	const char *ca = write_file("inherit.pem", "x", 0600);
	char *capath = xstrdup(ca);
	char *text = xasprintf(
		"[defaults]\ngroup = g\ninterval = 20s\ntimeout = 9s\nconnect_timeout = 3s\n"
		"health_interval = 1m\nhealth_max = 64k\nmetrics_max = 2M\nmetrics = no\ninsecure = yes\n"
		"bearer_token_file = %s\nheader = X-A: 1\nheader = X-B: 2\n"
		"ca_file = %s\ncert_file = %s\nkey_file = %s\n"
		"[node bare]\nurl = http://bare:1\n"
		"[node own]\nurl = http://own:1\ngroup = h\ninterval = 10s\ntimeout = 5s\nconnect_timeout = 1s\n"
		"health_interval = 30s\nhealth_max = 1M\nmetrics_max = 4M\nmetrics = yes\ninsecure = no\n"
		"bearer_token_env = NODETOP_TEST_INHERIT\nheader = X-B: own\n",
		tokpath, capath, capath, capath);
	setenv("NODETOP_TEST_INHERIT", "tok-env", 1);
	settings_t s;
	load_ok(&s, text);
	char err[256] = "";
	assert_int_equal(settings_add_url(&s, "http://url:1", err, sizeof(err)), 0);
	const node_cfg_t *inherited[] = { node_named(&s, "bare"), node_named(&s, "url:1") };
	for (size_t i = 0; i < 2; i++) {
		const node_cfg_t *n = inherited[i];
		assert_string_equal(n->group, "g");
		assert_int_equal(n->interval_ms, 20000);
		assert_int_equal(n->timeout_ms, 9000);
		assert_int_equal(n->connect_timeout_ms, 3000);
		assert_int_equal(n->health_interval_ms, 60000);
		assert_int_equal(n->health_max_bytes, 64 * 1024);
		assert_int_equal(n->metrics_max_bytes, 2 << 20);
		assert_false(n->metrics);
		assert_true(n->insecure);
		assert_string_equal(n->bearer_token_file, tokpath);
		assert_null(n->bearer_token_env);
		assert_string_equal(n->bearer_token, "tok-defaults");
		assert_int_equal(n->nheaders, 2);
		assert_string_equal(n->headers[0], "X-A: 1");
		assert_string_equal(n->headers[1], "X-B: 2");
		assert_string_equal(n->ca_file, capath);
		assert_string_equal(n->cert_file, capath);
		assert_string_equal(n->key_file, capath);
	}
	const node_cfg_t *o = node_named(&s, "own");
	assert_string_equal(o->url, "http://own:1");
	assert_string_equal(o->group, "h");
	assert_int_equal(o->interval_ms, 10000);
	assert_int_equal(o->timeout_ms, 5000);
	assert_int_equal(o->connect_timeout_ms, 1000);
	assert_int_equal(o->health_interval_ms, 30000);
	assert_int_equal(o->health_max_bytes, 1 << 20);
	assert_int_equal(o->metrics_max_bytes, 4 << 20);
	assert_true(o->metrics);
	assert_false(o->insecure);
	/* the token keys go together: the node's env token, not the file of [defaults] */
	assert_null(o->bearer_token_file);
	assert_string_equal(o->bearer_token_env, "NODETOP_TEST_INHERIT");
	assert_string_equal(o->bearer_token, "tok-env");
	/* headers: [defaults]' first, except those the node gives itself */
	assert_int_equal(o->nheaders, 2);
	assert_string_equal(o->headers[0], "X-A: 1");
	assert_string_equal(o->headers[1], "X-B: own");
	assert_string_equal(o->ca_file, capath);
	settings_free(&s);
	unsetenv("NODETOP_TEST_INHERIT");
	free(text);
	free(tokpath);
	free(capath);
}

static void test_timeout_capping(void **state)
{
	settings_t s;
	/* built-in timeouts are capped at a short interval */
	load_ok(&s, "[node a]\nurl = http://a\ninterval = 1s\n");
	assert_int_equal(s.nodes[0].timeout_ms, 1000);
	assert_int_equal(s.nodes[0].connect_timeout_ms, 1000);
	settings_free(&s);
	load_ok(&s, "[defaults]\ninterval = 500ms\n[node a]\nurl = http://a\n");
	assert_int_equal(s.nodes[0].timeout_ms, 500);
	settings_free(&s);
	/* a timeout equal to the interval is fine */
	load_ok(&s, "[node a]\nurl = http://a\ninterval = 3s\ntimeout = 3s\n");
	assert_int_equal(s.nodes[0].timeout_ms, 3000);
	assert_int_equal(s.nodes[0].connect_timeout_ms, 2000);
	settings_free(&s);
}

/* ------------------------------------------------------------------ errors */

static void test_errors_syntax_and_sections(void **state)
{
	expect_error("[node alpha]\nurl = http://a\nthis line has no equals sign\n",
	             "nodetop.conf:3: syntax error");
	expect_error("[node alpha\nurl = http://a\n", "nodetop.conf:1: syntax error");
	expect_error("[nodes]\n", "nodetop.conf:1: unknown section [nodes]");
	expect_error("# c\n; c\n\n[node a]\nurl = http://a\n[Defaults]\n",
	             "nodetop.conf:6: unknown section [Defaults]");
	expect_error("[defaults extra]\n", "nodetop.conf:1: unknown section [defaults extra]");
	expect_error("[node]\nurl = http://a\n",
	             "nodetop.conf:1: section [node] needs a name, e.g. [node primary]");
	expect_error("[node a b]\n",
	             "nodetop.conf:1: bad node name 'a b' (use up to 64 letters, digits and -_.:)");
	expect_error("[node a/b]\n",
	             "nodetop.conf:1: bad node name 'a/b' (use up to 64 letters, digits and -_.:)");
	expect_error("\n\n\n[node alpha]\nurl = http://a\n\n\n\n\n\n\n[node alpha]\nurl = http://b\n",
	             "nodetop.conf:12: duplicate node 'alpha' (first at line 4)");
	expect_error("[defaults]\n[node a]\nurl = http://a\n[defaults]\n",
	             "nodetop.conf:4: duplicate section [defaults] (first at line 1)");
	expect_error("interval = 5s\n",
	             "nodetop.conf:1: key 'interval' outside of a section (put it under [defaults] or [node NAME])");
	expect_error("[chart]\nmetric = x\n",
	             "nodetop.conf:1: section [chart] needs an id, e.g. [chart balance]");
	expect_error("[chart x]\nmetric = a\n[chart x]\nmetric = b\n",
	             "nodetop.conf:3: duplicate chart 'x' (first at line 1)");
	expect_error("[node a]\nurl = http://a\n= value\n", "nodetop.conf:3: syntax error");
	expect_error("[node a]\nurl = http://a\n  [broken\n", "nodetop.conf:3: syntax error");
}

static void test_errors_keys(void **state)
{
	expect_error("[node alpha]\nurl = http://a\n\n\n\n\nintervall = 5s\n",
	             "nodetop.conf:7: unknown key 'intervall' in [node alpha]");
	expect_error("[defaults]\nbogus = 1\n", "nodetop.conf:2: unknown key 'bogus' in [defaults]");
	expect_error("[chart c]\nmetric = m\ninterval = 5s\n",
	             "nodetop.conf:3: unknown key 'interval' in [chart c]");
	expect_error("[node a]\nurl = http://a\nkiosk = true\n",
	             "nodetop.conf:3: 'kiosk' belongs in [defaults], not in [node a]");
	expect_error("[defaults]\nurl = http://a\n",
	             "nodetop.conf:2: 'url' belongs in a [node NAME] section, not in [defaults]");
	expect_error("[node a]\nurl = http://a\ninterval = 5s\ninterval = 6s\n",
	             "nodetop.conf:4: duplicate key 'interval' in [node a] (first at line 3)");
	expect_error("[defaults]\nkiosk = true\nkiosk = false\n",
	             "nodetop.conf:3: duplicate key 'kiosk' in [defaults] (first at line 2)");
	expect_error("[node a]\nurl =\n", "nodetop.conf:2: empty value for 'url' in [node a]");
	expect_error("[node a]\nurl = http://a\ngroup = \n",
	             "nodetop.conf:3: empty value for 'group' in [node a]");
	expect_error("\n[node x]\ninterval = 5s\n", "nodetop.conf:2: [node x] has no url");
	expect_error("[node x]\nurl = http://a\n[node y]\n", "nodetop.conf:3: [node y] has no url");
	expect_error("[chart c]\ntitle = C\n", "nodetop.conf:1: [chart c] has no metric");
}

static void test_errors_values(void **state)
{
	expect_error("[node alpha]\nurl = http://a\ninterval = fast\n",
	             "nodetop.conf:3: bad duration 'fast' for 'interval' (use e.g. 5s, 500ms, 2m)");
	expect_error("[node a]\nurl = http://a\ninterval = 50ms\n",
	             "nodetop.conf:3: interval '50ms' out of range (100ms to 1h)");
	expect_error("[node a]\nurl = http://a\ninterval = 2h\n",
	             "nodetop.conf:3: interval '2h' out of range (100ms to 1h)");
	expect_error("[node a]\nurl = http://a\ntimeout = -1s\n",
	             "nodetop.conf:3: bad duration '-1s' for 'timeout' (use e.g. 5s, 500ms, 2m)");
	expect_error("[node a]\nurl = http://a\nmetrics = maybe\n",
	             "nodetop.conf:3: bad boolean 'maybe' for 'metrics' (use true or false)");
	expect_error("[node a]\nurl = http://a\nmetrics_max = lots\n",
	             "nodetop.conf:3: bad size 'lots' for 'metrics_max' (use e.g. 512k, 16M)");
	expect_error("[node a]\nurl = http://a\nhealth_max = 10\n",
	             "nodetop.conf:3: health_max '10' out of range (1k to 1G)");
	expect_error("[node a]\nurl = http://a\ngroup = a b\n",
	             "nodetop.conf:3: bad group name 'a b' (use up to 64 letters, digits and -_.:)");
	expect_error("[node a]\nurl = ftp://x\n",
	             "nodetop.conf:2: url 'ftp://x' must start with http:// or https://");
	expect_error("\n\n\n\n\n\n\n\n[node a]\nurl = ftp://x\n",
	             "nodetop.conf:10: url 'ftp://x' must start with http:// or https://");
	expect_error("[node a]\nurl = http://\n", "nodetop.conf:2: url 'http://' has no host");
	expect_error("[node a]\nurl = http://user:hunter2@a\n",
	             "nodetop.conf:2: url must not contain a user name or password "
	             "(use bearer_token_file, bearer_token_env or header)");
	/* timeout must not exceed the interval */
	expect_error("[node a]\nurl = http://a\ninterval = 2s\ntimeout = 3s\n",
	             "nodetop.conf:4: timeout 3s is longer than interval 2s in [node a]");
	expect_error("[defaults]\ntimeout = 10s\n[node a]\nurl = http://a\n",
	             "nodetop.conf:2: timeout 10s is longer than interval 5s in [node a]");
	expect_error("[defaults]\ntimeout = 4s\n[node a]\nurl = http://a\ninterval = 1s\n",
	             "nodetop.conf:5: timeout 4s is longer than interval 1s in [node a]");
	/* health_interval may not be below the interval */
	expect_error("[node a]\nurl = http://a\ninterval = 2s\nhealth_interval = 1s\n",
	             "nodetop.conf:4: health_interval 1s is shorter than interval 2s in [node a]");
	expect_error("[defaults]\nhealth_interval = 2s\n[node a]\nurl = http://a\ninterval = 3s\n",
	             "nodetop.conf:5: health_interval 2s is shorter than interval 3s in [node a]");
	expect_error("[defaults]\nhealth_interval = often\n",
	             "nodetop.conf:2: bad duration 'often' for 'health_interval' (use e.g. 5s, 500ms, 2m)");
	expect_error("[node a]\nurl = http://a\ntimeout = 1s\nconnect_timeout = 2s\n",
	             "nodetop.conf:4: connect_timeout 2s is longer than timeout 1s in [node a]");
	/* [defaults] globals */
	expect_error("[defaults]\ncharts = head, nope\n", "nodetop.conf:2: unknown chart 'nope' in 'charts'");
	expect_error("[defaults]\ncharts = head,head\n", "nodetop.conf:2: chart 'head' listed twice in 'charts'");
	expect_error("[defaults]\nhead_stall = 1s\n",
	             "nodetop.conf:2: head_stall '1s' out of range (10s to 24h)");
	expect_error("[defaults]\nkiosk_page = soon\n",
	             "nodetop.conf:2: bad duration 'soon' for 'kiosk_page' (use e.g. 5s, 500ms, 2m)");
	expect_error("[defaults]\nbell = loud\n",
	             "nodetop.conf:2: bad boolean 'loud' for 'bell' (use true or false)");
	/* charts */
	expect_error("[chart c]\nmetric = 9lives\n", "nodetop.conf:2: bad metric name '9lives'");
	expect_error("[chart c]\nmetric = m\nfilter = state\n",
	             "nodetop.conf:3: bad filter 'state' (use label=value, e.g. state=Alive)");
	expect_error("[chart c]\nmetric = m\nsplit = a-b\n", "nodetop.conf:3: bad label name 'a-b' for 'split'");
	expect_error("[chart c]\nmetric = m\nmode = counter\n",
	             "nodetop.conf:3: bad mode 'counter' (use gauge or rate)");
	expect_error("[chart c]\nmetric = m\nunit = furlongs\n",
	             "nodetop.conf:3: bad unit 'furlongs' (use none, bytes, per_min, seconds or percent)");
	expect_error("[chart c]\nmetric = m\nwarn = high\n", "nodetop.conf:3: bad number 'high' for 'warn'");
	expect_error("[chart c]\nmetric = m\ncrit = nan\n", "nodetop.conf:3: bad number 'nan' for 'crit'");
	expect_error("[chart head]\nmetric = m\n",
	             "nodetop.conf:1: chart 'head' is already defined (a built-in); choose another id");
}

static void test_errors_files(void **state)
{
	char err[512], want[768];
	settings_t s;
	settings_init(&s);
	assert_int_equal(settings_load_file(&s, "/nonexistent/nodetop.conf", err, sizeof(err)), -1);
	assert_string_equal(err, "cannot read /nonexistent/nodetop.conf: No such file or directory");
	assert_zeroed(&s);

	settings_init(&s);
	assert_int_equal(settings_load_file(&s, tmpdir, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "cannot read %s: Is a directory", tmpdir);
	assert_string_equal(err, want);
	assert_zeroed(&s);

	/* NUL bytes and overlong lines */
	const char *p = write_file("nul.conf", "", 0600);
	FILE *f = fopen(p, "w");
	fwrite("[node a]\nurl = http://a\ngroup = x\0y\n", 1, 36, f);
	fclose(f);
	settings_init(&s);
	assert_int_equal(settings_load_file(&s, p, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:3: NUL byte in the file", p);
	assert_string_equal(err, want);

	char longline[400];
	memset(longline, 'x', sizeof(longline));
	memcpy(longline, "[node a]\nurl = http://a\ngroup = ", 32);
	longline[sizeof(longline) - 2] = '\n';
	longline[sizeof(longline) - 1] = '\0';
	expect_error(longline, "nodetop.conf:3: line too long (more than 199 characters)");
	/* up to the limit is fine; trailing blanks and comments do not count */
	char okline[512];
	snprintf(okline, sizeof(okline), "[node a]\nurl = http://a/%0180d    ; a comment that is long too\n", 0);
	load_ok(&s, okline);
	assert_int_equal(strlen(s.nodes[0].url), 9 + 180);
	settings_free(&s);

	/* TLS files must exist */
	snprintf(want, sizeof(want), "[node a]\nurl = https://a\nca_file = %s/nope.pem\n", tmpdir);
	char msg[768];
	snprintf(msg, sizeof(msg), "nodetop.conf:3: cannot read ca_file '%s/nope.pem': No such file or directory",
	         tmpdir);
	expect_error(want, msg);
	snprintf(want, sizeof(want), "[node a]\nurl = https://a\ncert_file = %s\n", tmpdir);
	snprintf(msg, sizeof(msg), "nodetop.conf:3: cert_file '%s' is not a regular file", tmpdir);
	expect_error(want, msg);
	if (geteuid() != 0) {
		const char *k = write_file("unreadable.pem", "k\n", 0000);
		snprintf(want, sizeof(want), "[node a]\nurl = https://a\nkey_file = %s\n", k);
		snprintf(msg, sizeof(msg), "nodetop.conf:3: cannot read key_file '%s': Permission denied", k);
		expect_error(want, msg);
	}
}

static void test_error_leaves_struct_clean(void **state)
{
	/* nodes added before a failing load are freed with the rest */
	settings_t s;
	char err[256];
	settings_init(&s);
	assert_int_equal(settings_add_url(&s, "http://x:1", err, sizeof(err)), 0);
	assert_int_equal(settings_load_string(&s, "n.conf", "[node a]\nurl = http://a\ninsecure = true\n"
	                                      "[node b]\nurl = ftp://b\n", err, sizeof(err)), -1);
	assert_string_equal(err, "n.conf:5: url 'ftp://b' must start with http:// or https://");
	assert_zeroed(&s);
	settings_free(&s);
	/* err may be NULL */
	settings_init(&s);
	assert_int_equal(settings_load_string(&s, NULL, "[x]\n", NULL, 0), -1);
	settings_init(&s);
	assert_int_equal(settings_load_string(&s, NULL, "[x]\n", err, sizeof(err)), -1);
	assert_string_equal(err, "config:1: unknown section [x]");
}

/* ------------------------------------------------------------------ tokens */

static void test_token_file(void **state)
{
	char text[768], want[768], err[512];
	settings_t s;
	const char *p = write_file("token", "\n  tok-123.abc_XYZ \t\n\n", 0600);
	char path[512];
	snprintf(path, sizeof(path), "%s", p);

	/* relative to the config file's directory */
	const char *conf = write_file("a.conf", "[node a]\nurl = http://a\nbearer_token_file = token\n", 0600);
	settings_init(&s);
	if (settings_load_file(&s, conf, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_equal(s.nodes[0].bearer_token, "tok-123.abc_XYZ");
	assert_string_equal(s.nodes[0].bearer_token_file, path);
	assert_int_equal(s.nwarnings, 0);
	settings_free(&s);

	/* readable by others: a warning, exactly */
	assert_int_equal(chmod(path, 0644), 0);
	snprintf(text, sizeof(text), "[defaults]\nbearer_token_file = %s\n[node a]\nurl = http://a\n"
	         "[node b]\nurl = http://b\n", path);
	load_ok(&s, text);
	assert_string_equal(s.nodes[0].bearer_token, "tok-123.abc_XYZ");
	assert_string_equal(s.nodes[1].bearer_token, "tok-123.abc_XYZ");
	assert_int_equal(s.nwarnings, 1);
	snprintf(want, sizeof(want), "token file %s is readable by group/others (mode 0644); chmod 600 it", path);
	assert_string_equal(s.warnings[0], want);
	settings_free(&s);
	assert_int_equal(chmod(path, 0640), 0);
	load_ok(&s, text);
	snprintf(want, sizeof(want), "token file %s is readable by group/others (mode 0640); chmod 600 it", path);
	assert_true(has_warning(&s, want));
	settings_free(&s);

	/* a node's own token source replaces the default one */
	setenv("NODETOP_TEST_TOKEN2", "from-env", 1);
	snprintf(text, sizeof(text), "[defaults]\nbearer_token_file = %s\n[node a]\nurl = http://a\n"
	         "bearer_token_env = NODETOP_TEST_TOKEN2\n", path);
	load_ok(&s, text);
	assert_null(s.nodes[0].bearer_token_file);
	assert_string_equal(s.nodes[0].bearer_token_env, "NODETOP_TEST_TOKEN2");
	assert_string_equal(s.nodes[0].bearer_token, "from-env");
	settings_free(&s);
	unsetenv("NODETOP_TEST_TOKEN2");

	/* missing, empty, two words */
	snprintf(text, sizeof(text), "[node a]\nurl = http://a\nbearer_token_file = %s/missing\n", tmpdir);
	snprintf(want, sizeof(want), "nodetop.conf:3: cannot read bearer_token_file '%s/missing': "
	         "No such file or directory", tmpdir);
	expect_error(text, want);
	p = write_file("empty", " \n\t\n", 0600);
	snprintf(text, sizeof(text), "[node a]\nurl = http://a\nbearer_token_file = %s\n", p);
	snprintf(want, sizeof(want), "nodetop.conf:3: bearer_token_file '%s' is empty", p);
	expect_error(text, want);
	p = write_file("two", "abc\ndef\n", 0600);
	snprintf(text, sizeof(text), "[node a]\nurl = http://a\nbearer_token_file = %s\n", p);
	snprintf(want, sizeof(want), "nodetop.conf:3: bearer_token_file '%s' holds more than one word "
	         "(spaces or control characters)", p);
	expect_error(text, want);
	snprintf(text, sizeof(text), "[node a]\nurl = http://a\nbearer_token_file = %s\n", tmpdir);
	snprintf(want, sizeof(want), "nodetop.conf:3: bearer_token_file '%s' is not a regular file", tmpdir);
	expect_error(text, want);
	if (geteuid() != 0) {
		p = write_file("locked", "tok\n", 0000);
		snprintf(text, sizeof(text), "[node a]\nurl = http://a\nbearer_token_file = %s\n", p);
		snprintf(want, sizeof(want), "nodetop.conf:3: cannot read bearer_token_file '%s': Permission denied", p);
		expect_error(text, want);
	}
	/* both sources in one section */
	setenv("NODETOP_TEST_TOKEN3", "x", 1);
	snprintf(text, sizeof(text), "[node a]\nurl = http://a\nbearer_token_env = NODETOP_TEST_TOKEN3\n"
	         "bearer_token_file = %s\n", path);
	expect_error(text, "nodetop.conf:4: 'bearer_token_file' and 'bearer_token_env' are exclusive in [node a]");
	unsetenv("NODETOP_TEST_TOKEN3");
}

static void test_token_env(void **state)
{
	settings_t s;
	setenv("NODETOP_TEST_TOKEN", "\tabc.def\n", 1);
	load_ok(&s, "[node a]\nurl = http://a\nbearer_token_env = NODETOP_TEST_TOKEN\n");
	assert_string_equal(s.nodes[0].bearer_token, "abc.def");
	assert_string_equal(s.nodes[0].bearer_token_env, "NODETOP_TEST_TOKEN");
	assert_null(s.nodes[0].bearer_token_file);
	settings_free(&s);

	unsetenv("NODETOP_TEST_TOKEN");
	expect_error("[node a]\nurl = http://a\nbearer_token_env = NODETOP_TEST_TOKEN\n",
	             "nodetop.conf:3: environment variable NODETOP_TEST_TOKEN (bearer_token_env) is unset or empty");
	setenv("NODETOP_TEST_TOKEN", "", 1);
	expect_error("[node a]\nurl = http://a\nbearer_token_env = NODETOP_TEST_TOKEN\n",
	             "nodetop.conf:3: environment variable NODETOP_TEST_TOKEN (bearer_token_env) is unset or empty");
	setenv("NODETOP_TEST_TOKEN", "a\r\nX-Evil: 1", 1);
	expect_error("[node a]\nurl = http://a\nbearer_token_env = NODETOP_TEST_TOKEN\n",
	             "nodetop.conf:3: environment variable NODETOP_TEST_TOKEN (bearer_token_env) holds more "
	             "than one word (spaces or control characters)");
	unsetenv("NODETOP_TEST_TOKEN");
	expect_error("[node a]\nurl = http://a\nbearer_token_env = 1BAD-NAME\n",
	             "nodetop.conf:3: bad environment variable name '1BAD-NAME' for 'bearer_token_env'");
}

/* ------------------------------------------------------------------ headers, TLS */

static void test_headers(void **state)
{
	settings_t s;
	load_ok(&s, "[node a]\nurl = http://a\nheader = Authorization: Basic dXNlcjpwYXNz\n"
	            "header=X-Api-Key:k1\nheader = X-Odd_Name!: v w  \n");
	assert_int_equal(s.nodes[0].nheaders, 3);
	assert_string_equal(s.nodes[0].headers[0], "Authorization: Basic dXNlcjpwYXNz");
	assert_string_equal(s.nodes[0].headers[1], "X-Api-Key: k1");
	assert_string_equal(s.nodes[0].headers[2], "X-Odd_Name!: v w");
	settings_free(&s);

	/* [defaults] headers come first; a node header of the same name (any case) replaces one */
	load_ok(&s, "[defaults]\nheader = X-A: 1\nheader = X-B: 2\n[node a]\nurl = http://a\nheader = x-b: 3\n"
	            "[node b]\nurl = http://b\n");
	assert_int_equal(s.nodes[0].nheaders, 2);
	assert_string_equal(s.nodes[0].headers[0], "X-A: 1");
	assert_string_equal(s.nodes[0].headers[1], "x-b: 3");
	assert_int_equal(s.nodes[1].nheaders, 2);
	assert_string_equal(s.nodes[1].headers[1], "X-B: 2");
	settings_free(&s);

	/* messages never quote a header value */
	expect_error("[node a]\nurl = http://a\nheader = NoColonSecret\n",
	             "nodetop.conf:3: header must be 'Name: value'");
	expect_error("[node a]\nurl = http://a\nheader = Bad Name: secret\n",
	             "nodetop.conf:3: bad header name 'Bad Name'");
	expect_error("[node a]\nurl = http://a\nheader = (x): secret\n",
	             "nodetop.conf:3: bad header name '(x)'");
	expect_error("[node a]\nurl = http://a\nheader = X-Empty:\n",
	             "nodetop.conf:3: header 'X-Empty' has no value");
	expect_error("[node a]\nurl = http://a\nheader = X-A: 1\nheader = x-a: 2\n",
	             "nodetop.conf:4: header 'x-a' given twice");
	expect_error("[node a]\nurl = http://a\nheader = Origin: http://evil\n",
	             "nodetop.conf:3: header 'Origin' makes Chainlink's CORS check refuse the request");
	setenv("NODETOP_TEST_TOKEN", "t", 1);
	expect_error("[node a]\nurl = http://a\nbearer_token_env = NODETOP_TEST_TOKEN\n"
	             "header = authorization: Bearer other\n",
	             "nodetop.conf:1: [node a] has both a bearer token and an Authorization header");
	unsetenv("NODETOP_TEST_TOKEN");
}

static void test_insecure_warning(void **state)
{
	settings_t s;
	char err[256];
	load_ok(&s, "[node a]\nurl = https://a\ninsecure = true\n[node b]\nurl = https://b\n");
	assert_true(s.nodes[0].insecure);
	assert_false(s.nodes[1].insecure);
	assert_int_equal(s.nwarnings, 1);
	assert_string_equal(s.warnings[0], "node a: TLS verification disabled (insecure = true)");
	settings_free(&s);
	load_ok(&s, "[defaults]\ninsecure = yes\n[node a]\nurl = https://a\n[node b]\nurl = https://b\n"
	            "insecure = no\n");
	assert_int_equal(s.nwarnings, 1);
	assert_string_equal(s.warnings[0], "node a: TLS verification disabled (insecure = true)");
	/* URL nodes inherit [defaults] too */
	assert_int_equal(settings_add_url(&s, "https://c:6689", err, sizeof(err)), 0);
	assert_true(s.nodes[2].insecure);
	assert_int_equal(s.nwarnings, 2);
	assert_string_equal(s.warnings[1], "node c:6689: TLS verification disabled (insecure = true)");
	settings_free(&s);
}

/* ------------------------------------------------------------------ charts */

static void test_charts(void **state)
{
	settings_t s;
	load_ok(&s, "[chart c]\nmetric = foo_total\nmode = rate\n[defaults]\ncharts = rpc_alive\n");
	assert_int_equal(s.charts.n, 2);
	assert_string_equal(s.charts.defs[0].id, "rpc_alive");
	assert_string_equal(s.charts.defs[1].id, "c");
	assert_string_equal(s.charts.defs[1].metric, "foo_total");
	settings_free(&s);

	/* empty selection: only the [chart] sections */
	load_ok(&s, "[defaults]\ncharts =\n[chart c]\nmetric = m\nfilter = state = Alive\nbelow = 1\nwarn = -2.5e1\n");
	assert_int_equal(s.charts.n, 1);
	assert_string_equal(s.charts.defs[0].filter_label, "state");
	assert_string_equal(s.charts.defs[0].filter_value, "Alive");
	assert_true(s.charts.defs[0].below);
	assert_true(s.charts.defs[0].warn == -25.0);
	settings_free(&s);

	/* without a selection, the [chart] sections follow the defaults */
	chart_set_t def = { 0 };
	chart_set_defaults(&def);
	load_ok(&s, "[chart extra]\nmetric = m\nunit = bytes\n");
	assert_int_equal(s.charts.n, def.n + 1);
	assert_string_equal(s.charts.defs[def.n].id, "extra");
	assert_int_equal(s.charts.defs[def.n].unit, UNIT_BYTES);
	settings_free(&s);
	chart_set_free(&def);
}

/* ------------------------------------------------------------------ URLs */

static void test_url_valid(void **state)
{
	static const struct { const char *url; const char *err; } cases[] = {
		{ "http://a", NULL },
		{ "https://node.example.com", NULL },
		{ "HTTPS://Node.Example.com:443/", NULL },
		{ "http://[::1]:6688", NULL },
		{ "http://[fe80::1%25eth0]:6688", NULL },
		{ "http://127.0.0.1:6688/prefix/path/", NULL },
		{ "http://a:65535", NULL },
		{ "ftp://x", "url 'ftp://x' must start with http:// or https://" },
		{ "node:6688", "url 'node:6688' must start with http:// or https://" },
		{ "", "empty url" },
		{ "http://", "url 'http://' has no host" },
		{ "http:///path", "url 'http:///path' has no host" },
		{ "https://:6688", "url 'https://:6688' has no host" },
		{ "http://a b", "url 'http://a b' contains spaces or control characters" },
		{ "http://a/b c", "url 'http://a/b c' contains spaces or control characters" },
		{ "http://a\tb", "url 'http://a?b' contains spaces or control characters" },
		{ "http://a:0", "url 'http://a:0' has a bad port" },
		{ "http://a:65536", "url 'http://a:65536' has a bad port" },
		{ "http://a:", "url 'http://a:' has a bad port" },
		{ "http://a:12x", "url 'http://a:12x' has a bad port" },
		{ "http://a:1:2", "url 'http://a:1:2' has a bad port" },
		{ "http://[::1", "url 'http://[::1' has a bad IPv6 address" },
		{ "http://[]", "url 'http://[]' has a bad IPv6 address" },
		{ "http://[::1]x", "url 'http://[::1]x' has a bad host" },
		{ "http://a_b!c", "url 'http://a_b!c' has a bad host" },
		{ "http://a/health?x=1", "url 'http://a/health?x=1' must not have a query or fragment" },
		{ "http://a#frag", "url 'http://a#frag' must not have a query or fragment" },
		{ "http://u:p@a", "url must not contain a user name or password "
		                  "(use bearer_token_file, bearer_token_env or header)" },
		{ "http://n\xc3\xb6" "de", "url 'http://n??de' is not ASCII (use punycode and %-encoding)" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char err[256] = "";
		bool ok = settings_url_valid(cases[i].url, err, sizeof(err));
		if (ok != (cases[i].err == NULL) || (cases[i].err && strcmp(err, cases[i].err) != 0))
			fail_msg("url '%s': expected %s, got %s (%s)", cases[i].url,
			         cases[i].err ? cases[i].err : "valid", ok ? "valid" : "invalid", err);
	}
	assert_false(settings_url_valid(NULL, NULL, 0));
	char longurl[200];
	snprintf(longurl, sizeof(longurl), "ftp://%0150d", 7);
	char err[256];
	assert_false(settings_url_valid(longurl, err, sizeof(err)));
	assert_non_null(strstr(err, "...' must start with"));
}

static void test_add_url(void **state)
{
	settings_t s;
	char err[256];
	settings_init(&s);
	assert_int_equal(settings_add_url(&s, "http://a:6688", err, sizeof(err)), 0);
	assert_int_equal(settings_add_url(&s, "http://a:6688/", err, sizeof(err)), 0);
	assert_int_equal(settings_add_url(&s, "http://a:6688//", err, sizeof(err)), 0);
	assert_int_equal(settings_add_url(&s, "https://b", err, sizeof(err)), 0);
	assert_int_equal(settings_add_url(&s, "http://c/", err, sizeof(err)), 0);
	assert_int_equal(settings_add_url(&s, "http://[::1]:6688", err, sizeof(err)), 0);
	assert_int_equal(settings_add_url(&s, "https://[::1]", err, sizeof(err)), 0);
	assert_int_equal(settings_add_url(&s, "https://lb.example.com/chainlink/primary/", err, sizeof(err)), 0);
	assert_int_equal(settings_add_url(&s, "ftp://x", err, sizeof(err)), -1);
	assert_string_equal(err, "url 'ftp://x' must start with http:// or https://");
	assert_int_equal(s.nnodes, 8);
	static const char *const names[] = { "a:6688", "a:6688#2", "a:6688#3", "b:443", "c:80",
	                                     "[::1]:6688", "[::1]:443", "lb.example.com:443" };
	static const char *const urls[] = { "http://a:6688", "http://a:6688", "http://a:6688", "https://b",
	                                    "http://c", "http://[::1]:6688", "https://[::1]",
	                                    "https://lb.example.com/chainlink/primary" };
	for (size_t i = 0; i < 8; i++) {
		assert_string_equal(s.nodes[i].name, names[i]);
		assert_string_equal(s.nodes[i].url, urls[i]);
		assert_int_equal(s.nodes[i].interval_ms, 5000);
		assert_int_equal(s.nodes[i].timeout_ms, 4000);
		assert_true(s.nodes[i].metrics);
	}
	settings_free(&s);

	/* after a file: [defaults] apply, names do not clash with file nodes */
	load_ok(&s, "[defaults]\ninterval = 1s\nheader = X-A: 1\n[node x:80]\nurl = http://y\n");
	assert_int_equal(settings_add_url(&s, "http://x", err, sizeof(err)), 0);
	assert_string_equal(s.nodes[1].name, "x:80#2");
	assert_int_equal(s.nodes[1].interval_ms, 1000);
	assert_int_equal(s.nodes[1].timeout_ms, 1000);
	assert_int_equal(s.nodes[1].connect_timeout_ms, 1000);
	assert_int_equal(s.nodes[1].nheaders, 1);
	assert_string_equal(s.nodes[1].headers[0], "X-A: 1");
	settings_free(&s);

	/* URL nodes first, then a file naming one of them */
	settings_init(&s);
	assert_int_equal(settings_add_url(&s, "http://q:1", err, sizeof(err)), 0);
	assert_int_equal(settings_load_string(&s, "f", "[node q:1]\nurl = http://q:1\n", err, sizeof(err)), -1);
	assert_string_equal(err, "f:1: duplicate node 'q:1' (already added)");
	settings_init(&s);
	assert_int_equal(settings_add_url(&s, "http://q:1", err, sizeof(err)), 0);
	assert_int_equal(settings_load_string(&s, "f", "[node r]\nurl = http://q:1\n", err, sizeof(err)), 0);
	assert_int_equal(s.nnodes, 2);
	settings_free(&s);
}

/* ------------------------------------------------------------------ parsers */

static void test_durations(void **state)
{
	static const struct { const char *v; int64_t ms; } ok[] = {
		{ "5", 5000 }, { "0", 0 }, { "5s", 5000 }, { "500ms", 500 }, { "2m", 120000 },
		{ "1h", 3600000 }, { "1m30s", 90000 }, { "1h2m3s4ms", 3723004 }, { "0.5", 500 },
		{ "1.5s", 1500 }, { "0.25m", 15000 }, { "100ms", 100 }, { "007s", 7000 },
		{ "1.0001s", 1000 }, { "8760h", INT64_C(31536000000) },
	};
	static const char *const bad[] = {
		"", "s", "ms", "5x", "5 s", " 5s", "5s ", "-5s", "+5s", "5ss", "5sm", "1.s", ".5s", "5.",
		"1m5", "5S", "1e3", "fast", "99999999999999999999", "999999999999h", "1..5s", "0x10",
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		int64_t ms = -1;
		if (!settings_parse_duration(ok[i].v, &ms) || ms != ok[i].ms)
			fail_msg("duration '%s': expected %" PRId64 ", got %" PRId64, ok[i].v, ok[i].ms, ms);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t ms = -1;
		if (settings_parse_duration(bad[i], &ms))
			fail_msg("duration '%s' accepted as %" PRId64, bad[i], ms);
	}
	assert_false(settings_parse_duration(NULL, &(int64_t){ 0 }));

	static const struct { int64_t ms; const char *s; } fmt[] = {
		{ 0, "0ms" }, { 100, "100ms" }, { 1500, "1500ms" }, { 5000, "5s" }, { 120000, "2m" },
		{ 90000, "1m30s" }, { 3600000, "1h" }, { 3723000, "1h2m3s" },
	};
	for (size_t i = 0; i < sizeof fmt / sizeof fmt[0]; i++) {
		char buf[32];
		int64_t back;
		settings_format_duration(fmt[i].ms, buf, sizeof(buf));
		assert_string_equal(buf, fmt[i].s);
		assert_true(settings_parse_duration(buf, &back));
		assert_int_equal(back, fmt[i].ms);
	}
	char tiny[3];
	settings_format_duration(3723000, tiny, sizeof(tiny));
	assert_int_equal(strlen(tiny), 2);
}

static void test_sizes(void **state)
{
	static const struct { const char *v; size_t n; } ok[] = {
		{ "1048576", 1048576 }, { "0", 0 }, { "1M", 1048576 }, { "16MB", 16777216 }, { "512k", 524288 },
		{ "512K", 524288 }, { "512kB", 524288 }, { "2KiB", 2048 }, { "1G", 1073741824 },
		{ "1gb", 1073741824 }, { "100b", 100 }, { "100B", 100 }, { "3mib", 3145728 },
	};
	static const char *const bad[] = {
		"", "M", "1.5M", "1 M", " 1M", "1M ", "-1", "1T", "1Mi", "1iB", "1MBB", "1kk",
		"99999999999999999999999", "2000G", "0x10",
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		size_t n = 7;
		if (!settings_parse_size(ok[i].v, &n) || n != ok[i].n)
			fail_msg("size '%s': expected %zu, got %zu", ok[i].v, ok[i].n, n);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t n = 7;
		if (settings_parse_size(bad[i], &n))
			fail_msg("size '%s' accepted as %zu", bad[i], n);
	}
	assert_false(settings_parse_size(NULL, &(size_t){ 0 }));
}

static void test_booleans_and_comments(void **state)
{
	static const char *const yes[] = { "true", "yes", "on", "1", "TRUE", "Yes" };
	static const char *const no[] = { "false", "no", "off", "0", "False", "OFF" };
	for (size_t i = 0; i < 6; i++) {
		settings_t s;
		char text[128];
		snprintf(text, sizeof(text), "[defaults]\nkiosk = %s\n", yes[i]);
		load_ok(&s, text);
		assert_true(s.kiosk);
		settings_free(&s);
		snprintf(text, sizeof(text), "[defaults]\nkiosk = %s\n", no[i]);
		load_ok(&s, text);
		assert_false(s.kiosk);
		settings_free(&s);
	}
	settings_t s;
	load_ok(&s, "\xEF\xBB\xBF# comment\r\n; comment\r\n[node a] ; trailing\r\n  url = http://a   # why\r\n"
	            "\tgroup = g ; c\r\n\r\n[node b]  # more\nurl: http://b\n");
	assert_int_equal(s.nnodes, 2);
	assert_string_equal(s.nodes[0].url, "http://a");
	assert_string_equal(s.nodes[0].group, "g");
	assert_string_equal(s.nodes[1].url, "http://b");
	settings_free(&s);
	/* a '#' inside a value is kept */
	load_ok(&s, "[node a]\nurl = http://a\nheader = X-Tag: build#5\n");
	assert_string_equal(s.nodes[0].headers[0], "X-Tag: build#5");
	settings_free(&s);
}

/* ------------------------------------------------------------------ default path */

static void test_default_path(void **state)
{
	char *old_xdg = getenv("XDG_CONFIG_HOME") ? xstrdup(getenv("XDG_CONFIG_HOME")) : NULL;
	char *old_home = getenv("HOME") ? xstrdup(getenv("HOME")) : NULL;
	char *p;

	setenv("XDG_CONFIG_HOME", "/x/conf", 1);
	setenv("HOME", "/home/op", 1);
	p = settings_default_path();
	assert_string_equal(p, "/x/conf/nodetop/nodetop.conf");
	free(p);

	unsetenv("XDG_CONFIG_HOME");
	p = settings_default_path();
	assert_string_equal(p, "/home/op/.config/nodetop/nodetop.conf");
	free(p);

	setenv("XDG_CONFIG_HOME", "", 1);
	p = settings_default_path();
	assert_string_equal(p, "/home/op/.config/nodetop/nodetop.conf");
	free(p);

	setenv("XDG_CONFIG_HOME", "relative/dir", 1);   /* ignored, as the XDG spec says */
	p = settings_default_path();
	assert_string_equal(p, "/home/op/.config/nodetop/nodetop.conf");
	free(p);

	if (old_xdg)
		setenv("XDG_CONFIG_HOME", old_xdg, 1);
	else
		unsetenv("XDG_CONFIG_HOME");
	if (old_home)
		setenv("HOME", old_home, 1);
	else
		unsetenv("HOME");
	free(old_xdg);
	free(old_home);
}

/* ------------------------------------------------------------ [alerts], [notify NAME] */

static void test_alerts_section(void **state)
{
	(void)state;
	settings_t s;
	load_ok(&s, "[alerts]\nbalance_warn = 2.5\nbalance_crit = 0.5\nbalance_for = 15m\n"
	            "heads_stalled_window = 5m\njob_errors = off\nunconfirmed_blocks_crit = 200\n"
	            "tx_age_warn = none\n"
	            "[node a]\nurl = http://a\nbalance_warn = 10\nbalance_crit = 1\n"
	            "[node b]\nurl = http://b\n");
	assert_true(s.alerts.r[RULE_BALANCE].warn == 2.5);
	assert_true(s.alerts.r[RULE_BALANCE].crit == 0.5);
	assert_int_equal(s.alerts.r[RULE_BALANCE].for_ms, 15 * 60000);
	assert_int_equal(s.alerts.r[RULE_HEADS_STALLED].window_ms, 5 * 60000);
	assert_false(s.alerts.r[RULE_JOB_ERRORS].on);
	assert_true(s.alerts.r[RULE_LOG_ERRORS].on);
	assert_true(s.alerts.r[RULE_UNCONFIRMED_BLOCKS].crit == 200);
	assert_true(s.alerts.r[RULE_UNCONFIRMED_BLOCKS].warn == 50);
	assert_true(isnan(s.alerts.r[RULE_TX_AGE].warn));
	rules_cfg_t a, b;
	settings_node_rules(&s, node_named(&s, "a"), &a);
	settings_node_rules(&s, node_named(&s, "b"), &b);
	assert_true(a.r[RULE_BALANCE].warn == 10 && a.r[RULE_BALANCE].crit == 1);
	assert_int_equal(a.r[RULE_BALANCE].for_ms, 15 * 60000);
	assert_true(b.r[RULE_BALANCE].warn == 2.5 && b.r[RULE_BALANCE].crit == 0.5);
	settings_free(&s);

	/* without [alerts]: the built-in defaults */
	load_ok(&s, "[node a]\nurl = http://a\n");
	assert_true(s.alerts.r[RULE_BALANCE].warn == 1.0 && s.alerts.r[RULE_BALANCE].crit == 0.1);
	assert_int_equal(s.alerts.r[RULE_HEADS_STALLED].window_ms, 10 * 60000);
	assert_true(s.alerts.r[RULE_METRIC_MISSING].on);
	settings_free(&s);
}

static void test_alerts_errors(void **state)
{
	(void)state;
	expect_error("[alerts]\nbalance_warn = lots\n",
	             "nodetop.conf:2: bad threshold 'lots' for 'balance_warn' (a number, or none)");
	expect_error("[alerts]\nbalance = maybe\n",
	             "nodetop.conf:2: bad boolean 'maybe' for 'balance' (use true or false)");
	expect_error("[alerts]\nheads_stalled_window = 1s\n",
	             "nodetop.conf:2: heads_stalled_window '1s' out of range (10s to 168h)");
	expect_error("[alerts]\nbalance_window = 5m\n", "nodetop.conf:2: unknown key 'balance_window' in [alerts]");
	expect_error("[alerts]\n[alerts]\n", "nodetop.conf:2: duplicate section [alerts] (first at line 1)");
	expect_error("[alerts]\nbalance_warn = 1\nbalance_warn = 2\n",
	             "nodetop.conf:3: duplicate key 'balance_warn' in [alerts] (first at line 2)");
	expect_error("[alerts]\nbalance_warn = 1\nbalance_crit = 2\n",
	             "nodetop.conf:1: balance_crit 2 is above balance_warn 1 in [alerts] (the critical level must be lower)");
	expect_error("[node a]\nurl = http://a\nunconfirmed_blocks_crit = 10\n",
	             "nodetop.conf:1: unconfirmed_blocks_crit 10 is below unconfirmed_blocks_warn 50 in [node a] "
	             "(the critical level must be higher)");
	expect_error("[defaults]\nbalance_warn = 1\n",
	             "nodetop.conf:2: 'balance_warn' belongs in a [node NAME] section, not in [defaults]");
	expect_error("[node a]\nurl = http://a\njob_errors_warn = 3\n",
	             "nodetop.conf:3: unknown key 'job_errors_warn' in [node a]");
}

static void test_notify_sections(void **state)
{
	(void)state;
	settings_t s;
	load_ok(&s, "[notify pager]\ncommand = /usr/bin/logger -t \"nodetop alert\" 'a b'\n"
	            "on = critical, resolved, node\nnodes = alpha, bravo\nrules = balance,heads_stalled\n"
	            "repeat = 1h\ntimeout = 3s\n"
	            "[notify chat]\nwebhook = https://hooks.example.com/x/\nformat = slack\nretries = 5\nqueue = 10\n"
	            "header = X-Team: ops\ninsecure = true\n");
	assert_int_equal(s.nnotify, 2);
	const notify_cfg_t *p = &s.notify[0], *c = &s.notify[1];
	assert_string_equal(p->name, "pager");
	assert_int_equal(p->argc, 4);
	assert_string_equal(p->argv[0], "/usr/bin/logger");
	assert_string_equal(p->argv[2], "nodetop alert");
	assert_string_equal(p->argv[3], "a b");
	assert_null(p->argv[4]);
	assert_int_equal(p->on, NOTIFY_ON_CRITICAL | NOTIFY_ON_RESOLVED | NOTIFY_ON_NODE);
	assert_int_equal(p->nnodes, 2);
	assert_string_equal(p->nodes[1], "bravo");
	assert_int_equal(p->nrules, 2);
	assert_string_equal(p->rules[1], "heads_stalled");
	assert_int_equal(p->repeat_ms, 3600000);
	assert_int_equal(p->timeout_ms, 3000);
	assert_int_equal(p->format, NOTIFY_FORMAT_JSON);
	assert_int_equal(p->retries, 3);
	assert_string_equal(c->webhook, "https://hooks.example.com/x");
	assert_int_equal(c->format, NOTIFY_FORMAT_SLACK);
	assert_int_equal(c->on, NOTIFY_ON_CRITICAL | NOTIFY_ON_WARNING | NOTIFY_ON_RESOLVED);
	assert_int_equal(c->retries, 5);
	assert_int_equal(c->queue_max, 10);
	assert_int_equal(c->http.nheaders, 1);
	assert_true(has_warning(&s, "notify chat: TLS verification disabled (insecure = true)"));
	settings_free(&s);
}

static void test_notify_errors(void **state)
{
	(void)state;
	expect_error("[notify x]\nformat = json\n",
	             "nodetop.conf:1: [notify x] needs command = PATH ARGS... or webhook = URL");
	expect_error("[notify x]\ncommand = /bin/true\nwebhook = http://h\n",
	             "nodetop.conf:3: 'command' and 'webhook' are exclusive in [notify x]");
	expect_error("[notify x]\ncommand = /bin/echo \"unterminated\n",
	             "nodetop.conf:2: bad command in [notify x] (empty, or a quote without its end)");
	expect_error("[notify x]\ncommand = /bin/true\non = critical, sometimes\n",
	             "nodetop.conf:3: bad event 'sometimes' for 'on' (use critical, warning, resolved, node, failover)");
	expect_error("[notify x]\ncommand = /bin/true\nrules = balance, moon_phase\n",
	             "nodetop.conf:3: unknown rule 'moon_phase' in [notify x] (rules: balance, heads_stalled, "
	             "unconfirmed_blocks, tx_age, gas_bump_limit, insufficient_funds, job_errors, health_history, "
	             "log_critical, log_errors, metric_missing)");
	expect_error("[notify x]\ncommand = /bin/true\nnodes = a, b/c\n",
	             "nodetop.conf:3: bad name 'b/c' in 'nodes' (a list of names: a, b, c)");
	expect_error("[notify x]\nwebhook = ftp://h\n",
	             "nodetop.conf:2: url 'ftp://h' must start with http:// or https://");
	expect_error("[notify x]\ncommand = /bin/true\nformat = xml\n",
	             "nodetop.conf:3: bad format 'xml' (use json or slack)");
	expect_error("[notify x]\ncommand = /bin/true\nretries = 11\n",
	             "nodetop.conf:3: bad count '11' for 'retries' (0 to 10)");
	expect_error("[notify x]\ncommand = /bin/true\n[notify x]\ncommand = /bin/true\n",
	             "nodetop.conf:3: duplicate notify 'x' (first at line 1)");
	expect_error("[notify]\ncommand = /bin/true\n",
	             "nodetop.conf:1: section [notify] needs a name, e.g. [notify oncall]");
}

/* ------------------------------------------------------------------ [database NAME] (issue 15) */

static void test_database_sections(void **state)
{
	(void)state;
	char pw[600], text[2048];
	snprintf(pw, sizeof pw, "%s", write_file("db.pw", "secret-pw\n", 0600));
	snprintf(text, sizeof text,
	         "[node primary]\nurl = http://a\ngroup = pair\n"
	         "[node standby]\nurl = http://b\ngroup = pair\n"
	         "[node reporter]\nurl = http://c\ndatabase = db-r\n"
	         "[database db-a]\nhost = writer.cluster.example\nport = 5433\ndbname = chainlink\nuser = nodetop_ro\n"
	         "password_file = %s\nsslmode = verify-full\nsslrootcert = %s\ninterval = 5s\ntimeout = 2s\n"
	         "nodes = pair\nlease_duration = 15s\n"
	         "[database db-r]\nhost = /var/run/postgresql\n", pw, pw);
	settings_t s;
	load_ok(&s, text);
	assert_int_equal(s.ndbs, 2);
	const db_cfg_t *a = &s.dbs[0], *r = &s.dbs[1];
	assert_string_equal(a->name, "db-a");
	assert_string_equal(a->host, "writer.cluster.example");
	assert_int_equal(a->port, 5433);
	assert_string_equal(a->dbname, "chainlink");
	assert_string_equal(a->user, "nodetop_ro");
	assert_string_equal(a->password_file, pw);
	assert_string_equal(a->sslmode, "verify-full");
	assert_string_equal(a->sslrootcert, pw);
	assert_int_equal(a->interval_ms, 5000);
	assert_int_equal(a->timeout_ms, 2000);
	assert_int_equal(a->nnodes, 1);
	assert_int_equal(a->lease_duration_ms, 15000);
	/* defaults: 10 s, 5 s, a 10 s lease (Chainlink's); libpq's defaults for the rest */
	assert_int_equal(r->lease_duration_ms, 10000);
	assert_string_equal(r->host, "/var/run/postgresql");
	assert_int_equal(r->port, 0);
	assert_null(r->dbname);
	assert_null(r->user);
	assert_null(r->password_file);
	assert_null(r->sslmode);
	assert_int_equal(r->interval_ms, 10000);
	assert_int_equal(r->timeout_ms, 5000);
	/* ties: a group name ties its members; a node's database key ties it */
	assert_true(settings_db_ties(a, node_named(&s, "primary")));
	assert_true(settings_db_ties(a, node_named(&s, "standby")));
	assert_false(settings_db_ties(a, node_named(&s, "reporter")));
	assert_true(settings_db_ties(r, node_named(&s, "reporter")));
	assert_false(settings_db_ties(r, node_named(&s, "primary")));
	/* the password itself is never read into the settings */
	assert_int_equal(s.nwarnings, 0);
	settings_free(&s);

	/* a timeout not given is capped at a short interval; [defaults] database = ties all */
	load_ok(&s, "[defaults]\ndatabase = d\n[node a]\nurl = http://a\n[database d]\ninterval = 2s\n");
	assert_int_equal(s.dbs[0].timeout_ms, 2000);
	assert_true(settings_db_ties(&s.dbs[0], &s.nodes[0]));
	settings_free(&s);

	/* a password file others can read: warned about */
	snprintf(text, sizeof text, "[node a]\nurl = http://a\n[database d]\npassword_file = %s\nnodes = a\n",
	         write_file("open.pw", "pw\n", 0644));
	load_ok(&s, text);
	assert_int_equal(s.nwarnings, 1);
	assert_non_null(strstr(s.warnings[0], "open.pw is readable by group/others"));
	settings_free(&s);
}

static void test_database_errors(void **state)
{
	(void)state;
	expect_error("[node a]\nurl = http://a\n[database d]\nsslmode = verify\n",
	             "nodetop.conf:4: bad sslmode 'verify' (use disable, allow, prefer, require, verify-ca or verify-full)");
	expect_error("[node a]\nurl = http://a\n[database d]\nport = 0\n",
	             "nodetop.conf:4: bad count '0' for 'port' (1 to 65535)");
	expect_error("[node a]\nurl = http://a\n[database d]\nport = 65536\n",
	             "nodetop.conf:4: bad count '65536' for 'port' (1 to 65535)");
	expect_error("[node a]\nurl = http://a\n[database d]\nport = 54x\n",
	             "nodetop.conf:4: bad count '54x' for 'port' (1 to 65535)");
	expect_error("[node a]\nurl = http://a\n[database d]\npassword = hunter2\n",
	             "nodetop.conf:4: unknown key 'password' in [database d]");
	expect_error("[node a]\nurl = http://a\n[database d]\ninterval = 5s\n\ntimeout = 6s\n",
	             "nodetop.conf:6: timeout 6s is longer than interval 5s in [database d]");
	expect_error("[node a]\nurl = http://a\n[database d]\ninterval = soon\n",
	             "nodetop.conf:4: bad duration 'soon' for 'interval' (use e.g. 5s, 500ms, 2m)");
	expect_error("[node a]\nurl = http://a\n[database d]\nnodes = a, b\n",
	             "nodetop.conf:4: unknown node or group 'b' in [database d]");
	expect_error("[node a]\nurl = http://a\n[database d]\nnodes = a, b/c\n",
	             "nodetop.conf:4: bad name 'b/c' in 'nodes' (a list of names: a, b, c)");
	expect_error("[node a]\nurl = http://a\ndatabase = dd\n[database d]\n",
	             "nodetop.conf:3: unknown database 'dd' for [node a] (no [database dd] section)");
	expect_error("[database d]\n[node a]\nurl = http://a\n[database d]\n",
	             "nodetop.conf:4: duplicate database 'd' (first at line 1)");
	expect_error("[database]\n", "nodetop.conf:1: section [database] needs a name, e.g. [database db-a]");
	expect_error("[node a]\nurl = http://a\n[database d]\nhost = a\tb\n",
	             "nodetop.conf:4: bad host 'a?b' (at most 255 characters, no control characters)");
	expect_error("[node a]\nurl = http://a\n[database d]\npassword_file = /nonexistent/pw\n",
	             "nodetop.conf:4: cannot read password_file '/nonexistent/pw': No such file or directory");
	/* db_client (the lease holder's tie): per node, no control characters */
	expect_error("[node a]\nurl = http://a\ndb_client = |a\tb\n",
	             "nodetop.conf:3: bad db_client '|a?b' (at most 255 characters, no control characters)");
	settings_t s;
	load_ok(&s, "[node a]\nurl = http://a\ndb_client = 10.0.1.5|cl-primary\n[node b]\nurl = http://b\n");
	assert_string_equal(s.nodes[0].db_client, "10.0.1.5|cl-primary");
	assert_null(s.nodes[1].db_client);
	settings_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_builtin_defaults),
		cmocka_unit_test(test_example_loads),
		cmocka_unit_test(test_defaults_any_order),
		cmocka_unit_test_setup_teardown(test_defaults_every_key, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test(test_timeout_capping),
		cmocka_unit_test(test_errors_syntax_and_sections),
		cmocka_unit_test(test_errors_keys),
		cmocka_unit_test(test_alerts_section),
		cmocka_unit_test(test_alerts_errors),
		cmocka_unit_test(test_notify_sections),
		cmocka_unit_test(test_notify_errors),
		cmocka_unit_test(test_errors_values),
		cmocka_unit_test_setup_teardown(test_errors_files, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test(test_error_leaves_struct_clean),
		cmocka_unit_test_setup_teardown(test_token_file, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test(test_token_env),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_insecure_warning),
		cmocka_unit_test(test_charts),
		cmocka_unit_test(test_url_valid),
		cmocka_unit_test(test_add_url),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_booleans_and_comments),
		cmocka_unit_test(test_default_path),
		cmocka_unit_test_setup_teardown(test_database_sections, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test(test_database_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
