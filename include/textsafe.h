/* textsafe.h - makes untrusted text (from nodes) safe to show on a terminal:
 * control bytes, escape sequences and invalid UTF-8 become visible escapes. */
#ifndef NODETOP_TEXTSAFE_H
#define NODETOP_TEXTSAFE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* The valid UTF-8 character at s[0..len): its length (1 for ASCII, 2..4) and
 * *cp, or 0 when s[0] starts no strictly valid sequence (overlongs, surrogates,
 * above U+10FFFF, stray continuation bytes, truncation). */
size_t textsafe_utf8_next(const char *s, size_t len, uint32_t *cp);

/* True for a code point that must not reach a terminal raw even as valid
 * UTF-8: C1 controls (U+0080..U+009F) and the invisible format characters
 * (bidi controls, zero-width characters, separators, BOM, tags). */
bool textsafe_cp_hidden(uint32_t cp);

/* Copies src[0..len) into dst (capacity dstsz, always NUL-terminated), each
 * byte of invalid UTF-8 replaced by U+FFFD, so that the result is valid UTF-8
 * (for JSON strings). 3 * len + 1 bytes always hold the whole result; a
 * shorter dst truncates on a character boundary. Returns the length written. */
size_t textsafe_utf8_repair(char *dst, size_t dstsz, const char *src, size_t len);

#endif
