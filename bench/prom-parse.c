/* prom-parse.c - benchmark of the Prometheus text parser: parses one file from
 * memory repeatedly, touching every sample, and prints samples/bytes/MB/s. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parse_prom.h"
#include "xalloc.h"

typedef struct bench_acc {
	double sum;             /* finite values only, so NaN/Inf do not swamp it */
	size_t nan_inf;
	size_t labels;
	size_t label_bytes;
	size_t name_bytes;
	size_t helps;
	size_t types;
	int report_errors;      /* print errors of the first run only */
} bench_acc_t;

static void bench_on_sample(void *ud, const prom_sample_t *s)
{
	bench_acc_t *a = ud;
	if (s->value - s->value == 0)
		a->sum += s->value;
	else
		a->nan_inf++;
	a->name_bytes += s->name.len;
	a->labels += s->nlabels;
	for (size_t i = 0; i < s->nlabels; i++)
		a->label_bytes += s->labels[i].name.len + s->labels[i].value.len;
}

static void bench_on_type(void *ud, prom_str_t metric, prom_type_t type)
{
	((bench_acc_t *)ud)->types++;
}

static void bench_on_help(void *ud, prom_str_t metric, prom_str_t text)
{
	((bench_acc_t *)ud)->helps++;
}

static void bench_on_error(void *ud, size_t line, const char *msg)
{
	bench_acc_t *a = ud;
	if (a->report_errors)
		fprintf(stderr, "line %zu: %s\n", line, msg);
}

static double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static char *bench_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "prom-parse: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	size_t cap = 1 << 20, n = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (n == cap)
			buf = xgrow(buf, &cap, cap + 1, 1);
		size_t r = fread(buf + n, 1, cap - n, f);
		if (r == 0)
			break;
		n += r;
	}
	if (ferror(f)) {
		fprintf(stderr, "prom-parse: %s: read error\n", path);
		exit(2);
	}
	fclose(f);
	*len = n;
	return buf;
}

static int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void bench_usage(void)
{
	fprintf(stderr, "usage: prom-parse FILE [--repeat N]\n"
	                "  parses FILE N times (default: until 1 s has passed, at least 3 runs)\n"
	                "  and prints 'samples=N bytes=N mbps=X' (best run, MB = 10^6 bytes)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	long repeat = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
			char *end;
			repeat = strtol(argv[++i], &end, 10);
			if (*end || repeat < 1)
				bench_usage();
		} else if (argv[i][0] == '-' || path) {
			bench_usage();
		} else {
			path = argv[i];
		}
	}
	if (!path)
		bench_usage();

	size_t len;
	char *buf = bench_read_file(path, &len);
	prom_handler_t h = {
		.on_sample = bench_on_sample, .on_type = bench_on_type,
		.on_help = bench_on_help, .on_error = bench_on_error,
	};

	size_t cap = 64, runs = 0;
	double *times = xmalloc(cap * sizeof(*times));
	double start = bench_now();
	prom_stats_t st = { 0 };
	bench_acc_t first = { 0 };
	size_t errors = 0;
	for (;;) {
		bench_acc_t acc = { 0 };
		acc.report_errors = runs == 0;
		h.ud = &acc;
		double t0 = bench_now();
		errors = prom_parse(buf, len, &h, &st);
		double t1 = bench_now();
		if (runs == 0)
			first = acc;
		else if (acc.sum != first.sum || acc.label_bytes != first.label_bytes)
			fprintf(stderr, "prom-parse: runs disagree\n");
		times = xgrow(times, &cap, runs + 1, sizeof(*times));
		times[runs++] = t1 - t0;
		if (repeat ? (long)runs >= repeat : (runs >= 3 && t1 - start >= 1.0))
			break;
	}
	qsort(times, runs, sizeof(*times), bench_cmp_double);
	double best = times[0], median = times[runs / 2];

	printf("file=%s runs=%zu best=%.3fms median=%.3fms\n", path, runs, best * 1e3, median * 1e3);
	printf("lines=%zu helps=%zu types=%zu labels=%zu label_bytes=%zu name_bytes=%zu "
	       "nan_inf=%zu sum=%.6g errors=%zu\n",
	       st.lines, first.helps, first.types, first.labels, first.label_bytes, first.name_bytes,
	       first.nan_inf, first.sum, errors);
	printf("median_mbps=%.1f\n", median > 0 ? (double)len / median / 1e6 : 0.0);
	printf("samples=%zu bytes=%zu mbps=%.1f\n", st.samples, len, best > 0 ? (double)len / best / 1e6 : 0.0);
	free(times);
	free(buf);
	return errors ? 1 : 0;
}
