/* sched_config — see sched_config.h. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "scheduler/policy/params.h"
#include "scheduler/sched_config.h"

/* At most this many keys in one set of policy/params.h's table. */
#define XGC_SCHED_POLICY_KEYS 24

void xgc_sched_config_default(xgc_sched_config_t *c)
{
    memset(c, 0, sizeof *c);
    xgc_replan_params_default(&c->replan);
    c->debounce_ms = 20;
    c->optimise_interval_ms = 10000;
    c->retry_ms = 1000;
    c->boot_grace_ms = 120000;
    c->lease_ms = 3000;
    c->demand_enabled = true;
    xgc_demand_params_default(&c->demand);
    c->demand_threshold = 0.1;
    c->instances = 1;
}

/* A number key: absent leaves *out; present must be in [lo, hi]. */
static int s_double(const xgc_yaml_node_t *map, const char *key, double lo, double hi,
                    double *out, char *err, size_t errlen)
{
    const xgc_yaml_node_t *n = xgc_yaml_get(map, key);
    double v;
    if (!n)
        return 0;
    if (xgc_yaml_double(n, key, &v, err, errlen) < 0)
        return -1;
    if (!(v >= lo && v <= hi))
        return xgc_yaml_error(err, errlen, n, key, "must be in [%g, %g]", lo, hi);
    *out = v;
    return 0;
}

/* The same for a whole number (durations in ms, counts). */
static int s_long(const xgc_yaml_node_t *map, const char *key, long lo, long hi,
                  int64_t *out, char *err, size_t errlen)
{
    double v = (double)*out;
    if (s_double(map, key, (double)lo, (double)hi, &v, err, errlen) < 0)
        return -1;
    if (v != (double)(int64_t)v)
        return xgc_yaml_error(err, errlen, xgc_yaml_get(map, key), key,
                              "must be a whole number");
    *out = (int64_t)v;
    return 0;
}

static int s_int(const xgc_yaml_node_t *map, const char *key, long lo, long hi,
                 int *out, char *err, size_t errlen)
{
    int64_t v = *out;
    if (s_long(map, key, lo, hi, &v, err, errlen) < 0)
        return -1;
    *out = (int)v;
    return 0;
}

static int s_string(const xgc_yaml_node_t *map, const char *key, char *out, size_t outlen,
                    char *err, size_t errlen)
{
    const xgc_yaml_node_t *n = xgc_yaml_get(map, key);
    const char *v;
    if (!n)
        return 0;
    if (xgc_yaml_string(n, key, &v, err, errlen) < 0)
        return -1;
    if (strlen(v) >= outlen)
        return xgc_yaml_error(err, errlen, n, key, "longer than %zu characters", outlen - 1);
    snprintf(out, outlen, "%s", v);
    return 0;
}

/* A policy key as the deployment file spells it: a rounds key is a
 * duration, `<name>_ms`. */
static void s_file_name(const xgc_policy_key_t *k, char *out, size_t size)
{
    snprintf(out, size, "%s%s", k->name, k->rounds ? "_ms" : "");
}

/* A duration in ms as whole rounds of round_ms, rounded up (a cooldown is
 * never shorter than asked); negative stays negative for the range check. */
static double s_rounds(double ms, int64_t round_ms)
{
    return ms < 0 ? -1 : ceil(ms / (double)round_ms);
}

/* The keys of one set of policy/params.h's table in section `map` (named
 * `where`), besides the section's own `extra` keys (read by the caller):
 * each applied to *p, then the set's range check, reported at the key at
 * fault (or the section when that key is not in it). */
static int s_policy_keys(const xgc_yaml_node_t *map, xgc_policy_set_t set, const char *where,
                         const char *const *extra, int64_t round_ms, xgc_policy_params_t *p,
                         char *err, size_t errlen)
{
    char names[XGC_SCHED_POLICY_KEYS][32];
    const char *allowed[XGC_SCHED_POLICY_KEYS + 8];
    size_t n = 0, k = 0;
    const xgc_policy_key_t *key, *bad;
    const char *why;
    if (map->kind != XGC_YAML_MAP)
        return xgc_yaml_error(err, errlen, map, where, "must be a mapping");
    for (; extra && extra[n]; n++)
        allowed[n] = extra[n];
    for (size_t i = 0; (key = xgc_policy_key_at(i)) && k < XGC_SCHED_POLICY_KEYS; i++) {
        if (key->set != set)
            continue;
        s_file_name(key, names[k], sizeof names[k]);
        allowed[n++] = names[k];
        if (key->rounds && xgc_yaml_get(map, key->name))
            return xgc_yaml_error(err, errlen, xgc_yaml_get(map, key->name), key->name,
                                  "counts rounds in xgc sim; here a duration: %s (ms)",
                                  names[k]);
        const xgc_yaml_node_t *node = xgc_yaml_get(map, names[k]);
        double v;
        if (node && xgc_yaml_double(node, names[k], &v, err, errlen) < 0)
            return -1;
        if (node && xgc_policy_key_set(p, key, key->rounds ? s_rounds(v, round_ms) : v, &why))
            return xgc_yaml_error(err, errlen, node, names[k], "%s", why);
        k++;
    }
    allowed[n] = NULL;
    if (xgc_yaml_check_keys(map, allowed, where, err, errlen) < 0)
        return -1;
    if (xgc_policy_params_check(p, set, &bad, &why) == 0)
        return 0;
    char name[32] = "";
    if (bad)
        s_file_name(bad, name, sizeof name);
    const xgc_yaml_node_t *at = xgc_yaml_get(map, name);
    return xgc_yaml_error(err, errlen, at ? at : map, at ? name : where, "%s", why);
}

/* scheduler.demand: the estimator's keys (params.h) and the daemon's own. */
static int s_demand(xgc_sched_config_t *c, const xgc_yaml_node_t *d, char *err, size_t errlen)
{
    static const char *const own[] = {"enabled", "threshold", NULL};
    const xgc_yaml_node_t *en = xgc_yaml_get(d, "enabled");
    xgc_policy_params_t p = {.plan = c->replan.plan, .demand = c->demand};
    if (s_policy_keys(d, XGC_POLICY_DEMAND, "scheduler.demand", own, c->replan.round_ms, &p,
                      err, errlen) < 0
        || (en && xgc_yaml_bool(en, "enabled", &c->demand_enabled, err, errlen) < 0)
        || s_double(d, "threshold", 0, 1, &c->demand_threshold, err, errlen) < 0)
        return -1;
    c->demand = p.demand;
    return 0;
}

/* scheduler.consolidate: migrate.c's parameters (params.h), for policy
 * consolidate; rounds keys as durations of optimise rounds. */
static int s_consolidate(xgc_sched_config_t *c, const xgc_yaml_node_t *m, char *err,
                         size_t errlen)
{
    xgc_policy_params_t p = {.plan = c->replan.plan, .demand = c->demand};
    if (s_policy_keys(m, XGC_POLICY_PLAN, "scheduler.consolidate", NULL, c->replan.round_ms,
                      &p, err, errlen) < 0)
        return -1;
    c->replan.plan = p.plan;
    return 0;
}

/* A key naming one of a few choices: *out = parse(name) if present. */
static int s_choice(const xgc_yaml_node_t *s, const char *key, int (*parse)(const char *),
                    const char *choices, int *out, char *err, size_t errlen)
{
    char name[64] = "";
    if (s_string(s, key, name, sizeof name, err, errlen) < 0)
        return -1;
    if (!name[0])
        return 0;
    int v = parse(name);
    if (v < 0)
        return xgc_yaml_error(err, errlen, xgc_yaml_get(s, key), key, "unknown '%s' (%s)",
                              name, choices);
    *out = v;
    return 0;
}

static int s_scheduler(xgc_sched_config_t *c, const xgc_yaml_node_t *s, char *err, size_t errlen)
{
    static const char *const keys[] = {
        "algorithm", "debounce_ms", "optimise_interval_ms", "retry_ms", "max_migrations",
        "max_per_pm", "cooldown_ms", "gain_margin", "power_off_hold_ms", "boot_grace_ms",
        "lease_ms", "fence_command", "fence_grace_ms", "power_on_command",
        "power_off_command", "instances", "pmd_args", "demand", "policy", "consolidate", NULL};
    const long day = 86400000L;
    xgc_replan_params_t *r = &c->replan;
    if (xgc_yaml_check_keys(s, keys, "scheduler", err, errlen) < 0)
        return -1;
    const xgc_yaml_node_t *pol = xgc_yaml_get(s, "policy");
    int algo = r->algo, policy = r->policy;
    if (s_choice(s, "algorithm", xgc_place_algorithm_parse, "bs, gm, gmm, emm, pemm, xgc",
                 &algo, err, errlen) < 0
        || s_choice(s, "policy", xgc_replan_policy_parse, "pemm, consolidate", &policy,
                    err, errlen) < 0)
        return -1;
    r->algo = (xgc_place_algorithm_t)algo;
    r->policy = (xgc_replan_policy_t)policy;
    const xgc_yaml_node_t *d = xgc_yaml_get(s, "demand"), *m = xgc_yaml_get(s, "consolidate");
    if (s_long(s, "optimise_interval_ms", 0, day, &c->optimise_interval_ms, err, errlen) < 0)
        return -1;
    /* migrate.c's rounds (cooldown, no-return) are optimising rounds */
    r->round_ms = c->optimise_interval_ms > 0 ? c->optimise_interval_ms : r->round_ms;
    if (s_long(s, "debounce_ms", 0, 60000, &c->debounce_ms, err, errlen) < 0
        || s_long(s, "retry_ms", 10, day, &c->retry_ms, err, errlen) < 0
        || s_int(s, "max_migrations", 0, 100000, &r->max_migrations, err, errlen) < 0
        || s_int(s, "max_per_pm", 0, 1000, &r->max_per_pm, err, errlen) < 0
        || s_long(s, "cooldown_ms", 0, day, &r->cooldown_ms, err, errlen) < 0
        || s_double(s, "gain_margin", 0, 1e12, &r->gain_margin, err, errlen) < 0
        || s_long(s, "power_off_hold_ms", 0, day, &r->power_off_hold_ms, err, errlen) < 0
        || s_long(s, "boot_grace_ms", 0, day, &c->boot_grace_ms, err, errlen) < 0
        || s_long(s, "lease_ms", 100, 600000, &c->lease_ms, err, errlen) < 0
        || s_long(s, "fence_grace_ms", 0, day, &c->fence_grace_ms, err, errlen) < 0
        || s_string(s, "fence_command", c->fence_command, sizeof c->fence_command, err, errlen) < 0
        || s_string(s, "power_on_command", c->power_on_command, sizeof c->power_on_command,
                    err, errlen) < 0
        || s_string(s, "power_off_command", c->power_off_command, sizeof c->power_off_command,
                    err, errlen) < 0
        || s_int(s, "instances", 1, 16, &c->instances, err, errlen) < 0
        || s_string(s, "pmd_args", c->pmd_args, sizeof c->pmd_args, err, errlen) < 0
        || (d && s_demand(c, d, err, errlen) < 0)
        || (m && s_consolidate(c, m, err, errlen) < 0))
        return -1;
    if (r->policy == XGC_REPLAN_POLICY_CONSOLIDATE && !c->demand_enabled)
        return xgc_yaml_error(err, errlen, pol, "policy",
                              "consolidate plans on observed demand: needs demand.enabled");
    return 0;
}

int xgc_sched_config_load(xgc_sched_config_t *c, const xgc_yaml_node_t *scheduler,
                          const xgc_yaml_node_t *metrics, char *err, size_t errlen)
{
    static const char *const mkeys[] = {"listen", NULL};
    xgc_sched_config_default(c);
    if (scheduler && scheduler->kind != XGC_YAML_MAP)
        return xgc_yaml_error(err, errlen, scheduler, "scheduler", "must be a mapping");
    if (metrics && metrics->kind != XGC_YAML_MAP)
        return xgc_yaml_error(err, errlen, metrics, "metrics", "must be a mapping");
    if (scheduler && s_scheduler(c, scheduler, err, errlen) < 0)
        return -1;
    if (metrics && (xgc_yaml_check_keys(metrics, mkeys, "metrics", err, errlen) < 0
                    || s_string(metrics, "listen", c->metrics_listen,
                                sizeof c->metrics_listen, err, errlen) < 0))
        return -1;
    if (c->metrics_listen[0] && !strchr(c->metrics_listen, ':'))
        return xgc_yaml_error(err, errlen, xgc_yaml_get(metrics, "listen"), "listen",
                              "expected host:port");
    return 0;
}
