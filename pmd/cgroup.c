/* cgroup — see cgroup.h. A handle is the version and up to two group
 * directories: the cpu one (cap, weight) and, on v1 with cpuacct mounted
 * apart, the cpuacct one (usage). Every change is a write of one small
 * file; every reading a read of one. */
#include "pmd/cgroup.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct _xgc_cgroup_t {
    xgc_cgroup_version_t version;
    char cpu[PATH_MAX];          /* group dir holding the cpu controller files */
    char acct[PATH_MAX];         /* v1 cpuacct group dir, "" when same as cpu */
};

/* --- pure conversions ---------------------------------------------------- */

long xgc_cgroup_v1_quota(int cap_pct)
{
    return cap_pct <= 0 ? -1 : (long)cap_pct * XGC_CGROUP_PERIOD_US / 100;
}

int xgc_cgroup_cap_from_quota(long quota_us, long period_us)
{
    if (quota_us < 0 || period_us <= 0)
        return 0;
    return (int)((quota_us * 100 + period_us - 1) / period_us);
}

long xgc_cgroup_v1_shares(int weight)
{
    long shares = weight <= 0 ? 1024 : (long)weight * 4;
    return shares < 2 ? 2 : shares > 262144 ? 262144 : shares;
}

int xgc_cgroup_weight_from_shares(long shares)
{
    return shares <= 0 ? 0 : (int)((shares + 2) / 4);
}

long xgc_cgroup_v2_weight(int weight)
{
    long w = weight <= 0 ? 100 : ((long)weight * 100 + 128) / 256;
    return w < 1 ? 1 : w > 10000 ? 10000 : w;
}

int xgc_cgroup_weight_from_v2(long v2)
{
    return v2 <= 0 ? 0 : (int)((v2 * 256 + 50) / 100);
}

void xgc_cgroup_v2_max(int cap_pct, char *buf, size_t len)
{
    if (cap_pct <= 0)
        snprintf(buf, len, "max %d", XGC_CGROUP_PERIOD_US);
    else
        snprintf(buf, len, "%ld %d", xgc_cgroup_v1_quota(cap_pct), XGC_CGROUP_PERIOD_US);
}

int xgc_cgroup_cap_from_v2_max(const char *text)
{
    long quota, period;
    if (strncmp(text, "max", 3) == 0)
        return 0;
    if (sscanf(text, "%ld %ld", &quota, &period) != 2)
        return -1;
    return xgc_cgroup_cap_from_quota(quota, period);
}

int64_t xgc_cgroup_v2_usage_ns(const char *cpu_stat)
{
    const char *p = strstr(cpu_stat, "usage_usec ");
    if (!p || (p != cpu_stat && p[-1] != '\n'))
        return -1;
    return strtoll(p + strlen("usage_usec "), NULL, 10) * 1000;
}

/* --- files --------------------------------------------------------------- */

static int s_write(const char *dir, const char *file, const char *value,
                   char *err, size_t errlen)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "w");
    int ok = f && fputs(value, f) >= 0;
    if (f && fclose(f) != 0)
        ok = 0;
    if (!ok)
        snprintf(err, errlen, "cgroup: write '%s' to %s: %s", value, path, strerror(errno));
    return ok ? 0 : -1;
}

static int s_read(const char *dir, const char *file, char *buf, size_t len)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, len - 1, f);
    fclose(f);
    buf[n] = '\0';
    return 0;
}

static long s_read_long(const char *dir, const char *file)
{
    char buf[64];
    return s_read(dir, file, buf, sizeof buf) == 0 ? strtol(buf, NULL, 10) : LONG_MIN;
}

static int s_is_file(const char *dir, const char *file)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    return access(path, F_OK) == 0;
}

/* mkdir -p, one component at a time; on v2 each new parent must pass the
 * cpu controller down to its children. */
static int s_mkdirs(const char *base, const char *rel, int v2, char *err, size_t errlen)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s", base);
    char *copy = strdup(rel), *save = NULL;
    int rc = copy ? 0 : -1;
    for (char *part = strtok_r(copy, "/", &save); part && rc == 0;
         part = strtok_r(NULL, "/", &save)) {
        if (v2 && s_write(path, "cgroup.subtree_control", "+cpu", err, errlen) != 0)
            rc = -1;
        size_t used = strlen(path);
        snprintf(path + used, sizeof path - used, "/%s", part);
        if (rc == 0 && mkdir(path, 0755) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cgroup: mkdir %s: %s", path, strerror(errno));
            rc = -1;
        }
    }
    free(copy);
    return rc;
}

/* The v1 mount points for the cpu and cpuacct controllers. */
static int s_v1_mounts(const char *root, char *cpu, char *acct, size_t len)
{
    snprintf(cpu, len, "%s/cpu", root);
    snprintf(acct, len, "%s/cpuacct", root);
    if (!s_is_file(cpu, "cpu.cfs_quota_us")) {
        snprintf(cpu, len, "%s/cpu,cpuacct", root);
        snprintf(acct, len, "%s", cpu);
    }
    if (!s_is_file(cpu, "cpu.cfs_quota_us"))
        return -1;
    if (!s_is_file(acct, "cpuacct.usage"))
        acct[0] = '\0';          /* no cpuacct: usage from cpu.stat or /proc */
    return 0;
}

xgc_cgroup_version_t xgc_cgroup_detect(const char *root)
{
    char cpu[1024], acct[1024], buf[256];
    if (s_v1_mounts(root, cpu, acct, sizeof cpu) == 0)
        return XGC_CGROUP_V1;
    if (s_read(root, "cgroup.controllers", buf, sizeof buf) == 0) {
        for (char *p = strstr(buf, "cpu"); p; p = strstr(p + 1, "cpu"))
            if ((p == buf || p[-1] == ' ') && (p[3] == ' ' || p[3] == '\n' || p[3] == '\0'))
                return XGC_CGROUP_V2;
    }
    return XGC_CGROUP_NONE;
}

/* Fill in the handle's directories for parent/name; create them if asked. */
static xgc_cgroup_t *s_handle(const char *root, const char *parent, const char *name,
                              int create, char *err, size_t errlen)
{
    xgc_cgroup_t *self = calloc(1, sizeof *self);
    char cpu[1024], acct[1024], rel[1024];   /* joined, they fit a PATH_MAX */
    if (!self) {
        snprintf(err, errlen, "cgroup: out of memory");
        return NULL;
    }
    snprintf(rel, sizeof rel, "%s/%s", parent, name);
    self->version = xgc_cgroup_detect(root);
    if (self->version == XGC_CGROUP_V1)
        s_v1_mounts(root, cpu, acct, sizeof cpu);
    else {
        snprintf(cpu, sizeof cpu, "%s", root);
        acct[0] = '\0';
    }
    int rc = self->version == XGC_CGROUP_NONE ? -1 : 0;
    if (rc != 0)
        snprintf(err, errlen, "cgroup: no cpu controller under %s", root);
    if (rc == 0 && create)
        rc = s_mkdirs(cpu, rel, self->version == XGC_CGROUP_V2, err, errlen);
    if (rc == 0 && create && acct[0] && strcmp(acct, cpu) != 0)
        rc = s_mkdirs(acct, rel, 0, err, errlen);
    snprintf(self->cpu, sizeof self->cpu, "%s/%s", cpu, rel);
    if (acct[0] && strcmp(acct, cpu) != 0)
        snprintf(self->acct, sizeof self->acct, "%s/%s", acct, rel);
    if (rc == 0 && !create && access(self->cpu, F_OK) != 0)
        rc = -1;
    if (rc != 0)
        xgc_cgroup_destroy(&self);
    return self;
}

xgc_cgroup_t *xgc_cgroup_new(const char *root, const char *parent, const char *name,
                             char *err, size_t errlen)
{
    return s_handle(root, parent, name, 1, err, errlen);
}

xgc_cgroup_t *xgc_cgroup_open(const char *root, const char *parent, const char *name)
{
    char err[256];
    return s_handle(root, parent, name, 0, err, sizeof err);
}

void xgc_cgroup_destroy(xgc_cgroup_t **self_p)
{
    if (self_p && *self_p) {
        free(*self_p);
        *self_p = NULL;
    }
}

/* rmdir a group dir, waiting while it is still busy with exiting tasks. */
static int s_rmdir(const char *dir, int timeout_ms, char *err, size_t errlen)
{
    for (int waited = 0;; waited += 10) {
        if (rmdir(dir) == 0 || errno == ENOENT)
            return 0;
        if (errno != EBUSY || waited >= timeout_ms) {
            snprintf(err, errlen, "cgroup: rmdir %s: %s", dir, strerror(errno));
            return -1;
        }
        struct timespec ts = { 0, 10 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
}

int xgc_cgroup_remove(xgc_cgroup_t **self_p, int timeout_ms, char *err, size_t errlen)
{
    if (!self_p || !*self_p)
        return 0;
    xgc_cgroup_t *self = *self_p;
    int rc = s_rmdir(self->cpu, timeout_ms, err, errlen);
    if (self->acct[0] && s_rmdir(self->acct, timeout_ms, err, errlen) != 0)
        rc = -1;
    xgc_cgroup_destroy(self_p);
    return rc;
}

/* rmdir base/rel, then each of its parents up to base, until one fails. */
static void s_prune_under(const char *base, const char *rel)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", base, rel);
    size_t keep = strlen(base);
    while (strlen(path) > keep && rmdir(path) == 0) {
        char *slash = strrchr(path, '/');
        if (!slash)
            break;
        *slash = '\0';
    }
}

void xgc_cgroup_prune(const char *root, const char *parent)
{
    char cpu[1024], acct[1024];
    xgc_cgroup_version_t version = xgc_cgroup_detect(root);
    if (version == XGC_CGROUP_V1 && s_v1_mounts(root, cpu, acct, sizeof cpu) == 0) {
        s_prune_under(cpu, parent);
        if (acct[0] && strcmp(acct, cpu) != 0)
            s_prune_under(acct, parent);
    }
    else if (version == XGC_CGROUP_V2)
        s_prune_under(root, parent);
}

xgc_cgroup_version_t xgc_cgroup_version(const xgc_cgroup_t *self)
{
    return self->version;
}

int xgc_cgroup_attach(xgc_cgroup_t *self, int pid, char *err, size_t errlen)
{
    char value[32];
    snprintf(value, sizeof value, "%d", pid);
    if (s_write(self->cpu, "cgroup.procs", value, err, errlen) != 0)
        return -1;
    return self->acct[0] ? s_write(self->acct, "cgroup.procs", value, err, errlen) : 0;
}

int xgc_cgroup_set_cap(xgc_cgroup_t *self, int cap_pct, char *err, size_t errlen)
{
    char value[64];
    if (self->version == XGC_CGROUP_V2) {
        xgc_cgroup_v2_max(cap_pct, value, sizeof value);
        return s_write(self->cpu, "cpu.max", value, err, errlen);
    }
    snprintf(value, sizeof value, "%d", XGC_CGROUP_PERIOD_US);
    if (s_write(self->cpu, "cpu.cfs_period_us", value, err, errlen) != 0)
        return -1;
    snprintf(value, sizeof value, "%ld", xgc_cgroup_v1_quota(cap_pct));
    return s_write(self->cpu, "cpu.cfs_quota_us", value, err, errlen);
}

int xgc_cgroup_set_weight(xgc_cgroup_t *self, int weight, char *err, size_t errlen)
{
    char value[32];
    int v2 = self->version == XGC_CGROUP_V2;
    snprintf(value, sizeof value, "%ld", v2 ? xgc_cgroup_v2_weight(weight) : xgc_cgroup_v1_shares(weight));
    return s_write(self->cpu, v2 ? "cpu.weight" : "cpu.shares", value, err, errlen);
}

int xgc_cgroup_cap(xgc_cgroup_t *self)
{
    if (self->version == XGC_CGROUP_V2) {
        char buf[64];
        return s_read(self->cpu, "cpu.max", buf, sizeof buf) == 0 ? xgc_cgroup_cap_from_v2_max(buf) : -1;
    }
    long quota = s_read_long(self->cpu, "cpu.cfs_quota_us");
    long period = s_read_long(self->cpu, "cpu.cfs_period_us");
    return quota == LONG_MIN || period == LONG_MIN ? -1 : xgc_cgroup_cap_from_quota(quota, period);
}

int xgc_cgroup_weight(xgc_cgroup_t *self)
{
    int v2 = self->version == XGC_CGROUP_V2;
    long value = s_read_long(self->cpu, v2 ? "cpu.weight" : "cpu.shares");
    if (value == LONG_MIN)
        return -1;
    return v2 ? xgc_cgroup_weight_from_v2(value) : xgc_cgroup_weight_from_shares(value);
}

int64_t xgc_cgroup_usage_ns(xgc_cgroup_t *self)
{
    if (self->version == XGC_CGROUP_V1 && self->acct[0]) {
        long value = s_read_long(self->acct, "cpuacct.usage");
        return value == LONG_MIN ? -1 : value;
    }
    if (self->version == XGC_CGROUP_V1 && s_is_file(self->cpu, "cpuacct.usage")) {
        long value = s_read_long(self->cpu, "cpuacct.usage");
        return value == LONG_MIN ? -1 : value;
    }
    char buf[1024];
    return s_read(self->cpu, "cpu.stat", buf, sizeof buf) == 0 ? xgc_cgroup_v2_usage_ns(buf) : -1;
}

int xgc_cgroup_nprocs(xgc_cgroup_t *self)
{
    char buf[4096];
    if (s_read(self->cpu, "cgroup.procs", buf, sizeof buf) != 0)
        return -1;
    int n = 0;
    for (char *p = buf; *p; p++)
        n += *p == '\n';
    return n;
}
