/* state.c - names and orderings of the health states shared by nodes,
 * indicators, groups and events. */
#include "state.h"

static const char *const state_names[STATE__COUNT] = {
	"unknown", "up", "starting", "degraded", "down",
};
static const char *const state_names_upper[STATE__COUNT] = {
	"UNKNOWN", "UP", "STARTING", "DEGRADED", "DOWN",
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
	case STATE_DOWN: return 1;
	default: return 0;
	}
}

state_t state_best(state_t a, state_t b)
{
	return state_goodness(a) >= state_goodness(b) ? a : b;
}
