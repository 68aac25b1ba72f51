/* qemu_opts — see qemu_opts.h: the qemu driver's settings (a table of
 * keys read from driver_opts over defaults), the command line they give a
 * VM, and the per-VM migration port. */
#include "pmd/qemu_opts.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- settings -------------------------------------------------------------- */

typedef struct {
    const char *key;
    char type;                   /* s string, i int, d double */
    size_t offset, size;
} s_opt_t;

#define S_STR(k, f) { k, 's', offsetof(xgc_qemu_opts_t, f), sizeof(((xgc_qemu_opts_t *)0)->f) }
#define S_INT(k, f) { k, 'i', offsetof(xgc_qemu_opts_t, f), 0 }
#define S_DBL(k, f) { k, 'd', offsetof(xgc_qemu_opts_t, f), 0 }
static const s_opt_t s_opts[] = {
    S_STR("qemu", qemu), S_STR("accel", accel), S_STR("kernel", kernel),
    S_STR("initrd", initrd), S_STR("netns", netns), S_STR("migrate_ip", migrate_ip),
    S_INT("migrate_port", migrate_port), S_INT("migrate_ports", migrate_ports),
    S_INT("migrate_mbps", migrate_mbps), S_STR("guest_broker", guest_broker),
    S_STR("guest_mode", guest_mode), S_STR("cgroup_root", cgroup_root),
    S_STR("cgroup_parent", cgroup_parent), S_INT("mem_min_mb", mem_min_mb),
    S_DBL("core_mhz", core_mhz), S_INT("boot_timeout_s", boot_timeout_s),
    S_INT("migrate_timeout_s", migrate_timeout_s),
};
#define S_OPTS_N (sizeof s_opts / sizeof *s_opts)

static void s_defaults(xgc_qemu_opts_t *o, const char *host)
{
    const char *root = getenv("XGC_ROOT");
    memset(o, 0, sizeof *o);
    snprintf(o->qemu, sizeof o->qemu, "qemu-system-x86_64");
    snprintf(o->accel, sizeof o->accel, "tcg,tb-size=32");
    snprintf(o->kernel, sizeof o->kernel, "%s%sbuild/guest/vmlinux", root ? root : "", root ? "/" : "");
    snprintf(o->initrd, sizeof o->initrd, "%s%sbuild/guest/initrd.gz", root ? root : "", root ? "/" : "");
    snprintf(o->migrate_ip, sizeof o->migrate_ip, "127.0.0.1");
    o->migrate_port = 7411;
    o->migrate_ports = 32;
    o->migrate_mbps = 1000;
    snprintf(o->guest_mode, sizeof o->guest_mode, "idle");
    snprintf(o->cgroup_root, sizeof o->cgroup_root, "/sys/fs/cgroup");
    snprintf(o->cgroup_parent, sizeof o->cgroup_parent, "xgc/%s", host && *host ? host : "pm");
    o->mem_min_mb = 80;
    o->boot_timeout_s = 60;
    o->migrate_timeout_s = 120;
}

static int s_opt_read(const xgc_yaml_node_t *node, const s_opt_t *opt, xgc_qemu_opts_t *out,
                      char *err, size_t errlen)
{
    char *field = (char *)out + opt->offset;
    const char *text;
    long n;
    switch (opt->type) {
    case 's':
        if (xgc_yaml_string(node, opt->key, &text, err, errlen) != 0)
            return -1;
        if (strlen(text) >= opt->size)
            return xgc_yaml_error(err, errlen, node, opt->key, "longer than %zu characters", opt->size - 1);
        memcpy(field, text, strlen(text) + 1);
        return 0;
    case 'i':
        if (xgc_yaml_long(node, opt->key, &n, err, errlen) != 0)
            return -1;
        if (n < 0 || n > 65535)
            return xgc_yaml_error(err, errlen, node, opt->key, "must be 0..65535");
        *(int *)field = (int)n;
        return 0;
    default:
        return xgc_yaml_double(node, opt->key, (double *)field, err, errlen);
    }
}

int xgc_qemu_opts_load(const xgc_yaml_node_t *opts, const char *host,
                       xgc_qemu_opts_t *out, char *err, size_t errlen)
{
    s_defaults(out, host);
    if (!opts)
        return 0;
    if (opts->kind != XGC_YAML_MAP)
        return xgc_yaml_error(err, errlen, opts, "driver_opts", "must be a mapping");
    const char *allowed[S_OPTS_N + 1];
    for (size_t i = 0; i < S_OPTS_N; i++)
        allowed[i] = s_opts[i].key;
    allowed[S_OPTS_N] = NULL;
    if (xgc_yaml_check_keys(opts, allowed, "driver_opts", err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < S_OPTS_N; i++) {
        const xgc_yaml_node_t *node = xgc_yaml_get(opts, s_opts[i].key);
        if (node && s_opt_read(node, &s_opts[i], out, err, errlen) != 0)
            return -1;
    }
    const xgc_yaml_node_t *mode = xgc_yaml_get(opts, "guest_mode");
    if (strcmp(out->guest_mode, "idle") != 0 && strcmp(out->guest_mode, "busy") != 0)
        return xgc_yaml_error(err, errlen, mode, "guest_mode", "must be idle or busy");
    if (out->migrate_ports < 1 || out->migrate_port + out->migrate_ports > 65536)
        return xgc_yaml_error(err, errlen, xgc_yaml_get(opts, "migrate_ports"), "migrate_ports",
                              "must be ≥ 1, with migrate_port + migrate_ports ≤ 65536");
    return 0;
}

/* --- command line ---------------------------------------------------------- */

typedef struct {
    char *buf;
    size_t len, used;
    char **argv;
    int argc;
    int full;
} s_args_t;

static void s_arg(s_args_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void s_arg(s_args_t *a, const char *fmt, ...)
{
    if (a->full || a->argc >= XGC_QEMU_ARGV_MAX - 1) {
        a->full = 1;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(a->buf + a->used, a->len - a->used, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= a->len - a->used) {
        a->full = 1;
        return;
    }
    a->argv[a->argc++] = a->buf + a->used;
    a->used += (size_t)n + 1;
}

/* path as a qemu option value: a ',' is written ",," (else it would end
 * the value). 0, or -1 when it is empty or does not fit in len. */
static int s_escape(const char *path, char *out, size_t len)
{
    size_t n = 0;
    for (; *path; path++) {
        if (n + 3 > len)
            return -1;
        out[n++] = *path;
        if (*path == ',')
            out[n++] = ',';
    }
    out[n] = '\0';
    return n ? 0 : -1;
}

int xgc_qemu_argv(const xgc_qemu_opts_t *opts, const char *vm, double mem_mb,
                  const char *qmp_path, const char *serial_path,
                  const char *incoming, const xgc_qemu_guest_key_t *key,
                  char *buf, size_t buflen, char *argv[XGC_QEMU_ARGV_MAX])
{
    s_args_t a = { buf, buflen, 0, argv, 0, 0 };
    int mem = mem_mb < opts->mem_min_mb ? opts->mem_min_mb : (int)mem_mb;
    s_arg(&a, "%s", opts->qemu);
    s_arg(&a, "-name"), s_arg(&a, "%s", vm);
    s_arg(&a, "-accel"), s_arg(&a, "%s", opts->accel);
    s_arg(&a, "-m"), s_arg(&a, "%d", mem);
    s_arg(&a, "-smp"), s_arg(&a, "1");
    s_arg(&a, "-nodefaults"), s_arg(&a, "-no-user-config");
    s_arg(&a, "-display"), s_arg(&a, "none");
    s_arg(&a, "-no-reboot");
    s_arg(&a, "-kernel"), s_arg(&a, "%s", opts->kernel);
    s_arg(&a, "-initrd"), s_arg(&a, "%s", opts->initrd);
    s_arg(&a, "-append");
    /* no_timer_check: on a loaded host TCG is too slow for the kernel's
     * IO-APIC timer check, which then panics */
    s_arg(&a, "console=ttyS0 panic=-1 quiet no_timer_check xgc.vm=%s xgc.mode=%s%s%s%s%s", vm,
          opts->guest_mode, opts->guest_broker[0] ? " xgc.broker=" : "", opts->guest_broker,
          key ? " xgc.curve_server=" : "", key ? key->server : "");
    if (key) {
        char path[sizeof key->cert * 2];
        if (s_escape(key->cert, path, sizeof path) < 0)
            return -1;
        s_arg(&a, "-fw_cfg"), s_arg(&a, "name=" XGC_QEMU_FWCFG_CERT ",file=%s", path);
    }
    s_arg(&a, "-chardev"), s_arg(&a, "file,id=serial0,path=%s,append=on", serial_path);
    s_arg(&a, "-serial"), s_arg(&a, "chardev:serial0");
    s_arg(&a, "-qmp"), s_arg(&a, "unix:%s,server=on,wait=off", qmp_path);
    s_arg(&a, "-netdev"), s_arg(&a, "user,id=net0");
    s_arg(&a, "-device"), s_arg(&a, "virtio-net-pci,netdev=net0");
    if (incoming && *incoming)
        s_arg(&a, "-incoming"), s_arg(&a, "%s", incoming);
    if (a.full)
        return -1;
    argv[a.argc] = NULL;
    return a.argc;
}

int xgc_qemu_migrate_offset(const char *vm, int ports)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)vm; *p; p++)
        h = (h ^ *p) * 16777619u;
    return ports > 0 ? (int)(h % (uint32_t)ports) : 0;
}

int xgc_qemu_migrate_uri(const char *base, const char *vm, int ports, char *uri, size_t len)
{
    const char *hostport = strncmp(base, "tcp://", 6) == 0 ? base + 6
                         : strncmp(base, "tcp:", 4) == 0 ? base + 4 : NULL;
    const char *colon = hostport ? strrchr(hostport, ':') : NULL;
    char *end;
    long port = colon ? strtol(colon + 1, &end, 10) : 0;
    if (!colon || colon == hostport || *end || port <= 0 || port > 65535)
        return -1;
    port += xgc_qemu_migrate_offset(vm, ports);
    int n = snprintf(uri, len, "tcp:%.*s:%ld", (int)(colon - hostport), hostport, port);
    return n > 0 && (size_t)n < len && port <= 65535 ? 0 : -1;
}

