/* clock.h - the one wall clock every module reads "now" from, in milliseconds
 * since the Unix epoch (CLOCK_REALTIME). Pure base layer: no libuv, curl or curses. */
#ifndef NODETOP_CLOCK_H
#define NODETOP_CLOCK_H

#include <stdint.h>

/* Wall-clock now in ms (CLOCK_REALTIME, truncated to the ms): timestamps that are
 * stored, shown or compared with other machines' times. Loop timing (timers,
 * deadlines) stays on uv_now(), which is monotonic. */
int64_t clock_wall_ms(void);

#endif
