/* fuzz_settings.c - libFuzzer target for the configuration loader
 * (settings_load_string) and its value parsers, checking the loader's promises. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "settings.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_SECRET "fuzz-SECRET-t0ken"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* inputs may say bearer_token_env = NODETOP_FUZZ_TOKEN: its value must never leak */
	setenv("NODETOP_FUZZ_TOKEN", FUZZ_SECRET, 1);
	return 0;
}

static void fuzz_check_text(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		FUZZ_CHECK(*p >= 0x20 && *p != 0x7f);
}

static void fuzz_check_node(const node_cfg_t *n)
{
	FUZZ_CHECK(n->name && *n->name);
	FUZZ_CHECK(n->url && settings_url_valid(n->url, NULL, 0));
	FUZZ_CHECK(n->url[strlen(n->url) - 1] != '/');
	FUZZ_CHECK(n->interval_ms >= 100 && n->interval_ms <= 3600 * 1000);
	FUZZ_CHECK(n->timeout_ms > 0 && n->timeout_ms <= n->interval_ms);
	FUZZ_CHECK(n->connect_timeout_ms > 0 && n->connect_timeout_ms <= n->timeout_ms);
	FUZZ_CHECK(n->health_max_bytes >= 1024 && n->metrics_max_bytes >= 1024);
	FUZZ_CHECK(!n->bearer_token_env || (n->bearer_token && *n->bearer_token));
	for (size_t i = 0; i < n->nheaders; i++) {
		FUZZ_CHECK(strchr(n->headers[i], ':'));
		FUZZ_CHECK(!strpbrk(n->headers[i], "\r\n"));
	}
	if (n->bearer_token)
		for (const unsigned char *p = (const unsigned char *)n->bearer_token; *p; p++)
			FUZZ_CHECK(*p > 0x20 && *p != 0x7f);
}

static void fuzz_values(const char *text)
{
	/* the first line through the value parsers */
	char line[128];
	size_t len = strcspn(text, "\n");
	if (len >= sizeof(line))
		len = sizeof(line) - 1;
	memcpy(line, text, len);
	line[len] = '\0';

	int64_t ms;
	if (settings_parse_duration(line, &ms)) {
		char buf[64];
		int64_t back;
		FUZZ_CHECK(ms >= 0);
		settings_format_duration(ms, buf, sizeof(buf));
		FUZZ_CHECK(settings_parse_duration(buf, &back) && back == ms);
	}
	size_t sz;
	if (settings_parse_size(line, &sz))
		FUZZ_CHECK(sz <= ((size_t)1 << 40));

	char err[256] = "";
	settings_t s;
	settings_init(&s);
	if (settings_add_url(&s, line, err, sizeof(err)) == 0) {
		FUZZ_CHECK(s.nnodes == 1);
		fuzz_check_node(&s.nodes[0]);
		FUZZ_CHECK(settings_add_url(&s, line, err, sizeof(err)) == 0);
		FUZZ_CHECK(strcmp(s.nodes[0].name, s.nodes[1].name) != 0);
	} else {
		FUZZ_CHECK(*err);
		fuzz_check_text(err);
		FUZZ_CHECK(s.nnodes == 0);
	}
	settings_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 64 * 1024)
		return 0;
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	fuzz_values(text);

	bool secret_in_input = strstr(text, FUZZ_SECRET) != NULL;
	settings_t s;
	char err[512] = "";
	settings_init(&s);
	int rc = settings_load_string(&s, "fuzz.conf", text, err, sizeof(err));
	if (rc == 0) {
		for (size_t i = 0; i < s.nnodes; i++) {
			fuzz_check_node(&s.nodes[i]);
			for (size_t j = 0; j < i; j++)
				FUZZ_CHECK(strcmp(s.nodes[i].name, s.nodes[j].name) != 0);
		}
		for (size_t i = 0; i < s.charts.n; i++)
			FUZZ_CHECK(s.charts.defs[i].id && s.charts.defs[i].metric && s.charts.defs[i].title);
		for (size_t i = 0; i < s.nwarnings; i++)
			FUZZ_CHECK(secret_in_input || !strstr(s.warnings[i], FUZZ_SECRET));
	} else {
		FUZZ_CHECK(rc == -1);
		FUZZ_CHECK(strncmp(err, "fuzz.conf:", 10) == 0);
		fuzz_check_text(err);
		FUZZ_CHECK(secret_in_input || !strstr(err, FUZZ_SECRET));
		FUZZ_CHECK(s.nodes == NULL && s.nnodes == 0 && s.charts.defs == NULL && s.warnings == NULL);
	}
	settings_free(&s);
	free(text);
	return 0;
}
