/* fuzz_health.h - the shared body of the /health fuzz targets: checks that a
 * parsed report is consistent and that every name and output escapes to safe text. */
#ifndef NODETOP_FUZZ_HEALTH_H
#define NODETOP_FUZZ_HEALTH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "parse_health.h"
#include "textsafe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Escapes s into an exact-size buffer of dstsz bytes and asserts that no
 * control byte, DEL or UTF-8 C1 control comes out. */
static void fuzz_escape(const char *s, size_t len, size_t dstsz, bool utf8, bool keep_nl)
{
	char *dst = dstsz ? malloc(dstsz) : NULL;
	size_t n = textsafe_escape(dst, dstsz, s, len, utf8, keep_nl);

	if (dstsz == 0) {
		FUZZ_CHECK(n == 0);
		return;
	}
	FUZZ_CHECK(n < dstsz);
	FUZZ_CHECK(dst[n] == '\0');
	FUZZ_CHECK(strlen(dst) == n);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)dst[i];
		if (c == '\n' && keep_nl)
			continue;
		FUZZ_CHECK(c >= 0x20 && c != 0x7F);
		FUZZ_CHECK(utf8 || c < 0x80);
		if (c == 0xC2 && i + 1 < n)
			FUZZ_CHECK(!((unsigned char)dst[i + 1] >= 0x80 && (unsigned char)dst[i + 1] <= 0x9F));
	}
	if (!keep_nl)
		FUZZ_CHECK(textsafe_is_clean(dst, n));
	if (dstsz == 4 * len + 1 && utf8 && !keep_nl && textsafe_is_clean(s, len))
		FUZZ_CHECK(n == len && memcmp(dst, s, len) == 0);
	free(dst);
}

static void fuzz_escape_all(const char *s, size_t len)
{
	for (int mode = 0; mode < 4; mode++) {
		bool utf8 = mode & 1, keep_nl = mode & 2;
		fuzz_escape(s, len, 4 * len + 1, utf8, keep_nl);
		fuzz_escape(s, len, len % 23, utf8, keep_nl);
	}
}

static void fuzz_check_report(int rc, const health_report_t *r, const char *err)
{
	size_t nf = 0;

	FUZZ_CHECK(memchr(err, '\0', 256) != NULL);
	if (rc != 0) {
		FUZZ_CHECK(rc == -1);
		FUZZ_CHECK(r->checks == NULL && r->n == 0 && r->nfailing == 0);
		FUZZ_CHECK(err[0] != '\0');
		return;
	}
	FUZZ_CHECK(err[0] == '\0');
	FUZZ_CHECK(r->n <= r->cap);
	for (size_t i = 0; i < r->n; i++) {
		const health_check_t *c = &r->checks[i];
		FUZZ_CHECK(c->name && c->name[0] && c->output);
		FUZZ_CHECK(c->status == CHECK_PASSING || c->status == CHECK_FAILING || c->status == CHECK_UNKNOWN);
		if (i > 0)
			FUZZ_CHECK(strcmp(r->checks[i - 1].name, c->name) <= 0);
		if (c->status == CHECK_FAILING)
			nf++;
		fuzz_escape_all(c->name, strlen(c->name));
		fuzz_escape_all(c->output, strlen(c->output));
	}
	FUZZ_CHECK(nf == r->nfailing);
}


typedef int (*fuzz_health_parse_fn)(const char *, size_t, health_report_t *, char *, size_t);

/* One input through `parse` and through health_parse_any with content type
 * `ctype` (or none, on every other input), then through the escaper. */
static int fuzz_health_run(const uint8_t *data, size_t size, fuzz_health_parse_fn parse, const char *ctype)
{
	char *body = malloc(size ? size : 1);   /* exact size: no NUL after it */
	health_report_t r;
	char err[256];
	int rc;

	if (size)
		memcpy(body, data, size);
	rc = parse(body, size, &r, err, sizeof(err));
	fuzz_check_report(rc, &r, err);
	health_report_free(&r);

	rc = health_parse_any(size & 1 ? ctype : NULL, body, size, &r, err, sizeof(err));
	fuzz_check_report(rc, &r, err);
	health_report_free(&r);

	if (size <= 4096)
		fuzz_escape_all(body, size);
	free(body);
	return 0;
}

#endif
