/* driver — the one small interface between the pmd and a hypervisor.
 *
 * The pmd decides *what* to do (pmd/reconcile.h, a pure function); a driver
 * does it on one host: Xen through libxenlight (`xl`), a simulated
 * hypervisor inside the pmd (`sim`, the embedded default), or QEMU/KVM
 * (`qemu`). Drivers register by name in a small table (pmd/driver.c), and
 * each gets its settings from the PM's `driver_opts` YAML mapping.
 *
 * Contract (every driver):
 *
 *  - Threading: all calls come from the pmd's one loop thread. No call may
 *    block for long (no more than a few ms): long operations (create,
 *    destroy, migrate out, migrate in) are *started* by a call that returns
 *    at once, and finish later. A driver may use threads or child processes
 *    internally; the pmd never sees them.
 *  - Completion: the driver exposes one file descriptor (xgc_driver_fd; -1
 *    if it has none) that becomes readable when something finished; the
 *    pmd polls it in its loop and also calls xgc_driver_poll() on every tick
 *    (at least once a second). xgc_driver_poll() returns finished
 *    operations and unsolicited guest events (shutdown, reboot, crash) as
 *    xgc_drv_event_t. It never blocks.
 *  - Operation ids: the pmd passes an op id (> 0, unique per pmd run) with
 *    every long operation; the finished event carries it back. Exactly one
 *    finished event (done or failed, with a reason) per started operation,
 *    unless the driver is destroyed first.
 *  - Ownership: strings passed in are copied if kept; arrays returned by
 *    xgc_driver_list() are allocated by the driver and freed by the caller
 *    with free(). The driver owns its domains' bookkeeping; the pmd keeps
 *    none it cannot rebuild from xgc_driver_list() (restart = adopt).
 *  - Persistence: the domains a driver lists must survive a pmd restart
 *    (they do for Xen and QEMU; the sim driver keeps them in a state file).
 *  - Units:
 *      cpu_ns       cumulative CPU time of a domain in nanoseconds (all its
 *                   vCPUs together), as libxl_dominfo.cpu_time.
 *      cap_mhz      upper bound of the CPU the domain may use, in MHz of the
 *                   host's cores; 0 = no cap. Xen's cap is a percentage of
 *                   one physical CPU: a driver converts with
 *                   xgc_driver_cap_pct(cap_mhz, core_mhz) (rounded up, so
 *                   the VM never gets less than the plan's cap), and back
 *                   with cap_pct * core_mhz / 100.
 *      weight       Xen credit/credit2 weight, 1..65535 (256 = Xen's
 *                   default); 0 = leave unchanged / default.
 *      mem_mb       MiB.
 *  - Errors: every call returns 0 on success or -1 with a message in err
 *    (naming the VM and the reason); a refused call changes nothing.
 *  - Migration: the destination pmd calls xgc_driver_migrate_in() for a VM
 *    it expects (its plan entry has `from`); the driver prepares to receive
 *    it and returns the address the source must send to (usually its fixed
 *    listener, also given as xgc_host_info_t.migrate_addr and published in
 *    `pm/<host>/info`.address). The source pmd calls
 *    xgc_driver_migrate_out(vm, addr) once it sees the destination report
 *    the VM as migrating_in. A receiver refuses a VM it was not told to
 *    expect. The VM runs on exactly one side except inside the protocol's
 *    switch-over (see pmd/xlmig.h and docs/pmd.md); a broken migration
 *    leaves it running at the source (before the "go") or at the
 *    destination (after).
 */
#ifndef XGC_PMD_DRIVER_H
#define XGC_PMD_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "xgc_config.h"
#include "xgc_model.h"
#include "xgc_yaml.h"

/* What a domain is doing, as the driver sees it. */
typedef enum {
    XGC_DOM_RUNNING = 0,     /* running (or blocked/idle) */
    XGC_DOM_CREATING,        /* being built, not yet running */
    XGC_DOM_PAUSED,          /* paused by someone else; counts as here */
    XGC_DOM_MIGRATING_OUT,   /* running here, being sent away */
    XGC_DOM_MIGRATING_IN,    /* being received; not yet running here */
    XGC_DOM_INDOUBT,         /* sender side after "go" without the final
                                report: suspended here, maybe running there */
    XGC_DOM_STOPPING,        /* shutdown/destroy in progress */
    XGC_DOM_DEAD             /* shut down or crashed, awaiting cleanup */
} xgc_dom_state_t;

typedef struct {
    char name[XGC_NAME_MAX];
    xgc_dom_state_t state;
    uint64_t cpu_ns;         /* cumulative CPU time, ns */
    int vcpus;
    double mem_mb;
    double cap_mhz;          /* current cap, 0 = none */
    int weight;              /* current weight */
} xgc_dom_info_t;

typedef struct {
    int cores;               /* physical CPUs */
    double core_mhz;         /* MHz of one core */
    double cpu_mhz;          /* cores * core_mhz */
    double mem_mb;           /* total */
    double free_mem_mb;      /* free for new domains */
    char migrate_addr[128];  /* where to send VMs to this host, e.g.
                                "tcp://10.0.0.2:7411"; "" = no migration */
    int powered_off;         /* 1 while the host is off or still waking up
                                (sim); creates are refused meanwhile */
} xgc_host_info_t;

typedef enum {
    XGC_OP_CREATE = 1,
    XGC_OP_DESTROY,          /* graceful shutdown, then destroy */
    XGC_OP_MIGRATE_OUT,
    XGC_OP_MIGRATE_IN,
    XGC_EV_GUEST_SHUTDOWN,   /* unsolicited: guest powered itself off */
    XGC_EV_GUEST_REBOOT,     /* unsolicited: guest rebooted (driver restarted it) */
    XGC_EV_GUEST_CRASH       /* unsolicited: guest crashed */
} xgc_op_kind_t;

typedef struct {
    uint64_t op_id;          /* 0 for unsolicited guest events */
    xgc_op_kind_t kind;
    char vm[XGC_NAME_MAX];
    int ok;                  /* 1 done, 0 failed */
    char reason[160];        /* why it failed, or a note */
    int64_t elapsed_ms;      /* wall time the operation took */
} xgc_drv_event_t;

/* What the pmd hands every driver besides its `driver_opts`. */
typedef struct {
    const char *host;        /* this PM's name */
    const xgc_pm_spec_t *pm; /* the PM as configured (capacity may be 0 =
                                ask the hypervisor) */
    const char *state_dir;   /* a directory the driver may keep files in */
    const xgc_config_t *cfg; /* the deployment (NULL: none), for what is not
                                in driver_opts: qemu reads its security: */
} xgc_driver_env_t;

/* A driver class: a name and its operations. `self` is the driver's own
 * instance. Optional operations may be NULL. */
typedef struct {
    const char *name;
    void *(*create_instance)(const xgc_yaml_node_t *opts,
                             const xgc_driver_env_t *env,
                             char *err, size_t errlen);
    void (*destroy_instance)(void *self);
    int (*host_info)(void *self, xgc_host_info_t *out, char *err, size_t errlen);
    int (*list)(void *self, xgc_dom_info_t **doms, size_t *count,
                char *err, size_t errlen);
    int (*create)(void *self, const xgc_vm_spec_t *spec, double cap_mhz,
                  int weight, uint64_t op_id, char *err, size_t errlen);
    int (*destroy)(void *self, const char *vm, uint64_t op_id,
                   char *err, size_t errlen);
    int (*set_sched)(void *self, const char *vm, int weight, double cap_mhz,
                     char *err, size_t errlen);
    int (*migrate_out)(void *self, const char *vm, const char *dest_addr,
                       uint64_t op_id, char *err, size_t errlen);
    int (*migrate_in)(void *self, const xgc_vm_spec_t *spec, uint64_t op_id,
                      char *addr, size_t addrlen, char *err, size_t errlen);
    int (*fd)(void *self);
    size_t (*poll)(void *self, xgc_drv_event_t *out, size_t max);
    /* optional: power the host off (1) or on (0) — the sim driver sleeps */
    int (*power)(void *self, int off, char *err, size_t errlen);
    /* optional: inject a VM's CPU demand in MHz (sim driver), < 0 = model */
    int (*inject_load)(void *self, const char *vm, double cpu_mhz);
} xgc_driver_class_t;

typedef struct xgc_driver_t xgc_driver_t;

/* The class registered under name ("sim", "xl", "qemu"), or NULL. */
const xgc_driver_class_t *xgc_driver_find(const char *name);
/* Comma-separated names of the registered drivers, for error messages. */
const char *xgc_driver_names(void);

/* A driver instance of class `name` with settings `opts` (a YAML mapping
 * or NULL). NULL with a reason in err. */
xgc_driver_t *xgc_driver_new(const char *name, const xgc_yaml_node_t *opts,
                             const xgc_driver_env_t *env,
                             char *err, size_t errlen);
void xgc_driver_destroy(xgc_driver_t **self_p);
const char *xgc_driver_name(const xgc_driver_t *self);

int xgc_driver_host_info(xgc_driver_t *self, xgc_host_info_t *out,
                         char *err, size_t errlen);
int xgc_driver_list(xgc_driver_t *self, xgc_dom_info_t **doms, size_t *count,
                    char *err, size_t errlen);
int xgc_driver_create(xgc_driver_t *self, const xgc_vm_spec_t *spec,
                      double cap_mhz, int weight, uint64_t op_id,
                      char *err, size_t errlen);
int xgc_driver_destroy_vm(xgc_driver_t *self, const char *vm, uint64_t op_id,
                          char *err, size_t errlen);
int xgc_driver_set_sched(xgc_driver_t *self, const char *vm, int weight,
                         double cap_mhz, char *err, size_t errlen);
int xgc_driver_migrate_out(xgc_driver_t *self, const char *vm,
                           const char *dest_addr, uint64_t op_id,
                           char *err, size_t errlen);
int xgc_driver_migrate_in(xgc_driver_t *self, const xgc_vm_spec_t *spec,
                          uint64_t op_id, char *addr, size_t addrlen,
                          char *err, size_t errlen);
int xgc_driver_fd(xgc_driver_t *self);
size_t xgc_driver_poll(xgc_driver_t *self, xgc_drv_event_t *out, size_t max);
int xgc_driver_power(xgc_driver_t *self, int off, char *err, size_t errlen);
int xgc_driver_inject_load(xgc_driver_t *self, const char *vm, double cpu_mhz);

/* Units helpers (pure). Xen cap in % of one pCPU for cap_mhz on cores of
 * core_mhz, rounded up; 0 stays 0 (no cap). */
int xgc_driver_cap_pct(double cap_mhz, double core_mhz);
double xgc_driver_cap_mhz(int cap_pct, double core_mhz);
/* The same for a domain of `vcpus` vCPUs (0 = unknown: no limit): at most
 * 100 % per vCPU, which Xen refuses to exceed ("Cpu cap out of range") and
 * which is no limit anyway. A plan cap of one core's nominal MHz on a core
 * that physinfo measures a little slower (2599.999 MHz) would be 101 %. */
int xgc_driver_cap_pct_vcpus(double cap_mhz, double core_mhz, int vcpus);

const char *xgc_dom_state_name(xgc_dom_state_t state);
const char *xgc_op_kind_name(xgc_op_kind_t kind);

/* Registered classes (defined by each driver_*.c). A driver file defines
 * exactly one `const xgc_driver_class_t xgc_driver_<name>`. driver.c refers
 * to them weakly, so a build without one of the files links (the driver is
 * then not found); because a weak reference does not pull an object out of
 * build/libxgc.a, the xgc-pmd binary lists pmd/driver_*.c in its own
 * sources (pmd/module.mk), and a unit test that needs a driver refers to
 * its class by name. */
extern const xgc_driver_class_t xgc_driver_sim;
extern const xgc_driver_class_t xgc_driver_xl;
extern const xgc_driver_class_t xgc_driver_qemu;

#endif
