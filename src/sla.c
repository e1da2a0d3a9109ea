/* sla.c - the SLA report, pure over data read from history: availability per
 * name and indicator per day or week, downtime, outages, failovers; text, JSON, CSV. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "fmt.h"
#include "sla.h"
#include "textsafe.h"
#include "xalloc.h"

void sla_input_init(sla_input_t *in, int64_t since_ms, int64_t until_ms)
{
	memset(in, 0, sizeof *in);
	in->since_ms = since_ms;
	in->until_ms = until_ms > since_ms ? until_ms : since_ms + 1;
}

void sla_input_free(sla_input_t *in)
{
	for (size_t i = 0; i < in->nseries; i++) {
		free(in->series[i].name);
		free(in->series[i].indicator);
		free(in->series[i].days);
	}
	free(in->series);
	free(in->events);
	memset(in, 0, sizeof *in);
}

bucket_t *sla_input_add_series(sla_input_t *in, const char *name, const char *indicator)
{
	in->series = xgrow(in->series, &in->cap_series, in->nseries + 1, sizeof *in->series);
	sla_series_t *s = &in->series[in->nseries++];
	s->name = xstrdup(name);
	s->indicator = xstrdup(indicator);
	s->first_day = buckets_index(BUCKET_DAY, in->since_ms);
	s->ndays = (int)(buckets_index(BUCKET_DAY, in->until_ms - 1) - s->first_day + 1);
	s->days = xcalloc((size_t)s->ndays, sizeof *s->days);
	return s->days;
}

void sla_input_add_event(sla_input_t *in, const sla_event_t *e)
{
	in->events = xgrow(in->events, &in->cap_events, in->nevents + 1, sizeof *in->events);
	in->events[in->nevents++] = *e;
}

const char *sla_indicator_of(const char *kind, const char *subject, char *buf, size_t bufsz)
{
	if (strcmp(kind, "node") == 0 || strcmp(kind, "db") == 0)
		snprintf(buf, bufsz, "%s", kind);
	else if (strcmp(kind, "rpc") == 0)
		snprintf(buf, bufsz, subject[0] ? "rpc:%s" : "rpc", subject);
	else
		return NULL;
	return buf;
}

bool sla_parse_since(const char *s, int64_t now_ms, int64_t *since_ms)
{
	int y, mo, d, used = 0;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &used) == 3 && used == 10 && s[10] == '\0') {
		if (mo < 1 || mo > 12 || d < 1 || d > 31)
			return false;
		/* days since 1970-01-01 of a proleptic Gregorian date (no time zone involved) */
		int64_t yy = y - (mo <= 2), era = (yy >= 0 ? yy : yy - 399) / 400, yoe = yy - era * 400;
		int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
		int64_t days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
		static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
		bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
		if (d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap))
			return false;
		*since_ms = days * BUCKETS_DAY_MS;
		return *since_ms < now_ms;
	}
	char *end;
	errno = 0;
	long long n = strtoll(s, &end, 10);
	if (end == s || errno || n <= 0 || end[0] == '\0' || end[1] != '\0' || !(s[0] >= '0' && s[0] <= '9'))
		return false;
	int64_t unit;
	switch (end[0]) {
	case 'm': unit = BUCKETS_MINUTE_MS; break;
	case 'h': unit = BUCKETS_HOUR_MS; break;
	case 'd': unit = BUCKETS_DAY_MS; break;
	case 'w': unit = 7 * BUCKETS_DAY_MS; break;
	default: return false;
	}
	if (n > 1000LL * 366 * BUCKETS_DAY_MS / unit)       /* a thousand years is plenty */
		return false;
	*since_ms = now_ms - (int64_t)n * unit;
	return true;
}

bool sla_parse_period(const char *s, sla_period_t *p)
{
	if (strcmp(s, "day") == 0)
		*p = SLA_DAY;
	else if (strcmp(s, "week") == 0)
		*p = SLA_WEEK;
	else
		return false;
	return true;
}

/* ---------------------------------------------------------------- building */

typedef struct key_index {          /* series sorted by name and indicator, for lookups by event */
	const sla_input_t *in;
	size_t *order;
} key_index_t;

static const sla_input_t *sort_in;  /* qsort has no user pointer in C11 */

static int cmp_series(const void *a, const void *b)
{
	const sla_series_t *x = &sort_in->series[*(const size_t *)a], *y = &sort_in->series[*(const size_t *)b];
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->indicator, y->indicator);
}

static long find_series(const sla_input_t *in, const size_t *order, const char *name, const char *ind)
{
	size_t lo = 0, hi = in->nseries;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const sla_series_t *s = &in->series[order[mid]];
		int c = strcmp(s->name, name);
		if (!c)
			c = strcmp(s->indicator, ind);
		if (!c)
			return (long)order[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* The series of a name that failovers are counted on: its "node" indicator, else its first. */
static long find_name(const sla_input_t *in, const size_t *order, const char *name)
{
	long s = find_series(in, order, name, "node");
	if (s >= 0)
		return s;
	for (size_t i = 0; i < in->nseries; i++)
		if (strcmp(in->series[order[i]].name, name) == 0)
			return (long)order[i];
	return -1;
}

static const sla_event_t *sort_ev;

static int cmp_event(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int64_t x = sort_ev[i].ts_ms, y = sort_ev[j].ts_ms;
	if (x != y)
		return x < y ? -1 : 1;
	return i < j ? -1 : i > j;
}

static int cmp_incident(const void *a, const void *b)
{
	const sla_incident_t *x = a, *y = b;
	if (x->start_ms != y->start_ms)
		return x->start_ms < y->start_ms ? -1 : 1;
	return x->series < y->series ? -1 : x->series > y->series;
}

static uint64_t span_not_watched(const bucket_t *sum, int64_t start, int64_t end)
{
	uint64_t seen = buckets_seen_ms(sum);
	return end - start > 0 && (uint64_t)(end - start) > seen ? (uint64_t)(end - start) - seen : 0;
}

/* An outage lasts only while it was watched: each day's down time seen is a
 * budget that the day's outages use up in time order; where the budget runs
 * out, watching stopped (kill -9, nodetop stopped) and the outage ends there.
 * budget holds, per series, one entry per day of the report. */
static void add_incident(sla_report_t *r, size_t *cap, int64_t *budget, size_t series, int64_t start, int64_t end,
                         bool ongoing, const char *detail)
{
	const sla_input_t *in = r->in;
	const sla_series_t *se = &in->series[series];
	if (start < in->since_ms)
		start = in->since_ms;
	if (end > in->until_ms)
		end = in->until_ms;
	if (end <= start)
		return;
	bool cut = false;
	for (int64_t t = start; t < end;) {
		int64_t day = buckets_index(BUCKET_DAY, t), d = day - se->first_day;
		int64_t day_end = buckets_start_ms(BUCKET_DAY, day + 1);
		int64_t len = (end < day_end ? end : day_end) - t;
		int64_t have = d >= 0 && d < se->ndays ? budget[d] : 0;
		if (have < len) {
			if (d >= 0 && d < se->ndays)
				budget[d] = 0;
			end = t + have;
			cut = true;
			break;
		}
		budget[d] -= len;
		t += len;
	}
	if (end <= start)
		return;
	r->incidents = xgrow(r->incidents, cap, r->nincidents + 1, sizeof *r->incidents);
	sla_incident_t *x = &r->incidents[r->nincidents++];
	x->series = series;
	x->start_ms = start;
	x->end_ms = end;
	x->ongoing = ongoing && !cut;
	x->unwatched_end = cut;
	snprintf(x->detail, sizeof x->detail, "%s", detail);
	sla_total_t *t = &r->totals[series];
	t->incidents++;
	if (end - start > t->longest_outage_ms)
		t->longest_outage_ms = end - start;
}

static void build_incidents(sla_report_t *r, const size_t *order)
{
	const sla_input_t *in = r->in;
	size_t *ev = xmalloc((in->nevents ? in->nevents : 1) * sizeof *ev);
	for (size_t i = 0; i < in->nevents; i++)
		ev[i] = i;
	sort_ev = in->events;
	qsort(ev, in->nevents, sizeof *ev, cmp_event);
	/* per series: when the open outage began (-1 none) and its event */
	int64_t *open_at = xmalloc((in->nseries ? in->nseries : 1) * sizeof *open_at);
	size_t *open_ev = xcalloc(in->nseries ? in->nseries : 1, sizeof *open_ev);
	size_t *first = xmalloc((in->nseries + 1) * sizeof *first);   /* each series' days in budget */
	first[0] = 0;
	for (size_t i = 0; i < in->nseries; i++) {
		open_at[i] = -1;
		first[i + 1] = first[i] + (size_t)in->series[i].ndays;
	}
	int64_t *budget = xmalloc((first[in->nseries] ? first[in->nseries] : 1) * sizeof *budget);
	for (size_t i = 0; i < in->nseries; i++)
		for (int d = 0; d < in->series[i].ndays; d++)
			budget[first[i] + (size_t)d] = in->series[i].days[d].ms[HS_DOWN];
	size_t cap = 0;
	for (size_t k = 0; k < in->nevents; k++) {
		const sla_event_t *e = &in->events[ev[k]];
		if (e->ts_ms >= in->until_ms)
			break;
		if (strcmp(e->kind, "failover") == 0) {
			long s = find_name(in, order, e->node);
			if (s >= 0 && e->ts_ms >= in->since_ms)
				r->totals[s].failovers++;
			continue;
		}
		char buf[200];
		const char *ind = sla_indicator_of(e->kind, e->subject, buf, sizeof buf);
		long s = ind ? find_series(in, order, e->node, ind) : -1;
		if (s < 0)
			continue;
		bool down = strcmp(e->to, "down") == 0;
		if (down && open_at[s] < 0) {
			open_at[s] = e->ts_ms;
			open_ev[s] = ev[k];
		} else if (!down && open_at[s] >= 0) {
			add_incident(r, &cap, budget + first[s], (size_t)s, open_at[s], e->ts_ms, false, in->events[open_ev[s]].detail);
			open_at[s] = -1;
		}
	}
	for (size_t s = 0; s < in->nseries; s++)
		if (open_at[s] >= 0)
			add_incident(r, &cap, budget + first[s], s, open_at[s], in->until_ms, true, in->events[open_ev[s]].detail);
	if (r->nincidents)
		qsort(r->incidents, r->nincidents, sizeof *r->incidents, cmp_incident);
	free(ev);
	free(open_at);
	free(open_ev);
	free(first);
	free(budget);
}

void sla_build(const sla_input_t *in, sla_period_t period, sla_report_t *out)
{
	memset(out, 0, sizeof *out);
	out->in = in;
	out->period = period;
	out->totals = xcalloc(in->nseries ? in->nseries : 1, sizeof *out->totals);
	size_t cap = 0;
	for (size_t i = 0; i < in->nseries; i++) {
		const sla_series_t *s = &in->series[i];
		sla_total_t *t = &out->totals[i];
		sla_row_t *row = NULL;
		int64_t cur_key = 0;
		for (int d = 0; d < s->ndays; d++) {
			int64_t day = s->first_day + d;
			int64_t key = period == SLA_WEEK ? buckets_week_of_day(day) : day;
			int64_t start = buckets_start_ms(BUCKET_DAY, day), end = buckets_start_ms(BUCKET_DAY, day + 1);
			if (start < in->since_ms)
				start = in->since_ms;
			if (end > in->until_ms)
				end = in->until_ms;
			if (!row || key != cur_key) {
				out->rows = xgrow(out->rows, &cap, out->nrows + 1, sizeof *out->rows);
				row = &out->rows[out->nrows++];
				memset(row, 0, sizeof *row);
				row->series = i;
				row->start_ms = start;
				cur_key = key;
			}
			row->end_ms = end;
			buckets_add(&row->sum, &s->days[d]);
			buckets_add(&t->sum, &s->days[d]);
		}
		t->not_watched_ms = span_not_watched(&t->sum, in->since_ms, in->until_ms);
	}
	for (size_t k = 0; k < out->nrows; k++)
		out->rows[k].not_watched_ms = span_not_watched(&out->rows[k].sum, out->rows[k].start_ms, out->rows[k].end_ms);
	size_t *order = xmalloc((in->nseries ? in->nseries : 1) * sizeof *order);
	for (size_t i = 0; i < in->nseries; i++)
		order[i] = i;
	sort_in = in;
	qsort(order, in->nseries, sizeof *order, cmp_series);
	build_incidents(out, order);
	free(order);
}

void sla_report_free(sla_report_t *r)
{
	free(r->rows);
	free(r->totals);
	free(r->incidents);
	memset(r, 0, sizeof *r);
}

/* ---------------------------------------------------------------- writers */

static void iso_time(char *buf, size_t n, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, n, "?");
}

static double minutes(uint64_t ms) { return round((double)ms / 6000.0) / 10.0; }

static void safe(char *dst, size_t n, const char *s, bool utf8)
{
	textsafe_escape(dst, n, s, strlen(s), utf8, false);
}

static const char *period_name(sla_period_t p) { return p == SLA_WEEK ? "week" : "day"; }

void sla_write_text(const sla_report_t *r, strbuf_t *out, bool utf8)
{
	const sla_input_t *in = r->in;
	char a[32], b[32], name[200], ind[200], pct[16], dur[32], det[600];
	iso_time(a, sizeof a, in->since_ms);
	iso_time(b, sizeof b, in->until_ms);
	strbuf_printf(out, "SLA report %s .. %s (per %s, UTC)\n\n", a, b, period_name(r->period));
	strbuf_printf(out, "%-20s %-12s %12s %10s %9s %9s %9s %11s\n", "NAME", "INDICATOR", "AVAILABILITY",
	              "DOWN MIN", "LONGEST", "INCIDENTS", "FAILOVERS", "NOT WATCHED");
	for (size_t i = 0; i < in->nseries; i++) {
		const sla_total_t *t = &r->totals[i];
		double p;
		safe(name, sizeof name, in->series[i].name, utf8);
		safe(ind, sizeof ind, in->series[i].indicator, utf8);
		if (buckets_percent(&t->sum, &p))
			fmt_uptime(pct, sizeof pct, p);
		else
			snprintf(pct, sizeof pct, "n/a");
		fmt_duration(dur, sizeof dur, t->longest_outage_ms);
		strbuf_printf(out, "%-20s %-12s %12s %10.1f %9s %9zu %9zu %9.0f m\n", name, ind, pct,
		              minutes(t->sum.ms[HS_DOWN]), t->incidents ? dur : "-", t->incidents, t->failovers,
		              minutes(t->not_watched_ms));
	}
	strbuf_printf(out, "\nPer %s:\n%-20s %-12s %-20s %12s %10s %11s\n", period_name(r->period), "NAME", "INDICATOR",
	              "FROM", "AVAILABILITY", "DOWN MIN", "NOT WATCHED");
	for (size_t k = 0; k < r->nrows; k++) {
		const sla_row_t *row = &r->rows[k];
		double p;
		safe(name, sizeof name, in->series[row->series].name, utf8);
		safe(ind, sizeof ind, in->series[row->series].indicator, utf8);
		iso_time(a, sizeof a, row->start_ms);
		if (buckets_percent(&row->sum, &p))
			fmt_uptime(pct, sizeof pct, p);
		else
			snprintf(pct, sizeof pct, "n/a");
		strbuf_printf(out, "%-20s %-12s %-20s %12s %10.1f %9.0f m\n", name, ind, a, pct,
		              minutes(row->sum.ms[HS_DOWN]), minutes(row->not_watched_ms));
	}
	strbuf_printf(out, "\nIncidents (%zu):\n", r->nincidents);
	for (size_t k = 0; k < r->nincidents; k++) {
		const sla_incident_t *x = &r->incidents[k];
		safe(name, sizeof name, in->series[x->series].name, utf8);
		safe(ind, sizeof ind, in->series[x->series].indicator, utf8);
		safe(det, sizeof det, x->detail, utf8);
		iso_time(a, sizeof a, x->start_ms);
		fmt_duration(dur, sizeof dur, x->end_ms - x->start_ms);
		strbuf_printf(out, "%s  %-8s%s  %s %s%s%s\n", a, dur,
		              x->ongoing ? " (ongoing)" : x->unwatched_end ? " (not watched after)" : "", name, ind,
		              det[0] ? ": " : "", det);
	}
}

static cJSON *json_text(const char *s)
{
	char buf[1024];
	textsafe_escape(buf, sizeof buf, s, strlen(s), true, false);
	cJSON *j = cJSON_CreateString(buf);
	if (!j)
		abort();
	return j;
}

static void json_time(cJSON *o, const char *key, int64_t ms)
{
	char buf[32];
	iso_time(buf, sizeof buf, ms);
	cJSON_AddItemToObject(o, key, json_text(buf));
}

static void json_pct(cJSON *o, const bucket_t *sum)
{
	double p;
	if (buckets_percent(sum, &p))
		cJSON_AddNumberToObject(o, "availability_percent", round(p * 1000.0) / 1000.0);
	else
		cJSON_AddNullToObject(o, "availability_percent");
}

void sla_write_json(const sla_report_t *r, strbuf_t *out)
{
	const sla_input_t *in = r->in;
	cJSON *root = cJSON_CreateObject();
	json_time(root, "since", in->since_ms);
	json_time(root, "until", in->until_ms);
	cJSON_AddItemToObject(root, "period", json_text(period_name(r->period)));
	cJSON *series = cJSON_AddArrayToObject(root, "series");
	size_t k = 0;
	for (size_t i = 0; i < in->nseries; i++) {
		const sla_total_t *t = &r->totals[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "name", json_text(in->series[i].name));
		cJSON_AddItemToObject(o, "indicator", json_text(in->series[i].indicator));
		json_pct(o, &t->sum);
		cJSON_AddNumberToObject(o, "downtime_minutes", minutes(t->sum.ms[HS_DOWN]));
		cJSON_AddNumberToObject(o, "longest_outage_s", (double)(t->longest_outage_ms / 1000));
		cJSON_AddNumberToObject(o, "incidents", (double)t->incidents);
		cJSON_AddNumberToObject(o, "failovers", (double)t->failovers);
		cJSON_AddNumberToObject(o, "not_watched_minutes", minutes(t->not_watched_ms));
		cJSON *periods = cJSON_AddArrayToObject(o, "periods");
		for (; k < r->nrows && r->rows[k].series == i; k++) {
			const sla_row_t *row = &r->rows[k];
			cJSON *p = cJSON_CreateObject();
			json_time(p, "start", row->start_ms);
			json_time(p, "end", row->end_ms);
			json_pct(p, &row->sum);
			cJSON_AddNumberToObject(p, "downtime_minutes", minutes(row->sum.ms[HS_DOWN]));
			cJSON_AddNumberToObject(p, "not_watched_minutes", minutes(row->not_watched_ms));
			cJSON_AddItemToArray(periods, p);
		}
		cJSON_AddItemToArray(series, o);
	}
	cJSON *inc = cJSON_AddArrayToObject(root, "incidents");
	for (size_t j = 0; j < r->nincidents; j++) {
		const sla_incident_t *x = &r->incidents[j];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "name", json_text(in->series[x->series].name));
		cJSON_AddItemToObject(o, "indicator", json_text(in->series[x->series].indicator));
		json_time(o, "start", x->start_ms);
		json_time(o, "end", x->end_ms);
		cJSON_AddNumberToObject(o, "duration_s", (double)((x->end_ms - x->start_ms) / 1000));
		cJSON_AddBoolToObject(o, "ongoing", x->ongoing);
		cJSON_AddItemToObject(o, "detail", json_text(x->detail));
		cJSON_AddBoolToObject(o, "not_watched_after", x->unwatched_end);
		cJSON_AddItemToArray(inc, o);
	}
	char *s = cJSON_PrintUnformatted(root);
	if (!s)
		abort();
	strbuf_puts(out, s);
	strbuf_putc(out, '\n');
	cJSON_free(s);
	cJSON_Delete(root);
}

/* A CSV field: quoted, quotes doubled, control bytes escaped, and a leading
 * = + - @ (a spreadsheet formula) defused with a quote mark. */
static void csv_field(strbuf_t *out, const char *s)
{
	char buf[1024];
	textsafe_escape(buf, sizeof buf, s, strlen(s), true, false);
	strbuf_putc(out, '"');
	if (strchr("=+-@", buf[0]) && buf[0])
		strbuf_putc(out, '\'');
	for (const char *p = buf; *p; p++) {
		if (*p == '"')
			strbuf_putc(out, '"');
		strbuf_putc(out, *p);
	}
	strbuf_putc(out, '"');
}

static void csv_pct(strbuf_t *out, const bucket_t *sum)
{
	double p;
	if (buckets_percent(sum, &p))
		strbuf_printf(out, "%.3f", floor(p * 1000.0) / 1000.0);
}

void sla_write_csv(const sla_report_t *r, strbuf_t *out)
{
	const sla_input_t *in = r->in;
	char a[32], b[32];
	strbuf_puts(out, "name,indicator,period,start,end,availability_percent,downtime_minutes,"
	                 "longest_outage_s,incidents,failovers,not_watched_minutes\r\n");
	size_t k = 0;
	for (size_t i = 0; i < in->nseries; i++) {
		const sla_total_t *t = &r->totals[i];
		iso_time(a, sizeof a, in->since_ms);
		iso_time(b, sizeof b, in->until_ms);
		csv_field(out, in->series[i].name);
		strbuf_putc(out, ',');
		csv_field(out, in->series[i].indicator);
		strbuf_printf(out, ",total,%s,%s,", a, b);
		csv_pct(out, &t->sum);
		strbuf_printf(out, ",%.1f,%lld,%zu,%zu,%.1f\r\n", minutes(t->sum.ms[HS_DOWN]),
		              (long long)(t->longest_outage_ms / 1000), t->incidents, t->failovers,
		              minutes(t->not_watched_ms));
		for (; k < r->nrows && r->rows[k].series == i; k++) {
			const sla_row_t *row = &r->rows[k];
			iso_time(a, sizeof a, row->start_ms);
			iso_time(b, sizeof b, row->end_ms);
			csv_field(out, in->series[i].name);
			strbuf_putc(out, ',');
			csv_field(out, in->series[i].indicator);
			strbuf_printf(out, ",%s,%s,%s,", period_name(r->period), a, b);
			csv_pct(out, &row->sum);
			strbuf_printf(out, ",%.1f,,,,%.1f\r\n", minutes(row->sum.ms[HS_DOWN]), minutes(row->not_watched_ms));
		}
	}
}
