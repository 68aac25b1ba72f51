/* Unit tests of scheduler/sched_config: the scheduler: and metrics: sections,
 * and in them scheduler.consolidate and scheduler.demand on
 * scheduler/policy/params.h's table: defaults are migrate.c's and
 * demand.c's, every key of the table is read under its name (rounds keys as
 * `<name>_ms`, rounded up to optimise rounds), and bad values are refused at
 * file:line:col with the reason of the one range check
 * (xgc_plan_params_check / xgc_demand_params_check). */
#include "scheduler/policy/params.h"
#include "scheduler/sched_config.h"
#include "tests/unit/xgc_test.h"

static xgc_sched_config_t cfg;
static char err[512];

static int s_load(const char *text)
{
    xgc_yaml_node_t *root = xgc_yaml_load_string(text, strlen(text), "t.yaml", err, sizeof err);
    if (!root)
        return -2;
    err[0] = '\0';
    int rc = xgc_sched_config_load(&cfg, xgc_yaml_get(root, "scheduler"),
                                   xgc_yaml_get(root, "metrics"), err, sizeof err);
    xgc_yaml_destroy(&root);
    return rc;
}

XGC_TEST(defaults)
{
    CHECK(s_load("x: 1\n") == 0);
    CHECK(cfg.replan.algo == XGC_PLACE_PEMM);
    CHECK(cfg.replan.max_migrations == 4);
    CHECK(cfg.debounce_ms == 20);
    CHECK(cfg.demand_enabled);
    CHECK(cfg.metrics_listen[0] == 0);
    CHECK(cfg.replan.policy == XGC_REPLAN_POLICY_PEMM);
}

XGC_TEST(policy_consolidate)
{
    CHECK(s_load("scheduler:\n  policy: consolidate\n  optimise_interval_ms: 5000\n") == 0);
    CHECK(cfg.replan.policy == XGC_REPLAN_POLICY_CONSOLIDATE);
    CHECK(cfg.replan.round_ms == 5000);
    CHECK(s_load("scheduler:\n  policy: pemm\n") == 0);
    CHECK(cfg.replan.policy == XGC_REPLAN_POLICY_PEMM);
    CHECK(s_load("scheduler:\n  max_migrations: 2\n  policy: lrmmt\n") == -1);
    CHECK(strstr(err, "t.yaml:3:") && strstr(err, "policy") && strstr(err, "consolidate"));
    CHECK(s_load("scheduler:\n  policy: consolidate\n  demand: {enabled: false}\n") == -1);
    CHECK(strstr(err, "t.yaml:2:") && strstr(err, "demand"));
}

XGC_TEST(values)
{
    CHECK(s_load("scheduler:\n  algorithm: gmm\n  max_migrations: 7\n  gain_margin: 2.5\n"
                 "  cooldown_ms: 1500\n  fence_command: /bin/true\n"
                 "  demand: {enabled: false, headroom: 0.2}\n"
                 "metrics:\n  listen: 127.0.0.1:9464\n") == 0);
    CHECK(cfg.replan.algo == XGC_PLACE_GMM);
    CHECK(cfg.replan.max_migrations == 7);
    CHECK_NEAR(cfg.replan.gain_margin, 2.5, 0);
    CHECK(cfg.replan.cooldown_ms == 1500);
    CHECK_STR(cfg.fence_command, "/bin/true");
    CHECK(!cfg.demand_enabled);
    CHECK_NEAR(cfg.demand.headroom, 0.2, 0);
    CHECK_STR(cfg.metrics_listen, "127.0.0.1:9464");
}

XGC_TEST(errors_name_the_field)
{
    CHECK(s_load("scheduler:\n  algorithm: best\n") == -1);
    CHECK(strstr(err, "t.yaml:2:") && strstr(err, "algorithm"));
    CHECK(s_load("scheduler:\n  max_migrations: -1\n") == -1);
    CHECK(strstr(err, "max_migrations"));
    CHECK(s_load("scheduler:\n  cooldown_ms: 1.5\n") == -1);
    CHECK(strstr(err, "whole"));
    CHECK(s_load("scheduler:\n  colldown_ms: 10\n") == -1);
    CHECK(strstr(err, "colldown_ms"));
    CHECK(s_load("metrics:\n  listen: 9464\n") == -1);
    CHECK(strstr(err, "host:port"));
    CHECK(s_load("scheduler:\n  demand: {quantile: 2}\n") == -1);
    CHECK(strstr(err, "quantile"));
}

/* The policy parameters the loaded file gives. */
static xgc_policy_params_t s_loaded(void)
{
    return (xgc_policy_params_t){.plan = cfg.replan.plan, .demand = cfg.demand};
}

XGC_TEST(defaults_are_the_planners)
{
    xgc_policy_params_t def, got;
    xgc_policy_params_default(&def);
    CHECK(s_load("scheduler:\n  policy: consolidate\n") == 0);
    got = s_loaded();
    for (size_t i = 0; xgc_policy_key_at(i); i++) {
        const xgc_policy_key_t *k = xgc_policy_key_at(i);
        CHECK_NEAR(xgc_policy_key_get(&got, k), xgc_policy_key_get(&def, k), 0);
    }
    CHECK(cfg.replan.plan.cooldown == 12 && cfg.replan.plan.no_return == 72);
    CHECK(s_load("scheduler:\n  policy: consolidate\n  consolidate: {}\n") == 0);
    CHECK_NEAR(cfg.replan.plan.underload, 0.8, 0);
}

/* A valid value of key other than its default (one step up or down). */
static double s_other_value(const xgc_policy_params_t *def, const xgc_policy_key_t *k)
{
    double step = k->whole ? 1 : 0.05, v = xgc_policy_key_get(def, k);
    xgc_policy_params_t p = *def;
    const xgc_policy_key_t *bad;
    const char *why;
    if (xgc_policy_key_set(&p, k, v + step, &why) == 0
        && xgc_policy_params_check(&p, k->set, &bad, &why) == 0)
        return v + step;
    return v - step;
}

/* Every key of the table, set in the file to a value other than its
 * default, arrives in its field (and only there). */
XGC_TEST(each_key_applied)
{
    xgc_policy_params_t def;
    xgc_policy_params_default(&def);
    for (size_t i = 0; xgc_policy_key_at(i); i++) {
        const xgc_policy_key_t *k = xgc_policy_key_at(i);
        double want;
        double set = s_other_value(&def, k);
        char text[256];
        if (k->rounds) {     /* 2.5 rounds of 2000 ms: rounded up to 3 */
            snprintf(text, sizeof text, "scheduler:\n  optimise_interval_ms: 2000\n"
                     "  consolidate: {%s_ms: 5000}\n", k->name);
            want = 3;
        } else {
            snprintf(text, sizeof text, "scheduler:\n  %s: {%s: %g}\n",
                     k->set == XGC_POLICY_PLAN ? "consolidate" : "demand", k->name, set);
            want = set;
        }
        CHECK(s_load(text) == 0);
        if (err[0])
            printf("  %s: %s\n", k->name, err);
        xgc_policy_params_t got = s_loaded();
        CHECK_NEAR(xgc_policy_key_get(&got, k), want, 1e-12);
        for (size_t j = 0; xgc_policy_key_at(j); j++) {
            const xgc_policy_key_t *o = xgc_policy_key_at(j);
            if (o != k)
                CHECK_NEAR(xgc_policy_key_get(&got, o), xgc_policy_key_get(&def, o), 0);
        }
    }
}

XGC_TEST(a_full_section)
{
    CHECK(s_load("scheduler:\n  policy: consolidate\n  optimise_interval_ms: 10000\n"
                 "  consolidate: {target: 0.9, overload: 0.95, underload: 0, z: 1.0,\n"
                 "                margin: 0.05, gain: 2.5, moves: 6, per_pm: 3, catch_up: 1,\n"
                 "                cooldown_ms: 60000, no_return_ms: 0}\n") == 0);
    const xgc_plan_params_t *p = &cfg.replan.plan;
    CHECK_NEAR(p->target, 0.9, 0);
    CHECK_NEAR(p->overload, 0.95, 0);
    CHECK_NEAR(p->underload, 0, 0);
    CHECK_NEAR(p->z, 1.0, 0);
    CHECK_NEAR(p->margin, 0.05, 0);
    CHECK_NEAR(p->min_gain_w, 2.5, 0);
    CHECK(p->max_moves == 6 && p->max_moves_per_pm == 3 && p->catch_up == 1);
    CHECK(p->cooldown == 6 && p->no_return == 0);
    CHECK(cfg.replan.round_ms == 10000);
}

/* s_load(text) fails with err containing each of the strings. */
static int s_refused(const char *text, const char *a, const char *b)
{
    int ok = s_load(text) == -1 && strstr(err, a) && (!b || strstr(err, b));
    if (!ok)
        printf("  not refused as expected (%s, %s): %s\n", a, b ? b : "", err);
    return ok;
}

XGC_TEST(bad_values_refused_with_position_and_reason)
{
    CHECK(s_refused("scheduler:\n  consolidate:\n    target: 1.5\n",
                    "t.yaml:3:13: field 'target'", "target must be in (0, 1]"));
    CHECK(s_refused("scheduler:\n  consolidate: {underload: 1.2}\n",
                    "t.yaml:2:28: field 'underload'", "underload must be in [0, target)"));
    /* a rule between two keys: at the key at fault, whichever order */
    CHECK(s_refused("scheduler:\n  consolidate: {underload: 0.7, target: 0.6}\n",
                    "field 'underload'", "[0, target)"));
    /* the key at fault is not in the file: at the section */
    CHECK(s_refused("scheduler:\n  consolidate: {target: 0.5}\n",
                    "t.yaml:2:16: field 'scheduler.consolidate'", "underload must be"));
    CHECK(s_refused("scheduler:\n  consolidate: {moves: 1.5}\n", "field 'moves'", "whole"));
    CHECK(s_refused("scheduler:\n  consolidate: {per_pm: 0}\n", "field 'per_pm'", ">= 1"));
    CHECK(s_refused("scheduler:\n  consolidate: {catch_up: 101}\n", "field 'catch_up'", "1..100"));
    CHECK(s_refused("scheduler:\n  consolidate: {gain: -1}\n", "field 'gain'", ">= 0"));
    CHECK(s_refused("scheduler:\n  consolidate: {z: 11}\n", "field 'z'", "[0, 10]"));
    CHECK(s_refused("scheduler:\n  consolidate: {cooldown_ms: -5}\n", "field 'cooldown_ms'",
                    "cooldown must be >= 0"));
    CHECK(s_refused("scheduler:\n  consolidate: {z: high}\n", "field 'z'", NULL));
    /* a rounds key by its sim name; unknown keys: a typo, a demand key */
    CHECK(s_refused("scheduler:\n  consolidate: {cooldown: 12}\n",
                    "t.yaml:2:27: field 'cooldown'", "a duration: cooldown_ms"));
    CHECK(s_refused("scheduler:\n  consolidate: {undreload: 0.5}\n", "undreload", NULL));
    CHECK(s_refused("scheduler:\n  consolidate: {window: 5}\n", "window", NULL));
    CHECK(s_refused("scheduler:\n  consolidate: 3\n", "t.yaml:2:16:", "mapping"));
    /* the estimator's keys under demand: the same table and checks */
    CHECK(s_refused("scheduler:\n  demand: {alpha: 0}\n", "t.yaml:2:19: field 'alpha'",
                    "(0, 1]"));
    CHECK(s_refused("scheduler:\n  demand: {window: 4, warmup: 5}\n", "field 'warmup'",
                    "0..window"));
    CHECK(s_refused("scheduler:\n  demand: {target: 1}\n", "target", NULL));
    /* a refused file changes nothing the caller keeps: defaults again */
    CHECK(s_load("scheduler:\n  policy: consolidate\n") == 0);
    CHECK_NEAR(cfg.replan.plan.target, 1.0, 0);
}

int main(void)
{
    XGC_TEST_RUN(defaults);
    XGC_TEST_RUN(values);
    XGC_TEST_RUN(policy_consolidate);
    XGC_TEST_RUN(errors_name_the_field);
    XGC_TEST_RUN(defaults_are_the_planners);
    XGC_TEST_RUN(each_key_applied);
    XGC_TEST_RUN(a_full_section);
    XGC_TEST_RUN(bad_values_refused_with_position_and_reason);
    return XGC_TEST_END();
}
