/* xgc_bus — the one bus client every xgc component uses.
 *
 * The broker (xgc-broker) offers two channels, on consecutive TCP ports from
 * the deployment's base endpoint (broker.endpoint, XGC_PORT_* in
 * xgc_config.h):
 *   - events: lossy, topic-prefixed pub/sub through the broker's XSUB/XPUB;
 *   - state:  the blackboard (Clone pattern). The client keeps a local replica
 *     of the prefixes it watches: a snapshot, then sequenced updates; a gap in
 *     the sequence or a new broker epoch makes it re-snapshot by itself.
 *     Writes (set/del, optional TTL) are queued and resent until the broker
 *     acknowledges them as durable on disk; each write carries this client's
 *     id and a client sequence number, so a resent write is applied once.
 *
 * The object is not thread-safe and owns no thread: its sockets are served
 * from the owner's loop, either a czmq zloop (xgc_bus_attach) or any loop
 * that calls xgc_bus_poll() (tools, zpoller loops). Callbacks run inside
 * those calls. Wire format: docs/bus.md.
 */
#ifndef XGC_BUS_H
#define XGC_BUS_H

#include <czmq.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xgc_config.h"

/* Longest key or topic. Keys/topics are printable ASCII, no spaces. */
#define XGC_BUS_MAX_KEY    255
/* Most prefixes one client may watch (they travel in one snapshot request). */
#define XGC_BUS_MAX_WATCH  60

typedef struct _xgc_bus_t xgc_bus_t;

/* Callbacks to the owner; any may be NULL. Pointers are valid only during
 * the call. */
typedef struct {
    /* An event matching one of the subscribed prefixes. */
    void (*event)(void *arg, const char *topic, const uint8_t *data, size_t len);
    /* A key under a watched prefix changed: value NULL (len 0) = deleted.
     * After a re-snapshot the owner gets exactly the differences. */
    void (*change)(void *arg, const char *key, const uint8_t *value, size_t len,
                   uint64_t seq);
    /* The replica is (again) a consistent copy of the broker's state. */
    void (*synced)(void *arg, uint64_t epoch, uint64_t seq);
    /* The broker refused a write (bad key/value): it will not be retried. */
    void (*write_failed)(void *arg, const char *key, const char *reason);
} xgc_bus_handlers_t;

/* Connect to the broker of deployment cfg (broker.endpoint, max_msg_bytes;
 * cfg need not outlive the bus); identity names this client in logs and in
 * its writes' client id (a random suffix makes it unique per instance).
 * Connecting never blocks: ZeroMQ reconnects by itself. */
xgc_bus_t *xgc_bus_new(const xgc_config_t *cfg, const char *identity);
void xgc_bus_destroy(xgc_bus_t **self_p);

void xgc_bus_set_handlers(xgc_bus_t *self, const xgc_bus_handlers_t *handlers,
                          void *arg);

/* ---- events (lossy) ---------------------------------------------------- */
/* Publish a msgpack payload under a topic. 0, or -1 (bad topic, would
 * block; an event is never queued beyond the high-water mark). */
int xgc_bus_publish(xgc_bus_t *self, const char *topic, const void *data,
                    size_t len);
/* Receive events whose topic starts with prefix ("" = all). */
int xgc_bus_subscribe(xgc_bus_t *self, const char *prefix);

/* ---- state (the blackboard) -------------------------------------------- */
/* Keep a replica of every key starting with prefix. Up to XGC_BUS_MAX_WATCH
 * prefixes may be watched; adding one re-snapshots them all (do it at
 * start). -1 if too long or too many. */
int xgc_bus_watch(xgc_bus_t *self, const char *prefix);
/* True when the replica is consistent with the broker (after the snapshot,
 * no gap since, same epoch, broker heard from recently). */
bool xgc_bus_synced(xgc_bus_t *self);
/* Poll until synced or timeout_ms passed: 0 or -1. */
int xgc_bus_wait_synced(xgc_bus_t *self, int timeout_ms);

/* Value of key in the replica (NULL if absent or not watched). */
const uint8_t *xgc_bus_get(xgc_bus_t *self, const char *key, size_t *len,
                           uint64_t *seq);
/* Call fn for every replica key starting with prefix, in key order. */
typedef void (xgc_bus_each_fn)(void *arg, const char *key, const uint8_t *value,
                               size_t len, uint64_t seq);
void xgc_bus_foreach(xgc_bus_t *self, const char *prefix, xgc_bus_each_fn *fn,
                     void *arg);
size_t xgc_bus_count(xgc_bus_t *self);

/* Queue a write; it is resent until acknowledged. ttl_ms 0 = no TTL (the
 * broker deletes the key ttl_ms after this write, publishing the delete).
 * 0, or -1 on a bad key/value (nothing queued). Writes of one client are
 * applied in the order they were queued. */
int xgc_bus_set(xgc_bus_t *self, const char *key, const void *value, size_t len,
                uint64_t ttl_ms);
int xgc_bus_del(xgc_bus_t *self, const char *key);
/* Writes queued and not yet acknowledged. */
size_t xgc_bus_pending(xgc_bus_t *self);
/* Poll until every queued write is acknowledged: 0, or -1 on timeout. */
int xgc_bus_flush(xgc_bus_t *self, int timeout_ms);
/* Blocking write for tools: set/del then flush. */
int xgc_bus_set_sync(xgc_bus_t *self, const char *key, const void *value,
                     size_t len, uint64_t ttl_ms, int timeout_ms);
int xgc_bus_del_sync(xgc_bus_t *self, const char *key, int timeout_ms);

/* Ask the broker's status: a msgpack map (caller frees *data), 0 or -1. */
int xgc_bus_status(xgc_bus_t *self, int timeout_ms, uint8_t **data, size_t *len);

/* ---- driving it -------------------------------------------------------- */
/* Serve everything ready, waiting up to timeout_ms (0 = don't wait) for the
 * first message; runs the retry/resync timers. Returns messages handled, or
 * -1 if interrupted. Call at least every 100 ms when not attached. */
int xgc_bus_poll(xgc_bus_t *self, int timeout_ms);
/* Register the bus's sockets and timers in a zloop (the owner's reactor). */
int xgc_bus_attach(xgc_bus_t *self, zloop_t *loop);
void xgc_bus_detach(xgc_bus_t *self, zloop_t *loop);
/* For a zpoller: add the bus's sockets; when zpoller_wait returns one for
 * which xgc_bus_owns() is true, call xgc_bus_poll(self, 0). */
void xgc_bus_poller_add(xgc_bus_t *self, zpoller_t *poller);
bool xgc_bus_owns(xgc_bus_t *self, void *sock);

/* ---- wire helpers (broker and clients; formats in docs/bus.md) ---------- */
/* Tap frame 2 ("meta"): kind, tap seq, state seq, epoch, broker time (ms). */
enum { XGC_BUS_TAP_EVENT = 'E', XGC_BUS_TAP_SET = 'S', XGC_BUS_TAP_DEL = 'D' };
#define XGC_BUS_TAP_META  33
#define XGC_BUS_UPDATE_META 16  /* update frame 2: seq, epoch */
void xgc_bus_put_u64(uint8_t *p, uint64_t v);          /* big-endian */
uint64_t xgc_bus_get_u64(const uint8_t *p);

/* True if s is a valid key/topic: 1..XGC_BUS_MAX_KEY printable ASCII, no
 * space, not starting with '$'. */
bool xgc_bus_key_valid(const char *s, size_t len);
/* True if data looks like a msgpack map (first byte): values and event
 * payloads must be maps. */
bool xgc_bus_value_valid(const void *data, size_t len);

#endif
