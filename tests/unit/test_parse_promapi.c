/* test_parse_promapi.c - cmocka tests of the Prometheus HTTP API parser: real answers of
 * Prometheus 2.42 and VictoriaMetrics 1.79 (tests/data/promapi), errors, limits, hostile text. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parse_promapi.h"
#include "strbuf.h"
#include "testutil.h"
#include "textsafe.h"
#include "xalloc.h"

/* Parses s from a buffer of exactly its length (ASan sees any read past it). */
static int parse(const char *s, size_t len, promapi_result_t *r)
{
	char *p = xmalloc(len ? len : 1);
	memcpy(p, s, len);
	int rc = promapi_parse(p, len, r);
	free(p);
	return rc;
}

static int parse_str(const char *s, promapi_result_t *r)
{
	return parse(s, strlen(s), r);
}

static int parse_file(const char *name, promapi_result_t *r)
{
	size_t len;
	char *body = tu_slurp(name, &len);
	int rc = parse(body, len, r);
	free(body);
	return rc;
}

static const promapi_series_t *by_instance(const promapi_result_t *r, const char *inst)
{
	for (size_t i = 0; i < r->nseries; i++) {
		const char *v = promapi_label(&r->series[i], "instance");
		if (v && strcmp(v, inst) == 0)
			return &r->series[i];
	}
	return NULL;
}

static void test_prometheus_up_vector(void **state)
{
	(void)state;
	promapi_result_t r;
	assert_int_equal(parse_file("promapi/prom-up.json", &r), 0);
	assert_true(r.ok);
	assert_int_equal(r.type, PROMAPI_VECTOR);
	assert_int_equal(r.nseries, 4);
	const promapi_series_t *down = by_instance(&r, "127.0.0.1:1");
	assert_non_null(down);
	assert_string_equal(promapi_label(down, "job"), "chainlink_node");
	assert_string_equal(promapi_label(down, "__name__"), "up");
	assert_int_equal(down->n, 1);
	assert_true(down->v[0] == 0.0);
	assert_int_equal(down->ts_ms[0], INT64_C(1796050071317));   /* fractional seconds kept */
	const promapi_series_t *up = by_instance(&r, "127.0.0.1:40439");
	assert_non_null(up);
	assert_true(up->v[0] == 1.0);
	assert_null(promapi_label(up, "nope"));
	assert_int_equal(r.dropped, 0);
	assert_false(r.partial);
	promapi_result_free(&r);
}

static void test_victoriametrics_up_vector(void **state)
{
	(void)state;
	promapi_result_t r;
	assert_int_equal(parse_file("promapi/vm-up.json", &r), 0);
	assert_int_equal(r.type, PROMAPI_VECTOR);
	assert_int_equal(r.nseries, 4);
	assert_int_equal(r.series[0].ts_ms[0] % 1000, 0);   /* VM sends whole seconds */
	promapi_result_free(&r);
}

static void test_health_per_check(void **state)
{
	(void)state;
	promapi_result_t r;
	assert_int_equal(parse_file("promapi/prom-health.json", &r), 0);
	assert_true(r.nseries > 5);
	size_t have_sid = 0;
	for (size_t i = 0; i < r.nseries; i++) {
		if (promapi_label(&r.series[i], "service_id"))
			have_sid++;
		assert_true(r.series[i].v[0] == 0.0 || r.series[i].v[0] == 1.0);
	}
	assert_int_equal(have_sid, r.nseries);
	promapi_result_free(&r);
}

static void test_matrix_both_engines(void **state)
{
	(void)state;
	const char *files[] = { "promapi/prom-range.json", "promapi/vm-range.json" };
	for (size_t f = 0; f < 2; f++) {
		promapi_result_t r;
		assert_int_equal(parse_file(files[f], &r), 0);
		assert_int_equal(r.type, PROMAPI_MATRIX);
		assert_int_equal(r.nseries, 4);
		for (size_t i = 0; i < r.nseries; i++) {
			assert_true(r.series[i].n >= 2);
			for (size_t k = 1; k < r.series[i].n; k++)
				assert_true(r.series[i].ts_ms[k] > r.series[i].ts_ms[k - 1]);
		}
		const promapi_series_t *down = by_instance(&r, "127.0.0.1:1");
		assert_non_null(down);
		assert_true(down->v[0] == 0.0);
		promapi_result_free(&r);
	}
}

static void test_scalar_and_string(void **state)
{
	(void)state;
	promapi_result_t r;
	assert_int_equal(parse_file("promapi/prom-scalar.json", &r), 0);
	assert_int_equal(r.type, PROMAPI_SCALAR);
	assert_int_equal(r.nseries, 1);
	assert_true(r.series[0].v[0] == 4.0);
	assert_int_equal(r.series[0].nlabels, 0);
	promapi_result_free(&r);
	assert_int_equal(parse_str("{\"status\":\"success\",\"data\":{\"resultType\":\"string\",\"result\":[1.5,\"hi\"]}}", &r), 0);
	assert_int_equal(r.type, PROMAPI_STRING);
	assert_string_equal(r.string, "hi");
	assert_int_equal(r.series[0].ts_ms[0], 1500);
	promapi_result_free(&r);
}

static void test_special_values(void **state)
{
	(void)state;
	promapi_result_t r;
	assert_int_equal(parse_str("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{},"
	                           "\"values\":[[1,\"NaN\"],[2,\"+Inf\"],[3,\"-Inf\"],[4,\"1e+06\"],[5,\"-0.5\"]]}]}}", &r), 0);
	const promapi_series_t *s = &r.series[0];
	assert_int_equal(s->n, 5);
	assert_true(isnan(s->v[0]));
	assert_true(isinf(s->v[1]) && s->v[1] > 0);
	assert_true(isinf(s->v[2]) && s->v[2] < 0);
	assert_true(s->v[3] == 1e6);
	assert_true(s->v[4] == -0.5);
	assert_int_equal(s->ts_ms[4], 5000);
	promapi_result_free(&r);
}

static void test_server_errors(void **state)
{
	(void)state;
	promapi_result_t r;
	assert_int_equal(parse_file("promapi/prom-error.json", &r), -1);
	assert_false(r.ok);
	assert_string_equal(r.error_type, "bad_data");
	assert_non_null(strstr(r.error, "parse error: unexpected end of input inside braces"));
	promapi_result_free(&r);
	assert_int_equal(parse_file("promapi/vm-error.json", &r), -1);
	assert_string_equal(r.error_type, "422");
	assert_non_null(strstr(r.error, "unexpected token"));
	promapi_result_free(&r);
}

static void test_malformed(void **state)
{
	(void)state;
	const char *bad[] = {
		"", "{", "[]", "null", "{\"status\":\"success\"}", "{\"data\":{}}",
		"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\"}}",
		"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":{}}}",
		"{\"status\":\"success\",\"data\":{\"resultType\":\"histogram\",\"result\":[]}}",
		"{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1,2]}}",
		"{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1,\"\\u0001 /4\"]}}",
		"{\"status\":\"success\",\"data\":{\"resultType\":\"string\",\"result\":[\"1\",\"x\"]}}",
		"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}} trailing",
		"<html><title>502 Bad Gateway</title></html>",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		promapi_result_t r;
		assert_int_equal(parse_str(bad[i], &r), -1);
		assert_false(r.ok);
		assert_true(r.error[0] != '\0');
		promapi_result_free(&r);
	}
	/* malformed elements are dropped and counted, the rest kept */
	promapi_result_t r;
	assert_int_equal(parse_str("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
	                           "{\"metric\":{\"a\":\"1\"},\"value\":[1,\"x\"]},"
	                           "{\"metric\":{\"a\":2},\"value\":[1,\"1\"]},"
	                           "{\"metric\":{\"a\":\"3\"},\"value\":[-1,\"1\"]},"
	                           "{\"metric\":{\"a\":\"4\"},\"value\":[1,\"4\"]}]}}", &r), 0);
	assert_int_equal(r.nseries, 1);
	assert_int_equal(r.dropped, 3);
	assert_string_equal(promapi_label(&r.series[0], "a"), "4");
	promapi_result_free(&r);
}

static void test_warnings_and_partial(void **state)
{
	(void)state;
	promapi_result_t r;
	assert_int_equal(parse_str("{\"status\":\"success\",\"isPartial\":true,\"warnings\":[\"store \\u001b[31mdown\",\"two\"],"
	                           "\"data\":{\"resultType\":\"vector\",\"result\":[]}}", &r), 0);
	assert_int_equal(r.nwarnings, 2);
	assert_true(r.partial);
	assert_true(textsafe_is_clean(r.warning, strlen(r.warning)));
	assert_non_null(strstr(r.warning, "down"));
	assert_null(strchr(r.warning, 0x1b));
	promapi_result_free(&r);
}

static void test_hostile_error_is_printable(void **state)
{
	(void)state;
	promapi_result_t r;
	assert_int_equal(parse_str("{\"status\":\"error\",\"errorType\":\"\\u001b]0;x\\u0007\",\"error\":\"\\u001b[2Jboom\\u009b\"}", &r), -1);
	assert_true(textsafe_is_clean(r.error, strlen(r.error)));
	assert_true(textsafe_is_clean(r.error_type, strlen(r.error_type)));
	assert_non_null(strstr(r.error, "boom"));
	promapi_result_free(&r);
}

static void test_label_limits(void **state)
{
	(void)state;
	/* 65 labels: the series is dropped; a 2000-byte value too */
	char *doc = xmalloc(65536);
	size_t o = (size_t)sprintf(doc, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{");
	for (int i = 0; i <= PROMAPI_MAX_LABELS; i++)
		o += (size_t)sprintf(doc + o, "%s\"l%d\":\"v\"", i ? "," : "", i);
	o += (size_t)sprintf(doc + o, "},\"value\":[1,\"1\"]},{\"metric\":{\"big\":\"");
	for (int i = 0; i < 2000; i++)
		doc[o++] = 'x';
	o += (size_t)sprintf(doc + o, "\"},\"value\":[1,\"1\"]},{\"metric\":{\"ok\":\"1\"},\"value\":[1,\"1\"]}]}}");
	promapi_result_t r;
	assert_int_equal(parse(doc, o, &r), 0);
	assert_int_equal(r.nseries, 1);
	assert_int_equal(r.dropped, 2);
	promapi_result_free(&r);
	free(doc);
}

static void test_targets_both_engines(void **state)
{
	(void)state;
	const char *files[] = { "promapi/prom-targets.json", "promapi/vm-targets.json" };
	const char *want[] = { "connect: connection refused", "connect: connection refused" };
	for (size_t f = 0; f < 2; f++) {
		size_t len;
		char *body = tu_slurp(files[f], &len);
		promapi_targets_t t;
		assert_int_equal(promapi_parse_targets(body, len, &t), 0);
		free(body);
		assert_int_equal(t.n, 4);
		size_t down = 0;
		for (size_t i = 0; i < t.n; i++) {
			const char *inst = promapi_target_label(&t.t[i], "instance");
			assert_non_null(inst);
			assert_string_equal(promapi_target_label(&t.t[i], "job"), "chainlink_node");
			if (strcmp(inst, "127.0.0.1:1") == 0) {
				down++;
				assert_string_equal(t.t[i].health, "down");
				assert_non_null(strstr(t.t[i].last_error, want[f]));
				assert_string_equal(t.t[i].scrape_url, "http://127.0.0.1:1/metrics");
			} else {
				assert_string_equal(t.t[i].health, "up");
				assert_string_equal(t.t[i].last_error, "");
			}
		}
		assert_int_equal(down, 1);
		promapi_targets_free(&t);
	}
	promapi_targets_t t;
	assert_int_equal(promapi_parse_targets("{\"status\":\"success\",\"data\":{}}", 31, &t), -1);
	assert_true(t.error[0] != '\0');
	promapi_targets_free(&t);
}

/* ---------------------------------------------------------------- the streaming parser */

static void test_any_key_order(void **state)
{
	(void)state;
	promapi_result_t r;
	/* data before status, result before resultType, value before metric, unknown keys
	 * holding nested arrays and objects anywhere */
	assert_int_equal(parse_str("{\"data\":{\"result\":[{\"value\":[1796062498.25,\"2.5\"],\"x\":[[{}],{\"metric\":[]}],"
	                           "\"metric\":{\"instance\":\"n1\",\"job\":\"j\"}},{\"metric\":{\"instance\":\"n2\"},\"values\":7,"
	                           "\"value\":[1,\"NaN\"]}],\"analysis\":{\"a\":[1,2,{\"b\":null}]},\"resultType\":\"vector\"},"
	                           "\"stats\":{\"timings\":{\"evalTotalTime\":0.01},\"samples\":[[1,2],[3,[4]]]},\"infos\":[\"i\"],"
	                           "\"isPartial\":false,\"status\":\"success\"}", &r), 0);
	assert_int_equal(r.type, PROMAPI_VECTOR);
	assert_int_equal(r.nseries, 2);
	assert_int_equal(r.dropped, 0);
	assert_false(r.partial);
	assert_string_equal(promapi_label(&r.series[0], "instance"), "n1");
	assert_string_equal(promapi_label(&r.series[0], "job"), "j");
	assert_int_equal(r.series[0].ts_ms[0], INT64_C(1796062498250));
	assert_true(r.series[0].v[0] == 2.5);
	assert_true(isnan(r.series[1].v[0]));
	promapi_result_free(&r);
	/* a matrix whose type comes last; a status error after the data */
	assert_int_equal(parse_str("{\"status\":\"success\",\"data\":{\"result\":[{\"values\":[[1,\"1\"],[2,\"2\"]],\"metric\":{}}],"
	                           "\"resultType\":\"matrix\"}}", &r), 0);
	assert_int_equal(r.type, PROMAPI_MATRIX);
	assert_int_equal(r.nseries, 1);
	assert_int_equal(r.series[0].n, 2);
	assert_int_equal(r.series[0].ts_ms[1], 2000);
	promapi_result_free(&r);
	assert_int_equal(parse_str("{\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1,\"1\"]}]},"
	                           "\"error\":\"too slow\",\"errorType\":\"timeout\",\"status\":\"error\"}", &r), -1);
	assert_string_equal(r.error, "too slow");
	assert_string_equal(r.error_type, "timeout");
	assert_int_equal(r.nseries, 0);
	assert_null(r.series);
	promapi_result_free(&r);
	/* the first of duplicate keys counts */
	assert_int_equal(parse_str("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"a\":\"1\"},"
	                           "\"metric\":{\"a\":\"2\"},\"value\":[1,\"1\"],\"value\":[2,\"2\"]}]},\"status\":\"error\"}", &r), 0);
	assert_string_equal(promapi_label(&r.series[0], "a"), "1");
	assert_int_equal(r.series[0].ts_ms[0], 1000);
	promapi_result_free(&r);
}

static void test_escapes_decoded(void **state)
{
	(void)state;
	promapi_result_t r;
	static const char doc[] = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":"
	                          "{\"s\\u0065rvice\":\"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\" \\\\ \\/ \\t\xe2\x82\xac\","
	                          "\"nul\":\"a\\u0000b\",\"raw\":\"c\0d\"},\"value\":[1,\"1\"]}]}}";
	assert_int_equal(parse(doc, sizeof doc - 1, &r), 0);
	assert_int_equal(r.nseries, 1);
	assert_string_equal(promapi_label(&r.series[0], "service"), "caf\xc3\xa9 \xf0\x9f\x98\x80 \"q\" \\ / \t\xe2\x82\xac");
	/* labels stay NUL-free: \u0000 and a raw NUL byte become U+FFFD, nothing is cut off */
	assert_string_equal(promapi_label(&r.series[0], "nul"), "a\xef\xbf\xbd" "b");
	assert_string_equal(promapi_label(&r.series[0], "raw"), "c\xef\xbf\xbd" "d");
	promapi_result_free(&r);
}

static void test_bad_escapes_and_numbers(void **state)
{
	(void)state;
	static const struct { const char *doc; size_t at; } bad[] = {
		{ "{\"status\":\"\\ud83d\"}", 11 },           /* a lone high surrogate */
		{ "{\"status\":\"\\ude00\"}", 11 },           /* a lone low one */
		{ "{\"status\":\"\\ud83d\\u0041\"}", 11 },    /* a high one and no low one */
		{ "{\"status\":\"\\ud83d\\uee00\"}", 11 },    /* above the low range */
		{ "{\"status\":\"\\u12G4\"}", 11 },           /* not hex */
		{ "{\"status\":\"\\x41\"}", 11 },             /* no such escape */
		{ "{\"status\":\"abc", 14 },                  /* unterminated */
		{ "{\"a\":01}", 6 },                          /* a leading zero */
		{ "{\"a\":1.}", 7 },
		{ "{\"a\":-}", 6 },
		{ "{\"a\":1e}", 7 },
		{ "{\"a\":[1,]}", 8 },
		{ "{\"a\":tru}", 5 },
		{ "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[}", 60 },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		promapi_result_t r;
		assert_int_equal(parse_str(bad[i].doc, &r), -1);
		char want[64];
		snprintf(want, sizeof want, "invalid JSON at byte %zu", bad[i].at);
		assert_string_equal(r.error, want);
		promapi_result_free(&r);
	}
}

/* depth nested arrays under an unknown key */
static char *nested(size_t depth, size_t *len)
{
	char *d = xmalloc(2 * depth + 128);
	size_t o = (size_t)sprintf(d, "{\"status\":\"success\",\"stats\":");
	memset(d + o, '[', depth);
	o += depth;
	memset(d + o, ']', depth);
	o += depth;
	o += (size_t)sprintf(d + o, ",\"data\":{\"resultType\":\"vector\",\"result\":[]}}");
	*len = o;
	return d;
}

static void test_nesting_bomb(void **state)
{
	(void)state;
	promapi_result_t r;
	size_t len;
	char *d = nested(999, &len);   /* 1000 levels with the top object: the limit */
	assert_int_equal(parse(d, len, &r), 0);
	promapi_result_free(&r);
	free(d);
	d = nested(1000, &len);
	assert_int_equal(parse(d, len, &r), -1);
	assert_string_equal(r.error, "invalid JSON at byte 1027");
	promapi_result_free(&r);
	free(d);
	d = nested(1000000, &len);     /* no recursion: a million levels is one error, not a crash */
	assert_int_equal(parse(d, len, &r), -1);
	assert_non_null(strstr(r.error, "invalid JSON at byte"));
	promapi_result_free(&r);
	free(d);
}

static void test_series_and_points_limits(void **state)
{
	(void)state;
	strbuf_t b = STRBUF_INIT;
	strbuf_puts(&b, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[");
	for (size_t i = 0; i < PROMAPI_MAX_SERIES + 2; i++)
		strbuf_printf(&b, "%s{\"metric\":{\"instance\":\"node%05zu\",\"job\":\"chainlink_node\"},\"value\":[%zu,\"%zu\"]}",
		              i ? "," : "", i % 10000, i + 1, i);
	strbuf_puts(&b, "]}}");
	promapi_result_t r;
	assert_int_equal(parse(b.data, b.len, &r), 0);
	assert_int_equal(r.nseries, PROMAPI_MAX_SERIES);
	assert_int_equal(r.dropped, 2);
	assert_true(r.partial);
	const promapi_series_t *last = &r.series[PROMAPI_MAX_SERIES - 1];
	assert_string_equal(promapi_label(last, "instance"), "node09999");
	assert_int_equal(last->ts_ms[0], INT64_C(1000) * PROMAPI_MAX_SERIES);
	assert_true(last->v[0] == PROMAPI_MAX_SERIES - 1);
	promapi_result_free(&r);
	strbuf_reset(&b);
	strbuf_puts(&b, "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{\"a\":\"b\"},\"values\":[");
	for (size_t i = 0; i < PROMAPI_MAX_POINTS + 5; i++)
		strbuf_printf(&b, "%s[%zu,\"%zu.5\"]", i ? "," : "", i, i);
	strbuf_puts(&b, "]}]}}");
	assert_int_equal(parse(b.data, b.len, &r), 0);
	assert_int_equal(r.nseries, 1);
	assert_int_equal(r.series[0].n, PROMAPI_MAX_POINTS);
	assert_true(r.series[0].v[PROMAPI_MAX_POINTS - 1] == PROMAPI_MAX_POINTS - 1 + 0.5);
	assert_true(r.partial);
	promapi_result_free(&r);
	strbuf_free(&b);
}

/* Label values crafted to land in one slot of the parser's string table (FNV-1a, 1024
 * slots at first): a run longer than its probe limit still gives every value intact. */
static void test_colliding_label_values(void **state)
{
	(void)state;
	char vals[150][16];
	size_t nv = 0;
	for (unsigned i = 0; nv < 150; i++) {
		char v[16];
		int len = snprintf(v, sizeof v, "v%u", i);
		uint32_t h = 2166136261u;
		for (int k = 0; k < len; k++)
			h = (h ^ (unsigned char)v[k]) * 16777619u;
		if ((h & 1023) == 7)
			memcpy(vals[nv++], v, sizeof v);
	}
	strbuf_t b = STRBUF_INIT;
	strbuf_puts(&b, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[");
	for (size_t i = 0; i < 2 * nv; i++)
		strbuf_printf(&b, "%s{\"metric\":{\"instance\":\"%s\"},\"value\":[1,\"%zu\"]}", i ? "," : "", vals[i % nv], i);
	strbuf_puts(&b, "]}}");
	promapi_result_t r;
	assert_int_equal(parse(b.data, b.len, &r), 0);
	assert_int_equal(r.nseries, 2 * nv);
	for (size_t i = 0; i < 2 * nv; i++) {
		assert_string_equal(promapi_label(&r.series[i], "instance"), vals[i % nv]);
		assert_true(r.series[i].v[0] == (double)i);
	}
	promapi_result_free(&r);
	strbuf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prometheus_up_vector),
		cmocka_unit_test(test_victoriametrics_up_vector),
		cmocka_unit_test(test_health_per_check),
		cmocka_unit_test(test_matrix_both_engines),
		cmocka_unit_test(test_scalar_and_string),
		cmocka_unit_test(test_special_values),
		cmocka_unit_test(test_server_errors),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_warnings_and_partial),
		cmocka_unit_test(test_hostile_error_is_printable),
		cmocka_unit_test(test_label_limits),
		cmocka_unit_test(test_targets_both_engines),
		cmocka_unit_test(test_any_key_order),
		cmocka_unit_test(test_escapes_decoded),
		cmocka_unit_test(test_bad_escapes_and_numbers),
		cmocka_unit_test(test_nesting_bomb),
		cmocka_unit_test(test_series_and_points_limits),
		cmocka_unit_test(test_colliding_label_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
