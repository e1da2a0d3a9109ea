/* xalloc.c - allocation wrappers that abort with a message on failure.
 * Out of memory is not a state nodetop can show anything useful in. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static void xalloc_fail(size_t n)
{
	fprintf(stderr, "nodetop: out of memory (%zu bytes)\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		xalloc_fail(n);
	return p;
}

void *xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);
	if (!p)
		xalloc_fail(count * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		xalloc_fail(n);
	return q;
}

static void *xgrow_from(void *p, size_t *cap, size_t need, size_t elem, size_t first)
{
	if (need <= *cap)
		return p;
	size_t c = *cap ? *cap : first;
	while (c < need)
		c *= 2;
	if (c > (size_t)-1 / elem)
		xalloc_fail((size_t)-1);
	p = xrealloc(p, c * elem);
	*cap = c;
	return p;
}

void *xgrow(void *p, size_t *cap, size_t need, size_t elem)
{
	return xgrow_from(p, cap, need, elem, 8);
}

void *xgrow_few(void *p, size_t *cap, size_t need, size_t elem)
{
	return xgrow_from(p, cap, need, elem, 1);
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		xalloc_fail(0);
	char *p = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}
