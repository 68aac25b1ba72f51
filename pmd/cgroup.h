/* cgroup — a CPU cgroup per VM: the QEMU analogue of Xen's credit
 * scheduler cap and weight, and the VM's CPU time.
 *
 * cgroup v1 (what this machine has): the `cpu` and `cpuacct` controllers,
 * mounted separately or together; a VM's group is created in both, the cap
 * is cpu.cfs_quota_us / cpu.cfs_period_us, the weight cpu.shares, the CPU
 * time cpuacct.usage. cgroup v2 (when the unified hierarchy has the cpu
 * controller): cpu.max, cpu.weight and cpu.stat usage_usec.
 *
 * A group lives at <mount>/<parent>/<name>, e.g. /sys/fs/cgroup/cpu/xgc/pm1/vm3.
 * The mount root is a parameter so that the file handling is unit tested
 * on an ordinary directory; the conversions are pure functions.
 */
#ifndef XGC_CGROUP_H
#define XGC_CGROUP_H

#include <stddef.h>
#include <stdint.h>

typedef enum { XGC_CGROUP_NONE = 0, XGC_CGROUP_V1, XGC_CGROUP_V2 } xgc_cgroup_version_t;

typedef struct _xgc_cgroup_t xgc_cgroup_t;

/* Which hierarchy under root ("/sys/fs/cgroup" normally) can cap CPU:
 * V1 when root/cpu (or root/cpu,cpuacct) has cpu.cfs_quota_us, V2 when
 * root/cgroup.controllers lists cpu, else NONE. */
xgc_cgroup_version_t xgc_cgroup_detect(const char *root);

/* Create (or reuse) the group parent/name under root and return a handle;
 * NULL with a reason. On V2 the cpu controller is enabled in the parents'
 * cgroup.subtree_control. */
xgc_cgroup_t *xgc_cgroup_new(const char *root, const char *parent, const char *name,
                             char *err, size_t errlen);
/* The handle without touching the file system when the group exists, NULL
 * when it does not (adoption after a restart). */
xgc_cgroup_t *xgc_cgroup_open(const char *root, const char *parent, const char *name);
/* Free the handle; the group stays. */
void xgc_cgroup_destroy(xgc_cgroup_t **self_p);
/* Remove the group (it must be empty: its processes gone), retrying for up
 * to timeout_ms while the kernel finishes the exit; then free the handle. */
int xgc_cgroup_remove(xgc_cgroup_t **self_p, int timeout_ms, char *err, size_t errlen);

/* Remove the parent groups under root (deepest first) that are empty; a
 * busy one stays. For a driver that shuts down with no VMs left. */
void xgc_cgroup_prune(const char *root, const char *parent);

xgc_cgroup_version_t xgc_cgroup_version(const xgc_cgroup_t *self);

/* Move a process (all its threads) into the group. */
int xgc_cgroup_attach(xgc_cgroup_t *self, int pid, char *err, size_t errlen);
/* Cap in percent of one CPU (100 = one full core, 0 = no cap). */
int xgc_cgroup_set_cap(xgc_cgroup_t *self, int cap_pct, char *err, size_t errlen);
/* Xen-style weight (1..65535, 256 = default). */
int xgc_cgroup_set_weight(xgc_cgroup_t *self, int weight, char *err, size_t errlen);
/* The current cap (percent, 0 = none) and weight, read back. -1 on error. */
int xgc_cgroup_cap(xgc_cgroup_t *self);
int xgc_cgroup_weight(xgc_cgroup_t *self);
/* Cumulative CPU time of the group in ns; -1 on error. */
int64_t xgc_cgroup_usage_ns(xgc_cgroup_t *self);
/* Number of processes in the group; -1 on error. */
int xgc_cgroup_nprocs(xgc_cgroup_t *self);

/* --- pure conversions ---------------------------------------------------- */
/* The quota period. Short, because a capped qemu's QMP thread shares the
 * quota with its vCPU: at 25 % of 100 ms it could wait 75 ms to answer;
 * at 20 ms, 15 ms. Caps stay exact (docs/benchmarks/qemu.md). */
#define XGC_CGROUP_PERIOD_US 20000

/* v1 cpu.cfs_quota_us for a cap (-1 = none). */
long xgc_cgroup_v1_quota(int cap_pct);
/* Cap percent from a quota and period (0 for a quota < 0). */
int xgc_cgroup_cap_from_quota(long quota_us, long period_us);
/* v1 cpu.shares from a Xen weight (256 -> 1024), clamped to 2..262144. */
long xgc_cgroup_v1_shares(int weight);
int xgc_cgroup_weight_from_shares(long shares);
/* v2 cpu.weight (1..10000, default 100) from a Xen weight, and back. */
long xgc_cgroup_v2_weight(int weight);
int xgc_cgroup_weight_from_v2(long v2);
/* v2 cpu.max contents for a cap ("max 100000" when none), and its parse. */
void xgc_cgroup_v2_max(int cap_pct, char *buf, size_t len);
int xgc_cgroup_cap_from_v2_max(const char *text);
/* The usage_usec value of a v2 cpu.stat text, in ns; -1 if absent. */
int64_t xgc_cgroup_v2_usage_ns(const char *cpu_stat);

#endif
