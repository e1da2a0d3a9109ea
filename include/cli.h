/* cli.h - nodetop's command line: options and node URLs into a cli_t,
 * with --help and --version texts. */
#ifndef NODETOP_CLI_H
#define NODETOP_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef enum cli_mode {
	CLI_DASHBOARD = 0,
	CLI_ONCE,
	CLI_EVENTS,
	CLI_STATUS_LINE,
	CLI_REPORT,                /* --report: the SLA report from the history file (issue 14) */
} cli_mode_t;

typedef struct cli {
	cli_mode_t mode;
	bool json, summary;
	bool demo;
	bool kiosk, ascii, no_color, no_mouse;
	bool help, version;
	const char *config;        /* -c FILE, or NULL */
	int64_t interval_ms;       /* --interval, 0 = from config */
	int64_t timeout_ms;        /* --timeout, 0 = from config */
	int64_t health_interval_ms;/* --health-interval, 0 = from config */
	const char **urls;         /* points into argv */
	size_t nurls;
	const char *sim_path;      /* --sim PATH: nodetop-sim for --demo */
	bool no_history;           /* --no-history: keep nothing (issue 14) */
	bool csv;                  /* --report --csv */
	const char *since;         /* --report --since SPAN|DATE, NULL = 30d */
	const char *per;           /* --report --per day|week, NULL = day */
} cli_t;

/* Returns 0 on success, -1 with a message in err. cli->urls must be freed with cli_free. */
int cli_parse(cli_t *cli, int argc, char **argv, char *err, size_t errlen);
/* Applies --interval, --timeout and --health-interval to one node's settings
 * (the timeout capped at the interval; a health interval below the interval
 * counts as the interval: poller_health_interval). */
struct node_cfg;
void cli_apply_node(const cli_t *cli, struct node_cfg *n);
void cli_free(cli_t *cli);
void cli_usage(FILE *f);

#endif
