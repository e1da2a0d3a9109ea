/* state.c - names and orderings of the health states shared by nodes,
 * indicators, groups and events. */
#include "state.h"

static const char *const state_names[STATE__COUNT] = {
	[STATE_UNKNOWN] = "unknown", [STATE_STANDBY] = "standby", [STATE_UP] = "up",
	[STATE_STARTING] = "starting", [STATE_DEGRADED] = "degraded", [STATE_DOWN] = "down",
};
static const char *const state_names_upper[STATE__COUNT] = {
	[STATE_UNKNOWN] = "UNKNOWN", [STATE_STANDBY] = "STANDBY", [STATE_UP] = "UP",
	[STATE_STARTING] = "STARTING", [STATE_DEGRADED] = "DEGRADED", [STATE_DOWN] = "DOWN",
};

const char *state_name(state_t s)
{
	return (unsigned)s < STATE__COUNT ? state_names[s] : "?";
}

const char *state_name_upper(state_t s)
{
	return (unsigned)s < STATE__COUNT ? state_names_upper[s] : "?";
}

/* Rank for failover groups: the member doing best decides. */
static int state_goodness(state_t s)
{
	switch (s) {
	case STATE_UP: return 4;
	case STATE_DEGRADED: return 3;
	case STATE_STARTING: return 2;
	case STATE_DOWN:
	case STATE_STANDBY: return 1;
	default: return 0;
	}
}

state_t state_best(state_t a, state_t b)
{
	return state_goodness(a) >= state_goodness(b) ? a : b;
}
