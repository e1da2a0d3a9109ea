/* fuzz_health_json.c - libFuzzer target for health_parse_json (and the JSON
 * path of health_parse_any); every name and output must escape to safe text. */
#include "fuzz_health.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_health_run(data, size, health_parse_json, "application/vnd.api+json");
}
