/* xlcfg — the xl driver's configuration mapping, kept out of the thin
 * libxl calls so that it is tested here, where Xen does not run.
 *
 *  - xgc_xlcfg_parse(): an xl domain config file (the subset xgc supports)
 *    read with libxlutil's parser (xlu_cfg_*), which needs no Xen, into a
 *    plain struct. Keys: name, type (pv|pvh|hvm; "builder" too), memory,
 *    maxmem, vcpus, maxvcpus, kernel, ramdisk, cmdline (or extra/root),
 *    disk = [...], vif = [...], cpu_weight, cap, on_poweroff, on_reboot,
 *    on_crash, on_watchdog. Other keys are ignored with a note (xl itself
 *    maps ~2,900 lines of keys; docs/pmd.md lists ours).
 *  - xgc_xlcfg_to_libxl(): that struct into a libxl_domain_config (disks
 *    through xlu_disk_parse, NICs from "key=value" lists like xl's
 *    parse_nic_config), with the plan's weight and cap.
 *  - xgc_xlcfg_on_shutdown(): what xl's per-domain monitor does when a
 *    guest shuts down (handle_domain_death in xl_vmcontrol.c): the
 *    configured action for the reason, and which guest event to report.
 */
#ifndef XGC_PMD_XLCFG_H
#define XGC_PMD_XLCFG_H

#define LIBXL_API_VERSION 0x041300
#include <libxl.h>
#include <libxl_utils.h>
#include <stddef.h>

#include "pmd/driver.h"

#define XGC_XLCFG_MAX_DEV 8

typedef struct {
    char name[XGC_NAME_MAX];
    libxl_domain_type type;
    long memory_mb, maxmem_mb;
    int vcpus, maxvcpus;
    char kernel[256], ramdisk[256], cmdline[512];
    char disks[XGC_XLCFG_MAX_DEV][256];
    int disk_n;
    char vifs[XGC_XLCFG_MAX_DEV][256];
    int vif_n;
    int weight;              /* -1 = unset */
    int cap_pct;             /* -1 = unset; % of one pCPU */
    libxl_action_on_shutdown on_poweroff, on_reboot, on_crash, on_watchdog;
} xgc_xlcfg_t;

/* Parse xl config text (source names it in errors). 0, or -1 with
 * "source: field 'x': reason" in err. */
int xgc_xlcfg_parse(const char *text, size_t len, const char *source,
                    xgc_xlcfg_t *out, char *err, size_t errlen);
/* Same, from a file. */
int xgc_xlcfg_load(const char *path, xgc_xlcfg_t *out, char *err, size_t errlen);

/* Fill dc (initialised here; the caller disposes it with
 * libxl_domain_config_dispose) from cfg, named `name`, with weight (0 =
 * config's or Xen's default) and cap in % of a pCPU (0 = none, -1 = the
 * config's). 0 or -1 with err. */
int xgc_xlcfg_to_libxl(const xgc_xlcfg_t *cfg, const char *name, int weight,
                       int cap_pct, libxl_domain_config *dc, char *err, size_t errlen);

/* Parse a MAC "aa:bb:cc:dd:ee:ff": 0 or -1. */
int xgc_xlcfg_mac(const char *text, libxl_mac mac);

/* xl's reaction to a guest shutdown with `reason` (LIBXL_SHUTDOWN_REASON_*):
 * the action to take, and the guest event to report (*kind; 0 for a
 * suspend, which is a migration's and not the guest's). */
libxl_action_on_shutdown xgc_xlcfg_on_shutdown(const xgc_xlcfg_t *cfg, int reason,
                                               xgc_op_kind_t *kind);

/* Names of a domain during a migration, as xl uses them. */
#define XGC_XL_INCOMING_SUFFIX   "--incoming"
#define XGC_XL_MIGRATEDAWAY_SUFFIX "--migratedaway"
/* The VM name of a domain name, and what its suffix says (pure):
 * XGC_DOM_MIGRATING_IN for --incoming, XGC_DOM_INDOUBT for --migratedaway,
 * else XGC_DOM_RUNNING. */
xgc_dom_state_t xgc_xlcfg_split_name(const char *domname, char *vm, size_t vmlen);

#endif
