/* Unit tests of the pure parts of `xgc soak`: the seeded fault schedule,
 * the invariant checker over hand-made snapshots, the report's statistics. */
#include <stdlib.h>

#include "tools/soak_check.h"
#include "xgc_test.h"

XGC_TEST(schedule_is_reproducible_and_covers_every_kind)
{
    xgc_soak_fault_t a[64], b[64], c[64];
    size_t na = xgc_soak_schedule(7, 600000, 20, 5000, 12000, XGC_SOAK_F_PLAIN, a, 64);
    size_t nb = xgc_soak_schedule(7, 600000, 20, 5000, 12000, XGC_SOAK_F_PLAIN, b, 64);
    size_t nc = xgc_soak_schedule(8, 600000, 20, 5000, 12000, XGC_SOAK_F_PLAIN, c, 64);
    CHECK(na == nb && na >= XGC_SOAK_F_PLAIN);
    CHECK(memcmp(a, b, na * sizeof a[0]) == 0);
    bool differs = nc != na;
    for (size_t i = 0; i < na && i < nc && !differs; i++)
        differs = a[i].kind != c[i].kind || a[i].target != c[i].target;
    CHECK(differs);
    int seen[XGC_SOAK_F_COUNT] = {0};
    for (size_t i = 0; i < XGC_SOAK_F_PLAIN; i++)
        seen[a[i].kind]++;
    for (int k = 0; k < XGC_SOAK_F_COUNT; k++)      /* the first cycle is a permutation */
        CHECK(seen[k] == (k < XGC_SOAK_F_PLAIN));    /* of the plaintext kinds */
    for (size_t i = 0; i < na; i++) {
        CHECK(a[i].at_ms >= 15000 && a[i].at_ms < 600000 - 20000);
        CHECK(a[i].target >= 0 && a[i].target < 20);
        CHECK(i == 0 || a[i].at_ms >= a[i - 1].at_ms + a[i - 1].hold_ms);
        if (a[i].kind == XGC_SOAK_F_LINK)
            CHECK(a[i].hold_ms > 5000);    /* longer than the lease */
    }
}

XGC_TEST(schedule_with_security_probes)
{
    xgc_soak_fault_t a[64], p[64];
    size_t na = xgc_soak_schedule(3, 600000, 5, 5000, 6000, XGC_SOAK_F_COUNT, a, 64);
    size_t np = xgc_soak_schedule(3, 600000, 5, 5000, 6000, XGC_SOAK_F_PLAIN, p, 64);
    CHECK(na >= XGC_SOAK_F_COUNT && np >= XGC_SOAK_F_PLAIN);
    int seen[XGC_SOAK_F_COUNT] = {0}, probes = 0;
    for (size_t i = 0; i < XGC_SOAK_F_COUNT; i++)
        seen[a[i].kind]++;
    for (int k = 0; k < XGC_SOAK_F_COUNT; k++)
        CHECK(seen[k] == 1);                /* every kind, probes included */
    for (size_t i = 0; i < na; i++)
        if (a[i].kind >= XGC_SOAK_F_PLAIN) {
            probes++;
            CHECK(a[i].hold_ms == 3000);
        }
    CHECK(probes >= 2);
    for (size_t i = 0; i < np; i++)
        CHECK(p[i].kind < XGC_SOAK_F_PLAIN);   /* plaintext: no probe */
    CHECK(xgc_soak_schedule(3, 600000, 5, 5000, 6000, 0, a, 64) == 0);
    CHECK(xgc_soak_schedule(3, 600000, 5, 5000, 6000, XGC_SOAK_F_COUNT + 1, a, 64) == 0);
    CHECK(!strcmp(xgc_soak_fault_name(XGC_SOAK_F_PROBE_ROLE), "role-probe"));
}

XGC_TEST(schedule_of_a_short_run_fits)
{
    xgc_soak_fault_t f[16];
    size_t n = xgc_soak_schedule(1, 30000, 3, 5000, 12000, XGC_SOAK_F_PLAIN, f, 16);
    CHECK(n == 0);                          /* warm-up + tail leave no room */
    n = xgc_soak_schedule(1, 150000, 3, 5000, 8000, XGC_SOAK_F_PLAIN, f, 4);
    CHECK(n == 4);                          /* bounded by max */
    CHECK(!strcmp(xgc_soak_fault_name(XGC_SOAK_F_LINK), "link-cut"));
    CHECK(!strcmp(xgc_soak_fault_name(XGC_SOAK_F_COUNT), "?"));
}

/* A small cluster: two PMs, specs a and b planned on pm1, pm2. */
typedef struct {
    xgc_soak_pm_t pms[2];
    xgc_soak_dom_t doms[8];
    xgc_soak_spec_t specs[4];
    xgc_soak_plan_t plans[4];
    xgc_soak_snap_t snap;
} s_fix_t;

static void s_fix(s_fix_t *x, int64_t now)
{
    memset(x, 0, sizeof *x);
    x->pms[0] = (xgc_soak_pm_t){"pm1", 8000, 1024, true, true};
    x->pms[1] = (xgc_soak_pm_t){"pm2", 8000, 1024, true, true};
    x->specs[0] = (xgc_soak_spec_t){"a", 512, 500, true};
    x->specs[1] = (xgc_soak_spec_t){"b", 512, 500, true};
    x->plans[0] = (xgc_soak_plan_t){"a", "pm1", true, false, 1};
    x->plans[1] = (xgc_soak_plan_t){"b", "pm2", true, false, 1};
    x->doms[0] = (xgc_soak_dom_t){"a", "pm1", XGC_SOAK_DOM_RUNNING, 512};
    x->doms[1] = (xgc_soak_dom_t){"b", "pm2", XGC_SOAK_DOM_RUNNING, 512};
    x->snap = (xgc_soak_snap_t){.now_ms = now, .pms = x->pms, .pm_n = 2, .doms = x->doms,
                                .dom_n = 2, .doms_consistent = true, .specs = x->specs,
                                .spec_n = 2, .plans = x->plans, .plan_n = 2, .synced = true,
                                .leader = true};
}

/* The same with a third domain. */
static void s_fix3(s_fix_t *x, int64_t now, xgc_soak_dom_t extra)
{
    s_fix(x, now);
    x->doms[2] = extra;
    x->snap.dom_n = 3;
}

XGC_TEST(healthy_cluster_converges)
{
    xgc_soak_check_t *c = xgc_soak_check_new(1000, 10000);
    s_fix_t x;
    bool conv;
    char why[200];
    s_fix(&x, 0);
    CHECK(xgc_soak_check_run(c, &x.snap, &conv, why, sizeof why) == 0);
    CHECK(conv && why[0] == 0);
    s_fix(&x, 5000);
    CHECK(xgc_soak_check_run(c, &x.snap, &conv, why, sizeof why) == 0 && conv);
    CHECK(xgc_soak_check_violations(c) == 0);
    xgc_soak_check_destroy(&c);
    CHECK(c == NULL);
}

XGC_TEST(vm_on_two_pms_is_a_violation_at_once)
{
    xgc_soak_check_t *c = xgc_soak_check_new(1000, 10000);
    s_fix_t x;
    bool conv;
    s_fix3(&x, 2000, (xgc_soak_dom_t){"a", "pm2", XGC_SOAK_DOM_RUNNING, 512});
    CHECK(xgc_soak_check_run(c, &x.snap, &conv, NULL, 0) == 1);
    CHECK(strstr(xgc_soak_check_violation(c, 0), "twice: vm a on pm1 and pm2"));
    CHECK(xgc_soak_check_run(c, &x.snap, &conv, NULL, 0) == 0);   /* once per episode */
    /* in doubt (suspended mid-migration) is not running */
    x.doms[2].state = XGC_SOAK_DOM_INDOUBT;
    CHECK(xgc_soak_check_run(c, &x.snap, &conv, NULL, 0) == 0);
    /* an inconsistent read of the state files proves nothing */
    x.doms[2].state = XGC_SOAK_DOM_RUNNING;
    x.snap.doms_consistent = false;
    CHECK(xgc_soak_check_run(c, &x.snap, &conv, NULL, 0) == 0);
    CHECK(xgc_soak_check_violations(c) == 1);
    xgc_soak_check_destroy(&c);
}

XGC_TEST(hypervisor_only_check)
{
    xgc_soak_check_t *c = xgc_soak_check_new(1000, 10000);
    s_fix_t x;
    bool conv;
    s_fix3(&x, 2000, (xgc_soak_dom_t){"b", "pm1", XGC_SOAK_DOM_CREATING, 512});
    x.snap.synced = false;                   /* not needed for the hypervisors */
    CHECK(xgc_soak_check_hypervisors(c, &x.snap) == 1);
    CHECK(strstr(xgc_soak_check_violation(c, 0), "twice: vm b on pm2 and pm1"));
    CHECK(xgc_soak_check_hypervisors(c, &x.snap) == 0);
    x.snap.synced = true;
    x.snap.dom_n = 2;                        /* resolved: a new episode may follow */
    CHECK(xgc_soak_check_run(c, &x.snap, &conv, NULL, 0) == 0 && conv);
    x.snap.dom_n = 3;
    CHECK(xgc_soak_check_hypervisors(c, &x.snap) == 1);
    xgc_soak_check_destroy(&c);
}

XGC_TEST(memory_over_capacity)
{
    xgc_soak_check_t *c = xgc_soak_check_new(1000, 10000);
    s_fix_t x;
    bool conv;
    s_fix3(&x, 2000, (xgc_soak_dom_t){"b", "pm1", XGC_SOAK_DOM_INDOUBT, 600});
    CHECK(xgc_soak_check_run(c, &x.snap, &conv, NULL, 0) == 1);
    CHECK(strstr(xgc_soak_check_violation(c, 0), "mem: pm pm1 holds 1112 MB of 1024 MB"));
    xgc_soak_check_destroy(&c);
}

XGC_TEST(missing_vm_is_transient_until_the_bound)
{
    xgc_soak_check_t *c = xgc_soak_check_new(1000, 10000);
    s_fix_t x;
    bool conv;
    char why[200];
    s_fix(&x, 0);
    xgc_soak_check_run(c, &x.snap, &conv, why, sizeof why);
    s_fix(&x, 2000);
    x.snap.dom_n = 1;                        /* b vanished */
    CHECK(xgc_soak_check_run(c, &x.snap, &conv, why, sizeof why) == 0);
    CHECK(!conv && strstr(why, "missing vm b planned on pm2"));
    s_fix(&x, 11000);
    x.snap.dom_n = 1;
    CHECK(xgc_soak_check_run(c, &x.snap, &conv, why, sizeof why) == 0);   /* 9 s */
    s_fix(&x, 12500);
    x.snap.dom_n = 1;
    CHECK(xgc_soak_check_run(c, &x.snap, &conv, why, sizeof why) == 1);   /* 10.5 s */
    CHECK(strstr(xgc_soak_check_violation(c, 0), "missing: vm b planned on pm2, held nowhere"));
    s_fix(&x, 13000);                        /* back: converged, episode over */
    CHECK(xgc_soak_check_run(c, &x.snap, &conv, why, sizeof why) == 0 && conv);
    xgc_soak_check_destroy(&c);
}

XGC_TEST(young_specs_are_not_expected_yet)
{
    xgc_soak_check_t *c = xgc_soak_check_new(5000, 10000);
    s_fix_t x;
    bool conv;
    s_fix(&x, 0);
    x.specs[2] = (xgc_soak_spec_t){"new", 256, 300, true};
    x.snap.spec_n = 3;
    xgc_soak_check_run(c, &x.snap, &conv, NULL, 0);
    CHECK(conv);                              /* unplaced, but only just arrived */
    x.snap.now_ms = 6000;
    xgc_soak_check_run(c, &x.snap, &conv, NULL, 0);
    CHECK(!conv);                             /* still unplaced after the grace */
    xgc_soak_check_destroy(&c);
}

XGC_TEST(zombie_misplaced_and_daemons)
{
    xgc_soak_check_t *c = xgc_soak_check_new(0, 10000);
    s_fix_t x;
    bool conv;
    char why[200];
    s_fix(&x, 100);
    x.snap.spec_n = 1;                         /* b's spec deleted, b still runs */
    x.snap.plan_n = 1;
    xgc_soak_check_run(c, &x.snap, &conv, why, sizeof why);
    CHECK(!conv && strstr(why, "zombie vm b on pm2"));
    s_fix(&x, 200);
    x.plans[0].host[2] = '2';                  /* a planned on pm2, runs on pm1 */
    xgc_soak_check_run(c, &x.snap, &conv, why, sizeof why);
    CHECK(!conv && strstr(why, "misplaced vm a on pm1, planned on pm2"));
    s_fix(&x, 300);
    x.pms[1].alive = false;
    xgc_soak_check_run(c, &x.snap, &conv, why, sizeof why);
    CHECK(!conv && strstr(why, "pm2 runs but has no heartbeat"));
    x.pms[1].up = false;                       /* a cut link explains it */
    x.snap.leader = false;
    xgc_soak_check_run(c, &x.snap, &conv, why, sizeof why);
    CHECK(!conv && strstr(why, "noleader"));
    x.snap.leader = true;
    x.snap.synced = false;
    xgc_soak_check_run(c, &x.snap, &conv, why, sizeof why);
    CHECK(!conv && strstr(why, "not synced"));
    CHECK(xgc_soak_check_violations(c) == 0);
    xgc_soak_check_destroy(&c);
}

XGC_TEST(invalid_spec_planned_and_plan_over_capacity)
{
    xgc_soak_check_t *c = xgc_soak_check_new(0, 10000);
    s_fix_t x;
    bool conv;
    s_fix(&x, 100);
    x.specs[1].valid = false;
    CHECK(xgc_soak_check_run(c, &x.snap, &conv, NULL, 0) == 2);  /* planned + running */
    CHECK(strstr(xgc_soak_check_violation(c, 0), "invalid: vm b planned on pm2"));
    xgc_soak_check_destroy(&c);
    c = xgc_soak_check_new(0, 60000);
    s_fix(&x, 100);
    x.plans[1].host[2] = '1';                   /* both on pm1: 1024 MB, fits */
    CHECK(xgc_soak_check_run(c, &x.snap, &conv, NULL, 0) == 0);
    x.specs[1].mem_mb = 600;                    /* 1112 MB on a 1024 MB PM */
    CHECK(xgc_soak_check_run(c, &x.snap, &conv, NULL, 0) == 0);
    x.snap.now_ms = 3200;                       /* a diff lands key by key: 3 s */
    CHECK(xgc_soak_check_run(c, &x.snap, &conv, NULL, 0) == 1);
    CHECK(strstr(xgc_soak_check_violation(c, 0), "plan_over"));
    xgc_soak_check_add(c, 4000, "died", "pm1 (pid 7) died of signal 11");
    CHECK(xgc_soak_check_violations(c) == 2);
    CHECK(!strcmp(xgc_soak_check_violation(c, 1), "t=4.0s died: pm1 (pid 7) died of signal 11"));
    CHECK(xgc_soak_check_violation(c, 2) == NULL);
    xgc_soak_check_destroy(&c);
}

XGC_TEST(statistics)
{
    double flat[40], grow[40];
    for (int i = 0; i < 40; i++) {
        flat[i] = 10000 + (i % 3) * 100;
        grow[i] = 10000 + i * 1000;
    }
    CHECK(!xgc_soak_rss_leaks(flat, 40));
    CHECK_NEAR(xgc_soak_rss_growth(flat, 40), 1, 0.05);
    CHECK(xgc_soak_rss_leaks(grow, 40));
    CHECK(xgc_soak_rss_growth(grow, 40) > 1.5);
    CHECK(!xgc_soak_rss_leaks(grow, 7));      /* too few samples to say */
    CHECK(xgc_soak_rss_growth(grow, 7) == 1);
}

int main(void)
{
    XGC_TEST_RUN(schedule_is_reproducible_and_covers_every_kind);
    XGC_TEST_RUN(schedule_with_security_probes);
    XGC_TEST_RUN(schedule_of_a_short_run_fits);
    XGC_TEST_RUN(healthy_cluster_converges);
    XGC_TEST_RUN(vm_on_two_pms_is_a_violation_at_once);
    XGC_TEST_RUN(hypervisor_only_check);
    XGC_TEST_RUN(memory_over_capacity);
    XGC_TEST_RUN(missing_vm_is_transient_until_the_bound);
    XGC_TEST_RUN(young_specs_are_not_expected_yet);
    XGC_TEST_RUN(zombie_misplaced_and_daemons);
    XGC_TEST_RUN(invalid_spec_planned_and_plan_over_capacity);
    XGC_TEST_RUN(statistics);
    return XGC_TEST_END();
}
