/* fuzz_check.h - the check every fuzz target uses: a failed promise is printed
 * with its file, line and condition, then abort() makes libFuzzer keep the input. */
#ifndef NODETOP_FUZZ_CHECK_H
#define NODETOP_FUZZ_CHECK_H
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond) do { \
		if (!(cond)) { \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

#endif
