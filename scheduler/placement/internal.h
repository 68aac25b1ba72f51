/* internal — the data layout shared by the files of the placement core.
 * Not for use outside scheduler/placement/ (the API is placement.h). */
#ifndef XGC_PLACE_INTERNAL_H
#define XGC_PLACE_INTERNAL_H

#include "scheduler/placement/fittree.h"
#include "scheduler/placement/placement.h"

#define XGC_PLACE_EPS 1e-9              /* relative slack on capacity checks */
#define XGC_PLACE_GAIN_EPS 1e-7         /* a move must gain more than this */

typedef struct {
    double min, max, shares, mem, umin, umax;
    double slope;                       /* g = (Umax − Umin)/(max − min), 0 if equal */
    double level;                       /* (max − min)/shares: capped above this */
    double tol;                         /* margin of bounds on its gains (rounding) */
} xgc_place_vm_t;

struct xgc_place_problem {
    size_t npm, nvm;
    xgc_pm_spec_t *pms;
    xgc_vm_spec_t *vms;
    double *cap, *pmem, *cost;          /* per PM */
    int *pm_class, nclass;              /* equal (capacity, memory, cost) */
    int *pm_by_name, *vm_by_name;       /* indices sorted by name */
    xgc_place_vm_t *vm;
};

void xgc_place_vm_derive(const xgc_vm_spec_t *spec, xgc_place_vm_t *vm);
void xgc_place_problem_index(xgc_place_problem_t *self);
int xgc_place_check(const xgc_place_problem_t *p, const int *pm_of, char *err, size_t errlen);

/* What water-filling reads of a VM, copied next to the PM's list so that
 * the scan over a PM's VMs reads contiguous memory. */
typedef struct {
    double level, shares, umax, umin, gs;   /* gs = g·shares */
} xgc_place_slot_t;

/* One PM in a state: its VMs sorted by (level, index), and cached sums. */
typedef struct {
    int *vms;
    xgc_place_slot_t *slot;             /* slot[r]: the VM vms[r] */
    int len, alloc;
    double summin, summem, util;
    double weight, sumumin, sumgs;      /* Σ shares, Σ Umin, Σ g·shares */
    unsigned long stamp;                /* the state's version when it last changed */
    /* For a cheap upper bound on what a VM joining it gains: the level
     * (HUGE_VAL when all are at max), the idle MHz, and the lowest price of
     * a MHz taken from its VMs (utility per MHz over the spare below). */
    double level, idle, pmin;
} xgc_place_pmstate_t;

/* What the upper bound on a join gain and the fit test read of a candidate
 * PM, side by side (filled when the candidate list is computed). */
typedef struct {
    int pm;
    double summin, capeps, summem, memeps;  /* fits: Σ+x ≤ limit·(1+ε) */
    double spare, level, idle, pmin, tol;
} xgc_place_cand_t;

/* The top of a fittree's list of used PMs (by value descending, then slot
 * ascending, as xgc_fittree_top gives it), kept so that after a few PMs
 * changed it is brought up to date rather than queried again: it holds
 * every slot that ranks before the boundary or is it (slot -1: no boundary,
 * every used PM), and no slot outside ranks before it. */
#define XGC_PLACE_DIRTY 8
typedef struct {
    long slot[64];
    double a[64];
    int n, cap;                         /* how many listed, at most */
    double bound_a;
    long bound_slot;
} xgc_place_top_t;

typedef struct {                        /* a min-heap of PM ranks (lazy) */
    int *rank;
    int len, alloc;
} xgc_place_heap_t;

struct xgc_place_state {
    const xgc_place_problem_t *p;
    int *pm_of;
    xgc_place_pmstate_t *pm;
    double utility, power;
    size_t used;
    xgc_fittree_t *used_tree;           /* used PMs: (headroom, free memory) */
    xgc_fittree_t *cheap_tree;          /* used PMs: (−price of a MHz, free memory) */
    xgc_fittree_t *dear_tree;           /* used PMs: (price of a MHz, VMs on it) */
    long *cache;                        /* candidate PMs of the last query ... */
    int cache_n, cache_k;               /* ... how many, for which k ... */
    unsigned long version, cache_version;   /* ... valid while no move happened */
    xgc_place_cand_t *cand;             /* cache[r] as read by the bound */
    xgc_place_top_t *top;               /* the two lists cache was made of (lazy) */
    int dirty[XGC_PLACE_DIRTY], ndirty; /* PMs moved to or from since (count may
                                         * exceed: too many to track) */
    xgc_place_cand_t hull;              /* the most generous of cand (see s_hull) */
    bool hull_ok;                       /* every pmin ≥ 0: hull bounds them all */
    bool prune;                         /* skip candidates by an upper bound */
    struct {                            /* per VM: its PM's utility without it, */
        double util;                    /* valid while the PM's stamp is `stamp` */
        unsigned long stamp;
    } *left;
    xgc_place_heap_t *empty;            /* per class: empty PMs by rank */
    struct {                            /* per class, side by side for s_best: */
        int first;                      /* the top of its heap (-1: none) */
        double cap, cost;               /* every PM of the class has these */
    } *cls;
    int *rank, *by_rank;                /* PM order: rank of a PM, PM of a rank */
    int limit;                          /* PMs of rank ≥ limit are off-limits */
};

/* One step of water-filling: raise the common level towards `cap_level`,
 * where the next VM (its `shares`) reaches its max. True when it gets there
 * (spare and weight reduced, level = cap_level); false when the spare runs
 * out first (level raised by what is left: the last step). */
static inline bool xgc_place_raise(double *level, double *spare, double *weight,
                                   double cap_level, double shares)
{
    double need = (cap_level - *level) * *weight;
    if (need > *spare) {
        *level += *spare / *weight;
        return false;
    }
    *spare -= need;
    *level = cap_level;
    *weight -= shares;
    return true;
}

/* Grow an array of `size`-byte items to hold one more (doubling). */
bool xgc_place_grow(void **items, int len, int *alloc, size_t size);

/* Utility of PM j's VMs, plus `add` and minus `skip` (−1 for none):
 * water-filling over the sorted list, O(k). -HUGE_VAL when Σ min overflows. */
double xgc_place_pm_util(const xgc_place_state_t *s, int j, int add, int skip);
/* Set the PM order (rank per PM) and the number of PMs allowed. */
int xgc_place_state_order(xgc_place_state_t *s, const int *by_rank, int limit);
/* Replace the whole placement by pm_of (trusted: feasible, indices valid)
 * in one sweep, O(M + N·k log k): cheaper than moving every VM. The PM
 * order and limit stay. 0, or -1 when memory runs out. */
int xgc_place_state_load(xgc_place_state_t *s, const int *pm_of);
/* The first empty PM (in PM order, below the limit) of class cls, or -1. */
int xgc_place_first_empty(const xgc_place_state_t *s, int cls);
/* The n used PMs where a MHz is worth most (the most squeezed), into out. */
size_t xgc_place_dearest(const xgc_place_state_t *s, size_t n, long *out);
/* Skip the exact scoring of a candidate PM when an upper bound on its gain
 * shows it cannot be the answer (on by default; off: every candidate is
 * scored, the reference the tests compare with). Same results bit for bit. */
void xgc_place_state_prune(xgc_place_state_t *s, bool on);
/* Best destination for vm: the k used PMs with most headroom and the k
 * where a MHz is cheapest (k = 0: every used PM), plus the first empty PM of
 * each class when allow_empty; never `exclude`. Returns
 * the PM, or XGC_PLACE_UNPLACED; *gain is its ΔNet (−HUGE_VAL if none fits). */
int xgc_place_best(xgc_place_state_t *s, size_t vm, bool with_power, int k,
                   bool allow_empty, int exclude, double *gain);
/* The same when only a gain above `floor` matters: a candidate is scored
 * exactly only when an upper bound on its gain says it could beat the best
 * so far and the floor; when nothing gains more than the floor the answer
 * may be any PM (or none) gaining no more than it. */
int xgc_place_best_above(xgc_place_state_t *s, size_t vm, bool with_power, int k,
                         double floor, double *gain);

/* Something to sort by a key, largest first, ties by pos (sort.c): a
 * waiting move (key = gain, id = VM, pos = the VM's place in the order), a
 * VM to order (key = its ratio, id = pos = the VM). */
typedef struct {
    double key;
    int id;
    int pos;
} xgc_place_entry_t;

/* Is a before b: larger key, or equal keys and lower pos? A strict total
 * order when the pos are distinct. Without short-circuits: a heap's child
 * picks compile to conditional moves rather than branches that mispredict. */
static inline bool xgc_place_entry_above(xgc_place_entry_t a, xgc_place_entry_t b)
{
    return (a.key > b.key) | ((a.key == b.key) & (a.pos < b.pos));
}

/* Sort n entries best first (xgc_place_entry_above), through tmp (as large);
 * returns the array that holds the result (a or tmp). No NaN keys. */
xgc_place_entry_t *xgc_place_sort(xgc_place_entry_t *a, xgc_place_entry_t *tmp, size_t n);

/* Algorithms (algorithms.c, search.c). `movable[i]` false = pinned. */
int xgc_place_first_fit(const xgc_place_problem_t *p, const xgc_place_options_t *o,
                        const int *initial, const bool *pinned, int *pm_of);
int xgc_place_expand(const xgc_place_problem_t *p, const xgc_place_options_t *o,
                     const int *initial, const bool *pinned, int *pm_of);
/* PM order of the options, as by_rank (npm entries, caller frees). */
int *xgc_place_pm_order(const xgc_place_problem_t *p, xgc_place_pm_order_t order);
/* VM order by key (nvm entries, caller frees). */
int *xgc_place_vm_order(const xgc_place_problem_t *p, xgc_place_key_t key);

#endif
