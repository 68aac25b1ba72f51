/* plandiff — desired placement vs current plan keys → minimal writes.
 * See plandiff.h. Both lists are sorted by (vm, host) and walked together,
 * one VM at a time. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/plandiff.h"

/* Differences smaller than this (MHz or weight) are noise, not changes. */
#define XGC_PLANDIFF_EPS 0.5

typedef struct {
    xgc_plandiff_op_t *ops;
    size_t n, cap;
} s_oplist_t;

static int s_by_vm_host(const void *a, const void *b)
{
    const xgc_plan_entry_t *x = *(xgc_plan_entry_t *const *)a;
    const xgc_plan_entry_t *y = *(xgc_plan_entry_t *const *)b;
    int c = strcmp(x->vm, y->vm);
    return c ? c : strcmp(x->host, y->host);
}

static int s_by_host(const void *a, const void *b)
{
    const xgc_power_state_t *x = *(xgc_power_state_t *const *)a;
    const xgc_power_state_t *y = *(xgc_power_state_t *const *)b;
    return strcmp(x->host, y->host);
}

/* Sorted array of pointers into list; NULL on allocation failure. */
static const void **s_sorted(const void *list, size_t n, size_t size,
                             int (*cmp)(const void *, const void *))
{
    const void **p = malloc((n ? n : 1) * sizeof *p);
    if (!p)
        return NULL;
    for (size_t i = 0; i < n; i++)
        p[i] = (const char *)list + i * size;
    qsort(p, n, sizeof *p, cmp);
    return p;
}

static xgc_plandiff_op_t *s_push(s_oplist_t *l)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        xgc_plandiff_op_t *ops = realloc(l->ops, cap * sizeof *ops);
        if (!ops)
            return NULL;
        l->ops = ops;
        l->cap = cap;
    }
    xgc_plandiff_op_t *op = &l->ops[l->n++];
    memset(op, 0, sizeof *op);
    return op;
}

bool xgc_plandiff_same(const xgc_plan_entry_t *a, const xgc_plan_entry_t *b)
{
    return a->state == b->state && !strcmp(a->from, b->from) && !strcmp(a->left, b->left)
        && fabs(a->cap_mhz - b->cap_mhz) < XGC_PLANDIFF_EPS
        && fabs(a->weight - b->weight) < XGC_PLANDIFF_EPS;
}

/* The command a write of `want` announces, given the entry it replaces at
 * the same key (or NULL). */
static xgc_plandiff_cmd_t s_write_cmd(const xgc_plan_entry_t *want,
                                      const xgc_plan_entry_t *old)
{
    if (want->state == XGC_PLAN_STOP)
        return old && old->state == XGC_PLAN_RUN ? XGC_CMD_DESTROY : XGC_CMD_NONE;
    if (!old || old->state == XGC_PLAN_STOP)
        return want->from[0] ? XGC_CMD_MIGRATE : XGC_CMD_CREATE;
    if (fabs(want->cap_mhz - old->cap_mhz) >= XGC_PLANDIFF_EPS
        || fabs(want->weight - old->weight) >= XGC_PLANDIFF_EPS)
        return XGC_CMD_ADJUST;
    return XGC_CMD_NONE;         /* only `from` changed: bookkeeping */
}

/* One VM: its desired entry (or NULL) against its current entries. Writes
 * go to `writes`, deletes to `deletes`. */
static int s_diff_vm(const xgc_plan_entry_t *want,
                     const xgc_plan_entry_t *const *cur, size_t n_cur,
                     s_oplist_t *writes, s_oplist_t *deletes)
{
    const xgc_plan_entry_t *same_key = NULL;
    for (size_t i = 0; i < n_cur; i++) {
        if (want && !strcmp(cur[i]->host, want->host)) {
            same_key = cur[i];
            continue;
        }
        xgc_plandiff_op_t *op = s_push(deletes);
        if (!op)
            return -1;
        op->kind = XGC_PLANDIFF_DELETE;
        op->entry = *cur[i];
        /* A VM leaving for good is destroyed; one that moves is not. */
        if (!want && cur[i]->state == XGC_PLAN_RUN) {
            op->cmd = XGC_CMD_DESTROY;
            snprintf(op->cmd_host, sizeof op->cmd_host, "%s", cur[i]->host);
        }
    }
    if (!want || (same_key && xgc_plandiff_same(want, same_key)))
        return 0;
    xgc_plandiff_op_t *op = s_push(writes);
    if (!op)
        return -1;
    op->kind = XGC_PLANDIFF_WRITE;
    op->entry = *want;
    op->cmd = s_write_cmd(want, same_key);
    if (op->cmd != XGC_CMD_NONE)
        snprintf(op->cmd_host, sizeof op->cmd_host, "%s", want->host);
    return 0;
}

static int s_diff_entries(const xgc_plan_entry_t *const *d, size_t nd,
                          const xgc_plan_entry_t *const *c, size_t nc,
                          s_oplist_t *writes, s_oplist_t *deletes,
                          char *err, size_t errlen)
{
    for (size_t i = 1; i < nd; i++)
        if (!strcmp(d[i - 1]->vm, d[i]->vm)) {
            snprintf(err, errlen, "VM '%s' desired on two PMs (%s, %s)",
                     d[i]->vm, d[i - 1]->host, d[i]->host);
            return -1;
        }
    for (size_t i = 1; i < nc; i++)
        if (!s_by_vm_host(&c[i - 1], &c[i])) {
            snprintf(err, errlen, "plan key plan/%s/%s listed twice",
                     c[i]->host, c[i]->vm);
            return -1;
        }
    size_t i = 0, j = 0;
    while (i < nd || j < nc) {
        const char *vm = i < nd && (j >= nc || strcmp(d[i]->vm, c[j]->vm) <= 0)
                             ? d[i]->vm : c[j]->vm;
        const xgc_plan_entry_t *want = i < nd && !strcmp(d[i]->vm, vm) ? d[i++] : NULL;
        size_t first = j;
        while (j < nc && !strcmp(c[j]->vm, vm))
            j++;
        if (s_diff_vm(want, c + first, j - first, writes, deletes) < 0) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    return 0;
}

/* Power changes: ons go to `ons`, offs to `offs`. A PM without a power key
 * is on; writing "on" for it is bookkeeping, not a command. */
static int s_diff_power(const xgc_power_state_t *const *w, size_t nw,
                        const xgc_power_state_t *const *c, size_t nc,
                        s_oplist_t *ons, s_oplist_t *offs)
{
    size_t j = 0;
    for (size_t i = 0; i < nw; i++) {
        while (j < nc && strcmp(c[j]->host, w[i]->host) < 0)
            j++;
        const xgc_power_state_t *cur = j < nc && !strcmp(c[j]->host, w[i]->host) ? c[j] : NULL;
        if (cur && cur->state == w[i]->state)
            continue;
        bool on = w[i]->state == XGC_POWER_ON;
        xgc_plandiff_op_t *op = s_push(on ? ons : offs);
        if (!op)
            return -1;
        op->kind = XGC_PLANDIFF_POWER;
        op->power = *w[i];
        if (cur || !on) {
            op->cmd = on ? XGC_CMD_POWER_ON : XGC_CMD_POWER_OFF;
            snprintf(op->cmd_host, sizeof op->cmd_host, "%s", w[i]->host);
        }
    }
    return 0;
}

/* dst += src (moves the ops, frees src's array). */
static int s_append(s_oplist_t *dst, s_oplist_t *src)
{
    for (size_t i = 0; i < src->n; i++) {
        xgc_plandiff_op_t *op = s_push(dst);
        if (!op)
            return -1;
        *op = src->ops[i];
    }
    free(src->ops);
    src->ops = NULL;
    src->n = src->cap = 0;
    return 0;
}

int xgc_plandiff_compute(const xgc_plan_entry_t *desired, size_t n_desired,
                         const xgc_plan_entry_t *current, size_t n_current,
                         const xgc_power_state_t *want_power, size_t n_want,
                         const xgc_power_state_t *cur_power, size_t n_cur,
                         xgc_plandiff_op_t **ops, size_t *n_ops,
                         char *err, size_t errlen)
{
    s_oplist_t out = {0}, ons = {0}, writes = {0}, deletes = {0}, offs = {0};
    const void **d = s_sorted(desired, n_desired, sizeof *desired, s_by_vm_host);
    const void **c = s_sorted(current, n_current, sizeof *current, s_by_vm_host);
    const void **pw = s_sorted(want_power, n_want, sizeof *want_power, s_by_host);
    const void **pc = s_sorted(cur_power, n_cur, sizeof *cur_power, s_by_host);
    int rc = -1;
    *ops = NULL;
    *n_ops = 0;
    snprintf(err, errlen, "out of memory");
    if (!d || !c || !pw || !pc)
        goto done;
    if (s_diff_entries((const xgc_plan_entry_t *const *)d, n_desired,
                       (const xgc_plan_entry_t *const *)c, n_current,
                       &writes, &deletes, err, errlen) < 0)
        goto done;
    snprintf(err, errlen, "out of memory");
    if (s_diff_power((const xgc_power_state_t *const *)pw, n_want,
                     (const xgc_power_state_t *const *)pc, n_cur, &ons, &offs) < 0)
        goto done;
    /* Power on first (a PM must be up to receive), power off last. */
    if (s_append(&out, &ons) || s_append(&out, &writes)
        || s_append(&out, &deletes) || s_append(&out, &offs))
        goto done;
    *ops = out.ops;
    *n_ops = out.n;
    out.ops = NULL;
    err[0] = 0;
    rc = 0;
done:
    free(out.ops);
    free(ons.ops);
    free(writes.ops);
    free(deletes.ops);
    free(offs.ops);
    free(d);
    free(c);
    free(pw);
    free(pc);
    return rc;
}

const char *xgc_plandiff_cmd_name(xgc_plandiff_cmd_t cmd)
{
    static const char *names[] = {"", "create", "migrate", "adjust",
                                  "destroy", "power_on", "power_off"};
    return cmd >= 0 && cmd <= XGC_CMD_POWER_OFF ? names[cmd] : "";
}
