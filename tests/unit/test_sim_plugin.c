/* test_sim_plugin.c — the plugin adapter (scheduler/sim/plugin.c) with
 * plugins held in memory (the dlopen path is tests/integration/sim_plugin.sh):
 * the view a plugin gets is checked, at every call, against what the test
 * computes itself from the hand-made trace and the published SPECpower
 * tables; a plugin's bad output stops the run (-2) with a message naming
 * the plugin, step and move; a move the engine refuses under its own
 * rules is counted as rejected; create, version and callback errors. */
#include <stdlib.h>

#include "scheduler/sim/sim_internal.h"
#include "xgc_test.h"

#define N_VMS 6
#define N_STEPS 8
#define N_PMS 4

/* CPU % of VM v at step k of the hand-made trace. */
static double s_pct(int v, int k)
{
    return (v * 17 + k * 11) % 90 + 5;
}

static xgc_trace_t *s_trace(double interval_s)
{
    float cpu[N_VMS * N_STEPS];
    for (int v = 0; v < N_VMS; v++)
        for (int k = 0; k < N_STEPS; k++)
            cpu[v * N_STEPS + k] = (float)s_pct(v, k);
    return xgc_trace_new(N_VMS, N_STEPS, interval_s, cpu);
}

/* ---- a plugin that checks its view --------------------------------------- */

typedef struct {
    const xgc_trace_t *trace;
    int  cloudsim;             /* the run's mode */
    int  calls, checks, rounds;
    char why[256];             /* first mismatch */
} checker_t;

#define EXPECT(c, cond, ...)                                                \
    do {                                                                    \
        (c)->checks++;                                                      \
        if (!(cond) && !(c)->why[0])                                        \
            snprintf((c)->why, sizeof (c)->why, __VA_ARGS__);               \
    } while (0)

static const double s_g4[11] = {86, 89.4, 92.6, 96, 99.5, 102, 106, 108, 112, 114, 117};
static const double s_g5[11] = {93.7, 97, 101, 105, 110, 116, 121, 125, 129, 133, 135};

static void s_check_pm(checker_t *c, const xgc_sim_plugin_view_t *w, int p, int round)
{
    const xgc_sim_plugin_pm_t *pm = &w->pms[p];
    const double *table = p % 2 ? s_g5 : s_g4;
    EXPECT(c, pm->cores == 2 && pm->core_mips == (p % 2 ? 2660 : 1860)
                  && pm->mips == 2 * pm->core_mips && pm->ram_mb == 4096,
           "PM %d: size", p);
    for (int i = 0; i < 11; i++)
        EXPECT(c, pm->watts[i] == table[i], "PM %d: watts[%d] %g", p, i, pm->watts[i]);
    int ram = 0, incoming = 0;
    double req = 0, asks = 0;
    for (int i = 0; i < pm->n_vms; i++) {
        int v = pm->vms[i];
        EXPECT(c, v >= 0 && v < w->n_vms, "PM %d lists VM %d", p, v);
        if (v < 0 || v >= w->n_vms)
            return;
        EXPECT(c, w->vms[v].pm == p || w->vms[v].dest == p, "PM %d lists VM %d, not its", p, v);
        ram += w->vms[v].ram_mb;
        incoming += w->vms[v].dest == p;
        req += w->vms[v].demand_mips;
        asks += w->vms[v].demand_mips < pm->core_mips ? w->vms[v].demand_mips : pm->core_mips;
    }
    EXPECT(c, pm->ram_used_mb == ram, "PM %d: ram_used %d, listed %d", p, pm->ram_used_mb, ram);
    if (!round) {
        EXPECT(c, pm->alloc_mips == 0 && pm->req_mips == 0, "PM %d: CPU in place()", p);
    } else if (!incoming) {   /* the engine's share of a PM without copies */
        double alloc = asks > pm->mips ? pm->mips : asks;
        EXPECT(c, fabs(pm->req_mips - req) < 1e-6, "PM %d: req %g, expected %g", p,
               pm->req_mips, req);
        EXPECT(c, fabs(pm->alloc_mips - alloc) < 1e-6, "PM %d: alloc %g, expected %g", p,
               pm->alloc_mips, alloc);
    }
}

static void s_check_vm(checker_t *c, const xgc_sim_plugin_view_t *w, int v, int round)
{
    const xgc_sim_plugin_vm_t *vm = &w->vms[v];
    const xgc_trace_vm_t *tv = &c->trace->vms[v];
    EXPECT(c, vm->mips == tv->mips && vm->ram_mb == tv->ram_mb, "VM %d: size", v);
    EXPECT(c, fabs(vm->demand_mips - tv->mips * s_pct(v, w->step) / 100) < 1e-6,
           "VM %d step %d: demand %g", v, w->step, vm->demand_mips);
    int found = 0;   /* on its PM's list (and its destination's) exactly once */
    for (int i = 0; vm->pm >= 0 && i < w->pms[vm->pm].n_vms; i++)
        found += w->pms[vm->pm].vms[i] == v;
    for (int i = 0; vm->dest >= 0 && i < w->pms[vm->dest].n_vms; i++)
        found += w->pms[vm->dest].vms[i] == v;
    EXPECT(c, found == (vm->pm >= 0) + (vm->dest >= 0), "VM %d: listed %d times", v, found);
    /* History: one sample a round since step 0 (placed at start; CloudSim-2011
     * mode: since its first update, step 1), the last 10. */
    int n = round ? w->step + !c->cloudsim : 0;
    if (n > XGC_SIM_PLUGIN_HISTORY)
        n = XGC_SIM_PLUGIN_HISTORY;
    EXPECT(c, vm->hist_n == n, "VM %d step %d: %d history samples, expected %d", v, w->step,
           vm->hist_n, n);
    for (int i = 0; i < vm->hist_n && i < n; i++)
        EXPECT(c, fabs(vm->hist[i] - s_pct(v, w->step - n + 1 + i) / 100) < 1e-6,
               "VM %d step %d: hist[%d] %g", v, w->step, i, vm->hist[i]);
}

static void s_check(checker_t *c, const xgc_sim_plugin_view_t *w, int round)
{
    c->calls++;
    EXPECT(c, w->api == XGC_SIM_PLUGIN_API && w->n_pms == N_PMS && w->n_vms == N_VMS
                  && w->n_steps == N_STEPS && w->interval_s == c->trace->interval_s
                  && w->time_s == w->step * w->interval_s && w->bandwidth_mbps == 1000
                  && w->migration_loss == 0.1 && !w->ram_limit
                  && w->cloudsim_2011 == c->cloudsim,
           "view header at step %d", w->step);
    EXPECT(c, round ? w->step >= 1 : w->step == 0, "step %d in %s", w->step,
           round ? "decide" : "place");
    for (int p = 0; p < w->n_pms; p++)
        s_check_pm(c, w, p, round);
    for (int v = 0; v < w->n_vms; v++)
        s_check_vm(c, w, v, round);
}

static checker_t s_state;

static int s_checker_create(const char *arg, void **self, char *err, size_t err_len)
{
    if (strcmp(arg, "the:arg")) {   /* ARG reaches the plugin whole */
        snprintf(err, err_len, "arg '%s'", arg);
        return -1;
    }
    *self = &s_state;
    return 0;
}

/* VM v on PM v % 3 (PM 3 stays asleep); placed VMs so far are in the view. */
static int s_checker_place(void *self, const xgc_sim_plugin_view_t *w, int vm)
{
    checker_t *c = self;
    s_check(c, w, 0);
    for (int v = 0; v < w->n_vms; v++)
        EXPECT(c, w->vms[v].pm == (v < vm ? v % 3 : -1), "place(%d): VM %d on %d", vm, v,
               w->vms[v].pm);
    return vm % 3;
}

/* At step 2, VM 0 moves to PM 3 (asleep until then); copies end within
 * their interval, so the next round sees it there. */
static int s_checker_decide(void *self, const xgc_sim_plugin_view_t *w,
                            xgc_sim_plugin_move_t *moves, int max)
{
    checker_t *c = self;
    s_check(c, w, 1);
    c->rounds++;
    const xgc_sim_plugin_vm_t *vm0 = &w->vms[0];
    EXPECT(c, vm0->dest == -1 && vm0->pm == (w->step <= 2 ? 0 : 3)
                  && w->pms[3].n_vms == (w->step <= 2 ? 0 : 1),
           "VM 0 at step %d: pm %d dest %d", w->step, vm0->pm, vm0->dest);
    if (w->step != 2 || max < 1)
        return 0;
    moves[0] = (xgc_sim_plugin_move_t){0, 3};
    return 1;
}

static const xgc_sim_plugin_t s_checker = {
    XGC_SIM_PLUGIN_API, "checker", s_checker_create, s_checker_place, s_checker_decide, NULL,
};

/* mode: 1 --ram-limit, 2 --cloudsim-2011 */
static int s_run(const xgc_sim_plugin_t *plugin, const char *arg, const xgc_trace_t *t,
                 int mode, xgc_sim_result_t *r, char *err, size_t err_len)
{
    xgc_sim_config_t cfg;
    xgc_sim_config_default(&cfg);
    cfg.n_pms = N_PMS;
    cfg.ram_limit = mode & 1;
    cfg.cloudsim_2011 = (mode & 2) != 0;
    sim_policy_t p;
    if (sim_plugin_wrap(plugin, NULL, "memory", arg, &p, err, err_len))
        return -3;
    return sim_run_policy(t, &cfg, p, NULL, r, err, err_len);
}

XGC_TEST(view_matches_the_trace_and_the_engine)
{
    xgc_trace_t *t = s_trace(300);
    for (int cloudsim = 0; cloudsim <= 1; cloudsim++) {
        checker_t *c = &s_state;
        *c = (checker_t){.trace = t, .cloudsim = cloudsim};
        char err[512] = "";
        xgc_sim_result_t r;
        CHECK(s_run(&s_checker, "the:arg", t, cloudsim ? 2 : 0, &r, err, sizeof err) == 0);
        if (c->why[0])
            fprintf(stderr, "view mismatch (cloudsim %d): %s\n", cloudsim, c->why);
        CHECK(!c->why[0]);
        CHECK(c->calls == N_VMS + N_STEPS - 1);   /* place per VM, decide per round */
        CHECK(c->rounds == N_STEPS - 1);
        CHECK(c->checks > 1000);
        CHECK(r.migrations == 1 && r.migrations_rejected == 0 && r.vms_unplaced == 0);
        xgc_sim_result_free(&r);
    }
    xgc_trace_destroy(&t);
}

/* ---- bad plugins ------------------------------------------------------- */

/* The bad output of the plugin below, chosen by ARG. */
typedef enum { BAD_VM, BAD_PM, BAD_UNPLACED, BAD_OWN, BAD_TOO_MANY, BAD_FAILS, BAD_PLACE,
               BAD_RAM } bad_t;

static int s_bad_create(const char *arg, void **self, char *err, size_t err_len)
{
    if (!strcmp(arg, "refuse")) {
        snprintf(err, err_len, "cannot work today");
        return -1;
    }
    *self = (void *)(long)atoi(arg);
    return 0;
}

/* VM 1 unplaced; the others on PM v % 2. */
static int s_bad_place(void *self, const xgc_sim_plugin_view_t *w, int vm)
{
    if ((bad_t)(long)self == BAD_PLACE && vm == 2)
        return w->n_pms;
    return vm == 1 ? -1 : vm % 2;
}

static int s_bad_decide(void *self, const xgc_sim_plugin_view_t *w,
                        xgc_sim_plugin_move_t *moves, int max)
{
    if (w->step != 3)
        return 0;
    xgc_sim_plugin_move_t m[] = {
        [BAD_VM] = {w->n_vms, 2}, [BAD_PM] = {0, -1}, [BAD_UNPLACED] = {1, 2},
        [BAD_OWN] = {3, 1},
    };
    switch ((bad_t)(long)self) {
    case BAD_TOO_MANY: return max + 1;
    case BAD_FAILS:    return -1;
    case BAD_PLACE:    return 0;
    case BAD_RAM:   /* over PM 1's RAM; VM 0 twice in one round */
        moves[0] = (xgc_sim_plugin_move_t){2, 1};
        moves[1] = (xgc_sim_plugin_move_t){0, 2};
        moves[2] = (xgc_sim_plugin_move_t){0, 3};
        return max >= 3 ? 3 : 0;
    default:
        moves[0] = m[(bad_t)(long)self];
        return 1;
    }
}

static const xgc_sim_plugin_t s_bad = {
    XGC_SIM_PLUGIN_API, "bad", s_bad_create, s_bad_place, s_bad_decide, NULL,
};

XGC_TEST(bad_moves_stop_the_run_with_plugin_step_and_move)
{
    xgc_trace_t *t = s_trace(300);
    const struct { bad_t bad; const char *says; } cases[] = {
        {BAD_VM, "plugin bad (memory): step 3, move 0 (vm 6 -> pm 2): VM index out of range"},
        {BAD_PM, "step 3, move 0 (vm 0 -> pm -1): PM index out of range"},
        {BAD_UNPLACED, "step 3, move 0 (vm 1 -> pm 2): the VM is not placed"},
        {BAD_OWN, "step 3, move 0 (vm 3 -> pm 1): the VM is already on that PM"},
        {BAD_TOO_MANY, "step 3: decide returned 7 moves, more than max 6"},
        {BAD_FAILS, "plugin bad (memory): step 3: decide failed (returned -1)"},
        {BAD_PLACE, "plugin bad (memory): place(vm 2) returned PM 4, not -1 or 0..3"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char arg[8], err[512] = "";
        snprintf(arg, sizeof arg, "%d", cases[i].bad);
        xgc_sim_result_t r;
        CHECK(s_run(&s_bad, arg, t, 0, &r, err, sizeof err) == -2);
        if (!strstr(err, cases[i].says))
            fprintf(stderr, "case %zu: '%s'\n", i, err);
        CHECK(strstr(err, cases[i].says));
    }
    xgc_trace_destroy(&t);
}

XGC_TEST(engine_rules_count_as_rejected)
{
    /* With --ram-limit (VM types 2500/870 MB, 2000/1740, 1000/1740 in
     * pairs) PM 0 holds VMs 0 and 2 (VM 4 did not fit: unplaced), PM 1
     * VMs 3 and 5: VM 2 does not fit on PM 1; VM 0 goes to PM 2, then
     * again to PM 3 in the same round. The engine refuses the first and the
     * third, as it would a built-in policy's. */
    xgc_trace_t *t = s_trace(300);
    char arg[8], err[512] = "";
    snprintf(arg, sizeof arg, "%d", BAD_RAM);
    xgc_sim_result_t r;
    CHECK(s_run(&s_bad, arg, t, 1, &r, err, sizeof err) == 0);
    CHECK(r.vms_unplaced == 2);   /* VM 1 by the plugin, VM 4 by RAM */
    CHECK(r.migrations == 1 && r.migrations_rejected == 2);
    xgc_sim_result_free(&r);
    xgc_trace_destroy(&t);
}

XGC_TEST(create_version_and_callbacks_are_checked)
{
    xgc_trace_t *t = s_trace(300);
    char err[512] = "";
    xgc_sim_result_t r;
    CHECK(s_run(&s_bad, "refuse", t, 0, &r, err, sizeof err) == -3);
    CHECK(strstr(err, "plugin bad (memory): create failed: cannot work today"));
    xgc_sim_plugin_t other = s_bad;
    other.api = XGC_SIM_PLUGIN_API + 1;
    CHECK(s_run(&other, "0", t, 0, &r, err, sizeof err) == -3);
    CHECK(strstr(err, "built for plugin API 2, this xgc has 1"));
    other = s_bad;
    other.decide = NULL;
    CHECK(s_run(&other, "0", t, 0, &r, err, sizeof err) == -3);
    CHECK(strstr(err, "place and decide are required"));
    sim_policy_t p;
    CHECK(sim_plugin_new("/nonexistent/p.so:1", &p, err, sizeof err) == -1);
    CHECK(strstr(err, "plugin /nonexistent/p.so: cannot load"));
    CHECK(sim_plugin_new("", &p, err, sizeof err) == -1);
    CHECK(strstr(err, "plugin:PATH[:ARG]"));
    CHECK(xgc_sim_policy_check("plugin:nothere.so", err, sizeof err) == -1);
    CHECK(strstr(err, "plugin ./nothere.so: cannot load"));
    xgc_trace_destroy(&t);
}

int main(void)
{
    XGC_TEST_RUN(view_matches_the_trace_and_the_engine);
    XGC_TEST_RUN(bad_moves_stop_the_run_with_plugin_step_and_move);
    XGC_TEST_RUN(engine_rules_count_as_rejected);
    XGC_TEST_RUN(create_version_and_callbacks_are_checked);
    return XGC_TEST_END();
}
