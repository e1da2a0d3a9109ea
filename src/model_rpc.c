/* model_rpc.c - the RPC endpoints nodetop probes itself: judges each one (rpcjudge) against its
 * chain's best head, keeps its head-lag history, and folds the direct view into nodes' RPC indicators. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "model_priv.h"
#include "model_rpc.h"
#include "xalloc.h"

#define MODEL_RPC_LAG_STEP_MS 1000   /* one lag sample a second at most */

static model_rpc_t *model_rpc_of(model_t *m)
{
	if (!m->rpc)
		m->rpc = xcalloc(1, sizeof *m->rpc);
	return m->rpc;
}

size_t model_rpc_count(const model_t *m)
{
	return m->rpc ? m->rpc->n : 0;
}

const rpc_ep_t *model_rpc_get(const model_t *m, size_t idx)
{
	return idx < model_rpc_count(m) ? &m->rpc->eps[idx] : NULL;
}

size_t model_rpc_add(model_t *m, const char *name, const char *url_masked, const char *ws_masked,
                     const rpcjudge_cfg_t *jcfg, char *const *nodes, size_t nnodes)
{
	model_rpc_t *r = model_rpc_of(m);
	r->eps = xgrow(r->eps, &r->cap, r->n + 1, sizeof *r->eps);
	rpc_ep_t *e = &r->eps[r->n];
	memset(e, 0, sizeof *e);
	e->name = xstrdup(name);
	model_copy(e->url, sizeof e->url, url_masked);
	model_copy(e->ws_url, sizeof e->ws_url, ws_masked);
	e->jcfg = *jcfg;
	e->chain = jcfg->chain;
	snprintf(e->chain_id, sizeof e->chain_id, "%llu", (unsigned long long)jcfg->chain);
	if (nnodes) {
		e->nodes = xcalloc(nnodes, sizeof *e->nodes);
		for (size_t i = 0; i < nnodes; i++)
			e->nodes[i] = xstrdup(nodes[i]);
		e->nnodes = nnodes;
	}
	e->out.state = STATE_UNKNOWN;
	model_copy(e->out.reason, sizeof e->out.reason, "not probed yet");
	uptime_init(&e->ind.uptime);
	model_copy(e->ind.reason, sizeof e->ind.reason, e->out.reason);
	ring_init(&e->lag, RPC_LAG_RING);
	m->generation++;
	return r->n++;
}

void model_rpc_free(model_t *m)
{
	if (!m->rpc)
		return;
	for (size_t i = 0; i < m->rpc->n; i++) {
		rpc_ep_t *e = &m->rpc->eps[i];
		free(e->name);
		for (size_t k = 0; k < e->nnodes; k++)
			free(e->nodes[k]);
		free(e->nodes);
		ring_free(&e->lag);
		uptime_free(&e->ind.uptime);
	}
	free(m->rpc->eps);
	free(m->rpc);
	m->rpc = NULL;
}

bool model_rpc_serves(const rpc_ep_t *e, const char *node)
{
	if (!e->nnodes)
		return true;
	for (size_t i = 0; i < e->nnodes; i++)
		if (strcmp(e->nodes[i], node) == 0)
			return true;
	return false;
}

/* The endpoint's head as the chain's best head counts it: 0 when it is on the wrong chain. */
static uint64_t model_rpc_head_for_best(const rpc_ep_t *e)
{
	if (!e->have_obs)
		return 0;
	if (e->obs.http_ok && e->chain && e->obs.st.chain_id != e->chain)
		return 0;
	uint64_t h = e->obs.http_ok ? e->obs.st.head : 0;
	return e->obs.ws_head > h ? e->obs.ws_head : h;
}

uint64_t model_rpc_best_head(const model_t *m, const char *chain_id)
{
	uint64_t best = 0;
	for (size_t i = 0; i < model_rpc_count(m); i++) {
		const rpc_ep_t *e = &m->rpc->eps[i];
		if (strcmp(e->chain_id, chain_id) != 0)
			continue;
		uint64_t h = model_rpc_head_for_best(e);
		if (h > best)
			best = h;
	}
	return best;
}

static int64_t model_rpc_age(int64_t now, int64_t then)
{
	if (!then)
		return -1;
	return now > then ? now - then : 0;
}

static bool model_rpc_judge(model_t *m, rpc_ep_t *e, int64_t now, uint64_t best)
{
	rpcjudge_in_t in;
	rpcjudge_out_t out;
	const rpc_obs_t *o = &e->obs;
	if (!e->have_obs)
		return false;
	memset(&in, 0, sizeof in);
	in.has_http = o->has_http;
	in.http_done = o->http_done;
	in.http_ok = o->http_ok;
	in.http_error = o->http_error;
	in.st = &o->st;
	in.latency_ms = o->latency_ms;
	in.ws_state = o->ws_state;
	in.ws_error = o->ws_error;
	in.ws_attempts = o->ws_attempts;
	in.ws_head = o->ws_head;
	in.ws_head_age_ms = model_rpc_age(now, o->ws_head_ms);
	in.ws_up_age_ms = model_rpc_age(now, o->ws_up_ms);
	in.ws_silent = o->ws_silent;
	in.head_age_ms = model_rpc_age(now, o->head_rise_ms);
	in.best_head = best;
	rpcjudge_judge(&e->jcfg, &in, &out);
	bool changed = out.state != e->out.state || out.head != e->out.head || out.lag != e->out.lag ||
	               strcmp(out.reason, e->out.reason) != 0;
	e->out = out;
	char reason[192];
	if (out.reason[0])
		model_copy(reason, sizeof reason, out.reason);
	else if (out.head)
		snprintf(reason, sizeof reason, "head %llu, %llu behind the best", (unsigned long long)out.head,
		         (unsigned long long)out.lag);
	else
		model_copy(reason, sizeof reason, "answering");
	/* the event reads "rpc chain 1 up on NAME" */
	changed |= model_ind_set_uptime(m, &e->ind, EVENT_RPC, e->name, e->chain_id, out.state, out.state, reason, now);
	if (out.head && (!e->lag_pushed_ms || now - e->lag_pushed_ms >= MODEL_RPC_LAG_STEP_MS)) {
		ring_push(&e->lag, now, (double)out.lag);
		e->lag_pushed_ms = now;
	}
	return changed;
}

/* Judges the endpoints on chain id (all when NULL), each chain's best head found once. */
static bool model_rpc_judge_chain(model_t *m, const char *id, int64_t now_ms)
{
	bool changed = false;
	size_t n = model_rpc_count(m);
	for (size_t i = 0; i < n; i++) {
		rpc_ep_t *e = &m->rpc->eps[i];
		if (id && strcmp(e->chain_id, id) != 0)
			continue;
		/* the first endpoint of its chain (in order) works the best head out for all */
		size_t first = i;
		for (size_t k = 0; k < i; k++)
			if (strcmp(m->rpc->eps[k].chain_id, e->chain_id) == 0) {
				first = k;
				break;
			}
		if (first != i)
			continue;
		uint64_t best = model_rpc_best_head(m, e->chain_id);
		for (size_t k = i; k < n; k++)
			if (strcmp(m->rpc->eps[k].chain_id, e->chain_id) == 0)
				changed |= model_rpc_judge(m, &m->rpc->eps[k], now_ms, best);
	}
	return changed;
}

bool model_rpc_tick(model_t *m, int64_t now_ms)
{
	return model_rpc_judge_chain(m, NULL, now_ms);
}

void model_rpc_apply(model_t *m, size_t idx, const rpc_obs_t *obs, int64_t now_ms)
{
	if (idx >= model_rpc_count(m))
		return;
	rpc_ep_t *e = &m->rpc->eps[idx];
	uint64_t best0 = model_rpc_best_head(m, e->chain_id);
	e->obs = *obs;
	e->have_obs = true;
	if (now_ms > m->now_ms)
		m->now_ms = now_ms;
	/* a new best head changes the lag of every endpoint on the chain; else only e changed */
	uint64_t best = model_rpc_best_head(m, e->chain_id);
	if (best != best0)
		model_rpc_judge_chain(m, e->chain_id, now_ms);
	else
		model_rpc_judge(m, e, now_ms, best);
	m->generation++;
}

size_t model_rpc_worst(const model_t *m)
{
	size_t w = (size_t)-1;
	for (size_t i = 0; i < model_rpc_count(m); i++) {
		const rpc_ep_t *e = &m->rpc->eps[i];
		if (e->out.state != STATE_DOWN && e->out.state != STATE_DEGRADED)
			continue;
		if (w == (size_t)-1 || e->out.state > m->rpc->eps[w].out.state)
			w = i;
	}
	return w;
}

/* ------------------------------------------------------------ a node's combined view */

/* The direct view of chain id for node n: state and a summary. */
static state_t model_rpc_chain_direct(const model_t *m, const node_t *n, const char *id, char *sum, size_t ssize)
{
	size_t total = 0, judged = 0, up = 0, down = 0;
	const rpc_ep_t *bad = NULL;
	for (size_t i = 0; i < model_rpc_count(m); i++) {
		const rpc_ep_t *e = &m->rpc->eps[i];
		if (strcmp(e->chain_id, id) != 0 || !model_rpc_serves(e, n->name))
			continue;
		total++;
		if (e->out.state == STATE_UNKNOWN)
			continue;
		judged++;
		if (e->out.state == STATE_UP)
			up++;
		else {
			if (e->out.state == STATE_DOWN)
				down++;
			if (!bad || e->out.state > bad->out.state)
				bad = e;
		}
	}
	uint64_t best = model_rpc_best_head(m, id);
	state_t st;
	char eps[160];
	if (!judged) {
		snprintf(sum, ssize, "chain %s: %zu endpoint%s not probed yet", id, total, total == 1 ? "" : "s");
		return STATE_UNKNOWN;
	}
	if (down == judged) {
		st = STATE_DOWN;
		snprintf(eps, sizeof eps, "every endpoint down (%.40s: %.80s)", bad->name, bad->out.reason);
	} else if (bad) {
		st = STATE_DEGRADED;
		snprintf(eps, sizeof eps, "%.40s %s: %.80s (%zu/%zu up)", bad->name, state_name(bad->out.state),
		         bad->out.reason, up, total);
	} else {
		st = STATE_UP;
		snprintf(eps, sizeof eps, "%zu/%zu endpoints up", up, total);
	}
	/* the node's own head against its providers' best */
	const rpc_chain_t *c = NULL;
	for (size_t i = 0; i < n->nchains && !c; i++)
		if (strcmp(n->chains[i].id, id) == 0)
			c = &n->chains[i];
	if (c && c->have_head && best) {
		uint64_t nh = c->head > 0 ? (uint64_t)c->head : 0;
		uint64_t lag_max = RPCJUDGE_LAG_BLOCKS;
		for (size_t i = 0; i < model_rpc_count(m); i++)
			if (strcmp(m->rpc->eps[i].chain_id, id) == 0) {
				lag_max = m->rpc->eps[i].jcfg.lag_blocks;
				break;
			}
		if (best > nh + lag_max) {
			/* first: it is what the operator must see */
			st = state_worst(st, STATE_DEGRADED);
			snprintf(sum, ssize, "chain %s: node head %llu, best RPC head %llu: the node is %llu blocks behind "
			         "its providers; %.100s", id, (unsigned long long)nh, (unsigned long long)best,
			         (unsigned long long)(best - nh), eps);
		} else {
			snprintf(sum, ssize, "chain %s: %.100s, node head %llu, best RPC head %llu", id, eps, (unsigned long long)nh,
			         (unsigned long long)best);
		}
	} else if (best) {
		snprintf(sum, ssize, "chain %s: %.100s, best RPC head %llu", id, eps, (unsigned long long)best);
	} else {
		snprintf(sum, ssize, "chain %s: %.100s", id, eps);
	}
	return st;
}

void model_rpc_combine(const model_t *m, const node_t *n, bool blind, state_t *st, char *reason, size_t rsize)
{
	char ids[16][24];
	size_t nids = 0;
	for (size_t i = 0; i < model_rpc_count(m); i++) {
		const rpc_ep_t *e = &m->rpc->eps[i];
		if (!model_rpc_serves(e, n->name))
			continue;
		bool dup = false;
		for (size_t k = 0; k < nids && !dup; k++)
			dup = strcmp(ids[k], e->chain_id) == 0;
		if (!dup && nids < 16)
			model_copy(ids[nids++], sizeof ids[0], e->chain_id);
	}
	if (!nids)
		return;
	state_t dst = STATE_UNKNOWN;
	char dsum[320] = "", cs[320];
	size_t nworst = 0;
	for (size_t k = 0; k < nids; k++) {
		state_t s = model_rpc_chain_direct(m, n, ids[k], cs, sizeof cs);
		if (!dsum[0] || s > dst) {
			dst = s;
			model_copy(dsum, sizeof dsum, cs);
			nworst = 1;
		} else if (s == dst)
			nworst++;
	}
	char node_reason[256];
	model_copy(node_reason, sizeof node_reason, reason);
	state_t nst = blind ? STATE_UNKNOWN : *st;
	if (nworst > 1) {
		size_t l = strlen(dsum);
		snprintf(dsum + l, sizeof dsum - l, " (+%zu more chain%s)", nworst - 1, nworst > 2 ? "s" : "");
	}
	if (dst > nst) {
		*st = dst;
		snprintf(reason, rsize, "direct: %.150s; node: %.90s", dsum, node_reason);
	} else {
		*st = nst;
		snprintf(reason, rsize, "node: %.90s; direct: %.150s", node_reason, dsum);
	}
}
