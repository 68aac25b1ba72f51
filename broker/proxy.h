/* proxy — the broker's events channel: an XSUB/XPUB forwarding loop in its
 * own thread (an actor), plus the tap, a PUB socket that gets a copy of
 * every event and every state change for `xgc tail`.
 *
 * Nothing in this loop ever blocks on a peer: XPUB and PUB drop for a slow
 * subscriber (its pipe alone), and every send uses ZMQ_DONTWAIT. Events are
 * two frames, [topic][msgpack map]; anything else is counted, logged at a
 * limited rate and dropped. The XSUB subscribes to everything, so that the
 * tap sees all events and publishers need not wait for subscriptions to
 * travel upstream; subscribers' filters still apply at the XPUB.
 */
#ifndef XGC_PROXY_H
#define XGC_PROXY_H

#include <czmq.h>
#include <stdint.h>
#include <stddef.h>

#include "xgc_config.h"

typedef struct _xgc_proxy_t xgc_proxy_t;

/* Counters, updated by the proxy thread, readable from any thread. */
typedef struct {
    uint64_t events_in;         /* well-formed events forwarded */
    uint64_t events_dropped;    /* malformed/oversized events dropped */
    uint64_t subscriptions;     /* current topic subscriptions at the XPUB */
    uint64_t tap_sent;          /* messages offered to the tap */
    uint64_t tap_dropped;       /* state changes the tap queue refused */
} xgc_proxy_stats_t;

/* Bind the events ports of the deployment (XGC_PORT_EV_IN, _EV_OUT, _TAP)
 * and start. NULL with a message in err if a port cannot be bound. */
xgc_proxy_t *xgc_proxy_new(const xgc_config_t *cfg, char *err, size_t errlen);
void xgc_proxy_destroy(xgc_proxy_t **self_p);

/* Copy a state change (value NULL = delete) to the tap. Never blocks. */
void xgc_proxy_tap_state(xgc_proxy_t *self, const char *key, uint64_t seq,
                         uint64_t epoch, const void *value, size_t len);

void xgc_proxy_stats(xgc_proxy_t *self, xgc_proxy_stats_t *stats);

/* A broker socket bound to port `offset` of cfg, with both high-water marks
 * at hwm and ZMQ_MAXMSGSIZE at cfg's max_msg_bytes; sends never block.
 * NULL with a message in err. (Shared with clone.c.) */
zsock_t *xgc_broker_bind(const xgc_config_t *cfg, int type, int offset, int hwm,
                         char *err, size_t errlen);

#endif
