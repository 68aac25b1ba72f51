/* sched_cli — what the scheduler's sub-commands of `xgc` share (status,
 * plan, vm, host, inject, up): the scheduler's view loaded from the
 * blackboard, VM spec options, and checked spec writes. */
#ifndef XGC_SCHED_CLI_H
#define XGC_SCHED_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "tools/bus_cli.h"
#include "scheduler/view.h"

/* Watch vm/, pm/, plan/ and sched/, wait for the snapshot and build the
 * view at now_ms. NULL after printing why. */
xgc_view_t *xgc_sched_cli_view(xgc_bus_t *bus, const xgc_config_t *cfg, const char *command,
                               int64_t now_ms);

/* The VM spec options, shared by vm add/set and inject:
 *   --min MHZ --max MHZ --shares N --mem MB --utility-min U --utility-max U --image S
 * If argv[*i] is one of them, reads its value into spec, advances *i and
 * returns 1; returns 0 if it is not a spec option; -1 after printing a
 * clear error for a missing or non-numeric value. */
int xgc_sched_cli_spec_opt(int argc, char **argv, int *i, xgc_vm_spec_t *spec,
                           const char *command);
#define XGC_SCHED_CLI_SPEC_USAGE                                                   \
    "  --min MHZ --max MHZ     CPU: guaranteed, at most\n"                         \
    "  --shares N              weight of the spare CPU (default 256)\n"           \
    "  --mem MB                memory\n"                                           \
    "  --utility-min U         utility at min (default 1)\n"                       \
    "  --utility-max U         utility at max (default: utility-min)\n"            \
    "  --image S               driver-specific image/config (default \"\")\n"

/* Validate spec and write vm/<name>/spec, waiting for the broker: 0, 1
 * (broker unreachable) or 2 (invalid spec: nothing written), after printing. */
int xgc_sched_cli_put_spec(xgc_bus_t *bus, const xgc_config_t *cfg, const xgc_vm_spec_t *spec,
                           const char *command);

/* The deployment's scheduler: and metrics: sections: 0, or 2 after
 * printing the error. */
int xgc_sched_cli_config(const xgc_config_t *cfg, xgc_sched_config_t *sc, const char *command);

/* A number option's value: 0, or -1 after printing "xgc CMD: OPT wants ...". */
int xgc_sched_cli_number(const char *command, const char *opt, const char *text, double lo,
                         double hi, double *out);

#endif
