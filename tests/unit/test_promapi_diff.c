/* test_promapi_diff.c - differential test of the streaming promapi_parse against the former
 * cJSON implementation (promapi_ref.c): the test data and thousands of generated answers. */
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
#include "promapi_ref.h"
#include "strbuf.h"
#include "testutil.h"
#include "xalloc.h"

/* ---------------------------------------------------------------- comparison */

static bool same_double(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	return memcmp(&a, &b, sizeof a) == 0;   /* -0 and 0 differ */
}

static bool is_syntax(const char *e)
{
	return strncmp(e, "invalid JSON at byte ", 21) == 0;
}

/* Both parsers on body[0..len) (an exact-size copy each): same structs, or a message
 * naming the first difference. The byte offset of a syntax error may differ (cJSON
 * reports where it gave up, the new parser the byte it rejected); its kind may not. */
static void diff_one(const char *body, size_t len, const char *what)
{
	char *p = xmalloc(len ? len : 1);
	memcpy(p, body, len);
	promapi_result_t a, b;
	int ra = promapi_parse(p, len, &a);
	int rb = ref_promapi_parse(p, len, &b);
	free(p);
	char why[1400] = "";
#define DIFF(cond, ...) do { if (!why[0] && (cond)) snprintf(why, sizeof why, __VA_ARGS__); } while (0)
	DIFF(ra != rb, "rc %d vs %d (new error '%s', ref error '%s')", ra, rb, a.error, b.error);
	DIFF(a.ok != b.ok, "ok");
	bool both_syntax = is_syntax(a.error) && is_syntax(b.error);
	DIFF(strcmp(a.error, b.error) != 0 && !(both_syntax && !strstr(a.error, "after") == !strstr(b.error, "after")),
	     "error '%s' vs '%s'", a.error, b.error);
	DIFF(strcmp(a.error_type, b.error_type) != 0, "error_type '%s' vs '%s'", a.error_type, b.error_type);
	DIFF(strcmp(a.warning, b.warning) != 0, "warning '%s' vs '%s'", a.warning, b.warning);
	DIFF(a.nwarnings != b.nwarnings, "nwarnings %zu vs %zu", a.nwarnings, b.nwarnings);
	DIFF(a.partial != b.partial, "partial %d vs %d", a.partial, b.partial);
	DIFF(a.type != b.type, "type %d vs %d", (int)a.type, (int)b.type);
	DIFF(a.nseries != b.nseries, "nseries %zu vs %zu", a.nseries, b.nseries);
	DIFF(a.dropped != b.dropped, "dropped %zu vs %zu", a.dropped, b.dropped);
	DIFF(!a.string != !b.string || (a.string && strcmp(a.string, b.string) != 0), "string");
	for (size_t i = 0; !why[0] && i < a.nseries && i < b.nseries; i++) {
		const promapi_series_t *x = &a.series[i], *y = &b.series[i];
		DIFF(x->nlabels != y->nlabels, "series %zu: nlabels %zu vs %zu", i, x->nlabels, y->nlabels);
		for (size_t k = 0; !why[0] && k < x->nlabels; k++) {
			DIFF(strcmp(x->labels[k].name, y->labels[k].name) != 0, "series %zu label %zu name", i, k);
			DIFF(strcmp(x->labels[k].value, y->labels[k].value) != 0, "series %zu label %zu value '%s' vs '%s'",
			     i, k, x->labels[k].value, y->labels[k].value);
		}
		DIFF(x->n != y->n, "series %zu: n %zu vs %zu", i, x->n, y->n);
		for (size_t k = 0; !why[0] && k < x->n; k++) {
			DIFF(x->ts_ms[k] != y->ts_ms[k], "series %zu point %zu: ts %lld vs %lld", i, k,
			     (long long)x->ts_ms[k], (long long)y->ts_ms[k]);
			DIFF(!same_double(x->v[k], y->v[k]), "series %zu point %zu: v %.17g vs %.17g", i, k, x->v[k], y->v[k]);
		}
	}
#undef DIFF
	if (why[0]) {
		fprintf(stderr, "%s: %s\ninput (%zu bytes): %.*s\n", what, why, len, (int)(len < 4000 ? len : 4000), body);
		fail_msg("new and reference parsers differ on %s: %s", what, why);
	}
	promapi_result_free(&a);
	ref_promapi_result_free(&b);
}

/* ---------------------------------------------------------------- generator */

static uint64_t rng_s = 0x9E3779B97F4A7C15u;

static uint32_t rnd(uint32_t n)
{
	rng_s ^= rng_s << 13;
	rng_s ^= rng_s >> 7;
	rng_s ^= rng_s << 17;
	return (uint32_t)((rng_s >> 11) % n);
}

static bool chance(uint32_t pct)
{
	return rnd(100) < pct;
}

static void ws(strbuf_t *b)
{
	static const char *w[] = { "", "", "", " ", "\n", "\r\n\t ", "  " };
	if (chance(15))
		strbuf_puts(b, w[rnd(7)]);
}

/* A JSON string body with escapes, raw UTF-8 and plain text (never \u0000: see the note). */
static void gen_text(strbuf_t *b, size_t maxlen)
{
	static const char *piece[] = {
		"a", "node", "0", "_", "EVM.1.Txm", "chainlink_node", "\\n", "\\\"", "\\\\", "\\/", "\\t", "\\b", "\\f", "\\r",
		"\\u00e9", "\\u20AC", "\\ud83d\\ude00", "\\u001b[31m", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", " ", ":",
		"\\u0041", "\x7f", "\xff", "{", "}", "[", ",",
	};
	size_t n = rnd((uint32_t)maxlen + 1);
	for (size_t i = 0; i < n; i++)
		strbuf_puts(b, piece[chance(70) ? rnd(5) : rnd(sizeof piece / sizeof piece[0])]);
}

static void gen_string(strbuf_t *b, size_t maxlen)
{
	strbuf_putc(b, '"');
	gen_text(b, maxlen);
	strbuf_putc(b, '"');
}

static void gen_number(strbuf_t *b)
{
	static const char *num[] = {
		"1796062498", "1796062498.123", "1796062498.5", "1.796062498e9", "1.7960624981E+9", "0", "-0", "1", "1.5e3",
		"100000000000", "100000000001", "1e12", "-1", "-0.0", "0.001", "1796062498.1234567", "17960624981234e-4",
		"123456789012345678901234567890", "1e400", "-1e-400", "0.5", "42",
	};
	strbuf_puts(b, num[rnd(sizeof num / sizeof num[0])]);
}

static void gen_any(strbuf_t *b, int depth);

static void gen_any_obj(strbuf_t *b, int depth)
{
	strbuf_putc(b, '{');
	size_t n = rnd(4);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_putc(b, ',');
		ws(b);
		gen_string(b, 3);
		ws(b);
		strbuf_putc(b, ':');
		gen_any(b, depth + 1);
	}
	strbuf_putc(b, '}');
}

/* Any JSON value: what unknown keys ("stats", "infos", ...) carry. */
static void gen_any(strbuf_t *b, int depth)
{
	ws(b);
	switch (depth > 4 ? rnd(4) : rnd(7)) {
	case 0: gen_number(b); break;
	case 1: gen_string(b, 6); break;
	case 2: strbuf_puts(b, chance(50) ? "true" : chance(50) ? "false" : "null"); break;
	case 3: gen_string(b, 1); break;
	case 4: case 5:
		if (chance(50)) {
			gen_any_obj(b, depth);
		} else {
			strbuf_putc(b, '[');
			size_t n = rnd(4);
			for (size_t i = 0; i < n; i++) {
				if (i)
					strbuf_putc(b, ',');
				gen_any(b, depth + 1);
			}
			strbuf_putc(b, ']');
		}
		break;
	default: gen_any_obj(b, depth); break;
	}
	ws(b);
}

static void gen_value_str(strbuf_t *b)
{
	static const char *val[] = {
		"1", "0", "1.5e3", "-0", "NaN", "+Inf", "-Inf", "0.1", "123456789012345678", "1e-7", "42.125",
		"0.30000000000000004", "9007199254740993", "x", "", " 1", "0x1p3", "+1", "1.", ".5", "inf", "nan",
		"\\t1", "1 ", "1e+06", "-0.5", "3.14159265358979323846",
	};
	strbuf_printf(b, "\"%s\"", chance(80) ? val[rnd(11)] : val[rnd(sizeof val / sizeof val[0])]);
}

static void gen_point(strbuf_t *b, bool bad)
{
	if (bad && chance(30)) {
		gen_any(b, 3);
		return;
	}
	strbuf_putc(b, '[');
	ws(b);
	if (bad && chance(30))
		gen_value_str(b);
	else
		gen_number(b);
	ws(b);
	strbuf_putc(b, ',');
	ws(b);
	if (bad && chance(30))
		gen_number(b);
	else
		gen_value_str(b);
	if (bad && chance(30)) {
		strbuf_putc(b, ',');
		gen_value_str(b);
	}
	ws(b);
	strbuf_putc(b, ']');
}

static void gen_labels(strbuf_t *b, bool bad)
{
	static const char *names[] = { "__name__", "instance", "job", "service_id", "le", "a" };
	if (bad && chance(20)) {
		gen_any(b, 3);
		return;
	}
	strbuf_putc(b, '{');
	size_t n = rnd(6);
	if (bad && chance(10))
		n = PROMAPI_MAX_LABELS - 1 + rnd(3);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_putc(b, ',');
		ws(b);
		if (chance(70))
			strbuf_printf(b, "\"%s\"", names[rnd(6)]);
		else
			gen_string(b, 4);
		ws(b);
		strbuf_putc(b, ':');
		ws(b);
		if (bad && chance(5)) {
			strbuf_putc(b, '"');
			size_t len = PROMAPI_MAX_LABEL_LEN - 2 + rnd(5);
			for (size_t k = 0; k < len; k++)
				strbuf_putc(b, 'v');
			strbuf_putc(b, '"');
		} else if (bad && chance(5)) {
			gen_any(b, 3);
		} else {
			gen_string(b, 5);
		}
	}
	strbuf_putc(b, '}');
}

/* One vector or matrix element, its keys in a random order, sometimes malformed. */
static void gen_element(strbuf_t *b, bool matrix)
{
	bool bad = chance(20);
	const char *keys[4];
	size_t nk = 0;
	if (!bad || chance(80))
		keys[nk++] = "metric";
	if (!bad || chance(80))
		keys[nk++] = matrix ? "values" : "value";
	if (chance(20))
		keys[nk++] = chance(50) ? "histogram" : (matrix ? "value" : "values");
	if (chance(5))
		keys[nk++] = "metric";   /* a duplicate: the first counts */
	for (size_t i = nk; i > 1; i--) {
		size_t j = rnd((uint32_t)i);
		const char *t = keys[i - 1];
		keys[i - 1] = keys[j];
		keys[j] = t;
	}
	if (bad && chance(10)) {
		gen_any(b, 2);
		return;
	}
	ws(b);
	strbuf_putc(b, '{');
	for (size_t i = 0; i < nk; i++) {
		if (i)
			strbuf_putc(b, ',');
		ws(b);
		strbuf_printf(b, "\"%s\":", keys[i]);
		ws(b);
		if (strcmp(keys[i], "metric") == 0) {
			gen_labels(b, bad);
		} else if (strcmp(keys[i], "value") == 0) {
			gen_point(b, bad);
		} else if (strcmp(keys[i], "values") == 0) {
			if (bad && chance(20)) {
				gen_any(b, 3);
			} else {
				strbuf_putc(b, '[');
				size_t n = rnd(5);
				for (size_t k = 0; k < n; k++) {
					if (k)
						strbuf_putc(b, ',');
					gen_point(b, bad && chance(30));
				}
				strbuf_putc(b, ']');
			}
		} else {
			gen_any(b, 2);
		}
	}
	ws(b);
	strbuf_putc(b, '}');
	ws(b);
}

static void gen_result(strbuf_t *b, const char *type)
{
	if (strcmp(type, "vector") == 0 || strcmp(type, "matrix") == 0) {
		if (chance(3)) {
			gen_any(b, 2);
			return;
		}
		strbuf_putc(b, '[');
		size_t n = rnd(8);
		for (size_t i = 0; i < n; i++) {
			if (i)
				strbuf_putc(b, ',');
			gen_element(b, type[0] == 'm');
		}
		strbuf_putc(b, ']');
	} else if (strcmp(type, "string") == 0) {
		if (chance(80)) {
			strbuf_putc(b, '[');
			gen_number(b);
			strbuf_putc(b, ',');
			gen_string(b, 6);
			strbuf_putc(b, ']');
		} else {
			gen_any(b, 2);
		}
	} else {
		gen_point(b, chance(20));
	}
}

/* A whole answer: keys of every object in a random order, unknown keys, errors. */
static void gen_answer(strbuf_t *b)
{
	static const char *types[] = { "vector", "matrix", "scalar", "string", "histogram", "Vector" };
	const char *type = chance(90) ? types[rnd(2)] : types[rnd(6)];
	const char *keys[10];
	size_t nk = 0;
	if (chance(97))
		keys[nk++] = "status";
	if (chance(97))
		keys[nk++] = "data";
	if (chance(20))
		keys[nk++] = "warnings";
	if (chance(20))
		keys[nk++] = "isPartial";
	if (chance(20))
		keys[nk++] = "stats";
	if (chance(10))
		keys[nk++] = "infos";
	if (chance(10))
		keys[nk++] = "error";
	if (chance(10))
		keys[nk++] = "errorType";
	if (chance(5))
		keys[nk++] = "status";
	for (size_t i = nk; i > 1; i--) {
		size_t j = rnd((uint32_t)i);
		const char *t = keys[i - 1];
		keys[i - 1] = keys[j];
		keys[j] = t;
	}
	ws(b);
	strbuf_putc(b, '{');
	for (size_t i = 0; i < nk; i++) {
		if (i)
			strbuf_putc(b, ',');
		ws(b);
		strbuf_printf(b, "\"%s\"", keys[i]);
		ws(b);
		strbuf_putc(b, ':');
		ws(b);
		const char *k = keys[i];
		if (strcmp(k, "status") == 0) {
			strbuf_puts(b, chance(90) ? "\"success\"" : chance(50) ? "\"error\"" : chance(50) ? "7" : "\"succes\\u0073\"");
		} else if (strcmp(k, "data") == 0) {
			if (chance(3)) {
				gen_any(b, 1);
				continue;
			}
			const char *dk[4];
			size_t nd = 0;
			if (chance(97))
				dk[nd++] = "resultType";
			if (chance(97))
				dk[nd++] = "result";
			if (chance(20))
				dk[nd++] = "analysis";
			for (size_t x = nd; x > 1; x--) {
				size_t j = rnd((uint32_t)x);
				const char *t = dk[x - 1];
				dk[x - 1] = dk[j];
				dk[j] = t;
			}
			strbuf_putc(b, '{');
			for (size_t x = 0; x < nd; x++) {
				if (x)
					strbuf_putc(b, ',');
				strbuf_printf(b, "\"%s\":", dk[x]);
				if (strcmp(dk[x], "resultType") == 0)
					chance(97) ? strbuf_printf(b, "\"%s\"", type) : gen_any(b, 2);
				else if (strcmp(dk[x], "result") == 0)
					gen_result(b, type);
				else
					gen_any(b, 2);
			}
			strbuf_putc(b, '}');
		} else if (strcmp(k, "warnings") == 0) {
			if (chance(10)) {
				gen_any(b, 1);
				continue;
			}
			strbuf_putc(b, '[');
			size_t n = rnd(4);
			for (size_t x = 0; x < n; x++) {
				if (x)
					strbuf_putc(b, ',');
				chance(80) ? gen_string(b, 8) : gen_any(b, 2);
			}
			strbuf_putc(b, ']');
		} else if (strcmp(k, "isPartial") == 0) {
			strbuf_puts(b, chance(60) ? "true" : chance(50) ? "false" : "\"true\"");
		} else if (strcmp(k, "error") == 0 || strcmp(k, "errorType") == 0) {
			chance(90) ? gen_string(b, 10) : gen_any(b, 1);
		} else {
			gen_any(b, 1);
		}
		ws(b);
	}
	strbuf_putc(b, '}');
	ws(b);
}

/* ---------------------------------------------------------------- tests */

static void test_diff_test_data(void **state)
{
	(void)state;
	const char *files[] = {
		"promapi/prom-up.json", "promapi/vm-up.json", "promapi/prom-health.json", "promapi/prom-range.json",
		"promapi/vm-range.json", "promapi/prom-scalar.json", "promapi/prom-error.json", "promapi/vm-error.json",
		"promapi/prom-targets.json", "promapi/vm-targets.json",
	};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		size_t len;
		char *body = tu_slurp(files[i], &len);
		diff_one(body, len, files[i]);
		/* every prefix: both see the same truncated answer fail (or the same whole one) */
		for (size_t k = 0; k < len; k += 1 + len / 200)
			diff_one(body, k, files[i]);
		free(body);
	}
}

static void test_diff_generated(void **state)
{
	(void)state;
	size_t ok = 0, n = 6000;
	for (size_t i = 0; i < n; i++) {
		strbuf_t b = STRBUF_INIT;
		gen_answer(&b);
		char what[64];
		snprintf(what, sizeof what, "generated answer %zu", i);
		diff_one(strbuf_str(&b), b.len, what);
		promapi_result_t r;
		if (promapi_parse(strbuf_str(&b), b.len, &r) == 0 && r.nseries > 0)
			ok++;
		promapi_result_free(&r);
		/* a cut answer too */
		if (i % 10 == 0 && b.len > 1)
			diff_one(strbuf_str(&b), rnd((uint32_t)b.len), what);
		strbuf_free(&b);
	}
	/* the generator is not only making errors: most answers give series */
	assert_true(ok > n / 3);
}

/* The nesting limit (1000 arrays and objects) and a fleet-sized answer agree too. */
static void test_diff_nesting_and_size(void **state)
{
	(void)state;
	size_t nok = 0, nbad = 0;
	for (size_t depth = 994; depth <= 998; depth++) {
		strbuf_t b = STRBUF_INIT;
		strbuf_puts(&b, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"x\":");
		for (size_t i = 0; i < depth; i++)
			strbuf_putc(&b, i % 2 ? '[' : '{');
		for (size_t i = depth; i-- > 0;)
			strbuf_putc(&b, i % 2 ? ']' : '}');
		strbuf_puts(&b, ",\"value\":[1,\"1\"]}]}}");
		/* {"k": ... is what an object needs: give the odd levels a key */
		strbuf_t c = STRBUF_INIT;
		for (size_t i = 0; i < b.len; i++) {
			strbuf_putc(&c, b.data[i]);
			if (b.data[i] == '{' && i + 1 < b.len && (b.data[i + 1] == '[' || b.data[i + 1] == '{'))
				strbuf_puts(&c, "\"k\":");
		}
		diff_one(c.data, c.len, "nested answer");
		promapi_result_t r;
		if (promapi_parse(c.data, c.len, &r) == 0)
			nok++;
		else
			nbad++;
		promapi_result_free(&r);
		strbuf_free(&b);
		strbuf_free(&c);
	}
	assert_int_equal(nok, 3);   /* 4 levels above "x": 996 below it are the most */
	assert_int_equal(nbad, 2);
	strbuf_t b = STRBUF_INIT;
	strbuf_puts(&b, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[");
	for (size_t i = 0; i < 20000; i++)
		strbuf_printf(&b, "%s{\"metric\":{\"__name__\":\"health\",\"instance\":\"node%05zu\",\"job\":\"chainlink_node\","
		              "\"service_id\":\"EVM.%zu.Txm\"},\"value\":[1796062498.%03zu,\"%zu\"]}",
		              i ? "," : "", i / 30, i % 30, i % 1000, i % 3);
	strbuf_puts(&b, "]}}");
	diff_one(b.data, b.len, "20000-series answer");
	strbuf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff_test_data),
		cmocka_unit_test(test_diff_generated),
		cmocka_unit_test(test_diff_nesting_and_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
