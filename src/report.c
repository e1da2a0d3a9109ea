/* report.c - every text form of the model for people and scripts: exit status,
 * the --once report (text and JSON), event lines, incident summary, tmux status line. */
#include "fmt.h"
#include "jsontext.h"
#include "report.h"
#include "report_rpc.h"
#include "report_source.h"
#include "report_db.h"

#include <cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "textsafe.h"
#include "xalloc.h"

/* ------------------------------------------------------------ small helpers */

/* Only the leading unit, for the status line: 12s, 4m, 2h, 3d. */
static void duration_short(char *buf, size_t n, int64_t ms)
{
	int64_t s = ms < 0 ? 0 : ms / 1000;
	if (s < 60)
		snprintf(buf, n, "%" PRId64 "s", s);
	else if (s < 3600)
		snprintf(buf, n, "%" PRId64 "m", s / 60);
	else if (s < 86400)
		snprintf(buf, n, "%" PRId64 "h", s / 3600);
	else
		snprintf(buf, n, "%" PRId64 "d", s / 86400);
}

/* UTC ISO-8601 to the second: "2026-11-24T10:00:00Z". */
static void fmt_time(char *buf, size_t n, int64_t ms)
{
	int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	time_t t = (time_t)secs;
	struct tm tm;
	if (!gmtime_r(&t, &tm) || strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, n, "?");
}

/* Availability in percent, rounded down so that 99.996 never shows as 100.00. */
static void fmt_pct(char *buf, size_t n, double pct)
{
	double p = floor(pct * 100.0) / 100.0;
	if (p < 0)
		p = 0;
	snprintf(buf, n, "%.2f%%", p);
}

/* Untrusted bytes as one line of text. */
static void put_esc_n(strbuf_t *sb, const char *s, size_t len, bool utf8)
{
	if (!s || len == 0)
		return;
	/* textsafe is the one gate: 4 * len + 1 bytes hold its whole result */
	char local[1024];
	size_t cap = len * 4 + 1;
	char *buf = cap <= sizeof local ? local : xmalloc(cap);
	size_t n = textsafe_escape(buf, cap, s, len, utf8, false);
	strbuf_append(sb, buf, n);
	if (buf != local)
		free(buf);
}

static void put_esc(strbuf_t *sb, const char *s, bool utf8)
{
	if (s)
		put_esc_n(sb, s, strlen(s), utf8);
}

/* A multi-line untrusted text shown line by line, each line escaped on its
 * own and prefixed by indent; blank trailing lines dropped; at most max_lines
 * lines (0 = all), then "indent(N more lines)". */
static void put_lines(strbuf_t *sb, const char *s, const char *indent, bool utf8, size_t max_lines)
{
	if (!s)
		return;
	size_t len = strlen(s);
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	size_t shown = 0, total = 0;
	const char *p = s, *end = s + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		size_t ll = (size_t)(le - p);
		if (ll > 0 && p[ll - 1] == '\r')
			ll--;   /* CRLF line ends are line ends, not hostile bytes */
		total++;
		if (max_lines == 0 || shown < max_lines) {
			strbuf_puts(sb, indent);
			put_esc_n(sb, p, ll, utf8);
			strbuf_putc(sb, '\n');
			shown++;
		}
		p = nl ? nl + 1 : end;
	}
	if (total > shown)
		strbuf_printf(sb, "%s(%zu more lines)\n", indent, total - shown);
}

/* A URL whose userinfo ("user:pass@" after the scheme, or at the start when
 * there is no scheme) is replaced by three asterisks and the '@'. Caller frees. */
char *report_url_masked(const char *url)
{
	const char *auth = strstr(url, "://");
	auth = auth ? auth + 3 : url;
	size_t alen = strcspn(auth, "/?#");
	const char *at = NULL;
	for (size_t i = 0; i < alen; i++)
		if (auth[i] == '@')
			at = auth + i;
	if (!at)
		return xstrdup(url);
	return xasprintf("%.*s***%s", (int)(auth - url), url, at);
}

static void put_url(strbuf_t *sb, const char *url, bool utf8)
{
	if (!url)
		return;
	char *masked = report_url_masked(url);
	put_esc(sb, masked, utf8);
	free(masked);
}

/* ------------------------------------------------------------ status */

/* What the node was last seen as, standby when the model made it one (a
 * refused connection while a peer answers): stale nodes keep their last state. */
static state_t node_shown_state(const node_t *n)
{
	return n->ind[IND_NODE].state == STATE_STANDBY ? STATE_STANDBY : n->state;
}

/* The judgements are the model's (model_status, model_node_attention): this
 * file only words them. */
int report_status(const model_t *m)
{
	return m ? (int)model_status(m, 0).severity : REPORT_UNKNOWN;
}

const char *report_status_name(int code)
{
	switch (code) {
	case REPORT_OK: return "OK";
	case REPORT_WARNING: return "WARNING";
	case REPORT_CRITICAL: return "CRITICAL";
	default: return "UNKNOWN";
	}
}

static const char *ind_label(indicator_id_t i)
{
	return i == IND_NODE ? "node" : i == IND_DB ? "db" : "rpc";
}

/* ------------------------------------------------------------ headline */

/* "1 of 3 nodes down (bravo); rpc down on alpha; group ha down" */
static void put_headline_detail(strbuf_t *sb, const model_t *m, int64_t now_ms)
{
	if (m->nnodes == 0) {
		strbuf_puts(sb, "no nodes configured");
		return;
	}
	model_status_t st = model_status(m, now_ms);
	size_t stale = 0;
	if (st.down > 0) {
		strbuf_printf(sb, "%zu of %zu node%s down (", st.down, m->nnodes,
		              m->nnodes == 1 ? "" : "s");
		size_t listed = 0;
		for (size_t k = 0; k < m->nnodes; k++) {
			const node_t *n = &m->nodes[k];
			if (model_node_attention(m, k, now_ms).state != STATE_DOWN)
				continue;
			if (listed == 3) {
				strbuf_puts(sb, ", ...");
				break;
			}
			if (listed++)
				strbuf_puts(sb, ", ");
			put_esc(sb, n->name, true);
			size_t gi = model_group_index(m, n);
			if (gi != (size_t)-1 && state_available(model_group_state(m, gi, IND_NODE))) {
				strbuf_puts(sb, ", group ");
				put_esc(sb, m->groups[gi].name, true);
				strbuf_puts(sb, " still up");
			}
		}
		strbuf_putc(sb, ')');
	}
	/* "up" means up: the counts are the header's (model_counts) */
	model_counts_t c = model_counts(m, now_ms);
	if (st.down == 0)
		strbuf_printf(sb, "%zu of %zu node%s up", c.up, m->nnodes, m->nnodes == 1 ? "" : "s");
	if (c.degraded)
		strbuf_printf(sb, ", %zu degraded", c.degraded);
	if (c.starting)
		strbuf_printf(sb, ", %zu starting", c.starting);
	if (c.unknown)
		strbuf_printf(sb, ", %zu unknown", c.unknown);
	if (c.standby)
		strbuf_printf(sb, ", %zu standby", c.standby);

	size_t phrases = 0, more = 0;
	for (size_t gi = 0; gi < m->ngroups; gi++) {
		const group_t *g = &m->groups[gi];
		attention_t ga = model_group_attention(m, gi, now_ms);
		for (int i = 0; i < IND__COUNT; i++) {
			const char *what = NULL;
			if (i == IND_NODE && g->two_active)
				what = " has two active members";
			else if (i == IND_NODE && ga.state == STATE_DOWN && ga.severity == SEV_WARNING)
				what = " failing over";
			else if (i == IND_NODE && ga.state == STATE_STARTING && g->lost_ms)
				what = " failing over, new active member starting";
			else if (model_group_state(m, gi, (indicator_id_t)i) == STATE_DOWN)
				what = " down";
			if (!what)
				continue;
			if (phrases >= 4) {
				more++;
				continue;
			}
			strbuf_puts(sb, phrases++ ? ", " : "; ");
			strbuf_puts(sb, "group ");
			put_esc(sb, g->name, true);
			if (i != IND_NODE)
				strbuf_printf(sb, " %s", ind_label((indicator_id_t)i));
			strbuf_puts(sb, what);
		}
	}
	for (size_t k = 0; k < m->nnodes; k++) {
		const node_t *n = &m->nodes[k];
		if (node_is_stale(n, now_ms) && n->last_health_ms != 0) {
			stale++;
			if (phrases >= 4) {
				more++;
			} else {
				strbuf_puts(sb, phrases++ ? ", " : "; ");
				put_esc(sb, n->name, true);
				strbuf_puts(sb, " stale");
			}
		}
		for (int i = IND_DB; i < IND__COUNT; i++) {
			state_t s = n->ind[i].state;
			if (s != STATE_DOWN && s != STATE_DEGRADED)
				continue;
			if (phrases >= 4) {
				more++;
				continue;
			}
			strbuf_puts(sb, phrases++ ? ", " : "; ");
			strbuf_printf(sb, "%s %s on ", ind_label((indicator_id_t)i), state_name(s));
			put_esc(sb, n->name, true);
		}
	}
	if (more)
		strbuf_printf(sb, ", +%zu more", more);
	size_t firing = 0;
	for (size_t k = 0; k < m->nnodes; k++)
		for (size_t i = 0; i < rules_count(m->nodes[k].rules); i++)
			firing += rules_get(m->nodes[k].rules, i)->level > 0;
	if (firing)
		strbuf_printf(sb, "; %zu rule%s firing", firing, firing == 1 ? "" : "s");
}

/* ------------------------------------------------------------ --once text */

/* " since T (4m12s)" / " for 4m12s" for a start nodetop saw; for one it did
 * not see (already so at its first poll): " since nodetop started T (≥ 3s)" /
 * " for ≥ 3s", and nothing while that is under a second (--once: a state seen
 * once has no duration). */
static void put_since_seen(strbuf_t *sb, int64_t since_ms, int64_t now_ms, bool with_time, bool seen)
{
	if (since_ms <= 0)
		return;
	if (!seen && now_ms - since_ms < 1000)
		return;
	char d[40], t[40];
	fmt_duration_seen(d, sizeof d, now_ms - since_ms, seen, true);
	if (with_time) {
		fmt_time(t, sizeof t, since_ms);
		strbuf_printf(sb, " since %s%s (%s)", seen ? "" : "nodetop started ", t, d);
	} else {
		strbuf_printf(sb, " for %s", d);
	}
}

static void put_since(strbuf_t *sb, int64_t since_ms, int64_t now_ms, bool with_time)
{
	put_since_seen(sb, since_ms, now_ms, with_time, true);
}

static void put_num(strbuf_t *sb, double v)
{
	if (!isfinite(v))
		strbuf_puts(sb, "?");
	else if (v == floor(v) && fabs(v) < 1e15)
		strbuf_printf(sb, "%.0f", v);
	else
		strbuf_printf(sb, "%.2f", v);
}

/* Availability of ind over window_ms, only when it rests on enough observed
 * time (issue 12 point 4: one poll observes milliseconds). */
static bool uptime_shown(const indicator_t *ind, int64_t now_ms, int64_t window_ms, double *pct)
{
	if (uptime_observed_ms(&ind->uptime, now_ms, window_ms) < UPTIME_MIN_OBSERVED_MS)
		return false;
	return uptime_percent(&ind->uptime, now_ms, window_ms, pct);
}

static bool any_uptime(const node_t *n, int64_t now_ms)
{
	double p;
	for (int i = 0; i < IND__COUNT; i++)
		if (uptime_shown(&n->ind[i], now_ms, 86400000, &p))
			return true;
	return false;
}

/* The availability line: "1h/24h node 99.95%/100.00%, db -, rpc 98.20%/99.10%"
 * (label "  uptime:   1h/24h ", or "  uptime 1h/24h: " when colon); with less
 * than 24 h observed it says how much ("1h/24h (3h05m observed)"), and with
 * less than an hour the two windows are one figure: "over 4m12s observed:
 * node 100.00%, db -, rpc 32.25%". Under UPTIME_MIN_OBSERVED_MS: "-". */
static void put_uptimes(strbuf_t *sb, const node_t *n, int64_t now_ms, bool colon)
{
	int64_t obs = 0;
	for (int i = 0; i < IND__COUNT; i++) {
		int64_t o = uptime_observed_ms(&n->ind[i].uptime, now_ms, 86400000);
		if (o > obs)
			obs = o;
	}
	char d[32];
	fmt_duration(d, sizeof d, obs);
	bool one = obs < 3600000, all = obs >= 86400000 - UPTIME_BUCKET_MS;
	strbuf_puts(sb, colon ? "  uptime " : "  uptime:   ");
	if (one)
		strbuf_printf(sb, "over %s observed: ", d);
	else if (!all)
		strbuf_printf(sb, "1h/24h (%s observed)%s", d, colon ? ": " : " ");
	else
		strbuf_puts(sb, colon ? "1h/24h: " : "1h/24h ");
	for (int i = 0; i < IND__COUNT; i++) {
		double p1, p24;
		char a[16] = "-", b[16] = "-";
		bool h1 = uptime_shown(&n->ind[i], now_ms, 3600000, &p1);
		bool h24 = uptime_shown(&n->ind[i], now_ms, 86400000, &p24);
		if (h1)
			fmt_pct(a, sizeof a, p1);
		if (h24)
			fmt_pct(b, sizeof b, p24);
		strbuf_printf(sb, "%s%s ", i ? ", " : "", ind_label((indicator_id_t)i));
		if (!h1 && !h24)
			strbuf_puts(sb, "-");
		else if (one)
			strbuf_puts(sb, h24 ? b : a);
		else
			strbuf_printf(sb, "%s/%s", a, b);
	}
	strbuf_putc(sb, '\n');
}

static void put_check_list(strbuf_t *sb, const node_t *n, int64_t now_ms, bool utf8,
                           const char *indent, const char *out_indent, size_t max_lines)
{
	for (int pass = 0; pass < 2; pass++) {
		check_status_t want = pass == 0 ? CHECK_FAILING : CHECK_UNKNOWN;
		for (size_t c = 0; c < n->nchecks; c++) {
			const check_t *ck = &n->checks[c];
			if (ck->status != want)
				continue;
			strbuf_printf(sb, "%s%s ", indent, want == CHECK_FAILING ? "!" : "?");
			put_esc(sb, ck->name, utf8);
			if (want == CHECK_UNKNOWN)
				strbuf_puts(sb, " (status unknown)");
			put_since_seen(sb, ck->since_ms, now_ms, false, ck->since_seen);
			strbuf_putc(sb, '\n');
			if (ck->output && ck->output[0])
				put_lines(sb, ck->output, out_indent, utf8, max_lines);
		}
	}
}

static void put_chain_line(strbuf_t *sb, const rpc_chain_t *ch, const char *indent, bool utf8)
{
	strbuf_printf(sb, "%schain ", indent);
	put_esc(sb, ch->id, utf8);
	strbuf_printf(sb, ": %s", state_name_upper(ch->state));
	if (ch->have_states)
		strbuf_printf(sb, ", %d/%d alive", ch->alive, ch->total);
	if (ch->have_head) {
		strbuf_puts(sb, ", head ");
		put_num(sb, ch->head);
	}
	if (ch->reason[0] && ch->state != STATE_UP) {
		strbuf_puts(sb, " - ");
		put_esc(sb, ch->reason, utf8);
	}
	strbuf_putc(sb, '\n');
}

static void put_indicator_line(strbuf_t *sb, const indicator_t *ind, int64_t now_ms, bool utf8)
{
	strbuf_puts(sb, state_name_upper(ind->state));
	if (ind->state != STATE_UNKNOWN)
		put_since_seen(sb, ind->since_ms, now_ms, false, ind->since_seen);
	if (ind->reason[0]) {
		strbuf_puts(sb, ": ");
		put_esc(sb, ind->reason, utf8);
	}
}

/* ------------------------------------------------------------ alert rules */

static const char *rule_level_upper(int level)
{
	return level >= RULE_LEVEL_CRITICAL ? "CRITICAL" : level == RULE_LEVEL_WARNING ? "WARNING" : "OK";
}

/* "CRITICAL balance: native balance 0.05 of 0x9d3c…8d9e chain 56 (threshold 0.1) since 10:00:00Z (4m)" */
static void put_rule_line(strbuf_t *sb, const rule_inst_t *x, int64_t now_ms, const char *indent, bool utf8)
{
	strbuf_printf(sb, "%s%s %s: ", indent, rule_level_upper(x->level), rule_info(x->rule)->name);
	put_esc(sb, x->detail, utf8);
	if (!isnan(x->threshold))
		strbuf_printf(sb, " (threshold %.6g)", x->threshold);
	put_since(sb, x->since_ms, now_ms, true);
	strbuf_putc(sb, '\n');
}

/* The firing rules of node n, one line each. */
static void put_rule_lines(strbuf_t *sb, const node_t *n, int64_t now_ms, const char *head, bool utf8)
{
	bool first = true;
	for (size_t i = 0; i < rules_count(n->rules); i++) {
		const rule_inst_t *x = rules_get(n->rules, i);
		if (x->level <= 0)
			continue;
		if (first)
			strbuf_puts(sb, head);
		first = false;
		put_rule_line(sb, x, now_ms, "    ", utf8);
	}
}

static void text_node(strbuf_t *sb, const model_t *m, size_t idx, int64_t now_ms)
{
	const node_t *n = &m->nodes[idx];
	const bool u = true;
	strbuf_putc(sb, '\n');
	put_esc(sb, n->name, u);
	strbuf_printf(sb, ": %s", state_name_upper(node_shown_state(n)));
	if (n->state != STATE_UNKNOWN)
		put_since_seen(sb, n->state_since_ms, now_ms, true, n->state_since_seen);
	if (node_is_stale(n, now_ms) && n->last_health_ms > 0) {
		char d[32];
		fmt_duration(d, sizeof d, now_ms - node_last_answer_ms(n));
		strbuf_printf(sb, " [stale: last answer %s ago]", d);
	}
	strbuf_putc(sb, '\n');

	strbuf_puts(sb, "  url:      ");
	put_url(sb, n->url, u);
	strbuf_putc(sb, '\n');
	report_source_node_text(sb, m, idx);   /* where a [source]'s node's parts came from */
	if (n->group) {
		attention_t at = model_node_attention(m, idx, now_ms);
		strbuf_puts(sb, "  group:    ");
		put_esc(sb, n->group, u);
		if (role_name(at.role))
			strbuf_printf(sb, " (%s)", role_name(at.role));
		strbuf_putc(sb, '\n');
		if (at.state == STATE_STANDBY) {
			strbuf_puts(sb, "  role:     ");
			put_esc(sb, n->ind[IND_NODE].reason, u);
			strbuf_putc(sb, '\n');
		}
	}
	if (n->error[0]) {
		strbuf_puts(sb, "  error:    ");
		put_esc(sb, n->error, u);
		strbuf_putc(sb, '\n');
	}
	if (n->acked) {
		strbuf_puts(sb, "  ack:      acknowledged");
		put_since(sb, n->ack_ms, now_ms, false);
		if (n->ack_note[0]) {
			strbuf_puts(sb, ": ");
			put_esc(sb, n->ack_note, u);
		}
		strbuf_putc(sb, '\n');
	}
	strbuf_puts(sb, "  version:  ");
	if (n->version[0]) {
		put_esc(sb, n->version, u);
		if (n->commit[0]) {
			strbuf_puts(sb, " (commit ");
			put_esc(sb, n->commit, u);
			strbuf_putc(sb, ')');
		}
	} else {
		strbuf_puts(sb, "unknown");
	}
	strbuf_putc(sb, '\n');
	if (n->last_health_ms > 0 || n->last_metrics_ms > 0) {
		strbuf_puts(sb, "  latency:  ");
		const char *sep = "";
		if (n->last_health_ms > 0) {
			strbuf_printf(sb, "health %.0f ms", n->health_latency_ms);
			sep = ", ";
		}
		if (n->last_metrics_ms > 0) {
			strbuf_printf(sb, "%smetrics %.0f ms", sep, n->metrics_latency_ms);
			sep = ", ";
		}
		if (n->http_status > 0)
			strbuf_printf(sb, "%sHTTP %ld", sep, n->http_status);
		double sl, st;
		if (model_node_slow(m, idx, now_ms, &sl, &st))
			strbuf_printf(sb, " - slow: %.0f ms of its %.0f ms timeout", sl, st);
		strbuf_putc(sb, '\n');
	}
	if (n->have_proc_uptime) {
		char d[32];
		fmt_duration(d, sizeof d, (int64_t)(n->proc_uptime_s * 1000.0));
		strbuf_printf(sb, "  process:  up %s", d);
		if (n->last_metrics_ms > 0) {
			/* what the node knows: its process started uptime_seconds before that scrape */
			char st[40];
			fmt_time(st, sizeof st, n->last_metrics_ms - (int64_t)(n->proc_uptime_s * 1000.0));
			strbuf_printf(sb, " (started %s)", st);
		}
		strbuf_printf(sb, ", %u restart%s", n->restarts, n->restarts == 1 ? "" : "s");
		if (n->restarts && n->last_restart_ms > 0) {
			char t[40];
			fmt_time(t, sizeof t, n->last_restart_ms);
			strbuf_printf(sb, " (last %s)", t);
		}
		strbuf_putc(sb, '\n');
	}
	if (n->metrics_error[0] && !n->have_metrics) {
		strbuf_puts(sb, "  metrics:  ");
		put_esc(sb, n->metrics_error, u);
		strbuf_putc(sb, '\n');
	}
	if (n->have_metrics && n->metrics_bad_lines) {
		/* lines skipped, not silently: a series with too many labels is one */
		strbuf_printf(sb, "  metrics:  %zu malformed line%s skipped", n->metrics_bad_lines,
		              n->metrics_bad_lines == 1 ? "" : "s");
		if (n->metrics_bad_first[0]) {
			strbuf_puts(sb, " (first: ");
			put_esc(sb, n->metrics_bad_first, u);
			strbuf_putc(sb, ')');
		}
		strbuf_putc(sb, '\n');
	}
	if (n->plugin_error[0]) {
		strbuf_puts(sb, "  plugin:   ");
		put_esc(sb, n->plugin_error, u);
		strbuf_putc(sb, '\n');
	}
	strbuf_puts(sb, "  checks:   ");
	if (!n->have_health)
		strbuf_puts(sb, "none (no /health document)\n");
	else if (n->nchecks == 0)
		strbuf_puts(sb, "none reported\n");
	else if (n->nfailing == 0)
		strbuf_printf(sb, "%zu, all passing\n", n->nchecks);
	else
		strbuf_printf(sb, "%zu of %zu failing\n", n->nfailing, n->nchecks);
	put_check_list(sb, n, now_ms, u, "    ", "        ", 0);

	strbuf_puts(sb, "  database: ");
	put_indicator_line(sb, &n->ind[IND_DB], now_ms, u);
	if (n->have_db && !n->ind[IND_DB].reason[0]) {
		strbuf_puts(sb, ": open ");
		put_num(sb, n->db_open);
		strbuf_puts(sb, ", used ");
		put_num(sb, n->db_used);
		strbuf_puts(sb, ", max ");
		put_num(sb, n->db_max);
	}
	strbuf_putc(sb, '\n');
	report_db_node_text(sb, m, idx, "    ");
	strbuf_puts(sb, "  rpc:      ");
	put_indicator_line(sb, &n->ind[IND_RPC], now_ms, u);
	strbuf_putc(sb, '\n');
	for (size_t c = 0; c < n->nchains; c++)
		put_chain_line(sb, &n->chains[c], "    ", u);
	report_rpc_text(sb, m, n, now_ms, "    ", u);   /* [rpc] endpoints */
	if (any_uptime(n, now_ms)) {
		put_uptimes(sb, n, now_ms, false);
	}
	put_rule_lines(sb, n, now_ms, "  rules:\n", u);
}

void report_text(strbuf_t *out, const model_t *m, int64_t now_ms)
{
	int code = (int)model_status(m, now_ms).severity;
	char t[40];
	size_t line = out->len;
	strbuf_printf(out, "nodetop: %s - ", report_status_name(code));
	put_headline_detail(out, m, now_ms);
	for (size_t i = line; i < out->len; i++)
		if (out->data[i] == '|')
			out->data[i] = '/';   /* '|' starts the performance data */
	size_t bar = out->len;
	strbuf_puts(out, " | ");
	if (!report_perfdata(out, m, now_ms))
		out->data[out->len = bar] = '\0';
	strbuf_putc(out, '\n');
	fmt_time(t, sizeof t, now_ms);
	strbuf_printf(out, "time: %s\n", t);
	report_source_text(out, m, now_ms);   /* every [source] (report_source.c) */
	for (size_t k = 0; k < m->nnodes; k++)
		text_node(out, m, k, now_ms);
	if (m->ngroups > 0)
		strbuf_putc(out, '\n');
	for (size_t gi = 0; gi < m->ngroups; gi++) {
		const group_t *g = &m->groups[gi];
		strbuf_puts(out, "group ");
		put_esc(out, g->name, true);
		strbuf_puts(out, " (");
		for (size_t k = 0; k < g->nmembers; k++) {
			if (k)
				strbuf_puts(out, ", ");
			if (g->members[k] < m->nnodes)
				put_esc(out, m->nodes[g->members[k]].name, true);
		}
		strbuf_puts(out, "):");
		for (int i = 0; i < IND__COUNT; i++)
			strbuf_printf(out, "%s %s %s", i ? "," : "", ind_label((indicator_id_t)i),
			              state_name_upper(model_group_state(m, gi, (indicator_id_t)i)));
		const node_t *act = g->active < m->nnodes ? &m->nodes[g->active] : NULL;
		if (act) {
			strbuf_puts(out, "; active ");
			put_esc(out, act->name, true);
		} else {
			strbuf_puts(out, "; no active member");
		}
		size_t fo = model_group_failovers(m, gi, now_ms, 86400000);
		if (fo)
			strbuf_printf(out, "; %zu failover%s in 24h", fo, fo == 1 ? "" : "s");
		attention_t ga = model_group_attention(m, gi, now_ms);
		if (ga.severity != SEV_OK && ga.reason[0]) {
			strbuf_puts(out, " - ");
			put_esc(out, ga.reason, true);
		}
		strbuf_putc(out, '\n');
	}
}

/* ------------------------------------------------------------ JSON */

/* Empty string -> null. */
static cJSON *json_str_or_null(const char *s)
{
	return s && s[0] ? jsontext_str(s) : cJSON_CreateNull();
}

static cJSON *json_num(double v)
{
	return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

static cJSON *json_time_or_null(int64_t ms)
{
	if (ms <= 0)
		return cJSON_CreateNull();
	char t[40];
	fmt_time(t, sizeof t, ms);
	return cJSON_CreateString(t);
}

static void jadd(cJSON *obj, const char *key, cJSON *v)
{
	if (!v)
		abort();
	cJSON_AddItemToObject(obj, key, v);
}

/* Prints j compactly into out. cJSON leaves C1 controls, DEL, bidi controls
 * and line separators raw; they can only occur inside strings, where a
 * \uXXXX escape is valid, so they are escaped here (so that JSON printed on a
 * terminal cannot drive it either). */
static void json_emit(strbuf_t *out, cJSON *j)
{
	char *txt = cJSON_PrintUnformatted(j);
	if (!txt)
		abort();
	const unsigned char *s = (const unsigned char *)txt;
	size_t n = strlen(txt), i = 0, run = 0;
	while (i < n) {
		uint32_t cp = 0;
		size_t k = textsafe_utf8_next(txt + i, n - i, &cp);
		bool esc = s[i] == 0x7F || (k > 0 && s[i] >= 0x80 && textsafe_cp_hidden(cp));
		if (k == 0)
			k = 1;   /* cannot happen: strings were made valid UTF-8 */
		if (!esc) {
			i += k;
			run += k;
			continue;
		}
		strbuf_append(out, s + i - run, run);
		run = 0;
		strbuf_printf(out, "\\u%04" PRIx32, s[i] == 0x7F ? (uint32_t)0x7F : cp);
		i += k;
	}
	strbuf_append(out, s + i - run, run);
	cJSON_free(txt);
}

static cJSON *json_uptime(const indicator_t *ind, int64_t now_ms)
{
	cJSON *o = cJSON_CreateObject();
	double p;
	jadd(o, "1h", uptime_shown(ind, now_ms, 3600000, &p) ? json_num(p) : cJSON_CreateNull());
	jadd(o, "24h", uptime_shown(ind, now_ms, 86400000, &p) ? json_num(p) : cJSON_CreateNull());
	jadd(o, "observed_seconds", cJSON_CreateNumber(
	     (double)uptime_observed_ms(&ind->uptime, now_ms, 86400000) / 1000.0));
	/* from the stored history (issue 14): null while nothing was seen in the window */
	jadd(o, "7d", ind->long_known[MODEL_LONG_7D] ? json_num(ind->long_pct[MODEL_LONG_7D]) : cJSON_CreateNull());
	jadd(o, "30d", ind->long_known[MODEL_LONG_30D] ? json_num(ind->long_pct[MODEL_LONG_30D]) : cJSON_CreateNull());
	return o;
}

static cJSON *json_indicator(const indicator_t *ind, int64_t now_ms)
{
	cJSON *o = cJSON_CreateObject();
	jadd(o, "state", cJSON_CreateString(state_name(ind->state)));
	jadd(o, "reason", json_str_or_null(ind->reason));
	jadd(o, "since", json_time_or_null(ind->since_ms));
	jadd(o, "since_observed", cJSON_CreateBool(ind->since_ms > 0 && ind->since_seen));
	jadd(o, "uptime_percent", json_uptime(ind, now_ms));
	return o;
}

static cJSON *json_node(const model_t *m, size_t idx, int64_t now_ms)
{
	const node_t *n = &m->nodes[idx];
	cJSON *o = cJSON_CreateObject();
	char *url = report_url_masked(n->url ? n->url : "");
	jadd(o, "name", jsontext_str(n->name ? n->name : ""));
	jadd(o, "url", jsontext_str(url));
	free(url);
	jadd(o, "group", n->group ? jsontext_str(n->group) : cJSON_CreateNull());
	const char *role = role_name(model_node_attention(m, idx, now_ms).role);
	jadd(o, "role", role ? cJSON_CreateString(role) : cJSON_CreateNull());
	jadd(o, "state", cJSON_CreateString(state_name(node_shown_state(n))));
	jadd(o, "since", json_time_or_null(n->state_since_ms));
	jadd(o, "since_observed", cJSON_CreateBool(n->state_since_ms > 0 && n->state_since_seen));
	jadd(o, "stale", cJSON_CreateBool(node_is_stale(n, now_ms) && n->last_health_ms > 0));
	jadd(o, "error", json_str_or_null(n->error));
	jadd(o, "version", json_str_or_null(n->version));
	jadd(o, "commit", json_str_or_null(n->commit));

	cJSON *checks = cJSON_CreateArray();
	for (size_t c = 0; c < n->nchecks; c++) {
		const check_t *ck = &n->checks[c];
		cJSON *jc = cJSON_CreateObject();
		jadd(jc, "name", jsontext_str(ck->name ? ck->name : ""));
		jadd(jc, "status", cJSON_CreateString(check_status_name(ck->status)));
		jadd(jc, "output", jsontext_str(ck->output ? ck->output : ""));
		jadd(jc, "since", json_time_or_null(ck->since_ms));
		jadd(jc, "since_observed", cJSON_CreateBool(ck->since_ms > 0 && ck->since_seen));
		cJSON_AddItemToArray(checks, jc);
	}
	jadd(o, "checks", checks);
	jadd(o, "failing", cJSON_CreateNumber((double)n->nfailing));

	cJSON *db = json_indicator(&n->ind[IND_DB], now_ms);
	jadd(db, "open", n->have_db ? json_num(n->db_open) : cJSON_CreateNull());
	jadd(db, "used", n->have_db ? json_num(n->db_used) : cJSON_CreateNull());
	jadd(db, "max", n->have_db ? json_num(n->db_max) : cJSON_CreateNull());
	jadd(db, "wait_count", n->have_db ? json_num(n->db_wait) : cJSON_CreateNull());
	report_db_node_json(db, m, idx, now_ms);   /* node_view, direct (report_db.c) */
	jadd(o, "database", db);

	cJSON *rpc = json_indicator(&n->ind[IND_RPC], now_ms);
	cJSON *chains = cJSON_CreateArray();
	for (size_t c = 0; c < n->nchains; c++) {
		const rpc_chain_t *ch = &n->chains[c];
		cJSON *jc = cJSON_CreateObject();
		jadd(jc, "chain", jsontext_str(ch->id));
		jadd(jc, "state", cJSON_CreateString(state_name(ch->state)));
		jadd(jc, "reason", json_str_or_null(ch->reason));
		jadd(jc, "alive", ch->have_states ? cJSON_CreateNumber(ch->alive) : cJSON_CreateNull());
		jadd(jc, "total", ch->have_states ? cJSON_CreateNumber(ch->total) : cJSON_CreateNull());
		jadd(jc, "head", ch->have_head ? json_num(ch->head) : cJSON_CreateNull());
		jadd(jc, "listener_failing", cJSON_CreateBool(ch->listener_failing));
		cJSON_AddItemToArray(chains, jc);
	}
	jadd(rpc, "chains", chains);
	report_rpc_json(rpc, m, n, now_ms);   /* [rpc] endpoints: "direct" */
	jadd(o, "rpc", rpc);

	cJSON *nodeind = json_indicator(&n->ind[IND_NODE], now_ms);
	jadd(o, "availability", nodeind);

	jadd(o, "latency_ms", n->last_health_ms > 0 ? json_num(n->health_latency_ms) : cJSON_CreateNull());
	jadd(o, "metrics_latency_ms", n->last_metrics_ms > 0 ? json_num(n->metrics_latency_ms) : cJSON_CreateNull());
	jadd(o, "timeout_ms", n->health_timeout_ms > 0 ? json_num(n->health_timeout_ms) : cJSON_CreateNull());
	jadd(o, "slow", cJSON_CreateBool(model_node_slow(m, idx, now_ms, NULL, NULL)));
	jadd(o, "http_status", n->http_status > 0 ? cJSON_CreateNumber((double)n->http_status) : cJSON_CreateNull());
	jadd(o, "metrics_error", n->have_metrics ? cJSON_CreateNull() : json_str_or_null(n->metrics_error));
	jadd(o, "plugin_error", json_str_or_null(n->plugin_error));
	jadd(o, "metrics_parse_errors", cJSON_CreateNumber(n->have_metrics ? (double)n->metrics_bad_lines : 0));
	jadd(o, "metrics_parse_error", n->have_metrics ? json_str_or_null(n->metrics_bad_first) : cJSON_CreateNull());
	jadd(o, "restarts", cJSON_CreateNumber(n->restarts));
	jadd(o, "uptime_seconds", n->have_proc_uptime ? json_num(n->proc_uptime_s) : cJSON_CreateNull());
	jadd(o, "process_started", n->have_proc_uptime && n->last_metrics_ms > 0
	     ? json_time_or_null(n->last_metrics_ms - (int64_t)(n->proc_uptime_s * 1000.0)) : cJSON_CreateNull());
	jadd(o, "acked", cJSON_CreateBool(n->acked));
	jadd(o, "ack_note", n->acked ? json_str_or_null(n->ack_note) : cJSON_CreateNull());
	report_source_node_json(o, m, idx);   /* "from": direct polls or a [source] (report_source.c) */
	return o;
}

void report_json(strbuf_t *out, const model_t *m, int64_t now_ms)
{
	int code = (int)model_status(m, now_ms).severity;
	cJSON *root = cJSON_CreateObject();
	jadd(root, "schema_version", cJSON_CreateNumber(1));   /* the man page's JSON OUTPUT */
	strbuf_t head = STRBUF_INIT;
	put_headline_detail(&head, m, now_ms);
	jadd(root, "status", cJSON_CreateString(report_status_name(code)));
	jadd(root, "exit_code", cJSON_CreateNumber(code));
	jadd(root, "summary", jsontext_str(strbuf_str(&head)));
	strbuf_free(&head);
	char t[40];
	fmt_time(t, sizeof t, now_ms);
	jadd(root, "time", cJSON_CreateString(t));

	cJSON *nodes = cJSON_CreateArray();
	for (size_t k = 0; k < m->nnodes; k++)
		cJSON_AddItemToArray(nodes, json_node(m, k, now_ms));
	jadd(root, "nodes", nodes);

	cJSON *groups = cJSON_CreateArray();
	for (size_t gi = 0; gi < m->ngroups; gi++) {
		const group_t *g = &m->groups[gi];
		cJSON *jg = cJSON_CreateObject();
		jadd(jg, "name", jsontext_str(g->name ? g->name : ""));
		cJSON *mem = cJSON_CreateArray();
		for (size_t k = 0; k < g->nmembers; k++)
			if (g->members[k] < m->nnodes)
				cJSON_AddItemToArray(mem, jsontext_str(m->nodes[g->members[k]].name));
		jadd(jg, "members", mem);
		jadd(jg, "active", g->active < m->nnodes ? jsontext_str(m->nodes[g->active].name) : cJSON_CreateNull());
		attention_t ga = model_group_attention(m, gi, now_ms);
		jadd(jg, "status", cJSON_CreateString(severity_name(ga.severity)));
		jadd(jg, "reason", json_str_or_null(ga.reason));
		jadd(jg, "failing_over", cJSON_CreateBool(g->lost_ms != 0 && ga.state != STATE_UP && ga.state != STATE_DEGRADED));
		int two = model_group_two_active(m, gi);
		jadd(jg, "two_active", two < 0 ? cJSON_CreateNull() : cJSON_CreateBool(two > 0));
		jadd(jg, "failovers_24h", cJSON_CreateNumber((double)model_group_failovers(m, gi, now_ms, 86400000)));
		static const char *const keys[IND__COUNT] = { "node", "database", "rpc" };
		for (int i = 0; i < IND__COUNT; i++) {
			state_t gs = model_group_state(m, gi, (indicator_id_t)i);
			cJSON *ji = cJSON_CreateObject();
			jadd(ji, "state", cJSON_CreateString(state_name(gs)));
			jadd(ji, "since", g->ind[i].state == gs ? json_time_or_null(g->ind[i].since_ms)
			                                        : cJSON_CreateNull());
			jadd(ji, "uptime_percent", json_uptime(&g->ind[i], now_ms));
			jadd(jg, keys[i], ji);
		}
		cJSON_AddItemToArray(groups, jg);
	}
	jadd(root, "groups", groups);
	jadd(root, "databases", report_db_json(m, now_ms));   /* every [database] (report_db.c) */
	jadd(root, "sources", report_source_json(m, now_ms));   /* every [source] (report_source.c) */

	/* the firing alert rules of every node, worst first within a node */
	cJSON *rules = cJSON_CreateArray();
	for (size_t k = 0; k < m->nnodes; k++) {
		const node_t *n = &m->nodes[k];
		for (size_t i = 0; i < rules_count(n->rules); i++) {
			const rule_inst_t *x = rules_get(n->rules, i);
			if (x->level <= 0)
				continue;
			cJSON *jr = cJSON_CreateObject();
			jadd(jr, "name", cJSON_CreateString(rule_info(x->rule)->name));
			jadd(jr, "severity", cJSON_CreateString(rule_level_name(x->level)));
			jadd(jr, "node", jsontext_str(n->name ? n->name : ""));
			jadd(jr, "subject", jsontext_str(x->subject));
			jadd(jr, "value", json_num(x->value));
			jadd(jr, "threshold", isnan(x->threshold) ? cJSON_CreateNull() : json_num(x->threshold));
			jadd(jr, "since", json_time_or_null(x->since_ms));
			jadd(jr, "detail", jsontext_str(x->detail));
			cJSON_AddItemToArray(rules, jr);
		}
	}
	jadd(root, "rules", rules);
	json_emit(out, root);
	cJSON_Delete(root);
}

/* ------------------------------------------------------------ events */

/* For checks the states read passing/failing; for the rest, state names. */
static const char *event_state_name(const event_t *e, state_t s)
{
	if (e->kind == EVENT_CHECK) {
		if (s == STATE_UP)
			return "passing";
		if (s == STATE_DOWN)
			return "failing";
		if (s == STATE_UNKNOWN)
			return "unknown";
	}
	return state_name(s);
}

static bool event_has_transition(const event_t *e)
{
	return e->kind == EVENT_NODE || e->kind == EVENT_DB || e->kind == EVENT_RPC || e->kind == EVENT_CHECK ||
	       e->kind == EVENT_TWO_ACTIVE || e->kind == EVENT_GROUP;
}

/* The event without its time: "rpc bravo chain 1 up -> down: no RPC node Alive on chain 1". */
static void put_event_body(strbuf_t *sb, const event_t *e, bool utf8)
{
	strbuf_puts(sb, event_kind_name(e->kind));
	if (e->kind == EVENT_DB_FAILOVER || e->kind == EVENT_DB_LEASE) {   /* the sentence says it all */
		strbuf_puts(sb, ": ");
		put_esc(sb, e->detail, utf8);
		return;
	}
	if (e->kind == EVENT_FAILOVER) {
		/* "failover in pair: primary -> standby after 14s without an active member" */
		strbuf_puts(sb, " in ");
		put_esc(sb, e->group, utf8);
		strbuf_puts(sb, ": ");
		put_esc(sb, e->detail, utf8);
		return;
	}
	if (e->group[0]) {
		strbuf_putc(sb, ' ');
		put_esc(sb, e->group, utf8);
	}
	if (e->node[0]) {
		strbuf_putc(sb, ' ');
		put_esc(sb, e->node, utf8);
	}
	if (e->subject[0]) {
		strbuf_puts(sb, e->kind == EVENT_RPC ? " chain " : " ");
		put_esc(sb, e->subject, utf8);
	}
	if (event_has_transition(e))
		strbuf_printf(sb, " %s -> %s", event_state_name(e, e->from), event_state_name(e, e->to));
	if (e->kind == EVENT_RULE)
		strbuf_printf(sb, " %s %s -> %s", e->rule, e->from_level ? rule_level_name(e->from_level) : "ok",
		              rule_level_name(e->level));
	if (e->detail[0]) {
		strbuf_puts(sb, ": ");
		put_esc(sb, e->detail, utf8);
	}
	if (e->kind == EVENT_RULE && !isnan(e->threshold))
		strbuf_printf(sb, " (value %.6g, threshold %.6g)", e->value, e->threshold);
}

void report_event_line(strbuf_t *out, const event_t *e)
{
	char t[40];
	fmt_time(t, sizeof t, e->ts_ms);
	strbuf_printf(out, "%s ", t);
	put_event_body(out, e, true);
}

void report_event_json(strbuf_t *out, const event_t *e)
{
	char t[40];
	fmt_time(t, sizeof t, e->ts_ms);
	cJSON *o = cJSON_CreateObject();
	jadd(o, "time", cJSON_CreateString(t));
	jadd(o, "ts_ms", cJSON_CreateNumber((double)e->ts_ms));
	jadd(o, "kind", cJSON_CreateString(event_kind_name(e->kind)));
	jadd(o, "node", json_str_or_null(e->node));
	jadd(o, "subject", json_str_or_null(e->subject));
	if (e->kind == EVENT_FAILOVER || e->kind == EVENT_TWO_ACTIVE || e->kind == EVENT_GROUP)
		jadd(o, "group", json_str_or_null(e->group));
	if (e->kind == EVENT_FAILOVER) {
		jadd(o, "from", json_str_or_null(e->peer));
		jadd(o, "to", json_str_or_null(e->node));
		jadd(o, "gap_ms", cJSON_CreateNumber((double)e->gap_ms));
	} else if (event_has_transition(e)) {
		jadd(o, "from", cJSON_CreateString(event_state_name(e, e->from)));
		jadd(o, "to", cJSON_CreateString(event_state_name(e, e->to)));
	} else if (e->kind == EVENT_RULE) {
		jadd(o, "from", cJSON_CreateString(e->from_level ? rule_level_name(e->from_level) : "ok"));
		jadd(o, "to", cJSON_CreateString(rule_level_name(e->level)));
	} else {
		jadd(o, "from", cJSON_CreateNull());
		jadd(o, "to", cJSON_CreateNull());
	}
	jadd(o, "detail", json_str_or_null(e->detail));
	if (e->kind == EVENT_RULE) {
		jadd(o, "rule", cJSON_CreateString(e->rule));
		jadd(o, "severity", cJSON_CreateString(rule_level_name(e->level)));
		jadd(o, "previous", cJSON_CreateString(e->from_level ? rule_level_name(e->from_level) : "ok"));
		jadd(o, "value", isnan(e->value) ? cJSON_CreateNull() : json_num(e->value));
		jadd(o, "threshold", isnan(e->threshold) ? cJSON_CreateNull() : json_num(e->threshold));
	}
	json_emit(out, o);
	cJSON_Delete(o);
}

/* ------------------------------------------------------------ incident summary */

/* True when a newer event changed the same thing (kind, node, subject) again. */
static bool event_superseded(const eventlog_t *log, size_t i)
{
	const event_t *e = eventlog_get(log, i);
	for (size_t j = 0; e && j < i; j++) {
		const event_t *f = eventlog_get(log, j);
		if (f && f->kind == e->kind && strcmp(f->node, e->node) == 0 && strcmp(f->subject, e->subject) == 0 &&
		    strcmp(f->rule, e->rule) == 0 && strcmp(f->group, e->group) == 0)
			return true;
	}
	return false;
}

static void summary_indicator(strbuf_t *sb, const char *label, const indicator_t *ind, int64_t now_ms)
{
	strbuf_printf(sb, "  %s: %s", label, state_name_upper(ind->state));
	if (ind->state != STATE_UNKNOWN && ind->since_ms > 0)
		put_since_seen(sb, ind->since_ms, now_ms, true, ind->since_seen);
	if (ind->reason[0]) {
		strbuf_puts(sb, " - ");
		put_esc(sb, ind->reason, true);
	}
	strbuf_putc(sb, '\n');
}

void report_summary(strbuf_t *out, const model_t *m, int64_t now_ms, size_t max_events)
{
	int code = (int)model_status(m, now_ms).severity;
	char t[40];
	fmt_time(t, sizeof t, now_ms);
	strbuf_printf(out, "nodetop incident summary, %s: %s\n", t, report_status_name(code));
	put_headline_detail(out, m, now_ms);
	strbuf_putc(out, '\n');

	for (size_t k = 0; k < m->nnodes; k++) {
		if (!model_node_attention(m, k, now_ms).problem)
			continue;
		const node_t *n = &m->nodes[k];
		strbuf_putc(out, '\n');
		put_esc(out, n->name, true);
		size_t gi = model_group_index(m, n);
		if (gi != (size_t)-1) {
			strbuf_puts(out, " (group ");
			put_esc(out, m->groups[gi].name, true);
			strbuf_printf(out, " is %s)", state_name(model_group_state(m, gi, IND_NODE)));
		}
		strbuf_printf(out, ": %s", state_name_upper(node_shown_state(n)));
		if (n->state != STATE_UNKNOWN)
			put_since_seen(out, n->state_since_ms, now_ms, true, n->state_since_seen);
		strbuf_putc(out, '\n');
		if (node_is_stale(n, now_ms) && n->last_health_ms > 0) {
			char d[32];
			fmt_duration(d, sizeof d, now_ms - node_last_answer_ms(n));
			strbuf_printf(out, "  stale: last answer %s ago\n", d);
		}
		if (n->error[0]) {
			strbuf_puts(out, "  error: ");
			put_esc(out, n->error, true);
			strbuf_putc(out, '\n');
		}
		if (n->acked) {
			strbuf_puts(out, "  acknowledged");
			put_since(out, n->ack_ms, now_ms, false);
			if (n->ack_note[0]) {
				strbuf_puts(out, ": ");
				put_esc(out, n->ack_note, true);
			}
			strbuf_putc(out, '\n');
		}
		if (n->nfailing > 0)
			strbuf_printf(out, "  failing checks: %zu of %zu\n", n->nfailing, n->nchecks);
		put_check_list(out, n, now_ms, true, "    ", "      ", 10);
		summary_indicator(out, "db", &n->ind[IND_DB], now_ms);
		summary_indicator(out, "rpc", &n->ind[IND_RPC], now_ms);
		for (size_t c = 0; c < n->nchains; c++) {
			if (n->chains[c].state == STATE_UP)
				continue;
			put_chain_line(out, &n->chains[c], "    ", true);
		}
		if (any_uptime(n, now_ms)) {
			put_uptimes(out, n, now_ms, true);
		}
		put_rule_lines(out, n, now_ms, "  rules firing:\n", true);
	}

	size_t healthy = 0;
	for (size_t k = 0; k < m->nnodes; k++) {
		attention_t at = model_node_attention(m, k, now_ms);
		if (at.problem)
			continue;
		strbuf_puts(out, healthy++ ? ", " : "\nhealthy: ");
		put_esc(out, m->nodes[k].name, true);
		if (at.waiting)
			strbuf_puts(out, at.state == STATE_STARTING ? " (standby, starting)" : " (standby)");
	}
	if (healthy)
		strbuf_putc(out, '\n');

	size_t nev = m->events.len < max_events ? m->events.len : max_events;
	if (nev > 0) {
		strbuf_printf(out, "\nlast %zu event%s (newest first):\n", nev, nev == 1 ? "" : "s");
		for (size_t i = 0; i < nev; i++) {
			const event_t *e = eventlog_get(&m->events, i);
			if (!e)
				break;
			fmt_time(t, sizeof t, e->ts_ms);
			strbuf_printf(out, "  %s ", t);
			put_event_body(out, e, true);
			if (event_has_transition(e)) {
				char d[40];
				fmt_duration_seen(d, sizeof d, eventlog_duration(&m->events, i, now_ms),
				                  e->from != STATE_UNKNOWN, true);
				strbuf_printf(out, event_superseded(&m->events, i) ? " (lasted %s)" : " (for %s, ongoing)", d);
			}
			strbuf_putc(out, '\n');
		}
	}
}

/* ------------------------------------------------------------ tmux status line */

#define STATUS_LINE_MAX 40

/* Appends at most max_cols code points of the escaped name; '#' (tmux
 * formats) becomes '_'. */
static void put_name_cols(strbuf_t *sb, const char *name, bool utf8, size_t max_cols)
{
	strbuf_t tmp = STRBUF_INIT;
	put_esc(&tmp, name, utf8);
	const char *s = strbuf_str(&tmp);
	size_t cols = 0, i = 0, len = tmp.len;
	while (i < len) {
		size_t k = 1;
		while (i + k < len && ((unsigned char)s[i + k] & 0xC0) == 0x80)
			k++;
		if (cols + 1 > max_cols)
			break;
		if (s[i] == '#')
			strbuf_putc(sb, '_');
		else
			strbuf_append(sb, s + i, k);
		cols++;
		i += k;
	}
	strbuf_free(&tmp);
}

static size_t cols_of(const strbuf_t *sb, size_t from)
{
	size_t c = 0;
	for (size_t i = from; i < sb->len; i++)
		if (((unsigned char)sb->data[i] & 0xC0) != 0x80)
			c++;
	return c;
}

void report_status_line(strbuf_t *out, const model_t *m, int64_t now_ms, bool utf8)
{
	size_t start = out->len;
	if (!m || m->nnodes == 0) {
		strbuf_puts(out, "CL no nodes");
		return;
	}
	/* the worst problem by the model's rank (stale, warning or critical ones);
	 * on equal ranks the node indicator first, then the older problem: no flicker */
	model_status_t st = model_status(m, now_ms);
	attention_t worst = { .state = STATE_UNKNOWN };
	size_t worst_node = 0;
	bool have = false;
	for (size_t k = 0; k < m->nnodes; k++) {
		attention_t a = model_node_attention(m, k, now_ms);
		if (!a.stale && a.severity != SEV_WARNING && a.severity != SEV_CRITICAL)
			continue;
		if (have && (a.rank < worst.rank ||
		             (a.rank == worst.rank && (a.ind > worst.ind ||
		                                       (a.ind == worst.ind && a.since_ms >= worst.since_ms)))))
			continue;
		worst = a;
		worst_node = k;
		have = true;
	}
	if (st.nodes == st.unknown) {
		strbuf_puts(out, "CL ? stale");
		return;
	}
	const node_t *n = have ? &m->nodes[worst_node] : NULL;
	size_t gi = n ? model_group_index(m, n) : (size_t)-1;
	const node_t *act = gi != (size_t)-1 && m->groups[gi].active < m->nnodes ? &m->nodes[m->groups[gi].active] : NULL;
	if (act && act != n) {
		/* the group carries the service: say so first, "CL pair up on standby | node DOWN primary 4m" */
		strbuf_puts(out, "CL ");
		put_name_cols(out, m->groups[gi].name, utf8, 12);
		strbuf_printf(out, " %s on ", state_name(act->ind[IND_NODE].state));
		put_name_cols(out, act->name, utf8, 12);
	} else {
		/* the header's counts (model_counts): up means up */
		model_counts_t c = model_counts(m, now_ms);
		strbuf_printf(out, "CL %zu/%zu up", c.up, m->nnodes);
		if (c.standby)
			strbuf_printf(out, ", %zu standby", c.standby);
	}
	if (!have)
		return;
	char d[24] = "";
	if (worst.since_ms > 0 && (worst.since_seen || now_ms - worst.since_ms >= 1000)) {
		/* a start nodetop did not see is a lower bound; none at all when just seen */
		char ds[16];
		duration_short(ds, sizeof ds, now_ms - worst.since_ms);
		snprintf(d, sizeof d, "%s%s", worst.since_seen ? "" : utf8 ? "\xE2\x89\xA5" : ">=", ds);
	}
	strbuf_puts(out, utf8 ? " \xC2\xB7 " : " | ");
	const rule_inst_t *rule = NULL;
	int level = worst.stale ? 0 : rules_worst(n->rules, &rule);
	if (level > 0 && rule && n->ind[worst.ind].state == STATE_UP)
		/* the worst is an alert rule of an up node: "balance CRITICAL alpha 2m" */
		strbuf_printf(out, "%s %s ", rule_info(rule->rule)->name, level >= RULE_LEVEL_CRITICAL ? "CRITICAL" : "WARNING");
	else if (!worst.stale)
		strbuf_printf(out, "%s %s ", ind_label(worst.ind), state_name_upper(n->ind[worst.ind].state));
	size_t used = cols_of(out, start);
	size_t tail = worst.stale ? strlen(" stale") + (d[0] ? 1 + strlen(d) : 0) : (d[0] ? 1 + strlen(d) : 0);
	size_t room = used + tail < STATUS_LINE_MAX ? STATUS_LINE_MAX - used - tail : 1;
	put_name_cols(out, n->name, utf8, room < 1 ? 1 : room);
	if (worst.stale)
		strbuf_puts(out, " stale");
	if (d[0])
		strbuf_printf(out, " %s", d);
}
