/* textsafe.h - makes untrusted text (from nodes) safe to show on a terminal:
 * control bytes, escape sequences and invalid UTF-8 become visible escapes. */
#ifndef NODETOP_TEXTSAFE_H
#define NODETOP_TEXTSAFE_H

#include <stdbool.h>
#include <stddef.h>

/* Writes a printable copy of src[0..len) into dst (capacity dstsz, always
 * NUL-terminated, truncated on a character boundary). C0 controls, DEL and C1
 * controls become "\xNN" (TAB -> "\t", LF -> "\n" unless keep_newlines, in
 * which case LF is kept as a line break); invalid UTF-8 bytes become "\xNN";
 * valid multi-byte UTF-8 is copied when utf8 is true, else escaped as "\u{XXXX}".
 * Returns the length written. */
size_t textsafe_escape(char *dst, size_t dstsz, const char *src, size_t len,
                       bool utf8, bool keep_newlines);

/* True when s[0..len) holds no byte that textsafe_escape would change (with utf8). */
bool textsafe_is_clean(const char *s, size_t len);

#endif
