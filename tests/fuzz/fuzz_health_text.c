/* fuzz_health_text.c - libFuzzer target for health_parse_text (and the text
 * path of health_parse_any); every name and output must escape to safe text. */
#include "fuzz_health.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_health_run(data, size, health_parse_text, "text/plain; charset=utf-8");
}
