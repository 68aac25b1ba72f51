/* xgc up — start a whole deployment on this machine from its YAML: the
 * broker, the scheduler(s), one xgc-pmd per entry of pms: (or the PM's
 * launcher, or nothing for an external pmd: its `pmd:` setting), then, once
 * every pmd heartbeats and has published its info, the VMs of vms: (written
 * as specs, so that the scheduler sees every PM before it places them), then
 * the injectors:. Logs and pid files go under data_dir (log/, run/); `xgc
 * up` returns once the broker answers, a scheduler holds the lease and every
 * pmd is there — or stops what it started and says which part failed. `xgc
 * down` stops it all. */
#include <czmq.h>
#include <signal.h>

#include "xgc_log.h"
#include "xgc_msg.h"
#include "tools/deploy.h"
#include "tools/sched_cli.h"
#include "tools/xgc_cmd.h"

static const char *s_usage =
    "usage: xgc up [-c FILE.yaml] [--timeout S] [--no-injectors]\n"
    "Start broker, scheduler(s), pmds, VM specs and injectors of the deployment;\n"
    "return once it is healthy (default timeout 30 s; a PM's pmd.ready_timeout_s\n"
    "extends it). Stop with `xgc down`.\n";

#define S_MAX_ARGS 32

/* argv for a binary: fixed words (ended by (char *)NULL: a bare NULL may
 * be an int 0 in a variadic call), then `extra` split on spaces. */
static int s_argv(char **argv, char *extra_buf, const char *extra, const char *first, ...)
{
    va_list ap;
    int n = 0;
    va_start(ap, first);
    for (const char *a = first; a && n < S_MAX_ARGS - 1; a = va_arg(ap, const char *))
        argv[n++] = (char *)a;
    va_end(ap);
    snprintf(extra_buf, XGC_SCHED_CMD_MAX, "%s", extra ? extra : "");
    for (char *save = NULL, *t = strtok_r(extra_buf, " \t", &save); t && n < S_MAX_ARGS - 1;
         t = strtok_r(NULL, " \t", &save))
        argv[n++] = t;
    argv[n] = NULL;
    return n;
}

static int s_start(const xgc_config_t *cfg, const char *name, char **argv, int *started)
{
    if (xgc_deploy_spawn(cfg, name, argv) < 0)
        return -1;
    (*started)++;
    return 0;
}

/* Is every process we started still alive? Names the first one that died. */
static int s_all_alive(const xgc_config_t *cfg)
{
    char names[512][64];
    int n = xgc_deploy_list(cfg, names, 512);
    for (int i = 0; i < n; i++)
        if (!xgc_deploy_running(cfg, names[i])) {
            fprintf(stderr, "xgc up: %s exited; see %s/log/%s.log\n", names[i], cfg->data_dir,
                    names[i]);
            return -1;
        }
    return 0;
}

/* Does PM `name` heartbeat and has it published its info? The heartbeat must
 * be fresh: the previous deployment on the same data_dir leaves its last
 * heartbeat in the store until its TTL runs out, and a pmd that is already
 * dead (a launcher that gave up) must not count as ready. Fresh = written
 * since `since_ms` by our clock, or changed since we first saw it (a nested
 * host's clock may lag ours). first_ts[0] keeps the first value seen. */
static bool s_pm_ready(xgc_bus_t *bus, const char *name, int64_t since_ms, int64_t *first_ts)
{
    char alive[XGC_BUS_MAX_KEY + 1], info[XGC_BUS_MAX_KEY + 1], err[128];
    size_t len, info_len;
    snprintf(alive, sizeof alive, XGC_KEY_PM_ALIVE, name);
    snprintf(info, sizeof info, XGC_KEY_PM_INFO, name);
    const void *v = xgc_bus_get(bus, alive, &len, NULL);
    xgc_heartbeat_t hb;
    if (!v || !xgc_bus_get(bus, info, &info_len, NULL)
        || xgc_msg_heartbeat_decode(v, len, &hb, err, sizeof err) < 0)
        return false;
    if (!*first_ts)
        *first_ts = hb.ts_ms;
    return hb.ts_ms >= since_ms || hb.ts_ms != *first_ts;
}

/* Wait until the scheduler leads and every PM of pms: is ready. */
static int s_wait_healthy(const xgc_config_t *cfg, xgc_bus_t *bus, const xgc_pm_spec_t *pms,
                          size_t npms, int timeout_ms)
{
    int64_t deadline = xgc_log_mono_ms() + timeout_ms, since = xgc_log_now_ms();
    int64_t *first_ts = calloc(npms ? npms : 1, sizeof *first_ts);
    size_t len, alive = 0;
    bool leader = false;
    int rc = -1;
    while (first_ts && xgc_log_mono_ms() < deadline) {
        xgc_bus_poll(bus, 100);
        if (s_all_alive(cfg) < 0)
            goto done;
        leader = xgc_bus_get(bus, XGC_KEY_SCHED_LEADER, &len, NULL) != NULL;
        alive = 0;
        for (size_t j = 0; j < npms; j++)
            alive += s_pm_ready(bus, pms[j].name, since, &first_ts[j]);
        if (leader && alive == npms) {
            rc = 0;
            goto done;
        }
    }
    fprintf(stderr, "xgc up: not healthy after %d ms: scheduler %s, %zu of %zu pmds ready "
            "(fresh heartbeat and info)\n", timeout_ms, leader ? "leads" : "has no lease", alive,
            npms);
done:
    free(first_ts);
    return rc;
}

static int s_write_vms(const xgc_config_t *cfg, xgc_bus_t *bus, int *nvms)
{
    xgc_vm_spec_t *vms = NULL;
    size_t n = 0;
    char err[512];
    *nvms = 0;
    if (!cfg->vms)
        return 0;
    if (xgc_model_load_vms(cfg->vms, &vms, &n, err, sizeof err) < 0) {
        fprintf(stderr, "xgc up: %s\n", err);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = xgc_sched_cli_put_spec(bus, cfg, &vms[i], "up");
    free(vms);
    *nvms = (int)n;
    return rc ? -1 : 0;
}

/* injectors: a sequence of maps, each with a name; `xgc inject --injector
 * NAME` reads its own entry. */
static int s_start_injectors(const xgc_config_t *cfg, const char *path, int *started)
{
    const xgc_yaml_node_t *seq = cfg->injectors;
    int n = 0;
    for (size_t i = 0; seq && seq->kind == XGC_YAML_SEQ && i < seq->count; i++) {
        const xgc_yaml_node_t *name = xgc_yaml_get(seq->items[i], "name");
        char pname[64], buf[XGC_SCHED_CMD_MAX], *argv[S_MAX_ARGS];
        if (!name || !name->value)
            continue;
        snprintf(pname, sizeof pname, "inject-%s", name->value);
        s_argv(argv, buf, NULL, "xgc", "inject", "-c", path, "--injector", name->value,
               (char *)NULL);
        if (s_start(cfg, pname, argv, started) < 0)
            return -1;
        n++;
    }
    return n;
}

/* Scheduler k's metrics address: the configured port + k ("" if none). */
static void s_metrics_addr(const char *listen, int k, char *out, size_t size)
{
    const char *colon = strrchr(listen, ':');
    if (!listen[0] || !colon)
        return;
    snprintf(out, size, "%.*s:%d", (int)(colon - listen), listen, atoi(colon + 1) + k);
}

/* The file every process gets: the deployment's own, or the embedded demo
 * written out to <data_dir>/deployment.yaml. */
static int s_config_path(const xgc_config_t *cfg, char *path, size_t size)
{
    if (cfg->path[0] != '<') {
        if (!realpath(cfg->path, path))
            snprintf(path, size, "%s", cfg->path);
        return 0;
    }
    snprintf(path, size, "%s/deployment.yaml", cfg->data_dir);
    FILE *f = zsys_dir_create("%s", cfg->data_dir) == 0 ? fopen(path, "w") : NULL;
    if (!f || fputs(xgc_config_default_text(), f) < 0) {
        fprintf(stderr, "xgc up: cannot write %s: %s\n", path, strerror(errno));
        if (f)
            fclose(f);
        return -1;
    }
    fclose(f);
    return 0;
}

/* A PM's pmd: xgc-pmd here, its launcher (sh -c, in the deployment file's
 * directory, told the file, the bin directory and the PM in XGC_CONFIG,
 * XGC_BIN, XGC_PM), or nothing when it is started elsewhere. */
static int s_start_pmd(const xgc_config_t *cfg, const xgc_sched_config_t *sc, const char *path,
                       const xgc_deploy_pmd_t *pmd, int *started)
{
    char name[96], buf[XGC_SCHED_CMD_MAX], *argv[S_MAX_ARGS];
    if (pmd->mode == XGC_DEPLOY_PMD_EXTERNAL)
        return 0;
    if (pmd->mode == XGC_DEPLOY_PMD_LOCAL) {
        snprintf(name, sizeof name, "pmd-%s", pmd->pm);
        s_argv(argv, buf, sc->pmd_args, "xgc-pmd", "-c", path, "--host", pmd->pm, (char *)NULL);
        return s_start(cfg, name, argv, started);
    }
    char dir[XGC_PATH_MAX + 32], e_cfg[XGC_PATH_MAX + 48], e_bin[XGC_PATH_MAX + 16];
    char e_pm[XGC_NAME_MAX + 16];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else
        slash[slash == dir] = 0;     /* "/x.yaml" -> "/" */
    snprintf(e_cfg, sizeof e_cfg, "XGC_CONFIG=%s", path);
    snprintf(e_bin, sizeof e_bin, "XGC_BIN=%s", xgc_deploy_bindir());
    snprintf(e_pm, sizeof e_pm, "XGC_PM=%s", pmd->pm);
    const char *env[] = {e_cfg, e_bin, e_pm, NULL};
    snprintf(name, sizeof name, "host-%s", pmd->pm);
    if (xgc_deploy_launch(cfg, name, pmd->launcher, dir, env) < 0)
        return -1;
    (*started)++;
    return 0;
}

static int s_up(const xgc_config_t *cfg, const xgc_sched_config_t *sc, int timeout_ms,
                bool injectors)
{
    char buf[XGC_SCHED_CMD_MAX], *argv[S_MAX_ARGS], path[XGC_PATH_MAX + 32];
    xgc_pm_spec_t *pms = NULL;
    xgc_deploy_pmd_t *pmds = NULL;
    size_t npms = 0, nsettings = 0;
    int started = 0, nvms = 0;
    char err[512];
    if (s_config_path(cfg, path, sizeof path) < 0)
        return 1;
    if ((cfg->pms && xgc_model_load_pms(cfg->pms, &pms, &npms, err, sizeof err) < 0)
        || xgc_deploy_pmds(cfg, &pmds, &nsettings, err, sizeof err) < 0) {
        fprintf(stderr, "xgc up: %s\n", err);
        free(pms);
        return 2;
    }
    s_argv(argv, buf, NULL, "xgc-broker", "-c", path, (char *)NULL);
    xgc_bus_t *bus = NULL;
    int rc = s_start(cfg, "broker", argv, &started);
    if (rc == 0) {
        bus = xgc_cli_connect(cfg, "up");
        rc = xgc_bus_watch(bus, "pm/") || xgc_bus_watch(bus, "sched/")
             || xgc_bus_wait_synced(bus, timeout_ms) ? -1 : 0;
        if (rc < 0)
            fprintf(stderr, "xgc up: the broker does not answer; see %s/log/broker.log\n",
                    cfg->data_dir);
    }
    for (int i = 1; rc == 0 && i <= sc->instances; i++) {
        char name[64];
        char metrics[80] = "";
        snprintf(name, sizeof name, "scheduler-%d", i);
        s_metrics_addr(sc->metrics_listen, i - 1, metrics, sizeof metrics);
        s_argv(argv, buf, NULL, "xgc-scheduler", "-c", path, "--id", name, "--metrics", metrics,
               (char *)NULL);
        rc = s_start(cfg, name, argv, &started);
    }
    for (size_t j = 0; rc == 0 && j < nsettings; j++)
        rc = s_start_pmd(cfg, sc, path, &pmds[j], &started);
    for (size_t j = 0; j < nsettings; j++)
        if (pmds[j].ready_timeout_s * 1000 > timeout_ms)
            timeout_ms = (int)(pmds[j].ready_timeout_s * 1000);
    if (rc == 0)
        rc = s_wait_healthy(cfg, bus, pms, npms, timeout_ms);
    if (rc == 0)
        rc = s_write_vms(cfg, bus, &nvms);
    int ninj = rc == 0 && injectors ? s_start_injectors(cfg, path, &started) : 0;
    if (ninj < 0)
        rc = -1;
    xgc_bus_destroy(&bus);
    free(pms);
    free(pmds);
    if (rc != 0) {
        int left = 0;
        xgc_deploy_stop_all(cfg, 3000, &left);
        fprintf(stderr, "xgc up: failed; stopped what was started%s\n",
                left ? " (some processes would not stop!)" : "");
        return 1;
    }
    printf("up: %s — broker, %d scheduler%s, %zu pmd%s, %d VM spec%s, %d injector%s; "
           "logs in %s/log\n", cfg->cluster, sc->instances, sc->instances > 1 ? "s" : "", npms,
           npms == 1 ? "" : "s", nvms, nvms == 1 ? "" : "s", ninj, ninj == 1 ? "" : "s",
           cfg->data_dir);
    return 0;
}

XGC_COMMAND(up, "start a deployment on this machine (up -c FILE.yaml)")
{
    xgc_config_t *cfg = xgc_config_load_arg(&argc, argv, s_usage);
    xgc_sched_config_t sc;
    double timeout_s = 30;
    bool injectors = true;
    int rc = 2;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
            if (xgc_sched_cli_number("up", "--timeout", argv[++i], 1, 3600, &timeout_s) < 0)
                goto done;
        } else if (!strcmp(argv[i], "--no-injectors")) {
            injectors = false;
        } else {
            fprintf(stderr, "xgc up: unknown option '%s'\n%s", argv[i], s_usage);
            goto done;
        }
    }
    if (xgc_sched_cli_config(cfg, &sc, "up"))
        goto done;
    char names[8][64];
    if (xgc_deploy_list(cfg, names, 8) > 0) {
        if (xgc_deploy_running(cfg, "broker")) {
            fprintf(stderr, "xgc up: %s is already up (pid files in %s/run); `xgc down` first\n",
                    cfg->cluster, cfg->data_dir);
            rc = 1;
            goto done;
        }
        /* Left over from a deployment whose broker is gone: clear it. */
        int n = xgc_deploy_stop_all(cfg, 3000, NULL);
        printf("up: cleared what was left of an earlier run (%d process%s)\n", n,
               n == 1 ? "" : "es");
    }
    signal(SIGPIPE, SIG_IGN);
    rc = s_up(cfg, &sc, (int)(timeout_s * 1000), injectors);
done:
    xgc_config_destroy(&cfg);
    return rc;
}
