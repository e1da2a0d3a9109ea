/* cli.c - parses nodetop's command line (getopt_long) into a cli_t and
 * prints the --help text. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "settings.h"
#include "xalloc.h"

enum {
	OPT_ONCE = 256, OPT_JSON, OPT_SUMMARY, OPT_EVENTS, OPT_STATUS_LINE, OPT_DEMO,
	OPT_KIOSK, OPT_ASCII, OPT_NO_COLOR, OPT_NO_MOUSE, OPT_INTERVAL, OPT_TIMEOUT, OPT_HEALTH_INTERVAL, OPT_SIM,
	OPT_REPORT, OPT_SINCE, OPT_PER, OPT_CSV, OPT_NO_HISTORY,
};

static const struct option cli_options[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "once", no_argument, NULL, OPT_ONCE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "summary", no_argument, NULL, OPT_SUMMARY },
	{ "events", no_argument, NULL, OPT_EVENTS },
	{ "status-line", no_argument, NULL, OPT_STATUS_LINE },
	{ "demo", no_argument, NULL, OPT_DEMO },
	{ "kiosk", no_argument, NULL, OPT_KIOSK },
	{ "ascii", no_argument, NULL, OPT_ASCII },
	{ "no-color", no_argument, NULL, OPT_NO_COLOR },
	{ "no-colour", no_argument, NULL, OPT_NO_COLOR },
	{ "no-mouse", no_argument, NULL, OPT_NO_MOUSE },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "health-interval", required_argument, NULL, OPT_HEALTH_INTERVAL },
	{ "sim", required_argument, NULL, OPT_SIM },
	{ "report", no_argument, NULL, OPT_REPORT },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "per", required_argument, NULL, OPT_PER },
	{ "csv", no_argument, NULL, OPT_CSV },
	{ "no-history", no_argument, NULL, OPT_NO_HISTORY },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

void cli_usage(FILE *f)
{
	fputs(
"Usage: nodetop [OPTIONS] [URL...]\n"
"       nodetop -c FILE [OPTIONS]\n"
"       nodetop --demo\n"
"\n"
"A terminal dashboard for Chainlink nodes: polls /health and /metrics of every\n"
"node and shows checks, metric sparklines and node / database / RPC uptime.\n"
"\n"
"Modes:\n"
"      (default)       the interactive dashboard\n"
"      --once          poll every node once, print a report, exit 0 OK, 1 WARNING,\n"
"                      2 CRITICAL, 3 UNKNOWN (--json: a JSON document;\n"
"                      --summary: a plain-text incident summary)\n"
"      --events        no screen: one line per state change (--json: JSON lines)\n"
"      --status-line   one short line for tmux status-right; exit code as --once\n"
"      --demo          the dashboard on simulated nodes (starts nodetop-sim)\n"
"      --report        the SLA report from the history file: availability per\n"
"                      node, group and indicator, downtime, longest outage,\n"
"                      failovers, incidents (--json, --csv; no polling)\n"
"\n"
"Options:\n"
"  -c, --config FILE   config file (default $XDG_CONFIG_HOME/nodetop/nodetop.conf)\n"
"      --interval DUR  poll interval for every node (e.g. 5s, 500ms)\n"
"      --timeout DUR   request timeout for every node\n"
"      --health-interval DUR\n"
"                      /health of a node whose checks all pass (default: the\n"
"                      interval, at least 15s when /metrics is polled; a failing\n"
"                      or unreachable node is asked every interval)\n"
"      --kiosk         read-only wall screen: no key changes anything\n"
"      --ascii         ASCII glyphs only\n"
"      --no-color      no colours (NO_COLOR in the environment does the same)\n"
"      --no-mouse      do not capture the mouse\n"
"      --sim PATH      the nodetop-sim program to use for --demo\n"
"      --since WHEN    --report from: a span back (90m, 36h, 30d, 4w) or a UTC\n"
"                      date (2026-11-01); default 30d\n"
"      --per PERIOD    --report rows per day (default) or week\n"
"      --csv           --report as CSV\n"
"      --no-history    keep no history file (as history = off)\n"
"  -h, --help          this text\n"
"  -V, --version       the version\n"
"\n"
"A URL is the node's base, e.g. http://10.0.1.5:6688 or https://lb.example.com;\n"
"its name is host:port. Bytes written to the terminal can be measured with\n"
"  script -q -c 'nodetop URL' /tmp/tty.out; wc -c /tmp/tty.out\n"
"See nodetop(1) for the config file, the indicator rules and the JSON format.\n", f);
}

int cli_parse(cli_t *cli, int argc, char **argv, char *err, size_t errlen)
{
	memset(cli, 0, sizeof(*cli));
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":c:hV", cli_options, NULL)) != -1) {
		switch (c) {
		case 'c': cli->config = optarg; break;
		case OPT_ONCE: cli->mode = CLI_ONCE; break;
		case OPT_JSON: cli->json = true; break;
		case OPT_SUMMARY: cli->summary = true; break;
		case OPT_EVENTS: cli->mode = CLI_EVENTS; break;
		case OPT_STATUS_LINE: cli->mode = CLI_STATUS_LINE; break;
		case OPT_DEMO: cli->demo = true; break;
		case OPT_KIOSK: cli->kiosk = true; break;
		case OPT_ASCII: cli->ascii = true; break;
		case OPT_NO_COLOR: cli->no_color = true; break;
		case OPT_NO_MOUSE: cli->no_mouse = true; break;
		case OPT_SIM: cli->sim_path = optarg; break;
		case OPT_REPORT: cli->mode = CLI_REPORT; break;
		case OPT_SINCE: cli->since = optarg; break;
		case OPT_PER: cli->per = optarg; break;
		case OPT_CSV: cli->csv = true; break;
		case OPT_NO_HISTORY: cli->no_history = true; break;
		case OPT_INTERVAL:
		case OPT_TIMEOUT:
		case OPT_HEALTH_INTERVAL: {
			int64_t ms;
			if (!settings_parse_duration(optarg, &ms) || ms <= 0) {
				snprintf(err, errlen, "bad duration '%s' for --%s (use e.g. 5s, 500ms, 2m)", optarg,
				         c == OPT_INTERVAL ? "interval" : c == OPT_TIMEOUT ? "timeout" : "health-interval");
				return -1;
			}
			if (c == OPT_INTERVAL)
				cli->interval_ms = ms;
			else if (c == OPT_TIMEOUT)
				cli->timeout_ms = ms;
			else
				cli->health_interval_ms = ms;
			break;
		}
		case 'h': cli->help = true; break;
		case 'V': cli->version = true; break;
		case ':':
			snprintf(err, errlen, "option '%s' needs a value", argv[optind - 1]);
			return -1;
		default:
			snprintf(err, errlen, "unknown option '%s' (see --help)", argv[optind - 1]);
			return -1;
		}
	}
	if ((cli->json || cli->summary) && cli->mode == CLI_DASHBOARD) {
		snprintf(err, errlen, "--json and --summary go with --once (or --events for --json)");
		return -1;
	}
	if ((cli->csv || cli->since || cli->per) && cli->mode != CLI_REPORT) {
		snprintf(err, errlen, "--since, --per and --csv go with --report");
		return -1;
	}
	if (cli->mode == CLI_REPORT && (cli->summary || (cli->csv && cli->json))) {
		snprintf(err, errlen, "--report takes --json or --csv, not both, and no --summary");
		return -1;
	}
	if (cli->summary && cli->json) {
		snprintf(err, errlen, "--summary and --json exclude each other");
		return -1;
	}
	cli->nurls = (size_t)(argc - optind);
	cli->urls = xcalloc(cli->nurls + 1, sizeof(*cli->urls));
	for (size_t i = 0; i < cli->nurls; i++)
		cli->urls[i] = argv[optind + (int)i];
	return 0;
}

void cli_free(cli_t *cli)
{
	free(cli->urls);
	cli->urls = NULL;
}

void cli_apply_node(const cli_t *cli, node_cfg_t *n)
{
	if (cli->interval_ms)
		n->interval_ms = cli->interval_ms;
	if (cli->timeout_ms)
		n->timeout_ms = cli->timeout_ms;
	if (cli->health_interval_ms)
		n->health_interval_ms = cli->health_interval_ms;
	if (n->timeout_ms > n->interval_ms)
		n->timeout_ms = n->interval_ms;
}
