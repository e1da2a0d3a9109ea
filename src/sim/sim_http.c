/* sim_http.c - nodetop-sim's HTTP/1.1 server on libuv: one listening socket
 * per node, request parsing (pipelining, partial reads, size caps), keep-alive,
 * write backpressure, delayed, trickled and endless chunked responses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sim.h"
#include "xalloc.h"

#define HTTP_HDR_CAP      16384               /* request line + headers, else 431 */
#define HTTP_IN_CAP       (HTTP_HDR_CAP + 4096)
#define HTTP_MAX_CONNS    64                  /* per node */
#define HTTP_IDLE_MS      30000               /* idle, slowloris and stalled-writer limit */
#define HTTP_LINGER_MS    2000
#define HTTP_WQ_HIGH      (1024 * 1024)       /* stop reading requests above this queue */
#define HTTP_STREAM_TOTAL (400ULL * 1024 * 1024)
#define HTTP_STREAM_BLOCK (64 * 1024)
#define HTTP_STREAM_INFLIGHT 4
#define HTTP_TRICKLE_MS   1000

typedef enum http_active {
	HTTP_IDLE,
	HTTP_DELAY,
	HTTP_TRICKLE,
	HTTP_STREAM
} http_active_t;

struct sim_conn {
	uv_tcp_t tcp;
	uv_timer_t timer;
	uv_shutdown_t shutdown;
	sim_node_t *node;
	sim_conn_t *prev, *next;
	char *in;                   /* HTTP_IN_CAP bytes, NULL while empty */
	size_t in_len;
	uint64_t discard;           /* request body bytes still to skip */
	uint64_t last_ms;           /* last read or completed write */
	uint64_t req_ms;            /* first byte of the request being received, 0: none */
	int handles;                /* close callbacks still to come */
	int writes;                 /* uv_write requests in flight */
	unsigned listed : 1, closing : 1, reading : 1, peer_eof : 1, close_after : 1,
	         doomed : 1, in_process : 1, shut : 1, linger : 1;
	/* the deferred response being delivered */
	http_active_t active;
	int active_close;           /* close once it is delivered */
	strbuf_t pending;           /* DELAY, TRICKLE: the complete response */
	size_t pending_off;
	sim_stream_t stream;
	uint64_t stream_left;       /* blocks still to send */
	int stream_inflight;
	int stream_done;            /* final chunk queued */
};

typedef enum http_wkind {
	HTTP_W_NORMAL,
	HTTP_W_STREAM
} http_wkind_t;

typedef struct http_write {
	uv_write_t req;
	sim_conn_t *conn;
	http_wkind_t kind;
	strbuf_t head, body, body2;
	char small[24];
} http_write_t;

/* endless bodies of the huge scenario: prefix, repeated block, suffix */
static struct {
	strbuf_t block;
	const char *prefix, *suffix;
} http_streams[3];

static char http_scratch[65536];           /* linger reads are discarded here */

/* ---------------------------------------------------------------- helpers */
static const char *http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 204: return "No Content";
	case 207: return "Multi-Status";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

static const char *http_date(void)
{
	static char buf[64];
	static time_t last;
	time_t now = time(NULL);
	if (now != last) {
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		last = now;
	}
	return buf;
}

static uint64_t http_now(const sim_conn_t *c)
{
	return uv_now(c->tcp.loop);
}

static void http_process(sim_conn_t *c);
static void http_maybe_done(sim_conn_t *c);
static void http_stream_pump(sim_conn_t *c);
static void http_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void http_on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);

/* ---------------------------------------------------------------- closing */
static void http_on_close(uv_handle_t *h)
{
	sim_conn_t *c = h->data;
	if (--c->handles > 0)
		return;
	free(c->in);
	strbuf_free(&c->pending);
	free(c);
}

static void http_close(sim_conn_t *c)
{
	if (c->closing)
		return;
	c->closing = 1;
	if (c->listed) {
		sim_node_t *n = c->node;
		if (c->prev)
			c->prev->next = c->next;
		else
			n->conns = c->next;
		if (c->next)
			c->next->prev = c->prev;
		n->nconns--;
		c->listed = 0;
	}
	uv_close((uv_handle_t *)&c->tcp, http_on_close);
	uv_close((uv_handle_t *)&c->timer, http_on_close);
}

static void http_on_shutdown(uv_shutdown_t *req, int status)
{
	sim_conn_t *c = req->data;
	if (c->closing)
		return;
	if (status < 0 || c->peer_eof || c->doomed) {
		http_close(c);
		return;
	}
	c->linger = 1;              /* read and drop what the client still sends, then close */
	c->last_ms = http_now(c);
	if (!c->reading && uv_read_start((uv_stream_t *)&c->tcp, http_alloc, http_on_read) == 0)
		c->reading = 1;
}

/* Sends FIN once the queued writes are out. */
static void http_shutdown(sim_conn_t *c)
{
	if (c->closing || c->shut)
		return;
	c->shut = 1;
	c->shutdown.data = c;
	if (uv_shutdown(&c->shutdown, (uv_stream_t *)&c->tcp, http_on_shutdown) != 0)
		http_close(c);
}

/* ---------------------------------------------------------------- reading */
static void http_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	sim_conn_t *c = h->data;
	if (c->linger) {
		*buf = uv_buf_init(http_scratch, sizeof(http_scratch));
		return;
	}
	if (!c->in)
		c->in = xmalloc(HTTP_IN_CAP);
	*buf = uv_buf_init(c->in + c->in_len, (unsigned)(HTTP_IN_CAP - c->in_len));
}

static void http_update_reading(sim_conn_t *c)
{
	if (c->closing)
		return;
	int want;
	if (c->linger)
		want = 1;
	else
		want = !c->peer_eof && !c->close_after && !c->shut && !c->doomed &&
		       c->in_len < HTTP_IN_CAP &&
		       uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) <= HTTP_WQ_HIGH;
	if (want && !c->reading) {
		if (uv_read_start((uv_stream_t *)&c->tcp, http_alloc, http_on_read) == 0)
			c->reading = 1;
		else
			http_close(c);
	} else if (!want && c->reading) {
		uv_read_stop((uv_stream_t *)&c->tcp);
		c->reading = 0;
	}
	if (c->in && c->in_len == 0 && !c->in_process) {
		free(c->in);            /* idle keep-alive connections hold no buffer */
		c->in = NULL;
	}
}

static void http_on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	sim_conn_t *c = s->data;
	if (c->closing || nread == 0)
		return;
	if (nread == UV_ENOBUFS) {
		uv_read_stop(s);
		c->reading = 0;
		return;
	}
	if (nread < 0) {
		if (nread == UV_EOF && !c->linger && c->active == HTTP_IDLE) {
			/* half-close: answer what was fully received, then close */
			c->peer_eof = 1;
			uv_read_stop(s);
			c->reading = 0;
			http_process(c);
			http_maybe_done(c);
			return;
		}
		http_close(c);          /* error, end of a linger, or gone during a deferred answer */
		return;
	}
	c->last_ms = http_now(c);
	if (c->linger)
		return;
	if (c->req_ms == 0)
		c->req_ms = c->last_ms;
	c->in_len += (size_t)nread;
	http_process(c);
}

/* ---------------------------------------------------------------- writing */
static void http_on_write(uv_write_t *req, int status)
{
	http_write_t *w = req->data;
	sim_conn_t *c = w->conn;
	c->writes--;
	if (w->kind == HTTP_W_STREAM)
		c->stream_inflight--;
	strbuf_free(&w->head);
	strbuf_free(&w->body);
	strbuf_free(&w->body2);
	http_wkind_t kind = w->kind;
	free(w);
	if (c->closing)
		return;
	if (status < 0) {
		http_close(c);
		return;
	}
	c->last_ms = http_now(c);
	if (kind == HTTP_W_STREAM && c->active == HTTP_STREAM) {
		http_stream_pump(c);
		return;
	}
	if (c->active == HTTP_IDLE && c->in_len)
		http_process(c);
	else
		http_update_reading(c);
	http_maybe_done(c);
}

/* Queues bufs; the write takes ownership of w. Returns -1 when the connection closed. */
static int http_write(sim_conn_t *c, http_write_t *w, uv_buf_t *bufs, unsigned nbufs)
{
	w->conn = c;
	w->req.data = w;
	if (uv_write(&w->req, (uv_stream_t *)&c->tcp, bufs, nbufs, http_on_write) != 0) {
		strbuf_free(&w->head);
		strbuf_free(&w->body);
		strbuf_free(&w->body2);
		free(w);
		http_close(c);
		return -1;
	}
	c->writes++;
	if (w->kind == HTTP_W_STREAM)
		c->stream_inflight++;
	return 0;
}

static void http_write_bytes(sim_conn_t *c, const char *p, size_t n)
{
	http_write_t *w = xcalloc(1, sizeof(*w));
	uv_buf_t b;
	if (n <= sizeof(w->small)) {
		memcpy(w->small, p, n);
		b = uv_buf_init(w->small, (unsigned)n);
	} else {
		strbuf_append(&w->body, p, n);
		b = uv_buf_init(w->body.data, (unsigned)n);
	}
	http_write(c, w, &b, 1);
}

/* Closes the connection once nothing is left to send, when it has to go. */
static void http_maybe_done(sim_conn_t *c)
{
	if (c->closing || c->active != HTTP_IDLE || c->writes > 0 || c->in_process)
		return;
	if (c->doomed || c->peer_eof)
		http_close(c);
	else if (c->close_after)
		http_shutdown(c);
}

/* ---------------------------------------------------------------- deferred answers */
static void http_active_end(sim_conn_t *c)
{
	c->active = HTTP_IDLE;
	strbuf_free(&c->pending);
	c->pending_off = 0;
	uv_timer_stop(&c->timer);
	if (c->active_close)
		c->close_after = 1;
	c->active_close = 0;
	if (c->doomed) {
		http_maybe_done(c);
		return;
	}
	http_process(c);
	http_maybe_done(c);
}

static void http_on_delay(uv_timer_t *t)
{
	sim_conn_t *c = t->data;
	if (c->closing)
		return;
	http_write_t *w = xcalloc(1, sizeof(*w));
	w->body = c->pending;                   /* hand the bytes to the write */
	c->pending = (strbuf_t)STRBUF_INIT;
	uv_buf_t b = uv_buf_init(w->body.data ? w->body.data : w->small, (unsigned)w->body.len);
	if (http_write(c, w, &b, 1) != 0)
		return;
	http_active_end(c);
}

static void http_on_trickle(uv_timer_t *t)
{
	sim_conn_t *c = t->data;
	if (c->closing)
		return;
	if (c->pending_off < c->pending.len) {
		http_write_bytes(c, c->pending.data + c->pending_off, 1);
		c->pending_off++;
		if (c->closing)
			return;
	}
	if (c->pending_off >= c->pending.len)
		http_active_end(c);
}

static void http_stream_pump(sim_conn_t *c)
{
	const strbuf_t *blk = &http_streams[c->stream].block;
	while (!c->closing && !c->stream_done && c->stream_inflight < HTTP_STREAM_INFLIGHT) {
		http_write_t *w = xcalloc(1, sizeof(*w));
		w->kind = HTTP_W_STREAM;
		size_t n = c->stream_left ? blk->len : 0;     /* whole blocks keep the document valid */
		if (c->stream_left)
			c->stream_left--;
		uv_buf_t b[4];
		unsigned nb = 0;
		if (n) {
			snprintf(w->small, sizeof(w->small), "%zx\r\n", n);
			b[nb++] = uv_buf_init(w->small, (unsigned)strlen(w->small));
			b[nb++] = uv_buf_init(blk->data, (unsigned)n);
			b[nb++] = uv_buf_init((char *)"\r\n", 2);
		}
		if (c->stream_left == 0) {
			/* the suffix closes the document, then the last chunk */
			const char *suf = http_streams[c->stream].suffix;
			sim_bprintf(&w->body, "%zx\r\n%s\r\n0\r\n\r\n", strlen(suf), suf);
			b[nb++] = uv_buf_init(w->body.data, (unsigned)w->body.len);
			c->stream_done = 1;
		}
		if (http_write(c, w, b, nb) != 0)
			return;
	}
	if (!c->closing && c->stream_done && c->stream_inflight == 0)
		http_active_end(c);
}

/* ---------------------------------------------------------------- responses */
static void http_head(strbuf_t *h, const sim_response_t *r, size_t len, int keep_alive, int http10)
{
	sim_bprintf(h, "HTTP/1.1 %d %s\r\nDate: %s\r\n", r->status, http_reason(r->status), http_date());
	if (r->content_type)
		sim_bprintf(h, "Content-Type: %s\r\n", r->content_type);
	if (r->send == SIM_SEND_STREAM)
		strbuf_puts(h, "Transfer-Encoding: chunked\r\n");
	else if (r->status != 204)
		sim_bprintf(h, "Content-Length: %zu\r\n", len);
	strbuf_puts(h, r->extra_headers);
	if (!keep_alive)
		strbuf_puts(h, "Connection: close\r\n");
	else if (http10)
		strbuf_puts(h, "Connection: keep-alive\r\n");
	strbuf_puts(h, "\r\n");
}

static void http_send(sim_conn_t *c, sim_response_t *r, int keep_alive, int http10)
{
	size_t len = r->body.len + r->tail_len + r->body2.len;
	if (r->status == 204)
		len = 0;
	if (r->close)
		keep_alive = 0;
	if (r->send == SIM_SEND_STREAM && http10) {
		r->send = SIM_SEND_NOW;         /* no chunked encoding in HTTP/1.0 */
		keep_alive = 0;
	}
	strbuf_t head = STRBUF_INIT;
	http_head(&head, r, len, keep_alive, http10);
	if (!keep_alive)
		c->active_close = 1;

	switch (r->send) {
	case SIM_SEND_NOW: {
		http_write_t *w = xcalloc(1, sizeof(*w));
		w->head = head;
		w->body = r->body;
		w->body2 = r->body2;
		r->body = r->body2 = (strbuf_t)STRBUF_INIT;
		uv_buf_t b[4];
		unsigned nb = 0;
		b[nb++] = uv_buf_init(w->head.data, (unsigned)w->head.len);
		if (len && w->body.len)
			b[nb++] = uv_buf_init(w->body.data, (unsigned)w->body.len);
		if (len && r->tail_len)
			b[nb++] = uv_buf_init((char *)r->tail, (unsigned)r->tail_len);
		if (len && w->body2.len)
			b[nb++] = uv_buf_init(w->body2.data, (unsigned)w->body2.len);
		if (c->active_close) {
			c->active_close = 0;
			c->close_after = 1;
		}
		http_write(c, w, b, nb);
		break;
	}
	case SIM_SEND_DELAY:
	case SIM_SEND_TRICKLE:
		c->pending = head;
		if (len) {
			strbuf_append(&c->pending, r->body.data, r->body.len);
			strbuf_append(&c->pending, r->tail, r->tail_len);
			strbuf_append(&c->pending, r->body2.data, r->body2.len);
		}
		c->pending_off = 0;
		if (r->send == SIM_SEND_DELAY) {
			c->active = HTTP_DELAY;
			uv_timer_start(&c->timer, http_on_delay, r->delay_ms, 0);
		} else {
			c->active = HTTP_TRICKLE;
			uv_timer_start(&c->timer, http_on_trickle, 0, HTTP_TRICKLE_MS);
		}
		break;
	case SIM_SEND_STREAM: {
		http_write_t *w = xcalloc(1, sizeof(*w));
		w->head = head;
		const char *pre = http_streams[r->stream].prefix;
		sim_bprintf(&w->head, "%zx\r\n%s\r\n", strlen(pre), pre);
		uv_buf_t b = uv_buf_init(w->head.data, (unsigned)w->head.len);
		if (http_write(c, w, &b, 1) != 0)
			break;
		c->active = HTTP_STREAM;
		c->stream = r->stream;
		c->stream_left = HTTP_STREAM_TOTAL / http_streams[r->stream].block.len;
		c->stream_done = 0;
		http_stream_pump(c);
		break;
	}
	}
}

static void http_error(sim_conn_t *c, int status, const char *msg)
{
	sim_response_t r;
	memset(&r, 0, sizeof(r));
	r.status = status;
	r.content_type = "text/plain; charset=utf-8";
	r.close = 1;
	strbuf_puts(&r.body, msg);
	http_send(c, &r, 0, 0);
	strbuf_free(&r.body);
	c->in_len = 0;              /* nothing after a bad request is trusted */
	c->discard = 0;
}

/* ---------------------------------------------------------------- parsing */
typedef struct http_meta {
	int http10;
	int keep_alive;
	uint64_t content_length;
} http_meta_t;

static int http_tchar(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

/* Offset just after the empty line that ends the head in p[0..n), 0 if none yet. */
static size_t http_head_end(const char *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		if (p[i] != '\n')
			continue;
		if (p[i + 1] == '\n')
			return i + 2;
		if (p[i + 1] == '\r' && i + 2 < n && p[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

static int http_token_in(const char *v, size_t n, const char *tok)
{
	size_t tl = strlen(tok);
	const char *end = v + n;
	while (v < end) {
		while (v < end && (*v == ' ' || *v == '\t' || *v == ','))
			v++;
		const char *s = v;
		while (v < end && *v != ',')
			v++;
		const char *e = v;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if ((size_t)(e - s) == tl && strncasecmp(s, tok, tl) == 0)
			return 1;
	}
	return 0;
}

/* Parses the head in p[0..n); 0, or the status code to answer with. */
static int http_parse(const char *p, size_t n, sim_request_t *req, http_meta_t *meta)
{
	memset(req, 0, sizeof(*req));
	memset(meta, 0, sizeof(*meta));
	const char *end = p + n, *q = p;
	/* request line: METHOD SP target SP HTTP/1.x */
	while (q < end && http_tchar((unsigned char)*q))
		q++;
	if (q == p || q - p > 32 || q >= end || *q != ' ')
		return 400;
	req->method = p;
	req->method_len = (size_t)(q - p);
	const char *t = ++q;
	while (q < end && (unsigned char)*q > ' ' && *q != 0x7f)
		q++;
	if (q == t || q >= end || *q != ' ')
		return 400;
	const char *te = q++;
	if (end - q < 9 || memcmp(q, "HTTP/1.", 7) != 0 || q[7] < '0' || q[7] > '9')
		return 400;
	meta->http10 = q[7] == '0';
	meta->keep_alive = !meta->http10;
	q += 8;
	if (*q == '\r')
		q++;
	if (q >= end || *q != '\n')
		return 400;
	q++;
	/* absolute-form: drop scheme and authority */
	if (te - t > 7 && (strncasecmp(t, "http://", 7) == 0 || strncasecmp(t, "https://", 8) == 0)) {
		const char *s = memchr(t + 8, '/', (size_t)(te - t - 8));
		t = s ? s : te;
	}
	if (t == te) {
		req->path = "/";
		req->path_len = 1;
	} else {
		if (*t != '/')
			return 400;
		const char *qm = memchr(t, '?', (size_t)(te - t));
		req->path = t;
		req->path_len = (size_t)((qm ? qm : te) - t);
		if (qm) {
			req->query = qm + 1;
			req->query_len = (size_t)(te - qm - 1);
		}
	}
	/* header fields */
	int have_cl = 0;
	while (q < end) {
		const char *le = memchr(q, '\n', (size_t)(end - q));
		if (!le)
			return 400;
		const char *lend = le > q && le[-1] == '\r' ? le - 1 : le;
		if (lend == q)
			break;                          /* the empty line */
		if (*q == ' ' || *q == '\t')
			return 400;                     /* obsolete line folding */
		const char *name = q;
		while (q < lend && http_tchar((unsigned char)*q))
			q++;
		if (q == name || q >= lend || *q != ':')
			return 400;
		size_t nl = (size_t)(q - name);
		q++;
		while (q < lend && (*q == ' ' || *q == '\t'))
			q++;
		const char *v = q, *ve = lend;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		for (const char *x = v; x < ve; x++)
			if (*x == '\0' || *x == '\r')
				return 400;
		size_t vl = (size_t)(ve - v);
		if (nl == 14 && strncasecmp(name, "Content-Length", 14) == 0) {
			uint64_t cl = 0;
			if (vl == 0 || vl > 15)
				return 400;
			for (size_t i = 0; i < vl; i++) {
				if (v[i] < '0' || v[i] > '9')
					return 400;
				cl = cl * 10 + (uint64_t)(v[i] - '0');
			}
			if (have_cl && cl != meta->content_length)
				return 400;
			have_cl = 1;
			meta->content_length = cl;
		} else if (nl == 17 && strncasecmp(name, "Transfer-Encoding", 17) == 0) {
			return 501;
		} else if (nl == 10 && strncasecmp(name, "Connection", 10) == 0) {
			if (http_token_in(v, vl, "close"))
				meta->keep_alive = 0;
			else if (http_token_in(v, vl, "keep-alive"))
				meta->keep_alive = 1;
		} else if (nl == 6 && strncasecmp(name, "Accept", 6) == 0) {
			if (!req->accept) {
				req->accept = v;
				req->accept_len = vl;
			}
		} else if (nl == 13 && strncasecmp(name, "Authorization", 13) == 0) {
			if (!req->auth) {
				req->auth = v;
				req->auth_len = vl;
			}
		}
		q = le + 1;
	}
	return 0;
}

static void http_consume(sim_conn_t *c, size_t n)
{
	if (n >= c->in_len) {
		c->in_len = 0;
	} else {
		memmove(c->in, c->in + n, c->in_len - n);
		c->in_len -= n;
	}
}

static void http_process(sim_conn_t *c)
{
	if (c->in_process)
		return;
	c->in_process = 1;
	while (!c->closing && !c->close_after && !c->shut && !c->doomed && c->active == HTTP_IDLE) {
		if (uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) > HTTP_WQ_HIGH)
			break;                          /* resumed when the client reads */
		if (c->discard) {
			size_t k = c->discard < c->in_len ? (size_t)c->discard : c->in_len;
			http_consume(c, k);
			c->discard -= k;
			if (c->discard)
				break;
			continue;
		}
		size_t skip = 0;                    /* empty lines before a request line */
		while (skip < c->in_len && (c->in[skip] == '\r' || c->in[skip] == '\n'))
			skip++;
		if (skip)
			http_consume(c, skip);
		if (c->in_len == 0) {
			c->req_ms = 0;
			break;
		}
		size_t scan = c->in_len < HTTP_HDR_CAP ? c->in_len : HTTP_HDR_CAP;
		size_t hl = http_head_end(c->in, scan);
		if (!hl) {
			if (c->in_len >= HTTP_HDR_CAP)
				http_error(c, 431, "request header fields too large\n");
			break;
		}
		sim_request_t req;
		http_meta_t meta;
		int bad = http_parse(c->in, hl, &req, &meta);
		if (bad) {
			http_error(c, bad, bad == 501 ? "transfer codings are not supported\n" : "bad request\n");
			break;
		}
		sim_response_t resp;
		memset(&resp, 0, sizeof(resp));
		sim_node_handle(c->node, &req, &resp);
		if (!c->closing)
			http_send(c, &resp, meta.keep_alive, meta.http10);
		strbuf_free(&resp.body);
		strbuf_free(&resp.body2);
		http_consume(c, hl);
		c->discard = meta.content_length;
		c->req_ms = c->in_len ? http_now(c) : 0;
	}
	c->in_process = 0;
	if (c->closing)
		return;
	if (c->doomed && c->active != HTTP_IDLE) {
		http_close(c);
		return;
	}
	http_update_reading(c);
	http_maybe_done(c);
}

/* ---------------------------------------------------------------- listening */
static void http_on_listener_close(uv_handle_t *h)
{
	free(h);
}

static void http_on_connection(uv_stream_t *server, int status)
{
	sim_node_t *n = server->data;
	if (status < 0)
		return;
	sim_conn_t *c = xcalloc(1, sizeof(*c));
	uv_tcp_init(server->loop, &c->tcp);
	uv_timer_init(server->loop, &c->timer);
	c->tcp.data = c->timer.data = c;
	c->handles = 2;
	c->node = n;
	if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0 || n->nconns >= HTTP_MAX_CONNS) {
		http_close(c);          /* over the cap: accepted and closed at once */
		return;
	}
	c->listed = 1;
	c->next = n->conns;
	if (n->conns)
		n->conns->prev = c;
	n->conns = c;
	n->nconns++;
	c->last_ms = http_now(c);
	uv_tcp_nodelay(&c->tcp, 1);
	http_update_reading(c);
}

/* A socket bound to the node's port (0: one the kernel picks), not listening. */
static uv_tcp_t *http_bind(sim_node_t *node, int *r)
{
	uv_tcp_t *t = xmalloc(sizeof(*t));
	uv_tcp_init(&node->sim->loop, t);
	t->data = node;
	struct sockaddr_in addr;
	uv_ip4_addr("127.0.0.1", node->port, &addr);
	*r = uv_tcp_bind(t, (const struct sockaddr *)&addr, 0);
	return t;
}

int sim_http_listen(sim_node_t *node, char *err, size_t errlen)
{
	int r = 0;
	uv_tcp_t *t = node->parked;       /* back from down: the port we kept */
	node->parked = NULL;
	if (!t)
		t = http_bind(node, &r);
	if (r == 0)
		r = uv_listen((uv_stream_t *)t, 511, http_on_connection);
	if (r != 0) {
		snprintf(err, errlen, "cannot listen on 127.0.0.1:%d: %s", node->port, uv_strerror(r));
		uv_close((uv_handle_t *)t, http_on_listener_close);
		return -1;
	}
	if (node->port == 0) {
		struct sockaddr_storage ss;
		int len = sizeof(ss);
		if (uv_tcp_getsockname(t, (struct sockaddr *)&ss, &len) == 0)
			node->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	}
	node->listener = t;
	return 0;
}

/* Down: connections are refused, but the port stays bound (not listening),
 * so that no other program, e.g. another test's simulator picking free ports,
 * takes it before the node listens again. */
void sim_http_unlisten(sim_node_t *node)
{
	if (node->listener) {
		uv_close((uv_handle_t *)node->listener, http_on_listener_close);   /* the fd closes now */
		node->listener = NULL;
		if (!node->parked && node->port != 0) {
			int r;
			uv_tcp_t *t = http_bind(node, &r);
			if (r == 0)
				node->parked = t;
			else
				uv_close((uv_handle_t *)t, http_on_listener_close);
		}
	}
	sim_conn_t *c = node->conns, *next;
	for (; c; c = next) {
		next = c->next;
		c->doomed = 1;
		if (c->in_process)
			continue;           /* finished after its current request */
		if (c->active != HTTP_IDLE || c->writes == 0)
			http_close(c);
		else
			http_update_reading(c);         /* the queued answers go out, then close */
	}
}

void sim_http_close_all(sim_t *sim)
{
	for (int i = 0; i < sim->nnodes; i++) {
		sim_node_t *n = &sim->nodes[i];
		if (n->listener) {
			uv_close((uv_handle_t *)n->listener, http_on_listener_close);
			n->listener = NULL;
		}
		if (n->parked) {
			uv_close((uv_handle_t *)n->parked, http_on_listener_close);
			n->parked = NULL;
		}
		while (n->conns)
			http_close(n->conns);
	}
}

void sim_http_sweep(sim_t *sim, uint64_t now)
{
	for (int i = 0; i < sim->nnodes; i++) {
		sim_node_t *n = &sim->nodes[i];
		if (n->want_listen && !n->listener && !sim->stopping) {
			char err[200];
			if (sim_http_listen(n, err, sizeof(err)) == 0)
				fprintf(stderr, "nodetop-sim: node %d: listening again on 127.0.0.1:%d\n", n->index, n->port);
		}
		sim_conn_t *c = n->conns, *next;
		for (; c; c = next) {
			next = c->next;
			uint64_t since = now > c->last_ms ? now - c->last_ms : 0;
			if (c->linger) {
				if (since > HTTP_LINGER_MS)
					http_close(c);
			} else if (c->active == HTTP_DELAY) {
				continue;       /* waiting on purpose */
			} else if (c->active != HTTP_IDLE || c->writes > 0) {
				if (since > HTTP_IDLE_MS)
					http_close(c);          /* the client stopped reading */
			} else if (c->req_ms && now - c->req_ms > HTTP_IDLE_MS) {
				http_close(c);              /* slowloris: request never completed */
			} else if (since > HTTP_IDLE_MS) {
				http_close(c);              /* idle keep-alive */
			}
		}
	}
}

/* ---------------------------------------------------------------- setup */
void sim_http_setup(sim_t *sim)
{
	static const char json_entry[] =
		"{\"type\":\"checks\",\"id\":\"Huge.Check\",\"attributes\":{\"name\":\"Huge.Check\","
		"\"status\":\"passing\",\"output\":\"\"}},";
	strbuf_t *b = &http_streams[SIM_STREAM_HEALTH_JSON].block;
	while (b->len + sizeof(json_entry) < HTTP_STREAM_BLOCK)
		strbuf_puts(b, json_entry);
	http_streams[SIM_STREAM_HEALTH_JSON].prefix = "{\"data\":[";
	http_streams[SIM_STREAM_HEALTH_JSON].suffix =
		"{\"type\":\"checks\",\"id\":\"Huge.End\",\"attributes\":{\"name\":\"Huge.End\","
		"\"status\":\"passing\",\"output\":\"\"}}]}";

	b = &http_streams[SIM_STREAM_HEALTH_TEXT].block;
	for (int i = 0; b->len + 32 < HTTP_STREAM_BLOCK; i++)
		sim_bprintf(b, "ok Huge.Check.%05d\n", i);
	http_streams[SIM_STREAM_HEALTH_TEXT].prefix = "ok Huge.Begin\n";
	http_streams[SIM_STREAM_HEALTH_TEXT].suffix = "ok Huge.End\n";

	b = &http_streams[SIM_STREAM_METRICS].block;
	for (int i = 0; b->len + 128 < HTTP_STREAM_BLOCK; i++)
		sim_bprintf(b, "pipeline_tasks_total_finished{job_id=\"%d\",job_name=\"huge\",status=\"completed\",task_id=\"ds%d\"} %d\n",
		            i, i % 7, i * 3);
	http_streams[SIM_STREAM_METRICS].prefix =
		"# HELP pipeline_tasks_total_finished The total number of pipeline tasks which have finished\n"
		"# TYPE pipeline_tasks_total_finished counter\n";
	http_streams[SIM_STREAM_METRICS].suffix = "# EOF of an endless body\n";
	(void)sim;
}

void sim_http_free(sim_t *sim)
{
	for (int i = 0; i < 3; i++)
		strbuf_free(&http_streams[i].block);
	(void)sim;
}
