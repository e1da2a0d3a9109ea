/* dbinfo.h - the outcome of one PostgreSQL probe as plain data: the probe's
 * query text, its answer row turned into a struct, error classes, secret scrubbing. */
#ifndef NODETOP_DBINFO_H
#define NODETOP_DBINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

/* Why a probe failed (DB_ERR_NONE when it answered). */
typedef enum db_error {
	DB_ERR_NONE = 0,
	DB_ERR_REFUSED,     /* nothing listens (connection refused, no socket) */
	DB_ERR_TIMEOUT,     /* no answer within the probe's timeout */
	DB_ERR_TLS,         /* TLS required but refused, or the certificate failed */
	DB_ERR_AUTH,        /* password/role rejected, no pg_hba.conf entry */
	DB_ERR_NO_DATABASE, /* the database does not exist */
	DB_ERR_OTHER
} db_error_t;

typedef enum db_role {
	DB_ROLE_UNKNOWN = 0,
	DB_ROLE_WRITER,     /* not in recovery */
	DB_ROLE_READER      /* in recovery: a standby / Aurora reader */
} db_role_t;

typedef enum db_lease {
	DB_LEASE_NOT_READABLE = 0, /* no lease_lock table, a column missing, or no rights */
	DB_LEASE_EMPTY,            /* readable, no row: nobody ever took the lease */
	DB_LEASE_HELD              /* a row: holder and expires_in_ms are set */
} db_lease_t;

#define DB_TEXT_MAX 160

/* A session (not the probe's own) that may have written the lease, as
 * pg_stat_activity shows it (see dbinfo.c's "Lease sessions"):
 *  'a' in a transaction or running, its last statement an INSERT/UPDATE naming lease_lock;
 *  'b' not idle since expires_at - lease duration, its last statement BEGIN or
 *      COMMIT (perhaps a refresh under way: before its upsert, or committing);
 *  'u' idle, its last statement such an upsert (autocommit);
 *  'c' idle, its last statement COMMIT, gone idle within DB_LEASE_WINDOW_MS after
 *      the lease's expires_at - lease duration (the refresh transaction's now()).
 * offset_us: state_change - (expires_at - lease duration), in microseconds. */
#define DB_LEASE_SESS_MAX 8
typedef struct db_lease_session {
	char addr[48];              /* client_addr, "" for a Unix socket; printable ASCII */
	char app[64];               /* application_name, printable ASCII */
	char kind;                  /* 'a', 'b', 'u' or 'c'; 'a' when the server did not say */
	bool has_offset;            /* offset_us is known */
	int64_t offset_us;
} db_lease_session_t;

/* The transaction that refreshed the lease began at expires_at - lease duration
 * (now() is its start) and its session went idle at most this much later. */
#define DB_LEASE_WINDOW_MS 50
/* The setting the probe sends with the query: Chainlink's lease duration in ms. */
#define DB_LEASE_DURATION_GUC "nodetop.lease_duration_ms"

typedef struct db_probe_result {
	bool up;                    /* connected, authenticated and the query answered */
	db_error_t error;
	char error_text[DB_TEXT_MAX];   /* one line, printable ASCII, secrets scrubbed; "" when up */
	db_role_t role;
	int64_t replay_lag_ms;      /* reader only; -1 when unknown (writer, or never replayed) */
	int64_t connections;        /* client backends; -1 when unknown */
	int64_t max_connections;    /* -1 when unknown */
	char server_version[48];    /* e.g. "15.20 (Debian 15.20-0+deb12u1)"; printable ASCII */
	int64_t server_version_num; /* e.g. 150020; 0 when unknown */
	db_lease_t lease;
	char lease_holder[40];      /* the client_id (a UUID) when DB_LEASE_HELD */
	int64_t lease_expires_in_ms;/* negative once expired (the holder stopped refreshing) */
	db_lease_session_t lease_sess[DB_LEASE_SESS_MAX];   /* sessions refreshing it (DB_LEASE_HELD) */
	size_t nlease_sess;
	bool lease_sess_more;       /* more than DB_LEASE_SESS_MAX of them */
	double connect_ms;          /* name lookup + TCP + TLS + authentication; -1 when not
	                               reached or when the probe ran on a kept connection */
	bool reused_connection;     /* the probe ran on the connection of an earlier one */
	double query_ms;            /* the probe query's round trip; -1 when not reached */
	double loop_held_ms;        /* the longest the probe held the event loop in one go
	                               (a callback of its own, up to handing over this result) */
} db_probe_result_t;

/* A result with nothing known yet (down, DB_ERR_OTHER, "not probed"). */
void dbinfo_init(db_probe_result_t *r);

/* The probe's one query: one row with the columns dbinfo_from_row reads.
 * With with_lease false the lease part is left out (the fallback when a server
 * rejects it, e.g. one built without XML support). */
const char *dbinfo_query(bool with_lease);

/* Fills r from the answer row: names[i] = values[i], values[i] NULL for SQL
 * NULL. Unknown columns are ignored. Returns true and sets r->up when the row
 * holds the required columns (in_recovery, connections, max_connections,
 * server_version) in a valid form; else false, with r->error = DB_ERR_OTHER
 * and an error text naming the column. */
bool dbinfo_from_row(db_probe_result_t *r, size_t ncols,
                     const char *const *names, const char *const *values);

/* Classifies a failure from the server's SQLSTATE (NULL or "" when none, as
 * for errors while connecting) and libpq's message text. */
db_error_t dbinfo_classify(const char *sqlstate, const char *message);

/* Writes a one-line, printable-ASCII copy of msg into dst (capacity dstsz,
 * always NUL-terminated): every occurrence of each secret (NULL-terminated
 * list; NULL and "" entries skipped) becomes "***", as do the values of
 * password=... and the password of a postgresql://user:password@ URI; runs of
 * whitespace and control bytes become one space, other bytes outside
 * printable ASCII become '?', leading and trailing blanks are dropped.
 * Returns the length written. */
size_t dbinfo_scrub(char *dst, size_t dstsz, const char *msg, const char *const *secrets);

/* Sets r to a failure: class, and the scrubbed message. */
void dbinfo_set_error(db_probe_result_t *r, db_error_t e, const char *message,
                      const char *const *secrets);

const char *dbinfo_error_name(db_error_t e);   /* "refused", "timeout", "tls", "auth", "no-database", "other", "" */
const char *dbinfo_role_name(db_role_t r);     /* "writer", "reader", "unknown" */

/* {"name", "state": "up"|"down", "role", "latency_ms", "connect_ms",
 *  "query_ms", "reused_connection", "connections", "max_connections", "replay_lag_ms",
 *  "server_version", "lease": {"holder", "expires_in_ms"} | null,
 *  "lease_readable", "error": {"class", "text"} | null}. Unknowns are null. */
cJSON *dbinfo_to_json(const char *name, const db_probe_result_t *r);

#endif
