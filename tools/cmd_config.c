/* xgc config — check a deployment file and show what it says. `check`
 * loads it the way every binary does, so a file that passes here will not
 * be refused at start (the sections owned by other loaders excepted). */
#include <stdio.h>
#include <string.h>

#include "tools/xgc_cmd.h"
#include "xgc_config.h"

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
    s_summary(cfg);
    xgc_config_destroy(&cfg);
    return 0;
}
