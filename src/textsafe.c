/* textsafe.c - the one gate between network bytes and the terminal: escapes
 * controls, invalid UTF-8 and invisible/bidi format characters, byte-exactly. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "textsafe.h"

/*
 * What becomes what (one "unit" per input character):
 *   printable ASCII 0x20..0x7E, backslash included  -> itself
 *   TAB, CR                                          -> "\t", "\r"
 *   LF                                               -> "\n" (two bytes), or a
 *                                                       real LF with keep_newlines
 *   other C0 (ESC too), DEL                          -> "\xNN" (lowercase hex)
 *   C1 controls U+0080..U+009F (C2 80..C2 9F)        -> "\xNN" of the code point
 *   format characters (see textsafe_is_format)       -> "\u{XXXX}"
 *   other valid UTF-8 sequences                      -> copied (utf8) or "\u{XXXX}"
 *   each byte of invalid UTF-8                       -> "\xNN"
 * A unit is written whole or not at all, so a truncated result never ends in
 * half an escape or half a character. The longest unit is 10 bytes
 * ("\u{10FFFF}") for 4 input bytes, and every unit is at most 4 bytes per
 * input byte, so 4 * len + 1 bytes always hold the whole result.
 */

#define TEXTSAFE_UNIT_MAX 16

/* Invisible characters that can reorder, hide or fake text on a terminal
 * line: every Unicode Bidi_Control character, zero-width characters, line
 * and paragraph separators, invisible operators, the BOM, interlinear
 * annotation marks and the tag characters. */
static bool textsafe_is_format(unsigned cp)
{
	return cp == 0x00AD ||                      /* soft hyphen */
	       cp == 0x061C ||                      /* Arabic letter mark (bidi) */
	       cp == 0x180E ||                      /* Mongolian vowel separator */
	       (cp >= 0x200B && cp <= 0x200F) ||    /* ZWSP, ZWNJ, ZWJ, LRM, RLM */
	       (cp >= 0x2028 && cp <= 0x202E) ||    /* LS, PS, LRE..RLO */
	       (cp >= 0x2060 && cp <= 0x2064) ||    /* word joiner, invisible operators */
	       (cp >= 0x2066 && cp <= 0x206F) ||    /* LRI..PDI, deprecated format */
	       cp == 0xFEFF ||                      /* BOM / ZWNBSP */
	       (cp >= 0xFFF9 && cp <= 0xFFFB) ||    /* interlinear annotation */
	       cp == 0xE0001 || (cp >= 0xE0020 && cp <= 0xE007F); /* tags */
}

/* Decodes one strictly valid UTF-8 sequence (no overlongs, no surrogates,
 * nothing above U+10FFFF) at s[0..len). Returns its length (2..4) and sets
 * *cp, or 0 when s[0] does not start a valid multi-byte sequence. */
static size_t textsafe_decode(const unsigned char *s, size_t len, unsigned *cp)
{
	unsigned char b = s[0];
	size_t n;
	unsigned c;
	unsigned char lo = 0x80, hi = 0xBF;   /* allowed range of the 2nd byte */

	if (b >= 0xC2 && b <= 0xDF) {
		n = 2;
		c = b & 0x1Fu;
	} else if (b >= 0xE0 && b <= 0xEF) {
		n = 3;
		c = b & 0x0Fu;
		if (b == 0xE0)
			lo = 0xA0;        /* overlong below U+0800 */
		else if (b == 0xED)
			hi = 0x9F;        /* surrogates D800..DFFF */
	} else if (b >= 0xF0 && b <= 0xF4) {
		n = 4;
		c = b & 0x07u;
		if (b == 0xF0)
			lo = 0x90;        /* overlong below U+10000 */
		else if (b == 0xF4)
			hi = 0x8F;        /* above U+10FFFF */
	} else {
		return 0;                 /* ASCII, continuation, C0, C1, F5..FF */
	}
	if (len < n)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	c = (c << 6) | (s[1] & 0x3Fu);
	for (size_t i = 2; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3Fu);
	}
	*cp = c;
	return n;
}

/* Computes the unit for the character at s[0..len): writes it into unit
 * (not NUL-terminated), sets *ulen and returns how many input bytes it
 * consumes (at least 1). */
static size_t textsafe_unit(const unsigned char *s, size_t len, bool utf8, bool keep_newlines,
                            char *unit, size_t *ulen)
{
	unsigned char b = s[0];
	unsigned cp;
	size_t n;

	if (b >= 0x20 && b < 0x7F) {
		unit[0] = (char)b;
		*ulen = 1;
		return 1;
	}
	if (b < 0x80) {
		switch (b) {
		case '\t':
			memcpy(unit, "\\t", 2);
			*ulen = 2;
			break;
		case '\r':
			memcpy(unit, "\\r", 2);
			*ulen = 2;
			break;
		case '\n':
			if (keep_newlines) {
				unit[0] = '\n';
				*ulen = 1;
			} else {
				memcpy(unit, "\\n", 2);
				*ulen = 2;
			}
			break;
		default:                  /* other C0, ESC, DEL */
			*ulen = (size_t)snprintf(unit, TEXTSAFE_UNIT_MAX, "\\x%02x", b);
			break;
		}
		return 1;
	}
	n = textsafe_decode(s, len, &cp);
	if (n == 0) {                     /* one invalid byte */
		*ulen = (size_t)snprintf(unit, TEXTSAFE_UNIT_MAX, "\\x%02x", b);
		return 1;
	}
	if (cp <= 0x9F)                   /* C1 control */
		*ulen = (size_t)snprintf(unit, TEXTSAFE_UNIT_MAX, "\\x%02x", cp);
	else if (!utf8 || textsafe_is_format(cp))
		*ulen = (size_t)snprintf(unit, TEXTSAFE_UNIT_MAX, "\\u{%04X}", cp);
	else {
		memcpy(unit, s, n);
		*ulen = n;
	}
	return n;
}

size_t textsafe_escape(char *dst, size_t dstsz, const char *src, size_t len,
                       bool utf8, bool keep_newlines)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, o = 0;
	char unit[TEXTSAFE_UNIT_MAX];

	if (dstsz == 0)
		return 0;
	if (!src)
		len = 0;
	while (i < len) {
		size_t ulen;
		size_t used = textsafe_unit(s + i, len - i, utf8, keep_newlines, unit, &ulen);
		if (ulen >= dstsz - o)    /* the unit and the NUL must both fit */
			break;
		memcpy(dst + o, unit, ulen);
		o += ulen;
		i += used;
	}
	dst[o] = '\0';
	return o;
}

size_t textsafe_utf8_next(const char *s, size_t len, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned c = 0;
	size_t n;

	if (!s || len == 0)
		return 0;
	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	n = textsafe_decode(u, len, &c);
	if (n)
		*cp = c;
	return n;
}

bool textsafe_cp_hidden(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9F) || textsafe_is_format((unsigned)cp);
}

size_t textsafe_utf8_repair(char *dst, size_t dstsz, const char *src, size_t len)
{
	size_t i = 0, o = 0;

	if (dstsz == 0)
		return 0;
	if (!src)
		len = 0;
	while (i < len) {
		uint32_t cp;
		size_t k = textsafe_utf8_next(src + i, len - i, &cp);
		const char *unit = k ? src + i : "\xEF\xBF\xBD";
		size_t ulen = k ? k : 3;
		if (ulen >= dstsz - o)
			break;
		memcpy(dst + o, unit, ulen);
		o += ulen;
		i += k ? k : 1;
	}
	dst[o] = '\0';
	return o;
}

bool textsafe_is_clean(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	char unit[TEXTSAFE_UNIT_MAX];

	if (!s)
		return len == 0;
	while (i < len) {
		size_t ulen;
		size_t used = textsafe_unit(u + i, len - i, true, false, unit, &ulen);
		if (ulen != used || memcmp(unit, u + i, used) != 0)
			return false;
		i += used;
	}
	return true;
}
