/* promapi_ref.c - the former cJSON implementation of promapi_parse, kept for the tests and the
 * benchmark only: the reference the streaming parser (src/parse_promapi.c) is compared with. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "promapi_ref.h"
#include "textsafe.h"
#include "xalloc.h"

/* A printable copy of an untrusted string. */
static void promapi_safe(char *dst, size_t size, const char *src)
{
	textsafe_escape(dst, size, src ? src : "", src ? strlen(src) : 0, true, false);
}

static void promapi_seterr(char *dst, size_t size, const char *msg)
{
	snprintf(dst, size, "%s", msg);
}

/* The document in body[0..len): an object, nothing after it; NULL with err. */
static cJSON *promapi_doc(const char *body, size_t len, char *err, size_t errlen)
{
	if (!body || len == 0) {
		promapi_seterr(err, errlen, "empty answer");
		return NULL;
	}
	/* a NUL-terminated copy: cJSON has read past the given length on truncated input */
	char *copy = xstrndup(body, len);
	const char *end = NULL;
	cJSON *doc = cJSON_ParseWithLengthOpts(copy, len, &end, false);
	if (!doc) {
		size_t off = end && end >= copy && end <= copy + len ? (size_t)(end - copy) : 0;
		snprintf(err, errlen, "invalid JSON at byte %zu", off);
		free(copy);
		return NULL;
	}
	size_t off = end ? (size_t)(end - copy) : len;
	while (off < len && (copy[off] == ' ' || copy[off] == '\n' || copy[off] == '\r' || copy[off] == '\t'))
		off++;
	free(copy);
	if (off < len) {
		cJSON_Delete(doc);
		snprintf(err, errlen, "invalid JSON at byte %zu: data after the document", off);
		return NULL;
	}
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		promapi_seterr(err, errlen, "JSON: top level is not an object");
		return NULL;
	}
	return doc;
}

/* status: "success" gives data; "error" gives the server's error. false with err. */
static cJSON *promapi_status(cJSON *doc, char *err, size_t errlen, char *etype, size_t etlen)
{
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(doc, "status");
	if (!cJSON_IsString(st)) {
		promapi_seterr(err, errlen, "JSON: no \"status\" (not a Prometheus API answer)");
		return NULL;
	}
	if (strcmp(st->valuestring, "success") != 0) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "error");
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(doc, "errorType");
		if (etype && cJSON_IsString(t))
			promapi_safe(etype, etlen, t->valuestring);
		if (cJSON_IsString(e) && e->valuestring[0])
			promapi_safe(err, errlen, e->valuestring);
		else
			promapi_seterr(err, errlen, "status error without a message");
		return NULL;
	}
	cJSON *data = cJSON_GetObjectItemCaseSensitive(doc, "data");
	if (!cJSON_IsObject(data)) {
		promapi_seterr(err, errlen, "JSON: no \"data\" object");
		return NULL;
	}
	return data;
}

static void promapi_labels_free(promapi_label_t *l, size_t n)
{
	(void)n;   /* the strings are the document's */
	free(l);
}

/* Labels of a "metric" or "labels" object: false when malformed or over the limits. */
static bool promapi_labels(const cJSON *obj, promapi_label_t **out, size_t *nout)
{
	*out = NULL;
	*nout = 0;
	if (!obj)
		return true;
	if (!cJSON_IsObject(obj))
		return false;
	size_t n = (size_t)cJSON_GetArraySize(obj);
	if (n > PROMAPI_MAX_LABELS)
		return false;
	promapi_label_t *l = xcalloc(n ? n : 1, sizeof *l);
	size_t k = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, obj) {
		if (k >= n || !it->string || !cJSON_IsString(it) || strlen(it->string) > PROMAPI_MAX_LABEL_LEN ||
		    strlen(it->valuestring) > PROMAPI_MAX_LABEL_LEN) {
			promapi_labels_free(l, k);
			return false;
		}
		l[k].name = it->string;
		l[k].value = it->valuestring;
		k++;
	}
	*out = l;
	*nout = k;
	return true;
}

/* A [ts, "value"] pair. */
static bool promapi_point(const cJSON *p, int64_t *ts, double *v)
{
	if (!cJSON_IsArray(p) || cJSON_GetArraySize(p) != 2)
		return false;
	const cJSON *t = cJSON_GetArrayItem(p, 0), *s = cJSON_GetArrayItem(p, 1);
	if (!cJSON_IsNumber(t) || !cJSON_IsString(s))
		return false;
	double sec = t->valuedouble;
	if (!isfinite(sec) || sec < 0 || sec > 1e11)
		return false;
	*ts = (int64_t)llround(sec * 1000.0);
	const char *str = s->valuestring;
	char *end = NULL;
	if (!str[0] || str[0] == ' ')
		return false;
	double d = strtod(str, &end);
	if (!end || *end)
		return false;
	*v = d;
	return true;
}

static void promapi_series_free(promapi_series_t *s)
{
	promapi_labels_free(s->labels, s->nlabels);
	free(s->ts_ms);
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* One vector or matrix element into s; false when malformed. */
static bool promapi_element(const cJSON *el, bool matrix, promapi_series_t *s, bool *cut)
{
	memset(s, 0, sizeof *s);
	if (!cJSON_IsObject(el))
		return false;
	if (!promapi_labels(cJSON_GetObjectItemCaseSensitive(el, "metric"), &s->labels, &s->nlabels))
		return false;
	const cJSON *pts;
	size_t n;
	if (matrix) {
		pts = cJSON_GetObjectItemCaseSensitive(el, "values");
		if (!cJSON_IsArray(pts)) {
			promapi_series_free(s);
			return false;
		}
		n = (size_t)cJSON_GetArraySize(pts);
	} else {
		pts = cJSON_GetObjectItemCaseSensitive(el, "value");
		n = 1;
	}
	if (n > PROMAPI_MAX_POINTS) {
		n = PROMAPI_MAX_POINTS;
		*cut = true;
	}
	s->ts_ms = xcalloc(n ? n : 1, sizeof *s->ts_ms);
	s->v = xcalloc(n ? n : 1, sizeof *s->v);
	if (!matrix) {
		if (!promapi_point(pts, &s->ts_ms[0], &s->v[0])) {
			promapi_series_free(s);
			return false;
		}
		s->n = 1;
		return true;
	}
	const cJSON *p;
	cJSON_ArrayForEach(p, pts) {
		if (s->n >= n)
			break;
		if (!promapi_point(p, &s->ts_ms[s->n], &s->v[s->n])) {
			promapi_series_free(s);
			return false;
		}
		s->n++;
	}
	return true;
}

static void promapi_warnings(const cJSON *doc, promapi_result_t *r)
{
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(doc, "warnings");
	if (!cJSON_IsArray(w))
		return;
	const cJSON *it;
	cJSON_ArrayForEach(it, w) {
		if (!cJSON_IsString(it))
			continue;
		if (r->nwarnings++ == 0)
			promapi_safe(r->warning, sizeof r->warning, it->valuestring);
	}
}

int ref_promapi_parse(const char *body, size_t len, promapi_result_t *r)
{
	memset(r, 0, sizeof *r);
	cJSON *doc = promapi_doc(body, len, r->error, sizeof r->error);
	if (!doc)
		return -1;
	promapi_warnings(doc, r);
	const cJSON *part = cJSON_GetObjectItemCaseSensitive(doc, "isPartial");
	if (cJSON_IsTrue(part))
		r->partial = true;
	cJSON *data = promapi_status(doc, r->error, sizeof r->error, r->error_type, sizeof r->error_type);
	if (!data) {
		cJSON_Delete(doc);
		return -1;
	}
	const cJSON *rt = cJSON_GetObjectItemCaseSensitive(data, "resultType");
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(data, "result");
	if (!cJSON_IsString(rt) || !res) {
		promapi_seterr(r->error, sizeof r->error, "JSON: no \"resultType\" or \"result\"");
		cJSON_Delete(doc);
		return -1;
	}
	const char *t = rt->valuestring;
	if (strcmp(t, "vector") == 0 || strcmp(t, "matrix") == 0) {
		bool matrix = t[0] == 'm';
		r->type = matrix ? PROMAPI_MATRIX : PROMAPI_VECTOR;
		if (!cJSON_IsArray(res)) {
			promapi_seterr(r->error, sizeof r->error, "JSON: \"result\" is not an array");
			cJSON_Delete(doc);
			return -1;
		}
		size_t n = (size_t)cJSON_GetArraySize(res);
		if (n > PROMAPI_MAX_SERIES) {
			r->dropped += n - PROMAPI_MAX_SERIES;
			r->partial = true;
			n = PROMAPI_MAX_SERIES;
		}
		r->series = xcalloc(n ? n : 1, sizeof *r->series);
		const cJSON *el;
		size_t seen = 0;
		cJSON_ArrayForEach(el, res) {
			if (seen++ >= n)
				break;
			bool cut = false;
			if (promapi_element(el, matrix, &r->series[r->nseries], &cut))
				r->nseries++;
			else
				r->dropped++;
			if (cut)
				r->partial = true;
		}
	} else if (strcmp(t, "scalar") == 0 || strcmp(t, "string") == 0) {
		r->type = t[1] == 'c' ? PROMAPI_SCALAR : PROMAPI_STRING;
		r->series = xcalloc(1, sizeof *r->series);
		promapi_series_t *s = &r->series[0];
		s->ts_ms = xcalloc(1, sizeof *s->ts_ms);
		s->v = xcalloc(1, sizeof *s->v);
		const cJSON *ts = cJSON_IsArray(res) && cJSON_GetArraySize(res) == 2 ? cJSON_GetArrayItem(res, 0) : NULL;
		const cJSON *sv = ts ? cJSON_GetArrayItem(res, 1) : NULL;
		bool good;
		if (r->type == PROMAPI_SCALAR) {
			good = promapi_point(res, &s->ts_ms[0], &s->v[0]);
		} else {
			good = ts && cJSON_IsNumber(ts) && isfinite(ts->valuedouble) && ts->valuedouble >= 0 &&
			       ts->valuedouble <= 1e11 && cJSON_IsString(sv);
			if (good) {
				s->ts_ms[0] = (int64_t)llround(ts->valuedouble * 1000.0);
				s->v[0] = NAN;
				r->string = xstrdup(sv->valuestring);
			}
		}
		if (!good) {
			promapi_series_free(s);
			free(r->series);
			r->series = NULL;
			promapi_seterr(r->error, sizeof r->error, "JSON: malformed scalar or string result");
			cJSON_Delete(doc);
			return -1;
		}
		s->n = 1;
		r->nseries = 1;
	} else {
		char e[64];
		promapi_safe(e, sizeof e, t);
		snprintf(r->error, sizeof r->error, "unknown resultType \"%s\"", e);
		cJSON_Delete(doc);
		return -1;
	}
	r->doc = doc;   /* the labels point into it */
	r->ok = true;
	return 0;
}

void ref_promapi_result_free(promapi_result_t *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nseries; i++)
		promapi_series_free(&r->series[i]);
	free(r->series);
	free(r->string);
	cJSON_Delete(r->doc);
	memset(r, 0, sizeof *r);
}
