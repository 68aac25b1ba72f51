/* deploy — the processes of a deployment on this machine, for `xgc up` and
 * `xgc down`: each started detached (its own session, stdin /dev/null,
 * output to <data_dir>/log/NAME.log) with its pid in <data_dir>/run/NAME.pid
 * and its start time in NAME.start (a reused pid is not taken for it);
 * stopped by those pid files (TERM, then KILL), never by name. Also where a PM's pmd comes from (the per-PM `pmd:`
 * setting): started here by `xgc up`, by a launcher command that `xgc up`
 * runs (a nested Xen host, a remote machine), or by someone else. */
#ifndef XGC_DEPLOY_H
#define XGC_DEPLOY_H

#include <stdbool.h>
#include <sys/types.h>

#include "xgc_config.h"
#include "xgc_model.h"

/* Where the pmd of one PM comes from (its `pmd:` mapping in pms:). */
typedef enum {
    XGC_DEPLOY_PMD_LOCAL,        /* default: xgc up starts xgc-pmd here */
    XGC_DEPLOY_PMD_LAUNCHER,     /* xgc up runs `launcher` (sh -c), which starts it */
    XGC_DEPLOY_PMD_EXTERNAL      /* started elsewhere; xgc up only waits for it */
} xgc_deploy_pmd_mode_t;

#define XGC_DEPLOY_CMD_MAX 1024

typedef struct {
    char pm[XGC_NAME_MAX];
    xgc_deploy_pmd_mode_t mode;
    char launcher[XGC_DEPLOY_CMD_MAX];
    double ready_timeout_s;      /* how long xgc up waits for it; 0 = --timeout */
} xgc_deploy_pmd_t;

/* The `pmd:` setting of every entry of cfg->pms, in order (*out allocated,
 * caller frees; NULL and 0 without pms:). Unknown keys and bad values are
 * refused with file:line:col and the field. */
int xgc_deploy_pmds(const xgc_config_t *cfg, xgc_deploy_pmd_t **out, size_t *count, char *err,
                    size_t errlen);

/* Directory of the running xgc binaries (where xgc-broker etc. live). */
const char *xgc_deploy_bindir(void);

/* Start argv (argv[0] = a binary name in the bin dir) as process NAME.
 * Returns its pid, or -1 after printing why. */
pid_t xgc_deploy_spawn(const xgc_config_t *cfg, const char *name, char *const argv[]);

/* Run `sh -c command` as process NAME, in directory dir, with env (NULL-
 * terminated "K=V" strings) added to the environment. Its process group is
 * its own: stopping a launcher (name "host-...") signals the whole group,
 * so what it started in the foreground (a QEMU) goes with it. */
pid_t xgc_deploy_launch(const xgc_config_t *cfg, const char *name, const char *command,
                        const char *dir, const char *const env[]);

/* Is process NAME (its pid file) alive and an xgc process? Its pid or 0. */
pid_t xgc_deploy_running(const xgc_config_t *cfg, const char *name);

/* Names of the live processes with a pid file, in stop order (injectors,
 * schedulers, pmds, launchers, broker); returns how many (at most max). */
int xgc_deploy_list(const xgc_config_t *cfg, char names[][64], int max);

/* Stop every process of the deployment: TERM, up to timeout_ms, then
 * KILL; pid files removed. Returns the number stopped; *left (if not NULL)
 * gets how many could not be stopped. */
int xgc_deploy_stop_all(const xgc_config_t *cfg, int timeout_ms, int *left);

#endif
