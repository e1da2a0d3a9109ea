/* model_priv.h - what the model's files share (defined in model_base.c, the bottom,
 * and in the files that model.c calls); no view includes it. */
#ifndef NODETOP_MODEL_PRIV_H
#define NODETOP_MODEL_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define MODEL_MAX_CHAINS  64      /* per node: a hostile node cannot make us grow without bound */
#define MODEL_MAX_SERIES  256     /* charted series per node */
#define MODEL_GAP_MS      60000   /* no tick for this long: the gap is accrued as unknown */
#define MODEL_STALE_N     3       /* stale after this many intervals without a result */
#define FIRST_LINE_MAX    80

void model_copy(char *dst, size_t size, const char *src);
void model_copy_slice(char *dst, size_t size, const char *p, size_t len);
/* First non-blank line of s, trimmed, at most max bytes (raw bytes). */
void model_first_line(char *dst, size_t size, const char *s, size_t len, size_t max);
/* What an error answer's body says, for a message: an HTML page's <title>
 * ("400 No required SSL certificate was sent"), "HTML error page" when it has
 * none, else the body's first line (raw bytes, at most max). */
void model_error_body(char *dst, size_t size, const char *body, size_t len, size_t max);
/* Advice for an HTTP 401/403 of path (auth_sent: a token or header went with
 * it), e.g. "set bearer_token_file (the node's [Prometheus] AuthToken)"; NULL
 * for other codes. */
const char *model_auth_hint(long code, bool metrics, bool auth_sent);
/* "Service Unavailable" for 503, NULL for a code without a known phrase. */
const char *model_http_reason(long code);
/* Numbers compare as numbers ("2" < "10"), anything else as bytes. */
int model_idcmp(const char *a, const char *b);
void model_event(model_t *m, event_kind_t kind, const char *node, const char *subject,
                 state_t from, state_t to, const char *detail, int64_t ts);
void model_free_checks(node_t *n);
rpc_chain_t *model_chain_find(node_t *n, const char *id, size_t len, bool create);
void model_sort_chains(node_t *n);

/* model_health.c */
/* Output of the failing HeadListener check of chain id, or NULL. */
const char *model_listener_output(const node_t *n, const char *chain);
void model_apply_health(model_t *m, node_t *n, const probe_result_t *r);

/* model_base.c */
/* A time since the indicator's last accrual longer than MODEL_GAP_MS (nodetop was not
 * running) accrues as unknown. */
void model_ind_gap(indicator_t *ind, int64_t now);
/* Sets an indicator: event on a state change (kind, node; node NULL: none),
 * uptime accrued as ust, reason. Returns true when anything visible changed. */
bool model_ind_set_uptime(model_t *m, indicator_t *ind, event_kind_t kind, const char *node,
                          const char *subject, state_t st, state_t ust, const char *reason, int64_t now);

/* model_group.c */
/* The node at index idx, NULL for GROUP_NONE or out of range. */
const node_t *model_member(const model_t *m, size_t idx);
/* The member answers: its node indicator is up, degraded or starting. */
bool model_member_answers(const node_t *n);
/* Node n is its group's standby: refused (or a standby_answers status) while another member answers. */
bool model_is_standby(const model_t *m, const node_t *n, bool stale);
/* Node n refuses while a member that has not been polled yet may still answer:
 * its state waits for that (unknown, not down). */
bool model_role_pending(const model_t *m, const node_t *n, bool stale);
/* Roles, failover and two-active events, then the group's indicators. */
bool model_group_update(model_t *m, group_t *g, int64_t now);
/* Group g's indicator k now: state, the state its uptime accrues, reason, severity (each may be NULL). */
state_t model_group_eval(const model_t *m, const group_t *g, indicator_id_t k, int64_t now,
                         state_t *ust, char *reason, size_t rsize, severity_t *sev);

/* model_metrics.c */
/* Returns true when the checks as /metrics sees them changed since the scrape
 * before: /health is worth asking now. */
bool model_apply_metrics(model_t *m, node_t *n, const probe_result_t *r);

/* Node index i after model_move_node(from, to); (size_t)-1 stays (model.c). */
size_t model_moved_idx(size_t i, size_t from, size_t to);

#endif
