/* proxy — see proxy.h. The loop reads events in bursts (up to BURST per
 * wake-up) and moves frames with zmq_msg_t, so that forwarding costs one
 * copy-free send per frame; the tap copy is a reference-counted zmq_msg_copy.
 * State changes arrive from the broker's main thread on the actor pipe as
 * [key][seq,epoch][value]; "$TERM" there stops the loop.
 */
#include "broker/proxy.h"

#include <czmq.h>

#include "xgc_bus.h"
#include "xgc_log.h"

#define BURST       1024
#define EVENT_HWM   10000       /* per-pipe queue of the XSUB/XPUB */
#define TAP_HWM     1000        /* per-tail queue on the tap (then drops) */

typedef struct {
    void *xsub, *xpub, *tap;    /* raw libzmq handles of the zsocks below */
    zsock_t *xsub_sock, *xpub_sock, *tap_sock;
    xgc_proxy_stats_t *stats;   /* shared with the owner (atomic updates) */
    uint64_t tap_seq;
    xgc_ratelimit_t ratelimit;
} s_loop_t;

struct _xgc_proxy_t {
    zactor_t *actor;
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
    xgc_bus_put_u64(meta + 25, (uint64_t)zclock_time());
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
    zmq_msg_init(&topic2);
    zmq_msg_init(&payload2);
    zmq_msg_copy(&topic2, &topic);
    zmq_msg_copy(&payload2, &payload);
    if (zmq_msg_send(&topic, self->xpub, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0
        || zmq_msg_send(&payload, self->xpub, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&topic);
        zmq_msg_close(&payload);
    }
    s_count(self->stats->events_in, 1);
    s_tap_send(self, &topic2, XGC_BUS_TAP_EVENT, 0, 0, &payload2);
    return true;
}

/* Subscriptions from the XPUB: counted only (the XSUB takes everything). */
static void s_read_subscriptions(s_loop_t *self)
{
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    while (zmq_msg_recv(&msg, self->xpub, ZMQ_DONTWAIT) >= 0) {
        const uint8_t *p = zmq_msg_data(&msg);
        if (zmq_msg_size(&msg) >= 1 && p[0] == 1)
            s_count(self->stats->subscriptions, 1);
        else
        if (zmq_msg_size(&msg) >= 1 && p[0] == 0)
            s_count(self->stats->subscriptions, (uint64_t)-1);
        if (zmq_msg_more(&msg))
            s_drain(self->xpub);
    }
    zmq_msg_close(&msg);
}

/* A state change from the owner, or $TERM: returns -1 to stop. */
static int s_read_pipe(s_loop_t *self, void *pipe)
{
    zmq_msg_t key, meta, value;
    zmq_msg_init(&key);
    zmq_msg_init(&meta);
    zmq_msg_init(&value);
    int rc = 0;
    if (zmq_msg_recv(&key, pipe, 0) < 0
        || (zmq_msg_size(&key) == 5 && !memcmp(zmq_msg_data(&key), "$TERM", 5)))
        rc = -1;
    else
    if (zmq_msg_recv(&meta, pipe, 0) >= 0 && zmq_msg_recv(&value, pipe, 0) >= 0
        && zmq_msg_size(&meta) == XGC_BUS_UPDATE_META) {
        const uint8_t *m = zmq_msg_data(&meta);
        int kind = zmq_msg_size(&value) ? XGC_BUS_TAP_SET : XGC_BUS_TAP_DEL;
        s_tap_send(self, &key, kind, xgc_bus_get_u64(m), xgc_bus_get_u64(m + 8),
                   &value);
    }
    zmq_msg_close(&key);
    zmq_msg_close(&meta);
    zmq_msg_close(&value);
    return rc;
}

static void s_proxy_actor(zsock_t *pipe, void *args)
{
    s_loop_t *self = args;
    zsock_signal(pipe, 0);
    zmq_pollitem_t items[] = {
        {self->xsub, 0, ZMQ_POLLIN, 0},
        {self->xpub, 0, ZMQ_POLLIN, 0},
        {zsock_resolve(pipe), 0, ZMQ_POLLIN, 0},
    };
    for (;;) {
        if (zmq_poll(items, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; items[0].revents && i < BURST; i++)
            if (!s_forward_one(self))
                break;
        if (items[1].revents)
            s_read_subscriptions(self);
        if (items[2].revents && s_read_pipe(self, items[2].socket) < 0)
            break;
    }
    zsock_destroy(&self->xsub_sock);
    zsock_destroy(&self->xpub_sock);
    zsock_destroy(&self->tap_sock);
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
        loop->tap_sock = xgc_broker_bind(cfg, ZMQ_PUB, XGC_PORT_TAP, TAP_HWM, err, errlen);
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
    loop->stats = &self->stats;
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
    free(self);
    *self_p = NULL;
}

void xgc_proxy_tap_state(xgc_proxy_t *self, const char *key, uint64_t seq,
                         uint64_t epoch, const void *value, size_t len)
{
    void *pipe = zsock_resolve(self->actor);
    uint8_t meta[XGC_BUS_UPDATE_META];
    xgc_bus_put_u64(meta, seq);
    xgc_bus_put_u64(meta + 8, epoch);
    /* The first part is queued only if the whole message fits the pipe, so
     * a refused first part means nothing was queued. */
    if (zmq_send(pipe, key, strlen(key), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
        s_count(self->stats.tap_dropped, 1);
        return;
    }
    zmq_send(pipe, meta, sizeof meta, ZMQ_SNDMORE);
    zmq_send(pipe, value, value ? len : 0, 0);
}

void xgc_proxy_stats(xgc_proxy_t *self, xgc_proxy_stats_t *stats)
{
    stats->events_in = __atomic_load_n(&self->stats.events_in, __ATOMIC_RELAXED);
    stats->events_dropped = __atomic_load_n(&self->stats.events_dropped, __ATOMIC_RELAXED);
    stats->subscriptions = __atomic_load_n(&self->stats.subscriptions, __ATOMIC_RELAXED);
    stats->tap_sent = __atomic_load_n(&self->stats.tap_sent, __ATOMIC_RELAXED);
    stats->tap_dropped = __atomic_load_n(&self->stats.tap_dropped, __ATOMIC_RELAXED);
}
