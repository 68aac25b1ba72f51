/* xgc vm add|rm|set|count — the VMs' specs on the blackboard (the seed's
 * stat files and set_arch_count.py). A spec is checked before anything is
 * written: an invalid value changes nothing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xgc_msg.h"
#include "tools/sched_cli.h"
#include "tools/xgc_cmd.h"

static const char *s_usage =
    "usage: xgc vm add NAME --min MHZ --max MHZ --mem MB [--shares N]\n"
    "                 [--utility-min U] [--utility-max U] [--image S]\n"
    "       xgc vm set NAME [spec options]     change some fields of a VM\n"
    "       xgc vm rm NAME                     the VM departs\n"
    "       xgc vm count N [--pool PREFIX]     keep the first N VMs of the pool (the\n"
    "                                          deployment's vms: whose name starts with\n"
    "                                          PREFIX) active, remove the others\n"
    "spec options:\n" XGC_SCHED_CLI_SPEC_USAGE;

static int s_bad(const char *what)
{
    fprintf(stderr, "xgc vm: %s\n%s", what, s_usage);
    return 2;
}

/* Read the current spec of NAME: 0, 1 (absent, printed), -1 (broker). */
static int s_get_spec(xgc_bus_t *bus, const xgc_config_t *cfg, const char *name,
                      xgc_vm_spec_t *spec)
{
    char key[XGC_BUS_MAX_KEY + 1], err[256];
    size_t len;
    snprintf(key, sizeof key, XGC_KEY_VM_SPEC, name);
    if (xgc_cli_fetch(bus, cfg, "vm", "vm/") < 0)
        return -1;
    const uint8_t *v = xgc_bus_get(bus, key, &len, NULL);
    if (!v || xgc_msg_vm_spec_decode(v, len, spec, err, sizeof err) < 0) {
        fprintf(stderr, "xgc vm: no VM '%s'%s%s\n", name, v ? ": " : "", v ? err : "");
        return 1;
    }
    return 0;
}

/* add / set: parse the spec options over `spec`. */
static int s_add_or_set(xgc_config_t *cfg, int argc, char **argv, bool add)
{
    xgc_vm_spec_t spec = {.shares = 256, .utility_min = 1, .utility_max = NAN};
    if (argc < 3 || argv[2][0] == '-')
        return s_bad("which VM?");
    if (strlen(argv[2]) >= sizeof spec.name)
        return s_bad("VM name too long");
    xgc_bus_t *bus = xgc_cli_connect(cfg, "vm");
    int rc = 0;
    if (!add)
        rc = s_get_spec(bus, cfg, argv[2], &spec);
    snprintf(spec.name, sizeof spec.name, "%s", argv[2]);
    for (int i = 3; rc == 0 && i < argc; i++) {
        int r = xgc_sched_cli_spec_opt(argc, argv, &i, &spec, "vm");
        if (r <= 0) {
            if (r == 0)
                fprintf(stderr, "xgc vm: unknown option '%s'\n", argv[i]);
            rc = 2;
        }
    }
    if (rc == 0 && isnan(spec.utility_max))
        spec.utility_max = spec.utility_min;
    if (rc == 0)
        rc = xgc_sched_cli_put_spec(bus, cfg, &spec, "vm");
    if (rc == 0)
        printf("%s vm/%s/spec: min %.0f MHz, max %.0f MHz, shares %g, mem %.0f MB, "
               "utility %g..%g\n", add ? "added" : "updated", spec.name, spec.min_mhz,
               spec.max_mhz, spec.shares, spec.mem_mb, spec.utility_min, spec.utility_max);
    xgc_bus_destroy(&bus);
    return rc < 0 ? 1 : rc;
}

static int s_rm(xgc_config_t *cfg, int argc, char **argv)
{
    xgc_vm_spec_t spec;
    char key[XGC_BUS_MAX_KEY + 1];
    if (argc != 3)
        return s_bad("usage: xgc vm rm NAME");
    xgc_bus_t *bus = xgc_cli_connect(cfg, "vm");
    int rc = s_get_spec(bus, cfg, argv[2], &spec);
    snprintf(key, sizeof key, XGC_KEY_VM_SPEC, argv[2]);
    if (rc == 0) {
        rc = xgc_bus_del_sync(bus, key, XGC_CLI_TIMEOUT_MS) == 0 ? 0 : xgc_cli_unreachable(cfg, "vm");
        if (rc == 0)
            printf("removed %s\n", key);
    }
    xgc_bus_destroy(&bus);
    return rc < 0 ? 1 : rc;
}

/* count N: the first N VMs of the pool get their spec, the others lose it. */
static int s_count(xgc_config_t *cfg, int argc, char **argv)
{
    const char *pool = "";
    double n;
    if (argc < 3 || xgc_sched_cli_number("vm", "count", argv[2], 0, 1e6, &n) < 0)
        return s_bad("usage: xgc vm count N [--pool PREFIX]");
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--pool") || i + 1 >= argc)
            return s_bad("usage: xgc vm count N [--pool PREFIX]");
        pool = argv[++i];
    }
    xgc_vm_spec_t *vms = NULL;
    size_t nvms = 0;
    char err[512];
    if (!cfg->vms || xgc_model_load_vms(cfg->vms, &vms, &nvms, err, sizeof err) < 0) {
        fprintf(stderr, "xgc vm count: the deployment has no usable vms: pool%s%s\n",
                cfg->vms ? ": " : "", cfg->vms ? err : "");
        return 2;
    }
    size_t in_pool = 0;
    for (size_t k = 0; k < nvms; k++)
        in_pool += !strncmp(vms[k].name, pool, strlen(pool));
    if ((size_t)n > in_pool || n != floor(n)) {
        fprintf(stderr, "xgc vm count: the pool '%s' has %zu VMs; %g asked (nothing written)\n",
                pool, in_pool, n);
        free(vms);
        return 2;
    }
    xgc_bus_t *bus = xgc_cli_connect(cfg, "vm");
    int rc = xgc_cli_fetch(bus, cfg, "vm", "vm/") < 0 ? 1 : 0;
    size_t seen = 0, added = 0, removed = 0;
    for (size_t k = 0; rc == 0 && k < nvms; k++) {
        if (strncmp(vms[k].name, pool, strlen(pool)))
            continue;
        char key[XGC_BUS_MAX_KEY + 1];
        size_t len;
        snprintf(key, sizeof key, XGC_KEY_VM_SPEC, vms[k].name);
        bool present = xgc_bus_get(bus, key, &len, NULL) != NULL;
        if (seen++ < (size_t)n && !present) {
            rc = xgc_sched_cli_put_spec(bus, cfg, &vms[k], "vm count");
            added++;
        } else if (seen > (size_t)n && present) {
            rc = xgc_bus_del_sync(bus, key, XGC_CLI_TIMEOUT_MS) == 0 ? 0 : xgc_cli_unreachable(cfg, "vm");
            removed++;
        }
    }
    if (rc == 0)
        printf("pool '%s': %g active (%zu added, %zu removed)\n", pool, n, added, removed);
    xgc_bus_destroy(&bus);
    free(vms);
    return rc;
}

XGC_COMMAND(vm, "add, change, remove VMs; keep N of a pool active (vm add|set|rm|count)")
{
    xgc_config_t *cfg = xgc_config_load_arg(&argc, argv, s_usage);
    int rc;
    if (argc < 2)
        rc = s_bad("which action?");
    else if (!strcmp(argv[1], "add") || !strcmp(argv[1], "set"))
        rc = s_add_or_set(cfg, argc, argv, !strcmp(argv[1], "add"));
    else if (!strcmp(argv[1], "rm"))
        rc = s_rm(cfg, argc, argv);
    else if (!strcmp(argv[1], "count"))
        rc = s_count(cfg, argc, argv);
    else
        rc = s_bad("unknown action");
    xgc_config_destroy(&cfg);
    return rc;
}
