/* test_parse_prom.c - cmocka tests of the Prometheus text parser: real bodies,
 * every escape and value form, each malformed-line kind, cut and hostile input. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parse_prom.h"
#include "xalloc.h"

#include "tests/unit/testdata.h"   /* TESTDATA, made by make */

/* ---------------------------------------------------------------- collector */

typedef struct tp_label {
	char *name;
	char *value;
	size_t value_len;       /* values may hold NUL bytes */
	bool in_body;           /* value pointed into the body (zero copy) */
} tp_label_t;

typedef struct tp_sample {
	char *name;
	tp_label_t *labels;
	size_t nlabels;
	double value;
	int64_t ts;
	bool has_ts;
	size_t line;
} tp_sample_t;

typedef struct tp_error {
	size_t line;
	char *msg;
} tp_error_t;

typedef struct tp_meta {
	char *metric;
	char *text;             /* HELP text, or the type name */
	size_t text_len;
	bool is_help;
} tp_meta_t;

typedef struct tp_result {
	const char *body;
	size_t body_len;
	tp_sample_t *samples;
	size_t nsamples, samples_cap;
	tp_error_t *errors;
	size_t nerrors, errors_cap;
	tp_meta_t *metas;
	size_t nmetas, metas_cap;
	prom_stats_t stats;
	size_t ret;
} tp_result_t;

static char *tp_dup(prom_str_t s)
{
	return xstrndup(s.ptr, s.len);
}

static void tp_on_sample(void *ud, const prom_sample_t *s)
{
	tp_result_t *r = ud;
	r->samples = xgrow(r->samples, &r->samples_cap, r->nsamples + 1, sizeof(*r->samples));
	tp_sample_t *t = &r->samples[r->nsamples++];
	t->name = tp_dup(s->name);
	t->nlabels = s->nlabels;
	t->labels = xcalloc(s->nlabels ? s->nlabels : 1, sizeof(*t->labels));
	for (size_t i = 0; i < s->nlabels; i++) {
		t->labels[i].name = tp_dup(s->labels[i].name);
		t->labels[i].value = tp_dup(s->labels[i].value);
		t->labels[i].value_len = s->labels[i].value.len;
		t->labels[i].in_body = s->labels[i].value.ptr >= r->body &&
		                       s->labels[i].value.ptr <= r->body + r->body_len;
	}
	t->value = s->value;
	t->ts = s->timestamp_ms;
	t->has_ts = s->has_timestamp;
	t->line = s->line;
}

static void tp_on_error(void *ud, size_t line, const char *msg)
{
	tp_result_t *r = ud;
	r->errors = xgrow(r->errors, &r->errors_cap, r->nerrors + 1, sizeof(*r->errors));
	r->errors[r->nerrors].line = line;
	r->errors[r->nerrors].msg = xstrdup(msg);
	r->nerrors++;
}

static void tp_on_help(void *ud, prom_str_t metric, prom_str_t text)
{
	tp_result_t *r = ud;
	r->metas = xgrow(r->metas, &r->metas_cap, r->nmetas + 1, sizeof(*r->metas));
	tp_meta_t *m = &r->metas[r->nmetas++];
	m->metric = tp_dup(metric);
	m->text = tp_dup(text);
	m->text_len = text.len;
	m->is_help = true;
}

static void tp_on_type(void *ud, prom_str_t metric, prom_type_t type)
{
	tp_result_t *r = ud;
	r->metas = xgrow(r->metas, &r->metas_cap, r->nmetas + 1, sizeof(*r->metas));
	tp_meta_t *m = &r->metas[r->nmetas++];
	m->metric = tp_dup(metric);
	m->text = xstrdup(prom_type_name(type));
	m->text_len = strlen(m->text);
	m->is_help = false;
}

static void tp_free(tp_result_t *r)
{
	for (size_t i = 0; i < r->nsamples; i++) {
		for (size_t j = 0; j < r->samples[i].nlabels; j++) {
			free(r->samples[i].labels[j].name);
			free(r->samples[i].labels[j].value);
		}
		free(r->samples[i].labels);
		free(r->samples[i].name);
	}
	for (size_t i = 0; i < r->nerrors; i++)
		free(r->errors[i].msg);
	for (size_t i = 0; i < r->nmetas; i++) {
		free(r->metas[i].metric);
		free(r->metas[i].text);
	}
	free(r->samples);
	free(r->errors);
	free(r->metas);
	memset(r, 0, sizeof(*r));
}

/* Parses len bytes copied into an exact-size heap buffer (not NUL-terminated),
 * so that the sanitizers see any read past the end. */
static void tp_parse_n(tp_result_t *r, const char *body, size_t len)
{
	memset(r, 0, sizeof(*r));
	char *copy = xmalloc(len);
	if (len)
		memcpy(copy, body, len);
	r->body = copy;
	r->body_len = len;
	prom_handler_t h = {
		.on_sample = tp_on_sample, .on_type = tp_on_type, .on_help = tp_on_help,
		.on_error = tp_on_error, .ud = r,
	};
	r->ret = prom_parse(copy, len, &h, &r->stats);
	free(copy);
	r->body = NULL;         /* in_body was computed during the callbacks */
	assert_int_equal(r->ret, r->nerrors);
	assert_int_equal(r->stats.errors, r->nerrors);
	assert_int_equal(r->stats.samples, r->nsamples);
}

/* want() declines whole runs of a series: their lines are skipped after the
 * name (counted, not decoded), wanted ones are decoded as usual, and a line
 * whose name itself is invalid is still reported. */
static bool tp_want_db(void *ud, prom_str_t name)
{
	size_t *calls = ud;
	(*calls)++;
	return prom_str_eq(name, "db_conns_open");
}

static size_t tp_want_samples;
static void tp_want_sample(void *ud, const prom_sample_t *s)
{
	assert_true(prom_str_eq(s->name, "db_conns_open"));
	tp_want_samples++;
}

static void test_want_filter(void **state)
{
	const char *body =
		"# TYPE pipeline_run_errors counter\n"
		"pipeline_run_errors{job_id=\"1\",job_name=\"a\"} 1\n"
		"pipeline_run_errors{job_id=\"2\",job_name=\"bad \\q escape\"} 2\n"
		"db_conns_open 8\n"
		"go_goroutines 120\n"
		"9bad 1\n";
	size_t calls = 0;
	prom_stats_t st;
	tp_want_samples = 0;
	prom_handler_t h = { .on_sample = tp_want_sample, .want = tp_want_db, .ud = &calls };
	size_t errs = prom_parse(body, strlen(body), &h, &st);
	assert_int_equal(tp_want_samples, 1);
	assert_int_equal(st.samples, 1);
	assert_int_equal(st.skipped, 3);      /* two pipeline_run_errors lines (one malformed), go_goroutines */
	assert_int_equal(errs, 1);            /* "9bad": an invalid name is still an error */
	assert_int_equal(calls, 3);           /* once per run of the same name */
}

static void tp_parse(tp_result_t *r, const char *body)
{
	tp_parse_n(r, body, strlen(body));
}

static char *tp_read(const char *rel, size_t *len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", TESTDATA, rel);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	char *buf = xmalloc((size_t)n);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static const char *tp_label(const tp_sample_t *s, const char *name)
{
	for (size_t i = 0; i < s->nlabels; i++)
		if (strcmp(s->labels[i].name, name) == 0)
			return s->labels[i].value;
	return NULL;
}

static const tp_sample_t *tp_find(const tp_result_t *r, const char *name, const char *lname,
                                  const char *lvalue)
{
	for (size_t i = 0; i < r->nsamples; i++) {
		const tp_sample_t *s = &r->samples[i];
		if (strcmp(s->name, name) != 0)
			continue;
		if (!lname)
			return s;
		const char *v = tp_label(s, lname);
		if (v && strcmp(v, lvalue) == 0)
			return s;
	}
	return NULL;
}

static bool tp_same_double(double a, double b)
{
	return memcmp(&a, &b, sizeof(a)) == 0;
}

/* ---------------------------------------------------------------- tests */

static void test_chainlink_small(void **state)
{
	size_t len;
	char *body = tp_read("prom/chainlink-small.prom", &len);
	tp_result_t r;
	tp_parse_n(&r, body, len);
	free(body);

	assert_int_equal(r.ret, 0);
	assert_int_equal(r.nsamples, 22);
	assert_int_equal(r.stats.lines, 44);
	assert_int_equal(r.nmetas, 2 * 11);

	const tp_sample_t *s = tp_find(&r, "db_conns_max", NULL, NULL);
	assert_non_null(s);
	assert_true(s->value == 20.0);
	assert_int_equal(s->nlabels, 0);
	assert_int_equal(s->line, 3);
	assert_false(s->has_ts);

	s = tp_find(&r, "head_tracker_current_head", "evmChainID", "1");
	assert_non_null(s);
	assert_true(s->value == 20123456.0);

	s = tp_find(&r, "health", "service_id", "EVM.1.Txm");
	assert_non_null(s);
	assert_true(s->value == 0.0);
	s = tp_find(&r, "health", "service_id", "EVM.1.HeadTracker");
	assert_non_null(s);
	assert_true(s->value == 1.0);

	s = tp_find(&r, "multi_node_states", "state", "OutOfSync");
	assert_non_null(s);
	assert_int_equal(s->nlabels, 3);
	assert_string_equal(s->labels[0].name, "network");
	assert_string_equal(s->labels[0].value, "EVM");
	assert_string_equal(s->labels[1].name, "chainId");
	assert_string_equal(s->labels[1].value, "1");
	assert_true(s->value == 1.0);

	s = tp_find(&r, "pipeline_run_errors", "job_id", "7");
	assert_non_null(s);
	assert_string_equal(tp_label(s, "job_name"), "Cron \"daily\" settle");
	assert_true(s->value == 3.0);
	s = tp_find(&r, "pipeline_run_errors", "job_id", "8");
	assert_non_null(s);
	assert_string_equal(tp_label(s, "job_name"), "Bridge C:\\adapters\\x");

	s = tp_find(&r, "sql_query_timeout_percent_bucket", "le", "+Inf");
	assert_non_null(s);
	assert_true(s->value == 181.0);
	s = tp_find(&r, "sql_query_timeout_percent_sum", NULL, NULL);
	assert_non_null(s);
	assert_true(s->value == 1234.5);
	s = tp_find(&r, "go_gc_duration_seconds", "quantile", "0.5");
	assert_non_null(s);
	assert_true(s->value == 6.2e-05);
	s = tp_find(&r, "go_gc_duration_seconds_count", NULL, NULL);
	assert_non_null(s);
	assert_true(s->value == 18342.0);
	s = tp_find(&r, "version", NULL, NULL);
	assert_non_null(s);
	assert_string_equal(tp_label(s, "version"), "2.14.0");
	assert_string_equal(tp_label(s, "commit"), "0ec0b0c8d8e8");
	s = tp_find(&r, "process_resident_memory_bytes", NULL, NULL);
	assert_non_null(s);
	assert_true(s->value == 412532736.0);
	assert_int_equal(s->line, 44);

	/* HELP then TYPE for each family, in order. */
	assert_true(r.metas[0].is_help);
	assert_string_equal(r.metas[0].metric, "db_conns_max");
	assert_string_equal(r.metas[0].text, "Maximum number of open connections to the database.");
	assert_false(r.metas[1].is_help);
	assert_string_equal(r.metas[1].text, "gauge");
	for (size_t i = 0; i < r.nmetas; i++) {
		if (strcmp(r.metas[i].metric, "sql_query_timeout_percent") == 0 && !r.metas[i].is_help)
			assert_string_equal(r.metas[i].text, "histogram");
		if (strcmp(r.metas[i].metric, "go_gc_duration_seconds") == 0 && !r.metas[i].is_help)
			assert_string_equal(r.metas[i].text, "summary");
		if (strcmp(r.metas[i].metric, "uptime_seconds") == 0 && !r.metas[i].is_help)
			assert_string_equal(r.metas[i].text, "counter");
	}
	tp_free(&r);
}

static void test_label_escapes(void **state)
{
	tp_result_t r;
	tp_parse(&r, "m{plain=\"abc\",bs=\"a\\\\b\",q=\"say \\\"hi\\\"\",nl=\"l1\\nl2\","
	             "all=\"\\\\\\\"\\n\",end=\"x\\\\\",empty=\"\"} 1\n");
	assert_int_equal(r.ret, 0);
	assert_int_equal(r.nsamples, 1);
	const tp_sample_t *s = &r.samples[0];
	assert_int_equal(s->nlabels, 7);
	assert_string_equal(tp_label(s, "plain"), "abc");
	assert_true(s->labels[0].in_body);      /* zero copy when nothing to decode */
	assert_string_equal(tp_label(s, "bs"), "a\\b");
	assert_false(s->labels[1].in_body);
	assert_string_equal(tp_label(s, "q"), "say \"hi\"");
	assert_string_equal(tp_label(s, "nl"), "l1\nl2");
	assert_string_equal(tp_label(s, "all"), "\\\"\n");
	assert_string_equal(tp_label(s, "end"), "x\\");
	assert_string_equal(tp_label(s, "empty"), "");
	assert_int_equal(s->labels[6].value_len, 0);
	tp_free(&r);

	/* Unknown escapes are errors, as in Prometheus; the next line still parses. */
	const char *bad[] = { "m{a=\"\\q\"} 1\nok 1\n", "m{a=\"\\t\"} 1\nok 1\n",
	                      "m{a=\"x\\\"} 1\nok 1\n", "m{a=\"\\\nok 1\n" };
	const char *msg[] = { "invalid escape sequence in label value",
	                      "invalid escape sequence in label value",
	                      "unterminated label value", "unterminated label value" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tp_parse(&r, bad[i]);
		assert_int_equal(r.ret, 1);
		assert_int_equal(r.errors[0].line, 1);
		assert_string_equal(r.errors[0].msg, msg[i]);
		assert_int_equal(r.nsamples, 1);
		assert_string_equal(r.samples[0].name, "ok");
		assert_int_equal(r.samples[0].line, 2);
		tp_free(&r);
	}
}

static void test_help_escapes(void **state)
{
	tp_result_t r;
	tp_parse(&r, "# HELP m one\\\\two\\nthree \"q\"\n# HELP n\n# HELP o   \n"
	             "# HELP p bad \\t escape\n# HELP q ends\\\n# HELP\n#HELP r x\n");
	assert_int_equal(r.nmetas, 4);
	assert_string_equal(r.metas[0].metric, "m");
	assert_string_equal(r.metas[0].text, "one\\two\nthree \"q\"");
	assert_string_equal(r.metas[1].metric, "n");
	assert_string_equal(r.metas[1].text, "");
	assert_string_equal(r.metas[2].metric, "o");
	assert_string_equal(r.metas[2].text, "");
	assert_string_equal(r.metas[3].metric, "r");
	assert_string_equal(r.metas[3].text, "x");
	assert_int_equal(r.ret, 2);
	assert_int_equal(r.errors[0].line, 4);
	assert_string_equal(r.errors[0].msg, "invalid escape sequence in HELP text");
	assert_int_equal(r.errors[1].line, 5);
	tp_free(&r);
}

static void test_comments_and_types(void **state)
{
	tp_result_t r;
	tp_parse(&r, "# just a comment\n#\n# TYPE a counter\n# TYPE b gauge\n# TYPE c histogram\n"
	             "# TYPE d summary\n# TYPE e untyped\n  # indented comment\n# HELPER not help\n"
	             "# TYPE f nonsense\n# TYPE g\n# TYPE h gauge extra\n# TYPE 9i gauge\n"
	             "# TYPE j Counter\n\t# TYPE k gauge\t\n\n   \n\t\nx 1\n");
	assert_int_equal(r.nmetas, 6);
	const char *names[] = { "a", "b", "c", "d", "e", "k" };
	const char *types[] = { "counter", "gauge", "histogram", "summary", "untyped", "gauge" };
	for (size_t i = 0; i < 6; i++) {
		assert_false(r.metas[i].is_help);
		assert_string_equal(r.metas[i].metric, names[i]);
		assert_string_equal(r.metas[i].text, types[i]);
	}
	assert_int_equal(r.ret, 5);
	assert_int_equal(r.errors[0].line, 10);
	assert_string_equal(r.errors[0].msg, "unknown metric type in TYPE line");
	assert_int_equal(r.errors[1].line, 11);
	assert_string_equal(r.errors[1].msg, "missing metric type in TYPE line");
	assert_int_equal(r.errors[2].line, 12);
	assert_string_equal(r.errors[2].msg, "unexpected text after metric type");
	assert_int_equal(r.errors[3].line, 13);
	assert_string_equal(r.errors[3].msg, "invalid metric name in TYPE line");
	assert_int_equal(r.errors[4].line, 14);
	assert_int_equal(r.nsamples, 1);
	assert_int_equal(r.samples[0].line, 19);
	assert_int_equal(r.stats.lines, 19);

	assert_string_equal(prom_type_name(PROM_COUNTER), "counter");
	assert_string_equal(prom_type_name(PROM_GAUGE), "gauge");
	assert_string_equal(prom_type_name(PROM_HISTOGRAM), "histogram");
	assert_string_equal(prom_type_name(PROM_SUMMARY), "summary");
	assert_string_equal(prom_type_name(PROM_UNTYPED), "untyped");
	tp_free(&r);
}

typedef struct tp_value_case {
	const char *text;
	double want;
} tp_value_case_t;

static void test_values(void **state)
{
	const tp_value_case_t ok[] = {
		{ "0", 0.0 }, { "-0", -0.0 }, { "+0", 0.0 }, { "42", 42.0 }, { "-17", -17.0 },
		{ "1.5", 1.5 }, { ".5", 0.5 }, { "5.", 5.0 }, { "0.1", 0.1 }, { "-0.001", -0.001 },
		{ "1e-3", 1e-3 }, { "1E+10", 1e10 }, { "2.5e2", 250.0 }, { "6.2e-05", 6.2e-05 },
		{ "1.7976931348623157e308", 1.7976931348623157e308 },
		{ "4.9e-324", 4.9e-324 }, { "2.2250738585072014e-308", 2.2250738585072014e-308 },
		{ "9007199254740993", 9007199254740992.0 },     /* 2^53 + 1 rounds to even */
		{ "18446744073709551615", 18446744073709551615.0 },
		{ "123456789012345678901234567890", 1.2345678901234568e+29 },
		{ "0.30000000000000004", 0.30000000000000004 },
		{ "1e999", INFINITY }, { "-1e999", -INFINITY }, { "1e-999", 0.0 },
		{ "+Inf", INFINITY }, { "Inf", INFINITY }, { "-Inf", -INFINITY },
		{ "inf", INFINITY }, { "+Infinity", INFINITY },
		{ "1.2345678901234567890123e5", 123456.78901234567890123 },
		{ "0.000000000000000000000001", 1e-24 },
		{ "1700000000.123", 1700000000.123 },
	};
	char line[128];
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		tp_result_t r;
		snprintf(line, sizeof(line), "v %s\n", ok[i].text);
		tp_parse(&r, line);
		if (r.ret != 0 || r.nsamples != 1)
			fail_msg("value %s rejected", ok[i].text);
		if (!tp_same_double(r.samples[0].value, ok[i].want))
			fail_msg("value %s: got %.17g want %.17g", ok[i].text, r.samples[0].value, ok[i].want);
		tp_free(&r);
	}

	tp_result_t r;
	tp_parse(&r, "v NaN\nv nan\n");
	assert_int_equal(r.nsamples, 2);
	assert_true(isnan(r.samples[0].value));
	assert_true(isnan(r.samples[1].value));
	tp_free(&r);

	const char *bad[] = { "0x10", "0x1p3", "nan(1)", "1e", "1e+", "--1", "1.2.3", ".", "+",
	                      "abc", "infx", "1,5", "1_000", "\"1\"", "1\xc2\xa0" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "v %s\nok 1\n", bad[i]);
		tp_parse(&r, line);
		if (r.ret != 1)
			fail_msg("value %s accepted", bad[i]);
		assert_string_equal(r.errors[0].msg, "invalid sample value");
		assert_int_equal(r.nsamples, 1);
		tp_free(&r);
	}
}

/* The fast path must give strtod's exact result for every decimal it takes. */
static void test_values_match_strtod(void **state)
{
	uint64_t x = 88172645463325252ULL;
	char line[96], num[64];
	size_t checked = 0;
	for (int i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int form = (int)(x % 6);
		uint64_t m = (x >> 8) % (form < 3 ? 1000000ULL : 100000000000000000ULL);
		int frac = (int)((x >> 3) % 24);
		int ex = (int)((x >> 40) % 60) - 30;
		switch (form) {
		case 0: case 3:
			snprintf(num, sizeof(num), "%s%llu", x & 1 ? "-" : "", (unsigned long long)m);
			break;
		case 1: case 4: {
			char digits[32];
			int nd = snprintf(digits, sizeof(digits), "%0*llu", frac + 1, (unsigned long long)m);
			snprintf(num, sizeof(num), "%.*s.%s", nd - frac, digits, digits + nd - frac);
			break;
		}
		default:
			snprintf(num, sizeof(num), "%llu.%llue%d", (unsigned long long)(m % 1000),
			         (unsigned long long)(m / 1000), ex);
			break;
		}
		snprintf(line, sizeof(line), "v %s", num);
		tp_result_t r;
		tp_parse(&r, line);
		if (r.nsamples != 1)
			fail_msg("%s rejected", num);
		double want = strtod(num, NULL);
		if (!tp_same_double(r.samples[0].value, want))
			fail_msg("%s: got %.17g, strtod %.17g", num, r.samples[0].value, want);
		tp_free(&r);
		checked++;
	}
	assert_int_equal(checked, 200000);
}

static void test_timestamps(void **state)
{
	tp_result_t r;
	tp_parse(&r, "a 1 1700000000000\nb 2 -5\nc 3 9223372036854775807\nd 4 -9223372036854775808\n"
	             "e 5\t\t+12  \nf 6 9223372036854775808\ng 7 1.5\nh 8 12a\ni 9 1 2\n");
	assert_int_equal(r.nsamples, 5);
	assert_true(r.samples[0].has_ts);
	assert_true(r.samples[0].ts == 1700000000000LL);
	assert_true(r.samples[1].ts == -5);
	assert_true(r.samples[2].ts == INT64_MAX);
	assert_true(r.samples[3].ts == INT64_MIN);
	assert_true(r.samples[4].ts == 12);
	assert_true(r.samples[4].value == 5.0);
	assert_int_equal(r.ret, 4);
	assert_int_equal(r.errors[0].line, 6);
	assert_string_equal(r.errors[0].msg, "invalid timestamp");
	assert_int_equal(r.errors[1].line, 7);
	assert_int_equal(r.errors[2].line, 8);
	assert_int_equal(r.errors[3].line, 9);
	assert_string_equal(r.errors[3].msg, "unexpected text after timestamp");
	tp_free(&r);
}

static void test_crlf_and_no_final_newline(void **state)
{
	size_t len;
	char *body = tp_read("prom/crlf-nofinal.prom", &len);
	tp_result_t r;
	tp_parse_n(&r, body, len);
	free(body);
	assert_int_equal(r.ret, 0);
	assert_int_equal(r.stats.lines, 5);
	assert_int_equal(r.nsamples, 3);
	assert_string_equal(r.samples[0].name, "crlf_a");
	assert_true(r.samples[0].value == 1.0);
	assert_string_equal(tp_label(&r.samples[1], "l"), "v");
	assert_true(r.samples[1].has_ts);
	assert_true(r.samples[1].ts == 1700000000000LL);
	assert_string_equal(r.samples[2].name, "crlf_c");
	assert_true(r.samples[2].value == 3.0);
	assert_int_equal(r.samples[2].line, 5);
	assert_int_equal(r.nmetas, 1);
	assert_string_equal(r.metas[0].text, "gauge");
	tp_free(&r);

	/* A single sample, no newline at all; a final "\n" adds no line. */
	tp_parse(&r, "only 3.25");
	assert_int_equal(r.nsamples, 1);
	assert_true(r.samples[0].value == 3.25);
	assert_int_equal(r.stats.lines, 1);
	tp_free(&r);
	tp_parse(&r, "only 3.25\n");
	assert_int_equal(r.stats.lines, 1);
	tp_free(&r);
	tp_parse(&r, "\n\n");
	assert_int_equal(r.stats.lines, 2);
	assert_int_equal(r.nsamples, 0);
	tp_free(&r);
}

static void test_label_set_forms(void **state)
{
	tp_result_t r;
	tp_parse(&r, "a{x=\"1\",} 1\nb{} 2\nc { x = \"1\" , y=\"2\" , } 3\nd\t{x=\"1\"}\t4\n"
	             "e{x=\"1\"}5\nf{ } 6\ng{,} 7\nh{x=\"1\",,} 8\n");
	assert_int_equal(r.nsamples, 6);
	assert_string_equal(r.samples[0].name, "a");
	assert_int_equal(r.samples[0].nlabels, 1);
	assert_string_equal(r.samples[1].name, "b");
	assert_int_equal(r.samples[1].nlabels, 0);
	assert_true(r.samples[1].value == 2.0);
	assert_int_equal(r.samples[2].nlabels, 2);
	assert_string_equal(tp_label(&r.samples[2], "y"), "2");
	assert_true(r.samples[2].value == 3.0);
	assert_string_equal(r.samples[3].name, "d");
	assert_true(r.samples[3].value == 4.0);
	assert_true(r.samples[4].value == 5.0);
	assert_int_equal(r.samples[5].nlabels, 0);
	assert_int_equal(r.ret, 2);
	assert_int_equal(r.errors[0].line, 7);
	assert_string_equal(r.errors[0].msg, "invalid label name");
	assert_int_equal(r.errors[1].line, 8);
	tp_free(&r);

	/* Names: colons in metric names, not in label names; digits after the first byte. */
	tp_parse(&r, "job:rate5m{a1_b=\"x\"} 1\n_x:y_9 2\n:m 3\nm{a:b=\"x\"} 4\nm{_a=\"x\"} 5\n");
	assert_int_equal(r.nsamples, 4);
	assert_string_equal(r.samples[0].name, "job:rate5m");
	assert_string_equal(r.samples[1].name, "_x:y_9");
	assert_string_equal(r.samples[2].name, ":m");
	assert_string_equal(r.samples[3].labels[0].name, "_a");
	assert_int_equal(r.ret, 1);
	assert_int_equal(r.errors[0].line, 4);
	assert_string_equal(r.errors[0].msg, "expected '=' after label name");
	tp_free(&r);
}

static void test_malformed_file(void **state)
{
	size_t len;
	char *body = tp_read("prom/malformed.prom", &len);
	tp_result_t r;
	tp_parse_n(&r, body, len);
	free(body);

	const struct {
		size_t line;
		const char *msg;
	} want[] = {
		{ 3, "invalid metric name" },
		{ 5, "unterminated label value" },
		{ 6, "expected value after metric name" },
		{ 8, "unexpected text after timestamp" },
		{ 9, "invalid escape sequence in label value" },
		{ 10, "invalid sample value" },
		{ 11, "invalid label name" },
		{ 12, "expected '=' after label name" },
		{ 13, "expected ',' or '}' after label value" },
		{ 14, "unknown metric type in TYPE line" },
		{ 15, "invalid metric name in HELP line" },
	};
	size_t n = sizeof(want) / sizeof(want[0]);
	assert_int_equal(r.ret, n);
	assert_int_equal(r.stats.errors, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(r.errors[i].line, want[i].line);
		assert_string_equal(r.errors[i].msg, want[i].msg);
	}
	/* Every good line around them is still there. */
	assert_int_equal(r.nsamples, 4);
	const char *names[] = { "good_a", "good_b", "good_c", "good_d" };
	const size_t lines[] = { 2, 4, 7, 16 };
	for (size_t i = 0; i < 4; i++) {
		assert_string_equal(r.samples[i].name, names[i]);
		assert_int_equal(r.samples[i].line, lines[i]);
		assert_true(r.samples[i].value == (double)(i + 1));
	}
	assert_int_equal(r.stats.lines, 16);
	tp_free(&r);

	/* More kinds, one per line. */
	tp_parse(&r, "m{a=\"b\" 1\nm{a=\"b\",\nm{a=\nm{a=b} 1\nm-x 1\nm{a=\"b\"}\nm \n{a=\"b\"} 1\n"
	             "m\x01 1\n");
	const char *msgs[] = {
		"expected ',' or '}' after label value", "unterminated label set",
		"expected '\"' to start label value", "expected '\"' to start label value",
		"invalid character in metric name", "expected value after labels",
		"expected value after metric name", "invalid metric name",
		"invalid character in metric name",
	};
	assert_int_equal(r.ret, 9);
	for (size_t i = 0; i < 9; i++) {
		assert_int_equal(r.errors[i].line, i + 1);
		assert_string_equal(r.errors[i].msg, msgs[i]);
	}
	tp_free(&r);
}

static void test_nul_and_invalid_utf8(void **state)
{
	static const char body[] = "m{a=\"x\0y\",b=\"\xff\xfe\xc3(\",c=\"\0\\\\\0\"} 1\n"
	                           "m\0{a=\"b\"} 2\nm 3\0\nm{a=\"b\"} 4\n\xff\xfe 5\n# HELP m \xff\0\n";
	tp_result_t r;
	tp_parse_n(&r, body, sizeof(body) - 1);
	assert_int_equal(r.nsamples, 2);
	const tp_sample_t *s = &r.samples[0];
	assert_int_equal(s->nlabels, 3);
	assert_int_equal(s->labels[0].value_len, 3);
	assert_memory_equal(s->labels[0].value, "x\0y", 3);
	assert_int_equal(s->labels[1].value_len, 4);
	assert_memory_equal(s->labels[1].value, "\xff\xfe\xc3(", 4);
	assert_int_equal(s->labels[2].value_len, 3);
	assert_memory_equal(s->labels[2].value, "\0\\\0", 3);
	assert_true(r.samples[1].value == 4.0);
	assert_int_equal(r.samples[1].line, 4);
	assert_int_equal(r.ret, 3);
	assert_int_equal(r.errors[0].line, 2);
	assert_int_equal(r.errors[1].line, 3);
	assert_string_equal(r.errors[1].msg, "invalid sample value");
	assert_int_equal(r.errors[2].line, 5);
	assert_int_equal(r.nmetas, 1);
	assert_int_equal(r.metas[0].text_len, 2);
	tp_free(&r);
}

static void test_cut_body(void **state)
{
	size_t len;
	char *body = tp_read("prom/chainlink-small.prom", &len);
	/* Every prefix: never a crash or over-read; every complete line parses as
	 * before, and the cut line gives at most one sample or one error. */
	tp_result_t full;
	tp_parse_n(&full, body, len);
	assert_int_equal(full.nsamples, 22);
	size_t line_end[64], nlines = 0;
	for (size_t i = 0; i < len; i++)
		if (body[i] == '\n')
			line_end[nlines++] = i;
	assert_int_equal(nlines, full.stats.lines);
	for (size_t n = 0; n <= len; n++) {
		size_t complete = 0;
		for (size_t i = 0; i < full.nsamples; i++)
			if (line_end[full.samples[i].line - 1] < n)
				complete++;
		tp_result_t r;
		tp_parse_n(&r, body, n);
		assert_true(r.ret <= 1);
		assert_true(r.nsamples >= complete && r.nsamples + r.ret <= complete + 1);
		tp_free(&r);
	}
	tp_free(&full);
	free(body);

	tp_result_t r;
	tp_parse(&r, "a 1\nb{job_name=\"Cron");
	assert_int_equal(r.nsamples, 1);
	assert_int_equal(r.ret, 1);
	assert_int_equal(r.errors[0].line, 2);
	assert_string_equal(r.errors[0].msg, "unterminated label value");
	tp_free(&r);
	tp_parse(&r, "a 1\nb{x=\"y\"");
	assert_string_equal(r.errors[0].msg, "unterminated label set");
	tp_free(&r);
	tp_parse(&r, "a 1\nb{x=\"y\"} 1");
	assert_int_equal(r.nsamples, 2);    /* cut exactly after a value looks complete */
	tp_free(&r);
	tp_parse(&r, "a 1\nb 1e");
	assert_string_equal(r.errors[0].msg, "invalid sample value");
	tp_free(&r);
}

static void test_empty_body(void **state)
{
	tp_result_t r;
	tp_parse_n(&r, "", 0);
	assert_int_equal(r.ret, 0);
	assert_int_equal(r.stats.lines, 0);
	assert_int_equal(r.nsamples, 0);
	tp_free(&r);

	prom_handler_t h = { .on_sample = tp_on_sample, .ud = &r };
	memset(&r, 0, sizeof(r));
	assert_int_equal(prom_parse(NULL, 0, &h, NULL), 0);
	/* Errors without an on_error callback are still counted. */
	assert_int_equal(prom_parse("x\ny\n", 4, &h, NULL), 2);
	tp_free(&r);
}

static void test_too_many_labels(void **state)
{
	char *buf = xmalloc(64 * 1024);
	for (int extra = 0; extra <= 1; extra++) {
		size_t n = (size_t)sprintf(buf, "m{");
		for (int i = 0; i < PROM_MAX_LABELS + extra; i++)
			n += (size_t)sprintf(buf + n, "l%d=\"v%d\",", i, i);
		n += (size_t)sprintf(buf + n, "} 1\nnext 2\n");
		tp_result_t r;
		tp_parse_n(&r, buf, n);
		if (!extra) {
			assert_int_equal(r.ret, 0);
			assert_int_equal(r.nsamples, 2);
			assert_int_equal(r.samples[0].nlabels, PROM_MAX_LABELS);
			assert_string_equal(tp_label(&r.samples[0], "l63"), "v63");
		} else {
			assert_int_equal(r.ret, 1);
			assert_int_equal(r.errors[0].line, 1);
			assert_string_equal(r.errors[0].msg, "too many labels");
			assert_int_equal(r.nsamples, 1);
			assert_string_equal(r.samples[0].name, "next");
		}
		tp_free(&r);
	}
	free(buf);
}

/* Long lines with many escaped values: the scratch buffer grows, and values
 * decoded earlier on the same line must stay valid. */
static void test_long_escaped_line(void **state)
{
	size_t cap = 256 * 1024, n = 0;
	char *buf = xmalloc(cap);
	n += (size_t)sprintf(buf + n, "m{");
	for (int i = 0; i < 40; i++) {
		n += (size_t)sprintf(buf + n, "l%d=\"", i);
		for (int j = 0; j < 100 * (i + 1); j++)
			n += (size_t)sprintf(buf + n, "%s", j % 3 == 0 ? "\\\"" : j % 3 == 1 ? "\\\\" : "z");
		n += (size_t)sprintf(buf + n, "\",");
	}
	/* A long value token goes through the scratch too. */
	n += (size_t)sprintf(buf + n, "} 0.");
	for (int j = 0; j < 300; j++)
		buf[n++] = '0';
	n += (size_t)sprintf(buf + n, "125e300\n");
	assert_true(n < cap);
	tp_result_t r;
	tp_parse_n(&r, buf, n);
	assert_int_equal(r.ret, 0);
	assert_int_equal(r.nsamples, 1);
	assert_int_equal(r.samples[0].nlabels, 40);
	for (int i = 0; i < 40; i++) {
		const tp_label_t *l = &r.samples[0].labels[i];
		assert_int_equal(l->value_len, (size_t)(100 * (i + 1)));
		for (size_t j = 0; j < l->value_len; j++)
			assert_int_equal(l->value[j], j % 3 == 0 ? '"' : j % 3 == 1 ? '\\' : 'z');
	}
	assert_true(tp_same_double(r.samples[0].value, 0.125));
	tp_free(&r);
	free(buf);
}

typedef struct tp_count {
	size_t samples;
	size_t labels;
	double sum;
	size_t bad;
} tp_count_t;

static void tp_count_sample(void *ud, const prom_sample_t *s)
{
	tp_count_t *c = ud;
	c->samples++;
	c->labels += s->nlabels;
	c->sum += s->value;
	prom_str_t id;
	if (!prom_label_get(s, "id", &id) || s->value != (double)(s->line - 2))
		c->bad++;
}

static void test_million_series(void **state)
{
	const size_t N = 1000000;
	size_t cap = N * 64, n = 0;
	char *buf = xmalloc(cap);
	n += (size_t)sprintf(buf, "# TYPE series_total counter\n");
	for (size_t i = 0; i < N; i++)
		n += (size_t)snprintf(buf + n, cap - n, "series_total{id=\"%zu\",kind=\"k%zu\"} %zu\n",
		                      i, i % 7, i);
	tp_count_t c = { 0, 0, 0, 0 };
	prom_handler_t h = { .on_sample = tp_count_sample, .ud = &c };
	prom_stats_t st;
	assert_int_equal(prom_parse(buf, n, &h, &st), 0);
	assert_int_equal(c.samples, N);
	assert_int_equal(st.samples, N);
	assert_int_equal(st.lines, N + 1);
	assert_int_equal(c.labels, 2 * N);
	assert_int_equal(c.bad, 0);
	assert_true(c.sum == (double)N * (double)(N - 1) / 2.0);
	free(buf);
}

static void test_label_get_and_str_eq(void **state)
{
	prom_label_t labels[2] = {
		{ { "job_id", 6 }, { "17", 2 } },
		{ { "job", 3 }, { "x", 1 } },
	};
	prom_sample_t s = { .name = { "m", 1 }, .labels = labels, .nlabels = 2 };
	prom_str_t v;
	assert_true(prom_label_get(&s, "job", &v));
	assert_int_equal(v.len, 1);
	assert_memory_equal(v.ptr, "x", 1);
	assert_true(prom_label_get(&s, "job_id", &v));
	assert_true(prom_str_eq(v, "17"));
	assert_false(prom_label_get(&s, "jo", &v));
	assert_false(prom_label_get(&s, "job_id2", &v));
	assert_true(prom_label_get(&s, "job", NULL));
	s.nlabels = 0;
	assert_false(prom_label_get(&s, "job", &v));

	prom_str_t a = { "abc", 3 };
	assert_true(prom_str_eq(a, "abc"));
	assert_false(prom_str_eq(a, "ab"));
	assert_false(prom_str_eq(a, "abcd"));
	assert_false(prom_str_eq(a, "abd"));
	prom_str_t empty = { NULL, 0 };
	assert_true(prom_str_eq(empty, ""));
	assert_false(prom_str_eq(empty, "a"));
	prom_str_t withnul = { "a\0b", 3 };
	assert_false(prom_str_eq(withnul, "a"));
}

/* The generated ~100 KB body: every non-comment, non-blank line is a sample,
 * and every value equals strtod of the line's last token. */
static void test_generated_crosscheck(void **state)
{
	size_t len;
	char *body = tp_read("prom/gen-100k.prom", &len);
	size_t expect = 0;
	for (const char *p = body, *end = body + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		if (e > p && *p != '#')
			expect++;
		p = nl ? nl + 1 : end;
	}
	tp_result_t r;
	tp_parse_n(&r, body, len);
	assert_int_equal(r.ret, 0);
	assert_true(expect > 900);
	assert_int_equal(r.nsamples, expect);

	size_t idx = 0, escaped = 0, nonfinite = 0;
	for (const char *p = body, *end = body + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		if (e > p && *p != '#') {
			const char *sp = e;
			while (sp > p && sp[-1] != ' ')
				sp--;
			char num[64];
			size_t n = (size_t)(e - sp);
			assert_true(n < sizeof(num));
			memcpy(num, sp, n);
			num[n] = '\0';
			double want = strcmp(num, "NaN") == 0 ? NAN : strtod(num, NULL);
			const tp_sample_t *s = &r.samples[idx++];
			if (isnan(want))
				assert_true(isnan(s->value));
			else if (!tp_same_double(s->value, want))
				fail_msg("line %zu: %s: got %.17g", s->line, num, s->value);
			if (!isfinite(s->value))
				nonfinite++;
			const char *jn = tp_label(s, "job_name");
			if (jn && strpbrk(jn, "\"\\"))
				escaped++;
		}
		p = nl ? nl + 1 : end;
	}
	assert_true(escaped > 0);
	assert_true(nonfinite > 0);
	assert_non_null(tp_find(&r, "go_gc_duration_seconds", "quantile", "0.5"));
	assert_non_null(tp_find(&r, "sql_query_timeout_percent_bucket", "le", "+Inf"));
	tp_free(&r);
	free(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chainlink_small),
		cmocka_unit_test(test_want_filter),
		cmocka_unit_test(test_label_escapes),
		cmocka_unit_test(test_help_escapes),
		cmocka_unit_test(test_comments_and_types),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_values_match_strtod),
		cmocka_unit_test(test_timestamps),
		cmocka_unit_test(test_crlf_and_no_final_newline),
		cmocka_unit_test(test_label_set_forms),
		cmocka_unit_test(test_malformed_file),
		cmocka_unit_test(test_nul_and_invalid_utf8),
		cmocka_unit_test(test_cut_body),
		cmocka_unit_test(test_empty_body),
		cmocka_unit_test(test_too_many_labels),
		cmocka_unit_test(test_long_escaped_line),
		cmocka_unit_test(test_million_series),
		cmocka_unit_test(test_label_get_and_str_eq),
		cmocka_unit_test(test_generated_crosscheck),
	};
	return cmocka_run_group_tests_name("parse_prom", tests, NULL, NULL);
}
