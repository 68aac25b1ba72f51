/*
 * libxl_probe — a tiny libxenlight client for the nested-Xen smoke test.
 *
 * It is built on the host against libxen-dev (the same 4.17.x as the tools
 * inside the rig's dom0) and run inside dom0, to show before any xgc code is
 * involved that the libxl calls the xl driver relies on work on real Xen:
 *
 *   libxl_probe list                  domains: id, name, memory, CPU time
 *   libxl_probe physinfo              CPUs, MHz, total/free memory, version
 *   libxl_probe sched DOM [W C]       read (and set, then read back) the
 *                                     weight and cap of DOM (credit/credit2)
 *
 * Output is one "key=value" line per fact so that a shell test can grep it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxl.h>
#include <libxl_utils.h>
#include <xentoollog.h>

static int s_list(libxl_ctx *ctx)
{
    int n = 0;
    libxl_dominfo *info = libxl_list_domain(ctx, &n);
    if (!info) {
        fprintf(stderr, "libxl_list_domain failed\n");
        return 1;
    }
    for (int i = 0; i < n; i++) {
        char *name = libxl_domid_to_name(ctx, info[i].domid);
        printf("domain id=%u name=%s mem_kb=%llu cpu_ns=%llu\n", info[i].domid,
               name ? name : "?", (unsigned long long)info[i].current_memkb,
               (unsigned long long)info[i].cpu_time);
        free(name);
    }
    libxl_dominfo_list_free(info, n);
    printf("domains=%d\n", n);
    return 0;
}

static int s_physinfo(libxl_ctx *ctx)
{
    libxl_physinfo pi;
    libxl_physinfo_init(&pi);
    int rc = libxl_get_physinfo(ctx, &pi);
    if (rc) {
        fprintf(stderr, "libxl_get_physinfo failed: %d\n", rc);
        return 1;
    }
    const libxl_version_info *v = libxl_get_version_info(ctx);
    printf("physinfo nr_cpus=%u cpu_khz=%u total_mb=%llu free_mb=%llu\n", pi.nr_cpus,
           pi.cpu_khz, (unsigned long long)pi.total_pages * 4 / 1024,
           (unsigned long long)pi.free_pages * 4 / 1024);
    printf("xen version=%d.%d%s sched=%s\n", v->xen_version_major, v->xen_version_minor,
           v->xen_version_extra, libxl_scheduler_to_string(libxl_get_scheduler(ctx)));
    libxl_physinfo_dispose(&pi);
    return 0;
}

static int s_sched_print(libxl_ctx *ctx, uint32_t domid, const char *what)
{
    libxl_domain_sched_params p;
    libxl_domain_sched_params_init(&p);
    int rc = libxl_domain_sched_params_get(ctx, domid, &p);
    if (rc) {
        fprintf(stderr, "libxl_domain_sched_params_get(%u) failed: %d\n", domid, rc);
        return 1;
    }
    printf("%s sched=%s weight=%d cap=%d\n", what, libxl_scheduler_to_string(p.sched),
           p.weight, p.cap);
    libxl_domain_sched_params_dispose(&p);
    return 0;
}

static int s_sched(libxl_ctx *ctx, int argc, char **argv)
{
    uint32_t domid;
    if (libxl_name_to_domid(ctx, argv[0], &domid)) {
        fprintf(stderr, "no domain named '%s'\n", argv[0]);
        return 1;
    }
    if (s_sched_print(ctx, domid, "get"))
        return 1;
    if (argc < 3)
        return 0;
    libxl_domain_sched_params p;
    libxl_domain_sched_params_init(&p);   /* sched = default: the domain's pool's */
    p.weight = atoi(argv[1]);
    p.cap = atoi(argv[2]);
    int rc = libxl_domain_sched_params_set(ctx, domid, &p);
    libxl_domain_sched_params_dispose(&p);
    if (rc) {
        fprintf(stderr, "libxl_domain_sched_params_set(%u) failed: %d\n", domid, rc);
        return 1;
    }
    return s_sched_print(ctx, domid, "set");
}

int main(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "sched") == 0 && argc != 3 && argc != 5)) {
        fprintf(stderr, "usage: libxl_probe list | physinfo | sched DOM [WEIGHT CAP]\n");
        return 2;
    }
    xentoollog_logger_stdiostream *lg = xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
    libxl_ctx *ctx = NULL;
    if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, (xentoollog_logger *)lg)) {
        fprintf(stderr, "libxl_ctx_alloc failed (is this dom0 with xenstored up?)\n");
        return 1;
    }
    int rc;
    if (strcmp(argv[1], "list") == 0)
        rc = s_list(ctx);
    else if (strcmp(argv[1], "physinfo") == 0)
        rc = s_physinfo(ctx);
    else if (strcmp(argv[1], "sched") == 0)
        rc = s_sched(ctx, argc - 2, argv + 2);
    else {
        fprintf(stderr, "unknown command '%s'\n", argv[1]);
        rc = 2;
    }
    libxl_ctx_free(ctx);
    xtl_logger_destroy((xentoollog_logger *)lg);
    return rc;
}
