/* xgc_state — wire names of the state enums (see xgc_state.h). One table
 * per enum, one pair of generic helpers for all of them. */
#include "xgc_state.h"

#include <string.h>

const char *const xgc_vm_state_names[] = {"creating", "running", "migrating_out",
                                          "migrating_in", "stopping", "failed", NULL};
const char *const xgc_plan_state_names[] = {"run", "stop", NULL};
const char *const xgc_power_names[] = {"on", "off", NULL};
const char *const xgc_op_phase_names[] = {"start", "done", "failed", NULL};

static const char *s_name(const char *const *names, int value)
{
    for (int i = 0; names[i]; i++)
        if (i == value)
            return names[i];
    return "?";
}

static int s_parse(const char *const *names, const char *name, int *out)
{
    for (int i = 0; names[i] && name; i++)
        if (strcmp(names[i], name) == 0) {
            *out = i;
            return 0;
        }
    return -1;
}

#define S_ENUM(prefix, type, names)                                       \
    const char *prefix##_name(type value) { return s_name(names, (int)value); } \
    int prefix##_parse(const char *name, type *out)                       \
    {                                                                     \
        int value;                                                        \
        if (s_parse(names, name, &value) < 0)                             \
            return -1;                                                    \
        *out = (type)value;                                               \
        return 0;                                                         \
    }

S_ENUM(xgc_vm_state, xgc_vm_state_t, xgc_vm_state_names)
S_ENUM(xgc_plan_state, xgc_plan_state_t, xgc_plan_state_names)
S_ENUM(xgc_power, xgc_power_t, xgc_power_names)
S_ENUM(xgc_op_phase, xgc_op_phase_t, xgc_op_phase_names)
