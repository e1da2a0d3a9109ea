/* parse_health.c - turns a node's /health body (JSON:API document or the
 * /health.txt text variant) into a sorted health_report_t; pure, no I/O. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

#include "parse_health.h"
#include "strbuf.h"
#include "xalloc.h"

/*
 * Every parser fills a local report and moves it into *out only on success;
 * *out is overwritten either way (free an older report first). Names and
 * outputs are the node's bytes, never escaped here: textsafe does that at
 * display time.
 */

static void health_clearerr(char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
}

/* Appends a check; takes ownership of name and output. */
static void health_push(health_report_t *r, char *name, check_status_t status, char *output)
{
	r->checks = xgrow(r->checks, &r->cap, r->n + 1, sizeof(*r->checks));
	r->checks[r->n].name = name;
	r->checks[r->n].status = status;
	r->checks[r->n].output = output;
	r->n++;
	if (status == CHECK_FAILING)
		r->nfailing++;
}

static int health_cmp(const void *a, const void *b)
{
	const health_check_t *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	if (x->status != y->status)            /* duplicates: a fixed order */
		return (int)x->status - (int)y->status;
	return strcmp(x->output, y->output);
}

static void health_finish(health_report_t *r, health_report_t *out)
{
	if (r->n > 1)
		qsort(r->checks, r->n, sizeof(*r->checks), health_cmp);
	*out = *r;
}

static int health_fail(health_report_t *r, health_report_t *out)
{
	health_report_free(r);
	*out = (health_report_t)HEALTH_REPORT_INIT;
	return -1;
}

void health_report_free(health_report_t *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->checks[i].name);
		free(r->checks[i].output);
	}
	free(r->checks);
	*r = (health_report_t)HEALTH_REPORT_INIT;
}

const char *check_status_name(check_status_t s)
{
	switch (s) {
	case CHECK_PASSING:
		return "passing";
	case CHECK_FAILING:
		return "failing";
	case CHECK_UNKNOWN:
	default:
		return "unknown";
	}
}

/* ------------------------------------------------------------------ JSON */

static bool health_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static check_status_t health_status_word(const cJSON *st)
{
	if (!cJSON_IsString(st) || !st->valuestring)
		return CHECK_UNKNOWN;
	if (strcmp(st->valuestring, "passing") == 0)
		return CHECK_PASSING;
	if (strcmp(st->valuestring, "failing") == 0)
		return CHECK_FAILING;
	return CHECK_UNKNOWN;
}

static bool health_nonempty_string(const cJSON *j)
{
	return cJSON_IsString(j) && j->valuestring && j->valuestring[0];
}

/* One element of "data". Returns 0, or -1 with err set. */
static int health_json_entry(const cJSON *e, size_t idx, health_report_t *r, char *err, size_t errlen)
{
	const cJSON *attrs, *name, *id, *out;
	const char *nm;

	if (!cJSON_IsObject(e)) {
		strbuf_seterr(err, errlen, "JSON: data[%zu] is not an object", idx);
		return -1;
	}
	attrs = cJSON_GetObjectItemCaseSensitive(e, "attributes");
	if (attrs && !cJSON_IsObject(attrs) && !cJSON_IsNull(attrs)) {
		strbuf_seterr(err, errlen, "JSON: data[%zu].attributes is not an object", idx);
		return -1;
	}
	if (!cJSON_IsObject(attrs))
		attrs = NULL;
	name = attrs ? cJSON_GetObjectItemCaseSensitive(attrs, "name") : NULL;
	if (name && !cJSON_IsString(name) && !cJSON_IsNull(name)) {
		strbuf_seterr(err, errlen, "JSON: data[%zu].attributes.name is not a string", idx);
		return -1;
	}
	id = cJSON_GetObjectItemCaseSensitive(e, "id");
	/* A name of "" (or one cut to "" by a \u0000 escape) is no name. */
	if (health_nonempty_string(name))
		nm = name->valuestring;
	else if (health_nonempty_string(id))
		nm = id->valuestring;
	else {
		strbuf_seterr(err, errlen, "JSON: data[%zu] has no name and no id", idx);
		return -1;
	}
	out = attrs ? cJSON_GetObjectItemCaseSensitive(attrs, "output") : NULL;
	health_push(r, xstrdup(nm),
	            attrs ? health_status_word(cJSON_GetObjectItemCaseSensitive(attrs, "status"))
	                  : CHECK_UNKNOWN,
	            xstrdup(cJSON_IsString(out) && out->valuestring ? out->valuestring : ""));
	return 0;
}

int health_parse_json(const char *body, size_t len, health_report_t *out, char *err, size_t errlen)
{
	health_report_t r = HEALTH_REPORT_INIT;
	const char *end = NULL;
	char *copy;
	cJSON *doc, *data, *e;
	size_t idx = 0;

	health_clearerr(err, errlen);
	if (!body || len == 0) {
		strbuf_seterr(err, errlen, "empty body");
		return health_fail(&r, out);
	}
	/* cJSON releases have read one byte past the given length on some
	 * truncated documents (cJSON issue #804, PR #775). The installed 1.7.15
	 * shows none under valgrind, but a NUL-terminated copy (one memcpy per
	 * poll) keeps a body that fills its buffer safe with any version. */
	copy = xstrndup(body, len);
	doc = cJSON_ParseWithLengthOpts(copy, len, &end, false);
	if (!doc) {
		size_t off = end && end >= copy && end <= copy + len ? (size_t)(end - copy) : 0;
		free(copy);
		strbuf_seterr(err, errlen, "invalid JSON at byte %zu", off);
		return health_fail(&r, out);
	}
	if (end) {
		size_t off = (size_t)(end - copy);
		while (off < len && health_is_space(copy[off]))
			off++;
		if (off < len) {
			cJSON_Delete(doc);
			free(copy);
			strbuf_seterr(err, errlen, "invalid JSON at byte %zu: data after the document", off);
			return health_fail(&r, out);
		}
	}
	free(copy);
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		strbuf_seterr(err, errlen, "JSON: top level is not an object");
		return health_fail(&r, out);
	}
	data = cJSON_GetObjectItemCaseSensitive(doc, "data");
	if (!data) {
		bool errors = cJSON_GetObjectItemCaseSensitive(doc, "errors") != NULL;
		cJSON_Delete(doc);
		strbuf_seterr(err, errlen, "JSON: no \"data\" array%s",
		              errors ? " (the node sent \"errors\")" : "");
		return health_fail(&r, out);
	}
	if (!cJSON_IsArray(data)) {
		cJSON_Delete(doc);
		strbuf_seterr(err, errlen, "JSON: \"data\" is not an array");
		return health_fail(&r, out);
	}
	/* Walk the child list directly: indexing a cJSON array is O(n). */
	cJSON_ArrayForEach(e, data) {
		if (health_json_entry(e, idx, &r, err, errlen) < 0) {
			cJSON_Delete(doc);
			return health_fail(&r, out);
		}
		idx++;
	}
	cJSON_Delete(doc);
	health_finish(&r, out);
	return 0;
}

/* ------------------------------------------------------------------ text */

/* Gives the output collected so far to the last check. */
static void health_text_flush(health_report_t *r, strbuf_t *ob, bool *have)
{
	if (*have && r->n > 0) {
		health_check_t *c = &r->checks[r->n - 1];
		free(c->output);
		c->output = xstrndup(strbuf_str(ob), ob->len);
	}
	strbuf_reset(ob);
	*have = false;
}

int health_parse_text(const char *body, size_t len, health_report_t *out, char *err, size_t errlen)
{
	health_report_t r = HEALTH_REPORT_INIT;
	strbuf_t ob = STRBUF_INIT;        /* output lines of the current check */
	bool have_out = false;
	size_t pos = 0, lineno = 0;

	health_clearerr(err, errlen);
	if (!body || len == 0) {
		strbuf_seterr(err, errlen, "empty body");
		return health_fail(&r, out);
	}
	while (pos < len) {
		const char *line = body + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - line) : len - pos;
		check_status_t st;
		size_t skip;

		pos += ll + (nl ? 1 : 0);
		lineno++;
		if (ll > 0 && line[ll - 1] == '\r')
			ll--;
		if (memchr(line, '\0', ll)) {
			strbuf_seterr(err, errlen, "text line %zu: NUL byte", lineno);
			goto fail;
		}
		if (ll > 0 && line[0] == '\t') {
			if (r.n == 0) {
				strbuf_seterr(err, errlen, "text line %zu: output line before any check", lineno);
				goto fail;
			}
			if (have_out)
				strbuf_putc(&ob, '\n');
			strbuf_append(&ob, line + 1, ll - 1);
			have_out = true;
			continue;
		}
		{
			size_t k = 0;
			while (k < ll && line[k] == ' ')
				k++;
			if (k == ll)              /* blank line */
				continue;
		}
		if (ll >= 2 && line[0] == 'o' && line[1] == 'k' && (ll == 2 || line[2] == ' ')) {
			st = CHECK_PASSING;
			skip = 2;
		} else if (line[0] == '!' || line[0] == '?') {
			st = line[0] == '!' ? CHECK_FAILING : CHECK_UNKNOWN;
			skip = 1;               /* "!  NAME" (v2.10+) or "!NAME" (v2.9) */
		} else if (line[0] == '-') {
			st = CHECK_PASSING;     /* "-NAME" (v2.9) */
			skip = 1;
		} else {
			strbuf_seterr(err, errlen, "text line %zu: expected 'ok', '!', '?' or '-'", lineno);
			goto fail;
		}
		while (skip < ll && line[skip] == ' ')
			skip++;
		if (skip == ll) {
			strbuf_seterr(err, errlen, "text line %zu: check without a name", lineno);
			goto fail;
		}
		health_text_flush(&r, &ob, &have_out);
		health_push(&r, xstrndup(line + skip, ll - skip), st, xstrdup(""));
	}
	health_text_flush(&r, &ob, &have_out);
	strbuf_free(&ob);
	health_finish(&r, out);
	return 0;
fail:
	strbuf_free(&ob);
	return health_fail(&r, out);
}

/* ------------------------------------------------------------------ any */

/* Compares the media type of a Content-Type value (before any ';',
 * case-insensitively, surrounding blanks ignored) with want. */
static bool health_media_is(const char *ct, const char *want)
{
	size_t n = strlen(want);

	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, want, n) != 0)
		return false;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

static bool health_media_is_json(const char *ct)
{
	const char *semi, *plus;
	size_t n;

	if (health_media_is(ct, "application/vnd.api+json") || health_media_is(ct, "application/json"))
		return true;
	/* any other "+json" structured syntax suffix */
	semi = strchr(ct, ';');
	n = semi ? (size_t)(semi - ct) : strlen(ct);
	while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	plus = n >= 5 ? ct + n - 5 : NULL;
	return plus && strncasecmp(plus, "+json", 5) == 0 && strncasecmp(ct, "application/", 12) == 0;
}

int health_parse_any(const char *content_type, const char *body, size_t len,
                     health_report_t *out, char *err, size_t errlen)
{
	size_t i = 0;

	health_clearerr(err, errlen);
	if (body && len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0) {
		body += 3;                /* a UTF-8 BOM is not content */
		len -= 3;
	}
	while (body && i < len && health_is_space(body[i]))
		i++;
	if (!body || i == len) {
		*out = (health_report_t)HEALTH_REPORT_INIT;
		strbuf_seterr(err, errlen, "empty body");
		return -1;
	}
	/* Neither format can start with '<': whatever the label says, it is a
	 * web page (an error page of a proxy, or the node's Accept: text/html). */
	if (body[i] == '<' || (content_type && health_media_is(content_type, "text/html"))) {
		*out = (health_report_t)HEALTH_REPORT_INIT;
		strbuf_seterr(err, errlen, "HTML page, not a health document");
		return -1;
	}
	if (content_type && health_media_is_json(content_type))
		return health_parse_json(body, len, out, err, errlen);
	if (content_type && health_media_is(content_type, "text/plain"))
		return health_parse_text(body, len, out, err, errlen);
	switch (body[i]) {
	case '{':
	case '[':
		return health_parse_json(body, len, out, err, errlen);
	case 'o':
	case '!':
	case '?':
	case '-':
		return health_parse_text(body, len, out, err, errlen);
	default:
		*out = (health_report_t)HEALTH_REPORT_INIT;
		strbuf_seterr(err, errlen, "not a health document (first byte 0x%02x)",
		              (unsigned char)body[i]);
		return -1;
	}
}
