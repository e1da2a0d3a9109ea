/* notify.h - notifications (placeholder). */
#ifndef NODETOP_NOTIFY_H
#define NODETOP_NOTIFY_H
#endif
