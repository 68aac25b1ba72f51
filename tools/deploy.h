/* deploy — the processes of a deployment on this machine, for `xgc up` and
 * `xgc down`: each started detached (its own session, stdin /dev/null,
 * output to <data_dir>/log/NAME.log) with its pid in <data_dir>/run/NAME.pid;
 * stopped by those pid files (TERM, then KILL), never by name. */
#ifndef XGC_DEPLOY_H
#define XGC_DEPLOY_H

#include <stdbool.h>
#include <sys/types.h>

#include "xgc_config.h"

/* Directory of the running xgc binaries (where xgc-broker etc. live). */
const char *xgc_deploy_bindir(void);

/* Start argv (argv[0] = a binary name in the bin dir) as process NAME.
 * Returns its pid, or -1 after printing why. */
pid_t xgc_deploy_spawn(const xgc_config_t *cfg, const char *name, char *const argv[]);

/* Is process NAME (its pid file) alive and an xgc process? Its pid or 0. */
pid_t xgc_deploy_running(const xgc_config_t *cfg, const char *name);

/* Names of the live processes with a pid file, in stop order (injectors,
 * schedulers, pmds, broker); returns how many (at most max). */
int xgc_deploy_list(const xgc_config_t *cfg, char names[][64], int max);

/* Stop every process of the deployment: TERM, up to timeout_ms, then
 * KILL; pid files removed. Returns the number stopped; *left (if not NULL)
 * gets how many could not be stopped. */
int xgc_deploy_stop_all(const xgc_config_t *cfg, int timeout_ms, int *left);

#endif
