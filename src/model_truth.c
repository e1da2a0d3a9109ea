/* model_truth.c - small judgements the screen asks so that it says only what is
 * true: node counts in which "up" means every indicator up. */
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
