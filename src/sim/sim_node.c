/* sim_node.c - one simulated Chainlink node: its scenario, the state that
 * evolves with time (heads, RPC nodes, counters) and the routing of requests
 * to /health, /readyz, /metrics, plugin paths, /discovery and /control. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "xalloc.h"

static const char *const node_scenario_names[SIM_SCENARIO_COUNT] = {
	[SIM_HEALTHY] = "healthy",
	[SIM_RPC_OUTAGE] = "rpc-outage",
	[SIM_DB_OUTAGE] = "db-outage",
	[SIM_DB_EXHAUSTED] = "db-exhausted",
	[SIM_FLAPPING] = "flapping",
	[SIM_STARTING] = "starting",
	[SIM_LEGACY] = "legacy",
	[SIM_LEGACY_RPC_OUTAGE] = "legacy-rpc-outage",
	[SIM_RPC_DEGRADED] = "rpc-degraded",
	[SIM_SLOW] = "slow",
	[SIM_TRICKLE] = "trickle",
	[SIM_GARBAGE] = "garbage",
	[SIM_HTML] = "html",
	[SIM_HUGE] = "huge",
	[SIM_HOSTILE] = "hostile",
	[SIM_HTTP_ERROR] = "http-error",
	[SIM_UNAUTHORIZED] = "unauthorized",
	[SIM_RATELIMIT] = "ratelimit",
	[SIM_DOWN] = "down",
	[SIM_LOW_BALANCE] = "low-balance",
	[SIM_HEADS_STALL] = "heads-stall",
	[SIM_STUCK_TX] = "stuck-tx",
	[SIM_JOB_ERRORS] = "job-errors",
};

const char *sim_scenario_name(sim_scenario_t s)
{
	return (unsigned)s < SIM_SCENARIO_COUNT ? node_scenario_names[s] : "?";
}

int sim_scenario_parse(const char *name, size_t n, sim_scenario_t *out)
{
	for (int i = 0; i < SIM_SCENARIO_COUNT; i++)
		if (strlen(node_scenario_names[i]) == n && memcmp(node_scenario_names[i], name, n) == 0) {
			*out = (sim_scenario_t)i;
			return 0;
		}
	return -1;
}

/* ---------------------------------------------------------------- randomness */
static uint64_t node_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

double sim_node_noise(const sim_node_t *node, unsigned key, uint64_t bucket)
{
	uint64_t h = node_mix(node->seed ^ node_mix(((uint64_t)key << 40) ^ bucket));
	return (double)(h >> 11) / 9007199254740992.0;
}

uint64_t sim_node_random(sim_node_t *node)
{
	uint64_t x = node->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	node->rng = x;
	return x * 0x2545f4914f6cdd1dULL;
}

uint64_t sim_chain_head(const sim_t *sim, int chain, uint64_t now)
{
	const sim_chain_info_t *c = &sim->chains[chain];
	return c->base_head + (now - sim->t0_ms) / c->block_ms;
}

/* ---------------------------------------------------------------- state */
static void node_reset_process(sim_node_t *node, uint64_t now)
{
	node->start_ms = now;
	node->adv_ms = now;
	node->cpu_seconds = 0.4;
	node->db_wait_seconds = node->gc_sum = 0;
	node->db_acc = node->gc_acc = node->sql_acc = 0;
	memset(node->log_acc, 0, sizeof(node->log_acc));
	memset(node->log_count, 0, sizeof(node->log_count));
	memset(node->sql_buckets, 0, sizeof(node->sql_buckets));
	node->db_wait_count = node->gc_count = node->metrics_served = 0;
	for (int c = 0; c < node->sim->nchains; c++) {
		sim_chain_t *ch = &node->chains[c];
		ch->heads_received = ch->conn_errors = 0;
		ch->err_acc = ch->tx_acc = 0;
		ch->tx_broadcast = ch->tx_confirmed = ch->gas_bumps = 0;
		for (int r = 0; r < SIM_RPCS; r++) {
			sim_rpc_t *rp = &ch->rpc[r];
			rp->polls_ok = rp->polls_failed = 0;
			rp->to_alive = rp->alive ? 1 : 0;
			rp->to_unreachable = rp->alive ? 0 : 1;
			rp->poll_acc = 0;
		}
	}
}

void sim_node_init(sim_t *sim, sim_node_t *node, int index, sim_scenario_t s, int cycle_pos)
{
	memset(node, 0, sizeof(*node));
	node->sim = sim;
	node->index = index;
	node->scenario = s;
	node->cycle_pos = cycle_pos;
	node->seed = node_mix(sim->seed * 0x100000001b3ULL + (uint64_t)index);
	node->rng = node->seed | 1;
	node->want_listen = s != SIM_DOWN;
	uint64_t now = sim->t0_ms;
	node->scenario_ms = now;
	for (int c = 0; c < sim->nchains; c++) {
		sim_chain_t *ch = &node->chains[c];
		ch->head = sim_chain_head(sim, c, now);
		ch->head_ms = now;
		for (int k = 0; k < 2; k++)
			ch->balance[k] = 1.5 + floor(sim_node_noise(node, 100 + (unsigned)(c * 2 + k), 0) * 9e6) / 1e6;
		for (int r = 0; r < SIM_RPCS; r++) {
			ch->rpc[r].alive = 1;
			ch->rpc[r].seen = ch->head;
		}
	}
	node_reset_process(node, now);
}

sim_scenario_t sim_node_effective(const sim_node_t *node, uint64_t now)
{
	if (node->scenario != SIM_FLAPPING)
		return node->scenario;
	uint64_t flap = node->sim->flap_ms ? node->sim->flap_ms : 20000;
	uint64_t t = now > node->scenario_ms ? now - node->scenario_ms : 0;
	return (t / flap) % 2 ? SIM_RPC_OUTAGE : SIM_HEALTHY;
}

static int node_rpc_alive(sim_scenario_t eff, int r)
{
	if (eff == SIM_RPC_OUTAGE || eff == SIM_LEGACY_RPC_OUTAGE)
		return 0;
	if (eff == SIM_RPC_DEGRADED)
		return r == 0;
	return 1;
}

/* Whole events out of an accumulator of fractional ones. */
static uint64_t node_take(double *acc, double add)
{
	*acc += add;
	double whole = floor(*acc);
	*acc -= whole;
	return (uint64_t)whole;
}

static void node_advance_chain(sim_node_t *node, int c, sim_scenario_t eff, uint64_t now, double s)
{
	sim_t *sim = node->sim;
	sim_chain_t *ch = &node->chains[c];
	uint64_t chain_head = sim_chain_head(sim, c, now);
	int receiving = 0;
	for (int r = 0; r < SIM_RPCS; r++) {
		sim_rpc_t *rp = &ch->rpc[r];
		int alive = node_rpc_alive(eff, r);
		if (alive != rp->alive) {
			if (alive)
				rp->to_alive++;
			else
				rp->to_unreachable++;
			rp->alive = alive;
		}
		uint64_t polls = node_take(&rp->poll_acc, s / 10.0);
		if (alive) {
			rp->polls_ok += polls;
			rp->seen = chain_head;
			receiving = 1;
		} else {
			rp->polls_failed += polls;
		}
	}
	if (receiving) {
		if (chain_head > ch->head && eff != SIM_HEADS_STALL) {
			ch->heads_received += chain_head - ch->head;
			ch->head = chain_head;
			ch->head_ms = now;
		}
		uint64_t txs = node_take(&ch->tx_acc, s / 40.0);
		for (uint64_t i = 0; i < txs; i++) {
			ch->tx_broadcast++;
			if (ch->tx_broadcast % 9 == 0)
				ch->gas_bumps++;
			int k = (int)(ch->tx_broadcast & 1);
			ch->balance[k] = ch->balance[k] > 0.01 ? ch->balance[k] - 0.000421 : ch->balance[k];
		}
		uint64_t lag = sim_node_noise(node, 50 + (unsigned)c, (now - sim->t0_ms) / 5000) < 0.3;
		if (ch->tx_broadcast > ch->tx_confirmed + lag)
			ch->tx_confirmed = ch->tx_broadcast - lag;
	} else {
		ch->conn_errors += node_take(&ch->err_acc, s / 5.0);
	}
}

void sim_node_advance(sim_node_t *node, uint64_t now)
{
	if (now <= node->adv_ms)
		return;
	double s = (double)(now - node->adv_ms) / 1000.0;
	node->adv_ms = now;
	sim_scenario_t eff = sim_node_effective(node, now);
	if (eff == SIM_STARTING)
		return;                 /* nothing runs yet */
	int rpc_down = eff == SIM_RPC_OUTAGE || eff == SIM_LEGACY_RPC_OUTAGE;
	node->cpu_seconds += s * (0.08 + 0.06 * sim_node_noise(node, 8, (now - node->sim->t0_ms) / 5000));
	uint64_t gcs = node_take(&node->gc_acc, s / 7.0);
	node->gc_count += gcs;
	node->gc_sum += (double)gcs * 0.00031;
	if (eff == SIM_DB_EXHAUSTED) {
		node->db_wait_count += node_take(&node->db_acc, s * 4.0);
		node->db_wait_seconds += s * 0.8;
	} else if (eff != SIM_DB_OUTAGE) {
		uint64_t w = node_take(&node->db_acc, s / 90.0);
		node->db_wait_count += w;
		node->db_wait_seconds += (double)w * 0.012;
	}
	/* queries as a percentage of their timeout */
	uint64_t q = node_take(&node->sql_acc, s * (eff == SIM_DB_OUTAGE ? 0.5 : 12.0));
	for (uint64_t i = 0; i < q; i++) {
		int b;
		if (eff == SIM_DB_OUTAGE)
			b = 10;
		else if (eff == SIM_DB_EXHAUSTED)
			b = 4 + (int)(sim_node_random(node) % 7);
		else
			b = sim_node_random(node) % 50 ? 0 : 1 + (int)(sim_node_random(node) % 3);
		node->sql_buckets[b]++;
	}
	/* log counts: critical, error, panic, warn */
	int trouble = rpc_down || eff == SIM_DB_OUTAGE || eff == SIM_DB_EXHAUSTED;
	node->log_count[0] += node_take(&node->log_acc[0], eff == SIM_DB_OUTAGE ? s / 30.0 : 0);
	node->log_count[1] += node_take(&node->log_acc[1], trouble ? s / 2.0 : s / 600.0);
	node->log_count[3] += node_take(&node->log_acc[3], trouble ? s / 5.0 : s / 45.0);
	for (int c = 0; c < node->sim->nchains; c++)
		node_advance_chain(node, c, eff, now, s);
}

/* Opens or closes the listening socket for the scenario and the listen switch. */
static void node_update_listening(sim_node_t *node)
{
	sim_t *sim = node->sim;
	node->want_listen = node->scenario != SIM_DOWN && !node->unplugged;
	if (!node->want_listen && node->listener) {
		sim_http_unlisten(node);
	} else if (node->want_listen && !node->listener && !sim->stopping) {
		char err[256];
		if (sim_http_listen(node, err, sizeof(err)) != 0)
			fprintf(stderr, "nodetop-sim: node %d: %s (will retry)\n", node->index, err);
	}
}

void sim_node_set_scenario(sim_node_t *node, sim_scenario_t s)
{
	sim_t *sim = node->sim;
	uint64_t now = uv_now(&sim->loop);
	sim_node_advance(node, now);
	sim_scenario_t old = sim_node_effective(node, now);
	node->scenario = s;
	node->scenario_ms = now;
	if (old == SIM_STARTING && s != SIM_STARTING)
		node_reset_process(node, now);      /* the node (re)started */
	node_update_listening(node);
}

void sim_node_set_listening(sim_node_t *node, int on)
{
	node->unplugged = !on;
	node_update_listening(node);
}

/* ---------------------------------------------------------------- requests */
static int node_path_is(const sim_request_t *req, const char *p)
{
	size_t n = strlen(p);
	return req->path_len == n && memcmp(req->path, p, n) == 0;
}

static int node_method_is(const sim_request_t *req, const char *m)
{
	size_t n = strlen(m);
	return req->method_len == n && memcmp(req->method, m, n) == 0;
}

static int node_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decoded value of query key into out (cap bytes): its length, 0 for a bare
 * key ("?failing"), -1 when the key is absent. */
static int node_query(const sim_request_t *req, const char *key, char *out, size_t cap)
{
	const char *q = req->query, *end = q ? q + req->query_len : NULL;
	size_t klen = strlen(key);
	while (q && q < end) {
		const char *amp = memchr(q, '&', (size_t)(end - q));
		const char *pe = amp ? amp : end;
		const char *eq = memchr(q, '=', (size_t)(pe - q));
		const char *ke = eq ? eq : pe;
		if ((size_t)(ke - q) == klen && memcmp(q, key, klen) == 0) {
			size_t n = 0;
			for (const char *v = eq ? eq + 1 : pe; v < pe && n + 1 < cap; v++) {
				if (*v == '%' && pe - v >= 3 && node_hexval(v[1]) >= 0 && node_hexval(v[2]) >= 0) {
					out[n++] = (char)(node_hexval(v[1]) * 16 + node_hexval(v[2]));
					v += 2;
				} else {
					out[n++] = *v == '+' ? ' ' : *v;
				}
			}
			out[n] = '\0';
			return (int)n;
		}
		q = amp ? amp + 1 : end;
	}
	if (cap)
		out[0] = '\0';
	return -1;
}

/* gin's NegotiateFormat over JSON, HTML, plain text: the first Accept entry that matches wins. */
static int node_wants_text(const sim_request_t *req)
{
	const char *a = req->accept, *end = a ? a + req->accept_len : NULL;
	while (a && a < end) {
		const char *comma = memchr(a, ',', (size_t)(end - a));
		const char *e = comma ? comma : end;
		const char *semi = memchr(a, ';', (size_t)(e - a));
		const char *te = semi ? semi : e;
		while (a < te && (*a == ' ' || *a == '\t'))
			a++;
		while (te > a && (te[-1] == ' ' || te[-1] == '\t'))
			te--;
		size_t n = (size_t)(te - a);
		if (n == 10 && strncasecmp(a, "text/plain", 10) == 0)
			return 1;
		if ((n == 16 && strncasecmp(a, "application/json", 16) == 0) || (n == 3 && !memcmp(a, "*/*", 3)) ||
		    (n == 13 && strncasecmp(a, "application/*", 13) == 0) ||
		    (n == 9 && strncasecmp(a, "text/html", 9) == 0) || (n == 6 && strncasecmp(a, "text/*", 6) == 0))
			return 0;
		a = comma ? comma + 1 : end;
	}
	return 0;
}

static int node_token_ok(const sim_t *sim, const sim_request_t *req)
{
	if (!sim->token)
		return 1;
	if (!req->auth || req->auth_len < 7 || strncasecmp(req->auth, "Bearer ", 7) != 0)
		return 0;
	const char *t = req->auth + 7;
	size_t n = req->auth_len - 7;
	while (n && *t == ' ') {
		t++;
		n--;
	}
	return n == strlen(sim->token) && memcmp(t, sim->token, n) == 0;
}

static void node_text(sim_response_t *resp, int status, const char *body)
{
	resp->status = status;
	resp->content_type = "text/plain; charset=utf-8";
	strbuf_puts(&resp->body, body);
}

static void node_garbage(sim_node_t *node, sim_response_t *resp, const char *ctype)
{
	resp->status = 200;
	resp->content_type = ctype;
	size_t n = 4096;
	for (size_t i = 0; i < n; i += 8) {
		uint64_t r = sim_node_random(node);
		strbuf_append(&resp->body, &r, 8);
	}
	/* always at least a NUL, a lone continuation byte and an overlong sequence */
	memcpy(resp->body.data + 17, "\0\x80\xc0\xaf\xff\xfe", 6);
}

static const char node_html[] =
	"<!DOCTYPE html>\n<html>\n<head><title>502 Bad Gateway</title></head>\n"
	"<body>\n<center><h1>502 Bad Gateway</h1></center>\n"
	"<p>The upstream Chainlink node did not answer. Please try again later.</p>\n"
	"<hr><center>nginx</center>\n</body>\n</html>\n";

/* Bodies of the content scenarios; 1 when the response is done. */
static int node_content_scenario(sim_node_t *node, sim_scenario_t eff, sim_response_t *resp,
                                 const char *ctype, sim_stream_t stream)
{
	switch (eff) {
	case SIM_GARBAGE:
		node_garbage(node, resp, ctype);
		return 1;
	case SIM_HTML:
		resp->status = 200;
		resp->content_type = "text/html; charset=utf-8";
		strbuf_puts(&resp->body, node_html);
		return 1;
	case SIM_HUGE:
		resp->status = 200;
		resp->content_type = ctype;
		resp->send = SIM_SEND_STREAM;
		resp->stream = stream;
		return 1;
	default:
		return 0;
	}
}

static void node_control_state(sim_t *sim, sim_response_t *resp)
{
	uint64_t now = uv_now(&sim->loop);
	resp->status = 200;
	resp->content_type = "application/json; charset=utf-8";
	strbuf_puts(&resp->body, "{\"nodes\":[");
	for (int i = 0; i < sim->nnodes; i++) {
		const sim_node_t *n = &sim->nodes[i];
		sim_bprintf(&resp->body, "%s{\"index\":%d,\"port\":%d,\"scenario\":\"%s\",\"effective\":\"%s\",\"listening\":%s,"
		            "\"health_requests\":%llu,\"metrics_requests\":%llu}",
		            i ? "," : "", n->index, n->port, sim_scenario_name(n->scenario),
		            sim_scenario_name(sim_node_effective(n, now)), n->listener ? "true" : "false",
		            (unsigned long long)n->health_requests, (unsigned long long)n->metrics_requests);
	}
	strbuf_puts(&resp->body, "]}\n");
}

static void node_control(sim_node_t *node, const sim_request_t *req, sim_response_t *resp)
{
	sim_t *sim = node->sim;
	if (node_path_is(req, "/control/state")) {
		if (!node_method_is(req, "GET")) {
			snprintf(resp->extra_headers, sizeof(resp->extra_headers), "Allow: GET\r\n");
			node_text(resp, 405, "method not allowed\n");
			return;
		}
		node_control_state(sim, resp);
		return;
	}
	if (node_path_is(req, "/control/listen")) {
		/* POST /control/listen?node=N&on=0|1: stop listening (refused, port kept) or listen again */
		char idx[32], on[8];
		if (!node_method_is(req, "POST")) {
			snprintf(resp->extra_headers, sizeof(resp->extra_headers), "Allow: POST\r\n");
			node_text(resp, 405, "method not allowed\n");
			return;
		}
		int ol = node_query(req, "on", on, sizeof(on));
		if (ol != 1 || (on[0] != '0' && on[0] != '1')) {
			node_text(resp, 400, "on must be 0 or 1\n");
			return;
		}
		int il = node_query(req, "node", idx, sizeof(idx));
		sim_node_t *target = node;
		if (il >= 0) {
			char *end;
			long i = strtol(idx, &end, 10);
			if (il == 0 || *end || i < 0 || i >= sim->nnodes) {
				node_text(resp, 400, "bad node index\n");
				return;
			}
			target = &sim->nodes[i];
		}
		sim_node_set_listening(target, on[0] == '1');
		node_text(resp, 200, "ok\n");
		return;
	}
	if (!node_path_is(req, "/control/scenario")) {
		node_text(resp, 404, "404 page not found");
		return;
	}
	if (!node_method_is(req, "POST")) {
		snprintf(resp->extra_headers, sizeof(resp->extra_headers), "Allow: POST\r\n");
		node_text(resp, 405, "method not allowed\n");
		return;
	}
	char name[64], idx[32];
	sim_scenario_t s;
	int nl = node_query(req, "name", name, sizeof(name));
	if (nl <= 0 || sim_scenario_parse(name, (size_t)nl, &s) != 0) {
		resp->status = 400;
		resp->content_type = "text/plain; charset=utf-8";
		strbuf_puts(&resp->body, "unknown scenario: ");
		strbuf_puts(&resp->body, nl > 0 ? name : "(none)");
		strbuf_puts(&resp->body, "\nscenarios:");
		for (int i = 0; i < SIM_SCENARIO_COUNT; i++) {
			strbuf_putc(&resp->body, ' ');
			strbuf_puts(&resp->body, sim_scenario_name((sim_scenario_t)i));
		}
		strbuf_putc(&resp->body, '\n');
		return;
	}
	int il = node_query(req, "node", idx, sizeof(idx));
	if (il < 0) {
		sim_node_set_scenario(node, s);
	} else if (strcmp(idx, "all") == 0) {
		for (int i = 0; i < sim->nnodes; i++)
			sim_node_set_scenario(&sim->nodes[i], s);
	} else {
		char *end;
		long i = strtol(idx, &end, 10);
		if (il == 0 || *end || i < 0 || i >= sim->nnodes) {
			node_text(resp, 400, "bad node index\n");
			return;
		}
		sim_node_set_scenario(&sim->nodes[i], s);
	}
	node_text(resp, 200, "ok\n");
}

static int node_plugin_chain(const sim_t *sim, const sim_request_t *req)
{
	static const char pre[] = "/plugins/evm.", post[] = "/metrics";
	size_t pl = sizeof(pre) - 1, sl = sizeof(post) - 1;
	if (req->path_len <= pl + sl || memcmp(req->path, pre, pl) != 0 ||
	    memcmp(req->path + req->path_len - sl, post, sl) != 0)
		return -1;
	size_t idl = req->path_len - pl - sl;
	for (int c = 0; c < sim->nchains; c++)
		if (strlen(sim->chains[c].idstr) == idl && memcmp(sim->chains[c].idstr, req->path + pl, idl) == 0)
			return c;
	return -1;
}

void sim_node_handle(sim_node_t *node, const sim_request_t *req, sim_response_t *resp)
{
	sim_t *sim = node->sim;
	static const char control[] = "/control/";
	if (req->path_len >= sizeof(control) - 1 && memcmp(req->path, control, sizeof(control) - 1) == 0) {
		node_control(node, req, resp);
		return;
	}
	uint64_t now = uv_now(&sim->loop);
	sim_scenario_t eff = sim_node_effective(node, now);
	if (node_path_is(req, "/health") || node_path_is(req, "/health.txt"))
		node->health_requests++;
	else if (node_path_is(req, "/metrics"))
		node->metrics_requests++;
	if (eff == SIM_SLOW) {
		resp->send = SIM_SEND_DELAY;
		resp->delay_ms = sim->slow_ms;
	} else if (eff == SIM_TRICKLE) {
		resp->send = SIM_SEND_TRICKLE;
	}
	if (eff == SIM_STARTING) {
		if (node_method_is(req, "GET") && node_path_is(req, "/health"))
			resp->status = 204;
		else
			resp->status = 503;
		return;
	}
	if (!node_method_is(req, "GET")) {
		snprintf(resp->extra_headers, sizeof(resp->extra_headers), "Allow: GET\r\n");
		node_text(resp, 405, "405 method not allowed\n");
		return;
	}
	int is_health = node_path_is(req, "/health") || node_path_is(req, "/health.txt");
	if (eff == SIM_HTTP_ERROR) {
		if (is_health) {
			resp->status = 500;
			resp->content_type = "application/vnd.api+json";
			strbuf_puts(&resp->body, "{\"errors\":[{\"detail\":\"pq: the database system is shutting down\"}]}");
		} else {
			node_text(resp, 500, "Internal Server Error\n");
		}
		return;
	}
	if (eff == SIM_RATELIMIT) {
		snprintf(resp->extra_headers, sizeof(resp->extra_headers), "Retry-After: 30\r\n");
		node_text(resp, 429, "Too Many Requests\n");
		return;
	}
	sim_node_advance(node, now);
	if (is_health) {
		int text = node_path_is(req, "/health.txt") || node_wants_text(req);
		const char *ctype = text ? "text/plain; charset=utf-8" : "application/vnd.api+json";
		if (node_content_scenario(node, eff, resp, ctype,
		                          text ? SIM_STREAM_HEALTH_TEXT : SIM_STREAM_HEALTH_JSON))
			return;
		char v[8];
		int legacy = eff == SIM_LEGACY || eff == SIM_LEGACY_RPC_OUTAGE;   /* before ?failing existed */
		int failing = !legacy && node_query(req, "failing", v, sizeof(v)) >= 0;
		resp->content_type = ctype;
		resp->status = sim_health_render(node, eff, text, failing, &resp->body);
		return;
	}
	if (node_path_is(req, "/readyz")) {
		resp->status = 200;
		return;
	}
	static const char prom_ctype[] = "text/plain; version=0.0.4; charset=utf-8";
	if (node_path_is(req, "/metrics")) {
		if (eff == SIM_UNAUTHORIZED || !node_token_ok(sim, req)) {
			node_text(resp, 401, "invalid or missing token");
			return;
		}
		if (node_content_scenario(node, eff, resp, prom_ctype, SIM_STREAM_METRICS))
			return;
		resp->status = 200;
		resp->content_type = prom_ctype;
		sim_metrics_render(node, eff, -1, resp);
		return;
	}
	int chain = sim->plugin ? node_plugin_chain(sim, req) : -1;
	if (chain >= 0) {
		if (node_content_scenario(node, eff, resp, prom_ctype, SIM_STREAM_METRICS))
			return;
		resp->status = 200;
		resp->content_type = prom_ctype;
		sim_metrics_render(node, eff, chain, resp);
		return;
	}
	if (node_path_is(req, "/discovery")) {
		resp->status = 200;
		resp->content_type = "application/json; charset=utf-8";
		strbuf_putc(&resp->body, '[');
		for (int c = 0; sim->plugin && c < sim->nchains; c++)
			sim_bprintf(&resp->body, "%s{\"targets\":[\"127.0.0.1:%d\"],\"labels\":{\"__metrics_path__\":\"/plugins/evm.%s/metrics\"}}",
			            c ? "," : "", node->port, sim->chains[c].idstr);
		strbuf_putc(&resp->body, ']');
		return;
	}
	node_text(resp, 404, "404 page not found");
}

/* ---------------------------------------------------------------- control file */
int sim_node_apply_control(sim_t *sim, const char *text, size_t len)
{
	int bad = 0;
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		char line[128];
		size_t n = (size_t)(le - p);
		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl ? nl + 1 : end;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char who[32], what[64], extra[8];
		int k = sscanf(line, "%31s %63s %7s", who, what, extra);
		if (k <= 0)
			continue;
		sim_scenario_t s = SIM_HEALTHY;
		int listen = strcmp(what, "listen") == 0 ? 1 : strcmp(what, "unlisten") == 0 ? 0 : -1;
		if (k != 2 || (listen < 0 && sim_scenario_parse(what, strlen(what), &s) != 0)) {
			fprintf(stderr, "nodetop-sim: control file: bad line '%s'\n", line);
			bad++;
			continue;
		}
		if (strcmp(who, "all") == 0) {
			for (int i = 0; i < sim->nnodes; i++) {
				if (listen >= 0)
					sim_node_set_listening(&sim->nodes[i], listen);
				else
					sim_node_set_scenario(&sim->nodes[i], s);
			}
			continue;
		}
		char *e;
		long i = strtol(who, &e, 10);
		if (*e || i < 0 || i >= sim->nnodes) {
			fprintf(stderr, "nodetop-sim: control file: bad node index '%s'\n", who);
			bad++;
			continue;
		}
		if (listen >= 0)
			sim_node_set_listening(&sim->nodes[i], listen);
		else
			sim_node_set_scenario(&sim->nodes[i], s);
	}
	return bad;
}
