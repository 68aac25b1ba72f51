/* xgc config — check a deployment file and show what it says. `check`
 * loads it the way every binary does, and the `pms:` and `vms:` sections
 * with the model's loaders, so a file that passes here will not be refused
 * at start (the other components' sections excepted). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xgc_security.h"
#include "scheduler/sched_config.h"
#include "tools/deploy.h"
#include "tools/xgc_cmd.h"
#include "xgc_config.h"
#include "xgc_model.h"

static const char s_usage[] =
    "usage: xgc config check [-c FILE.yaml]   load and check a deployment, print a summary\n"
    "       xgc config default                print the embedded default deployment\n";

static void s_section(const char *name, const xgc_yaml_node_t *node)
{
    if (!node)
        printf("  %-10s -\n", name);
    else if (node->kind == XGC_YAML_SEQ)
        printf("  %-10s %zu item%s (line %d)\n", name, node->count, node->count == 1 ? "" : "s",
               node->line);
    else
        printf("  %-10s present (line %d)\n", name, node->line);
}

static void s_summary(const xgc_config_t *cfg)
{
    static const char *const ports[] = {"state requests (ROUTER)", "state updates (PUB)",
                                        "events in (XSUB)", "events out (XPUB)", "tap (PUB)"};
    printf("%s: ok\n", cfg->path);
    printf("  cluster    %s\n  data_dir   %s\n  broker     %s\n", cfg->cluster, cfg->data_dir,
           cfg->broker_endpoint);
    for (int i = 0; i < XGC_PORT_COUNT; i++) {
        char ep[XGC_PATH_MAX + 16];
        xgc_config_bind_endpoint(cfg, i, ep, sizeof ep);
        printf("    +%d %-26s %s\n", i, ports[i], ep);
    }
    printf("  max_msg    %ld bytes\n", cfg->max_msg_bytes);
    s_section("scheduler", cfg->scheduler);
    s_section("pms", cfg->pms);
    s_section("vms", cfg->vms);
    s_section("security", cfg->security);
    s_section("injectors", cfg->injectors);
    s_section("metrics", cfg->metrics);
}

/* Load pms: (with their pmd: settings, as xgc up reads them), vms:,
 * security:, scheduler: and metrics: as the daemons will; counts, or -1 with err set. */
static int s_check_model(const xgc_config_t *cfg, size_t *pms, size_t *vms, char *err,
                         size_t errlen)
{
    xgc_pm_spec_t *pm_list = NULL;
    xgc_vm_spec_t *vm_list = NULL;
    *pms = *vms = 0;
    int rc = 0;
    if (cfg->pms)
        rc = xgc_model_load_pms(cfg->pms, &pm_list, pms, err, errlen);
    if (rc == 0 && cfg->vms)
        rc = xgc_model_load_vms(cfg->vms, &vm_list, vms, err, errlen);
    xgc_deploy_pmd_t *pmds = NULL;
    size_t npmds = 0;
    if (rc == 0)
        rc = xgc_deploy_pmds(cfg, &pmds, &npmds, err, errlen);
    xgc_security_t security;
    if (rc == 0)
        rc = xgc_security_parse(cfg, &security, err, errlen);
    xgc_sched_config_t sched;
    if (rc == 0)
        rc = xgc_sched_config_load(&sched, cfg->scheduler, cfg->metrics, err, errlen);
    free(pmds);
    free(pm_list);
    free(vm_list);
    return rc;
}

XGC_COMMAND(config, "check a deployment file (config check -c FILE.yaml)")
{
    if (argc >= 2 && !strcmp(argv[1], "default")) {
        fputs(xgc_config_default_text(), stdout);
        return 0;
    }
    if (argc < 2 || strcmp(argv[1], "check") != 0) {
        fputs(s_usage, argc >= 2 && !strcmp(argv[1], "--help") ? stdout : stderr);
        return argc >= 2 && !strcmp(argv[1], "--help") ? 0 : 2;
    }
    argc--, argv++;
    argv[0] = (char *)"xgc config check";   /* for messages */
    xgc_config_t *cfg = xgc_config_load_arg(&argc, argv, s_usage);
    if (argc > 1) {
        fprintf(stderr, "xgc config check: unexpected argument '%s'\n", argv[1]);
        xgc_config_destroy(&cfg);
        return 2;
    }
    char err[XGC_ERR_MAX];
    size_t pms, vms;
    if (s_check_model(cfg, &pms, &vms, err, sizeof err) < 0) {
        fprintf(stderr, "xgc config check: %s\n", err);
        xgc_config_destroy(&cfg);
        return 2;
    }
    s_summary(cfg);
    printf("  model      %zu pm%s, %zu vm%s\n", pms, pms == 1 ? "" : "s", vms,
           vms == 1 ? "" : "s");
    xgc_config_destroy(&cfg);
    return 0;
}
