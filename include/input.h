/* input.h - keys and mouse of the dashboard: they change the view state, or ask
 * whoever runs it (quit, acknowledge, copy); they never write the model. */
#ifndef NODETOP_INPUT_H
#define NODETOP_INPUT_H

#include <wchar.h>

#include "view.h"

/* One key read by wget_wch: is_key when it is a KEY_* code. */
void input_key(view_t *v, int is_key, wint_t ch);
/* A mouse event is waiting (KEY_MOUSE): reads and handles it. */
void input_mouse(view_t *v);

#endif
