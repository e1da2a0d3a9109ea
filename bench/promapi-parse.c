/* promapi-parse.c - benchmark of the Prometheus API answer parser: a generated fleet answer
 * (300 000 series by default) read by the streaming promapi_parse and the former cJSON one. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "parse_promapi.h"
#include "promapi_ref.h"
#include "strbuf.h"
#include "xalloc.h"

typedef int (*parse_fn)(const char *, size_t, promapi_result_t *);
typedef void (*free_fn)(promapi_result_t *);

static const struct bench_parser {
	const char *name;
	parse_fn parse;
	free_fn free;
} parsers[] = {
	{ "streaming", promapi_parse, promapi_result_free },
	{ "cJSON-ref", ref_promapi_parse, ref_promapi_result_free },
};

/* /api/v1/query?query=health for nodes nodes with checks checks each (Chainlink's /health). */
static void bench_answer(strbuf_t *b, size_t nseries)
{
	static const char *checks[] = {
		"EVM.1.Txm", "EVM.1.HeadTracker", "EVM.1.LogBroadcaster", "EVM.1.BalanceMonitor", "EVM.1.Txm.Broadcaster",
		"EVM.1.Txm.Confirmer", "EVM.1.HeadBroadcaster", "EVM.1.RelayerService", "JobSpawner", "Mailbox.Monitor",
		"Mercury.WSRPCPool", "PipelineORM", "PipelineRunner", "PromReporter", "TelemetryManager",
		"EVM.1.Txm.WrappedEvmEstimator", "EVM.1.Txm.Resender", "EVM.1.Txm.Reaper", "EVM.1.LogPoller", "OCR2.Delegate",
		"Heartbeat", "EVM.1.Forwarder", "BridgeCache", "EventBroadcaster", "WebAuthn",
		"EVM.1.Chain", "PipelineRunner.BridgeCache", "LoopRegistry", "RetirementReportCache", "HeadReporter",
	};
	strbuf_puts(b, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[");
	for (size_t i = 0; i < nseries; i++)
		strbuf_printf(b, "%s{\"metric\":{\"__name__\":\"health\",\"instance\":\"node%05zu\",\"job\":\"chainlink_node\","
		              "\"service_id\":\"%s\"},\"value\":[1796062498.%03zu,\"%d\"]}",
		              i ? "," : "", i / 30 % 100000, checks[i % 30], i % 1000, i % 97 == 0 ? 1 : 0);
	strbuf_puts(b, "]}}");
}

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* kB of "VmRSS:" or "VmHWM:" in /proc/self/status; -1 when unknown. */
static long proc_kb(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return -1;
	char line[256];
	long kb = -1;
	size_t kl = strlen(key);
	while (fgets(line, sizeof line, f))
		if (strncmp(line, key, kl) == 0)
			kb = strtol(line + kl, NULL, 10);
	fclose(f);
	return kb;
}

/* Peak RSS growth (kB) of one parse, measured in a child (its peak reset first). */
static long peak_rss_kb(const struct bench_parser *p, const char *body, size_t len)
{
	int fd[2];
	if (pipe(fd) != 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(fd[0]);
		FILE *c = fopen("/proc/self/clear_refs", "w");
		long grow = -1;
		if (c && fputs("5", c) >= 0 && fclose(c) == 0) {   /* resets VmHWM to VmRSS */
			long base = proc_kb("VmRSS:");
			promapi_result_t r;
			p->parse(body, len, &r);
			long hwm = proc_kb("VmHWM:");
			p->free(&r);
			grow = base >= 0 && hwm >= 0 ? hwm - base : -1;
		} else if (c) {
			fclose(c);
		}
		ssize_t w = write(fd[1], &grow, sizeof grow);
		_exit(w == (ssize_t)sizeof grow ? 0 : 1);
	}
	close(fd[1]);
	long grow = -1;
	if (pid < 0 || read(fd[0], &grow, sizeof grow) != (ssize_t)sizeof grow)
		grow = -1;
	close(fd[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return grow;
}

int main(int argc, char **argv)
{
	size_t nseries = argc > 1 ? strtoul(argv[1], NULL, 10) : 300000;
	int runs = argc > 2 ? atoi(argv[2]) : 5;
	if (nseries == 0 || runs <= 0) {
		fprintf(stderr, "usage: %s [NSERIES [RUNS]]\n", argv[0]);
		return 2;
	}
	strbuf_t b = STRBUF_INIT;
	bench_answer(&b, nseries);
	printf("answer: %zu series, %.1f MB\n", nseries, (double)b.len / 1e6);
	/* peaks first, while this process's heap holds only the answer (children inherit it) */
	long peak[sizeof parsers / sizeof parsers[0]];
	for (size_t k = 0; k < sizeof parsers / sizeof parsers[0]; k++)
		peak[k] = peak_rss_kb(&parsers[k], b.data, b.len);
	size_t want = 0;
	for (size_t k = 0; k < sizeof parsers / sizeof parsers[0]; k++) {
		const struct bench_parser *p = &parsers[k];
		double best = 1e9;
		size_t held = 0, n = 0, labels = 0;
		for (int i = 0; i < runs; i++) {
			struct mallinfo2 m0 = mallinfo2();
			double t0 = cpu_now();
			promapi_result_t r;
			if (p->parse(b.data, b.len, &r) != 0) {
				fprintf(stderr, "%s: %s\n", p->name, r.error);
				return 1;
			}
			double t = cpu_now() - t0;
			struct mallinfo2 m1 = mallinfo2();
			held = m1.uordblks + m1.hblkhd - m0.uordblks - m0.hblkhd;
			n = r.nseries;
			labels = 0;
			for (size_t s = 0; s < r.nseries; s++)
				labels += r.series[s].nlabels;
			p->free(&r);
			if (t < best)
				best = t;
		}
		if (k == 0)
			want = n;
		else if (n != want) {
			fprintf(stderr, "%s: %zu series, not %zu\n", p->name, n, want);
			return 1;
		}
		printf("%-10s %zu series %zu labels: best of %d %.3f s CPU, %.0f MB/s, result holds %.1f MB heap, "
		       "peak RSS +%.1f MB\n", p->name, n, labels, runs, best, (double)b.len / 1e6 / best,
		       (double)held / 1e6, peak[k] >= 0 ? (double)peak[k] / 1024.0 : -1.0);
	}
	strbuf_free(&b);
	return 0;
}
