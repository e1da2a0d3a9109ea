/* test_textsafe.c - cmocka tests of the terminal-safety escaper: every byte
 * class, UTF-8 edge cases, bidi/invisible characters and truncation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "textsafe.h"
#include "xalloc.h"

/* Escapes src[0..len) into an exact-size heap buffer (so ASan sees any
 * overflow) and returns a copy of the result. */
static char *esc_n(const char *src, size_t len, size_t dstsz, bool utf8, bool keep_nl)
{
	char *dst = dstsz ? xmalloc(dstsz) : NULL;
	size_t n = textsafe_escape(dst, dstsz, src, len, utf8, keep_nl);
	char *r;

	if (dstsz == 0) {
		assert_int_equal(n, 0);
		return xstrdup("");
	}
	assert_true(n < dstsz);
	assert_int_equal(strlen(dst), n);
	r = xstrdup(dst);
	free(dst);
	return r;
}

static char *esc_full(const char *src, size_t len, bool utf8, bool keep_nl)
{
	return esc_n(src, len, 4 * len + 1, utf8, keep_nl);
}

#define ESC_EQ(src, len, utf8, keep, want) do { \
		char *got_ = esc_full((src), (len), (utf8), (keep)); \
		assert_string_equal(got_, (want)); \
		free(got_); \
	} while (0)
#define ESC_S(src, utf8, want) ESC_EQ((src), strlen(src), (utf8), false, (want))

/* No C0 byte (bar kept newlines), no DEL, no C1 control as UTF-8, and the
 * result escapes to itself. */
static void assert_safe(const char *s, bool utf8, bool keep_nl)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n' && keep_nl)
			continue;
		assert_true(c >= 0x20 && c != 0x7F);
		if (!utf8)
			assert_true(c < 0x80);
		if (c == 0xC2 && i + 1 < n)
			assert_false((unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9F);
	}
	if (!keep_nl)
		assert_true(textsafe_is_clean(s, n));
}

static void test_printable_ascii(void **state)
{
	ESC_S("hello, world", true, "hello, world");
	ESC_S("EVM.1.HeadTracker.HeadListener", false, "EVM.1.HeadTracker.HeadListener");
	/* a backslash stays one plain backslash: not doubled */
	ESC_S("C:\\path\\x1b", true, "C:\\path\\x1b");
	ESC_S("~ !\"#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}", true, "~ !\"#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}");
	ESC_EQ("", 0, true, false, "");
	ESC_EQ(NULL, 0, true, false, "");
}

static void test_c0_and_del(void **state)
{
	ESC_EQ("\0", 1, true, false, "\\x00");
	ESC_S("\x01", true, "\\x01");
	ESC_S("\a", true, "\\x07");
	ESC_S("\b", true, "\\x08");
	ESC_S("\t", true, "\\t");
	ESC_S("\n", true, "\\n");
	ESC_S("\v", true, "\\x0b");
	ESC_S("\f", true, "\\x0c");
	ESC_S("\r", true, "\\r");
	ESC_S("\x1b", true, "\\x1b");
	ESC_S("\x1f", true, "\\x1f");
	ESC_S("\x7f", true, "\\x7f");
	ESC_S("\x1b[2J\x1b[H", true, "\\x1b[2J\\x1b[H");
	ESC_S("\x1b]0;title\x07", false, "\\x1b]0;title\\x07");
	ESC_S("a\r\nb", true, "a\\r\\nb");
	ESC_EQ("a\0b", 3, true, false, "a\\x00b");
}

static void test_keep_newlines(void **state)
{
	ESC_EQ("line 1\nline 2\n", 14, true, true, "line 1\nline 2\n");
	ESC_EQ("a\r\nb\tc", 6, true, true, "a\\r\nb\\tc");
	ESC_EQ("a\nb", 3, true, false, "a\\nb");
	ESC_EQ("\x1b\n\x1b", 3, false, true, "\\x1b\n\\x1b");
}

static void test_c1_controls(void **state)
{
	ESC_S("\xc2\x80", true, "\\x80");
	ESC_S("\xc2\x85", true, "\\x85");       /* NEL */
	ESC_S("\xc2\x9b" "2J", true, "\\x9b2J"); /* CSI */
	ESC_S("\xc2\x9d" "0;x\xc2\x9c", true, "\\x9d0;x\\x9c");
	ESC_S("\xc2\x9f", false, "\\x9f");
	/* the first non-control after them is copied */
	ESC_S("\xc2\xa0", true, "\xc2\xa0");
	ESC_S("\xc2\xa0", false, "\\u{00A0}");
	/* raw C1 bytes (not UTF-8) are invalid bytes */
	ESC_S("\x9b" "31m", true, "\\x9b31m");
}

static void test_invalid_utf8(void **state)
{
	ESC_S("\x80", true, "\\x80");
	ESC_S("\xbf", true, "\\xbf");
	ESC_S("\xff", true, "\\xff");
	ESC_S("\xfe\xff", true, "\\xfe\\xff");
	ESC_S("\xf5\x80\x80\x80", true, "\\xf5\\x80\\x80\\x80");
	/* overlongs */
	ESC_S("\xc0\xaf", true, "\\xc0\\xaf");
	ESC_S("\xc1\xbf", true, "\\xc1\\xbf");
	ESC_S("\xe0\x80\xaf", true, "\\xe0\\x80\\xaf");
	ESC_S("\xe0\x9f\xbf", true, "\\xe0\\x9f\\xbf");
	ESC_S("\xf0\x80\x80\xaf", true, "\\xf0\\x80\\x80\\xaf");
	ESC_S("\xf0\x8f\xbf\xbf", true, "\\xf0\\x8f\\xbf\\xbf");
	ESC_S("\xc0\x9b", true, "\\xc0\\x9b");   /* overlong ESC-ish must not decode */
	ESC_S("\xe0\x80\x9b", true, "\\xe0\\x80\\x9b");
	/* surrogates */
	ESC_S("\xed\xa0\x80", true, "\\xed\\xa0\\x80");
	ESC_S("\xed\xbf\xbf", true, "\\xed\\xbf\\xbf");
	/* above U+10FFFF */
	ESC_S("\xf4\x90\x80\x80", true, "\\xf4\\x90\\x80\\x80");
	ESC_S("\xf7\xbf\xbf\xbf", true, "\\xf7\\xbf\\xbf\\xbf");
	/* truncated sequences, at the end and before ASCII or another lead */
	ESC_S("\xe2\x82", true, "\\xe2\\x82");
	ESC_S("\xe2\x82" "A", true, "\\xe2\\x82A");
	ESC_S("\xf0\x9f\x98", true, "\\xf0\\x9f\\x98");
	ESC_S("\xc3", true, "\\xc3");
	ESC_S("\xc3\xc3\xa9", true, "\\xc3\xc3\xa9");
	ESC_S("\xe2\x1b[", true, "\\xe2\\x1b[");
	ESC_S("\xf0\x9f\x98\x1b", true, "\\xf0\\x9f\\x98\\x1b");
}

static void test_valid_utf8(void **state)
{
	ESC_S("caf\xc3\xa9", true, "caf\xc3\xa9");
	ESC_S("caf\xc3\xa9", false, "caf\\u{00E9}");
	ESC_S("\xe2\x82\xac", true, "\xe2\x82\xac");
	ESC_S("\xe2\x82\xac", false, "\\u{20AC}");
	ESC_S("\xf0\x9f\x98\x80", true, "\xf0\x9f\x98\x80");
	ESC_S("\xf0\x9f\x98\x80", false, "\\u{1F600}");
	/* boundaries */
	ESC_S("\xdf\xbf", false, "\\u{07FF}");
	ESC_S("\xe0\xa0\x80", true, "\xe0\xa0\x80");
	ESC_S("\xe0\xa0\x80", false, "\\u{0800}");
	ESC_S("\xed\x9f\xbf", false, "\\u{D7FF}");
	ESC_S("\xee\x80\x80", false, "\\u{E000}");
	ESC_S("\xef\xbf\xbf", true, "\xef\xbf\xbf");
	ESC_S("\xf0\x90\x80\x80", false, "\\u{10000}");
	ESC_S("\xf4\x8f\xbf\xbf", true, "\xf4\x8f\xbf\xbf");
	ESC_S("\xf4\x8f\xbf\xbf", false, "\\u{10FFFF}");
}

static void test_format_characters(void **state)
{
	/* escaped even when UTF-8 is shown */
	ESC_S("\xe2\x80\x8b", true, "\\u{200B}");
	ESC_S("\xe2\x80\x8c\xe2\x80\x8d", true, "\\u{200C}\\u{200D}");
	ESC_S("\xe2\x80\x8e\xe2\x80\x8f", true, "\\u{200E}\\u{200F}");
	ESC_S("\xe2\x80\xaa", true, "\\u{202A}");
	ESC_S("ok \xe2\x80\xae" "gnissap", true, "ok \\u{202E}gnissap");
	ESC_S("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9", true,
	      "\\u{2066}\\u{2067}\\u{2068}\\u{2069}");
	ESC_S("\xef\xbb\xbf" "x", true, "\\u{FEFF}x");
	ESC_S("\xd8\x9c", true, "\\u{061C}");
	ESC_S("\xe2\x80\xa8\xe2\x80\xa9", true, "\\u{2028}\\u{2029}");
	ESC_S("\xe2\x81\xa0", true, "\\u{2060}");
	ESC_S("\xc2\xad", true, "\\u{00AD}");
	ESC_S("\xf3\xa0\x80\x81\xf3\xa0\x81\xa1", true, "\\u{E0001}\\u{E0061}");
	/* neighbours are ordinary text */
	ESC_S("\xe2\x80\x8a", true, "\xe2\x80\x8a");   /* U+200A hair space */
	ESC_S("\xe2\x80\x90", true, "\xe2\x80\x90");   /* U+2010 hyphen */
	ESC_S("\xe2\x80\xaf", true, "\xe2\x80\xaf");   /* U+202F */
	ESC_S("\xe2\x81\xa5", true, "\xe2\x81\xa5");   /* U+2065 unassigned */
	ESC_S("\xef\xbb\xbe", true, "\xef\xbb\xbe");   /* U+FEFE */
}

/* Truncation: the result is always a whole-unit prefix of the full result. */
static void test_truncation(void **state)
{
	char buf[8];
	char *s;

	memset(buf, 'Z', sizeof(buf));
	assert_int_equal(textsafe_escape(buf, 0, "abc", 3, true, false), 0);
	assert_int_equal(buf[0], 'Z');                 /* dstsz 0: nothing written */
	assert_int_equal(textsafe_escape(NULL, 0, "abc", 3, true, false), 0);
	assert_int_equal(textsafe_escape(buf, 1, "abc", 3, true, false), 0);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'Z');

	s = esc_n("abc", 3, 3, true, false);
	assert_string_equal(s, "ab");
	free(s);
	s = esc_n("abc", 3, 4, true, false);
	assert_string_equal(s, "abc");
	free(s);
	/* "\x1b" needs 4 bytes plus the NUL */
	s = esc_n("\x1b", 1, 4, true, false);
	assert_string_equal(s, "");
	free(s);
	s = esc_n("\x1b", 1, 5, true, false);
	assert_string_equal(s, "\\x1b");
	free(s);
	s = esc_n("ab\x1b" "cd", 5, 6, true, false);
	assert_string_equal(s, "ab");                  /* not "ab\x1" */
	free(s);
	s = esc_n("ab\x1b" "cd", 5, 7, true, false);
	assert_string_equal(s, "ab\\x1b");
	free(s);
	/* never half a character */
	s = esc_n("\xc3\xa9", 2, 2, true, false);
	assert_string_equal(s, "");
	free(s);
	s = esc_n("a\xf0\x9f\x98\x80", 5, 5, true, false);
	assert_string_equal(s, "a");
	free(s);
	s = esc_n("a\xf0\x9f\x98\x80", 5, 6, true, false);
	assert_string_equal(s, "a\xf0\x9f\x98\x80");
	free(s);
	s = esc_n("\xf4\x8f\xbf\xbf", 4, 10, false, false);
	assert_string_equal(s, "");
	free(s);
	s = esc_n("\xf4\x8f\xbf\xbf", 4, 11, false, false);
	assert_string_equal(s, "\\u{10FFFF}");
	free(s);
	/* a stop is final: a shorter unit after a long one is not squeezed in */
	s = esc_n("\x1b" "a", 2, 3, true, false);
	assert_string_equal(s, "");
	free(s);
}

/* For every dstsz from 0 to beyond the full size, the result is a prefix of
 * the full result that ends on a unit boundary. */
static void test_truncation_sweep(void **state)
{
	const char src[] = "ok \x1b[2J\xc2\x9b\xe2\x80\xae\xc3\xa9\xff\t\n\\\xf0\x9f\x98\x80\xe2\x82" "end";
	size_t len = sizeof(src) - 1;
	for (int mode = 0; mode < 4; mode++) {
		bool utf8 = mode & 1, keep = mode & 2;
		char *full = esc_full(src, len, utf8, keep);
		size_t flen = strlen(full);
		size_t prev = 0;
		for (size_t sz = 0; sz <= flen + 2; sz++) {
			char *s = esc_n(src, len, sz, utf8, keep);
			size_t n = strlen(s);
			assert_true(sz == 0 ? n == 0 : n <= sz - 1);
			assert_memory_equal(s, full, n);
			assert_true(n >= prev);
			if (sz > flen)
				assert_string_equal(s, full);
			/* the prefix itself is safe: no cut escape leaves a raw byte */
			assert_safe(s, utf8, keep);
			prev = n;
			free(s);
		}
		free(full);
	}
}

static void test_byte_sweep(void **state)
{
	char src[256];
	char one[1];
	for (int i = 0; i < 256; i++)
		src[i] = (char)i;
	for (int mode = 0; mode < 4; mode++) {
		bool utf8 = mode & 1, keep = mode & 2;
		char *s = esc_full(src, sizeof(src), utf8, keep);
		assert_safe(s, utf8, keep);
		free(s);
		for (int i = 0; i < 256; i++) {
			one[0] = (char)i;
			s = esc_full(one, 1, utf8, keep);
			assert_safe(s, utf8, keep);
			if (i >= 0x20 && i < 0x7F)
				assert_true(s[0] == (char)i && s[1] == '\0');
			else if (i == '\n' && keep)
				assert_string_equal(s, "\n");
			else
				assert_true(s[0] == '\\');
			free(s);
		}
	}
}

/* Every two-byte and every C2/E2/F0-led three-byte input. */
static void test_pair_sweep(void **state)
{
	char src[3];
	char out[64];
	for (int a = 0; a < 256; a++)
		for (int b = 0; b < 256; b++) {
			src[0] = (char)a;
			src[1] = (char)b;
			for (int mode = 0; mode < 4; mode++) {
				bool utf8 = mode & 1, keep = mode & 2;
				size_t n = textsafe_escape(out, sizeof(out), src, 2, utf8, keep);
				assert_int_equal(n, strlen(out));
				assert_safe(out, utf8, keep);
			}
		}
	const unsigned char leads[] = { 0xC2, 0xE0, 0xE2, 0xED, 0xEF, 0xF0, 0xF3, 0xF4 };
	for (size_t l = 0; l < sizeof(leads); l++)
		for (int b = 0x80; b < 0xC0; b++)
			for (int c = 0; c < 256; c++) {
				src[0] = (char)leads[l];
				src[1] = (char)b;
				src[2] = (char)c;
				textsafe_escape(out, sizeof(out), src, 3, true, false);
				assert_safe(out, true, false);
			}
}

/* Every valid code point: copied or \u{} as specified, and the escape of an
 * escape is itself. */
static void test_all_code_points(void **state)
{
	char src[4], out[32];
	size_t n;
	for (uint32_t cp = 0x80; cp <= 0x10FFFF; cp++) {
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		if (cp < 0x800) {
			src[0] = (char)(0xC0 | (cp >> 6));
			src[1] = (char)(0x80 | (cp & 0x3F));
			n = 2;
		} else if (cp < 0x10000) {
			src[0] = (char)(0xE0 | (cp >> 12));
			src[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
			src[2] = (char)(0x80 | (cp & 0x3F));
			n = 3;
		} else {
			src[0] = (char)(0xF0 | (cp >> 18));
			src[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
			src[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
			src[3] = (char)(0x80 | (cp & 0x3F));
			n = 4;
		}
		textsafe_escape(out, sizeof(out), src, n, true, false);
		bool invisible = cp <= 0x9F || cp == 0xAD || cp == 0x61C || cp == 0x180E ||
		                 (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
		                 (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x2066 && cp <= 0x206F) ||
		                 cp == 0xFEFF || (cp >= 0xFFF9 && cp <= 0xFFFB) || cp == 0xE0001 ||
		                 (cp >= 0xE0020 && cp <= 0xE007F);
		if (invisible) {
			assert_true(out[0] == '\\');
			assert_false(textsafe_is_clean(src, n));
		} else {
			assert_memory_equal(out, src, n);
			assert_int_equal(out[n], '\0');
			assert_true(textsafe_is_clean(src, n));
		}
		textsafe_escape(out, sizeof(out), src, n, false, false);
		assert_true(out[0] == '\\' && (out[1] == 'u' || out[1] == 'x'));
		assert_true(textsafe_is_clean(out, strlen(out)));
	}
}

static void test_is_clean(void **state)
{
	assert_true(textsafe_is_clean("hello", 5));
	assert_true(textsafe_is_clean("a\\b", 3));
	assert_true(textsafe_is_clean("caf\xc3\xa9 \xf0\x9f\x98\x80", 10));
	assert_false(textsafe_is_clean("caf\xc3\xa9 \xf0\x9f\x98\x80", 9));   /* cut character */
	assert_true(textsafe_is_clean("", 0));
	assert_true(textsafe_is_clean(NULL, 0));
	assert_true(textsafe_is_clean("ab\x1b", 2));       /* only len bytes count */
	assert_false(textsafe_is_clean("a\nb", 3));        /* LF is escaped by default */
	assert_false(textsafe_is_clean("a\tb", 3));
	assert_false(textsafe_is_clean("a\0b", 3));
	assert_false(textsafe_is_clean("\x7f", 1));
	assert_false(textsafe_is_clean("\x1b[2J", 4));
	assert_false(textsafe_is_clean("\xc2\x9b", 2));
	assert_false(textsafe_is_clean("\xe2\x80\xae", 3));
	assert_false(textsafe_is_clean("\xff", 1));
	assert_false(textsafe_is_clean("\xc3", 1));
	assert_false(textsafe_is_clean("\xed\xa0\x80", 3));
	assert_false(textsafe_is_clean("\xc0\xaf", 2));
}

/* 4 * len + 1 always holds everything: the longest unit per input byte. */
static void test_worst_case_size(void **state)
{
	const char *worst[] = { "\x01\x01\x01", "\xff\xff\xff", "\xe2\x80\xae\xe2\x80\xae",
	                        "\xf4\x8f\xbf\xbf", "\xef\xbb\xbf", "\xc2\x9b\xc2\x9b" };
	for (size_t i = 0; i < sizeof(worst) / sizeof(worst[0]); i++) {
		size_t len = strlen(worst[i]);
		for (int u = 0; u < 2; u++) {
			char *big = esc_n(worst[i], len, 64, u, false);
			char *fit = esc_n(worst[i], len, 4 * len + 1, u, false);
			assert_string_equal(big, fit);
			free(big);
			free(fit);
		}
	}
}

/* The decoder the JSON writer uses: ASCII is one byte, strict UTF-8 only. */
static void test_utf8_next(void **state)
{
	uint32_t cp = 0;
	assert_int_equal(textsafe_utf8_next("A", 1, &cp), 1);
	assert_int_equal(cp, 'A');
	assert_int_equal(textsafe_utf8_next("\x7f", 1, &cp), 1);
	assert_int_equal(cp, 0x7F);
	assert_int_equal(textsafe_utf8_next("\xc3\xa9", 2, &cp), 2);
	assert_int_equal(cp, 0xE9);
	assert_int_equal(textsafe_utf8_next("\xe2\x80\xae", 3, &cp), 3);
	assert_int_equal(cp, 0x202E);
	assert_int_equal(textsafe_utf8_next("\xf0\x9f\x98\x80", 4, &cp), 4);
	assert_int_equal(cp, 0x1F600);
	const char *bad[] = { "\x80", "\xc0\x80", "\xc3", "\xe0\x80\x80", "\xed\xa0\x80",
	                      "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80", "\xff" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(textsafe_utf8_next(bad[i], strlen(bad[i]), &cp), 0);
	assert_int_equal(textsafe_utf8_next("\xe2\x80\xae", 2, &cp), 0);   /* truncated */
	assert_int_equal(textsafe_utf8_next("", 0, &cp), 0);
	/* hidden: exactly what textsafe_escape escapes among valid characters */
	for (uint32_t c = 0x80; c < 0x110000; c++) {
		if (c >= 0xD800 && c <= 0xDFFF)
			continue;
		char in[5], out[16];
		size_t n = c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
		if (n == 2) {
			in[0] = (char)(0xC0 | (c >> 6)); in[1] = (char)(0x80 | (c & 0x3F));
		} else if (n == 3) {
			in[0] = (char)(0xE0 | (c >> 12)); in[1] = (char)(0x80 | ((c >> 6) & 0x3F));
			in[2] = (char)(0x80 | (c & 0x3F));
		} else {
			in[0] = (char)(0xF0 | (c >> 18)); in[1] = (char)(0x80 | ((c >> 12) & 0x3F));
			in[2] = (char)(0x80 | ((c >> 6) & 0x3F)); in[3] = (char)(0x80 | (c & 0x3F));
		}
		size_t o = textsafe_escape(out, sizeof out, in, n, true, false);
		bool escaped = o != n || memcmp(out, in, n) != 0;
		if (escaped != textsafe_cp_hidden(c))
			fail_msg("U+%04X: escaped %d, hidden %d", (unsigned)c, escaped, textsafe_cp_hidden(c));
	}
	assert_false(textsafe_cp_hidden('A'));
}

/* Invalid bytes become U+FFFD, valid text is copied, truncation is whole. */
static void test_utf8_repair(void **state)
{
	char out[64];
	assert_int_equal(textsafe_utf8_repair(out, sizeof out, "ok \xc3\xa9", 5), 5);
	assert_string_equal(out, "ok \xc3\xa9");
	textsafe_utf8_repair(out, sizeof out, "a\xffz\xc3", 4);
	assert_string_equal(out, "a\xef\xbf\xbdz\xef\xbf\xbd");
	textsafe_utf8_repair(out, sizeof out, "\xed\xa0\x80", 3);   /* a surrogate: three bad bytes */
	assert_string_equal(out, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	/* 3 * len + 1 holds all; a short buffer cuts before a whole unit */
	assert_int_equal(textsafe_utf8_repair(out, 10, "\xff\xff\xff", 3), 9);
	assert_int_equal(textsafe_utf8_repair(out, 9, "\xff\xff\xff", 3), 6);
	assert_string_equal(out, "\xef\xbf\xbd\xef\xbf\xbd");
	assert_int_equal(textsafe_utf8_repair(out, 3, "a\xc3\xa9", 3), 1);
	assert_string_equal(out, "a");
	assert_int_equal(textsafe_utf8_repair(out, 0, "a", 1), 0);
	assert_int_equal(textsafe_utf8_repair(out, sizeof out, NULL, 5), 0);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_printable_ascii),
		cmocka_unit_test(test_c0_and_del),
		cmocka_unit_test(test_keep_newlines),
		cmocka_unit_test(test_c1_controls),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_valid_utf8),
		cmocka_unit_test(test_format_characters),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_truncation_sweep),
		cmocka_unit_test(test_byte_sweep),
		cmocka_unit_test(test_pair_sweep),
		cmocka_unit_test(test_all_code_points),
		cmocka_unit_test(test_is_clean),
		cmocka_unit_test(test_worst_case_size),
		cmocka_unit_test(test_utf8_next),
		cmocka_unit_test(test_utf8_repair),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
