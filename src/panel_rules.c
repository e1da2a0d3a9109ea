/* panel_rules.c - the alert rules on the screen: the detail view's list of the node's
 * rules (state, value against threshold, for how long, acknowledged), the help's, the kiosk's. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "panel_rules.h"

/* What a line of the list is, in the order shown. */
enum { RL_CRIT = 0, RL_WARN, RL_PENDING, RL_OK, RL_OFF };

typedef struct rules_line {
	int kind;
	rule_id_t rule;
	const rule_inst_t *inst;   /* firing or pending instance, NULL for ok / off */
} rules_line_t;

#define RULES_NAME_W 19          /* the longest rule name and a space */
#define RULES_STATE_W 9          /* "critical" and a space */

/* A duration as set in the config: "10m", "1h", "90s", else fmt_duration's. */
static void rules_duration(char *buf, size_t sz, int64_t ms)
{
	if (ms > 0 && ms % 3600000 == 0)
		snprintf(buf, sz, "%lldh", (long long)(ms / 3600000));
	else if (ms > 0 && ms % 60000 == 0)
		snprintf(buf, sz, "%lldm", (long long)(ms / 60000));
	else if (ms > 0 && ms % 1000 == 0 && ms < 600000)
		snprintf(buf, sz, "%llds", (long long)(ms / 1000));
	else
		fmt_duration(buf, sz, ms);
}

/* A value in the rule's unit: "0.05", "11m40s", "62%", "3". */
static void rules_value(char *buf, size_t sz, rule_id_t r, double v)
{
	const char *unit = rule_info(r)->unit;

	if (isnan(v))
		snprintf(buf, sz, "-");
	else if (strcmp(unit, "s") == 0)
		rules_duration(buf, sz, (int64_t)(v * 1000));
	else if (strcmp(unit, "%") == 0)
		snprintf(buf, sz, "%.0f%%", v);
	else
		snprintf(buf, sz, "%.6g", v);
}

void panel_rules_thresholds(char *buf, size_t sz, rule_id_t r, const rule_cfg_t *c)
{
	const rule_info_t *ri = rule_info(r);
	const char *cmp = ri->below ? "<" : ">";
	char v[32], d[32];
	size_t o = 0;

	buf[0] = '\0';
	if (!c->on) {
		snprintf(buf, sz, "off");
		return;
	}
	if (r == RULE_METRIC_MISSING) {
		rules_duration(d, sizeof d, c->for_ms);
		snprintf(buf, sz, "warn when one is gone%s%s", c->for_ms > 0 ? " for " : "", c->for_ms > 0 ? d : "");
		return;
	}
	if (!isnan(c->warn)) {
		rules_value(v, sizeof v, r, c->warn);
		o += (size_t)snprintf(buf + o, sz - o, "warn %s %s", cmp, v);
	}
	if (!isnan(c->crit) && o < sz) {
		rules_value(v, sizeof v, r, c->crit);
		o += (size_t)snprintf(buf + o, sz - o, "%scrit %s %s", o ? ", " : "", cmp, v);
	}
	if (ri->windowed && o < sz) {
		rules_duration(d, sizeof d, c->window_ms);
		o += (size_t)snprintf(buf + o, sz - o, r == RULE_HEALTH_HISTORY ? " of %s" : " in %s", d);
	}
	if (c->for_ms > 0 && o < sz) {
		rules_duration(d, sizeof d, c->for_ms);
		snprintf(buf + o, sz - o, ", for %s", d);
	}
}

/* What the instance is about, escaped: "0x9d3c…8d9e chain 56", "chain 1", a check or job name. */
static void rules_subject(const view_t *t, char *buf, size_t sz, rule_id_t r, const char *raw)
{
	char a[80], b[80], rest[RULES_SUBJECT_MAX * 4 + 1];
	const char *sp = strchr(raw, ' ');
	size_t alen = sp ? (size_t)(sp - raw) : strlen(raw);

	buf[0] = '\0';
	if (!raw[0])
		return;
	switch (r) {
	case RULE_BALANCE:
		render_escape(t, rest, sizeof rest, sp ? sp : "", false);
		if (alen > 14 && raw[0] == '0' && (raw[1] == 'x' || raw[1] == 'X')) {
			char head[8], tail[8];
			snprintf(head, sizeof head, "%.6s", raw);
			snprintf(tail, sizeof tail, "%.4s", raw + alen - 4);
			render_escape(t, a, sizeof a, head, false);
			render_escape(t, b, sizeof b, tail, false);
			snprintf(buf, sz, "%s%s%s%.200s", a, t->g->ellipsis, b, rest);
		} else {
			char acct[80];
			snprintf(acct, sizeof acct, "%.*s", (int)(alen > 64 ? 64 : alen), raw);
			render_escape(t, a, sizeof a, acct, false);
			snprintf(buf, sz, "%s%s", a, rest);
		}
		break;
	case RULE_HEADS_STALLED: case RULE_UNCONFIRMED_BLOCKS: case RULE_TX_AGE:
	case RULE_GAS_BUMP_LIMIT: case RULE_INSUFFICIENT_FUNDS:
		render_escape(t, rest, sizeof rest, raw, false);
		snprintf(buf, sz, "chain %s", rest);
		break;
	default:
		render_escape(t, buf, sz, raw, false);
		break;
	}
}

/* Every rule of node n: its firing and pending instances, else one ok or off line. */
static size_t rules_lines(const node_t *n, rules_line_t *out, size_t cap)
{
	size_t k = 0;

	for (int r = 0; r < RULE__COUNT; r++) {
		bool any = false;
		if (!n->rules_cfg.r[r].on) {
			if (k < cap)
				out[k++] = (rules_line_t){ RL_OFF, (rule_id_t)r, NULL };
			continue;
		}
		/* room is kept for a line of every rule after this one */
		size_t room = cap - (size_t)(RULE__COUNT - 1 - r);
		for (size_t i = 0; i < rules_count(n->rules); i++) {
			const rule_inst_t *x = rules_get(n->rules, i);
			if (x->rule != (rule_id_t)r)
				continue;
			any = true;                 /* never "ok" while an instance fires */
			if (k >= room)
				continue;
			int kind = x->level >= RULE_LEVEL_CRITICAL ? RL_CRIT : x->level > 0 ? RL_WARN : RL_PENDING;
			out[k++] = (rules_line_t){ kind, (rule_id_t)r, x };
		}
		if (!any && k < cap)
			out[k++] = (rules_line_t){ RL_OK, (rule_id_t)r, NULL };
	}
	/* insertion sort, stable: firing critical, warning, pending, ok, off */
	for (size_t i = 1; i < k; i++) {
		rules_line_t l = out[i];
		size_t j = i;
		for (; j > 0 && out[j - 1].kind > l.kind; j--)
			out[j] = out[j - 1];
		out[j] = l;
	}
	return k;
}

static state_t rules_kind_state(int kind)
{
	static const state_t s[] = { STATE_DOWN, STATE_DEGRADED, STATE_STARTING, STATE_UP, STATE_UNKNOWN };
	return s[kind];
}

/* One line of the list at row y. */
static void rules_line_draw(view_t *t, WINDOW *w, int y, const node_t *n, const rules_line_t *l, bool stale,
                            bool subject_below)
{
	static const char *const word[] = { "critical", "warning", "pending", "ok", "off" };
	const rule_cfg_t *c = &n->rules_cfg.r[l->rule];
	const rule_info_t *ri = rule_info(l->rule);
	state_t s = rules_kind_state(l->kind);
	attr_t sa = stale ? A_DIM : render_state_attr(t, s) & ~A_REVERSE;
	int W = getmaxx(w), x = 1;
	char v[32], th[32], buf[512], dur[32];

	render_put(t, w, y, x, 1, render_state_symbol(t, s), sa);
	x += 2;
	render_field(t, w, y, x, RULES_NAME_W - 1, ri->name, l->kind <= RL_WARN ? A_BOLD : A_NORMAL, false);
	x += RULES_NAME_W;
	render_field(t, w, y, x, RULES_STATE_W - 1, word[l->kind], l->kind == RL_OFF ? A_DIM : sa, false);
	x += RULES_STATE_W;
	if (l->inst) {
		const rule_inst_t *in = l->inst;
		rules_value(v, sizeof v, l->rule, in->value);
		rules_value(th, sizeof th, l->rule, in->threshold);
		x += render_putf(t, w, y, x, W - x, A_BOLD, "%s %s %s", v, ri->below ? "<" : ">", th) + 2;
		if (in->level > 0) {
			fmt_duration(dur, sizeof dur, t->now_ms - in->since_ms);
			x += render_putf(t, w, y, x, W - x, A_NORMAL, "for %s", dur) + 2;
			if (n->acked)
				x += render_put(t, w, y, x, W - x, "ACK", A_BOLD | A_REVERSE) + 2;
			else
				x += render_put(t, w, y, x, W - x, "not acked", A_DIM) + 2;
		} else {
			char of[32];
			fmt_duration(dur, sizeof dur, t->now_ms - in->pending_ms);
			rules_duration(of, sizeof of, c->for_ms);
			x += render_putf(t, w, y, x, W - x, A_NORMAL, "holding %s of %s", dur, of) + 2;
		}
		rules_subject(t, buf, sizeof buf, l->rule, in->subject);
		if (subject_below)
			render_put(t, w, y + 1, 3, W - 4, buf, A_DIM);
		else
			render_put(t, w, y, x, W - x, buf, A_NORMAL);
		return;
	}
	if (l->kind == RL_OK) {
		double last;
		const char *subj;
		if (l->rule == RULE_METRIC_MISSING && rules_last(n->rules, l->rule, &last, &subj)) {
			x += render_put(t, w, y, x, W - x, "all served", stale ? A_DIM : A_NORMAL) + 2;
		} else if (rules_last(n->rules, l->rule, &last, &subj)) {
			rules_value(v, sizeof v, l->rule, last);
			x += render_putf(t, w, y, x, W - x, stale ? A_DIM : A_NORMAL, "%s%s", v,
			                 ri->windowed && strcmp(ri->unit, "%") != 0 ? " in window" : "") + 2;
		} else {
			x += render_put(t, w, y, x, W - x, "no value", A_DIM) + 2;
		}
	}
	panel_rules_thresholds(th, sizeof th, l->rule, c);
	if (l->kind == RL_OK)
		render_putf(t, w, y, x, W - x, A_DIM, "(%s)", th);
}

void panel_rules_draw(view_t *t, WINDOW *w)
{
	int H = getmaxy(w), W = getmaxx(w), y = 1;
	rules_line_t lines[RULE__COUNT + 64];
	size_t n, firing = 0;
	const node_t *node;
	char title[64], right[64];
	bool stale;

	if (t->sel >= t->m->nnodes) {
		render_title(t, w, "Rules", "", false);
		return;
	}
	node = &t->m->nodes[t->sel];
	stale = model_node_unread(t->m, t->sel, t->now_ms, NULL);
	n = rules_lines(node, lines, sizeof lines / sizeof lines[0]);
	for (size_t i = 0; i < n; i++)
		firing += lines[i].kind <= RL_WARN;
	snprintf(title, sizeof title, "Rules");
	if (firing)
		snprintf(right, sizeof right, "%zu firing%s", firing, node->acked ? ", acknowledged" : "");
	else
		snprintf(right, sizeof right, "none firing");
	render_title(t, w, title, right, false);
	/* what a firing rule is about goes on a line of its own when every line fits */
	bool below = (int)(n + firing) < H;
	for (size_t i = 0; i < n && y < H; i++, y++) {
		if (y == H - 1 && i + 1 < n) {
			/* no room for the rest: say what they are */
			size_t ok = 0, off = 0, other = 0;
			for (size_t k = i; k < n; k++)
				ok += lines[k].kind == RL_OK, off += lines[k].kind == RL_OFF, other += lines[k].kind < RL_OK;
			render_putf(t, w, y, 1, W - 2, A_DIM, "+%zu more: %zu firing or pending, %zu ok, %zu off", n - i,
			            other, ok, off);
			break;
		}
		bool sub = below && lines[i].kind <= RL_WARN && lines[i].inst->subject[0];
		rules_line_draw(t, w, y, node, &lines[i], stale, sub);
		y += sub;
	}
}

int panel_rules_help_rows(void)
{
	return RULE__COUNT + 2;
}

int panel_rules_help_draw(view_t *t, WINDOW *w, int y, int H)
{
	int W = getmaxx(w);
	const rules_cfg_t *c = &t->m->rules_cfg;
	char name[96], th[96];

	if (y >= H - 1)
		return y;
	if (t->sel < t->m->nnodes) {
		/* per-node thresholds may differ from [alerts]: those of the selected node */
		c = &t->m->nodes[t->sel].rules_cfg;
		render_escape(t, name, sizeof name, t->m->nodes[t->sel].name, false);
		render_putf(t, w, y++, 2, W - 4, A_BOLD, "alert rules in effect for %s:", name);
	} else {
		render_put(t, w, y++, 2, W - 4, "alert rules ([alerts]):", A_BOLD);
	}
	for (int r = 0; r < RULE__COUNT && y < H - 1; r++, y++) {
		const rule_info_t *ri = rule_info((rule_id_t)r);
		panel_rules_thresholds(th, sizeof th, (rule_id_t)r, &c->r[r]);
		render_put(t, w, y, 2, RULES_NAME_W, ri->name, A_BOLD);
		render_put(t, w, y, 2 + RULES_NAME_W, 32, th, c->r[r].on ? A_NORMAL : A_DIM);
		render_put(t, w, y, 2 + RULES_NAME_W + 33, W - 3 - RULES_NAME_W - 33, ri->what, A_DIM);
	}
	return y;
}

/* ---------------------------------------------------------------- kiosk */

#define RULES_KIOSK_MAX 3        /* firing rules listed per card, the rest counted */

static size_t rules_nfiring(const node_t *n)
{
	size_t k = 0;

	for (size_t i = 0; i < rules_count(n->rules); i++)
		k += rules_get(n->rules, i)->level > 0;
	return k;
}

int panel_rules_kiosk_rows(const node_t *n)
{
	size_t k = rules_nfiring(n);

	return k > RULES_KIOSK_MAX ? RULES_KIOSK_MAX + 1 : (int)k;
}

int panel_rules_kiosk_draw(view_t *t, WINDOW *w, int y, int end, const node_t *n, bool stale)
{
	int W = getmaxx(w);
	size_t shown = 0, total = rules_nfiring(n);
	char v[32], th[32], dur[32], subj[256], det[600];

	/* firing first, worst first: rules_get's order */
	for (size_t i = 0; i < rules_count(n->rules) && y < end; i++) {
		const rule_inst_t *x = rules_get(n->rules, i);
		const rule_info_t *ri = rule_info(x->rule);
		state_t s = x->level >= RULE_LEVEL_CRITICAL ? STATE_DOWN : STATE_DEGRADED;
		int xx = 5;
		if (x->level <= 0)
			continue;
		if (shown++ == RULES_KIOSK_MAX) {
			render_putf(t, w, y++, 5, W - 5, A_DIM, "+%zu more rules firing", total - RULES_KIOSK_MAX);
			break;
		}
		xx += render_put(t, w, y, xx, 2, render_state_symbol(t, s),
		                 stale ? A_DIM : render_state_attr(t, s) & ~A_REVERSE) + 1;
		xx += render_putf(t, w, y, xx, W - xx, stale ? A_DIM : A_BOLD, "%s %s", ri->name,
		                  rule_level_name(x->level)) + 2;
		rules_value(v, sizeof v, x->rule, x->value);
		rules_value(th, sizeof th, x->rule, x->threshold);
		xx += render_putf(t, w, y, xx, W - xx, A_NORMAL, "%s %s %s", v, ri->below ? "<" : ">", th) + 2;
		if (x->since_ms) {
			fmt_duration(dur, sizeof dur, t->now_ms - x->since_ms);
			xx += render_putf(t, w, y, xx, W - xx, A_NORMAL, "for %s", dur) + 2;
		}
		rules_subject(t, subj, sizeof subj, x->rule, x->subject);
		if (subj[0])
			xx += render_put(t, w, y, xx, W - xx, subj, A_NORMAL) + 2;
		else {
			render_escape(t, det, sizeof det, x->detail, false);
			render_put(t, w, y, xx, W - xx, det, A_DIM);
		}
		y++;
	}
	return y;
}

bool panel_rules_kiosk_banner(const view_t *t, const node_t *n, severity_t sev, const char **word,
                              char *what, size_t sz)
{
	const rule_inst_t *x = NULL;
	int level = rules_worst(n->rules, &x);
	char name[128], dur[32], det[300];

	if (level <= 0 || !x || (level >= RULE_LEVEL_CRITICAL ? SEV_CRITICAL : SEV_WARNING) != sev)
		return false;
	*word = level >= RULE_LEVEL_CRITICAL ? "CRITICAL" : "WARNING";
	render_escape(t, name, sizeof name, n->name, false);
	render_escape(t, det, sizeof det, x->detail, false);
	fmt_duration(dur, sizeof dur, x->since_ms ? t->now_ms - x->since_ms : 0);
	snprintf(what, sz, "%s %s on %s for %s: %s", rule_info(x->rule)->name, rule_level_name(level), name, dur, det);
	return true;
}
