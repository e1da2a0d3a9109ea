/* fuzz_buckets.c - libFuzzer target for the decoder of stored bucket chunks
 * (a history file is untrusted input): what decodes re-encodes to the same. */
#include <stdint.h>
#include <string.h>

#include "buckets.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	int n = data[0] % 61;
	bucket_res_t res = (bucket_res_t)(data[1] % BUCKET__NRES);
	int64_t len = buckets_len_ms(res);
	bucket_t b[60], again[60];
	if (!buckets_decode(data + 2, size - 2, b, n, len))
		return 0;
	for (int i = 0; i < n; i++) {
		FUZZ_CHECK(buckets_seen_ms(&b[i]) <= (uint64_t)len);
		hstate_t w = buckets_worst(&b[i]);
		FUZZ_CHECK(w == HS_NOT_WATCHED || (w >= 0 && w < HS__COUNT && b[i].ms[w] > 0));
		double pct;
		if (buckets_percent(&b[i], &pct))
			FUZZ_CHECK(pct >= 0 && pct <= 100);
	}
	uint8_t enc[BUCKETS_ENCODE_MAX(60)];
	size_t m = buckets_encode(b, n, enc, sizeof enc);
	FUZZ_CHECK(m > 0);
	if (data[2] == 2)   /* format 2, the one written: runs are maximal, never longer than the input
	                     * (format-1 rows gain their observed span when written again) */
		FUZZ_CHECK(m <= size - 2);
	FUZZ_CHECK(buckets_decode(enc, m, again, n, len));
	FUZZ_CHECK(memcmp(b, again, (size_t)n * sizeof *b) == 0);
	return 0;
}
