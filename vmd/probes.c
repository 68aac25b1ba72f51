/* probes — CPU, uptime and response-time measurements (see probes.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vmd/probes.h"

static double s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

int xgc_vmd_cpu_parse(const char *text, xgc_vmd_cpu_t *out)
{
    unsigned long long v[8] = {0};
    memset(out, 0, sizeof *out);
    if (strncmp(text, "cpu ", 4) != 0 ||
        sscanf(text + 4, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
               &v[3], &v[4], &v[5], &v[6], &v[7]) < 4)
        return -1;
    /* user nice system idle iowait irq softirq steal: idle + iowait are not busy */
    for (int i = 0; i < 8; i++)
        out->total += v[i];
    out->busy = out->total - v[3] - v[4];
    for (const char *p = strchr(text, '\n'); p; p = strchr(p + 1, '\n'))
        if (strncmp(p + 1, "cpu", 3) == 0 && p[4] >= '0' && p[4] <= '9')
            out->cpus++;
    if (out->cpus == 0)
        out->cpus = 1;
    return 0;
}

double xgc_vmd_cpu_pct(const xgc_vmd_cpu_t *a, const xgc_vmd_cpu_t *b)
{
    if (b->total <= a->total || b->busy < a->busy)
        return 0;
    return (double)(b->busy - a->busy) / (double)(b->total - a->total) * 100.0 * b->cpus;
}

static int s_slurp(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
    return 0;
}

int xgc_vmd_cpu_read(const char *path, xgc_vmd_cpu_t *out)
{
    char buf[8192];
    return s_slurp(path, buf, sizeof buf) < 0 ? -1 : xgc_vmd_cpu_parse(buf, out);
}

double xgc_vmd_uptime(const char *path)
{
    char buf[128];
    double up;
    return s_slurp(path, buf, sizeof buf) == 0 && sscanf(buf, "%lf", &up) == 1 ? up : -1;
}

double xgc_vmd_core_mhz(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[256];
    double mhz = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "cpu MHz", 7) == 0) {
            const char *c = strchr(line, ':');
            if (c)
                mhz = atof(c + 1);
            break;
        }
    if (f)
        fclose(f);
    return mhz;
}

int xgc_vmd_url_parse(const char *url, char *host, int hostlen, int *port,
                      char *path, int pathlen)
{
    if (strncmp(url, "http://", 7) != 0)
        return -1;
    const char *h = url + 7;
    size_t hn = strcspn(h, ":/");
    if (hn == 0 || (int)hn >= hostlen)
        return -1;
    memcpy(host, h, hn);
    host[hn] = '\0';
    const char *rest = h + hn;
    *port = 80;
    if (*rest == ':') {
        char *end;
        long p = strtol(rest + 1, &end, 10);
        if (end == rest + 1 || p <= 0 || p > 65535)
            return -1;
        *port = (int)p;
        rest = end;
    }
    if (*rest && *rest != '/')
        return -1;
    snprintf(path, (size_t)pathlen, "%s", *rest ? rest : "/");
    return 0;
}

double xgc_vmd_probe_http(const char *url, int timeout_ms)
{
    char host[64], path[512];
    int port;
    struct sockaddr_in sa = { .sin_family = AF_INET };
    if (xgc_vmd_url_parse(url, host, sizeof host, &port, path, sizeof path) < 0)
        return -1;
    if (strcmp(host, "localhost") == 0)
        snprintf(host, sizeof host, "127.0.0.1");
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
        return -1;
    sa.sin_port = htons((uint16_t)port);
    double t0 = s_now_ms();
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    char req[700], buf[4096];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", path, host);
    double result = -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
        send(fd, req, (size_t)n, MSG_NOSIGNAL) == n) {
        ssize_t got, first = 0;
        char status[16] = "";
        while ((got = recv(fd, buf, sizeof buf, 0)) > 0) {
            if (first == 0) {
                memcpy(status, buf, got < 15 ? (size_t)got : 15);
                first = got;
            }
        }
        int code = 0;
        if (got == 0 && sscanf(status, "HTTP/%*d.%*d %d", &code) == 1 && code >= 200 && code < 400)
            result = s_now_ms() - t0;
    }
    close(fd);
    return result;
}

double xgc_vmd_probe_cmd(const char *cmd)
{
    double t0 = s_now_ms();
    int rc = system(cmd);
    return rc == 0 ? s_now_ms() - t0 : -1;
}
