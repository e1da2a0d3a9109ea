/* notify.c - notifications: [notify NAME] hooks fed from the event log; commands
 * through uv_spawn, webhooks through its own libcurl multi handle (curluv) on the same loop. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>
#include <curl/curl.h>
#include <uv.h>

#include "clock.h"
#include "curluv.h"
#include "jsontext.h"
#include "notify.h"
#include "textsafe.h"
#include "xalloc.h"

#define NOTIFY_OUT_MAX 4096        /* command output kept per run */
#define NOTIFY_RESP_MAX 256        /* webhook answer kept for the report */
#define NOTIFY_BACKOFF_MS 1000     /* first retry after this, doubling */
#define NOTIFY_BACKOFF_MAX_MS 60000
#define NOTIFY_GRACE_MS 500        /* after a command exits, its output may still come */
#define NOTIFY_TRACK_MAX 1024      /* firing rules remembered per hook (de-duplication) */
#define NOTIFY_TICK_MS 1000

extern char **environ;

/* ------------------------------------------------------------ types */

typedef struct delivery {
	struct delivery *next;
	char *doc;                 /* the event as JSON (stdin / json webhook body) */
	char *text;                /* {"text": line} (slack body) */
	char *line;                /* one line for people (messages), escaped */
	char **env;                /* NODETOP_* for a command, NULL-terminated */
	unsigned attempts;
} delivery_t;

/* A firing rule a hook was told about: no second message until it changes,
 * resolves or repeat_ms passes. */
typedef struct tracked {
	char node[64], rule[24], subject[160];
	int level;
	int64_t sent_ms;
	event_t ev;                /* the firing event, for repeats */
} tracked_t;

typedef struct target target_t;

typedef struct job {
	target_t *t;
	uv_process_t proc;
	uv_pipe_t in, out, err;
	uv_timer_t timer;
	uv_write_t wreq;
	uv_buf_t wbuf;
	int open;                  /* handles not yet closed */
	bool exited, out_eof, err_eof, timed_out, killed;
	int64_t status;
	int term_signal;
	char output[NOTIFY_OUT_MAX];
	size_t outlen;
} job_t;

struct target {
	struct notifier *nt;
	/* configuration (copied) */
	char *name;
	char **argv;
	char *webhook;
	notify_format_t format;
	unsigned on;
	char **nodes, **rules;
	size_t nnodes, nrules;
	int64_t repeat_ms, timeout_ms;
	size_t retries, queue_max;
	struct curl_slist *headers;
	struct curl_slist *old_headers;  /* replaced by a reload while its POST was in flight */
	char *ca_file;
	bool insecure;
	/* state */
	delivery_t *head, *tail;
	size_t qlen;
	delivery_t *cur;           /* in flight */
	uv_timer_t backoff;
	bool waiting;              /* backoff timer running */
	job_t *job;
	CURL *easy;
	char errbuf[CURL_ERROR_SIZE];
	char resp[NOTIFY_RESP_MAX];
	size_t resplen;
	tracked_t *trk;
	size_t ntrk, trk_cap;
};

struct notifier {
	uv_loop_t *loop;
	model_t *m;
	target_t **t;              /* each on its own: jobs, transfers and timers point at it */
	size_t n;
	curluv_t *cu;              /* the webhooks' multi handle on the loop */
	uv_timer_t tick;
	bool stopping;
	bool in_report;            /* adding our own events: do not feed them back */
	unsigned long sent, failed, dropped;
};

static char **strv_dup(char *const *v, size_t n)
{
	char **r = xcalloc(n + 1, sizeof *r);
	for (size_t i = 0; i < n; i++)
		r[i] = xstrdup(v[i]);
	return r;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* ------------------------------------------------------------ reports */

/* A word from the notifier itself, into the event log (kind "notify"). */
static void notify_report(struct notifier *nt, const target_t *t, state_t to, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void notify_report(struct notifier *nt, const target_t *t, state_t to, const char *fmt, ...)
{
	event_t e;
	memset(&e, 0, sizeof e);
	e.ts_ms = clock_wall_ms();
	e.kind = EVENT_NOTIFY;
	e.from = STATE_UP;
	e.to = to;
	snprintf(e.subject, sizeof e.subject, "%s", t->name);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e.detail, sizeof e.detail, fmt, ap);
	va_end(ap);
	nt->in_report = true;
	eventlog_add(&nt->m->events, &e);
	nt->in_report = false;
	nt->m->generation++;
}

/* ------------------------------------------------------------ the queue */

static void delivery_free(delivery_t *d)
{
	if (!d)
		return;
	free(d->doc);
	free(d->text);
	free(d->line);
	strv_free(d->env);
	free(d);
}

static void target_start(target_t *t);
static void notify_backoff_cb(uv_timer_t *h);
static void notify_grace_cb(uv_timer_t *h);

static void target_enqueue(target_t *t, delivery_t *d)
{
	while (t->qlen >= t->queue_max && t->head) {   /* a reload may have made the queue shorter */
		delivery_t *old = t->head;
		t->head = old->next;
		if (!t->head)
			t->tail = NULL;
		t->qlen--;
		t->nt->dropped++;
		notify_report(t->nt, t, STATE_DEGRADED, "queue full (%zu): dropped %.160s", t->queue_max, old->line);
		delivery_free(old);
	}
	d->next = NULL;
	if (t->tail)
		t->tail->next = d;
	else
		t->head = d;
	t->tail = d;
	t->qlen++;
	target_start(t);
}

/* The delivery in flight ended: ok, or failed (why) and maybe tried again. */
static void target_done(target_t *t, bool ok, const char *why)
{
	delivery_t *d = t->cur;
	t->cur = NULL;
	if (!d)
		return;
	if (ok) {
		t->nt->sent++;
		delivery_free(d);
	} else if (d->attempts <= t->retries && !t->nt->stopping) {
		int64_t wait = NOTIFY_BACKOFF_MS;
		for (unsigned i = 1; i < d->attempts && wait < NOTIFY_BACKOFF_MAX_MS; i++)
			wait *= 2;
		if (wait > NOTIFY_BACKOFF_MAX_MS)
			wait = NOTIFY_BACKOFF_MAX_MS;
		notify_report(t->nt, t, STATE_DEGRADED, "attempt %u failed: %.120s; trying again in %llds", d->attempts,
		              why, (long long)(wait / 1000));
		/* back to the front of the queue, after the wait */
		d->next = t->head;
		t->head = d;
		if (!t->tail)
			t->tail = d;
		t->qlen++;
		t->waiting = uv_timer_start(&t->backoff, notify_backoff_cb, (uint64_t)wait, 0) == 0;
		if (t->waiting)
			return;
		/* no timer (cannot happen on a live handle): tried again at once */
	} else {
		t->nt->failed++;
		notify_report(t->nt, t, STATE_DOWN, "gave up after %u attempt%s: %.120s (%.80s)", d->attempts,
		              d->attempts == 1 ? "" : "s", why, d->line);
		delivery_free(d);
	}
	target_start(t);
}

static void notify_backoff_cb(uv_timer_t *h)
{
	target_t *t = h->data;
	t->waiting = false;
	target_start(t);
}

/* ------------------------------------------------------------ commands */

static void job_closed(uv_handle_t *h)
{
	job_t *j = h->data;
	if (--j->open == 0)
		free(j);
}

static void job_close(uv_handle_t *h)
{
	if (!uv_is_closing(h))
		uv_close(h, job_closed);
}

/* Closes the job's timer and pipes, and its process handle once it has
 * exited (until then libuv must keep it, to reap the process). */
static void job_close_handles(job_t *j)
{
	uv_timer_stop(&j->timer);
	job_close((uv_handle_t *)&j->timer);
	job_close((uv_handle_t *)&j->out);
	job_close((uv_handle_t *)&j->err);
	job_close((uv_handle_t *)&j->in);
	if (j->exited)
		job_close((uv_handle_t *)&j->proc);
}

static void job_kill(job_t *j)
{
	if (j->exited || j->killed)
		return;
	j->killed = true;
	/* the command runs in its own process group: its children go too */
	if (j->proc.pid > 0)
		kill(-j->proc.pid, SIGKILL);
	uv_process_kill(&j->proc, SIGKILL);
}

/* The first lines of what the command printed, for the event log. */
static void job_output_line(const job_t *j, char *dst, size_t size)
{
	size_t n = j->outlen, a = 0;
	while (a < n && (j->output[a] == '\n' || j->output[a] == ' ' || j->output[a] == '\r'))
		a++;
	while (n > a && (j->output[n - 1] == '\n' || j->output[n - 1] == ' ' || j->output[n - 1] == '\r'))
		n--;
	size_t len = n - a;
	if (len >= size)
		len = size - 1;
	memcpy(dst, j->output + a, len);
	dst[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (dst[i] == '\n' || dst[i] == '\r')
			dst[i] = ' ';   /* one line in the log: the report escapes the rest */
}

static void job_finish(job_t *j)
{
	target_t *t = j->t;
	if (!t) {
		/* its hook was released: the process handle, kept open until the
		 * exit (a closed one is never reaped: a zombie), is all that is left */
		job_close_handles(j);
		return;
	}
	j->t = NULL;
	t->job = NULL;
	char out[200];
	job_output_line(j, out, sizeof out);
	job_close_handles(j);
	char why[200];
	bool ok = false;
	if (j->timed_out) {
		char d[32];
		snprintf(d, sizeof d, "%.1fs", (double)t->timeout_ms / 1000.0);
		snprintf(why, sizeof why, "command timed out after %s and was killed", d);
	} else if (j->term_signal) {
		snprintf(why, sizeof why, "command killed by signal %d", j->term_signal);
	} else if (j->status != 0) {
		snprintf(why, sizeof why, "command exited with status %lld%s%.120s", (long long)j->status,
		         out[0] ? ": " : "", out);
	} else {
		ok = true;
		if (out[0])
			notify_report(t->nt, t, STATE_UP, "command said: %.200s", out);
	}
	target_done(t, ok, why);
}

static void job_maybe_finish(job_t *j)
{
	if (j->exited && j->out_eof && j->err_eof)
		job_finish(j);
}

static void job_on_exit(uv_process_t *p, int64_t status, int sig)
{
	job_t *j = p->data;
	j->exited = true;
	j->status = status;
	j->term_signal = j->timed_out ? 0 : sig;
	if (j->timed_out || j->killed || !j->t) {
		job_finish(j);
		return;
	}
	/* its output may still be in the pipes: a short grace, then finish anyway */
	uv_timer_stop(&j->timer);
	uv_timer_start(&j->timer, notify_grace_cb, NOTIFY_GRACE_MS, 0);
	job_maybe_finish(j);
}

static void notify_grace_cb(uv_timer_t *h)
{
	job_finish(h->data);
}

static void job_on_timeout(uv_timer_t *h)
{
	job_t *j = h->data;
	j->timed_out = true;
	job_kill(j);
	if (j->exited)
		job_finish(j);
}

static void job_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char scratch[4096];
	(void)h;
	(void)suggested;
	buf->base = scratch;
	buf->len = sizeof scratch;
}

static void job_on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	job_t *j = s->data;
	if (nread > 0) {
		size_t room = sizeof j->output - j->outlen;
		size_t n = (size_t)nread < room ? (size_t)nread : room;
		memcpy(j->output + j->outlen, buf->base, n);
		j->outlen += n;
		return;
	}
	if (nread < 0) {
		uv_read_stop(s);
		if (s == (uv_stream_t *)&j->out)
			j->out_eof = true;
		else
			j->err_eof = true;
		job_maybe_finish(j);
	}
}

static void job_on_written(uv_write_t *w, int status)
{
	job_t *j = w->data;
	(void)status;   /* a command that does not read its input is its own business */
	job_close((uv_handle_t *)&j->in);
}

/* NODETOP_*=value: untrusted text without control bytes. */
static char *env_entry(const char *key, const char *val)
{
	size_t kl = strlen(key), vl = strlen(val);
	if (vl > 1024)
		vl = 1024;
	char *s = xmalloc(kl + vl + 2);
	memcpy(s, key, kl);
	s[kl] = '=';
	for (size_t i = 0; i < vl; i++) {
		unsigned char c = (unsigned char)val[i];
		s[kl + 1 + i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	s[kl + 1 + vl] = '\0';
	return s;
}

static void job_start(target_t *t, delivery_t *d)
{
	job_t *j = xcalloc(1, sizeof *j);
	j->t = t;
	uv_loop_t *loop = t->nt->loop;
	uv_pipe_init(loop, &j->in, 0);
	uv_pipe_init(loop, &j->out, 0);
	uv_pipe_init(loop, &j->err, 0);
	uv_timer_init(loop, &j->timer);
	j->in.data = j->out.data = j->err.data = j->timer.data = j->proc.data = j;
	j->open = 4;

	/* the environment: ours, then the event's */
	size_t ne = 0, nd = 0;
	while (environ && environ[ne])
		ne++;
	while (d->env && d->env[nd])
		nd++;
	char **env = xcalloc(ne + nd + 1, sizeof *env);
	size_t k = 0;
	for (size_t i = 0; i < ne; i++)
		if (strncmp(environ[i], "NODETOP_", 8) != 0)
			env[k++] = environ[i];
	for (size_t i = 0; i < nd; i++)
		env[k++] = d->env[i];

	uv_stdio_container_t stdio[3];
	stdio[0].flags = UV_CREATE_PIPE | UV_READABLE_PIPE;
	stdio[0].data.stream = (uv_stream_t *)&j->in;
	stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[1].data.stream = (uv_stream_t *)&j->out;
	stdio[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[2].data.stream = (uv_stream_t *)&j->err;
	uv_process_options_t o;
	memset(&o, 0, sizeof o);
	o.file = t->argv[0];
	o.args = t->argv;
	o.env = env;
	o.exit_cb = job_on_exit;
	o.stdio = stdio;
	o.stdio_count = 3;
	o.flags = UV_PROCESS_DETACHED;   /* its own process group, killed as one */
	int rc = uv_spawn(loop, &j->proc, &o);
	free(env);
	t->job = j;
	if (rc != 0) {
		char why[160];
		snprintf(why, sizeof why, "cannot run %.80s: %s", t->argv[0], uv_strerror(rc));
		j->exited = true;      /* nothing to wait for; the process handle closes too */
		j->t = NULL;
		t->job = NULL;
		job_close((uv_handle_t *)&j->timer);
		job_close((uv_handle_t *)&j->out);
		job_close((uv_handle_t *)&j->err);
		job_close((uv_handle_t *)&j->in);
		j->open++;
		job_close((uv_handle_t *)&j->proc);
		target_done(t, false, why);
		return;
	}
	j->open++;
	uv_read_start((uv_stream_t *)&j->out, job_alloc, job_on_read);
	uv_read_start((uv_stream_t *)&j->err, job_alloc, job_on_read);
	j->wbuf = uv_buf_init(d->doc, (unsigned)strlen(d->doc));
	j->wreq.data = j;
	if (uv_write(&j->wreq, (uv_stream_t *)&j->in, &j->wbuf, 1, job_on_written) != 0)
		job_close((uv_handle_t *)&j->in);
	uv_timer_start(&j->timer, job_on_timeout, (uint64_t)t->timeout_ms, 0);
}

/* ------------------------------------------------------------ webhooks */

static size_t web_write(char *p, size_t size, size_t n, void *ud)
{
	target_t *t = ud;
	size_t len = size * n, room = sizeof t->resp - 1 - t->resplen;
	size_t k = len < room ? len : room;
	memcpy(t->resp + t->resplen, p, k);
	t->resplen += k;
	t->resp[t->resplen] = '\0';
	return len;
}

static void web_start(target_t *t, delivery_t *d)
{
	CURL *e = curl_easy_init();
	if (!e) {
		target_done(t, false, "libcurl cannot make a request");
		return;
	}
	const char *body = t->format == NOTIFY_FORMAT_SLACK ? d->text : d->doc;
	t->errbuf[0] = '\0';
	t->resp[0] = '\0';
	t->resplen = 0;
	bool ok = curl_easy_setopt(e, CURLOPT_URL, t->webhook) == CURLE_OK &&
	          curl_easy_setopt(e, CURLOPT_POSTFIELDS, body) == CURLE_OK &&
	          curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers) == CURLE_OK &&
	          curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, web_write) == CURLE_OK &&
	          curl_easy_setopt(e, CURLOPT_WRITEDATA, t) == CURLE_OK &&
	          curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf) == CURLE_OK &&
	          curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
	          curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)t->timeout_ms) == CURLE_OK &&
	          curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)t->timeout_ms) == CURLE_OK &&
	          curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
	          curl_easy_setopt(e, CURLOPT_USERAGENT, "nodetop/" PACKAGE_VERSION) == CURLE_OK;
	if (ok && t->ca_file)
		ok = curl_easy_setopt(e, CURLOPT_CAINFO, t->ca_file) == CURLE_OK;
	if (ok && t->insecure)
		ok = curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L) == CURLE_OK &&
		     curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L) == CURLE_OK;
	if (!ok || curluv_add(t->nt->cu, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		target_done(t, false, "libcurl cannot set up the request");
		return;
	}
	t->easy = e;
}

/* A webhook's POST finished (out of the multi handle): answered 2xx, or why not. */
static void web_on_done(void *ud, CURL *e, CURLcode res, CURLMcode removed)
{
	struct notifier *nt = ud;
	target_t *t = NULL;
	long code = 0;
	(void)removed;             /* curl_easy_cleanup takes it out either way */
	for (size_t i = 0; i < nt->n && !t; i++)
		if (nt->t[i]->easy == e)
			t = nt->t[i];
	if (res == CURLE_OK && curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK)
		code = 0;
	curl_easy_cleanup(e);
	if (!t)
		return;
	t->easy = NULL;
	curl_slist_free_all(t->old_headers);
	t->old_headers = NULL;
	char why[200];
	if (res != CURLE_OK) {
		snprintf(why, sizeof why, "%.190s", t->errbuf[0] ? t->errbuf : curl_easy_strerror(res));
		target_done(t, false, why);
	} else if (code < 200 || code > 299) {
		char line[100];
		textsafe_escape(line, sizeof line, t->resp, strcspn(t->resp, "\r\n"), true, false);
		snprintf(why, sizeof why, "HTTP %ld%s%s", code, line[0] ? ": " : "", line);
		target_done(t, false, why);
	} else {
		target_done(t, true, "");
	}
}

/* Under the webhooks' transfers: a connection libuv could not watch (libcurl
 * fails the transfer: the text goes to its error buffer), or libcurl failed
 * (every POST in flight is taken out and fails with the text, retried as any). */
static void web_on_fail(void *ud, curluv_fail_t kind, const char *why)
{
	struct notifier *nt = ud;
	for (size_t i = 0; i < nt->n; i++) {
		target_t *t = nt->t[i];
		if (!t->easy)
			continue;
		if (kind == CURLUV_FAIL_NOTE) {
			if (!t->errbuf[0])
				snprintf(t->errbuf, sizeof t->errbuf, "%s", why);
			continue;
		}
		CURL *e = t->easy;
		t->easy = NULL;
		(void)curluv_remove(nt->cu, e);   /* curl_easy_cleanup takes it out either way */
		curl_easy_cleanup(e);
		curl_slist_free_all(t->old_headers);
		t->old_headers = NULL;
		target_done(t, false, why);
	}
}

/* ------------------------------------------------------------ dispatch */

static void target_start(target_t *t)
{
	if (t->cur || t->waiting || !t->head || t->nt->stopping)
		return;
	delivery_t *d = t->head;
	t->head = d->next;
	if (!t->head)
		t->tail = NULL;
	t->qlen--;
	t->cur = d;
	d->attempts++;
	if (t->argv)
		job_start(t, d);
	else
		web_start(t, d);
}

/* ------------------------------------------------------------ events -> deliveries */

typedef struct note {
	const char *event;         /* firing, resolved, repeat, node, failover */
	const char *severity;      /* critical, warning, resolved; for nodes the state */
	const event_t *e;
	const char *group;         /* failover */
} note_t;

static void jput(cJSON *o, const char *k, cJSON *v)
{
	if (!v)
		abort();
	cJSON_AddItemToObject(o, k, v);
}

static void fmt_iso(char *buf, size_t n, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, n, "?");
}

static delivery_t *delivery_make(const target_t *t, const note_t *nn)
{
	const event_t *e = nn->e;
	delivery_t *d = xcalloc(1, sizeof *d);
	char when[40], val[32] = "", thr[32] = "";
	fmt_iso(when, sizeof when, e->ts_ms);
	bool rule = e->kind == EVENT_RULE;
	if (rule && !isnan(e->value))
		snprintf(val, sizeof val, "%.6g", e->value);
	if (rule && !isnan(e->threshold))
		snprintf(thr, sizeof thr, "%.6g", e->threshold);

	/* one line for people */
	char safe_node[200], safe_subj[480], safe_det[800], line[1600];
	textsafe_escape(safe_node, sizeof safe_node, e->node, strlen(e->node), true, false);
	textsafe_escape(safe_subj, sizeof safe_subj, e->subject, strlen(e->subject), true, false);
	textsafe_escape(safe_det, sizeof safe_det, e->detail, strlen(e->detail), true, false);
	if (rule)
		snprintf(line, sizeof line, "[%s] %s %s%s%s: %s%s%s%s%s%s", nn->severity, safe_node, e->rule,
		         safe_subj[0] ? " " : "", safe_subj, safe_det, val[0] ? " (value " : "", val,
		         thr[0] ? ", threshold " : "", thr, val[0] ? ")" : "");
	else if (nn->group)
		snprintf(line, sizeof line, "[failover] %s", safe_det);
	else
		snprintf(line, sizeof line, "[node] %s %s -> %s: %s", safe_node, state_name(e->from), state_name(e->to),
		         safe_det);
	if (strcmp(nn->event, "repeat") == 0)
		strncat(line, " (still firing)", sizeof line - strlen(line) - 1);

	cJSON *o = cJSON_CreateObject();
	if (!o)
		abort();
	jput(o, "notify", jsontext_str(t->name));
	jput(o, "event", cJSON_CreateString(nn->event));
	jput(o, "kind", cJSON_CreateString(nn->group ? "failover" : event_kind_name(e->kind)));
	jput(o, "severity", cJSON_CreateString(nn->severity));
	jput(o, "node", jsontext_str(e->node));
	jput(o, "rule", rule ? cJSON_CreateString(e->rule) : cJSON_CreateNull());
	jput(o, "subject", jsontext_str(nn->group ? nn->group : e->subject));
	jput(o, "value", val[0] ? cJSON_CreateNumber(e->value) : cJSON_CreateNull());
	jput(o, "threshold", thr[0] ? cJSON_CreateNumber(e->threshold) : cJSON_CreateNull());
	jput(o, "from", cJSON_CreateString(rule ? (e->from_level ? rule_level_name(e->from_level) : "ok")
	                                        : state_name(e->from)));
	jput(o, "to", cJSON_CreateString(rule ? rule_level_name(e->level) : state_name(e->to)));
	jput(o, "detail", jsontext_str(e->detail));
	jput(o, "time", cJSON_CreateString(when));
	jput(o, "ts_ms", cJSON_CreateNumber((double)e->ts_ms));
	jput(o, "text", jsontext_str(line));
	d->doc = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!d->doc)
		abort();

	cJSON *s = cJSON_CreateObject();
	if (!s)
		abort();
	jput(s, "text", jsontext_str(line));
	d->text = cJSON_PrintUnformatted(s);
	cJSON_Delete(s);
	if (!d->text)
		abort();
	d->line = xstrdup(line);

	if (t->argv) {
		d->env = xcalloc(13, sizeof *d->env);
		size_t k = 0;
		d->env[k++] = env_entry("NODETOP_NOTIFY", t->name);
		d->env[k++] = env_entry("NODETOP_EVENT", nn->event);
		d->env[k++] = env_entry("NODETOP_KIND", nn->group ? "failover" : event_kind_name(e->kind));
		d->env[k++] = env_entry("NODETOP_SEVERITY", nn->severity);
		d->env[k++] = env_entry("NODETOP_NODE", e->node);
		d->env[k++] = env_entry("NODETOP_RULE", rule ? e->rule : "");
		d->env[k++] = env_entry("NODETOP_SUBJECT", nn->group ? nn->group : e->subject);
		d->env[k++] = env_entry("NODETOP_VALUE", val);
		d->env[k++] = env_entry("NODETOP_THRESHOLD", thr);
		d->env[k++] = env_entry("NODETOP_DETAIL", e->detail);
		d->env[k++] = env_entry("NODETOP_TIME", when);
		d->env[k++] = env_entry("NODETOP_TEXT", line);
	}
	return d;
}

static bool list_has(char **list, size_t n, const char *s)
{
	if (n == 0)
		return true;
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

static tracked_t *track_find(target_t *t, const event_t *e)
{
	for (size_t i = 0; i < t->ntrk; i++) {
		tracked_t *k = &t->trk[i];
		if (strcmp(k->node, e->node) == 0 && strcmp(k->rule, e->rule) == 0 && strcmp(k->subject, e->subject) == 0)
			return k;
	}
	return NULL;
}

/* A rule event for hook t: matched, de-duplicated, remembered for repeats. */
static void target_rule_event(target_t *t, const event_t *e, int64_t now)
{
	if (!list_has(t->nodes, t->nnodes, e->node) || !list_has(t->rules, t->nrules, e->rule))
		return;
	tracked_t *k = track_find(t, e);
	if (e->level == 0) {
		if (!k)
			return;    /* never told of it firing: nothing to resolve */
		size_t i = (size_t)(k - t->trk);
		memmove(&t->trk[i], &t->trk[i + 1], (t->ntrk - i - 1) * sizeof *t->trk);
		t->ntrk--;
		if (t->on & NOTIFY_ON_RESOLVED)
			target_enqueue(t, delivery_make(t, &(note_t){ "resolved", "resolved", e, NULL }));
		return;
	}
	unsigned bit = e->level >= RULE_LEVEL_CRITICAL ? NOTIFY_ON_CRITICAL : NOTIFY_ON_WARNING;
	if (k && k->level == e->level)
		return;    /* told already */
	if (!(t->on & bit)) {
		if (k)
			k->level = e->level;   /* e.g. down to warning for a critical-only hook: stays quiet */
		return;
	}
	if (!k) {
		if (t->ntrk >= NOTIFY_TRACK_MAX)
			return;
		t->trk = xgrow(t->trk, &t->trk_cap, t->ntrk + 1, sizeof *t->trk);
		k = &t->trk[t->ntrk++];
		memset(k, 0, sizeof *k);
		snprintf(k->node, sizeof k->node, "%s", e->node);
		snprintf(k->rule, sizeof k->rule, "%s", e->rule);
		snprintf(k->subject, sizeof k->subject, "%s", e->subject);
	}
	k->level = e->level;
	k->sent_ms = now;
	k->ev = *e;
	target_enqueue(t, delivery_make(t, &(note_t){ "firing", rule_level_name(e->level), e, NULL }));
}

/* A failover, as the model judged it (its group's active member changed:
 * node is the new one, peer the one before): for the hooks that want them. */
static void notify_failover(struct notifier *nt, const event_t *e)
{
	event_t f = *e;
	snprintf(f.detail, sizeof f.detail, "group %.60s failed over from %.60s to %.60s", e->group,
	         e->peer[0] ? e->peer : "?", e->node);
	for (size_t i = 0; i < nt->n; i++) {
		target_t *t = nt->t[i];
		if ((t->on & NOTIFY_ON_FAILOVER) && list_has(t->nodes, t->nnodes, e->node))
			target_enqueue(t, delivery_make(t, &(note_t){ "failover", "warning", &f, e->group }));
	}
}

void notify_event(notifier_t *nt, const event_t *e)
{
	if (!nt || nt->stopping || nt->in_report)
		return;
	int64_t now = clock_wall_ms();
	if (e->kind == EVENT_RULE) {
		for (size_t i = 0; i < nt->n; i++)
			target_rule_event(nt->t[i], e, now);
	} else if (e->kind == EVENT_NODE) {
		for (size_t i = 0; i < nt->n; i++) {
			target_t *t = nt->t[i];
			if ((t->on & NOTIFY_ON_NODE) && list_has(t->nodes, t->nnodes, e->node))
				target_enqueue(t, delivery_make(t, &(note_t){ "node", state_name(e->to), e, NULL }));
		}
	} else if (e->kind == EVENT_FAILOVER) {
		notify_failover(nt, e);
	} else if (e->kind == EVENT_DB_FAILOVER || e->kind == EVENT_DB_LEASE) {
		/* a database probed directly changed writer or lease holder (issue 15): on = failover */
		for (size_t i = 0; i < nt->n; i++)
			if (nt->t[i]->on & NOTIFY_ON_FAILOVER)
				target_enqueue(nt->t[i], delivery_make(nt->t[i], &(note_t){ "failover", "warning", e, e->subject }));
	}
}

/* Once a second: repeats of rules still firing, unless the node was acknowledged. */
static void notify_on_tick(uv_timer_t *h)
{
	struct notifier *nt = h->data;
	int64_t now = clock_wall_ms();
	for (size_t i = 0; i < nt->n; i++) {
		target_t *t = nt->t[i];
		if (t->repeat_ms <= 0)
			continue;
		for (size_t k = 0; k < t->ntrk; k++) {
			tracked_t *r = &t->trk[k];
			if (now - r->sent_ms < t->repeat_ms)
				continue;
			size_t idx = model_find_node(nt->m, r->node);
			if (idx != (size_t)-1 && nt->m->nodes[idx].acked)
				continue;
			r->sent_ms = now;
			target_enqueue(t, delivery_make(t, &(note_t){ "repeat", rule_level_name(r->level), &r->ev, NULL }));
		}
	}
}

/* ------------------------------------------------------------ lifecycle */

/* Sets t's configuration from c (copied), freeing what it had: a reload
 * keeps the hook's queue, its delivery in flight and what it was told. */
/* Frees t's copy of its configuration (not its headers). */
static void target_unconfigure(target_t *t)
{
	free(t->name);
	strv_free(t->argv);
	free(t->webhook);
	strv_free(t->nodes);
	strv_free(t->rules);
	free(t->ca_file);
}

static void target_configure(target_t *t, const notify_cfg_t *c)
{
	target_unconfigure(t);
	if (t->easy && !t->old_headers)
		t->old_headers = t->headers;   /* the POST in flight sends them: freed when it ends */
	else
		curl_slist_free_all(t->headers);
	t->name = xstrdup(c->name);
	t->argv = c->argv ? strv_dup(c->argv, c->argc) : NULL;
	t->webhook = c->webhook ? xstrdup(c->webhook) : NULL;
	t->format = c->format;
	t->on = c->on;
	t->nodes = strv_dup(c->nodes, c->nnodes);
	t->nnodes = c->nnodes;
	t->rules = strv_dup(c->rules, c->nrules);
	t->nrules = c->nrules;
	t->repeat_ms = c->repeat_ms;
	t->timeout_ms = c->timeout_ms > 0 ? c->timeout_ms : 10000;
	t->retries = c->retries;
	t->queue_max = c->queue_max ? c->queue_max : 64;
	t->ca_file = c->http.ca_file ? xstrdup(c->http.ca_file) : NULL;
	t->insecure = c->http.insecure;
	t->headers = curl_slist_append(NULL, "Content-Type: application/json");
	for (size_t h = 0; h < c->http.nheaders; h++)
		t->headers = curl_slist_append(t->headers, c->http.headers[h]);
	if (c->http.bearer_token) {
		char *a = xasprintf("Authorization: Bearer %s", c->http.bearer_token);
		t->headers = curl_slist_append(t->headers, a);
		memset(a, 0, strlen(a));
		free(a);
	}
	if (!t->headers)
		abort();
}

static target_t *target_new(struct notifier *nt, const notify_cfg_t *c)
{
	target_t *t = xcalloc(1, sizeof *t);
	t->nt = nt;
	int rc = uv_timer_init(nt->loop, &t->backoff);
	if (rc != 0) {
		fprintf(stderr, "nodetop: internal error: uv_timer_init failed: %s\n", uv_strerror(rc));
		abort();
	}
	t->backoff.data = t;
	target_configure(t, c);
	return t;
}

/* The last of a released hook: its backoff timer is closed. */
static void target_closed(uv_handle_t *h)
{
	target_t *t = h->data;
	delivery_free(t->cur);
	for (delivery_t *d = t->head, *nx; d; d = nx) {
		nx = d->next;
		delivery_free(d);
	}
	target_unconfigure(t);
	curl_slist_free_all(t->headers);
	curl_slist_free_all(t->old_headers);
	free(t->trk);
	free(t);
}

/* Ends hook t: its command is killed, its POST taken out; t (with whatever is
 * still queued) is freed once the loop has closed its timer. */
static void target_release(target_t *t)
{
	int rc = uv_timer_stop(&t->backoff);
	(void)rc;                   /* 0 always */
	t->waiting = false;
	if (t->job) {
		job_t *j = t->job;
		j->t = NULL;
		t->job = NULL;
		job_kill(j);
		job_close_handles(j);   /* the process handle at its exit (job_finish) */
	}
	if (t->easy) {
		(void)curluv_remove(t->nt->cu, t->easy);   /* curl_easy_cleanup takes it out either way */
		curl_easy_cleanup(t->easy);
		t->easy = NULL;
	}
	uv_close((uv_handle_t *)&t->backoff, target_closed);
}

notifier_t *notify_new(uv_loop_t *loop, model_t *m, const notify_cfg_t *cfg, size_t n)
{
	if (n == 0)
		return NULL;
	struct notifier *nt = xcalloc(1, sizeof *nt);
	nt->loop = loop;
	nt->m = m;
	nt->cu = curluv_new(loop, web_on_done, nt);
	if (!nt->cu) {
		free(nt);
		return NULL;
	}
	curluv_on_fail(nt->cu, web_on_fail);
	int rc = uv_timer_init(loop, &nt->tick);
	if (rc == 0) {
		nt->tick.data = nt;
		rc = uv_timer_start(&nt->tick, notify_on_tick, NOTIFY_TICK_MS, NOTIFY_TICK_MS);
	}
	if (rc != 0) {
		fprintf(stderr, "nodetop: internal error: the notifier's timer: %s\n", uv_strerror(rc));
		abort();
	}
	nt->t = xcalloc(n, sizeof *nt->t);
	nt->n = n;
	for (size_t i = 0; i < n; i++)
		nt->t[i] = target_new(nt, &cfg[i]);
	return nt;
}

void notify_reload(notifier_t *nt, const notify_cfg_t *cfg, size_t n)
{
	if (!nt || nt->stopping)
		return;
	target_t **old = nt->t;
	size_t nold = nt->n;
	target_t **nu = xcalloc(n ? n : 1, sizeof *nu);
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < nold && !nu[i]; k++)
			if (old[k] && strcmp(old[k]->name, cfg[i].name) == 0) {
				nu[i] = old[k];
				old[k] = NULL;
				target_configure(nu[i], &cfg[i]);
			}
		if (!nu[i])
			nu[i] = target_new(nt, &cfg[i]);
	}
	for (size_t k = 0; k < nold; k++) {
		target_t *t = old[k];
		if (!t)
			continue;
		size_t lost = t->qlen + (t->cur ? 1 : 0);
		if (lost) {
			nt->dropped += lost;
			notify_report(nt, t, STATE_DEGRADED, "removed by a reload: %zu deliver%s dropped", lost,
			              lost == 1 ? "y" : "ies");
		}
		target_release(t);
	}
	free(old);
	nt->t = nu;
	nt->n = n;
}

void notify_stop(notifier_t *nt)
{
	if (!nt || nt->stopping)
		return;
	nt->stopping = true;
	uv_timer_stop(&nt->tick);
	uv_close((uv_handle_t *)&nt->tick, NULL);
	for (size_t i = 0; i < nt->n; i++)
		target_release(nt->t[i]);
	curluv_free(nt->cu);
	nt->cu = NULL;
}

void notify_free(notifier_t *nt)
{
	if (!nt)
		return;
	free(nt->t);
	free(nt);
}

void notify_counts(const notifier_t *nt, unsigned long *sent, unsigned long *failed, unsigned long *dropped)
{
	*sent = nt ? nt->sent : 0;
	*failed = nt ? nt->failed : 0;
	*dropped = nt ? nt->dropped : 0;
}
