/* parse_promapi.c - reads the Prometheus HTTP API's JSON answers (query, query_range,
 * targets) into plain, bounded structs; server texts are made printable here. */
#include <locale.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "parse_promapi.h"
#include "textsafe.h"
#include "xalloc.h"

/* Query answers (promapi_parse) are read by a streaming parser: one pass over the body,
 * no DOM, strings unescaped straight into an arena the result owns (r->doc), label
 * strings interned there (a fleet's answer repeats a few names and values thousands
 * of times), label and point arrays carved from the same arena. Objects may list
 * their keys in any order; the first of duplicate keys counts (as cJSON's lookup did).
 * The one exception to "one pass": a "result" sent before its "resultType" is skipped
 * (validated) and read again from its saved span once the type is known.
 * Targets (promapi_parse_targets, small answers) are still read with cJSON.
 * Where it differs from the former cJSON reading (tests/unit/promapi_ref.c, compared by
 * tests/unit/test_promapi_diff.c): \u0000 and raw NUL bytes in strings become U+FFFD
 * (cJSON cut the string there); the grammar is strict JSON (no leading zeros, "1.",
 * control bytes as white space or \u escapes with non-hex digits, which cJSON took), and
 * numbers of any length are read (cJSON failed past 63 characters); numbers do not
 * depend on the locale's decimal point; a syntax error's byte offset is the byte
 * rejected. Everything else (limits, counts, first-of-duplicate keys, texts) is the same. */

#define PA_MAX_DEPTH 1000   /* nested arrays and objects (cJSON's limit) */
#define PA_MAX_PROBES 64    /* interning gives up after this many slots: bounded work per label */

/* ---------------------------------------------------------------- arena */

typedef struct pa_chunk {
	struct pa_chunk *next;
	size_t cap, used;
	max_align_t data[];
} pa_chunk_t;

/* n bytes aligned to align (a power of two) from the arena *head. */
static void *arena_alloc(pa_chunk_t **head, size_t n, size_t align)
{
	pa_chunk_t *c = *head;
	size_t at = c ? (c->used + align - 1) & ~(align - 1) : 0;
	if (!c || at > c->cap || c->cap - at < n) {
		size_t cap = c ? c->cap * 2 : (size_t)64 << 10;
		if (cap > (size_t)8 << 20)
			cap = (size_t)8 << 20;
		if (cap < n)
			cap = n;
		pa_chunk_t *nc = xmalloc(sizeof *nc + cap);
		nc->next = c;
		nc->cap = cap;
		nc->used = 0;
		*head = c = nc;
		at = 0;
	}
	c->used = at + n;
	return (unsigned char *)c->data + at;
}

static void arena_free(pa_chunk_t *c)
{
	while (c) {
		pa_chunk_t *next = c->next;
		free(c);
		c = next;
	}
}

/* ---------------------------------------------------------------- parser state */

typedef enum pa_rt { RT_NONE, RT_BAD, RT_VECTOR, RT_MATRIX, RT_SCALAR, RT_STRING, RT_OTHER } pa_rt_t;

typedef struct pa_istr {
	const char *s;
	uint32_t len, hash;
} pa_istr_t;

typedef struct pa {
	const unsigned char *p, *end, *base;
	size_t err;                 /* 1 + offset of the first syntax error; 0: none */
	int depth;                  /* open arrays and objects */
	char dec;                   /* the locale's decimal point, for strtod */
	char *sb;                   /* the current string when it had escapes */
	size_t sbcap, sbn;
	char *nb;                   /* a NUL-terminated number for strtod */
	size_t nbcap;
	pa_chunk_t *arena;          /* becomes r->doc */
	pa_istr_t *tab;             /* interned label strings */
	size_t tcap, tn;
	promapi_label_t lab[PROMAPI_MAX_LABELS];   /* the element being read; beyond it, the ones before */
	uint32_t labk[PROMAPI_MAX_LABELS], labv[PROMAPI_MAX_LABELS];   /* lab's name and value lengths */
	size_t labn;                /* lab[0..labn) hold strings (of this element or one before) */
	int64_t *pts;               /* its points (matrix) */
	double *ptv;
	size_t pcap;
	promapi_result_t *r;
	/* what the document said */
	int status;                 /* 0 absent, 1 not a string, 2 "success", 3 another */
	bool seen_status, seen_error, seen_etype, seen_warn, seen_part, seen_data, seen_rt, seen_result;
	bool data_obj, error_text, have_etype;
	char etext[sizeof ((promapi_result_t *)0)->error];
	char etype[sizeof ((promapi_result_t *)0)->error_type];
	pa_rt_t rt;
	char rt_name[64];
	const unsigned char *defer_at, *defer_end;   /* "result" before "resultType" */
	int defer_depth;
	/* what the result gave */
	promapi_series_t *ser;
	size_t nser, scap, dropped, over;
	bool cut, notarray, scalar_ok;
	int64_t sc_ts;
	double sc_v;
	char *str;
} pa_t;

static bool pa_fail(pa_t *pa)
{
	if (!pa->err)
		pa->err = (size_t)(pa->p - pa->base) + 1;
	return false;
}

static bool pa_fail_at(pa_t *pa, const unsigned char *at)
{
	pa->p = at;
	return pa_fail(pa);
}

/* s[0..n) as a NUL-terminated string in the arena, one copy per distinct string. */
static const char *pa_intern(pa_t *pa, const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	if ((pa->tn + 1) * 2 > pa->tcap) {
		size_t cap = pa->tcap ? pa->tcap * 2 : 1024;
		pa_istr_t *t = xcalloc(cap, sizeof *t);
		for (size_t i = 0; i < pa->tcap; i++) {
			if (!pa->tab[i].s)
				continue;
			size_t k = pa->tab[i].hash & (cap - 1);
			while (t[k].s)
				k = (k + 1) & (cap - 1);
			t[k] = pa->tab[i];
		}
		free(pa->tab);
		pa->tab = t;
		pa->tcap = cap;
	}
	size_t m = pa->tcap - 1, k = h & m, probes = 0;
	for (; pa->tab[k].s && probes < PA_MAX_PROBES; k = (k + 1) & m, probes++)
		if (pa->tab[k].hash == h && pa->tab[k].len == n && memcmp(pa->tab[k].s, s, n) == 0)
			return pa->tab[k].s;
	char *d = arena_alloc(&pa->arena, n + 1, 1);
	memcpy(d, s, n);
	d[n] = '\0';
	if (pa->tab[k].s)   /* a long run of one hash (crafted collisions?): a copy, not interned */
		return d;
	pa->tab[k] = (pa_istr_t){ d, (uint32_t)n, h };
	pa->tn++;
	return d;
}

/* ---------------------------------------------------------------- tokens */

static void pa_ws(pa_t *pa)
{
	const unsigned char *p = pa->p, *e = pa->end;
	while (p < e && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	pa->p = p;
}

/* The next byte after white space, -1 at the end. */
static int pa_peek(pa_t *pa)
{
	pa_ws(pa);
	return pa->p < pa->end ? *pa->p : -1;
}

static void pa_put(pa_t *pa, const void *b, size_t n)
{
	if (pa->sbn + n + 1 > pa->sbcap)
		pa->sb = xgrow(pa->sb, &pa->sbcap, pa->sbn + n + 1, 1);
	memcpy(pa->sb + pa->sbn, b, n);
	pa->sbn += n;
}

static bool pa_hex4(const unsigned char *q, const unsigned char *e, unsigned *cp)
{
	if (e - q < 4)
		return false;
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned c = q[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return false;
		v = v << 4 | d;
	}
	*cp = v;
	return true;
}

static void pa_put_cp(pa_t *pa, unsigned cp)
{
	unsigned char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xC0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xE0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		u[2] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xF0 | cp >> 18);
		u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
		u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		u[3] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	pa_put(pa, u, n);
}

/* The string at p ('"'). want: *s, *n get its unescaped bytes: the body's own when
 * it has no escapes, else pa->sb's (valid until the next wanted string). NUL-free:
 * \u0000 and a raw NUL byte become U+FFFD. Other raw bytes are kept as sent. */
static bool pa_str(pa_t *pa, bool want, const char **s, size_t *n)
{
	const unsigned char *q = pa->p + 1, *e = pa->end;
	while (q < e && *q != '"' && *q != '\\' && *q != 0)
		q++;
	if (q >= e)
		return pa_fail_at(pa, e);
	if (*q == '"') {
		if (want) {
			*s = (const char *)pa->p + 1;
			*n = (size_t)(q - pa->p - 1);
		}
		pa->p = q + 1;
		return true;
	}
	if (want) {
		pa->sbn = 0;
		pa_put(pa, pa->p + 1, (size_t)(q - pa->p - 1));
	}
	while (q < e) {
		unsigned char c = *q;
		if (c == '"') {
			pa->p = q + 1;
			if (want) {
				pa->sb[pa->sbn] = '\0';
				*s = pa->sb;
				*n = pa->sbn;
			}
			return true;
		}
		if (c == 0) {
			if (want)
				pa_put_cp(pa, 0xFFFD);
			q++;
			continue;
		}
		if (c != '\\') {
			const unsigned char *r = q;
			while (r < e && *r != '"' && *r != '\\' && *r != 0)
				r++;
			if (want)
				pa_put(pa, q, (size_t)(r - q));
			q = r;
			continue;
		}
		if (e - q < 2)
			return pa_fail_at(pa, q);
		char out;
		switch (q[1]) {
		case '"': case '\\': case '/': out = (char)q[1]; break;
		case 'b': out = '\b'; break;
		case 'f': out = '\f'; break;
		case 'n': out = '\n'; break;
		case 'r': out = '\r'; break;
		case 't': out = '\t'; break;
		case 'u': {
			unsigned cp, lo;
			if (!pa_hex4(q + 2, e, &cp) || (cp >= 0xDC00 && cp <= 0xDFFF))
				return pa_fail_at(pa, q);
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (e - q < 12 || q[6] != '\\' || q[7] != 'u' || !pa_hex4(q + 8, e, &lo) ||
				    lo < 0xDC00 || lo > 0xDFFF)
					return pa_fail_at(pa, q);
				cp = 0x10000 + ((cp & 0x3FF) << 10 | (lo & 0x3FF));
				q += 6;
			}
			if (want)
				pa_put_cp(pa, cp ? cp : 0xFFFD);
			q += 6;
			continue;
		}
		default:
			return pa_fail_at(pa, q);
		}
		if (want)
			pa_put(pa, &out, 1);
		q += 2;
	}
	return pa_fail_at(pa, e);
}

static const double pa_pow10[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* A plain decimal -?D+(.D+)? of at most 15 digits in s[0..n): its exact double (an
 * integer below 2^53 divided by an exact power of ten rounds once, as strtod does). */
static bool pa_fast_decimal(const char *s, size_t n, double *out)
{
	size_t i = 0;
	bool neg = false;
	if (i < n && s[i] == '-') {
		neg = true;
		i++;
	}
	uint64_t m = 0;
	int nd = 0, fd = 0;
	size_t d0 = i;
	while (i < n && s[i] >= '0' && s[i] <= '9') {
		m = m * 10 + (uint64_t)(s[i++] - '0');
		if (++nd > 15)
			return false;
	}
	if (i == d0)
		return false;
	if (i < n && s[i] == '.') {
		size_t f0 = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			m = m * 10 + (uint64_t)(s[i++] - '0');
			fd++;
			if (++nd > 15)
				return false;
		}
		if (i == f0)
			return false;
	}
	if (i != n)
		return false;
	double d = fd ? (double)m / pa_pow10[fd] : (double)m;
	*out = neg ? -d : d;
	return true;
}

/* strtod over the whole of s[0..n) with '.' as the decimal point; false when it stops short. */
static bool pa_strtod(pa_t *pa, const char *s, size_t n, double *out)
{
	if (n + 1 > pa->nbcap)
		pa->nb = xgrow(pa->nb, &pa->nbcap, n + 1, 1);
	for (size_t i = 0; i < n; i++)
		pa->nb[i] = s[i] == '.' ? pa->dec : s[i];
	pa->nb[n] = '\0';
	char *end = NULL;
	double d = strtod(pa->nb, &end);
	if (end != pa->nb + n)
		return false;
	*out = d;
	return true;
}

/* The number at p, strict JSON grammar; *out its value (NULL: only check it). */
static bool pa_num(pa_t *pa, double *out)
{
	const unsigned char *s = pa->p, *q = s, *e = pa->end;
	if (q < e && *q == '-')
		q++;
	if (q >= e || *q < '0' || *q > '9')
		return pa_fail_at(pa, q);
	if (*q == '0')
		q++;
	else
		while (q < e && *q >= '0' && *q <= '9')
			q++;
	if (q < e && *q == '.') {
		q++;
		if (q >= e || *q < '0' || *q > '9')
			return pa_fail_at(pa, q);
		while (q < e && *q >= '0' && *q <= '9')
			q++;
	}
	if (q < e && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < e && (*q == '+' || *q == '-'))
			q++;
		if (q >= e || *q < '0' || *q > '9')
			return pa_fail_at(pa, q);
		while (q < e && *q >= '0' && *q <= '9')
			q++;
	}
	pa->p = q;
	if (out && !pa_fast_decimal((const char *)s, (size_t)(q - s), out) &&
	    !pa_strtod(pa, (const char *)s, (size_t)(q - s), out))
		return pa_fail_at(pa, s);
	return true;
}

/* A sample value string as strtod reads it (all of it, not empty, no leading space). */
static bool pa_value(pa_t *pa, const char *s, size_t n, double *v)
{
	if (n == 0 || s[0] == ' ')
		return false;
	if (n == 3 && memcmp(s, "NaN", 3) == 0) {
		*v = NAN;
		return true;
	}
	if (n == 4 && (s[0] == '+' || s[0] == '-') && memcmp(s + 1, "Inf", 3) == 0) {
		*v = s[0] == '+' ? INFINITY : -INFINITY;
		return true;
	}
	return pa_fast_decimal(s, n, v) || pa_strtod(pa, s, n, v);
}

static bool pa_lit(pa_t *pa, const char *w, size_t n)
{
	if ((size_t)(pa->end - pa->p) < n || memcmp(pa->p, w, n) != 0)
		return pa_fail(pa);
	pa->p += n;
	return true;
}

/* An object's key and its ':'; *k, *n as pa_str gives them (k NULL: not wanted). */
static bool pa_key(pa_t *pa, const char **k, size_t *n)
{
	if (pa_peek(pa) != '"')
		return pa_fail(pa);
	if (!pa_str(pa, k != NULL, k, n))
		return false;
	if (pa_peek(pa) != ':')
		return pa_fail(pa);
	pa->p++;
	return true;
}

/* Opens the array or object at p. */
static bool pa_open(pa_t *pa)
{
	if (pa->depth >= PA_MAX_DEPTH)
		return pa_fail(pa);
	pa->depth++;
	pa->p++;
	return true;
}

/* In an open container (close: ']' or '}'): 1 when a member follows (an object's key
 * read into *k, *n), 0 when it closed, -1 on a syntax error. *first: none read yet. */
static int pa_more(pa_t *pa, int close, bool *first, const char **k, size_t *n)
{
	int c = pa_peek(pa);
	if (c == close) {
		pa->p++;
		pa->depth--;
		return 0;
	}
	if (*first) {
		*first = false;
	} else if (c == ',') {
		pa->p++;
	} else {
		pa_fail(pa);
		return -1;
	}
	if (close == '}' && !pa_key(pa, k, n))
		return -1;
	return 1;
}

/* Skips (and checks) any value; arrays and objects without recursion. */
static bool pa_skip(pa_t *pa)
{
	unsigned char stack[PA_MAX_DEPTH];
	int sp = 0;
	for (;;) {
		int c = pa_peek(pa);
		if (c == '{' || c == '[') {
			if (!pa_open(pa))
				return false;
			if (pa_peek(pa) == (c == '{' ? '}' : ']')) {
				pa->p++;
				pa->depth--;
			} else {
				stack[sp++] = (unsigned char)c;
				if (c == '{' && !pa_key(pa, NULL, NULL))
					return false;
				continue;
			}
		} else if (c == '"') {
			if (!pa_str(pa, false, NULL, NULL))
				return false;
		} else if (c == 't') {
			if (!pa_lit(pa, "true", 4))
				return false;
		} else if (c == 'f') {
			if (!pa_lit(pa, "false", 5))
				return false;
		} else if (c == 'n') {
			if (!pa_lit(pa, "null", 4))
				return false;
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			if (!pa_num(pa, NULL))
				return false;
		} else {
			return pa_fail(pa);
		}
		for (;;) {   /* after a value: close what ends here, or on to the next member */
			if (sp == 0)
				return true;
			int top = stack[sp - 1], d = pa_peek(pa);
			if (d == ',') {
				pa->p++;
				if (top == '{' && !pa_key(pa, NULL, NULL))
					return false;
				break;
			}
			if (d != (top == '{' ? '}' : ']'))
				return pa_fail(pa);
			pa->p++;
			pa->depth--;
			sp--;
		}
	}
}

static bool pa_is(const char *k, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(k, lit, n) == 0;
}

/* ---------------------------------------------------------------- the result */

/* A [ts, "value"] pair (string: [ts, "text"], its text in *s, *sn). *ok: well formed. */
static bool pa_point(pa_t *pa, bool string, int64_t *ts, double *v, const char **s, size_t *sn, bool *ok)
{
	*ok = false;
	if (pa_peek(pa) != '[')
		return pa_skip(pa);
	if (!pa_open(pa))
		return false;
	bool first = true, tsok = false, vok = false;
	double sec = 0;
	const char *vs = NULL;
	size_t vn = 0, k = 0;
	for (;;) {
		int m = pa_more(pa, ']', &first, NULL, NULL);
		if (m < 0)
			return false;
		if (m == 0)
			break;
		int c = pa_peek(pa);
		if (k == 0 && (c == '-' || (c >= '0' && c <= '9'))) {
			if (!pa_num(pa, &sec))
				return false;
			tsok = true;
		} else if (k == 1 && c == '"') {
			if (!pa_str(pa, true, &vs, &vn))
				return false;
			vok = true;
		} else if (!pa_skip(pa)) {
			return false;
		}
		k++;
	}
	if (k != 2 || !tsok || !vok || !isfinite(sec) || sec < 0 || sec > 1e11)
		return true;
	if (string) {
		*s = vs;
		*sn = vn;
	} else if (!pa_value(pa, vs, vn, v)) {
		return true;
	}
	*ts = (int64_t)llround(sec * 1000.0);
	*ok = true;
	return true;
}

enum { LAB_NONE, LAB_OK, LAB_BAD };

/* A "metric" object into pa->lab[0..*nl): LAB_OK, or LAB_BAD when malformed or over the limits. */
static bool pa_labels(pa_t *pa, int *state, size_t *nl)
{
	*state = LAB_BAD;
	*nl = 0;
	if (pa_peek(pa) != '{')
		return pa_skip(pa);
	if (!pa_open(pa))
		return false;
	bool first = true, bad = false;
	size_t n = 0;
	for (;;) {
		const char *k, *v;
		size_t kn, vn;
		int m = pa_more(pa, '}', &first, &k, &kn);
		if (m < 0)
			return false;
		if (m == 0)
			break;
		if (bad || n >= PROMAPI_MAX_LABELS || kn > PROMAPI_MAX_LABEL_LEN || pa_peek(pa) != '"') {
			bad = true;
			if (!pa_skip(pa))
				return false;
			continue;
		}
		/* the series before nearly always had the same name here, and often the same value
		   (job, instance): the string it has already, not a lookup */
		bool had = n < pa->labn;
		const char *name = had && pa->labk[n] == kn && memcmp(pa->lab[n].name, k, kn) == 0
		                   ? pa->lab[n].name : pa_intern(pa, k, kn);   /* before the value may reuse pa->sb */
		if (!pa_str(pa, true, &v, &vn))
			return false;
		if (vn > PROMAPI_MAX_LABEL_LEN) {
			bad = true;
			continue;
		}
		const char *value = had && pa->labv[n] == vn && memcmp(pa->lab[n].value, v, vn) == 0
		                    ? pa->lab[n].value : pa_intern(pa, v, vn);
		pa->lab[n].name = name;
		pa->lab[n].value = value;
		pa->labk[n] = (uint32_t)kn;
		pa->labv[n] = (uint32_t)vn;
		n++;
		if (n > pa->labn)
			pa->labn = n;
	}
	if (!bad) {
		*state = LAB_OK;
		*nl = n;
	}
	return true;
}

/* A matrix "values" array into pa->pts/ptv: *isarr, *np (all of them, kept or not), *bad. */
static bool pa_points(pa_t *pa, bool *isarr, size_t *np, bool *bad)
{
	*isarr = false;
	*np = 0;
	*bad = false;
	if (pa_peek(pa) != '[')
		return pa_skip(pa);
	*isarr = true;
	if (!pa_open(pa))
		return false;
	bool first = true;
	for (;;) {
		int m = pa_more(pa, ']', &first, NULL, NULL);
		if (m < 0)
			return false;
		if (m == 0)
			break;
		size_t i = *np;
		if (i < PROMAPI_MAX_POINTS && !*bad) {
			if (i >= pa->pcap) {
				size_t cap = pa->pcap;
				pa->pts = xgrow(pa->pts, &cap, i + 1, sizeof *pa->pts);
				pa->ptv = xrealloc(pa->ptv, cap * sizeof *pa->ptv);
				pa->pcap = cap;
			}
			bool ok;
			if (!pa_point(pa, false, &pa->pts[i], &pa->ptv[i], NULL, NULL, &ok))
				return false;
			if (!ok)
				*bad = true;
		} else if (!pa_skip(pa)) {
			return false;
		}
		(*np)++;
	}
	return true;
}

/* Keeps a series: labels pa->lab[0..nl), points ts/v[0..n), copied into the arena. */
static void pa_commit(pa_t *pa, size_t nl, const int64_t *ts, const double *v, size_t n)
{
	if (pa->nser >= pa->scap)
		pa->ser = xgrow(pa->ser, &pa->scap, pa->nser + 1, sizeof *pa->ser);
	promapi_series_t *s = &pa->ser[pa->nser++];
	s->labels = NULL;
	if (nl) {
		s->labels = arena_alloc(&pa->arena, nl * sizeof *s->labels, _Alignof(promapi_label_t));
		memcpy(s->labels, pa->lab, nl * sizeof *s->labels);
	}
	s->nlabels = nl;
	size_t m = n ? n : 1;
	s->ts_ms = arena_alloc(&pa->arena, m * sizeof *s->ts_ms, _Alignof(int64_t));
	s->v = arena_alloc(&pa->arena, m * sizeof *s->v, _Alignof(double));
	if (n) {
		memcpy(s->ts_ms, ts, n * sizeof *ts);
		memcpy(s->v, v, n * sizeof *v);
	}
	s->n = n;
}

/* One element of a vector or matrix result: kept or counted as dropped. */
static bool pa_element(pa_t *pa, bool matrix)
{
	if (pa_peek(pa) != '{') {
		pa->dropped++;
		return pa_skip(pa);
	}
	if (!pa_open(pa))
		return false;
	bool first = true, seen_m = false, seen_v = false, vok = false, isarr = false, bad = false;
	int lab = LAB_NONE;
	size_t nl = 0, np = 0;
	int64_t ts = 0;
	double v = 0;
	for (;;) {
		const char *k;
		size_t kn;
		int m = pa_more(pa, '}', &first, &k, &kn);
		if (m < 0)
			return false;
		if (m == 0)
			break;
		bool ok = true;
		if (!seen_m && pa_is(k, kn, "metric")) {
			seen_m = true;
			ok = pa_labels(pa, &lab, &nl);
		} else if (!seen_v && pa_is(k, kn, matrix ? "values" : "value")) {
			seen_v = true;
			ok = matrix ? pa_points(pa, &isarr, &np, &bad)
			            : pa_point(pa, false, &ts, &v, NULL, NULL, &vok);
		} else {
			ok = pa_skip(pa);
		}
		if (!ok)
			return false;
	}
	if (lab == LAB_BAD) {
		pa->dropped++;
	} else if (!matrix) {
		if (vok)
			pa_commit(pa, nl, &ts, &v, 1);
		else
			pa->dropped++;
	} else if (!isarr) {
		pa->dropped++;
	} else {
		if (np > PROMAPI_MAX_POINTS) {
			np = PROMAPI_MAX_POINTS;
			pa->cut = true;
		}
		if (bad)
			pa->dropped++;
		else
			pa_commit(pa, nl, pa->pts, pa->ptv, np);
	}
	return true;
}

/* data.result, its resultType known (pa->rt). */
static bool pa_result(pa_t *pa)
{
	if (pa->rt == RT_VECTOR || pa->rt == RT_MATRIX) {
		if (pa_peek(pa) != '[') {
			pa->notarray = true;
			return pa_skip(pa);
		}
		if (!pa_open(pa))
			return false;
		bool first = true;
		size_t i = 0;
		for (;;) {
			int m = pa_more(pa, ']', &first, NULL, NULL);
			if (m < 0)
				return false;
			if (m == 0)
				return true;
			if (i++ < PROMAPI_MAX_SERIES) {
				if (!pa_element(pa, pa->rt == RT_MATRIX))
					return false;
			} else {
				pa->over++;
				if (!pa_skip(pa))
					return false;
			}
		}
	}
	if (pa->rt == RT_SCALAR)
		return pa_point(pa, false, &pa->sc_ts, &pa->sc_v, NULL, NULL, &pa->scalar_ok);
	if (pa->rt == RT_STRING) {
		const char *s = NULL;
		size_t n = 0;
		if (!pa_point(pa, true, &pa->sc_ts, &pa->sc_v, &s, &n, &pa->scalar_ok))
			return false;
		if (pa->scalar_ok) {
			pa->sc_v = NAN;
			pa->str = xstrndup(s, n);
		}
		return true;
	}
	return pa_skip(pa);
}

static bool pa_data(pa_t *pa)
{
	if (!pa_open(pa))
		return false;
	bool first = true;
	for (;;) {
		const char *k;
		size_t kn;
		int m = pa_more(pa, '}', &first, &k, &kn);
		if (m < 0)
			return false;
		if (m == 0)
			return true;
		bool ok = true;
		if (!pa->seen_rt && pa_is(k, kn, "resultType")) {
			pa->seen_rt = true;
			pa->rt = RT_BAD;
			if (pa_peek(pa) == '"') {
				const char *s;
				size_t n;
				ok = pa_str(pa, true, &s, &n);
				if (ok) {
					pa->rt = pa_is(s, n, "vector") ? RT_VECTOR : pa_is(s, n, "matrix") ? RT_MATRIX :
					         pa_is(s, n, "scalar") ? RT_SCALAR : pa_is(s, n, "string") ? RT_STRING : RT_OTHER;
					textsafe_escape(pa->rt_name, sizeof pa->rt_name, s, n, true, false);
				}
			} else {
				ok = pa_skip(pa);
			}
		} else if (!pa->seen_result && pa_is(k, kn, "result")) {
			pa->seen_result = true;
			if (pa->seen_rt) {
				ok = pa_result(pa);
			} else {   /* its type comes later: read it again then */
				pa_ws(pa);
				pa->defer_at = pa->p;
				pa->defer_depth = pa->depth;
				ok = pa_skip(pa);
				pa->defer_end = pa->p;
			}
		} else {
			ok = pa_skip(pa);
		}
		if (!ok)
			return false;
	}
}

/* A server text (error, errorType): a string made printable into dst (*got set when not
 * empty); any other value skipped. */
static bool pa_text(pa_t *pa, int c, char *dst, size_t size, bool *got)
{
	if (c != '"')
		return pa_skip(pa);
	const char *s;
	size_t n;
	bool ok = pa_str(pa, true, &s, &n);
	if (ok && n) {
		*got = true;
		textsafe_escape(dst, size, s, n, true, false);
	}
	return ok;
}

/* The top-level object. */
static bool pa_top(pa_t *pa)
{
	promapi_result_t *r = pa->r;
	if (!pa_open(pa))
		return false;
	bool first = true;
	for (;;) {
		const char *k, *s;
		size_t kn, n;
		int m = pa_more(pa, '}', &first, &k, &kn);
		if (m < 0)
			return false;
		if (m == 0)
			return true;
		bool ok = true;
		int c = pa_peek(pa);
		if (!pa->seen_status && pa_is(k, kn, "status")) {
			pa->seen_status = true;
			pa->status = 1;
			if (c == '"') {
				ok = pa_str(pa, true, &s, &n);
				if (ok)
					pa->status = pa_is(s, n, "success") ? 2 : 3;
			} else {
				ok = pa_skip(pa);
			}
		} else if (!pa->seen_error && pa_is(k, kn, "error")) {
			pa->seen_error = true;
			ok = pa_text(pa, c, pa->etext, sizeof pa->etext, &pa->error_text);
		} else if (!pa->seen_etype && pa_is(k, kn, "errorType")) {
			pa->seen_etype = true;
			ok = pa_text(pa, c, pa->etype, sizeof pa->etype, &pa->have_etype);
		} else if (!pa->seen_warn && pa_is(k, kn, "warnings")) {
			pa->seen_warn = true;
			if (c == '[' && (ok = pa_open(pa))) {
				bool wfirst = true;
				for (;;) {
					int wm = pa_more(pa, ']', &wfirst, NULL, NULL);
					if (wm <= 0) {
						ok = wm == 0;
						break;
					}
					if (pa_peek(pa) != '"') {
						if (!(ok = pa_skip(pa)))
							break;
						continue;
					}
					if (!(ok = pa_str(pa, true, &s, &n)))
						break;
					if (r->nwarnings++ == 0)
						textsafe_escape(r->warning, sizeof r->warning, s, n, true, false);
				}
			} else if (c != '[') {
				ok = pa_skip(pa);
			}
		} else if (!pa->seen_part && pa_is(k, kn, "isPartial")) {
			pa->seen_part = true;
			if (c == 't') {
				ok = pa_lit(pa, "true", 4);
				r->partial = ok;
			} else {
				ok = pa_skip(pa);
			}
		} else if (!pa->seen_data && pa_is(k, kn, "data")) {
			pa->seen_data = true;
			pa->data_obj = c == '{';
			ok = pa->data_obj ? pa_data(pa) : pa_skip(pa);
		} else {
			ok = pa_skip(pa);
		}
		if (!ok)
			return false;
	}
}

/* Frees what the parse made that the result does not keep. */
static void pa_done(pa_t *pa, bool keep)
{
	free(pa->sb);
	free(pa->nb);
	free(pa->tab);
	free(pa->pts);
	free(pa->ptv);
	if (!keep) {
		free(pa->ser);
		free(pa->str);
		arena_free(pa->arena);
	}
}

static int pa_error(pa_t *pa, const char *msg)
{
	pa_done(pa, false);
	snprintf(pa->r->error, sizeof pa->r->error, "%s", msg);
	return -1;
}

int promapi_parse(const char *body, size_t len, promapi_result_t *r)
{
	memset(r, 0, sizeof *r);
	if (!body || len == 0) {
		snprintf(r->error, sizeof r->error, "empty answer");
		return -1;
	}
	pa_t pa;
	memset(&pa, 0, sizeof pa);
	pa.base = pa.p = (const unsigned char *)body;
	pa.end = pa.base + len;
	pa.r = r;
	const struct lconv *lc = localeconv();
	pa.dec = lc && lc->decimal_point && lc->decimal_point[0] ? lc->decimal_point[0] : '.';
	if (len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0)
		pa.p += 3;
	bool isobj = pa_peek(&pa) == '{';
	bool ok = isobj ? pa_top(&pa) : pa_skip(&pa);
	if (ok) {
		pa_ws(&pa);
		if (pa.p < pa.end) {
			size_t off = (size_t)(pa.p - pa.base);
			pa_done(&pa, false);
			memset(r, 0, sizeof *r);
			snprintf(r->error, sizeof r->error, "invalid JSON at byte %zu: data after the document", off);
			return -1;
		}
	}
	if (ok && pa.defer_at && pa.rt >= RT_VECTOR && pa.rt <= RT_STRING) {
		pa.p = pa.defer_at;
		pa.end = pa.defer_end;
		pa.depth = pa.defer_depth;
		ok = pa_result(&pa);
	}
	if (!ok) {
		size_t off = pa.err ? pa.err - 1 : len;
		pa_done(&pa, false);
		memset(r, 0, sizeof *r);
		snprintf(r->error, sizeof r->error, "invalid JSON at byte %zu", off);
		return -1;
	}
	if (!isobj)
		return memset(r, 0, sizeof *r), pa_error(&pa, "JSON: top level is not an object");
	if (pa.status < 2)
		return pa_error(&pa, "JSON: no \"status\" (not a Prometheus API answer)");
	if (pa.status == 3) {
		if (pa.have_etype)
			memcpy(r->error_type, pa.etype, sizeof r->error_type);
		if (pa.error_text) {
			pa_done(&pa, false);
			memcpy(r->error, pa.etext, sizeof r->error);
			return -1;
		}
		return pa_error(&pa, "status error without a message");
	}
	if (!pa.data_obj)
		return pa_error(&pa, "JSON: no \"data\" object");
	if (pa.rt == RT_NONE || pa.rt == RT_BAD || !pa.seen_result)
		return pa_error(&pa, "JSON: no \"resultType\" or \"result\"");
	if (pa.rt == RT_VECTOR || pa.rt == RT_MATRIX) {
		r->type = pa.rt == RT_MATRIX ? PROMAPI_MATRIX : PROMAPI_VECTOR;
		if (pa.notarray)
			return pa_error(&pa, "JSON: \"result\" is not an array");
		if (pa.nser) {
			r->series = xrealloc(pa.ser, pa.nser * sizeof *pa.ser);
		} else {
			free(pa.ser);
			r->series = xcalloc(1, sizeof *r->series);
		}
		pa.ser = NULL;
		r->nseries = pa.nser;
		r->dropped = pa.dropped + pa.over;
		if (pa.over || pa.cut)
			r->partial = true;
	} else if (pa.rt == RT_SCALAR || pa.rt == RT_STRING) {
		r->type = pa.rt == RT_SCALAR ? PROMAPI_SCALAR : PROMAPI_STRING;
		if (!pa.scalar_ok)
			return pa_error(&pa, "JSON: malformed scalar or string result");
		pa_commit(&pa, 0, &pa.sc_ts, &pa.sc_v, 1);
		r->series = pa.ser;
		pa.ser = NULL;
		r->nseries = 1;
		r->string = pa.str;
		pa.str = NULL;
	} else {
		char e[64];
		memcpy(e, pa.rt_name, sizeof e);
		pa_done(&pa, false);
		snprintf(r->error, sizeof r->error, "unknown resultType \"%s\"", e);
		return -1;
	}
	pa_done(&pa, true);
	r->doc = pa.arena;
	r->ok = true;
	return 0;
}

void promapi_result_free(promapi_result_t *r)
{
	if (!r)
		return;
	free(r->series);
	free(r->string);
	arena_free(r->doc);
	memset(r, 0, sizeof *r);
}

static const char *promapi_find(const promapi_label_t *l, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(l[i].name, name) == 0)
			return l[i].value;
	return NULL;
}

const char *promapi_label(const promapi_series_t *s, const char *name)
{
	return promapi_find(s->labels, s->nlabels, name);
}

/* ---------------------------------------------------------------- targets (cJSON) */

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


int promapi_parse_targets(const char *body, size_t len, promapi_targets_t *r)
{
	memset(r, 0, sizeof *r);
	cJSON *doc = promapi_doc(body, len, r->error, sizeof r->error);
	if (!doc)
		return -1;
	cJSON *data = promapi_status(doc, r->error, sizeof r->error, NULL, 0);
	const cJSON *act = data ? cJSON_GetObjectItemCaseSensitive(data, "activeTargets") : NULL;
	if (!data || !cJSON_IsArray(act)) {
		if (data)
			promapi_seterr(r->error, sizeof r->error, "JSON: no \"activeTargets\" array");
		cJSON_Delete(doc);
		return -1;
	}
	size_t n = (size_t)cJSON_GetArraySize(act);
	if (n > PROMAPI_MAX_SERIES)
		n = PROMAPI_MAX_SERIES;
	r->t = xcalloc(n ? n : 1, sizeof *r->t);
	const cJSON *el;
	size_t seen = 0;
	cJSON_ArrayForEach(el, act) {
		if (seen++ >= n)
			break;
		if (!cJSON_IsObject(el))
			continue;
		promapi_target_t *t = &r->t[r->n];
		memset(t, 0, sizeof *t);
		if (!promapi_labels(cJSON_GetObjectItemCaseSensitive(el, "labels"), &t->labels, &t->nlabels))
			continue;
		const cJSON *h = cJSON_GetObjectItemCaseSensitive(el, "health");
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(el, "lastError");
		const cJSON *u = cJSON_GetObjectItemCaseSensitive(el, "scrapeUrl");
		promapi_safe(t->health, sizeof t->health, cJSON_IsString(h) ? h->valuestring : "unknown");
		promapi_safe(t->last_error, sizeof t->last_error, cJSON_IsString(e) ? e->valuestring : "");
		promapi_safe(t->scrape_url, sizeof t->scrape_url, cJSON_IsString(u) ? u->valuestring : "");
		r->n++;
	}
	r->doc = doc;
	r->ok = true;
	return 0;
}

void promapi_targets_free(promapi_targets_t *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		promapi_labels_free(r->t[i].labels, r->t[i].nlabels);
	free(r->t);
	cJSON_Delete(r->doc);
	memset(r, 0, sizeof *r);
}

const char *promapi_target_label(const promapi_target_t *t, const char *name)
{
	return promapi_find(t->labels, t->nlabels, name);
}
