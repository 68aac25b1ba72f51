/* expand — EMM, PEMM and our optimiser: admit at min, then improve by moves.
 *
 * EMM (ALGORITHMS.md): every VM is admitted at its min by first-fit, VMs by
 * utility per MHz (Umax/max) descending; then the move with the largest gain
 * in Net — a VM to another PM, which is also how it expands — is taken again
 * and again until no move gains. The gains are exact (water-filling on the
 * two PMs concerned); the candidates of a VM are the `candidates` used PMs
 * with most headroom, the `candidates` where a MHz is cheapest, and one empty
 * PM per class of identical PMs. A max-heap holds each VM's best move; a
 * popped move whose gain has changed is re-evaluated and pushed back (lazy
 * greedy); the next round offers only the VMs of the PMs that changed, and a
 * last full round confirms that no move gains: a true local optimum.
 *
 * PEMM: the same with the power cost in the gain (−P_j for a PM that opens,
 * +P_j for one that empties), a pass that opens PMs (pulling VMs from the
 * most squeezed PMs while it pays, since one VM alone rarely pays for a PM)
 * and a pass that tries to close each used PM by re-placing its VMs on the
 * other used PMs, kept when Net rises; until none of them gains. It runs from
 * two starts — the admission (consolidated) and EMM's result (spread) — and
 * keeps the better. Variants: FORWARD (EMM on the first k PMs, k growing
 * while Net rises) and GREEDY (one pass, power-aware gain).
 *
 * Ours (xgc): PEMM, then moves over more candidates, pairwise swaps, opening,
 * closing and (on ≤ 64 PMs) optimal re-partitions of pairs of PMs, until a
 * round gains nothing; on ≤ 5 000 VMs also from GMM's and GM's plans.
 */
#define _GNU_SOURCE /* qsort_r */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/placement/internal.h"

typedef struct {
    const xgc_place_problem_t *p;
    const xgc_place_options_t *o;
    xgc_place_state_t *s;
    const bool *movable;                /* by VM */
    const int *order;                   /* VM order (ties in the heap) */
    int *pos;                           /* position of a VM in `order` */
    bool with_power;
    int k;                              /* candidates per move */
    bool confirmed;                     /* s_improve ended at a local optimum */
    struct s_heap *heap;                /* s_improve's waiting moves (reused) */
    int *out;                           /* not NULL: PEMM may write its plan there
                                         * (then set out_done) rather than load it */
    bool out_done;
} s_search_t;

/* ---- admission ---------------------------------------------------------------- */

/* First-fit by min of the unplaced movable VMs, in order, PMs by rank. The
 * first fit needs only each PM's free CPU above the mins and free memory:
 * they are tallied here, and the state takes the result in one load (one
 * water-filling per PM, not one per VM admitted). */
static int s_admit(s_search_t *x)
{
    const xgc_place_problem_t *p = x->p;
    xgc_place_state_t *s = x->s;
    xgc_fittree_t *tree = xgc_fittree_new(p->npm);
    int *to = malloc((p->nvm + 1) * sizeof *to), rc = -1, admitted = 0;
    double *cpu = malloc((p->npm + 1) * sizeof *cpu), *mem = malloc((p->npm + 1) * sizeof *mem);
    if (!tree || !to || !cpu || !mem)
        goto done;
    memcpy(to, s->pm_of, p->nvm * sizeof *to);
    for (size_t j = 0; j < p->npm; j++) {
        cpu[j] = xgc_place_state_pm_headroom(s, j);
        mem[j] = xgc_place_state_pm_free_mem(s, j);
    }
    for (size_t r = 0; r < p->npm && (int)r < s->limit; r++)
        xgc_fittree_set(tree, r, cpu[s->by_rank[r]], mem[s->by_rank[r]]);
    for (size_t q = 0; q < p->nvm; q++) {
        int i = x->order[q];
        if (!x->movable[i] || to[i] != XGC_PLACE_UNPLACED)
            continue;
        const xgc_place_vm_t *v = &p->vm[i];
        long r = xgc_fittree_first(tree, v->min - 1e-9 * (1 + v->min), v->mem - 1e-9);
        if (r < 0)
            continue;                    /* fits nowhere at min: stays unplaced */
        int j = s->by_rank[r];
        to[i] = j;
        cpu[j] -= v->min;
        mem[j] -= v->mem;
        xgc_fittree_set(tree, (size_t)r, cpu[j], mem[j]);
        admitted++;
    }
    rc = admitted ? xgc_place_state_load(s, to) : 0;
done:
    xgc_fittree_destroy(&tree);
    free(to);
    free(cpu);
    free(mem);
    return rc;
}

/* ---- moves: lazy-greedy best-first --------------------------------------------- */

/* A waiting move: key = its gain, id = the VM, pos = the VM's position in
 * the order (ties). */
typedef xgc_place_entry_t s_entry_t;

/* xgc_place_entry_above for waiting moves, whose gains are all above
 * GAIN_EPS > 0 (s_offer and s_take_moves let no other in): positive doubles
 * order as their bits do, so integer compares give the same strict order
 * without the floating-point compares' NaN handling (the heap's sink is a
 * chain of these). */
static inline bool s_above(s_entry_t a, s_entry_t b)
{
    uint64_t x, y;
    memcpy(&x, &a.key, sizeof x);
    memcpy(&y, &b.key, sizeof y);
    return (x > y) | ((x == y) & (a.pos < b.pos));
}

/* The moves waiting, best first, in two parts: the round's offers, sorted
 * once (a run read from the front), and a 4-ary max-heap of 16-byte entries
 * (the four children in one cache line) for the moves re-scored and put
 * back. It holds at most one entry per VM, so the rest of a VM's move lives
 * beside it, by VM; and it orders by (gain, pos), a strict total order: the
 * same sequence comes out as from a single heap. */
typedef struct s_heap {
    s_entry_t *run;                     /* run[next..nrun): sorted, best first */
    size_t next, nrun;
    s_entry_t *spare;                   /* as large as run: for sorting it */
    s_entry_t *e;                       /* the heap: e[4i+1..4i+4] are i's children */
    size_t len;                         /* (≤ one entry per VM: never grows) */
    s_entry_t *e_block;                 /* e's allocation (e = e_block + 3) */
    struct {                            /* per VM: the move's destination ... */
        unsigned long version;          /* ... as computed in this state ... */
        int to;                         /* (S_QUIET: none gains) ... */
        unsigned call;                  /* ... by this s_improve */
    } *move;
    unsigned call;                      /* s_improve's calls, counted */
    int *touched;                       /* the PMs a round changed ... */
    bool *mark;                         /* ... and by PM: is it listed */
} s_heap_t;

static void s_push(s_heap_t *h, s_entry_t e)
{
    size_t i = h->len++;
    while (i > 0 && s_above(e, h->e[(i - 1) / 4])) {
        h->e[i] = h->e[(i - 1) / 4];
        i = (i - 1) / 4;
    }
    h->e[i] = e;
}

static void s_heap_free(s_heap_t **self_p)
{
    s_heap_t *h = *self_p;
    if (!h)
        return;
    free(h->run);
    free(h->spare);
    free(h->e_block);
    free(h->move);
    free(h->touched);
    free(h->mark);
    free(h);
    *self_p = NULL;
}

/* The waiting moves of a search, allocated once for all its rounds (at
 * 100 000 VMs, fresh buffers per call cost page faults). The heap starts 3
 * entries into a block aligned on 64 bytes, so that the four 16-byte
 * children of a node share one cache line. */
static s_heap_t *s_heap_new(size_t nvm, size_t npm)
{
    s_heap_t *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    size_t block = ((nvm + 4) * sizeof(s_entry_t) + 63) / 64 * 64;
    h->run = malloc((nvm + 1) * sizeof *h->run);
    h->spare = malloc((nvm + 1) * sizeof *h->spare);
    h->e_block = aligned_alloc(64, block);
    h->move = calloc(nvm + 1, sizeof *h->move);   /* no record is quiet */
    h->touched = malloc((npm + 1) * sizeof *h->touched);
    h->mark = calloc(npm + 1, 1);
    if (!h->run || !h->spare || !h->e_block || !h->move || !h->touched || !h->mark)
        s_heap_free(&h);
    else
        h->e = h->e_block + 3;
    return h;
}

/* Put `last` at the top of the heap and let it sink to its place: the
 * larger children move up all the way to a leaf, then `last` climbs back
 * from there (it usually belongs near the bottom, so this saves comparing
 * it at every level; with a strict order, the same place). */
static void s_sink(s_heap_t *h, s_entry_t last)
{
    size_t i = 0;
    if (!h->len)
        return;
    for (;;) {
        size_t c = 4 * i + 1, end = c + 4 < h->len ? c + 4 : h->len;
        if (c >= h->len)
            break;
        if (end == c + 4) {              /* four children: two pairs, then their winners */
            size_t a = s_above(h->e[c + 1], h->e[c]) ? c + 1 : c;
            size_t b = s_above(h->e[c + 3], h->e[c + 2]) ? c + 3 : c + 2;
            c = s_above(h->e[b], h->e[a]) ? b : a;
        } else {
            for (size_t d = c + 1; d < end; d++)
                c = s_above(h->e[d], h->e[c]) ? d : c;
        }
        h->e[i] = h->e[c];
        i = c;
    }
    while (i > 0 && s_above(last, h->e[(i - 1) / 4])) {
        h->e[i] = h->e[(i - 1) / 4];
        i = (i - 1) / 4;
    }
    h->e[i] = last;
}

static size_t s_waiting(const s_heap_t *h)
{
    return h->nrun - h->next + h->len;
}

/* Is the best waiting move the run's (else the heap's)? */
static inline bool s_top_in_run(const s_heap_t *h)
{
    return h->next < h->nrun && (h->len == 0 || s_above(h->run[h->next], h->e[0]));
}

/* The functions below take `run`, s_top_in_run(h) as it stands: the loop
 * of s_take_moves asks once per move looked at, not once per call. */

static s_entry_t s_top(const s_heap_t *h, bool run)
{
    return run ? h->run[h->next] : h->e[0];
}

static void s_pop(s_heap_t *h, bool run)
{
    if (run) {
        h->next++;
    } else {
        h->len--;
        s_sink(h, h->e[h->len]);
    }
}

/* The gain of the move that would be best once the top one is gone, or
 * -HUGE_VAL when it is alone: the next of the run or the heap's best child
 * of its top, whichever part the top is not taken from, or both. */
static double s_second(const s_heap_t *h, bool run)
{
    double g = -HUGE_VAL;
    size_t r = run ? h->next + 1 : h->next;
    if (r < h->nrun)
        g = h->run[r].key;
    if (run && h->len && h->e[0].key > g)
        g = h->e[0].key;
    for (size_t d = 1; !run && d < 5 && d < h->len; d++)
        if (h->e[d].key > g)
            g = h->e[d].key;
    return g;
}

/* Replace the top move by e (the same VM, re-scored). */
static void s_replace(s_heap_t *h, bool run, s_entry_t e)
{
    if (!run) {
        s_sink(h, e);
        return;
    }
    h->next++;
    s_push(h, e);
}

/* vm's best move now: destination and gain (unplacing counts when VMs may be
 * dropped). */
static inline int s_best_move(const s_search_t *x, int vm, double *gain)
{
    /* A move that gains no more than GAIN_EPS is never taken: the best need
     * only be exact above it (unless a drop competes with it). */
    bool place_all = x->o->must_place_all;
    double floor = place_all ? XGC_PLACE_GAIN_EPS : -HUGE_VAL;
    int j = xgc_place_best_above(x->s, (size_t)vm, x->with_power, x->k, floor, gain);
    if (!place_all && x->s->pm_of[vm] >= 0) {
        double drop = xgc_place_state_move_gain(x->s, (size_t)vm, XGC_PLACE_UNPLACED,
                                                x->with_power);
        if (j < 0 || drop > *gain + 1e-12) {
            j = XGC_PLACE_UNPLACED;
            *gain = drop;
        }
    }
    return j;
}

#define S_QUIET (-3)                    /* a VM's record: no move gains */

/* Note that vm's best move gains nothing in this state (its record, which
 * no entry of it uses any more). */
static void s_quiet(s_heap_t *heap, const xgc_place_state_t *s, int vm)
{
    heap->move[vm].to = S_QUIET;
    heap->move[vm].version = s->version;
    heap->move[vm].call = heap->call;
}

/* Was vm's best move found to gain nothing in this state, by this call of
 * s_improve (the same options: with or without power)? Then it still does:
 * the answer is a function of the state. */
static bool s_known_quiet(const s_heap_t *heap, const xgc_place_state_t *s, int vm)
{
    return heap->move[vm].to == S_QUIET && heap->move[vm].version == s->version
           && heap->move[vm].call == heap->call;
}

/* Put vm's best move in the run if it gains. */
static void s_offer(s_search_t *x, s_heap_t *heap, int vm)
{
    double gain;
    if (!x->movable[vm] || s_known_quiet(heap, x->s, vm))
        return;
    int j = s_best_move(x, vm, &gain);
    if ((j < 0 && x->s->pm_of[vm] < 0) || !(gain > XGC_PLACE_GAIN_EPS)) {
        s_quiet(heap, x->s, vm);
        return;
    }
    heap->move[vm].to = j;
    heap->move[vm].version = x->s->version;
    heap->run[heap->nrun++] = (s_entry_t){gain, vm, x->pos[vm]};
}

/* A round's offers: every VM's (full), or only those of VMs alone on their
 * PM (singles), or those of the VMs on the PMs listed in `touched`; sorted
 * into the run. Offers change nothing but the run, which is sorted before
 * any is taken: they go in memory order, not the VM order. */
static void s_offer_round(s_search_t *x, s_heap_t *heap, bool full, bool singles)
{
    const xgc_place_state_t *s = x->s;
    if (full) {
        for (int i = 0; i < (int)x->p->nvm; i++)
            if (!singles || (s->pm_of[i] >= 0 && s->pm[s->pm_of[i]].len == 1))
                s_offer(x, heap, i);
    } else {
        for (int t = 0; heap->touched[t] >= 0; t++)
            for (int r = 0; r < s->pm[heap->touched[t]].len; r++)
                s_offer(x, heap, s->pm[heap->touched[t]].vms[r]);
    }
    if (xgc_place_sort(heap->run, heap->spare, heap->nrun) != heap->run) {
        s_entry_t *t = heap->run;        /* the sorted copy becomes the run */
        heap->run = heap->spare;
        heap->spare = t;
    }
}

/* Take the waiting moves best first until none is left; returns how many
 * were taken, and lists the PMs they changed in heap->touched (ended by -1). */
static long s_take_moves(s_search_t *x, s_heap_t *heap)
{
    xgc_place_state_t *s = x->s;
    long moves = 0;
    int ntouched = 0;
    while (s_waiting(heap)) {
        bool run = s_top_in_run(heap);
        s_entry_t e = s_top(heap, run);
        /* No move since it was computed: it is exact as it stands. */
        double gain = e.key;
        int j = heap->move[e.id].version == s->version ? heap->move[e.id].to
                                                        : s_best_move(x, e.id, &gain);
        int from = s->pm_of[e.id];
        if (!(gain > XGC_PLACE_GAIN_EPS) || (j < 0 && from < 0)) {
            s_pop(heap, run);
            s_quiet(heap, s, e.id);      /* (computed just now) */
            continue;
        }
        /* Still the best of all? Otherwise back in with its new gain:
         * it replaces itself at the top and sinks (a pop and a push). */
        if (s_waiting(heap) > 1 && gain < s_second(heap, run) - 1e-12) {
            heap->move[e.id].to = j;
            heap->move[e.id].version = s->version;
            s_replace(heap, run, (s_entry_t){gain, e.id, e.pos});
            continue;
        }
        s_pop(heap, run);
        xgc_place_state_move(s, (size_t)e.id, j);
        moves++;
        int ends[2] = {from, j};
        for (int t = 0; t < 2; t++)
            if (ends[t] >= 0 && !heap->mark[ends[t]]) {
                heap->mark[ends[t]] = true;
                heap->touched[ntouched++] = ends[t];
            }
    }
    heap->next = heap->nrun = 0;
    for (int t = 0; t < ntouched; t++)
        heap->mark[heap->touched[t]] = false;
    heap->touched[ntouched] = -1;
    return moves;
}

/* Take the best moves until none gains; returns how many were taken.
 * A round offers every VM's best move (the first round and the confirming
 * last), or only those of VMs on PMs the previous round changed. `singles`:
 * the first round offers only VMs alone on their PM, when the caller knows
 * no other VM has a move that gains. x->confirmed: the last round was a
 * full one without moves (a local optimum, not a stop at max_rounds). */
static long s_improve(s_search_t *x, bool singles)
{
    s_heap_t *heap = x->heap;
    bool full = true;
    long moves = 0;
    heap->call++;
    for (int round = 0; round < x->o->max_rounds; round++) {
        x->confirmed = false;
        s_offer_round(x, heap, full, singles && round == 0);
        long taken = s_take_moves(x, heap);
        moves += taken;
        if (taken == 0 && full) {
            x->confirmed = true;
            break;
        }
        full = taken == 0;               /* quiet: confirm with a full round */
    }
    return moves;
}

/* ---- opening PMs (PEMM) ------------------------------------------------------------ */

/* Open the empty PM j by pulling VMs from the most squeezed PMs, one at a
 * time while that gains (the first move pays P_j); keep it when Net rises in
 * total, else put everything back. Returns 1 if opened, 0 if not. */
static int s_try_open(s_search_t *x, int j, int *vms, int *from)
{
    xgc_place_state_t *s = x->s;
    double total = 0;
    int done = 0;
    long dear[8];
    for (; done < x->o->max_rounds * 4 && done < (int)x->p->nvm; done++) {
        size_t n = xgc_place_dearest(s, 8, dear);
        int best = -1;
        double best_gain = -HUGE_VAL;
        for (size_t r = 0; r < n; r++) {
            const xgc_place_pmstate_t *pm = &s->pm[dear[r]];
            for (int t = 0; dear[r] != j && t < pm->len; t++) {
                int i = pm->vms[t];
                double gain = x->movable[i] ? xgc_place_state_move_gain(s, (size_t)i, j, true)
                                            : -HUGE_VAL;
                if (gain > best_gain + 1e-12) {
                    best = i;
                    best_gain = gain;
                }
            }
        }
        if (best < 0 || (done > 0 && !(best_gain > XGC_PLACE_GAIN_EPS)))
            break;
        vms[done] = best;
        from[done] = s->pm_of[best];
        xgc_place_state_move(s, (size_t)best, j);
        total += best_gain;
    }
    if (total > XGC_PLACE_GAIN_EPS)
        return 1;
    while (done-- > 0)
        xgc_place_state_move(s, (size_t)vms[done], from[done]);
    return 0;
}

/* Open PMs, one per class in turn, while it pays; returns how many. */
static int s_open_pass(s_search_t *x)
{
    const xgc_place_problem_t *p = x->p;
    int *vms = malloc((p->nvm + 1) * sizeof *vms), *from = malloc((p->nvm + 1) * sizeof *from);
    int opened = -1;
    if (!vms || !from)
        goto done;
    opened = 0;
    for (bool progress = true; progress;) {
        progress = false;
        for (int c = 0; c < p->nclass; c++) {
            int j = xgc_place_first_empty(x->s, c);
            if (j >= 0 && s_try_open(x, j, vms, from) == 1) {
                opened++;
                progress = true;
            }
        }
    }
done:
    free(vms);
    free(from);
    return opened;
}

/* ---- closing PMs ---------------------------------------------------------------- */

typedef struct {
    double value;
    int pm;
} s_pm_value_t;

static int s_value_cmp(const void *a, const void *b)
{
    const s_pm_value_t *x = a, *y = b;
    if (x->value != y->value)
        return x->value < y->value ? -1 : 1;
    return (x->pm > y->pm) - (x->pm < y->pm);
}

static int s_min_desc(const void *a, const void *b, void *arg)
{
    const xgc_place_problem_t *p = arg;
    int x = *(const int *)a, y = *(const int *)b;
    if (p->vm[x].min != p->vm[y].min)
        return p->vm[x].min > p->vm[y].min ? -1 : 1;
    return (x > y) - (x < y);
}

/* Empty PM j onto the other used PMs, largest min first; keep it when Net
 * rises, else put everything back. Returns 1 if closed, 0 if not, -1. */
static int s_try_close(s_search_t *x, int j, int *vms, int *from)
{
    xgc_place_state_t *s = x->s;
    int n = (int)xgc_place_state_pm_count(s, (size_t)j);
    memcpy(vms, s->pm[j].vms, (size_t)n * sizeof *vms);
    for (int r = 0; r < n; r++)
        if (!x->movable[vms[r]])
            return 0;
    qsort_r(vms, (size_t)n, sizeof *vms, s_min_desc, (void *)x->p);
    double total = 0;
    int done = 0;
    for (; done < n; done++) {
        double gain;
        int to = xgc_place_best(s, (size_t)vms[done], true, x->k, false, j, &gain);
        if (to < 0)
            break;
        from[done] = j;
        xgc_place_state_move(s, (size_t)vms[done], to);
        total += gain;
    }
    if (done == n && total > XGC_PLACE_GAIN_EPS)
        return 1;
    while (done-- > 0)
        xgc_place_state_move(s, (size_t)vms[done], from[done]);
    return 0;
}

/* One closing pass over the used PMs, least valuable (utility − cost) first;
 * it stops after S_CLOSE_MISSES failures in a row (the PMs further on are
 * worth more and harder to close), which keeps it near-linear. */
#define S_CLOSE_MISSES 16

static int s_close_pass(s_search_t *x)
{
    const xgc_place_problem_t *p = x->p;
    xgc_place_state_t *s = x->s;
    s_pm_value_t *cand = malloc((p->npm + 1) * sizeof *cand);
    int *vms = malloc((p->nvm + 1) * sizeof *vms), *from = malloc((p->nvm + 1) * sizeof *from);
    int closed = -1;
    if (!cand || !vms || !from)
        goto done;
    size_t n = 0;
    for (size_t j = 0; j < p->npm; j++)
        if (s->pm[j].len > 0)
            cand[n++] = (s_pm_value_t){s->pm[j].util - p->cost[j], (int)j};
    qsort(cand, n, sizeof *cand, s_value_cmp);
    closed = 0;
    int misses = 0;
    for (size_t r = 0; r < n && (x->k <= 0 || misses < S_CLOSE_MISSES); r++) {
        if (s->pm[cand[r].pm].len == 0)
            continue;
        int ok = s_try_close(x, cand[r].pm, vms, from);
        closed += ok;
        misses = ok ? 0 : misses + 1;
    }
done:
    free(cand);
    free(vms);
    free(from);
    return closed;
}

/* ---- swaps (ours) --------------------------------------------------------------- */

/* For each VM, the best swap with a VM of one of the k used PMs with most
 * headroom (all used PMs when k = 0); taken at once when it gains. On a PM
 * with many VMs, S_SWAP_PARTNERS of them spread over its list (sorted by cap
 * level) stand for all, so that a pass stays O(M·k·S) on dense PMs. */
#define S_SWAP_PARTNERS 16

static long s_swap_pass(s_search_t *x)
{
    const xgc_place_problem_t *p = x->p;
    xgc_place_state_t *s = x->s;
    long swaps = 0, found[64];
    for (size_t q = 0; q < p->nvm; q++) {
        int a = x->order[q], ja = s->pm_of[a];
        if (!x->movable[a] || ja < 0)
            continue;
        size_t n = 0;
        if (x->k <= 0 || (size_t)x->k >= p->npm) {
            for (size_t j = 0; j < p->npm; j++)
                if (s->pm[j].len > 0 && n < 64)
                    found[n++] = (long)j;
        } else {
            n = xgc_fittree_top(s->used_tree, -HUGE_VAL, -HUGE_VAL, (size_t)x->k, found);
        }
        int best = -1;
        double best_gain = XGC_PLACE_GAIN_EPS;
        for (size_t r = 0; r < n; r++) {
            const xgc_place_pmstate_t *pm = &s->pm[found[r]];
            int stride = pm->len > S_SWAP_PARTNERS ? pm->len / S_SWAP_PARTNERS : 1;
            for (int t = 0; found[r] != ja && t < pm->len; t += stride) {
                int b = pm->vms[t];
                double gain = x->movable[b]
                                  ? xgc_place_state_swap_gain(s, (size_t)a, (size_t)b)
                                  : -HUGE_VAL;
                if (gain > best_gain + 1e-12) {
                    best = b;
                    best_gain = gain;
                }
            }
        }
        if (best >= 0) {
            int jb = s->pm_of[best];
            xgc_place_state_move(s, (size_t)a, jb);
            xgc_place_state_move(s, (size_t)best, ja);
            swaps++;
        }
    }
    return swaps;
}

/* Bring the state to placement `to` (feasible: a plan this search made). */
static int s_reset(xgc_place_state_t *s, const int *to)
{
    return xgc_place_state_load(s, to);
}

/* ---- re-partitioning two PMs (ours, small instances) --------------------------- */

#define S_PAIR_MAX 12                   /* VMs of the two PMs together */

/* Utility of the VMs `set` (n of them) on PM j by water-filling, or
 * -HUGE_VAL if Σ min or memory overflows; power cost counted when non-empty. */
static double s_set_net(const xgc_place_problem_t *p, int j, const int *set, int n)
{
    double min[S_PAIR_MAX], max[S_PAIR_MAX], sh[S_PAIR_MAX], x[S_PAIR_MAX], mem = 0;
    for (int r = 0; r < n; r++) {
        const xgc_place_vm_t *v = &p->vm[set[r]];
        min[r] = v->min;
        max[r] = v->max;
        sh[r] = v->shares;
        mem += v->mem;
    }
    if (n == 0)
        return 0;
    if (mem > p->pmem[j] * (1 + XGC_PLACE_EPS)
        || xgc_place_waterfill((size_t)n, min, max, sh, p->cap[j], x) < 0)
        return -HUGE_VAL;
    double u = -p->cost[j];
    for (int r = 0; r < n; r++)
        u += xgc_place_utility(&p->vms[set[r]], x[r]);
    return u;
}

/* The best split of the VMs of PMs a and b between them (2^n splits, n ≤
 * S_PAIR_MAX, pinned VMs stay); applied when it raises Net. */
static bool s_repartition(s_search_t *x, int a, int b)
{
    const xgc_place_problem_t *p = x->p;
    xgc_place_state_t *s = x->s;
    int all[S_PAIR_MAX], n = 0, na = s->pm[a].len, nb = s->pm[b].len;
    if (na + nb > S_PAIR_MAX || na + nb == 0)
        return false;
    for (int r = 0; r < na; r++)
        all[n++] = s->pm[a].vms[r];
    for (int r = 0; r < nb; r++)
        all[n++] = s->pm[b].vms[r];
    unsigned now = (1u << na) - 1, fixed_a = 0, fixed_b = 0, best_mask = now;
    for (int r = 0; r < n; r++)
        if (!x->movable[all[r]])
            *(r < na ? &fixed_a : &fixed_b) |= 1u << r;
    double base = s->pm[a].util + s->pm[b].util - (na ? p->cost[a] : 0) - (nb ? p->cost[b] : 0);
    double best = base + XGC_PLACE_GAIN_EPS;
    for (unsigned mask = 0; mask < (1u << n); mask++) {   /* bit set: on PM a */
        if ((mask & fixed_a) != fixed_a || (mask & fixed_b))
            continue;
        int sa[S_PAIR_MAX], sb[S_PAIR_MAX], ka = 0, kb = 0;
        for (int r = 0; r < n; r++) {
            if (mask >> r & 1)
                sa[ka++] = all[r];
            else
                sb[kb++] = all[r];
        }
        double ua = s_set_net(p, a, sa, ka);
        double ub = ua == -HUGE_VAL ? ua : s_set_net(p, b, sb, kb);
        if (ub != -HUGE_VAL && ua + ub > best) {
            best = ua + ub;
            best_mask = mask;
        }
    }
    if (best_mask == now)
        return false;
    for (int r = 0; r < n; r++)
        xgc_place_state_move(s, (size_t)all[r], best_mask >> r & 1 ? a : b);
    return true;
}

/* Every pair of used PMs, and each used PM with the first empty PM of each
 * class; only on small data centres (≤ 64 PMs). Returns the splits taken. */
static long s_pair_pass(s_search_t *x)
{
    const xgc_place_problem_t *p = x->p;
    long changed = 0;
    if (p->npm > 64)
        return 0;
    for (size_t a = 0; a < p->npm; a++) {
        if (x->s->pm[a].len == 0)
            continue;
        for (size_t b = a + 1; b < p->npm; b++)
            if (x->s->pm[b].len > 0)
                changed += s_repartition(x, (int)a, (int)b);
        for (int c = 0; c < p->nclass; c++) {
            int e = xgc_place_first_empty(x->s, c);
            if (e >= 0 && x->s->pm[a].len > 0)
                changed += s_repartition(x, (int)a, e);
        }
    }
    return changed;
}

/* ---- variants of PEMM -------------------------------------------------------------- */

/* GREEDY: one pass in order, each VM to its best destination with the power
 * cost of opening counted; opened anyway when it must be placed. */
static void s_greedy(s_search_t *x)
{
    for (size_t q = 0; q < x->p->nvm; q++) {
        int i = x->order[q];
        double gain;
        if (!x->movable[i] || x->s->pm_of[i] != XGC_PLACE_UNPLACED)
            continue;
        int j = xgc_place_best(x->s, (size_t)i, true, x->k, true, -1, &gain);
        if (j >= 0 && (gain > 0 || x->o->must_place_all))
            xgc_place_state_move(x->s, (size_t)i, j);
    }
}

/* EMM on the PMs of rank < limit, from the placement `start`; Net or NAN. */
static double s_emm_limited(s_search_t *x, const int *start, int limit, int *out)
{
    xgc_place_state_t *s = xgc_place_state_new(x->p, start);
    double net = NAN;
    if (s)
        xgc_place_state_prune(s, !x->o->rescore_all);
    if (!s || xgc_place_state_order(s, x->s->by_rank, limit) < 0)
        goto done;
    s_search_t sub = *x;
    sub.s = s;
    sub.with_power = false;
    if (s_admit(&sub) < 0 || s_improve(&sub, false) < 0)
        goto done;
    memcpy(out, s->pm_of, x->p->nvm * sizeof *out);
    net = xgc_place_state_net(s);
done:
    xgc_place_state_destroy(&s);
    return net;
}

/* FORWARD: k from the fewest PMs that admit everything at min, upwards, while
 * Net rises (stop after `lookahead` misses); keep the best. */
static int s_forward(s_search_t *x)
{
    const xgc_place_problem_t *p = x->p;
    int *start = malloc((p->nvm + 1) * sizeof *start), *cand = malloc((p->nvm + 1) * sizeof *cand);
    int *best = malloc((p->nvm + 1) * sizeof *best), rc = -1;
    if (!start || !cand || !best)
        goto done;
    memcpy(start, x->s->pm_of, p->nvm * sizeof *start);
    /* k_min: the highest rank first-fit by min uses, plus one. */
    if (s_admit(x) < 0)
        goto done;
    int k = 1;
    for (size_t j = 0; j < p->npm; j++)
        if (x->s->pm[j].len > 0 && x->s->rank[j] + 1 > k)
            k = x->s->rank[j] + 1;
    double best_net = s_emm_limited(x, start, k, best);
    if (isnan(best_net))
        goto done;
    for (int misses = 0; k < (int)p->npm && misses < x->o->pemm_lookahead;) {
        double net = s_emm_limited(x, start, ++k, cand);
        if (isnan(net))
            goto done;
        if (net > best_net + XGC_PLACE_GAIN_EPS) {
            best_net = net;
            memcpy(best, cand, p->nvm * sizeof *best);
            misses = 0;
        } else {
            misses++;
        }
    }
    rc = s_reset(x->s, best);
done:
    free(start);
    free(cand);
    free(best);
    return rc;
}

/* ---- the driver ---------------------------------------------------------------------- */

/* Moves, then (PEMM) opening and closing PMs, until none of them gains.
 * singles: the first round of moves need only offer VMs alone on a PM.
 * A pass that opens or closes nothing puts back every VM it tried, so after
 * moves that ended at a confirmed local optimum and a closing pass that
 * closed nothing, the state is that optimum again (settled): the next
 * round's moves would offer nothing (the same state gives the same gains),
 * and are skipped; if its opening pass opens nothing either, its closing
 * pass would close nothing again, and is skipped too. */
static int s_moves_and_closing(s_search_t *x, bool close, bool singles)
{
    bool settled = false;                /* the state is a confirmed optimum */
    for (int round = 0; round < 8; round++) {
        if (!settled && s_improve(x, singles && round == 0) < 0)
            return -1;
        int opened = close ? s_open_pass(x) : 0;
        if (opened > 0 && s_improve(x, false) < 0)
            return -1;
        int closed = close && !(settled && opened == 0) ? s_close_pass(x) : 0;
        if (opened < 0 || closed < 0)
            return -1;
        if (closed == 0 && opened == 0)
            break;
        settled = x->confirmed && closed == 0;
    }
    return 0;
}

/* Ours: PEMM's result, then wider moves, swaps and closing until stable. */
static int s_polish(s_search_t *x)
{
    int k = x->o->candidates;
    bool small = x->p->npm <= 64;        /* small: every PM is a candidate */
    for (int round = 0; round < 5; round++) {
        x->k = small || k <= 0 ? 0 : 2 * k;
        double before = xgc_place_state_net(x->s);
        if (s_moves_and_closing(x, true, false) < 0)
            return -1;
        x->k = small || k <= 0 ? 0 : (k + 1) / 2;
        if (s_swap_pass(x) < 0)
            return -1;
        s_pair_pass(x);
        if (!(xgc_place_state_net(x->s) > before + XGC_PLACE_GAIN_EPS))
            break;
    }
    return 0;
}

static int s_pemm(s_search_t *x);

/* Ours: PEMM then polish; on instances of interactive size (≤ 5 000 VMs)
 * also polish the plans of GMM and GM (packed at max, often one swap from
 * the best) and keep the best of all. */
static int s_ours(s_search_t *x, const int *initial, const bool *pinned)
{
    const xgc_place_problem_t *p = x->p;
    int *best = malloc((p->nvm + 1) * sizeof *best), *start = malloc((p->nvm + 1) * sizeof *start);
    int rc = -1;
    if (!best || !start || s_pemm(x) < 0 || s_polish(x) < 0)
        goto done;
    double best_net = xgc_place_state_net(x->s);
    memcpy(best, x->s->pm_of, p->nvm * sizeof *best);
    xgc_place_algorithm_t packers[] = {XGC_PLACE_GMM, XGC_PLACE_GM};
    for (int a = 0; p->nvm <= 5000 && a < 2; a++) {
        xgc_place_options_t o = *x->o;
        o.algorithm = packers[a];
        o.key = XGC_PLACE_KEY_DEFAULT;
        if (xgc_place_first_fit(p, &o, initial, pinned, start) < 0)
            goto done;
        if (s_reset(x->s, start) < 0 || s_admit(x) < 0 || s_polish(x) < 0)
            goto done;
        if (xgc_place_state_net(x->s) > best_net + XGC_PLACE_GAIN_EPS) {
            best_net = xgc_place_state_net(x->s);
            memcpy(best, x->s->pm_of, p->nvm * sizeof *best);
        }
    }
    rc = s_reset(x->s, best);
done:
    free(best);
    free(start);
    return rc;
}

/* PEMM's two starts: consolidated (admission, then power-aware moves,
 * opening and closing) and spread (EMM's moves first, then the same); the
 * better Net wins, so PEMM never ends below what EMM reaches and then
 * consolidates. Both begin from the same admission, made once. */
static int s_pemm(s_search_t *x)
{
    const xgc_place_problem_t *p = x->p;
    int *admitted = malloc((p->nvm + 1) * sizeof *admitted);
    int *first = malloc((p->nvm + 1) * sizeof *first), rc = -1;
    if (!admitted || !first || s_admit(x) < 0)
        goto done;
    memcpy(admitted, x->s->pm_of, p->nvm * sizeof *admitted);
    if (s_moves_and_closing(x, x->o->pemm_close, false) < 0)
        goto done;
    double consolidated = xgc_place_state_net(x->s);
    memcpy(first, x->s->pm_of, p->nvm * sizeof *first);
    if (s_reset(x->s, admitted) < 0)
        goto done;
    x->with_power = false;
    long emm = s_improve(x, false);
    x->with_power = true;
    /* EMM ended at a confirmed local optimum: with the power cost counted,
     * only a VM alone on its PM can have a move that gains now. */
    if (emm < 0 || s_moves_and_closing(x, x->o->pemm_close, x->confirmed) < 0)
        goto done;
    rc = 0;
    if (consolidated >= xgc_place_state_net(x->s) - XGC_PLACE_GAIN_EPS) {
        if (x->out) {                    /* the caller only wants the plan */
            memcpy(x->out, first, p->nvm * sizeof *first);
            x->out_done = true;
        } else {
            rc = s_reset(x->s, first);
        }
    }
done:
    free(admitted);
    free(first);
    return rc;
}

static int s_run(s_search_t *x, const int *initial, const bool *pinned)
{
    const xgc_place_options_t *o = x->o;
    if (o->algorithm == XGC_PLACE_PEMM && o->pemm == XGC_PLACE_PEMM_FORWARD)
        return s_forward(x);
    if (o->algorithm == XGC_PLACE_PEMM && o->pemm == XGC_PLACE_PEMM_GREEDY) {
        s_greedy(x);
        return 0;
    }
    if (o->algorithm == XGC_PLACE_XGC)
        return s_ours(x, initial, pinned);
    if (o->algorithm == XGC_PLACE_PEMM)
        return s_pemm(x);
    return s_admit(x) < 0 || s_improve(x, false) < 0 ? -1 : 0;
}

int xgc_place_expand(const xgc_place_problem_t *p, const xgc_place_options_t *o,
                     const int *initial, const bool *pinned, int *pm_of)
{
    xgc_place_key_t key = o->key == XGC_PLACE_KEY_DEFAULT ? XGC_PLACE_KEY_PMAX : o->key;
    xgc_place_pm_order_t pmo = o->pm_order == XGC_PLACE_PMS_DEFAULT ? XGC_PLACE_PMS_CAPACITY
                                                                   : o->pm_order;
    s_search_t x = {.p = p, .o = o, .with_power = o->algorithm != XGC_PLACE_EMM,
                    .k = o->candidates};
    int *by_rank = xgc_place_pm_order(p, pmo), *order = xgc_place_vm_order(p, key);
    int *pos = malloc((p->nvm + 1) * sizeof *pos);
    bool *movable = malloc(p->nvm + 1);
    int rc = -1;
    x.s = xgc_place_state_new(p, initial);
    x.heap = s_heap_new(p->nvm, p->npm);
    if (x.s)
        xgc_place_state_prune(x.s, !o->rescore_all);
    if (!by_rank || !order || !pos || !movable || !x.s || !x.heap
        || xgc_place_state_order(x.s, by_rank, (int)p->npm) < 0)
        goto done;
    for (size_t q = 0; q < p->nvm; q++)
        pos[order[q]] = (int)q;
    for (size_t i = 0; i < p->nvm; i++)
        movable[i] = !(initial && initial[i] >= 0 && (!pinned || pinned[i]));
    x.order = order;
    x.pos = pos;
    x.movable = movable;
    if (o->algorithm == XGC_PLACE_PEMM)  /* (ours polishes PEMM's plan in the state) */
        x.out = pm_of;
    if (s_run(&x, initial, pinned) == 0) {
        if (!x.out_done)
            memcpy(pm_of, x.s->pm_of, p->nvm * sizeof *pm_of);
        rc = 0;
    }
done:
    xgc_place_state_destroy(&x.s);
    s_heap_free(&x.heap);
    free(by_rank);
    free(order);
    free(pos);
    free(movable);
    return rc;
}
