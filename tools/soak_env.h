/* soak_env — the machinery of `xgc soak` that touches the machine: the
 * network namespaces (one "core" namespace with the broker, the schedulers
 * and a bridge; one namespace per pmd, joined to the bridge by a veth pair;
 * addresses 10.213.0.0/24 that exist only inside them), and the table of
 * processes it starts (pid file per process, so that `xgc soak --cleanup`
 * can remove leftovers of an interrupted run by pid, never by name).
 *
 * Names (TAG is "xgcsoak" unless --tag says otherwise, so that two runs can
 * coexist): namespaces "TAG-core" and "TAG-pm<i>", bridge "xsbr0" in the
 * core namespace, veths "xsv<i>" (core side) and "xsp<i>" (pmd side), all
 * created inside their namespaces; the broker at 10.213.0.1, pmd i at
 * 10.213.0.(10+i). */
#ifndef XGC_SOAK_ENV_H
#define XGC_SOAK_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "xgc_config.h"

#define XGC_SOAK_BROKER_IP "10.213.0.1"
#define XGC_SOAK_MAX_PMDS 200

/* Create the namespaces, bridge and links for n pmds. 0 or -1 (printed). */
int xgc_soak_net_up(const char *tag, int n);
/* Remove every TAG-* namespace (with its links); quiet. */
void xgc_soak_net_down(const char *tag);
/* Enter the core namespace (this process): 0 or -1. Call before any
 * ZeroMQ socket exists. */
int xgc_soak_net_enter_core(const char *tag);
/* Cut (up = false) or restore pmd i's link, from the bridge side. */
int xgc_soak_net_link(const char *tag, int i, bool up);
/* pmd i's address, "10.213.0.(10+i)"; namespace names. */
void xgc_soak_net_pm_ip(int i, char *out, size_t len);
void xgc_soak_net_ns(const char *tag, int i, char *out, size_t len);   /* i = 0: core */

/* A process of the soak, started by xgc_deploy_spawn (tools/deploy.h: output
 * appended to <data_dir>/log/<name>.log, pid in <data_dir>/run/<name>.pid,
 * so `xgc soak --cleanup` stops leftovers as `xgc down` does) in a
 * namespace ("" = this one) through `xgc soak --netns-exec NS`. */
typedef struct {
    char name[64];
    char ns[64];
    char *argv[32];          /* argv[0] is a binary of the bin dir */
    pid_t pid;               /* 0 when not running */
    bool expect_exit;        /* an injector: a clean exit is fine */
    bool repeat;             /* ... and it starts again (a fresh pool) */
    bool killed;             /* we killed it: its death is expected */
    int starts;
    double rss_hw_kb;        /* high-water over all its lives */
    double *rss;             /* samples of the current life */
    size_t rss_n, rss_cap;
    double growth_max;       /* largest growth ratio of a finished life */
    bool leaked;
} xgc_soak_proc_t;

/* Start it; returns the pid or -1. */
pid_t xgc_soak_proc_start(xgc_soak_proc_t *p, const xgc_config_t *cfg);
/* `xgc soak --netns-exec NS BIN ARGS...`: enter namespace NS, exec BIN of
 * the bin dir (argv[0] = NS). Returns only on error (exit status). */
int xgc_soak_netns_exec(int argc, char **argv);
/* Send sig; when SIGKILL or SIGTERM, its death is expected. */
void xgc_soak_proc_signal(xgc_soak_proc_t *p, int sig);
/* Sample VmRSS (KB) of a live process; returns it or -1. */
double xgc_soak_proc_rss(xgc_soak_proc_t *p);
/* Its death was reaped: close its life (growth check). */
void xgc_soak_proc_ended(xgc_soak_proc_t *p);
void xgc_soak_proc_free(xgc_soak_proc_t *p);

#endif
