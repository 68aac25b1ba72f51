/* Unit tests of the sim driver: timings scaled by the time factor, CPU
 * accounting under a cap, failure injection, persistence across a restart,
 * and a real live migration between two instances over loopback TCP in
 * which the VM is never running on both and never absent from both. */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "xgc_test.h"
#include "pmd/driver.h"

static char dir[] = "/tmp/xgc-test-sim-XXXXXX";

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* time_factor 200: create 40 s -> 200 ms, migrate 20 s -> 100 ms. */
static xgc_driver_t *new_sim(const char *host, const char *extra)
{
    char text[512], err[XGC_ERR_MAX];
    snprintf(text, sizeof text, "time_factor: 200\ncores: 2\ncore_mhz: 2000\nmem_mb: 2048\n%s",
             extra ? extra : "");
    xgc_yaml_node_t *opts = xgc_yaml_load_string(text, strlen(text), "opts", err, sizeof err);
    xgc_driver_env_t env = { .host = host, .state_dir = dir };
    xgc_driver_t *d = xgc_driver_new("sim", opts, &env, err, sizeof err);
    if (!d)
        fprintf(stderr, "%s\n", err);
    xgc_yaml_destroy(&opts);
    return d;
}

static xgc_vm_spec_t spec(const char *name, const char *image)
{
    xgc_vm_spec_t s;
    memset(&s, 0, sizeof s);
    snprintf(s.name, sizeof s.name, "%s", name);
    snprintf(s.image, sizeof s.image, "%s", image);
    s.max_mhz = 1000;
    s.mem_mb = 512;
    return s;
}

/* The state of vm on d, or -1 if it is not there. */
static int dom_state(xgc_driver_t *d, const char *vm, xgc_dom_info_t *copy)
{
    xgc_dom_info_t *doms;
    size_t n;
    char err[200];
    int st = -1;
    if (xgc_driver_list(d, &doms, &n, err, sizeof err) < 0)
        return -2;
    for (size_t i = 0; i < n; i++)
        if (strcmp(doms[i].name, vm) == 0) {
            st = (int)doms[i].state;
            if (copy)
                *copy = doms[i];
        }
    free(doms);
    return st;
}

/* Poll until an event of kind for vm arrives (or timeout): ok flag or -1. */
static int wait_event(xgc_driver_t **ds, int nd, xgc_op_kind_t kind, const char *vm,
                      int timeout_ms, char *reason)
{
    int64_t end = now_ms() + timeout_ms;
    while (now_ms() < end) {
        for (int k = 0; k < nd; k++) {
            xgc_drv_event_t ev[8];
            size_t n = xgc_driver_poll(ds[k], ev, 8);
            for (size_t i = 0; i < n; i++)
                if (ev[i].kind == kind && strcmp(ev[i].vm, vm) == 0) {
                    if (reason)
                        snprintf(reason, 160, "%s", ev[i].reason);
                    return ev[i].ok;
                }
        }
        usleep(2000);
    }
    return -1;
}

XGC_TEST(create_takes_scaled_time_and_accounts_cpu)
{
    xgc_driver_t *d = new_sim("h1", "load: 0.8\n");
    CHECK(d);
    xgc_vm_spec_t s = spec("vm1", "");
    char err[200];
    int64_t t0 = now_ms();
    CHECK(xgc_driver_create(d, &s, 0, 256, 1, err, sizeof err) == 0);
    CHECK(dom_state(d, "vm1", NULL) == XGC_DOM_CREATING);
    CHECK(xgc_driver_create(d, &s, 0, 256, 2, err, sizeof err) == -1);   /* no duplicate */
    CHECK(wait_event(&d, 1, XGC_OP_CREATE, "vm1", 2000, NULL) == 1);
    int64_t took = now_ms() - t0;
    CHECK(took >= 190 && took < 600);    /* 40 s / 200 */
    CHECK(dom_state(d, "vm1", NULL) == XGC_DOM_RUNNING);
    /* CPU: load 0.8 x max 1000 MHz = 800 MHz on 2000 MHz cores = 0.4 */
    xgc_dom_info_t a, b;
    dom_state(d, "vm1", &a);
    int64_t t1 = now_ms();
    usleep(200000);
    dom_state(d, "vm1", &b);
    double frac = (double)(b.cpu_ns - a.cpu_ns) / ((double)(now_ms() - t1) * 1e6);
    CHECK_NEAR(frac, 0.4, 0.05);
    /* capped at 200 MHz: 0.1 */
    CHECK(xgc_driver_set_sched(d, "vm1", 512, 200, err, sizeof err) == 0);
    dom_state(d, "vm1", &a);
    t1 = now_ms();
    usleep(200000);
    dom_state(d, "vm1", &b);
    frac = (double)(b.cpu_ns - a.cpu_ns) / ((double)(now_ms() - t1) * 1e6);
    CHECK_NEAR(frac, 0.1, 0.02);
    CHECK(b.weight == 512 && b.cap_mhz == 200);
    /* injected load */
    CHECK(xgc_driver_inject_load(d, "vm1", 100) == 0);
    /* destroy */
    CHECK(xgc_driver_destroy_vm(d, "vm1", 3, err, sizeof err) == 0);
    CHECK(wait_event(&d, 1, XGC_OP_DESTROY, "vm1", 2000, NULL) == 1);
    CHECK(dom_state(d, "vm1", NULL) == -1);
    xgc_driver_destroy(&d);
}

XGC_TEST(failures_and_refusals)
{
    xgc_driver_t *d = new_sim("h2", NULL);
    CHECK(d);
    char err[200], why[160];
    xgc_vm_spec_t bad = spec("bad", "sim:fail");
    CHECK(xgc_driver_create(d, &bad, 0, 0, 1, err, sizeof err) == 0);
    CHECK(wait_event(&d, 1, XGC_OP_CREATE, "bad", 2000, why) == 0);
    CHECK(strstr(why, "simulated failure"));
    CHECK(dom_state(d, "bad", NULL) == -1);
    xgc_vm_spec_t big = spec("big", "");
    big.mem_mb = 4096;
    CHECK(xgc_driver_create(d, &big, 0, 0, 2, err, sizeof err) == -1);
    CHECK(strstr(err, "needs 4096 MB"));
    CHECK(xgc_driver_destroy_vm(d, "ghost", 3, err, sizeof err) == -1);
    CHECK(xgc_driver_set_sched(d, "ghost", 1, 0, err, sizeof err) == -1);
    /* a prepared receive that nothing reaches times out */
    xgc_driver_destroy(&d);
    d = new_sim("h2", "expect_timeout_s: 0.1\n");
    CHECK(d);
    xgc_vm_spec_t s = spec("vm5", "");
    char addr[128];
    CHECK(xgc_driver_migrate_in(d, &s, 9, addr, sizeof addr, err, sizeof err) == 0);
    CHECK(strncmp(addr, "tcp://127.0.0.1:", 16) == 0);
    CHECK(wait_event(&d, 1, XGC_OP_MIGRATE_IN, "vm5", 2000, why) == 0);
    CHECK(strstr(why, "nothing arrived"));
    xgc_driver_destroy(&d);
    /* bad options are refused with the field */
    char text[] = "time_factor: 0\n";
    xgc_yaml_node_t *opts = xgc_yaml_load_string(text, strlen(text), "o", err, sizeof err);
    xgc_driver_env_t env = { .host = "x", .state_dir = dir };
    CHECK(xgc_driver_new("sim", opts, &env, err, sizeof err) == NULL);
    xgc_yaml_destroy(&opts);
    char text2[] = "speed: 3\n";
    opts = xgc_yaml_load_string(text2, strlen(text2), "o", err, sizeof err);
    CHECK(xgc_driver_new("sim", opts, &env, err, sizeof err) == NULL);
    CHECK(strstr(err, "'speed'"));
    xgc_yaml_destroy(&opts);
}

XGC_TEST(restart_keeps_domains)
{
    xgc_driver_t *d = new_sim("h3", NULL);
    CHECK(d);
    char err[200];
    xgc_vm_spec_t s = spec("vm1", "");
    CHECK(xgc_driver_create(d, &s, 300, 100, 1, err, sizeof err) == 0);
    CHECK(wait_event(&d, 1, XGC_OP_CREATE, "vm1", 2000, NULL) == 1);
    xgc_driver_destroy(&d);             /* the pmd goes away; Xen keeps the VM */
    d = new_sim("h3", NULL);
    CHECK(d);
    xgc_dom_info_t info;
    CHECK(dom_state(d, "vm1", &info) == XGC_DOM_RUNNING);
    CHECK(info.cap_mhz == 300 && info.weight == 100 && info.mem_mb == 512);
    xgc_host_info_t hi;
    CHECK(xgc_driver_host_info(d, &hi, err, sizeof err) == 0);
    CHECK(hi.cores == 2 && hi.cpu_mhz == 4000 && hi.free_mem_mb == 2048 - 512);
    /* same migration address as before the restart (a source in doubt
     * about a migration here finds it again) */
    char addr1[128];
    snprintf(addr1, sizeof addr1, "%s", hi.migrate_addr);
    xgc_driver_destroy(&d);
    d = new_sim("h3", NULL);
    CHECK(d && xgc_driver_host_info(d, &hi, err, sizeof err) == 0);
    CHECK_STR(hi.migrate_addr, addr1);
    /* power off refused while a VM is here */
    CHECK(xgc_driver_power(d, 1, err, sizeof err) == -1);
    CHECK(xgc_driver_destroy_vm(d, "vm1", 2, err, sizeof err) == 0);
    CHECK(wait_event(&d, 1, XGC_OP_DESTROY, "vm1", 2000, NULL) == 1);
    CHECK(xgc_driver_power(d, 1, err, sizeof err) == 0);
    CHECK(xgc_driver_create(d, &s, 0, 0, 3, err, sizeof err) == -1);
    CHECK(xgc_driver_power(d, 0, err, sizeof err) == 0);   /* wakes after 60 s / 200 */
    xgc_driver_host_info(d, &hi, err, sizeof err);
    CHECK(hi.powered_off == 1);
    usleep(400000);
    xgc_drv_event_t ev[4];
    xgc_driver_poll(d, ev, 4);
    xgc_driver_host_info(d, &hi, err, sizeof err);
    CHECK(hi.powered_off == 0);
    xgc_driver_destroy(&d);
}

XGC_TEST(live_migration_between_two_instances)
{
    xgc_driver_t *ds[2] = { new_sim("src", NULL), new_sim("dst", NULL) };
    CHECK(ds[0] && ds[1]);
    char err[200], addr[128];
    xgc_vm_spec_t s = spec("vm1", "");
    CHECK(xgc_driver_create(ds[0], &s, 500, 300, 1, err, sizeof err) == 0);
    CHECK(wait_event(ds, 2, XGC_OP_CREATE, "vm1", 2000, NULL) == 1);
    /* not expected: refused, stays at the source */
    xgc_host_info_t hi;
    xgc_driver_host_info(ds[1], &hi, err, sizeof err);
    CHECK(xgc_driver_migrate_out(ds[0], "vm1", hi.migrate_addr, 2, err, sizeof err) == 0);
    CHECK(wait_event(ds, 2, XGC_OP_MIGRATE_OUT, "vm1", 3000, NULL) == 0);
    CHECK(dom_state(ds[0], "vm1", NULL) == XGC_DOM_RUNNING);
    CHECK(dom_state(ds[1], "vm1", NULL) == -1);
    /* expected: moves, and is on exactly one side at every step */
    CHECK(xgc_driver_migrate_in(ds[1], &s, 3, addr, sizeof addr, err, sizeof err) == 0);
    int64_t t0 = now_ms();
    CHECK(xgc_driver_migrate_out(ds[0], "vm1", addr, 4, err, sizeof err) == 0);
    int out_ok = -1, in_ok = -1, both = 0, neither = 0;
    while (now_ms() - t0 < 3000 && (out_ok < 0 || in_ok < 0)) {
        for (int k = 0; k < 2; k++) {
            xgc_drv_event_t ev[8];
            size_t n = xgc_driver_poll(ds[k], ev, 8);
            for (size_t i = 0; i < n; i++) {
                if (ev[i].kind == XGC_OP_MIGRATE_OUT && ev[i].op_id == 4)
                    out_ok = ev[i].ok;
                if (ev[i].kind == XGC_OP_MIGRATE_IN && ev[i].op_id == 3)
                    in_ok = ev[i].ok;
            }
        }
        int a = dom_state(ds[0], "vm1", NULL), b = dom_state(ds[1], "vm1", NULL);
        int a_runs = a == XGC_DOM_RUNNING || a == XGC_DOM_MIGRATING_OUT;
        int b_runs = b == XGC_DOM_RUNNING;
        both += a_runs && b_runs;
        neither += a == -1 && b == -1;
        usleep(1000);
    }
    int64_t took = now_ms() - t0;
    CHECK(out_ok == 1 && in_ok == 1);
    CHECK(both == 0 && neither == 0);
    CHECK(took >= 95 && took < 1000);    /* 20 s / 200 */
    xgc_dom_info_t info;
    CHECK(dom_state(ds[0], "vm1", NULL) == -1);
    CHECK(dom_state(ds[1], "vm1", &info) == XGC_DOM_RUNNING);
    CHECK(info.cap_mhz == 500 && info.weight == 300 && info.cpu_ns > 0);
    xgc_driver_destroy(&ds[0]);
    xgc_driver_destroy(&ds[1]);
}

/* A source restarted in doubt (suspended after "go") asks the destination:
 * it has the VM -> the source's copy goes; it does not -> it resumes. */
XGC_TEST(indoubt_resolved_by_query)
{
    xgc_driver_t *dst = new_sim("qdst", NULL);
    CHECK(dst);
    char err[200], why[160];
    xgc_vm_spec_t s = spec("vm1", "");
    CHECK(xgc_driver_create(dst, &s, 0, 0, 1, err, sizeof err) == 0);
    CHECK(wait_event(&dst, 1, XGC_OP_CREATE, "vm1", 2000, NULL) == 1);
    xgc_host_info_t hi;
    xgc_driver_host_info(dst, &hi, err, sizeof err);
    char path[256];
    snprintf(path, sizeof path, "%s/sim-qsrc.state", dir);
    FILE *f = fopen(path, "w");
    CHECK(f);
    fprintf(f, "power 0\ndom vm1 indoubt 5 1 512 0 256 -1 1000 0 %s\n"
               "dom vm9 indoubt 5 1 512 0 256 -1 1000 0 %s\n", hi.migrate_addr, hi.migrate_addr);
    fclose(f);
    xgc_driver_t *src = new_sim("qsrc", NULL);
    CHECK(src);
    CHECK(dom_state(src, "vm1", NULL) == XGC_DOM_INDOUBT);
    int ok1 = -1, ok9 = -1;
    for (int64_t end = now_ms() + 3000; now_ms() < end && (ok1 < 0 || ok9 < 0); usleep(2000)) {
        xgc_drv_event_t ev[8];
        size_t n = xgc_driver_poll(src, ev, 8);
        xgc_driver_poll(dst, ev + n, 8 - n);
        for (size_t i = 0; i < n; i++) {
            if (ev[i].kind == XGC_OP_MIGRATE_OUT && !strcmp(ev[i].vm, "vm1"))
                ok1 = ev[i].ok;
            if (ev[i].kind == XGC_OP_MIGRATE_OUT && !strcmp(ev[i].vm, "vm9")) {
                ok9 = ev[i].ok;
                snprintf(why, sizeof why, "%s", ev[i].reason);
            }
        }
    }
    CHECK(ok1 == 1 && ok9 == 0);
    CHECK(dom_state(src, "vm1", NULL) == -1);
    CHECK(dom_state(dst, "vm1", NULL) == XGC_DOM_RUNNING);
    CHECK(strstr(why, "does not have it"));
    CHECK(dom_state(src, "vm9", NULL) == XGC_DOM_RUNNING);
    xgc_driver_destroy(&src);
    xgc_driver_destroy(&dst);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    XGC_TEST_RUN(create_takes_scaled_time_and_accounts_cpu);
    XGC_TEST_RUN(failures_and_refusals);
    XGC_TEST_RUN(restart_keeps_domains);
    XGC_TEST_RUN(live_migration_between_two_instances);
    XGC_TEST_RUN(indoubt_resolved_by_query);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return XGC_TEST_END();
}
