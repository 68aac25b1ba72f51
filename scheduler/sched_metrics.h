/* sched_metrics — the cluster's figures in Prometheus text format, served
 * over HTTP by the scheduler (the `metrics: listen:` address).
 *
 * A deliberately tiny responder: one listening socket polled by the
 * daemon's loop; each connection gets the current figures and is closed
 * (HTTP/1.0, any path). A client gets at most 200 ms to send its request,
 * which bounds how long a slow scraper can hold the loop.
 */
#ifndef XGC_SCHED_METRICS_H
#define XGC_SCHED_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The state key where the leading scheduler keeps its last totals: a map
 * {v, round, owner, utility, power_cost, net, power_w, pms_on, pms, vms,
 * unplaced, migrations, time_ms}. */
#define XGC_SCHED_STATS_KEY "sched/stats"

typedef struct {
    double utility, power_cost, net;
    int64_t pms_on, pms, vms, vms_unplaced;
    uint64_t migrations_total, rounds_total, writes_total, cmds_total;
    uint64_t dropped_frames_total, invalid_values_total;
    double plan_time_ms_last, plan_time_ms_sum;
    int64_t pending_writes;      /* queue depth: writes not yet acknowledged */
    bool leader;
    void *power_w;               /* host → watts (last metric.pm), private */
} xgc_sched_metrics_t;

/* Remember a PM's last reported power draw. */
void xgc_sched_metrics_set_power(xgc_sched_metrics_t *m, const char *host, double watts);
double xgc_sched_metrics_power_w(const xgc_sched_metrics_t *m);
void xgc_sched_metrics_clear(xgc_sched_metrics_t *m);

/* The exposition text (all metrics labelled cluster="..."): bytes written
 * (truncated to size-1 if it does not fit). */
size_t xgc_sched_metrics_render(const xgc_sched_metrics_t *m, const char *cluster,
                                char *buf, size_t size);

/* Listen on "host:port": the socket, or -1 with the reason. */
int xgc_sched_metrics_listen(const char *hostport, char *err, size_t errlen);
/* Accept one connection on the listening socket and answer it. */
void xgc_sched_metrics_serve(const xgc_sched_metrics_t *m, const char *cluster, int listen_fd);

#endif
