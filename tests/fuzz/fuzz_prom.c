/* fuzz_prom.c - libFuzzer target for the Prometheus text parser: arbitrary
 * bytes, copied into an exact-size buffer so that ASan catches any over-read. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "parse_prom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct fuzz_acc {
	size_t samples;
	size_t bytes;
	unsigned char x;
} fuzz_acc_t;

static void fuzz_touch(fuzz_acc_t *a, prom_str_t s)
{
	/* Read every byte of every slice handed out. */
	for (size_t i = 0; i < s.len; i++)
		a->x ^= (unsigned char)s.ptr[i];
	a->bytes += s.len;
}

static void fuzz_on_sample(void *ud, const prom_sample_t *s)
{
	fuzz_acc_t *a = ud;
	a->samples++;
	fuzz_touch(a, s->name);
	FUZZ_CHECK(s->name.len > 0 && s->nlabels <= PROM_MAX_LABELS);
	for (size_t i = 0; i < s->nlabels; i++) {
		fuzz_touch(a, s->labels[i].name);
		fuzz_touch(a, s->labels[i].value);
		prom_str_t v;
		FUZZ_CHECK(prom_label_get(s, "le", &v) || !prom_str_eq(s->labels[i].name, "le"));
	}
}

static void fuzz_on_type(void *ud, prom_str_t metric, prom_type_t type)
{
	fuzz_touch(ud, metric);
	FUZZ_CHECK(prom_type_name(type) != NULL);
}

static void fuzz_on_help(void *ud, prom_str_t metric, prom_str_t text)
{
	fuzz_touch(ud, metric);
	fuzz_touch(ud, text);
}

static void fuzz_on_error(void *ud, size_t line, const char *msg)
{
	(void)ud;
	FUZZ_CHECK(line > 0 && msg && *msg);
}

/* Declines about half of the names, by a hash of their bytes. */
static bool fuzz_want(void *ud, prom_str_t name)
{
	unsigned h = 2166136261u;
	(void)ud;
	FUZZ_CHECK(name.len > 0);
	for (size_t i = 0; i < name.len; i++)
		h = (h ^ (unsigned char)name.ptr[i]) * 16777619u;
	return h & 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	fuzz_acc_t acc = { 0, 0, 0 };
	prom_handler_t h = {
		.on_sample = fuzz_on_sample, .on_type = fuzz_on_type,
		.on_help = fuzz_on_help, .on_error = fuzz_on_error, .ud = &acc,
	};
	prom_stats_t st;
	size_t errors = prom_parse(buf, size, &h, &st);
	FUZZ_CHECK(errors == st.errors && st.samples == acc.samples && st.samples + st.errors <= st.lines);
	FUZZ_CHECK(st.skipped == 0);
	/* Without the optional callbacks too. */
	prom_handler_t h2 = { .on_sample = fuzz_on_sample, .ud = &acc };
	FUZZ_CHECK(prom_parse(buf, size, &h2, NULL) == errors);
	/* With a filter (as the model uses it): a declined line is skipped, never
	 * an error; every other line is parsed as in the full run. */
	fuzz_acc_t facc = { 0, 0, 0 };
	prom_handler_t h3 = { .on_sample = fuzz_on_sample, .want = fuzz_want, .ud = &facc };
	prom_stats_t fst;
	prom_parse(buf, size, &h3, &fst);
	FUZZ_CHECK(fst.samples == facc.samples && fst.samples <= st.samples && fst.errors <= st.errors);
	FUZZ_CHECK(fst.samples + fst.skipped >= st.samples && fst.lines == st.lines);
	free(buf);
	return 0;
}
