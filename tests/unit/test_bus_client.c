/* Bus client unit tests against a scripted fake broker (a ROUTER and a PUB
 * in this process, on a free pair of loopback ports): snapshot, sequenced updates, gap
 * → re-snapshot with exact change notifications, new epoch → re-snapshot,
 * writes resent until acknowledged, refused writes, wire helpers. */
#include <czmq.h>

#include "xgc_bus.h"
#include "xgc_config.h"
#include "xgc_test.h"

typedef struct {
    zsock_t *router, *pub;
    zframe_t *client;           /* the bus's identity at our ROUTER */
} s_fake_t;

static xgc_config_t *s_cfg;
static s_fake_t s_fake;
static char s_log[4096];        /* change notifications, "key=value;" */
static int s_synced;

static void s_on_change(void *arg, const char *key, const uint8_t *value, size_t len,
                        uint64_t seq)
{
    (void)arg;
    (void)seq;
    size_t n = strlen(s_log);
    snprintf(s_log + n, sizeof s_log - n, "%s=%.*s;", key, value ? (int)len - 1 : 4,
             value ? (const char *)value + 1 : "NULL");
}

static void s_on_synced(void *arg, uint64_t epoch, uint64_t seq)
{
    (void)arg;
    (void)epoch;
    (void)seq;
    s_synced++;
}

/* A request from the bus, polling it meanwhile; NULL after 2 s. */
static zmsg_t *s_fake_recv(xgc_bus_t *bus)
{
    for (int i = 0; i < 200; i++) {
        xgc_bus_poll(bus, 10);
        if (zsock_events(s_fake.router) & ZMQ_POLLIN) {
            zmsg_t *msg = zmsg_recv(s_fake.router);
            zframe_destroy(&s_fake.client);
            s_fake.client = zmsg_pop(msg);
            char *command = zmsg_popstr(msg);
            bool ping = streq(command, "PING");
            zmsg_pushstr(msg, command);
            free(command);
            if (!ping)
                return msg;
            zmsg_destroy(&msg);
        }
    }
    return NULL;
}

static void s_add_u64(zmsg_t *msg, uint64_t v)
{
    uint8_t b[8];
    xgc_bus_put_u64(b, v);
    zmsg_addmem(msg, b, 8);
}

static zmsg_t *s_to_client(const char *command)
{
    zmsg_t *msg = zmsg_new();
    zmsg_append(msg, &(zframe_t *){zframe_dup(s_fake.client)});
    zmsg_addstr(msg, command);
    return msg;
}

/* Answer an ICANHAZ with the given keys ("a/1", value "\x81" + text...). */
static void s_fake_snapshot(zmsg_t *icanhaz, uint64_t seq, uint64_t epoch,
                            const char *const *kv, int n)
{
    zmsg_first(icanhaz);                    /* [ICANHAZ][token][prefix]... */
    zframe_t *token = zmsg_next(icanhaz);
    zmsg_t *msg = s_to_client("KVSYNC");
    zmsg_append(msg, &(zframe_t *){zframe_dup(token)});
    for (int i = 0; i < n; i++) {
        zmsg_addstr(msg, kv[2 * i]);
        s_add_u64(msg, seq);
        zmsg_addstr(msg, kv[2 * i + 1]);
    }
    zmsg_send(&msg, s_fake.router);
    msg = s_to_client("KTHXBAI");
    zmsg_append(msg, &(zframe_t *){zframe_dup(token)});
    s_add_u64(msg, seq);
    s_add_u64(msg, epoch);
    s_add_u64(msg, n);
    zmsg_send(&msg, s_fake.router);
}

static void s_fake_update(const char *key, uint64_t seq, uint64_t epoch, const char *value)
{
    uint8_t meta[16];
    xgc_bus_put_u64(meta, seq);
    xgc_bus_put_u64(meta + 8, epoch);
    zmsg_t *msg = zmsg_new();
    zmsg_addstr(msg, key);
    zmsg_addmem(msg, meta, 16);
    zmsg_addstr(msg, value);
    zmsg_send(&msg, s_fake.pub);
}

static void s_poll(xgc_bus_t *bus, int ms)
{
    int64_t end = zclock_mono() + ms;
    while (zclock_mono() < end)
        xgc_bus_poll(bus, 10);
}

/* Values are msgpack maps: "\x81" then the rest, printed as text. */
#define V(text) "\x81" text

XGC_TEST(snapshot_updates_gap_epoch)
{
    xgc_bus_t *bus = xgc_bus_new(s_cfg, "unit");
    CHECK(bus);
    xgc_bus_set_handlers(bus, &(xgc_bus_handlers_t){.change = s_on_change,
                                                    .synced = s_on_synced}, NULL);
    CHECK(xgc_bus_watch(bus, "a/") == 0);
    zmsg_t *req = s_fake_recv(bus);
    CHECK(req);
    CHECK(zframe_streq(zmsg_first(req), "ICANHAZ"));
    CHECK(zmsg_size(req) == 3);                         /* command, token, "a/" */
    s_fake_snapshot(req, 5, 7, (const char *[]){"a/1", V("one"), "a/2", V("two")}, 2);
    zmsg_destroy(&req);
    CHECK(xgc_bus_wait_synced(bus, 2000) == 0);
    CHECK(s_synced == 1);
    CHECK(xgc_bus_count(bus) == 2);
    size_t len;
    const uint8_t *v = xgc_bus_get(bus, "a/1", &len, NULL);
    CHECK(v && len == 4 && !memcmp(v, V("one"), 4));
    s_log[0] = 0;

    zclock_sleep(200);                                  /* SUB connected */
    s_fake_update("a/3", 6, 7, V("three"));
    s_fake_update("b/x", 7, 7, V("elsewhere"));         /* not watched: seq only */
    s_fake_update("a/1", 8, 7, "");                     /* delete */
    s_poll(bus, 200);
    CHECK_STR(s_log, "a/3=three;a/1=NULL;");
    CHECK(xgc_bus_synced(bus));

    /* seq 9 lost: 10 is a gap, the client asks for a snapshot again */
    s_log[0] = 0;
    s_fake_update("a/4", 10, 7, V("four"));
    req = s_fake_recv(bus);
    CHECK(req);
    CHECK(!xgc_bus_synced(bus));
    /* the new snapshot: a/2 unchanged (same seq), a/3 gone, a/4 and a/5 new */
    zmsg_t *snap = s_to_client("KVSYNC");
    zmsg_first(req);
    zframe_t *token = zmsg_next(req);
    zmsg_append(snap, &(zframe_t *){zframe_dup(token)});
    zmsg_addstr(snap, "a/2"); s_add_u64(snap, 5); zmsg_addstr(snap, V("two"));
    zmsg_addstr(snap, "a/4"); s_add_u64(snap, 10); zmsg_addstr(snap, V("four"));
    zmsg_addstr(snap, "a/5"); s_add_u64(snap, 9); zmsg_addstr(snap, V("five"));
    zmsg_send(&snap, s_fake.router);
    snap = s_to_client("KTHXBAI");
    zmsg_append(snap, &(zframe_t *){zframe_dup(token)});
    s_add_u64(snap, 10); s_add_u64(snap, 7); s_add_u64(snap, 3);
    zmsg_send(&snap, s_fake.router);
    zmsg_destroy(&req);
    CHECK(xgc_bus_wait_synced(bus, 2000) == 0);
    CHECK(strstr(s_log, "a/3=NULL;") && strstr(s_log, "a/4=four;") && strstr(s_log, "a/5=five;"));
    CHECK(!strstr(s_log, "a/2"));
    CHECK(xgc_bus_count(bus) == 3);

    /* a heartbeat from a broker with another epoch: re-snapshot */
    uint8_t meta[16];
    xgc_bus_put_u64(meta, 3);
    xgc_bus_put_u64(meta + 8, 99);
    zmsg_t *hugz = zmsg_new();
    zmsg_addmem(hugz, "", 0);
    zmsg_addmem(hugz, meta, 16);
    zmsg_addmem(hugz, "", 0);
    zmsg_send(&hugz, s_fake.pub);
    req = s_fake_recv(bus);
    CHECK(req);
    CHECK(zframe_streq(zmsg_first(req), "ICANHAZ"));
    s_fake_snapshot(req, 3, 99, (const char *[]){"a/2", V("two")}, 1);
    zmsg_destroy(&req);
    CHECK(xgc_bus_wait_synced(bus, 2000) == 0);
    CHECK(xgc_bus_count(bus) == 1);
    xgc_bus_destroy(&bus);
}

XGC_TEST(writes_resent_until_acked)
{
    xgc_bus_t *bus = xgc_bus_new(s_cfg, "unit");
    CHECK(bus);
    CHECK(xgc_bus_set(bus, "bad key", V("x"), 2, 0) == -1);
    CHECK(xgc_bus_set(bus, "k", "\x92\x01\x02", 3, 0) == -1);   /* not a map */
    CHECK(xgc_bus_set(bus, "k/1", V("x"), 2, 500) == 0);
    CHECK(xgc_bus_del(bus, "k/2") == 0);
    CHECK(xgc_bus_pending(bus) == 2);
    zmsg_t *set = s_fake_recv(bus), *del = s_fake_recv(bus);
    CHECK(set && del);
    CHECK(zmsg_size(set) == 7 && zmsg_size(del) == 5);
    CHECK(zframe_streq(zmsg_first(set), "SET") && zframe_streq(zmsg_first(del), "DEL"));
    char *cid = zframe_strdup(zmsg_next(set));
    CHECK(!strncmp(cid, "unit-", 5));
    free(cid);
    zframe_t *cseq = zmsg_next(set), *acked = zmsg_next(set);
    CHECK(zframe_size(cseq) == 8 && xgc_bus_get_u64(zframe_data(cseq)) == 1);
    CHECK(zframe_size(acked) == 8 && xgc_bus_get_u64(zframe_data(acked)) == 0);
    zmsg_destroy(&set);
    zmsg_destroy(&del);
    /* no ACK: after the retry time, both are sent again, in order */
    set = s_fake_recv(bus);
    CHECK(set);
    zmsg_first(set);
    zmsg_next(set);
    CHECK(xgc_bus_get_u64(zframe_data(zmsg_next(set))) == 1);
    zmsg_destroy(&set);
    del = s_fake_recv(bus);
    CHECK(del);
    zmsg_destroy(&del);
    /* a cumulative ACK of cseq 2 clears both */
    zmsg_t *ack = s_to_client("ACK");
    s_add_u64(ack, 2);
    s_add_u64(ack, 11);
    zmsg_send(&ack, s_fake.router);
    CHECK(xgc_bus_flush(bus, 2000) == 0);
    CHECK(xgc_bus_pending(bus) == 0);
    xgc_bus_destroy(&bus);
}

/* zloop: the fake broker answers ICANHAZ from its own reader */
static int s_loop_fake(zloop_t *loop, zsock_t *router, void *arg)
{
    (void)loop;
    (void)arg;
    zmsg_t *msg = zmsg_recv(router);
    zframe_destroy(&s_fake.client);
    s_fake.client = zmsg_pop(msg);
    if (zframe_streq(zmsg_first(msg), "ICANHAZ"))
        s_fake_snapshot(msg, 1, 5, (const char *[]){"z/1", V("zed")}, 1);
    zmsg_destroy(&msg);
    return 0;
}

static int s_loop_check(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    return xgc_bus_synced(arg) ? -1 : 0;        /* -1 ends zloop_start */
}

XGC_TEST(zloop_attach)
{
    xgc_bus_t *bus = xgc_bus_new(s_cfg, "unit-loop");
    CHECK(bus);
    zloop_t *loop = zloop_new();
    CHECK(xgc_bus_attach(bus, loop) == 0);
    zloop_reader(loop, s_fake.router, s_loop_fake, NULL);
    zloop_timer(loop, 20, 0, s_loop_check, bus);
    zloop_timer(loop, 3000, 1, s_loop_check, bus);      /* give up after 3 s */
    xgc_bus_watch(bus, "z/");
    zloop_start(loop);
    CHECK(xgc_bus_synced(bus));
    size_t len;
    CHECK(xgc_bus_get(bus, "z/1", &len, NULL) && len == 4);
    xgc_bus_detach(bus, loop);
    zloop_destroy(&loop);
    xgc_bus_destroy(&bus);
}

XGC_TEST(wire_helpers)
{
    uint8_t b[8];
    xgc_bus_put_u64(b, 0x0102030405060708ULL);
    CHECK(b[0] == 1 && b[7] == 8);
    CHECK(xgc_bus_get_u64(b) == 0x0102030405060708ULL);
    CHECK(xgc_bus_key_valid("vm/web1/spec", 12));
    CHECK(!xgc_bus_key_valid("", 0));
    CHECK(!xgc_bus_key_valid("a b", 3));
    CHECK(!xgc_bus_key_valid("$TERM", 5));
    CHECK(!xgc_bus_key_valid("caf\xc3\xa9", 5));
    char long_key[300];
    memset(long_key, 'k', sizeof long_key);
    CHECK(xgc_bus_key_valid(long_key, 255) && !xgc_bus_key_valid(long_key, 256));
    CHECK(xgc_bus_value_valid("\x80", 1) && xgc_bus_value_valid("\xde\x00\x10", 3));
    CHECK(!xgc_bus_value_valid("\x92", 1) && !xgc_bus_value_valid("", 0));
}

int main(void)
{
    /* a base port whose +0 (state) and +1 (updates) we can bind */
    int base = 0;
    srand((unsigned)getpid());
    for (int i = 0; i < 50 && !s_fake.pub; i++) {
        zsock_destroy(&s_fake.router);
        base = 20000 + rand() % 40000;
        char ep[64];
        snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", base);
        s_fake.router = zsock_new_router(ep);
        snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", base + 1);
        s_fake.pub = s_fake.router ? zsock_new_pub(ep) : NULL;
    }
    if (!s_fake.pub) {
        fprintf(stderr, "no free pair of ports\n");
        return 1;
    }
    char err[512], yaml[256];
    snprintf(yaml, sizeof yaml, "cluster: unit\ndata_dir: /tmp/xgc-unit-bus\n"
             "broker:\n  endpoint: tcp://127.0.0.1:%d\n", base);
    s_cfg = xgc_config_load_string(yaml, strlen(yaml), "unit", err, sizeof err);
    if (!s_cfg) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    XGC_TEST_RUN(wire_helpers);
    XGC_TEST_RUN(snapshot_updates_gap_epoch);
    XGC_TEST_RUN(writes_resent_until_acked);
    XGC_TEST_RUN(zloop_attach);
    zframe_destroy(&s_fake.client);
    zsock_destroy(&s_fake.router);
    zsock_destroy(&s_fake.pub);
    xgc_config_destroy(&s_cfg);
    return XGC_TEST_END();
}
