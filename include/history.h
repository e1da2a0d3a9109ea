/* history.h - the history store (the SQLite glue): state buckets, events and
 * charted points per node/group and indicator, kept in one file across restarts. */
#ifndef NODETOP_HISTORY_H
#define NODETOP_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buckets.h"
#include "events.h"
#include "sla.h"

typedef struct history history_t;

typedef struct history_opts {
	const char *path;          /* the database file; a missing directory is created 0700 */
	int64_t flush_ms;          /* at most one write transaction per this long; 0: 5000 */
	int64_t max_gap_ms;        /* observations further apart: the gap is "not watched"
	                              (a suspended laptop, a stopped process); 0: 300 000 */
	size_t max_events;         /* events kept; 0: 100 000 */
	size_t max_points;         /* charted points kept per series; 0: 240 */
	int64_t compact_ms;        /* retention and roll-up run this often; 0: 600 000 */
	int64_t retry_ms;          /* after an error, the next attempt to write; 0: 30 000 */
	int busy_ms;               /* how long a write waits for another nodetop's; 0: 5000
	                              (then it is tried again at the next flush, silently) */
} history_opts_t;

/* The default file: $XDG_STATE_HOME/nodetop/history.db, else
 * $HOME/.local/state/nodetop/history.db; false (buf "") when neither is set. */
bool history_default_path(char *buf, size_t n);
/* Opens (creating it 0600 if missing) or starts a new file if it is corrupt,
 * truncated or not ours (the old one is moved aside: history_notice). Never
 * NULL: when the file cannot be written, history_error says why and writing
 * resumes by itself once it can (the last 6 hours wait in memory). A file of
 * a newer schema is left alone and nothing is recorded. */
history_t *history_open(const history_opts_t *o, int64_t now_ms);
/* Flushes what is pending and closes. */
void history_close(history_t *h, int64_t now_ms);
/* Why nothing is being written right now ("history: disk full (...)"), NULL when all is well. */
const char *history_error(const history_t *h);
/* The last thing the user must be told once (a file moved aside), NULL if none. */
const char *history_notice(const history_t *h);

/* ---- recording (in memory; written by the next flush) */
/* A handle for a name and indicator ("node", "db", "rpc", "rpc:<chain>", ...). */
int history_series(history_t *h, const char *name, const char *indicator);
/* The state in force from now_ms on; the time since the previous call is
 * accrued in the previous state (unless longer than max_gap_ms). */
void history_observe(history_t *h, int series, int64_t now_ms, hstate_t s);
/* Stops the clock of a series (nodetop stops watching it): what follows is not watched. */
void history_unwatch(history_t *h, int series, int64_t now_ms);
void history_add_event(history_t *h, const event_t *e);
void history_add_sla_event(history_t *h, const sla_event_t *e);
/* A charted point; chart is the series' key (e.g. "head:1"); points come in
 * time order (others are dropped). They are written 60 to a row when a row is
 * full and at close: a kill -9 loses at most the last 60 points of a chart,
 * while states and events lose at most the last flush interval. */
void history_add_point(history_t *h, const char *name, const char *chart, int64_t ts_ms, double v);

/* Writes if flush_ms has passed since the last write (or an error's retry_ms);
 * true when it wrote. Call it from a timer; it never writes per observation. */
bool history_tick(history_t *h, int64_t now_ms);
/* Changes flush_ms (0: 5000) from now on: a large fleet writes less often. */
void history_set_flush_ms(history_t *h, int64_t flush_ms);
/* Writes now, in one transaction. 0, or -1 (history_error says why). */
int history_flush(history_t *h, int64_t now_ms);
/* Retention and roll-up now (normally done by history_tick every compact_ms). */
int history_compact(history_t *h, int64_t now_ms);

/* ---- reading (what is in the file: flush first to include this process's
 * last seconds). Time that nobody observed reads as zero: not watched. */
/* n buckets of resolution res from bucket index first, every writer merged
 * (buckets.h). Coarser data cannot be split: minutes exist for 48 h, hours
 * for 35 days. 0, or -1 on a read error. */
int history_load_buckets(history_t *h, const char *name, const char *indicator,
                         bucket_res_t res, int64_t first, int n, bucket_t *out);
/* Availability over [now - window, now) by hours (within one hour of exact);
 * false when nothing counted in the window (JSON null). */
bool history_availability(history_t *h, const char *name, const char *indicator,
                          int64_t now_ms, int64_t window_ms, double *pct);
/* The same for several windows at once (7 d and 30 d at start-up: one read):
 * known[w] false when nothing counted in window w. 0, or -1 on a read error. */
int history_uptime(history_t *h, const char *name, const char *indicator, int64_t now_ms,
                   const int64_t *window_ms, int nwin, double *pct, bool *known);
/* What a restart restores of one series in one read: the minutes
 * [minute_first, minute_first + nminutes) as history_load_buckets gives them
 * (minutes must lie within the last 48 h to be found), and the windows'
 * availability as history_uptime. 0, or -1 on a read error. */
int history_restore(history_t *h, const char *name, const char *indicator, int64_t now_ms,
                    int64_t minute_first, int nminutes, bucket_t *minutes,
                    const int64_t *window_ms, int nwin, double *pct, bool *known);
/* Calls cb for every name and indicator known to the file (not the charts). */
int history_each_series(history_t *h, void (*cb)(void *ud, const char *name, const char *indicator), void *ud);
/* Calls cb for every chart of name kept in the file (the keys given to history_add_point). */
int history_each_chart(history_t *h, const char *name, void (*cb)(void *ud, const char *chart), void *ud);
/* Events with since_ms <= ts < until_ms, oldest first. */
int history_load_events(history_t *h, int64_t since_ms, int64_t until_ms,
                        void (*cb)(void *ud, const sla_event_t *e), void *ud);
/* The kept points of a chart, oldest first. */
int history_load_points(history_t *h, const char *name, const char *chart,
                        void (*cb)(void *ud, int64_t ts_ms, double v), void *ud);
/* Everything the SLA report needs for [since, until): day buckets of every
 * series and the events (from before since too, for outages that began earlier). */
int history_load_report(history_t *h, int64_t since_ms, int64_t until_ms, sla_input_t *in);

#endif
