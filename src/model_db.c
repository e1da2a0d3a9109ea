/* model_db.c - the databases nodetop probes itself (issue 15): results into the
 * model, failover and lease events, and the database indicator's two views. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "model_db.h"
#include "model_priv.h"
#include "xalloc.h"

size_t model_db_add(model_t *m, const char *name, const char *const *ties, size_t nties, int64_t interval_ms)
{
	m->dbs = xrealloc(m->dbs, (m->ndbs + 1) * sizeof *m->dbs);
	model_db_t *d = &m->dbs[m->ndbs];
	memset(d, 0, sizeof *d);
	d->name = xstrdup(name ? name : "");
	d->ties = nties ? xcalloc(nties, sizeof *d->ties) : NULL;
	for (size_t i = 0; i < nties; i++)
		d->ties[i] = xstrdup(ties[i]);
	d->nties = nties;
	d->interval_ms = interval_ms > 0 ? interval_ms : 10000;
	dbinfo_init(&d->last);
	d->ind.state = STATE_UNKNOWN;
	model_copy(d->ind.reason, sizeof d->ind.reason, "not probed yet");
	uptime_init(&d->ind.uptime);
	d->agrees = -1;
	m->generation++;
	return m->ndbs++;
}

static char *db_part(const char *s, size_t len)
{
	while (len && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (!len)
		return NULL;
	char *p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

bool model_db_add_client(model_t *m, size_t di, const char *node, const char *spec)
{
	if (di >= m->ndbs || !node || !spec)
		return false;
	size_t bar = strcspn(spec, "|");
	char *addr = db_part(spec, bar), *app = spec[bar] ? db_part(spec + bar + 1, strlen(spec + bar + 1)) : NULL;
	if (!addr && !app)
		return false;
	model_db_t *d = &m->dbs[di];
	d->clients = xrealloc(d->clients, (d->nclients + 1) * sizeof *d->clients);
	d->clients[d->nclients].node = xstrdup(node);
	d->clients[d->nclients].addr = addr;
	d->clients[d->nclients].app = app;
	d->nclients++;
	return true;
}

void model_db_clear(model_t *m)
{
	for (size_t i = 0; i < m->ndbs; i++) {
		model_db_t *d = &m->dbs[i];
		for (size_t k = 0; k < d->nties; k++)
			free(d->ties[k]);
		free(d->ties);
		for (size_t k = 0; k < d->nclients; k++) {
			free(d->clients[k].node);
			free(d->clients[k].addr);
			free(d->clients[k].app);
		}
		free(d->clients);
		free(d->name);
		uptime_free(&d->ind.uptime);
	}
	free(m->dbs);
	m->dbs = NULL;
	m->ndbs = 0;
	m->generation++;
}

size_t model_db_find(const model_t *m, const char *name)
{
	for (size_t i = 0; name && i < m->ndbs; i++)
		if (strcmp(m->dbs[i].name, name) == 0)
			return i;
	return (size_t)-1;
}

bool model_db_tied(const model_t *m, size_t di, const node_t *n)
{
	if (di >= m->ndbs)
		return false;
	const model_db_t *d = &m->dbs[di];
	for (size_t k = 0; k < d->nties; k++)
		if (strcmp(d->ties[k], n->name) == 0 || (n->group && strcmp(d->ties[k], n->group) == 0))
			return true;
	return false;
}

bool model_db_direct(const model_t *m, const node_t *n)
{
	for (size_t i = 0; i < m->ndbs; i++)
		if (m->dbs[i].probes && model_db_tied(m, i, n))
			return true;
	return false;
}

/* ------------------------------------------------------------ results */

/* "writer, 12/30 connections, 2.1 ms" or "refused: connection refused ..." */
static void db_direct_reason(const db_probe_result_t *r, char *dst, size_t size)
{
	if (!r->up) {
		snprintf(dst, size, "%s: %.150s", dbinfo_error_name(r->error), r->error_text);
		return;
	}
	double ms = (r->connect_ms > 0 ? r->connect_ms : 0) + (r->query_ms > 0 ? r->query_ms : 0);
	snprintf(dst, size, "%s, %lld/%lld connections, %.1f ms", dbinfo_role_name(r->role), (long long)r->connections,
	         (long long)r->max_connections, ms);
}

/* What the failover groups tied to d say now: "; pair: active member primary". */
static void db_pair_facts(const model_t *m, const model_db_t *d, char *dst, size_t size)
{
	size_t o = 0;
	dst[0] = '\0';
	for (size_t gi = 0; gi < m->ngroups && o + 1 < size; gi++) {
		const group_t *g = &m->groups[gi];
		bool tied = false;
		for (size_t k = 0; k < g->nmembers && !tied; k++)
			tied = g->members[k] < m->nnodes && model_db_tied(m, (size_t)(d - m->dbs), &m->nodes[g->members[k]]);
		if (!tied)
			continue;
		const node_t *act = model_member(m, g->active);
		int w = act ? snprintf(dst + o, size - o, "; %.40s: active member %.40s", g->name, act->name)
		            : snprintf(dst + o, size - o, "; %.40s: no active member now", g->name);
		if (w < 0)
			break;
		o += (size_t)w < size - o ? (size_t)w : size - o - 1;
	}
}

/* ------------------------------------------------------------ the lease's holder */

#define DB_TIE_STR_(x) #x
#define DB_TIE_STR(x) DB_TIE_STR_(x)

static bool db_client_matches(const model_db_client_t *c, const db_lease_session_t *s)
{
	return (!c->addr || strcmp(c->addr, s->addr) == 0) && (!c->app || strcmp(c->app, s->app) == 0);
}

/* "10.0.0.9 app x" of a session, for the reasons */
static void db_session_name(const db_lease_session_t *s, char *dst, size_t size)
{
	snprintf(dst, size, "%.46s%s%.60s", s->addr[0] ? s->addr : "local socket", s->app[0] ? " " : "", s->app);
}

/* A session gone idle within DB_LEASE_WINDOW_MS after the lease's expires_at -
 * lease duration: it ran the transaction that wrote the current expires_at. */
static bool db_sess_in_window(const db_lease_session_t *s)
{
	return (s->kind == 'u' || s->kind == 'c') && s->has_offset && s->offset_us >= 0 &&
	       s->offset_us <= (int64_t)DB_LEASE_WINDOW_MS * 1000;
}

/* The sessions that may have written the lease now: those in a transaction
 * or running an upsert ('a': they cannot be told apart), those beginning or
 * committing a transaction since ('b', a refresh perhaps under way: only a
 * node's counts, and never alone, see db_tie) and those in the window; when none is in the window, every upsert session ('a' and 'u', the
 * autocommit rule, e.g. lease_duration set wrong). COMMIT sessions outside
 * the window never count. Returns how many were put in out. */
static size_t db_writers(const db_probe_result_t *r, db_lease_session_t *out)
{
	size_t n = 0;
	bool window = false;
	for (size_t i = 0; i < r->nlease_sess; i++)
		window = window || db_sess_in_window(&r->lease_sess[i]);
	for (size_t i = 0; i < r->nlease_sess; i++) {
		const db_lease_session_t *s = &r->lease_sess[i];
		bool running = s->kind != 'u' && s->kind != 'c';   /* 'a', 'b', or a kind not said */
		if (running || db_sess_in_window(s) || (!window && s->kind == 'u'))
			out[n++] = *s;
	}
	return n;
}

/* Ties the live lease of r to one node through the sessions that may have
 * written it (db_writers): every one matches the db_client of the same one
 * node and no other -> that node; anything else is said, never guessed. */
static void db_tie(model_db_t *d, const db_probe_result_t *r)
{
	const char *node = NULL;
	char who[120];
	db_lease_session_t ws[DB_LEASE_SESS_MAX];
	size_t nws = 0;
	d->holder_node[0] = '\0';
	d->holder_foreign = false;
	if (!r->up || r->lease != DB_LEASE_HELD) {
		d->holder_tie[0] = '\0';
		return;
	}
	if (r->lease_expires_in_ms < 0) {
		model_copy(d->holder_tie, sizeof d->holder_tie, "not tied to a node: the lease expired");
		return;
	}
	if (!d->nclients) {
		model_copy(d->holder_tie, sizeof d->holder_tie, "not tied to a node: no node has db_client set");
		return;
	}
	if (r->lease_sess_more) {
		snprintf(d->holder_tie, sizeof d->holder_tie, "not tied to a node: more than %d sessions refresh it",
		         DB_LEASE_SESS_MAX);
		return;
	}
	nws = db_writers(r, ws);
	bool seen = false;   /* a session that wrote or writes it; 'b' only makes it ambiguous */
	for (size_t i = 0; i < nws; i++)
		seen = seen || ws[i].kind != 'b';
	if (!seen) {
		model_copy(d->holder_tie, sizeof d->holder_tie,
		           "not tied to a node: no session refreshing it seen (no refresh ended within "
		           DB_TIE_STR(DB_LEASE_WINDOW_MS) " ms after expires_at - lease_duration, or no pg_read_all_stats)");
		return;
	}
	size_t unmatched = 0;
	for (size_t i = 0; i < nws; i++) {
		const char *mine = NULL;
		for (size_t k = 0; k < d->nclients; k++) {
			if (!db_client_matches(&d->clients[k], &ws[i]))
				continue;
			if (mine && strcmp(mine, d->clients[k].node) != 0) {
				db_session_name(&ws[i], who, sizeof who);
				snprintf(d->holder_tie, sizeof d->holder_tie,
				         "not tied to a node: session %.80s matches both %.30s and %.30s", who, mine,
				         d->clients[k].node);
				return;
			}
			mine = d->clients[k].node;
		}
		if (!mine && ws[i].kind == 'b')
			continue;   /* any client's transaction: evidence only for a node's lease session */
		if (!mine) {
			unmatched++;
			db_session_name(&ws[i], who, sizeof who);
			continue;
		}
		if (node && strcmp(node, mine) != 0) {
			snprintf(d->holder_tie, sizeof d->holder_tie,
			         "not tied to a node: both %.40s and %.40s refresh it", node, mine);
			return;
		}
		node = mine;
	}
	if (node && unmatched) {
		snprintf(d->holder_tie, sizeof d->holder_tie,
		         "not tied to a node: %.40s and a session of no node (%.80s) refresh it", node, who);
		return;
	}
	if (!node) {
		bool upsert = false;   /* an upsert seen, not only a COMMIT that may be anyone's */
		for (size_t i = 0; i < nws; i++)
			upsert = upsert || (ws[i].kind != 'c' && ws[i].kind != 'b');   /* 'u', 'a' or not said */
		if (!upsert) {
			snprintf(d->holder_tie, sizeof d->holder_tie,
			         "not tied to a node: only sessions of no node (%.80s) ended a transaction then", who);
			return;
		}
		d->holder_foreign = true;
		snprintf(d->holder_tie, sizeof d->holder_tie, "a client that is no node: %.80s%s", who,
		         nws > 1 ? " and others" : "");
		return;
	}
	model_copy(d->holder_node, sizeof d->holder_node, node);
	model_copy(d->holder_tie, sizeof d->holder_tie, node);
}

/* A lease's client_id is one Chainlink process for its whole life. Once two probes in a row tied it
 * to the same node, a probe that ties that client_id to another node (a waiting standby's COMMIT
 * landing in the window by chance while the holder's transaction ran long) keeps the confirmed node;
 * the other node takes over only when three probes in a row see it. A probe that ties nothing
 * still says so: only a contradiction is overruled. */
static void db_confirm(model_db_t *d, const db_probe_result_t *r)
{
	if (!d->holder_node[0]) {   /* "in a row": a probe that ties nothing ends the streak */
		d->cand_uuid[0] = '\0';
		d->cand_streak = 0;
		return;
	}
	if (strcmp(d->cand_uuid, r->lease_holder) == 0 && strcmp(d->cand_node, d->holder_node) == 0) {
		d->cand_streak++;
	} else {
		model_copy(d->cand_uuid, sizeof d->cand_uuid, r->lease_holder);
		model_copy(d->cand_node, sizeof d->cand_node, d->holder_node);
		d->cand_streak = 1;
	}
	bool contradicts = strcmp(d->conf_uuid, r->lease_holder) == 0 && strcmp(d->conf_node, d->holder_node) != 0;
	if (d->cand_streak >= (contradicts ? 3 : 2)) {
		model_copy(d->conf_uuid, sizeof d->conf_uuid, d->cand_uuid);
		model_copy(d->conf_node, sizeof d->conf_node, d->cand_node);
	} else if (contradicts) {
		model_copy(d->holder_node, sizeof d->holder_node, d->conf_node);
		model_copy(d->holder_tie, sizeof d->holder_tie, d->conf_node);
	}
}

static size_t db_node_index(const model_t *m, const char *name)
{
	for (size_t i = 0; name && i < m->nnodes; i++)
		if (strcmp(m->nodes[i].name, name) == 0)
			return i;
	return (size_t)-1;
}

/* The failover group the lease is judged against: the holder's own group when
 * it is tied to the database, else the first tied group with an active member. */
static const group_t *db_pair(const model_t *m, const model_db_t *d)
{
	size_t di = (size_t)(d - m->dbs), hi = db_node_index(m, d->holder_node);
	const group_t *first = NULL;
	for (size_t gi = 0; gi < m->ngroups; gi++) {
		const group_t *g = &m->groups[gi];
		bool tied = false, holder_in = false;
		for (size_t k = 0; k < g->nmembers; k++) {
			if (g->members[k] >= m->nnodes)
				continue;
			tied = tied || model_db_tied(m, di, &m->nodes[g->members[k]]);
			holder_in = holder_in || g->members[k] == hi;
		}
		if (!tied)
			continue;
		if (holder_in)
			return g;
		if (!first && model_member(m, g->active))
			first = g;
	}
	return first;
}

/* Whether the live lease agrees with the pair's active member; a disagreement
 * lasting MODEL_DB_LEASE_GRACE_MS is a problem, with its events. */
static void db_agreement(model_t *m, model_db_t *d, int64_t now)
{
	const group_t *g = db_pair(m, d);
	const node_t *act = g ? model_member(m, g->active) : NULL;
	int agrees = -1;
	char text[sizeof d->agree_text] = "";
	if (act && d->holder_node[0]) {
		agrees = strcmp(act->name, d->holder_node) == 0;
		if (!agrees)
			snprintf(text, sizeof text, "lease on %.40s held by %.40s while %.40s is the active member of %.40s",
			         d->name, d->holder_node, act->name, g->name);
	} else if (act && d->holder_foreign) {
		agrees = 0;
		snprintf(text, sizeof text, "lease on %.40s held by %.60s while %.40s is the active member of %.40s",
		         d->name, d->holder_tie, act->name, g->name);
	}
	d->agrees = agrees;
	model_copy(d->agree_text, sizeof d->agree_text, text);
	if (agrees == 1) {
		if (d->disagree || d->disagree_open) {
			char detail[256];
			snprintf(detail, sizeof detail, "lease on %.60s agrees with the pair again: held by the active member %.40s",
			         d->name, d->holder_node);
			model_event(m, EVENT_DB_LEASE, "", d->name, d->disagree ? STATE_DEGRADED : STATE_UNKNOWN, STATE_UP,
			            detail, now);
		}
		d->disagree = d->disagree_open = false;
		d->disagree_since_ms = 0;
		return;
	}
	if (agrees == -1) {
		/* cannot be judged (e.g. the holder's session ended before its lease expired): that is
		   not agreement; the agreement is said when it is seen */
		if (d->disagree) {
			char detail[256];
			snprintf(detail, sizeof detail, "lease on %.60s not judged now: %.160s", d->name,
			         d->holder_tie[0] ? d->holder_tie : "no active member");
			model_event(m, EVENT_DB_LEASE, "", d->name, STATE_DEGRADED, STATE_UNKNOWN, detail, now);
			d->disagree_open = true;
		}
		d->disagree = false;
		d->disagree_since_ms = 0;
		return;
	}
	if (!d->disagree_since_ms)
		d->disagree_since_ms = now;
	if (!d->disagree && now - d->disagree_since_ms >= MODEL_DB_LEASE_GRACE_MS) {
		d->disagree = true;
		d->disagree_open = false;
		model_event(m, EVENT_DB_LEASE, "", d->name, STATE_UP, STATE_DEGRADED, d->agree_text, now);
	}
}

static void db_events(model_t *m, model_db_t *d, const db_probe_result_t *r, int64_t now)
{
	char detail[256], pair[160];
	if (!r->up)
		return;
	if (r->role != DB_ROLE_UNKNOWN) {
		if (d->role_seen != DB_ROLE_UNKNOWN && d->role_seen != r->role) {
			bool w = r->role == DB_ROLE_WRITER;
			snprintf(detail, sizeof detail, "database failover: %.60s is now %s", d->name,
			         w ? "the writer" : "a reader");
			model_event(m, EVENT_DB_FAILOVER, "", d->name, w ? STATE_STANDBY : STATE_UP,
			            w ? STATE_UP : STATE_STANDBY, detail, now);
		}
		d->role_seen = r->role;
	}
	if (r->lease != DB_LEASE_HELD)
		return;
	bool live = r->lease_expires_in_ms >= 0;
	db_pair_facts(m, d, pair, sizeof pair);
	if (d->holder_seen[0] && strcmp(d->holder_seen, r->lease_holder) != 0) {
		snprintf(detail, sizeof detail, "lease holder changed on %.60s: %.40s -> %.40s%s%.40s%s%s", d->name,
		         d->holder_seen, r->lease_holder, d->holder_node[0] ? " (node " : "", d->holder_node,
		         d->holder_node[0] ? ")" : "", pair);
		model_event(m, EVENT_DB_LEASE, "", d->name, STATE_UNKNOWN, live ? STATE_UP : STATE_DOWN, detail, now);
	} else if (d->holder_seen[0] && d->lease_live && !live) {
		snprintf(detail, sizeof detail, "lease on %.60s expired: %.40s stopped refreshing it%s", d->name,
		         r->lease_holder, pair);
		model_event(m, EVENT_DB_LEASE, "", d->name, STATE_UP, STATE_DOWN, detail, now);
	}
	model_copy(d->holder_seen, sizeof d->holder_seen, r->lease_holder);
	d->lease_live = live;
}

void model_apply_db(model_t *m, size_t di, const db_probe_result_t *r, int64_t now_ms)
{
	if (di >= m->ndbs || !r)
		return;
	model_db_t *d = &m->dbs[di];
	char reason[192];
	if (now_ms > m->now_ms)
		m->now_ms = now_ms;
	d->last = *r;
	d->probes++;
	if (r->loop_held_ms > d->loop_held_max_ms)
		d->loop_held_max_ms = r->loop_held_ms;
	d->last_ms = now_ms;
	db_direct_reason(r, reason, sizeof reason);
	model_ind_set_uptime(m, &d->ind, EVENT_DB, NULL, d->name, r->up ? STATE_UP : STATE_DOWN,
	                     r->up ? STATE_UP : STATE_DOWN, reason, now_ms);
	db_tie(d, r);
	db_confirm(d, r);
	db_events(m, d, r, now_ms);
	db_agreement(m, d, now_ms);
	m->generation++;         /* the caller's model_tick re-judges the nodes tied to it */
}

/* ------------------------------------------------------------ the judgement */

/* libpq's error without its "connection to server at "H", port P failed: "
 * prefix and the severity word: the reason's room goes to the cause. */
static const char *db_short_error(const char *text)
{
	const char *p = text;
	if (strncmp(p, "connection to server", 20) == 0) {
		const char *f = strstr(p, " failed: ");
		if (f)
			p = f + 9;
	}
	if (strncmp(p, "FATAL:  ", 8) == 0)
		p += 8;
	else if (strncmp(p, "FATAL: ", 7) == 0)
		p += 7;
	return p;
}

void model_db_judge(model_t *m, node_t *n, state_t *st, char *reason, size_t rsize)
{
	char node_view[160], up_name[64] = "", down[192] = "", up_why[96] = "";
	const char *lease = NULL;
	size_t tied = 0, up = 0;
	n->db_node_view = *st;
	model_copy(n->db_node_reason, sizeof n->db_node_reason, reason);
	model_copy(node_view, sizeof node_view, reason);
	for (size_t i = 0; i < m->ndbs; i++) {
		const model_db_t *d = &m->dbs[i];
		if (!d->probes || !model_db_tied(m, i, n))
			continue;
		tied++;
		if (d->disagree && !lease)
			lease = d->agree_text;
		if (d->last.up) {
			if (!up++) {
				model_copy(up_name, sizeof up_name, d->name);
				db_direct_reason(&d->last, up_why, sizeof up_why);
			}
		} else if (!down[0]) {
			snprintf(down, sizeof down, "%.60s down (%s: %.100s)", d->name, dbinfo_error_name(d->last.error),
			         db_short_error(d->last.error_text));
		}
	}
	if (!tied)
		return;
	if (up == 0) {
		*st = STATE_DOWN;
		snprintf(reason, rsize, "%s, direct probe; node's view: %s", down, node_view);
	} else if (up < tied) {
		if (*st < STATE_DEGRADED)
			*st = STATE_DEGRADED;
		snprintf(reason, rsize, "%s, direct probe; %.40s up; node's view: %s", down, up_name, node_view);
	} else if (*st == STATE_DOWN || *st == STATE_DEGRADED) {
		snprintf(reason, rsize, "node cannot use the database: %.80s; %.40s up (direct probe)", node_view, up_name);
	} else {
		*st = STATE_UP;
		snprintf(reason, rsize, "%.40s up (direct probe: %.60s); node's view: %s", up_name, up_why, node_view);
	}
	if (lease && *st != STATE_DOWN) {
		/* the lease is not where the pair's active member is: a warning */
		char rest[256];
		model_copy(rest, sizeof rest, reason);
		if (*st == STATE_UP || *st == STATE_UNKNOWN || *st == STATE_STANDBY)
			*st = STATE_DEGRADED;
		snprintf(reason, rsize, "%.150s; %s", lease, rest);
	}
}
