/* expect — the table of migrations to receive (expect.h). */
#include <stdio.h>
#include <string.h>

#include "pmd/expect.h"

static long s_index(const xgc_expect_table_t *t, const char *vm)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->items[i].vm, vm) == 0)
            return (long)i;
    return -1;
}

int xgc_expect_put(xgc_expect_table_t *t, const char *vm, uint64_t op_id, int64_t now_ms,
                   int64_t timeout_ms, xgc_expect_t *replaced)
{
    long i = s_index(t, vm);
    int rc = 0;
    if (i >= 0) {
        *replaced = t->items[i];
        rc = 1;
    } else if (t->n == XGC_EXPECT_MAX) {
        return -1;
    } else {
        i = (long)t->n++;
    }
    xgc_expect_t *e = &t->items[i];
    snprintf(e->vm, sizeof e->vm, "%s", vm);
    e->op_id = op_id;
    e->started_ms = now_ms;
    e->expires_ms = now_ms + timeout_ms;
    return rc;
}

int xgc_expect_take(xgc_expect_table_t *t, const char *vm, xgc_expect_t *out)
{
    long i = s_index(t, vm);
    if (i < 0)
        return 0;
    *out = t->items[i];
    t->items[i] = t->items[--t->n];
    return 1;
}

size_t xgc_expect_expire(xgc_expect_table_t *t, int64_t now_ms, xgc_expect_t *out, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < t->n && k < max; i++)
        if (now_ms >= t->items[i].expires_ms) {
            out[k++] = t->items[i];
            t->items[i--] = t->items[--t->n];
        }
    return k;
}
