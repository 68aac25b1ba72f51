/* generate — synthetic data centres (BENCHMARKS.md §1), the exhaustive
 * optimum for small instances, and the shares switch.
 *
 * The generator uses its own seeded PRNG (splitmix64), so that an instance is
 * a function of (parameters, seed) on every machine: the same seed gives the
 * same file, the same figures.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/placement/internal.h"

xgc_place_gen_t xgc_place_gen_default(size_t vms, size_t pms)
{
    return (xgc_place_gen_t){
        .vms = vms, .pms = pms,
        .min_lo = 250, .min_hi = 1000,
        .ratio_lo = 1, .ratio_hi = 3,
        .rho_lo = 0.5, .rho_hi = 1.5,
        .slope_lo = 0.2, .slope_hi = 1,
        .umin_factor = 1.5,
        .caps = {4000, 8000, 16000}, .ncaps = 3,
        .power = 0,
        .mem_lo = 256, .mem_hi = 1024,
        .pm_mem_per_mhz = 2,
    };
}

static unsigned long long s_next(unsigned long long *state)
{
    unsigned long long z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static double s_uniform(unsigned long long *state, double lo, double hi)
{
    return lo + (hi - lo) * (double)(s_next(state) >> 11) / 9007199254740992.0;
}

int xgc_place_generate(const xgc_place_gen_t *gen, unsigned long long seed,
                       xgc_pm_spec_t **pms_out, xgc_vm_spec_t **vms_out)
{
    xgc_pm_spec_t *pms = calloc(gen->pms ? gen->pms : 1, sizeof *pms);
    xgc_vm_spec_t *vms = calloc(gen->vms ? gen->vms : 1, sizeof *vms);
    if (!pms || !vms || gen->ncaps < 1) {
        free(pms);
        free(vms);
        return -1;
    }
    unsigned long long state = seed;
    for (size_t j = 0; j < gen->pms; j++) {
        xgc_pm_spec_t *pm = &pms[j];
        snprintf(pm->name, sizeof pm->name, "pm%05zu", j + 1);
        pm->cpu_mhz = gen->caps[s_next(&state) % (unsigned)gen->ncaps];
        pm->mem_mb = round(gen->pm_mem_per_mhz * pm->cpu_mhz);
        pm->power_cost = gen->power * pm->cpu_mhz / 8000;
        pm->power = (xgc_power_model_t){.idle_w = 86, .peak_w = 117};
        strcpy(pm->driver, "sim");
    }
    for (size_t i = 0; i < gen->vms; i++) {
        xgc_vm_spec_t *vm = &vms[i];
        snprintf(vm->name, sizeof vm->name, "vm%06zu", i + 1);
        double min = round(s_uniform(&state, gen->min_lo, gen->min_hi));
        double max = round(min * s_uniform(&state, gen->ratio_lo, gen->ratio_hi));
        double rho = s_uniform(&state, gen->rho_lo, gen->rho_hi);
        double g = rho * s_uniform(&state, gen->slope_lo, gen->slope_hi);
        vm->min_mhz = min;
        vm->max_mhz = max < min ? min : max;
        vm->utility_min = round(100 * gen->umin_factor * rho * min) / 100;
        vm->utility_max = round(100 * (vm->utility_min + g * (vm->max_mhz - min))) / 100;
        vm->shares = fmax(0.01, round(1000 * g) / 1000);      /* shares = g */
        vm->mem_mb = round(s_uniform(&state, gen->mem_lo, gen->mem_hi));
    }
    *pms_out = pms;
    *vms_out = vms;
    return 0;
}

void xgc_place_set_shares(xgc_vm_spec_t *vms, size_t n, xgc_place_shares_t mode)
{
    for (size_t i = 0; i < n && mode != XGC_PLACE_SHARES_INPUT; i++) {
        double span = vms[i].max_mhz - vms[i].min_mhz;
        double g = span > 0 ? (vms[i].utility_max - vms[i].utility_min) / span : 0;
        vms[i].shares = mode == XGC_PLACE_SHARES_EQUAL ? 256 : fmax(1e-6, g);
    }
}

/* ---- the exhaustive optimum ---------------------------------------------------------- */

static bool s_feasible(const xgc_place_state_t *s)
{
    const xgc_place_problem_t *p = s->p;
    for (size_t j = 0; j < p->npm; j++)
        if (s->pm[j].summin > p->cap[j] * (1 + XGC_PLACE_EPS)
            || s->pm[j].summem > p->pmem[j] * (1 + XGC_PLACE_EPS))
            return false;
    return true;
}

int xgc_place_exhaustive(const xgc_place_problem_t *p, int *pm_of)
{
    double count = pow((double)p->npm + 1, (double)p->nvm);
    if (count > 2e6)
        return -1;
    xgc_place_state_t *s = xgc_place_state_new(p, NULL);
    if (!s)
        return -1;
    /* An odometer over the VMs' digits, −1 … N−1; the state follows each
     * change (moves without checks), feasibility is tested per placement. */
    double best = 0;                     /* all unplaced: Net 0 */
    for (size_t i = 0; i < p->nvm; i++)
        pm_of[i] = XGC_PLACE_UNPLACED;
    for (;;) {
        size_t d = 0;
        while (d < p->nvm && s->pm_of[d] == (int)p->npm - 1) {
            xgc_place_state_move(s, d, XGC_PLACE_UNPLACED);
            d++;
        }
        if (d == p->nvm)
            break;
        xgc_place_state_move(s, d, s->pm_of[d] + 1);
        if (s_feasible(s) && xgc_place_state_net(s) > best + 1e-9) {
            best = xgc_place_state_net(s);
            memcpy(pm_of, s->pm_of, p->nvm * sizeof *pm_of);
        }
    }
    xgc_place_state_destroy(&s);
    return 0;
}
