/* xgc_bus — see xgc_bus.h; frames in docs/bus.md.
 *
 * Four sockets, all created at once so that a zloop can register them:
 *   dealer   → broker ROUTER: ICANHAZ, SET/DEL, STATUS, PING; replies back;
 *   updates  ← broker PUB: [key][seq,epoch][value]; key "" is a heartbeat;
 *   pub      → broker XSUB: events;  sub ← broker XPUB: events.
 * The updates SUB takes every update (no prefix filter), so that the client
 * sees every sequence number and a gap is always a real loss; keys outside
 * the watched prefixes only advance the sequence.
 *
 * Sync: send ICANHAZ with a fresh token and every watched prefix, buffer the
 * updates that arrive meanwhile, build the new replica from KVSYNC chunks,
 * and on KTHXBAI (seq S, epoch E, count N) check N, swap the replica (telling
 * the owner the differences), then apply buffered updates above S. Resync
 * on: a gap, another epoch, a heartbeat ahead of us, no heartbeat for
 * STALE_MS, no snapshot answer for SYNC_RETRY_MS.
 *
 * Writes: a ring of queued writes in client-sequence order; at most WINDOW
 * are in flight; a cumulative ACK(cseq) removes every write up to cseq. If
 * nothing was acknowledged for RETRY_MS, every in-flight write is sent again
 * (the broker drops duplicates and out-of-order writes by client sequence).
 */
#include "xgc_bus.h"

#include <sys/random.h>

#include "xgc_log.h"
#include "xgc_security.h"

#define WINDOW          1000    /* writes in flight */
#define RETRY_MS        1000
#define SYNC_RETRY_MS   2000
#define STALE_MS        3500    /* heartbeats are every second */
#define PING_MS         5000
#define TICK_MS         100
#define MAX_BUFFERED    1000000 /* updates held while syncing */
#define DRAIN_BURST     1000

typedef struct {
    uint64_t seq;
    size_t len;
    uint8_t data[];
} s_value_t;

typedef struct {
    uint64_t cseq;
    uint64_t ttl_ms;
    bool is_set;
    char *key;
    size_t len;
    uint8_t *value;
} s_write_t;

typedef enum { S_IDLE, S_SYNCING, S_SYNCED } s_sync_t;

struct _xgc_bus_t {
    char cid[65];               /* identity-random: our writes' client id */
    zsock_t *dealer, *updates, *pub, *sub;
    xgc_bus_handlers_t handlers;
    void *arg;
    /* replica */
    zlist_t *prefixes;
    zhashx_t *replica;          /* key -> s_value_t */
    s_sync_t sync;
    uint64_t token, epoch, seq;
    zhashx_t *incoming;         /* snapshot being received */
    zlist_t *buffered;          /* zmsg_t updates received while syncing */
    int64_t sync_sent_ms, last_heard_ms;
    /* writes */
    s_write_t **ring;
    size_t ring_cap, head, count, sent;
    uint64_t next_cseq;
    uint64_t acked;             /* highest cseq acknowledged */
    int64_t progress_ms;        /* last ack, or first send after idle */
    /* status request */
    uint64_t status_token;
    zframe_t *status_reply;
    int64_t next_ping_ms;
    int timer_id;
    xgc_ratelimit_t ratelimit;
    xgc_security_watch_t *watch;    /* handshake failures of the dealer */
};

/* ---- small helpers --------------------------------------------------------- */

void xgc_bus_put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

uint64_t xgc_bus_get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

bool xgc_bus_key_valid(const char *s, size_t len)
{
    if (!s || len == 0 || len > XGC_BUS_MAX_KEY || s[0] == '$')
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] <= ' ' || s[i] > '~')
            return false;
    return true;
}

bool xgc_bus_value_valid(const void *data, size_t len)
{
    const uint8_t *p = data;
    return p && len > 0 && ((p[0] >= 0x80 && p[0] <= 0x8f) || p[0] == 0xde || p[0] == 0xdf);
}

static uint64_t s_random(void)
{
    uint64_t v = 0;
    while (getrandom(&v, sizeof v, 0) != sizeof v)
        ;
    return v;
}

static void s_add_u64(zmsg_t *msg, uint64_t v)
{
    uint8_t b[8];
    xgc_bus_put_u64(b, v);
    zmsg_addmem(msg, b, 8);
}

static bool s_u64_frame(zframe_t *f, uint64_t *v)
{
    if (!f || zframe_size(f) != 8)
        return false;
    *v = xgc_bus_get_u64(zframe_data(f));
    return true;
}

static void s_free_value(void **item)
{
    free(*item);
    *item = NULL;
}

static zhashx_t *s_replica_new(void)
{
    zhashx_t *hash = zhashx_new();
    zhashx_set_destructor(hash, s_free_value);
    return hash;
}

static bool s_watched(xgc_bus_t *self, const char *key)
{
    for (char *p = zlist_first(self->prefixes); p; p = zlist_next(self->prefixes))
        if (strncmp(key, p, strlen(p)) == 0)
            return true;
    return false;
}

static void s_send(xgc_bus_t *self, zmsg_t **msg_p)
{
    if (zmsg_send(msg_p, self->dealer) < 0)
        zmsg_destroy(msg_p);            /* queue full: the timers resend */
}

/* ---- construction -------------------------------------------------------- */

static zsock_t *s_connect(const xgc_config_t *cfg, xgc_security_client_t *sec, int type,
                          int offset, xgc_security_watch_t **watch)
{
    char endpoint[XGC_PATH_MAX + 16];
    if (xgc_config_endpoint(cfg, offset, endpoint, sizeof endpoint) < 0)
        return NULL;
    zsock_t *sock = zsock_new(type);
    assert(sock);
    zsock_set_sndhwm(sock, 10 * WINDOW);
    zsock_set_rcvhwm(sock, 100000);
    zsock_set_maxmsgsize(sock, cfg->max_msg_bytes);
    zsock_set_sndtimeo(sock, 0);
    xgc_security_client_apply(sec, sock);       /* CURVE keys, if configured */
    if (watch)                                  /* and a watch on its handshakes */
        *watch = xgc_security_watch_new(sock);
    if (zsock_connect(sock, "%s", endpoint) < 0) {
        if (watch)
            xgc_security_watch_destroy(watch);
        zsock_destroy(&sock);
    }
    return sock;
}

xgc_bus_t *xgc_bus_new(const xgc_config_t *cfg, const char *identity)
{
    char err[512];                              /* security: our certificate */
    xgc_security_client_t *sec = xgc_security_client_new(cfg, identity, err, sizeof err);
    if (!sec) {
        xgc_log_error("bus: %s", err);
        return NULL;
    }
    xgc_bus_t *self = calloc(1, sizeof *self);
    assert(self);
    snprintf(self->cid, sizeof self->cid, "%.47s-%016" PRIx64,
             identity && *identity ? identity : "client", s_random());
    self->dealer = s_connect(cfg, sec, ZMQ_DEALER, XGC_PORT_STATE, &self->watch);
    self->updates = s_connect(cfg, sec, ZMQ_SUB, XGC_PORT_UPDATES, NULL);
    self->pub = s_connect(cfg, sec, ZMQ_PUB, XGC_PORT_EV_IN, NULL);
    self->sub = s_connect(cfg, sec, ZMQ_SUB, XGC_PORT_EV_OUT, NULL);
    xgc_security_client_destroy(&sec);
    self->prefixes = zlist_new();
    zlist_autofree(self->prefixes);
    self->replica = s_replica_new();
    self->buffered = zlist_new();
    self->next_cseq = 1;
    self->timer_id = -1;
    xgc_ratelimit_init(&self->ratelimit, 3, 1000);
    if (!self->dealer || !self->updates || !self->pub || !self->sub)
        xgc_bus_destroy(&self);
    return self;
}

static void s_write_free(s_write_t **w_p)
{
    if (*w_p) {
        free((*w_p)->key);
        free((*w_p)->value);
        free(*w_p);
        *w_p = NULL;
    }
}

static void s_clear_buffered(xgc_bus_t *self)
{
    zmsg_t *msg;
    while ((msg = zlist_pop(self->buffered)))
        zmsg_destroy(&msg);
}

void xgc_bus_destroy(xgc_bus_t **self_p)
{
    xgc_bus_t *self = *self_p;
    if (!self)
        return;
    xgc_security_watch_destroy(&self->watch);
    zsock_destroy(&self->dealer);
    zsock_destroy(&self->updates);
    zsock_destroy(&self->pub);
    zsock_destroy(&self->sub);
    zlist_destroy(&self->prefixes);
    zhashx_destroy(&self->replica);
    zhashx_destroy(&self->incoming);
    if (self->buffered)
        s_clear_buffered(self);
    zlist_destroy(&self->buffered);
    for (size_t i = 0; i < self->count; i++)
        s_write_free(&self->ring[(self->head + i) % self->ring_cap]);
    free(self->ring);
    zframe_destroy(&self->status_reply);
    free(self);
    *self_p = NULL;
}

void xgc_bus_set_handlers(xgc_bus_t *self, const xgc_bus_handlers_t *handlers,
                          void *arg)
{
    self->handlers = *handlers;
    self->arg = arg;
}

/* ---- events ---------------------------------------------------------------- */

int xgc_bus_publish(xgc_bus_t *self, const char *topic, const void *data,
                    size_t len)
{
    if (!xgc_bus_key_valid(topic, strlen(topic)) || !xgc_bus_value_valid(data, len))
        return -1;
    void *pub = zsock_resolve(self->pub);
    if (zmq_send(pub, topic, strlen(topic), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return -1;
    return zmq_send(pub, data, len, 0) < 0 ? -1 : 0;
}

int xgc_bus_subscribe(xgc_bus_t *self, const char *prefix)
{
    zsock_set_subscribe(self->sub, prefix);
    return 0;
}

static void s_on_event(xgc_bus_t *self, zmsg_t *msg)
{
    zframe_t *topic = zmsg_first(msg), *payload = zmsg_next(msg);
    if (zmsg_size(msg) != 2 || !xgc_bus_key_valid((char *)zframe_data(topic),
                                                   zframe_size(topic)))
        return;
    if (self->handlers.event) {
        char *name = zframe_strdup(topic);
        self->handlers.event(self->arg, name, zframe_data(payload), zframe_size(payload));
        free(name);
    }
}

/* ---- state: sync ----------------------------------------------------------- */

static void s_resync(xgc_bus_t *self, const char *why)
{
    if (self->sync == S_SYNCED)
        xgc_log_limited_write(&self->ratelimit, XGC_LOG_INFO,
                              "bus resync client=%s reason=%s", self->cid, why);
    self->sync = S_SYNCING;
    self->token = s_random();
    zhashx_destroy(&self->incoming);
    self->incoming = s_replica_new();
    s_clear_buffered(self);
    zmsg_t *msg = zmsg_new();
    zmsg_addstr(msg, "ICANHAZ");
    s_add_u64(msg, self->token);
    for (char *p = zlist_first(self->prefixes); p; p = zlist_next(self->prefixes))
        zmsg_addstr(msg, p);
    s_send(self, &msg);
    self->sync_sent_ms = zclock_mono();
}

int xgc_bus_watch(xgc_bus_t *self, const char *prefix)
{
    if (strlen(prefix) > XGC_BUS_MAX_KEY || zlist_size(self->prefixes) >= XGC_BUS_MAX_WATCH)
        return -1;
    if (zlist_size(self->prefixes) == 0)
        zsock_set_subscribe(self->updates, "");
    zlist_append(self->prefixes, (void *)prefix);
    s_resync(self, "watch");
    return 0;
}

static void s_set_value(zhashx_t *hash, const char *key, const void *data,
                        size_t len, uint64_t seq)
{
    s_value_t *v = malloc(sizeof *v + len);
    assert(v);
    v->seq = seq;
    v->len = len;
    memcpy(v->data, data, len);
    zhashx_update(hash, key, v);
}

static void s_notify(xgc_bus_t *self, const char *key, const s_value_t *v)
{
    if (self->handlers.change)
        self->handlers.change(self->arg, key, v ? v->data : NULL, v ? v->len : 0,
                              v ? v->seq : self->seq);
}

/* Replace the replica by the snapshot, telling the owner what differs. */
static void s_swap_replica(xgc_bus_t *self)
{
    zhashx_t *old = self->replica;
    self->replica = self->incoming;
    self->incoming = NULL;
    for (s_value_t *v = zhashx_first(old); v; v = zhashx_next(old)) {
        const char *key = zhashx_cursor(old);
        if (!zhashx_lookup(self->replica, key))
            s_notify(self, key, NULL);
    }
    for (s_value_t *v = zhashx_first(self->replica); v; v = zhashx_next(self->replica)) {
        const char *key = zhashx_cursor(self->replica);
        s_value_t *was = zhashx_lookup(old, key);
        if (!was || was->seq != v->seq)
            s_notify(self, key, v);
    }
    zhashx_destroy(&old);
}

/* Apply one update [key][seq,epoch][value]; false if it caused a resync. */
static bool s_apply_update(xgc_bus_t *self, zmsg_t *msg)
{
    zframe_t *key_f = zmsg_first(msg), *meta = zmsg_next(msg), *value = zmsg_next(msg);
    const uint8_t *m = zframe_data(meta);
    uint64_t seq = xgc_bus_get_u64(m), epoch = xgc_bus_get_u64(m + 8);
    self->last_heard_ms = zclock_mono();
    if (epoch != self->epoch) {
        s_resync(self, "new broker epoch");
        return false;
    }
    if (zframe_size(key_f) == 0) {              /* heartbeat: the last seq */
        if (seq > self->seq) {
            s_resync(self, "missed updates");
            return false;
        }
        return true;
    }
    if (seq <= self->seq)
        return true;                            /* in the snapshot already */
    if (seq != self->seq + 1) {
        s_resync(self, "gap in sequence");
        return false;
    }
    self->seq = seq;
    char *key = zframe_strdup(key_f);
    if (s_watched(self, key)) {
        if (zframe_size(value)) {
            s_set_value(self->replica, key, zframe_data(value), zframe_size(value), seq);
            s_notify(self, key, zhashx_lookup(self->replica, key));
        }
        else
        if (zhashx_lookup(self->replica, key)) {
            zhashx_delete(self->replica, key);
            s_notify(self, key, NULL);
        }
    }
    free(key);
    return true;
}

static void s_on_update(xgc_bus_t *self, zmsg_t *msg)
{
    zframe_t *key = zmsg_first(msg), *meta = zmsg_next(msg);
    if (zmsg_size(msg) != 3 || zframe_size(meta) != XGC_BUS_UPDATE_META
        || (zframe_size(key) && !xgc_bus_key_valid((char *)zframe_data(key),
                                                    zframe_size(key)))) {
        zmsg_destroy(&msg);
        return;
    }
    if (self->sync == S_SYNCING) {
        if (zlist_size(self->buffered) < MAX_BUFFERED)
            zlist_append(self->buffered, msg);
        else {
            zmsg_destroy(&msg);
            s_resync(self, "too many updates while syncing");
        }
        return;
    }
    if (self->sync == S_SYNCED)
        s_apply_update(self, msg);
    zmsg_destroy(&msg);
}

/* KVSYNC [token] ([key][seq][value])... */
static void s_on_kvsync(xgc_bus_t *self, zmsg_t *msg)
{
    uint64_t token, seq;
    if (self->sync != S_SYNCING || !s_u64_frame(zmsg_first(msg), &token)
        || token != self->token)
        return;
    char key[XGC_BUS_MAX_KEY + 1];
    for (zframe_t *k = zmsg_next(msg); k; k = zmsg_next(msg)) {
        zframe_t *s = zmsg_next(msg), *v = zmsg_next(msg);
        if (!v || !s_u64_frame(s, &seq) || !xgc_bus_key_valid((char *)zframe_data(k),
                                                                zframe_size(k)))
            return;                             /* the count check will fail */
        memcpy(key, zframe_data(k), zframe_size(k));
        key[zframe_size(k)] = 0;
        s_set_value(self->incoming, key, zframe_data(v), zframe_size(v), seq);
    }
}

/* KTHXBAI [token][seq][epoch][count] */
static void s_on_kthxbai(xgc_bus_t *self, zmsg_t *msg)
{
    uint64_t token, seq, epoch, count;
    if (self->sync != S_SYNCING || !s_u64_frame(zmsg_first(msg), &token)
        || token != self->token || !s_u64_frame(zmsg_next(msg), &seq)
        || !s_u64_frame(zmsg_next(msg), &epoch) || !s_u64_frame(zmsg_next(msg), &count))
        return;
    if (count != zhashx_size(self->incoming)) {
        s_resync(self, "incomplete snapshot");
        return;
    }
    self->seq = seq;
    self->epoch = epoch;
    self->sync = S_SYNCED;
    self->last_heard_ms = zclock_mono();
    s_swap_replica(self);
    zmsg_t *update;
    while (self->sync == S_SYNCED && (update = zlist_pop(self->buffered))) {
        s_apply_update(self, update);
        zmsg_destroy(&update);
    }
    if (self->sync == S_SYNCED && self->handlers.synced)
        self->handlers.synced(self->arg, self->epoch, self->seq);
}

bool xgc_bus_synced(xgc_bus_t *self)
{
    return self->sync == S_SYNCED && zclock_mono() - self->last_heard_ms < STALE_MS;
}

/* ---- state: writes ------------------------------------------------------- */

static s_write_t *s_ring_at(xgc_bus_t *self, size_t i)
{
    return self->ring[(self->head + i) % self->ring_cap];
}

static void s_ring_push(xgc_bus_t *self, s_write_t *w)
{
    if (self->count == self->ring_cap) {
        size_t cap = self->ring_cap ? self->ring_cap * 2 : 64;
        s_write_t **ring = malloc(cap * sizeof *ring);
        assert(ring);
        for (size_t i = 0; i < self->count; i++)
            ring[i] = s_ring_at(self, i);
        free(self->ring);
        self->ring = ring;
        self->ring_cap = cap;
        self->head = 0;
    }
    self->ring[(self->head + self->count++) % self->ring_cap] = w;
}

static void s_ring_pop(xgc_bus_t *self)
{
    s_write_free(&self->ring[self->head]);
    self->head = (self->head + 1) % self->ring_cap;
    self->count--;
    if (self->sent)
        self->sent--;
}

/* SET [cid][cseq][acked][key][ttl_ms][value] / DEL [cid][cseq][acked][key]
 * (acked: the highest cseq acknowledged so far). Only the first frame may
 * be refused (queue full); then the rest goes with it. */
static bool s_send_write(xgc_bus_t *self, s_write_t *w)
{
    void *dealer = zsock_resolve(self->dealer);
    uint8_t cseq[8], acked[8], ttl[8];
    xgc_bus_put_u64(cseq, w->cseq);
    xgc_bus_put_u64(acked, self->acked);
    xgc_bus_put_u64(ttl, w->ttl_ms);
    if (zmq_send(dealer, w->is_set ? "SET" : "DEL", 3, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return false;
    zmq_send(dealer, self->cid, strlen(self->cid), ZMQ_SNDMORE);
    zmq_send(dealer, cseq, 8, ZMQ_SNDMORE);
    zmq_send(dealer, acked, 8, ZMQ_SNDMORE);
    zmq_send(dealer, w->key, strlen(w->key), w->is_set ? ZMQ_SNDMORE : 0);
    if (w->is_set) {
        zmq_send(dealer, ttl, 8, ZMQ_SNDMORE);
        zmq_send(dealer, w->value, w->len, 0);
    }
    return true;
}

/* Send queued writes while fewer than WINDOW are in flight. */
static void s_pump(xgc_bus_t *self)
{
    while (self->sent < self->count && self->sent < WINDOW) {
        if (self->sent == 0)
            self->progress_ms = zclock_mono();
        if (!s_send_write(self, s_ring_at(self, self->sent)))
            break;
        self->sent++;
    }
}

static int s_queue(xgc_bus_t *self, bool is_set, const char *key,
                   const void *value, size_t len, uint64_t ttl_ms)
{
    if (!key || !xgc_bus_key_valid(key, strlen(key))
        || (is_set && !xgc_bus_value_valid(value, len)))
        return -1;
    s_write_t *w = calloc(1, sizeof *w);
    assert(w);
    w->cseq = self->next_cseq++;
    w->is_set = is_set;
    w->key = strdup(key);
    w->ttl_ms = ttl_ms;
    if (is_set) {
        w->value = malloc(len);
        assert(w->value);
        memcpy(w->value, value, len);
        w->len = len;
    }
    s_ring_push(self, w);
    s_pump(self);
    return 0;
}

int xgc_bus_set(xgc_bus_t *self, const char *key, const void *value, size_t len,
                uint64_t ttl_ms)
{
    return s_queue(self, true, key, value, len, ttl_ms);
}

int xgc_bus_del(xgc_bus_t *self, const char *key)
{
    return s_queue(self, false, key, NULL, 0, 0);
}

size_t xgc_bus_pending(xgc_bus_t *self)
{
    return self->count;
}

/* ACK [cseq][seq]: every write up to cseq is durable. */
static void s_on_ack(xgc_bus_t *self, zmsg_t *msg)
{
    uint64_t cseq;
    if (!s_u64_frame(zmsg_first(msg), &cseq))
        return;
    bool progress = false;
    if (cseq > self->acked && cseq < self->next_cseq)
        self->acked = cseq;
    while (self->count && s_ring_at(self, 0)->cseq <= cseq) {
        s_ring_pop(self);
        progress = true;
    }
    if (progress) {
        self->progress_ms = zclock_mono();
        s_pump(self);
    }
}

/* ERR [cseq][reason]: the write was refused for good. */
static void s_on_err(xgc_bus_t *self, zmsg_t *msg)
{
    uint64_t cseq;
    if (!s_u64_frame(zmsg_first(msg), &cseq) || !self->count
        || s_ring_at(self, 0)->cseq != cseq)
        return;
    zframe_t *why = zmsg_next(msg);
    char *reason = why ? zframe_strdup(why) : strdup("refused");
    xgc_log_warn("bus write refused key=%s reason=%s", s_ring_at(self, 0)->key, reason);
    if (self->handlers.write_failed)
        self->handlers.write_failed(self->arg, s_ring_at(self, 0)->key, reason);
    free(reason);
    self->acked = cseq;
    s_ring_pop(self);
    s_pump(self);
}

/* ---- dispatch, timers, polling ----------------------------------------- */

static void s_on_reply(xgc_bus_t *self, zmsg_t *msg)
{
    char *command = zmsg_popstr(msg);
    uint64_t token;
    if (!command)
        ;
    else
    if (streq(command, "ACK"))
        s_on_ack(self, msg);
    else
    if (streq(command, "KVSYNC"))
        s_on_kvsync(self, msg);
    else
    if (streq(command, "KTHXBAI"))
        s_on_kthxbai(self, msg);
    else
    if (streq(command, "ERR"))
        s_on_err(self, msg);
    else
    if (streq(command, "STATUS") && s_u64_frame(zmsg_first(msg), &token)
        && token == self->status_token && zmsg_size(msg) == 2) {
        zframe_destroy(&self->status_reply);
        self->status_reply = zframe_dup(zmsg_last(msg));
    }
    zstr_free(&command);
}

static void s_tick(xgc_bus_t *self)
{
    xgc_security_watch_check(self->watch);      /* logs a failed handshake */
    int64_t now = zclock_mono();
    if (self->sync == S_SYNCING && now - self->sync_sent_ms > SYNC_RETRY_MS)
        s_resync(self, "no snapshot answer");
    if (self->sync == S_SYNCED && now - self->last_heard_ms > STALE_MS)
        s_resync(self, "broker silent");
    if (self->sent && now - self->progress_ms > RETRY_MS) {
        self->sent = 0;                          /* resend the whole window */
        s_pump(self);
    }
    else
        s_pump(self);
    if (now >= self->next_ping_ms) {
        zstr_send(self->dealer, "PING");
        self->next_ping_ms = now + PING_MS;
    }
}

/* Read up to DRAIN_BURST messages from one socket. */
static int s_drain(xgc_bus_t *self, zsock_t *sock)
{
    int n = 0;
    while (n < DRAIN_BURST && (zsock_events(sock) & ZMQ_POLLIN)) {
        zmsg_t *msg = zmsg_recv(sock);
        if (!msg)
            break;
        n++;
        if (sock == self->dealer)
            s_on_reply(self, msg);
        else
        if (sock == self->updates) {
            s_on_update(self, msg);
            continue;                           /* it took msg */
        }
        else
            s_on_event(self, msg);
        zmsg_destroy(&msg);
    }
    return n;
}

int xgc_bus_poll(xgc_bus_t *self, int timeout_ms)
{
    zmq_pollitem_t items[] = {
        {zsock_resolve(self->dealer), 0, ZMQ_POLLIN, 0},
        {zsock_resolve(self->updates), 0, ZMQ_POLLIN, 0},
        {zsock_resolve(self->sub), 0, ZMQ_POLLIN, 0},
    };
    if (timeout_ms > TICK_MS)
        timeout_ms = TICK_MS;
    if (zmq_poll(items, 3, timeout_ms) < 0 && errno != EINTR)
        return -1;
    if (zsys_interrupted)
        return -1;
    int n = s_drain(self, self->dealer) + s_drain(self, self->updates)
            + s_drain(self, self->sub);
    s_tick(self);
    return n;
}

/* Poll until done(self) or timeout: 0 or -1. */
static int s_poll_until(xgc_bus_t *self, int timeout_ms, bool (*done)(xgc_bus_t *))
{
    int64_t end = zclock_mono() + timeout_ms;
    while (!done(self)) {
        int64_t left = end - zclock_mono();
        if (left <= 0 || xgc_bus_poll(self, (int)left) < 0)
            return -1;
    }
    return 0;
}

int xgc_bus_wait_synced(xgc_bus_t *self, int timeout_ms)
{
    return s_poll_until(self, timeout_ms, xgc_bus_synced);
}

static bool s_flushed(xgc_bus_t *self)
{
    return self->count == 0;
}

int xgc_bus_flush(xgc_bus_t *self, int timeout_ms)
{
    return s_poll_until(self, timeout_ms, s_flushed);
}

int xgc_bus_set_sync(xgc_bus_t *self, const char *key, const void *value,
                     size_t len, uint64_t ttl_ms, int timeout_ms)
{
    if (xgc_bus_set(self, key, value, len, ttl_ms) < 0)
        return -1;
    return xgc_bus_flush(self, timeout_ms);
}

int xgc_bus_del_sync(xgc_bus_t *self, const char *key, int timeout_ms)
{
    if (xgc_bus_del(self, key) < 0)
        return -1;
    return xgc_bus_flush(self, timeout_ms);
}

static bool s_has_status(xgc_bus_t *self)
{
    return self->status_reply != NULL;
}

int xgc_bus_status(xgc_bus_t *self, int timeout_ms, uint8_t **data, size_t *len)
{
    zframe_destroy(&self->status_reply);
    self->status_token = s_random();
    zmsg_t *msg = zmsg_new();
    zmsg_addstr(msg, "STATUS");
    s_add_u64(msg, self->status_token);
    s_send(self, &msg);
    if (s_poll_until(self, timeout_ms, s_has_status) < 0)
        return -1;
    *len = zframe_size(self->status_reply);
    *data = malloc(*len ? *len : 1);
    assert(*data);
    memcpy(*data, zframe_data(self->status_reply), *len);
    zframe_destroy(&self->status_reply);
    return 0;
}

/* ---- the replica ------------------------------------------------------- */

const uint8_t *xgc_bus_get(xgc_bus_t *self, const char *key, size_t *len,
                           uint64_t *seq)
{
    s_value_t *v = zhashx_lookup(self->replica, key);
    if (len)
        *len = v ? v->len : 0;
    if (seq)
        *seq = v ? v->seq : 0;
    return v ? v->data : NULL;
}

static int s_strcmp_p(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void xgc_bus_foreach(xgc_bus_t *self, const char *prefix, xgc_bus_each_fn *fn,
                     void *arg)
{
    size_t n = 0, plen = strlen(prefix);
    const char **keys = malloc((zhashx_size(self->replica) + 1) * sizeof *keys);
    assert(keys);
    for (void *v = zhashx_first(self->replica); v; v = zhashx_next(self->replica))
        if (strncmp(zhashx_cursor(self->replica), prefix, plen) == 0)
            keys[n++] = zhashx_cursor(self->replica);
    qsort(keys, n, sizeof *keys, s_strcmp_p);
    for (size_t i = 0; i < n; i++) {
        s_value_t *v = zhashx_lookup(self->replica, keys[i]);
        fn(arg, keys[i], v->data, v->len, v->seq);
    }
    free(keys);
}

size_t xgc_bus_count(xgc_bus_t *self)
{
    return zhashx_size(self->replica);
}

/* ---- zloop / zpoller ------------------------------------------------------ */

static int s_on_loop_reader(zloop_t *loop, zsock_t *sock, void *arg)
{
    (void)loop;
    xgc_bus_t *self = arg;
    s_drain(self, sock);
    s_tick(self);
    return 0;
}

static int s_on_loop_timer(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    s_tick(arg);
    return 0;
}

int xgc_bus_attach(xgc_bus_t *self, zloop_t *loop)
{
    zsock_t *socks[] = {self->dealer, self->updates, self->sub};
    for (size_t i = 0; i < 3; i++) {
        if (zloop_reader(loop, socks[i], s_on_loop_reader, self) < 0)
            return -1;
        zloop_reader_set_tolerant(loop, socks[i]);
    }
    self->timer_id = zloop_timer(loop, TICK_MS, 0, s_on_loop_timer, self);
    return self->timer_id < 0 ? -1 : 0;
}

void xgc_bus_detach(xgc_bus_t *self, zloop_t *loop)
{
    zloop_reader_end(loop, self->dealer);
    zloop_reader_end(loop, self->updates);
    zloop_reader_end(loop, self->sub);
    if (self->timer_id >= 0)
        zloop_timer_end(loop, self->timer_id);
    self->timer_id = -1;
}

void xgc_bus_poller_add(xgc_bus_t *self, zpoller_t *poller)
{
    zpoller_add(poller, self->dealer);
    zpoller_add(poller, self->updates);
    zpoller_add(poller, self->sub);
}

bool xgc_bus_owns(xgc_bus_t *self, void *sock)
{
    return sock == self->dealer || sock == self->updates || sock == self->sub;
}
