/* xgc_policy.c — placeholder, replaced below. */
#include <stdio.h>
#include "scheduler/sim/sim_internal.h"
int sim_xgc_policy_new(const char *name, sim_policy_t *policy, char *err, size_t err_len)
{
    (void)policy;
    snprintf(err, err_len, "policy '%s' not built yet", name);
    return -1;
}
