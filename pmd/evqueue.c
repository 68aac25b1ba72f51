/* evqueue — see evqueue.h. */
#include <stdio.h>
#include <string.h>

#include "pmd/evqueue.h"

int xgc_evqueue_push(xgc_evqueue_t *q, xgc_op_kind_t kind, const char *vm, uint64_t op_id,
                     int ok, const char *reason, int64_t started_ms, int64_t now_ms)
{
    int dropped = q->n == XGC_EVQUEUE_MAX;
    if (dropped)
        memmove(q->items, q->items + 1, --q->n * sizeof *q->items);
    xgc_drv_event_t *e = &q->items[q->n++];
    memset(e, 0, sizeof *e);
    e->op_id = op_id;
    e->kind = kind;
    e->ok = ok;
    snprintf(e->vm, sizeof e->vm, "%s", vm);
    snprintf(e->reason, sizeof e->reason, "%s", reason ? reason : "");
    e->elapsed_ms = started_ms ? now_ms - started_ms : 0;
    return dropped;
}

size_t xgc_evqueue_pop(xgc_evqueue_t *q, xgc_drv_event_t *out, size_t max)
{
    size_t n = q->n < max ? q->n : max;
    memcpy(out, q->items, n * sizeof *out);
    memmove(q->items, q->items + n, (q->n - n) * sizeof *out);
    q->n -= n;
    return n;
}
