/* parse_prom.c - Prometheus text exposition format 0.0.4 parser: one pass over
 * the body, zero-copy names and label values, no allocation per sample. */
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse_prom.h"
#include "xalloc.h"

/* Character classes, one table lookup per byte. */
enum {
	PC_MSTART = 1,  /* [a-zA-Z_:]      first byte of a metric name */
	PC_MCHAR = 2,   /* [a-zA-Z0-9_:]   metric name byte */
	PC_LSTART = 4,  /* [a-zA-Z_]       first byte of a label name */
	PC_LCHAR = 8,   /* [a-zA-Z0-9_]    label name byte */
};

static const uint8_t prom_class[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 3, 0, 0, 0, 0, 0,
	0, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15,
	15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 0, 0, 0, 0, 15,
	0, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15,
	15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 0, 0, 0, 0, 0,
	/* 128..255: nothing */
};

#define PROM_CLASS(c) (prom_class[(unsigned char)(c)])
#define PROM_SCRATCH_STACK 1024

/* State of one prom_parse call. */
typedef struct prom_ctx {
	const prom_handler_t *h;
	char *scratch;          /* decoded label values and HELP text of the current line */
	size_t scratch_cap;
	size_t scratch_used;    /* reset at every line */
	/* Names seen before, as guesses: consecutive series mostly share the
	 * metric name and label names. Both point into the body and were
	 * validated when first scanned. */
	prom_str_t prev_name;
	size_t label_hints;     /* labels[0..label_hints) hold validated names */
	bool prev_wanted;       /* want() of prev_name */
	bool skipped;           /* the last sample line was declined by want() */
	prom_label_t labels[PROM_MAX_LABELS];
	char scratch_stack[PROM_SCRATCH_STACK];
} prom_ctx_t;

static const double prom_pow10[23] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static locale_t prom_c_locale(void)
{
	/* strtod obeys LC_NUMERIC, which the program sets from the environment
	 * for curses: numbers in the body are always C-locale. */
	static locale_t loc;
	locale_t l = __atomic_load_n(&loc, __ATOMIC_ACQUIRE);
	if (l)
		return l;
	l = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	if (!l)
		return (locale_t)0;
	locale_t expected = (locale_t)0;
	if (!__atomic_compare_exchange_n(&loc, &expected, l, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		freelocale(l);
		l = expected;
	}
	return l;
}

/* Makes room for n more bytes of decoded text (plus a NUL) in the current
 * line. Callers pass n ≤ the bytes left on the line, which bounds everything
 * decoded from the rest of it: only the first call of a line can grow the
 * buffer, so pointers handed out earlier in a line never move. */
static char *prom_scratch_reserve(prom_ctx_t *c, size_t n)
{
	n++;
	if (c->scratch_used + n > c->scratch_cap) {
		size_t cap = c->scratch_cap * 2;
		while (cap < c->scratch_used + n)
			cap *= 2;
		char *p = xmalloc(cap);
		memcpy(p, c->scratch, c->scratch_used);
		if (c->scratch != c->scratch_stack)
			free(c->scratch);
		c->scratch = p;
		c->scratch_cap = cap;
	}
	return c->scratch + c->scratch_used;
}

/* First '"' or '\\' in p..e, or e. Label values are short, so eight bytes
 * at a time in a register beat two memchr calls per value. */
static const char *prom_find_quote(const char *p, const char *e)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
	while (e - p >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		uint64_t xq = w ^ (ones * '"'), xb = w ^ (ones * '\\');
		/* The lowest set bit of each "has zero byte" mask is exact. */
		uint64_t m = ((xq - ones) & ~xq & highs) | ((xb - ones) & ~xb & highs);
		if (m)
			return p + (__builtin_ctzll(m) >> 3);
		p += 8;
	}
#endif
	while (p < e && *p != '"' && *p != '\\')
		p++;
	return p;
}

static const char *prom_skip_blank(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static const char *prom_token_end(const char *p, const char *e)
{
	while (p < e && *p != ' ' && *p != '\t')
		p++;
	return p;
}

/* Plain decimals that can be converted exactly: an integer mantissa of at
 * most 19 digits and ≤ 2^53, scaled by an exact power of ten ≤ 1e22 in one
 * correctly rounded operation, gives the same double as strtod. Scans from s
 * towards the line end e; returns the end of the number, or NULL when the
 * token is anything else (then the slow path decides). */
static const char *prom_value_fast(const char *s, const char *e, double *out)
{
	bool neg = false;
	if (s < e && (*s == '-' || *s == '+')) {
		neg = *s == '-';
		s++;
	}
	uint64_t m = 0;
	int nd = 0, frac = 0;
	while (s < e && (unsigned)(*s - '0') < 10) {
		m = m * 10 + (unsigned)(*s - '0');
		if (++nd > 19)
			return NULL;
		s++;
	}
	if (s < e && *s == '.') {
		s++;
		while (s < e && (unsigned)(*s - '0') < 10) {
			m = m * 10 + (unsigned)(*s - '0');
			if (++nd > 19)
				return NULL;
			frac++;
			s++;
		}
	}
	if (nd == 0)
		return NULL;
	int ex = 0;
	if (s < e && (*s == 'e' || *s == 'E')) {
		s++;
		bool eneg = false;
		if (s < e && (*s == '-' || *s == '+')) {
			eneg = *s == '-';
			s++;
		}
		int ed = 0;
		while (s < e && (unsigned)(*s - '0') < 10) {
			ex = ex * 10 + (*s - '0');
			if (++ed > 3)
				return NULL;
			s++;
		}
		if (ed == 0)
			return NULL;
		if (eneg)
			ex = -ex;
	}
	if ((s < e && *s != ' ' && *s != '\t') || m > (UINT64_C(1) << 53))
		return NULL;
	ex -= frac;
	if (ex < -22 || ex > 22)
		return NULL;
#if FLT_EVAL_METHOD != 0
	if (ex != 0)            /* excess precision would round twice */
		return NULL;
#endif
	double v = (double)m;
	if (ex < 0)
		v /= prom_pow10[-ex];
	else if (ex > 0)
		v *= prom_pow10[ex];
	*out = neg ? -v : v;
	return s;
}

/* Everything else strtod accepts, except hex floats, "nan(...)" and anything
 * not starting like a number (Prometheus rejects those). */
static bool prom_value_slow(prom_ctx_t *c, const char *s, const char *e, double *out)
{
	size_t n = (size_t)(e - s);
	char local[64];
	char *tmp = local;
	if (n == 0)
		return false;
	if (!(PROM_CLASS(*s) & PC_LCHAR) && *s != '+' && *s != '-' && *s != '.')
		return false;
	for (const char *q = s; q < e; q++)
		if (*q == 'x' || *q == 'X' || *q == '(' || *q == '\0')
			return false;
	if (n >= sizeof(local))
		tmp = prom_scratch_reserve(c, n);
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	char *end;
	locale_t loc = prom_c_locale();
	double v = loc ? strtod_l(tmp, &end, loc) : strtod(tmp, &end);
	if (end != tmp + n)
		return false;
	*out = v;
	return true;
}

/* The value token s..e when the fast path did not take it. */
static bool prom_value_other(prom_ctx_t *c, const char *s, const char *e, double *out)
{
	size_t n = (size_t)(e - s);
	if (n == 3 && memcmp(s, "NaN", 3) == 0) {
		*out = NAN;
		return true;
	}
	if ((n == 4 && memcmp(s, "+Inf", 4) == 0) || (n == 3 && memcmp(s, "Inf", 3) == 0)) {
		*out = INFINITY;
		return true;
	}
	if (n == 4 && memcmp(s, "-Inf", 4) == 0) {
		*out = -INFINITY;
		return true;
	}
	return prom_value_slow(c, s, e, out);
}

static bool prom_timestamp_parse(const char *s, const char *e, int64_t *out)
{
	bool neg = false;
	if (s < e && (*s == '-' || *s == '+')) {
		neg = *s == '-';
		s++;
	}
	if (s == e)
		return false;
	uint64_t v = 0;
	uint64_t lim = neg ? (UINT64_C(1) << 63) : (UINT64_C(1) << 63) - 1;
	for (; s < e; s++) {
		unsigned d = (unsigned)(*s - '0');
		if (d >= 10)
			return false;
		if (v > (lim - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

/* Decodes a label value that contains a backslash, from p (just after the
 * opening quote) up to the closing quote. *pp is left after the quote. */
static const char *prom_label_value_decode(prom_ctx_t *c, const char **pp, const char *e,
                                           const char *bs, prom_str_t *out)
{
	const char *p = *pp;
	char *d0 = prom_scratch_reserve(c, (size_t)(e - p));
	char *d = d0;
	memcpy(d, p, (size_t)(bs - p));
	d += bs - p;
	p = bs;
	for (;;) {
		while (p < e && *p != '"' && *p != '\\')
			*d++ = *p++;
		if (p >= e)
			return "unterminated label value";
		if (*p == '"')
			break;
		if (++p >= e)
			return "unterminated label value";
		switch (*p++) {
		case '\\': *d++ = '\\'; break;
		case '"': *d++ = '"'; break;
		case 'n': *d++ = '\n'; break;
		default: return "invalid escape sequence in label value";
		}
	}
	out->ptr = d0;
	out->len = (size_t)(d - d0);
	c->scratch_used += out->len;
	*pp = p + 1;
	return NULL;
}

static const char *prom_sample_line(prom_ctx_t *c, const char *p, const char *e, size_t lineno)
{
	prom_sample_t s;
	s.labels = c->labels;
	s.nlabels = 0;
	s.has_timestamp = false;
	s.timestamp_ms = 0;
	s.line = lineno;

	const char *n0 = p;
	size_t plen = c->prev_name.len;
	if (plen && plen < (size_t)(e - p) && !(PROM_CLASS(p[plen]) & PC_MCHAR) &&
	    memcmp(p, c->prev_name.ptr, plen) == 0) {
		p += plen;
	} else {
		if (!(PROM_CLASS(*p) & PC_MSTART))
			return "invalid metric name";
		p++;
		while (p < e && (PROM_CLASS(*p) & PC_MCHAR))
			p++;
		c->prev_name.ptr = n0;
		c->prev_name.len = (size_t)(p - n0);
		c->prev_wanted = !c->h->want || c->h->want(c->h->ud, c->prev_name);
	}
	s.name.ptr = n0;
	s.name.len = (size_t)(p - n0);
	if (!c->prev_wanted) {
		c->skipped = true;
		return NULL;
	}

	const char *q = prom_skip_blank(p, e);
	bool braces = q < e && *q == '{';
	if (braces) {
		p = q + 1;
		for (;;) {
			p = prom_skip_blank(p, e);
			if (p >= e)
				return "unterminated label set";
			if (*p == '}') {
				p++;
				break;
			}
			if (s.nlabels == PROM_MAX_LABELS)
				return "too many labels";
			prom_label_t *lab = &c->labels[s.nlabels];
			const char *l0 = p;
			size_t hlen = s.nlabels < c->label_hints ? lab->name.len : 0;
			if (hlen && hlen < (size_t)(e - p) && !(PROM_CLASS(p[hlen]) & PC_LCHAR) &&
			    memcmp(p, lab->name.ptr, hlen) == 0) {
				p += hlen;
			} else {
				if (!(PROM_CLASS(*p) & PC_LSTART))
					return "invalid label name";
				p++;
				while (p < e && (PROM_CLASS(*p) & PC_LCHAR))
					p++;
			}
			const char *l1 = p;
			p = prom_skip_blank(p, e);
			if (p >= e || *p != '=')
				return "expected '=' after label name";
			p = prom_skip_blank(p + 1, e);
			if (p >= e || *p != '"')
				return "expected '\"' to start label value";
			p++;
			lab->name.ptr = l0;
			lab->name.len = (size_t)(l1 - l0);
			if (s.nlabels >= c->label_hints)
				c->label_hints = s.nlabels + 1;
			const char *qt = prom_find_quote(p, e);
			if (qt >= e)
				return "unterminated label value";
			if (*qt == '"') {
				lab->value.ptr = p;
				lab->value.len = (size_t)(qt - p);
				p = qt + 1;
			} else {
				const char *err = prom_label_value_decode(c, &p, e, qt, &lab->value);
				if (err)
					return err;
			}
			s.nlabels++;
			p = prom_skip_blank(p, e);
			if (p >= e)
				return "unterminated label set";
			if (*p == ',')
				p++;
			else if (*p != '}')
				return "expected ',' or '}' after label value";
		}
		q = prom_skip_blank(p, e);
	} else if (q == p && p < e) {
		return "invalid character in metric name";
	}

	if (q >= e)
		return braces ? "expected value after labels" : "expected value after metric name";
	p = q;
	const char *v1 = prom_value_fast(p, e, &s.value);
	if (!v1) {
		v1 = prom_token_end(p, e);
		if (!prom_value_other(c, p, v1, &s.value))
			return "invalid sample value";
	}
	p = prom_skip_blank(v1, e);
	if (p < e) {
		const char *t1 = prom_token_end(p, e);
		if (!prom_timestamp_parse(p, t1, &s.timestamp_ms))
			return "invalid timestamp";
		s.has_timestamp = true;
		p = prom_skip_blank(t1, e);
		if (p < e)
			return "unexpected text after timestamp";
	}
	c->h->on_sample(c->h->ud, &s);
	return NULL;
}

static const char *prom_help_text(prom_ctx_t *c, const char *p, const char *e, prom_str_t *out)
{
	const char *bs = memchr(p, '\\', (size_t)(e - p));
	if (!bs) {
		out->ptr = p;
		out->len = (size_t)(e - p);
		return NULL;
	}
	char *d0 = prom_scratch_reserve(c, (size_t)(e - p));
	char *d = d0;
	while (p < e) {
		if (*p != '\\') {
			*d++ = *p++;
			continue;
		}
		if (++p >= e)
			return "unterminated escape sequence in HELP text";
		switch (*p++) {
		case '\\': *d++ = '\\'; break;
		case 'n': *d++ = '\n'; break;
		default: return "invalid escape sequence in HELP text";
		}
	}
	out->ptr = d0;
	out->len = (size_t)(d - d0);
	c->scratch_used += out->len;
	return NULL;
}

static const char *prom_comment_line(prom_ctx_t *c, const char *p, const char *e)
{
	p = prom_skip_blank(p + 1, e);
	const char *k1 = prom_token_end(p, e);
	bool help = k1 - p == 4 && memcmp(p, "HELP", 4) == 0;
	bool type = k1 - p == 4 && memcmp(p, "TYPE", 4) == 0;
	if (!help && !type)
		return NULL;            /* a plain comment */
	p = prom_skip_blank(k1, e);
	if (p >= e)
		return NULL;            /* "# HELP" alone is still just a comment */
	const char *n0 = p;
	if (!(PROM_CLASS(*p) & PC_MSTART))
		return help ? "invalid metric name in HELP line" : "invalid metric name in TYPE line";
	p++;
	while (p < e && (PROM_CLASS(*p) & PC_MCHAR))
		p++;
	if (p < e && *p != ' ' && *p != '\t')
		return help ? "invalid metric name in HELP line" : "invalid metric name in TYPE line";
	prom_str_t name = { n0, (size_t)(p - n0) };
	p = prom_skip_blank(p, e);
	if (help) {
		prom_str_t text;
		const char *err = prom_help_text(c, p, e, &text);
		if (err)
			return err;
		if (c->h->on_help)
			c->h->on_help(c->h->ud, name, text);
		return NULL;
	}
	const char *t1 = prom_token_end(p, e);
	prom_str_t tok = { p, (size_t)(t1 - p) };
	prom_type_t t;
	if (prom_str_eq(tok, "counter"))
		t = PROM_COUNTER;
	else if (prom_str_eq(tok, "gauge"))
		t = PROM_GAUGE;
	else if (prom_str_eq(tok, "histogram"))
		t = PROM_HISTOGRAM;
	else if (prom_str_eq(tok, "summary"))
		t = PROM_SUMMARY;
	else if (prom_str_eq(tok, "untyped"))
		t = PROM_UNTYPED;
	else if (tok.len == 0)
		return "missing metric type in TYPE line";
	else
		return "unknown metric type in TYPE line";
	if (prom_skip_blank(t1, e) < e)
		return "unexpected text after metric type";
	if (c->h->on_type)
		c->h->on_type(c->h->ud, name, t);
	return NULL;
}

size_t prom_parse(const char *buf, size_t len, const prom_handler_t *h, prom_stats_t *stats)
{
	prom_ctx_t c;
	c.h = h;
	c.scratch = c.scratch_stack;
	c.scratch_cap = sizeof(c.scratch_stack);
	c.scratch_used = 0;
	c.prev_name.ptr = NULL;
	c.prev_name.len = 0;
	c.label_hints = 0;
	c.prev_wanted = true;

	size_t lineno = 0, samples = 0, errors = 0, skipped = 0;
	const char *p = buf;
	const char *end = buf ? buf + len : buf;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		const char *next = nl ? nl + 1 : end;
		if (e > p && e[-1] == '\r')
			e--;
		lineno++;
		c.scratch_used = 0;

		const char *err = NULL;
		const char *q = p;
		if (q < e && (*q == ' ' || *q == '\t'))
			q = prom_skip_blank(q, e);
		if (q < e) {
			if (*q == '#') {
				err = prom_comment_line(&c, q, e);
			} else {
				c.skipped = false;
				err = prom_sample_line(&c, q, e, lineno);
				if (c.skipped)
					skipped++;
				else if (!err)
					samples++;
			}
		}
		if (err) {
			errors++;
			if (h->on_error)
				h->on_error(h->ud, lineno, err);
		}
		p = next;
	}
	if (c.scratch != c.scratch_stack)
		free(c.scratch);
	if (stats) {
		stats->lines = lineno;
		stats->samples = samples;
		stats->errors = errors;
		stats->skipped = skipped;
	}
	return errors;
}

bool prom_str_eq(prom_str_t s, const char *lit)
{
	size_t n = strlen(lit);
	return s.len == n && (n == 0 || memcmp(s.ptr, lit, n) == 0);
}

bool prom_label_get(const prom_sample_t *s, const char *name, prom_str_t *out)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < s->nlabels; i++) {
		const prom_label_t *l = &s->labels[i];
		if (l->name.len == n && memcmp(l->name.ptr, name, n) == 0) {
			if (out)
				*out = l->value;
			return true;
		}
	}
	return false;
}

const char *prom_type_name(prom_type_t t)
{
	switch (t) {
	case PROM_COUNTER: return "counter";
	case PROM_GAUGE: return "gauge";
	case PROM_HISTOGRAM: return "histogram";
	case PROM_SUMMARY: return "summary";
	case PROM_UNTYPED: return "untyped";
	}
	return "untyped";
}
