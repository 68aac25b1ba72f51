/* xgc-bustest — client programs that the bus integration tests
 * (tests/integration/bus_*.sh) and `make bench` start against a real broker.
 *
 *   writes N [W [RATE]] W writers (default 1), N keys w/<i> = {v:1, i:i} in
 *                       all, pipelined (RATE per second, default flat out);
 *                       waits until every write is acknowledged; prints
 *                       "acked N in S s (R/s)"
 *   verify N            snapshot w/ and check all N keys and values
 *   follow N SECS       watch w/ from before the writes and across broker
 *                       restarts until the replica holds all N (exit 0),
 *                       printing how many times it (re)synced and epochs seen
 *   publish TOPIC N RATE [PAD]  N events, RATE per second (0 = flat out),
 *                       each padded with PAD bytes
 *   subscribe PREFIX N SECS  count events for up to SECS or until N; prints
 *                       "received K in S s"
 *   junk                send malformed frames to every broker socket
 *   ttl KEY MS          set KEY with a TTL and wait to see its delete
 *   bench-events N [R]  events/s through the broker vs direct PUB->SUB, R rounds
 *                       (publisher: `xgc-bustest blast ENDPOINT N`)
 *   bench-memory N      broker RSS growth for N keys (needs the broker pid
 *                       in $XGC_BROKER_PID)
 * All take -c FILE.yaml. Exit 0 on success, 1 on failure, 2 on bad usage.
 */
#include <czmq.h>
#include <inttypes.h>

#include "xgc_bus.h"
#include "xgc_config.h"
#include "xgc_log.h"
#include "xgc_msg.h"
#include "xgc_stats.h"

static const char *s_self;      /* this program, to start a blaster */

/* {v: 1, i: i} and, if pad, a "pad" string of that many bytes. */
static void *s_value_padded(long i, size_t pad, size_t *len)
{
    xgc_msg_enc_t enc;
    xgc_msg_enc_init(&enc);
    xgc_msg_enc_map_begin(&enc);
    xgc_msg_enc_kv_int(&enc, "v", 1);
    xgc_msg_enc_kv_int(&enc, "i", i);
    if (pad) {
        char *text = malloc(pad + 1);
        memset(text, 'x', pad);
        text[pad] = 0;
        xgc_msg_enc_kv_str(&enc, "pad", text);
        free(text);
    }
    xgc_msg_enc_map_end(&enc);
    void *data = NULL;
    xgc_msg_enc_finish(&enc, &data, len);
    return data;
}

static void *s_value_i(long i, size_t *len)
{
    return s_value_padded(i, 0, len);
}

static bool s_value_is_i(const uint8_t *data, size_t len, long i)
{
    size_t want_len;
    void *want = s_value_i(i, &want_len);
    bool ok = data && len == want_len && memcmp(data, want, len) == 0;
    free(want);
    return ok;
}

/* ---- state -------------------------------------------------------------- */

static int s_writes(const xgc_config_t *cfg, long n, long writers, long rate)
{
    xgc_bus_t **bus = calloc(writers, sizeof *bus);
    zpoller_t *poller = zpoller_new(NULL);      /* wait on all writers at once */
    for (long w = 0; w < writers; w++) {
        bus[w] = xgc_bus_new(cfg, "bustest-writer");
        xgc_bus_poller_add(bus[w], poller);
    }
    int64_t start = zclock_mono();
    char key[64];
    for (long i = 0; i < n; i++) {
        size_t len;
        void *value = s_value_i(i, &len);
        snprintf(key, sizeof key, "w/%ld", i);
        xgc_bus_set(bus[i % writers], key, value, len, 0);
        free(value);
        if (i % 256 == 0)
            for (long w = 0; w < writers; w++)
                xgc_bus_poll(bus[w], 0);
        while (rate && (zclock_mono() - start) * rate < (i + 1) * 1000) {
            zpoller_wait(poller, 1);
            for (long w = 0; w < writers; w++)
                xgc_bus_poll(bus[w], 0);
        }
    }
    size_t pending = 1;
    while (pending && !zsys_interrupted) {
        zpoller_wait(poller, 10);
        pending = 0;
        for (long w = 0; w < writers; w++) {
            xgc_bus_poll(bus[w], 0);
            pending += xgc_bus_pending(bus[w]);
        }
    }
    int rc = pending ? 1 : 0;
    zpoller_destroy(&poller);
    double secs = (zclock_mono() - start) / 1000.0;
    if (rc == 0)
        printf("acked %ld in %.3f s (%.0f/s)\n", n, secs, n / secs);
    for (long w = 0; w < writers; w++)
        xgc_bus_destroy(&bus[w]);
    free(bus);
    return rc;
}

typedef struct {
    long bad, seen;
} s_check_t;

static void s_check_entry(void *arg, const char *key, const uint8_t *value, size_t len,
                          uint64_t seq)
{
    (void)seq;
    s_check_t *check = arg;
    long i = atol(key + 2);
    check->seen++;
    if (!s_value_is_i(value, len, i)) {
        if (check->bad++ < 5)
            fprintf(stderr, "bad value for %s\n", key);
    }
}

static int s_verify(const xgc_config_t *cfg, long n)
{
    xgc_bus_t *bus = xgc_bus_new(cfg, "bustest-verify");
    xgc_bus_watch(bus, "w/");
    if (xgc_bus_wait_synced(bus, 10000) < 0) {
        fprintf(stderr, "verify: no snapshot\n");
        xgc_bus_destroy(&bus);
        return 1;
    }
    s_check_t check = {0};
    xgc_bus_foreach(bus, "w/", s_check_entry, &check);
    printf("verify: %ld keys, %ld bad, %ld expected\n", check.seen, check.bad, n);
    xgc_bus_destroy(&bus);
    return check.seen == n && check.bad == 0 ? 0 : 1;
}

typedef struct {
    long syncs;
    uint64_t epochs[16];
    int n_epochs;
} s_follow_t;

static void s_on_synced(void *arg, uint64_t epoch, uint64_t seq)
{
    (void)seq;
    s_follow_t *f = arg;
    f->syncs++;
    if (f->n_epochs == 0 || (f->epochs[f->n_epochs - 1] != epoch && f->n_epochs < 16))
        f->epochs[f->n_epochs++] = epoch;
}

static int s_follow(const xgc_config_t *cfg, long n, long secs)
{
    xgc_bus_t *bus = xgc_bus_new(cfg, "bustest-follow");
    s_follow_t f = {0};
    xgc_bus_set_handlers(bus, &(xgc_bus_handlers_t){.synced = s_on_synced}, &f);
    xgc_bus_watch(bus, "w/");
    int64_t end = zclock_mono() + secs * 1000;
    s_check_t check = {0};
    while (zclock_mono() < end && !zsys_interrupted) {
        xgc_bus_poll(bus, 100);
        if (xgc_bus_synced(bus) && (long)xgc_bus_count(bus) == n) {
            xgc_bus_foreach(bus, "w/", s_check_entry, &check);
            break;
        }
    }
    printf("follow: %zu keys, %ld bad, synced %ld times, %d epochs\n", xgc_bus_count(bus),
           check.bad, f.syncs, f.n_epochs);
    int rc = (long)xgc_bus_count(bus) == n && check.seen == n && !check.bad ? 0 : 1;
    xgc_bus_destroy(&bus);
    return rc;
}

static void s_on_change(void *arg, const char *key, const uint8_t *value, size_t len,
                        uint64_t seq)
{
    (void)len;
    (void)seq;
    const char *want = ((const char **)arg)[0];
    if (!strcmp(key, want) && !value)
        ((const char **)arg)[1] = "deleted";
}

static int s_ttl(const xgc_config_t *cfg, const char *key, long ms)
{
    xgc_bus_t *bus = xgc_bus_new(cfg, "bustest-ttl");
    const char *state[2] = {key, NULL};
    xgc_bus_set_handlers(bus, &(xgc_bus_handlers_t){.change = s_on_change}, state);
    xgc_bus_watch(bus, key);
    size_t len;
    void *value = s_value_i(1, &len);
    int64_t start = zclock_mono();
    int rc = xgc_bus_wait_synced(bus, 5000) == 0
             && xgc_bus_set_sync(bus, key, value, len, ms, 5000) == 0 ? 0 : 1;
    free(value);
    while (rc == 0 && !state[1] && zclock_mono() - start < ms + 5000)
        xgc_bus_poll(bus, 100);
    long took = (long)(zclock_mono() - start);
    printf("ttl: %s after %ld ms (ttl %ld)\n", state[1] ? "deleted" : "still there", took, ms);
    if (!state[1] || took < ms)
        rc = 1;
    xgc_bus_destroy(&bus);
    return rc;
}

/* ---- events -------------------------------------------------------------- */

static int s_publish(const xgc_config_t *cfg, const char *topic, long n, long rate,
                     size_t pad)
{
    xgc_bus_t *bus = xgc_bus_new(cfg, "bustest-pub");
    zclock_sleep(1000);                         /* the broker's subscription arrives */
    int64_t start = zclock_mono();
    long failed = 0;
    for (long i = 0; i < n && !zsys_interrupted; i++) {
        size_t len;
        void *value = s_value_padded(i, pad, &len);
        if (xgc_bus_publish(bus, topic, value, len) < 0)
            failed++;
        free(value);
        if (rate && i % 100 == 99) {            /* pace in steps of 100 */
            int64_t due = start + (i + 1) * 1000 / rate;
            if (due > zclock_mono())
                zclock_sleep((int)(due - zclock_mono()));
        }
    }
    double secs = (zclock_mono() - start) / 1000.0;
    printf("published %ld in %.3f s (%ld refused)\n", n, secs, failed);
    zclock_sleep(200);
    xgc_bus_destroy(&bus);
    return 0;
}

typedef struct {
    long count;
    int64_t first_ms, last_ms;
} s_sub_t;

static void s_on_event(void *arg, const char *topic, const uint8_t *data, size_t len)
{
    (void)topic;
    (void)data;
    (void)len;
    s_sub_t *sub = arg;
    if (!sub->count++)
        sub->first_ms = zclock_mono();
    sub->last_ms = zclock_mono();
}

static int s_subscribe(const xgc_config_t *cfg, const char *prefix, long n, long secs)
{
    xgc_bus_t *bus = xgc_bus_new(cfg, "bustest-sub");
    s_sub_t sub = {0};
    xgc_bus_set_handlers(bus, &(xgc_bus_handlers_t){.event = s_on_event}, &sub);
    xgc_bus_subscribe(bus, prefix);
    printf("ready\n");
    fflush(stdout);
    int64_t end = zclock_mono() + secs * 1000;
    while (sub.count < n && zclock_mono() < end && !zsys_interrupted)
        xgc_bus_poll(bus, 100);
    printf("received %ld in %.3f s\n", sub.count, (sub.last_ms - sub.first_ms) / 1000.0);
    xgc_bus_destroy(&bus);
    return 0;
}

/* Malformed frames on every socket of the broker. */
static int s_junk(const xgc_config_t *cfg)
{
    char ep[XGC_PATH_MAX + 16];
    xgc_config_endpoint(cfg, XGC_PORT_EV_IN, ep, sizeof ep);
    zsock_t *pub = zsock_new_pub(NULL);
    zsock_connect(pub, "%s", ep);
    xgc_config_endpoint(cfg, XGC_PORT_STATE, ep, sizeof ep);
    zsock_t *dealer = zsock_new_dealer(ep);
    zclock_sleep(300);
    int sent = 0;
    zstr_send(pub, "one-frame-only"); sent++;
    zstr_sendx(pub, "bad topic", "\x81\xa1v\x01", NULL); sent++;
    zstr_sendx(pub, "metric.x", "not-a-map", NULL); sent++;
    zstr_sendx(pub, "metric.x", "\x81\xa1v\x01", "extra", NULL); sent++;
    zstr_sendx(dealer, "HELLO?", NULL); sent++;
    zstr_sendx(dealer, "SET", "cid", "short", "k", NULL); sent++;
    zstr_sendx(dealer, "ICANHAZ", "tok", NULL); sent++;
    zstr_sendx(dealer, "STATUS", "x", "y", NULL); sent++;
    zsock_send(dealer, "b", "\xff\x00\x01", (size_t)3); sent++;
    /* a frame over max_msg_bytes: libzmq drops that peer's connection */
    zsock_t *big = zsock_new_dealer(ep);
    size_t huge = (size_t)cfg->max_msg_bytes + 1;
    char *blob = calloc(1, huge);
    zsock_send(big, "b", blob, huge);
    free(blob);
    zclock_sleep(300);
    printf("junk: sent %d malformed messages\n", sent);
    zsock_destroy(&pub);
    zsock_destroy(&dealer);
    zsock_destroy(&big);
    return 0;
}

/* ---- benchmarks ------------------------------------------------------------ */

/* Events of the bench: {v, i, pad} of about the size of a metric.vm event. */
#define BENCH_PAD 100

/* blast ENDPOINT N [PAD]: a PUB connected to ENDPOINT sends N events flat
 * out, each padded with PAD bytes. */
static int s_blast(const char *endpoint, long n, size_t pad)
{
    zsock_t *pub = zsock_new(ZMQ_PUB);
    zsock_set_sndhwm(pub, 0);                   /* queue rather than drop */
    zsock_connect(pub, "%s", endpoint);
    zclock_sleep(500);                          /* subscriptions arrive */
    size_t len;
    void *value = s_value_padded(42, pad, &len);
    void *p = zsock_resolve(pub);
    for (long i = 0; i < n; i++) {
        zmq_send(p, "metric.bench", 12, ZMQ_SNDMORE);
        zmq_send(p, value, len, 0);
    }
    free(value);
    zclock_sleep(1000);                         /* let the queue drain */
    zsock_destroy(&pub);
    return 0;
}

/* Start `xgc-bustest blast publish_to n` and count what sub receives;
 * events/s between the first and the last one received. */
static double s_receive_blast(zsock_t *sub, const char *publish_to, long n, long *got)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "'%s' blast '%s' %ld %d &", s_self, publish_to, n,
             BENCH_PAD);
    if (system(cmd) != 0)
        return 0;
    void *s = zsock_resolve(sub);
    zmq_pollitem_t item = {s, 0, ZMQ_POLLIN, 0};
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    int64_t first = 0, last = 0;
    *got = 0;
    while (*got < n && zmq_poll(&item, 1, first ? 1000 : 5000) > 0)
        while (zmq_msg_recv(&msg, s, ZMQ_DONTWAIT) >= 0)
            if (!zmq_msg_more(&msg)) {
                last = zclock_mono();
                if (!(*got)++)
                    first = last;
            }
    zmq_msg_close(&msg);
    zclock_sleep(1200);                         /* the blaster exits */
    return last > first ? (*got - 1) * 1000.0 / (last - first) : 0;
}

/* One measurement: events/s received from a blaster (0 if none). */
static double s_events_once(const char *connect_sub, const char *publish_to, long n,
                            long *got)
{
    zsock_t *sub = zsock_new_sub(NULL, "metric.");
    zsock_set_rcvhwm(sub, 0);
    char direct[64];
    if (!connect_sub) {                         /* direct: the SUB binds */
        int port = zsock_bind(sub, "tcp://127.0.0.1:*");
        snprintf(direct, sizeof direct, "tcp://127.0.0.1:%d", port);
        publish_to = direct;
    }
    else
        zsock_connect(sub, "%s", connect_sub);
    double rate = s_receive_blast(sub, publish_to, n, got);
    zsock_destroy(&sub);
    return rate;
}

/* Events/s through the broker and direct PUB->SUB, publisher and subscriber
 * in separate processes, alternating `rounds` times; the median ratio. */
static int s_bench_events(const xgc_config_t *cfg, long n, long rounds)
{
    char in[XGC_PATH_MAX + 16], out[XGC_PATH_MAX + 16];
    xgc_config_endpoint(cfg, XGC_PORT_EV_IN, in, sizeof in);
    xgc_config_endpoint(cfg, XGC_PORT_EV_OUT, out, sizeof out);
    double ratio[16];
    if (rounds < 1 || rounds > 16)
        rounds = 3;
    size_t size;
    free(s_value_padded(42, BENCH_PAD, &size));
    printf("events: %ld of %d bytes (topic + payload) sent flat out per run (no high-water mark at the publisher and "
           "the subscriber: queued, not dropped), publisher and subscriber in separate "
           "processes\n", n, (int)(size + 12));
    for (long r = 0; r < rounds; r++) {
        long got_broker, got_direct;
        double broker = s_events_once(out, in, n, &got_broker);
        double direct = s_events_once(NULL, NULL, n, &got_direct);
        ratio[r] = direct > 0 ? broker / direct : 0;
        printf("  round %ld: through the broker %.0f/s (%ld received), direct %.0f/s "
               "(%ld received), ratio %.2f\n", r + 1, broker, got_broker, direct,
               got_direct, ratio[r]);
    }
    printf("events: median ratio broker/direct %.2f over %ld rounds\n",
           xgc_stats_median(ratio, (size_t)rounds), rounds);
    return 0;
}

static long s_rss_kb(long pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/status", pid);
    FILE *f = fopen(path, "r");
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6))
            kb = atol(line + 6);
    if (f)
        fclose(f);
    return kb;
}

static int s_bench_memory(const xgc_config_t *cfg, long n)
{
    const char *pid = getenv("XGC_BROKER_PID");
    if (!pid)
        return fprintf(stderr, "bench-memory: set XGC_BROKER_PID\n"), 2;
    long before = s_rss_kb(atol(pid));
    if (s_writes(cfg, n, 4, 0) != 0)
        return 1;
    long after = s_rss_kb(atol(pid));
    size_t len;
    free(s_value_i(n, &len));
    printf("memory: %ld keys (key ~8 B, value %zu B): RSS +%ld kB = %.0f B/key, "
           "%.0f MB per million keys\n", n, len, after - before,
           (after - before) * 1024.0 / n, (after - before) * 1024.0 / n);
    return 0;
}

int main(int argc, char **argv)
{
    s_self = argv[0];
    if ((argc == 4 || argc == 5) && !strcmp(argv[1], "blast"))
        return s_blast(argv[2], atol(argv[3]), argc == 5 ? (size_t)atol(argv[4]) : 0);
    xgc_config_t *cfg = xgc_config_load_arg(&argc, argv, "usage: xgc-bustest COMMAND ARGS\n");
    if (!getenv("XGC_LOG"))
        xgc_log_set_level(XGC_LOG_WARN);
    const char *cmd = argc > 1 ? argv[1] : "";
    long a = argc > 2 ? atol(argv[2]) : 0, b = argc > 3 ? atol(argv[3]) : 0;
    int rc = 2;
    if (!strcmp(cmd, "writes") && a > 0)
        rc = s_writes(cfg, a, b > 0 ? b : 1, argc > 4 ? atol(argv[4]) : 0);
    else if (!strcmp(cmd, "verify") && a > 0)
        rc = s_verify(cfg, a);
    else if (!strcmp(cmd, "follow") && a > 0 && b > 0)
        rc = s_follow(cfg, a, b);
    else if (!strcmp(cmd, "publish") && (argc == 5 || argc == 6))
        rc = s_publish(cfg, argv[2], atol(argv[3]), atol(argv[4]),
                       argc == 6 ? (size_t)atol(argv[5]) : 0);
    else if (!strcmp(cmd, "subscribe") && argc == 5)
        rc = s_subscribe(cfg, argv[2], atol(argv[3]), atol(argv[4]));
    else if (!strcmp(cmd, "junk"))
        rc = s_junk(cfg);
    else if (!strcmp(cmd, "ttl") && argc == 4)
        rc = s_ttl(cfg, argv[2], atol(argv[3]));
    else if (!strcmp(cmd, "bench-events") && a > 0)
        rc = s_bench_events(cfg, a, b);
    else if (!strcmp(cmd, "bench-memory") && a > 0)
        rc = s_bench_memory(cfg, a);
    else
        fprintf(stderr, "xgc-bustest: bad command (see tests/integration/bus_helper.c)\n");
    xgc_config_destroy(&cfg);
    return rc;
}
