/* proxy — see proxy.h. The loop reads events in bursts (up to BURST per
 * wake-up) and moves frames with zmq_msg_t, so that forwarding costs one
 * copy-free send per frame; the tap copy is a reference-counted zmq_msg_copy.
 * State changes arrive from the broker's main thread on an inproc PUSH/PULL
 * "feed" as [key][seq,epoch][value]; the actor pipe only carries "$TERM", so
 * that stopping never waits behind a full queue.
 */
#include "broker/proxy.h"

#include <czmq.h>

#include "xgc_bus.h"
#include "xgc_log.h"
#include "xgc_security.h"

#define BURST       1024
#define EVENT_HWM   100000      /* per-pipe queue of the XSUB/XPUB */
#define TAP_HWM     1000        /* per-tail queue on the tap (then drops) */

typedef struct {
    void *xsub, *xpub, *tap;    /* raw libzmq handles of the zsocks below */
    zsock_t *xsub_sock, *xpub_sock, *tap_sock;
    zsock_t *feed_in;           /* PULL: state changes from the owner */
    xgc_proxy_stats_t *stats;   /* shared with the owner (atomic updates) */
    uint64_t tap_seq;
    int64_t tap_topics;         /* subscriptions at the tap: 0 = nobody tails */
    int64_t now_ms;             /* wall clock, read once per wake-up */
    xgc_ratelimit_t ratelimit;
    xgc_security_guard_t *guard;    /* security: who may publish what (NULL: all) */
} s_loop_t;

struct _xgc_proxy_t {
    zactor_t *actor;
    zsock_t *feed;              /* PUSH to the loop's feed_in */
    s_loop_t *loop;             /* owned by the actor thread once started */
    xgc_proxy_stats_t stats;
};

#define s_count(field, n) __atomic_fetch_add(&(field), (n), __ATOMIC_RELAXED)

/* ---- the proxy thread ---------------------------------------------------- */

static bool s_event_valid(zmq_msg_t *topic, zmq_msg_t *payload)
{
    return xgc_bus_key_valid(zmq_msg_data(topic), zmq_msg_size(topic))
           && xgc_bus_value_valid(zmq_msg_data(payload), zmq_msg_size(payload));
}

/* Send [name][meta][payload] on the tap; consumes both messages. */
static void s_tap_send(s_loop_t *self, zmq_msg_t *name, int kind, uint64_t seq,
                       uint64_t epoch, zmq_msg_t *payload)
{
    uint8_t meta[XGC_BUS_TAP_META];
    meta[0] = (uint8_t)kind;
    xgc_bus_put_u64(meta + 1, ++self->tap_seq);
    xgc_bus_put_u64(meta + 9, seq);
    xgc_bus_put_u64(meta + 17, epoch);
    xgc_bus_put_u64(meta + 25, (uint64_t)self->now_ms);
    s_count(self->stats->tap_sent, 1);
    if (zmq_msg_send(name, self->tap, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0
        || zmq_send(self->tap, meta, sizeof meta, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0
        || zmq_msg_send(payload, self->tap, ZMQ_DONTWAIT) < 0)
        s_count(self->stats->tap_dropped, 1);
    zmq_msg_close(name);
    zmq_msg_close(payload);
}

/* Read the rest of a multipart message and drop it. */
static void s_drain(void *sock)
{
    int more = 1;
    size_t size = sizeof more;
    zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &size);
    while (more) {
        zmq_msg_t part;
        zmq_msg_init(&part);
        if (zmq_msg_recv(&part, sock, ZMQ_DONTWAIT) < 0)
            more = 0;
        else
            more = zmq_msg_more(&part);
        zmq_msg_close(&part);
    }
}

/* One event: forward [topic][payload] to the XPUB and copy it to the tap.
 * Returns false when nothing more is waiting. */
static bool s_forward_one(s_loop_t *self)
{
    zmq_msg_t topic, payload, topic2, payload2;
    zmq_msg_init(&topic);
    zmq_msg_init(&payload);
    if (zmq_msg_recv(&topic, self->xsub, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&topic);
        zmq_msg_close(&payload);
        return false;
    }
    bool ok = zmq_msg_more(&topic)
              && zmq_msg_recv(&payload, self->xsub, ZMQ_DONTWAIT) >= 0
              && !zmq_msg_more(&payload) && s_event_valid(&topic, &payload);
    if (!ok) {
        s_drain(self->xsub);
        s_count(self->stats->events_dropped, 1);
        xgc_log_limited_write(&self->ratelimit, XGC_LOG_WARN,
                              "malformed event dropped first_frame_bytes=%zu",
                              zmq_msg_size(&topic));
        zmq_msg_close(&topic);
        zmq_msg_close(&payload);
        return true;
    }
    if (!xgc_security_guard_event(self->guard, &topic)) {  /* security: by role */
        s_count(self->stats->events_dropped, 1);
        zmq_msg_close(&topic);
        zmq_msg_close(&payload);
        return true;
    }
    bool tap = self->tap_topics > 0;
    if (tap) {
        zmq_msg_init(&topic2);
        zmq_msg_init(&payload2);
        zmq_msg_copy(&topic2, &topic);
        zmq_msg_copy(&payload2, &payload);
    }
    if (zmq_msg_send(&topic, self->xpub, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0
        || zmq_msg_send(&payload, self->xpub, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&topic);
        zmq_msg_close(&payload);
    }
    s_count(self->stats->events_in, 1);
    if (tap)
        s_tap_send(self, &topic2, XGC_BUS_TAP_EVENT, 0, 0, &payload2);
    return true;
}

/* Subscriptions arriving at an XPUB (the events XPUB or the tap): counted
 * in *topics (the XSUB takes everything anyway). */
static void s_read_subscriptions(void *xpub, uint64_t *topics)
{
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    while (zmq_msg_recv(&msg, xpub, ZMQ_DONTWAIT) >= 0) {
        const uint8_t *p = zmq_msg_data(&msg);
        if (zmq_msg_size(&msg) >= 1 && p[0] == 1)
            s_count(*topics, 1);
        else
        if (zmq_msg_size(&msg) >= 1 && p[0] == 0)
            s_count(*topics, (uint64_t)-1);
        if (zmq_msg_more(&msg))
            s_drain(xpub);
    }
    zmq_msg_close(&msg);
}

/* State changes from the owner, [key][seq,epoch][value], in a burst. */
static void s_read_feed(s_loop_t *self)
{
    void *feed = zsock_resolve(self->feed_in);
    for (int i = 0; i < BURST; i++) {
        zmq_msg_t key, meta, value;
        zmq_msg_init(&key);
        zmq_msg_init(&meta);
        zmq_msg_init(&value);
        bool got = zmq_msg_recv(&key, feed, ZMQ_DONTWAIT) >= 0;
        if (got && zmq_msg_recv(&meta, feed, 0) >= 0 && zmq_msg_recv(&value, feed, 0) >= 0
            && zmq_msg_size(&meta) == XGC_BUS_UPDATE_META && self->tap_topics > 0) {
            const uint8_t *m = zmq_msg_data(&meta);
            int kind = zmq_msg_size(&value) ? XGC_BUS_TAP_SET : XGC_BUS_TAP_DEL;
            s_tap_send(self, &key, kind, xgc_bus_get_u64(m), xgc_bus_get_u64(m + 8),
                       &value);
        }
        zmq_msg_close(&key);
        zmq_msg_close(&meta);
        zmq_msg_close(&value);
        if (!got)
            break;
    }
}

static void s_proxy_actor(zsock_t *pipe, void *args)
{
    s_loop_t *self = args;
    zsock_signal(pipe, 0);
    zmq_pollitem_t items[] = {
        {self->xsub, 0, ZMQ_POLLIN, 0},
        {self->xpub, 0, ZMQ_POLLIN, 0},
        {zsock_resolve(pipe), 0, ZMQ_POLLIN, 0},
        {self->tap, 0, ZMQ_POLLIN, 0},
        {zsock_resolve(self->feed_in), 0, ZMQ_POLLIN, 0},
    };
    uint64_t tap_topics = 0;
    for (;;) {
        if (zmq_poll(items, 5, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        self->now_ms = zclock_time();
        if (items[3].revents) {
            s_read_subscriptions(self->tap, &tap_topics);
            self->tap_topics = (int64_t)tap_topics;
        }
        for (int i = 0; items[0].revents && i < BURST; i++)
            if (!s_forward_one(self))
                break;
        if (items[1].revents)
            s_read_subscriptions(self->xpub, &self->stats->subscriptions);
        if (items[4].revents)
            s_read_feed(self);
        if (items[2].revents)
            break;                              /* $TERM */
    }
    zsock_destroy(&self->xsub_sock);
    zsock_destroy(&self->xpub_sock);
    zsock_destroy(&self->tap_sock);
    zsock_destroy(&self->feed_in);
    xgc_security_guard_destroy(&self->guard);
    free(self);
}

/* ---- the owner's side ---------------------------------------------------- */

zsock_t *xgc_broker_bind(const xgc_config_t *cfg, int type, int offset, int hwm,
                         char *err, size_t errlen)
{
    char endpoint[XGC_PATH_MAX + 16];
    if (xgc_config_bind_endpoint(cfg, offset, endpoint, sizeof endpoint) < 0) {
        snprintf(err, errlen, "bad broker endpoint '%s'", cfg->broker_endpoint);
        return NULL;
    }
    zsock_t *sock = zsock_new(type);
    assert(sock);
    zsock_set_sndhwm(sock, hwm);
    zsock_set_rcvhwm(sock, hwm);
    zsock_set_maxmsgsize(sock, cfg->max_msg_bytes);
    zsock_set_sndtimeo(sock, 0);
    xgc_security_server_apply(sock);            /* CURVE server, if configured */
    if (zsock_bind(sock, "%s", endpoint) < 0) {
        snprintf(err, errlen, "cannot bind %s: %s", endpoint, zmq_strerror(errno));
        zsock_destroy(&sock);
    }
    return sock;
}

xgc_proxy_t *xgc_proxy_new(const xgc_config_t *cfg, char *err, size_t errlen)
{
    s_loop_t *loop = calloc(1, sizeof *loop);
    assert(loop);
    xgc_ratelimit_init(&loop->ratelimit, 5, 1000);
    loop->xsub_sock = xgc_broker_bind(cfg, ZMQ_XSUB, XGC_PORT_EV_IN, EVENT_HWM, err, errlen);
    if (loop->xsub_sock)
        loop->xpub_sock = xgc_broker_bind(cfg, ZMQ_XPUB, XGC_PORT_EV_OUT, EVENT_HWM,
                                          err, errlen);
    if (loop->xpub_sock)
        loop->tap_sock = xgc_broker_bind(cfg, ZMQ_XPUB, XGC_PORT_TAP, TAP_HWM, err, errlen);
    if (!loop->tap_sock) {
        zsock_destroy(&loop->xsub_sock);
        zsock_destroy(&loop->xpub_sock);
        free(loop);
        return NULL;
    }
    loop->xsub = zsock_resolve(loop->xsub_sock);
    loop->xpub = zsock_resolve(loop->xpub_sock);
    loop->tap = zsock_resolve(loop->tap_sock);
    uint8_t subscribe_all = 1;
    zmq_send(loop->xsub, &subscribe_all, 1, 0);

    xgc_proxy_t *self = calloc(1, sizeof *self);
    assert(self);
    char feed[64];
    snprintf(feed, sizeof feed, "inproc://xgc-proxy-feed-%p", (void *)self);
    loop->feed_in = zsock_new(ZMQ_PULL);
    zsock_set_rcvhwm(loop->feed_in, EVENT_HWM);
    zsock_bind(loop->feed_in, "%s", feed);
    self->feed = zsock_new(ZMQ_PUSH);
    zsock_set_sndhwm(self->feed, EVENT_HWM);
    zsock_connect(self->feed, "%s", feed);
    loop->stats = &self->stats;
    loop->guard = xgc_security_guard_new();
    self->loop = loop;
    self->actor = zactor_new(s_proxy_actor, loop);
    return self;
}

void xgc_proxy_destroy(xgc_proxy_t **self_p)
{
    xgc_proxy_t *self = *self_p;
    if (!self)
        return;
    zactor_destroy(&self->actor);
    zsock_destroy(&self->feed);
    free(self);
    *self_p = NULL;
}

void xgc_proxy_tap_state(xgc_proxy_t *self, const char *key, uint64_t seq,
                         uint64_t epoch, const void *value, size_t len)
{
    void *feed = zsock_resolve(self->feed);
    uint8_t meta[XGC_BUS_UPDATE_META];
    xgc_bus_put_u64(meta, seq);
    xgc_bus_put_u64(meta + 8, epoch);
    /* The first part is queued only if the whole message fits the queue, so
     * a refused first part means nothing was queued. */
    if (zmq_send(feed, key, strlen(key), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
        s_count(self->stats.tap_dropped, 1);
        return;
    }
    zmq_send(feed, meta, sizeof meta, ZMQ_SNDMORE);
    zmq_send(feed, value, value ? len : 0, 0);
}

void xgc_proxy_stats(xgc_proxy_t *self, xgc_proxy_stats_t *stats)
{
    stats->events_in = __atomic_load_n(&self->stats.events_in, __ATOMIC_RELAXED);
    stats->events_dropped = __atomic_load_n(&self->stats.events_dropped, __ATOMIC_RELAXED);
    stats->subscriptions = __atomic_load_n(&self->stats.subscriptions, __ATOMIC_RELAXED);
    stats->tap_sent = __atomic_load_n(&self->stats.tap_sent, __ATOMIC_RELAXED);
    stats->tap_dropped = __atomic_load_n(&self->stats.tap_dropped, __ATOMIC_RELAXED);
}
