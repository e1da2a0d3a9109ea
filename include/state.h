/* state.h - the health states shared by nodes, indicators, groups, buckets
 * and events, ordered by severity so that "worst wins" is a max(). */
#ifndef NODETOP_STATE_H
#define NODETOP_STATE_H

#include <stdbool.h>

typedef enum state {
	STATE_UNKNOWN = 0,  /* nodetop could not see: never counted as down */
	STATE_UP,
	STATE_STARTING,     /* node only: HTTP 204 from the start-up server; counts as available */
	STATE_DEGRADED,     /* counts as available */
	STATE_DOWN,
	STATE__COUNT
} state_t;

/* "unknown", "up", "starting", "degraded", "down" */
const char *state_name(state_t s);
/* Upper case for reports: "UNKNOWN", "UP", ... */
const char *state_name_upper(state_t s);
static inline state_t state_worst(state_t a, state_t b) { return a > b ? a : b; }
/* Up, degraded or starting: the node serves (counts as available in uptime). */
static inline bool state_available(state_t s)
{
	return s == STATE_UP || s == STATE_DEGRADED || s == STATE_STARTING;
}
/* Best state among members for failover groups: up beats degraded/starting beats down beats unknown. */
state_t state_best(state_t a, state_t b);

#endif
