/* migrate.h — xgc's consolidation planner and migration gate (pure).
 *
 * Once per control round the caller describes its PMs (capacity, largest
 * single-VM size = one core, a linear power model, asleep or not) and VMs
 * (current PM, effective demand from demand.h, last observed demand, move
 * cost, when and from where it last moved); the planner returns the
 * migrations to start. Pure, for any caller: both xgc sim and the daemon
 * (with `scheduler: {policy: consolidate}`) run it through the same
 * adapter, scheduler/policy_bridge.h. The parameters' names, as both set
 * them (`xgc sim --policy xgc:key=v`, `scheduler: {consolidate: {...}}`),
 * are params.h's table.
 *
 * A PM's load is sized jointly: size = sum of its VMs' levels + z * sqrt(sum
 * of their variances) — the level its load stays under most of the time if
 * the VMs do not all peak at once — and a VM only goes where its own
 * envelope (estimate) fits one core.
 * What the planner does, in order, within a budget of migrations:
 *  1. Relief (mandatory), in two passes. First the PMs violated *now*: what
 *     their VMs use now exceeds their capacity less `margin` (the load
 *     moves on while a copy runs), or a VM is larger than the core. They
 *     shed VMs until what is used now is under that: of the VMs whose
 *     departure alone suffices, the one with the least move cost (the
 *     shortest copy: the violation lasts until it ends), else the one using
 *     most — a VM idle now fixes nothing. This pass may use `catch_up`
 *     times the round's budget: a PM left over now stays over until the
 *     next round. Then, within the round's budget, every PM whose sized
 *     load exceeds `overload` of its capacity (a forecast) sheds VMs the
 *     same way on its sized load until it is under `target`.
 *     Destinations: best fit among awake PMs that stay under `target` on
 *     their sized load and under `target` less `margin` on the load
 *     observed now; else the most power-efficient sleeping PM is woken.
 *  2. Consolidation (optional, gated): from the least loaded awake PM up,
 *     a PM under `underload` is drained if *all* its VMs fit on other awake
 *     PMs under `target` now, none of them is cooling down, and the power
 *     saved (its whole draw minus what the receivers add, linear model)
 *     exceeds `min_gain_w` per migration; as many VMs move as the budgets
 *     allow (a half-drained PM is the least loaded next round: no state).
 *     Receivers are not drained in the same round (no chains), draining
 *     PMs receive nothing (no ping-pong).
 * Gate: at most `max_moves` migrations a round (times `catch_up` while more
 * than twice the PMs the load needs are awake — after a start-up or a
 * load drop, when each migration frees a lot — so that the data centre
 * converges in an hour rather than a day) and `max_moves_per_pm` in
 * or out of any PM; a VM that moved waits `cooldown` rounds before it may
 * move again for consolidation, and is never sent back to the PM it left
 * within `no_return` rounds. Relief may override the cooldown (an
 * overloaded PM is worse than a second move) but not the no-return rule.
 */
#ifndef XGC_POLICY_MIGRATE_H
#define XGC_POLICY_MIGRATE_H

typedef struct {
    double capacity;     /* CPU of the whole PM (MIPS, cores, ...) */
    double core;         /* the most one VM can get (one core) */
    double idle_w;       /* power when awake and idle */
    double max_w;        /* power at full load */
    int    asleep;       /* 1: no VMs, powered down; may be woken */
    double ram;          /* memory for VMs; 0 = not a constraint */
} xgc_plan_pm_t;

typedef struct {
    int    pm;           /* current PM, -1 = none */
    double estimate;     /* effective demand (demand.h), same unit as capacity */
    double mean;         /* smoothed level (xgc_demand_mean) */
    double spread;       /* standard deviation (xgc_demand_spread) */
    double demand;       /* last observed demand */
    double move_cost;    /* relative migration time (e.g. RAM in MB) */
    int    last_move;    /* round of its last migration; < 0: never */
    int    last_from;    /* PM it left then; -1: none */
    double ram;          /* memory it holds (same unit as the PMs' ram) */
    int    pinned;       /* 1: counts on its PM but must not move now (e.g. a
                            create or migration still under way) */
} xgc_plan_vm_t;

typedef struct {
    double target;           /* fill PMs up to this share of capacity (1.00) */
    double overload;         /* relieve above this sized share (1.00) */
    double underload;        /* try to empty below this share (0.80) */
    int    max_moves;        /* per round; 0 = 2 % of the VMs, at least 4 */
    int    max_moves_per_pm; /* in + out of one PM per round (8) */
    int    cooldown;         /* rounds before a VM moves again (12) */
    int    no_return;        /* rounds a VM may not go back (72) */
    double min_gain_w;       /* watts saved per migration to consolidate (5) */
    double z;                /* spreads of headroom on a PM's joint load (0.65) */
    int    catch_up;         /* budget multiplier while more than twice the
                                PMs needed are awake, and for violations
                                now (8; 1 = off) */
    double margin;           /* keep what a PM's VMs use now this share under
                                its capacity (0.02) */
} xgc_plan_params_t;

typedef struct {
    int vm, from, to;
    int relief;          /* 1: sheds load of an overloaded PM; 0: consolidation */
} xgc_plan_move_t;

void xgc_plan_params_default(xgc_plan_params_t *params);
int xgc_plan_params_check(const xgc_plan_params_t *params, const char **why);
/* The same, also naming the parameter at fault in *key (its name in
 * params.h's table: "moves" for max_moves, ...); either pointer may be NULL. */
int xgc_plan_params_check_key(const xgc_plan_params_t *params, const char **key,
                              const char **why);

/* Plans round `round`. Writes at most max_out moves; returns their number,
 * or -1 (bad arguments or out of memory; nothing planned). VMs' pm fields
 * are not changed: the caller applies the moves. */
int xgc_plan_round(const xgc_plan_params_t *params, const xgc_plan_pm_t *pms, int n_pms,
                   const xgc_plan_vm_t *vms, int n_vms, int round,
                   xgc_plan_move_t *moves, int max_out);

/* Placement of one new VM given the PMs' current joint loads (sums of
 * their VMs' mean[i] and variance var[i]): best fit under target among
 * awake PMs, else the most efficient sleeping PM that can take it, else the
 * least loaded PM whose core can; -1 if no PM's core is large enough. The
 * caller adds the VM's mean, spread^2 and ram to the chosen PM's sums
 * (ram[i]: memory in use; a PM with ram 0 has no memory limit). */
int xgc_plan_place(const xgc_plan_params_t *params, const xgc_plan_pm_t *pms, int n_pms,
                   const double *mean, const double *var, const double *ram,
                   const xgc_plan_vm_t *vm);

#endif
