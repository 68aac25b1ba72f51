/* store — the broker's durable key/value store (the blackboard), with no
 * sockets and no clock of its own (callers pass "now").
 *
 * A hash of key → (value, seq, expiry), a global sequence number, a TTL index
 * (a min-heap of expiry times), a table of writers (client id → last client
 * sequence applied, so that a resent write is applied once), and on disk,
 * under one directory:
 *   snapshot   the whole store at some seq (written to snapshot.tmp, fsynced,
 *              renamed: a snapshot is either the old or the new one);
 *   journal    records appended since that snapshot.
 * Writes are buffered in memory; xgc_store_sync() appends them and
 * fdatasyncs once for the whole batch (group commit): the caller
 * acknowledges writes only after it returns 0. On open, the snapshot is
 * loaded and the journal replayed up to its first torn or corrupt record
 * (which can only belong to a batch that was never synced, hence never
 * acknowledged); the file is cut there. Record format: docs/bus.md.
 */
#ifndef XGC_STORE_H
#define XGC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _xgc_store_t xgc_store_t;

typedef struct {
    const uint8_t *value;
    size_t len;
    uint64_t seq;               /* seq of the write that set it */
    int64_t expires_ms;         /* wall-clock ms, 0 = no TTL */
} xgc_store_item_t;

/* Write outcome. */
enum { XGC_STORE_APPLIED = 1, XGC_STORE_DUPLICATE = 0, XGC_STORE_OUT_OF_ORDER = -1 };

/* Open (creating dir if needed) and load. NULL with a message in err. */
xgc_store_t *xgc_store_open(const char *dir, char *err, size_t errlen);
/* Close without syncing what is pending (as a crash would). */
void xgc_store_destroy(xgc_store_t **self_p);

/* Set / delete. cid NULL or "" = the broker itself (no dedup). A write whose
 * cseq was already applied for cid returns DUPLICATE; one that skips a cseq
 * of a known cid returns OUT_OF_ORDER (nothing changes); else APPLIED with
 * *seq set. The caller checks key and value validity. */
int xgc_store_set(xgc_store_t *self, const char *cid, uint64_t cseq,
                  const char *key, const void *value, size_t len,
                  int64_t expires_ms, int64_t now_ms, uint64_t *seq);
int xgc_store_del(xgc_store_t *self, const char *cid, uint64_t cseq,
                  const char *key, int64_t now_ms, uint64_t *seq);

/* Consume cseq of cid without a change (a refused write), so that the
 * writer's next write is in order. Same return values. */
int xgc_store_skip(xgc_store_t *self, const char *cid, uint64_t cseq,
                   int64_t now_ms);

/* The last client sequence applied for writer cid: true if cid is known. */
bool xgc_store_writer(xgc_store_t *self, const char *cid, uint64_t *last_cseq);

bool xgc_store_get(xgc_store_t *self, const char *key, xgc_store_item_t *item);
typedef void (xgc_store_each_fn)(void *arg, const char *key,
                                 const xgc_store_item_t *item);
/* Every key starting with prefix, in no particular order. */
void xgc_store_foreach(xgc_store_t *self, const char *prefix,
                       xgc_store_each_fn *fn, void *arg);

/* Delete every key whose expiry is <= now_ms (journaled like any write);
 * fn (may be NULL) is told each deleted key and the delete's seq. Returns how
 * many. next_expiry: earliest pending expiry, or 0. */
typedef void (xgc_store_expired_fn)(void *arg, const char *key, uint64_t seq);
size_t xgc_store_expire(xgc_store_t *self, int64_t now_ms,
                        xgc_store_expired_fn *fn, void *arg);
int64_t xgc_store_next_expiry(xgc_store_t *self);

/* Append the buffered records and fdatasync: 0, or -1 (errno kept). */
int xgc_store_sync(xgc_store_t *self);
/* Sync, write a new snapshot atomically, empty the journal. Writers not
 * heard from for forget_ms are dropped from the dedup table. 0 or -1. */
int xgc_store_compact(xgc_store_t *self, int64_t now_ms, int64_t forget_ms);

uint64_t xgc_store_seq(xgc_store_t *self);
size_t xgc_store_size(xgc_store_t *self);
size_t xgc_store_pending(xgc_store_t *self);       /* records not yet synced */
size_t xgc_store_pending_bytes(xgc_store_t *self); /* their size */
uint64_t xgc_store_journal_bytes(xgc_store_t *self);
size_t xgc_store_writers(xgc_store_t *self);       /* dedup table size */
/* Bytes cut from the journal's tail at open (torn or corrupt records). */
uint64_t xgc_store_torn_bytes(xgc_store_t *self);

#endif
