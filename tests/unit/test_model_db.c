/* test_model_db.c - the databases probed directly (issue 15) in the model: the
 * indicator's two views and what it says, failover and lease events, reports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dbinfo.h"
#include "model.h"
#include "model_db.h"

/* As app_db.c does: the probe's outcome, then the model's tick. */
static void db_apply(model_t *m, size_t di, const db_probe_result_t *r, int64_t now_ms)
{
	model_apply_db(m, di, r, now_ms);
	model_tick(m, now_ms);
}
#include "report.h"
#include "strbuf.h"
#include "testutil.h"

#define SEC 1000
#define JSON_CT "application/vnd.api+json"

static model_t M;

static int setup(void **state)
{
	(void)state;
	model_init(&M, NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	model_free(&M);
	return 0;
}

static const char *health_ok = "{\"data\":[{\"type\":\"checks\",\"id\":\"A\",\"attributes\":"
                               "{\"name\":\"A\",\"status\":\"passing\",\"output\":\"\"}}]}";

static void metrics_db(size_t node, int max, int open, int used, int waits, int64_t t)
{
	char body[256];
	snprintf(body, sizeof body, "db_conns_max %d\ndb_conns_open %d\ndb_conns_used %d\ndb_wait_count %d\n", max, open,
	         used, waits);
	tu_feed(&M, node, PROBE_METRICS, 200, TU_PROM_CT, body, strlen(body), t);
}

static void node_up(size_t node, int open, int64_t t)
{
	tu_feed(&M, node, PROBE_HEALTH, 200, JSON_CT, health_ok, strlen(health_ok), t);
	metrics_db(node, 20, open, 1, 0, t);
}

static db_probe_result_t up_writer(void)
{
	db_probe_result_t r;
	dbinfo_init(&r);
	r.up = true;
	r.error = DB_ERR_NONE;
	r.error_text[0] = '\0';
	r.role = DB_ROLE_WRITER;
	r.connections = 3;
	r.max_connections = 30;
	r.connect_ms = 1.5;
	r.query_ms = 0.5;
	snprintf(r.server_version, sizeof r.server_version, "15.20");
	return r;
}

static db_probe_result_t down(db_error_t e, const char *text)
{
	db_probe_result_t r;
	dbinfo_init(&r);
	dbinfo_set_error(&r, e, text, NULL);
	return r;
}

static const event_t *newest(event_kind_t k)
{
	for (size_t i = 0; i < M.events.len; i++) {
		const event_t *e = eventlog_get(&M.events, i);
		if (e->kind == k)
			return e;
	}
	return NULL;
}

static size_t count(event_kind_t k)
{
	size_t n = 0;
	for (size_t i = 0; i < M.events.len; i++)
		n += eventlog_get(&M.events, i)->kind == k;
	return n;
}

/* ------------------------------------------------------------ the two views */

static void test_two_views(void **state)
{
	(void)state;
	const char *ties[] = { "pair" };
	model_add_node(&M, "primary", "http://a", "pair", 5000);
	model_add_node(&M, "standby", "http://b", "pair", 5000);
	model_add_node(&M, "alone", "http://c", NULL, 5000);
	size_t di = model_db_add(&M, "db-a", ties, 1, 10000);
	assert_int_equal(model_db_find(&M, "db-a"), di);
	assert_true(model_db_tied(&M, di, &M.nodes[0]));
	assert_true(model_db_tied(&M, di, &M.nodes[1]));
	assert_false(model_db_tied(&M, di, &M.nodes[2]));
	int64_t t = TU_T0;
	node_up(0, 4, t);
	tu_feed_error(&M, 1, PROBE_HEALTH, "connection refused", t);
	tu_feed_error(&M, 1, PROBE_METRICS, "connection refused", t);
	node_up(2, 4, t);
	/* not probed yet: the node's view alone, unchanged */
	assert_false(model_db_direct(&M, &M.nodes[0]));
	assert_int_equal(M.nodes[0].ind[IND_DB].state, STATE_UP);
	assert_string_equal(M.nodes[0].ind[IND_DB].reason, "4 open, 1 in use, max 20");
	assert_int_equal(M.nodes[1].ind[IND_DB].state, STATE_UNKNOWN);

	/* probed up: the standby, which has no view of its own, is up by the probe */
	db_probe_result_t r = up_writer();
	db_apply(&M, di, &r, t += SEC);
	assert_true(model_db_direct(&M, &M.nodes[1]));
	assert_false(model_db_direct(&M, &M.nodes[2]));
	assert_int_equal(M.nodes[0].ind[IND_DB].state, STATE_UP);
	assert_int_equal(M.nodes[1].ind[IND_DB].state, STATE_UP);
	assert_int_equal(M.nodes[1].db_node_view, STATE_UNKNOWN);
	assert_non_null(strstr(M.nodes[1].ind[IND_DB].reason, "db-a up (direct probe: writer, 3/30 connections, 2.0 ms)"));
	assert_non_null(strstr(M.nodes[0].ind[IND_DB].reason, "node's view: 4 open, 1 in use, max 20"));
	assert_int_equal(M.dbs[di].ind.state, STATE_UP);

	/* the node's pool empty while the database answers: the node cannot use it */
	metrics_db(0, 20, 0, 0, 0, t += SEC);
	assert_int_equal(M.nodes[0].ind[IND_DB].state, STATE_DOWN);
	assert_string_equal(M.nodes[0].ind[IND_DB].reason,
	                    "node cannot use the database: db_conns_open = 0 (max 20); db-a up (direct probe)");
	assert_int_equal(M.nodes[0].db_node_view, STATE_DOWN);
	/* exhausted with waits growing: degraded, with that reason */
	metrics_db(0, 20, 20, 20, 5, t += SEC);
	metrics_db(0, 20, 20, 20, 9, t += SEC);
	assert_int_equal(M.nodes[0].ind[IND_DB].state, STATE_DEGRADED);
	assert_non_null(strstr(M.nodes[0].ind[IND_DB].reason, "node cannot use the database: pool exhausted"));

	/* the probe says down: down everywhere it is tied, the standby too; libpq's
	 * "connection to server ... failed:" left out of the reason */
	r = down(DB_ERR_REFUSED, "connection to server at \"10.0.0.5\", port 5432 failed: Connection refused");
	db_apply(&M, di, &r, t += SEC);
	assert_int_equal(M.nodes[1].ind[IND_DB].state, STATE_DOWN);
	assert_string_equal(M.nodes[1].ind[IND_DB].reason,
	                    "db-a down (refused: Connection refused), direct probe; node's view: standby: not serving");
	assert_int_equal(M.nodes[0].ind[IND_DB].state, STATE_DOWN);
	assert_int_equal(M.nodes[2].ind[IND_DB].state, STATE_UP);   /* not tied */
	assert_int_equal(M.dbs[di].ind.state, STATE_DOWN);
	const event_t *e = newest(EVENT_DB);
	assert_non_null(e);
	assert_int_equal(e->to, STATE_DOWN);
	/* the standby's database down weighs: critical overall */
	assert_int_equal(model_status(&M, t).severity, SEV_CRITICAL);
}

static void test_some_down(void **state)
{
	(void)state;
	const char *ties[] = { "n" };
	model_add_node(&M, "n", "http://a", NULL, 5000);
	size_t w = model_db_add(&M, "writer", ties, 1, 10000);
	size_t rd = model_db_add(&M, "reader", ties, 1, 10000);
	int64_t t = TU_T0;
	node_up(0, 4, t);
	db_probe_result_t up = up_writer(), dn = down(DB_ERR_TIMEOUT, "timed out after 5000 ms connecting");
	db_apply(&M, w, &up, t += SEC);
	db_apply(&M, rd, &dn, t += SEC);
	assert_int_equal(M.nodes[0].ind[IND_DB].state, STATE_DEGRADED);
	assert_non_null(strstr(M.nodes[0].ind[IND_DB].reason, "reader down (timeout: timed out after 5000 ms connecting)"));
	assert_non_null(strstr(M.nodes[0].ind[IND_DB].reason, "writer up"));
	db_apply(&M, w, &dn, t += SEC);
	assert_int_equal(M.nodes[0].ind[IND_DB].state, STATE_DOWN);
}

/* ------------------------------------------------------------ events */

static void test_failover_and_lease_events(void **state)
{
	(void)state;
	const char *ties[] = { "pair" };
	model_add_node(&M, "primary", "http://a", "pair", 5000);
	model_add_node(&M, "standby", "http://b", "pair", 5000);
	size_t di = model_db_add(&M, "db-a", ties, 1, 10000);
	int64_t t = TU_T0;
	node_up(0, 4, t);
	tu_feed_error(&M, 1, PROBE_HEALTH, "connection refused", t);

	db_probe_result_t r = up_writer();
	r.role = DB_ROLE_READER;
	r.lease = DB_LEASE_HELD;
	snprintf(r.lease_holder, sizeof r.lease_holder, "11111111-aaaa-4aaa-8aaa-000000000001");
	r.lease_expires_in_ms = 9000;
	db_apply(&M, di, &r, t += SEC);
	assert_int_equal(count(EVENT_DB_FAILOVER), 0);   /* the first sight is no change */
	assert_int_equal(count(EVENT_DB_LEASE), 0);
	db_apply(&M, di, &r, t += SEC);
	assert_int_equal(count(EVENT_DB_FAILOVER), 0);

	/* promoted */
	r.role = DB_ROLE_WRITER;
	db_apply(&M, di, &r, t += SEC);
	const event_t *e = newest(EVENT_DB_FAILOVER);
	assert_non_null(e);
	assert_string_equal(e->detail, "database failover: db-a is now the writer");
	assert_string_equal(e->subject, "db-a");
	assert_int_equal(e->to, STATE_UP);
	strbuf_t sb = STRBUF_INIT;
	report_event_line(&sb, e);
	assert_non_null(strstr(strbuf_str(&sb), " db-failover: database failover: db-a is now the writer"));
	strbuf_free(&sb);
	r.role = DB_ROLE_READER;
	db_apply(&M, di, &r, t += SEC);
	assert_string_equal(newest(EVENT_DB_FAILOVER)->detail, "database failover: db-a is now a reader");
	assert_int_equal(count(EVENT_DB_FAILOVER), 2);

	/* the lease expires: one event; still expired: no more */
	r.lease_expires_in_ms = -500;
	db_apply(&M, di, &r, t += SEC);
	e = newest(EVENT_DB_LEASE);
	assert_non_null(e);
	assert_string_equal(e->detail, "lease on db-a expired: 11111111-aaaa-4aaa-8aaa-000000000001 stopped refreshing it; "
	                               "pair: active member primary");
	r.lease_expires_in_ms = -1500;
	db_apply(&M, di, &r, t += SEC);
	assert_int_equal(count(EVENT_DB_LEASE), 1);
	/* another holder: the event names both and the pair's active member */
	snprintf(r.lease_holder, sizeof r.lease_holder, "22222222-bbbb-4bbb-8bbb-000000000002");
	r.lease_expires_in_ms = 10000;
	db_apply(&M, di, &r, t += SEC);
	assert_int_equal(count(EVENT_DB_LEASE), 2);
	assert_string_equal(newest(EVENT_DB_LEASE)->detail,
	                    "lease holder changed on db-a: 11111111-aaaa-4aaa-8aaa-000000000001 -> "
	                    "22222222-bbbb-4bbb-8bbb-000000000002; pair: active member primary");
	/* a failed probe says nothing about roles or leases */
	db_probe_result_t dn = down(DB_ERR_REFUSED, "Connection refused");
	db_apply(&M, di, &dn, t += SEC);
	db_apply(&M, di, &r, t += SEC);
	assert_int_equal(count(EVENT_DB_LEASE), 2);
	assert_int_equal(count(EVENT_DB_FAILOVER), 2);
}


/* ------------------------------------------------------------ the lease's holder */

static db_probe_result_t leased(const char *holder, int64_t expires_in_ms)
{
	db_probe_result_t r = up_writer();
	r.lease = DB_LEASE_HELD;
	snprintf(r.lease_holder, sizeof r.lease_holder, "%s", holder);
	r.lease_expires_in_ms = expires_in_ms;
	return r;
}

static void sess(db_probe_result_t *r, const char *addr, const char *app)
{
	db_lease_session_t *s = &r->lease_sess[r->nlease_sess++];
	snprintf(s->addr, sizeof s->addr, "%s", addr);
	snprintf(s->app, sizeof s->app, "%s", app);
}

#define UUID_A "11111111-aaaa-4aaa-8aaa-000000000001"
#define UUID_B "22222222-bbbb-4bbb-8bbb-000000000002"

/* primary answers, standby refuses (the pair's normal state) */
static void pair_polled(int64_t t)
{
	node_up(0, 4, t);
	tu_feed_error(&M, 1, PROBE_HEALTH, "connection refused", t);
	tu_feed_error(&M, 1, PROBE_METRICS, "connection refused", t);
}

static void test_lease_holder_tied(void **state)
{
	(void)state;
	const char *ties[] = { "pair" };
	model_add_node(&M, "primary", "http://a", "pair", 5000);
	model_add_node(&M, "standby", "http://b", "pair", 5000);
	size_t di = model_db_add(&M, "db-a", ties, 1, 10000);
	assert_false(model_db_add_client(&M, di, "primary", " | "));   /* neither part */
	assert_true(model_db_add_client(&M, di, "primary", "10.0.1.5"));
	assert_true(model_db_add_client(&M, di, "standby", "10.0.2.6 | cl-standby"));
	const model_db_t *d = &M.dbs[di];
	int64_t t = TU_T0;
	node_up(0, 4, t);
	tu_feed_error(&M, 1, PROBE_HEALTH, "connection refused", t);
	tu_feed_error(&M, 1, PROBE_METRICS, "connection refused", t);
	assert_string_equal(M.groups[0].name, "pair");
	assert_string_equal(M.nodes[M.groups[0].active].name, "primary");

	/* no session seen refreshing it: the UUID only, not tied, not judged */
	db_probe_result_t r = leased(UUID_A, 9000);
	db_apply(&M, di, &r, t += SEC);
	assert_string_equal(d->holder_node, "");
	assert_non_null(strstr(d->holder_tie, "not tied to a node: no session refreshing it seen"));
	assert_int_equal(d->agrees, -1);

	/* the primary's address refreshes it: held by primary, which is active */
	sess(&r, "10.0.1.5", "");
	db_apply(&M, di, &r, t += SEC);
	assert_string_equal(d->holder_node, "primary");
	assert_int_equal(d->agrees, 1);
	assert_int_equal(M.nodes[0].ind[IND_DB].state, STATE_UP);
	assert_int_equal(model_status(&M, t).severity, SEV_OK);
	strbuf_t sb = STRBUF_INIT;
	report_json(&sb, &M, t);
	assert_non_null(strstr(strbuf_str(&sb), "\"holder_node\":\"primary\",\"holder_tie\":\"primary\",\"agrees\":true,"));
	strbuf_free(&sb);
	report_text(&sb, &M, t);
	assert_non_null(strstr(strbuf_str(&sb), "lease " UUID_A " (expires in 9000 ms) held by primary\n"));
	strbuf_free(&sb);

	/* the same address with another application name still matches an ADDR-only spec;
	 * the standby's spec wants both parts: its address alone is nobody's */
	r.nlease_sess = 0;
	sess(&r, "10.0.2.6", "psql");
	db_apply(&M, di, &r, t += SEC);
	assert_string_equal(d->holder_node, "");
	assert_true(d->holder_foreign);
	assert_string_equal(d->holder_tie, "a client that is no node: 10.0.2.6 psql");
	/* ... which disagrees with the active primary, a problem only after the grace */
	assert_int_equal(d->agrees, 0);
	assert_false(d->disagree);
	assert_int_equal(M.nodes[0].ind[IND_DB].state, STATE_UP);

	/* two nodes both refresh it: said, not guessed */
	sess(&r, "10.0.1.5", "x");
	r.nlease_sess = 0;
	sess(&r, "10.0.1.5", "x");
	sess(&r, "10.0.2.6", "cl-standby");
	db_apply(&M, di, &r, t += SEC);
	assert_string_equal(d->holder_node, "");
	assert_string_equal(d->holder_tie, "not tied to a node: both primary and standby refresh it");
	assert_int_equal(d->agrees, -1);
	assert_int_equal(d->disagree_since_ms, 0);

	/* more sessions than the probe brings back: not tied either */
	r.lease_sess_more = true;
	db_apply(&M, di, &r, t += SEC);
	assert_string_equal(d->holder_tie, "not tied to a node: more than 8 sessions refresh it");
	assert_int_equal(d->agrees, -1);

	/* a new holder, the standby's session: held by standby while primary is
	 * active. Within the grace: shown, not yet a problem */
	r = leased(UUID_B, 9000);
	sess(&r, "10.0.2.6", "cl-standby");
	int64_t t0 = t += SEC;
	db_apply(&M, di, &r, t);
	assert_string_equal(d->holder_node, "standby");
	assert_non_null(strstr(newest(EVENT_DB_LEASE)->detail, "-> " UUID_B " (node standby); pair: active member primary"));
	assert_int_equal(d->agrees, 0);
	assert_string_equal(d->agree_text, "lease on db-a held by standby while primary is the active member of pair");
	assert_false(d->disagree);
	size_t nlease = count(EVENT_DB_LEASE);
	pair_polled(t0 + MODEL_DB_LEASE_GRACE_MS - 2);   /* the nodes polled meanwhile (not stale) */
	db_apply(&M, di, &r, t0 + MODEL_DB_LEASE_GRACE_MS - 1);
	assert_false(d->disagree);
	assert_int_equal(M.nodes[0].ind[IND_DB].state, STATE_UP);
	assert_int_equal(model_status(&M, t0 + MODEL_DB_LEASE_GRACE_MS - 1).severity, SEV_OK);
	/* past the grace: a warning on the pair's database indicator, with its reason and one event */
	db_apply(&M, di, &r, t = t0 + MODEL_DB_LEASE_GRACE_MS);
	assert_true(d->disagree);
	assert_int_equal(count(EVENT_DB_LEASE), nlease + 1);
	assert_string_equal(newest(EVENT_DB_LEASE)->detail, d->agree_text);
	assert_int_equal(newest(EVENT_DB_LEASE)->to, STATE_DEGRADED);
	assert_int_equal(M.nodes[0].ind[IND_DB].state, STATE_DEGRADED);
	assert_non_null(strstr(M.nodes[0].ind[IND_DB].reason,
	                       "lease on db-a held by standby while primary is the active member of pair; db-a up"));
	assert_int_equal(model_group_state(&M, 0, IND_DB), STATE_DEGRADED);
	model_status_t st = model_status(&M, t);
	assert_int_equal(st.severity, SEV_WARNING);
	report_json(&sb, &M, t);
	assert_non_null(strstr(strbuf_str(&sb), "\"holder_node\":\"standby\","));
	assert_non_null(strstr(strbuf_str(&sb), "\"agrees\":false,\"disagreement\":\"lease on db-a held by standby while "
	                                        "primary is the active member of pair\",\"problem\":true}"));
	strbuf_free(&sb);
	db_apply(&M, di, &r, t += SEC);
	assert_int_equal(count(EVENT_DB_LEASE), nlease + 1);   /* once */

	/* the pair fails over to the standby: the lease agrees again, one event */
	tu_feed_error(&M, 0, PROBE_HEALTH, "connection refused", t += SEC);
	tu_feed_error(&M, 0, PROBE_METRICS, "connection refused", t);
	tu_feed(&M, 1, PROBE_HEALTH, 200, JSON_CT, health_ok, strlen(health_ok), t);
	metrics_db(1, 20, 4, 1, 0, t);
	assert_string_equal(M.nodes[M.groups[0].active].name, "standby");
	db_apply(&M, di, &r, t += SEC);
	assert_int_equal(d->agrees, 1);
	assert_false(d->disagree);
	assert_int_equal(count(EVENT_DB_LEASE), nlease + 2);
	assert_string_equal(newest(EVENT_DB_LEASE)->detail, "lease on db-a agrees with the pair again: held by the active "
	                                                   "member standby");
	assert_int_equal(M.nodes[1].ind[IND_DB].state, STATE_UP);

	/* an expired lease is not tied to anyone */
	r.lease_expires_in_ms = -200;
	db_apply(&M, di, &r, t += SEC);
	assert_string_equal(d->holder_node, "");
	assert_string_equal(d->holder_tie, "not tied to a node: the lease expired");
	assert_int_equal(d->agrees, -1);
}

/* A disagreement said, then the holder's session ends before its lease expires: the
 * lease cannot be judged (that is not agreement), and when the active member takes it
 * the agreement is said (dbwire.sh saw the old "agrees again (not judged now)" and then
 * no word when the primary took the lease). */
static void test_lease_unjudged_then_agrees(void **state)
{
	(void)state;
	const char *ties[] = { "pair" };
	model_add_node(&M, "primary", "http://a", "pair", 5000);
	model_add_node(&M, "standby", "http://b", "pair", 5000);
	size_t di = model_db_add(&M, "db-a", ties, 1, 10000);
	assert_true(model_db_add_client(&M, di, "primary", "|cl-primary"));
	assert_true(model_db_add_client(&M, di, "standby", "|cl-standby"));
	const model_db_t *d = &M.dbs[di];
	int64_t t = TU_T0;
	pair_polled(t);
	db_probe_result_t r = leased(UUID_B, 9000);
	sess(&r, "10.0.2.6", "cl-standby");
	db_apply(&M, di, &r, t += SEC);
	db_apply(&M, di, &r, t += SEC);
	pair_polled(t + MODEL_DB_LEASE_GRACE_MS);
	db_apply(&M, di, &r, t += MODEL_DB_LEASE_GRACE_MS);
	assert_true(d->disagree);
	size_t nlease = count(EVENT_DB_LEASE);
	/* the standby's session is gone, its lease not expired yet: not tied, not judged */
	r = leased(UUID_B, 5000);
	db_apply(&M, di, &r, t += SEC);
	assert_int_equal(d->agrees, -1);
	assert_false(d->disagree);
	assert_int_equal(count(EVENT_DB_LEASE), nlease + 1);
	assert_non_null(strstr(newest(EVENT_DB_LEASE)->detail, "lease on db-a not judged now: not tied to a node"));
	assert_null(strstr(newest(EVENT_DB_LEASE)->detail, "agrees"));
	assert_int_equal(newest(EVENT_DB_LEASE)->to, STATE_UNKNOWN);
	db_apply(&M, di, &r, t += SEC);
	assert_int_equal(count(EVENT_DB_LEASE), nlease + 1);   /* once */
	/* the primary takes it: agreeing again, said */
	r = leased(UUID_A, 9000);
	sess(&r, "10.0.1.5", "cl-primary");
	pair_polled(t + SEC);
	db_apply(&M, di, &r, t += SEC);
	db_apply(&M, di, &r, t += SEC);
	assert_int_equal(d->agrees, 1);
	assert_string_equal(newest(EVENT_DB_LEASE)->detail, "lease on db-a agrees with the pair again: held by the active "
	                                                   "member primary");
	size_t n2 = count(EVENT_DB_LEASE);
	db_apply(&M, di, &r, t += SEC);
	assert_int_equal(count(EVENT_DB_LEASE), n2);   /* once */
}

/* A session as the probe reports it: KIND 'a', 'u' or 'c' and its state_change
 * - (expires_at - lease duration) in µs. */
static void sessk(db_probe_result_t *r, const char *addr, const char *app, char kind, int64_t off_us)
{
	sess(r, addr, app);
	r->lease_sess[r->nlease_sess - 1].kind = kind;
	r->lease_sess[r->nlease_sess - 1].has_offset = true;
	r->lease_sess[r->nlease_sess - 1].offset_us = off_us;
}

/* Chainlink refreshes in a transaction: the session whose COMMIT went idle
 * within DB_LEASE_WINDOW_MS after expires_at - lease duration wrote the lease. */
static void test_lease_tx_window(void **state)
{
	(void)state;
	const char *ties[] = { "pair" };
	model_add_node(&M, "primary", "http://a", "pair", 5000);
	model_add_node(&M, "standby", "http://b", "pair", 5000);
	size_t di = model_db_add(&M, "db-a", ties, 1, 10000);
	assert_true(model_db_add_client(&M, di, "primary", "|cl-primary"));
	assert_true(model_db_add_client(&M, di, "standby", "|cl-standby"));
	const model_db_t *d = &M.dbs[di];
	int64_t t = TU_T0;
	pair_polled(t);
	const int64_t W = (int64_t)DB_LEASE_WINDOW_MS * 1000;
	assert_int_equal(W, 50000);

	/* the window's edges: 0 and W µs after the transaction's start count, just outside not */
	const int64_t inside[] = { 0, 1, 3120, W };
	for (size_t i = 0; i < sizeof inside / sizeof *inside; i++) {
		db_probe_result_t r = leased(UUID_A, 9000);
		sessk(&r, "10.0.1.5", "cl-primary", 'c', inside[i]);
		db_apply(&M, di, &r, t += SEC);
		assert_string_equal(d->holder_node, "primary");
		assert_int_equal(d->agrees, 1);
	}
	const int64_t outside[] = { -1, W + 1, 500000, -10000000 };
	for (size_t i = 0; i < sizeof outside / sizeof *outside; i++) {
		db_probe_result_t r = leased(UUID_A, 9000);
		sessk(&r, "10.0.1.5", "cl-primary", 'c', outside[i]);
		db_apply(&M, di, &r, t += SEC);
		assert_string_equal(d->holder_node, "");
		assert_non_null(strstr(d->holder_tie, "not tied to a node: no session refreshing it seen"));
		assert_int_equal(d->agrees, -1);
	}
	/* a COMMIT whose state_change was not readable does not count */
	db_probe_result_t r = leased(UUID_A, 9000);
	sessk(&r, "10.0.1.5", "cl-primary", 'c', 3000);
	r.lease_sess[0].has_offset = false;
	db_apply(&M, di, &r, t += SEC);
	assert_string_equal(d->holder_node, "");

	/* the waiting standby's refresh half a second off: the holder's node */
	r = leased(UUID_A, 9000);
	sessk(&r, "10.0.1.5", "cl-primary", 'c', 3000);
	sessk(&r, "10.0.2.6", "cl-standby", 'c', 501000);
	db_apply(&M, di, &r, t += SEC);
	assert_string_equal(d->holder_node, "primary");
	assert_string_equal(d->holder_tie, "primary");

	/* the standby's refresh lines up by chance: two nodes match, not tied, not judged */
	r = leased(UUID_A, 9000);
	sessk(&r, "10.0.1.5", "cl-primary", 'c', 3000);
	sessk(&r, "10.0.2.6", "cl-standby", 'c', W);
	db_apply(&M, di, &r, t += SEC);
	assert_string_equal(d->holder_node, "");
	assert_string_equal(d->holder_tie, "not tied to a node: both primary and standby refresh it");
	assert_int_equal(d->agrees, -1);
	/* ... also when only the standby lines up while the holder is mid-refresh
	 * (its upsert run, not committed: it cannot be told apart) */
	r = leased(UUID_A, 9000);
	sessk(&r, "10.0.1.5", "cl-primary", 'a', 1000000);
	sessk(&r, "10.0.2.6", "cl-standby", 'c', 2000);
	db_apply(&M, di, &r, t += SEC);
	assert_string_equal(d->holder_node, "");
	assert_string_equal(d->holder_tie, "not tied to a node: both primary and standby refresh it");
	assert_int_equal(d->agrees, -1);
	/* ... or when the holder's next refresh has begun (BEGIN, or COMMIT running: 'b') */
	r = leased(UUID_A, 9000);
	sessk(&r, "10.0.1.5", "cl-primary", 'b', 1000300);
	sessk(&r, "10.0.2.6", "cl-standby", 'c', 2000);
	db_apply(&M, di, &r, t += SEC);
	assert_string_equal(d->holder_node, "");
	assert_string_equal(d->holder_tie, "not tied to a node: both primary and standby refresh it");
	/* a transaction beginning never ties on its own, and one of no node is left out */
	r = leased(UUID_A, 9000);
	sessk(&r, "10.0.1.5", "cl-primary", 'b', 1000300);
	db_apply(&M, di, &r, t += SEC);
	assert_string_equal(d->holder_node, "");
	assert_non_null(strstr(d->holder_tie, "not tied to a node: no session refreshing it seen"));
	r = leased(UUID_A, 9000);
	sessk(&r, "10.0.9.9", "reporting", 'b', 300);
	sessk(&r, "10.0.1.5", "cl-primary", 'c', 2000);
	db_apply(&M, di, &r, t += SEC);
	assert_string_equal(d->holder_node, "primary");
	/* a standby mid-refresh while the holder's COMMIT lines up: not tied either */
	r = leased(UUID_A, 9000);
	sessk(&r, "10.0.1.5", "cl-primary", 'c', 2000);
	sessk(&r, "10.0.2.6", "cl-standby", 'a', 400000);
	db_apply(&M, di, &r, t += SEC);
	assert_string_equal(d->holder_node, "");

	/* autocommit upserts (the last-statement rule): the holder's lines up, the
	 * standby's does not -> the holder; none lines up -> every upsert session */
	r = leased(UUID_A, 9000);
	sessk(&r, "10.0.1.5", "cl-primary", 'u', 800);
	sessk(&r, "10.0.2.6", "cl-standby", 'u', 600000);
	db_apply(&M, di, &r, t += SEC);
	assert_string_equal(d->holder_node, "primary");
	r = leased(UUID_A, 9000);
	sessk(&r, "10.0.1.5", "cl-primary", 'u', 20000000);   /* lease_duration set 20 s off */
	db_apply(&M, di, &r, t += SEC);
	assert_string_equal(d->holder_node, "primary");
	r = leased(UUID_A, 9000);
	sessk(&r, "10.0.1.5", "cl-primary", 'u', 20000000);
	sessk(&r, "10.0.2.6", "cl-standby", 'u', 20600000);
	db_apply(&M, di, &r, t += SEC);
	assert_string_equal(d->holder_node, "");
	assert_string_equal(d->holder_tie, "not tied to a node: both primary and standby refresh it");
	/* a COMMIT outside the window never counts, not even as a fallback */
	r = leased(UUID_A, 9000);
	sessk(&r, "10.0.1.5", "cl-primary", 'u', 800);
	sessk(&r, "10.0.2.6", "cl-standby", 'c', 700000);
	db_apply(&M, di, &r, t += SEC);
	assert_string_equal(d->holder_node, "primary");

	/* only another application's COMMIT lines up: not tied, and not called a
	 * foreign holder either (any transaction may end then) */
	r = leased(UUID_A, 9000);
	sessk(&r, "10.0.9.9", "reporting", 'c', 10000);
	db_apply(&M, di, &r, t += SEC);
	assert_string_equal(d->holder_node, "");
	assert_false(d->holder_foreign);
	assert_string_equal(d->holder_tie,
	                    "not tied to a node: only sessions of no node (10.0.9.9 reporting) ended a transaction then");
	assert_int_equal(d->agrees, -1);
	/* ... next to the holder's: not tied (said, never guessed) */
	sessk(&r, "10.0.1.5", "cl-primary", 'c', 3000);
	db_apply(&M, di, &r, t += SEC);
	assert_string_equal(d->holder_node, "");
	assert_non_null(strstr(d->holder_tie, "not tied to a node: primary and a session of no node (10.0.9.9 reporting)"));

	/* the handover: the standby's transaction took the expired lease, a new
	 * expires_at lines up with it -> the standby's node */
	r = leased(UUID_B, 9990);
	sessk(&r, "10.0.1.5", "cl-primary", 'c', -9000000);   /* an old COMMIT of a session still open */
	sessk(&r, "10.0.2.6", "cl-standby", 'c', 4000);
	pair_polled(t += SEC);   /* the nodes polled meanwhile (not stale): primary active */
	db_apply(&M, di, &r, t += SEC);
	assert_string_equal(d->holder_node, "standby");
	assert_int_equal(d->agrees, 0);
}


/* A client_id tied to one node on two probes in a row stays that node's when one probe sees
 * another node's COMMIT line up by chance; three probes in a row move it. */
static void test_lease_tie_confirmed(void **state)
{
	(void)state;
	const char *ties[] = { "pair" };
	model_add_node(&M, "primary", "http://a", "pair", 5000);
	model_add_node(&M, "standby", "http://b", "pair", 5000);
	size_t di = model_db_add(&M, "db-a", ties, 1, 10000);
	assert_true(model_db_add_client(&M, di, "primary", "|cl-primary"));
	assert_true(model_db_add_client(&M, di, "standby", "|cl-standby"));
	const model_db_t *d = &M.dbs[di];
	int64_t t = TU_T0;
	pair_polled(t);
	db_probe_result_t r;
	for (int i = 0; i < 2; i++) {   /* the holder's COMMIT lines up twice: confirmed */
		r = leased(UUID_A, 9000);
		sessk(&r, "10.0.1.5", "cl-primary", 'c', 2000);
		db_apply(&M, di, &r, t += SEC);
		assert_string_equal(d->holder_node, "primary");
	}
	/* one probe: the holder's transaction ran long, the standby's COMMIT lined up instead */
	r = leased(UUID_A, 9000);
	sessk(&r, "10.0.2.6", "cl-standby", 'c', 3000);
	db_apply(&M, di, &r, t += SEC);
	assert_string_equal(d->holder_node, "primary");
	assert_string_equal(d->holder_tie, "primary");
	assert_int_equal(d->agrees, 1);
	/* a probe that ties nothing still says so */
	r = leased(UUID_A, 9000);
	sessk(&r, "10.0.2.6", "cl-standby", 'c', 400000);
	db_apply(&M, di, &r, t += SEC);
	assert_string_equal(d->holder_node, "");
	/* three probes in a row for the standby: the client_id is the standby's */
	for (int i = 0; i < 3; i++) {
		r = leased(UUID_A, 9000);
		sessk(&r, "10.0.2.6", "cl-standby", 'c', 3000);
		db_apply(&M, di, &r, t += SEC);
		assert_string_equal(d->holder_node, i < 2 ? "primary" : "standby");
	}
	/* a new client_id is judged afresh from its first probe */
	r = leased(UUID_B, 9000);
	sessk(&r, "10.0.1.5", "cl-primary", 'c', 2000);
	db_apply(&M, di, &r, t += SEC);
	assert_string_equal(d->holder_node, "primary");
}


/* ------------------------------------------------------------ history */

static void each_cb(void *ud, const char *name, const char *key, state_t st, indicator_t *ind,
                    model_hist_ref_t *ref)
{
	(void)ref;
	strbuf_t *sb = ud;
	strbuf_printf(sb, "%s/%s/%s/%d;", name, key, state_name(st), ind != NULL);
}

static void test_history_series(void **state)
{
	(void)state;
	const char *ties[] = { "n" };
	model_add_node(&M, "n", "http://a", NULL, 5000);
	size_t di = model_db_add(&M, "db-a", ties, 1, 10000);
	int64_t t = TU_T0;
	node_up(0, 4, t);
	/* the database's direct view is a series of its own, under its name */
	strbuf_t sb = STRBUF_INIT;
	model_each_indicator(&M, each_cb, &sb);
	assert_non_null(strstr(strbuf_str(&sb), "db-a/" MODEL_DB_HIST_KEY "/unknown/1;"));
	strbuf_free(&sb);
	db_probe_result_t r = down(DB_ERR_REFUSED, "Connection refused");
	db_apply(&M, di, &r, t += SEC);
	model_each_indicator(&M, each_cb, &sb);
	assert_non_null(strstr(strbuf_str(&sb), "db-a/direct-db/down/1;"));
	strbuf_free(&sb);
	assert_ptr_equal(model_find_indicator(&M, "db-a", MODEL_DB_HIST_KEY), &M.dbs[di].ind);
	assert_null(model_find_indicator(&M, "db-x", MODEL_DB_HIST_KEY));
	assert_ptr_equal(model_find_indicator(&M, "n", "db"), &M.nodes[0].ind[IND_DB]);
	/* 7 d / 30 d: null until the history gives them, then in both JSON places */
	report_json(&sb, &M, t);
	assert_non_null(strstr(strbuf_str(&sb), "\"24h\":null,\"7d\":null,\"30d\":null}"));
	strbuf_free(&sb);
	M.dbs[di].ind.long_pct[MODEL_LONG_7D] = 99.5;
	M.dbs[di].ind.long_known[MODEL_LONG_7D] = true;
	M.dbs[di].ind.long_pct[MODEL_LONG_30D] = 97.25;
	M.dbs[di].ind.long_known[MODEL_LONG_30D] = true;
	report_json(&sb, &M, t);
	const char *j = strbuf_str(&sb), *first = strstr(j, "\"7d\":99.5,\"30d\":97.25}");
	assert_non_null(first);
	assert_non_null(strstr(first + 1, "\"7d\":99.5,\"30d\":97.25}"));   /* nodes[].database.direct and databases */
	strbuf_free(&sb);
}

/* ------------------------------------------------------------ reports */

static void test_reports(void **state)
{
	(void)state;
	const char *ties[] = { "n" };
	model_add_node(&M, "n", "http://a", NULL, 5000);
	size_t di = model_db_add(&M, "db-a", ties, 1, 10000);
	int64_t t = TU_T0;
	node_up(0, 4, t);
	db_probe_result_t r = up_writer();
	r.lease = DB_LEASE_HELD;
	snprintf(r.lease_holder, sizeof r.lease_holder, "11111111-aaaa-4aaa-8aaa-000000000001");
	r.lease_expires_in_ms = 9000;
	db_apply(&M, di, &r, t += SEC);
	strbuf_t sb = STRBUF_INIT;
	report_json(&sb, &M, t);
	const char *j = strbuf_str(&sb);
	assert_non_null(strstr(j, "\"node_view\":{\"state\":\"up\",\"reason\":\"4 open, 1 in use, max 20\","));
	assert_non_null(strstr(j, "\"direct\":[{\"name\":\"db-a\",\"state\":\"up\",\"role\":\"writer\","));
	assert_non_null(strstr(j, "\"lease\":{\"holder\":\"11111111-aaaa-4aaa-8aaa-000000000001\",\"expires_in_ms\":9000,"
	                          "\"holder_node\":null,\"holder_tie\":\"not tied to a node: no node has db_client set\","
	                          "\"agrees\":null,\"disagreement\":null,\"problem\":false}"));
	assert_non_null(strstr(j, "\"databases\":[{\"name\":\"db-a\",\"state\":\"up\","));
	assert_non_null(strstr(j, "\"ties\":[\"n\"]}]"));
	strbuf_free(&sb);
	report_text(&sb, &M, t);
	assert_non_null(strstr(strbuf_str(&sb), "    db-a (direct): UP, writer, 3/30 connections, 2.0 ms, version 15.20, "
	                                        "lease 11111111-aaaa-4aaa-8aaa-000000000001 (expires in 9000 ms)\n"));
	strbuf_free(&sb);
	/* the database clears (config reload): the node's view alone again */
	model_db_clear(&M);
	model_tick(&M, t += SEC);
	assert_string_equal(M.nodes[0].ind[IND_DB].reason, "4 open, 1 in use, max 20");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_two_views, setup, teardown),
		cmocka_unit_test_setup_teardown(test_some_down, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failover_and_lease_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reports, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lease_holder_tied, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lease_unjudged_then_agrees, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lease_tx_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lease_tie_confirmed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_series, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
