/* jsontext.h - untrusted text (what nodes, endpoints and configs say) as a cJSON string:
 * the one gate every JSON output passes such text through. Pure: no libuv, curl or curses. */
#ifndef NODETOP_JSONTEXT_H
#define NODETOP_JSONTEXT_H

#include <cJSON.h>

/* s as a cJSON string, invalid UTF-8 replaced by U+FFFD (cJSON escapes the control
 * characters itself); NULL gives a JSON null. Aborts when out of memory. */
cJSON *jsontext_str(const char *s);

#endif
