/* xgc_model — what the cluster is made of: physical machines (PMs) and the
 * specifications of virtual machines (VMs), as every component sees them.
 *
 * Plain data, shared by the YAML loaders, the codec (state values
 * `pm/<host>/info` and `vm/<name>/spec`), the placement core, the pmd and the
 * tools. Units: CPU in MHz, memory in MB, utility and power cost in the same
 * (arbitrary) utility units per planning period, power in watts.
 * See ../shared/ALGORITHMS.md for the meaning of min, max, shares, utility.
 */
#ifndef XGC_MODEL_H
#define XGC_MODEL_H

#include <stddef.h>

#include "xgc_yaml.h"

#define XGC_NAME_MAX 64          /* names of PMs and VMs, NUL included */
#define XGC_POWER_POINTS 11      /* SPECpower table: W at 0, 10, ..., 100 % */

typedef struct {
    double idle_w, peak_w;       /* linear model, used when table_n == 0 */
    int table_n;                 /* 0 or XGC_POWER_POINTS */
    double table_w[XGC_POWER_POINTS];
} xgc_power_model_t;

typedef struct {
    char name[XGC_NAME_MAX];
    double cpu_mhz;              /* capacity C_j */
    double mem_mb;               /* memory R_j */
    int cores;                   /* 0 = unknown */
    double power_cost;           /* P_j, charged while the PM hosts a VM */
    xgc_power_model_t power;     /* watts, for energy reports */
    char driver[16];             /* hypervisor driver: sim | xl | qemu */
    char address[64];            /* where its pmd is reached (migrations), may be "" */
} xgc_pm_spec_t;

typedef struct {
    char name[XGC_NAME_MAX];
    double min_mhz, max_mhz;     /* min ≤ max */
    double shares;               /* > 0, Xen weight */
    double mem_mb;
    double utility_min, utility_max;   /* utility at min and at max, linear between */
    char image[256];             /* driver-specific: xl config, qemu kernel, ""=default */
} xgc_vm_spec_t;

/* Validation: 0, or -1 with a reason naming the VM/PM and the field. */
int xgc_pm_spec_validate(const xgc_pm_spec_t *pm, char *err, size_t errlen);
int xgc_vm_spec_validate(const xgc_vm_spec_t *vm, char *err, size_t errlen);

/* Watts drawn at CPU load in [0, 1] (clamped), by linear interpolation in
 * the table, or between idle and peak. */
double xgc_power_watts(const xgc_power_model_t *model, double load);

/* Load the `pms:` / `vms:` sequence of a deployment or instance file.
 * Allocates *out (caller frees). Unknown keys, duplicate names and invalid
 * values are refused with file:line:col and the field (see xgc_yaml.h). */
int xgc_model_load_pms(const xgc_yaml_node_t *seq, xgc_pm_spec_t **out,
                       size_t *count, char *err, size_t errlen);
int xgc_model_load_vms(const xgc_yaml_node_t *seq, xgc_vm_spec_t **out,
                       size_t *count, char *err, size_t errlen);

#endif
