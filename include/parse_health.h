/* parse_health.h - parsers for a Chainlink node's /health body: the JSON:API
 * document (application/vnd.api+json) and the text variant (/health.txt). */
#ifndef NODETOP_PARSE_HEALTH_H
#define NODETOP_PARSE_HEALTH_H

#include <stddef.h>

typedef enum check_status {
	CHECK_UNKNOWN = 0,  /* "?  NAME" in text, or any status word we do not know */
	CHECK_PASSING,
	CHECK_FAILING,
} check_status_t;

typedef struct health_check {
	char *name;          /* raw bytes from the node (untrusted; escape before display) */
	check_status_t status;
	char *output;        /* "" when none; may hold several lines */
} health_check_t;

typedef struct health_report {
	health_check_t *checks;   /* sorted by name (strcmp) after a successful parse */
	size_t n;
	size_t cap;
	size_t nfailing;
} health_report_t;

#define HEALTH_REPORT_INIT { NULL, 0, 0, 0 }

/* Each returns 0 on success, -1 with a specific message in err (e.g.
 * "invalid JSON at byte 12", "JSON: \"data\" is not an array",
 * "text line 3: expected 'ok', '!' or '?'") and an empty report. */
int health_parse_json(const char *body, size_t len, health_report_t *out, char *err, size_t errlen);
int health_parse_text(const char *body, size_t len, health_report_t *out, char *err, size_t errlen);
/* Chooses by content type (may be NULL) and by sniffing the first
 * non-blank byte ('{' -> JSON, 'ok'/'!'/'?'/'-' -> text, '<' -> "HTML, not a health document"). */
int health_parse_any(const char *content_type, const char *body, size_t len,
                     health_report_t *out, char *err, size_t errlen);

void health_report_free(health_report_t *r);
const char *check_status_name(check_status_t s);   /* "passing", "failing", "unknown" */

#endif
