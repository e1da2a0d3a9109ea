/* demo.c - `nodetop --demo`: runs nodetop-sim as a child on free loopback
 * ports and configures nodetop for its four simulated nodes. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "demo.h"
#include "xalloc.h"

static const struct {
	const char *name, *group, *scenario;
} demo_nodes[] = {
	{ "primary", "pair", "healthy" },      /* a lease pair: the standby's port stays closed */
	{ "standby", "pair", "healthy" },      /* until the primary loses the lease (every 3 min) */
	{ "reporter", NULL, "db-outage" },
	{ "fresh", NULL, "starting" },
};
#define DEMO_N (sizeof(demo_nodes) / sizeof(demo_nodes[0]))

/* nodetop-sim beside our own executable, else the PATH one. */
static char *demo_find_sim(const char *given)
{
	if (given)
		return xstrdup(given);
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char *path = xasprintf("%s/nodetop-sim", dirname(self));
		if (access(path, X_OK) == 0)
			return path;
		free(path);
	}
	return xstrdup("nodetop-sim");
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* The running demo's directory (ports file, simulator log): removed by demo_stop. */
static char demo_dir[64];

pid_t demo_start(settings_t *s, const char *sim_path, char *err, size_t errlen)
{
	char dir[] = "/tmp/nodetop-demo.XXXXXX";
	if (!mkdtemp(dir)) {
		snprintf(err, errlen, "cannot create a temporary directory: %s", strerror(errno));
		return -1;
	}
	snprintf(demo_dir, sizeof demo_dir, "%s", dir);
	char *port_file = xasprintf("%s/ports", dir);
	char *log_file = xasprintf("%s/sim.log", dir);
	char *sim = demo_find_sim(sim_path);
	char scen[256] = "";
	for (size_t i = 0; i < DEMO_N; i++) {
		strcat(scen, demo_nodes[i].scenario);
		if (i + 1 < DEMO_N)
			strcat(scen, ",");
	}
	char nodes[16];
	snprintf(nodes, sizeof(nodes), "%zu", DEMO_N);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);      /* dies with nodetop, even on a crash */
		if (getppid() != parent)
			_exit(0);
		int fd = open(log_file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int nul = open("/dev/null", O_RDONLY);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (nul >= 0)
			dup2(nul, 0);
		setpgid(0, 0);                         /* Ctrl-C in the terminal goes to nodetop only */
		execlp(sim, sim, "--base-port", "0", "--port-file", port_file, "--nodes", nodes,
		       "--scenarios", scen, "--flap-ms", "90000", "--chains", "2",
		       "--lease-pair", "0,1", "--failover-ms", "180000", (char *)NULL);
		fprintf(stderr, "cannot run %s: %s\n", sim, strerror(errno));
		_exit(127);
	}
	/* Wait for the port file to list every node (the simulator writes it once all listen). */
	int ports[DEMO_N];
	size_t got = 0;
	for (int tries = 0; tries < 100 && got < DEMO_N; tries++) {
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			snprintf(err, errlen, "nodetop-sim (%s) exited at start; see %s", sim, log_file);
			pid = -1;
			goto fail;
		}
		FILE *f = fopen(port_file, "r");
		got = 0;
		if (f) {
			int idx, port;
			while (got < DEMO_N && fscanf(f, "%d %d", &idx, &port) == 2)
				if (idx >= 0 && (size_t)idx < DEMO_N) {
					ports[idx] = port;
					got++;
				}
			fclose(f);
		}
		if (got < DEMO_N)
			sleep_ms(50);
	}
	if (got < DEMO_N) {
		snprintf(err, errlen, "nodetop-sim did not start within 5 s; see %s", log_file);
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		pid = -1;
		goto fail;
	}
	for (size_t i = 0; i < DEMO_N; i++) {
		char url[64];
		snprintf(url, sizeof(url), "http://127.0.0.1:%d", ports[i]);
		if (settings_add_url(s, url, err, errlen) != 0) {
			kill(pid, SIGTERM);
			waitpid(pid, NULL, 0);
			pid = -1;
			goto fail;
		}
		node_cfg_t *n = &s->nodes[s->nnodes - 1];
		free(n->name);
		n->name = xstrdup(demo_nodes[i].name);
		free(n->group);
		n->group = demo_nodes[i].group ? xstrdup(demo_nodes[i].group) : NULL;
		if (n->interval_ms > 2000)
			n->interval_ms = 2000;
		if (n->timeout_ms > n->interval_ms)
			n->timeout_ms = n->interval_ms;
	}
fail:
	free(port_file);
	free(log_file);
	free(sim);
	return pid;
}

/* Removes the demo's directory and the two files in it. */
static void demo_clean_dir(void)
{
	static const char *const files[] = { "ports", "sim.log" };
	if (!demo_dir[0])
		return;
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char *p = xasprintf("%s/%s", demo_dir, files[i]);
		unlink(p);
		free(p);
	}
	rmdir(demo_dir);
	demo_dir[0] = '\0';
}

void demo_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (int i = 0; i < 100; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			demo_clean_dir();
			return;
		}
		sleep_ms(20);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	demo_clean_dir();
}
