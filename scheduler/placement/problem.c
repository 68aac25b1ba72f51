/* problem — the placement model in flat arrays, water-filling, and scoring.
 *
 * The specs are copied once into structure-of-arrays form (what the inner
 * loops read), with the derived per-VM values precomputed: the slope g and
 * the level t = (max − min)/shares at which water-filling caps a VM at its
 * max. PMs are grouped into classes of equal (capacity, memory, cost): empty
 * PMs of one class are interchangeable, so the algorithms try one per class.
 */
#define _GNU_SOURCE /* qsort_r */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/placement/internal.h"

xgc_place_problem_t *xgc_place_problem_new(const xgc_pm_spec_t *pms, size_t npm,
                                           const xgc_vm_spec_t *vms, size_t nvm)
{
    char err[8];
    for (size_t j = 0; j < npm; j++)
        if (xgc_pm_spec_validate(&pms[j], err, sizeof err) < 0)
            return NULL;
    for (size_t i = 0; i < nvm; i++)
        if (xgc_vm_spec_validate(&vms[i], err, sizeof err) < 0)
            return NULL;
    xgc_place_problem_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->npm = npm;
    self->nvm = nvm;
    size_t np = npm ? npm : 1, nv = nvm ? nvm : 1;
    self->pms = malloc(np * sizeof *pms);
    self->vms = malloc(nv * sizeof *vms);
    self->cap = malloc(np * sizeof(double));
    self->pmem = malloc(np * sizeof(double));
    self->cost = malloc(np * sizeof(double));
    self->pm_class = malloc(np * sizeof(int));
    self->pm_by_name = malloc(np * sizeof(int));
    self->vm_by_name = malloc(nv * sizeof(int));
    self->vm = malloc(nv * sizeof *self->vm);
    if (!self->pms || !self->vms || !self->cap || !self->pmem || !self->cost
        || !self->pm_class || !self->pm_by_name || !self->vm_by_name || !self->vm) {
        xgc_place_problem_destroy(&self);
        return NULL;
    }
    if (npm)
        memcpy(self->pms, pms, npm * sizeof *pms);
    if (nvm)
        memcpy(self->vms, vms, nvm * sizeof *vms);
    for (size_t j = 0; j < npm; j++) {
        self->cap[j] = pms[j].cpu_mhz;
        self->pmem[j] = pms[j].mem_mb;
        self->cost[j] = pms[j].power_cost;
    }
    for (size_t i = 0; i < nvm; i++)
        xgc_place_vm_derive(&vms[i], &self->vm[i]);
    xgc_place_problem_index(self);
    return self;
}

void xgc_place_vm_derive(const xgc_vm_spec_t *spec, xgc_place_vm_t *vm)
{
    vm->min = spec->min_mhz;
    vm->max = spec->max_mhz;
    vm->shares = spec->shares;
    vm->mem = spec->mem_mb;
    vm->umin = spec->utility_min;
    vm->umax = spec->utility_max;
    double span = spec->max_mhz - spec->min_mhz;
    vm->slope = span > 0 ? (spec->utility_max - spec->utility_min) / span : 0;
    vm->level = span > 0 ? span / spec->shares : 0;
    vm->tol = 1e-7 * (1 + fabs(spec->utility_max) + fabs(spec->utility_min));
}

void xgc_place_problem_destroy(xgc_place_problem_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    xgc_place_problem_t *self = *self_p;
    free(self->pms);
    free(self->vms);
    free(self->cap);
    free(self->pmem);
    free(self->cost);
    free(self->pm_class);
    free(self->pm_by_name);
    free(self->vm_by_name);
    free(self->vm);
    free(self);
    *self_p = NULL;
}

size_t xgc_place_problem_pms(const xgc_place_problem_t *self) { return self->npm; }
size_t xgc_place_problem_vms(const xgc_place_problem_t *self) { return self->nvm; }

const xgc_pm_spec_t *xgc_place_problem_pm(const xgc_place_problem_t *self, size_t pm)
{
    return &self->pms[pm];
}

const xgc_vm_spec_t *xgc_place_problem_vm(const xgc_place_problem_t *self, size_t vm)
{
    return &self->vms[vm];
}

/* Name lookup: binary search over indices sorted by name. */
static int s_find(const int *sorted, size_t n, const char *names, size_t stride,
                  const char *name)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(names + (size_t)sorted[mid] * stride, name);
        if (c == 0)
            return sorted[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

int xgc_place_problem_find_pm(const xgc_place_problem_t *self, const char *name)
{
    return s_find(self->pm_by_name, self->npm, self->pms[0].name, sizeof self->pms[0], name);
}

int xgc_place_problem_find_vm(const xgc_place_problem_t *self, const char *name)
{
    return s_find(self->vm_by_name, self->nvm, self->vms[0].name, sizeof self->vms[0], name);
}

double xgc_place_utility(const xgc_vm_spec_t *vm, double mhz)
{
    double span = vm->max_mhz - vm->min_mhz;
    if (mhz >= vm->max_mhz)
        return vm->utility_max;
    if (span <= 0 || mhz <= vm->min_mhz)
        return vm->utility_min;
    return vm->utility_min + (vm->utility_max - vm->utility_min) * (mhz - vm->min_mhz) / span;
}

/* ---- water-filling on arbitrary arrays ---------------------------------- */

typedef struct {
    double level;
    size_t index;
} s_level_t;

static int s_level_cmp(const void *a, const void *b)
{
    const s_level_t *x = a, *y = b;
    if (x->level != y->level)
        return x->level < y->level ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

int xgc_place_waterfill(size_t k, const double *min, const double *max, const double *shares,
                        double cap, double *x)
{
    double spare = cap;
    for (size_t i = 0; i < k; i++)
        spare -= min[i];
    if (spare < -XGC_PLACE_EPS * (1 + cap))
        return -1;
    s_level_t *order = malloc((k ? k : 1) * sizeof *order);
    if (!order)
        return -1;
    double weight = 0;
    for (size_t i = 0; i < k; i++) {
        order[i] = (s_level_t){(max[i] - min[i]) / shares[i], i};
        weight += shares[i];
    }
    qsort(order, k, sizeof *order, s_level_cmp);
    /* Raise the common level: VM i gets min + level·shares, capped at max. */
    double level = 0;
    size_t capped = 0;
    while (capped < k && spare > 0
           && xgc_place_raise(&level, &spare, &weight, order[capped].level,
                              shares[order[capped].index]))
        capped++;
    for (size_t r = 0; r < k; r++) {
        size_t i = order[r].index;
        x[i] = r < capped ? max[i] : fmin(max[i], min[i] + level * shares[i]);
    }
    free(order);
    return 0;
}

/* ---- scoring ------------------------------------------------------------- */

int xgc_place_score(const xgc_place_problem_t *problem, const int *pm_of, double *alloc,
                    xgc_place_score_t *score, char *err, size_t errlen)
{
    xgc_place_state_t *state = xgc_place_state_new(problem, pm_of);
    if (!state) {
        xgc_place_check(problem, pm_of, err, errlen);
        return -1;
    }
    xgc_place_state_score(state, score);
    if (alloc)
        for (size_t i = 0; i < problem->nvm; i++)
            alloc[i] = xgc_place_state_alloc(state, i);
    xgc_place_state_destroy(&state);
    return 0;
}

/* Why a placement is refused: the first PM over its capacity or memory. */
int xgc_place_check(const xgc_place_problem_t *p, const int *pm_of, char *err, size_t errlen)
{
    double *min = calloc(p->npm + 1, sizeof *min), *mem = calloc(p->npm + 1, sizeof *mem);
    int rc = 0;
    if (!min || !mem) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }
    for (size_t i = 0; rc == 0 && pm_of && i < p->nvm; i++) {
        int j = pm_of[i];
        if (j == XGC_PLACE_UNPLACED)
            continue;
        if (j < 0 || (size_t)j >= p->npm) {
            snprintf(err, errlen, "vm '%s': no pm %d", p->vms[i].name, j);
            rc = -1;
            break;
        }
        min[j] += p->vm[i].min;
        mem[j] += p->vm[i].mem;
        if (min[j] > p->cap[j] * (1 + XGC_PLACE_EPS) || mem[j] > p->pmem[j] * (1 + XGC_PLACE_EPS)) {
            snprintf(err, errlen, "pm '%s': %s over capacity with vm '%s'", p->pms[j].name,
                     min[j] > p->cap[j] * (1 + XGC_PLACE_EPS) ? "sum of min" : "memory",
                     p->vms[i].name);
            rc = -1;
        }
    }
    free(min);
    free(mem);
    return rc;
}

/* ---- indices ------------------------------------------------------------- */

static int s_pm_name_cmp(const void *a, const void *b, void *arg)
{
    const xgc_place_problem_t *p = arg;
    return strcmp(p->pms[*(const int *)a].name, p->pms[*(const int *)b].name);
}

static int s_vm_name_cmp(const void *a, const void *b, void *arg)
{
    const xgc_place_problem_t *p = arg;
    return strcmp(p->vms[*(const int *)a].name, p->vms[*(const int *)b].name);
}

/* PMs of one class are equal in everything the algorithms look at. */
static int s_class_cmp(const void *a, const void *b, void *arg)
{
    const xgc_place_problem_t *p = arg;
    int x = *(const int *)a, y = *(const int *)b;
    if (p->cap[x] != p->cap[y])
        return p->cap[x] > p->cap[y] ? -1 : 1;
    if (p->pmem[x] != p->pmem[y])
        return p->pmem[x] > p->pmem[y] ? -1 : 1;
    if (p->cost[x] != p->cost[y])
        return p->cost[x] < p->cost[y] ? -1 : 1;
    return (x > y) - (x < y);
}

void xgc_place_problem_index(xgc_place_problem_t *self)
{
    for (size_t j = 0; j < self->npm; j++)
        self->pm_by_name[j] = (int)j;
    for (size_t i = 0; i < self->nvm; i++)
        self->vm_by_name[i] = (int)i;
    qsort_r(self->pm_by_name, self->npm, sizeof(int), s_pm_name_cmp, self);
    qsort_r(self->vm_by_name, self->nvm, sizeof(int), s_vm_name_cmp, self);
    /* Classes: sort a scratch copy by (capacity, memory, cost), number runs. */
    int *order = self->pm_class;
    for (size_t j = 0; j < self->npm; j++)
        order[j] = (int)j;
    qsort_r(order, self->npm, sizeof(int), s_class_cmp, self);
    int *cls = malloc((self->npm ? self->npm : 1) * sizeof *cls);
    self->nclass = 0;
    for (size_t r = 0; cls && r < self->npm; r++) {
        int j = order[r], prev = r ? order[r - 1] : -1;
        if (prev < 0 || self->cap[j] != self->cap[prev] || self->pmem[j] != self->pmem[prev]
            || self->cost[j] != self->cost[prev])
            self->nclass++;
        cls[j] = self->nclass - 1;
    }
    if (cls) {
        memcpy(self->pm_class, cls, self->npm * sizeof *cls);
        free(cls);
    } else {                             /* no memory: every PM its own class */
        for (size_t j = 0; j < self->npm; j++)
            self->pm_class[j] = (int)j;
        self->nclass = (int)self->npm;
    }
}
