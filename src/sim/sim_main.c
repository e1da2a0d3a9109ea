/* sim_main.c - nodetop-sim's entry point: the command line, the nodes and
 * their ports, the clock, cycle and control-file timers, signals, shutdown. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim.h"
#include "xalloc.h"

#define MAIN_TICK_MS 1000
#define MAIN_CONTROL_POLL_MS 200

static const struct {
	uint64_t id, block_ms, base;
	unsigned finality;
} main_chain_table[] = {
	{ 1, 12000, 23400000, 64 },        { 10, 2000, 143200000, 300 },   { 137, 2000, 78300000, 200 },
	{ 56, 3000, 67500000, 15 },        { 42161, 1000, 402000000, 240 }, { 8453, 2000, 37800000, 300 },
	{ 43114, 2000, 69800000, 1 },      { 250, 1000, 118000000, 1 },    { 100, 5000, 42100000, 20 },
	{ 59144, 2000, 23000000, 100 },    { 534352, 3000, 20300000, 100 }, { 324, 1000, 64000000, 50 },
	{ 1101, 3000, 23000000, 50 },      { 11155111, 12000, 9400000, 64 }, { 84532, 2000, 32000000, 300 },
	{ 421614, 1000, 210000000, 240 },
};

static sim_t main_sim;
static uv_timer_t main_tick, main_control_timer, main_cycle_timer;
static uv_signal_t main_sigint, main_sigterm;
static struct {
	int have;
	struct timespec mtime;
	off_t size;
	ino_t ino;
} main_control_seen;

static void main_usage(FILE *f)
{
	fputs("usage: nodetop-sim [--base-port P] [--nodes N] [--scenario NAME | --scenarios a,b,c]\n"
	      "                   [--metrics-size BYTES] [--chains N] [--token TOKEN] [--plugin]\n"
	      "                   [--control-file PATH] [--seed S] [--port-file PATH] [--cycle-ms MS]\n"
	      "                   [--flap-ms MS] [--slow-ms MS] [--lease-pair I,J [--failover-ms MS]]\n"
	      "Simulated Chainlink nodes on 127.0.0.1 ports P, P+1, ... (default 6688; 0 picks free ports).\n"
	      "scenarios:", f);
	for (int i = 0; i < SIM_SCENARIO_COUNT; i++)
		fprintf(f, " %s", sim_scenario_name((sim_scenario_t)i));
	fputs("\ncontrol: POST /control/scenario?name=NAME[&node=INDEX|all], GET /control/state,\n"
	      "         POST /control/listen?node=INDEX&on=0|1 (stop listening, the port kept; listen again),\n"
	      "         control file lines \"INDEX SCENARIO\", \"all SCENARIO\", \"INDEX unlisten\", \"INDEX listen\"\n", f);
}

static void main_die(const char *fmt, const char *arg)
{
	fputs("nodetop-sim: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

/* Non-negative integer with an optional k/M/G suffix (bytes) when scaled. */
static uint64_t main_number(const char *opt, const char *s, int scaled, uint64_t max)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s || errno || *s == '-')
		goto bad;
	if (scaled && *end) {
		unsigned long long mul = *end == 'k' || *end == 'K' ? 1000ULL : *end == 'm' || *end == 'M' ? 1000000ULL :
		                         *end == 'g' || *end == 'G' ? 1000000000ULL : 0;
		if (!mul || end[1])
			goto bad;
		v *= mul;
		end++;
	}
	if (*end || v > max)
		goto bad;
	return v;
bad:
	fprintf(stderr, "nodetop-sim: bad value for %s: '%s'\n", opt, s);
	exit(1);
}

static void main_scenarios(sim_t *sim, const char *list)
{
	free(sim->list);
	sim->list = NULL;
	sim->nlist = 0;
	size_t cap = 0;
	const char *p = list;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		sim_scenario_t s;
		if (n == 0 || sim_scenario_parse(p, n, &s) != 0) {
			fprintf(stderr, "nodetop-sim: unknown scenario '%.*s'; known:", (int)n, p);
			for (int i = 0; i < SIM_SCENARIO_COUNT; i++)
				fprintf(stderr, " %s", sim_scenario_name((sim_scenario_t)i));
			fputc('\n', stderr);
			exit(1);
		}
		sim->list = xgrow(sim->list, &cap, (size_t)sim->nlist + 1, sizeof(*sim->list));
		sim->list[sim->nlist++] = s;
		if (!comma)
			break;
		p = comma + 1;
	}
}

static void main_options(sim_t *sim, int argc, char **argv)
{
	enum { O_BASE = 256, O_NODES, O_SCEN, O_SCENS, O_MSIZE, O_CHAINS, O_TOKEN, O_PLUGIN, O_CTL,
	       O_SEED, O_PORTF, O_CYCLE, O_FLAP, O_SLOW, O_LEASE, O_FAILOVER, O_HELP };
	static const struct option opts[] = {
		{ "base-port", required_argument, NULL, O_BASE },
		{ "nodes", required_argument, NULL, O_NODES },
		{ "scenario", required_argument, NULL, O_SCEN },
		{ "scenarios", required_argument, NULL, O_SCENS },
		{ "metrics-size", required_argument, NULL, O_MSIZE },
		{ "chains", required_argument, NULL, O_CHAINS },
		{ "token", required_argument, NULL, O_TOKEN },
		{ "plugin", no_argument, NULL, O_PLUGIN },
		{ "control-file", required_argument, NULL, O_CTL },
		{ "seed", required_argument, NULL, O_SEED },
		{ "port-file", required_argument, NULL, O_PORTF },
		{ "cycle-ms", required_argument, NULL, O_CYCLE },
		{ "flap-ms", required_argument, NULL, O_FLAP },
		{ "slow-ms", required_argument, NULL, O_SLOW },
		{ "lease-pair", required_argument, NULL, O_LEASE },
		{ "failover-ms", required_argument, NULL, O_FAILOVER },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	sim->base_port = 6688;
	sim->nnodes = 1;
	sim->metrics_size = 100000;
	sim->nchains = 1;
	sim->seed = 1;
	sim->flap_ms = 20000;
	sim->slow_ms = 8000;
	sim->lease_pair[0] = sim->lease_pair[1] = -1;
	sim->failover_ms = 180000;
	int have_scen = 0, o;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case O_BASE: sim->base_port = (int)main_number("--base-port", optarg, 0, 65535); break;
		case O_NODES: sim->nnodes = (int)main_number("--nodes", optarg, 0, 65535); break;
		case O_SCEN:
		case O_SCENS:
			if (have_scen++)
				main_die("%s", "give one --scenario or --scenarios");
			if (o == O_SCEN && strchr(optarg, ','))
				main_die("--scenario takes one name; use --scenarios for a list ('%s')", optarg);
			main_scenarios(sim, optarg);
			break;
		case O_MSIZE: sim->metrics_size = main_number("--metrics-size", optarg, 1, 1ULL << 31); break;
		case O_CHAINS: sim->nchains = (int)main_number("--chains", optarg, 0, SIM_MAX_CHAINS); break;
		case O_TOKEN: sim->token = optarg; break;
		case O_PLUGIN: sim->plugin = 1; break;
		case O_CTL: sim->control_file = optarg; break;
		case O_SEED: sim->seed = main_number("--seed", optarg, 0, UINT64_MAX); break;
		case O_PORTF: sim->port_file = optarg; break;
		case O_CYCLE: sim->cycle_ms = main_number("--cycle-ms", optarg, 0, 86400000ULL * 365); break;
		case O_FLAP: sim->flap_ms = main_number("--flap-ms", optarg, 0, 86400000ULL * 365); break;
		case O_SLOW: sim->slow_ms = main_number("--slow-ms", optarg, 0, 86400000ULL * 365); break;
		case O_LEASE:
			if (sscanf(optarg, "%d,%d", &sim->lease_pair[0], &sim->lease_pair[1]) != 2 ||
			    sim->lease_pair[0] < 0 || sim->lease_pair[1] < 0 || sim->lease_pair[0] == sim->lease_pair[1])
				main_die("--lease-pair takes two different node indices, e.g. 0,1 ('%s')", optarg);
			break;
		case O_FAILOVER: sim->failover_ms = main_number("--failover-ms", optarg, 1000, 86400000ULL * 365); break;
		case O_HELP:
		case 'h':
			main_usage(stdout);
			exit(0);
		default:
			main_usage(stderr);
			exit(1);
		}
	}
	if (optind < argc)
		main_die("unexpected argument '%s'", argv[optind]);
	if (sim->nnodes < 1)
		main_die("%s", "--nodes must be at least 1");
	if (sim->base_port && sim->base_port + sim->nnodes - 1 > 65535)
		main_die("%s", "--base-port + --nodes goes past port 65535");
	if (sim->flap_ms == 0)
		main_die("%s", "--flap-ms must be positive");
	if (sim->token && !*sim->token)
		main_die("%s", "--token must not be empty");
	if (!sim->list)
		main_scenarios(sim, "healthy");
}

static void main_chains(sim_t *sim)
{
	size_t nt = sizeof(main_chain_table) / sizeof(main_chain_table[0]);
	for (int c = 0; c < sim->nchains; c++) {
		sim_chain_info_t *ci = &sim->chains[c];
		if ((size_t)c < nt) {
			ci->id = main_chain_table[c].id;
			ci->block_ms = main_chain_table[c].block_ms;
			ci->base_head = main_chain_table[c].base;
			ci->finality = main_chain_table[c].finality;
		} else {
			ci->id = 1000000 + (uint64_t)c;
			ci->block_ms = 2000;
			ci->base_head = 1000000 + (uint64_t)c * 1000;
			ci->finality = 50;
		}
		snprintf(ci->idstr, sizeof(ci->idstr), "%llu", (unsigned long long)ci->id);
	}
}

static void main_raise_nofile(int nnodes)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)nnodes * 2 + 64)
		fprintf(stderr, "nodetop-sim: warning: only %llu file descriptors for %d nodes\n",
		        (unsigned long long)rl.rlim_cur, nnodes);
}

static int main_write_port_file(const sim_t *sim)
{
	char *tmp = xasprintf("%s.tmp.%ld", sim->port_file, (long)getpid());
	FILE *f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "nodetop-sim: cannot write %s: %s\n", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	for (int i = 0; i < sim->nnodes; i++)
		fprintf(f, "%d %d\n", i, sim->nodes[i].port);
	int bad = fclose(f) != 0;
	if (bad || rename(tmp, sim->port_file) != 0) {
		fprintf(stderr, "nodetop-sim: cannot write %s: %s\n", sim->port_file, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

/* ---------------------------------------------------------------- timers */
/* --lease-pair: Chainlink's database lease. The holder listens; the other's
 * port refuses (it retries the lease every second). Every --failover-ms the
 * holder loses the lease and exits (refused); the lease expires (10 s) and the
 * other takes it, answers 204 while it migrates (8 s), then serves; the old
 * holder waits for the lease in turn. */
#define LEASE_GAP_MS     12000
#define LEASE_MIGRATE_MS 8000

static void main_lease_step(sim_t *sim, uint64_t now)
{
	if (sim->lease_pair[0] < 0)
		return;
	sim_node_t *hold = &sim->nodes[sim->lease_pair[sim->lease_holder]];
	sim_node_t *next = &sim->nodes[sim->lease_pair[!sim->lease_holder]];
	uint64_t in = now - sim->lease_phase_ms;
	if (sim->lease_phase == 0 && in >= sim->failover_ms) {
		sim_node_set_listening(hold, 0);             /* lost the lease: exits */
		sim->lease_phase = 1;
		sim->lease_phase_ms = now;
	} else if (sim->lease_phase == 1 && in >= LEASE_GAP_MS) {
		sim_node_set_scenario(next, SIM_STARTING);   /* took the lease, migrating */
		sim_node_set_listening(next, 1);
		sim->lease_phase = 2;
		sim->lease_phase_ms = now;
	} else if (sim->lease_phase == 2 && in >= LEASE_MIGRATE_MS) {
		sim_node_set_scenario(next, sim->list[next->cycle_pos]);
		sim->lease_holder = !sim->lease_holder;
		sim->lease_phase = 0;
		sim->lease_phase_ms = now;
	}
}

static void main_on_tick(uv_timer_t *t)
{
	sim_t *sim = t->data;
	uint64_t now = uv_now(&sim->loop);
	for (int i = 0; i < sim->nnodes; i++)
		sim_node_advance(&sim->nodes[i], now);
	main_lease_step(sim, now);
	sim_http_sweep(sim, now);
}

static void main_check_control_file(sim_t *sim)
{
	struct stat st;
	if (stat(sim->control_file, &st) != 0) {
		main_control_seen.have = 0;
		return;
	}
	if (main_control_seen.have && st.st_mtim.tv_sec == main_control_seen.mtime.tv_sec &&
	    st.st_mtim.tv_nsec == main_control_seen.mtime.tv_nsec && st.st_size == main_control_seen.size &&
	    st.st_ino == main_control_seen.ino)
		return;
	main_control_seen.have = 1;
	main_control_seen.mtime = st.st_mtim;
	main_control_seen.size = st.st_size;
	main_control_seen.ino = st.st_ino;
	FILE *f = fopen(sim->control_file, "r");
	if (!f)
		return;
	strbuf_t sb = STRBUF_INIT;
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0 && sb.len < (1u << 20))
		strbuf_append(&sb, buf, n);
	fclose(f);
	sim_node_apply_control(sim, strbuf_str(&sb), sb.len);
	strbuf_free(&sb);
}

static void main_on_control_timer(uv_timer_t *t)
{
	main_check_control_file(t->data);
}

static void main_on_cycle(uv_timer_t *t)
{
	sim_t *sim = t->data;
	for (int i = 0; i < sim->nnodes; i++) {
		sim_node_t *n = &sim->nodes[i];
		n->cycle_pos = (n->cycle_pos + 1) % sim->nlist;
		sim_node_set_scenario(n, sim->list[n->cycle_pos]);
	}
}

/* ---------------------------------------------------------------- shutdown */
static void main_on_signal(uv_signal_t *h, int signum)
{
	sim_t *sim = h->data;
	if (sim->stopping)
		return;
	sim->stopping = 1;
	uv_timer_stop(&main_tick);
	uv_close((uv_handle_t *)&main_tick, NULL);
	uv_close((uv_handle_t *)&main_control_timer, NULL);
	uv_close((uv_handle_t *)&main_cycle_timer, NULL);
	uv_close((uv_handle_t *)&main_sigint, NULL);
	uv_close((uv_handle_t *)&main_sigterm, NULL);
	sim_http_close_all(sim);
}

int main(int argc, char **argv)
{
	sim_t *sim = &main_sim;
	signal(SIGPIPE, SIG_IGN);
	main_options(sim, argc, argv);
	main_raise_nofile(sim->nnodes);
	if (uv_loop_init(&sim->loop) != 0)
		main_die("%s", "cannot initialise the event loop");
	uv_update_time(&sim->loop);
	sim->t0_ms = uv_now(&sim->loop);
	sim->t0_wall = time(NULL);
	main_chains(sim);
	sim_health_setup(sim);
	sim_metrics_setup(sim);
	sim_http_setup(sim);

	sim->nodes = xcalloc((size_t)sim->nnodes, sizeof(*sim->nodes));
	for (int i = 0; i < sim->nnodes; i++)
		sim_node_init(sim, &sim->nodes[i], i, sim->list[i % sim->nlist], i % sim->nlist);
	for (int i = 0; i < sim->nnodes; i++) {
		sim_node_t *n = &sim->nodes[i];
		char err[256];
		n->port = sim->base_port ? sim->base_port + i : 0;
		if (sim_http_listen(n, err, sizeof(err)) != 0) {
			fprintf(stderr, "nodetop-sim: node %d: %s\n", i, err);
			return 1;
		}
	}
	if (sim->lease_pair[0] >= sim->nnodes || sim->lease_pair[1] >= sim->nnodes) {
		fprintf(stderr, "nodetop-sim: --lease-pair %d,%d: only %d nodes\n", sim->lease_pair[0],
		        sim->lease_pair[1], sim->nnodes);
		return 1;
	}
	if (sim->lease_pair[0] >= 0) {       /* the second member waits for the lease */
		sim->nodes[sim->lease_pair[1]].unplugged = 1;
		sim->nodes[sim->lease_pair[1]].want_listen = 0;
		sim->lease_phase_ms = sim->t0_ms;
	}
	/* nodes that start down keep their port (picked above) but do not listen */
	for (int i = 0; i < sim->nnodes; i++)
		if (!sim->nodes[i].want_listen)
			sim_http_unlisten(&sim->nodes[i]);
	if (sim->port_file && main_write_port_file(sim) != 0)
		return 1;

	uv_timer_init(&sim->loop, &main_tick);
	uv_timer_init(&sim->loop, &main_control_timer);
	uv_timer_init(&sim->loop, &main_cycle_timer);
	main_tick.data = main_control_timer.data = main_cycle_timer.data = sim;
	uv_timer_start(&main_tick, main_on_tick, MAIN_TICK_MS, MAIN_TICK_MS);
	if (sim->control_file) {
		main_check_control_file(sim);
		uv_timer_start(&main_control_timer, main_on_control_timer, MAIN_CONTROL_POLL_MS, MAIN_CONTROL_POLL_MS);
	}
	if (sim->cycle_ms && sim->nlist > 1)
		uv_timer_start(&main_cycle_timer, main_on_cycle, sim->cycle_ms, sim->cycle_ms);
	uv_signal_init(&sim->loop, &main_sigint);
	uv_signal_init(&sim->loop, &main_sigterm);
	main_sigint.data = main_sigterm.data = sim;
	uv_signal_start(&main_sigint, main_on_signal, SIGINT);
	uv_signal_start(&main_sigterm, main_on_signal, SIGTERM);

	for (int i = 0; i < sim->nnodes; i++)
		printf("node %d 127.0.0.1:%d %s\n", i, sim->nodes[i].port,
		       sim_scenario_name(sim->nodes[i].scenario));
	fflush(stdout);

	uv_run(&sim->loop, UV_RUN_DEFAULT);
	int rc = uv_loop_close(&sim->loop);
	if (rc != 0)
		fprintf(stderr, "nodetop-sim: event loop not closed cleanly: %s\n", uv_strerror(rc));
	sim_http_free(sim);
	sim_metrics_free(sim);
	sim_health_free(sim);
	free(sim->nodes);
	free(sim->list);
	return rc == 0 ? 0 : 1;
}
