/* fuzz_dbinfo.c - libFuzzer target for the PostgreSQL probe's pure half: answer
 * rows, error classes and secret scrubbing, with promises about their output.
 *
 * Input: lines. The first line is a secret; the rest is both a libpq message
 * (scrubbed and classified) and an answer row: each line "name=value", or
 * "name" alone for SQL NULL. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

#include "dbinfo.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_COLS 32

/* A secret whose absence from the scrubbed text can be promised: the scrubber
 * itself writes "***", "=", spaces and '?', and keeps printable ASCII. */
static bool fuzz_checkable_secret(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s <= 0x20 || *s >= 0x7f || *s == '*' || *s == '=' || *s == '?')
			return false;
	return true;
}

static void fuzz_scrub(const char *secret, const char *msg, size_t dstsz)
{
	char *out = malloc(dstsz ? dstsz : 1);
	const char *secrets[] = { secret, NULL };
	size_t n = dbinfo_scrub(out, dstsz, msg, secrets);
	if (dstsz == 0) {
		FUZZ_CHECK(n == 0);
		free(out);
		return;
	}
	FUZZ_CHECK(n < dstsz && strlen(out) == n);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(out[i] >= 0x20 && out[i] < 0x7f);
	FUZZ_CHECK(n == 0 || (out[0] != ' ' && out[n - 1] != ' '));
	FUZZ_CHECK(!strstr(out, "  "));
	if (fuzz_checkable_secret(secret))
		FUZZ_CHECK(!strstr(out, secret));
	/* every password= is followed by *** (or a cut-off part of it) */
	for (size_t i = 0; i + 8 <= n; i++) {
		if (strncasecmp(out + i, "password", 8) != 0)
			continue;
		size_t j = i + 8;
		while (j < n && out[j] == ' ')
			j++;
		if (j < n && out[j] == '=') {
			j++;
			while (j < n && out[j] == ' ')
				j++;   /* never: the scrubber writes "=***" */
			FUZZ_CHECK(j == i + 9);
			FUZZ_CHECK(strncmp(out + j, "***", n - j < 3 ? n - j : 3) == 0);
		}
	}
	free(out);
}

static void fuzz_row(char *rows)
{
	const char *names[FUZZ_MAX_COLS], *values[FUZZ_MAX_COLS];
	size_t n = 0;
	for (char *line = rows; line && n < FUZZ_MAX_COLS;) {
		char *next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *eq = strchr(line, '=');
		if (eq)
			*eq = '\0';
		names[n] = line;
		values[n] = eq ? eq + 1 : NULL;
		n++;
		line = next;
	}
	db_probe_result_t r;
	dbinfo_init(&r);
	bool ok = dbinfo_from_row(&r, n, names, values);
	FUZZ_CHECK(ok == r.up);
	if (ok) {
		FUZZ_CHECK(r.error == DB_ERR_NONE && r.error_text[0] == '\0');
		FUZZ_CHECK(r.role == DB_ROLE_WRITER || r.role == DB_ROLE_READER);
		FUZZ_CHECK(r.connections >= 0 && r.max_connections > 0);
		FUZZ_CHECK(r.server_version[0] != '\0');
		FUZZ_CHECK(r.role == DB_ROLE_READER || r.replay_lag_ms == -1);
		FUZZ_CHECK(r.replay_lag_ms >= -1);
		for (const char *c = r.server_version; *c; c++)
			FUZZ_CHECK(*c >= 0x20 && *c < 0x7f);
		if (r.lease == DB_LEASE_HELD) {
			FUZZ_CHECK(r.lease_holder[0] != '\0');
			for (const char *c = r.lease_holder; *c; c++)
				FUZZ_CHECK((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f') ||
				           (*c >= 'A' && *c <= 'F') || *c == '-' || *c == '?');
		} else {
			FUZZ_CHECK(r.lease_holder[0] == '\0');
		}
	} else {
		FUZZ_CHECK(r.error == DB_ERR_OTHER && r.error_text[0] != '\0');
	}
	cJSON *j = dbinfo_to_json(names[0], &r);
	char *s = cJSON_PrintUnformatted(j);
	FUZZ_CHECK(s != NULL);
	cJSON *back = cJSON_Parse(s);
	FUZZ_CHECK(back != NULL);
	FUZZ_CHECK(cJSON_IsObject(cJSON_GetObjectItem(back, "error")) == !ok);
	cJSON_Delete(back);
	cJSON_free(s);
	cJSON_Delete(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = '\0';   /* embedded NULs end the text early, as in C strings */

	char *rest = strchr(buf, '\n');
	if (rest)
		*rest++ = '\0';
	const char *secret = buf, *msg = rest ? rest : "";

	db_error_t e = dbinfo_classify(size > 0 && data[0] & 1 ? "28P01" : NULL, msg);
	FUZZ_CHECK(e != DB_ERR_NONE);
	FUZZ_CHECK(dbinfo_error_name(e)[0] != '\0');
	fuzz_scrub(secret, msg, DB_TEXT_MAX);
	fuzz_scrub(secret, msg, size % 17);
	db_probe_result_t r;
	dbinfo_init(&r);
	const char *secrets[] = { secret, NULL };
	dbinfo_set_error(&r, e, msg, secrets);
	FUZZ_CHECK(!r.up && r.error != DB_ERR_NONE && r.error_text[0] != '\0');

	char *rows = strdup(msg);
	fuzz_row(rows);
	free(rows);
	free(buf);
	return 0;
}
