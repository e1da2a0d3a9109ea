/* fuzz_discovery.c - libFuzzer target for the /discovery parser: arbitrary bytes
 * in an exact-size buffer (ASan catches over-reads), checking every path it keeps. */
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "parse_discovery.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the poller relies on when it appends a path to the node's URL. */
static void fuzz_check_path(const char *p)
{
	size_t len = strlen(p);
	FUZZ_CHECK(len >= 2 && len <= DISCOVERY_PATH_MAX && p[0] == '/');
	FUZZ_CHECK(strcmp(p, "/metrics") != 0);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];
		FUZZ_CHECK(c > 0x20 && c < 0x7f);
		FUZZ_CHECK(!strchr("?#\\\"<>{}|^` ", c));
		if (c == '%')
			FUZZ_CHECK(i + 2 < len && isxdigit((unsigned char)p[i + 1]) && isxdigit((unsigned char)p[i + 2]));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	discovery_t d;
	discovery_status_t st = discovery_parse(buf, size, &d);
	FUZZ_CHECK(st == DISCOVERY_OK || st == DISCOVERY_NOT_JSON || st == DISCOVERY_NOT_LIST);
	FUZZ_CHECK(st == DISCOVERY_OK || (d.n == 0 && d.skipped == 0));
	FUZZ_CHECK(d.n <= DISCOVERY_MAX_PATHS);
	for (size_t i = 0; i < d.n; i++) {
		fuzz_check_path(d.paths[i]);
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(d.paths[i], d.paths[j]) != 0);
	}
	/* the same bytes give the same answer */
	discovery_t again;
	FUZZ_CHECK(discovery_parse(buf, size, &again) == st && again.n == d.n && again.skipped == d.skipped);
	for (size_t i = 0; i < d.n; i++)
		FUZZ_CHECK(strcmp(d.paths[i], again.paths[i]) == 0);
	discovery_free(&again);
	discovery_free(&d);
	FUZZ_CHECK(d.n == 0);
	free(buf);
	return 0;
}
