/* parse_discovery.c - reads a node's /discovery answer (Prometheus HTTP SD JSON,
 * untrusted) into the list of plugin metrics paths to scrape; pure, no I/O. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "parse_discovery.h"
#include "xalloc.h"

static bool discovery_is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* An absolute path of RFC 3986 pchar and '/', at most DISCOVERY_PATH_MAX bytes. */
static bool discovery_path_ok(const char *p)
{
	static const char extra[] = "-._~!$&'()*+,;=:@/";
	size_t len = strlen(p);
	if (len < 2 || len > DISCOVERY_PATH_MAX || p[0] != '/')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = p[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			continue;
		if (c == '%' && discovery_is_hex(p[i + 1]) && discovery_is_hex(p[i + 2])) {
			i += 2;
			continue;
		}
		if (c == '\0' || !strchr(extra, c))
			return false;
	}
	return strcmp(p, "/metrics") != 0;
}

discovery_status_t discovery_parse(const char *body, size_t len, discovery_t *out)
{
	memset(out, 0, sizeof *out);
	if (!body || len == 0)
		return DISCOVERY_NOT_JSON;
	/* A NUL-terminated copy: cJSON releases have read past the given length
	 * on some truncated documents (see parse_health.c). */
	char *copy = xmalloc(len + 1);
	memcpy(copy, body, len);
	copy[len] = '\0';
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(copy, len, &end, false);
	/* one document: only white space after it */
	size_t off = root && end ? (size_t)(end - copy) : len;
	while (off < len && strchr(" \t\r\n", copy[off]) && copy[off])
		off++;
	free(copy);
	if (!root || off < len) {
		cJSON_Delete(root);
		return DISCOVERY_NOT_JSON;
	}
	if (!cJSON_IsArray(root)) {
		cJSON_Delete(root);
		return DISCOVERY_NOT_LIST;
	}
	const cJSON *grp;
	cJSON_ArrayForEach(grp, root) {
		const cJSON *labels = cJSON_GetObjectItemCaseSensitive(grp, "labels");
		const cJSON *mp = cJSON_GetObjectItemCaseSensitive(labels, "__metrics_path__");
		if (!cJSON_IsString(mp) || !mp->valuestring) {
			out->skipped++;
			continue;
		}
		const char *path = mp->valuestring;
		if (strcmp(path, "/metrics") == 0)
			continue;           /* the node's own /metrics, polled anyway */
		bool dup = false;
		for (size_t i = 0; i < out->n && !dup; i++)
			dup = strcmp(out->paths[i], path) == 0;
		if (dup)
			continue;
		if (!discovery_path_ok(path) || out->n == DISCOVERY_MAX_PATHS) {
			out->skipped++;
			continue;
		}
		out->paths[out->n++] = xstrdup(path);
	}
	cJSON_Delete(root);
	return DISCOVERY_OK;
}

void discovery_free(discovery_t *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->paths[i]);
	memset(d, 0, sizeof *d);
}
