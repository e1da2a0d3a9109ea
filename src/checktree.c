/* checktree.c - builds the dotted-name tree of a node's checks, orders it
 * failing first, keeps collapse state and filters, and flattens it into rows. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "checktree.h"
#include "xalloc.h"

void checktree_init(checktree_t *ct)
{
	memset(ct, 0, sizeof *ct);
}

static void checktree_clear_nodes(checktree_t *ct)
{
	for (size_t i = 0; i < ct->n; i++) {
		free(ct->nodes[i].name);
		free(ct->nodes[i].output);
		free(ct->nodes[i].kids);
	}
	ct->n = 0;
	ct->nroots = 0;
	ct->nrows = 0;
	ct->nfailing = ct->nchecks = 0;
}

void checktree_free(checktree_t *ct)
{
	checktree_clear_nodes(ct);
	free(ct->nodes);
	free(ct->roots);
	free(ct->rows);
	for (size_t i = 0; i < ct->nprefs; i++)
		free(ct->prefs[i].name);
	free(ct->prefs);
	memset(ct, 0, sizeof *ct);
}

/* ---------------------------------------------------------------- building */

/* The child of parent (or the top level) named exactly name[0..len), or CT_NONE. */
static size_t checktree_kid(const checktree_t *ct, size_t parent, const char *name, size_t len)
{
	const size_t *kids = parent == CT_NONE ? ct->roots : ct->nodes[parent].kids;
	size_t nk = parent == CT_NONE ? ct->nroots : ct->nodes[parent].nkids;

	for (size_t i = 0; i < nk; i++) {
		const char *kn = ct->nodes[kids[i]].name;

		if (strncmp(kn, name, len) == 0 && kn[len] == '\0')
			return kids[i];
	}
	return CT_NONE;
}

static size_t checktree_add(checktree_t *ct, size_t parent, const char *name, size_t len, int depth)
{
	ct_node_t *nd;
	size_t idx = ct->n;

	ct->nodes = xgrow(ct->nodes, &ct->cap, ct->n + 1, sizeof *ct->nodes);
	nd = &ct->nodes[ct->n++];
	memset(nd, 0, sizeof *nd);
	nd->name = xstrndup(name, len);
	nd->label = nd->name + (depth == 0 ? 0 : (size_t)(strrchr(nd->name, '.') - nd->name) + 1);
	nd->output = xstrdup("");
	nd->status = CHECK_UNKNOWN;
	nd->depth = depth;
	nd->parent = parent;
	if (parent == CT_NONE) {
		ct->roots = xgrow(ct->roots, &ct->roots_cap, ct->nroots + 1, sizeof *ct->roots);
		ct->roots[ct->nroots++] = idx;
	} else {
		ct_node_t *p = &ct->nodes[parent];

		p->kids = xgrow(p->kids, &p->kids_cap, p->nkids + 1, sizeof *p->kids);
		p->kids[p->nkids++] = idx;
	}
	return idx;
}

static int checktree_severity(check_status_t s)
{
	return s == CHECK_FAILING ? 2 : s == CHECK_UNKNOWN ? 1 : 0;
}

static void checktree_insert(checktree_t *ct, const checktree_item_t *it)
{
	const char *name = it->name ? it->name : "";
	size_t len = strlen(name), parent = CT_NONE, idx = CT_NONE;
	size_t start = 0;
	int depth = 0;
	ct_node_t *nd;

	/* every prefix ending before a '.' is an ancestor; the whole name is the node */
	for (;;) {
		const char *dot = memchr(name + start, '.', len - start);
		size_t end = dot ? (size_t)(dot - name) : len;

		idx = checktree_kid(ct, parent, name, end);
		if (idx == CT_NONE)
			idx = checktree_add(ct, parent, name, end, depth);
		if (!dot)
			break;
		parent = idx;
		start = end + 1;
		depth++;
	}
	nd = &ct->nodes[idx];
	if (nd->is_check && checktree_severity(nd->status) >= checktree_severity(it->status))
		return;         /* a repeated name keeps the worst */
	nd->is_check = true;
	nd->status = it->status;
	nd->since_ms = it->since_ms;
	nd->since_seen = it->since_seen;
	free(nd->output);
	nd->output = xstrdup(it->output ? it->output : "");
}

/* Sort key: failing subtrees first, then subtrees with an unknown check, then by name. */
static int checktree_cmp(const checktree_t *ct, size_t a, size_t b)
{
	const ct_node_t *x = &ct->nodes[a], *y = &ct->nodes[b];
	int rx = x->nfailing ? 0 : x->nunknown ? 1 : 2;
	int ry = y->nfailing ? 0 : y->nunknown ? 1 : 2;

	if (rx != ry)
		return rx - ry;
	return strcmp(x->name, y->name);
}

static void checktree_sort(const checktree_t *ct, size_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		size_t key = v[i], j = i;

		while (j > 0 && checktree_cmp(ct, v[j - 1], key) > 0) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = key;
	}
}

void checktree_build(checktree_t *ct, const checktree_item_t *items, size_t n)
{
	checktree_clear_nodes(ct);
	for (size_t i = 0; i < n; i++)
		checktree_insert(ct, &items[i]);
	/* counts bottom-up: children always come after their parent */
	for (size_t i = 0; i < ct->n; i++) {
		ct_node_t *nd = &ct->nodes[i];

		nd->nchecks = nd->is_check;
		nd->nfailing = nd->is_check && nd->status == CHECK_FAILING;
		nd->nunknown = nd->is_check && nd->status == CHECK_UNKNOWN;
	}
	for (size_t i = ct->n; i-- > 0;) {
		ct_node_t *nd = &ct->nodes[i];

		if (nd->parent != CT_NONE) {
			ct->nodes[nd->parent].nchecks += nd->nchecks;
			ct->nodes[nd->parent].nfailing += nd->nfailing;
			ct->nodes[nd->parent].nunknown += nd->nunknown;
		} else {
			ct->nchecks += nd->nchecks;
			ct->nfailing += nd->nfailing;
		}
	}
	for (size_t i = 0; i < ct->n; i++)
		checktree_sort(ct, ct->nodes[i].kids, ct->nodes[i].nkids);
	checktree_sort(ct, ct->roots, ct->nroots);
}

void checktree_build_report(checktree_t *ct, const health_report_t *r)
{
	checktree_item_t *items = xcalloc(r->n ? r->n : 1, sizeof *items);

	for (size_t i = 0; i < r->n; i++) {
		items[i].name = r->checks[i].name;
		items[i].status = r->checks[i].status;
		items[i].output = r->checks[i].output;
	}
	checktree_build(ct, items, r->n);
	free(items);
}

void checktree_build_node(checktree_t *ct, const node_t *node)
{
	checktree_item_t *items = xcalloc(node->nchecks ? node->nchecks : 1, sizeof *items);

	for (size_t i = 0; i < node->nchecks; i++) {
		items[i].name = node->checks[i].name;
		items[i].status = node->checks[i].status;
		items[i].output = node->checks[i].output;
		items[i].since_ms = node->checks[i].since_ms;
		items[i].since_seen = node->checks[i].since_seen;
	}
	checktree_build(ct, items, node->nchecks);
	free(items);
}

size_t checktree_find(const checktree_t *ct, const char *name)
{
	for (size_t i = 0; i < ct->n; i++)
		if (strcmp(ct->nodes[i].name, name) == 0)
			return i;
	return CT_NONE;
}

/* ---------------------------------------------------------------- view state */

static ct_pref_t *checktree_pref(const checktree_t *ct, const char *name)
{
	for (size_t i = 0; i < ct->nprefs; i++)
		if (strcmp(ct->prefs[i].name, name) == 0)
			return &ct->prefs[i];
	return NULL;
}

bool checktree_collapsed(const checktree_t *ct, size_t node)
{
	const ct_node_t *nd;
	const ct_pref_t *p;

	if (node >= ct->n)
		return false;
	nd = &ct->nodes[node];
	if (nd->nkids == 0)
		return false;
	p = checktree_pref(ct, nd->name);
	if (p)
		return p->collapsed;
	return nd->nfailing == 0;
}

void checktree_set_collapsed(checktree_t *ct, size_t node, bool collapsed)
{
	ct_pref_t *p;

	if (node >= ct->n || ct->nodes[node].nkids == 0)
		return;
	p = checktree_pref(ct, ct->nodes[node].name);
	if (!p) {
		ct->prefs = xgrow(ct->prefs, &ct->prefs_cap, ct->nprefs + 1, sizeof *ct->prefs);
		p = &ct->prefs[ct->nprefs++];
		p->name = xstrdup(ct->nodes[node].name);
	}
	p->collapsed = collapsed;
}

void checktree_toggle(checktree_t *ct, size_t node)
{
	checktree_set_collapsed(ct, node, !checktree_collapsed(ct, node));
}

void checktree_reset_collapse(checktree_t *ct)
{
	for (size_t i = 0; i < ct->nprefs; i++)
		free(ct->prefs[i].name);
	ct->nprefs = 0;
}

void checktree_set_filter(checktree_t *ct, const char *text)
{
	size_t l = text ? strlen(text) : 0;

	if (l >= sizeof ct->filter)
		l = sizeof ct->filter - 1;
	memcpy(ct->filter, text ? text : "", l);
	ct->filter[l] = '\0';
}

void checktree_set_failing_only(checktree_t *ct, bool on)
{
	ct->failing_only = on;
}

/* Case-insensitive (ASCII) substring search. */
static bool checktree_contains(const char *hay, const char *needle)
{
	size_t nl = strlen(needle);

	if (nl == 0)
		return true;
	for (; *hay; hay++) {
		size_t i = 0;

		while (i < nl && hay[i] &&
		       tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
			i++;
		if (i == nl)
			return true;
	}
	return false;
}

bool checktree_matches(const checktree_t *ct, size_t node)
{
	const ct_node_t *nd;

	if (node >= ct->n)
		return false;
	nd = &ct->nodes[node];
	if (ct->failing_only && !(nd->is_check && nd->status == CHECK_FAILING))
		return false;
	if (ct->filter[0] && !checktree_contains(nd->name, ct->filter) &&
	    !checktree_contains(nd->output, ct->filter))
		return false;
	return true;
}

size_t checktree_flatten(checktree_t *ct)
{
	bool filtering = ct->filter[0] || ct->failing_only;
	bool *vis = NULL;
	size_t *stack, sp = 0, stack_cap = ct->n + 1;

	ct->nrows = 0;
	if (ct->n == 0)
		return 0;
	if (filtering) {
		vis = xcalloc(ct->n, sizeof *vis);
		for (size_t i = ct->n; i-- > 0;) {
			if (!vis[i] && checktree_matches(ct, i))
				vis[i] = true;
			if (vis[i] && ct->nodes[i].parent != CT_NONE)
				vis[ct->nodes[i].parent] = true;
		}
	}
	/* depth-first, children pushed in reverse so that they come out in order */
	stack = xmalloc(stack_cap * sizeof *stack);
	for (size_t i = ct->nroots; i-- > 0;)
		stack[sp++] = ct->roots[i];
	while (sp > 0) {
		size_t idx = stack[--sp];
		const ct_node_t *nd = &ct->nodes[idx];
		bool open;

		if (vis && !vis[idx])
			continue;
		ct->rows = xgrow(ct->rows, &ct->rows_cap, ct->nrows + 1, sizeof *ct->rows);
		ct->rows[ct->nrows].node = idx;
		ct->rows[ct->nrows].depth = nd->depth;
		ct->nrows++;
		open = filtering || ct->expand_all || !checktree_collapsed(ct, idx);
		if (!open)
			continue;
		if (sp + nd->nkids > stack_cap) {
			stack_cap = sp + nd->nkids;
			stack = xrealloc(stack, stack_cap * sizeof *stack);
		}
		for (size_t k = nd->nkids; k-- > 0;)
			stack[sp++] = nd->kids[k];
	}
	free(stack);
	free(vis);
	return ct->nrows;
}
