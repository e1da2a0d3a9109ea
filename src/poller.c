/* poller.c - the nodes' HTTP glue: node schedules in shards (a libcurl multi handle each,
 * driven on the loop by curluv), one request in flight per endpoint, results as probe_result_t. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "clock.h"
#include "curluv.h"
#include "parse_discovery.h"
#include "poller.h"
#include "strbuf.h"
#include "xalloc.h"

#define POLLER_LATENESS_KEEP 200000       /* lateness samples kept for percentiles */
#define POLLER_DISCOVERY_EVERY 12         /* rounds between /discovery refreshes */
#define POLLER_KEEP_BODY_BYTES (64 * 1024) /* larger buffers go back to the pool */
#define POLLER_POOL 16                      /* large body buffers kept for reuse */
#define POLLER_POOL_MAX_BYTES (2u << 20)    /* larger ones (a bomb, a huge node) are freed */
#define POLLER_SHARD_NODES 64               /* nodes per shard (multi handle and phase) */
#define POLLER_SLACK_NS 1000000ull          /* a round due this soon starts now (1 ms) */
#define POLLER_UNSCHEDULED UINT64_MAX

typedef struct pnode pnode_t;
typedef struct shard shard_t;

typedef struct endpoint {
	pnode_t *node;
	probe_kind_t kind;
	char *path;
	CURL *easy;
	bool busy;
	strbuf_t body;
	size_t cap;                 /* body size limit */
	bool overflow;
	char errbuf[CURL_ERROR_SIZE];
	char fail[192];             /* why libcurl/libuv could not make the request, or "" */
	bool queued;                /* on the poller's list of failures to deliver */
	struct endpoint *next_failed;
	int64_t scheduled_ms, started_ms;
	uint64_t started_hr;
} endpoint_t;

struct pnode {
	char **secrets;             /* token and header values: scrubbed from error bodies */
	size_t nsecrets;
	poller_t *p;
	shard_t *shard;
	size_t idx;
	node_cfg_t cfg;             /* shallow view of the caller's strings (copied below) */
	char *url, *name, *ca_file, *cert_file, *key_file;
	struct curl_slist *headers;
	uint64_t due_hr;            /* uv_hrtime (ns) of the next round */
	uint64_t health_due_hr;     /* /health is asked in the first round at or after this */
	uint64_t health_ival_ns;    /* while settled */
	bool health_settled;        /* the owner says all checks pass (poller_health_settled): /health at health_ival_ns */
	long metrics_class;         /* last /metrics: HTTP status, or -CURLcode; 0 = none yet */
	endpoint_t health, metrics, discovery;
	endpoint_t *plugins;
	size_t nplugins;
	unsigned long rounds;
	unsigned long started_rounds;
	int pending;                /* requests of the current round still running */
	pnode_t *next_dead;         /* on the poller's list of nodes to free */
};

/* Up to POLLER_SHARD_NODES nodes with their own multi handle and one phase in
 * the interval: their rounds start together (primary and standby are sampled
 * at the same moment, and one wake-up serves them all), and libcurl 7.88's
 * walks over every connection and DNS entry of a multi handle on each
 * finished transfer stay short however many nodes there are. */
struct shard {
	poller_t *p;
	curluv_t *cu;               /* its multi handle on the loop */
	uv_timer_t sched;           /* the next round of one of the shard's nodes */
	double phase;               /* first round at this fraction of the interval */
	pnode_t **nodes;
	size_t n, cap;
};

struct poller {
	uv_loop_t *loop;
	shard_t **shards;
	size_t nshards;
	pnode_t *dead;              /* destroyed nodes, freed outside any callback of theirs */
	pnode_t **nodes;
	size_t n;
	poller_result_fn fn;
	void *ud;
	bool stopped;
	uv_timer_t fail_timer;      /* delivers requests that could not be made */
	endpoint_t *failed;
	double *late;               /* ring of lateness samples in ms */
	size_t late_n, late_head;
	double late_max;
	unsigned long late_count;
	int closing;                /* handles still closing (poller_free waits for 0) */
	strbuf_t pool[POLLER_POOL]; /* large body buffers between transfers */
	size_t npool;
	bool free_when_closed;
};

static void endpoint_done(poller_t *p, endpoint_t *ep, CURLcode rc);

/* ---------------------------------------------------------------- failures */

/* For libuv and libcurl calls that fail only when the program is wrong (a
 * closed handle, a call from inside a callback): a clear message, then
 * abort(), which the crash handler turns into a restored terminal. */
static void poller_must(bool ok, const char *call, const char *why)
{
	if (ok)
		return;
	fprintf(stderr, "nodetop: internal error: %s failed: %s\n", call, why);
	abort();
}
#define UV_MUST(call) do { \
		int must_rc_ = (call); \
		if (must_rc_ != 0) \
			poller_must(false, #call, uv_strerror(must_rc_)); \
	} while (0)
#define CURLM_MUST(call) do { \
		CURLMcode must_mc_ = (call); \
		if (must_mc_ != CURLM_OK) \
			poller_must(false, #call, curl_multi_strerror(must_mc_)); \
	} while (0)

static struct curl_slist *poller_slist_add(struct curl_slist *h, const char *line)
{
	struct curl_slist *n = curl_slist_append(h, line);
	poller_must(n != NULL, "curl_slist_append", "out of memory");
	return n;
}

static void endpoint_set_fail(endpoint_t *ep, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void endpoint_set_fail(endpoint_t *ep, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ep->fail, sizeof(ep->fail), fmt, ap);
	va_end(ap);
}

static void poller_on_fail_timer(uv_timer_t *t)
{
	poller_t *p = t->data;
	while (p->failed) {
		endpoint_t *ep = p->failed;
		p->failed = ep->next_failed;
		ep->queued = false;
		ep->busy = false;
		endpoint_done(p, ep, CURLE_FAILED_INIT);
	}
}

/* A request that could not be made (ep->fail says why; ep is busy and counted
 * in its node's round) ends as a failed result from the loop, never from
 * inside the call that tried to start it. */
static void endpoint_fail_later(poller_t *p, endpoint_t *ep)
{
	if (ep->queued || p->stopped)
		return;
	ep->queued = true;
	ep->next_failed = p->failed;
	p->failed = ep;
	UV_MUST(uv_timer_start(&p->fail_timer, poller_on_fail_timer, 0, 0));
}

static void endpoint_unqueue(poller_t *p, endpoint_t *ep)
{
	for (endpoint_t **q = &p->failed; *q; q = &(*q)->next_failed) {
		if (*q == ep) {
			*q = ep->next_failed;
			break;
		}
	}
	ep->queued = false;
}

/* Calls fn on every endpoint of the shard's nodes. */
static void shard_each_endpoint(shard_t *s, void (*fn)(shard_t *, endpoint_t *, const char *), const char *why);

/* The text of a failure of the whole multi handle, for each request in it. */
static void endpoint_note_fail(shard_t *s, endpoint_t *ep, const char *why)
{
	(void)s;
	if (ep->busy && !ep->queued && !ep->fail[0])
		endpoint_set_fail(ep, "%s", why);
}

/* A request taken out of a multi handle that failed: delivered with its text. */
static void endpoint_abandon(shard_t *s, endpoint_t *ep, const char *why)
{
	if (!ep->busy || ep->queued || !ep->easy)
		return;
	if (curluv_remove(s->cu, ep->easy) != CURLM_OK) {
		curl_easy_cleanup(ep->easy);   /* takes it out of the multi handle too */
		ep->easy = NULL;
	}
	if (!ep->fail[0])
		endpoint_set_fail(ep, "%s", why);
	endpoint_fail_later(s->p, ep);
}

/* Under the shard's transfers: libuv could not watch a connection (libcurl
 * fails them: each gets the text), or curl_multi_socket_action failed (they
 * cannot go on: taken out and delivered with the text). */
static void shard_on_fail(void *ud, curluv_fail_t kind, const char *why)
{
	shard_t *s = ud;
	if (!s->cu || s->p->stopped)
		return;
	shard_each_endpoint(s, kind == CURLUV_FAIL_ABANDON ? endpoint_abandon : endpoint_note_fail, why);
}

/* ---------------------------------------------------------------- curl callbacks */

static size_t endpoint_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
	endpoint_t *ep = ud;
	size_t n = size * nmemb;
	if (ep->body.len + n > ep->cap) {
		ep->overflow = true;
		return 0;               /* aborts the transfer: CURLE_WRITE_ERROR */
	}
	if (ep->body.len == 0) {
		curl_off_t cl = -1;
		if (curl_easy_getinfo(ep->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) == CURLE_OK && cl > 0 && (size_t)cl <= ep->cap && (size_t)cl + 1 > ep->body.cap) {
			ep->body.data = xgrow(ep->body.data, &ep->body.cap, (size_t)cl + 1, 1);
			ep->body.data[0] = '\0';
		}
	}
	strbuf_append(&ep->body, ptr, n);
	return n;
}

/* ---------------------------------------------------------------- errors */

/* A specific, human text for a failed transfer, and its class: the model tells
 * a refused connection (a standby waiting for the database lease) from the rest. */
static probe_error_t endpoint_error(const endpoint_t *ep, CURLcode rc, char *out, size_t n)
{
	long oserr = 0;
	curl_off_t got = 0;
	curl_easy_getinfo(ep->easy, CURLINFO_OS_ERRNO, &oserr);
	curl_easy_getinfo(ep->easy, CURLINFO_SIZE_DOWNLOAD_T, &got);
	const char *detail = ep->errbuf[0] ? ep->errbuf : curl_easy_strerror(rc);
	const pnode_t *pn = ep->node;
	switch (rc) {
	case CURLE_WRITE_ERROR:
		if (ep->overflow) {
			snprintf(out, n, "body larger than %zu bytes (limit)", ep->cap);
			return PROBE_ERR_TOO_BIG;
		}
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		snprintf(out, n, "cannot resolve host name (%s)", detail);
		return PROBE_ERR_DNS;
	case CURLE_COULDNT_CONNECT:
		if (oserr == ECONNREFUSED) {
			snprintf(out, n, "connection refused");
			return PROBE_ERR_REFUSED;
		}
		if (oserr)
			snprintf(out, n, "cannot connect: %s", strerror((int)oserr));
		else
			snprintf(out, n, "cannot connect: %s", detail);
		return oserr == ETIMEDOUT ? PROBE_ERR_TIMEOUT : PROBE_ERR_OTHER;
	case CURLE_OPERATION_TIMEDOUT: {
		/* Name what ran out (issue 12 point 6). On a reused connection curl
		 * connects nothing: its connect time is 0 although the connection was
		 * there all along, so 0 means "still connecting" only when this
		 * transfer opened a connection of its own. */
		long nconn = 0;
		double conn_t = 0, app_t = 0, start_t = 0;
		char *scheme = NULL;
		curl_easy_getinfo(ep->easy, CURLINFO_NUM_CONNECTS, &nconn);
		curl_easy_getinfo(ep->easy, CURLINFO_CONNECT_TIME, &conn_t);
		curl_easy_getinfo(ep->easy, CURLINFO_APPCONNECT_TIME, &app_t);
		curl_easy_getinfo(ep->easy, CURLINFO_STARTTRANSFER_TIME, &start_t);
		curl_easy_getinfo(ep->easy, CURLINFO_SCHEME, &scheme);
		bool fresh = nconn > 0, tls = scheme && strcasecmp(scheme, "https") == 0;
		long long limit = (long long)pn->cfg.timeout_ms;
		if (fresh && conn_t <= 0)
			snprintf(out, n, "connect timed out after %lld ms",
			         (long long)(pn->cfg.connect_timeout_ms < pn->cfg.timeout_ms ?
			                     pn->cfg.connect_timeout_ms : pn->cfg.timeout_ms));
		else if (fresh && tls && app_t <= 0)
			snprintf(out, n, "TLS handshake timed out after %lld ms (connected in %.1f ms)",
			         limit, conn_t * 1000.0);
		else if (start_t <= 0 && !fresh)
			snprintf(out, n, "timed out after %lld ms waiting for the answer (on a reused connection)", limit);
		else if (start_t <= 0)
			snprintf(out, n, "timed out after %lld ms waiting for the answer (connected in %.1f ms)",
			         limit, conn_t * 1000.0);
		else
			snprintf(out, n, "timed out after %lld ms receiving the answer (%lld bytes received)",
			         limit, (long long)got);
		return PROBE_ERR_TIMEOUT;
	}
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
		snprintf(out, n, "TLS: %s", detail);
		return PROBE_ERR_TLS;
	case CURLE_TOO_MANY_REDIRECTS:
		snprintf(out, n, "too many redirects");
		return PROBE_ERR_OTHER;
	case CURLE_GOT_NOTHING:
		snprintf(out, n, "empty reply from server");
		return PROBE_ERR_RESET;
	case CURLE_RECV_ERROR:
		snprintf(out, n, "connection reset while receiving (%lld bytes received)", (long long)got);
		return PROBE_ERR_RESET;
	case CURLE_BAD_CONTENT_ENCODING:
		snprintf(out, n, "bad content encoding: %s", detail);
		return PROBE_ERR_OTHER;
	case CURLE_UNSUPPORTED_PROTOCOL:
		snprintf(out, n, "unsupported protocol (redirected to a scheme other than http/https?)");
		return PROBE_ERR_OTHER;
	default:
		break;
	}
	snprintf(out, n, "%s", detail);
	return rc == CURLE_SEND_ERROR ? PROBE_ERR_RESET : PROBE_ERR_OTHER;
}

/* ---------------------------------------------------------------- requests */

static void endpoint_init(endpoint_t *ep, pnode_t *pn, probe_kind_t kind, const char *path, size_t cap)
{
	memset(ep, 0, sizeof(*ep));
	ep->node = pn;
	ep->kind = kind;
	ep->path = xstrdup(path);
	ep->cap = cap;
}

static void endpoint_fini(poller_t *p, endpoint_t *ep)
{
	if (ep->queued)
		endpoint_unqueue(p, ep);
	else if (ep->busy && ep->easy)
		CURLM_MUST(curluv_remove(ep->node->shard->cu, ep->easy));
	ep->busy = false;
	if (ep->easy) {
		curl_easy_cleanup(ep->easy);
		ep->easy = NULL;
	}
	strbuf_free(&ep->body);
	free(ep->path);
	ep->path = NULL;
}

/* The easy handle of an endpoint, made on first use; NULL with ep->fail set
 * when libcurl refuses it (e.g. a TLS option its build lacks). */
static CURL *endpoint_easy(endpoint_t *ep)
{
	if (ep->easy)
		return ep->easy;
	pnode_t *pn = ep->node;
	CURL *e = curl_easy_init();
	if (!e) {
		endpoint_set_fail(ep, "cannot set up the request (curl_easy_init failed)");
		return NULL;
	}
	CURLcode rc = CURLE_OK;
	const char *what = NULL;
#define EASY_SET(opt, val) do { \
		if (rc == CURLE_OK && (rc = curl_easy_setopt(e, opt, val)) != CURLE_OK) \
			what = #opt; \
	} while (0)
	char *url = xasprintf("%s%s", pn->url, ep->path);
	EASY_SET(CURLOPT_URL, url);
	free(url);
	EASY_SET(CURLOPT_PRIVATE, ep);
	EASY_SET(CURLOPT_WRITEFUNCTION, endpoint_write);
	EASY_SET(CURLOPT_WRITEDATA, ep);
	EASY_SET(CURLOPT_ERRORBUFFER, ep->errbuf);
	EASY_SET(CURLOPT_NOSIGNAL, 1L);
	EASY_SET(CURLOPT_TIMEOUT_MS, (long)pn->cfg.timeout_ms);
	EASY_SET(CURLOPT_CONNECTTIMEOUT_MS, (long)pn->cfg.connect_timeout_ms);
	EASY_SET(CURLOPT_PROTOCOLS_STR, "http,https");
	EASY_SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	/* TLS.ForceRedirect sends http to https: follow it, unless the node has
	 * secrets (token, headers), which curl would carry to whatever host the
	 * redirect names. Then the 3xx is shown and the url should be fixed. */
	EASY_SET(CURLOPT_FOLLOWLOCATION, pn->nsecrets ? 0L : 1L);
	EASY_SET(CURLOPT_MAXREDIRS, 5L);
	EASY_SET(CURLOPT_ACCEPT_ENCODING, "");  /* gzip; the size cap applies after decoding */
	EASY_SET(CURLOPT_USERAGENT, "nodetop/" PACKAGE_VERSION);
	EASY_SET(CURLOPT_TCP_KEEPALIVE, 1L);
	EASY_SET(CURLOPT_HTTPHEADER, pn->headers);
	if (pn->ca_file)
		EASY_SET(CURLOPT_CAINFO, pn->ca_file);
	if (pn->cert_file)
		EASY_SET(CURLOPT_SSLCERT, pn->cert_file);
	if (pn->key_file)
		EASY_SET(CURLOPT_SSLKEY, pn->key_file);
	if (pn->cfg.insecure) {
		EASY_SET(CURLOPT_SSL_VERIFYPEER, 0L);
		EASY_SET(CURLOPT_SSL_VERIFYHOST, 0L);
	}
#undef EASY_SET
	if (rc != CURLE_OK) {
		endpoint_set_fail(ep, "cannot set up the request (libcurl %s refuses %s: %s)",
		                  curl_version_info(CURLVERSION_NOW)->version, what, curl_easy_strerror(rc));
		curl_easy_cleanup(e);
		return NULL;
	}
	ep->easy = e;
	return e;
}

static void endpoint_start(poller_t *p, endpoint_t *ep, int64_t scheduled_ms)
{
	if (ep->busy || p->stopped)
		return;
	if (!ep->body.data && p->npool > 0 && ep->kind != PROBE_DISCOVERY)
		ep->body = p->pool[--p->npool];    /* a large buffer from an earlier transfer */
	strbuf_reset(&ep->body);
	ep->overflow = false;
	ep->errbuf[0] = '\0';
	ep->fail[0] = '\0';
	ep->scheduled_ms = scheduled_ms;
	ep->started_ms = clock_wall_ms();
	ep->started_hr = uv_hrtime();
	ep->busy = true;
	ep->node->pending++;
	CURL *e = endpoint_easy(ep);
	CURLMcode mc = e ? curluv_add(ep->node->shard->cu, e) : CURLM_OK;
	if (mc != CURLM_OK)
		endpoint_set_fail(ep, "cannot start the request (curl_multi_add_handle: %s)", curl_multi_strerror(mc));
	if (!e || mc != CURLM_OK)
		endpoint_fail_later(p, ep);
}

/* Makes the node's plugin endpoints those of a /discovery answer (the paths
 * come checked from parse_discovery). */
static void pnode_set_plugins(pnode_t *pn, const discovery_t *d)
{
	poller_t *p = pn->p;
	/* Keep endpoints whose path is unchanged, so that in-flight transfers survive. */
	bool same = d->n == pn->nplugins;
	for (size_t i = 0; same && i < d->n; i++)
		same = strcmp(d->paths[i], pn->plugins[i].path) == 0;
	if (same)
		return;
	for (size_t i = 0; i < pn->nplugins; i++) {
		if (pn->plugins[i].busy)
			pn->pending--;
		endpoint_fini(p, &pn->plugins[i]);
	}
	free(pn->plugins);
	pn->plugins = d->n ? xcalloc(d->n, sizeof(*pn->plugins)) : NULL;
	pn->nplugins = d->n;
	for (size_t i = 0; i < d->n; i++)
		endpoint_init(&pn->plugins[i], pn, PROBE_PLUGIN_METRICS, d->paths[i], pn->cfg.metrics_max_bytes);
}

static void lateness_record(poller_t *p, double ms)
{
	if (!p->late)
		p->late = xcalloc(POLLER_LATENESS_KEEP, sizeof(double));
	p->late[p->late_head] = ms;
	p->late_head = (p->late_head + 1) % POLLER_LATENESS_KEEP;
	if (p->late_n < POLLER_LATENESS_KEEP)
		p->late_n++;
	if (ms > p->late_max)
		p->late_max = ms;
	p->late_count++;
}

/* Starts the round of a node that is due (now: uv_hrtime) and sets the next. */
static void pnode_poll(pnode_t *pn, uint64_t now)
{
	poller_t *p = pn->p;
	double late = now > pn->due_hr ? (double)(now - pn->due_hr) / 1e6 : 0;
	lateness_record(p, late);
	int64_t scheduled = clock_wall_ms() - (int64_t)late;

	pn->started_rounds++;
	if (!pn->cfg.metrics || !pn->health_settled || now + POLLER_SLACK_NS >= pn->health_due_hr) {
		endpoint_start(p, &pn->health, scheduled);
		pn->health_due_hr = pn->due_hr + pn->health_ival_ns;   /* on the round grid */
	}
	if (pn->cfg.metrics) {
		endpoint_start(p, &pn->metrics, scheduled);
		if (pn->started_rounds % POLLER_DISCOVERY_EVERY == 1)
			endpoint_start(p, &pn->discovery, scheduled);
		for (size_t i = 0; i < pn->nplugins; i++)
			endpoint_start(p, &pn->plugins[i], scheduled);
	}

	/* Next round: on the grid when on time; reset the grid when far behind. */
	uint64_t ival = (uint64_t)pn->cfg.interval_ms * 1000000ull;
	pn->due_hr += ival;
	if (pn->due_hr + ival < now)
		pn->due_hr = now + ival;
}

static void shard_on_sched(uv_timer_t *t);

/* Arms the shard's timer for the earliest round of its nodes. */
static void shard_arm(shard_t *s)
{
	uint64_t next = POLLER_UNSCHEDULED;
	for (size_t i = 0; i < s->n; i++)
		if (s->nodes[i]->due_hr < next)
			next = s->nodes[i]->due_hr;
	if (next == POLLER_UNSCHEDULED || s->p->stopped) {
		UV_MUST(uv_timer_stop(&s->sched));
		return;
	}
	uint64_t now = uv_hrtime();
	uint64_t wait_ms = next > now ? (next - now + 999999) / 1000000 : 0;
	UV_MUST(uv_timer_start(&s->sched, shard_on_sched, wait_ms, 0));
}

static void poller_reap(poller_t *p);

static void shard_on_sched(uv_timer_t *t)
{
	shard_t *s = t->data;
	poller_reap(s->p);
	uint64_t now = uv_hrtime();
	for (size_t i = 0; i < s->n; i++)
		if (s->nodes[i]->due_hr <= now + POLLER_SLACK_NS)
			pnode_poll(s->nodes[i], now);
	shard_arm(s);
}

/* An error page may echo what we sent (e.g. "rejected: Authorization=Bearer
 * tok..."): its text ends up in error messages, so the node's secrets are
 * replaced by "***" first. */
static void endpoint_scrub(endpoint_t *ep)
{
	const pnode_t *pn = ep->node;
	for (size_t i = 0; i < pn->nsecrets; i++) {
		const char *sec = pn->secrets[i];
		size_t sl = strlen(sec);
		if (sl < 3)
			continue;       /* "***" must not be longer than what it replaces */
		char *b = ep->body.data;
		size_t len = ep->body.len;
		size_t w = 0, r = 0;
		while (b && r < len) {
			if (len - r >= sl && memcmp(b + r, sec, sl) == 0) {
				memcpy(b + w, "***", 3);   /* sl >= 4: never grows */
				w += 3;
				r += sl;
			} else {
				b[w++] = b[r++];
			}
		}
		if (b) {
			ep->body.len = w;
			b[w] = '\0';
		}
	}
}

/* /health now, in this round, and its interval restarted. */
static void pnode_health_now(pnode_t *pn)
{
	endpoint_start(pn->p, &pn->health, clock_wall_ms());
	pn->health_due_hr = uv_hrtime() + pn->health_ival_ns;
}

/* A /metrics answer that failed, or whose status changed, may mean the node
 * went away or came back: /health is asked at once and every round until it
 * is settled again. */
static void pnode_metrics_seen(pnode_t *pn, CURLcode rc, long status)
{
	long cls = rc == CURLE_OK ? status : -(long)rc;
	bool changed = pn->metrics_class != 0 && cls != pn->metrics_class;
	pn->metrics_class = cls;
	if (rc != CURLE_OK || changed) {
		pn->health_settled = false;
		pnode_health_now(pn);
	}
}

static void endpoint_done(poller_t *p, endpoint_t *ep, CURLcode rc)
{
	pnode_t *pn = ep->node;
	probe_result_t r;
	char err[512] = "";
	char *ctype = NULL;
	memset(&r, 0, sizeof(r));
	r.node = pn->idx;
	r.kind = ep->kind;
	r.path = ep->path;
	r.scheduled_ms = ep->scheduled_ms;
	r.started_ms = ep->started_ms;
	r.done_ms = clock_wall_ms();
	r.latency_ms = (double)(uv_hrtime() - ep->started_hr) / 1e6;
	r.timeout_ms = (double)pn->cfg.timeout_ms;
	r.auth_sent = pn->nsecrets > 0;
	if (ep->easy && (curl_easy_getinfo(ep->easy, CURLINFO_RESPONSE_CODE, &r.http_status) != CURLE_OK ||
	                 curl_easy_getinfo(ep->easy, CURLINFO_CONTENT_TYPE, &ctype) != CURLE_OK)) {
		r.http_status = 0;      /* libcurl cannot say what came back: not trusted */
		ctype = NULL;
		if (rc == CURLE_OK) {
			rc = CURLE_BAD_FUNCTION_ARGUMENT;
			endpoint_set_fail(ep, "libcurl cannot report the response (curl_easy_getinfo failed)");
		}
	}
	if (rc == CURLE_OK && r.http_status != 200 && r.http_status != 204 && r.http_status != 207)
		endpoint_scrub(ep);
	if (rc == CURLE_OK) {
		r.ok = 1;
		r.content_type = ctype;
		r.body = strbuf_str(&ep->body);
		r.len = ep->body.len;
	} else {
		if (ep->fail[0]) {
			snprintf(err, sizeof(err), "%s", ep->fail);   /* libcurl/libuv could not make it */
			r.error_class = PROBE_ERR_OTHER;
		} else {
			r.error_class = endpoint_error(ep, rc, err, sizeof(err));
		}
		r.error = err;
		r.body = "";
	}

	if (ep->kind == PROBE_DISCOVERY) {
		/* 200: the list (none when unreadable); 404: not a plugin node */
		if (r.ok && (r.http_status == 200 || r.http_status == 404)) {
			discovery_t d;
			discovery_parse(r.body, r.http_status == 200 ? r.len : 0, &d);
			pnode_set_plugins(pn, &d);
			discovery_free(&d);
		}
		/* A plugin list that just arrived is scraped in this same round. */
		for (size_t i = 0; i < pn->nplugins; i++)
			endpoint_start(p, &pn->plugins[i], ep->scheduled_ms);
	}
	if (ep->kind == PROBE_METRICS)
		pnode_metrics_seen(pn, rc, r.http_status);
	/* The round is complete before the callback sees its last result. */
	if (--pn->pending == 0)
		pn->rounds++;
	p->fn(p->ud, &r);
	if (p->stopped)
		return;     /* the callback stopped the poller: ep is gone (a plugin's array is freed) */

	/* Small buffers stay with their endpoint; large ones are shared through a
	 * pool, so that 1000 nodes do not each hold a /metrics-sized buffer. */
	if (ep->body.cap > POLLER_KEEP_BODY_BYTES) {
		if (p->npool < POLLER_POOL && ep->body.cap <= POLLER_POOL_MAX_BYTES) {
			strbuf_reset(&ep->body);
			p->pool[p->npool++] = ep->body;
			memset(&ep->body, 0, sizeof(ep->body));
		} else {
			strbuf_free(&ep->body);
		}
	} else {
		strbuf_reset(&ep->body);
	}
}

/* A transfer of the shard finished (taken out of its multi handle). */
static void shard_on_done(void *ud, CURL *e, CURLcode rc, CURLMcode removed)
{
	shard_t *s = ud;
	poller_t *p = s->p;
	endpoint_t *ep = NULL;
	if (curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&ep) != CURLE_OK || !ep) {
		poller_must(false, "curl_easy_getinfo(CURLINFO_PRIVATE)", "a transfer without its endpoint");
		return;
	}
	ep->busy = false;
	endpoint_done(p, ep, rc);
	if (removed != CURLM_OK && !p->stopped && ep->easy == e) {
		curl_easy_cleanup(e);   /* takes it out of the multi handle; made again next time */
		ep->easy = NULL;
	}
}

/* ---------------------------------------------------------------- nodes */

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static pnode_t *pnode_new(poller_t *p, size_t idx, const node_cfg_t *cfg)
{
	pnode_t *pn = xcalloc(1, sizeof(*pn));
	pn->p = p;
	pn->idx = idx;
	pn->cfg = *cfg;
	pn->url = xstrdup(cfg->url);
	pn->name = xstrdup(cfg->name);
	pn->ca_file = dup_or_null(cfg->ca_file);
	pn->cert_file = dup_or_null(cfg->cert_file);
	pn->key_file = dup_or_null(cfg->key_file);
	/* Only our own copies are used after this. */
	pn->cfg.url = pn->url;
	pn->cfg.name = pn->name;
	pn->cfg.ca_file = pn->ca_file;
	pn->cfg.cert_file = pn->cert_file;
	pn->cfg.key_file = pn->key_file;
	pn->cfg.group = NULL;
	pn->cfg.headers = NULL;
	pn->cfg.bearer_token = NULL;
	pn->cfg.bearer_token_file = NULL;
	pn->cfg.bearer_token_env = NULL;
	if (pn->cfg.timeout_ms <= 0)
		pn->cfg.timeout_ms = 4000;
	if (pn->cfg.connect_timeout_ms <= 0)
		pn->cfg.connect_timeout_ms = 2000;
	if (pn->cfg.interval_ms <= 0)
		pn->cfg.interval_ms = 5000;

	struct curl_slist *h = NULL;
	h = poller_slist_add(h, "Accept: application/vnd.api+json, application/json;q=0.9, text/plain;q=0.5, */*;q=0.1");
	for (size_t i = 0; i < cfg->nheaders; i++)
		h = poller_slist_add(h, cfg->headers[i]);
	for (size_t i = 0; i < cfg->nheaders; i++) {
		const char *v = strchr(cfg->headers[i], ':');
		if (!v)
			continue;
		v += strspn(v + 1, " \t") + 1;
		if (strlen(v) >= 4) {
			pn->secrets = xrealloc(pn->secrets, (pn->nsecrets + 1) * sizeof(char *));
			pn->secrets[pn->nsecrets++] = xstrdup(v);
		}
	}
	if (cfg->bearer_token && cfg->bearer_token[0]) {
		pn->secrets = xrealloc(pn->secrets, (pn->nsecrets + 1) * sizeof(char *));
		pn->secrets[pn->nsecrets++] = xstrdup(cfg->bearer_token);
		char *a = xasprintf("Authorization: Bearer %s", cfg->bearer_token);
		h = poller_slist_add(h, a);
		memset(a, 0, strlen(a));
		free(a);
	}
	pn->headers = h;

	endpoint_init(&pn->health, pn, PROBE_HEALTH, "/health", cfg->health_max_bytes ? cfg->health_max_bytes : 1u << 20);
	endpoint_init(&pn->metrics, pn, PROBE_METRICS, "/metrics", cfg->metrics_max_bytes ? cfg->metrics_max_bytes : 16u << 20);
	endpoint_init(&pn->discovery, pn, PROBE_DISCOVERY, "/discovery", 1u << 20);
	pn->metrics.cap = pn->cfg.metrics_max_bytes = cfg->metrics_max_bytes ? cfg->metrics_max_bytes : 16u << 20;

	pn->due_hr = POLLER_UNSCHEDULED;
	pn->health_ival_ns = (uint64_t)poller_health_interval(&pn->cfg) * 1000000ull;
	return pn;
}

/* Ends the node's transfers, takes it out of its shard and puts it on the
 * list of nodes to free (a result callback of its own may be on the stack). */
static void pnode_destroy(pnode_t *pn)
{
	poller_t *p = pn->p;
	endpoint_fini(p, &pn->health);
	endpoint_fini(p, &pn->metrics);
	endpoint_fini(p, &pn->discovery);
	for (size_t i = 0; i < pn->nplugins; i++)
		endpoint_fini(p, &pn->plugins[i]);
	free(pn->plugins);
	pn->plugins = NULL;
	pn->nplugins = 0;
	curl_slist_free_all(pn->headers);
	pn->headers = NULL;
	for (size_t i = 0; i < pn->nsecrets; i++) {
		memset(pn->secrets[i], 0, strlen(pn->secrets[i]));
		free(pn->secrets[i]);
	}
	free(pn->secrets);
	pn->secrets = NULL;
	pn->nsecrets = 0;
	free(pn->url);
	free(pn->name);
	free(pn->ca_file);
	free(pn->cert_file);
	free(pn->key_file);
	pn->url = pn->name = pn->ca_file = pn->cert_file = pn->key_file = NULL;
	shard_t *s = pn->shard;
	for (size_t i = 0; i < s->n; i++)
		if (s->nodes[i] == pn) {
			s->nodes[i] = s->nodes[--s->n];
			break;
		}
	pn->shard = NULL;
	pn->next_dead = p->dead;
	p->dead = pn;
}

static void poller_reap(poller_t *p)
{
	while (p->dead) {
		pnode_t *pn = p->dead;
		p->dead = pn->next_dead;
		free(pn);
	}
}

/* ---------------------------------------------------------------- shards */

/* Keeps one idle connection per endpoint between polls: libcurl's default
 * cache (4 x the transfers in flight) would close them, and every poll would
 * pay for a new TCP (and TLS) handshake. */
static void shard_size_cache(shard_t *s)
{
	CURLM_MUST(curl_multi_setopt(curluv_multi(s->cu), CURLMOPT_MAXCONNECTS, (long)(s->n * 3 + 16)));
}

static void poller_handle_closed(poller_t *p)
{
	p->closing--;
	if (p->free_when_closed && p->closing == 0)
		poller_free(p);
}

static void shard_timer_closed(uv_handle_t *h)
{
	shard_t *s = h->data;
	poller_handle_closed(s->p);
}

static void poller_timer_closed(uv_handle_t *h)
{
	poller_handle_closed(h->data);
}

static shard_t *shard_new(poller_t *p, double phase)
{
	shard_t *s = xcalloc(1, sizeof(*s));
	s->cu = curluv_new(p->loop, shard_on_done, s);
	if (!s->cu) {
		free(s);
		return NULL;
	}
	curluv_on_fail(s->cu, shard_on_fail);
	s->p = p;
	s->phase = phase;
	UV_MUST(uv_timer_init(p->loop, &s->sched));
	s->sched.data = s;
	p->shards = xrealloc(p->shards, (p->nshards + 1) * sizeof(*p->shards));
	p->shards[p->nshards++] = s;
	return s;
}

static void shard_add(shard_t *s, pnode_t *pn)
{
	if (s->n == s->cap)
		s->nodes = xgrow(s->nodes, &s->cap, s->n + 1, sizeof(*s->nodes));
	s->nodes[s->n++] = pn;
	pn->shard = s;
	shard_size_cache(s);
}

static void shard_each_endpoint(shard_t *s, void (*fn)(shard_t *, endpoint_t *, const char *), const char *why)
{
	for (size_t i = 0; i < s->n; i++) {
		pnode_t *pn = s->nodes[i];
		fn(s, &pn->health, why);
		fn(s, &pn->metrics, why);
		fn(s, &pn->discovery, why);
		for (size_t k = 0; k < pn->nplugins; k++)
			fn(s, &pn->plugins[k], why);
	}
}

/* The shard for a node added by a reload: the emptiest one with room, else a
 * new one whose phase continues the golden-ratio sequence (evenly spread for
 * any count). NULL only when libcurl cannot make a multi handle. */
static shard_t *poller_pick_shard(poller_t *p)
{
	shard_t *best = NULL;
	for (size_t i = 0; i < p->nshards; i++)
		if (p->shards[i]->n < POLLER_SHARD_NODES && (!best || p->shards[i]->n < best->n))
			best = p->shards[i];
	if (best)
		return best;
	double phase = (double)p->nshards * 0.6180339887498949;
	return shard_new(p, phase - (double)(long)phase);
}

/* ---------------------------------------------------------------- public */

poller_t *poller_new(uv_loop_t *loop, const node_cfg_t *cfg, size_t n, poller_result_fn fn, void *ud)
{
	poller_t *p = xcalloc(1, sizeof(*p));
	p->loop = loop;
	p->fn = fn;
	p->ud = ud;
	UV_MUST(uv_timer_init(loop, &p->fail_timer));
	p->fail_timer.data = p;
	/* Nodes go round-robin into ceil(n / POLLER_SHARD_NODES) shards whose
	 * phases divide the interval evenly. */
	size_t ns = n ? (n + POLLER_SHARD_NODES - 1) / POLLER_SHARD_NODES : 1;
	for (size_t k = 0; k < ns; k++)
		if (!shard_new(p, (double)k / (double)ns)) {
			poller_free(p);     /* closes the shards made so far, then frees */
			return NULL;
		}
	p->n = n;
	p->nodes = n ? xcalloc(n, sizeof(*p->nodes)) : NULL;
	for (size_t i = 0; i < n; i++) {
		p->nodes[i] = pnode_new(p, i, &cfg[i]);
		shard_add(p->shards[i % ns], p->nodes[i]);
	}
	return p;
}

/* The first round: at the shard's phase of the interval, or now (spread = false). */
static void pnode_schedule_first(pnode_t *pn, bool spread)
{
	uint64_t now = uv_hrtime();
	uint64_t offset = 0;
	if (spread && pn->cfg.interval_ms > 1)
		offset = (uint64_t)(pn->shard->phase * (double)pn->cfg.interval_ms) * 1000000ull;
	pn->due_hr = now + offset;
}

void poller_start(poller_t *p, bool spread)
{
	for (size_t i = 0; i < p->n; i++)
		pnode_schedule_first(p->nodes[i], spread);
	for (size_t k = 0; k < p->nshards; k++)
		shard_arm(p->shards[k]);
}

void poller_set_nodes(poller_t *p, const node_cfg_t *cfg, size_t n)
{
	pnode_t **old = p->nodes;
	size_t nold = p->n;
	pnode_t **nodes = n ? xcalloc(n, sizeof(*nodes)) : NULL;
	for (size_t i = 0; i < n; i++) {
		/* An unchanged node keeps its schedule, shard and connections. */
		for (size_t j = 0; j < nold; j++) {
			pnode_t *o = old[j];
			if (!o || strcmp(o->name, cfg[i].name) != 0 || strcmp(o->url, cfg[i].url) != 0)
				continue;
			if (o->cfg.interval_ms != cfg[i].interval_ms || o->cfg.timeout_ms != cfg[i].timeout_ms ||
			    o->cfg.health_interval_ms != cfg[i].health_interval_ms ||
			    o->cfg.metrics != cfg[i].metrics || o->cfg.insecure != cfg[i].insecure ||
			    cfg[i].nheaders || cfg[i].bearer_token || cfg[i].ca_file || cfg[i].cert_file)
				continue;  /* changed (or carries secrets/TLS we do not compare): rebuilt */
			nodes[i] = o;
			o->idx = i;
			old[j] = NULL;
			break;
		}
	}
	/* The old ones go first, so that their places in the shards are free. */
	for (size_t j = 0; j < nold; j++)
		if (old[j])
			pnode_destroy(old[j]);
	free(old);
	for (size_t i = 0; i < n; i++) {
		if (nodes[i])
			continue;
		nodes[i] = pnode_new(p, i, &cfg[i]);
		shard_t *s = poller_pick_shard(p);
		shard_add(s ? s : p->shards[0], nodes[i]);
		pnode_schedule_first(nodes[i], true);
	}
	p->nodes = nodes;
	p->n = n;
	for (size_t k = 0; k < p->nshards; k++) {
		shard_size_cache(p->shards[k]);
		shard_arm(p->shards[k]);
	}
}

int64_t poller_health_interval(const node_cfg_t *cfg)
{
	int64_t iv = cfg->interval_ms > 0 ? cfg->interval_ms : 5000;
	if (cfg->health_interval_ms > 0)
		return cfg->health_interval_ms > iv ? cfg->health_interval_ms : iv;
	if (!cfg->metrics)
		return iv;
	return iv > POLLER_HEALTH_AUTO_MS ? iv : POLLER_HEALTH_AUTO_MS;
}

void poller_health_settled(poller_t *p, size_t i, bool settled)
{
	if (i < p->n)
		p->nodes[i]->health_settled = settled;
}

void poller_poll_health(poller_t *p, size_t i)
{
	if (i < p->n && !p->stopped) {
		p->nodes[i]->health_settled = false;
		pnode_health_now(p->nodes[i]);
	}
}

unsigned long poller_rounds(const poller_t *p, size_t i)
{
	return i < p->n ? p->nodes[i]->rounds : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

void poller_lateness(const poller_t *p, double *p50, double *p99, double *max, unsigned long *count)
{
	*p50 = *p99 = 0;
	*max = p->late_max;
	*count = p->late_count;
	if (!p->late_n)
		return;
	double *c = xmalloc(p->late_n * sizeof(double));
	memcpy(c, p->late, p->late_n * sizeof(double));
	qsort(c, p->late_n, sizeof(double), cmp_double);
	*p50 = c[p->late_n / 2];
	*p99 = c[(size_t)((double)(p->late_n - 1) * 0.99)];
	free(c);
}

void poller_stop(poller_t *p)
{
	if (p->stopped)
		return;
	p->stopped = true;
	for (size_t i = 0; i < p->n; i++)
		pnode_destroy(p->nodes[i]);
	free(p->nodes);
	p->nodes = NULL;
	p->n = 0;
	for (size_t k = 0; k < p->nshards; k++) {
		curluv_free(p->shards[k]->cu);    /* cleans up the multi handle, closes its handles */
		p->shards[k]->cu = NULL;
	}
	UV_MUST(uv_timer_stop(&p->fail_timer));
	p->closing++;
	uv_close((uv_handle_t *)&p->fail_timer, poller_timer_closed);
	for (size_t k = 0; k < p->nshards; k++) {
		shard_t *s = p->shards[k];
		UV_MUST(uv_timer_stop(&s->sched));
		p->closing++;
		uv_close((uv_handle_t *)&s->sched, shard_timer_closed);
	}
}

void poller_free(poller_t *p)
{
	if (!p)
		return;
	if (!p->stopped)
		poller_stop(p);
	if (p->closing > 0) {
		p->free_when_closed = true;  /* freed by the last close callback */
		return;
	}
	poller_reap(p);
	for (size_t k = 0; k < p->nshards; k++) {
		free(p->shards[k]->nodes);
		free(p->shards[k]);
	}
	free(p->shards);
	for (size_t i = 0; i < p->npool; i++)
		strbuf_free(&p->pool[i]);
	free(p->late);
	free(p);
}
