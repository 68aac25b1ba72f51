/* workload — the built-in HTTP work endpoint and busy loop (workload.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vmd/workload.h"

struct xgc_vmd_workload_t {
    int listen_fd, port;
    double work_ms, busy;
    atomic_int stop;
    pthread_t http, spin;
    int has_http, has_spin;
};

static double s_clock_ms(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

void xgc_vmd_work_spin(double ms)
{
    double end = s_clock_ms(CLOCK_THREAD_CPUTIME_ID) + ms;
    volatile unsigned x = 1;
    while (s_clock_ms(CLOCK_THREAD_CPUTIME_ID) < end)
        for (int i = 0; i < 10000; i++)
            x = x * 1664525u + 1013904223u;
}

/* Read the request up to the blank line (or give up), burn, answer. */
static void s_serve(xgc_vmd_workload_t *w, int fd)
{
    struct timeval tv = { .tv_sec = 2 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[2048];
    size_t have = 0;
    while (have < sizeof buf - 1) {
        ssize_t n = recv(fd, buf + have, sizeof buf - 1 - have, 0);
        if (n <= 0)
            break;
        have += (size_t)n;
        buf[have] = '\0';
        if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
            break;
    }
    xgc_vmd_work_spin(w->work_ms);
    static const char resp[] = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
                               "Content-Length: 3\r\n\r\nok\n";
    if (send(fd, resp, sizeof resp - 1, MSG_NOSIGNAL) < 0)
        return;
}

static void *s_http_main(void *arg)
{
    xgc_vmd_workload_t *w = arg;
    while (!atomic_load(&w->stop)) {
        int fd = accept(w->listen_fd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            break;
        }
        s_serve(w, fd);
        close(fd);
    }
    return NULL;
}

static void *s_spin_main(void *arg)
{
    xgc_vmd_workload_t *w = arg;
    while (!atomic_load(&w->stop)) {
        double start = s_clock_ms(CLOCK_MONOTONIC);
        while (s_clock_ms(CLOCK_MONOTONIC) - start < 100 * w->busy)
            xgc_vmd_work_spin(0.5);
        double rest = 100 - (s_clock_ms(CLOCK_MONOTONIC) - start);
        if (rest > 0)
            usleep((useconds_t)(rest * 1000));
    }
    return NULL;
}

static int s_listen(xgc_vmd_workload_t *w, int port, char *err, size_t errlen)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY),
                              .sin_port = htons((uint16_t)(port > 0 ? port : 0)) };
    int one = 1;
    w->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (w->listen_fd < 0 ||
        setsockopt(w->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(w->listen_fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        listen(w->listen_fd, 64) < 0) {
        snprintf(err, errlen, "workload: cannot listen on port %d: %s", port, strerror(errno));
        return -1;
    }
    socklen_t len = sizeof sa;
    getsockname(w->listen_fd, (struct sockaddr *)&sa, &len);
    w->port = ntohs(sa.sin_port);
    return 0;
}

xgc_vmd_workload_t *xgc_vmd_workload_start(int http_port, double work_ms, double busy,
                                           char *err, size_t errlen)
{
    xgc_vmd_workload_t *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->listen_fd = -1;
    w->work_ms = work_ms;
    w->busy = busy < 0 ? 0 : busy > 1 ? 1 : busy;
    if (http_port != 0) {
        if (s_listen(w, http_port, err, errlen) < 0 ||
            pthread_create(&w->http, NULL, s_http_main, w) != 0) {
            xgc_vmd_workload_stop(&w);
            return NULL;
        }
        w->has_http = 1;
    }
    if (w->busy > 0) {
        if (pthread_create(&w->spin, NULL, s_spin_main, w) != 0) {
            snprintf(err, errlen, "workload: cannot start the busy loop");
            xgc_vmd_workload_stop(&w);
            return NULL;
        }
        w->has_spin = 1;
    }
    return w;
}

int xgc_vmd_workload_port(const xgc_vmd_workload_t *self)
{
    return self ? self->port : 0;
}

void xgc_vmd_workload_stop(xgc_vmd_workload_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    xgc_vmd_workload_t *w = *self_p;
    atomic_store(&w->stop, 1);
    if (w->listen_fd >= 0)
        shutdown(w->listen_fd, SHUT_RDWR);   /* wakes accept() */
    if (w->has_http)
        pthread_join(w->http, NULL);
    if (w->has_spin)
        pthread_join(w->spin, NULL);
    if (w->listen_fd >= 0)
        close(w->listen_fd);
    free(w);
    *self_p = NULL;
}
