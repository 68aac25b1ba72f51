/* params.c — the table of xgc's policy parameters (see params.h). */
#include <math.h>
#include <string.h>

#include "scheduler/policy/params.h"

#define S_PLAN(field) XGC_POLICY_PLAN, offsetof(xgc_policy_params_t, plan.field)
#define S_DEMAND(field) XGC_POLICY_DEMAND, offsetof(xgc_policy_params_t, demand.field)

/* The names are xgc sim's (docs/sim.md), kept for the deployment file. */
static const xgc_policy_key_t s_keys[] = {
    {"target", S_PLAN(target), false, false, "fill PMs up to this share of capacity"},
    {"overload", S_PLAN(overload), false, false, "relieve above this share (sized load)"},
    {"underload", S_PLAN(underload), false, false, "try to empty a PM below this share"},
    {"moves", S_PLAN(max_moves), true, false, "migrations per round; 0 = 2 % of VMs, >= 4"},
    {"per_pm", S_PLAN(max_moves_per_pm), true, false, "migrations in + out of a PM per round"},
    {"cooldown", S_PLAN(cooldown), true, true, "rounds before a moved VM moves again"},
    {"no_return", S_PLAN(no_return), true, true, "rounds a VM may not go back to its PM"},
    {"gain", S_PLAN(min_gain_w), false, false, "watts saved per migration to consolidate"},
    {"z", S_PLAN(z), false, false, "spreads of headroom on a PM's joint load"},
    {"catch_up", S_PLAN(catch_up), true, false, "budget multiplier (start-up, violations now)"},
    {"margin", S_PLAN(margin), false, false, "share of capacity kept free on the load now"},
    {"window", S_DEMAND(window), true, false, "samples in the quantile window"},
    {"quantile", S_DEMAND(quantile), false, false, "the envelope's quantile"},
    {"alpha", S_DEMAND(alpha), false, false, "EWMA weight of the newest sample"},
    {"headroom", S_DEMAND(headroom), false, false, "share added on top of the envelope"},
    {"warmup", S_DEMAND(warmup), true, false, "samples before the history is trusted"},
};

#define S_N_KEYS (sizeof s_keys / sizeof s_keys[0])

void xgc_policy_params_default(xgc_policy_params_t *params)
{
    xgc_plan_params_default(&params->plan);
    xgc_demand_params_default(&params->demand);
}

const xgc_policy_key_t *xgc_policy_key_at(size_t i)
{
    return i < S_N_KEYS ? &s_keys[i] : NULL;
}

const xgc_policy_key_t *xgc_policy_key_find(const char *name)
{
    for (size_t i = 0; name && i < S_N_KEYS; i++)
        if (!strcmp(s_keys[i].name, name))
            return &s_keys[i];
    return NULL;
}

int xgc_policy_key_set(xgc_policy_params_t *params, const xgc_policy_key_t *key, double value,
                       const char **why)
{
    char *field = (char *)params + key->offset;
    if (!key->whole) {
        memcpy(field, &value, sizeof value);
        return 0;
    }
    if (value != floor(value)) {
        *why = "must be a whole number";
        return -1;
    }
    if (!(fabs(value) <= 1e9)) {     /* an int; any sensible value is far smaller */
        *why = "must be at most 1e9 in size";
        return -1;
    }
    int v = (int)value;
    memcpy(field, &v, sizeof v);
    return 0;
}

double xgc_policy_key_get(const xgc_policy_params_t *params, const xgc_policy_key_t *key)
{
    const char *field = (const char *)params + key->offset;
    double d;
    int i;
    if (!key->whole) {
        memcpy(&d, field, sizeof d);
        return d;
    }
    memcpy(&i, field, sizeof i);
    return i;
}

int xgc_policy_params_check(const xgc_policy_params_t *params, xgc_policy_set_t set,
                            const xgc_policy_key_t **key, const char **why)
{
    const char *name = NULL;
    int rc = set == XGC_POLICY_PLAN ? xgc_plan_params_check_key(&params->plan, &name, why)
                                    : xgc_demand_params_check_key(&params->demand, &name, why);
    *key = xgc_policy_key_find(name);
    return rc;
}

int xgc_policy_rules_check(const xgc_policy_rule_t *rules, size_t n, const char **key,
                           const char **why)
{
    const xgc_policy_rule_t *bad = NULL;
    for (size_t i = 0; i < n && !bad; i++)
        if (rules[i].bad)
            bad = &rules[i];
    if (key)
        *key = bad ? bad->key : NULL;
    if (why)
        *why = bad ? bad->why : NULL;
    return bad ? -1 : 0;
}
