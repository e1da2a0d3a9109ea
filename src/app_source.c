/* app_source.c - the glue of [source NAME] (issue 17): per round, the Prometheus API
 * queries of each source on curluv, their answers parsed and handed to model_source.c. */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <uv.h>

#include "app_source.h"
#include "clock.h"
#include "curluv.h"
#include "model_source.h"
#include "parse_promapi.h"
#include "report.h"
#include "strbuf.h"
#include "xalloc.h"

#define SRC_POST_OVER 1024     /* a query longer than this (URL-encoded) goes by POST */
#define SRC_TARGETS ((size_t)-1)
#define SRC_BACKFILL ((size_t)-2)    /* the node indicator's, then the database's and RPC's */
#define SRC_BACKFILL_DB ((size_t)-3)
#define SRC_BACKFILL_RPC ((size_t)-4)
#define SRC_BACKFILL_CHART ((size_t)-5)   /* a chart's (src_req_t.chart) */
#define SRC_NFIXED 4                  /* after the queries: the targets, the three backfills */
#define SRC_BACKFILL_TIMEOUT_MS 30000

typedef struct src_conn src_conn_t;

typedef struct src_req {
	src_conn_t *sc;
	size_t qi;                 /* query index, SRC_TARGETS for /api/v1/targets */
	size_t chart;              /* SRC_BACKFILL_CHART: the chart def it fills */
	CURL *easy;
	strbuf_t body;
	char errbuf[CURL_ERROR_SIZE];
	bool overflow;
	long status;
	char error[256];           /* "" when an HTTP answer arrived */
	double latency_ms;
	int64_t slice_end_s, slice_s;   /* a day's backfill: the slice asked (its end and length, s) */
	bool parsed;               /* the body was read into res (and let go) */
	promapi_result_t res;
	char res_error[256];       /* why res has no answer: "" when it has one */
} src_req_t;

struct src_conn {
	struct app_source *as;
	source_cfg_t cfg;          /* own copy: name, url, selector, labels, times (no secrets) */
	struct curl_slist *headers;
	bool insecure;
	bool loopback;             /* the source is on this machine (settings_url_loopback) */
	char *ca_file, *cert_file, *key_file;
	char **queries;
	size_t nq;
	src_health_ask_t health;   /* the health family's query of this round (srcq_health_ask) */
	src_req_t *reqs;           /* the queries, the targets, the backfills (SRC_NFIXED), a chart's each */
	size_t nreqs;
	size_t backfill_points;    /* chart points it filled */
	bool charts_skipped;       /* the fleet was too big to backfill its charts */
	int backfill;              /* 0 not asked, 1 asked, 2 done */
	int backfill_pending;      /* backfill requests still out */
	size_t backfill_minutes[IND__COUNT];   /* minutes of uptime it seeded, per indicator */
	int64_t start_ms;          /* when nodetop started: the backfill ends there */
	unsigned long backfill_slices;   /* the uptime backfill's answers (slices of the day) */
	size_t pending;
	bool in_round, asked_targets;
	int64_t round_start_ms;
	uv_timer_t timer;
	src_state_t st;            /* model.sources points at it */
	unsigned long sent;        /* requests made */
	unsigned long round_sent0; /* sent when the round began */
	unsigned long done_queries;/* requests of the rounds that ended (not the backfill) */
};

struct app_source {
	uv_loop_t *loop;
	model_t *m;
	const settings_t *s;
	curluv_t *cu;
	src_conn_t *conns;
	size_t n;
	bool once, stopped;
	src_state_t **views;       /* model.sources */
	app_source_changed_fn fn;
	void *ud;
};

static bool src_is_backfill(size_t qi)
{
	return qi == SRC_BACKFILL || qi == SRC_BACKFILL_DB || qi == SRC_BACKFILL_RPC || qi == SRC_BACKFILL_CHART;
}

static indicator_id_t src_backfill_of(size_t qi)
{
	return qi == SRC_BACKFILL_DB ? IND_DB : qi == SRC_BACKFILL_RPC ? IND_RPC : IND_NODE;
}

/* The first second the uptime backfill covers: a day before the source's start. */
static int64_t src_backfill_first(const src_conn_t *sc)
{
	return sc->start_ms / 1000 - SRC_BACKFILL_MS / 1000;
}

/* How many uptime slices a request has from the one ending at end_s back to the day's start. */
static int64_t src_slices_from(const src_conn_t *sc, const src_req_t *rq, int64_t end_s)
{
	int64_t n = 0, first = src_backfill_first(sc);
	for (int64_t e = end_s; e; e = src_backfill_prev_end(e, rq->slice_s, first))
		n++;
	return n;
}

static size_t src_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
	src_req_t *rq = ud;
	size_t n = size * nmemb;
	if (rq->body.len + n > rq->sc->cfg.max_bytes) {
		rq->overflow = true;
		return 0;
	}
	strbuf_append(&rq->body, ptr, n);
	return n;
}

static void src_req_reset(src_req_t *rq)
{
	if (rq->easy)
		curl_easy_cleanup(rq->easy);
	rq->easy = NULL;
	strbuf_free(&rq->body);          /* a fleet's answer is tens of MB: not kept between rounds */
	if (rq->parsed)
		promapi_result_free(&rq->res);
	rq->parsed = false;
	rq->res_error[0] = '\0';
	rq->errbuf[0] = rq->error[0] = '\0';
	rq->overflow = false;
	rq->status = 0;
	rq->latency_ms = 0;
}

/* Starts request rq: false when libcurl refuses (rq->error says why). */
static bool src_req_start(src_conn_t *sc, src_req_t *rq)
{
	src_req_reset(rq);
	CURL *e = curl_easy_init();
	if (!e) {
		snprintf(rq->error, sizeof rq->error, "cannot set up the request (curl_easy_init failed)");
		return false;
	}
	char *url, *post = NULL;
	if (rq->qi == SRC_TARGETS) {
		url = xasprintf("%s/api/v1/targets?state=active", sc->cfg.url);
	} else if (src_is_backfill(rq->qi)) {
		const model_t *m = sc->as->m;
		bool chart = rq->qi == SRC_BACKFILL_CHART;
		char *q = chart ? srcq_backfill_chart(&sc->cfg, &m->charts.defs[rq->chart])
		                : srcq_backfill_ind(&sc->cfg, src_backfill_of(rq->qi));
		char *enc = curl_easy_escape(e, q, 0);
		/* uptime: a day a minute apart, slice by slice (newest first); a chart: its length
		 * at its own pace (a point a round) */
		int64_t end = chart ? sc->start_ms / 1000 : rq->slice_end_s;
		int64_t step = chart ? (sc->cfg.interval_ms >= 1000 ? sc->cfg.interval_ms / 1000 : 1) : SRC_BACKFILL_STEP_S;
		int64_t first = src_backfill_first(sc);
		int64_t span = chart ? step * (int64_t)m->ring_cap : end - rq->slice_s < first ? end - first : rq->slice_s;
		url = xasprintf("%s/api/v1/query_range", sc->cfg.url);
		post = xasprintf("query=%s&start=%lld&end=%lld&step=%lld", enc ? enc : "", (long long)(end - span),
		                 (long long)end, (long long)step);
		curl_free(enc);
		free(q);
	} else {
		const char *q = rq->qi == SRCQ_FAMILIES && sc->health.query ? sc->health.query : sc->queries[rq->qi];
		char *enc = curl_easy_escape(e, q, 0);
		if (enc && strlen(enc) > SRC_POST_OVER) {
			url = xasprintf("%s/api/v1/query", sc->cfg.url);
			post = xasprintf("query=%s", enc);
		} else {
			url = xasprintf("%s/api/v1/query?query=%s", sc->cfg.url, enc ? enc : "");
		}
		curl_free(enc);
	}
	CURLcode rc = CURLE_OK;
#define SRC_SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(e, opt, val); } while (0)
	SRC_SET(CURLOPT_URL, url);
	SRC_SET(CURLOPT_PRIVATE, rq);
	SRC_SET(CURLOPT_WRITEFUNCTION, src_write);
	SRC_SET(CURLOPT_WRITEDATA, rq);
	SRC_SET(CURLOPT_ERRORBUFFER, rq->errbuf);
	SRC_SET(CURLOPT_NOSIGNAL, 1L);
	SRC_SET(CURLOPT_TIMEOUT_MS, (long)(src_is_backfill(rq->qi) && sc->cfg.timeout_ms < SRC_BACKFILL_TIMEOUT_MS
	                                   ? SRC_BACKFILL_TIMEOUT_MS : sc->cfg.timeout_ms));
	SRC_SET(CURLOPT_CONNECTTIMEOUT_MS, (long)(sc->cfg.timeout_ms < 2000 ? sc->cfg.timeout_ms : 2000));
	SRC_SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SRC_SET(CURLOPT_FOLLOWLOCATION, 0L);   /* never carry the token to another host */
	/* compressed answers (a fleet's are tens of MB), but not from this machine: on loopback
	   compressing costs both sides CPU and saves nothing */
	SRC_SET(CURLOPT_ACCEPT_ENCODING, sc->loopback ? NULL : "");
	SRC_SET(CURLOPT_USERAGENT, "nodetop/" PACKAGE_VERSION);
	SRC_SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SRC_SET(CURLOPT_HTTPHEADER, sc->headers);
	if (post)
		SRC_SET(CURLOPT_COPYPOSTFIELDS, post);
	if (sc->ca_file)
		SRC_SET(CURLOPT_CAINFO, sc->ca_file);
	if (sc->cert_file)
		SRC_SET(CURLOPT_SSLCERT, sc->cert_file);
	if (sc->key_file)
		SRC_SET(CURLOPT_SSLKEY, sc->key_file);
	if (sc->insecure) {
		SRC_SET(CURLOPT_SSL_VERIFYPEER, 0L);
		SRC_SET(CURLOPT_SSL_VERIFYHOST, 0L);
	}
#undef SRC_SET
	free(url);
	free(post);
	if (rc != CURLE_OK) {
		snprintf(rq->error, sizeof rq->error, "cannot set up the request (%s)", curl_easy_strerror(rc));
		curl_easy_cleanup(e);
		return false;
	}
	rq->easy = e;
	CURLMcode mc = curluv_add(sc->as->cu, e);
	if (mc != CURLM_OK) {
		snprintf(rq->error, sizeof rq->error, "cannot start the request (%s)", curl_multi_strerror(mc));
		curl_easy_cleanup(e);
		rq->easy = NULL;
		return false;
	}
	sc->sent++;
	if (!src_is_backfill(rq->qi))
		sc->pending++;
	return true;
}

/* up said that some node is down: its scrape error is in the targets. */
static bool src_any_down(const promapi_result_t *up)
{
	for (size_t i = 0; up->ok && i < up->nseries; i++)
		if (up->series[i].n && up->series[i].v[0] == 0.0)
			return true;
	return false;
}

static void src_parse_answer(const src_req_t *rq, promapi_result_t *res, char *err, size_t errlen)
{
	memset(res, 0, sizeof *res);
	if (errlen)
		err[0] = '\0';
	if (rq->error[0]) {
		snprintf(err, errlen, "%s", rq->error);
		return;
	}
	int rc = promapi_parse(rq->body.data ? rq->body.data : "", rq->body.len, res);
	if (rc != 0 && rq->status != 200)
		snprintf(err, errlen, "HTTP %ld: %.200s", rq->status, res->error);
	else if (rc != 0)
		snprintf(err, errlen, "%s", res->error);
}

/* A query of the round has its answer (or failed): read now, the body let go, so that a
 * round holds one body at a time besides the answers already read. */
static const promapi_result_t *src_req_settle(src_req_t *rq)
{
	if (!rq->parsed) {
		src_parse_answer(rq, &rq->res, rq->res_error, sizeof rq->res_error);
		strbuf_free(&rq->body);
		rq->parsed = true;
	}
	return &rq->res;
}

/* Every answer of the round is in: into the model. */
static void src_round_end(src_conn_t *sc)
{
	app_source_t *as = sc->as;
	src_round_t r;
	memset(&r, 0, sizeof r);
	r.n = sc->nq;
	r.res = xcalloc(sc->nq, sizeof *r.res);
	r.error = xcalloc(sc->nq, sizeof *r.error);
	r.done_ms = clock_wall_ms();
	r.health_all = sc->health.all;
	r.health_full = (const char *const *)sc->health.names;
	r.nhealth_full = sc->health.nnames;
	for (size_t i = 0; i < sc->nq; i++) {
		src_req_settle(&sc->reqs[i]);
		r.res[i] = sc->reqs[i].res;              /* the round owns it now */
		memset(&sc->reqs[i].res, 0, sizeof sc->reqs[i].res);
		sc->reqs[i].parsed = false;
		snprintf(r.error[i], sizeof r.error[i], "%s", sc->reqs[i].res_error);
		if (sc->reqs[i].latency_ms > r.latency_ms)
			r.latency_ms = sc->reqs[i].latency_ms;
	}
	promapi_targets_t t;
	memset(&t, 0, sizeof t);
	if (sc->asked_targets) {
		src_req_t *tq = &sc->reqs[sc->nq];
		if (!tq->error[0] && promapi_parse_targets(tq->body.data ? tq->body.data : "", tq->body.len, &t) == 0)
			r.targets = &t;
	}
	bool seen = src_apply(as->m, as->s->nnodes < as->m->nnodes ? as->s->nnodes : as->m->nnodes, as->s->nodes,
	                      &sc->cfg, &sc->st, &r);
	srcq_health_ask_free(&sc->health);
	/* --once: a source that could not be read is said on stderr (its nodes are not even known) */
	if (as->once && !seen)
		fprintf(stderr, "nodetop: source %s: cannot read the fleet: %s\n", sc->cfg.name, sc->st.last_error);
	/* backfill on start: once the fleet is known, its last 24 h of up */
	bool backfill = seen && !as->once && sc->backfill == 0;
	promapi_targets_free(&t);
	for (size_t i = 0; i < sc->nq; i++)
		promapi_result_free(&r.res[i]);
	free(r.res);
	free(r.error);
	for (size_t i = 0; i <= sc->nq; i++)
		src_req_reset(&sc->reqs[i]);
	sc->in_round = false;
	sc->done_queries += sc->sent - sc->round_sent0;
	if (backfill) {   /* node, database, RPC: query_range slices, then one request per chart */
		sc->backfill = 1;
		for (size_t k = 1; k <= IND__COUNT; k++) {
			src_req_t *rq = &sc->reqs[sc->nq + k];
			rq->slice_end_s = sc->start_ms / 1000;
			rq->slice_s = src_backfill_slice_s(sc->cfg.max_bytes, sc->st.nodes_seen);
			sc->st.backfill_slices += src_slices_from(sc, rq, rq->slice_end_s);
		}
		/* one indicator after the other (src_on_done starts the next): one answer of a large
		 * fleet's day in memory at a time, not three */
		for (size_t k = 1; k <= IND__COUNT; k++) {
			src_req_t *rq = &sc->reqs[sc->nq + k];
			if (src_req_start(sc, rq)) {
				sc->backfill_pending++;
				break;
			}
			sc->st.backfill_slices -= src_slices_from(sc, rq, rq->slice_end_s);   /* could not even ask */
		}
		sc->charts_skipped = sc->st.nodes_seen > SRC_CHART_BACKFILL_NODES;
		for (size_t k = sc->nq + SRC_NFIXED; k < sc->nreqs && !sc->charts_skipped; k++)
			sc->backfill_pending += src_req_start(sc, &sc->reqs[k]);
		if (!sc->backfill_pending)
			sc->backfill = 2;
	}
	if (as->fn)
		as->fn(as->ud);
}

/* A request is over (answered, failed or never started). */
static void src_req_over(src_conn_t *sc)
{
	if (sc->pending > 0)
		return;
	if (!sc->asked_targets && sc->nq > SRCQ_UP) {
		if (src_any_down(src_req_settle(&sc->reqs[SRCQ_UP]))) {
			sc->asked_targets = true;
			if (src_req_start(sc, &sc->reqs[sc->nq]))
				return;
		}
	}
	src_round_end(sc);
}

/* The first round's up is in while the rest is not: the fleet on screen now, waiting. */
static void src_first_up(src_conn_t *sc, src_req_t *rq)
{
	const promapi_result_t *up = src_req_settle(rq);
	const settings_t *s = sc->as->s;
	size_t nconfig = s->nnodes < sc->as->m->nnodes ? s->nnodes : sc->as->m->nnodes;
	size_t added = src_discover(sc->as->m, nconfig, s->nodes, &sc->cfg, &sc->st, up);
	if (added && sc->as->fn)
		sc->as->fn(sc->as->ud);
}

/* What became of request rq: its HTTP status, or rq->error says why there is none. */
static void src_req_error(const src_conn_t *sc, src_req_t *rq, CURL *easy, CURLcode rc)
{
	if (rc == CURLE_OK) {
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &rq->status);
	} else if (rc == CURLE_WRITE_ERROR && rq->overflow) {
		snprintf(rq->error, sizeof rq->error, "answer larger than %zu bytes (max_size)", sc->cfg.max_bytes);
	} else if (rc == CURLE_COULDNT_CONNECT) {
		long oserr = 0;
		curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &oserr);
		snprintf(rq->error, sizeof rq->error, "%s", oserr == 111 ? "connection refused"
		                                               : rq->errbuf[0] ? rq->errbuf : curl_easy_strerror(rc));
	} else if (rc == CURLE_OPERATION_TIMEDOUT) {
		snprintf(rq->error, sizeof rq->error, "timed out after %lld ms",
		         (long long)(src_is_backfill(rq->qi) && sc->cfg.timeout_ms < SRC_BACKFILL_TIMEOUT_MS
		                     ? SRC_BACKFILL_TIMEOUT_MS : sc->cfg.timeout_ms));
	} else {
		snprintf(rq->error, sizeof rq->error, "%s", rq->errbuf[0] ? rq->errbuf : curl_easy_strerror(rc));
	}
}

static void src_on_done(void *ud, CURL *easy, CURLcode rc, CURLMcode removed)
{
	(void)ud;
	(void)removed;
	src_req_t *rq = NULL;
	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&rq);
	if (!rq)
		return;
	src_conn_t *sc = rq->sc;
	if (src_is_backfill(rq->qi)) {   /* not part of a round */
		promapi_result_t res;
		char err[256];
		rq->status = 0;
		src_req_error(sc, rq, easy, rc);
		src_parse_answer(rq, &res, err, sizeof err);
		const settings_t *s = sc->as->s;
		size_t nconfig = s->nnodes < sc->as->m->nnodes ? s->nnodes : sc->as->m->nnodes;
		if (rq->qi == SRC_BACKFILL_CHART) {
			sc->backfill_points += src_backfill_chart(sc->as->m, nconfig, s->nodes, &sc->cfg, &sc->st, rq->chart, &res);
		} else {
			indicator_id_t ind = src_backfill_of(rq->qi);
			sc->backfill_minutes[ind] += src_backfill_ind(sc->as->m, nconfig, s->nodes, &sc->cfg, &sc->st, ind,
			                                              &res, sc->start_ms);
			sc->backfill_slices++;
			sc->st.backfill_slices_done++;
		}
		promapi_result_free(&res);
		src_req_reset(rq);
		int64_t first = src_backfill_first(sc);
		int64_t prev = rq->qi == SRC_BACKFILL_CHART ? 0 : src_backfill_prev_end(rq->slice_end_s, rq->slice_s, first);
		if (!err[0] && !sc->as->stopped && prev) {   /* the slice before it */
			rq->slice_end_s = prev;
			if (src_req_start(sc, rq)) {
				if (sc->as->fn)
					sc->as->fn(sc->as->ud);
				return;
			}
			snprintf(err, sizeof err, "%s", rq->error);
		}
		if (err[0]) {   /* said on the header; the older slices of that one are not asked */
			snprintf(sc->st.backfill_error, sizeof sc->st.backfill_error, "backfill of the %s failed: %.200s",
			         rq->qi == SRC_BACKFILL_CHART ? "charts" : indicator_name(src_backfill_of(rq->qi)), err);
			sc->st.backfill_slices -= src_slices_from(sc, rq, prev);
		}
		/* that indicator's day is in (or failed): the next one's (src_round_end started the first) */
		for (src_req_t *nx = rq + 1; rq->qi != SRC_BACKFILL_CHART && !sc->as->stopped &&
		                             nx <= &sc->reqs[sc->nq + IND__COUNT]; nx++) {
			if (src_req_start(sc, nx)) {
				if (sc->as->fn)
					sc->as->fn(sc->as->ud);
				return;
			}
			sc->st.backfill_slices -= src_slices_from(sc, nx, nx->slice_end_s);   /* could not even ask */
		}
		if (sc->as->stopped)
			sc->st.backfill_slices = sc->st.backfill_slices_done;   /* no longer "backfilling" */
		if (--sc->backfill_pending <= 0)
			sc->backfill = 2;
		if (sc->as->fn)
			sc->as->fn(sc->as->ud);
		return;
	}
	double t = 0;
	curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME, &t);
	rq->latency_ms = t * 1000.0;
	src_req_error(sc, rq, easy, rc);
	if (sc->pending > 0)
		sc->pending--;
	if (rq->qi < sc->nq)
		src_req_settle(rq);
	if (rq->qi == SRCQ_UP && sc->st.rounds == 0 && sc->pending > 0)
		src_first_up(sc, rq);
	src_req_over(sc);
}

static void src_on_timer(uv_timer_t *t)
{
	src_conn_t *sc = t->data;
	if (sc->in_round || sc->as->stopped)
		return;   /* one round in flight per source: a slow source skips rounds */
	sc->in_round = true;
	sc->asked_targets = false;
	sc->round_start_ms = clock_wall_ms();
	sc->pending = 0;
	sc->round_sent0 = sc->sent;
	srcq_health_ask(sc->as->m, &sc->cfg, &sc->st, &sc->health);   /* let go at the round's end */
	for (size_t i = 0; i < sc->nq; i++)
		src_req_start(sc, &sc->reqs[i]);
	src_req_over(sc);
}

static void src_conn_init(app_source_t *as, src_conn_t *sc, const source_cfg_t *c)
{
	memset(sc, 0, sizeof *sc);
	sc->as = as;
	sc->cfg = *c;
	memset(&sc->cfg.http, 0, sizeof sc->cfg.http);
	sc->cfg.name = xstrdup(c->name);
	sc->cfg.url = xstrdup(c->url);
	sc->cfg.selector = xstrdup(c->selector);
	sc->cfg.name_label = xstrdup(c->name_label);
	sc->cfg.group_label = c->group_label ? xstrdup(c->group_label) : NULL;
	sc->insecure = c->http.insecure;
	sc->loopback = settings_url_loopback(c->url);
	sc->ca_file = c->http.ca_file ? xstrdup(c->http.ca_file) : NULL;
	sc->cert_file = c->http.cert_file ? xstrdup(c->http.cert_file) : NULL;
	sc->key_file = c->http.key_file ? xstrdup(c->http.key_file) : NULL;
	struct curl_slist *h = NULL;
	for (size_t i = 0; i < c->http.nheaders; i++)
		h = curl_slist_append(h, c->http.headers[i]);
	if (c->http.bearer_token && c->http.bearer_token[0]) {
		char *a = xasprintf("Authorization: Bearer %s", c->http.bearer_token);
		h = curl_slist_append(h, a);
		memset(a, 0, strlen(a));
		free(a);
	}
	h = curl_slist_append(h, "Accept: application/json");
	sc->headers = h;
	sc->queries = srcq_build(c, &as->s->charts, &sc->nq);
	sc->nreqs = sc->nq + SRC_NFIXED + as->m->charts.n;
	sc->reqs = xcalloc(sc->nreqs, sizeof *sc->reqs);
	for (size_t i = 0; i < sc->nreqs; i++) {
		sc->reqs[i].sc = sc;
		sc->reqs[i].qi = i < sc->nq ? i : i == sc->nq ? SRC_TARGETS : i == sc->nq + 1 ? SRC_BACKFILL
		                 : i == sc->nq + 2 ? SRC_BACKFILL_DB : i == sc->nq + 3 ? SRC_BACKFILL_RPC : SRC_BACKFILL_CHART;
		sc->reqs[i].chart = i >= sc->nq + SRC_NFIXED ? i - sc->nq - SRC_NFIXED : 0;
	}
	sc->start_ms = clock_wall_ms();
	snprintf(sc->st.name, sizeof sc->st.name, "%s", c->name);
	snprintf(sc->st.type, sizeof sc->st.type, "prometheus");
	char *masked = report_url_masked(c->url);
	snprintf(sc->st.url, sizeof sc->st.url, "%s", masked);
	free(masked);
	uv_timer_init(as->loop, &sc->timer);
	sc->timer.data = sc;
}

app_source_t *app_source_new(uv_loop_t *loop, model_t *m, const settings_t *s, bool once,
                             app_source_changed_fn fn, void *ud, char *err, size_t errlen)
{
	err[0] = '\0';
	if (s->nsources == 0)
		return NULL;
	app_source_t *as = xcalloc(1, sizeof *as);
	as->loop = loop;
	as->m = m;
	as->s = s;
	as->once = once;
	as->fn = fn;
	as->ud = ud;
	as->cu = curluv_new(loop, src_on_done, as);
	if (!as->cu) {
		snprintf(err, errlen, "cannot set up the sources (libcurl's multi interface)");
		free(as);
		return NULL;
	}
	as->n = s->nsources;
	as->conns = xcalloc(as->n, sizeof *as->conns);
	as->views = xcalloc(as->n, sizeof *as->views);
	for (size_t i = 0; i < as->n; i++) {
		src_conn_init(as, &as->conns[i], &s->sources[i]);
		as->views[i] = &as->conns[i].st;
		uint64_t iv = (uint64_t)s->sources[i].interval_ms;
		uv_timer_start(&as->conns[i].timer, src_on_timer, 0, once ? 0 : iv);
	}
	m->sources = (struct src_state *const *)as->views;
	m->nsources = as->n;
	return as;
}

bool app_source_round_done(const app_source_t *as)
{
	for (size_t i = 0; as && i < as->n; i++)
		if (as->conns[i].st.rounds < 1)
			return false;
	return true;
}

int64_t app_source_once_budget_ms(const settings_t *s)
{
	int64_t worst = 0;
	for (size_t i = 0; i < s->nsources; i++)
		if (2 * s->sources[i].timeout_ms > worst)
			worst = 2 * s->sources[i].timeout_ms;   /* the queries, then maybe the targets */
	return worst;
}

void app_source_stats(const app_source_t *as, FILE *f)
{
	unsigned long rounds = 0, sent = 0;
	size_t nodes = 0, backfill[IND__COUNT] = { 0 }, points = 0;
	bool skipped = false;
	unsigned long slices = 0;
	for (size_t i = 0; as && i < as->n; i++) {
		rounds += as->conns[i].st.rounds;
		slices += as->conns[i].backfill_slices;
		sent += as->conns[i].done_queries;   /* of the rounds that ended: not the backfill */
		nodes += as->conns[i].st.nodes_seen;
		for (int k = 0; k < IND__COUNT; k++)
			backfill[k] += as->conns[i].backfill_minutes[k];
		points += as->conns[i].backfill_points;
		skipped |= as->conns[i].charts_skipped;
	}
	fprintf(f, "source_rounds=%lu\nsource_queries=%lu\nsource_nodes=%zu\nsource_backfill_minutes=%zu\n", rounds,
	        sent, nodes, backfill[IND_NODE]);
	fprintf(f, "source_backfill_db_minutes=%zu\nsource_backfill_rpc_minutes=%zu\n", backfill[IND_DB], backfill[IND_RPC]);
	fprintf(f, "source_backfill_chart_points=%zu\nsource_backfill_charts=%s\n", points,
	        skipped ? "skipped (fleet too large)" : "asked");
	fprintf(f, "source_backfill_slices=%lu\n", slices);
}

void app_source_stop(app_source_t *as)
{
	if (!as || as->stopped)
		return;
	as->stopped = true;
	for (size_t i = 0; i < as->n; i++) {
		src_conn_t *sc = &as->conns[i];
		uv_timer_stop(&sc->timer);
		uv_close((uv_handle_t *)&sc->timer, NULL);
		for (size_t k = 0; k < sc->nreqs; k++)
			if (sc->reqs[k].easy)
				curluv_remove(as->cu, sc->reqs[k].easy);
	}
	curluv_free(as->cu);
	as->cu = NULL;
	for (size_t i = 0; i < as->n; i++)
		for (size_t k = 0; k < as->conns[i].nreqs; k++)
			src_req_reset(&as->conns[i].reqs[k]);
}

void app_source_free(app_source_t *as)
{
	if (!as)
		return;
	for (size_t i = 0; i < as->n; i++) {
		src_conn_t *sc = &as->conns[i];
		for (size_t k = 0; k < sc->nreqs; k++)
			strbuf_free(&sc->reqs[k].body);
		free(sc->reqs);
		srcq_free(sc->queries, sc->nq);
		srcq_health_ask_free(&sc->health);
		curl_slist_free_all(sc->headers);
		free(sc->cfg.name);
		free(sc->cfg.url);
		free(sc->cfg.selector);
		free(sc->cfg.name_label);
		free(sc->cfg.group_label);
		free(sc->ca_file);
		free(sc->cert_file);
		free(sc->key_file);
		src_state_free(&sc->st);
	}
	if (as->m->sources == (struct src_state *const *)as->views) {
		as->m->sources = NULL;
		as->m->nsources = 0;
	}
	free(as->views);
	free(as->conns);
	free(as);
}
