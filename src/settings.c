/* settings.c - nodetop's configuration: the INI file (parsed by inih) with its
 * [defaults], [node NAME] and [chart ID] sections, and nodes given as URLs. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "settings.h"
#include "xalloc.h"

#define SETTINGS_FILE_MAX   (1024 * 1024)  /* a config file larger than this is a mistake */
#define SETTINGS_TOKEN_MAX  (64 * 1024)
#define SETTINGS_NAME_MAX   64             /* node, group and chart names */
#define SETTINGS_ECHO_MAX   80             /* longest user text quoted in a message */

#define DEF_INTERVAL_MS     5000
#define DEF_TIMEOUT_MS      4000
#define DEF_CONNECT_MS      2000
#define DEF_HEALTH_MAX      ((size_t)1 << 20)
#define DEF_METRICS_MAX     ((size_t)16 << 20)
#define DEF_HEAD_STALL_MS   (180 * 1000)
#define DEF_KIOSK_PAGE_MS   (10 * 1000)

#define MIN_INTERVAL_MS     100
#define MAX_INTERVAL_MS     (3600 * 1000)
#define MIN_SIZE            ((size_t)1 << 10)
#define MAX_SIZE            ((size_t)1 << 30)

/* ------------------------------------------------------------------ keys */

enum node_key {
	NK_URL, NK_GROUP, NK_INTERVAL, NK_TIMEOUT, NK_CONNECT_TIMEOUT,
	NK_HEALTH_MAX, NK_METRICS_MAX, NK_METRICS, NK_TOKEN_FILE, NK_TOKEN_ENV,
	NK_HEADER, NK_CA_FILE, NK_CERT_FILE, NK_KEY_FILE, NK_INSECURE, NK_HEALTH_INTERVAL,
	NK_FAILOVER_GRACE, NK_STANDBY_ANSWERS, NK_COUNT
};
static const char *const settings_node_keys[NK_COUNT] = {
	"url", "group", "interval", "timeout", "connect_timeout",
	"health_max", "metrics_max", "metrics", "bearer_token_file", "bearer_token_env",
	"header", "ca_file", "cert_file", "key_file", "insecure", "health_interval",
	"failover_grace", "standby_answers",
};

enum defaults_key { DK_CHARTS, DK_HEAD_STALL, DK_KIOSK, DK_KIOSK_PAGE, DK_BELL, DK_TITLE, DK_COUNT };
static const char *const settings_defaults_keys[DK_COUNT] = {
	"charts", "head_stall", "kiosk", "kiosk_page", "bell", "title",
};

enum chart_key { CK_TITLE, CK_METRIC, CK_FILTER, CK_SPLIT, CK_MODE, CK_UNIT, CK_WARN, CK_CRIT, CK_BELOW, CK_COUNT };
static const char *const settings_chart_keys[CK_COUNT] = {
	"title", "metric", "filter", "split", "mode", "unit", "warn", "crit", "below",
};

static int settings_key_index(const char *const *keys, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(keys[i], name) == 0)
			return i;
	return -1;
}

/* ------------------------------------------------------------------ parse state */

typedef enum { SEC_NONE, SEC_DEFAULTS, SEC_NODE, SEC_CHART } section_kind_t;

typedef struct node_lines {
	int section;               /* line of [node NAME] */
	int key[NK_COUNT];         /* line where each key was set, 0 when not */
} node_lines_t;

typedef struct chart_sec {
	chart_def_t def;
	int section;
	int key[CK_COUNT];
} chart_sec_t;

typedef struct parse {
	settings_t *s;
	const char *name;          /* file name in messages */
	char *base_dir;            /* relative paths resolve against it, or NULL */
	const char *p, *end;       /* reader position in the text */
	int line;                  /* number of the line last handed to inih */
	int err_line;              /* line of the first error (-1 without one), 0 = none yet */
	char *err;
	size_t errlen;

	section_kind_t sec;
	size_t cur;                /* node (absolute) or chart index of the section */
	size_t first_node;         /* nodes before this index did not come from this file */
	node_lines_t *nl;          /* per node of this file */
	size_t nl_cap;
	int defaults_section;
	int dline[NK_COUNT];       /* node keys set in [defaults] */
	int dkey[DK_COUNT];
	chart_sec_t *charts;
	size_t ncharts, charts_cap;
	chart_set_t sel;           /* [defaults] charts = ..., when given */
} parse_t;

/* Copies text into buf for quoting in a message: non-printable bytes become
 * '?', long text is cut with "...". */
static const char *settings_echo(char *buf, size_t len, const char *text)
{
	size_t o = 0, i = 0;
	for (; text[i] && o + 4 < len && i < SETTINGS_ECHO_MAX; i++) {
		unsigned char c = (unsigned char)text[i];
		buf[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	if (text[i]) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

static void settings_set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void settings_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Records the first error as "NAME:LINE: message"; later ones are dropped. */
static void parse_error(parse_t *ps, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void parse_error(parse_t *ps, int line, const char *fmt, ...)
{
	if (ps->err_line)
		return;
	ps->err_line = line > 0 ? line : -1;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		settings_set_err(ps->err, ps->errlen, "%s:%d: %s", ps->name, line, msg);
	else
		settings_set_err(ps->err, ps->errlen, "%s: %s", ps->name, msg);
}

static void settings_warn(settings_t *s, char *msg)
{
	for (size_t i = 0; i < s->nwarnings; i++) {
		if (strcmp(s->warnings[i], msg) == 0) {
			free(msg);
			return;
		}
	}
	s->warnings = xrealloc(s->warnings, (s->nwarnings + 1) * sizeof *s->warnings);
	s->warnings[s->nwarnings++] = msg;
}

/* ------------------------------------------------------------------ node configs */

static void settings_node_defaults(node_cfg_t *n)
{
	memset(n, 0, sizeof *n);
	n->interval_ms = DEF_INTERVAL_MS;
	n->timeout_ms = DEF_TIMEOUT_MS;
	n->connect_timeout_ms = DEF_CONNECT_MS;
	n->health_max_bytes = DEF_HEALTH_MAX;
	n->metrics_max_bytes = DEF_METRICS_MAX;
	n->metrics = true;
}

static void settings_node_free(node_cfg_t *n)
{
	free(n->name);
	free(n->url);
	free(n->group);
	free(n->bearer_token_file);
	free(n->bearer_token_env);
	if (n->bearer_token) {
		explicit_bzero(n->bearer_token, strlen(n->bearer_token));
		free(n->bearer_token);
	}
	for (size_t i = 0; i < n->nheaders; i++) {
		explicit_bzero(n->headers[i], strlen(n->headers[i]));
		free(n->headers[i]);
	}
	free(n->headers);
	free(n->ca_file);
	free(n->cert_file);
	free(n->key_file);
	memset(n, 0, sizeof *n);
}

static char *settings_dup(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void settings_add_header(node_cfg_t *n, char *h)
{
	n->headers = xrealloc(n->headers, (n->nheaders + 1) * sizeof *n->headers);
	n->headers[n->nheaders++] = h;
}

static void settings_node_copy(node_cfg_t *dst, const node_cfg_t *src)
{
	*dst = *src;
	dst->name = settings_dup(src->name);
	dst->url = settings_dup(src->url);
	dst->group = settings_dup(src->group);
	dst->bearer_token_file = settings_dup(src->bearer_token_file);
	dst->bearer_token_env = settings_dup(src->bearer_token_env);
	dst->bearer_token = settings_dup(src->bearer_token);
	dst->headers = NULL;
	dst->nheaders = 0;
	for (size_t i = 0; i < src->nheaders; i++)
		settings_add_header(dst, xstrdup(src->headers[i]));
	dst->ca_file = settings_dup(src->ca_file);
	dst->cert_file = settings_dup(src->cert_file);
	dst->key_file = settings_dup(src->key_file);
}

static node_cfg_t *settings_find_node(settings_t *s, const char *name, size_t *idx)
{
	for (size_t i = 0; i < s->nnodes; i++) {
		if (strcmp(s->nodes[i].name, name) == 0) {
			if (idx)
				*idx = i;
			return &s->nodes[i];
		}
	}
	return NULL;
}

static node_cfg_t *settings_append_node(settings_t *s)
{
	s->nodes = xgrow(s->nodes, &s->nodes_cap, s->nnodes + 1, sizeof *s->nodes);
	node_cfg_t *n = &s->nodes[s->nnodes++];
	memset(n, 0, sizeof *n);
	return n;
}

/* True when the header "Name: value" has the name (case-insensitive). */
static bool settings_header_is(const char *h, const char *name, size_t nlen)
{
	return strncasecmp(h, name, nlen) == 0 && h[nlen] == ':';
}

/* ------------------------------------------------------------------ public: lifetime */

void settings_init(settings_t *s)
{
	memset(s, 0, sizeof *s);
	settings_node_defaults(&s->defaults);
	chart_set_defaults(&s->charts);
	s->head_stall_ms = DEF_HEAD_STALL_MS;
	s->kiosk = false;
	s->kiosk_page_ms = DEF_KIOSK_PAGE_MS;
	s->bell = false;
	s->title = false;
}

void settings_free(settings_t *s)
{
	free(s->path);
	settings_node_free(&s->defaults);
	for (size_t i = 0; i < s->nnodes; i++)
		settings_node_free(&s->nodes[i]);
	free(s->nodes);
	chart_set_free(&s->charts);
	for (size_t i = 0; i < s->nwarnings; i++)
		free(s->warnings[i]);
	free(s->warnings);
	memset(s, 0, sizeof *s);
}

/* ------------------------------------------------------------------ value parsers */

static bool settings_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool settings_is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool settings_parse_duration(const char *v, int64_t *ms)
{
	/* a sequence of NUMBER[.FRACTION]UNIT (ms, s, m, h); a bare number is seconds */
	static const int64_t max_ms = INT64_C(1000) * 86400 * 366 * 100;
	if (!v || !*v)
		return false;
	const char *p = v;
	int64_t total = 0;
	while (*p) {
		if (!settings_is_digit(*p))
			return false;
		int64_t whole = 0, frac = 0, scale = 1;
		for (; settings_is_digit(*p); p++) {
			whole = whole * 10 + (*p - '0');
			if (whole > max_ms)
				return false;
		}
		if (*p == '.') {
			p++;
			if (!settings_is_digit(*p))
				return false;
			for (; settings_is_digit(*p); p++) {
				if (scale < INT64_C(1000000000)) {
					frac = frac * 10 + (*p - '0');
					scale *= 10;
				}
			}
		}
		int64_t mult;
		if (*p == '\0' && p == v + strspn(v, "0123456789."))
			mult = 1000;             /* the whole value is a bare number */
		else if (p[0] == 'm' && p[1] == 's')
			mult = 1, p += 2;
		else if (*p == 's')
			mult = 1000, p++;
		else if (*p == 'm')
			mult = 60 * 1000, p++;
		else if (*p == 'h')
			mult = 3600 * 1000, p++;
		else
			return false;
		if (whole > (max_ms - total) / mult)
			return false;
		total += whole * mult + frac * mult / scale;
		if (total > max_ms)
			return false;
	}
	*ms = total;
	return true;
}

void settings_format_duration(int64_t ms, char *buf, size_t len)
{
	if (!buf || len == 0)
		return;
	if (ms < 0 || ms % 1000 != 0 || ms == 0) {
		snprintf(buf, len, "%" PRId64 "ms", ms);
		return;
	}
	int64_t s = ms / 1000, h = s / 3600, m = s / 60 % 60;
	s %= 60;
	size_t o = 0;
	buf[0] = '\0';
	if (h)
		o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%" PRId64 "h", h);
	if (m && o < len)
		o += (size_t)snprintf(buf + o, len - o, "%" PRId64 "m", m);
	if (s && o < len)
		snprintf(buf + o, len - o, "%" PRId64 "s", s);
}

bool settings_parse_size(const char *v, size_t *bytes)
{
	static const uint64_t max = (uint64_t)1 << 40;
	if (!v || !settings_is_digit(*v))
		return false;
	uint64_t n = 0;
	const char *p = v;
	for (; settings_is_digit(*p); p++) {
		n = n * 10 + (uint64_t)(*p - '0');
		if (n > max)
			return false;
	}
	uint64_t mult = 1;
	switch (*p) {
	case 'k': case 'K': mult = (uint64_t)1 << 10; p++; break;
	case 'm': case 'M': mult = (uint64_t)1 << 20; p++; break;
	case 'g': case 'G': mult = (uint64_t)1 << 30; p++; break;
	default: break;
	}
	if (mult > 1 && *p == 'i') {
		p++;
		if (*p != 'b' && *p != 'B')
			return false;
	}
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p)
		return false;
	if (n > max / mult)
		return false;
	*bytes = (size_t)(n * mult);
	return true;
}

static bool settings_parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

static bool settings_parse_double(const char *v, double *out)
{
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	if (end == v || *end || errno == ERANGE || !isfinite(d))
		return false;
	*out = d;
	return true;
}

/* Node, group and chart names: letters, digits and -_.: */
static bool settings_name_ok(const char *n)
{
	if (!*n || strlen(n) > SETTINGS_NAME_MAX)
		return false;
	for (const char *p = n; *p; p++)
		if (!settings_is_alpha(*p) && !settings_is_digit(*p) && !strchr("-_.:", *p))
			return false;
	return true;
}

/* Prometheus label name. */
static bool settings_label_ok(const char *n)
{
	if (!settings_is_alpha(*n) && *n != '_')
		return false;
	for (const char *p = n + 1; *p; p++)
		if (!settings_is_alpha(*p) && !settings_is_digit(*p) && *p != '_')
			return false;
	return true;
}

/* Prometheus metric name. */
static bool settings_metric_ok(const char *n)
{
	if (!settings_is_alpha(*n) && *n != '_' && *n != ':')
		return false;
	for (const char *p = n + 1; *p; p++)
		if (!settings_is_alpha(*p) && !settings_is_digit(*p) && *p != '_' && *p != ':')
			return false;
	return true;
}

/* An HTTP header name: a token (RFC 9110 tchar). */
static bool settings_token_ok(const char *n, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!settings_is_alpha(n[i]) && !settings_is_digit(n[i]) && !strchr("!#$%&'*+-.^_`|~", n[i]))
			return false;
	return true;
}

static bool settings_has_ctl(const char *v, bool allow_tab)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if ((*p < 0x20 && !(allow_tab && *p == '\t')) || *p == 0x7f)
			return true;
	return false;
}

/* ------------------------------------------------------------------ URLs */

bool settings_url_valid(const char *url, char *err, size_t errlen)
{
	char e[SETTINGS_ECHO_MAX + 8];
	if (!url || !*url) {
		settings_set_err(err, errlen, "empty url");
		return false;
	}
	const char *rest;
	if (strncasecmp(url, "http://", 7) == 0)
		rest = url + 7;
	else if (strncasecmp(url, "https://", 8) == 0)
		rest = url + 8;
	else {
		settings_set_err(err, errlen, "url '%s' must start with http:// or https://",
		                 settings_echo(e, sizeof(e), url));
		return false;
	}
	size_t alen = strcspn(rest, "/?#");
	if (memchr(rest, '@', alen)) {
		/* never echo: what precedes '@' is a password */
		settings_set_err(err, errlen, "url must not contain a user name or password "
		                 "(use bearer_token_file, bearer_token_env or header)");
		return false;
	}
	for (const unsigned char *p = (const unsigned char *)url; *p; p++) {
		if (*p <= 0x20 || *p == 0x7f) {
			settings_set_err(err, errlen, "url '%s' contains spaces or control characters",
			                 settings_echo(e, sizeof(e), url));
			return false;
		}
		if (*p >= 0x80) {
			settings_set_err(err, errlen, "url '%s' is not ASCII (use punycode and %%-encoding)",
			                 settings_echo(e, sizeof(e), url));
			return false;
		}
	}
	if (strpbrk(rest, "?#")) {
		settings_set_err(err, errlen, "url '%s' must not have a query or fragment",
		                 settings_echo(e, sizeof(e), url));
		return false;
	}
	const char *host = rest, *hend, *port = NULL;
	const char *aend = rest + alen;
	if (*host == '[') {
		hend = memchr(host, ']', alen);
		bool ok = hend && hend > host + 1;
		for (const char *p = host + 1; ok && p < hend; p++)
			if (!settings_is_digit(*p) && !strchr("abcdefABCDEF:.%", *p) && !settings_is_alpha(*p))
				ok = false;
		if (ok && !memchr(host, ':', (size_t)(hend - host)))
			ok = false;
		if (!ok) {
			settings_set_err(err, errlen, "url '%s' has a bad IPv6 address",
			                 settings_echo(e, sizeof(e), url));
			return false;
		}
		hend++;
		if (hend < aend && *hend != ':') {
			settings_set_err(err, errlen, "url '%s' has a bad host",
			                 settings_echo(e, sizeof(e), url));
			return false;
		}
		if (hend < aend)
			port = hend + 1;
	} else {
		const char *colon = memchr(host, ':', alen);
		hend = colon ? colon : aend;
		if (colon)
			port = colon + 1;
		for (const char *p = host; p < hend; p++) {
			if (!settings_is_alpha(*p) && !settings_is_digit(*p) && !strchr("-._~%", *p)) {
				settings_set_err(err, errlen, "url '%s' has a bad host",
				                 settings_echo(e, sizeof(e), url));
				return false;
			}
		}
	}
	if (hend == host) {
		settings_set_err(err, errlen, "url '%s' has no host", settings_echo(e, sizeof(e), url));
		return false;
	}
	if (port) {
		long v = 0;
		const char *p = port;
		for (; p < aend && settings_is_digit(*p) && v <= 65535; p++)
			v = v * 10 + (*p - '0');
		if (p == port || p != aend || v < 1 || v > 65535) {
			settings_set_err(err, errlen, "url '%s' has a bad port",
			                 settings_echo(e, sizeof(e), url));
			return false;
		}
	}
	return true;
}

/* The URL as stored: without trailing slashes. */
static char *settings_url_normalize(const char *url)
{
	size_t len = strlen(url);
	size_t min = (size_t)(strstr(url, "://") - url) + 3;
	while (len > min && url[len - 1] == '/')
		len--;
	return xstrndup(url, len);
}

/* "host:port" for a valid URL, the port from the scheme when absent. */
static char *settings_url_name(const char *url)
{
	bool tls = strncasecmp(url, "https://", 8) == 0;
	const char *host = url + (tls ? 8 : 7);
	size_t alen = strcspn(host, "/");
	const char *colon;
	if (*host == '[') {
		const char *rb = memchr(host, ']', alen);
		colon = (rb && rb + 1 < host + alen) ? rb + 1 : NULL;
	} else
		colon = memchr(host, ':', alen);
	if (colon)
		return xstrndup(host, alen);
	return xasprintf("%.*s:%s", (int)alen, host, tls ? "443" : "80");
}

/* ------------------------------------------------------------------ files */

static char *parse_path(parse_t *ps, const char *v)
{
	if (v[0] == '~' && v[1] == '/') {
		const char *home = getenv("HOME");
		if (home && *home)
			return xasprintf("%s/%s", home, v + 2);
	}
	if (v[0] != '/' && ps->base_dir)
		return xasprintf("%s/%s", ps->base_dir, v);
	return xstrdup(v);
}

static char *settings_mode_warning(const char *what, const char *path, mode_t mode)
{
	return xasprintf("%s %s is readable by group/others (mode %04o); chmod 600 it",
	                 what, path, (unsigned)(mode & 07777));
}

/* Checks that path is a readable regular file (ca_file, cert_file, key_file). */
static bool parse_check_file(parse_t *ps, const char *key, const char *path, bool secret)
{
	char e[SETTINGS_ECHO_MAX + 8];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		int saved = errno;
		if (fd >= 0)
			close(fd);
		parse_error(ps, ps->line, "cannot read %s '%s': %s", key,
		            settings_echo(e, sizeof(e), path), strerror(saved));
		return false;
	}
	close(fd);
	if (!S_ISREG(st.st_mode)) {
		parse_error(ps, ps->line, "%s '%s' is not a regular file", key,
		            settings_echo(e, sizeof(e), path));
		return false;
	}
	if (secret && (st.st_mode & 0044))
		settings_warn(ps->s, settings_mode_warning("key file", path, st.st_mode));
	return true;
}

/* Reads a bearer token from a file: whitespace trimmed, one token. */
static char *parse_token_file(parse_t *ps, const char *path)
{
	char e[SETTINGS_ECHO_MAX + 8];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		int saved = errno;
		if (fd >= 0)
			close(fd);
		parse_error(ps, ps->line, "cannot read bearer_token_file '%s': %s",
		            settings_echo(e, sizeof(e), path), strerror(saved));
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		parse_error(ps, ps->line, "bearer_token_file '%s' is not a regular file",
		            settings_echo(e, sizeof(e), path));
		return NULL;
	}
	char *buf = xmalloc(SETTINGS_TOKEN_MAX + 1);
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, buf + n, SETTINGS_TOKEN_MAX + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int saved = errno;
			close(fd);
			free(buf);
			parse_error(ps, ps->line, "cannot read bearer_token_file '%s': %s",
			            settings_echo(e, sizeof(e), path), strerror(saved));
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > SETTINGS_TOKEN_MAX)
			break;
	}
	close(fd);
	char *tok = NULL;
	const char *problem = NULL;
	if (n > SETTINGS_TOKEN_MAX)
		problem = "is too large for a token";
	else {
		size_t a = 0, b = n;
		while (a < b && strchr(" \t\r\n\v\f", buf[a]) && buf[a])
			a++;
		while (b > a && strchr(" \t\r\n\v\f", buf[b - 1]) && buf[b - 1])
			b--;
		for (size_t i = a; i < b && !problem; i++) {
			unsigned char c = (unsigned char)buf[i];
			if (c <= 0x20 || c == 0x7f)
				problem = "holds more than one word (spaces or control characters)";
		}
		if (!problem && a == b)
			problem = "is empty";
		if (!problem)
			tok = xstrndup(buf + a, b - a);
	}
	explicit_bzero(buf, SETTINGS_TOKEN_MAX + 1);
	free(buf);
	if (problem) {
		parse_error(ps, ps->line, "bearer_token_file '%s' %s",
		            settings_echo(e, sizeof(e), path), problem);
		return NULL;
	}
	if (st.st_mode & 0044)
		settings_warn(ps->s, settings_mode_warning("token file", path, st.st_mode));
	return tok;
}

/* ------------------------------------------------------------------ sections */

static void parse_section_name(const parse_t *ps, char *buf, size_t len)
{
	char e[SETTINGS_ECHO_MAX + 8];
	switch (ps->sec) {
	case SEC_DEFAULTS:
		snprintf(buf, len, "[defaults]");
		break;
	case SEC_NODE:
		snprintf(buf, len, "[node %s]", settings_echo(e, sizeof(e), ps->s->nodes[ps->cur].name));
		break;
	case SEC_CHART:
		snprintf(buf, len, "[chart %s]", settings_echo(e, sizeof(e), ps->charts[ps->cur].def.id));
		break;
	default:
		snprintf(buf, len, "(no section)");
		break;
	}
}

/* The name of a [node NAME] or [chart ID] section: present and well formed. */
static bool parse_check_section_name(parse_t *ps, const char *kind, const char *what,
                               const char *example, const char *name)
{
	char e[SETTINGS_ECHO_MAX + 8];
	if (!*name) {
		parse_error(ps, ps->line, "section [%s] needs %s, e.g. [%s %s]", kind,
		            strcmp(what, "id") == 0 ? "an id" : "a name", kind, example);
		return false;
	}
	if (!settings_name_ok(name)) {
		parse_error(ps, ps->line, "bad %s %s '%s' (use up to %d letters, digits and -_.:)", kind, what,
		            settings_echo(e, sizeof(e), name), SETTINGS_NAME_MAX);
		return false;
	}
	return true;
}

static void parse_begin_node(parse_t *ps, const char *name)
{
	if (!parse_check_section_name(ps, "node", "name", "primary", name))
		return;
	size_t idx;
	if (settings_find_node(ps->s, name, &idx)) {
		if (idx >= ps->first_node)
			parse_error(ps, ps->line, "duplicate node '%s' (first at line %d)", name,
			            ps->nl[idx - ps->first_node].section);
		else
			parse_error(ps, ps->line, "duplicate node '%s' (already added)", name);
		return;
	}
	size_t i = ps->s->nnodes - ps->first_node;
	ps->nl = xgrow(ps->nl, &ps->nl_cap, i + 1, sizeof *ps->nl);
	memset(&ps->nl[i], 0, sizeof ps->nl[i]);
	ps->nl[i].section = ps->line;
	node_cfg_t *n = settings_append_node(ps->s);
	n->name = xstrdup(name);
	ps->sec = SEC_NODE;
	ps->cur = ps->s->nnodes - 1;
}

static void parse_begin_chart(parse_t *ps, const char *id)
{
	if (!parse_check_section_name(ps, "chart", "id", "balance", id))
		return;
	for (size_t i = 0; i < ps->ncharts; i++) {
		if (strcmp(ps->charts[i].def.id, id) == 0) {
			parse_error(ps, ps->line, "duplicate chart '%s' (first at line %d)", id,
			            ps->charts[i].section);
			return;
		}
	}
	ps->charts = xgrow(ps->charts, &ps->charts_cap, ps->ncharts + 1, sizeof *ps->charts);
	chart_sec_t *c = &ps->charts[ps->ncharts++];
	memset(c, 0, sizeof *c);
	c->def.id = xstrdup(id);
	c->def.mode = CHART_GAUGE;
	c->def.unit = UNIT_NONE;
	c->section = ps->line;
	ps->sec = SEC_CHART;
	ps->cur = ps->ncharts - 1;
}

/* A section header [raw]: raw is the text between the brackets. */
static void parse_section(parse_t *ps, const char *raw, size_t len)
{
	char e[SETTINGS_ECHO_MAX + 8];
	char *t = xstrndup(raw, len);
	char *a = t, *b = t + len;
	while (*a == ' ' || *a == '\t')
		a++;
	while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
		b--;
	*b = '\0';
	size_t wlen = strcspn(a, " \t");
	char *rest = a + wlen;
	while (*rest == ' ' || *rest == '\t')
		rest++;
	if (wlen == 8 && strncmp(a, "defaults", 8) == 0 && !*rest) {
		if (ps->defaults_section)
			parse_error(ps, ps->line, "duplicate section [defaults] (first at line %d)",
			            ps->defaults_section);
		ps->defaults_section = ps->line;
		ps->sec = SEC_DEFAULTS;
	} else if (wlen == 4 && strncmp(a, "node", 4) == 0) {
		parse_begin_node(ps, rest);
	} else if (wlen == 5 && strncmp(a, "chart", 5) == 0) {
		parse_begin_chart(ps, rest);
	} else {
		parse_error(ps, ps->line, "unknown section [%s]", settings_echo(e, sizeof(e), a));
	}
	free(t);
}

/* ------------------------------------------------------------------ keys */

static bool parse_duration_key(parse_t *ps, const char *key, const char *v, int64_t lo, int64_t hi,
                               int64_t *out)
{
	char e[SETTINGS_ECHO_MAX + 8], l[32], h[32];
	int64_t ms;
	if (!settings_parse_duration(v, &ms)) {
		parse_error(ps, ps->line, "bad duration '%s' for '%s' (use e.g. 5s, 500ms, 2m)",
		            settings_echo(e, sizeof(e), v), key);
		return false;
	}
	if (ms < lo || ms > hi) {
		settings_format_duration(lo, l, sizeof(l));
		settings_format_duration(hi, h, sizeof(h));
		parse_error(ps, ps->line, "%s '%s' out of range (%s to %s)", key,
		            settings_echo(e, sizeof(e), v), l, h);
		return false;
	}
	*out = ms;
	return true;
}

static bool parse_bool_key(parse_t *ps, const char *key, const char *v, bool *out)
{
	char e[SETTINGS_ECHO_MAX + 8];
	if (!settings_parse_bool(v, out)) {
		parse_error(ps, ps->line, "bad boolean '%s' for '%s' (use true or false)",
		            settings_echo(e, sizeof(e), v), key);
		return false;
	}
	return true;
}

static bool parse_size_key(parse_t *ps, const char *key, const char *v, size_t *out)
{
	char e[SETTINGS_ECHO_MAX + 8];
	size_t n;
	if (!settings_parse_size(v, &n)) {
		parse_error(ps, ps->line, "bad size '%s' for '%s' (use e.g. 512k, 16M)",
		            settings_echo(e, sizeof(e), v), key);
		return false;
	}
	if (n < MIN_SIZE || n > MAX_SIZE) {
		parse_error(ps, ps->line, "%s '%s' out of range (1k to 1G)", key,
		            settings_echo(e, sizeof(e), v));
		return false;
	}
	*out = n;
	return true;
}

/* header = Name: value. The value is a secret: never quoted in a message. */
static void parse_header(parse_t *ps, node_cfg_t *n, const char *v)
{
	char e[SETTINGS_ECHO_MAX + 8];
	const char *colon = strchr(v, ':');
	size_t nlen = colon ? (size_t)(colon - v) : strlen(v);
	while (nlen > 0 && (v[nlen - 1] == ' ' || v[nlen - 1] == '\t'))
		nlen--;
	char *hname = xstrndup(v, nlen);
	if (!colon) {
		parse_error(ps, ps->line, "header must be 'Name: value'");
	} else if (!settings_token_ok(v, nlen)) {
		parse_error(ps, ps->line, "bad header name '%s'", settings_echo(e, sizeof(e), hname));
	} else if (strcasecmp(hname, "Origin") == 0) {
		parse_error(ps, ps->line, "header 'Origin' makes Chainlink's CORS check refuse the request");
	} else {
		const char *val = colon + 1;
		while (*val == ' ' || *val == '\t')
			val++;
		size_t vlen = strlen(val);
		while (vlen > 0 && (val[vlen - 1] == ' ' || val[vlen - 1] == '\t'))
			vlen--;
		if (vlen == 0)
			parse_error(ps, ps->line, "header '%s' has no value", hname);
		else if (settings_has_ctl(val, true))
			parse_error(ps, ps->line, "header '%s' has control characters in its value", hname);
		else {
			for (size_t i = 0; i < n->nheaders; i++) {
				if (settings_header_is(n->headers[i], hname, nlen)) {
					parse_error(ps, ps->line, "header '%s' given twice", hname);
					free(hname);
					return;
				}
			}
			settings_add_header(n, xasprintf("%s: %.*s", hname, (int)vlen, val));
		}
	}
	free(hname);
}

/* A node key in [node NAME] (lines = that node's) or in [defaults]. */
static void parse_node_key(parse_t *ps, node_cfg_t *n, int *lines, int k, const char *v)
{
	char e[SETTINGS_ECHO_MAX + 8], sect[SETTINGS_ECHO_MAX + 16];
	const char *key = settings_node_keys[k];
	bool in_defaults = ps->sec == SEC_DEFAULTS;
	parse_section_name(ps, sect, sizeof(sect));
	if (lines[k] && k != NK_HEADER) {
		parse_error(ps, ps->line, "duplicate key '%s' in %s (first at line %d)", key, sect, lines[k]);
		return;
	}
	if (!lines[k])
		lines[k] = ps->line;
	switch (k) {
	case NK_URL: {
		char msg[256];
		if (in_defaults)
			parse_error(ps, ps->line, "'url' belongs in a [node NAME] section, not in [defaults]");
		else if (!settings_url_valid(v, msg, sizeof(msg)))
			parse_error(ps, ps->line, "%s", msg);
		else
			n->url = settings_url_normalize(v);
		break;
	}
	case NK_GROUP:
		if (!settings_name_ok(v))
			parse_error(ps, ps->line, "bad group name '%s' (use up to %d letters, digits and -_.:)",
			            settings_echo(e, sizeof(e), v), SETTINGS_NAME_MAX);
		else
			n->group = xstrdup(v);
		break;
	case NK_INTERVAL:
		parse_duration_key(ps, key, v, MIN_INTERVAL_MS, MAX_INTERVAL_MS, &n->interval_ms);
		break;
	case NK_TIMEOUT:
		parse_duration_key(ps, key, v, MIN_INTERVAL_MS, MAX_INTERVAL_MS, &n->timeout_ms);
		break;
	case NK_HEALTH_INTERVAL:
		parse_duration_key(ps, key, v, MIN_INTERVAL_MS, MAX_INTERVAL_MS, &n->health_interval_ms);
		break;
	case NK_FAILOVER_GRACE:
		parse_duration_key(ps, key, v, MIN_INTERVAL_MS, MAX_INTERVAL_MS, &n->failover_grace_ms);
		break;
	case NK_STANDBY_ANSWERS: {
		/* "refused" (always), "502", "503", separated by spaces or commas */
		unsigned bits = 0;
		for (const char *p = v; *p;) {
			size_t len = strcspn(p, " ,\t");
			if (len == 3 && strncmp(p, "502", 3) == 0)
				bits |= 1u;
			else if (len == 3 && strncmp(p, "503", 3) == 0)
				bits |= 2u;
			else if (len && !(len == 7 && strncmp(p, "refused", 7) == 0)) {
				parse_error(ps, ps->line, "bad standby_answers '%s' (use refused, 502, 503)",
				            settings_echo(e, sizeof(e), v));
				break;
			}
			p += len;
			p += strspn(p, " ,\t");
		}
		n->standby_answers = bits;
		break;
	}
	case NK_CONNECT_TIMEOUT:
		parse_duration_key(ps, key, v, MIN_INTERVAL_MS, MAX_INTERVAL_MS, &n->connect_timeout_ms);
		break;
	case NK_HEALTH_MAX:
		parse_size_key(ps, key, v, &n->health_max_bytes);
		break;
	case NK_METRICS_MAX:
		parse_size_key(ps, key, v, &n->metrics_max_bytes);
		break;
	case NK_METRICS:
		parse_bool_key(ps, key, v, &n->metrics);
		break;
	case NK_INSECURE:
		parse_bool_key(ps, key, v, &n->insecure);
		break;
	case NK_TOKEN_FILE:
	case NK_TOKEN_ENV: {
		int other = k == NK_TOKEN_FILE ? NK_TOKEN_ENV : NK_TOKEN_FILE;
		if (lines[other]) {
			parse_error(ps, ps->line, "'bearer_token_file' and 'bearer_token_env' are exclusive in %s",
			            sect);
			break;
		}
		if (k == NK_TOKEN_FILE) {
			char *path = parse_path(ps, v);
			char *tok = parse_token_file(ps, path);
			if (!tok) {
				free(path);
				break;
			}
			n->bearer_token_file = path;
			n->bearer_token = tok;
			break;
		}
		bool ok = settings_is_alpha(*v) || *v == '_';
		for (const char *p = v; ok && *p; p++)
			ok = settings_is_alpha(*p) || settings_is_digit(*p) || *p == '_';
		if (!ok) {
			parse_error(ps, ps->line, "bad environment variable name '%s' for 'bearer_token_env'",
			            settings_echo(e, sizeof(e), v));
			break;
		}
		const char *tok = getenv(v);
		if (!tok || !*tok) {
			parse_error(ps, ps->line, "environment variable %s (bearer_token_env) is unset or empty", v);
			break;
		}
		size_t a = strspn(tok, " \t\r\n"), b = strlen(tok);
		while (b > a && strchr(" \t\r\n", tok[b - 1]))
			b--;
		for (size_t i = a; i < b; i++) {
			if ((unsigned char)tok[i] <= 0x20 || tok[i] == 0x7f) {
				parse_error(ps, ps->line, "environment variable %s (bearer_token_env) holds more "
				            "than one word (spaces or control characters)", v);
				return;
			}
		}
		if (a == b) {
			parse_error(ps, ps->line, "environment variable %s (bearer_token_env) is unset or empty", v);
			break;
		}
		n->bearer_token_env = xstrdup(v);
		n->bearer_token = xstrndup(tok + a, b - a);
		break;
	}
	case NK_HEADER:
		parse_header(ps, n, v);
		break;
	case NK_CA_FILE:
	case NK_CERT_FILE:
	case NK_KEY_FILE: {
		char *path = parse_path(ps, v);
		if (!parse_check_file(ps, key, path, k == NK_KEY_FILE)) {
			free(path);
			break;
		}
		char **dst = k == NK_CA_FILE ? &n->ca_file : k == NK_CERT_FILE ? &n->cert_file : &n->key_file;
		*dst = path;
		break;
	}
	default:
		break;
	}
}

static void parse_defaults_key(parse_t *ps, int k, const char *v)
{
	char e[SETTINGS_ECHO_MAX + 8];
	settings_t *s = ps->s;
	const char *key = settings_defaults_keys[k];
	if (ps->dkey[k]) {
		parse_error(ps, ps->line, "duplicate key '%s' in [defaults] (first at line %d)", key,
		            ps->dkey[k]);
		return;
	}
	ps->dkey[k] = ps->line;
	switch (k) {
	case DK_CHARTS: {
		const char *p = v;
		while (*p) {
			size_t len = strcspn(p, ",");
			char *id = xstrndup(p, len);
			char *a = id, *b = id + len;
			while (*a == ' ' || *a == '\t')
				a++;
			while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
				b--;
			*b = '\0';
			const chart_def_t *d = *a ? chart_builtin(a) : NULL;
			bool dup = false;
			for (size_t i = 0; d && i < ps->sel.n; i++)
				dup = dup || strcmp(ps->sel.defs[i].id, a) == 0;
			if (*a && !d)
				parse_error(ps, ps->line, "unknown chart '%s' in 'charts'", settings_echo(e, sizeof(e), a));
			else if (dup)
				parse_error(ps, ps->line, "chart '%s' listed twice in 'charts'", a);
			else if (d)
				chart_set_add(&ps->sel, d);
			free(id);
			if (ps->err_line)
				return;
			p += len;
			if (*p == ',')
				p++;
		}
		break;
	}
	case DK_HEAD_STALL:
		parse_duration_key(ps, key, v, 10 * 1000, 24 * 3600 * 1000, &s->head_stall_ms);
		break;
	case DK_KIOSK:
		parse_bool_key(ps, key, v, &s->kiosk);
		break;
	case DK_KIOSK_PAGE:
		parse_duration_key(ps, key, v, 1000, 3600 * 1000, &s->kiosk_page_ms);
		break;
	case DK_BELL:
		parse_bool_key(ps, key, v, &s->bell);
		break;
	case DK_TITLE:
		parse_bool_key(ps, key, v, &s->title);
		break;
	default:
		break;
	}
}

static void parse_chart_key(parse_t *ps, chart_sec_t *c, int k, const char *v)
{
	char e[SETTINGS_ECHO_MAX + 8];
	chart_def_t *d = &c->def;
	const char *key = settings_chart_keys[k];
	if (c->key[k]) {
		parse_error(ps, ps->line, "duplicate key '%s' in [chart %s] (first at line %d)", key, d->id,
		            c->key[k]);
		return;
	}
	c->key[k] = ps->line;
	switch (k) {
	case CK_TITLE:
		if (settings_has_ctl(v, false) || strlen(v) > 64)
			parse_error(ps, ps->line, "bad title for [chart %s] (at most 64 characters, no control characters)",
			            d->id);
		else
			d->title = xstrdup(v);
		break;
	case CK_METRIC:
		if (!settings_metric_ok(v))
			parse_error(ps, ps->line, "bad metric name '%s'", settings_echo(e, sizeof(e), v));
		else
			d->metric = xstrdup(v);
		break;
	case CK_FILTER: {
		const char *eq = strchr(v, '=');
		char *label = xstrndup(v, eq ? (size_t)(eq - v) : strlen(v));
		char *b = label + strlen(label);
		while (b > label && (b[-1] == ' ' || b[-1] == '\t'))
			*--b = '\0';
		const char *val = eq ? eq + 1 : "";
		while (*val == ' ' || *val == '\t')
			val++;
		if (!eq || !settings_label_ok(label) || settings_has_ctl(val, false)) {
			parse_error(ps, ps->line, "bad filter '%s' (use label=value, e.g. state=Alive)",
			            settings_echo(e, sizeof(e), v));
			free(label);
		} else {
			d->filter_label = label;
			d->filter_value = xstrdup(val);
		}
		break;
	}
	case CK_SPLIT:
		if (!settings_label_ok(v))
			parse_error(ps, ps->line, "bad label name '%s' for 'split'", settings_echo(e, sizeof(e), v));
		else
			d->split_label = xstrdup(v);
		break;
	case CK_MODE:
		if (strcmp(v, "gauge") == 0)
			d->mode = CHART_GAUGE;
		else if (strcmp(v, "rate") == 0)
			d->mode = CHART_RATE_PER_MIN;
		else
			parse_error(ps, ps->line, "bad mode '%s' (use gauge or rate)", settings_echo(e, sizeof(e), v));
		break;
	case CK_UNIT:
		if (!chart_unit_parse(v, &d->unit))
			parse_error(ps, ps->line, "bad unit '%s' (use none, bytes, per_min, seconds or percent)",
			            settings_echo(e, sizeof(e), v));
		break;
	case CK_WARN:
	case CK_CRIT: {
		double x;
		if (!settings_parse_double(v, &x)) {
			parse_error(ps, ps->line, "bad number '%s' for '%s'", settings_echo(e, sizeof(e), v), key);
		} else if (k == CK_WARN) {
			d->warn = x;
			d->has_warn = true;
		} else {
			d->crit = x;
			d->has_crit = true;
		}
		break;
	}
	case CK_BELOW:
		parse_bool_key(ps, key, v, &d->below);
		break;
	default:
		break;
	}
}

/* inih's handler: one call per "name = value" line. Errors are kept in ps
 * (inih's own return value is then only about syntax). */
static int parse_handler(void *user, const char *section, const char *name, const char *value)
{
	parse_t *ps = user;
	char e[SETTINGS_ECHO_MAX + 8], sect[SETTINGS_ECHO_MAX + 16];
	(void)section;   /* sections are tracked by the reader, with their lines */
	if (!name || ps->err_line)
		return 1;
	if (!value)
		value = "";
	if (!*name) {
		parse_error(ps, ps->line, "syntax error");
		return 1;
	}
	parse_section_name(ps, sect, sizeof(sect));
	int nk = settings_key_index(settings_node_keys, NK_COUNT, name);
	int dk = settings_key_index(settings_defaults_keys, DK_COUNT, name);
	int ck = settings_key_index(settings_chart_keys, CK_COUNT, name);
	bool known = (ps->sec == SEC_DEFAULTS && (nk >= 0 || dk >= 0)) ||
	             (ps->sec == SEC_NODE && nk >= 0) || (ps->sec == SEC_CHART && ck >= 0);
	if (ps->sec == SEC_NONE) {
		parse_error(ps, ps->line, "key '%s' outside of a section (put it under [defaults] or [node NAME])",
		            settings_echo(e, sizeof(e), name));
		return 1;
	}
	if (!known) {
		if (ps->sec == SEC_NODE && dk >= 0)
			parse_error(ps, ps->line, "'%s' belongs in [defaults], not in %s", name, sect);
		else
			parse_error(ps, ps->line, "unknown key '%s' in %s", settings_echo(e, sizeof(e), name), sect);
		return 1;
	}
	if (!*value && !(ps->sec == SEC_DEFAULTS && dk == DK_CHARTS)) {
		parse_error(ps, ps->line, "empty value for '%s' in %s", name, sect);
		return 1;
	}
	switch (ps->sec) {
	case SEC_DEFAULTS:
		if (nk >= 0)
			parse_node_key(ps, &ps->s->defaults, ps->dline, nk, value);
		else
			parse_defaults_key(ps, dk, value);
		break;
	case SEC_NODE:
		parse_node_key(ps, &ps->s->nodes[ps->cur], ps->nl[ps->cur - ps->first_node].key, nk, value);
		break;
	case SEC_CHART:
		parse_chart_key(ps, &ps->charts[ps->cur], ck, value);
		break;
	default:
		break;
	}
	return 1;
}

static bool settings_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* inih's reader: hands over one line of the text per call, so that ps->line is
 * the line inih is on. Leading whitespace goes (no continuation lines: an
 * indented key is a key), " #" and " ;" start comments (removed here, for
 * section lines too), section headers are recorded here with their lines. */
static char *parse_reader(char *buf, int num, void *user)
{
	parse_t *ps = user;
	if (ps->err_line || ps->p >= ps->end || num < 2)
		return NULL;
	const char *a = ps->p;
	const char *nl = memchr(a, '\n', (size_t)(ps->end - a));
	const char *eol = nl ? nl : ps->end;
	ps->p = nl ? nl + 1 : ps->end;
	ps->line++;
	if (ps->line == 1 && eol - a >= 3 && memcmp(a, "\xEF\xBB\xBF", 3) == 0)
		a += 3;
	if (memchr(a, '\0', (size_t)(eol - a))) {
		parse_error(ps, ps->line, "NUL byte in the file");
		return NULL;
	}
	while (a < eol && settings_is_space(*a))
		a++;
	for (const char *q = a + 1; q < eol; q++) {
		if ((*q == '#' || *q == ';') && settings_is_space(q[-1])) {
			eol = q;
			break;
		}
	}
	while (eol > a && settings_is_space(eol[-1]))
		eol--;
	size_t len = (size_t)(eol - a);
	if (len > (size_t)num - 1) {
		parse_error(ps, ps->line, "line too long (more than %d characters)", num - 1);
		return NULL;
	}
	if (len > 0 && *a == '[') {
		const char *q = memchr(a, ']', len);
		if (!q) {
			parse_error(ps, ps->line, "syntax error");
			return NULL;
		}
		parse_section(ps, a + 1, (size_t)(q - a - 1));
		if (ps->err_line)
			return NULL;
	}
	memcpy(buf, a, len);
	buf[len] = '\0';
	return buf;
}

/* ------------------------------------------------------------------ after the file */

/* Node values not given take the [defaults] ones; then cross-key checks. */
static void parse_finish_node(parse_t *ps, size_t i)
{
	char a[32], b[32];
	settings_t *s = ps->s;
	const node_cfg_t *d = &s->defaults;
	node_cfg_t *n = &s->nodes[ps->first_node + i];
	const int *k = ps->nl[i].key;
	int sline = ps->nl[i].section;
	if (!k[NK_URL]) {
		parse_error(ps, sline, "[node %s] has no url", n->name);
		return;
	}
	if (!k[NK_GROUP])
		n->group = settings_dup(d->group);
	if (!k[NK_INTERVAL])
		n->interval_ms = d->interval_ms;
	if (!k[NK_TIMEOUT])
		n->timeout_ms = d->timeout_ms;
	if (!k[NK_HEALTH_INTERVAL])
		n->health_interval_ms = d->health_interval_ms;
	if (!k[NK_FAILOVER_GRACE])
		n->failover_grace_ms = d->failover_grace_ms;
	if (!k[NK_STANDBY_ANSWERS])
		n->standby_answers = d->standby_answers;
	if (!k[NK_CONNECT_TIMEOUT])
		n->connect_timeout_ms = d->connect_timeout_ms;
	if (!k[NK_HEALTH_MAX])
		n->health_max_bytes = d->health_max_bytes;
	if (!k[NK_METRICS_MAX])
		n->metrics_max_bytes = d->metrics_max_bytes;
	if (!k[NK_METRICS])
		n->metrics = d->metrics;
	if (!k[NK_INSECURE])
		n->insecure = d->insecure;
	if (!k[NK_TOKEN_FILE] && !k[NK_TOKEN_ENV]) {
		n->bearer_token_file = settings_dup(d->bearer_token_file);
		n->bearer_token_env = settings_dup(d->bearer_token_env);
		n->bearer_token = settings_dup(d->bearer_token);
	}
	if (!k[NK_CA_FILE])
		n->ca_file = settings_dup(d->ca_file);
	if (!k[NK_CERT_FILE])
		n->cert_file = settings_dup(d->cert_file);
	if (!k[NK_KEY_FILE])
		n->key_file = settings_dup(d->key_file);
	/* headers: the [defaults] ones first, unless the node gives one of the same name */
	if (d->nheaders) {
		char **own = n->headers;
		size_t nown = n->nheaders;
		n->headers = NULL;
		n->nheaders = 0;
		for (size_t j = 0; j < d->nheaders; j++) {
			size_t nlen = strcspn(d->headers[j], ":");
			bool overridden = false;
			for (size_t m = 0; m < nown; m++)
				overridden = overridden || settings_header_is(own[m], d->headers[j], nlen);
			if (!overridden)
				settings_add_header(n, xstrdup(d->headers[j]));
		}
		for (size_t m = 0; m < nown; m++)
			settings_add_header(n, own[m]);
		free(own);
	}

	/* timeouts: a built-in default is capped, a value given is an error */
	int tl = k[NK_TIMEOUT] ? k[NK_TIMEOUT] : k[NK_INTERVAL] ? k[NK_INTERVAL] :
	         ps->dline[NK_TIMEOUT] ? ps->dline[NK_TIMEOUT] : ps->dline[NK_INTERVAL];
	bool t_given = k[NK_TIMEOUT] || ps->dline[NK_TIMEOUT];
	if (n->timeout_ms > n->interval_ms) {
		if (!t_given)
			n->timeout_ms = n->interval_ms;
		else {
			settings_format_duration(n->timeout_ms, a, sizeof(a));
			settings_format_duration(n->interval_ms, b, sizeof(b));
			parse_error(ps, tl, "timeout %s is longer than interval %s in [node %s]", a, b, n->name);
			return;
		}
	}
	/* health_interval: 0 is automatic; a value given may not be below the interval */
	if (n->health_interval_ms && n->health_interval_ms < n->interval_ms) {
		int hl = k[NK_HEALTH_INTERVAL] ? k[NK_HEALTH_INTERVAL] : k[NK_INTERVAL] ? k[NK_INTERVAL] :
		         ps->dline[NK_HEALTH_INTERVAL] ? ps->dline[NK_HEALTH_INTERVAL] : sline;
		settings_format_duration(n->health_interval_ms, a, sizeof(a));
		settings_format_duration(n->interval_ms, b, sizeof(b));
		parse_error(ps, hl, "health_interval %s is shorter than interval %s in [node %s]", a, b, n->name);
		return;
	}
	int cl = k[NK_CONNECT_TIMEOUT] ? k[NK_CONNECT_TIMEOUT] : k[NK_TIMEOUT] ? k[NK_TIMEOUT] :
	         ps->dline[NK_CONNECT_TIMEOUT] ? ps->dline[NK_CONNECT_TIMEOUT] : tl;
	bool c_given = k[NK_CONNECT_TIMEOUT] || ps->dline[NK_CONNECT_TIMEOUT];
	if (n->connect_timeout_ms > n->timeout_ms) {
		if (!c_given)
			n->connect_timeout_ms = n->timeout_ms;
		else {
			settings_format_duration(n->connect_timeout_ms, a, sizeof(a));
			settings_format_duration(n->timeout_ms, b, sizeof(b));
			parse_error(ps, cl, "connect_timeout %s is longer than timeout %s in [node %s]", a, b,
			            n->name);
			return;
		}
	}
	if (n->bearer_token) {
		for (size_t j = 0; j < n->nheaders; j++) {
			if (settings_header_is(n->headers[j], "Authorization", 13)) {
				parse_error(ps, sline, "[node %s] has both a bearer token and an Authorization header",
				            n->name);
				return;
			}
		}
	}
	if (n->insecure)
		settings_warn(s, xasprintf("node %s: TLS verification disabled (insecure = true)", n->name));
}

static void parse_finish_charts(parse_t *ps)
{
	settings_t *s = ps->s;
	if (ps->dkey[DK_CHARTS]) {
		chart_set_free(&s->charts);
		s->charts = ps->sel;
		memset(&ps->sel, 0, sizeof ps->sel);
	}
	for (size_t i = 0; i < ps->ncharts && !ps->err_line; i++) {
		chart_sec_t *c = &ps->charts[i];
		if (!c->def.metric) {
			parse_error(ps, c->section, "[chart %s] has no metric", c->def.id);
			return;
		}
		for (size_t j = 0; j < s->charts.n; j++) {
			if (strcmp(s->charts.defs[j].id, c->def.id) == 0) {
				parse_error(ps, c->section, "chart '%s' is already defined (a built-in); "
				            "choose another id", c->def.id);
				return;
			}
		}
		if (!c->def.title)
			c->def.title = xstrdup(c->def.id);
		chart_set_add(&s->charts, &c->def);
	}
}

static int settings_parse(settings_t *s, const char *name, const char *dir, const char *text,
                          size_t len, char *err, size_t errlen)
{
	parse_t ps;
	memset(&ps, 0, sizeof ps);
	ps.s = s;
	ps.name = name;
	ps.base_dir = dir ? xstrdup(dir) : NULL;
	ps.p = text;
	ps.end = text + len;
	ps.err = err;
	ps.errlen = errlen;
	ps.first_node = s->nnodes;

	int r = ini_parse_stream(parse_reader, &ps, parse_handler, &ps);
	if (r > 0 && (!ps.err_line || r < ps.err_line)) {
		/* inih found a line it could not read before our first complaint */
		ps.err_line = 0;
		parse_error(&ps, r, "syntax error");
	} else if (r < 0 && !ps.err_line) {
		parse_error(&ps, 0, "cannot parse (%s)", r == -2 ? "out of memory" : "read error");
	}
	for (size_t i = 0; !ps.err_line && i < s->nnodes - ps.first_node; i++)
		parse_finish_node(&ps, i);
	if (!ps.err_line)
		parse_finish_charts(&ps);

	for (size_t i = 0; i < ps.ncharts; i++)
		chart_def_free(&ps.charts[i].def);
	free(ps.charts);
	chart_set_free(&ps.sel);
	free(ps.nl);
	free(ps.base_dir);
	if (ps.err_line) {
		settings_free(s);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ public: loading */

int settings_load_string(settings_t *s, const char *name, const char *text, char *err, size_t errlen)
{
	if (!name)
		name = "config";
	if (!text)
		text = "";
	return settings_parse(s, name, NULL, text, strlen(text), err, errlen);
}

int settings_load_file(settings_t *s, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		settings_set_err(err, errlen, "cannot read %s: %s", path, strerror(errno));
		settings_free(s);
		return -1;
	}
	size_t cap = 8192, len = 0;
	char *buf = xmalloc(cap + 1);
	for (;;) {
		size_t r = fread(buf + len, 1, cap - len, f);
		len += r;
		if (r == 0 || len > SETTINGS_FILE_MAX)
			break;
		if (len == cap) {
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
	}
	int rerr = ferror(f) ? errno : 0;
	fclose(f);
	if (rerr || len > SETTINGS_FILE_MAX) {
		if (rerr)
			settings_set_err(err, errlen, "cannot read %s: %s", path, strerror(rerr));
		else
			settings_set_err(err, errlen, "%s: too large for a config file (over %d KB)", path,
			                 SETTINGS_FILE_MAX / 1024);
		free(buf);
		settings_free(s);
		return -1;
	}
	buf[len] = '\0';
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : NULL;
	free(s->path);
	s->path = xstrdup(path);
	int rc = settings_parse(s, path, dir, buf, len, err, errlen);
	free(dir);
	free(buf);
	return rc;
}

int settings_add_url(settings_t *s, const char *url, char *err, size_t errlen)
{
	if (!settings_url_valid(url, err, errlen))
		return -1;
	node_cfg_t n;
	settings_node_copy(&n, &s->defaults);
	free(n.name);
	n.url = settings_url_normalize(url);
	char *base = settings_url_name(n.url);
	n.name = xstrdup(base);
	for (unsigned i = 2; settings_find_node(s, n.name, NULL); i++) {
		free(n.name);
		n.name = xasprintf("%s#%u", base, i);
	}
	free(base);
	if (n.timeout_ms > n.interval_ms)
		n.timeout_ms = n.interval_ms;
	if (n.connect_timeout_ms > n.timeout_ms)
		n.connect_timeout_ms = n.timeout_ms;
	if (n.insecure)
		settings_warn(s, xasprintf("node %s: TLS verification disabled (insecure = true)", n.name));
	*settings_append_node(s) = n;
	return 0;
}

char *settings_default_path(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	if (xdg && xdg[0] == '/')      /* relative values are to be ignored (XDG spec) */
		return xasprintf("%s/nodetop/nodetop.conf", xdg);
	const char *home = getenv("HOME");
	if (!home || !*home) {
		struct passwd *pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : NULL;
	}
	if (!home || !*home)
		return NULL;
	return xasprintf("%s/.config/nodetop/nodetop.conf", home);
}
