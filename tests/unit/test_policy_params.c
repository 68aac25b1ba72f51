/* Unit tests of scheduler/policy/params.h: the one table of xgc's policy
 * parameters (xgc sim's xgc:key=v and the deployment file read it): names
 * unique and found, fields round-trip, whole-number keys refuse fractions,
 * and every fault the range checks report names a key of the table. */
#include "scheduler/policy/params.h"
#include "tests/unit/xgc_test.h"

XGC_TEST(names_unique_and_found)
{
    size_t n = 0;
    for (const xgc_policy_key_t *k; (k = xgc_policy_key_at(n)); n++) {
        CHECK(xgc_policy_key_find(k->name) == k);
        CHECK(k->what && k->what[0]);
    }
    CHECK(n == 16);
    CHECK(xgc_policy_key_find("nope") == NULL && xgc_policy_key_find(NULL) == NULL);
    CHECK(xgc_policy_key_find("cooldown")->rounds && xgc_policy_key_find("no_return")->rounds);
    CHECK(!xgc_policy_key_find("target")->rounds);
}

XGC_TEST(fields_round_trip)
{
    xgc_policy_params_t p;
    xgc_policy_params_default(&p);
    const char *why = NULL;
    CHECK(xgc_policy_key_set(&p, xgc_policy_key_find("gain"), 7.5, &why) == 0);
    CHECK_NEAR(p.plan.min_gain_w, 7.5, 0);
    CHECK(xgc_policy_key_set(&p, xgc_policy_key_find("per_pm"), 3, &why) == 0);
    CHECK(p.plan.max_moves_per_pm == 3);
    CHECK(xgc_policy_key_set(&p, xgc_policy_key_find("window"), 5, &why) == 0);
    CHECK(p.demand.window == 5);
    CHECK_NEAR(xgc_policy_key_get(&p, xgc_policy_key_find("per_pm")), 3, 0);
    CHECK(xgc_policy_key_set(&p, xgc_policy_key_find("moves"), 1.5, &why) == -1);
    CHECK(strstr(why, "whole"));
    CHECK(xgc_policy_key_set(&p, xgc_policy_key_find("cooldown"), 1e12, &why) == -1);
    CHECK(p.plan.max_moves == 0 && p.plan.cooldown == 12);   /* refused: unchanged */
}

/* Far out of range both ways, each key: a refusal names a key of the table
 * (the one set, or one it is compared with). */
XGC_TEST(every_fault_names_a_key)
{
    for (size_t i = 0; xgc_policy_key_at(i); i++) {
        const xgc_policy_key_t *k = xgc_policy_key_at(i);
        for (double v = -1000; v <= 1000; v += 2000) {
            xgc_policy_params_t p;
            xgc_policy_params_default(&p);
            const xgc_policy_key_t *bad = NULL;
            const char *why = NULL;
            CHECK(xgc_policy_key_set(&p, k, v, &why) == 0);
            if (xgc_policy_params_check(&p, k->set, &bad, &why) == 0)
                continue;      /* e.g. gain 1000 W */
            CHECK(bad != NULL && why && strstr(why, bad->name) == why);
        }
    }
    xgc_policy_params_t p;
    xgc_policy_params_default(&p);
    const xgc_policy_key_t *bad = (void *)1;
    const char *why = "x";
    CHECK(xgc_policy_params_check(&p, XGC_POLICY_PLAN, &bad, &why) == 0 && !bad && !why);
    CHECK(xgc_policy_params_check(&p, XGC_POLICY_DEMAND, &bad, &why) == 0 && !bad && !why);
}

int main(void)
{
    XGC_TEST_RUN(names_unique_and_found);
    XGC_TEST_RUN(fields_round_trip);
    XGC_TEST_RUN(every_fault_names_a_key);
    return XGC_TEST_END();
}
