/* frame.h - the frame builder: windows made from the layout, each dirty one erased, drawn
 * by its panel and refreshed, the overlays on top, then one doupdate(). */
#ifndef NODETOP_FRAME_H
#define NODETOP_FRAME_H

#include "render.h"
#include "view.h"

typedef enum frame_win {
	WIN_HEADER = 0,
	WIN_NODES,
	WIN_CHECKS,
	WIN_CHARTS,
	WIN_EVENTS,
	WIN_FOOTER,
	WIN_RULES,                   /* the detail view's alert rules */
	WIN__COUNT
} frame_win_t;

/* Draws one panel into its (erased) window. */
typedef void (*frame_draw_fn)(view_t *v, WINDOW *w);

/* The panels a frame is made of; whoever runs the screen hands them in,
 * so the builder knows no panel by name (htop's Meter classes). */
typedef struct frame_panels {
	frame_draw_fn header, footer;
	frame_draw_fn nodes;         /* main view */
	frame_draw_fn node_detail;   /* the detail view's facts, in the nodes window */
	frame_draw_fn checks, charts, events;
	frame_draw_fn help;          /* the overlay */
	void (*help_size)(const view_t *v, int *h, int *w);
	frame_draw_fn prompt;        /* the acknowledge prompt, over the last row */
	frame_draw_fn too_small;
	frame_draw_fn kiosk;         /* the kiosk's one window */
	frame_draw_fn rules;         /* the detail view's alert rules of the node */
} frame_panels_t;

/* The windows of the current layout. */
typedef struct frame {
	WINDOW *win[WIN__COUNT];
	WINDOW *help;                /* overlay, NULL when closed */
	WINDOW *prompt;              /* the prompt's overlay on the last row */
	WINDOW *kwin;                /* the kiosk's one window, moved by the burn-in shift */
} frame_t;

/* Builds one frame of v: remakes the windows when the layout changed, draws the
 * dirty ones with p, the overlays, then doupdate(); counts it in v->frames. */
void frame_draw(frame_t *f, view_t *v, const frame_panels_t *p);
/* Deletes every window. */
void frame_free(frame_t *f);

#endif
