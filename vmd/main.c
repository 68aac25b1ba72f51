/* xgc-vmd — the agent inside a VM: the seed's util_server / cpu_usage /
 * res_server / lookup_vmname in one small program. Every interval it
 * publishes `metric.vm.<name>`: CPU use from /proc/stat, the response time
 * of a probe (HTTP URL or command), liveness and uptime. Optionally it runs
 * a workload (an HTTP endpoint doing CPU work per request, a busy loop).
 *
 * It speaks to the broker's event socket with its own minimal ZMTP
 * publisher (vmd/zmtp.h), so it also builds as a static binary for a
 * minimal guest (build/bin/xgc-vmd-static). See docs/vmd.md.
 */
#include <dirent.h>
#include <sodium.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmd/identity.h"
#include "vmd/probes.h"
#include "vmd/workload.h"
#include "vmd/zmtp.h"
#include "xgc_config.h"
#include "xgc_msg.h"
#include "xgc_security.h"
#include "xgc_state.h"

/* Where a guest's initramfs keeps the shared vmd key pair
 * (vmd/guest/mkinitrd.sh). */
#define S_GUEST_CERT "/etc/xgc/vmd.cert_secret"
/* Where a guest finds its own key pair when the qemu driver hands it one
 * (QEMU -fw_cfg name=opt/xgc/cert, read through the qemu_fw_cfg module):
 * taken before the image's shared one. docs/security.md. */
#define S_FWCFG_CERT "/sys/firmware/qemu_fw_cfg/by_name/opt/xgc/cert/raw"

static const char s_usage[] =
    "usage: xgc-vmd [options]\n"
    "Publishes metric.vm.<name> (CPU, probe response time, liveness, uptime).\n"
    "  --name NAME            this VM (else kernel cmdline xgc.name=, $XGC_VM_NAME,\n"
    "                         the seed's MAC mapping, the hostname)\n"
    "  --name-prefix P        MAC/IP mapping: name = P + (last IP byte - base)\n"
    "  --name-base N          (defaults arch_ and 100, as the seed)\n"
    "  --host H               the PM it runs on, if known (cmdline xgc.host=)\n"
    "  --broker tcp://IP:PORT the broker's event input (XSUB) (cmdline xgc.broker=;\n"
    "                         default: from the deployment file)\n"
    "  --curve-server KEY     CURVE: the broker's public key, 40 Z85 characters or its\n"
    "                         certificate file (certs/broker.cert) (cmdline\n"
    "                         xgc.curve_server=)\n"
    "  --cert FILE            CURVE: this vmd's key pair, the secret certificate made\n"
    "                         by xgc keygen (certs/secret/vmd-NAME.cert_secret or\n"
    "                         vmd.cert_secret) (cmdline xgc.cert=; default: this VM's\n"
    "                         own key from QEMU fw_cfg opt/xgc/cert if there, else\n"
    "                         " S_GUEST_CERT ")\n"
    "                         Without either, from -c FILE.yaml's security: section\n"
    "                         (curve: <certs>/broker.cert, <certs>/secret/vmd-NAME.\n"
    "                         cert_secret if there, else vmd.cert_secret, or\n"
    "                         $XGC_CERT), else plaintext (NULL)\n"
    "  --interval-ms N        period (default 1000)\n"
    "  --probe-url URL        time an HTTP GET of URL (http://IP:PORT/path)\n"
    "  --probe-cmd CMD        time `sh -c CMD`\n"
    "  --serve PORT           built-in workload: HTTP endpoint doing CPU work\n"
    "  --work-ms N            CPU ms per request (default 20)\n"
    "  --busy F               keep F (0..1) of a core busy\n"
    "  --core-mhz N           MHz of a core (default /proc/cpuinfo)\n"
    "  --count N              publish N times, then exit (tests)\n";

static volatile sig_atomic_t s_stop;

static void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

typedef struct {
    const char *name, *host, *broker, *probe_url, *probe_cmd, *prefix;
    const char *curve_server, *cert;
    int base, serve;
    long interval_ms, count;
    double work_ms, busy, core_mhz;
} s_opts_t;

static int s_args(s_opts_t *o, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "xgc-vmd: bad argument '%s'\n%s", a, s_usage);
            return -1;
        }
        char *end;
        double x = strtod(v, &end);
        int num = end != v && *end == '\0' && x >= 0;
        if (!strcmp(a, "--name")) o->name = v;
        else if (!strcmp(a, "--host")) o->host = v;
        else if (!strcmp(a, "--broker")) o->broker = v;
        else if (!strcmp(a, "--probe-url")) o->probe_url = v;
        else if (!strcmp(a, "--curve-server")) o->curve_server = v;
        else if (!strcmp(a, "--cert")) o->cert = v;
        else if (!strcmp(a, "--probe-cmd")) o->probe_cmd = v;
        else if (!strcmp(a, "--name-prefix")) o->prefix = v;
        else if (!strcmp(a, "--name-base") && num) o->base = (int)x;
        else if (!strcmp(a, "--serve") && num && x > 0 && x < 65536) o->serve = (int)x;
        else if (!strcmp(a, "--interval-ms") && num && x > 0) o->interval_ms = (long)x;
        else if (!strcmp(a, "--count") && num && x > 0) o->count = (long)x;
        else if (!strcmp(a, "--work-ms") && num) o->work_ms = x;
        else if (!strcmp(a, "--busy") && num && x <= 1) o->busy = x;
        else if (!strcmp(a, "--core-mhz") && num && x > 0) o->core_mhz = x;
        else {
            fprintf(stderr, "xgc-vmd: bad argument '%s %s'\n%s", a, v, s_usage);
            return -1;
        }
        i++;
    }
    return 0;
}

/* The seed's mapping: the first interface whose MAC is 00:1b:... */
static int s_name_from_mac(const s_opts_t *o, char *out, size_t outlen)
{
    DIR *d = opendir("/sys/class/net");
    struct dirent *e;
    int rc = -1;
    while (d && rc < 0 && (e = readdir(d))) {
        char path[300], mac[64] = "";
        snprintf(path, sizeof path, "/sys/class/net/%s/address", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        if (fgets(mac, sizeof mac, f)) {
            uint8_t ip[4];
            if (xgc_vmd_mac_to_ip(mac, ip) == 0)
                rc = xgc_vmd_name_from_ip(ip, o->prefix, o->base, out, outlen);
        }
        fclose(f);
    }
    if (d)
        closedir(d);
    return rc;
}

static void s_identity(s_opts_t *o, const char *cmdline, char *name, size_t len,
                       char *host, size_t hostlen, char *broker, size_t blen)
{
    if (!o->host && xgc_vmd_cmdline_get(cmdline, "xgc.host", host, hostlen) == 0)
        o->host = host;
    if (!o->broker && xgc_vmd_cmdline_get(cmdline, "xgc.broker", broker, blen) == 0)
        o->broker = broker;
    if (o->name)
        return;
    const char *env = getenv("XGC_VM_NAME");
    if (xgc_vmd_cmdline_get(cmdline, "xgc.name", name, len) == 0 ||
        (env && snprintf(name, len, "%s", env) > 0) ||
        s_name_from_mac(o, name, len) == 0 || gethostname(name, len) == 0)
        o->name = name;
}

/* This VM's own key pair in the keygen directory (xgc keygen --vm NAME):
 * its path into cert, if it is there. */
static bool s_own_cert(const char *certs, const char *vm, char *cert, size_t len)
{
    if (!vm || !*vm || strchr(vm, '/'))
        return false;
    snprintf(cert, len, "%s/secret/vmd-%s.cert_secret", certs, vm);
    return access(cert, R_OK) == 0;
}

/* The CURVE key files from the deployment file's security: section, if it
 * says curve (the same files and $XGC_CERT as every bus client; without
 * $XGC_CERT this VM's own vmd-<vm> key pair when keygen made one, else the
 * shared one). 1 if so, 0 for plaintext, -1 on a bad section. */
static int s_curve_from_config(const xgc_config_t *cfg, const char *vm, char *server,
                               char *cert, size_t len, char *err, size_t errlen)
{
    xgc_security_t sec;
    char name[XGC_PATH_MAX];
    if (xgc_security_parse(cfg, &sec, err, errlen) < 0)
        return -1;
    if (sec.mode != XGC_SECURITY_CURVE)
        return 0;
    xgc_security_cert_name("vmd", name, sizeof name);
    snprintf(server, len, "%s/broker.cert", sec.certs);
    if (strchr(name, '/'))      /* a path, as for the other clients: its _secret twin */
        snprintf(cert, len, "%s%s", name, strstr(name, "_secret") ? "" : "_secret");
    else    /* $XGC_CERT names another one, or the VM has none of its own */
    if (!streq(name, "vmd") || !s_own_cert(sec.certs, vm, cert, len))
        snprintf(cert, len, "%s/secret/%s.cert_secret", sec.certs, name);
    return 1;
}

/* The key pair when only the broker's key was given: this VM's own (fw_cfg)
 * if the host handed it one, else the image's shared one. */
static const char *s_guest_cert(void)
{
    return access(S_FWCFG_CERT, R_OK) == 0 ? S_FWCFG_CERT : S_GUEST_CERT;
}

/* Options, kernel command line, else the deployment file: CURVE keys for z,
 * or none (plaintext). The key pair's file goes to cert_used (its path
 * only: the secret is never printed). 0, or -1 with the reason printed. */
static int s_security(const s_opts_t *o, const char *cmdline, const xgc_config_t *cfg,
                      xgc_zmtp_t *z, char *cert_used, size_t used_len)
{
    char server_buf[XGC_PATH_MAX * 3], cert_buf[XGC_PATH_MAX * 3], err[300] = "";
    const char *server = o->curve_server, *cert = o->cert;
    xgc_curve_keys_t keys;
    if (!server &&
        xgc_vmd_cmdline_get(cmdline, "xgc.curve_server", server_buf, sizeof server_buf) == 0)
        server = server_buf;
    if (!cert && xgc_vmd_cmdline_get(cmdline, "xgc.cert", cert_buf, sizeof cert_buf) == 0)
        cert = cert_buf;
    if (!server && !cert) {
        if (s_curve_from_config(cfg, o->name, server_buf, cert_buf, sizeof server_buf, err,
                                sizeof err) <= 0)
            goto done;
        server = server_buf;
        cert = cert_buf;
    }
    if (!server) {
        snprintf(err, sizeof err, "--cert needs the broker's public key (--curve-server)");
        goto done;
    }
    if (!cert)
        cert = s_guest_cert();
    if (xgc_curve_server_key(server, keys.server, err, sizeof err) == 0 &&
        xgc_curve_cert_load(cert, 1, keys.public_key, keys.secret_key, err, sizeof err) == 0) {
        xgc_zmtp_set_curve(z, &keys);
        snprintf(cert_used, used_len, "%s", cert);
    }
done:
    sodium_memzero(&keys, sizeof keys);
    if (*err)
        fprintf(stderr, "xgc-vmd: %s\n", err);
    return *err ? -1 : 0;
}

/* Say when publishing starts to work and why it stops, not every failure:
 * the publisher retries with a growing delay and keeps the reason. */
static void s_report(xgc_zmtp_t *z, const s_opts_t *o, int rc)
{
    static int ok = -1;
    static char last[200];
    const char *why = xgc_zmtp_error(z);
    if (rc == 0 && ok != 1)
        fprintf(stderr, "xgc-vmd: publishing to %s (%s)\n", o->broker, xgc_zmtp_mechanism(z));
    else if (rc < 0 && (ok != 0 || strcmp(last, why) != 0))
        fprintf(stderr, "xgc-vmd: publish to %s: %s\n", o->broker, why);
    ok = rc == 0;
    snprintf(last, sizeof last, "%s", rc < 0 ? why : "");
}

static void s_publish(xgc_zmtp_t *z, const s_opts_t *o, double cpu_pct, double resp_ms,
                      double uptime)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    xgc_metric_vm_t m = {
        .ts_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000,
        .cpu_pct = cpu_pct, .cpu_mhz = cpu_pct / 100 * o->core_mhz,
        .resp_ms = resp_ms, .alive = true, .uptime_s = uptime,
    };
    snprintf(m.vm, sizeof m.vm, "%s", o->name);
    snprintf(m.host, sizeof m.host, "%s", o->host ? o->host : "");
    char topic[128];
    snprintf(topic, sizeof topic, XGC_TOPIC_METRIC_VM, o->name);
    void *data;
    size_t len;
    if (xgc_msg_metric_vm_encode(&m, &data, &len) < 0)
        return;
    s_report(z, o, xgc_zmtp_publish(z, topic, data, len, 1000));
    free(data);
}

int main(int argc, char **argv)
{
    xgc_config_t *cfg = xgc_config_load_arg(&argc, argv, s_usage);
    s_opts_t o = { .prefix = "arch_", .base = 100, .interval_ms = 1000, .work_ms = 20 };
    char name[64], host[64], broker[128], cmdline[4096] = "", ev[300];
    if (s_args(&o, argc, argv) < 0) {
        xgc_config_destroy(&cfg);
        return 2;
    }
    FILE *f = fopen("/proc/cmdline", "r");
    if (f) {
        if (!fgets(cmdline, sizeof cmdline, f))
            cmdline[0] = '\0';
        fclose(f);
    }
    s_identity(&o, cmdline, name, sizeof name, host, sizeof host, broker, sizeof broker);
    if (!o.broker && xgc_config_endpoint(cfg, XGC_PORT_EV_IN, ev, sizeof ev) == 0)
        o.broker = ev;
    if (o.core_mhz <= 0)
        o.core_mhz = xgc_vmd_core_mhz("/proc/cpuinfo");
    if (o.core_mhz <= 0)
        o.core_mhz = 1000;
    char err[200];
    xgc_vmd_workload_t *work = NULL;
    if ((o.serve || o.busy > 0) &&
        !(work = xgc_vmd_workload_start(o.serve, o.work_ms, o.busy, err, sizeof err))) {
        fprintf(stderr, "xgc-vmd: %s\n", err);
        xgc_config_destroy(&cfg);
        return 1;
    }
    xgc_zmtp_t *z = xgc_zmtp_new(o.broker ? o.broker : "");
    char cert_used[XGC_PATH_MAX * 3] = "";
    if (s_security(&o, cmdline, cfg, z, cert_used, sizeof cert_used) < 0) {
        xgc_zmtp_destroy(&z);
        xgc_vmd_workload_stop(&work);
        xgc_config_destroy(&cfg);
        return 2;
    }
    fprintf(stderr, "xgc-vmd: vm=%s broker=%s security=%s%s%s probe=%s serve=%d\n", o.name,
            o.broker, xgc_zmtp_mechanism(z), cert_used[0] ? " cert=" : "", cert_used,
            o.probe_url ? o.probe_url : o.probe_cmd ? o.probe_cmd : "none", o.serve);
    signal(SIGINT, s_on_signal);
    signal(SIGTERM, s_on_signal);
    signal(SIGPIPE, SIG_IGN);
    xgc_vmd_cpu_t prev, cur;
    int have = xgc_vmd_cpu_read("/proc/stat", &prev) == 0;
    for (long n = 0; !s_stop && (!o.count || n < o.count); n++) {
        usleep((useconds_t)(o.interval_ms * 1000));
        double pct = 0;
        if (xgc_vmd_cpu_read("/proc/stat", &cur) == 0) {
            pct = have ? xgc_vmd_cpu_pct(&prev, &cur) : 0;
            prev = cur;
            have = 1;
        }
        double resp = o.probe_url ? xgc_vmd_probe_http(o.probe_url, (int)o.interval_ms)
                    : o.probe_cmd ? xgc_vmd_probe_cmd(o.probe_cmd) : -1;
        s_publish(z, &o, pct, resp, xgc_vmd_uptime("/proc/uptime"));
    }
    xgc_zmtp_destroy(&z);
    xgc_vmd_workload_stop(&work);
    xgc_config_destroy(&cfg);
    return 0;
}
