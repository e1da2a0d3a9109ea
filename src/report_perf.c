/* report_perf.c - Nagios performance data for the --once text report (after the
 * '|' of its first line): latency, failing checks, heads per minute, DB connections. */
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "textsafe.h"

/* A label: the node's name (escaped as everywhere) and what is measured, in
 * single quotes when it holds anything but [A-Za-z0-9_.:-] (a quote inside is
 * doubled, as the plugin guidelines say); '|' and '=' never appear raw. */
static void perf_label(strbuf_t *sb, const char *node, const char *what, const char *what2)
{
	char esc[4 * 64 + 1], lab[512];
	size_t len = node ? strnlen(node, 64) : 0;
	textsafe_escape(esc, sizeof esc, node ? node : "", len, false, false);
	snprintf(lab, sizeof lab, "%s_%s%s", esc, what, what2 ? what2 : "");
	bool quote = false;
	for (const char *p = lab; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '.' || *p == ':' || *p == '-'))
			quote = true;
	if (quote)
		strbuf_putc(sb, '\'');
	for (const char *p = lab; *p; p++) {
		if (*p == '\'')
			strbuf_puts(sb, "''");
		else if (*p == '|' || *p == '=')
			strbuf_putc(sb, '_');
		else
			strbuf_putc(sb, *p);
	}
	if (quote)
		strbuf_putc(sb, '\'');
}

/* A value in the plugin syntax: plain decimal, no exponent. */
static void perf_num(strbuf_t *sb, double v)
{
	char b[64];
	if (v == floor(v) && fabs(v) < 1e15) {
		snprintf(b, sizeof b, "%.0f", v);
	} else {
		snprintf(b, sizeof b, "%.3f", v);
		size_t l = strlen(b);
		while (l > 0 && b[l - 1] == '0')
			b[--l] = '\0';
		if (l > 0 && b[l - 1] == '.')
			b[--l] = '\0';
	}
	strbuf_puts(sb, b);
}

/* label=value[uom];warn;crit;min;max - NAN leaves a field empty. */
static void perf_item(strbuf_t *sb, bool *first, const char *node, const char *what, const char *what2,
                      double v, const char *uom, double warn, double crit, double min, double max)
{
	if (!isfinite(v))
		return;
	if (!*first)
		strbuf_putc(sb, ' ');
	*first = false;
	perf_label(sb, node, what, what2);
	strbuf_putc(sb, '=');
	perf_num(sb, v);
	strbuf_puts(sb, uom);
	double f[4] = { warn, crit, min, max };
	size_t last = 0;
	for (size_t i = 0; i < 4; i++)
		if (isfinite(f[i]))
			last = i + 1;
	for (size_t i = 0; i < last; i++) {
		strbuf_putc(sb, ';');
		if (isfinite(f[i]))
			perf_num(sb, f[i]);
	}
}

bool report_perfdata(strbuf_t *out, const model_t *m, int64_t now_ms)
{
	(void)now_ms;
	bool first = true;
	for (size_t k = 0; m && k < m->nnodes; k++) {
		const node_t *n = &m->nodes[k];
		/* latency of the last /health that was answered (a failed one has none) */
		if (n->last_health_ms > 0 && n->health_error == PROBE_ERR_NONE)
			perf_item(out, &first, n->name, "latency", NULL, n->health_latency_ms / 1000.0, "s",
			          NAN, NAN, 0, NAN);
		if (n->have_health)
			perf_item(out, &first, n->name, "failing_checks", NULL, (double)n->nfailing, "",
			          NAN, 0.5, 0, (double)n->nchecks);
		/* heads per minute per chain: only once a rate exists (two scrapes) */
		for (size_t s = 0; s < n->nseries; s++) {
			const series_t *se = &n->series[s];
			if (se->def >= m->charts.n || strcmp(m->charts.defs[se->def].id, "heads") != 0)
				continue;
			double v;
			if (!ring_last(&se->ring, NULL, &v))
				continue;
			char chain[4 * sizeof se->key + 16] = "", key[4 * sizeof se->key + 1];
			if (se->key[0]) {
				textsafe_escape(key, sizeof key, se->key, strnlen(se->key, sizeof se->key), false, false);
				snprintf(chain, sizeof chain, "_chain_%s", key);
			}
			perf_item(out, &first, n->name, "heads_per_min", chain, v, "", NAN, NAN, 0, NAN);
		}
		if (n->have_db) {
			perf_item(out, &first, n->name, "db_conns_open", NULL, n->db_open, "", NAN, NAN, 0, n->db_max);
			perf_item(out, &first, n->name, "db_conns_used", NULL, n->db_used, "", NAN, NAN, 0, n->db_max);
		}
	}
	return !first;
}
