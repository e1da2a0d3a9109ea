/* test_dbinfo.c - cmocka tests of the PostgreSQL probe's pure half: answer
 * rows to results, error classes from libpq's texts, scrubbing secrets, JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "dbinfo.h"

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

/* The row a writer with a held lease sends (text format, as libpq hands it). */
static const char *const W_NAMES[] = {
	"in_recovery", "replay_lag_ms", "connections", "max_connections", "server_version",
	"server_version_num", "lease_readable", "lease_holder", "lease_expires_in_ms"
};

static db_probe_result_t row(const char *const *values)
{
	db_probe_result_t r;
	dbinfo_init(&r);
	dbinfo_from_row(&r, NCOLS(W_NAMES), W_NAMES, values);
	return r;
}

static void test_writer_with_lease(void **state)
{
	(void)state;
	const char *v[] = { "f", NULL, "12", "100", "15.20 (Debian 15.20-0+deb12u1)", "150020",
	                    "t", "fa1ab364-5864-4fc7-a041-f31842ec876f", "14975" };
	db_probe_result_t r = row(v);
	assert_true(r.up);
	assert_int_equal(r.error, DB_ERR_NONE);
	assert_string_equal(r.error_text, "");
	assert_int_equal(r.role, DB_ROLE_WRITER);
	assert_int_equal(r.replay_lag_ms, -1);
	assert_int_equal(r.connections, 12);
	assert_int_equal(r.max_connections, 100);
	assert_string_equal(r.server_version, "15.20 (Debian 15.20-0+deb12u1)");
	assert_int_equal(r.server_version_num, 150020);
	assert_int_equal(r.lease, DB_LEASE_HELD);
	assert_string_equal(r.lease_holder, "fa1ab364-5864-4fc7-a041-f31842ec876f");
	assert_int_equal(r.lease_expires_in_ms, 14975);
}

static void test_reader_lag_and_expired_lease(void **state)
{
	(void)state;
	const char *v[] = { "t", "2500", "3", "30", "15.20", "150020",
	                    "t", "00000000-0000-0000-0000-000000000001", "-1200" };
	db_probe_result_t r = row(v);
	assert_true(r.up);
	assert_int_equal(r.role, DB_ROLE_READER);
	assert_int_equal(r.replay_lag_ms, 2500);
	assert_int_equal(r.lease, DB_LEASE_HELD);
	assert_int_equal(r.lease_expires_in_ms, -1200);   /* expired: nobody refreshes it */

	/* a writer's clock ahead of the reader's: never a negative lag */
	const char *v2[] = { "t", "-40", "3", "30", "15.20", "150020", "f", NULL, NULL };
	r = row(v2);
	assert_int_equal(r.replay_lag_ms, 0);
	/* a reader that never replayed anything: lag unknown */
	const char *v3[] = { "t", NULL, "3", "30", "15.20", "150020", "f", NULL, NULL };
	r = row(v3);
	assert_int_equal(r.replay_lag_ms, -1);
}

static void test_lease_states(void **state)
{
	(void)state;
	const char *unreadable[] = { "f", NULL, "1", "30", "15", "150000", "f", NULL, NULL };
	db_probe_result_t r = row(unreadable);
	assert_true(r.up);                                   /* the rest works */
	assert_int_equal(r.lease, DB_LEASE_NOT_READABLE);
	assert_int_equal(r.connections, 1);

	const char *empty[] = { "f", NULL, "1", "30", "15", "150000", "t", NULL, NULL };
	r = row(empty);
	assert_int_equal(r.lease, DB_LEASE_EMPTY);
	assert_string_equal(r.lease_holder, "");

	/* a holder without a readable expiry cannot be judged */
	const char *noexp[] = { "f", NULL, "1", "30", "15", "150000", "t", "abc", "soon" };
	r = row(noexp);
	assert_int_equal(r.lease, DB_LEASE_NOT_READABLE);

	/* the fallback query has no lease columns at all */
	const char *const names[] = { "in_recovery", "connections", "max_connections", "server_version" };
	const char *vals[] = { "f", "4", "30", "15.20" };
	dbinfo_init(&r);
	assert_true(dbinfo_from_row(&r, NCOLS(names), names, vals));
	assert_int_equal(r.lease, DB_LEASE_NOT_READABLE);
	assert_int_equal(r.server_version_num, 0);

	/* hostile holder text: only a UUID's alphabet survives */
	const char *hostile[] = { "f", NULL, "1", "30", "15", "150000", "t", "ab\x1b[2Jcd", "5" };
	r = row(hostile);
	assert_int_equal(r.lease, DB_LEASE_HELD);
	assert_string_equal(r.lease_holder, "ab??2?cd");
}

static void test_bad_rows(void **state)
{
	(void)state;
	const char *bad_recovery[] = { "yes", NULL, "1", "30", "15", "150000", "f", NULL, NULL };
	db_probe_result_t r = row(bad_recovery);
	assert_false(r.up);
	assert_int_equal(r.error, DB_ERR_OTHER);
	assert_string_equal(r.error_text, "unexpected answer from the server (column in_recovery)");

	const char *bad_conns[] = { "f", NULL, "12x", "30", "15", "150000", "f", NULL, NULL };
	r = row(bad_conns);
	assert_false(r.up);
	assert_string_equal(r.error_text, "unexpected answer from the server (column connections)");

	const char *huge[] = { "f", NULL, "1", "99999999999999999999999", "15", "1", "f", NULL, NULL };
	r = row(huge);
	assert_false(r.up);
	assert_string_equal(r.error_text, "unexpected answer from the server (column max_connections)");

	const char *nover[] = { "f", NULL, "1", "30", NULL, "1", "f", NULL, NULL };
	r = row(nover);
	assert_false(r.up);

	const char *ctl[] = { "f", NULL, "1", "30", "15\x1b]0;pwn\a", "1", "f", NULL, NULL };
	r = row(ctl);
	assert_true(r.up);
	assert_string_equal(r.server_version, "15?]0;pwn?");

	const char *const none[] = { "x" };
	const char *nv[] = { "y" };
	dbinfo_init(&r);
	assert_false(dbinfo_from_row(&r, 0, none, nv));
	assert_false(r.up);
}

/* libpq 15's own texts for the failures the probe must tell apart. */
static void test_classify(void **state)
{
	(void)state;
	assert_int_equal(dbinfo_classify(NULL,
		"connection to server at \"127.0.0.1\", port 5999 failed: Connection refused\n"
		"\tIs the server running on that host and accepting TCP/IP connections?\n"), DB_ERR_REFUSED);
	assert_int_equal(dbinfo_classify(NULL,
		"connection to server on socket \"/tmp/x/.s.PGSQL.5432\" failed: No such file or directory\n"),
		DB_ERR_REFUSED);
	assert_int_equal(dbinfo_classify(NULL,
		"connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  password authentication failed for user \"nodetop\"\n"),
		DB_ERR_AUTH);
	assert_int_equal(dbinfo_classify(NULL,
		"connection to server at \"127.0.0.1\", port 5432 failed: fe_sendauth: no password supplied\n"), DB_ERR_AUTH);
	assert_int_equal(dbinfo_classify(NULL,
		"connection to server at \"10.0.0.1\", port 5432 failed: FATAL:  no pg_hba.conf entry for host "
		"\"10.0.0.2\", user \"u\", database \"d\", SSL off\n"), DB_ERR_AUTH);
	assert_int_equal(dbinfo_classify(NULL,
		"connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  role \"ghost\" does not exist\n"), DB_ERR_AUTH);
	assert_int_equal(dbinfo_classify(NULL,
		"connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  database \"nope\" does not exist\n"),
		DB_ERR_NO_DATABASE);
	assert_int_equal(dbinfo_classify(NULL,
		"connection to server at \"127.0.0.1\", port 5432 failed: server does not support SSL, but SSL was required\n"),
		DB_ERR_TLS);
	assert_int_equal(dbinfo_classify(NULL,
		"connection to server at \"db\" (10.0.0.1), port 5432 failed: root certificate file \"/x/ca.pem\" does not exist\n"
		"Either provide the file, use the system's trusted roots with sslrootcert=system, or change sslmode"),
		DB_ERR_TLS);
	assert_int_equal(dbinfo_classify(NULL,
		"SSL error: certificate verify failed"), DB_ERR_TLS);
	assert_int_equal(dbinfo_classify(NULL,
		"connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  the database system is starting up\n"),
		DB_ERR_OTHER);
	assert_int_equal(dbinfo_classify("28P01", "whatever"), DB_ERR_AUTH);
	assert_int_equal(dbinfo_classify("3D000", "whatever"), DB_ERR_NO_DATABASE);
	assert_int_equal(dbinfo_classify("42501", "ERROR:  permission denied for table lease_lock"), DB_ERR_OTHER);
	assert_int_equal(dbinfo_classify(NULL, NULL), DB_ERR_OTHER);
	assert_int_equal(dbinfo_classify("", ""), DB_ERR_OTHER);
}

static void test_scrub(void **state)
{
	(void)state;
	char out[DB_TEXT_MAX];
	const char *secrets[] = { "S3cr3t-pw", NULL };

	dbinfo_scrub(out, sizeof out,
	             "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  password authentication failed for user \"u\"\n",
	             secrets);
	assert_string_equal(out, "connection to server at \"127.0.0.1\", port 5432 failed: FATAL: password "
	                         "authentication failed for user \"u\"");

	dbinfo_scrub(out, sizeof out, "bad value S3cr3t-pw and again S3cr3t-pw.", secrets);
	assert_string_equal(out, "bad value *** and again ***.");

	dbinfo_scrub(out, sizeof out, "invalid connection option in \"host=db password=hunter2 user=u\"", NULL);
	assert_string_equal(out, "invalid connection option in \"host=db password=*** user=u\"");

	dbinfo_scrub(out, sizeof out, "x PASSWORD = 'it\\'s a secret' y", NULL);
	assert_string_equal(out, "x PASSWORD=*** y");
	dbinfo_scrub(out, sizeof out, "password='never closed", NULL);
	assert_string_equal(out, "password=***");

	dbinfo_scrub(out, sizeof out, "sslpassword=abc\npassword\t=\tdef", NULL);
	assert_string_equal(out, "sslpassword=*** password=***");

	dbinfo_scrub(out, sizeof out, "invalid URI postgresql://alice:p%40ss@db.example:5432/cl?sslmode=require", NULL);
	assert_string_equal(out, "invalid URI postgresql://alice:***@db.example:5432/cl?sslmode=require");

	/* controls and non-ASCII: one line, printable */
	dbinfo_scrub(out, sizeof out, "  a\x1b[31m\tb\r\n\n c\xc3\xa9 \x7f ", NULL);
	assert_string_equal(out, "a [31m b c??");

	/* truncation keeps the terminator and never exposes a masked value */
	char small[12];
	size_t n = dbinfo_scrub(small, sizeof small, "password=abcdefghijkl", NULL);
	assert_int_equal(n, 11);
	assert_string_equal(small, "password=**");
	assert_int_equal(dbinfo_scrub(small, 0, "x", NULL), 0);
}

static void test_set_error(void **state)
{
	(void)state;
	db_probe_result_t r;
	const char *secrets[] = { "pw", NULL };
	dbinfo_init(&r);
	r.up = true;
	dbinfo_set_error(&r, DB_ERR_AUTH, "FATAL: bad pw\n", secrets);
	assert_false(r.up);
	assert_int_equal(r.error, DB_ERR_AUTH);
	assert_string_equal(r.error_text, "FATAL: bad ***");
	dbinfo_set_error(&r, DB_ERR_NONE, "", NULL);
	assert_int_equal(r.error, DB_ERR_OTHER);          /* a failure always has a class */
	assert_string_equal(r.error_text, "other");
	assert_string_equal(dbinfo_error_name(DB_ERR_NO_DATABASE), "no-database");
	assert_string_equal(dbinfo_role_name(DB_ROLE_READER), "reader");
}

static char *json_of(const char *name, const db_probe_result_t *r)
{
	cJSON *j = dbinfo_to_json(name, r);
	char *s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return s;
}

static void test_json(void **state)
{
	(void)state;
	const char *v[] = { "t", "250", "12", "100", "15.20", "150020",
	                    "t", "fa1ab364-5864-4fc7-a041-f31842ec876f", "14975" };
	db_probe_result_t r = row(v);
	r.connect_ms = 3.25;
	r.query_ms = 1.0;
	char *s = json_of("db-a", &r);
	assert_string_equal(s,
		"{\"name\":\"db-a\",\"state\":\"up\",\"role\":\"reader\",\"latency_ms\":4.3,\"connect_ms\":3.3,"
		"\"query_ms\":1,\"reused_connection\":false,\"connections\":12,\"max_connections\":100,\"replay_lag_ms\":250,"
		"\"server_version\":\"15.20\",\"lease\":{\"holder\":\"fa1ab364-5864-4fc7-a041-f31842ec876f\","
		"\"expires_in_ms\":14975},\"lease_readable\":true,\"error\":null}");
	cJSON_free(s);

	db_probe_result_t d;
	dbinfo_init(&d);
	const char *secrets[] = { "hunter2", NULL };
	dbinfo_set_error(&d, DB_ERR_AUTH, "password authentication failed (hunter2)", secrets);
	s = json_of("db-b", &d);
	assert_string_equal(s,
		"{\"name\":\"db-b\",\"state\":\"down\",\"role\":null,\"latency_ms\":null,\"connect_ms\":null,"
		"\"query_ms\":null,\"reused_connection\":false,\"connections\":null,\"max_connections\":null,\"replay_lag_ms\":null,"
		"\"server_version\":null,\"lease\":null,\"lease_readable\":null,"
		"\"error\":{\"class\":\"auth\",\"text\":\"password authentication failed (***)\"}}");
	assert_null(strstr(s, "hunter2"));
	cJSON_free(s);

	const char *nr[] = { "f", NULL, "1", "30", "15", "150000", "f", NULL, NULL };
	r = row(nr);
	s = json_of("x\x1b", &r);
	assert_non_null(strstr(s, "\"name\":\"x?\""));
	assert_non_null(strstr(s, "\"lease\":null,\"lease_readable\":false"));
	cJSON_free(s);
}

/* The sessions refreshing the lease: "ADDR<TAB>APP" lines, hostile bytes
 * made printable, at most DB_LEASE_SESS_MAX kept. */
static void test_lease_sessions(void **state)
{
	(void)state;
	const char *names[] = { "in_recovery", "connections", "max_connections", "server_version",
	                        "lease_readable", "lease_holder", "lease_expires_in_ms", "lease_sessions" };
	const char *v[] = { "f", "3", "30", "15.20", "t", "fa1ab364-5864-4fc7-a041-f31842ec876f", "9000",
	                    "\tpsql\n10.0.1.5\tprimary\x1b[2J\n10.0.2.6\t" };
	db_probe_result_t r;
	dbinfo_init(&r);
	assert_true(dbinfo_from_row(&r, NCOLS(names), names, v));
	assert_int_equal(r.nlease_sess, 3);
	assert_false(r.lease_sess_more);
	assert_string_equal(r.lease_sess[0].addr, "");
	assert_string_equal(r.lease_sess[0].app, "psql");
	assert_string_equal(r.lease_sess[1].addr, "10.0.1.5");
	assert_string_equal(r.lease_sess[1].app, "primary?[2J");
	assert_string_equal(r.lease_sess[2].addr, "10.0.2.6");
	assert_string_equal(r.lease_sess[2].app, "");
	v[7] = "a\t1\nb\t2\nc\t3\nd\t4\ne\t5\nf\t6\ng\t7\nh\t8\ni\t9";
	dbinfo_init(&r);
	assert_true(dbinfo_from_row(&r, NCOLS(names), names, v));
	assert_int_equal(r.nlease_sess, DB_LEASE_SESS_MAX);
	assert_true(r.lease_sess_more);
	assert_string_equal(r.lease_sess[7].addr, "h");
	/* none (NULL), or no lease held: no sessions */
	/* "ADDR<TAB>APP<TAB>KIND<TAB>OFFSET_US": kind and offset; a kind not known is 'a',
	 * an offset missing or not a number unknown; two fields (an older query): 'a' */
	v[7] = "10.0.1.5\tcl-primary\tc\t3120\n\tpsql\tu\t-5\n10.0.2.6\tx\ta\t\n"
	       "h\ty\tzz\t12x\nh2\ty2\t\x1b\t50000\nh3\ty3\nh4\ty4\tb\t7";
	dbinfo_init(&r);
	assert_true(dbinfo_from_row(&r, NCOLS(names), names, v));
	assert_int_equal(r.nlease_sess, 7);
	assert_int_equal(r.lease_sess[6].kind, 'b');
	assert_int_equal(r.lease_sess[6].offset_us, 7);
	assert_string_equal(r.lease_sess[0].addr, "10.0.1.5");
	assert_string_equal(r.lease_sess[0].app, "cl-primary");
	assert_int_equal(r.lease_sess[0].kind, 'c');
	assert_true(r.lease_sess[0].has_offset);
	assert_int_equal(r.lease_sess[0].offset_us, 3120);
	assert_string_equal(r.lease_sess[1].addr, "");
	assert_string_equal(r.lease_sess[1].app, "psql");
	assert_int_equal(r.lease_sess[1].kind, 'u');
	assert_int_equal(r.lease_sess[1].offset_us, -5);
	assert_int_equal(r.lease_sess[2].kind, 'a');
	assert_false(r.lease_sess[2].has_offset);
	assert_string_equal(r.lease_sess[3].app, "y");
	assert_int_equal(r.lease_sess[3].kind, 'a');
	assert_false(r.lease_sess[3].has_offset);
	assert_int_equal(r.lease_sess[4].kind, 'a');
	assert_int_equal(r.lease_sess[4].offset_us, 50000);
	assert_string_equal(r.lease_sess[5].app, "y3");
	assert_int_equal(r.lease_sess[5].kind, 'a');
	assert_false(r.lease_sess[5].has_offset);
	v[7] = NULL;
	dbinfo_init(&r);
	assert_true(dbinfo_from_row(&r, NCOLS(names), names, v));
	assert_int_equal(r.nlease_sess, 0);
	v[7] = "x\ty";
	v[5] = NULL;
	dbinfo_init(&r);
	assert_true(dbinfo_from_row(&r, NCOLS(names), names, v));
	assert_int_equal(r.lease, DB_LEASE_EMPTY);
	assert_int_equal(r.nlease_sess, 0);
}

static void test_query_text(void **state)
{
	(void)state;
	const char *q = dbinfo_query(true);
	const char *cols[] = { "AS in_recovery", "AS replay_lag_ms", "AS connections", "AS max_connections",
	                       "AS server_version", "AS server_version_num", "AS lease_readable",
	                       "AS lease_holder", "AS lease_expires_in_ms", "FROM lease_lock", "AS lease_sessions" };
	for (size_t i = 0; i < NCOLS(cols); i++)
		assert_non_null(strstr(q, cols[i]));
	assert_non_null(strstr(q, "~ '^(insert|update)[^a-z_]'"));   /* sessions writing the lease only */
	assert_null(strchr(q, ';'));                       /* one statement */
	/* refreshes in a transaction: COMMITs within the window after expires_at - lease duration */
	assert_non_null(strstr(q, "current_setting('" DB_LEASE_DURATION_GUC "', true)"));
	assert_non_null(strstr(q, "IN ('commit', 'end'"));
	assert_non_null(strstr(q, "o BETWEEN 0 AND 50000)"));
	const char *p = dbinfo_query(false);
	assert_non_null(strstr(p, "AS in_recovery"));
	assert_null(strstr(p, "lease"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writer_with_lease),
		cmocka_unit_test(test_reader_lag_and_expired_lease),
		cmocka_unit_test(test_lease_states),
		cmocka_unit_test(test_lease_sessions),
		cmocka_unit_test(test_bad_rows),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_scrub),
		cmocka_unit_test(test_set_error),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_query_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
