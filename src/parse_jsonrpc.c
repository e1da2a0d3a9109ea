/* parse_jsonrpc.c - the Ethereum JSON-RPC wire format, pure (cJSON only): the probe's
 * batch request and response, eth_subscribe/newHeads messages, provider URL masking. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "parse_jsonrpc.h"
#include "strbuf.h"
#include "textsafe.h"
#include "xalloc.h"

#define JSONRPC_MAX_ELEMENTS 64     /* answers in one batch response */
#define JSONRPC_METHOD_NOT_FOUND (-32601)

static const char *const jsonrpc_names[JSONRPC__COUNT] = {
	"eth_chainId", "eth_blockNumber", "eth_syncing", "web3_clientVersion", "net_peerCount",
};

static const char jsonrpc_batch[] =
	"[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\",\"params\":[]},"
	"{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"eth_blockNumber\",\"params\":[]},"
	"{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"eth_syncing\",\"params\":[]},"
	"{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"web3_clientVersion\",\"params\":[]},"
	"{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"net_peerCount\",\"params\":[]}]";

static const char jsonrpc_subscribe[] =
	"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_subscribe\",\"params\":[\"newHeads\"]}";

const char *jsonrpc_method_name(jsonrpc_method_t m)
{
	return (unsigned)m < JSONRPC__COUNT ? jsonrpc_names[m] : "?";
}

const char *jsonrpc_batch_body(void)
{
	return jsonrpc_batch;
}

const char *jsonrpc_subscribe_body(void)
{
	return jsonrpc_subscribe;
}

/* ---------------------------------------------------------------- errors */

/* A printable copy of untrusted text, at most n - 1 bytes. */
static void jsonrpc_safe(char *dst, size_t n, const char *src, size_t len)
{
	textsafe_escape(dst, n, src, len, true, false);
}

/* ---------------------------------------------------------------- quantities */

static int jsonrpc_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int jsonrpc_parse_quantity(const char *s, size_t len, uint64_t *out, char *err, size_t errlen)
{
	char shown[40];
	size_t i = 2;
	uint64_t v = 0;

	if (!s) {
		strbuf_seterr(err, errlen, "not a hex string");
		return -1;
	}
	jsonrpc_safe(shown, sizeof shown, s, len > 24 ? 24 : len);
	if (len > 0 && s[0] == '-') {
		strbuf_seterr(err, errlen, "negative quantity \"%s%s\"", shown, len > 24 ? "..." : "");
		return -1;
	}
	if (len < 2 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) {
		strbuf_seterr(err, errlen, "not a 0x hex quantity: \"%s%s\"", shown, len > 24 ? "..." : "");
		return -1;
	}
	if (len == 2) {
		strbuf_seterr(err, errlen, "empty quantity \"0x\"");
		return -1;
	}
	for (; i < len; i++) {
		int d = jsonrpc_hexval((unsigned char)s[i]);
		if (d < 0) {
			strbuf_seterr(err, errlen, "not a 0x hex quantity: \"%s%s\"", shown, len > 24 ? "..." : "");
			return -1;
		}
		if (v > (JSONRPC_MAX_QUANTITY >> 4)) {
			v = UINT64_MAX;     /* keeps scanning: garbage later still says "not hex" */
			continue;
		}
		v = (v << 4) | (uint64_t)d;
	}
	if (v > JSONRPC_MAX_QUANTITY) {
		strbuf_seterr(err, errlen, "quantity larger than 2^53-1: \"%s%s\"", shown, len > 24 ? "..." : "");
		return -1;
	}
	*out = v;
	return 0;
}

/* A cJSON string item as a quantity; errors name the item. */
static int jsonrpc_item_quantity(const cJSON *it, uint64_t *out, char *err, size_t errlen)
{
	if (!cJSON_IsString(it) || !it->valuestring) {
		strbuf_seterr(err, errlen, "%s", cJSON_IsNumber(it) ? "a JSON number, not a hex string" :
		               "not a hex string");
		return -1;
	}
	return jsonrpc_parse_quantity(it->valuestring, strlen(it->valuestring), out, err, errlen);
}

/* ---------------------------------------------------------------- documents */

/* Parses exactly [body, body+len) as one JSON document; NULL with err otherwise. */
static cJSON *jsonrpc_parse_doc(const char *body, size_t len, size_t cap, char *err, size_t errlen)
{
	const char *end = NULL;
	char *copy;
	cJSON *doc;

	if (!body || len == 0) {
		strbuf_seterr(err, errlen, "empty body");
		return NULL;
	}
	if (len > cap) {
		strbuf_seterr(err, errlen, "body larger than %zu bytes (limit)", (size_t)cap);
		return NULL;
	}
	/* A NUL-terminated copy: cJSON must not read past len (see parse_health.c). */
	copy = xstrndup(body, len);
	if (strlen(copy) != len) {
		size_t at = strlen(copy);
		free(copy);
		strbuf_seterr(err, errlen, "invalid JSON at byte %zu: NUL byte", at);
		return NULL;
	}
	doc = cJSON_ParseWithLengthOpts(copy, len, &end, false);
	if (!doc) {
		size_t off = end && end >= copy && end <= copy + len ? (size_t)(end - copy) : 0;
		free(copy);
		if (len > 0 && body[0] == '<')
			strbuf_seterr(err, errlen, "HTML, not JSON-RPC");
		else
			strbuf_seterr(err, errlen, "invalid JSON at byte %zu", off);
		return NULL;
	}
	if (end) {
		size_t off = (size_t)(end - copy);
		while (off < len && (copy[off] == ' ' || copy[off] == '\t' || copy[off] == '\r' || copy[off] == '\n'))
			off++;
		if (off < len) {
			cJSON_Delete(doc);
			free(copy);
			strbuf_seterr(err, errlen, "invalid JSON at byte %zu: data after the document", off);
			return NULL;
		}
	}
	free(copy);
	return doc;
}

/* "CODE: message" of a JSON-RPC error object, escaped; the code in *code. */
static void jsonrpc_error_text(const cJSON *e, char *dst, size_t n, long *code)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(e, "code");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
	char msg[80] = "";
	*code = 0;
	if (cJSON_IsNumber(c) && c->valuedouble >= -2147483648.0 && c->valuedouble <= 2147483647.0)
		*code = (long)c->valuedouble;
	if (cJSON_IsString(m) && m->valuestring)
		jsonrpc_safe(msg, sizeof msg, m->valuestring, strlen(m->valuestring));
	else if (!cJSON_IsObject(e))
		snprintf(msg, sizeof msg, "malformed error object");
	snprintf(dst, n, "%ld %s", *code, msg[0] ? msg : "(no message)");
}

/* The method index of a batch element's id, or -1. */
static int jsonrpc_id_of(const cJSON *el)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(el, "id");
	if (!cJSON_IsNumber(id))
		return -1;
	double d = id->valuedouble;
	if (d < 1 || d > JSONRPC__COUNT || d != (double)(int)d)
		return -1;
	return (int)d - 1;
}

static void jsonrpc_result(jsonrpc_status_t *st, jsonrpc_method_t m, const cJSON *res)
{
	char why[80];
	uint64_t v = 0;
	switch (m) {
	case JSONRPC_CHAIN_ID:
	case JSONRPC_BLOCK_NUMBER:
	case JSONRPC_PEER_COUNT:
		if (jsonrpc_item_quantity(res, &v, why, sizeof why) != 0) {
			st->answer[m] = JSONRPC_ERROR;
			snprintf(st->method_error[m], sizeof st->method_error[m], "%s", why);
			return;
		}
		if (m == JSONRPC_CHAIN_ID)
			st->chain_id = v;
		else if (m == JSONRPC_BLOCK_NUMBER)
			st->head = v;
		else
			st->peers = v;
		break;
	case JSONRPC_SYNCING:
		if (cJSON_IsFalse(res))
			st->syncing = JSONRPC_SYNC_NO;
		else if (cJSON_IsTrue(res))
			st->syncing = JSONRPC_SYNC_YES;
		else if (cJSON_IsObject(res)) {
			uint64_t cur = 0, high = 0;
			st->syncing = JSONRPC_SYNC_YES;
			if (jsonrpc_item_quantity(cJSON_GetObjectItemCaseSensitive(res, "currentBlock"), &cur, NULL, 0) == 0 &&
			    jsonrpc_item_quantity(cJSON_GetObjectItemCaseSensitive(res, "highestBlock"), &high, NULL, 0) == 0) {
				st->sync_has_blocks = true;
				st->sync_current = cur;
				st->sync_highest = high;
			}
		} else {
			st->answer[m] = JSONRPC_ERROR;
			snprintf(st->method_error[m], sizeof st->method_error[m], "neither false nor an object");
			return;
		}
		break;
	case JSONRPC_CLIENT_VERSION:
		if (!cJSON_IsString(res) || !res->valuestring) {
			st->answer[m] = JSONRPC_ERROR;
			snprintf(st->method_error[m], sizeof st->method_error[m], "not a string");
			return;
		}
		jsonrpc_safe(st->client, sizeof st->client, res->valuestring, strlen(res->valuestring));
		break;
	default:
		return;
	}
	st->answer[m] = JSONRPC_OK;
}

int jsonrpc_parse_batch(const char *body, size_t len, jsonrpc_status_t *out, char *err, size_t errlen)
{
	jsonrpc_status_t st;
	char batch_err[96] = "";
	const cJSON *el;
	cJSON *doc;
	int n = 0;

	memset(&st, 0, sizeof st);
	*out = st;
	if (err && errlen)
		err[0] = '\0';
	doc = jsonrpc_parse_doc(body, len, JSONRPC_MAX_BODY, err, errlen);
	if (!doc)
		return -1;
	if (cJSON_IsObject(doc)) {
		/* A provider that refuses batches answers one error object. */
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "error");
		long code;
		if (e) {
			jsonrpc_error_text(e, batch_err, sizeof batch_err, &code);
			strbuf_seterr(err, errlen, "batch rejected: %s", batch_err);
		} else
			strbuf_seterr(err, errlen, "not a batch answer: top level is an object, not an array");
		cJSON_Delete(doc);
		return -1;
	}
	if (!cJSON_IsArray(doc)) {
		strbuf_seterr(err, errlen, "not a batch answer: top level is not an array");
		cJSON_Delete(doc);
		return -1;
	}
	cJSON_ArrayForEach(el, doc) {
		if (++n > JSONRPC_MAX_ELEMENTS) {
			strbuf_seterr(err, errlen, "batch answer has more than %d elements", JSONRPC_MAX_ELEMENTS);
			cJSON_Delete(doc);
			return -1;
		}
		if (!cJSON_IsObject(el))
			continue;
		const cJSON *res = cJSON_GetObjectItemCaseSensitive(el, "result");
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(el, "error");
		int m = jsonrpc_id_of(el);
		if (m < 0) {
			/* An error without a usable id concerns the whole request. */
			if (e && !batch_err[0]) {
				long code;
				jsonrpc_error_text(e, batch_err, sizeof batch_err, &code);
			}
			continue;
		}
		if (st.answer[m] != JSONRPC_MISSING) {
			strbuf_seterr(err, errlen, "id %d answered twice", m + 1);
			cJSON_Delete(doc);
			*out = st;
			return -1;
		}
		if (e && !cJSON_IsNull(e)) {
			long code;
			jsonrpc_error_text(e, st.method_error[m], sizeof st.method_error[m], &code);
			st.answer[m] = code == JSONRPC_METHOD_NOT_FOUND ? JSONRPC_UNSUPPORTED : JSONRPC_ERROR;
			if (st.answer[m] == JSONRPC_UNSUPPORTED)
				st.method_error[m][0] = '\0';
		} else if (res)
			jsonrpc_result(&st, (jsonrpc_method_t)m, res);
		else {
			st.answer[m] = JSONRPC_ERROR;
			snprintf(st.method_error[m], sizeof st.method_error[m], "neither result nor error");
		}
	}
	cJSON_Delete(doc);
	*out = st;
	for (int m = JSONRPC_CHAIN_ID; m <= JSONRPC_BLOCK_NUMBER; m++) {
		switch (st.answer[m]) {
		case JSONRPC_OK:
			continue;
		case JSONRPC_MISSING:
			if (batch_err[0])
				strbuf_seterr(err, errlen, "batch rejected: %s", batch_err);
			else
				strbuf_seterr(err, errlen, "%s: no answer in the batch", jsonrpc_names[m]);
			return -1;
		case JSONRPC_UNSUPPORTED:
			strbuf_seterr(err, errlen, "%s: method not found (not an Ethereum node?)", jsonrpc_names[m]);
			return -1;
		case JSONRPC_ERROR:
			strbuf_seterr(err, errlen, "%s: %s", jsonrpc_names[m], st.method_error[m]);
			return -1;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- WebSocket */

static int jsonrpc_sub_id(const cJSON *it, char *dst, size_t n)
{
	if (!cJSON_IsString(it) || !it->valuestring)
		return -1;
	size_t len = strlen(it->valuestring);
	if (len == 0 || len >= n)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)it->valuestring[i]) && it->valuestring[i] != '-' && it->valuestring[i] != '_')
			return -1;
	memcpy(dst, it->valuestring, len + 1);
	return 0;
}

int jsonrpc_parse_ws(const char *msg, size_t len, jsonrpc_ws_msg_t *out, char *err, size_t errlen)
{
	cJSON *doc;
	const cJSON *method, *params, *e;
	char why[80];
	int rc = -1;

	memset(out, 0, sizeof *out);
	if (err && errlen)
		err[0] = '\0';
	doc = jsonrpc_parse_doc(msg, len, JSONRPC_MAX_WS_MESSAGE, err, errlen);
	if (!doc)
		return -1;
	if (!cJSON_IsObject(doc)) {
		strbuf_seterr(err, errlen, "not a JSON-RPC message: top level is not an object");
		goto done;
	}
	method = cJSON_GetObjectItemCaseSensitive(doc, "method");
	params = cJSON_GetObjectItemCaseSensitive(doc, "params");
	e = cJSON_GetObjectItemCaseSensitive(doc, "error");
	if (cJSON_IsString(method) && strcmp(method->valuestring, "eth_subscription") == 0) {
		const cJSON *res = cJSON_GetObjectItemCaseSensitive(params, "result");
		if (jsonrpc_sub_id(cJSON_GetObjectItemCaseSensitive(params, "subscription"),
		                   out->subscription, sizeof out->subscription) != 0) {
			strbuf_seterr(err, errlen, "eth_subscription: no valid subscription id");
			goto done;
		}
		if (!cJSON_IsObject(res)) {
			strbuf_seterr(err, errlen, "eth_subscription: result is not a block header");
			goto done;
		}
		if (jsonrpc_item_quantity(cJSON_GetObjectItemCaseSensitive(res, "number"), &out->head,
		                          why, sizeof why) != 0) {
			strbuf_seterr(err, errlen, "newHeads: block number: %s", why);
			goto done;
		}
		out->kind = JSONRPC_WS_HEAD;
		rc = 0;
		goto done;
	}
	if (e && !cJSON_IsNull(e)) {
		long code;
		jsonrpc_error_text(e, out->error, sizeof out->error, &code);
		out->kind = JSONRPC_WS_ERROR;
		rc = 0;
		goto done;
	}
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(doc, "id");
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(doc, "result");
	if (cJSON_IsNumber(id) && id->valuedouble == 1 && res) {
		if (jsonrpc_sub_id(res, out->subscription, sizeof out->subscription) != 0) {
			strbuf_seterr(err, errlen, "eth_subscribe: the answer is not a subscription id");
			goto done;
		}
		out->kind = JSONRPC_WS_SUBSCRIBED;
		rc = 0;
		goto done;
	}
	out->kind = JSONRPC_WS_OTHER;
	rc = 0;
done:
	cJSON_Delete(doc);
	return rc;
}

/* ---------------------------------------------------------------- URLs */

/* Appends s whole, or nothing when it does not fit (no split UTF-8). */
static size_t jsonrpc_put(char *out, size_t n, size_t i, const char *s)
{
	size_t l = strlen(s);
	if (i + l + 1 > n)
		return i;
	memcpy(out + i, s, l);
	return i + l;
}

char *jsonrpc_url_mask(const char *url, char *out, size_t n)
{
	const char *p = url, *auth, *auth_end, *host;
	size_t i = 0, sl;

	if (!out || n == 0)
		return out;
	out[0] = '\0';
	if (!url || !isalpha((unsigned char)*p))
		goto invalid;
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
		p++;
	if (strncmp(p, "://", 3) != 0)
		goto invalid;
	sl = (size_t)(p - url) + 3;
	auth = p + 3;
	auth_end = auth + strcspn(auth, "/?#");
	host = auth;
	for (const char *q = auth; q < auth_end; q++)
		if (*q == '@')
			host = q + 1;
	if (host == auth_end)
		goto invalid;
	for (const char *q = url; q < url + sl && i + 1 < n; q++)
		out[i++] = (char)tolower((unsigned char)*q);
	if (host != auth)
		i = jsonrpc_put(out, n, i, "…@");
	for (const char *q = host; q < auth_end && i + 1 < n; q++) {
		unsigned char c = (unsigned char)*q;
		out[i++] = (c > 0x20 && c < 0x7f) ? (char)c : '_';
	}
	if (*auth_end && strcmp(auth_end, "/") != 0)
		i = jsonrpc_put(out, n, i, "/…");
	else if (*auth_end == '/')
		i = jsonrpc_put(out, n, i, "/");
	out[i] = '\0';
	return out;
invalid:
	snprintf(out, n, "(invalid URL)");
	return out;
}
