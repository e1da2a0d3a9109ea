/* test_parse_health.c - cmocka tests of the /health parsers against the real
 * Chainlink bodies in tests/data/chainlink and hostile inputs in tests/data/health. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <cJSON.h>

#include "parse_health.h"
#include "strbuf.h"
#include "textsafe.h"
#include "xalloc.h"

#include "tests/unit/testdata.h"   /* TESTDATA, made by make */

/* A body in a buffer of exactly its size, with no NUL after it, so that
 * AddressSanitizer catches any read past the end. */
typedef struct body {
	char *p;
	size_t len;
} body_t;

static body_t body_of(const void *src, size_t len)
{
	body_t b = { xmalloc(len ? len : 1), len };
	if (len)
		memcpy(b.p, src, len);
	return b;
}

static body_t body_str(const char *s)
{
	return body_of(s, strlen(s));
}

static body_t body_file(const char *rel)
{
	char path[512];
	strbuf_t sb = STRBUF_INIT;
	char buf[4096];
	size_t n;
	FILE *f;
	body_t b;

	snprintf(path, sizeof(path), "%s/%s", TESTDATA, rel);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_append(&sb, buf, n);
	fclose(f);
	b = body_of(strbuf_str(&sb), sb.len);
	strbuf_free(&sb);
	return b;
}

static void body_free(body_t *b)
{
	free(b->p);
	b->p = NULL;
}

/* The compact wire form of a pretty-printed JSON fixture. */
static body_t body_compact(const char *rel)
{
	body_t pretty = body_file(rel);
	cJSON *doc = cJSON_ParseWithLength(pretty.p, pretty.len);
	char *s;
	body_t b;

	assert_non_null(doc);
	s = cJSON_PrintUnformatted(doc);
	assert_non_null(s);
	b = body_str(s);
	cJSON_free(s);
	cJSON_Delete(doc);
	body_free(&pretty);
	return b;
}

static const health_check_t *find_check(const health_report_t *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->checks[i].name, name) == 0)
			return &r->checks[i];
	return NULL;
}

static void assert_check(const health_report_t *r, const char *name, check_status_t st, const char *output)
{
	const health_check_t *c = find_check(r, name);
	if (!c)
		fail_msg("no check named %s", name);
	assert_int_equal(c->status, st);
	assert_string_equal(c->output, output);
}

/* Sorted, nfailing consistent, no NULL strings. */
static void assert_report_sane(const health_report_t *r)
{
	size_t nf = 0;
	for (size_t i = 0; i < r->n; i++) {
		assert_non_null(r->checks[i].name);
		assert_non_null(r->checks[i].output);
		assert_true(r->checks[i].name[0] != '\0');
		if (i > 0)
			assert_true(strcmp(r->checks[i - 1].name, r->checks[i].name) <= 0);
		if (r->checks[i].status == CHECK_FAILING)
			nf++;
	}
	assert_int_equal(nf, r->nfailing);
}

static void assert_report_empty(const health_report_t *r)
{
	assert_null(r->checks);
	assert_int_equal(r->n, 0);
	assert_int_equal(r->nfailing, 0);
}

/* Parses a fixture with the given parser; asserts success. */
static health_report_t parse_ok(int (*fn)(const char *, size_t, health_report_t *, char *, size_t),
                                body_t b)
{
	health_report_t r = HEALTH_REPORT_INIT;
	char err[256] = "unset";
	int rc = fn(b.p, b.len, &r, err, sizeof(err));
	if (rc != 0)
		fail_msg("parse failed: %s", err);
	assert_string_equal(err, "");
	assert_report_sane(&r);
	return r;
}

static health_report_t parse_file(int (*fn)(const char *, size_t, health_report_t *, char *, size_t),
                                  const char *rel)
{
	body_t b = body_file(rel);
	health_report_t r = parse_ok(fn, b);
	body_free(&b);
	return r;
}

static health_report_t parse_compact(const char *rel)
{
	body_t b = body_compact(rel);
	health_report_t r = parse_ok(health_parse_json, b);
	body_free(&b);
	return r;
}

/* Expects failure with exactly msg and an empty report. */
static void expect_err(int (*fn)(const char *, size_t, health_report_t *, char *, size_t),
                       const char *body, size_t len, const char *msg)
{
	health_report_t r = { (health_check_t *)1, 99, 99, 99 };   /* overwritten */
	char err[256] = "";
	body_t b = body_of(body, len);
	int rc = fn(b.p, b.len, &r, err, sizeof(err));
	if (rc != -1)
		fail_msg("parsed but should fail with: %s", msg);
	assert_string_equal(err, msg);
	assert_report_empty(&r);
	body_free(&b);
}

static void expect_err_s(int (*fn)(const char *, size_t, health_report_t *, char *, size_t),
                         const char *body, const char *msg)
{
	expect_err(fn, body, strlen(body), msg);
}

static void expect_any_err(const char *ct, const char *body, size_t len, const char *msg)
{
	health_report_t r = HEALTH_REPORT_INIT;
	char err[256] = "";
	body_t b = body_of(body, len);
	assert_int_equal(health_parse_any(ct, b.p, b.len, &r, err, sizeof(err)), -1);
	assert_string_equal(err, msg);
	assert_report_empty(&r);
	body_free(&b);
}

static void assert_same_report(const health_report_t *a, const health_report_t *b)
{
	assert_int_equal(a->n, b->n);
	assert_int_equal(a->nfailing, b->nfailing);
	for (size_t i = 0; i < a->n; i++) {
		assert_string_equal(a->checks[i].name, b->checks[i].name);
		assert_int_equal(a->checks[i].status, b->checks[i].status);
		assert_string_equal(a->checks[i].output, b->checks[i].output);
	}
}

/* ------------------------------------------------------------ real bodies */

static void test_health_json_fixture(void **state)
{
	health_report_t r = parse_file(health_parse_json, "chainlink/health.json");
	assert_int_equal(r.n, 34);
	assert_int_equal(r.nfailing, 1);
	assert_string_equal(r.checks[0].name, "BridgeStatusReporter");
	assert_string_equal(r.checks[33].name, "WorkflowStore");
	assert_check(&r, "EVM.1399100.HeadTracker.HeadListener", CHECK_FAILING,
	             "Listener connected = false, receiving heads = false");
	assert_check(&r, "EVM.1399100", CHECK_PASSING, "");
	assert_check(&r, "Solana.Bar.Chain.Txm", CHECK_PASSING, "");
	assert_check(&r, "Mercury.WSRPCPool.CacheSet", CHECK_PASSING, "");
	health_report_free(&r);

	/* the wire form is compact: same result */
	health_report_t p = parse_file(health_parse_json, "chainlink/health.json");
	health_report_t c = parse_compact("chainlink/health.json");
	assert_same_report(&p, &c);
	health_report_free(&p);
	health_report_free(&c);
}

static void test_health_failing_json_fixture(void **state)
{
	/* this one is stored in its compact wire form */
	health_report_t r = parse_file(health_parse_json, "chainlink/health-failing.json");
	assert_int_equal(r.n, 1);
	assert_int_equal(r.nfailing, 1);
	assert_string_equal(r.checks[0].name, "EVM.1399100.HeadTracker.HeadListener");
	assert_int_equal(r.checks[0].status, CHECK_FAILING);
	assert_string_equal(r.checks[0].output, "Listener connected = false, receiving heads = false");
	health_report_free(&r);
}

static void test_all_passing_fixture(void **state)
{
	const char *files[] = { "chainlink/health-all-passing.json", "chainlink/health-all-passing.txt" };
	for (size_t f = 0; f < 2; f++) {
		health_report_t r = parse_file(f ? health_parse_text : health_parse_json, files[f]);
		assert_int_equal(r.n, 17);
		assert_int_equal(r.nfailing, 0);
		for (size_t i = 0; i < r.n; i++) {
			assert_int_equal(r.checks[i].status, CHECK_PASSING);
			assert_string_equal(r.checks[i].output, "");
		}
		assert_check(&r, "PipelineRunner.BridgeCache", CHECK_PASSING, "");
		assert_null(find_check(&r, "EVM.1"));
		health_report_free(&r);
	}
}

static void test_multichain_fixture(void **state)
{
	health_report_t r = parse_compact("chainlink/health-multichain.json");
	assert_int_equal(r.n, 34);
	assert_int_equal(r.nfailing, 1);
	assert_check(&r, "EVM.1.HeadTracker.HeadListener", CHECK_FAILING,
	             "Listener connected = false, receiving heads = false");
	assert_check(&r, "Solana.Bar.Relayer", CHECK_PASSING, "");
	health_report_free(&r);

	r = parse_compact("chainlink/health-multichain-failing.json");
	assert_int_equal(r.n, 1);
	assert_int_equal(r.nfailing, 1);
	assert_check(&r, "EVM.1.HeadTracker.HeadListener", CHECK_FAILING,
	             "Listener connected = false, receiving heads = false");
	health_report_free(&r);
}

static void test_loopp_fixture(void **state)
{
	const char *hl = "EVM.1.RelayerService.PluginRelayerClient.PluginEVM.HeadTracker.HeadListener";
	const char *mb = "EVM.1.RelayerService.PluginRelayerClient.PluginEVM.Mailbox.Monitor";
	health_report_t j = parse_compact("chainlink/health-loopp.json");
	health_report_t t = parse_file(health_parse_text, "chainlink/health-loopp.txt");

	assert_int_equal(j.n, 71);
	assert_int_equal(j.nfailing, 2);
	assert_check(&j, hl, CHECK_FAILING, "Listener connected = false, receiving heads = false");
	assert_check(&j, mb, CHECK_FAILING, "service is \"Unstarted\", not started");
	size_t nf = 0;
	for (size_t i = 0; i < j.n; i++)
		if (j.checks[i].status == CHECK_FAILING) {
			assert_true(strcmp(j.checks[i].name, hl) == 0 || strcmp(j.checks[i].name, mb) == 0);
			nf++;
		}
	assert_int_equal(nf, 2);
	assert_same_report(&j, &t);
	health_report_free(&j);
	health_report_free(&t);
}

/* Every JSON fixture and its text twin give the same report. */
static void test_json_text_agree(void **state)
{
	const char *pairs[][2] = {
		{ "chainlink/health.json", "chainlink/health.txt" },
		{ "chainlink/health-failing.json", "chainlink/health-failing.txt" },
		{ "chainlink/health-all-passing.json", "chainlink/health-all-passing.txt" },
		{ "chainlink/health-multichain.json", "chainlink/health-multichain.txt" },
		{ "chainlink/health-multichain-failing.json", "chainlink/health-multichain-failing.txt" },
		{ "chainlink/health-loopp.json", "chainlink/health-loopp.txt" },
	};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		health_report_t j = parse_file(health_parse_json, pairs[i][0]);
		health_report_t t = parse_file(health_parse_text, pairs[i][1]);
		health_report_t a = HEALTH_REPORT_INIT, b = HEALTH_REPORT_INIT;
		body_t bj = body_file(pairs[i][0]), bt = body_file(pairs[i][1]);
		char err[128];
		assert_true(j.n > 0);
		assert_same_report(&j, &t);
		/* sniffing without a content type, and with the node's labels */
		assert_int_equal(health_parse_any(NULL, bj.p, bj.len, &a, err, sizeof(err)), 0);
		assert_int_equal(health_parse_any(NULL, bt.p, bt.len, &b, err, sizeof(err)), 0);
		assert_same_report(&a, &j);
		assert_same_report(&b, &t);
		health_report_free(&a);
		health_report_free(&b);
		assert_int_equal(health_parse_any("application/vnd.api+json", bj.p, bj.len, &a, err, sizeof(err)), 0);
		assert_int_equal(health_parse_any("text/plain; charset=utf-8", bt.p, bt.len, &b, err, sizeof(err)), 0);
		assert_same_report(&a, &b);
		health_report_free(&a);
		health_report_free(&b);
		body_free(&bj);
		body_free(&bt);
		health_report_free(&j);
		health_report_free(&t);
	}
}

static void test_health_txt_fixture(void **state)
{
	health_report_t r = parse_file(health_parse_text, "chainlink/health.txt");
	assert_int_equal(r.n, 34);
	assert_int_equal(r.nfailing, 1);
	assert_check(&r, "EVM.1399100.HeadTracker.HeadListener", CHECK_FAILING,
	             "Listener connected = false, receiving heads = false");
	assert_check(&r, "WorkflowRateLimiter", CHECK_PASSING, "");
	health_report_free(&r);
}

static void test_multiline_fixture(void **state)
{
	health_report_t r = parse_file(health_parse_text, "chainlink/health-format-multiline.txt");
	assert_int_equal(r.n, 9);
	assert_int_equal(r.nfailing, 3);
	assert_check(&r, "foo", CHECK_PASSING, "");
	assert_check(&r, "foo.bar", CHECK_FAILING, "example error message");
	assert_check(&r, "foo.bar.2", CHECK_FAILING,
	             "error:\nthis is a multi-line error:\nnew line:\noriginal error");
	assert_check(&r, "foo.bar.2.A", CHECK_FAILING, "failure!");
	assert_check(&r, "foo.bar.2.B", CHECK_PASSING, "");
	assert_check(&r, "foo.baz", CHECK_PASSING, "");
	health_report_free(&r);
}

static void test_html_fixture(void **state)
{
	body_t b = body_file("chainlink/health.html");
	health_report_t r = HEALTH_REPORT_INIT;
	char err[128];

	assert_int_equal(health_parse_any("text/html; charset=utf-8", b.p, b.len, &r, err, sizeof(err)), -1);
	assert_string_equal(err, "HTML page, not a health document");
	assert_report_empty(&r);
	assert_int_equal(health_parse_any(NULL, b.p, b.len, &r, err, sizeof(err)), -1);
	assert_string_equal(err, "HTML page, not a health document");
	/* even when mislabelled (a proxy's error page) */
	assert_int_equal(health_parse_any("application/json", b.p, b.len, &r, err, sizeof(err)), -1);
	assert_string_equal(err, "HTML page, not a health document");
	assert_int_equal(health_parse_json(b.p, b.len, &r, err, sizeof(err)), -1);
	assert_string_equal(err, "invalid JSON at byte 0");
	assert_int_equal(health_parse_text(b.p, b.len, &r, err, sizeof(err)), -1);
	assert_string_equal(err, "text line 1: expected 'ok', '!', '?' or '-'");
	assert_report_empty(&r);
	body_free(&b);
}

/* ------------------------------------------------------------ JSON shapes */

static void test_json_wrong_shapes(void **state)
{
	expect_err_s(health_parse_json, "[]", "JSON: top level is not an object");
	expect_err_s(health_parse_json, "\"data\"", "JSON: top level is not an object");
	expect_err_s(health_parse_json, "null", "JSON: top level is not an object");
	expect_err_s(health_parse_json, "{}", "JSON: no \"data\" array");
	expect_err_s(health_parse_json, "{\"errors\":[{\"detail\":\"x\"}]}",
	             "JSON: no \"data\" array (the node sent \"errors\")");
	expect_err_s(health_parse_json, "{\"data\":{}}", "JSON: \"data\" is not an array");
	expect_err_s(health_parse_json, "{\"data\":null}", "JSON: \"data\" is not an array");
	expect_err_s(health_parse_json, "{\"data\":[1]}", "JSON: data[0] is not an object");
	expect_err_s(health_parse_json, "{\"data\":[{\"id\":\"a\"},{\"id\":\"b\"},\"c\"]}",
	             "JSON: data[2] is not an object");
	expect_err_s(health_parse_json, "{\"data\":[{\"id\":\"a\"},{}]}", "JSON: data[1] has no name and no id");
	expect_err_s(health_parse_json, "{\"data\":[{\"id\":\"\",\"attributes\":{\"name\":\"\"}}]}",
	             "JSON: data[0] has no name and no id");
	expect_err_s(health_parse_json, "{\"data\":[{\"id\":5}]}", "JSON: data[0] has no name and no id");
	expect_err_s(health_parse_json, "{\"data\":[{\"id\":\"a\",\"attributes\":[]}]}",
	             "JSON: data[0].attributes is not an object");
	expect_err_s(health_parse_json, "{\"data\":[{\"id\":\"a\",\"attributes\":{\"name\":5}}]}",
	             "JSON: data[0].attributes.name is not a string");
}

static void test_json_invalid(void **state)
{
	expect_err_s(health_parse_json, "{\"data\":[", "invalid JSON at byte 8");
	expect_err_s(health_parse_json, "{\"data\":[}", "invalid JSON at byte 9");
	expect_err_s(health_parse_json, "{\"data\":[]} x", "invalid JSON at byte 12: data after the document");
	expect_err_s(health_parse_json, "{\"data\":[]}{}", "invalid JSON at byte 11: data after the document");
	/* lone surrogates are not JSON text cJSON accepts */
	expect_err_s(health_parse_json, "{\"data\":[{\"id\":\"\\ud800\"}]}", "invalid JSON at byte 16");
	expect_err(health_parse_json, "", 0, "empty body");
	expect_err(health_parse_json, "\xef", 1, "invalid JSON at byte 0");
	expect_err(health_parse_json, "\xef\xbb", 2, "invalid JSON at byte 0");
	/* cJSON takes any byte <= 0x20 between tokens for a blank: harmless,
	 * such bytes are never stored */
	expect_err(health_parse_json, "{\0}", 3, "JSON: no \"data\" array");
	expect_err(health_parse_json, "{\"data\":[\"\0\"]}", 14, "JSON: data[0] is not an object");
}

static void test_json_tolerant(void **state)
{
	health_report_t r;
	body_t b = body_str("{\"data\":[]}");
	r = parse_ok(health_parse_json, b);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.nfailing, 0);
	health_report_free(&r);
	body_free(&b);

	b = body_str(" \r\n{\"data\":[]}\n\n");     /* blanks around, as jq and the CLI print */
	r = parse_ok(health_parse_json, b);
	assert_int_equal(r.n, 0);
	health_report_free(&r);
	body_free(&b);

	b = body_str("{\"data\":["
	             "{\"type\":\"checks\",\"id\":\"Z\",\"attributes\":{\"name\":\"Z\",\"status\":\"failing\"}},"
	             "{\"type\":\"checks\",\"id\":\"Y.id\",\"attributes\":{\"status\":\"passing\",\"output\":null}},"
	             "{\"type\":\"checks\",\"id\":\"X\",\"attributes\":{\"name\":\"X\",\"status\":\"warning\",\"output\":\"hm\"}},"
	             "{\"type\":\"checks\",\"id\":\"W\",\"attributes\":{\"name\":\"W\",\"output\":42}},"
	             "{\"id\":\"V\"},"
	             "{\"id\":\"U\",\"attributes\":null},"
	             "{\"type\":\"other\",\"id\":\"T\",\"attributes\":{\"name\":\"T\",\"status\":\"PASSING\",\"extra\":[1,2]}},"
	             "{\"type\":\"checks\",\"id\":\"S\",\"attributes\":{\"name\":null,\"status\":\"passing\"}}"
	             "],\"meta\":{}}");
	r = parse_ok(health_parse_json, b);
	assert_int_equal(r.n, 8);
	assert_int_equal(r.nfailing, 1);
	assert_string_equal(r.checks[0].name, "S");
	assert_check(&r, "S", CHECK_PASSING, "");
	assert_check(&r, "T", CHECK_UNKNOWN, "");
	assert_check(&r, "U", CHECK_UNKNOWN, "");
	assert_check(&r, "V", CHECK_UNKNOWN, "");
	assert_check(&r, "W", CHECK_UNKNOWN, "");
	assert_check(&r, "X", CHECK_UNKNOWN, "hm");
	assert_check(&r, "Y.id", CHECK_PASSING, "");
	assert_check(&r, "Z", CHECK_FAILING, "");
	health_report_free(&r);
	body_free(&b);
}

/* The body needs no NUL terminator: bytes after len are never read. */
static void test_json_not_terminated(void **state)
{
	const char *s = "{\"data\":[{\"id\":\"A\",\"attributes\":{\"name\":\"A\",\"status\":\"passing\"}}]}GARBAGE";
	size_t len = strlen(s) - strlen("GARBAGE");
	body_t b = body_of(s, len);
	health_report_t r = parse_ok(health_parse_json, b);
	assert_int_equal(r.n, 1);
	assert_check(&r, "A", CHECK_PASSING, "");
	health_report_free(&r);
	body_free(&b);
	/* tiny bodies too (cJSON's BOM check reads 3 bytes) */
	for (size_t n = 1; n <= 11; n++) {
		health_report_t q = HEALTH_REPORT_INIT;
		char err[64];
		b = body_of("{\"data\":[]}", n);
		assert_int_equal(health_parse_json(b.p, b.len, &q, err, sizeof(err)), n == 11 ? 0 : -1);
		health_report_free(&q);
		body_free(&b);
	}
}

static void test_json_escapes(void **state)
{
	health_report_t r = parse_file(health_parse_json, "health/escapes.json");
	char buf[256];

	assert_int_equal(r.n, 4);
	assert_int_equal(r.nfailing, 1);
	/* sorted by bytes: ESC sorts first */
	assert_string_equal(r.checks[0].name, "\x1b[2JEvil.Clear");
	assert_int_equal(r.checks[0].status, CHECK_FAILING);
	assert_string_equal(r.checks[0].output, "\x1b]0;pwned\x07 <b> & \xe2\x80\xae" "evil\xc2\x9b" "31m");
	textsafe_escape(buf, sizeof(buf), r.checks[0].name, strlen(r.checks[0].name), true, false);
	assert_string_equal(buf, "\\x1b[2JEvil.Clear");
	textsafe_escape(buf, sizeof(buf), r.checks[0].output, strlen(r.checks[0].output), true, false);
	assert_string_equal(buf, "\\x1b]0;pwned\\x07 <b> & \\u{202E}evil\\x9b31m");
	/* "\u0000hidden" decodes to an empty C string: the id names the check,
	 * and an output is cut at its NUL */
	assert_check(&r, "Nul.Name", CHECK_UNKNOWN, "cut");
	assert_check(&r, "OnlyId", CHECK_UNKNOWN, "");
	/* invalid UTF-8 is kept raw, and escaped only for display */
	assert_check(&r, "Raw.Bytes.\xff\xfe", CHECK_PASSING, "");
	textsafe_escape(buf, sizeof(buf), r.checks[3].name, strlen(r.checks[3].name), true, false);
	assert_string_equal(buf, "Raw.Bytes.\\xff\\xfe");
	health_report_free(&r);
}

static void test_json_unicode_escapes(void **state)
{
	body_t b = body_str("{\"data\":[{\"id\":\"a\",\"attributes\":{\"name\":\"caf\\u00e9 \\ud83d\\ude00\","
	                    "\"status\":\"failing\",\"output\":\"\\u003chtml\\u003e \\u0026amp; \\\"q\\\" \\\\ \\/\"}}]}");
	health_report_t r = parse_ok(health_parse_json, b);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.checks[0].name, "caf\xc3\xa9 \xf0\x9f\x98\x80");
	assert_string_equal(r.checks[0].output, "<html> &amp; \"q\" \\ /");
	health_report_free(&r);
	body_free(&b);
}

/* Failure after some checks were already collected frees them. */
static void test_json_error_frees_partial(void **state)
{
	strbuf_t sb = STRBUF_INIT;
	strbuf_puts(&sb, "{\"data\":[");
	for (int i = 0; i < 100; i++)
		strbuf_printf(&sb, "{\"id\":\"c%d\",\"attributes\":{\"name\":\"c%d\",\"status\":\"failing\",\"output\":\"x\"}},", i, i);
	strbuf_puts(&sb, "7]}");
	expect_err(health_parse_json, sb.data, sb.len, "JSON: data[100] is not an object");
	strbuf_free(&sb);
}

static void shuffle_names(size_t *idx, size_t n)
{
	uint32_t x = 2463534242u;
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	for (size_t i = n - 1; i > 0; i--) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		size_t j = x % (i + 1), t = idx[i];
		idx[i] = idx[j];
		idx[j] = t;
	}
}

static void test_json_10000(void **state)
{
	enum { N = 10000 };
	size_t *idx = xmalloc(N * sizeof(*idx));
	strbuf_t sb = STRBUF_INIT;
	clock_t t0;
	double secs;

	shuffle_names(idx, N);
	strbuf_puts(&sb, "{\"data\":[");
	for (size_t i = 0; i < N; i++) {
		size_t k = idx[i];
		strbuf_printf(&sb, "%s{\"type\":\"checks\",\"id\":\"EVM.%zu.Check%05zu\",\"attributes\":"
		              "{\"name\":\"EVM.%zu.Check%05zu\",\"status\":\"%s\",\"output\":\"%s\"}}",
		              i ? "," : "", k % 7, k, k % 7, k, k % 10 == 3 ? "failing" : "passing",
		              k % 10 == 3 ? "boom\\nline 2" : "");
	}
	strbuf_puts(&sb, "]}");
	body_t b = body_of(sb.data, sb.len);
	t0 = clock();
	health_report_t r = parse_ok(health_parse_json, b);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	print_message("10000 JSON checks (%zu bytes) parsed in %.1f ms\n", b.len, secs * 1000);
	assert_true(secs < 1.0);
	assert_int_equal(r.n, N);
	assert_int_equal(r.nfailing, N / 10);
	assert_string_equal(r.checks[0].name, "EVM.0.Check00000");
	assert_string_equal(r.checks[N - 1].name, "EVM.6.Check09995");
	assert_check(&r, "EVM.3.Check00003", CHECK_FAILING, "boom\nline 2");
	assert_check(&r, "EVM.3.Check09999", CHECK_PASSING, "");
	health_report_free(&r);
	body_free(&b);

	/* the same in text form */
	strbuf_reset(&sb);
	for (size_t i = 0; i < N; i++) {
		size_t k = idx[i];
		if (k % 10 == 3)
			strbuf_printf(&sb, "!  EVM.%zu.Check%05zu\n\tboom\n\tline 2\n", k % 7, k);
		else
			strbuf_printf(&sb, "ok EVM.%zu.Check%05zu\n", k % 7, k);
	}
	b = body_of(sb.data, sb.len);
	t0 = clock();
	r = parse_ok(health_parse_text, b);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	print_message("10000 text checks (%zu bytes) parsed in %.1f ms\n", b.len, secs * 1000);
	assert_true(secs < 1.0);
	assert_int_equal(r.n, N);
	assert_int_equal(r.nfailing, N / 10);
	assert_check(&r, "EVM.3.Check00003", CHECK_FAILING, "boom\nline 2");
	health_report_free(&r);
	body_free(&b);
	strbuf_free(&sb);
	free(idx);
}

/* ------------------------------------------------------------ text */

static void test_text_v29(void **state)
{
	health_report_t r = parse_file(health_parse_text, "health/v2.9.txt");
	assert_int_equal(r.n, 4);
	assert_int_equal(r.nfailing, 1);
	assert_check(&r, "BridgeStatusReporter", CHECK_PASSING, "");
	assert_check(&r, "EVM.1", CHECK_PASSING, "");
	assert_check(&r, "EVM.1.HeadTracker.HeadListener", CHECK_FAILING, "Listener is not connected");
	assert_check(&r, "HeadReporter", CHECK_PASSING, "");
	health_report_free(&r);

	body_t b = body_str("?B\n!A\n-C");   /* no final newline */
	r = parse_ok(health_parse_text, b);
	assert_int_equal(r.n, 3);
	assert_check(&r, "A", CHECK_FAILING, "");
	assert_check(&r, "B", CHECK_UNKNOWN, "");
	assert_check(&r, "C", CHECK_PASSING, "");
	health_report_free(&r);
	body_free(&b);
}

static void test_text_unknown_and_blank_output_lines(void **state)
{
	health_report_t r = parse_file(health_parse_text, "health/unknown.txt");
	assert_int_equal(r.n, 4);
	assert_int_equal(r.nfailing, 1);
	assert_check(&r, "A", CHECK_PASSING, "");
	assert_check(&r, "B.unknown", CHECK_UNKNOWN, "");
	assert_check(&r, "C", CHECK_FAILING, "first\n\nthird");
	assert_check(&r, "D", CHECK_PASSING, "");
	assert_string_equal(check_status_name(r.checks[1].status), "unknown");
	health_report_free(&r);
}

static void test_text_crlf(void **state)
{
	health_report_t r = parse_file(health_parse_text, "health/crlf.txt");
	assert_int_equal(r.n, 3);
	assert_int_equal(r.nfailing, 1);
	assert_check(&r, "A", CHECK_PASSING, "");
	assert_check(&r, "B", CHECK_FAILING, "line one\nline two");
	assert_check(&r, "C", CHECK_PASSING, "");
	health_report_free(&r);
}

static void test_text_errors(void **state)
{
	expect_err_s(health_parse_text, "ok A\nbogus\n", "text line 2: expected 'ok', '!', '?' or '-'");
	expect_err_s(health_parse_text, "okA\n", "text line 1: expected 'ok', '!', '?' or '-'");
	expect_err_s(health_parse_text, "\n\n  x\n", "text line 3: expected 'ok', '!', '?' or '-'");
	expect_err_s(health_parse_text, "\tearly\nok A\n", "text line 1: output line before any check");
	expect_err_s(health_parse_text, "\n\t\nok A\n", "text line 2: output line before any check");
	expect_err_s(health_parse_text, "ok A\nok \n", "text line 2: check without a name");
	expect_err_s(health_parse_text, "ok A\n!  \r\n", "text line 2: check without a name");
	expect_err_s(health_parse_text, "-\n", "text line 1: check without a name");
	expect_err_s(health_parse_text, "ok A\nok\r\n", "text line 2: check without a name");
	expect_err_s(health_parse_text, "ok\tA\n", "text line 1: expected 'ok', '!', '?' or '-'");
	expect_err(health_parse_text, "ok A\nok B\0C\n", 11, "text line 2: NUL byte");
	expect_err(health_parse_text, "", 0, "empty body");
	/* a failure after checks were collected frees them */
	expect_err_s(health_parse_text, "ok A\n!  B\n\tx\n\ty\nok C\n<html>\n", "text line 6: expected 'ok', '!', '?' or '-'");
}

static void test_text_hostile_bytes(void **state)
{
	body_t b = body_str("ok \x1b[2J\x1b[31mRed\n!  \xc2\x9b" "6n\n\t\x07\xff\xfe\x1b]0;t\x07\r\n");
	health_report_t r = parse_ok(health_parse_text, b);
	char buf[128];
	assert_int_equal(r.n, 2);
	assert_check(&r, "\x1b[2J\x1b[31mRed", CHECK_PASSING, "");
	assert_check(&r, "\xc2\x9b" "6n", CHECK_FAILING, "\x07\xff\xfe\x1b]0;t\x07");
	const health_check_t *c = find_check(&r, "\xc2\x9b" "6n");
	textsafe_escape(buf, sizeof(buf), c->output, strlen(c->output), true, true);
	assert_string_equal(buf, "\\x07\\xff\\xfe\\x1b]0;t\\x07");
	textsafe_escape(buf, sizeof(buf), c->name, strlen(c->name), true, true);
	assert_string_equal(buf, "\\x9b6n");
	health_report_free(&r);
	body_free(&b);
}

/* ------------------------------------------------------------ any */

static void test_any_dispatch(void **state)
{
	health_report_t r = HEALTH_REPORT_INIT;
	char err[128];
	const char *json = "{\"data\":[{\"id\":\"A\",\"attributes\":{\"name\":\"A\",\"status\":\"failing\",\"output\":\"x\"}}]}";
	const char *cts[] = { "application/vnd.api+json", "application/json", "Application/JSON ; charset=utf-8",
	                      "application/problem+json", "application/octet-stream", "", NULL };
	for (size_t i = 0; i < sizeof(cts) / sizeof(cts[0]); i++) {
		body_t b = body_str(json);
		assert_int_equal(health_parse_any(cts[i], b.p, b.len, &r, err, sizeof(err)), 0);
		assert_int_equal(r.n, 1);
		assert_int_equal(r.nfailing, 1);
		health_report_free(&r);
		body_free(&b);
	}
	/* the content type wins over sniffing */
	expect_any_err("text/plain", json, strlen(json), "text line 1: expected 'ok', '!', '?' or '-'");
	expect_any_err("application/json", "ok A\n", 5, "invalid JSON at byte 0");
	/* sniffing: text forms, after blanks and a BOM */
	const char *texts[] = { "ok A\n", "!  A\n", "?  A\n", "-A\n", "!A\n", "\n\n  ok A\n", "\xef\xbb\xbfok A\n" };
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		body_t b = body_str(texts[i]);
		if (i == 5) {         /* leading "  ok" is no text line */
			assert_int_equal(health_parse_any(NULL, b.p, b.len, &r, err, sizeof(err)), -1);
			assert_string_equal(err, "text line 3: expected 'ok', '!', '?' or '-'");
		} else {
			assert_int_equal(health_parse_any(NULL, b.p, b.len, &r, err, sizeof(err)), 0);
			assert_int_equal(r.n, 1);
			assert_string_equal(r.checks[0].name, "A");
		}
		health_report_free(&r);
		body_free(&b);
	}
	body_t b = body_str("\xef\xbb\xbf{\"data\":[]}");
	assert_int_equal(health_parse_any("application/json", b.p, b.len, &r, err, sizeof(err)), 0);
	assert_int_equal(r.n, 0);
	body_free(&b);
	expect_any_err(NULL, "[1]", 3, "JSON: top level is not an object");
	expect_any_err(NULL, "Service Unavailable", 19, "not a health document (first byte 0x53)");
	expect_any_err("text/html", "ok A\n", 5, "HTML page, not a health document");
	expect_any_err(NULL, "\n<!DOCTYPE html><html></html>", 29, "HTML page, not a health document");
}

static void test_any_empty(void **state)
{
	/* 204 while the node starts: an empty body */
	expect_any_err(NULL, "", 0, "empty body");
	expect_any_err("application/vnd.api+json", "", 0, "empty body");
	expect_any_err("text/plain", " \r\n\n\t", 5, "empty body");
	expect_any_err(NULL, "\xef\xbb\xbf", 3, "empty body");
	health_report_t r = HEALTH_REPORT_INIT;
	char err[32];
	assert_int_equal(health_parse_any(NULL, NULL, 0, &r, err, sizeof(err)), -1);
	assert_string_equal(err, "empty body");
	/* a short error buffer is truncated, a NULL one ignored */
	char tiny[6];
	assert_int_equal(health_parse_any(NULL, "<p>", 3, &r, tiny, sizeof(tiny)), -1);
	assert_string_equal(tiny, "HTML ");
	assert_int_equal(health_parse_any(NULL, "<p>", 3, &r, NULL, 0), -1);
	assert_int_equal(health_parse_json("{", 1, &r, NULL, 0), -1);
}

static void test_status_names_and_free(void **state)
{
	assert_string_equal(check_status_name(CHECK_PASSING), "passing");
	assert_string_equal(check_status_name(CHECK_FAILING), "failing");
	assert_string_equal(check_status_name(CHECK_UNKNOWN), "unknown");
	assert_string_equal(check_status_name((check_status_t)42), "unknown");
	health_report_t r = HEALTH_REPORT_INIT;
	health_report_free(&r);
	health_report_free(&r);
	health_report_free(NULL);
	assert_report_empty(&r);
}

/* ------------------------------------------------------------ fuzz regressions */

static void test_fuzz_regressions(void **state)
{
	/* bodies that end where cJSON versions have read one byte too far:
	 * a BOM prefix, an object key expected after a final ',' */
	expect_err(health_parse_json, "\xef\xbb\xbf", 3, "invalid JSON at byte 0");
	expect_err(health_parse_json, "\xef", 1, "invalid JSON at byte 0");
	expect_err_s(health_parse_json, "{\"data\":[],", "invalid JSON at byte 10");
	expect_err_s(health_parse_json, "{\"data\":[\"\\", "invalid JSON at byte 10");
	expect_any_err(NULL, "\xef", 1, "not a health document (first byte 0xef)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_health_json_fixture),
		cmocka_unit_test(test_health_failing_json_fixture),
		cmocka_unit_test(test_all_passing_fixture),
		cmocka_unit_test(test_multichain_fixture),
		cmocka_unit_test(test_loopp_fixture),
		cmocka_unit_test(test_json_text_agree),
		cmocka_unit_test(test_health_txt_fixture),
		cmocka_unit_test(test_multiline_fixture),
		cmocka_unit_test(test_html_fixture),
		cmocka_unit_test(test_json_wrong_shapes),
		cmocka_unit_test(test_json_invalid),
		cmocka_unit_test(test_json_tolerant),
		cmocka_unit_test(test_json_not_terminated),
		cmocka_unit_test(test_json_escapes),
		cmocka_unit_test(test_json_unicode_escapes),
		cmocka_unit_test(test_json_error_frees_partial),
		cmocka_unit_test(test_json_10000),
		cmocka_unit_test(test_text_v29),
		cmocka_unit_test(test_text_unknown_and_blank_output_lines),
		cmocka_unit_test(test_text_crlf),
		cmocka_unit_test(test_text_errors),
		cmocka_unit_test(test_text_hostile_bytes),
		cmocka_unit_test(test_any_dispatch),
		cmocka_unit_test(test_any_empty),
		cmocka_unit_test(test_status_names_and_free),
		cmocka_unit_test(test_fuzz_regressions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
