/* qemu_opts — the pure part of the qemu driver (pmd/driver_qemu.c): its
 * settings from the PM's `driver_opts`, the qemu command line of a VM, and
 * where a migrating VM is sent. No I/O, so all of it is unit tested
 * (tests/unit/test_qemu_opts.c). The driver itself is the class
 * xgc_driver_qemu (pmd/driver.h); docs/qemu.md lists the settings.
 */
#ifndef XGC_PMD_QEMU_OPTS_H
#define XGC_PMD_QEMU_OPTS_H

#include <stddef.h>

#include "xgc_model.h"
#include "xgc_yaml.h"

#define XGC_QEMU_ARGV_MAX 48

typedef struct {
    char qemu[256];            /* qemu binary (qemu-system-x86_64) */
    char accel[64];            /* -accel value (tcg,tb-size=32) */
    char kernel[512];          /* guest kernel (build/guest/vmlinux) */
    char initrd[512];          /* guest initramfs (build/guest/initrd.gz) */
    char netns[64];            /* network namespace of this host, "" = none */
    char migrate_ip[64];       /* address incoming migrations listen on */
    int migrate_port;          /* first port of the incoming range */
    int migrate_ports;         /* how many ports (one per concurrent arrival) */
    int migrate_mbps;          /* migration bandwidth MiB/s, 0 = qemu's default */
    char guest_broker[128];    /* broker URL as the guest reaches it, "" = no vmd */
    char guest_mode[16];       /* idle | busy: the vmd's CPU workload */
    char cgroup_root[256];     /* /sys/fs/cgroup */
    char cgroup_parent[128];   /* group of this host's VMs (xgc/<host>) */
    int mem_min_mb;            /* smallest guest RAM qemu gets (80) */
    double core_mhz;           /* MHz of one core, 0 = from the PM or cpuinfo */
    int boot_timeout_s;        /* create: until QMP reports running */
    int migrate_timeout_s;     /* incoming: until the VM arrives */
} xgc_qemu_opts_t;

/* A VM's own vmd key (docs/security.md, per-VM identity): the broker's
 * public key, which goes on the kernel command line (xgc.curve_server=, it
 * is public), and the file of the VM's key pair, which QEMU hands the guest
 * as the fw_cfg item opt/xgc/cert (the guest reads
 * /sys/firmware/qemu_fw_cfg/by_name/opt/xgc/cert/raw): the secret never
 * shows on qemu's command line, only the file's path. */
#define XGC_QEMU_FWCFG_CERT "opt/xgc/cert"
typedef struct {
    char server[41];           /* the broker's public key, Z85 */
    char cert[512];            /* <certs>/secret/vmd-<vm>.cert_secret */
} xgc_qemu_guest_key_t;

/* Settings from a driver_opts mapping (NULL = all defaults) for host.
 * Unknown keys and bad values are refused with file:line:col. */
int xgc_qemu_opts_load(const xgc_yaml_node_t *opts, const char *host,
                       xgc_qemu_opts_t *out, char *err, size_t errlen);

/* The qemu command line for VM `vm` with mem_mb of RAM (raised to the
 * minimum), its QMP socket and serial log paths, `incoming` ("" or a
 * qemu URI such as tcp:10.0.0.2:7411) and its own vmd key (NULL: none, the
 * guest uses its image's). Strings live in buf; argv ends with NULL.
 * Returns argc, or -1 when buf is too small. */
int xgc_qemu_argv(const xgc_qemu_opts_t *opts, const char *vm, double mem_mb,
                  const char *qmp_path, const char *serial_path,
                  const char *incoming, const xgc_qemu_guest_key_t *key,
                  char *buf, size_t buflen, char *argv[XGC_QEMU_ARGV_MAX]);

/* Where VM `vm` arrives on a host whose migration address is base (its
 * pm/<host>/info address): every host listens on a range of `ports` ports
 * from base's port, one per arriving VM, and a VM's port is fixed by its
 * name (base + a hash of it modulo ports), so that the source, which only
 * knows the published base address, sends to the right incoming qemu.
 * base is "tcp://IP:PORT" or qemu's "tcp:IP:PORT"; uri gets qemu's form.
 * -1 when base is neither or uri is too small. */
int xgc_qemu_migrate_uri(const char *base, const char *vm, int ports, char *uri, size_t len);
/* The port offset of vm in a range of `ports` (FNV-1a of its name). */
int xgc_qemu_migrate_offset(const char *vm, int ports);

#endif
