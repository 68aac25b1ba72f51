/* xgc-schedbench — load generator and stopwatch for the scheduler's
 * benchmarks (scheduler/bench.sh, `make bench`):
 *
 *   latency  registers P fake PMs (pm/<h>/info + alive, as pmds would),
 *            writes V VM specs at R per second, and times each one from the
 *            write of its spec to the cmd.<host>.create event that reaches
 *            the PMs' side: median, p90, p99, max.
 *   metrics  registers P PMs and V VMs, waits until all are planned, then
 *            publishes metric.vm.<name> for every VM every S seconds for D
 *            seconds and reports the CPU the scheduler process (--pid) used.
 * Fake PMs stand in for pmd processes: 1 000 pmds do not fit on 2 cores. */
#include <czmq.h>
#include <math.h>

#include "xgc_bus.h"
#include "xgc_config.h"
#include "xgc_log.h"
#include "xgc_msg.h"

static const char *s_usage =
    "usage: xgc-schedbench -c FILE latency [--pms P] [--vms V] [--rate R]\n"
    "       xgc-schedbench -c FILE metrics --pid PID [--pms P] [--vms V] [--period-s S]\n"
    "                                      [--duration-s D]\n";

typedef struct {
    xgc_bus_t *bus;
    long pms, vms;
    double rate, period_s, duration_s;
    int pid;
    int64_t *sent_us;            /* per VM: when its spec was written */
    double *lat_ms;              /* per VM: latency, < 0 = not yet */
    long received, planned;
} s_bench_t;

static void s_vm_name(long i, char *out, size_t size)
{
    snprintf(out, size, "b%06ld", i);
}

static void s_on_event(void *arg, const char *topic, const uint8_t *data, size_t len)
{
    s_bench_t *b = arg;
    xgc_cmd_t cmd;
    char err[128];
    size_t tl = strlen(topic);
    if (tl < 7 || strcmp(topic + tl - 7, ".create")
        || xgc_msg_cmd_decode(data, len, &cmd, err, sizeof err) < 0 || cmd.vm[0] != 'b')
        return;
    long i = atol(cmd.vm + 1);
    if (i >= 0 && i < b->vms && b->lat_ms[i] < 0) {
        b->lat_ms[i] = (double)(zclock_usecs() - b->sent_us[i]) / 1000.0;
        b->received++;
    }
}

static void s_on_change(void *arg, const char *key, const uint8_t *value, size_t len,
                        uint64_t seq)
{
    (void)len;
    (void)seq;
    s_bench_t *b = arg;
    if (value && !strncmp(key, "plan/", 5))
        b->planned++;
}

static int s_put(s_bench_t *b, const char *key, void *data, size_t len, uint64_t ttl)
{
    int rc = data ? xgc_bus_set(b->bus, key, data, len, ttl) : -1;
    free(data);
    return rc;
}

static int s_register_pms(s_bench_t *b)
{
    for (long j = 0; j < b->pms; j++) {
        xgc_pm_spec_t pm = {.cpu_mhz = 16000, .mem_mb = 65536, .cores = 8, .power_cost = 50,
                            .power = {.idle_w = 100, .peak_w = 250}};
        xgc_heartbeat_t hb = {.ts_ms = xgc_log_now_ms(), .pid = getpid(), .lease_ms = 3600000};
        char key[128];
        void *data = NULL;
        size_t len;
        snprintf(pm.name, sizeof pm.name, "h%04ld", j);
        snprintf(pm.driver, sizeof pm.driver, "sim");
        snprintf(hb.host, sizeof hb.host, "%s", pm.name);
        snprintf(key, sizeof key, XGC_KEY_PM_INFO, pm.name);
        xgc_msg_pm_spec_encode(&pm, &data, &len);
        if (s_put(b, key, data, len, 0) < 0)
            return -1;
        snprintf(key, sizeof key, XGC_KEY_PM_ALIVE, pm.name);
        data = NULL;
        xgc_msg_heartbeat_encode(&hb, &data, &len);
        if (s_put(b, key, data, len, 3600000) < 0)
            return -1;
        if (j % 200 == 199)
            xgc_bus_flush(b->bus, 10000);
    }
    return xgc_bus_flush(b->bus, 30000);
}

static int s_write_spec(s_bench_t *b, long i)
{
    /* Small VMs (50..125 MHz): 100 000 of them fit on 1 000 PMs. */
    xgc_vm_spec_t vm = {.min_mhz = 50 + (double)(i % 4) * 25, .shares = 256, .mem_mb = 128,
                        .utility_min = 10, .utility_max = 20};
    char key[128];
    void *data = NULL;
    size_t len;
    vm.max_mhz = vm.min_mhz * 2;
    s_vm_name(i, vm.name, sizeof vm.name);
    snprintf(key, sizeof key, XGC_KEY_VM_SPEC, vm.name);
    xgc_msg_vm_spec_encode(&vm, &data, &len);
    b->sent_us[i] = zclock_usecs();
    return s_put(b, key, data, len, 0);
}

/* Write the specs at b->rate per second, serving the bus in between. */
static void s_arrivals(s_bench_t *b, double timeout_s)
{
    int64_t t0 = zclock_usecs();
    for (long i = 0; i < b->vms && !zsys_interrupted; i++) {
        int64_t due = t0 + (int64_t)((double)i / b->rate * 1e6);
        while (zclock_usecs() < due)
            xgc_bus_poll(b->bus, (int)((due - zclock_usecs()) / 1000));
        s_write_spec(b, i);
        xgc_bus_poll(b->bus, 0);
    }
    int64_t end = zclock_usecs() + (int64_t)(timeout_s * 1e6);
    while (b->received < b->vms && zclock_usecs() < end && !zsys_interrupted)
        xgc_bus_poll(b->bus, 100);
}

static int s_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int s_latency(s_bench_t *b)
{
    xgc_bus_subscribe(b->bus, "cmd.");
    int64_t t0 = zclock_usecs();
    if (s_register_pms(b) < 0)
        return 1;
    printf("registered %ld PMs in %.1f s\n", b->pms, (double)(zclock_usecs() - t0) / 1e6);
    zclock_sleep(1500);          /* the scheduler's rounds for the PMs settle */
    xgc_bus_poll(b->bus, 0);
    t0 = zclock_usecs();
    s_arrivals(b, 60);
    double secs = (double)(zclock_usecs() - t0) / 1e6;
    double *l = malloc((size_t)b->vms * sizeof *l);
    long n = 0;
    for (long i = 0; i < b->vms; i++)
        if (b->lat_ms[i] >= 0)
            l[n++] = b->lat_ms[i];
    qsort(l, (size_t)n, sizeof *l, s_cmp);
    if (n)
        printf("latency spec→create event: %ld of %ld VMs, %ld PMs, %.0f arrivals/s offered, "
               "%.1f s: median %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
               n, b->vms, b->pms, b->rate, secs, l[n / 2], l[(long)(n * 0.9)],
               l[(long)(n * 0.99)], l[n - 1]);
    free(l);
    return n == b->vms ? 0 : 1;
}

static double s_cpu_s(int pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f || !fgets(buf, sizeof buf, f)) {
        if (f)
            fclose(f);
        return -1;
    }
    fclose(f);
    char *p = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static int s_metrics(s_bench_t *b)
{
    int64_t t0 = zclock_usecs();
    xgc_bus_watch(b->bus, "plan/");
    xgc_bus_wait_synced(b->bus, 5000);
    if (s_register_pms(b) < 0)
        return 1;
    b->rate = 5000;
    s_arrivals(b, 0);
    xgc_bus_flush(b->bus, 60000);
    while (b->planned < b->vms && zclock_usecs() - t0 < 600e6 && !zsys_interrupted)
        xgc_bus_poll(b->bus, 100);
    printf("%ld PMs, %ld VMs written and planned in %.1f s\n", b->pms, b->planned,
           (double)(zclock_usecs() - t0) / 1e6);
    zclock_sleep(2000);
    double cpu0 = s_cpu_s(b->pid);
    int64_t w0 = zclock_usecs();
    long sent = 0;
    for (long tick = 0; (double)tick * b->period_s < b->duration_s && !zsys_interrupted; tick++) {
        int64_t start = w0 + (int64_t)((double)tick * b->period_s * 1e6);
        for (long i = 0; i < b->vms; i++) {
            int64_t due = start + (int64_t)((double)i / (double)b->vms * b->period_s * 1e6);
            while (zclock_usecs() < due)
                xgc_bus_poll(b->bus, (int)((due - zclock_usecs()) / 1000));
            xgc_metric_vm_t m = {.ts_ms = xgc_log_now_ms(), .resp_ms = -1, .alive = true};
            char topic[96];
            void *data;
            size_t len;
            s_vm_name(i, m.vm, sizeof m.vm);
            /* Demand wanders slowly: a few cross the re-plan threshold each period. */
            m.cpu_mhz = 50 + 150 * (0.5 + 0.5 * sin((double)tick * 0.7 + (double)i));
            snprintf(topic, sizeof topic, XGC_TOPIC_METRIC_VM, m.vm);
            if (xgc_msg_metric_vm_encode(&m, &data, &len) == 0) {
                sent += xgc_bus_publish(b->bus, topic, data, len) == 0;
                free(data);
            }
        }
    }
    double wall = (double)(zclock_usecs() - w0) / 1e6, cpu = s_cpu_s(b->pid) - cpu0;
    printf("metrics: %ld VMs every %.0f s for %.0f s (%ld reports, %.0f/s): scheduler CPU "
           "%.2f s in %.1f s wall = %.1f %% of one core\n", b->vms, b->period_s, wall, sent,
           (double)sent / wall, cpu, wall, 100 * cpu / wall);
    return 0;
}

int main(int argc, char **argv)
{
    xgc_config_t *cfg = xgc_config_load_arg(&argc, argv, s_usage);
    s_bench_t b = {.pms = 1000, .vms = 10000, .rate = 500, .period_s = 5, .duration_s = 30};
    const char *mode = argc > 1 ? argv[1] : "";
    for (int i = 2; i + 1 < argc; i += 2) {
        const char *o = argv[i], *v = argv[i + 1];
        if (!strcmp(o, "--pms")) b.pms = atol(v);
        else if (!strcmp(o, "--vms")) b.vms = atol(v);
        else if (!strcmp(o, "--rate")) b.rate = atof(v);
        else if (!strcmp(o, "--pid")) b.pid = atoi(v);
        else if (!strcmp(o, "--period-s")) b.period_s = atof(v);
        else if (!strcmp(o, "--duration-s")) b.duration_s = atof(v);
        else mode = "";
    }
    if ((strcmp(mode, "latency") && strcmp(mode, "metrics")) || b.pms < 1 || b.vms < 1
        || b.rate <= 0 || (!strcmp(mode, "metrics") && b.pid <= 0)) {
        fprintf(stderr, "%s", s_usage);
        return 2;
    }
    xgc_log_set_level(XGC_LOG_WARN);
    xgc_bus_handlers_t h = {.event = s_on_event, .change = s_on_change};
    b.bus = xgc_bus_new(cfg, "schedbench");
    b.sent_us = calloc((size_t)b.vms, sizeof *b.sent_us);
    b.lat_ms = malloc((size_t)b.vms * sizeof *b.lat_ms);
    for (long i = 0; b.lat_ms && i < b.vms; i++)
        b.lat_ms[i] = -1;
    xgc_bus_set_handlers(b.bus, &h, &b);
    int rc = !strcmp(mode, "latency") ? s_latency(&b) : s_metrics(&b);
    xgc_bus_destroy(&b.bus);
    free(b.sent_us);
    free(b.lat_ms);
    xgc_config_destroy(&cfg);
    return rc;
}
