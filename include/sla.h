/* sla.h - the SLA report over stored history: availability per node/group and
 * indicator per day or week, downtime, longest outage, failovers, incidents. */
#ifndef NODETOP_SLA_H
#define NODETOP_SLA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buckets.h"
#include "strbuf.h"

/* An event as stored in history (text fields, so that kinds added later, such
 * as "failover", read back unchanged). subject and detail are untrusted. */
typedef struct sla_event {
	int64_t ts_ms;
	char kind[16];        /* event_kind_name(): "node", "db", "rpc", "check", "failover", ... */
	char node[64];        /* node or group name */
	char subject[160];    /* chain id for "rpc", check name, ... */
	char from[16], to[16];/* state names: "up", "down", ... */
	char detail[256];
} sla_event_t;

/* Day buckets of one name and indicator (the indicator names are the
 * history's keys: "node", "db", "rpc", "rpc:<chain id>", ...). */
typedef struct sla_series {
	char *name, *indicator;
	int64_t first_day;    /* buckets_index(BUCKET_DAY, since) */
	int ndays;
	bucket_t *days;       /* ndays buckets */
} sla_series_t;

/* What the report is computed from: read by history.c, or built by tests. */
typedef struct sla_input {
	int64_t since_ms, until_ms;
	sla_series_t *series;
	size_t nseries, cap_series;
	sla_event_t *events;  /* any order */
	size_t nevents, cap_events;
} sla_input_t;

typedef enum sla_period { SLA_DAY = 0, SLA_WEEK } sla_period_t;

typedef struct sla_row {          /* one name and indicator over one day or week */
	size_t series;                /* index into the input's series */
	int64_t start_ms, end_ms;     /* the period, clipped to since/until */
	bucket_t sum;                 /* time per state */
	uint64_t not_watched_ms;
} sla_row_t;

typedef struct sla_incident {     /* one outage, from the stored events */
	size_t series;
	int64_t start_ms, end_ms;     /* clipped to since/until */
	bool ongoing;                 /* still down at until_ms */
	bool unwatched_end;           /* ended because watching stopped: end_ms is the last time seen */
	char detail[256];             /* untrusted */
} sla_incident_t;

typedef struct sla_total {        /* one name and indicator over the whole report */
	bucket_t sum;
	uint64_t not_watched_ms;
	int64_t longest_outage_ms;
	size_t incidents;
	size_t failovers;             /* "failover" events of this name (a group) */
} sla_total_t;

typedef struct sla_report {
	const sla_input_t *in;
	sla_period_t period;
	sla_row_t *rows;              /* by series, then by period */
	size_t nrows;
	sla_total_t *totals;          /* one per input series */
	sla_incident_t *incidents;    /* by start time */
	size_t nincidents;
} sla_report_t;

void sla_input_init(sla_input_t *in, int64_t since_ms, int64_t until_ms);
void sla_input_free(sla_input_t *in);
/* Adds a series covering since..until with no time seen; returns its day buckets. */
bucket_t *sla_input_add_series(sla_input_t *in, const char *name, const char *indicator);
void sla_input_add_event(sla_input_t *in, const sla_event_t *e);
/* The indicator an event of this kind and subject is about, NULL when the
 * kind is not about an indicator ("check", "config", "failover", ...). */
const char *sla_indicator_of(const char *kind, const char *subject, char *buf, size_t bufsz);

/* The start of a report from `--since`: a span back from now_ms ("90m",
 * "36h", "30d", "4w") or a UTC date ("2026-11-01", midnight). false when
 * neither (or not before now). */
bool sla_parse_since(const char *s, int64_t now_ms, int64_t *since_ms);
/* "day" or "week" (`--per`); false otherwise. */
bool sla_parse_period(const char *s, sla_period_t *p);

/* Builds the report; frees nothing of in, which must outlive it. */
void sla_build(const sla_input_t *in, sla_period_t period, sla_report_t *out);
void sla_report_free(sla_report_t *r);
/* Writers: untrusted text is escaped (text), JSON-encoded (json) or quoted
 * and kept from starting a spreadsheet formula (csv). */
void sla_write_text(const sla_report_t *r, strbuf_t *out, bool utf8);
void sla_write_json(const sla_report_t *r, strbuf_t *out);
void sla_write_csv(const sla_report_t *r, strbuf_t *out);

#endif
