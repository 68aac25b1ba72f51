/* placement — where each VM should run, and what it will then get.
 *
 * The pure placement core of xgc (no I/O, no clock, no globals): the model of
 * ../shared/ALGORITHMS.md held in flat arrays, the hypervisor's water-filling
 * allocation, the five algorithms of the seed (BS, GM, GMM, EMM, PEMM) with
 * every alternative of the reconstruction behind an option, our own optimiser
 * (PEMM + local search), an exhaustive solver for small instances, and the
 * incremental state that the scheduler's migration-aware re-planner builds on.
 *
 * Every plan, whatever it assumed, is scored the same way: per PM, the VMs get
 * their min and the spare is split in proportion to shares up to each max
 * (water-filling); Net = Σ utility − Σ power cost of the PMs hosting a VM.
 * Memory and Σ min ≤ capacity are hard constraints everywhere.
 *
 * Indices: VMs and PMs are numbered as in the arrays given to
 * xgc_place_problem_new (file order); a placement is an array `pm_of[vm]`
 * holding a PM index or XGC_PLACE_UNPLACED.
 */
#ifndef XGC_PLACEMENT_H
#define XGC_PLACEMENT_H

#include <stdbool.h>
#include <stddef.h>

#include "xgc_model.h"

#define XGC_PLACE_UNPLACED (-1)

/* ---- the problem ---------------------------------------------------------- */

typedef struct xgc_place_problem xgc_place_problem_t;

/* Copies the specs (the caller keeps its arrays). NULL on allocation failure
 * or when a spec is invalid (use xgc_*_spec_validate first for the reason). */
xgc_place_problem_t *xgc_place_problem_new(const xgc_pm_spec_t *pms, size_t npm,
                                           const xgc_vm_spec_t *vms, size_t nvm);
void xgc_place_problem_destroy(xgc_place_problem_t **self_p);
size_t xgc_place_problem_pms(const xgc_place_problem_t *self);
size_t xgc_place_problem_vms(const xgc_place_problem_t *self);
const xgc_pm_spec_t *xgc_place_problem_pm(const xgc_place_problem_t *self, size_t pm);
const xgc_vm_spec_t *xgc_place_problem_vm(const xgc_place_problem_t *self, size_t vm);
/* Index by name in O(log n), or -1. */
int xgc_place_problem_find_pm(const xgc_place_problem_t *self, const char *name);
int xgc_place_problem_find_vm(const xgc_place_problem_t *self, const char *name);
/* Utility of VM `vm` when it receives `mhz` (linear between min and max). */
double xgc_place_utility(const xgc_vm_spec_t *vm, double mhz);

/* ---- water-filling ---------------------------------------------------------- */

/* What k VMs sharing `cap` MHz get: min each, the spare split in proportion to
 * shares, none above max, the share a capped VM cannot take going to others.
 * Exact, O(k log k). Returns 0, or -1 (x untouched) when Σ min > cap. */
int xgc_place_waterfill(size_t k, const double *min, const double *max,
                        const double *shares, double cap, double *x);

/* ---- options ------------------------------------------------------------------ */

typedef enum {
    XGC_PLACE_BS, XGC_PLACE_GM, XGC_PLACE_GMM, XGC_PLACE_EMM, XGC_PLACE_PEMM,
    XGC_PLACE_XGC,          /* ours: PEMM, then moves, swaps and PM closing */
    XGC_PLACE_ALGORITHMS
} xgc_place_algorithm_t;

/* "bs" "gm" "gmm" "emm" "pemm" "xgc" (also "pemm-ls"); -1 if unknown. */
int xgc_place_algorithm_parse(const char *name);
const char *xgc_place_algorithm_name(xgc_place_algorithm_t algorithm);

typedef enum {              /* order of VMs (GM, GMM sort key; EMM admission) */
    XGC_PLACE_KEY_DEFAULT,  /* the algorithm's rule in ALGORITHMS.md */
    XGC_PLACE_KEY_MAX,      /* max desc, then Umax/max desc (GM's rule) */
    XGC_PLACE_KEY_PMAX,     /* Umax/max desc, then max desc (reconstruction) */
    XGC_PLACE_KEY_PMIN,     /* Umin/min desc */
    XGC_PLACE_KEY_SLOPE,    /* g = (Umax−Umin)/(max−min) desc */
    XGC_PLACE_KEY_MIN,      /* min desc (BS-min: first-fit decreasing by min) */
    XGC_PLACE_KEY_ARRIVAL   /* file order */
} xgc_place_key_t;

typedef enum {              /* order in which first-fit tries PMs */
    XGC_PLACE_PMS_DEFAULT,  /* BS: file order; the others: capacity desc */
    XGC_PLACE_PMS_FILE,
    XGC_PLACE_PMS_CAPACITY, /* capacity desc, then name */
    XGC_PLACE_PMS_EFFICIENCY/* capacity per power cost desc (reconstruction ORDER_S) */
} xgc_place_pm_order_t;

typedef enum {              /* PEMM: how the number of PMs is chosen */
    XGC_PLACE_PEMM_MOVES,   /* default: EMM moves with power in the gain + closing */
    XGC_PLACE_PEMM_FORWARD, /* reconstruction: EMM on the first k PMs, k ascending */
    XGC_PLACE_PEMM_GREEDY   /* one pass, gain − P_j for opening a PM */
} xgc_place_pemm_t;

typedef enum {              /* what the shares are, before anything runs */
    XGC_PLACE_SHARES_INPUT, /* as given (default) */
    XGC_PLACE_SHARES_SLOPE, /* s = g, the "utility priority" switch */
    XGC_PLACE_SHARES_EQUAL
} xgc_place_shares_t;

/* Rewrite the shares of n VMs before placing: INPUT keeps them. */
void xgc_place_set_shares(xgc_vm_spec_t *vms, size_t n, xgc_place_shares_t mode);

typedef struct {
    xgc_place_algorithm_t algorithm;
    xgc_place_key_t key;            /* VM order; DEFAULT = the algorithm's */
    xgc_place_pm_order_t pm_order;
    bool bs_min;                    /* BS variant: first-fit by min (ffd) */
    bool gmm_node_major;            /* GMM variant: fill one PM at a time */
    xgc_place_pemm_t pemm;
    int pemm_lookahead;             /* FORWARD: stop after this many misses (2) */
    bool pemm_close;                /* PEMM: the PM-closing pass (true) */
    bool must_place_all;            /* EMM/PEMM never unplace a VM (true) */
    int candidates;                 /* used PMs tried per move, by headroom and by
                                     * cheapest MHz (each); 0 = all (4) */
    int max_rounds;                 /* local-search passes (50) */
    bool rescore_all;               /* EMM/PEMM/XGC: re-score every candidate PM of
                                     * every move, even those unchanged since the
                                     * VM last scored them (slower, same plans:
                                     * the reference for tests) */
} xgc_place_options_t;

xgc_place_options_t xgc_place_options_default(xgc_place_algorithm_t algorithm);

/* ---- scores --------------------------------------------------------------------- */

typedef struct {
    double net, gross, power_cost;
    size_t pms_on, unplaced, at_max;
} xgc_place_score_t;

/* Score a placement with water-filling; alloc (nullable, nvm) receives each
 * VM's MHz (0 if unplaced). Returns 0, or -1 with the reason in err when the
 * placement breaks a constraint (Σ min or memory over a PM, bad index). */
int xgc_place_score(const xgc_place_problem_t *problem, const int *pm_of, double *alloc,
                    xgc_place_score_t *score, char *err, size_t errlen);

/* ---- running an algorithm --------------------------------------------------------- */

/* Place the VMs. `initial` (nullable) is an existing placement; VMs placed
 * there keep their PM when `pinned` is NULL or pinned[vm] is true; VMs not
 * pinned may be moved by the algorithm (EMM/PEMM/XGC start from `initial`,
 * BS/GM/GMM re-place them from scratch). Writes pm_of (nvm). Returns 0, or -1
 * on allocation failure or an `initial` that breaks a constraint. */
int xgc_place_run(const xgc_place_problem_t *problem, const xgc_place_options_t *options,
                  const int *initial, const bool *pinned, int *pm_of);

/* The optimum by exhaustive search ((N+1)^M placements, refuses above
 * 2 000 000); -1 if too large. Writes pm_of and returns 0. */
int xgc_place_exhaustive(const xgc_place_problem_t *problem, int *pm_of);

/* ---- the incremental state (for re-planners) ----------------------------------------- */

/* A placement with each PM's water-filling kept current: O(k) per query, k =
 * VMs on the PM. Gains are ΔNet (utility, and with_power the power cost of
 * PMs that open or empty). */
typedef struct xgc_place_state xgc_place_state_t;

/* From `pm_of` (nullable = all unplaced). NULL on allocation failure or when
 * the placement breaks a constraint. */
xgc_place_state_t *xgc_place_state_new(const xgc_place_problem_t *problem, const int *pm_of);
void xgc_place_state_destroy(xgc_place_state_t **self_p);
int xgc_place_state_pm_of(const xgc_place_state_t *self, size_t vm);
const int *xgc_place_state_assignment(const xgc_place_state_t *self);
size_t xgc_place_state_pm_count(const xgc_place_state_t *self, size_t pm);  /* VMs on it */
double xgc_place_state_pm_utility(const xgc_place_state_t *self, size_t pm);
double xgc_place_state_pm_headroom(const xgc_place_state_t *self, size_t pm); /* C − Σmin */
double xgc_place_state_pm_free_mem(const xgc_place_state_t *self, size_t pm);
double xgc_place_state_net(const xgc_place_state_t *self);   /* O(1), kept current */
/* True when vm could go to pm (Σ min and memory), ignoring where it is now. */
bool xgc_place_state_fits(const xgc_place_state_t *self, size_t vm, size_t pm);
/* ΔNet of moving vm to pm (XGC_PLACE_UNPLACED = take it out); -HUGE_VAL if it
 * does not fit, 0 for its own PM. Nothing changes. */
double xgc_place_state_move_gain(const xgc_place_state_t *self, size_t vm, int pm,
                                 bool with_power);
/* ΔNet of exchanging VMs a and b, placed on two different PMs; -HUGE_VAL
 * if the exchange breaks a constraint (or a, b share a PM / are unplaced).
 * Apply with two xgc_place_state_move calls. */
double xgc_place_state_swap_gain(const xgc_place_state_t *self, size_t a, size_t b);
/* Apply the move (it must fit). */
void xgc_place_state_move(xgc_place_state_t *self, size_t vm, int pm);
/* The best destination among the `candidates` used PMs with most headroom,
 * the `candidates` where a MHz is cheapest, and one empty PM per (capacity,
 * memory, cost) class (the candidate list is cached until the next move); XGC_PLACE_UNPLACED and
 * gain 0 when nothing gains. */
int xgc_place_state_best_move(xgc_place_state_t *self, size_t vm, bool with_power,
                              int candidates, double *gain);
/* What VM `vm` gets now (0 if unplaced), O(k). */
double xgc_place_state_alloc(const xgc_place_state_t *self, size_t vm);
void xgc_place_state_score(const xgc_place_state_t *self, xgc_place_score_t *score);

/* ---- instances for experiments ------------------------------------------------------- */

/* The default generator of BENCHMARKS.md §1, seeded and reproducible. */
typedef struct {
    size_t vms, pms;
    double min_lo, min_hi;          /* min uniform in [250, 1000] MHz */
    double ratio_lo, ratio_hi;      /* max = min × U[1, 3] */
    double rho_lo, rho_hi;          /* utility per MHz ρ ~ U[0.5, 1.5] */
    double slope_lo, slope_hi;      /* g = ρ·U[0.2, 1] */
    double umin_factor;             /* Umin = 1.5·ρ·min */
    double caps[4];                 /* PM capacity drawn from {4000, 8000, 16000} */
    int ncaps;
    double power;                   /* p: P_j = p·C_j/8000 */
    double mem_lo, mem_hi;          /* VM memory uniform in [256, 1024] MB */
    double pm_mem_per_mhz;          /* PM memory = 2 MB per MHz of capacity */
} xgc_place_gen_t;

xgc_place_gen_t xgc_place_gen_default(size_t vms, size_t pms);
/* Allocates *pms and *vms (caller frees). Returns 0 or -1. */
int xgc_place_generate(const xgc_place_gen_t *gen, unsigned long long seed,
                       xgc_pm_spec_t **pms, xgc_vm_spec_t **vms);

#endif
