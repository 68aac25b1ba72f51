/* soak_env — namespaces, links and processes of `xgc soak` (see soak_env.h).
 * Namespaces and links are made with iproute2 (`ip`), as an operator
 * would; every name carries the run's tag, so cleanup removes only ours. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/deploy.h"
#include "tools/soak_check.h"
#include "tools/soak_env.h"

/* Run a shell command we composed from our own names; 0 or -1. */
static int s_sh(bool quiet, const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (quiet)
        strncat(cmd, " >/dev/null 2>&1", sizeof cmd - strlen(cmd) - 1);
    int rc = system(cmd);
    if (rc != 0 && !quiet)
        fprintf(stderr, "xgc soak: failed (%d): %s\n", rc, cmd);
    return rc == 0 ? 0 : -1;
}

void xgc_soak_net_ns(const char *tag, int i, char *out, size_t len)
{
    if (i == 0)
        snprintf(out, len, "%s-core", tag);
    else
        snprintf(out, len, "%s-pm%d", tag, i);
}

void xgc_soak_net_pm_ip(int i, char *out, size_t len)
{
    snprintf(out, len, "10.213.0.%d", 10 + i);
}

int xgc_soak_net_up(const char *tag, int n)
{
    char core[64], ns[64], ip[32];
    if (n < 1 || n > XGC_SOAK_MAX_PMDS)
        return -1;
    xgc_soak_net_ns(tag, 0, core, sizeof core);
    if (s_sh(false, "ip netns add %s", core) ||
        s_sh(false, "ip -n %s link set lo up", core) ||
        s_sh(false, "ip -n %s link add xsbr0 type bridge", core) ||
        s_sh(false, "ip -n %s addr add %s/24 dev xsbr0", core, XGC_SOAK_BROKER_IP) ||
        s_sh(false, "ip -n %s link set xsbr0 up", core))
        return -1;
    for (int i = 1; i <= n; i++) {
        xgc_soak_net_ns(tag, i, ns, sizeof ns);
        xgc_soak_net_pm_ip(i, ip, sizeof ip);
        if (s_sh(false, "ip netns add %s", ns) ||
            s_sh(false, "ip link add xsv%d netns %s type veth peer name xsp%d netns %s",
                 i, core, i, ns) ||
            s_sh(false, "ip -n %s link set xsv%d master xsbr0 up", core, i) ||
            s_sh(false, "ip -n %s addr add %s/24 dev xsp%d", ns, ip, i) ||
            s_sh(false, "ip -n %s link set xsp%d up", ns, i) ||
            s_sh(false, "ip -n %s link set lo up", ns))
            return -1;
    }
    return 0;
}

void xgc_soak_net_down(const char *tag)
{
    char line[256], cmd[128];
    snprintf(cmd, sizeof cmd, "ip netns list 2>/dev/null");
    FILE *f = popen(cmd, "r");
    if (!f)
        return;
    size_t tl = strlen(tag);
    char names[XGC_SOAK_MAX_PMDS + 8][64];
    int n = 0;
    while (fgets(line, sizeof line, f) && n < XGC_SOAK_MAX_PMDS + 8) {
        char name[64];
        if (sscanf(line, "%63s", name) == 1 && !strncmp(name, tag, tl) && name[tl] == '-')
            snprintf(names[n++], sizeof names[0], "%s", name);
    }
    pclose(f);
    for (int i = 0; i < n; i++)
        s_sh(true, "ip netns del %s", names[i]);
}

static int s_enter(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
        fprintf(stderr, "xgc soak: cannot enter %s: %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

int xgc_soak_net_enter_core(const char *tag)
{
    char path[128];
    snprintf(path, sizeof path, "/var/run/netns/%s-core", tag);
    return s_enter(path);
}

int xgc_soak_net_link(const char *tag, int i, bool up)
{
    char core[64];
    xgc_soak_net_ns(tag, 0, core, sizeof core);
    return s_sh(false, "ip -n %s link set xsv%d %s", core, i, up ? "up" : "down");
}

/* --- processes --------------------------------------------------------------- */

pid_t xgc_soak_proc_start(xgc_soak_proc_t *p, const xgc_config_t *cfg)
{
    char *argv[40];
    int k = 0;
    if (p->ns[0]) {               /* through `xgc soak --netns-exec NS BIN ...` */
        argv[k++] = "xgc";
        argv[k++] = "soak";
        argv[k++] = "--netns-exec";
        argv[k++] = p->ns;
    }
    for (int i = 0; p->argv[i] && k < 39; i++)
        argv[k++] = p->argv[i];
    argv[k] = NULL;
    pid_t pid = xgc_deploy_spawn(cfg, p->name, argv);
    if (pid < 0)
        return -1;
    p->pid = pid;
    p->killed = false;
    p->starts++;
    p->rss_n = 0;
    return pid;
}

int xgc_soak_netns_exec(int argc, char **argv)
{
    char path[512];
    if (argc < 2 || strchr(argv[0], '/') || strchr(argv[1], '/')) {
        fprintf(stderr, "xgc soak --netns-exec NS BIN [ARGS...]\n");
        return 2;
    }
    snprintf(path, sizeof path, "/var/run/netns/%s", argv[0]);
    if (s_enter(path) < 0)
        return 1;
    snprintf(path, sizeof path, "%s/%s", xgc_deploy_bindir(), argv[1]);
    execv(path, argv + 1);
    fprintf(stderr, "xgc soak: cannot run %s: %s\n", path, strerror(errno));
    return 127;
}

void xgc_soak_proc_signal(xgc_soak_proc_t *p, int sig)
{
    if (p->pid <= 0)
        return;
    if (sig == SIGKILL || sig == SIGTERM)
        p->killed = true;
    kill(p->pid, sig);
}

double xgc_soak_proc_rss(xgc_soak_proc_t *p)
{
    if (p->pid <= 0)
        return -1;
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)p->pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    double kb = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %lf", &kb) == 1)
            break;
    fclose(f);
    if (kb < 0)
        return -1;
    if (p->rss_n == p->rss_cap) {
        size_t cap = p->rss_cap ? p->rss_cap * 2 : 64;
        double *r = realloc(p->rss, cap * sizeof *r);
        if (!r)
            return kb;
        p->rss = r;
        p->rss_cap = cap;
    }
    p->rss[p->rss_n++] = kb;
    if (kb > p->rss_hw_kb)
        p->rss_hw_kb = kb;
    return kb;
}

void xgc_soak_proc_ended(xgc_soak_proc_t *p)
{
    double g = xgc_soak_rss_growth(p->rss, p->rss_n);
    if (g > p->growth_max)
        p->growth_max = g;
    if (xgc_soak_rss_leaks(p->rss, p->rss_n))
        p->leaked = true;
    p->rss_n = 0;
    p->pid = 0;
}

void xgc_soak_proc_free(xgc_soak_proc_t *p)
{
    for (int i = 0; p->argv[i]; i++)
        free(p->argv[i]);
    free(p->rss);
    memset(p, 0, sizeof *p);
}
