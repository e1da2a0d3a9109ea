/* strbuf.c - a growable NUL-terminated byte buffer for bodies, reports and
 * JSON; appends never fail (allocation aborts through xalloc). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "xalloc.h"

static void strbuf_reserve(strbuf_t *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;
	if (need > sb->cap)
		sb->data = xgrow(sb->data, &sb->cap, need, 1);
}

void strbuf_append(strbuf_t *sb, const void *p, size_t n)
{
	strbuf_reserve(sb, n);
	if (n)
		memcpy(sb->data + sb->len, p, n);
	sb->len += n;
	sb->data[sb->len] = '\0';
}

void strbuf_puts(strbuf_t *sb, const char *s)
{
	strbuf_append(sb, s, strlen(s));
}

void strbuf_putc(strbuf_t *sb, char c)
{
	strbuf_append(sb, &c, 1);
}

void strbuf_vprintf(strbuf_t *sb, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n <= 0)
		return;
	strbuf_reserve(sb, (size_t)n);
	vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
}

void strbuf_printf(strbuf_t *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strbuf_vprintf(sb, fmt, ap);
	va_end(ap);
}

void strbuf_reset(strbuf_t *sb)
{
	sb->len = 0;
	if (sb->data)
		sb->data[0] = '\0';
}

void strbuf_free(strbuf_t *sb)
{
	free(sb->data);
	sb->data = NULL;
	sb->len = sb->cap = 0;
}

const char *strbuf_str(const strbuf_t *sb)
{
	return sb->data ? sb->data : "";
}

void strbuf_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
