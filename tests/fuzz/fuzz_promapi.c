/* fuzz_promapi.c - libFuzzer target for the Prometheus HTTP API parser (query answers and
 * targets): every text handed out is printable, every count within the limits. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "parse_promapi.h"
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
	if (!p)
		return 0;
	memcpy(p, data, size);

	promapi_result_t r;
	int rc = promapi_parse(p, size, &r);
	FUZZ_CHECK(rc == 0 ? r.ok : !r.ok && r.error[0] != '\0');
	fuzz_clean(r.error, sizeof r.error);
	fuzz_clean(r.error_type, sizeof r.error_type);
	fuzz_clean(r.warning, sizeof r.warning);
	FUZZ_CHECK(r.nseries <= PROMAPI_MAX_SERIES);
	for (size_t i = 0; i < r.nseries; i++) {
		FUZZ_CHECK(r.series[i].n <= PROMAPI_MAX_POINTS);
		FUZZ_CHECK(r.series[i].nlabels <= PROMAPI_MAX_LABELS);
		for (size_t k = 0; k < r.series[i].n; k++)
			FUZZ_CHECK(r.series[i].ts_ms[k] >= 0 && r.series[i].ts_ms[k] <= INT64_C(100000000000000));
		for (size_t k = 0; k < r.series[i].nlabels; k++)
			FUZZ_CHECK(strlen(r.series[i].labels[k].value) <= PROMAPI_MAX_LABEL_LEN);
	}
	promapi_result_free(&r);

	promapi_targets_t t;
	rc = promapi_parse_targets(p, size, &t);
	FUZZ_CHECK(rc == 0 ? t.ok : !t.ok && t.error[0] != '\0');
	fuzz_clean(t.error, sizeof t.error);
	for (size_t i = 0; i < t.n; i++) {
		fuzz_clean(t.t[i].health, sizeof t.t[i].health);
		fuzz_clean(t.t[i].last_error, sizeof t.t[i].last_error);
		fuzz_clean(t.t[i].scrape_url, sizeof t.t[i].scrape_url);
	}
	promapi_targets_free(&t);
	free(p);
	return 0;
}
