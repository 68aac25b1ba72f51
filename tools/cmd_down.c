/* xgc down — stop every process `xgc up` started for the deployment
 * (injectors, schedulers, pmds, broker, in that order) by their pid files:
 * TERM, then KILL after the timeout. --purge also removes data_dir. */
#include <czmq.h>

#include "tools/deploy.h"
#include "tools/xgc_cmd.h"

static const char *s_usage =
    "usage: xgc down [-c FILE.yaml] [--purge] [--timeout S]\n"
    "Stop the deployment's processes; --purge then deletes its data_dir.\n";

XGC_COMMAND(down, "stop a deployment started by xgc up (down -c FILE.yaml)")
{
    xgc_config_t *cfg = xgc_config_load_arg(&argc, argv, s_usage);
    bool purge = false;
    int timeout_ms = 5000;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--purge")) {
            purge = true;
        } else if (!strcmp(argv[i], "--timeout") && i + 1 < argc && atoi(argv[i + 1]) > 0) {
            timeout_ms = atoi(argv[++i]) * 1000;
        } else {
            fprintf(stderr, "xgc down: unknown option '%s'\n%s", argv[i], s_usage);
            xgc_config_destroy(&cfg);
            return 2;
        }
    }
    int left = 0, n = xgc_deploy_stop_all(cfg, timeout_ms, &left);
    if (left)
        fprintf(stderr, "xgc down: %d process(es) would not stop (see %s/run)\n", left,
                cfg->data_dir);
    else
        printf("down: %s — %d process%s stopped\n", cfg->cluster, n, n == 1 ? "" : "es");
    if (purge && !left && cfg->data_dir[0] && strcmp(cfg->data_dir, "/")) {
        char cmd[XGC_PATH_MAX + 16];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", cfg->data_dir);
        if (!strchr(cfg->data_dir, '\'') && system(cmd) == 0)
            printf("purged %s\n", cfg->data_dir);
    }
    xgc_config_destroy(&cfg);
    return left ? 1 : 0;
}
