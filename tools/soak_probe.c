/* soak_probe — the security probes of `xgc soak` (see soak_probe.h). The
 * role probe is an ordinary bus client holding a pmd's certificate, so it
 * is refused exactly where a real, compromised pmd would be; the
 * unknown-key probe is a bare DEALER with a socket monitor, because the
 * evidence it needs (the broker's answer to the handshake) lives there. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tools/soak_probe.h"
#include "xgc_msg.h"
#include "xgc_state.h"

#define S_ATTEMPTS 3

typedef struct {
    char key[160];
    bool del;                /* a delete of an existing key (else a set of a new one) */
    bool failed;             /* the broker answered ERR */
    char reason[300];
} s_attempt_t;

struct _xgc_soak_probe_t {
    char who[96];            /* "pmd-pm2", "unknown key" */
    s_attempt_t at[S_ATTEMPTS];
    int n;
    xgc_bus_t *bus;          /* role probe: a bus client with a pmd's keys */
    zsock_t *dealer;         /* unknown-key probe: a bare state client */
    xgc_security_watch_t *watch;
    const char *failure;     /* its handshake failure, as explained */
    bool replied;            /* the broker answered it */
};

/* XGC_CERT is how a client names its certificate: set it only around the
 * load, so that nothing else (children included) sees it. */
xgc_security_client_t *xgc_soak_client_as(const xgc_config_t *cfg, const char *cert,
                                          char *err, size_t errlen)
{
    setenv("XGC_CERT", cert, 1);
    xgc_security_client_t *sec = xgc_security_client_new(cfg, "soak-probe", err, errlen);
    unsetenv("XGC_CERT");
    return sec;
}

xgc_security_client_t *xgc_soak_intruder(const xgc_config_t *cfg, const char *dir,
                                         char *err, size_t errlen)
{
    char path[600];
    snprintf(path, sizeof path, "%s/intruder.cert", dir);
    zcert_t *cert = zcert_new();
    zcert_set_meta(cert, "name", "operator");
    zcert_set_meta(cert, "role", "operator");
    mode_t old = umask(077);
    int rc = zsys_dir_create("%s", dir) < 0 ? -1 : zcert_save(cert, path);
    umask(old);
    zcert_destroy(&cert);
    if (rc < 0) {
        snprintf(err, errlen, "cannot write %s", path);
        return NULL;
    }
    return xgc_soak_client_as(cfg, path, err, errlen);
}

static s_attempt_t *s_attempt(xgc_soak_probe_t *self, bool del, const char *fmt, ...)
{
    s_attempt_t *a = &self->at[self->n++];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->key, sizeof a->key, fmt, ap);
    va_end(ap);
    a->del = del;
    return a;
}

/* A well-formed value: the plan entry a forger would write. */
static int s_value(const char *host, long n, void **data, size_t *len)
{
    xgc_plan_entry_t e = {.state = XGC_PLAN_RUN, .round = 1000000 + n};
    snprintf(e.vm, sizeof e.vm, "%s-%ld", XGC_SOAK_PROBE_MARK, n);
    snprintf(e.host, sizeof e.host, "%s", host);
    return xgc_msg_plan_entry_encode(&e, data, len);
}

/* [SET][client-id][cseq][acked][key][ttl_ms][value] (docs/bus.md) */
void xgc_soak_probe_send_set(zsock_t *dealer, const char *cid, const char *key, long n)
{
    uint8_t cseq[8], acked[8], ttl[8];
    void *data;
    size_t len;
    xgc_bus_put_u64(cseq, 1);
    xgc_bus_put_u64(acked, 0);
    xgc_bus_put_u64(ttl, 0);
    if (!dealer || s_value("pm1", n, &data, &len) < 0)
        return;
    zmsg_t *m = zmsg_new();
    zmsg_addstr(m, "SET");
    zmsg_addstr(m, cid);
    zmsg_addmem(m, cseq, 8);
    zmsg_addmem(m, acked, 8);
    zmsg_addstr(m, key);
    zmsg_addmem(m, ttl, 8);
    zmsg_addmem(m, data, len);
    zsock_set_sndtimeo(dealer, 0);
    if (zmsg_send(&m, dealer) < 0)
        zmsg_destroy(&m);
    free(data);
}

xgc_soak_probe_t *xgc_soak_probe_unknown(const xgc_config_t *cfg, const char *dir, long n)
{
    char err[512], ep[XGC_PATH_MAX + 16], cid[64];
    xgc_security_client_t *sec = xgc_soak_intruder(cfg, dir, err, sizeof err);
    if (!sec || xgc_config_endpoint(cfg, XGC_PORT_STATE, ep, sizeof ep) < 0) {
        fprintf(stderr, "xgc soak: unknown-key probe: %s\n", err);
        xgc_security_client_destroy(&sec);
        return NULL;
    }
    xgc_soak_probe_t *self = calloc(1, sizeof *self);
    assert(self);
    snprintf(self->who, sizeof self->who, "unknown key");
    self->dealer = zsock_new(ZMQ_DEALER);
    assert(self->dealer);
    zsock_set_sndtimeo(self->dealer, 0);
    xgc_security_client_apply(sec, self->dealer);
    xgc_security_client_destroy(&sec);
    self->watch = xgc_security_watch_new(self->dealer);
    zsock_connect(self->dealer, "%s", ep);
    s_attempt_t *a = s_attempt(self, false, "soak/%s/intruder-%ld", XGC_SOAK_PROBE_MARK, n);
    snprintf(cid, sizeof cid, "intruder-%ld", n);
    xgc_soak_probe_send_set(self->dealer, cid, a->key, n);
    return self;
}

static void s_on_write_failed(void *arg, const char *key, const char *reason)
{
    xgc_soak_probe_t *self = arg;
    for (int i = 0; i < self->n; i++)
        if (!strcmp(self->at[i].key, key) && !self->at[i].failed) {
            self->at[i].failed = true;
            snprintf(self->at[i].reason, sizeof self->at[i].reason, "%s", reason);
            return;
        }
}

xgc_soak_probe_t *xgc_soak_probe_role(const xgc_config_t *cfg, const char *host,
                                      const char *other, const char *ledger_key, long n)
{
    char cert[80];
    snprintf(cert, sizeof cert, "pmd-%s", host);
    setenv("XGC_CERT", cert, 1);
    xgc_bus_t *bus = xgc_bus_new(cfg, "soak-probe");
    unsetenv("XGC_CERT");
    if (!bus)
        return NULL;
    xgc_soak_probe_t *self = calloc(1, sizeof *self);
    assert(self);
    snprintf(self->who, sizeof self->who, "%s", cert);
    self->bus = bus;
    xgc_bus_set_handlers(bus, &(xgc_bus_handlers_t){.write_failed = s_on_write_failed}, self);
    void *data;
    size_t len;
    if (s_value(host, n, &data, &len) < 0) {
        xgc_bus_destroy(&self->bus);
        free(self);
        return NULL;
    }
    if (other)
        s_attempt(self, false, "pm/%s/%s-%ld", other, XGC_SOAK_PROBE_MARK, n);
    s_attempt(self, false, "plan/%s/%s-%ld", host, XGC_SOAK_PROBE_MARK, n);
    if (ledger_key)
        s_attempt(self, true, "%s", ledger_key);
    for (int i = 0; i < self->n; i++)
        if (self->at[i].del)
            xgc_bus_del(bus, self->at[i].key);
        else
            xgc_bus_set(bus, self->at[i].key, data, len, 0);
    free(data);
    return self;
}

void xgc_soak_probe_poll(xgc_soak_probe_t *self)
{
    if (!self)
        return;
    if (self->bus)
        xgc_bus_poll(self->bus, 0);
    while (self->dealer && (zsock_events(self->dealer) & ZMQ_POLLIN)) {
        zmsg_t *m = zmsg_recv(self->dealer);
        zmsg_destroy(&m);
        self->replied = true;
    }
    const char *f = self->watch ? xgc_security_watch_check(self->watch) : NULL;
    if (f)
        self->failure = f;
}

bool xgc_soak_probe_settled(const xgc_soak_probe_t *self)
{
    if (!self)
        return true;
    if (self->dealer)
        return self->replied || self->failure;
    return xgc_bus_pending(self->bus) == 0;
}

/* One attempt: "refused", "accepted" or "inconclusive", and why. */
static const char *s_judge(xgc_soak_probe_t *self, int i, xgc_bus_t *observer, char *why,
                           size_t len)
{
    s_attempt_t *a = &self->at[i];
    size_t vlen;
    uint64_t seq;
    bool present = xgc_bus_get(observer, a->key, &vlen, &seq) != NULL;
    if (a->del ? !present : present) {
        snprintf(why, len, "%s", a->del ? "the key is gone" : "the key is in the store");
        return "accepted";
    }
    if (self->dealer) {
        snprintf(why, len, "%s", self->replied ? "the broker answered"
                 : self->failure ? self->failure : "no handshake result");
        return self->replied ? "accepted"
             : self->failure && strstr(self->failure, "refused our key") ? "refused"
             : "inconclusive";
    }
    /* writes are acknowledged in order: the first count - pending are answered */
    bool answered = i < self->n - (int)xgc_bus_pending(self->bus);
    snprintf(why, len, "%s", a->failed ? a->reason : answered ? "acknowledged" : "no answer");
    return !answered ? "inconclusive" : !a->failed ? "accepted"
         : strstr(a->reason, "permission denied") ? "refused" : "inconclusive";
}

int xgc_soak_probe_end(xgc_soak_probe_t **self_p, xgc_bus_t *observer,
                       xgc_soak_probe_counts_t *counts, char *what, size_t whatlen)
{
    xgc_soak_probe_t *self = *self_p;
    int accepted = 0;
    size_t used = 0;
    if (whatlen)
        what[0] = '\0';
    for (int i = 0; self && i < self->n; i++) {
        char why[300];
        const char *verdict = s_judge(self, i, observer, why, sizeof why);
        counts->probes++;
        counts->refused += !strcmp(verdict, "refused");
        counts->inconclusive += !strcmp(verdict, "inconclusive");
        if (!strcmp(verdict, "accepted")) {
            counts->accepted++;
            accepted++;
        }
        if (used < whatlen)
            used += (size_t)snprintf(what + used, whatlen - used, "%s%s %s %s: %s (%s)",
                                     i ? "\n" : "", self->who, self->at[i].del ? "del" : "set",
                                     self->at[i].key, verdict, why);
    }
    if (self) {
        xgc_bus_destroy(&self->bus);
        xgc_security_watch_destroy(&self->watch);
        zsock_destroy(&self->dealer);
        free(self);
        *self_p = NULL;
    }
    return accepted;
}
