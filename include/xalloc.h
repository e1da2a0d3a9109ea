/* xalloc.h - allocation wrappers that abort with a message on failure,
 * so that callers never handle out-of-memory by hand (htop's XUtils style). */
#ifndef NODETOP_XALLOC_H
#define NODETOP_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
/* Grows an array of *cap elements of size elem so that it holds at least need. */
void *xgrow(void *p, size_t *cap, size_t need, size_t elem);
/* The same for big elements that a node mostly has one or two of (its chains, its rules'
 * counters): the first allocation holds one, not xgrow's 8 (5 KB a node of a 10 000-node fleet). */
void *xgrow_few(void *p, size_t *cap, size_t need, size_t elem);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a new heap string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
