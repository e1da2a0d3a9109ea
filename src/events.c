/* events.c - the event timeline: a bounded ring of state changes (nodes,
 * checks, database, RPC, restarts, config, acks) with an optional listener. */
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "xalloc.h"

void eventlog_init(eventlog_t *log, size_t cap)
{
	memset(log, 0, sizeof *log);
	log->cap = cap ? cap : 2000;
	log->ev = xcalloc(log->cap, sizeof *log->ev);
}

void eventlog_free(eventlog_t *log)
{
	free(log->ev);
	log->ev = NULL;
	log->cap = log->head = log->len = 0;
}

void eventlog_add(eventlog_t *log, const event_t *e)
{
	if (!log->ev)
		eventlog_init(log, 0);
	event_t *slot = &log->ev[log->head];
	*slot = *e;
	/* the strings are fixed arrays: make sure they end */
	slot->node[sizeof slot->node - 1] = '\0';
	slot->subject[sizeof slot->subject - 1] = '\0';
	slot->detail[sizeof slot->detail - 1] = '\0';
	slot->group[sizeof slot->group - 1] = '\0';
	slot->peer[sizeof slot->peer - 1] = '\0';
	slot->rule[sizeof slot->rule - 1] = '\0';
	log->head = (log->head + 1) % log->cap;
	if (log->len < log->cap)
		log->len++;
	log->seq++;
	if (log->on_event)
		log->on_event(log->ud, slot);
}

const event_t *eventlog_get(const eventlog_t *log, size_t i)
{
	if (i >= log->len)
		return NULL;
	size_t k = (log->head + log->cap - 1 - i) % log->cap;
	return &log->ev[k];
}

int64_t eventlog_duration(const eventlog_t *log, size_t i, int64_t now_ms)
{
	const event_t *e = eventlog_get(log, i);
	if (!e)
		return 0;
	for (size_t j = i; j-- > 0;) {
		const event_t *n = eventlog_get(log, j);
		if (n->kind == e->kind && strcmp(n->node, e->node) == 0 &&
		    strcmp(n->subject, e->subject) == 0 && strcmp(n->rule, e->rule) == 0 &&
		    strcmp(n->group, e->group) == 0)
			return n->ts_ms > e->ts_ms ? n->ts_ms - e->ts_ms : 0;
	}
	return now_ms > e->ts_ms ? now_ms - e->ts_ms : 0;
}

const char *event_kind_name(event_kind_t k)
{
	static const char *const names[] = {
		"node", "db", "rpc", "check", "restart", "config", "ack", "failover", "two-active", "rule", "notify",
		"db-failover", "lease",
		"group",
	};
	return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}
