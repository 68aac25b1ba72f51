/* xgc_state — the values of the blackboard and the payloads of the events,
 * as plain C structs (see ../wt/notes/CONTRACT.md and docs/protocol.md).
 *
 * The VM and PM specifications live in xgc_model.h; everything else that
 * travels on the bus is here. common/xgc_msg.h encodes and decodes them.
 * Strings are NUL-terminated and fit their buffers: a decoder refuses a
 * longer string rather than truncate it. Times are milliseconds since the
 * Unix epoch (wall clock) unless the name says otherwise.
 */
#ifndef XGC_STATE_H
#define XGC_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "xgc_model.h"

#define XGC_REASON_MAX 160       /* reasons and short messages, NUL included */

/* Key layout of the blackboard (printf formats; names must not contain '/'). */
#define XGC_KEY_VM_SPEC     "vm/%s/spec"
#define XGC_KEY_PM_INFO     "pm/%s/info"
#define XGC_KEY_PM_ALIVE    "pm/%s/alive"
#define XGC_KEY_PM_VM       "pm/%s/vm/%s"          /* host, vm */
#define XGC_KEY_PLAN        "plan/%s/%s"           /* host, vm */
#define XGC_KEY_PM_POWER    "pm/%s/power"
#define XGC_KEY_PM_ADMIN    "pm/%s/admin"
#define XGC_KEY_SCHED_LEADER "sched/leader"

/* Topics of the events. */
#define XGC_TOPIC_METRIC_VM "metric.vm.%s"
#define XGC_TOPIC_METRIC_PM "metric.pm.%s"
#define XGC_TOPIC_PLAN_ROUND "plan.round"
#define XGC_TOPIC_CMD       "cmd.%s.%s"            /* host, verb */
#define XGC_TOPIC_OP        "op.%s.%s"             /* host, verb */
#define XGC_TOPIC_LOG       "log.%s"               /* component */

/* Actual state of a VM on a PM, as its pmd sees it. */
typedef enum {
    XGC_VM_CREATING,
    XGC_VM_RUNNING,
    XGC_VM_MIGRATING_OUT,
    XGC_VM_MIGRATING_IN,
    XGC_VM_STOPPING,
    XGC_VM_FAILED
} xgc_vm_state_t;

/* What the scheduler wants of a VM on a PM. */
typedef enum { XGC_PLAN_RUN, XGC_PLAN_STOP } xgc_plan_state_t;

/* What the scheduler wants of a PM. */
typedef enum { XGC_POWER_ON, XGC_POWER_OFF } xgc_power_t;

/* Phase of an operation reported by a pmd (`op.<host>.<verb>`). */
typedef enum { XGC_OP_START, XGC_OP_DONE, XGC_OP_FAILED } xgc_op_phase_t;

/* Names of the enums as they appear on the wire ("running", "migrating_out",
 * "run", "off", "done"...). *_name returns "?" for a value out of range;
 * *_parse returns 0, or -1 when the name is unknown (out unchanged). */
extern const char *const xgc_vm_state_names[];    /* NULL-terminated, by value */
extern const char *const xgc_plan_state_names[];
extern const char *const xgc_power_names[];
extern const char *const xgc_op_phase_names[];
const char *xgc_vm_state_name(xgc_vm_state_t state);
int xgc_vm_state_parse(const char *name, xgc_vm_state_t *out);
const char *xgc_plan_state_name(xgc_plan_state_t state);
int xgc_plan_state_parse(const char *name, xgc_plan_state_t *out);
const char *xgc_power_name(xgc_power_t state);
int xgc_power_parse(const char *name, xgc_power_t *out);
const char *xgc_op_phase_name(xgc_op_phase_t phase);
int xgc_op_phase_parse(const char *name, xgc_op_phase_t *out);

/* pm/<host>/alive — heartbeat, a TTL key written by the pmd. */
typedef struct {
    char host[XGC_NAME_MAX];
    int64_t ts_ms;               /* when it was written */
    int64_t pid;                 /* the pmd's process id */
    int64_t lease_ms;            /* the TTL it was written with */
} xgc_heartbeat_t;

/* pm/<host>/vm/<vm> — a VM as it actually is on a PM. */
typedef struct {
    char vm[XGC_NAME_MAX];
    char host[XGC_NAME_MAX];
    xgc_vm_state_t state;
    double cap_mhz;              /* cap applied, 0 = no cap */
    double weight;               /* scheduler weight applied */
    double alloc_mhz;            /* CPU currently allotted (planned share) */
    int64_t since_ms;            /* in this state since */
    char reason[XGC_REASON_MAX]; /* why (failures), may be "" */
} xgc_vm_actual_t;

/* plan/<host>/<vm> — the scheduler's wish for a VM on a PM. */
typedef struct {
    char vm[XGC_NAME_MAX];
    char host[XGC_NAME_MAX];
    xgc_plan_state_t state;
    double cap_mhz;              /* 0 = no cap */
    double weight;
    char from[XGC_NAME_MAX];     /* source host of a live migration, else "" */
    int64_t round;               /* planning round that wrote it */
    char reason[XGC_REASON_MAX];
    char left[XGC_NAME_MAX];     /* the PM the VM last left, kept after the move
                                  * ends: a new leader then knows where it may
                                  * not send it back (no_return); "" = none */
} xgc_plan_entry_t;

/* pm/<host>/power — desired power state of a PM. */
typedef struct {
    char host[XGC_NAME_MAX];
    xgc_power_t state;
    char reason[XGC_REASON_MAX];
} xgc_power_state_t;

/* pm/<host>/admin — operator's wishes for a PM. */
typedef struct {
    char host[XGC_NAME_MAX];
    bool drain;                  /* move every VM away, place nothing new */
} xgc_pm_admin_t;

/* sched/leader — the scheduler's leadership lease, a TTL key. */
typedef struct {
    char owner[XGC_NAME_MAX];    /* e.g. "<hostname>:<pid>" */
    int64_t until_ms;
} xgc_lease_t;

/* metric.vm.<name> */
typedef struct {
    char vm[XGC_NAME_MAX];
    char host[XGC_NAME_MAX];
    int64_t ts_ms;
    double cpu_mhz;              /* CPU used */
    double cpu_pct;              /* of one core */
    double resp_ms;              /* response time of its service, -1 = unknown */
    bool alive;
    double uptime_s;
} xgc_metric_vm_t;

/* metric.pm.<host> */
typedef struct {
    char host[XGC_NAME_MAX];
    int64_t ts_ms;
    double cpu_pct;              /* of the whole machine */
    double cpu_mhz;              /* used */
    double power_w;              /* drawn (measured or modelled) */
    int64_t vms;                 /* VMs running */
} xgc_metric_pm_t;

/* plan.round — one planning round of the scheduler. */
typedef struct {
    int64_t round;
    char reason[XGC_REASON_MAX];
    double utility, power_cost, net;
    int64_t pms_on, migrations;
    double time_ms;              /* time spent planning */
} xgc_plan_round_t;

/* cmd.<host>.<verb> — a command as the scheduler issues it (information:
 * the pmds act on the plan, not on these). Verb: create, migrate, adjust,
 * destroy. */
typedef struct {
    char vm[XGC_NAME_MAX];
    char host[XGC_NAME_MAX];
    char from[XGC_NAME_MAX];     /* "" unless migrate */
    char reason[XGC_REASON_MAX];
} xgc_cmd_t;

/* op.<host>.<verb> — progress of an operation on a pmd. */
typedef struct {
    char vm[XGC_NAME_MAX];
    char host[XGC_NAME_MAX];
    xgc_op_phase_t phase;
    char reason[XGC_REASON_MAX];
    double time_ms;              /* duration so far (done/failed), 0 at start */
} xgc_op_t;

#endif
