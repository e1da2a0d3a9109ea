/* jsontext.c - untrusted bytes as a cJSON string (invalid UTF-8 repaired), for the report,
 * the endpoint lists and notification bodies alike. */
#include <stdlib.h>
#include <string.h>

#include "jsontext.h"
#include "textsafe.h"
#include "xalloc.h"

cJSON *jsontext_str(const char *s)
{
	if (!s)
		return cJSON_CreateNull();
	size_t len = strlen(s);
	char local[512];
	size_t cap = len * 3 + 1;
	char *buf = cap <= sizeof local ? local : xmalloc(cap);
	textsafe_utf8_repair(buf, cap, s, len);
	cJSON *j = cJSON_CreateString(buf);
	if (buf != local)
		free(buf);
	if (!j)
		abort();
	return j;
}
