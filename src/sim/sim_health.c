/* sim_health.c - nodetop-sim's /health: the check names of a real node (plain
 * or LOOPP layout, plus the hostile ones), their status per scenario, and the
 * JSON:API and text bodies written the way Chainlink (Go) writes them. */
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "xalloc.h"

static const char *const health_core[] = {
	"BridgeStatusReporter", "HeadReporter", "Heartbeat", "JobSpawner",
	"LLOTransmissionReaper", "Mailbox.Monitor", "Mercury.WSRPCPool",
	"Mercury.WSRPCPool.CacheSet", "PipelineORM", "PipelineRunner",
	"PipelineRunner.BridgeCache", "RetirementReportCache", "TelemetryManager",
	"WorkflowEngineLimiters", "WorkflowExecutionLimiter", "WorkflowRateLimiter",
	"WorkflowStore",
};

/* Below EVM.<id> (plain) or EVM.<id>.RelayerService.PluginRelayerClient.PluginEVM (LOOPP). */
static const char *const health_evm[] = {
	"", ".BalanceMonitor", ".HeadBroadcaster", ".HeadTracker", ".HeadTracker.HeadListener",
	".LogBroadcaster", ".Relayer", ".Txm", ".Txm.BlockHistoryEstimator", ".Txm.Broadcaster",
	".Txm.Confirmer", ".Txm.Finalizer", ".Txm.WrappedEvmEstimator",
};
static const char *const health_evm_plugin_only[] = { ".Mailbox.Monitor" };

#define ESC "\x1b"
/* Checks of the hostile scenario: terminal escapes, C1 CSI (U+009B), bidi
 * override (U+202E), CR, newlines, invalid UTF-8 and HTML in names and outputs. */
static const struct {
	const char *name, *output;
} health_hostile[] = {
	{ "Hostile." ESC "[2J" ESC "[H", ESC "]0;pwned\a" "window title changed" },
	{ "Hostile.C1\xc2\x9b" "31mred", "\xc2\x9b" "2J cleared by a C1 CSI" },
	{ "Hostile.Bidi\xe2\x80\xae" "exe.txt", NULL },
	{ "Hostile.CR\rok Spoofed", "first\rsecond\n" ESC "[1A" ESC "[2Kline erased" },
	{ "Hostile.Invalid\xff\xfe" "UTF8", "bad \xc3\x28 bytes \xed\xa0\x80 surrogate \xf8\x88\x80\x80\x80" },
	{ "Hostile.Newline\nok Fake.Check", "<script>alert(\"x\")</script> & more" },
	{ "Hostile.Tab\tBell\a", "\t\t\x7f\x01\x02\x03" },
	{ "Hostile.Long.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL },
};
static const char health_hostile_listener[] =
	"Listener connected = false" ESC "[2J" ESC "]0;pwned\a, receiving heads = false\r\n"
	"ok EVM.1.HeadTracker.HeadListener\n\xc2\x9b" "0m\xe2\x80\xae" "eslaf = sdaeh";

static const char health_rpc_down[] = "Listener connected = false, receiving heads = false";
static const char health_rpc_down_legacy[] = "Listener is not connected";

/* ---------------------------------------------------------------- escaping */
static const char health_hex[] = "0123456789abcdef";

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 when invalid. */
static size_t health_utf8_len(const unsigned char *s, size_t n, unsigned *cp)
{
	unsigned c = s[0];
	size_t len;
	unsigned min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		len = 2; min = 0x80; c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3; min = 0x800; c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4; min = 0x10000; c &= 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

void sim_json_escape(strbuf_t *out, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t start = 0, i = 0;
	while (i < n) {
		unsigned c = s[i];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&') {
			i++;
			continue;
		}
		unsigned cp = 0;
		size_t len = 1;
		if (c >= 0x80) {
			len = health_utf8_len(s + i, n - i, &cp);
			if (len && cp != 0x2028 && cp != 0x2029) {
				i += len;       /* valid and not a line separator: raw */
				continue;
			}
		}
		strbuf_append(out, s + start, i - start);
		if (c >= 0x80 && !len) {
			strbuf_puts(out, "\\ufffd");
			len = 1;
		} else if (c >= 0x80) {
			strbuf_puts(out, cp == 0x2028 ? "\\u2028" : "\\u2029");
		} else if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			strbuf_append(out, e, 2);
		} else if (c == '\n') {
			strbuf_puts(out, "\\n");
		} else if (c == '\r') {
			strbuf_puts(out, "\\r");
		} else if (c == '\t') {
			strbuf_puts(out, "\\t");
		} else {
			char e[6] = { '\\', 'u', '0', '0', health_hex[c >> 4], health_hex[c & 15] };
			strbuf_append(out, e, 6);
		}
		i += len;
		start = i;
	}
	strbuf_append(out, s + start, n - start);
}

/* Prometheus label value escaping: backslash, double quote and newline only. */
static void health_prom_escape(strbuf_t *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\')
			strbuf_puts(out, "\\\\");
		else if (s[i] == '"')
			strbuf_puts(out, "\\\"");
		else if (s[i] == '\n')
			strbuf_puts(out, "\\n");
		else
			strbuf_putc(out, s[i]);
	}
}

/* ---------------------------------------------------------------- check lists */
static void health_add(sim_checklist_t *l, size_t *cap, const char *name, sim_check_kind_t kind,
                       int chain, const char *hostile_output)
{
	l->v = xgrow(l->v, cap, l->n + 1, sizeof(*l->v));
	sim_check_t *c = &l->v[l->n++];
	memset(c, 0, sizeof(*c));
	c->name = xstrdup(name);
	c->name_len = strlen(name);
	c->kind = kind;
	c->chain = chain;
	c->hostile_output = hostile_output;
	strbuf_t sb = STRBUF_INIT;
	sim_json_escape(&sb, c->name, c->name_len);
	c->json = xstrdup(strbuf_str(&sb));
	strbuf_reset(&sb);
	health_prom_escape(&sb, c->name, c->name_len);
	c->prom = xstrdup(strbuf_str(&sb));
	strbuf_free(&sb);
}

static int health_cmp(const void *a, const void *b)
{
	const sim_check_t *x = a, *y = b;
	return strcmp(x->name, y->name);
}

static void health_build(sim_t *sim, sim_checklist_t *l, int hostile)
{
	size_t cap = 0;
	char name[256];
	for (size_t i = 0; i < sizeof(health_core) / sizeof(health_core[0]); i++)
		health_add(l, &cap, health_core[i], SIM_CK_PLAIN, -1, NULL);
	for (int c = 0; c < sim->nchains; c++) {
		const char *id = sim->chains[c].idstr;
		char base[128];
		if (sim->plugin) {
			snprintf(name, sizeof(name), "EVM.%s.RelayerService", id);
			health_add(l, &cap, name, SIM_CK_PLAIN, c, NULL);
			snprintf(name, sizeof(name), "EVM.%s.RelayerService.PluginRelayerClient", id);
			health_add(l, &cap, name, SIM_CK_PLAIN, c, NULL);
			snprintf(base, sizeof(base), "EVM.%s.RelayerService.PluginRelayerClient.PluginEVM", id);
			snprintf(name, sizeof(name), "%s%s", base, health_evm_plugin_only[0]);
			health_add(l, &cap, name, SIM_CK_PLAIN, c, NULL);
		} else {
			snprintf(base, sizeof(base), "EVM.%s", id);
		}
		for (size_t i = 0; i < sizeof(health_evm) / sizeof(health_evm[0]); i++) {
			snprintf(name, sizeof(name), "%s%s", base, health_evm[i]);
			int listener = strcmp(health_evm[i], ".HeadTracker.HeadListener") == 0;
			health_add(l, &cap, name, listener ? SIM_CK_HEADLISTENER : SIM_CK_PLAIN, c, NULL);
		}
	}
	if (hostile)
		for (size_t i = 0; i < sizeof(health_hostile) / sizeof(health_hostile[0]); i++)
			health_add(l, &cap, health_hostile[i].name, SIM_CK_HOSTILE, -1,
			           health_hostile[i].output);
	qsort(l->v, l->n, sizeof(*l->v), health_cmp);
}

void sim_health_setup(sim_t *sim)
{
	health_build(sim, &sim->checks, 0);
	health_build(sim, &sim->hostile, 1);
}

static void health_list_free(sim_checklist_t *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].json);
		free(l->v[i].prom);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void sim_health_free(sim_t *sim)
{
	health_list_free(&sim->checks);
	health_list_free(&sim->hostile);
}

const sim_checklist_t *sim_health_checks(const sim_t *sim, sim_scenario_t eff)
{
	return eff == SIM_HOSTILE ? &sim->hostile : &sim->checks;
}

const char *sim_health_output(const sim_check_t *c, sim_scenario_t eff)
{
	switch (c->kind) {
	case SIM_CK_HEADLISTENER:
		if (eff == SIM_RPC_OUTAGE)
			return health_rpc_down;
		if (eff == SIM_LEGACY_RPC_OUTAGE)
			return health_rpc_down_legacy;
		if (eff == SIM_HOSTILE)
			return health_hostile_listener;
		return NULL;
	case SIM_CK_HOSTILE:
		return c->hostile_output;
	case SIM_CK_PLAIN:
		break;
	}
	return NULL;
}

/* ---------------------------------------------------------------- bodies */
static void health_text_output(strbuf_t *out, const char *o)
{
	for (;;) {
		const char *nl = strchr(o, '\n');
		size_t n = nl ? (size_t)(nl - o) : strlen(o);
		strbuf_putc(out, '\t');
		strbuf_append(out, o, n);
		strbuf_putc(out, '\n');
		if (!nl)
			break;
		o = nl + 1;
	}
}

int sim_health_render(const sim_node_t *node, sim_scenario_t eff, int text, int failing_only,
                      strbuf_t *out)
{
	const sim_checklist_t *l = sim_health_checks(node->sim, eff);
	int legacy = eff == SIM_LEGACY || eff == SIM_LEGACY_RPC_OUTAGE;
	int any_failing = 0, first = 1;
	if (!text)
		strbuf_puts(out, "{\"data\":[");
	for (size_t i = 0; i < l->n; i++) {
		const sim_check_t *c = &l->v[i];
		const char *o = sim_health_output(c, eff);
		if (o)
			any_failing = 1;
		if (failing_only && !o)
			continue;
		if (text) {
			if (legacy)
				strbuf_puts(out, o ? "!" : "-");
			else
				strbuf_puts(out, o ? "!  " : "ok ");
			strbuf_append(out, c->name, c->name_len);
			strbuf_putc(out, '\n');
			if (o && *o)
				health_text_output(out, o);
			continue;
		}
		if (!first)
			strbuf_putc(out, ',');
		first = 0;
		strbuf_puts(out, "{\"type\":\"checks\",\"id\":\"");
		strbuf_puts(out, c->json);
		strbuf_puts(out, "\",\"attributes\":{\"name\":\"");
		strbuf_puts(out, c->json);
		if (o) {
			strbuf_puts(out, "\",\"status\":\"failing\",\"output\":\"");
			sim_json_escape(out, o, strlen(o));
			strbuf_puts(out, "\"}}");
		} else {
			strbuf_puts(out, "\",\"status\":\"passing\",\"output\":\"\"}}");
		}
	}
	if (!text)
		strbuf_puts(out, "]}");
	return any_failing && !legacy ? 207 : 200;
}
