/* dbprobe.h - the one glue module for PostgreSQL: probes a database with
 * libpq, asynchronously on a libuv loop, and hands back a db_probe_result_t. */
#ifndef NODETOP_DBPROBE_H
#define NODETOP_DBPROBE_H

#include <stdbool.h>

#include <uv.h>

#include "dbinfo.h"

/* Where and how to connect. Strings may be NULL (libpq's default: the PG*
 * environment, ~/.pgpass, ...); they are copied by dbprobe_new. */
typedef struct dbprobe_conf {
	const char *name;          /* for the caller; not sent */
	const char *host;          /* name, IP literal or a unix socket directory
	                              (NULL: $PGHOST, else libpq's unix socket) */
	const char *port;
	const char *dbname;
	const char *user;
	const char *password_file; /* first line is the password; read at every probe */
	const char *sslmode;       /* disable|allow|prefer|require|verify-ca|verify-full */
	const char *sslrootcert;
	const char *application_name; /* default "nodetop" */
	unsigned lease_duration_ms; /* Chainlink's lease duration, for the lease holder's
	                              sessions (0: 10000); see dbinfo_query */
	unsigned timeout_ms;       /* the whole probe: name lookup, connect, query (0: 5000) */
	bool fresh_connection;     /* connect anew for every probe (default: keep a working
	                              connection for the next probe) */
	unsigned reconnect_after_ms; /* a kept connection's longest life, so that
	                              authentication is re-checked (0: 300000) */
} dbprobe_conf_t;

typedef struct dbprobe dbprobe_t;

/* Called once per started probe, on the loop, unless the probe was cancelled.
 * r is valid during the call only. */
typedef void (*dbprobe_done_cb)(dbprobe_t *p, const db_probe_result_t *r, void *ud);

dbprobe_t *dbprobe_new(uv_loop_t *loop, const dbprobe_conf_t *conf, dbprobe_done_cb cb, void *ud);

/* Starts one probe. Returns 0, or UV_EBUSY while one is in flight (one probe
 * per database at a time). Never blocks: the host name is looked up on libuv's
 * thread pool, libpq runs in non-blocking mode. */
int dbprobe_start(dbprobe_t *p);

bool dbprobe_busy(const dbprobe_t *p);

/* Drops the probe in flight (its connection is closed, a name lookup left to
 * finish on its own; no callback); when none is in flight, keeps the idle
 * connection. */
void dbprobe_cancel(dbprobe_t *p);

/* Cancels and frees p; its handles are closed on the loop (run it afterwards). */
void dbprobe_close(dbprobe_t *p);

#endif
