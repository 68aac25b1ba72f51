/* state — a placement with every PM's water-filling kept current.
 *
 * Each PM keeps its VMs sorted by the level at which water-filling caps them
 * at max, so that the utility of the PM with one VM more or one VM less is a
 * single O(k) merge-scan (k = VMs on that PM), never a sort. Net is kept as a
 * running sum. Two indexes make the search for destinations cheap: a fittree
 * over the used PMs by (headroom = C − Σ min, free memory) for "the used PMs
 * with most room", and per class of identical PMs a heap of the empty ones in
 * PM order, so that one representative per class stands for all empty PMs.
 * For speed: each PM keeps a copy of what water-filling reads of its VMs
 * next to its list (a contiguous scan), each VM its PM's utility without
 * it until that PM changes (a PM's stamp), and a whole plan is loaded in one
 * sweep (sort each list, refresh each PM once) rather than VM by VM.
 */
#define _GNU_SOURCE /* qsort_r */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/placement/internal.h"

static inline double s_min(double a, double b) { return a < b ? a : b; }
static inline double s_max(double a, double b) { return a > b ? a : b; }

/* ---- water-filling on one PM -------------------------------------------- */

/* Does VM a come before VM b in a PM's list (level, then index)? */
static inline bool s_before(const xgc_place_vm_t *vm, int a, int b)
{
    return vm[a].level < vm[b].level || (vm[a].level == vm[b].level && a < b);
}

/* The utility with `spare` MHz above the mins (clamped at 0: an overfull PM,
 * which only the exhaustive search visits, gives everyone their min).
 * *price (nullable): what one more MHz would be worth there, the utility per
 * MHz of the VMs still below max; minus the idle MHz when all are at max. */
static double s_util(const xgc_place_state_t *s, int j, int add, int skip, double spare,
                     double *price)
{
    const xgc_place_vm_t *vm = s->p->vm;
    const xgc_place_pmstate_t *pm = &s->pm[j];
    /* Totals over the set: weight, Σ Umin and Σ g·s of the VMs not capped
     * (kept per PM by s_refresh, adjusted for `skip` and `add`). */
    double weight = pm->weight, rest_umin = pm->sumumin, rest_gs = pm->sumgs;
    if (skip >= 0) {
        weight -= vm[skip].shares;
        rest_umin -= vm[skip].umin;
        rest_gs -= vm[skip].slope * vm[skip].shares;
    }
    if (add >= 0) {
        weight += vm[add].shares;
        rest_umin += vm[add].umin;
        rest_gs += vm[add].slope * vm[add].shares;
    }
    /* Raise the level through the VMs in cap order, `add` merged in. */
    double level = 0, capped_u = 0;
    bool add_done = add < 0;
    xgc_place_slot_t extra = {0};
    if (add >= 0)
        extra = (xgc_place_slot_t){vm[add].level, vm[add].shares, vm[add].umax, vm[add].umin,
                                   vm[add].slope * vm[add].shares};
    int r = 0;
    if (spare < 0)
        spare = 0;
    for (;;) {
        while (r < pm->len && pm->vms[r] == skip)
            r++;
        const xgc_place_slot_t *v;
        if (!add_done && (r >= pm->len || extra.level < pm->slot[r].level
                          || (extra.level == pm->slot[r].level && add < pm->vms[r]))) {
            v = &extra;
            add_done = true;
        } else if (r < pm->len) {
            v = &pm->slot[r++];
        } else {
            if (price)                   /* every VM at max */
                *price = -spare;
            break;
        }
        if (!xgc_place_raise(&level, &spare, &weight, v->level, v->shares)) {
            if (price)
                *price = rest_gs / weight;
            break;
        }
        capped_u += v->umax;
        rest_umin -= v->umin;
        rest_gs -= v->gs;
    }
    return capped_u + rest_umin + level * rest_gs;
}

/* A water-filling sweep: the level, spare and weight of the VMs not yet
 * capped, and the utility sums, as s_util keeps them. */
typedef struct {
    double level, spare, weight, capped_u, rest_umin, rest_gs;
} s_sweep_t;

/* One step of the sweep through VM v; false when the spare runs out first. */
static inline bool s_step(s_sweep_t *w, const xgc_place_slot_t *v)
{
    if (!xgc_place_raise(&w->level, &w->spare, &w->weight, v->level, v->shares))
        return false;
    w->capped_u += v->umax;
    w->rest_umin -= v->umin;
    w->rest_gs -= v->gs;
    return true;
}

/* s_util for PM j with VM `add` joining (the query of every candidate PM),
 * without s_util's per-step tests for a VM to skip and for where `add` goes:
 * the same operations in the same order, so the same result bit for bit. */
static double s_util_join(const xgc_place_state_t *s, int j, int add, double spare)
{
    const xgc_place_vm_t *a = &s->p->vm[add];
    const xgc_place_pmstate_t *pm = &s->pm[j];
    s_sweep_t w = {0, spare < 0 ? 0 : spare, pm->weight + a->shares, 0,
                   pm->sumumin + a->umin, pm->sumgs + a->slope * a->shares};
    xgc_place_slot_t extra = {a->level, a->shares, a->umax, a->umin, a->slope * a->shares};
    int r = 0;
    for (; r < pm->len && !(extra.level < pm->slot[r].level
                            || (extra.level == pm->slot[r].level && add < pm->vms[r])); r++)
        if (!s_step(&w, &pm->slot[r]))
            goto done;
    if (!s_step(&w, &extra))
        goto done;
    for (; r < pm->len; r++)
        if (!s_step(&w, &pm->slot[r]))
            break;
done:
    return w.capped_u + w.rest_umin + w.level * w.rest_gs;
}

/* s_util for PM j without VM `skip` (a VM's gain of leaving), without
 * s_util's per-step test for a VM to add: the same operations in the same
 * order, so the same result bit for bit. */
static double s_util_leave(const xgc_place_state_t *s, int j, int skip, double spare)
{
    const xgc_place_vm_t *k = &s->p->vm[skip];
    const xgc_place_pmstate_t *pm = &s->pm[j];
    s_sweep_t w = {0, spare < 0 ? 0 : spare, pm->weight - k->shares, 0,
                   pm->sumumin - k->umin, pm->sumgs - k->slope * k->shares};
    for (int r = 0; r < pm->len; r++)
        if (pm->vms[r] != skip && !s_step(&w, &pm->slot[r]))
            break;
    return w.capped_u + w.rest_umin + w.level * w.rest_gs;
}

double xgc_place_pm_util(const xgc_place_state_t *s, int j, int add, int skip)
{
    const xgc_place_problem_t *p = s->p;
    double spare = p->cap[j] - s->pm[j].summin;
    if (skip >= 0)
        spare += p->vm[skip].min;
    if (add >= 0)
        spare -= p->vm[add].min;
    if (spare < -XGC_PLACE_EPS * (1 + p->cap[j]))
        return -HUGE_VAL;
    if (add >= 0 && skip < 0)
        return s_util_join(s, j, add, spare);
    if (add < 0 && skip >= 0)
        return s_util_leave(s, j, skip, spare);
    return s_util(s, j, add, skip, spare, NULL);
}

double xgc_place_state_alloc(const xgc_place_state_t *s, size_t vm_index)
{
    int j = s->pm_of[vm_index];
    if (j < 0)
        return 0;
    const xgc_place_vm_t *vm = s->p->vm;
    const xgc_place_pmstate_t *pm = &s->pm[j];
    double spare = fmax(0, s->p->cap[j] - pm->summin), weight = 0, level = 0;
    for (int r = 0; r < pm->len; r++)
        weight += vm[pm->vms[r]].shares;
    for (int r = 0; r < pm->len; r++) {
        int i = pm->vms[r];
        if (!xgc_place_raise(&level, &spare, &weight, vm[i].level, vm[i].shares))
            break;
        if (i == (int)vm_index)
            return vm[i].max;
    }
    const xgc_place_vm_t *v = &vm[vm_index];
    return fmin(v->max, v->min + level * v->shares);
}

bool xgc_place_grow(void **items, int len, int *alloc, size_t size)
{
    if (len < *alloc)
        return true;
    int n = *alloc ? 2 * *alloc : 4;
    void *grown = realloc(*items, (size_t)n * size);
    if (!grown)
        return false;
    *items = grown;
    *alloc = n;
    return true;
}

/* ---- the empty-PM heaps ---------------------------------------------------- */

static bool s_heap_push(xgc_place_heap_t *h, int rank)
{
    if (!xgc_place_grow((void **)&h->rank, h->len, &h->alloc, sizeof *h->rank))
        return false;
    int i = h->len++;
    while (i > 0 && rank < h->rank[(i - 1) / 2]) {
        h->rank[i] = h->rank[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->rank[i] = rank;
    return true;
}

static void s_heap_pop(xgc_place_heap_t *h)
{
    int last = h->rank[--h->len], i = 0;
    for (;;) {
        int c = 2 * i + 1;
        if (c >= h->len)
            break;
        if (c + 1 < h->len && h->rank[c + 1] < h->rank[c])
            c++;
        if (h->rank[c] >= last)
            break;
        h->rank[i] = h->rank[c];
        i = c;
    }
    if (h->len)
        h->rank[i] = last;
}

/* Note the top of class cls's heap as its first empty PM (read by every
 * query: one load, not three dependent ones). */
static void s_first_set(xgc_place_state_t *s, int cls)
{
    const xgc_place_heap_t *h = &s->empty[cls];
    int j = h->len ? s->by_rank[h->rank[0]] : -1;
    s->cls[cls].first = j;
    if (j >= 0) {                        /* (the same for every PM of the class) */
        s->cls[cls].cap = s->p->cap[j];
        s->cls[cls].cost = s->p->cost[j];
    }
}

/* Keep each heap's top a PM that is empty and allowed (lazy deletion). */
static void s_heap_clean(xgc_place_state_t *s, int cls)
{
    xgc_place_heap_t *h = &s->empty[cls];
    while (h->len && (s->pm[s->by_rank[h->rank[0]]].len > 0 || h->rank[0] >= s->limit))
        s_heap_pop(h);
    s_first_set(s, cls);
}

/* The first empty PM of class cls, or -1. */
int xgc_place_first_empty(const xgc_place_state_t *s, int cls)
{
    return s->cls[cls].first;
}

int xgc_place_state_order(xgc_place_state_t *s, const int *by_rank, int limit)
{
    const xgc_place_problem_t *p = s->p;
    for (size_t r = 0; r < p->npm; r++) {
        s->by_rank[r] = by_rank ? by_rank[r] : (int)r;
        s->rank[s->by_rank[r]] = (int)r;
    }
    s->limit = limit;
    for (int c = 0; c < p->nclass; c++)
        s->empty[c].len = 0;
    for (size_t r = 0; r < p->npm && (int)r < limit; r++) {
        int j = s->by_rank[r];
        if (s->pm[j].len == 0 && !s_heap_push(&s->empty[p->pm_class[j]], (int)r))
            return -1;
    }
    for (int c = 0; c < p->nclass; c++)
        s_heap_clean(s, c);
    return 0;
}

/* ---- life cycle ------------------------------------------------------------ */

void xgc_place_state_destroy(xgc_place_state_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    xgc_place_state_t *s = *self_p;
    if (s->pm)
        for (size_t j = 0; j < s->p->npm; j++) {
            free(s->pm[j].vms);
            free(s->pm[j].slot);
        }
    if (s->empty)
        for (int c = 0; c < s->p->nclass; c++)
            free(s->empty[c].rank);
    free(s->pm);
    free(s->empty);
    free(s->cls);
    free(s->pm_of);
    free(s->rank);
    free(s->by_rank);
    xgc_fittree_destroy(&s->used_tree);
    xgc_fittree_destroy(&s->cheap_tree);
    xgc_fittree_destroy(&s->dear_tree);
    free(s->cache);
    free(s->cand);
    free(s->top);
    free(s->left);
    free(s);
    *self_p = NULL;
}

/* PM j's level, idle MHz and lowest price over the spare below (for
 * s_join_bound): a water-filling sweep, the price of each stretch being the
 * utility per MHz of the VMs not yet at max. */
static void s_bound_prep(xgc_place_pmstate_t *pm, double spare)
{
    double level = 0, weight = pm->weight, gs = pm->sumgs;
    spare = s_max(0, spare);
    pm->pmin = HUGE_VAL;
    for (int r = 0; r < pm->len; r++) {
        pm->pmin = s_min(pm->pmin, gs / weight);
        if (!xgc_place_raise(&level, &spare, &weight, pm->slot[r].level, pm->slot[r].shares)) {
            pm->level = level;
            pm->idle = 0;
            return;
        }
        gs -= pm->slot[r].gs;
    }
    pm->level = HUGE_VAL;
    pm->idle = spare;
}

/* Recompute PM j's sums and cached utility after its list changed, and
 * update Net, the used-PM tree and the empty heaps. */
static void s_refresh(xgc_place_state_t *s, int j)
{
    const xgc_place_problem_t *p = s->p;
    xgc_place_pmstate_t *pm = &s->pm[j];
    pm->summin = pm->summem = pm->weight = pm->sumumin = pm->sumgs = 0;
    for (int r = 0; r < pm->len; r++) {
        const xgc_place_vm_t *v = &p->vm[pm->vms[r]];
        pm->slot[r] = (xgc_place_slot_t){v->level, v->shares, v->umax, v->umin,
                                         v->slope * v->shares};
        pm->summin += v->min;
        pm->summem += v->mem;
        pm->weight += v->shares;
        pm->sumumin += v->umin;
        pm->sumgs += v->slope * v->shares;
    }
    pm->stamp = s->version;
    s->utility -= pm->util;
    double price = 0;
    pm->util = pm->len ? s_util(s, j, -1, -1, p->cap[j] - pm->summin, &price) : 0;
    s_bound_prep(pm, p->cap[j] - pm->summin);
    s->utility += pm->util;
    if (pm->len) {
        xgc_fittree_set(s->used_tree, (size_t)j, p->cap[j] - pm->summin, p->pmem[j] - pm->summem);
        xgc_fittree_set(s->cheap_tree, (size_t)j, -price, p->pmem[j] - pm->summem);
        xgc_fittree_set(s->dear_tree, (size_t)j, price, pm->len);
    } else {
        xgc_fittree_set(s->dear_tree, (size_t)j, -HUGE_VAL, -HUGE_VAL);
        xgc_fittree_set(s->used_tree, (size_t)j, -HUGE_VAL, -HUGE_VAL);
        xgc_fittree_set(s->cheap_tree, (size_t)j, -HUGE_VAL, -HUGE_VAL);
    }
}

/* Room for one VM more in PM j's list and its slots. */
static bool s_list_room(xgc_place_pmstate_t *pm)
{
    if (pm->len < pm->alloc)
        return true;
    int n = pm->alloc ? 2 * pm->alloc : 4;
    int *vms = realloc(pm->vms, (size_t)n * sizeof *vms);
    if (!vms)
        return false;
    pm->vms = vms;
    xgc_place_slot_t *slot = realloc(pm->slot, (size_t)n * sizeof *slot);
    if (!slot)
        return false;
    pm->slot = slot;
    pm->alloc = n;
    return true;
}

static bool s_list_insert(xgc_place_state_t *s, int j, int i)
{
    xgc_place_pmstate_t *pm = &s->pm[j];
    if (!s_list_room(pm))
        return false;
    int r = pm->len++;
    while (r > 0 && s_before(s->p->vm, i, pm->vms[r - 1])) {
        pm->vms[r] = pm->vms[r - 1];
        r--;
    }
    pm->vms[r] = i;
    return true;
}

static void s_list_remove(xgc_place_state_t *s, int j, int i)
{
    xgc_place_pmstate_t *pm = &s->pm[j];
    int r = 0;
    while (r < pm->len && pm->vms[r] != i)
        r++;
    memmove(pm->vms + r, pm->vms + r + 1, (size_t)(pm->len - r - 1) * sizeof *pm->vms);
    pm->len--;
}

/* Note that PM j changed, for s_top_update (past the end: too many). */
static void s_dirty(xgc_place_state_t *s, int j)
{
    if (s->ndirty < XGC_PLACE_DIRTY)
        s->dirty[s->ndirty] = j;
    if (s->ndirty <= XGC_PLACE_DIRTY)
        s->ndirty++;
}

/* Move without checks; false only when memory runs out (state unchanged). */
static bool s_move(xgc_place_state_t *s, size_t vm, int to)
{
    const xgc_place_problem_t *p = s->p;
    int from = s->pm_of[vm];
    if (from == to)
        return true;
    if (to >= 0 && !s_list_insert(s, to, (int)vm))
        return false;
    s->version++;
    if (from >= 0) {
        s_list_remove(s, from, (int)vm);
        s_refresh(s, from);
        s_dirty(s, from);
        if (s->pm[from].len == 0) {
            s->used--;
            s->power -= p->cost[from];
            if (s->rank[from] < s->limit) {
                s_heap_push(&s->empty[p->pm_class[from]], s->rank[from]);
                s_first_set(s, p->pm_class[from]);
            }
        }
    }
    if (to >= 0) {
        s_refresh(s, to);
        s_dirty(s, to);
        if (s->pm[to].len == 1) {
            s->used++;
            s->power += p->cost[to];
            s_heap_clean(s, p->pm_class[to]);
        }
    }
    s->pm_of[vm] = to;
    return true;
}

/* qsort_r order of a PM's list: by cap level, then index. */
static int s_level_cmp(const void *a, const void *b, void *arg)
{
    const xgc_place_vm_t *vm = arg;
    int x = *(const int *)a, y = *(const int *)b;
    return s_before(vm, x, y) ? -1 : s_before(vm, y, x);
}

/* Sort a PM's list by cap level, then index (s_before, a strict order, so
 * one result): by insertion when short, as most are. */
static void s_list_sort(const xgc_place_vm_t *vm, int *list, int n)
{
    if (n > 32) {
        qsort_r(list, (size_t)n, sizeof *list, s_level_cmp, (void *)vm);
        return;
    }
    for (int r = 1; r < n; r++) {
        int i = list[r], q = r;
        for (; q > 0 && s_before(vm, i, list[q - 1]); q--)
            list[q] = list[q - 1];
        list[q] = i;
    }
}

int xgc_place_state_load(xgc_place_state_t *s, const int *pm_of)
{
    const xgc_place_problem_t *p = s->p;
    for (size_t j = 0; j < p->npm; j++)
        s->pm[j].len = 0;
    for (size_t i = 0; i < p->nvm; i++) {
        int j = pm_of[i];
        s->pm_of[i] = j;
        if (j < 0)
            continue;
        xgc_place_pmstate_t *pm = &s->pm[j];
        if (!s_list_room(pm))
            return -1;
        pm->vms[pm->len++] = (int)i;
    }
    s->utility = s->power = 0;
    s->used = 0;
    s->version++;
    s->ndirty = XGC_PLACE_DIRTY + 1;     /* every PM: the lists are queried again */
    for (size_t j = 0; j < p->npm; j++) {
        xgc_place_pmstate_t *pm = &s->pm[j];
        if (pm->len > 1)
            s_list_sort(p->vm, pm->vms, pm->len);
        pm->util = 0;
        s_refresh(s, (int)j);
        if (pm->len > 0) {
            s->used++;
            s->power += p->cost[j];
        }
    }
    return xgc_place_state_order(s, s->by_rank, s->limit);
}

/* Is pm_of a placement within every PM's CPU (Σ min) and memory? The state
 * is empty: its sums serve as the tally. */
static bool s_valid(xgc_place_state_t *s, const int *pm_of)
{
    const xgc_place_problem_t *p = s->p;
    bool ok = true;
    for (size_t i = 0; ok && i < p->nvm; i++) {
        int j = pm_of[i];
        if (j == XGC_PLACE_UNPLACED)
            continue;
        ok = j >= 0 && (size_t)j < p->npm && xgc_place_state_fits(s, i, (size_t)j);
        if (ok) {
            s->pm[j].summin += p->vm[i].min;
            s->pm[j].summem += p->vm[i].mem;
        }
    }
    for (size_t j = 0; j < p->npm; j++)
        s->pm[j].summin = s->pm[j].summem = 0;
    return ok;
}

xgc_place_state_t *xgc_place_state_new(const xgc_place_problem_t *p, const int *pm_of)
{
    xgc_place_state_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->p = p;
    size_t np = p->npm ? p->npm : 1;
    s->pm_of = malloc((p->nvm ? p->nvm : 1) * sizeof *s->pm_of);
    s->pm = calloc(np, sizeof *s->pm);
    s->empty = calloc((size_t)(p->nclass ? p->nclass : 1), sizeof *s->empty);
    s->cls = malloc((size_t)(p->nclass ? p->nclass : 1) * sizeof *s->cls);
    s->rank = malloc(np * sizeof *s->rank);
    s->by_rank = malloc(np * sizeof *s->by_rank);
    s->used_tree = xgc_fittree_new(p->npm);
    s->cheap_tree = xgc_fittree_new(p->npm);
    s->dear_tree = xgc_fittree_new(p->npm);
    s->cache = malloc(130 * sizeof *s->cache);
    s->cand = malloc(130 * sizeof *s->cand);
    s->prune = true;
    s->cache_version = (unsigned long)-1;
    s->left = malloc((p->nvm ? p->nvm : 1) * sizeof *s->left);
    if (!s->cls || !s->dear_tree || !s->cache || !s->cand || !s->left || !s->pm_of || !s->pm || !s->empty || !s->rank || !s->by_rank || !s->used_tree
        || !s->cheap_tree
        || xgc_place_state_order(s, NULL, (int)p->npm) < 0) {
        xgc_place_state_destroy(&s);
        return NULL;
    }
    for (size_t i = 0; i < p->nvm; i++) {
        s->pm_of[i] = XGC_PLACE_UNPLACED;
        s->left[i].stamp = (unsigned long)-1;
    }
    if (pm_of && (!s_valid(s, pm_of) || xgc_place_state_load(s, pm_of) < 0))
        xgc_place_state_destroy(&s);
    return s;
}

/* ---- queries ---------------------------------------------------------------- */

int xgc_place_state_pm_of(const xgc_place_state_t *s, size_t vm) { return s->pm_of[vm]; }
const int *xgc_place_state_assignment(const xgc_place_state_t *s) { return s->pm_of; }
size_t xgc_place_state_pm_count(const xgc_place_state_t *s, size_t pm) { return (size_t)s->pm[pm].len; }
double xgc_place_state_pm_utility(const xgc_place_state_t *s, size_t pm) { return s->pm[pm].util; }
double xgc_place_state_net(const xgc_place_state_t *s) { return s->utility - s->power; }

double xgc_place_state_pm_headroom(const xgc_place_state_t *s, size_t pm)
{
    return s->p->cap[pm] - s->pm[pm].summin;
}

double xgc_place_state_pm_free_mem(const xgc_place_state_t *s, size_t pm)
{
    return s->p->pmem[pm] - s->pm[pm].summem;
}

bool xgc_place_state_fits(const xgc_place_state_t *s, size_t vm, size_t pm)
{
    const xgc_place_problem_t *p = s->p;
    if (s->rank[pm] >= s->limit && s->pm[pm].len == 0)
        return false;
    double min = p->vm[vm].min, mem = p->vm[vm].mem;
    if (s->pm_of[vm] == (int)pm)
        min = mem = 0;
    return s->pm[pm].summin + min <= p->cap[pm] * (1 + XGC_PLACE_EPS)
           && s->pm[pm].summem + mem <= p->pmem[pm] * (1 + XGC_PLACE_EPS);
}

/* The two halves of a move's gain: leaving its PM, joining another. */
static inline __attribute__((always_inline)) double s_leave_gain(const xgc_place_state_t *s,
                                                                  size_t vm, bool with_power)
{
    int from = s->pm_of[vm];
    if (from < 0)
        return 0;
    /* Cached until its PM changes: a VM's best move is asked for again and
     * again while other PMs change. */
    if (s->left[vm].stamp != s->pm[from].stamp) {
        s->left[vm].util = xgc_place_pm_util(s, from, -1, (int)vm);
        s->left[vm].stamp = s->pm[from].stamp;
    }
    double gain = s->left[vm].util - s->pm[from].util;
    return with_power && s->pm[from].len == 1 ? gain + s->p->cost[from] : gain;
}

static double s_join_gain(const xgc_place_state_t *s, size_t vm, int to, bool with_power)
{
    if (!xgc_place_state_fits(s, vm, (size_t)to))
        return -HUGE_VAL;
    double gain = xgc_place_pm_util(s, to, (int)vm, -1) - s->pm[to].util;
    return with_power && s->pm[to].len == 0 ? gain - s->p->cost[to] : gain;
}

double xgc_place_state_move_gain(const xgc_place_state_t *s, size_t vm, int to,
                                 bool with_power)
{
    if (to == s->pm_of[vm])
        return 0;
    double join = to >= 0 ? s_join_gain(s, vm, to, with_power) : 0;
    return join == -HUGE_VAL ? join : join + s_leave_gain(s, vm, with_power);
}

double xgc_place_state_swap_gain(const xgc_place_state_t *s, size_t a, size_t b)
{
    const xgc_place_problem_t *p = s->p;
    int ja = s->pm_of[a], jb = s->pm_of[b];
    if (ja < 0 || jb < 0 || ja == jb)
        return -HUGE_VAL;
    const xgc_place_vm_t *va = &p->vm[a], *vb = &p->vm[b];
    if (s->pm[ja].summem - va->mem + vb->mem > p->pmem[ja] * (1 + XGC_PLACE_EPS)
        || s->pm[jb].summem - vb->mem + va->mem > p->pmem[jb] * (1 + XGC_PLACE_EPS))
        return -HUGE_VAL;
    double ua = xgc_place_pm_util(s, ja, (int)b, (int)a);
    double ub = xgc_place_pm_util(s, jb, (int)a, (int)b);
    if (ua == -HUGE_VAL || ub == -HUGE_VAL)
        return -HUGE_VAL;
    return ua + ub - s->pm[ja].util - s->pm[jb].util;
}

void xgc_place_state_move(xgc_place_state_t *s, size_t vm, int to)
{
    s_move(s, vm, to);
}

void xgc_place_state_score(const xgc_place_state_t *s, xgc_place_score_t *score)
{
    memset(score, 0, sizeof *score);
    for (size_t i = 0; i < s->p->nvm; i++) {
        if (s->pm_of[i] < 0)
            score->unplaced++;
        else if (xgc_place_state_alloc(s, i) >= s->p->vm[i].max * (1 - 1e-9))
            score->at_max++;
    }
    score->gross = s->utility;
    score->power_cost = s->power;
    score->net = s->utility - s->power;
    score->pms_on = s->used;
}

/* ---- destinations ------------------------------------------------------------- */

/* Keep PM j as vm's destination when its gain beats the best so far (ties:
 * the lower rank, i.e. first in PM order). */
static void s_keep(const xgc_place_state_t *s, int j, double gain, int *best, double *best_gain)
{
    if (*best < 0 || gain > *best_gain + 1e-12
        || (gain >= *best_gain - 1e-12 && s->rank[j] < s->rank[*best])) {
        *best = j;
        *best_gain = gain;
    }
}

/* Consider PM j as vm's destination (`leave`: the gain of leaving its PM). */
static void s_consider(const xgc_place_state_t *s, size_t vm, int j, bool with_power,
                       double leave, int *best, double *best_gain)
{
    if (j < 0 || j == s->pm_of[vm])
        return;
    double gain = s_join_gain(s, vm, j, with_power);
    if (gain != -HUGE_VAL)
        s_keep(s, j, gain + leave, best, best_gain);
}

static bool s_listed(const long *list, size_t n, long item)
{
    for (size_t r = 0; r < n; r++)
        if (list[r] == item)
            return true;
    return false;
}

size_t xgc_place_dearest(const xgc_place_state_t *s, size_t n, long *out)
{
    return xgc_fittree_top(s->dear_tree, 0, 1, n, out);
}

/* The hull of the n candidates: the largest spare, level, idle MHz and
 * margin and the lowest price of a MHz among them. With every price ≥ 0 (and
 * a VM's slope ≥ 0), s_join_bound grows with each of these (more MHz to
 * take, fewer of them paid for, at a lower price), so the hull's bound is at
 * least every candidate's: when it falls short, they all do. */
static void s_hull(xgc_place_state_t *s, size_t n)
{
    xgc_place_cand_t h = {.pm = -1, .spare = -HUGE_VAL, .level = -HUGE_VAL, .idle = -HUGE_VAL,
                          .pmin = HUGE_VAL, .tol = 0};
    for (size_t r = 0; r < n; r++) {
        const xgc_place_cand_t *c = &s->cand[r];
        h.spare = s_max(h.spare, c->spare);
        h.level = s_max(h.level, c->level);
        h.idle = s_max(h.idle, c->idle);
        h.pmin = s_min(h.pmin, c->pmin);
        h.tol = s_max(h.tol, c->tol);
    }
    s->hull = h;
    s->hull_ok = n > 0 && h.pmin >= 0;
}

/* Is (a, x) before (b, y) in a top-k list: larger value, then lower slot? */
static inline bool s_top_before(double a, long x, double b, long y)
{
    return a > b || (a == b && x < y);
}

/* Does (a, x) rank before the boundary of t, or is it? */
static inline bool s_top_within(const xgc_place_top_t *t, double a, long x)
{
    return t->bound_slot < 0 || s_top_before(a, x, t->bound_a, t->bound_slot)
           || (a == t->bound_a && x == t->bound_slot);
}

/* Put (a, x) in its place in t's sorted slots. A full list keeps its first
 * cap and makes the last the boundary (all outside still rank after it). */
static void s_top_insert(xgc_place_top_t *t, double a, long x)
{
    int q = t->n;
    if (q == t->cap) {
        if (!s_top_before(a, x, t->a[q - 1], t->slot[q - 1]))
            return;
        q--;
    } else {
        t->n++;
    }
    for (; q > 0 && s_top_before(a, x, t->a[q - 1], t->slot[q - 1]); q--) {
        t->a[q] = t->a[q - 1];
        t->slot[q] = t->slot[q - 1];
    }
    t->a[q] = a;
    t->slot[q] = x;
    if (t->n == t->cap) {
        t->bound_a = t->a[t->n - 1];
        t->bound_slot = t->slot[t->n - 1];
    }
}

/* Bring t up to date when only the PMs in s->dirty changed since: a slot
 * outside it and unchanged still ranks after the boundary, so the slots
 * before it now are among t's and the changed ones. True when at least k of
 * them are (or there is no boundary): their first k are the top k. */
static bool s_top_update(const xgc_place_state_t *s, const xgc_fittree_t *tree,
                         xgc_place_top_t *t, int k)
{
    long slot[64 + XGC_PLACE_DIRTY];
    int n = 0;
    for (int r = 0; r < t->n; r++)
        slot[n++] = t->slot[r];
    for (int d = 0; d < s->ndirty; d++)
        if (!s_listed(t->slot, (size_t)t->n, s->dirty[d]) && !s_listed(slot + t->n,
                                                                        (size_t)(n - t->n),
                                                                        s->dirty[d]))
            slot[n++] = s->dirty[d];
    t->n = 0;
    for (int r = 0; r < n; r++) {
        double a = xgc_fittree_a(tree, (size_t)slot[r]);
        if (a != -HUGE_VAL && s_top_within(t, a, slot[r]))
            s_top_insert(t, a, slot[r]);
    }
    return t->n >= k || t->bound_slot < 0;
}

/* The top-k list t of tree, up to date: by s_top_update when few PMs
 * changed since it was made, else by a query of 4k (a margin for the
 * updates: each move can push a listed PM past the boundary). */
static void s_top_refresh(const xgc_place_state_t *s, const xgc_fittree_t *tree,
                          xgc_place_top_t *t, int k, bool fresh)
{
    if (!fresh && s->ndirty <= XGC_PLACE_DIRTY && s_top_update(s, tree, t, k))
        return;
    size_t deep = (size_t)(k + 2 < 64 ? k + 2 : 64);
    t->cap = (int)deep;
    t->n = (int)xgc_fittree_top(tree, -HUGE_VAL, -HUGE_VAL, deep, t->slot);
    for (int r = 0; r < t->n; r++)
        t->a[r] = xgc_fittree_a(tree, (size_t)t->slot[r]);
    t->bound_slot = t->n < (int)deep ? -1 : t->slot[t->n - 1];
    t->bound_a = t->n < (int)deep ? 0 : t->a[t->n - 1];
}

/* The candidate used PMs for k: most headroom, then cheapest MHz, without
 * repeats (recomputed only after a move: one query serves a whole pass). */
static void s_candidates_make(xgc_place_state_t *s, int k)
{
    int want = k < 64 ? k : 64;
    bool fresh = s->cache_k != k || s->cache_version == (unsigned long)-1 || !s->top;
    if (!s->top)                         /* made on the first query: not for scoring */
        s->top = malloc(2 * sizeof *s->top);
    xgc_place_top_t spare[2], *top = s->top ? s->top : spare;   /* (out of memory) */
    s_top_refresh(s, s->used_tree, &top[0], want, fresh);
    s_top_refresh(s, s->cheap_tree, &top[1], want, fresh);
    s->ndirty = 0;
    size_t n = 0, used = (size_t)(top[0].n < want ? top[0].n : want);
    for (size_t r = 0; r < used; r++)
        s->cache[n++] = top[0].slot[r];
    for (int r = 0; r < top[1].n && r < want; r++)
        if (!s_listed(s->cache, used, top[1].slot[r]))
            s->cache[n++] = top[1].slot[r];
    for (size_t r = 0; r < n; r++) {
        int j = (int)s->cache[r];
        const xgc_place_pmstate_t *pm = &s->pm[j];
        const xgc_place_problem_t *p = s->p;
        s->cand[r] = (xgc_place_cand_t){j, pm->summin, p->cap[j] * (1 + XGC_PLACE_EPS),
                                        pm->summem, p->pmem[j] * (1 + XGC_PLACE_EPS),
                                        p->cap[j] - pm->summin, pm->level, pm->idle, pm->pmin,
                                        1e-7 * fabs(pm->util)};
    }
    s_hull(s, n);
    s->cache_n = (int)n;
    s->cache_k = k;
    s->cache_version = s->version;
}

static inline void s_candidates(xgc_place_state_t *s, int k)
{
    if (s->cache_version != s->version || s->cache_k != k)
        s_candidates_make(s, k);
}

void xgc_place_state_prune(xgc_place_state_t *s, bool on)
{
    s->prune = on;
}

/* An upper bound on what vm gains by joining the used PM j, O(1). The
 * others on j lose U(σ) − U(σ − x) when it takes x MHz (σ: j's spare above
 * the mins), at least pmin per MHz beyond the idle ones; it gets x ≤ its
 * max, ≤ σ and ≤ min + shares·level (the level only falls when it joins). The
 * bound is the best of its utility minus that loss over such x, with a
 * margin far above rounding. */
static inline __attribute__((always_inline)) double s_join_bound(const xgc_place_vm_t *v,
                                                                  const xgc_place_cand_t *c)
{
    /* (At level +inf, all at max, the second term is +inf: no branch.) */
    double hi = s_max(s_min(s_min(v->max, c->spare), v->min + v->shares * c->level), v->min);
    /* Piecewise linear in x, bent at the idle MHz: the best is at an end or
     * at the bend; with both slopes ≥ 0, at the bend or the top end. */
    double mid = s_min(s_max(c->idle, v->min), hi), ub;
    if (v->slope >= 0 && c->pmin >= 0) {
        double x = v->slope >= c->pmin ? hi : mid;
        ub = v->umin + v->slope * (x - v->min) - c->pmin * s_max(0, x - c->idle);
    } else {
        double at[3] = {v->min, mid, hi};
        ub = -HUGE_VAL;
        for (int r = 0; r < 3; r++)
            ub = s_max(ub, v->umin + v->slope * (at[r] - v->min)
                               - c->pmin * s_max(0, at[r] - c->idle));
    }
    return ub + c->tol;                  /* + v->tol: the caller's */
}

/* What a bound (without vm's margin) must reach for the PM to be scored:
 * the best so far or the floor, less the margins and the gain of leaving. */
static inline double s_need(const xgc_place_vm_t *v, double floor, int best, double best_gain,
                            double leave)
{
    return s_max(floor, best >= 0 ? best_gain : -HUGE_VAL) - 1e-9 - leave - v->tol;
}

/* Does the hull's bound fall short of `need`, so that no candidate can? With
 * a margin (1e-9 relative) for the rounding of the two bounds' arithmetic. */
static bool s_hull_short(const xgc_place_state_t *s, const xgc_place_vm_t *v, double need)
{
    if (!s->hull_ok || !(v->slope >= 0))
        return false;
    double ub = s_join_bound(v, &s->hull);
    return ub + 1e-9 * (1 + fabs(ub)) < need;
}

/* The candidates (all used PMs) as s_consider would take them in cache
 * order, but scored exactly only while one could still be the answer: the
 * one with the highest upper bound first, then in order those whose bound
 * reaches the best gain scored so far (and the floor). A candidate left out
 * gains less than the best of all by more than 1e-9, so it could not have
 * been kept nor swayed a near tie (ties are within 1e-12): the same answer,
 * bit for bit. Inlined into s_best, its one caller, where the query's
 * values stay in registers (2 % fewer instructions for PEMM at 1k and 10k). */
static inline __attribute__((always_inline)) void
s_consider_pruned(xgc_place_state_t *s, size_t vm, int exclude, double leave, double floor,
                  int *best, double *best_gain)
{
    const xgc_place_vm_t *v = &s->p->vm[vm];
    int own = s->pm_of[vm], m = 0, pm[130], first = -1;
    double ub[130], need = s_need(v, floor, *best, *best_gain, leave);
    if (s_hull_short(s, v, need))
        return;
    for (int r = 0; r < s->cache_n; r++) {
        const xgc_place_cand_t *c = &s->cand[r];
        /* xgc_place_state_fits, for a used PM that is not vm's own */
        if (c->pm == exclude || c->pm == own || !(c->summin + v->min <= c->capeps)
            || !(c->summem + v->mem <= c->memeps) || (ub[m] = s_join_bound(v, c)) < need)
            continue;
        if (first < 0 || ub[m] > ub[first])
            first = m;
        pm[m++] = c->pm;
    }
    if (m == 0)
        return;
    /* A used PM: no power cost to open, whatever with_power. */
    double lead = xgc_place_pm_util(s, pm[first], (int)vm, -1) - s->pm[pm[first]].util + leave;
    double top = lead;                   /* the best gain scored */
    need = s_need(v, floor, 0, top, leave);
    for (int r = 0; r < m; r++) {
        double gain = lead;
        if (r != first) {
            if (ub[r] < need)
                continue;
            gain = xgc_place_pm_util(s, pm[r], (int)vm, -1) - s->pm[pm[r]].util + leave;
        }
        s_keep(s, pm[r], gain, best, best_gain);
        if (gain > top) {
            top = gain;
            need = s_need(v, floor, 0, top, leave);
        }
    }
}

/* Could vm joining an empty PM of class c (alone: it gets min(max, C)) beat
 * the best so far or the floor? */
static bool s_empty_may_win(const xgc_place_state_t *s, size_t vm, int c, bool with_power,
                            double floor, int best, double best_gain, double leave)
{
    const xgc_place_vm_t *v = &s->p->vm[vm];
    double x = s_min(v->max, s->cls[c].cap);
    double ub = v->umin + v->slope * (x - v->min) - (with_power ? s->cls[c].cost : 0);
    return !(ub < s_need(v, floor, best, best_gain, leave));
}

static int s_best(xgc_place_state_t *s, size_t vm, bool with_power, int k, bool allow_empty,
                  int exclude, double floor, double *gain)
{
    const xgc_place_problem_t *p = s->p;
    int best = XGC_PLACE_UNPLACED;
    double best_gain = -HUGE_VAL, leave = s_leave_gain(s, vm, with_power);
    if (k <= 0) {                        /* every used PM */
        for (size_t j = 0; j < p->npm; j++)
            if (s->pm[j].len > 0 && (int)j != exclude)
                s_consider(s, vm, (int)j, with_power, leave, &best, &best_gain);
    } else {
        s_candidates(s, k);
        if (s->prune)
            s_consider_pruned(s, vm, exclude, leave, floor, &best, &best_gain);
        else
            for (int r = 0; r < s->cache_n; r++)
                if ((int)s->cache[r] != exclude)
                    s_consider(s, vm, (int)s->cache[r], with_power, leave, &best, &best_gain);
    }
    for (int c = 0; allow_empty && c < p->nclass; c++) {
        int j = xgc_place_first_empty(s, c);
        if (j >= 0 && j != exclude
            && (!s->prune || s_empty_may_win(s, vm, c, with_power, floor, best, best_gain, leave)))
            s_consider(s, vm, j, with_power, leave, &best, &best_gain);
    }
    *gain = best_gain;
    return best;
}

int xgc_place_best(xgc_place_state_t *s, size_t vm, bool with_power, int k,
                   bool allow_empty, int exclude, double *gain)
{
    return s_best(s, vm, with_power, k, allow_empty, exclude, -HUGE_VAL, gain);
}

int xgc_place_best_above(xgc_place_state_t *s, size_t vm, bool with_power, int k,
                         double floor, double *gain)
{
    return s_best(s, vm, with_power, k, true, -1, floor, gain);
}

int xgc_place_state_best_move(xgc_place_state_t *s, size_t vm, bool with_power,
                              int candidates, double *gain)
{
    int j = xgc_place_best_above(s, vm, with_power, candidates, XGC_PLACE_GAIN_EPS, gain);
    if (j < 0 || *gain <= XGC_PLACE_GAIN_EPS) {
        *gain = 0;
        return XGC_PLACE_UNPLACED;
    }
    return j;
}
