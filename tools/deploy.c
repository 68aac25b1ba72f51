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

pid_t xgc_deploy_spawn(const xgc_config_t *cfg, const char *name, char *const argv[])
{
    char log[XGC_PATH_MAX + 80], pidf[XGC_PATH_MAX + 80], bin[XGC_PATH_MAX + 64];
    if (zsys_dir_create("%s/log", cfg->data_dir) < 0 || zsys_dir_create("%s/run", cfg->data_dir) < 0) {
        fprintf(stderr, "xgc up: cannot create %s/{log,run}: %s\n", cfg->data_dir, strerror(errno));
        return -1;
    }
    s_path(cfg, "log", name, ".log", log, sizeof log);
    s_path(cfg, "run", name, ".pid", pidf, sizeof pidf);
    snprintf(bin, sizeof bin, "%s/%s", xgc_deploy_bindir(), argv[0]);
    pid_t pid = fork();
    if (pid == 0) {
        int out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        int in = open("/dev/null", O_RDONLY);
        if (out < 0 || in < 0)
            _exit(126);
        setsid();
        dup2(in, 0);
        dup2(out, 1);
        dup2(out, 2);
        execv(bin, argv);
        fprintf(stderr, "cannot run %s: %s\n", bin, strerror(errno));
        _exit(127);
    }
    if (pid < 0) {
        fprintf(stderr, "xgc up: cannot start %s: %s\n", name, strerror(errno));
        return -1;
    }
    FILE *f = fopen(pidf, "w");
    if (f) {
        fprintf(f, "%d\n", (int)pid);
        fclose(f);
    }
    return pid;
}

/* The pid in NAME's pid file, if that process lives and runs an xgc binary. */
static pid_t s_live_pid(const xgc_config_t *cfg, const char *name)
{
    char pidf[XGC_PATH_MAX + 80], proc[64], cmd[256] = "";
    int pid = 0;
    s_path(cfg, "run", name, ".pid", pidf, sizeof pidf);
    FILE *f = fopen(pidf, "r");
    if (!f)
        return 0;
    if (fscanf(f, "%d", &pid) != 1)
        pid = 0;
    fclose(f);
    if (pid <= 0)
        return 0;
    waitpid(pid, NULL, WNOHANG);     /* our own child: reap it if it ended */
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
    return strstr(cmd, "xgc") ? pid : 0;
}

pid_t xgc_deploy_running(const xgc_config_t *cfg, const char *name)
{
    return s_live_pid(cfg, name);
}

static int s_rank(const char *name)
{
    static const char *order[] = {"inject-", "scheduler", "pmd-", "vmd-", ""};
    for (int r = 0; r < 5; r++)
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

/* Signal a group of pids and wait for them to end (up to timeout_ms). */
static void s_stop_group(pid_t *pids, int n, int timeout_ms)
{
    for (int i = 0; i < n; i++)
        kill(pids[i], SIGTERM);
    for (int waited = 0; waited < timeout_ms; waited += 50) {
        int alive = 0;
        for (int i = 0; i < n; i++) {
            waitpid(pids[i], NULL, WNOHANG);     /* reaps it if it is our child */
            alive += kill(pids[i], 0) == 0;
        }
        if (!alive)
            return;
        zclock_sleep(50);
    }
    for (int i = 0; i < n; i++)
        if (kill(pids[i], SIGKILL) == 0)
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
        s_stop_group(pids, k, timeout_ms);
        for (int j = first; j < i; j++) {
            char pidf[XGC_PATH_MAX + 80];
            if (s_live_pid(cfg, names[j])) {
                remaining++;
                continue;
            }
            s_path(cfg, "run", names[j], ".pid", pidf, sizeof pidf);
            unlink(pidf);
        }
        stopped += k;
    }
    if (left)
        *left = remaining;
    return stopped - remaining;
}
