/* test_parse_discovery.c - cmocka tests of the /discovery parser: real answers,
 * garbage, huge lists and hostile paths, as the list of paths the poller scrapes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse_discovery.h"
#include "strbuf.h"
#include "xalloc.h"

/* Parses text from an exact-size heap copy (no NUL after it: ASan sees any over-read). */
static discovery_status_t parse_n(const char *text, size_t len, discovery_t *d)
{
	char *buf = xmalloc(len ? len : 1);
	memcpy(buf, text, len);
	discovery_status_t st = discovery_parse(buf, len, d);
	free(buf);
	return st;
}

static discovery_status_t parse(const char *text, discovery_t *d)
{
	return parse_n(text, strlen(text), d);
}

/* A one-group answer with the given (JSON-encoded) path. */
static discovery_status_t parse_one(const char *json_path, discovery_t *d)
{
	char *t = xasprintf("[{\"targets\":[\"127.0.0.1:6688\"],\"labels\":{\"__metrics_path__\":%s}}]",
	                    json_path);
	discovery_status_t st = parse(t, d);
	free(t);
	return st;
}

static void test_chainlink_answer(void **state)
{
	(void)state;
	discovery_t d;
	/* as a LOOPP node sends it (and as nodetop-sim does) */
	const char *body =
		"[{\"targets\":[\"127.0.0.1:6688\"],\"labels\":{\"__metrics_path__\":\"/plugins/evm.1/metrics\"}},"
		" {\"targets\":[\"127.0.0.1:6688\"],\"labels\":{\"__metrics_path__\":\"/plugins/evm.137/metrics\","
		"   \"plugin\":\"evm\"}},\n"
		" {\"targets\":[\"127.0.0.1:6688\"],\"labels\":{\"__metrics_path__\":\"/plugins/solana.mainnet/metrics\"}}]";
	assert_int_equal(parse(body, &d), DISCOVERY_OK);
	assert_int_equal(d.n, 3);
	assert_string_equal(d.paths[0], "/plugins/evm.1/metrics");
	assert_string_equal(d.paths[1], "/plugins/evm.137/metrics");
	assert_string_equal(d.paths[2], "/plugins/solana.mainnet/metrics");
	assert_int_equal(d.skipped, 0);
	discovery_free(&d);
	assert_int_equal(d.n, 0);
	discovery_free(&d);       /* harmless twice */
}

static void test_empty_and_own_metrics(void **state)
{
	(void)state;
	discovery_t d;
	assert_int_equal(parse(" [ ] \n", &d), DISCOVERY_OK);
	assert_int_equal(d.n, 0);
	discovery_free(&d);
	/* the node's own /metrics is polled anyway; duplicates count once */
	const char *body =
		"[{\"labels\":{\"__metrics_path__\":\"/metrics\"}},"
		"{\"labels\":{\"__metrics_path__\":\"/plugins/a/metrics\"}},"
		"{\"labels\":{\"__metrics_path__\":\"/plugins/a/metrics\"}}]";
	assert_int_equal(parse(body, &d), DISCOVERY_OK);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.paths[0], "/plugins/a/metrics");
	assert_int_equal(d.skipped, 0);
	discovery_free(&d);
	/* groups without labels or path, or with a path that is not a string */
	body = "[{}, {\"labels\":null}, {\"labels\":{\"job\":\"x\"}}, {\"labels\":{\"__metrics_path__\":7}},"
	       " 3, \"x\", {\"labels\":{\"__metrics_path__\":\"/ok\"}}]";
	assert_int_equal(parse(body, &d), DISCOVERY_OK);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.paths[0], "/ok");
	assert_int_equal(d.skipped, 6);
	discovery_free(&d);
}

static void test_garbage(void **state)
{
	(void)state;
	discovery_t d;
	static const char *const not_json[] = {
		"", "[", "[{", "{\"labels\":", "404 page not found", "<html>", "\xff\xfe[]", "[{\"labels\":{\"__metrics_path__\":\"/a",
	};
	for (size_t i = 0; i < sizeof(not_json) / sizeof(*not_json); i++) {
		assert_int_equal(parse(not_json[i], &d), DISCOVERY_NOT_JSON);
		assert_int_equal(d.n, 0);
		discovery_free(&d);
	}
	assert_int_equal(discovery_parse(NULL, 0, &d), DISCOVERY_NOT_JSON);
	assert_int_equal(d.n, 0);
	static const char *const not_list[] = {
		"{}", "{\"labels\":{\"__metrics_path__\":\"/plugins/a/metrics\"}}", "\"/plugins/a/metrics\"", "null", "42",
	};
	for (size_t i = 0; i < sizeof(not_list) / sizeof(*not_list); i++) {
		assert_int_equal(parse(not_list[i], &d), DISCOVERY_NOT_LIST);
		assert_int_equal(d.n, 0);
		discovery_free(&d);
	}
	/* one document and white space only: anything after it (a NUL too) is refused */
	static const char nul[] = "[{\"labels\":{\"__metrics_path__\":\"/a\"}}]\0 ";
	assert_int_equal(parse_n(nul, sizeof(nul) - 1, &d), DISCOVERY_NOT_JSON);
	assert_int_equal(d.n, 0);
	assert_int_equal(parse_n(nul, sizeof(nul) - 3, &d), DISCOVERY_OK);
	assert_int_equal(d.n, 1);
	discovery_free(&d);
	assert_int_equal(parse("[] []", &d), DISCOVERY_NOT_JSON);
	assert_int_equal(parse("[]\r\n\t ", &d), DISCOVERY_OK);
	discovery_free(&d);
	/* nesting deeper than cJSON allows is refused, not a crash */
	strbuf_t deep = { 0 };
	for (int i = 0; i < 100000; i++)
		strbuf_putc(&deep, '[');
	assert_int_equal(parse_n(deep.data, deep.len, &d), DISCOVERY_NOT_JSON);
	strbuf_free(&deep);
}

static void test_hostile_paths(void **state)
{
	(void)state;
	discovery_t d;
	static const char *const refused[] = {
		"\"\"", "\"plugins/a/metrics\"", "\"/\"", "\"http://evil.example/metrics\"",
		"\"/a b\"", "\"/a\\tb\"", "\"/a\\r\\nHost: evil\"", "\"/a?x=1\"", "\"/a#frag\"",
		"\"/a\\u001b[2J\"", "\"/a\\u0000b\"", "\"/a\\\\b\"", "\"/caf\\u00e9\"", "\"/a%zz\"", "\"/a%4\"",
		"\"/a\\\"b\"", "\"/<script>\"", "\"/a\\u007f\"", "\"/a{b}\"", "\"/a|b\"", "\"/a^b\"", "\"/a`b\"",
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++) {
		assert_int_equal(parse_one(refused[i], &d), DISCOVERY_OK);
		if (d.n) {
			/* "/a\u0000b" is "/a" to cJSON: a harmless path, kept */
			assert_string_equal(refused[i], "\"/a\\u0000b\"");
			assert_string_equal(d.paths[0], "/a");
		} else {
			assert_int_equal(d.skipped, 1);
		}
		discovery_free(&d);
	}
	static const char *const kept[] = {
		"\"/plugins/evm.1/metrics\"", "\"/a%2Fb\"", "\"/a-b_c~d\"", "\"/x:y@z\"", "\"//double//slash\"",
		"\"/plugins/../metrics\"",
	};
	for (size_t i = 0; i < sizeof(kept) / sizeof(*kept); i++) {
		assert_int_equal(parse_one(kept[i], &d), DISCOVERY_OK);
		assert_int_equal(d.n, 1);
		assert_int_equal(d.skipped, 0);
		assert_memory_equal(d.paths[0], kept[i] + 1, strlen(kept[i]) - 2);
		discovery_free(&d);
	}
	/* the length limit: DISCOVERY_PATH_MAX bytes are kept, one more is refused */
	char path[DISCOVERY_PATH_MAX + 4];
	for (size_t extra = 0; extra < 2; extra++) {
		memset(path, 'a', sizeof(path));
		path[0] = '"';
		path[1] = '/';
		path[DISCOVERY_PATH_MAX + 1 + extra] = '"';
		path[DISCOVERY_PATH_MAX + 2 + extra] = '\0';
		assert_int_equal(parse_one(path, &d), DISCOVERY_OK);
		assert_int_equal(d.n, extra ? 0 : 1);
		if (!extra)
			assert_int_equal(strlen(d.paths[0]), DISCOVERY_PATH_MAX);
		discovery_free(&d);
	}
}

static void test_huge(void **state)
{
	(void)state;
	discovery_t d;
	/* 10000 groups: the first DISCOVERY_MAX_PATHS distinct paths are kept in order */
	strbuf_t b = { 0 };
	strbuf_putc(&b, '[');
	for (int i = 0; i < 10000; i++) {
		char *g = xasprintf("%s{\"targets\":[\"h:1\"],\"labels\":{\"__metrics_path__\":\"/plugins/p%d/metrics\"}}",
		                    i ? "," : "", i);
		strbuf_append(&b, g, strlen(g));
		free(g);
	}
	strbuf_putc(&b, ']');
	assert_int_equal(parse_n(b.data, b.len, &d), DISCOVERY_OK);
	assert_int_equal(d.n, DISCOVERY_MAX_PATHS);
	assert_string_equal(d.paths[0], "/plugins/p0/metrics");
	assert_string_equal(d.paths[DISCOVERY_MAX_PATHS - 1], "/plugins/p63/metrics");
	assert_int_equal(d.skipped, 10000 - DISCOVERY_MAX_PATHS);
	discovery_free(&d);
	strbuf_free(&b);
	/* one huge string */
	size_t big = 4u << 20;
	char *s = xmalloc(big);
	memcpy(s, "[{\"labels\":{\"__metrics_path__\":\"/", 33);
	memset(s + 33, 'x', big - 33);
	memcpy(s + big - 5, "\"}}]", 4);
	assert_int_equal(parse_n(s, big - 1, &d), DISCOVERY_OK);
	assert_int_equal(d.n, 0);
	assert_int_equal(d.skipped, 1);
	discovery_free(&d);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chainlink_answer),
		cmocka_unit_test(test_empty_and_own_metrics),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_hostile_paths),
		cmocka_unit_test(test_huge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
