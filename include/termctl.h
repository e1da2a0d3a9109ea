/* termctl.h - what the dashboard writes to the terminal between frames, past curses:
 * the bell and the title (OSC 2 or terminfo's status line) on transitions, OSC 52 copies. */
#ifndef NODETOP_TERMCTL_H
#define NODETOP_TERMCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "view.h"

/* At most one bell and one title change per this long (NODETOP_ALERT_MIN_MS overrides). */
#define TERMCTL_ALERT_MIN_MS 30000
/* The summary copied with y is cut at this size. */
#define TERMCTL_COPY_MAX (64 * 1024)

typedef struct termctl {
	bool bell, title;            /* wanted: alerts on transitions into degraded/down */
	int64_t alert_min_ms;        /* at most one bell and one title per this */
	uint64_t last_event_seq;     /* events already looked at for alerts */
	bool alerts_armed;           /* after the first poll round: the first title says how things are */
	bool title_due;              /* the status line changed by a transition: set the title */
	bool bell_due;
	int64_t last_bell_ms, last_title_ms;
	const char *title_pre, *title_post;  /* NULL: this terminal has no title */
	char title_last[256];        /* the title last written */
	char *osc52;                 /* OSC 52 sequence to write after the next frame */
	size_t osc52_len;
} termctl_t;

/* Needs curses' terminal set up (reads terminfo); seq: events already seen. */
/* True when the current terminal (after newterm) can move the cursor (terminfo
 * "cup"): TERM=dumb and the like cannot draw a dashboard. */
bool termctl_can_address(void);
void termctl_init(termctl_t *tc, bool bell, bool title, int64_t alert_min_ms, uint64_t seq);
void termctl_free(termctl_t *tc);
/* After doupdate(): the bell, the terminal title and an OSC 52 copy, between frames. */
void termctl_after_frame(termctl_t *tc, const view_t *v);
/* y: puts the incident summary on the clipboard (OSC 52) after the next frame, and says so. */
void termctl_copy_summary(termctl_t *tc, view_t *v);

#endif
