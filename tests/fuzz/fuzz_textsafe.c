/* fuzz_textsafe.c - libFuzzer target for textsafe, the one gate for untrusted
 * text: whatever the bytes, the result is terminal-safe, whole and consistent. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "textsafe.h"

/* Every byte printable (LF too when kept), ASCII only without utf8, and with
 * utf8 nothing but valid UTF-8 without C1 or invisible format characters. */
static void fuzz_assert_safe(const char *s, size_t n, bool utf8, bool keep_nl)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80) {
			FUZZ_CHECK((c >= 0x20 && c != 0x7F) || (keep_nl && c == '\n'));
			i++;
			continue;
		}
		FUZZ_CHECK(utf8);
		uint32_t cp = 0;
		size_t k = textsafe_utf8_next(s + i, n - i, &cp);
		FUZZ_CHECK(k > 1);
		FUZZ_CHECK(!textsafe_cp_hidden(cp));
		i += k;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	bool utf8 = data[0] & 1, keep_nl = data[0] & 2;
	size_t cut = data[1];
	const char *src = (const char *)data + 2;
	size_t len = size - 2;

	/* 4 * len + 1 holds the whole result: a larger buffer gives the same */
	size_t cap = 4 * len + 1;
	char *full = malloc(cap), *big = malloc(cap + 16), *part = malloc(cut + 1);
	FUZZ_CHECK(full && big && part);
	size_t n = textsafe_escape(full, cap, src, len, utf8, keep_nl);
	FUZZ_CHECK(n < cap && full[n] == '\0' && strlen(full) == n);
	FUZZ_CHECK(textsafe_escape(big, cap + 16, src, len, utf8, keep_nl) == n);
	FUZZ_CHECK(memcmp(big, full, n + 1) == 0);
	fuzz_assert_safe(full, n, utf8, keep_nl);
	if (!keep_nl)
		FUZZ_CHECK(textsafe_is_clean(full, n));

	/* a short buffer: a prefix of the whole result, cut between units */
	size_t pn = textsafe_escape(part, cut + 1, src, len, utf8, keep_nl);
	FUZZ_CHECK(pn <= cut && pn <= n && part[pn] == '\0');
	FUZZ_CHECK(memcmp(part, full, pn) == 0);
	fuzz_assert_safe(part, pn, utf8, keep_nl);

	/* clean means unchanged by the escaper */
	size_t un = textsafe_escape(big, cap, src, len, true, false);
	FUZZ_CHECK(textsafe_is_clean(src, len) == (un == len && memcmp(big, src, len) == 0));

	/* repair: valid UTF-8 out, unchanged when it was valid */
	char *rep = malloc(3 * len + 1);
	FUZZ_CHECK(rep);
	size_t rn = textsafe_utf8_repair(rep, 3 * len + 1, src, len);
	FUZZ_CHECK(rn <= 3 * len && rep[rn] == '\0');
	bool valid = true;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t k = textsafe_utf8_next(src + i, len - i, &cp);
		if (!k) {
			valid = false;
			break;
		}
		i += k;
	}
	if (valid)
		FUZZ_CHECK(rn == len && memcmp(rep, src, len) == 0);
	for (size_t i = 0; i < rn;) {
		uint32_t cp;
		size_t k = textsafe_utf8_next(rep + i, rn - i, &cp);
		FUZZ_CHECK(k > 0);
		i += k;
	}
	free(rep);
	free(full);
	free(big);
	free(part);
	return 0;
}
