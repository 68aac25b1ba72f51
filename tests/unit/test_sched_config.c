/* Unit tests of scheduler/sched_config: the scheduler: and metrics: sections. */
#include "scheduler/sched_config.h"
#include "tests/unit/xgc_test.h"

static xgc_sched_config_t cfg;
static char err[512];

static int s_load(const char *text)
{
    xgc_yaml_node_t *root = xgc_yaml_load_string(text, strlen(text), "t.yaml", err, sizeof err);
    if (!root)
        return -2;
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

int main(void)
{
    XGC_TEST_RUN(defaults);
    XGC_TEST_RUN(values);
    XGC_TEST_RUN(policy_consolidate);
    XGC_TEST_RUN(errors_name_the_field);
    return XGC_TEST_END();
}
