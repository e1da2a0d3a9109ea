/* report_source.c - the [source NAME]s in the --once reports (issue 17): each source's
 * state in JSON, and for each node where its parts came from (direct polls or a source). */
#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "model_source.h"
#include "report_source.h"
#include "textsafe.h"

/* Text from a source (a server's error message) as valid UTF-8, NULL when empty. */
static cJSON *rs_str_or_null(const char *s)
{
	char buf[3 * 256 + 1];
	if (!s || !s[0])
		return cJSON_CreateNull();
	textsafe_utf8_repair(buf, sizeof buf, s, strlen(s));
	return cJSON_CreateString(buf);
}

cJSON *report_source_json(const model_t *m, int64_t now_ms)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < m->nsources; i++) {
		const src_state_t *st = m->sources[i];
		cJSON *o = cJSON_CreateObject();
		bool down = st->last_error[0] || (st->rounds && !st->last_ok_ms);
		const char *state = down ? "down" : st->last_ok_ms ? "up" : "unknown";
		cJSON_AddItemToObject(o, "name", rs_str_or_null(st->name));
		cJSON_AddItemToObject(o, "type", rs_str_or_null(st->type));
		cJSON_AddItemToObject(o, "url", rs_str_or_null(st->url));
		cJSON_AddItemToObject(o, "state", cJSON_CreateString(state));
		cJSON_AddItemToObject(o, "age_ms", st->last_ok_ms ? cJSON_CreateNumber((double)(now_ms > st->last_ok_ms
		                                                     ? now_ms - st->last_ok_ms : 0))
		                                                  : cJSON_CreateNull());
		cJSON_AddItemToObject(o, "queries_per_round", st->rounds ? cJSON_CreateNumber((double)st->last_queries)
		                                                         : cJSON_CreateNull());
		cJSON_AddItemToObject(o, "nodes", cJSON_CreateNumber((double)(st->last_ok_ms ? st->nodes_seen : 0)));
		cJSON_AddItemToObject(o, "error", rs_str_or_null(down ? (st->last_error[0] ? st->last_error : "no answer")
		                                                      : st->warning));
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

/* "direct", "source NAME", or for history "local" */
static void rs_from(const model_t *m, size_t idx, char *live, char *hist, size_t len)
{
	const src_state_t *own = model_source_of(m, idx), *mixed = own ? NULL : model_source_mixed(m, idx);
	if (own) {
		snprintf(live, len, "source %s", own->name);
		snprintf(hist, len, "source %s", own->name);
	} else {
		snprintf(live, len, "direct");
		if (mixed)
			snprintf(hist, len, "source %s", mixed->name);
		else
			snprintf(hist, len, "local");
	}
}

void report_source_node_json(cJSON *o, const model_t *m, size_t idx)
{
	char live[96], hist[96];
	rs_from(m, idx, live, hist, sizeof live);
	cJSON *f = cJSON_CreateObject();
	cJSON_AddItemToObject(f, "state", rs_str_or_null(live));
	cJSON_AddItemToObject(f, "checks", rs_str_or_null(live));
	cJSON_AddItemToObject(f, "history", rs_str_or_null(hist));
	cJSON_AddItemToObject(o, "from", f);
}

void report_source_node_text(strbuf_t *sb, const model_t *m, size_t idx)
{
	char live[96], hist[96];
	if (!model_source_of(m, idx) && !model_source_mixed(m, idx))
		return;
	rs_from(m, idx, live, hist, sizeof live);
	char buf[256];
	if (model_source_of(m, idx))
		snprintf(buf, sizeof buf, "state, checks (1/0 only) and history from %s", live);
	else
		snprintf(buf, sizeof buf, "state and checks from direct polls, history from %s", hist);
	/* a source's name is the operator's config text: escaped all the same */
	char safe[4 * sizeof buf + 1];
	textsafe_escape(safe, sizeof safe, buf, strlen(buf), true, false);
	strbuf_printf(sb, "  from:     %s\n", safe);
}

void report_source_text(strbuf_t *sb, const model_t *m, int64_t now_ms)
{
	for (size_t i = 0; i < m->nsources; i++) {
		const src_state_t *st = m->sources[i];
		char line[1024], safe[4 * sizeof line + 1];
		bool down = st->last_error[0] || (st->rounds && !st->last_ok_ms);
		if (down)
			snprintf(line, sizeof line, "source %s (%s): DOWN - %s", st->name, st->type,
			         st->last_error[0] ? st->last_error : "no answer");
		else if (!st->last_ok_ms)
			snprintf(line, sizeof line, "source %s (%s): no round yet", st->name, st->type);
		else
			snprintf(line, sizeof line, "source %s (%s): up, %llds old, %zu queries a round, %zu node%s%s%s",
			         st->name, st->type, (long long)((now_ms > st->last_ok_ms ? now_ms - st->last_ok_ms : 0) / 1000),
			         st->last_queries, st->nodes_seen, st->nodes_seen == 1 ? "" : "s",
			         st->warning[0] ? " - " : "", st->warning);
		textsafe_escape(safe, sizeof safe, line, strlen(line), true, false);
		strbuf_printf(sb, "%s\n", safe);
	}
}
