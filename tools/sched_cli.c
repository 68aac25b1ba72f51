/* sched_cli — see sched_cli.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xgc_msg.h"
#include "tools/sched_cli.h"

static void s_apply(void *arg, const char *key, const uint8_t *value, size_t len, uint64_t seq)
{
    (void)seq;
    void **a = arg;
    char err[256];
    xgc_view_apply(a[0], key, value, len, *(int64_t *)a[1], err, sizeof err);
}

xgc_view_t *xgc_sched_cli_view(xgc_bus_t *bus, const xgc_config_t *cfg, const char *command,
                               int64_t now_ms)
{
    static const char *prefixes[] = {"vm/", "pm/", "plan/", "sched/"};
    for (size_t i = 0; i < 4; i++)
        if (xgc_bus_watch(bus, prefixes[i]) < 0) {
            xgc_cli_unreachable(cfg, command);
            return NULL;
        }
    if (xgc_bus_wait_synced(bus, XGC_CLI_TIMEOUT_MS) < 0) {
        xgc_cli_unreachable(cfg, command);
        return NULL;
    }
    xgc_view_t *view = xgc_view_new();
    if (!view) {
        fprintf(stderr, "xgc %s: out of memory\n", command);
        return NULL;
    }
    void *arg[2] = {view, &now_ms};
    for (size_t i = 0; i < 3; i++)
        xgc_bus_foreach(bus, prefixes[i], s_apply, arg);
    return view;
}

int xgc_sched_cli_number(const char *command, const char *opt, const char *text, double lo,
                         double hi, double *out)
{
    char *end = NULL;
    double v = text ? strtod(text, &end) : 0;
    if (!text || end == text || *end || !(v >= lo && v <= hi)) {
        fprintf(stderr, "xgc %s: %s wants a number in [%g, %g], not '%s'\n", command, opt, lo,
                hi, text ? text : "");
        return -1;
    }
    *out = v;
    return 0;
}

int xgc_sched_cli_spec_opt(int argc, char **argv, int *i, xgc_vm_spec_t *spec,
                           const char *command)
{
    struct { const char *opt; double *field; } nums[] = {
        {"--min", &spec->min_mhz}, {"--max", &spec->max_mhz}, {"--shares", &spec->shares},
        {"--mem", &spec->mem_mb}, {"--utility-min", &spec->utility_min},
        {"--utility-max", &spec->utility_max}};
    const char *opt = argv[*i], *val = *i + 1 < argc ? argv[*i + 1] : NULL;
    if (!strcmp(opt, "--image")) {
        if (!val || strlen(val) >= sizeof spec->image) {
            fprintf(stderr, "xgc %s: --image wants a value shorter than %zu\n", command,
                    sizeof spec->image);
            return -1;
        }
        snprintf(spec->image, sizeof spec->image, "%s", val);
        (*i)++;
        return 1;
    }
    for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++) {
        if (strcmp(opt, nums[k].opt))
            continue;
        if (xgc_sched_cli_number(command, opt, val, -1e12, 1e12, nums[k].field) < 0)
            return -1;
        (*i)++;
        return 1;
    }
    return 0;
}

int xgc_sched_cli_put_spec(xgc_bus_t *bus, const xgc_config_t *cfg, const xgc_vm_spec_t *spec,
                           const char *command)
{
    char err[512], key[XGC_BUS_MAX_KEY + 1];
    void *data;
    size_t len;
    if (xgc_vm_spec_validate(spec, err, sizeof err) < 0) {
        fprintf(stderr, "xgc %s: invalid VM spec: %s (nothing written)\n", command, err);
        return 2;
    }
    if (snprintf(key, sizeof key, XGC_KEY_VM_SPEC, spec->name) >= (int)sizeof key
        || !xgc_bus_key_valid(key, strlen(key)) || strchr(spec->name, '/')) {
        fprintf(stderr, "xgc %s: invalid VM name '%s' (nothing written)\n", command, spec->name);
        return 2;
    }
    if (xgc_msg_vm_spec_encode(spec, &data, &len) < 0) {
        fprintf(stderr, "xgc %s: out of memory\n", command);
        return 1;
    }
    int rc = xgc_bus_set_sync(bus, key, data, len, 0, XGC_CLI_TIMEOUT_MS);
    free(data);
    return rc == 0 ? 0 : xgc_cli_unreachable(cfg, command);
}

int xgc_sched_cli_config(const xgc_config_t *cfg, xgc_sched_config_t *sc, const char *command)
{
    char err[512];
    if (xgc_sched_config_load(sc, cfg->scheduler, cfg->metrics, err, sizeof err) == 0)
        return 0;
    fprintf(stderr, "xgc %s: %s\n", command, err);
    return 2;
}
