/* model_health.c - interprets a /health answer (204, 200/207 JSON or text, HTTP errors)
 * into the node's state and checks, with check events and HeadListener chains. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "model_priv.h"
#include "xalloc.h"

static state_t model_check_state(check_status_t s)
{
	return s == CHECK_PASSING ? STATE_UP : s == CHECK_FAILING ? STATE_DOWN : STATE_UNKNOWN;
}

/* ------------------------------------------------------------ /health */

/* The chain id of a HeadListener check: "EVM.<id>." ... "HeadTracker.HeadListener",
 * at any depth (plugin names nest the tracker under RelayerService...). */
static bool model_listener_chain(const char *name, const char **id, size_t *idlen)
{
	static const char suffix[] = "HeadTracker.HeadListener";
	size_t len = strlen(name), sl = sizeof suffix - 1;
	if (len < sl || strcmp(name + len - sl, suffix) != 0)
		return false;
	if (len > sl && name[len - sl - 1] != '.')
		return false;
	if (strncmp(name, "EVM.", 4) != 0)
		return false;
	const char *p = name + 4, *dot = strchr(p, '.');
	if (!dot || dot == p)
		return false;
	*id = p;
	*idlen = (size_t)(dot - p);
	return true;
}

static void model_update_listeners(node_t *n)
{
	for (size_t i = 0; i < n->nchains; i++)
		n->chains[i].have_listener = n->chains[i].listener_failing = false;
	for (size_t i = 0; i < n->nchecks; i++) {
		const char *id;
		size_t idlen;
		if (!model_listener_chain(n->checks[i].name, &id, &idlen))
			continue;
		rpc_chain_t *c = model_chain_find(n, id, idlen, true);
		if (!c)
			continue;
		c->have_listener = true;
		if (n->checks[i].status == CHECK_FAILING)
			c->listener_failing = true;
	}
	model_sort_chains(n);
}

/* Output of the failing HeadListener check of chain id (first line), or NULL. */
const char *model_listener_output(const node_t *n, const char *chain)
{
	for (size_t i = 0; i < n->nchecks; i++) {
		const char *id;
		size_t idlen;
		if (n->checks[i].status == CHECK_FAILING &&
		    model_listener_chain(n->checks[i].name, &id, &idlen) &&
		    strlen(chain) == idlen && memcmp(chain, id, idlen) == 0)
			return n->checks[i].output;
	}
	return NULL;
}

static int model_check_cmp(const void *a, const void *b)
{
	return strcmp(((const check_t *)a)->name, ((const check_t *)b)->name);
}

static void model_check_event(model_t *m, node_t *n, const check_t *c, state_t from, state_t to,
                              int64_t now)
{
	char detail[256];
	const char *out = c && c->output ? c->output : "";
	model_first_line(detail, sizeof detail, out, strlen(out), sizeof detail - 1);
	model_event(m, EVENT_CHECK, n->name, c ? c->name : "", from, to, detail, now);
}

/* Replaces the node's checks with rep's (taking its strings), carrying each
 * check's since_ms over by name and emitting EVENT_CHECK on changes.
 * rep == NULL clears the list (a starting node). */
static void model_set_checks(model_t *m, node_t *n, health_report_t *rep, int64_t now)
{
	size_t nn = rep ? rep->n : 0;
	check_t *nc = xcalloc(nn ? nn : 1, sizeof *nc);
	size_t nfail = 0;
	for (size_t i = 0; i < nn; i++) {
		nc[i].name = rep->checks[i].name ? rep->checks[i].name : xstrdup("");
		nc[i].output = rep->checks[i].output ? rep->checks[i].output : xstrdup("");
		nc[i].status = rep->checks[i].status;
		rep->checks[i].name = rep->checks[i].output = NULL;
		if (nc[i].status == CHECK_FAILING)
			nfail++;
	}
	qsort(nc, nn, sizeof *nc, model_check_cmp);

	size_t o = 0;
	for (size_t i = 0; i < nn; i++) {
		check_t *c = &nc[i];
		int cmp = 1;
		while (o < n->nchecks && (cmp = strcmp(n->checks[o].name, c->name)) < 0) {
			check_t *gone = &n->checks[o++];
			if (gone->status == CHECK_FAILING) {
				check_t tmp = *gone;
				tmp.output = "no longer reported";
				model_check_event(m, n, &tmp, STATE_DOWN, STATE_UNKNOWN, now);
			}
		}
		if (o < n->nchecks && cmp == 0) {
			check_t *old = &n->checks[o++];
			if (old->status == c->status) {
				c->since_ms = old->since_ms;
				c->since_seen = old->since_seen;
			} else {
				c->since_ms = now;
				c->since_seen = old->status != CHECK_UNKNOWN && (old->since_ms < now || old->since_seen);
				model_check_event(m, n, c, model_check_state(old->status),
				                  model_check_state(c->status), now);
			}
		} else {
			c->since_ms = now;
			if (c->status == CHECK_FAILING)
				model_check_event(m, n, c, STATE_UNKNOWN, STATE_DOWN, now);
		}
	}
	for (; o < n->nchecks; o++) {
		check_t *gone = &n->checks[o];
		if (gone->status == CHECK_FAILING) {
			check_t tmp = *gone;
			tmp.output = rep ? "no longer reported" : "node starting";
			model_check_event(m, n, &tmp, STATE_DOWN, STATE_UNKNOWN, now);
		}
	}
	model_free_checks(n);
	n->checks = nc;
	n->nchecks = nn;
	n->checks_cap = nn ? nn : 1;
	n->nfailing = nfail;
	model_update_listeners(n);
}

static void model_set_node_state(node_t *n, state_t st, int64_t now)
{
	if (n->state != st) {
		n->state_since_seen = n->state != STATE_UNKNOWN && n->state_since_ms != 0 &&
		                      (n->state_since_ms < now || n->state_since_seen);
		n->state = st;
		n->state_since_ms = now;
	}
}

/* A 64-bit hash of a /health body, 8 bytes a step: the document of the last answer is
 * known by its length and this (the node is untrusted, but it could as well send the
 * answer it wants). */
static uint64_t model_body_hash(const char *p, size_t len)
{
	const uint64_t k = 0x9e3779b97f4a7c15u;
	uint64_t h = (uint64_t)len * k;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		h = (h ^ w) * k;
		h ^= h >> 29;
	}
	for (; i < len; i++)
		h = (h ^ (unsigned char)p[i]) * 0x100000001b3u;
	return h ^ (h >> 32);
}

void model_apply_health(model_t *m, node_t *n, const probe_result_t *r)
{
	int64_t now = r->done_ms;
	n->polls++;
	n->last_health_ms = now;
	n->health_latency_ms = r->latency_ms;
	n->http_status = r->ok ? r->http_status : 0;
	n->health_error = r->ok ? PROBE_ERR_NONE : r->error_class != PROBE_ERR_NONE ? r->error_class : PROBE_ERR_OTHER;

	if (!r->ok) {
		model_copy(n->error, sizeof n->error, r->error && *r->error ? r->error : "request failed");
		n->poll_errors++;
		n->have_health = false;
		model_set_node_state(n, STATE_DOWN, now);
		return;
	}
	const char *body = r->body ? r->body : "";
	size_t len = r->body ? r->len : 0;
	if (r->http_status == 204) {
		n->error[0] = '\0';
		n->last_ok_ms = now;
		n->have_health = false;
		model_set_checks(m, n, NULL, now);
		model_set_node_state(n, STATE_STARTING, now);
		return;
	}
	uint64_t hash = r->same_body ? 0 : model_body_hash(body, len);
	if ((r->http_status == 200 || r->http_status == 207) && n->have_health && n->health_seen &&
	    (r->same_body || (len == n->health_len && hash == n->health_hash))) {
		/* The same document as last time: nothing to parse or compare. */
		n->error[0] = '\0';
		n->last_ok_ms = now;
		model_set_node_state(n, n->nfailing ? STATE_DEGRADED : STATE_UP, now);
		return;
	}
	n->health_seen = false;
	if (r->http_status == 200 || r->http_status == 207) {
		health_report_t rep = HEALTH_REPORT_INIT;
		char err[160] = "";
		if (health_parse_any(r->content_type, body, len, &rep, err, sizeof err) != 0) {
			snprintf(n->error, sizeof n->error, "unparsable /health: %s", err[0] ? err : "parse error");
			n->poll_errors++;
			n->have_health = false;
			health_report_free(&rep);
			model_set_node_state(n, STATE_DOWN, now);
			return;
		}
		model_set_checks(m, n, &rep, now);
		health_report_free(&rep);
		n->health_seen = true;
		n->health_len = len;
		n->health_hash = hash;
		n->error[0] = '\0';
		n->last_ok_ms = now;
		n->have_health = true;
		model_set_node_state(n, n->nfailing ? STATE_DEGRADED : STATE_UP, now);
		return;
	}
	/* any other status: down, with the status line and the body's first line */
	char line[FIRST_LINE_MAX + 1];
	model_error_body(line, sizeof line, body, len, FIRST_LINE_MAX);
	const char *reason = model_http_reason(r->http_status);
	const char *hint = model_auth_hint(r->http_status, false, r->auth_sent);
	snprintf(n->error, sizeof n->error, "HTTP %ld%s%s%s%s%s%s", r->http_status,
	         reason ? " " : "", reason ? reason : "", line[0] ? ": " : "", line,
	         hint ? " - " : "", hint ? hint : "");
	n->poll_errors++;
	n->have_health = false;
	model_set_node_state(n, STATE_DOWN, now);
}

