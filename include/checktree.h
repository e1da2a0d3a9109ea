/* checktree.h - a node's /health checks as a tree of dotted names (EVM.1.HeadTracker
 * under EVM.1 under EVM): failing first, collapse state, text and failing-only
 * filters, flattened into the visible rows with their depth. Pure. */
#ifndef NODETOP_CHECKTREE_H
#define NODETOP_CHECKTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "parse_health.h"

#define CT_NONE ((size_t)-1)

/* One input check (borrowed strings). */
typedef struct checktree_item {
	const char *name;
	check_status_t status;
	const char *output;
	int64_t since_ms;          /* 0 when not known */
	bool since_seen;           /* false: already so at the first poll (since_ms is an upper bound of the start) */
} checktree_item_t;

typedef struct ct_node {
	char *name;                /* full dotted name: raw, untrusted bytes */
	const char *label;         /* its last component (points into name) */
	char *output;              /* "" for a group with no check of its own */
	check_status_t status;     /* own status; CHECK_UNKNOWN when !is_check */
	bool is_check;             /* a check of exactly this name exists */
	int64_t since_ms;
	bool since_seen;
	int depth;                 /* 0 for a first component */
	size_t parent;             /* CT_NONE at the top */
	size_t *kids;              /* ordered: failing subtrees first, then unknown, then by name */
	size_t nkids, kids_cap;
	size_t nfailing;           /* failing checks in this subtree, itself included */
	size_t nunknown;           /* checks of unknown status in this subtree */
	size_t nchecks;            /* checks in this subtree, itself included */
} ct_node_t;

typedef struct ct_row {
	size_t node;               /* index in nodes */
	int depth;
} ct_row_t;

typedef struct ct_pref {
	char *name;
	bool collapsed;
} ct_pref_t;

typedef struct checktree {
	ct_node_t *nodes;          /* parents come before their children */
	size_t n, cap;
	size_t *roots;             /* ordered like kids */
	size_t nroots, roots_cap;
	size_t nfailing, nchecks;

	ct_row_t *rows;            /* the visible rows after checktree_flatten */
	size_t nrows, rows_cap;

	/* View state, kept across rebuilds. */
	ct_pref_t *prefs;          /* collapse state chosen by the user, by full name */
	size_t nprefs, prefs_cap;
	char filter[128];          /* case-insensitive substring of the name or output; "" = none */
	bool failing_only;
	bool expand_all;           /* ignore collapse state (the detail view) */
} checktree_t;

void checktree_init(checktree_t *ct);
void checktree_free(checktree_t *ct);
/* Rebuilds the tree from items (any order; a repeated name keeps the worst
 * status); the view state is kept. Rows must be recomputed with checktree_flatten. */
void checktree_build(checktree_t *ct, const checktree_item_t *items, size_t n);
void checktree_build_report(checktree_t *ct, const health_report_t *r);
void checktree_build_node(checktree_t *ct, const node_t *node);
/* Index of the tree node with this full name, or CT_NONE. */
size_t checktree_find(const checktree_t *ct, const char *name);

/* Collapse state: by default a subtree is collapsed when nothing in it fails,
 * open otherwise; the user's choice (toggle/set) wins. Leaves are never collapsed. */
bool checktree_collapsed(const checktree_t *ct, size_t node);
void checktree_set_collapsed(checktree_t *ct, size_t node, bool collapsed);
void checktree_toggle(checktree_t *ct, size_t node);
/* Forgets every choice made with set_collapsed/toggle. */
void checktree_reset_collapse(checktree_t *ct);

void checktree_set_filter(checktree_t *ct, const char *text);
void checktree_set_failing_only(checktree_t *ct, bool on);
/* True when the node itself passes the filters (text and failing-only). */
bool checktree_matches(const checktree_t *ct, size_t node);

/* Computes rows: depth-first in tree order. Without a filter, the children of
 * a collapsed node are hidden. With one, a node is shown when it or one of its
 * descendants matches, and collapse state is ignored. Returns nrows. */
size_t checktree_flatten(checktree_t *ct);

#endif
