/* test_report.c - cmocka tests of report.c: exit codes per scenario, --once text
 * and JSON, event lines, incident summary, tmux status line, hostile bytes, durations. */
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
#define IVL INT64_C(600000)          /* poll interval: 10 min, so nothing goes stale in these tests */

/* ------------------------------------------------------------ fixtures and feeding */

static void feed(model_t *m, size_t idx, probe_kind_t kind, int ok, long status, const char *body,
                 size_t len, const char *error, int64_t t)
{
	if (!ok)
		tu_feed_error(m, idx, kind, error, t);
	else
		tu_feed(m, idx, kind, status, kind == PROBE_HEALTH ? TU_JSON_CT : TU_PROM_CT, body, len, t);
}

static void feed_health(model_t *m, size_t idx, long status, const char *body, int64_t t)
{
	feed(m, idx, PROBE_HEALTH, 1, status, body, strlen(body), NULL, t);
}

static void feed_health_n(model_t *m, size_t idx, long status, const char *body, size_t len, int64_t t)
{
	feed(m, idx, PROBE_HEALTH, 1, status, body, len, NULL, t);
}

static void feed_metrics(model_t *m, size_t idx, const char *body, int64_t t)
{
	feed(m, idx, PROBE_METRICS, 1, 200, body, strlen(body), NULL, t);
}

static void feed_fail(model_t *m, size_t idx, probe_kind_t kind, const char *error, int64_t t)
{
	feed(m, idx, kind, 0, 0, "", 0, error, t);
}

static const char METRICS_OK[] =
	"# HELP db_conns_max Maximum number of open connections to the database.\n"
	"# TYPE db_conns_max gauge\n"
	"db_conns_max 20\n"
	"# TYPE db_conns_open gauge\n"
	"db_conns_open 5\n"
	"# TYPE db_conns_used gauge\n"
	"db_conns_used 2\n"
	"# TYPE db_wait_count gauge\n"
	"db_wait_count 0\n"
	"# TYPE multi_node_states gauge\n"
	"multi_node_states{network=\"EVM\",chainId=\"1\",state=\"Alive\"} 2\n"
	"multi_node_states{network=\"EVM\",chainId=\"1\",state=\"Unreachable\"} 0\n"
	"# TYPE head_tracker_current_head gauge\n"
	"head_tracker_current_head{evmChainID=\"1\"} 123456\n"
	"# TYPE uptime_seconds counter\n"
	"uptime_seconds 3600\n"
	"# TYPE version gauge\n"
	"version{version=\"2.27.2\",commit=\"abc123\"} 1\n";

static const char METRICS_RPC_DOWN[] =
	"db_conns_max 20\n"
	"db_conns_open 5\n"
	"db_conns_used 2\n"
	"db_wait_count 0\n"
	"multi_node_states{network=\"EVM\",chainId=\"1\",state=\"Alive\"} 0\n"
	"multi_node_states{network=\"EVM\",chainId=\"1\",state=\"Unreachable\"} 2\n"
	"head_tracker_current_head{evmChainID=\"1\"} 123456\n"
	"uptime_seconds 3600\n"
	"version{version=\"2.27.2\",commit=\"abc123\"} 1\n";

static const char METRICS_DB_DOWN[] =
	"db_conns_max 20\n"
	"db_conns_open 0\n"
	"db_conns_used 0\n"
	"db_wait_count 0\n"
	"multi_node_states{network=\"EVM\",chainId=\"1\",state=\"Alive\"} 2\n"
	"head_tracker_current_head{evmChainID=\"1\"} 123456\n"
	"uptime_seconds 3600\n";

typedef struct fx {
	model_t m;
	char *passing;      /* health-all-passing.json: 17 checks, none failing */
	char *multichain;   /* health-multichain.json: 34 checks, EVM.1 HeadListener failing */
	strbuf_t out;
} fx_t;

static int fx_setup(void **state)
{
	fx_t *f = xcalloc(1, sizeof *f);
	model_init(&f->m, NULL);
	f->passing = tu_slurp("chainlink/health-all-passing.json", NULL);
	f->multichain = tu_slurp("chainlink/health-multichain.json", NULL);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	fx_t *f = *state;
	model_free(&f->m);
	free(f->passing);
	free(f->multichain);
	strbuf_free(&f->out);
	free(f);
	return 0;
}

/* A healthy node: all checks passing, DB and RPC up. */
static void node_healthy(fx_t *f, size_t idx, int64_t t)
{
	feed_health(&f->m, idx, 200, f->passing, t);
	feed_metrics(&f->m, idx, METRICS_OK, t);
}

/* Time passes as in the program: a tick every 5 s (the model counts a longer
 * silence as time nodetop was not running). */
static void advance(fx_t *f, int64_t from, int64_t to)
{
	for (int64_t t = from + 5000; t < to; t += 5000)
		model_tick(&f->m, t);
	model_tick(&f->m, to);
}

static size_t add(fx_t *f, const char *name, const char *group)
{
	return tu_add_node(&f->m, name, group, IVL);
}

static const char *text(fx_t *f, int64_t now)
{
	strbuf_reset(&f->out);
	report_text(&f->out, &f->m, now);
	return strbuf_str(&f->out);
}

static const char *status_line(fx_t *f, int64_t now, bool utf8)
{
	strbuf_reset(&f->out);
	report_status_line(&f->out, &f->m, now, utf8);
	return strbuf_str(&f->out);
}

/* The first line without its performance data (" | ...": test_truth.c tests those). */
static const char *first_line(fx_t *f, char *buf, size_t n)
{
	const char *s = strbuf_str(&f->out);
	size_t l = strcspn(s, "\n");
	const char *bar = strstr(s, " | ");
	if (bar && (size_t)(bar - s) < l)
		l = (size_t)(bar - s);
	if (l >= n)
		l = n - 1;
	memcpy(buf, s, l);
	buf[l] = '\0';
	return buf;
}

/* Every byte a terminal would read: printable ASCII, LF only when allowed,
 * valid UTF-8 without C1 controls or invisible/bidi format characters. */
static void assert_terminal_safe(const char *s, size_t len, bool allow_lf, bool allow_utf8)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		unsigned char c = u[i];
		if (c == '\n' && allow_lf) {
			i++;
			continue;
		}
		if (c >= 0x20 && c < 0x7F) {
			i++;
			continue;
		}
		if (c < 0x80)
			fail_msg("control byte 0x%02x at offset %zu in:\n%s", c, i, s);
		if (!allow_utf8)
			fail_msg("non-ASCII byte 0x%02x at offset %zu in:\n%s", c, i, s);
		size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
		if (c > 0xF4 || n == 0 || i + n > len)
			fail_msg("invalid UTF-8 lead 0x%02x at offset %zu", c, i);
		uint32_t cp = c & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
		for (size_t k = 1; k < n; k++) {
			if ((u[i + k] & 0xC0) != 0x80)
				fail_msg("invalid UTF-8 continuation at offset %zu", i + k);
			cp = (cp << 6) | (u[i + k] & 0x3F);
		}
		if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
			fail_msg("overlong or invalid code point U+%04X at offset %zu", (unsigned)cp, i);
		if (cp <= 0x9F)
			fail_msg("C1 control U+%04X at offset %zu", (unsigned)cp, i);
		if (cp == 0x061C || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
		    (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF)
			fail_msg("invisible/bidi U+%04X at offset %zu in:\n%s", (unsigned)cp, i, s);
		i += n;
	}
}

static size_t utf8_cols(const char *s)
{
	size_t c = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			c++;
	return c;
}

/* ------------------------------------------------------------ exit status */

static void test_status_names(void **state)
{
	assert_string_equal(report_status_name(REPORT_OK), "OK");
	assert_string_equal(report_status_name(REPORT_WARNING), "WARNING");
	assert_string_equal(report_status_name(REPORT_CRITICAL), "CRITICAL");
	assert_string_equal(report_status_name(REPORT_UNKNOWN), "UNKNOWN");
	assert_string_equal(report_status_name(42), "UNKNOWN");
}

static void test_status_empty(void **state)
{
	fx_t *f = *state;
	assert_int_equal(report_status(&f->m), REPORT_UNKNOWN);
	char l[256];
	text(f, T0);
	assert_string_equal(first_line(f, l, sizeof l), "nodetop: UNKNOWN - no nodes configured");
	assert_string_equal(status_line(f, T0, true), "CL no nodes");
}

static void test_status_not_polled(void **state)
{
	fx_t *f = *state;
	add(f, "alpha", NULL);
	assert_int_equal(report_status(&f->m), REPORT_UNKNOWN);
	assert_string_equal(status_line(f, T0, false), "CL ? stale");
}

static void test_status_all_up(void **state)
{
	fx_t *f = *state;
	for (size_t i = 0; i < 3; i++)
		node_healthy(f, add(f, i == 0 ? "alpha" : i == 1 ? "bravo" : "charlie", NULL), T0);
	assert_int_equal(report_status(&f->m), REPORT_OK);
	char l[256];
	text(f, T0);
	assert_string_equal(first_line(f, l, sizeof l), "nodetop: OK - 3 of 3 nodes up");
	assert_string_equal(status_line(f, T0, true), "CL 3/3 up");
}

static void test_status_degraded(void **state)
{
	fx_t *f = *state;
	node_healthy(f, add(f, "alpha", NULL), T0);
	size_t b = add(f, "bravo", NULL);
	feed_health(&f->m, b, 207, f->multichain, T0);
	feed_metrics(&f->m, b, METRICS_OK, T0);
	assert_int_equal(f->m.nodes[b].ind[IND_NODE].state, STATE_DEGRADED);
	assert_int_equal(report_status(&f->m), REPORT_WARNING);
	char l[256];
	text(f, T0 + 252000);
	assert_string_equal(first_line(f, l, sizeof l),
	                    "nodetop: WARNING - 1 of 2 nodes up, 1 degraded; rpc degraded on bravo");
	assert_string_equal(status_line(f, T0 + 252000, true), "CL 1/2 up \xC2\xB7 node DEGRADED bravo \xE2\x89\xA5" "4m");
}

static void test_status_ungrouped_down(void **state)
{
	fx_t *f = *state;
	node_healthy(f, add(f, "alpha", NULL), T0);
	size_t b = add(f, "bravo", NULL);
	node_healthy(f, add(f, "charlie", NULL), T0);
	feed_fail(&f->m, b, PROBE_HEALTH, "connection refused", T0);
	feed_fail(&f->m, b, PROBE_METRICS, "connection refused", T0);
	assert_int_equal(report_status(&f->m), REPORT_CRITICAL);
	char l[256];
	text(f, T0 + 252000);
	assert_string_equal(first_line(f, l, sizeof l), "nodetop: CRITICAL - 1 of 3 nodes down (bravo)");
	assert_string_equal(status_line(f, T0 + 252000, true), "CL 2/3 up \xC2\xB7 node DOWN bravo \xE2\x89\xA5" "4m");
	assert_string_equal(status_line(f, T0 + 252000, false), "CL 2/3 up | node DOWN bravo >=4m");
}

static void test_status_rpc_down(void **state)
{
	fx_t *f = *state;
	node_healthy(f, add(f, "alpha", NULL), T0);
	size_t b = add(f, "bravo", NULL);
	node_healthy(f, add(f, "charlie", NULL), T0);
	feed_health(&f->m, b, 200, f->passing, T0);
	feed_metrics(&f->m, b, METRICS_RPC_DOWN, T0);
	assert_int_equal(report_status(&f->m), REPORT_CRITICAL);
	char l[256];
	text(f, T0);
	assert_string_equal(first_line(f, l, sizeof l), "nodetop: CRITICAL - 2 of 3 nodes up, 1 degraded; rpc down on bravo");
	model_tick(&f->m, T0 + 252000);
	assert_string_equal(status_line(f, T0 + 252000, true), "CL 0/3 up \xC2\xB7 rpc DOWN bravo \xE2\x89\xA5" "4m");
}

static void test_status_db_down(void **state)
{
	fx_t *f = *state;
	size_t a = add(f, "alpha", NULL);
	feed_health(&f->m, a, 200, f->passing, T0);
	feed_metrics(&f->m, a, METRICS_DB_DOWN, T0);
	assert_int_equal(report_status(&f->m), REPORT_CRITICAL);
	assert_string_equal(status_line(f, T0 + 12000, false), "CL 0/1 up | db DOWN alpha >=12s");
	text(f, T0 + 12000);
	tu_assert_contains(strbuf_str(&f->out), "  database: DOWN for \xE2\x89\xA5 12s: db_conns_open = 0 (max 20)\n");
}

static void test_status_metrics_unavailable(void **state)
{
	fx_t *f = *state;
	size_t a = add(f, "alpha", NULL);
	feed_health(&f->m, a, 200, f->passing, T0);
	feed(&f->m, a, PROBE_METRICS, 1, 401, "invalid or missing token", 24, NULL, T0);
	/* node up, but nodetop cannot see its DB and RPC: unknown, not OK, not down */
	assert_int_equal(report_status(&f->m), REPORT_UNKNOWN);
	text(f, T0);
	tu_assert_contains(strbuf_str(&f->out), "  metrics:  HTTP 401: invalid or missing token - set bearer_token_file (the node's [Prometheus] AuthToken)\n");
}

/* A pair is as up as its active member (model_status): a standby refusing
 * connections (waiting for the database lease) or answering 204 while the
 * primary serves is OK; a member that misbehaves (times out) while the pair is
 * up is a WARNING; both down is a failover in progress (WARNING), CRITICAL
 * once failover_grace (60 s) has passed. */
static void test_status_group(void **state)
{
	fx_t *f = *state;
	size_t a = add(f, "alpha", "ha");
	size_t b = add(f, "bravo", "ha");
	node_healthy(f, a, T0);
	node_healthy(f, b, T0);
	assert_int_equal(report_status(&f->m), REPORT_OK);

	feed_health(&f->m, b, 204, "", T0 + 1000);
	feed(&f->m, b, PROBE_METRICS, 1, 503, "", 0, NULL, T0 + 1000);
	assert_int_equal(f->m.nodes[b].ind[IND_NODE].state, STATE_STARTING);
	assert_int_equal(report_status(&f->m), REPORT_OK);
	report_summary(&f->out, &f->m, T0 + 1000, 0);
	tu_assert_contains(strbuf_str(&f->out), ": OK\n1 of 2 nodes up, 1 standby\n\nhealthy: alpha, bravo (standby, starting)\n");
	assert_string_equal(status_line(f, T0 + 1000, false), "CL 1/2 up, 1 standby");

	/* the standby's port closed: the normal lease pair */
	feed_fail(&f->m, b, PROBE_HEALTH, "connection refused", T0 + 2000);
	feed_fail(&f->m, b, PROBE_METRICS, "connection refused", T0 + 2000);
	assert_int_equal(report_status(&f->m), REPORT_OK);
	char l[256];
	text(f, T0 + 62000);
	assert_string_equal(first_line(f, l, sizeof l), "nodetop: OK - 1 of 2 nodes up, 1 standby");
	tu_assert_contains(strbuf_str(&f->out), "bravo: STANDBY since");
	tu_assert_contains(strbuf_str(&f->out), "  group:    ha (standby)\n"
	                "  role:     standby: not listening (waiting for the database lease)\n");
	tu_assert_contains(strbuf_str(&f->out), "group ha (alpha, bravo): node UP, db UP, rpc UP; active alpha\n");
	assert_string_equal(status_line(f, T0 + 62000, false), "CL 1/2 up, 1 standby");

	/* a standby that times out misbehaves: down, the pair still up */
	feed_fail(&f->m, b, PROBE_HEALTH, "timed out after 5000 ms (0 bytes received)", T0 + 2000);
	assert_int_equal(report_status(&f->m), REPORT_WARNING);
	text(f, T0 + 62000);
	assert_string_equal(first_line(f, l, sizeof l),
	                    "nodetop: WARNING - 1 of 2 nodes down (bravo, group ha still up)");
	/* the group carries the service: said first */
	assert_string_equal(status_line(f, T0 + 62000, false), "CL ha up on alpha | node DOWN bravo 1m");

	/* the active member lost too: failing over within the grace, then down */
	feed_fail(&f->m, a, PROBE_HEALTH, "timed out after 5000 ms (0 bytes received)", T0 + 3000);
	assert_int_equal(report_status(&f->m), REPORT_WARNING);
	text(f, T0 + 3000);
	assert_string_equal(first_line(f, l, sizeof l),
	                    "nodetop: WARNING - 2 of 2 nodes down (alpha, bravo); group ha failing over");
	assert_int_equal(model_status(&f->m, T0 + 61000).severity, SEV_CRITICAL);
	text(f, T0 + 61000);
	assert_string_equal(first_line(f, l, sizeof l),
	                    "nodetop: CRITICAL - 2 of 2 nodes down (alpha, bravo); group ha down");
}

static void test_status_grouped_and_ungrouped(void **state)
{
	fx_t *f = *state;
	size_t a = add(f, "alpha", "ha");
	size_t b = add(f, "bravo", "ha");
	size_t c = add(f, "charlie", NULL);
	node_healthy(f, a, T0);
	feed_fail(&f->m, b, PROBE_HEALTH, "timed out after 4000 ms (0 bytes received)", T0);
	node_healthy(f, c, T0);
	assert_int_equal(report_status(&f->m), REPORT_WARNING);
	/* the ungrouped node down outweighs the covered member */
	feed_fail(&f->m, c, PROBE_HEALTH, "connection refused", T0 + 1000);
	assert_int_equal(report_status(&f->m), REPORT_CRITICAL);
	assert_string_equal(status_line(f, T0 + 61000, false), "CL 1/3 up | node DOWN charlie 1m");
}

/* ------------------------------------------------------------ --once text */

static void test_text_blocks(void **state)
{
	fx_t *f = *state;
	size_t a = model_add_node(&f->m, "alpha", "https://ops:s3cret@alpha.example:6688/", "ha", IVL);
	size_t b = add(f, "bravo", NULL);
	size_t c = add(f, "charlie", NULL);
	node_healthy(f, a, T0);
	feed_health(&f->m, b, 207, f->multichain, T0);
	feed_metrics(&f->m, b, METRICS_RPC_DOWN, T0);
	feed_fail(&f->m, c, PROBE_HEALTH, "connection refused", T0);
	const char *s = text(f, T0 + 252000);

	tu_assert_contains(s, "nodetop: CRITICAL - 1 of 3 nodes down (charlie), 1 degraded; rpc down on bravo | "
	                   "alpha_latency=0.012s;;;0 alpha_failing_checks=0;;0.5;0;17 alpha_db_conns_open=5;;;0;20 "
	                   "alpha_db_conns_used=2;;;0;20 bravo_latency=0.012s;;;0 bravo_failing_checks=1;;0.5;0;34 "
	                   "bravo_db_conns_open=5;;;0;20 bravo_db_conns_used=2;;;0;20\n");
	tu_assert_contains(s, "time: 2026-11-24T10:04:12Z\n");
	tu_assert_contains(s, "\nalpha: UP since nodetop started 2026-11-24T10:00:00Z (\xE2\x89\xA5 4m12s)\n");
	tu_assert_contains(s, "  url:      https://***@alpha.example:6688/\n");
	tu_assert_not_contains(s, "s3cret");
	tu_assert_not_contains(s, "ops:");
	tu_assert_contains(s, "  group:    ha (active)\n");
	tu_assert_contains(s, "  version:  2.27.2 (commit abc123)\n");
	tu_assert_contains(s, "  latency:  health 12 ms, metrics 40 ms, HTTP 200\n");
	tu_assert_contains(s, "  process:  up 1h00m (started 2026-11-24T09:00:00Z), 0 restarts\n");
	tu_assert_contains(s, "  checks:   17, all passing\n");
	tu_assert_contains(s, "  database: UP for \xE2\x89\xA5 4m12s: 5 open, 2 in use, max 20\n");
	tu_assert_contains(s, "    chain 1: UP, 2/2 alive, head 123456\n");
	tu_assert_contains(s, "  uptime:   over 4m12s observed: node 100.00%, db 100.00%, rpc 100.00%\n");

	tu_assert_contains(s, "\nbravo: DEGRADED since nodetop started 2026-11-24T10:00:00Z (\xE2\x89\xA5 4m12s)\n");
	tu_assert_contains(s, "  checks:   1 of 34 failing\n");
	tu_assert_contains(s, "    ! EVM.1.HeadTracker.HeadListener for \xE2\x89\xA5 4m12s\n"
	                   "        Listener connected = false, receiving heads = false\n");
	tu_assert_contains(s, "  rpc:      DOWN for \xE2\x89\xA5 4m12s: no RPC node Alive on chain 1 (0/2)\n");
	tu_assert_contains(s, "    chain 1: DOWN, 0/2 alive, head 123456 - no RPC node Alive on chain 1 (0/2)\n");

	tu_assert_contains(s, "\ncharlie: DOWN since nodetop started 2026-11-24T10:00:00Z (\xE2\x89\xA5 4m12s)\n");
	tu_assert_contains(s, "  error:    connection refused\n");
	tu_assert_contains(s, "  version:  unknown\n");
	tu_assert_contains(s, "  checks:   none (no /health document)\n");
	tu_assert_contains(s, "  database: UNKNOWN: node down: connection refused\n");

	/* readable at 80 columns: every line that carries no node text fits */
	const char *p = s;
	while (*p) {
		size_t l = strcspn(p, "\n");
		if (l > 80 && !strstr(p, "Listener") && !strstr(p, "nodetop:"))
			fail_msg("line longer than 80 columns: %.*s", (int)l, p);
		p += l + (p[l] == '\n');
	}
	assert_terminal_safe(s, f->out.len, true, true);
}

static void test_text_multiline_output(void **state)
{
	fx_t *f = *state;
	size_t a = add(f, "alpha", NULL);
	static const char body[] =
		"{\"data\":[{\"type\":\"checks\",\"id\":\"EVM.5.Txm\",\"attributes\":{\"name\":\"EVM.5.Txm\","
		"\"status\":\"failing\",\"output\":\"line one\\nline two\\r\\n\\tline three\\n\\n\"}}]}";
	feed_health(&f->m, a, 207, body, T0);
	const char *s = text(f, T0);
	tu_assert_contains(s, "    ! EVM.5.Txm\n"
	                   "        line one\n"
	                   "        line two\n"
	                   "        \\tline three\n"
	                   "  database:");
}

/* ------------------------------------------------------------ --once --json */

static cJSON *node_by_name(cJSON *root, const char *name)
{
	cJSON *nodes = cJSON_GetObjectItemCaseSensitive(root, "nodes");
	cJSON *n;
	cJSON_ArrayForEach(n, nodes) {
		cJSON *nm = cJSON_GetObjectItemCaseSensitive(n, "name");
		if (cJSON_IsString(nm) && strcmp(nm->valuestring, name) == 0)
			return n;
	}
	fail_msg("node %s not in JSON", name);
	return NULL;
}

static const char *jstr(cJSON *o, const char *key)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!cJSON_IsString(v))
		fail_msg("%s is not a string", key);
	return v->valuestring;
}

static double jnum(cJSON *o, const char *key)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!cJSON_IsNumber(v))
		fail_msg("%s is not a number", key);
	return v->valuedouble;
}

static bool jnull(cJSON *o, const char *key)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return v && cJSON_IsNull(v);
}

static void test_json_fields(void **state)
{
	fx_t *f = *state;
	size_t a = model_add_node(&f->m, "alpha", "https://ops:s3cret@alpha.example:6688", "ha", IVL);
	size_t b = add(f, "bravo", NULL);
	size_t c = add(f, "charlie", NULL);
	node_healthy(f, a, T0);
	feed_health(&f->m, b, 207, f->multichain, T0);
	feed_metrics(&f->m, b, METRICS_RPC_DOWN, T0);
	feed_fail(&f->m, c, PROBE_HEALTH, "connection refused", T0);
	report_json(&f->out, &f->m, T0 + 1000);
	const char *s = strbuf_str(&f->out);
	assert_null(strchr(s, '\n'));      /* one compact document; the caller ends the line */
	tu_assert_not_contains(s, "s3cret");

	cJSON *root = cJSON_Parse(s);
	assert_non_null(root);
	assert_string_equal(jstr(root, "status"), "CRITICAL");
	assert_int_equal((int)jnum(root, "exit_code"), 2);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "nodes")), 3);

	cJSON *ja = node_by_name(root, "alpha");
	assert_string_equal(jstr(ja, "url"), "https://***@alpha.example:6688");
	assert_string_equal(jstr(ja, "group"), "ha");
	assert_string_equal(jstr(ja, "state"), "up");
	assert_true(jnull(ja, "error"));
	assert_string_equal(jstr(ja, "version"), "2.27.2");
	assert_int_equal((int)jnum(ja, "http_status"), 200);
	assert_int_equal((int)jnum(ja, "latency_ms"), 12);
	assert_int_equal((int)jnum(ja, "restarts"), 0);
	assert_int_equal((int)jnum(ja, "uptime_seconds"), 3600);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(ja, "checks")), 17);
	cJSON *db = cJSON_GetObjectItemCaseSensitive(ja, "database");
	assert_string_equal(jstr(db, "state"), "up");
	assert_int_equal((int)jnum(db, "open"), 5);
	assert_int_equal((int)jnum(db, "used"), 2);
	assert_int_equal((int)jnum(db, "max"), 20);

	cJSON *jb = node_by_name(root, "bravo");
	assert_true(jnull(jb, "group"));
	assert_string_equal(jstr(jb, "state"), "degraded");
	assert_true(jnull(jb, "error"));
	assert_int_equal((int)jnum(jb, "http_status"), 207);
	cJSON *checks = cJSON_GetObjectItemCaseSensitive(jb, "checks");
	assert_int_equal(cJSON_GetArraySize(checks), 34);
	int failing = 0;
	const char *prev = "";
	cJSON *ck;
	cJSON_ArrayForEach(ck, checks) {
		assert_true(strcmp(prev, jstr(ck, "name")) < 0);   /* sorted by name, as the model keeps them */
		prev = jstr(ck, "name");
		if (strcmp(jstr(ck, "status"), "failing") == 0) {
			failing++;
			assert_string_equal(jstr(ck, "name"), "EVM.1.HeadTracker.HeadListener");
			assert_string_equal(jstr(ck, "output"), "Listener connected = false, receiving heads = false");
		} else {
			assert_string_equal(jstr(ck, "status"), "passing");
			assert_string_equal(jstr(ck, "output"), "");
		}
	}
	assert_int_equal(failing, 1);
	cJSON *rpc = cJSON_GetObjectItemCaseSensitive(jb, "rpc");
	assert_string_equal(jstr(rpc, "state"), "down");
	assert_string_equal(jstr(rpc, "reason"), "no RPC node Alive on chain 1 (0/2)");
	cJSON *chains = cJSON_GetObjectItemCaseSensitive(rpc, "chains");
	assert_int_equal(cJSON_GetArraySize(chains), 1);
	cJSON *ch = cJSON_GetArrayItem(chains, 0);
	assert_string_equal(jstr(ch, "chain"), "1");
	assert_string_equal(jstr(ch, "state"), "down");
	assert_int_equal((int)jnum(ch, "alive"), 0);
	assert_int_equal((int)jnum(ch, "total"), 2);
	assert_int_equal((int)jnum(ch, "head"), 123456);

	cJSON *jc = node_by_name(root, "charlie");
	assert_string_equal(jstr(jc, "state"), "down");
	assert_string_equal(jstr(jc, "error"), "connection refused");
	assert_true(jnull(jc, "version"));
	assert_true(jnull(jc, "http_status"));
	assert_true(jnull(jc, "uptime_seconds"));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(jc, "checks")), 0);
	cJSON *cdb = cJSON_GetObjectItemCaseSensitive(jc, "database");
	assert_string_equal(jstr(cdb, "state"), "unknown");
	assert_true(jnull(cdb, "open"));

	cJSON *groups = cJSON_GetObjectItemCaseSensitive(root, "groups");
	assert_int_equal(cJSON_GetArraySize(groups), 1);
	cJSON *g = cJSON_GetArrayItem(groups, 0);
	assert_string_equal(jstr(g, "name"), "ha");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(g, "members")), 1);
	assert_string_equal(jstr(cJSON_GetObjectItemCaseSensitive(g, "node"), "state"), "up");
	assert_string_equal(jstr(cJSON_GetObjectItemCaseSensitive(g, "database"), "state"), "up");
	assert_string_equal(jstr(cJSON_GetObjectItemCaseSensitive(g, "rpc"), "state"), "up");
	cJSON_Delete(root);
}

/* A lease pair in every output: roles and the active member in JSON, the
 * failover as one event line and one JSON object with its gap. */
static void test_failover_outputs(void **state)
{
	fx_t *f = *state;
	size_t a = add(f, "alpha", "ha");
	size_t b = add(f, "bravo", "ha");
	node_healthy(f, a, T0);
	feed_fail(&f->m, b, PROBE_HEALTH, "connection refused", T0);
	feed_fail(&f->m, b, PROBE_METRICS, "connection refused", T0);
	strbuf_reset(&f->out);
	report_json(&f->out, &f->m, T0);
	cJSON *root = cJSON_Parse(strbuf_str(&f->out));
	assert_non_null(root);
	assert_string_equal(jstr(root, "status"), "OK");
	assert_string_equal(jstr(node_by_name(root, "alpha"), "role"), "active");
	assert_string_equal(jstr(node_by_name(root, "bravo"), "role"), "standby");
	assert_string_equal(jstr(node_by_name(root, "bravo"), "state"), "standby");
	cJSON *g = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "groups"), 0);
	assert_string_equal(jstr(g, "active"), "alpha");
	assert_string_equal(jstr(g, "status"), "OK");
	/* one poll cannot show two members serving: not known, never a plain "no" */
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(g, "two_active")));
	assert_int_equal((int)jnum(g, "failovers_24h"), 0);
	cJSON_Delete(root);

	/* the primary stops listening; 5 s later the standby answers 204, then 200 */
	feed_fail(&f->m, a, PROBE_HEALTH, "connection refused", T0 + 5000);
	feed_health(&f->m, b, 204, "", T0 + 10000);
	node_healthy(f, b, T0 + 15000);
	feed_fail(&f->m, a, PROBE_HEALTH, "connection refused", T0 + 15000);
	size_t nfo = 0;
	const event_t *fo = NULL;
	for (size_t i = 0; i < f->m.events.len; i++) {
		const event_t *e = eventlog_get(&f->m.events, i);
		if (e->kind == EVENT_FAILOVER) {
			fo = e;
			nfo++;
		}
	}
	assert_int_equal(nfo, 1);
	strbuf_reset(&f->out);
	report_event_line(&f->out, fo);
	assert_string_equal(strbuf_str(&f->out),
	                    "2026-11-24T10:00:10Z failover in ha: alpha -> bravo after 10s without an active member");
	strbuf_reset(&f->out);
	report_event_json(&f->out, fo);
	cJSON *j = cJSON_Parse(strbuf_str(&f->out));
	assert_non_null(j);
	assert_string_equal(jstr(j, "kind"), "failover");
	assert_string_equal(jstr(j, "group"), "ha");
	assert_string_equal(jstr(j, "from"), "alpha");
	assert_string_equal(jstr(j, "to"), "bravo");
	assert_int_equal((int)jnum(j, "gap_ms"), 10000);
	cJSON_Delete(j);

	strbuf_reset(&f->out);
	report_json(&f->out, &f->m, T0 + 15000);
	root = cJSON_Parse(strbuf_str(&f->out));
	assert_non_null(root);
	assert_string_equal(jstr(node_by_name(root, "alpha"), "role"), "standby");
	assert_string_equal(jstr(node_by_name(root, "bravo"), "role"), "active");
	g = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "groups"), 0);
	assert_string_equal(jstr(g, "active"), "bravo");
	assert_int_equal((int)jnum(g, "failovers_24h"), 1);
	cJSON_Delete(root);
	tu_assert_contains(text(f, T0 + 15000), "group ha (alpha, bravo): node UP, db UP, rpc UP; active bravo; 1 failover in 24h\n");
	/* an ungrouped node has no role */
	size_t c = add(f, "charlie", NULL);
	node_healthy(f, c, T0 + 15000);
	strbuf_reset(&f->out);
	report_json(&f->out, &f->m, T0 + 15000);
	root = cJSON_Parse(strbuf_str(&f->out));
	assert_true(jnull(node_by_name(root, "charlie"), "role"));
	cJSON_Delete(root);
}

static void test_json_empty(void **state)
{
	fx_t *f = *state;
	report_json(&f->out, &f->m, T0);
	cJSON *root = cJSON_Parse(strbuf_str(&f->out));
	assert_non_null(root);
	assert_string_equal(jstr(root, "status"), "UNKNOWN");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "nodes")), 0);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "groups")), 0);
	cJSON_Delete(root);
}

/* ------------------------------------------------------------ hostile bytes */

/* A node that puts ESC sequences, C1 controls, bidi overrides, zero-width
 * characters, invalid UTF-8 and NUL into everything it can: check names and
 * outputs, the HTTP error body, chain ids, version labels. */
static const char HOSTILE_HEALTH[] =
	"{\"data\":["
	"{\"type\":\"checks\",\"id\":\"a\",\"attributes\":{\"name\":\"EVM.1\\u001b[2J.HeadTracker.HeadListener\","
	"\"status\":\"failing\",\"output\":\"evil \\u001b]0;pwned\\u0007 \\u009b31m \\u202eevil\\u202c "
	"\\u200b zw \\u0000 nul\\nsecond \\u001b[1;31mred\\r\\nthird \\u2028 sep\"}},"
	"{\"type\":\"checks\",\"id\":\"b\",\"attributes\":{\"name\":\"Z\\u0085\\u202e\\u2066name\","
	"\"status\":\"failing\",\"output\":\"\\u007f del \\u00ad shy \\ufeff bom\"}}"
	"]}";

static const char HOSTILE_METRICS[] =
	"db_conns_max 20\n"
	"db_conns_open 0\n"
	"db_conns_used 0\n"
	"multi_node_states{network=\"EVM\",chainId=\"9\x1b[31m\xc2\x9b\xe2\x80\xae\xff\",state=\"Alive\"} 0\n"
	"multi_node_states{network=\"EVM\",chainId=\"9\x1b[31m\xc2\x9b\xe2\x80\xae\xff\",state=\"Dialed\"} 1\n"
	"version{version=\"2.27\x1b[5m\xc2\x9b\xe2\x80\xae\xfe\",commit=\"\x07\x08\"} 1\n";

static void hostile_model(fx_t *f)
{
	size_t a = model_add_node(&f->m, "alpha", "http://alpha.example:6688", NULL, IVL);
	size_t b = model_add_node(&f->m, "bravo", "http://bravo.example:6688", "ha", IVL);
	size_t c = model_add_node(&f->m, "charlie", "http://charlie.example:6688", "ha", IVL);
	feed_health(&f->m, a, 207, HOSTILE_HEALTH, T0);
	feed_metrics(&f->m, a, HOSTILE_METRICS, T0);
	static const char body503[] = "\x1b[2J\xc2\x9b\xe2\x80\xae\xff\x00 <html>down</html>";
	feed_health_n(&f->m, b, 503, body503, sizeof body503 - 1, T0 + 1000);
	feed_fail(&f->m, c, PROBE_HEALTH, "TLS: \x1b]52;c;ZXZpbA==\x07 \xc2\x9b\xe2\x81\xa6 \xf8\x88 bad", T0 + 2000);
	model_ack(&f->m, b, "on it \x1b[2J\xe2\x80\xae", T0 + 3000);
	model_tick(&f->m, T0 + 60000);
	assert_true(f->m.nodes[a].nfailing == 2);
	assert_true(f->m.events.len >= 5);
}

static void test_hostile_text_outputs(void **state)
{
	fx_t *f = *state;
	hostile_model(f);
	int64_t now = T0 + 60000;

	report_text(&f->out, &f->m, now);
	assert_terminal_safe(strbuf_str(&f->out), f->out.len, true, true);
	/* the hostile things are shown, escaped, not dropped */
	tu_assert_contains(strbuf_str(&f->out), "EVM.1\\x1b[2J.HeadTracker.HeadListener");
	tu_assert_contains(strbuf_str(&f->out), "\\u{202E}");
	strbuf_reset(&f->out);

	report_summary(&f->out, &f->m, now, 50);
	assert_terminal_safe(strbuf_str(&f->out), f->out.len, true, true);
	strbuf_reset(&f->out);

	report_status_line(&f->out, &f->m, now, true);
	assert_terminal_safe(strbuf_str(&f->out), f->out.len, false, true);
	strbuf_reset(&f->out);
	report_status_line(&f->out, &f->m, now, false);
	assert_terminal_safe(strbuf_str(&f->out), f->out.len, false, false);

	for (size_t i = 0; i < f->m.events.len; i++) {
		strbuf_reset(&f->out);
		report_event_line(&f->out, eventlog_get(&f->m.events, i));
		assert_terminal_safe(strbuf_str(&f->out), f->out.len, false, true);
		strbuf_reset(&f->out);
		report_event_json(&f->out, eventlog_get(&f->m.events, i));
		assert_terminal_safe(strbuf_str(&f->out), f->out.len, false, true);
		cJSON *j = cJSON_Parse(strbuf_str(&f->out));
		assert_non_null(j);
		cJSON_Delete(j);
	}
}

static void test_hostile_json(void **state)
{
	fx_t *f = *state;
	hostile_model(f);
	report_json(&f->out, &f->m, T0 + 60000);
	/* valid UTF-8, no raw control, C1 or bidi byte: JSON printed on a terminal is safe too */
	assert_terminal_safe(strbuf_str(&f->out), f->out.len, false, true);
	cJSON *root = cJSON_Parse(strbuf_str(&f->out));
	assert_non_null(root);
	/* the data is kept: JSON escapes carry the real characters */
	cJSON *ja = node_by_name(root, "alpha");
	cJSON *checks = cJSON_GetObjectItemCaseSensitive(ja, "checks");
	assert_int_equal(cJSON_GetArraySize(checks), 2);
	assert_string_equal(jstr(cJSON_GetArrayItem(checks, 0), "name"), "EVM.1\x1b[2J.HeadTracker.HeadListener");
	assert_string_equal(jstr(cJSON_GetArrayItem(checks, 1), "name"), "Z\xc2\x85\xe2\x80\xae\xe2\x81\xa6name");
	const char *v = jstr(ja, "version");
	assert_true(strncmp(v, "2.27\x1b[5m\xc2\x9b\xe2\x80\xae", 13) == 0);
	assert_string_equal(v + 13, "\xef\xbf\xbd");     /* invalid byte -> U+FFFD */
	cJSON *jc = node_by_name(root, "charlie");
	assert_non_null(strstr(jstr(jc, "error"), "\x1b]52;c;"));
	cJSON_Delete(root);
}

/* ------------------------------------------------------------ events */

static event_t ev(event_kind_t kind, const char *node, const char *subject, state_t from, state_t to,
                  const char *detail)
{
	event_t e;
	memset(&e, 0, sizeof e);
	e.ts_ms = T0;
	e.kind = kind;
	e.from = from;
	e.to = to;
	snprintf(e.node, sizeof e.node, "%s", node);
	snprintf(e.subject, sizeof e.subject, "%s", subject);
	snprintf(e.detail, sizeof e.detail, "%s", detail);
	return e;
}

static void test_event_lines(void **state)
{
	struct { event_t e; const char *want; } cases[10];
	size_t n = 0;
	cases[n].e = ev(EVENT_RPC, "bravo", "", STATE_UP, STATE_DOWN, "no RPC node Alive on chain 1");
	cases[n++].want = "2026-11-24T10:00:00Z rpc bravo up -> down: no RPC node Alive on chain 1";
	cases[n].e = ev(EVENT_RPC, "bravo", "1", STATE_UP, STATE_DOWN, "no RPC node Alive on chain 1 (0/2)");
	cases[n++].want = "2026-11-24T10:00:00Z rpc bravo chain 1 up -> down: no RPC node Alive on chain 1 (0/2)";
	cases[n].e = ev(EVENT_CHECK, "bravo", "EVM.1.HeadTracker.HeadListener", STATE_UP, STATE_DOWN,
	                "Listener connected = false, receiving heads = false");
	cases[n++].want = "2026-11-24T10:00:00Z check bravo EVM.1.HeadTracker.HeadListener passing -> failing: "
	                  "Listener connected = false, receiving heads = false";
	cases[n].e = ev(EVENT_CHECK, "bravo", "Heartbeat", STATE_DOWN, STATE_UNKNOWN, "no longer reported");
	cases[n++].want = "2026-11-24T10:00:00Z check bravo Heartbeat failing -> unknown: no longer reported";
	cases[n].e = ev(EVENT_NODE, "alpha", "", STATE_UP, STATE_DOWN, "connection refused");
	cases[n++].want = "2026-11-24T10:00:00Z node alpha up -> down: connection refused";
	cases[n].e = ev(EVENT_NODE, "alpha", "", STATE_UNKNOWN, STATE_STARTING, "");
	cases[n++].want = "2026-11-24T10:00:00Z node alpha unknown -> starting";
	cases[n].e = ev(EVENT_DB, "alpha", "", STATE_UP, STATE_DEGRADED, "pool exhausted: 20/20 in use, 3 new waits");
	cases[n++].want = "2026-11-24T10:00:00Z db alpha up -> degraded: pool exhausted: 20/20 in use, 3 new waits";
	cases[n].e = ev(EVENT_RESTART, "alpha", "", STATE_UP, STATE_UP, "uptime_seconds fell from 3600 to 15");
	cases[n++].want = "2026-11-24T10:00:00Z restart alpha: uptime_seconds fell from 3600 to 15";
	cases[n].e = ev(EVENT_CONFIG, "", "", STATE_UNKNOWN, STATE_UNKNOWN, "reloaded: 3 nodes\nline 2");
	cases[n++].want = "2026-11-24T10:00:00Z config: reloaded: 3 nodes\\nline 2";
	cases[n].e = ev(EVENT_ACK, "bravo", "", STATE_DOWN, STATE_DOWN, "looking into it");
	cases[n++].want = "2026-11-24T10:00:00Z ack bravo: looking into it";
	strbuf_t sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		strbuf_reset(&sb);
		report_event_line(&sb, &cases[i].e);
		assert_string_equal(strbuf_str(&sb), cases[i].want);
	}
	strbuf_free(&sb);
}

static void test_event_json(void **state)
{
	strbuf_t sb = STRBUF_INIT;
	event_t e = ev(EVENT_RPC, "bravo", "1", STATE_UP, STATE_DOWN, "no RPC node Alive\non chain 1");
	report_event_json(&sb, &e);
	const char *s = strbuf_str(&sb);
	assert_null(strchr(s, '\n'));           /* one object per line, the caller adds the newline */
	cJSON *j = cJSON_Parse(s);
	assert_non_null(j);
	assert_string_equal(jstr(j, "time"), "2026-11-24T10:00:00Z");
	assert_true(jnum(j, "ts_ms") == (double)T0);
	assert_string_equal(jstr(j, "kind"), "rpc");
	assert_string_equal(jstr(j, "node"), "bravo");
	assert_string_equal(jstr(j, "subject"), "1");
	assert_string_equal(jstr(j, "from"), "up");
	assert_string_equal(jstr(j, "to"), "down");
	assert_string_equal(jstr(j, "detail"), "no RPC node Alive\non chain 1");
	cJSON_Delete(j);

	strbuf_reset(&sb);
	e = ev(EVENT_CHECK, "bravo", "EVM.1.HeadTracker.HeadListener", STATE_UNKNOWN, STATE_DOWN, "x");
	report_event_json(&sb, &e);
	j = cJSON_Parse(strbuf_str(&sb));
	assert_non_null(j);
	assert_string_equal(jstr(j, "from"), "unknown");
	assert_string_equal(jstr(j, "to"), "failing");
	cJSON_Delete(j);

	strbuf_reset(&sb);
	e = ev(EVENT_CONFIG, "", "", STATE_UNKNOWN, STATE_UNKNOWN, "");
	report_event_json(&sb, &e);
	j = cJSON_Parse(strbuf_str(&sb));
	assert_non_null(j);
	assert_string_equal(jstr(j, "kind"), "config");
	assert_true(jnull(j, "node"));
	assert_true(jnull(j, "subject"));
	assert_true(jnull(j, "from"));
	assert_true(jnull(j, "detail"));
	cJSON_Delete(j);
	strbuf_free(&sb);
}

/* The events the model emits, through the formatter. */
static void test_event_lines_from_model(void **state)
{
	fx_t *f = *state;
	size_t b = add(f, "bravo", NULL);
	node_healthy(f, b, T0 - 60000);
	feed_health(&f->m, b, 207, f->multichain, T0);
	feed_metrics(&f->m, b, METRICS_RPC_DOWN, T0);
	bool saw_check = false, saw_rpc = false, saw_chain = false;
	for (size_t i = 0; i < f->m.events.len; i++) {
		strbuf_reset(&f->out);
		report_event_line(&f->out, eventlog_get(&f->m.events, i));
		const char *s = strbuf_str(&f->out);
		if (strcmp(s, "2026-11-24T10:00:00Z check bravo EVM.1.HeadTracker.HeadListener unknown -> failing: "
		              "Listener connected = false, receiving heads = false") == 0)
			saw_check = true;
		if (strcmp(s, "2026-11-24T10:00:00Z rpc bravo degraded -> down: no RPC node Alive on chain 1 (0/2)") == 0)
			saw_rpc = true;
		if (strcmp(s, "2026-11-24T10:00:00Z rpc bravo chain 1 degraded -> down: no RPC node Alive on chain 1 (0/2)") == 0)
			saw_chain = true;
	}
	assert_true(saw_check);
	assert_true(saw_rpc);
	assert_true(saw_chain);
}

/* ------------------------------------------------------------ summary */

static void test_summary(void **state)
{
	fx_t *f = *state;
	size_t a = add(f, "alpha", NULL);
	size_t b = add(f, "bravo", NULL);
	size_t c = add(f, "charlie", NULL);
	f->m.head_stall_ms = 3600000;   /* the test bodies keep the same head */
	node_healthy(f, a, T0 - 120000);
	node_healthy(f, b, T0 - 120000);
	node_healthy(f, c, T0 - 120000);
	advance(f, T0 - 120000, T0);
	feed_health(&f->m, b, 207, f->multichain, T0);
	feed_metrics(&f->m, b, METRICS_RPC_DOWN, T0);
	node_healthy(f, a, T0);
	node_healthy(f, c, T0);
	advance(f, T0, T0 + 252000);
	report_summary(&f->out, &f->m, T0 + 252000, 3);
	const char *s = strbuf_str(&f->out);

	tu_assert_contains(s, "nodetop incident summary, 2026-11-24T10:04:12Z: CRITICAL\n"
	                   "2 of 3 nodes up, 1 degraded; rpc down on bravo\n");
	tu_assert_contains(s, "\nbravo: DEGRADED since 2026-11-24T10:00:00Z (4m12s)\n");
	tu_assert_contains(s, "  failing checks: 1 of 34\n"
	                   "    ! EVM.1.HeadTracker.HeadListener for \xE2\x89\xA5 4m12s\n"
	                   "      Listener connected = false, receiving heads = false\n");
	tu_assert_contains(s, "  db: UP since nodetop started 2026-11-24T09:58:00Z (\xE2\x89\xA5 6m12s) - 5 open, 2 in use, max 20\n");
	tu_assert_contains(s, "  rpc: DOWN since 2026-11-24T10:00:00Z (4m12s) - no RPC node Alive on chain 1 (0/2)\n");
	tu_assert_contains(s, "  uptime over 6m12s observed: node 100.00%, db 100.00%, rpc 32.25%\n");
	tu_assert_contains(s, "\nhealthy: alpha, charlie\n");
	tu_assert_not_contains(s, "\nalpha:");
	tu_assert_contains(s, "\nlast 3 events (newest first):\n");
	tu_assert_contains(s, "  2026-11-24T10:00:00Z rpc bravo degraded -> down: no RPC node Alive on chain 1 (0/2) "
	                   "(for 4m12s, ongoing)\n");
	assert_terminal_safe(s, f->out.len, true, true);

	/* at most max_events, newest first */
	size_t lines = 0;
	const char *p = strstr(s, "newest first):\n") + strlen("newest first):\n");
	for (; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 3);
}

static void test_summary_lasted(void **state)
{
	fx_t *f = *state;
	size_t a = add(f, "alpha", NULL);
	node_healthy(f, a, T0);
	feed_fail(&f->m, a, PROBE_HEALTH, "connection refused", T0 + 10000);
	node_healthy(f, a, T0 + 70000);
	report_summary(&f->out, &f->m, T0 + 80000, 10);
	const char *s = strbuf_str(&f->out);
	tu_assert_contains(s, "nodetop incident summary, 2026-11-24T10:01:20Z: OK\n");
	tu_assert_contains(s, "healthy: alpha\n");
	tu_assert_contains(s, "  2026-11-24T10:01:10Z node alpha down -> up: all 17 checks passing (for 10s, ongoing)\n");
	tu_assert_contains(s, "  2026-11-24T10:00:10Z node alpha up -> down: connection refused (lasted 1m00s)\n");
}

/* ------------------------------------------------------------ status line */

static void test_status_line_cases(void **state)
{
	fx_t *f = *state;
	size_t a = model_add_node(&f->m, "alpha", "http://a", NULL, 7200000);
	size_t b = model_add_node(&f->m, "bravo-with-a-really-long-node-name-for-tmux", "http://b", NULL, 7200000);
	f->m.head_stall_ms = 86400000;
	node_healthy(f, a, T0);
	node_healthy(f, b, T0);
	assert_string_equal(status_line(f, T0, true), "CL 2/2 up");

	feed_health(&f->m, b, 200, f->passing, T0 + 1000);
	feed_metrics(&f->m, b, METRICS_RPC_DOWN, T0 + 1000);
	const char *s = status_line(f, T0 + 1000 + 3 * 3600000, true);
	assert_int_equal(utf8_cols(s), 40);     /* the name is cut to fit 40 columns */
	assert_string_equal(s, "CL 1/2 up \xC2\xB7 rpc DOWN bravo-with-a-rea 3h");
	s = status_line(f, T0 + 1000 + 3 * 3600000, false);
	assert_int_equal(strlen(s), 40);
	assert_string_equal(s, "CL 1/2 up | rpc DOWN bravo-with-a-rea 3h");

	/* the worst wins: a node down beats an RPC down elsewhere */
	feed_fail(&f->m, a, PROBE_HEALTH, "connection refused", T0 + 2000);
	s = status_line(f, T0 + 2000 + 12000, false);
	assert_string_equal(s, "CL 0/2 up | node DOWN alpha 12s");
}

static void test_status_line_stale(void **state)
{
	fx_t *f = *state;
	size_t a = model_add_node(&f->m, "alpha", "http://a", NULL, 5000);
	size_t b = model_add_node(&f->m, "bravo", "http://b", NULL, 5000);
	node_healthy(f, a, T0);
	node_healthy(f, b, T0);
	node_healthy(f, a, T0 + 60000);
	model_tick(&f->m, T0 + 62000);
	assert_string_equal(status_line(f, T0 + 62000, false), "CL 1/2 up | bravo stale 1m");
	model_tick(&f->m, T0 + 120000);
	assert_string_equal(status_line(f, T0 + 120000, false), "CL ? stale");
	assert_int_equal(report_status(&f->m), REPORT_UNKNOWN);
}

/* ------------------------------------------------------------ main */

int main(void)
{
#define FX(t) cmocka_unit_test_setup_teardown(t, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_names),
		FX(test_status_empty),
		FX(test_status_not_polled),
		FX(test_status_all_up),
		FX(test_status_degraded),
		FX(test_status_ungrouped_down),
		FX(test_status_rpc_down),
		FX(test_status_db_down),
		FX(test_status_metrics_unavailable),
		FX(test_status_group),
		FX(test_status_grouped_and_ungrouped),
		FX(test_failover_outputs),
		FX(test_text_blocks),
		FX(test_text_multiline_output),
		FX(test_json_fields),
		FX(test_json_empty),
		FX(test_hostile_text_outputs),
		FX(test_hostile_json),
		cmocka_unit_test(test_event_lines),
		cmocka_unit_test(test_event_json),
		FX(test_event_lines_from_model),
		FX(test_summary),
		FX(test_summary_lasted),
		FX(test_status_line_cases),
		FX(test_status_line_stale),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
