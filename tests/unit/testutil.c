/* testutil.c - helpers shared by the unit tests: reading test data, fake poll results (what
 * the poller hands the model), a node builder and text checks; see testutil.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"
#include "xalloc.h"

#include "tests/unit/testdata.h"   /* TESTDATA, made by make */

char *tu_slurp(const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", TESTDATA, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	size_t cap = 4096, n = 0, k;
	char *buf = xmalloc(cap);
	while ((k = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += k;
		if (cap - n - 1 == 0) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

probe_result_t tu_result(size_t node, probe_kind_t kind, long status, const char *ct,
                         const char *body, size_t len, int64_t t)
{
	probe_result_t r;
	memset(&r, 0, sizeof r);
	r.node = node;
	r.kind = kind;
	r.path = kind == PROBE_HEALTH ? "/health" : kind == PROBE_METRICS ? "/metrics"
	       : kind == PROBE_DISCOVERY ? "/discovery" : "/plugins/evm.1/metrics";
	r.ok = 1;
	r.http_status = status;
	r.content_type = ct;
	r.body = body ? body : "";
	r.len = body ? len : 0;
	r.scheduled_ms = t - 50;
	r.started_ms = t - 40;
	r.done_ms = t;
	r.latency_ms = kind == PROBE_HEALTH ? TU_HEALTH_LATENCY : TU_METRICS_LATENCY;
	return r;
}

model_next_t tu_feed(model_t *m, size_t node, probe_kind_t kind, long status, const char *ct,
                     const char *body, size_t len, int64_t t)
{
	probe_result_t r = tu_result(node, kind, status, ct, body, len, t);
	return model_apply(m, &r);
}

probe_error_t tu_error_class(const char *error)
{
	if (!error)
		return PROBE_ERR_OTHER;
	if (strcmp(error, "connection refused") == 0)
		return PROBE_ERR_REFUSED;
	if (strstr(error, "timed out"))
		return PROBE_ERR_TIMEOUT;
	if (strncmp(error, "TLS:", 4) == 0)
		return PROBE_ERR_TLS;
	if (strncmp(error, "cannot resolve", 14) == 0)
		return PROBE_ERR_DNS;
	if (strncmp(error, "connection reset", 16) == 0 || strcmp(error, "empty reply from server") == 0)
		return PROBE_ERR_RESET;
	if (strncmp(error, "body larger", 11) == 0)
		return PROBE_ERR_TOO_BIG;
	return PROBE_ERR_OTHER;
}

model_next_t tu_feed_error(model_t *m, size_t node, probe_kind_t kind, const char *error, int64_t t)
{
	probe_result_t r = tu_result(node, kind, 0, NULL, "", 0, t);
	r.ok = 0;
	r.error = error;
	r.error_class = tu_error_class(error);
	return model_apply(m, &r);
}

size_t tu_add_node(model_t *m, const char *name, const char *group, int64_t interval_ms)
{
	char url[128];
	snprintf(url, sizeof url, "http://%s.example:6688", name);
	return model_add_node(m, name, url, group, interval_ms);
}

void tu_assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("expected to find\n  [%s]\nin\n%s", needle, hay);
}

void tu_assert_not_contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle))
		fail_msg("did not expect\n  [%s]\nin\n%s", needle, hay);
}
