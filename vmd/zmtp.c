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

#define S_BACKOFF_MIN_MS 500
#define S_BACKOFF_MAX_MS 30000

struct xgc_zmtp_t {
    struct sockaddr_in addr;
    int valid;
    int fd;
    int curve;                  /* use CURVE with keys */
    xgc_curve_keys_t keys;
    xgc_curve_t *session;       /* the CURVE state of the open connection */
    int backoff_ms;             /* after a failed connection: wait this long */
    int64_t retry_at;
    char error[200];
};

void xgc_zmtp_greeting(uint8_t out[XGC_ZMTP_GREETING_LEN], const char *mechanism)
{
    memset(out, 0, XGC_ZMTP_GREETING_LEN);
    out[0] = 0xFF;           /* signature: FF, 8 bytes padding, 7F */
    out[9] = 0x7F;
    out[10] = 3;             /* version 3.0 */
    out[11] = 0;
    size_t n = strlen(mechanism);
    memcpy(out + 12, mechanism, n < 20 ? n : 20);   /* 20 bytes zero-padded */
    out[32] = 0;             /* as-server: no; 31 bytes filler follow */
}

const char *xgc_zmtp_greeting_check(const uint8_t *buf, const char *mechanism)
{
    char peer[21];
    if (buf[0] != 0xFF || buf[9] != 0x7F || buf[10] < 3)
        return "the peer is not a ZMTP 3 socket (is this the broker's event port, base + 2?)";
    memcpy(peer, buf + 12, 20);
    peer[20] = '\0';
    if (strcmp(peer, mechanism) == 0)
        return NULL;
    if (strcmp(peer, "CURVE") == 0)
        return "security mismatch: the broker uses CURVE and this vmd plaintext (NULL): give "
               "it the broker's public key and a vmd certificate (--curve-server and --cert, "
               "or -c with security: curve)";
    if (strcmp(peer, "NULL") == 0)
        return "security mismatch: the broker is plaintext (NULL) and this vmd uses CURVE: "
               "check security: in the deployment file";
    return "security mismatch: the broker uses a mechanism this vmd does not speak";
}

size_t xgc_zmtp_frame_header(size_t len, int flags, uint8_t out[9])
{
    flags &= XGC_ZMTP_MORE | XGC_ZMTP_COMMAND;
    if (len <= 255) {
        out[0] = (uint8_t)flags;
        out[1] = (uint8_t)len;
        return 2;
    }
    out[0] = (uint8_t)(0x02 | flags);
    for (int i = 0; i < 8; i++)
        out[1 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
    return 9;
}

size_t xgc_zmtp_property(const char *name, const char *value, uint8_t *out, size_t cap)
{
    size_t nlen = strlen(name), vlen = strlen(value);
    if (nlen > 255 || vlen > 0xFFFF || 1 + nlen + 4 + vlen > cap)
        return 0;
    uint8_t *p = out;
    *p++ = (uint8_t)nlen;
    memcpy(p, name, nlen);
    p += nlen;
    *p++ = 0; *p++ = 0;
    *p++ = (uint8_t)(vlen >> 8);
    *p++ = (uint8_t)vlen;
    memcpy(p, value, vlen);
    return 1 + nlen + 4 + vlen;
}

size_t xgc_zmtp_ready(const char *type, uint8_t *out, size_t cap)
{
    if (cap < 8)
        return 0;
    size_t prop = xgc_zmtp_property("Socket-Type", type, out + 8, cap - 8);
    size_t body = 6 + prop;
    if (!prop || body > 255)
        return 0;
    memcpy(out, "\4\0\5READY", 8);   /* command, short; length; name */
    out[1] = (uint8_t)body;
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
    xgc_curve_destroy(&self->session);
}

void xgc_zmtp_destroy(xgc_zmtp_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    s_close(*self_p);
    explicit_bzero(&(*self_p)->keys, sizeof (*self_p)->keys);   /* our secret key */
    free(*self_p);
    *self_p = NULL;
}

void xgc_zmtp_set_curve(xgc_zmtp_t *self, const xgc_curve_keys_t *keys)
{
    self->keys = *keys;
    self->curve = 1;
    s_close(self);
}

const char *xgc_zmtp_mechanism(const xgc_zmtp_t *self)
{
    return self->curve ? "CURVE" : "NULL";
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

static int s_fail(xgc_zmtp_t *self, const char *why)
{
    snprintf(self->error, sizeof self->error, "%s", why);
    return -1;
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
            if (s_wait(self->fd, POLLOUT, deadline) < 0)
                return s_fail(self, "send timed out");
        } else {
            snprintf(self->error, sizeof self->error, "send: %s", strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* One frame: header for flags, then the body. */
static int s_write_frame(xgc_zmtp_t *self, int flags, const void *body, size_t len,
                         int64_t deadline)
{
    uint8_t h[9];
    size_t hl = xgc_zmtp_frame_header(len, flags, h);
    return s_write_all(self, h, hl, deadline) < 0 ? -1
         : s_write_all(self, body, len, deadline);
}

static int s_read_exact(xgc_zmtp_t *self, uint8_t *buf, size_t len, int64_t deadline)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = recv(self->fd, buf + got, len - got, MSG_DONTWAIT);
        if (n > 0) {
            got += (size_t)n;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (s_wait(self->fd, POLLIN, deadline) < 0)
                return s_fail(self, "handshake timed out");
        } else {
            return s_fail(self, "broker closed the connection");
        }
    }
    return 0;
}

/* Read one command frame of the handshake (at most cap bytes) into buf. */
static int s_read_command(xgc_zmtp_t *self, uint8_t *buf, size_t cap, size_t *len,
                          int64_t deadline)
{
    uint8_t h[9];
    if (s_read_exact(self, h, 2, deadline) < 0)
        return -1;
    uint64_t n = h[1];
    if (h[0] & 0x02) {
        if (s_read_exact(self, h + 2, 7, deadline) < 0)
            return -1;
        n = 0;
        for (int i = 1; i < 9; i++)
            n = n << 8 | h[i];
    }
    if (!(h[0] & XGC_ZMTP_COMMAND) || n > cap || n < 1)
        return s_fail(self, "the broker sent a malformed handshake command");
    *len = (size_t)n;
    return s_read_exact(self, buf, *len, deadline);
}

/* Is body the command `name`? If it is ERROR, the broker's reason goes to
 * the error text (with what we make of it) and the answer is no. */
static int s_is_command(xgc_zmtp_t *self, const uint8_t *body, size_t len, const char *name,
                        const char *refused)
{
    size_t n = strlen(name);
    if (len >= 1 + n && body[0] == n && memcmp(body + 1, name, n) == 0)
        return 1;
    if (len >= 7 && memcmp(body, "\5ERROR", 6) == 0) {
        int rl = body[6] <= len - 7 ? body[6] : (int)(len - 7);
        snprintf(self->error, sizeof self->error, "%s (the broker said ERROR \"%.*s\")",
                 refused, rl, (const char *)body + 7);
    } else {
        int nl = body[0] < len ? body[0] : (int)len - 1;
        snprintf(self->error, sizeof self->error, "the broker sent '%.*s' instead of %s",
                 nl, (const char *)body + 1, name);
    }
    return 0;
}

static int s_handshake_null(xgc_zmtp_t *self, int64_t deadline)
{
    uint8_t buf[512];
    size_t n = xgc_zmtp_ready("PUB", buf, sizeof buf);
    if (s_write_all(self, buf, n, deadline) < 0 ||
        s_read_command(self, buf, sizeof buf, &n, deadline) < 0)
        return -1;
    return s_is_command(self, buf, n, "READY", "the broker refused the connection") ? 0 : -1;
}

/* HELLO, WELCOME, INITIATE, READY (curve.h). The broker closes the
 * connection without a word when HELLO does not open with its key. */
static int s_handshake_curve(xgc_zmtp_t *self, int64_t deadline)
{
    static const char wrong_key[] =
        "CURVE handshake failed: the broker cannot be the one whose public key we were "
        "given (wrong --curve-server / broker.cert?)";
    uint8_t buf[1024], meta[64];
    size_t n;
    if (!(self->session = xgc_curve_new(&self->keys)))
        return s_fail(self, "libsodium does not start");
    if (xgc_curve_hello(self->session, buf) < 0)
        return s_fail(self, "the broker's public key is not a usable CURVE key");
    if (s_write_frame(self, XGC_ZMTP_COMMAND, buf, XGC_CURVE_HELLO_LEN, deadline) < 0)
        return -1;
    if (s_read_command(self, buf, sizeof buf, &n, deadline) < 0)
        return strstr(self->error, "closed") ? s_fail(self, wrong_key) : -1;
    if (!s_is_command(self, buf, n, "WELCOME", wrong_key))
        return -1;
    if (xgc_curve_welcome(self->session, buf, n) < 0)
        return s_fail(self, wrong_key);
    size_t ml = xgc_zmtp_property("Socket-Type", "PUB", meta, sizeof meta);
    n = xgc_curve_initiate(self->session, meta, ml, buf, sizeof buf);
    if (!n)
        return s_fail(self, "CURVE handshake failed: cannot build INITIATE (bad vmd key?)");
    if (s_write_frame(self, XGC_ZMTP_COMMAND, buf, n, deadline) < 0)
        return -1;
    static const char refused[] =
        "the broker refused our key (it is not in the broker's certificate directory "
        "clients/: check --cert / vmd.cert_secret)";
    if (s_read_command(self, buf, sizeof buf, &n, deadline) < 0)
        return strstr(self->error, "closed") ? s_fail(self, refused) : -1;
    if (!s_is_command(self, buf, n, "READY", refused))
        return -1;
    if (xgc_curve_ready(self->session, buf, n) < 0)
        return s_fail(self, "CURVE handshake failed: the broker's READY does not open");
    return 0;
}

static int s_connect(xgc_zmtp_t *self, int64_t deadline)
{
    self->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (self->fd < 0)
        return s_fail(self, "socket: out of descriptors");
    if (connect(self->fd, (struct sockaddr *)&self->addr, sizeof self->addr) < 0 &&
        errno != EINPROGRESS) {
        snprintf(self->error, sizeof self->error, "connect: %s", strerror(errno));
        return -1;
    }
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    if (s_wait(self->fd, POLLOUT, deadline) < 0 ||
        getsockopt(self->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr) {
        snprintf(self->error, sizeof self->error, "connect: %s",
                 soerr ? strerror(soerr) : "timed out");
        return -1;
    }
    uint8_t g[XGC_ZMTP_GREETING_LEN], peer[XGC_ZMTP_GREETING_LEN];
    const char *mech = xgc_zmtp_mechanism(self), *why;
    xgc_zmtp_greeting(g, mech);
    /* Signature and major version first: libzmq then sends its whole
     * greeting, so we see its mechanism before it sees ours (on a mismatch
     * it would close the connection without sending it). */
    if (s_write_all(self, g, 11, deadline) < 0 ||
        s_read_exact(self, peer, sizeof peer, deadline) < 0)
        return -1;
    if ((why = xgc_zmtp_greeting_check(peer, mech)))
        return s_fail(self, why);
    if (s_write_all(self, g + 11, sizeof g - 11, deadline) < 0)
        return -1;
    return self->curve ? s_handshake_curve(self, deadline) : s_handshake_null(self, deadline);
}

/* Connect and shake hands, or fail and wait longer before the next try. */
static int s_reconnect(xgc_zmtp_t *self, int64_t deadline)
{
    if (s_ms() < self->retry_at)
        return -1;          /* still backing off: the last error stands */
    if (s_connect(self, deadline) == 0) {
        self->backoff_ms = 0;
        return 0;
    }
    s_close(self);
    self->backoff_ms = self->backoff_ms ? self->backoff_ms * 2 : S_BACKOFF_MIN_MS;
    if (self->backoff_ms > S_BACKOFF_MAX_MS)
        self->backoff_ms = S_BACKOFF_MAX_MS;
    self->retry_at = s_ms() + self->backoff_ms;
    return -1;
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
        return s_fail(self, "broker closed the connection");
    }
}

/* One frame of a message, encrypted when the connection is CURVE. */
static int s_send_frame(xgc_zmtp_t *self, int more, const void *data, size_t len,
                        int64_t deadline)
{
    if (!self->session)
        return s_write_frame(self, more ? XGC_ZMTP_MORE : 0, data, len, deadline);
    size_t cap = len + XGC_CURVE_MESSAGE_OVERHEAD;
    uint8_t *box = malloc(cap);
    size_t n = box ? xgc_curve_message(self->session, more, data, len, box, cap) : 0;
    /* the frame itself never has MORE: that flag travels inside the box */
    int rc = n ? s_write_frame(self, 0, box, n, deadline) : s_fail(self, "out of memory");
    free(box);
    return rc;
}

int xgc_zmtp_publish(xgc_zmtp_t *self, const char *topic, const void *data, size_t len,
                     int timeout_ms)
{
    if (!self->valid)
        return -1;
    int64_t deadline = s_ms() + timeout_ms;
    if (self->fd >= 0 && s_drain(self) < 0)
        s_close(self);
    if (self->fd < 0 && s_reconnect(self, deadline) < 0)
        return -1;
    int rc = s_send_frame(self, 1, topic, strlen(topic), deadline);
    rc = rc ? rc : s_send_frame(self, 0, data, len, deadline);
    if (rc < 0)
        s_close(self);    /* a half-sent message: start over on a new connection */
    return rc;
}
