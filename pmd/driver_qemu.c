/* driver_qemu — real VMs under QEMU on a host without Xen (pmd/driver.h).
 *
 * One qemu process per VM, started with its QMP socket, serial log and
 * pid file in the driver's state directory, inside the host's network
 * namespace when driver_opts names one, and placed in its own CPU cgroup
 * (pmd/cgroup.h), which gives Xen's cap and weight and the VM's CPU time.
 * The guest is the image `make guest` builds (vmd/guest/): a kernel and an
 * initramfs whose /init runs xgc-vmd with the identity and broker URL the
 * kernel command line carries.
 *
 * Every call returns at once: a long operation (create, destroy, migrate
 * in and out) moves the VM into a transitional state, and xgc_driver_poll
 * advances it by looking at the process and asking QMP — query-status until
 * a new VM or an arriving one runs, query-migrate until a leaving one has
 * gone — and then reports the one finished event. While anything is in
 * flight a 50 ms timerfd (the driver's fd) wakes the pmd.
 *
 * Per-VM keys: when the pmd's deployment says `security: curve` and keygen made the VM its own vmd
 * certificate (<certs>/secret/vmd-<vm>.cert_secret), qemu hands the guest
 * that file as fw_cfg item opt/xgc/cert and the broker's public key on the
 * kernel command line; else the guest uses its image's shared certificate.
 * docs/security.md.
 *
 * Live migration: the destination starts an incoming qemu listening on
 * its own address (migrate_ip, one port per arrival), the source sends
 * QMP `migrate` there; when it completes the source qemu is told to quit
 * and its cgroup is removed. Because everything lives in qemu processes
 * that are not the pmd's, a restarted pmd adopts the VMs it finds from the
 * pid files (restart = adopt).
 */
#define _GNU_SOURCE             /* setns, CLONE_NEWNET */
#include "pmd/qemu_opts.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pmd/cgroup.h"
#include "pmd/driver.h"
#include "pmd/qmp.h"
#include "xgc_config.h"
#include "xgc_security.h"

#define S_QMP_TIMEOUT_MS 200     /* a QMP command: < 1 ms, unless the cap
                                    throttles qemu (≤ 20 ms, see cgroup.h) */
#define S_STOP_TIMEOUT_MS 5000   /* quit, then SIGKILL */
#define S_EVENTS_MAX 64
#define S_MIGRATE_RETRY_MS 200   /* the destination's qemu may not listen yet */
#define S_MIGRATE_RETRY_FOR_MS 20000

/* --- the driver ------------------------------------------------------------ */

typedef struct {
    char name[XGC_NAME_MAX];
    xgc_dom_state_t state;
    pid_t pid;
    int exit_status;             /* when we reaped it, else -1 */
    xgc_qmp_t *qmp;
    xgc_cgroup_t *cg;
    double mem_mb;
    int port;                    /* incoming migration port, 0 = none */
    uint64_t op_id;              /* the operation in flight, 0 = none */
    xgc_op_kind_t op;
    long op_start_ms, deadline_ms;
    int killed;                  /* SIGKILL sent */
    char note[96];               /* migration figures for the done event */
    char uri[128];               /* where a leaving VM goes */
    long retry_ms;               /* when to send `migrate` again, 0 = not */
} s_vm_t;

typedef struct {
    char host[XGC_NAME_MAX];
    xgc_qemu_opts_t opts;
    char dir[512];               /* state_dir/qemu */
    double core_mhz, mem_mb;
    int cores;
    s_vm_t **vms;
    size_t nvms;
    xgc_drv_event_t events[S_EVENTS_MAX];
    size_t nevents;
    int timer;                   /* timerfd, armed while operations run */
    int timer_armed;
    int off;                     /* "powered off" (logical, see s_power) */
    char certs[XGC_PATH_MAX];    /* security: curve: the keygen directory, else "" */
    char broker_key[41];         /* and the broker's public key (Z85) */
} s_qemu_t;

static long s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void s_path(const s_qemu_t *self, const char *vm, const char *ext, char *out, size_t len)
{
    snprintf(out, len, "%s/%s.%s", self->dir, vm, ext);
}

static s_vm_t *s_find(s_qemu_t *self, const char *name)
{
    for (size_t i = 0; i < self->nvms; i++)
        if (strcmp(self->vms[i]->name, name) == 0)
            return self->vms[i];
    return NULL;
}

static s_vm_t *s_add(s_qemu_t *self, const char *name)
{
    s_vm_t **vms = realloc(self->vms, (self->nvms + 1) * sizeof *vms);
    s_vm_t *vm = calloc(1, sizeof *vm);
    if (vms)
        self->vms = vms;
    if (!vms || !vm) {
        free(vm);
        return NULL;
    }
    snprintf(vm->name, sizeof vm->name, "%s", name);
    vm->exit_status = -1;
    self->vms[self->nvms++] = vm;
    return vm;
}

static void s_remove_cgroup(s_vm_t *vm)
{
    char err[256];
    if (vm->cg && xgc_cgroup_remove(&vm->cg, 1000, err, sizeof err) != 0)
        fprintf(stderr, "qemu: vm %s: %s\n", vm->name, err);
}

/* Forget a VM whose process is gone: its cgroup and files go too. */
static void s_forget(s_qemu_t *self, s_vm_t *vm)
{
    char path[PATH_MAX];
    xgc_qmp_destroy(&vm->qmp);
    s_remove_cgroup(vm);
    s_path(self, vm->name, "pid", path, sizeof path);
    unlink(path);
    s_path(self, vm->name, "qmp", path, sizeof path);
    unlink(path);
    for (size_t i = 0; i < self->nvms; i++)
        if (self->vms[i] == vm) {
            self->vms[i] = self->vms[--self->nvms];
            break;
        }
    free(vm);
}

static void s_event(s_qemu_t *self, s_vm_t *vm, xgc_op_kind_t kind, uint64_t op_id,
                    int ok, const char *reason)
{
    if (self->nevents == S_EVENTS_MAX)
        memmove(self->events, self->events + 1, --self->nevents * sizeof *self->events);
    xgc_drv_event_t *ev = &self->events[self->nevents++];
    memset(ev, 0, sizeof *ev);
    ev->op_id = op_id;
    ev->kind = kind;
    ev->ok = ok;
    snprintf(ev->vm, sizeof ev->vm, "%s", vm->name);
    snprintf(ev->reason, sizeof ev->reason, "%s", reason ? reason : "");
    ev->elapsed_ms = op_id ? s_now_ms() - vm->op_start_ms : 0;
}

/* Finish the VM's operation in flight. */
static void s_finish(s_qemu_t *self, s_vm_t *vm, int ok, const char *reason)
{
    if (vm->op_id)
        s_event(self, vm, vm->op, vm->op_id, ok, reason);
    vm->op_id = 0;
}

static void s_begin(s_qemu_t *self, s_vm_t *vm, xgc_op_kind_t op, uint64_t op_id,
                    xgc_dom_state_t state, int timeout_ms)
{
    vm->op = op;
    vm->op_id = op_id;
    vm->state = state;
    vm->op_start_ms = s_now_ms();
    vm->deadline_ms = vm->op_start_ms + timeout_ms;
    vm->killed = 0;
    if (!self->timer_armed) {
        struct itimerspec every = { { 0, 50000000 }, { 0, 50000000 } };
        timerfd_settime(self->timer, 0, &every, NULL);
        self->timer_armed = 1;
    }
}

/* Is the qemu process still there? Reaps it when it is our child. */
static int s_alive(s_vm_t *vm)
{
    if (vm->pid <= 0)
        return 0;
    int status;
    pid_t r = waitpid(vm->pid, &status, WNOHANG);
    if (r == vm->pid) {
        vm->exit_status = status;
        vm->pid = 0;
        return 0;
    }
    if (r == 0)
        return 1;
    if (kill(vm->pid, 0) == 0)   /* adopted: not our child */
        return 1;
    vm->pid = 0;
    return 0;
}

/* The last line of the VM's qemu log: why it died. */
static void s_last_words(const s_qemu_t *self, const s_vm_t *vm, char *out, size_t len)
{
    char path[PATH_MAX], line[256] = "";
    s_path(self, vm->name, "log", path, sizeof path);
    FILE *f = fopen(path, "r");
    snprintf(out, len, "qemu exited");
    if (!f)
        return;
    char buf[256];
    while (fgets(buf, sizeof buf, f))
        if (buf[0] && buf[0] != '\n')
            memcpy(line, buf, sizeof line);
    fclose(f);
    line[strcspn(line, "\n")] = '\0';
    if (line[0])
        snprintf(out, len, "qemu exited: %.150s", line);
}

/* Did the guest's kernel panic? (its console says so, near the end) */
static int s_panicked(const s_qemu_t *self, const s_vm_t *vm)
{
    char path[PATH_MAX], buf[8192];
    s_path(self, vm->name, "serial", path, sizeof path);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    if (fseek(f, -(long)(sizeof buf - 1), SEEK_END) != 0)
        rewind(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strstr(buf, "Kernel panic") != NULL;
}

/* --- process start --------------------------------------------------------- */

static void s_child(const s_qemu_t *self, int netns_fd, int log_fd, char **argv)
{
    setsid();                    /* outlives the pmd, and its Ctrl-C */
    if (netns_fd >= 0 && setns(netns_fd, CLONE_NEWNET) != 0) {
        dprintf(log_fd, "qemu driver: setns %s: %s\n", self->opts.netns, strerror(errno));
        _exit(126);
    }
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    closefrom(3);
    execvp(argv[0], argv);
    dprintf(2, "qemu driver: exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

/* The VM's own vmd key, if the deployment uses CURVE and keygen made one
 * for it (xgc keygen --vm NAME); NULL: the guest uses its image's key. */
static const xgc_qemu_guest_key_t *s_guest_key(const s_qemu_t *self, const char *vm,
                                               xgc_qemu_guest_key_t *key)
{
    if (!self->certs[0] || !self->broker_key[0])
        return NULL;
    snprintf(key->server, sizeof key->server, "%s", self->broker_key);
    snprintf(key->cert, sizeof key->cert, "%s/secret/vmd-%s.cert_secret", self->certs, vm);
    return access(key->cert, R_OK) == 0 ? key : NULL;
}

/* Start qemu for vm (incoming "" or a qemu URI), its cgroup with cap and
 * weight, and its pid file. 0 or -1 with err. */
static int s_start(s_qemu_t *self, s_vm_t *vm, const char *incoming, int cap_pct, int weight,
                   char *err, size_t errlen)
{
    char qmp[PATH_MAX], serial[PATH_MAX], log[PATH_MAX], pidfile[PATH_MAX], buf[4096];
    char *argv[XGC_QEMU_ARGV_MAX];
    s_path(self, vm->name, "qmp", qmp, sizeof qmp);
    s_path(self, vm->name, "serial", serial, sizeof serial);
    s_path(self, vm->name, "log", log, sizeof log);
    s_path(self, vm->name, "pid", pidfile, sizeof pidfile);
    if (strlen(qmp) >= 100) {
        snprintf(err, errlen, "vm %s: QMP socket path too long: %s", vm->name, qmp);
        return -1;
    }
    xgc_qemu_guest_key_t key_buf;
    const xgc_qemu_guest_key_t *key = s_guest_key(self, vm->name, &key_buf);
    if (xgc_qemu_argv(&self->opts, vm->name, vm->mem_mb, qmp, serial, incoming, key,
                      buf, sizeof buf, argv) < 0) {
        snprintf(err, errlen, "vm %s: qemu command line too long", vm->name);
        return -1;
    }
    unlink(qmp);
    vm->cg = xgc_cgroup_new(self->opts.cgroup_root, self->opts.cgroup_parent, vm->name, err, errlen);
    if (vm->cg && (xgc_cgroup_set_cap(vm->cg, cap_pct, err, errlen) != 0
                   || xgc_cgroup_set_weight(vm->cg, weight, err, errlen) != 0)) {
        xgc_cgroup_remove(&vm->cg, 0, buf, sizeof buf);
        return -1;
    }
    if (!vm->cg && (cap_pct > 0 || weight > 0))
        return -1;               /* a cap was asked and cannot be kept */
    int netns_fd = -1;
    if (self->opts.netns[0]) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "/run/netns/%s", self->opts.netns);
        netns_fd = open(path, O_RDONLY | O_CLOEXEC);
        if (netns_fd < 0) {
            snprintf(err, errlen, "vm %s: network namespace %s: %s", vm->name, path, strerror(errno));
            xgc_cgroup_remove(&vm->cg, 0, buf, sizeof buf);
            return -1;
        }
    }
    int log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    pid_t pid = log_fd < 0 ? -1 : fork();
    if (pid == 0)
        s_child(self, netns_fd, log_fd, argv);
    int saved = errno;
    if (netns_fd >= 0)
        close(netns_fd);
    if (log_fd >= 0)
        close(log_fd);
    if (pid < 0) {
        snprintf(err, errlen, "vm %s: cannot start qemu: %s", vm->name, strerror(saved));
        xgc_cgroup_remove(&vm->cg, 0, buf, sizeof buf);
        return -1;
    }
    vm->pid = pid;
    if (key)
        fprintf(stderr, "qemu: vm %s: its own vmd key, %s (fw_cfg %s)\n", vm->name, key->cert,
                XGC_QEMU_FWCFG_CERT);
    if (vm->cg && xgc_cgroup_attach(vm->cg, pid, buf, sizeof buf) != 0)
        fprintf(stderr, "qemu: vm %s: %s\n", vm->name, buf);
    FILE *f = fopen(pidfile, "w");
    if (f) {
        fprintf(f, "%d %.0f %d\n", (int)pid, vm->mem_mb, vm->port);
        fclose(f);
    }
    return 0;
}

/* A QMP command on the VM's connection. After an I/O failure or a
 * timeout the connection is dropped (a late answer would otherwise be
 * taken for the next command's) and made again on next use. */
static json_t *s_call(s_vm_t *vm, const char *command, json_t *args, char *err, size_t errlen)
{
    json_t *ret = xgc_qmp_execute(vm->qmp, command, args, S_QMP_TIMEOUT_MS, err, errlen);
    if (!ret && strncmp(err, "qmp:", 4) == 0)
        xgc_qmp_destroy(&vm->qmp);
    return ret;
}

static int s_call_run(s_vm_t *vm, const char *command, json_t *args, char *err, size_t errlen)
{
    json_t *ret = s_call(vm, command, args, err, errlen);
    json_decref(ret);
    return ret ? 0 : -1;
}

/* Connect QMP once the socket is there (no waiting beyond a few ms). */
static xgc_qmp_t *s_qmp(s_qemu_t *self, s_vm_t *vm)
{
    if (vm->qmp)
        return vm->qmp;
    char path[PATH_MAX], err[256];
    s_path(self, vm->name, "qmp", path, sizeof path);
    if (access(path, F_OK) == 0)
        vm->qmp = xgc_qmp_connect(path, S_QMP_TIMEOUT_MS, err, sizeof err);
    return vm->qmp;
}

/* QEMU's run state ("running", "inmigrate", "postmigrate", ...) or "". */
static void s_status(s_qemu_t *self, s_vm_t *vm, char *out, size_t len)
{
    char err[256];
    out[0] = '\0';
    if (!s_qmp(self, vm))
        return;
    json_t *ret = s_call(vm, "query-status", NULL, err, sizeof err);
    if (!ret)
        return;
    const char *status = json_string_value(json_object_get(ret, "status"));
    snprintf(out, len, "%s", status ? status : "");
    json_decref(ret);
}

/* Ask qemu to quit (QMP, else SIGTERM); the poll loop waits for it. */
static void s_stop(s_qemu_t *self, s_vm_t *vm)
{
    char err[256];
    if (!s_qmp(self, vm) || s_call_run(vm, "quit", NULL, err, sizeof err) != 0)
        if (vm->pid > 0)
            kill(vm->pid, SIGTERM);
    xgc_qmp_destroy(&vm->qmp);
}

/* Send QMP `migrate` to vm->uri (with the bandwidth first). */
static int s_send_migrate(s_qemu_t *self, s_vm_t *vm, char *err, size_t errlen)
{
    char qerr[256];
    if (!s_qmp(self, vm)) {
        snprintf(err, errlen, "vm %s: no QMP connection to its qemu", vm->name);
        return -1;
    }
    if (self->opts.migrate_mbps > 0) {
        json_t *params = json_pack("{s:I}", "max-bandwidth", (json_int_t)self->opts.migrate_mbps << 20);
        if (s_call_run(vm, "migrate-set-parameters", params, qerr, sizeof qerr) != 0)
            fprintf(stderr, "qemu: vm %s: %s (keeping qemu's bandwidth)\n", vm->name, qerr);
    }
    if (!s_qmp(self, vm) || s_call_run(vm, "migrate", json_pack("{s:s}", "uri", vm->uri), qerr, sizeof qerr) != 0) {
        snprintf(err, errlen, "vm %s: migrate to %s: %s", vm->name, vm->uri, qerr);
        return -1;
    }
    return 0;
}

/* --- the operations' progress (poll) --------------------------------------- */

static void s_step_boot(s_qemu_t *self, s_vm_t *vm, int alive, long now)
{
    char status[32], why[200];
    int arriving = vm->state == XGC_DOM_MIGRATING_IN;
    if (!alive) {
        s_last_words(self, vm, why, sizeof why);
        s_finish(self, vm, 0, why);
        s_forget(self, vm);
        return;
    }
    s_status(self, vm, status, sizeof status);
    if (strcmp(status, "running") == 0) {
        vm->state = XGC_DOM_RUNNING;
        vm->port = 0;
        s_finish(self, vm, 1, arriving ? "arrived" : "running");
    }
    else if (now > vm->deadline_ms && !vm->killed) {
        kill(vm->pid, SIGKILL);
        vm->killed = 1;
        snprintf(why, sizeof why, "%s: timed out (qemu status '%s')",
                 arriving ? "no migration arrived" : "did not boot", status);
        s_finish(self, vm, 0, why);
    }
}

/* The destination refused the connection: its incoming qemu may still be
 * starting (the pmds only know it was asked to). Worth another try? */
static int s_retry_refused(s_vm_t *vm, const xgc_migration_t *m, long now)
{
    return strstr(m->error, "Connection refused") && now - vm->op_start_ms < S_MIGRATE_RETRY_FOR_MS;
}

static void s_step_migrate_out(s_qemu_t *self, s_vm_t *vm, int alive, long now)
{
    char err[256];
    if (!alive) {                /* quit after completion, or died */
        s_finish(self, vm, vm->note[0] != '\0', vm->note[0] ? vm->note : "qemu exited during migration");
        s_forget(self, vm);
        return;
    }
    if (vm->note[0] || !s_qmp(self, vm))
        return;                  /* completed: waiting for the quit */
    if (vm->retry_ms) {
        if (now >= vm->retry_ms && s_send_migrate(self, vm, err, sizeof err) == 0)
            vm->retry_ms = 0;
        return;
    }
    json_t *ret = s_call(vm, "query-migrate", NULL, err, sizeof err);
    if (!ret)
        return;
    xgc_migration_t m;
    xgc_qmp_migration_parse(ret, &m);
    json_decref(ret);
    if (m.state == XGC_MIGRATION_COMPLETED) {
        snprintf(vm->note, sizeof vm->note, "migrated: total %ld ms, downtime %ld ms, %ld MB",
                 m.total_time_ms, m.downtime_ms, m.transferred_bytes >> 20);
        s_stop(self, vm);
    }
    else if (m.state == XGC_MIGRATION_FAILED && s_retry_refused(vm, &m, now))
        vm->retry_ms = now + S_MIGRATE_RETRY_MS;
    else if (m.state == XGC_MIGRATION_FAILED) {
        vm->state = XGC_DOM_RUNNING;   /* still running here */
        snprintf(err, sizeof err, "migration failed: %.200s", m.error);
        s_finish(self, vm, 0, err);
    }
}

static void s_step_stop(s_qemu_t *self, s_vm_t *vm, int alive, long now)
{
    if (!alive) {
        s_finish(self, vm, 1, "destroyed");
        s_forget(self, vm);
    }
    else if (now > vm->deadline_ms && !vm->killed) {
        kill(vm->pid, SIGKILL);
        vm->killed = 1;
    }
}

/* One VM's progress; may forget vm. */
static void s_step(s_qemu_t *self, s_vm_t *vm, long now)
{
    int alive = s_alive(vm);
    switch (vm->state) {
    case XGC_DOM_CREATING:
    case XGC_DOM_MIGRATING_IN:
        if (vm->op_id || !alive)
            s_step_boot(self, vm, alive, now);
        else if (vm->killed && !alive)
            s_forget(self, vm);
        break;
    case XGC_DOM_MIGRATING_OUT:
        s_step_migrate_out(self, vm, alive, now);
        break;
    case XGC_DOM_STOPPING:
        s_step_stop(self, vm, alive, now);
        break;
    case XGC_DOM_DEAD:
        break;
    default:
        if (!alive) {            /* guest powered off (-no-reboot) or crashed */
            int clean = vm->exit_status >= 0 && WIFEXITED(vm->exit_status) && WEXITSTATUS(vm->exit_status) == 0;
            char why[200];
            s_last_words(self, vm, why, sizeof why);
            if (s_panicked(self, vm)) {
                clean = 0;       /* panic=-1 reboots, -no-reboot exits 0 */
                snprintf(why, sizeof why, "guest kernel panic (see %s.serial)", vm->name);
            }
            s_remove_cgroup(vm);     /* nothing left in it */
            vm->state = XGC_DOM_DEAD;
            s_event(self, vm, clean ? XGC_EV_GUEST_SHUTDOWN : XGC_EV_GUEST_CRASH, 0, 1, why);
        }
    }
}

static size_t s_poll(void *inst, xgc_drv_event_t *out, size_t max)
{
    s_qemu_t *self = inst;
    uint64_t ticks;
    if (read(self->timer, &ticks, sizeof ticks) < 0 && errno != EAGAIN)
        ticks = 0;
    long now = s_now_ms();
    int busy = 0;
    for (size_t i = self->nvms; i-- > 0;) {
        s_vm_t *vm = self->vms[i];
        s_step(self, vm, now);
    }
    for (size_t i = 0; i < self->nvms; i++)
        busy |= self->vms[i]->op_id != 0 || self->vms[i]->state == XGC_DOM_STOPPING;
    if (!busy && self->timer_armed) {
        struct itimerspec off = { { 0, 0 }, { 0, 0 } };
        timerfd_settime(self->timer, 0, &off, NULL);
        self->timer_armed = 0;
    }
    size_t n = self->nevents < max ? self->nevents : max;
    memcpy(out, self->events, n * sizeof *out);
    memmove(self->events, self->events + n, (self->nevents - n) * sizeof *out);
    self->nevents -= n;
    return n;
}

static int s_fd(void *inst)
{
    return ((s_qemu_t *)inst)->timer;
}

/* --- calls ------------------------------------------------------------------ */

static int s_cap_pct(const s_qemu_t *self, double cap_mhz)
{
    return xgc_driver_cap_pct(cap_mhz, self->core_mhz);
}

/* A new VM record for spec, refused if the name is taken. */
static s_vm_t *s_new_vm(s_qemu_t *self, const xgc_vm_spec_t *spec, char *err, size_t errlen)
{
    if (self->off) {
        snprintf(err, errlen, "vm %s: host %s is powered off", spec->name, self->host);
        return NULL;
    }
    s_vm_t *old = s_find(self, spec->name);
    if (old && old->state == XGC_DOM_DEAD)
        s_forget(self, old);
    else if (old) {
        snprintf(err, errlen, "vm %s: already here (%s)", spec->name, xgc_dom_state_name(old->state));
        return NULL;
    }
    s_vm_t *vm = s_add(self, spec->name);
    if (!vm)
        snprintf(err, errlen, "vm %s: out of memory", spec->name);
    else
        vm->mem_mb = spec->mem_mb;
    return vm;
}

static int s_create(void *inst, const xgc_vm_spec_t *spec, double cap_mhz, int weight,
                    uint64_t op_id, char *err, size_t errlen)
{
    s_qemu_t *self = inst;
    s_vm_t *vm = s_new_vm(self, spec, err, errlen);
    if (!vm)
        return -1;
    if (s_start(self, vm, "", s_cap_pct(self, cap_mhz), weight, err, errlen) != 0) {
        s_forget(self, vm);
        return -1;
    }
    s_begin(self, vm, XGC_OP_CREATE, op_id, XGC_DOM_CREATING, self->opts.boot_timeout_s * 1000);
    return 0;
}

static int s_destroy_vm(void *inst, const char *name, uint64_t op_id, char *err, size_t errlen)
{
    s_qemu_t *self = inst;
    s_vm_t *vm = s_find(self, name);
    if (!vm) {
        snprintf(err, errlen, "vm %s: not here", name);
        return -1;
    }
    if (vm->op_id)               /* the operation in flight ends here, failed */
        s_finish(self, vm, 0, "destroyed");
    s_begin(self, vm, XGC_OP_DESTROY, op_id, XGC_DOM_STOPPING, S_STOP_TIMEOUT_MS);
    s_stop(self, vm);
    return 0;
}

static int s_migrate_out(void *inst, const char *name, const char *dest, uint64_t op_id,
                         char *err, size_t errlen)
{
    s_qemu_t *self = inst;
    s_vm_t *vm = s_find(self, name);
    if (!vm || vm->state != XGC_DOM_RUNNING) {
        snprintf(err, errlen, "vm %s: %s", name, vm ? "not running, cannot migrate" : "not here");
        return -1;
    }
    if (xgc_qemu_migrate_uri(dest, name, self->opts.migrate_ports, vm->uri, sizeof vm->uri) != 0) {
        snprintf(err, errlen, "vm %s: bad migration address '%s' (want tcp://IP:PORT)", name, dest);
        return -1;
    }
    if (s_send_migrate(self, vm, err, errlen) != 0)
        return -1;
    vm->note[0] = '\0';
    vm->retry_ms = 0;
    s_begin(self, vm, XGC_OP_MIGRATE_OUT, op_id, XGC_DOM_MIGRATING_OUT, self->opts.migrate_timeout_s * 1000);
    return 0;
}

static int s_migrate_in(void *inst, const xgc_vm_spec_t *spec, uint64_t op_id,
                        char *addr, size_t addrlen, char *err, size_t errlen)
{
    s_qemu_t *self = inst;
    int port = self->opts.migrate_port + xgc_qemu_migrate_offset(spec->name, self->opts.migrate_ports);
    s_vm_t *old = s_find(self, spec->name);
    if (old && old->state != XGC_DOM_DEAD) {
        snprintf(err, errlen, "vm %s: already here (%s)", spec->name, xgc_dom_state_name(old->state));
        return -1;
    }
    for (size_t i = 0; i < self->nvms; i++)
        if (self->vms[i]->port == port) {
            snprintf(err, errlen, "vm %s: its incoming port %d is busy with vm %s arriving; later",
                     spec->name, port, self->vms[i]->name);
            return -1;
        }
    s_vm_t *vm = s_new_vm(self, spec, err, errlen);
    if (!vm)
        return -1;
    vm->port = port;
    char incoming[128];
    snprintf(incoming, sizeof incoming, "tcp:%s:%d", self->opts.migrate_ip, port);
    if (s_start(self, vm, incoming, 0, 0, err, errlen) != 0) {
        s_forget(self, vm);
        return -1;
    }
    /* the base address: the source adds the VM's offset (xgc_qemu_migrate_uri) */
    snprintf(addr, addrlen, "tcp://%s:%d", self->opts.migrate_ip, self->opts.migrate_port);
    s_begin(self, vm, XGC_OP_MIGRATE_IN, op_id, XGC_DOM_MIGRATING_IN, self->opts.migrate_timeout_s * 1000);
    return 0;
}

static int s_set_sched(void *inst, const char *name, int weight, double cap_mhz,
                       char *err, size_t errlen)
{
    s_qemu_t *self = inst;
    s_vm_t *vm = s_find(self, name);
    if (!vm) {
        snprintf(err, errlen, "vm %s: not here", name);
        return -1;
    }
    if (!vm->cg) {
        snprintf(err, errlen, "vm %s: no CPU cgroup on this host: cannot cap or weigh", name);
        return -1;
    }
    if (xgc_cgroup_set_cap(vm->cg, s_cap_pct(self, cap_mhz), err, errlen) != 0)
        return -1;
    return weight > 0 ? xgc_cgroup_set_weight(vm->cg, weight, err, errlen) : 0;
}

/* CPU time of a process from /proc (when it has no cgroup). */
static uint64_t s_proc_cpu_ns(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');   /* the command name may hold spaces */
    unsigned long utime = 0, stime = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
        return 0;
    return (uint64_t)(utime + stime) * (1000000000ULL / (uint64_t)sysconf(_SC_CLK_TCK));
}

static int s_list(void *inst, xgc_dom_info_t **doms, size_t *count, char *err, size_t errlen)
{
    s_qemu_t *self = inst;
    *doms = calloc(self->nvms ? self->nvms : 1, sizeof **doms);
    if (!*doms) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < self->nvms; i++) {
        s_vm_t *vm = self->vms[i];
        xgc_dom_info_t *d = &(*doms)[i];
        snprintf(d->name, sizeof d->name, "%s", vm->name);
        d->state = vm->state;
        d->vcpus = 1;
        d->mem_mb = vm->mem_mb;
        int64_t ns = vm->cg ? xgc_cgroup_usage_ns(vm->cg) : -1;
        d->cpu_ns = ns >= 0 ? (uint64_t)ns : vm->pid > 0 ? s_proc_cpu_ns(vm->pid) : 0;
        int cap = vm->cg ? xgc_cgroup_cap(vm->cg) : 0;
        d->cap_mhz = xgc_driver_cap_mhz(cap > 0 ? cap : 0, self->core_mhz);
        d->weight = vm->cg ? xgc_cgroup_weight(vm->cg) : 256;
    }
    *count = self->nvms;
    return 0;
}

/* --- host ------------------------------------------------------------------- */

/* The first "key : value" number in a /proc file, or 0. */
static double s_proc_value(const char *file, const char *key)
{
    FILE *f = fopen(file, "r");
    char line[256];
    double value = 0;
    size_t klen = strlen(key);
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, key, klen) == 0 && (line[klen] == ':' || isspace((unsigned char)line[klen]))) {
            char *colon = strchr(line, ':');
            value = colon ? atof(colon + 1) : 0;
            break;
        }
    }
    if (f)
        fclose(f);
    return value;
}

static int s_host_info(void *inst, xgc_host_info_t *out, char *err, size_t errlen)
{
    s_qemu_t *self = inst;
    (void)err, (void)errlen;
    out->cores = self->cores;
    out->core_mhz = self->core_mhz;
    out->cpu_mhz = self->cores * self->core_mhz;
    out->mem_mb = self->mem_mb;
    double used = 0;
    for (size_t i = 0; i < self->nvms; i++)
        used += self->vms[i]->mem_mb;
    out->free_mem_mb = self->mem_mb > used ? self->mem_mb - used : 0;
    snprintf(out->migrate_addr, sizeof out->migrate_addr, "tcp://%s:%d",
             self->opts.migrate_ip, self->opts.migrate_port);
    out->powered_off = self->off;
    return 0;
}

/* Power: a namespace "host" cannot be switched off, so off is logical, as
 * the scheduler needs it: refused while VMs are here, then creates and
 * arrivals are refused until on (at once; no boot time). Kept in a file so
 * that a restarted pmd sees the same. */
static int s_power(void *inst, int off, char *err, size_t errlen)
{
    s_qemu_t *self = inst;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/powered-off", self->dir);
    if (off && self->nvms) {
        snprintf(err, errlen, "power off: %zu VM(s) still on host %s", self->nvms, self->host);
        return -1;
    }
    if (off) {
        FILE *f = fopen(path, "w");
        if (f)
            fclose(f);
    }
    else
        unlink(path);
    self->off = off;
    return 0;
}

static void s_host_capacity(s_qemu_t *self, const xgc_pm_spec_t *pm)
{
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    self->cores = pm && pm->cores > 0 ? pm->cores : online > 0 ? (int)online : 1;
    self->core_mhz = self->opts.core_mhz;
    if (self->core_mhz <= 0 && pm && pm->cpu_mhz > 0)
        self->core_mhz = pm->cpu_mhz / self->cores;
    if (self->core_mhz <= 0)
        self->core_mhz = s_proc_value("/proc/cpuinfo", "cpu MHz");
    if (self->core_mhz <= 0)
        self->core_mhz = 1000;
    self->mem_mb = pm && pm->mem_mb > 0 ? pm->mem_mb : s_proc_value("/proc/meminfo", "MemTotal") / 1024;
}

/* --- adoption (restart = adopt) ------------------------------------------- */

/* Take over the qemu a previous pmd run left, from its pid file. */
static void s_adopt(s_qemu_t *self, const char *name)
{
    char path[PATH_MAX], cmd[64], status[32];
    s_path(self, name, "pid", path, sizeof path);
    FILE *f = fopen(path, "r");
    int pid = 0, port = 0;
    double mem = 0;
    if (!f)
        return;
    int n = fscanf(f, "%d %lf %d", &pid, &mem, &port);
    fclose(f);
    s_vm_t *vm = s_add(self, name);
    if (!vm)
        return;
    vm->mem_mb = mem;
    vm->cg = xgc_cgroup_open(self->opts.cgroup_root, self->opts.cgroup_parent, name);
    snprintf(cmd, sizeof cmd, "/proc/%d/exe", pid);
    char exe[PATH_MAX];
    ssize_t len = n >= 1 && pid > 0 ? readlink(cmd, exe, sizeof exe - 1) : -1;
    exe[len > 0 ? len : 0] = '\0';
    vm->pid = strstr(exe, "qemu") ? pid : 0;
    s_status(self, vm, status, sizeof status);
    if (vm->pid && strcmp(status, "running") == 0)
        vm->state = XGC_DOM_RUNNING;
    else if (vm->pid && strcmp(status, "paused") == 0)
        vm->state = XGC_DOM_PAUSED;
    else {                       /* half-done arrival or departure, or gone */
        if (vm->pid)
            kill(vm->pid, SIGKILL);
        vm->state = XGC_DOM_STOPPING;
        vm->deadline_ms = s_now_ms() + S_STOP_TIMEOUT_MS;
        vm->killed = 1;
        fprintf(stderr, "qemu: vm %s: left in state '%s' by the last run: removed\n",
                name, status[0] ? status : "gone");
    }
}

static void s_adopt_all(s_qemu_t *self)
{
    DIR *d = opendir(self->dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len > 4 && len - 4 < XGC_NAME_MAX && strcmp(e->d_name + len - 4, ".pid") == 0) {
            char name[XGC_NAME_MAX];
            snprintf(name, sizeof name, "%.*s", (int)(len - 4), e->d_name);
            s_adopt(self, name);
        }
    }
    if (d)
        closedir(d);
}

/* --- instance ----------------------------------------------------------------- */

/* The deployment's security (the pmd's config): the keygen directory and
 * the broker's public key when it uses CURVE (for per-VM guest keys);
 * without a deployment, or with a plaintext bus, guests keep their image's
 * keys. */
static void s_security_setup(s_qemu_t *self, const xgc_config_t *cfg)
{
    char err[XGC_ERR_MAX], cert[XGC_PATH_MAX + 16];
    xgc_security_t sec;
    if (cfg && xgc_security_parse(cfg, &sec, err, sizeof err) == 0
        && sec.mode == XGC_SECURITY_CURVE) {
        snprintf(cert, sizeof cert, "%s/broker.cert", sec.certs);
        zcert_t *broker = zcert_load(cert);
        if (broker) {
            snprintf(self->certs, sizeof self->certs, "%s", sec.certs);
            snprintf(self->broker_key, sizeof self->broker_key, "%s", zcert_public_txt(broker));
        }
        else
            fprintf(stderr, "qemu: host %s: cannot read %s: guests keep their image's keys\n",
                    self->host, cert);
        zcert_destroy(&broker);
    }
}

static void s_destroy_instance(void *inst)
{
    s_qemu_t *self = inst;
    if (!self)
        return;
    /* the VMs keep running: a restarted pmd adopts them */
    for (size_t i = 0; i < self->nvms; i++) {
        xgc_qmp_destroy(&self->vms[i]->qmp);
        xgc_cgroup_destroy(&self->vms[i]->cg);
        free(self->vms[i]);
    }
    free(self->vms);
    xgc_cgroup_prune(self->opts.cgroup_root, self->opts.cgroup_parent);
    if (self->timer >= 0)
        close(self->timer);
    free(self);
}

static void *s_create_instance(const xgc_yaml_node_t *opts, const xgc_driver_env_t *env,
                               char *err, size_t errlen)
{
    s_qemu_t *self = calloc(1, sizeof *self);
    if (!self) {
        snprintf(err, errlen, "qemu: out of memory");
        return NULL;
    }
    self->timer = -1;
    const char *host = env && env->host ? env->host : "pm";
    snprintf(self->host, sizeof self->host, "%s", host);
    if (xgc_qemu_opts_load(opts, host, &self->opts, err, errlen) != 0) {
        s_destroy_instance(self);
        return NULL;
    }
    snprintf(self->dir, sizeof self->dir, "%s/qemu",
             env && env->state_dir ? env->state_dir : "/tmp");
    if (mkdir(self->dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "qemu: mkdir %s: %s", self->dir, strerror(errno));
        s_destroy_instance(self);
        return NULL;
    }
    self->timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (self->timer < 0) {
        snprintf(err, errlen, "qemu: timerfd: %s", strerror(errno));
        s_destroy_instance(self);
        return NULL;
    }
    s_host_capacity(self, env ? env->pm : NULL);
    s_security_setup(self, env ? env->cfg : NULL);
    if (xgc_cgroup_detect(self->opts.cgroup_root) == XGC_CGROUP_NONE)
        fprintf(stderr, "qemu: host %s: no CPU cgroup under %s: VMs run without caps or weights\n",
                host, self->opts.cgroup_root);
    s_adopt_all(self);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/powered-off", self->dir);
    self->off = !self->nvms && access(path, F_OK) == 0;
    return self;
}

const xgc_driver_class_t xgc_driver_qemu = {
    .name = "qemu",
    .create_instance = s_create_instance,
    .destroy_instance = s_destroy_instance,
    .host_info = s_host_info,
    .list = s_list,
    .create = s_create,
    .destroy = s_destroy_vm,
    .set_sched = s_set_sched,
    .migrate_out = s_migrate_out,
    .migrate_in = s_migrate_in,
    .fd = s_fd,
    .poll = s_poll,
    .power = s_power,
};
