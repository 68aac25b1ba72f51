/* deploy — see deploy.h. */
#include <czmq.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "tools/deploy.h"

const char *xgc_deploy_bindir(void)
{
    static char dir[XGC_PATH_MAX];
    if (!dir[0]) {
        ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
        dir[n > 0 ? n : 0] = 0;
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = 0;
        else
            snprintf(dir, sizeof dir, ".");
    }
    return dir;
}

static void s_path(const xgc_config_t *cfg, const char *sub, const char *name, const char *ext,
                   char *out, size_t size)
{
    snprintf(out, size, "%s/%s/%s%s", cfg->data_dir, sub, name, ext);
}

/* Field 22 of /proc/PID/stat: when the process started (clock ticks since
 * boot). With the pid it names one process, even after the pid is reused. */
static unsigned long long s_start_time(pid_t pid)
{
    char path[64], stat[1024] = "";
    unsigned long long t = 0;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(stat, 1, sizeof stat - 1, f);
    fclose(f);
    stat[n] = 0;
    char *p = strrchr(stat, ')');    /* the name may hold spaces */
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
                     "%*d %*d %*d %llu", &t) != 1)
        return 0;
    return t;
}

/* fork + exec bin with argv (and envp, NULL = ours) in dir (NULL = here):
 * its own session, output to the log, pid file written. */
static pid_t s_spawn(const xgc_config_t *cfg, const char *name, const char *bin,
                     char *const argv[], char *const envp[], const char *dir)
{
    char log[XGC_PATH_MAX + 80], pidf[XGC_PATH_MAX + 80];
    if (zsys_dir_create("%s/log", cfg->data_dir) < 0 || zsys_dir_create("%s/run", cfg->data_dir) < 0) {
        fprintf(stderr, "xgc up: cannot create %s/{log,run}: %s\n", cfg->data_dir, strerror(errno));
        return -1;
    }
    s_path(cfg, "log", name, ".log", log, sizeof log);
    s_path(cfg, "run", name, ".pid", pidf, sizeof pidf);
    pid_t pid = fork();
    if (pid == 0) {
        int out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        int in = open("/dev/null", O_RDONLY);
        if (out < 0 || in < 0 || (dir && chdir(dir) < 0))
            _exit(126);
        setsid();
        dup2(in, 0);
        dup2(out, 1);
        dup2(out, 2);
        if (envp)
            execve(bin, argv, envp);
        else
            execv(bin, argv);
        fprintf(stderr, "cannot run %s: %s\n", bin, strerror(errno));
        _exit(127);
    }
    if (pid < 0) {
        fprintf(stderr, "xgc up: cannot start %s: %s\n", name, strerror(errno));
        return -1;
    }
    /* the pid alone in its file (scripts `kill $(cat NAME.pid)`), its start
     * time next to it */
    FILE *f = fopen(pidf, "w");
    if (f) {
        fprintf(f, "%d\n", (int)pid);
        fclose(f);
    }
    s_path(cfg, "run", name, ".start", pidf, sizeof pidf);
    if ((f = fopen(pidf, "w"))) {
        fprintf(f, "%llu\n", s_start_time(pid));
        fclose(f);
    }
    return pid;
}

pid_t xgc_deploy_spawn(const xgc_config_t *cfg, const char *name, char *const argv[])
{
    char bin[XGC_PATH_MAX + 64];
    snprintf(bin, sizeof bin, "%s/%s", xgc_deploy_bindir(), argv[0]);
    return s_spawn(cfg, name, bin, argv, NULL, NULL);
}

pid_t xgc_deploy_launch(const xgc_config_t *cfg, const char *name, const char *command,
                        const char *dir, const char *const env[])
{
    extern char **environ;
    size_t n = 0, k = 0;
    while (environ[n])
        n++;
    while (env && env[k])
        k++;
    char **envp = calloc(n + k + 1, sizeof *envp);
    if (!envp)
        return -1;
    if (k)                                       /* env may be NULL */
        memcpy(envp, env, k * sizeof *envp);     /* ours first: they win */
    memcpy(envp + k, environ, n * sizeof *envp);
    char *argv[] = {(char *)"sh", (char *)"-c", (char *)command, NULL};
    pid_t pid = s_spawn(cfg, name, "/bin/sh", argv, envp, dir);
    free(envp);
    return pid;
}

/* The pid in NAME's pid file, if that process lives and runs an xgc binary. */
static pid_t s_live_pid(const xgc_config_t *cfg, const char *name)
{
    char pidf[XGC_PATH_MAX + 80], proc[64], cmd[256] = "";
    int pid = 0;
    unsigned long long started = 0;
    s_path(cfg, "run", name, ".pid", pidf, sizeof pidf);
    FILE *f = fopen(pidf, "r");
    if (!f)
        return 0;
    if (fscanf(f, "%d", &pid) != 1)
        pid = 0;
    fclose(f);
    if (pid <= 0)
        return 0;
    s_path(cfg, "run", name, ".start", pidf, sizeof pidf);
    if ((f = fopen(pidf, "r"))) {
        if (fscanf(f, "%llu", &started) != 1)
            started = 0;
        fclose(f);
    }
    waitpid(pid, NULL, WNOHANG);     /* our own child: reap it if it ended */
    if (started && s_start_time(pid) != started)
        return 0;                    /* gone, its pid reused */
    snprintf(proc, sizeof proc, "/proc/%d/cmdline", pid);
    f = fopen(proc, "r");
    if (!f)
        return 0;
    size_t n = fread(cmd, 1, sizeof cmd - 1, f);
    fclose(f);
    cmd[n] = 0;
    char state[512] = "";
    snprintf(proc, sizeof proc, "/proc/%d/stat", pid);
    if ((f = fopen(proc, "r"))) {
        if (!fgets(state, sizeof state, f))
            state[0] = 0;
        fclose(f);
    }
    char *paren = strrchr(state, ')');
    if (paren && paren[1] == ' ' && paren[2] == 'Z')
        return 0;                    /* a zombie is gone */
    /* Without a start time (older xgc): an xgc process at least. */
    return started || strstr(cmd, "xgc") ? pid : 0;
}

pid_t xgc_deploy_running(const xgc_config_t *cfg, const char *name)
{
    return s_live_pid(cfg, name);
}

static int s_rank(const char *name)
{
    static const char *order[] = {"inject-", "scheduler", "pmd-", "vmd-", "host-", ""};
    for (int r = 0; r < 6; r++)
        if (!strncmp(name, order[r], strlen(order[r])))
            return strcmp(name, "broker") ? r : 9;
    return 8;
}

static int s_by_rank(const void *a, const void *b)
{
    int ra = s_rank(a), rb = s_rank(b);
    return ra != rb ? ra - rb : strcmp(a, b);
}

int xgc_deploy_list(const xgc_config_t *cfg, char names[][64], int max)
{
    char dir[XGC_PATH_MAX + 8];
    snprintf(dir, sizeof dir, "%s/run", cfg->data_dir);
    DIR *d = opendir(dir);
    int n = 0;
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d)) && n < max;) {
        size_t len = strlen(e->d_name);
        if (len < 5 || len >= 64 || strcmp(e->d_name + len - 4, ".pid"))
            continue;
        snprintf(names[n], 64, "%.*s", (int)(len - 4), e->d_name);
        n++;
    }
    closedir(d);
    qsort(names, (size_t)n, 64, s_by_rank);
    return n;
}

/* Signal a set of pids (launchers: their process groups, pid = pgid as
 * they lead their session) and wait for them to end (up to timeout_ms). */
static void s_stop_set(pid_t *pids, int n, int timeout_ms, bool groups)
{
    int sign = groups ? -1 : 1;
    for (int i = 0; i < n; i++)
        kill(sign * pids[i], SIGTERM);
    for (int waited = 0; waited < timeout_ms; waited += 50) {
        int alive = 0;
        for (int i = 0; i < n; i++) {
            waitpid(pids[i], NULL, WNOHANG);     /* reaps it if it is our child */
            alive += kill(sign * pids[i], 0) == 0;
        }
        if (!alive)
            return;
        zclock_sleep(50);
    }
    for (int i = 0; i < n; i++)
        if (kill(sign * pids[i], SIGKILL) == 0)
            waitpid(pids[i], NULL, 0);
}

int xgc_deploy_stop_all(const xgc_config_t *cfg, int timeout_ms, int *left)
{
    char names[512][64];
    int n = xgc_deploy_list(cfg, names, 512), stopped = 0, remaining = 0;
    for (int i = 0; i < n;) {
        pid_t pids[512];
        int k = 0, rank = s_rank(names[i]), first = i;
        for (; i < n && s_rank(names[i]) == rank; i++) {
            pid_t pid = s_live_pid(cfg, names[i]);
            if (pid)
                pids[k++] = pid;
        }
        s_stop_set(pids, k, timeout_ms, !strncmp(names[first], "host-", 5));
        for (int j = first; j < i; j++) {
            char pidf[XGC_PATH_MAX + 80];
            if (s_live_pid(cfg, names[j])) {
                remaining++;
                continue;
            }
            s_path(cfg, "run", names[j], ".pid", pidf, sizeof pidf);
            unlink(pidf);
            s_path(cfg, "run", names[j], ".start", pidf, sizeof pidf);
            unlink(pidf);
        }
        stopped += k;
    }
    if (left)
        *left = remaining;
    return stopped - remaining;
}

/* One PM's `pmd:` mapping. */
static int s_load_pmd(const xgc_yaml_node_t *node, xgc_deploy_pmd_t *p, char *err, size_t errlen)
{
    static const char *const keys[] = {"launcher", "external", "ready_timeout_s", NULL};
    if (node->kind != XGC_YAML_MAP)
        return xgc_yaml_error(err, errlen, node, "pmd",
                              "expected a mapping: {launcher: CMD} or {external: true}");
    if (xgc_yaml_check_keys(node, keys, "pmd", err, errlen) < 0)
        return -1;
    const xgc_yaml_node_t *launcher = xgc_yaml_get(node, "launcher");
    const xgc_yaml_node_t *external = xgc_yaml_get(node, "external");
    const xgc_yaml_node_t *timeout = xgc_yaml_get(node, "ready_timeout_s");
    bool ext = false;
    if (external && xgc_yaml_bool(external, "external", &ext, err, errlen) < 0)
        return -1;
    if (launcher) {
        const char *cmd;
        if (xgc_yaml_string(launcher, "launcher", &cmd, err, errlen) < 0)
            return -1;
        if (!cmd[0] || strlen(cmd) >= sizeof p->launcher)
            return xgc_yaml_error(err, errlen, launcher, "launcher",
                                  "must be a command of 1..%zu characters", sizeof p->launcher - 1);
        if (ext)
            return xgc_yaml_error(err, errlen, external, "external",
                                  "a pmd with a launcher is not external");
        snprintf(p->launcher, sizeof p->launcher, "%s", cmd);
        p->mode = XGC_DEPLOY_PMD_LAUNCHER;
    } else if (ext) {
        p->mode = XGC_DEPLOY_PMD_EXTERNAL;
    } else if (timeout) {
        return xgc_yaml_error(err, errlen, timeout, "ready_timeout_s",
                              "only for a pmd with a launcher or an external one");
    }
    if (timeout && (xgc_yaml_double(timeout, "ready_timeout_s", &p->ready_timeout_s, err,
                                    errlen) < 0))
        return -1;
    if (timeout && !(p->ready_timeout_s >= 1 && p->ready_timeout_s <= 86400))
        return xgc_yaml_error(err, errlen, timeout, "ready_timeout_s", "must be 1..86400 (%g)",
                              p->ready_timeout_s);
    return 0;
}

int xgc_deploy_pmds(const xgc_config_t *cfg, xgc_deploy_pmd_t **out, size_t *count, char *err,
                    size_t errlen)
{
    const xgc_yaml_node_t *seq = cfg->pms;
    *out = NULL;
    *count = 0;
    if (!seq || seq->kind != XGC_YAML_SEQ || seq->count == 0)
        return 0;
    xgc_deploy_pmd_t *list = calloc(seq->count, sizeof *list);
    if (!list)
        return snprintf(err, errlen, "out of memory"), -1;
    for (size_t i = 0; i < seq->count; i++) {
        const xgc_yaml_node_t *item = seq->items[i];
        const xgc_yaml_node_t *name = item->kind == XGC_YAML_MAP ? xgc_yaml_get(item, "name") : NULL;
        const xgc_yaml_node_t *pmd = item->kind == XGC_YAML_MAP ? xgc_yaml_get(item, "pmd") : NULL;
        snprintf(list[i].pm, sizeof list[i].pm, "%s", name && name->value ? name->value : "");
        if (pmd && s_load_pmd(pmd, &list[i], err, errlen) < 0) {
            free(list);
            return -1;
        }
    }
    *out = list;
    *count = seq->count;
    return 0;
}
