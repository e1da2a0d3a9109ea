/* model_base.c - the bottom of the model that its other files share: string
 * helpers, events, chains, indicator setting and a node's time queries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "model_priv.h"
#include "xalloc.h"

void model_copy(char *dst, size_t size, const char *src)
{
	if (!size)
		return;
	size_t n = src ? strnlen(src, size - 1) : 0;   /* as snprintf "%s" would, without its cost */
	if (n)
		memmove(dst, src, n);
	dst[n] = '\0';
}

void model_copy_slice(char *dst, size_t size, const char *p, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(dst, p, len);
	dst[len] = '\0';
}

/* First non-blank line of s, trimmed, at most max bytes (raw bytes). */
void model_first_line(char *dst, size_t size, const char *s, size_t len, size_t max)
{
	size_t i = 0;
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	size_t j = i;
	while (j < len && s[j] != '\n' && s[j] != '\r')
		j++;
	while (j > i && (s[j - 1] == ' ' || s[j - 1] == '\t'))
		j--;
	size_t n = j - i;
	if (n > max)
		n = max;
	model_copy_slice(dst, size, s + i, n);
}

/* s[0..len) starts with (case-insensitive) lit */
static bool model_prefix_ci(const char *s, size_t len, const char *lit)
{
	size_t k = strlen(lit);
	if (len < k)
		return false;
	for (size_t i = 0; i < k; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != lit[i])
			return false;
	}
	return true;
}

void model_error_body(char *dst, size_t size, const char *s, size_t len, size_t max)
{
	size_t i = 0;
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	if (!(model_prefix_ci(s + i, len - i, "<html") || model_prefix_ci(s + i, len - i, "<!doctype html") ||
	      model_prefix_ci(s + i, len - i, "<head") || model_prefix_ci(s + i, len - i, "<?xml"))) {
		model_first_line(dst, size, s, len, max);
		return;
	}
	/* an HTML page (nginx, a load balancer, a WAF): its title says what went wrong */
	for (size_t j = i; j < len; j++) {
		if (s[j] != '<' || !model_prefix_ci(s + j, len - j, "<title"))
			continue;
		size_t a = j + 6;
		while (a < len && s[a] != '>')
			a++;
		a++;
		size_t b = a;
		while (b < len && !(s[b] == '<' && model_prefix_ci(s + b, len - b, "</title")))
			b++;
		/* whitespace runs (newlines too) become one space */
		char buf[FIRST_LINE_MAX * 2 + 1];
		size_t o = 0;
		bool sp = false;
		for (size_t k = a; k < b && o < sizeof buf - 1 && o < max; k++) {
			char c = s[k];
			if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
				sp = o > 0;
				continue;
			}
			if (sp && o < sizeof buf - 1)
				buf[o++] = ' ';
			sp = false;
			if (o < sizeof buf - 1)
				buf[o++] = c;
		}
		if (o > 0) {
			model_copy_slice(dst, size, buf, o);
			return;
		}
		break;
	}
	model_copy(dst, size, "HTML error page");
}

const char *model_auth_hint(long code, bool metrics, bool auth_sent)
{
	if (code != 401 && code != 403)
		return NULL;
	if (auth_sent)
		return "the token sent was refused (bearer_token_file)";
	if (metrics)
		return "set bearer_token_file (the node's [Prometheus] AuthToken)";
	return "a proxy wants credentials (header, bearer_token_file)";
}

const char *model_http_reason(long code)
{
	switch (code) {
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return NULL;
	}
}

/* Numbers compare as numbers ("2" < "10"), anything else as bytes. */
int model_idcmp(const char *a, const char *b)
{
	size_t la = strspn(a, "0123456789"), lb = strspn(b, "0123456789");
	if (la && lb && !a[la] && !b[lb] && la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a, b);
}

void model_event(model_t *m, event_kind_t kind, const char *node, const char *subject,
                        state_t from, state_t to, const char *detail, int64_t ts)
{
	event_t e;
	memset(&e, 0, sizeof e);
	e.ts_ms = ts;
	e.kind = kind;
	e.from = from;
	e.to = to;
	model_copy(e.node, sizeof e.node, node);
	model_copy(e.subject, sizeof e.subject, subject);
	model_copy(e.detail, sizeof e.detail, detail);
	eventlog_add(&m->events, &e);
}

void model_free_checks(node_t *n)
{
	for (size_t i = 0; i < n->nchecks; i++) {
		free(n->checks[i].name);
		free(n->checks[i].output);
	}
	free(n->checks);
	n->checks = NULL;
	n->nchecks = n->checks_cap = n->nfailing = 0;
}

size_t model_group_index(const model_t *m, const node_t *n)
{
	for (size_t i = 0; n->group && i < m->ngroups; i++)
		if (strcmp(m->groups[i].name, n->group) == 0)
			return i;
	return (size_t)-1;
}

rpc_chain_t *model_chain_find(node_t *n, const char *id, size_t len, bool create)
{
	for (size_t i = 0; i < n->nchains; i++) {
		rpc_chain_t *c = &n->chains[i];
		if (strlen(c->id) == len && memcmp(c->id, id, len) == 0)
			return c;
	}
	if (!create || n->nchains >= MODEL_MAX_CHAINS || len >= sizeof n->chains[0].id)
		return NULL;
	n->chains = xgrow_few(n->chains, &n->chains_cap, n->nchains + 1, sizeof *n->chains);
	rpc_chain_t *c = &n->chains[n->nchains++];
	memset(c, 0, sizeof *c);
	model_copy_slice(c->id, sizeof c->id, id, len);
	return c;
}

static int model_chain_cmp(const void *a, const void *b)
{
	return model_idcmp(((const rpc_chain_t *)a)->id, ((const rpc_chain_t *)b)->id);
}

void model_sort_chains(node_t *n)
{
	for (size_t i = 1; i < n->nchains; i++) {
		if (model_idcmp(n->chains[i - 1].id, n->chains[i].id) > 0) {
			qsort(n->chains, n->nchains, sizeof *n->chains, model_chain_cmp);
			return;
		}
	}
}

int64_t node_last_answer_ms(const node_t *n)
{
	return n->last_health_ms > n->last_metrics_ms ? n->last_health_ms : n->last_metrics_ms;
}

bool node_health_settled(const node_t *n)
{
	return n->have_health && n->http_status == 200 && n->nfailing == 0 && n->state == STATE_UP;
}

bool node_is_stale(const node_t *n, int64_t now_ms)
{
	int64_t newest = node_last_answer_ms(n);
	if (newest == 0)
		return false;
	int64_t iv = n->interval_ms > 0 ? n->interval_ms : 5000;
	return now_ms - newest > MODEL_STALE_N * iv;
}

/* Sets an indicator: event on a state change, uptime accrual, reason.
 * Returns true when anything visible changed. */
bool model_ind_set_uptime(model_t *m, indicator_t *ind, event_kind_t kind, const char *node,
                                 const char *subject, state_t st, state_t ust, const char *reason,
                                 int64_t now)
{
	bool changed = false;
	model_ind_gap(ind, now);
	if (ind->state != st) {
		if (node)
			model_event(m, kind, node, subject, ind->state, st, reason, now);
		/* a state that lasted no time at all passes on whether its own start was seen */
		ind->since_seen = ind->state != STATE_UNKNOWN && ind->since_ms != 0 &&
		                  (ind->since_ms < now || ind->since_seen);
		ind->state = st;
		ind->since_ms = now;
		changed = true;
	}
	if (strcmp(ind->reason, reason) != 0) {
		model_copy(ind->reason, sizeof ind->reason, reason);
		changed = true;
	}
	uptime_observe(&ind->uptime, now, ust);
	return changed;
}

void model_ind_gap(indicator_t *ind, int64_t now)
{
	uptime_t *u = &ind->uptime;
	if (u->last_ms && now - u->last_ms > MODEL_GAP_MS)
		uptime_observe(u, u->last_ms, STATE_UNKNOWN);   /* nodetop was not running */
}

/* Member idx of a group as a node, NULL for GROUP_NONE or out of range. */
const node_t *model_member(const model_t *m, size_t idx)
{
	return idx != GROUP_NONE && idx < m->nnodes ? &m->nodes[idx] : NULL;
}

const char *indicator_name(indicator_id_t id)
{
	static const char *const names[IND__COUNT] = { "node", "db", "rpc" };
	return (unsigned)id < IND__COUNT ? names[id] : "?";
}
