/* model_truth.c - small judgements the screen asks so that it says only what is true:
 * counts in which "up" means up, data not read now (last seen), no node reachable at all, slow. */
#include <string.h>

#include "model.h"

model_counts_t model_counts(const model_t *m, int64_t now_ms)
{
	model_counts_t c;

	memset(&c, 0, sizeof c);
	c.nodes = m->nnodes;
	for (size_t i = 0; i < m->nnodes; i++) {
		const node_t *n = &m->nodes[i];
		attention_t a = model_node_attention(m, i, now_ms);
		state_t s = a.state;

		if (a.stale)
			s = STATE_UNKNOWN;
		else if (a.waiting)
			s = STATE_STANDBY;      /* refused, or answering 204 while its peer serves */
		else if (s == STATE_UP) {
			/* up means up: a node whose database or RPC is not up, or with failing
			 * checks, is degraded */
			for (int k = IND_DB; k < IND__COUNT; k++)
				if (n->ind[k].state == STATE_DOWN || n->ind[k].state == STATE_DEGRADED)
					s = STATE_DEGRADED;
			if (n->nfailing)
				s = STATE_DEGRADED;
		}
		switch (s) {
		case STATE_UP: c.up++; break;
		case STATE_DEGRADED: c.degraded++; break;
		case STATE_STARTING: c.starting++; break;
		case STATE_DOWN: c.down++; break;
		case STATE_STANDBY: c.standby++; break;
		default: c.unknown++; break;
		}
	}
	return c;
}

bool model_node_unread(const model_t *m, size_t idx, int64_t now_ms, int64_t *seen_ms)
{
	const node_t *n;
	state_t s;

	if (now_ms <= 0)
		now_ms = m->now_ms;
	if (seen_ms)
		*seen_ms = 0;
	if (idx >= m->nnodes)
		return false;
	n = &m->nodes[idx];
	if (!n->last_health_ms)
		return false;               /* never polled: nothing old to show */
	s = n->ind[IND_NODE].state;
	if (node_is_stale(n, now_ms)) {
		if (seen_ms)
			*seen_ms = node_last_answer_ms(n);
		return true;
	}
	/* /health gave no body this time: refused, timed out, an HTTP error, 204 */
	if (n->state == STATE_DOWN || n->state == STATE_STARTING || s == STATE_STANDBY) {
		if (seen_ms)
			*seen_ms = n->state_since_ms;
		return true;
	}
	return false;
}

bool model_none_reachable(const model_t *m, int64_t now_ms)
{
	(void)now_ms;
	if (m->nnodes < 2)
		return false;           /* one node: its own verdict says it */
	for (size_t i = 0; i < m->nnodes; i++) {
		const node_t *n = &m->nodes[i];
		switch (n->health_error) {
		case PROBE_ERR_REFUSED:
		case PROBE_ERR_TIMEOUT:
		case PROBE_ERR_DNS:
		case PROBE_ERR_OTHER:
			break;
		default:
			return false;   /* it answered (or failed in a way of its own: TLS, reset, size) */
		}
	}
	return true;
}

bool model_node_slow(const model_t *m, size_t idx, int64_t now_ms, double *latency_ms, double *timeout_ms)
{
	const node_t *n;
	double lat = 0, lim = 0;

	if (now_ms <= 0)
		now_ms = m->now_ms;
	if (idx >= m->nnodes)
		return false;
	n = &m->nodes[idx];
	if (node_is_stale(n, now_ms) || n->health_error != PROBE_ERR_NONE)
		return false;           /* no answer: down or stale says more than slow */
	if (n->health_slow) {
		lat = n->health_latency_ms;
		lim = n->health_timeout_ms;
	}
	if (n->metrics_slow && (!n->health_slow || n->metrics_latency_ms / n->metrics_timeout_ms > lat / lim)) {
		lat = n->metrics_latency_ms;
		lim = n->metrics_timeout_ms;
	}
	if (latency_ms)
		*latency_ms = lat;
	if (timeout_ms)
		*timeout_ms = lim;
	return n->health_slow || n->metrics_slow;
}
