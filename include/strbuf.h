/* strbuf.h - a growable byte buffer (always NUL-terminated) used for HTTP
 * bodies, reports and JSON output. Pure: no libuv, curl or curses. */
#ifndef NODETOP_STRBUF_H
#define NODETOP_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct strbuf {
	char *data;    /* NUL-terminated; NULL until the first append */
	size_t len;
	size_t cap;
} strbuf_t;

#define STRBUF_INIT { NULL, 0, 0 }

void strbuf_append(strbuf_t *sb, const void *p, size_t n);
void strbuf_puts(strbuf_t *sb, const char *s);
void strbuf_putc(strbuf_t *sb, char c);
void strbuf_printf(strbuf_t *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vprintf(strbuf_t *sb, const char *fmt, va_list ap);
void strbuf_reset(strbuf_t *sb);            /* len = 0, keeps memory */
void strbuf_free(strbuf_t *sb);
/* Returns a pointer to the contents ("" when empty), never NULL. */
const char *strbuf_str(const strbuf_t *sb);

/* Writes a printf-style message into a caller's fixed error buffer (err may
 * be NULL or errlen 0: then nothing is written). The parsers' "err, errlen". */
void strbuf_seterr(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
