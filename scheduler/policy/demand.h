/* demand.h — a VM's effective CPU demand from its observed history.
 *
 * Why: a consolidation policy that packs PMs on the *last* CPU sample is
 * either wrong half the time (the sample drops, the PM overloads at the next
 * rise) or must be told a conservative static threshold. xgc instead sizes
 * each VM by an upper envelope of its recent use:
 *
 *     estimate = (1 + headroom) * max( q-quantile of the last `window`
 *                                      samples,  EWMA,  last sample )
 *
 *  - the quantile (default p90 of the last 12 samples = 1 h at 300 s) covers
 *    the VM's usual bursts without chasing every single spike;
 *  - the EWMA (alpha 0.3) keeps a slowly rising trend from being undercut;
 *  - the last sample makes a step up count at once (no lag on a rise);
 *  - the headroom (default 10 %) absorbs the error of the next interval.
 * The estimate only ever uses what was observed: no clock, no I/O, no global
 * state, so the live daemon and the simulator get the same numbers from the
 * same samples. Units are the caller's (MIPS, cores, % of a core): the
 * estimate comes back in the unit the samples went in.
 *
 * Lifecycle: xgc_demand_new() per VM, xgc_demand_observe() once per control
 * interval, xgc_demand_estimate() when planning, xgc_demand_destroy().
 * Before `warmup` samples have been seen the estimate is the caller's prior
 * (e.g. the VM's full size): a VM we know nothing about is not packed tight.
 */
#ifndef XGC_POLICY_DEMAND_H
#define XGC_POLICY_DEMAND_H

#include <stddef.h>

typedef struct {
    int    window;     /* samples in the quantile window (1..64); 12 = 1 h at 300 s */
    double quantile;   /* 0..1, the envelope's quantile (0.9) */
    double alpha;      /* EWMA weight of the newest sample, 0..1 (0.3) */
    double headroom;   /* fraction added on top (0.10) */
    int    warmup;     /* samples needed before the history is trusted (3) */
} xgc_demand_params_t;

typedef struct _xgc_demand_t xgc_demand_t;

/* The documented defaults above. */
void xgc_demand_params_default(xgc_demand_params_t *params);

/* Checks a parameter set; returns 0, or -1 and a reason in *why. */
int xgc_demand_params_check(const xgc_demand_params_t *params, const char **why);
/* The same, also naming the parameter at fault in *key (params.h's name). */
int xgc_demand_params_check_key(const xgc_demand_params_t *params, const char **key,
                                const char **why);

/* A new, empty history. NULL params = defaults. Returns NULL on bad params
 * or out of memory. */
xgc_demand_t *xgc_demand_new(const xgc_demand_params_t *params);
void xgc_demand_destroy(xgc_demand_t **self_p);

/* Records one observed sample (>= 0; negative or NaN samples are ignored). */
void xgc_demand_observe(xgc_demand_t *self, double sample);

/* Forgets the history (e.g. the VM was resized). */
void xgc_demand_reset(xgc_demand_t *self);

/* The effective demand; `prior` is returned while fewer than `warmup`
 * samples have been observed (and when prior is larger, during warm-up). */
double xgc_demand_estimate(const xgc_demand_t *self, double prior);

/* The envelope without headroom (what the VM really used, smoothed). */
double xgc_demand_envelope(const xgc_demand_t *self);

/* For sizing a PM that holds many VMs: the smoothed level (the EWMA, the
 * forecast of the next sample) and the spread (root mean square of the
 * forecast's past errors, exponentially weighted over about `window`
 * samples; 0 before the second sample). Summing levels and variances over a
 * PM's VMs and adding z spreads sizes the PM for the VMs' *joint* next load,
 * which is far below the sum of their individual peaks when they do not
 * peak together (docs/sim.md). */
double xgc_demand_mean(const xgc_demand_t *self);
double xgc_demand_spread(const xgc_demand_t *self);

/* The most recent sample, 0 if none; the number of samples observed. */
double xgc_demand_last(const xgc_demand_t *self);
size_t xgc_demand_count(const xgc_demand_t *self);

#endif
