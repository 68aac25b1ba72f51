/* trace.h — CPU traces for xgc sim: one row of samples per VM.
 *
 * Two loaders fill the same structure:
 *  - a PlanetLab/CoMon folder: one file per VM, one integer per line (CPU in
 *    % of the VM's capacity, every 300 s). VMs are taken in file-name order
 *    (byte order); names may contain spaces. A file with a bad line (not an
 *    integer 0..100, or a different number of lines than the first good
 *    file) is skipped with a warning; hidden files and sub-folders are
 *    ignored; a missing or unreadable folder, or one without a single good
 *    file, is an error.
 *  - a generic CSV (`--trace FILE.csv`, see docs/sim.md): rows
 *    `timestamp_s,vm,cpu` (cpu in % of the VM's capacity) and declarations
 *    `#capacity,vm,mips,ram_mb`; any bad line is an error with file:line.
 * VMs without a declared capacity get the PlanetLab VM types (2500/870,
 * 2000/1740, 1000/1740, 500/613 MIPS/MB) in contiguous blocks of ceil(n/4)
 * in load order. Errors and warnings are written into caller buffers: the
 * loaders print nothing.
 */
#ifndef XGC_SIM_TRACE_H
#define XGC_SIM_TRACE_H

#include <stddef.h>

typedef struct {
    char   *name;
    double  mips;       /* capacity of the VM (one core) */
    int     ram_mb;
    int     type;       /* 0..3 = PlanetLab type, -1 = declared capacity */
} xgc_trace_vm_t;

typedef struct {
    int             n_vms;
    int             n_steps;
    double          interval_s;
    xgc_trace_vm_t *vms;
    float          *cpu;         /* n_vms * n_steps, % of the VM's capacity */
    int             n_skipped;   /* files skipped with a warning */
} xgc_trace_t;

/* CPU of VM v at step k, in % (0..100). */
static inline double xgc_trace_cpu(const xgc_trace_t *t, int v, int k)
{
    return t->cpu[(size_t)v * (size_t)t->n_steps + (size_t)k];
}

/* Loads a PlanetLab folder. Returns NULL and a message in err on error;
 * warnings (skipped files, one per line) go to warn, truncated if long. */
xgc_trace_t *xgc_trace_load_planetlab(const char *dir, char *err, size_t err_len,
                                      char *warn, size_t warn_len);

/* Loads a generic CSV trace; interval_s is the sampling period (300). */
xgc_trace_t *xgc_trace_load_csv(const char *path, double interval_s, char *err,
                                size_t err_len);

/* A trace built in memory (tests, workload transforms): n_vms x n_steps
 * samples in %, VM names "vm<i>", PlanetLab types. */
xgc_trace_t *xgc_trace_new(int n_vms, int n_steps, double interval_s, const float *cpu);

/* Gives VMs the PlanetLab types in contiguous blocks of ceil(n/4), skipping
 * VMs whose capacity was declared (type -1 with mips > 0). */
void xgc_trace_assign_types(xgc_trace_t *t);

void xgc_trace_destroy(xgc_trace_t **self_p);



/* Workload variants for robustness checks (new traces; NULL if out of
 * memory or bad range). Same VMs; PlanetLab types are kept unless said. */
/* Steps [from, to) only (e.g. one half of the day). */
xgc_trace_t *xgc_trace_slice(const xgc_trace_t *t, int from, int to);
/* VM types re-dealt at random (a seeded permutation of the type list). */
xgc_trace_t *xgc_trace_shuffle_types(const xgc_trace_t *t, unsigned seed);
/* Each VM's samples rotated by its own seeded random offset: the VMs no
 * longer peak together as they did on the recorded day. */
xgc_trace_t *xgc_trace_shift(const xgc_trace_t *t, unsigned seed);

#endif
