/* notify.c - notifications (placeholder)
 * . */
#include "notify.h"
int notify_placeholder_;
