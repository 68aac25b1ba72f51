/* clone — see clone.h. One loop, one thread: requests are read in batches
 * (frames kept in zmq_msg_t, no copies), writes go to the store, and
 * everything that must wait for durability is queued until the sync: the
 * updates of the batch in one byte buffer (`updates`), the replies (acks,
 * errors, snapshots, status) as ready-to-send messages in `out`.
 */
#include "broker/clone.h"

#include <czmq.h>
#include <sys/random.h>

#include "broker/store.h"
#include "xgc_bus.h"
#include "xgc_log.h"
#include "xgc_msg.h"
#include "xgc_security.h"

#define BATCH           8192    /* requests per group commit at most */
#define BATCH_BYTES     (64 << 20)  /* and journal bytes */
#define HUGZ_MS         1000    /* heartbeat on the updates PUB */
#define CLIENT_IDLE_MS  30000   /* a client not heard from since is gone */
#define FORGET_MS       (24 * 3600 * 1000LL)    /* writer dedup memory */
#define SNAP_CHUNK      1000    /* entries per snapshot message */
#define SNAP_CHUNK_BYTES (4 << 20)
#define MAX_TTL_MS      (366 * 24 * 3600 * 1000LL)
#define MAX_CID         64
#define STATE_HWM       100000
#define MAX_PARTS       64      /* frames in one request, at most */

/* A request as received: frames stay in libzmq's messages (no copies). */
typedef struct {
    zmq_msg_t part[MAX_PARTS];
    int n;
} s_req_t;

struct _xgc_clone_t {
    xgc_store_t *store;
    xgc_proxy_t *proxy;
    zsock_t *router, *pub;
    uint64_t epoch;
    int64_t started_ms, next_hugz_ms;
    uint64_t compact_bytes;
    zlist_t *out;               /* zmsg_t for the router, sent after sync */
    zchunk_t *updates;          /* updates for the pub, sent after sync: records
                                   u8 key_len, key, u64 seq, u32 len, value */
    size_t n_updates;
    zhashx_t *clients;          /* identity (hex) -> int64_t last seen ms */
    zhashx_t *acks;             /* identity (hex) -> its ACK in `out`, this batch */
    xgc_security_guard_t *guard;    /* security: who may write what (NULL: all) */
    char peer[2 * 256 + 1];     /* identity (hex) of the request being served */
    xgc_ratelimit_t ratelimit;
    /* counters for STATUS */
    uint64_t requests, writes, duplicates, out_of_order, rejected, dropped;
    uint64_t syncs, last_batch, max_batch, snapshots, compactions, expired;
};

/* ---- helpers ------------------------------------------------------------- */

static void *s_data(s_req_t *req, int i)
{
    return zmq_msg_data(&req->part[i]);
}

static size_t s_size(s_req_t *req, int i)
{
    return zmq_msg_size(&req->part[i]);
}

/* Frame i as a C string into buf (n+1 bytes) if it has 1..n bytes. */
static bool s_string(s_req_t *req, int i, char *buf, size_t n)
{
    size_t size = s_size(req, i);
    if (size == 0 || size > n)
        return false;
    memcpy(buf, s_data(req, i), size);
    buf[size] = 0;
    return true;
}

static bool s_is_u64(zframe_t *f)
{
    return f && zframe_size(f) == 8;
}

static void s_add_u64(zmsg_t *msg, uint64_t v)
{
    uint8_t b[8];
    xgc_bus_put_u64(b, v);
    zmsg_addmem(msg, b, 8);
}

/* A frame as a C string if it is a valid key (or, with allow_empty, ""). */
static bool s_key(zframe_t *f, char *key, bool allow_empty)
{
    if (!f)
        return false;
    size_t n = zframe_size(f);
    if (!(n == 0 && allow_empty) && !xgc_bus_key_valid((char *)zframe_data(f), n))
        return false;
    memcpy(key, zframe_data(f), n);
    key[n] = 0;
    return true;
}

/* A reply to the peer (identity frame taken from the request). */
static zmsg_t *s_reply(zframe_t *identity, const char *command)
{
    zmsg_t *msg = zmsg_new();
    zmsg_addmem(msg, zframe_data(identity), zframe_size(identity));
    zmsg_addstr(msg, command);
    return msg;
}

static void s_drop(xgc_clone_t *self, const char *why)
{
    self->dropped++;
    xgc_log_limited_write(&self->ratelimit, XGC_LOG_WARN, "state request dropped reason=\"%s\" peer=%s",
                          why, self->peer);
}

/* Queue the update [key][seq,epoch][value] for the PUB and the tap. */
static void s_publish(xgc_clone_t *self, const char *key, uint64_t seq,
                      const void *value, size_t len)
{
    uint8_t head[1 + XGC_BUS_MAX_KEY + 8 + 4];
    size_t key_len = strlen(key);
    head[0] = (uint8_t)key_len;
    memcpy(head + 1, key, key_len);
    xgc_bus_put_u64(head + 1 + key_len, seq);
    uint32_t n = value ? (uint32_t)len : 0;
    uint8_t *p = head + 1 + key_len + 8;
    p[0] = n >> 24; p[1] = n >> 16; p[2] = n >> 8; p[3] = (uint8_t)n;
    zchunk_extend(self->updates, head, 1 + key_len + 12);
    if (n)
        zchunk_extend(self->updates, value, n);
    self->n_updates++;
}

/* ---- requests ---------------------------------------------------------- */

/* The outcome of a write: ack (applied or duplicate), or nothing (out of
 * order: the client resends from its oldest unacknowledged write). */
static void s_write_done(xgc_clone_t *self, s_req_t *req, int rc,
                         uint64_t cseq, uint64_t seq)
{
    if (rc == XGC_STORE_OUT_OF_ORDER) {
        self->out_of_order++;
        return;
    }
    if (rc == XGC_STORE_DUPLICATE)
        self->duplicates++;
    /* ACKs are cumulative: one per client per batch, the last one wins */
    zmsg_t *ack = zhashx_lookup(self->acks, self->peer);
    if (ack) {
        zmsg_first(ack);                        /* [identity]["ACK"][cseq][seq] */
        zmsg_next(ack);
        zframe_t *cseq_f = zmsg_next(ack), *seq_f = zmsg_next(ack);
        xgc_bus_put_u64(zframe_data(cseq_f), cseq);
        if (seq)
            xgc_bus_put_u64(zframe_data(seq_f), seq);
        return;
    }
    ack = zmsg_new();
    zmsg_addmem(ack, s_data(req, 0), s_size(req, 0));
    zmsg_addstr(ack, "ACK");
    s_add_u64(ack, cseq);
    s_add_u64(ack, seq);
    zlist_append(self->out, ack);
    zhashx_insert(self->acks, self->peer, ack);
}

/* A write refused for its content: the client's cseq is consumed (so that
 * its next write is in order) and it gets ERR, after any earlier ACK. */
static void s_refuse(xgc_clone_t *self, s_req_t *req, const char *cid,
                     uint64_t cseq, const char *reason)
{
    self->rejected++;
    int rc = xgc_store_skip(self->store, cid, cseq, zclock_time());
    if (rc != XGC_STORE_APPLIED) {
        s_write_done(self, req, rc, cseq, 0);
        return;
    }
    zmsg_t *err = zmsg_new();
    zmsg_addmem(err, s_data(req, 0), s_size(req, 0));
    zmsg_addstr(err, "ERR");
    s_add_u64(err, cseq);
    zmsg_addstr(err, reason);
    zlist_append(self->out, err);
    zhashx_delete(self->acks, self->peer);      /* later ACKs go after it */
}

/* [identity][SET][cid][cseq][acked][key][ttl_ms][value]
 * [identity][DEL][cid][cseq][acked][key] */
static void s_on_write(xgc_clone_t *self, s_req_t *req, bool is_set)
{
    char cid[MAX_CID + 1], key[XGC_BUS_MAX_KEY + 1];
    if (req->n != (is_set ? 8 : 6) || !s_string(req, 2, cid, MAX_CID)
        || s_size(req, 3) != 8 || s_size(req, 4) != 8 || (is_set && s_size(req, 6) != 8)) {
        s_drop(self, is_set ? "malformed SET" : "malformed DEL");
        return;
    }
    uint64_t cseq = xgc_bus_get_u64(s_data(req, 3)), seq = 0, last;
    uint64_t acked = xgc_bus_get_u64(s_data(req, 4));
    uint64_t ttl = is_set ? xgc_bus_get_u64(s_data(req, 6)) : 0;
    const void *value = is_set ? s_data(req, 7) : NULL;
    size_t len = is_set ? s_size(req, 7) : 0;
    /* A writer we do not know starts at its oldest unacknowledged write
     * (acked + 1): if that one was lost on the way, a later one must not be
     * applied first, or the resent one would then count as a duplicate. */
    if (!xgc_store_writer(self->store, cid, &last) && cseq != acked + 1) {
        self->out_of_order++;
        return;
    }
    if (!xgc_bus_key_valid(s_data(req, 5), s_size(req, 5)))
        return s_refuse(self, req, cid, cseq, "invalid key");
    if (is_set && !xgc_bus_value_valid(value, len))
        return s_refuse(self, req, cid, cseq, "value is not a msgpack map");
    if (ttl > (uint64_t)MAX_TTL_MS)
        return s_refuse(self, req, cid, cseq, "ttl too long");
    s_string(req, 5, key, XGC_BUS_MAX_KEY);
    char why[256];                              /* authorisation by role */
    if (!xgc_security_guard_write(self->guard, &req->part[1], key, why, sizeof why))
        return s_refuse(self, req, cid, cseq, why);
    self->writes++;
    int64_t now = zclock_time();
    int rc = is_set ? xgc_store_set(self->store, cid, cseq, key, value, len,
                                    ttl ? now + (int64_t)ttl : 0, now, &seq)
                    : xgc_store_del(self->store, cid, cseq, key, now, &seq);
    if (rc == XGC_STORE_APPLIED)
        s_publish(self, key, seq, value, len);
    s_write_done(self, req, rc, cseq, seq);
}

typedef struct {
    xgc_clone_t *self;
    zframe_t *identity, *token;
    zlist_t *prefixes;
    zmsg_t *chunk;
    size_t chunk_entries, chunk_bytes;
    uint64_t count;
} s_snapshot_t;

static void s_snapshot_flush(s_snapshot_t *snap)
{
    if (snap->chunk)
        zlist_append(snap->self->out, snap->chunk);
    snap->chunk = NULL;
    snap->chunk_entries = snap->chunk_bytes = 0;
}

static void s_snapshot_entry(void *arg, const char *key, const xgc_store_item_t *item)
{
    s_snapshot_t *snap = arg;
    bool wanted = false;
    for (char *p = zlist_first(snap->prefixes); p && !wanted; p = zlist_next(snap->prefixes))
        wanted = strncmp(key, p, strlen(p)) == 0;
    if (!wanted)
        return;
    if (!snap->chunk) {
        snap->chunk = s_reply(snap->identity, "KVSYNC");
        zmsg_append(snap->chunk, &(zframe_t *){zframe_dup(snap->token)});
    }
    zmsg_addstr(snap->chunk, key);
    s_add_u64(snap->chunk, item->seq);
    zmsg_addmem(snap->chunk, item->value, item->len);
    snap->count++;
    snap->chunk_bytes += item->len + strlen(key) + 8;
    if (++snap->chunk_entries >= SNAP_CHUNK || snap->chunk_bytes >= SNAP_CHUNK_BYTES)
        s_snapshot_flush(snap);
}

/* ICANHAZ [token][prefix]...: KVSYNC [token] ([key][seq][value])... chunks,
 * then KTHXBAI [token][seq][epoch][count]. */
static void s_on_icanhaz(xgc_clone_t *self, zframe_t *identity, zmsg_t *msg)
{
    s_snapshot_t snap = {.self = self, .identity = identity};
    snap.token = zmsg_pop(msg);
    snap.prefixes = zlist_new();
    zlist_autofree(snap.prefixes);
    char prefix[XGC_BUS_MAX_KEY + 1];
    bool ok = s_is_u64(snap.token) && zmsg_size(msg) > 0;
    for (zframe_t *f = zmsg_first(msg); ok && f; f = zmsg_next(msg)) {
        ok = s_key(f, prefix, true);
        zlist_append(snap.prefixes, prefix);
    }
    if (!ok)
        s_drop(self, "malformed ICANHAZ");
    else {
        self->snapshots++;
        xgc_store_foreach(self->store, "", s_snapshot_entry, &snap);
        s_snapshot_flush(&snap);
        zmsg_t *end = s_reply(identity, "KTHXBAI");
        zmsg_append(end, &(zframe_t *){zframe_dup(snap.token)});
        s_add_u64(end, xgc_store_seq(self->store));
        s_add_u64(end, self->epoch);
        s_add_u64(end, snap.count);
        zlist_append(self->out, end);
    }
    zframe_destroy(&snap.token);
    zlist_destroy(&snap.prefixes);
}

/* STATUS [token] -> STATUS [token][msgpack map] */
static void s_on_status(xgc_clone_t *self, zframe_t *identity, zmsg_t *msg)
{
    zframe_t *token = zmsg_pop(msg);
    if (!s_is_u64(token) || zmsg_size(msg)) {
        s_drop(self, "malformed STATUS");
        zframe_destroy(&token);
        return;
    }
    xgc_proxy_stats_t ev = {0};
    if (self->proxy)
        xgc_proxy_stats(self->proxy, &ev);
    xgc_msg_enc_t enc;
    xgc_msg_enc_init(&enc);
    xgc_msg_enc_map_begin(&enc);
    struct { const char *name; uint64_t value; } fields[] = {
        {"v", 1},
        {"uptime_s", (uint64_t)(zclock_mono() - self->started_ms) / 1000},
        {"keys", xgc_store_size(self->store)},
        {"seq", xgc_store_seq(self->store)},
        {"epoch", self->epoch},
        {"clients", zhashx_size(self->clients)},
        {"writers", xgc_store_writers(self->store)},
        {"requests", self->requests},
        {"writes", self->writes},
        {"duplicates", self->duplicates},
        {"out_of_order", self->out_of_order},
        {"rejected", self->rejected},
        {"expired", self->expired},
        {"snapshots", self->snapshots},
        {"syncs", self->syncs},
        {"last_batch", self->last_batch},
        {"max_batch", self->max_batch},
        {"queued_updates", self->n_updates},
        {"queued_replies", zlist_size(self->out)},
        {"journal_bytes", xgc_store_journal_bytes(self->store)},
        {"compactions", self->compactions},
        {"dropped_frames", self->dropped + ev.events_dropped},
        {"state_dropped", self->dropped},
        {"events_in", ev.events_in},
        {"events_dropped", ev.events_dropped},
        {"subscriptions", ev.subscriptions},
        {"tap_sent", ev.tap_sent},
        {"tap_dropped", ev.tap_dropped},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        xgc_msg_enc_key(&enc, fields[i].name);
        xgc_msg_enc_uint(&enc, fields[i].value);
    }
    xgc_msg_enc_map_end(&enc);
    void *data = NULL;
    size_t size = 0;
    xgc_msg_enc_finish(&enc, &data, &size);
    zmsg_t *reply = s_reply(identity, "STATUS");
    zmsg_append(reply, &token);
    zmsg_addmem(reply, data, size);
    zlist_append(self->out, reply);
    free(data);
}

static void s_note_client(xgc_clone_t *self)
{
    int64_t *last = zhashx_lookup(self->clients, self->peer);
    if (!last) {
        last = malloc(sizeof *last);
        assert(last);
        zhashx_insert(self->clients, self->peer, last);
    }
    *last = zclock_mono();
}

/* ICANHAZ and STATUS (rare): served from a zmsg copy of the frames. */
static void s_on_query(xgc_clone_t *self, s_req_t *req, const char *command)
{
    zframe_t *identity = zframe_new(s_data(req, 0), s_size(req, 0));
    zmsg_t *msg = zmsg_new();
    for (int i = 2; i < req->n; i++)
        zmsg_addmem(msg, s_data(req, i), s_size(req, i));
    if (streq(command, "ICANHAZ"))
        s_on_icanhaz(self, identity, msg);
    else
        s_on_status(self, identity, msg);
    zmsg_destroy(&msg);
    zframe_destroy(&identity);
}

static void s_on_request(xgc_clone_t *self, s_req_t *req)
{
    self->requests++;
    static const char hex[] = "0123456789ABCDEF";
    const uint8_t *id = s_data(req, 0);
    size_t id_len = s_size(req, 0) <= 255 ? s_size(req, 0) : 0;   /* ROUTER: <= 255 */
    for (size_t i = 0; i < id_len; i++) {
        self->peer[2 * i] = hex[id[i] >> 4];
        self->peer[2 * i + 1] = hex[id[i] & 15];
    }
    self->peer[2 * id_len] = 0;
    char command[16];
    if (req->n < 2 || !id_len || !s_string(req, 1, command, sizeof command - 1)) {
        s_drop(self, "no command frame");
        return;
    }
    s_note_client(self);
    if (streq(command, "SET") || streq(command, "DEL"))
        s_on_write(self, req, streq(command, "SET"));
    else
    if (streq(command, "ICANHAZ") || streq(command, "STATUS"))
        s_on_query(self, req, command);
    else
    if (!streq(command, "PING"))
        s_drop(self, "unknown command");
}

static void s_req_close(s_req_t *req)
{
    for (int i = 0; i < req->n; i++)
        zmq_msg_close(&req->part[i]);
    req->n = 0;
}

/* Read one request without waiting: 1 if req holds one, 0 if none is
 * waiting, -1 if one was dropped (more than MAX_PARTS frames). */
static int s_recv(xgc_clone_t *self, s_req_t *req)
{
    void *router = zsock_resolve(self->router);
    int total = 0;
    bool more = true;
    req->n = 0;
    while (more) {
        zmq_msg_t part;
        zmq_msg_init(&part);
        if (zmq_msg_recv(&part, router, total ? 0 : ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&part);
            break;
        }
        more = zmq_msg_more(&part);
        total++;
        if (req->n < MAX_PARTS) {
            zmq_msg_init(&req->part[req->n]);
            zmq_msg_move(&req->part[req->n++], &part);
        }
        zmq_msg_close(&part);
    }
    if (total == 0)
        return 0;
    if (!more && total <= MAX_PARTS)
        return 1;
    s_req_close(req);
    s_drop(self, "too many frames");
    return -1;
}

/* ---- the loop -------------------------------------------------------------- */

static void s_on_expired(void *arg, const char *key, uint64_t seq)
{
    xgc_clone_t *self = arg;
    self->expired++;
    s_publish(self, key, seq, NULL, 0);
}

static void s_send_all(zlist_t *list, zsock_t *sock)
{
    zmsg_t *msg;
    while ((msg = zlist_pop(list))) {
        if (zmsg_send(&msg, sock) < 0)
            zmsg_destroy(&msg);         /* ROUTER/PUB: peer gone or full */
    }
}

/* Publish the batch's updates on the PUB and the tap. */
static void s_send_updates(xgc_clone_t *self)
{
    void *pub = zsock_resolve(self->pub);
    const uint8_t *p = zchunk_data(self->updates), *end = p + zchunk_size(self->updates);
    uint8_t meta[XGC_BUS_UPDATE_META];
    xgc_bus_put_u64(meta + 8, self->epoch);
    char key[XGC_BUS_MAX_KEY + 1];
    while (p < end) {
        size_t key_len = p[0];
        memcpy(key, p + 1, key_len);
        key[key_len] = 0;
        p += 1 + key_len;
        uint64_t seq = xgc_bus_get_u64(p);
        uint32_t len = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
        const uint8_t *value = p + 12;
        p = value + len;
        xgc_bus_put_u64(meta, seq);
        zmq_send(pub, key, key_len, ZMQ_SNDMORE | ZMQ_DONTWAIT);
        zmq_send(pub, meta, sizeof meta, ZMQ_SNDMORE | ZMQ_DONTWAIT);
        zmq_send(pub, value, len, ZMQ_DONTWAIT);
        if (self->proxy)
            xgc_proxy_tap_state(self->proxy, key, seq, self->epoch, len ? value : NULL, len);
    }
    zchunk_set(self->updates, "", 0);
    self->n_updates = 0;
}

/* Sync the batch, then send what waited for it. -1 if the disk failed. */
static int s_commit(xgc_clone_t *self)
{
    size_t pending = xgc_store_pending(self->store);
    if (pending) {
        if (xgc_store_sync(self->store) < 0) {
            xgc_log_error("journal write failed, stopping error=\"%s\"", strerror(errno));
            return -1;
        }
        self->syncs++;
        self->last_batch = pending;
        if (pending > self->max_batch)
            self->max_batch = pending;
    }
    s_send_updates(self);
    s_send_all(self->out, self->router);
    zhashx_purge(self->acks);
    if (xgc_store_journal_bytes(self->store) > self->compact_bytes) {
        if (xgc_store_compact(self->store, zclock_time(), FORGET_MS) < 0) {
            xgc_log_error("compaction failed, stopping error=\"%s\"", strerror(errno));
            return -1;
        }
        self->compactions++;
        xgc_log_info("journal compacted keys=%zu seq=%" PRIu64,
                  xgc_store_size(self->store), xgc_store_seq(self->store));
    }
    return 0;
}

static void s_heartbeat(xgc_clone_t *self)
{
    /* [""][seq,epoch][""]: tells subscribers the last seq (gap check) */
    uint8_t meta[XGC_BUS_UPDATE_META];
    xgc_bus_put_u64(meta, xgc_store_seq(self->store));
    xgc_bus_put_u64(meta + 8, self->epoch);
    zmsg_t *msg = zmsg_new();
    zmsg_addmem(msg, "", 0);
    zmsg_addmem(msg, meta, sizeof meta);
    zmsg_addmem(msg, "", 0);
    if (zmsg_send(&msg, self->pub) < 0)
        zmsg_destroy(&msg);
    int64_t now = zclock_mono();
    zlist_t *gone = zlist_new();
    for (int64_t *last = zhashx_first(self->clients); last; last = zhashx_next(self->clients))
        if (now - *last > CLIENT_IDLE_MS)
            zlist_append(gone, (void *)zhashx_cursor(self->clients));
    for (char *key = zlist_first(gone); key; key = zlist_next(gone))
        zhashx_delete(self->clients, key);
    zlist_destroy(&gone);
    self->next_hugz_ms = now + HUGZ_MS;
}

static int s_timeout(xgc_clone_t *self)
{
    int64_t timeout = self->next_hugz_ms - zclock_mono();
    int64_t expiry = xgc_store_next_expiry(self->store);
    if (expiry && expiry - zclock_time() < timeout)
        timeout = expiry - zclock_time();
    return timeout < 0 ? 0 : (int)timeout;
}

int xgc_clone_run(xgc_clone_t *self)
{
    zmq_pollitem_t item = {zsock_resolve(self->router), 0, ZMQ_POLLIN, 0};
    while (!zsys_interrupted) {
        if (zmq_poll(&item, 1, s_timeout(self)) < 0 && errno != EINTR)
            break;
        s_req_t req;
        int got;
        for (int n = 0; n < BATCH && xgc_store_pending_bytes(self->store) < BATCH_BYTES
                        && (got = s_recv(self, &req)) != 0; n++)
            if (got > 0) {
                s_on_request(self, &req);
                s_req_close(&req);
            }
        xgc_store_expire(self->store, zclock_time(), s_on_expired, self);
        if (s_commit(self) < 0)
            return -1;
        if (zclock_mono() >= self->next_hugz_ms)
            s_heartbeat(self);
    }
    return s_commit(self);
}

/* ---- construction -------------------------------------------------------- */

static void s_free_item(void **item)
{
    free(*item);
    *item = NULL;
}

xgc_clone_t *xgc_clone_new(const xgc_config_t *cfg, xgc_proxy_t *proxy,
                           char *err, size_t errlen)
{
    xgc_clone_t *self = calloc(1, sizeof *self);
    assert(self);
    self->proxy = proxy;
    self->compact_bytes = 64 << 20;
    self->out = zlist_new();
    self->updates = zchunk_new(NULL, 1 << 16);
    self->clients = zhashx_new();
    zhashx_set_destructor(self->clients, s_free_item);
    self->acks = zhashx_new();
    self->guard = xgc_security_guard_new();
    self->started_ms = zclock_mono();
    self->next_hugz_ms = self->started_ms;
    /* random, non-zero, and exact in a JSON number (< 2^53) */
    while (self->epoch == 0)
        if (getrandom(&self->epoch, sizeof self->epoch, 0) == sizeof self->epoch)
            self->epoch &= (1ULL << 53) - 1;
    xgc_ratelimit_init(&self->ratelimit, 5, 1000);
    char dir[XGC_PATH_MAX + 16];
    snprintf(dir, sizeof dir, "%s/broker", cfg->data_dir);
    self->store = xgc_store_open(dir, err, errlen);
    if (self->store)
        self->router = xgc_broker_bind(cfg, ZMQ_ROUTER, XGC_PORT_STATE, STATE_HWM,
                                       err, errlen);
    if (self->router)
        self->pub = xgc_broker_bind(cfg, ZMQ_PUB, XGC_PORT_UPDATES, STATE_HWM, err, errlen);
    if (!self->pub) {
        xgc_clone_destroy(&self);
        return NULL;
    }
    if (xgc_store_torn_bytes(self->store))
        xgc_log_warn("unsynced journal tail dropped bytes=%" PRIu64,
                     xgc_store_torn_bytes(self->store));
    xgc_log_info("state loaded keys=%zu seq=%" PRIu64 " epoch=%" PRIu64,
              xgc_store_size(self->store), xgc_store_seq(self->store), self->epoch);
    return self;
}

static void s_destroy_msgs(zlist_t **list_p)
{
    zmsg_t *msg;
    while (*list_p && (msg = zlist_pop(*list_p)))
        zmsg_destroy(&msg);
    zlist_destroy(list_p);
}

void xgc_clone_destroy(xgc_clone_t **self_p)
{
    xgc_clone_t *self = *self_p;
    if (!self)
        return;
    s_destroy_msgs(&self->out);
    zchunk_destroy(&self->updates);
    zhashx_destroy(&self->clients);
    zhashx_destroy(&self->acks);
    xgc_security_guard_destroy(&self->guard);
    zsock_destroy(&self->router);
    zsock_destroy(&self->pub);
    xgc_store_destroy(&self->store);
    free(self);
    *self_p = NULL;
}

void xgc_clone_set_compact_bytes(xgc_clone_t *self, uint64_t bytes)
{
    self->compact_bytes = bytes;
}

uint64_t xgc_clone_epoch(xgc_clone_t *self)
{
    return self->epoch;
}
