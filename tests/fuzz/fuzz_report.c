/* fuzz_report.c - libFuzzer target for the report writers: a model built from
 * fuzzed /health and /metrics bodies and a fuzzed node name, then --once JSON
 * (must parse, no raw control or invisible characters), text, summary, status
 * line and event lines (terminal-safe), all agreeing with model_status. */
#include <cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "model.h"
#include "report.h"
#include "textsafe.h"

#define T0 1795514400000LL

/* No C0 (bar LF when allowed), no DEL, valid UTF-8, no C1 or invisible characters. */
static void fuzz_assert_terminal_safe(const char *s, size_t n, bool allow_lf)
{
	for (size_t i = 0; i < n;) {
		uint32_t cp = 0;
		size_t k = textsafe_utf8_next(s + i, n - i, &cp);
		FUZZ_CHECK(k > 0);
		if (cp < 0x80)
			FUZZ_CHECK((cp >= 0x20 && cp != 0x7F) || (allow_lf && cp == '\n'));
		else
			FUZZ_CHECK(!textsafe_cp_hidden(cp));
		i += k;
	}
}

/* The next part of the input, up to a NUL byte (or the end). */
static const char *fuzz_part(const uint8_t **p, const uint8_t *end, size_t *len)
{
	const uint8_t *s = *p, *z = memchr(s, 0, (size_t)(end - s));
	*len = (size_t)((z ? z : end) - s);
	*p = z ? z + 1 : end;
	return (const char *)s;
}

static void fuzz_apply(model_t *m, size_t node, probe_kind_t kind, long status, const char *ct,
                       const char *body, size_t len, int64_t t)
{
	probe_result_t r;
	memset(&r, 0, sizeof r);
	r.node = node;
	r.kind = kind;
	r.path = kind == PROBE_HEALTH ? "/health" : "/metrics";
	r.ok = status != 0;
	r.http_status = status;
	r.content_type = ct;
	r.body = body;
	r.len = len;
	r.error = status ? NULL : body;   /* an error text is untrusted too (curl's buffer) */
	r.done_ms = t;
	r.latency_ms = 12;
	model_apply(m, &r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 207, 204, 503, 0, 200, 200, 404 };
	if (size < 2)
		return 0;
	uint8_t flags = data[0];
	const uint8_t *p = data + 1, *end = data + size;
	size_t hlen, mlen, nlen;
	const char *h = fuzz_part(&p, end, &hlen);
	const char *mb = fuzz_part(&p, end, &mlen);
	const char *nm = fuzz_part(&p, end, &nlen);
	/* NUL-terminated copies: the poller hands the model terminated bodies */
	char *hb = strndup(h, hlen), *mbb = strndup(mb, mlen), *name = strndup(nm, nlen);
	FUZZ_CHECK(hb && mbb && name);

	model_t m;
	model_init(&m, NULL);
	model_add_node(&m, name, "http://user:secret@127.0.0.1:6688", NULL, 5000);
	model_add_node(&m, "primary", "http://127.0.0.1:6689", name, 5000);
	model_add_node(&m, "standby", "http://127.0.0.1:6690", name, 5000);
	const char *ct = flags & 8 ? "text/plain" : "application/vnd.api+json";
	for (int round = 0; round < 2; round++) {
		int64_t t = T0 + round * 5000;
		for (size_t i = 0; i < 3; i++) {
			long st = statuses[(flags >> (i + round)) & 7];
			fuzz_apply(&m, i, PROBE_HEALTH, st, ct, hb, hlen, t);
			fuzz_apply(&m, i, PROBE_METRICS, (flags & 0x40) && i ? 0 : 200, "text/plain", mbb, mlen, t);
		}
		model_tick(&m, t + 1000);
	}
	int64_t now = T0 + ((flags & 0x80) ? 60000 : 7000);   /* stale or not */
	model_tick(&m, now);
	model_status_t st = model_status(&m, now);
	FUZZ_CHECK((int)st.severity >= 0 && st.severity <= SEV_UNKNOWN);
	FUZZ_CHECK(st.up + st.degraded + st.starting + st.down + st.unknown == st.nodes);

	strbuf_t out = STRBUF_INIT;
	report_json(&out, &m, now);
	cJSON *root = cJSON_ParseWithLength(out.data, out.len);
	FUZZ_CHECK(root);
	cJSON *code = cJSON_GetObjectItemCaseSensitive(root, "exit_code");
	FUZZ_CHECK(cJSON_IsNumber(code) && (int)code->valuedouble == (int)st.severity);
	FUZZ_CHECK(strstr(out.data, "secret") == NULL || strstr(name, "secret") || strstr(hb, "secret") ||
	           strstr(mbb, "secret"));
	cJSON_Delete(root);
	fuzz_assert_terminal_safe(out.data, out.len, false);

	out.len = 0;
	report_text(&out, &m, now);
	fuzz_assert_terminal_safe(out.data, out.len, true);
	out.len = 0;
	report_summary(&out, &m, now, 50);
	fuzz_assert_terminal_safe(out.data, out.len, true);
	for (int u = 0; u < 2; u++) {
		out.len = 0;
		report_status_line(&out, &m, now, u);
		fuzz_assert_terminal_safe(out.data, out.len, false);
	}
	for (size_t i = 0; i < m.events.len; i++) {
		const event_t *e = eventlog_get(&m.events, i);
		out.len = 0;
		report_event_line(&out, e);
		fuzz_assert_terminal_safe(out.data, out.len, false);
		out.len = 0;
		report_event_json(&out, e);
		cJSON *j = cJSON_ParseWithLength(out.data, out.len);
		FUZZ_CHECK(j);
		cJSON_Delete(j);
		fuzz_assert_terminal_safe(out.data, out.len, false);
	}
	strbuf_free(&out);
	model_free(&m);
	free(hb);
	free(mbb);
	free(name);
	return 0;
}
