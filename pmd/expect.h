/* expect — the table of migrations a destination has been told to expect
 * (xgc_driver_migrate_in), shared by the drivers that receive VMs. Pure:
 * the caller passes the clock and does its own locking. A receiver takes
 * an entry when the VM's header arrives (and refuses a VM with none); an
 * entry that nothing claimed before its deadline expires, and the driver
 * reports that receive as failed. */
#ifndef XGC_PMD_EXPECT_H
#define XGC_PMD_EXPECT_H

#include <stddef.h>
#include <stdint.h>

#include "xgc_model.h"

#define XGC_EXPECT_MAX 64

typedef struct {
    char vm[XGC_NAME_MAX];
    uint64_t op_id;
    int64_t started_ms, expires_ms;
} xgc_expect_t;

typedef struct {
    xgc_expect_t items[XGC_EXPECT_MAX];
    size_t n;
} xgc_expect_table_t;

/* Expect vm (op op_id) until now + timeout_ms. If it was already expected,
 * the new entry replaces the old one, which is copied to *replaced (and 1
 * is returned, so the caller reports the old op as superseded); 0 if new;
 * -1 if the table is full. */
int xgc_expect_put(xgc_expect_table_t *t, const char *vm, uint64_t op_id, int64_t now_ms,
                   int64_t timeout_ms, xgc_expect_t *replaced);
/* Remove vm's entry into *out: 1, or 0 if it is not expected. */
int xgc_expect_take(xgc_expect_table_t *t, const char *vm, xgc_expect_t *out);
/* Remove the entries past their deadline into out (at most max): count. */
size_t xgc_expect_expire(xgc_expect_table_t *t, int64_t now_ms, xgc_expect_t *out, size_t max);

#endif
