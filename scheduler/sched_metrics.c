/* sched_metrics — see sched_metrics.h. */
#define _GNU_SOURCE              /* accept4 */
#include <arpa/inet.h>
#include <czmq.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "scheduler/sched_metrics.h"

static void s_free_double(void **item)
{
    free(*item);
    *item = NULL;
}

void xgc_sched_metrics_set_power(xgc_sched_metrics_t *m, const char *host, double watts)
{
    if (!m->power_w && (m->power_w = zhashx_new()))
        zhashx_set_destructor(m->power_w, s_free_double);
    if (!m->power_w)
        return;
    double *w = zhashx_lookup(m->power_w, host);
    if (!w && (w = malloc(sizeof *w)) && zhashx_insert(m->power_w, host, w) != 0) {
        free(w);
        return;
    }
    if (w)
        *w = watts;
}

double xgc_sched_metrics_power_w(const xgc_sched_metrics_t *m)
{
    double sum = 0;
    if (m->power_w)
        for (double *w = zhashx_first(m->power_w); w; w = zhashx_next(m->power_w))
            sum += *w;
    return sum;
}

void xgc_sched_metrics_clear(xgc_sched_metrics_t *m)
{
    zhashx_t *t = m->power_w;
    zhashx_destroy(&t);
    m->power_w = NULL;
}

size_t xgc_sched_metrics_render(const xgc_sched_metrics_t *m, const char *cluster,
                                char *buf, size_t size)
{
    struct { const char *name, *type, *help; double value; } rows[] = {
        {"xgc_utility", "gauge", "gross utility of the placement", m->utility},
        {"xgc_power_cost", "gauge", "power cost of the PMs in use (utility units)", m->power_cost},
        {"xgc_net_utility", "gauge", "utility minus power cost", m->net},
        {"xgc_power_watts", "gauge", "power drawn, sum of the PMs' last reports",
         xgc_sched_metrics_power_w(m)},
        {"xgc_pms_on", "gauge", "PMs powered on", (double)m->pms_on},
        {"xgc_pms", "gauge", "PMs registered", (double)m->pms},
        {"xgc_vms", "gauge", "VMs with a spec", (double)m->vms},
        {"xgc_vms_unplaced", "gauge", "VMs without room", (double)m->vms_unplaced},
        {"xgc_migrations_total", "counter", "live migrations planned", (double)m->migrations_total},
        {"xgc_plan_rounds_total", "counter", "planning rounds", (double)m->rounds_total},
        {"xgc_plan_time_ms", "gauge", "time of the last round", m->plan_time_ms_last},
        {"xgc_plan_time_ms_sum", "counter", "time of all rounds", m->plan_time_ms_sum},
        {"xgc_plan_writes_total", "counter", "blackboard writes of the plan", (double)m->writes_total},
        {"xgc_commands_total", "counter", "cmd events published", (double)m->cmds_total},
        {"xgc_queue_pending_writes", "gauge", "writes not yet acknowledged", (double)m->pending_writes},
        {"xgc_dropped_frames_total", "counter", "undecodable event frames", (double)m->dropped_frames_total},
        {"xgc_invalid_values_total", "counter", "undecodable state values", (double)m->invalid_values_total},
        {"xgc_scheduler_leader", "gauge", "1 if this scheduler leads", m->leader ? 1.0 : 0.0},
    };
    size_t off = 0;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0] && off < size; i++) {
        int n = snprintf(buf + off, size - off, "# HELP %s %s\n# TYPE %s %s\n%s{cluster=\"%s\"} %.17g\n",
                         rows[i].name, rows[i].help, rows[i].name, rows[i].type, rows[i].name,
                         cluster, rows[i].value);
        if (n < 0)
            break;
        off += (size_t)n;
    }
    return off < size ? off : size ? size - 1 : 0;
}

int xgc_sched_metrics_listen(const char *hostport, char *err, size_t errlen)
{
    char host[64];
    const char *colon = strrchr(hostport, ':');
    struct sockaddr_in sa = {.sin_family = AF_INET};
    if (!colon || (size_t)(colon - hostport) >= sizeof host) {
        snprintf(err, errlen, "listen '%s': expected host:port", hostport);
        return -1;
    }
    snprintf(host, sizeof host, "%.*s", (int)(colon - hostport), hostport);
    int port = atoi(colon + 1);
    if (port < 0 || port > 65535 || !isdigit((unsigned char)colon[1])
        || inet_pton(AF_INET, !strcmp(host, "*") ? "0.0.0.0" : host, &sa.sin_addr) != 1) {
        snprintf(err, errlen, "listen '%s': expected IPv4-address:port", hostport);
        return -1;
    }
    sa.sin_port = htons((uint16_t)port);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0
        || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 16) < 0) {
        snprintf(err, errlen, "listen '%s': %s", hostport, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

void xgc_sched_metrics_serve(const xgc_sched_metrics_t *m, const char *cluster, int listen_fd)
{
    int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return;
    struct timeval tv = {0, 200000};
    char req[2048], body[8192], head[256];
    size_t got = 0;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    while (got < sizeof req - 1) {          /* read the request head, ignore it */
        ssize_t n = recv(fd, req + got, sizeof req - 1 - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
        req[got] = 0;
        if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
            break;
    }
    size_t len = xgc_sched_metrics_render(m, cluster, body, sizeof body);
    int hl = snprintf(head, sizeof head,
                      "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
                      "Content-Length: %zu\r\nConnection: close\r\n\r\n", len);
    if (send(fd, head, (size_t)hl, MSG_NOSIGNAL) == hl)
        send(fd, body, len, MSG_NOSIGNAL);
    close(fd);
}
