/* test_parse_jsonrpc.c - cmocka tests of the JSON-RPC probe's pure parts: the batch
 * request/response, quantities, newHeads messages, URL masking and the endpoint judgement. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "parse_jsonrpc.h"
#include "rpcjudge.h"
#include "strbuf.h"
#include "textsafe.h"
#include "xalloc.h"

/* Parses s from a buffer of exactly its length (no NUL after it), so that
 * AddressSanitizer catches any read past the end. */
static int batch(const char *s, jsonrpc_status_t *st, char *err, size_t n)
{
	size_t len = strlen(s);
	char *p = xmalloc(len ? len : 1);
	memcpy(p, s, len);
	int rc = jsonrpc_parse_batch(p, len, st, err, n);
	free(p);
	return rc;
}

static int wsmsg(const char *s, jsonrpc_ws_msg_t *m, char *err, size_t n)
{
	size_t len = strlen(s);
	char *p = xmalloc(len ? len : 1);
	memcpy(p, s, len);
	int rc = jsonrpc_parse_ws(p, len, m, err, n);
	free(p);
	return rc;
}

/* What anvil 1.7 answers (net_peerCount is not implemented there). */
#define ANVIL_ANSWER \
	"[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x539\"},{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":\"0x1a\"}," \
	"{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":false},{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":\"anvil/v1.7.1\"}," \
	"{\"jsonrpc\":\"2.0\",\"id\":5,\"error\":{\"code\":-32601,\"message\":\"Method not found\"}}]"

/* ---------------------------------------------------------------- request */

static void test_batch_body_is_the_five_methods(void **state)
{
	(void)state;
	cJSON *doc = cJSON_Parse(jsonrpc_batch_body());
	assert_non_null(doc);
	assert_true(cJSON_IsArray(doc));
	assert_int_equal(cJSON_GetArraySize(doc), JSONRPC__COUNT);
	for (int i = 0; i < JSONRPC__COUNT; i++) {
		cJSON *el = cJSON_GetArrayItem(doc, i);
		assert_string_equal(cJSON_GetObjectItem(el, "jsonrpc")->valuestring, "2.0");
		assert_int_equal(cJSON_GetObjectItem(el, "id")->valueint, i + 1);
		assert_string_equal(cJSON_GetObjectItem(el, "method")->valuestring,
		                    jsonrpc_method_name((jsonrpc_method_t)i));
	}
	assert_string_equal(jsonrpc_method_name(JSONRPC_CHAIN_ID), "eth_chainId");
	assert_string_equal(jsonrpc_method_name(JSONRPC_PEER_COUNT), "net_peerCount");
	cJSON_Delete(doc);

	doc = cJSON_Parse(jsonrpc_subscribe_body());
	assert_non_null(doc);
	assert_string_equal(cJSON_GetObjectItem(doc, "method")->valuestring, "eth_subscribe");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "params"), 0)->valuestring, "newHeads");
	cJSON_Delete(doc);
}

/* ---------------------------------------------------------------- response */

static void test_anvil_answer(void **state)
{
	jsonrpc_status_t st;
	char err[160];
	(void)state;
	assert_int_equal(batch(ANVIL_ANSWER, &st, err, sizeof err), 0);
	assert_string_equal(err, "");
	assert_int_equal(st.chain_id, 1337);
	assert_int_equal(st.head, 26);
	assert_int_equal(st.syncing, JSONRPC_SYNC_NO);
	assert_string_equal(st.client, "anvil/v1.7.1");
	assert_int_equal(st.answer[JSONRPC_PEER_COUNT], JSONRPC_UNSUPPORTED);
	assert_int_equal(st.answer[JSONRPC_CLIENT_VERSION], JSONRPC_OK);
}

static void test_any_order_by_id(void **state)
{
	jsonrpc_status_t st;
	char err[160];
	(void)state;
	const char *rev =
		"[{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":\"0x19\"},{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":\"Geth/v1.14\"},"
		"{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":false},{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":\"0x1312d00\"},"
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x1\"}]";
	assert_int_equal(batch(rev, &st, err, sizeof err), 0);
	assert_int_equal(st.chain_id, 1);
	assert_int_equal(st.head, 20000000);
	assert_int_equal(st.peers, 25);
	assert_string_equal(st.client, "Geth/v1.14");
}

static void test_method_not_found_is_not_a_failure(void **state)
{
	jsonrpc_status_t st;
	char err[160];
	(void)state;
	const char *s =
		"[{\"id\":1,\"result\":\"0x89\"},{\"id\":2,\"result\":\"0x10\"},"
		"{\"id\":3,\"error\":{\"code\":-32601,\"message\":\"the method eth_syncing does not exist\"}},"
		"{\"id\":4,\"error\":{\"code\":-32601,\"message\":\"nope\"}},"
		"{\"id\":5,\"error\":{\"code\":-32601,\"message\":\"nope\"}}]";
	assert_int_equal(batch(s, &st, err, sizeof err), 0);
	assert_int_equal(st.head, 16);
	assert_int_equal(st.syncing, JSONRPC_SYNC_UNKNOWN);
	assert_int_equal(st.answer[JSONRPC_SYNCING], JSONRPC_UNSUPPORTED);
	assert_string_equal(st.client, "");

	/* ... but on a required method it is. */
	s = "[{\"id\":1,\"error\":{\"code\":-32601,\"message\":\"Method not found\"}},{\"id\":2,\"result\":\"0x10\"}]";
	assert_int_equal(batch(s, &st, err, sizeof err), -1);
	assert_string_equal(err, "eth_chainId: method not found (not an Ethereum node?)");
	s = "[{\"id\":1,\"result\":\"0x1\"},{\"id\":2,\"error\":{\"code\":-32000,\"message\":\"header not found\"}}]";
	assert_int_equal(batch(s, &st, err, sizeof err), -1);
	assert_string_equal(err, "eth_blockNumber: -32000 header not found");
	s = "[{\"id\":1,\"result\":\"0x1\"}]";
	assert_int_equal(batch(s, &st, err, sizeof err), -1);
	assert_string_equal(err, "eth_blockNumber: no answer in the batch");
}

static void test_syncing_object(void **state)
{
	jsonrpc_status_t st;
	char err[160];
	(void)state;
	const char *s =
		"[{\"id\":1,\"result\":\"0x1\"},{\"id\":2,\"result\":\"0x64\"},"
		"{\"id\":3,\"result\":{\"startingBlock\":\"0x0\",\"currentBlock\":\"0x64\",\"highestBlock\":\"0x3e8\"}}]";
	assert_int_equal(batch(s, &st, err, sizeof err), 0);
	assert_int_equal(st.syncing, JSONRPC_SYNC_YES);
	assert_true(st.sync_has_blocks);
	assert_int_equal(st.sync_current, 100);
	assert_int_equal(st.sync_highest, 1000);
	/* A syncing object without usable numbers (erigon's stages) is still syncing. */
	s = "[{\"id\":1,\"result\":\"0x1\"},{\"id\":2,\"result\":\"0x64\"},{\"id\":3,\"result\":{\"stages\":[]}}]";
	assert_int_equal(batch(s, &st, err, sizeof err), 0);
	assert_int_equal(st.syncing, JSONRPC_SYNC_YES);
	assert_false(st.sync_has_blocks);
	s = "[{\"id\":1,\"result\":\"0x1\"},{\"id\":2,\"result\":\"0x64\"},{\"id\":3,\"result\":\"yes\"}]";
	assert_int_equal(batch(s, &st, err, sizeof err), 0);
	assert_int_equal(st.answer[JSONRPC_SYNCING], JSONRPC_ERROR);
	assert_int_equal(st.syncing, JSONRPC_SYNC_UNKNOWN);
}

static void test_quantities(void **state)
{
	uint64_t v = 7;
	char err[160];
	(void)state;
#define Q(s) jsonrpc_parse_quantity(s, strlen(s), &v, err, sizeof err)
	assert_int_equal(Q("0x0"), 0);
	assert_int_equal(v, 0);
	assert_int_equal(Q("0xFF"), 0);
	assert_int_equal(v, 255);
	assert_int_equal(Q("0x1fffffffffffff"), 0);
	assert_int_equal(v, JSONRPC_MAX_QUANTITY);
	assert_int_equal(Q("0x000000000000000000000001"), 0);
	assert_int_equal(v, 1);
	v = 7;
	assert_int_equal(Q("0x20000000000000"), -1);
	assert_string_equal(err, "quantity larger than 2^53-1: \"0x20000000000000\"");
	assert_int_equal(Q("0x8000000000000000"), -1);
	assert_string_equal(err, "quantity larger than 2^53-1: \"0x8000000000000000\"");
	assert_int_equal(Q("0xffffffffffffffffffffffffffffffffffffffff"), -1);
	assert_string_equal(err, "quantity larger than 2^53-1: \"0xffffffffffffffffffffff...\"");
	assert_int_equal(Q("-0x5"), -1);
	assert_string_equal(err, "negative quantity \"-0x5\"");
	assert_int_equal(Q("0x"), -1);
	assert_string_equal(err, "empty quantity \"0x\"");
	assert_int_equal(Q("0xzz"), -1);
	assert_string_equal(err, "not a 0x hex quantity: \"0xzz\"");
	assert_int_equal(Q("0xfffffffffffffffffffffffz"), -1);
	assert_string_equal(err, "not a 0x hex quantity: \"0xffffffffffffffffffffff...\"");
	assert_int_equal(Q("1234"), -1);
	assert_string_equal(err, "not a 0x hex quantity: \"1234\"");
	assert_int_equal(Q(" 0x1"), -1);
	assert_int_equal(Q(""), -1);
	assert_int_equal(Q("0x1\x1b[2J"), -1);
	assert_true(textsafe_is_clean(err, strlen(err)));
	assert_int_equal(v, 7);     /* untouched on failure */
#undef Q
}

static void test_absurd_numbers_in_a_batch(void **state)
{
	jsonrpc_status_t st;
	char err[160];
	(void)state;
	const char *s = "[{\"id\":1,\"result\":\"0x1\"},{\"id\":2,\"result\":\"0x8000000000000000\"}]";
	assert_int_equal(batch(s, &st, err, sizeof err), -1);
	assert_string_equal(err, "eth_blockNumber: quantity larger than 2^53-1: \"0x8000000000000000\"");
	s = "[{\"id\":1,\"result\":\"0x1\"},{\"id\":2,\"result\":\"-0x5\"}]";
	assert_int_equal(batch(s, &st, err, sizeof err), -1);
	assert_string_equal(err, "eth_blockNumber: negative quantity \"-0x5\"");
	s = "[{\"id\":1,\"result\":1},{\"id\":2,\"result\":\"0x5\"}]";
	assert_int_equal(batch(s, &st, err, sizeof err), -1);
	assert_string_equal(err, "eth_chainId: a JSON number, not a hex string");
	s = "[{\"id\":1,\"result\":\"0x1\"},{\"id\":2,\"result\":\"0x5\"},{\"id\":5,\"result\":\"0xffffffffffffffffff\"}]";
	assert_int_equal(batch(s, &st, err, sizeof err), 0);   /* an optional method in error is not fatal */
	assert_int_equal(st.answer[JSONRPC_PEER_COUNT], JSONRPC_ERROR);
	assert_string_equal(st.method_error[JSONRPC_PEER_COUNT], "quantity larger than 2^53-1: \"0xffffffffffffffffff\"");
}

static void test_garbage(void **state)
{
	jsonrpc_status_t st;
	char err[160];
	(void)state;
	assert_int_equal(batch("", &st, err, sizeof err), -1);
	assert_string_equal(err, "empty body");
	assert_int_equal(batch("not json", &st, err, sizeof err), -1);
	assert_string_equal(err, "invalid JSON at byte 0");
	assert_int_equal(batch("<html><body>502 Bad Gateway</body></html>", &st, err, sizeof err), -1);
	assert_string_equal(err, "HTML, not JSON-RPC");
	assert_int_equal(batch("[{\"id\":1,\"result\":\"0x1\"}", &st, err, sizeof err), -1);
	assert_string_equal(err, "invalid JSON at byte 23");
	assert_int_equal(batch("[] []", &st, err, sizeof err), -1);
	assert_string_equal(err, "invalid JSON at byte 3: data after the document");
	assert_int_equal(batch("\"0x1\"", &st, err, sizeof err), -1);
	assert_string_equal(err, "not a batch answer: top level is not an array");
	assert_int_equal(batch("{\"result\":\"0x1\"}", &st, err, sizeof err), -1);
	assert_string_equal(err, "not a batch answer: top level is an object, not an array");
	assert_int_equal(batch("[1,2,\"x\",null]", &st, err, sizeof err), -1);
	assert_string_equal(err, "eth_chainId: no answer in the batch");
	assert_int_equal(batch("[{\"id\":1,\"result\":\"0x1\"},{\"id\":1,\"result\":\"0x2\"}]", &st, err, sizeof err), -1);
	assert_string_equal(err, "id 1 answered twice");
	assert_int_equal(batch("[{\"id\":2,\"neither\":1},{\"id\":1,\"result\":\"0x1\"}]", &st, err, sizeof err), -1);
	assert_string_equal(err, "eth_blockNumber: neither result nor error");

	/* NUL inside the body */
	char nul[] = "[{\"id\":1,\"result\":\"0x1\"},\0{\"id\":2,\"result\":\"0x2\"}]";
	assert_int_equal(jsonrpc_parse_batch(nul, sizeof nul - 1, &st, err, sizeof err), -1);
	assert_string_equal(err, "invalid JSON at byte 25: NUL byte");
}

static void test_batch_rejected(void **state)
{
	jsonrpc_status_t st;
	char err[160];
	(void)state;
	assert_int_equal(batch("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,\"message\":\"batch requests are not supported\"}}",
	                       &st, err, sizeof err), -1);
	assert_string_equal(err, "batch rejected: -32600 batch requests are not supported");
	assert_int_equal(batch("[{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32005,\"message\":\"rate limited\"}}]",
	                       &st, err, sizeof err), -1);
	assert_string_equal(err, "batch rejected: -32005 rate limited");
}

static void test_size_caps(void **state)
{
	jsonrpc_status_t st;
	char err[160];
	strbuf_t sb = STRBUF_INIT;
	(void)state;
	/* 65 elements */
	strbuf_puts(&sb, "[");
	for (int i = 0; i < 65; i++)
		strbuf_printf(&sb, "%s{\"id\":%d,\"result\":\"0x1\"}", i ? "," : "", 100 + i);
	strbuf_puts(&sb, "]");
	assert_int_equal(batch(strbuf_str(&sb), &st, err, sizeof err), -1);
	assert_string_equal(err, "batch answer has more than 64 elements");
	/* over JSONRPC_MAX_BODY: refused before parsing */
	strbuf_reset(&sb);
	strbuf_puts(&sb, "[{\"id\":1,\"result\":\"0x1\"},{\"id\":2,\"result\":\"0x2\"},{\"id\":4,\"result\":\"");
	while (sb.len < JSONRPC_MAX_BODY)
		strbuf_puts(&sb, "aaaaaaaaaaaaaaaa");
	strbuf_puts(&sb, "\"}]");
	assert_int_equal(batch(strbuf_str(&sb), &st, err, sizeof err), -1);
	assert_string_equal(err, "body larger than 262144 bytes (limit)");
	/* a long client version within the cap is cut to JSONRPC_CLIENT_MAX */
	strbuf_reset(&sb);
	strbuf_puts(&sb, "[{\"id\":1,\"result\":\"0x1\"},{\"id\":2,\"result\":\"0x2\"},{\"id\":4,\"result\":\"");
	for (int i = 0; i < 1000; i++)
		strbuf_puts(&sb, "v");
	strbuf_puts(&sb, "\"}]");
	assert_int_equal(batch(strbuf_str(&sb), &st, err, sizeof err), 0);
	assert_int_equal(strlen(st.client), JSONRPC_CLIENT_MAX - 1);
	strbuf_free(&sb);
}

static void test_hostile_text_is_escaped(void **state)
{
	jsonrpc_status_t st;
	char err[160];
	(void)state;
	const char *s =
		"[{\"id\":1,\"result\":\"0x1\"},{\"id\":2,\"result\":\"0x2\"},"
		"{\"id\":3,\"error\":{\"code\":-32000,\"message\":\"\\u001b]0;pwned\\u0007\\u001b[2J\"}},"
		"{\"id\":4,\"result\":\"Geth\\u001b[31m\\r\\n\\u009b\"}]";
	assert_int_equal(batch(s, &st, err, sizeof err), 0);
	assert_true(textsafe_is_clean(st.client, strlen(st.client)));
	assert_string_equal(st.client, "Geth\\x1b[31m\\r\\n\\x9b");
	assert_int_equal(st.answer[JSONRPC_SYNCING], JSONRPC_ERROR);
	assert_true(textsafe_is_clean(st.method_error[JSONRPC_SYNCING], strlen(st.method_error[JSONRPC_SYNCING])));
	assert_non_null(strstr(st.method_error[JSONRPC_SYNCING], "pwned"));
	s = "[{\"id\":1,\"result\":\"0x1\\u001b[2J\"},{\"id\":2,\"result\":\"0x2\"}]";
	assert_int_equal(batch(s, &st, err, sizeof err), -1);
	assert_true(textsafe_is_clean(err, strlen(err)));
	assert_non_null(strstr(err, "eth_chainId: not a 0x hex quantity"));
}

/* ---------------------------------------------------------------- WebSocket */

static void test_ws_messages(void **state)
{
	jsonrpc_ws_msg_t m;
	char err[160];
	(void)state;
	assert_int_equal(wsmsg("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0xcd0c3e8af590364c09d0fa6a1210faf5\"}", &m, err, sizeof err), 0);
	assert_int_equal(m.kind, JSONRPC_WS_SUBSCRIBED);
	assert_string_equal(m.subscription, "0xcd0c3e8af590364c09d0fa6a1210faf5");

	assert_int_equal(wsmsg("{\"jsonrpc\":\"2.0\",\"method\":\"eth_subscription\",\"params\":{\"subscription\":\"0xcd0c\","
	                       "\"result\":{\"hash\":\"0xabc\",\"number\":\"0x1b4\",\"parentHash\":\"0x0\"}}}", &m, err, sizeof err), 0);
	assert_int_equal(m.kind, JSONRPC_WS_HEAD);
	assert_int_equal(m.head, 436);
	assert_string_equal(m.subscription, "0xcd0c");

	assert_int_equal(wsmsg("{\"jsonrpc\":\"2.0\",\"method\":\"eth_subscription\",\"params\":{\"subscription\":\"0x1\","
	                       "\"result\":{\"number\":\"0x8000000000000000\"}}}", &m, err, sizeof err), -1);
	assert_string_equal(err, "newHeads: block number: quantity larger than 2^53-1: \"0x8000000000000000\"");
	assert_int_equal(wsmsg("{\"method\":\"eth_subscription\",\"params\":{\"subscription\":\"0x1\",\"result\":{}}}",
	                       &m, err, sizeof err), -1);
	assert_string_equal(err, "newHeads: block number: not a hex string");
	assert_int_equal(wsmsg("{\"method\":\"eth_subscription\",\"params\":{\"subscription\":\"\\u001b[2J\",\"result\":{\"number\":\"0x1\"}}}",
	                       &m, err, sizeof err), -1);
	assert_string_equal(err, "eth_subscription: no valid subscription id");

	assert_int_equal(wsmsg("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32601,\"message\":\"notifications not supported\"}}",
	                       &m, err, sizeof err), 0);
	assert_int_equal(m.kind, JSONRPC_WS_ERROR);
	assert_string_equal(m.error, "-32601 notifications not supported");
	assert_int_equal(wsmsg("{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":true}", &m, err, sizeof err), 0);
	assert_int_equal(m.kind, JSONRPC_WS_OTHER);
	assert_int_equal(wsmsg("[1]", &m, err, sizeof err), -1);
	assert_string_equal(err, "not a JSON-RPC message: top level is not an object");
	assert_int_equal(wsmsg("{", &m, err, sizeof err), -1);
	assert_string_equal(err, "invalid JSON at byte 0");
}

/* ---------------------------------------------------------------- URLs */

static void test_url_mask(void **state)
{
	char b[160];
	(void)state;
	assert_string_equal(jsonrpc_url_mask("https://eth-mainnet.example.com/v2/SECRETKEY", b, sizeof b),
	                    "https://eth-mainnet.example.com/…");
	assert_string_equal(jsonrpc_url_mask("wss://eth.example.com:8546/ws?apikey=SECRET", b, sizeof b),
	                    "wss://eth.example.com:8546/…");
	assert_string_equal(jsonrpc_url_mask("https://eth.example.com?key=SECRET", b, sizeof b),
	                    "https://eth.example.com/…");
	assert_string_equal(jsonrpc_url_mask("https://user:PASSWORD@eth.example.com", b, sizeof b),
	                    "https://…@eth.example.com");
	assert_string_equal(jsonrpc_url_mask("http://127.0.0.1:8545", b, sizeof b), "http://127.0.0.1:8545");
	assert_string_equal(jsonrpc_url_mask("http://127.0.0.1:8545/", b, sizeof b), "http://127.0.0.1:8545/");
	assert_string_equal(jsonrpc_url_mask("HTTP://[::1]:8545/x", b, sizeof b), "http://[::1]:8545/…");
	assert_string_equal(jsonrpc_url_mask("ws://h\x1b[2J/x", b, sizeof b), "ws://h_[2J/…");
	assert_string_equal(jsonrpc_url_mask("eth.example.com/KEY", b, sizeof b), "(invalid URL)");
	assert_string_equal(jsonrpc_url_mask("https:///KEY", b, sizeof b), "(invalid URL)");
	assert_string_equal(jsonrpc_url_mask("", b, sizeof b), "(invalid URL)");
	assert_string_equal(jsonrpc_url_mask(NULL, b, sizeof b), "(invalid URL)");
	/* a small buffer: cut, never a split "…", never the key */
	assert_string_equal(jsonrpc_url_mask("https://eth.example.com/KEY", b, 25), "https://eth.example.com");
	assert_string_equal(jsonrpc_url_mask("https://eth.example.com/KEY", b, 10), "https://e");
}

/* ---------------------------------------------------------------- judgement */

static jsonrpc_status_t good_status(uint64_t chain, uint64_t head)
{
	jsonrpc_status_t st;
	memset(&st, 0, sizeof st);
	st.answer[JSONRPC_CHAIN_ID] = st.answer[JSONRPC_BLOCK_NUMBER] = JSONRPC_OK;
	st.chain_id = chain;
	st.head = head;
	st.syncing = JSONRPC_SYNC_NO;
	return st;
}

static rpcjudge_in_t http_in(const jsonrpc_status_t *st)
{
	rpcjudge_in_t in;
	memset(&in, 0, sizeof in);
	in.has_http = in.http_done = in.http_ok = true;
	in.st = st;
	in.latency_ms = 12;
	in.ws_head_age_ms = in.ws_up_age_ms = -1;
	in.head_age_ms = 1000;
	in.best_head = st->head;
	return in;
}

static void test_judge(void **state)
{
	rpcjudge_cfg_t cfg;
	rpcjudge_out_t out;
	(void)state;
	rpcjudge_defaults(&cfg);
	cfg.chain = 1;
	assert_int_equal(cfg.lag_blocks, 5);

	jsonrpc_status_t st = good_status(1, 100);
	rpcjudge_in_t in = http_in(&st);
	rpcjudge_judge(&cfg, &in, &out);
	assert_int_equal(out.state, STATE_UP);
	assert_int_equal(out.head, 100);
	assert_string_equal(out.reason, "");

	st.chain_id = 137;
	rpcjudge_judge(&cfg, &in, &out);
	assert_int_equal(out.state, STATE_DOWN);
	assert_string_equal(out.reason, "wrong chain: expected 1, got 137");
	st.chain_id = 1;

	in.best_head = 105;     /* 5 behind: still up */
	rpcjudge_judge(&cfg, &in, &out);
	assert_int_equal(out.state, STATE_UP);
	assert_int_equal(out.lag, 5);
	in.best_head = 106;
	rpcjudge_judge(&cfg, &in, &out);
	assert_int_equal(out.state, STATE_DEGRADED);
	assert_string_equal(out.reason, "6 blocks behind the best head 106");
	in.best_head = 100;

	st.syncing = JSONRPC_SYNC_YES;
	st.sync_has_blocks = true;
	st.sync_current = 90;
	st.sync_highest = 200;
	rpcjudge_judge(&cfg, &in, &out);
	assert_int_equal(out.state, STATE_DEGRADED);
	assert_string_equal(out.reason, "syncing (block 90 of 200)");
	st.syncing = JSONRPC_SYNC_NO;

	in.latency_ms = 2500;
	rpcjudge_judge(&cfg, &in, &out);
	assert_int_equal(out.state, STATE_DEGRADED);
	assert_string_equal(out.reason, "slow: 2500 ms");
	in.latency_ms = 12;

	in.head_age_ms = RPCJUDGE_HEAD_STALL_MS;
	rpcjudge_judge(&cfg, &in, &out);
	assert_int_equal(out.state, STATE_DOWN);
	assert_string_equal(out.reason, "no new head for 180 s (head 100)");
	in.head_age_ms = 1000;

	in.http_ok = false;
	in.http_error = "connection refused";
	rpcjudge_judge(&cfg, &in, &out);
	assert_int_equal(out.state, STATE_DOWN);
	assert_string_equal(out.reason, "connection refused");
	assert_int_equal(out.head, 0);

	memset(&in, 0, sizeof in);
	in.has_http = true;
	in.ws_head_age_ms = in.ws_up_age_ms = in.head_age_ms = -1;
	rpcjudge_judge(&cfg, &in, &out);
	assert_int_equal(out.state, STATE_UNKNOWN);
	assert_string_equal(out.reason, "not probed yet");
}

static void test_judge_websocket(void **state)
{
	rpcjudge_cfg_t cfg;
	rpcjudge_out_t out;
	(void)state;
	rpcjudge_defaults(&cfg);
	cfg.head_stall_ms = 10000;
	jsonrpc_status_t st = good_status(1, 100);
	rpcjudge_in_t in = http_in(&st);

	in.ws_state = RPC_WS_SUBSCRIBED;
	in.ws_head = 101;
	in.ws_head_age_ms = 500;
	in.ws_up_age_ms = 60000;
	in.best_head = 101;
	rpcjudge_judge(&cfg, &in, &out);
	assert_int_equal(out.state, STATE_UP);
	assert_int_equal(out.head, 101);    /* the newer of the HTTP and WS heads */
	assert_int_equal(out.lag, 0);

	/* Heads keep coming over the WebSocket, but old ones: a stale subscription. */
	st.head = 120;
	in.best_head = 120;
	rpcjudge_judge(&cfg, &in, &out);
	assert_int_equal(out.state, STATE_DEGRADED);
	assert_string_equal(out.reason, "WebSocket head 101 behind the HTTP head 120");
	st.head = 100;
	in.best_head = 101;

	/* The WebSocket dropped, HTTP still answers: degraded at once... */
	in.ws_state = RPC_WS_RECONNECTING;
	in.ws_error = "closed by the server";
	in.ws_attempts = 1;
	in.ws_up_age_ms = -1;
	rpcjudge_judge(&cfg, &in, &out);
	assert_int_equal(out.state, STATE_DEGRADED);
	assert_string_equal(out.reason, "WebSocket closed: closed by the server, reconnecting (attempt 2)");
	/* ... down once no head came over it for head_stall. */
	in.ws_head_age_ms = 10000;
	rpcjudge_judge(&cfg, &in, &out);
	assert_int_equal(out.state, STATE_DOWN);
	assert_string_equal(out.reason, "WebSocket closed: closed by the server, no head for 10 s");
	/* Dropped by the idle watchdog (silent for head_stall) before any head: down at once,
	 * as the same silence was while subscribed, not a lesser "reconnecting". */
	{
		rpcjudge_in_t w = in;
		w.ws_head_age_ms = -1;
		w.ws_error = "silent for 10000 ms: dropped";
		w.ws_silent = true;
		rpcjudge_judge(&cfg, &w, &out);
		assert_int_equal(out.state, STATE_DOWN);
		assert_string_equal(out.reason, "WebSocket: no head for 10 s");
		w.ws_silent = false;
		rpcjudge_judge(&cfg, &w, &out);
		assert_int_equal(out.state, STATE_DEGRADED);
	}

	/* Subscribed but silent while HTTP advances: a stale subscription. */
	in.ws_state = RPC_WS_SUBSCRIBED;
	in.ws_up_age_ms = 30000;
	in.ws_head_age_ms = 12000;
	rpcjudge_judge(&cfg, &in, &out);
	assert_int_equal(out.state, STATE_DOWN);
	assert_string_equal(out.reason, "WebSocket: no head for 12 s");
	/* Subscribed 2 s ago, no head yet: fine. */
	in.ws_up_age_ms = 2000;
	rpcjudge_judge(&cfg, &in, &out);
	assert_int_equal(out.state, STATE_UP);

	/* Never connected: down after 3 attempts. */
	in.ws_state = RPC_WS_RECONNECTING;
	in.ws_head = 0;
	in.ws_head_age_ms = in.ws_up_age_ms = -1;
	in.ws_error = "closed before established";
	in.ws_attempts = 3;
	rpcjudge_judge(&cfg, &in, &out);
	assert_int_equal(out.state, STATE_DOWN);
	assert_string_equal(out.reason, "WebSocket: cannot connect: closed before established (3 attempts)");

	/* WebSocket only, first head not there yet. */
	memset(&in, 0, sizeof in);
	in.ws_state = RPC_WS_CONNECTING;
	in.ws_head_age_ms = in.ws_up_age_ms = in.head_age_ms = -1;
	rpcjudge_judge(&cfg, &in, &out);
	assert_int_equal(out.state, STATE_UNKNOWN);
	assert_string_equal(out.reason, "waiting for the first head");
	assert_string_equal(rpcjudge_ws_name(RPC_WS_RECONNECTING), "reconnecting");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_body_is_the_five_methods),
		cmocka_unit_test(test_anvil_answer),
		cmocka_unit_test(test_any_order_by_id),
		cmocka_unit_test(test_method_not_found_is_not_a_failure),
		cmocka_unit_test(test_syncing_object),
		cmocka_unit_test(test_quantities),
		cmocka_unit_test(test_absurd_numbers_in_a_batch),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_batch_rejected),
		cmocka_unit_test(test_size_caps),
		cmocka_unit_test(test_hostile_text_is_escaped),
		cmocka_unit_test(test_ws_messages),
		cmocka_unit_test(test_url_mask),
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_judge_websocket),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
