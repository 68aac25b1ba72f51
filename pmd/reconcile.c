/* reconcile — the seed's monitor table as a pure function (see reconcile.h
 * for the rules and why). One pass over the VMs that concern this host, in
 * name order; each VM is decided on its own by s_decide().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmd/reconcile.h"

/* --- growable output arrays ------------------------------------------- */

typedef struct {
    const xgc_rc_input_t *in;
    xgc_rc_output_t *out;
    size_t action_cap, report_cap, wait_cap;
    int oom;
} s_ctx_t;

static void *s_grow(void *arr, size_t n, size_t *cap, size_t size, int *oom)
{
    if (n < *cap)
        return arr;
    size_t ncap = *cap ? *cap * 2 : 8;
    void *p = realloc(arr, ncap * size);
    if (!p) {
        *oom = 1;
        return NULL;
    }
    *cap = ncap;
    return p;
}

static xgc_rc_action_t *s_action(s_ctx_t *c, xgc_rc_act_kind_t kind,
                                 const char *vm, const char *reason)
{
    xgc_rc_output_t *o = c->out;
    xgc_rc_action_t *a = s_grow(o->actions, o->action_n, &c->action_cap,
                                sizeof *a, &c->oom);
    if (!a)
        return NULL;
    o->actions = a;
    a = &o->actions[o->action_n++];
    memset(a, 0, sizeof *a);
    a->kind = kind;
    snprintf(a->vm, sizeof a->vm, "%s", vm ? vm : "");
    snprintf(a->reason, sizeof a->reason, "%s", reason ? reason : "");
    return a;
}

static xgc_rc_report_t *s_report(s_ctx_t *c, const char *vm,
                                 xgc_rc_state_t state, const char *reason)
{
    xgc_rc_output_t *o = c->out;
    xgc_rc_report_t *r = s_grow(o->reports, o->report_n, &c->report_cap,
                                sizeof *r, &c->oom);
    if (!r)
        return NULL;
    o->reports = r;
    r = &o->reports[o->report_n++];
    memset(r, 0, sizeof *r);
    snprintf(r->vm, sizeof r->vm, "%s", vm);
    r->state = state;
    snprintf(r->reason, sizeof r->reason, "%s", reason ? reason : "");
    return r;
}

/* Record that we wait on vm; returns since when (carried over). */
static int64_t s_wait(s_ctx_t *c, const char *vm)
{
    const xgc_rc_input_t *in = c->in;
    int64_t since = in->now_ms;
    for (size_t i = 0; i < in->wait_n; i++)
        if (strcmp(in->waits[i].vm, vm) == 0 && in->waits[i].since_ms < since)
            since = in->waits[i].since_ms;
    xgc_rc_output_t *o = c->out;
    xgc_rc_wait_t *w = s_grow(o->waits, o->wait_n, &c->wait_cap, sizeof *w, &c->oom);
    if (!w)
        return since;
    o->waits = w;
    w = &o->waits[o->wait_n++];
    snprintf(w->vm, sizeof w->vm, "%s", vm);
    w->since_ms = since;
    return since;
}

/* --- lookups ------------------------------------------------------------ */

static const xgc_dom_info_t *s_dom(const xgc_rc_input_t *in, const char *vm)
{
    for (size_t i = 0; i < in->dom_n; i++)
        if (strcmp(in->doms[i].name, vm) == 0)
            return &in->doms[i];
    return NULL;
}

static const xgc_rc_op_t *s_op(const xgc_rc_input_t *in, const char *vm)
{
    for (size_t i = 0; i < in->op_n; i++)
        if (strcmp(in->ops[i].vm, vm) == 0)
            return &in->ops[i];
    return NULL;
}

static const xgc_vm_spec_t *s_spec(const xgc_rc_input_t *in, const char *vm)
{
    for (size_t i = 0; i < in->spec_n; i++)
        if (strcmp(in->specs[i].name, vm) == 0)
            return &in->specs[i];
    return NULL;
}

static const xgc_rc_failure_t *s_failure(const xgc_rc_input_t *in,
                                         const char *vm, xgc_op_kind_t kind)
{
    for (size_t i = 0; i < in->failure_n; i++)
        if (strcmp(in->failures[i].vm, vm) == 0 && in->failures[i].kind == kind)
            return &in->failures[i];
    return NULL;
}

static int s_peer_alive(const xgc_rc_input_t *in, const char *host)
{
    for (size_t i = 0; i < in->peer_n; i++)
        if (strcmp(in->peers[i], host) == 0)
            return 1;
    return 0;
}

/* What alive host `host` reports for vm (NONE if nothing or not alive). */
static xgc_rc_state_t s_remote_at(const xgc_rc_input_t *in, const char *vm,
                                  const char *host)
{
    if (!s_peer_alive(in, host))
        return XGC_RC_NONE;
    for (size_t i = 0; i < in->remote_n; i++)
        if (strcmp(in->remote[i].vm, vm) == 0 && strcmp(in->remote[i].host, host) == 0)
            return in->remote[i].state;
    return XGC_RC_NONE;
}

/* Some alive other host that has the VM (any state but failed), or NULL. */
static const char *s_remote_holder(const xgc_rc_input_t *in, const char *vm)
{
    for (size_t i = 0; i < in->remote_n; i++) {
        const xgc_rc_remote_t *r = &in->remote[i];
        if (strcmp(r->vm, vm) == 0 && strcmp(r->host, in->host) != 0 &&
            r->state != XGC_RC_NONE && r->state != XGC_RC_FAILED &&
            s_peer_alive(in, r->host))
            return r->host;
    }
    return NULL;
}

/* The plan entry that counts for vm: the highest round; a tie between
 * different hosts is a conflict (*conflict = 1, NULL returned). */
static const xgc_rc_plan_t *s_winner(const xgc_rc_input_t *in, const char *vm,
                                     int *conflict)
{
    const xgc_rc_plan_t *best = NULL;
    *conflict = 0;
    for (size_t i = 0; i < in->plan_n; i++) {
        const xgc_rc_plan_t *p = &in->plan[i];
        if (strcmp(p->vm, vm) != 0)
            continue;
        if (!best || p->round > best->round) {
            best = p;
            *conflict = 0;
        } else if (p->round == best->round && strcmp(p->host, best->host) != 0) {
            *conflict = 1;
        }
    }
    return *conflict ? NULL : best;
}

/* --- the names this host must decide about ------------------------------ */

static int s_cmp_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const char **s_names(const xgc_rc_input_t *in, size_t *n)
{
    size_t max = in->plan_n + in->dom_n + in->op_n;
    const char **names = malloc((max ? max : 1) * sizeof *names);
    if (!names)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < in->plan_n; i++)
        if (strcmp(in->plan[i].host, in->host) == 0)
            names[k++] = in->plan[i].vm;
    for (size_t i = 0; i < in->dom_n; i++)
        names[k++] = in->doms[i].name;
    for (size_t i = 0; i < in->op_n; i++)
        names[k++] = in->ops[i].vm;
    qsort(names, k, sizeof *names, s_cmp_name);
    size_t u = 0;
    for (size_t i = 0; i < k; i++)
        if (u == 0 || strcmp(names[u - 1], names[i]) != 0)
            names[u++] = names[i];
    *n = u;
    return names;
}

/* --- per-VM decisions --------------------------------------------------- */

/* An operation is in flight (ours, or the hypervisor is busy with it):
 * report it, start nothing. */
static int s_busy(s_ctx_t *c, const char *vm, const xgc_dom_info_t *dom)
{
    const xgc_rc_op_t *op = s_op(c->in, vm);
    xgc_rc_state_t st = XGC_RC_NONE;
    const char *why = "";
    if (op) {
        switch (op->kind) {
        case XGC_OP_CREATE:      st = XGC_RC_CREATING; why = "creating"; break;
        case XGC_OP_DESTROY:     st = XGC_RC_STOPPING; why = "stopping"; break;
        case XGC_OP_MIGRATE_OUT: st = XGC_RC_MIGRATING_OUT; why = "sending"; break;
        case XGC_OP_MIGRATE_IN:  st = XGC_RC_MIGRATING_IN; why = "receiving"; break;
        default:                 st = XGC_RC_RUNNING; break;
        }
    } else if (dom) {
        switch (dom->state) {
        case XGC_DOM_CREATING:      st = XGC_RC_CREATING; why = "hypervisor is creating it"; break;
        case XGC_DOM_MIGRATING_OUT: st = XGC_RC_MIGRATING_OUT; why = "hypervisor is sending it"; break;
        case XGC_DOM_MIGRATING_IN:  st = XGC_RC_MIGRATING_IN; why = "hypervisor is receiving it"; break;
        case XGC_DOM_INDOUBT:       st = XGC_RC_MIGRATING_OUT; why = "migration in doubt, resolving"; break;
        case XGC_DOM_STOPPING:      st = XGC_RC_STOPPING; why = "hypervisor is stopping it"; break;
        default: return 0;
        }
    } else {
        return 0;
    }
    xgc_rc_report_t *r = s_report(c, vm, st, why);
    if (r && dom) {
        r->cap_mhz = dom->cap_mhz;
        r->weight = dom->weight;
    }
    return 1;
}

/* Back-off: 1 (and a failed report) if a retry of kind must still wait. */
static int s_backing_off(s_ctx_t *c, const char *vm, xgc_op_kind_t kind)
{
    const xgc_rc_input_t *in = c->in;
    const xgc_rc_failure_t *f = s_failure(in, vm, kind);
    if (!f || f->count <= 0)
        return 0;
    int64_t due = f->last_ms + xgc_rc_backoff_ms(f->count, in->backoff_base_ms,
                                                 in->backoff_max_ms);
    if (in->now_ms >= due)
        return 0;
    /* no countdown in the text: the report must not change every tick */
    char why[160];
    snprintf(why, sizeof why, "%s failed %d time%s: %.80s; retrying after %llds",
             xgc_op_kind_name(kind), f->count, f->count == 1 ? "" : "s", f->reason,
             (long long)((due - f->last_ms + 999) / 1000));
    s_report(c, vm, XGC_RC_FAILED, why);
    return 1;
}

/* A hypervisor that caps in whole % of a core (Xen) reports the plan's cap
 * rounded up to the next percent, and at most 100 % per vCPU: comparing MHz
 * exactly would re-apply the same cap on every pass, for ever. */
static int s_same_cap(const xgc_rc_input_t *in, const xgc_dom_info_t *dom, double want_mhz)
{
    double have_mhz = dom->cap_mhz;
    if (in->core_mhz <= 0 || have_mhz <= 0 || want_mhz <= 0)
        return have_mhz == want_mhz;
    return xgc_driver_cap_pct_vcpus(have_mhz, in->core_mhz, dom->vcpus)
           == xgc_driver_cap_pct_vcpus(want_mhz, in->core_mhz, dom->vcpus);
}

/* The VM runs here (running or paused). */
static void s_decide_running(s_ctx_t *c, const char *vm, const xgc_dom_info_t *dom,
                             const xgc_rc_plan_t *want, int conflict)
{
    const xgc_rc_input_t *in = c->in;
    char why[160];
    xgc_rc_report_t *r;
    if (conflict) {
        r = s_report(c, vm, XGC_RC_RUNNING, "plan entries conflict; waiting");
    } else if (!want || !want->run) {
        s_action(c, XGC_ACT_DESTROY, vm, want ? "plan says stop" : "not in the plan");
        r = s_report(c, vm, XGC_RC_STOPPING, want ? "plan says stop" : "not in the plan");
    } else if (strcmp(want->host, in->host) == 0) {
        r = s_report(c, vm, XGC_RC_RUNNING, "");
        if (!s_same_cap(in, dom, want->cap_mhz) ||
            (want->weight > 0 && dom->weight != want->weight)) {
            xgc_rc_action_t *a = s_action(c, XGC_ACT_SET_SCHED, vm, "plan changed cap/weight");
            if (a) {
                a->cap_mhz = want->cap_mhz;
                a->weight = want->weight > 0 ? want->weight : dom->weight;
            }
        }
    } else {
        xgc_rc_state_t there = s_remote_at(in, vm, want->host);
        if (there == XGC_RC_RUNNING) {
            snprintf(why, sizeof why, "duplicate: also running on %s, where it is assigned",
                     want->host);
            s_action(c, XGC_ACT_DESTROY, vm, why);
            r = s_report(c, vm, XGC_RC_STOPPING, why);
        } else if (there == XGC_RC_MIGRATING_IN &&
                   !s_backing_off(c, vm, XGC_OP_MIGRATE_OUT)) {
            snprintf(why, sizeof why, "assigned to %s", want->host);
            xgc_rc_action_t *a = s_action(c, XGC_ACT_MIGRATE_OUT, vm, why);
            if (a)
                snprintf(a->peer, sizeof a->peer, "%s", want->host);
            r = s_report(c, vm, XGC_RC_MIGRATING_OUT, why);
        } else if (there == XGC_RC_MIGRATING_IN) {
            return;    /* s_backing_off reported it */
        } else {
            snprintf(why, sizeof why, "assigned to %s; waiting for it to prepare",
                     want->host);
            r = s_report(c, vm, XGC_RC_RUNNING, why);
        }
    }
    if (r) {
        r->cap_mhz = dom->cap_mhz;
        r->weight = dom->weight;
    }
}

/* Not here, assigned here to run: receive it, or create it. */
static void s_decide_absent(s_ctx_t *c, const char *vm, const xgc_rc_plan_t *want)
{
    const xgc_rc_input_t *in = c->in;
    char why[160];
    if (in->power_off || in->drain || in->powered_off) {
        s_report(c, vm, XGC_RC_FAILED, in->drain ? "host is drained; takes no new VMs"
                                                 : "host is powering off; takes no new VMs");
        return;
    }
    /* The source: the plan's `from` if it has the VM, else any live host
     * that has it (a stale `from`, or none given: receive, never copy). */
    const char *src = NULL;
    if (want->from[0] && strcmp(want->from, in->host) != 0) {
        xgc_rc_state_t st = s_remote_at(in, vm, want->from);
        if (st != XGC_RC_NONE && st != XGC_RC_FAILED)
            src = want->from;
    }
    if (!src)
        src = s_remote_holder(in, vm);
    if (src) {
        xgc_rc_state_t there = s_remote_at(in, vm, src);
        if (there != XGC_RC_RUNNING && there != XGC_RC_MIGRATING_OUT)
            return;    /* busy there (creating, arriving, stopping): wait */
        if (s_backing_off(c, vm, XGC_OP_MIGRATE_IN))
            return;
        snprintf(why, sizeof why, "arriving from %s", src);
        xgc_rc_action_t *a = s_action(c, XGC_ACT_MIGRATE_IN, vm, why);
        if (a)
            snprintf(a->peer, sizeof a->peer, "%s", src);
        s_report(c, vm, XGC_RC_MIGRATING_IN, why);
        return;
    }
    /* No live host has it. If the plan names a source that is alive, give
     * its report a grace period (it may be restarting or lagging); a dead
     * source has fenced its VMs, so creating here duplicates nothing. */
    if (want->from[0] && strcmp(want->from, in->host) != 0 &&
        s_peer_alive(in, want->from) && in->now_ms - s_wait(c, vm) < in->lost_grace_ms)
        return;
    const xgc_vm_spec_t *spec = s_spec(in, vm);
    if (!spec) {
        s_report(c, vm, XGC_RC_FAILED, "no spec (vm/<name>/spec) to create it from");
        return;
    }
    if (in->free_mem_mb >= 0 && spec->mem_mb > in->free_mem_mb) {
        snprintf(why, sizeof why, "no room: needs %.0f MB, %.0f MB free",
                 spec->mem_mb, in->free_mem_mb);
        s_report(c, vm, XGC_RC_FAILED, why);
        return;
    }
    if (s_backing_off(c, vm, XGC_OP_CREATE))
        return;
    xgc_rc_action_t *a = s_action(c, XGC_ACT_CREATE, vm, "assigned here");
    if (a) {
        a->cap_mhz = want->cap_mhz;
        a->weight = want->weight;
    }
    xgc_rc_report_t *r = s_report(c, vm, XGC_RC_CREATING, "assigned here");
    if (r) {
        r->cap_mhz = want->cap_mhz;
        r->weight = want->weight;
    }
}

static void s_decide(s_ctx_t *c, const char *vm)
{
    const xgc_rc_input_t *in = c->in;
    const xgc_dom_info_t *dom = s_dom(in, vm);
    if (s_busy(c, vm, dom))
        return;
    int conflict;
    const xgc_rc_plan_t *want = s_winner(in, vm, &conflict);
    if (dom && dom->state == XGC_DOM_DEAD) {
        s_action(c, XGC_ACT_DESTROY, vm, "guest shut down or crashed; cleaning up");
        s_report(c, vm, XGC_RC_STOPPING, "guest shut down or crashed");
    } else if (dom) {
        s_decide_running(c, vm, dom, want, conflict);
    } else if (want && want->run && !conflict && strcmp(want->host, in->host) == 0) {
        s_decide_absent(c, vm, want);
    }
}

static void s_decide_power(s_ctx_t *c)
{
    const xgc_rc_input_t *in = c->in;
    if (in->power_off && !in->powered_off && in->dom_n == 0 && in->op_n == 0)
        s_action(c, XGC_ACT_POWER_OFF, NULL, "plan says off and no VM is left");
    else if (!in->power_off && in->powered_off)
        s_action(c, XGC_ACT_POWER_ON, NULL, "plan says on");
}

int xgc_reconcile(const xgc_rc_input_t *in, xgc_rc_output_t *out)
{
    memset(out, 0, sizeof *out);
    s_ctx_t c = { .in = in, .out = out };
    size_t n;
    const char **names = s_names(in, &n);
    if (!names)
        return -1;
    for (size_t i = 0; i < n && !c.oom; i++)
        s_decide(&c, names[i]);
    free(names);
    if (!c.oom)
        s_decide_power(&c);
    if (c.oom) {
        xgc_rc_output_free(out);
        return -1;
    }
    return 0;
}

void xgc_rc_output_free(xgc_rc_output_t *out)
{
    free(out->actions);
    free(out->reports);
    free(out->waits);
    memset(out, 0, sizeof *out);
}

int64_t xgc_rc_backoff_ms(int count, int64_t base_ms, int64_t max_ms)
{
    if (count <= 0)
        return 0;
    int64_t d = base_ms > 0 ? base_ms : 1;
    for (int i = 1; i < count && d < max_ms; i++)
        d *= 2;
    return max_ms > 0 && d > max_ms ? max_ms : d;
}

static const char *const s_state_names[] = {
    "none", "creating", "running", "migrating_out", "migrating_in",
    "stopping", "failed"
};

const char *xgc_rc_state_name(xgc_rc_state_t state)
{
    return (unsigned)state < sizeof s_state_names / sizeof *s_state_names
           ? s_state_names[state] : "none";
}

xgc_rc_state_t xgc_rc_state_parse(const char *name)
{
    for (size_t i = 0; name && i < sizeof s_state_names / sizeof *s_state_names; i++)
        if (strcmp(s_state_names[i], name) == 0)
            return (xgc_rc_state_t)i;
    return XGC_RC_NONE;
}

const char *xgc_rc_act_name(xgc_rc_act_kind_t kind)
{
    static const char *names[] = {
        "?", "create", "destroy", "set_sched", "migrate_out", "migrate_in",
        "power_off", "power_on"
    };
    return (unsigned)kind < sizeof names / sizeof *names ? names[kind] : "?";
}
