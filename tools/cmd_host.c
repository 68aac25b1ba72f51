/* xgc host list|drain|undrain — the PMs as the scheduler sees them, and the
 * operator's maintenance switch (pm/<host>/admin): a drained PM is
 * evacuated by live migration and gets nothing new until undrained. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xgc_log.h"
#include "xgc_msg.h"
#include "tools/sched_cli.h"
#include "tools/xgc_cmd.h"

static const char *s_usage =
    "usage: xgc host list             PMs: state, power, capacity, VMs planned\n"
    "       xgc host drain NAME       evacuate NAME, place nothing new there\n"
    "       xgc host undrain NAME     NAME takes VMs again\n";

static int s_list(xgc_bus_t *bus, const xgc_config_t *cfg, const xgc_sched_config_t *sc)
{
    int64_t now = xgc_log_now_ms();
    xgc_view_t *view = xgc_sched_cli_view(bus, cfg, "host", now);
    xgc_view_round_t r;
    if (!view)
        return 1;
    if (xgc_view_round(view, sc, now, &r) < 0) {
        xgc_view_destroy(&view);
        return 1;
    }
    printf("%-16s %-9s %9s %9s %6s\n", "PM", "STATE", "CPU_MHZ", "MEM_MB", "VMS");
    for (size_t j = 0; j < r.n_pms; j++) {
        int vms = 0;
        for (size_t v = 0; v < r.n_vms; v++)
            vms += r.vms[v].host == (int)j;
        printf("%-16s %-9s %9.0f %9.0f %6d\n", r.pms[j].spec.name,
               xgc_replan_pm_state_name(r.pms[j].state), r.pms[j].spec.cpu_mhz, r.pms[j].spec.mem_mb, vms);
    }
    xgc_view_round_free(&r);
    xgc_view_destroy(&view);
    return 0;
}

static int s_drain(xgc_bus_t *bus, const xgc_config_t *cfg, const char *host, bool drain)
{
    char key[XGC_BUS_MAX_KEY + 1];
    size_t len;
    snprintf(key, sizeof key, XGC_KEY_PM_INFO, host);
    if (xgc_cli_fetch(bus, cfg, "host", "pm/") < 0)
        return 1;
    if (!xgc_bus_get(bus, key, &len, NULL)) {
        fprintf(stderr, "xgc host: no PM '%s' (no %s; nothing written)\n", host, key);
        return 2;
    }
    xgc_pm_admin_t admin = {.drain = drain};
    void *data;
    snprintf(admin.host, sizeof admin.host, "%s", host);
    snprintf(key, sizeof key, XGC_KEY_PM_ADMIN, host);
    if (xgc_msg_pm_admin_encode(&admin, &data, &len) < 0)
        return 1;
    int rc = xgc_bus_set_sync(bus, key, data, len, 0, XGC_CLI_TIMEOUT_MS);
    free(data);
    if (rc < 0)
        return xgc_cli_unreachable(cfg, "host");
    printf("%s %s\n", host, drain ? "draining: its VMs will be moved away" : "takes VMs again");
    return 0;
}

XGC_COMMAND(host, "list PMs; drain or undrain one for maintenance (host list|drain|undrain)")
{
    xgc_config_t *cfg = xgc_config_load_arg(&argc, argv, s_usage);
    xgc_sched_config_t sc;
    int rc = 2;
    if (xgc_sched_cli_config(cfg, &sc, "host")) {
        rc = 2;
    } else if (argc == 2 && !strcmp(argv[1], "list")) {
        xgc_bus_t *bus = xgc_cli_connect(cfg, "host");
        rc = s_list(bus, cfg, &sc);
        xgc_bus_destroy(&bus);
    } else if (argc == 3 && (!strcmp(argv[1], "drain") || !strcmp(argv[1], "undrain"))) {
        xgc_bus_t *bus = xgc_cli_connect(cfg, "host");
        rc = s_drain(bus, cfg, argv[2], !strcmp(argv[1], "drain"));
        xgc_bus_destroy(&bus);
    } else {
        fprintf(stderr, "%s", s_usage);
    }
    xgc_config_destroy(&cfg);
    return rc;
}
