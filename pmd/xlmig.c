/* xlmig — xl's migration handshake as a pure state machine (see xlmig.h).
 * The machine never reads or writes a socket: it is fed bytes and events,
 * queues the bytes to send, and says what the driver must do next.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmd/xlmig.h"

const char xgc_xlmig_magic[XGC_XLMIG_MAGIC_LEN] = "Xen saved domain, xl format\n \0 \r";

#define S_QUERY "xgc-query "
#define S_ANSWER "xgc-answer "

struct xgc_xlmig_t {
    xgc_xlmig_role_t role;
    xgc_xlmig_state_t state;
    char *payload;          /* sender: config; querier: name */
    char *config;           /* receiver: config read / queried name */
    uint8_t *out;
    size_t out_len, out_cap;
    char reason[160];
};

static void s_queue(xgc_xlmig_t *self, const void *data, size_t len)
{
    if (self->out_len + len > self->out_cap) {
        size_t cap = (self->out_len + len) * 2 + 64;
        uint8_t *p = realloc(self->out, cap);
        if (!p)
            return;    /* the peer will time out; nothing better to do */
        self->out = p;
        self->out_cap = cap;
    }
    memcpy(self->out + self->out_len, data, len);
    self->out_len += len;
}

/* Queue a handshake string with its trailing NUL, as xl sends them. */
static void s_queue_msg(xgc_xlmig_t *self, const char *msg)
{
    s_queue(self, msg, strlen(msg) + 1);
}

static xgc_xlmig_act_t s_fail(xgc_xlmig_t *self, xgc_xlmig_act_t act, const char *why)
{
    self->state = XGC_XLMIG_S_FAILED;
    if (!self->reason[0])
        snprintf(self->reason, sizeof self->reason, "%s", why);
    return act;
}

/* 1: data starts with msg[0..n) (consumed n); 0: a prefix of it, need
 * more; -1: something else. */
static int s_expect(const uint8_t *data, size_t len, const void *msg, size_t n)
{
    size_t k = len < n ? len : n;
    if (memcmp(data, msg, k) != 0)
        return -1;
    return len >= n ? 1 : 0;
}

xgc_xlmig_t *xgc_xlmig_new(xgc_xlmig_role_t role, const char *payload)
{
    xgc_xlmig_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->role = role;
    self->payload = strdup(payload ? payload : "");
    if (!self->payload) {
        free(self);
        return NULL;
    }
    if (role == XGC_XLMIG_RECEIVER) {
        self->state = XGC_XLMIG_S_WAIT_HEADER;
        s_queue(self, XGC_XLMIG_BANNER, strlen(XGC_XLMIG_BANNER));
    } else {
        self->state = XGC_XLMIG_S_WAIT_BANNER;
    }
    return self;
}

void xgc_xlmig_destroy(xgc_xlmig_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->payload);
    free((*self_p)->config);
    free((*self_p)->out);
    free(*self_p);
    *self_p = NULL;
}

const uint8_t *xgc_xlmig_out(const xgc_xlmig_t *self, size_t *len)
{
    *len = self->out_len;
    return self->out;
}

void xgc_xlmig_out_consume(xgc_xlmig_t *self, size_t n)
{
    if (n > self->out_len)
        n = self->out_len;
    memmove(self->out, self->out + n, self->out_len - n);
    self->out_len -= n;
}

/* --- feeding --------------------------------------------------------- */

static xgc_xlmig_act_t s_feed_banner(xgc_xlmig_t *self, const uint8_t *d,
                                     size_t len, size_t *used)
{
    size_t n = strlen(XGC_XLMIG_BANNER);
    int m = s_expect(d, len, XGC_XLMIG_BANNER, n);
    if (m < 0)
        return s_fail(self, self->role == XGC_XLMIG_QUERIER ? XGC_XLMIG_ACT_RETRY_QUERY
                                                            : XGC_XLMIG_ACT_RESUME_LOCAL,
                      "peer is not an xl migration receiver (bad banner)");
    if (m == 0)
        return XGC_XLMIG_ACT_NONE;
    *used = n;
    if (self->role == XGC_XLMIG_QUERIER) {
        s_queue(self, S_QUERY, strlen(S_QUERY));
        s_queue(self, self->payload, strlen(self->payload));
        s_queue(self, "\n", 1);
        self->state = XGC_XLMIG_S_WAIT_ANSWER;
        return XGC_XLMIG_ACT_NONE;
    }
    size_t hlen;
    uint8_t *hdr = xgc_xlmig_header_encode(self->payload, &hlen);
    if (!hdr)
        return s_fail(self, XGC_XLMIG_ACT_RESUME_LOCAL, "out of memory");
    s_queue(self, hdr, hlen);
    free(hdr);
    self->state = XGC_XLMIG_S_STREAMING;
    return XGC_XLMIG_ACT_SEND_STREAM;
}

static xgc_xlmig_act_t s_feed_sender(xgc_xlmig_t *self, const uint8_t *d,
                                     size_t len, size_t *used)
{
    if (self->state == XGC_XLMIG_S_WAIT_READY) {
        size_t n = strlen(XGC_XLMIG_READY) + 1;
        int m = s_expect(d, len, XGC_XLMIG_READY, n);
        if (m < 0)
            return s_fail(self, XGC_XLMIG_ACT_RESUME_LOCAL, "receiver sent garbage instead of ready");
        if (m == 0)
            return XGC_XLMIG_ACT_NONE;
        *used = n;
        s_queue_msg(self, XGC_XLMIG_GO);
        self->state = XGC_XLMIG_S_WAIT_REPORT;
        return XGC_XLMIG_ACT_SWITCH;
    }
    if (self->state == XGC_XLMIG_S_WAIT_REPORT) {
        size_t n = strlen(XGC_XLMIG_REPORT) + 1;
        int m = s_expect(d, len, XGC_XLMIG_REPORT, n);
        if (m < 0) {
            self->state = XGC_XLMIG_S_INDOUBT;
            snprintf(self->reason, sizeof self->reason, "garbage after go: in doubt");
            return XGC_XLMIG_ACT_INDOUBT;
        }
        if (m == 0 || len < n + 1)
            return XGC_XLMIG_ACT_NONE;
        *used = n + 1;
        if (d[n] == 0) {
            self->state = XGC_XLMIG_S_DONE;
            return XGC_XLMIG_ACT_DESTROY_LOCAL;
        }
        char why[80];
        snprintf(why, sizeof why, "receiver could not unpause (status %d)", d[n]);
        return s_fail(self, XGC_XLMIG_ACT_RESUME_LOCAL, why);
    }
    return XGC_XLMIG_ACT_NONE;    /* streaming: the peer should be quiet */
}

static xgc_xlmig_act_t s_feed_answer(xgc_xlmig_t *self, const uint8_t *d,
                                     size_t len, size_t *used)
{
    size_t n = strlen(S_ANSWER);
    int m = s_expect(d, len, S_ANSWER, n);
    if (m < 0)
        return s_fail(self, XGC_XLMIG_ACT_RETRY_QUERY, "bad answer to query");
    if (m == 0 || len < n + 2)
        return XGC_XLMIG_ACT_NONE;
    *used = n + 2;
    self->state = XGC_XLMIG_S_DONE;
    switch (d[n]) {
    case 'H': return XGC_XLMIG_ACT_DESTROY_LOCAL;
    case 'N':
        snprintf(self->reason, sizeof self->reason, "receiver does not have it");
        return XGC_XLMIG_ACT_RESUME_LOCAL;
    default:  return XGC_XLMIG_ACT_RETRY_QUERY;
    }
}

static xgc_xlmig_act_t s_feed_header(xgc_xlmig_t *self, const uint8_t *d,
                                     size_t len, size_t *used)
{
    size_t qn = strlen(S_QUERY);
    if (s_expect(d, len, S_QUERY, qn) >= 0) {
        const uint8_t *nl = memchr(d, '\n', len);
        if (!nl)
            return len > 300 ? s_fail(self, XGC_XLMIG_ACT_CLOSE, "query too long")
                             : XGC_XLMIG_ACT_NONE;
        if ((size_t)(nl - d) <= qn)
            return s_fail(self, XGC_XLMIG_ACT_CLOSE, "empty query");
        free(self->config);
        self->config = strndup((const char *)d + qn, (size_t)(nl - d) - qn);
        *used = (size_t)(nl - d) + 1;
        return XGC_XLMIG_ACT_QUERY;
    }
    char *config = NULL;
    char err[160];
    long n = xgc_xlmig_header_decode(d, len, &config, err, sizeof err);
    if (n < 0)
        return s_fail(self, XGC_XLMIG_ACT_CLOSE, err);
    if (n == 0)
        return XGC_XLMIG_ACT_NONE;
    *used = (size_t)n;
    free(self->config);
    self->config = config;
    self->state = XGC_XLMIG_S_RESTORING;
    return XGC_XLMIG_ACT_RESTORE;
}

xgc_xlmig_act_t xgc_xlmig_feed(xgc_xlmig_t *self, const uint8_t *data,
                               size_t len, size_t *consumed)
{
    *consumed = 0;
    if (len == 0)
        return XGC_XLMIG_ACT_NONE;
    switch (self->state) {
    case XGC_XLMIG_S_WAIT_BANNER:
        return s_feed_banner(self, data, len, consumed);
    case XGC_XLMIG_S_WAIT_READY:
    case XGC_XLMIG_S_WAIT_REPORT:
        return s_feed_sender(self, data, len, consumed);
    case XGC_XLMIG_S_WAIT_ANSWER:
        return s_feed_answer(self, data, len, consumed);
    case XGC_XLMIG_S_WAIT_HEADER:
        return s_feed_header(self, data, len, consumed);
    case XGC_XLMIG_S_WAIT_GO: {
        size_t n = strlen(XGC_XLMIG_GO) + 1;
        int m = s_expect(data, len, XGC_XLMIG_GO, n);
        if (m < 0)
            return s_fail(self, XGC_XLMIG_ACT_DESTROY_INCOMING, "sender sent garbage instead of go");
        if (m == 0)
            return XGC_XLMIG_ACT_NONE;
        *consumed = n;
        self->state = XGC_XLMIG_S_UNPAUSING;
        return XGC_XLMIG_ACT_UNPAUSE;
    }
    default:
        return XGC_XLMIG_ACT_NONE;
    }
}

/* --- events ------------------------------------------------------------ */

xgc_xlmig_act_t xgc_xlmig_eof(xgc_xlmig_t *self)
{
    switch (self->state) {
    case XGC_XLMIG_S_WAIT_BANNER:
        if (self->role == XGC_XLMIG_QUERIER)
            return s_fail(self, XGC_XLMIG_ACT_RETRY_QUERY, "connection lost");
        /* fall through */
    case XGC_XLMIG_S_STREAMING:
    case XGC_XLMIG_S_WAIT_READY:
        return s_fail(self, XGC_XLMIG_ACT_RESUME_LOCAL,
                      "destination closed the connection before ready (refused or failed)");
    case XGC_XLMIG_S_WAIT_REPORT:
        self->state = XGC_XLMIG_S_INDOUBT;
        snprintf(self->reason, sizeof self->reason, "connection lost after go: in doubt");
        return XGC_XLMIG_ACT_INDOUBT;
    case XGC_XLMIG_S_WAIT_ANSWER:
        return s_fail(self, XGC_XLMIG_ACT_RETRY_QUERY, "connection lost");
    case XGC_XLMIG_S_RESTORING:
    case XGC_XLMIG_S_WAIT_GO:
        return s_fail(self, XGC_XLMIG_ACT_DESTROY_INCOMING, "sender went away before go");
    case XGC_XLMIG_S_WAIT_HEADER:
        return s_fail(self, XGC_XLMIG_ACT_CLOSE, "sender went away");
    default:
        return XGC_XLMIG_ACT_CLOSE;
    }
}

xgc_xlmig_act_t xgc_xlmig_stream_done(xgc_xlmig_t *self, int ok)
{
    if (self->state == XGC_XLMIG_S_STREAMING) {
        if (!ok)
            return s_fail(self, XGC_XLMIG_ACT_RESUME_LOCAL, "sending the domain failed");
        self->state = XGC_XLMIG_S_WAIT_READY;
        return XGC_XLMIG_ACT_NONE;
    }
    if (self->state == XGC_XLMIG_S_RESTORING) {
        if (!ok)
            return s_fail(self, XGC_XLMIG_ACT_DESTROY_INCOMING, "restoring the domain failed");
        s_queue_msg(self, XGC_XLMIG_READY);
        self->state = XGC_XLMIG_S_WAIT_GO;
        return XGC_XLMIG_ACT_NONE;
    }
    return XGC_XLMIG_ACT_NONE;
}

xgc_xlmig_act_t xgc_xlmig_refuse(xgc_xlmig_t *self, const char *reason)
{
    return s_fail(self, XGC_XLMIG_ACT_CLOSE, reason ? reason : "refused");
}

xgc_xlmig_act_t xgc_xlmig_unpaused(xgc_xlmig_t *self, int status)
{
    if (self->state != XGC_XLMIG_S_UNPAUSING)
        return XGC_XLMIG_ACT_NONE;
    uint8_t st = (uint8_t)(status ? 1 : 0);
    s_queue_msg(self, XGC_XLMIG_REPORT);
    s_queue(self, &st, 1);
    self->state = status ? XGC_XLMIG_S_FAILED : XGC_XLMIG_S_DONE;
    if (status)
        snprintf(self->reason, sizeof self->reason, "unpause failed");
    return XGC_XLMIG_ACT_CLOSE;
}

xgc_xlmig_act_t xgc_xlmig_answer(xgc_xlmig_t *self, char answer)
{
    char line[16];
    int n = snprintf(line, sizeof line, S_ANSWER "%c\n", answer);
    s_queue(self, line, (size_t)n);
    self->state = XGC_XLMIG_S_DONE;
    return XGC_XLMIG_ACT_CLOSE;
}

xgc_xlmig_state_t xgc_xlmig_state(const xgc_xlmig_t *self)
{
    return self->state;
}

const char *xgc_xlmig_state_name(xgc_xlmig_state_t state)
{
    static const char *names[] = {
        "wait_banner", "streaming", "wait_ready", "wait_report", "wait_answer",
        "wait_header", "restoring", "wait_go", "unpausing", "done", "failed",
        "indoubt"
    };
    return (unsigned)state < sizeof names / sizeof *names ? names[state] : "?";
}

const char *xgc_xlmig_config(const xgc_xlmig_t *self)
{
    return self->config ? self->config : "";
}

const char *xgc_xlmig_reason(const xgc_xlmig_t *self)
{
    return self->reason;
}

/* --- the save-file header ------------------------------------------------ */

static void s_put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);    /* host byte order, as xl writes it */
}

static uint32_t s_get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

#define S_HDR_FIXED (XGC_XLMIG_MAGIC_LEN + 16)

uint8_t *xgc_xlmig_header_encode(const char *config, size_t *len)
{
    size_t clen = strlen(config) + 1;
    size_t total = S_HDR_FIXED + 4 + clen;
    uint8_t *buf = malloc(total);
    if (!buf)
        return NULL;
    memcpy(buf, xgc_xlmig_magic, XGC_XLMIG_MAGIC_LEN);
    uint8_t *p = buf + XGC_XLMIG_MAGIC_LEN;
    s_put32(p, XGC_XLMIG_BYTEORDER);
    s_put32(p + 4, XGC_XLMIG_FLAG_STREAMv2 | XGC_XLMIG_FLAG_JSON);
    s_put32(p + 8, 0);
    s_put32(p + 12, (uint32_t)(4 + clen));
    s_put32(p + 16, (uint32_t)clen);
    memcpy(p + 20, config, clen);
    *len = total;
    return buf;
}

long xgc_xlmig_header_decode(const uint8_t *buf, size_t len, char **config,
                             char *err, size_t errlen)
{
    *config = NULL;
    if (s_expect(buf, len, xgc_xlmig_magic, XGC_XLMIG_MAGIC_LEN) < 0) {
        snprintf(err, errlen, "not an xl save-file header (bad magic)");
        return -1;
    }
    if (len < S_HDR_FIXED)
        return 0;
    const uint8_t *p = buf + XGC_XLMIG_MAGIC_LEN;
    if (s_get32(p) != XGC_XLMIG_BYTEORDER) {
        snprintf(err, errlen, "header byte order differs from ours");
        return -1;
    }
    uint32_t mandatory = s_get32(p + 4);
    uint32_t known = XGC_XLMIG_FLAG_STREAMv2 | XGC_XLMIG_FLAG_JSON;
    if ((mandatory & ~known) || !(mandatory & XGC_XLMIG_FLAG_STREAMv2)) {
        snprintf(err, errlen, "unsupported mandatory flags 0x%x", mandatory);
        return -1;
    }
    uint32_t optlen = s_get32(p + 12);
    if (optlen < 5 || optlen > XGC_XLMIG_CONFIG_MAX) {
        snprintf(err, errlen, "optional data of %u bytes: no config", optlen);
        return -1;
    }
    if (len < S_HDR_FIXED + optlen)
        return 0;
    uint32_t clen = s_get32(p + 16);
    const uint8_t *c = p + 20;
    if (clen < 1 || clen > optlen - 4 || c[clen - 1] != '\0') {
        snprintf(err, errlen, "config of %u bytes does not fit or is not terminated", clen);
        return -1;
    }
    *config = strdup((const char *)c);
    if (!*config) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return (long)(S_HDR_FIXED + optlen);
}

int xgc_xlmig_kv_get(const char *text, const char *key, char *out, size_t outlen)
{
    size_t klen = strlen(key);
    const char *p = text;
    while (p && *p) {
        const char *end = strchr(p, ';');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
            size_t vlen = n - klen - 1;
            if (vlen >= outlen)
                vlen = outlen - 1;
            memcpy(out, p + klen + 1, vlen);
            out[vlen] = '\0';
            return 0;
        }
        p = end ? end + 1 : NULL;
    }
    return -1;
}
