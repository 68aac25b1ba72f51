/* plugin.c — a consolidation policy from a shared object (`xgc sim --policy
 * plugin:PATH[:ARG]`), so that a researcher tests a policy without editing
 * xgc: the plugin sees a read-only view of the data centre through the
 * stable, versioned API of xgc_sim_plugin.h, and this adapter turns it into
 * an ordinary sim_policy_t — the engine runs it as it runs the built-ins.
 *
 * The view is rebuilt at every round from the engine's state into buffers
 * allocated once (one pass over the PMs and VMs; per-VM histories and
 * per-PM VM lists are pointers into the engine, not copies); during the
 * initial placement only what the previous placement changed is refreshed.
 *
 * A plugin's output is untrusted. A move that contradicts the view it was
 * given — a VM or PM index out of range, a VM not placed, a move to the VM's
 * own PM, more moves than allowed — or a failure it reports (decide < 0, a
 * PM index out of range from place) stops the run with a message naming the
 * plugin, the step and the move: xgc_sim_run returns -2 (exit 2). A move the
 * engine refuses under its own rules (a VM already migrating, a PM over its
 * RAM with --ram-limit) is counted in migrations_rejected, as for the
 * built-in policies.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/sim/sim_internal.h"

typedef struct {
    const xgc_sim_plugin_t *plugin;
    void *handle;                   /* dlopen's; NULL for a plugin in memory */
    void *self;                     /* the plugin's */
    char  label[320];               /* "name (path)", for messages */
    xgc_sim_plugin_view_t view;
    xgc_sim_plugin_pm_t  *pms;      /* the view's arrays, sized at the first call */
    xgc_sim_plugin_vm_t  *vms;
    xgc_sim_plugin_move_t *moves;
    int   cap_moves;
    int   last_vm, last_pm;         /* the previous place() call */
    char  error[512];               /* the first failure; then the plugin is not called */
} sp_t;

static void s_destroy(void *arg)
{
    sp_t *sp = arg;
    if (!sp)
        return;
    if (sp->plugin && sp->plugin->destroy)
        sp->plugin->destroy(sp->self);
    if (sp->handle)
        dlclose(sp->handle);
    free(sp->pms);
    free(sp->vms);
    free(sp->moves);
    free(sp);
}

/* Records the plugin's first failure; the engine stops the run. */
static void s_fail(sp_t *sp, xgc_sim_t *sim, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void s_fail(sp_t *sp, xgc_sim_t *sim, const char *fmt, ...)
{
    sim->failed = sp->error;
    if (sp->error[0])
        return;
    int n = snprintf(sp->error, sizeof sp->error, "plugin %s: ", sp->label);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sp->error + n, sizeof sp->error - (size_t)n, fmt, ap);
    va_end(ap);
}

/* The parts of the view that never change: sizes, PM models, VM sizes. */
static int s_view_init(sp_t *sp, const xgc_sim_t *sim)
{
    sp->pms = calloc((size_t)sim->n_pms, sizeof *sp->pms);
    sp->vms = calloc((size_t)sim->n_vms, sizeof *sp->vms);
    if (!sp->pms || !sp->vms)
        return -1;
    for (int p = 0; p < sim->n_pms; p++) {
        const sim_pm_t *pm = &sim->pms[p];
        sp->pms[p].cores = pm->model->cores;
        sp->pms[p].core_mips = pm->core_mips;
        sp->pms[p].mips = pm->mips;
        sp->pms[p].ram_mb = pm->ram_mb;
        memcpy(sp->pms[p].watts, pm->model->watts, sizeof sp->pms[p].watts);
    }
    for (int v = 0; v < sim->n_vms; v++) {
        sp->vms[v].mips = sim->vms[v].mips;
        sp->vms[v].ram_mb = sim->vms[v].ram_mb;
    }
    xgc_sim_plugin_view_t *w = &sp->view;
    w->api = XGC_SIM_PLUGIN_API;
    w->n_steps = sim->trace->n_steps;
    w->interval_s = sim->trace->interval_s;
    w->n_pms = sim->n_pms;
    w->n_vms = sim->n_vms;
    w->pms = sp->pms;
    w->vms = sp->vms;
    w->ram_limit = sim->cfg.ram_limit;
    w->cloudsim_2011 = sim->cfg.cloudsim_2011;
    w->bandwidth_mbps = sim->cfg.bandwidth_mbps;
    w->migration_loss = sim->cfg.migration_loss;
    return 0;
}

static void s_refresh_pm(sp_t *sp, const xgc_sim_t *sim, int p, int round)
{
    const sim_pm_t *pm = &sim->pms[p];
    xgc_sim_plugin_pm_t *out = &sp->pms[p];
    out->ram_used_mb = pm->ram_used;
    out->vms = pm->vms;
    out->n_vms = pm->n_vms;
    out->alloc_mips = round ? pm->now_alloc_mips : 0;
    out->req_mips = round ? pm->now_req_mips : 0;
}

static void s_refresh_vm(sp_t *sp, const xgc_sim_t *sim, int v)
{
    const sim_vm_t *vm = &sim->vms[v];
    xgc_sim_plugin_vm_t *out = &sp->vms[v];
    out->pm = vm->pm;
    out->dest = vm->dest;
    out->demand_mips = sim_vm_demand_now(sim, v);
    out->hist = vm->hist;
    out->hist_n = vm->hist_n;
}

/* The view at this instant; round: in decide (the engine's snapshot of
 * allocated and requested CPU is valid). NULL if out of memory. */
static const xgc_sim_plugin_view_t *s_view(sp_t *sp, xgc_sim_t *sim, int round)
{
    if (!sp->pms && s_view_init(sp, sim)) {
        s_fail(sp, sim, "out of memory");
        return NULL;
    }
    for (int p = 0; p < sim->n_pms; p++)
        s_refresh_pm(sp, sim, p, round);
    for (int v = 0; v < sim->n_vms; v++)
        s_refresh_vm(sp, sim, v);
    sp->view.step = sim->step;
    sp->view.time_s = sim->step * sim->trace->interval_s;
    return &sp->view;
}

/* The initial placement places VM after VM: from one call to the next only
 * the previous VM and the PM it was given change (whether the engine took
 * it or not), so the view is refreshed there only; any other call gets a
 * whole view. */
static int s_place(void *arg, xgc_sim_t *sim, int vm)
{
    sp_t *sp = arg;
    const xgc_sim_plugin_view_t *view = &sp->view;
    if (sp->error[0])
        return -1;
    if (sp->pms && vm == sp->last_vm + 1 && vm > 0) {
        s_refresh_vm(sp, sim, vm - 1);
        if (sp->last_pm >= 0)
            s_refresh_pm(sp, sim, sp->last_pm, 0);
    } else if (!(view = s_view(sp, sim, 0))) {
        return -1;
    }
    int p = sp->plugin->place(sp->self, view, vm);
    if (p < -1 || p >= sim->n_pms) {
        s_fail(sp, sim, "place(vm %d) returned PM %d, not -1 or 0..%d", vm, p, sim->n_pms - 1);
        return -1;
    }
    sp->last_vm = vm;
    sp->last_pm = p;
    return p;
}

/* Why m is not a move of this view, or NULL. */
static const char *s_bad_move(const xgc_sim_t *sim, const xgc_sim_plugin_move_t *m)
{
    if (m->vm < 0 || m->vm >= sim->n_vms)
        return "VM index out of range";
    if (m->dest < 0 || m->dest >= sim->n_pms)
        return "PM index out of range";
    if (sim->vms[m->vm].pm < 0)
        return "the VM is not placed (its pm is -1)";
    if (sim->vms[m->vm].pm == m->dest)
        return "the VM is already on that PM";
    return NULL;
}

static int s_decide(void *arg, xgc_sim_t *sim, sim_move_t *moves, int max)
{
    sp_t *sp = arg;
    sp->last_vm = -1;   /* a later place() gets a whole new view */
    if (!sp->moves || sp->cap_moves < max) {
        free(sp->moves);
        sp->moves = calloc((size_t)(max > 0 ? max : 1), sizeof *sp->moves);
        sp->cap_moves = sp->moves ? max : 0;
        if (!sp->moves)
            s_fail(sp, sim, "out of memory");
    }
    const xgc_sim_plugin_view_t *view = sp->error[0] ? NULL : s_view(sp, sim, 1);
    if (!view)
        return 0;
    int n = sp->plugin->decide(sp->self, view, sp->moves, max);
    if (n < 0 || n > max) {
        if (n < 0)
            s_fail(sp, sim, "step %d: decide failed (returned %d)", sim->step, n);
        else
            s_fail(sp, sim, "step %d: decide returned %d moves, more than max %d", sim->step, n,
                   max);
        return 0;
    }
    for (int i = 0; i < n; i++) {
        const xgc_sim_plugin_move_t *m = &sp->moves[i];
        const char *why = s_bad_move(sim, m);
        if (why) {
            s_fail(sp, sim, "step %d, move %d (vm %d -> pm %d): %s", sim->step, i, m->vm, m->dest,
                   why);
            return 0;
        }
        moves[i] = (sim_move_t){m->vm, m->dest};
    }
    return n;
}

int sim_plugin_wrap(const xgc_sim_plugin_t *plugin, void *handle, const char *path,
                    const char *arg, sim_policy_t *policy, char *err, size_t err_len)
{
    if (plugin->api != XGC_SIM_PLUGIN_API) {
        snprintf(err, err_len,
                 "plugin %s: built for plugin API %d, this xgc has %d (rebuild it against "
                 "this xgc's scheduler/sim/xgc_sim_plugin.h)",
                 path, plugin->api, XGC_SIM_PLUGIN_API);
        return -1;
    }
    if (!plugin->place || !plugin->decide) {
        snprintf(err, err_len, "plugin %s: place and decide are required (one is NULL)", path);
        return -1;
    }
    sp_t *sp = calloc(1, sizeof *sp);
    if (!sp) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    snprintf(sp->label, sizeof sp->label, "%.64s (%.250s)",
             plugin->name ? plugin->name : "unnamed", path);
    char why[256] = "";
    if (plugin->create && plugin->create(arg, &sp->self, why, sizeof why)) {
        snprintf(err, err_len, "plugin %s: create failed: %s", sp->label,
                 why[0] ? why : "(no reason given)");
        free(sp);
        return -1;
    }
    sp->plugin = plugin;
    sp->handle = handle;
    sp->last_vm = -1;
    memset(policy, 0, sizeof *policy);
    policy->self = sp;
    policy->place = s_place;
    policy->decide = s_decide;
    policy->destroy = s_destroy;
    return 0;
}

int sim_plugin_new(const char *spec, sim_policy_t *policy, char *err, size_t err_len)
{
    /* PATH[:ARG]; a PATH without '/' is a file here, not a library search. */
    const char *colon = strchr(spec, ':');
    size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
    char path[1024];
    int bare = !memchr(spec, '/', len);
    if (!len || len + 3 > sizeof path) {
        snprintf(err, err_len, "plugin: give the shared object: plugin:PATH[:ARG]");
        return -1;
    }
    snprintf(path, sizeof path, "%s%.*s", bare ? "./" : "", (int)len, spec);
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        snprintf(err, err_len, "plugin %s: cannot load: %s", path, dlerror());
        return -1;
    }
    const xgc_sim_plugin_t *plugin = dlsym(handle, XGC_SIM_PLUGIN_SYMBOL);
    if (!plugin) {
        snprintf(err, err_len,
                 "plugin %s: no symbol '%s' (a plugin defines "
                 "`const xgc_sim_plugin_t xgc_sim_plugin = {...}`)",
                 path, XGC_SIM_PLUGIN_SYMBOL);
        dlclose(handle);
        return -1;
    }
    if (sim_plugin_wrap(plugin, handle, path, colon ? colon + 1 : "", policy, err, err_len)) {
        dlclose(handle);
        return -1;
    }
    return 0;
}
