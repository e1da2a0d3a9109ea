/* fuzz_jsonrpc.c - libFuzzer target for the JSON-RPC parsers (batch answer, WebSocket
 * message, quantity, URL mask): every text handed out is printable, every number in bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "parse_jsonrpc.h"
#include "textsafe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_clean(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	FUZZ_CHECK(n < cap);
	FUZZ_CHECK(textsafe_is_clean(s, n));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy: ASan catches any read past the end. */
	char *p = malloc(size ? size : 1);
	char err[160], url[64];
	jsonrpc_status_t st;
	jsonrpc_ws_msg_t m;
	uint64_t q = 0;

	if (!p)
		return 0;
	memcpy(p, data, size);

	int rc = jsonrpc_parse_batch(p, size, &st, err, sizeof err);
	fuzz_clean(err, sizeof err);
	FUZZ_CHECK(rc == 0 ? err[0] == '\0' : err[0] != '\0');
	if (rc == 0) {
		FUZZ_CHECK(st.answer[JSONRPC_CHAIN_ID] == JSONRPC_OK && st.answer[JSONRPC_BLOCK_NUMBER] == JSONRPC_OK);
		FUZZ_CHECK(st.chain_id <= JSONRPC_MAX_QUANTITY && st.head <= JSONRPC_MAX_QUANTITY);
	}
	FUZZ_CHECK(st.peers <= JSONRPC_MAX_QUANTITY);
	fuzz_clean(st.client, sizeof st.client);
	for (int i = 0; i < JSONRPC__COUNT; i++)
		fuzz_clean(st.method_error[i], sizeof st.method_error[i]);

	rc = jsonrpc_parse_ws(p, size, &m, err, sizeof err);
	fuzz_clean(err, sizeof err);
	if (rc == 0) {
		FUZZ_CHECK(m.kind >= JSONRPC_WS_SUBSCRIBED && m.kind <= JSONRPC_WS_OTHER);
		FUZZ_CHECK(m.head <= JSONRPC_MAX_QUANTITY);
		fuzz_clean(m.subscription, sizeof m.subscription);
		fuzz_clean(m.error, sizeof m.error);
	}

	if (jsonrpc_parse_quantity(p, size, &q, err, sizeof err) == 0)
		FUZZ_CHECK(q <= JSONRPC_MAX_QUANTITY);
	else
		fuzz_clean(err, sizeof err);

	/* The mask never shows anything after the host. */
	char *z = malloc(size + 1);
	if (z) {
		memcpy(z, data, size);
		z[size] = '\0';
		jsonrpc_url_mask(z, url, sizeof url);
		FUZZ_CHECK(strnlen(url, sizeof url) < sizeof url);
		const char *slash = strstr(url, "://");
		if (slash && strcmp(url, "(invalid URL)") != 0) {
			const char *rest = slash + 3 + strcspn(slash + 3, "/?#");
			FUZZ_CHECK(*rest == '\0' || strcmp(rest, "/") == 0 || strcmp(rest, "/…") == 0);
		}
		free(z);
	}
	free(p);
	return 0;
}
