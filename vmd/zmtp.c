/* zmtp — a minimal ZMTP 3.0 publisher over a plain TCP socket (zmtp.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vmd/zmtp.h"

struct xgc_zmtp_t {
    struct sockaddr_in addr;
    int valid;
    int fd;
    char error[160];
};

void xgc_zmtp_greeting(uint8_t out[XGC_ZMTP_GREETING_LEN])
{
    memset(out, 0, XGC_ZMTP_GREETING_LEN);
    out[0] = 0xFF;           /* signature: FF, 8 bytes padding, 7F */
    out[9] = 0x7F;
    out[10] = 3;             /* version 3.0 */
    out[11] = 0;
    memcpy(out + 12, "NULL", 4);   /* mechanism, 20 bytes zero-padded */
    out[32] = 0;             /* as-server: no; 31 bytes filler follow */
}

int xgc_zmtp_greeting_ok(const uint8_t *buf)
{
    return buf[0] == 0xFF && buf[9] == 0x7F && buf[10] >= 3 &&
           memcmp(buf + 12, "NULL\0", 5) == 0;
}

size_t xgc_zmtp_frame_header(size_t len, int more, uint8_t out[9])
{
    if (len <= 255) {
        out[0] = more ? 0x01 : 0x00;
        out[1] = (uint8_t)len;
        return 2;
    }
    out[0] = (uint8_t)(0x02 | (more ? 0x01 : 0x00));
    for (int i = 0; i < 8; i++)
        out[1 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
    return 9;
}

size_t xgc_zmtp_ready(const char *type, uint8_t *out, size_t cap)
{
    static const char name[] = "Socket-Type";
    size_t tlen = strlen(type);
    size_t body = 1 + 5 + 1 + (sizeof name - 1) + 4 + tlen;
    if (body > 255 || body + 2 > cap)
        return 0;
    uint8_t *p = out;
    *p++ = 0x04;             /* command, short */
    *p++ = (uint8_t)body;
    *p++ = 5;
    memcpy(p, "READY", 5);
    p += 5;
    *p++ = (uint8_t)(sizeof name - 1);
    memcpy(p, name, sizeof name - 1);
    p += sizeof name - 1;
    *p++ = 0; *p++ = 0; *p++ = 0;
    *p++ = (uint8_t)tlen;
    memcpy(p, type, tlen);
    return body + 2;
}

xgc_zmtp_t *xgc_zmtp_new(const char *endpoint)
{
    xgc_zmtp_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->fd = -1;
    char host[64];
    int port;
    if (sscanf(endpoint, "tcp://%63[^:]:%d", host, &port) == 2 && port > 0 && port < 65536) {
        self->addr.sin_family = AF_INET;
        self->addr.sin_port = htons((uint16_t)port);
        if (strcmp(host, "localhost") == 0)
            snprintf(host, sizeof host, "127.0.0.1");
        self->valid = inet_pton(AF_INET, host, &self->addr.sin_addr) == 1;
    }
    if (!self->valid)
        snprintf(self->error, sizeof self->error,
                 "endpoint '%s' is not tcp://IPv4:port", endpoint);
    return self;
}

static void s_close(xgc_zmtp_t *self)
{
    if (self->fd >= 0)
        close(self->fd);
    self->fd = -1;
}

void xgc_zmtp_destroy(xgc_zmtp_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    s_close(*self_p);
    free(*self_p);
    *self_p = NULL;
}

const char *xgc_zmtp_error(const xgc_zmtp_t *self)
{
    return self->error;
}

static int64_t s_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for fd to be readable/writable until the deadline: 0 or -1. */
static int s_wait(int fd, short events, int64_t deadline)
{
    int64_t left = deadline - s_ms();
    struct pollfd p = { .fd = fd, .events = events };
    return left > 0 && poll(&p, 1, (int)left) == 1 ? 0 : -1;
}

static int s_write_all(xgc_zmtp_t *self, const void *data, size_t len, int64_t deadline)
{
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t n = send(self->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (s_wait(self->fd, POLLOUT, deadline) < 0) {
                snprintf(self->error, sizeof self->error, "send timed out");
                return -1;
            }
        } else {
            snprintf(self->error, sizeof self->error, "send: %s", strerror(errno));
            return -1;
        }
    }
    return 0;
}

static int s_read_exact(xgc_zmtp_t *self, uint8_t *buf, size_t len, int64_t deadline)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = recv(self->fd, buf + got, len - got, MSG_DONTWAIT);
        if (n > 0) {
            got += (size_t)n;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (s_wait(self->fd, POLLIN, deadline) < 0) {
                snprintf(self->error, sizeof self->error, "handshake timed out");
                return -1;
            }
        } else {
            snprintf(self->error, sizeof self->error, "broker closed the connection");
            return -1;
        }
    }
    return 0;
}

/* Read one frame or command and throw it away (the peer's READY). */
static int s_skip_frame(xgc_zmtp_t *self, int64_t deadline)
{
    uint8_t h[9];
    if (s_read_exact(self, h, 2, deadline) < 0)
        return -1;
    uint64_t len = h[1];
    if (h[0] & 0x02) {
        if (s_read_exact(self, h + 2, 7, deadline) < 0)
            return -1;
        len = 0;
        for (int i = 1; i < 9; i++)
            len = len << 8 | h[i];
    }
    uint8_t buf[256];
    while (len > 0) {
        size_t n = len < sizeof buf ? (size_t)len : sizeof buf;
        if (s_read_exact(self, buf, n, deadline) < 0)
            return -1;
        len -= n;
    }
    return 0;
}

static int s_connect(xgc_zmtp_t *self, int64_t deadline)
{
    self->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (self->fd < 0)
        return -1;
    if (connect(self->fd, (struct sockaddr *)&self->addr, sizeof self->addr) < 0 &&
        errno != EINPROGRESS) {
        snprintf(self->error, sizeof self->error, "connect: %s", strerror(errno));
        s_close(self);
        return -1;
    }
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    if (s_wait(self->fd, POLLOUT, deadline) < 0 ||
        getsockopt(self->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr) {
        snprintf(self->error, sizeof self->error, "connect: %s",
                 soerr ? strerror(soerr) : "timed out");
        s_close(self);
        return -1;
    }
    uint8_t g[XGC_ZMTP_GREETING_LEN], peer[XGC_ZMTP_GREETING_LEN], ready[64];
    xgc_zmtp_greeting(g);
    size_t rl = xgc_zmtp_ready("PUB", ready, sizeof ready);
    if (s_write_all(self, g, sizeof g, deadline) < 0 ||
        s_read_exact(self, peer, sizeof peer, deadline) < 0) {
        s_close(self);
        return -1;
    }
    if (!xgc_zmtp_greeting_ok(peer)) {
        snprintf(self->error, sizeof self->error, "peer is not a ZMTP 3 NULL socket");
        s_close(self);
        return -1;
    }
    if (s_write_all(self, ready, rl, deadline) < 0 || s_skip_frame(self, deadline) < 0) {
        s_close(self);
        return -1;
    }
    return 0;
}

/* Throw away what the XSUB sent (subscriptions); notice a closed peer. */
static int s_drain(xgc_zmtp_t *self)
{
    uint8_t buf[512];
    for (;;) {
        ssize_t n = recv(self->fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        snprintf(self->error, sizeof self->error, "broker closed the connection");
        return -1;
    }
}

int xgc_zmtp_publish(xgc_zmtp_t *self, const char *topic, const void *data, size_t len,
                     int timeout_ms)
{
    if (!self->valid)
        return -1;
    int64_t deadline = s_ms() + timeout_ms;
    if (self->fd >= 0 && s_drain(self) < 0)
        s_close(self);
    if (self->fd < 0 && s_connect(self, deadline) < 0)
        return -1;
    uint8_t h[9];
    size_t tl = strlen(topic);
    size_t hl = xgc_zmtp_frame_header(tl, 1, h);
    int rc = s_write_all(self, h, hl, deadline);
    rc = rc ? rc : s_write_all(self, topic, tl, deadline);
    hl = xgc_zmtp_frame_header(len, 0, h);
    rc = rc ? rc : s_write_all(self, h, hl, deadline);
    rc = rc ? rc : s_write_all(self, data, len, deadline);
    if (rc < 0)
        s_close(self);    /* a half-sent message: start over on a new connection */
    return rc;
}
