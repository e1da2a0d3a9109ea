/* dbinfo.c - the pure half of the PostgreSQL probe: its query, the answer row
 * as a db_probe_result_t, error classes and scrubbing secrets out of texts. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "dbinfo.h"
#include "strbuf.h"
#include "xalloc.h"

/*
 * One row, one round trip. The lease part must not fail the query when the
 * lease_lock table (Chainlink's: client_id uuid, expires_at timestamptz) is
 * absent, lacks a column or is not readable by the probe's role: it is run
 * through query_to_xml() only when the catalogue says both columns exist and
 * may be read (CASE evaluates lazily), and read back with xpath().
 * Replay lag: 0 when a reader has replayed all it received, else the age of
 * the last replayed transaction; unknown (NULL) when it receives no WAL
 * stream (archive recovery; Aurora readers, which have no WAL receiver).
 * Lease sessions: the other sessions of this database that may have written
 * the lease, as "ADDR<TAB>APPLICATION_NAME<TAB>KIND<TAB>OFFSET_US" lines (see
 * db_lease_session_t): those whose last statement is an INSERT or UPDATE
 * naming lease_lock (a client taking or refreshing the lease; one that only
 * reads it, other nodetops' probes included, left out), and the idle ones
 * whose last statement is COMMIT and whose state_change lies within
 * DB_LEASE_WINDOW_MS after expires_at - lease duration: Chainlink refreshes
 * in a transaction (BEGIN; upsert with now() + duration; COMMIT), now() is
 * the transaction's start, and its session goes idle a few ms later; and the
 * ones not idle since then whose last statement is BEGIN or COMMIT (perhaps a
 * refresh under way, before its upsert or committing it). The
 * duration comes from the setting DB_LEASE_DURATION_GUC (default 10 s).
 * A role without pg_read_all_stats sees other roles' query texts as
 * "<insufficient privilege>" and no state_change, hence none. Connections: backends connected to a
 * database, from pg_stat_database, which any role may read in full (in
 * pg_stat_activity other roles' sessions lose their backend_type).
 */
#define DBINFO_STR_(x) #x
#define DBINFO_STR(x) DBINFO_STR_(x)
#define DBINFO_Q_HEAD \
	"SELECT pg_is_in_recovery() AS in_recovery," \
	" CASE WHEN pg_is_in_recovery() THEN" \
	"  CASE WHEN pg_last_wal_receive_lsn() IS NULL THEN NULL" \
	"  WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0" \
	"  ELSE floor(extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000)::bigint END" \
	" END AS replay_lag_ms," \
	" (SELECT coalesce(sum(numbackends), 0) FROM pg_stat_database) AS connections," \
	" current_setting('max_connections') AS max_connections," \
	" current_setting('server_version') AS server_version," \
	" current_setting('server_version_num') AS server_version_num"

static const char dbinfo_q_lease[] =
	DBINFO_Q_HEAD ","
	" l.ok AS lease_readable,"
	" (xpath('/row/h/text()', nullif(l.x::text, '')::xml))[1]::text AS lease_holder,"
	" (xpath('/row/e/text()', nullif(l.x::text, '')::xml))[1]::text AS lease_expires_in_ms,"
	" (SELECT string_agg(s, chr(10)) FROM (SELECT s FROM (SELECT DISTINCT coalesce(host(client_addr), '') || chr(9) ||"
	"  coalesce(application_name, '') || chr(9) || k || chr(9) || coalesce(o::text, '') AS s, k, o FROM"
	"  (SELECT client_addr, application_name, w, CASE WHEN state = 'idle' AND w THEN 'u' WHEN state = 'idle' THEN 'c' WHEN w THEN 'a' ELSE 'b' END AS k,"
	"   floor(extract(epoch FROM state_change) * 1000000)::bigint - t0 AS o FROM"
	"   (SELECT *, position('lease_lock' in query) > 0 AND position('lease_readable' in query) = 0"
	"    AND lower(ltrim(query, E' \\t\\r\\n')) ~ '^(insert|update)[^a-z_]' AS w FROM pg_stat_activity"
	"    WHERE pid <> pg_backend_pid() AND datname = current_database()) a,"
	"   (SELECT (xpath('/row/t/text()', nullif(l.x::text, '')::xml))[1]::text::bigint - 1000 *"
	"    coalesce(nullif(current_setting('" DB_LEASE_DURATION_GUC "', true), ''), '10000')::bigint AS t0) b"
	"   WHERE w OR (state = 'idle' AND lower(btrim(query, E' \\t\\r\\n' || chr(59))) IN ('commit', 'end', 'commit work',"
	"    'commit transaction', 'end work', 'end transaction'))"
	"    OR (state <> 'idle' AND lower(ltrim(query, E' \\t\\r\\n')) ~ '^(begin|start transaction|commit|end)([^a-z_]|$)')) c"
	"  WHERE (k = 'c' AND o BETWEEN 0 AND " DBINFO_STR(DB_LEASE_WINDOW_MS) "000) OR w OR (k = 'b' AND o >= 0)) d"
	"  ORDER BY k, abs(o) NULLS LAST, s LIMIT 9) e) AS lease_sessions"
	" FROM (SELECT c.ok, CASE WHEN c.ok THEN query_to_xml("
	"  'SELECT client_id::text AS h,"
	"  floor(extract(epoch FROM expires_at - clock_timestamp()) * 1000)::bigint AS e,"
	"  floor(extract(epoch FROM expires_at) * 1000000)::bigint AS t"
	"  FROM lease_lock ORDER BY expires_at DESC LIMIT 1', false, true, '') END AS x"
	" FROM (SELECT coalesce(r IS NOT NULL"
	"  AND (SELECT count(*) FROM pg_attribute WHERE attrelid = r"
	"   AND attname IN ('client_id', 'expires_at') AND attnum > 0 AND NOT attisdropped) = 2"
	"  AND has_column_privilege(r, 'client_id', 'SELECT')"
	"  AND has_column_privilege(r, 'expires_at', 'SELECT'), false) AS ok"
	"  FROM to_regclass('lease_lock') r) c) l";

static const char dbinfo_q_plain[] = DBINFO_Q_HEAD;

const char *dbinfo_query(bool with_lease)
{
	return with_lease ? dbinfo_q_lease : dbinfo_q_plain;
}

void dbinfo_init(db_probe_result_t *r)
{
	memset(r, 0, sizeof *r);
	r->up = false;
	r->error = DB_ERR_OTHER;
	snprintf(r->error_text, sizeof r->error_text, "not probed");
	r->role = DB_ROLE_UNKNOWN;
	r->replay_lag_ms = -1;
	r->connections = -1;
	r->max_connections = -1;
	r->lease = DB_LEASE_NOT_READABLE;
	r->connect_ms = -1;
	r->query_ms = -1;
}

/* ------------------------------------------------------------ the row */

/* A whole decimal integer (optional '-'), nothing else. */
static bool dbinfo_int(const char *s, int64_t *out)
{
	if (!s || !*s || isspace((unsigned char)*s))
		return false;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || end == s)
		return false;
	*out = (int64_t)v;
	return true;
}

/* Copies s into dst as printable ASCII; anything else becomes '?'. */
static void dbinfo_copy_printable(char *dst, size_t dstsz, const char *s)
{
	size_t o = 0;
	for (; s && *s && o + 1 < dstsz; s++) {
		unsigned char c = (unsigned char)*s;
		dst[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	dst[o] = '\0';
}

/* A UUID's alphabet only: hex digits and '-'; anything else becomes '?'. */
static void dbinfo_copy_uuidish(char *dst, size_t dstsz, const char *s)
{
	size_t o = 0;
	for (; *s && o + 1 < dstsz; s++) {
		unsigned char c = (unsigned char)*s;
		dst[o++] = (isxdigit(c) || c == '-') ? (char)c : '?';
	}
	dst[o] = '\0';
}

static const char *dbinfo_col(size_t n, const char *const *names, const char *const *values,
                              const char *want, bool *present)
{
	const char *v = NULL;
	*present = false;
	for (size_t i = 0; i < n; i++)
		if (names[i] && strcmp(names[i], want) == 0) {
			v = values[i];
			*present = true;
		}
	return v;
}

/* One field of a session line, cut to fit dst, as printable ASCII. */
static void dbinfo_field(char *dst, size_t dstsz, const char *s, size_t len)
{
	char part[128];
	snprintf(part, sizeof part, "%.*s", (int)(len < sizeof part ? len : sizeof part - 1), s);
	dbinfo_copy_printable(dst, dstsz, part);
}

/* "ADDR<TAB>APP<TAB>KIND<TAB>OFFSET_US" lines into r->lease_sess (at most
 * DB_LEASE_SESS_MAX). A line of two fields (an older query) is kind 'a'. */
static void dbinfo_sessions(db_probe_result_t *r, const char *v)
{
	r->nlease_sess = 0;
	r->lease_sess_more = false;
	while (v && *v) {
		size_t len = strcspn(v, "\n");
		if (r->nlease_sess == DB_LEASE_SESS_MAX) {
			r->lease_sess_more = true;
			break;
		}
		db_lease_session_t *s = &r->lease_sess[r->nlease_sess++];
		const char *tabs[3];
		size_t nt = 0;
		for (size_t i = 0; i < len && nt < 3; i++)
			if (v[i] == '\t')
				tabs[nt++] = v + i;
		const char *app_end = nt == 3 ? tabs[1] : v + len;
		dbinfo_field(s->addr, sizeof s->addr, v, nt ? (size_t)(tabs[0] - v) : len);
		s->app[0] = '\0';
		if (nt)
			dbinfo_field(s->app, sizeof s->app, tabs[0] + 1, (size_t)(app_end - tabs[0] - 1));
		s->kind = 'a';
		s->has_offset = false;
		s->offset_us = 0;
		if (nt == 3) {
			char k = tabs[2] - tabs[1] == 2 ? tabs[1][1] : '?';
			s->kind = (k == 'u' || k == 'c' || k == 'b') ? k : 'a';
			char num[32];
			size_t nl = (size_t)(v + len - tabs[2] - 1);
			int64_t n;
			if (nl < sizeof num) {
				memcpy(num, tabs[2] + 1, nl);
				num[nl] = '\0';
				s->has_offset = dbinfo_int(num, &n);
				s->offset_us = s->has_offset ? n : 0;
			}
		}
		v += len;
		if (*v == '\n')
			v++;
	}
}

static bool dbinfo_bad(db_probe_result_t *r, const char *col)
{
	r->up = false;
	r->error = DB_ERR_OTHER;
	snprintf(r->error_text, sizeof r->error_text,
	         "unexpected answer from the server (column %s)", col);
	return false;
}

bool dbinfo_from_row(db_probe_result_t *r, size_t ncols,
                     const char *const *names, const char *const *values)
{
	bool has;
	const char *v;
	int64_t n;

	v = dbinfo_col(ncols, names, values, "in_recovery", &has);
	if (v && strcmp(v, "t") == 0)
		r->role = DB_ROLE_READER;
	else if (v && strcmp(v, "f") == 0)
		r->role = DB_ROLE_WRITER;
	else
		return dbinfo_bad(r, "in_recovery");

	v = dbinfo_col(ncols, names, values, "connections", &has);
	if (!dbinfo_int(v, &n) || n < 0)
		return dbinfo_bad(r, "connections");
	r->connections = n;

	v = dbinfo_col(ncols, names, values, "max_connections", &has);
	if (!dbinfo_int(v, &n) || n <= 0)
		return dbinfo_bad(r, "max_connections");
	r->max_connections = n;

	v = dbinfo_col(ncols, names, values, "server_version", &has);
	if (!v || !*v)
		return dbinfo_bad(r, "server_version");
	dbinfo_copy_printable(r->server_version, sizeof r->server_version, v);

	v = dbinfo_col(ncols, names, values, "server_version_num", &has);
	r->server_version_num = dbinfo_int(v, &n) && n > 0 ? n : 0;

	r->replay_lag_ms = -1;
	v = dbinfo_col(ncols, names, values, "replay_lag_ms", &has);
	if (r->role == DB_ROLE_READER && dbinfo_int(v, &n))
		r->replay_lag_ms = n < 0 ? 0 : n;   /* the writer's clock may be ahead */

	r->lease = DB_LEASE_NOT_READABLE;
	r->lease_holder[0] = '\0';
	r->lease_expires_in_ms = 0;
	r->nlease_sess = 0;
	r->lease_sess_more = false;
	v = dbinfo_col(ncols, names, values, "lease_readable", &has);
	if (v && strcmp(v, "t") == 0) {
		const char *holder = dbinfo_col(ncols, names, values, "lease_holder", &has);
		const char *exp = dbinfo_col(ncols, names, values, "lease_expires_in_ms", &has);
		if (!holder) {
			r->lease = DB_LEASE_EMPTY;
		} else if (*holder && dbinfo_int(exp, &n)) {
			r->lease = DB_LEASE_HELD;
			dbinfo_copy_uuidish(r->lease_holder, sizeof r->lease_holder, holder);
			r->lease_expires_in_ms = n;
			dbinfo_sessions(r, dbinfo_col(ncols, names, values, "lease_sessions", &has));
		}
	}

	r->up = true;
	r->error = DB_ERR_NONE;
	r->error_text[0] = '\0';
	return true;
}

/* ------------------------------------------------------------ errors */

static bool dbinfo_has(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

db_error_t dbinfo_classify(const char *sqlstate, const char *message)
{
	const char *m = message ? message : "";

	if (sqlstate && *sqlstate) {
		if (strcmp(sqlstate, "28P01") == 0 || strcmp(sqlstate, "28000") == 0)
			return DB_ERR_AUTH;
		if (strcmp(sqlstate, "3D000") == 0)
			return DB_ERR_NO_DATABASE;
	}
	/* Connection-time errors come without a SQLSTATE: libpq's text (English;
	 * a server or libpq with translated messages ends up in "other"). */
	if (dbinfo_has(m, "database \"") && dbinfo_has(m, "\" does not exist"))
		return DB_ERR_NO_DATABASE;
	if (dbinfo_has(m, "password authentication failed") || dbinfo_has(m, "no password supplied") ||
	    dbinfo_has(m, "authentication failed") || dbinfo_has(m, "no pg_hba.conf entry") ||
	    (dbinfo_has(m, "role \"") && dbinfo_has(m, "\" does not exist")) ||
	    dbinfo_has(m, "server requested a password") || dbinfo_has(m, "SCRAM"))
		return DB_ERR_AUTH;
	if (dbinfo_has(m, "SSL") || dbinfo_has(m, "TLS") || dbinfo_has(m, "certificate"))
		return DB_ERR_TLS;
	if (dbinfo_has(m, "Connection refused") || dbinfo_has(m, "No such file or directory"))
		return DB_ERR_REFUSED;
	if (dbinfo_has(m, "timeout expired") || dbinfo_has(m, "timed out"))
		return DB_ERR_TIMEOUT;
	return DB_ERR_OTHER;
}

/* Replaces every occurrence of secret in sb by "***". */
static void dbinfo_mask(strbuf_t *sb, const char *secret)
{
	size_t n = strlen(secret);
	if (n == 0 || sb->len < n)
		return;
	strbuf_t out = STRBUF_INIT;
	const char *s = strbuf_str(sb);
	size_t i = 0;
	while (i < sb->len) {
		if (i + n <= sb->len && memcmp(s + i, secret, n) == 0) {
			strbuf_puts(&out, "***");
			i += n;
		} else {
			strbuf_putc(&out, s[i++]);
		}
	}
	strbuf_free(sb);
	*sb = out;
}

/* What dbinfo_scrub turns into a space: whitespace, controls, DEL. */
static bool dbinfo_blank(char ch)
{
	unsigned char c = (unsigned char)ch;
	return c <= 0x20 || c == 0x7f;
}

/* password=VALUE (any case, also sslpassword=, blanks around '='): VALUE
 * quoted '...' with backslash escapes, or up to a blank, becomes ***. */
static void dbinfo_mask_keyword(strbuf_t *sb)
{
	static const char key[] = "password";
	const size_t klen = sizeof key - 1;
	strbuf_t out = STRBUF_INIT;
	const char *s = strbuf_str(sb);
	size_t len = sb->len, i = 0;

	while (i < len) {
		if (i + klen <= len && strncasecmp(s + i, key, klen) == 0) {
			size_t j = i + klen;
			while (j < len && dbinfo_blank(s[j]))
				j++;
			if (j < len && s[j] == '=') {
				j++;
				while (j < len && dbinfo_blank(s[j]))
					j++;
				strbuf_append(&out, s + i, klen);
				strbuf_puts(&out, "=***");
				if (j < len && s[j] == '\'') {
					for (j++; j < len && s[j] != '\''; j++)
						if (s[j] == '\\' && j + 1 < len)
							j++;
					if (j < len)
						j++;   /* the closing quote */
				} else {
					while (j < len && !dbinfo_blank(s[j]) && s[j] != '"' && s[j] != '\'')
						j++;
				}
				i = j;
				continue;
			}
		}
		strbuf_putc(&out, s[i++]);
	}
	strbuf_free(sb);
	*sb = out;
}

/* scheme://user:password@host -> scheme://user:***@host */
static void dbinfo_mask_uri(strbuf_t *sb)
{
	strbuf_t out = STRBUF_INIT;
	const char *s = strbuf_str(sb);
	size_t len = sb->len, i = 0;

	while (i < len) {
		if (i + 3 <= len && memcmp(s + i, "://", 3) == 0) {
			size_t a = i + 3, j = a, colon = 0, at = 0;
			for (; j < len && s[j] != '/' && s[j] != '?' && !isspace((unsigned char)s[j]); j++) {
				if (s[j] == '@')
					at = j;           /* the last '@' ends the user info */
				else if (s[j] == ':' && !colon && !at)
					colon = j;
			}
			if (at && colon && colon < at) {
				strbuf_append(&out, s + i, colon + 1 - i);
				strbuf_puts(&out, "***");
				i = at;
				continue;
			}
		}
		strbuf_putc(&out, s[i++]);
	}
	strbuf_free(sb);
	*sb = out;
}

size_t dbinfo_scrub(char *dst, size_t dstsz, const char *msg, const char *const *secrets)
{
	if (dstsz == 0)
		return 0;
	strbuf_t sb = STRBUF_INIT;
	strbuf_puts(&sb, msg ? msg : "");
	for (size_t k = 0; secrets && secrets[k]; k++)
		dbinfo_mask(&sb, secrets[k]);
	dbinfo_mask_keyword(&sb);
	dbinfo_mask_uri(&sb);

	const char *s = strbuf_str(&sb);
	size_t o = 0;
	bool blank = true;   /* drops leading blanks */
	for (size_t i = 0; i < sb.len && o + 1 < dstsz; i++) {
		unsigned char c = (unsigned char)s[i];
		if (dbinfo_blank((char)c)) {
			if (!blank)
				dst[o++] = ' ';
			blank = true;
			continue;
		}
		dst[o++] = c < 0x7f ? (char)c : '?';
		blank = false;
	}
	while (o > 0 && dst[o - 1] == ' ')
		o--;
	dst[o] = '\0';
	strbuf_free(&sb);
	return o;
}

void dbinfo_set_error(db_probe_result_t *r, db_error_t e, const char *message,
                      const char *const *secrets)
{
	r->up = false;
	r->error = e == DB_ERR_NONE ? DB_ERR_OTHER : e;
	dbinfo_scrub(r->error_text, sizeof r->error_text, message, secrets);
	if (!r->error_text[0])
		snprintf(r->error_text, sizeof r->error_text, "%s", dbinfo_error_name(r->error));
}

const char *dbinfo_error_name(db_error_t e)
{
	switch (e) {
	case DB_ERR_NONE: return "";
	case DB_ERR_REFUSED: return "refused";
	case DB_ERR_TIMEOUT: return "timeout";
	case DB_ERR_TLS: return "tls";
	case DB_ERR_AUTH: return "auth";
	case DB_ERR_NO_DATABASE: return "no-database";
	case DB_ERR_OTHER: return "other";
	}
	return "other";
}

const char *dbinfo_role_name(db_role_t r)
{
	switch (r) {
	case DB_ROLE_WRITER: return "writer";
	case DB_ROLE_READER: return "reader";
	case DB_ROLE_UNKNOWN: return "unknown";
	}
	return "unknown";
}

/* ------------------------------------------------------------ JSON */

static void dbinfo_jadd(cJSON *o, const char *key, cJSON *v)
{
	if (!v)
		abort();
	cJSON_AddItemToObject(o, key, v);
}

static cJSON *dbinfo_jint(int64_t v, bool known)
{
	return known ? cJSON_CreateNumber((double)v) : cJSON_CreateNull();
}

static cJSON *dbinfo_jms(double v)
{
	return v >= 0 ? cJSON_CreateNumber((double)(int64_t)(v * 10 + 0.5) / 10) : cJSON_CreateNull();
}

cJSON *dbinfo_to_json(const char *name, const db_probe_result_t *r)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		abort();
	char safe[128];
	dbinfo_copy_printable(safe, sizeof safe, name ? name : "");
	dbinfo_jadd(o, "name", cJSON_CreateString(safe));
	dbinfo_jadd(o, "state", cJSON_CreateString(r->up ? "up" : "down"));
	dbinfo_jadd(o, "role", r->role == DB_ROLE_UNKNOWN ? cJSON_CreateNull()
	                                                  : cJSON_CreateString(dbinfo_role_name(r->role)));
	dbinfo_jadd(o, "latency_ms", dbinfo_jms(r->query_ms >= 0
	                                         ? (r->connect_ms >= 0 ? r->connect_ms : 0) + r->query_ms : -1));
	dbinfo_jadd(o, "connect_ms", dbinfo_jms(r->connect_ms));
	dbinfo_jadd(o, "query_ms", dbinfo_jms(r->query_ms));
	dbinfo_jadd(o, "reused_connection", cJSON_CreateBool(r->reused_connection));
	dbinfo_jadd(o, "connections", dbinfo_jint(r->connections, r->connections >= 0));
	dbinfo_jadd(o, "max_connections", dbinfo_jint(r->max_connections, r->max_connections > 0));
	dbinfo_jadd(o, "replay_lag_ms", dbinfo_jint(r->replay_lag_ms, r->replay_lag_ms >= 0));
	dbinfo_jadd(o, "server_version", r->server_version[0] ? cJSON_CreateString(r->server_version)
	                                                      : cJSON_CreateNull());
	if (r->up && r->lease == DB_LEASE_HELD) {
		cJSON *l = cJSON_CreateObject();
		if (!l)
			abort();
		dbinfo_jadd(l, "holder", cJSON_CreateString(r->lease_holder));
		dbinfo_jadd(l, "expires_in_ms", cJSON_CreateNumber((double)r->lease_expires_in_ms));
		dbinfo_jadd(o, "lease", l);
	} else {
		dbinfo_jadd(o, "lease", cJSON_CreateNull());
	}
	dbinfo_jadd(o, "lease_readable", r->up ? cJSON_CreateBool(r->lease != DB_LEASE_NOT_READABLE)
	                                       : cJSON_CreateNull());
	if (r->up) {
		dbinfo_jadd(o, "error", cJSON_CreateNull());
	} else {
		cJSON *e = cJSON_CreateObject();
		if (!e)
			abort();
		dbinfo_jadd(e, "class", cJSON_CreateString(dbinfo_error_name(r->error)));
		dbinfo_jadd(e, "text", cJSON_CreateString(r->error_text));
		dbinfo_jadd(o, "error", e);
	}
	return o;
}
