/* evqueue — the bounded queue of finished operations and guest events that
 * a driver keeps between two xgc_driver_poll calls, shared by the drivers
 * (sim, xl) so that an event is filled and handed out one way. Pure: the
 * caller passes the clock and does its own locking. Full, it drops the
 * oldest event (the newest says more about the VM's present state). */
#ifndef XGC_PMD_EVQUEUE_H
#define XGC_PMD_EVQUEUE_H

#include "pmd/driver.h"

#define XGC_EVQUEUE_MAX 256

typedef struct {
    xgc_drv_event_t items[XGC_EVQUEUE_MAX];
    size_t n;
} xgc_evqueue_t;

/* Append an event; started_ms 0 (an unsolicited event) gives elapsed 0.
 * reason may be NULL. Returns 1 if the oldest event was dropped, else 0. */
int xgc_evqueue_push(xgc_evqueue_t *q, xgc_op_kind_t kind, const char *vm, uint64_t op_id,
                     int ok, const char *reason, int64_t started_ms, int64_t now_ms);
/* Move up to max events, oldest first, into out: count. */
size_t xgc_evqueue_pop(xgc_evqueue_t *q, xgc_drv_event_t *out, size_t max);

#endif
