/* promapi_ref.h - the former cJSON implementation of promapi_parse (tests and benchmark only):
 * same contract as promapi_parse, results freed with ref_promapi_result_free. */
#ifndef NODETOP_PROMAPI_REF_H
#define NODETOP_PROMAPI_REF_H

#include "parse_promapi.h"

int ref_promapi_parse(const char *body, size_t len, promapi_result_t *r);
void ref_promapi_result_free(promapi_result_t *r);

#endif
