/* probes — what the vmd measures inside its VM: CPU use from /proc/stat
 * (like the seed's cpu_usage.py), uptime from /proc/uptime, and the
 * response time of a probe — an HTTP GET (like the seed's res_server
 * measured by response_time.py) or a command. Parsers are pure; readers
 * take the file's path so that tests can point them at fixtures.
 */
#ifndef XGC_VMD_PROBES_H
#define XGC_VMD_PROBES_H

#include <stdint.h>

typedef struct {
    uint64_t busy, total;    /* jiffies over all CPUs */
    int cpus;                /* "cpuN" lines */
} xgc_vmd_cpu_t;

/* Pure: parse the text of /proc/stat. 0 or -1. */
int xgc_vmd_cpu_parse(const char *text, xgc_vmd_cpu_t *out);
/* Pure: CPU used between two samples, in % of one core (100 = one core
 * busy; up to cpus*100). */
double xgc_vmd_cpu_pct(const xgc_vmd_cpu_t *a, const xgc_vmd_cpu_t *b);
int xgc_vmd_cpu_read(const char *path, xgc_vmd_cpu_t *out);
/* Seconds since boot from /proc/uptime, or -1. */
double xgc_vmd_uptime(const char *path);
/* MHz of one core from /proc/cpuinfo ("cpu MHz"), or -1. */
double xgc_vmd_core_mhz(const char *path);

/* Pure: split "http://A.B.C.D:PORT/path" (port defaults to 80). 0 or -1. */
int xgc_vmd_url_parse(const char *url, char *host, int hostlen, int *port,
                      char *path, int pathlen);
/* Time of a full HTTP/1.0 GET of url in ms (status 2xx/3xx), or -1 on
 * failure or after timeout_ms. */
double xgc_vmd_probe_http(const char *url, int timeout_ms);
/* Time of `sh -c cmd` in ms if it exits 0, else -1. */
double xgc_vmd_probe_cmd(const char *cmd);

#endif
