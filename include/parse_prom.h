/* parse_prom.h - Prometheus text exposition format 0.0.4 parser: zero-copy over
 * the body, every sample (name, decoded labels, value, timestamp) to a callback. */
#ifndef NODETOP_PARSE_PROM_H
#define NODETOP_PARSE_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A slice of bytes; not NUL-terminated. */
typedef struct prom_str {
	const char *ptr;
	size_t len;
} prom_str_t;

typedef enum prom_type {
	PROM_UNTYPED = 0,
	PROM_COUNTER,
	PROM_GAUGE,
	PROM_HISTOGRAM,
	PROM_SUMMARY,
} prom_type_t;

typedef struct prom_label {
	prom_str_t name;
	prom_str_t value;     /* unescaped (\\ \" \n decoded) */
} prom_label_t;

#define PROM_MAX_LABELS 64

typedef struct prom_sample {
	prom_str_t name;               /* full series name, e.g. foo_bucket */
	const prom_label_t *labels;    /* valid only during the callback */
	size_t nlabels;
	double value;                  /* NaN, +Inf, -Inf supported */
	int64_t timestamp_ms;          /* valid when has_timestamp */
	bool has_timestamp;
	size_t line;                   /* 1-based line number in the body */
} prom_sample_t;

typedef struct prom_handler {
	void (*on_sample)(void *ud, const prom_sample_t *s);                 /* required */
	void (*on_type)(void *ud, prom_str_t metric, prom_type_t type);      /* optional */
	void (*on_help)(void *ud, prom_str_t metric, prom_str_t text);       /* optional, text unescaped */
	void (*on_error)(void *ud, size_t line, const char *msg);            /* optional */
	/* Optional filter: called once per run of lines with the same series name;
	 * when it returns false those lines are skipped after the name (their labels
	 * and values are not decoded or checked). NULL: every line is decoded. */
	bool (*want)(void *ud, prom_str_t name);
	void *ud;
} prom_handler_t;

typedef struct prom_stats {
	size_t lines;
	size_t samples;
	size_t errors;      /* malformed lines, each reported and skipped */
	size_t skipped;     /* sample lines passed over because want() declined them */
} prom_stats_t;

/* Parses buf[0..len). Never reads past len; buf need not be NUL-terminated.
 * Returns the number of malformed lines (0 when all is well). stats may be NULL. */
size_t prom_parse(const char *buf, size_t len, const prom_handler_t *h, prom_stats_t *stats);

/* Helpers for callbacks. */
bool prom_str_eq(prom_str_t s, const char *lit);
/* Value of label `name` in s, or false when absent. */
bool prom_label_get(const prom_sample_t *s, const char *name, prom_str_t *out);
const char *prom_type_name(prom_type_t t);

#endif
