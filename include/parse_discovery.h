/* parse_discovery.h - the parser for a node's /discovery answer (Prometheus HTTP
 * service discovery JSON, untrusted): the plugin metrics paths it lists. Pure. */
#ifndef NODETOP_PARSE_DISCOVERY_H
#define NODETOP_PARSE_DISCOVERY_H

#include <stddef.h>

#define DISCOVERY_MAX_PATHS 64    /* paths kept from one answer; more are skipped */
#define DISCOVERY_PATH_MAX  200   /* longest path accepted, in bytes */

typedef enum discovery_status {
	DISCOVERY_OK = 0,
	DISCOVERY_NOT_JSON,          /* empty, or not a JSON document */
	DISCOVERY_NOT_LIST,          /* JSON, but not the top-level array of target groups */
} discovery_status_t;

typedef struct discovery {
	/* labels.__metrics_path__ of the target groups, in their order, without
	 * duplicates and without "/metrics" (polled anyway). Each is an absolute
	 * path of at most DISCOVERY_PATH_MAX bytes of RFC 3986 path characters
	 * (printable ASCII; no space, control byte, '?', '#', '\\' or '%' outside
	 * a %XX escape), so that it is safe to append to the node's base URL. */
	char *paths[DISCOVERY_MAX_PATHS];
	size_t n;
	size_t skipped;              /* groups whose path was refused (hostile, missing, over the limit) */
} discovery_t;

/* Parses body[0..len) (need not be NUL-terminated) into *out, which is
 * overwritten (free an older one first). Whatever the status, *out is valid
 * (empty unless DISCOVERY_OK) and must be freed with discovery_free. */
discovery_status_t discovery_parse(const char *body, size_t len, discovery_t *out);
void discovery_free(discovery_t *d);

#endif
