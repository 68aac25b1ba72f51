/* params.h — the names of xgc's policy parameters, in one table.
 *
 * Why: the same parameters (migrate.h's planner, demand.h's estimator) are
 * set in two places — `xgc sim --policy xgc:key=value,...` and the
 * deployment file (`scheduler: {consolidate: {...}, demand: {...}}`) — and
 * must have the same names there. This table is the only list of them:
 * name, which struct field, whole number or not, and the unit. Defaults are
 * xgc_plan_params_default's and xgc_demand_params_default's; ranges are
 * xgc_plan_params_check's and xgc_demand_params_check's (the only range
 * checks), which also say which key is at fault.
 *
 * Units: a `rounds` key counts the planner's rounds — a trace interval in
 * xgc sim, `optimise_interval_ms` in the daemon, whose file takes it as a
 * duration `<name>_ms` instead (sched_config.c converts).
 */
#ifndef XGC_POLICY_PARAMS_H
#define XGC_POLICY_PARAMS_H

#include <stdbool.h>
#include <stddef.h>

#include "scheduler/policy/demand.h"
#include "scheduler/policy/migrate.h"

/* Every tunable of xgc's policy. */
typedef struct {
    xgc_plan_params_t plan;      /* migration planner (migrate.h) */
    xgc_demand_params_t demand;  /* demand estimator (demand.h) */
} xgc_policy_params_t;

typedef enum {
    XGC_POLICY_PLAN,             /* a field of xgc_plan_params_t */
    XGC_POLICY_DEMAND            /* a field of xgc_demand_params_t */
} xgc_policy_set_t;

typedef struct {
    const char *name;            /* as in xgc:key=v and the deployment file */
    xgc_policy_set_t set;
    size_t offset;               /* of the field in xgc_policy_params_t */
    bool whole;                  /* an int field: whole numbers only */
    bool rounds;                 /* counts planner rounds (see above) */
    const char *what;            /* unit and meaning, one line */
} xgc_policy_key_t;

/* Both sets at their defaults. */
void xgc_policy_params_default(xgc_policy_params_t *params);

/* The i-th key (i from 0), or NULL past the last. */
const xgc_policy_key_t *xgc_policy_key_at(size_t i);

/* The key called name, or NULL. */
const xgc_policy_key_t *xgc_policy_key_find(const char *name);

/* Sets key's field to value: 0, or -1 with why (a whole-number key given a
 * fraction or a number too large for an int); ranges are left to check. */
int xgc_policy_key_set(xgc_policy_params_t *params, const xgc_policy_key_t *key, double value,
                       const char **why);

/* Key's field as a number. */
double xgc_policy_key_get(const xgc_policy_params_t *params, const xgc_policy_key_t *key);

/* Range check of one set: 0, or -1 with the key at fault (its table entry)
 * and the reason. */
int xgc_policy_params_check(const xgc_policy_params_t *params, xgc_policy_set_t set,
                            const xgc_policy_key_t **key, const char **why);

/* One rule of a range check (migrate.c, demand.c): broken when `bad`. */
typedef struct {
    bool bad;
    const char *key, *why;       /* the key at fault, and the reason */
} xgc_policy_rule_t;

/* The first broken rule of n: -1 with its key and reason (either pointer
 * may be NULL), or 0 and NULLs. */
int xgc_policy_rules_check(const xgc_policy_rule_t *rules, size_t n, const char **key,
                           const char **why);

#endif
