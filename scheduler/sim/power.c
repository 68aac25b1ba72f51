/* power.c — SPECpower interpolation for the simulated PMs. */
#include <math.h>

#include "scheduler/sim/power.h"

const xgc_sim_power_t xgc_power_g4 = {
    "G4", 2, 1860, 4096,
    {86, 89.4, 92.6, 96, 99.5, 102, 106, 108, 112, 114, 117}};
const xgc_sim_power_t xgc_power_g5 = {
    "G5", 2, 2660, 4096,
    {93.7, 97, 101, 105, 110, 116, 121, 125, 129, 133, 135}};

double xgc_power_at(const xgc_sim_power_t *model, double u)
{
    if (!(u > 0))
        return model->watts[0];
    if (u >= 1)
        return model->watts[10];
    double pos = u * 10;
    int lo = (int)floor(pos);
    return model->watts[lo] + (pos - lo) * (model->watts[lo + 1] - model->watts[lo]);
}
