/* algorithms — the seed's five placement algorithms (ALGORITHMS.md), the
 * options of their alternatives, and the entry point xgc_place_run.
 *
 * BS, GM and GMM are first-fit packers that reserve a size per VM (max, or
 * min for GMM's fallback): a fittree over (free CPU, free memory) in PM order
 * finds the first PM with room in O(log N). EMM, PEMM and ours start from an
 * admission at min and improve the plan with moves whose gain is ΔNet under
 * water-filling (expand.c). Orders are stable with the name as the last tie.
 */
#define _GNU_SOURCE /* qsort_r */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/placement/internal.h"

static const char *const s_names[XGC_PLACE_ALGORITHMS] = {"bs", "gm", "gmm", "emm", "pemm",
                                                           "xgc"};

int xgc_place_algorithm_parse(const char *name)
{
    for (int a = 0; a < XGC_PLACE_ALGORITHMS; a++)
        if (!strcmp(name, s_names[a]))
            return a;
    return strcmp(name, "pemm-ls") ? -1 : XGC_PLACE_XGC;
}

const char *xgc_place_algorithm_name(xgc_place_algorithm_t algorithm)
{
    return (unsigned)algorithm < XGC_PLACE_ALGORITHMS ? s_names[algorithm] : "?";
}

xgc_place_options_t xgc_place_options_default(xgc_place_algorithm_t algorithm)
{
    return (xgc_place_options_t){
        .algorithm = algorithm,
        .key = XGC_PLACE_KEY_DEFAULT,
        .pm_order = XGC_PLACE_PMS_DEFAULT,
        .pemm = XGC_PLACE_PEMM_MOVES,
        .pemm_lookahead = 2,
        .pemm_close = true,
        .must_place_all = true,
        .candidates = 4,
        .max_rounds = 50,
    };
}

/* ---- orders ------------------------------------------------------------------ */

static double s_ratio(double u, double x)
{
    return x > 0 ? u / x : (u > 0 ? HUGE_VAL : 0);
}

typedef struct {
    const xgc_place_problem_t *p;
    xgc_place_key_t key;
} s_vm_sort_t;

/* Compare doubles, larger first; 0 when equal. */
static int s_desc(double a, double b)
{
    return (a < b) - (a > b);
}

static int s_vm_cmp(const void *a, const void *b, void *arg)
{
    const s_vm_sort_t *ctx = arg;
    int x = *(const int *)a, y = *(const int *)b, c = 0;
    const xgc_place_vm_t *vx = &ctx->p->vm[x], *vy = &ctx->p->vm[y];
    switch (ctx->key) {
    case XGC_PLACE_KEY_MAX:
        c = s_desc(vx->max, vy->max);
        if (!c)
            c = s_desc(s_ratio(vx->umax, vx->max), s_ratio(vy->umax, vy->max));
        break;
    case XGC_PLACE_KEY_PMAX:
        c = s_desc(s_ratio(vx->umax, vx->max), s_ratio(vy->umax, vy->max));
        if (!c)
            c = s_desc(vx->max, vy->max);
        break;
    case XGC_PLACE_KEY_PMIN:
        c = s_desc(s_ratio(vx->umin, vx->min), s_ratio(vy->umin, vy->min));
        break;
    case XGC_PLACE_KEY_MIN:
        c = s_desc(vx->min, vy->min);
        break;
    case XGC_PLACE_KEY_SLOPE:
        c = s_desc(vx->slope, vy->slope);
        break;
    default:
        return (x > y) - (x < y);
    }
    if (!c)
        c = strcmp(ctx->p->vms[x].name, ctx->p->vms[y].name);
    return c ? c : (x > y) - (x < y);
}

/* The ratio a key leads with (utility per MHz at max or at min), one
 * division per VM rather than two per comparison; NULL for other keys. */
static double *s_key_ratios(const xgc_place_problem_t *p, xgc_place_key_t key, bool *failed)
{
    *failed = false;
    if (key != XGC_PLACE_KEY_PMAX && key != XGC_PLACE_KEY_PMIN)
        return NULL;
    double *ratio = malloc((p->nvm ? p->nvm : 1) * sizeof *ratio);
    if (!ratio) {
        *failed = true;
        return NULL;
    }
    for (size_t i = 0; i < p->nvm; i++)
        ratio[i] = key == XGC_PLACE_KEY_PMAX ? s_ratio(p->vm[i].umax, p->vm[i].max)
                                             : s_ratio(p->vm[i].umin, p->vm[i].min);
    return ratio;
}

/* Order the VMs by the ratio their key leads with (ratio[i]), largest
 * first, with xgc_place_sort, then each run of equal ratios by the whole
 * comparison: the order qsort_r gives with s_vm_cmp (a strict total order),
 * at a fraction of its calls through a pointer and of its divisions. False
 * when memory runs out. */
static bool s_order_by_ratio(const s_vm_sort_t *ctx, const double *ratio, int *order, size_t n)
{
    xgc_place_entry_t *e = malloc((n ? n : 1) * sizeof *e), *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (!e || !tmp) {
        free(e);
        free(tmp);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        e[i] = (xgc_place_entry_t){ratio[i], (int)i, (int)i};
    xgc_place_entry_t *sorted = xgc_place_sort(e, tmp, n);
    for (size_t q = 0; q < n; q++)
        order[q] = sorted[q].id;
    for (size_t lo = 0, hi; lo < n; lo = hi) {
        for (hi = lo + 1; hi < n && sorted[hi].key == sorted[lo].key; hi++)
            ;
        if (hi - lo > 1)
            qsort_r(order + lo, hi - lo, sizeof *order, s_vm_cmp, (void *)ctx);
    }
    free(e);
    free(tmp);
    return true;
}

int *xgc_place_vm_order(const xgc_place_problem_t *p, xgc_place_key_t key)
{
    int *order = malloc((p->nvm ? p->nvm : 1) * sizeof *order);
    bool failed;
    double *ratio = s_key_ratios(p, key, &failed);
    s_vm_sort_t ctx = {p, key};
    if (!order || failed) {
        free(order);
        free(ratio);                 /* the ratios may be there when order is not */
        return NULL;
    }
    for (size_t i = 0; i < p->nvm; i++)
        order[i] = (int)i;
    if (ratio && !s_order_by_ratio(&ctx, ratio, order, p->nvm)) {
        free(order);
        order = NULL;
    } else if (!ratio && key != XGC_PLACE_KEY_ARRIVAL) {
        qsort_r(order, p->nvm, sizeof *order, s_vm_cmp, &ctx);
    }
    free(ratio);
    return order;
}

typedef struct {
    const xgc_place_problem_t *p;
    xgc_place_pm_order_t order;
} s_pm_sort_t;

static int s_pm_cmp(const void *a, const void *b, void *arg)
{
    const s_pm_sort_t *ctx = arg;
    const xgc_place_problem_t *p = ctx->p;
    int x = *(const int *)a, y = *(const int *)b, c = 0;
    if (ctx->order == XGC_PLACE_PMS_EFFICIENCY)
        c = s_desc(s_ratio(p->cap[x], p->cost[x]), s_ratio(p->cap[y], p->cost[y]));
    if (!c)
        c = s_desc(p->cap[x], p->cap[y]);
    if (!c)
        c = strcmp(p->pms[x].name, p->pms[y].name);
    return c ? c : (x > y) - (x < y);
}

int *xgc_place_pm_order(const xgc_place_problem_t *p, xgc_place_pm_order_t order)
{
    int *by_rank = malloc((p->npm ? p->npm : 1) * sizeof *by_rank);
    if (!by_rank)
        return NULL;
    for (size_t j = 0; j < p->npm; j++)
        by_rank[j] = (int)j;
    s_pm_sort_t ctx = {p, order};
    if (order != XGC_PLACE_PMS_FILE)
        qsort_r(by_rank, p->npm, sizeof *by_rank, s_pm_cmp, &ctx);
    return by_rank;
}

/* ---- first-fit packers: BS, GM, GMM ---------------------------------------------- */

typedef struct {
    const xgc_place_problem_t *p;
    xgc_fittree_t *tree;                /* by rank: (free CPU, free memory) */
    int *by_rank;
    double *free_cpu, *free_mem;        /* by PM */
    int *pm_of;
} s_packer_t;

static void s_reserve(s_packer_t *k, int vm, int j, double size)
{
    k->free_cpu[j] -= size;
    k->free_mem[j] -= k->p->vm[vm].mem;
    k->pm_of[vm] = j;
}

static void s_publish(s_packer_t *k, int rank)
{
    int j = k->by_rank[rank];
    xgc_fittree_set(k->tree, (size_t)rank, k->free_cpu[j], k->free_mem[j]);
}

/* First PM in order with room for `size` MHz and the VM's memory, or -1. */
static int s_first(s_packer_t *k, int vm, double size)
{
    double slack = 1e-9 * (1 + size);
    long rank = xgc_fittree_first(k->tree, size - slack, k->p->vm[vm].mem - slack);
    if (rank < 0)
        return -1;
    s_reserve(k, vm, k->by_rank[rank], size);
    s_publish(k, (int)rank);
    return k->by_rank[rank];
}

/* GMM-node: one PM at a time, taking every VM left that fits, at max if
 * possible, else at min. O(N·M) in the worst case. */
static void s_node_major(s_packer_t *k, const int *order, const bool *todo)
{
    const xgc_place_problem_t *p = k->p;
    for (size_t r = 0; r < p->npm; r++) {
        int j = k->by_rank[r];
        for (size_t q = 0; q < p->nvm; q++) {
            int i = order[q];
            const xgc_place_vm_t *v = &p->vm[i];
            if (!todo[i] || k->pm_of[i] != XGC_PLACE_UNPLACED || k->free_mem[j] < v->mem)
                continue;
            if (k->free_cpu[j] >= v->max)
                s_reserve(k, i, j, v->max);
            else if (k->free_cpu[j] >= v->min)
                s_reserve(k, i, j, v->min);
        }
    }
}

int xgc_place_first_fit(const xgc_place_problem_t *p, const xgc_place_options_t *o,
                        const int *initial, const bool *pinned, int *pm_of)
{
    xgc_place_algorithm_t alg = o->algorithm;
    xgc_place_key_t key = o->key;
    if (key == XGC_PLACE_KEY_DEFAULT)
        key = alg != XGC_PLACE_BS ? XGC_PLACE_KEY_MAX
              : o->bs_min         ? XGC_PLACE_KEY_MIN : XGC_PLACE_KEY_ARRIVAL;
    xgc_place_pm_order_t pmo = o->pm_order;
    if (pmo == XGC_PLACE_PMS_DEFAULT)
        pmo = alg == XGC_PLACE_BS ? XGC_PLACE_PMS_FILE : XGC_PLACE_PMS_CAPACITY;
    s_packer_t k = {p, xgc_fittree_new(p->npm), xgc_place_pm_order(p, pmo),
                    malloc((p->npm + 1) * sizeof(double)), malloc((p->npm + 1) * sizeof(double)),
                    pm_of};
    int *order = xgc_place_vm_order(p, key);
    bool *todo = malloc(p->nvm + 1);
    int rc = -1;
    if (!k.tree || !k.by_rank || !k.free_cpu || !k.free_mem || !order || !todo)
        goto done;
    for (size_t j = 0; j < p->npm; j++) {
        k.free_cpu[j] = p->cap[j];
        k.free_mem[j] = p->pmem[j];
    }
    /* VMs that stay where they are reserve their max first. */
    for (size_t i = 0; i < p->nvm; i++) {
        pm_of[i] = XGC_PLACE_UNPLACED;
        bool keep = initial && initial[i] >= 0 && (!pinned || pinned[i]);
        todo[i] = !keep;
        if (keep)
            s_reserve(&k, (int)i, initial[i], p->vm[i].max);
    }
    for (size_t r = 0; r < p->npm; r++)
        s_publish(&k, (int)r);
    if (alg == XGC_PLACE_GMM && o->gmm_node_major) {
        s_node_major(&k, order, todo);
    } else {
        for (size_t q = 0; q < p->nvm; q++) {
            int i = order[q];
            if (!todo[i])
                continue;
            const xgc_place_vm_t *v = &p->vm[i];
            double size = alg == XGC_PLACE_BS && o->bs_min ? v->min : v->max;
            if (s_first(&k, i, size) < 0 && alg == XGC_PLACE_GMM)
                s_first(&k, i, v->min);
        }
    }
    rc = 0;
done:
    xgc_fittree_destroy(&k.tree);
    free(k.by_rank);
    free(k.free_cpu);
    free(k.free_mem);
    free(order);
    free(todo);
    return rc;
}

/* ---- the entry point ---------------------------------------------------------------- */

int xgc_place_run(const xgc_place_problem_t *problem, const xgc_place_options_t *options,
                  const int *initial, const bool *pinned, int *pm_of)
{
    if (initial) {
        char err[8];
        if (xgc_place_check(problem, initial, err, sizeof err) < 0)
            return -1;
    }
    switch (options->algorithm) {
    case XGC_PLACE_BS:
    case XGC_PLACE_GM:
    case XGC_PLACE_GMM:
        return xgc_place_first_fit(problem, options, initial, pinned, pm_of);
    case XGC_PLACE_EMM:
    case XGC_PLACE_PEMM:
    case XGC_PLACE_XGC:
        return xgc_place_expand(problem, options, initial, pinned, pm_of);
    default:
        return -1;
    }
}
