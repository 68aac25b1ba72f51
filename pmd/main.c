/* xgc-pmd — one per physical machine: the seed's monitor.py, on the bus.
 *
 * It registers its PM (`pm/<host>/info`), heartbeats (`pm/<host>/alive`, a
 * TTL key), keeps a replica of the plan, the VM specs and what the other
 * pmds report, and on every change and every interval hands all of it to
 * the pure reconcile rule (pmd/reconcile.h), executes the actions through
 * its hypervisor driver (pmd/driver.h), and writes each VM's actual state
 * (`pm/<host>/vm/<vm>`). Metrics (`metric.vm.*`, `metric.pm.*`) and the
 * progress of operations (`op.<host>.<verb>`) go out as events.
 *
 * Broker unreachable: the VMs keep running, nothing new is decided (the
 * replica may be stale), and the pmd resyncs when the broker is back. If
 * that lasts longer than half its lease it fences: it stops its VMs, so
 * that the scheduler, which sees the heartbeat expire after the full lease,
 * can re-place them without ever running a VM twice (docs/pmd.md).
 */
#include <czmq.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmd/driver.h"
#include "pmd/reconcile.h"
#include "xgc_bus.h"
#include "xgc_config.h"
#include "xgc_log.h"
#include "xgc_model.h"
#include "xgc_msg.h"
#include "xgc_state.h"

static const char s_usage[] =
    "usage: xgc-pmd --host NAME [-c FILE.yaml] [options]\n"
    "The per-PM daemon: reconciles the plan against the hypervisor of PM NAME\n"
    "(listed under pms: in the deployment, with its driver and driver_opts).\n"
    "  --host NAME             this PM (required)\n"
    "  --state-dir DIR         driver state (default <data_dir>/pmd-NAME)\n"
    "  --interval-ms N         reconcile + metrics period (default 1000)\n"
    "  --lease-ms N            heartbeat TTL; fence after N/2 without the broker\n"
    "                          (default 15000)\n"
    "  --backoff-ms BASE,MAX   retry delays of failed operations (default 5000,300000)\n"
    "  --grace-ms N            wait for a migration source that does not report\n"
    "                          the VM before creating it (default 10000)\n"
    "  --power-off-cmd CMD     run (sh -c) when the plan powers this PM off and\n"
    "                          it is empty (default: none; the sim driver sleeps)\n";

/* An operation started and not finished. */
typedef struct {
    uint64_t id;
    char vm[XGC_NAME_MAX];
    xgc_op_kind_t kind;
    int64_t started_ms;
} s_op_t;

/* The last CPU-time sample of a VM, for its metric. */
typedef struct {
    char vm[XGC_NAME_MAX];
    uint64_t cpu_ns;
    int64_t mono_ms;
} s_sample_t;

typedef struct {
    void *items;
    size_t n, cap, size;
} s_vec_t;

typedef struct {
    xgc_config_t *cfg;
    const char *host;
    xgc_pm_spec_t pm;
    xgc_bus_t *bus;
    xgc_driver_t *drv;
    xgc_host_info_t hi;
    int64_t interval_ms, lease_ms, backoff_base_ms, backoff_max_ms, grace_ms;
    const char *power_off_cmd;
    s_vec_t ops, failures, waits, written, samples;
    s_vec_t interest;        /* char[XGC_NAME_MAX]: VMs whose changes matter here */
    uint64_t next_op;
    int dirty, ever_synced, fenced;
    int64_t last_contact_ms, next_hb_ms, next_metric_ms, next_reconcile_ms, last_reconcile_ms;
    xgc_ratelimit_t rl;
} pmd_t;

/* --- small vectors ------------------------------------------------------ */

static void *s_push(s_vec_t *v)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        void *p = realloc(v->items, cap * v->size);
        if (!p)
            return NULL;
        v->items = p;
        v->cap = cap;
    }
    void *e = (char *)v->items + v->n++ * v->size;
    memset(e, 0, v->size);
    return e;
}

static void *s_at(const s_vec_t *v, size_t i)
{
    return (char *)v->items + i * v->size;
}

static void s_drop(s_vec_t *v, size_t i)
{
    memmove(s_at(v, i), s_at(v, i + 1), (v->n - i - 1) * v->size);
    v->n--;
}

/* Index of the element whose leading name field is vm (all our element
 * types start with a char[XGC_NAME_MAX] name, except s_op_t). */
static long s_find_name(const s_vec_t *v, const char *vm)
{
    for (size_t i = 0; i < v->n; i++)
        if (strcmp((const char *)s_at(v, i), vm) == 0)
            return (long)i;
    return -1;
}

/* --- events out ----------------------------------------------------------- */

static void s_publish_op(pmd_t *p, const char *verb, const char *vm, xgc_op_phase_t phase,
                         const char *reason, double time_ms)
{
    xgc_op_t op;
    memset(&op, 0, sizeof op);
    snprintf(op.vm, sizeof op.vm, "%s", vm ? vm : "");
    snprintf(op.host, sizeof op.host, "%s", p->host);
    op.phase = phase;
    snprintf(op.reason, sizeof op.reason, "%s", reason ? reason : "");
    op.time_ms = time_ms;
    void *data;
    size_t len;
    char topic[200];
    snprintf(topic, sizeof topic, XGC_TOPIC_OP, p->host, verb);
    if (xgc_msg_op_encode(&op, &data, &len) == 0) {
        xgc_bus_publish(p->bus, topic, data, len);
        free(data);
    }
    xgc_log_write(phase == XGC_OP_FAILED ? XGC_LOG_WARN : XGC_LOG_INFO,
                  "op %s vm=%s phase=%s%s%s", verb, vm ? vm : "", xgc_op_phase_name(phase),
                  reason && reason[0] ? " reason=" : "", reason ? reason : "");
}

static const char *s_verb(xgc_op_kind_t kind)
{
    return kind == XGC_OP_CREATE ? "create"
         : kind == XGC_OP_DESTROY ? "destroy"
         : xgc_op_kind_name(kind);
}

/* --- operations ----------------------------------------------------------- */

static uint64_t s_op_begin(pmd_t *p, const char *vm, xgc_op_kind_t kind)
{
    s_op_t *op = s_push(&p->ops);
    if (!op)
        return 0;
    op->id = ++p->next_op;
    snprintf(op->vm, sizeof op->vm, "%s", vm);
    op->kind = kind;
    op->started_ms = xgc_log_mono_ms();
    return op->id;
}

static void s_op_forget(pmd_t *p, uint64_t id)
{
    for (size_t i = 0; i < p->ops.n; i++)
        if (((s_op_t *)s_at(&p->ops, i))->id == id) {
            s_drop(&p->ops, i);
            return;
        }
}

/* Count a failure of kind on vm (for the back-off), or clear it. */
static void s_failure(pmd_t *p, const char *vm, xgc_op_kind_t kind, int ok, const char *why)
{
    for (size_t i = 0; i < p->failures.n; i++) {
        xgc_rc_failure_t *f = s_at(&p->failures, i);
        if (strcmp(f->vm, vm) == 0 && f->kind == kind) {
            if (ok) {
                s_drop(&p->failures, i);
            } else {
                f->count++;
                f->last_ms = xgc_log_mono_ms();
                snprintf(f->reason, sizeof f->reason, "%s", why);
            }
            return;
        }
    }
    xgc_rc_failure_t *f = ok ? NULL : s_push(&p->failures);
    if (f) {
        snprintf(f->vm, sizeof f->vm, "%s", vm);
        f->kind = kind;
        f->count = 1;
        f->last_ms = xgc_log_mono_ms();
        snprintf(f->reason, sizeof f->reason, "%s", why);
    }
}

/* A started call was refused at once: it failed. */
static void s_refused(pmd_t *p, uint64_t id, const char *vm, xgc_op_kind_t kind,
                      const char *err)
{
    s_op_forget(p, id);
    s_failure(p, vm, kind, 0, err);
    s_publish_op(p, s_verb(kind), vm, XGC_OP_FAILED, err, 0);
}

static void s_driver_events(pmd_t *p)
{
    xgc_drv_event_t evs[32];
    size_t n;
    while ((n = xgc_driver_poll(p->drv, evs, 32)) > 0) {
        for (size_t i = 0; i < n; i++) {
            const xgc_drv_event_t *e = &evs[i];
            if (e->op_id)
                s_op_forget(p, e->op_id);
            if (e->kind <= XGC_OP_MIGRATE_IN)
                s_failure(p, e->vm, e->kind, e->ok, e->reason);
            s_publish_op(p, s_verb(e->kind), e->vm, e->ok ? XGC_OP_DONE : XGC_OP_FAILED,
                         e->reason, (double)e->elapsed_ms);
            p->dirty = 1;
        }
        if (n < 32)
            break;
    }
}

/* --- the replica, as reconcile inputs ------------------------------------ */

typedef struct {
    pmd_t *p;
    s_vec_t plan, remote, specs, peers;   /* peers: char[XGC_NAME_MAX] */
    int power_off, drain;
} s_inputs_t;

static void s_each_plan(void *arg, const char *key, const uint8_t *value, size_t len,
                        uint64_t seq)
{
    (void)key; (void)seq;
    s_inputs_t *in = arg;
    xgc_plan_entry_t e;
    char err[200];
    if (xgc_msg_plan_entry_decode(value, len, &e, err, sizeof err) < 0)
        return;
    xgc_rc_plan_t *r = s_push(&in->plan);
    if (!r)
        return;
    snprintf(r->vm, sizeof r->vm, "%s", e.vm);
    snprintf(r->host, sizeof r->host, "%s", e.host);
    snprintf(r->from, sizeof r->from, "%s", e.from);
    r->run = e.state == XGC_PLAN_RUN;
    r->cap_mhz = e.cap_mhz;
    r->weight = (int)e.weight;
    r->round = e.round;
}

static void s_each_spec(void *arg, const char *key, const uint8_t *value, size_t len,
                        uint64_t seq)
{
    (void)seq;
    s_inputs_t *in = arg;
    size_t kl = strlen(key);
    if (kl < 5 || strcmp(key + kl - 5, "/spec") != 0)
        return;
    xgc_vm_spec_t s;
    char err[200];
    if (xgc_msg_vm_spec_decode(value, len, &s, err, sizeof err) < 0)
        return;
    xgc_vm_spec_t *d = s_push(&in->specs);
    if (d)
        *d = s;
}

static void s_each_pm(void *arg, const char *key, const uint8_t *value, size_t len,
                      uint64_t seq)
{
    (void)seq;
    s_inputs_t *in = arg;
    pmd_t *p = in->p;
    char host[XGC_NAME_MAX], rest[200];
    if (sscanf(key, "pm/%63[^/]/%199s", host, rest) != 2)
        return;
    char err[200];
    int mine = strcmp(host, p->host) == 0;
    if (!mine && strcmp(rest, "alive") == 0) {
        char *peer = s_push(&in->peers);
        if (peer)
            snprintf(peer, XGC_NAME_MAX, "%s", host);
    } else if (!mine && strncmp(rest, "vm/", 3) == 0) {
        xgc_vm_actual_t a;
        if (xgc_msg_vm_actual_decode(value, len, &a, err, sizeof err) < 0)
            return;
        xgc_rc_remote_t *r = s_push(&in->remote);
        if (!r)
            return;
        snprintf(r->vm, sizeof r->vm, "%s", a.vm);
        snprintf(r->host, sizeof r->host, "%s", host);
        r->state = xgc_rc_state_parse(xgc_vm_state_name(a.state));
    } else if (mine && strcmp(rest, "power") == 0) {
        xgc_power_state_t ps;
        if (xgc_msg_power_state_decode(value, len, &ps, err, sizeof err) == 0)
            in->power_off = ps.state == XGC_POWER_OFF;
    } else if (mine && strcmp(rest, "admin") == 0) {
        xgc_pm_admin_t ad;
        if (xgc_msg_pm_admin_decode(value, len, &ad, err, sizeof err) == 0)
            in->drain = ad.drain;
    }
}

static void s_inputs_free(s_inputs_t *in)
{
    free(in->plan.items);
    free(in->remote.items);
    free(in->specs.items);
    free(in->peers.items);
}

static const xgc_vm_spec_t *s_spec_of(const s_inputs_t *in, const char *vm)
{
    long i = s_find_name(&in->specs, vm);
    return i < 0 ? NULL : s_at(&in->specs, (size_t)i);
}

/* Where a peer pmd receives migrations: its info's address. */
static int s_peer_addr(pmd_t *p, const char *host, char *out, size_t outlen)
{
    char key[200];
    snprintf(key, sizeof key, XGC_KEY_PM_INFO, host);
    size_t len;
    const uint8_t *v = xgc_bus_get(p->bus, key, &len, NULL);
    xgc_pm_spec_t pm;
    char err[200];
    if (!v || xgc_msg_pm_spec_decode(v, len, &pm, err, sizeof err) < 0 || !pm.address[0])
        return -1;
    snprintf(out, outlen, "%s", pm.address);
    return 0;
}

/* --- executing the actions ------------------------------------------------ */

static void s_execute(pmd_t *p, const s_inputs_t *in, const xgc_rc_action_t *a)
{
    char err[256] = "";
    xgc_vm_spec_t minimal;
    const xgc_vm_spec_t *spec = a->vm[0] ? s_spec_of(in, a->vm) : NULL;
    if (!spec && a->vm[0]) {
        memset(&minimal, 0, sizeof minimal);
        snprintf(minimal.name, sizeof minimal.name, "%s", a->vm);
        spec = &minimal;
    }
    uint64_t id;
    switch (a->kind) {
    case XGC_ACT_CREATE:
        id = s_op_begin(p, a->vm, XGC_OP_CREATE);
        if (xgc_driver_create(p->drv, spec, a->cap_mhz, a->weight, id, err, sizeof err) < 0)
            s_refused(p, id, a->vm, XGC_OP_CREATE, err);
        else
            s_publish_op(p, "create", a->vm, XGC_OP_START, a->reason, 0);
        break;
    case XGC_ACT_DESTROY:
        id = s_op_begin(p, a->vm, XGC_OP_DESTROY);
        if (xgc_driver_destroy_vm(p->drv, a->vm, id, err, sizeof err) < 0)
            s_refused(p, id, a->vm, XGC_OP_DESTROY, err);
        else
            s_publish_op(p, "destroy", a->vm, XGC_OP_START, a->reason, 0);
        break;
    case XGC_ACT_SET_SCHED:
        if (xgc_driver_set_sched(p->drv, a->vm, a->weight, a->cap_mhz, err, sizeof err) < 0)
            s_publish_op(p, "adjust", a->vm, XGC_OP_FAILED, err, 0);
        else {
            snprintf(err, sizeof err, "cap %.0f MHz, weight %d", a->cap_mhz, a->weight);
            s_publish_op(p, "adjust", a->vm, XGC_OP_DONE, err, 0);
        }
        break;
    case XGC_ACT_MIGRATE_OUT: {
        char addr[128];
        id = s_op_begin(p, a->vm, XGC_OP_MIGRATE_OUT);
        if (s_peer_addr(p, a->peer, addr, sizeof addr) < 0) {
            snprintf(err, sizeof err, "no migration address for %s in pm/%s/info", a->peer, a->peer);
            s_refused(p, id, a->vm, XGC_OP_MIGRATE_OUT, err);
        } else if (xgc_driver_migrate_out(p->drv, a->vm, addr, id, err, sizeof err) < 0) {
            s_refused(p, id, a->vm, XGC_OP_MIGRATE_OUT, err);
        } else {
            snprintf(err, sizeof err, "to %s (%s)", a->peer, addr);
            s_publish_op(p, "migrate_out", a->vm, XGC_OP_START, err, 0);
        }
        break;
    }
    case XGC_ACT_MIGRATE_IN: {
        char addr[128];
        id = s_op_begin(p, a->vm, XGC_OP_MIGRATE_IN);
        if (xgc_driver_migrate_in(p->drv, spec, id, addr, sizeof addr, err, sizeof err) < 0)
            s_refused(p, id, a->vm, XGC_OP_MIGRATE_IN, err);
        else
            s_publish_op(p, "migrate_in", a->vm, XGC_OP_START, a->reason, 0);
        break;
    }
    case XGC_ACT_POWER_OFF:
        if (p->power_off_cmd) {
            int rc = system(p->power_off_cmd);
            xgc_log_info("power off: ran '%s' (status %d)", p->power_off_cmd, rc);
        }
        if (xgc_driver_power(p->drv, 1, err, sizeof err) < 0 && !p->power_off_cmd)
            xgc_log_warn("power off: %s", err);
        s_publish_op(p, "power_off", "", XGC_OP_DONE, a->reason, 0);
        break;
    case XGC_ACT_POWER_ON:
        if (xgc_driver_power(p->drv, 0, err, sizeof err) < 0)
            xgc_log_warn("power on: %s", err);
        s_publish_op(p, "power_on", "", XGC_OP_START, a->reason, 0);
        break;
    }
}

/* --- reporting actual states ---------------------------------------------- */

static void s_write_actual(pmd_t *p, const xgc_vm_actual_t *a)
{
    char key[200];
    snprintf(key, sizeof key, XGC_KEY_PM_VM, p->host, a->vm);
    void *data;
    size_t len;
    if (xgc_msg_vm_actual_encode(a, &data, &len) == 0) {
        xgc_bus_set(p->bus, key, data, len, 0);
        free(data);
    }
}

/* Write the reports that changed, delete the keys of VMs no longer here. */
static void s_report(pmd_t *p, const xgc_rc_output_t *out)
{
    int64_t now = xgc_log_now_ms();
    for (size_t i = 0; i < out->report_n; i++) {
        const xgc_rc_report_t *r = &out->reports[i];
        xgc_vm_state_t st;
        if (xgc_vm_state_parse(xgc_rc_state_name(r->state), &st) < 0)
            continue;
        long k = s_find_name(&p->written, r->vm);
        xgc_vm_actual_t *w = k >= 0 ? s_at(&p->written, (size_t)k) : s_push(&p->written);
        if (!w)
            continue;
        if (k >= 0 && w->state == st && w->cap_mhz == r->cap_mhz &&
            w->weight == r->weight && strcmp(w->reason, r->reason) == 0)
            continue;
        if (k < 0 || w->state != st)
            w->since_ms = now;
        snprintf(w->vm, sizeof w->vm, "%s", r->vm);
        snprintf(w->host, sizeof w->host, "%s", p->host);
        w->state = st;
        w->cap_mhz = r->cap_mhz;
        w->weight = r->weight;
        w->alloc_mhz = r->cap_mhz;
        snprintf(w->reason, sizeof w->reason, "%s", r->reason);
        s_write_actual(p, w);
    }
    for (size_t i = 0; i < p->written.n; i++) {
        xgc_vm_actual_t *w = s_at(&p->written, i);
        size_t j = 0;
        while (j < out->report_n && strcmp(out->reports[j].vm, w->vm) != 0)
            j++;
        if (j < out->report_n)
            continue;
        char key[200];
        snprintf(key, sizeof key, XGC_KEY_PM_VM, p->host, w->vm);
        xgc_bus_del(p->bus, key);
        s_drop(&p->written, i--);
    }
}

/* After the first snapshot: what an earlier run of this pmd wrote. */
static void s_each_mine(void *arg, const char *key, const uint8_t *value, size_t len,
                        uint64_t seq)
{
    (void)key; (void)seq;
    pmd_t *p = arg;
    xgc_vm_actual_t a;
    char err[200];
    if (xgc_msg_vm_actual_decode(value, len, &a, err, sizeof err) < 0)
        return;
    xgc_vm_actual_t *w = s_push(&p->written);
    if (w)
        *w = a;
}

static void s_interest(pmd_t *p, const s_inputs_t *in, const xgc_rc_output_t *out);

/* --- one reconcile step ----------------------------------------------------- */

static void s_reconcile(pmd_t *p)
{
    char err[256];
    s_inputs_t in = { .p = p };
    in.plan.size = sizeof(xgc_rc_plan_t);
    in.remote.size = sizeof(xgc_rc_remote_t);
    in.specs.size = sizeof(xgc_vm_spec_t);
    in.peers.size = XGC_NAME_MAX;
    xgc_bus_foreach(p->bus, "plan/", s_each_plan, &in);
    xgc_bus_foreach(p->bus, "vm/", s_each_spec, &in);
    xgc_bus_foreach(p->bus, "pm/", s_each_pm, &in);

    xgc_dom_info_t *doms = NULL;
    size_t dom_n = 0;
    if (xgc_driver_list(p->drv, &doms, &dom_n, err, sizeof err) < 0 ||
        xgc_driver_host_info(p->drv, &p->hi, err, sizeof err) < 0) {
        xgc_log_limited_write(&p->rl, XGC_LOG_WARN, "driver: %s", err);
        free(doms);
        s_inputs_free(&in);
        return;
    }
    const char **peers = calloc(in.peers.n + 1, sizeof *peers);
    xgc_rc_op_t *ops = calloc(p->ops.n + 1, sizeof *ops);
    if (!peers || !ops) {
        free(peers); free(ops); free(doms);
        s_inputs_free(&in);
        return;
    }
    for (size_t i = 0; i < in.peers.n; i++)
        peers[i] = s_at(&in.peers, i);
    for (size_t i = 0; i < p->ops.n; i++) {
        const s_op_t *o = s_at(&p->ops, i);
        snprintf(ops[i].vm, sizeof ops[i].vm, "%s", o->vm);
        ops[i].kind = o->kind;
        ops[i].started_ms = o->started_ms;
    }
    xgc_rc_input_t rin = {
        .host = p->host, .now_ms = xgc_log_mono_ms(),
        .plan = in.plan.items, .plan_n = in.plan.n,
        .doms = doms, .dom_n = dom_n,
        .peers = peers, .peer_n = in.peers.n,
        .remote = in.remote.items, .remote_n = in.remote.n,
        .ops = ops, .op_n = p->ops.n,
        .failures = p->failures.items, .failure_n = p->failures.n,
        .waits = p->waits.items, .wait_n = p->waits.n,
        .specs = in.specs.items, .spec_n = in.specs.n,
        .free_mem_mb = p->hi.free_mem_mb,
        .core_mhz = p->hi.core_mhz,
        .power_off = in.power_off, .drain = in.drain, .powered_off = p->hi.powered_off,
        .backoff_base_ms = p->backoff_base_ms, .backoff_max_ms = p->backoff_max_ms,
        .lost_grace_ms = p->grace_ms,
    };
    xgc_rc_output_t out;
    if (xgc_reconcile(&rin, &out) == 0) {
        for (size_t i = 0; i < out.action_n; i++)
            s_execute(p, &in, &out.actions[i]);
        s_report(p, &out);
        s_interest(p, &in, &out);
        p->waits.n = 0;
        for (size_t i = 0; i < out.wait_n; i++) {
            xgc_rc_wait_t *w = s_push(&p->waits);
            if (w)
                *w = out.waits[i];
        }
        xgc_rc_output_free(&out);
    }
    free(peers);
    free(ops);
    free(doms);
    s_inputs_free(&in);
}

/* --- heartbeat, metrics, fencing -------------------------------------------- */

static void s_heartbeat(pmd_t *p)
{
    xgc_heartbeat_t hb = { .ts_ms = xgc_log_now_ms(), .pid = getpid(), .lease_ms = p->lease_ms };
    snprintf(hb.host, sizeof hb.host, "%s", p->host);
    char key[200];
    snprintf(key, sizeof key, XGC_KEY_PM_ALIVE, p->host);
    void *data;
    size_t len;
    if (xgc_msg_heartbeat_encode(&hb, &data, &len) == 0) {
        xgc_bus_set(p->bus, key, data, len, (uint64_t)p->lease_ms);
        free(data);
    }
}

static void s_register(pmd_t *p)
{
    xgc_pm_spec_t pm = p->pm;
    if (pm.cpu_mhz <= 0)
        pm.cpu_mhz = p->hi.cpu_mhz;
    if (pm.mem_mb <= 0)
        pm.mem_mb = p->hi.mem_mb;
    if (pm.cores <= 0)
        pm.cores = p->hi.cores;
    snprintf(pm.address, sizeof pm.address, "%.*s", (int)sizeof pm.address - 1,
             p->hi.migrate_addr);
    char key[200];
    snprintf(key, sizeof key, XGC_KEY_PM_INFO, p->host);
    void *data;
    size_t len;
    if (xgc_msg_pm_spec_encode(&pm, &data, &len) == 0) {
        xgc_bus_set(p->bus, key, data, len, 0);
        free(data);
    }
}

static void s_publish(pmd_t *p, const char *fmt, const char *name, void *data, size_t len)
{
    char topic[200];
    snprintf(topic, sizeof topic, fmt, name);
    xgc_bus_publish(p->bus, topic, data, len);
    free(data);
}

/* Per-VM CPU from the CPU-time counters, PM CPU and modelled power. */
static void s_metrics(pmd_t *p)
{
    xgc_dom_info_t *doms = NULL;
    size_t n = 0;
    char err[256];
    if (xgc_driver_list(p->drv, &doms, &n, err, sizeof err) < 0 ||
        xgc_driver_host_info(p->drv, &p->hi, err, sizeof err) < 0) {
        free(doms);
        return;
    }
    int64_t mono = xgc_log_mono_ms(), now = xgc_log_now_ms();
    double core = p->hi.core_mhz > 0 ? p->hi.core_mhz : 1000;
    double used = 0;
    int64_t running = 0;
    for (size_t i = 0; i < n; i++) {
        const xgc_dom_info_t *d = &doms[i];
        if (d->state != XGC_DOM_RUNNING && d->state != XGC_DOM_MIGRATING_OUT &&
            d->state != XGC_DOM_PAUSED)
            continue;
        running++;
        long k = s_find_name(&p->samples, d->name);
        s_sample_t *s = k >= 0 ? s_at(&p->samples, (size_t)k) : s_push(&p->samples);
        if (!s)
            continue;
        if (k >= 0 && mono > s->mono_ms && d->cpu_ns >= s->cpu_ns) {
            double frac = (double)(d->cpu_ns - s->cpu_ns) / ((double)(mono - s->mono_ms) * 1e6);
            xgc_metric_vm_t m = { .ts_ms = now, .cpu_mhz = frac * core, .cpu_pct = frac * 100,
                                  .resp_ms = -1, .alive = d->state != XGC_DOM_PAUSED };
            snprintf(m.vm, sizeof m.vm, "%s", d->name);
            snprintf(m.host, sizeof m.host, "%s", p->host);
            used += m.cpu_mhz;
            void *data;
            size_t len;
            if (xgc_msg_metric_vm_encode(&m, &data, &len) == 0)
                s_publish(p, XGC_TOPIC_METRIC_VM, d->name, data, len);
        }
        snprintf(s->vm, sizeof s->vm, "%s", d->name);
        s->cpu_ns = d->cpu_ns;
        s->mono_ms = mono;
    }
    for (size_t i = 0; i < p->samples.n; i++) {    /* forget VMs gone */
        const s_sample_t *s = s_at(&p->samples, i);
        size_t j = 0;
        while (j < n && strcmp(doms[j].name, s->vm) != 0)
            j++;
        if (j == n)
            s_drop(&p->samples, i--);
    }
    free(doms);
    double cap = p->hi.cpu_mhz > 0 ? p->hi.cpu_mhz : p->pm.cpu_mhz;
    double load = cap > 0 ? used / cap : 0;
    xgc_metric_pm_t m = { .ts_ms = now, .cpu_pct = load * 100, .cpu_mhz = used, .vms = running,
                          .power_w = p->hi.powered_off ? 0 : xgc_power_watts(&p->pm.power, load) };
    snprintf(m.host, sizeof m.host, "%s", p->host);
    void *data;
    size_t len;
    if (xgc_msg_metric_pm_encode(&m, &data, &len) == 0)
        s_publish(p, XGC_TOPIC_METRIC_PM, p->host, data, len);
}

/* Without the broker for half the lease: stop every VM (see the top). */
static void s_fence(pmd_t *p)
{
    xgc_dom_info_t *doms = NULL;
    size_t n = 0;
    char err[256];
    if (xgc_driver_list(p->drv, &doms, &n, err, sizeof err) < 0)
        return;
    xgc_log_warn("fencing: no broker for %lld ms (lease %lld ms); stopping %zu VM(s)",
                 (long long)(xgc_log_mono_ms() - p->last_contact_ms), (long long)p->lease_ms, n);
    for (size_t i = 0; i < n; i++) {
        uint64_t id = s_op_begin(p, doms[i].name, XGC_OP_DESTROY);
        if (xgc_driver_destroy_vm(p->drv, doms[i].name, id, err, sizeof err) < 0) {
            s_op_forget(p, id);
            xgc_log_warn("fencing %s: %s", doms[i].name, err);
        }
    }
    free(doms);
    p->fenced = 1;
}

/* --- bus callbacks ---------------------------------------------------------- */

/* Only changes that can alter this pmd's decisions trigger a reconcile at
 * once (the periodic one catches the rest): with hundreds of pmds, every
 * report of every pmd would otherwise wake every other one. */
static int s_relevant(pmd_t *p, const char *key, size_t len)
{
    char a[XGC_NAME_MAX], b[XGC_NAME_MAX], c[XGC_NAME_MAX];
    int mine;
    if (sscanf(key, "plan/%63[^/]/%63s", a, b) == 2)
        return strcmp(a, p->host) == 0 || s_find_name(&p->interest, b) >= 0;
    if (sscanf(key, "vm/%63[^/]/%63s", a, b) == 2)
        return s_find_name(&p->interest, a) >= 0;
    if (sscanf(key, "pm/%63[^/]/%63[^/]/%63s", a, b, c) == 3)      /* pm/<h>/vm/<vm> */
        return strcmp(a, p->host) != 0 && s_find_name(&p->interest, c) >= 0;
    if (sscanf(key, "pm/%63[^/]/%63s", a, b) != 2)
        return 0;
    mine = strcmp(a, p->host) == 0;
    if (strcmp(b, "alive") == 0)
        return !mine && len == 0;    /* a peer's heartbeat expired */
    return mine && (strcmp(b, "power") == 0 || strcmp(b, "admin") == 0);
}

static void s_on_change(void *arg, const char *key, const uint8_t *value, size_t len,
                        uint64_t seq)
{
    (void)value; (void)seq;
    pmd_t *p = arg;
    if (s_relevant(p, key, len))
        p->dirty = 1;
}

static void s_interest_add(pmd_t *p, const char *vm)
{
    char *e;
    if (s_find_name(&p->interest, vm) < 0 && (e = s_push(&p->interest)))
        snprintf(e, XGC_NAME_MAX, "%s", vm);
}

/* The VMs this pmd deals with: planned here, reported here, in flight. */
static void s_interest(pmd_t *p, const s_inputs_t *in, const xgc_rc_output_t *out)
{
    p->interest.n = 0;
    for (size_t i = 0; i < in->plan.n; i++) {
        const xgc_rc_plan_t *e = s_at(&in->plan, i);
        if (strcmp(e->host, p->host) == 0)
            s_interest_add(p, e->vm);
    }
    for (size_t i = 0; i < out->report_n; i++)
        s_interest_add(p, out->reports[i].vm);
    for (size_t i = 0; i < p->ops.n; i++)
        s_interest_add(p, ((s_op_t *)s_at(&p->ops, i))->vm);
}

/* --- set-up ------------------------------------------------------------------ */

static const xgc_yaml_node_t *s_pm_node(const xgc_config_t *cfg, const char *host)
{
    for (size_t i = 0; cfg->pms && i < cfg->pms->count; i++) {
        const xgc_yaml_node_t *item = cfg->pms->items[i];
        const xgc_yaml_node_t *name = xgc_yaml_get(item, "name");
        if (name && name->value && strcmp(name->value, host) == 0)
            return item;
    }
    return NULL;
}

static int s_setup(pmd_t *p, const char *state_dir, char *err, size_t errlen)
{
    xgc_pm_spec_t *pms = NULL;
    size_t n = 0;
    if (!p->cfg->pms || xgc_model_load_pms(p->cfg->pms, &pms, &n, err, errlen) < 0) {
        if (!p->cfg->pms)
            snprintf(err, errlen, "%s: no pms: section", p->cfg->path);
        return -1;
    }
    size_t i = 0;
    while (i < n && strcmp(pms[i].name, p->host) != 0)
        i++;
    if (i == n) {
        snprintf(err, errlen, "%s: no PM named '%s' under pms:", p->cfg->path, p->host);
        free(pms);
        return -1;
    }
    p->pm = pms[i];
    free(pms);
    if (zsys_dir_create("%s", state_dir) < 0) {
        snprintf(err, errlen, "cannot create %s: %s", state_dir, strerror(errno));
        return -1;
    }
    const xgc_yaml_node_t *node = s_pm_node(p->cfg, p->host);
    xgc_driver_env_t env = { .host = p->host, .pm = &p->pm, .state_dir = state_dir,
                             .cfg = p->cfg };
    p->drv = xgc_driver_new(p->pm.driver[0] ? p->pm.driver : "sim",
                            node ? xgc_yaml_get(node, "driver_opts") : NULL, &env, err, errlen);
    if (!p->drv || xgc_driver_host_info(p->drv, &p->hi, err, errlen) < 0)
        return -1;
    char ident[128];
    snprintf(ident, sizeof ident, "pmd-%s", p->host);
    p->bus = xgc_bus_new(p->cfg, ident);
    if (!p->bus) {
        snprintf(err, errlen, "bad broker endpoint '%s'", p->cfg->broker_endpoint);
        return -1;
    }
    xgc_bus_handlers_t h = { .change = s_on_change };
    xgc_bus_set_handlers(p->bus, &h, p);
    xgc_bus_watch(p->bus, "plan/");
    xgc_bus_watch(p->bus, "pm/");
    xgc_bus_watch(p->bus, "vm/");
    return 0;
}

static int s_args(pmd_t *p, int argc, char **argv, const char **state_dir)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end = NULL;
        long long x = v ? strtoll(v, &end, 10) : 0;
        int num_ok = v && end && end != v && *end == '\0' && x > 0;
        if (!strcmp(a, "--host") && v)
            p->host = v;
        else if (!strcmp(a, "--state-dir") && v)
            *state_dir = v;
        else if (!strcmp(a, "--power-off-cmd") && v)
            p->power_off_cmd = v;
        else if (!strcmp(a, "--interval-ms") && num_ok)
            p->interval_ms = x;
        else if (!strcmp(a, "--lease-ms") && num_ok)
            p->lease_ms = x;
        else if (!strcmp(a, "--grace-ms") && num_ok)
            p->grace_ms = x;
        else if (!strcmp(a, "--backoff-ms") && v &&
                 sscanf(v, "%" SCNd64 ",%" SCNd64, &p->backoff_base_ms, &p->backoff_max_ms) == 2 &&
                 p->backoff_base_ms > 0 && p->backoff_max_ms >= p->backoff_base_ms)
            ;
        else {
            fprintf(stderr, "xgc-pmd: bad argument '%s'%s%s\n%s", a, v ? " " : "", v ? v : "",
                    s_usage);
            return -1;
        }
        i++;
    }
    if (!p->host) {
        fprintf(stderr, "xgc-pmd: --host NAME is required\n%s", s_usage);
        return -1;
    }
    return 0;
}

/* --- the loop ----------------------------------------------------------------- */

static void s_tick(pmd_t *p)
{
    int64_t now = xgc_log_mono_ms();
    s_driver_events(p);
    if (xgc_bus_synced(p->bus)) {
        if (!p->ever_synced) {
            xgc_log_info("synced with the broker; adopting what the hypervisor runs");
            p->written.n = 0;
            char prefix[200];
            snprintf(prefix, sizeof prefix, "pm/%s/vm/", p->host);
            xgc_bus_foreach(p->bus, prefix, s_each_mine, p);
            s_register(p);
            p->dirty = 1;
        } else if (p->fenced) {
            xgc_log_info("broker is back after fencing; reconciling");
        }
        p->fenced = 0;
        p->ever_synced = 1;
        p->last_contact_ms = now;
    } else if (!p->fenced && now - p->last_contact_ms > p->lease_ms / 2) {
        /* also right after a start: a pmd that cannot reach the broker
         * must assume its heartbeat expired and its VMs were re-placed */
        s_fence(p);
    }
    if (now >= p->next_hb_ms) {
        s_heartbeat(p);
        p->next_hb_ms = now + p->lease_ms / 4;
    }
    int due = now >= p->next_reconcile_ms || (p->dirty && now - p->last_reconcile_ms >= 50);
    if (p->ever_synced && !p->fenced && xgc_bus_synced(p->bus) && due) {
        p->dirty = 0;
        s_reconcile(p);
        p->last_reconcile_ms = now;
        /* with nothing pending, the periodic pass is only a safety net */
        int pending = p->ops.n || p->failures.n || p->waits.n;
        p->next_reconcile_ms = now + p->interval_ms * (pending ? 1 : 5);
    }
    if (now >= p->next_metric_ms) {
        s_metrics(p);
        p->next_metric_ms = now + p->interval_ms;
    }
}

int main(int argc, char **argv)
{
    xgc_config_t *cfg = xgc_config_load_arg(&argc, argv, s_usage);
    pmd_t p = {
        .cfg = cfg, .interval_ms = 1000, .lease_ms = 15000, .backoff_base_ms = 5000,
        .backoff_max_ms = 300000, .grace_ms = 10000,
        .ops.size = sizeof(s_op_t), .failures.size = sizeof(xgc_rc_failure_t),
        .waits.size = sizeof(xgc_rc_wait_t), .written.size = sizeof(xgc_vm_actual_t),
        .samples.size = sizeof(s_sample_t), .interest.size = XGC_NAME_MAX,
    };
    const char *state_dir = NULL;
    if (s_args(&p, argc, argv, &state_dir) < 0) {
        xgc_config_destroy(&cfg);
        return 2;
    }
    char ctx[100], dir[XGC_PATH_MAX + 80], err[XGC_ERR_MAX];
    snprintf(ctx, sizeof ctx, "host=%s", p.host);
    xgc_log_init("pmd", ctx);
    if (cfg->log_level[0])
        xgc_log_set_level_name(cfg->log_level);
    xgc_ratelimit_init(&p.rl, 5, 10000);
    if (!state_dir) {
        snprintf(dir, sizeof dir, "%s/pmd-%s", cfg->data_dir, p.host);
        state_dir = dir;
    }
    int rc = 0;
    if (s_setup(&p, state_dir, err, sizeof err) < 0) {
        fprintf(stderr, "xgc-pmd: %s\n", err);
        rc = 2;
    } else {
        p.last_contact_ms = xgc_log_mono_ms();
        xgc_log_info("started driver=%s migrate=%s lease_ms=%lld interval_ms=%lld",
                     xgc_driver_name(p.drv), p.hi.migrate_addr, (long long)p.lease_ms,
                     (long long)p.interval_ms);
        while (!zsys_interrupted) {
            if (xgc_bus_poll(p.bus, 50) < 0)
                break;
            s_tick(&p);
        }
        xgc_log_info("stopping; the VMs keep running");
        xgc_bus_flush(p.bus, 1000);
    }
    xgc_bus_destroy(&p.bus);
    xgc_driver_destroy(&p.drv);
    free(p.ops.items); free(p.failures.items); free(p.waits.items);
    free(p.written.items); free(p.samples.items); free(p.interest.items);
    xgc_config_destroy(&cfg);
    return rc;
}
