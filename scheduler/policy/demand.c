/* demand.c — a VM's effective demand: quantile/EWMA/last envelope with
 * headroom over a small ring of recent samples. See demand.h for the why. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/policy/demand.h"
#include "scheduler/policy/params.h"
#include "xgc_stats.h"

#define XGC_DEMAND_MAX_WINDOW 64

struct _xgc_demand_t {
    xgc_demand_params_t params;
    double ring[XGC_DEMAND_MAX_WINDOW];
    int    head;          /* next slot to write */
    int    filled;        /* valid slots, <= window */
    size_t count;         /* samples ever observed */
    double ewma;
    double err2;          /* EWMA of the squared one-step forecast error */
    double last;
};

void xgc_demand_params_default(xgc_demand_params_t *params)
{
    params->window = 12;
    params->quantile = 0.9;
    params->alpha = 0.3;
    params->headroom = 0.10;
    params->warmup = 3;
}

int xgc_demand_params_check_key(const xgc_demand_params_t *p, const char **key,
                                const char **why)
{
    /* in order: the first rule broken is reported; names as in params.c */
    const xgc_policy_rule_t rules[] = {
        {p->window < 1 || p->window > XGC_DEMAND_MAX_WINDOW, "window",
         "window must be 1..64 samples"},
        {!(p->quantile >= 0 && p->quantile <= 1), "quantile", "quantile must be in [0, 1]"},
        {!(p->alpha > 0 && p->alpha <= 1), "alpha", "alpha must be in (0, 1]"},
        {!(p->headroom >= 0 && p->headroom <= 10), "headroom", "headroom must be in [0, 10]"},
        {p->warmup < 0 || p->warmup > p->window, "warmup", "warmup must be 0..window"},
    };
    return xgc_policy_rules_check(rules, sizeof rules / sizeof rules[0], key, why);
}

int xgc_demand_params_check(const xgc_demand_params_t *p, const char **why)
{
    return xgc_demand_params_check_key(p, NULL, why);
}

xgc_demand_t *xgc_demand_new(const xgc_demand_params_t *params)
{
    xgc_demand_params_t p;
    if (params)
        p = *params;
    else
        xgc_demand_params_default(&p);
    if (xgc_demand_params_check(&p, NULL))
        return NULL;
    xgc_demand_t *self = calloc(1, sizeof *self);
    if (self)
        self->params = p;
    return self;
}

void xgc_demand_destroy(xgc_demand_t **self_p)
{
    if (self_p && *self_p) {
        free(*self_p);
        *self_p = NULL;
    }
}

void xgc_demand_observe(xgc_demand_t *self, double sample)
{
    if (!(sample >= 0) || isinf(sample))
        return;
    self->ring[self->head] = sample;
    self->head = (self->head + 1) % self->params.window;
    if (self->filled < self->params.window)
        self->filled++;
    if (self->count) {
        double e = sample - self->ewma;
        double beta = 2.0 / (self->params.window + 1);   /* EW span = window */
        self->err2 = self->count > 1 ? beta * e * e + (1 - beta) * self->err2 : e * e;
    }
    self->ewma = self->count ? self->params.alpha * sample
                                   + (1 - self->params.alpha) * self->ewma
                             : sample;
    self->last = sample;
    self->count++;
}

void xgc_demand_reset(xgc_demand_t *self)
{
    xgc_demand_params_t p = self->params;
    memset(self, 0, sizeof *self);
    self->params = p;
}

/* The q-quantile of the window, linear between order statistics. */
static double s_quantile(const xgc_demand_t *self)
{
    double sorted[XGC_DEMAND_MAX_WINDOW];
    int n = self->filled;
    memcpy(sorted, self->ring, (size_t)n * sizeof sorted[0]);
    return xgc_stats_quantile(sorted, (size_t)n, self->params.quantile);
}

double xgc_demand_envelope(const xgc_demand_t *self)
{
    if (!self->filled)
        return 0;
    double e = s_quantile(self);
    if (self->ewma > e)
        e = self->ewma;
    if (self->last > e)
        e = self->last;
    return e;
}

double xgc_demand_estimate(const xgc_demand_t *self, double prior)
{
    double e = xgc_demand_envelope(self) * (1 + self->params.headroom);
    if (self->count < (size_t)self->params.warmup && prior > e)
        return prior;
    return e;
}

double xgc_demand_mean(const xgc_demand_t *self)
{
    return self->count ? self->ewma : 0;
}

double xgc_demand_spread(const xgc_demand_t *self)
{
    return sqrt(self->err2);
}

double xgc_demand_last(const xgc_demand_t *self)
{
    return self->count ? self->last : 0;
}

size_t xgc_demand_count(const xgc_demand_t *self)
{
    return self->count;
}
