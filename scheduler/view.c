/* view — see view.h. Four hash tables: VMs and PMs by name, plan and actual
 * entries by "host/vm". Each VM remembers the host of its (run) plan entry,
 * so that a round needs no search. */
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xgc_msg.h"
#include "scheduler/plandiff.h"
#include "scheduler/policy_bridge.h"
#include "scheduler/view.h"

typedef struct {
    xgc_vm_spec_t spec;
    bool has_spec;
    char plan_host[XGC_NAME_MAX];    /* host of its run entry, or "" */
    int plan_keys;                   /* plan entries of this VM (1 but mid-move) */
    xgc_plan_entry_t *plan;          /* its entry at plan_host (in the plan table), or NULL */
    uint64_t unchanged;              /* == view's mark: its entry needs no write */
    double demand_mhz;               /* 0 = unknown */
    xgc_replan_load_t load;          /* observed demand (policy consolidate) */
    char prev_host[XGC_NAME_MAX];    /* the run entry's host before the last move, or "" */
} s_vm_t;

typedef struct {
    xgc_pm_spec_t spec;
    bool has_info, alive, drain, fenced, power_known;
    xgc_power_t power;
    xgc_heartbeat_t hb;
    int64_t lost_ms;                 /* when its heartbeat vanished (or first seen without) */
    int64_t switched_on_ms;
    int64_t empty_since_ms;
} s_pm_t;

struct _xgc_view_t {
    zhashx_t *vms, *pms, *plan, *actual;
    s_vm_t **order;              /* VMs with a spec, by name: no sort per round */
    size_t n_order, cap_order;
    uint64_t mark;               /* of the last xgc_view_desired */
};

/* strcpy bounded by size (snprintf("%s") is slow on the per-VM paths). */
static void s_copy(char *dst, const char *src, size_t size)
{
    size_t n = 0;
    while (n + 1 < size && src[n])
        n++;
    memcpy(dst, src, n);
    dst[n] = 0;
}

/* "host/vm", the key of the plan and actual tables. */
static void s_hostvm(char *key, size_t size, const char *host, const char *vm)
{
    size_t h = 0;
    while (h + 1 < size / 2 && host[h])
        h++;
    memcpy(key, host, h);
    key[h] = '/';
    s_copy(key + h + 1, vm, size - h - 1);
}

static void s_free_item(void **item)
{
    free(*item);
    *item = NULL;
}

static zhashx_t *s_table(void)
{
    zhashx_t *t = zhashx_new();
    if (t)
        zhashx_set_destructor(t, s_free_item);
    return t;
}

xgc_view_t *xgc_view_new(void)
{
    xgc_view_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->vms = s_table();
    self->pms = s_table();
    self->plan = s_table();
    self->actual = s_table();
    if (!self->vms || !self->pms || !self->plan || !self->actual)
        xgc_view_destroy(&self);
    return self;
}

void xgc_view_destroy(xgc_view_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    xgc_view_t *self = *self_p;
    zhashx_destroy(&self->vms);
    zhashx_destroy(&self->pms);
    zhashx_destroy(&self->plan);
    zhashx_destroy(&self->actual);
    free(self->order);
    free(self);
    *self_p = NULL;
}

/* The record of `name` in table t, created zeroed if absent (NULL on OOM). */
static void *s_get(zhashx_t *t, const char *name, size_t size, bool create)
{
    void *item = zhashx_lookup(t, name);
    if (item || !create)
        return item;
    item = calloc(1, size);
    if (item && zhashx_insert(t, name, item) != 0) {
        free(item);
        item = NULL;
    }
    return item;
}

static s_vm_t *s_vm(const xgc_view_t *self, const char *name, bool create)
{
    return s_get(self->vms, name, sizeof(s_vm_t), create);
}

static s_pm_t *s_pm(const xgc_view_t *self, const char *name, int64_t now, bool create)
{
    s_pm_t *pm = zhashx_lookup(self->pms, name);
    if (!pm && create && (pm = s_get(self->pms, name, sizeof *pm, true)))
        pm->lost_ms = now;           /* not alive until a heartbeat says so */
    return pm;
}

/* Split "a/b/c..." into up to 4 parts (copies into buf). */
static int s_split(const char *key, char *buf, size_t size, char **part, int max)
{
    if (strlen(key) >= size)
        return 0;
    strcpy(buf, key);
    int n = 0;
    for (char *s = buf; n < max;) {
        part[n++] = s;
        char *slash = strchr(s, '/');
        if (!slash)
            break;
        *slash = 0;
        s = slash + 1;
    }
    return n;
}

/* --- applying changes ------------------------------------------------------ */

/* Position of name in the ordered VMs (where it is or would go). */
static size_t s_order_find(const xgc_view_t *self, const char *name, bool *found)
{
    size_t lo = 0, hi = self->n_order;
    *found = false;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(self->order[mid]->spec.name, name);
        if (!c) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int s_order_add(xgc_view_t *self, s_vm_t *vm)
{
    bool found;
    size_t at = s_order_find(self, vm->spec.name, &found);
    if (found)
        return 0;
    if (self->n_order == self->cap_order) {
        size_t cap = self->cap_order ? 2 * self->cap_order : 64;
        s_vm_t **o = realloc(self->order, cap * sizeof *o);
        if (!o)
            return -1;
        self->order = o;
        self->cap_order = cap;
    }
    memmove(self->order + at + 1, self->order + at, (self->n_order - at) * sizeof *self->order);
    self->order[at] = vm;
    self->n_order++;
    return 0;
}

static void s_order_remove(xgc_view_t *self, const char *name)
{
    bool found;
    size_t at = s_order_find(self, name, &found);
    if (!found)
        return;
    memmove(self->order + at, self->order + at + 1,
            (self->n_order - at - 1) * sizeof *self->order);
    self->n_order--;
}

static xgc_view_change_t s_apply_spec(xgc_view_t *self, const char *name, const uint8_t *value,
                                      size_t len, char *err, size_t errlen)
{
    s_vm_t *vm = s_vm(self, name, value != NULL);
    if (!value) {
        if (!vm || !vm->has_spec)
            return XGC_VIEW_NONE;
        s_order_remove(self, name);
        vm->has_spec = false;
        if (!vm->plan_keys)
            zhashx_delete(self->vms, name);
        return XGC_VIEW_DEPARTURE;
    }
    xgc_vm_spec_t spec;
    if (!vm)
        return XGC_VIEW_INVALID;
    if (xgc_msg_vm_spec_decode(value, len, &spec, err, errlen) < 0
        || xgc_vm_spec_validate(&spec, err, errlen) < 0)
        return XGC_VIEW_INVALID;
    if (strcmp(spec.name, name)) {
        snprintf(err, errlen, "vm/%s/spec names VM '%s'", name, spec.name);
        return XGC_VIEW_INVALID;
    }
    bool had = vm->has_spec;
    if (had && !memcmp(&vm->spec, &spec, sizeof spec))
        return XGC_VIEW_NONE;
    vm->spec = spec;
    vm->has_spec = true;
    if (!had && s_order_add(self, vm) < 0) {
        vm->has_spec = false;
        snprintf(err, errlen, "out of memory");
        return XGC_VIEW_INVALID;
    }
    return had ? XGC_VIEW_RESIZE : XGC_VIEW_ARRIVAL;
}

static xgc_view_change_t s_apply_pm(xgc_view_t *self, const char *host, const char *what,
                                    const uint8_t *value, size_t len, int64_t now,
                                    char *err, size_t errlen)
{
    s_pm_t *pm = s_pm(self, host, now, true);
    if (!pm)
        return XGC_VIEW_INVALID;
    if (!strcmp(what, "info")) {
        if (!value) {
            pm->has_info = false;
            return XGC_VIEW_PM_LOST;
        }
        xgc_pm_spec_t spec;
        if (xgc_msg_pm_spec_decode(value, len, &spec, err, errlen) < 0
            || xgc_pm_spec_validate(&spec, err, errlen) < 0)
            return XGC_VIEW_INVALID;
        bool had = pm->has_info;
        pm->spec = spec;
        snprintf(pm->spec.name, sizeof pm->spec.name, "%s", host);
        pm->has_info = true;
        return had ? XGC_VIEW_RESIZE : XGC_VIEW_PM_JOIN;
    }
    if (!strcmp(what, "alive")) {
        if (!value) {
            if (!pm->alive)
                return XGC_VIEW_NONE;
            pm->alive = false;
            pm->lost_ms = now;
            return XGC_VIEW_PM_LOST;
        }
        if (xgc_msg_heartbeat_decode(value, len, &pm->hb, err, errlen) < 0)
            return XGC_VIEW_INVALID;
        bool was = pm->alive;
        pm->alive = true;
        pm->fenced = false;
        return was ? XGC_VIEW_NONE : XGC_VIEW_PM_JOIN;
    }
    if (!strcmp(what, "admin")) {
        xgc_pm_admin_t admin = {.drain = false};
        if (value && xgc_msg_pm_admin_decode(value, len, &admin, err, errlen) < 0)
            return XGC_VIEW_INVALID;
        bool was = pm->drain;
        pm->drain = admin.drain;
        return was == pm->drain ? XGC_VIEW_NONE : XGC_VIEW_DRAIN;
    }
    if (!strcmp(what, "power")) {
        xgc_power_state_t ps;
        if (value && xgc_msg_power_state_decode(value, len, &ps, err, errlen) < 0)
            return XGC_VIEW_INVALID;
        pm->power_known = value != NULL;
        pm->power = value ? ps.state : XGC_POWER_ON;
        return XGC_VIEW_POWER;
    }
    return XGC_VIEW_OTHER;
}

/* plan/<host>/<vm> and pm/<host>/vm/<vm>: tables keyed "host/vm". */
static xgc_view_change_t s_apply_entry(xgc_view_t *self, bool plan, const char *host,
                                       const char *vmname, const uint8_t *value, size_t len,
                                       char *err, size_t errlen)
{
    char hk[2 * XGC_NAME_MAX + 2];
    s_hostvm(hk, sizeof hk, host, vmname);
    zhashx_t *t = plan ? self->plan : self->actual;
    s_vm_t *vm = s_vm(self, vmname, plan && value);
    if (!value) {
        void *old = zhashx_lookup(t, hk);
        if (plan && vm && old && vm->plan == old)
            vm->plan = NULL;
        zhashx_delete(t, hk);
        if (!plan || !vm)
            return plan ? XGC_VIEW_PLAN : XGC_VIEW_ACTUAL;
        vm->plan_keys -= old != NULL;
        if (!strcmp(vm->plan_host, host))
            vm->plan_host[0] = 0;
        if (!vm->has_spec && !vm->plan_keys)
            zhashx_delete(self->vms, vmname);
        return XGC_VIEW_PLAN;
    }
    if (plan) {
        xgc_plan_entry_t e;
        if (xgc_msg_plan_entry_decode(value, len, &e, err, errlen) < 0)
            return XGC_VIEW_INVALID;
        if (!vm)
            return XGC_VIEW_INVALID;
        vm->plan_keys += zhashx_lookup(t, hk) == NULL;
        xgc_plan_entry_t *slot = s_get(t, hk, sizeof e, true);
        if (!slot)
            return XGC_VIEW_INVALID;
        *slot = e;
        snprintf(slot->host, sizeof slot->host, "%s", host);
        snprintf(slot->vm, sizeof slot->vm, "%s", vmname);
        if (e.state == XGC_PLAN_RUN) {
            if (e.from[0] && strcmp(e.from, host))          /* a live migration */
                s_copy(vm->prev_host, e.from, sizeof vm->prev_host);
            else if (vm->plan_host[0] && strcmp(vm->plan_host, host))
                s_copy(vm->prev_host, vm->plan_host, sizeof vm->prev_host);
            else if (e.left[0] && strcmp(e.left, host))     /* a previous leader's */
                s_copy(vm->prev_host, e.left, sizeof vm->prev_host);
            s_copy(vm->plan_host, host, sizeof vm->plan_host);
            vm->plan = slot;
        } else if (!strcmp(vm->plan_host, host)) {
            vm->plan_host[0] = 0;
            vm->plan = NULL;
        }
        return XGC_VIEW_PLAN;
    }
    xgc_vm_actual_t a;
    if (xgc_msg_vm_actual_decode(value, len, &a, err, errlen) < 0)
        return XGC_VIEW_INVALID;
    xgc_vm_actual_t *slot = s_get(t, hk, sizeof a, true);
    if (!slot)
        return XGC_VIEW_INVALID;
    *slot = a;
    return XGC_VIEW_ACTUAL;
}

xgc_view_change_t xgc_view_apply(xgc_view_t *self, const char *key, const uint8_t *value,
                                 size_t len, int64_t now_ms, char *err, size_t errlen)
{
    char buf[512];
    char *p[4];
    int n = s_split(key, buf, sizeof buf, p, 4);
    if (errlen)
        err[0] = 0;
    for (int i = 1; i < n; i++)
        if (!p[i][0] || strlen(p[i]) >= XGC_NAME_MAX)
            return XGC_VIEW_OTHER;
    if (n == 3 && !strcmp(p[0], "vm") && !strcmp(p[2], "spec"))
        return s_apply_spec(self, p[1], value, len, err, errlen);
    if (n == 3 && !strcmp(p[0], "pm"))
        return s_apply_pm(self, p[1], p[2], value, len, now_ms, err, errlen);
    if (n == 4 && !strcmp(p[0], "pm") && !strcmp(p[2], "vm") && !strchr(p[3], '/'))
        return s_apply_entry(self, false, p[1], p[3], value, len, err, errlen);
    if (n == 3 && !strcmp(p[0], "plan"))
        return s_apply_entry(self, true, p[1], p[2], value, len, err, errlen);
    return XGC_VIEW_OTHER;
}

const char *xgc_view_change_name(xgc_view_change_t change)
{
    static const char *names[] = {"none", "arrival", "departure", "resize", "pm-join",
                                  "pm-lost", "drain", "actual", "plan", "power", "other",
                                  "invalid"};
    return change >= 0 && change < XGC_VIEW_CHANGES ? names[change] : "?";
}

void xgc_view_set_demand(xgc_view_t *self, const char *vm, double mhz)
{
    s_vm_t *v = s_vm(self, vm, false);
    if (v)
        v->demand_mhz = mhz;
}

void xgc_view_set_load(xgc_view_t *self, const char *vm, const xgc_replan_load_t *load)
{
    s_vm_t *v = s_vm(self, vm, false);
    if (v)
        v->load = *load;
}

void xgc_view_set_observed(xgc_view_t *self, const char *vm, const xgc_demand_t *demand)
{
    xgc_replan_load_t load = {0};
    xgc_bridge_observed(&load, demand);
    xgc_view_set_demand(self, vm, load.estimate);
    xgc_view_set_load(self, vm, &load);
}

static void s_estimator_free(void **item)
{
    xgc_demand_destroy((xgc_demand_t **)item);
}

zhashx_t *xgc_view_estimators_new(void)
{
    zhashx_t *t = zhashx_new();
    if (t)
        zhashx_set_destructor(t, s_estimator_free);
    return t;
}

xgc_demand_t *xgc_view_estimator(zhashx_t *estimators, const char *vm,
                                 const xgc_demand_params_t *params)
{
    xgc_demand_t *d = zhashx_lookup(estimators, vm);
    if (!d && (d = xgc_demand_new(params)))
        zhashx_insert(estimators, vm, d);
    return d;
}

void xgc_view_set_fenced(xgc_view_t *self, const char *host, bool fenced)
{
    s_pm_t *pm = s_pm(self, host, 0, false);
    if (pm)
        pm->fenced = fenced;
}

void xgc_view_note_switched_on(xgc_view_t *self, const char *host, int64_t now_ms)
{
    s_pm_t *pm = s_pm(self, host, now_ms, false);
    if (pm)
        pm->switched_on_ms = now_ms;
}

size_t xgc_view_vm_count(const xgc_view_t *self)
{
    size_t n = 0;
    for (s_vm_t *vm = zhashx_first(self->vms); vm; vm = zhashx_next(self->vms))
        n += vm->has_spec;
    return n;
}

size_t xgc_view_pm_count(const xgc_view_t *self)
{
    size_t n = 0;
    for (s_pm_t *pm = zhashx_first(self->pms); pm; pm = zhashx_next(self->pms))
        n += pm->has_info;
    return n;
}

const xgc_vm_spec_t *xgc_view_spec(const xgc_view_t *self, const char *vm)
{
    const s_vm_t *v = s_vm(self, vm, false);
    return v && v->has_spec ? &v->spec : NULL;
}

const xgc_vm_actual_t *xgc_view_actual(const xgc_view_t *self, const char *host,
                                       const char *vm)
{
    char hk[2 * XGC_NAME_MAX + 2];
    s_hostvm(hk, sizeof hk, host, vm);
    return zhashx_lookup(self->actual, hk);
}

void xgc_view_each_actual(const xgc_view_t *self,
                          void (*fn)(void *arg, const xgc_vm_actual_t *a), void *arg)
{
    for (xgc_vm_actual_t *a = zhashx_first(self->actual); a; a = zhashx_next(self->actual))
        fn(arg, a);
}

/* --- building a round ------------------------------------------------------ */

static int s_by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted names of the table's records for which keep() holds (array and
 * strings owned by the table; free the array). */
static const char **s_names(zhashx_t *t, bool (*keep)(const void *item), size_t *n)
{
    const char **names = malloc((zhashx_size(t) + 1) * sizeof *names);
    *n = 0;
    if (!names)
        return NULL;
    for (void *item = zhashx_first(t); item; item = zhashx_next(t))
        if (keep(item))
            names[(*n)++] = zhashx_cursor(t);
    qsort(names, *n, sizeof *names, s_by_name);
    return names;
}

static bool s_pm_listed(const void *item)
{
    return ((const s_pm_t *)item)->has_info;
}

static xgc_replan_pm_state_t s_pm_state(const s_pm_t *pm, const xgc_sched_config_t *cfg,
                                        int64_t now)
{
    if (pm->power_known && pm->power == XGC_POWER_OFF)
        return XGC_REPLAN_PM_OFF;
    if (pm->alive)
        return pm->drain ? XGC_REPLAN_PM_DRAINING : XGC_REPLAN_PM_UP;
    if (pm->switched_on_ms && now - pm->switched_on_ms < cfg->boot_grace_ms)
        return XGC_REPLAN_PM_UP;
    if (pm->fenced)
        return XGC_REPLAN_PM_FENCED;
    if (!cfg->fence_command[0]
        && now >= pm->lost_ms + pm->hb.lease_ms + cfg->fence_grace_ms)
        return XGC_REPLAN_PM_FENCED;     /* its pmd's lease has run out */
    return XGC_REPLAN_PM_FAILED;
}

/* The spec replan packs: max follows the effective demand, utility at the
 * new max stays on the VM's utility line. */
static xgc_vm_spec_t s_effective(const s_vm_t *vm)
{
    xgc_vm_spec_t s = vm->spec;
    if (vm->demand_mhz > 0 && s.max_mhz > s.min_mhz) {
        double m = vm->demand_mhz < s.min_mhz ? s.min_mhz
                 : vm->demand_mhz > s.max_mhz ? s.max_mhz : vm->demand_mhz;
        s.utility_max = xgc_place_utility(&vm->spec, m);
        s.max_mhz = m;
    }
    return s;
}

static int s_pm_index(const xgc_view_round_t *r, const char *host)
{
    size_t lo = 0, hi = r->n_pms;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(r->pms[mid].spec.name, host);
        if (!c)
            return (int)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static void s_vm_input(const xgc_view_t *self, const s_vm_t *vm, const xgc_view_round_t *r,
                       xgc_replan_vm_t *out)
{
    out->spec = s_effective(vm);
    out->host = vm->plan_host[0] ? s_pm_index(r, vm->plan_host) : -1;
    out->in_flight = false;
    out->last_move_ms = 0;
    out->load = vm->load;
    out->load.cap_mhz = vm->spec.max_mhz;
    out->load.last_from = vm->prev_host[0] ? s_pm_index(r, vm->prev_host) : -1;
    out->load.has_from = out->load.last_from >= 0;
    if (out->host < 0)
        return;
    const xgc_vm_actual_t *a = xgc_view_actual(self, vm->plan_host, vm->spec.name);
    /* Planned and not (yet) running there: a create or a migration under way. */
    out->in_flight = !a || a->state != XGC_VM_RUNNING;
    out->last_move_ms = a ? a->since_ms : 0;
}

int xgc_view_round(xgc_view_t *self, const xgc_sched_config_t *cfg, int64_t now_ms,
                   xgc_view_round_t *r)
{
    size_t np, nv;
    const char **pm_names = s_names(self->pms, s_pm_listed, &np);
    nv = self->n_order;
    memset(r, 0, sizeof *r);
    r->pms = calloc(np + 1, sizeof *r->pms);
    r->vms = malloc((nv + 1) * sizeof *r->vms);      /* every field set by s_vm_input */
    r->cap_mhz = calloc(nv + 1, sizeof *r->cap_mhz);
    int rc = -1;
    r->refs = malloc((nv + 1) * sizeof *r->refs);
    if (!pm_names || !r->pms || !r->vms || !r->cap_mhz || !r->refs)
        goto done;
    r->n_pms = np;
    r->n_vms = nv;
    for (size_t j = 0; j < np; j++) {
        const s_pm_t *pm = zhashx_lookup(self->pms, pm_names[j]);
        r->pms[j].spec = pm->spec;
        r->pms[j].state = s_pm_state(pm, cfg, now_ms);
        r->pms[j].empty_since_ms = pm->empty_since_ms;
    }
    for (xgc_vm_actual_t *a = zhashx_first(self->actual); a; a = zhashx_next(self->actual)) {
        int j = a->state == XGC_VM_RUNNING || a->state == XGC_VM_FAILED
                    ? -1 : s_pm_index(r, a->host);
        if (j >= 0)
            r->pms[j].ops_in_flight++;
    }
    for (size_t v = 0; v < nv; v++) {
        const s_vm_t *vm = self->order[v];
        r->refs[v] = vm;
        s_vm_input(self, vm, r, &r->vms[v]);
        r->cap_mhz[v] = vm->spec.max_mhz;
    }
    rc = 0;
done:
    free(pm_names);
    if (rc < 0)
        xgc_view_round_free(r);
    return rc;
}

void xgc_view_round_free(xgc_view_round_t *r)
{
    free(r->pms);
    free(r->vms);
    free(r->cap_mhz);
    free(r->refs);
    memset(r, 0, sizeof *r);
}

size_t xgc_view_lost(const xgc_view_round_t *round, const char **names, size_t max)
{
    size_t n = 0;
    for (size_t j = 0; j < round->n_pms && n < max; j++)
        if (round->pms[j].state == XGC_REPLAN_PM_FAILED)
            names[n++] = round->pms[j].spec.name;
    return n;
}

void xgc_view_keep_power_times(xgc_view_t *self, const xgc_view_round_t *round,
                               const xgc_replan_result_t *result)
{
    for (size_t j = 0; j < round->n_pms; j++) {
        s_pm_t *pm = s_pm(self, round->pms[j].spec.name, 0, false);
        if (pm)
            pm->empty_since_ms = result->pms[j].empty_since_ms;
    }
}

/* --- the plan, wanted and current -------------------------------------------- */

/* A migration still under way keeps its `from` (else the destination would
 * create a second copy): the entry at host says from X, the VM does not run
 * at host yet, and X is alive and still has it. */
static void s_keep_from(const xgc_view_t *self, const xgc_view_round_t *r, const char *host,
                        const char *vm, char *from, size_t size)
{
    char hk[2 * XGC_NAME_MAX + 2];
    s_hostvm(hk, sizeof hk, host, vm);
    const xgc_plan_entry_t *e = zhashx_lookup(self->plan, hk);
    if (!e || !e->from[0] || !strcmp(e->from, host))
        return;
    const xgc_vm_actual_t *here = xgc_view_actual(self, host, vm);
    int x = s_pm_index(r, e->from);
    if ((here && here->state == XGC_VM_RUNNING) || x < 0
        || r->pms[x].state == XGC_REPLAN_PM_FENCED || r->pms[x].state == XGC_REPLAN_PM_OFF
        || !xgc_view_actual(self, e->from, vm))
        return;
    s_copy(from, e->from, size);
}

/* The PM the VM last left, written into its entry so that it survives the
 * scheduler (view.c's prev_host is rebuilt from it by a new leader): the
 * source of this move, else the one remembered. */
static void s_left(const void *ref, const char *host, xgc_plan_entry_t *e)
{
    const s_vm_t *vm = ref;
    const char *left = e->from[0] ? e->from : vm->prev_host;
    s_copy(e->left, strcmp(left, host) ? left : "", sizeof e->left);
}

/* The VM's only plan entry already says e: mark it (its entries stay out of
 * the diff) and say so. Keeps a round's diff to the VMs that change. */
static bool s_unchanged(const xgc_view_t *self, const void *ref, const xgc_plan_entry_t *e)
{
    s_vm_t *vm = (s_vm_t *)ref;
    if (vm->plan_keys != 1 || !vm->plan || strcmp(vm->plan_host, e->host)
        || !xgc_plandiff_same(vm->plan, e))
        return false;
    vm->unchanged = self->mark;
    return true;
}

int xgc_view_desired(xgc_view_t *self, const xgc_view_round_t *r,
                     const xgc_replan_result_t *res, int64_t round_no,
                     xgc_plan_entry_t **entries, size_t *n_entries,
                     xgc_power_state_t **power, size_t *n_power)
{
    self->mark++;
    *entries = malloc((r->n_vms + 1) * sizeof **entries);  /* every field set below */
    *power = calloc(r->n_pms + 1, sizeof **power);
    *n_entries = *n_power = 0;
    if (!*entries || !*power) {
        free(*entries);
        free(*power);
        *entries = NULL;
        *power = NULL;
        return -1;
    }
    for (size_t v = 0; v < r->n_vms; v++) {
        const xgc_replan_vm_result_t *vr = &res->vms[v];
        if (vr->host < 0)
            continue;
        xgc_plan_entry_t *e = &(*entries)[(*n_entries)++];
        const char *host = r->pms[vr->host].spec.name;
        s_copy(e->vm, r->vms[v].spec.name, sizeof e->vm);
        s_copy(e->host, host, sizeof e->host);
        e->state = XGC_PLAN_RUN;
        e->cap_mhz = r->cap_mhz[v];
        e->weight = r->vms[v].spec.shares;
        e->round = round_no;
        s_copy(e->reason, vr->reason, sizeof e->reason);
        e->from[0] = 0;
        if (vr->from >= 0)
            s_copy(e->from, r->pms[vr->from].spec.name, sizeof e->from);
        else
            s_keep_from(self, r, host, e->vm, e->from, sizeof e->from);
        s_left(r->refs[v], host, e);
        if (s_unchanged(self, r->refs[v], e))
            (*n_entries)--;
    }
    for (size_t j = 0; j < r->n_pms; j++) {
        xgc_replan_pm_state_t st = r->pms[j].state;
        if (st != XGC_REPLAN_PM_UP && st != XGC_REPLAN_PM_OFF)
            continue;
        xgc_power_state_t *p = &(*power)[(*n_power)++];
        snprintf(p->host, sizeof p->host, "%s", r->pms[j].spec.name);
        p->state = res->pms[j].on ? XGC_POWER_ON : XGC_POWER_OFF;
        snprintf(p->reason, sizeof p->reason, "%s", res->pms[j].reason);
    }
    return 0;
}

int xgc_view_current(const xgc_view_t *self, xgc_plan_entry_t **entries, size_t *n_entries,
                     xgc_power_state_t **power, size_t *n_power)
{
    *entries = malloc((zhashx_size(self->plan) + 1) * sizeof **entries);
    *power = calloc(zhashx_size(self->pms) + 1, sizeof **power);
    *n_entries = *n_power = 0;
    if (!*entries || !*power) {
        free(*entries);
        free(*power);
        *entries = NULL;
        *power = NULL;
        return -1;
    }
    for (xgc_plan_entry_t *e = zhashx_first(self->plan); e; e = zhashx_next(self->plan)) {
        const s_vm_t *vm = s_vm(self, e->vm, false);
        if (!vm || !self->mark || vm->unchanged != self->mark)
            (*entries)[(*n_entries)++] = *e;
    }
    for (s_pm_t *pm = zhashx_first(self->pms); pm; pm = zhashx_next(self->pms)) {
        if (!pm->power_known)
            continue;
        xgc_power_state_t *p = &(*power)[(*n_power)++];
        snprintf(p->host, sizeof p->host, "%s", (const char *)zhashx_cursor(self->pms));
        p->state = pm->power;
    }
    return 0;
}
