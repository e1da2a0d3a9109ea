/* rpcprobe.c - the one glue module for Ethereum JSON-RPC: HTTP(S) batches through a libcurl
 * multi handle and newHeads subscriptions through libwebsockets, both on the caller's libuv loop. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <netdb.h>

#include <libwebsockets.h>

#include "curluv.h"
#include "rpcprobe.h"
#include "strbuf.h"
#include "xalloc.h"

#define RPCPROBE_DEFAULT_INTERVAL_MS 5000
#define RPCPROBE_DEFAULT_TIMEOUT_MS 5000
#define RPCPROBE_BACKOFF_MIN_MS 500       /* first reconnect; doubles per failure */
#define RPCPROBE_BACKOFF_MAX_MS 30000
#define RPCPROBE_REAP_MS 5                /* close: how often to look whether lws has left */
#define RPCPROBE_STABLE_MS 10000          /* a subscription this old resets the back-off */

typedef struct endpoint endpoint_t;

struct endpoint {
	rpcprobe_t *rp;
	size_t idx;
	char *name, *http_url, *ws_url, *ca_file, *bearer;
	char **secrets;                 /* URL tails, header values, bearer: scrubbed from errors */
	size_t nsecrets;
	struct curl_slist *headers;     /* HTTP request headers */
	char **ws_headers;              /* "Name:" and value pairs for the WebSocket handshake */
	size_t nws_headers;
	bool insecure;
	int64_t interval_ms, timeout_ms, ws_idle_ms;
	rpcprobe_view_t v;
	uint64_t last_head;             /* for head_rise_ms */

	/* HTTP */
	CURL *easy;
	bool busy;
	strbuf_t body;
	bool overflow;
	char errbuf[CURL_ERROR_SIZE];
	uv_timer_t sched;

	/* WebSocket */
	struct lws *wsi;
	struct lws_vhost *vh;           /* the vhost of its CA file (TLS client context) */
	char *ws_host, *ws_path, *ws_origin;
	char ws_addr[64];               /* ws_host resolved (lws 4.1 would block in getaddrinfo) */
	uv_getaddrinfo_t gai;
	bool resolving;
	int ws_port;
	bool ws_tls;
	bool sub_sent;
	unsigned ws_gen;                /* bumped each time a connection is lost */
	strbuf_t wsbuf;
	bool ws_overflow;
	int64_t ws_msg_ms;              /* last message of any kind */
	uv_timer_t ws_timer;            /* back-off, then the idle watchdog */
};

struct rpcprobe {
	uv_loop_t *loop;
	CURLM *multi;
	bool drive;
	rpcprobe_event_fn fn;
	void *ud;
	endpoint_t **eps;
	size_t n, cap;
	curluv_t *cu;                   /* when driving the multi */
	struct lws_context *lws;
	bool started, closing;
	int open_handles;               /* our uv handles not yet closed */
	uv_timer_t reaper;              /* close: waits for lws to leave the loop */
	int quiet;                      /* reaper passes with no handle closing */
};

static void ws_connect(endpoint_t *ep);

/* ---------------------------------------------------------------- helpers */

static void rpcprobe_seterr(char *err, size_t errlen, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
}

static void rpcprobe_notify(endpoint_t *ep, rpcprobe_event_t ev)
{
	if (ep->rp->fn && !ep->rp->closing)
		ep->rp->fn(ep->rp->ud, ep->idx, ev);
}

static void ep_add_secret(endpoint_t *ep, const char *s)
{
	if (!s || strlen(s) < 4)
		return;                 /* too short to scrub without eating plain words */
	ep->secrets = xrealloc(ep->secrets, (ep->nsecrets + 1) * sizeof(char *));
	ep->secrets[ep->nsecrets++] = xstrdup(s);
}

/* Replaces every secret in text (in place) with "…" (3 bytes: never longer
 * than a secret, which has at least 4). */
static void ep_scrub(const endpoint_t *ep, char *text)
{
	for (size_t i = 0; i < ep->nsecrets; i++) {
		size_t sl = strlen(ep->secrets[i]);
		char *hit;
		while ((hit = strstr(text, ep->secrets[i])) != NULL) {
			static const char dots[] = "…";
			size_t tail = strlen(hit + sl);
			memmove(hit + sizeof dots - 1, hit + sl, tail + 1);
			memcpy(hit, dots, sizeof dots - 1);
		}
	}
}

/* The part of a URL after scheme://host[:port], for scrubbing ("" when none). */
static const char *url_tail(const char *url)
{
	const char *p = strstr(url, "://");
	if (!p)
		return "";
	p += 3;
	p += strcspn(p, "/?#");
	return p;
}

static bool has_scheme(const char *url, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	return strncasecmp(url, a, la) == 0 || strncasecmp(url, b, lb) == 0;
}

static uint64_t ep_best(const endpoint_t *ep)
{
	uint64_t h = ep->v.http_ok ? ep->v.st.head : 0;
	return ep->v.ws_head > h ? ep->v.ws_head : h;
}

/* Notes when the endpoint's head rose. A failed batch (head unknown) is not
 * a change: the stall clock keeps running through an outage. A lower head
 * (a restarted node, a provider's other backend) is a new start. */
static void ep_head_seen(endpoint_t *ep)
{
	uint64_t h = ep_best(ep);
	if (h == 0)
		return;
	if (h > ep->last_head)
		ep->v.head_rise_ms = (int64_t)uv_now(ep->rp->loop);
	ep->last_head = h;
}

/* ---------------------------------------------------------------- curl <-> uv */

static void ep_batch_done(endpoint_t *ep, CURLcode rc);
static void ep_batch_failed(endpoint_t *ep, const char *why);

/* The endpoint whose batch easy is, or NULL. */
static endpoint_t *ep_of_transfer(const rpcprobe_t *rp, const CURL *easy)
{
	for (size_t i = 0; i < rp->n; i++)
		if (rp->eps[i]->easy == easy && rp->eps[i]->busy)
			return rp->eps[i];
	return NULL;
}

/* curluv (driving the multi): a batch finished, out of the multi handle. */
static void rp_on_done(void *ud, CURL *easy, CURLcode rc, CURLMcode removed)
{
	endpoint_t *ep = ep_of_transfer(ud, easy);
	/* removed fails only for a handle not in the multi: the next
	 * curl_multi_add_handle would say so, as that batch's error */
	(void)removed;
	if (!ep)
		return;
	ep->busy = false;
	ep_batch_done(ep, rc);
}

/* curluv: libuv could not watch a connection (libcurl fails the batch: the
 * text goes to its error buffer), or libcurl failed (every batch in flight
 * is taken out and fails with the text). */
static void rp_on_fail(void *ud, curluv_fail_t kind, const char *why)
{
	rpcprobe_t *rp = ud;
	for (size_t i = 0; i < rp->n; i++) {
		endpoint_t *ep = rp->eps[i];
		if (!ep->busy)
			continue;
		if (kind == CURLUV_FAIL_NOTE) {
			if (!ep->errbuf[0])
				snprintf(ep->errbuf, sizeof ep->errbuf, "%s", why);
			continue;
		}
		(void)curluv_remove(rp->cu, ep->easy);   /* out of the multi, or never in it */
		ep->busy = false;
		ep_batch_failed(ep, why);
	}
}

/* ---------------------------------------------------------------- HTTP batches */

static size_t ep_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
	endpoint_t *ep = ud;
	size_t n = size * nmemb;
	if (ep->body.len + n > JSONRPC_MAX_BODY) {
		ep->overflow = true;
		return 0;               /* aborts the transfer: CURLE_WRITE_ERROR */
	}
	strbuf_append(&ep->body, ptr, n);
	return n;
}

/* A specific text for a failed transfer (secrets scrubbed by the caller). */
static void ep_curl_error(endpoint_t *ep, CURLcode rc, char *out, size_t n)
{
	long oserr = 0;
	curl_off_t got = 0;
	double conn_t = 0;
	const char *detail = ep->errbuf[0] ? ep->errbuf : curl_easy_strerror(rc);
	curl_easy_getinfo(ep->easy, CURLINFO_OS_ERRNO, &oserr);
	curl_easy_getinfo(ep->easy, CURLINFO_SIZE_DOWNLOAD_T, &got);
	switch (rc) {
	case CURLE_WRITE_ERROR:
		if (ep->overflow) {
			snprintf(out, n, "body larger than %u bytes (limit)", JSONRPC_MAX_BODY);
			return;
		}
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		snprintf(out, n, "cannot resolve host name");
		return;
	case CURLE_COULDNT_CONNECT:
		if (oserr == ECONNREFUSED)
			snprintf(out, n, "connection refused");
		else
			snprintf(out, n, "cannot connect: %.150s", oserr ? strerror((int)oserr) : detail);
		return;
	case CURLE_OPERATION_TIMEDOUT:
		curl_easy_getinfo(ep->easy, CURLINFO_CONNECT_TIME, &conn_t);
		if (conn_t <= 0)
			snprintf(out, n, "connect timed out after %lld ms", (long long)ep->timeout_ms);
		else
			snprintf(out, n, "timed out after %lld ms (%lld bytes received)",
			         (long long)ep->timeout_ms, (long long)got);
		return;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
		snprintf(out, n, "TLS: %.150s", detail);
		return;
	case CURLE_GOT_NOTHING:
		snprintf(out, n, "empty reply from server");
		return;
	case CURLE_RECV_ERROR:
		snprintf(out, n, "connection reset while receiving (%lld bytes received)", (long long)got);
		return;
	default:
		break;
	}
	snprintf(out, n, "%.150s", detail);
}

static int ep_http_setup(endpoint_t *ep, const rpc_endpoint_cfg_t *cfg, char *err, size_t errlen)
{
	CURL *e = curl_easy_init();
	if (!e) {
		rpcprobe_seterr(err, errlen, "curl_easy_init failed");
		return -1;
	}
	ep->easy = e;
	ep->headers = curl_slist_append(NULL, "Content-Type: application/json");
	ep->headers = curl_slist_append(ep->headers, "Accept: application/json");
	ep->headers = curl_slist_append(ep->headers, "Expect:");
	if (ep->bearer) {
		char *h = xasprintf("Authorization: Bearer %s", ep->bearer);
		ep->headers = curl_slist_append(ep->headers, h);
		free(h);
	}
	for (size_t i = 0; i < cfg->nheaders; i++)
		ep->headers = curl_slist_append(ep->headers, cfg->headers[i]);
	curl_easy_setopt(e, CURLOPT_URL, ep->http_url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, jsonrpc_batch_body());
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(jsonrpc_batch_body()));
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, ep->headers);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "nodetop/" PACKAGE_VERSION);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)ep->timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)ep->timeout_ms);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, ep->errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, ep_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, ep);
	curl_easy_setopt(e, CURLOPT_PRIVATE, ep);
	if (ep->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, ep->ca_file);
	if (ep->insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	return 0;
}

static void ep_batch_start(endpoint_t *ep)
{
	rpcprobe_t *rp = ep->rp;
	if (ep->busy || rp->closing)
		return;                 /* one batch in flight per endpoint */
	strbuf_reset(&ep->body);
	ep->overflow = false;
	ep->errbuf[0] = '\0';
	CURLMcode mc = curl_multi_add_handle(rp->multi, ep->easy);
	if (mc != CURLM_OK) {
		ep->v.http_done = true;
		ep->v.http_ok = false;
		snprintf(ep->v.http_error, sizeof ep->v.http_error, "curl_multi_add_handle: %s",
		         curl_multi_strerror(mc));
		rpcprobe_notify(ep, RPCPROBE_EV_BATCH);
		return;
	}
	ep->busy = true;
}

static void on_sched(uv_timer_t *t)
{
	ep_batch_start(t->data);
}

/* Judges the finished batch's answer into the view. */
static void ep_batch_done(endpoint_t *ep, CURLcode rc)
{
	long status = 0;
	double total = 0;
	char e[200];
	curl_easy_getinfo(ep->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(ep->easy, CURLINFO_TOTAL_TIME, &total);
	ep->v.batches++;
	ep->v.http_done = true;
	ep->v.latency_ms = total * 1000.0;
	e[0] = '\0';
	if (rc != CURLE_OK)
		ep_curl_error(ep, rc, e, sizeof e);
	else {
		jsonrpc_status_t st;
		char perr[160];
		int prc = jsonrpc_parse_batch(ep->body.data, ep->body.len, &st, perr, sizeof perr);
		if (status != 200) {
			if (prc != 0 && strncmp(perr, "batch rejected: ", 16) == 0)
				snprintf(e, sizeof e, "HTTP %ld: %s", status, perr + 16);
			else
				snprintf(e, sizeof e, "HTTP %ld", status);
		} else if (prc != 0)
			snprintf(e, sizeof e, "%s", perr);
		else {
			ep->v.st = st;
			ep->v.http_ok = true;
			ep->v.http_error[0] = '\0';
			ep_head_seen(ep);
			rpcprobe_notify(ep, RPCPROBE_EV_BATCH);
			return;
		}
	}
	ep_batch_failed(ep, e);
}

/* The batch failed (why: scrubbed of the endpoint's secrets here). */
static void ep_batch_failed(endpoint_t *ep, const char *why)
{
	char e[200];
	snprintf(e, sizeof e, "%s", why);
	ep_scrub(ep, e);
	ep->v.http_done = true;
	ep->v.http_ok = false;
	snprintf(ep->v.http_error, sizeof ep->v.http_error, "%s", e);
	rpcprobe_notify(ep, RPCPROBE_EV_BATCH);
}

bool rpcprobe_transfer_done(rpcprobe_t *rp, CURL *easy, CURLcode rc)
{
	endpoint_t *ep = ep_of_transfer(rp, easy);
	if (!ep)
		return false;
	CURLMcode mc = curl_multi_remove_handle(rp->multi, easy);
	(void)mc;               /* cannot fail for a handle of this multi */
	ep->busy = false;
	ep_batch_done(ep, rc);
	return true;
}

/* ---------------------------------------------------------------- WebSocket */

static void ws_set_state(endpoint_t *ep, rpc_ws_state_t s)
{
	ep->v.ws_state = s;
	rpcprobe_notify(ep, RPCPROBE_EV_WS_STATE);
}

static void on_ws_timer(uv_timer_t *t);

/* The connection is gone: wait, then try again (back-off doubles per failure). */
static void ws_lost(endpoint_t *ep, const char *why)
{
	rpcprobe_t *rp = ep->rp;
	/* The back-off starts over only after a subscription that lasted: a
	 * server that accepts and hangs up at once is not retried twice a second. */
	if (ep->v.ws_up_ms >= 0 && (int64_t)uv_now(rp->loop) - ep->v.ws_up_ms >= RPCPROBE_STABLE_MS)
		ep->v.ws_attempts = 0;
	ep->ws_gen++;
	ep->wsi = NULL;
	ep->sub_sent = false;
	ep->v.ws_up_ms = -1;
	strbuf_reset(&ep->wsbuf);
	if (why && *why) {
		snprintf(ep->v.ws_error, sizeof ep->v.ws_error, "%s", why);
		ep_scrub(ep, ep->v.ws_error);
	}
	if (rp->closing)
		return;
	uint64_t delay = RPCPROBE_BACKOFF_MIN_MS;
	for (unsigned i = 0; i < ep->v.ws_attempts && delay < RPCPROBE_BACKOFF_MAX_MS; i++)
		delay *= 2;
	if (delay > RPCPROBE_BACKOFF_MAX_MS)
		delay = RPCPROBE_BACKOFF_MAX_MS;
	ep->v.ws_attempts++;
	uv_timer_start(&ep->ws_timer, on_ws_timer, delay, 0);
	ws_set_state(ep, RPC_WS_RECONNECTING);
}

/* Gives up on the current connection: lws closes it in its own time (a
 * silent peer may hold a close handshake for seconds), its late callbacks
 * no longer match ep->wsi, and the next attempt starts after the back-off. */
static void ws_abandon(endpoint_t *ep, const char *why)
{
	if (ep->wsi)
		lws_set_timeout(ep->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	ws_lost(ep, why);
}

static void on_ws_timer(uv_timer_t *t)
{
	endpoint_t *ep = t->data;
	if (ep->rp->closing)
		return;
	if (!ep->wsi) {
		ws_connect(ep);
		return;
	}
	/* The idle watchdog: an open connection that says nothing is dropped. */
	int64_t now = (int64_t)uv_now(ep->rp->loop);
	if (ep->ws_idle_ms > 0 && now - ep->ws_msg_ms >= ep->ws_idle_ms) {
		char why[64];
		snprintf(why, sizeof why, "silent for %lld ms: dropped", (long long)(now - ep->ws_msg_ms));
		ep->v.ws_silent = true;
		ws_abandon(ep, why);
		return;
	}
	if (ep->ws_idle_ms > 0)
		uv_timer_start(&ep->ws_timer, on_ws_timer, (uint64_t)(ep->ws_idle_ms - (now - ep->ws_msg_ms)), 0);
}

static void ws_message(endpoint_t *ep)
{
	jsonrpc_ws_msg_t m;
	char e[160];
	if (jsonrpc_parse_ws(ep->wsbuf.data, ep->wsbuf.len, &m, e, sizeof e) != 0) {
		snprintf(ep->v.ws_error, sizeof ep->v.ws_error, "bad message: %.120s", e);
		strbuf_reset(&ep->wsbuf);
		return;                 /* one bad message is not a reason to drop heads */
	}
	strbuf_reset(&ep->wsbuf);
	switch (m.kind) {
	case JSONRPC_WS_SUBSCRIBED:
		ep->v.ws_up_ms = (int64_t)uv_now(ep->rp->loop);
		ep->v.ws_error[0] = '\0';
		ep->v.ws_silent = false;
		ws_set_state(ep, RPC_WS_SUBSCRIBED);
		break;
	case JSONRPC_WS_HEAD:
		ep->v.ws_head = m.head;
		ep->v.ws_head_ms = (int64_t)uv_now(ep->rp->loop);
		ep->v.ws_heads++;
		ep_head_seen(ep);
		rpcprobe_notify(ep, RPCPROBE_EV_WS_HEAD);
		break;
	case JSONRPC_WS_ERROR: {
		char why[128];
		snprintf(why, sizeof why, "eth_subscribe: %s", m.error);
		ws_abandon(ep, why);
		break;
	}
	default:
		break;
	}
}

/* libwebsockets 4.1 on libuv leaks the uv_poll_t it watches a client socket
 * with when the connect fails in its connect code (connect() fails at once,
 * its completion reports an error, or its timeout fires): that code closes
 * the socket and marks it invalid, and its libuv close then skips the
 * watcher of a wsi whose socket is invalid, so the handle stays in our loop,
 * stopped, never closed nor freed (160 bytes per failed attempt; 4.1.6's lib/roles/http/client/client-handshake.c at
 * "try_next_result_closesock", lib/event-libs/libuv/libuv.c at
 * elops_wsi_logical_close_uv). Called on WSI_DESTROY, the last callback
 * before lws frees the wsi, after its last uv_poll_stop on that handle: a
 * poll handle of this wsi that is not closing while the wsi has no socket is
 * such an orphan, and is closed here (lws allocated it with plain malloc: no
 * allocator is set; uv_close's epoll removal of the old fd number repeats
 * the uv_poll_stop lws has just made). A wsi whose socket was open has had
 * its handle closed by lws itself (WSI_DESTROY then comes from that handle's
 * close callback, after libuv took the handle out of the loop). */
static void ws_orphan_closed(uv_handle_t *h)
{
	free(h);
}

static void ws_orphan_find(uv_handle_t *h, void *arg)
{
	if (uv_handle_get_type(h) == UV_POLL && h->data == arg && !uv_is_closing(h))
		uv_close(h, ws_orphan_closed);
}

static void ws_reap_watcher(struct lws *wsi)
{
	const rpcprobe_t *rp = lws_context_user(lws_get_context(wsi));
	if (rp && lws_get_socket_fd(wsi) < 0)
		uv_walk(rp->loop, ws_orphan_find, wsi);
}

static int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	endpoint_t *ep = user;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
		unsigned char **p = in, *end = *p + len;
		if (!ep || ep->wsi != wsi)
			break;
		if (ep->bearer) {
			char *h = xasprintf("Bearer %s", ep->bearer);
			int rc = lws_add_http_header_by_name(wsi, (const unsigned char *)"authorization:",
			                                     (const unsigned char *)h, (int)strlen(h), p, end);
			free(h);
			if (rc)
				return -1;
		}
		for (size_t i = 0; i + 1 < ep->nws_headers; i += 2)
			if (lws_add_http_header_by_name(wsi, (const unsigned char *)ep->ws_headers[i],
			                                (const unsigned char *)ep->ws_headers[i + 1],
			                                (int)strlen(ep->ws_headers[i + 1]), p, end))
				return -1;
		break;
	}
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (!ep || ep->wsi != wsi)
			break;
		ep->v.ws_connects++;
		ep->ws_msg_ms = (int64_t)uv_now(ep->rp->loop);
		lws_callback_on_writable(wsi);
		if (ep->ws_idle_ms > 0)
			uv_timer_start(&ep->ws_timer, on_ws_timer, (uint64_t)ep->ws_idle_ms, 0);
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE: {
		if (!ep || ep->wsi != wsi || ep->sub_sent)
			break;
		const char *body = jsonrpc_subscribe_body();
		size_t n = strlen(body);
		unsigned char buf[LWS_PRE + 128];
		memcpy(buf + LWS_PRE, body, n);
		if (lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT) < (int)n)
			return -1;
		ep->sub_sent = true;
		break;
	}
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (!ep || ep->wsi != wsi)
			break;
		ep->ws_msg_ms = (int64_t)uv_now(ep->rp->loop);
		if (lws_frame_is_binary(wsi))
			break;
		if (ep->wsbuf.len + len > JSONRPC_MAX_WS_MESSAGE) {
			snprintf(ep->v.ws_error, sizeof ep->v.ws_error,
			         "message larger than %u bytes (limit)", JSONRPC_MAX_WS_MESSAGE);
			strbuf_reset(&ep->wsbuf);
			return -1;          /* closes: the next connection starts clean */
		}
		strbuf_append(&ep->wsbuf, in, len);
		if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0)
			ws_message(ep);
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (!ep || ep->wsi != wsi)
			break;
		{
			char why[160];
			const char *t = in ? (const char *)in : "connection failed";
			snprintf(why, sizeof why, "%s%.120s", strstr(t, "SSL") ? "TLS handshake failed: " : "", t);
			/* lws texts are its own, but may quote the server: keep them printable. */
			for (char *q = why; *q; q++)
				if ((unsigned char)*q < 0x20 || (unsigned char)*q == 0x7f)
					*q = '?';
			ws_lost(ep, why);
		}
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (!ep || ep->wsi != wsi)
			break;
		ws_lost(ep, ep->v.ws_error[0] ? ep->v.ws_error : "closed by the server");
		break;
	case LWS_CALLBACK_WSI_DESTROY:
		ws_reap_watcher(wsi);
		if (ep && ep->wsi == wsi)
			ws_lost(ep, "connection closed");
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols ws_protocols[] = {
	{ "nodetop-rpc", ws_callback, 0, 4096, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

static void ws_connect_addr(endpoint_t *ep)
{
	struct lws_client_connect_info ci;
	memset(&ci, 0, sizeof ci);
	ci.context = ep->rp->lws;
	ci.address = ep->ws_addr;       /* numeric: no name lookup inside lws */
	ci.port = ep->ws_port;
	ci.path = ep->ws_path;
	ci.host = ep->ws_host;          /* Host header, SNI and the certificate's name */
	ci.origin = ep->ws_origin;
	ci.local_protocol_name = ws_protocols[0].name;
	ci.vhost = ep->vh;
	ci.userdata = ep;
	ci.pwsi = &ep->wsi;
	if (ep->ws_tls) {
		ci.ssl_connection = LCCSCF_USE_SSL;
		if (ep->insecure)
			ci.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
			                     LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
	}
	ep->wsi = NULL;
	unsigned gen = ep->ws_gen;
	struct lws *w = lws_client_connect_via_info(&ci);
	if (ep->ws_gen != gen)
		ep->wsi = NULL;         /* failed inside the call: ws_lost already ran */
	else if (!w) {
		ep->wsi = NULL;
		ws_lost(ep, "cannot start the connection");
	} else
		ep->wsi = w;
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	endpoint_t *ep = req->data;
	ep->resolving = false;
	if (status == 0 && res) {
		/* IPv4 first: "localhost" servers often listen on 127.0.0.1 alone
		 * (lws 4.1 tries the one address it is given). */
		const struct addrinfo *pick = res;
		for (const struct addrinfo *a = res; a; a = a->ai_next)
			if (a->ai_family == AF_INET) {
				pick = a;
				break;
			}
		status = uv_ip_name(pick->ai_addr, ep->ws_addr, sizeof ep->ws_addr);
	}
	if (res)
		uv_freeaddrinfo(res);
	if (ep->rp->closing)
		return;
	if (status != 0) {
		char why[96];
		snprintf(why, sizeof why, "cannot resolve host name (%s)", uv_strerror(status));
		ws_lost(ep, why);
		return;
	}
	ws_connect_addr(ep);
}

/* Connects, resolving the host name first on libuv's thread pool. */
static void ws_connect(endpoint_t *ep)
{
	struct in6_addr a6;
	struct in_addr a4;
	ep->sub_sent = false;
	strbuf_reset(&ep->wsbuf);
	if (ep->v.ws_state != RPC_WS_CONNECTING && ep->v.ws_state != RPC_WS_RECONNECTING)
		ws_set_state(ep, RPC_WS_CONNECTING);
	if (inet_pton(AF_INET, ep->ws_host, &a4) == 1 || inet_pton(AF_INET6, ep->ws_host, &a6) == 1) {
		snprintf(ep->ws_addr, sizeof ep->ws_addr, "%s", ep->ws_host);
		ws_connect_addr(ep);
		return;
	}
	struct addrinfo hints;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	ep->gai.data = ep;
	int rc = uv_getaddrinfo(ep->rp->loop, &ep->gai, on_resolved, ep->ws_host, NULL, &hints);
	if (rc != 0) {
		char why[96];
		snprintf(why, sizeof why, "cannot resolve host name (%s)", uv_strerror(rc));
		ws_lost(ep, why);
		return;
	}
	ep->resolving = true;
}

/* Splits a ws:// or wss:// URL into host, port and path. */
static int ws_parse_url(endpoint_t *ep, const char *url, char *err, size_t errlen)
{
	const char *p;
	ep->ws_tls = strncasecmp(url, "wss://", 6) == 0;
	p = url + (ep->ws_tls ? 6 : 5);
	size_t alen = strcspn(p, "/?#");
	const char *at = memchr(p, '@', alen);
	if (at) {
		rpcprobe_seterr(err, errlen, "ws_url: user:password@ is not supported (use headers)");
		return -1;
	}
	const char *colon = NULL;
	if (*p == '[') {
		const char *rb = memchr(p, ']', alen);
		if (!rb) {
			rpcprobe_seterr(err, errlen, "ws_url: bad IPv6 address");
			return -1;
		}
		ep->ws_host = xstrndup(p + 1, (size_t)(rb - p - 1));
		if (rb + 1 < p + alen && rb[1] == ':')
			colon = rb + 1;
	} else {
		colon = memchr(p, ':', alen);
		ep->ws_host = xstrndup(p, colon ? (size_t)(colon - p) : alen);
	}
	ep->ws_port = ep->ws_tls ? 443 : 80;
	if (colon) {
		char *end;
		long port = strtol(colon + 1, &end, 10);
		if (end != p + alen || port <= 0 || port > 65535) {
			rpcprobe_seterr(err, errlen, "ws_url: bad port");
			return -1;
		}
		ep->ws_port = (int)port;
	}
	if (!ep->ws_host[0]) {
		rpcprobe_seterr(err, errlen, "ws_url: no host");
		return -1;
	}
	const char *rest = p + alen;
	ep->ws_path = *rest == '/' ? xstrdup(rest) : xasprintf("/%s", rest);
	ep->ws_origin = xstrdup(ep->ws_host);
	return 0;
}

/* ---------------------------------------------------------------- endpoints */

rpcprobe_t *rpcprobe_new(uv_loop_t *loop, CURLM *multi, unsigned flags, rpcprobe_event_fn fn, void *ud)
{
	rpcprobe_t *rp = xcalloc(1, sizeof *rp);
	rp->loop = loop;
	rp->multi = multi;
	rp->drive = (flags & RPCPROBE_DRIVE_MULTI) != 0;
	rp->fn = fn;
	rp->ud = ud;
	if (rp->drive) {
		rp->cu = curluv_attach(loop, multi, rp_on_done, rp);
		if (!rp->cu) {
			free(rp);
			return NULL;
		}
		curluv_on_fail(rp->cu, rp_on_fail);
	}
	uv_timer_init(loop, &rp->reaper);
	rp->reaper.data = rp;
	rp->open_handles += 1;
	return rp;
}

size_t rpcprobe_count(const rpcprobe_t *rp)
{
	return rp->n;
}

static void ep_free(endpoint_t *ep)
{
	if (ep->easy)
		curl_easy_cleanup(ep->easy);
	curl_slist_free_all(ep->headers);
	for (size_t i = 0; i < ep->nsecrets; i++)
		free(ep->secrets[i]);
	free(ep->secrets);
	for (size_t i = 0; i < ep->nws_headers; i++)
		free(ep->ws_headers[i]);
	free(ep->ws_headers);
	strbuf_free(&ep->body);
	strbuf_free(&ep->wsbuf);
	free(ep->name);
	free(ep->http_url);
	free(ep->ws_url);
	free(ep->ca_file);
	free(ep->bearer);
	free(ep->ws_host);
	free(ep->ws_path);
	free(ep->ws_origin);
	free(ep);
}

int rpcprobe_add(rpcprobe_t *rp, const rpc_endpoint_cfg_t *cfg, char *err, size_t errlen)
{
	if (rp->started) {
		rpcprobe_seterr(err, errlen, "endpoints are added before rpcprobe_start");
		return -1;
	}
	if (!cfg->http_url && !cfg->ws_url) {
		rpcprobe_seterr(err, errlen, "neither an HTTP nor a WebSocket URL");
		return -1;
	}
	if (cfg->http_url && !has_scheme(cfg->http_url, "http://", "https://")) {
		rpcprobe_seterr(err, errlen, "url: not an http:// or https:// URL");
		return -1;
	}
	if (cfg->ws_url && !has_scheme(cfg->ws_url, "ws://", "wss://")) {
		rpcprobe_seterr(err, errlen, "ws_url: not a ws:// or wss:// URL");
		return -1;
	}
	endpoint_t *ep = xcalloc(1, sizeof *ep);
	ep->rp = rp;
	ep->idx = rp->n;
	ep->name = xstrdup(cfg->name ? cfg->name : "rpc");
	ep->http_url = cfg->http_url ? xstrdup(cfg->http_url) : NULL;
	ep->ws_url = cfg->ws_url ? xstrdup(cfg->ws_url) : NULL;
	ep->ca_file = cfg->ca_file ? xstrdup(cfg->ca_file) : NULL;
	ep->bearer = cfg->bearer ? xstrdup(cfg->bearer) : NULL;
	ep->insecure = cfg->insecure;
	ep->interval_ms = cfg->interval_ms > 0 ? cfg->interval_ms : RPCPROBE_DEFAULT_INTERVAL_MS;
	ep->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : RPCPROBE_DEFAULT_TIMEOUT_MS;
	ep->ws_idle_ms = cfg->ws_idle_ms > 0 ? cfg->ws_idle_ms : cfg->ws_idle_ms < 0 ? 0 : RPCJUDGE_HEAD_STALL_MS;
	ep->v.ws_head_ms = -1;
	ep->v.ws_up_ms = -1;
	ep->v.head_rise_ms = -1;
	ep->v.has_http = cfg->http_url != NULL;
	ep->v.ws_state = cfg->ws_url ? RPC_WS_CONNECTING : RPC_WS_NONE;
	if (ep->http_url) {
		ep_add_secret(ep, url_tail(ep->http_url));
		jsonrpc_url_mask(ep->http_url, ep->v.url, sizeof ep->v.url);
	}
	if (ep->ws_url) {
		ep_add_secret(ep, url_tail(ep->ws_url));
		jsonrpc_url_mask(ep->ws_url, ep->v.ws_url, sizeof ep->v.ws_url);
	}
	ep_add_secret(ep, ep->bearer);
	for (size_t i = 0; i < cfg->nheaders; i++) {
		const char *h = cfg->headers[i], *colon = strchr(h, ':');
		if (!colon || colon == h) {
			rpcprobe_seterr(err, errlen, "headers: expected \"Name: value\"");
			ep_free(ep);
			return -1;
		}
		const char *val = colon + 1;
		while (*val == ' ' || *val == '\t')
			val++;
		ep->ws_headers = xrealloc(ep->ws_headers, (ep->nws_headers + 2) * sizeof(char *));
		ep->ws_headers[ep->nws_headers++] = xstrndup(h, (size_t)(colon - h) + 1); /* "Name:" */
		ep->ws_headers[ep->nws_headers++] = xstrdup(val);
		for (char *q = ep->ws_headers[ep->nws_headers - 2]; *q; q++)
			*q = (char)tolower((unsigned char)*q); /* lws wants lower case names */
		ep_add_secret(ep, val);
	}
	if (ep->ws_url && ws_parse_url(ep, ep->ws_url, err, errlen) != 0) {
		ep_free(ep);
		return -1;
	}
	if (ep->http_url && ep_http_setup(ep, cfg, err, errlen) != 0) {
		ep_free(ep);
		return -1;
	}
	uv_timer_init(rp->loop, &ep->sched);
	ep->sched.data = ep;
	uv_timer_init(rp->loop, &ep->ws_timer);
	ep->ws_timer.data = ep;
	rp->open_handles += 2;
	ep->v.name = ep->name;
	rp->eps = xgrow(rp->eps, &rp->cap, rp->n + 1, sizeof(endpoint_t *));
	rp->eps[rp->n++] = ep;
	return (int)ep->idx;
}

int rpcprobe_start(rpcprobe_t *rp, char *err, size_t errlen)
{
	bool want_ws = false;
	rp->started = true;
	for (size_t i = 0; i < rp->n; i++)
		want_ws |= rp->eps[i]->ws_url != NULL;
	if (want_ws) {
		struct lws_context_creation_info info;
		void *loops[1] = { rp->loop };
		/* lws writes its log to stderr, which the dashboard owns: errors
		 * reach the view through the connection callbacks instead. */
		lws_set_log_level(0, NULL);
		memset(&info, 0, sizeof info);
		info.port = CONTEXT_PORT_NO_LISTEN;
		info.protocols = ws_protocols;
		info.gid = -1;
		info.uid = -1;
		info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT |
		               LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
		info.foreign_loops = loops;
		info.pcontext = &rp->lws;
		info.user = rp;
		rp->lws = lws_create_context(&info);
		if (!rp->lws) {
			rpcprobe_seterr(err, errlen, "libwebsockets cannot join the libuv loop "
			                "(is its libuv event library plugin installed?)");
			return -1;
		}
		/* The CA file of a TLS client is per vhost in lws: one vhost per
		 * distinct ca_file (the system's store for none). */
		for (size_t i = 0; i < rp->n; i++) {
			endpoint_t *ep = rp->eps[i];
			if (!ep->ws_url)
				continue;
			for (size_t j = 0; j < i && !ep->vh; j++) {
				const endpoint_t *o = rp->eps[j];
				if (o->vh && (o->ca_file == ep->ca_file ||
				              (o->ca_file && ep->ca_file && strcmp(o->ca_file, ep->ca_file) == 0)))
					ep->vh = o->vh;
			}
			if (ep->vh)
				continue;
			struct lws_context_creation_info vi;
			memset(&vi, 0, sizeof vi);
			vi.vhost_name = "nodetop-rpc";  /* kept by pointer in lws: a constant */
			vi.port = CONTEXT_PORT_NO_LISTEN;
			vi.protocols = ws_protocols;
			vi.client_ssl_ca_filepath = ep->ca_file;
			vi.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
			ep->vh = lws_create_vhost(rp->lws, &vi);
			if (!ep->vh) {
				rpcprobe_seterr(err, errlen, ep->ca_file ? "libwebsockets: cannot use the ca_file for wss://"
				                                         : "libwebsockets: cannot create a client vhost");
				return -1;
			}
		}
	}
	for (size_t i = 0; i < rp->n; i++) {
		endpoint_t *ep = rp->eps[i];
		if (ep->http_url)
			uv_timer_start(&ep->sched, on_sched, 0, (uint64_t)ep->interval_ms);
		if (ep->ws_url)
			ws_connect(ep);
	}
	return 0;
}

void rpcprobe_view(const rpcprobe_t *rp, size_t idx, rpcprobe_view_t *out)
{
	*out = rp->eps[idx]->v;
}

void rpcprobe_judge_input(const rpcprobe_view_t *v, int64_t now_ms, uint64_t best_head, rpcjudge_in_t *in)
{
	memset(in, 0, sizeof *in);
	in->has_http = v->has_http;
	in->http_done = v->http_done;
	in->http_ok = v->http_ok;
	in->http_error = v->http_error;
	in->st = &v->st;
	in->latency_ms = v->latency_ms;
	in->ws_state = v->ws_state;
	in->ws_error = v->ws_error;
	in->ws_attempts = v->ws_attempts;
	in->ws_head = v->ws_head;
	in->ws_head_age_ms = v->ws_head_ms < 0 ? -1 : now_ms - v->ws_head_ms;
	in->ws_up_age_ms = v->ws_up_ms < 0 ? -1 : now_ms - v->ws_up_ms;
	in->ws_silent = v->ws_silent;
	in->head_age_ms = v->head_rise_ms < 0 ? -1 : now_ms - v->head_rise_ms;
	in->best_head = best_head;
}

/* ---------------------------------------------------------------- shutdown */

static void ep_handle_closed(uv_handle_t *h)
{
	endpoint_t *ep = h->data;
	ep->rp->open_handles--;
}

static void reaper_closed(uv_handle_t *h)
{
	free(h->data);
}

static void walk_closing(uv_handle_t *h, void *arg)
{
	if (uv_is_closing(h))
		*(int *)arg += 1;
}

static void on_reap(uv_timer_t *t)
{
	rpcprobe_t *rp = t->data;
	int closing = 0;
	/* The endpoints are lws user data: kept until lws has left the loop
	 * (and until their name lookups have called back). */
	if (rp->open_handles > 1)
		return;
	for (size_t i = 0; i < rp->n; i++)
		if (rp->eps[i]->resolving)
			return;
	if (rp->lws) {
		/* libwebsockets 4.1 on a foreign loop closes its connections, then
		 * its own timer and idle handles, and then waits to be called
		 * again (its lws_context_destroy is staged: see its minimal
		 * "eventlib-foreign" example). Called again only once the loop
		 * has had two passes with no handle closing. */
		uv_walk(rp->loop, walk_closing, &closing);
		if (closing) {
			rp->quiet = 0;
			return;
		}
		if (++rp->quiet < 2)
			return;
		rp->quiet = 0;
		lws_context_destroy(rp->lws);
		return;
	}
	uv_timer_stop(&rp->reaper);
	for (size_t i = 0; i < rp->n; i++)
		ep_free(rp->eps[i]);
	free(rp->eps);
	uv_close((uv_handle_t *)&rp->reaper, reaper_closed);
}

void rpcprobe_close(rpcprobe_t *rp)
{
	if (rp->closing)
		return;
	rp->closing = true;
	for (size_t i = 0; i < rp->n; i++) {
		endpoint_t *ep = rp->eps[i];
		if (ep->busy) {
			(void)curl_multi_remove_handle(rp->multi, ep->easy);   /* cannot fail for a handle of this multi */
			ep->busy = false;
		}
		uv_timer_stop(&ep->sched);
		uv_close((uv_handle_t *)&ep->sched, ep_handle_closed);
		uv_timer_stop(&ep->ws_timer);
		uv_close((uv_handle_t *)&ep->ws_timer, ep_handle_closed);
		if (ep->resolving)
			uv_cancel((uv_req_t *)&ep->gai);
	}
	/* connections left in the multi's cache no longer call back (curluv closes its handles itself) */
	curluv_free(rp->cu);
	rp->cu = NULL;
	if (rp->lws)
		lws_context_destroy(rp->lws);
	uv_timer_start(&rp->reaper, on_reap, 0, RPCPROBE_REAP_MS);
}
