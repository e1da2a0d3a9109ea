/* rpcprobe_run.c - test and benchmark driver for the RPC probe engine: probes the endpoints
 * given on its command line on a libuv loop and prints what it judges as JSON lines. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <cJSON.h>
#include <curl/curl.h>
#include <uv.h>

#include "rpcprobe.h"
#include "state.h"
#include "xalloc.h"

#define RUN_MAX 1024

/* --shared-multi: the driver owns the multi handle's libuv glue, as the poller
 * will, and hands each finished transfer to rpcprobe_transfer_done. */
typedef struct msock {
	uv_poll_t poll;
	curl_socket_t fd;
	struct run *r;
} msock_t;

typedef struct run {
	uv_loop_t loop;
	CURLM *multi;
	rpcprobe_t *rp;
	rpcjudge_cfg_t jcfg[RUN_MAX];
	uv_timer_t tick, stop;
	uv_signal_t sigint, sigterm;
	int64_t start_ms;
	bool quiet;
	bool shared;
	uv_timer_t mtimer;          /* --shared-multi: libcurl's timeout */
	unsigned long events, foreign_done;
} run_t;

static void m_done(run_t *r)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(r->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		CURL *e = m->easy_handle;
		CURLcode rc = m->data.result;
		if (!rpcprobe_transfer_done(r->rp, e, rc))
			r->foreign_done++;  /* not one of the probe's: the poller's own */
	}
}

static void m_poll_cb(uv_poll_t *h, int status, int events)
{
	msock_t *s = h->data;
	int flags = status < 0 ? CURL_CSELECT_ERR : 0, running;
	if (status >= 0 && (events & UV_READABLE))
		flags |= CURL_CSELECT_IN;
	if (status >= 0 && (events & UV_WRITABLE))
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(s->r->multi, s->fd, flags, &running);
	m_done(s->r);
}

static void m_close_cb(uv_handle_t *h)
{
	free(h->data);
}

static int m_socket_cb(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp)
{
	run_t *r = userp;
	msock_t *s = socketp;
	(void)e;
	if (what == CURL_POLL_REMOVE) {
		if (s) {
			curl_multi_assign(r->multi, fd, NULL);
			uv_poll_stop(&s->poll);
			uv_close((uv_handle_t *)&s->poll, m_close_cb);
		}
		return 0;
	}
	if (!s) {
		s = xcalloc(1, sizeof *s);
		s->fd = fd;
		s->r = r;
		uv_poll_init_socket(&r->loop, &s->poll, fd);
		s->poll.data = s;
		curl_multi_assign(r->multi, fd, s);
	}
	uv_poll_start(&s->poll, ((what & CURL_POLL_IN) ? UV_READABLE : 0) | ((what & CURL_POLL_OUT) ? UV_WRITABLE : 0),
	              m_poll_cb);
	return 0;
}

static void m_timeout(uv_timer_t *t)
{
	run_t *r = t->data;
	int running;
	curl_multi_socket_action(r->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	m_done(r);
}

static int m_timer_cb(CURLM *multi, long ms, void *userp)
{
	run_t *r = userp;
	(void)multi;
	if (ms < 0)
		uv_timer_stop(&r->mtimer);
	else
		uv_timer_start(&r->mtimer, m_timeout, (uint64_t)ms, 0);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
	        "usage: rpcprobe_run [options] ENDPOINT...\n"
	        "  ENDPOINT: name=NAME,url=HTTP_URL,ws=WS_URL,chain=ID (url or ws may be left out)\n"
	        "  --interval MS    between HTTP batches (5000)\n"
	        "  --timeout MS     per batch (5000)\n"
	        "  --every MS       print every endpoint's judgement this often (500)\n"
	        "  --duration MS    stop after this long (0: on SIGINT/SIGTERM only)\n"
	        "  --head-stall MS  --lag-blocks N  --slow-ms MS  --ws-idle MS\n"
	        "  --header 'Name: value'  --bearer TOKEN  --ca-file PEM  --insecure  (every endpoint)\n"
	        "  --shared-multi   the driver drives the curl multi handle (as the poller will)\n"
	        "  --quiet          print only the final cpu line\n");
	exit(2);
}

static int64_t now_ms(run_t *r)
{
	return (int64_t)uv_now(&r->loop);
}

/* The best head of each endpoint's chain: the largest among the endpoints that
 * expect the same chain id and whose last batch (if any) is on that chain. */
static uint64_t best_head(run_t *r, size_t idx, const rpcprobe_view_t *views)
{
	uint64_t best = 0;
	size_t n = rpcprobe_count(r->rp);
	for (size_t i = 0; i < n; i++) {
		if (r->jcfg[i].chain != r->jcfg[idx].chain)
			continue;
		const rpcprobe_view_t *v = &views[i];
		if (v->http_ok && r->jcfg[i].chain && v->st.chain_id != r->jcfg[i].chain)
			continue;
		uint64_t h = v->http_ok ? v->st.head : 0;
		if (v->ws_head > h)
			h = v->ws_head;
		if (h > best)
			best = h;
	}
	return best;
}

static void print_all(run_t *r)
{
	size_t n = rpcprobe_count(r->rp);
	rpcprobe_view_t *views = xcalloc(n ? n : 1, sizeof *views);
	int64_t now = now_ms(r);
	for (size_t i = 0; i < n; i++)
		rpcprobe_view(r->rp, i, &views[i]);
	for (size_t i = 0; i < n; i++) {
		const rpcprobe_view_t *v = &views[i];
		rpcjudge_in_t in;
		rpcjudge_out_t out;
		rpcprobe_judge_input(v, now, best_head(r, i, views), &in);
		rpcjudge_judge(&r->jcfg[i], &in, &out);
		if (r->quiet)
			continue;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "t_ms", (double)(now - r->start_ms));
		cJSON_AddStringToObject(o, "name", v->name);
		cJSON_AddStringToObject(o, "url", v->url);
		cJSON_AddNumberToObject(o, "chain", (double)r->jcfg[i].chain);
		cJSON_AddStringToObject(o, "state", state_name(out.state));
		cJSON_AddStringToObject(o, "reason", out.reason);
		if (out.head)
			cJSON_AddNumberToObject(o, "head", (double)out.head);
		else
			cJSON_AddNullToObject(o, "head");
		cJSON_AddNumberToObject(o, "lag_blocks", (double)out.lag);
		if (v->http_done)
			cJSON_AddNumberToObject(o, "latency_ms", v->latency_ms);
		else
			cJSON_AddNullToObject(o, "latency_ms");
		if (v->http_ok) {
			cJSON_AddNumberToObject(o, "chain_id", (double)v->st.chain_id);
			cJSON_AddStringToObject(o, "client", v->st.client);
			if (v->st.syncing == JSONRPC_SYNC_UNKNOWN)
				cJSON_AddNullToObject(o, "syncing");
			else
				cJSON_AddBoolToObject(o, "syncing", v->st.syncing == JSONRPC_SYNC_YES);
			if (v->st.answer[JSONRPC_PEER_COUNT] == JSONRPC_OK)
				cJSON_AddNumberToObject(o, "peers", (double)v->st.peers);
			else
				cJSON_AddNullToObject(o, "peers");
			cJSON *un = cJSON_AddArrayToObject(o, "unsupported");
			for (int m = 0; m < JSONRPC__COUNT; m++)
				if (v->st.answer[m] == JSONRPC_UNSUPPORTED)
					cJSON_AddItemToArray(un, cJSON_CreateString(jsonrpc_method_name((jsonrpc_method_t)m)));
		}
		cJSON_AddStringToObject(o, "error", v->http_ok ? "" : v->http_error);
		cJSON_AddNumberToObject(o, "batches", (double)v->batches);
		if (v->ws_state == RPC_WS_NONE)
			cJSON_AddNullToObject(o, "ws");
		else {
			cJSON *ws = cJSON_AddObjectToObject(o, "ws");
			cJSON_AddStringToObject(ws, "url", v->ws_url);
			cJSON_AddStringToObject(ws, "state", rpcjudge_ws_name(v->ws_state));
			if (v->ws_head_ms >= 0)
				cJSON_AddNumberToObject(ws, "last_head_ms_ago", (double)(now - v->ws_head_ms));
			else
				cJSON_AddNullToObject(ws, "last_head_ms_ago");
			cJSON_AddNumberToObject(ws, "head", (double)v->ws_head);
			cJSON_AddNumberToObject(ws, "heads", (double)v->ws_heads);
			cJSON_AddNumberToObject(ws, "connects", (double)v->ws_connects);
			cJSON_AddStringToObject(ws, "error", v->ws_error);
		}
		char *s = cJSON_PrintUnformatted(o);
		printf("%s\n", s);
		free(s);
		cJSON_Delete(o);
	}
	fflush(stdout);
	free(views);
}

static void on_event(void *ud, size_t idx, rpcprobe_event_t ev)
{
	run_t *r = ud;
	(void)idx;
	(void)ev;
	r->events++;
}

static void on_tick(uv_timer_t *t)
{
	print_all(t->data);
}

static void run_stop(run_t *r)
{
	if (uv_is_closing((uv_handle_t *)&r->tick))
		return;
	print_all(r);
	rpcprobe_close(r->rp);
	if (r->shared) {
		uv_timer_stop(&r->mtimer);
		uv_close((uv_handle_t *)&r->mtimer, NULL);
	}
	uv_close((uv_handle_t *)&r->tick, NULL);
	uv_close((uv_handle_t *)&r->stop, NULL);
	uv_close((uv_handle_t *)&r->sigint, NULL);
	uv_close((uv_handle_t *)&r->sigterm, NULL);
}

static void on_stop(uv_timer_t *t)
{
	run_stop(t->data);
}

static void on_signal(uv_signal_t *s, int sig)
{
	(void)sig;
	run_stop(s->data);
}

static char *field(char *spec, const char *key)
{
	size_t kl = strlen(key);
	for (char *p = spec; p && *p;) {
		char *next = strchr(p, ',');
		if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
			char *v = p + kl + 1;
			return next ? xstrndup(v, (size_t)(next - v)) : xstrdup(v);
		}
		p = next ? next + 1 : NULL;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static run_t r;
	int64_t interval = 5000, timeout = 5000, every = 500, duration = 0, ws_idle = 0;
	rpcjudge_cfg_t base;
	const char *headers[16];
	size_t nheaders = 0;
	const char *bearer = NULL, *ca_file = NULL;
	bool insecure = false;
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' }, { "timeout", required_argument, NULL, 't' },
		{ "every", required_argument, NULL, 'e' }, { "duration", required_argument, NULL, 'd' },
		{ "head-stall", required_argument, NULL, 's' }, { "lag-blocks", required_argument, NULL, 'l' },
		{ "slow-ms", required_argument, NULL, 'w' }, { "ws-idle", required_argument, NULL, 'I' },
		{ "header", required_argument, NULL, 'H' }, { "bearer", required_argument, NULL, 'b' },
		{ "quiet", no_argument, NULL, 'q' }, { "ca-file", required_argument, NULL, 'c' },
		{ "insecure", no_argument, NULL, 'k' }, { "shared-multi", no_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	rpcjudge_defaults(&base);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i': interval = atoll(optarg); break;
		case 't': timeout = atoll(optarg); break;
		case 'e': every = atoll(optarg); break;
		case 'd': duration = atoll(optarg); break;
		case 's': base.head_stall_ms = atoll(optarg); break;
		case 'l': base.lag_blocks = strtoull(optarg, NULL, 10); break;
		case 'w': base.slow_ms = atoll(optarg); break;
		case 'I': ws_idle = atoll(optarg); break;
		case 'H': if (nheaders < 16) headers[nheaders++] = optarg; break;
		case 'b': bearer = optarg; break;
		case 'q': r.quiet = true; break;
		case 'c': ca_file = optarg; break;
		case 'k': insecure = true; break;
		case 'm': r.shared = true; break;
		default: usage();
		}
	}
	if (optind >= argc || argc - optind > RUN_MAX)
		usage();
	signal(SIGPIPE, SIG_IGN);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || uv_loop_init(&r.loop) != 0)
		return 1;
	r.multi = curl_multi_init();
	if (r.shared) {
		uv_timer_init(&r.loop, &r.mtimer);
		r.mtimer.data = &r;
		curl_multi_setopt(r.multi, CURLMOPT_SOCKETFUNCTION, m_socket_cb);
		curl_multi_setopt(r.multi, CURLMOPT_SOCKETDATA, &r);
		curl_multi_setopt(r.multi, CURLMOPT_TIMERFUNCTION, m_timer_cb);
		curl_multi_setopt(r.multi, CURLMOPT_TIMERDATA, &r);
	}
	r.rp = rpcprobe_new(&r.loop, r.multi, r.shared ? 0 : RPCPROBE_DRIVE_MULTI, on_event, &r);
	for (int a = optind; a < argc; a++) {
		char *name = field(argv[a], "name"), *url = field(argv[a], "url"), *ws = field(argv[a], "ws"),
		     *chain = field(argv[a], "chain");
		rpc_endpoint_cfg_t cfg = {
			.name = name, .http_url = url, .ws_url = ws, .headers = headers, .nheaders = nheaders,
			.bearer = bearer, .ca_file = ca_file, .insecure = insecure, .interval_ms = interval, .timeout_ms = timeout, .ws_idle_ms = ws_idle,
		};
		char err[200];
		size_t idx = (size_t)(a - optind);
		r.jcfg[idx] = base;
		r.jcfg[idx].chain = chain ? strtoull(chain, NULL, 0) : 0;
		if (rpcprobe_add(r.rp, &cfg, err, sizeof err) < 0) {
			fprintf(stderr, "rpcprobe_run: endpoint %zu: %s\n", idx + 1, err);
			return 2;
		}
		free(name);
		free(url);
		free(ws);
		free(chain);
	}
	char err[200];
	if (rpcprobe_start(r.rp, err, sizeof err) != 0) {
		fprintf(stderr, "rpcprobe_run: %s\n", err);
		return 1;
	}
	uv_update_time(&r.loop);
	r.start_ms = now_ms(&r);
	uv_timer_init(&r.loop, &r.tick);
	r.tick.data = &r;
	uv_timer_start(&r.tick, on_tick, (uint64_t)every, (uint64_t)every);
	uv_timer_init(&r.loop, &r.stop);
	r.stop.data = &r;
	if (duration > 0)
		uv_timer_start(&r.stop, on_stop, (uint64_t)duration, 0);
	uv_signal_init(&r.loop, &r.sigint);
	r.sigint.data = &r;
	uv_signal_start(&r.sigint, on_signal, SIGINT);
	uv_signal_init(&r.loop, &r.sigterm);
	r.sigterm.data = &r;
	uv_signal_start(&r.sigterm, on_signal, SIGTERM);

	uv_run(&r.loop, UV_RUN_DEFAULT);
	int64_t wall = now_ms(&r) - r.start_ms;
	/* With --shared-multi, the multi's cleanup may still close cached
	 * connections through m_socket_cb: their poll handles close in one more pass. */
	curl_multi_cleanup(r.multi);
	uv_run(&r.loop, UV_RUN_DEFAULT);
	int lc = uv_loop_close(&r.loop);
	curl_global_cleanup();

	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu = (double)ru.ru_utime.tv_sec * 1000.0 + ru.ru_utime.tv_usec / 1000.0 +
	             (double)ru.ru_stime.tv_sec * 1000.0 + ru.ru_stime.tv_usec / 1000.0;
	printf("{\"done\":true,\"wall_ms\":%lld,\"cpu_ms\":%.1f,\"events\":%lu,\"foreign_done\":%lu,\"loop_close\":%d}\n",
	       (long long)wall, cpu, r.events, r.foreign_done, lc);
	if (lc != 0) {
		fprintf(stderr, "rpcprobe_run: uv_loop_close: %s (a handle was left open)\n", uv_strerror(lc));
		return 3;
	}
	return 0;
}
