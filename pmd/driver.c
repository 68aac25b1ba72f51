/* driver — the registry of hypervisor drivers and the thin dispatch from an
 * instance to its class. A driver is a const xgc_driver_class_t defined in
 * its own file (driver_sim.c, driver_xl.c, driver_qemu.c); the table below
 * names them. The references are weak so that a build without one of the
 * files (e.g. driver_qemu.c not merged yet) still links: a missing class
 * is simply not found.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include "pmd/driver.h"



#pragma weak xgc_driver_qemu

struct xgc_driver_t {
    const xgc_driver_class_t *cls;
    void *self;
};

static const xgc_driver_class_t *s_table(size_t i)
{
    switch (i) {
    case 0: return &xgc_driver_sim;
    case 1: return &xgc_driver_xl;
    case 2: return &xgc_driver_qemu;
    default: return NULL;
    }
}
#define S_TABLE_N 3

const xgc_driver_class_t *xgc_driver_find(const char *name)
{
    for (size_t i = 0; name && i < S_TABLE_N; i++) {
        const xgc_driver_class_t *c = s_table(i);
        if (c && c->name && strcmp(c->name, name) == 0)
            return c;
    }
    return NULL;
}

const char *xgc_driver_names(void)
{
    static char names[64];
    names[0] = '\0';
    for (size_t i = 0; i < S_TABLE_N; i++) {
        const xgc_driver_class_t *c = s_table(i);
        if (!c)
            continue;
        size_t len = strlen(names);
        snprintf(names + len, sizeof names - len, "%s%s", len ? ", " : "", c->name);
    }
    return names;
}

xgc_driver_t *xgc_driver_new(const char *name, const xgc_yaml_node_t *opts,
                             const xgc_driver_env_t *env,
                             char *err, size_t errlen)
{
    const xgc_driver_class_t *cls = xgc_driver_find(name);
    if (!cls) {
        snprintf(err, errlen, "unknown driver '%s' (known: %s)",
                 name ? name : "", xgc_driver_names());
        return NULL;
    }
    void *inst = cls->create_instance(opts, env, err, errlen);
    if (!inst)
        return NULL;
    xgc_driver_t *self = calloc(1, sizeof *self);
    if (!self) {
        cls->destroy_instance(inst);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    self->cls = cls;
    self->self = inst;
    return self;
}

void xgc_driver_destroy(xgc_driver_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    (*self_p)->cls->destroy_instance((*self_p)->self);
    free(*self_p);
    *self_p = NULL;
}

const char *xgc_driver_name(const xgc_driver_t *self)
{
    return self->cls->name;
}

static int s_unsupported(const xgc_driver_t *self, const char *what,
                         char *err, size_t errlen)
{
    snprintf(err, errlen, "driver %s does not support %s", self->cls->name, what);
    return -1;
}

int xgc_driver_host_info(xgc_driver_t *self, xgc_host_info_t *out,
                         char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    return self->cls->host_info(self->self, out, err, errlen);
}

int xgc_driver_list(xgc_driver_t *self, xgc_dom_info_t **doms, size_t *count,
                    char *err, size_t errlen)
{
    *doms = NULL;
    *count = 0;
    return self->cls->list(self->self, doms, count, err, errlen);
}

int xgc_driver_create(xgc_driver_t *self, const xgc_vm_spec_t *spec,
                      double cap_mhz, int weight, uint64_t op_id,
                      char *err, size_t errlen)
{
    return self->cls->create(self->self, spec, cap_mhz, weight, op_id, err, errlen);
}

int xgc_driver_destroy_vm(xgc_driver_t *self, const char *vm, uint64_t op_id,
                          char *err, size_t errlen)
{
    return self->cls->destroy(self->self, vm, op_id, err, errlen);
}

int xgc_driver_set_sched(xgc_driver_t *self, const char *vm, int weight,
                         double cap_mhz, char *err, size_t errlen)
{
    if (!self->cls->set_sched)
        return s_unsupported(self, "weight/cap", err, errlen);
    return self->cls->set_sched(self->self, vm, weight, cap_mhz, err, errlen);
}

int xgc_driver_migrate_out(xgc_driver_t *self, const char *vm,
                           const char *dest_addr, uint64_t op_id,
                           char *err, size_t errlen)
{
    if (!self->cls->migrate_out)
        return s_unsupported(self, "migration", err, errlen);
    return self->cls->migrate_out(self->self, vm, dest_addr, op_id, err, errlen);
}

int xgc_driver_migrate_in(xgc_driver_t *self, const xgc_vm_spec_t *spec,
                          uint64_t op_id, char *addr, size_t addrlen,
                          char *err, size_t errlen)
{
    if (!self->cls->migrate_in)
        return s_unsupported(self, "migration", err, errlen);
    return self->cls->migrate_in(self->self, spec, op_id, addr, addrlen, err, errlen);
}

int xgc_driver_fd(xgc_driver_t *self)
{
    return self->cls->fd ? self->cls->fd(self->self) : -1;
}

size_t xgc_driver_poll(xgc_driver_t *self, xgc_drv_event_t *out, size_t max)
{
    return self->cls->poll ? self->cls->poll(self->self, out, max) : 0;
}

int xgc_driver_power(xgc_driver_t *self, int off, char *err, size_t errlen)
{
    if (!self->cls->power)
        return s_unsupported(self, "power control", err, errlen);
    return self->cls->power(self->self, off, err, errlen);
}

int xgc_driver_inject_load(xgc_driver_t *self, const char *vm, double cpu_mhz)
{
    return self->cls->inject_load ? self->cls->inject_load(self->self, vm, cpu_mhz) : -1;
}

int xgc_driver_cap_pct(double cap_mhz, double core_mhz)
{
    if (cap_mhz <= 0 || core_mhz <= 0)
        return 0;
    double pct = ceil(cap_mhz * 100.0 / core_mhz - 1e-9);
    return pct < 1 ? 1 : (int)pct;
}

int xgc_driver_cap_pct_vcpus(double cap_mhz, double core_mhz, int vcpus)
{
    int pct = xgc_driver_cap_pct(cap_mhz, core_mhz);
    return vcpus > 0 && pct > 100 * vcpus ? 100 * vcpus : pct;
}

double xgc_driver_cap_mhz(int cap_pct, double core_mhz)
{
    return cap_pct <= 0 ? 0 : cap_pct * core_mhz / 100.0;
}

const char *xgc_dom_state_name(xgc_dom_state_t state)
{
    static const char *names[] = {
        "running", "creating", "paused", "migrating_out", "migrating_in",
        "indoubt", "stopping", "dead"
    };
    return (unsigned)state < sizeof names / sizeof *names ? names[state] : "?";
}

const char *xgc_op_kind_name(xgc_op_kind_t kind)
{
    static const char *names[] = {
        "?", "create", "destroy", "migrate_out", "migrate_in",
        "guest_shutdown", "guest_reboot", "guest_crash"
    };
    return (unsigned)kind < sizeof names / sizeof *names ? names[kind] : "?";
}
