/* xlcfg — xl config files to libxl structures, and xl's shutdown actions
 * (see xlcfg.h). libxlutil and the libxl type helpers used here work
 * without a hypervisor, so all of this runs in the unit tests.
 */
#include "pmd/xlcfg.h"    /* first: it pins LIBXL_API_VERSION */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxlutil.h>

static int s_err(char *err, size_t errlen, const char *source, const char *field,
                 const char *why)
{
    snprintf(err, errlen, "%s: field '%s': %s", source, field, why);
    return -1;
}

static int s_string(XLU_Config *c, const char *key, char *out, size_t outlen)
{
    const char *v;
    if (xlu_cfg_get_string(c, key, &v, 1) != 0)
        return 0;
    if (strlen(v) >= outlen)
        return -1;
    snprintf(out, outlen, "%s", v);
    return 1;
}

static int s_action(XLU_Config *c, const char *key, libxl_action_on_shutdown *out,
                    const char *source, char *err, size_t errlen)
{
    const char *v;
    if (xlu_cfg_get_string(c, key, &v, 1) != 0)
        return 0;
    if (libxl_action_on_shutdown_from_string(v, out) != 0)
        return s_err(err, errlen, source, key,
                     "expected destroy, restart, rename-restart, preserve, "
                     "coredump-destroy, coredump-restart or soft-reset");
    return 0;
}

static int s_list(XLU_Config *c, const char *key, char out[][256], int *n,
                  const char *source, char *err, size_t errlen)
{
    XLU_ConfigList *list;
    int count;
    *n = 0;
    if (xlu_cfg_get_list(c, key, &list, &count, 1) != 0)
        return 0;
    if (count > XGC_XLCFG_MAX_DEV)
        return s_err(err, errlen, source, key, "too many entries (at most 8)");
    for (int i = 0; i < count; i++) {
        const char *item = xlu_cfg_get_listitem(list, i);
        if (!item || strlen(item) >= 256)
            return s_err(err, errlen, source, key, "entry missing or too long");
        snprintf(out[i], 256, "%s", item);
    }
    *n = count;
    return 0;
}

/* A numeric key in [min, max]; 0 absent (out unchanged), -1 bad. */
static int s_long(XLU_Config *c, const char *key, long min, long max, long *out,
                  const char *source, char *err, size_t errlen)
{
    long v;
    int rc = xlu_cfg_get_long(c, key, &v, 1);
    if (rc == ESRCH)
        return 0;
    if (rc != 0 || v < min || v > max) {
        char why[80];
        snprintf(why, sizeof why, "expected a number in [%ld, %ld]", min, max);
        return s_err(err, errlen, source, key, why);
    }
    *out = v;
    return 0;
}

static int s_fill(XLU_Config *c, const char *source, xgc_xlcfg_t *o, char *err, size_t errlen)
{
    char type[16] = "";
    if (s_string(c, "name", o->name, sizeof o->name) < 0 ||
        s_string(c, "kernel", o->kernel, sizeof o->kernel) < 0 ||
        s_string(c, "ramdisk", o->ramdisk, sizeof o->ramdisk) < 0 ||
        s_string(c, "cmdline", o->cmdline, sizeof o->cmdline) < 0 ||
        s_string(c, "type", type, sizeof type) < 0)
        return s_err(err, errlen, source, "name/kernel/ramdisk/cmdline/type", "too long");
    if (!o->cmdline[0])    /* xl builds it from root= and extra= */
        s_string(c, "extra", o->cmdline, sizeof o->cmdline);
    if (!type[0])
        s_string(c, "builder", type, sizeof type);
    if (strcmp(type, "generic") == 0 || !type[0])
        snprintf(type, sizeof type, "pv");
    if (libxl_domain_type_from_string(type, &o->type) != 0 ||
        o->type == LIBXL_DOMAIN_TYPE_INVALID)
        return s_err(err, errlen, source, "type", "expected pv, pvh or hvm");
    long mem = o->memory_mb, maxmem = -1, vcpus = o->vcpus, maxv = -1;
    long weight = -1, cap = -1;
    if (s_long(c, "memory", 1, 1L << 24, &mem, source, err, errlen) ||
        s_long(c, "maxmem", 1, 1L << 24, &maxmem, source, err, errlen) ||
        s_long(c, "vcpus", 1, 512, &vcpus, source, err, errlen) ||
        s_long(c, "maxvcpus", 1, 512, &maxv, source, err, errlen) ||
        s_long(c, "cpu_weight", 1, 65535, &weight, source, err, errlen) ||
        s_long(c, "cap", 0, 51200, &cap, source, err, errlen))
        return -1;
    o->memory_mb = mem;
    o->maxmem_mb = maxmem > 0 ? maxmem : mem;
    o->vcpus = (int)vcpus;
    o->maxvcpus = maxv > 0 ? (int)maxv : (int)vcpus;
    o->weight = (int)weight;
    o->cap_pct = (int)cap;
    if (o->maxmem_mb < o->memory_mb)
        return s_err(err, errlen, source, "maxmem", "smaller than memory");
    if (o->maxvcpus < o->vcpus)
        return s_err(err, errlen, source, "maxvcpus", "smaller than vcpus");
    if ((o->type == LIBXL_DOMAIN_TYPE_PV || o->type == LIBXL_DOMAIN_TYPE_PVH) && !o->kernel[0])
        return s_err(err, errlen, source, "kernel", "missing (pv/pvh guests boot a kernel)");
    return s_action(c, "on_poweroff", &o->on_poweroff, source, err, errlen) ||
           s_action(c, "on_reboot", &o->on_reboot, source, err, errlen) ||
           s_action(c, "on_crash", &o->on_crash, source, err, errlen) ||
           s_action(c, "on_watchdog", &o->on_watchdog, source, err, errlen) ||
           s_list(c, "disk", o->disks, &o->disk_n, source, err, errlen) ||
           s_list(c, "vif", o->vifs, &o->vif_n, source, err, errlen) ? -1 : 0;
}

static void s_defaults(xgc_xlcfg_t *o)
{
    memset(o, 0, sizeof *o);
    o->memory_mb = 128;      /* xl's defaults */
    o->vcpus = 1;
    o->weight = -1;
    o->cap_pct = -1;
    o->on_poweroff = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
    o->on_reboot = LIBXL_ACTION_ON_SHUTDOWN_RESTART;
    o->on_crash = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
    o->on_watchdog = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
}

int xgc_xlcfg_parse(const char *text, size_t len, const char *source,
                    xgc_xlcfg_t *out, char *err, size_t errlen)
{
    s_defaults(out);
    FILE *devnull = fopen("/dev/null", "w");    /* libxlutil's warnings: ours are clearer */
    XLU_Config *c = xlu_cfg_init(devnull ? devnull : stderr, source);
    int rc = -1;
    if (!c)
        snprintf(err, errlen, "%s: out of memory", source);
    else if (len > 1 << 20 || xlu_cfg_readdata(c, text, (int)len) != 0)
        snprintf(err, errlen, "%s: not a valid xl config (syntax)", source);
    else
        rc = s_fill(c, source, out, err, errlen);
    if (c)
        xlu_cfg_destroy(c);
    if (devnull)
        fclose(devnull);
    return rc;
}

int xgc_xlcfg_load(const char *path, xgc_xlcfg_t *out, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *buf = malloc(1 << 20);
    size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    if (!buf) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    buf[n] = '\0';
    int rc = xgc_xlcfg_parse(buf, n, path, out, err, errlen);
    free(buf);
    return rc;
}

int xgc_xlcfg_mac(const char *text, libxl_mac mac)
{
    unsigned b[6];
    char tail;
    if (sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
               &tail) != 6)
        return -1;
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)b[i];
    return 0;
}

/* "mac=..,bridge=..,ip=..,script=..,model=.." as xl's parse_nic_config. */
static int s_nic(const char *spec, libxl_device_nic *nic, char *err, size_t errlen)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *save = NULL, *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        while (*kv == ' ')
            kv++;
        char *eq = strchr(kv, '=');
        if (!eq) {
            snprintf(err, errlen, "vif '%s': '%s' is not key=value", spec, kv);
            return -1;
        }
        *eq = '\0';
        const char *v = eq + 1;
        if (!strcmp(kv, "mac")) {
            if (xgc_xlcfg_mac(v, nic->mac) < 0) {
                snprintf(err, errlen, "vif '%s': bad mac '%s'", spec, v);
                return -1;
            }
        } else if (!strcmp(kv, "bridge")) nic->bridge = strdup(v);
        else if (!strcmp(kv, "ip")) nic->ip = strdup(v);
        else if (!strcmp(kv, "script")) nic->script = strdup(v);
        else if (!strcmp(kv, "model")) nic->model = strdup(v);
        else {
            snprintf(err, errlen, "vif '%s': key '%s' is not supported", spec, kv);
            return -1;
        }
    }
    return 0;
}

static char *s_dup(const char *s)
{
    return s && s[0] ? strdup(s) : NULL;
}

int xgc_xlcfg_to_libxl(const xgc_xlcfg_t *cfg, const char *name, int weight, int cap_pct,
                       libxl_domain_config *dc, char *err, size_t errlen)
{
    libxl_domain_config_init(dc);
    dc->c_info.type = cfg->type;
    dc->c_info.name = strdup(name && name[0] ? name : cfg->name);
    libxl_domain_build_info_init_type(&dc->b_info, cfg->type);
    dc->b_info.max_vcpus = cfg->maxvcpus;
    /* by hand: libxl_cpu_bitmap_alloc wants a ctx, which needs Xen */
    libxl_bitmap *avail = &dc->b_info.avail_vcpus;
    avail->size = (uint32_t)(cfg->maxvcpus + 7) / 8;
    avail->map = calloc(avail->size, 1);
    for (int i = 0; avail->map && i < cfg->vcpus; i++)
        avail->map[i / 8] |= (uint8_t)(1u << (i % 8));
    dc->b_info.max_memkb = (uint64_t)cfg->maxmem_mb * 1024;
    dc->b_info.target_memkb = (uint64_t)cfg->memory_mb * 1024;
    dc->b_info.kernel = s_dup(cfg->kernel);
    dc->b_info.ramdisk = s_dup(cfg->ramdisk);
    dc->b_info.cmdline = s_dup(cfg->cmdline);
    int w = weight > 0 ? weight : cfg->weight;
    int c = cap_pct >= 0 ? cap_pct : cfg->cap_pct;
    if (w > 0)
        dc->b_info.sched_params.weight = w;
    if (c >= 0)
        dc->b_info.sched_params.cap = c;
    dc->on_poweroff = cfg->on_poweroff;
    dc->on_reboot = cfg->on_reboot;
    dc->on_crash = cfg->on_crash;
    dc->on_watchdog = cfg->on_watchdog;
    if (cfg->disk_n) {
        dc->disks = calloc((size_t)cfg->disk_n, sizeof *dc->disks);
        FILE *devnull = fopen("/dev/null", "w");
        XLU_Config *x = xlu_cfg_init(devnull ? devnull : stderr, "disk");
        for (int i = 0; dc->disks && x && i < cfg->disk_n; i++) {
            libxl_device_disk_init(&dc->disks[i]);
            dc->num_disks = i + 1;
            const char *spec = cfg->disks[i];
            if (xlu_disk_parse(x, 1, &spec, &dc->disks[i]) != 0) {
                snprintf(err, errlen, "disk '%s': not a valid xl disk spec", spec);
                xlu_cfg_destroy(x);
                if (devnull)
                    fclose(devnull);
                return -1;
            }
        }
        if (x)
            xlu_cfg_destroy(x);
        if (devnull)
            fclose(devnull);
    }
    if (cfg->vif_n) {
        dc->nics = calloc((size_t)cfg->vif_n, sizeof *dc->nics);
        for (int i = 0; dc->nics && i < cfg->vif_n; i++) {
            libxl_device_nic_init(&dc->nics[i]);
            dc->nics[i].devid = i;
            dc->num_nics = i + 1;
            if (s_nic(cfg->vifs[i], &dc->nics[i], err, errlen) < 0)
                return -1;
        }
    }
    return 0;
}

libxl_action_on_shutdown xgc_xlcfg_on_shutdown(const xgc_xlcfg_t *cfg, int reason,
                                               xgc_op_kind_t *kind)
{
    switch (reason) {
    case LIBXL_SHUTDOWN_REASON_POWEROFF:
        *kind = XGC_EV_GUEST_SHUTDOWN;
        return cfg->on_poweroff;
    case LIBXL_SHUTDOWN_REASON_REBOOT:
        *kind = XGC_EV_GUEST_REBOOT;
        return cfg->on_reboot;
    case LIBXL_SHUTDOWN_REASON_SUSPEND:
        *kind = 0;    /* a migration's suspend: the migration code handles it */
        return LIBXL_ACTION_ON_SHUTDOWN_PRESERVE;
    case LIBXL_SHUTDOWN_REASON_WATCHDOG:
        *kind = XGC_EV_GUEST_CRASH;
        return cfg->on_watchdog;
    case LIBXL_SHUTDOWN_REASON_SOFT_RESET:
        *kind = XGC_EV_GUEST_REBOOT;
        return LIBXL_ACTION_ON_SHUTDOWN_SOFT_RESET;
    default:    /* crash and unknown reasons: xl treats them as a crash */
        *kind = XGC_EV_GUEST_CRASH;
        return cfg->on_crash;
    }
}

static int s_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && strcmp(s + n - k, suffix) == 0;
}

xgc_dom_state_t xgc_xlcfg_split_name(const char *domname, char *vm, size_t vmlen)
{
    xgc_dom_state_t st = XGC_DOM_RUNNING;
    size_t n = strlen(domname);
    if (s_ends_with(domname, XGC_XL_INCOMING_SUFFIX)) {
        st = XGC_DOM_MIGRATING_IN;
        n -= strlen(XGC_XL_INCOMING_SUFFIX);
    } else if (s_ends_with(domname, XGC_XL_MIGRATEDAWAY_SUFFIX)) {
        st = XGC_DOM_INDOUBT;
        n -= strlen(XGC_XL_MIGRATEDAWAY_SUFFIX);
    }
    if (n >= vmlen)
        n = vmlen - 1;
    memcpy(vm, domname, n);
    vm[n] = '\0';
    return st;
}
