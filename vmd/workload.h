/* workload — optional load inside the VM, so that response time under a
 * CPU cap can be measured (the seed's res_server.py + HPL):
 *  - an HTTP endpoint that burns a fixed amount of CPU time per request
 *    (work_ms of thread CPU time, so that a cap stretches it) and answers
 *    "ok"; requests are served one at a time, like the seed's server;
 *  - a busy loop that keeps `busy` of one core busy (duty cycle per 100 ms).
 * Each runs in its own thread; stop() joins them.
 */
#ifndef XGC_VMD_WORKLOAD_H
#define XGC_VMD_WORKLOAD_H

#include <stddef.h>

typedef struct xgc_vmd_workload_t xgc_vmd_workload_t;

/* http_port: 0 none, > 0 that port, -1 any free port (tests). busy in
 * [0, 1]: 0 none. NULL with err on failure. */
xgc_vmd_workload_t *xgc_vmd_workload_start(int http_port, double work_ms, double busy,
                                           char *err, size_t errlen);
/* The HTTP port in use, 0 if none. */
int xgc_vmd_workload_port(const xgc_vmd_workload_t *self);
void xgc_vmd_workload_stop(xgc_vmd_workload_t **self_p);

/* Burn ms of this thread's CPU time. */
void xgc_vmd_work_spin(double ms);

#endif
