/* dbprobe.c - the one glue module for PostgreSQL: libpq in non-blocking mode
 * on the libuv loop (uv_getaddrinfo, uv_poll_t on PQsocket, a timeout timer). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <uv.h>

#include "dbinfo.h"
#include "dbprobe.h"
#include "strbuf.h"
#include "xalloc.h"

/*
 * One probe: [look the host name up] -> connect (PQconnectStartParams, then
 * PQconnectPoll whenever the socket is ready as asked) -> PQsendQuery ->
 * PQconsumeInput/PQisBusy/PQgetResult -> PQfinish. A single timer bounds the
 * whole probe. libpq may close its socket and open another while connecting
 * (the next address, or a retry without TLS for sslmode=prefer), often with
 * the same descriptor number: the poll handle is therefore stopped before
 * every PQconnectPoll (libuv drops it from epoll) and started afresh after it,
 * on a new handle when the number changed. The poll handle is closed before
 * PQfinish closes the descriptor.
 *
 * The connection is kept for the next probe (authentication, SCRAM above all,
 * costs milliseconds of CPU; a query on an open connection tens of
 * microseconds) while it works, for at most reconnect_after_ms, and while the
 * host name resolves to the same address. A kept connection that turns out
 * broken (the server restarted, failed over, ended idle sessions) is replaced
 * within the same probe, once.
 */

typedef enum dbprobe_stage {
	DBP_IDLE = 0,
	DBP_FAILING,    /* a failure found before any I/O: reported from the timer */
	DBP_RESOLVING,
	DBP_CONNECTING,
	DBP_QUERYING
} dbprobe_stage_t;

/* A name's addresses handed to libpq, which tries them in turn (::1 may
 * refuse where 127.0.0.1 answers): at most DBP_NADDR of them. */
#define DBP_NADDR 8
#define DBP_ADDRS_MAX (DBP_NADDR * 48)

typedef struct dbprobe_poll {
	uv_poll_t h;
	int fd;
	dbprobe_t *p;
} dbprobe_poll_t;

typedef struct dbprobe_gai {
	uv_getaddrinfo_t req;
	dbprobe_t *p;   /* NULL once the probe gave up on it */
} dbprobe_gai_t;

struct dbprobe {
	uv_loop_t *loop;
	char *name, *host, *port, *dbname, *user, *password_file, *sslmode, *sslrootcert, *appname;
	unsigned timeout_ms;
	unsigned lease_duration_ms; /* Chainlink's lease duration, sent with the lease part */
	bool fresh_connection;
	uint64_t reconnect_after_ns;
	dbprobe_done_cb cb;
	void *ud;

	uv_timer_t timer;
	dbprobe_poll_t *poll;
	dbprobe_gai_t *gai;
	PGconn *conn;
	uint64_t conn_born;  /* when conn was established */
	char conn_addr[DBP_ADDRS_MAX];  /* the hostaddr list it was made to */
	bool reused;         /* this probe runs on a kept connection */
	dbprobe_stage_t stage;
	bool with_lease;     /* the query still includes the lease part */
	bool got_row;
	char *password;      /* this probe's, from password_file; wiped at the end */
	char hostaddr[DBP_ADDRS_MAX];   /* this probe's addresses of host, "a,b" */
	char *hostnames;     /* host repeated once per address, "h,h" */
	char *query;
	uint64_t t0, t_connected, t_sent;
	db_probe_result_t res;
	uint64_t cb_t0;      /* when the callback running now began */
	uint64_t held_ns;    /* this probe's longest single stretch on the loop so far */
	char err_state[6];   /* the first error result's SQLSTATE */
	char *err_msg;
};

static void dbprobe_poll_cb(uv_poll_t *h, int status, int events);

static char *dbprobe_dup(const char *s)
{
	return s && *s ? xstrdup(s) : NULL;
}

static double dbprobe_ms(uint64_t from, uint64_t to)
{
	return (double)(to - from) / 1e6;
}

/* ------------------------------------------------------------ ending */

static void dbprobe_poll_closed(uv_handle_t *h)
{
	free(h->data);   /* the dbprobe_poll_t */
}

static void dbprobe_poll_drop(dbprobe_t *p)
{
	if (!p->poll)
		return;
	/* uv_close stops the watcher and drops the fd from epoll synchronously */
	uv_close((uv_handle_t *)&p->poll->h, dbprobe_poll_closed);
	p->poll = NULL;
}

static void dbprobe_wipe_password(dbprobe_t *p)
{
	if (p->password) {
		explicit_bzero(p->password, strlen(p->password));
		free(p->password);
		p->password = NULL;
	}
}

static void dbprobe_drop_conn(dbprobe_t *p)
{
	dbprobe_poll_drop(p);           /* before the fd closes */
	if (p->conn) {
		PQfinish(p->conn);          /* non-blocking socket: never waits */
		p->conn = NULL;
	}
}

/* Gives up on the name lookup in flight: its callback frees it. */
static void dbprobe_orphan_lookup(dbprobe_t *p)
{
	if (p->gai) {
		p->gai->p = NULL;
		uv_cancel((uv_req_t *)&p->gai->req);
		p->gai = NULL;
	}
}

/* Releases everything the probe in flight holds, but a working connection
 * when keep is true, and a name lookup still running (the next probe waits
 * for it rather than piling lookups up on the thread pool when DNS hangs);
 * no callback. */
static void dbprobe_release(dbprobe_t *p, bool keep)
{
	uv_timer_stop(&p->timer);
	if (keep && p->conn && !p->fresh_connection && PQstatus(p->conn) == CONNECTION_OK &&
	    PQtransactionStatus(p->conn) == PQTRANS_IDLE) {
		if (p->poll)
			uv_poll_stop(&p->poll->h);
	} else {
		dbprobe_drop_conn(p);
	}
	free(p->query);
	p->query = NULL;
	free(p->hostnames);
	p->hostnames = NULL;
	free(p->err_msg);
	p->err_msg = NULL;
	dbprobe_wipe_password(p);
	p->stage = DBP_IDLE;
}

/* How long the loop is held: from dbprobe_enter to dbprobe_leave (or to the
 * hand-over of the result, which the caller's own work follows). */
static void dbprobe_enter(dbprobe_t *p)
{
	p->cb_t0 = uv_hrtime();
}

static void dbprobe_leave(dbprobe_t *p)
{
	uint64_t d = uv_hrtime() - p->cb_t0;
	if (d > p->held_ns)
		p->held_ns = d;
}

/* Ends the probe and reports. p must not be touched after the callback but to
 * note how long it held the loop (it is freed by dbprobe_close's uv_close
 * callback, never within a callback). */
static void dbprobe_finish(dbprobe_t *p)
{
	dbprobe_leave(p);
	p->res.loop_held_ms = (double)p->held_ns / 1e6;
	db_probe_result_t r = p->res;
	dbprobe_release(p, r.up);
	p->cb(p, &r, p->ud);
}

static void dbprobe_connect(dbprobe_t *p);

static void dbprobe_fail(dbprobe_t *p, db_error_t e, const char *msg)
{
	if (p->reused && e != DB_ERR_TIMEOUT && p->stage == DBP_QUERYING) {
		/* the kept connection broke: one more try on a new one */
		p->reused = false;
		p->res.reused_connection = false;
		dbprobe_drop_conn(p);
		dbprobe_connect(p);
		return;
	}
	const char *secrets[] = { p->password, NULL };
	dbinfo_set_error(&p->res, e, msg, secrets);
	dbprobe_finish(p);
}

/* A failure from libpq's connection: classified from its text. */
static void dbprobe_fail_conn(dbprobe_t *p)
{
	const char *m = p->conn ? PQerrorMessage(p->conn) : "out of memory";
	dbprobe_fail(p, dbinfo_classify(NULL, m), m);
}

/* ------------------------------------------------------------ the timer */

static const char *dbprobe_waiting_for(const dbprobe_t *p)
{
	switch (p->stage) {
	case DBP_RESOLVING: return "looking up the host name";
	case DBP_QUERYING: return "waiting for the answer to the probe query";
	case DBP_CONNECTING:
		return p->conn && PQstatus(p->conn) == CONNECTION_STARTED
		       ? "connecting" : "waiting for the server to accept the session";
	default: return "starting";
	}
}

static void dbprobe_timer_cb(uv_timer_t *t)
{
	dbprobe_t *p = t->data;
	dbprobe_enter(p);
	if (p->stage == DBP_FAILING) {
		dbprobe_finish(p);
		return;
	}
	char msg[128];
	snprintf(msg, sizeof msg, "timed out after %u ms %s", p->timeout_ms, dbprobe_waiting_for(p));
	dbprobe_fail(p, DB_ERR_TIMEOUT, msg);
}

/* ------------------------------------------------------------ polling */

/* Watches PQsocket(conn) for events, on a fresh registration. */
static bool dbprobe_watch(dbprobe_t *p, int events)
{
	int fd = PQsocket(p->conn);
	if (fd < 0) {
		dbprobe_fail_conn(p);
		return false;
	}
	if (p->poll && p->poll->fd != fd)
		dbprobe_poll_drop(p);
	if (!p->poll) {
		dbprobe_poll_t *w = xcalloc(1, sizeof *w);
		int rc = uv_poll_init(p->loop, &w->h, fd);
		if (rc != 0) {
			free(w);
			char msg[96];
			snprintf(msg, sizeof msg, "cannot watch the connection's socket: %s", uv_strerror(rc));
			dbprobe_fail(p, DB_ERR_OTHER, msg);
			return false;
		}
		w->fd = fd;
		w->p = p;
		w->h.data = w;
		p->poll = w;
	}
	int rc = uv_poll_start(&p->poll->h, events, dbprobe_poll_cb);
	if (rc != 0) {
		char msg[96];
		snprintf(msg, sizeof msg, "cannot watch the connection's socket: %s", uv_strerror(rc));
		dbprobe_fail(p, DB_ERR_OTHER, msg);
		return false;
	}
	return true;
}

/* Sends what libpq has buffered; watches for reading (and writing while
 * some is left). */
static void dbprobe_flush(dbprobe_t *p)
{
	int f = PQflush(p->conn);
	if (f < 0) {
		dbprobe_fail_conn(p);
		return;
	}
	dbprobe_watch(p, UV_READABLE | (f == 1 ? UV_WRITABLE : 0));
}

static void dbprobe_send(dbprobe_t *p)
{
	free(p->query);
	if (p->with_lease)   /* the lease part reads it (dbinfo.h) */
		p->query = xasprintf("SET statement_timeout = %u; SET " DB_LEASE_DURATION_GUC " = %u; %s", p->timeout_ms,
		                     p->lease_duration_ms, dbinfo_query(true));
	else
		p->query = xasprintf("SET statement_timeout = %u; %s", p->timeout_ms, dbinfo_query(false));
	p->got_row = false;
	p->err_state[0] = '\0';
	free(p->err_msg);
	p->err_msg = NULL;
	p->t_sent = uv_hrtime();
	if (!PQsendQuery(p->conn, p->query)) {
		dbprobe_fail_conn(p);
		return;
	}
	dbprobe_flush(p);
}

static void dbprobe_take_result(dbprobe_t *p, PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);
	if (st == PGRES_TUPLES_OK) {
		int n = PQnfields(res);
		if (PQntuples(res) != 1 || n <= 0 || n > 64)
			return;
		const char *names[64], *values[64];
		for (int i = 0; i < n; i++) {
			names[i] = PQfname(res, i);
			values[i] = PQgetisnull(res, 0, i) ? NULL : PQgetvalue(res, 0, i);
		}
		dbinfo_from_row(&p->res, (size_t)n, names, values);
		p->got_row = true;
	} else if (st != PGRES_COMMAND_OK && !p->err_msg) {
		const char *s = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		snprintf(p->err_state, sizeof p->err_state, "%s", s ? s : "");
		p->err_msg = xstrdup(PQresultErrorMessage(res));
	}
}

/* All results are in: report, or retry once without the lease part when the
 * server rejected the query for a reason of the query's own. */
static void dbprobe_query_done(dbprobe_t *p)
{
	uint64_t now = uv_hrtime();
	if (p->got_row && !p->err_msg) {
		p->res.query_ms = dbprobe_ms(p->t_sent, now);
		dbprobe_finish(p);   /* dbinfo_from_row set up or "unexpected answer" */
		return;
	}
	const char *st = p->err_state;
	bool conn_level = strncmp(st, "08", 2) == 0 || strncmp(st, "28", 2) == 0 ||
	                  strncmp(st, "57", 2) == 0 || strncmp(st, "53", 2) == 0 || st[0] == '\0';
	if (p->with_lease && p->err_msg && !conn_level) {
		p->with_lease = false;
		dbprobe_send(p);
		return;
	}
	const char *m = p->err_msg ? p->err_msg : "the probe query returned no row";
	if (p->err_msg && strcmp(st, "57014") == 0)
		dbprobe_fail(p, DB_ERR_TIMEOUT, m);  /* our statement_timeout */
	else
		dbprobe_fail(p, dbinfo_classify(st, m), m);
}

static void dbprobe_on_connecting(dbprobe_t *p)
{
	uv_poll_stop(&p->poll->h);   /* re-registered by dbprobe_watch: the fd may be new */
	switch (PQconnectPoll(p->conn)) {
	case PGRES_POLLING_READING:
		dbprobe_watch(p, UV_READABLE);
		break;
	case PGRES_POLLING_WRITING:
		dbprobe_watch(p, UV_WRITABLE);
		break;
	case PGRES_POLLING_OK:
		p->t_connected = uv_hrtime();
		p->conn_born = p->t_connected;
		snprintf(p->conn_addr, sizeof p->conn_addr, "%s", p->hostaddr);
		p->res.connect_ms = dbprobe_ms(p->t0, p->t_connected);
		p->stage = DBP_QUERYING;
		if (PQsetnonblocking(p->conn, 1) != 0) {
			dbprobe_fail_conn(p);
			return;
		}
		dbprobe_send(p);
		break;
	default:
		dbprobe_fail_conn(p);
		break;
	}
}

static void dbprobe_on_querying(dbprobe_t *p, int events)
{
	if (events & UV_WRITABLE) {
		int f = PQflush(p->conn);
		if (f < 0) {
			dbprobe_fail_conn(p);
			return;
		}
		if (f == 0 && !dbprobe_watch(p, UV_READABLE))
			return;
	}
	if (!(events & UV_READABLE))
		return;
	if (!PQconsumeInput(p->conn)) {
		dbprobe_fail_conn(p);
		return;
	}
	while (!PQisBusy(p->conn)) {
		PGresult *res = PQgetResult(p->conn);
		if (!res) {
			dbprobe_query_done(p);
			return;
		}
		dbprobe_take_result(p, res);
		PQclear(res);
	}
}

/* A poll error (status < 0) is left to libpq: the next call on the
 * connection meets the socket's error and reports it. */
static void dbprobe_poll_cb(uv_poll_t *h, int status, int events)
{
	dbprobe_poll_t *w = h->data;
	dbprobe_t *p = w->p;
	dbprobe_enter(p);
	if (status < 0)
		events = UV_READABLE | UV_WRITABLE;
	if (p->stage == DBP_CONNECTING)
		dbprobe_on_connecting(p);
	else if (p->stage == DBP_QUERYING)
		dbprobe_on_querying(p, events);
	dbprobe_leave(p);   /* after a finish too: harmless, the next start resets it */
}

/* ------------------------------------------------------------ starting */

static void dbprobe_notice_ignore(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Runs the probe on the kept connection when it is still the one to use, and
 * still alive as far as a non-blocking read can tell; else connects anew. */
static void dbprobe_reuse_or_connect(dbprobe_t *p)
{
	if (p->conn) {
		bool same = strcmp(p->conn_addr, p->hostaddr) == 0 &&
		            uv_hrtime() - p->conn_born < p->reconnect_after_ns;
		if (same && PQconsumeInput(p->conn) && PQstatus(p->conn) == CONNECTION_OK && !PQisBusy(p->conn)) {
			p->reused = true;
			p->res.reused_connection = true;
			p->stage = DBP_QUERYING;
			dbprobe_send(p);
			return;
		}
		dbprobe_drop_conn(p);
	}
	dbprobe_connect(p);
}

static void dbprobe_connect(dbprobe_t *p)
{
	const char *keys[16], *vals[16];
	int n = 0;
#define DBP_KV(k, v) do { if (v) { keys[n] = (k); vals[n] = (v); n++; } } while (0)
	DBP_KV("host", p->hostnames ? p->hostnames : p->host);
	DBP_KV("hostaddr", p->hostaddr[0] ? p->hostaddr : NULL);
	DBP_KV("port", p->port);
	DBP_KV("dbname", p->dbname);
	DBP_KV("user", p->user);
	DBP_KV("password", p->password);
	DBP_KV("sslmode", p->sslmode);
	DBP_KV("sslrootcert", p->sslrootcert);
	DBP_KV("application_name", p->appname ? p->appname : "nodetop");
	DBP_KV("gssencmode", "disable");   /* no Kerberos look-ups on the loop */
#undef DBP_KV
	keys[n] = NULL;
	vals[n] = NULL;

	p->stage = DBP_CONNECTING;
	p->conn = PQconnectStartParams(keys, vals, 0);
	if (!p->conn || PQstatus(p->conn) == CONNECTION_BAD) {
		dbprobe_fail_conn(p);
		return;
	}
	/* libpq prints notices (and a FATAL that arrives while idle) on stderr,
	 * which belongs to the terminal: nothing of the server's reaches it. */
	PQsetNoticeProcessor(p->conn, dbprobe_notice_ignore, NULL);
	/* libpq: start as if PQconnectPoll had asked for writing */
	dbprobe_watch(p, UV_WRITABLE);
}

static void dbprobe_gai_cb(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	dbprobe_gai_t *g = (dbprobe_gai_t *)req;
	dbprobe_t *p = g->p;
	if (p)
		p->gai = NULL;
	free(g);
	if (!p || p->stage != DBP_RESOLVING) {
		/* cancelled, or its probe timed out and no other waits for it */
		uv_freeaddrinfo(res);
		return;
	}
	if (status != 0 || !res) {
		uv_freeaddrinfo(res);
		char msg[DB_TEXT_MAX];
		snprintf(msg, sizeof msg, "could not resolve host name \"%s\": %s", p->host, uv_strerror(status));
		dbprobe_fail(p, DB_ERR_OTHER, msg);
		return;
	}
	strbuf_t addrs = STRBUF_INIT, names = STRBUF_INIT;
	int n = 0;
	for (struct addrinfo *a = res; a && n < DBP_NADDR; a = a->ai_next) {
		char ip[48];
		if ((a->ai_family != AF_INET && a->ai_family != AF_INET6) ||
		    uv_ip_name(a->ai_addr, ip, sizeof ip) != 0)
			continue;
		char padded[52];
		snprintf(padded, sizeof padded, ",%s,", ip);
		char hay[DBP_ADDRS_MAX + 2];
		snprintf(hay, sizeof hay, ",%s,", strbuf_str(&addrs));
		if (strstr(hay, padded))
			continue;   /* the same address once per socket type */
		strbuf_printf(&addrs, "%s%s", n ? "," : "", ip);
		strbuf_printf(&names, "%s%s", n ? "," : "", p->host);
		n++;
	}
	uv_freeaddrinfo(res);
	snprintf(p->hostaddr, sizeof p->hostaddr, "%s", strbuf_str(&addrs));
	free(p->hostnames);
	p->hostnames = n ? xstrdup(strbuf_str(&names)) : NULL;
	strbuf_free(&addrs);
	strbuf_free(&names);
	if (n == 0) {
		dbprobe_fail(p, DB_ERR_OTHER, "could not use the host's addresses");
		return;
	}
	dbprobe_reuse_or_connect(p);
}

static bool dbprobe_is_literal(const char *host)
{
	unsigned char buf[16];
	return !host || host[0] == '/' || host[0] == '@' ||
	       inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* The first line of the password file, or NULL with *err set. */
static char *dbprobe_read_password(const char *path, char *err, size_t errsz)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errsz, "cannot read password_file %s: %s", path, strerror(errno));
		return NULL;
	}
	char buf[1024];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	char *pw = xstrdup(buf);
	explicit_bzero(buf, sizeof buf);
	return pw;
}

/* Reports msg from the timer, on the next loop pass (never from inside start). */
static void dbprobe_fail_soon(dbprobe_t *p, db_error_t e, const char *msg)
{
	const char *secrets[] = { p->password, NULL };
	dbinfo_set_error(&p->res, e, msg, secrets);
	p->stage = DBP_FAILING;
	uv_timer_start(&p->timer, dbprobe_timer_cb, 0, 0);
}

static int dbprobe_begin(dbprobe_t *p);

int dbprobe_start(dbprobe_t *p)
{
	if (p->stage != DBP_IDLE)
		return UV_EBUSY;
	dbinfo_init(&p->res);
	p->t0 = uv_hrtime();
	p->held_ns = 0;
	dbprobe_enter(p);
	int rc = dbprobe_begin(p);
	dbprobe_leave(p);
	return rc;
}

/* dbprobe_start's work: a lookup, a connection started, or a failure for the timer. */
static int dbprobe_begin(dbprobe_t *p)
{
	p->hostaddr[0] = '\0';
	p->with_lease = true;
	p->reused = false;

	if (p->password_file) {
		char err[DB_TEXT_MAX];
		p->password = dbprobe_read_password(p->password_file, err, sizeof err);
		if (!p->password) {
			dbprobe_fail_soon(p, DB_ERR_OTHER, err);
			return 0;
		}
	}
	if (p->host && strchr(p->host, ',')) {
		dbprobe_fail_soon(p, DB_ERR_OTHER, "one host per database entry (a host list is not supported)");
		return 0;
	}
	uv_timer_start(&p->timer, dbprobe_timer_cb, p->timeout_ms, 0);

	if (p->gai) {                  /* the last probe's lookup still runs */
		p->stage = DBP_RESOLVING;
		return 0;
	}
	if (dbprobe_is_literal(p->host)) {
		dbprobe_reuse_or_connect(p);
		return 0;
	}
	/* A name (an Aurora endpoint is a CNAME that moves on failover): looked
	 * up afresh on every probe, on the thread pool; libpq gets the address
	 * as hostaddr and keeps the name for TLS verification and ~/.pgpass. */
	dbprobe_gai_t *g = xcalloc(1, sizeof *g);
	g->p = p;
	struct addrinfo hints;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	p->stage = DBP_RESOLVING;
	int rc = uv_getaddrinfo(p->loop, &g->req, dbprobe_gai_cb, p->host, NULL, &hints);
	if (rc != 0) {
		free(g);
		uv_timer_stop(&p->timer);
		char msg[DB_TEXT_MAX];
		snprintf(msg, sizeof msg, "could not resolve host name \"%s\": %s", p->host, uv_strerror(rc));
		dbprobe_fail_soon(p, DB_ERR_OTHER, msg);
		return 0;
	}
	p->gai = g;
	return 0;
}

bool dbprobe_busy(const dbprobe_t *p)
{
	return p->stage != DBP_IDLE;
}

void dbprobe_cancel(dbprobe_t *p)
{
	dbprobe_orphan_lookup(p);
	dbprobe_release(p, p->stage == DBP_IDLE);
}

/* ------------------------------------------------------------ life cycle */

dbprobe_t *dbprobe_new(uv_loop_t *loop, const dbprobe_conf_t *conf, dbprobe_done_cb cb, void *ud)
{
	dbprobe_t *p = xcalloc(1, sizeof *p);
	p->loop = loop;
	p->name = dbprobe_dup(conf->name);
	/* libpq would look a PGHOST name up itself, blocking: do it here */
	p->host = dbprobe_dup(conf->host ? conf->host : getenv("PGHOST"));
	p->port = dbprobe_dup(conf->port);
	p->dbname = dbprobe_dup(conf->dbname);
	p->user = dbprobe_dup(conf->user);
	p->password_file = dbprobe_dup(conf->password_file);
	p->sslmode = dbprobe_dup(conf->sslmode);
	p->sslrootcert = dbprobe_dup(conf->sslrootcert);
	p->appname = dbprobe_dup(conf->application_name);
	p->timeout_ms = conf->timeout_ms ? conf->timeout_ms : 5000;
	p->lease_duration_ms = conf->lease_duration_ms ? conf->lease_duration_ms : 10000;
	p->fresh_connection = conf->fresh_connection;
	p->reconnect_after_ns = (uint64_t)(conf->reconnect_after_ms ? conf->reconnect_after_ms : 300000) * 1000000u;
	p->cb = cb;
	p->ud = ud;
	uv_timer_init(loop, &p->timer);
	p->timer.data = p;
	dbinfo_init(&p->res);
	return p;
}

static void dbprobe_closed(uv_handle_t *h)
{
	dbprobe_t *p = h->data;
	free(p->name);
	free(p->host);
	free(p->port);
	free(p->dbname);
	free(p->user);
	free(p->password_file);
	free(p->sslmode);
	free(p->sslrootcert);
	free(p->appname);
	free(p);
}

void dbprobe_close(dbprobe_t *p)
{
	if (!p)
		return;
	dbprobe_orphan_lookup(p);
	dbprobe_release(p, false);
	uv_close((uv_handle_t *)&p->timer, dbprobe_closed);
}
