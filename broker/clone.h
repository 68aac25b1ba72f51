/* clone — the broker's state channel, after the ZeroMQ Guide's Clone
 * pattern: a ROUTER for snapshots (ICANHAZ), writes and status requests, a
 * PUB of sequenced updates and heartbeats, over the durable store.
 *
 * Group commit: each turn of the loop reads every request waiting (up to a
 * batch), applies the writes to the store in memory, then syncs the journal
 * once, and only then publishes the updates, acknowledges the writes and
 * answers the snapshot requests of that turn (so a snapshot never shows a
 * write that is not yet durable). Frames: docs/bus.md.
 */
#ifndef XGC_CLONE_H
#define XGC_CLONE_H

#include <stddef.h>
#include <stdint.h>

#include "broker/proxy.h"

typedef struct _xgc_clone_t xgc_clone_t;

/* Open the store under <data_dir>/broker, bind the state ports of cfg. The
 * proxy (may be NULL) gets a copy of every change for the tap and answers
 * for the events half of STATUS. NULL with a message in err. */
xgc_clone_t *xgc_clone_new(const xgc_config_t *cfg, xgc_proxy_t *proxy,
                           char *err, size_t errlen);
void xgc_clone_destroy(xgc_clone_t **self_p);

/* Compact when the journal grows past this many bytes (default 64 MiB). */
void xgc_clone_set_compact_bytes(xgc_clone_t *self, uint64_t bytes);
uint64_t xgc_clone_epoch(xgc_clone_t *self);

/* Serve until interrupted (SIGINT/SIGTERM): 0, or -1 if the journal cannot
 * be written (the broker must then stop: it can acknowledge nothing). */
int xgc_clone_run(xgc_clone_t *self);

#endif
