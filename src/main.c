/* main.c - nodetop's entry point: locale, crash handlers, command line and
 * config, the optional demo simulator, then one app_run. */
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <uv.h>

#include "app.h"
#include "cli.h"
#include "demo.h"
#include "histwire.h"
#include "settings.h"
#include "tui.h"

/* A crash must not leave the terminal in raw mode on the alternate screen. */
static void main_on_crash(int sig)
{
	tui_emergency_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void main_install_crash_handlers(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = main_on_crash;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
#if defined(__SANITIZE_ADDRESS__)
	/* ASan reports SIGSEGV and friends itself, then calls abort(): restore there. */
	int sigs[] = { SIGABRT, SIGQUIT };
#else
	int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGQUIT };
#endif
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* A closed stdin, stdout or stderr would hand its number to the next file
 * opened (libuv's epoll fd, a socket) and the output meant for the terminal
 * would go there: park /dev/null on it first. */
static void main_guard_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1)
			continue;
		int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
		if (n >= 0 && n != fd) {
			dup2(n, fd);
			close(n);
		}
	}
}

int main(int argc, char **argv)
{
	char err[512];
	cli_t cli;
	main_guard_std_fds();
	setlocale(LC_ALL, "");
	if (cli_parse(&cli, argc, argv, err, sizeof(err)) != 0) {
		fprintf(stderr, "nodetop: %s\n", err);
		return 3;
	}
	if (cli.help) {
		cli_usage(stdout);
		cli_free(&cli);
		return 0;
	}
	if (cli.version) {
		printf("nodetop %s (libcurl %s, libuv %s)\n", PACKAGE_VERSION,
		       curl_version_info(CURLVERSION_NOW)->version, uv_version_string());
		cli_free(&cli);
		return 0;
	}

	settings_t s;
	settings_init(&s);
	const char *path = cli.config;
	char *def = NULL;
	if (!path && cli.nurls == 0 && !cli.demo) {
		def = settings_default_path();
		if (def && access(def, F_OK) == 0)
			path = def;
	}
	int rc = 0;
	if (path && settings_load_file(&s, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "nodetop: %s\n", err);
		rc = 3;
		goto out;
	}
	for (size_t i = 0; i < cli.nurls; i++) {
		if (settings_add_url(&s, cli.urls[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "nodetop: %s\n", err);
			rc = 3;
			goto out;
		}
	}
	if (cli.mode == CLI_REPORT) {     /* the history file's SLA report: no nodes, no polling */
		rc = histwire_report(&s, &cli);
		goto out;
	}
	pid_t demo = -1;
	if (cli.demo) {
		demo = demo_start(&s, cli.sim_path, err, sizeof(err));
		if (demo < 0) {
			fprintf(stderr, "nodetop: --demo: %s\n", err);
			rc = 3;
			goto out;
		}
	}
	for (size_t i = 0; i < s.nnodes; i++)
		cli_apply_node(&cli, &s.nodes[i]);
	if (s.nnodes == 0 && s.nsources == 0 && cli.mode != CLI_ONCE && cli.mode != CLI_STATUS_LINE) {
		fprintf(stderr, "nodetop: no nodes to watch: give node URLs, -c FILE (or create %s), or try --demo\n",
		        def ? def : "$XDG_CONFIG_HOME/nodetop/nodetop.conf");
		rc = 3;
		goto out;
	}
	for (size_t i = 0; i < s.nwarnings; i++)
		fprintf(stderr, "nodetop: warning: %s\n", s.warnings[i]);

	main_install_crash_handlers();
	CURLcode cc = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (cc != CURLE_OK) {
		fprintf(stderr, "nodetop: cannot initialise libcurl: %s\n", curl_easy_strerror(cc));
		rc = 3;
	} else {
		rc = app_run(&s, &cli);
		curl_global_cleanup();
	}
	demo_stop(demo);
out:
	free(def);
	settings_free(&s);
	cli_free(&cli);
	return rc;
}
