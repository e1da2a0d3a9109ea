/* demo.h - `nodetop --demo`: starts nodetop-sim as a child on free loopback
 * ports with a primary/standby pair, a database outage and a starting node. */
#ifndef NODETOP_DEMO_H
#define NODETOP_DEMO_H

#include <sys/types.h>

#include "settings.h"

/* Starts the simulator (sim_path, or nodetop-sim beside this program, or in
 * PATH) and adds its nodes to s. Returns the child's pid, or -1 with err set. */
pid_t demo_start(settings_t *s, const char *sim_path, char *err, size_t errlen);
/* Stops the child and waits for it. */
void demo_stop(pid_t pid);

#endif
