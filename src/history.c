/* history.c - the SQLite glue of the history store: the file (0600, WAL,
 * schema migrations, corrupt files moved aside), batched writes, roll-up, loads. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "history.h"
#include "xalloc.h"

/* "NDTP": PRAGMA application_id of a nodetop history file. */
#define HISTORY_APP_ID 0x4E445450
#define SERIES_STATE 0
#define SERIES_CHART 1
#define MAX_PENDING_CHUNKS 6           /* hours of minutes kept while the file cannot be written
                                          (1.9 kB an hour a series: 35 MB for 1000 nodes x 3) */
#define POINTS_PER_BLOCK 60            /* charted points are stored 60 to a row */
#define MAX_PENDING_BLOCKS 20000         /* full blocks kept while the file cannot be written */
#define MAX_PENDING_EVENTS 10000         /* events kept while the file cannot be written */
#define MINUTES_PER_CHUNK 60

/* Schema migrations: migrations[i] brings version i to version i + 1 (version 0:
 * only the table schema_version, which store_migrate creates). */
static const char *const migrations[] = {
	"CREATE TABLE series(id INTEGER PRIMARY KEY, kind INTEGER NOT NULL, name TEXT NOT NULL,"
	" indicator TEXT NOT NULL, UNIQUE(kind, name, indicator));"
	/* one row per chunk of buckets (buckets.h) and writer: minute rows per writer
	 * process, hour and day rows merged (writer 0) */
	"CREATE TABLE buckets(series INTEGER NOT NULL, res INTEGER NOT NULL, chunk INTEGER NOT NULL,"
	" writer INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY(series, res, chunk, writer)) WITHOUT ROWID;"
	"CREATE INDEX buckets_res ON buckets(res, chunk);"
	"CREATE TABLE events(id INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, kind TEXT NOT NULL,"
	" node TEXT NOT NULL, subject TEXT NOT NULL, from_state TEXT NOT NULL, to_state TEXT NOT NULL,"
	" detail TEXT NOT NULL);"
	"CREATE INDEX events_ts ON events(ts_ms);"
	/* charted points, POINTS_PER_BLOCK to a row (point_block_encode) */
	"CREATE TABLE points(series INTEGER NOT NULL, first_ts INTEGER NOT NULL, data BLOB NOT NULL,"
	" PRIMARY KEY(series, first_ts)) WITHOUT ROWID;",
	/* 2: bucket rows are written in format 2 (buckets.c), which keeps the span
	 * each writer observed in a bucket so that two writers' time is merged as
	 * a union, not a sum. Rows of format 1 stay as they are and read as
	 * spanning their own seen time from the bucket's start; the version bump
	 * keeps older nodetops (which would take format 2 for damage) away. */
	"SELECT 1",
};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

enum {
	ST_BEGIN, ST_COMMIT, ST_ROLLBACK, ST_SERIES_ADD, ST_SERIES_ID, ST_CHUNK_PUT, ST_CHUNK_GET,
	ST_CHUNK_RANGE, ST_EVENT_PUT, ST_EVENT_TRIM, ST_POINT_PUT, ST__COUNT
};
static const char *const statements[ST__COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_SERIES_ADD] = "INSERT INTO series(kind, name, indicator) VALUES(?1, ?2, ?3)"
	                  " ON CONFLICT(kind, name, indicator) DO NOTHING",
	[ST_SERIES_ID] = "SELECT id FROM series WHERE kind = ?1 AND name = ?2 AND indicator = ?3",
	[ST_CHUNK_PUT] = "INSERT INTO buckets(series, res, chunk, writer, data) VALUES(?1, ?2, ?3, ?4, ?5)"
	                 " ON CONFLICT(series, res, chunk, writer) DO UPDATE SET data = excluded.data",
	[ST_CHUNK_GET] = "SELECT data FROM buckets WHERE series = ?1 AND res = ?2 AND chunk = ?3 AND writer = ?4",
	[ST_CHUNK_RANGE] = "SELECT chunk, data FROM buckets WHERE series = ?1 AND res = ?2"
	                   " AND chunk BETWEEN ?3 AND ?4 ORDER BY chunk, writer",
	[ST_EVENT_PUT] = "INSERT INTO events(ts_ms, kind, node, subject, from_state, to_state, detail)"
	                 " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[ST_EVENT_TRIM] = "DELETE FROM events WHERE id <= (SELECT max(id) FROM events) - ?1",
	[ST_POINT_PUT] = "INSERT OR REPLACE INTO points(series, first_ts, data) VALUES(?1, ?2, ?3)",
};

typedef struct ppoint {
	int64_t ts_ms;
	double v;
} ppoint_t;

/* This process's minutes of one hour, as it will write them. Nearly every minute is
 * either empty or wholly in one state: a byte says so; the others (the current minute,
 * one with a change) are kept whole beside it. 80 bytes and a minute or two, not the
 * 1.9 kB of sixty buckets: a fleet of 10 000 nodes has 30 000 series, and at the turn
 * of an hour two hours each. */
#define PCHUNK_DETAILED 0xFF
typedef struct pminute {
	uint8_t minute;                  /* 0..59 in the hour */
	bucket_t b;
} pminute_t;

typedef struct pchunk {
	int64_t chunk;
	bool dirty;
	uint8_t ndet, capdet;
	uint8_t code[MINUTES_PER_CHUNK]; /* 0: empty, 1 + s: the whole minute in state s,
	                                    PCHUNK_DETAILED: in det */
	pminute_t *det;                  /* the detailed minutes, ascending (owned: a chunk is moved,
	                                    never copied) */
} pchunk_t;

typedef struct hseries {
	char *name, *indicator;
	int kind;
	int64_t id;                      /* row in the file; 0 until resolved */
	hstate_t cur;
	int64_t last_ms;
	bool running;
	int64_t floor_chunk;             /* chunks below were written and let go */
	pchunk_t *chunks;                /* oldest first */
	size_t nchunks, cap;
	ppoint_t *open;                  /* charts: the block being filled */
	size_t nopen;
} hseries_t;

typedef struct pblock {              /* a block of points waiting to be written */
	int series;
	int64_t first_ts;
	uint8_t *data;
	size_t len;
} pblock_t;

struct history {
	history_opts_t o;
	char *path;
	sqlite3 *db;
	sqlite3_stmt *st[ST__COUNT];
	int64_t writer;
	hseries_t *ser;
	size_t nser, cap_ser;
	int *hash;                       /* open addressing into ser, -1 = empty */
	size_t hcap;
	sla_event_t *ev;
	size_t nev, cap_ev;
	pblock_t *blocks;
	size_t nblocks, cap_blocks;
	int64_t last_flush, next_try, last_compact;
	bool gave_up;                    /* a newer schema: never written */
	dev_t dev;                       /* the file opened, so that a damaged file is only moved */
	ino_t ino;                       /* aside if no other process has replaced it already */
	bucket_t *rows;                  /* the writers' rows of one chunk, being read */
	size_t cap_rows;
	bucket_t *ubuf;                  /* history_uptime's hours */
	size_t cap_ubuf;
	int64_t last_id, last_kind;      /* the last series looked up (a restore asks twice) */
	char *last_name, *last_ind;
	char err[512];
	char notice[2 * PATH_MAX + 512];
};

/* Room for row number nrow (of per buckets) of the chunk being read. */
static bucket_t *chunk_row(history_t *h, int nrow, int per)
{
	h->rows = xgrow(h->rows, &h->cap_rows, (size_t)(nrow + 1) * (size_t)per, sizeof *h->rows);
	return h->rows + (size_t)nrow * (size_t)per;
}

/* The rows read of one chunk merged (buckets_merge_writers) into merged[per]. */
static void chunk_merge(history_t *h, int nrows, int per, int64_t len, bucket_t *merged)
{
	if (nrows == 1)
		memcpy(merged, h->rows, (size_t)per * sizeof *merged);
	else
		buckets_merge_writers(merged, h->rows, nrows, per, len);
}

/* ---------------------------------------------------------------- messages */

static void set_error(history_t *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(history_t *h, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(h->err, sizeof h->err, fmt, ap);
	va_end(ap);
}

const char *history_error(const history_t *h) { return h->err[0] ? h->err : NULL; }
const char *history_notice(const history_t *h) { return h->notice[0] ? h->notice : NULL; }

static bool rc_corrupt(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB;
}

static void sql_error(history_t *h, int rc)
{
	const char *what = sqlite3_errstr(rc);
	if ((rc & 0xff) == SQLITE_FULL)
		what = "disk full";
	else if ((rc & 0xff) == SQLITE_READONLY || (rc & 0xff) == SQLITE_CANTOPEN || (rc & 0xff) == SQLITE_PERM)
		what = "read-only or not allowed";
	set_error(h, "history: cannot write %s (%s: %s); polling goes on, writing resumes when it can",
	          h->path, what, h->db ? sqlite3_errmsg(h->db) : sqlite3_errstr(rc));
}

/* ---------------------------------------------------------------- series in memory */

static uint64_t key_hash(int kind, const char *name, const char *ind)
{
	uint64_t x = 1469598103934665603ULL ^ (uint64_t)kind;
	for (const char *p = name; *p; p++)
		x = (x ^ (uint8_t)*p) * 1099511628211ULL;
	x = (x ^ 0xff) * 1099511628211ULL;
	for (const char *p = ind; *p; p++)
		x = (x ^ (uint8_t)*p) * 1099511628211ULL;
	return x;
}

static void hash_insert(history_t *h, int idx)
{
	const hseries_t *s = &h->ser[idx];
	size_t i = key_hash(s->kind, s->name, s->indicator) & (h->hcap - 1);
	while (h->hash[i] >= 0)
		i = (i + 1) & (h->hcap - 1);
	h->hash[i] = idx;
}

static int series_find(history_t *h, int kind, const char *name, const char *ind)
{
	if (!h->hcap) {
		h->hcap = 64;
		h->hash = xmalloc(h->hcap * sizeof *h->hash);
		memset(h->hash, 0xff, h->hcap * sizeof *h->hash);
	}
	size_t i = key_hash(kind, name, ind) & (h->hcap - 1);
	for (; h->hash[i] >= 0; i = (i + 1) & (h->hcap - 1)) {
		const hseries_t *s = &h->ser[h->hash[i]];
		if (s->kind == kind && strcmp(s->name, name) == 0 && strcmp(s->indicator, ind) == 0)
			return h->hash[i];
	}
	if (h->nser * 2 + 2 > h->hcap) {
		free(h->hash);
		h->hcap *= 2;
		h->hash = xmalloc(h->hcap * sizeof *h->hash);
		memset(h->hash, 0xff, h->hcap * sizeof *h->hash);
		for (size_t k = 0; k < h->nser; k++)
			hash_insert(h, (int)k);
	}
	h->ser = xgrow(h->ser, &h->cap_ser, h->nser + 1, sizeof *h->ser);
	hseries_t *s = &h->ser[h->nser];
	memset(s, 0, sizeof *s);
	s->name = xstrdup(name);
	s->indicator = xstrdup(ind);
	s->kind = kind;
	s->floor_chunk = INT64_MIN;
	hash_insert(h, (int)h->nser);
	return (int)h->nser++;
}

int history_series(history_t *h, const char *name, const char *indicator)
{
	return series_find(h, SERIES_STATE, name, indicator);
}

static void pchunk_free(pchunk_t *c)
{
	free(c->det);
	c->det = NULL;
	c->ndet = c->capdet = 0;
}

/* Minute k of chunk c as a bucket. */
static void pchunk_get(const pchunk_t *c, int k, bucket_t *b)
{
	memset(b, 0, sizeof *b);
	uint8_t code = c->code[k];
	if (code == PCHUNK_DETAILED) {
		for (int i = 0; i < c->ndet; i++)
			if (c->det[i].minute == k)
				*b = c->det[i].b;
	} else if (code) {
		b->ms[code - 1] = (uint32_t)BUCKETS_MINUTE_MS;
		b->last = (uint32_t)BUCKETS_MINUTE_MS;
	}
}

/* The state s when bucket b is the whole minute in it, else -1. */
static int pchunk_whole(const bucket_t *b)
{
	if (b->first != 0 || b->last != (uint32_t)BUCKETS_MINUTE_MS)
		return -1;
	int s = -1;
	for (int i = 0; i < HS__COUNT; i++) {
		if (b->ms[i] == 0)
			continue;
		if (s >= 0 || b->ms[i] != (uint32_t)BUCKETS_MINUTE_MS)
			return -1;
		s = i;
	}
	return s;
}

static void pchunk_set(pchunk_t *c, int k, const bucket_t *b)
{
	static const bucket_t zero;
	int whole = pchunk_whole(b);
	bool empty = memcmp(b, &zero, sizeof zero) == 0;
	int at = -1;
	if (c->code[k] == PCHUNK_DETAILED)
		for (int i = 0; i < c->ndet; i++)
			if (c->det[i].minute == k)
				at = i;
	if (whole >= 0 || empty) {
		c->code[k] = empty ? 0 : (uint8_t)(1 + whole);
		if (at >= 0) {
			memmove(&c->det[at], &c->det[at + 1], (size_t)(c->ndet - at - 1) * sizeof *c->det);
			c->ndet--;
		}
		return;
	}
	c->code[k] = PCHUNK_DETAILED;
	if (at >= 0) {
		c->det[at].b = *b;
		return;
	}
	if (c->ndet == c->capdet) {
		c->capdet = (uint8_t)(c->capdet ? (c->capdet * 2 > MINUTES_PER_CHUNK ? MINUTES_PER_CHUNK
		                                                                      : c->capdet * 2) : 2);
		c->det = xrealloc(c->det, c->capdet * sizeof *c->det);
	}
	int pos = c->ndet;
	while (pos > 0 && c->det[pos - 1].minute > k)
		pos--;
	memmove(&c->det[pos + 1], &c->det[pos], (size_t)(c->ndet - pos) * sizeof *c->det);
	c->det[pos].minute = (uint8_t)k;
	c->det[pos].b = *b;
	c->ndet++;
}

static pchunk_t *chunk_for(hseries_t *s, int64_t chunk)
{
	if (chunk < s->floor_chunk)
		return NULL;
	for (size_t i = s->nchunks; i-- > 0;)
		if (s->chunks[i].chunk == chunk)
			return &s->chunks[i];
	if (s->nchunks && chunk < s->chunks[s->nchunks - 1].chunk)
		return NULL;                   /* older than what is kept: time went backwards */
	if (s->nchunks == MAX_PENDING_CHUNKS) {   /* unwritable for two days: the oldest hour is lost */
		s->floor_chunk = s->chunks[0].chunk + 1;
		pchunk_free(&s->chunks[0]);
		memmove(s->chunks, s->chunks + 1, (s->nchunks - 1) * sizeof *s->chunks);
		s->nchunks--;
	}
	if (s->nchunks + 1 > s->cap) {   /* one hour more at a time: a series holds one or two (xgrow's 8 of
		                                    1.9 KB each were 15.5 KB a series, most of a fleet's memory) */
		s->chunks = xrealloc(s->chunks, (s->nchunks + 1) * sizeof *s->chunks);
		s->cap = s->nchunks + 1;
	}
	pchunk_t *c = &s->chunks[s->nchunks++];
	memset(c, 0, sizeof *c);
	c->chunk = chunk;
	return c;
}

static void series_accrue(hseries_t *s, int64_t t0, int64_t t1, hstate_t st)
{
	for (int64_t m = buckets_index(BUCKET_MINUTE, t0); m <= buckets_index(BUCKET_MINUTE, t1 - 1); m++) {
		int64_t chunk = buckets_chunk_of(BUCKET_MINUTE, m);
		pchunk_t *c = chunk_for(s, chunk);
		if (!c)
			continue;
		int k = (int)(m - chunk * MINUTES_PER_CHUNK);
		bucket_t b;
		pchunk_get(c, k, &b);
		buckets_accrue(&b, buckets_start_ms(BUCKET_MINUTE, m), BUCKETS_MINUTE_MS, t0, t1, st);
		pchunk_set(c, k, &b);
		c->dirty = true;
	}
}

/* Accrues the state in force up to now (it is still in force). */
static void series_catch_up(const history_t *h, hseries_t *s, int64_t now_ms)
{
	if (!s->running)
		return;
	if (now_ms > s->last_ms && now_ms - s->last_ms <= h->o.max_gap_ms)
		series_accrue(s, s->last_ms, now_ms, s->cur);
	if (now_ms > s->last_ms || now_ms < s->last_ms - h->o.max_gap_ms)
		s->last_ms = now_ms;
}

void history_observe(history_t *h, int series, int64_t now_ms, hstate_t st)
{
	if (series < 0 || (size_t)series >= h->nser || h->gave_up)
		return;
	hseries_t *s = &h->ser[series];
	series_catch_up(h, s, now_ms);
	if (!s->running)
		s->last_ms = now_ms;
	s->cur = st;
	s->running = true;
}

void history_unwatch(history_t *h, int series, int64_t now_ms)
{
	if (series < 0 || (size_t)series >= h->nser)
		return;
	series_catch_up(h, &h->ser[series], now_ms);
	h->ser[series].running = false;
}

static void copy_text(char *dst, size_t sz, const char *src)
{
	snprintf(dst, sz, "%s", src ? src : "");
}

void history_add_sla_event(history_t *h, const sla_event_t *e)
{
	if (h->gave_up)
		return;
	if (h->nev >= MAX_PENDING_EVENTS || h->nev >= h->o.max_events) {   /* unwritten for long: the oldest go */
		size_t drop = h->nev / 10 + 1;
		memmove(h->ev, h->ev + drop, (h->nev - drop) * sizeof *h->ev);
		h->nev -= drop;
	}
	h->ev = xgrow(h->ev, &h->cap_ev, h->nev + 1, sizeof *h->ev);
	h->ev[h->nev++] = *e;
}

void history_add_event(history_t *h, const event_t *e)
{
	sla_event_t se;
	memset(&se, 0, sizeof se);
	se.ts_ms = e->ts_ms;
	copy_text(se.kind, sizeof se.kind, event_kind_name(e->kind));
	copy_text(se.node, sizeof se.node, e->node);
	copy_text(se.subject, sizeof se.subject, e->subject);
	copy_text(se.from, sizeof se.from, state_name(e->from));
	copy_text(se.to, sizeof se.to, state_name(e->to));
	copy_text(se.detail, sizeof se.detail, e->detail);
	history_add_sla_event(h, &se);
}

/* ---- a block of points: byte 1 (format), then per point a zigzag varint of
 * the time since the previous point (the first: since 0), and either byte 0
 * and a zigzag varint of the change of a whole value, or byte 1 and the 8
 * bytes of a double. Head heights and counters take 3-5 bytes a point. */

static size_t put_uvarint(uint8_t *out, size_t pos, uint64_t v)
{
	do {
		uint8_t b = v & 0x7f;
		v >>= 7;
		out[pos++] = b | (v ? 0x80 : 0);
	} while (v);
	return pos;
}

static bool get_uvarint(const uint8_t *in, size_t len, size_t *pos, uint64_t *v)
{
	uint64_t r = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (*pos >= len)
			return false;
		uint8_t b = in[(*pos)++];
		r |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = r;
			return true;
		}
	}
	return false;
}

static uint64_t zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static int64_t unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

static bool is_whole(double v) { return v == v && v > -9e15 && v < 9e15 && (double)(int64_t)v == v; }

static uint8_t *point_block_encode(const ppoint_t *p, size_t n, size_t *len)
{
	uint8_t *out = xmalloc(1 + n * 20);
	size_t pos = 0;
	out[pos++] = 1;
	int64_t prev_t = 0, prev_v = 0;
	for (size_t i = 0; i < n; i++) {
		pos = put_uvarint(out, pos, zigzag(p[i].ts_ms - prev_t));
		prev_t = p[i].ts_ms;
		if (is_whole(p[i].v)) {
			out[pos++] = 0;
			pos = put_uvarint(out, pos, zigzag((int64_t)p[i].v - prev_v));
			prev_v = (int64_t)p[i].v;
		} else {
			out[pos++] = 1;
			memcpy(out + pos, &p[i].v, 8);
			pos += 8;
		}
	}
	*len = pos;
	return out;
}

/* Decodes up to cap points into out (*n of them); false when the block is malformed
 * (the points before the damage are kept). */
static bool point_block_decode(const uint8_t *in, size_t len, ppoint_t *out, size_t cap, size_t *n)
{
	size_t pos = 0;
	*n = 0;
	if (len < 1 || in[pos++] != 1)
		return false;
	int64_t t = 0, v = 0;
	while (pos < len && *n < cap) {
		uint64_t dt, dv;
		if (!get_uvarint(in, len, &pos, &dt) || pos >= len)
			return false;
		t += unzigzag(dt);
		uint8_t kind = in[pos++];
		double val;
		if (kind == 0) {
			if (!get_uvarint(in, len, &pos, &dv))
				return false;
			v += unzigzag(dv);
			val = (double)v;
		} else if (kind == 1 && len - pos >= 8) {
			memcpy(&val, in + pos, 8);
			pos += 8;
		} else {
			return false;
		}
		out[(*n)++] = (ppoint_t){ t, val };
	}
	return pos == len;
}

/* The open block of a chart becomes a block to write (a full one, or a partial one at close). */
static void point_block_close(history_t *h, int series)
{
	hseries_t *s = &h->ser[series];
	if (!s->nopen)
		return;
	if (h->nblocks == MAX_PENDING_BLOCKS) {      /* unwritable for long: the oldest go */
		size_t drop = h->nblocks / 10 + 1;
		for (size_t i = 0; i < drop; i++)
			free(h->blocks[i].data);
		memmove(h->blocks, h->blocks + drop, (h->nblocks - drop) * sizeof *h->blocks);
		h->nblocks -= drop;
	}
	h->blocks = xgrow(h->blocks, &h->cap_blocks, h->nblocks + 1, sizeof *h->blocks);
	pblock_t *b = &h->blocks[h->nblocks++];
	b->series = series;
	b->first_ts = s->open[0].ts_ms;
	b->data = point_block_encode(s->open, s->nopen, &b->len);
	if (s->nopen == POINTS_PER_BLOCK)
		s->nopen = 0;                        /* a partial block goes on filling (and is rewritten) */
}

void history_add_point(history_t *h, const char *name, const char *chart, int64_t ts_ms, double v)
{
	if (h->gave_up)
		return;
	int id = series_find(h, SERIES_CHART, name, chart);
	hseries_t *s = &h->ser[id];
	if (s->nopen && ts_ms <= s->open[s->nopen - 1].ts_ms)
		return;                                  /* one point per time, in order */
	if (!s->open)
		s->open = xmalloc(POINTS_PER_BLOCK * sizeof *s->open);
	s->open[s->nopen++] = (ppoint_t){ ts_ms, v };
	if (s->nopen == POINTS_PER_BLOCK)
		point_block_close(h, id);
}

/* ---------------------------------------------------------------- the file */

static void store_close(history_t *h)
{
	for (int i = 0; i < ST__COUNT; i++) {
		sqlite3_finalize(h->st[i]);
		h->st[i] = NULL;
	}
	if (h->db)
		sqlite3_close(h->db);
	h->db = NULL;
	h->last_id = 0;
	for (size_t i = 0; i < h->nser; i++)
		h->ser[i].id = 0;
}

/* mkdir -p of the file's directory; directories it creates are 0700. */
static int make_parent_dirs(const char *path)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	int rc = 0;
	if (slash && slash != dir) {
		*slash = '\0';
		for (char *p = dir + 1; ; p++) {
			if (*p == '/' || *p == '\0') {
				char c = *p;
				*p = '\0';
				if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
					rc = -1;
					break;
				}
				*p = c;
				if (!c)
					break;
			}
		}
	}
	free(dir);
	return rc;
}

static int exec_sql(history_t *h, const char *sql)
{
	return sqlite3_exec(h->db, sql, NULL, NULL, NULL);
}

/* One integer from a query; rc of the query. */
static int query_int(history_t *h, const char *sql, int64_t *out)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(h->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		*out = 0;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

enum { CHECK_OK, CHECK_BAD, CHECK_NEWER, CHECK_ERROR };

/* Is this a sound history file of ours (or an empty one)? */
static int store_check(history_t *h, char *why, size_t whysz, int *rc_out)
{
	int64_t app = 0, tables = 0, has_version = 0, version = 0;
	int rc = query_int(h, "PRAGMA application_id", &app);
	if (rc == SQLITE_OK)
		rc = query_int(h, "SELECT count(*) FROM sqlite_master", &tables);
	if (rc == SQLITE_OK)
		rc = query_int(h, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'",
		               &has_version);
	if (rc != SQLITE_OK) {
		*rc_out = rc;
		snprintf(why, whysz, "%s", sqlite3_errstr(rc));
		return rc_corrupt(rc) ? CHECK_BAD : CHECK_ERROR;
	}
	if (tables == 0 && app == 0)
		return CHECK_OK;                /* new */
	if ((app != 0 && app != HISTORY_APP_ID) || !has_version) {
		snprintf(why, whysz, "not a nodetop history file");
		return CHECK_BAD;
	}
	sqlite3_stmt *st;
	rc = sqlite3_prepare_v2(h->db, "PRAGMA quick_check", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			const char *res = (const char *)sqlite3_column_text(st, 0);
			bool ok = res && strcmp(res, "ok") == 0;
			if (!ok)
				snprintf(why, whysz, "damaged: %.200s", res ? res : "?");
			sqlite3_finalize(st);
			if (!ok)
				return CHECK_BAD;
			rc = SQLITE_OK;
		} else {
			sqlite3_finalize(st);
		}
	}
	if (rc == SQLITE_OK)
		rc = query_int(h, "SELECT max(version) FROM schema_version", &version);
	if (rc != SQLITE_OK) {
		*rc_out = rc;
		snprintf(why, whysz, "%s", sqlite3_errstr(rc));
		return rc_corrupt(rc) ? CHECK_BAD : CHECK_ERROR;
	}
	if (version > SCHEMA_VERSION) {
		snprintf(why, whysz, "schema version %lld is newer than this nodetop's (%d)", (long long)version,
		         SCHEMA_VERSION);
		return CHECK_NEWER;
	}
	return CHECK_OK;
}

/* Renames the file (and its -wal and -shm) to PATH.corrupt-YYYYMMDDTHHMMSSZ. */
static void store_move_aside(history_t *h, int64_t now_ms, const char *why)
{
	time_t secs = (time_t)(now_ms / 1000);
	struct tm tm;
	char stamp[32], dst[PATH_MAX + 64];
	gmtime_r(&secs, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	snprintf(dst, sizeof dst, "%s.corrupt-%s", h->path, stamp);
	for (int n = 2; access(dst, F_OK) == 0 && n < 100; n++)
		snprintf(dst, sizeof dst, "%s.corrupt-%s-%d", h->path, stamp, n);
	if (rename(h->path, dst) != 0) {
		snprintf(h->notice, sizeof h->notice, "history: %s is unusable (%s) and could not be moved aside: %s",
		         h->path, why, strerror(errno));
		unlink(h->path);
	} else {
		snprintf(h->notice, sizeof h->notice,
		         "history: %s was unusable (%s); moved aside to %s, a new one was started", h->path, why, dst);
	}
	const char *side[] = { "-wal", "-shm" };
	for (int i = 0; i < 2; i++) {
		char a[PATH_MAX + 8], b[PATH_MAX + 72];
		snprintf(a, sizeof a, "%s%s", h->path, side[i]);
		snprintf(b, sizeof b, "%s%s", dst, side[i]);
		if (rename(a, b) != 0)
			unlink(a);
	}
}

static int store_migrate(history_t *h)
{
	int rc = exec_sql(h, "BEGIN IMMEDIATE");
	if (rc != SQLITE_OK)
		return rc;
	int64_t has_version = 0, version = 0;
	rc = query_int(h, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'",
	               &has_version);
	if (rc == SQLITE_OK && !has_version)
		rc = exec_sql(h, "CREATE TABLE schema_version(version INTEGER NOT NULL);"
		                 "INSERT INTO schema_version(version) VALUES(0)");
	if (rc == SQLITE_OK)
		rc = query_int(h, "SELECT max(version) FROM schema_version", &version);
	for (int v = (int)version; rc == SQLITE_OK && v < SCHEMA_VERSION; v++) {
		char bump[96];
		rc = exec_sql(h, migrations[v]);
		snprintf(bump, sizeof bump, "UPDATE schema_version SET version = %d", v + 1);
		if (rc == SQLITE_OK)
			rc = exec_sql(h, bump);
	}
	if (rc == SQLITE_OK && version < SCHEMA_VERSION) {
		char app[64];
		snprintf(app, sizeof app, "PRAGMA application_id = %d", HISTORY_APP_ID);
		rc = exec_sql(h, app);
	}
	if (rc == SQLITE_OK)
		rc = exec_sql(h, "COMMIT");
	if (rc != SQLITE_OK)
		exec_sql(h, "ROLLBACK");
	return rc;
}

/* Every chunk in memory is written again (to a new file) and every series resolved again. */
static void mark_all_dirty(history_t *h)
{
	for (size_t i = 0; i < h->nser; i++) {
		h->ser[i].id = 0;
		for (size_t k = 0; k < h->ser[i].nchunks; k++)
			h->ser[i].chunks[k].dirty = true;
	}
}

static int store_open(history_t *h, int64_t now_ms)
{
	if (!h->path[0]) {
		set_error(h, "history: no file to keep it in (history = PATH, or XDG_STATE_HOME or HOME)");
		h->gave_up = true;
		return -1;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		if (make_parent_dirs(h->path) != 0) {
			set_error(h, "history: cannot create the directory of %s (%s); writing resumes when it can",
			          h->path, strerror(errno));
			return -1;
		}
		int fd = open(h->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0) {
			set_error(h, "history: cannot open %s (%s); polling goes on, writing resumes when it can",
			          h->path, strerror(errno));
			return -1;
		}
		struct stat sb;
		bool regular = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode);
		close(fd);
		h->dev = sb.st_dev;
		h->ino = sb.st_ino;
		if (!regular) {
			set_error(h, "history: %s is not a regular file; not used", h->path);
			return -1;
		}
		int rc = sqlite3_open_v2(h->path, &h->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
		if (rc != SQLITE_OK) {
			sql_error(h, rc);
			store_close(h);
			return -1;
		}
		sqlite3_busy_timeout(h->db, h->o.busy_ms);
		exec_sql(h, "PRAGMA cache_size = -16000");      /* 16 MB: a month of 1000 nodes */
		sqlite3_extended_result_codes(h->db, 1);
		char why[256] = "";
		int check = store_check(h, why, sizeof why, &rc);
		if (check == CHECK_BAD) {
			store_close(h);
			store_move_aside(h, now_ms, why);
			mark_all_dirty(h);
			continue;
		}
		if (check == CHECK_NEWER) {
			set_error(h, "history: %s has %s: left alone, nothing is written", h->path, why);
			h->gave_up = true;
			store_close(h);
			return -1;
		}
		if (check == CHECK_ERROR) {
			sql_error(h, rc);
			store_close(h);
			return -1;
		}
		rc = exec_sql(h, "PRAGMA journal_mode = WAL");
		if (rc == SQLITE_OK)
			rc = exec_sql(h, "PRAGMA synchronous = NORMAL");
		if (rc == SQLITE_OK)
			rc = store_migrate(h);
		for (int i = 0; rc == SQLITE_OK && i < ST__COUNT; i++)
			rc = sqlite3_prepare_v3(h->db, statements[i], -1, SQLITE_PREPARE_PERSISTENT, &h->st[i], NULL);
		if (rc != SQLITE_OK) {
			if (rc_corrupt(rc)) {
				store_close(h);
				store_move_aside(h, now_ms, sqlite3_errstr(rc));
				mark_all_dirty(h);
				continue;
			}
			sql_error(h, rc);
			store_close(h);
			return -1;
		}
		h->err[0] = '\0';
		return 0;
	}
	set_error(h, "history: %s cannot be used even after starting a new file", h->path);
	return -1;
}

static int64_t writer_id(void)
{
	uint64_t x = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, &x, sizeof x) != (ssize_t)sizeof x)
			x = 0;
		close(fd);
	}
	if (!x) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		x = ((uint64_t)getpid() << 32) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20);
	}
	x &= INT64_MAX;
	return x ? (int64_t)x : 1;          /* 0 is the merged rows' writer */
}

bool history_default_path(char *buf, size_t n)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	int len = -1;
	if (state && state[0] == '/')              /* the XDG spec: a relative value is ignored */
		len = snprintf(buf, n, "%s/nodetop/history.db", state);
	else if (home && home[0])
		len = snprintf(buf, n, "%s/.local/state/nodetop/history.db", home);
	if (len < 0 || (size_t)len >= n) {
		if (n)
			buf[0] = '\0';
		return false;
	}
	return true;
}

history_t *history_open(const history_opts_t *o, int64_t now_ms)
{
	history_t *h = xcalloc(1, sizeof *h);
	h->o = *o;
	h->path = xstrdup(o->path ? o->path : "");
	h->o.path = h->path;
	if (h->o.flush_ms <= 0)
		h->o.flush_ms = 5000;
	if (h->o.max_gap_ms <= 0)
		h->o.max_gap_ms = 300000;
	if (h->o.max_events == 0)
		h->o.max_events = 100000;
	if (h->o.max_points == 0)
		h->o.max_points = 240;
	if (h->o.compact_ms <= 0)
		h->o.compact_ms = 600000;
	if (h->o.retry_ms <= 0)
		h->o.retry_ms = 30000;
	if (h->o.busy_ms <= 0)
		h->o.busy_ms = 5000;
	h->writer = writer_id();
	h->last_flush = now_ms;
	h->last_compact = INT64_MIN / 2;
	if (store_open(h, now_ms) != 0)
		h->next_try = now_ms + h->o.retry_ms;
	return h;
}

/* ---------------------------------------------------------------- writing */

static int step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static int series_resolve(history_t *h, hseries_t *s)
{
	if (s->id)
		return SQLITE_OK;
	sqlite3_stmt *add = h->st[ST_SERIES_ADD], *get = h->st[ST_SERIES_ID];
	sqlite3_bind_int(add, 1, s->kind);
	sqlite3_bind_text(add, 2, s->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(add, 3, s->indicator, -1, SQLITE_STATIC);
	int rc = step_done(add);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int(get, 1, s->kind);
	sqlite3_bind_text(get, 2, s->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(get, 3, s->indicator, -1, SQLITE_STATIC);
	rc = sqlite3_step(get);
	if (rc == SQLITE_ROW) {
		s->id = sqlite3_column_int64(get, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_INTERNAL;
	}
	sqlite3_reset(get);
	return rc;
}

static int chunk_put(history_t *h, int64_t series, bucket_res_t res, int64_t chunk, int64_t writer,
                     const bucket_t *b, int n)
{
	uint8_t buf[BUCKETS_ENCODE_MAX(60)];
	size_t len = buckets_encode(b, n, buf, sizeof buf);
	sqlite3_stmt *st = h->st[ST_CHUNK_PUT];
	sqlite3_bind_int64(st, 1, series);
	sqlite3_bind_int(st, 2, (int)res);
	sqlite3_bind_int64(st, 3, chunk);
	sqlite3_bind_int64(st, 4, writer);
	sqlite3_bind_blob(st, 5, buf, (int)len, SQLITE_STATIC);
	return step_done(st);
}

static int write_pending(history_t *h)
{
	int rc = SQLITE_OK;
	for (size_t i = 0; rc == SQLITE_OK && i < h->nser; i++) {
		hseries_t *s = &h->ser[i];
		bool need = false;
		for (size_t k = 0; k < s->nchunks; k++)
			need |= s->chunks[k].dirty;
		if (!need)
			continue;
		rc = series_resolve(h, s);
		for (size_t k = 0; rc == SQLITE_OK && k < s->nchunks; k++)
			if (s->chunks[k].dirty) {
				bucket_t b[MINUTES_PER_CHUNK];
				for (int j = 0; j < MINUTES_PER_CHUNK; j++)
					pchunk_get(&s->chunks[k], j, &b[j]);
				rc = chunk_put(h, s->id, BUCKET_MINUTE, s->chunks[k].chunk, h->writer, b, MINUTES_PER_CHUNK);
			}
	}
	sqlite3_stmt *st = h->st[ST_EVENT_PUT];
	for (size_t i = 0; rc == SQLITE_OK && i < h->nev; i++) {
		const sla_event_t *e = &h->ev[i];
		sqlite3_bind_int64(st, 1, e->ts_ms);
		sqlite3_bind_text(st, 2, e->kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, e->node, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, e->subject, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, e->from, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, e->to, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, e->detail, -1, SQLITE_STATIC);
		rc = step_done(st);
	}
	if (rc == SQLITE_OK && h->nev) {
		sqlite3_bind_int64(h->st[ST_EVENT_TRIM], 1, (int64_t)h->o.max_events);
		rc = step_done(h->st[ST_EVENT_TRIM]);
	}
	st = h->st[ST_POINT_PUT];
	for (size_t i = 0; rc == SQLITE_OK && i < h->nblocks; i++) {
		hseries_t *s = &h->ser[h->blocks[i].series];
		rc = series_resolve(h, s);
		if (rc != SQLITE_OK)
			break;
		sqlite3_bind_int64(st, 1, s->id);
		sqlite3_bind_int64(st, 2, h->blocks[i].first_ts);
		sqlite3_bind_blob(st, 3, h->blocks[i].data, (int)h->blocks[i].len, SQLITE_STATIC);
		rc = step_done(st);
	}
	return rc;
}

/* After a write: what was written is clean; hours that are over are let go (the
 * current hour stays, also for a series not watched right now: watched again
 * within the hour, its row is rewritten with both parts). */
static void pending_written(history_t *h, int64_t now_ms)
{
	int64_t cur = buckets_chunk_of(BUCKET_MINUTE, buckets_index(BUCKET_MINUTE, now_ms));
	for (size_t i = 0; i < h->nser; i++) {
		hseries_t *s = &h->ser[i];
		size_t keep = 0;
		for (size_t k = 0; k < s->nchunks; k++) {
			s->chunks[k].dirty = false;
			if (s->chunks[k].chunk >= cur) {
				s->chunks[keep++] = s->chunks[k];
				continue;
			}
			if (s->chunks[k].chunk + 1 > s->floor_chunk)
				s->floor_chunk = s->chunks[k].chunk + 1;
			pchunk_free(&s->chunks[k]);
		}
		s->nchunks = keep;
	}
	h->nev = 0;
	if (h->cap_ev > 256) {   /* a fleet's first states (30 000 of 536 bytes): not kept for the next */
		free(h->ev);
		h->ev = NULL;
		h->cap_ev = 0;
	}
	for (size_t i = 0; i < h->nblocks; i++)
		free(h->blocks[i].data);
	h->nblocks = 0;
}

static int compact_in_tx(history_t *h, int64_t now_ms);

/* A failed write: back out, say why; a damaged file is moved aside and a new one started. */
static void write_failed(history_t *h, int rc, int64_t now_ms)
{
	if (h->db && !sqlite3_get_autocommit(h->db))
		step_done(h->st[ST_ROLLBACK]);
	for (size_t i = 0; i < h->nser; i++)
		h->ser[i].id = 0;          /* ids made in the rolled-back transaction are gone */
	h->last_id = 0;
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
		h->last_flush = now_ms;    /* another nodetop held the file past busy_timeout: next time */
		return;
	}
	if (rc_corrupt(rc)) {
		struct stat sb;
		store_close(h);
		if (stat(h->path, &sb) == 0 && sb.st_dev == h->dev && sb.st_ino == h->ino)
			store_move_aside(h, now_ms, sqlite3_errstr(rc));
		mark_all_dirty(h);
		if (store_open(h, now_ms) == 0)
			return;
	} else {
		sql_error(h, rc);
		store_close(h);          /* opened afresh at the next attempt: a fixed directory is picked up */
	}
	h->next_try = now_ms + h->o.retry_ms;
}

int history_flush(history_t *h, int64_t now_ms)
{
	if (h->gave_up)
		return -1;
	if (!h->db && store_open(h, now_ms) != 0) {
		h->next_try = now_ms + h->o.retry_ms;
		return -1;
	}
	for (size_t i = 0; i < h->nser; i++)
		series_catch_up(h, &h->ser[i], now_ms);
	int rc = step_done(h->st[ST_BEGIN]);
	if (rc == SQLITE_OK)
		rc = write_pending(h);
	bool compacted = false;
	if (rc == SQLITE_OK && now_ms - h->last_compact >= h->o.compact_ms) {
		rc = compact_in_tx(h, now_ms);
		compacted = true;
	}
	if (rc == SQLITE_OK)
		rc = step_done(h->st[ST_COMMIT]);
	if (rc != SQLITE_OK) {
		write_failed(h, rc, now_ms);
		return -1;
	}
	if (compacted)
		h->last_compact = now_ms;
	pending_written(h, now_ms);
	h->err[0] = '\0';
	h->last_flush = now_ms;
	return 0;
}

void history_set_flush_ms(history_t *h, int64_t flush_ms)
{
	if (h)
		h->o.flush_ms = flush_ms > 0 ? flush_ms : 5000;
}

bool history_tick(history_t *h, int64_t now_ms)
{
	if (h->gave_up)
		return false;
	bool due = (h->err[0] || !h->db) ? now_ms >= h->next_try : now_ms - h->last_flush >= h->o.flush_ms;
	return due && history_flush(h, now_ms) == 0;
}

void history_close(history_t *h, int64_t now_ms)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->nser; i++) {
		history_unwatch(h, (int)i, now_ms);
		point_block_close(h, (int)i);
	}
	if (!h->gave_up)
		history_flush(h, now_ms);
	store_close(h);
	for (size_t i = 0; i < h->nser; i++) {
		free(h->ser[i].name);
		free(h->ser[i].indicator);
		for (size_t k = 0; k < h->ser[i].nchunks; k++)
			pchunk_free(&h->ser[i].chunks[k]);
		free(h->ser[i].chunks);
		free(h->ser[i].open);
	}
	for (size_t i = 0; i < h->nblocks; i++)
		free(h->blocks[i].data);
	free(h->blocks);
	free(h->ser);
	free(h->hash);
	free(h->ev);
	free(h->rows);
	free(h->ubuf);
	free(h->last_name);
	free(h->last_ind);
	free(h->path);
	free(h);
}

/* ---------------------------------------------------------------- roll-up and retention */

typedef struct rolled {
	int64_t series, idx;   /* idx: bucket index at the coarser resolution */
	bucket_t b;
} rolled_t;

/* The merged buckets of one fine chunk become one coarse bucket (the merge
 * rule of buckets.h, each fine bucket at its offset: their spans never overlap,
 * so the seen time adds up exactly). */
static void fold_chunk(const bucket_t *merged, int per, int64_t fine_len, bucket_t *out)
{
	memset(out, 0, sizeof *out);
	for (int i = 0; i < per; i++)
		buckets_merge_at(out, fine_len * per, &merged[i], fine_len * i);
}

/* Fine chunks past their retention become one coarse bucket each (an hour
 * of minutes is an hour, a day of hours a day), added into the coarse chunk. */
static int rollup(history_t *h, bucket_res_t fine, int64_t now_ms)
{
	bucket_res_t coarse = (bucket_res_t)(fine + 1);
	int per = buckets_per_chunk(fine), cper = buckets_per_chunk(coarse);
	int64_t cutoff = buckets_expired_before(fine, now_ms);
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(h->db, "SELECT series, chunk, data FROM buckets WHERE res = ?1 AND chunk < ?2"
	                            " ORDER BY series, chunk, writer", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int(st, 1, (int)fine);
	sqlite3_bind_int64(st, 2, cutoff);
	rolled_t *out = NULL;
	size_t n = 0, cap = 0;
	bucket_t merged[60];
	int64_t cur_series = 0, cur_chunk = 0;
	int nrows = 0;
	for (;;) {
		rc = sqlite3_step(st);
		bool row = rc == SQLITE_ROW;
		int64_t series = row ? sqlite3_column_int64(st, 0) : 0, chunk = row ? sqlite3_column_int64(st, 1) : 0;
		if (nrows && (!row || series != cur_series || chunk != cur_chunk)) {
			chunk_merge(h, nrows, per, buckets_len_ms(fine), merged);
			out = xgrow(out, &cap, n + 1, sizeof *out);
			out[n].series = cur_series;
			out[n].idx = cur_chunk;
			fold_chunk(merged, per, buckets_len_ms(fine), &out[n++].b);
			nrows = 0;
		}
		if (!row)
			break;
		cur_series = series;
		cur_chunk = chunk;
		if (buckets_decode(sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2), chunk_row(h, nrows, per),
		                   per, buckets_len_ms(fine)))
			nrows++;                           /* a damaged row is dropped with the rest */
	}
	sqlite3_finalize(st);
	rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	sqlite3_stmt *get = h->st[ST_CHUNK_GET];
	for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
		int64_t cchunk = buckets_chunk_of(coarse, out[i].idx);
		bucket_t cb[60];
		memset(cb, 0, sizeof cb);
		sqlite3_bind_int64(get, 1, out[i].series);
		sqlite3_bind_int(get, 2, (int)coarse);
		sqlite3_bind_int64(get, 3, cchunk);
		sqlite3_bind_int64(get, 4, 0);
		rc = sqlite3_step(get);
		if (rc == SQLITE_ROW && !buckets_decode(sqlite3_column_blob(get, 0), (size_t)sqlite3_column_bytes(get, 0),
		                                        cb, cper, buckets_len_ms(coarse)))
			memset(cb, 0, sizeof cb);
		sqlite3_reset(get);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			break;
		bucket_t *slot = &cb[out[i].idx - cchunk * cper];
		buckets_merge(slot, &out[i].b, buckets_len_ms(coarse));
		rc = chunk_put(h, out[i].series, coarse, cchunk, 0, cb, cper);
	}
	free(out);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_prepare_v2(h->db, "DELETE FROM buckets WHERE res = ?1 AND chunk < ?2", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int(st, 1, (int)fine);
	sqlite3_bind_int64(st, 2, cutoff);
	rc = step_done(st);
	sqlite3_finalize(st);
	return rc;
}

static int compact_in_tx(history_t *h, int64_t now_ms)
{
	int rc = rollup(h, BUCKET_MINUTE, now_ms);
	if (rc == SQLITE_OK)
		rc = rollup(h, BUCKET_HOUR, now_ms);
	if (rc == SQLITE_OK) {
		sqlite3_stmt *st;
		rc = sqlite3_prepare_v2(h->db, "DELETE FROM buckets WHERE res = ?1 AND chunk < ?2", -1, &st, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_int(st, 1, BUCKET_DAY);
			sqlite3_bind_int64(st, 2, buckets_expired_before(BUCKET_DAY, now_ms));
			rc = step_done(st);
			sqlite3_finalize(st);
		}
	}
	if (rc == SQLITE_OK) {
		sqlite3_stmt *st;
		rc = sqlite3_prepare_v2(h->db,
		                        "DELETE FROM points WHERE (series, first_ts) IN (SELECT series, first_ts FROM"
		                        " (SELECT series, first_ts, row_number() OVER (PARTITION BY series"
		                        " ORDER BY first_ts DESC) AS n FROM points) WHERE n > ?1)", -1, &st, NULL);
		if (rc == SQLITE_OK) {
			/* whole blocks enough for max_points, and one partial block */
			sqlite3_bind_int64(st, 1, (int64_t)((h->o.max_points + POINTS_PER_BLOCK - 1) / POINTS_PER_BLOCK + 1));
			rc = step_done(st);
			sqlite3_finalize(st);
		}
	}
	return rc;
}

int history_compact(history_t *h, int64_t now_ms)
{
	h->last_compact = INT64_MIN / 2;
	return history_flush(h, now_ms);
}

/* ---------------------------------------------------------------- reading */

static int64_t series_lookup(history_t *h, int kind, const char *name, const char *ind)
{
	if (h->last_id && h->last_kind == kind && strcmp(h->last_name, name) == 0 && strcmp(h->last_ind, ind) == 0)
		return h->last_id;           /* ids stay as long as the file does (store_close forgets) */
	sqlite3_stmt *get = h->st[ST_SERIES_ID];
	sqlite3_bind_int(get, 1, kind);
	sqlite3_bind_text(get, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(get, 3, ind, -1, SQLITE_STATIC);
	int64_t id = sqlite3_step(get) == SQLITE_ROW ? sqlite3_column_int64(get, 0) : 0;
	sqlite3_reset(get);
	if (id) {
		free(h->last_name);
		free(h->last_ind);
		h->last_name = xstrdup(name);
		h->last_ind = xstrdup(ind);
		h->last_kind = kind;
		h->last_id = id;
	}
	return id;
}

/* The minutes a restore wants as well, caught while loading coarser buckets. */
typedef struct minutes_want {
	int64_t first;
	int n;
	bucket_t *out;
} minutes_want_t;

static int load_by_id(history_t *h, int64_t id, bucket_res_t res, int64_t first, int n, bucket_t *out,
                      const minutes_want_t *mw)
{                                    /* mw->out is zeroed by the caller */
	memset(out, 0, (size_t)n * sizeof *out);
	int64_t t0 = buckets_start_ms(res, first), t1 = buckets_start_ms(res, first + n), out_len = buckets_len_ms(res);
	sqlite3_stmt *st = h->st[ST_CHUNK_RANGE];
	int rc = SQLITE_OK;
	for (int r = BUCKET_MINUTE; rc == SQLITE_OK && r <= (int)res; r++) {
		int per = buckets_per_chunk((bucket_res_t)r);
		int64_t len = buckets_len_ms((bucket_res_t)r);
		int64_t c0 = buckets_chunk_of((bucket_res_t)r, buckets_index((bucket_res_t)r, t0));
		int64_t c1 = buckets_chunk_of((bucket_res_t)r, buckets_index((bucket_res_t)r, t1 - 1));
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int(st, 2, r);
		sqlite3_bind_int64(st, 3, c0);
		sqlite3_bind_int64(st, 4, c1);
		bucket_t merged[60];
		int64_t cur = 0;
		int nrows = 0;
		bool have = false;
		for (;;) {
			rc = sqlite3_step(st);
			bool row = rc == SQLITE_ROW;
			int64_t chunk = row ? sqlite3_column_int64(st, 0) : 0;
			if (have && (!row || chunk != cur)) {
				if (nrows)
					chunk_merge(h, nrows, per, len, merged);
				for (int i = 0; nrows && mw && r == BUCKET_MINUTE && i < per; i++) {
					int64_t k = cur * per + i - mw->first;
					if (k >= 0 && k < mw->n)
						mw->out[k] = merged[i];
				}
				/* bucket i of the chunk starts at ts; it lies in out's bucket o, off ms in */
				int64_t ts = buckets_start_ms((bucket_res_t)r, cur * per);
				for (int i = 0; nrows && i < per; i++, ts += len) {
					if (ts < t0 || ts >= t1)
						continue;
					int64_t o = (ts - t0) / out_len, off = ts - t0 - o * out_len;
					buckets_merge_at(&out[o], out_len, &merged[i], off);
				}
				have = false;
			}
			if (!row)
				break;
			if (!have) {
				nrows = 0;
				cur = chunk;
				have = true;
			}
			if (buckets_decode(sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1),
			                   chunk_row(h, nrows, per), per, len))
				nrows++;                       /* a damaged row is left out */
		}
		sqlite3_reset(st);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	for (int i = 0; i < n; i++)
		buckets_clamp(&out[i], buckets_len_ms(res));
	return rc;
}

int history_load_buckets(history_t *h, const char *name, const char *indicator,
                         bucket_res_t res, int64_t first, int n, bucket_t *out)
{
	memset(out, 0, (size_t)n * sizeof *out);
	if (!h->db)
		return -1;
	int64_t id = series_lookup(h, SERIES_STATE, name, indicator);
	if (!id)
		return 0;
	return load_by_id(h, id, res, first, n, out, NULL) == SQLITE_OK ? 0 : -1;
}

/* history_uptime, and with mw the minutes of a restore from the same read. */
static int uptime_load(history_t *h, const char *name, const char *indicator, int64_t now_ms,
                       const int64_t *window_ms, int nwin, double *pct, bool *known, const minutes_want_t *mw)
{
	int64_t longest = 0;
	for (int w = 0; w < nwin; w++) {
		known[w] = false;
		if (window_ms[w] > longest)
			longest = window_ms[w];
	}
	if (mw)
		memset(mw->out, 0, (size_t)mw->n * sizeof *mw->out);
	if (!h->db)
		return -1;
	if (longest <= 0 && !mw)
		return 0;
	/* the minutes wanted lie inside the hours loaded (a restore's 24 h, in 30 days) */
	int64_t since = now_ms - longest;
	if (mw && buckets_start_ms(BUCKET_MINUTE, mw->first) < since)
		since = buckets_start_ms(BUCKET_MINUTE, mw->first);
	int64_t first = buckets_index(BUCKET_HOUR, since), last = buckets_index(BUCKET_HOUR, now_ms - 1);
	if (mw && buckets_index(BUCKET_HOUR, buckets_start_ms(BUCKET_MINUTE, mw->first + mw->n) - 1) > last)
		last = buckets_index(BUCKET_HOUR, buckets_start_ms(BUCKET_MINUTE, mw->first + mw->n) - 1);
	if (last < first)
		return 0;
	int n = (int)(last - first + 1);
	h->ubuf = xgrow(h->ubuf, &h->cap_ubuf, (size_t)n, sizeof *h->ubuf);
	bucket_t *b = h->ubuf;          /* zeroed by the load */
	memset(b, 0, (size_t)n * sizeof *b);
	int64_t id = series_lookup(h, SERIES_STATE, name, indicator);
	int rc = id ? (load_by_id(h, id, BUCKET_HOUR, first, n, b, mw) == SQLITE_OK ? 0 : -1) : 0;
	for (int w = 0; rc == 0 && w < nwin; w++) {
		bucket_t sum = { { 0 }, 0, 0 };
		if (window_ms[w] <= 0)
			continue;
		int64_t i = buckets_index(BUCKET_HOUR, now_ms - window_ms[w]) - first;
		for (i = i < 0 ? 0 : i; i <= buckets_index(BUCKET_HOUR, now_ms - 1) - first; i++)
			buckets_add(&sum, &b[i]);
		known[w] = buckets_percent(&sum, &pct[w]);
	}
	return rc;
}

int history_uptime(history_t *h, const char *name, const char *indicator, int64_t now_ms,
                   const int64_t *window_ms, int nwin, double *pct, bool *known)
{
	return uptime_load(h, name, indicator, now_ms, window_ms, nwin, pct, known, NULL);
}

int history_restore(history_t *h, const char *name, const char *indicator, int64_t now_ms,
                    int64_t minute_first, int nminutes, bucket_t *minutes,
                    const int64_t *window_ms, int nwin, double *pct, bool *known)
{
	minutes_want_t mw = { minute_first, nminutes, minutes };
	return uptime_load(h, name, indicator, now_ms, window_ms, nwin, pct, known, &mw);
}

bool history_availability(history_t *h, const char *name, const char *indicator,
                          int64_t now_ms, int64_t window_ms, double *pct)
{
	bool known = false;
	return history_uptime(h, name, indicator, now_ms, &window_ms, 1, pct, &known) == 0 && known;
}

int history_each_series(history_t *h, void (*cb)(void *ud, const char *name, const char *indicator), void *ud)
{
	if (!h->db)
		return -1;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(h->db, "SELECT name, indicator FROM series WHERE kind = 0 ORDER BY name, indicator",
	                       -1, &st, NULL) != SQLITE_OK)
		return -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		cb(ud, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int history_each_chart(history_t *h, const char *name, void (*cb)(void *ud, const char *chart), void *ud)
{
	if (!h->db)
		return -1;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(h->db, "SELECT indicator FROM series WHERE kind = 1 AND name = ?1 ORDER BY indicator",
	                       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		cb(ud, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void column_text(sqlite3_stmt *st, int col, char *dst, size_t sz)
{
	const char *s = (const char *)sqlite3_column_text(st, col);
	copy_text(dst, sz, s);
}

int history_load_events(history_t *h, int64_t since_ms, int64_t until_ms,
                        void (*cb)(void *ud, const sla_event_t *e), void *ud)
{
	if (!h->db)
		return -1;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(h->db, "SELECT ts_ms, kind, node, subject, from_state, to_state, detail FROM events"
	                       " WHERE ts_ms >= ?1 AND ts_ms < ?2 ORDER BY ts_ms, id", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, since_ms);
	sqlite3_bind_int64(st, 2, until_ms);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sla_event_t e;
		e.ts_ms = sqlite3_column_int64(st, 0);
		column_text(st, 1, e.kind, sizeof e.kind);
		column_text(st, 2, e.node, sizeof e.node);
		column_text(st, 3, e.subject, sizeof e.subject);
		column_text(st, 4, e.from, sizeof e.from);
		column_text(st, 5, e.to, sizeof e.to);
		column_text(st, 6, e.detail, sizeof e.detail);
		cb(ud, &e);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int history_load_points(history_t *h, const char *name, const char *chart,
                        void (*cb)(void *ud, int64_t ts_ms, double v), void *ud)
{
	if (!h->db)
		return -1;
	int64_t id = series_lookup(h, SERIES_CHART, name, chart);
	if (!id)
		return 0;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(h->db, "SELECT data FROM points WHERE series = ?1 ORDER BY first_ts DESC LIMIT ?2",
	                       -1, &st, NULL) != SQLITE_OK)
		return -1;
	int64_t nblocks = (int64_t)((h->o.max_points + POINTS_PER_BLOCK - 1) / POINTS_PER_BLOCK + 1);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, nblocks);
	/* newest block first: gather, then hand out the newest max_points oldest first */
	size_t cap = (size_t)nblocks * POINTS_PER_BLOCK, n = 0;
	ppoint_t *all = xmalloc(cap * sizeof *all), block[POINTS_PER_BLOCK];
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		size_t k = 0;
		point_block_decode(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), block,
		                   POINTS_PER_BLOCK, &k);
		for (size_t i = k; i-- > 0 && n < cap;)
			all[n++] = block[i];
	}
	sqlite3_finalize(st);
	/* all[] runs newest to oldest; blocks of two runs may overlap in time: keep it increasing */
	size_t keep = n < h->o.max_points ? n : h->o.max_points;
	int64_t last = INT64_MIN;
	for (size_t i = keep; i-- > 0;) {
		if (all[i].ts_ms <= last)
			continue;
		last = all[i].ts_ms;
		cb(ud, all[i].ts_ms, all[i].v);
	}
	free(all);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void report_event(void *ud, const sla_event_t *e)
{
	sla_input_add_event(ud, e);
}

int history_load_report(history_t *h, int64_t since_ms, int64_t until_ms, sla_input_t *in)
{
	if (!h->db)
		return -1;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(h->db, "SELECT id, name, indicator FROM series WHERE kind = 0 ORDER BY name, indicator",
	                       -1, &st, NULL) != SQLITE_OK)
		return -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		bucket_t *days = sla_input_add_series(in, (const char *)sqlite3_column_text(st, 1),
		                                      (const char *)sqlite3_column_text(st, 2));
		const sla_series_t *s = &in->series[in->nseries - 1];
		if (load_by_id(h, id, BUCKET_DAY, s->first_day, s->ndays, days, NULL) != SQLITE_OK) {
			rc = SQLITE_ERROR;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	return history_load_events(h, INT64_MIN, until_ms, report_event, in);
}
