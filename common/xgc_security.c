/* xgc_security — see xgc_security.h. The policy is a pure function; the
 * rest is a thin layer over czmq's zcert (key pairs on disk), zauth (the
 * ZAP handler that admits only the keys of a directory) and zcertstore
 * (the same directory, to map a sender's key back to its role).
 */
#include "xgc_security.h"

#include "xgc_bus.h"
#include "xgc_log.h"
#include "xgc_state.h"

#define S_PRINCIPAL_TTL_MS 5000     /* re-read a key's role after this */
#define S_VAGUE_MS 1000             /* a handshake failure without detail counts after */

/* ---- roles and policy ----------------------------------------------------- */

static const char *const s_role_names[] = {
    [XGC_ROLE_NONE] = "none",           [XGC_ROLE_BROKER] = "broker",
    [XGC_ROLE_SCHEDULER] = "scheduler", [XGC_ROLE_PMD] = "pmd",
    [XGC_ROLE_OPERATOR] = "operator",   [XGC_ROLE_VMD] = "vmd",
};

const char *xgc_role_name(xgc_role_t role)
{
    return role >= XGC_ROLE_NONE && role <= XGC_ROLE_VMD ? s_role_names[role] : "none";
}

xgc_role_t xgc_role_parse(const char *name)
{
    for (int r = XGC_ROLE_BROKER; name && r <= XGC_ROLE_VMD; r++)
        if (streq(name, s_role_names[r]))
            return (xgc_role_t)r;
    return XGC_ROLE_NONE;
}

static bool s_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* key is pm/<host>/<rest>: host and rest (rest may hold more '/'). */
static bool s_pm_key(const char *key, const char **host, size_t *host_len,
                     const char **rest)
{
    if (!s_prefix(key, "pm/"))
        return false;
    *host = key + 3;
    const char *slash = strchr(*host, '/');
    if (!slash || slash == *host || !slash[1])
        return false;
    *host_len = (size_t)(slash - *host);
    *rest = slash + 1;
    return true;
}

bool xgc_authz_check(xgc_role_t role, const char *principal_host, const char *key,
                     char *why, size_t whylen)
{
    const char *host = NULL, *rest = "";
    size_t host_len = 0;
    bool pm = key && s_pm_key(key, &host, &host_len, &rest);
    const char *reason = NULL;
    if (!key)
        reason = "no key";
    else
    if (role == XGC_ROLE_OPERATOR)
        return true;
    else
    if (role == XGC_ROLE_SCHEDULER) {
        if (s_prefix(key, "plan/") || s_prefix(key, "sched/") || (pm && streq(rest, "power")))
            return true;
        reason = "the scheduler writes only plan/..., sched/... and pm/<host>/power";
    }
    else
    if (role == XGC_ROLE_PMD) {
        bool own = pm && principal_host && *principal_host
                   && strlen(principal_host) == host_len
                   && strncmp(principal_host, host, host_len) == 0;
        if (own && !streq(rest, "power") && !streq(rest, "admin"))
            return true;
        reason = own ? "pm/<host>/power is the scheduler's, pm/<host>/admin the operator's"
                     : "a pmd writes only its own pm/<host>/... keys";
    }
    else
        reason = role == XGC_ROLE_NONE ? "no role (unknown key)"
                                       : "this role writes no state";
    if (why && whylen)
        snprintf(why, whylen, "permission denied: role %s%s%s may not write %s: %s",
                 xgc_role_name(role), principal_host && *principal_host ? " host " : "",
                 principal_host ? principal_host : "", key ? key : "", reason);
    return false;
}

bool xgc_authz_allows(xgc_role_t role, const char *principal_host, const char *key)
{
    return xgc_authz_check(role, principal_host, key, NULL, 0);
}

/* topic is <prefix><host><end...>, end being "" (exact) or "." (more). */
static bool s_topic_of_host(const char *topic, const char *prefix, const char *host,
                            bool exact)
{
    size_t n = strlen(prefix), h = host ? strlen(host) : 0;
    if (!h || strncmp(topic, prefix, n) != 0 || strncmp(topic + n, host, h) != 0)
        return false;
    return exact ? topic[n + h] == 0 : topic[n + h] == '.' && topic[n + h + 1];
}

bool xgc_authz_event_allows(xgc_role_t role, const char *bound, const char *topic)
{
    if (!topic)
        return false;
    switch (role) {
    case XGC_ROLE_OPERATOR:
        return true;
    case XGC_ROLE_SCHEDULER:
        return s_prefix(topic, "plan.") || s_prefix(topic, "cmd.") || s_prefix(topic, "sched.")
               || s_prefix(topic, "log.");
    case XGC_ROLE_PMD:
        return s_prefix(topic, "metric.vm.") || s_prefix(topic, "log.")
               || s_topic_of_host(topic, "metric.pm.", bound, true)
               || s_topic_of_host(topic, "op.", bound, false);
    case XGC_ROLE_VMD:      /* a per-VM certificate speaks for its VM only */
        return bound && *bound ? s_topic_of_host(topic, "metric.vm.", bound, true)
                               : s_prefix(topic, "metric.vm.");
    default:
        return false;
    }
}

const char *xgc_role_bound_key(xgc_role_t role)
{
    return role == XGC_ROLE_PMD ? "host" : role == XGC_ROLE_VMD ? "vm" : NULL;
}

bool xgc_security_vm_name_valid(const char *name)
{
    char key[XGC_BUS_MAX_KEY + 1];
    if (!name || !*name || strlen(name) >= XGC_NAME_MAX || strchr(name, '/'))
        return false;
    int n = snprintf(key, sizeof key, XGC_KEY_VM_SPEC, name);
    return n > 0 && n < (int)sizeof key && xgc_bus_key_valid(key, (size_t)n);
}

/* ---- client side ------------------------------------------------------------ */

struct _xgc_security_client_t {
    xgc_security_mode_t mode;
    zcert_t *cert;              /* our key pair */
    char server_key[41];        /* the broker's public key, Z85 */
};

/* A certificate by name (<certs>/secret/<name>.cert_secret) or by path (a
 * name holding '/': that file, or its "_secret" twin). */
static zcert_t *s_load_secret(const xgc_security_t *sec, const char *name, char *err,
                              size_t errlen)
{
    char path[XGC_PATH_MAX * 2];
    if (strchr(name, '/'))
        snprintf(path, sizeof path, "%s", name);
    else
        snprintf(path, sizeof path, "%s/secret/%s.cert", sec->certs, name);
    zcert_t *cert = zcert_load(path);
    if (cert && !streq(zcert_secret_txt(cert), "0000000000000000000000000000000000000000"))
        return cert;
    zcert_destroy(&cert);
    snprintf(err, errlen, "security: cannot read the secret certificate %s%s (run `xgc "
             "keygen`, or set XGC_CERT)", path, strchr(name, '/') ? "" : "_secret");
    return NULL;
}

xgc_security_client_t *xgc_security_client_new(const xgc_config_t *cfg,
                                               const char *identity,
                                               char *err, size_t errlen)
{
    xgc_security_t sec;
    if (xgc_security_parse(cfg, &sec, err, errlen) < 0)
        return NULL;
    xgc_security_client_t *self = calloc(1, sizeof *self);
    assert(self);
    self->mode = sec.mode;
    if (sec.mode == XGC_SECURITY_NONE)
        return self;
    char name[XGC_PATH_MAX], path[XGC_PATH_MAX * 2];
    xgc_security_cert_name(identity, name, sizeof name);
    self->cert = s_load_secret(&sec, name, err, errlen);
    snprintf(path, sizeof path, "%s/broker.cert", sec.certs);
    zcert_t *broker = self->cert ? zcert_load(path) : NULL;
    if (broker)
        snprintf(self->server_key, sizeof self->server_key, "%s", zcert_public_txt(broker));
    else
    if (self->cert)
        snprintf(err, errlen, "security: cannot read the broker's public certificate %s",
                 path);
    zcert_destroy(&broker);
    if (!self->server_key[0])
        xgc_security_client_destroy(&self);
    return self;
}

void xgc_security_client_destroy(xgc_security_client_t **self_p)
{
    if (*self_p) {
        zcert_destroy(&(*self_p)->cert);
        free(*self_p);
        *self_p = NULL;
    }
}

void xgc_security_client_apply(xgc_security_client_t *self, zsock_t *sock)
{
    if (!self || self->mode != XGC_SECURITY_CURVE)
        return;
    zcert_apply(self->cert, sock);
    zsock_set_curve_serverkey(sock, self->server_key);
}

/* ---- handshake watch ------------------------------------------------------ */

struct _xgc_security_watch_t {
    zsock_t *sock;              /* the watched socket (not ours) */
    zsock_t *monitor;           /* PAIR: its monitor events */
    const char *failure;        /* the last handshake failure, NULL after a success */
    bool vague;                 /* failure has no detail (yet) */
    bool reported;              /* failure logged */
    int64_t since_ms;           /* when the vague failure was seen */
};

static char s_last_failure[256];

const char *xgc_security_explain_event(int event, uint32_t value)
{
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
        return value == 400
               ? "the broker refused our key (it is not in the broker's certificate "
                 "directory): run `xgc keygen` and restart the broker, or check XGC_CERT"
               : "the broker's authentication failed (ZAP error)";
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
        return value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH
               ? "security mismatch: the broker and this client do not use the same "
                 "security mode (one is CURVE, the other plaintext): check `security:` in "
                 "the deployment file"
               : value == ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
               ? "CURVE handshake failed (cryptographic error): wrong broker public key?"
               : "handshake with the broker failed (protocol error)";
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
        return "the handshake with the broker failed: its security settings differ from "
               "this client's (CURVE on one side only, or a wrong broker public key in "
               "<certs>/broker.cert)";
    return NULL;
}

xgc_security_watch_t *xgc_security_watch_new(zsock_t *sock)
{
    xgc_security_watch_t *self = calloc(1, sizeof *self);
    assert(self);
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "inproc://xgc-security-watch-%p", (void *)self);
    int events = ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
                 | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
    if (zmq_socket_monitor(zsock_resolve(sock), endpoint, events) < 0) {
        free(self);
        return NULL;
    }
    self->sock = sock;
    self->monitor = zsock_new(ZMQ_PAIR);
    assert(self->monitor);
    zsock_connect(self->monitor, "%s", endpoint);
    return self;
}

void xgc_security_watch_destroy(xgc_security_watch_t **self_p)
{
    xgc_security_watch_t *self = *self_p;
    if (!self)
        return;
    zmq_socket_monitor(zsock_resolve(self->sock), NULL, 0);
    zsock_destroy(&self->monitor);
    free(self);
    *self_p = NULL;
}

/* Record one monitor event. A failure "with no detail" often comes just
 * before the specific one, so it only counts once it has stood alone for
 * S_VAGUE_MS; a specific reason is never replaced by a vague one. */
static void s_watch_event(xgc_security_watch_t *self, int event, uint32_t value)
{
    const char *why = xgc_security_explain_event(event, value);
    if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
        self->failure = NULL;
        self->vague = false;
    }
    else
    if (why && event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) {
        if (!self->failure) {
            self->failure = why;
            self->vague = true;
            self->since_ms = zclock_mono();
        }
    }
    else
    if (why && (why != self->failure || self->vague)) {
        self->failure = why;
        self->vague = false;
        self->reported = false;
    }
}

const char *xgc_security_watch_check(xgc_security_watch_t *self)
{
    if (!self)
        return NULL;
    while (zsock_events(self->monitor) & ZMQ_POLLIN) {
        zmsg_t *msg = zmsg_recv(self->monitor);
        zframe_t *head = msg ? zmsg_first(msg) : NULL;
        if (head && zframe_size(head) == 6) {
            uint16_t event;
            uint32_t value;
            memcpy(&event, zframe_data(head), 2);
            memcpy(&value, zframe_data(head) + 2, 4);
            s_watch_event(self, event, value);
        }
        zmsg_destroy(&msg);
    }
    if (!self->failure || (self->vague && zclock_mono() - self->since_ms < S_VAGUE_MS))
        return NULL;
    if (!self->reported)
        xgc_log_warn("bus: %s", self->failure);     /* tools print it themselves */
    self->reported = true;
    snprintf(s_last_failure, sizeof s_last_failure, "%s", self->failure);
    return self->failure;
}

const char *xgc_security_last_failure(void)
{
    return s_last_failure[0] ? s_last_failure : NULL;
}

/* ---- server side ---------------------------------------------------------- */

struct _xgc_security_server_t {
    xgc_security_t sec;
    zactor_t *auth;             /* zauth: admits <certs>/clients only */
    zcert_t *cert;              /* the broker's key pair */
};

/* The process's server, used by the hooks in the broker's sockets. */
static xgc_security_server_t *s_server;

static bool s_curve_server(void)
{
    return s_server && s_server->sec.mode == XGC_SECURITY_CURVE;
}

xgc_security_server_t *xgc_security_server_new(const xgc_config_t *cfg, char *err,
                                               size_t errlen)
{
    xgc_security_server_t *self = calloc(1, sizeof *self);
    assert(self);
    if (xgc_security_parse(cfg, &self->sec, err, errlen) < 0) {
        free(self);
        return NULL;
    }
    if (self->sec.mode == XGC_SECURITY_CURVE) {
        char clients[XGC_PATH_MAX + 16];
        snprintf(clients, sizeof clients, "%s/clients", self->sec.certs);
        self->cert = s_load_secret(&self->sec, "broker", err, errlen);
        if (!self->cert || !zsys_file_exists(clients)) {
            if (self->cert)
                snprintf(err, errlen, "security: no client certificate directory %s "
                         "(run `xgc keygen`)", clients);
            xgc_security_server_destroy(&self);
            return NULL;
        }
        self->auth = zactor_new(zauth, NULL);
        zstr_sendx(self->auth, "CURVE", clients, NULL);
        zsock_wait(self->auth);
        xgc_log_info("security: CURVE, clients from %s, ZAP domain %s", clients,
                     self->sec.domain);
    }
    s_server = self;
    return self;
}

void xgc_security_server_destroy(xgc_security_server_t **self_p)
{
    xgc_security_server_t *self = *self_p;
    if (!self)
        return;
    if (s_server == self)
        s_server = NULL;
    zactor_destroy(&self->auth);
    zcert_destroy(&self->cert);
    free(self);
    *self_p = NULL;
}

void xgc_security_server_apply(zsock_t *sock)
{
    if (!s_curve_server())
        return;
    zcert_apply(s_server->cert, sock);
    zsock_set_curve_server(sock, 1);
    zsock_set_zap_domain(sock, s_server->sec.domain);
}

/* ---- guards: authorisation in the broker's threads ------------------------ */

typedef struct {
    xgc_role_t role;
    char bound[XGC_NAME_MAX];   /* its certificate's host (pmd) or vm (vmd), or "" */
    int64_t loaded_ms;
} s_principal_t;

struct _xgc_security_guard_t {
    zcertstore_t *store;        /* <certs>/clients: key -> role metadata */
    zhashx_t *principals;       /* User-Id -> s_principal_t (cache) */
    xgc_ratelimit_t ratelimit;  /* refusal log lines */
};

static void s_free_item(void **item)
{
    free(*item);
    *item = NULL;
}

xgc_security_guard_t *xgc_security_guard_new(void)
{
    if (!s_curve_server())
        return NULL;
    xgc_security_guard_t *self = calloc(1, sizeof *self);
    assert(self);
    char clients[XGC_PATH_MAX + 16];
    snprintf(clients, sizeof clients, "%s/clients", s_server->sec.certs);
    self->store = zcertstore_new(clients);
    self->principals = zhashx_new();
    zhashx_set_destructor(self->principals, s_free_item);
    xgc_ratelimit_init(&self->ratelimit, 20, 1000);
    return self;
}

void xgc_security_guard_destroy(xgc_security_guard_t **self_p)
{
    xgc_security_guard_t *self = *self_p;
    if (!self)
        return;
    zcertstore_destroy(&self->store);
    zhashx_destroy(&self->principals);
    free(self);
    *self_p = NULL;
}

/* The role and bound name (host or vm) of the sender of msg, from its
 * certificate (cached): ZeroMQ puts the key the ZAP handler admitted in
 * "User-Id". */
static s_principal_t *s_principal(xgc_security_guard_t *self, zmq_msg_t *msg,
                                  const char **user)
{
    *user = zmq_msg_gets(msg, "User-Id");
    if (!*user)
        return NULL;
    s_principal_t *p = zhashx_lookup(self->principals, *user);
    int64_t now = zclock_mono();
    if (p && now - p->loaded_ms < S_PRINCIPAL_TTL_MS)
        return p;
    if (!p) {
        p = calloc(1, sizeof *p);
        assert(p);
        zhashx_insert(self->principals, *user, p);
    }
    zcert_t *cert = zcertstore_lookup(self->store, *user);
    p->role = cert ? xgc_role_parse(zcert_meta(cert, "role")) : XGC_ROLE_NONE;
    const char *key = xgc_role_bound_key(p->role);
    const char *bound = cert && key ? zcert_meta(cert, key) : NULL;
    snprintf(p->bound, sizeof p->bound, "%s", bound ? bound : "");
    p->loaded_ms = now;
    return p;
}

/* How a refusal names the sender's binding: "host=pm1", "vm=web1", "host=-". */
static const char *s_bound_label(const s_principal_t *p, char *out, size_t len)
{
    const char *key = p ? xgc_role_bound_key(p->role) : NULL;
    snprintf(out, len, "%s=%s", key ? key : "host", p && p->bound[0] ? p->bound : "-");
    return out;
}

bool xgc_security_guard_write(xgc_security_guard_t *self, zmq_msg_t *msg, const char *key,
                              char *why, size_t whylen)
{
    if (!self)
        return true;
    const char *user;
    s_principal_t *p = s_principal(self, msg, &user);
    xgc_role_t role = p ? p->role : XGC_ROLE_NONE;
    if (xgc_authz_check(role, role == XGC_ROLE_PMD ? p->bound : NULL, key, why, whylen))
        return true;
    char label[XGC_NAME_MAX + 8];
    xgc_log_limited_write(&self->ratelimit, XGC_LOG_WARN,
                          "security: write refused key=%s role=%s %s client_key=%s", key,
                          xgc_role_name(role), s_bound_label(p, label, sizeof label),
                          user ? user : "-");
    return false;
}

bool xgc_security_guard_event(xgc_security_guard_t *self, zmq_msg_t *msg)
{
    if (!self)
        return true;
    char topic[XGC_PATH_MAX];
    snprintf(topic, sizeof topic, "%.*s", (int)zmq_msg_size(msg), (char *)zmq_msg_data(msg));
    const char *user;
    s_principal_t *p = s_principal(self, msg, &user);
    xgc_role_t role = p ? p->role : XGC_ROLE_NONE;
    if (xgc_authz_event_allows(role, p ? p->bound : NULL, topic))
        return true;
    char label[XGC_NAME_MAX + 8];
    xgc_log_limited_write(&self->ratelimit, XGC_LOG_WARN,
                          "security: event dropped topic=%s role=%s %s client_key=%s", topic,
                          xgc_role_name(role), s_bound_label(p, label, sizeof label),
                          user ? user : "-");
    return false;
}
